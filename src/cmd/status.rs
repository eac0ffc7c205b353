//! `planbook status`: the portfolio, one row per plan.

use serde::Serialize;

use crate::ExitStatus;
use crate::cli::{StatusArgs, StatusFormat};
use crate::cmd::{self, Context};
use crate::error::Error;
use crate::report::escape::{controls, line};
use crate::site::context::{self, Urls};

/// One plan in the portfolio.
#[derive(Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub title: String,
    pub status: String,
    pub owner: String,
    pub scope: String,
    pub start: String,
    pub reassess: String,
    pub end: String,
    pub primary_metric: Option<String>,
    /// The primary metric's unit (`currency`, `percent`, `count`, `days`, `ratio`).
    pub unit: Option<String>,
    /// The plan's currency, for money.
    pub currency: Option<String>,
    /// The primary metric's baseline, target and latest actual, as numbers.
    #[serde(serialize_with = "number")]
    pub baseline: Option<f64>,
    #[serde(serialize_with = "number")]
    pub target: Option<f64>,
    #[serde(serialize_with = "number")]
    pub latest: Option<f64>,
    /// Share of the way from baseline to target reached by the latest actual, in percent.
    pub progress: Option<i64>,
    /// Share of the period elapsed, in percent.
    pub time_elapsed: Option<i64>,
    /// `ahead`, `on-track`, `behind` or `no-data`.
    pub state: Option<String>,
    #[serde(serialize_with = "number")]
    pub confidence: Option<f64>,
    pub days_to_reassessment: Option<i64>,
    pub reassessment_overdue: bool,
    pub checkin_overdue: bool,
}

pub fn run(ctx: &Context, args: &StatusArgs) -> Result<ExitStatus, Error> {
    let today = cmd::as_of(args.as_of.as_deref())?;
    let repo = ctx.repo()?;
    let paths = repo.plan_paths()?;
    let files = repo.load_plans(&paths);
    let urls = Urls { base: "/" };
    let mut rows = Vec::new();
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
        let id = file.id();
        let s = context::summary(plan, &id, &repo.people, &urls, None, today);
        let latest_checkin = plan.latest_checkin();
        let checkin_overdue = plan.checkin_overdue(today).is_some();
        rows.push(Row {
            id: id.clone(),
            title: s.title.clone(),
            status: s.status.to_string(),
            owner: s.owner.name.clone(),
            scope: s.scope.clone(),
            start: s.start.clone(),
            reassess: s.reassess.clone(),
            end: s.end.clone(),
            primary_metric: s.primary.as_ref().map(|m| m.name.clone()),
            unit: s.primary.as_ref().map(|m| m.unit.to_string()),
            currency: plan.currency.clone(),
            baseline: plan.primary_metric().and_then(|m| m.baseline),
            target: plan.primary_metric().and_then(|m| m.target),
            latest: plan.primary_metric().and_then(|m| {
                plan.latest_checkin()?
                    .actuals
                    .get(m.id.as_deref()?)
                    .copied()
            }),
            progress: s
                .primary
                .as_ref()
                .filter(|m| m.progress.state != "no-data")
                .map(|m| m.progress.percent),
            time_elapsed: s.primary.as_ref().map(|m| m.progress.expected_percent),
            state: s.primary.as_ref().map(|m| m.progress.state.to_string()),
            confidence: latest_checkin.and_then(|c| c.confidence),
            days_to_reassessment: s.days_to_reassess,
            reassessment_overdue: s.overdue,
            checkin_overdue,
        });
    }
    match args.format {
        StatusFormat::Json => cmd::print_json(&rows)?,
        StatusFormat::Csv => cmd::print(&csv(&rows))?,
        StatusFormat::Table => cmd::print(&table(&rows))?,
    }
    Ok(ExitStatus::Success)
}

/// A number in JSON as people write it: whole numbers without `.0`.
fn number<S: serde::Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => serializer.serialize_i64(*v as i64),
        Some(v) => serializer.serialize_f64(*v),
        None => serializer.serialize_none(),
    }
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
        "CONFIDENCE",
        "REASSESS",
        "FLAGS",
    ];
    let mut lines: Vec<[String; 7]> = vec![header.map(str::to_string)];
    for r in rows {
        let progress = match (r.progress, r.time_elapsed) {
            (Some(p), Some(t)) => format!("{p}% of target ({t}% of time)"),
            _ => "no check-in".into(),
        };
        let reassess = match (r.days_to_reassessment, r.status.as_str()) {
            (_, "assessed" | "withdrawn") => format!("{} (done)", r.reassess),
            (Some(d), _) if d < 0 => format!("{} ({} days ago)", r.reassess, -d),
            (Some(d), _) => format!("{} (in {d} days)", r.reassess),
            (None, _) => "—".into(),
        };
        let mut flags = Vec::new();
        if r.reassessment_overdue {
            flags.push("reassessment overdue");
        }
        if r.checkin_overdue {
            flags.push("check-in overdue");
        }
        if r.state.as_deref() == Some("behind") {
            flags.push("behind");
        }
        // Plan text may carry terminal control sequences: shown escaped, never sent.
        lines.push([
            line(&r.id).into_owned(),
            line(&r.status).into_owned(),
            line(&r.owner).into_owned(),
            progress,
            r.confidence
                .map(|c| format!("{c}/10"))
                .unwrap_or_else(|| "—".into()),
            line(&reassess).into_owned(),
            flags.join(", "),
        ]);
    }
    let widths: Vec<usize> = (0..7)
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

/// The rows as CSV (RFC 4180, CRLF line ends, quoted where needed, by the `csv` crate).
fn csv(rows: &[Row]) -> String {
    // Plan text may carry control characters (shown escaped) or start like a formula: a
    // leading =, +, - or @ would run as one in spreadsheets, so it is quoted away with `'`.
    let field = |s: &str| {
        let s = controls(s, true);
        if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.into_owned()
        }
    };
    let opt = |o: Option<String>| o.unwrap_or_default();
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut write = |cells: &[String]| {
        out.write_record(cells)
            .expect("writing CSV to memory cannot fail");
    };
    write(&CSV_HEADER.map(str::to_string));
    for r in rows {
        write(&[
            field(&r.id),
            field(&r.title),
            field(&r.status),
            field(&r.owner),
            field(&r.scope),
            field(&r.start),
            field(&r.reassess),
            field(&r.end),
            field(&opt(r.primary_metric.clone())),
            field(&opt(r.unit.clone())),
            field(&opt(r.currency.clone())),
            csv_number(r.baseline),
            csv_number(r.target),
            csv_number(r.latest),
            opt(r.progress.map(|p| p.to_string())),
            opt(r.time_elapsed.map(|p| p.to_string())),
            field(&opt(r.state.clone())),
            csv_number(r.confidence),
            opt(r.days_to_reassessment.map(|d| d.to_string())),
            r.reassessment_overdue.to_string(),
            r.checkin_overdue.to_string(),
        ]);
    }
    let bytes = out.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 text is UTF-8")
}

const CSV_HEADER: [&str; 21] = [
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
];
