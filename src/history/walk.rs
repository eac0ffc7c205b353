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
    /// Every commit walked, whatever it changed, with its parents' ids as libgit2 gives them
    /// (a shallow clone's boundary commits with none): the commit graph, kept so that
    /// ancestry questions need not read every commit again (see
    /// [`crate::history::graph::Graph::of_walk`]).
    #[serde(skip)]
    pub(crate) graph: crate::history::graph::Edges,
}

/// Trees read from the object database, kept while they are likely to be read again (a
/// commit's tree is its child's parent tree).
///
/// Two generations: a tree is looked up in the recent one, then in the older one (and moved
/// back to the recent one). When the recent generation holds its budget of bytes, it becomes
/// the older one and the one before is let go. What is kept is bounded by size, not trees: a
/// folder of 25,000 plans is a tree of 1 MB, and 512 of them would hold half a gigabyte.
struct Trees<'r> {
    repo: &'r Repository,
    odb: &'r git2::Odb<'r>,
    recent: HashMap<Oid, Rc<RawTree<'r>>>,
    older: HashMap<Oid, Rc<RawTree<'r>>>,
    /// Bytes of the trees in `recent`.
    held: usize,
    /// Bytes a generation holds before it becomes the older one.
    budget: usize,
}

/// A tree object as git stores it: entries `<mode in octal> <name>\0<20-byte id>`, in git's
/// order. Read as it is, without a parsed copy (nor a copy of libgit2's buffer): comparing
/// two revisions of a folder of thousands of plans skips the entries they share by comparing
/// bytes.
enum RawTree<'r> {
    /// The side of a comparison where a folder is not.
    Empty,
    Read(git2::OdbObject<'r>),
}

/// One entry of a [`RawTree`].
#[derive(Clone, Copy)]
struct Entry<'a> {
    name: &'a [u8],
    id: &'a [u8],
    tree: bool,
}

impl Entry<'_> {
    fn oid(&self) -> Oid {
        // Always 20 bytes (see `RawTree::entry`).
        Oid::from_bytes(self.id).unwrap_or(Oid::ZERO_SHA1)
    }

    /// git's order: by name, as if a folder's name ended in `/`.
    fn order(&self, other: &Entry) -> std::cmp::Ordering {
        fn key<'e>(e: &Entry<'e>) -> impl Iterator<Item = u8> + 'e {
            let slash = e.tree.then_some(b'/');
            e.name.iter().copied().chain(slash)
        }
        key(self).cmp(key(other))
    }
}

/// How many bytes `a` and `b` start with in common: compared a kilobyte, then 64 bytes, then
/// a byte at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut k = 0;
    for step in [1024, 64, 1] {
        while k + step <= n && a[k..k + step] == b[k..k + step] {
            k += step;
        }
    }
    k
}

fn malformed() -> git2::Error {
    git2::Error::from_str("a tree object of the repository is damaged")
}

impl RawTree<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            RawTree::Empty => &[],
            RawTree::Read(object) => object.data(),
        }
    }

    /// The entry at byte `at`, and where the next one starts; `None` at the end.
    fn entry(&self, at: usize) -> Result<Option<(Entry<'_>, usize)>, git2::Error> {
        let bytes = self.bytes();
        if at >= bytes.len() {
            return Ok(None);
        }
        let rest = &bytes[at..];
        let space = rest.iter().position(|b| *b == b' ').ok_or_else(malformed)?;
        let nul = space
            + 1
            + rest[space + 1..]
                .iter()
                .position(|b| *b == 0)
                .ok_or_else(malformed)?;
        let end = nul + 1 + 20;
        if end > rest.len() {
            return Err(malformed());
        }
        let mut mode = 0u32;
        for digit in &rest[..space] {
            if !(b'0'..=b'7').contains(digit) {
                return Err(malformed());
            }
            mode = mode.checked_mul(8).ok_or_else(malformed)? + u32::from(digit - b'0');
        }
        let entry = Entry {
            name: &rest[space + 1..nul],
            id: &rest[nul + 1..end],
            tree: mode & 0o170000 == 0o040000,
        };
        Ok(Some((entry, at + end)))
    }

    /// The entry named `name`.
    fn get(&self, name: &[u8]) -> Result<Option<Entry<'_>>, git2::Error> {
        let mut at = 0;
        while let Some((entry, next)) = self.entry(at)? {
            if entry.name == name {
                return Ok(Some(entry));
            }
            at = next;
        }
        Ok(None)
    }
}

/// `(path, old blob, new blob, the blobs in a merge's other parents)`.
type Changed = Vec<(String, Option<Oid>, Option<Oid>, Vec<Oid>)>;

/// The last part of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl<'r> Trees<'r> {
    /// Bytes of trees a generation holds: 4 MB.
    const BUDGET: usize = 1 << 22;

    fn new(repo: &'r Repository, odb: &'r git2::Odb<'r>) -> Trees<'r> {
        Trees::with_budget(repo, odb, Trees::BUDGET)
    }

    fn with_budget(repo: &'r Repository, odb: &'r git2::Odb<'r>, budget: usize) -> Trees<'r> {
        Trees {
            repo,
            odb,
            recent: HashMap::new(),
            older: HashMap::new(),
            held: 0,
            budget,
        }
    }

    fn tree(&mut self, id: Oid) -> Result<Rc<RawTree<'r>>, git2::Error> {
        if let Some(tree) = self.recent.get(&id) {
            return Ok(tree.clone());
        }
        let tree = match self.older.remove(&id) {
            Some(tree) => tree,
            None => {
                let object = self.odb.read(id)?;
                if object.kind() != ObjectType::Tree {
                    return Err(git2::Error::from_str(&format!("{id} is not a tree")));
                }
                Rc::new(RawTree::Read(object))
            }
        };
        if self.held >= self.budget {
            self.older = std::mem::take(&mut self.recent);
            self.held = 0;
        }
        self.held += tree.bytes().len();
        self.recent.insert(id, tree.clone());
        Ok(tree)
    }

    /// The id of the tree at `path` (relative to `root`), if there is one.
    fn subtree(&mut self, root: Oid, path: &Path) -> Result<Option<Oid>, git2::Error> {
        let mut id = root;
        for part in path.components() {
            let name = part.as_os_str().as_encoded_bytes();
            let tree = self.tree(id)?;
            match tree.get(name)?.filter(|e| e.tree) {
                Some(e) => id = e.oid(),
                None => return Ok(None),
            }
        }
        Ok(Some(id))
    }

    /// The blob at `path` below tree `root` (parsed by libgit2, which finds a name in a tree
    /// by bisection: a merge asks this for each file it changed).
    fn blob_at(&mut self, root: Oid, path: &str) -> Result<Option<Oid>, git2::Error> {
        let tree = self.repo.find_tree(root)?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) if entry.kind() != Some(ObjectType::Tree) => Ok(Some(entry.id())),
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
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
        let (old_tree, new_tree) = (
            old.map(|id| self.tree(id)).transpose()?,
            new.map(|id| self.tree(id)).transpose()?,
        );
        // A side that is not there is an empty tree.
        let old_tree: &RawTree = old_tree.as_deref().unwrap_or(&RawTree::Empty);
        let new_tree: &RawTree = new_tree.as_deref().unwrap_or(&RawTree::Empty);
        // Entries both trees have at the same place are skipped without being compared one
        // by one: from the start, and after each difference.
        let skip = |i: usize, j: usize| -> Result<(usize, usize), git2::Error> {
            let common = common_prefix(&old_tree.bytes()[i..], &new_tree.bytes()[j..]);
            let mut k = i;
            while let Some((_, next)) = old_tree.entry(k)? {
                if next - i > common {
                    break;
                }
                k = next;
            }
            Ok((k, j + (k - i)))
        };
        let (mut i, mut j) = skip(0, 0)?;
        // Both trees list entries in git's order, so one merge pass pairs them up.
        loop {
            let o = old_tree.entry(i)?;
            let n = new_tree.entry(j)?;
            let order = match (&o, &n) {
                (Some((o, _)), Some((n, _))) => o.order(n),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => break,
            };
            match (order, o, n) {
                (std::cmp::Ordering::Less, Some((o, next)), _) => {
                    self.side(&o, prefix, true, out)?;
                    (i, j) = skip(next, j)?;
                }
                (std::cmp::Ordering::Greater, _, Some((n, next))) => {
                    self.side(&n, prefix, false, out)?;
                    (i, j) = skip(i, next)?;
                }
                (_, Some((o, o_next)), Some((n, n_next))) => {
                    // Equal in git's order: both folders, or neither.
                    if o.id != n.id {
                        let path = format!("{prefix}{}", String::from_utf8_lossy(n.name));
                        if n.tree {
                            self.diff(Some(o.oid()), Some(n.oid()), &format!("{path}/"), out)?;
                        } else if crate::git::is_plan_name(file_name(&path)) {
                            out.push((path, Some(o.oid()), Some(n.oid()), Vec::new()));
                        }
                        (i, j) = skip(o_next, n_next)?;
                    } else {
                        (i, j) = (o_next, n_next);
                    }
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// An entry only in the old tree (`removed`) or only in the new one.
    fn side(
        &mut self,
        e: &Entry,
        prefix: &str,
        removed: bool,
        out: &mut Changed,
    ) -> Result<(), git2::Error> {
        let path = format!("{prefix}{}", String::from_utf8_lossy(e.name));
        let (old, new) = if removed {
            (Some(e.oid()), None)
        } else {
            (None, Some(e.oid()))
        };
        if e.tree {
            return self.diff(old, new, &format!("{path}/"), out);
        }
        if crate::git::is_plan_name(file_name(&path)) {
            out.push((path, old, new, Vec::new()));
        }
        Ok(())
    }
}

/// Walks the history from `head` (stopping at the `known` commits, already walked), and
/// records every change to plan files under `plans` (relative to the work tree).
///
/// Commits are examined oldest first, and each change to a plan file is handed to `seen` as
/// it is found (`old blob → new blob`).
pub(crate) fn walk(
    repo: &Repository,
    head: Oid,
    known: Option<Oid>,
    plans: &Path,
    seen: &mut dyn FnMut(Option<&str>, &str),
) -> Result<Walk, git2::Error> {
    let mut revwalk = repo.revwalk()?;
    revwalk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    revwalk.push(head)?;
    if let Some(walked) = known {
        revwalk.hide(walked)?;
    }
    let odb = repo.odb()?;
    let mut trees = Trees::new(repo, &odb);
    let mut merges = Vec::new();
    let mut pending: Vec<(Oid, Commit, Vec<FileChange>)> = Vec::new();
    let mut graph = crate::history::graph::Edges::default();
    for id in revwalk {
        let e = examine(repo, &mut trees, id?, plans)?;
        graph.push(e.id, e.parents)?;
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
    let mut walk = Walk {
        graph,
        ..Walk::default()
    };
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
    parents: Vec<Oid>,
    /// The commit, when it changed a plan, with what it changed.
    commit: Option<(Commit, Changed)>,
    /// `(pull request, first parent, another parent)` for each parent a pull-request merge
    /// brought in (an octopus merge brings several).
    merges: Vec<(u64, Oid, Oid)>,
}

fn examine(
    repo: &Repository,
    trees: &mut Trees,
    id: Oid,
    plans: &Path,
) -> Result<Examined, git2::Error> {
    let commit = repo.find_commit(id)?;
    let parent_ids: Vec<Oid> = commit.parent_ids().collect();
    // Parents missing from a shallow clone count as no parent.
    let parents: Vec<git2::Commit> = commit.parents().collect();
    let message = commit.message().unwrap_or("");
    let summary = message::subject(message).to_string();
    let own_pr = message::pull_request(&summary);
    let merges = match own_pr {
        Some(pr) if parents.len() > 1 && summary.starts_with("Merge pull request #") => parents
            [1..]
            .iter()
            .map(|other| (pr, parents[0].id(), other.id()))
            .collect(),
        _ => Vec::new(),
    };
    let plans_tree = trees.subtree(commit.tree_id(), plans)?;
    let first_parent = match parents.first() {
        Some(p) => Some(trees.subtree(p.tree_id(), plans)?),
        None => None,
    };
    let unchanged = Examined {
        id,
        parents: parent_ids,
        commit: None,
        merges,
    };
    if first_parent == Some(plans_tree) {
        return Ok(unchanged);
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
        let mut removed_by_a_branch = Vec::new();
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
            } else if change.2.is_none() {
                removed_by_a_branch.push(change);
            }
        }
        // A plan a branch moved while the first parent edited it: the merge writes it at the
        // new path with both changes (its own content), and the move's removal of the old
        // path came from the branch. Kept beside the new file, the removal makes the pair a
        // move, so the plan's history goes on through the merge's first parent.
        for removal in removed_by_a_branch {
            let name = file_name(&removal.0);
            if kept
                .iter()
                .any(|c| c.1.is_none() && c.2.is_some() && file_name(&c.0) == name)
            {
                kept.push(removal);
            }
        }
        changed = kept;
    }
    if changed.is_empty() {
        return Ok(unchanged);
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
    Ok(Examined {
        commit: Some((record, changed)),
        ..unchanged
    })
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

    /// A tree from `files` (`/`-separated paths and their contents).
    fn tree_of(repo: &Repository, files: &std::collections::BTreeMap<String, String>) -> Oid {
        let mut index = git2::Index::new().unwrap();
        for (path, content) in files {
            let blob = repo.blob(content.as_bytes()).unwrap();
            let mut entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: path.clone().into_bytes(),
            };
            entry.flags = (path.len() as u16).min(0xfff);
            index.add(&entry).unwrap();
        }
        index.write_tree_to(repo).unwrap()
    }

    #[test]
    fn comparing_trees_by_their_bytes_finds_what_libgit2_finds() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        // Names that sort next to each other in git's order, folders and files alike.
        let names = [
            "a",
            "a.md",
            "a-b.md",
            "a0.md",
            "ab.md",
            "b.md",
            "README.md",
            "z.md",
            "z.txt",
        ];
        let folders = ["", "a/", "a-b/", "emea/", "emea/dach/", "na/"];
        let mut seed = 7u64;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as usize) % n
        };
        for round in 0..300 {
            let mut files = std::collections::BTreeMap::new();
            for _ in 0..next(40) {
                let path = format!(
                    "{}{}",
                    folders[next(folders.len())],
                    names[next(names.len())]
                );
                files.insert(path, format!("{}", next(3)));
            }
            let mut changed = files.clone();
            for _ in 0..1 + next(6) {
                let path = format!(
                    "{}{}",
                    folders[next(folders.len())],
                    names[next(names.len())]
                );
                match next(3) {
                    0 => changed.remove(&path),
                    _ => changed.insert(path, format!("{}", next(5))),
                };
            }
            // A path cannot be a file and a folder at once: drop files under a file's name.
            let clean = |files: &mut std::collections::BTreeMap<String, String>| {
                let all: Vec<String> = files.keys().cloned().collect();
                files.retain(|p, _| !all.iter().any(|q| p.starts_with(&format!("{q}/"))));
            };
            clean(&mut files);
            clean(&mut changed);
            let (old, new) = (tree_of(&repo, &files), tree_of(&repo, &changed));
            let odb = repo.odb().unwrap();
            let mut trees = Trees::with_budget(&repo, &odb, 1 << 10);
            let mut ours = Changed::new();
            trees.diff(Some(old), Some(new), "", &mut ours).unwrap();
            let mut ours: Vec<(String, Option<Oid>, Option<Oid>)> =
                ours.into_iter().map(|(p, a, b, _)| (p, a, b)).collect();
            ours.sort();
            let (old, new) = (repo.find_tree(old).unwrap(), repo.find_tree(new).unwrap());
            let diff = repo
                .diff_tree_to_tree(Some(&old), Some(&new), None)
                .unwrap();
            let mut theirs: Vec<(String, Option<Oid>, Option<Oid>)> = diff
                .deltas()
                .filter_map(|d| {
                    let file = if d.new_file().id().is_zero() {
                        d.old_file()
                    } else {
                        d.new_file()
                    };
                    let path = file.path()?.to_str()?.to_string();
                    let id = |f: git2::DiffFile| (!f.id().is_zero()).then(|| f.id());
                    crate::git::is_plan_name(file_name(&path))
                        .then(|| (path, id(d.old_file()), id(d.new_file())))
                })
                .collect();
            theirs.sort();
            assert_eq!(ours, theirs, "round {round}: {files:?} -> {changed:?}");
        }
    }

    #[test]
    fn trees_are_kept_by_size_in_two_generations() {
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
        // Each entry is `100644 fN\0` and an id: 30 bytes. A generation holds 10 entries.
        const ENTRY: usize = 30;
        let odb = repo.odb().unwrap();
        let mut trees = Trees::with_budget(&repo, &odb, 10 * ENTRY);
        let first = trees.tree(ids[0]).unwrap();
        assert!(Rc::ptr_eq(&first, &trees.tree(ids[0]).unwrap()));
        for id in &ids[1..4] {
            trees.tree(*id).unwrap();
        }
        // 1 + 2 + 3 + 4 entries: the fifth tree starts a generation.
        trees.tree(ids[4]).unwrap();
        assert_eq!(trees.older.len(), 4);
        assert_eq!((trees.recent.len(), trees.held), (1, 5 * ENTRY));
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
            .map(|t| t.bytes().len())
            .sum();
        assert!(held <= (2 * 10 + 8) * ENTRY, "{held} bytes held");
    }
}
