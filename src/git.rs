//! The one door to git: opening the repository that holds the plans, where the plans root lies
//! in its work tree, reading a committed file within the plan size limit, which files are
//! plans, and the web address of the `origin` remote. The history walk, `check`'s history
//! rules, `diff`, the site, `serve`'s watcher and `new` all come through here.

use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use crate::error::Error;

pub(crate) mod packs;
pub(crate) mod store;

/// Running `git` itself in tests, to build the repositories they read.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;
    use std::process::Command;

    /// Runs `git args…` in `dir` as a fixed author, and returns what it printed.
    pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "A")
            .env("GIT_AUTHOR_EMAIL", "a@example.com")
            .env("GIT_COMMITTER_NAME", "A")
            .env("GIT_COMMITTER_EMAIL", "a@example.com")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("git prints UTF-8")
    }

    /// Commits an empty tree with `parents` in `git`, moving no reference: a commit graph of
    /// any shape, without a work tree.
    pub(crate) fn empty_commit(
        git: &git2::Repository,
        message: &str,
        parents: &[git2::Oid],
    ) -> git2::Oid {
        let who = git2::Signature::now("A", "a@example.com").unwrap();
        let tree = git
            .find_tree(git.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        let parents: Vec<git2::Commit> = parents
            .iter()
            .map(|p| git.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        git.commit(None, &who, &who, message, &tree, &parents)
            .unwrap()
    }

    /// Commits everything in the work tree at `dir`.
    pub(crate) fn commit_all(dir: &Path, message: &str) {
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", message]);
    }
}

/// The git repository holding `root` (searching upwards from it, as git does; or the one
/// `GIT_DIR` names, with `GIT_WORK_TREE` as its work tree, as git does when they are set).
/// `Ok(None)` only where git would find no repository either: one that is there but cannot be
/// opened (owned by another user, a format planbook cannot read) is an error that says so,
/// never taken for "no history".
pub(crate) fn discover(root: &Path) -> Result<Option<Repository>, Error> {
    let git_dir = std::env::var_os("GIT_DIR").filter(|d| !d.is_empty());
    let found = match &git_dir {
        Some(dir) => Repository::open(Path::new(dir)).and_then(|git| {
            let tree = match std::env::var_os("GIT_WORK_TREE").filter(|t| !t.is_empty()) {
                Some(tree) => Some(PathBuf::from(tree)),
                // As git does: with GIT_DIR alone, the current folder is the top of the work
                // tree, unless `core.worktree` names one or the repository is bare (a hook of
                // a `--separate-git-dir` checkout runs so).
                None => {
                    let config = git.config()?;
                    let named = config.get_path("core.worktree").is_ok();
                    let bare = config.get_bool("core.bare").unwrap_or(false);
                    (!named && !bare)
                        .then(std::env::current_dir)
                        .transpose()
                        .map_err(|e| git2::Error::from_str(&e.to_string()))?
                }
            };
            if let Some(tree) = tree {
                git.set_workdir(&tree, false)?;
            }
            Ok(git)
        }),
        None => Repository::discover(root).and_then(|git| {
            // A checkout whose `.git` is a file naming its git folder elsewhere (`git init
            // --separate-git-dir`) has its work tree where that file is; libgit2 takes the git
            // folder's parent. (Linked work trees and submodules get the same answer either way.)
            let gitfile = root
                .ancestors()
                .find(|folder| folder.join(".git").symlink_metadata().is_ok());
            if let Some(folder) = gitfile
                && folder.join(".git").is_file()
                && git.workdir().map(|w| w.canonicalize().ok()) != Some(folder.canonicalize().ok())
            {
                git.set_workdir(folder, false)?;
            }
            Ok(git)
        }),
    };
    match found {
        Ok(git) => {
            remember_workdir(&git);
            Ok(Some(git))
        }
        // A GIT_DIR that names nothing is an error, as it is for git.
        Err(e) if e.code() == git2::ErrorCode::NotFound && git_dir.is_none() => Ok(None),
        Err(e) => Err(cannot_open(root, &e)),
    }
}

/// The work tree found for each git folder opened, where opening the folder alone would not
/// find it: a checkout made with `git init --separate-git-dir` (the folder does not say where
/// its work tree is), or `GIT_WORK_TREE`. Threads open the repository again by its folder.
static WORKDIRS: std::sync::Mutex<Vec<(PathBuf, PathBuf)>> = std::sync::Mutex::new(Vec::new());

fn remember_workdir(git: &Repository) {
    let (Some(workdir), Ok(folder)) = (git.workdir(), git.path().canonicalize()) else {
        return;
    };
    let mut known = WORKDIRS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    known.retain(|(f, _)| *f != folder);
    known.push((folder, workdir.to_path_buf()));
}

/// Why the repository holding `root` cannot be opened, and what to do.
fn cannot_open(root: &Path, e: &git2::Error) -> Error {
    let detail = e.message();
    if e.code() == git2::ErrorCode::Owner {
        return Error::Git {
            message: format!(
                "git refuses the repository holding {}: it is owned by another user ({detail})",
                root.display()
            ),
            help: Some(format!(
                "if you trust it, run `git config --global --add safe.directory {}` (in a CI container job, the checkout belongs to another user than the job)",
                refused_path(detail).unwrap_or_else(|| root.display().to_string())
            )),
        };
    }
    if detail.contains("extensions.") || detail.contains("object format") {
        return Error::Git {
            message: format!(
                "the repository holding {} uses a format planbook cannot read ({detail})",
                root.display()
            ),
            help: Some(
                "planbook reads git's default formats: SHA-1 objects and files references (a repository made with `--object-format=sha256` or `--ref-format=reftable` is not read; `git clone --ref-format=files` makes a readable clone of a reftable one)"
                    .to_string(),
            ),
        };
    }
    Error::Git {
        message: format!(
            "cannot open the git repository holding {}: {detail}",
            root.display()
        ),
        help: Some(
            "check that `git status` works there (and that GIT_DIR, if set, names a repository)"
                .to_string(),
        ),
    }
}

/// The folder named in libgit2's ownership error (`repository path '…' is not owned…`): the
/// one `safe.directory` must name.
fn refused_path(detail: &str) -> Option<String> {
    let start = detail.find('\'')? + 1;
    let len = detail[start..].find('\'')?;
    Some(detail[start..start + len].trim_end_matches('/').to_string())
}

/// Opens the repository at `git_dir` again (each thread needs its own handle), with the work
/// tree found when it was discovered.
pub(crate) fn open(git_dir: &Path) -> Result<Repository, git2::Error> {
    let git = Repository::open(git_dir)?;
    let folder = git_dir.canonicalize().ok();
    let workdir = WORKDIRS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .find(|(f, _)| Some(f) == folder.as_ref())
        .map(|(_, w)| w.clone());
    if let Some(workdir) = workdir
        && git.workdir() != Some(workdir.as_path())
    {
        git.set_workdir(&workdir, false)?;
    }
    Ok(git)
}

/// The work tree of `git`, as a real path (without links); `None` for a bare repository.
pub(crate) fn workdir(git: &Repository) -> Option<PathBuf> {
    let workdir = git.workdir()?.to_path_buf();
    Some(workdir.canonicalize().unwrap_or(workdir))
}

/// Where the plans repository's `root` lies inside the work tree of `git` (empty when it is the
/// work tree itself): what turns a repository path into a git path.
pub(crate) fn root_in_workdir(git: &Repository, root: &Path) -> PathBuf {
    let Some(workdir) = workdir(git) else {
        return PathBuf::new();
    };
    root.strip_prefix(&workdir)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The plan files under the plans folder `plans` (relative to `root`) that a sparse checkout
/// leaves out of the work tree (the index marks them skip-worktree and they are not on disk),
/// relative to `root`, with their blob: they are as committed, not removed. Empty unless
/// `core.sparseCheckout` is on (the index is then read, which costs a few milliseconds); an
/// error (why) when it is on and the index cannot be read (a sparse index): which plans are
/// left out cannot be told then.
pub(crate) fn outside_sparse_checkout(
    root: &Path,
    plans: &Path,
) -> Result<Vec<(PathBuf, Oid)>, String> {
    const SKIP_WORKTREE: u16 = 1 << 14;
    let Ok(Some(git)) = discover(root) else {
        return Ok(Vec::new());
    };
    let sparse = git
        .config()
        .and_then(|c| c.get_bool("core.sparsecheckout"))
        .unwrap_or(false);
    let Some(workdir) = workdir(&git).filter(|_| sparse) else {
        return Ok(Vec::new());
    };
    let index = git.index().map_err(|e| e.message().to_string())?;
    let prefix = root_in_workdir(&git, root);
    let folder = crate::diagnostic::display_path(&prefix.join(plans));
    let folder = if folder.is_empty() || folder == "." {
        String::new()
    } else {
        format!("{folder}/")
    };
    Ok(index
        .iter()
        .filter(|e| e.flags_extended & SKIP_WORKTREE != 0)
        .filter_map(|e| {
            let path = String::from_utf8(e.path).ok()?;
            let inside = path.strip_prefix(&folder)?;
            if !is_plan_path(inside) || workdir.join(&path).symlink_metadata().is_ok() {
                return None;
            }
            let relative = Path::new(&path).strip_prefix(&prefix).ok()?.to_path_buf();
            Some((relative, e.id))
        })
        .collect())
}

/// What besides its commits decides the history HEAD has: the shallow boundary and the
/// grafts, as a digest (hex). `git fetch --unshallow` or `--deepen` changes it, and the same
/// HEAD then has a longer history.
pub(crate) fn history_shape(git: &Repository) -> String {
    let mut digest = crate::digest::Labelled::default();
    let common = git.commondir();
    digest.file("shallow", &git.path().join("shallow"));
    digest.file("shallow (common)", &common.join("shallow"));
    digest.file("grafts", &common.join("info/grafts"));
    digest.finish().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `.git/info/grafts` gives commits other parents than they have: libgit2 walks the
/// history it describes, which a sign-off's trace must not trust (git itself has deprecated
/// grafts for `git replace`, which libgit2 does not apply).
pub(crate) fn grafted(git: &Repository) -> bool {
    std::fs::metadata(git.commondir().join("info/grafts")).is_ok_and(|m| m.len() > 0)
}

/// The content of a committed blob within the plan size limit (empty when it is over it: its
/// size comes from the object header, so it is never read); `None` when the object is missing
/// or unreadable, which must never read as an empty plan.
pub(crate) fn read_blob(git: &Repository, blob: &str) -> Option<Vec<u8>> {
    let oid = Oid::from_str(blob).ok()?;
    let odb = git.odb().ok()?;
    let (size, _) = odb.read_header(oid).ok()?;
    if size as u64 > crate::read::MAX_PLAN_BYTES {
        return Some(Vec::new());
    }
    git.find_blob(oid).ok().map(|b| b.content().to_vec())
}

/// Whether a file name is a plan's: a `.md` file that is not a README and not hidden (a name
/// starting with `.`, as editors' lock and swap files do).
pub(crate) fn is_plan_name(name: &str) -> bool {
    name.ends_with(".md") && !name.eq_ignore_ascii_case("readme.md") && !name.starts_with('.')
}

/// Whether `path`, relative to the plans folder (`/`-separated), is a plan: its name is a
/// plan's and no folder on the way is hidden. This is the one answer: the plans on disk, at a
/// revision (`diff`) and in the editor are the same files. (The history walk records changes
/// to every file with a plan's name, so that renames out of a hidden folder are followed; a
/// history is only ever looked up for a plan this test lets through.)
pub(crate) fn is_plan_path(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or(path);
    is_plan_name(name) && parts.all(|folder| !folder.starts_with('.'))
}

/// The commit checked out in the repository holding `root`, if any.
pub(crate) fn head(root: &Path) -> Option<Oid> {
    discover(root)
        .ok()?
        .and_then(|git| git.head().ok()?.target())
}

/// `user.email` from the configuration of the repository holding `root`, or from the user's
/// and the system's when there is no repository.
pub(crate) fn user_email(root: &Path) -> Option<String> {
    Repository::discover(root)
        .and_then(|git| git.config())
        .or_else(|_| git2::Config::open_default())
        .and_then(|c| c.get_string("user.email"))
        .ok()
}

/// The web address of the `origin` remote of the repository holding `root`, if it has one
/// (SSH and HTTPS remotes, without credentials or `.git`).
pub(crate) fn origin_web_url(root: &Path) -> Option<String> {
    let git = discover(root).ok().flatten()?;
    let remote = git.find_remote("origin").ok()?;
    web_url(remote.url().ok()?)
}

/// The web address of a remote URL: `git@host:path` and `ssh://git@host/path` become
/// `https://host/path`, credentials are dropped from HTTP(S) URLs; other schemes have none.
pub(crate) fn web_url(url: &str) -> Option<String> {
    let url = url
        .trim()
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_string();
    let web = if let Some(rest) = url.strip_prefix("git@") {
        let (host, path) = rest.split_once(':')?;
        format!("https://{host}/{path}")
    } else if let Some(rest) = url.strip_prefix("ssh://git@") {
        format!("https://{}", rest.replacen(':', "/", 1))
    } else if url.starts_with("https://") || url.starts_with("http://") {
        match url.split_once('@') {
            Some((scheme_user, host)) if scheme_user.contains("://") => {
                format!("{}://{host}", scheme_user.split("://").next()?)
            }
            _ => url,
        }
    } else {
        return None;
    };
    Some(web)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_paths_have_one_answer() {
        assert!(is_plan_path("alpha.md"));
        assert!(is_plan_path("emea/alpha.md"));
        assert!(!is_plan_path("README.md"));
        assert!(!is_plan_path("emea/readme.md"));
        assert!(!is_plan_path(".alpha.md"));
        assert!(!is_plan_path(".drafts/alpha.md"));
        assert!(!is_plan_path("emea/.old/alpha.md"));
        assert!(!is_plan_path("emea/alpha.txt"));
    }

    #[test]
    fn remote_urls_become_web_addresses() {
        let web = |url: &str| web_url(url);
        assert_eq!(
            web("git@github.com:corvid/plans.git").as_deref(),
            Some("https://github.com/corvid/plans")
        );
        assert_eq!(
            web("ssh://git@github.com/corvid/plans.git").as_deref(),
            Some("https://github.com/corvid/plans")
        );
        assert_eq!(
            web("https://token:x@github.com/corvid/plans.git/").as_deref(),
            Some("https://github.com/corvid/plans")
        );
        assert_eq!(web("/srv/git/plans.git"), None);
    }
}
