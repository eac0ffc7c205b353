//! The rules that read the git history: `signoff-unverified`, `signoff-stale` and, against a
//! base revision, `status-transition`.

use std::path::{Path, PathBuf};

use git2::Repository;
use rayon::prelude::*;

use crate::check::{Findings, Settings};
use crate::diagnostic::{Diagnostic, Span};
use crate::error::Error;
use crate::history::{self, Audit, Revision, WORKING_TREE, message};
use crate::plan::PlanFile;
use crate::plan::model::Status;
use crate::rules::Rule;

/// Runs the history rules on the plans `report` selects.
pub fn run(
    settings: &Settings,
    audit: &mut Audit,
    plans: &[PlanFile],
    base: Option<&str>,
    report: &(dyn Fn(&Path) -> bool + Sync),
) -> Result<Vec<Diagnostic>, Error> {
    let mut out = Vec::new();
    if let Some(base) = base {
        status_transition(audit, plans, base, report, &mut out)?;
    }
    let signed: Vec<&PlanFile> = plans
        .iter()
        .filter(|f| report(&f.path))
        .filter(|f| {
            f.plan
                .as_ref()
                .and_then(|p| p.signoffs.as_ref())
                .is_some_and(|s| !s.is_empty())
        })
        .collect();
    if audit.shallow {
        for file in signed {
            let mut findings = Findings::new(&file.path);
            findings.add(
                Rule::SignoffUnverified,
                file.anchors.signoffs.unwrap_or(Span::point(1, 1)),
                "sign-offs cannot be verified in a shallow clone",
                Some("fetch the full history: `git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0`)".to_string()),
            );
            out.extend(findings.out);
        }
        return Ok(out);
    }
    let paths: Vec<PathBuf> = signed.iter().map(|f| f.path.clone()).collect();
    let timelines = audit.timelines(&paths);
    let identity = audit.identity();
    let shared: &Audit = audit;
    let found: Vec<(Vec<Revision>, Vec<Diagnostic>)> = signed
        .par_iter()
        .zip(timelines.par_iter())
        .map_init(
            || Repository::open(&shared.git_dir).ok(),
            |git, (file, timeline)| {
                let Some(git) = git else {
                    return (Vec::new(), Vec::new());
                };
                let current = file.plan.as_ref().map(current_signers);
                let revisions = shared.revisions(git, timeline, &identity, current.as_deref());
                let mut findings = Findings::new(&file.path);
                signoffs(settings, file, &revisions, &mut findings);
                (revisions, findings.out)
            },
        )
        .collect();
    let computed: Vec<&[Revision]> = found.iter().map(|(r, _)| r.as_slice()).collect();
    audit.remember(&timelines, &computed);
    out.extend(found.into_iter().flat_map(|(_, d)| d));
    Ok(out)
}

/// The sign-offs of the plan on disk, as the history records them.
fn current_signers(plan: &crate::plan::Plan) -> Vec<String> {
    plan.signoffs
        .iter()
        .flatten()
        .filter_map(|s| {
            Some(history::signoff_key(
                s.person.as_deref()?,
                &s.date.map(|d| d.to_string()).unwrap_or_default(),
            ))
        })
        .collect()
}

/// `signoff-unverified` and `signoff-stale` for one plan.
fn signoffs(settings: &Settings, file: &PlanFile, revisions: &[Revision], f: &mut Findings) {
    let Some(plan) = &file.plan else { return };
    let people = &settings.repo.people;
    let mut latest_added: Option<usize> = None;
    for (i, signoff) in plan.signoffs.iter().flatten().enumerate() {
        let Some(person) = signoff.person.as_deref() else {
            continue;
        };
        let key = history::signoff_key(
            person,
            &signoff.date.map(|d| d.to_string()).unwrap_or_default(),
        );
        let span = file
            .anchors
            .signoff_people
            .get(i)
            .copied()
            .unwrap_or(Span::point(1, 1));
        // Newest first: the sign-off was added by the oldest revision of the unbroken run of
        // revisions that carry it.
        let run = revisions
            .iter()
            .take_while(|r| r.signers.contains(&key))
            .count();
        let Some(added) = run.checked_sub(1) else {
            f.add(
                Rule::SignoffUnverified,
                span,
                format!("the sign-off by `{person}` is not in any commit"),
                Some(
                    "commit the plan; the sign-off must be added by that person's own commit"
                        .to_string(),
                ),
            );
            continue;
        };
        latest_added = Some(latest_added.map_or(added, |l: usize| l.min(added)));
        let revision = &revisions[added];
        if verified(people, person, revision) {
            continue;
        }
        let name = people.name(person);
        let emails: Vec<&str> = people
            .get(person)
            .map(|p| p.email.iter().collect())
            .unwrap_or_default();
        let example = emails.first().map_or(String::new(), |e| format!(" <{e}>"));
        let by = if revision.commit == WORKING_TREE {
            format!(
                "in uncommitted changes by {} <{}>",
                revision.author.name, revision.author.email
            )
        } else {
            format!(
                "by {} <{}> in commit {}",
                revision.author.name,
                revision.author.email,
                revision.commit.chars().take(10).collect::<String>()
            )
        };
        f.add(
            Rule::SignoffUnverified,
            span,
            format!("the sign-off by `{person}` was added {by}, not by {name}"),
            Some(format!(
                "{name} signs off by committing the change themself, or the commit carries `Approved-by: {name}{example}`"
            )),
        );
    }
    let Some(latest) = latest_added else { return };
    for revision in revisions[..latest].iter().rev() {
        let changed: Vec<&str> = revision
            .changes
            .iter()
            .filter(|c| c.touches_commitments())
            .map(|c| c.name())
            .collect();
        if changed.is_empty() {
            continue;
        }
        let when = revision.date.get(..10).unwrap_or(&revision.date);
        let commit = if revision.commit == WORKING_TREE {
            "uncommitted changes".to_string()
        } else {
            format!(
                "commit {}",
                revision.commit.chars().take(10).collect::<String>()
            )
        };
        f.add(
            Rule::SignoffStale,
            file.anchors.signoffs.unwrap_or(Span::point(1, 1)),
            format!(
                "{} changed after the latest sign-off, in {commit} by {} on {when}",
                changed.join(", "),
                revision.author.name
            ),
            Some("ask the signers to review the change and sign off again (a new date on their entry, in a commit of their own)".to_string()),
        );
        break;
    }
}

/// The index of the revision (newest first) that added the sign-off `key`: the oldest of the
/// unbroken run of newest revisions that carry it.
pub fn added_at(revisions: &[Revision], key: &str) -> Option<usize> {
    let run = revisions
        .iter()
        .take_while(|r| r.signers.iter().any(|s| s == key))
        .count();
    run.checked_sub(1)
}

/// Whether a revision that added `person`'s sign-off was made by them or approved by them.
pub fn verified(people: &crate::plan::People, person: &str, revision: &Revision) -> bool {
    let Some(p) = people.get(person) else {
        return false;
    };
    let is_theirs = |email: &str| p.email.iter().any(|e| e.eq_ignore_ascii_case(email.trim()));
    if is_theirs(&revision.author.email) {
        return true;
    }
    revision.trailers.iter().any(|t| {
        t.key.eq_ignore_ascii_case("approved-by") && {
            let email = message::email_of(&t.value);
            is_theirs(email)
                || (!t.value.contains('<') && t.value.trim().eq_ignore_ascii_case(&p.name))
        }
    })
}

/// `status-transition`: each plan's status change since `base` follows the lifecycle.
fn status_transition(
    audit: &Audit,
    plans: &[PlanFile],
    base: &str,
    report: &(dyn Fn(&Path) -> bool + Sync),
    out: &mut Vec<Diagnostic>,
) -> Result<(), Error> {
    let git = Repository::open(&audit.git_dir).map_err(|e| Error::Git {
        message: e.message().to_string(),
        help: None,
    })?;
    let tree = git
        .revparse_single(base)
        .and_then(|o| o.peel_to_tree())
        .map_err(|_| Error::Git {
            message: format!("--base {base}: no such revision in this repository"),
            help: Some(if audit.shallow {
                "this is a shallow clone: fetch the base (`git fetch --unshallow`, or `fetch-depth: 0` in GitHub Actions)".to_string()
            } else {
                "give a branch, tag or commit, e.g. --base origin/main".to_string()
            }),
        })?;
    for file in plans.iter().filter(|f| report(&f.path)) {
        let Some(now) = file.plan.as_ref().and_then(|p| p.status) else {
            continue;
        };
        let git_path = audit.git_path(&file.path);
        let Some(blob) = tree
            .get_path(Path::new(&git_path))
            .ok()
            .and_then(|e| git.find_blob(e.id()).ok())
        else {
            continue; // a new plan may start in any status
        };
        let before = history::Snapshot::parse(&String::from_utf8_lossy(blob.content()));
        let Some(was) = before
            .get("status")
            .and_then(|s| serde_json::from_value::<Status>(s.clone()).ok())
        else {
            continue;
        };
        if allowed(was, now) {
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
    Ok(())
}

/// The lifecycle: draft → in_review → approved → active → assessed, in_review → draft, and
/// any → withdrawn.
pub fn allowed(from: Status, to: Status) -> bool {
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
        )
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
}
