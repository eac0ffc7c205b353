//! One module per command: gather input, call the library, print.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod diff;
pub(crate) mod init;
pub(crate) mod log;
pub(crate) mod log_cache;
pub(crate) mod new;
pub(crate) mod rule;
pub(crate) mod schema;
pub(crate) mod serve;
pub(crate) mod status;

use std::io::Write;
use std::path::PathBuf;

use crate::error::Error;
use crate::repo::Repo;

/// What every command gets from the global options.
pub(crate) struct Context {
    /// `-C DIR`.
    pub(crate) cwd: Option<PathBuf>,
    /// `--config FILE`.
    pub(crate) config: Option<PathBuf>,
    pub(crate) color: bool,
    pub(crate) quiet: bool,
}

impl Context {
    /// The folder the command runs in.
    pub(crate) fn cwd(&self) -> Result<PathBuf, Error> {
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
    pub(crate) fn repo(&self) -> Result<Repo, Error> {
        let cwd = self.cwd()?;
        let config = self.config.as_ref().map(|c| cwd.join(c));
        Repo::discover(&cwd, config.as_deref())
    }
}

/// Writes to stdout, treating a closed pipe (`planbook check | head`) as success.
pub(crate) fn print(text: &str) -> Result<(), Error> {
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

/// Writes a value as pretty JSON to stdout, streaming.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), Error> {
    write_stdout(|w| serde_json::to_writer_pretty(w, value).map_err(std::io::Error::from))
}

/// Writes what `write` produces to stdout through a buffer, with a final line break. A reader
/// that closed the pipe early is not an error; an [`Error`] `write` carries in an I/O error is
/// that error. On an error, what is still in the buffer is not written: a document that fails
/// within its first 64 KB prints nothing, a longer one stops where the buffer last went out.
pub(crate) fn write_stdout(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let stdout = std::io::stdout().lock();
    let mut writer = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let result = write(&mut writer)
        .and_then(|()| writer.write_all(b"\n"))
        .and_then(|()| writer.flush());
    if result.is_err() {
        let _ = writer.into_parts();
    }
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => match e.downcast::<Error>() {
            Ok(error) => Err(error),
            Err(e) => Err(Error::io(&PathBuf::from("<stdout>"), e)),
        },
    }
}

/// Lets standard output hold a megabyte when it is a pipe, as far as the system allows: the
/// reader then wakes once a megabyte instead of every 64 KB, which is most of the time a
/// large document spends in a pipe.
pub(crate) fn widen_stdout_pipe() {
    #[cfg(target_os = "linux")]
    // SAFETY: `fcntl` on standard output's descriptor with an integer argument reads and
    // changes no memory of this process; on anything but a pipe it fails, which is ignored.
    unsafe {
        libc::fcntl(libc::STDOUT_FILENO, libc::F_SETPIPE_SZ, 1 << 20);
    }
}

/// Today's date in the local time zone, or the date given with `--as-of`.
pub(crate) fn as_of(given: Option<&str>) -> Result<jiff::civil::Date, Error> {
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

/// The plan files and folders given on the command line, relative to the root: each must be
/// a plan or hold one (`all` lists every plan). A plan is wanted when it lies under one of
/// them, or when none is given.
pub(crate) fn plan_folders(
    repo: &Repo,
    cwd: &std::path::Path,
    given: &[PathBuf],
    all: &[PathBuf],
) -> Result<Vec<PathBuf>, Error> {
    let selected: Vec<PathBuf> = given
        .iter()
        .map(|p| repo.relative(cwd, p))
        .collect::<Result<_, _>>()?;
    for (given, path) in given.iter().zip(&selected) {
        if !all.iter().any(|p| p.starts_with(path)) {
            return Err(Error::usage(
                format!("{} is not a plan or a folder of plans", given.display()),
                Some(format!(
                    "plans are the .md files under {}/",
                    repo.config.plans_dir.display()
                )),
            ));
        }
    }
    Ok(selected)
}

/// Plan files selected by plan ids or paths given on the command line (every plan when none).
pub(crate) fn select_plans(
    repo: &Repo,
    cwd: &std::path::Path,
    given: &[String],
) -> Result<Vec<PathBuf>, Error> {
    let all = repo.plan_paths()?;
    if given.is_empty() {
        return Ok(all);
    }
    let mut out = Vec::new();
    for plan in given {
        let by_id = all
            .iter()
            .find(|p| p.file_stem().is_some_and(|s| s == plan.as_str()));
        let found = match by_id {
            Some(path) => Some(path.clone()),
            None => repo
                .relative(cwd, std::path::Path::new(plan))
                .ok()
                .filter(|p| all.contains(p)),
        };
        match found {
            Some(path) if !out.contains(&path) => out.push(path),
            Some(_) => {}
            None => {
                return Err(Error::usage(
                    format!("no plan `{plan}`"),
                    Some(
                        "give a plan id (its file name without .md) or the path of a plan file"
                            .into(),
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// The warning a shallow clone gets wherever history matters.
pub(crate) const SHALLOW_WARNING: &str = "this is a shallow clone (or `.git/info/grafts` rewrites its history): the history stops early, so the audit trail is incomplete and sign-offs cannot be verified\n  help: fetch the full history with `git fetch --unshallow` (in GitHub Actions: `fetch-depth: 0` on actions/checkout); remove `.git/info/grafts` if it is there";

/// The warning a partial clone gets wherever history matters.
pub(crate) fn partial_warning() -> String {
    format!(
        "this is a partial clone (`--filter`): objects are missing, so the audit trail is incomplete and sign-offs cannot be verified\n  help: {}",
        crate::history::WHOLE_CLONE_HELP
    )
}

/// Prints a warning on stderr.
pub(crate) fn warn(message: &str, color: bool) {
    let (yellow, reset) = if color {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("", "")
    };
    let message = crate::report::escape::controls(message, true);
    eprintln!("{yellow}warning{reset}: {message}");
}
