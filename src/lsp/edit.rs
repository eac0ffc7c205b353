//! What the language server offers at a position: completion, hover, code actions, go to
//! definition, and findings in the protocol's shape.

use serde_json::{Value, json};

use super::{Server, severity, uri_of};
use crate::check::rules::{ALWAYS_SECTIONS, REVIEW_SECTIONS};
use crate::diagnostic::Diagnostic;
use crate::plan::model::{FIELDS, Function, Status};
use crate::plan::{People, Plan};
use crate::rules::Rule;

const STATUSES: [&str; 6] = [
    "draft",
    "in_review",
    "approved",
    "active",
    "assessed",
    "withdrawn",
];
const ACTIVITY_STATUSES: [&str; 5] = ["planned", "in_progress", "done", "blocked", "dropped"];
const OUTCOMES: [&str; 3] = ["met", "partially_met", "missed"];
const UNITS: [&str; 5] = ["currency", "percent", "count", "days", "ratio"];
const DIRECTIONS: [&str; 2] = ["increase", "decrease"];
const VISIBILITIES: [&str; 2] = ["internal", "restricted"];

/// The character index (from 0) of protocol column `character` in `line`.
pub(crate) fn column_of(line: &str, character: usize, utf16: bool) -> usize {
    if !utf16 {
        return character.min(line.chars().count());
    }
    let mut units = 0;
    for (i, c) in line.chars().enumerate() {
        if units >= character {
            return i;
        }
        units += c.len_utf16();
    }
    line.chars().count()
}

/// The protocol column of character index `column` (from 0) in `line`.
fn character_of(line: &str, column: usize, utf16: bool) -> usize {
    if !utf16 {
        return column;
    }
    line.chars().take(column).map(char::len_utf16).sum()
}

/// A finding as the protocol publishes it: the same rule, place and message as `check`.
pub(crate) fn diagnostic(d: &Diagnostic, text: &str, utf16: bool) -> Value {
    let position = |line: u32, column: u32| {
        let index = line.saturating_sub(1) as usize;
        let source = text.lines().nth(index).unwrap_or("");
        // Findings count columns without a byte-order mark; the editor's text has it.
        let bom = usize::from(index == 0 && source.starts_with('\u{feff}'));
        json!({
            "line": index,
            "character": character_of(source, column.saturating_sub(1) as usize + bom, utf16),
        })
    };
    let end_line = d.span.end_line.max(d.span.line);
    let end_column = if end_line == d.span.line {
        d.span.end_column.max(d.span.column)
    } else {
        d.span.end_column
    };
    json!({
        "range": {
            "start": position(d.span.line, d.span.column),
            "end": position(end_line, end_column),
        },
        "severity": severity(d.severity),
        "code": d.rule.name(),
        "codeDescription": {"href": d.rule.help_uri()},
        "source": "planbook",
        "message": d.message,
        "data": {"help": d.help, "line": d.span.line, "column": d.span.column},
    })
}

/// Where the front matter ends: the index of its closing `---` line, if it is closed.
fn front_matter_end(text: &str) -> Option<usize> {
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    lines.position(|l| l.trim_end() == "---").map(|i| i + 1)
}

/// The word (id characters) around character `column` of `line`.
fn word_at(line: &str, column: usize) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    let is_id = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut start = column.min(chars.len());
    while start > 0 && is_id(chars[start - 1]) {
        start -= 1;
    }
    let mut end = column.min(chars.len());
    while end < chars.len() && is_id(chars[end]) {
        end += 1;
    }
    (start < end).then(|| {
        chars[start..end]
            .iter()
            .collect::<String>()
            .trim_end_matches('.')
            .to_string()
    })
}

fn item(label: &str, kind: u8, detail: Option<String>, insert: Option<String>) -> Value {
    let mut item = json!({"label": label, "kind": kind});
    if let Some(detail) = detail {
        item["detail"] = Value::String(detail);
    }
    if let Some(insert) = insert {
        item["insertText"] = Value::String(insert);
    }
    item
}

/// Completion kinds of the protocol.
const KIND_FIELD: u8 = 5;
const KIND_VALUE: u8 = 12;
const KIND_REFERENCE: u8 = 18;
const KIND_SNIPPET: u8 = 15;

fn people_items(people: &People) -> Vec<Value> {
    people
        .by_id
        .iter()
        .map(|(id, p)| {
            let detail = match &p.title {
                Some(title) => format!("{} · {title}", p.name),
                None => p.name.clone(),
            };
            item(id, KIND_REFERENCE, Some(detail), None)
        })
        .collect()
}

fn values(list: &[&str]) -> Vec<Value> {
    list.iter()
        .map(|v| item(v, KIND_VALUE, None, None))
        .collect()
}

/// Completion at character `column` of line `line` (both from 0).
pub(crate) fn completion(server: &mut Server, uri: &str, line: usize, column: usize) -> Vec<Value> {
    let Some(document) = server.documents.get(uri) else {
        return Vec::new();
    };
    let text = document.text.clone();
    let source = text.lines().nth(line).unwrap_or("");
    let prefix: String = source.chars().take(column).collect();
    let plan = server.plan_of(uri).and_then(|f| f.plan);
    let people = server
        .repo
        .as_ref()
        .map(|r| r.people.clone())
        .unwrap_or_default();
    let in_front = front_matter_end(&text).is_some_and(|end| line > 0 && line < end);
    if !in_front {
        return if prefix.trim_start().starts_with('#') || prefix.trim().is_empty() {
            missing_sections(&text, plan.as_deref())
                .into_iter()
                .map(|s| {
                    item(
                        &format!("## {s}"),
                        KIND_SNIPPET,
                        Some("a section this plan needs".into()),
                        Some(format!("## {s}\n\n")),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
    }
    let indent = prefix.len() - prefix.trim_start().len();
    let trimmed = prefix.trim_start().trim_start_matches("- ");
    let key = trimmed.split_once(':').map(|(k, _)| k.trim());
    let metric_ids = || -> Vec<Value> {
        plan.iter()
            .flat_map(|p| p.metrics.iter())
            .filter_map(|m| {
                let id = m.id.as_deref()?;
                Some(item(id, KIND_REFERENCE, m.name.clone(), None))
            })
            .collect()
    };
    match key {
        Some("owner" | "sponsor" | "person") => people_items(&people),
        Some("from") => {
            let mut items = people_items(&people);
            items.extend(values(&Function::NAMES));
            items
        }
        Some("status") if indent == 0 => values(&STATUSES),
        Some("status") => values(&ACTIVITY_STATUSES),
        Some("outcome") => values(&OUTCOMES),
        Some("unit") => values(&UNITS),
        Some("direction") => values(&DIRECTIONS),
        Some("function") => values(&Function::NAMES),
        Some("visibility") => values(&VISIBILITIES),
        Some("metrics") if indent > 0 => metric_ids(),
        Some("actuals") => metric_ids()
            .into_iter()
            .map(|mut i| {
                let label = i["label"].as_str().unwrap_or_default().to_string();
                i["insertText"] = Value::String(format!("{label}: "));
                i
            })
            .collect(),
        Some("supersedes") => server
            .plans
            .iter()
            .filter_map(|p| p.plan.as_ref()?.id.clone())
            .map(|id| item(&id, KIND_REFERENCE, None, None))
            .collect(),
        None if indent == 0 => {
            let present: Vec<&str> = text
                .lines()
                .take(front_matter_end(&text).unwrap_or(0))
                .filter_map(|l| l.split_once(':').map(|(k, _)| k))
                .collect();
            FIELDS
                .iter()
                .filter(|f| !present.contains(f))
                .map(|f| item(f, KIND_FIELD, None, Some(format!("{f}: "))))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The body sections the plan's status requires that its text lacks.
fn missing_sections(text: &str, plan: Option<&Plan>) -> Vec<String> {
    let status = plan.and_then(|p| p.status).unwrap_or(Status::Draft);
    let mut needed: Vec<&str> = ALWAYS_SECTIONS.to_vec();
    if status.reached(Status::InReview) && status != Status::Withdrawn {
        needed.extend(REVIEW_SECTIONS);
    }
    if status == Status::Assessed {
        needed.push("Assessment");
    }
    let start = front_matter_end(text).map_or(0, |e| e + 1);
    let present: Vec<String> = text
        .lines()
        .skip(start)
        .filter_map(|l| l.strip_prefix("## "))
        .map(crate::plan::body::section_key)
        .collect();
    needed
        .into_iter()
        .filter(|s| !present.contains(&crate::plan::body::section_key(s)))
        .map(str::to_string)
        .collect()
}

/// Hover text (Markdown) at character `column` of line `line`.
pub(crate) fn hover(server: &mut Server, uri: &str, line: usize, column: usize) -> Option<String> {
    let text = server.documents.get(uri)?.text.clone();
    let source = text.lines().nth(line).unwrap_or("");
    let mut parts = Vec::new();
    if let Some(word) = word_at(source, column) {
        if let Some(person) = server.repo.as_ref().and_then(|r| r.people.get(&word)) {
            let mut text = format!("**{}**", person.name);
            if let Some(title) = &person.title {
                text.push_str(&format!(" — {title}"));
            }
            if !person.roles.is_empty() {
                text.push_str(&format!("\n\nroles: {}", person.roles.join(", ")));
            }
            parts.push(text);
        }
        if let Some(plan) = server.plan_of(uri).and_then(|f| f.plan)
            && let Some(metric) = plan.metrics.iter().find(|m| m.id.as_deref() == Some(&word))
        {
            let number = |v: Option<f64>| v.map_or("—".to_string(), crate::check::rules::number);
            let mut text = format!(
                "**{}**\n\nbaseline {} · expected {} · target {}",
                metric.name.as_deref().unwrap_or(&word),
                number(metric.baseline),
                number(metric.expected),
                number(metric.target)
            );
            if let Some(definition) = &metric.definition {
                text.push_str(&format!("\n\n{definition}"));
            }
            parts.push(text);
        }
    }
    // The findings at this place: their rule's explanation.
    let found = server.published.get(uri).cloned().unwrap_or_default();
    for d in found.iter().filter(|d| {
        let l = line as u32 + 1;
        let c = column as u32 + 1;
        (d.span.line..=d.span.end_line.max(d.span.line)).contains(&l)
            && (d.span.line != l || c >= d.span.column)
            && (d.span.end_line != l || c <= d.span.end_column.max(d.span.column))
    }) {
        let mut text = format!("**{}**: {}", d.rule.name(), d.message);
        if let Some(help) = &d.help {
            text.push_str(&format!("\n\nhelp: {help}"));
        }
        text.push_str(&format!("\n\n{}", explanation(d.rule)));
        parts.push(text);
    }
    (!parts.is_empty()).then(|| parts.join("\n\n---\n\n"))
}

fn explanation(rule: Rule) -> String {
    rule.explanation().replace("### ", "#### ")
}

/// The skeleton of a front-matter field a status requires.
fn skeleton(field: &str) -> Option<&'static str> {
    Some(match field {
        "sponsor" => "sponsor: \n",
        "team" => "team:\n  - person: \n    role: \n    function: \n",
        "investment" => "investment:\n  budget: \n  days: \n",
        "help_needed" => "help_needed: []\n",
        "analysis" => {
            "analysis:\n  win_loss:\n    summary: \n  team_comparison:\n    summary: \n  baseline_360:\n    summary: \n"
        }
        "consequences" => "consequences:\n  on_miss: \n  incentive: \n",
        "signoffs" => "signoffs:\n  - person: \n    role: \n    date: \n",
        "outcome" => "outcome: \n",
        _ => return None,
    })
}

fn insert(uri: &str, line: usize, text: &str) -> Value {
    json!({"changes": {uri: [{
        "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
        "newText": text,
    }]}})
}

/// Code actions for a document: the sections and fields its status requires, and a check-in
/// for today.
pub(crate) fn actions(server: &mut Server, uri: &str) -> Vec<Value> {
    let Some(text) = server.documents.get(uri).map(|d| d.text.clone()) else {
        return Vec::new();
    };
    let Some(file) = server.plan_of(uri) else {
        return Vec::new();
    };
    let plan = file.plan.as_deref();
    let mut out = Vec::new();
    let lines = text.lines().count();
    let missing = missing_sections(&text, plan);
    if !missing.is_empty() {
        let mut body = String::new();
        if !text.ends_with('\n') && !text.is_empty() {
            body.push('\n');
        }
        for section in &missing {
            body.push_str(&format!("\n## {section}\n\n"));
        }
        out.push(json!({
            "title": format!("Add the missing sections: {}", missing.join(", ")),
            "kind": "quickfix",
            "edit": insert(uri, lines, &body),
        }));
    }
    let Some(end) = front_matter_end(&text) else {
        return out;
    };
    let published = server.published.get(uri).cloned().unwrap_or_default();
    let mut fields: Vec<String> = published
        .iter()
        .filter(|d| d.rule == Rule::RequiredForStatus)
        .filter_map(|d| {
            let rest = d.message.strip_prefix('`')?;
            Some(rest[..rest.find('`')?].to_string())
        })
        .filter(|f| skeleton(f).is_some())
        .collect();
    fields.sort();
    fields.dedup();
    for field in fields {
        if let Some(skeleton) = skeleton(&field) {
            out.push(json!({
                "title": format!("Add `{field}`"),
                "kind": "quickfix",
                "edit": insert(uri, end, skeleton),
            }));
        }
    }
    // A check-in for today with every metric, at the end of `checkins:` (or a new list).
    let today = jiff::ZonedDateTime::now().date();
    let actuals: Vec<String> = plan
        .iter()
        .flat_map(|p| p.metrics.iter())
        .filter_map(|m| m.id.clone())
        .map(|id| format!("{id}: "))
        .collect();
    let entry = format!(
        "  - date: {today}\n    actuals: {{ {} }}\n    confidence: \n    note: \n",
        actuals.join(", ")
    );
    let all: Vec<&str> = text.lines().collect();
    let (line, new_text) = match all[..end.min(all.len())]
        .iter()
        .position(|l| l.trim_end() == "checkins:")
    {
        Some(start) => {
            let after = all[start + 1..end]
                .iter()
                .position(|l| !l.is_empty() && !l.starts_with([' ', '-']))
                .map_or(end, |i| start + 1 + i);
            (after, entry)
        }
        None => (end, format!("checkins:\n{entry}")),
    };
    out.push(json!({
        "title": format!("Add a check-in for {today}"),
        "kind": "refactor",
        "edit": insert(uri, line, &new_text),
    }));
    out
}

/// Go to definition: a person id leads to `people.yaml`, `supersedes` to the plan it names.
pub(crate) fn definition(
    server: &mut Server,
    uri: &str,
    line: usize,
    column: usize,
) -> Option<Value> {
    let text = server.documents.get(uri)?.text.clone();
    let source = text.lines().nth(line)?;
    let word = word_at(source, column)?;
    let repo = server.repo.as_ref()?;
    if repo.people.contains(&word) {
        let path = repo.root.join(&repo.config.people);
        let people_text = std::fs::read_to_string(&path).unwrap_or_default();
        let (line, _) = repo.people.position(&people_text, &word);
        return Some(json!({
            "uri": uri_of(&path),
            "range": {"start": {"line": line - 1, "character": 0}, "end": {"line": line - 1, "character": word.chars().count()}},
        }));
    }
    if source.trim_start().starts_with("supersedes:") {
        let plan = server
            .plans
            .iter()
            .find(|p| p.plan.as_ref().and_then(|p| p.id.as_deref()) == Some(word.as_str()))?;
        return Some(json!({
            "uri": uri_of(&repo.root.join(&plan.path)),
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
        }));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_utf16_and_characters() {
        let line = "title: Café 😀 plan";
        // 😀 is two UTF-16 units.
        assert_eq!(column_of(line, 14, true), 13);
        assert_eq!(character_of(line, 13, true), 14);
        assert_eq!(column_of(line, 13, false), 13);
        assert_eq!(
            word_at("  owner: jonas.weber", 12).as_deref(),
            Some("jonas.weber")
        );
    }
}
