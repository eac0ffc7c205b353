//! Bounds on what the site publishes from the history: commit subjects, authors, trailers
//! and changed values are cut to a fixed length, so that one hostile commit (a 1 MB message
//! touching 200 plans) cannot turn into hundreds of megabytes of `plans.json`, pages and feed.
//!
//! The history itself is kept whole (sign-off verification reads it); only what is written
//! out passes through here.

use std::borrow::Cow;

use serde_json::Value;

use crate::history::{Author, FieldChange, PlanHistory, Revision, Trailer};

/// Longest text published from the history, in characters: a commit subject, an author's
/// name or email, a trailer's value, a changed value (a list or map counts as its JSON text).
/// Longer text is cut and ends with `…`.
pub(crate) const MAX_PUBLISHED_CHARS: usize = 1_000;

/// Most trailers published per revision (`Approved-by:`, `Reviewed-by:`...); the rest are
/// left out.
pub(crate) const MAX_PUBLISHED_TRAILERS: usize = 50;

/// `text`, cut to [`MAX_PUBLISHED_CHARS`] characters with `…` when longer.
pub(crate) fn cap(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(MAX_PUBLISHED_CHARS) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// A value as published: unchanged when short; a long string cut by [`cap`]; a list or map
/// whose JSON text is longer than [`MAX_PUBLISHED_CHARS`] becomes the start of that text, cut
/// the same way. The JSON is written only as far as needed.
pub(crate) fn cap_value(value: &Value) -> Value {
    match value {
        Value::String(s) => match cap(s) {
            Cow::Borrowed(_) => value.clone(),
            Cow::Owned(short) => Value::String(short),
        },
        Value::Array(_) | Value::Object(_) => {
            let mut json = Bounded {
                bytes: Vec::new(),
                limit: MAX_PUBLISHED_CHARS * 4 + 4,
            };
            match serde_json::to_writer(&mut json, value) {
                Ok(())
                    if String::from_utf8_lossy(&json.bytes).chars().count()
                        <= MAX_PUBLISHED_CHARS =>
                {
                    value.clone()
                }
                _ => Value::String(cap(&String::from_utf8_lossy(&json.bytes)).into_owned()),
            }
        }
        _ => value.clone(),
    }
}

/// A writer that takes at most `limit` bytes, then fails (which stops serialisation).
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.limit.saturating_sub(self.bytes.len());
        if room == 0 {
            return Err(std::io::Error::other("long enough"));
        }
        let n = buf.len().min(room);
        self.bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A revision as published: the same fields, with text and values capped.
pub(crate) fn revision(r: &Revision) -> Revision {
    let person = |who: &Author| Author {
        name: cap(&who.name).into_owned(),
        email: cap(&who.email).into_owned(),
    };
    Revision {
        commit: cap(&r.commit).into_owned(),
        author: person(&r.author),
        committer: person(&r.committer),
        date: r.date,
        summary: cap(&r.summary).into_owned(),
        pr: r.pr,
        trailers: r
            .trailers
            .iter()
            .take(MAX_PUBLISHED_TRAILERS)
            .map(|t| Trailer {
                key: cap(&t.key).into_owned(),
                value: cap(&t.value).into_owned(),
            })
            .collect(),
        path: r.path.clone(),
        changes: r.changes.iter().map(change).collect(),
        signature: r.signature.clone(),
        signoffs: r.signoffs.clone(),
        fields: r.fields.clone(),
        index: r.index,
        old_blob: r.old_blob.clone(),
        new_blob: r.new_blob.clone(),
        other_parents: r.other_parents.clone(),
        missing: r.missing,
    }
}

fn change(c: &FieldChange) -> FieldChange {
    match c {
        FieldChange::Body { field, sections } => FieldChange::Body {
            field: field.clone(),
            sections: sections.iter().map(|s| cap(s).into_owned()).collect(),
        },
        FieldChange::Field { field, from, to } => FieldChange::Field {
            field: cap(field).into_owned(),
            from: cap_value(from),
            to: cap_value(to),
        },
    }
}

/// A plan's history as `plans.json` publishes it: every revision capped by [`revision`].
pub(crate) fn history(h: &PlanHistory) -> PlanHistory {
    PlanHistory {
        id: h.id.clone(),
        path: h.path.clone(),
        revisions: h.revisions.iter().map(revision).collect(),
        signoffs: h.signoffs.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(cap("short"), "short");
        let long = "é".repeat(MAX_PUBLISHED_CHARS + 1);
        let cut = cap(&long);
        assert_eq!(cut.chars().count(), MAX_PUBLISHED_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            cap(&"x".repeat(MAX_PUBLISHED_CHARS)).len(),
            MAX_PUBLISHED_CHARS
        );
    }

    #[test]
    fn long_values_are_cut_and_short_ones_kept() {
        let small = serde_json::json!({"a": [1, 2, "three"]});
        assert_eq!(cap_value(&small), small);
        let big = serde_json::json!(vec!["word"; 100_000]);
        let Value::String(cut) = cap_value(&big) else {
            panic!("a long list becomes text");
        };
        assert!(cut.starts_with("[\"word\",\"word\""), "{cut}");
        assert_eq!(cut.chars().count(), MAX_PUBLISHED_CHARS + 1);
        assert_eq!(cap_value(&serde_json::json!(12)), serde_json::json!(12));
    }
}
