//! Where a metric stands and where it is heading: the committed path (a straight line from
//! baseline to target, or the metric's `milestones`), the actuals added up as the metric's
//! `aggregate` says, the state in words, and a forecast to the end of the period. One
//! computation for `planbook status`, the site and `plans.json`.
//!
//! - **The way** runs from the baseline at the start to the target at the end; for a `sum`
//!   metric (actuals that add up, such as bookings recorded month by month) it runs from 0,
//!   since the sum starts empty.
//! - **Expected** is the value the committed path reaches on a date: linear between the start,
//!   each milestone and the end.
//! - **State** compares the actuals with the path on the date of the latest check-in, as a
//!   share of the way: 10 points or more beyond it is *ahead*, within 10 points *on track*,
//!   10 to 25 points short *at risk*, further short *behind*.
//! - **Forecast** projects the actuals to the end of the period in the way the aggregate adds
//!   them up: `latest` follows the linear trend of the actuals; `sum` takes the run-rate per
//!   day to the whole period; `average`, `min` and `max` add the trend's values for the rest
//!   of the period to those seen so far. Its state compares it with the target: beyond it by
//!   10 points of the way or more is *ahead*, reaching it *on track*, within 10 points
//!   *at risk*, further short *behind*.

use jiff::civil::Date;
use serde::Serialize;

use crate::plan::model::{Aggregate, Direction, Metric, Plan, Status, Unit};

/// How a metric stands against its path, or how its forecast stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ProgressState {
    Ahead,
    OnTrack,
    AtRisk,
    Behind,
    NoData,
}

impl ProgressState {
    /// The state as data: `ahead`, `on-track`, `at-risk`, `behind`, `no-data`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProgressState::Ahead => "ahead",
            ProgressState::OnTrack => "on-track",
            ProgressState::AtRisk => "at-risk",
            ProgressState::Behind => "behind",
            ProgressState::NoData => "no-data",
        }
    }

    /// The state as people say it: "on track".
    pub(crate) fn label(self) -> &'static str {
        match self {
            ProgressState::Ahead => "ahead",
            ProgressState::OnTrack => "on track",
            ProgressState::AtRisk => "at risk",
            ProgressState::Behind => "behind",
            ProgressState::NoData => "no data",
        }
    }

    /// Whether a leader should look at it.
    pub(crate) fn needs_attention(self) -> bool {
        matches!(self, ProgressState::AtRisk | ProgressState::Behind)
    }

    /// The state of a lead (positive) or shortfall (negative) against the path, in points of
    /// the way.
    fn against_path(lead: f64) -> ProgressState {
        if lead >= 10.0 {
            ProgressState::Ahead
        } else if lead > -10.0 {
            ProgressState::OnTrack
        } else if lead >= -25.0 {
            ProgressState::AtRisk
        } else {
            ProgressState::Behind
        }
    }

    /// The state of a forecast's lead or shortfall against the target, in points of the way.
    fn against_target(lead: f64) -> ProgressState {
        if lead >= 10.0 {
            ProgressState::Ahead
        } else if lead >= -0.5 {
            ProgressState::OnTrack
        } else if lead >= -10.0 {
            ProgressState::AtRisk
        } else {
            ProgressState::Behind
        }
    }
}

/// Where a metric ends the period if it goes on as it has.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Forecast {
    /// The projected value at the end of the period, as the aggregate counts it.
    pub(crate) value: f64,
    /// Its share of the way to the target, in percent.
    pub(crate) percent: i64,
    pub(crate) state: ProgressState,
    /// `trend` (the linear trend of the actuals) or `run-rate` (the sum per day so far).
    pub(crate) method: &'static str,
}

/// A metric's standing on one day.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Progress {
    /// The actuals added up as the metric's aggregate says.
    pub(crate) actual: Option<f64>,
    /// The latest check-in with an actual for the metric.
    pub(crate) latest: Option<(Date, f64)>,
    /// Share of the way from the start of the path to the target reached by `actual`, in
    /// percent (may exceed 100 or be negative).
    pub(crate) percent: Option<i64>,
    /// The value the committed path reaches on the date of the latest actual (today without
    /// one).
    pub(crate) expected: Option<f64>,
    /// Its share of the way, in percent.
    pub(crate) expected_percent: i64,
    /// Share of the period elapsed today, in percent.
    pub(crate) time_elapsed: i64,
    pub(crate) state: ProgressState,
    pub(crate) forecast: Option<Forecast>,
}

/// The committed path of a metric: (date, value) points from the start to the end of the
/// period, through its milestones. Empty without a period, a baseline or a target.
pub(crate) fn path(plan: &Plan, metric: &Metric) -> Vec<(Date, f64)> {
    let period = plan.period.clone().unwrap_or_default();
    let (Some(start), Some(end), Some(target)) = (period.start, period.end, metric.target) else {
        return Vec::new();
    };
    let Some(from) = origin(metric) else {
        return Vec::new();
    };
    let mut points = vec![(start, from)];
    let mut milestones: Vec<(Date, f64)> = metric
        .milestones
        .iter()
        .filter_map(|m| Some((m.date?, m.value?)))
        .filter(|(d, _)| *d > start && *d <= end)
        .collect();
    milestones.sort_by_key(|(d, _)| *d);
    milestones.dedup_by_key(|(d, _)| *d);
    points.extend(milestones);
    if points.last().is_some_and(|(d, _)| *d < end) {
        points.push((end, target));
    }
    points
}

/// Where the way starts: the baseline, or 0 for actuals that add up.
fn origin(metric: &Metric) -> Option<f64> {
    match metric.aggregate {
        Aggregate::Sum => Some(0.0),
        _ => metric.baseline,
    }
}

/// The value of a path on `date` (its first value before it starts, its last after it ends).
pub(crate) fn expected_at(path: &[(Date, f64)], date: Date) -> Option<f64> {
    let first = path.first()?;
    if date <= first.0 {
        return Some(first.1);
    }
    for pair in path.windows(2) {
        let ((d0, v0), (d1, v1)) = (pair[0], pair[1]);
        if date <= d1 {
            let total = days(d0, d1).max(1.0);
            return Some(v0 + (v1 - v0) * days(d0, date) / total);
        }
    }
    path.last().map(|(_, v)| *v)
}

fn days(from: Date, to: Date) -> f64 {
    from.until(to).map_or(0, |s| s.get_days()) as f64
}

/// The actuals of a metric in date order.
pub(crate) fn actuals(plan: &Plan, metric: &Metric) -> Vec<(Date, f64)> {
    let Some(id) = metric.id.as_deref() else {
        return Vec::new();
    };
    let mut out: Vec<(Date, f64)> = plan
        .checkins
        .iter()
        .filter_map(|c| Some((c.date?, *c.actuals.get(id)?)))
        .collect();
    out.sort_by_key(|(d, _)| *d);
    out
}

/// Share of the period elapsed on `today`, in percent (0 without a period).
pub(crate) fn time_elapsed(plan: &Plan, today: Date) -> i64 {
    let period = plan.period.clone().unwrap_or_default();
    match (period.start, period.end) {
        (Some(s), Some(e)) => {
            let total = days(s, e).max(1.0);
            (days(s, today) / total * 100.0).clamp(0.0, 100.0) as i64
        }
        _ => 0,
    }
}

/// How `metric` of `plan` stands on `today`.
pub(crate) fn of(plan: &Plan, metric: &Metric, today: Date) -> Progress {
    let time = time_elapsed(plan, today);
    let points = actuals(plan, metric);
    let path = path(plan, metric);
    let latest = points.last().copied();
    let actual = metric.aggregate.of(&values(&points));
    let (Some(from), Some(target)) = (origin(metric), metric.target) else {
        return Progress {
            actual,
            latest,
            percent: None,
            expected: None,
            expected_percent: time,
            time_elapsed: time,
            state: ProgressState::NoData,
            forecast: None,
        };
    };
    let way = target - from;
    let share = |v: f64| {
        if way.abs() > f64::EPSILON {
            (v - from) / way * 100.0
        } else {
            0.0
        }
    };
    // Better is the way the metric has to move; without a direction, towards the target.
    let sign = match metric.direction {
        Some(Direction::Decrease) => -1.0,
        Some(Direction::Increase) => 1.0,
        None if way < 0.0 => -1.0,
        None => 1.0,
    };
    let lead =
        |v: f64, reference: f64| sign * (v - reference) / way.abs().max(f64::EPSILON) * 100.0;
    let on = latest.map_or(today, |(d, _)| d);
    let expected = expected_at(&path, on);
    let expected_percent = expected.map_or(time, |e| share(e).round() as i64);
    let usable = way.abs() > f64::EPSILON;
    let state = match (actual, expected) {
        (Some(a), Some(e)) if usable => ProgressState::against_path(lead(a, e)),
        _ => ProgressState::NoData,
    };
    let forecast = usable
        .then(|| forecast(plan, metric, &points, from))
        .flatten()
        .map(|value| Forecast {
            value,
            percent: share(value).round() as i64,
            state: ProgressState::against_target(lead(value, target)),
            method: if metric.aggregate == Aggregate::Sum {
                "run-rate"
            } else {
                "trend"
            },
        });
    Progress {
        actual,
        latest,
        percent: (usable && actual.is_some()).then(|| share(actual.unwrap_or(from)).round() as i64),
        expected,
        expected_percent,
        time_elapsed: time,
        state,
        forecast,
    }
}

/// The actuals as `how` counts them at each check-in: running sums for `sum`, running averages
/// for `average`, and so on (one pass, however many check-ins a plan has).
pub(crate) fn running(how: Aggregate, points: &[(Date, f64)]) -> Vec<(Date, f64)> {
    let mut sum = 0.0;
    let mut low = f64::INFINITY;
    let mut high = f64::NEG_INFINITY;
    points
        .iter()
        .enumerate()
        .map(|(i, &(date, v))| {
            sum += v;
            low = low.min(v);
            high = high.max(v);
            let value = match how {
                Aggregate::Latest => v,
                Aggregate::Sum => sum,
                Aggregate::Average => sum / (i + 1) as f64,
                Aggregate::Min => low,
                Aggregate::Max => high,
            };
            (date, value)
        })
        .collect()
}

fn values(points: &[(Date, f64)]) -> Vec<f64> {
    points.iter().map(|(_, v)| *v).collect()
}

/// The value at the end of the period if the actuals go on as they have (see the module).
fn forecast(plan: &Plan, metric: &Metric, points: &[(Date, f64)], from: f64) -> Option<f64> {
    let period = plan.period.clone().unwrap_or_default();
    let (start, end) = (period.start?, period.end?);
    let &(last_date, _) = points.last()?;
    let total = days(start, end);
    // Once the period is over (a check-in on or after its end, or the plan assessed or
    // withdrawn) the result is known: there is nothing left to project.
    let closed = matches!(plan.status, Some(Status::Assessed | Status::Withdrawn));
    if total <= 0.0 || last_date >= end || closed {
        return None;
    }
    let so_far = metric.aggregate.of(&values(points))?;
    let trend = trend(points, start, from);
    let value = match metric.aggregate {
        Aggregate::Sum => {
            let covered = days(start, last_date);
            if covered <= 0.0 {
                return None;
            }
            so_far / covered * total
        }
        Aggregate::Latest => trend?.at(end),
        Aggregate::Average => {
            let covered = days(start, last_date).clamp(0.0, total);
            match trend {
                Some(t) if covered < total => {
                    let rest = (t.at(last_date) + t.at(end)) / 2.0;
                    (so_far * covered + rest * (total - covered)) / total
                }
                _ => so_far,
            }
        }
        Aggregate::Min => match trend {
            Some(t) if last_date < end => so_far.min(t.at(end)),
            _ => so_far,
        },
        Aggregate::Max => match trend {
            Some(t) if last_date < end => so_far.max(t.at(end)),
            _ => so_far,
        },
    };
    // A projection is no more precise than the figures people write for the metric.
    let scale = match metric.unit {
        Some(Unit::Currency | Unit::Count | Unit::Days) => 1.0,
        Some(Unit::Percent | Unit::Ratio) => 10.0,
        None => 100.0,
    };
    value.is_finite().then(|| (value * scale).round() / scale)
}

/// A straight line through dated values.
#[derive(Debug, Clone, Copy)]
struct Line {
    origin: Date,
    value: f64,
    per_day: f64,
}

impl Line {
    fn at(&self, date: Date) -> f64 {
        self.value + self.per_day * days(self.origin, date)
    }
}

/// The least-squares line through the actuals; with one actual, the line from the start of
/// the way through it.
fn trend(points: &[(Date, f64)], start: Date, from: f64) -> Option<Line> {
    let owned;
    let points = if points.len() == 1 {
        if points[0].0 <= start {
            return None;
        }
        owned = [(start, from), points[0]];
        &owned[..]
    } else {
        points
    };
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|(d, _)| days(start, *d)).collect();
    let mean_x = xs.iter().sum::<f64>() / n;
    let mean_y = points.iter().map(|(_, v)| v).sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mean_x).powi(2)).sum();
    if sxx <= f64::EPSILON {
        return None;
    }
    let sxy: f64 = xs
        .iter()
        .zip(points)
        .map(|(x, (_, y))| (x - mean_x) * (y - mean_y))
        .sum();
    let per_day = sxy / sxx;
    Some(Line {
        origin: start,
        value: mean_y - per_day * mean_x,
        per_day,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::{CheckIn, Milestone, Period};

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn plan(aggregate: Aggregate, milestones: &[(&str, f64)], actuals: &[(&str, f64)]) -> Plan {
        let metric = Metric {
            id: Some("m".into()),
            name: None,
            unit: None,
            direction: Some(Direction::Increase),
            baseline: Some(100.0),
            expected: None,
            target: Some(200.0),
            primary: true,
            definition: None,
            aggregate,
            milestones: milestones
                .iter()
                .map(|(date, value)| Milestone {
                    date: Some(d(date)),
                    value: Some(*value),
                })
                .collect(),
        };
        Plan {
            period: Some(Period {
                start: Some(d("2026-01-01")),
                reassess: Some(d("2026-03-01")),
                end: Some(d("2026-05-01")),
            }),
            metrics: vec![metric],
            checkins: actuals
                .iter()
                .map(|(date, v)| CheckIn {
                    date: Some(d(date)),
                    actuals: [("m".to_string(), *v)].into(),
                    confidence: None,
                    note: None,
                })
                .collect(),
            ..Plan::default()
        }
    }

    fn progress(p: &Plan, today: &str) -> Progress {
        of(p, &p.metrics[0], d(today))
    }

    #[test]
    fn a_straight_path_and_a_steady_trend_are_on_track() {
        // 120 days; 2026-03-02 is halfway.
        let p = plan(
            Aggregate::Latest,
            &[],
            &[("2026-01-31", 125.0), ("2026-03-02", 150.0)],
        );
        let pr = progress(&p, "2026-03-02");
        assert_eq!(pr.state, ProgressState::OnTrack);
        assert_eq!(pr.percent, Some(50));
        let f = pr.forecast.unwrap();
        assert!((f.value - 200.0).abs() < 1.0, "{}", f.value);
        assert_eq!(f.state, ProgressState::OnTrack);
        assert_eq!(f.method, "trend");
    }

    #[test]
    fn nothing_is_projected_once_the_period_is_over() {
        let steady = [("2026-01-31", 125.0), ("2026-03-02", 150.0)];
        // A check-in on the last day: the result is known.
        let ended = plan(Aggregate::Latest, &[], &[steady[0], ("2026-05-01", 190.0)]);
        assert!(progress(&ended, "2026-05-10").forecast.is_none());
        // An assessed or withdrawn plan is not projected either.
        for status in [Status::Assessed, Status::Withdrawn] {
            let mut p = plan(Aggregate::Latest, &[], &steady);
            p.status = Some(status);
            assert!(progress(&p, "2026-03-02").forecast.is_none(), "{status:?}");
        }
        // A projection is as precise as the metric's figures.
        let mut p = plan(
            Aggregate::Latest,
            &[],
            &[("2026-01-31", 101.0), ("2026-03-02", 150.3)],
        );
        p.metrics[0].unit = Some(Unit::Days);
        let f = progress(&p, "2026-03-02").forecast.unwrap();
        assert_eq!(f.value, f.value.round(), "{}", f.value);
    }

    #[test]
    fn milestones_move_the_expectation() {
        // A slow ramp: nothing expected before March, then the whole way.
        let p = plan(
            Aggregate::Latest,
            &[("2026-03-02", 110.0)],
            &[("2026-03-02", 112.0)],
        );
        let pr = progress(&p, "2026-03-02");
        assert_eq!(pr.expected, Some(110.0));
        assert_eq!(pr.expected_percent, 10);
        assert_eq!(pr.state, ProgressState::OnTrack);
        // The same actual against a straight line is far short of it.
        let straight = plan(Aggregate::Latest, &[], &[("2026-03-02", 112.0)]);
        assert_eq!(
            progress(&straight, "2026-03-02").state,
            ProgressState::Behind
        );
    }

    #[test]
    fn states_in_words() {
        let at = |v: f64| {
            progress(
                &plan(Aggregate::Latest, &[], &[("2026-03-02", v)]),
                "2026-03-02",
            )
            .state
        };
        assert_eq!(at(170.0), ProgressState::Ahead);
        assert_eq!(at(145.0), ProgressState::OnTrack);
        assert_eq!(at(130.0), ProgressState::AtRisk);
        assert_eq!(at(110.0), ProgressState::Behind);
        assert_eq!(ProgressState::AtRisk.label(), "at risk");
        let none = plan(Aggregate::Latest, &[], &[]);
        assert_eq!(progress(&none, "2026-03-02").state, ProgressState::NoData);
        assert!(progress(&none, "2026-03-02").forecast.is_none());
    }

    #[test]
    fn a_sum_forecasts_its_run_rate() {
        // 40 a month for two of four months: 80 so far, 160 at the end against 200.
        let p = plan(
            Aggregate::Sum,
            &[],
            &[("2026-01-31", 40.0), ("2026-03-02", 40.0)],
        );
        let pr = progress(&p, "2026-03-02");
        assert_eq!(pr.actual, Some(80.0));
        assert_eq!(pr.percent, Some(40));
        let f = pr.forecast.unwrap();
        assert_eq!(f.method, "run-rate");
        assert!((f.value - 160.0).abs() < 1.0, "{}", f.value);
        assert_eq!(f.state, ProgressState::Behind);
    }

    #[test]
    fn average_min_and_max_add_the_trend_to_what_was_seen() {
        let points = [("2026-01-31", 120.0), ("2026-03-02", 140.0)];
        let avg = progress(&plan(Aggregate::Average, &[], &points), "2026-03-02");
        let f = avg.forecast.unwrap().value;
        assert!(f > 130.0 && f < 180.0, "{f}");
        let max = progress(&plan(Aggregate::Max, &[], &points), "2026-03-02");
        assert!(max.forecast.unwrap().value > 140.0);
        let min = progress(&plan(Aggregate::Min, &[], &points), "2026-03-02");
        assert_eq!(min.forecast.unwrap().value, 120.0);
    }

    #[test]
    fn the_path_runs_through_milestones_inside_the_period() {
        let p = plan(
            Aggregate::Latest,
            &[
                ("2026-04-01", 180.0),
                ("2026-02-01", 120.0),
                ("2027-01-01", 1.0),
            ],
            &[],
        );
        let path = path(&p, &p.metrics[0]);
        assert_eq!(
            path,
            vec![
                (d("2026-01-01"), 100.0),
                (d("2026-02-01"), 120.0),
                (d("2026-04-01"), 180.0),
                (d("2026-05-01"), 200.0)
            ]
        );
        assert_eq!(expected_at(&path, d("2025-12-01")), Some(100.0));
        assert_eq!(expected_at(&path, d("2026-06-01")), Some(200.0));
    }
}
