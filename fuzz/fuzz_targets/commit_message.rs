//! Commit messages as the audit trail reads them: subject, pull request, trailers, emails.
//! The invariants are `planbook::invariants::commit_message`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| planbook::invariants::commit_message(text));
