//! Markdown rendering with sanitization, as plan bodies reach the site.
//! The invariants are `planbook::invariants::markdown`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| planbook::invariants::markdown(text));
