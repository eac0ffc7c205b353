//! `planbook completions SHELL`: print shell completions.

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
