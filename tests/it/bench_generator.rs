//! The benchmark generator (`benches/synth/`): small repositories of each shape, so that the
//! figures in BENCHMARKS.md come from repositories that are what they claim to be.

#[path = "../../benches/synth/mod.rs"]
mod synth;

use std::path::Path;
use std::process::Command;

use crate::common::run_in;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A company-shaped repository small enough for a test: 30 plans, 90 commits.
fn small_company() -> synth::Shape {
    synth::Shape {
        people: 60,
        other_files: 45,
        merge_every: 20,
        move_every: 7,
        ..synth::Shape::company(30, 90)
    }
}

#[test]
fn company_shaped_repositories_have_what_a_company_history_has() {
    let dir = tempfile::tempdir().unwrap();
    synth::generate(dir.path(), small_company()).unwrap();
    let files = git(dir.path(), &["ls-files"]);
    assert_eq!(
        files.lines().filter(|f| f.starts_with("plans/")).count(),
        30
    );
    assert!(files.lines().filter(|f| !f.starts_with("plans/")).count() >= 45);
    let log = git(
        dir.path(),
        &["log", "--name-status", "-M", "--format=%an", "--", "plans/"],
    );
    assert!(log.lines().any(|l| l.starts_with('R')), "no plan was moved");
    let authors: std::collections::HashSet<&str> =
        log.lines().filter(|l| l.starts_with("Person ")).collect();
    assert!(authors.len() > 20, "only {} authors", authors.len());
    let merges = git(dir.path(), &["rev-list", "--merges", "HEAD"]);
    assert!(merges.lines().count() >= 3);
    // Commits that touch no plan, which a walk of the plans' history has to pass over.
    let all = git(dir.path(), &["rev-list", "--count", "HEAD"]);
    let plans = git(dir.path(), &["rev-list", "--count", "HEAD", "--", "plans/"]);
    assert!(all.trim().parse::<u32>().unwrap() > plans.trim().parse::<u32>().unwrap());
    // Sign-offs renewed when their terms changed: the history rules verify every one of them,
    // some across several revisions of the plan.
    let out = run_in(
        dir.path(),
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["rule"].as_str())
        .collect();
    assert!(
        !rules.iter().any(|r| r.starts_with("signoff")),
        "sign-off findings: {rules:?}"
    );
    let renewed = git(
        dir.path(),
        &["log", "--format=%s", "--grep=Renew sign-offs"],
    );
    assert!(!renewed.is_empty(), "no sign-off was renewed");
}

#[test]
fn generation_is_repeatable_and_gc_keeps_the_history() {
    for name in synth::VARIANTS {
        assert!(synth::Shape::variant(name, 10, 20).is_some(), "{name}");
    }
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    synth::generate(a.path(), small_company()).unwrap();
    synth::generate(
        b.path(),
        synth::Shape {
            gc: true,
            ..small_company()
        },
    )
    .unwrap();
    assert_eq!(
        git(a.path(), &["rev-parse", "HEAD"]),
        git(b.path(), &["rev-parse", "HEAD"])
    );
    // `git gc` rewrote the pack `git fast-import` wrote (a pack is named by its contents).
    let packs = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(".git/objects/pack"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".pack"))
            .collect();
        names.sort();
        names
    };
    assert_eq!(packs(a.path()).len(), 1);
    assert_eq!(packs(b.path()).len(), 1);
    assert_ne!(packs(a.path()), packs(b.path()));
}
