//! A test harness: plans repositories built in temp folders with real git commits, and the
//! real `planbook` binary run on them.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub const PEOPLE: &str = "\
ana:
  name: Ana Lima
  email: ana@example.com
  roles: [sales]
  title: Account Executive
ben:
  name: Ben Ode
  email: [ben@example.com, b.ode@example.com]
  roles: [leadership]
  title: VP Sales
cleo:
  name: Cleo Park
  email: cleo@example.com
  roles: [pre_sales]
  title: Solutions Engineer
";

/// A complete, approved plan that passes every rule when checked as of 2026-03-01.
pub fn valid_plan(id: &str) -> String {
    let filler = "We will call every lapsed account, review each lost deal with the buyer, and agree next steps with pre-sales before any proposal goes out. ".repeat(8);
    let mut body = String::new();
    let sections = planbook::check::rules::ALWAYS_SECTIONS
        .iter()
        .chain(&planbook::check::rules::REVIEW_SECTIONS);
    for section in sections {
        body.push_str(&format!("## {section}\n\n{filler}\n\n"));
    }
    format!(
        "---
id: {id}
title: Nordics mid-market recovery
status: approved
owner: ana
sponsor: ben
scope:
  region: EMEA
  territory: Nordics
period:
  start: 2026-01-01
  reassess: 2026-04-30
  end: 2026-06-30
currency: EUR
metrics:
  - id: bookings
    name: New bookings per quarter
    unit: currency
    direction: increase
    baseline: 400000
    expected: 500000
    target: 500000
    primary: true
  - id: win-rate
    name: Win rate
    unit: percent
    direction: increase
    baseline: 20
    expected: 25
    target: 25
    definition: Won divided by closed, trailing two quarters.
checkins:
  - date: 2026-02-15
    actuals: {{ bookings: 420000, win-rate: 21 }}
    confidence: 6
team:
  - person: cleo
    role: Solutions engineering
    function: pre_sales
activities:
  - id: roundtables
    title: Customer roundtables
    owner: ana
    function: marketing
    due: 2026-03-31
    status: planned
    metrics: [bookings]
    investment: {{ money: 20000, days: 10 }}
  - id: poc-playbook
    title: Proof-of-value playbook
    owner: cleo
    function: pre_sales
    due: 2026-04-15
    status: planned
    metrics: [win-rate]
    investment: {{ days: 5 }}
investment:
  budget: 30000
  days: 20
help_needed:
  - from: ben
    ask: Join two customer calls a month.
    by: 2026-02-28
    status: agreed
  - from: marketing
    ask: Event budget.
analysis:
  win_loss:
    summary: Lost deals went to a local competitor.
  team_comparison:
    summary: Competitors field two AEs per territory.
  baseline_360:
    ref: https://wiki.example.com/baseline
consequences:
  on_miss: The territory is split.
  incentive: A commission accelerator.
signoffs:
  - person: cleo
    role: Peer review
    date: 2025-12-20
  - person: ben
    role: VP Sales
    date: 2025-12-22
---

# Nordics mid-market recovery

{body}"
    )
}

/// A plans repository in a temporary folder.
pub struct TestRepo {
    pub dir: tempfile::TempDir,
}

impl TestRepo {
    /// A plans folder with `people.yaml`, not under git (history rules do not apply).
    pub fn new() -> TestRepo {
        let repo = TestRepo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.write("people.yaml", PEOPLE);
        std::fs::create_dir_all(repo.path().join("plans")).unwrap();
        repo
    }

    /// A git repository with `people.yaml` and no commits.
    pub fn with_git() -> TestRepo {
        let repo = TestRepo::bare();
        repo.write("people.yaml", PEOPLE);
        std::fs::create_dir_all(repo.path().join("plans")).unwrap();
        repo
    }

    /// An empty git repository with nothing in it.
    pub fn bare() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let repo = TestRepo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Ana Lima"]);
        repo.git(&["config", "user.email", "ana@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating folders) relative to the repository root.
    pub fn write(&self, path: &str, text: impl AsRef<[u8]>) -> &TestRepo {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
        self
    }

    /// Writes `plans/{path}` .
    pub fn plan(&self, path: &str, text: impl AsRef<[u8]>) -> &TestRepo {
        self.write(&format!("plans/{path}"), text)
    }

    /// Replaces `from` with `to` in the plan at `plans/{path}`, failing when the plan does not
    /// contain `from` (an edit that changes nothing would make the test prove nothing).
    pub fn edit_plan(&self, path: &str, from: &str, to: &str) -> &TestRepo {
        let text = self.read(&format!("plans/{path}"));
        assert!(text.contains(from), "plans/{path} has no `{from}` to edit");
        self.plan(path, text.replace(from, to))
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).unwrap()
    }

    /// The file of the loose object `rev` names (`HEAD:plans/a.md`, `HEAD~1^{tree}`).
    pub fn loose_object(&self, rev: &str) -> std::path::PathBuf {
        let id = self.git(&["rev-parse", rev]);
        let id = id.trim();
        self.path()
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..])
    }

    /// Runs git in the repository and returns its stdout.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_with(args, &[])
    }

    /// Runs git as `who` ("Name <email>", author and committer) on `date` (ISO 8601), e.g.
    /// for a merge or a cherry-pick whose dates the test fixes.
    pub fn git_as(&self, who: &str, date: &str, args: &[&str]) -> String {
        let (name, email) = name_email(who);
        self.git_with(
            args,
            &[
                ("GIT_AUTHOR_NAME", name),
                ("GIT_AUTHOR_EMAIL", email),
                ("GIT_COMMITTER_NAME", name),
                ("GIT_COMMITTER_EMAIL", email),
                ("GIT_AUTHOR_DATE", date),
                ("GIT_COMMITTER_DATE", date),
            ],
        )
    }

    /// Runs git with extra environment variables, failing the test if git fails.
    fn git_with(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.path())
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Commits everything as `author` ("Name <email>"), who also commits it, on `date`
    /// (ISO 8601).
    pub fn commit(&self, message: &str, author: &str, date: &str) -> String {
        self.commit_by(message, author, author, date, &[])
    }

    /// Commits everything written by `author` and committed by `committer` (each
    /// "Name <email>") on `date`, with extra `git` arguments before `commit` (e.g. `-c`
    /// options).
    pub fn commit_by(
        &self,
        message: &str,
        author: &str,
        committer: &str,
        date: &str,
        extra: &[&str],
    ) -> String {
        self.git(&["add", "-A"]);
        let (name, email) = name_email(committer);
        let mut args = extra.to_vec();
        args.extend([
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
            "--author",
            author,
        ]);
        self.git_with(
            &args,
            &[
                ("GIT_AUTHOR_DATE", date),
                ("GIT_COMMITTER_DATE", date),
                ("GIT_COMMITTER_NAME", name),
                ("GIT_COMMITTER_EMAIL", email),
            ],
        );
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Moves plan `from` to `to` (paths under `plans/`) with `git mv`, committed by Ana.
    pub fn move_plan(&self, from: &str, to: &str, date: &str) -> String {
        let to_path = self.path().join("plans").join(to);
        std::fs::create_dir_all(to_path.parent().unwrap()).unwrap();
        self.git(&["mv", &format!("plans/{from}"), &format!("plans/{to}")]);
        self.commit("Move the plan", "Ana Lima <ana@example.com>", date)
    }

    /// Checks out `main` and merges `branches` into it as Ana would merge a pull request
    /// with a merge commit (`--no-ff`), with `message` as its subject.
    pub fn merge_into_main(&self, branches: &[&str], message: &str, date: &str) {
        self.git(&["checkout", "-q", "main"]);
        let mut args = vec!["merge", "-q", "--no-ff"];
        args.extend_from_slice(branches);
        args.extend_from_slice(&["-m", message]);
        self.git_as("Ana Lima <ana@example.com>", date, &args);
    }

    /// Runs planbook in the repository.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(self.path(), args)
    }

    /// `check --format json --as-of 2026-03-01 [extra]`, parsed.
    pub fn check_json(&self, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["check", "--format", "json", "--as-of", "2026-03-01"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        let json = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", out.stdout, out.stderr));
        (out.code, json)
    }

    /// The `(rule, line, column)` of every diagnostic.
    pub fn findings(&self) -> Vec<(String, u64, u64)> {
        let (_, json) = self.check_json(&[]);
        findings(&json)
    }
}

/// The findings of every rule that needs no git history on the plans of `dir`, checked
/// in-process as `check --as-of AS_OF` checks them (`[rules]` levels applied, sorted by file,
/// line and column), as `(rule, line, column)`.
pub fn check_in_process(dir: &Path, as_of: &str) -> Vec<(String, u64, u64)> {
    let repo = planbook::repo::Repo::discover(dir, None).unwrap();
    let trust = planbook::history::trust::Trust::current(&repo, None).unwrap();
    let settings = planbook::check::Settings {
        repo: &repo,
        as_of: as_of.parse().unwrap(),
        trust: &trust,
        keep_text: false,
    };
    let paths = repo.plan_paths().unwrap();
    let (plans, mut diagnostics) = planbook::check::check_paths(&settings, &paths, &|_| true);
    planbook::check::finish(&repo, &trust, &plans, &mut diagnostics);
    diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.name().to_string(),
                u64::from(d.span.line),
                u64::from(d.span.column),
            )
        })
        .collect()
}

pub fn findings(json: &Value) -> Vec<(String, u64, u64)> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The `planbook` binary, to run in `dir` with the tests' environment: no colour, `dir` as
/// home and no system git configuration.
pub fn planbook(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planbook"));
    with_test_env(&mut command, dir);
    command
}

/// Puts a named pipe at `path` (where planbook keeps a cache), runs planbook with `args` in
/// `dir`, and fails if it has not finished within 30 s: opening the pipe would have waited
/// for a writer. planbook then replaces the pipe with a file.
#[cfg(unix)]
pub fn pipe_in_place_is_not_opened(dir: &Path, path: &Path, args: &[&str]) {
    let _ = std::fs::remove_file(path);
    run_program(dir, "mkfifo", &[path.to_str().unwrap()], &[]);
    let mut child = planbook(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("planbook {args:?} waited on a pipe at {}", path.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(path.is_file(), "the pipe is replaced by a file");
}

/// Sets the tests' environment on a command that runs planbook (directly or through a
/// wrapper such as `/usr/bin/time`) in `dir`.
pub fn with_test_env(command: &mut Command, dir: &Path) {
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        // Caches are written as on a developer's machine, wherever the tests run.
        .env_remove("CI")
        // The repository is the one in `dir`, even when the tests run from a git hook.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
}

pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = planbook(dir).args(args).output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs another program (`ssh-keygen`, `gpg`, …) in `dir` and returns its stdout, failing the
/// test if it fails.
pub fn run_program(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file under `dir` (links are not followed), sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// "Name <email>" split into its name and email.
fn name_email(who: &str) -> (&str, &str) {
    who.split_once(" <")
        .map(|(n, e)| (n, e.trim_end_matches('>')))
        .unwrap_or((who, ""))
}

/// Line (from 1) of the first line in `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not found")) as u64
        + 1
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
