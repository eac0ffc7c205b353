//! Failures that stop a command (exit code 2): usage, configuration, I/O.
//!
//! Findings about plans are not errors: they are [`crate::diagnostic::Diagnostic`]s.

use std::path::{Path, PathBuf};

/// Something that keeps a command from doing its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", display(path))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{}:{line}:{column}: {message}", display(path))]
    Config {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        help: String,
    },

    #[error("{message}")]
    Usage {
        message: String,
        help: Option<String>,
    },

    #[error("{message}")]
    Git {
        message: String,
        help: Option<String>,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn usage(message: impl Into<String>, help: impl Into<Option<String>>) -> Error {
        Error::Usage {
            message: message.into(),
            help: help.into(),
        }
    }

    /// What the user can do about it, if anything specific.
    pub(crate) fn help(&self) -> Option<String> {
        match self {
            Error::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound => {
                    Some("check the path, or run the command from inside the plans repository (or pass -C DIR)".into())
                }
                std::io::ErrorKind::PermissionDenied => Some("check the file's permissions".into()),
                _ => None,
            },
            Error::Config { help, .. } => Some(help.clone()),
            Error::Usage { help, .. } | Error::Git { help, .. } => help.clone(),
        }
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
