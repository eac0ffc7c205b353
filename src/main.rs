use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = planbook::cli::Cli::parse();
    planbook::run(cli)
}
