//! Turning byte offsets in a file into the lines and columns people see.

use crate::diagnostic::Span;

/// The start of every line of a text, for offset → line/column look-ups. A line ends with
/// `\n`, `\r\n` or a lone `\r`, as for the YAML and Markdown parsers whose positions are
/// mapped through it (a file saved with old Mac line endings is still counted right).
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        let bytes = text.as_bytes();
        starts.extend(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'))
                .map(|i| i + 1),
        );
        LineIndex { starts }
    }

    /// Line and column (both from 1; the column in characters) of byte `offset` in `text`.
    pub(crate) fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text[start..offset].chars().count() + 1;
        (line as u32 + 1, column as u32)
    }

    /// The span between two byte offsets of `text`.
    pub(crate) fn span(&self, text: &str, start: usize, end: usize) -> Span {
        let (line, column) = self.position(text, start);
        let (end_line, end_column) = self.position(text, end.max(start));
        Span {
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// Byte offset where line `line` (from 1) starts.
    pub(crate) fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    /// The text of line `line` (from 1), without its line ending.
    pub(crate) fn line_text<'t>(&self, text: &'t str, line: u32) -> Option<&'t str> {
        let start = self.line_start(line)?;
        let end = self
            .starts
            .get(line as usize)
            .copied()
            .unwrap_or(text.len());
        let raw = text.get(start..end)?;
        Some(raw.trim_end_matches(['\n', '\r']))
    }

    pub(crate) fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// The 1-based line and column (in characters) of a byte offset, for files read once (the
/// configuration and people files); plans use a [`LineIndex`].
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// The largest char boundary at or below `index`.
pub(crate) fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_from_one() {
        let text = "ab\nçd\r\nef";
        let index = LineIndex::new(text);
        assert_eq!(index.position(text, 0), (1, 1));
        assert_eq!(index.position(text, 3), (2, 1));
        assert_eq!(index.position(text, 5), (2, 2));
        assert_eq!(index.position(text, 8), (3, 1));
        assert_eq!(index.line_text(text, 2), Some("çd"));
        assert_eq!(index.line_text(text, 3), Some("ef"));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let text = "a\rb\r\nc\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.position(text, 2), (2, 1));
        assert_eq!(index.line_text(text, 2), Some("b"));
        assert_eq!(index.position(text, 5), (3, 1));
    }
}
