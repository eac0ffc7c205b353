//! `planbook log`: the audit trail of each plan.

use std::fmt::Write as _;
use std::io::Write as _;

use crate::ExitStatus;
use crate::cli::{LogArgs, LogFormat};
use crate::cmd::log_cache::{Flags, LogCache, Tee};
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::history::time::TimeBound;
use crate::history::trust::Trust;
use crate::history::{Audit, History, WORKING_TREE};
use crate::pretty_json::{self, ListDocument};
use crate::report::escape::line;

pub(crate) fn run(ctx: &Context, args: &LogArgs) -> Result<ExitStatus, Error> {
    let since = bound("--since", args.since.as_deref())?;
    let until = bound("--until", args.until.as_deref())?;
    let repo = ctx.repo()?;
    let cwd = ctx.cwd()?;
    let paths = cmd::select_plans(&repo, &cwd, &args.plans)?;
    // The document a run like this one kept, when nothing it depends on has changed. Trust
    // is read first for its key only then: otherwise errors come in the order they always did.
    let mut trust = None;
    let keep = if args.format == LogFormat::Json
        && since.is_none()
        && until.is_none()
        && args.reviews.is_none()
        && crate::git::discover(&repo.root).is_ok_and(|git| git.is_some())
    {
        LogCache::for_log(&repo, &paths, trust.insert(Trust::current(&repo, None)?))
    } else {
        None
    };
    if let Some(cache) = &keep
        && let Some(kept) = cache.kept()
    {
        warn_of(kept.flags, ctx);
        let mut stdout = std::io::stdout().lock();
        cmd::widen_stdout_pipe();
        return match kept.copy_to(&mut stdout).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io(cache.path(), e)),
            _ => Ok(ExitStatus::Success),
        };
    }
    // Every change is compared during the walk when every plan is wanted; for a few plans,
    // only theirs are compared afterwards.
    let Some(mut audit) = Audit::open(&repo, args.plans.is_empty())? else {
        return Err(Error::usage(
            format!(
                "{} is not in a git repository, so there is no history to show",
                repo.root.display()
            ),
            Some(
                "keep the plans in git (`git init`, then commit them) to get an audit trail"
                    .to_string(),
            ),
        ));
    };
    let trust = match trust {
        Some(trust) => trust,
        None => Trust::current(&repo, args.reviews.as_deref())?,
    };
    let ids: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    // `--since` and `--until`, applied to each plan's revisions once its history is read.
    let within_dates = |plan: &mut crate::history::PlanHistory| {
        plan.revisions.retain(|r| {
            since.is_none_or(|b| b.starts_by(r.date)) && until.is_none_or(|b| b.ends_after(r.date))
        });
    };
    match args.format {
        LogFormat::Json => {
            let trail = audit.trail(&paths, &trust)?;
            // A handle on the repository stays open while the plans are written, so that
            // libgit2 keeps its packs open for the threads' own (it closes a pack with its last
            // handle).
            let git = audit.open_git()?;
            let flags = Flags {
                shallow: audit.shallow,
                partial: audit.partial,
                complete: audit.complete_for(&trail, &git),
            };
            warn_of(flags, ctx);
            warn_if_worktree_unread(&audit, ctx);
            let mut recorder = keep.as_ref().and_then(|k| k.record(flags));
            let mut whole = false;
            // A `working tree` revision is dated now: a document with one is never kept (a
            // plan edited while the trail was read, the key digested before).
            let dated_now = std::sync::atomic::AtomicBool::new(false);
            // Written a slice of plans at a time, each slice read and laid out in parallel:
            // the trail of 10,000 plans is hundreds of megabytes of JSON, never held whole.
            cmd::write_stdout(|w| {
                let w = &mut Tee {
                    out: w,
                    recorder: recorder.as_mut(),
                };
                let fields = [
                    ("shallow", audit.shallow.into()),
                    ("complete", flags.complete.into()),
                ];
                let mut doc = ListDocument::start(w, &fields, "plans")?;
                for start in (0..paths.len()).step_by(SLICE) {
                    let end = (start + SLICE).min(paths.len());
                    let entries = audit
                        .histories(&trail, start..end, &paths, &ids, &trust, |mut plan| {
                            within_dates(&mut plan);
                            if plan.revisions.iter().any(|r| r.commit == WORKING_TREE) {
                                dated_now.store(true, std::sync::atomic::Ordering::Relaxed);
                            }
                            let mut entry = Vec::new();
                            pretty_json::entry(&plan, &mut entry).map(|()| entry)
                        })
                        .map_err(std::io::Error::other)?;
                    for entry in entries {
                        doc.entry(&entry?)?;
                    }
                }
                doc.end()?;
                whole = true;
                Ok(())
            })?;
            if let (Some(mut recorder), Some(keep)) = (recorder, &keep)
                && whole
                && !dated_now.into_inner()
                && keep.walked_from(audit.head)
            {
                // `write_stdout` ends the document with a line break.
                recorder.copy(b"\n");
                // Kept only if nothing it depends on moved while it was laid out (a commit,
                // an edit to .mailmap): otherwise it would be kept under a key it is not. HEAD
                // is checked at both ends: a branch switched and switched back meanwhile.
                if keep.still_current(&repo, &paths, &trust) {
                    recorder.keep();
                }
            }
        }
        LogFormat::Human => {
            let mut history = audit.history(&paths, &ids, &trust)?;
            warn_of(
                Flags {
                    shallow: audit.shallow,
                    partial: audit.partial,
                    complete: history.complete,
                },
                ctx,
            );
            warn_if_worktree_unread(&audit, ctx);
            history.plans.iter_mut().for_each(within_dates);
            cmd::print(&human(&history, &trust.people))?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Warns that the trail is incomplete: a shallow clone, a partial clone, or objects missing
/// from a clone that was not made partial on purpose (a partial clone's own warning says so
/// already).
fn warn_of(flags: Flags, ctx: &Context) {
    if flags.shallow {
        cmd::warn(cmd::SHALLOW_WARNING, ctx.color);
    }
    if flags.partial {
        cmd::warn(&cmd::partial_warning(), ctx.color);
    }
    if !flags.complete && !flags.partial {
        cmd::warn(MISSING_WARNING, ctx.color);
    }
}

/// Warns that uncommitted edits are not shown, when git's index could not be read.
fn warn_if_worktree_unread(audit: &Audit, ctx: &Context) {
    if let Some(error) = audit.worktree_unread() {
        cmd::warn(&crate::history::worktree::unread_warning(error), ctx.color);
    }
}

/// Plans whose histories are read and written at a time (see `run`).
const SLICE: usize = 256;

const MISSING_WARNING: &str = "objects are missing from the repository: revisions that need them show no changes, and sign-offs cannot be verified\n  help: run `git fsck`, then `git fetch --refetch`";

/// The `--since`/`--until` bound given as `flag`, if any.
fn bound(flag: &str, given: Option<&str>) -> Result<Option<TimeBound>, Error> {
    let Some(text) = given else {
        return Ok(None);
    };
    match TimeBound::parse(text) {
        Some(bound) => Ok(Some(bound)),
        None => Err(Error::usage(
            format!("{flag} {text}: not a date or a time"),
            Some(format!(
                "write a date as YYYY-MM-DD or a time as RFC 3339, e.g. {flag} 2026-06-30 or {flag} 2026-06-30T09:00:00+02:00"
            )),
        )),
    }
}

/// A readable timeline per plan, newest first. Authors, messages, paths and values come from
/// commits and plans, so each is printed with its control characters escaped.
pub(crate) fn human(history: &History, people: &crate::plan::People) -> String {
    let mut out = String::new();
    for plan in &history.plans {
        let _ = writeln!(out, "{}  ({})", line(&plan.id), line(&plan.path));
        for s in &plan.signoffs {
            let stale = match (&s.stale, &s.stale_since) {
                (true, Some(since)) => format!(
                    ", stale since {} ({})",
                    crate::history::signoff::short(since),
                    s.changed.join(", ")
                ),
                (true, None) => format!(", stale ({})", s.changed.join(", ")),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  sign-off: {} {}: {}{stale}",
                line(people.name(&s.person)),
                line(&s.date),
                line(&s.describe(people))
            );
        }
        if plan.revisions.is_empty() {
            out.push_str("  no revisions\n");
        }
        for r in &plan.revisions {
            let commit = if r.commit == WORKING_TREE {
                WORKING_TREE.to_string()
            } else {
                r.commit.chars().take(10).collect()
            };
            let pr = r.pr.map(|n| format!("  PR #{n}")).unwrap_or_default();
            let signed = match (r.signature.status, &r.signature.key) {
                (crate::history::signature::SignatureStatus::None, _) => String::new(),
                (status, key) => format!(
                    "  signature: {}{}",
                    status.as_str(),
                    key.as_deref()
                        .map(|k| format!(" ({k})"))
                        .unwrap_or_default()
                ),
            };
            let _ = writeln!(
                out,
                "  {}  {}  {} <{}>{pr}{signed}",
                r.date.date(),
                line(&commit),
                line(&r.author.name),
                line(&r.author.email)
            );
            let _ = writeln!(out, "      {}", line(&r.summary));
            for t in r.trailers.iter() {
                let _ = writeln!(out, "      {}: {}", line(&t.key), line(&t.value));
            }
            if r.changes.is_empty() && r.path != plan.path {
                let _ = writeln!(out, "      (as {})", line(&r.path));
            }
            for change in r.changes.iter() {
                let _ = writeln!(out, "      {}", line(&change.to_string()));
            }
        }
        out.push('\n');
    }
    out
}
