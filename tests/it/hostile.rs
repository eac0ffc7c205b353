//! Hostile repositories: each case gets a clear message and the right exit code, nothing is
//! written where it should not be, and nothing blows up in time or memory (what is read is
//! bounded). Exit codes: 0 clean, 1 findings, 2 the run could not be done as asked.

use crate::common;

use std::path::Path;

use crate::common::{TestRepo, files, valid_plan};

#[cfg(unix)]
#[test]
fn symbolic_links_out_of_the_repository_and_loops_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), valid_plan("secret")).unwrap();
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let plans = repo.path().join("plans");
    std::os::unix::fs::symlink(outside.path().join("secret.md"), plans.join("secret.md")).unwrap();
    std::os::unix::fs::symlink(plans.join("loop.md"), plans.join("loop.md")).unwrap();
    std::os::unix::fs::symlink(&plans, plans.join("again")).unwrap();
    std::os::unix::fs::symlink(outside.path(), plans.join("elsewhere")).unwrap();

    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["files"], 1, "only the real plan: {json}");
    let out = repo.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for file in files(&repo.path().join("site")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            !text.contains("secret"),
            "{} read a linked file",
            file.display()
        );
    }
    let out = repo.run(&["check", "plans/secret.md"]);
    assert_eq!(out.code, 2, "a link out of the repository is refused");
    assert!(
        out.stderr.contains("outside the plans repository"),
        "{}",
        out.stderr
    );
}

#[test]
fn ids_and_folders_that_try_to_leave_the_site() {
    let repo = TestRepo::new();
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("id: alpha", "id: ../../escape"),
    );
    repo.plan("... /delta.md", valid_plan("delta"));
    repo.plan("a..b/beta.md", valid_plan("beta"));
    repo.plan("..x/gamma.md", valid_plan("gamma"));
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    let rules: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"schema"), "{rules:?}");
    let out = repo.run(&["build", "--out", "public/site"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("alpha.md is not on the site"),
        "{}",
        out.stderr
    );
    // Everything written is inside the output folder; nothing escaped next to it.
    let root: Vec<_> = std::fs::read_dir(repo.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut root = root;
    root.sort();
    assert_eq!(root, ["people.yaml", "plans", "public"]);
    assert!(!repo.path().join("escape").exists());
    // Hidden folders (`..x`, `... `, like `.git`) hold no plans; `a..b` is a plain name.
    assert!(!repo.path().join("public/site/plans/gamma").exists());
    assert!(!repo.path().join("public/site/plans/delta").exists());
    assert!(
        repo.path()
            .join("public/site/plans/beta/index.html")
            .is_file()
    );
}

#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let repo = TestRepo::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    std::fs::write(repo.path().join("plans").join(name), valid_plan("cafe")).unwrap();
    let out = repo.run(&["check", "--format", "json", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let named = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "id-filename")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(named["file"], "plans/caf\u{fffd}.md", "{json}");
}

#[test]
fn a_100_mb_plan_is_refused_without_being_read() {
    let repo = TestRepo::new();
    let file = std::fs::File::create(repo.path().join("plans/huge.md")).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    repo.plan("alpha.md", valid_plan("alpha"));
    let out = repo.run(&["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("plans/huge.md:1:1"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("104.9 MB; planbook reads plans up to 8 MB"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_hundred_thousand_tiny_plans() {
    let repo = TestRepo::new();
    let plans = repo.path().join("plans");
    for folder in 0..100 {
        let dir = plans.join(format!("f{folder:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        for n in 0..1000 {
            let id = format!("p{folder:02}-{n:03}");
            std::fs::write(
                dir.join(format!("{id}.md")),
                format!("---\nid: {id}\n---\n"),
            )
            .unwrap();
        }
    }
    // Each tiny plan has a dozen findings: the report (400 MB) goes to a file, not memory.
    let report = repo.path().join("report.json");
    let status = common::planbook(repo.path())
        .args(["check", "--format", "json", "--as-of", "2026-03-01"])
        .stdout(std::fs::File::create(&report).unwrap())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let mut head = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(std::fs::File::open(&report).unwrap(), 200),
        &mut head,
    )
    .unwrap();
    assert!(head.contains("\"files\": 100000"), "{head}");
}

#[test]
fn yaml_bombs_and_deep_nesting_are_refused() {
    let repo = TestRepo::new();
    let mut bomb = String::from("---\nid: bomb\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
            (b'a' + i as u8) as char,
            (b'a' + i as u8) as char,
            p = (b'a' + i as u8 - 1) as char
        ));
    }
    bomb.push_str("---\n");
    repo.plan("bomb.md", bomb);
    let deep = format!(
        "---\nid: deep\nx: {}{}\n---\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    repo.plan("deep.md", deep);
    let out = repo.run(&["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("plans/bomb.md:"), "{}", out.stdout);
    assert!(out.stdout.contains("plans/deep.md:3:"), "{}", out.stdout);
    assert!(
        out.stdout.contains("more than 100000 values"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("recursion limit exceeded"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_same_email_on_two_people_is_refused() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let people = repo.read("people.yaml");
    repo.write(
        "people.yaml",
        people.replace("ben@example.com", "ana@example.com"),
    );
    let out = repo.run(&["check"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("people.yaml:"), "{}", out.stderr);
    assert!(out.stderr.contains("ana@example.com"), "{}", out.stderr);
}

#[test]
fn configuration_pointing_outside_the_repository_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("plans")).unwrap();
    for (key, value) in [
        ("plans_dir", outside.path().join("plans")),
        ("plans_dir", "../elsewhere".into()),
        ("people", "/etc/passwd".into()),
    ] {
        let repo = TestRepo::new();
        repo.plan("alpha.md", valid_plan("alpha"));
        repo.write(
            "planbook.toml",
            format!("{key} = {:?}\n", value.to_string_lossy()),
        );
        let out = repo.run(&["check"]);
        assert_eq!(out.code, 2, "{key} = {value:?}: {}", out.stdout);
        assert!(
            out.stderr.contains("planbook.toml:1:")
                && out.stderr.contains("must be a path inside the repository"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_corrupted_git_object_is_a_clear_error() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit(
        "Add alpha",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00+01:00",
    );
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 550000"),
    );
    repo.commit(
        "Raise the target",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00+01:00",
    );
    // Break the first commit's tree.
    let object = repo.loose_object("HEAD~1^{tree}");
    let mut perms = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&object, perms).unwrap();
    std::fs::write(&object, b"not a zlib stream").unwrap();
    let out = repo.run(&["log"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("git fsck"), "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn an_author_who_is_not_in_people_yaml() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit(
        "Add alpha",
        "Zed Stranger <zed@elsewhere.example>",
        "2026-01-05T10:00:00+01:00",
    );
    let out = repo.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["plans"][0]["revisions"][0]["author"]["email"],
        "zed@elsewhere.example"
    );
    // The stranger added the sign-offs: they are not verified.
    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    assert!(
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "signoff-unverified"),
        "{json}"
    );
}

#[test]
fn detached_head_empty_and_bare_repositories() {
    // Detached HEAD: the history is the commit checked out.
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    let first = repo.commit(
        "Add alpha",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00+01:00",
    );
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 550000"),
    );
    repo.commit(
        "Raise",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00+01:00",
    );
    repo.git(&["checkout", "-q", "--detach", &first]);
    let out = repo.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["plans"][0]["revisions"].as_array().unwrap().len(), 1);

    // No commit yet: plans are uncommitted edits, and check still works.
    let empty = TestRepo::with_git();
    empty.plan("alpha.md", valid_plan("alpha"));
    let out = empty.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["plans"][0]["revisions"][0]["commit"], "working tree");
    assert_eq!(empty.run(&["check", "--as-of", "2026-03-01", "-q"]).code, 1);

    // A bare repository has no plans to read.
    let bare = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("git")
        .args(["init", "-q", "--bare"])
        .current_dir(bare.path())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::create_dir_all(bare.path().join("plans")).unwrap();
    std::fs::write(bare.path().join("plans/alpha.md"), valid_plan("alpha")).unwrap();
    let out = common::run_in(bare.path(), &["log"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("bare"), "{}", out.stderr);
}

#[test]
fn oversized_files_are_refused_from_their_size() {
    // A committed plan over the limit is not read from the history either.
    let repo = TestRepo::with_git();
    let huge = valid_plan("alpha") + &"filler text ".repeat(800_000);
    repo.plan("alpha.md", &huge);
    repo.commit(
        "Add alpha",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00+01:00",
    );
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit(
        "Trim alpha",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00+01:00",
    );
    let out = repo.run(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let revisions = json["plans"][0]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    // The oversized version was not read: against it, every field of the trimmed one is new.
    let title = revisions[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "title")
        .unwrap_or_else(|| panic!("{}", revisions[0]));
    assert!(title["from"].is_null(), "{title}");

    // people.yaml, planbook.toml and templates are bounded the same way.
    repo.write("people.yaml", "# padding\n".repeat(900_000));
    let out = repo.run(&["check"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("people.yaml")
            && out.stderr.contains("planbook reads files up to 8 MB"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Round two: special files, nothing read from outside the repository, safe builds.
// ---------------------------------------------------------------------------------------------

/// Runs planbook in `dir`, killing it (and failing) if it has not finished in a minute: a
/// FIFO or a lock must never hang a run.
#[cfg(unix)]
fn run_bounded(dir: &Path, args: &[&str]) -> common::Output {
    use std::io::Read;
    let mut child = common::planbook(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("planbook {args:?} did not finish within a minute");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    common::Output {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let done = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(done.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

/// `--out` naming a device, a FIFO or a link, and a committed `site` link: refused (exit 2)
/// and the special file is left where it was.
#[cfg(unix)]
#[test]
fn the_output_is_never_a_special_file_nor_a_link() {
    use std::os::unix::fs::FileTypeExt;
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let pipe = repo.path().join("pipe");
    mkfifo(&pipe);
    let out = run_bounded(repo.path(), &["build", "--out", "pipe"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("FIFO"), "{}", out.stderr);
    assert!(is_fifo(&pipe), "the FIFO is still there");

    // As root (CI containers), a real device node; elsewhere mknod is not allowed.
    let device = repo.path().join("null");
    let made = std::process::Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let out = run_bounded(repo.path(), &["build", "--out", "null"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("a device"), "{}", out.stderr);
        let kind = std::fs::symlink_metadata(&device).unwrap().file_type();
        assert!(kind.is_char_device(), "the device is still there");
    }

    // A committed `site` link to a special file, and one to a folder elsewhere.
    std::os::unix::fs::symlink(&pipe, repo.path().join("site")).unwrap();
    let out = run_bounded(repo.path(), &["build"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("symbolic link"), "{}", out.stderr);
    assert!(is_fifo(&pipe));
    assert!(
        std::fs::symlink_metadata(repo.path().join("site"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::remove_file(repo.path().join("site")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), repo.path().join("site")).unwrap();
    let out = run_bounded(repo.path(), &["build"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // A plain build into a real folder still works, and leaves nothing beside it.
    let out = run_bounded(repo.path(), &["build", "--out", "public"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// `--config` naming a FIFO (or a link to one, or a device) fails at once instead of hanging.
#[cfg(unix)]
#[test]
fn a_config_that_is_a_fifo_does_not_hang() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let pipe = repo.path().join("config.toml");
    mkfifo(&pipe);
    let out = run_bounded(repo.path(), &["--config", "config.toml", "check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("config.toml") && out.stderr.contains("FIFO"),
        "{}",
        out.stderr
    );
    let out = run_bounded(repo.path(), &["--config", "/dev/zero", "check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("a device"), "{}", out.stderr);
    // A committed planbook.toml that is a FIFO is not read either.
    std::os::unix::fs::symlink(&pipe, repo.path().join("planbook.toml")).unwrap();
    let out = run_bounded(repo.path(), &["check"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

/// Site inputs that lead out of the repository fail the build; nothing of them is published.
#[cfg(unix)]
#[test]
fn site_inputs_outside_the_repository_fail_the_build() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("environ");
    std::fs::write(&secret, "CI_TOKEN=hunter2-secret\n").unwrap();
    for input in [
        "site-templates/assets/style.css",
        "site-templates/assets/app.js",
        "site-templates/plan.html",
        "site-templates/base.html",
    ] {
        let repo = TestRepo::new();
        repo.plan("alpha.md", valid_plan("alpha"));
        let link = repo.path().join(input);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let out = run_bounded(repo.path(), &["build"]);
        assert_eq!(out.code, 2, "{input}: {}", out.stderr);
        assert!(
            out.stderr.contains("outside the repository"),
            "{input}: {}",
            out.stderr
        );
        for file in files(repo.path()) {
            if file.starts_with(repo.path().join("site")) {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                assert!(!text.contains("hunter2"), "{} published it", file.display());
            }
        }
    }
    // /proc/self/environ itself, as in the report.
    if Path::new("/proc/self/environ").exists() {
        let repo = TestRepo::new();
        repo.plan("alpha.md", valid_plan("alpha"));
        std::fs::create_dir_all(repo.path().join("site-templates/assets")).unwrap();
        std::os::unix::fs::symlink(
            "/proc/self/environ",
            repo.path().join("site-templates/assets/style.css"),
        )
        .unwrap();
        let out = run_bounded(repo.path(), &["build"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(!repo.path().join("site").exists());
    }
}

/// Configuration, people, schema and the plans folder that lead out of the repository are
/// refused for every command.
#[cfg(unix)]
#[test]
fn repository_files_outside_the_repository_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(outside.path().join("plans")).unwrap();
    std::fs::write(outside.path().join("plans/leaked.md"), valid_plan("leaked")).unwrap();
    std::fs::write(outside.path().join("people.yaml"), common::PEOPLE).unwrap();
    std::fs::write(outside.path().join("planbook.toml"), "").unwrap();
    std::fs::write(outside.path().join("schema.json"), "{}").unwrap();

    // `plans -> /usr`, in a temporary stand-in.
    let repo = TestRepo::new();
    std::fs::remove_dir_all(repo.path().join("plans")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("plans"), repo.path().join("plans")).unwrap();
    for args in [&["check"][..], &["build"], &["status"]] {
        let out = run_bounded(repo.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("outside the repository"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!out.stdout.contains("leaked"), "{}", out.stdout);
    }

    for (name, target) in [
        ("people.yaml", "people.yaml"),
        ("planbook.toml", "planbook.toml"),
        ("schema/plan.schema.json", "schema.json"),
    ] {
        let repo = TestRepo::new();
        repo.plan("alpha.md", valid_plan("alpha"));
        let link = repo.path().join(name);
        let _ = std::fs::remove_file(&link);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(outside.path().join(target), &link).unwrap();
        let out = run_bounded(repo.path(), &["check"]);
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert!(
            out.stderr.contains(name) && out.stderr.contains("outside the repository"),
            "{name}: {}",
            out.stderr
        );
    }

    // A link inside the repository is fine.
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    std::fs::rename(
        repo.path().join("people.yaml"),
        repo.path().join("team.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("team.yaml", repo.path().join("people.yaml")).unwrap();
    let out = run_bounded(repo.path(), &["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Pipes, sockets, links out and submodules under `plans/` are skipped with a warning, never
/// read (a FIFO would hang the run).
#[cfg(unix)]
#[test]
fn special_entries_and_submodules_under_plans_are_skipped_with_a_warning() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), valid_plan("secret")).unwrap();
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let plans = repo.path().join("plans");
    mkfifo(&plans.join("pipe.md"));
    let _socket = std::os::unix::net::UnixListener::bind(plans.join("socket.md")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), plans.join("secret.md")).unwrap();
    std::os::unix::fs::symlink("pipe.md", plans.join("to-pipe.md")).unwrap();
    repo.plan("vendor/.git", "gitdir: ../../.git/modules/vendor\n");
    repo.plan("vendor/beta.md", valid_plan("beta"));

    let out = run_bounded(
        repo.path(),
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["files"], 1, "only the real plan: {json}");
    for (name, why) in [
        ("plans/pipe.md", "FIFO"),
        ("plans/socket.md", "socket"),
        ("plans/secret.md", "outside the repository"),
        ("plans/to-pipe.md", "FIFO"),
        ("plans/vendor", "submodule"),
    ] {
        let line = out
            .stderr
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no warning for {name}: {}", out.stderr));
        assert!(line.starts_with("warning:") && line.contains(why), "{line}");
    }
    let out = run_bounded(repo.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("plans/vendor"), "{}", out.stderr);
    assert!(!repo.path().join("site/plans/beta").exists());
    assert!(!repo.path().join("site/plans/secret").exists());
}

/// Names of what builds leave beside the output folder.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".planbook-"))
        .collect()
}

/// Concurrent builds into one folder take turns; what a killed build left is cleaned up.
#[cfg(unix)]
#[test]
fn builds_into_one_folder_take_turns_and_clean_up_after_a_killed_one() {
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.plan("beta.md", valid_plan("beta"));
    // What a build killed before and during the swap leaves behind.
    repo.write("public/.planbook-build-x1Y2z3/.planbook-site", "");
    repo.write("public/.planbook-build-x1Y2z3/index.html", "half");
    repo.write("public/.planbook-old-4242/.planbook-site", "");
    std::fs::create_dir_all(repo.path().join("public/.planbook-build-empty")).unwrap();
    // Not planbook's: kept.
    repo.write("public/.planbook-old-notes/notes.txt", "mine");

    for _ in 0..3 {
        let children: Vec<_> = (0..4)
            .map(|_| {
                common::planbook(repo.path())
                    .args(["build", "--out", "public/site", "-q"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(
        repo.path()
            .join("public/site/plans/beta/index.html")
            .is_file()
    );
    assert_eq!(
        leftovers(&repo.path().join("public")),
        [".planbook-old-notes"],
        "only what is not planbook's is left"
    );
}

/// A build that finds another one holding the output folder waits for it, and says so.
#[cfg(unix)]
#[test]
fn a_build_waits_for_the_one_holding_the_lock() {
    use std::io::BufRead;
    let repo = TestRepo::new();
    repo.plan("alpha.md", valid_plan("alpha"));
    let held = std::fs::File::open(repo.path()).unwrap();
    held.lock().unwrap();
    let mut child = common::planbook(repo.path())
        .args(["build"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.contains("waiting for another planbook build"),
        "{line}"
    );
    assert!(
        !repo.path().join("site").exists(),
        "nothing written while waiting"
    );
    held.unlock().unwrap();
    assert!(child.wait().unwrap().success());
    assert!(repo.path().join("site/index.html").is_file());
}

/// Two plans with one id: the build fails with the `duplicate-id` finding instead of
/// publishing one of them.
#[test]
fn two_plans_with_one_id_fail_the_build() {
    let repo = TestRepo::new();
    repo.plan("emea/alpha.md", valid_plan("alpha"));
    repo.plan(
        "apac/alpha.md",
        valid_plan("alpha").replace("Nordics mid-market recovery", "Another plan"),
    );
    let out = repo.run(&["build"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("duplicate-id")
            && out.stderr.contains("plans/emea/alpha.md:2:5")
            && out.stderr.contains("plans/apac/alpha.md"),
        "{}",
        out.stderr
    );
    assert!(!repo.path().join("site").exists());
}

/// A plan that was restricted and is now internal publishes its history from the change that
/// lifted the restriction: no restricted value in the page, `plans.json` or the feed.
#[test]
fn a_restricted_past_is_not_published() {
    let repo = TestRepo::with_git();
    let restricted = valid_plan("alpha")
        .replace(
            "status: approved\n",
            "status: approved\nvisibility: restricted\n",
        )
        .replace("target: 500000", "target: 777111");
    repo.plan("alpha.md", &restricted);
    repo.commit(
        "Confidential: the Nordics plan",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00+01:00",
    );
    repo.plan("alpha.md", restricted.replace("777111", "888222"));
    repo.commit(
        "Raise the secret target",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00+01:00",
    );
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 999333"),
    );
    repo.commit(
        "Publish the Nordics plan",
        "Ana Lima <ana@example.com>",
        "2026-01-07T10:00:00+01:00",
    );
    repo.plan(
        "alpha.md",
        valid_plan("alpha").replace("target: 500000", "target: 555444"),
    );
    repo.commit(
        "Lower the target",
        "Ana Lima <ana@example.com>",
        "2026-01-08T10:00:00+01:00",
    );
    let out = repo.run(&["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let site = repo.path().join("site");
    for name in [
        "plans/alpha/index.html",
        "plans.json",
        "feed.xml",
        "index.html",
    ] {
        let text = std::fs::read_to_string(site.join(name)).unwrap();
        for secret in [
            "777111",
            "777,111",
            "888222",
            "888,222",
            "Raise the secret",
            "Confidential",
        ] {
            assert!(!text.contains(secret), "{name} publishes {secret}");
        }
    }
    let page = std::fs::read_to_string(site.join("plans/alpha/index.html")).unwrap();
    assert!(
        page.contains("Publish the Nordics plan"),
        "the lifting revision is shown"
    );
    assert!(page.contains("Lower the target"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("plans.json")).unwrap()).unwrap();
    let history = json["plans"][0]["history_url"].as_str().unwrap();
    assert_eq!(history, "plans/alpha/history.json");
    let history = std::fs::read_to_string(site.join(history)).unwrap();
    for secret in ["777111", "888222", "Raise the secret", "Confidential"] {
        assert!(!history.contains(secret), "the history publishes {secret}");
    }
    let history: serde_json::Value = serde_json::from_str(&history).unwrap();
    let revisions = history["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    // With restricted plans included, the whole history is there.
    let out = repo.run(&["build", "--include-restricted", "--out", "internal"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json =
        std::fs::read_to_string(repo.path().join("internal/plans/alpha/history.json")).unwrap();
    assert!(json.contains("888222"));
}

// ---------------------------------------------------------------------------------------------
// Bounded cost and output hygiene (issue 11, items 1, 2 and 6): inputs of a few megabytes that
// used to take minutes or gigabytes, generated here; each run is timed and, where
// `/usr/bin/time` is installed, its peak memory is measured too.
// ---------------------------------------------------------------------------------------------

/// Longest any one run may take. Generous: debug builds on a busy 2-core machine; a release
/// build does each of these in well under the 2 s target.
fn time_bound() -> std::time::Duration {
    std::time::Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 15 })
}

/// Most resident memory one run may use: 256 MiB above what planbook needs to start.
const MEMORY_BOUND_KB: u64 = 256 * 1024 + 64 * 1024;

/// Runs planbook in `repo`, asserting the time and (where `/usr/bin/time` can measure it) the
/// memory bound.
fn bounded(repo: &TestRepo, args: &[&str]) -> common::Output {
    let time = Path::new("/usr/bin/time");
    let measure = time.exists();
    let mut command = if measure {
        let mut c = std::process::Command::new(time);
        c.args([
            "-f",
            "planbook-peak-kb %M cpu %U %S",
            env!("CARGO_BIN_EXE_planbook"),
        ]);
        common::with_test_env(&mut c, repo.path());
        c
    } else {
        common::planbook(repo.path())
    };
    let started = std::time::Instant::now();
    let out = command.args(args).output().unwrap();
    let elapsed = started.elapsed();
    let mut stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // The bound is on CPU time where `/usr/bin/time` measures it (a busy machine stretches
    // the wall clock, not the work), and on the wall clock only as a guard against a hang. A
    // quadratic path on these inputs costs hundreds of times the bound, not a few percent.
    let mut cpu = None;
    if measure && let Some(at) = stderr.rfind("planbook-peak-kb ") {
        let fields: Vec<&str> = stderr[at + 17..].split_whitespace().collect();
        let kb: u64 = fields.first().and_then(|k| k.parse().ok()).unwrap_or(0);
        if let [_, "cpu", user, system, ..] = fields.as_slice() {
            let seconds = user.parse::<f64>().unwrap_or(0.0) + system.parse::<f64>().unwrap_or(0.0);
            cpu = Some(std::time::Duration::from_secs_f64(seconds));
        }
        stderr.truncate(at);
        assert!(
            kb < MEMORY_BOUND_KB,
            "planbook {args:?} used {kb} KB at its peak"
        );
    }
    match cpu {
        Some(cpu) => {
            assert!(
                cpu < time_bound(),
                "planbook {args:?} took {cpu:?} of CPU time"
            );
            assert!(
                elapsed < 10 * time_bound(),
                "planbook {args:?} took {elapsed:?}"
            );
        }
        None => assert!(elapsed < time_bound(), "planbook {args:?} took {elapsed:?}"),
    }
    common::Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

/// A draft plan's front matter (without the closing `---`), passing every rule it can.
fn draft_front(id: &str) -> String {
    format!(
        "---
id: {id}
title: Hostile
status: draft
owner: ana
scope: {{ region: EMEA }}
period: {{ start: 2026-01-01, reassess: 2026-04-30, end: 2026-06-30 }}
metrics:
  - {{ id: m, name: M, unit: count, direction: increase, baseline: 1, expected: 2, target: 2, primary: true }}
activities:
  - {{ id: a, title: A, owner: ana, function: sales, due: 2026-03-01, status: planned, metrics: [m] }}
"
    )
}

/// A draft plan whose body is `body` in its summary, followed by every other section a draft
/// needs.
fn draft_with_body(id: &str, body: &str) -> String {
    let mut text = format!("{}---\n\n## Summary\n\n{body}\n\n", draft_front(id));
    for section in &planbook::check::rules::ALWAYS_SECTIONS[1..] {
        text.push_str(&format!("## {section}\n\nText.\n\n"));
    }
    text
}

#[test]
fn an_alias_of_a_long_value_repeated_is_refused_by_its_size() {
    let repo = TestRepo::with_git();
    // 3 MB of text aliased 5,000 times: few values, 15 GB once expanded.
    let mut bomb = draft_front("bomb").replace("title: Hostile\n", "");
    bomb.push_str(&format!("title: &t '{}'\n", "A".repeat(3_000_000)));
    bomb.push_str(&format!(
        "aliases: [{}]\n---\n",
        vec!["*t"; 5_000].join(", ")
    ));
    repo.plan("bomb.md", &bomb);
    repo.commit(
        "A plan that expands to gigabytes",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );

    let (code, json) = repo.check_json(&[]);
    assert_eq!(code, 1, "{json}");
    let d = &json["diagnostics"][0];
    assert_eq!(d["rule"], "front-matter", "{json}");
    assert!(d["message"].as_str().unwrap().contains("budget"), "{d}");
    assert!(d["help"].as_str().unwrap().contains("aliases"), "{d}");
    // The second alias is the one that goes over: line 12, after `aliases: [*t, `.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(12), Some(15)),
        "{d}"
    );
    let out = bounded(&repo, &["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("plans/bomb.md:12:15"), "{}", out.stdout);

    // Fixed in the next commit: the blob in the history must not stop `log` or `build`.
    repo.plan("bomb.md", draft_with_body("bomb", "Fixed."));
    repo.commit(
        "Write the values out",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00Z",
    );
    let out = bounded(&repo, &["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        log["plans"][0]["revisions"].as_array().unwrap().len(),
        2,
        "{log}"
    );
    let out = bounded(&repo, &["log"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = bounded(&repo, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(repo.path().join("site/plans.json").exists());
}

#[test]
fn fifty_thousand_distinct_keys_are_checked_in_linear_time() {
    let repo = TestRepo::with_git();
    let prefix = "k".repeat(40);
    let keys: String = (0..49_900)
        .map(|i| format!("  {prefix}{i:05}: 1\n"))
        .collect();
    let front = draft_front("keys");
    let lines_before = front.lines().count() as u64 + 1;
    repo.plan(
        "keys.md",
        format!("{front}extra:\n{keys}  {prefix}00000: 2\n---\n\n## Summary\n"),
    );
    repo.commit(
        "Many keys",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    let out = bounded(
        &repo,
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let d = &json["diagnostics"][0];
    assert_eq!(d["rule"], "front-matter", "{json}");
    let message = d["message"].as_str().unwrap();
    // The repeated key is on the line after the 49,900 others, and names the first one.
    assert!(
        message.contains(&format!("(first on line {})", lines_before + 1)),
        "{message}"
    );
    assert_eq!(d["line"].as_u64(), Some(lines_before + 49_901), "{d}");

    // Without the repeat, the plan is built too.
    repo.plan(
        "keys.md",
        format!("{front}extra:\n{keys}---\n\n## Summary\n"),
    );
    repo.commit(
        "No repeated key",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00Z",
    );
    let out = bounded(&repo, &["check", "--as-of", "2026-03-01"]);
    assert!(
        out.stdout.contains("unknown field `extra`"),
        "{}",
        out.stdout
    );
    assert_eq!(bounded(&repo, &["log", "--format", "json"]).code, 0);
    let out = bounded(&repo, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn fifty_thousand_unknown_fields_and_names_are_reported_in_linear_time() {
    let repo = TestRepo::with_git();
    // 49,900 unknown top-level fields, one finding each.
    let fields: String = (0..49_900).map(|i| format!("field{i:05}x: 1\n")).collect();
    repo.plan(
        "fields.md",
        draft_with_body("fields", "Text.").replacen("---\n", &format!("---\n{fields}"), 1),
    );
    // 50,000 unknown metrics named on one long line, one finding each.
    let names: Vec<String> = (0..50_000).map(|i| format!("x{i}")).collect();
    repo.plan(
        "names.md",
        draft_with_body("names", "Text.").replace(
            "metrics: [m] }",
            &format!("metrics: [m, {}] }}", names.join(", ")),
        ),
    );
    repo.commit(
        "Unknown names",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    let out = bounded(
        &repo,
        &["check", "--format", "json", "--as-of", "2026-03-01"],
    );
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["errors"], 99_900, "{}", &out.stdout[..2000]);
    let first = &json["diagnostics"][0];
    assert_eq!(first["message"], "unknown field `field00000x`", "{first}");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(2), Some(1))
    );
    let last = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|d| d["file"] == "plans/names.md")
        .unwrap();
    assert!(
        last["message"].as_str().unwrap().contains("`x49999`"),
        "{last}"
    );
    // The help lists the plan's metrics, not 50,000 names.
    assert!(last["help"].as_str().unwrap().len() < 200, "{last}");
    // The human report shows each long line only around its finding.
    let out = bounded(&repo, &["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.len() < 100_000_000, "{} bytes", out.stdout.len());
    assert!(
        out.stdout.contains("Checked 2 plans: 99900 errors"),
        "{}",
        &out.stdout[out.stdout.len() - 300..]
    );
}

#[test]
fn twenty_thousand_identical_headings_get_anchors_in_linear_time() {
    let repo = TestRepo::with_git();
    repo.plan(
        "same.md",
        draft_with_body("same", &"## Same\n\nText.\n\n".repeat(20_000)),
    );
    repo.commit(
        "Same headings",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    assert_eq!(bounded(&repo, &["check", "--as-of", "2026-03-01"]).code, 0);
    let out = bounded(&repo, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = repo.read("site/plans/same/index.html");
    assert!(
        page.contains("id=\"s-same-20000\""),
        "the last heading's anchor"
    );
    assert!(!page.contains("id=\"s-same-20001\""));
}

#[test]
fn markdown_nested_past_the_limit_is_shown_as_text_with_a_finding() {
    let body_line = draft_front("x").lines().count() as u64 + 5;
    // (plan, body, where the finding points, the tag that must stay within the limit)
    let cases = [
        // Each `> ` opens one quote: the 33rd, at column 65, is too deep.
        (
            "quotes",
            format!("{}deep\n", "> ".repeat(100_000)),
            (body_line, 65),
            "<blockquote",
        ),
        // Each `- ` opens a list and an item: the 17th, at column 33, is too deep.
        (
            "lists",
            format!("{}deep\n", "- ".repeat(100_000)),
            (body_line, 33),
            "<ul",
        ),
        (
            "divs",
            format!("{}deep\n", "<div>".repeat(200_000)),
            (body_line, 1),
            "<div",
        ),
        (
            "divlines",
            "<div>\n".repeat(200_000),
            (body_line + 32, 1),
            "<div",
        ),
    ];
    for (id, body, (line, column), tag) in cases {
        let repo = TestRepo::with_git();
        repo.plan(&format!("{id}.md"), draft_with_body(id, &body));
        repo.commit(
            "A deep body",
            "Ana Lima <ana@example.com>",
            "2026-01-05T10:00:00Z",
        );
        let out = bounded(
            &repo,
            &["check", "--format", "json", "--as-of", "2026-03-01"],
        );
        assert_eq!(out.code, 0, "{id}: warnings only: {}", out.stdout);
        let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let d = &json["diagnostics"][0];
        assert_eq!(json["diagnostics"].as_array().unwrap().len(), 1, "{json}");
        assert_eq!(d["rule"], "plan-length", "{id}: {d}");
        assert!(d["message"].as_str().unwrap().contains("32 levels"), "{d}");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(line), Some(column)),
            "{id}: {d}"
        );

        let out = bounded(&repo, &["build"]);
        assert_eq!(out.code, 0, "{id}: {}", out.stderr);
        let page = repo.read(&format!("site/plans/{id}/index.html"));
        // The text is the Summary section, shown in its own part near the top of the page.
        let body = &page[page.find("s-summary").unwrap()..];
        let body = &body[..body.find("</section>").unwrap()];
        assert!(
            body.matches(tag).count() <= 40,
            "{id}: more than the limit of {tag}"
        );
        if id != "divlines" {
            assert!(body.contains("deep"), "{id}: the deep text is still shown");
        }
    }
}

/// Terminal control sequences an attacker would put in a name, a subject or a value: set the
/// window title, clear the screen, and a C1 control sequence introducer.
const ESCAPES: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";

/// `text` in a double-quoted YAML string.
fn yaml_escaped(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[test]
fn control_characters_from_commits_and_plans_are_escaped_in_human_output() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit(
        "Add alpha",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    // Still a readable plan: the title is free text, and an unknown owner is only a finding.
    let hostile = valid_plan("alpha")
        .replace(
            "title: Nordics mid-market recovery",
            &format!("title: \"Nordics{}\"", yaml_escaped(ESCAPES)),
        )
        .replace(
            "owner: ana\nsponsor",
            &format!("owner: \"ana{}\"\nsponsor", yaml_escaped(ESCAPES)),
        );
    repo.plan("alpha.md", &hostile);
    repo.commit(
        &format!("Retitle {ESCAPES}\n\nApproved-by: Ben {ESCAPES} <ben@example.com>"),
        &format!("Ana{ESCAPES} <ana@example.com>"),
        "2026-01-06T10:00:00Z",
    );
    let escaped = |out: &common::Output, what: &str| {
        // CSV lines end with `\r\n` by its standard.
        let all = format!("{}{}", out.stdout, out.stderr).replace("\r\n", "\n");
        assert!(
            !all.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{what} printed a control character: {all:?}"
        );
    };
    let out = bounded(&repo, &["log"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Retitle \\u{1b}]0;pwned\\u{7}"),
        "{}",
        out.stdout
    );
    escaped(&out, "log");
    let out = bounded(&repo, &["check", "--as-of", "2026-03-01"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("\\u{1b}[2J"), "{}", out.stdout);
    escaped(&out, "check");
    for format in ["table", "csv"] {
        let out = bounded(
            &repo,
            &["status", "--format", format, "--as-of", "2026-03-01"],
        );
        escaped(&out, format);
    }
    let out = bounded(&repo, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    escaped(&out, "diff");
    // JSON escapes for itself, and keeps the exact text.
    let out = bounded(&repo, &["log", "--format", "json"]);
    assert!(out.stdout.contains("\\u001b]0;pwned"), "{}", out.stdout);
}

#[test]
fn plan_text_cannot_add_links_or_markup_to_the_diff_summary() {
    let repo = TestRepo::with_git();
    repo.plan("alpha.md", valid_plan("alpha"));
    repo.commit(
        "Add alpha",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    let hostile = valid_plan("alpha")
        .replace(
            "title: Nordics mid-market recovery",
            "title: \"[Approve here](https://evil.example) <img src=x onerror=alert(1)> **urgent**\"",
        )
        .replace("baseline: 400000", "baseline: \"![pixel](https://evil.example/p.png)\"")
        .replace("role: VP Sales", "role: \"| forged | cell |\\n# Heading\"");
    repo.plan("alpha.md", &hostile);
    repo.commit(
        "Retitle",
        "Ana Lima <ana@example.com>",
        "2026-01-06T10:00:00Z",
    );
    let out = bounded(&repo, &["diff", "HEAD~1", "HEAD", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for bad in [
        "](",
        "![",
        "**urgent**",
        "| forged |",
        "\n# Heading",
        "https://evil",
    ] {
        assert!(!out.stdout.contains(bad), "{bad} in:\n{}", out.stdout);
    }
    // Every `<` is shown as text, never the start of an HTML tag.
    assert!(
        out.stdout
            .match_indices('<')
            .all(|(i, _)| out.stdout[..i].ends_with('\\')),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\\[Approve here\\]"), "{}", out.stdout);
}

#[test]
fn a_huge_commit_message_on_many_plans_is_published_capped() {
    let repo = TestRepo::with_git();
    for i in 0..20 {
        repo.plan(&format!("p{i}.md"), valid_plan(&format!("p{i}")));
    }
    repo.commit(
        "Add plans",
        "Ana Lima <ana@example.com>",
        "2026-01-05T10:00:00Z",
    );
    for i in 0..20 {
        repo.plan(
            &format!("p{i}.md"),
            valid_plan(&format!("p{i}")).replace("target: 500000", "target: 510000"),
        );
    }
    // A 1 MB subject line and 5,000 trailers of 100 bytes each.
    let mut message = "S".repeat(1_000_000);
    message.push_str("\n\n");
    for i in 0..5_000 {
        message.push_str(&format!(
            "Reviewed-by: Reviewer {i} <r{i}{}@example.com>\n",
            "x".repeat(60)
        ));
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &message).unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-F", file.path().to_str().unwrap()]);

    let out = bounded(&repo, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let size = std::fs::metadata(repo.path().join("site/plans.json"))
        .unwrap()
        .len();
    // Uncapped: 20 plans × (1 MB subject + 0.5 MB of trailers) = 30 MB.
    assert!(size < 3_000_000, "plans.json is {size} bytes");
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.path().join("site/plans.json")).unwrap())
            .unwrap();
    let history = repo
        .path()
        .join("site")
        .join(data["plans"][0]["history_url"].as_str().unwrap());
    let size = std::fs::metadata(&history).unwrap().len();
    assert!(size < 3_000_000, "the history is {size} bytes");
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(history).unwrap()).unwrap();
    let revision = &history["revisions"][0];
    let summary = revision["summary"].as_str().unwrap();
    assert_eq!(
        summary.chars().count(),
        1_001,
        "1,000 characters and an ellipsis"
    );
    assert!(summary.ends_with('…'));
    assert_eq!(revision["trailers"].as_array().unwrap().len(), 50);
    let feed = std::fs::metadata(repo.path().join("site/feed.xml"))
        .unwrap()
        .len();
    assert!(feed < 1_000_000, "feed.xml is {feed} bytes");
    let page = std::fs::metadata(repo.path().join("site/plans/p0/index.html"))
        .unwrap()
        .len();
    assert!(page < 500_000, "a plan page is {page} bytes");
}
