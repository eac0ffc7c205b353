//! Machine-readable outputs: the Atom feed of recent changes and the iCalendar of
//! reassessment dates.

use std::fmt::Write as _;

/// A recent change for the feed.
pub struct Entry {
    pub plan_id: String,
    pub plan_title: String,
    /// The plan page's absolute address, when the site's address is known.
    pub url: Option<String>,
    pub commit: String,
    pub date: String,
    pub author: String,
    pub summary: String,
    pub changes: Vec<String>,
}

/// An Atom feed of the most recent changes across plans. Without the site's address
/// (`site_url`) the feed carries no links and identifies itself and its entries by tag URIs,
/// rather than by invented addresses.
pub fn atom(title: &str, site_url: Option<&str>, updated: &str, entries: &[Entry]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let _ = writeln!(
        out,
        "  <title>{} · recent changes</title>",
        crate::xml::escape(title)
    );
    match site_url {
        Some(site_url) => {
            let _ = writeln!(
                out,
                "  <id>{}</id>",
                crate::xml::escape(&format!("{site_url}feed.xml"))
            );
            let _ = writeln!(
                out,
                "  <link rel=\"self\" href=\"{}\"/>",
                crate::xml::escape(&format!("{site_url}feed.xml"))
            );
            let _ = writeln!(out, "  <link href=\"{}\"/>", crate::xml::escape(site_url));
        }
        None => {
            let _ = writeln!(out, "  <id>tag:planbook,2026:feed</id>");
        }
    }
    let _ = writeln!(out, "  <updated>{}</updated>", crate::xml::escape(updated));
    let _ = writeln!(out, "  <generator>planbook</generator>");
    for e in entries {
        let mut content = String::new();
        for c in &e.changes {
            let _ = writeln!(content, "{c}");
        }
        out.push_str("  <entry>\n");
        let _ = writeln!(
            out,
            "    <title>{}: {}</title>",
            crate::xml::escape(&e.plan_title),
            crate::xml::escape(&e.summary)
        );
        let id = match &e.url {
            Some(url) => format!("{url}#{}", e.commit),
            None => format!("tag:planbook,2026:{}/{}", e.plan_id, e.commit),
        };
        let _ = writeln!(out, "    <id>{}</id>", crate::xml::escape(&id));
        if let Some(url) = &e.url {
            let _ = writeln!(out, "    <link href=\"{}\"/>", crate::xml::escape(url));
        }
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            crate::xml::escape(&e.date)
        );
        let _ = writeln!(
            out,
            "    <author><name>{}</name></author>",
            crate::xml::escape(&e.author)
        );
        let _ = writeln!(
            out,
            "    <category term=\"{}\"/>",
            crate::xml::escape(&e.plan_id)
        );
        let _ = writeln!(
            out,
            "    <content type=\"text\">{}</content>",
            crate::xml::escape(&content)
        );
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// A reassessment event.
pub struct Event {
    pub uid: String,
    pub date: jiff::civil::Date,
    pub summary: String,
    pub description: String,
    /// The plan page's absolute address, when the site's address is known.
    pub url: Option<String>,
}

/// An iCalendar file (RFC 5545): CRLF line endings, lines folded at 75 octets.
pub fn ics(stamp: &str, events: &[Event]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//planbook//Sales Improvement Plans//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "X-WR-CALNAME:Plan reassessments".to_string(),
    ];
    for e in events {
        let day = e.date.strftime("%Y%m%d").to_string();
        let next = e
            .date
            .tomorrow()
            .map(|d| d.strftime("%Y%m%d").to_string())
            .unwrap_or_else(|_| day.clone());
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", text(&e.uid)));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART;VALUE=DATE:{day}"));
        lines.push(format!("DTEND;VALUE=DATE:{next}"));
        lines.push(format!("SUMMARY:{}", text(&e.summary)));
        lines.push(format!("DESCRIPTION:{}", text(&e.description)));
        if let Some(url) = &e.url {
            lines.push(format!("URL:{}", text(url)));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
        out.push_str("\r\n");
    }
    out
}

/// Escapes an iCalendar TEXT value.
fn text(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_folds_and_escapes() {
        let event = Event {
            uid: "x@planbook".into(),
            date: "2026-04-30".parse().unwrap(),
            summary: "Reassess: DACH; mid-market, recovery".into(),
            description: "é".repeat(60),
            url: Some("https://example.com/plans/x/".into()),
        };
        let cal = ics("20260101T000000Z", &[event]);
        assert!(cal.contains("SUMMARY:Reassess: DACH\\; mid-market\\, recovery\r\n"));
        assert!(cal.contains("DTSTART;VALUE=DATE:20260430\r\n"));
        assert!(cal.lines().all(|l| l.trim_end_matches('\r').len() <= 75));
        assert!(!cal.replace("\r\n", "").contains('\n'));
    }
}
