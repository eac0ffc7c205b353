//! Waivers: a plan accepts the findings of one rule, with a reason, granted by a person who
//! signs plans off. Their findings become notes; the rules that guard sign-offs cannot be
//! waived.

use crate::check::{Findings, Subject};
use crate::config::SignoffPolicy;
use crate::diagnostic::{Diagnostic, Severity};
use crate::path;
use crate::plan::model::Waiver;
use crate::plan::{People, Plan, PlanFile};
use crate::rules::Rule;

/// Whether findings of `rule` may be waived: not the rules that guard sign-offs (a plan must
/// not accept its own unverified sign-off), `waiver` among them.
pub(crate) fn waivable(rule: Rule) -> bool {
    !crate::check::history::GUARDS.contains(&rule)
}

/// What is wrong with a waiver's `reason` and `by`, if anything: `(field, message, help)`.
fn problem(
    waiver: &Waiver,
    plan: &Plan,
    signers: &People,
    policy: &SignoffPolicy,
) -> Option<(&'static str, String, String)> {
    let reason = waiver.reason.as_deref().unwrap_or("");
    if crate::check::domain::is_placeholder(reason) || reason.trim().is_empty() {
        return Some((
            "reason",
            format!(
                "the waiver's reason is a placeholder: \"{}\"",
                reason.trim()
            ),
            "say why the finding is accepted for this plan, as agreed with whoever grants it"
                .to_string(),
        ));
    }
    let by = waiver.by.as_deref()?;
    // Someone not in people.yaml is `unknown-person`'s finding; the waiver still does not count.
    let person = signers.get(by)?;
    let roles = &policy.required_roles;
    if !policy.allow_self && plan.owner.as_deref() == Some(by) {
        return Some((
            "by",
            format!("`{by}` owns this plan and cannot waive its findings"),
            "a waiver is granted by a sales leader who signs the plan off, not by its owner"
                .to_string(),
        ));
    }
    if !roles.is_empty() && !person.roles.iter().any(|r| roles.contains(r)) {
        return Some((
            "by",
            format!(
                "`{by}` ({}) holds no role the sign-off policy requires ({}), so cannot grant a waiver",
                person.name,
                roles.join(", ")
            ),
            format!(
                "have a person with the role {} grant it, or give `{by}` that role in people.yaml",
                roles
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ));
    }
    None
}

/// The waivers of `plan` that take effect: a waivable rule, a real reason, a person entitled
/// to grant it.
pub(crate) fn granted<'a>(
    plan: &'a Plan,
    signers: &People,
    policy: &SignoffPolicy,
) -> Vec<(Rule, &'a Waiver)> {
    plan.waivers
        .iter()
        .filter_map(|w| {
            let rule = Rule::from_name(w.rule.as_deref()?).filter(|r| waivable(*r))?;
            w.by.as_ref()?;
            problem(w, plan, signers, policy)
                .is_none()
                .then_some((rule, w))
        })
        .collect()
}

/// Part of `schema`: each waiver names a rule that exists and may be waived.
pub(crate) fn waived_rules(s: &Subject, f: &mut Findings) {
    for (i, waiver) in s.plan.waivers.iter().enumerate() {
        let Some(name) = waiver.rule.as_deref() else {
            continue;
        };
        let span = s.front_matter.locate(path!["waivers", i, "rule"]);
        match Rule::from_name(name) {
            None => f.add(
                Rule::Schema,
                span,
                format!("`waivers`: there is no rule named `{name}`"),
                Some(
                    match Rule::closest(name) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "`planbook rule --all` lists the rules".to_string(),
                    },
                ),
            ),
            Some(rule) if !waivable(rule) => f.add(
                Rule::Schema,
                span,
                format!(
                    "`{name}` guards sign-offs and cannot be waived: a plan cannot accept its own findings of it"
                ),
                Some(format!(
                    "remove the waiver and fix what `{name}` reports (`planbook rule {name}` explains it)"
                )),
            ),
            Some(_) => {}
        }
    }
}

/// `waiver`: each waiver gives a real reason and is granted by a person entitled to.
pub(crate) fn waiver(s: &Subject, f: &mut Findings) {
    for (i, waiver) in s.plan.waivers.iter().enumerate() {
        if let Some((field, message, help)) = problem(waiver, s.plan, s.signers, s.policy) {
            f.add(
                Rule::Waiver,
                s.front_matter.locate(path!["waivers", i, field]),
                message,
                Some(help),
            );
        }
    }
}

/// Turns the findings that a plan waives into notes, saying who waived them and why.
pub(crate) fn apply(
    plans: &[PlanFile],
    signers: &People,
    policy: &SignoffPolicy,
    diagnostics: &mut [Diagnostic],
) {
    let mut by_file: std::collections::HashMap<&std::path::Path, Vec<(Rule, &Waiver)>> =
        std::collections::HashMap::new();
    for file in plans {
        let Some(plan) = &file.plan else { continue };
        if plan.waivers.is_empty() {
            continue;
        }
        by_file.insert(file.path.as_path(), granted(plan, signers, policy));
    }
    if by_file.is_empty() {
        return;
    }
    for d in diagnostics.iter_mut() {
        let Some(granted) = by_file.get(d.file.as_path()) else {
            continue;
        };
        if let Some((_, w)) = granted.iter().find(|(rule, _)| *rule == d.rule) {
            d.severity = Severity::Note;
            d.help = Some(format!(
                "waived by {}: {}",
                signers.name(w.by.as_deref().unwrap_or("")),
                w.reason.as_deref().unwrap_or("").trim()
            ));
        }
    }
}
