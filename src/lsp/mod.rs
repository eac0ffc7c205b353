//! `planbook lsp`: a language server for plan files, on the same parser and rules as `check`.
//!
//! Diagnostics are published as you type (debounced), with the history rules run when a plan
//! is opened or saved; completion offers people, metric ids, enum values, field names and
//! missing sections; hover explains people, metrics and findings; code actions insert missing
//! sections, field skeletons and a check-in for today; go to definition leads from a person
//! id to `people.yaml` and from `supersedes` to the plan.

mod edit;
mod transport;

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{Value, json};

use crate::ExitStatus;
use crate::check::{self, Settings};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;
use crate::history::trust::Trust;
use crate::history::{Audit, worktree};
use crate::plan::PlanFile;
use crate::repo::Repo;
use transport::Incoming;

/// How long edits are gathered before the plan is checked again.
const DEBOUNCE: Duration = Duration::from_millis(20);

/// Runs the server on stdin and stdout until the client says `exit` or closes the stream.
pub(crate) fn run(config: Option<PathBuf>, cwd: Option<PathBuf>) -> Result<ExitStatus, Error> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut input = BufReader::new(std::io::stdin().lock());
        loop {
            let message = transport::read(&mut input);
            let closed = matches!(message, Incoming::Closed);
            if send.send(message).is_err() || closed {
                return;
            }
        }
    });
    let mut server = Server {
        config,
        cwd,
        repo: None,
        trust: None,
        plans: Vec::new(),
        documents: HashMap::new(),
        history: HashMap::new(),
        published: HashMap::new(),
        utf16: true,
        told_index_unread: false,
        shutdown: false,
        out: std::io::stdout(),
    };
    server.serve(&receive);
    Ok(ExitStatus::Success)
}

/// An open document.
struct Document {
    text: String,
}

struct Server {
    config: Option<PathBuf>,
    cwd: Option<PathBuf>,
    repo: Option<Repo>,
    trust: Option<Trust>,
    /// Every plan on disk, for the rules that compare plans (re-read on save).
    plans: Vec<PlanFile>,
    documents: HashMap<String, Document>,
    /// The history rules' findings of each document, from its last open or save.
    history: HashMap<String, Vec<Diagnostic>>,
    /// What was last published for each document.
    published: HashMap<String, Vec<Diagnostic>>,
    /// Positions in UTF-16 code units (the protocol's default) or in characters.
    utf16: bool,
    /// Whether the editor was told that git's index cannot be read (once a session).
    told_index_unread: bool,
    shutdown: bool,
    out: std::io::Stdout,
}

impl Server {
    fn serve(&mut self, receive: &Receiver<Incoming>) {
        let mut pending: Vec<String> = Vec::new();
        loop {
            let next = if pending.is_empty() {
                receive.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                receive.recv_timeout(DEBOUNCE)
            };
            match next {
                Ok(Incoming::Message(message)) => {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.handle(&message, &mut pending)
                    }));
                    match outcome {
                        Ok(Flow::Exit) => return,
                        Ok(Flow::Continue) => {}
                        Err(_) => {
                            if let Some(id) = message.get("id") {
                                self.send(&json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "internal error"}}));
                            }
                        }
                    }
                }
                Ok(Incoming::Malformed(why)) => {
                    self.send(&json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": why}}));
                }
                Ok(Incoming::Closed) | Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {
                    for uri in std::mem::take(&mut pending) {
                        // A fault in checking one document never stops the server.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.publish(&uri, false)
                        }));
                    }
                }
            }
        }
    }

    fn send(&mut self, message: &Value) {
        let _ = transport::write(&mut self.out, message);
    }

    fn respond(&mut self, id: &Value, result: Value) {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": result}));
    }

    fn handle(&mut self, message: &Value, pending: &mut Vec<String>) -> Flow {
        let method = message.get("method").and_then(Value::as_str).unwrap_or("");
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        let id = message.get("id");
        let uri = params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .map(str::to_string);
        match (method, id) {
            ("initialize", Some(id)) => {
                let result = self.initialize(&params);
                self.respond(id, result);
            }
            ("shutdown", Some(id)) => {
                self.shutdown = true;
                self.respond(id, Value::Null);
            }
            ("exit", _) => return Flow::Exit,
            ("textDocument/didOpen", None) => {
                let text = params
                    .pointer("/textDocument/text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Some(uri) = uri {
                    self.documents.insert(uri.clone(), Document { text });
                    self.publish(&uri, true);
                }
            }
            ("textDocument/didChange", None) => {
                let changes = params.get("contentChanges").and_then(Value::as_array);
                if let (Some(uri), Some(change)) = (uri, changes.and_then(|c| c.last())) {
                    if let Some(text) = change.get("text").and_then(Value::as_str) {
                        self.documents.insert(
                            uri.clone(),
                            Document {
                                text: text.to_string(),
                            },
                        );
                    }
                    if !pending.contains(&uri) {
                        pending.push(uri);
                    }
                }
            }
            ("textDocument/didSave", None) => {
                if let Some(uri) = uri {
                    if let Some(text) = params.get("text").and_then(Value::as_str) {
                        self.documents.insert(
                            uri.clone(),
                            Document {
                                text: text.to_string(),
                            },
                        );
                    }
                    // What is saved may change other plans' findings (ids) and people.
                    self.reload();
                    pending.retain(|u| u != &uri);
                    self.publish(&uri, true);
                }
            }
            ("textDocument/didClose", None) => {
                if let Some(uri) = uri {
                    self.documents.remove(&uri);
                    self.history.remove(&uri);
                    self.published.remove(&uri);
                    pending.retain(|u| u != &uri);
                    self.send(&json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {"uri": uri, "diagnostics": []}}));
                }
            }
            ("textDocument/completion", Some(id)) => {
                let items = uri
                    .and_then(|u| self.at(&u, &params))
                    .map(|(u, line, column)| edit::completion(self, &u, line, column))
                    .unwrap_or_default();
                self.respond(id, json!({"isIncomplete": false, "items": items}));
            }
            ("textDocument/hover", Some(id)) => {
                let hover = uri
                    .and_then(|u| self.at(&u, &params))
                    .and_then(|(u, line, column)| edit::hover(self, &u, line, column));
                let result = hover.map_or(
                    Value::Null,
                    |markdown| json!({"contents": {"kind": "markdown", "value": markdown}}),
                );
                self.respond(id, result);
            }
            ("textDocument/codeAction", Some(id)) => {
                let actions = uri.map(|u| edit::actions(self, &u)).unwrap_or_default();
                self.respond(id, Value::Array(actions));
            }
            ("textDocument/definition", Some(id)) => {
                let found = uri
                    .and_then(|u| self.at(&u, &params))
                    .and_then(|(u, line, column)| edit::definition(self, &u, line, column));
                self.respond(id, found.unwrap_or(Value::Null));
            }
            (_, Some(id)) => {
                let id = id.clone();
                self.send(&json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("planbook does not handle {method}")}}));
            }
            _ => {} // notifications planbook has no use for
        }
        Flow::Continue
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let encodings = params
            .pointer("/capabilities/general/positionEncodings")
            .and_then(Value::as_array);
        self.utf16 = !encodings.is_some_and(|e| e.iter().any(|v| v == "utf-32"));
        let root = params
            .pointer("/workspaceFolders/0/uri")
            .or_else(|| params.get("rootUri"))
            .and_then(Value::as_str)
            .and_then(path_of)
            .or_else(|| self.cwd.clone());
        if let Some(root) = root {
            self.open_repo(&root);
        }
        json!({
            "capabilities": {
                "positionEncoding": if self.utf16 { "utf-16" } else { "utf-32" },
                "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": true}},
                "completionProvider": {"triggerCharacters": [":", " ", "[", ",", "#"]},
                "hoverProvider": true,
                "codeActionProvider": true,
                "definitionProvider": true,
            },
            "serverInfo": {"name": "planbook", "version": env!("CARGO_PKG_VERSION")},
        })
    }

    /// Opens the plans repository holding `start`, once.
    fn open_repo(&mut self, start: &Path) {
        if self.repo.is_some() {
            return;
        }
        if let Ok(repo) = Repo::discover(start, self.config.as_deref()) {
            self.repo = Some(repo);
            self.reload();
        }
    }

    /// Reads people, configuration and every plan from disk again.
    fn reload(&mut self) {
        let Some(old) = &self.repo else { return };
        let Ok(mut repo) = Repo::discover(&old.root, self.config.as_deref()) else {
            return;
        };
        self.trust = Trust::current(&repo, None).ok();
        // Unchanged plans are taken as the last `check` parsed them.
        repo.keep_parsed();
        self.plans = repo
            .plan_paths()
            .map(|paths| repo.load_plans(&paths))
            .unwrap_or_default();
        repo.save_parsed();
        for plan in &mut self.plans {
            plan.front_matter = None;
        }
        self.repo = Some(repo);
    }

    /// The document and position of a request, as (uri, line from 0, character from 0).
    fn at(&self, uri: &str, params: &Value) -> Option<(String, usize, usize)> {
        let line = params.pointer("/position/line")?.as_u64()? as usize;
        let character = params.pointer("/position/character")?.as_u64()? as usize;
        let text = &self.documents.get(uri)?.text;
        let column = edit::column_of(text.lines().nth(line).unwrap_or(""), character, self.utf16);
        Some((uri.to_string(), line, column))
    }

    /// The plan file of an open document (parsed from its text), with its path relative to
    /// the repository root; `None` for documents that are not plans of this repository.
    fn plan_of(&mut self, uri: &str) -> Option<PlanFile> {
        let path = path_of(uri)?;
        if self.repo.is_none() {
            self.open_repo(path.parent()?);
        }
        let repo = self.repo.as_ref()?;
        let root = repo.root.canonicalize().unwrap_or(repo.root.clone());
        let full = path.canonicalize().unwrap_or(path.clone());
        let relative = full.strip_prefix(&root).ok()?.to_path_buf();
        let is_plan = relative
            .strip_prefix(&repo.config.plans_dir)
            .is_ok_and(|below| crate::git::is_plan_path(&crate::diagnostic::display_path(below)));
        if !is_plan {
            return None;
        }
        let text = &self.documents.get(uri)?.text;
        Some(PlanFile::parse(relative, text.as_bytes(), &repo.schema))
    }

    /// Checks an open document and publishes its findings: the same rules as `check`, the
    /// history rules only when `with_history` (on open and save).
    fn publish(&mut self, uri: &str, with_history: bool) {
        let Some(file) = self.plan_of(uri) else {
            return;
        };
        let (Some(repo), Some(trust)) = (&self.repo, &self.trust) else {
            return;
        };
        let today = jiff::ZonedDateTime::now().date();
        let settings = Settings {
            repo,
            as_of: today,
            trust,
            keep_text: true,
        };
        let path = file.path.clone();
        let mut found = check::check_file(&settings, &file);
        // The rules across plans see this document in place of the file on disk.
        let only = |p: &Path| p == path;
        let at = self.plans.iter().position(|p| p.path == path);
        let mut file = file;
        let original = match at {
            Some(i) => Some(std::mem::replace(&mut self.plans[i], file)),
            None => {
                self.plans.push(file);
                None
            }
        };
        found.extend(check::across_plans(&self.plans, &only));
        let index = at.unwrap_or(self.plans.len() - 1);
        if with_history {
            let mut unread = None;
            let history = Audit::open(repo, false)
                .ok()
                .flatten()
                .and_then(|mut audit| {
                    let plan = std::slice::from_ref(&self.plans[index]);
                    let timelines = audit.timelines(&[plan[0].path.clone()]);
                    unread = audit.worktree_unread().map(str::to_string);
                    check::history::run(&settings, &mut audit, plan, timelines, None, &only).ok()
                })
                .unwrap_or_default();
            // Checked against the committed plans, as `check` warns: said once, as a warning
            // the editor shows (`window/showMessage`), not as a finding on the plan.
            if let Some(error) = unread
                && !self.told_index_unread
            {
                self.told_index_unread = true;
                // Written to `out` directly: `settings` borrows the repository meanwhile.
                let _ = transport::write(
                    &mut self.out,
                    &json!({
                        "jsonrpc": "2.0",
                        "method": "window/showMessage",
                        "params": {"type": 2, "message": format!("planbook: {}", worktree::unread_warning(&error))},
                    }),
                );
            }
            self.history.insert(uri.to_string(), history);
        }
        found.extend(self.history.get(uri).cloned().unwrap_or_default());
        check::finish(
            repo,
            trust,
            std::slice::from_ref(&self.plans[index]),
            &mut found,
        );
        file = match original {
            Some(original) => std::mem::replace(&mut self.plans[index], original),
            None => self.plans.remove(index),
        };
        drop(file);
        let text = self
            .documents
            .get(uri)
            .map(|d| d.text.clone())
            .unwrap_or_default();
        let diagnostics: Vec<Value> = found
            .iter()
            .map(|d| edit::diagnostic(d, &text, self.utf16))
            .collect();
        self.published.insert(uri.to_string(), found);
        self.send(&json!({
            "jsonrpc": "2.0",
            "method": "textDocument/publishDiagnostics",
            "params": {"uri": uri, "diagnostics": diagnostics},
        }));
    }
}

enum Flow {
    Continue,
    Exit,
}

/// The path of a `file://` URI.
pub(crate) fn path_of(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///C:/…` on Windows, `file:///home/…` elsewhere; a host part is not supported.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let mut bytes = Vec::with_capacity(rest.len());
    let raw = rest.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if raw[i] == b'%'
            && let Some(byte) = hex
        {
            bytes.push(byte);
            i += 3;
            continue;
        }
        bytes.push(raw[i]);
        i += 1;
    }
    let text = String::from_utf8(bytes).ok()?;
    #[cfg(windows)]
    let text = text.trim_start_matches('/').to_string();
    Some(PathBuf::from(text))
}

/// The `file://` URI of a path.
pub(crate) fn uri_of(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Severity in the protocol's numbers.
fn severity(s: Severity) -> u8 {
    match s {
        Severity::Error => 1,
        Severity::Warning => 2,
        // Information: a waived finding stays visible without a squiggle of alarm.
        Severity::Note => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/plans/México/q1 plan.md");
        let uri = uri_of(path);
        assert_eq!(uri, "file:///tmp/plans/M%C3%A9xico/q1%20plan.md");
        assert_eq!(path_of(&uri).as_deref(), Some(path));
        assert_eq!(path_of("https://example.com/x"), None);
        assert_eq!(path_of("file:///a%zz").as_deref(), Some(Path::new("/a%zz")));
    }
}
