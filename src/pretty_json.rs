//! Pretty JSON written a piece at a time: an object whose last field is a long list, each
//! entry serialized on its own, laid out as serde_json's pretty printer lays out the whole
//! document. A site's `plans.json` and the output of `log --format json` are written so,
//! without holding every entry at once.

use std::io::Write;

use serde::Serialize;

/// The document being written: `{"<field>": <value>, …, "<list>": [entries]}`.
pub(crate) struct ListDocument<'a> {
    w: &'a mut dyn Write,
    first: bool,
}

impl<'a> ListDocument<'a> {
    /// Starts the document with `fields`, whose values are scalars (a scalar is laid out the
    /// same, pretty or not), and opens the list `list`.
    pub(crate) fn start(
        w: &'a mut dyn Write,
        fields: &[(&str, serde_json::Value)],
        list: &str,
    ) -> std::io::Result<ListDocument<'a>> {
        w.write_all(b"{")?;
        for (name, value) in fields {
            w.write_all(b"\n  ")?;
            serde_json::to_writer(&mut *w, name)?;
            w.write_all(b": ")?;
            serde_json::to_writer(&mut *w, value)?;
            w.write_all(b",")?;
        }
        w.write_all(b"\n  ")?;
        serde_json::to_writer(&mut *w, list)?;
        w.write_all(b": [")?;
        Ok(ListDocument { w, first: true })
    }

    /// Adds an entry laid out by [`entry`].
    pub(crate) fn entry(&mut self, entry: &[u8]) -> std::io::Result<()> {
        let before: &[u8] = if self.first { b"\n    " } else { b",\n    " };
        self.first = false;
        self.w.write_all(before)?;
        self.w.write_all(entry)
    }

    /// Closes the list and the document.
    pub(crate) fn end(self) -> std::io::Result<()> {
        let close: &[u8] = if self.first { b"]\n}" } else { b"\n  ]\n}" };
        self.w.write_all(close)
    }
}

/// Appends `value` to `out` laid out as an entry of a [`ListDocument`]'s list.
pub(crate) fn entry(value: &impl Serialize, out: &mut Vec<u8>) -> serde_json::Result<()> {
    serde_json::to_writer_pretty(Indented(out), value)
}

/// A writer that indents every line after the first by the list's two levels: an entry
/// serialized on its own reads as it does inside the document. (A JSON string holds no line
/// break: every one is the layout's.)
struct Indented<'a>(&'a mut Vec<u8>);

impl Write for Indented<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut lines = bytes.split(|b| *b == b'\n');
        if let Some(first) = lines.next() {
            self.0.extend_from_slice(first);
        }
        for line in lines {
            self.0.extend_from_slice(b"\n    ");
            self.0.extend_from_slice(line);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_document_is_laid_out_as_one_pretty_document() {
        let entries = [
            serde_json::json!({"id": "a", "plan": {"metrics": [{"x": 1}], "empty": []}}),
            serde_json::json!({"id": "b\nc", "summary": {}, "list": ["x", {"y": null}]}),
            serde_json::json!({"id": "d"}),
        ];
        for n in 0..=entries.len() {
            let mut out = Vec::new();
            let fields = [
                ("generated", serde_json::json!("2026-03-01")),
                ("complete", serde_json::json!(false)),
            ];
            let mut doc = ListDocument::start(&mut out, &fields, "plans").unwrap();
            for value in &entries[..n] {
                let mut bytes = Vec::new();
                entry(value, &mut bytes).unwrap();
                doc.entry(&bytes).unwrap();
            }
            doc.end().unwrap();
            let whole = serde_json::json!({
                "generated": "2026-03-01",
                "complete": false,
                "plans": &entries[..n],
            });
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string_pretty(&whole).unwrap(),
                "{n} entries"
            );
        }
    }
}
