//! YAML front matter with anchors and aliases: the parsed tree stays within the text budget.
//! The invariants are `planbook::invariants::front_matter_budget`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| planbook::invariants::front_matter_budget(text));
