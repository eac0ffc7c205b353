//! A small SVG chart per metric, readable without hovering: the committed path from baseline
//! (at the start) to target (at the end), a labelled target line, the expectation, markers for
//! today and the reassessment, an axis in the metric's unit with round ticks, and each line of
//! values ([`Series`]: the actuals reported at check-ins, and any other line added later) with
//! its values written beside its points. The legend is drawn from the same list of series.

use std::fmt::Write as _;

use jiff::civil::Date;

use crate::plan::model::Unit;

/// What the chart shows.
pub(crate) struct Chart<'a> {
    pub start: Date,
    pub end: Date,
    pub baseline: f64,
    pub target: f64,
    pub expected: Option<f64>,
    /// The committed path, start to end: from the baseline to the target, through any
    /// milestones on the way.
    pub path: Vec<(Date, f64)>,
    /// The day the site is built: marked when it falls within the period.
    pub today: Date,
    pub reassess: Option<Date>,
    pub unit: Option<Unit>,
    pub currency: Option<&'a str>,
    /// A value written in full, as the rest of the page writes it ("EUR 520,000").
    pub full: &'a dyn Fn(f64) -> String,
    /// The lines of values, drawn in order.
    pub series: Vec<Series<'a>>,
    pub label: &'a str,
}

/// One line of values on the chart.
pub(crate) struct Series<'a> {
    /// Its name in the legend ("actuals").
    pub name: &'a str,
    /// Its CSS class (`actual`, …), which sets its colour and stroke.
    pub class: &'a str,
    pub points: Vec<(Date, f64)>,
    /// Drawn from the baseline at the start of the period to its first point.
    pub from_baseline: bool,
    /// Its values are written beside its points.
    pub labelled: bool,
}

const W: f64 = 360.0;
const H: f64 = 250.0;
/// The text size, in the chart's units: the chart is drawn to the width of its card, so this
/// stays at 12 px or more on a 320 px screen (checked by `.ci/browser`).
pub(crate) const FONT: f64 = 16.0;
/// The width of a character of chart text, roughly, to leave room for labels.
const CHAR: f64 = FONT * 0.62;
const PAD_R: f64 = 12.0;
/// Room above the plot for two rows of marker names.
const PAD_T: f64 = 2.0 * FONT + 12.0;
const PAD_B: f64 = 26.0;
/// At most this many values are written beside a line's points (the latest always is).
const MAX_VALUE_LABELS: usize = 6;

/// The chart as an inline SVG element followed by its legend (numbers and escaped text only).
pub(crate) fn render(c: &Chart) -> String {
    let days = |d: Date| c.start.until(d).map_or(0, |s| s.get_days()) as f64;
    let total = days(c.end).max(1.0);
    let mut lo = c.baseline.min(c.target);
    let mut hi = c.baseline.max(c.target);
    for v in c.expected.iter().chain(
        c.series
            .iter()
            .flat_map(|s| s.points.iter())
            .chain(&c.path)
            .map(|(_, v)| v),
    ) {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    let axis = Axis::new(lo, hi, c.unit, c.currency);
    let ticks = axis.ticks();
    let label_width = ticks
        .iter()
        .map(|t| axis.short(*t).chars().count())
        .max()
        .unwrap_or(1) as f64;
    let pad_l = (label_width * CHAR + 12.0).max(40.0);
    let (lo, hi) = (axis.lo, axis.hi);
    let x = |d: Date| pad_l + (days(d) / total).clamp(0.0, 1.0) * (W - pad_l - PAD_R);
    let y = |v: f64| PAD_T + (1.0 - (v - lo) / (hi - lo)) * (H - PAD_T - PAD_B);
    let within = |d: Date| d >= c.start && d <= c.end;
    let (left, right, top, bottom) = (pad_l, W - PAD_R, PAD_T, H - PAD_B);

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">"#,
        crate::xml::escape(&accessible_name(c))
    );
    for t in &ticks {
        let _ = write!(
            out,
            r#"<line class="grid" x1="{left:.1}" x2="{right}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            y(*t) + FONT * 0.35,
            crate::xml::escape(&axis.short(*t)),
            y = y(*t)
        );
    }
    let _ = write!(
        out,
        r#"<text class="axis" x="{left:.1}" y="{:.1}">{}</text><text class="axis" x="{right}" y="{:.1}" text-anchor="end">{}</text>"#,
        H - 6.0,
        month(c.start),
        H - 6.0,
        month(c.end)
    );

    // Markers: the reassessment and today, each a vertical line named at its top.
    let mut markers: Vec<(Date, &str, &str)> = Vec::new();
    if let Some(r) = c.reassess.filter(|r| within(*r)) {
        markers.push((r, "reassess-marker", "reassess"));
    }
    if within(c.today) {
        markers.push((c.today, "today-marker", "today"));
    }
    let mut taken: Vec<(f64, f64)> = Vec::new();
    for (date, class, name) in &markers {
        let px = x(*date);
        let width = name.len() as f64 * CHAR;
        // Above the plot, anchored so the name stays inside the chart; the second name goes
        // a row lower when the two would overlap.
        let (anchor, from) = if px + width / 2.0 > W {
            ("end", px - width)
        } else if px - width / 2.0 < 0.0 {
            ("start", px)
        } else {
            ("middle", px - width / 2.0)
        };
        let row = if taken
            .iter()
            .any(|(a, b)| from < *b + 4.0 && from + width + 4.0 > *a)
        {
            0.0
        } else {
            FONT + 2.0
        };
        taken.push((from, from + width));
        let _ = write!(
            out,
            r#"<line class="{class}" x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{bottom}"/><text class="marker-label {class}-label" x="{px:.1}" y="{:.1}" text-anchor="{anchor}">{name}</text>"#,
            top - 6.0 - row
        );
    }

    if let Some(e) = c.expected.filter(|e| (e - c.target).abs() > f64::EPSILON) {
        let _ = write!(
            out,
            r#"<line class="expected" x1="{left:.1}" x2="{right}" y1="{y:.1}" y2="{y:.1}"/>"#,
            y = y(e)
        );
    }
    let target_y = y(c.target);
    let target_text = format!("target {}", axis.short(c.target));
    // The name goes below the line when the line runs along the top of the chart.
    let target_label_y = if target_y - FONT < top {
        target_y + FONT
    } else {
        target_y - 5.0
    };
    let _ = write!(
        out,
        r#"<line class="target" x1="{left:.1}" x2="{right}" y1="{target_y:.1}" y2="{target_y:.1}"/><polyline class="path" points="{}"/>"#,
        c.path
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
            .collect::<Vec<_>>()
            .join(" "),
    );
    // Names and values are drawn after every line, so that no line crosses them (their halo
    // in the page's colour keeps them readable where they sit on one).
    let mut labels = String::new();
    // The boxes taken by names and values (left, top, right, bottom), so that values that
    // would sit on one another are not drawn on top of each other.
    let target_width = target_text.chars().count() as f64 * CHAR;
    let mut taken: Vec<[f64; 4]> = vec![[
        right - 2.0 - target_width,
        target_label_y - FONT,
        right - 2.0,
        target_label_y,
    ]];
    let _ = write!(
        labels,
        r#"<text class="target-label" x="{:.1}" y="{target_label_y:.1}" text-anchor="end">{}</text>"#,
        right - 2.0,
        crate::xml::escape(&target_text)
    );

    let drawn = c.series.iter().filter(|s| !s.points.is_empty()).count();
    if drawn == 0 {
        let _ = write!(
            out,
            r#"<text class="empty" x="{:.1}" y="{:.1}" text-anchor="middle">No check-in yet</text>"#,
            (left + right) / 2.0,
            (top + bottom) / 2.0 + FONT * 0.35
        );
    }
    for s in c.series.iter().filter(|s| !s.points.is_empty()) {
        let mut points: Vec<(f64, f64)> = Vec::new();
        if s.from_baseline {
            points.push((x(c.start), y(c.baseline)));
        }
        points.extend(s.points.iter().map(|(d, v)| (x(*d), y(*v))));
        let list: Vec<String> = points
            .iter()
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect();
        let _ = write!(
            out,
            r#"<g class="series {}"><polyline points="{}"/>"#,
            s.class,
            list.join(" ")
        );
        let n = s.points.len();
        let every = n.div_ceil(MAX_VALUE_LABELS).max(1);
        for (d, v) in &s.points {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4"><title>{d}: {}</title></circle>"#,
                x(*d),
                y(*v),
                crate::xml::escape(&(c.full)(*v))
            );
        }
        out.push_str("</g>");
        if !s.labelled {
            continue;
        }
        // Values from the latest back, each above its point, else below it, else left out
        // when both would cover a value already placed (its point keeps it as a tooltip).
        let mut values: Vec<(usize, String)> = Vec::new();
        for (i, (d, v)) in s.points.iter().enumerate().rev() {
            if (n - 1 - i) % every != 0 {
                continue;
            }
            let (px, py) = (x(*d), y(*v));
            let text = axis.short(*v);
            let width = text.chars().count() as f64 * CHAR;
            let lx = px.clamp(left + width / 2.0, right - width / 2.0);
            let (above, below) = (py - 9.0, py + 8.0 + FONT);
            let places = if above - FONT < 0.0 {
                [below, below]
            } else {
                [above, below]
            };
            let free = |ly: f64| {
                let b = [lx - width / 2.0, ly - FONT, lx + width / 2.0, ly];
                !taken
                    .iter()
                    .any(|t| b[0] < t[2] && t[0] < b[2] && b[1] < t[3] && t[1] < b[3])
            };
            let Some(ly) = places.into_iter().find(|ly| free(*ly)) else {
                continue;
            };
            taken.push([lx - width / 2.0, ly - FONT, lx + width / 2.0, ly]);
            values.push((
                i,
                format!(
                    r#"<text class="value" x="{lx:.1}" y="{ly:.1}" text-anchor="middle">{}</text>"#,
                    crate::xml::escape(&text)
                ),
            ));
        }
        values.sort_unstable_by_key(|(i, _)| *i);
        for (_, text) in values {
            labels.push_str(&text);
        }
    }
    out.push_str(&labels);
    out.push_str("</svg>");

    // The legend: what is drawn, and nothing that is not.
    let mut legend: Vec<(&str, &str)> = vec![("target", "target")];
    if c.expected
        .is_some_and(|e| (e - c.target).abs() > f64::EPSILON)
    {
        legend.push(("expected", "expected"));
    }
    legend.push(("path", "committed path"));
    legend.extend(
        c.series
            .iter()
            .filter(|s| !s.points.is_empty())
            .map(|s| (s.class, s.name)),
    );
    legend.extend(markers.iter().map(|(_, class, name)| (*class, *name)));
    out.push_str(r#"<div class="legend small muted">"#);
    for (class, name) in legend {
        let _ = write!(
            out,
            r#"<span class="lg-item"><span class="lg lg-{class}"></span> {}</span> "#,
            crate::xml::escape(name)
        );
    }
    out.push_str("</div>");
    out
}

/// What a screen reader says for the chart: the figures that matter, the latest actual first.
fn accessible_name(c: &Chart) -> String {
    let actuals = c.series.iter().find(|s| s.from_baseline);
    let latest = match actuals.and_then(|s| s.points.last()) {
        Some((d, v)) => format!(
            "latest actual {} on {d} ({} check-in{})",
            (c.full)(*v),
            actuals.map_or(0, |s| s.points.len()),
            if actuals.map_or(0, |s| s.points.len()) == 1 {
                ""
            } else {
                "s"
            }
        ),
        None => "no check-in yet".to_string(),
    };
    format!(
        "{}: {latest}; target {} by {}, from a baseline of {}",
        c.label,
        (c.full)(c.target),
        c.end,
        (c.full)(c.baseline)
    )
}

/// "Sep 2026".
fn month(d: Date) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!("{} {}", NAMES[(d.month() - 1) as usize], d.year())
}

/// The value axis: a range from round number to round number, split by a round step.
struct Axis<'a> {
    lo: f64,
    hi: f64,
    step: f64,
    unit: Option<Unit>,
    currency: Option<&'a str>,
}

impl<'a> Axis<'a> {
    fn new(lo: f64, hi: f64, unit: Option<Unit>, currency: Option<&'a str>) -> Axis<'a> {
        let whole = matches!(unit, Some(Unit::Count | Unit::Days));
        let span = if hi - lo > f64::EPSILON {
            hi - lo
        } else {
            hi.abs().max(1.0)
        };
        let step = nice_step(span / 5.0, whole);
        let mut lo = (lo / step).floor() * step;
        let mut hi = (hi / step).ceil() * step;
        if hi - lo < step {
            lo -= step;
            hi += step;
        }
        // Percentages and counts stay at or above zero when every value does.
        if lo < 0.0 && !matches!(unit, Some(Unit::Currency) | None) {
            lo = lo.max(0.0);
        }
        Axis {
            lo,
            hi,
            step,
            unit,
            currency,
        }
    }

    fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round() as i64;
        (0..=n).map(|i| self.lo + i as f64 * self.step).collect()
    }

    /// A value as the axis writes it: in the metric's unit, large numbers shortened
    /// ("EUR 520k", "28%", "3.5×", "30 d"), with as many decimals as the step needs.
    fn short(&self, v: f64) -> String {
        let (scaled, suffix, step) = if self.hi.abs().max(self.lo.abs()) >= 1e6 {
            (v / 1e6, "M", self.step / 1e6)
        } else if self.hi.abs().max(self.lo.abs()) >= 1e4 {
            (v / 1e3, "k", self.step / 1e3)
        } else {
            (v, "", self.step)
        };
        // Decimals enough for the step, and for the value itself (a check-in may be finer).
        let places = |x: f64| {
            (0..3)
                .find(|p| {
                    let m = 10f64.powi(*p);
                    ((x * m).round() - x * m).abs() < 1e-6
                })
                .unwrap_or(2)
        };
        let decimals = places(step).max(places(scaled)).min(2);
        let number = if decimals == 0 {
            fmt(scaled.round())
        } else {
            format!("{scaled:.*}", decimals as usize)
        };
        let number = format!("{number}{suffix}");
        match (self.unit, self.currency) {
            (Some(Unit::Currency), Some(c)) => format!("{c} {number}"),
            (Some(Unit::Percent), _) => format!("{number}%"),
            (Some(Unit::Ratio), _) => format!("{number}×"),
            (Some(Unit::Days), _) => format!("{number} d"),
            _ => number,
        }
    }
}

/// The round step (1, 2 or 5 times a power of ten) nearest above `raw`; whole numbers
/// only when the unit counts things.
fn nice_step(raw: f64, whole: bool) -> f64 {
    let raw = raw.max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * 0.999 && !(whole && s.fract() != 0.0))
        .unwrap_or(10.0 * power);
    if whole { step.max(1.0) } else { step }
}

/// A number for people: thousands separated, at most two decimals.
pub(crate) fn fmt(v: f64) -> String {
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

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn chart<'a>(
        unit: Option<Unit>,
        baseline: f64,
        target: f64,
        actuals: Vec<(Date, f64)>,
        full: &'a dyn Fn(f64) -> String,
    ) -> Chart<'a> {
        Chart {
            start: d("2026-01-01"),
            end: d("2026-06-30"),
            baseline,
            target,
            expected: Some(target),
            path: vec![(d("2026-01-01"), baseline), (d("2026-06-30"), target)],
            today: d("2026-03-15"),
            reassess: Some(d("2026-04-30")),
            unit,
            currency: Some("EUR"),
            full,
            series: vec![Series {
                name: "actuals",
                class: "actual",
                points: actuals,
                from_baseline: true,
                labelled: true,
            }],
            label: "Bookings <x>",
        }
    }

    /// The texts of the elements of `class` in `svg`.
    fn texts(svg: &str, class: &str) -> Vec<String> {
        svg.split(&format!("<text class=\"{class}\""))
            .skip(1)
            .map(|t| t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].to_string())
            .collect()
    }

    #[test]
    fn values_of_close_check_ins_never_cover_one_another() {
        let full = |v: f64| format!("EUR {}", fmt(v));
        let actuals = vec![
            (d("2026-03-01"), 500_000.0),
            (d("2026-03-03"), 505_000.0),
            (d("2026-03-05"), 510_000.0),
            (d("2026-03-07"), 515_000.0),
        ];
        let out = render(&chart(
            Some(Unit::Currency),
            410_000.0,
            600_000.0,
            actuals,
            &full,
        ));
        let attribute = |t: &str, name: &str| -> f64 {
            let at = t.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            t[at..at + t[at..].find('"').unwrap()].parse().unwrap()
        };
        let boxes: Vec<[f64; 4]> = out
            .split("<text class=\"value\"")
            .skip(1)
            .map(|t| {
                let (x, y) = (attribute(t, "x"), attribute(t, "y"));
                let text = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
                let half = text.chars().count() as f64 * CHAR / 2.0;
                [x - half, y - FONT, x + half, y]
            })
            .collect();
        assert!(!boxes.is_empty(), "{out}");
        assert!(
            texts(&out, "value").last().is_some_and(|v| v == "EUR 515k"),
            "the latest is always shown: {out}"
        );
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
                assert!(!overlap, "{a:?} and {b:?} overlap: {out}");
            }
        }
        assert!(
            boxes.len() < 4,
            "four values a few pixels apart cannot all be shown"
        );
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt(1234567.0), "1,234,567");
        assert_eq!(fmt(2.5), "2.5");
        assert_eq!(fmt(-4200.0), "-4,200");
    }

    #[test]
    fn a_chart_names_target_today_reassessment_and_its_values() {
        let full = |v: f64| format!("EUR {}", fmt(v));
        let actuals = vec![(d("2026-02-01"), 420_000.0), (d("2026-03-01"), 520_000.0)];
        let out = render(&chart(
            Some(Unit::Currency),
            410_000.0,
            600_000.0,
            actuals,
            &full,
        ));
        assert!(out.starts_with("<svg"), "{out}");
        assert!(out.contains("Bookings &lt;x&gt;: latest actual EUR 520,000 on 2026-03-01 (2 check-ins); target EUR 600,000"), "{out}");
        assert_eq!(texts(&out, "target-label"), ["target EUR 600k"]);
        assert_eq!(texts(&out, "value"), ["EUR 420k", "EUR 520k"]);
        assert!(
            out.contains(">today</text>") && out.contains(">reassess</text>"),
            "{out}"
        );
        assert_eq!(
            texts(&out, "axis"),
            [
                "EUR 400k", "EUR 450k", "EUR 500k", "EUR 550k", "EUR 600k", "Jan 2026", "Jun 2026"
            ]
        );
        assert!(out.contains("</svg><div class=\"legend"), "{out}");
        assert!(out.contains("lg-actual\"></span> actuals</span>"), "{out}");
        assert_eq!(out.matches("<circle").count(), 2);
    }

    #[test]
    fn axes_carry_units_and_round_ticks() {
        let full = |v: f64| format!("{}%", fmt(v));
        let out = render(&chart(Some(Unit::Percent), 18.0, 28.0, vec![], &full));
        assert_eq!(
            texts(&out, "axis")[..6],
            ["18%", "20%", "22%", "24%", "26%", "28%"],
            "{:?}",
            texts(&out, "axis")
        );
        let full = |v: f64| fmt(v);
        let out = render(&chart(Some(Unit::Count), 4.0, 9.0, vec![], &full));
        let ticks = texts(&out, "axis");
        assert!(
            ticks[..ticks.len() - 2]
                .iter()
                .all(|t| t.parse::<u32>().is_ok()),
            "{ticks:?}"
        );
        assert_eq!(nice_step(0.3, true), 1.0);
        assert_eq!(nice_step(1.3, false), 2.0);
        assert_eq!(nice_step(22.0, false), 50.0);
        assert_eq!(nice_step(0.35, false), 0.5);
    }

    #[test]
    fn without_check_ins_the_chart_says_so_and_has_no_actuals_legend() {
        let full = |v: f64| fmt(v);
        let out = render(&chart(Some(Unit::Ratio), 2.1, 3.5, vec![], &full));
        assert!(out.contains(">No check-in yet</text>"), "{out}");
        assert!(!out.contains("actuals"), "{out}");
        assert!(out.contains("aria-label=\"Bookings &lt;x&gt;: no check-in yet; target 3.5"));
        assert!(texts(&out, "axis").contains(&"3.5×".to_string()), "{out}");
    }
}
