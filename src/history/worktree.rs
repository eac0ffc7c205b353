//! What the work tree holds against HEAD: the blob of each plan at HEAD, and the plan files
//! whose content differs from it (what a `working tree` revision shows).
//!
//! `plans` is the plans folder as a git path: empty when it is the top of the work tree.

use std::collections::HashMap;
use std::path::Path;

use git2::{Oid, Repository};

/// The git path (from the top of the work tree, `/`-separated) of `path`, relative to the
/// plans repository's root, which lies at `root_in_workdir` in the work tree.
pub(crate) fn git_path(root_in_workdir: &Path, path: &Path) -> String {
    crate::diagnostic::display_path(&root_in_workdir.join(path))
}

/// The plans folder of `tree` (the tree itself when `plans` is empty); `None` when the tree
/// has none.
pub(crate) fn plans_folder<'g>(
    git: &'g Repository,
    tree: git2::Tree<'g>,
    plans: &str,
) -> Option<git2::Tree<'g>> {
    if plans.is_empty() {
        return Some(tree);
    }
    let entry = tree.get_path(Path::new(plans)).ok()?;
    git.find_tree(entry.id()).ok()
}

/// The blob of every file under the plans folder at HEAD, by git path, read in one walk of
/// the folder (looking each plan up from the root would parse its folder's tree again for
/// every plan).
pub(crate) fn head_blobs(git: &Repository, plans: &str) -> HashMap<String, Oid> {
    let mut out = HashMap::new();
    let head = git.head().ok().and_then(|h| h.peel_to_tree().ok());
    let Some(folder) = head.and_then(|tree| plans_folder(git, tree, plans)) else {
        return out;
    };
    let prefix = if plans.is_empty() {
        String::new()
    } else {
        format!("{plans}/")
    };
    let _ = folder.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            let name = String::from_utf8_lossy(entry.name_bytes());
            out.insert(format!("{prefix}{dir}{name}"), entry.id());
        }
        git2::TreeWalkResult::Ok
    });
    out
}

/// That git's index could not be read (`error` says why), so uncommitted edits to plans are
/// not shown, and what to do: as `(message, help)`.
pub(crate) fn unread(error: &str) -> (String, String) {
    let help = if error.ends_with("permission denied") {
        "let this user read it, or run planbook as the user who owns the clone"
    } else {
        "planbook reads no split or sparse index: turn it off for this clone (a split index: `git update-index --no-split-index`; a sparse index: `git config index.sparse false`, then `git sparse-checkout reapply`)"
    };
    (
        format!(
            "git's index cannot be read ({error}): uncommitted edits to plans are not shown or checked"
        ),
        help.to_string(),
    )
}

/// The same as one warning: what `log`, `check` and `build` print and the language server
/// shows.
pub(crate) fn unread_warning(error: &str) -> String {
    let (message, help) = unread(error);
    format!("{message}\n  help: {help}")
}

/// Plan files whose working-tree content differs from HEAD, with their HEAD blob; an error
/// when git's index cannot be read (libgit2 reads no split or sparse index), which must never
/// read as "nothing uncommitted".
pub(crate) fn uncommitted(
    git: &Repository,
    workdir: &Path,
    plans: &str,
) -> Result<HashMap<String, Option<String>>, git2::Error> {
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    // Only the plans folder matters; the rest of the work tree is not even looked at. Its
    // name is a path, not a pattern (a folder named `q[1]` holds no `q1`).
    if !plans.is_empty() {
        options.pathspec(format!("{plans}/"));
        options.disable_pathspec_match(true);
    }
    let mut out = HashMap::new();
    // The index is read, never written: libgit2 would write back the copy it read, over
    // whatever a `git add` or `git checkout` running meanwhile wrote (git itself checks the
    // index is unchanged before it refreshes it; libgit2 does not). So a clone whose index
    // records other inodes and times (copied, restored) has its plans read and hashed on
    // each run until `git status` refreshes the index.
    let statuses = git.statuses(Some(&mut options)).map_err(|e| {
        // libgit2 says an index it may not read "no longer exists".
        let index = git.path().join("index");
        match std::fs::File::open(&index) {
            Err(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                git2::Error::from_str(&format!("{}: permission denied", index.display()))
            }
            _ => e,
        }
    })?;
    let head_tree = git.head().ok().and_then(|h| h.peel_to_tree().ok());
    // Files marked skip-worktree or assume-unchanged are hidden from `git status`: their
    // content on disk is compared with HEAD here.
    if let Ok(index) = git.index() {
        for entry in index.iter() {
            let hidden =
                entry.flags_extended & (git2::IndexEntryExtendedFlag::SKIP_WORKTREE.bits()) != 0
                    || entry.flags & (git2::IndexEntryFlag::VALID.bits()) != 0;
            let path = String::from_utf8_lossy(&entry.path).into_owned();
            let inside = plans.is_empty() || path.starts_with(&format!("{plans}/"));
            if !hidden || !path.ends_with(".md") || !inside {
                continue;
            }
            let Ok(bytes) = crate::read::read_limited(&workdir.join(&path)) else {
                continue;
            };
            let on_disk = Oid::hash_object(git2::ObjectType::Blob, &bytes).ok();
            let head_blob = head_tree
                .as_ref()
                .and_then(|t| t.get_path(Path::new(&path)).ok())
                .map(|e| e.id());
            if on_disk != head_blob {
                out.insert(path, head_blob.map(|b| b.to_string()));
            }
        }
    }
    for entry in statuses.iter() {
        let status = entry.status();
        if !(status.is_wt_modified()
            || status.is_wt_new()
            || status.is_index_modified()
            || status.is_index_new()
            || status.is_wt_renamed()
            || status.is_index_renamed())
        {
            continue;
        }
        let Some(path) = entry.path().ok() else {
            continue;
        };
        if !path.ends_with(".md") {
            continue;
        }
        let head_blob = head_tree
            .as_ref()
            .and_then(|t| t.get_path(Path::new(path)).ok())
            .map(|e| e.id().to_string());
        out.insert(path.to_string(), head_blob);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// The help fits why the index could not be read.
    #[test]
    fn the_help_fits_why_the_index_cannot_be_read() {
        let (message, help) = super::unread("/r/.git/index: permission denied");
        assert!(message.contains("permission denied"), "{message}");
        assert!(help.contains("let this user read it"), "{help}");
        let (_, help) = super::unread("unsupported mandatory extension: 'link'");
        assert!(help.contains("git update-index --no-split-index"), "{help}");
    }
}
