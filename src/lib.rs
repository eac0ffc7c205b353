//! planbook: Sales Improvement Plans as code.
//!
//! The library holds every command as a function so that tests can call them; the binary only
//! parses arguments and turns the outcome into an exit code.
//!
//! Only what the binary, the integration tests, the benchmarks and the fuzz targets use is
//! `pub` (the command line, `run`, the in-process check, the rule registry, the fuzzing
//! invariants and a few constants the tests build fixtures from); everything else is
//! `pub(crate)`, so that rustc reports code nothing uses. None of it is a stable API.

pub(crate) mod atomic;
pub(crate) mod binary;
pub(crate) mod build_identity;
pub mod check;
pub(crate) mod ci;
pub mod cli;
pub(crate) mod cmd;
pub(crate) mod config;
pub(crate) mod diagnostic;
pub(crate) mod digest;
pub(crate) mod error;
pub(crate) mod git;
pub mod history;
pub mod invariants;
pub(crate) mod lsp;
pub mod plan;
pub(crate) mod pretty_json;
pub(crate) mod read;
pub mod repo;
pub(crate) mod report;
pub(crate) mod review;
pub mod rules;
pub(crate) mod site;
pub(crate) mod suggest;
pub(crate) mod url;
pub(crate) mod watch;
pub(crate) mod xml;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use cli::{Cli, ColorChoice, Command};
use error::Error;

/// How a command ended (the exit code; a failure to run is an `Error`, exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// Everything is fine (exit 0).
    Success,
    /// The command ran and found problems (exit 1).
    Findings,
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let color = match cli.global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    };
    let ctx = cmd::Context {
        cwd: cli.global.dir.clone(),
        config: cli.global.config.clone(),
        color,
        quiet: cli.global.quiet,
    };
    let result = match cli.command {
        Command::Init { folder } => cmd::init::run(&ctx, folder.as_deref()),
        Command::Check(args) => cmd::check::run(&ctx, &args),
        Command::Build(args) => cmd::build::run(&ctx, &args),
        Command::Serve(args) => cmd::serve::run(&ctx, &args),
        Command::Diff(args) => cmd::diff::run(&ctx, &args),
        Command::Status(args) => cmd::status::run(&ctx, &args),
        Command::Log(args) => cmd::log::run(&ctx, &args),
        Command::New(args) => cmd::new::run(&ctx, &args),
        Command::Schema => cmd::schema::run(),
        Command::Rule(args) => cmd::rule::run(&args),
        Command::Lsp => lsp::run(
            ctx.config.clone(),
            ctx.cwd.clone().or_else(|| std::env::current_dir().ok()),
        ),
        Command::Completions { shell } => cmd::completions::run(shell),
        Command::Man { out } => cmd::completions::man(out.as_deref()),
    };
    match result {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::Findings) => ExitCode::from(1),
        Err(error) => {
            report_error(&error, color);
            ExitCode::from(2)
        }
    }
}

/// Prints a command failure on stderr: one line saying what, then what to do.
pub(crate) fn report_error(error: &Error, color: bool) {
    let (red, bold, reset) = if color {
        ("\x1b[1;31m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    // Messages name files and quote their text; control characters in them are shown escaped.
    let message = report::escape::controls(&error.to_string(), true).into_owned();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{red}error{reset}{bold}: {message}{reset}");
    if let Some(help) = error.help() {
        let _ = writeln!(stderr, "  help: {}", report::escape::controls(&help, true));
    }
}
