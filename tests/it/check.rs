//! `planbook check`: one failing and one passing fixture per rule, the output formats, exit
//! codes and bad input. The passing fixture for every rule is `valid_plan`.

use crate::common;

use crate::common::{TestRepo, findings, line_of, valid_plan};

/// Writes `plans/alpha.md` as the valid plan with `from` replaced by `to`, and returns the
/// findings of `check` (run in-process: these rules read no history).
fn with_change(from: &str, to: &str) -> (String, Vec<(String, u64, u64)>) {
    let base = valid_plan("alpha");
    assert!(base.contains(from), "fixture lacks {from:?}");
    let text = base.replacen(from, to, 1);
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    let found = common::check_in_process(repo.path(), "2026-03-01");
    (text, found)
}

fn only(found: &[(String, u64, u64)], rule: &str) -> Vec<(u64, u64)> {
    found
        .iter()
        .filter(|(r, _, _)| r == rule)
        .map(|(_, l, c)| (*l, *c))
        .collect()
}

#[test]
fn valid_plan_passes_every_rule() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let (code, json) = repo.check_json(&[]);
    assert_eq!(findings(&json), vec![]);
    assert_eq!(code, 0);
    assert_eq!(json["files"], 1);
}

#[test]
fn front_matter_missing_unclosed_and_broken() {
    let repo = TestRepo::new();
    repo.plan("none.md", "# A plan without front matter\n");
    repo.plan("open.md", "---\nid: open\ntitle: x\n");
    repo.plan(
        "broken.md",
        "---\nid: broken\ntitle: [unclosed\nstatus: draft\n---\n",
    );
    repo.plan("list.md", "---\n- a\n- b\n---\n");
    repo.plan("empty.md", "");
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let found = findings(&json);
    let files: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "plans/broken.md",
            "plans/empty.md",
            "plans/list.md",
            "plans/none.md",
            "plans/open.md"
        ]
    );
    assert!(
        found.iter().all(|(r, _, _)| r == "front-matter"),
        "{found:?}"
    );
    let broken = &json["diagnostics"][0];
    assert!(broken["line"].as_u64().unwrap() >= 3, "{broken}");
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .contains("not valid YAML")
    );
}

#[test]
fn schema_unknown_field_suggests_the_right_one() {
    let (text, found) = with_change("sponsor: ben", "sponser: ben");
    let line = line_of(&text, "sponser:");
    assert!(only(&found, "schema").contains(&(line, 1)), "{found:?}");
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    let (_, json) = repo.check_json(&[]);
    let d = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "schema")
        .unwrap();
    assert_eq!(d["message"], "unknown field `sponser`");
    assert_eq!(d["help"], "did you mean `sponsor`?");
}

#[test]
fn schema_wrong_values_point_at_the_value() {
    let (text, found) = with_change("status: approved", "status: aproved");
    assert_eq!(
        only(&found, "schema"),
        vec![(line_of(&text, "status: aproved"), 9)]
    );
    let (text, found) = with_change("baseline: 400000", "baseline: \"400k\"");
    assert_eq!(only(&found, "schema"), vec![(line_of(&text, "400k"), 15)]);
    let (text, found) = with_change("reassess: 2026-04-30", "reassess: 2026-02-30");
    assert_eq!(
        only(&found, "schema"),
        vec![(line_of(&text, "2026-02-30"), 13)]
    );
    let (_, found) = with_change("title: Nordics mid-market recovery\n", "");
    assert_eq!(only(&found, "schema"), vec![(2, 1)]);
}

#[test]
fn yaml_1_2_keeps_no_as_text() {
    // `NO` (Norway) must stay text, so the region is valid.
    let (_, found) = with_change("region: EMEA", "region: NO");
    assert_eq!(found, vec![]);
}

#[test]
fn duplicate_keys_are_front_matter_errors() {
    let (text, found) = with_change("sponsor: ben", "sponsor: ben\nsponsor: cleo");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "front-matter");
    assert_eq!(found[0].1, line_of(&text, "sponsor: cleo"));
}

#[test]
fn id_filename() {
    let (text, found) = with_change("id: alpha", "id: beta");
    assert_eq!(
        only(&found, "id-filename"),
        vec![(line_of(&text, "id: beta"), 5)]
    );
}

#[test]
fn duplicate_id_across_plans_and_within() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan("emea/alpha.md", valid_plan("alpha"));
    let found = repo.findings();
    assert_eq!(only(&found, "duplicate-id"), vec![(2, 5)]);
    let (text, found) = with_change("id: poc-playbook", "id: roundtables");
    let second = text.match_indices("id: roundtables").nth(1).unwrap().0;
    let line = text[..second].lines().count() as u64;
    assert_eq!(only(&found, "duplicate-id"), vec![(line, 9)]);
}

#[test]
fn period_order() {
    let (text, found) = with_change("reassess: 2026-04-30", "reassess: 2025-12-01");
    assert_eq!(
        only(&found, "period-order"),
        vec![(line_of(&text, "reassess: 2025"), 13)]
    );
    let (text, found) = with_change("end: 2026-06-30", "end: 2026-04-01");
    assert_eq!(
        only(&found, "period-order"),
        vec![(line_of(&text, "end: 2026-04-01"), 8)]
    );
}

#[test]
fn outcome() {
    let (text, found) = with_change("status: approved", "status: approved\noutcome: met");
    assert_eq!(
        only(&found, "outcome"),
        vec![(line_of(&text, "outcome:"), 1)]
    );
    let (text, found) = with_change("status: approved", "status: assessed");
    assert_eq!(
        only(&found, "outcome"),
        vec![(line_of(&text, "status: assessed"), 9)]
    );
}

#[test]
fn primary_metric() {
    let (text, found) = with_change("    primary: true\n", "");
    assert_eq!(
        only(&found, "primary-metric"),
        vec![(line_of(&text, "metrics:"), 1)]
    );
    let (text, found) = with_change("    target: 25\n", "    target: 25\n    primary: true\n");
    let line = text
        .match_indices("primary: true")
        .nth(1)
        .map(|(i, _)| text[..i].lines().count() as u64)
        .unwrap();
    assert_eq!(only(&found, "primary-metric"), vec![(line, 14)]);
}

#[test]
fn target_direction() {
    let (text, found) = with_change("target: 500000", "target: 380000");
    assert_eq!(
        only(&found, "target-direction"),
        vec![(line_of(&text, "target: 380000"), 13)]
    );
}

/// Milestones of the bookings metric, written after its `primary: true`.
fn with_milestones(milestones: &str) -> (String, Vec<(String, u64, u64)>) {
    with_change(
        "    primary: true\n",
        &format!("    primary: true\n    milestones:\n{milestones}"),
    )
}

#[test]
fn milestones_on_the_way_inside_the_period_are_clean() {
    let (_, found) = with_milestones(
        "      - { date: 2026-03-31, value: 420000 }\n      - { date: 2026-05-31, value: 480000 }\n",
    );
    assert_eq!(found, vec![]);
}

#[test]
fn milestones_that_go_back_or_beyond_the_target_break_target_direction() {
    let (text, found) = with_milestones(
        "      - { date: 2026-03-31, value: 450000 }\n      - { date: 2026-05-31, value: 430000 }\n",
    );
    assert_eq!(
        only(&found, "target-direction"),
        vec![(line_of(&text, "value: 430000"), 36)]
    );
    let (text, found) = with_milestones("      - { date: 2026-05-31, value: 520000 }\n");
    assert_eq!(
        only(&found, "target-direction"),
        vec![(line_of(&text, "value: 520000"), 36)]
    );
}

#[test]
fn milestones_outside_the_period_or_out_of_order_break_period_order() {
    let (text, found) = with_milestones(
        "      - { date: 2026-07-31, value: 450000 }\n      - { date: 2026-03-31, value: 460000 }\n      - { date: 2026-02-28, value: 470000 }\n",
    );
    assert_eq!(
        only(&found, "period-order"),
        vec![
            (line_of(&text, "date: 2026-07-31"), 17),
            (line_of(&text, "date: 2026-02-28"), 17)
        ]
    );
}

#[test]
fn target_vs_expected_is_a_warning() {
    let (text, found) = with_change("target: 500000", "target: 450000");
    assert_eq!(
        only(&found, "target-vs-expected"),
        vec![(line_of(&text, "target: 450000"), 13)]
    );
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "warnings alone pass");
    assert_eq!(json["warnings"], 1);
    let (code, _) = repo.check_json(&["--deny", "warnings"]);
    assert_eq!(code, 1);
}

#[test]
fn metric_range() {
    let (text, found) = with_change("target: 25", "target: 125");
    assert_eq!(
        only(&found, "metric-range"),
        vec![(line_of(&text, "target: 125"), 13)]
    );
    let (text, found) = with_change("budget: 30000", "budget: -5");
    assert_eq!(
        only(&found, "metric-range"),
        vec![(line_of(&text, "budget: -5"), 11)]
    );
}

#[test]
fn unknown_metric() {
    let (text, found) = with_change("metrics: [win-rate]", "metrics: [win-rat]");
    assert_eq!(
        only(&found, "unknown-metric"),
        vec![(line_of(&text, "[win-rat]"), 15)]
    );
    let (text, found) = with_change("win-rate: 21 }", "winrate: 21 }");
    assert_eq!(
        only(&found, "unknown-metric"),
        vec![(line_of(&text, "winrate: 21"), 34)]
    );
}

#[test]
fn unknown_person() {
    let (text, found) = with_change("owner: cleo", "owner: cloe");
    assert_eq!(
        only(&found, "unknown-person"),
        vec![(line_of(&text, "owner: cloe"), 12)]
    );
    // A function is a valid source of help.
    let (_, found) = with_change("from: marketing", "from: finance");
    assert_eq!(found, vec![]);
}

#[test]
fn activity_owner() {
    let (text, found) = with_change("    owner: cleo\n", "");
    assert_eq!(
        only(&found, "activity-owner"),
        vec![(line_of(&text, "id: poc-playbook"), 9)]
    );
}

#[test]
fn activity_due_is_a_warning() {
    let (text, found) = with_change("due: 2026-04-15", "due: 2026-09-15");
    assert_eq!(
        only(&found, "activity-due"),
        vec![(line_of(&text, "due: 2026-09-15"), 10)]
    );
}

#[test]
fn unmoved_metric() {
    let (text, found) = with_change("metrics: [win-rate]", "metrics: [bookings]");
    assert_eq!(
        only(&found, "unmoved-metric"),
        vec![(line_of(&text, "id: win-rate"), 9)]
    );
}

#[test]
fn required_for_status() {
    let (text, found) = with_change("sponsor: ben\n", "");
    assert_eq!(
        only(&found, "required-for-status"),
        vec![(line_of(&text, "status: approved"), 9)]
    );
    let (_, found) = with_change("## Structural analysis", "## Structure");
    assert_eq!(only(&found, "required-for-status").len(), 1, "{found:?}");
    // A draft needs neither.
    let (_, found) = with_change("status: approved", "status: draft");
    assert_eq!(only(&found, "required-for-status"), vec![]);
}

#[test]
fn what_changes_is_required_from_review() {
    // Fires: a plan under review that does not say what it stops doing and tries instead.
    let (text, found) = with_change("## What changes", "## Changes");
    assert_eq!(
        only(&found, "required-for-status"),
        vec![(line_of(&text, "# Nordics mid-market recovery") - 1, 1)],
        "{found:?}"
    );
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let message = json["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("`## What changes`"), "{message}");
    // Clean: a draft may leave it out.
    let draft = valid_plan("alpha")
        .replacen("status: approved", "status: draft", 1)
        .replacen("## What changes", "## Changes", 1);
    let repo = TestRepo::new();
    repo.plan("alpha.md", &draft);
    assert_eq!(only(&repo.findings(), "required-for-status"), vec![]);
    // The template's guidance left in it is a placeholder.
    let guidance = "What the plan stops doing, and what it tries instead. Name the old habits that did not work\n(the accounts, channels, offers or routines given up) and the new approach this plan tests, so\nthat the assessment can say whether the change worked.";
    let (_, found) = with_change(
        "## What changes\n\n",
        &format!("## What changes\n\n{guidance}\n\n"),
    );
    assert_eq!(only(&found, "placeholder").len(), 1, "{found:?}");
}

#[test]
fn missing_section() {
    let (text, found) = with_change("## Recent challenges", "## Challenges");
    assert_eq!(
        only(&found, "missing-section"),
        vec![(line_of(&text, "# Nordics mid-market recovery") - 1, 1)]
    );
    // Spelling variants match.
    let (_, found) = with_change(
        "## Current performance vs expectations",
        "## Current Performance versus Expectations",
    );
    assert_eq!(found, vec![]);
}

#[test]
fn plan_length() {
    let base = valid_plan("alpha");
    let short = base[..base.find("## Summary").unwrap()].to_string()
        + "## Summary\n\nShort.\n\n## Current performance vs expectations\n\n## Recent challenges\n\n## Structural analysis\n\n## Activities\n\n## Investment\n\n## Help needed\n\n## Consequences and incentive\n";
    let repo = TestRepo::new();
    repo.plan("alpha.md", &short);
    assert_eq!(only(&repo.findings(), "plan-length").len(), 1);
}

#[test]
fn signoff_required() {
    let (text, found) = with_change(
        "  - person: ben\n    role: VP Sales\n    date: 2025-12-22\n",
        "",
    );
    assert_eq!(
        only(&found, "signoff-required"),
        vec![(line_of(&text, "signoffs:"), 1)]
    );
}

#[test]
fn self_signoff() {
    let (text, found) = with_change(
        "  - person: cleo\n    role: Peer review",
        "  - person: ana\n    role: Peer review",
    );
    assert_eq!(
        only(&found, "self-signoff"),
        vec![(line_of(&text, "- person: ana"), 13)]
    );
}

#[test]
fn investment_total() {
    let (text, found) = with_change("budget: 30000", "budget: 10000");
    assert_eq!(
        only(&found, "investment-total"),
        vec![(line_of(&text, "budget: 10000"), 11)]
    );
}

#[test]
fn checkin_overdue() {
    let (text, found) = with_change("status: approved", "status: active");
    assert_eq!(
        found,
        vec![],
        "a check-in on 2026-02-15 is recent on 2026-03-01"
    );
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-04-15"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        only(&findings(&json), "checkin-overdue"),
        vec![(line_of(&text, "checkins:"), 1)]
    );
}

#[test]
fn reassessment_overdue() {
    let repo = TestRepo::new();
    let text = valid_plan("alpha");
    repo.plan("alpha.md", &text);
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-05-10"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        only(&findings(&json), "reassessment-overdue"),
        vec![(line_of(&text, "reassess:"), 13)]
    );
}

#[test]
fn broken_link() {
    let (text, found) = with_change(
        "## Activities\n\n",
        "## Activities\n\nSee [the notes](notes/missing.md) and [site](https://example.com).\n\n",
    );
    assert_eq!(
        only(&found, "broken-link"),
        vec![(line_of(&text, "[the notes]"), 5)]
    );
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    repo.plan("notes/missing.md", "# Notes\n");
    assert_eq!(only(&repo.findings(), "broken-link"), vec![]);
    let (text, found) = with_change("currency: EUR", "currency: EUR\nsupersedes: nordics-2025");
    assert_eq!(
        only(&found, "broken-link"),
        vec![(line_of(&text, "supersedes"), 13)]
    );
}

#[test]
fn money_needs_a_currency() {
    let (text, found) = with_change("currency: EUR\n", "");
    assert_eq!(
        only(&found, "schema"),
        vec![(line_of(&text, "unit: currency"), 11)]
    );
}

#[test]
fn rule_levels_from_config() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 450000"),
    );
    repo.write("planbook.toml", "[rules]\ntarget-vs-expected = \"error\"\n");
    let (code, json) = repo.check_json(&[]);
    assert_eq!((code, json["errors"].as_u64()), (1, Some(1)));
    repo.write("planbook.toml", "[rules]\ntarget-vs-expected = \"off\"\n");
    let (code, json) = repo.check_json(&[]);
    assert_eq!((code, json["warnings"].as_u64()), (0, Some(0)));
}

#[test]
fn one_bad_file_does_not_hide_others() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 380000"),
    );
    repo.plan("broken.md", b"---\nid: \xff\xfe\n---\n".as_slice());
    let found = repo.findings();
    assert!(
        found.contains(&("front-matter".to_string(), 2, 5)),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(r, _, _)| r == "target-direction"),
        "{found:?}"
    );
}

#[test]
fn hostile_yaml_is_refused_without_blowing_up() {
    let repo = TestRepo::new();
    let mut bomb = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..15 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str("---\n");
    repo.plan("bomb.md", &bomb);
    repo.plan(
        "deep.md",
        format!(
            "---\na: {}{}\n---\n",
            "[".repeat(20_000),
            "]".repeat(20_000)
        ),
    );
    repo.plan(
        "tabs.md",
        "---\nid: tabs\nperiod:\n\tstart: 2026-01-01\n---\n",
    );
    repo.plan(
        "huge.md",
        format!("---\nid: huge\n---\n{}", "word ".repeat(2_000_000)),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let found = findings(&json);
    let by_file: Vec<(&str, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["file"].as_str().unwrap(), d["rule"].as_str().unwrap()))
        .collect();
    for file in [
        "plans/bomb.md",
        "plans/deep.md",
        "plans/tabs.md",
        "plans/huge.md",
    ] {
        assert!(
            by_file.contains(&(file, "front-matter")),
            "{file}: {found:?}"
        );
    }
    assert!(
        found.iter().any(|(_, line, _)| *line == 4),
        "tab on line 4: {found:?}"
    );
}

#[test]
fn human_output_shows_the_line_and_a_caret() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 380000"),
    );
    let out = repo.run(&["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1);
    let line = line_of(&repo.read("plans/alpha.md"), "target: 380000");
    assert!(out.stdout.contains("error[target-direction]: target 380000 is below baseline 400000 for an increasing metric"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("--> plans/alpha.md:{line}:13")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("target: 380000\n"), "{}", out.stdout);
    assert!(out.stdout.contains("^^^^^^"), "{}", out.stdout);
    assert!(
        out.stdout.contains("help: a plan commits to improvement"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Checked 1 plan: 1 error, 0 warnings."),
        "{}",
        out.stdout
    );
}

#[test]
fn github_format_escapes_and_annotates() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 450000"),
    );
    let out = repo.run(&["check", "--format", "github", "--as-of", "2026-03-01"]);
    let first = out.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("::warning file=plans/alpha.md,line="),
        "{first}"
    );
    assert!(
        first.contains(",title=planbook target-vs-expected::target 450000"),
        "{first}"
    );
    assert!(first.contains("%0Ahelp: "), "{first}");
}

#[test]
fn sarif_format_is_valid_2_1_0() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 380000"),
    );
    let out = repo.run(&["check", "--format", "sarif", "--as-of", "2026-03-01"]);
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "target-direction");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "target-direction");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startColumn"], 13);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "plans/alpha.md"
    );
}

#[test]
fn sarif_uris_are_percent_encoded_and_rules_link_their_docs() {
    let repo = TestRepo::new();
    repo.plan(
        "México/q1 plan.md",
        valid_plan("q1 plan").replace("target: 500000", "target: 380000"),
    );
    let out = repo.run(&["check", "--format", "sarif", "--as-of", "2026-03-01"]);
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    for result in run["results"].as_array().unwrap() {
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "plans/M%C3%A9xico/q1%20plan.md"
        );
    }
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let uri = rule["helpUri"].as_str().unwrap();
        assert!(uri.ends_with(&format!("docs/rules.md#{}", rule["id"].as_str().unwrap())));
        assert!(
            rule["help"]["text"]
                .as_str()
                .unwrap()
                .contains("How to fix it")
        );
    }
}

#[test]
fn junit_format_has_a_failure_per_finding() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 380000"),
    );
    repo.plan("beta.md", valid_plan("beta"));
    let out = repo.run(&["check", "--format", "junit", "--as-of", "2026-03-01"]);
    assert!(out.stdout.starts_with("<?xml"));
    assert!(
        out.stdout.contains(
            "<testsuites name=\"planbook check\" tests=\"2\" failures=\"1\" errors=\"0\">"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("<failure type=\"error\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("<testcase name=\"plans/beta.md\""),
        "{}",
        out.stdout
    );
}

#[test]
fn paths_select_what_is_reported() {
    let repo = TestRepo::new();
    repo.plan(
        "emea/alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 380000"),
    );
    repo.plan("apac/beta.md", valid_plan("beta"));
    let (code, json) = repo.check_json(&["plans/apac"]);
    assert_eq!((code, json["files"].as_u64()), (0, Some(1)));
    let out = repo.run(&["check", "plans/nowhere.md"]);
    assert_eq!(out.code, 2);
    let outside = tempfile::tempdir().unwrap();
    let out = repo.run(&["check", outside.path().to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("outside the plans repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_and_config_failures_exit_2_with_one_line() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.write("planbook.toml", "plans_dir = \"plans\"\nplan_dir = \"x\"\n");
    let out = repo.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    assert!(out.stderr.contains("planbook.toml:2:1"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("Error {"),
        "no Debug dumps: {}",
        out.stderr
    );

    let empty = TestRepo::bare();
    let out = empty.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("there is no plans folder"),
        "{}",
        out.stderr
    );

    let out = repo.run(&["check", "--as-of", "tomorrow"]);
    assert_eq!(out.code, 2);
    let out = repo.run(&["check", "--format", "yaml"]);
    assert_eq!(out.code, 2);
}

#[test]
fn custom_schema_can_require_more() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let schema = planbook::plan::schema::BUILTIN.replace(
        "\"required\": [\"id\", \"title\", \"status\", \"owner\", \"scope\", \"period\", \"metrics\", \"activities\"]",
        "\"required\": [\"id\", \"title\", \"status\", \"owner\", \"scope\", \"period\", \"metrics\", \"activities\", \"cost_centre\"]",
    ).replace("\"supersedes\": {", "\"cost_centre\": { \"type\": \"string\" },\n    \"supersedes\": {");
    repo.write("schema/plan.schema.json", &schema);
    let found = repo.findings();
    assert_eq!(only(&found, "schema"), vec![(2, 1)]);
    repo.write(
        "plans/alpha.md",
        valid_plan("alpha").replace("currency: EUR", "currency: EUR\ncost_centre: CC-1042"),
    );
    assert_eq!(repo.findings(), vec![]);
}

#[test]
fn the_projects_own_plans_are_clean() {
    let out = common::run_in(
        &common::project_root(),
        &["check", "--format", "json", "--as-of", "2026-11-27"],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(findings(&json), vec![]);
    assert!(json["files"].as_u64().unwrap() >= 4);
}

#[test]
fn placeholder_values_sections_and_sample_figures() {
    // In review (the fixture is approved): an error at the value.
    let (text, found) = with_change("on_miss: The territory is split.", "on_miss: TBD");
    assert_eq!(
        only(&found, "placeholder"),
        vec![(line_of(&text, "on_miss: TBD"), 12)]
    );
    let (text, found) = with_change(
        "## Summary\n\nWe will call",
        "## Summary\n\nTBD\n\n## Notes\n\nWe will call",
    );
    assert_eq!(
        only(&found, "placeholder"),
        vec![(line_of(&text, "## Summary"), 1)]
    );
    let (text, found) = with_change(
        "baseline: 400000\n    expected: 500000\n    target: 500000",
        "baseline: 100000\n    expected: 150000\n    target: 150000",
    );
    assert_eq!(
        only(&found, "placeholder"),
        vec![(line_of(&text, "baseline: 100000"), 15)]
    );
    // The template's guidance text left in a section.
    let guidance = "In three or four sentences: what is falling short, by how much, what this plan will change,\nand the target it commits to by the reassessment date.";
    let (_, found) = with_change("## Summary\n\n", &format!("## Summary\n\n{guidance}\n\n"));
    assert_eq!(only(&found, "placeholder").len(), 1, "{found:?}");
    // In a draft the same is a warning.
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha")
            .replace("status: approved", "status: draft")
            .replace("on_miss: The territory is split.", "on_miss: TODO"),
    );
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0);
    let placeholder: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "placeholder")
        .collect();
    assert_eq!(placeholder.len(), 1);
    assert_eq!(placeholder[0]["severity"], "warning");
    // Words around a placeholder word are real content.
    let (_, found) = with_change(
        "on_miss: The territory is split.",
        "on_miss: TBD with finance, at the latest by March.",
    );
    assert_eq!(only(&found, "placeholder"), vec![]);
}

#[test]
fn checkin_dates_and_actuals() {
    let (text, found) = with_change("  - date: 2026-02-15", "  - date: 2025-12-15");
    assert_eq!(
        only(&found, "checkin-date"),
        vec![(line_of(&text, "date: 2025-12-15"), 11)]
    );
    // `check` runs as of 2026-03-01: a check-in after that is in the future.
    let (text, found) = with_change("  - date: 2026-02-15", "  - date: 2026-03-20");
    assert_eq!(
        only(&found, "checkin-date"),
        vec![(line_of(&text, "date: 2026-03-20"), 11)]
    );
    // Within a month after the end is fine (the final actuals).
    let repo = TestRepo::new();
    let text = valid_plan("alpha").replace("  - date: 2026-02-15", "  - date: 2026-07-20");
    repo.plan("alpha.md", &text);
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-08-01"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(only(&findings(&json), "checkin-date"), vec![]);
    let (text, found) = with_change(
        "actuals: { bookings: 420000, win-rate: 21 }",
        "actuals: { win-rate: 21 }",
    );
    assert_eq!(
        only(&found, "checkin-actuals"),
        vec![(line_of(&text, "actuals: { win-rate"), 5)]
    );
    assert_eq!(
        only(
            &with_change("status: approved", "status: approved").1,
            "checkin-actuals"
        ),
        vec![]
    );
}

#[test]
fn outcome_against_actuals_as_the_metric_adds_them_up() {
    let assessed = |outcome: &str, aggregate: &str, extra_checkin: &str| {
        let repo = TestRepo::new();
        let text = valid_plan("alpha")
            .replace(
                "status: approved",
                &format!("status: assessed\noutcome: {outcome}"),
            )
            .replace(
                "    primary: true\n",
                &format!("    primary: true\n{aggregate}"),
            )
            .replace(
                "    confidence: 6\n",
                &format!("    confidence: 6\n{extra_checkin}"),
            );
        repo.plan("alpha.md", &text);
        let out = repo.run(&["check", "--format", "json", "--as-of", "2026-07-15"]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        (text.clone(), only(&findings(&json), "outcome-vs-actuals"))
    };
    // The latest bookings (420000) miss the 500000 target: `met` is contradicted.
    let (text, found) = assessed("met", "", "");
    assert_eq!(found, vec![(line_of(&text, "outcome: met"), 10)]);
    assert_eq!(assessed("missed", "", "").1, vec![]);
    assert_eq!(assessed("partially_met", "", "").1, vec![]);
    // Summed, 420000 + 100000 reach it: `met` holds and `missed` is contradicted.
    let more = "  - date: 2026-06-30\n    actuals: { bookings: 100000, win-rate: 26 }\n";
    assert_eq!(assessed("met", "    aggregate: sum\n", more).1, vec![]);
    assert_eq!(assessed("missed", "    aggregate: sum\n", more).1.len(), 1);
    // No actual at all: the outcome rests on nothing measured, whatever it says.
    for outcome in ["met", "partially_met"] {
        let text = valid_plan("alpha")
            .replace("status: approved", &format!("status: assessed\noutcome: {outcome}"))
            .replace("checkins:\n  - date: 2026-02-15\n    actuals: { bookings: 420000, win-rate: 21 }\n    confidence: 6\n", "");
        assert!(!text.contains("checkins:"), "fixture changed");
        let repo = TestRepo::new();
        repo.plan("alpha.md", &text);
        let out = repo.run(&["check", "--format", "json", "--as-of", "2026-07-15"]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            only(&findings(&json), "outcome-vs-actuals"),
            vec![(line_of(&text, "outcome:"), 10)],
            "{outcome}"
        );
    }
}

#[test]
fn help_unanswered_after_its_date() {
    let (text, found) = with_change(
        "    by: 2026-02-28\n    status: agreed\n",
        "    by: 2026-02-28\n",
    );
    assert_eq!(
        only(&found, "help-unanswered"),
        vec![(line_of(&text, "by: 2026-02-28"), 9)]
    );
    let (_, found) = with_change("status: agreed", "status: declined");
    assert_eq!(only(&found, "help-unanswered"), vec![]);
}

#[test]
fn a_recorded_reassessment_answers_the_reassessment_date() {
    let repo = TestRepo::new();
    let text = valid_plan("alpha").replace(
        "team:\n",
        "reassessments:\n  - date: 2026-04-30\n    decision: continue\n    note: On track after the roundtables.\n    by: ben\nteam:\n",
    );
    repo.plan("alpha.md", &text);
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-05-10"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(only(&findings(&json), "reassessment-overdue"), vec![]);
    // Past the end, the plan still needs assessing.
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-07-10"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(only(&findings(&json), "reassessment-overdue").len(), 1);
}

/// The fixture with a target below what the role is expected to deliver (a
/// `target-vs-expected` warning) and `waiver` as the plan's waivers.
fn below_expected(waiver: &str) -> String {
    valid_plan("alpha")
        .replacen("    target: 500000", "    target: 450000", 1)
        .replacen("signoffs:\n", &format!("waivers:\n{waiver}signoffs:\n"), 1)
}

const WAIVER: &str = "  - rule: target-vs-expected\n    reason: Agreed with leadership after the territory lost two key accounts.\n    by: ben\n";

#[test]
fn a_waived_finding_is_a_note_in_every_format() {
    // Without the waiver, the warning fails `--deny warnings`.
    let repo = TestRepo::new();
    repo.plan("alpha.md", below_expected("").replace("waivers:\n", ""));
    let (code, json) = repo.check_json(&["--deny", "warnings"]);
    assert_eq!(code, 1);
    assert_eq!(json["warnings"], 1);
    assert!(json.get("notes").is_none(), "no notes key without waivers");
    // With it, the finding is shown as a note and counted as neither.
    let text = below_expected(WAIVER);
    repo.plan("alpha.md", &text);
    let (code, json) = repo.check_json(&["--deny", "warnings"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        (
            json["errors"].clone(),
            json["warnings"].clone(),
            json["notes"].clone()
        ),
        (0.into(), 0.into(), 1.into())
    );
    let d = &json["diagnostics"][0];
    assert_eq!(d["rule"], "target-vs-expected");
    assert_eq!(d["severity"], "note");
    assert_eq!(d["line"], line_of(&text, "target: 450000"));
    assert_eq!(
        d["help"],
        "waived by Ben Ode: Agreed with leadership after the territory lost two key accounts."
    );
    let human = repo.run(&["check", "--as-of", "2026-03-01", "--deny", "warnings"]);
    assert_eq!(human.code, 0, "{} {}", human.stdout, human.stderr);
    assert!(
        human.stdout.contains("note[target-vs-expected]"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("Checked 1 plan: no problems found, 1 waived."),
        "{}",
        human.stdout
    );
    let github = repo.run(&["check", "--as-of", "2026-03-01", "--format", "github"]);
    assert!(
        github.stdout.starts_with("::notice file=plans/alpha.md"),
        "{}",
        github.stdout
    );
    assert!(
        github.stdout.contains("0 errors, 0 warnings, 1 waived"),
        "{}",
        github.stdout
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &repo
            .run(&["check", "--as-of", "2026-03-01", "--format", "sarif"])
            .stdout,
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "note");
    let junit = repo
        .run(&["check", "--as-of", "2026-03-01", "--format", "junit"])
        .stdout;
    assert!(
        junit.contains("failures=\"0\" errors=\"0\" skipped=\"1\""),
        "{junit}"
    );
    assert!(junit.contains("<skipped type=\"note\""), "{junit}");
    // A waiver of another rule leaves the warning as it is.
    repo.plan(
        "alpha.md",
        below_expected(&WAIVER.replace("target-vs-expected", "plan-length")),
    );
    let (code, json) = repo.check_json(&["--deny", "warnings"]);
    assert_eq!((code, json["warnings"].clone()), (1, 1.into()));
}

#[test]
fn unknown_and_unwaivable_rules_are_schema_errors() {
    let repo = TestRepo::new();
    let text = below_expected(&WAIVER.replace("target-vs-expected", "target-vs-expectd"));
    repo.plan("alpha.md", &text);
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let schema: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "schema")
        .collect();
    assert_eq!(schema.len(), 1, "{json}");
    assert_eq!(schema[0]["line"], line_of(&text, "rule: target-vs-expectd"));
    assert_eq!(schema[0]["help"], "did you mean `target-vs-expected`?");
    for guard in ["signoff-required", "schema", "status-transition", "waiver"] {
        let text = below_expected(&WAIVER.replace("target-vs-expected", guard));
        repo.plan("alpha.md", &text);
        let (code, json) = repo.check_json(&[]);
        assert_eq!(code, 1, "{guard}");
        let d = &json["diagnostics"][1];
        assert_eq!(d["rule"], "schema", "{guard}: {json}");
        assert_eq!(d["line"], line_of(&text, &format!("rule: {guard}")));
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains(&format!("`{guard}` guards sign-offs and cannot be waived")),
            "{json}"
        );
    }
}

#[test]
fn a_waiver_needs_a_real_reason_and_a_required_signer() {
    let cases = [
        // A pre-sales peer holds no required sign-off role.
        (
            "by: ben",
            "by: cleo",
            "by: cleo",
            "holds no role the sign-off policy requires (leadership)",
        ),
        // The owner does not waive their own plan's findings.
        (
            "by: ben",
            "by: ana",
            "by: ana",
            "owns this plan and cannot waive its findings",
        ),
        (
            "reason: Agreed with leadership after the territory lost two key accounts.",
            "reason: TBD",
            "reason: TBD",
            "the waiver's reason is a placeholder",
        ),
    ];
    for (from, to, at, message) in cases {
        let text = below_expected(&WAIVER.replace(from, to));
        let repo = TestRepo::new();
        repo.plan("alpha.md", &text);
        let (code, json) = repo.check_json(&[]);
        assert_eq!(code, 1, "{to}");
        let diagnostics = json["diagnostics"].as_array().unwrap();
        let waiver: Vec<_> = diagnostics
            .iter()
            .filter(|d| d["rule"] == "waiver")
            .collect();
        assert_eq!(waiver.len(), 1, "{json}");
        assert_eq!(waiver[0]["line"], line_of(&text, at));
        assert!(
            waiver[0]["message"].as_str().unwrap().contains(message),
            "{json}"
        );
        // The waiver does not count: the warning stays, and `placeholder` does not also fire.
        assert_eq!(json["warnings"], 1, "{to}: {json}");
        assert!(
            !diagnostics.iter().any(|d| d["rule"] == "placeholder"),
            "{json}"
        );
    }
    // Someone not in people.yaml is an unknown person.
    let text = below_expected(&WAIVER.replace("by: ben", "by: bem"));
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    assert_eq!(
        only(&repo.findings(), "unknown-person"),
        vec![(line_of(&text, "by: bem"), 9)]
    );
    // Clean: the policy's role, held by someone other than the owner.
    repo.plan("alpha.md", below_expected(WAIVER));
    assert_eq!(only(&repo.findings(), "waiver"), vec![]);
}

#[test]
fn the_assessment_guidance_is_a_placeholder_only_once_assessed() {
    let guidance = "At the end of the period: what was achieved against the target, what worked, what did not,\nand what happens next.";
    let with_guidance = format!("## Assessment\n\n{guidance}\n\n## Summary\n\n");
    // Clean: an approved plan keeps the guidance for the end of its period.
    let (_, found) = with_change("## Summary\n\n", &with_guidance);
    assert_eq!(only(&found, "placeholder"), vec![], "{found:?}");
    // Fires: an assessed plan must have written it.
    let text = valid_plan("alpha")
        .replacen("status: approved", "status: assessed\noutcome: met", 1)
        .replacen("## Summary\n\n", &with_guidance, 1);
    let repo = TestRepo::new();
    repo.plan("alpha.md", &text);
    assert_eq!(
        only(&repo.findings(), "placeholder"),
        vec![(line_of(&text, "## Assessment"), 1)]
    );
}

#[test]
fn a_reassessment_dated_in_the_future_or_before_the_start_is_not_a_record() {
    let repo = TestRepo::new();
    let record = |date: &str| {
        valid_plan("alpha").replace(
            "team:\n",
            &format!(
                "reassessments:\n  - date: {date}\n    decision: continue\n    by: ben\nteam:\n"
            ),
        )
    };
    let check = |text: &str| {
        repo.plan("alpha.md", text);
        let out = repo.run(&["check", "--format", "json", "--as-of", "2026-05-10"]);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        findings(&json)
    };
    // Written ahead of the meeting: the date is in the future, and the reassessment is overdue.
    let text = record("2026-05-20");
    let found = check(&text);
    assert_eq!(
        only(&found, "checkin-date"),
        vec![(line_of(&text, "date: 2026-05-20"), 11)]
    );
    assert_eq!(only(&found, "reassessment-overdue").len(), 1, "{found:?}");
    let text = record("2025-12-01");
    assert_eq!(
        only(&check(&text), "checkin-date"),
        vec![(line_of(&text, "date: 2025-12-01"), 11)]
    );
    // Clean: dated within the period, on or before today.
    let found = check(&record("2026-05-02"));
    assert_eq!(only(&found, "checkin-date"), vec![]);
    assert_eq!(only(&found, "reassessment-overdue"), vec![]);
}

#[test]
fn a_repeated_check_takes_unchanged_plans_from_the_cache_and_agrees() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan(
        "beta.md",
        valid_plan("beta").replace("status: approved", "status: nope"),
    );
    repo.commit(
        "Two plans",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    let cache = repo.path().join(".git/planbook/plans-cache.bin");
    let first = repo.check_json(&[]);
    assert!(cache.exists(), "the plans parsed are kept");
    assert_eq!(only(&common::findings(&first.1), "schema"), vec![(4, 9)]);
    assert_eq!(repo.check_json(&[]), first);

    // An edit is read, cached or not.
    repo.edit_plan("alpha.md", "status: approved", "status: unheard-of");
    let edited = repo.check_json(&[]);
    assert_eq!(
        only(&common::findings(&edited.1), "schema"),
        vec![(4, 9), (4, 9)]
    );
    assert_eq!(repo.check_json(&[]), edited);

    // The repository's own schema: every plan is validated against it.
    let schema = planbook::plan::schema::BUILTIN.replace(
        "\"required\": [\"id\", \"title\", \"status\", \"owner\", \"scope\", \"period\", \"metrics\", \"activities\"]",
        "\"required\": [\"id\", \"title\", \"status\", \"owner\", \"scope\", \"period\", \"metrics\", \"activities\", \"cost_centre\"]",
    );
    repo.write("schema/plan.schema.json", &schema);
    let stricter = repo.check_json(&[]);
    assert_eq!(only(&common::findings(&stricter.1), "schema").len(), 4);
    std::fs::remove_file(repo.path().join("schema/plan.schema.json")).unwrap();
    assert_eq!(repo.check_json(&[]), edited);

    // A damaged or foreign cache is read as none, and replaced.
    for damage in [&b"garbage"[..], b"", &std::fs::read(&cache).unwrap()[..100]] {
        std::fs::write(&cache, damage).unwrap();
        assert_eq!(repo.check_json(&[]), edited);
        assert_eq!(repo.check_json(&[]), edited);
    }
    // A pipe in the cache's place is not opened (opening it would wait for a writer).
    #[cfg(unix)]
    common::pipe_in_place_is_not_opened(
        repo.path(),
        &cache,
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    // In CI (a fresh clone, checked once) the cache is read but not written.
    std::fs::remove_file(&cache).unwrap();
    let out = common::planbook(repo.path())
        .args(["check", "--format", "json", "--as-of", "2026-03-01"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        edited.1
    );
    assert!(!cache.exists());
    // The cache lives in `.git`: the work tree holds the edit and nothing else.
    assert_eq!(repo.git(&["status", "--porcelain"]), " M plans/alpha.md\n");
}
