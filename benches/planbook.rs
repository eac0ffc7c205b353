//! Benchmarks against synthetic repositories (see `synth.rs`).
//!
//! `cargo bench --bench planbook` generates the repositories under `target/bench-repos/`
//! (once; delete the folder to regenerate) and times the release binary. Options:
//! `--plans N`, `--commits N`, `--runs N`, `--only check|log|build|serve|lsp`,
//! `--variants standard,company,company-gc` (the generator's shapes; all by default).

mod synth;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let mut plans = 10_000;
    let mut commits = 50_000;
    let mut runs = 5;
    let mut only: Option<String> = None;
    let mut variants: Vec<String> = synth::VARIANTS.iter().map(|v| v.to_string()).collect();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--plans" => plans = value.parse().expect("--plans N"),
            "--commits" => commits = value.parse().expect("--commits N"),
            "--runs" => runs = value.parse().expect("--runs N"),
            "--only" => only = Some(value),
            "--variants" => variants = value.split(',').map(str::to_string).collect(),
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_planbook"));
    let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-repos");
    let wants = |what: &str| only.as_deref().is_none_or(|o| o == what);
    println!("machine: {} cores, {}", cores(), cpu_model());

    if wants("check") {
        for variant in &variants {
            let short = short_repository(&base, variant, plans);
            let size = dir_size(&short.join("plans"));
            println!(
                "\n{variant} repository: {plans} plans ({:.0} MB of plans), {} commits",
                size as f64 / 1e6,
                short_commits(variant, plans)
            );
            let args = ["check", "--format", "json", "--as-of", "2026-03-01"];
            // The first check parses every plan and writes the plans cache; in CI (`CI` set)
            // nothing is written; later checks take unchanged plans from the cache.
            let plans_cache = short.join(".git/planbook/plans-cache.bin");
            let t = time(runs, || {
                let _ = std::fs::remove_file(&plans_cache);
                run(&binary, &short, &args);
            });
            report(
                "planbook check --format json, history rules on, first run (no plans cache)",
                &t,
            );
            let t = time(runs, || {
                let _ = std::fs::remove_file(&plans_cache);
                run_with(&binary, &short, &args, &[("CI", "true")]);
            });
            report(
                "planbook check --format json, history rules on, in CI (no plans cache)",
                &t,
            );
            let t = time(runs, || run(&binary, &short, &args));
            report(
                "planbook check --format json, history rules on (plans cache from the last run)",
                &t,
            );
            if let Some(kb) = peak_kb(&binary, &short, &args) {
                println!("  peak memory: {:.0} MB", kb as f64 / 1024.0);
            }
            // The same with every history rule off: they must cost nothing.
            let config = short.join(".git/planbook-history-off.toml");
            let mut text = std::fs::read_to_string(short.join("planbook.toml")).expect("config");
            for rule in [
                "signoff-unverified",
                "signoff-stale",
                "status-transition",
                "identity-change",
            ] {
                text.push_str(&format!("{rule} = \"off\"\n"));
            }
            std::fs::write(&config, text).expect("write the configuration");
            let off = [
                &["--config", config.to_str().expect("UTF-8 path")],
                &args[..],
            ]
            .concat();
            let t = time(runs, || run(&binary, &short, &off));
            report("planbook check --format json, history rules off", &t);
        }
    }

    if wants("log") {
        for variant in &variants {
            let long = history_repository(&base, variant, plans, commits);
            println!("\n{variant} repository: {plans} plans, {commits} commits (merges, renames)");
            let reference = time(runs, || {
                let out = Command::new("git")
                    .args([
                        "log",
                        "--name-status",
                        "-M",
                        "--format=%H%x00%an%x00%ae%x00%aI%x00%s",
                        "--",
                        "plans/",
                    ])
                    .current_dir(&long)
                    .output()
                    .expect("run git log");
                assert!(out.status.success());
            });
            report("git log --name-status -M -- plans/ (reference)", &reference);
            let cache = long.join(".git/planbook");
            let cold = time(runs, || {
                let _ = std::fs::remove_dir_all(&cache);
                run(&binary, &long, &["log", "--format", "json"]);
            });
            report("planbook log --format json, cold (no cache)", &cold);
            let warm = time(runs, || run(&binary, &long, &["log", "--format", "json"]));
            report(
                "planbook log --format json, warm (the document kept by the last run)",
                &warm,
            );
            // What a run after a new commit does: the history cached, the document laid out.
            let kept = cache.join("log-output.bin");
            let laid_out = time(runs, || {
                let _ = std::fs::remove_file(&kept);
                run(&binary, &long, &["log", "--format", "json"]);
            });
            report(
                "planbook log --format json, history cached, document laid out again",
                &laid_out,
            );
            let median = |t: &[Duration]| t[t.len() / 2].as_secs_f64();
            println!(
                "  cold / reference: {:.2}x, warm / reference: {:.2}x",
                median(&cold) / median(&reference),
                median(&warm) / median(&reference)
            );
            if let Some(kb) = peak_kb(&binary, &long, &["log", "--format", "json"]) {
                println!("  peak memory (warm): {:.0} MB", kb as f64 / 1024.0);
            }
        }
    }

    if wants("build") {
        for variant in &variants {
            let long = history_repository(&base, variant, plans, commits);
            let out = base.join("build-out");
            let args = [
                "build",
                "--out",
                out.to_str().expect("UTF-8 path"),
                "--as-of",
                "2026-03-01",
                "-q",
            ];
            println!(
                "\n{variant} repository: {plans} plans, {commits} commits; site into {}",
                out.display()
            );
            let cold = time(1, || {
                let _ = std::fs::remove_dir_all(long.join(".git/planbook"));
                run(&binary, &long, &args);
            });
            report("planbook build, cold (history not cached)", &cold);
            let warm = time(runs, || run(&binary, &long, &args));
            report("planbook build, warm (history cached)", &warm);
            if let Some(kb) = peak_kb(&binary, &long, &args) {
                println!("  peak memory (warm): {:.0} MB", kb as f64 / 1024.0);
            }
        }
    }

    if wants("lsp") {
        let short = short_repository(&base, "standard", plans);
        println!("\nrepository: {plans} plans, short history; planbook lsp");
        let times = lsp_changes(&binary, &short, runs.max(10));
        report(
            "planbook lsp: a change to a ~15 KB plan, from didChange to its diagnostics",
            &times,
        );
    }

    if wants("serve") {
        let long = history_repository(&base, "standard", plans, commits);
        println!("\nrepository: {plans} plans, {commits} commits; planbook serve");
        let times = serve_edits(&binary, &long, runs);
        report(
            "planbook serve: an edit to a plan's title, from saving the file to the new version",
            &times,
        );
    }
}

/// Starts `planbook lsp` in `dir`, opens one plan and changes it `runs` times, timing each
/// change from the `didChange` notification until its diagnostics are published.
fn lsp_changes(binary: &Path, dir: &Path, runs: usize) -> Vec<Duration> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(binary)
        .arg("lsp")
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start planbook lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut send = |message: serde_json::Value| {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        stdin.flush().expect("flush");
    };
    let mut receive = || -> serde_json::Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("read");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("json")
    };
    let root = dir.canonicalize().expect("root");
    let path = root.join("plans/emea/plan-00000.md");
    let path = if path.exists() {
        path
    } else {
        std::fs::read_dir(root.join("plans"))
            .expect("plans")
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "md"))
            .expect("a plan")
    };
    let uri = format!("file://{}", path.display());
    let text = std::fs::read_to_string(&path).expect("plan");
    println!("  plan: {} ({} KB)", path.display(), text.len() / 1024);
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"rootUri": format!("file://{}", root.display()), "capabilities": {}}}),
    );
    let wait_for = |receive: &mut dyn FnMut() -> serde_json::Value,
                    what: &dyn Fn(&serde_json::Value) -> bool| loop {
        let message = receive();
        if what(&message) {
            return;
        }
    };
    wait_for(&mut receive, &|m| m["id"] == 1);
    send(
        serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}}),
    );
    wait_for(&mut receive, &|m| {
        m["method"] == "textDocument/publishDiagnostics"
    });
    let mut times = Vec::new();
    for i in 0..runs {
        let changed = text.replacen("title: ", &format!("title: Edit {i} "), 1);
        let started = Instant::now();
        send(
            serde_json::json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [{"text": changed}]}}),
        );
        wait_for(&mut receive, &|m| {
            m["method"] == "textDocument/publishDiagnostics"
        });
        times.push(started.elapsed());
    }
    let _ = child.kill();
    let _ = child.wait();
    times
}

/// Starts `planbook serve` in `dir`, edits one plan `runs` times and times each edit from the
/// write until the server reports the new version (what it pushes to the open pages).
fn serve_edits(binary: &Path, dir: &Path, runs: usize) -> Vec<Duration> {
    use std::io::{BufRead, BufReader, Read, Write};
    let plan = dir.join("plans/emea/plan-00000.md");
    let original = std::fs::read_to_string(&plan).expect("read the plan to edit");
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["serve", "--port", "0"])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start planbook serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("serve prints its address");
    println!(
        "  first build and start-up: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let port: u16 = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .expect("port in the serve banner");
    let version = || -> u64 {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(
            stream,
            "GET /__planbook/status HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        let body = response.split("\r\n\r\n").nth(1).unwrap_or("{}");
        let status: serde_json::Value = serde_json::from_str(body).expect("status JSON");
        status["version"].as_u64().unwrap_or(0)
    };
    let data = dir.join("site/plans.json");
    let written = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let mut times = Vec::new();
    for run in 0..=runs {
        let before = version();
        let data_before = written(&data);
        let text = original.replace("title: ", &format!("title: Edited {run} "));
        let start = Instant::now();
        std::fs::write(&plan, text).expect("edit the plan");
        while version() == before {
            assert!(start.elapsed() < Duration::from_secs(120), "no update");
            std::thread::sleep(Duration::from_millis(5));
        }
        let seen = start.elapsed();
        // The data files follow the pages; the next edit waits for them.
        while written(&data) == data_before && start.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if run == 0 {
            println!(
                "  data files (plans.json, search index, feeds) rewritten after {:.1} s",
                start.elapsed().as_secs_f64()
            );
        } else {
            times.push(seen);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    std::fs::write(&plan, original).expect("restore the plan");
    times.sort();
    times
}

/// The repository of the generator's `variant` with a long history (generated on first use).
fn history_repository(base: &Path, variant: &str, plans: usize, commits: usize) -> PathBuf {
    let dir = base.join(format!("{}history-{plans}-{commits}", prefix(variant)));
    ensure(&dir, shape(variant, plans, commits));
    dir
}

/// The repository of `plans` plans with a short history (the plans added, a few edits; 200
/// commits in the company-shaped variants).
fn short_repository(base: &Path, variant: &str, plans: usize) -> PathBuf {
    let short = base.join(format!("{}short-{plans}", prefix(variant)));
    ensure(&short, shape(variant, plans, short_commits(variant, plans)));
    short
}

fn short_commits(variant: &str, plans: usize) -> usize {
    if variant == "standard" {
        105.max(plans / 100 + 5)
    } else {
        200.max(plans / 100 + 100)
    }
}

/// Folder names keep the first generator's repositories where they were.
fn prefix(variant: &str) -> String {
    if variant == "standard" {
        String::new()
    } else {
        format!("{variant}-")
    }
}

fn shape(variant: &str, plans: usize, commits: usize) -> synth::Shape {
    synth::Shape::variant(variant, plans, commits)
        .unwrap_or_else(|| panic!("unknown variant {variant}; one of {:?}", synth::VARIANTS))
}

fn ensure(dir: &Path, shape: synth::Shape) {
    if dir.join(".git").exists() {
        return;
    }
    let started = Instant::now();
    synth::generate(dir, shape).expect("generate repository");
    println!("generated {} in {:.1?}", dir.display(), started.elapsed());
}

/// Runs planbook as on a developer's machine (`CI` unset, so its caches are written).
fn run(binary: &Path, dir: &Path, args: &[&str]) {
    run_with(binary, dir, args, &[]);
}

fn run_with(binary: &Path, dir: &Path, args: &[&str], env: &[(&str, &str)]) {
    let out = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .envs(env.iter().copied())
        .output()
        .expect("run planbook");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "planbook failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn time(runs: usize, mut f: impl FnMut()) -> Vec<Duration> {
    f(); // warm the page cache
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn report(what: &str, times: &[Duration]) {
    let median = times[times.len() / 2];
    println!(
        "{what}: median {:.3} s (min {:.3} s, max {:.3} s, {} runs)",
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        times.len()
    );
}

/// Peak resident memory of one run, from `/usr/bin/time -f %M`, if available.
fn peak_kb(binary: &Path, dir: &Path, args: &[&str]) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg(binary)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()?
        .trim()
        .parse()
        .ok()
}

fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                total += dir_size(&path);
            } else if let Ok(meta) = entry.metadata() {
                total += meta.len();
            }
        }
    }
    total
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
