//! Findings: what is wrong, where, under which rule, and what to do about it.

use std::path::PathBuf;

use serde::Serialize;

use crate::rules::Rule;

/// A region of a file, lines and columns counted from 1 (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub(crate) end_line: u32,
    pub(crate) end_column: u32,
}

impl Span {
    /// A span covering a single position.
    pub(crate) fn point(line: u32, column: u32) -> Span {
        Span {
            line,
            column,
            end_line: line,
            end_column: column,
        }
    }

    /// A span covering a whole line of `len` characters.
    pub(crate) fn line(line: u32, len: usize) -> Span {
        Span {
            line,
            column: 1,
            end_line: line,
            end_column: len as u32 + 1,
        }
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Error,
    Warning,
    /// A finding the plan waives: shown, never counted.
    Note,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding about one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, relative to the repository root.
    pub(crate) file: PathBuf,
    pub span: Span,
    pub(crate) severity: Severity,
    pub rule: Rule,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl Diagnostic {
    /// The file path with forward slashes, as every output format shows it.
    pub(crate) fn file_display(&self) -> String {
        display_path(&self.file)
    }
}

/// A repository-relative path written with `/` on every platform.
pub(crate) fn display_path(path: &std::path::Path) -> String {
    let parts: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

/// A value quoted in a message: at most 60 characters, a longer one cut short with `…`.
pub(crate) fn shorten(text: String) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_values_are_cut_to_sixty_characters() {
        let sixty = "é".repeat(60);
        assert_eq!(super::shorten(sixty.clone()), sixty);
        let cut = super::shorten("é".repeat(61));
        assert_eq!(cut, format!("{}…", "é".repeat(57)));
    }
}
