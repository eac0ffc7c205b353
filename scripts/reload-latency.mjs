// How long an edit to a plan takes to reach a page open in a real browser under
// `planbook serve`: from writing the file to the new text being in the page, as the browser's
// own clock records it. Headless Chromium, driven over the DevTools protocol.
//
//   node --experimental-websocket scripts/reload-latency.mjs [PLANBOOK] [EDITS]
//
// PLANBOOK defaults to target/release/planbook; EDITS to 20. The repository's own example
// plans are copied to a temporary folder (serve writes its site there), one plan's title is
// edited EDITS times, and the median, minimum and maximum are printed. Needs `chromium`
// (Debian: `apt-get install -y chromium`) and Node 20+ (22+ without the flag). Loopback only.

import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const root = resolve(new URL("..", import.meta.url).pathname);
const binary = resolve(process.argv[2] ?? join(root, "target/release/planbook"));
const edits = Number(process.argv[3] ?? 20);
const planPath = "plans/emea/dach-midmarket-2026h2.md";
const planUrl = "/plans/dach-midmarket-2026h2/";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const work = mkdtempSync(join(tmpdir(), "planbook-reload-"));
for (const name of ["plans", "people.yaml", "planbook.toml", "site-templates", "schema"]) {
  if (existsSync(join(root, name))) cpSync(join(root, name), join(work, name), { recursive: true });
}
const original = readFileSync(join(work, planPath), "utf8");

const children = [];
function cleanup() {
  for (const child of children) child.kill("SIGKILL");
  try {
    rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  } catch {
    // Chromium may still be writing its profile as it dies; the folder is temporary.
  }
}
process.on("exit", cleanup);

// planbook serve, on a free port.
const serve = spawn(binary, ["serve", "--port", "0"], { cwd: work, stdio: ["ignore", "pipe", "ignore"] });
children.push(serve);
const banner = await new Promise((ok) => createInterface({ input: serve.stdout }).once("line", ok));
const port = Number(/127\.0\.0\.1:(\d+)/.exec(banner)[1]);

// Headless Chromium with a fresh profile; it writes its DevTools port into the profile.
const profile = join(work, "chromium-profile");
const chromium = spawn(
  "chromium",
  [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${profile}`,
    "--remote-debugging-port=0",
    "about:blank",
  ],
  { stdio: "ignore" },
);
children.push(chromium);
let devtools;
for (let i = 0; i < 300 && !devtools; i++) {
  try {
    const [p, path] = readFileSync(join(profile, "DevToolsActivePort"), "utf8").trim().split("\n");
    devtools = `ws://127.0.0.1:${p}${path}`;
  } catch {
    await sleep(100);
  }
}
if (!devtools) throw new Error("chromium did not start");

// A minimal DevTools protocol client.
const socket = new WebSocket(devtools);
await new Promise((ok, fail) => {
  socket.onopen = ok;
  socket.onerror = fail;
});
let nextId = 1;
const pending = new Map();
const listeners = [];
socket.onmessage = (message) => {
  const data = JSON.parse(message.data);
  if (data.id && pending.has(data.id)) {
    pending.get(data.id)(data);
    pending.delete(data.id);
  } else if (data.method) {
    for (const listener of listeners.slice()) listener(data);
  }
};
function send(method, params = {}, sessionId) {
  const id = nextId++;
  socket.send(JSON.stringify({ id, method, params, sessionId }));
  return new Promise((ok, fail) =>
    pending.set(id, (d) => (d.error ? fail(new Error(JSON.stringify(d.error))) : ok(d.result))),
  );
}
function next(method) {
  return new Promise((ok) => {
    const listener = (data) => {
      if (data.method === method) {
        listeners.splice(listeners.indexOf(listener), 1);
        ok(data);
      }
    };
    listeners.push(listener);
  });
}

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
await send("Page.enable", {}, sessionId);
await send("Runtime.enable", {}, sessionId);
const evaluate = async (expression) =>
  (await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId)).result.value;

const loaded = next("Page.loadEventFired");
await send("Page.navigate", { url: `http://localhost:${port}${planUrl}` }, sessionId);
await loaded;
await sleep(500); // the event stream connects

const shown = [];
for (let i = 1; i <= edits; i++) {
  const marker = `edit ${i}`;
  // The moment the new title is in the page, by the browser's clock: a MutationObserver for
  // content replaced in place, DOMContentLoaded if the page reloaded instead.
  await evaluate(`(function () {
    window.__shown = null;
    new MutationObserver(function (_, observer) {
      var h = document.querySelector("h1");
      if (h && h.textContent.indexOf(${JSON.stringify(marker)}) !== -1) {
        window.__shown = Date.now();
        observer.disconnect();
      }
    }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  })()`);
  const started = Date.now();
  writeFileSync(join(work, planPath), original.replace(/^title: (.*)$/m, `title: $1 (${marker})`));
  let at = null;
  while (at === null) {
    if (Date.now() - started > 10000) throw new Error(`the page never showed ${marker}`);
    await sleep(5);
    at = await evaluate(`(function () {
      var h = document.querySelector("h1");
      if (!h || h.textContent.indexOf(${JSON.stringify(marker)}) === -1) return null;
      return window.__shown || performance.timing.domContentLoadedEventEnd || Date.now();
    })()`);
  }
  shown.push(at - started);
  await sleep(700); // let the data files (plans.json, feed) be written between edits
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};
const d = stats(shown);
console.log(`edits: ${edits}`);
console.log(`write -> the new title in the open page: median ${d.median} ms (min ${d.min}, max ${d.max})`);
socket.close();
process.exit(0);
