//! `planbook init [DIR]`: scaffold a plans repository that passes `planbook check` as created.

use std::path::Path;

use crate::ExitStatus;
use crate::cmd::{self, Context};
use crate::error::Error;

/// The example plan's id.
const EXAMPLE: &str = "example-territory-recovery";

/// What `init` writes, relative to the folder.
fn files(today: jiff::civil::Date) -> Vec<(&'static str, String)> {
    let config = include_str!("../../templates/init/planbook.toml");
    // The example plan takes its currency from the configuration written beside it.
    let parsed = crate::config::Config::parse(config, std::path::Path::new("planbook.toml"))
        .unwrap_or_default();
    vec![
        ("planbook.toml", config.to_string()),
        (
            "people.yaml",
            include_str!("../../templates/init/people.yaml").to_string(),
        ),
        (
            "plans/emea/example-territory-recovery.md",
            crate::cmd::new::plan_text(
                EXAMPLE,
                "Example territory recovery",
                "alex.morgan",
                "EMEA",
                parsed.region_currency("EMEA"),
                today,
            ),
        ),
        (
            ".github/workflows/planbook.yml",
            // The Action is pinned to the release of the planbook that wrote the workflow.
            include_str!("../../templates/init/planbook.yml")
                .replace("vPLANBOOK_VERSION", concat!("v", env!("CARGO_PKG_VERSION"))),
        ),
        (
            ".github/pull_request_template.md",
            include_str!("../../templates/init/pull_request_template.md").to_string(),
        ),
        (
            ".github/CODEOWNERS",
            include_str!("../../templates/init/CODEOWNERS").to_string(),
        ),
        (
            ".gitignore",
            "# The site planbook builds\n/site/\n".to_string(),
        ),
    ]
}

pub(crate) fn run(ctx: &Context, dir: Option<&Path>) -> Result<ExitStatus, Error> {
    let cwd = ctx.cwd()?;
    let root = dir.map_or_else(|| cwd.clone(), |d| cwd.join(d));
    let files = files(cmd::as_of(None)?);
    let existing: Vec<&str> = files
        .iter()
        .map(|(p, _)| *p)
        .filter(|p| root.join(p).exists())
        .collect();
    if !existing.is_empty() {
        return Err(Error::usage(
            format!(
                "{} already has {}; planbook init never overwrites files",
                root.display(),
                existing.join(", ")
            ),
            Some("run it in an empty folder, or move those files aside first".to_string()),
        ));
    }
    for (path, text) in &files {
        crate::cmd::new::write_new(&root.join(path), text)?;
    }
    if !ctx.quiet {
        let mut out = format!("Set up a plans repository in {}:\n", root.display());
        for (path, _) in &files {
            out.push_str(&format!("  {path}\n"));
        }
        out.push_str("\nNext:\n");
        let mut steps = Vec::new();
        // The audit trail and sign-off evidence are read from git: say so where there is none.
        if matches!(crate::git::discover(&root), Ok(None)) {
            steps.push("`git init`, then `git add -A && git commit -m \"Start the plans repository\"`: the audit trail and sign-offs are read from git's history.".to_string());
        }
        steps.extend([
            "Replace the people in people.yaml with your team, and the team in .github/CODEOWNERS.".to_string(),
            "`planbook new ID --owner YOU` for each plan; `planbook check` before you push.".to_string(),
            "Give each leader who approves plans their `github:` login in people.yaml: their approving pull-request review is their sign-off.".to_string(),
            "Turn on GitHub Pages (Source: GitHub Actions) to publish the site from main.".to_string(),
        ]);
        for (i, step) in steps.iter().enumerate() {
            out.push_str(&format!("  {}. {step}\n", i + 1));
        }
        cmd::print(&out)?;
    }
    Ok(ExitStatus::Success)
}
