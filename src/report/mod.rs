//! Output formats for check results: one file per format.

pub(crate) mod escape;
pub(crate) mod github;
pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod sarif;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::plan::LineIndex;

/// The result of a check, ready to be printed in any format.
pub(crate) struct CheckReport<'a> {
    /// Every file checked, relative to the repository root.
    pub(crate) files: Vec<PathBuf>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// File texts, for showing the offending line.
    pub(crate) sources: HashMap<&'a Path, (&'a str, &'a LineIndex)>,
}

impl CheckReport<'_> {
    pub(crate) fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub(crate) fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Findings the plans waive: shown as notes, counted neither as errors nor as warnings.
    pub(crate) fn notes(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Note)
            .count()
    }

    /// `, 2 waived` for the closing line of a report, or nothing when nothing is waived.
    pub(crate) fn waived_suffix(&self) -> String {
        match self.notes() {
            0 => String::new(),
            n => format!(", {n} waived"),
        }
    }
}

/// `n thing` or `n things`.
pub(crate) fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}
