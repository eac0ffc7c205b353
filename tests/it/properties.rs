//! Properties that must hold for any input: parsing never panics and points inside the file;
//! rendering any Markdown never yields a script, an event handler or a `javascript:` URL.

use proptest::prelude::*;

/// Text that looks like a plan often enough to reach the deeper parsing paths.
fn plan_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("---".to_string()),
        Just("id: alpha".to_string()),
        Just("status: approved".to_string()),
        Just("metrics:".to_string()),
        Just("  - id: m\n    target: 5".to_string()),
        Just("period: {start: 2026-01-01, reassess: 2026-02-30, end: x}".to_string()),
        Just("## Summary".to_string()),
        Just("a: &x [*x]".to_string()),
        // Lines that mean one thing in a whole front matter and another alone.
        Just("? metrics".to_string()),
        Just(": [{id: m, target: 6}]".to_string()),
        Just("{a: 1}".to_string()),
        Just("\u{feff}b: 1".to_string()),
        Just("!!str c: 1".to_string()),
        Just("summary: |+".to_string()),
        Just("  kept".to_string()),
        Just("".to_string()),
        "[ -~\t]{0,40}",
        "\\PC{0,20}",
    ];
    prop::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
}

proptest! {
    // A fixed seed keeps CI deterministic; failures found are kept in the regressions file.
    #![proptest_config(ProptestConfig { cases: 300, rng_seed: proptest::test_runner::RngSeed::Fixed(20261127), ..ProptestConfig::default() })]

    #[test]
    fn parsing_never_panics_and_stays_inside_the_file(text in plan_like()) {
        planbook::invariants::plan_file(text.as_bytes());
        planbook::invariants::front_matter(&text);
    }

    #[test]
    fn two_revisions_compare_alike_field_by_field_and_whole(
        old in plan_like(),
        new in plan_like(),
        at in 0usize..30,
    ) {
        // Both open a front matter, so that the comparison reaches its fields.
        let (old, new) = (format!("---\n{old}"), format!("---\n{new}"));
        planbook::invariants::front_matter(&format!("{old}\0{new}"));
        // A revision that shares most of its text with the one before.
        let mut lines: Vec<&str> = old.lines().collect();
        let line = new.lines().next().unwrap_or("");
        let at = at.min(lines.len());
        lines.insert(at, line);
        planbook::invariants::front_matter(&format!("{old}\0{}", lines.join("\n")));
        // The same revision with the inserted line and the one after it taken out again.
        lines.remove(at);
        if at < lines.len() {
            lines.remove(at);
        }
        planbook::invariants::front_matter(&format!("{old}\0{}", lines.join("\n")));
    }

    #[test]
    fn bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        planbook::invariants::plan_file(&bytes);
    }

    #[test]
    fn rendering_never_yields_active_content(parts in prop::collection::vec(prop_oneof![
        Just("<script>alert(1)</script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("[x](javascript:alert(1))".to_string()),
        Just("[x](JaVaScRiPt:alert(1))".to_string()),
        Just("<a href=\"java\tscript:x\">y</a>".to_string()),
        Just("<svg onload=alert(1)>".to_string()),
        Just("<iframe src=x></iframe>".to_string()),
        Just("<div style=\"background:url(x)\">".to_string()),
        Just("<a href=\"data:text/html,x\">d</a>".to_string()),
        "[ -~\\n]{0,30}",
    ], 0..12)) {
        let markdown = parts.join("\n");
        planbook::invariants::markdown(&markdown);
    }

    #[test]
    fn escaped_text_shows_no_control_or_markup(parts in prop::collection::vec(prop_oneof![
        Just("[x](https://evil.example)".to_string()),
        Just("![i](x.png)".to_string()),
        Just("<img src=x>".to_string()),
        Just("**b** _i_ `c` ~~s~~".to_string()),
        Just("\n# h\n| a | b |\n---\n> q\n".to_string()),
        Just("\u{1b}]0;t\u{7}\u{1b}[2J\u{9b}".to_string()),
        Just("&amp; &#60; \\".to_string()),
        Just("[^1]: note".to_string()),
        "\\PC{0,20}",
        "[ -~\t\n\r]{0,30}",
    ], 0..10)) {
        planbook::invariants::escaped_text(&parts.join(""));
    }

    #[test]
    fn aliases_never_exceed_the_text_budget(n in 1usize..40, len in 0usize..5000) {
        let text = format!("a: &a '{}'\nb: [{}]\n", "x".repeat(len), vec!["*a"; n].join(", "));
        planbook::invariants::front_matter_budget(&text);
    }

    #[test]
    fn trailers_and_pull_requests_never_panic(message in "\\PC{0,200}") {
        planbook::invariants::commit_message(&message);
    }
}
