//! A small SVG chart per metric: the committed path from baseline (at the start) to target
//! (at the end) through any milestones, the expectation, the actuals reported at check-ins
//! and the forecast to the end of the period (dashed).

use std::fmt::Write as _;

use jiff::civil::Date;

/// What the chart shows.
pub struct Series<'a> {
    pub start: Date,
    pub end: Date,
    pub baseline: f64,
    pub target: f64,
    pub expected: Option<f64>,
    /// The committed path, start to end (see `plan::progress::path`).
    pub path: &'a [(Date, f64)],
    pub actuals: &'a [(Date, f64)],
    /// Where the actuals are projected to end, drawn from the latest actual.
    pub forecast: Option<(Date, f64)>,
    pub label: &'a str,
}

const W: f64 = 440.0;
const H: f64 = 200.0;
const PAD_L: f64 = 72.0;
const PAD_R: f64 = 16.0;
const PAD_T: f64 = 16.0;
const PAD_B: f64 = 28.0;

/// The chart as an inline SVG element (numbers and escaped text only).
pub fn svg(s: &Series) -> String {
    let days = (s.end.since(s.start).map_or(1, |d| d.get_days())).max(1) as f64;
    let mut lo = s.baseline.min(s.target);
    let mut hi = s.baseline.max(s.target);
    let others = s.path.iter().chain(s.actuals).chain(s.forecast.iter());
    for v in s.expected.iter().chain(others.map(|(_, v)| v)) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let span = (hi - lo).abs().max(f64::EPSILON);
    let (lo, hi) = (lo - span * 0.1, hi + span * 0.1);
    let x = |d: Date| {
        PAD_L
            + (d.since(s.start).map_or(0, |d| d.get_days()) as f64 / days).clamp(0.0, 1.0)
                * (W - PAD_L - PAD_R)
    };
    let y = |v: f64| PAD_T + (1.0 - (v - lo) / (hi - lo)) * (H - PAD_T - PAD_B);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        crate::xml::escape(&format!(
            "{}: baseline {}, target {}, {} check-ins",
            s.label,
            fmt(s.baseline),
            fmt(s.target),
            s.actuals.len()
        ))
    );
    for v in [hi - span * 0.1, (hi + lo) / 2.0, lo + span * 0.1] {
        let _ = write!(
            out,
            r#"<line class="grid" x1="{PAD_L}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            W - PAD_R,
            PAD_L - 6.0,
            y(v) + 4.0,
            crate::xml::escape(&fmt(v)),
            y = y(v)
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="{PAD_L}" y="{}">{}</text><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>"#,
        H - 8.0,
        s.start,
        W - PAD_R,
        H - 8.0,
        s.end
    );
    if let Some(e) = s.expected {
        let _ = write!(
            out,
            r#"<line class="expected" x1="{PAD_L}" x2="{}" y1="{y:.1}" y2="{y:.1}"/>"#,
            W - PAD_R,
            y = y(e)
        );
    }
    let path: Vec<String> = s
        .path
        .iter()
        .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="path" fill="none" points="{}"/>"#,
        path.join(" ")
    );
    if let (Some((date, value)), Some((last, latest))) = (s.forecast, s.actuals.last()) {
        let _ = write!(
            out,
            r#"<line class="forecast" stroke="currentColor" stroke-width="2" stroke-dasharray="6 4" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"><title>forecast {}: {}</title></line>"#,
            x(*last),
            y(*latest),
            x(date),
            y(value),
            date,
            crate::xml::escape(&fmt(value))
        );
    }
    if !s.actuals.is_empty() {
        let first = s.path.first().map_or(s.baseline, |(_, v)| *v);
        let mut points: Vec<(f64, f64)> = vec![(x(s.start), y(first))];
        points.extend(s.actuals.iter().map(|(d, v)| (x(*d), y(*v))));
        let list: Vec<String> = points
            .iter()
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="actual" points="{}"/>"#,
            list.join(" ")
        );
        for ((d, v), (px, py)) in s.actuals.iter().zip(points.iter().skip(1)) {
            let _ = write!(
                out,
                r#"<circle class="dot" cx="{px:.1}" cy="{py:.1}" r="4"><title>{d}: {}</title></circle>"#,
                crate::xml::escape(&fmt(*v))
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// A number for people: thousands separated, at most two decimals.
pub fn fmt(v: f64) -> String {
    if v.fract().abs() > 1e-9 && v.abs() < 1000.0 {
        let s = format!("{v:.2}");
        return s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if n < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt(1234567.0), "1,234,567");
        assert_eq!(fmt(2.5), "2.5");
        assert_eq!(fmt(-4200.0), "-4,200");
    }

    #[test]
    fn chart_has_path_and_points() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let actuals = [(d("2026-02-01"), 420.0), (d("2026-03-01"), 450.0)];
        let svg = svg(&Series {
            start: d("2026-01-01"),
            end: d("2026-06-30"),
            baseline: 400.0,
            target: 500.0,
            expected: Some(500.0),
            path: &[(d("2026-01-01"), 400.0), (d("2026-06-30"), 500.0)],
            actuals: &actuals,
            forecast: Some((d("2026-06-30"), 530.0)),
            label: "Bookings <x>",
        });
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("class=\"path\""));
        assert!(svg.contains("class=\"forecast\""));
        assert!(svg.contains("forecast 2026-06-30: 530"));
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("Bookings &lt;x&gt;"));
    }
}
