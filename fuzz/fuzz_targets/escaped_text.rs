//! Text from plans and commits escaped for a terminal and for a Markdown comment.
//! The invariants are `planbook::invariants::escaped_text`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| planbook::invariants::escaped_text(text));
