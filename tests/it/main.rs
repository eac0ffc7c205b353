//! The integration tests, one binary (one link of the crate) with a module per area. Each test
//! builds its plans repository in a temp folder with real `git` commits and drives the real
//! `planbook` binary, or calls the library in-process where that says the same thing.

mod common;

mod bench_generator;
mod check;
mod commands;
mod formats;
mod fuzz_regressions;
mod history;
mod hostile;
mod lsp;
mod properties;
mod review;
mod rules;
mod serve;
mod signoff;
mod site;
