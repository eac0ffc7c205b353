//! `--format github`: GitHub Actions workflow commands, which show as annotations on the PR.

use crate::diagnostic::Severity;
use crate::report::{CheckReport, plural};

pub(crate) fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&d.file_display()),
            d.span.line,
            d.span.column,
            d.span.end_line,
            d.span.end_column,
            property(&format!("planbook {}", d.rule.name())),
            data(&message),
        ));
    }
    out.push_str(&format!(
        "planbook: checked {}: {}, {}{}\n",
        plural(report.files.len(), "plan"),
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning"),
        report.waived_suffix()
    ));
    out
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
