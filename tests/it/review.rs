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
    // Outside git, the first step is to start its history; inside, it is not said.
    assert!(out.stdout.contains("  1. `git init`"), "{}", out.stdout);
    let in_git = TestRepo::bare();
    let again = common::run_in(in_git.path(), &["init"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!again.stdout.contains("`git init`"), "{}", again.stdout);
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
    // The example plan's currency is the one its region has in the planbook.toml beside it.
    let example =
        std::fs::read_to_string(root.join("plans/emea/example-territory-recovery.md")).unwrap();
    assert!(example.contains("\ncurrency: EUR #"), "{example}");
    assert!(
        std::fs::read_to_string(root.join("planbook.toml"))
            .unwrap()
            .contains("[regions.EMEA]\ncurrency = \"EUR\"")
    );

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
    // A plan of its own, not a copy of the one removed (a copy would be paired with it as a
    // move, as `log` pairs it).
    let notes: String = (0..300)
        .map(|i| format!("Note {i} on the territory.\n\n"))
        .collect();
    repo.plan("gamma.md", valid_plan("gamma") + "\n## Notes\n\n" + &notes);
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
    // `diff` pairs a move as the history does: a file renamed with its content unchanged (the
    // id fixed in the same change) is the same plan, for `diff` and for `log` alike.
    repo.git(&["mv", "plans/emea/gamma.md", "plans/emea/gamma-2026.md"]);
    repo.commit("Rename gamma", ANA, "2026-01-08T09:00:00+00:00");
    let json: Value = serde_json::from_str(
        &repo
            .run(&["diff", "HEAD~1", "HEAD", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(json["plans"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["plans"][0]["change"], "renamed", "{json}");
    assert_eq!(json["plans"][0]["old_path"], "plans/emea/gamma.md");
    let log: Value = serde_json::from_str(
        &repo
            .run(&["log", "plans/emea/gamma-2026.md", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(
        log["plans"][0]["revisions"][0]["path"], "plans/emea/gamma-2026.md",
        "{log}"
    );
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

#[test]
fn diff_says_which_findings_a_change_waives_by_whom_and_why() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit("Add the plan", ANA, "2026-01-05T09:00:00+00:00");
    let waiver = "waivers:\n  - rule: target-vs-expected\n    reason: Agreed after the split.\n    by: ben\nsignoffs:\n";
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replacen("signoffs:\n", waiver, 1),
    );
    repo.commit("Waive", ANA, "2026-01-06T09:00:00+00:00");
    let md = repo.run(&["diff", "HEAD~1", "HEAD"]).stdout;
    assert!(
        md.contains("**Waiver added** `target-vs-expected` by ben: Agreed after the split\\."),
        "{md}"
    );
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replacen(
            "signoffs:\n",
            &waiver.replace("Agreed after the split.", "Agreed at the Q1 review."),
            1,
        ),
    );
    repo.commit("Reword", ANA, "2026-01-07T09:00:00+00:00");
    let md = repo.run(&["diff", "HEAD~1", "HEAD"]).stdout;
    assert!(
        md.contains("**Waiver of `target-vs-expected`** reason Agreed after the split\\. → Agreed at the Q1 review\\."),
        "{md}"
    );
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit("Unwaive", ANA, "2026-01-08T09:00:00+00:00");
    let md = repo.run(&["diff", "HEAD~1", "HEAD"]).stdout;
    assert!(
        md.contains("**Waiver removed** `target-vs-expected`"),
        "{md}"
    );
    // A new plan that arrives with a waiver says so in its summary, and in JSON.
    repo.plan(
        "beta.md",
        valid_plan("beta").replacen("signoffs:\n", waiver, 1),
    );
    let md = repo.run(&["diff", "HEAD"]).stdout;
    let beta = &md[md.find("(`beta`): new plan").unwrap()..];
    assert!(
        beta.contains("**Waiver added** `target-vs-expected` by ben"),
        "{beta}"
    );
    let json: Value =
        serde_json::from_str(&repo.run(&["diff", "HEAD", "--format", "json"]).stdout).unwrap();
    assert_eq!(
        json["plans"][0]["new_plan"]["waivers"][0]["by"], "ben",
        "{json}"
    );
    // Without waivers, the key is left out.
    repo.plan("beta.md", valid_plan("beta"));
    let json: Value =
        serde_json::from_str(&repo.run(&["diff", "HEAD", "--format", "json"]).stdout).unwrap();
    assert!(
        json["plans"][0]["new_plan"].get("waivers").is_none(),
        "{json}"
    );
    assert!(
        json["plans"][0]["new_plan"].get("signoffs").is_some(),
        "{json}"
    );
    // A new plan without sign-offs says what the policy still needs.
    let plan = valid_plan("beta").replace("status: approved", "status: in_review");
    let (before, after) = plan.split_at(plan.find("signoffs:\n").unwrap());
    repo.plan(
        "beta.md",
        format!("{before}{}", &after[after.find("---\n").unwrap()..]),
    );
    let md = repo.run(&["diff", "HEAD"]).stdout;
    assert!(
        md.contains("**Sign-offs** none yet: approval needs sign-offs from 1 person, including someone with the role `leadership`"),
        "{md}"
    );
}

/// Three plans as of 2026-05-15: `alpha` (active) has fallen behind, missed its reassessment
/// and its check-ins, and waits for help; `beta` waits in review for a leader's sign-off;
/// `gamma` (APAC, owned by someone outside Ben's line, reassessed) needs nothing.
fn portfolio() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        "people.yaml",
        common::PEOPLE.replace(
            "  title: Account Executive\n",
            "  title: Account Executive\n  manager: ben\n",
        ),
    );
    repo.plan(
        "emea/alpha.md",
        valid_plan("alpha")
            .replace("status: approved", "status: active")
            .replace("date: 2026-02-15", "date: 2026-03-15")
            .replace("bookings: 420000", "bookings: 400000")
            .replace(
                "  - from: marketing\n",
                "  - from: cleo\n    ask: A demo environment.\n    by: 2026-04-01\n  - from: marketing\n",
            ),
    );
    repo.plan(
        "emea/beta.md",
        valid_plan("beta")
            .replace("status: approved", "status: in_review")
            .replace(
                "  - person: ben\n    role: VP Sales\n    date: 2025-12-22\n",
                "",
            ),
    );
    repo.plan(
        "apac/gamma.md",
        valid_plan("gamma")
            .replace("owner: ana", "owner: cleo")
            // A recorded reassessment: the next review is the assessment at the end.
            .replace(
                "team:\n",
                "reassessments:\n  - date: 2026-04-29\n    decision: continue\n    note: On course.\n    by: ben\nteam:\n",
            )
            .replace("region: EMEA", "region: APAC")
            .replace("  - person: cleo\n    role: Peer review\n    date: 2025-12-20\n", "")
            .replace("  - person: cleo\n    role: Solutions engineering\n    function: pre_sales\n", ""),
    );
    repo
}

/// A plan that gives no period and no check-in yet: its dates are empty text, its state
/// `no-data` and its forecast and latest check-in null in JSON, empty cells in CSV, and the
/// table says so.
#[test]
fn status_of_a_plan_without_period_or_checkins() {
    let repo = TestRepo::new();
    let plan = valid_plan("gamma")
        .replace(
            "period:\n  start: 2026-01-01\n  reassess: 2026-04-30\n  end: 2026-06-30\n",
            "",
        )
        .replace(
            "checkins:\n  - date: 2026-02-15\n    actuals: { bookings: 420000, win-rate: 21 }\n    confidence: 6\n",
            "",
        )
        .replace("status: approved", "status: draft");
    assert!(
        !plan.contains("period:") && !plan.contains("checkins:"),
        "{plan}"
    );
    repo.plan("gamma.md", plan);
    let args = ["status", "--as-of", "2026-05-15"];
    let json: Value = serde_json::from_str(
        &repo
            .run(&[&args[..], &["--format", "json"]].concat())
            .stdout,
    )
    .unwrap();
    let gamma = &json[0];
    for field in ["start", "reassess", "end"] {
        assert_eq!(gamma[field], "", "{field}: {gamma}");
    }
    assert_eq!(gamma["status"], "draft");
    assert_eq!(gamma["state"], "no-data", "{gamma}");
    assert_eq!(gamma["forecast_state"], Value::Null, "{gamma}");
    assert_eq!(gamma["last_checkin"], Value::Null, "{gamma}");
    let csv = repo.run(&[&args[..], &["--format", "csv"]].concat()).stdout;
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(",draft,"), "{row}");
    assert!(row.contains(",,,,"), "empty dates: {row}");
    let table = repo.run(&args).stdout;
    assert!(
        table.contains("draft") && table.contains("no check-in"),
        "{table}"
    );
}

#[test]
fn status_attention_lists_what_needs_a_leader() {
    let repo = portfolio();
    let out = repo.run(&[
        "status",
        "--attention",
        "--format",
        "json",
        "--as-of",
        "2026-05-15",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let items: Value = serde_json::from_str(&out.stdout).unwrap();
    let found: Vec<(String, String)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["plan"].as_str().unwrap().to_string(),
                i["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("alpha", "behind"),
        ("alpha", "reassessment-due"),
        ("beta", "signoff-awaited"),
        ("alpha", "checkin-overdue"),
        ("alpha", "help-overdue"),
    ];
    assert_eq!(
        found,
        expected
            .iter()
            .map(|(p, k)| (p.to_string(), k.to_string()))
            .collect::<Vec<_>>()
    );
    let signoff = &items[2];
    assert_eq!(signoff["people"], serde_json::json!(["ben"]));
    assert_eq!(signoff["message"], "Waits for sign-off by Ben Ode");
    assert_eq!(
        items[1]["message"],
        "The reassessment was due on 2026-04-30, 15 days ago"
    );
    assert_eq!(items[4]["people"], serde_json::json!(["cleo"]));
    assert!(
        items[4]["message"]
            .as_str()
            .unwrap()
            .starts_with("Asked of Cleo Park by 2026-04-01 (44 days ago), still requested"),
        "{}",
        items[4]["message"]
    );

    let text = repo
        .run(&["status", "--attention", "--as-of", "2026-05-15"])
        .stdout;
    assert!(text.starts_with("5 items need attention\n"), "{text}");
    assert!(text.contains("\nSign-off awaited\n  beta  "), "{text}");
    let csv = repo
        .run(&[
            "status",
            "--attention",
            "--format",
            "csv",
            "--as-of",
            "2026-05-15",
        ])
        .stdout;
    assert!(
        csv.starts_with("plan,title,kind,date,people,message\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\nbeta,Nordics mid-market recovery,signoff-awaited,,Ben Ode,Waits for sign-off by Ben Ode\r\n"),
        "{csv}"
    );
    // Once reassessed, the assessment at the end of the period is what is due.
    let due: Value = serde_json::from_str(
        &repo
            .run(&[
                "status",
                "--attention",
                "--owner",
                "cleo",
                "--format",
                "json",
                "--as-of",
                "2026-06-20",
            ])
            .stdout,
    )
    .unwrap();
    assert_eq!(due[0]["kind"], "assessment-due");
    assert_eq!(
        due[0]["message"],
        "The assessment is due on 2026-06-30, in 10 days"
    );
    assert_eq!(due.as_array().unwrap().len(), 1);
    // Before anything is due, nothing is listed.
    let calm = repo
        .run(&[
            "status",
            "--attention",
            "--owner",
            "cleo",
            "--as-of",
            "2026-01-10",
        ])
        .stdout;
    assert_eq!(calm, "Nothing needs attention.\n");
}

#[test]
fn status_filters_by_path_owner_region_and_manager() {
    let repo = portfolio();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["status", "--format", "json", "--as-of", "2026-05-15"];
        all.extend_from_slice(args);
        let out = repo.run(&all);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let rows: Value = serde_json::from_str(&out.stdout).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&[]), ["gamma", "alpha", "beta"]);
    assert_eq!(ids(&["--manager", "ben"]), ["alpha", "beta"]);
    assert_eq!(ids(&["--owner", "cleo"]), ["gamma"]);
    assert_eq!(ids(&["--region", "apac"]), ["gamma"]);
    assert_eq!(ids(&["plans/emea/beta.md"]), ["beta"]);
    assert_eq!(
        ids(&["plans/emea", "--owner", "cleo"]),
        Vec::<String>::new()
    );
    let out = repo.run(&["status", "--manager", "nobody"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--manager nobody"), "{}", out.stderr);
    assert_eq!(repo.run(&["status", "plans/nowhere"]).code, 2);
}

#[test]
fn status_reports_the_forecast_after_the_existing_fields() {
    let repo = portfolio();
    let json: Value = serde_json::from_str(
        &repo
            .run(&["status", "--format", "json", "--as-of", "2026-05-15"])
            .stdout,
    )
    .unwrap();
    let alpha = &json[1];
    let keys: Vec<&String> = alpha.as_object().unwrap().keys().collect();
    let tail: Vec<&str> = keys[keys.len() - 5..].iter().map(|k| k.as_str()).collect();
    assert_eq!(
        tail,
        [
            "actual",
            "expected",
            "forecast",
            "forecast_state",
            "last_checkin"
        ]
    );
    assert_eq!(alpha["state"], "behind");
    assert_eq!(alpha["actual"], 400000);
    // One actual at the baseline: a flat trend, far short of the target.
    assert_eq!(alpha["forecast"], 400000);
    assert_eq!(alpha["forecast_state"], "behind");
    assert_eq!(alpha["last_checkin"], "2026-03-15");
    let table = repo.run(&["status", "--as-of", "2026-05-15"]).stdout;
    let row = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string()
    };
    let alpha = row("alpha");
    assert!(alpha.contains("behind, 0% of the way "), "{table}");
    assert!(
        alpha.contains(" EUR 400,000 of EUR 500,000 target, behind "),
        "{table}"
    );
    // Gamma recorded its reassessment: nothing is overdue.
    assert!(!row("gamma").contains("overdue"), "{table}");
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
