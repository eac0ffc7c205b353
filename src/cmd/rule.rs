//! `planbook rule NAME` and `planbook rule --all`: the rule registry's explanations.

use serde::Serialize;

use crate::ExitStatus;
use crate::cli::{RuleArgs, RuleFormat};
use crate::cmd;
use crate::error::Error;
use crate::rules::{self, Rule};

/// A rule as `rule --format json` prints it.
#[derive(Serialize)]
struct RuleView {
    name: &'static str,
    level: &'static str,
    summary: &'static str,
    /// Whether it reads the git history.
    history: bool,
    explanation: &'static str,
    url: String,
}

impl RuleView {
    fn of(rule: Rule) -> RuleView {
        RuleView {
            name: rule.name(),
            level: rule.default_level().as_str(),
            summary: rule.summary(),
            history: rule.needs_history(),
            explanation: rule.explanation(),
            url: rule.help_uri(),
        }
    }
}

pub(crate) fn run(args: &RuleArgs) -> Result<ExitStatus, Error> {
    let selected: Vec<Rule> = match &args.name {
        Some(name) => vec![find(name)?],
        None => Rule::ALL.to_vec(),
    };
    match args.format {
        RuleFormat::Json if args.all => cmd::print_json(
            &selected
                .iter()
                .map(|r| RuleView::of(*r))
                .collect::<Vec<_>>(),
        )?,
        RuleFormat::Json => cmd::print_json(&RuleView::of(selected[0]))?,
        RuleFormat::Markdown if args.all => cmd::print(&rules::reference())?,
        RuleFormat::Markdown | RuleFormat::Human => {
            let text: Vec<String> = selected.iter().map(|r| r.describe("#")).collect();
            cmd::print(&text.join("\n"))?
        }
    }
    Ok(ExitStatus::Success)
}

fn find(name: &str) -> Result<Rule, Error> {
    Rule::from_name(name).ok_or_else(|| {
        let close = Rule::closest(name);
        Error::usage(
            format!("there is no rule named `{name}`"),
            Some(match close {
                Some(rule) => {
                    format!("did you mean `{rule}`? `planbook rule --all` lists every rule")
                }
                None => "`planbook rule --all` lists every rule".to_string(),
            }),
        )
    })
}
