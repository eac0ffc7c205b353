//! The YAML-to-JSON step the audit trail uses on every revision, and the field-level diff of
//! two revisions (the input split in two at the first NUL byte).
#![no_main]

use libfuzzer_sys::fuzz_target;
use planbook::history::{Snapshot, diff};

fuzz_target!(|text: &str| {
    let (old, new) = text.split_once('\0').unwrap_or((text, ""));
    let _ = planbook::plan::front_matter_json(old);
    let before = Snapshot::parse(old);
    let after = Snapshot::parse(new);
    for change in diff::diff(Some(&before), &after) {
        let _ = change.to_string();
    }
    let _ = planbook::history::signers(&after);
});
