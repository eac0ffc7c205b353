//! The one pass over the history: every commit that touched the plans folder, and which plan
//! files it added, modified, deleted or renamed.
//!
//! Commits whose plans-folder tree equals their first parent's are skipped without reading any
//! tree; otherwise only the subtrees whose ids differ are compared. Merges keep only the files
//! whose new content matches no other parent, so branch work is credited to its own commits.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use git2::{ObjectType, Oid, Repository, Sort};
use serde::{Deserialize, Serialize};

use crate::history::message::{self, Trailer};

/// A name and email as a commit records them (`.mailmap` is applied only for display).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Author {
    pub(crate) name: String,
    pub(crate) email: String,
}

/// A commit that changed at least one plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Commit {
    pub(crate) id: String,
    pub(crate) author: Author,
    pub(crate) committer: Author,
    /// Whether the commit carries a signature (`gpgsig`); it is verified when asked, against
    /// the keys of the day, never cached.
    pub(crate) signed: bool,
    /// When the author wrote it, with their offset (`2026-03-01T14:05:00+01:00`).
    pub(crate) date: crate::history::time::CommitTime,
    pub(crate) summary: String,
    pub(crate) pr: Option<u64>,
    /// Shared with every revision of the commit (a batch commit may carry hundreds).
    pub(crate) trailers: std::sync::Arc<[Trailer]>,
    /// The emails of its `Approved-by:` trailers, lower case: read the first time a sign-off
    /// is looked for among them (a merge may carry hundreds, asked once for each plan).
    #[serde(skip)]
    pub(crate) approvers: std::sync::OnceLock<std::collections::HashSet<String>>,
}

impl Commit {
    /// Whether an `Approved-by:` trailer of the commit names `email` (in any case; the
    /// trailer's email is trimmed, `email` is taken as it is).
    pub(crate) fn approved_by(&self, email: &str) -> bool {
        let approvers = self.approvers.get_or_init(|| {
            self.trailers
                .iter()
                .filter(|t| t.key.eq_ignore_ascii_case("approved-by"))
                .filter_map(|t| crate::history::message::angle_email(&t.value))
                .map(|e| e.trim().to_ascii_lowercase())
                .collect()
        });
        approvers.contains(&email.to_ascii_lowercase())
    }
}

/// What a commit did to a plan file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ChangeKind {
    Added,
    Modified,
    Deleted,
    Renamed,
}

/// What one commit did to one plan file. Paths are relative to the git work tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileChange {
    /// Index into [`Walk::commits`].
    pub(crate) commit: usize,
    pub(crate) status: ChangeKind,
    pub(crate) path: String,
    pub(crate) old_path: Option<String>,
    pub(crate) old_blob: Option<String>,
    pub(crate) new_blob: Option<String>,
    /// For a merge: the file's blobs in the other parents, so that what a branch brought in
    /// is credited to the branch, not to the merge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) other_parents: Vec<String>,
}

/// The commits (newest first) and file changes of the history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Walk {
    pub(crate) commits: Vec<Commit>,
    pub(crate) changes: Vec<FileChange>,
}

/// Trees read from the object database, kept while they are likely to be read again (a
/// commit's tree is its child's parent tree).
///
/// Two generations: a tree is looked up in the recent one, then in the older one (and moved
/// back to the recent one). When the recent generation holds its budget of entries, it
/// becomes the older one and the one before is let go. What is kept is bounded by entries,
/// not trees: a folder of 25,000 plans is a tree of 2.5 MB once parsed, and 512 of them held
/// 535 MB.
struct Trees<'r> {
    repo: &'r Repository,
    recent: HashMap<Oid, Rc<git2::Tree<'r>>>,
    older: HashMap<Oid, Rc<git2::Tree<'r>>>,
    /// Entries of the trees in `recent`.
    entries: usize,
    /// Entries a generation holds before it becomes the older one.
    budget: usize,
}

/// `(path, old blob, new blob, the blobs in a merge's other parents)`.
type Changed = Vec<(String, Option<Oid>, Option<Oid>, Vec<Oid>)>;

/// The last part of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn is_tree(entry: &git2::TreeEntry) -> bool {
    entry.kind() == Some(ObjectType::Tree)
}

impl<'r> Trees<'r> {
    /// Tree entries a generation holds (about 100 bytes each, parsed): 6.5 MB.
    const BUDGET: usize = 1 << 16;

    fn new(repo: &'r Repository) -> Trees<'r> {
        Trees::with_budget(repo, Trees::BUDGET)
    }

    fn with_budget(repo: &'r Repository, budget: usize) -> Trees<'r> {
        Trees {
            repo,
            recent: HashMap::new(),
            older: HashMap::new(),
            entries: 0,
            budget,
        }
    }

    fn tree(&mut self, id: Oid) -> Result<Rc<git2::Tree<'r>>, git2::Error> {
        if let Some(tree) = self.recent.get(&id) {
            return Ok(tree.clone());
        }
        let tree = match self.older.remove(&id) {
            Some(tree) => tree,
            None => Rc::new(self.repo.find_tree(id)?),
        };
        if self.entries >= self.budget {
            self.older = std::mem::take(&mut self.recent);
            self.entries = 0;
        }
        self.entries += tree.len();
        self.recent.insert(id, tree.clone());
        Ok(tree)
    }

    /// The id of the tree at `path` (relative to `root`), if there is one.
    fn subtree(&mut self, root: Oid, path: &Path) -> Result<Option<Oid>, git2::Error> {
        let mut id = root;
        for part in path.components() {
            let name = part.as_os_str().to_string_lossy();
            let tree = self.tree(id)?;
            match tree.get_name(&name).filter(is_tree) {
                Some(e) => id = e.id(),
                None => return Ok(None),
            }
        }
        Ok(Some(id))
    }

    /// The blob at `path` below tree `root`.
    fn blob_at(&mut self, root: Oid, path: &str) -> Result<Option<Oid>, git2::Error> {
        let mut id = root;
        let mut parts = path.split('/').peekable();
        while let Some(name) = parts.next() {
            let tree = self.tree(id)?;
            let Some(entry) = tree.get_name(name) else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok((!is_tree(&entry)).then_some(entry.id()));
            }
            if !is_tree(&entry) {
                return Ok(None);
            }
            id = entry.id();
        }
        Ok(None)
    }

    /// Plan files that differ between two trees: `(path, old blob, new blob)`.
    fn diff(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        prefix: &str,
        out: &mut Changed,
    ) -> Result<(), git2::Error> {
        if old == new {
            return Ok(());
        }
        let old_tree = old.map(|id| self.tree(id)).transpose()?;
        let new_tree = new.map(|id| self.tree(id)).transpose()?;
        let old_len = old_tree.as_ref().map_or(0, |t| t.len());
        let new_len = new_tree.as_ref().map_or(0, |t| t.len());
        // Both trees list entries in git's order, so one merge pass pairs them up.
        let (mut i, mut j) = (0, 0);
        while i < old_len || j < new_len {
            let o = old_tree.as_ref().and_then(|t| t.get(i));
            let n = new_tree.as_ref().and_then(|t| t.get(j));
            let order = match (&o, &n) {
                (Some(o), Some(n)) => git_order(o, n),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, _) => std::cmp::Ordering::Greater,
            };
            match (order, o, n) {
                (std::cmp::Ordering::Less, Some(o), _) => {
                    self.side(&o, prefix, true, out)?;
                    i += 1;
                }
                (std::cmp::Ordering::Greater, _, Some(n)) => {
                    self.side(&n, prefix, false, out)?;
                    j += 1;
                }
                (_, Some(o), Some(n)) => {
                    if o.id() != n.id() {
                        let path = format!("{prefix}{}", String::from_utf8_lossy(n.name_bytes()));
                        if is_tree(&n) {
                            self.diff(Some(o.id()), Some(n.id()), &format!("{path}/"), out)?;
                        } else if crate::git::is_plan_name(file_name(&path)) {
                            out.push((path, Some(o.id()), Some(n.id()), Vec::new()));
                        }
                    }
                    i += 1;
                    j += 1;
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// An entry only in the old tree (`removed`) or only in the new one.
    fn side(
        &mut self,
        e: &git2::TreeEntry,
        prefix: &str,
        removed: bool,
        out: &mut Changed,
    ) -> Result<(), git2::Error> {
        let path = format!("{prefix}{}", String::from_utf8_lossy(e.name_bytes()));
        if is_tree(e) {
            let (old, new) = if removed {
                (Some(e.id()), None)
            } else {
                (None, Some(e.id()))
            };
            return self.diff(old, new, &format!("{path}/"), out);
        }
        if crate::git::is_plan_name(file_name(&path)) {
            let (old, new) = if removed {
                (Some(e.id()), None)
            } else {
                (None, Some(e.id()))
            };
            out.push((path, old, new, Vec::new()));
        }
        Ok(())
    }
}

/// The order of git tree entries: by name, as if a folder's name ended in `/`.
fn git_order(a: &git2::TreeEntry, b: &git2::TreeEntry) -> std::cmp::Ordering {
    let slash = |e: &git2::TreeEntry| is_tree(e).then_some(b'/');
    let ka = a.name_bytes().iter().copied().chain(slash(a));
    let kb = b.name_bytes().iter().copied().chain(slash(b));
    ka.cmp(kb)
}

/// Walks the history from `head` (stopping at the `known` commits, already walked), and
/// records every change to plan files under `plans` (relative to the work tree).
///
/// Commits are examined oldest first, and each change to a plan file is handed to `seen` as
/// it is found (`old blob → new blob`).
pub(crate) fn walk(
    repo: &Repository,
    head: Oid,
    known: &[Oid],
    plans: &Path,
    seen: &mut dyn FnMut(Option<&str>, &str),
) -> Result<Walk, git2::Error> {
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    revwalk.push(head)?;
    for id in known {
        revwalk.hide(*id)?;
    }
    let mut trees = Trees::new(repo);
    let mut merges = Vec::new();
    let mut pending: Vec<(Oid, Commit, Vec<FileChange>)> = Vec::new();
    for id in revwalk {
        let Some(e) = examine(repo, &mut trees, id?, plans)? else {
            continue;
        };
        merges.extend(e.merges);
        if let Some((commit, changed)) = e.commit {
            let mut changes = Vec::new();
            pair_renames(repo, 0, changed, &mut changes);
            for change in &changes {
                if let Some(new) = &change.new_blob {
                    seen(change.old_blob.as_deref(), new);
                }
            }
            pending.push((e.id, commit, changes));
        }
    }
    let mut merged_pr: HashMap<Oid, u64> = HashMap::new();
    for (pr, base, branch) in merges {
        mark_merged(repo, base, branch, pr, &mut merged_pr)?;
    }
    let mut walk = Walk::default();
    // Listed newest first.
    for (id, mut commit, changes) in pending.into_iter().rev() {
        // The merge that brought a commit in names its pull request; a subject's own `(#N)` is
        // only a claim of whoever wrote it.
        if let Some(pr) = merged_pr.get(&id) {
            commit.pr = Some(*pr);
        }
        let index = walk.commits.len();
        walk.commits.push(commit);
        walk.changes.extend(
            changes
                .into_iter()
                .map(|c| FileChange { commit: index, ..c }),
        );
    }
    Ok(walk)
}

/// What one commit contributes: its plan changes (if any) and, for a pull-request merge, the
/// number to give the commits it merged.
struct Examined {
    id: Oid,
    commit: Option<(Commit, Changed)>,
    merges: Option<(u64, Oid, Oid)>,
}

fn examine(
    repo: &Repository,
    trees: &mut Trees,
    id: Oid,
    plans: &Path,
) -> Result<Option<Examined>, git2::Error> {
    let commit = repo.find_commit(id)?;
    // Parents missing from a shallow clone count as no parent.
    let parents: Vec<git2::Commit> = commit.parents().collect();
    let message = commit.message().unwrap_or("");
    let summary = message::subject(message).to_string();
    let own_pr = message::pull_request(&summary);
    let merges = match (own_pr, parents.get(1)) {
        (Some(pr), Some(second)) if summary.starts_with("Merge pull request #") => {
            Some((pr, parents[0].id(), second.id()))
        }
        _ => None,
    };
    let plans_tree = trees.subtree(commit.tree_id(), plans)?;
    let first_parent = match parents.first() {
        Some(p) => Some(trees.subtree(p.tree_id(), plans)?),
        None => None,
    };
    if first_parent == Some(plans_tree) {
        return Ok(merges.map(|m| Examined {
            id,
            commit: None,
            merges: Some(m),
        }));
    }
    let mut changed = Vec::new();
    trees.diff(
        first_parent.flatten(),
        plans_tree,
        &plans_prefix(plans),
        &mut changed,
    )?;
    if parents.len() > 1 {
        // Keep what the merge itself brought: content that matches no other parent.
        let mut kept = Vec::new();
        for mut change in changed {
            let mut from_a_parent = false;
            for other in parents.iter().skip(1) {
                let blob = trees.blob_at(other.tree_id(), &change.0)?;
                if blob == change.2 {
                    from_a_parent = true;
                }
                change.3.extend(blob);
            }
            if !from_a_parent {
                kept.push(change);
            }
        }
        changed = kept;
    }
    if changed.is_empty() {
        return Ok(merges.map(|m| Examined {
            id,
            commit: None,
            merges: Some(m),
        }));
    }
    let author = commit.author();
    let person = |s: &git2::Signature| Author {
        name: String::from_utf8_lossy(s.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(s.email_bytes()).into_owned(),
    };
    let record = Commit {
        approvers: Default::default(),
        id: id.to_string(),
        author: person(&author),
        committer: person(&commit.committer()),
        signed: commit.header_field_bytes("gpgsig").is_ok(),
        date: crate::history::time::CommitTime::from_git(author.when()),
        pr: own_pr,
        trailers: message::trailers(message).into(),
        summary,
    };
    Ok(Some(Examined {
        id,
        commit: Some((record, changed)),
        merges,
    }))
}

/// Gives the commits a pull request merged (reachable from `branch` but not `base`) its number.
fn mark_merged(
    repo: &Repository,
    base: Oid,
    branch: Oid,
    pr: u64,
    out: &mut HashMap<Oid, u64>,
) -> Result<(), git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.push(branch)?;
    walk.hide(base)?;
    for id in walk.take(10_000) {
        out.entry(id?).or_insert(pr);
    }
    Ok(())
}

fn plans_prefix(plans: &Path) -> String {
    let text = crate::diagnostic::display_path(plans);
    if text.is_empty() || text == "." {
        String::new()
    } else {
        format!("{text}/")
    }
}

/// Turns a commit's adds and deletes into renames where they are the same plan: identical
/// content first, then the same file name (a plan moved to another folder), then similar
/// content for the few that remain.
fn pair_renames(repo: &Repository, commit: usize, changed: Changed, out: &mut Vec<FileChange>) {
    let mut added: Vec<(String, Oid)> = Vec::new();
    let mut deleted: Vec<(String, Oid)> = Vec::new();
    let mut merged: HashMap<String, Vec<String>> = HashMap::new();
    for (path, old, new, others) in changed {
        if !others.is_empty() {
            merged.insert(path.clone(), others.iter().map(Oid::to_string).collect());
        }
        match (old, new) {
            (Some(o), Some(n)) => out.push(FileChange {
                commit,
                status: ChangeKind::Modified,
                other_parents: merged.remove(&path).unwrap_or_default(),
                path,
                old_path: None,
                old_blob: Some(o.to_string()),
                new_blob: Some(n.to_string()),
            }),
            (None, Some(n)) => added.push((path, n)),
            (Some(o), None) => deleted.push((path, o)),
            (None, None) => {}
        }
    }
    let pairs = crate::history::renames::pair(&added, &deleted, &|a, b| similar(repo, *a, *b));
    let mut used_deleted = vec![false; deleted.len()];
    for d in pairs.iter().flatten() {
        used_deleted[*d] = true;
    }
    for (a, (path, blob)) in added.iter().enumerate() {
        let pair = pairs[a].map(|d| &deleted[d]);
        out.push(FileChange {
            commit,
            status: if pair.is_some() {
                ChangeKind::Renamed
            } else {
                ChangeKind::Added
            },
            other_parents: merged.remove(path).unwrap_or_default(),
            path: path.clone(),
            old_path: pair.map(|(p, _)| p.clone()),
            old_blob: pair.map(|(_, b)| b.to_string()),
            new_blob: Some(blob.to_string()),
        });
    }
    for (d, (path, blob)) in deleted.iter().enumerate() {
        if !used_deleted[d] {
            out.push(FileChange {
                commit,
                status: ChangeKind::Deleted,
                other_parents: Vec::new(),
                path: path.clone(),
                old_path: None,
                old_blob: Some(blob.to_string()),
                new_blob: None,
            });
        }
    }
}

/// Whether two blobs share at least half of their lines (git's default rename threshold).
fn similar(repo: &Repository, a: Oid, b: Oid) -> bool {
    // Within the plan size limit: an oversized blob is no plan to pair.
    let read = |id: Oid| crate::git::read_blob(repo, &id.to_string());
    match (read(a), read(b)) {
        (Some(a), Some(b)) => crate::history::renames::similar_text(&a, &b),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_are_kept_by_entries_in_two_generations() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        // Trees of 1 to 8 entries.
        let ids: Vec<Oid> = (1..=8)
            .map(|n| {
                let mut builder = repo.treebuilder(None).unwrap();
                for i in 0..n {
                    builder.insert(format!("f{i}"), blob, 0o100644).unwrap();
                }
                builder.write().unwrap()
            })
            .collect();
        let mut trees = Trees::with_budget(&repo, 10);
        let first = trees.tree(ids[0]).unwrap();
        assert!(Rc::ptr_eq(&first, &trees.tree(ids[0]).unwrap()));
        for id in &ids[1..4] {
            trees.tree(*id).unwrap();
        }
        // 1 + 2 + 3 + 4 entries: the fifth tree starts a generation.
        trees.tree(ids[4]).unwrap();
        assert_eq!(trees.older.len(), 4);
        assert_eq!((trees.recent.len(), trees.entries), (1, 5));
        // A tree of the older generation is found there and moved back.
        assert!(Rc::ptr_eq(&first, &trees.tree(ids[0]).unwrap()));
        assert!(trees.recent.contains_key(&ids[0]) && !trees.older.contains_key(&ids[0]));
        // Two more generations let the first one go.
        for id in &ids[5..8] {
            trees.tree(*id).unwrap();
        }
        assert!(!trees.recent.contains_key(&ids[1]) && !trees.older.contains_key(&ids[1]));
        let held: usize = trees
            .recent
            .values()
            .chain(trees.older.values())
            .map(|t| t.len())
            .sum();
        assert!(held <= 2 * 10 + 8, "{held} entries held");
    }
}
