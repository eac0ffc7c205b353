//! The rule catalogue: every finding names one of these rules.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a rule's findings are reported (like clippy's lint levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    Error,
    Warning,
    Off,
}

macro_rules! rules {
    ($($variant:ident = $name:literal, $level:ident, $summary:literal;)*) => {
        /// A named check. Names are stable: configuration and CI depend on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        impl Rule {
            /// Every rule, in catalogue order.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The rule's stable name, as used in `[rules]` and in every output.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name),* }
            }

            /// The level a rule has unless `[rules]` says otherwise.
            pub(crate) fn default_level(self) -> Level {
                match self { $(Rule::$variant => Level::$level),* }
            }

            /// One sentence saying what the rule catches.
            pub(crate) fn summary(self) -> &'static str {
                match self { $(Rule::$variant => $summary),* }
            }

            /// The long explanation (Markdown): what it does, why it matters for a plan, an
            /// example, how to fix it. `planbook rule NAME` prints it; `docs/rules.md` and
            /// SARIF are generated from it.
            pub(crate) fn explanation(self) -> &'static str {
                match self { $(Rule::$variant => include_str!(concat!("rules/", $name, ".md"))),* }
            }
        }
    };
}

rules! {
    FrontMatter = "front-matter", Error, "The plan starts with YAML front matter between `---` lines that parses as a map.";
    Schema = "schema", Error, "Every front-matter field has the right type and a known value; required fields are present; no unknown fields.";
    IdFilename = "id-filename", Error, "The plan `id` equals the file name without `.md`.";
    DuplicateId = "duplicate-id", Error, "Plan ids are unique in the repository; metric and activity ids are unique in their plan.";
    PeriodOrder = "period-order", Error, "The period runs start < reassess <= end.";
    Outcome = "outcome", Error, "An assessed plan states its outcome; other plans do not.";
    PrimaryMetric = "primary-metric", Error, "Exactly one metric is the primary metric.";
    TargetDirection = "target-direction", Error, "Each target lies beyond the baseline in the metric's direction.";
    TargetVsExpected = "target-vs-expected", Warning, "Each target reaches what the role is expected to deliver.";
    MetricRange = "metric-range", Error, "Percentages lie within 0-100; counts, days and money are not negative.";
    UnknownMetric = "unknown-metric", Error, "Activities and check-ins name only metrics the plan defines.";
    UnknownPerson = "unknown-person", Error, "Every person named in a plan is listed in people.yaml.";
    ActivityOwner = "activity-owner", Error, "Every activity has an owner.";
    ActivityDue = "activity-due", Warning, "Activities fall due within the plan period.";
    UnmovedMetric = "unmoved-metric", Warning, "At least one activity moves each metric.";
    RequiredForStatus = "required-for-status", Error, "The fields and sections the plan's status requires are present.";
    MissingSection = "missing-section", Error, "The body has every section a plan always needs.";
    PlanLength = "plan-length", Warning, "A plan under review is not far outside the 5-7 page guideline; no plan's text nests more than 32 levels deep.";
    SignoffRequired = "signoff-required", Error, "Approved, active and assessed plans carry the sign-offs the policy requires.";
    SelfSignoff = "self-signoff", Error, "Owners do not sign off their own plans.";
    InvestmentTotal = "investment-total", Warning, "Activity investments add up to no more than the plan's stated totals.";
    Placeholder = "placeholder", Error, "A plan under review carries no template text, TBD or TODO values, or the template's sample figures (in a draft, a warning).";
    CheckinDate = "checkin-date", Error, "Check-ins and reassessments fall within the plan period (up to 31 days after its end) and not in the future.";
    CheckinActuals = "checkin-actuals", Warning, "Every check-in records an actual for the primary metric.";
    OutcomeVsActuals = "outcome-vs-actuals", Warning, "An assessed plan's outcome agrees with its actuals: `met` only when the primary metric reached its target, `missed` only when it did not.";
    HelpUnanswered = "help-unanswered", Warning, "Help still `requested` after its `by` date is followed up.";
    CheckinOverdue = "checkin-overdue", Warning, "An active plan has a check-in at least every 45 days.";
    ReassessmentOverdue = "reassessment-overdue", Warning, "A plan past its reassessment date has been assessed.";
    StatusTransition = "status-transition", Error, "Status changes follow draft -> in_review -> approved -> active -> assessed (or back to draft from review, or to withdrawn).";
    SignoffUnverified = "signoff-unverified", Error, "Each sign-off rests on evidence the policy accepts: the signer's signed commit, their approving review, their own commit, or a trusted attestation.";
    SignoffStale = "signoff-stale", Error, "No field a sign-off covers (metrics, period, currency, scope, owner, investment, consequences, and always the waivers) changed after it was given.";
    IdentityChange = "identity-change", Error, "A change does not edit people's emails, keys or logins, or the [signoff] policy, that verify its own sign-offs.";
    BrokenLink = "broken-link", Warning, "Relative links in the body, and `supersedes`, point at something that exists.";
    Waiver = "waiver", Error, "Each waiver gives a real reason and is granted by someone other than the owner who holds a role the sign-off policy requires.";
}

impl Rule {
    /// The rule with this name, if any.
    pub(crate) fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// The rule whose name is closest to a mistyped `name` (within 3 edits), for "did you
    /// mean …?".
    pub(crate) fn closest(name: &str) -> Option<&'static str> {
        crate::suggest::closest(name, Rule::ALL.iter().map(|r| r.name()), |_| 3)
    }

    /// The rule explained in Markdown under a heading of `level` (`#`, `##`): its default
    /// level, summary and explanation.
    pub(crate) fn describe(self, level: &str) -> String {
        format!(
            "{level} {}\n\nDefault level: {}{}. {}\n\n{}",
            self.name(),
            self.default_level().as_str(),
            if self.needs_history() {
                "; reads the git history"
            } else {
                ""
            },
            self.summary(),
            self.explanation()
        )
    }

    /// Where the rule's explanation is published, for SARIF and editors.
    pub(crate) fn help_uri(self) -> String {
        format!("{DOCS_URL}#{}", self.name())
    }

    /// Whether the rule reads the git history (it runs only in a git repository).
    pub(crate) fn needs_history(self) -> bool {
        matches!(
            self,
            Rule::StatusTransition
                | Rule::SignoffUnverified
                | Rule::SignoffStale
                | Rule::IdentityChange
        )
    }
}

/// The published rule reference, generated from this registry (`planbook rule --all --format
/// markdown`).
pub(crate) const DOCS_URL: &str = "https://github.com/planbook/planbook/blob/main/docs/rules.md";

/// The rule reference as Markdown: every rule with its level and explanation, in catalogue
/// order (what `docs/rules.md` holds).
pub(crate) fn reference() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- Generated by `planbook rule --all --format markdown`; do not edit. -->\n\nEvery finding of `planbook check` names one of these rules. Set a rule's level under `[rules]` in\n`planbook.toml`: `\"error\"`, `\"warning\"` or `\"off\"` (a rule that is off does not run).\n\n| rule | default | what it catches |\n|---|---|---|\n",
    );
    for rule in Rule::ALL {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            rule.name(),
            rule.default_level().as_str(),
            rule.summary()
        ));
    }
    for rule in Rule::ALL {
        out.push('\n');
        out.push_str(&rule.describe("##"));
    }
    out
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Off => "off",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        for rule in Rule::ALL {
            assert_eq!(Rule::from_name(rule.name()), Some(*rule));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Rule::ALL.len());
    }

    #[test]
    fn every_rule_is_explained() {
        for rule in Rule::ALL {
            let text = rule.explanation();
            for part in [
                "### What it does",
                "### Why it matters",
                "### Example",
                "### How to fix it",
            ] {
                assert!(text.contains(part), "{} lacks {part}", rule.name());
            }
        }
    }

    #[test]
    fn the_committed_reference_is_generated_from_the_registry() {
        let committed = include_str!("../docs/rules.md");
        assert!(
            committed == reference(),
            "docs/rules.md is out of date: run `cargo run -- rule --all --format markdown > docs/rules.md`"
        );
    }
}
