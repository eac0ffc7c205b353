//! `planbook serve`: serves the site, rebuilds on change, reports a broken build to the page.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TestRepo, valid_plan};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
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

#[test]
fn serves_rebuilds_and_reports_errors() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_planbook"))
        .args(["serve", "--port", "0"])
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _server = Server(child);
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
