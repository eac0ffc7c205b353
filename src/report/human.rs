//! Human output, rustc/ruff style: `error[rule]: message`, `--> file:line:col`, the line with a
//! caret, then `help:`.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::report::{CheckReport, plural};

/// Renders every diagnostic and a closing summary line.
pub fn render(report: &CheckReport, color: bool, quiet: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&render_one(d, report, &renderer));
        out.push_str("\n\n");
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    if !quiet || errors + warnings > 0 {
        let checked = plural(report.files.len(), "plan");
        if errors + warnings == 0 {
            out.push_str(&format!("Checked {checked}: no problems found.\n"));
        } else {
            out.push_str(&format!(
                "Checked {checked}: {}, {}.\n",
                plural(errors, "error"),
                plural(warnings, "warning")
            ));
        }
    }
    out
}

fn render_one(d: &Diagnostic, report: &CheckReport, renderer: &Renderer) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let path = d.file_display();
    let title = level.primary_title(d.message.as_str()).id(d.rule.name());
    let line_text = report
        .sources
        .get(d.file.as_path())
        .and_then(|(text, index)| index.line_text(text, d.span.line));
    let mut group = match line_text {
        Some(line) => {
            let start = byte_at(line, d.span.column);
            let end = if d.span.end_line == d.span.line {
                byte_at(line, d.span.end_column).max(start)
            } else {
                line.len()
            };
            // An empty span still gets one caret.
            let end = if end == start {
                next_char(line, start)
            } else {
                end
            };
            Group::with_title(title).element(
                Snippet::source(line)
                    .line_start(d.span.line as usize)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            )
        }
        None => Group::with_title(title)
            .element(Level::NOTE.message(format!("at {path}:{}:{}", d.span.line, d.span.column))),
    };
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

/// Byte offset of character column `column` (from 1) in `line`, clamped to its end.
fn byte_at(line: &str, column: u32) -> usize {
    line.char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(line.len(), |(i, _)| i)
}

fn next_char(line: &str, start: usize) -> usize {
    line[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8())
}
