//! Text from plans, commits and people, made safe for the output it goes to: a terminal or a
//! Markdown comment. Used at the output edge, by every human-readable printer; JSON and XML
//! escape for themselves.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Text safe to print on a terminal: every control character (C0, DEL and C1) is shown as an
/// escape such as `\u{1b}`, except tabs and, when `newlines` is true, line breaks. A commit
/// author, subject or field value can then never move the cursor, recolour, retitle or
/// clear the terminal, or forge a line of the report (pass `newlines: false` for one-line
/// values).
pub(crate) fn controls(text: &str, newlines: bool) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && c != '\t' && !(newlines && c == '\n');
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text safe to print on a terminal: [`controls`] without line breaks.
pub(crate) fn line(text: &str) -> Cow<'_, str> {
    controls(text, false)
}

/// Text placed into Markdown (a pull-request comment) as literal text, inside a line: every
/// ASCII punctuation character that Markdown or GitHub could read as markup there (emphasis,
/// code, links, images, HTML, entities, table cells, strikethrough, super- and subscript,
/// math, mentions, and the `:` and `.` of bare URLs that GitHub would turn into links) is
/// backslash-escaped, line breaks become spaces (so nothing starts a line: no heading, list or
/// quote), and control characters are escaped as for a terminal. So plan text cannot add a
/// link, an image, HTML, a heading or a table cell to the summary.
pub(crate) fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '<' | '>' | '|' | '~' | '&' | ':'
            | '.' | '@' | '$' | '^' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_sent() {
        assert_eq!(controls("plain text", true), "plain text");
        assert!(matches!(controls("plain", true), Cow::Borrowed(_)));
        assert_eq!(
            controls("\u{1b}]0;pwned\u{7}\u{1b}[2J", true),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(controls("a\tb\nc\r", true), "a\tb\nc\\u{d}");
        assert_eq!(line("a\nb"), "a\\u{a}b");
        assert_eq!(controls("\u{9b}31m\u{7f}", true), "\\u{9b}31m\\u{7f}");
        assert_eq!(controls("Zoë 東京", true), "Zoë 東京");
    }

    #[test]
    fn markdown_markup_is_literal() {
        assert_eq!(
            markdown("[click](https://evil.example)"),
            "\\[click\\]\\(https\\://evil\\.example\\)"
        );
        assert_eq!(markdown("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(
            markdown("**bold** | cell\n# h"),
            "\\*\\*bold\\*\\* \\| cell # h"
        );
        assert_eq!(markdown("![i](u)"), "!\\[i\\]\\(u\\)");
        assert_eq!(markdown("mid-market 2026-03-31"), "mid-market 2026-03-31");
        assert_eq!(markdown("a\\b"), "a\\\\b");
        assert_eq!(markdown("Zoë 42"), "Zoë 42");
    }
}
