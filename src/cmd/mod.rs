//! One module per command: gather input, call the library, print.

pub mod check;
pub mod completions;
pub mod new;
pub mod schema;

use std::io::Write;
use std::path::PathBuf;

use crate::error::Error;
use crate::repo::Repo;

/// What every command gets from the global options.
pub struct Context {
    /// `-C DIR`.
    pub cwd: Option<PathBuf>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    pub color: bool,
    pub quiet: bool,
}

impl Context {
    /// The folder the command runs in.
    pub fn cwd(&self) -> Result<PathBuf, Error> {
        let here = std::env::current_dir().map_err(|e| Error::io(&PathBuf::from("."), e))?;
        Ok(match &self.cwd {
            Some(dir) => {
                let dir = here.join(dir);
                if !dir.is_dir() {
                    return Err(Error::usage(
                        format!("-C {}: no such folder", dir.display()),
                        Some("pass an existing folder".to_string()),
                    ));
                }
                dir
            }
            None => here,
        })
    }

    /// The plans repository the command runs in.
    pub fn repo(&self) -> Result<Repo, Error> {
        let cwd = self.cwd()?;
        let config = self.config.as_ref().map(|c| cwd.join(c));
        Repo::discover(&cwd, config.as_deref())
    }
}

/// Writes to stdout, treating a closed pipe (`planbook check | head`) as success.
pub fn print(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io(&PathBuf::from("<stdout>"), e)),
    }
}

/// Today's date in the local time zone, or the date given with `--as-of`.
pub fn as_of(given: Option<&str>) -> Result<jiff::civil::Date, Error> {
    match given {
        Some(text) => text.parse().map_err(|_| {
            Error::usage(
                format!("--as-of {text}: not a date"),
                Some("write the date as YYYY-MM-DD, e.g. --as-of 2026-06-30".to_string()),
            )
        }),
        None => Ok(jiff::ZonedDateTime::now().date()),
    }
}
