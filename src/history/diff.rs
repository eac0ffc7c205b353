//! Field-level differences between two revisions of a plan.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One difference between two revisions: a front-matter field (a dotted path keyed by ids,
/// e.g. `metrics.bookings.target`) with its old and new value (`null` when it appears or
/// disappears), or `body` with the names of the sections that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum FieldChange {
    Body {
        field: String,
        sections: Vec<String>,
    },
    Field {
        field: String,
        from: Value,
        to: Value,
    },
}

impl FieldChange {
    fn field(path: &str, from: &Value, to: &Value) -> FieldChange {
        FieldChange::Field {
            field: path.to_string(),
            from: from.clone(),
            to: to.clone(),
        }
    }
}

/// `metrics.bookings.target: 5000000 → 5500000`, `activities.poc: added …`, `body: Summary`.
impl std::fmt::Display for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldChange::Body { sections, .. } => write!(f, "body: {}", sections.join(", ")),
            FieldChange::Field { field, from, to } => match (from.is_null(), to.is_null()) {
                (true, false) => write!(f, "{field}: added {}", short(to)),
                (false, true) => write!(f, "{field}: removed (was {})", short(from)),
                _ => write!(f, "{field}: {} → {}", short(from), short(to)),
            },
        }
    }
}

/// A value in a sentence: text as is, maps and lists elided, long text shortened.
fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Object(_) => "{…}".to_string(),
        Value::Array(a) if !a.is_empty() => "[…]".to_string(),
        other => other.to_string(),
    };
    crate::diagnostic::shorten(text)
}

/// What one revision of a plan file holds, reduced to what comparisons need.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    /// The front matter as JSON (`null` when it could not be read).
    pub(crate) front: Value,
    /// Body sections: heading and a hash of the section's text.
    pub(crate) sections: Vec<(String, SectionDigest)>,
}

impl Snapshot {
    /// Reads a revision's text.
    pub(crate) fn parse(text: &str) -> Snapshot {
        match crate::plan::front_matter_json(text) {
            Some((front, body)) => Snapshot {
                front,
                sections: sections(&text[body.min(text.len())..]),
            },
            None => Snapshot {
                front: Value::Null,
                sections: sections(text),
            },
        }
    }

    /// The value at a top-level key.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.front.get(key)
    }

    /// A digest of each top-level field's value, compared as the field-level changes are:
    /// lists of entries keyed by ids regardless of their order. Two revisions hold the same
    /// value for a field exactly when their digests for it are equal (or both absent).
    ///
    /// Only the fields a sign-off can cover are digested: the `covers` given, the plan's `id`,
    /// and every field but the long lists a plan keeps changing (activities, check-ins, …),
    /// which only a `covers` naming them brings in.
    pub(crate) fn field_digests(&self, covers: &[String]) -> Vec<(String, FieldDigest)> {
        let Some(map) = self.front.as_object() else {
            return Vec::new();
        };
        let mut out: Vec<(String, FieldDigest)> = map
            .iter()
            .filter(|(key, _)| digested(key, covers))
            .map(|(key, value)| (key.clone(), digest(value)))
            .collect();
        out.sort_unstable();
        out
    }
}

/// Whether a top-level field is digested (see [`Snapshot::field_digests`]): every field but
/// the long lists a plan keeps changing, unless `covers` names them.
pub(crate) fn digested(key: &str, covers: &[String]) -> bool {
    const LONG: [&str; 7] = [
        "activities",
        "checkins",
        "reassessments",
        "team",
        "help_needed",
        "analysis",
        "signoffs",
    ];
    !LONG.contains(&key) || covers.iter().any(|c| c == key)
}

/// A digest of one field's value: SHA-256 cut to 128 bits. A sign-off stays fresh while the
/// digests of the fields it covers are equal, so two values must not share a digest even when
/// someone crafts them to (a 64-bit hash can be made to collide).
pub(crate) type FieldDigest = [u8; 16];

/// The digest of one field's value.
pub(crate) fn digest(value: &Value) -> FieldDigest {
    use sha2::Digest;
    let mut hash = sha2::Sha256::new();
    canonical(value, &mut hash);
    let full: [u8; 32] = hash.finalize().into();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// Feeds a value to `hash` in a form that does not depend on the order of map keys or of
/// entries keyed by ids.
fn canonical(value: &Value, hash: &mut sha2::Sha256) {
    use sha2::Digest;
    // Every part is tagged and every text and count length-prefixed, so that no two values
    // feed the same bytes (`{a: 1, b: 2}` and `{"a:1,b": 2}` must differ).
    let text = |hash: &mut sha2::Sha256, text: &str| {
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    };
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            hash.update(b"{");
            hash.update((keys.len() as u64).to_le_bytes());
            for key in keys {
                text(hash, key);
                canonical(&map[key], hash);
            }
        }
        Value::Array(items) => match keyed(items) {
            Some(mut entries) => {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                hash.update(b"K");
                hash.update((entries.len() as u64).to_le_bytes());
                for (key, entry) in entries {
                    text(hash, &key);
                    canonical(entry, hash);
                }
            }
            None => {
                hash.update(b"[");
                hash.update((items.len() as u64).to_le_bytes());
                for item in items {
                    canonical(item, hash);
                }
            }
        },
        Value::Number(n) => {
            hash.update(b"n");
            text(hash, &number(n));
        }
        Value::String(s) => {
            hash.update(b"s");
            text(hash, s);
        }
        Value::Bool(b) => hash.update(if *b { b"t" } else { b"f" }),
        Value::Null => hash.update(b"z"),
    }
}

/// A number as its value, exactly: `500000` and `500000.0` are the same target, and
/// `9007199254740993` is not `9007199254740992` (as it would be through a 64-bit float).
fn number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    match n.as_f64() {
        // A whole number written as a float reads as the integer it is.
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => (f as i64).to_string(),
        Some(f) => format!("{f:e}"),
        None => n.to_string(),
    }
}

/// A SHA-256 digest of a text: what stands for a plan's text, a field's or a section's where
/// the text itself is not kept. A crafted collision must not hide a change from the audit
/// trail (and with the processor's SHA instructions it is faster than a byte-at-a-time hash).
pub(crate) type TextDigest = [u8; 32];

pub(crate) fn text_digest(text: &str) -> TextDigest {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// The digest of a body section's text (see [`sections`]).
pub type SectionDigest = TextDigest;

/// The level-2 sections of a Markdown body, with a digest of each one's text (trailing spaces
/// ignored). Text before the first section is named "Title and introduction".
pub(crate) fn sections(body: &str) -> Vec<(String, SectionDigest)> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    let mut name = "Title and introduction".to_string();
    let mut hash = Sha256::new();
    let mut fenced = false;
    for line in body.lines() {
        let start = line.trim_start();
        if start.starts_with("```") || start.starts_with("~~~") {
            fenced = !fenced;
        }
        if !fenced && let Some(heading) = line.strip_prefix("## ") {
            out.push((std::mem::take(&mut name), hash.finalize_reset().into()));
            name = heading.trim().trim_end_matches('#').trim().to_string();
            continue;
        }
        hash.update(line.trim_end().as_bytes());
        hash.update(b"\n");
    }
    out.push((name, hash.finalize().into()));
    out
}

/// The differences from `old` to `new` (`old` is `None` for the revision that added the plan,
/// which has no differences to show).
pub(crate) fn diff(old: Option<&Snapshot>, new: &Snapshot) -> Vec<FieldChange> {
    let Some(old) = old else { return Vec::new() };
    let mut out = Vec::new();
    // A front matter that could not be read (broken YAML, a file over the size limit) counts
    // as empty, so the other side's fields are listed one by one rather than as one value.
    let empty = Value::Object(serde_json::Map::new());
    let (before, after) = match (&old.front, &new.front) {
        (Value::Null, Value::Object(_)) => (&empty, &new.front),
        (Value::Object(_), Value::Null) => (&old.front, &empty),
        (before, after) => (before, after),
    };
    diff_values(before, after, "", &mut out);
    let changed = changed_sections(&old.sections, &new.sections);
    if !changed.is_empty() {
        out.push(FieldChange::Body {
            field: "body".into(),
            sections: changed,
        });
    }
    out
}

pub(crate) fn changed_sections(
    old: &[(String, SectionDigest)],
    new: &[(String, SectionDigest)],
) -> Vec<String> {
    let mut changed = Vec::new();
    for (name, hash) in new {
        match old.iter().find(|(n, _)| n == name) {
            Some((_, h)) if h == hash => {}
            _ => changed.push(name.clone()),
        }
    }
    for (name, _) in old {
        if !new.iter().any(|(n, _)| n == name) {
            changed.push(name.clone());
        }
    }
    changed
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn diff_values(old: &Value, new: &Value, path: &str, out: &mut Vec<FieldChange>) {
    if old == new {
        return;
    }
    match (old, new) {
        // A list that appears or disappears is compared entry by entry with an empty one.
        (Value::Null, Value::Array(_)) if !path.is_empty() => {
            diff_values(&Value::Array(Vec::new()), new, path, out)
        }
        (Value::Array(_), Value::Null) if !path.is_empty() => {
            diff_values(old, &Value::Array(Vec::new()), path, out)
        }
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                diff_values(
                    value,
                    b.get(key).unwrap_or(&Value::Null),
                    &join(path, key),
                    out,
                );
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    diff_values(&Value::Null, value, &join(path, key), out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if !path.is_empty() => match (keyed(a), keyed(b)) {
            (Some(ka), Some(kb)) => {
                for (key, value) in &ka {
                    let other = kb
                        .iter()
                        .find(|(k, _)| k == key)
                        .map_or(&Value::Null, |(_, v)| *v);
                    diff_values(value, other, &join(path, key), out);
                }
                for (key, value) in &kb {
                    if !ka.iter().any(|(k, _)| k == key) {
                        diff_values(&Value::Null, value, &join(path, key), out);
                    }
                }
            }
            _ => out.push(FieldChange::field(path, old, new)),
        },
        _ => out.push(FieldChange::field(path, old, new)),
    }
}

/// A list of maps as `(key, entry)` pairs when every entry has a distinct `id` (or `person`,
/// `rule` or `date`), so that changes read `metrics.bookings.target` rather than
/// `metrics.0.target`.
fn keyed(items: &[Value]) -> Option<Vec<(String, &Value)>> {
    for field in ["id", "person", "rule", "date"] {
        let keys: Option<Vec<String>> = items
            .iter()
            .map(|v| v.get(field).and_then(|k| k.as_str()).map(str::to_string))
            .collect();
        if let Some(keys) = keys {
            let mut sorted = keys.clone();
            sorted.sort();
            sorted.dedup();
            if sorted.len() == keys.len() {
                return Some(keys.into_iter().zip(items).collect());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(front: &str, body: &str) -> Snapshot {
        Snapshot::parse(&format!("---\n{front}---\n{body}"))
    }

    /// The dotted path of the changed field, or `body`, as the JSON output names it.
    fn field_name(change: &FieldChange) -> String {
        serde_json::to_value(change).unwrap()["field"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn an_unreadable_side_lists_fields_one_by_one() {
        let broken = snap("title: [unclosed\n", "");
        let fixed = snap("title: Nordics\nstatus: draft\n", "");
        let fields: Vec<String> = diff(Some(&broken), &fixed)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            fields[..2],
            ["title: added Nordics", "status: added draft"],
            "{fields:?}"
        );
    }

    #[test]
    fn changes_are_keyed_by_ids() {
        let old = snap(
            "status: draft\nmetrics:\n  - id: bookings\n    target: 5000000\n  - id: win-rate\n    target: 25\n",
            "## Summary\n\nA\n",
        );
        let new = snap(
            "status: in_review\nmetrics:\n  - id: win-rate\n    target: 25\n  - id: bookings\n    target: 5500000\nsponsor: ana\n",
            "## Summary\n\nB\n## Activities\n",
        );
        let changes = diff(Some(&old), &new);
        let fields: Vec<String> = changes.iter().map(field_name).collect();
        assert_eq!(
            fields,
            ["status", "metrics.bookings.target", "sponsor", "body"]
        );
        assert_eq!(
            changes[1],
            FieldChange::field(
                "metrics.bookings.target",
                &serde_json::json!(5000000),
                &serde_json::json!(5500000)
            )
        );
        assert_eq!(
            changes[2],
            FieldChange::field("sponsor", &Value::Null, &serde_json::json!("ana"))
        );
        let json = serde_json::to_value(&changes[3]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"field": "body", "sections": ["Summary", "Activities"]})
        );
    }

    #[test]
    fn field_digests_ignore_order_but_not_values() {
        let digest = |front: &str| snap(front, "").field_digests(&[]);
        let a = digest(
            "metrics:\n  - id: a\n    target: 5\n  - id: b\n    target: 6\nscope: {region: EMEA, role: AE}\n",
        );
        let b = digest(
            "scope: {role: AE, region: EMEA}\nmetrics:\n  - id: b\n    target: 6\n  - id: a\n    target: 5.0\n",
        );
        assert_eq!(a, b);
        let c = digest(
            "metrics:\n  - id: a\n    target: 4\n  - id: b\n    target: 6\nscope: {region: EMEA, role: AE}\n",
        );
        assert_ne!(a[0], c[0]);
        assert_eq!(a[1], c[1]);
    }

    #[test]
    fn digests_cannot_be_made_to_collide_by_moving_text_between_keys_and_values() {
        let digest = |v: serde_json::Value| super::digest(&v);
        assert_ne!(
            digest(serde_json::json!({"a": 1, "b": 2})),
            digest(serde_json::json!({"a:n1,b": 2}))
        );
        assert_ne!(
            digest(serde_json::json!([{"id": "x", "v": 1}, {"id": "y", "v": 2}])),
            digest(serde_json::json!([{"id": "x", "v": 1}]))
        );
        assert_ne!(digest(serde_json::json!("1")), digest(serde_json::json!(1)));
        assert_ne!(
            digest(serde_json::json!(9007199254740993u64)),
            digest(serde_json::json!(9007199254740992u64))
        );
        assert_eq!(
            digest(serde_json::json!(500000)),
            digest(serde_json::json!(500000.0))
        );
        assert_ne!(
            digest(serde_json::json!(0.5)),
            digest(serde_json::json!(0.25))
        );
    }

    #[test]
    fn added_and_removed_entries() {
        let old = snap("activities:\n  - id: a\n    status: planned\n", "");
        let new = snap(
            "activities:\n  - id: a\n    status: done\n  - id: b\n    status: planned\n",
            "",
        );
        let changes = diff(Some(&old), &new);
        assert_eq!(field_name(&changes[0]), "activities.a.status");
        assert_eq!(field_name(&changes[1]), "activities.b");
    }
}
