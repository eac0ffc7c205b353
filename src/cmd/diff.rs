//! `planbook diff BASE [HEAD]`: what a change does to the plans, for reviewers.

use std::fmt::Write as _;

use crate::ExitStatus;
use crate::cli::{DiffArgs, DiffFormat};
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::history::FieldChange;
use crate::report::escape;
use crate::review::{self, PlanChange, PlanChangeKind, Review};

pub(crate) fn run(ctx: &Context, args: &DiffArgs) -> Result<ExitStatus, Error> {
    let repo = ctx.repo()?;
    let review = review::review(&repo, &args.base, args.head.as_deref())?;
    match args.format {
        DiffFormat::Markdown => cmd::print(&markdown(&review, &repo.config.signoff))?,
        DiffFormat::Json => cmd::print_json(&review)?,
    }
    Ok(ExitStatus::Success)
}

/// Longest value shown in a table cell, in characters; longer ones end with `…`.
const MAX_CELL_CHARS: usize = 120;

/// The change as a Markdown comment for a pull request. Everything taken from plans and the
/// repository (titles, ids, paths, values, section names) is escaped with
/// [`escape::markdown`], so plan text shows as text: it cannot add links, images, HTML,
/// headings or table cells to the comment.
pub(crate) fn markdown(review: &Review, policy: &crate::config::SignoffPolicy) -> String {
    let mut out = String::from("## Plan changes\n\n");
    if !review.identity.is_empty() {
        out.push_str("### ⚠ Identities and sign-off policy\n\n");
        for change in &review.identity {
            let _ = writeln!(
                out,
                "- {} line {}: {}",
                code(&change.file),
                change.line,
                escape::markdown(&change.message)
            );
        }
        out.push_str("\nSign-offs in this change are verified with people and policy as they were at the base.\n\n");
    }
    let (base, head) = (code(&review.base), code(&review.head));
    if review.plans.is_empty() {
        let _ = writeln!(out, "No plan changed between {base} and {head}.");
        return out;
    }
    let _ = writeln!(
        out,
        "{} plan{} changed between {base} and {head}.\n",
        review.plans.len(),
        if review.plans.len() == 1 { "" } else { "s" },
    );
    for plan in &review.plans {
        let what = match plan.change {
            PlanChangeKind::Added => "new plan".to_string(),
            PlanChangeKind::Removed => "removed".to_string(),
            PlanChangeKind::Renamed => format!(
                "moved from {}",
                code(plan.old_path.as_deref().unwrap_or(""))
            ),
            PlanChangeKind::Modified => "changed".to_string(),
        };
        let _ = writeln!(
            out,
            "### {} ({}): {what}\n",
            escape::markdown(&plan.title),
            code(&plan.id)
        );
        let lines = headlines(plan, policy);
        for line in &lines {
            let _ = writeln!(out, "- {line}");
        }
        if !lines.is_empty() {
            out.push('\n');
        }
        if !plan.changes.is_empty() {
            out.push_str("| Field | Before | After |\n|---|---|---|\n");
            for change in &plan.changes {
                match change {
                    FieldChange::Body { sections, .. } => {
                        let _ = writeln!(
                            out,
                            "| text | | sections changed: {} |",
                            cell(&sections.join(", "))
                        );
                    }
                    FieldChange::Field { field, from, to } => {
                        let _ = writeln!(
                            out,
                            "| {} | {} | {} |",
                            code(field),
                            cell(&value(from)),
                            cell(&value(to))
                        );
                    }
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Short sentences for what a reviewer must look at first.
fn headlines(plan: &PlanChange, policy: &crate::config::SignoffPolicy) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(new) = &plan.new_plan {
        out.extend(new_plan(new, policy));
    }
    for change in &plan.changes {
        let FieldChange::Field { field, from, to } = change else {
            continue;
        };
        let (added, removed) = (from.is_null(), to.is_null());
        if let Some(who) = field.strip_prefix("signoffs.") {
            let who = escape::markdown(who);
            match (added, removed) {
                (true, false) => out.push(format!("Sign-off added: {who}")),
                (false, true) => out.push(format!("Sign-off removed: {who}")),
                _ => out.push(format!("Sign-off by {who} changed")),
            }
            continue;
        }
        match field.split('.').collect::<Vec<_>>().as_slice() {
            ["waivers"] | ["waivers", _] => {
                out.extend(waiver_headlines(from, to));
                continue;
            }
            ["waivers", rule, key] => {
                out.push(format!(
                    "**Waiver of {}** {key} {} → {}",
                    code(rule),
                    text(from),
                    text(to)
                ));
                continue;
            }
            _ => {}
        }
        let (from, to) = (text(from), text(to));
        let parts: Vec<&str> = field.split('.').collect();
        match parts.as_slice() {
            ["status"] => out.push(format!("**Status** {from} → {to}")),
            ["metrics", id, key @ ("target" | "baseline" | "expected")] => {
                out.push(format!("**{key} of {}** {from} → {to}", code(id)));
            }
            ["period", key] => out.push(format!("**{} date** {from} → {to}", code(key))),
            ["activities", id] if added => {
                out.push(format!("Activity {} added", code(id)));
            }
            ["activities", id] if removed => {
                out.push(format!("Activity {} removed", code(id)));
            }
            ["activities", id, "owner"] => {
                out.push(format!("Activity {} reassigned {from} → {to}", code(id)));
            }
            ["activities", id, "due"] => {
                out.push(format!("Activity {} re-dated {from} → {to}", code(id)));
            }
            ["investment", key] => {
                out.push(format!("**Investment {}** {from} → {to}", code(key)));
            }
            _ => {}
        }
    }
    for stale in &plan.signoffs.stale {
        out.push(format!(
            "⚠ The sign-off by {} ({}) is made stale: {} changed; it no longer counts until renewed",
            escape::markdown(&stale.person),
            escape::markdown(&stale.date),
            escape::markdown(&stale.changed.join(", "))
        ));
    }
    out
}

/// What a new plan commits to, as the review of its pull request reads it first.
fn new_plan(new: &crate::review::NewPlan, policy: &crate::config::SignoffPolicy) -> Vec<String> {
    let mut out = Vec::new();
    let or_none = |v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "—".to_string(), escape::markdown)
    };
    out.push(format!(
        "**Owner** {} · **sponsor** {} · **status** {}",
        or_none(&new.owner),
        or_none(&new.sponsor),
        or_none(&new.status)
    ));
    if !new.scope.is_empty() {
        let scope: Vec<String> = new.scope.iter().map(|s| escape::markdown(s)).collect();
        out.push(format!("**Scope** {}", scope.join(" · ")));
    }
    if let Some(period) = &new.period {
        let date = |k: &str| period.get(k).map_or_else(|| "—".to_string(), text);
        out.push(format!(
            "**Period** {} → {} (reassessed {})",
            date("start"),
            date("end"),
            date("reassess")
        ));
    }
    let currency = new.currency.as_deref().map(escape::markdown);
    for (i, (id, baseline, target)) in new.metrics.iter().enumerate() {
        out.push(format!(
            "**{} {}** {} → {}",
            if i == 0 { "Primary metric" } else { "Metric" },
            code(id),
            text(baseline),
            text(target)
        ));
    }
    if let Some(investment) = &new.investment {
        let part = |k: &str| investment.get(k).map(text);
        let mut parts = Vec::new();
        if let Some(budget) = part("budget") {
            parts.push(match &currency {
                Some(c) => format!("{c} {budget}"),
                None => budget,
            });
        }
        if let Some(days) = part("days") {
            parts.push(format!("{days} days"));
        }
        if !parts.is_empty() {
            out.push(format!("**Investment** {}", parts.join(", ")));
        }
    }
    if let Some(waivers) = &new.waivers {
        out.extend(waiver_headlines(&serde_json::Value::Null, waivers));
    }
    out.push(match new.signoffs {
        0 => format!("**Sign-offs** none yet: {}", still_needed(policy)),
        n => format!("**Sign-offs** {n} listed (each verified by `planbook check`)"),
    });
    out
}

/// What the sign-off policy asks of a plan before it counts as approved, in words.
fn still_needed(policy: &crate::config::SignoffPolicy) -> String {
    let people = if policy.min == 1 {
        "1 person".to_string()
    } else {
        format!("{} people", policy.min)
    };
    let roles: Vec<String> = policy.required_roles.iter().map(|r| code(r)).collect();
    match roles.len() {
        0 => format!("approval needs sign-offs from {people}"),
        _ => format!(
            "approval needs sign-offs from {people}, including someone with the role {}",
            roles.join(" and someone with the role ")
        ),
    }
}

/// What a change to waivers does: each waiver added, removed or changed, with who granted it
/// and why (a reviewer accepts the finding by signing off).
fn waiver_headlines(from: &serde_json::Value, to: &serde_json::Value) -> Vec<String> {
    let list = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        match v {
            serde_json::Value::Array(items) => items.clone(),
            serde_json::Value::Null => Vec::new(),
            one => vec![one.clone()],
        }
    };
    let (before, after) = (list(from), list(to));
    let rule = |w: &serde_json::Value| w.get("rule").map(text).unwrap_or_default();
    let describe = |w: &serde_json::Value| {
        format!(
            "{} by {}: {}",
            code(&rule(w)),
            w.get("by").map(text).unwrap_or_default(),
            w.get("reason").map(text).unwrap_or_default()
        )
    };
    let mut out = Vec::new();
    for w in &after {
        match before.iter().find(|b| rule(b) == rule(w)) {
            None => out.push(format!("**Waiver added** {}", describe(w))),
            Some(b) if b != w => out.push(format!("**Waiver changed** {}", describe(w))),
            Some(_) => {}
        }
    }
    for b in &before {
        if !after.iter().any(|w| rule(w) == rule(b)) {
            out.push(format!("**Waiver removed** {}", code(&rule(b))));
        }
    }
    out
}

/// A value as plain text, before escaping: `—` for nothing, maps and lists as JSON.
fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
            serde_json::to_string(v).unwrap_or_default()
        }
        other => other.to_string(),
    }
}

/// A value in a sentence: shortened like a cell, escaped.
fn text(v: &serde_json::Value) -> String {
    cell(&value(v))
}

/// A value in a table cell: shortened, escaped (line breaks become spaces).
fn cell(text: &str) -> String {
    if text.chars().count() > MAX_CELL_CHARS {
        let short: String = text.chars().take(MAX_CELL_CHARS - 3).collect();
        format!("{}…", escape::markdown(&short))
    } else {
        escape::markdown(text)
    }
}

/// A name (id, path, field, revision) as code when it can be one safely, else as escaped text:
/// a backtick or line break would end a code span early and let the rest through as markup.
fn code(name: &str) -> String {
    if name.is_empty() || name.contains('`') || name.chars().any(char::is_control) {
        escape::markdown(name)
    } else {
        format!("`{name}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_text_cannot_add_markup() {
        let review = Review {
            base: "main".into(),
            head: "HEAD".into(),
            plans: vec![PlanChange {
                id: "x`<img src=y>".into(),
                title: "[click](https://evil.example) <b>x</b>".into(),
                change: PlanChangeKind::Modified,
                path: "plans/x.md".into(),
                old_path: None,
                changes: vec![FieldChange::Field {
                    field: "status".into(),
                    from: serde_json::json!("draft"),
                    to: serde_json::json!("![i](https://evil.example/i.png)\n# heading | cell"),
                }],
                signoffs: Default::default(),
                new_plan: None,
            }],
            identity: vec![crate::review::IdentityChange {
                file: "people.yaml".into(),
                line: 3,
                message: "[x](https://evil.example)".into(),
            }],
        };
        let md = markdown(&review, &crate::config::SignoffPolicy::default());
        for bad in ["](", "![", "\n# heading", " | cell"] {
            assert!(!md.contains(bad), "{bad} in {md}");
        }
        // Every `<` is escaped, so none starts an HTML tag.
        assert!(
            md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
            "{md}"
        );
        assert!(md.contains("**Status** draft → "), "{md}");
    }
}
