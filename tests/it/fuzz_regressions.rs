//! Inputs that once broke a fuzz target (or were worth keeping from a fuzzing run), checked on
//! every `cargo test` against the same invariants the fuzzers check. A new crash found by
//! `cargo fuzz` goes into `tests/fuzz-regressions/<target>/` once it is fixed.

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            (path.display().to_string(), std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

#[test]
fn plan_file() {
    let inputs = inputs("plan_file");
    assert!(!inputs.is_empty());
    for (_, bytes) in inputs {
        planbook::invariants::plan_file(&bytes);
    }
}

#[test]
fn front_matter() {
    for (_, bytes) in inputs("front_matter") {
        planbook::invariants::front_matter(text(&bytes));
    }
}

#[test]
fn markdown() {
    for (_, bytes) in inputs("markdown") {
        planbook::invariants::markdown(text(&bytes));
    }
}

#[test]
fn commit_message() {
    for (_, bytes) in inputs("commit_message") {
        planbook::invariants::commit_message(text(&bytes));
    }
}
