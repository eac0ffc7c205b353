//! `planbook completions SHELL` and `planbook man`: shell completions and the manual page.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::{Outcome, cmd};

pub fn run(shell: clap_complete::Shell) -> Result<Outcome, Error> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "planbook", &mut buffer);
    cmd::print(&String::from_utf8_lossy(&buffer))?;
    Ok(Outcome::Success)
}

pub fn man() -> Result<Outcome, Error> {
    let mut buffer = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buffer)
        .map_err(|e| Error::io(std::path::Path::new("<stdout>"), e))?;
    cmd::print(&String::from_utf8_lossy(&buffer))?;
    Ok(Outcome::Success)
}
