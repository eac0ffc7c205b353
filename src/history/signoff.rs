//! Sign-off evidence (DESIGN §8): for each sign-off a plan carries, the commit that added it,
//! what that commit proves about the signer, and whether a covered field changed since.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::config::{Evidence, SignoffPolicy};
pub(crate) use crate::history::trust::Trust;
use crate::history::{Author, Commit, Revision, Snapshot, WORKING_TREE, Walk};
use crate::plan::People;

/// A sign-off entry as one revision of a plan holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct SignoffEntry {
    pub(crate) person: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) role: Option<String>,
    pub(crate) date: String,
}

impl SignoffEntry {
    /// A sign-off is identified across revisions by its person and date: a sign-off renewed
    /// with a new date is a new sign-off.
    pub(crate) fn same(&self, other: &SignoffEntry) -> bool {
        self.person == other.person && self.date == other.date
    }
}

/// The sign-off entries of a revision.
pub(crate) fn entries(snapshot: &Snapshot) -> Vec<SignoffEntry> {
    entries_in(snapshot.get("signoffs"))
}

/// The sign-off entries of a `signoffs` value.
pub(crate) fn entries_in(signoffs: Option<&serde_json::Value>) -> Vec<SignoffEntry> {
    signoffs
        .and_then(|s| s.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    Some(SignoffEntry {
                        person: i.get("person")?.as_str()?.to_string(),
                        role: i.get("role").and_then(|r| r.as_str()).map(str::to_string),
                        date: i.get("date").and_then(date_text).unwrap_or_default(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn date_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// What the audit trail says of one sign-off the plan carries now.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SignoffRecord {
    pub(crate) person: String,
    pub(crate) role: Option<String>,
    pub(crate) date: String,
    /// The commit that added it: the newest commit on the path to the current revision that
    /// introduced the entry. `None` when it is not committed.
    pub(crate) added_in: Option<String>,
    /// The strongest evidence found, whether or not `[signoff] accept` allows it.
    pub(crate) evidence: Option<Evidence>,
    pub(crate) stale: bool,
    /// The first revision after it that changed a covered field.
    pub(crate) stale_since: Option<String>,
    /// The covered fields that differ from the revision that added it.
    pub(crate) changed: Vec<String>,
    /// Every kind of evidence found, strongest first.
    #[serde(skip)]
    pub(crate) found: Vec<Evidence>,
    /// What the adding commit was, for messages.
    #[serde(skip)]
    pub(crate) added_by: Option<AddedBy>,
    /// The revision on the main line that removed it after it was given, when nobody gave it
    /// again since: the sign-off was withdrawn there, and what brought it back is nobody's
    /// evidence that it was given again (see `withdrawn_after`).
    #[serde(skip)]
    pub(crate) withdrawn_in: Option<String>,
    /// Under `check --base`: the base's plan does not carry it and no commit of the change
    /// added it (the change brought back an older commit's version of the plan).
    #[serde(skip)]
    pub(crate) brought_back: bool,
    #[serde(skip)]
    pub(crate) stale_by: Option<Author>,
}

/// The commit that added a sign-off, as messages describe it.
#[derive(Debug, Clone)]
pub(crate) struct AddedBy {
    /// As the commit records them (what was verified).
    pub(crate) author: Author,
    pub(crate) committer: Author,
    /// The committer as `.mailmap` shows them.
    pub(crate) shown_committer: Author,
    pub(crate) pr: Option<u64>,
    /// The key that signed it, when the signature is good.
    pub(crate) key: Option<String>,
    /// Its signature, whoever made it (for messages: a bad one, or another person's).
    pub(crate) signature: crate::history::signature::Signature,
}

/// Where a sign-off the plan carries stands, all things weighed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A covered field changed after it: it no longer answers for the plan as it is.
    Stale,
    /// Evidence the policy accepts shows that the person gave it.
    Verified,
    /// No evidence the policy accepts: none found, or only kinds it does not accept.
    Unverified,
}

impl SignoffRecord {
    /// Where it stands under `policy`: stale first, then verified or not.
    pub fn standing(&self, policy: &SignoffPolicy) -> Standing {
        if self.stale {
            Standing::Stale
        } else if self.verified(policy) {
            Standing::Verified
        } else {
            Standing::Unverified
        }
    }

    /// Whether the evidence found includes a kind the policy accepts.
    pub(crate) fn verified(&self, policy: &SignoffPolicy) -> bool {
        self.found.iter().any(|k| policy.accept.contains(k))
    }

    /// How the site and messages describe the evidence: "signed (key …)", "approved in review
    /// of #12", "committed by …", "attested by …", or "unverified".
    pub(crate) fn describe(&self, people: &People) -> String {
        let by = self.added_by.as_ref();
        match self.evidence {
            Some(Evidence::Signature) => format!(
                "signed (key {})",
                by.and_then(|b| b.key.as_deref()).unwrap_or("on file")
            ),
            Some(Evidence::Review) => match by.and_then(|b| b.pr) {
                Some(pr) => format!("approved in review of #{pr}"),
                None => "approved in review".to_string(),
            },
            Some(Evidence::Author) => format!("committed by {}", people.name(&self.person)),
            Some(Evidence::Attestation) => format!(
                "attested by {}",
                by.map_or(String::new(), |b| b.shown_committer.name.clone())
            ),
            None => "unverified".to_string(),
        }
    }
}

/// Assesses the sign-offs `current` (what the plan carries now) against the plan's
/// `revisions`, newest first (the first is the current content).
/// `ancestry(candidate, at)` says whether commit `candidate` is on the history of a parent of
/// revision `at` (a commit id, or the working tree); `main_line(commit)` whether a commit is
/// one of HEAD's first parents; `saw(reviewed, entry, added)` whether the plan at commit
/// `reviewed` carries `entry`, added in revision `added` (`None`: nothing can be told).
pub(crate) fn assess(
    revisions: &[Revision],
    current: &[SignoffEntry],
    walk: &Walk,
    trust: &Trust,
    ancestry: &dyn Fn(&str, &str) -> bool,
    main_line: &dyn Fn(&str) -> bool,
    saw: &dyn Fn(&str, &SignoffEntry, &Revision) -> Option<bool>,
) -> Vec<SignoffRecord> {
    current
        .iter()
        .map(|entry| {
            let mut record = SignoffRecord {
                person: entry.person.clone(),
                role: entry.role.clone(),
                date: entry.date.clone(),
                added_in: None,
                evidence: None,
                stale: false,
                stale_since: None,
                changed: Vec::new(),
                found: Vec::new(),
                added_by: None,
                stale_by: None,
                withdrawn_in: None,
                brought_back: false,
            };
            let Some(added) = added_at(revisions, entry, ancestry) else {
                return record;
            };
            record.withdrawn_in = withdrawn_after(revisions, added, entry, ancestry, main_line);
            let revision = &revisions[added];
            staleness(revisions, added, &trust.policy.covers, &mut record);
            let Some(commit) = revision.index.and_then(|i| walk.commits.get(i)) else {
                return record; // added in uncommitted changes: nothing vouches for it yet
            };
            record.added_in = Some(commit.id.clone());
            let s = &revision.signature;
            let key = (s.status == crate::history::signature::SignatureStatus::Good
                && s.person.as_deref() == Some(entry.person.as_str()))
            .then(|| s.key.clone().unwrap_or_default());
            if record.withdrawn_in.is_none() {
                let saw = |reviewed: &str| saw(reviewed, entry, revision);
                record.found = found(entry, commit, s, key.is_some(), trust, &saw);
            }
            record.evidence = record.found.first().copied();
            record.added_by = Some(AddedBy {
                author: commit.author.clone(),
                committer: commit.committer.clone(),
                shown_committer: revision.committer.clone(),
                pr: commit.pr,
                key,
                signature: s.clone(),
            });
            record
        })
        .collect()
}

/// The index of the revision that added `entry`: from the current revision, back through the
/// parent that also carries it (the branch a merge brought it from, the path a move came
/// from), to the revision none of whose parents carry it. A parent's content is credited to
/// the newest revision that made it on that parent's own history, so a copy of an old signed
/// version made elsewhere is credited to the copy.
fn added_at(
    revisions: &[Revision],
    entry: &SignoffEntry,
    ancestry: &dyn Fn(&str, &str) -> bool,
) -> Option<usize> {
    let carries = |i: usize| revisions[i].signoffs.iter().any(|s| s.same(entry));
    if revisions.is_empty() || !carries(0) {
        return None;
    }
    let mut at = 0;
    'back: loop {
        let revision = &revisions[at];
        let parents = revision.old_blob.iter().chain(&revision.other_parents);
        for parent in parents {
            // The revision that made the parent's content: the newest one older than this.
            let candidates: Vec<usize> = (at + 1..revisions.len())
                .filter(|&j| revisions[j].new_blob.as_deref() == Some(parent.as_str()))
                .collect();
            // One revision made that content: it is the one. Several (the same content made
            // again elsewhere): the newest on the history of this revision's parents.
            let made = match candidates.as_slice() {
                [only] => Some(*only),
                _ => candidates
                    .iter()
                    .copied()
                    .find(|&j| ancestry(&revisions[j].commit, &revision.commit)),
            };
            if let Some(j) = made
                && carries(j)
            {
                at = j;
                continue 'back;
            }
        }
        return Some(at);
    }
}

/// Where the sign-off added in `revisions[added]` was withdrawn, if it was: the revision on
/// the current one's main line (HEAD's first parents) that removed it after it was given,
/// when no revision since gave it again (carried it where none of its parents did).
/// A merge can bring the entry back from a branch that still had it (`git merge -s ours`
/// discards the withdrawal): the trace then leads past the withdrawal to the first signing,
/// which vouches for nothing after it. A removal on a branch that the branch itself undid,
/// or that the main line never took, withdrew nothing.
fn withdrawn_after(
    revisions: &[Revision],
    added: usize,
    entry: &SignoffEntry,
    ancestry: &dyn Fn(&str, &str) -> bool,
    main_line: &dyn Fn(&str) -> bool,
) -> Option<String> {
    let carries = |r: &Revision| r.signoffs.iter().any(|s| s.same(entry));
    let at = &revisions[added].commit;
    // The main line's commits are each other's ancestors, so its newest revision without
    // the entry has the last word (the walk lists commits newest first): if it came before
    // the signing, so did every other.
    let mut main: Vec<&Revision> = revisions
        .iter()
        .filter(|r| r.commit != WORKING_TREE && main_line(&r.commit))
        .collect();
    main.sort_by_key(|r| r.index.unwrap_or(usize::MAX));
    let newest = main.iter().position(|r| !carries(r) && r.commit != *at)?;
    let withdrawal = main[newest];
    if !ancestry(at, &withdrawal.commit) {
        return None;
    }
    // The removal is the oldest of the main line's revisions without it that run up to
    // that one (later edits of the plan without the entry are not where it went).
    let removal = main[newest..]
        .iter()
        .take_while(|r| !carries(r))
        .last()
        .map_or(withdrawal, |r| *r);
    // Given again since: a revision carries it where no content it was made from (its
    // parents') did. A merge that combines a branch still carrying it with the main line
    // that dropped it has a parent that carries it: that is the branch's old grant, not a
    // new one.
    let carried: HashSet<&str> = revisions
        .iter()
        .filter(|r| carries(r))
        .filter_map(|r| r.new_blob.as_deref())
        .collect();
    let given_again = revisions.iter().any(|r| {
        r.commit != WORKING_TREE
            && carries(r)
            && r.old_blob
                .iter()
                .chain(&r.other_parents)
                .all(|p| !carried.contains(p.as_str()))
            && ancestry(&withdrawal.commit, &r.commit)
    });
    (!given_again).then(|| removal.commit.clone())
}

/// The fields every sign-off covers, whatever `[signoff] covers` says.
pub(crate) const ALWAYS_COVERED: [&str; 2] = ["id", "waivers"];

/// Marks `record` stale when a covered field differs between the revision that added it and
/// the current one.
fn staleness(revisions: &[Revision], added: usize, covers: &[String], record: &mut SignoffRecord) {
    if added == 0 {
        return;
    }
    let value = |i: usize, field: &str| {
        revisions[i]
            .fields
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, h)| *h)
    };
    // A sign-off is given to one plan: its id is always covered, so a signed plan copied or
    // renamed to another id does not carry the sign-off over. So are its waivers: a finding
    // accepted after the signer read the plan is not one they accepted.
    let fields = ALWAYS_COVERED.into_iter().chain(
        covers
            .iter()
            .map(String::as_str)
            .filter(|f| !ALWAYS_COVERED.contains(f)),
    );
    let differs = |i: usize| -> Vec<String> {
        fields
            .clone()
            .filter(|f| value(i, f) != value(added, f))
            .map(str::to_string)
            .collect()
    };
    record.changed = differs(0);
    if record.changed.is_empty() {
        return;
    }
    record.stale = true;
    // The first revision after it (oldest first) that changed a covered field.
    if let Some(first) = (0..added).rev().find(|&i| !differs(i).is_empty()) {
        let r = &revisions[first];
        record.stale_since = Some(r.commit.clone());
        record.stale_by = Some(r.author.clone());
    }
}

/// Every kind of evidence the commit that added `person`'s sign-off carries, strongest first.
fn found(
    entry: &SignoffEntry,
    commit: &Commit,
    signature: &crate::history::signature::Signature,
    signed: bool,
    trust: &Trust,
    saw: &dyn Fn(&str) -> Option<bool>,
) -> Vec<Evidence> {
    let person = entry.person.as_str();
    let mut out = Vec::new();
    let Some(p) = trust.people.get(person) else {
        return out;
    };
    let theirs = |email: &str| p.email.iter().any(|e| e.eq_ignore_ascii_case(email.trim()));
    if signed {
        out.push(Evidence::Signature);
    }
    if let Some(login) = &p.github
        && trust
            .reviews
            .approved(login, commit.pr, &commit.id, saw)
            .is_some()
    {
        out.push(Evidence::Review);
    }
    if theirs(&commit.author.email) && theirs(&commit.committer.email) {
        out.push(Evidence::Author);
    }
    let trusted = trust
        .policy
        .trusted_committers
        .iter()
        .any(|t| t.eq_ignore_ascii_case(commit.committer.email.trim()));
    // A committer email is self-declared: a trusted committer listed in people.yaml with
    // signing keys (a bot whose commits the forge signs) must also have signed the commit.
    let committer = trust.people.by_email(commit.committer.email.trim());
    let bot_signed = match committer.and_then(|id| Some((id, trust.people.get(id)?))) {
        Some((id, p)) if !p.keys.is_empty() => {
            signature.status == crate::history::signature::SignatureStatus::Good
                && signature.person.as_deref() == Some(id)
        }
        _ => true,
    };
    // Trailers are looked at only for a trusted committer.
    if trusted && bot_signed && p.email.iter().any(|e| commit.approved_by(e)) {
        out.push(Evidence::Attestation);
    }
    out
}

/// What a repository accepts, as a sentence: "a commit signed with one of Ben's keys, or …".
pub(crate) fn what_counts(policy: &SignoffPolicy, people: &People, person: &str) -> String {
    let name = people.name(person);
    let p = people.get(person);
    let email = p
        .and_then(|p| p.email.iter().next())
        .unwrap_or("their email");
    let mut kinds: Vec<Evidence> = policy.accept.clone();
    kinds.sort_unstable();
    kinds.dedup();
    let ways: Vec<String> = kinds
        .iter()
        .map(|k| match k {
            Evidence::Signature => match p.map(|p| p.keys.is_empty()) {
                Some(false) => format!("a commit signed with one of {name}'s keys"),
                _ => format!("a commit signed with a key listed under `keys:` for {name} in people.yaml"),
            },
            Evidence::Review => match p.and_then(|p| p.github.as_deref()) {
                Some(login) => format!("an approving review by @{login} of the pull request that adds it (`--reviews`)"),
                None => format!("an approving pull-request review by {name} (give them a `github:` login in people.yaml)"),
            },
            Evidence::Author => format!("a commit {name} both authored and committed as <{email}>"),
            Evidence::Attestation => format!(
                "`Approved-by: {name} <{email}>` in a commit made by a trusted committer ([signoff] trusted_committers)"
            ),
        })
        .collect();
    if ways.is_empty() {
        return "nothing: `[signoff] accept` is empty".to_string();
    }
    ways.join("; or ")
}

/// The people who signed and whose sign-offs are stale, for the policy count.
pub(crate) fn stale_people(records: &[SignoffRecord]) -> HashSet<(&str, &str)> {
    records
        .iter()
        .filter(|r| r.stale)
        .map(|r| (r.person.as_str(), r.date.as_str()))
        .collect()
}

/// A short commit name for messages.
pub(crate) fn short(commit: &str) -> String {
    if commit == WORKING_TREE {
        "uncommitted changes".to_string()
    } else {
        format!("commit {}", commit.chars().take(10).collect::<String>())
    }
}
