//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SAST dashboards.

use serde_json::json;

use crate::diagnostic::Severity;
use crate::report::CheckReport;
use crate::rules::{Level, Rule};

/// A relative path as a URI reference (RFC 3986): every byte outside the unreserved set and
/// `/` percent-encoded, so `plans/México/q1 plan.md` is `plans/M%C3%A9xico/q1%20plan.md`.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

pub(crate) fn render(report: &CheckReport) -> String {
    let rules: Vec<_> = Rule::ALL
        .iter()
        .map(|rule| {
            json!({
                "id": rule.name(),
                "name": rule.name(),
                "shortDescription": { "text": rule.summary() },
                "fullDescription": { "text": rule.summary() },
                "help": { "text": rule.explanation(), "markdown": rule.explanation() },
                "helpUri": rule.help_uri(),
                "defaultConfiguration": {
                    "level": match rule.default_level() {
                        Level::Error => "error",
                        Level::Warning => "warning",
                        Level::Off => "none",
                    }
                },
            })
        })
        .collect();
    let results: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let index = Rule::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            json!({
                "ruleId": d.rule.name(),
                "ruleIndex": index,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Note => "note" },
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&d.file_display()), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": d.span.line,
                            "startColumn": d.span.column,
                            "endLine": d.span.end_line.max(d.span.line),
                            "endColumn": d.span.end_column.max(1),
                        }
                    }
                }],
            })
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "planbook",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/planbook/planbook",
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            super::uri("plans/México/q1 plan.md"),
            "plans/M%C3%A9xico/q1%20plan.md"
        );
        assert_eq!(super::uri("plans/a#b?.md"), "plans/a%23b%3F.md");
    }
}
