//! `--format junit`: JUnit XML, one test suite per plan file and one failing test case per
//! finding, for CI systems that chart test results.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity, display_path};
use crate::report::CheckReport;

pub(crate) fn render(report: &CheckReport) -> String {
    let mut by_file: BTreeMap<String, Vec<&Diagnostic>> = report
        .files
        .iter()
        .map(|f| (display_path(f), Vec::new()))
        .collect();
    for d in &report.diagnostics {
        by_file.entry(d.file_display()).or_default().push(d);
    }
    let tests: usize = by_file.values().map(|ds| ds.len().max(1)).sum();
    // A waived finding is a skipped test case: shown, not failing.
    let waived = |ds: &[&Diagnostic]| ds.iter().filter(|d| d.severity == Severity::Note).count();
    let skipped = |n: usize| {
        if n == 0 {
            String::new()
        } else {
            format!(" skipped=\"{n}\"")
        }
    };
    let notes = report.notes();
    let failures = report.diagnostics.len() - notes;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"planbook check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\"{}>\n",
        skipped(notes)
    ));
    for (file, diagnostics) in &by_file {
        let file = escape(file);
        let notes = waived(diagnostics);
        out.push_str(&format!(
            "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\"{}>\n",
            diagnostics.len().max(1),
            diagnostics.len() - notes,
            skipped(notes)
        ));
        if diagnostics.is_empty() {
            out.push_str(&format!(
                "    <testcase name=\"{file}\" classname=\"planbook.check\" file=\"{file}\"/>\n"
            ));
        }
        for d in diagnostics {
            let kind = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            };
            let mut body = format!(
                "{}:{}:{}: {}",
                d.file_display(),
                d.span.line,
                d.span.column,
                d.message
            );
            if let Some(help) = &d.help {
                body.push_str(&format!("\nhelp: {help}"));
            }
            out.push_str(&format!(
                "    <testcase name=\"{} at line {}, column {}\" classname=\"planbook.check.{}\" file=\"{file}\" line=\"{}\">\n",
                d.rule.name(),
                d.span.line,
                d.span.column,
                d.rule.name(),
                d.span.line
            ));
            let element = if d.severity == Severity::Note {
                "skipped"
            } else {
                "failure"
            };
            out.push_str(&format!(
                "      <{element} type=\"{kind}\" message=\"{}\">{}</{element}>\n",
                escape(&d.message),
                escape(&body)
            ));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Escapes text for XML attributes and content, keeping line breaks inside attributes.
fn escape(text: &str) -> String {
    crate::xml::escape(text)
        .replace('\n', "&#10;")
        .replace(['\t', '\r'], " ")
}
