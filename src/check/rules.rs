//! One function per rule, named like the rule. Each looks at one plan and records findings.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::check::{Findings, Subject};
use crate::config::SignoffPolicy;
use crate::diagnostic::Span;
use crate::path;
use crate::plan::body::{Body, LinkTarget, link_target};
use crate::plan::model::SignOff;
use crate::plan::model::{Direction, Function, Status, Unit};
use crate::plan::{Node, People, Plan};
use crate::rules::Rule;
use crate::suggest::{MAX_SUGGESTIONS, closest};

/// Body sections every plan has, whatever its status.
pub const ALWAYS_SECTIONS: [&str; 6] = [
    "Summary",
    "Current performance vs expectations",
    "Recent challenges",
    "Activities",
    "Investment",
    "Help needed",
];

/// Body sections a plan needs once it is under review. "What changes" says what the plan stops
/// doing and what it tries instead: a plan that only does more of the same is not a plan.
pub const REVIEW_SECTIONS: [&str; 3] = [
    "Structural analysis",
    "What changes",
    "Consequences and incentive",
];

/// The section an assessed plan adds.
pub(crate) const ASSESSMENT_SECTION: &str = "Assessment";

use crate::plan::model::CHECKIN_INTERVAL_DAYS;

/// Body length (in words) outside which a plan is "far" from the 5–7 page guideline.
pub const MIN_WORDS: usize = 1_000;
pub const MAX_WORDS: usize = 5_000;

/// A rule that looks at one plan at a time.
type PlanRule = fn(&Subject, &mut Findings);

/// Every per-plan rule and the function that runs it, in the order findings are produced.
pub(crate) const PER_PLAN: &[(Rule, PlanRule)] = &[
    (Rule::IdFilename, id_filename),
    (Rule::DuplicateId, duplicate_id),
    (Rule::Schema, currency),
    (Rule::PeriodOrder, period_order),
    (Rule::Outcome, outcome),
    (Rule::PrimaryMetric, primary_metric),
    (Rule::TargetDirection, target_direction),
    (Rule::TargetVsExpected, target_vs_expected),
    (Rule::MetricRange, metric_range),
    (Rule::UnknownMetric, unknown_metric),
    (Rule::UnknownPerson, unknown_person),
    (Rule::ActivityOwner, activity_owner),
    (Rule::ActivityDue, activity_due),
    (Rule::UnmovedMetric, unmoved_metric),
    (Rule::RequiredForStatus, required_for_status),
    (Rule::MissingSection, missing_section),
    (Rule::PlanLength, plan_length),
    (Rule::SignoffRequired, signoff_required),
    (Rule::SelfSignoff, self_signoff),
    (Rule::InvestmentTotal, investment_total),
    (Rule::Placeholder, crate::check::domain::placeholder),
    (Rule::CheckinDate, crate::check::domain::checkin_date),
    (Rule::CheckinActuals, crate::check::domain::checkin_actuals),
    (
        Rule::OutcomeVsActuals,
        crate::check::domain::outcome_vs_actuals,
    ),
    (Rule::HelpUnanswered, crate::check::domain::help_unanswered),
    (Rule::CheckinOverdue, checkin_overdue),
    (Rule::ReassessmentOverdue, reassessment_overdue),
    (Rule::BrokenLink, broken_link),
    (Rule::Schema, crate::check::waivers::waived_rules),
    (Rule::Waiver, crate::check::waivers::waiver),
];

/// Runs every per-plan rule that is not off.
pub(crate) fn run_all(s: &Subject, f: &mut Findings) {
    for (rule, check) in PER_PLAN {
        if s.config.level(*rule) != crate::rules::Level::Off {
            check(s, f);
        }
    }
}

fn status(s: &Subject) -> Status {
    s.plan.status.unwrap_or(Status::Draft)
}

/// A number as people write it: no `.0` on whole numbers, thousands as they are.
pub(crate) fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

pub(crate) fn id_filename(s: &Subject, f: &mut Findings) {
    let Some(id) = &s.plan.id else { return };
    let stem = s.file.stem();
    if *id != stem {
        f.add(
            Rule::IdFilename,
            s.front_matter.locate(path!["id"]),
            format!("plan id `{id}` differs from the file name `{stem}.md`"),
            Some(format!("rename the file to `{id}.md`, or set `id: {stem}`")),
        );
    }
}

pub(crate) fn duplicate_id(s: &Subject, f: &mut Findings) {
    for (list, what) in [("metrics", "metric"), ("activities", "activity")] {
        let ids: Vec<Option<&str>> = match list {
            "metrics" => s.plan.metrics.iter().map(|m| m.id.as_deref()).collect(),
            _ => s.plan.activities.iter().map(|a| a.id.as_deref()).collect(),
        };
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            let Some(id) = id else { continue };
            if let Some(first) = seen.get(id) {
                f.add(
                    Rule::DuplicateId,
                    s.front_matter.locate(path![list, i, "id"]),
                    format!(
                        "{what} id `{id}` is used twice in this plan (first as {what} {})",
                        first + 1
                    ),
                    Some(format!("give each {what} its own id")),
                );
            } else {
                seen.insert(id, i);
            }
        }
    }
}

/// Part of `schema`: money needs a currency.
pub(crate) fn currency(s: &Subject, f: &mut Findings) {
    if s.plan.currency.is_some() {
        return;
    }
    let fm = s.front_matter;
    let mut money = Vec::new();
    if s.plan
        .investment
        .as_ref()
        .is_some_and(|i| i.budget.is_some())
    {
        money.push(fm.locate_key(path!["investment", "budget"]));
    }
    for (i, a) in s.plan.activities.iter().enumerate() {
        if a.investment.as_ref().is_some_and(|inv| inv.money.is_some()) {
            money.push(fm.locate_key(path!["activities", i, "investment", "money"]));
        }
    }
    for (i, m) in s.plan.metrics.iter().enumerate() {
        if m.unit == Some(Unit::Currency) {
            money.push(fm.locate(path!["metrics", i, "unit"]));
        }
    }
    if let Some(first) = money.into_iter().min() {
        f.add(
            Rule::Schema,
            first,
            "the plan gives amounts of money but no `currency`",
            Some("add `currency:` with the ISO 4217 code, e.g. `currency: EUR`".to_string()),
        );
    }
}

pub(crate) fn period_order(s: &Subject, f: &mut Findings) {
    let Some(period) = &s.plan.period else { return };
    let (Some(start), Some(reassess), Some(end)) = (period.start, period.reassess, period.end)
    else {
        return;
    };
    if reassess <= start {
        f.add(
            Rule::PeriodOrder,
            s.front_matter.locate(path!["period", "reassess"]),
            format!("the reassessment date {reassess} is not after the start {start}"),
            Some("reassess some weeks after the plan starts: start < reassess <= end".to_string()),
        );
    }
    if end < reassess {
        f.add(
            Rule::PeriodOrder,
            s.front_matter.locate(path!["period", "end"]),
            format!("the plan ends on {end}, before its reassessment on {reassess}"),
            Some("the reassessment falls within the period: start < reassess <= end".to_string()),
        );
    }
    // Milestones lie inside the period, in date order.
    for (i, m) in s.plan.metrics.iter().enumerate() {
        let mut previous: Option<jiff::civil::Date> = None;
        for (j, milestone) in m.milestones.iter().enumerate() {
            let Some(date) = milestone.date else { continue };
            let at = s
                .front_matter
                .locate(path!["metrics", i, "milestones", j, "date"]);
            if date <= start || date > end {
                f.add(
                    Rule::PeriodOrder,
                    at,
                    format!("milestone {date} lies outside the period {start} to {end}"),
                    Some(
                        "date each milestone after the start and on or before the end".to_string(),
                    ),
                );
                continue;
            }
            if let Some(before) = previous.filter(|p| date <= *p) {
                f.add(
                    Rule::PeriodOrder,
                    at,
                    format!("milestone {date} comes after the milestone of {before}"),
                    Some("list milestones in date order, one per date".to_string()),
                );
            }
            previous = Some(previous.map_or(date, |p| p.max(date)));
        }
    }
}

pub(crate) fn outcome(s: &Subject, f: &mut Findings) {
    match (status(s), s.plan.outcome) {
        (Status::Assessed, None) => f.add(
            Rule::Outcome,
            s.front_matter.locate(path!["status"]),
            "an assessed plan must state its outcome",
            Some("add `outcome: met`, `outcome: partially_met` or `outcome: missed`".to_string()),
        ),
        (other, Some(outcome)) if other != Status::Assessed => f.add(
            Rule::Outcome,
            s.front_matter.locate_key(path!["outcome"]),
            format!(
                "outcome `{}` is given but the plan is {}, not assessed",
                outcome.label(),
                other.label()
            ),
            Some(
                "remove `outcome` until the plan is assessed at the end of its period".to_string(),
            ),
        ),
        _ => {}
    }
}

pub(crate) fn primary_metric(s: &Subject, f: &mut Findings) {
    if s.plan.metrics.is_empty() {
        return;
    }
    let primaries: Vec<usize> = s
        .plan
        .metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| m.primary)
        .map(|(i, _)| i)
        .collect();
    match primaries.as_slice() {
        [] => f.add(
            Rule::PrimaryMetric,
            s.front_matter.locate_key(path!["metrics"]),
            "no metric is marked primary",
            Some("add `primary: true` to the metric the plan will be judged by".to_string()),
        ),
        [_] => {}
        [first, rest @ ..] => {
            let first_id = s.plan.metrics[*first].id.clone().unwrap_or_default();
            for i in rest {
                f.add(
                    Rule::PrimaryMetric,
                    s.front_matter.locate(path!["metrics", *i, "primary"]),
                    format!("a second primary metric (`{first_id}` is already primary)"),
                    Some("keep `primary: true` on one metric only".to_string()),
                );
            }
        }
    }
}

pub(crate) fn target_direction(s: &Subject, f: &mut Findings) {
    for (i, m) in s.plan.metrics.iter().enumerate() {
        let (Some(direction), Some(baseline), Some(target)) = (m.direction, m.baseline, m.target)
        else {
            continue;
        };
        if direction.better(target, baseline) {
            continue;
        }
        let (relation, kind) = match direction {
            Direction::Increase if target == baseline => ("equals", "an increasing"),
            Direction::Increase => ("is below", "an increasing"),
            Direction::Decrease if target == baseline => ("equals", "a decreasing"),
            Direction::Decrease => ("is above", "a decreasing"),
        };
        f.add(
            Rule::TargetDirection,
            s.front_matter.locate(path!["metrics", i, "target"]),
            format!(
                "target {} {relation} baseline {} for {kind} metric",
                number(target),
                number(baseline)
            ),
            Some(format!(
                "a plan commits to improvement: set a target {} the baseline, or correct `direction`",
                if direction == Direction::Increase { "above" } else { "below" }
            )),
        );
    }
    milestone_direction(s, f);
}

/// Milestones move from the baseline towards the target, never back: each is at least as good
/// as the one before it (the baseline first, or 0 for actuals that add up) and the target at
/// least as good as the last.
fn milestone_direction(s: &Subject, f: &mut Findings) {
    for (i, m) in s.plan.metrics.iter().enumerate() {
        let (Some(direction), Some(target)) = (m.direction, m.target) else {
            continue;
        };
        let origin = match m.aggregate {
            crate::plan::model::Aggregate::Sum => Some(0.0),
            _ => m.baseline,
        };
        let worse = |a: f64, b: f64| direction.better(b, a);
        let mut previous = origin;
        for (j, milestone) in m.milestones.iter().enumerate() {
            let Some(value) = milestone.value else {
                continue;
            };
            let beyond = worse(target, value);
            if let Some(before) = previous.filter(|p| worse(value, *p)) {
                f.add(
                    Rule::TargetDirection,
                    s.front_matter.locate(path!["metrics", i, "milestones", j, "value"]),
                    format!(
                        "milestone {} goes back from {} for {} metric",
                        number(value),
                        number(before),
                        if direction == Direction::Increase { "an increasing" } else { "a decreasing" }
                    ),
                    Some("the committed path moves towards the target: each milestone at least as good as the one before".to_string()),
                );
            } else if beyond {
                f.add(
                    Rule::TargetDirection,
                    s.front_matter
                        .locate(path!["metrics", i, "milestones", j, "value"]),
                    format!(
                        "milestone {} lies beyond the target {}",
                        number(value),
                        number(target)
                    ),
                    Some(
                        "the path ends at the target: raise the target, or lower the milestone"
                            .to_string(),
                    ),
                );
            }
            previous = Some(value);
        }
    }
}

pub(crate) fn target_vs_expected(s: &Subject, f: &mut Findings) {
    for (i, m) in s.plan.metrics.iter().enumerate() {
        let (Some(direction), Some(expected), Some(target)) = (m.direction, m.expected, m.target)
        else {
            continue;
        };
        // A target that does not even beat the baseline is reported by `target-direction`.
        let beats_baseline = m.baseline.is_none_or(|b| direction.better(target, b));
        if beats_baseline && direction.better(expected, target) {
            f.add(
                Rule::TargetVsExpected,
                s.front_matter.locate(path!["metrics", i, "target"]),
                format!(
                    "target {} is short of the {} the role is expected to deliver",
                    number(target),
                    number(expected)
                ),
                Some("raise the target; or, when leadership agrees this period stops short, say why under `Current performance vs expectations` and waive the finding for this plan (`waivers:` with `rule: target-vs-expected`, a reason and who agreed)".to_string()),
            );
        }
    }
}

pub(crate) fn metric_range(s: &Subject, f: &mut Findings) {
    let fm = s.front_matter;
    let mut units: HashMap<&str, Unit> = HashMap::new();
    for (i, m) in s.plan.metrics.iter().enumerate() {
        let Some(unit) = m.unit else { continue };
        if let Some(id) = &m.id {
            units.insert(id, unit);
        }
        for (field, value) in [
            ("baseline", m.baseline),
            ("expected", m.expected),
            ("target", m.target),
        ] {
            if let Some(value) = value
                && let Some(problem) = out_of_range(unit, value)
            {
                f.add(
                    Rule::MetricRange,
                    fm.locate(path!["metrics", i, field]),
                    format!("{field} {} {problem}", number(value)),
                    Some(range_help(unit)),
                );
            }
        }
    }
    for (i, checkin) in s.plan.checkins.iter().enumerate() {
        for (metric, value) in &checkin.actuals {
            if let Some(unit) = units.get(metric.as_str())
                && let Some(problem) = out_of_range(*unit, *value)
            {
                f.add(
                    Rule::MetricRange,
                    fm.locate(path!["checkins", i, "actuals", metric.as_str()]),
                    format!("actual {} for `{metric}` {problem}", number(*value)),
                    Some(range_help(*unit)),
                );
            }
        }
    }
    let mut negative = |span, what: &str, value: f64| {
        f.add(
            Rule::MetricRange,
            span,
            format!("{what} {} is negative", number(value)),
            Some("amounts of money and time committed are zero or more".to_string()),
        );
    };
    if let Some(inv) = &s.plan.investment {
        for (field, value) in [("budget", inv.budget), ("days", inv.days)] {
            if let Some(v) = value.filter(|v| *v < 0.0) {
                negative(
                    fm.locate(path!["investment", field]),
                    &format!("investment {field}"),
                    v,
                );
            }
        }
    }
    for (i, a) in s.plan.activities.iter().enumerate() {
        let Some(inv) = &a.investment else { continue };
        for (field, value) in [("money", inv.money), ("days", inv.days)] {
            if let Some(v) = value.filter(|v| *v < 0.0) {
                negative(
                    fm.locate(path!["activities", i, "investment", field]),
                    &format!("activity {field}"),
                    v,
                );
            }
        }
    }
}

fn out_of_range(unit: Unit, value: f64) -> Option<&'static str> {
    match unit {
        Unit::Percent if !(0.0..=100.0).contains(&value) => {
            Some("is outside 0-100 for a percentage")
        }
        Unit::Count | Unit::Days | Unit::Currency if value < 0.0 => Some("is negative"),
        _ => None,
    }
}

fn range_help(unit: Unit) -> String {
    match unit {
        Unit::Percent => "write percentages as 0-100 (e.g. 35 for 35%)".into(),
        _ => "counts, days and money cannot be negative".into(),
    }
}

pub(crate) fn unknown_metric(s: &Subject, f: &mut Findings) {
    let ids: HashSet<&str> = s
        .plan
        .metrics
        .iter()
        .filter_map(|m| m.id.as_deref())
        .collect();
    // Worked out once, and bounded: 10,000 unknown names, each given every metric id,
    // made the report grow with the square of the plan.
    let known = sorted(&ids);
    let mut suggestions = 0;
    let mut help = |name: &str| {
        suggestions += 1;
        let close = if suggestions <= MAX_SUGGESTIONS {
            closest(name, ids.iter().copied(), |_| 3)
        } else {
            None
        };
        Some(match close {
            Some(id) => format!("did you mean `{id}`? The plan's metrics are: {known}"),
            None => format!("the plan's metrics are: {known}"),
        })
    };
    for (i, a) in s.plan.activities.iter().enumerate() {
        for (j, m) in a.metrics.iter().enumerate() {
            if !ids.contains(m.as_str()) {
                f.add(
                    Rule::UnknownMetric,
                    s.front_matter.locate(path!["activities", i, "metrics", j]),
                    format!("activity names metric `{m}`, which the plan does not define"),
                    help(m),
                );
            }
        }
    }
    for (i, c) in s.plan.checkins.iter().enumerate() {
        // Keys are placed from the map's own entries, not looked up one by one (quadratic in
        // the number of keys).
        let actuals = s.front_matter.at(path!["checkins", i, "actuals"]);
        let spans: HashMap<&str, crate::diagnostic::Span> = match actuals.map(|n| &n.value) {
            Some(crate::plan::yaml::Value::Map(entries)) => entries
                .iter()
                .map(|(k, _)| (k.name.as_str(), k.span))
                .collect(),
            _ => HashMap::new(),
        };
        for m in c.actuals.keys() {
            if !ids.contains(m.as_str()) {
                let span = spans
                    .get(m.as_str())
                    .copied()
                    .unwrap_or_else(|| s.front_matter.locate_key(path!["checkins", i, "actuals"]));
                f.add(
                    Rule::UnknownMetric,
                    span,
                    format!("check-in reports metric `{m}`, which the plan does not define"),
                    help(m),
                );
            }
        }
    }
}

/// The ids in order, for a message: the first 20, then how many more.
fn sorted(ids: &HashSet<&str>) -> String {
    const SHOWN: usize = 20;
    let mut ids: Vec<_> = ids.iter().copied().collect();
    ids.sort_unstable();
    if ids.len() > SHOWN {
        format!("{} and {} more", ids[..SHOWN].join(", "), ids.len() - SHOWN)
    } else {
        ids.join(", ")
    }
}

pub(crate) fn unknown_person(s: &Subject, f: &mut Findings) {
    let mut refs: Vec<(Vec<crate::plan::yaml::Step>, &str, &str)> = Vec::new();
    if let Some(owner) = &s.plan.owner {
        refs.push((path!["owner"].to_vec(), owner, "owner"));
    }
    if let Some(sponsor) = &s.plan.sponsor {
        refs.push((path!["sponsor"].to_vec(), sponsor, "sponsor"));
    }
    for (i, m) in s.plan.team.iter().flatten().enumerate() {
        if let Some(p) = &m.person {
            refs.push((path!["team", i, "person"].to_vec(), p, "team member"));
        }
    }
    for (i, a) in s.plan.activities.iter().enumerate() {
        if let Some(p) = &a.owner {
            refs.push((
                path!["activities", i, "owner"].to_vec(),
                p,
                "activity owner",
            ));
        }
    }
    for (i, h) in s.plan.help_needed.iter().flatten().enumerate() {
        if let Some(p) = h.from.as_deref().filter(|p| !Function::is_function(p)) {
            refs.push((path!["help_needed", i, "from"].to_vec(), p, "help from"));
        }
    }
    for (i, so) in s.plan.signoffs.iter().flatten().enumerate() {
        if let Some(p) = &so.person {
            refs.push((path!["signoffs", i, "person"].to_vec(), p, "sign-off"));
        }
    }
    for (i, r) in s.plan.reassessments.iter().enumerate() {
        if let Some(p) = &r.by {
            refs.push((path!["reassessments", i, "by"].to_vec(), p, "reassessment"));
        }
    }
    for (i, w) in s.plan.waivers.iter().enumerate() {
        if let Some(p) = &w.by {
            refs.push((path!["waivers", i, "by"].to_vec(), p, "waiver"));
        }
    }
    let mut suggestions = 0;
    for (path, id, what) in refs {
        if s.people.contains(id) {
            continue;
        }
        suggestions += 1;
        let close = if suggestions <= MAX_SUGGESTIONS {
            closest(id, s.people.by_id.keys().map(String::as_str), |_| 2)
        } else {
            None
        };
        let help = match close {
            Some(k) => format!("did you mean `{k}` ({})?", s.people.name(k)),
            None if what == "help from" => format!(
                "add `{id}` to people.yaml, or name a function: {}",
                Function::NAMES.join(", ")
            ),
            None => format!("add `{id}` to people.yaml with their name, email and roles"),
        };
        f.add(
            Rule::UnknownPerson,
            s.front_matter.locate(&path),
            format!("{what} `{id}` is not in people.yaml"),
            Some(help),
        );
    }
}

pub(crate) fn activity_owner(s: &Subject, f: &mut Findings) {
    for (i, a) in s.plan.activities.iter().enumerate() {
        if a.owner.is_none() {
            let name =
                a.id.as_deref()
                    .or(a.title.as_deref())
                    .unwrap_or("this activity");
            f.add(
                Rule::ActivityOwner,
                s.front_matter.locate(path!["activities", i, "id"]),
                format!("activity `{name}` has no owner"),
                Some("add `owner:` with the person id of whoever will do it".to_string()),
            );
        }
    }
}

pub(crate) fn activity_due(s: &Subject, f: &mut Findings) {
    let Some(period) = &s.plan.period else { return };
    let (Some(start), Some(end)) = (period.start, period.end) else {
        return;
    };
    for (i, a) in s.plan.activities.iter().enumerate() {
        let Some(due) = a.due else { continue };
        if due < start || due > end {
            let side = if due < start {
                "before the plan starts"
            } else {
                "after the plan ends"
            };
            f.add(
                Rule::ActivityDue,
                s.front_matter.locate(path!["activities", i, "due"]),
                format!("activity due {due}, {side} ({start} to {end})"),
                Some(
                    "move the due date into the plan period, or drop the activity from this plan"
                        .to_string(),
                ),
            );
        }
    }
}

pub(crate) fn unmoved_metric(s: &Subject, f: &mut Findings) {
    let moved: HashSet<&str> = s
        .plan
        .activities
        .iter()
        .flat_map(|a| a.metrics.iter().map(String::as_str))
        .collect();
    for (i, m) in s.plan.metrics.iter().enumerate() {
        let Some(id) = &m.id else { continue };
        if !moved.contains(id.as_str()) {
            f.add(
                Rule::UnmovedMetric,
                s.front_matter.locate(path!["metrics", i, "id"]),
                format!("no activity moves metric `{id}`"),
                Some(format!(
                    "list `{id}` under `metrics:` of the activities meant to improve it"
                )),
            );
        }
    }
}

pub(crate) fn required_for_status(s: &Subject, f: &mut Findings) {
    let status = status(s);
    let at = s.front_matter.locate(path!["status"]);
    let label = status.label();
    if status.reached(Status::InReview) {
        let fields: [(&str, bool, &str); 6] = [
            (
                "sponsor",
                s.plan.sponsor.is_some(),
                "the sales leader who asked for the plan",
            ),
            (
                "team",
                s.plan.team.is_some(),
                "the supporting team: person, role, function",
            ),
            (
                "investment",
                s.plan.investment.is_some(),
                "the budget and days committed",
            ),
            (
                "help_needed",
                s.plan.help_needed.is_some(),
                "what help is needed, from whom, by when (may be `[]`)",
            ),
            (
                "analysis",
                s.plan.analysis.is_some(),
                "win/loss, team comparison and 360 baseline analyses",
            ),
            (
                "consequences",
                s.plan.consequences.is_some(),
                "what happens on a miss, and the incentive",
            ),
        ];
        for (field, present, what) in fields {
            if !present {
                f.add(
                    Rule::RequiredForStatus,
                    at,
                    format!("`{field}` is required once a plan is {label}"),
                    Some(format!(
                        "add `{field}:` ({what}), or set the status back to draft"
                    )),
                );
            }
        }
        if let Some(analysis) = &s.plan.analysis {
            for (key, present) in [
                ("win_loss", analysis.win_loss.is_some()),
                ("team_comparison", analysis.team_comparison.is_some()),
                ("baseline_360", analysis.baseline_360.is_some()),
            ] {
                if !present {
                    f.add(
                        Rule::RequiredForStatus,
                        s.front_matter.locate_key(path!["analysis"]),
                        format!("`analysis.{key}` is required once a plan is {label}"),
                        Some(format!(
                            "add `{key}:` with a `summary` of the analysis and/or a `ref` to it"
                        )),
                    );
                }
            }
        }
        if let Some(c) = &s.plan.consequences {
            for (key, present) in [
                ("on_miss", c.on_miss.is_some()),
                ("incentive", c.incentive.is_some()),
            ] {
                if !present {
                    f.add(
                        Rule::RequiredForStatus,
                        s.front_matter.locate_key(path!["consequences"]),
                        format!("`consequences.{key}` is required once a plan is {label}"),
                        Some(format!("add `{key}:`")),
                    );
                }
            }
        }
        for section in REVIEW_SECTIONS {
            section_required(
                s,
                f,
                section,
                Rule::RequiredForStatus,
                &format!(" once a plan is {label}"),
            );
        }
    }
    if status.reached(Status::Approved) && s.plan.signoffs.is_none() {
        f.add(
            Rule::RequiredForStatus,
            at,
            format!("`signoffs` is required once a plan is {label}"),
            Some("add `signoffs:` with the person, role and date of each sign-off".to_string()),
        );
    }
    if status == Status::Assessed {
        section_required(
            s,
            f,
            ASSESSMENT_SECTION,
            Rule::RequiredForStatus,
            " once a plan is assessed",
        );
    }
}

fn section_required(s: &Subject, f: &mut Findings, section: &str, rule: Rule, when: &str) {
    if s.body.section(section).is_none() {
        f.add(
            rule,
            body_anchor(s.body, s.file),
            format!("the body has no `## {section}` section{when}"),
            Some(format!("add a `## {section}` heading with its text")),
        );
    }
}

/// Where to point for something missing from the body: its first line.
fn body_anchor(body: &Body, file: &crate::plan::PlanFile) -> crate::diagnostic::Span {
    let line = body.first_line.min(file.index.line_count() as u32);
    let len = file
        .index
        .line_text(&file.text, line)
        .map_or(0, |t| t.chars().count());
    crate::diagnostic::Span::line(line, len)
}

pub(crate) fn missing_section(s: &Subject, f: &mut Findings) {
    for section in ALWAYS_SECTIONS {
        section_required(s, f, section, Rule::MissingSection, "");
    }
}

pub(crate) fn plan_length(s: &Subject, f: &mut Findings) {
    if let Some(span) = s.body.too_deep {
        f.add(
            Rule::PlanLength,
            span,
            format!(
                "the text nests lists, quotes, emphasis or HTML more than {} levels deep; the site shows what lies deeper as plain text",
                crate::plan::body::MAX_NESTING
            ),
            Some("flatten the structure: a plan reads best with two or three levels at most".to_string()),
        );
    }
    if !status(s).reached(Status::InReview) || status(s) == Status::Withdrawn {
        return;
    }
    let words = s.body.words;
    let problem = if words < MIN_WORDS {
        "far short of"
    } else if words > MAX_WORDS {
        "far beyond"
    } else {
        return;
    };
    f.add(
        Rule::PlanLength,
        body_anchor(s.body, s.file),
        format!("the plan's text is {words} words, {problem} the 5-7 page guideline (about 1,500-3,500 words)"),
        Some(if words < MIN_WORDS {
            "reviewers need enough to see the problem is understood: expand the analysis and activities".to_string()
        } else {
            "keep the key messages and move detail into linked documents".to_string()
        }),
    );
}

pub(crate) fn signoff_required(s: &Subject, f: &mut Findings) {
    let status = status(s);
    if !matches!(status, Status::Approved | Status::Active | Status::Assessed) {
        return;
    }
    let at = signoffs_anchor(s.front_matter);
    for (message, help) in policy_shortfalls(s.plan, s.signers, s.policy, &|_| true) {
        f.add(Rule::SignoffRequired, at, message, Some(help));
    }
}

/// Where sign-off findings about the whole list point: `signoffs:`, or `status:` without one.
pub(crate) fn signoffs_anchor(front_matter: &Node) -> Span {
    if front_matter.has(path!["signoffs"]) {
        front_matter.locate_key(path!["signoffs"])
    } else {
        front_matter.locate(path!["status"])
    }
}

/// [`signoffs_anchor`] for a plan whose front-matter tree is gone: its recorded anchors.
pub(crate) fn signoffs_anchor_of(file: &crate::plan::PlanFile) -> Span {
    file.anchors
        .signoffs
        .or(file.anchors.status)
        .unwrap_or(Span::point(1, 1))
}

/// What the sign-off policy finds missing in an approved, active or assessed plan when only
/// the sign-offs `counted` accepts count: `(message, help)` each.
pub(crate) fn policy_shortfalls(
    plan: &Plan,
    people: &People,
    policy: &SignoffPolicy,
    counted: &dyn Fn(&SignOff) -> bool,
) -> Vec<(String, String)> {
    let status = plan.status.unwrap_or(Status::Draft);
    if !matches!(status, Status::Approved | Status::Active | Status::Assessed) {
        return Vec::new();
    }
    let signers = plan.signers(policy.allow_self, counted);
    let mut out = Vec::new();
    if signers.len() < policy.min {
        out.push((
            format!(
                "a plan that is {} needs {} sign-off{}, and has {}",
                status.label(),
                policy.min,
                if policy.min == 1 { "" } else { "s" },
                signers.len()
            ),
            "reviewers sign off by adding themselves under `signoffs:` in a commit of their own, or by approving the pull request".to_string(),
        ));
    }
    for role in &policy.required_roles {
        if !signers.iter().any(|p| people.has_role(p, role)) {
            out.push((
                format!("no sign-off from anyone with the `{role}` role"),
                format!("ask someone listed with `{role}` in people.yaml to sign off"),
            ));
        }
    }
    out
}

pub(crate) fn self_signoff(s: &Subject, f: &mut Findings) {
    if s.policy.allow_self {
        return;
    }
    let Some(owner) = &s.plan.owner else { return };
    for (i, so) in s.plan.signoffs.iter().flatten().enumerate() {
        if so.person.as_ref() == Some(owner) {
            f.add(
                Rule::SelfSignoff,
                s.front_matter.locate(path!["signoffs", i, "person"]),
                format!("`{owner}` owns this plan and cannot sign it off"),
                Some(
                    "sign-offs come from peers and sales leadership, not the plan's owner"
                        .to_string(),
                ),
            );
        }
    }
}

pub(crate) fn investment_total(s: &Subject, f: &mut Findings) {
    let Some(inv) = &s.plan.investment else {
        return;
    };
    let money: f64 = s
        .plan
        .activities
        .iter()
        .filter_map(|a| a.investment.as_ref()?.money)
        .sum();
    let days: f64 = s
        .plan
        .activities
        .iter()
        .filter_map(|a| a.investment.as_ref()?.days)
        .sum();
    for (field, total, stated, what) in [
        ("budget", money, inv.budget, "money"),
        ("days", days, inv.days, "days"),
    ] {
        if let Some(stated) = stated
            && total > stated + 1e-9
        {
            f.add(
                Rule::InvestmentTotal,
                s.front_matter.locate(path!["investment", field]),
                format!(
                    "activities commit {} in {what}, more than the stated total {}",
                    number(total),
                    number(stated)
                ),
                Some(format!(
                    "raise `investment.{field}` or trim the activities' investment"
                )),
            );
        }
    }
}

pub(crate) fn checkin_overdue(s: &Subject, f: &mut Findings) {
    let Some(days) = s.plan.checkin_overdue(s.as_of) else {
        return;
    };
    let last = s.plan.latest_checkin().and_then(|c| c.date);
    let (at, message) = match last {
        Some(date) => (
            s.front_matter.locate_key(path!["checkins"]),
            format!("the last check-in was {days} days ago ({date})"),
        ),
        None => (
            s.front_matter.locate(path!["status"]),
            format!("the plan has been active for {days} days without a check-in"),
        ),
    };
    f.add(
        Rule::CheckinOverdue,
        at,
        message,
        Some(format!("add a check-in with the date, actuals and confidence at least every {CHECKIN_INTERVAL_DAYS} days")),
    );
}

pub(crate) fn reassessment_overdue(s: &Subject, f: &mut Findings) {
    if matches!(status(s), Status::Assessed | Status::Withdrawn) {
        return;
    }
    let Some(period) = &s.plan.period else { return };
    let Some(reassess) = period.reassess else {
        return;
    };
    if s.as_of <= reassess {
        return;
    }
    let past_end = period.end.is_some_and(|end| s.as_of > end);
    // A recorded reassessment answers the reassessment date (the end still needs assessing).
    // Only one that has happened: a record dated in the future is `checkin-date`'s finding.
    let recorded = s
        .plan
        .reassessments
        .iter()
        .any(|r| r.date.is_some_and(|d| d <= s.as_of));
    if recorded && !past_end {
        return;
    }
    let days = reassess.until(s.as_of).map_or(0, |d| d.get_days());
    let (field, message) = if past_end {
        (
            "end",
            format!(
                "the plan ended on {} and has not been assessed",
                period.end.map(|d| d.to_string()).unwrap_or_default()
            ),
        )
    } else {
        (
            "reassess",
            format!("the reassessment date {reassess} passed {days} days ago"),
        )
    };
    f.add(
        Rule::ReassessmentOverdue,
        s.front_matter.locate(path!["period", field]),
        message,
        Some(if past_end {
            "assess the plan (status: assessed, with its outcome), or extend its period".to_string()
        } else {
            "record the reassessment under `reassessments:` (date, decision: continue, amend, extend or close, note, by)".to_string()
        }),
    );
}

pub(crate) fn broken_link(s: &Subject, f: &mut Findings) {
    // `supersedes` is checked across plans, in `check::unknown_supersedes`.
    let dir = s.file.path.parent().unwrap_or(Path::new(""));
    for link in &s.body.links {
        match link_target(dir, &link.destination) {
            LinkTarget::Elsewhere => {}
            // A file inside the repository; a link that leads out of it points nowhere.
            LinkTarget::Repository { path, .. }
                if matches!(crate::repo::check_inside(s.root, &path), Ok(true)) => {}
            LinkTarget::Repository { path, .. } => f.add(
                Rule::BrokenLink,
                link.span,
                format!(
                    "link to `{}` points nowhere ({} does not exist)",
                    link.destination,
                    crate::diagnostic::display_path(&path)
                ),
                Some(
                    "fix the path (relative to this plan's folder), or link to the full URL"
                        .to_string(),
                ),
            ),
            LinkTarget::OutsideRepository => f.add(
                Rule::BrokenLink,
                link.span,
                format!(
                    "link to `{}` leads outside the repository",
                    link.destination
                ),
                Some("link only to files inside the repository, or to a full URL".to_string()),
            ),
        }
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    /// Every rule runs somewhere: per plan, while parsing, across plans, or from the history.
    #[test]
    fn every_rule_has_a_home() {
        let elsewhere = [
            Rule::FrontMatter, // while parsing
            Rule::Schema,      // while parsing, and `currency` per plan
            Rule::DuplicateId, // across plans too
            Rule::StatusTransition,
            Rule::SignoffUnverified,
            Rule::SignoffStale,
            Rule::IdentityChange,
        ];
        for rule in Rule::ALL {
            assert!(
                PER_PLAN.iter().any(|(r, _)| r == rule) || elsewhere.contains(rule),
                "{} is not run",
                rule.name()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(number(410000.0), "410000");
        assert_eq!(number(0.35), "0.35");
    }
}
