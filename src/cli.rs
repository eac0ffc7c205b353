//! The whole command surface, in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sales Improvement Plans as code: check, audit, review and publish the plans kept in git.
#[derive(Debug, Parser)]
#[command(name = "planbook", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub(crate) global: Global,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct Global {
    /// Run as if planbook was started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
    /// Use this configuration file instead of the repository's planbook.toml
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,
    /// Print less: only findings and errors
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Set up a plans repository: configuration, people, an example plan, CI, PR template
    Init {
        /// The folder to set up (default: the current one)
        #[arg(value_name = "DIR")]
        folder: Option<PathBuf>,
    },
    /// Check plans for completeness and consistency (with history: whether sign-offs are real)
    #[command(after_help = RULES_HELP)]
    Check(CheckArgs),
    /// Build the static site of every plan
    Build(BuildArgs),
    /// Build the site, serve it on 127.0.0.1 and rebuild it on every change
    Serve(ServeArgs),
    /// Show the audit trail: every change to each plan, who made it, when, in which PR
    Log(LogArgs),
    /// What a change does to the plans: status, targets, activities, sign-offs, text
    Diff(DiffArgs),
    /// The portfolio: one row per plan with progress, confidence and reassessment
    Status(StatusArgs),
    /// Write a new plan from the template, with every section
    New(NewArgs),
    /// Print the JSON Schema of a plan's front matter
    Schema,
    /// Print the manual page (roff), e.g. `planbook man > planbook.1`, or write one page per
    /// command into a folder with `--out DIR`
    Man {
        /// Write planbook.1 and a page per command (planbook-check.1, …) into this folder
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// The language server for editors (JSON-RPC on stdin and stdout)
    Lsp,
    /// Explain a rule: what it catches, why it matters, an example and the fix
    Rule(RuleArgs),
    /// Print shell completions
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

/// The rule names, for `check --help` and `[rules]` in planbook.toml.
pub(crate) const RULES_HELP: &str =
    "Rules (set each to \"error\", \"warning\" or \"off\" under [rules] in planbook.toml):
  front-matter, schema, id-filename, duplicate-id, period-order, outcome, primary-metric,
  target-direction, target-vs-expected, metric-range, unknown-metric, unknown-person,
  activity-owner, activity-due, unmoved-metric, required-for-status, missing-section,
  plan-length, signoff-required, self-signoff, investment-total, placeholder, checkin-date,
  checkin-actuals, outcome-vs-actuals, help-unanswered, checkin-overdue,
  reassessment-overdue, status-transition, signoff-unverified, signoff-stale,
  identity-change, broken-link, waiver.
A plan accepts one rule's findings with `waivers: [{rule, reason, by}]`: they show as notes.";

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Plan files or folders to report on (default: every plan)
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub(crate) format: CheckFormat,
    /// Treat warnings as errors for the exit code (`--deny warnings`)
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub(crate) deny: Option<Deny>,
    /// The date to check against instead of today (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Also check the change since this revision (a branch, tag or commit): status
    /// transitions, identity changes, and people and policy taken from it
    #[arg(long, value_name = "REV")]
    pub(crate) base: Option<String>,
    /// Pull-request reviews that count as sign-off evidence: a JSON file of the reviews of
    /// the change under --base, or a folder of `<number>.json` files, one per pull request
    /// (GitHub's "list reviews for a pull request" response)
    #[arg(long, value_name = "PATH")]
    pub(crate) reviews: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    Human,
    Json,
    Github,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Deny {
    Warnings,
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// Output folder (default: `site.out_dir` from planbook.toml, else `site`)
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// The site's absolute address, e.g. https://acme.github.io/sales-plans/ (default:
    /// `site.url`), used only in the feed, the calendar and canonical links; page links are
    /// always relative
    #[arg(long, value_name = "URL")]
    pub(crate) site_url: Option<String>,
    /// The same as --site-url (an absolute URL); a path is not needed, since every link is
    /// relative
    #[arg(long, value_name = "URL")]
    pub(crate) base_url: Option<String>,
    /// Also publish plans marked `visibility: restricted`
    #[arg(long)]
    pub(crate) include_restricted: bool,
    /// The date the site is built as of, for days to reassessment (YYYY-MM-DD; default today)
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Pull-request reviews that count as sign-off evidence: a folder of `<number>.json`
    /// files, one per pull request (GitHub's "list reviews for a pull request" response; a
    /// single file of one change's reviews is for `check --base`)
    #[arg(long, value_name = "DIR")]
    pub(crate) reviews: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 3000)]
    pub(crate) port: u16,
    /// Pull-request reviews that count as sign-off evidence: a folder of `<number>.json`
    /// files, one per pull request (GitHub's "list reviews for a pull request" response; a
    /// single file of one change's reviews is for `check --base`)
    #[arg(long, value_name = "DIR")]
    pub(crate) reviews: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct LogArgs {
    /// Plan ids or plan file paths (default: every plan)
    #[arg(value_name = "PLAN")]
    pub(crate) plans: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = LogFormat::Human)]
    pub(crate) format: LogFormat,
    /// Only revisions on or after this date (YYYY-MM-DD, the day on the author's clock) or
    /// time (RFC 3339, e.g. 2026-03-02T09:00:00+01:00, compared as an instant)
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<String>,
    /// Only revisions on or before this date (YYYY-MM-DD, the day on the author's clock) or
    /// time (RFC 3339, compared as an instant)
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
    /// Pull-request reviews that count as sign-off evidence: a folder of `<number>.json`
    /// files, one per pull request (GitHub's "list reviews for a pull request" response; a
    /// single file of one change's reviews is for `check --base`)
    #[arg(long, value_name = "DIR")]
    pub(crate) reviews: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The revision to compare with, e.g. origin/main
    pub(crate) base: String,
    /// The revision to compare (default: the working tree)
    pub(crate) head: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub(crate) format: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Plan files or folders to report on (default: every plan)
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub(crate) format: StatusFormat,
    /// The date to report as of instead of today (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Only what needs a leader's action: plans behind or at risk, reassessments due within
    /// 14 days or overdue, sign-offs awaited, overdue check-ins, help past its date
    #[arg(long)]
    pub(crate) attention: bool,
    /// Only the plans this person (a people.yaml id) owns
    #[arg(long, value_name = "PERSON")]
    pub(crate) owner: Option<String>,
    /// Only the plans of this region (`scope.region`, any case)
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Only the plans owned by people who report to this person, directly or through others
    /// (`manager` in people.yaml)
    #[arg(long, value_name = "PERSON")]
    pub(crate) manager: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub(crate) struct RuleArgs {
    /// The rule's name, e.g. signoff-stale
    #[arg(
        value_name = "NAME",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub(crate) name: Option<String>,
    /// Every rule
    #[arg(long)]
    pub(crate) all: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = RuleFormat::Human)]
    pub(crate) format: RuleFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuleFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub(crate) struct NewArgs {
    /// The plan id: lowercase letters, digits and hyphens (also the file name)
    pub(crate) id: String,
    /// The plan's title
    #[arg(long)]
    pub(crate) title: Option<String>,
    /// The owner's person id from people.yaml (default: you, by your git email)
    #[arg(long)]
    pub(crate) owner: Option<String>,
    /// The region the plan covers; the plan is written under plans/<region>/
    #[arg(long)]
    pub(crate) region: Option<String>,
    /// Start the next period's plan from an existing one (its id or file): same owner, scope,
    /// metrics and text, the latest actuals as baselines, the next period, `supersedes` it
    #[arg(long, value_name = "PLAN")]
    pub(crate) from: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_help_names_every_rule() {
        for rule in crate::rules::Rule::ALL {
            assert!(
                super::RULES_HELP.contains(rule.name()),
                "{} missing from check --help",
                rule.name()
            );
        }
    }
}
