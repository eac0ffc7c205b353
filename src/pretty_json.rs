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
        let layout = EntryLayout {
            depth: ENTRY_DEPTH,
            has_value: false,
        };
        layout.new_line(&mut *self.w, !self.first)?;
        self.first = false;
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
    let layout = EntryLayout {
        depth: ENTRY_DEPTH,
        has_value: false,
    };
    value.serialize(&mut serde_json::Serializer::with_formatter(out, layout))
}

/// How deep a list entry stands in the document: inside the object, inside its list.
const ENTRY_DEPTH: usize = 2;

/// serde_json's pretty layout (two spaces a level) starting `depth` levels in: an entry
/// serialized on its own reads as it does inside the document. Each line break and its
/// indentation go out in one write.
struct EntryLayout {
    depth: usize,
    /// Whether the list or object being closed holds anything (an empty one closes on the
    /// line it opened).
    has_value: bool,
}

impl EntryLayout {
    fn new_line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> std::io::Result<()> {
        const SPACES: &[u8] = &[b' '; 128];
        let mut indent = 2 * self.depth;
        w.write_all(if comma { b",\n" } else { b"\n" })?;
        while indent > 0 {
            let n = indent.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            indent -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for EntryLayout {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.new_line(w, !first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.new_line(w, !first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value nested `levels` lists and objects deep (deeper than one write of spaces).
    fn deep(levels: usize) -> serde_json::Value {
        (0..levels).fold(serde_json::json!("\"end\""), |inner, level| {
            if level % 2 == 0 {
                serde_json::json!([inner, []])
            } else {
                serde_json::json!({"k": inner, "e": {}})
            }
        })
    }

    #[test]
    fn a_list_document_is_laid_out_as_one_pretty_document() {
        let entries = [
            serde_json::json!({"id": "a", "plan": {"metrics": [{"x": 1}], "empty": []}}),
            serde_json::json!({"id": "b\nc", "summary": {}, "list": ["x", {"y": null}]}),
            serde_json::json!({"id": "d", "deep": deep(70), "n": [1.5, -2, true, null]}),
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
