//! What needs a sales leader's action across the portfolio, most pressing first: plans behind
//! or at risk on their primary metric, reassessments and assessments due within
//! [`DUE_WITHIN_DAYS`] days or overdue, plans in review waiting for sign-offs (naming whom),
//! overdue check-ins, and help asked for by a date that has passed and still only requested.
//! One list for `planbook status --attention` and the site's index.

use jiff::civil::Date;
use serde::Serialize;

use crate::config::SignoffPolicy;
use crate::plan::model::{Function, HelpStatus, Plan, Status};
use crate::plan::{People, progress};

/// How far ahead a reassessment or assessment is listed.
pub(crate) const DUE_WITHIN_DAYS: i64 = 14;

/// What kind of action an item asks for, in the order the list gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum AttentionKind {
    Behind,
    AtRisk,
    ReassessmentDue,
    AssessmentDue,
    SignoffAwaited,
    CheckinOverdue,
    HelpOverdue,
}

impl AttentionKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AttentionKind::Behind => "behind",
            AttentionKind::AtRisk => "at-risk",
            AttentionKind::ReassessmentDue => "reassessment-due",
            AttentionKind::AssessmentDue => "assessment-due",
            AttentionKind::SignoffAwaited => "signoff-awaited",
            AttentionKind::CheckinOverdue => "checkin-overdue",
            AttentionKind::HelpOverdue => "help-overdue",
        }
    }

    /// The kind as a heading: "Sign-off awaited".
    pub(crate) fn label(self) -> &'static str {
        match self {
            AttentionKind::Behind => "Behind",
            AttentionKind::AtRisk => "At risk",
            AttentionKind::ReassessmentDue => "Reassessment due",
            AttentionKind::AssessmentDue => "Assessment due",
            AttentionKind::SignoffAwaited => "Sign-off awaited",
            AttentionKind::CheckinOverdue => "Check-in overdue",
            AttentionKind::HelpOverdue => "Help overdue",
        }
    }
}

/// One thing that needs action.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Item {
    /// The plan's id.
    pub(crate) plan: String,
    pub(crate) title: String,
    pub(crate) kind: AttentionKind,
    /// What is the matter, in a sentence that names people by name.
    pub(crate) message: String,
    /// The date it is or was due, if it has one.
    pub(crate) date: Option<Date>,
    /// The people asked to act, by id.
    pub(crate) people: Vec<String>,
}

/// Everything in `plans` (id, plan) that needs action on `today`, most pressing kind first,
/// then in the order the plans were given.
pub(crate) fn list(
    plans: &[(&str, &Plan)],
    people: &People,
    policy: &SignoffPolicy,
    today: Date,
) -> Vec<Item> {
    let mut out = Vec::new();
    for (id, plan) in plans {
        out.extend(of(id, plan, people, policy, today));
    }
    in_order(&mut out);
    out
}

/// Puts items gathered plan by plan (in the order of the plans) in the order [`list`] gives:
/// most pressing kind first, then in the order of the plans.
pub(crate) fn in_order<T: std::borrow::Borrow<Item>>(items: &mut [T]) {
    items.sort_by_key(|i| i.borrow().kind);
}

/// What needs action in one plan (`id`), in the order [`list`] gives within a kind.
pub(crate) fn of(
    id: &str,
    plan: &Plan,
    people: &People,
    policy: &SignoffPolicy,
    today: Date,
) -> Vec<Item> {
    let mut out = Vec::new();
    let status = plan.status.unwrap_or(Status::Draft);
    let title = plan.title.clone().unwrap_or_else(|| id.to_string());
    let mut add = |kind: AttentionKind, message: String, date: Option<Date>, who: Vec<String>| {
        out.push(Item {
            plan: id.to_string(),
            title: title.clone(),
            kind,
            message,
            date,
            people: who,
        });
    };
    let running = matches!(status, Status::Approved | Status::Active);
    let owner = plan.owner.clone().into_iter().collect::<Vec<_>>();

    if running && let Some(metric) = plan.primary_metric() {
        let p = progress::of(plan, metric, today);
        if p.state.needs_attention() {
            let name = metric
                .name
                .as_deref()
                .or(metric.id.as_deref())
                .unwrap_or("");
            let mut message = format!(
                "{name} is {}: {}% of the way to target where the committed path expects {}%",
                p.state.label(),
                p.percent.unwrap_or(0),
                p.expected_percent
            );
            if let Some(f) = &p.forecast {
                message.push_str(&format!(
                    "; forecast {}% by the end ({})",
                    f.percent,
                    f.state.label()
                ));
            }
            let kind = if p.state == progress::ProgressState::Behind {
                AttentionKind::Behind
            } else {
                AttentionKind::AtRisk
            };
            add(kind, message, p.latest.map(|(d, _)| d), owner.clone());
        }
    }

    if let Some(review) = plan.next_review(today)
        && review.days <= DUE_WITHIN_DAYS
    {
        let what = if review.assessment {
            "assessment"
        } else {
            "reassessment"
        };
        let when = match review.days {
            d if d < 0 => format!("was due on {}, {} days ago", review.date, -d),
            0 => format!("is due today ({})", review.date),
            d => format!("is due on {}, in {d} days", review.date),
        };
        let mut who = owner.clone();
        who.extend(plan.sponsor.clone());
        let kind = if review.assessment {
            AttentionKind::AssessmentDue
        } else {
            AttentionKind::ReassessmentDue
        };
        add(kind, format!("The {what} {when}"), Some(review.date), who);
    }

    if status == Status::InReview {
        let awaited = awaited_signers(plan, people, policy);
        if !awaited.is_empty() {
            let names: Vec<&str> = awaited.iter().map(|p| people.name(p)).collect();
            let message = format!("Waits for sign-off by {}", or_list(&names));
            add(AttentionKind::SignoffAwaited, message, None, awaited);
        }
    }

    if let Some(days) = plan.checkin_overdue(today) {
        add(
            AttentionKind::CheckinOverdue,
            format!("No check-in for {days} days"),
            plan.latest_checkin().and_then(|c| c.date),
            owner.clone(),
        );
    }

    if running {
        for help in plan.help_needed.iter().flatten() {
            let Some(by) = help.by else { continue };
            if help.status != HelpStatus::Requested || by >= today {
                continue;
            }
            let from = help.from.as_deref().unwrap_or("");
            let (name, who) = match Function::from_name(from) {
                Some(f) => (f.label().to_string(), Vec::new()),
                None => (people.name(from).to_string(), vec![from.to_string()]),
            };
            let days = by.until(today).map_or(0, |s| s.get_days());
            let ask = help.ask.as_deref().unwrap_or("help");
            add(
                AttentionKind::HelpOverdue,
                format!(
                    "Asked of {name} by {by} ({days} days ago), still requested: {}",
                    ask.trim()
                ),
                Some(by),
                who,
            );
        }
    }
    out
}

/// The people whose sign-off a plan in review waits for: for each required role no signer
/// holds, those with the role in the owner's reporting line, or everyone with it when nobody
/// there has it; never the owner (unless self sign-off is allowed) nor someone who signed.
pub(crate) fn awaited_signers(plan: &Plan, people: &People, policy: &SignoffPolicy) -> Vec<String> {
    // Who has signed, as `signoff-required` counts them (the owner only where self sign-off
    // is allowed).
    let signed = plan.signers(policy.allow_self, &|_| true);
    let owner = plan.owner.as_deref().unwrap_or("");
    let eligible = |id: &str| !signed.contains(&id) && (policy.allow_self || id != owner);
    let mut out: Vec<String> = Vec::new();
    for role in &policy.required_roles {
        if signed.iter().any(|p| people.has_role(p, role)) {
            continue;
        }
        let line: Vec<&str> = people
            .managers_of(owner)
            .into_iter()
            .filter(|m| people.has_role(m, role) && eligible(m))
            .collect();
        let candidates: Vec<&str> = if line.is_empty() {
            people
                .by_id
                .keys()
                .map(String::as_str)
                .filter(|p| people.has_role(p, role) && eligible(p))
                .collect()
        } else {
            line
        };
        for c in candidates {
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
    }
    out
}

/// "A", "A or B", "A, B or C".
fn or_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::SignOff;
    use std::path::Path;

    #[test]
    fn an_owners_own_signoff_does_not_answer_a_required_role() {
        let people = People::parse(
            "marta:\n  name: Marta Keller\n  roles: [leadership]\nben:\n  name: Ben Ode\n  roles: [leadership]\n",
            Path::new("people.yaml"),
        )
        .unwrap();
        let plan = Plan {
            owner: Some("marta".into()),
            signoffs: Some(vec![SignOff {
                person: Some("marta".into()),
                role: None,
                date: None,
            }]),
            ..Plan::default()
        };
        let policy = SignoffPolicy::default();
        // As `signoff-required` counts: Marta owns the plan, so Ben's sign-off is awaited.
        assert_eq!(awaited_signers(&plan, &people, &policy), ["ben"]);
        let own = SignoffPolicy {
            allow_self: true,
            ..SignoffPolicy::default()
        };
        assert!(awaited_signers(&plan, &people, &own).is_empty());
    }
}
