//! Plan bodies as safe HTML: Markdown rendered, headings given anchors for the table of
//! contents, links rewritten for the site, and everything sanitised.

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};
use serde::Serialize;

use crate::plan::body::{Keep, Nesting};

/// Prefix of every heading id, so plan content can never clobber the page's own ids.
pub(crate) const ID_PREFIX: &str = "s-";

/// A heading for the table of contents.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TocEntry {
    pub level: u8,
    pub text: String,
    pub anchor: String,
}

/// Rendered, sanitised HTML and its table of contents.
pub(crate) struct Rendered {
    /// The text, without its Summary section.
    pub html: String,
    /// The section headed "Summary" (its heading included), which the page shows near the
    /// top rather than three screens down.
    pub summary: Option<String>,
    pub toc: Vec<TocEntry>,
}

/// The name of the tables of the plan text, which scroll sideways in their own region.
const TABLE_REGION: &str = "Table from the plan text (scrolls sideways)";

/// Renders `markdown`; `rewrite` may replace a link destination (e.g. a plan file's path with
/// its page on the site). Whatever nests deeper than [`crate::plan::body::MAX_NESTING`] is
/// shown as plain text (`check` reports it under `plan-length`), which keeps the time taken
/// linear in the text's length.
pub(crate) fn render(markdown: &str, rewrite: &dyn Fn(&str) -> Option<String>) -> Rendered {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_FOOTNOTES);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut nesting = Nesting::default();
    let mut events: Vec<Event> = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match (nesting.admit(&event), event) {
            (Keep::Markup, event) => events.push(event),
            (Keep::Text, Event::Html(html) | Event::InlineHtml(html)) => {
                events.push(Event::Text(html));
            }
            (Keep::Text | Keep::Drop, _) => {}
        }
    }
    one_title(&mut events);
    let mut toc = Vec::new();
    let mut anchors = Anchors::default();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, .. }) = &events[i] {
            let level = *level as u8;
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let anchor = anchors.unique(slug(&text));
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(anchor.clone()));
            }
            if (2..=3).contains(&level) {
                toc.push(TocEntry {
                    level,
                    text: text.trim().to_string(),
                    anchor: format!("{ID_PREFIX}{anchor}"),
                });
            }
            i = j;
        }
        if let Some(Event::Start(Tag::Link { dest_url, .. })) = events.get_mut(i)
            && let Some(new) = rewrite(dest_url)
        {
            if new.is_empty() {
                // Nowhere to go on the site: the link's text stays, without the link.
                unlink(&mut events, i);
                continue;
            }
            *dest_url = CowStr::from(new);
        }
        i += 1;
    }
    let summary = summary_section(&events).map(|range| {
        let mut raw = String::new();
        html::push_html(&mut raw, events.drain(range));
        scrolling_tables(&sanitize(&raw))
    });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    Rendered {
        html: scrolling_tables(&sanitize(&raw)),
        summary,
        toc,
    }
}

/// The page's title is its only `h1`: a heading of level 1 that opens the text (the title
/// again) is left out, and any later one becomes a level 2 heading.
fn one_title(events: &mut Vec<Event>) {
    if let Some(Event::Start(Tag::Heading {
        level: HeadingLevel::H1,
        ..
    })) = events.first()
        && let Some(end) = events
            .iter()
            .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
    {
        events.drain(..=end);
    }
    for event in events.iter_mut() {
        match event {
            Event::Start(Tag::Heading { level, .. }) if *level == HeadingLevel::H1 => {
                *level = HeadingLevel::H2;
            }
            Event::End(TagEnd::Heading(level)) if *level == HeadingLevel::H1 => {
                *level = HeadingLevel::H2;
            }
            _ => {}
        }
    }
}

/// Where the section headed "Summary" lies: from its heading (level 2) to the next heading
/// of level 2 or the end.
fn summary_section(events: &[Event]) -> Option<std::ops::Range<usize>> {
    let is_h2 = |e: &Event| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1 | HeadingLevel::H2,
                ..
            })
        )
    };
    let start = events.iter().enumerate().position(|(i, e)| {
        is_h2(e) && {
            let mut text = String::new();
            for e in events[i + 1..]
                .iter()
                .take_while(|e| !matches!(e, Event::End(TagEnd::Heading(_))))
            {
                if let Event::Text(t) | Event::Code(t) = e {
                    text.push_str(t);
                }
            }
            text.trim().eq_ignore_ascii_case("summary")
        }
    })?;
    let end = events[start + 1..]
        .iter()
        .position(is_h2)
        .map_or(events.len(), |n| start + 1 + n);
    Some(start..end)
}

/// Each table of sanitised HTML inside a region that scrolls sideways on its own, which the
/// keyboard can reach and scroll, so a wide table never widens the page on a phone. (Text
/// never holds a literal `<table>`: the sanitiser escapes it.)
fn scrolling_tables(html: &str) -> String {
    let open = format!(
        r#"<div class="table-scroll" role="region" tabindex="0" aria-label="{TABLE_REGION}"><table>"#
    );
    replace_all(
        &replace_all(html, "<table>", &open),
        "</table>",
        "</table></div>",
    )
}

/// `text` with every `from` replaced by `to`, as `str::replace` does it, with a SIMD searcher.
fn replace_all(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for at in memchr::memmem::find_iter(text.as_bytes(), from.as_bytes()) {
        out.push_str(&text[done..at]);
        out.push_str(to);
        done = at + from.len();
    }
    out.push_str(&text[done..]);
    out
}

/// Heading anchors given so far, so that each new one is unique.
#[derive(Default)]
struct Anchors {
    used: HashSet<String>,
    /// For each anchor, the next number to try after it: `summary-2`, `summary-3`, ...
    next: HashMap<String, usize>,
}

impl Anchors {
    /// `base`, or `base-2`, `base-3`, ... the first one not given yet. Each base remembers where
    /// it stopped, so 20,000 identical headings take linear time, not quadratic.
    fn unique(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let n = self.next.entry(base.clone()).or_insert(2);
        loop {
            let anchor = format!("{base}-{n}");
            *n += 1;
            if self.used.insert(anchor.clone()) {
                return anchor;
            }
        }
    }
}

/// Removes the link that starts at `events[start]`, keeping what it holds: its start and the
/// end that matches it (links do not nest, but a link's text may hold other markup).
fn unlink(events: &mut Vec<Event>, start: usize) {
    let mut depth = 0usize;
    let mut end = None;
    for (j, event) in events.iter().enumerate().skip(start) {
        match event {
            Event::Start(Tag::Link { .. }) => depth += 1,
            Event::End(TagEnd::Link) => {
                depth -= 1;
                if depth == 0 {
                    end = Some(j);
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(end) = end {
        events.remove(end);
    }
    events.remove(start);
}

/// Removes everything a plan must not put on the site: scripts, event handlers, styles,
/// frames, forms, images (external resources), and URLs other than http(s), mailto and
/// relative ones.
pub(crate) fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The sanitizer's settings, made once (they are a dozen sets and maps).
static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> = std::sync::LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        // Task-list boxes (`- [x]`) are the only inputs: whatever a plan writes, an input is a
        // disabled checkbox (a text field in a plan is a form the site has no use for).
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .add_tags(["input"])
        .id_prefix(Some(ID_PREFIX))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// What active content a piece of rendered plan HTML carries, if any: a script, frame, embed,
/// style, form or stylesheet tag, an event-handler or `style` attribute, or a URL attribute
/// with a `javascript:`, `data:` or `vbscript:` scheme. Text may say anything (it is escaped);
/// only tags count. The safety check shared by the tests and the fuzzers of [`sanitize`].
pub(crate) fn active_content(html: &str) -> Option<String> {
    let lower = html.to_lowercase();
    for tag in lower.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if matches!(
            name.as_str(),
            "script"
                | "iframe"
                | "frame"
                | "object"
                | "embed"
                | "style"
                | "link"
                | "form"
                | "base"
                | "meta"
                | "svg"
                | "math"
        ) {
            return Some(format!("a <{name}> tag"));
        }
        let mut rest = &tag[name.len().min(tag.len())..];
        while let Some(eq) = rest.find('=') {
            let attribute = rest[..eq]
                .rsplit(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '/')
                .next()
                .unwrap_or("");
            let after = rest[eq + 1..].trim_start();
            let (value, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = after[1..].find(q).map_or(after.len(), |i| i + 1);
                    (&after[1..end], &after[(end + 1).min(after.len())..])
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            if attribute.starts_with("on") || attribute == "style" {
                return Some(format!("a {attribute} attribute"));
            }
            let plain: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect();
            if ["javascript:", "data:", "vbscript:"]
                .iter()
                .any(|scheme| plain.starts_with(scheme))
            {
                return Some(format!("{attribute}=\"{value}\""));
            }
            rest = next;
        }
    }
    None
}

/// A heading's anchor: lowercase words joined by hyphens.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "section".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replace_all_replaces_as_str_replace_does() {
        for (text, from, to) in [
            ("", "<table>", "x"),
            ("<table><table>", "<table>", "<div><table>"),
            ("aaaa", "aa", "b"),
            ("aaa", "aa", "b"),
            ("é<table>é</table>é", "</table>", "</table></div>"),
            ("no tables here", "<table>", "x"),
        ] {
            assert_eq!(
                replace_all(text, from, to),
                text.replace(from, to),
                "{text}"
            );
        }
    }

    use super::*;

    fn plain(markdown: &str) -> String {
        render(markdown, &|_| None).html
    }

    #[test]
    fn the_only_inputs_are_disabled_task_boxes() {
        let html = plain(
            "- [x] done\n- [ ] open\n\n<form action=\"x\"><input name=\"q\" type=\"text\" value=\"v\"><button>go</button></form>\n",
        );
        assert_eq!(html.matches("<input").count(), 3, "{html}");
        for input in html.split("<input").skip(1) {
            let tag = input.split('>').next().unwrap();
            assert!(
                tag.contains("type=\"checkbox\"") && tag.contains("disabled"),
                "{tag}"
            );
            assert!(!tag.contains("name=") && !tag.contains("value="), "{tag}");
        }
        assert_eq!(html.matches("checked").count(), 1, "{html}");
        assert!(
            !html.contains("<form") && !html.contains("<button"),
            "{html}"
        );
    }

    #[test]
    fn headings_get_prefixed_unique_anchors() {
        let r = render(
            "## Risks\n\ntext\n\n## Risks\n\n### Risks & costs\n",
            &|_| None,
        );
        assert!(
            r.html.contains("<h2 id=\"s-risks\">Risks</h2>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("id=\"s-risks-2\""), "{}", r.html);
        assert_eq!(r.toc[2].anchor, "s-risks-costs");
    }

    #[test]
    fn identical_headings_get_numbered_anchors_without_clashes() {
        let r = render(
            &format!("## Same 2\n\n{}", "## Same\n\n".repeat(5)),
            &|_| None,
        );
        let anchors: Vec<&str> = r.toc.iter().map(|t| t.anchor.as_str()).collect();
        assert_eq!(
            anchors,
            [
                "s-same-2", "s-same", "s-same-3", "s-same-4", "s-same-5", "s-same-6"
            ]
        );
    }

    #[test]
    fn nesting_past_the_limit_is_shown_as_text() {
        let max = crate::plan::body::MAX_NESTING;
        let html = plain(&format!("{}deep", "> ".repeat(1000)));
        assert_eq!(html.matches("<blockquote>").count(), max);
        assert!(html.contains("deep"), "{html}");
        let html = plain(&"<div>".repeat(1000));
        assert!(html.matches("<div>").count() <= max, "{html}");
        assert!(html.contains("&lt;div&gt;"), "the rest is text: {html}");
    }

    #[test]
    fn hostile_markup_is_removed() {
        let html = plain(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <a href=\"data:text/html,hi\" onclick=\"x()\">d</a>\n\n<iframe src=\"https://evil\"></iframe><div style=\"position:fixed\">s</div>",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "data:",
            "onclick",
            "<iframe",
            "style=",
            "<img",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn active_content_is_recognised() {
        for bad in [
            "<script>x</script>",
            "<IMG SRC=x OnError=alert(1)>",
            "<a href=\" java\tscript:x\">y</a>",
            "<a href='data:text/html,x'>d</a>",
            "<div style=\"position:fixed\">",
            "<svg><a xlink:href=x>",
        ] {
            assert!(active_content(bad).is_some(), "{bad}");
        }
        for fine in [
            "<p>javascript: is text here, onerror=too</p>",
            "<a href=\"https://example.com\" rel=\"noopener noreferrer\">x</a>",
            "<h2 id=\"s-summary\">Summary</h2>",
        ] {
            assert_eq!(active_content(fine), None, "{fine}");
        }
        let sanitized = plain("<a href=\"java&#x09;script:x\" onclick=y>z</a><style>p{}</style>");
        assert_eq!(active_content(&sanitized), None, "{sanitized}");
    }

    #[test]
    fn links_can_be_rewritten_and_get_rel() {
        let r = render("[plan](../apac/x.md) [web](https://example.com)", &|d| {
            d.ends_with(".md").then(|| "/plans/x/".to_string())
        });
        assert!(r.html.contains("href=\"/plans/x/\""), "{}", r.html);
        assert!(r.html.contains("rel=\"noopener noreferrer\""), "{}", r.html);
    }

    #[test]
    fn the_title_is_dropped_and_the_summary_taken_out() {
        let r = render(
            "# Plan title\n\n## Summary\n\nWe will win.\n\n### Why\n\nBecause.\n\n## Analysis\n\n# Appendix\n",
            &|_| None,
        );
        assert!(!r.html.contains("<h1"), "{}", r.html);
        assert!(!r.html.contains("Plan title"), "{}", r.html);
        assert!(
            r.html.contains("<h2 id=\"s-appendix\">Appendix</h2>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("We will win"), "{}", r.html);
        let summary = r.summary.unwrap();
        assert!(
            summary.starts_with("<h2 id=\"s-summary\">Summary</h2>"),
            "{summary}"
        );
        assert!(summary.contains("Because."), "{summary}");
        assert!(!summary.contains("Analysis"), "{summary}");
        assert_eq!(r.toc[0].anchor, "s-summary");
        assert_eq!(render("## Analysis\n\ntext\n", &|_| None).summary, None);
    }

    #[test]
    fn tables_scroll_in_their_own_region() {
        let r = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n`<table>`\n", &|_| None);
        assert!(
            r.html.starts_with(&format!(
                "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{TABLE_REGION}\"><table>"
            )),
            "{}",
            r.html
        );
        assert_eq!(r.html.matches("</table></div>").count(), 1, "{}", r.html);
        assert!(r.html.contains("<code>&lt;table&gt;</code>"), "{}", r.html);
        assert_eq!(active_content(&r.html), None);
    }
}
