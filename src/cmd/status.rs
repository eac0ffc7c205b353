//! `planbook status`: the portfolio, one row per plan, or what needs a leader's attention.

use serde::Serialize;

use crate::ExitStatus;
use crate::cli::{StatusArgs, StatusFormat};
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::plan::attention::{self, Item};
use jiff::civil::Date;

use crate::plan::People;
use crate::plan::model::{Plan, Status};
use crate::plan::progress::{self, ProgressState};
use crate::report::escape::{controls, line};

/// One plan in the portfolio.
#[derive(Debug, Serialize)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) status: Status,
    pub(crate) owner: String,
    pub(crate) scope: String,
    /// The period's dates (`""` when the plan gives none).
    #[serde(serialize_with = "date_or_empty")]
    pub(crate) start: Option<Date>,
    #[serde(serialize_with = "date_or_empty")]
    pub(crate) reassess: Option<Date>,
    #[serde(serialize_with = "date_or_empty")]
    pub(crate) end: Option<Date>,
    pub(crate) primary_metric: Option<String>,
    /// The primary metric's unit (`currency`, `percent`, `count`, `days`, `ratio`).
    pub(crate) unit: Option<String>,
    /// The plan's currency, for money.
    pub(crate) currency: Option<String>,
    /// The primary metric's baseline, target and latest actual, as numbers.
    #[serde(serialize_with = "number")]
    pub(crate) baseline: Option<f64>,
    #[serde(serialize_with = "number")]
    pub(crate) target: Option<f64>,
    #[serde(serialize_with = "number")]
    pub(crate) latest: Option<f64>,
    /// Share of the way from baseline to target reached by the actuals, in percent.
    pub(crate) progress: Option<i64>,
    /// Share of the period elapsed, in percent.
    pub(crate) time_elapsed: Option<i64>,
    /// `ahead`, `on-track`, `at-risk`, `behind` or `no-data`.
    pub(crate) state: Option<ProgressState>,
    #[serde(serialize_with = "number")]
    pub(crate) confidence: Option<f64>,
    pub(crate) days_to_reassessment: Option<i64>,
    pub(crate) reassessment_overdue: bool,
    pub(crate) checkin_overdue: bool,
    /// The actuals added up as the metric's `aggregate` says (the latest for `latest`).
    #[serde(serialize_with = "number")]
    pub(crate) actual: Option<f64>,
    /// What the committed path (milestones or a straight line) expects by the latest
    /// check-in.
    #[serde(serialize_with = "number")]
    pub(crate) expected: Option<f64>,
    /// The value projected to the end of the period from the check-ins.
    #[serde(serialize_with = "number")]
    pub(crate) forecast: Option<f64>,
    /// The forecast against the target: `ahead`, `on-track`, `at-risk` or `behind`.
    pub(crate) forecast_state: Option<ProgressState>,
    /// The date of the latest check-in.
    pub(crate) last_checkin: Option<Date>,
}

pub(crate) fn run(ctx: &Context, args: &StatusArgs) -> Result<ExitStatus, Error> {
    let today = cmd::as_of(args.as_of.as_deref())?;
    let mut repo = ctx.repo()?;
    let cwd = ctx.cwd()?;
    let paths = repo.plan_paths()?;
    let folders = cmd::plan_folders(&repo, &cwd, &args.paths, &paths)?;
    for (flag, person) in [("--owner", &args.owner), ("--manager", &args.manager)] {
        if let Some(id) = person
            && !repo.people.contains(id)
        {
            return Err(Error::usage(
                format!("{flag} {id}: nobody with this id in people.yaml"),
                Some("give the person's id as people.yaml spells it, e.g. `marta.keller`".into()),
            ));
        }
    }
    let wanted: Vec<_> = paths
        .into_iter()
        .filter(|p| folders.is_empty() || folders.iter().any(|f| p.starts_with(f)))
        .collect();
    repo.keep_parsed();
    let files = repo.load_plans(&wanted);
    repo.save_parsed();
    let mut plans: Vec<(String, &Plan)> = Vec::new();
    for file in &files {
        let Some(plan) = &file.plan else {
            cmd::warn(
                &format!(
                    "{} is left out: it cannot be read (run `planbook check`)",
                    file.path.display()
                ),
                ctx.color,
            );
            continue;
        };
        if selected(plan, &repo.people, args) {
            plans.push((file.id(), plan));
        }
    }
    if args.attention {
        let subjects: Vec<(&str, &Plan)> = plans.iter().map(|(id, p)| (id.as_str(), *p)).collect();
        let items = attention::list(&subjects, &repo.people, &repo.config.signoff, today);
        match args.format {
            StatusFormat::Json => cmd::print_json(&items)?,
            StatusFormat::Csv => cmd::print(&attention_csv(&items, &repo.people))?,
            StatusFormat::Table => cmd::print(&attention_text(&items))?,
        }
        return Ok(ExitStatus::Success);
    }
    let rows: Vec<Row> = plans
        .iter()
        .map(|(id, plan)| row(id, plan, &repo.people, today))
        .collect();
    match args.format {
        StatusFormat::Json => cmd::print_json(&rows)?,
        StatusFormat::Csv => cmd::print(&csv(&rows))?,
        StatusFormat::Table => cmd::print(&table(&rows))?,
    }
    Ok(ExitStatus::Success)
}

/// Whether a plan passes the `--owner`, `--region` and `--manager` filters.
fn selected(plan: &Plan, people: &People, args: &StatusArgs) -> bool {
    let owner = plan.owner.as_deref().unwrap_or("");
    let region = plan.scope.as_ref().and_then(|s| s.region.as_deref());
    args.owner.as_deref().is_none_or(|o| o == owner)
        && args
            .region
            .as_deref()
            .is_none_or(|r| region.is_some_and(|region| region.eq_ignore_ascii_case(r.trim())))
        && args
            .manager
            .as_deref()
            .is_none_or(|m| people.reports_to(owner, m))
}

/// The portfolio row of a plan.
fn row(id: &str, plan: &Plan, people: &People, today: jiff::civil::Date) -> Row {
    let status = plan.status.unwrap_or(Status::Draft);
    let period = plan.period.clone().unwrap_or_default();
    let days_to_reassessment = period
        .reassess
        .and_then(|r| today.until(r).ok())
        .map(|s| i64::from(s.get_days()));
    let metric = plan.primary_metric();
    let computed = metric.map(|m| progress::of(plan, m, today));
    let latest_checkin = plan.latest_checkin();
    Row {
        id: id.to_string(),
        title: plan.title.clone().unwrap_or_else(|| id.to_string()),
        status,
        owner: people
            .name(plan.owner.as_deref().unwrap_or("unknown"))
            .to_string(),
        scope: plan.scope.clone().unwrap_or_default().line(),
        start: period.start,
        reassess: period.reassess,
        end: period.end,
        primary_metric: metric.map(|m| m.name.clone().or_else(|| m.id.clone()).unwrap_or_default()),
        unit: metric.map(|m| m.unit.map_or("", |u| u.as_str()).to_string()),
        currency: plan.currency.clone(),
        baseline: metric.and_then(|m| m.baseline),
        target: metric.and_then(|m| m.target),
        latest: computed.as_ref().and_then(|p| p.latest).map(|(_, v)| v),
        progress: computed.as_ref().and_then(|p| p.percent),
        time_elapsed: computed.as_ref().map(|p| p.time_elapsed),
        state: computed.as_ref().map(|p| p.state),
        confidence: latest_checkin.and_then(|c| c.confidence),
        days_to_reassessment,
        // As the attention list and `reassessment-overdue` say: a recorded reassessment
        // answers the reassessment date, and a plan past its end awaits its assessment.
        reassessment_overdue: plan.next_review(today).is_some_and(|r| r.days < 0),
        checkin_overdue: plan.checkin_overdue(today).is_some(),
        actual: computed.as_ref().and_then(|p| p.actual),
        expected: computed
            .as_ref()
            .and_then(|p| p.expected)
            .map(|v| (v * 100.0).round() / 100.0),
        forecast: computed
            .as_ref()
            .and_then(|p| p.forecast.as_ref())
            .map(|f| f.value),
        forecast_state: computed
            .as_ref()
            .and_then(|p| p.forecast.as_ref())
            .map(|f| f.state),
        last_checkin: latest_checkin.and_then(|c| c.date),
    }
}

/// What needs attention, grouped by kind.
fn attention_text(items: &[Item]) -> String {
    if items.is_empty() {
        return "Nothing needs attention.\n".into();
    }
    let mut out = format!(
        "{} item{} need{} attention\n",
        items.len(),
        if items.len() == 1 { "" } else { "s" },
        if items.len() == 1 { "s" } else { "" }
    );
    let mut kind = None;
    for item in items {
        if kind != Some(item.kind) {
            kind = Some(item.kind);
            out.push_str(&format!("\n{}\n", item.kind.label()));
        }
        // Plan text may carry terminal control sequences: shown escaped, never sent.
        out.push_str(&format!(
            "  {}  {}\n    {}\n",
            line(&item.plan),
            line(&item.title),
            line(&item.message)
        ));
    }
    out
}

fn attention_csv(items: &[Item], people: &People) -> String {
    let cells = items.iter().map(|item| {
        let names: Vec<&str> = item.people.iter().map(|p| people.name(p)).collect();
        vec![
            csv_field(&item.plan),
            csv_field(&item.title),
            item.kind.as_str().to_string(),
            item.date.map(|d| d.to_string()).unwrap_or_default(),
            csv_field(&names.join("; ")),
            csv_field(&item.message),
        ]
    });
    csv_text(
        &["plan", "title", "kind", "date", "people", "message"],
        cells,
    )
}

/// A number in JSON as people write it: whole numbers without `.0`.
fn number<S: serde::Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => serializer.serialize_i64(*v as i64),
        Some(v) => serializer.serialize_f64(*v),
        None => serializer.serialize_none(),
    }
}

/// A date in JSON, or `""` for none.
fn date_or_empty<S: serde::Serializer>(
    value: &Option<Date>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&date_text(*value))
}

/// A date as text, or nothing for none.
fn date_text(value: Option<Date>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

/// A number in CSV: whole numbers without `.0`, nothing for none.
fn csv_number(value: Option<f64>) -> String {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn table(rows: &[Row]) -> String {
    let header = [
        "PLAN",
        "STATUS",
        "OWNER",
        "PROGRESS",
        "FORECAST",
        "CONFIDENCE",
        "REASSESS",
        "FLAGS",
    ];
    let mut lines: Vec<[String; 8]> = vec![header.map(str::to_string)];
    for r in rows {
        let progress = match (r.progress, &r.state) {
            (Some(p), Some(state)) => format!("{}, {p}% of the way", state.label()),
            _ => "no check-in".into(),
        };
        let unit = r.unit.as_deref().and_then(|u| {
            serde_json::from_value::<crate::plan::model::Unit>(serde_json::Value::String(
                u.to_string(),
            ))
            .ok()
        });
        let figure = |v: f64| crate::site::context::value(Some(v), unit, r.currency.as_deref());
        let forecast = match (r.forecast, &r.forecast_state, r.target) {
            (Some(f), Some(state), Some(t)) => format!(
                "{} of {} target, {}",
                line(&figure(f)),
                line(&figure(t)),
                state.label()
            ),
            _ => "—".into(),
        };
        let reassess = date_text(r.reassess);
        let reassess = match (r.days_to_reassessment, r.status) {
            (_, Status::Assessed | Status::Withdrawn) => format!("{reassess} (done)"),
            (Some(d), _) if d < 0 => format!("{reassess} ({} days ago)", -d),
            (Some(d), _) => format!("{reassess} (in {d} days)"),
            (None, _) => "—".into(),
        };
        let mut flags = Vec::new();
        if r.reassessment_overdue {
            flags.push("reassessment overdue");
        }
        if r.checkin_overdue {
            flags.push("check-in overdue");
        }
        if let Some(state @ (ProgressState::Behind | ProgressState::AtRisk)) = r.state {
            flags.push(state.label());
        }
        // Plan text may carry terminal control sequences: shown escaped, never sent.
        lines.push([
            line(&r.id).into_owned(),
            r.status.as_str().to_string(),
            line(&r.owner).into_owned(),
            progress,
            forecast,
            r.confidence
                .map(|c| format!("{c}/10"))
                .unwrap_or_else(|| "—".into()),
            line(&reassess).into_owned(),
            flags.join(", "),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// One CSV cell's text: control characters shown escaped, and a leading =, +, - or @ defused
/// with `'` (it would run as a formula in spreadsheets). Quoting is the `csv` crate's.
fn csv_field(s: &str) -> String {
    let s = controls(s, true);
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.into_owned()
    }
}

/// Rows of cells as CSV (RFC 4180, CRLF line ends, quoted where needed).
fn csv_text(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut write = |cells: &[String]| {
        out.write_record(cells)
            .expect("writing CSV to memory cannot fail");
    };
    write(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for row in rows {
        write(&row);
    }
    let bytes = out.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

/// The rows as CSV.
fn csv(rows: &[Row]) -> String {
    let field = csv_field;
    let opt = |o: Option<String>| o.unwrap_or_default();
    let cells = rows.iter().map(|r| {
        vec![
            field(&r.id),
            field(&r.title),
            r.status.as_str().to_string(),
            field(&r.owner),
            field(&r.scope),
            date_text(r.start),
            date_text(r.reassess),
            date_text(r.end),
            field(&opt(r.primary_metric.clone())),
            field(&opt(r.unit.clone())),
            field(&opt(r.currency.clone())),
            csv_number(r.baseline),
            csv_number(r.target),
            csv_number(r.latest),
            opt(r.progress.map(|p| p.to_string())),
            opt(r.time_elapsed.map(|p| p.to_string())),
            opt(r.state.map(|s| s.as_str().to_string())),
            csv_number(r.confidence),
            opt(r.days_to_reassessment.map(|d| d.to_string())),
            r.reassessment_overdue.to_string(),
            r.checkin_overdue.to_string(),
            csv_number(r.actual),
            csv_number(r.expected),
            csv_number(r.forecast),
            opt(r.forecast_state.map(|s| s.as_str().to_string())),
            date_text(r.last_checkin),
        ]
    });
    csv_text(&CSV_HEADER, cells)
}

const CSV_HEADER: [&str; 26] = [
    "id",
    "title",
    "status",
    "owner",
    "scope",
    "start",
    "reassess",
    "end",
    "primary_metric",
    "unit",
    "currency",
    "baseline",
    "target",
    "latest",
    "progress",
    "time_elapsed",
    "state",
    "confidence",
    "days_to_reassessment",
    "reassessment_overdue",
    "checkin_overdue",
    "actual",
    "expected",
    "forecast",
    "forecast_state",
    "last_checkin",
];
