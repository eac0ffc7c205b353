//! The rules about a plan's substance rather than its shape: placeholders left in, check-ins
//! that cannot be right, outcomes the actuals contradict, help nobody answered.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::check::{Findings, Subject};
use crate::path;
use crate::plan::body::section_key;
use crate::plan::model::{HelpStatus, Outcome, Status};
use crate::plan::yaml::Value;
use crate::plan::{Node, TEMPLATE, TEMPLATE_REGION};
use crate::rules::Rule;

/// Values that stand in for content not yet written.
/// (`na` is not among them: it is how people write North America.)
const PLACEHOLDERS: [&str; 13] = [
    "tbd",
    "tbc",
    "todo",
    "to do",
    "fixme",
    "xxx",
    "n/a",
    "…",
    "...",
    "-",
    "?",
    "to be defined",
    "to be confirmed",
];

/// The template's sample baseline and target of its sample metric.
const TEMPLATE_FIGURES: (f64, f64) = (100_000.0, 150_000.0);

/// How many days after the end of the period a check-in may still record the final actuals.
pub(crate) const CHECKIN_GRACE_DAYS: i64 = 31;

/// Whether `text` is only a placeholder.
pub(crate) fn is_placeholder(text: &str) -> bool {
    let text = text
        .trim()
        .trim_matches(|c: char| c == '*' || c == '_' || c == '`')
        .trim();
    // Compared without lower-casing the text: the placeholders are ASCII (and `…`), and the
    // only other character whose lower case is ASCII is the Kelvin sign, whose `k` none has.
    let is = |text: &str| PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(text));
    is(text) || is(text.trim_end_matches(['.', '!', ':']))
}

/// Text compared as words: lower case, white space collapsed.
fn words(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The template's guidance text of one body section.
struct Guidance {
    /// Finds its first line as written (never empty): a cheap first test, run on every
    /// section of every plan (a vectorised search; `str::contains` was a tenth of `check`).
    first: memchr::memmem::Finder<'static>,
    /// Its whole text as words.
    words: String,
}

/// The template's guidance text of each body section, by section key.
fn guidance() -> &'static HashMap<String, Guidance> {
    static GUIDANCE: OnceLock<HashMap<String, Guidance>> = OnceLock::new();
    GUIDANCE.get_or_init(|| {
        let body = TEMPLATE.split("\n---\n").nth(1).unwrap_or("");
        raw_sections(body)
            .into_iter()
            .filter_map(|(key, raw)| {
                let first = raw.lines().map(str::trim).find(|l| !l.is_empty())?;
                let guidance = Guidance {
                    first: memchr::memmem::Finder::new(first).into_owned(),
                    words: words(raw),
                };
                Some((key, guidance))
            })
            .collect()
    })
}

/// The level-2 sections of a body: `(section key, its text as written)`.
fn raw_sections(body: &str) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    let mut current: Option<(String, usize)> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if let Some(heading) = line.strip_prefix("## ") {
            if let Some((key, start)) = current.take() {
                out.push((key, &body[start..offset]));
            }
            current = Some((section_key(heading.trim_end()), offset + line.len()));
        }
        offset += line.len();
    }
    if let Some((key, start)) = current {
        out.push((key, &body[start.min(body.len())..]));
    }
    out
}

/// `placeholder`: template text, `TBD`-only values and sections, the template's sample figures.
pub(crate) fn placeholder(s: &Subject, f: &mut Findings) {
    let status = s.plan.status.unwrap_or(Status::Draft);
    let strict = status.reached(Status::InReview);
    let found = |f: &mut Findings, span, message: String, help: &str| {
        if strict {
            f.add(Rule::Placeholder, span, message, Some(help.to_string()));
        } else {
            f.warn(Rule::Placeholder, span, message, Some(help.to_string()));
        }
    };
    let mut strings = Vec::new();
    collect_strings(s.front_matter, &mut Vec::new(), &mut strings);
    for (field, node, text) in strings {
        {
            found(
                f,
                node.span,
                format!("`{field}` is a placeholder: \"{text}\""),
                "write what the plan commits to; reviewers cannot assess a placeholder",
            );
        }
    }
    for (i, metric) in s.plan.metrics.iter().enumerate() {
        if (metric.baseline, metric.target) == (Some(TEMPLATE_FIGURES.0), Some(TEMPLATE_FIGURES.1))
        {
            found(
                f,
                s.front_matter.locate(path!["metrics", i, "baseline"]),
                format!(
                    "metric `{}` still has the template's sample figures (baseline 100000, target 150000)",
                    metric.id.as_deref().unwrap_or("?")
                ),
                "replace them with where performance stands and the goal this plan commits to",
            );
        }
    }
    let headings: Vec<_> = s.body.headings.iter().filter(|h| h.level == 2).collect();
    let body_text = s.file.text.get(s.body.offset..).unwrap_or("");
    // The assessment is written at the end: until then its guidance is what it should say.
    let assessment = section_key(crate::check::rules::ASSESSMENT_SECTION);
    for (heading, (key, raw)) in headings.iter().zip(raw_sections(body_text)) {
        if key == assessment && status != Status::Assessed {
            continue;
        }
        let short = raw.trim().len() <= 40;
        let guided = guidance()
            .get(&key)
            .filter(|g| g.first.find(raw.as_bytes()).is_some());
        if !short && guided.is_none() {
            continue;
        }
        let text = words(raw);
        if short && is_placeholder(&text) {
            found(
                f,
                heading.span,
                format!(
                    "the section \"{}\" only says \"{}\"",
                    heading.text,
                    text.trim()
                ),
                "write the section, or leave the heading out while the plan is a draft",
            );
        } else if let Some(guidance) = guided
            && text.contains(guidance.words.as_str())
        {
            found(
                f,
                heading.span,
                format!(
                    "the section \"{}\" still has the template's guidance text",
                    heading.text
                ),
                "replace the guidance with the plan's own text",
            );
        }
    }
}

/// Every string value of the front matter that is a placeholder, with its dotted field name
/// (keyed by ids). Names are only written for the values found.
fn collect_strings<'a>(
    node: &'a Node,
    field: &mut Vec<&'a str>,
    out: &mut Vec<(String, &'a Node, &'a str)>,
) {
    match &node.value {
        Value::String(text)
            if (text.len() <= 40 && is_placeholder(text)) || text == TEMPLATE_REGION =>
        {
            out.push((field.join("."), node, text));
        }
        Value::String(_) => {}
        Value::Map(entries) => {
            for (key, value) in entries {
                // A waiver's reason is the `waiver` rule's: a waiver of `placeholder` must not
                // waive its own placeholder reason.
                if field.is_empty() && key.name == "waivers" {
                    continue;
                }
                field.push(&key.name);
                collect_strings(value, field, out);
                field.pop();
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let id = match item.get("id").map(|n| &n.value) {
                    Some(Value::String(id)) => id.as_str(),
                    _ => INDEXES.get(i).copied().unwrap_or("…"),
                };
                field.push(id);
                collect_strings(item, field, out);
                field.pop();
            }
        }
        _ => {}
    }
}

/// Positions in lists without ids, as field names.
const INDEXES: [&str; 16] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
];

/// `checkin-date`: a check-in or a reassessment before the start, more than a month after the
/// end, or in the future.
pub(crate) fn checkin_date(s: &Subject, f: &mut Findings) {
    let period = s.plan.period.as_ref();
    let start = period.and_then(|p| p.start);
    let end = period.and_then(|p| p.end);
    let checkins = s
        .plan
        .checkins
        .iter()
        .enumerate()
        .map(|(i, c)| ("checkins", "check-in", i, c.date));
    let reassessments = s
        .plan
        .reassessments
        .iter()
        .enumerate()
        .map(|(i, r)| ("reassessments", "reassessment", i, r.date));
    for (list, what, i, date) in checkins.chain(reassessments) {
        let Some(date) = date else { continue };
        let span = s.front_matter.locate(path![list, i, "date"]);
        let late = end.and_then(|end| {
            end.checked_add(jiff::Span::new().days(CHECKIN_GRACE_DAYS))
                .ok()
        });
        let problem = if date > s.as_of {
            Some(format!(
                "the {what} of {date} is in the future (today is {})",
                s.as_of
            ))
        } else if let Some(start) = start.filter(|start| date < *start) {
            Some(format!(
                "the {what} of {date} is before the plan starts on {start}"
            ))
        } else if let (Some(end), Some(_)) = (end, late.filter(|late| date > *late)) {
            Some(format!(
                "the {what} of {date} is more than {CHECKIN_GRACE_DAYS} days after the plan ends on {end}"
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            f.add(
                Rule::CheckinDate,
                span,
                message,
                Some(if list == "checkins" {
                    "date each check-in on the day its actuals were measured, within the plan period"
                } else {
                    "date the reassessment on the day it was decided, within the plan period"
                }.to_string()),
            );
        }
    }
}

/// `checkin-actuals`: a check-in without an actual for the primary metric.
pub(crate) fn checkin_actuals(s: &Subject, f: &mut Findings) {
    let Some(primary) = s.plan.primary_metric().and_then(|m| m.id.as_deref()) else {
        return;
    };
    for (i, checkin) in s.plan.checkins.iter().enumerate() {
        if checkin.actuals.contains_key(primary) {
            continue;
        }
        let span = if checkin.actuals.is_empty() {
            s.front_matter.locate(path!["checkins", i, "date"])
        } else {
            s.front_matter.locate_key(path!["checkins", i, "actuals"])
        };
        f.add(
            Rule::CheckinActuals,
            span,
            format!(
                "the check-in of {} records no actual for the primary metric `{primary}`",
                checkin.date.map(|d| d.to_string()).unwrap_or_default()
            ),
            Some(format!(
                "add `{primary}: <value>` under `actuals:`; progress is measured from it"
            )),
        );
    }
}

/// `outcome-vs-actuals`: `met` while the primary metric's actuals miss the target, or
/// `missed` while they reach it.
pub(crate) fn outcome_vs_actuals(s: &Subject, f: &mut Findings) {
    let (Some(outcome), Some(Status::Assessed)) = (s.plan.outcome, s.plan.status) else {
        return;
    };
    let Some(metric) = s.plan.primary_metric() else {
        return;
    };
    let (Some(target), Some(direction)) = (metric.target, metric.direction) else {
        return;
    };
    let Some(actual) = s.plan.aggregate(metric) else {
        // An outcome nothing measured is an opinion.
        let id = metric.id.as_deref().unwrap_or("?");
        f.add(
            Rule::OutcomeVsActuals,
            s.front_matter.locate(path!["outcome"]),
            format!(
                "the outcome is `{}`, but no check-in records an actual for the primary metric `{id}`",
                outcome_name(outcome)
            ),
            Some(format!(
                "add a check-in dated at the end of the period with `actuals: {{{id}: <value>}}`"
            )),
        );
        return;
    };
    let reached = actual == target || direction.better(actual, target);
    let contradicts = match outcome {
        Outcome::Met => !reached,
        Outcome::Missed => reached,
        Outcome::PartiallyMet => false,
    };
    if !contradicts {
        return;
    }
    let number = crate::check::rules::number;
    f.add(
        Rule::OutcomeVsActuals,
        s.front_matter.locate(path!["outcome"]),
        format!(
            "the outcome is `{}`, but the {} of `{}`'s actuals is {} against a target of {}",
            outcome_name(outcome),
            metric.aggregate.as_str(),
            metric.id.as_deref().unwrap_or("?"),
            number(actual),
            number(target)
        ),
        Some("record the final actuals in a check-in, or state the outcome they show (set the metric's `aggregate` if its actuals add up, e.g. `sum` for monthly bookings against a quarterly target)".to_string()),
    );
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Met => "met",
        Outcome::Missed => "missed",
        Outcome::PartiallyMet => "partially_met",
    }
}

/// `help-unanswered`: a request for help still `requested` after its `by` date.
pub(crate) fn help_unanswered(s: &Subject, f: &mut Findings) {
    if matches!(s.plan.status, Some(Status::Assessed | Status::Withdrawn)) {
        return;
    }
    for (i, help) in s.plan.help_needed.iter().flatten().enumerate() {
        let Some(by) = help.by else { continue };
        if help.status != HelpStatus::Requested || by >= s.as_of {
            continue;
        }
        f.add(
            Rule::HelpUnanswered,
            s.front_matter.locate(path!["help_needed", i, "by"]),
            format!(
                "the help asked of `{}` by {by} is still requested",
                help.from.as_deref().unwrap_or("?")
            ),
            Some(
                "follow it up, and record the answer: `status: agreed`, `delivered` or `declined`"
                    .to_string(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_guidance() {
        assert!(is_placeholder("TBD"));
        assert!(is_placeholder(" todo. "));
        assert!(is_placeholder("**TBD**"));
        assert!(!is_placeholder("TBD with finance by March"));
        // Trailing punctuation is trimmed however long it runs.
        assert!(is_placeholder("TBD..............................!"));
        assert!(!is_placeholder("To be confirmed by the regional VP."));
        assert!(!is_placeholder("NA"), "North America");
        // The same answers as lower-casing the whole text first.
        let lowered = |text: &str| {
            let text = text
                .trim()
                .trim_matches(|c: char| c == '*' || c == '_' || c == '`')
                .trim()
                .to_lowercase();
            PLACEHOLDERS.contains(&text.as_str())
                || PLACEHOLDERS.contains(&text.trim_end_matches(['.', '!', ':']))
        };
        for text in [
            "TBD",
            "Tbc.",
            "TO DO",
            "To Be Defined",
            "…",
            "...",
            "-",
            "?",
            "N/A",
            "\u{212A}",
            "FIXME!",
            "xXx:",
            "tbd?",
            "İ",
            "TODO list",
            "",
            "  ",
            "**",
            "Ⅹ",
        ] {
            assert_eq!(is_placeholder(text), lowered(text), "{text:?}");
        }
        assert!(guidance().contains_key(&section_key("Summary")));
        assert!(guidance().contains_key(&section_key("Recent challenges")));
    }
}
