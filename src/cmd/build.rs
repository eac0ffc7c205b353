//! `planbook build`: write the static site.

use crate::ExitStatus;
use crate::cli::BuildArgs;
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::site::{self, Options};

pub(crate) fn run(ctx: &Context, args: &BuildArgs) -> Result<ExitStatus, Error> {
    let repo = ctx.repo()?;
    let cwd = ctx.cwd()?;
    let out = match &args.out {
        Some(out) => cwd.join(out),
        None => repo.root.join(&repo.config.site.out_dir),
    };
    let options = Options {
        out,
        site_url: site_url(&repo, args)?,
        include_restricted: args.include_restricted,
        today: cmd::as_of(args.as_of.as_deref())?,
        progress: progress_bar(ctx.quiet),
        reviews: args.reviews.as_ref().map(|r| cwd.join(r)),
    };
    let started = std::time::Instant::now();
    let no_site_url = options.site_url.is_none();
    let built = site::build(repo, &options)?;
    if no_site_url && !ctx.quiet {
        eprintln!(
            "note: the feed and the calendar carry no links to the plans: set `site.url` in planbook.toml (or --site-url) to the address the site is published at"
        );
    }
    if built.shallow {
        cmd::warn(cmd::SHALLOW_WARNING, ctx.color);
    }
    if built.partial {
        cmd::warn(&cmd::partial_warning(), ctx.color);
    }
    if let Some(error) = &built.worktree_unread {
        cmd::warn(&crate::history::worktree::unread_warning(error), ctx.color);
    }
    for (path, reason) in &built.skipped {
        cmd::warn(
            &format!("{} is not on the site: {reason}", path.display()),
            ctx.color,
        );
    }
    if !ctx.quiet {
        let shown = built.out.strip_prefix(&cwd).unwrap_or(&built.out);
        cmd::print(&format!(
            "Built {} plan{} ({} pages) into {} in {:.1}s\n",
            built.plans,
            if built.plans == 1 { "" } else { "s" },
            built.pages,
            shown.display(),
            started.elapsed().as_secs_f64()
        ))?;
    }
    Ok(ExitStatus::Success)
}

/// A progress bar on an interactive terminal; none when quiet, in CI or when piped.
fn progress_bar(quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || crate::ci::running_in_ci() || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{spinner} {msg} {wide_bar} {pos}/{len}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// The site's absolute address: `--site-url`, `site.url`, or an absolute `--base-url` /
/// `site.base_url` as older configurations give it.
fn site_url(
    repo: &crate::repo::Repo,
    args: &crate::cli::BuildArgs,
) -> Result<Option<String>, Error> {
    let absolute = |u: &String| u.starts_with("https://") || u.starts_with("http://");
    let given = args
        .site_url
        .clone()
        .or_else(|| repo.config.site.url.clone())
        .or_else(|| args.base_url.clone().filter(absolute))
        .or_else(|| repo.config.site.base_url.clone().filter(absolute));
    match given {
        Some(url) if !absolute(&url) => Err(Error::usage(
            format!("--site-url {url}: not an absolute http(s) address"),
            Some("give the address the site is published at, e.g. https://acme.github.io/sales-plans/".to_string()),
        )),
        other => Ok(other),
    }
}
