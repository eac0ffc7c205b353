use std::process::ExitCode;

use clap::Parser;

// Checking and building parse thousands of small documents in parallel; glibc malloc spends a
// large share of that time in arena locking and page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // libgit2 maps pack files into memory in windows of 1 GB, up to 8 GB, and each handle
    // maps its own: a walk and the reader beside it kept a whole pack mapped twice, which
    // counts in the process's memory. Windows of 8 MB, at most 64 MB mapped, cost a few more
    // `mmap` calls. SAFETY: set before any thread starts, as libgit2 requires.
    unsafe {
        let _ = git2::opts::set_mwindow_size(8 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(64 << 20);
    }
    let cli = planbook::cli::Cli::parse();
    planbook::run(cli)
}
