//! What templates see: views of plans, computed once per plan; each page gets its own plan's
//! view and the index gets the summaries, never a copy of the whole site per page.

use jiff::civil::Date;
use serde::Serialize;

use crate::history::PlanHistory;
use crate::plan::People;
use crate::plan::model::{Direction, Plan, Status, Unit};
use crate::plan::progress;
use crate::site::chart::{self, fmt};

/// A person as shown on the site.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PersonView {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub url: String,
}

/// Progress of a metric as the site shows it (see [`crate::plan::progress`]).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Progress {
    /// Share of the way from baseline to target, in percent (may exceed 100 or be negative).
    pub percent: i64,
    /// Share of the way the committed path expects by the latest check-in, in percent.
    pub expected_percent: i64,
    /// `ahead`, `on-track`, `at-risk`, `behind` or `no-data`.
    pub state: &'static str,
    /// The state in words: "on track".
    pub state_label: &'static str,
    /// The actuals as the metric's aggregate adds them up (the latest actual for `latest`).
    pub latest: Option<String>,
    pub latest_date: Option<String>,
    /// What the committed path expects by the latest check-in.
    pub expected: Option<String>,
    /// The value projected to the end of the period, when the check-ins allow one.
    pub forecast: Option<ForecastView>,
}

/// A forecast as the site shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ForecastView {
    pub value: String,
    pub percent: i64,
    pub state: &'static str,
    pub state_label: &'static str,
    /// `trend` or `run-rate`.
    pub method: &'static str,
}

/// One row of the index.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanSummary {
    pub id: String,
    pub title: String,
    pub url: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub outcome: Option<&'static str>,
    pub owner: PersonView,
    pub region: Option<String>,
    pub region_url: Option<String>,
    pub scope: String,
    pub start: String,
    pub reassess: String,
    pub end: String,
    pub primary: Option<MetricView>,
    pub days_to_reassess: Option<i64>,
    pub overdue: bool,
    pub last_change: Option<String>,
    pub last_author: Option<String>,
    /// The date of the latest check-in.
    pub last_checkin: Option<String>,
    pub restricted: bool,
}

/// Something that needs a leader's action, linked to its plan (see [`crate::plan::attention`]).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttentionView {
    /// `behind`, `at-risk`, `reassessment-due`, `assessment-due`, `signoff-awaited`,
    /// `checkin-overdue`, `help-overdue`.
    pub kind: &'static str,
    /// The kind as a heading: "Sign-off awaited".
    pub label: &'static str,
    pub plan: String,
    pub title: String,
    pub url: String,
    pub message: String,
    pub date: Option<String>,
}

/// A link on an index page: a status, a region, a person or a manager, with a count of plans.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entry {
    pub label: String,
    pub url: String,
    pub count: usize,
    pub note: Option<String>,
}

/// A person's part in one plan, for their page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Involvement {
    pub title: String,
    pub url: String,
    pub status_label: &'static str,
    /// "owner", "sponsor", "team (Solutions engineering)", "activity owner", "signer",
    /// "asked for help", joined by commas.
    pub roles: String,
}

/// Help a plan asks of a person, for their page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HelpAsked {
    pub title: String,
    pub url: String,
    pub ask: String,
    pub by: Option<String>,
    /// "requested", "agreed", "delivered" or "declined".
    pub status: String,
    pub overdue: bool,
}

impl HelpAsked {
    /// What `asked` asks, in the plan that `summary` sums up.
    pub(crate) fn new(summary: &PlanSummary, asked: &super::Asked) -> HelpAsked {
        HelpAsked {
            title: summary.title.clone(),
            url: summary.url.clone(),
            ask: asked.ask.clone(),
            by: asked.by.clone(),
            status: asked.status.clone(),
            overdue: asked.overdue,
        }
    }
}

/// A manager's roll-up of their reports' plans.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Totals {
    pub plans: usize,
    /// Plans per status, in lifecycle order, with a count above 0.
    pub statuses: Vec<Entry>,
    pub behind: usize,
    pub at_risk: usize,
    /// Budgets summed per currency: "EUR 120,000", and days.
    pub investment: Vec<String>,
    pub days: Option<String>,
}

/// A person's part in a plan, in words, or `None` when the plan does not name them.
pub(crate) fn roles_in(plan: &Plan, id: &str) -> Option<String> {
    let is = |p: &Option<String>| p.as_deref() == Some(id);
    let mut roles: Vec<String> = Vec::new();
    if is(&plan.owner) {
        roles.push("owner".into());
    }
    if is(&plan.sponsor) {
        roles.push("sponsor".into());
    }
    for m in plan.team.iter().flatten().filter(|m| is(&m.person)) {
        roles.push(match &m.role {
            Some(role) => format!("team ({role})"),
            None => "team".into(),
        });
    }
    if plan.activities.iter().any(|a| is(&a.owner)) {
        roles.push("activity owner".into());
    }
    if plan.signoffs.iter().flatten().any(|s| is(&s.person)) {
        roles.push("signer".into());
    }
    if plan.help_needed.iter().flatten().any(|h| is(&h.from)) {
        roles.push("asked for help".into());
    }
    (!roles.is_empty()).then(|| roles.join(", "))
}

/// Help `plan` asks of person `id`.
pub(crate) fn help_asked(plan: &Plan, id: &str, today: Date) -> Vec<super::Asked> {
    use crate::plan::model::HelpStatus;
    plan.help_needed
        .iter()
        .flatten()
        .filter(|h| h.from.as_deref() == Some(id))
        .map(|h| super::Asked {
            ask: h.ask.clone().unwrap_or_default(),
            by: h.by.map(|d| d.to_string()),
            status: format!("{:?}", h.status).to_lowercase(),
            overdue: h.status == HelpStatus::Requested && h.by.is_some_and(|by| by < today),
        })
        .collect()
}

/// A metric with its figures formatted and its chart.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MetricView {
    pub id: String,
    pub name: String,
    pub unit: &'static str,
    pub direction: &'static str,
    pub primary: bool,
    pub baseline: String,
    pub expected: String,
    pub target: String,
    pub definition: Option<String>,
    pub progress: Progress,
    /// Inline SVG built by planbook from numbers only (left out of `plans.json`, which
    /// holds data, not drawings).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub chart: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ActivityView {
    pub id: String,
    pub title: String,
    pub owner: Option<PersonView>,
    pub function: String,
    pub due: String,
    pub status: String,
    pub metrics: Vec<String>,
    pub money: Option<String>,
    pub days: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SignOffView {
    pub person: PersonView,
    pub role: Option<String>,
    pub date: String,
    /// What the audit trail says of it; `None` without a history to ask.
    pub evidence: Option<EvidenceView>,
}

/// A sign-off's evidence as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct EvidenceView {
    /// "signed (key SHA256:…)", "approved in review of #12", "committed by Marta Keller",
    /// "attested by …", "stale since 1a2b3c4" or "unverified".
    pub label: String,
    /// `ok` or `warn`, for the badge's style.
    pub tone: String,
    /// A sentence for the badge's title: what it proves, or what is missing.
    pub detail: String,
    /// `signature`, `review`, `author`, `attestation`, or none.
    pub kind: Option<String>,
    /// Whether it counts: accepted evidence and not stale.
    pub verified: bool,
    pub stale: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RevisionView {
    pub date: String,
    pub author: String,
    pub commit: String,
    pub commit_short: String,
    pub commit_url: Option<String>,
    pub pr: Option<u64>,
    pub pr_url: Option<String>,
    pub summary: String,
    pub changes: Vec<String>,
}

/// Everything a plan page shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanPage {
    pub summary: PlanSummary,
    pub sponsor: Option<PersonView>,
    pub team: Vec<TeamMemberView>,
    pub metrics: Vec<MetricView>,
    pub activities: Vec<ActivityView>,
    pub currency: Option<String>,
    pub budget: Option<String>,
    pub days: Option<String>,
    pub activity_money: Option<String>,
    pub activity_days: Option<String>,
    pub help: Vec<HelpView>,
    pub analysis: Vec<AnalysisView>,
    pub on_miss: Option<String>,
    pub incentive: Option<String>,
    /// The plan has consequences and an incentive that the site does not publish: they
    /// belong to the owner, the sponsor and sales leadership.
    pub consequences_held: bool,
    pub signoffs: Vec<SignOffView>,
    /// The rules whose findings the plan accepts.
    pub waivers: Vec<WaiverView>,
    /// Check-ins, newest first.
    pub checkins: Vec<CheckinView>,
    pub body: String,
    /// The text's Summary section, shown near the top of the page.
    pub body_summary: Option<String>,
    pub toc: Vec<crate::site::markdown::TocEntry>,
    pub history: Vec<RevisionView>,
    pub source_url: Option<String>,
    pub supersedes: Option<PlanLink>,
}

/// A member of the plan's supporting team.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TeamMemberView {
    /// Who: name and the URL of their person page.
    pub person: PersonView,
    /// Their role in this plan, as written (`role:`).
    pub role: Option<String>,
    /// Their function's label ("Solutions engineering"), when given.
    pub function: Option<String>,
}

/// One ask in the plan's Help needed list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HelpView {
    /// Who is asked: a function's label, or a person's name.
    pub from: String,
    /// What is asked (empty when not written).
    pub ask: String,
    /// The date the help is needed by, `YYYY-MM-DD`.
    pub by: Option<String>,
}

/// One structural analysis the plan refers to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AnalysisView {
    /// Its heading: "Win/loss analysis", "Team comparison" or "360° baseline review".
    pub name: &'static str,
    /// What it found, as written.
    pub summary: Option<String>,
    /// A link to the full analysis; only `http://` and `https://` addresses are kept.
    pub reference: Option<String>,
}

/// A rule whose findings the plan accepts.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WaiverView {
    /// The rule's name (`checkin-overdue`).
    pub rule: String,
    /// Why its findings are accepted.
    pub reason: String,
    /// Who granted the waiver.
    pub by: Option<PersonView>,
}

/// One check-in on the plan.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct CheckinView {
    /// Its date, `YYYY-MM-DD` (empty when not written).
    pub date: String,
    /// The confidence given, out of 10.
    pub confidence: Option<String>,
    /// The note written with it.
    pub note: Option<String>,
}

/// A link to another plan by its id.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanLink {
    /// The plan's id.
    pub id: String,
    /// The URL of its page, relative to the site root.
    pub url: String,
}

/// Where things live on the site, relative to its root.
pub(crate) struct Urls<'a> {
    pub base: &'a str,
}

/// Page addresses relative to the site's root, naming the `index.html` file itself so that the
/// site works opened from disk as well as served; each page's links are then made relative to
/// the page (see `site::relative_links`).
impl Urls<'_> {
    pub(crate) fn plan(&self, id: &str) -> String {
        format!("{}plans/{id}/index.html", self.base)
    }
    pub(crate) fn person(&self, id: &str) -> String {
        format!("{}owners/{}/index.html", self.base, path_slug(id))
    }
    pub(crate) fn region(&self, region: &str) -> String {
        format!("{}regions/{}/index.html", self.base, path_slug(region))
    }
    pub(crate) fn manager(&self, id: &str) -> String {
        format!("{}managers/{}/index.html", self.base, path_slug(id))
    }
    pub(crate) fn status(&self, status: &str) -> String {
        format!("{}status/{status}/index.html", self.base)
    }
    /// The index page of a folder of pages: `status`, `regions`, `owners`, `managers`.
    pub(crate) fn hub(&self, folder: &str) -> String {
        format!("{}{folder}/index.html", self.base)
    }
}

/// A name made safe as one path component: lowercase letters, digits, `-`, `_` and `.`,
/// never `.` or `..`.
pub(crate) fn path_slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric()
            || c == '_'
            || (c == '.' && !out.is_empty() && !out.ends_with('.'))
        {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches(['-', '.']).to_string();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

pub(crate) fn person(people: &People, urls: &Urls, id: &str) -> PersonView {
    let p = people.get(id);
    PersonView {
        id: id.to_string(),
        name: p.map_or(id.to_string(), |p| p.name.clone()),
        title: p.and_then(|p| p.title.clone()),
        url: urls.person(id),
    }
}

fn money(v: f64, currency: Option<&str>) -> String {
    match currency {
        Some(c) => format!("{c} {}", fmt(v)),
        None => fmt(v),
    }
}

/// A figure with its unit: "EUR 520,000", "88%", "3.1×", "127 days" ("—" for none).
pub(crate) fn value(v: Option<f64>, unit: Option<Unit>, currency: Option<&str>) -> String {
    match (v, unit) {
        (None, _) => "—".into(),
        (Some(v), Some(Unit::Currency)) => money(v, currency),
        (Some(v), Some(Unit::Percent)) => format!("{}%", fmt(v)),
        (Some(v), Some(Unit::Days)) => format!("{} days", fmt(v)),
        (Some(v), Some(Unit::Ratio)) => format!("{}×", fmt(v)),
        (Some(v), _) => fmt(v),
    }
}

/// The summary row and metrics of a plan.
pub(crate) fn summary(
    plan: &Plan,
    id: &str,
    people: &People,
    urls: &Urls,
    history: Option<&PlanHistory>,
    today: Date,
    chart: bool,
) -> PlanSummary {
    let status = plan.status.unwrap_or(Status::Draft);
    let period = plan.period.clone().unwrap_or_default();
    let scope = plan.scope.clone().unwrap_or_default();
    let days_to_reassess = period
        .reassess
        .and_then(|r| today.until(r).ok())
        .map(|s| i64::from(s.get_days()));
    // A recorded reassessment answers the date; past the end, the assessment is overdue.
    let overdue = plan.next_review(today).is_some_and(|r| r.days < 0);
    let last = history.and_then(|h| h.revisions.first());
    PlanSummary {
        id: id.to_string(),
        title: plan.title.clone().unwrap_or_else(|| id.to_string()),
        url: urls.plan(id),
        status: status.as_str(),
        status_label: status.label(),
        outcome: plan.outcome.map(|o| o.label()),
        owner: person(people, urls, plan.owner.as_deref().unwrap_or("unknown")),
        region: scope.region.clone(),
        region_url: scope.region.as_deref().map(|r| urls.region(r)),
        scope: scope.line(),
        start: period.start.map(|d| d.to_string()).unwrap_or_default(),
        reassess: period.reassess.map(|d| d.to_string()).unwrap_or_default(),
        end: period.end.map(|d| d.to_string()).unwrap_or_default(),
        primary: plan
            .metrics
            .iter()
            .position(|m| m.primary)
            .map(|i| metric(plan, i, today, chart)),
        days_to_reassess,
        overdue,
        last_change: last.map(|r| r.date.date().to_string()),
        last_author: last.map(|r| crate::site::published::cap(&r.author.name).into_owned()),
        last_checkin: plan
            .latest_checkin()
            .and_then(|c| c.date)
            .map(|d| d.to_string()),
        restricted: plan.visibility == crate::plan::model::Visibility::Restricted,
    }
}

/// Metric `i` of a plan, with progress and, when `chart`, its chart.
pub(crate) fn metric(plan: &Plan, i: usize, today: Date, chart: bool) -> MetricView {
    let m = &plan.metrics[i];
    let id = m.id.clone().unwrap_or_default();
    let currency = plan.currency.as_deref();
    let period = plan.period.clone().unwrap_or_default();
    let computed = progress::of(plan, m, today);
    let shown = |v: f64| value(Some(v), m.unit, currency);
    let progress = Progress {
        percent: computed.percent.unwrap_or(0),
        expected_percent: computed.expected_percent,
        state: computed.state.as_str(),
        state_label: computed.state.label(),
        latest: computed.percent.and(computed.actual).map(&shown),
        latest_date: computed
            .percent
            .and(computed.latest)
            .map(|(d, _)| d.to_string()),
        expected: computed.expected.map(&shown),
        forecast: computed.forecast.as_ref().map(|f| ForecastView {
            value: shown(f.value),
            percent: f.percent,
            state: f.state.as_str(),
            state_label: f.state.label(),
            method: f.method,
        }),
    };
    let chart = match (period.start, period.end, m.baseline, m.target) {
        (Some(start), Some(end), Some(baseline), Some(target)) if chart => 'drawn: {
            let path = progress::path(plan, m);
            if path.is_empty() {
                break 'drawn String::new();
            }
            // The actuals as the aggregate counts them at each check-in (running sums for
            // `sum`).
            let actuals = progress::running(m.aggregate, &progress::actuals(plan, m));
            let mut series = vec![chart::Series {
                name: "actuals",
                class: "actual",
                points: actuals.clone(),
                from_baseline: true,
                labelled: true,
            }];
            if let (Some(f), Some(last)) = (computed.forecast.as_ref(), actuals.last()) {
                series.push(chart::Series {
                    name: "forecast",
                    class: "forecast",
                    points: vec![*last, (end, f.value)],
                    from_baseline: false,
                    labelled: false,
                });
            }
            chart::render(&chart::Chart {
                start,
                end,
                baseline,
                target,
                expected: m.expected,
                path,
                today,
                reassess: period.reassess,
                unit: m.unit,
                currency,
                full: &shown,
                series,
                label: m.name.as_deref().unwrap_or(&id),
            })
        }
        _ => String::new(),
    };
    MetricView {
        name: m.name.clone().unwrap_or_else(|| id.clone()),
        id,
        unit: m.unit.map_or("", Unit::as_str),
        direction: if m.direction == Some(Direction::Decrease) {
            "decrease"
        } else {
            "increase"
        },
        primary: m.primary,
        baseline: value(m.baseline, m.unit, currency),
        expected: value(m.expected, m.unit, currency),
        target: value(m.target, m.unit, currency),
        definition: m.definition.clone(),
        progress,
        chart,
    }
}

/// What a plan's page is made from.
pub(crate) struct PageSource<'a> {
    pub plan: &'a Plan,
    pub summary: PlanSummary,
    pub people: &'a People,
    pub urls: &'a Urls<'a>,
    /// The history the site publishes.
    pub history: Option<&'a PlanHistory>,
    /// How the sign-off by a person (id) on a date stands, in words.
    pub evidence: &'a dyn Fn(&str, &str) -> Option<EvidenceView>,
    /// The plan's text, rendered.
    pub body: crate::site::markdown::Rendered,
    /// The repository's web address, for links to commits and the source file.
    pub repo_url: Option<&'a str>,
    /// The plan file's path in the repository, as links write it.
    pub source_path: &'a str,
    pub today: Date,
}

/// Everything else a plan page needs.
pub(crate) fn page(source: PageSource) -> PlanPage {
    let PageSource {
        plan,
        summary,
        people,
        urls,
        history,
        evidence: verified,
        body,
        repo_url,
        source_path,
        today,
    } = source;
    let currency = plan.currency.as_deref();
    let function = |f: Option<crate::plan::model::Function>| f.map(|f| f.label().to_string());
    let activity_money: f64 = plan
        .activities
        .iter()
        .filter_map(|a| a.investment.as_ref()?.money)
        .sum();
    let activity_days: f64 = plan
        .activities
        .iter()
        .filter_map(|a| a.investment.as_ref()?.days)
        .sum();
    PlanPage {
        sponsor: plan.sponsor.as_deref().map(|s| person(people, urls, s)),
        team: plan
            .team
            .iter()
            .flatten()
            .filter_map(|m| {
                Some(TeamMemberView {
                    person: person(people, urls, m.person.as_deref()?),
                    role: m.role.clone(),
                    function: function(m.function),
                })
            })
            .collect(),
        metrics: (0..plan.metrics.len())
            .map(|i| metric(plan, i, today, true))
            .collect(),
        activities: plan
            .activities
            .iter()
            .map(|a| ActivityView {
                id: a.id.clone().unwrap_or_default(),
                title: a.title.clone().unwrap_or_default(),
                owner: a.owner.as_deref().map(|o| person(people, urls, o)),
                function: function(a.function).unwrap_or_default(),
                due: a.due.map(|d| d.to_string()).unwrap_or_default(),
                status: a
                    .status
                    .map(|s| split_camel(&format!("{s:?}")))
                    .unwrap_or_default(),
                // Metrics by name: "moves Pipeline coverage, Bookings".
                metrics: a
                    .metrics
                    .iter()
                    .map(|id| {
                        plan.metrics
                            .iter()
                            .find(|m| m.id.as_deref() == Some(id))
                            .and_then(|m| m.name.clone())
                            .unwrap_or_else(|| id.clone())
                    })
                    .collect(),
                money: a
                    .investment
                    .as_ref()
                    .and_then(|i| i.money)
                    .map(|m| money(m, currency)),
                days: a.investment.as_ref().and_then(|i| i.days).map(fmt),
            })
            .collect(),
        currency: plan.currency.clone(),
        budget: plan
            .investment
            .as_ref()
            .and_then(|i| i.budget)
            .map(|b| money(b, currency)),
        days: plan.investment.as_ref().and_then(|i| i.days).map(fmt),
        activity_money: (activity_money > 0.0).then(|| money(activity_money, currency)),
        activity_days: (activity_days > 0.0).then(|| fmt(activity_days)),
        help: plan
            .help_needed
            .iter()
            .flatten()
            .map(|h| {
                let from = h.from.as_deref().unwrap_or("");
                let from = match crate::plan::model::Function::from_name(from) {
                    Some(f) => f.label().to_string(),
                    None => people.name(from).to_string(),
                };
                HelpView {
                    from,
                    ask: h.ask.clone().unwrap_or_default(),
                    by: h.by.map(|d| d.to_string()),
                }
            })
            .collect(),
        analysis: plan
            .analysis
            .iter()
            .flat_map(|a| {
                [
                    ("Win/loss analysis", &a.win_loss),
                    ("Team comparison", &a.team_comparison),
                    ("360° baseline review", &a.baseline_360),
                ]
            })
            .filter_map(|(name, f)| {
                f.as_ref().map(|f| AnalysisView {
                    name,
                    summary: f.summary.clone(),
                    reference: f
                        .reference
                        .clone()
                        .filter(|r| r.starts_with("https://") || r.starts_with("http://")),
                })
            })
            .collect(),
        on_miss: plan.consequences.as_ref().and_then(|c| c.on_miss.clone()),
        incentive: plan.consequences.as_ref().and_then(|c| c.incentive.clone()),
        consequences_held: false,
        waivers: plan
            .waivers
            .iter()
            .map(|w| WaiverView {
                rule: w.rule.clone().unwrap_or_default(),
                reason: w.reason.clone().unwrap_or_default(),
                by: w.by.as_deref().map(|id| person(people, urls, id)),
            })
            .collect(),
        signoffs: plan
            .signoffs
            .iter()
            .flatten()
            .filter_map(|s| {
                let id = s.person.as_deref()?;
                let date = s.date.map(|d| d.to_string()).unwrap_or_default();
                Some(SignOffView {
                    person: person(people, urls, id),
                    role: s.role.clone(),
                    evidence: verified(id, &date),
                    date,
                })
            })
            .collect(),
        checkins: {
            let mut c: Vec<_> = plan
                .checkins
                .iter()
                .map(|c| CheckinView {
                    date: c.date.map(|d| d.to_string()).unwrap_or_default(),
                    confidence: c.confidence.map(fmt),
                    note: c.note.clone(),
                })
                .collect();
            c.sort_by(|a, b| b.date.cmp(&a.date));
            c
        },
        body: body.html,
        body_summary: body.summary,
        toc: body.toc,
        history: history
            .map(|h| {
                h.revisions
                    .iter()
                    .map(|r| {
                        let committed = r.commit != crate::history::WORKING_TREE;
                        RevisionView {
                            date: r.date.date().to_string(),
                            author: crate::site::published::cap(&r.author.name).into_owned(),
                            commit_short: if committed {
                                r.commit.chars().take(7).collect()
                            } else {
                                r.commit.clone()
                            },
                            commit_url: repo_url
                                .filter(|_| committed)
                                .map(|u| format!("{u}/commit/{}", r.commit)),
                            pr: r.pr,
                            pr_url: repo_url.zip(r.pr).map(|(u, n)| format!("{u}/pull/{n}")),
                            commit: r.commit.clone(),
                            summary: crate::site::published::cap(&r.summary).into_owned(),
                            changes: r
                                .changes
                                .iter()
                                .map(|c| change_in_words(c, plan, people))
                                .collect(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default(),
        source_url: repo_url.map(|u| format!("{u}/blob/HEAD/{source_path}")),
        supersedes: plan.supersedes.as_ref().map(|s| PlanLink {
            id: s.clone(),
            url: urls.plan(s),
        }),
        summary,
    }
}

/// A change of a revision with names where the field path has ids: "Sign-off by Li Wei:
/// added 2026-08-24", "Win rate · target: 25 → 28".
pub(crate) fn change_in_words(
    change: &crate::history::FieldChange,
    plan: &Plan,
    people: &People,
) -> String {
    use crate::history::FieldChange;
    let FieldChange::Field { field, from, to } = change else {
        return change.to_string();
    };
    let Some((list, after)) = field.split_once('.') else {
        return change.to_string();
    };
    // Person ids may hold dots: the longest id the path starts with is the person.
    let (id, rest) = if matches!(list, "signoffs" | "team") {
        let person = std::iter::once(after.len())
            .chain(after.rmatch_indices('.').map(|(i, _)| i))
            .map(|end| &after[..end])
            .find(|p| people.by_id.contains_key(*p));
        match person {
            Some(p) => (p, after.get(p.len() + 1..).filter(|r| !r.is_empty())),
            None => return change.to_string(),
        }
    } else {
        match after.split_once('.') {
            Some((id, rest)) => (id, Some(rest)),
            None => (after, None),
        }
    };
    let name = match list {
        "signoffs" => format!("Sign-off by {}", people.name(id)),
        "team" => format!("Team: {}", people.name(id)),
        "metrics" => plan
            .metrics
            .iter()
            .find(|m| m.id.as_deref() == Some(id))
            .and_then(|m| m.name.clone())
            .unwrap_or_else(|| id.to_string()),
        "activities" => plan
            .activities
            .iter()
            .find(|a| a.id.as_deref() == Some(id))
            .and_then(|a| a.title.clone())
            .unwrap_or_else(|| id.to_string()),
        _ => return change.to_string(),
    };
    let label = match rest {
        Some(rest) => format!("{name} · {rest}"),
        None => name,
    };
    // A sign-off added or removed is told by its date.
    let dated = |v: &serde_json::Value| v.get("date").and_then(|d| d.as_str()).map(str::to_string);
    match (list, rest, dated(from), dated(to)) {
        ("signoffs", None, None, Some(date)) if from.is_null() => {
            format!("{label}: added ({date})")
        }
        ("signoffs", None, Some(date), None) if to.is_null() => {
            format!("{label}: removed (was {date})")
        }
        _ => FieldChange::Field {
            field: label,
            from: from.clone(),
            to: to.clone(),
        }
        .to_string(),
    }
}

/// `InProgress` → `in progress`, `PreSales` → `pre sales`.
fn split_camel(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    /// The fields of each `Serialize` struct in a source file, as templates see them.
    fn serialized_structs(source: &str, prefix: &str, into: &mut BTreeMap<String, Vec<String>>) {
        let mut lines = source.lines();
        while let Some(line) = lines.next() {
            if !(line.starts_with("#[derive(") && line.contains("Serialize)]")) {
                continue;
            }
            let Some(name) = lines.by_ref().find_map(|l| {
                let l = l
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                l.strip_prefix("struct ")
                    .map(|r| r.split([' ', '<']).next().unwrap_or_default().to_string())
            }) else {
                continue;
            };
            let fields = lines
                .by_ref()
                .take_while(|l| !l.starts_with('}'))
                .map(str::trim)
                .filter(|l| !l.starts_with("///") && !l.starts_with("#["))
                .filter_map(|l| Some(l.trim_start_matches("pub ").split_once(": ")?.0.to_string()))
                .collect();
            into.insert(format!("{prefix}{name}"), fields);
        }
    }

    /// The fields `docs/templates.md` lists for each type.
    fn documented() -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut current = None;
        for line in include_str!("../../docs/templates.md").lines() {
            if let Some(h) = line.strip_prefix("### `") {
                let name = h.split('`').next().unwrap_or_default().to_string();
                out.insert(name.clone(), Vec::new());
                current = Some(name);
            } else if let (Some(name), Some(row)) = (&current, line.strip_prefix("| `")) {
                let field = row.split('`').next().unwrap_or_default().to_string();
                out.get_mut(name).expect("inserted").push(field);
            }
        }
        out
    }

    #[test]
    fn every_template_field_is_documented() {
        let mut code = BTreeMap::new();
        serialized_structs(include_str!("context.rs"), "", &mut code);
        serialized_structs(include_str!("markdown.rs"), "", &mut code);
        serialized_structs(include_str!("feeds.rs"), "feeds::", &mut code);
        for source in [
            include_str!("mod.rs"),
            include_str!("pages.rs"),
            include_str!("data.rs"),
            include_str!("pagination.rs"),
        ] {
            serialized_structs(source, "", &mut code);
        }
        // plans.json's records, not template data.
        code.remove("PlanData");
        code.remove("Data");
        assert!(code.contains_key("PlanPage") && code.contains_key("CheckinView"));
        assert_eq!(
            code,
            documented(),
            "docs/templates.md must list each template type with its fields, in order"
        );
    }
}
