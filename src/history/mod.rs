//! The audit trail: every revision of every plan, from one pass over the git history.

pub(crate) mod cache;
pub(crate) mod compare;
pub(crate) mod diff;
pub(crate) mod fields;
pub(crate) mod graph;
pub(crate) mod message;
pub(crate) mod renames;
pub(crate) mod reviews;
pub(crate) mod signature;
pub(crate) mod signoff;
pub(crate) mod time;
pub mod trust;
pub(crate) mod walk;
pub(crate) mod worktree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use git2::{Oid, Repository};
use rayon::prelude::*;
use serde::Serialize;

pub(crate) use diff::{FieldChange, Snapshot};
pub(crate) use message::Trailer;
pub(crate) use walk::{Author, ChangeKind, Commit, Walk};

use crate::error::Error;
use crate::repo::Repo;

/// How many plans' revisions [`Audit::prepare_evidence`] reads and compares at a time: each
/// group reads the packs once more, and holds what it read of each plan's latest revision
/// (about 8 KB a plan).
const EVIDENCE_GROUP: usize = 4_000;

/// Whether the only revision of `timeline` added the file: verifying the sign-offs it carries
/// reads no blob, since the file on disk is that revision (see [`Audit::revisions`]).
fn only_added(timeline: &[RevisionRef]) -> bool {
    matches!(timeline, [only] if only.old_blob.is_none())
}

/// The commit name of uncommitted edits.
pub(crate) const WORKING_TREE: &str = "working tree";

/// One revision of one plan: a commit (or the working tree) that changed its file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RevisionRef {
    /// Index into the walk's commits; `None` for uncommitted edits.
    pub(crate) commit: Option<usize>,
    /// The file's path at this revision, relative to the git work tree.
    pub(crate) path: String,
    pub(crate) old_blob: Option<String>,
    /// `None` for the working tree (read from disk).
    pub(crate) new_blob: Option<String>,
    /// For a merge, the file's blobs in its other parents.
    pub(crate) other_parents: Vec<String>,
}

/// The history of the repository, indexed by plan, with revisions still to be read.
pub(crate) struct Audit {
    /// The `.git` folder; each thread opens its own handle (libgit2 handles are not `Sync`).
    pub(crate) git_dir: PathBuf,
    pub(crate) walk: Walk,
    pub(crate) shallow: bool,
    /// Repository root relative to the git work tree (`""` when they are the same).
    pub(crate) root_in_workdir: PathBuf,
    /// The plans folder, relative to the repository root.
    pub(crate) plans_dir: PathBuf,
    pub(crate) workdir: PathBuf,
    /// Committed-diff cache: `old..new` blob ids → changes; blob id → who had signed off.
    pub(crate) cache: cache::Cache,
    /// A partial clone (`--filter`): objects are missing by design.
    pub(crate) partial: bool,
    /// Objects found missing while reading (a partial clone, a corrupt repository).
    missing: AtomicUsize,
    /// `.mailmap`, applied to the names and emails shown, never to what is verified.
    display: HashMap<Author, Author>,
    /// `[signoff] covers`: what field digests are kept for.
    covers: Vec<String>,
    /// The commit graph from HEAD, built from the walk's the first time a sign-off's lineage
    /// needs ancestry.
    graph: std::sync::OnceLock<Option<graph::Graph>>,
    /// HEAD's first parents (see [`Audit::main_line`]).
    main_line: std::sync::OnceLock<std::collections::HashSet<Oid>>,
    /// The commit HEAD named when the history was walked (`None` before the first commit).
    pub(crate) head: Option<Oid>,
    /// Why git's index could not be read, when it could not: uncommitted edits are then not
    /// shown, which the commands say (see [`Audit::worktree_unread`]).
    worktree_unread: std::sync::OnceLock<String>,
}

/// A plan's revisions, newest first, as the audit trail shows them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanHistory {
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) revisions: Vec<Revision>,
    /// The sign-offs the plan carries now, with their evidence.
    pub(crate) signoffs: Vec<signoff::SignoffRecord>,
}

impl PlanHistory {
    /// The audit trail's record of the sign-off by `person` dated `date` that the plan
    /// carries now.
    pub fn signoff(&self, person: &str, date: &str) -> Option<&signoff::SignoffRecord> {
        self.signoffs
            .iter()
            .find(|r| r.person == person && r.date == date)
    }
}

/// A revision with everything the audit trail says about it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Revision {
    pub(crate) commit: String,
    /// Who wrote it, as `.mailmap` shows them.
    pub(crate) author: Author,
    /// Who committed it, as `.mailmap` shows them.
    pub(crate) committer: Author,
    /// When the author wrote it; `log --format json` shows `2026-03-01T14:05:00+01:00`.
    pub(crate) date: time::CommitTime,
    pub(crate) summary: String,
    pub(crate) pr: Option<u64>,
    pub(crate) trailers: std::sync::Arc<[Trailer]>,
    pub(crate) path: String,
    pub(crate) changes: std::sync::Arc<[FieldChange]>,
    /// The commit's signature, checked against the keys in `people.yaml`.
    pub(crate) signature: signature::Signature,
    /// The sign-offs this revision carries.
    #[serde(skip)]
    pub(crate) signoffs: std::sync::Arc<[signoff::SignoffEntry]>,
    /// A digest of each top-level field.
    #[serde(skip)]
    pub(crate) fields: std::sync::Arc<[(String, diff::FieldDigest)]>,
    /// Index into the walk's commits (`None` for uncommitted changes).
    #[serde(skip)]
    pub(crate) index: Option<usize>,
    #[serde(skip)]
    pub(crate) old_blob: Option<String>,
    #[serde(skip)]
    pub(crate) new_blob: Option<String>,
    #[serde(skip)]
    pub(crate) other_parents: Vec<String>,
    /// An object this revision needs is missing: what it says is incomplete.
    #[serde(skip)]
    pub(crate) missing: bool,
}

/// What producing plan histories one at a time needs (see [`Audit::trail`]).
pub(crate) struct Trail {
    timelines: Vec<Vec<RevisionRef>>,
    signatures: HashMap<usize, signature::Signature>,
    identity: Author,
}

/// The whole audit trail of `planbook log` (its JSON is written plan by plan, in this
/// layout, by `cmd::log`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct History {
    pub(crate) shallow: bool,
    /// False when objects are missing (a partial clone, corruption): revisions that need them
    /// show no changes, and sign-offs cannot be verified.
    pub(crate) complete: bool,
    pub(crate) plans: Vec<PlanHistory>,
}

impl Audit {
    /// A handle of its own on the repository, for work done apart from the walk.
    pub(crate) fn open_git(&self) -> Result<Repository, Error> {
        crate::git::open(&self.git_dir).map_err(|e| Error::Git {
            message: e.message().to_string(),
            help: None,
        })
    }

    /// Opens the git repository holding `repo` and walks its history once (reusing the cache
    /// for commits already seen). `None` outside a git repository.
    ///
    /// With `compare`, every change the walk finds is also read and compared (into the cache)
    /// once it ends: what `log` and `build` need for every plan; `check` reads far less.
    pub(crate) fn open(repo: &Repo, compare: bool) -> Result<Option<Audit>, Error> {
        let Some(found) = crate::git::discover(&repo.root)? else {
            return Ok(None);
        };
        // The history's shape (shallow boundary, grafts) is digested before libgit2 reads it,
        // which it does when it opens the repository: a clone deepened in between is walked
        // again by the next run, never kept as deepened with a cut walk.
        let shape = crate::git::history_shape(&found);
        let git = crate::git::open(found.path()).map_err(git_error)?;
        drop(found);
        // Objects are read, never written, and a corrupt object still fails to inflate or
        // parse; re-hashing every object read doubles the cost of the walk.
        git2::opts::strict_hash_verification(false);
        // libgit2 keeps every tree and commit it parses in a cache of up to 256 MB of raw
        // objects (half a gigabyte once parsed) that a walk of the whole history fills and
        // never reads again: the walk keeps the few trees it reads twice itself.
        git2::opts::enable_caching(false);
        let Some(workdir) = crate::git::workdir(&git) else {
            return Err(Error::Git {
                message: format!("{} is a bare git repository", git.path().display()),
                help: Some("run planbook in a clone with a work tree".into()),
            });
        };
        let root_in_workdir = crate::git::root_in_workdir(&git, &repo.root);
        linked_plans_folder(repo)?;
        let plans = root_in_workdir.join(&repo.config.plans_dir);
        // Grafts cut or rewrite the history as a shallow boundary does: the same warning, and
        // the same refusal to verify sign-offs.
        let shallow = git.is_shallow() || crate::git::grafted(&git);
        let partial = is_partial(&git);
        // `None` in a repository without commits yet; a HEAD whose commit cannot be read (its
        // objects deleted, an alternates folder gone) is an error, never "no commits".
        let head = match git.head() {
            Ok(reference) => Some(reference.peel_to_commit().map(|c| c.id()).map_err(|e| {
                Error::Git {
                    message: format!(
                        "HEAD's commit cannot be read: {} (objects are missing, or a folder of objects it borrows from, named in .git/objects/info/alternates, is gone)",
                        e.message()
                    ),
                    help: Some("run `git fsck`; a clone made with `--shared` or `--reference` needs the repository it borrows from (`git repack -a -d` makes it stand alone)".to_string()),
                }
            })?),
            Err(e)
                if matches!(
                    e.code(),
                    git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
                ) =>
            {
                None
            }
            Err(e) => return Err(git_error(e)),
        };
        let covers = repo.config.signoff.covers.clone();
        // What is cached depends on the fields digested: another `covers`, another cache.
        let mut cache = cache::Cache::load(git.path(), &plans, &covers);
        let (walk, (computed, missing)): (Walk, compare::Found) = match head {
            None => Default::default(),
            // What the walk finds is read and compared while it walks (see `compare`).
            Some(head) if compare => {
                let (walk, found) = compare::beside(git.path(), &covers, |seen| {
                    cache.walk_to(&git, head, &shape, &plans, seen)
                })?;
                (walk.map_err(git_error)?, found)
            }
            Some(head) => {
                let walk = cache
                    .walk_to(&git, head, &shape, &plans, &mut |_, _| {})
                    .map_err(git_error)?;
                (walk, Default::default())
            }
        };
        let display = display_names(&git, &walk);
        let git_dir = git.path().to_path_buf();
        // Closing the repository lets go of the packs libgit2 mapped (up to 128 MB).
        drop(git);
        cache.insert_compared(computed);
        // What a walk compared is saved at once, while little else is held (encoding the
        // file takes a copy of it): a site reads its plans only after this.
        if compare {
            cache.save(&git_dir, &walk);
        }
        Ok(Some(Audit {
            git_dir,
            walk,
            shallow,
            root_in_workdir,
            plans_dir: repo.config.plans_dir.clone(),
            workdir,
            cache,
            partial,
            missing: AtomicUsize::new(missing),
            display,
            covers,
            graph: std::sync::OnceLock::new(),
            main_line: std::sync::OnceLock::new(),
            head,
            worktree_unread: std::sync::OnceLock::new(),
        }))
    }

    /// The tree of revision `base`, with a message that says what to do when it is not there.
    pub(crate) fn base_tree<'g>(
        &self,
        git: &'g Repository,
        base: &str,
    ) -> Result<git2::Tree<'g>, Error> {
        git.revparse_single(base)
            .and_then(|o| o.peel_to_tree())
            .map_err(|_| Error::Git {
                message: format!("--base {base}: no such revision in this repository"),
                help: Some(if self.shallow {
                    "this is a shallow clone: fetch the base (`git fetch --unshallow`, or `fetch-depth: 0` in GitHub Actions)".to_string()
                } else {
                    "give a branch, tag or commit, e.g. --base origin/main".to_string()
                }),
            })
    }

    /// The plan files under the plans folder of `tree`, by file name (a plan's file name is
    /// its id, so a plan moved to another folder is found by it).
    pub(crate) fn plan_files_in(
        &self,
        git: &Repository,
        tree: &git2::Tree,
    ) -> HashMap<String, Oid> {
        let mut out = HashMap::new();
        let Some(folder) = worktree::plans_folder(git, tree.clone(), &self.plans_in_git()) else {
            return out;
        };
        let _ = folder.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            let name = entry.name().unwrap_or_default();
            if entry.kind() == Some(git2::ObjectType::Blob)
                && crate::git::is_plan_path(&format!("{dir}{name}"))
            {
                out.entry(name.to_string()).or_insert(entry.id());
            }
            git2::TreeWalkResult::Ok
        });
        out
    }

    /// The commit graph, built from the walk's the first time it is asked for (`None` when the
    /// walk has none: a damaged cache's).
    fn graph(&self) -> &Option<graph::Graph> {
        self.graph.get_or_init(|| graph::Graph::of_walk(&self.walk))
    }

    /// The blob of a plan in `tree`: at the first of `paths` (git paths it had) the tree
    /// holds, else the plan file named `name` anywhere under the plans folder (from `by_name`,
    /// [`Audit::plan_files_in`] of the same tree, when the caller has it for many plans).
    pub(crate) fn plan_in_tree(
        &self,
        git: &Repository,
        tree: &git2::Tree,
        paths: &[&str],
        name: &str,
        by_name: Option<&HashMap<String, Oid>>,
    ) -> Option<Oid> {
        paths
            .iter()
            .find_map(|p| tree.get_path(Path::new(p)).ok().map(|e| e.id()))
            .or_else(|| match by_name {
                Some(by_name) => by_name.get(name).copied(),
                None => self.plan_files_in(git, tree).remove(name),
            })
    }

    /// Whether `commit` is one of HEAD's first parents (see [`Audit::main_line`]).
    fn on_main_line(&self, commit: &str) -> bool {
        Oid::from_str(commit).is_ok_and(|c| self.main_line().contains(&c))
    }

    /// Why git's index could not be read when the plans' timelines were found (uncommitted
    /// edits are then not shown); `None` when it was read.
    pub(crate) fn worktree_unread(&self) -> Option<&str> {
        self.worktree_unread.get().map(String::as_str)
    }

    /// The plans folder as a git path (empty when it is the top of the work tree).
    fn plans_in_git(&self) -> String {
        worktree::git_path(&self.root_in_workdir, &self.plans_dir)
    }

    /// The git path of a plan path relative to the repository root.
    pub(crate) fn git_path(&self, path: &Path) -> String {
        worktree::git_path(&self.root_in_workdir, path)
    }

    /// The repository-root-relative path of a git path.
    pub(crate) fn repo_path(&self, git_path: &str) -> String {
        let prefix = crate::diagnostic::display_path(&self.root_in_workdir);
        if prefix.is_empty() {
            git_path.to_string()
        } else {
            git_path
                .strip_prefix(&format!("{prefix}/"))
                .unwrap_or(git_path)
                .to_string()
        }
    }

    /// The revisions of the plan file at `path` (relative to the root), newest first, following
    /// renames; a first `working tree` revision when the file differs from HEAD.
    pub(crate) fn timelines(&self, paths: &[PathBuf]) -> Vec<Vec<RevisionRef>> {
        let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, change) in self.walk.changes.iter().enumerate() {
            by_path.entry(change.path.as_str()).or_default().push(i);
        }
        let git = crate::git::open(&self.git_dir).ok();
        let plans = self.plans_in_git();
        let (dirty, head_blobs) = match &git {
            Some(git) => (
                worktree::uncommitted(git, &self.workdir, &plans).unwrap_or_else(|e| {
                    let _ = self.worktree_unread.set(e.message().to_string());
                    HashMap::new()
                }),
                worktree::head_blobs(git, &plans),
            ),
            None => Default::default(),
        };
        paths
            .iter()
            .map(|path| {
                let git_path = self.git_path(path);
                let head_blob = head_blobs.get(&git_path).map(Oid::to_string);
                let mut out = Vec::new();
                if let Some(head_blob) = dirty.get(&git_path) {
                    out.push(RevisionRef {
                        commit: None,
                        path: git_path.clone(),
                        old_blob: head_blob.clone(),
                        new_blob: None,
                        other_parents: Vec::new(),
                    });
                }
                let mut current = git_path;
                // The commit that moved the plan to the path followed now (walk index): the
                // old path's changes that came after it on its own line are another file's.
                let mut moved_in: Option<usize> = None;
                'lineage: while let Some(indexes) = by_path.get(current.as_str()) {
                    for (k, &i) in indexes.iter().enumerate() {
                        let change = &self.walk.changes[i];
                        if change.status == ChangeKind::Deleted
                            || moved_in.is_some_and(|moved| !self.before_move(change.commit, moved))
                        {
                            continue;
                        }
                        out.push(RevisionRef {
                            commit: Some(change.commit),
                            path: change.path.clone(),
                            old_blob: change.old_blob.clone(),
                            new_blob: change.new_blob.clone(),
                            other_parents: change.other_parents.clone(),
                        });
                        match (&change.status, &change.old_path) {
                            (ChangeKind::Renamed, Some(old)) => {
                                current = old.clone();
                                moved_in = Some(change.commit);
                                continue 'lineage;
                            }
                            // Added after it was deleted there: the plan's earlier life at
                            // this path is its history too, as `git log -- PATH` shows it.
                            (ChangeKind::Added, _)
                                if !indexes[k + 1..].iter().any(|&j| {
                                    self.walk.changes[j].status == ChangeKind::Deleted
                                }) =>
                            {
                                break 'lineage;
                            }
                            _ => {}
                        }
                    }
                    break;
                }
                // Newest first, as the walk lists commits: a change at an old path made on
                // another branch after the move is the plan's history too.
                let uncommitted = usize::from(out.first().is_some_and(|r| r.commit.is_none()));
                out[uncommitted..].sort_by_key(|r| r.commit);
                // The newest revision in history order need not be what HEAD holds: a merge
                // that took one side's version of the file is no revision of its own. The
                // revision that made HEAD's content comes first.
                let committed = out.iter().position(|r| r.commit.is_some());
                if let (Some(first), Some(head_blob)) = (committed, head_blob)
                    && out[first].new_blob.as_deref() != Some(head_blob.as_str())
                    && let Some(at) = out[first..]
                        .iter()
                        .position(|r| r.new_blob.as_deref() == Some(head_blob.as_str()))
                {
                    let revision = out.remove(first + at);
                    out.insert(first, revision);
                }
                out
            })
            .collect()
    }

    /// Whether the change in walk commit `change` belongs to the history of a plan that walk
    /// commit `moved` moved away from that path: it came before the move in the walk, or on
    /// another line than the move's (a branch edited the old path while the move was made
    /// elsewhere). A change the move's own line made later is another file's.
    fn before_move(&self, change: usize, moved: usize) -> bool {
        if change > moved {
            return true;
        }
        if change == moved {
            return false;
        }
        let (Some(change), Some(moved)) =
            (self.walk.commits.get(change), self.walk.commits.get(moved))
        else {
            return false;
        };
        let (Ok(change), Ok(moved)) = (Oid::from_str(&change.id), Oid::from_str(&moved.id)) else {
            return false;
        };
        let graph = self.graph();
        graph
            .as_ref()
            .and_then(|g| g.descends(change, moved))
            .is_some_and(|descends| !descends)
    }

    /// The `working tree` revision of the plan file at `path` (relative to the root), when
    /// it differs from HEAD: what an edit adds to a history that is otherwise unchanged.
    pub(crate) fn working_revision(&self, path: &Path) -> Option<Revision> {
        let git = crate::git::open(&self.git_dir).ok()?;
        let git_path = self.git_path(path);
        let bytes = crate::read::read_limited(&self.workdir.join(&git_path)).ok()?;
        let on_disk = Oid::hash_object(git2::ObjectType::Blob, &bytes).ok()?;
        let head_blob = git
            .head()
            .ok()
            .and_then(|h| h.peel_to_tree().ok())
            .and_then(|t| t.get_path(Path::new(&git_path)).ok())
            .map(|e| e.id());
        if head_blob == Some(on_disk) {
            return None;
        }
        let timeline = [RevisionRef {
            commit: None,
            path: git_path,
            old_blob: head_blob.map(|b| b.to_string()),
            new_blob: None,
            other_parents: Vec::new(),
        }];
        self.revisions(&git, &timeline, &self.identity(), None)
            .pop()
    }

    /// Whether every object the history needed could be read.
    pub(crate) fn complete(&self) -> bool {
        !self.partial && self.missing.load(Ordering::Relaxed) == 0
    }

    /// The audit trail's verdict on the plan sign-offs `current`, from its `revisions`.
    pub(crate) fn signoffs(
        &self,
        revisions: &[Revision],
        current: &[signoff::SignoffEntry],
        trust: &signoff::Trust,
    ) -> Vec<signoff::SignoffRecord> {
        // Opened only if the graph cannot answer (a commit outside it; no graph).
        let git: std::cell::OnceCell<Option<Repository>> = std::cell::OnceCell::new();
        let git = || {
            git.get_or_init(|| crate::git::open(&self.git_dir).ok())
                .as_ref()
        };
        let ancestry = |candidate: &str, at: &str| -> bool {
            let Ok(candidate) = Oid::from_str(candidate) else {
                return false;
            };
            // The walk's graph; without one (a damaged cache's), each question goes to git.
            let graph = self.graph();
            let parents: Vec<Oid> = if at == WORKING_TREE {
                self.head.into_iter().collect()
            } else {
                let Ok(at) = Oid::from_str(at) else {
                    return false;
                };
                match graph.as_ref().and_then(|g| g.parents_of(at)) {
                    Some(parents) => parents,
                    None => git()
                        .and_then(|git| git.find_commit(at).ok())
                        .map(|c| c.parent_ids().collect())
                        .unwrap_or_default(),
                }
            };
            parents.iter().any(|p| {
                *p == candidate
                    || match graph.as_ref().and_then(|g| g.descends(*p, candidate)) {
                        Some(known) => known,
                        // No link: the revision itself is taken to have added it.
                        None => git().is_some_and(|git| {
                            git.graph_descendant_of(*p, candidate).unwrap_or(false)
                        }),
                    }
            })
        };
        // Whether the plan, as the reviewed commit holds it (by the name it had where the
        // sign-off was added), carries the sign-off: an approval of a commit without it (before
        // the sign-off was pushed, or a version a force-push replaced) approved something
        // else. A reviewed commit not in the clone: a pull request merged with a merge commit
        // brought every commit it had, so one it did not bring was replaced (`false`); a
        // squashed one's head is rarely fetched, and nothing can be told (`None`).
        let saw =
            |reviewed: &str, entry: &signoff::SignoffEntry, added: &Revision| -> Option<bool> {
                let reviewed = Oid::from_str(reviewed).ok()?;
                let git = git()?;
                let Ok(commit) = git.find_commit(reviewed) else {
                    return (!self.on_main_line(&added.commit)).then_some(false);
                };
                let tree = commit.tree().ok()?;
                let name = added.path.rsplit('/').next().unwrap_or(&added.path);
                let Some(blob) = self.plan_in_tree(git, &tree, &[&added.path], name, None) else {
                    return Some(false);
                };
                let text = blob_text(git, &blob.to_string())?;
                let signoffs = signoff::entries(&Snapshot::parse(&text));
                Some(signoffs.iter().any(|s| s.same(entry)))
            };
        let main_line = |commit: &str| self.on_main_line(commit);
        signoff::assess(
            revisions, current, &self.walk, trust, &ancestry, &main_line, &saw,
        )
    }

    /// HEAD and its first parents, back to the root: the main line, as a pull request's merge
    /// (base first) sees it. Worked out once, from the walk's graph, or from git without one.
    fn main_line(&self) -> &std::collections::HashSet<Oid> {
        self.main_line.get_or_init(|| {
            let mut out = std::collections::HashSet::new();
            let Some(mut at) = self.head else {
                return out;
            };
            let graph = self.graph();
            let git = if graph.is_none() {
                crate::git::open(&self.git_dir).ok()
            } else {
                None
            };
            while out.insert(at) {
                let first = match graph {
                    Some(graph) => graph.parents_of(at).and_then(|p| p.first().copied()),
                    None => git
                        .as_ref()
                        .and_then(|git| git.find_commit(at).ok())
                        .and_then(|c| c.parent_id(0).ok()),
                };
                let Some(first) = first else { break };
                at = first;
            }
            out
        })
    }

    /// How `.mailmap` shows a name and email.
    fn shown(&self, who: &Author) -> Author {
        self.display
            .get(who)
            .cloned()
            .unwrap_or_else(|| who.clone())
    }

    /// The full audit trail of the plans at `paths` with ids `ids`: every revision with its
    /// field changes, read in parallel. What was computed is remembered for the next run (by
    /// [`Audit::trail`]).
    pub(crate) fn history(
        &mut self,
        paths: &[PathBuf],
        ids: &[String],
        trust: &signoff::Trust,
    ) -> Result<History, Error> {
        let trail = self.trail(paths, trust)?;
        let plans = self.histories(&trail, 0..paths.len(), paths, ids, trust, |h| h)?;
        Ok(History {
            shallow: self.shallow,
            complete: self.complete(),
            plans,
        })
    }

    /// What `then` makes of the history of each plan at positions `range` of `trail` (see
    /// [`Audit::history_at`]), in parallel.
    pub(crate) fn histories<R: Send>(
        &self,
        trail: &Trail,
        range: std::ops::Range<usize>,
        paths: &[PathBuf],
        ids: &[String],
        trust: &signoff::Trust,
        then: impl Fn(PlanHistory) -> R + Sync + Send,
    ) -> Result<Vec<R>, Error> {
        range
            .into_par_iter()
            // A handle is opened for each piece of work rayon splits the range into: pieces of
            // at least 32 plans open a few, not one for every few plans.
            .with_min_len(32)
            .map_init(
                || open_for_thread(&self.git_dir),
                |git, i| {
                    let git = handle(git)?;
                    Ok(then(
                        self.history_at(trail, git, i, &paths[i], &ids[i], trust),
                    ))
                },
            )
            .collect()
    }

    /// Whether the histories of `trail` will all be complete (see [`Audit::complete`]), known
    /// before they are produced: false when an object their revisions need cannot be read.
    /// What `trail` read is counted already; [`Audit::revisions`] reads again only the blobs
    /// of revisions the cache lacks (the cache keeps no entry it cannot read back), which are
    /// read here as it reads them, with `git`. Counts what it finds missing, as reading would.
    pub(crate) fn complete_for(&self, trail: &Trail, git: &Repository) -> bool {
        if !self.complete() {
            return false;
        }
        let readable = |blob: &Option<String>| {
            blob.as_deref()
                .is_none_or(|id| blob_text(git, id).is_some())
        };
        let all = trail.timelines.iter().flatten().all(|r| {
            let cached = r
                .new_blob
                .as_deref()
                .is_some_and(|new| self.cache.contains(r.old_blob.as_deref(), new));
            cached || (readable(&r.old_blob) && readable(&r.new_blob))
        });
        if !all {
            self.missing.fetch_add(1, Ordering::Relaxed);
        }
        all
    }

    /// Computes the field changes and sign-offs of every committed revision of `revisions`
    /// that the cache does not have yet, into the cache.
    ///
    /// Revisions are listed oldest commit first, then read and compared as a walk's are (see
    /// [`compare::all`]).
    fn precompute<'t>(
        &mut self,
        revisions: impl Iterator<Item = &'t RevisionRef>,
    ) -> Result<(), Error> {
        let mut todo: Vec<(usize, Option<&str>, &str)> = revisions
            .filter_map(|r| Some((r.commit?, r.old_blob.as_deref(), r.new_blob.as_deref()?)))
            .filter(|(_, old, new)| !self.cache.contains(*old, new))
            .collect();
        // Commits are listed newest first: the largest index is the oldest.
        todo.sort_unstable_by(|a, b| b.cmp(a));
        todo.dedup_by(|a, b| (a.1, a.2) == (b.1, b.2));
        let changes = todo
            .into_iter()
            .map(|(_, old, new)| (old.map(str::to_string), new.to_string()))
            .collect();
        let (computed, missing) = compare::all(&self.git_dir, changes, &self.covers)?;
        self.missing.fetch_add(missing, Ordering::Relaxed);
        self.cache.insert_compared(computed);
        Ok(())
    }

    /// Reads and compares in the packs' order what [`Audit::revisions`] reads to verify the
    /// sign-offs of the plans with `timelines` (its `current` given), into the cache, which is
    /// saved for the next run (best effort: a read-only `.git` is fine). Read one
    /// plan at a time, the revisions of a long history without a cache resolved the packs'
    /// delta chains again and again (a `check` of 10,000 plans over 50,000 commits took 38 s).
    /// Plans are taken [`EVIDENCE_GROUP`] at a time: comparing keeps what it read of the
    /// latest revision of each plan it reads.
    pub(crate) fn prepare_evidence<T: AsRef<[RevisionRef]>>(
        &mut self,
        timelines: &[T],
    ) -> Result<(), Error> {
        self.prepare_evidence_by(timelines, EVIDENCE_GROUP)
    }

    fn prepare_evidence_by<T: AsRef<[RevisionRef]>>(
        &mut self,
        timelines: &[T],
        group: usize,
    ) -> Result<(), Error> {
        let read: Vec<&[RevisionRef]> = timelines
            .iter()
            .map(AsRef::as_ref)
            .filter(|t| !only_added(t))
            .collect();
        for plans in read.chunks(group.max(1)) {
            self.precompute(plans.iter().copied().flatten())?;
        }
        self.cache.save(&self.git_dir, &self.walk);
        Ok(())
    }

    /// The audit trail of the plans at `paths`, to be produced plan by plan with
    /// [`Audit::history_at`] (a site writes each plan's history and lets it go): the revisions
    /// to read are found, what the cache lacks is compared and remembered, and signatures are
    /// verified, once for all plans.
    pub(crate) fn trail(
        &mut self,
        paths: &[PathBuf],
        trust: &signoff::Trust,
    ) -> Result<Trail, Error> {
        let timelines = self.timelines(paths);
        self.precompute(timelines.iter().flatten())?;
        self.cache.save(&self.git_dir, &self.walk);
        Ok(Trail {
            signatures: self.signatures(trust, &timelines)?,
            identity: self.identity(),
            timelines,
        })
    }

    /// The history of the plan at `trail`'s position `i`, with path `path` and id `id`, as
    /// [`Audit::history`] gives it.
    pub(crate) fn history_at(
        &self,
        trail: &Trail,
        git: &Repository,
        i: usize,
        path: &Path,
        id: &str,
        trust: &signoff::Trust,
    ) -> PlanHistory {
        let timeline = trail.timelines.get(i).map_or(&[][..], Vec::as_slice);
        let mut revisions = self.revisions(git, timeline, &trail.identity, None);
        for r in &mut revisions {
            if let Some(signature) = r.index.and_then(|i| trail.signatures.get(&i)) {
                r.signature = signature.clone();
            }
        }
        let current = revisions
            .first()
            .map(|r| r.signoffs.to_vec())
            .unwrap_or_default();
        let signoffs = self.signoffs(&revisions, &current, trust);
        PlanHistory {
            id: id.to_string(),
            path: crate::diagnostic::display_path(path),
            revisions,
            signoffs,
        }
    }

    /// The verdict on the signature of every signed commit in `timelines`, each verified once
    /// (a commit may touch hundreds of plans).
    pub(crate) fn signatures<T: AsRef<[RevisionRef]>>(
        &self,
        trust: &signoff::Trust,
        timelines: &[T],
    ) -> Result<HashMap<usize, signature::Signature>, Error> {
        let mut signed: Vec<usize> = timelines
            .iter()
            .flat_map(AsRef::as_ref)
            .filter_map(|r| r.commit)
            .filter(|&i| self.walk.commits.get(i).is_some_and(|c| c.signed))
            .collect();
        signed.sort_unstable();
        signed.dedup();
        if signed.is_empty() {
            return Ok(HashMap::new());
        }
        // About 0.1 ms each (ed25519) to 1 ms (RSA): in parallel, one handle per thread.
        let git_dir = &self.git_dir;
        signed
            .into_par_iter()
            .map_init(
                || open_for_thread(git_dir),
                |git, i| {
                    let git = handle(git)?;
                    let verdict = match Oid::from_str(&self.walk.commits[i].id) {
                        Ok(id) => signature::of_commit(git, id, &trust.keyring),
                        Err(_) => signature::Signature::unsigned(),
                    };
                    Ok((i, verdict))
                },
            )
            .collect()
    }

    /// The revisions of one timeline, with field changes and sign-offs.
    ///
    /// `current` is what the caller already knows of the file on disk (its sign-offs), given
    /// when only the sign-offs are to be verified: when the only revision is a commit whose
    /// content is that file, no blob needs to be read at all, which is the common case in a
    /// short history, and revisions found in the cache come without their field changes.
    pub(crate) fn revisions(
        &self,
        git: &Repository,
        timeline: &[RevisionRef],
        identity: &Author,
        current: Option<&[signoff::SignoffEntry]>,
    ) -> Vec<Revision> {
        let known = |r: &RevisionRef| -> Option<cache::Computed> {
            let new = r.new_blob.as_ref()?;
            // Verifying the sign-offs the file carries needs no field changes.
            let hit = match current {
                Some(_) => self.cache.evidence(r.old_blob.as_deref(), new),
                None => self.cache.diff(r.old_blob.as_deref(), new),
            };
            if hit.is_some() {
                return hit;
            }
            match current {
                Some(signoffs) if only_added(timeline) => Some(cache::Computed {
                    changes: Vec::new().into(),
                    signoffs: signoffs.to_vec().into(),
                    fields: Vec::new().into(),
                }),
                _ => None,
            }
        };
        // What the cache knows, asked once per revision (field changes are decoded on asking).
        let mut computed: Vec<Option<(cache::Computed, bool)>> = timeline
            .iter()
            .map(|r| known(r).map(|c| (c, false)))
            .collect();
        // The rest is read oldest first: packs store a file's versions as deltas on each other,
        // and reading in that order keeps each delta's base in libgit2's cache. Each revision
        // is compared field by field with the one before (see `fields`).
        let mut kept: HashMap<Option<String>, fields::Kept> = HashMap::new();
        let text = |blob: &Option<String>, path: &str| -> Option<String> {
            let text = match blob {
                Some(id) => blob_text(git, id),
                None => Some(
                    crate::read::read_limited(&self.workdir.join(path))
                        .map(lossy)
                        .unwrap_or_default(),
                ),
            };
            if text.is_none() {
                self.missing.fetch_add(1, Ordering::Relaxed);
            }
            text
        };
        for (i, r) in timeline.iter().enumerate().rev() {
            if computed[i].is_some() {
                continue;
            }
            // `None`: added; `Some(None)`: the old side is missing.
            let before: Option<Option<fields::Kept>> = r.old_blob.as_ref().map(|_| {
                kept.get(&r.old_blob)
                    .cloned()
                    .or_else(|| text(&r.old_blob, &r.path).map(|t| fields::read(&t)))
            });
            let Some(after) = text(&r.new_blob, &r.path) else {
                computed[i] = Some((cache::Computed::default(), true));
                continue;
            };
            let (result, next) = match &before {
                // The old side is missing: say nothing of what changed rather than claim every
                // field was added.
                Some(None) => {
                    let (mut c, next) = fields::compare(None, &after, &self.covers);
                    c.changes = Vec::new().into();
                    ((c, true), next)
                }
                Some(Some(before)) => {
                    let (c, next) = fields::compare(Some(before), &after, &self.covers);
                    ((c, false), next)
                }
                None => {
                    let (c, next) = fields::compare(None, &after, &self.covers);
                    ((c, false), next)
                }
            };
            computed[i] = Some(result);
            kept.insert(r.new_blob.clone(), next);
        }
        timeline
            .iter()
            .zip(computed)
            .map(|(r, computed)| {
                let (computed, missing) =
                    computed.unwrap_or_else(|| (cache::Computed::default(), true));
                let (commit, author, committer, date, summary, pr, trailers) = match r.commit {
                    Some(i) => {
                        let c = &self.walk.commits[i];
                        (
                            c.id.clone(),
                            self.shown(&c.author),
                            self.shown(&c.committer),
                            c.date,
                            c.summary.clone(),
                            c.pr,
                            c.trailers.clone(),
                        )
                    }
                    None => (
                        WORKING_TREE.to_string(),
                        identity.clone(),
                        identity.clone(),
                        time::CommitTime::now(),
                        "Uncommitted changes".to_string(),
                        None,
                        Vec::new().into(),
                    ),
                };
                Revision {
                    commit,
                    author,
                    committer,
                    date,
                    summary,
                    pr,
                    trailers,
                    path: self.repo_path(&r.path),
                    changes: computed.changes,
                    signature: signature::Signature::unsigned(),
                    signoffs: computed.signoffs,
                    fields: computed.fields,
                    index: r.commit,
                    old_blob: r.old_blob.clone(),
                    new_blob: r.new_blob.clone(),
                    other_parents: r.other_parents.clone(),
                    missing,
                }
            })
            .collect()
    }

    /// Who is committing here: git's `user.name` and `user.email`.
    pub(crate) fn identity(&self) -> Author {
        let config = crate::git::open(&self.git_dir)
            .ok()
            .and_then(|g| g.config().ok());
        let get = |key: &str| {
            config
                .as_ref()
                .and_then(|c| c.get_string(key).ok())
                .unwrap_or_default()
        };
        Author {
            name: get("user.name"),
            email: get("user.email"),
        }
    }
}

/// A plans folder reached through a link (`plans -> teams/plans`): git stores its plans
/// under the folder the link leads to, so their history is read there, and the plans folder
/// must name it. An error that says so, never an audit trail with no revisions.
fn linked_plans_folder(repo: &Repo) -> Result<(), Error> {
    let mut at = repo.root.clone();
    for part in repo.config.plans_dir.components() {
        at.push(part);
        if at
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            let real = at.canonicalize().map_err(|e| Error::io(&at, e))?;
            let inside = real.strip_prefix(&repo.root).unwrap_or(&real).to_path_buf();
            return Err(Error::usage(
                format!(
                    "the plans folder {} is reached through a link to {}: git keeps its plans' history under {}",
                    repo.config.plans_dir.display(),
                    inside.display(),
                    inside.display()
                ),
                Some(format!(
                    "set `plans_dir = \"{}\"` in planbook.toml",
                    crate::diagnostic::display_path(&inside)
                )),
            ));
        }
    }
    Ok(())
}

/// A blob's text (not UTF-8: read lossily, as a snapshot is); `None` when it is missing.
pub(crate) fn blob_text(git: &Repository, blob: &str) -> Option<String> {
    crate::git::read_blob(git, blob).map(lossy)
}

/// Bytes as text, a byte that is not UTF-8 read as U+FFFD (copied only when there is one).
fn lossy(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// How to make a partial clone whole: `git fetch --refetch` alone fetches with the clone's
/// filter again, and a clone that still names a promisor remote is still taken for partial.
pub(crate) const WHOLE_CLONE_HELP: &str = "make it a full clone: `git config --unset remote.origin.partialclonefilter`, `git fetch --refetch origin`, then `git config --unset remote.origin.promisor`; or clone without `--filter` (in GitHub Actions: `fetch-depth: 0` and no `filter:`)";

/// Whether the repository is a partial clone (`git clone --filter=…`): objects it was cloned
/// without are missing, and libgit2 cannot fetch them on demand.
pub(crate) fn is_partial(git: &Repository) -> bool {
    let Ok(config) = git.config() else {
        return false;
    };
    if config.get_string("extensions.partialclone").is_ok() {
        return true;
    }
    let Ok(mut entries) = config.entries(Some(r"remote\..*\.promisor")) else {
        return false;
    };
    let mut partial = false;
    while let Some(Ok(entry)) = entries.next() {
        partial |= entry
            .value()
            .is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1" || v == "yes");
    }
    partial
}

/// How `.mailmap` shows each author and committer of the walk (display only: verification
/// uses what the commits record).
fn display_names(git: &Repository, walk: &Walk) -> HashMap<Author, Author> {
    let mut out = HashMap::new();
    let Ok(mailmap) = git.mailmap() else {
        return out;
    };
    // Each name and email is looked up once, however many commits carry it.
    let mut seen: std::collections::HashSet<&Author> = std::collections::HashSet::new();
    for commit in &walk.commits {
        for who in [&commit.author, &commit.committer] {
            if !seen.insert(who) {
                continue;
            }
            let Ok(sig) = git2::Signature::now(&who.name, &who.email) else {
                continue;
            };
            let Ok(mapped) = mailmap.resolve_signature(&sig) else {
                continue;
            };
            let shown = Author {
                name: String::from_utf8_lossy(mapped.name_bytes()).into_owned(),
                email: String::from_utf8_lossy(mapped.email_bytes()).into_owned(),
            };
            if &shown != who {
                out.insert(who.clone(), shown);
            }
        }
    }
    out
}

fn git_error(e: git2::Error) -> Error {
    Error::Git {
        message: format!("reading the git history failed: {}", e.message()),
        help: Some("run `git fsck` to check the repository".into()),
    }
}

/// A thread's own handle on the repository at `git_dir` (a handle is not shared between
/// threads), for rayon's `map_init`.
fn open_for_thread(git_dir: &Path) -> Result<Repository, Error> {
    crate::git::open(git_dir).map_err(git_error)
}

/// The handle [`open_for_thread`] opened, or its error again for this item.
fn handle(git: &Result<Repository, Error>) -> Result<&Repository, Error> {
    git.as_ref().map_err(|e| Error::Git {
        message: e.to_string(),
        help: e.help(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::{commit_all, git};

    /// Verifying sign-offs finds in the cache every revision it would read, compared
    /// beforehand for all plans at once, and reads none of a plan whose only revision added
    /// it.
    #[test]
    fn evidence_is_prepared_for_what_verifying_reads() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::create_dir_all(root.join("plans")).unwrap();
        let plan = |id: &str, target: u32| {
            format!(
                "---\nid: {id}\nstatus: active\nmetrics:\n- id: bookings\n  target: {target}\n---\n## Summary\n\nText.\n"
            )
        };
        let commit = |message: &str| commit_all(root, message);
        std::fs::write(root.join("plans/a.md"), plan("a", 1)).unwrap();
        std::fs::write(root.join("plans/b.md"), plan("b", 1)).unwrap();
        commit("add");
        for target in 2..4 {
            std::fs::write(root.join("plans/b.md"), plan("b", target)).unwrap();
            std::fs::write(root.join("plans/c.md"), plan("c", target)).unwrap();
            commit("edit");
        }
        let repo = Repo::discover(root, None).unwrap();
        let mut audit = Audit::open(&repo, false).unwrap().unwrap();
        let paths: Vec<PathBuf> = ["a", "b", "c"]
            .iter()
            .map(|id| PathBuf::from(format!("plans/{id}.md")))
            .collect();
        let timelines = audit.timelines(&paths);
        assert_eq!(
            timelines.iter().map(Vec::len).collect::<Vec<_>>(),
            [1, 3, 2]
        );
        let cached = |audit: &Audit, r: &RevisionRef| {
            audit
                .cache
                .contains(r.old_blob.as_deref(), r.new_blob.as_deref().unwrap())
        };
        assert!(!timelines[1].iter().any(|r| cached(&audit, r)));
        // A plan at a time.
        audit.prepare_evidence_by(&timelines, 1).unwrap();
        assert!(!cached(&audit, &timelines[0][0]));
        assert!(timelines[1..].iter().flatten().all(|r| cached(&audit, r)));
        // What verifying finds in the cache is what reading the revisions finds.
        let git = audit.open_git().unwrap();
        let identity = audit.identity();
        let evidence = |r: &Revision| (r.commit.clone(), r.signoffs.clone(), r.missing);
        let prepared: Vec<_> = audit
            .revisions(&git, &timelines[1], &identity, Some(&[]))
            .iter()
            .map(evidence)
            .collect();
        // Saved for the next run.
        let next = Audit::open(&repo, false).unwrap().unwrap();
        assert!(timelines[1..].iter().flatten().all(|r| cached(&next, r)));
        std::fs::remove_dir_all(root.join(".git/planbook")).unwrap();
        let fresh = Audit::open(&repo, false).unwrap().unwrap();
        assert!(!timelines[1].iter().any(|r| cached(&fresh, r)));
        let read: Vec<_> = fresh
            .revisions(&git, &timelines[1], &identity, Some(&[]))
            .iter()
            .map(evidence)
            .collect();
        assert_eq!(prepared, read);
    }
}
