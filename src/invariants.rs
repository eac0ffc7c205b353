//! What must hold for any input, however hostile: parsing never panics and every position
//! falls inside the file; rendered plan text never carries active content; commit messages
//! parse into parts of themselves. Each function panics with the broken invariant.
//!
//! The property tests (`tests/properties.rs`), the fuzz targets (`fuzz/`) and the corpus of
//! inputs the fuzzers once broke (`tests/fuzz_regressions.rs`) all check these same functions.

use std::path::PathBuf;
use std::sync::LazyLock;

use crate::history::{Snapshot, diff, message};
use crate::plan::{PlanFile, Schema};
use crate::site::markdown;

static SCHEMA: LazyLock<Schema> = LazyLock::new(Schema::builtin);

/// A plan file's bytes: parsed to the typed model, every problem inside the file.
pub fn plan_file(bytes: &[u8]) {
    let file = PlanFile::parse(PathBuf::from("plans/fuzz.md"), bytes, &SCHEMA);
    // Counted in the bytes (a file that is not UTF-8 has no text, and its problem points at
    // the line of the first bad byte); `\n`, `\r\n` and a lone `\r` end a line.
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    let lines = breaks as u32 + 2;
    for problem in &file.problems {
        assert!(
            problem.span.line >= 1 && problem.span.line <= lines,
            "{:?} outside the file's {lines} lines",
            problem.span
        );
        assert!(problem.span.column >= 1, "{:?}", problem.span);
    }
    let _ = file.id();
    let _ = file.body_text();
}

/// Two revisions' text (split at the first NUL): the front matter as JSON, and their
/// field-level differences and sign-offs as the audit trail reads them.
pub fn front_matter(text: &str) {
    let (old, new) = text.split_once('\0').unwrap_or((text, ""));
    let _ = crate::plan::front_matter_json(old);
    let before = Snapshot::parse(old);
    let after = Snapshot::parse(new);
    for change in diff::diff(Some(&before), &after) {
        let _ = change.to_string();
    }
    let _ = crate::history::signoff::entries(&after);
    let _ = after.field_digests();
}

/// Plan text rendered for the site: no script, frame, style, form, event handler or active
/// URL, and anchors that are plain.
pub fn markdown(text: &str) {
    let rewrite = |dest: &str| dest.ends_with(".md").then(|| format!("/plans/{dest}/"));
    let rendered = markdown::render(text, &rewrite);
    if let Some(found) = markdown::active_content(&rendered.html) {
        panic!("{found} in {}", rendered.html);
    }
    for entry in &rendered.toc {
        assert!(
            !entry.anchor.contains(['"', '<', '>', ' ', '\'']),
            "anchor {:?}",
            entry.anchor
        );
    }
}

/// A commit message: its subject, pull-request number, trailers and their emails.
pub fn commit_message(text: &str) {
    let subject = message::subject(text);
    assert!(text.contains(subject), "subject {subject:?}");
    let _ = message::pull_request(subject);
    for trailer in message::trailers(text) {
        let email = message::email_of(&trailer.value);
        assert!(
            trailer.value.contains(email),
            "{email} not in {}",
            trailer.value
        );
    }
}
