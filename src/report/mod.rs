//! Output formats for check results: one file per format.

pub mod escape;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::plan::LineIndex;

/// The result of a check, ready to be printed in any format.
pub struct CheckReport<'a> {
    /// Every file checked, relative to the repository root.
    pub files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// File texts, for showing the offending line.
    pub sources: HashMap<&'a Path, (&'a str, &'a LineIndex)>,
}

impl CheckReport<'_> {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Findings the plans waive: shown as notes, counted neither as errors nor as warnings.
    pub fn notes(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Note)
            .count()
    }

    /// `, 2 waived` for the closing line of a report, or nothing when nothing is waived.
    pub fn waived_suffix(&self) -> String {
        match self.notes() {
            0 => String::new(),
            n => format!(", {n} waived"),
        }
    }
}

/// `n thing` or `n things`.
pub fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("{n} {thing}")
    } else {
        format!("{n} {thing}s")
    }
}
