//! `planbook check`: validate plans and print the findings.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::ExitStatus;
use crate::check::{self, Settings};
use crate::cli::{CheckArgs, CheckFormat, Deny};
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::history::Audit;
use crate::history::trust::Trust;
use crate::plan::LineIndex;
use crate::report::{self, CheckReport};

pub(crate) fn run(ctx: &Context, args: &CheckArgs) -> Result<ExitStatus, Error> {
    let as_of = cmd::as_of(args.as_of.as_deref())?;
    let mut repo = ctx.repo()?;
    repo.keep_parsed();
    let cwd = ctx.cwd()?;
    let listed = repo.plan_files()?;
    if !ctx.quiet {
        for (path, reason) in &listed.skipped {
            cmd::warn(
                &format!("{} is not checked: {reason}", path.display()),
                ctx.color,
            );
        }
    }
    let all = listed.paths;
    let selected = cmd::plan_folders(&repo, &cwd, &args.paths, &all)?;
    let wanted = |path: &Path| selected.is_empty() || selected.iter().any(|s| path.starts_with(s));
    // The history is walked only when a rule that reads it is on.
    let history_on = crate::rules::Rule::ALL
        .iter()
        .any(|r| r.needs_history() && repo.config.level(*r) != crate::rules::Level::Off);
    let base = args.base.as_deref();
    // With `--base`, who verifies sign-offs is read from the base revision first; otherwise
    // the history is read while the plans are parsed (see below).
    let audit = if base.is_some() {
        Audit::open(&repo, false)?
    } else {
        None
    };
    let reviews = args.reviews.as_deref();
    let (trust, identity) = match (&audit, base) {
        (Some(audit), Some(base)) => {
            // `--config` as the repository was found with it: relative to `-C DIR`.
            let config = ctx.config.as_ref().map(|c| cwd.join(c));
            Trust::at_base(
                &repo,
                audit,
                base,
                reviews,
                config.as_deref(),
                check::history::identity_findings,
            )?
        }
        (None, Some(_)) if history_on => {
            return Err(Error::usage(
                "--base needs a git repository, and this is not one",
                Some("keep the plans in git, or leave out --base".to_string()),
            ));
        }
        _ => (Trust::current(&repo, reviews)?, Vec::new()),
    };
    // A change does not judge itself: the rules that guard sign-offs keep the base's levels,
    // and plans and people are read where the base reads them.
    if let Some(base) = &trust.base_config {
        for rule in crate::check::history::GUARDS {
            repo.config
                .rules
                .insert(rule.name().to_string(), base.level(rule));
        }
    }
    let settings = Settings {
        repo: &repo,
        as_of,
        trust: &trust,
        keep_text: args.format == CheckFormat::Human,
    };
    // The walk, the status of the plans folder and each plan's lineage need nothing the
    // parsing finds: unless `--base` opened the history already, they are read on a thread of
    // their own meanwhile.
    let selected_paths: Vec<PathBuf> = all.iter().filter(|p| wanted(p)).cloned().collect();
    let with_timelines = |audit: Audit| {
        let timelines = audit.timelines(&selected_paths);
        (audit, timelines)
    };
    let ((plans, mut diagnostics), history) = match audit {
        Some(audit) => (
            check::check_paths(&settings, &all, &wanted),
            Some(with_timelines(audit)),
        ),
        None if history_on => {
            let (checked, history) = std::thread::scope(|scope| {
                let reader = scope.spawn(|| -> Result<_, Error> {
                    Ok(Audit::open(settings.repo, false)?.map(with_timelines))
                });
                let checked = check::check_paths(&settings, &all, &wanted);
                let history = reader
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (checked, history)
            });
            (checked, history?)
        }
        None => (check::check_paths(&settings, &all, &wanted), None),
    };
    diagnostics.extend(identity);
    match history {
        Some((mut audit, timelines)) => {
            if audit.shallow && !ctx.quiet {
                cmd::warn(cmd::SHALLOW_WARNING, ctx.color);
            }
            if audit.partial && !ctx.quiet {
                cmd::warn(&cmd::partial_warning(), ctx.color);
            }
            if let Some(error) = audit.worktree_unread()
                && !ctx.quiet
            {
                cmd::warn(&crate::history::worktree::unread_warning(error), ctx.color);
            }
            diagnostics.extend(check::history::run(
                &settings, &mut audit, &plans, timelines, base, &wanted,
            )?);
        }
        None if history_on && !ctx.quiet && args.format == CheckFormat::Human => {
            eprintln!("note: not a git repository: sign-offs are not checked against the history");
        }
        None => {}
    }
    repo.save_parsed();
    check::finish(&repo, &trust, &plans, &mut diagnostics);
    // The text of a plan is kept only while its own rules run, or when they found something;
    // the human report shows lines of the others it has findings in by reading them again.
    let reread: Vec<(PathBuf, String, LineIndex)> = if args.format == CheckFormat::Human {
        let kept: HashSet<&Path> = plans
            .iter()
            .filter(|p| !p.text.is_empty())
            .map(|p| p.path.as_path())
            .collect();
        let mut missing: Vec<&Path> = diagnostics
            .iter()
            .map(|d| d.file.as_path())
            .filter(|f| !kept.contains(f))
            .collect();
        missing.dedup();
        missing
            .into_iter()
            .filter_map(|path| {
                let text = repo.plan_text(path)?;
                let index = LineIndex::new(&text);
                Some((path.to_path_buf(), text, index))
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut sources: HashMap<&Path, (&str, &LineIndex)> = plans
        .iter()
        .filter(|p| !p.text.is_empty())
        .map(|p| (p.path.as_path(), (p.text.as_str(), &p.index)))
        .collect();
    sources.extend(
        reread
            .iter()
            .map(|(path, text, index)| (path.as_path(), (text.as_str(), index))),
    );
    let report = CheckReport {
        files: all.iter().filter(|p| wanted(p)).cloned().collect(),
        diagnostics,
        sources,
    };
    let text = match args.format {
        CheckFormat::Human => report::human::render(&report, ctx.color, ctx.quiet),
        CheckFormat::Json => report::json::render(&report),
        CheckFormat::Github => report::github::render(&report),
        CheckFormat::Sarif => report::sarif::render(&report),
        CheckFormat::Junit => report::junit::render(&report),
    };
    cmd::print(&text)?;
    let failing =
        report.errors() > 0 || (args.deny == Some(Deny::Warnings) && report.warnings() > 0);
    // Freeing ten thousand parsed plans one by one takes longer than letting the process end.
    std::mem::forget(report);
    std::mem::forget(plans);
    std::mem::forget(reread);
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
