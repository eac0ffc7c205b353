//! Every rule in the registry has a firing and a clean case (a table, checked against
//! `Rule::ALL`), and the rules' limits are tested on both sides of the boundary. Rules that need
//! no history run in-process; the history rules run the binary on real git repositories.

use planbook::check::rules::{ALWAYS_SECTIONS, MAX_WORDS, MIN_WORDS, REVIEW_SECTIONS};
use planbook::plan::model::CHECKIN_INTERVAL_DAYS;
use planbook::rules::Rule;

use crate::common::{self, TestRepo, findings, valid_plan};

const ANA: &str = "Ana Lima <ana@example.com>";
const BOT: &str = "Merge Bot <merge-bot@example.com>";

/// One side of a rule's row.
enum Case {
    /// The valid plan with each `(from, to)` replaced once, checked in-process as of a date.
    Plan(&'static [(&'static str, &'static str)], &'static str),
    /// A plan's whole text, checked in-process as of 2026-03-01.
    Text(fn() -> String),
    /// A git repository and the extra `check` arguments, checked by the binary.
    Git(fn() -> (TestRepo, Vec<String>)),
}

use Case::{Git, Plan, Text};

const AS_OF: &str = "2026-03-01";
const BEN_SIGNOFF: &str = "  - person: ben\n    role: VP Sales\n    date: 2025-12-22\n";

/// `(rule, firing, clean)`: the firing case reports the rule, the clean one does not.
fn table() -> Vec<(Rule, Case, Case)> {
    vec![
        (
            Rule::FrontMatter,
            Plan(&[("sponsor: ben", "sponsor: ben\nsponsor: cleo")], AS_OF),
            Plan(&[("sponsor: ben", "sponsor: ben\n# sponsor: cleo")], AS_OF),
        ),
        (
            Rule::Schema,
            Plan(&[("status: approved", "status: aproved")], AS_OF),
            Plan(&[("status: approved", "status: \"approved\"")], AS_OF),
        ),
        (
            Rule::IdFilename,
            Plan(&[("id: alpha", "id: beta")], AS_OF),
            Plan(&[("id: alpha", "id: 'alpha'")], AS_OF),
        ),
        (
            Rule::DuplicateId,
            Plan(&[("id: poc-playbook", "id: roundtables")], AS_OF),
            Plan(&[("id: poc-playbook", "id: poc-guide")], AS_OF),
        ),
        (
            Rule::PeriodOrder,
            Plan(&[("reassess: 2026-04-30", "reassess: 2025-12-01")], AS_OF),
            // reassess may fall on the end.
            Plan(&[("reassess: 2026-04-30", "reassess: 2026-06-30")], AS_OF),
        ),
        (
            Rule::Outcome,
            Plan(
                &[("status: approved", "status: approved\noutcome: met")],
                AS_OF,
            ),
            Plan(
                &[("status: approved", "status: assessed\noutcome: missed")],
                AS_OF,
            ),
        ),
        (
            Rule::PrimaryMetric,
            Plan(&[("    primary: true\n", "")], AS_OF),
            Plan(
                &[
                    ("    primary: true\n", ""),
                    ("    target: 25\n", "    target: 25\n    primary: true\n"),
                ],
                AS_OF,
            ),
        ),
        (
            Rule::TargetDirection,
            Plan(&[("target: 500000", "target: 380000")], AS_OF),
            Plan(&[("target: 500000", "target: 600000")], AS_OF),
        ),
        (
            Rule::TargetVsExpected,
            Plan(&[("target: 500000", "target: 450000")], AS_OF),
            Plan(&[("target: 500000", "target: 550000")], AS_OF),
        ),
        (
            Rule::MetricRange,
            Plan(&[("target: 25", "target: 125")], AS_OF),
            Plan(&[("target: 25", "target: 100")], AS_OF),
        ),
        (
            Rule::UnknownMetric,
            Plan(&[("metrics: [win-rate]", "metrics: [win-rat]")], AS_OF),
            Plan(
                &[("metrics: [win-rate]", "metrics: [win-rate, bookings]")],
                AS_OF,
            ),
        ),
        (
            Rule::UnknownPerson,
            Plan(&[("owner: cleo", "owner: cloe")], AS_OF),
            Plan(&[("owner: cleo", "owner: ben")], AS_OF),
        ),
        (
            Rule::ActivityOwner,
            Plan(&[("    owner: cleo\n", "")], AS_OF),
            Plan(&[("    owner: cleo\n", "    owner: ana\n")], AS_OF),
        ),
        (
            Rule::ActivityDue,
            Plan(&[("due: 2026-04-15", "due: 2026-09-15")], AS_OF),
            // Due on the last day of the period.
            Plan(&[("due: 2026-04-15", "due: 2026-06-30")], AS_OF),
        ),
        (
            Rule::UnmovedMetric,
            Plan(&[("metrics: [win-rate]", "metrics: [bookings]")], AS_OF),
            Plan(
                &[("metrics: [win-rate]", "metrics: [bookings, win-rate]")],
                AS_OF,
            ),
        ),
        (
            Rule::RequiredForStatus,
            Plan(&[("sponsor: ben\n", "")], AS_OF),
            // A draft needs no sponsor.
            Plan(
                &[
                    ("sponsor: ben\n", ""),
                    ("status: approved", "status: draft"),
                ],
                AS_OF,
            ),
        ),
        (
            Rule::MissingSection,
            Plan(&[("## Recent challenges", "## Challenges")], AS_OF),
            Plan(&[("## Recent challenges", "## Recent Challenges")], AS_OF),
        ),
        (
            Rule::PlanLength,
            Text(|| plan_of_words(MIN_WORDS - 1)),
            Text(|| plan_of_words(MIN_WORDS)),
        ),
        (
            Rule::SignoffRequired,
            Plan(&[(BEN_SIGNOFF, "")], AS_OF),
            // A draft needs no sign-off yet.
            Plan(
                &[(BEN_SIGNOFF, ""), ("status: approved", "status: draft")],
                AS_OF,
            ),
        ),
        (
            Rule::SelfSignoff,
            Plan(
                &[(
                    "  - person: cleo\n    role: Peer",
                    "  - person: ana\n    role: Peer",
                )],
                AS_OF,
            ),
            Plan(&[], AS_OF),
        ),
        (
            Rule::InvestmentTotal,
            Plan(&[("budget: 30000", "budget: 10000")], AS_OF),
            // Exactly what the activities add up to.
            Plan(&[("budget: 30000", "budget: 20000")], AS_OF),
        ),
        (
            Rule::Placeholder,
            Plan(
                &[("title: Nordics mid-market recovery", "title: TBD")],
                AS_OF,
            ),
            Plan(
                &[(
                    "title: Nordics mid-market recovery",
                    "title: Nordics TBD accounts",
                )],
                AS_OF,
            ),
        ),
        (
            Rule::CheckinDate,
            Plan(&[("- date: 2026-02-15", "- date: 2026-03-02")], AS_OF),
            // A check-in today is not in the future.
            Plan(&[("- date: 2026-02-15", "- date: 2026-03-01")], AS_OF),
        ),
        (
            Rule::CheckinActuals,
            Plan(
                &[(
                    "actuals: { bookings: 420000, win-rate: 21 }",
                    "actuals: { win-rate: 21 }",
                )],
                AS_OF,
            ),
            Plan(
                &[(
                    "actuals: { bookings: 420000, win-rate: 21 }",
                    "actuals: { bookings: 420000 }",
                )],
                AS_OF,
            ),
        ),
        (
            Rule::OutcomeVsActuals,
            Plan(
                &[("status: approved", "status: assessed\noutcome: met")],
                AS_OF,
            ),
            Plan(
                &[("status: approved", "status: assessed\noutcome: missed")],
                AS_OF,
            ),
        ),
        (
            Rule::HelpUnanswered,
            Plan(&[("status: agreed", "status: requested")], AS_OF),
            // Still requested, but not yet after its date.
            Plan(
                &[
                    ("status: agreed", "status: requested"),
                    ("by: 2026-02-28", "by: 2026-03-01"),
                ],
                AS_OF,
            ),
        ),
        (
            Rule::CheckinOverdue,
            Plan(&[("status: approved", "status: active")], "2026-04-15"),
            Plan(&[("status: approved", "status: active")], AS_OF),
        ),
        (
            Rule::ReassessmentOverdue,
            Plan(&[], "2026-05-01"),
            // On the reassessment date itself.
            Plan(&[], "2026-04-30"),
        ),
        (
            Rule::StatusTransition,
            Git(skipped_status),
            Git(next_status),
        ),
        (Rule::SignoffUnverified, Git(signed_by_owner), Git(attested)),
        (
            Rule::SignoffStale,
            Git(target_after_signoff),
            Git(activity_after_signoff),
        ),
        (Rule::IdentityChange, Git(email_changed), Git(title_changed)),
        (
            Rule::BrokenLink,
            Plan(
                &[(
                    "## Activities\n\n",
                    "## Activities\n\nSee [the notes](notes/missing.md).\n\n",
                )],
                AS_OF,
            ),
            Plan(
                &[(
                    "## Activities\n\n",
                    "## Activities\n\nSee [the notes](https://example.com/notes).\n\n",
                )],
                AS_OF,
            ),
        ),
        (
            Rule::Waiver,
            // The owner cannot waive a finding of their own plan.
            Plan(
                &[(
                    "signoffs:\n",
                    "waivers:\n  - rule: target-vs-expected\n    reason: Agreed after the split.\n    by: ana\nsignoffs:\n",
                )],
                AS_OF,
            ),
            Plan(
                &[(
                    "signoffs:\n",
                    "waivers:\n  - rule: target-vs-expected\n    reason: Agreed after the split.\n    by: ben\nsignoffs:\n",
                )],
                AS_OF,
            ),
        ),
    ]
}

/// The rules a case reports.
fn rules_of(case: &Case) -> Vec<String> {
    let in_process = |text: &str, as_of: &str| {
        let repo = TestRepo::new();
        repo.plan("alpha.md", text);
        common::check_in_process(repo.path(), as_of)
    };
    let found = match case {
        Plan(changes, as_of) => {
            let mut text = valid_plan("alpha");
            for (from, to) in *changes {
                assert!(text.contains(from), "fixture lacks {from:?}");
                text = text.replacen(from, to, 1);
            }
            in_process(&text, as_of)
        }
        Text(make) => in_process(&make(), AS_OF),
        Git(make) => {
            let (repo, extra) = make();
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            findings(&repo.check_json(&extra).1)
        }
    };
    found.into_iter().map(|(rule, _, _)| rule).collect()
}

#[test]
fn every_rule_in_the_registry_has_a_firing_and_a_clean_case() {
    let table = table();
    let covered: Vec<Rule> = table.iter().map(|(rule, _, _)| *rule).collect();
    assert_eq!(covered, Rule::ALL, "one row per rule, in catalogue order");
    for (rule, firing, clean) in &table {
        let name = rule.name().to_string();
        let fired = rules_of(firing);
        assert!(fired.contains(&name), "{name} does not fire: {fired:?}");
        let quiet = rules_of(clean);
        assert!(
            !quiet.contains(&name),
            "{name} fires on its clean case: {quiet:?}"
        );
    }
}

// The history rules' fixtures: one plan, in a git repository, checked as of 2026-03-01.

/// The valid plan without sign-offs, in review.
fn in_review() -> String {
    let plan = valid_plan("alpha");
    let start = plan.find("signoffs:").unwrap();
    let end = plan.find("---\n\n# Nordics").unwrap();
    format!("{}{}", &plan[..start], &plan[end..]).replace("status: approved", "status: in_review")
}

/// A plan in review committed as the base, then its status edited to `status`.
fn in_review_then(status: &str) -> (TestRepo, Vec<String>) {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", in_review());
    let base = repo.commit("Send for review", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan(
        "alpha.md",
        in_review().replace("status: in_review", &format!("status: {status}")),
    );
    (repo, vec!["--base".into(), base])
}

fn skipped_status() -> (TestRepo, Vec<String>) {
    in_review_then("active")
}

fn next_status() -> (TestRepo, Vec<String>) {
    in_review_then("draft")
}

/// The owner adds everyone's sign-offs in her own commit.
fn signed_by_owner() -> (TestRepo, Vec<String>) {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", in_review());
    repo.commit("Send for review", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit("Approve", ANA, "2026-01-12T09:00:00+00:00");
    (repo, Vec::new())
}

/// The sign-offs attested by the trusted merge bot's commit.
fn attested() -> (TestRepo, Vec<String>) {
    let repo = TestRepo::with_git();
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n",
    );
    repo.plan("alpha.md", in_review());
    repo.commit("Send for review", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit_by(
        "Approve\n\nApproved-by: Ben Ode <ben@example.com>\nApproved-by: Cleo Park <cleo@example.com>",
        ANA,
        BOT,
        "2026-01-12T09:00:00+00:00",
        &[],
    );
    (repo, Vec::new())
}

/// The attested plan, changed afterwards by `from` -> `to`.
fn after_signoff(from: &str, to: &str) -> (TestRepo, Vec<String>) {
    let (repo, extra) = attested();
    repo.plan("alpha.md", valid_plan("alpha").replacen(from, to, 1));
    repo.commit("Edit", ANA, "2026-01-20T09:00:00+00:00");
    (repo, extra)
}

fn target_after_signoff() -> (TestRepo, Vec<String>) {
    after_signoff("target: 500000", "target: 450000")
}

fn activity_after_signoff() -> (TestRepo, Vec<String>) {
    after_signoff("status: planned", "status: started")
}

/// A committed base, then `people.yaml` edited by `from` -> `to`.
fn people_changed(from: &str, to: &str) -> (TestRepo, Vec<String>) {
    let (repo, _) = attested();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write("people.yaml", common::PEOPLE.replacen(from, to, 1));
    (repo, vec!["--base".into(), base])
}

fn email_changed() -> (TestRepo, Vec<String>) {
    people_changed("email: cleo@example.com", "email: cleo@elsewhere.example")
}

fn title_changed() -> (TestRepo, Vec<String>) {
    people_changed("title: Solutions Engineer", "title: Solutions Architect")
}

// Boundaries.

/// An active plan whose last check-in was on 2026-02-15, checked `days` later.
fn overdue_after(days: i32) -> Vec<String> {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("status: approved", "status: active"),
    );
    let last: jiff::civil::Date = "2026-02-15".parse().unwrap();
    let as_of = last.checked_add(jiff::Span::new().days(days)).unwrap();
    common::check_in_process(repo.path(), &as_of.to_string())
        .into_iter()
        .map(|(rule, _, _)| rule)
        .filter(|rule| rule == "checkin-overdue")
        .collect()
}

#[test]
fn a_checkin_is_overdue_after_45_days_not_on_the_45th() {
    assert_eq!(CHECKIN_INTERVAL_DAYS, 45);
    assert_eq!(overdue_after(45), Vec::<String>::new());
    assert_eq!(overdue_after(46), ["checkin-overdue"]);
}

/// A plan in review whose body is exactly `words` words long (headings count: they are text
/// a reader reads).
fn plan_of_words(words: usize) -> String {
    let plan = valid_plan("alpha").replace("status: approved", "status: in_review");
    let front = &plan[..plan.find("# Nordics").unwrap()];
    let title = "# Nordics mid-market recovery\n\n";
    let headings: Vec<String> = ALWAYS_SECTIONS
        .iter()
        .chain(&REVIEW_SECTIONS)
        .map(|s| format!("## {s}\n\n"))
        .collect();
    let fixed: usize = std::iter::once(title)
        .chain(headings.iter().map(String::as_str))
        .map(|h| h.trim_start_matches('#').split_whitespace().count())
        .sum();
    let mut body = String::from(title);
    for (i, heading) in headings.iter().enumerate() {
        body.push_str(heading);
        if i == 0 {
            body.push_str(&"word ".repeat(words - fixed));
            body.push_str("\n\n");
        }
    }
    format!("{front}{body}")
}

/// The `plan-length` findings on a plan in review of `words` words.
fn length_findings(words: usize) -> usize {
    let repo = TestRepo::new();
    repo.plan("alpha.md", plan_of_words(words));
    common::check_in_process(repo.path(), AS_OF)
        .iter()
        .filter(|(rule, _, _)| rule == "plan-length")
        .count()
}

#[test]
fn plan_length_limits_hold_on_both_sides() {
    assert_eq!(length_findings(MIN_WORDS - 1), 1);
    assert_eq!(length_findings(MIN_WORDS), 0);
    assert_eq!(length_findings(MAX_WORDS), 0);
    assert_eq!(length_findings(MAX_WORDS + 1), 1);
}
