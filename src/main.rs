use std::process::ExitCode;

use clap::Parser;

// Checking and building parse thousands of small documents in parallel; glibc malloc spends a
// large share of that time in arena locking and page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = planbook::cli::Cli::parse();
    planbook::run(cli)
}
