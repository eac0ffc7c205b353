//! `planbook lsp` driven over stdio with JSON-RPC, as an editor would.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::common::{self, TestRepo, valid_plan};
use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: u64,
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = common::planbook(dir)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                if send.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = serde_json::to_vec(&message).unwrap();
        self.raw(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        self.raw(&body);
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.wait();
            if message["id"] == id {
                return message;
            }
        }
    }

    fn wait(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(30))
            .expect("the server answered within 30 s")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self.wait();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

fn lsp_findings(diagnostics: &[Value]) -> Vec<(String, u64, u64, String)> {
    let mut found: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["data"]["line"].as_u64().unwrap(),
                d["data"]["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn diagnostics_completion_hover_actions_and_a_malformed_message() {
    let repo = TestRepo::with_git();
    let broken = valid_plan("alpha")
        .replace("target: 500000", "target: 380000")
        .replace("owner: ana", "owner: anna")
        .replace("## Recent challenges", "## Challenges");
    repo.plan("alpha.md", &broken);
    repo.plan("beta.md", valid_plan("beta"));
    repo.commit(
        "Plans",
        "Ana Lima <ana@example.com>",
        "2026-01-05T09:00:00+00:00",
    );
    let path = repo.path().join("plans/alpha.md");
    let uri = uri(&path);
    let mut client = Client::start(repo.path());
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", repo.path().canonicalize().unwrap().display()), "capabilities": {}}),
    );
    assert_eq!(
        init["result"]["capabilities"]["hoverProvider"], true,
        "{init}"
    );
    client.notify("initialized", json!({}));

    // A malformed message is answered with a parse error and the server goes on.
    client.raw(b"Content-Length: 7\r\n\r\n{broken");
    let error = client.wait();
    assert_eq!(error["error"]["code"], -32700, "{error}");

    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": broken}}),
    );
    let diagnostics = client.diagnostics(&uri);
    let check = repo.run(&["check", "--format", "json", "plans/alpha.md"]);
    let json: Value = serde_json::from_str(&check.stdout).unwrap();
    let mut from_check: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    from_check.sort();
    assert!(!from_check.is_empty());
    assert_eq!(lsp_findings(&diagnostics), from_check);
    let rules: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for rule in [
        "target-direction",
        "unknown-person",
        "missing-section",
        "signoff-unverified",
    ] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    // Positions are 0-based in the protocol.
    let direction = diagnostics
        .iter()
        .find(|d| d["code"] == "target-direction")
        .unwrap();
    assert_eq!(
        direction["range"]["start"]["line"].as_u64().unwrap() + 1,
        direction["data"]["line"].as_u64().unwrap()
    );

    // A change is checked again (without the history rules, kept from the open).
    let fixed = broken.replace("target: 380000", "target: 500000");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let after = client.diagnostics(&uri);
    assert!(
        after.iter().all(|d| d["code"] != "target-direction"),
        "{after:?}"
    );
    assert!(after.iter().any(|d| d["code"] == "unknown-person"));

    // Completion: people after `owner:`.
    let owner_line = fixed.lines().position(|l| l.starts_with("owner:")).unwrap();
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": owner_line, "character": 7}}),
    );
    let labels: Vec<&str> = completion["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"ana") && labels.contains(&"ben"),
        "{completion}"
    );
    // Completion: statuses after `status:`.
    let status_line = fixed
        .lines()
        .position(|l| l.starts_with("status:"))
        .unwrap();
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": status_line, "character": 8}}),
    );
    assert!(completion.to_string().contains("in_review"), "{completion}");

    // Hover on a person id names them; on a metric id shows its targets.
    let sponsor_line = fixed
        .lines()
        .position(|l| l.starts_with("sponsor:"))
        .unwrap();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": sponsor_line, "character": 10}}),
    );
    assert!(hover.to_string().contains("Ben Ode"), "{hover}");

    // Code actions: the missing section, and a check-in for today.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("Recent challenges")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.starts_with("Add a check-in")),
        "{titles:?}"
    );

    // Go to definition: a person id leads to people.yaml.
    let definition = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": sponsor_line, "character": 10}}),
    );
    assert!(
        definition["result"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("people.yaml"),
        "{definition}"
    );

    // A document that is not a plan at all never stops the server.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "---\n: [\u{0}\n"}]}),
    );
    let broken_diagnostics = client.diagnostics(&uri);
    assert!(
        broken_diagnostics
            .iter()
            .any(|d| d["code"] == "front-matter")
    );

    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    client.notify("exit", Value::Null);
    let status = client.child.wait().unwrap();
    assert!(status.success());
}

/// The messages the server sends until it publishes diagnostics for `uri`, those included.
fn until_diagnostics(client: &mut Client, uri: &str) -> Vec<Value> {
    let mut messages = Vec::new();
    loop {
        let message = client.wait();
        let done = message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == uri;
        messages.push(message);
        if done {
            return messages;
        }
    }
}

/// An index libgit2 cannot read (a split index) leaves uncommitted edits unseen, as `check`
/// warns: the editor is told once, with what to do, and the plan's findings still come.
#[test]
fn an_index_that_cannot_be_read_is_shown_to_the_editor_once() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan("beta.md", valid_plan("beta"));
    repo.commit(
        "Plans",
        "Ana Lima <ana@example.com>",
        "2026-01-05T09:00:00+00:00",
    );
    repo.git(&["update-index", "--split-index"]);
    let mut client = Client::start(repo.path());
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", repo.path().canonicalize().unwrap().display()), "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    let warnings = |messages: &[Value]| -> Vec<String> {
        messages
            .iter()
            .filter(|m| m["method"] == "window/showMessage")
            .map(|m| {
                assert_eq!(m["params"]["type"], 2, "a warning: {m}");
                m["params"]["message"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let mut seen = Vec::new();
    for name in ["alpha", "beta"] {
        let path = repo.path().join(format!("plans/{name}.md"));
        let uri = uri(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
        let messages = until_diagnostics(&mut client, &uri);
        let last = messages.last().unwrap();
        assert!(
            last["params"]["diagnostics"].is_array(),
            "the plan's findings are published: {last}"
        );
        seen.push(warnings(&messages));
    }
    assert_eq!(seen[0].len(), 1, "{seen:?}");
    assert!(
        seen[0][0].contains("uncommitted edits to plans are not shown")
            && seen[0][0].contains("git update-index --no-split-index"),
        "{seen:?}"
    );
    assert!(seen[1].is_empty(), "said once a session: {seen:?}");
}
