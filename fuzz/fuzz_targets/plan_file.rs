//! The plan parser end to end: bytes → front matter (YAML events → tree with positions) →
//! schema validation → typed model, and the body's headings and links. Nothing may panic, and
//! every problem must point inside the file.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use planbook::plan::{PlanFile, Schema};

static SCHEMA: LazyLock<Schema> = LazyLock::new(Schema::builtin);

fuzz_target!(|bytes: &[u8]| {
    let file = PlanFile::parse(PathBuf::from("plans/fuzz.md"), bytes, &SCHEMA);
    let lines = file.text.lines().count().max(1) as u32 + 1;
    for problem in &file.problems {
        assert!(
            problem.span.line >= 1 && problem.span.line <= lines,
            "{:?} outside the file's {lines} lines",
            problem.span
        );
        assert!(problem.span.column >= 1);
    }
    let _ = file.id();
    let _ = file.body_text();
});
