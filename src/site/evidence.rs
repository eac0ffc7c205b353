//! How the site words a sign-off's evidence. Whether a sign-off counts is the history
//! layer's answer ([`crate::history::signoff`]); this only says it.

use super::context;
use crate::history::PlanHistory;

/// How the sign-off by `person` dated `date` stands in the audit trail (`None` without one,
/// or when the history cannot tell: a shallow or partial clone).
pub(crate) fn signoff_evidence(
    people: &crate::plan::People,
    policy: &crate::config::SignoffPolicy,
    history: Option<&PlanHistory>,
    person: &str,
    date: &str,
) -> Option<context::EvidenceView> {
    let record = history?
        .signoffs
        .iter()
        .find(|r| r.person == person && r.date == date)?;
    let verified = record.verified(policy);
    let (label, tone) = if record.stale {
        let since = record
            .stale_since
            .as_deref()
            .map(|c| format!(" since {}", c.chars().take(7).collect::<String>()))
            .unwrap_or_default();
        (format!("stale{since}"), "warn")
    } else if verified {
        (record.describe(people), "ok")
    } else {
        ("unverified".to_string(), "warn")
    };
    let detail = if record.stale {
        format!("{} changed after this sign-off", record.changed.join(", "))
    } else if verified {
        match record.evidence {
            Some(crate::config::Evidence::Signature) => {
                "The commit that added it is signed with one of this person's keys".to_string()
            }
            Some(crate::config::Evidence::Review) => {
                "This person approved the pull request that added it".to_string()
            }
            Some(crate::config::Evidence::Author) => {
                "Added in a commit this person authored and committed (emails are self-declared)"
                    .to_string()
            }
            Some(crate::config::Evidence::Attestation) => {
                "A trusted committer recorded this person's approval".to_string()
            }
            None => String::new(),
        }
    } else if record.evidence.is_some() {
        format!(
            "Found {} evidence, which this repository does not accept",
            record.describe(people)
        )
    } else {
        "No commit, signature or review shows that this person gave it".to_string()
    };
    Some(context::EvidenceView {
        label,
        tone: tone.to_string(),
        detail,
        kind: record.evidence.map(|k| k.as_str().to_string()),
        verified: verified && !record.stale,
        stale: record.stale,
    })
}
