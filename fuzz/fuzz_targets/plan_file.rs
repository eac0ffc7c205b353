//! The plan parser end to end: bytes → front matter (YAML events → tree with positions) →
//! schema validation → typed model, and the body.
//! The invariants are `planbook::invariants::plan_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| planbook::invariants::plan_file(bytes));
