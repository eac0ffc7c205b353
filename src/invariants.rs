//! What must hold for any input, however hostile: parsing never panics and every position
//! falls inside the file; rendered plan text never carries active content; commit messages
//! parse into parts of themselves. Each function panics with the broken invariant.
//!
//! The property tests (`tests/it/properties.rs`), the fuzz targets (`fuzz/`) and the corpus of
//! inputs the fuzzers once broke (`tests/it/fuzz_regressions.rs`) all check these same functions.

use std::path::PathBuf;
use std::sync::LazyLock;

use crate::history::cache::Computed;
use crate::history::{Snapshot, diff, fields, message};
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

/// YAML front matter of any size: the tree never holds more text than the budget allows.
pub fn front_matter_budget(text: &str) {
    let index = crate::plan::LineIndex::new(text);
    let origin = crate::plan::yaml::Origin {
        file: text,
        index: &index,
        offset: 0,
        text,
    };
    if let Ok(node) = crate::plan::yaml::parse(&origin) {
        let held = text_bytes(&node);
        let budget = crate::plan::yaml::text_budget(text.len());
        assert!(held <= budget, "{held} bytes of text from {}", text.len());
    }
}

fn text_bytes(node: &crate::plan::Node) -> usize {
    use crate::plan::yaml::Value;
    match &node.value {
        Value::String(s) => s.len(),
        Value::Seq(items) => items.iter().map(text_bytes).sum(),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| k.name.len() + text_bytes(v))
            .sum(),
        _ => 0,
    }
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
    let _ = after.field_digests(&[]);
    // Reading a revision field by field (carrying over the fields whose text did not change)
    // finds exactly what comparing whole snapshots finds.
    let covers = ["checkins".to_string()];
    let (fieldwise, _) = fields::compare(Some(&fields::read(old)), new, &covers);
    let whole = Computed {
        changes: diff::diff(Some(&before), &after).into(),
        signoffs: crate::history::signoff::entries(&after).into(),
        fields: after.field_digests(&covers).into(),
    };
    let json = |c: &Computed| serde_json::to_string(c).unwrap_or_default();
    assert_eq!(
        json(&fieldwise),
        json(&whole),
        "field by field and whole differ from {old:?} to {new:?}"
    );
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
    // Nesting is bounded (Markdown and raw HTML each to MAX_NESTING, plus what one Markdown
    // element adds, like `<li><p>`), so the sanitiser's cost stays linear.
    let limit = 2 * crate::plan::body::MAX_NESTING + 4;
    let depth = html_depth(&rendered.html);
    assert!(depth <= limit, "nested {depth} deep: {}", rendered.html);
}

/// Deepest nesting of elements in well-formed HTML (as the sanitiser writes it).
fn html_depth(html: &str) -> usize {
    const VOID: &[&str] = &["br", "hr", "input", "img", "wbr", "col", "area"];
    let (mut depth, mut deepest) = (0usize, 0usize);
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        if let Some(_closing) = tag.strip_prefix('/') {
            depth = depth.saturating_sub(1);
        } else if tag.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let name: String = tag
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
                depth += 1;
                deepest = deepest.max(depth);
            }
        }
    }
    deepest
}

/// Text escaped for a terminal keeps no control character but line breaks and tabs; text
/// escaped for Markdown, placed in a list item as `diff --format markdown` does, reads back
/// as plain text: no link, image, emphasis, code, heading, table or HTML.
pub fn escaped_text(text: &str) {
    use pulldown_cmark::{Event, Options, Parser, Tag};

    let shown = crate::report::escape::controls(text, true);
    assert!(
        !shown
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{shown:?}"
    );
    let line = crate::report::escape::line(text);
    assert!(
        !line.chars().any(|c| c.is_control() && c != '\t'),
        "{line:?}"
    );

    let markdown = format!("- a {} | b\n", crate::report::escape::markdown(text));
    for event in Parser::new_ext(&markdown, Options::all()) {
        match event {
            Event::Start(Tag::List(_) | Tag::Item | Tag::Paragraph)
            | Event::End(_)
            | Event::Text(_)
            | Event::SoftBreak => {}
            other => panic!("{other:?} in {markdown:?}"),
        }
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
