use std::process::ExitCode;

use clap::Parser;

// Checking and building parse thousands of small documents in parallel; glibc malloc spends a
// large share of that time in arena locking and page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // libgit2 maps pack files into memory in windows of 1 GB, up to 8 GB mapped at once: a
    // walk of the whole history kept whole packs mapped, and mapped pages count in the
    // process's memory (a cold `build` peaked 110 MB higher). Windows of 16 MB, at most
    // 128 MB mapped, cost some `mmap` calls where blobs are read out of order (`check`
    // without a history cache: 8% slower; 8 MB and 64 MB made it 25% slower). See
    // BENCHMARKS.md, round six.
    // SAFETY: set before any thread starts, as libgit2 requires.
    unsafe {
        let _ = git2::opts::set_mwindow_size(16 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(128 << 20);
    }
    let cli = planbook::cli::Cli::parse();
    planbook::run(cli)
}
