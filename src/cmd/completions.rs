//! `planbook completions SHELL` and `planbook man`: shell completions and the manual page.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::{ExitStatus, cmd};

pub(crate) fn run(shell: clap_complete::Shell) -> Result<ExitStatus, Error> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "planbook", &mut buffer);
    cmd::print(&String::from_utf8_lossy(&buffer))?;
    Ok(ExitStatus::Success)
}

/// `planbook man`: the top-level page on stdout, or with `out`, every page in that folder
/// (`planbook.1`, `planbook-check.1`, …), so that each page the top-level one refers to exists.
pub(crate) fn man(out: Option<&Path>) -> Result<ExitStatus, Error> {
    let Some(dir) = out else {
        let buffer = render(Cli::command())?;
        cmd::print(&String::from_utf8_lossy(&buffer))?;
        return Ok(ExitStatus::Success);
    };
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(Error::usage(
                format!("--out {}: not a folder", dir.display()),
                Some("give a folder for the manual pages, e.g. --out man".to_string()),
            ));
        }
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?,
    }
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = vec![command.clone()];
    pages.extend(
        command
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .cloned(),
    );
    for page in pages {
        let name = clap_mangen::Man::new(page.clone()).get_filename();
        let bytes = render(page)?;
        crate::atomic::write(&dir.join(&name), &bytes)?;
    }
    Ok(ExitStatus::Success)
}

fn render(command: clap::Command) -> Result<Vec<u8>, Error> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(command)
        .render(&mut buffer)
        .map_err(|e| Error::io(Path::new("<manual page>"), e))?;
    Ok(buffer)
}
