//! `planbook serve`: serves the site, rebuilds on change, reports a broken build to the page.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, TestRepo, valid_plan};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> (u16, String) {
    request(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
    )
}

/// Sends `raw` as it is and reads the whole response: status and body.
fn request(port: u16, raw: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn wait_for(port: u16, what: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (_, body) = get(port, "/__planbook/status");
        let status: serde_json::Value = serde_json::from_str(&body).unwrap();
        if what(&status) {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no rebuild: {status}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `planbook serve` on a free port in `dir`.
fn serve(dir: &Path) -> (Server, u16) {
    let mut child = common::planbook(dir)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let server = Server(child);
    let port: u16 = first
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{first}"));
    (server, port)
}

/// Waits until `what` holds, failing after 20 seconds.
fn eventually(what: impl Fn() -> bool, description: &str) {
    let started = Instant::now();
    while !what() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting: {description}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every file under `dir`, by relative path, with its contents.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files(dir)
        .into_iter()
        .map(|path| {
            let name = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect()
}

#[test]
fn serves_rebuilds_and_reports_errors() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let (_server, port) = serve(repo.path());

    let (status, index) = get(port, "/");
    assert_eq!(status, 200);
    assert!(index.contains("Nordics mid-market recovery"));
    assert!(
        index.contains("/__planbook/reload.js"),
        "live reload is injected"
    );
    assert_eq!(get(port, "/../people.yaml").0, 404);
    assert_eq!(get(port, "/plans/nope/").0, 404);

    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("Nordics mid-market recovery", "Nordics recovery, revised"),
    );
    wait_for(port, |s| s["version"].as_u64() >= Some(1));
    assert!(
        get(port, "/plans/alpha/")
            .1
            .contains("Nordics recovery, revised")
    );

    // A new plan and a removed one: the whole site is rebuilt.
    repo.plan("beta.md", valid_plan("beta"));
    eventually(
        || get(port, "/plans/beta/").0 == 200,
        "the new plan is served",
    );
    std::fs::remove_file(repo.path().join("plans/beta.md")).unwrap();
    eventually(
        || get(port, "/plans/beta/").0 == 404,
        "the removed plan is gone",
    );

    repo.write(
        "site-templates/plan.html",
        "{% extends \"base.html\" %}{% block main %}{{ x | nosuchfilter }}{% endblock %}",
    );
    let status = wait_for(port, |s| s["error"].is_string());
    assert!(
        status["error"].as_str().unwrap().contains("plan.html"),
        "{status}"
    );
    assert!(
        get(port, "/plans/alpha/")
            .1
            .contains("Nordics recovery, revised"),
        "the last good site stays up"
    );
}

/// An edit to a plan writes only the pages it touches, and they come out exactly as a whole
/// build would write them; a plan that stops parsing is reported and its last good page stays.
#[test]
fn an_edit_updates_the_site_as_a_whole_build_would() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    // A word only this plan's text has: its part of the search index goes with it.
    repo.plan(
        "beta.md",
        valid_plan("beta")
            .replace("region: EMEA", "region: APAC")
            .replace("## Summary\n\n", "## Summary\n\nZygotes.\n\n"),
    );
    let (_server, port) = serve(repo.path());
    assert!(repo.path().join("site/search/7a7967.json").is_file());

    // Title, status, region and owner change: the plan moves between list pages, and the
    // APAC and approved pages lose their only plan.
    let edited = valid_plan("beta")
        .replace("Nordics mid-market recovery", "Benelux turnaround")
        .replace("status: approved", "status: active")
        .replace("owner: ana", "owner: cleo");
    repo.plan("beta.md", &edited);
    wait_for(port, |s| s["version"].as_u64() >= Some(1));
    assert!(get(port, "/plans/beta/").1.contains("Benelux turnaround"));
    let site = repo.path().join("site");
    eventually(
        || {
            std::fs::read_to_string(site.join("plans.json"))
                .is_ok_and(|t| t.contains("Benelux turnaround"))
        },
        "plans.json rewritten",
    );
    assert!(
        !site.join("regions/apac").exists(),
        "empty region page removed"
    );

    let whole = repo.path().join("whole");
    let out = repo.run(&["build", "--out", "whole"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (served, built) = (contents(&site), contents(&whole));
    assert_eq!(
        served.keys().collect::<Vec<_>>(),
        built.keys().collect::<Vec<_>>(),
        "the same pages"
    );
    for (name, bytes) in &served {
        assert!(bytes == &built[name], "{name} differs from a whole build");
    }

    // Broken YAML: the error is shown, the last good page stays, and fixing it recovers.
    repo.plan(
        "beta.md",
        edited.replace("title: Benelux", "title: [Benelux"),
    );
    let status = wait_for(port, |s| s["error"].is_string());
    assert!(
        status["error"].as_str().unwrap().contains("beta.md"),
        "{status}"
    );
    assert!(get(port, "/plans/beta/").1.contains("Benelux turnaround"));
    repo.plan(
        "beta.md",
        edited.replace("Benelux turnaround", "Benelux recovery"),
    );
    wait_for(port, |s| s["error"].is_null());
    assert!(get(port, "/plans/beta/").1.contains("Benelux recovery"));
}

/// With git, an edit shows as the plan's uncommitted revision.
#[test]
fn an_edit_shows_as_an_uncommitted_revision() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit(
        "Add the Nordics plan",
        "Ana <ana@example.com>",
        "2026-01-05T10:00:00+01:00",
    );
    let (_server, port) = serve(repo.path());
    assert!(!get(port, "/plans/alpha/").1.contains("Uncommitted changes"));
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 550000"),
    );
    wait_for(port, |s| s["version"].as_u64() >= Some(1));
    let page = get(port, "/plans/alpha/").1;
    assert!(page.contains("Uncommitted changes"), "{page}");
    assert!(page.contains("550"), "the changed target is listed");
}

/// A plan that does not parse is named in the page (with its line), not silently left out.
#[test]
fn a_plan_left_out_is_shown_in_the_page() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan(
        "beta.md",
        valid_plan("beta").replace("title: Nordics", "title: [Nordics"),
    );
    let (_server, port) = serve(repo.path());
    let (_, body) = get(port, "/__planbook/status");
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    let error = status["error"].as_str().unwrap_or_default();
    assert!(error.contains("not on the site"), "{status}");
    assert!(error.contains("plans/beta.md"), "{status}");
    assert_eq!(get(port, "/plans/beta/").0, 404);

    repo.plan("beta.md", valid_plan("beta"));
    wait_for(port, |s| s["error"].is_null());
    assert_eq!(get(port, "/plans/beta/").0, 200);
}

/// Another site's name in `Host` (DNS rebinding) or the wrong port is refused; the loopback
/// names with the port served are answered.
#[test]
fn requests_for_another_host_are_refused() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let (_server, port) = serve(repo.path());
    for host in [
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        "localhost".to_string(),
        format!("localhost:{}", port.wrapping_add(1)),
        format!("127.0.0.2:{port}"),
    ] {
        let raw = format!("GET /plans.json HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let (status, body) = request(port, &raw);
        assert_eq!(status, 421, "Host: {host}");
        assert!(!body.contains("Nordics"), "Host: {host}: {body}");
    }
    let absolute = format!(
        "GET http://evil.example:{port}/plans.json HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(
        request(port, &absolute).0,
        421,
        "an absolute target names the host too"
    );
    let none = "GET /plans.json HTTP/1.0\r\n\r\n";
    assert_eq!(request(port, none).0, 421, "no Host at all");
    for host in [
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let raw = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        assert_eq!(request(port, &raw).0, 200, "Host: {host}");
    }
}

/// A request line or headers over the cap get 431, and an endless request line does not
/// grow the server: it answers the next request as before.
#[test]
fn oversized_request_heads_get_431() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let (mut server, port) = serve(repo.path());
    let long_header = format!(
        "GET / HTTP/1.1\r\nHost: localhost:{port}\r\nX-Padding: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(32 * 1024)
    );
    assert_eq!(request(port, &long_header).0, 431);
    let many_headers: String = (0..2000).map(|i| format!("X-H{i}: v\r\n")).collect();
    let raw = format!(
        "GET / HTTP/1.1\r\nHost: localhost:{port}\r\n{many_headers}Connection: close\r\n\r\n"
    );
    assert_eq!(request(port, &raw).0, 431);
    let long_line = format!(
        "GET /{} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n",
        "a".repeat(32 * 1024)
    );
    let status = request(port, &long_line).0;
    assert!(status == 431 || status == 414, "{status}");

    // A request line that never ends: the server stops reading it (the writer is cut off
    // long before 64 MB) and stays up.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let _ = stream.write_all(b"GET /");
    let sent = (0..64)
        .take_while(|_| stream.write_all(&chunk).is_ok())
        .count();
    assert!(sent < 64, "the server kept reading an endless request line");
    drop(stream);
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    assert_eq!(get(port, "/").0, 200);
}

/// Hundreds of connections that never send anything neither take the server down nor hold
/// it forever: over the cap they are refused at once, the others are closed when idle, and
/// the server answers again.
#[test]
fn many_idle_connections_do_not_take_the_server_down() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let (mut server, port) = serve(repo.path());
    let idle: Vec<TcpStream> = (0..400)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    assert!(idle.len() > 200, "{} connections", idle.len());
    // Connections do not cost a thread each: the server's threads stay a handful.
    #[cfg(target_os = "linux")]
    {
        std::thread::sleep(Duration::from_millis(500));
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap();
        let threads: usize = status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        assert!(
            threads < 64,
            "{threads} threads for {} connections",
            idle.len()
        );
    }
    // Every idle connection is closed by the server: refused at once, or after the idle time.
    for mut stream in idle {
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut buf = Vec::new();
        let closed = stream.read_to_end(&mut buf).is_ok();
        assert!(closed, "an idle connection was held for a minute");
    }
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "the server is still running"
    );
    eventually(|| get(port, "/").0 == 200, "the server answers again");
}

/// The page listens to a server push (server-sent events): a rebuild is sent to it as it
/// happens, without polling.
#[test]
fn rebuilds_are_pushed_to_the_page() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let (_server, port) = serve(repo.path());
    let page = get(port, "/").1;
    assert!(
        page.contains("data-version=\"0\""),
        "the page knows its version"
    );
    let script = get(port, "/__planbook/reload.js").1;
    assert!(script.contains("EventSource"), "{script}");

    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /__planbook/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut events = Vec::new();
    let mut line = String::new();
    let mut edited = false;
    while events.len() < 2 {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        if line.starts_with("HTTP/1.1") {
            assert!(line.contains("200"), "{line}");
        }
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            let state: serde_json::Value = serde_json::from_str(data).unwrap();
            events.push(state);
            if !edited {
                edited = true;
                repo.plan(
                    "alpha.md",
                    valid_plan("alpha").replace("Nordics mid-market recovery", "Pushed"),
                );
            }
        }
    }
    assert_eq!(events[0]["version"], 0, "{events:?}");
    assert_eq!(events[1]["version"], 1, "{events:?}");
    assert_eq!(
        events[1]["whole"], false,
        "an edit replaces the page's content: {events:?}"
    );
    assert!(get(port, "/plans/alpha/").1.contains("Pushed"));
}
