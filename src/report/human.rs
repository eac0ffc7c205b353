//! Human output, rustc/ruff style: `error[rule]: message`, `--> file:line:col`, the line with a
//! caret, then `help:`.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::report::escape;
use crate::report::{CheckReport, plural};

/// Renders every diagnostic and a closing summary line.
pub(crate) fn render(report: &CheckReport, color: bool, quiet: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    let mut columns = Columns::default();
    for d in &report.diagnostics {
        out.push_str(&render_one(d, report, &renderer, &mut columns));
        out.push_str("\n\n");
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    if !quiet || errors + warnings > 0 {
        let checked = plural(report.files.len(), "plan");
        let waived = report.waived_suffix();
        if errors + warnings == 0 {
            out.push_str(&format!("Checked {checked}: no problems found{waived}.\n"));
        } else {
            out.push_str(&format!(
                "Checked {checked}: {}, {}{waived}.\n",
                plural(errors, "error"),
                plural(warnings, "warning")
            ));
        }
    }
    out
}

fn render_one(
    d: &Diagnostic,
    report: &CheckReport,
    renderer: &Renderer,
    columns: &mut Columns,
) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    // Messages quote plan text, and the source line is plan text: neither may reach the
    // terminal with its control characters.
    let path = escape::line(&d.file_display()).into_owned();
    let message = escape::controls(&d.message, true);
    let title = level.primary_title(message.as_ref()).id(d.rule.name());
    let line_text = report
        .sources
        .get(d.file.as_path())
        .and_then(|(text, index)| index.line_text(text, d.span.line));
    let mut group = match line_text {
        Some(line) => {
            let start = columns.byte_at(line, d.span.column);
            let end = if d.span.end_line == d.span.line {
                columns.byte_at(line, d.span.end_column).max(start)
            } else {
                line.len()
            };
            // An empty span still gets one caret.
            let end = if end == start {
                next_char(line, start)
            } else {
                end
            };
            // A long line is shown around the caret only: 50,000 findings on one line of
            // 400 KB would otherwise print that line 50,000 times.
            let (from, start, end, to) = window(line, start, end);
            // Escaping moves the caret: escape the parts before, under and after it apart.
            let before = format!(
                "{}{}",
                if from > 0 { "…" } else { "" },
                escape::line(&line[from..start])
            );
            let under = escape::line(&line[start..end]);
            let after = escape::line(&line[end..to]);
            let more = if to < line.len() { "…" } else { "" };
            let shown = format!("{before}{under}{after}{more}");
            let (start, end) = (before.len(), before.len() + under.len());
            Group::with_title(title).element(
                Snippet::source(shown)
                    .line_start(d.span.line as usize)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
        }
        None => Group::with_title(title)
            .element(Level::NOTE.message(format!("at {path}:{}:{}", d.span.line, d.span.column))),
    };
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(escape::controls(help, true)));
    }
    renderer.render(&[group])
}

/// Most bytes of a source line shown before and after the part a finding points at, and of
/// that part itself.
const CONTEXT_BYTES: usize = 80;

/// The part of `line` to show for a finding at `start..end`: `(from, start, end, to)`, every
/// offset on a character boundary, with at most [`CONTEXT_BYTES`] around and under the caret.
fn window(line: &str, start: usize, end: usize) -> (usize, usize, usize, usize) {
    let floor = |mut i: usize| {
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let end = floor(end.min(start + CONTEXT_BYTES).min(line.len())).max(start);
    let from = floor(start.saturating_sub(CONTEXT_BYTES));
    let to = floor((end + CONTEXT_BYTES).min(line.len()));
    (from, start, end, to)
}

/// Turns character columns into byte offsets. Findings come sorted by line, and one long line
/// can carry thousands of them: the line is walked once, keeping the byte offset of every
/// 64th character, rather than once per finding from its start.
#[derive(Default)]
struct Columns {
    /// The line the checkpoints are for (its address and length).
    line: (usize, usize),
    /// Byte offset of characters 0, 64, 128, ...
    checkpoints: Vec<usize>,
}

impl Columns {
    const STEP: usize = 64;

    /// Byte offset of character column `column` (from 1) in `line`, clamped to its end.
    fn byte_at(&mut self, line: &str, column: u32) -> usize {
        let index = column.saturating_sub(1) as usize;
        if line.is_empty() || index == 0 {
            return 0;
        }
        if self.line != (line.as_ptr() as usize, line.len()) {
            self.line = (line.as_ptr() as usize, line.len());
            self.checkpoints = line
                .char_indices()
                .step_by(Self::STEP)
                .map(|(i, _)| i)
                .collect();
        }
        let Some(&from) = self.checkpoints.get(index / Self::STEP) else {
            return line.len();
        };
        line[from..]
            .char_indices()
            .nth(index % Self::STEP)
            .map_or(line.len(), |(i, _)| from + i)
    }
}

fn next_char(line: &str, start: usize) -> usize {
    line[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8())
}
