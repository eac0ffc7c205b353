//! The YAML-to-JSON step the audit trail uses on every revision, and the field-level diff of
//! two revisions.
//! The invariants are `planbook::invariants::front_matter`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| planbook::invariants::front_matter(text));
