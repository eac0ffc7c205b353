//! Hostile repositories: each case gets a clear message and the right exit code, nothing is
//! written where it should not be, and nothing blows up in time or memory (what is read is
//! bounded). Exit codes: 0 clean, 1 findings, 2 the run could not be done as asked.

mod common;

use std::path::Path;

use common::{TestRepo, valid_plan};

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
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
    out
}

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
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_planbook"))
        .args(["check", "--format", "json", "--as-of", "2026-03-01"])
        .current_dir(repo.path())
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
    let tree = repo.git(&["rev-parse", "HEAD~1^{tree}"]);
    let tree = tree.trim();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&tree[..2])
        .join(&tree[2..]);
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
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_planbook"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
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
                std::process::Command::new(env!("CARGO_BIN_EXE_planbook"))
                    .args(["build", "--out", "public/site", "-q"])
                    .current_dir(repo.path())
                    .env("NO_COLOR", "1")
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
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_planbook"))
        .args(["build"])
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
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
    let revisions = json["plans"][0]["history"]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{revisions:?}");
    // With restricted plans included, the whole history is there.
    let out = repo.run(&["build", "--include-restricted", "--out", "internal"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json = std::fs::read_to_string(repo.path().join("internal/plans.json")).unwrap();
    assert!(json.contains("888222"));
}
