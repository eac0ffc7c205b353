//! Every output format, whole, as a snapshot (`insta`): `check` (human, json, github, sarif,
//! junit), `status` (table, json, csv), `log` (json) and `diff` (markdown, json) on one small
//! repository whose commits have fixed authors and dates, so their hashes are fixed too.
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use crate::common::{TestRepo, valid_plan};

const ANA: &str = "Ana Lima <ana@example.com>";
const BEN: &str = "Ben Ode <ben@example.com>";

/// Two plans: `alpha` sent for review, then signed off by its owner on everyone's behalf
/// (unverified), with its target raised in the working tree; `beta` with a warning and an
/// error. Returns the repository and the first commit.
fn fixture() -> (TestRepo, String) {
    let repo = TestRepo::with_git();
    let approved = valid_plan("alpha");
    let signoffs = approved.find("signoffs:").unwrap();
    let body = approved.find("---\n\n# Nordics").unwrap();
    let in_review = format!("{}{}", &approved[..signoffs], &approved[body..])
        .replace("status: approved", "status: in_review");
    repo.plan("alpha.md", &in_review);
    repo.plan(
        "beta.md",
        valid_plan("beta")
            .replace("target: 500000", "target: 450000")
            .replace("owner: cleo", "owner: cloe"),
    );
    let first = repo.commit("Send alpha for review", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan("alpha.md", &approved);
    repo.commit("Approve alpha", BEN, "2026-01-12T09:00:00+00:00");
    repo.plan(
        "alpha.md",
        approved
            .replace("target: 500000", "target: 550000")
            .replace("expected: 500000", "expected: 550000"),
    );
    (repo, first)
}

/// The commit dates of the fixture; any other date in an output is the time of the run.
const DATES: [&str; 2] = ["2026-01-05T09:00:00+00:00", "2026-01-12T09:00:00+00:00"];

/// The output of `planbook ARGS` with its exit code, as one snapshot text; the date of the
/// working tree's revision (the time of the run) reads `[now]`.
fn output(repo: &TestRepo, args: &[&str]) -> String {
    let out = repo.run(args);
    assert_ne!(out.code, 2, "{}", out.stderr);
    let mut text = format!("exit {}\n", out.code);
    for line in out.stdout.lines() {
        let value = line
            .split_once("\"date\": \"")
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(value, _)| value);
        match value {
            // A timestamp (not a plain date such as a sign-off's) that no commit has.
            Some(value) if value.contains('T') && !DATES.contains(&value) => {
                text.push_str(&line.replace(value, "[now]"));
            }
            _ => text.push_str(line),
        }
        text.push('\n');
    }
    text
}

#[test]
fn check_in_every_format() {
    let (repo, _) = fixture();
    for format in ["human", "json", "github", "sarif", "junit"] {
        let text = output(
            &repo,
            &["check", "--format", format, "--as-of", "2026-03-01"],
        );
        insta::assert_snapshot!(format!("check_{format}"), text);
    }
}

#[test]
fn status_in_every_format() {
    let (repo, _) = fixture();
    for format in ["table", "json", "csv"] {
        let text = output(
            &repo,
            &["status", "--format", format, "--as-of", "2026-03-01"],
        );
        insta::assert_snapshot!(format!("status_{format}"), text);
    }
}

#[test]
fn log_as_json() {
    let (repo, _) = fixture();
    insta::assert_snapshot!("log_json", output(&repo, &["log", "--format", "json"]));
}

#[test]
fn diff_in_every_format() {
    let (repo, first) = fixture();
    for format in ["markdown", "json"] {
        let text = output(&repo, &["diff", &first, "--format", format]);
        insta::assert_snapshot!(format!("diff_{format}"), text);
    }
}
