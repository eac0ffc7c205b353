//! `planbook log` and the history rules on real git repositories.

use crate::common;

use crate::common::{TestRepo, findings, valid_plan};
use serde_json::Value;

const ANA: &str = "Ana Lima <ana@example.com>";
const BEN: &str = "Ben Ode <ben@example.com>";
const CLEO: &str = "Cleo Park <cleo@example.com>";

/// The valid plan without its sign-offs, as a draft.
fn draft() -> String {
    let plan = valid_plan("alpha");
    let start = plan.find("signoffs:").unwrap();
    let end = plan.find("---\n\n# Nordics").unwrap();
    format!("{}{}", &plan[..start], &plan[end..]).replace("status: approved", "status: draft")
}

fn log_json(repo: &TestRepo, args: &[&str]) -> Value {
    let mut all = vec!["log", "--format", "json"];
    all.extend_from_slice(args);
    let out = repo.run(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn change(revision: &Value, field: &str) -> Option<(Value, Value)> {
    revision["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == field)
        .map(|c| (c["from"].clone(), c["to"].clone()))
}

/// A history: a draft by Ana, a squash PR raising the target, a branch merged by a PR merge
/// commit, a move to another folder, and Ben's sign-off with the plan approved.
fn story() -> TestRepo {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", draft());
    repo.commit("Draft the Nordics plan", ANA, "2026-01-05T09:00:00+01:00");
    repo.plan(
        "alpha.md",
        draft()
            .replace("target: 500000", "target: 550000")
            .replace("expected: 500000", "expected: 550000"),
    );
    repo.commit(
        "Raise the bookings target (#12)",
        ANA,
        "2026-01-06T10:00:00+01:00",
    );
    repo.git(&["checkout", "-q", "-b", "review"]);
    repo.edit_plan("alpha.md", "status: draft", "status: in_review");
    repo.commit("Send the plan for review", ANA, "2026-01-07T10:00:00+01:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("notes.txt", "unrelated\n");
    repo.commit(
        "Unrelated change on main",
        CLEO,
        "2026-01-08T10:00:00+01:00",
    );
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "review",
        "-m",
        "Merge pull request #14 from corvid/review",
    ]);
    repo.git(&["mv", "plans/alpha.md", "plans/emea-alpha.md"]);
    std::fs::create_dir_all(repo.path().join("plans/emea")).unwrap();
    repo.git(&["mv", "plans/emea-alpha.md", "plans/emea/alpha.md"]);
    repo.commit("Move the plan under EMEA", ANA, "2026-01-09T10:00:00+01:00");
    repo
}

#[test]
fn log_lists_revisions_newest_first_with_prs_renames_and_changes() {
    let repo = story();
    let json = log_json(&repo, &[]);
    assert_eq!(json["shallow"], false);
    let plan = &json["plans"][0];
    assert_eq!(plan["id"], "alpha");
    assert_eq!(plan["path"], "plans/emea/alpha.md");
    let revisions = plan["revisions"].as_array().unwrap();
    let summaries: Vec<&str> = revisions
        .iter()
        .map(|r| r["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "Move the plan under EMEA",
            "Send the plan for review",
            "Raise the bookings target (#12)",
            "Draft the Nordics plan"
        ]
    );
    assert_eq!(revisions[0]["path"], "plans/emea/alpha.md");
    assert_eq!(revisions[1]["path"], "plans/alpha.md");
    assert_eq!(
        revisions[1]["pr"], 14,
        "a commit merged by PR #14 carries its number"
    );
    assert_eq!(revisions[2]["pr"], 12);
    assert_eq!(revisions[3]["pr"], Value::Null);
    assert_eq!(revisions[2]["author"]["email"], "ana@example.com");
    assert_eq!(revisions[2]["date"], "2026-01-06T10:00:00+01:00");
    assert_eq!(
        change(&revisions[2], "metrics.bookings.target"),
        Some((500000.into(), 550000.into()))
    );
    assert_eq!(
        change(&revisions[1], "status"),
        Some(("draft".into(), "in_review".into()))
    );
    assert_eq!(revisions[3]["changes"], serde_json::json!([]));
}

#[test]
fn log_shows_uncommitted_edits_and_body_sections() {
    let repo = story();
    let text = repo.read("plans/emea/alpha.md").replace(
        "## Recent challenges\n\n",
        "## Recent challenges\n\nA new competitor.\n\n",
    );
    repo.write("plans/emea/alpha.md", text);
    let json = log_json(&repo, &["alpha"]);
    let first = &json["plans"][0]["revisions"][0];
    assert_eq!(first["commit"], "working tree");
    assert_eq!(
        first["changes"],
        serde_json::json!([{"field": "body", "sections": ["Recent challenges"]}])
    );
    let human = repo.run(&["log", "alpha"]);
    assert!(human.stdout.contains("working tree"), "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("metrics.bookings.target: 500000 → 550000"),
        "{}",
        human.stdout
    );
}

#[test]
fn log_since_and_unknown_plans() {
    let repo = story();
    let json = log_json(&repo, &["--since", "2026-01-07"]);
    assert_eq!(json["plans"][0]["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(repo.run(&["log", "nope"]).code, 2);
    let plain = TestRepo::new();
    plain.plan("alpha.md", valid_plan("alpha"));
    let out = plain.run(&["log"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not in a git repository"),
        "{}",
        out.stderr
    );
}

/// Authors commit in their own UTC offsets: `--since`/`--until` with a time compare instants
/// (New York's 23:30 on 1 March is after Berlin's 01:00 on 2 March), with a date the day on
/// the author's clock, and the JSON shows each time as its author wrote it.
#[test]
fn log_since_and_until_compare_instants_across_offsets() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", draft());
    repo.commit("Draft", ANA, "2026-03-02T01:00:00+01:00");
    repo.edit_plan("alpha.md", "title: ", "title: Revised ");
    repo.commit("Revise", BEN, "2026-03-01T23:30:00-05:00");
    let dates = |args: &[&str]| -> Vec<String> {
        log_json(&repo, args)["plans"][0]["revisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["date"].as_str().unwrap().to_string())
            .collect()
    };
    let (berlin, new_york) = ("2026-03-02T01:00:00+01:00", "2026-03-01T23:30:00-05:00");
    assert_eq!(dates(&[]), [new_york, berlin]);
    assert_eq!(dates(&["--since", "2026-03-02T02:00:00+01:00"]), [new_york]);
    assert_eq!(dates(&["--until", "2026-03-02T02:00:00+01:00"]), [berlin]);
    assert_eq!(dates(&["--since", "2026-03-02"]), [berlin]);
    assert_eq!(dates(&["--until", "2026-03-01"]), [new_york]);
    let human = repo.run(&["log", "--since", "2026-03-02T04:00:00Z"]).stdout;
    assert!(human.contains("  2026-03-01  "), "{human}");
    assert!(!human.contains("  2026-03-02  "), "{human}");
    let out = repo.run(&["log", "--until", "yesterday"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--until yesterday: not a date or a time"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_repeated_log_reads_the_cache_and_agrees() {
    let repo = story();
    let first = repo.run(&["log", "--format", "json"]).stdout;
    assert!(repo.path().join(".git/planbook/history-cache.bin").exists());
    assert_eq!(repo.run(&["log", "--format", "json"]).stdout, first);
    // A new commit extends the cached walk.
    repo.plan(
        "emea/alpha.md",
        repo.read("plans/emea/alpha.md")
            .replace("target: 25", "target: 27")
            .replace("expected: 25", "expected: 27"),
    );
    repo.commit(
        "Raise the win-rate target (#15)",
        ANA,
        "2026-01-10T10:00:00+01:00",
    );
    let json = log_json(&repo, &[]);
    let revisions = json["plans"][0]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 5);
    assert_eq!(
        change(&revisions[0], "metrics.win-rate.target"),
        Some((25.into(), 27.into()))
    );
    std::fs::remove_dir_all(repo.path().join(".git/planbook")).unwrap();
    assert_eq!(log_json(&repo, &[]), json, "as with nothing cached");
}

/// The story, approved: sign-offs added by `signer`'s commit with `message`.
fn signed(author: &str, message: &str) -> TestRepo {
    let repo = story();
    let approved = valid_plan("alpha")
        .replace("target: 500000", "target: 550000")
        .replace("expected: 500000", "expected: 550000");
    repo.plan("emea/alpha.md", &approved);
    repo.commit(message, author, "2026-01-12T10:00:00+01:00");
    repo
}

fn check_rules(repo: &TestRepo, extra: &[&str]) -> Vec<String> {
    let (_, json) = repo.check_json(extra);
    findings(&json)
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect()
}

#[test]
fn signoffs_added_by_someone_else_are_unverified() {
    let repo = signed(ANA, "Approve the plan");
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let unverified: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "signoff-unverified")
        .collect();
    assert_eq!(unverified.len(), 2, "{json}");
    let message = unverified[1]["message"].as_str().unwrap();
    assert!(
        message.contains("`ben` (Ben Ode) was added in commit"),
        "{message}"
    );
    assert!(
        message.contains("by Ana Lima <ana@example.com>"),
        "{message}"
    );
    let help = unverified[1]["help"].as_str().unwrap();
    assert!(
        help.contains("Approved-by: Ben Ode <ben@example.com>"),
        "{help}"
    );
    assert!(help.contains("both authored and committed"), "{help}");
}

const BOT: &str = "Merge Bot <merge-bot@example.com>";

/// The story, approved in a commit by Ana with `message`, committed by `committer`.
fn attested(message: &str, committer: &str) -> TestRepo {
    let repo = story();
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n",
    );
    let approved = valid_plan("alpha")
        .replace("target: 500000", "target: 550000")
        .replace("expected: 500000", "expected: 550000");
    repo.plan("emea/alpha.md", &approved);
    repo.commit_by(message, ANA, committer, "2026-01-12T10:00:00+01:00", &[]);
    repo
}

#[test]
fn signoffs_by_the_signers_or_with_approved_by_trailers_pass() {
    let trailers = "Approve the plan\n\nApproved-by: Ben Ode <b.ode@example.com>\nApproved-by: Cleo Park <cleo@example.com>";
    let repo = attested(trailers, BOT);
    assert_eq!(check_rules(&repo, &[]), Vec::<String>::new());
    // The same trailers in a commit the owner made herself attest nothing.
    let repo = attested(trailers, ANA);
    assert_eq!(
        check_rules(&repo, &[]),
        ["signoff-unverified", "signoff-unverified"]
    );
    // A trailer without an email attests nothing, even from the trusted committer.
    let repo = attested(
        "Approve the plan\n\nApproved-by: Ben Ode\nApproved-by: Cleo Park <cleo@example.com>",
        BOT,
    );
    assert_eq!(check_rules(&repo, &[]), ["signoff-unverified"]);
    // Ben adds his own sign-off; Cleo's is approved by trailer.
    let repo = story();
    let plan = valid_plan("alpha")
        .replace("target: 500000", "target: 550000")
        .replace("expected: 500000", "expected: 550000");
    let ben_entry = "  - person: ben\n    role: VP Sales\n    date: 2025-12-22\n";
    repo.plan("emea/alpha.md", plan.replace(ben_entry, ""));
    repo.commit("Peer review", CLEO, "2026-01-11T10:00:00+01:00");
    repo.plan("emea/alpha.md", &plan);
    repo.commit("Sign off as VP Sales", BEN, "2026-01-12T10:00:00+01:00");
    assert_eq!(check_rules(&repo, &[]), Vec::<String>::new());
}

#[test]
fn changing_targets_after_signoff_is_stale() {
    let repo = attested(
        "Approve\n\nApproved-by: Ben Ode <ben@example.com>\nApproved-by: Cleo Park <cleo@example.com>",
        BOT,
    );
    repo.plan(
        "emea/alpha.md",
        repo.read("plans/emea/alpha.md")
            .replace("target: 550000", "target: 600000")
            .replace("expected: 550000", "expected: 600000"),
    );
    repo.commit("Raise the target again", ANA, "2026-01-13T10:00:00+01:00");
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1);
    let stale: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "signoff-stale")
        .collect();
    assert_eq!(stale.len(), 2, "each signer's sign-off is stale: {json}");
    let message = stale[1]["message"].as_str().unwrap();
    assert!(
        message.contains("the sign-off by `ben` (Ben Ode) is stale: metrics changed since commit"),
        "{message}"
    );
    assert!(message.contains("by Ana Lima"), "{message}");
    // Stale sign-offs do not count: the policy is not met.
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "signoff-required"),
        "{json}"
    );
    // Re-signing (new dates, by the signers) clears it.
    let renewed = repo
        .read("plans/emea/alpha.md")
        .replace("date: 2025-12-20", "date: 2026-01-14")
        .replace("date: 2025-12-22", "date: 2026-01-14");
    repo.plan("emea/alpha.md", renewed);
    repo.commit_by("Sign off again\n\nApproved-by: Ben Ode <ben@example.com>\nApproved-by: Cleo Park <cleo@example.com>", ANA, BOT, "2026-01-14T10:00:00+01:00", &[]);
    assert_eq!(check_rules(&repo, &[]), Vec::<String>::new());
}

#[test]
fn status_transitions_against_a_base() {
    let repo = story(); // status in_review at HEAD
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.edit_plan("emea/alpha.md", "status: in_review", "status: active");
    let rules = check_rules(&repo, &["--base", &base]);
    assert!(
        rules.contains(&"status-transition".to_string()),
        "{rules:?}"
    );
    repo.edit_plan("emea/alpha.md", "status: active", "status: draft");
    assert!(!check_rules(&repo, &["--base", &base]).contains(&"status-transition".to_string()));
    let out = repo.run(&["check", "--base", "no-such-branch"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no such revision"), "{}", out.stderr);
}

#[test]
fn shallow_clones_say_so_and_do_not_pass_signoffs() {
    let origin = signed(
        ANA,
        "Approve\n\nApproved-by: Ben Ode <ben@example.com>\nApproved-by: Cleo Park <cleo@example.com>",
    );
    let clone_dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "shallow"])
        .current_dir(clone_dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let dir = clone_dir.path().join("shallow");
    let out = common::run_in(&dir, &["log", "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["shallow"], true);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    assert!(
        out.stderr.contains("git fetch --unshallow"),
        "{}",
        out.stderr
    );
    // Run again, the kept document is copied (as kept: the copy of an altered one is
    // altered), and the warning given again.
    let kept = dir.join(".git/planbook/log-output.bin");
    let bytes = std::fs::read(&kept).unwrap();
    let at = bytes
        .windows(15)
        .position(|w| w == b"\"shallow\": true")
        .unwrap();
    let mut altered = bytes.clone();
    altered[at + 1] = b'S';
    std::fs::write(&kept, &altered).unwrap();
    let again = common::run_in(&dir, &["log", "--format", "json"]);
    assert!(
        again.stdout.contains("\"Shallow\": true"),
        "{}",
        again.stdout
    );
    assert_eq!(again.stderr, out.stderr);
    std::fs::write(&kept, &bytes).unwrap();
    let again = common::run_in(&dir, &["log", "--format", "json"]);
    assert_eq!((again.stdout, again.stderr), (out.stdout, out.stderr));
    let out = common::run_in(
        &dir,
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    assert_eq!(out.code, 1);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let rules: Vec<_> = findings(&json).into_iter().map(|(r, _, _)| r).collect();
    assert_eq!(rules, ["signoff-unverified"]);
    let out = common::run_in(&dir, &["build", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("shallow clone"),
        "the site build says its history is incomplete: {}",
        out.stderr
    );

    // Deepened to the whole history, the same HEAD has more behind it: nothing cached from
    // the shallow history (its walk, its kept document) is shown for it.
    let shallow_revisions = revision_count(&common::run_in(&dir, &["log", "--format", "json"]));
    let status = std::process::Command::new("git")
        .args(["fetch", "-q", "--unshallow"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let out = common::run_in(&dir, &["log", "--format", "json"]);
    assert!(!out.stderr.contains("shallow"), "{}", out.stderr);
    assert!(revision_count(&out) > shallow_revisions);
    std::fs::remove_dir_all(dir.join(".git/planbook")).unwrap();
    let fresh = common::run_in(&dir, &["log", "--format", "json"]);
    assert_eq!(out.stdout, fresh.stdout);
}

/// How many revisions a `log --format json` shows, all plans together.
fn revision_count(out: &common::Output) -> usize {
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    json["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["revisions"].as_array().unwrap().len())
        .sum()
}

/// The trail of more plans than `log` reads and writes at a time comes out whole and in order,
/// each plan's `--since` applied.
#[test]
fn log_of_many_plans_is_written_whole_and_in_order() {
    let repo = TestRepo::with_git();
    let plans = 600;
    for i in 0..plans {
        repo.plan(
            &format!("p{i:03}.md"),
            draft().replace("id: alpha", &format!("id: p{i:03}")),
        );
    }
    repo.commit("Add the plans", ANA, "2026-01-05T09:00:00+00:00");
    for i in (0..plans).step_by(7) {
        repo.edit_plan(&format!("p{i:03}.md"), "status: draft", "status: in_review");
    }
    repo.commit("Review every seventh", ANA, "2026-01-08T09:00:00+00:00");
    for (args, edited, others) in [(&[][..], 2, 1), (&["--since", "2026-01-07"][..], 1, 0)] {
        let json = log_json(&repo, args);
        let listed = json["plans"].as_array().unwrap();
        assert_eq!(listed.len(), plans, "{args:?}");
        for (i, plan) in listed.iter().enumerate() {
            assert_eq!(plan["id"], format!("p{i:03}"), "{args:?}");
            let revisions = plan["revisions"].as_array().unwrap().len();
            let expected = if i % 7 == 0 { edited } else { others };
            assert_eq!(revisions, expected, "{args:?} p{i:03}");
        }
    }
}

/// A plans folder whose name reads as a pattern (`q[1]`) is still the folder: an uncommitted
/// edit in it is a `working tree` revision.
#[test]
fn a_plans_folder_named_like_a_pattern_shows_uncommitted_edits() {
    let repo = TestRepo::with_git();
    repo.write("planbook.toml", "plans_dir = \"q[1]\"\n");
    repo.write("q[1]/alpha.md", valid_plan("alpha"));
    repo.commit("Add alpha", ANA, "2026-01-05T10:00:00Z");
    repo.write(
        "q[1]/alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 450000"),
    );
    let json = log_json(&repo, &[]);
    let first = &json["plans"][0]["revisions"][0];
    assert_eq!(first["commit"], "working tree", "{json}");
    assert_eq!(
        change(first, "metrics.bookings.target"),
        Some((500000.into(), 450000.into()))
    );
}

/// planbook reads git's index and never writes it (libgit2 would write back the copy it read,
/// over what a `git add` running meanwhile wrote): after a `log` in a copied clone, the index
/// is byte for byte what it was, and what is shown is what the original shows.
#[test]
fn the_index_is_read_never_written() {
    let repo = story();
    let shown = log_json(&repo, &[]);
    let copy = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .args(["-r", "--no-preserve=all"])
        .arg(repo.path().join("."))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let index = std::fs::read(copy.path().join(".git/index")).unwrap();
    let stat_dirty = || {
        common::run_program(
            copy.path(),
            "git",
            &["diff-files", "--name-only", "--", "plans/"],
            &[],
        )
        .lines()
        .count()
    };
    assert!(
        stat_dirty() > 0,
        "the copy's index records the original's files"
    );
    for args in [
        &["log", "--format", "json"][..],
        &["check", "--as-of", "2026-03-01"],
    ] {
        let out = common::run_in(copy.path(), args);
        if args[0] == "log" {
            assert_eq!(serde_json::from_str::<Value>(&out.stdout).unwrap(), shown);
        }
    }
    assert_eq!(
        std::fs::read(copy.path().join(".git/index")).unwrap(),
        index
    );
}

/// An index planbook cannot read (a split index) never reads as "nothing uncommitted": `log`,
/// `check` and `build` say that uncommitted edits are not shown, and how to turn it off.
#[test]
fn an_index_that_cannot_be_read_is_said_not_taken_for_a_clean_tree() {
    let repo = story();
    repo.git(&["update-index", "--split-index"]);
    repo.edit_plan("emea/alpha.md", "target: 25", "target: 27");
    for args in [
        &["log", "--format", "json"][..],
        &["log"],
        &["check", "--as-of", "2026-03-01"],
        &["build", "--as-of", "2026-03-01", "--out", "site-out"],
    ] {
        let out = repo.run(args);
        assert!(out.code <= 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("uncommitted edits to plans are not shown")
                && out.stderr.contains("git update-index --no-split-index"),
            "{args:?}: {}",
            out.stderr
        );
    }
    // Nothing is kept from a run that could not tell: the next one says it again.
    assert!(!repo.path().join(".git/planbook/log-output.bin").exists());
    // Turned off, the edit shows.
    repo.git(&["update-index", "--no-split-index"]);
    let json = log_json(&repo, &[]);
    assert_eq!(json["plans"][0]["revisions"][0]["commit"], "working tree");
}

/// A reader that stops reading (`planbook log --format json | head -c 10`) ends the run
/// quietly, whether the trail is laid out or a kept document copied; a document cut short
/// is never kept.
#[test]
fn log_into_a_closed_pipe_ends_quietly_and_keeps_nothing_cut_short() {
    let repo = TestRepo::with_git();
    // Over the 64 KB that standard output buffers: the closed pipe is met mid-document.
    for i in 0..120 {
        repo.plan(
            &format!("p{i:03}.md"),
            draft().replace("id: alpha", &format!("id: p{i:03}")),
        );
    }
    repo.commit("Add the plans", ANA, "2026-01-05T09:00:00+00:00");
    let kept = repo.path().join(".git/planbook/log-output.bin");
    let into_closed_pipe = || {
        let mut child = common::planbook(repo.path())
            .args(["log", "--format", "json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes before planbook writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Laid out: cut short, so nothing is kept.
    assert_eq!(into_closed_pipe(), (Some(0), String::new()));
    assert!(!kept.exists(), "a document cut short is not kept");
    let leftovers = std::fs::read_dir(repo.path().join(".git/planbook"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".planbook-"))
        .count();
    assert_eq!(leftovers, 0, "no temporary file left behind");
    // Kept by a whole run, then copied into the closed pipe.
    let whole = repo.run(&["log", "--format", "json"]).stdout;
    assert!(whole.len() > 64 * 1024, "{}", whole.len());
    assert!(kept.is_file());
    assert_eq!(into_closed_pipe(), (Some(0), String::new()));
    assert_eq!(repo.run(&["log", "--format", "json"]).stdout, whole);
}

/// A repository that is there but cannot be opened is an error that says what to do, never
/// taken for a folder outside git (where `check` passes without verifying a sign-off).
#[test]
fn a_repository_planbook_cannot_open_is_an_error_not_no_history() {
    for (flag, said) in [
        ("--object-format=sha256", "sha256"),
        ("--ref-format=reftable", "--ref-format=files"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let init = std::process::Command::new("git")
            .args(["init", "-q", flag])
            .current_dir(dir.path())
            .output()
            .unwrap();
        if !init.status.success() {
            eprintln!("this git cannot make a {flag} repository: not tried");
            continue;
        }
        std::fs::write(dir.path().join("people.yaml"), "{}\n").unwrap();
        std::fs::create_dir(dir.path().join("plans")).unwrap();
        std::fs::write(dir.path().join("plans/alpha.md"), valid_plan("alpha")).unwrap();
        for args in [&["check"][..], &["log"], &["diff", "HEAD"], &["build"]] {
            let out = common::run_in(dir.path(), args);
            assert_eq!(out.code, 2, "{flag} {args:?}: {}", out.stderr);
            assert!(
                out.stderr.contains("a format planbook cannot read") && out.stderr.contains(said),
                "{flag} {args:?}: {}",
                out.stderr
            );
        }
    }
    // A repository owned by another user, as a CI container job meets it: git refuses it,
    // and so does planbook, until `safe.directory` names it (only root can give it away).
    let root = std::process::Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        return;
    }
    let repo = story();
    common::run_program(repo.path(), "chown", &["-R", "nobody", "."], &[]);
    let out = repo.run(&["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("owned by another user")
            && out
                .stderr
                .contains("git config --global --add safe.directory"),
        "{}",
        out.stderr
    );
    let path = repo.path().canonicalize().unwrap();
    repo.git(&[
        "config",
        "--file",
        repo.path().join(".gitconfig").to_str().unwrap(),
        "--add",
        "safe.directory",
        path.to_str().unwrap(),
    ]);
    let out = repo.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// `GIT_DIR` and `GIT_WORK_TREE` name the repository and its work tree, as for git: a bare
/// repository with its files checked out elsewhere has the same audit trail as its clone.
#[test]
fn git_dir_and_git_work_tree_are_honoured() {
    let repo = story();
    let expected = log_json(&repo, &[]);
    /// The plans of `log --format json` run in `dir` with `env`, which must succeed.
    fn plans_logged(dir: &std::path::Path, env: &[(&str, &std::path::Path)]) -> Value {
        let out = common::planbook(dir)
            .args(["log", "--format", "json"])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["plans"].clone()
    }
    let outside = tempfile::tempdir().unwrap();
    let bare = outside.path().join("plans.git");
    let tree = outside.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    repo.git(&["clone", "-q", "--bare", ".", bare.to_str().unwrap()]);
    let env = [
        ("GIT_DIR", bare.as_path()),
        ("GIT_WORK_TREE", tree.as_path()),
    ];
    let text_env = [
        ("GIT_DIR", bare.to_str().unwrap()),
        ("GIT_WORK_TREE", tree.to_str().unwrap()),
    ];
    common::run_program(
        &tree,
        "git",
        &["checkout", "-q", "HEAD", "--", "."],
        &text_env,
    );
    assert_eq!(plans_logged(&tree, &env), expected["plans"]);
    // A GIT_DIR that names no repository is an error, not "outside git".
    let out = common::planbook(&tree)
        .args(["check"])
        .env("GIT_DIR", outside.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GIT_DIR"));
    // A checkout whose `.git` is a file naming a git folder elsewhere (`--separate-git-dir`):
    // its work tree is where that file is, run from any folder of it.
    let separate = outside.path().join("separate");
    let folder = outside.path().join("separate.git");
    repo.git(&[
        "clone",
        "-q",
        "--separate-git-dir",
        folder.to_str().unwrap(),
        ".",
        separate.to_str().unwrap(),
    ]);
    for dir in [separate.clone(), separate.join("plans")] {
        assert_eq!(
            plans_logged(&dir, &[]),
            expected["plans"],
            "from {}",
            dir.display()
        );
    }
    // A hook of that checkout runs with GIT_DIR (the git folder) and no GIT_WORK_TREE: the
    // current folder is the top of the work tree, as for git.
    assert_eq!(
        plans_logged(&separate, &[("GIT_DIR", folder.as_path())]),
        expected["plans"],
        "with GIT_DIR alone"
    );
}

/// A sparse checkout leaves plans out of the work tree: they are as committed, not removed,
/// and `check` says which it did not read.
#[test]
fn plans_outside_a_sparse_checkout_are_not_taken_for_removed() {
    let repo = story();
    repo.plan("na/gamma.md", valid_plan("gamma"));
    repo.commit("Add gamma", ANA, "2026-02-01T09:00:00+00:00");
    let outside = tempfile::tempdir().unwrap();
    let clone = outside.path().join("clone");
    repo.git(&["clone", "-q", ".", clone.to_str().unwrap()]);
    let sparse = |args: &[&str]| {
        let mut all = vec!["sparse-checkout"];
        all.extend_from_slice(args);
        common::run_program(&clone, "git", &all, &[]);
    };
    // `diff HEAD` finds nothing removed.
    let nothing_removed = || {
        let diff = common::run_in(&clone, &["diff", "HEAD"]);
        assert_eq!(diff.code, 0, "{}", diff.stderr);
        assert!(diff.stdout.contains("No plan changed"), "{}", diff.stdout);
    };
    sparse(&["set", "--cone", "plans/emea"]);
    assert!(!clone.join("plans/na/gamma.md").exists());
    nothing_removed();
    let check = common::run_in(&clone, &["check", "--as-of", "2026-03-01"]);
    assert!(
        check
            .stderr
            .contains("plans/na/gamma.md is not checked: it is outside the sparse checkout"),
        "{}",
        check.stderr
    );
    // With a sparse index (which libgit2 cannot read), which plans are left out cannot be
    // told: `diff` says so rather than calling them removed.
    sparse(&["set", "--cone", "--sparse-index", "plans/emea"]);
    let diff = common::run_in(&clone, &["diff", "HEAD"]);
    assert_eq!(diff.code, 2, "{}", diff.stdout);
    assert!(
        diff.stderr.contains("git's index cannot be read")
            && diff.stderr.contains("index.sparse false"),
        "{}",
        diff.stderr
    );
    assert!(!diff.stdout.contains("removed"), "{}", diff.stdout);
    sparse(&["set", "--cone", "--no-sparse-index", "plans/emea"]);
    // A sparse checkout that leaves the whole plans folder out: nothing was removed.
    sparse(&["set", "--cone", "docs"]);
    assert!(!clone.join("plans").exists());
    nothing_removed();
    // Brought back in, it is read again.
    sparse(&["disable"]);
    let check = common::run_in(&clone, &["check", "--as-of", "2026-03-01"]);
    assert!(!check.stderr.contains("sparse"), "{}", check.stderr);
}

/// An octopus merge of a pull request gives its number to the commits of every branch it
/// brought in, not only the first.
#[test]
fn an_octopus_merge_credits_every_branch_it_brings_in() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan("beta.md", valid_plan("beta"));
    repo.plan("gamma.md", valid_plan("gamma"));
    repo.commit("Plans", ANA, "2026-01-05T09:00:00+00:00");
    for (branch, plan) in [("b1", "alpha"), ("b2", "beta"), ("b3", "gamma")] {
        repo.git(&["checkout", "-q", "-b", branch, "main"]);
        repo.edit_plan(
            &format!("{plan}.md"),
            "## Recent challenges\n\n",
            "## Recent challenges\n\nA note.\n\n",
        );
        repo.commit(&format!("Edit {plan}"), BEN, "2026-01-06T09:00:00+00:00");
    }
    repo.merge_into_main(
        &["b1", "b2", "b3"],
        "Merge pull request #30 from ana/notes",
        "2026-01-07T09:00:00+00:00",
    );
    let json = log_json(&repo, &[]);
    for plan in json["plans"].as_array().unwrap() {
        let edit = &plan["revisions"][0];
        assert!(
            edit["summary"].as_str().unwrap().starts_with("Edit "),
            "{edit}"
        );
        assert_eq!(edit["pr"], 30, "{}: {edit}", plan["id"]);
    }
}

/// A plans folder reached through a link has its plans' history under the folder the link
/// leads to: planbook says so and what to set, rather than showing no revisions.
#[cfg(unix)]
#[test]
fn a_plans_folder_reached_through_a_link_is_named_for_what_it_is() {
    let repo = TestRepo::bare();
    repo.write("people.yaml", common::PEOPLE);
    repo.write("teams/plans/alpha.md", valid_plan("alpha"));
    std::os::unix::fs::symlink("teams/plans", repo.path().join("plans")).unwrap();
    repo.commit("Plans", ANA, "2026-01-05T09:00:00+00:00");
    let out = repo.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("reached through a link to teams/plans")
            && out.stderr.contains("plans_dir = \"teams/plans\""),
        "{}",
        out.stderr
    );
    repo.write("planbook.toml", "plans_dir = \"teams/plans\"\n");
    let json = log_json(&repo, &[]);
    assert_eq!(json["plans"][0]["revisions"][0]["summary"], "Plans");
}

/// A clone whose objects are gone (it borrowed them from a repository since deleted) is an
/// error that says so, never a history with nothing committed.
#[test]
fn a_clone_whose_objects_are_gone_is_an_error_not_an_empty_history() {
    let repo = story();
    let outside = tempfile::tempdir().unwrap();
    let source = outside.path().join("source");
    let clone = outside.path().join("clone");
    repo.git(&["clone", "-q", ".", source.to_str().unwrap()]);
    repo.git(&[
        "clone",
        "-q",
        "--shared",
        source.to_str().unwrap(),
        clone.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&source).unwrap();
    for args in [
        &["log", "--format", "json"][..],
        &["check", "--as-of", "2026-03-01"],
    ] {
        let out = common::run_in(&clone, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("HEAD's commit cannot be read")
                && out.stderr.contains("alternates"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

/// A plan deleted and later added again at the same path keeps its earlier life in its
/// trail, as `git log -- PATH` shows it.
#[test]
fn a_plan_deleted_and_added_again_keeps_its_earlier_life() {
    let repo = story();
    let before = log_json(&repo, &[]);
    let earlier = before["plans"][0]["revisions"].as_array().unwrap().len();
    let text = repo.read("plans/emea/alpha.md");
    repo.git(&["rm", "-q", "plans/emea/alpha.md"]);
    repo.commit("Remove the plan", ANA, "2026-03-01T09:00:00+00:00");
    repo.plan("emea/alpha.md", &text);
    repo.commit("Bring the plan back", BEN, "2026-03-02T09:00:00+00:00");
    let json = log_json(&repo, &[]);
    let revisions = json["plans"][0]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), earlier + 1, "{revisions:?}");
    assert_eq!(revisions[0]["summary"], "Bring the plan back");
    assert_eq!(
        revisions[1..],
        before["plans"][0]["revisions"].as_array().unwrap()[..]
    );
}

/// A plan a branch moved while main edited it, merged: the merge writes it at the new path
/// with both changes, and its history goes on through the move (it was cut at the merge).
#[test]
fn a_plan_moved_on_a_branch_while_main_edited_it_keeps_its_history() {
    let repo = TestRepo::with_git();
    repo.plan("emea/alpha.md", valid_plan("alpha"));
    repo.commit("Add the plan", ANA, "2026-01-05T09:00:00+00:00");
    repo.git(&["checkout", "-q", "-b", "move"]);
    repo.move_plan(
        "emea/alpha.md",
        "nordics/alpha.md",
        "2026-01-06T09:00:00+00:00",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.edit_plan("emea/alpha.md", "confidence: 6", "confidence: 5");
    repo.commit("Lower confidence", BEN, "2026-01-07T09:00:00+00:00");
    repo.git_as(
        ANA,
        "2026-01-08T09:00:00+00:00",
        &[
            "merge",
            "-q",
            "--no-ff",
            "move",
            "-m",
            "Merge pull request #3 from ana/move",
        ],
    );
    assert!(
        repo.read("plans/nordics/alpha.md")
            .contains("confidence: 5")
    );
    let json = log_json(&repo, &[]);
    let summaries: Vec<&str> = json["plans"][0]["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "Merge pull request #3 from ana/move",
            "Lower confidence",
            "Add the plan"
        ]
    );
}

/// `.git/info/grafts` rewrites the history libgit2 walks: the trail says it is cut, as for a
/// shallow clone, and never takes the grafted history for the real one.
#[test]
fn grafts_are_said_as_a_shallow_history_is() {
    let repo = story();
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.write(".git/info/grafts", &head);
    let out = repo.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["shallow"], true);
    assert!(out.stderr.contains(".git/info/grafts"), "{}", out.stderr);
    std::fs::remove_file(repo.path().join(".git/info/grafts")).unwrap();
    assert_eq!(log_json(&repo, &[])["shallow"], false);
}
