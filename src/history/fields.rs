//! Comparing a revision of a plan with the one before, reading only what changed.
//!
//! Most commits change two or three of a plan's twenty top-level fields. The front matter is
//! cut into its top-level fields by their text (a field starts at a line that begins in
//! column 0), and a field whose text is the same as in the revision before is not parsed
//! again: its value, digest and sign-offs carry over. A front matter that cannot be cut
//! safely is parsed whole, as before: anchors and aliases (a field could then depend on
//! another), a field that does not parse on its own, a repeated key, a root that is not a
//! mapping, a front matter large enough to meet the parser's limits as a whole.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::history::cache::Computed;
use crate::history::diff::{self, FieldChange, Snapshot};
use crate::history::signoff::{self, SignoffEntry};
use crate::plan::yaml;

/// Front matter larger than this is parsed whole: the parser's node limit applies to the
/// whole front matter, and a value takes at least two thirds of a byte (`[:,:,…]` makes three
/// values of every two bytes), so no front matter this small can reach it.
const FIELDWISE_LIMIT: usize = yaml::MAX_NODES * 2 / 3 - 1;

/// Up to this many fields, a field of the revision before is found by comparing digests.
const FEW_FIELDS: usize = 64;

/// What is kept of a plan file's latest revision while its history is compared.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    front: Front,
    sections: Vec<(String, diff::SectionDigest)>,
    signoffs: Arc<[SignoffEntry]>,
}

#[derive(Debug, Clone)]
enum Front {
    /// A mapping, field by field in the order of the file.
    Fields(Vec<Field>),
    /// Anything else (`null` when it could not be read), as JSON.
    Whole(Box<[u8]>),
}

#[derive(Debug, Clone)]
struct Field {
    key: String,
    /// The SHA-256 of the field's text; `None` when the front matter was parsed whole. A
    /// cryptographic digest, as for body sections: a crafted collision would hide a change
    /// from the audit trail. (Holding the texts of 10,000 files' latest revisions took
    /// tens of megabytes.)
    text: Option<diff::TextDigest>,
    /// The value, as compact JSON (parsed again only when the field changes), shared by the
    /// revisions that carry it over.
    json: std::sync::Arc<[u8]>,
    digest: diff::FieldDigest,
}

/// A revision being read: what will be kept of it, and the values parsed for it (`None` for a
/// field carried over from the revision before).
struct Reading {
    kept: Kept,
    fresh: Vec<Option<Value>>,
}

/// Reads the first revision of a file (or one whose predecessor is not kept).
pub(crate) fn read(text: &str) -> Kept {
    read_after(text, None).kept
}

/// Compares revision `text` with the kept revision before it (`None` for a file added), and
/// returns what the comparison found with what to keep of `text` for the next one.
pub(crate) fn compare(before: Option<&Kept>, text: &str, covers: &[String]) -> (Computed, Kept) {
    let after = read_after(text, before);
    let changes = match before {
        None => Vec::new(),
        Some(before) => changes(before, &after),
    };
    let fields = match &after.kept.front {
        Front::Fields(fields) => {
            let mut out: Vec<(String, diff::FieldDigest)> = fields
                .iter()
                .filter(|f| diff::digested(&f.key, covers))
                .map(|f| (f.key.clone(), f.digest))
                .collect();
            out.sort_unstable();
            out
        }
        Front::Whole(_) => Vec::new(),
    };
    let computed = Computed {
        changes: changes.into(),
        signoffs: after.kept.signoffs.clone(),
        fields: fields.into(),
    };
    (computed, after.kept)
}

fn read_after(text: &str, before: Option<&Kept>) -> Reading {
    let front = crate::plan::front_matter_yaml(text);
    let previous = match before.map(|b| &b.front) {
        Some(Front::Fields(fields)) => fields.as_slice(),
        _ => &[],
    };
    let body = |start: usize| diff::sections(&text[start.min(text.len())..]);
    if let Some((yaml, start)) = front
        && let Some(reading) = fieldwise(yaml, previous, before, || body(start))
    {
        return reading;
    }
    // Parsed whole, exactly as a snapshot reads it: a front matter that cannot be read counts
    // as part of the body.
    let (value, sections) = match front
        .and_then(|(yaml, start)| crate::plan::yaml_json(yaml).map(|value| (value, body(start))))
    {
        Some(read) => read,
        None => (Value::Null, diff::sections(text)),
    };
    let signoffs: Arc<[SignoffEntry]> = signoff::entries_in(value.get("signoffs")).into();
    match value {
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            let mut fresh = Vec::with_capacity(map.len());
            for (key, value) in map {
                fields.push(Field {
                    text: None,
                    json: json(&value),
                    digest: diff::digest(&value),
                    key,
                });
                fresh.push(Some(value));
            }
            Reading {
                kept: Kept {
                    front: Front::Fields(fields),
                    sections,
                    signoffs,
                },
                fresh,
            }
        }
        other => Reading {
            kept: Kept {
                front: Front::Whole(json(&other)),
                sections,
                signoffs,
            },
            fresh: Vec::new(),
        },
    }
}

/// Reads `yaml` field by field, carrying over the fields of `previous` whose text is the
/// same; `None` when it cannot be cut safely (see the module's documentation).
fn fieldwise(
    yaml: &str,
    previous: &[Field],
    before: Option<&Kept>,
    sections: impl FnOnce() -> Vec<(String, diff::SectionDigest)>,
) -> Option<Reading> {
    // Anchors and aliases tie fields together; a byte-order mark inside the text is an
    // error in the whole front matter that a field alone would not meet.
    if yaml.len() > FIELDWISE_LIMIT || yaml.contains(['&', '*', '\u{feff}']) {
        return None;
    }
    let texts = top_level_fields(yaml)?;
    let mut fields: Vec<Field> = Vec::with_capacity(texts.len());
    let mut fresh = Vec::with_capacity(texts.len());
    let mut signoffs = None;
    // A field is found at its own place, or among a few fields one by one; a front matter
    // with many fields is looked up by digest, not searched: a hostile one may have tens of
    // thousands.
    let by_text: Option<HashMap<diff::TextDigest, &Field>> = (previous.len() > FEW_FIELDS)
        .then(|| previous.iter().filter_map(|f| Some((f.text?, f))).collect());
    let find = |i: usize, text: &diff::TextDigest| -> Option<&Field> {
        match (&by_text, previous.get(i)) {
            (_, Some(field)) if field.text.as_ref() == Some(text) => Some(field),
            (Some(by_text), _) => by_text.get(text).copied(),
            (None, _) => previous.iter().find(|f| f.text.as_ref() == Some(text)),
        }
    };
    let mut keys: HashSet<String> = HashSet::with_capacity(texts.len());
    for (i, text) in texts.into_iter().enumerate() {
        let digest = diff::text_digest(text);
        if let Some(same) = find(i, &digest) {
            if !keys.insert(same.key.clone()) {
                return None;
            }
            if same.key == "signoffs" {
                signoffs = before.map(|b| b.signoffs.clone());
            }
            fields.push(same.clone());
            fresh.push(None);
            continue;
        }
        let Value::Object(map) = crate::plan::yaml_json(text)? else {
            return None;
        };
        if map.len() != 1 {
            return None;
        }
        let (key, value) = map.into_iter().next()?;
        if !keys.insert(key.clone()) {
            return None;
        }
        if key == "signoffs" {
            signoffs = Some(signoff::entries_in(Some(&value)).into());
        }
        fields.push(Field {
            json: json(&value),
            digest: diff::digest(&value),
            text: Some(digest),
            key,
        });
        fresh.push(Some(value));
    }
    if fields.is_empty() {
        return None;
    }
    Some(Reading {
        kept: Kept {
            front: Front::Fields(fields),
            sections: sections(),
            signoffs: signoffs.unwrap_or_else(|| Vec::new().into()),
        },
        fresh,
    })
}

/// The text of each top-level field: from a line that starts in column 0 (not a comment, a
/// list item or a blank line) to the next one. Leading comments and blank lines go with the
/// first field; anything else before it means the root is not a mapping.
fn top_level_fields(yaml: &str) -> Option<Vec<&str>> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let first = line.bytes().next();
        let starts_field =
            first.is_some_and(|b| !matches!(b, b' ' | b'\t' | b'#' | b'-' | b'\r' | b'\n'));
        // A field starts with a plain or quoted key. Anything else in column 0 (an explicit
        // key `? `, its `: ` value, a flow collection, a tag, a directive) can mean something
        // else alone than in the whole front matter.
        if starts_field
            && !first.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'"' | b'\''))
        {
            return None;
        }
        if starts_field {
            starts.push(offset);
        } else if starts.is_empty() {
            let content = line.trim_start();
            if !(content.is_empty() || content.starts_with('#')) {
                return None;
            }
        }
        offset += line.len();
    }
    *starts.first_mut()? = 0;
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(yaml.len());
        out.push(&yaml[start..end]);
    }
    Some(out)
}

fn json<T: From<Vec<u8>>>(value: &Value) -> T {
    serde_json::to_vec(value).unwrap_or_default().into()
}

fn value(json: &[u8]) -> Value {
    serde_json::from_slice(json).unwrap_or(Value::Null)
}

/// What changed from `before` to `after`, as [`diff::diff`] finds it.
fn changes(before: &Kept, after: &Reading) -> Vec<FieldChange> {
    let mut out = Vec::new();
    match (&before.front, &after.kept.front) {
        (Front::Fields(old), Front::Fields(new)) => {
            let new_at: HashMap<&str, usize> = new
                .iter()
                .enumerate()
                .map(|(i, f)| (f.key.as_str(), i))
                .collect();
            for field in old {
                let (to, same) = match new_at.get(field.key.as_str()).copied() {
                    Some(i) => (Some(i), field.text.is_some() && new[i].text == field.text),
                    None => (None, false),
                };
                if same {
                    continue;
                }
                let from = value(&field.json);
                match to {
                    Some(i) => {
                        let to = fresh_value(after, new, i);
                        diff::diff_values(&from, &to, &field.key, &mut out);
                    }
                    None => diff::diff_values(&from, &Value::Null, &field.key, &mut out),
                }
            }
            let old_keys: HashSet<&str> = old.iter().map(|f| f.key.as_str()).collect();
            for (i, field) in new.iter().enumerate() {
                if !old_keys.contains(field.key.as_str()) {
                    let to = fresh_value(after, new, i);
                    diff::diff_values(&Value::Null, &to, &field.key, &mut out);
                }
            }
            let changed = diff::changed_sections(&before.sections, &after.kept.sections);
            if !changed.is_empty() {
                out.push(FieldChange::Body {
                    field: "body".into(),
                    sections: changed,
                });
            }
            out
        }
        _ => diff::diff(Some(&snapshot(before)), &snapshot(&after.kept)),
    }
}

fn fresh_value(after: &Reading, fields: &[Field], i: usize) -> Value {
    match after.fresh.get(i) {
        Some(Some(v)) => v.clone(),
        _ => value(&fields[i].json),
    }
}

/// The kept revision as a whole snapshot.
fn snapshot(kept: &Kept) -> Snapshot {
    let front = match &kept.front {
        Front::Fields(fields) => Value::Object(
            fields
                .iter()
                .map(|f| (f.key.clone(), value(&f.json)))
                .collect(),
        ),
        Front::Whole(json) => value(json),
    };
    Snapshot {
        front,
        sections: kept.sections.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What comparing whole snapshots finds, the reference for the field-by-field reading.
    fn whole(old: Option<&str>, new: &str, covers: &[String]) -> Computed {
        let new_snapshot = Snapshot::parse(new);
        Computed {
            changes: diff::diff(old.map(Snapshot::parse).as_ref(), &new_snapshot).into(),
            signoffs: signoff::entries(&new_snapshot).into(),
            fields: new_snapshot.field_digests(covers).into(),
        }
    }

    fn same(a: &Computed, b: &Computed) -> bool {
        serde_json::to_string(a).unwrap() == serde_json::to_string(b).unwrap()
    }

    /// A chain of revisions compared field by field gives what whole snapshots give.
    fn check_chain(revisions: &[&str]) {
        let covers = vec!["checkins".to_string()];
        let mut kept: Option<Kept> = None;
        let mut previous: Option<&str> = None;
        for text in revisions {
            let (computed, next) = compare(kept.as_ref(), text, &covers);
            let expected = whole(previous, text, &covers);
            assert!(
                same(&computed, &expected),
                "after {previous:?}\nto {text:?}\nfieldwise {computed:?}\nwhole {expected:?}"
            );
            kept = Some(next);
            previous = Some(text);
        }
    }

    const PLAN: &str = "---\n# leading comment\nid: a\nstatus: draft\nmetrics:\n- id: bookings\n  target: 5\n  baseline: 1\nsignoffs:\n  - person: ana\n    date: 2026-01-02\n---\n## Summary\n\nText\n";

    #[test]
    fn field_by_field_reads_as_whole_snapshots_do() {
        check_chain(&[
            PLAN,
            &PLAN.replace("status: draft", "status: active"),
            &PLAN.replace("target: 5", "target: 6"),
            &PLAN.replace("date: 2026-01-02", "date: 2026-02-02"),
            &PLAN.replace("id: a\n", ""),
            &PLAN.replace("Text", "Other text"),
            &PLAN.replace("status: draft\n", "status: draft\nowner: bo\n"),
            // Reordered fields, the same values.
            "---\nstatus: draft\nid: a\nmetrics:\n- id: bookings\n  target: 5\n  baseline: 1\nsignoffs:\n  - person: ana\n    date: 2026-01-02\n---\n## Summary\n\nText\n",
            // Reformatted, the same values.
            "---\nstatus: draft\nid: a\nmetrics: [{id: bookings, target: 5, baseline: 1}]\nsignoffs:\n  - person: ana\n    date: 2026-01-02\n---\n## Summary\n\nText\n",
        ]);
    }

    /// A front matter with more fields than are compared one by one, its fields moved about.
    #[test]
    fn many_fields_are_found_by_their_text() {
        let fields = |n: usize, changed: usize, rotate: usize| {
            let mut lines: Vec<String> = (0..n)
                .map(|i| format!("f{i}: {}\n", if i == changed { 99 } else { i }))
                .collect();
            lines.rotate_left(rotate);
            format!("---\n{}---\n## Summary\n", lines.concat())
        };
        let revisions = [
            fields(100, 0, 0),
            fields(100, 5, 0),
            fields(100, 5, 7),
            fields(100, 70, 3),
            fields(10, 3, 2),
            fields(10, 4, 2),
            fields(100, 4, 0),
        ];
        check_chain(&revisions.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn what_cannot_be_cut_is_read_whole() {
        check_chain(&[
            PLAN,
            // An anchor and an alias: a field depends on another.
            "---\nid: &x a\ntitle: *x\n---\n",
            PLAN,
            // A repeated key is an error, as in the whole front matter.
            "---\nid: a\nid: b\nstatus: draft\n---\n",
            PLAN,
            // A quoted scalar running on in column 0.
            "---\nid: a\ntitle: \"two\nlines\"\n---\n",
            PLAN,
            // Not a mapping.
            "---\n- a\n- b\n---\n",
            "---\nplain\n---\n",
            "---\n---\nbody\n",
            "no front matter\n",
            PLAN,
            "---\nid: a\nstatus: [unclosed\n---\n",
            PLAN,
            "---\n{id: a, status: draft}\n---\n",
            PLAN,
            // An explicit key with its value on the next line, in column 0.
            "---\nid: p\n? metrics\n: [{id: bookings, target: 5}]\n---\n",
            "---\nid: p\n? metrics\n: [{id: bookings, target: 6}]\n---\n",
            "---\n? owner\n: ana\nsponsor:\n---\n",
            "---\nowner:\n? sponsor\n: ana\n---\n",
            PLAN,
            // A byte-order mark starting a later line; flow maps in column 0.
            "---\na: 1\nb: 1\n---\n",
            "---\na: 1\n\u{feff}b: 1\n---\n",
            "---\n{a: 1}\nb: 2\n---\n",
            "---\na:\n{b: 1}\n---\n",
            "---\na:\n!!str b: 1\n---\n",
            PLAN,
            // More values than the parser takes, in fields that each stay under the limit.
            &format!(
                "---\na: [{}]\nb: [{}]\n---\n",
                ":,".repeat(30_000),
                ":,".repeat(30_000)
            ),
            &format!(
                "---\na: [{}]\nb: [{}]\n---\n",
                ":,".repeat(30_000),
                ":,".repeat(29_999)
            ),
            PLAN,
            // Windows line endings, and a byte-order mark.
            &PLAN.replace('\n', "\r\n"),
            &PLAN.replace('\n', "\r\n").replace("target: 5", "target: 7"),
            &format!("\u{feff}{PLAN}"),
            PLAN,
        ]);
    }
}
