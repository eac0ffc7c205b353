//! Sign-off evidence on real repositories: forgeries rejected, each kind of evidence accepted
//! exactly when it holds, per-signer staleness, reviews, partial clones, identity changes.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{PEOPLE, TestRepo, valid_plan};
use serde_json::Value;

const ANA: &str = "Ana Lima <ana@example.com>";
const BEN: &str = "Ben Ode <ben@example.com>";
const CLEO: &str = "Cleo Park <cleo@example.com>";
const BOT: &str = "Merge Bot <merge-bot@example.com>";

const BEN_ENTRY: &str = "  - person: ben\n    role: VP Sales\n    date: 2025-12-22\n";
const CLEO_ENTRY: &str = "  - person: cleo\n    role: Peer review\n    date: 2025-12-20\n";

/// The plan in review, without sign-offs.
fn in_review() -> String {
    valid_plan("alpha")
        .replace("status: approved", "status: in_review")
        .replace(BEN_ENTRY, "")
        .replace(CLEO_ENTRY, "")
        .replace("signoffs:\n", "")
}

/// The approved plan with only `entries` as its sign-offs.
fn approved_with(entries: &[&str]) -> String {
    valid_plan("alpha").replace(&format!("{CLEO_ENTRY}{BEN_ENTRY}"), &entries.concat())
}

/// A repository whose plan went to review in a commit of Ana's.
fn base_repo() -> TestRepo {
    let repo = TestRepo::with_git();
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n",
    );
    repo.plan("alpha.md", in_review());
    repo.commit("Send the plan for review", ANA, "2026-01-05T09:00:00+00:00");
    repo
}

/// `check --format json`, as `(exit code, [(rule, message)])`.
fn check(repo: &TestRepo, extra: &[&str]) -> (i32, Vec<(String, String)>) {
    let (code, json) = repo.check_json(extra);
    let found = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, found)
}

/// The messages of the findings of `rule`.
fn messages<'a>(found: &'a [(String, String)], rule: &str) -> Vec<&'a String> {
    found
        .iter()
        .filter(|(r, _)| r == rule)
        .map(|(_, message)| message)
        .collect()
}

fn rules(found: &[(String, String)]) -> Vec<&str> {
    found.iter().map(|(r, _)| r.as_str()).collect()
}

fn log(repo: &TestRepo, extra: &[&str]) -> Value {
    let mut args = vec!["log", "--format", "json"];
    args.extend_from_slice(extra);
    let out = repo.run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

fn signoff<'a>(json: &'a Value, person: &str) -> &'a Value {
    json["plans"][0]["signoffs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["person"] == person)
        .unwrap_or_else(|| panic!("no sign-off by {person}: {json}"))
}

/// An SSH key pair in `dir`: (private key path, public key line).
fn ssh_key(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    common::run_program(
        dir,
        "ssh-keygen",
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            name,
            "-f",
            key.to_str().unwrap(),
        ],
        &[],
    );
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_string())
}

/// `git -c` options that sign a commit with an SSH key.
fn ssh_signing(key: &Path) -> Vec<String> {
    vec![
        "-c".into(),
        "gpg.format=ssh".into(),
        "-c".into(),
        format!("user.signingkey={}", key.display()),
        "-c".into(),
        "commit.gpgsign=true".into(),
    ]
}

fn people_with(extra: &str) -> String {
    PEOPLE.replace(
        "  roles: [leadership]\n  title: VP Sales\n",
        &format!("  roles: [leadership]\n  title: VP Sales\n{extra}"),
    )
}

#[test]
fn a_signers_own_commit_counts_and_a_forged_author_does_not() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    // Ana writes Ben's name on the commit: the author says Ben, the committer is Ana.
    repo.commit_by("Approve", BEN, ANA, "2026-01-06T09:00:00+00:00", &[]);
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules(&found), ["signoff-unverified"], "{found:?}");
    assert!(
        found[0]
            .1
            .contains("committed by Ana Lima <ana@example.com>"),
        "{found:?}"
    );
    assert_eq!(signoff(&log(&repo, &[]), "ben")["evidence"], Value::Null);

    // Ben's own commit: authored and committed by him.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let commit = repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    assert_eq!(check(&repo, &[]), (0, vec![]));
    let json = log(&repo, &[]);
    let ben = signoff(&json, "ben");
    assert_eq!(ben["evidence"], "author");
    assert_eq!(ben["added_in"], commit.as_str());
    assert_eq!(ben["stale"], false);
    let revision = &json["plans"][0]["revisions"][0];
    assert_eq!(revision["committer"]["email"], "ben@example.com");
    assert_eq!(revision["signature"]["status"], "none");
    assert_eq!(json["complete"], true);
}

#[test]
fn trailers_attest_only_with_an_email_and_from_a_trusted_committer() {
    let trailer = "Approve\n\nApproved-by: Ben Ode <b.ode@example.com>";
    for (message, committer, verified) in [
        (trailer, BOT, true),
        (trailer, ANA, false),
        ("Approve\n\nApproved-by: Ben Ode", BOT, false),
        (
            "Approve\n\nApproved-by: Ben Ode <ana@example.com>",
            BOT,
            false,
        ),
    ] {
        let repo = base_repo();
        repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
        repo.commit_by(message, ANA, committer, "2026-01-06T09:00:00+00:00", &[]);
        let (_, found) = check(&repo, &[]);
        let expected: Vec<&str> = if verified {
            vec![]
        } else {
            vec!["signoff-unverified"]
        };
        assert_eq!(
            rules(&found),
            expected,
            "{message} by {committer}: {found:?}"
        );
        if verified {
            assert_eq!(signoff(&log(&repo, &[]), "ben")["evidence"], "attestation");
        }
    }
}

#[test]
fn mailmap_changes_what_is_shown_never_what_is_verified() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", ANA, "2026-01-06T09:00:00+00:00");
    // Uncommitted, then committed: a .mailmap mapping Ana's address to Ben's.
    repo.write(
        ".mailmap",
        "Ben Ode <ben@example.com> Ana Lima <ana@example.com>\n",
    );
    let (_, found) = check(&repo, &[]);
    assert_eq!(rules(&found), ["signoff-unverified"], "{found:?}");
    let json = log(&repo, &[]);
    assert_eq!(
        json["plans"][0]["revisions"][0]["author"]["email"], "ben@example.com",
        "the audit trail shows names after .mailmap"
    );
    assert_eq!(signoff(&json, "ben")["evidence"], Value::Null);
    repo.commit("Add a mailmap", ANA, "2026-01-07T09:00:00+00:00");
    assert_eq!(rules(&check(&repo, &[]).1), ["signoff-unverified"]);
    // Removing it changes nothing either: nothing was cached from it.
    std::fs::remove_file(repo.path().join(".mailmap")).unwrap();
    assert_eq!(rules(&check(&repo, &[]).1), ["signoff-unverified"]);
}

#[test]
fn a_cherry_picked_signoff_onto_a_lowered_target_is_not_the_signers() {
    let repo = base_repo();
    repo.git(&["checkout", "-q", "-b", "ben"]);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let bens = repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.plan(
        "alpha.md",
        in_review().replace("target: 500000", "target: 450000"),
    );
    repo.commit("Lower the target", ANA, "2026-01-07T09:00:00+00:00");
    // Ana replays Ben's commit on top: git keeps Ben as the author.
    repo.git(&["cherry-pick", &bens]);
    assert!(repo.read("plans/alpha.md").contains("target: 450000"));
    assert_eq!(
        repo.git(&["log", "-1", "--format=%ae %ce"]).trim(),
        "ben@example.com ana@example.com"
    );
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&found),
        ["target-vs-expected", "signoff-unverified"],
        "{found:?}"
    );
}

#[test]
fn an_ssh_signature_by_the_signers_key_counts_and_anyone_elses_does_not() {
    let keys = tempfile::tempdir().unwrap();
    let (ben_key, ben_public) = ssh_key(keys.path(), "ben");
    let (ana_key, ana_public) = ssh_key(keys.path(), "ana");
    let repo = base_repo();
    repo.write(
        "people.yaml",
        people_with(&format!("  keys:\n    - {ben_public}\n")).replace(
            "  title: Account Executive\n",
            &format!("  title: Account Executive\n  keys: [\"{ana_public}\"]\n"),
        ),
    );
    repo.commit("Add signing keys", ANA, "2026-01-05T10:00:00+00:00");
    // Ana commits Ben's sign-off, signed with Ben's key (a bot holding the key, say).
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let signing = ssh_signing(&ben_key);
    let signing: Vec<&str> = signing.iter().map(String::as_str).collect();
    let commit = repo.commit_by("Approve", ANA, ANA, "2026-01-06T09:00:00+00:00", &signing);
    assert_eq!(check(&repo, &[]), (0, vec![]));
    let json = log(&repo, &[]);
    let ben = signoff(&json, "ben");
    assert_eq!(ben["evidence"], "signature");
    assert_eq!(ben["added_in"], commit.as_str());
    let signature = &json["plans"][0]["revisions"][0]["signature"];
    assert_eq!(signature["status"], "good", "{signature}");
    assert_eq!(signature["kind"], "ssh");
    assert_eq!(signature["person"], "ben");
    assert!(signature["key"].as_str().unwrap().starts_with("SHA256:"));
    let human = repo.run(&["log"]).stdout;
    assert!(human.contains("signed (key SHA256:"), "{human}");

    // The same sign-off signed with Ana's key is Ana's signature, not Ben's.
    let repo = base_repo();
    repo.write(
        "people.yaml",
        people_with(&format!("  keys:\n    - {ben_public}\n")).replace(
            "  title: Account Executive\n",
            &format!("  title: Account Executive\n  keys: [\"{ana_public}\"]\n"),
        ),
    );
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let signing = ssh_signing(&ana_key);
    let signing: Vec<&str> = signing.iter().map(String::as_str).collect();
    repo.commit_by("Approve", ANA, ANA, "2026-01-06T09:00:00+00:00", &signing);
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules(&found), ["signoff-unverified"], "{found:?}");
    assert!(
        found[0]
            .1
            .contains("it is signed with a key of Ana Lima, not of Ben Ode"),
        "{found:?}"
    );
    let json = log(&repo, &[]);
    let signature = &json["plans"][0]["revisions"][0]["signature"];
    assert_eq!(signature["status"], "good");
    assert_eq!(signature["person"], "ana");

    // A key nobody in people.yaml has.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let signing = ssh_signing(&ben_key);
    let signing: Vec<&str> = signing.iter().map(String::as_str).collect();
    repo.commit_by("Approve", ANA, ANA, "2026-01-06T09:00:00+00:00", &signing);
    let json = log(&repo, &[]);
    assert_eq!(
        json["plans"][0]["revisions"][0]["signature"]["status"],
        "unknown_key"
    );
    let found = check(&repo, &[]).1;
    assert_eq!(rules(&found), ["signoff-unverified"]);
    assert!(
        found[0].1.contains("a key that is nobody's in people.yaml"),
        "{found:?}"
    );
}

#[test]
fn an_openpgp_signature_by_the_signers_key_counts() {
    let home = tempfile::tempdir().unwrap();
    let gnupg = home.path().join("gnupg");
    std::fs::create_dir(&gnupg).unwrap();
    let env = [("GNUPGHOME", gnupg.to_str().unwrap())];
    common::run_program(
        home.path(),
        "gpg",
        &[
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "Ben Ode <ben@example.com>",
            "ed25519",
            "sign",
            "never",
        ],
        &env,
    );
    let armored = common::run_program(
        home.path(),
        "gpg",
        &["--armor", "--export", "ben@example.com"],
        &env,
    );
    // A wrapper so that git finds this keyring.
    let wrapper = home.path().join("gpg-wrapper");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nGNUPGHOME='{}' exec gpg \"$@\"\n",
            gnupg.display()
        ),
    )
    .unwrap();
    common::run_program(
        home.path(),
        "chmod",
        &["+x", wrapper.to_str().unwrap()],
        &[],
    );
    let repo = base_repo();
    repo.write("keys/ben.asc", &armored);
    repo.write("people.yaml", people_with("  keys: [keys/ben.asc]\n"));
    repo.commit("Add Ben's key", ANA, "2026-01-05T10:00:00+00:00");
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let program = format!("gpg.program={}", wrapper.display());
    repo.commit_by(
        "Approve",
        ANA,
        ANA,
        "2026-01-06T09:00:00+00:00",
        &[
            "-c",
            &program,
            "-c",
            "user.signingkey=ben@example.com",
            "-c",
            "commit.gpgsign=true",
        ],
    );
    let _ = Command::new("gpgconf")
        .args(["--kill", "gpg-agent"])
        .env("GNUPGHOME", &gnupg)
        .output();
    assert_eq!(check(&repo, &[]), (0, vec![]));
    let json = log(&repo, &[]);
    assert_eq!(signoff(&json, "ben")["evidence"], "signature");
    let signature = &json["plans"][0]["revisions"][0]["signature"];
    assert_eq!(signature["kind"], "openpgp", "{signature}");
    assert_eq!(signature["status"], "good");
}

#[test]
fn each_covered_field_makes_a_signoff_stale_and_activities_do_not() {
    let edits: [(&str, &str, &str); 7] = [
        ("metrics", "target: 500000", "target: 450000"),
        ("period", "end: 2026-06-30", "end: 2026-09-30"),
        ("currency", "currency: EUR", "currency: USD"),
        ("scope", "territory: Nordics", "territory: Baltics"),
        ("owner", "owner: ana", "owner: cleo"),
        ("investment", "budget: 30000", "budget: 90000"),
        (
            "consequences",
            "on_miss: The territory is split.",
            "on_miss: Employment ends.",
        ),
    ];
    for (field, from, to) in edits {
        let repo = base_repo();
        repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
        repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
        let text = repo.read("plans/alpha.md");
        assert!(text.contains(from), "{from}");
        repo.plan("alpha.md", text.replace(from, to));
        let changed = repo.commit("Edit", ANA, "2026-01-07T09:00:00+00:00");
        let (code, found) = check(&repo, &[]);
        assert_eq!(code, 1, "{field}: {found:?}");
        assert!(
            rules(&found).contains(&"signoff-stale"),
            "{field}: {found:?}"
        );
        let json = log(&repo, &[]);
        let ben = signoff(&json, "ben");
        assert_eq!(ben["stale"], true, "{field}");
        assert_eq!(ben["changed"], serde_json::json!([field]), "{field}");
        assert_eq!(ben["stale_since"], changed.as_str(), "{field}");
    }
    // Activities stay free to change.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.edit_plan("alpha.md", "status: planned", "status: in_progress");
    repo.commit("Progress", ANA, "2026-01-07T09:00:00+00:00");
    assert_eq!(check(&repo, &[]), (0, vec![]));
    // `covers` narrows what a sign-off covers.
    let repo = base_repo();
    repo.write("planbook.toml", "[signoff]\ncovers = [\"metrics\"]\n");
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.edit_plan("alpha.md", "currency: EUR", "currency: USD");
    repo.commit("Edit", ANA, "2026-01-07T09:00:00+00:00");
    assert_eq!(check(&repo, &[]), (0, vec![]));
}

#[test]
fn a_peer_resigning_does_not_refresh_leaderships_stale_signoff() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Leadership approves", BEN, "2026-01-06T09:00:00+00:00");
    repo.edit_plan("alpha.md", "target: 500000", "target: 450000");
    repo.commit("Lower the target", ANA, "2026-01-07T09:00:00+00:00");
    let text = repo.read("plans/alpha.md");
    repo.plan(
        "alpha.md",
        text.replace(BEN_ENTRY, &format!("{CLEO_ENTRY}{BEN_ENTRY}")),
    );
    repo.commit("Peer review", CLEO, "2026-01-08T09:00:00+00:00");
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    let found_rules = rules(&found);
    assert!(found_rules.contains(&"signoff-stale"), "{found:?}");
    assert!(found_rules.contains(&"signoff-required"), "{found:?}");
    let stale = &found.iter().find(|(r, _)| r == "signoff-stale").unwrap().1;
    assert!(
        stale.contains("`ben` (Ben Ode) is stale: metrics changed"),
        "{stale}"
    );
    let required = &found
        .iter()
        .find(|(r, _)| r == "signoff-required")
        .unwrap()
        .1;
    assert!(
        required.contains("`leadership` role that is not stale"),
        "{required}"
    );
    let json = log(&repo, &[]);
    assert_eq!(signoff(&json, "cleo")["stale"], false);
    assert_eq!(signoff(&json, "cleo")["evidence"], "author");
    assert_eq!(signoff(&json, "ben")["stale"], true);
}

#[test]
fn a_merge_from_a_branch_with_older_dates_is_still_compared_by_content() {
    let repo = base_repo();
    repo.git(&["checkout", "-q", "-b", "approval"]);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-20T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    // On main, backdated before the approval, the target is lowered.
    repo.plan(
        "alpha.md",
        in_review().replace("target: 500000", "target: 450000"),
    );
    repo.commit("Lower the target", ANA, "2026-01-10T09:00:00+00:00");
    repo.git(&["merge", "--no-edit", "approval"]);
    let text = repo.read("plans/alpha.md");
    assert!(
        text.contains("target: 450000") && text.contains("person: ben"),
        "{text}"
    );
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    assert!(rules(&found).contains(&"signoff-stale"), "{found:?}");
    let json = log(&repo, &[]);
    let ben = signoff(&json, "ben");
    assert_eq!(
        ben["evidence"], "author",
        "added by Ben's commit on the branch: {ben}"
    );
    assert_eq!(ben["stale"], true);
}

#[test]
fn reviews_count_on_the_head_commit_and_not_after_dismissal() {
    let repo = base_repo();
    repo.write("people.yaml", people_with("  github: ben-ode\n"));
    repo.commit("Add Ben's login", ANA, "2026-01-05T10:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["checkout", "-q", "-b", "approve"]);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let head = repo.commit("Approve (#12)", ANA, "2026-01-06T09:00:00+00:00");
    let review = |state: &str, commit: &str, at: &str| {
        format!(
            r#"{{"user": {{"login": "ben-ode"}}, "state": "{state}", "commit_id": "{commit}", "submitted_at": "{at}"}}"#
        )
    };
    let reviews = repo.path().join("reviews.json");
    let with = |list: &[String]| {
        std::fs::write(&reviews, format!("[{}]", list.join(","))).unwrap();
        let path = reviews.to_str().unwrap().to_string();
        check(&repo, &["--base", &base, "--reviews", &path])
    };
    assert_eq!(
        rules(&check(&repo, &["--base", &base]).1),
        ["signoff-unverified"]
    );
    assert_eq!(
        with(&[review("APPROVED", &head, "2026-01-06T10:00:00Z")]),
        (0, vec![])
    );
    // A comment afterwards changes nothing; a dismissal does.
    assert_eq!(
        with(&[
            review("APPROVED", &head, "2026-01-06T10:00:00Z"),
            review("COMMENTED", &head, "2026-01-06T11:00:00Z"),
        ]),
        (0, vec![])
    );
    assert_eq!(
        rules(&with(&[review("DISMISSED", &head, "2026-01-06T10:00:00Z")]).1),
        ["signoff-unverified"]
    );
    // An approval of an earlier commit of the pull request does not cover its head.
    assert_eq!(
        rules(&with(&[review("APPROVED", &base, "2026-01-06T10:00:00Z")]).1),
        ["signoff-unverified"]
    );
    // Someone else's approval is not Ben's.
    let other = review("APPROVED", &head, "2026-01-06T10:00:00Z").replace("ben-ode", "ana-lima");
    assert_eq!(rules(&with(&[other]).1), ["signoff-unverified"]);

    // A folder of reviews by pull request, for log and build.
    let folder = repo.path().join("reviews");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("12.json"),
        format!("[{}]", review("APPROVED", &head, "2026-01-06T10:00:00Z")),
    )
    .unwrap();
    let json = log(&repo, &["--reviews", folder.to_str().unwrap()]);
    assert_eq!(signoff(&json, "ben")["evidence"], "review");
    let out = repo.run(&["build", "--reviews", folder.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = repo.read("site/plans/alpha/index.html");
    assert!(page.contains("approved in review of #12"), "{page}");
    // A single file needs the change it applies to.
    let out = repo.run(&["log", "--reviews", reviews.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // A file that is not a list of reviews is a clear error.
    std::fs::write(&reviews, "{\"message\": \"Not Found\"}").unwrap();
    let out = repo.run(&[
        "check",
        "--base",
        &base,
        "--reviews",
        reviews.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("reviews.json:1:1"), "{}", out.stderr);
}

#[test]
fn accept_limits_the_evidence_that_counts() {
    let repo = base_repo();
    repo.write(
        "planbook.toml",
        "[signoff]\naccept = [\"signature\", \"review\"]\n",
    );
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules(&found), ["signoff-unverified"]);
    assert!(
        found[0]
            .1
            .contains("it has author evidence, which [signoff] accept does not list"),
        "{found:?}"
    );
    // log reports the strongest evidence found whatever the policy.
    assert_eq!(signoff(&log(&repo, &[]), "ben")["evidence"], "author");
}

#[test]
fn identity_changes_are_reported_and_verified_against_the_base() {
    let repo = base_repo();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    // The owner adds her own address to Ben's entry and signs off as Ben.
    repo.write(
        "people.yaml",
        PEOPLE.replace(
            "email: [ben@example.com, b.ode@example.com]",
            "email: [ben@example.com, b.ode@example.com, ana.private@example.com]",
        ),
    );
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit(
        "Approve",
        "Ana Lima <ana.private@example.com>",
        "2026-01-06T09:00:00+00:00",
    );
    let (code, json) = repo.check_json(&["--base", &base]);
    assert_eq!(code, 1);
    let found: Vec<(&str, &str, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap(),
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&("identity-change", "people.yaml", 6)),
        "{found:?}"
    );
    assert!(
        found.contains(&(
            "signoff-unverified",
            "plans/alpha.md",
            common::line_of(&repo.read("plans/alpha.md"), "person: ben")
        )),
        "{found:?}"
    );
    // Without --base the new address is trusted (that is what the base is for).
    assert!(!rules(&check(&repo, &[]).1).contains(&"identity-change"));
    // A change to the policy is an identity change too.
    repo.write("planbook.toml", "[signoff]\nmin = 0\nrequired_roles = []\n");
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(
        found
            .iter()
            .any(|(r, m)| r == "identity-change" && m.contains("[signoff] policy")),
        "{found:?}"
    );
    // diff shows identity changes first.
    let out = repo.run(&["diff", &base]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let identity = out.stdout.find("Identities and sign-off policy").unwrap();
    let plans = out.stdout.find("### Nordics").unwrap();
    assert!(identity < plans, "{}", out.stdout);
    let out = repo.run(&["diff", &base, "--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["identity"].as_array().unwrap().len(), 2, "{json}");
    assert_eq!(json["plans"][0]["signoffs"]["added"][0]["person"], "ben");
}

#[test]
fn a_moved_plan_keeps_its_status_history() {
    let repo = base_repo();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    std::fs::create_dir_all(repo.path().join("plans/emea")).unwrap();
    repo.git(&["mv", "plans/alpha.md", "plans/emea/alpha.md"]);
    repo.plan(
        "emea/alpha.md",
        in_review().replace("status: in_review", "status: active"),
    );
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(
        rules(&found).contains(&"status-transition"),
        "uncommitted move: {found:?}"
    );
    repo.commit("Move and activate", ANA, "2026-01-06T09:00:00+00:00");
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(
        rules(&found).contains(&"status-transition"),
        "committed move: {found:?}"
    );
}

#[test]
fn a_partial_clone_is_refused_not_read_as_empty() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.edit_plan("alpha.md", "status: planned", "status: in_progress");
    repo.commit("Progress", ANA, "2026-01-07T09:00:00+00:00");
    repo.git(&["config", "uploadpack.allowFilter", "true"]);
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let target = clone.path().join("c");
    common::run_program(
        clone.path(),
        "git",
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            &url,
            target.to_str().unwrap(),
        ],
        &[
            ("GIT_CONFIG_NOSYSTEM", "1"),
            ("HOME", clone.path().to_str().unwrap()),
        ],
    );
    let out = common::run_in(
        &target,
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let first = &json["diagnostics"][0];
    assert_eq!(first["rule"], "signoff-unverified", "{json}");
    assert!(
        first["message"].as_str().unwrap().contains("partial clone"),
        "{json}"
    );
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .contains("git fetch --refetch"),
        "{json}"
    );
    assert!(out.stderr.contains("partial clone"), "{}", out.stderr);
    let out = common::run_in(&target, &["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["complete"], false);
    // No revision claims that it added every field because the one before is missing.
    for revision in json["plans"][0]["revisions"].as_array().unwrap() {
        let changes = revision["changes"].as_array().unwrap();
        assert!(!changes.iter().any(|c| c["field"] == "id"), "{revision}");
    }
}

#[test]
fn a_change_may_take_the_lifecycle_one_step_per_commit() {
    let repo = TestRepo::with_git();
    repo.plan(
        "alpha.md",
        in_review().replace("status: in_review", "status: draft"),
    );
    repo.commit("Draft", ANA, "2026-01-04T09:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.plan("alpha.md", in_review());
    repo.commit("Send for review", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(!rules(&found).contains(&"status-transition"), "{found:?}");
    // Skipping review in one commit is still refused.
    let repo = TestRepo::with_git();
    repo.plan(
        "alpha.md",
        in_review().replace("status: in_review", "status: draft"),
    );
    repo.commit("Draft", ANA, "2026-01-04T09:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(rules(&found).contains(&"status-transition"), "{found:?}");
    // An active plan may go back to review to be amended.
    let repo = base_repo();
    repo.plan(
        "alpha.md",
        approved_with(&[BEN_ENTRY]).replace("status: approved", "status: active"),
    );
    repo.commit("Activate", BEN, "2026-01-06T09:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.edit_plan("alpha.md", "status: active", "status: in_review");
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(!rules(&found).contains(&"status-transition"), "{found:?}");
}

#[test]
fn a_merge_that_keeps_one_sides_version_is_judged_by_what_head_holds() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.edit_plan("alpha.md", "target: 500000", "target: 450000");
    repo.commit("Lower the target", ANA, "2026-01-07T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.edit_plan(
        "alpha.md",
        "## Recent challenges\n\n",
        "## Recent challenges\n\nA note.\n\n",
    );
    repo.commit("A note", CLEO, "2026-01-09T09:00:00+00:00");
    // The merge takes the pull request's version of the plan whole.
    repo.git_as(
        ANA,
        "2026-01-10T09:00:00+00:00",
        &[
            "merge", "-q", "--no-ff", "-s", "ours", "pr", "-m", "Merge pr",
        ],
    );
    repo.git(&["checkout", "pr", "--", "plans/alpha.md"]);
    repo.git_as(
        ANA,
        "2026-01-10T09:00:00+00:00",
        &["commit", "-q", "--amend", "--no-edit", "-a"],
    );
    assert!(repo.read("plans/alpha.md").contains("target: 450000"));
    let (_, found) = check(&repo, &[]);
    assert!(rules(&found).contains(&"signoff-stale"), "{found:?}");
}

#[test]
fn a_copy_of_an_old_signed_version_is_credited_to_whoever_copied_it() {
    let repo = base_repo();
    let start = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Ben signs", BEN, "2026-01-10T09:00:00+00:00");
    let signed = repo.read("plans/alpha.md");
    repo.plan("alpha.md", in_review());
    repo.commit(
        "Ben withdraws his sign-off",
        BEN,
        "2026-01-12T09:00:00+00:00",
    );
    // Checked here, the history is cached: after the merge the walk is extended, and its
    // commit graph with it.
    check(&repo, &[]);
    // Ana branches from before the sign-off, commits Ben's signed file byte for byte
    // (backdated), then a harmless edit, and merges.
    repo.git(&["checkout", "-q", "-b", "side", &start]);
    repo.plan("alpha.md", &signed);
    repo.commit("Draft", ANA, "2026-01-05T09:00:00+00:00");
    repo.plan(
        "alpha.md",
        signed.replace(
            "## Recent challenges\n\n",
            "## Recent challenges\n\nA note.\n\n",
        ),
    );
    repo.commit("A note", ANA, "2026-01-13T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    let merged = Command::new("git")
        .args(["merge", "-q", "--no-ff", "side", "-m", "Merge side"])
        .current_dir(repo.path())
        .env("HOME", repo.path())
        .output()
        .unwrap();
    if !merged.status.success() {
        repo.git(&["checkout", "side", "--", "plans/alpha.md"]);
        repo.commit("Merge side", ANA, "2026-01-14T09:00:00+00:00");
    }
    assert!(repo.read("plans/alpha.md").contains("person: ben"));
    let (_, found) = check(&repo, &[]);
    assert!(rules(&found).contains(&"signoff-unverified"), "{found:?}");
    let extended = log(&repo, &[]);
    std::fs::remove_dir_all(repo.path().join(".git/planbook")).unwrap();
    assert_eq!(check(&repo, &[]).1, found, "as with nothing cached");
    assert_eq!(log(&repo, &[]), extended, "as with nothing cached");
}

#[test]
fn a_change_cannot_turn_its_own_guards_off() {
    let repo = base_repo();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n\n[rules]\nsignoff-unverified = \"off\"\nidentity-change = \"off\"\n",
    );
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", ANA, "2026-01-06T09:00:00+00:00");
    let (code, found) = check(&repo, &["--base", &base]);
    assert_eq!(code, 1);
    let found = rules(&found);
    assert!(found.contains(&"signoff-unverified"), "{found:?}");
    assert!(found.contains(&"identity-change"), "{found:?}");
}

#[test]
fn only_githubs_merge_of_the_base_vouches_for_its_second_parent() {
    let repo = base_repo();
    repo.write("people.yaml", people_with("  github: ben-ode\n"));
    repo.commit("Add Ben's login", ANA, "2026-01-05T10:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.git(&["checkout", "-q", "-b", "approve"]);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let approved = repo.commit("Approve (#12)", ANA, "2026-01-06T09:00:00+00:00");
    let reviews = repo.path().join("reviews.json");
    std::fs::write(
        &reviews,
        format!(r#"[{{"user": {{"login": "ben-ode"}}, "state": "APPROVED", "commit_id": "{approved}"}}]"#),
    )
    .unwrap();
    // After the approval, the target is lowered and the sign-off re-dated.
    repo.plan(
        "alpha.md",
        repo.read("plans/alpha.md")
            .replace("target: 500000", "target: 450000")
            .replace("date: 2025-12-22", "date: 2026-01-07"),
    );
    let lowered = repo.commit("Lower", ANA, "2026-01-07T09:00:00+00:00");
    // A crafted merge whose second parent is the approved commit.
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]).trim().to_string();
    let crafted = repo
        .git(&[
            "commit-tree",
            &tree,
            "-p",
            &lowered,
            "-p",
            &approved,
            "-m",
            "Merge",
        ])
        .trim()
        .to_string();
    repo.git(&["reset", "-q", "--hard", &crafted]);
    let path = reviews.to_str().unwrap();
    let (_, found) = check(&repo, &["--base", &base, "--reviews", path]);
    assert!(rules(&found).contains(&"signoff-unverified"), "{found:?}");
}

#[test]
fn files_hidden_from_git_status_are_still_compared() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["update-index", "--skip-worktree", "plans/alpha.md"]);
    repo.edit_plan("alpha.md", "target: 500000", "target: 450000");
    let (_, found) = check(&repo, &[]);
    assert!(rules(&found).contains(&"signoff-stale"), "{found:?}");
}

#[test]
fn a_trusted_committer_with_keys_must_sign_its_attestations() {
    let keys = tempfile::tempdir().unwrap();
    let (bot_key, bot_public) = ssh_key(keys.path(), "bot");
    let people = format!(
        "{PEOPLE}bot:\n  name: Merge Bot\n  email: merge-bot@example.com\n  roles: [automation]\n  keys: [\"{bot_public}\"]\n"
    );
    let trailer = "Approve\n\nApproved-by: Ben Ode <ben@example.com>";
    // Unsigned: anyone can claim the bot's address.
    let repo = base_repo();
    repo.write("people.yaml", &people);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit_by(trailer, ANA, BOT, "2026-01-06T09:00:00+00:00", &[]);
    assert_eq!(rules(&check(&repo, &[]).1), ["signoff-unverified"]);
    // Signed with the bot's key: the attestation holds.
    let repo = base_repo();
    repo.write("people.yaml", &people);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let signing = ssh_signing(&bot_key);
    let signing: Vec<&str> = signing.iter().map(String::as_str).collect();
    repo.commit_by(trailer, ANA, BOT, "2026-01-06T09:00:00+00:00", &signing);
    assert_eq!(check(&repo, &[]), (0, vec![]));
    assert_eq!(signoff(&log(&repo, &[]), "ben")["evidence"], "attestation");
}

#[test]
fn a_later_change_does_not_judge_sign_offs_it_did_not_add() {
    // Ben's sign-off rests on a review of an earlier pull request; a later change to another
    // plan is checked with its own reviews only.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve (#12)", ANA, "2026-01-06T09:00:00+00:00");
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.plan("beta.md", in_review().replace("id: alpha", "id: beta"));
    repo.commit("Another plan", ANA, "2026-01-07T09:00:00+00:00");
    let (_, found) = check(&repo, &["--base", &base]);
    assert!(!rules(&found).contains(&"signoff-unverified"), "{found:?}");
    // Without a base, every sign-off is judged.
    assert!(rules(&check(&repo, &[]).1).contains(&"signoff-unverified"));
}

#[test]
fn a_change_cannot_hide_a_plan_by_lowering_schema() {
    let repo = base_repo();
    let base = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n\n[rules]\nschema = \"warning\"\n",
    );
    repo.plan(
        "alpha.md",
        approved_with(&[BEN_ENTRY]).replace("title: Nordics mid-market recovery", "title: [x]"),
    );
    repo.commit("Approve", ANA, "2026-01-06T09:00:00+00:00");
    let (code, found) = check(&repo, &["--base", &base]);
    assert_eq!(code, 1, "{found:?}");
    let found = rules(&found);
    assert!(
        found.contains(&"identity-change") && found.contains(&"schema"),
        "{found:?}"
    );
    // -C with a relative --config still reads the base's version of that file.
    let parent = repo.path().parent().unwrap();
    let name = repo.path().file_name().unwrap().to_str().unwrap();
    let out = common::run_in(
        parent,
        &[
            "-C",
            name,
            "--config",
            "planbook.toml",
            "check",
            "--format",
            "json",
            "--base",
            &base,
        ],
    );
    assert!(
        out.stdout.contains("identity-change"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn a_waiver_added_after_a_signoff_makes_it_stale_even_when_covers_leaves_it_out() {
    let waiver = "waivers:\n  - rule: target-vs-expected\n    reason: Agreed with Ben after the territory lost two accounts.\n    by: ben\nsignoffs:\n";
    for config in [
        "",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\ncovers = [\"metrics\"]\n",
    ] {
        let repo = base_repo();
        if !config.is_empty() {
            repo.write("planbook.toml", config);
        }
        repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
        repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
        repo.plan(
            "alpha.md",
            repo.read("plans/alpha.md")
                .replacen("signoffs:\n", waiver, 1),
        );
        let changed = repo.commit("Waive a warning", ANA, "2026-01-07T09:00:00+00:00");
        let (code, found) = check(&repo, &[]);
        assert_eq!(code, 1, "{config}: {found:?}");
        assert!(rules(&found).contains(&"signoff-stale"), "{found:?}");
        let json = log(&repo, &[]);
        let ben = signoff(&json, "ben");
        assert_eq!(ben["changed"], serde_json::json!(["waivers"]));
        assert_eq!(ben["stale_since"], changed.as_str());
    }
}

#[test]
fn the_human_report_shows_the_line_of_a_finding_only_the_history_makes() {
    // The plan's own rules find nothing, so its text is not kept after them: the report
    // reads the line again to show it.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.edit_plan("alpha.md", "currency: EUR", "currency: USD");
    repo.commit("Edit", ANA, "2026-01-07T09:00:00+00:00");
    let out = repo.run(&["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = repo
        .read("plans/alpha.md")
        .lines()
        .find(|l| l.contains("person: ben"))
        .unwrap()
        .to_string();
    assert!(out.stdout.contains("signoff-stale"), "{}", out.stdout);
    assert!(out.stdout.contains(line.trim()), "{}", out.stdout);
}

/// `log --format json` says whether its trail is complete before it writes the plans: an
/// object lost or damaged since the history was cached, needed again for an uncommitted edit,
/// makes it incomplete as reading it would.
#[test]
fn a_blob_lost_since_the_cache_makes_the_trail_incomplete() {
    for damage in ["removed", "damaged"] {
        let repo = base_repo();
        repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
        repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
        repo.edit_plan("alpha.md", "status: planned", "status: in_progress");
        repo.commit("Progress", ANA, "2026-01-07T09:00:00+00:00");
        assert_eq!(log(&repo, &[])["complete"], true);
        // Cached now; the plan is edited and the committed blob it starts from is lost.
        repo.edit_plan("alpha.md", "status: in_progress", "status: at_risk");
        let object = repo.loose_object("HEAD:plans/alpha.md");
        if damage == "removed" {
            std::fs::remove_file(&object).unwrap();
        } else {
            let mut perms = std::fs::metadata(&object).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&object, perms).unwrap();
            std::fs::write(&object, b"not a zlib stream").unwrap();
        }
        let out = repo.run(&["log", "--format", "json"]);
        assert_eq!(out.code, 0, "{damage}: {}", out.stderr);
        let json: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(json["complete"], false, "{damage}: {json}");
        assert!(out.stderr.contains("objects are missing"), "{}", out.stderr);
        assert_eq!(json["plans"][0]["revisions"][0]["commit"], "working tree");
    }
}

/// `log --format json` run again copies the document it kept, until anything the document
/// depends on changes: after each change below, what is shown is what a run with nothing kept
/// shows, and each change shows something new (so a document kept too long is caught).
#[test]
fn a_kept_log_document_serves_only_while_nothing_it_depends_on_changes() {
    let keys = tempfile::tempdir().unwrap();
    let (ben_key, ben_public) = ssh_key(keys.path(), "ben");
    let (_, ana_public) = ssh_key(keys.path(), "ana");
    let repo = base_repo();
    repo.write("keys/ben.pub", &ben_public);
    repo.write("people.yaml", people_with("  keys: [keys/ben.pub]\n"));
    repo.commit("Add Ben's key", ANA, "2026-01-05T10:00:00+00:00");
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let signing = ssh_signing(&ben_key);
    let signing: Vec<&str> = signing.iter().map(String::as_str).collect();
    repo.commit_by("Approve", ANA, ANA, "2026-01-06T09:00:00+00:00", &signing);
    let kept = repo.path().join(".git/planbook/log-output.bin");
    let run = |args: &[&str]| {
        let mut all = vec!["log", "--format", "json"];
        all.extend_from_slice(args);
        let out = repo.run(&all);
        assert_eq!(out.code, 0, "{}", out.stderr);
        (out.stdout, out.stderr)
    };
    // What is shown with the kept document there, then with it removed: the same. Returns
    // the document shown.
    let agree = |what: &str, args: &[&str]| -> Value {
        let served = run(args);
        let _ = std::fs::remove_file(&kept);
        assert_eq!(served, run(args), "{what}");
        serde_json::from_str(&served.0).unwrap()
    };
    let signature = |json: &Value| json["plans"][0]["revisions"][0]["signature"]["status"].clone();

    let json = agree("the first run", &[]);
    assert!(kept.is_file(), "the document is kept");
    assert_eq!(signature(&json), "good");
    assert_eq!(
        run(&[]).0,
        serde_json::to_string_pretty(&json).unwrap() + "\n"
    );
    // What is kept is what is shown: the copy is the kept file's (trusted as planbook wrote
    // it, like every cache in `.git/planbook`).
    let bytes = std::fs::read(&kept).unwrap();
    let at = bytes
        .windows(6)
        .position(|w| w == b"\"good\"")
        .expect("the kept document names the good signature");
    let mut altered = bytes.clone();
    altered[at + 1] = b'G';
    std::fs::write(&kept, &altered).unwrap();
    assert!(
        run(&[]).0.contains("\"Good\""),
        "the kept document is copied"
    );
    std::fs::write(&kept, &bytes).unwrap();

    // The key file people.yaml names now holds another key (nothing committed).
    repo.write("keys/ben.pub", &ana_public);
    let json = agree("another key in the key file", &[]);
    assert_eq!(signature(&json), "unknown_key");
    // people.yaml itself: Ben's key given in place.
    repo.write(
        "people.yaml",
        people_with(&format!("  keys: [\"{ben_public}\"]\n")),
    );
    let json = agree("people.yaml", &[]);
    assert_eq!(signature(&json), "good");
    // How .mailmap shows the author.
    repo.write(".mailmap", "Ana L. Lima <ana@example.com>\n");
    let json = agree(".mailmap", &[]);
    assert_eq!(
        json["plans"][0]["revisions"][0]["author"]["name"],
        "Ana L. Lima"
    );
    // A mailmap file the git configuration names, relative to the top of the work tree, with
    // planbook run from a subfolder.
    std::fs::remove_file(repo.path().join(".mailmap")).unwrap();
    repo.git(&["config", "mailmap.file", "people.mailmap"]);
    let from_plans = |what: &str| -> Value {
        let run = || common::run_in(&repo.path().join("plans"), &["log", "--format", "json"]);
        let served = run();
        let _ = std::fs::remove_file(&kept);
        assert_eq!(served.stdout, run().stdout, "{what}");
        serde_json::from_str(&served.stdout).unwrap()
    };
    for name in ["Ana M. Lima", "Ana Q. Lima"] {
        repo.write("people.mailmap", format!("{name} <ana@example.com>\n"));
        let json = from_plans(name);
        assert_eq!(json["plans"][0]["revisions"][0]["author"]["name"], name);
    }
    // An uncommitted edit: a `working tree` revision, dated now, never kept.
    repo.edit_plan("alpha.md", "target: 500000", "target: 450000");
    let _ = std::fs::remove_file(&kept);
    let json: Value = serde_json::from_str(&run(&[]).0).unwrap();
    assert_eq!(json["plans"][0]["revisions"][0]["commit"], "working tree");
    assert!(!kept.exists(), "a working-tree revision is not kept");
    // A new commit.
    repo.commit("Lower the target", ANA, "2026-01-07T09:00:00+00:00");
    let json = agree("a new commit", &[]);
    assert_eq!(
        json["plans"][0]["revisions"][0]["summary"],
        "Lower the target"
    );
    assert_eq!(signoff(&json, "ben")["stale"], true);
    // The configuration: the target is no longer covered.
    repo.write(
        "planbook.toml",
        "[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\ncovers = [\"status\"]\n",
    );
    let json = agree("planbook.toml", &[]);
    assert_eq!(signoff(&json, "ben")["stale"], false);
    // The plans asked for.
    repo.plan("beta.md", valid_plan("beta"));
    repo.commit("Add beta", BEN, "2026-01-08T09:00:00+00:00");
    assert_eq!(
        agree("every plan", &[])["plans"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        agree("one plan", &["beta"])["plans"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        agree("every plan again", &[])["plans"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // One plan edited and not committed: the trail of another is still kept.
    repo.edit_plan("alpha.md", "title:", "title: Edited");
    agree("beside an edited plan", &["beta"]);
    run(&["beta"]);
    assert!(kept.is_file(), "the other plan's trail is kept");
    repo.git(&["checkout", "--", "plans/alpha.md"]);
    // An object deleted from the store (and the history cache, which needs it no more): the
    // trail is incomplete, and says so.
    std::fs::remove_file(repo.loose_object("HEAD~1:plans/alpha.md")).unwrap();
    std::fs::remove_file(repo.path().join(".git/planbook/history-cache.bin")).unwrap();
    let json = agree("a deleted object", &[]);
    assert_eq!(json["complete"], false);
    let (_, warned) = run(&[]);
    assert!(
        warned.contains("objects are missing"),
        "warned again: {warned}"
    );

    // Damaged, cut or foreign documents are not copied, and are replaced.
    let whole = std::fs::read(&kept).unwrap();
    for damage in [
        &b"garbage"[..],
        b"",
        &whole[..100],
        &whole[..whole.len() - 1],
    ] {
        std::fs::write(&kept, damage).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&run(&[]).0).unwrap(), json);
        assert_eq!(std::fs::read(&kept).unwrap(), whole);
    }
    // A pipe in its place is not opened (opening it would wait for a writer).
    #[cfg(unix)]
    common::pipe_in_place_is_not_opened(repo.path(), &kept, &["log", "--format", "json"]);
    // Filtered documents and runs in CI keep nothing.
    std::fs::remove_file(&kept).unwrap();
    let since = run(&["--since", "2026-01-07"]);
    assert!(since.0.contains("Add beta") && !since.0.contains("Send the plan"));
    let out = common::planbook(repo.path())
        .args(["log", "--format", "json"])
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), json);
    assert!(!kept.exists(), "nothing kept for --since or in CI");
}

/// A sign-off withdrawn on the main line and brought back through a branch that merged the
/// withdrawal away (`git merge -s ours`) is not the signer's: the merge that brought it back
/// added it, and nothing vouches for that, with or without `--base`. A branch's own sign-off
/// merged in is still credited to the branch.
#[test]
fn a_withdrawn_signoff_brought_back_by_a_merge_is_not_the_signers() {
    // With and without a commit of the branch's own after the signing: either way the merge
    // that discards the withdrawal keeps the branch's version.
    // Also with an edit on main before the merge, so that the merge combines the two
    // versions (a revision of its own, with a parent that still carries the entry).
    for (own_commit, main_edit) in [(false, false), (true, false), (true, true)] {
        let repo = base_repo();
        repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
        let signed = repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
        repo.git(&["branch", "old"]);
        repo.plan("alpha.md", in_review());
        let withdrawn = repo.commit("Withdraw my approval", BEN, "2026-01-07T09:00:00+00:00");
        repo.git(&["tag", "base"]);
        repo.git(&["checkout", "-q", "old"]);
        if own_commit {
            repo.edit_plan(
                "alpha.md",
                "## Recent challenges\n\n",
                "## Recent challenges\n\nA typo fixed.\n\n",
            );
            repo.commit("Fix a typo", ANA, "2026-01-07T10:00:00+00:00");
        }
        repo.git_as(
            ANA,
            "2026-01-08T09:00:00+00:00",
            &["merge", "-q", "-s", "ours", "main", "-m", "Merge main"],
        );
        repo.git(&["checkout", "-q", "main"]);
        if main_edit {
            repo.edit_plan("alpha.md", "confidence: 6", "confidence: 5");
            repo.commit("Lower confidence", ANA, "2026-01-08T10:00:00+00:00");
            repo.git(&["tag", "-f", "base"]);
        }
        repo.git_as(
            ANA,
            "2026-01-09T09:00:00+00:00",
            &[
                "merge",
                "-q",
                "--no-ff",
                "old",
                "-m",
                "Merge pull request #5 from ana/old",
            ],
        );
        assert!(repo.read("plans/alpha.md").contains("person: ben"));
        let ben = signoff(&log(&repo, &[]), "ben").clone();
        assert_eq!(ben["added_in"], signed.as_str(), "{ben}");
        assert_eq!(ben["evidence"], Value::Null, "{own_commit}: {ben}");
        for extra in [&[][..], &["--base", "base"]] {
            let (code, found) = check(&repo, extra);
            assert_eq!(code, 1, "{own_commit} {extra:?}");
            let unverified = messages(&found, "signoff-unverified");
            assert_eq!(unverified.len(), 1, "{own_commit} {extra:?}: {found:?}");
            let said = if extra.is_empty() {
                format!("was withdrawn in commit {}", &withdrawn[..10])
            } else {
                "is not in the plan at the base, and no commit of this change added it".to_string()
            };
            assert!(unverified[0].contains(&said), "{unverified:?}");
        }
        // Checked on the branch itself against main, as a developer would before opening the
        // pull request: main no longer carries the sign-off, and nothing in the change adds it.
        repo.git(&["checkout", "-q", "old"]);
        let (code, found) = check(&repo, &["--base", "base"]);
        assert_eq!(code, 1, "{own_commit}: {found:?}");
        assert!(rules(&found).contains(&"signoff-unverified"), "{found:?}");
    }

    // A branch that dropped the sign-off and put it back itself, merged: nothing was
    // withdrawn on the main line.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["checkout", "-q", "-b", "tidy"]);
    repo.plan("alpha.md", in_review());
    repo.commit("Drop it by mistake", ANA, "2026-01-07T09:00:00+00:00");
    repo.git_as(
        ANA,
        "2026-01-07T10:00:00+00:00",
        &["revert", "--no-edit", "HEAD"],
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.edit_plan(
        "alpha.md",
        "## Recent challenges\n\n",
        "## Recent challenges\n\nA note.\n\n",
    );
    repo.commit("A note", ANA, "2026-01-08T09:00:00+00:00");
    repo.git_as(
        ANA,
        "2026-01-09T09:00:00+00:00",
        &[
            "merge",
            "-q",
            "--no-ff",
            "tidy",
            "-m",
            "Merge pull request #7 from ana/tidy",
        ],
    );
    assert_eq!(
        check(&repo, &[]),
        (0, vec![]),
        "a removal the branch undid withdrew nothing"
    );
    // A branch that removed it, merged with main's version kept: main never lost it.
    repo.git(&["checkout", "-q", "-b", "demote"]);
    repo.plan("alpha.md", in_review());
    repo.commit("Back to review", ANA, "2026-01-10T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.git_as(
        ANA,
        "2026-01-11T09:00:00+00:00",
        &[
            "merge",
            "-q",
            "-s",
            "ours",
            "demote",
            "-m",
            "Merge pull request #9 from ana/demote",
        ],
    );
    assert_eq!(
        check(&repo, &[]),
        (0, vec![]),
        "a removal main did not take withdrew nothing"
    );

    // Removed on main by someone else and given again by the signer; an older branch then
    // takes main in ("Update branch") and is merged: the sign-off is the signer's.
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["branch", "feature"]);
    repo.plan("alpha.md", in_review());
    repo.commit("Remove Ben's approval", ANA, "2026-01-07T09:00:00+00:00");
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve again", BEN, "2026-01-08T09:00:00+00:00");
    repo.git(&["checkout", "-q", "feature"]);
    repo.edit_plan(
        "alpha.md",
        "## Recent challenges\n\n",
        "## Recent challenges\n\nFeature work.\n\n",
    );
    repo.commit("Feature work", ANA, "2026-01-08T10:00:00+00:00");
    repo.git_as(
        ANA,
        "2026-01-09T09:00:00+00:00",
        &["merge", "-q", "--no-edit", "main"],
    );
    assert_eq!(check(&repo, &[]), (0, vec![]), "on the branch");
    repo.merge_into_main(
        &["feature"],
        "Merge pull request #8 from ana/feature",
        "2026-01-10T09:00:00+00:00",
    );
    assert_eq!(check(&repo, &[]), (0, vec![]), "on main");

    // The same merge shape with a sign-off the branch itself added is the branch's.
    let repo = base_repo();
    repo.git(&["checkout", "-q", "-b", "approval"]);
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    let approved = repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("notes.txt", "unrelated\n");
    repo.commit("A note", ANA, "2026-01-07T09:00:00+00:00");
    repo.git(&["checkout", "-q", "approval"]);
    repo.git_as(
        ANA,
        "2026-01-08T09:00:00+00:00",
        &["merge", "-q", "--no-edit", "main"],
    );
    repo.merge_into_main(
        &["approval"],
        "Merge pull request #6",
        "2026-01-09T09:00:00+00:00",
    );
    let ben = signoff(&log(&repo, &[]), "ben").clone();
    assert_eq!(ben["added_in"], approved.as_str(), "{ben}");
    assert_eq!(ben["evidence"], "author", "{ben}");
}

/// With a folder of reviews, an approval counts for a sign-off only if the plan at the
/// commit it approved carries the sign-off: an approval of the pull request's earlier commit,
/// or of a commit a force-push replaced, approved something else. A reviewed commit this
/// repository does not have counts only when the sign-off was added on the main line (a
/// squashed pull request, whose head is seldom fetched).
#[test]
fn a_folder_review_counts_only_for_a_commit_that_carries_the_signoff() {
    /// A repository where Ben has a login, on branch `approve` with a commit of a note (its
    /// id returned) and, after it, the plan approved with Ben's sign-off.
    fn approving_branch(repo: &TestRepo) -> String {
        repo.write("people.yaml", people_with("  github: ben-ode\n"));
        repo.commit("Add Ben's login", ANA, "2026-01-05T10:00:00+00:00");
        repo.git(&["checkout", "-q", "-b", "approve"]);
        repo.edit_plan(
            "alpha.md",
            "## Recent challenges\n\n",
            "## Recent challenges\n\nA note.\n\n",
        );
        let note = repo.commit("A note", ANA, "2026-01-06T09:00:00+00:00");
        repo.plan(
            "alpha.md",
            approved_with(&[BEN_ENTRY]).replace(
                "## Recent challenges\n\n",
                "## Recent challenges\n\nA note.\n\n",
            ),
        );
        note
    }
    /// `check --reviews` with Ben's approval of `commit` as pull request `pr`'s reviews.
    fn check_with_approval(repo: &TestRepo, pr: u64, commit: &str) -> (i32, Vec<String>, Value) {
        let folder = repo.path().join("reviews");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(format!("{pr}.json")),
            format!(
                r#"[{{"user": {{"login": "ben-ode"}}, "state": "APPROVED", "commit_id": "{commit}", "submitted_at": "2026-01-06T12:00:00Z"}}]"#
            ),
        )
        .unwrap();
        let folder = folder.to_str().unwrap().to_string();
        let (code, found) = check(repo, &["--reviews", &folder]);
        let evidence = signoff(&log(repo, &["--reviews", &folder]), "ben")["evidence"].clone();
        (
            code,
            found.into_iter().map(|(rule, _)| rule).collect(),
            evidence,
        )
    }
    let approved = || (0, Vec::<String>::new(), Value::from("review"));
    let refused = || (1, vec!["signoff-unverified".to_string()], Value::Null);

    // Merged with a merge commit: the approval of the commit that added it counts, of the
    // note before it does not.
    let repo = base_repo();
    let note = approving_branch(&repo);
    let added = repo.commit("Approve", ANA, "2026-01-06T10:00:00+00:00");
    repo.merge_into_main(
        &["approve"],
        "Merge pull request #12 from ana/approve",
        "2026-01-07T09:00:00+00:00",
    );
    assert_eq!(check_with_approval(&repo, 12, &added), approved());
    assert_eq!(check_with_approval(&repo, 12, &note), refused());
    // Merged with a merge commit, the pull request brought every commit it had: an approved
    // commit it did not bring (one a force-push replaced, in a fresh clone) approved
    // something else.
    let unknown = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(check_with_approval(&repo, 12, unknown), refused());

    // Squashed, with the pull request's branch kept in the clone: its head carries the
    // sign-off, so the approval counts.
    let repo = base_repo();
    approving_branch(&repo);
    let head = repo.commit("Approve", ANA, "2026-01-06T10:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--squash", "approve"]);
    repo.commit("Approve (#13)", ANA, "2026-01-07T09:00:00+00:00");
    assert_eq!(check_with_approval(&repo, 13, &head), approved());
    // A squashed pull request's head is seldom in a clone: nothing can be told, it counts.
    assert_eq!(check_with_approval(&repo, 13, unknown), approved());

    // A force-push replaced the approved commit with one that adds the sign-off: the old
    // one is still in the clone, and its plan has no sign-off.
    let repo = base_repo();
    let replaced = approving_branch(&repo);
    repo.git_as(
        ANA,
        "2026-01-06T10:00:00+00:00",
        &["commit", "-q", "--amend", "-a", "--no-edit"],
    );
    repo.merge_into_main(
        &["approve"],
        "Merge pull request #14 from ana/approve",
        "2026-01-07T09:00:00+00:00",
    );
    assert_eq!(check_with_approval(&repo, 14, &replaced), refused());
}

/// A change that moves people.yaml (and points planbook.toml at the new file) is judged with
/// the people of the base's own file: a genuine sign-off still verifies, and the move itself
/// is the one identity change reported.
#[test]
fn moving_people_yaml_is_judged_against_the_base_file() {
    let repo = base_repo();
    repo.git(&["tag", "base"]);
    repo.git(&["mv", "people.yaml", "team.yaml"]);
    repo.write(
        "planbook.toml",
        "people = \"team.yaml\"\n\n[signoff]\ntrusted_committers = [\"merge-bot@example.com\"]\n",
    );
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Move people, approve", BEN, "2026-01-06T09:00:00+00:00");
    let (code, found) = check(&repo, &["--base", "base"]);
    assert_eq!(code, 1, "{found:?}");
    assert_eq!(rules(&found), ["identity-change"], "{found:?}");
    assert!(!found[0].1.contains("adds"), "{found:?}");
}

/// A covered field changed in the work tree makes the sign-off stale, and the message says
/// the change is uncommitted.
#[test]
fn an_uncommitted_change_to_a_covered_field_is_named_as_uncommitted() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.edit_plan("alpha.md", "target: 500000", "target: 450000");
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1);
    let stale = messages(&found, "signoff-stale");
    assert_eq!(stale.len(), 1, "{found:?}");
    assert!(
        stale[0].contains("metrics changed in uncommitted changes, after it was given in commit"),
        "{stale:?}"
    );
}

/// A branch that moved the plan, then took main in keeping its own version, hides nothing
/// when merged: main's later withdrawal at the old path is the plan's history too.
#[test]
fn a_withdrawal_at_the_old_path_after_a_move_on_a_branch_still_counts() {
    let repo = base_repo();
    repo.plan("alpha.md", approved_with(&[BEN_ENTRY]));
    repo.commit("Approve", BEN, "2026-01-06T09:00:00+00:00");
    repo.git(&["checkout", "-q", "-b", "move"]);
    repo.move_plan("alpha.md", "nordics/alpha.md", "2026-01-07T09:00:00+00:00");
    repo.git(&["checkout", "-q", "main"]);
    repo.plan("alpha.md", in_review());
    let withdrawn = repo.commit("Withdraw my approval", BEN, "2026-01-08T09:00:00+00:00");
    repo.git(&["checkout", "-q", "move"]);
    repo.git_as(
        ANA,
        "2026-01-09T09:00:00+00:00",
        &["merge", "-q", "-s", "ours", "main", "-m", "Merge main"],
    );
    repo.merge_into_main(
        &["move"],
        "Merge pull request #6 from ana/move",
        "2026-01-10T09:00:00+00:00",
    );
    assert!(repo.read("plans/nordics/alpha.md").contains("person: ben"));
    let (code, found) = check(&repo, &[]);
    assert_eq!(code, 1, "{found:?}");
    assert!(
        found
            .iter()
            .any(|(rule, message)| rule == "signoff-unverified"
                && message.contains(&format!("withdrawn in commit {}", &withdrawn[..10]))),
        "{found:?}"
    );
    let summaries: Vec<String> = log(&repo, &[])["plans"][0]["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["summary"].as_str().unwrap().to_string())
        .collect();
    assert!(
        summaries.contains(&"Withdraw my approval".to_string()),
        "{summaries:?}"
    );
}
