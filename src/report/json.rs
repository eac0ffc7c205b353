//! `--format json`: one object with counts and every diagnostic (DESIGN §3).

use serde::Serialize;

use crate::report::CheckReport;

#[derive(Serialize)]
struct Output<'a> {
    files: usize,
    errors: usize,
    warnings: usize,
    /// Waived findings; left out when there are none, so that plans without waivers read
    /// exactly as before.
    #[serde(skip_serializing_if = "is_zero")]
    notes: usize,
    diagnostics: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    severity: &'static str,
    rule: &'static str,
    message: &'a str,
    help: Option<&'a str>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub(crate) fn render(report: &CheckReport) -> String {
    let output = Output {
        files: report.files.len(),
        errors: report.errors(),
        warnings: report.warnings(),
        notes: report.notes(),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| Entry {
                file: d.file_display(),
                line: d.span.line,
                column: d.span.column,
                end_line: d.span.end_line,
                end_column: d.span.end_column,
                severity: d.severity.as_str(),
                rule: d.rule.name(),
                message: &d.message,
                help: d.help.as_deref(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&output).unwrap_or_default();
    text.push('\n');
    text
}
