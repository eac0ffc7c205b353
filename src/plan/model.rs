//! The typed Sales Improvement Plan, read from validated front matter.
//!
//! Every field is optional or defaulted: the schema reports what is missing, and the rules
//! work with whatever is there, so one gap never hides the other findings.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A Sales Improvement Plan's front matter.
/// Every top-level field of a plan, in the order a plan usually lists them.
pub(crate) const FIELDS: [&str; 22] = [
    "id",
    "title",
    "status",
    "outcome",
    "owner",
    "sponsor",
    "scope",
    "period",
    "currency",
    "metrics",
    "checkins",
    "reassessments",
    "team",
    "activities",
    "investment",
    "help_needed",
    "analysis",
    "consequences",
    "signoffs",
    "waivers",
    "visibility",
    "supersedes",
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Plan {
    pub(crate) id: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) status: Option<Status>,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) owner: Option<String>,
    pub(crate) sponsor: Option<String>,
    /// Boxed, as `analysis` and `consequences`: a plan kept only for the rules comparing
    /// plans (see [`Plan::kept_for_comparing`]) holds none of them, nor their room.
    pub(crate) scope: Option<Box<Scope>>,
    pub(crate) period: Option<Period>,
    pub(crate) currency: Option<String>,
    #[serde(default)]
    pub(crate) metrics: Vec<Metric>,
    #[serde(default)]
    pub(crate) checkins: Vec<CheckIn>,
    /// The record of each reassessment.
    #[serde(default)]
    pub(crate) reassessments: Vec<Reassessment>,
    pub(crate) team: Option<Vec<TeamMember>>,
    #[serde(default)]
    pub(crate) activities: Vec<Activity>,
    pub(crate) investment: Option<Investment>,
    pub(crate) help_needed: Option<Vec<HelpRequest>>,
    pub(crate) analysis: Option<Box<Analysis>>,
    pub(crate) consequences: Option<Box<Consequences>>,
    pub(crate) signoffs: Option<Vec<SignOff>>,
    /// Findings of a rule accepted for this plan, with the reason and who granted it.
    #[serde(default)]
    pub(crate) waivers: Vec<Waiver>,
    #[serde(default)]
    pub(crate) visibility: Visibility,
    pub(crate) supersedes: Option<String>,
}

/// Where a plan is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Status {
    Draft,
    InReview,
    Approved,
    Active,
    Assessed,
    Withdrawn,
}

impl Status {
    pub(crate) const ALL: [Status; 6] = [
        Status::Draft,
        Status::InReview,
        Status::Approved,
        Status::Active,
        Status::Assessed,
        Status::Withdrawn,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Approved => "approved",
            Status::Active => "active",
            Status::Assessed => "assessed",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// The status as people say it: "in review".
    pub(crate) fn label(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in review",
            Status::Approved => "approved",
            Status::Active => "active",
            Status::Assessed => "assessed",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Whether the plan has reached `stage` on the way draft → in_review → approved → active →
    /// assessed. A withdrawn plan has reached nothing beyond draft.
    pub(crate) fn reached(self, stage: Status) -> bool {
        if self == Status::Withdrawn {
            return stage == Status::Draft;
        }
        self >= stage
    }
}

/// The result of a plan at the end of its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    Met,
    PartiallyMet,
    Missed,
}

impl Outcome {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::PartiallyMet => "partially met",
            Outcome::Missed => "missed",
        }
    }
}

/// What the plan covers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Scope {
    pub(crate) region: Option<String>,
    pub(crate) territory: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) segment: Option<String>,
}

fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A text that carries its own direction controls (embeddings, overrides, isolates), which
/// shown beside other text could reverse it, without them and set apart from its neighbours
/// (first-strong isolate … pop isolate: a control left inside could close the isolate early
/// and reverse what follows it). Any other text as it is.
pub(crate) fn isolated(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(is_direction_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 6);
    out.push('\u{2068}');
    out.extend(text.chars().filter(|c| !is_direction_control(*c)));
    out.push('\u{2069}');
    std::borrow::Cow::Owned(out)
}

impl Scope {
    /// What the plan covers in one line: "EMEA · Nordics · mid-market". A part that carries
    /// its own direction controls is isolated (first-strong isolate … pop isolate), so that a
    /// right-to-left override in one part cannot reverse the next.
    pub(crate) fn line(&self) -> String {
        [&self.region, &self.territory, &self.segment, &self.role]
            .iter()
            .filter_map(|s| s.as_deref())
            .map(|part| isolated(part))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// When the plan starts, is reassessed and ends.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Period {
    pub(crate) start: Option<Date>,
    pub(crate) reassess: Option<Date>,
    pub(crate) end: Option<Date>,
}

/// A measure of performance with where it stands, where the role should be, and the goal.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Metric {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) unit: Option<Unit>,
    pub(crate) direction: Option<Direction>,
    pub(crate) baseline: Option<f64>,
    pub(crate) expected: Option<f64>,
    pub(crate) target: Option<f64>,
    #[serde(default)]
    pub(crate) primary: bool,
    pub(crate) definition: Option<String>,
    /// How check-in actuals add up to compare with the target.
    #[serde(default)]
    pub(crate) aggregate: Aggregate,
    /// The committed path: the value the metric should reach by each date, instead of a
    /// straight line from baseline to target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) milestones: Vec<Milestone>,
}

/// A point of a metric's committed path.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Milestone {
    pub(crate) date: Option<Date>,
    pub(crate) value: Option<f64>,
}

/// How a metric's check-in actuals add up to compare with its target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Aggregate {
    /// The latest actual (a rate, a pipeline coverage).
    #[default]
    Latest,
    /// The sum of the actuals (bookings per quarter, recorded month by month).
    Sum,
    Average,
    Min,
    Max,
}

impl Aggregate {
    /// Values in date order added up as this says; `None` for no values.
    pub(crate) fn of(self, values: &[f64]) -> Option<f64> {
        let last = *values.last()?;
        let all = values.iter().copied();
        Some(match self {
            Aggregate::Latest => last,
            Aggregate::Sum => all.sum(),
            Aggregate::Average => all.sum::<f64>() / values.len() as f64,
            Aggregate::Min => all.fold(f64::INFINITY, f64::min),
            Aggregate::Max => all.fold(f64::NEG_INFINITY, f64::max),
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Aggregate::Latest => "latest",
            Aggregate::Sum => "sum",
            Aggregate::Average => "average",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
        }
    }
}

/// A reassessment as the plan records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Reassessment {
    pub(crate) date: Option<Date>,
    pub(crate) decision: Option<Decision>,
    pub(crate) note: Option<String>,
    pub(crate) by: Option<String>,
}

/// A rule whose findings in this plan are accepted: they show as notes, not as errors or
/// warnings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Waiver {
    pub(crate) rule: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) by: Option<String>,
}

/// What a reassessment decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Decision {
    Continue,
    Amend,
    Extend,
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unit {
    Currency,
    Percent,
    Count,
    Days,
    Ratio,
}

impl Unit {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Unit::Currency => "currency",
            Unit::Percent => "percent",
            Unit::Count => "count",
            Unit::Days => "days",
            Unit::Ratio => "ratio",
        }
    }
}

/// Which way a metric has to move to improve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Direction {
    Increase,
    Decrease,
}

impl Direction {
    /// Whether `value` is strictly better than `reference` in this direction.
    pub(crate) fn better(self, value: f64, reference: f64) -> bool {
        match self {
            Direction::Increase => value > reference,
            Direction::Decrease => value < reference,
        }
    }
}

/// A progress check during the period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CheckIn {
    pub(crate) date: Option<Date>,
    #[serde(default)]
    pub(crate) actuals: std::collections::BTreeMap<String, f64>,
    pub(crate) confidence: Option<f64>,
    pub(crate) note: Option<String>,
}

/// A member of the supporting team.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TeamMember {
    pub(crate) person: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) function: Option<Function>,
}

/// A business function that owns activities or gives help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Function {
    Sales,
    Marketing,
    PreSales,
    Enablement,
    SalesOps,
    Partner,
    Product,
    Legal,
    Finance,
    CustomerSuccess,
    Leadership,
}

impl Function {
    pub(crate) const NAMES: [&'static str; 11] = [
        "sales",
        "marketing",
        "pre_sales",
        "enablement",
        "sales_ops",
        "partner",
        "product",
        "legal",
        "finance",
        "customer_success",
        "leadership",
    ];

    pub(crate) fn is_function(name: &str) -> bool {
        Function::NAMES.contains(&name)
    }

    /// The function named as plans write it (`pre_sales`).
    pub(crate) fn from_name(name: &str) -> Option<Function> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }

    /// The function as people say it: "pre-sales", "sales operations".
    pub(crate) fn label(self) -> &'static str {
        match self {
            Function::Sales => "sales",
            Function::Marketing => "marketing",
            Function::PreSales => "pre-sales",
            Function::Enablement => "enablement",
            Function::SalesOps => "sales operations",
            Function::Partner => "partners",
            Function::Product => "product management",
            Function::Legal => "legal",
            Function::Finance => "finance",
            Function::CustomerSuccess => "customer success",
            Function::Leadership => "sales leadership",
        }
    }
}

/// Something the team will do to move the metrics.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Activity {
    pub(crate) id: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) function: Option<Function>,
    pub(crate) due: Option<Date>,
    pub(crate) status: Option<ActivityStatus>,
    #[serde(default)]
    pub(crate) metrics: Vec<String>,
    pub(crate) investment: Option<ActivityInvestment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ActivityStatus {
    Planned,
    InProgress,
    Done,
    Blocked,
    Dropped,
}

/// What one activity costs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ActivityInvestment {
    pub(crate) money: Option<f64>,
    pub(crate) days: Option<f64>,
}

/// The totals committed to the plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Investment {
    pub(crate) budget: Option<f64>,
    pub(crate) days: Option<f64>,
}

/// Help the plan needs from someone else.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HelpRequest {
    pub(crate) from: Option<String>,
    pub(crate) ask: Option<String>,
    pub(crate) by: Option<Date>,
    #[serde(default)]
    pub(crate) status: HelpStatus,
}

/// Where a request for help stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HelpStatus {
    #[default]
    Requested,
    Agreed,
    Delivered,
    Declined,
}

/// The structural analyses: why customers chose others, how the team compares, the 360 view.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Analysis {
    pub(crate) win_loss: Option<Finding>,
    pub(crate) team_comparison: Option<Finding>,
    pub(crate) baseline_360: Option<Finding>,
}

/// One structural analysis: a summary and/or a reference to the full work.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Finding {
    pub(crate) summary: Option<String>,
    #[serde(rename = "ref")]
    pub(crate) reference: Option<String>,
}

/// What happens if the target is missed, and the incentive to hit it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Consequences {
    pub(crate) on_miss: Option<String>,
    pub(crate) incentive: Option<String>,
}

/// A sign-off by a reviewer or sales leader.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SignOff {
    pub(crate) person: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) date: Option<Date>,
}

/// Who may see a plan on the site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Visibility {
    #[default]
    Internal,
    Restricted,
}

impl Plan {
    /// What the rules that compare plans with each other, with their history and with their
    /// waivers read of a plan once its own rules have run: its id, status, owner, what it
    /// supersedes, its sign-offs and its waivers. The rest (metrics, check-ins, activities,
    /// analysis: most of a plan) is left out, so that `check` holds a small part of each plan.
    pub(crate) fn kept_for_comparing(self) -> Plan {
        Plan {
            id: self.id,
            status: self.status,
            owner: self.owner,
            supersedes: self.supersedes,
            signoffs: self.signoffs,
            waivers: self.waivers,
            ..Plan::default()
        }
    }

    /// The distinct people whose sign-offs count: those `counted` accepts, and the owner only
    /// where self sign-off is allowed. One answer for `signoff-required` and for whom a plan
    /// still waits.
    pub(crate) fn signers(
        &self,
        allow_self: bool,
        counted: &dyn Fn(&SignOff) -> bool,
    ) -> Vec<&str> {
        let owner = self.owner.as_deref();
        let mut signers: Vec<&str> = self
            .signoffs
            .iter()
            .flatten()
            .filter(|so| counted(so))
            .filter_map(|so| so.person.as_deref())
            .filter(|p| allow_self || Some(*p) != owner)
            .collect();
        signers.sort_unstable();
        signers.dedup();
        signers
    }

    /// The primary metric, if exactly one is marked primary (else the first marked one).
    pub(crate) fn primary_metric(&self) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.primary)
    }

    /// The latest check-in by date.
    pub(crate) fn latest_checkin(&self) -> Option<&CheckIn> {
        self.checkins
            .iter()
            .filter(|c| c.date.is_some())
            .max_by_key(|c| c.date)
    }

    /// The actuals of `metric` as its `aggregate` adds them up over the check-ins (in date
    /// order), if there are any.
    pub(crate) fn aggregate(&self, metric: &Metric) -> Option<f64> {
        let id = metric.id.as_deref()?;
        let mut dated: Vec<(Option<Date>, f64)> = self
            .checkins
            .iter()
            .filter_map(|c| Some((c.date, *c.actuals.get(id)?)))
            .collect();
        dated.sort_by_key(|(date, _)| *date);
        let values: Vec<f64> = dated.into_iter().map(|(_, v)| v).collect();
        metric.aggregate.of(&values)
    }

    /// The review an approved or active plan waits for on `today`: its assessment once the
    /// period has ended, else its reassessment until one is recorded, else its assessment.
    pub(crate) fn next_review(&self, today: Date) -> Option<Review> {
        let status = self.status.unwrap_or(Status::Draft);
        if !matches!(status, Status::Approved | Status::Active) {
            return None;
        }
        let period = self.period.as_ref()?;
        let recorded = self.reassessments.iter().any(|r| r.date.is_some());
        let (date, assessment) = match (period.reassess, period.end) {
            (_, Some(end)) if today > end => (end, true),
            (Some(reassess), _) if !recorded => (reassess, false),
            (_, Some(end)) => (end, true),
            (Some(reassess), None) => (reassess, false),
            (None, None) => return None,
        };
        let days = i64::from(today.until(date).ok()?.get_days());
        Some(Review {
            date,
            days,
            assessment,
        })
    }

    /// Days an active plan has gone without a check-in on `today` (counted from the start
    /// when it has none), when that is more than it may: `None` otherwise.
    pub(crate) fn checkin_overdue(&self, today: Date) -> Option<i32> {
        if self.status != Some(Status::Active) {
            return None;
        }
        let since = self
            .latest_checkin()
            .and_then(|c| c.date)
            .or_else(|| self.period.as_ref()?.start)?;
        let days = since.until(today).ok()?.get_days();
        (days > CHECKIN_INTERVAL_DAYS).then_some(days)
    }
}

/// A reassessment or assessment a plan waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Review {
    pub(crate) date: Date,
    /// Days from today until it, negative once it has passed.
    pub(crate) days: i64,
    /// The assessment at the end of the period, not the reassessment during it.
    pub(crate) assessment: bool,
}

/// Days an active plan may go without a check-in.
pub const CHECKIN_INTERVAL_DAYS: i32 = 45;
