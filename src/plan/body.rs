//! The Markdown body of a plan: its sections, links and length.

use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::diagnostic::Span;
use crate::plan::source::LineIndex;

/// A heading in the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Heading {
    pub(crate) level: u8,
    pub(crate) text: String,
    /// The text as [`section_key`] reduces it, computed once: rules look sections up often.
    pub(crate) key: String,
    pub(crate) span: Span,
}

/// A link or image in the body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link {
    pub(crate) destination: String,
    pub(crate) span: Span,
}

/// What the rules need to know about a plan's body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    /// Byte offset of the body in the file.
    pub(crate) offset: usize,
    /// File line (from 1) on which the body starts.
    pub(crate) first_line: u32,
    pub(crate) headings: Vec<Heading>,
    pub(crate) links: Vec<Link>,
    pub(crate) words: usize,
    /// Where the text first nests deeper than [`MAX_NESTING`] (the site shows what lies
    /// deeper as plain text).
    pub(crate) too_deep: Option<Span>,
}

/// Deepest nesting of Markdown blocks and inline markup (quotes, lists, emphasis, links) and,
/// separately, of raw HTML elements that a plan's text may have on the site. Deeper content is
/// shown as plain text: no plan needs more, and the sanitiser's cost grows with the square of
/// the depth (100,000 nested quotes took minutes).
pub(crate) const MAX_NESTING: usize = 32;

/// HTML elements that never have content, so they do not nest.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Follows the nesting of a stream of Markdown events and says which would go deeper than
/// [`MAX_NESTING`]; used by `check` (to report it) and the site (to show that part as text).
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    /// Open Markdown elements, including those too deep to keep.
    depth: usize,
    /// Open raw HTML elements, innermost last; never more than [`MAX_NESTING`].
    html: Vec<u64>,
}

/// What to do with one Markdown event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Render it as it is.
    Markup,
    /// Leave the element out; its content is still shown.
    Drop,
    /// Show this raw HTML as text.
    Text,
}

impl Nesting {
    /// Whether `event` can be rendered as it is, given every event before it.
    pub(crate) fn admit(&mut self, event: &Event) -> Keep {
        match event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Keep::Drop;
                }
            }
            Event::End(_) => {
                let deep = self.depth > MAX_NESTING;
                self.depth = self.depth.saturating_sub(1);
                if deep {
                    return Keep::Drop;
                }
            }
            Event::Html(html) | Event::InlineHtml(html) if !self.html_fits(html) => {
                return Keep::Text;
            }
            _ => {}
        }
        Keep::Markup
    }

    /// Applies the tags of a piece of raw HTML to the open elements, if the result stays within
    /// [`MAX_NESTING`]; otherwise leaves them as they were. A rough model of an HTML parser
    /// (a closing tag closes up to the element it names; one naming nothing open is ignored),
    /// enough to bound what the sanitiser's parser will hold open.
    fn html_fits(&mut self, html: &str) -> bool {
        let mut open = self.html.clone();
        let bytes = html.as_bytes();
        let mut at = 0;
        while let Some(lt) = memchr::memchr(b'<', &bytes[at..]) {
            let start = at + lt + 1;
            let closing = bytes.get(start) == Some(&b'/');
            let name_start = start + usize::from(closing);
            let name_len = bytes[name_start..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                .count();
            at = name_start + name_len;
            if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
                continue;
            }
            let name = &html[name_start..name_start + name_len];
            let end = memchr::memchr(b'>', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            let self_closing = end > at && bytes[end - 1] == b'/';
            at = end;
            let id = element_id(name);
            if closing {
                if let Some(i) = open.iter().rposition(|n| *n == id) {
                    open.truncate(i);
                }
            } else if !self_closing && !VOID_ELEMENTS.iter().any(|v| v.eq_ignore_ascii_case(name)) {
                open.push(id);
                if open.len() > MAX_NESTING {
                    return false;
                }
            }
        }
        self.html = open;
        true
    }
}

/// An element name reduced to a number, case-insensitively (collisions only loosen a bound).
fn element_id(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x100_0000_01b3)
    })
}

impl Body {
    /// Reads the body that starts at byte `offset` of `file`.
    pub(crate) fn parse(file: &str, offset: usize, index: &LineIndex) -> Body {
        let text = &file[offset..];
        let mut body = Body {
            offset,
            first_line: index.position(file, offset).0,
            ..Body::default()
        };
        let mut heading: Option<(u8, usize, String)> = None;
        let mut options = Options::empty();
        options.insert(Options::ENABLE_TABLES);
        options.insert(Options::ENABLE_STRIKETHROUGH);
        options.insert(Options::ENABLE_FOOTNOTES);
        let mut nesting = Nesting::default();
        for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
            if body.too_deep.is_none() && nesting.admit(&event) != Keep::Markup {
                body.too_deep = Some(index.span(file, offset + range.start, offset + range.start));
            }
            match event {
                Event::Start(Tag::Heading { level, .. }) => {
                    heading = Some((heading_level(level), range.start, String::new()));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, start, text)) = heading.take() {
                        let end = file[offset + start..offset + range.end].trim_end().len();
                        let span = index.span(file, offset + start, offset + start + end);
                        let text = text.trim().to_string();
                        body.headings.push(Heading {
                            level,
                            key: section_key(&text),
                            text,
                            span,
                        });
                    }
                }
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    let span = index.span(file, offset + range.start, offset + range.end);
                    body.links.push(Link {
                        destination: dest_url.to_string(),
                        span,
                    });
                }
                Event::Text(t) | Event::Code(t) => {
                    body.words += word_count(&t);
                    if let Some((_, _, text)) = heading.as_mut() {
                        text.push_str(&t);
                    }
                }
                _ => {}
            }
        }
        body
    }

    /// The level-2 heading that matches `section`, if any.
    pub(crate) fn section(&self, section: &str) -> Option<&Heading> {
        let wanted = section_key(section);
        self.headings
            .iter()
            .find(|h| h.level == 2 && h.key == wanted)
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Where a link in a plan body leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkTarget {
    /// A URL, an anchor in the same page or a mail address: nothing to resolve.
    Elsewhere,
    /// A file in the repository: its path from the repository root, and any `#fragment`.
    Repository { path: PathBuf, fragment: String },
    /// A relative path that climbs out of the repository.
    OutsideRepository,
}

/// Resolves a link written in a plan in folder `plan_dir` (relative to the repository root):
/// relative to that folder, or to the root when it starts with `/`; percent-escapes decoded.
pub(crate) fn link_target(plan_dir: &Path, destination: &str) -> LinkTarget {
    let d = destination.trim();
    if d.is_empty() || d.starts_with('#') || d.starts_with("//") {
        return LinkTarget::Elsewhere;
    }
    if let Some(colon) = d.find(':') {
        let scheme = &d[..colon];
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return LinkTarget::Elsewhere;
        }
    }
    let (path, fragment) = match d.split_once('#') {
        Some((p, f)) => (p, format!("#{f}")),
        None => (d, String::new()),
    };
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() {
        return LinkTarget::Elsewhere;
    }
    let path = crate::url::percent_decode(path).unwrap_or_else(|| path.to_string());
    let base = if path.starts_with('/') {
        Path::new("")
    } else {
        plan_dir
    };
    let mut parts: Vec<Component> = Vec::new();
    for c in base
        .components()
        .chain(Path::new(path.trim_start_matches('/')).components())
    {
        match c {
            // `..` drops the last folder; with none left the link leaves the repository.
            Component::ParentDir if parts.pop().is_none() => return LinkTarget::OutsideRepository,
            Component::Normal(_) => parts.push(c),
            _ => {}
        }
    }
    LinkTarget::Repository {
        path: parts.iter().collect(),
        fragment,
    }
}

/// A section title reduced so that equivalent spellings compare equal: case, `&`/`and`,
/// `vs`/`vs.`/`versus`, spacing and trailing punctuation do not matter.
pub(crate) fn section_key(title: &str) -> String {
    if title.is_ascii() {
        ascii_section_key(title)
    } else {
        any_section_key(title)
    }
}

/// [`section_key`] of any title.
fn any_section_key(title: &str) -> String {
    let lowered = title.to_lowercase().replace('&', " and ");
    lowered
        .split(|c: char| c.is_whitespace() || matches!(c, ':' | '.' | ',' | '-' | '–' | '—'))
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "versus" | "v" => "vs",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`section_key`] of an ASCII title, the same as [`any_section_key`] but written in one pass
/// (it runs on every heading of every plan).
fn ascii_section_key(title: &str) -> String {
    fn end_word(out: &mut String, start: usize) {
        if matches!(&out[start..], "versus" | "v") {
            out.truncate(start);
            out.push_str("vs");
        }
    }
    let mut out = String::with_capacity(title.len() + 4);
    let mut word: Option<usize> = None;
    for b in title.bytes() {
        // `char::is_whitespace` also counts the vertical tab, which ASCII's does not.
        let separator = b.is_ascii_whitespace() || matches!(b, b'\x0b' | b':' | b'.' | b',' | b'-');
        if separator || b == b'&' {
            if let Some(start) = word.take() {
                end_word(&mut out, start);
            }
            if b == b'&' {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str("and");
            }
            continue;
        }
        if word.is_none() {
            if !out.is_empty() {
                out.push(' ');
            }
            word = Some(out.len());
        }
        out.push(char::from(b.to_ascii_lowercase()));
    }
    if let Some(start) = word {
        end_word(&mut out, start);
    }
    out
}

/// How many words `text` has, as `split_whitespace` counts them: ASCII text is counted a byte
/// at a time (a plan's body is mostly ASCII, and decoding every character cost a tenth of
/// `check`).
fn word_count(text: &str) -> usize {
    if !text.is_ascii() {
        return text.split_whitespace().count();
    }
    // The ASCII white space of `char::is_whitespace`: tab, line feed, vertical tab, form feed,
    // carriage return, space.
    let space = |b: u8| matches!(b, b'\t'..=b'\r' | b' ');
    let mut words = 0;
    let mut in_space = true;
    for &b in text.as_bytes() {
        let now = space(b);
        words += usize::from(in_space && !now);
        in_space = now;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn words_count_as_split_whitespace_counts_them(text in "[ -~\t\n\x0b\x0c\r\u{85}\u{a0}\u{2003}é]{0,300}") {
            proptest::prop_assert_eq!(word_count(&text), text.split_whitespace().count());
        }

        #[test]
        fn ascii_words_count_as_split_whitespace_counts_them(text in "[\x00-\x7f]{0,300}") {
            proptest::prop_assert_eq!(word_count(&text), text.split_whitespace().count());
        }
    }

    #[test]
    fn words_are_counted() {
        for (text, words) in [
            ("", 0),
            ("  ", 0),
            ("one", 1),
            (" two  words\n", 2),
            ("a\x0bb", 2),
            ("a\x1fb", 1),
        ] {
            assert_eq!(word_count(text), words, "{text:?}");
        }
    }

    #[test]
    fn ascii_titles_reduce_as_any_other() {
        for title in [
            "Current Performance versus Expectations",
            "  Sales & Marketing&Ops  ",
            "A v B: vs. C",
            "Risks, issues -- and: next steps.",
            "&",
            "v",
            "",
            "Q1\tplan\x0cnotes\x0bmore",
            "versus&v",
        ] {
            assert_eq!(
                ascii_section_key(title),
                any_section_key(title),
                "{title:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_ascii_title_reduces_as_any_other(title in "[ -~\t\n\x0b\x0c\r]{0,40}") {
            proptest::prop_assert_eq!(ascii_section_key(&title), any_section_key(&title));
        }
    }

    #[test]
    fn sections_match_loosely() {
        assert_eq!(
            section_key("Current Performance versus Expectations"),
            section_key("Current performance vs. expectations")
        );
        assert_eq!(
            section_key("Consequences & incentive"),
            section_key("Consequences and Incentive")
        );
        assert_ne!(section_key("Summary"), section_key("Summary of risks"));
    }

    #[test]
    fn link_targets() {
        let dir = Path::new("plans/emea");
        assert_eq!(link_target(dir, "https://x.com/a"), LinkTarget::Elsewhere);
        assert_eq!(link_target(dir, "mailto:a@b.c"), LinkTarget::Elsewhere);
        assert_eq!(link_target(dir, "#summary"), LinkTarget::Elsewhere);
        assert_eq!(
            link_target(dir, "../docs/win%20loss.md#top"),
            LinkTarget::Repository {
                path: PathBuf::from("plans/docs/win loss.md"),
                fragment: "#top".into()
            }
        );
        assert_eq!(
            link_target(Path::new("plans"), "../../etc/passwd"),
            LinkTarget::OutsideRepository
        );
        assert_eq!(
            link_target(dir, "/docs/x.md"),
            LinkTarget::Repository {
                path: PathBuf::from("docs/x.md"),
                fragment: String::new()
            }
        );
    }

    fn too_deep(body: &str) -> Option<(u32, u32)> {
        let file = format!("---\nid: x\n---\n{body}");
        let index = LineIndex::new(&file);
        Body::parse(&file, 12, &index)
            .too_deep
            .map(|s| (s.line, s.column))
    }

    #[test]
    fn nesting_past_the_limit_is_found() {
        assert_eq!(
            too_deep(&format!("{}x\n", "> ".repeat(MAX_NESTING - 1))),
            None
        );
        assert_eq!(
            too_deep(&format!("{}x\n", "> ".repeat(MAX_NESTING + 5))),
            Some((4, 2 * MAX_NESTING as u32 + 1))
        );
        assert_eq!(too_deep(&"<div>".repeat(MAX_NESTING)), None);
        assert_eq!(too_deep(&"<div></div>".repeat(1000)), None);
        assert_eq!(too_deep(&"<br><hr/><p/>".repeat(1000)), None);
        assert_eq!(
            too_deep(&"<div>\n".repeat(MAX_NESTING + 1)),
            Some((4 + MAX_NESTING as u32, 1))
        );
        assert_eq!(
            too_deep(&format!("a {}", "<b x>".repeat(MAX_NESTING + 1))),
            Some((4, 3 + 5 * MAX_NESTING as u32))
        );
    }

    #[test]
    fn headings_and_links_have_file_lines() {
        let file = "---\nid: x\n---\n# Title\n\n## Summary\n\nSee [the deck](deck.pdf) now.\n";
        let index = LineIndex::new(file);
        let offset = file.find("# Title").unwrap();
        let body = Body::parse(file, offset, &index);
        assert_eq!(body.first_line, 4);
        let summary = body.section("summary").unwrap();
        assert_eq!(summary.span.line, 6);
        assert_eq!(body.links[0].destination, "deck.pdf");
        assert_eq!((body.links[0].span.line, body.links[0].span.column), (8, 5));
        assert_eq!(body.words, 6);
    }
}
