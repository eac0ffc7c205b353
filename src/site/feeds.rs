//! Machine-readable outputs: the data of the Atom feed of recent changes (rendered by the
//! `feed.xml` template, which a repository may replace) and the iCalendar of reassessment
//! dates.

/// A recent change for the feed (what `feed.xml` receives as each of `entries`).
#[derive(Clone, serde::Serialize)]
pub(crate) struct Entry {
    pub plan_id: String,
    pub plan_title: String,
    /// The plan page's absolute address, when the site's address is known.
    pub url: Option<String>,
    /// The entry's Atom id: the page address with the commit as fragment, or a tag URI.
    pub id: String,
    pub commit: String,
    pub date: String,
    pub author: String,
    pub summary: String,
    pub changes: Vec<String>,
}

impl Entry {
    /// The entry's Atom id: `url#commit`, or without the site's address a tag URI rather than
    /// an invented address.
    pub(crate) fn atom_id(plan_id: &str, url: Option<&str>, commit: &str) -> String {
        match url {
            Some(url) => format!("{url}#{commit}"),
            None => format!("tag:planbook,2026:{plan_id}/{commit}"),
        }
    }
}

/// What the `feed.xml` template receives.
#[derive(serde::Serialize)]
pub(crate) struct Feed<'a> {
    /// The site's title.
    pub title: &'a str,
    /// The site's absolute address, ending in `/`; without it the feed carries no links and
    /// identifies itself by a tag URI.
    pub site_url: Option<&'a str>,
    /// The date of the newest entry (or of the build, when there is none).
    pub updated: &'a str,
    /// The most recent changes across plans, newest first.
    pub entries: &'a [Entry],
}

/// A reassessment event.
pub(crate) struct Event {
    pub uid: String,
    pub date: jiff::civil::Date,
    pub summary: String,
    pub description: String,
    /// The plan page's absolute address, when the site's address is known.
    pub url: Option<String>,
}

/// An iCalendar file (RFC 5545): CRLF line endings, lines folded at 75 octets.
pub(crate) fn ics(stamp: &str, events: &[Event]) -> String {
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
