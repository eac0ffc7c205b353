//! `planbook new`, `schema` and `completions`.

use crate::common;

use crate::common::TestRepo;

#[test]
fn new_writes_a_plan_that_passes_check_as_a_draft() {
    let repo = TestRepo::with_git();
    let out = repo.run(&[
        "new",
        "nordics-2027",
        "--title",
        "Nordics: new logos",
        "--region",
        "EMEA North",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Created plans/emea-north/nordics-2027.md"),
        "{}",
        out.stdout
    );
    let text = repo.read("plans/emea-north/nordics-2027.md");
    assert!(text.contains("owner: ana"), "owner from git user.email");
    assert!(text.contains("title: \"Nordics: new logos\""));
    for section in [
        "Summary",
        "Help needed",
        "Structural analysis",
        "What changes",
        "Consequences and incentive",
        "Assessment",
    ] {
        assert!(text.contains(&format!("## {section}")), "{section}");
    }
    // It passes as a draft: its template text is only a warning until it goes to review.
    let check = repo.run(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    assert_eq!(json["errors"], 0, "{}", check.stdout);
    for d in json["diagnostics"].as_array().unwrap() {
        assert_eq!(d["rule"], "placeholder", "{d}");
        assert_eq!(d["severity"], "warning", "{d}");
    }
    assert!(json["warnings"].as_u64().unwrap() > 0);
    assert_eq!(check.code, 0);
    // In review, the same text is an error.
    let text = repo
        .read("plans/emea-north/nordics-2027.md")
        .replace("status: draft", "status: in_review");
    repo.write("plans/emea-north/nordics-2027.md", text);
    let check = repo.run(&["check", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "placeholder" && d["severity"] == "error"),
        "{}",
        check.stdout
    );
}

#[test]
fn new_refuses_to_overwrite_or_bad_ids() {
    let repo = TestRepo::new();
    assert_eq!(repo.run(&["new", "alpha", "--owner", "ben"]).code, 0);
    let before = repo.read("plans/alpha.md");
    let again = repo.run(&["new", "alpha", "--owner", "ben"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(repo.read("plans/alpha.md"), before);
    let bad = repo.run(&["new", "../escape", "--owner", "ben"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("not a valid plan id"), "{}", bad.stderr);
    let unknown = repo.run(&["new", "beta", "--owner", "zed"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("`zed` is not in people.yaml"),
        "{}",
        unknown.stderr
    );
    assert!(!repo.path().join("plans/beta.md").exists());
}

#[test]
fn schema_prints_the_embedded_json_schema() {
    let repo = TestRepo::new();
    let out = repo.run(&["schema"]);
    assert_eq!(out.code, 0);
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema["properties"]["metrics"].is_object());
}

#[test]
fn completions_for_bash() {
    let repo = TestRepo::new();
    let out = repo.run(&["completions", "bash"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("planbook"));
    assert!(out.stdout.contains("check"));
}

#[test]
fn man_page_in_roff() {
    let repo = TestRepo::new();
    let out = repo.run(&["man"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with(".ie") || out.stdout.contains(".TH planbook"),
        "{}",
        &out.stdout[..200.min(out.stdout.len())]
    );
}

#[test]
fn man_out_writes_every_page_the_top_page_refers_to() {
    let repo = TestRepo::new();
    let out = repo.run(&["man", "--out", "man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = repo.path().join("man");
    let top = std::fs::read_to_string(dir.join("planbook.1")).unwrap();
    let mut referred = 0;
    for (i, _) in top.match_indices("planbook\\-") {
        let name: String = top[i + "planbook\\-".len()..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        assert!(
            dir.join(format!("planbook-{name}.1")).is_file(),
            "planbook.1 refers to planbook-{name}(1), which was not written"
        );
        referred += 1;
    }
    assert!(referred >= 10, "{top}");
    // Each command's page lists its options.
    let check = std::fs::read_to_string(dir.join("planbook-check.1")).unwrap();
    for option in ["\\-\\-base", "\\-\\-reviews", "\\-\\-format", "\\-\\-deny"] {
        assert!(
            check.contains(option),
            "{option} missing from planbook-check.1"
        );
    }
    // A file where the folder should be is refused.
    repo.write("not-a-folder", "x");
    assert_eq!(repo.run(&["man", "--out", "not-a-folder"]).code, 2);
}

#[test]
fn rule_explains_each_rule_and_the_readme_agrees_with_the_registry() {
    let repo = TestRepo::new();
    let out = repo.run(&["rule", "signoff-stale"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("### How to fix it"), "{}", out.stdout);
    let out = repo.run(&["rule", "sign-off-stale"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("did you mean `signoff-stale`"),
        "{}",
        out.stderr
    );
    let out = repo.run(&["rule", "--all", "--format", "json"]);
    let all: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), planbook::rules::Rule::ALL.len());
    let readme = std::fs::read_to_string(common::project_root().join("README.md")).unwrap();
    for rule in all {
        let row = format!(
            "| `{}` | {} |",
            rule["name"].as_str().unwrap(),
            rule["level"].as_str().unwrap()
        );
        assert!(readme.contains(&row), "the README's rule table lacks {row}");
        assert!(
            rule["url"]
                .as_str()
                .unwrap()
                .ends_with(rule["name"].as_str().unwrap())
        );
    }
}

#[test]
fn new_from_starts_the_next_period_from_an_old_plan() {
    let repo = TestRepo::with_git();
    let old = common::valid_plan("nordics-2026h1")
        .replace("status: approved", "status: assessed\noutcome: missed")
        .replace(
            "    primary: true\n",
            "    primary: true\n    milestones:\n      - { date: 2026-03-31, value: 450000 }\n",
        )
        + "\n## Assessment\n\nBookings stopped 80000 short of the target.\n";
    repo.plan("emea/nordics-2026h1.md", &old);
    let out = repo.run(&["new", "nordics-2026h2", "--from", "nordics-2026h1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = repo.read("plans/emea/nordics-2026h2.md");
    for expected in [
        "id: nordics-2026h2",
        "status: draft",
        "supersedes: nordics-2026h1",
        "start: 2026-07-01",
        // Month ends stay month ends: the half year that follows ends on 31 December.
        "reassess: 2026-10-31",
        "end: 2026-12-31",
        "owner: ana",
        // The latest actuals become the baselines.
        "baseline: 420000",
        "baseline: 21",
        "target: 500000",
    ] {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
    for cleared in ["outcome:", "signoffs:", "checkins:", "milestones:"] {
        assert!(!text.contains(cleared), "{cleared} kept:\n{text}");
    }
    assert!(text.contains("## Summary"), "the text is kept");
    // The old assessment is not the new plan's: its section is back to the guidance.
    assert!(!text.contains("80000 short"), "{text}");
    assert!(
        text.contains("## Assessment\n\nAt the end of the period"),
        "{text}"
    );
    // The fields keep the order the owner gave them.
    assert!(
        text.find("\nowner:").unwrap() < text.find("\nconsequences:").unwrap(),
        "{text}"
    );
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-06-15"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let errors: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error" && d["file"] == "plans/emea/nordics-2026h2.md")
        .collect();
    assert!(errors.is_empty(), "{json}");
    assert_eq!(repo.run(&["new", "x-2027", "--from", "nope"]).code, 2);
}

#[test]
fn new_takes_the_currency_of_its_region_from_the_configuration_and_never_guesses() {
    let repo = TestRepo::with_git();
    repo.write(
        "planbook.toml",
        "[regions.\"North America\"]\ncurrency = \"USD\"\n",
    );
    let out = repo.run(&["new", "us-east-2027", "--region", "north america"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = repo.read("plans/north-america/us-east-2027.md");
    assert!(text.contains("\ncurrency: USD #"), "{text}");
    // A region without a currency gets ISO 4217's "no currency", which `placeholder` reports
    // (not EUR, the template's old guess).
    let out = repo.run(&["new", "anz-2027", "--region", "APAC"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = repo.read("plans/apac/anz-2027.md");
    assert!(text.contains("\ncurrency: XXX #"), "{text}");
    assert!(!text.contains("EUR"), "{text}");
    let (code, json) = repo.check_json(&["plans/apac"]);
    assert_eq!(code, 0, "a draft: {json}");
    let currency = common::line_of(&text, "currency: XXX");
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "placeholder" && d["line"] == currency),
        "{json}"
    );
    // A mistyped key under [regions.*] is refused with its position.
    repo.write("planbook.toml", "[regions.APAC]\ncurency = \"AUD\"\n");
    let out = repo.run(&["new", "anz-2028", "--region", "APAC"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("planbook.toml:2:1"), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown field `curency`"),
        "{}",
        out.stderr
    );
}
