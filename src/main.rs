use std::process::ExitCode;

use clap::Parser;

// Checking and building parse thousands of small documents in parallel; glibc malloc spends a
// large share of that time in arena locking and page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // libgit2 maps pack files into memory in windows of 1 GB, up to 8 GB mapped at once: a
    // walk of the whole history kept whole packs mapped, and mapped pages count in the
    // process's memory (a cold `build` peaked 100 MB higher). Windows of 8 MB, at most 64 MB
    // mapped, cost a few more `mmap` calls (BENCHMARKS.md, round six).
    // SAFETY: set before any thread starts, as libgit2 requires.
    unsafe {
        let _ = git2::opts::set_mwindow_size(8 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(64 << 20);
    }
    let cli = planbook::cli::Cli::parse();
    planbook::run(cli)
}
