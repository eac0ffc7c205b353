//! The rules that read the git history: `signoff-unverified` and `signoff-stale` and, against
//! a base revision, `status-transition` and `identity-change`.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use git2::Repository;
use rayon::prelude::*;

use crate::check::rules::{policy_shortfalls, signoffs_anchor_of};
use crate::check::{Findings, Settings};
use crate::config::SignoffPolicy;
use crate::diagnostic::{Diagnostic, Span};
use crate::error::Error;
use crate::history::signoff::{self, SignoffEntry, SignoffRecord};
use crate::history::trust::{Side, is_key_text};
use crate::history::{Audit, Snapshot};
use crate::plan::model::Status;
use crate::plan::{People, PlanFile};
use crate::rules::{Level, Rule};

/// Runs the history rules on the plans `report` selects.
///
/// `timelines` are [`Audit::timelines`] of the plans `report` selects, in their order: the
/// caller reads them, at the same time as it parses the plans.
pub(crate) fn run(
    settings: &Settings,
    audit: &mut Audit,
    plans: &[PlanFile],
    timelines: Vec<Vec<crate::history::RevisionRef>>,
    base: Option<&str>,
    report: &(dyn Fn(&Path) -> bool + Sync),
) -> Result<Vec<Diagnostic>, Error> {
    let enabled = |rule: Rule| settings.repo.config.level(rule) != Level::Off;
    let mut out = Vec::new();
    let selected: Vec<&PlanFile> = plans.iter().filter(|f| report(&f.path)).collect();
    if selected.len() != timelines.len() {
        return Err(Error::usage(
            "planbook read the history of other plans than those it checked",
            Some("this is a bug in planbook: please report it".to_string()),
        ));
    }
    let signoff_rules = [
        Rule::SignoffUnverified,
        Rule::SignoffStale,
        Rule::SignoffRequired,
    ];
    let signoff_rules_on = signoff_rules.into_iter().any(enabled);
    // Under `--base`, each plan as the base holds it, read once: its status change is checked,
    // and the sign-offs it carried are kept. One the base does not carry must be added by a
    // commit of the change: an older commit's evidence does not vouch for a sign-off the
    // change brought back (a merge that kept a branch's version).
    let carried_at_base = match base {
        Some(base) if signoff_rules_on || enabled(Rule::StatusTransition) => Some(against_base(
            audit,
            base,
            &selected,
            &timelines,
            enabled(Rule::StatusTransition),
            &mut out,
        )?),
        _ => None,
    };
    if !signoff_rules_on {
        return Ok(out);
    }
    type Signed<'a> = (
        &'a PlanFile,
        &'a Vec<crate::history::RevisionRef>,
        Option<&'a Vec<SignoffEntry>>,
    );
    let signed: Vec<Signed> = selected
        .iter()
        .zip(&timelines)
        .enumerate()
        .filter(|(_, (f, _))| !current_entries(f).is_empty())
        .map(|(i, (f, t))| (*f, t, carried_at_base.as_ref().map(|c| &c[i])))
        .collect();
    if signed.is_empty() {
        return Ok(out);
    }
    if let Some((message, help)) = incomplete(audit) {
        for (file, _, _) in signed {
            let mut findings = Findings::new(&file.path);
            findings.add(
                Rule::SignoffUnverified,
                file.anchors.signoffs.unwrap_or(Span::point(1, 1)),
                message,
                Some(help.clone()),
            );
            out.extend(findings.out);
        }
        return Ok(out);
    }
    let refs: Vec<&Vec<crate::history::RevisionRef>> = signed.iter().map(|(_, t, _)| *t).collect();
    let signatures = audit.signatures(settings.trust, &refs)?;
    audit.prepare_evidence(&refs)?;
    let shared: &Audit = audit;
    let identity = shared.identity();
    // Everything verifying reads was compared and saved by `prepare_evidence`.
    let found: Vec<Vec<Diagnostic>> = signed
        .par_iter()
        .map_init(
            || crate::git::open(&shared.git_dir),
            |git, (file, timeline, at_base)| -> Result<_, Error> {
                let git = git.as_ref().map_err(|e| Error::Git {
                    message: format!("reading the history failed: {}", e.message()),
                    help: Some("run `git fsck` to check the repository".into()),
                })?;
                let current = current_entries(file);
                let mut revisions = shared.revisions(git, timeline, &identity, Some(&current));
                for r in &mut revisions {
                    if let Some(signature) = r.index.and_then(|i| signatures.get(&i)) {
                        r.signature = signature.clone();
                    }
                }
                let mut findings = Findings::new(&file.path);
                if revisions.iter().any(|r| r.missing) {
                    findings.add(
                        Rule::SignoffUnverified,
                        file.anchors.signoffs.unwrap_or(Span::point(1, 1)),
                        "sign-offs cannot be verified: objects of this plan's history are missing from the repository",
                        Some(missing_help()),
                    );
                } else {
                    let mut records = shared.signoffs(&revisions, &current, settings.trust);
                    if let (Some(before), Some(change)) = (at_base, &settings.trust.change) {
                        for record in &mut records {
                            let in_base = before
                                .iter()
                                .any(|b| b.person == record.person && b.date == record.date);
                            if let Some(commit) = &record.added_in
                                && !change.contains(commit)
                                && !in_base
                            {
                                record.brought_back = true;
                                record.found.clear();
                                record.evidence = None;
                            }
                        }
                    }
                    signoffs(settings, file, &records, &mut findings);
                }
                Ok(findings.out)
            },
        )
        .collect::<Result<_, Error>>()?;
    out.extend(found.into_iter().flatten());
    Ok(out)
}

fn missing_help() -> String {
    format!(
        "this looks like a partial clone (`git clone --filter=…`) or a damaged repository (`git fsck` tells): {}",
        crate::history::WHOLE_CLONE_HELP
    )
}

/// Why the history cannot verify sign-offs at all, if it cannot.
fn incomplete(audit: &Audit) -> Option<(&'static str, String)> {
    if audit.shallow {
        return Some((
            "sign-offs cannot be verified in a shallow clone (or one whose `.git/info/grafts` rewrites its history)",
            "fetch the full history: `git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0`); remove `.git/info/grafts` if it is there"
                .to_string(),
        ));
    }
    if audit.partial {
        return Some((
            "sign-offs cannot be verified in a partial clone: the objects that show who added them are missing",
            crate::history::WHOLE_CLONE_HELP.to_string(),
        ));
    }
    None
}

/// The sign-offs of the plan on disk.
fn current_entries(file: &PlanFile) -> Vec<SignoffEntry> {
    let Some(plan) = &file.plan else {
        return Vec::new();
    };
    plan.signoffs
        .iter()
        .flatten()
        .filter_map(|s| {
            Some(SignoffEntry {
                person: s.person.clone()?,
                role: s.role.clone(),
                date: s.date.map(|d| d.to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

/// `signoff-unverified`, `signoff-stale` and the policy counting only fresh sign-offs, for
/// one plan.
fn signoffs(settings: &Settings, file: &PlanFile, records: &[SignoffRecord], f: &mut Findings) {
    let Some(plan) = &file.plan else { return };
    let trust = settings.trust;
    let people = &trust.people;
    // Entries are listed in the file's order; spans follow the entries with a person.
    let spans: Vec<Span> = plan
        .signoffs
        .iter()
        .flatten()
        .enumerate()
        .filter(|(_, s)| s.person.is_some())
        .map(|(i, _)| {
            file.anchors
                .signoff_people
                .get(i)
                .copied()
                .unwrap_or(Span::point(1, 1))
        })
        .collect();
    for (record, span) in records.iter().zip(spans) {
        let person = record.person.as_str();
        let name = people.name(person);
        // Under `--base`, a sign-off the change did not add was judged with its own change.
        // A sign-off withdrawn since is judged whatever the change: what brought it back is
        // not known to be older than the change.
        let judged_before = record.withdrawn_in.is_none()
            && !record.brought_back
            && match (&trust.change, &record.added_in) {
                (Some(change), Some(commit)) => !change.contains(commit),
                _ => false,
            };
        if !record.verified(&trust.policy) && !judged_before {
            let message = match (&record.added_by, &record.withdrawn_in) {
                (Some(_), _) if record.brought_back => format!(
                    "the sign-off by `{person}` ({name}) is not in the plan at the base, and no commit of this change added it: the change brought back the version of {} (by a merge that kept a branch's older version, say), which is no evidence that {name} gives it now",
                    signoff::short(record.added_in.as_deref().unwrap_or_default())
                ),
                (Some(_), Some(withdrawn)) => format!(
                    "the sign-off by `{person}` ({name}) was withdrawn in {} after it was given in {}, and brought back (by a merge that kept a branch's older version) with no evidence that {name} gave it again",
                    signoff::short(withdrawn),
                    signoff::short(record.added_in.as_deref().unwrap_or_default())
                ),
                (None, _) => format!(
                    "the sign-off by `{person}` is not in any commit: uncommitted changes prove nothing about who signed"
                ),
                (Some(by), None) => {
                    let commit = record.added_in.as_deref().unwrap_or_default();
                    let committer = if by.committer == by.author {
                        String::new()
                    } else {
                        format!(
                            ", committed by {} <{}>",
                            by.committer.name, by.committer.email
                        )
                    };
                    let found = match record.evidence {
                        Some(kind) => format!(
                            "; it has {} evidence, which [signoff] accept does not list",
                            kind.as_str()
                        ),
                        None => String::new(),
                    };
                    // What its signature says, when it says something.
                    use crate::history::signature::SignatureStatus;
                    let signature = &by.signature;
                    let signed = match (signature.status, signature.person.as_deref()) {
                        (SignatureStatus::Bad, _) => {
                            "; its signature does not verify (the commit was altered after it was signed, or signed for another use)".to_string()
                        }
                        (SignatureStatus::Good, Some(other)) if other != person => format!(
                            "; it is signed with a key of {}, not of {name}",
                            trust.people.name(other)
                        ),
                        (SignatureStatus::UnknownKey, _) => {
                            "; it is signed with a key that is nobody's in people.yaml".to_string()
                        }
                        _ => String::new(),
                    };
                    format!(
                        "the sign-off by `{person}` ({name}) was added in {} by {} <{}>{committer}, with no evidence that {name} gave it{found}{signed}",
                        signoff::short(commit),
                        by.author.name,
                        by.author.email
                    )
                }
            };
            f.add(
                Rule::SignoffUnverified,
                span,
                message,
                Some(format!(
                    "what counts: {}",
                    signoff::what_counts(&trust.policy, people, person)
                )),
            );
        }
        if record.stale {
            let since = match (&record.stale_since, &record.stale_by) {
                (Some(commit), _) if commit == crate::history::WORKING_TREE => {
                    " in uncommitted changes".to_string()
                }
                (Some(commit), Some(by)) => {
                    format!(" since {} by {}", signoff::short(commit), by.name)
                }
                _ => String::new(),
            };
            let added = record
                .added_in
                .as_deref()
                .map_or("uncommitted changes".to_string(), signoff::short);
            f.add(
                Rule::SignoffStale,
                span,
                format!(
                    "the sign-off by `{person}` ({name}) is stale: {} changed{since}, after it was given in {added}",
                    record.changed.join(", ")
                ),
                Some(format!(
                    "ask {name} to review the change and sign off again (a new date on their entry), or restore {}",
                    record.changed.join(", ")
                )),
            );
        }
    }
    // Stale sign-offs do not count towards the policy: report what the policy misses without
    // them, beyond what it already missed with them (`signoff-required` reported that).
    let stale = signoff::stale_people(records);
    if stale.is_empty() {
        return;
    }
    let fresh = |so: &crate::plan::model::SignOff| {
        let person = so.person.as_deref().unwrap_or_default();
        let date = so.date.map(|d| d.to_string()).unwrap_or_default();
        !stale.contains(&(person, date.as_str()))
    };
    let before: HashSet<String> = policy_shortfalls(plan, people, &trust.policy, &|_| true)
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    let at = signoffs_anchor_of(file);
    for (message, help) in policy_shortfalls(plan, people, &trust.policy, &fresh) {
        if !before.contains(&message) {
            f.add(
                Rule::SignoffRequired,
                at,
                format!("{message} that is not stale"),
                Some(help),
            );
        }
    }
}

/// The plans as the base revision holds them.
struct AtBase {
    git: git2::Repository,
    tree_id: git2::Oid,
    /// Plan files of the base by file name (a plan moved since is found by it).
    by_name: std::collections::HashMap<String, git2::Oid>,
    base: String,
}

impl AtBase {
    fn open(audit: &Audit, base: &str) -> Result<AtBase, Error> {
        let git = audit.open_git()?;
        let tree = audit.base_tree(&git, base)?;
        let by_name = audit.plan_files_in(&git, &tree);
        let tree_id = tree.id();
        drop(tree);
        Ok(AtBase {
            git,
            tree_id,
            by_name,
            base: base.to_string(),
        })
    }

    /// `file` as the base holds it: at its path, at a path its history gave it, or by its
    /// file name; `None` when the base has no such plan.
    fn snapshot(
        &self,
        audit: &Audit,
        file: &PlanFile,
        timeline: &[crate::history::RevisionRef],
    ) -> Result<Option<Snapshot>, Error> {
        let tree = self.git.find_tree(self.tree_id).map_err(|e| Error::Git {
            message: format!("--base {}: {}", self.base, e.message()),
            help: Some(missing_help()),
        })?;
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let here = audit.git_path(&file.path);
        let mut paths: Vec<&str> = vec![&here];
        paths.extend(timeline.iter().map(|r| r.path.as_str()));
        let found = audit.plan_in_tree(&self.git, &tree, &paths, &name, Some(&self.by_name));
        let Some(blob) = found else {
            return Ok(None);
        };
        let Some(bytes) = crate::git::read_blob(&self.git, &blob.to_string()) else {
            return Err(Error::Git {
                message: format!(
                    "--base {}: the earlier version of {} is missing from the repository",
                    self.base,
                    crate::diagnostic::display_path(&file.path)
                ),
                help: Some(missing_help()),
            });
        };
        Ok(Some(Snapshot::parse(&String::from_utf8_lossy(&bytes))))
    }
}

/// Each of `plans` against its version at `base`, read once: `status-transition` (with
/// `status`), each status change since `base` following the lifecycle, and the sign-offs the
/// base's version carries (empty for a plan without sign-offs now). A plan is compared with
/// its own earlier version wherever that was: the paths it had in its history, or a plan file
/// with the same name at the base.
fn against_base(
    audit: &Audit,
    base: &str,
    plans: &[&PlanFile],
    timelines: &[Vec<crate::history::RevisionRef>],
    status: bool,
    out: &mut Vec<Diagnostic>,
) -> Result<Vec<Vec<SignoffEntry>>, Error> {
    let at_base = AtBase::open(audit, base)?;
    let mut carried = Vec::with_capacity(plans.len());
    for (file, timeline) in plans.iter().zip(timelines) {
        let now = file.plan.as_ref().and_then(|p| p.status).filter(|_| status);
        let signed = !current_entries(file).is_empty();
        // A new plan may start in any status, with any sign-off its own commits add.
        let before = if now.is_some() || signed {
            at_base.snapshot(audit, file, timeline)?
        } else {
            None
        };
        carried.push(match (&before, signed) {
            (Some(before), true) => crate::history::signoff::entries(before),
            _ => Vec::new(),
        });
        let (Some(now), Some(before)) = (now, before) else {
            continue;
        };
        let Some(was) = before
            .get("status")
            .and_then(|s| serde_json::from_value::<Status>(s.clone()).ok())
        else {
            continue;
        };
        if allowed(was, now) || stepwise(audit, &at_base.git, base, timeline, was, now) {
            continue;
        }
        let mut findings = Findings::new(&file.path);
        findings.add(
            Rule::StatusTransition,
            file.anchors.status.unwrap_or(Span::point(1, 1)),
            format!("status changed from {} to {} since {base}", was.as_str(), now.as_str()),
            Some("plans move draft → in_review → approved → active → assessed; in_review may go back to draft, and any plan may be withdrawn".to_string()),
        );
        out.extend(findings.out);
    }
    Ok(carried)
}

/// The lifecycle: draft → in_review → approved → active → assessed, in_review → draft,
/// active → in_review (an amendment, approved again), and any → withdrawn.
pub(crate) fn allowed(from: Status, to: Status) -> bool {
    use Status::*;
    from == to
        || to == Withdrawn
        || matches!(
            (from, to),
            (Draft, InReview)
                | (InReview, Approved)
                | (Approved, Active)
                | (Active, Assessed)
                | (InReview, Draft)
                | (Active, InReview)
        )
}

/// Whether the change since `base` took the plan from `was` to `now` one permitted step per
/// commit (draft → in_review → approved in three commits of one pull request, say).
fn stepwise(
    audit: &Audit,
    git: &Repository,
    base: &str,
    timeline: &[crate::history::RevisionRef],
    was: Status,
    now: Status,
) -> bool {
    let Ok(base) = git.revparse_single(base).and_then(|o| o.peel_to_commit()) else {
        return false;
    };
    let in_base = |commit: &str| {
        git2::Oid::from_str(commit).is_ok_and(|id| {
            id == base.id() || git.graph_descendant_of(base.id(), id).unwrap_or(false)
        })
    };
    let revisions = audit.revisions(git, timeline, &audit.identity(), None);
    let mut steps: Vec<(Status, Status)> = Vec::new();
    // Oldest first, from the first revision the base does not have.
    for revision in revisions.iter().rev() {
        if revision.index.is_some() && in_base(&revision.commit) {
            continue;
        }
        if revision.missing {
            return false;
        }
        for change in revision.changes.iter() {
            if let crate::history::FieldChange::Field { field, from, to } = change
                && field == "status"
            {
                let status =
                    |v: &serde_json::Value| serde_json::from_value::<Status>(v.clone()).ok();
                match (status(from), status(to)) {
                    (Some(from), Some(to)) => steps.push((from, to)),
                    _ => return false,
                }
            }
        }
    }
    let chained = steps.windows(2).all(|w| w[0].1 == w[1].0);
    chained
        && steps.first().is_some_and(|s| s.0 == was)
        && steps.last().is_some_and(|s| s.1 == now)
        && steps.iter().all(|(from, to)| allowed(*from, *to))
}

/// Who can vouch for sign-offs at one revision.
#[derive(Clone, Copy)]
pub(crate) struct Identity<'a> {
    pub(crate) people: &'a People,
    pub(crate) policy: &'a SignoffPolicy,
}

/// `identity-change`: what the change does to who can vouch for a sign-off. Verification
/// then takes people and policy from the base, so each of these is reported for a human to
/// review.
pub(crate) fn identity_change(
    base: Identity,
    head: Identity,
    people_text: &str,
    people_path: &Path,
    config_text: Option<&str>,
    config_path: &Path,
) -> Vec<Diagnostic> {
    let (base_people, people) = (base.people, head.people);
    let (base_policy, policy) = (base.policy, head.policy);
    let mut out = Vec::new();
    let ids: BTreeSet<&String> = base_people
        .by_id
        .keys()
        .chain(people.by_id.keys())
        .collect();
    for id in ids {
        let (was, now) = (base_people.get(id), people.get(id));
        let lower = |p: Option<&crate::plan::people::Person>| -> (BTreeSet<String>, BTreeSet<String>, Option<String>) {
            match p {
                None => Default::default(),
                Some(p) => (
                    p.email.iter().map(|e| e.trim().to_lowercase()).collect(),
                    p.keys.iter().map(|k| k.trim().to_string()).collect(),
                    p.github.as_ref().map(|g| g.trim().to_lowercase()),
                ),
            }
        };
        let (emails_was, keys_was, login_was) = lower(was);
        let (emails_now, keys_now, login_now) = lower(now);
        let mut what = Vec::new();
        if emails_was != emails_now {
            what.push("emails");
        }
        if keys_was != keys_now {
            what.push("signing keys");
        }
        if login_was != login_now {
            what.push("`github` login");
        }
        if what.is_empty()
            || (was.is_none()
                && emails_now.is_empty()
                && keys_now.is_empty()
                && login_now.is_none())
        {
            continue;
        }
        let how = match (was, now) {
            (None, Some(_)) => format!("adds `{id}` with {}", what.join(", ")),
            (Some(_), None) => format!("removes `{id}` and their {}", what.join(", ")),
            _ => format!("changes the {} of `{id}`", what.join(", ")),
        };
        let (line, column) = people.position(people_text, id);
        let (line, column) = (line as u32, column as u32);
        let mut findings = Findings::new(people_path);
        findings.add(
            Rule::IdentityChange,
            Span::point(line, column),
            format!("this change {how}; sign-offs are verified with people.yaml as it was at the base"),
            Some("identities are changed in a pull request of their own, reviewed by someone other than the people it names".to_string()),
        );
        out.extend(findings.out);
    }
    if base_policy != policy {
        let text = config_text.unwrap_or_default();
        let line = text
            .lines()
            .position(|l| l.trim() == "[signoff]")
            .map_or(1, |i| i as u32 + 1);
        let mut findings = Findings::new(config_path);
        findings.add(
            Rule::IdentityChange,
            Span::point(line, 1),
            "this change edits the [signoff] policy; sign-offs are verified with the policy as it was at the base",
            Some("change the sign-off policy in a pull request of its own, approved by sales leadership".to_string()),
        );
        out.extend(findings.out);
    }
    out
}

/// Everything a change does to who can vouch for sign-offs, as `identity-change` findings:
/// people's emails, keys and logins, the content of key files, the `[signoff]` policy, the
/// levels of the rules that guard sign-offs, and where plans and people are read. `check
/// --base` and `diff` both report these.
pub(crate) fn identity_findings(
    base: Side,
    head: Side,
    people_text: &str,
    people_path: &Path,
    config_text: Option<&str>,
    config_path: &Path,
) -> Vec<Diagnostic> {
    let mut findings = identity_change(
        Identity {
            people: base.people,
            policy: &base.config.signoff,
        },
        Identity {
            people: head.people,
            policy: &head.config.signoff,
        },
        people_text,
        people_path,
        config_text,
        config_path,
    );
    findings.extend(config_change(
        base.config,
        head.config,
        config_text,
        config_path,
    ));
    // A key file whose content the change replaces.
    for (id, person) in &head.people.by_id {
        let Some(was) = base.people.get(id) else {
            continue;
        };
        for entry in person.keys.iter().filter(|k| !is_key_text(k)) {
            if !was.keys.contains(entry) {
                continue; // a new entry: reported above
            }
            let path = Path::new(entry.trim());
            let now = (head.read)(path).unwrap_or_default();
            let then = (base.read)(path).unwrap_or_default();
            if now.trim() != then.trim() {
                let (line, column) = head.people.position(people_text, id);
                findings.push(Diagnostic {
                    file: people_path.to_path_buf(),
                    span: crate::diagnostic::Span::point(line as u32, column as u32),
                    severity: crate::diagnostic::Severity::Error,
                    rule: crate::rules::Rule::IdentityChange,
                    message: format!("this change replaces the signing key file {} of `{id}`; sign-offs are verified with the key as it was at the base", entry.trim()),
                    help: Some("change signing keys in a pull request of their own, reviewed by someone other than the person it names".to_string()),
                });
            }
        }
    }
    findings
}

/// The rules that guard sign-offs: a change cannot lower their levels for itself.
pub(crate) const GUARDS: [Rule; 9] = [
    // A plan that does not parse, or has the wrong shape, is out of reach of every other rule.
    Rule::FrontMatter,
    Rule::Schema,
    Rule::SignoffRequired,
    Rule::SelfSignoff,
    Rule::SignoffUnverified,
    Rule::SignoffStale,
    Rule::IdentityChange,
    Rule::StatusTransition,
    // A change that turns `waiver` off could grant itself a waiver.
    Rule::Waiver,
];

/// `identity-change` for `planbook.toml`: a change to where plans and people are read from, or
/// to the level of a rule that guards sign-offs. Under `--base` the base's values apply.
pub(crate) fn config_change(
    base: &crate::config::Config,
    head: &crate::config::Config,
    config_text: Option<&str>,
    config_path: &Path,
) -> Vec<Diagnostic> {
    let mut what = Vec::new();
    if base.plans_dir != head.plans_dir {
        what.push("`plans_dir`".to_string());
    }
    if base.people != head.people {
        what.push("`people`".to_string());
    }
    for rule in GUARDS {
        if base.level(rule) != head.level(rule) {
            what.push(format!("the level of `{}`", rule.name()));
        }
    }
    if what.is_empty() {
        return Vec::new();
    }
    let text = config_text.unwrap_or_default();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("plans_dir") || l.trim() == "[rules]")
        .map_or(1, |i| i as u32 + 1);
    let mut findings = Findings::new(config_path);
    findings.add(
        Rule::IdentityChange,
        Span::point(line, 1),
        format!(
            "this change edits {} in planbook.toml; the change is checked with the base's",
            what.join(", ")
        ),
        Some("change how sign-offs are guarded in a pull request of its own, approved by sales leadership".to_string()),
    );
    findings.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle() {
        assert!(allowed(Status::Draft, Status::InReview));
        assert!(allowed(Status::InReview, Status::Draft));
        assert!(allowed(Status::Active, Status::Withdrawn));
        assert!(!allowed(Status::Draft, Status::Approved));
        assert!(!allowed(Status::Assessed, Status::Active));
        assert!(!allowed(Status::Withdrawn, Status::Draft));
    }

    #[test]
    fn identity_changes_are_named() {
        let path = Path::new("people.yaml");
        let base = People::parse(
            "ana:\n  name: Ana\n  email: ana@x.com\nben:\n  name: Ben\n  email: ben@x.com\n",
            path,
        )
        .unwrap();
        let text = "ana:\n  name: Ana Lima\n  email: ana@x.com\nben:\n  name: Ben\n  email: [ben@x.com, ana2@x.com]\n  github: ben\n";
        let now = People::parse(text, path).unwrap();
        let policy = SignoffPolicy::default();
        let found = identity_change(
            Identity {
                people: &base,
                policy: &policy,
            },
            Identity {
                people: &now,
                policy: &policy,
            },
            text,
            path,
            None,
            Path::new("planbook.toml"),
        );
        assert_eq!(
            found.len(),
            1,
            "a new name is no identity change: {found:?}"
        );
        assert_eq!(found[0].span.line, 4);
        assert!(found[0].message.contains("emails, `github` login of `ben`"));
    }
}
