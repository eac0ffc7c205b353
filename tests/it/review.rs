//! `planbook init`, `diff` and `status` on real repositories.

use crate::common;

use crate::common::{TestRepo, valid_plan};
use serde_json::Value;

const ANA: &str = "Ana Lima <ana@example.com>";

#[test]
fn init_scaffolds_a_repository_that_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run_in(dir.path(), &["init", "plans-repo"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let root = dir.path().join("plans-repo");
    for file in [
        "planbook.toml",
        "people.yaml",
        ".github/workflows/planbook.yml",
        ".github/pull_request_template.md",
        ".github/CODEOWNERS",
    ] {
        assert!(root.join(file).is_file(), "{file}");
    }
    let check = common::run_in(&root, &["check", "--format", "json"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let json: Value = serde_json::from_str(&check.stdout).unwrap();
    // The example plan is a draft still holding the template's guidance: warnings only.
    assert_eq!(json["errors"], 0, "{json}");
    for d in json["diagnostics"].as_array().unwrap() {
        assert_eq!(d["rule"], "placeholder", "{d}");
    }
    assert_eq!(json["files"], 1);

    // The workflow is valid YAML with the jobs the README describes.
    let workflow: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(root.join(".github/workflows/planbook.yml")).unwrap(),
    )
    .unwrap();
    let text = std::fs::read_to_string(root.join(".github/workflows/planbook.yml")).unwrap();
    // No toolchain, no compiling: the Action installs the released binary, pinned to this
    // version of planbook.
    assert!(!text.contains("cargo install"), "{text}");
    assert!(!text.contains("rust-toolchain"), "{text}");
    let action = format!("planbook/planbook@v{}", env!("CARGO_PKG_VERSION"));
    let check_steps = workflow["jobs"]["check"]["steps"].as_array().unwrap();
    assert_eq!(check_steps[0]["with"]["fetch-depth"], 0);
    let step = |steps: &[Value], uses: &str| -> Value {
        steps
            .iter()
            .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(uses)))
            .cloned()
            .unwrap_or_else(|| panic!("no step uses {uses}: {steps:?}"))
    };
    let check = step(check_steps, &action);
    assert!(
        check["with"]["base"]
            .as_str()
            .unwrap()
            .starts_with("origin/")
    );
    assert!(
        check["with"]["reviews"]
            .as_str()
            .unwrap()
            .contains("reviews.json")
    );
    // Reviews count as sign-offs: the check runs on reviews and fetches them.
    assert!(
        workflow["on"]["pull_request_review"].is_object(),
        "{workflow:?}"
    );
    let runs: Vec<&str> = check_steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("gh api") && r.contains("reviews")),
        "{runs:?}"
    );
    // SARIF is opt-in and never fails the pull request.
    let scanning = &workflow["jobs"]["code-scanning"];
    assert_eq!(scanning["continue-on-error"], true);
    assert!(scanning["if"].as_str().unwrap().contains("PLANBOOK_SARIF"));
    assert_eq!(scanning["permissions"]["actions"], "read");
    let site_steps = workflow["jobs"]["site"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = site_steps
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    assert!(
        uses.iter()
            .any(|u| u.starts_with("actions/upload-pages-artifact"))
    );
    assert!(uses.iter().any(|u| u.starts_with("actions/deploy-pages")));

    let again = common::run_in(dir.path(), &["init", "plans-repo"]);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("never overwrites"),
        "{}",
        again.stderr
    );
}

fn repo_with_history() -> (TestRepo, String) {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan("beta.md", valid_plan("beta"));
    repo.commit("Add plans\n\nApproved-by: Ben Ode <ben@example.com>\nApproved-by: Cleo Park <cleo@example.com>", ANA, "2026-01-05T09:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let changed = valid_plan("alpha")
        .replace("status: approved", "status: active")
        .replace("target: 500000", "target: 550000")
        .replace("expected: 500000", "expected: 550000")
        .replace("    owner: cleo\n", "    owner: ana\n")
        .replace("due: 2026-03-31", "due: 2026-04-10")
        .replace(
            "## Recent challenges\n\n",
            "## Recent challenges\n\nA new competitor entered.\n\n",
        );
    repo.plan("alpha.md", changed);
    std::fs::remove_file(repo.path().join("plans/beta.md")).unwrap();
    repo.plan("gamma.md", valid_plan("gamma"));
    (repo, base)
}

#[test]
fn diff_summarises_a_change_for_reviewers() {
    let (repo, base) = repo_with_history();
    let out = repo.run(&["diff", &base]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = out.stdout;
    assert!(md.contains("3 plans changed"), "{md}");
    assert!(
        md.contains("### Nordics mid-market recovery (`alpha`): changed"),
        "{md}"
    );
    assert!(md.contains("**Status** approved → active"), "{md}");
    assert!(
        md.contains("**target of `bookings`** 500000 → 550000"),
        "{md}"
    );
    assert!(
        md.contains("Activity `poc-playbook` reassigned cleo → ana"),
        "{md}"
    );
    assert!(
        md.contains("Activity `roundtables` re-dated 2026-03-31 → 2026-04-10"),
        "{md}"
    );
    assert!(
        md.contains("The sign-off by cleo (2025-12-20) is made stale: metrics changed"),
        "{md}"
    );
    assert!(
        md.contains("| text | | sections changed: Recent challenges |"),
        "{md}"
    );
    assert!(md.contains("(`beta`): removed"), "{md}");
    assert!(md.contains("(`gamma`): new plan"), "{md}");
    // A new plan is summarised: who, what, when, how much, and the sign-offs still needed.
    let gamma = &md[md.find("(`gamma`): new plan").unwrap()..];
    for expected in [
        "**Owner** ana",
        "**Scope** EMEA",
        "**Period** 2026-01-01 → 2026-06-30",
        "**Primary metric `bookings`** 400000 → 500000",
        "**Investment** EUR 30000, 20 days",
        "**Sign-offs**",
    ] {
        assert!(gamma.contains(expected), "{expected} missing: {gamma}");
    }

    let json: Value =
        serde_json::from_str(&repo.run(&["diff", &base, "--format", "json"]).stdout).unwrap();
    let kinds: Vec<(&str, &str)> = json["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("alpha", "modified"),
            ("beta", "removed"),
            ("gamma", "added")
        ]
    );

    // Between two commits, and a plan moved to another folder.
    repo.commit("Changes", ANA, "2026-01-06T09:00:00+00:00");
    repo.git(&["mv", "plans/gamma.md", "plans/emea-gamma.md"]);
    std::fs::create_dir_all(repo.path().join("plans/emea")).unwrap();
    repo.git(&["mv", "plans/emea-gamma.md", "plans/emea/gamma.md"]);
    repo.commit("Move gamma", ANA, "2026-01-07T09:00:00+00:00");
    let json: Value = serde_json::from_str(
        &repo
            .run(&["diff", "HEAD~1", "HEAD", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["plans"][0]["change"], "renamed");
    assert_eq!(json["plans"][0]["old_path"], "plans/gamma.md");
    assert_eq!(repo.run(&["diff", "nope"]).code, 2);
}

#[test]
fn status_reports_the_portfolio() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("status: approved", "status: active"),
    );
    repo.plan(
        "beta.md",
        valid_plan("beta").replace(
            "title: Nordics mid-market recovery",
            "title: \"=HYPERLINK(evil), with comma\"",
        ),
    );
    let json: Value = serde_json::from_str(
        &repo
            .run(&["status", "--format", "json", "--as-of", "2026-05-15"])
            .stdout,
    )
    .unwrap();
    let alpha = &json[0];
    assert_eq!(alpha["id"], "alpha");
    assert_eq!(
        alpha["progress"], 20,
        "420000 is 20% of the way from 400000 to 500000"
    );
    assert_eq!(alpha["confidence"], 6);
    // Figures are numbers, with their unit and currency beside them.
    assert_eq!(alpha["target"], 500000);
    assert_eq!(alpha["baseline"], 400000);
    assert_eq!(alpha["latest"], 420000);
    assert_eq!(alpha["unit"], "currency");
    assert_eq!(alpha["currency"], "EUR");
    assert_eq!(alpha["reassessment_overdue"], true);
    assert_eq!(alpha["checkin_overdue"], true);
    let table = repo.run(&["status", "--as-of", "2026-05-15"]).stdout;
    assert!(table.starts_with("PLAN"), "{table}");
    assert!(
        table.contains("reassessment overdue, check-in overdue"),
        "{table}"
    );
    let csv = repo
        .run(&["status", "--format", "csv", "--as-of", "2026-05-15"])
        .stdout;
    assert!(csv.contains("\r\n"));
    assert!(
        csv.contains(",currency,EUR,400000,500000,420000,20,"),
        "{csv}"
    );
    assert!(
        csv.contains("\"'=HYPERLINK(evil), with comma\""),
        "formulas are defused and commas quoted: {csv}"
    );
}

/// One answer to "is this a plan": hidden files and files in hidden folders under `plans/` are
/// not plans, on disk (`check`), at a revision (`diff`) or in the working tree.
#[test]
fn hidden_files_and_folders_are_not_plans_anywhere() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    let base = repo.commit("Alpha", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan(".alpha.md", valid_plan("alpha"));
    repo.plan(".drafts/beta.md", valid_plan("beta"));
    repo.plan("emea/gamma.md", valid_plan("gamma"));
    let head = repo.commit("More", ANA, "2026-01-06T09:00:00+00:00");
    let (_, json) = repo.check_json(&[]);
    assert_eq!(json["files"], 2, "alpha and gamma: {json}");
    for side in [vec![base.as_str(), head.as_str()], vec![base.as_str()]] {
        let mut args = vec!["diff", "--format", "json"];
        args.extend(side);
        let out = repo.run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let json: Value = serde_json::from_str(&out.stdout).unwrap();
        let ids: Vec<&str> = json["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["gamma"], "{json}");
    }
}
