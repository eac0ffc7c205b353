//! How the site words a sign-off's evidence. Where a sign-off stands is the history layer's
//! answer ([`crate::history::signoff::Standing`]); this only says it.

use super::context::EvidenceView;
use crate::config::{Evidence, SignoffPolicy};
use crate::history::PlanHistory;
use crate::history::signoff::Standing;
use crate::plan::People;

/// How the sign-off by `person` dated `date` stands in the audit trail, in words (`None`
/// without one, or when the history cannot tell: a shallow or partial clone).
pub(crate) fn signoff_evidence(
    people: &People,
    policy: &SignoffPolicy,
    history: Option<&PlanHistory>,
    person: &str,
    date: &str,
) -> Option<EvidenceView> {
    let record = history?.signoff(person, date)?;
    let standing = record.standing(policy);
    let (label, tone, detail) = match standing {
        Standing::Stale => {
            let since = record
                .stale_since
                .as_deref()
                .map(|c| format!(" since {}", c.chars().take(7).collect::<String>()))
                .unwrap_or_default();
            (
                format!("stale{since}"),
                "warn",
                format!("{} changed after this sign-off", record.changed.join(", ")),
            )
        }
        Standing::Verified => (
            record.describe(people),
            "ok",
            record
                .evidence
                .map_or_else(String::new, |e| proof(e).to_string()),
        ),
        Standing::Unverified => (
            "unverified".to_string(),
            "warn",
            if record.evidence.is_some() {
                format!(
                    "Found {} evidence, which this repository does not accept",
                    record.describe(people)
                )
            } else {
                "No commit, signature or review shows that this person gave it".to_string()
            },
        ),
    };
    Some(EvidenceView {
        label,
        tone: tone.to_string(),
        detail,
        kind: record.evidence.map(|k| k.as_str().to_string()),
        verified: standing == Standing::Verified,
        stale: standing == Standing::Stale,
    })
}

/// What evidence of a kind proves, for a reader of the plan page.
fn proof(evidence: Evidence) -> &'static str {
    match evidence {
        Evidence::Signature => "The commit that added it is signed with one of this person's keys",
        Evidence::Review => "This person approved the pull request that added it",
        Evidence::Author => {
            "Added in a commit this person authored and committed (emails are self-declared)"
        }
        Evidence::Attestation => "A trusted committer recorded this person's approval",
    }
}
