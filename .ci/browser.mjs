// The site in a real browser: builds nothing itself; `.ci/browser` builds the example site and
// runs this with the site folder. It serves the folder over HTTP (so the pages' Content
// Security Policy applies as on a web server), opens pages in headless Chromium and checks
// that no page scrolls sideways on a phone and that axe-core finds no serious or critical
// accessibility violation.
//
//   node .ci/browser.mjs SITE_DIR                 the checks (exit 1 on a failure)
//   node .ci/browser.mjs SITE_DIR --shots DIR     also screenshots at 1366 and 390 px, light and dark
//   node .ci/browser.mjs SITE_DIR --pdf DIR       also each plan printed to PDF (A4 and Letter), page counts
import { createRequire } from "node:module";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(process.env.PLANBOOK_BROWSER_TOOLS + "/package.json");
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [siteArg, ...rest] = process.argv.slice(2);
const siteDir = path.resolve(siteArg);
const option = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : null;
};
const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
  ".json": "application/json", ".xml": "application/xml", ".ics": "text/calendar", ".svg": "image/svg+xml" };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  let file = path.join(siteDir, decodeURIComponent(url.pathname));
  if (!file.startsWith(path.resolve(siteDir))) { res.writeHead(403); res.end(); return; }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  fs.readFile(file, (err, body) => {
    if (err) { res.writeHead(404); res.end("not found"); return; }
    res.writeHead(200, { "content-type": types[path.extname(file)] || "application/octet-stream" });
    res.end(body);
  });
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}/`;

// The pages checked: the index, its page 2, every plan page, the first person page and the
// first manager page.
const plans = fs.readdirSync(path.join(siteDir, "plans")).filter((d) =>
  fs.existsSync(path.join(siteDir, "plans", d, "index.html"))).sort();
const people = fs.existsSync(path.join(siteDir, "owners"))
  ? fs.readdirSync(path.join(siteDir, "owners")).filter((d) =>
    fs.existsSync(path.join(siteDir, "owners", d, "index.html"))).sort() : [];
const managers = fs.existsSync(path.join(siteDir, "managers"))
  ? fs.readdirSync(path.join(siteDir, "managers")).filter((d) =>
    fs.existsSync(path.join(siteDir, "managers", d, "index.html"))).sort() : [];
const pages = ["index.html", ...plans.map((p) => `plans/${p}/index.html`)];
if (fs.existsSync(path.join(siteDir, "page/2/index.html"))) pages.push("page/2/index.html");
if (people.length) pages.push(`owners/${people[0]}/index.html`);
if (managers.length) pages.push(`managers/${managers[0]}/index.html`);

const browser = await chromium.launch({
  executablePath: process.env.PLANBOOK_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const failures = [];
try {
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: scheme });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const errors = [];
    page.on("console", (m) => {
      // The browser asks for /favicon.ico on its own; the site has none.
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    for (const p of pages) {
      errors.length = 0;
      await page.goto(origin + p, { waitUntil: "load" });
      for (const width of [320, 390]) {
        await page.setViewportSize({ width, height: 844 });
        const { scroll, inner } = await page.evaluate(() =>
          ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
        if (scroll > inner) failures.push(`${p} (${scheme}, ${width} px): the page scrolls sideways, ${scroll} px wide`);
        // Chart text is drawn to the chart's width: it must still read at 12 px or more.
        const smallest = await page.evaluate(() => Math.min(...Array.from(document.querySelectorAll("svg.chart text"))
          .map((t) => { const svg = t.ownerSVGElement;
            return parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; })));
        if (smallest < 12) failures.push(`${p} (${scheme}, ${width} px): chart text of ${smallest.toFixed(1)} px`);
      }
      if (scheme === "light" || p === "index.html" || p.startsWith("plans/") || p.startsWith("page/")) {
        await page.evaluate(axeSource); // through the debugging protocol: the page's CSP forbids inline scripts
        const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
        for (const v of result.violations) {
          if (v.impact === "serious" || v.impact === "critical") {
            const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
            failures.push(`${p} (${scheme}): axe ${v.id} (${v.impact}): ${v.help} at ${where}`);
          }
        }
      }
      for (const e of errors) failures.push(`${p} (${scheme}): browser console: ${e}`);
    }
    await context.close();
  }

  // The index: Enter in the search box submits nothing, the search, the filters and the sort
  // are kept in the address and survive Back, headers sort by keyboard; over HTTP and opened
  // from disk (`file://`, where a page may load scripts but not fetch files).
  const plansJson = JSON.parse(fs.readFileSync(path.join(siteDir, "plans.json"), "utf8"));
  const all = JSON.parse(fs.readFileSync(path.join(siteDir, "search/ids.json"), "utf8")).length;
  // A word of the index that no row shows (it is not in the plans' summaries), with how many
  // plans have a word starting with it.
  const summaries = JSON.stringify(plansJson.plans.map((p) => p.summary)).toLowerCase();
  const inText = (() => {
    for (const file of fs.readdirSync(path.join(siteDir, "search")).sort()) {
      if (!file.endsWith(".json") || file === "ids.json") continue;
      const part = JSON.parse(fs.readFileSync(path.join(siteDir, "search", file), "utf8"));
      for (const word of Object.keys(part).sort()) {
        if (word.length < 6 || !/^[a-z]+$/.test(word) || summaries.includes(word)) continue;
        const plans = new Set();
        for (const [w, list] of Object.entries(part)) if (w.startsWith(word)) list.forEach((i) => plans.add(i));
        if (plans.size >= 1 && plans.size < all) return { word, plans: plans.size };
      }
    }
    return null;
  })();
  if (!inText) failures.push("the search index has no word to try that a row does not show");
  for (const [root, scheme] of [[origin, "http"], [`file://${siteDir}/`, "file"]]) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const errors = [];
    page.on("console", (m) => {
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) errors.push(m.text());
    });
    try {
      await page.goto(root + "index.html", { waitUntil: "load" });
      const visible = () => page.evaluate(() =>
        Array.from(document.querySelectorAll("#plans tbody tr")).filter((r) => !r.hidden).length);
      // The index may show one page of the plans: the search covers them all.
      const title = await page.evaluate(() => document.querySelector("#plans tbody tr .plan-link").textContent);
      const word = title.split(/\s+/).find((w) => w.length > 3).toLowerCase();
      await page.fill("#q", word);
      await page.press("#q", "Enter", { timeout: 5000 }).catch((e) =>
        failures.push(`index (${scheme}): Enter in the search box: ${e.message.split("\n")[0]}`));
      await page.waitForLoadState("networkidle");
      const shown = await visible();
      if (!(shown >= 1 && shown < all)) failures.push(`index (${scheme}): searching for "${word}" shows ${shown} of ${all} plans`);
      if (!page.url().includes(`q=${encodeURIComponent(word)}`)) failures.push(`index (${scheme}): the search is not in the address: ${page.url()}`);
      // A word only the plans' text has (not a row's): found through the search index.
      await page.fill("#q", inText.word);
      await page.waitForLoadState("networkidle");
      await page.waitForFunction((n) => Array.from(document.querySelectorAll("#plans tbody tr"))
        .filter((r) => !r.hidden).length === n, inText.plans, { timeout: 5000 }).catch(() => {});
      const found = await visible();
      if (found !== inText.plans) failures.push(`index (${scheme}): searching the text for "${inText.word}" shows ${found} plans, not ${inText.plans}`);
      await page.fill("#q", word);
      await page.waitForLoadState("networkidle");
      const sortButton = page.locator("#plans thead th").nth(0).locator("button");
      if (await sortButton.count() === 1) {
        await sortButton.focus();
        await page.keyboard.press("Enter");
        await page.keyboard.press("Enter");
      }
      const sort = await page.evaluate(() => document.querySelector("#plans thead th").getAttribute("aria-sort"));
      if (sort !== "descending") failures.push(`index (${scheme}): two presses of Enter on the Plan header sort ${sort}, not descending`);
      if (!page.url().includes("sort=0-desc")) failures.push(`index (${scheme}): the sort is not in the address: ${page.url()}`);
      await page.locator("#plans tbody tr:not([hidden]) .plan-link").first().click();
      await page.waitForLoadState("load");
      await page.goBack({ waitUntil: "networkidle" });
      const back = await page.evaluate(() => ({ q: document.getElementById("q").value,
        rows: Array.from(document.querySelectorAll("#plans tbody tr")).filter((r) => !r.hidden).length,
        sort: document.querySelector("#plans thead th").getAttribute("aria-sort") }));
      if (back.q !== word || back.rows !== shown || back.sort !== "descending") {
        failures.push(`index after Back (${scheme}): search "${back.q}", ${back.rows} plans, sort ${back.sort}; expected "${word}", ${shown}, descending`);
      }
      // On page 2, a filter shows the plans of every page, and clearing it brings the page back.
      if (pages.includes("page/2/index.html")) {
        await page.goto(root + "page/2/index.html", { waitUntil: "load" });
        const own = await visible();
        const status = await page.evaluate(() => document.querySelector("#plans tbody tr").getAttribute("data-status"));
        await page.selectOption("#f-status", status);
        await page.waitForLoadState("networkidle");
        const everywhere = plansJson.plans.filter((p) => p.summary.status === status).length;
        const filtered = await visible();
        if (filtered !== everywhere) failures.push(`page 2 (${scheme}): the status filter shows ${filtered} plans, not the ${everywhere} of every page`);
        if (await page.locator("#pager").isVisible()) failures.push(`page 2 (${scheme}): the pager stays while a filter shows every page`);
        await page.selectOption("#f-status", "");
        const again = await visible();
        if (again !== own) failures.push(`page 2 (${scheme}): clearing the filter shows ${again} plans, not the page's ${own}`);
      }
    } catch (e) {
      failures.push(`index (search, sort, Back; ${scheme}): ${e.message.split("\n")[0]}`);
    }
    for (const e of errors) failures.push(`index (search, sort, Back; ${scheme}): browser console: ${e}`);
    await context.close();
  }

  const shots = option("--shots");
  if (shots) {
    fs.mkdirSync(shots, { recursive: true });
    for (const scheme of ["light", "dark"]) for (const width of [1366, 390]) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
      const page = await context.newPage();
      for (const p of pages) {
        await page.goto(origin + p, { waitUntil: "load" });
        const name = p.replace(/\/index\.html$/, "").replace(/[/.]/g, "_");
        await page.screenshot({ path: path.join(shots, `${name}-${width}-${scheme}.png`), fullPage: true });
      }
      await context.close();
    }
  }

  const pdf = option("--pdf");
  if (pdf) {
    fs.mkdirSync(pdf, { recursive: true });
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const p of plans) {
      await page.goto(origin + `plans/${p}/index.html`, { waitUntil: "load" });
      const words = await page.evaluate(() => document.querySelector(".prose")?.innerText.split(/\s+/).filter(Boolean).length ?? 0);
      const counts = [];
      for (const format of ["A4", "Letter"]) {
        const file = path.join(pdf, `${p}-${format}.pdf`);
        await page.pdf({ path: file, format, preferCSSPageSize: true });
        counts.push((fs.readFileSync(file, "latin1").match(/\/Type\s*\/Page[^s]/g) || []).length);
      }
      console.log(`| ${p} | ${words} | ${counts[0]} | ${counts[1]} |`);
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (failures.length) {
  console.error(failures.join("\n"));
  console.error(`browser: ${failures.length} problem(s) on ${pages.length} pages`);
  process.exit(1);
}
console.log(`browser: ${pages.length} pages, no sideways scroll at 320 and 390 px, no serious or critical axe violation, search, filters and sort kept in the address`);
