//! The audit trail: every revision of every plan, from one pass over the git history.

pub mod cache;
pub mod diff;
pub mod message;
pub mod signature;
pub mod walk;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};
use rayon::prelude::*;
use serde::Serialize;

pub use diff::{FieldChange, Snapshot};
pub use message::Trailer;
pub use walk::{Author, Commit, Status, Walk};

use crate::error::Error;
use crate::repo::Repo;

/// The commit name of uncommitted edits.
pub const WORKING_TREE: &str = "working tree";

/// One revision of one plan: a commit (or the working tree) that changed its file.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRef {
    /// Index into the walk's commits; `None` for uncommitted edits.
    pub commit: Option<usize>,
    /// The file's path at this revision, relative to the git work tree.
    pub path: String,
    pub old_blob: Option<String>,
    /// `None` for the working tree (read from disk).
    pub new_blob: Option<String>,
}

/// The history of the repository, indexed by plan, with revisions still to be read.
pub struct Audit {
    /// The `.git` folder; each thread opens its own handle (libgit2 handles are not `Sync`).
    pub git_dir: PathBuf,
    pub walk: Walk,
    pub shallow: bool,
    /// Repository root relative to the git work tree (`""` when they are the same).
    pub root_in_workdir: PathBuf,
    /// The plans folder, relative to the repository root.
    pub plans_dir: PathBuf,
    pub workdir: PathBuf,
    /// Committed-diff cache: `old..new` blob ids → changes; blob id → who had signed off.
    pub cache: cache::Cache,
}

/// A plan's revisions, newest first, as the audit trail shows them.
#[derive(Debug, Clone, Serialize)]
pub struct PlanHistory {
    pub id: String,
    pub path: String,
    pub revisions: Vec<Revision>,
}

/// A revision with everything the audit trail says about it.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    pub commit: String,
    pub author: Author,
    pub date: String,
    pub summary: String,
    pub pr: Option<u64>,
    pub trailers: std::sync::Arc<[Trailer]>,
    pub path: String,
    pub changes: std::sync::Arc<[FieldChange]>,
    /// The sign-offs at this revision, as `person@date`.
    #[serde(skip)]
    pub signers: std::sync::Arc<[String]>,
}

/// The whole audit trail, as `planbook log --format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub shallow: bool,
    pub plans: Vec<PlanHistory>,
}

impl Audit {
    /// Opens the git repository holding `repo` and walks its history once (reusing the cache
    /// for commits already seen). `None` outside a git repository.
    ///
    /// With `compare`, every change the walk finds is also read and compared (into the cache)
    /// while it runs: what `log` and `build` need for every plan; `check` reads far less.
    pub fn open(repo: &Repo, compare: bool) -> Result<Option<Audit>, Error> {
        let Ok(git) = Repository::discover(&repo.root) else {
            return Ok(None);
        };
        // Objects are read, never written, and a corrupt object still fails to inflate or
        // parse; re-hashing every object read doubles the cost of the walk.
        git2::opts::strict_hash_verification(false);
        let Some(workdir) = git.workdir().map(Path::to_path_buf) else {
            return Err(Error::Git {
                message: format!("{} is a bare git repository", git.path().display()),
                help: Some("run planbook in a clone with a work tree".into()),
            });
        };
        let workdir = workdir.canonicalize().unwrap_or(workdir);
        let root_in_workdir = repo
            .root
            .strip_prefix(&workdir)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let plans = root_in_workdir.join(&repo.config.plans_dir);
        let shallow = git.is_shallow();
        // `None` in a repository without commits yet.
        let head = git
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .map(|c| c.id());
        let mut cache = cache::Cache::load(git.path(), &plans);
        let walk = match head {
            None => Walk::default(),
            // The blobs behind the changes are read and compared on another core while the
            // walk goes on, oldest first (see `Comparer`).
            Some(head) if compare => {
                let git_dir = git.path().to_path_buf();
                let (send, receive) = std::sync::mpsc::channel::<(Option<String>, String)>();
                let (walk, computed) = std::thread::scope(|scope| {
                    let worker = scope.spawn(move || {
                        let mut comparer = Comparer::new(&git_dir);
                        for (old, new) in receive {
                            comparer.compare(old.as_deref(), &new);
                        }
                        comparer.finish()
                    });
                    let walk = cache.walk_to(&git, head, &plans, &mut |old, new| {
                        let _ = send.send((old.map(str::to_string), new.to_string()));
                    });
                    drop(send);
                    (walk, worker.join().unwrap_or_default())
                });
                for (old, new, computed) in computed {
                    cache.insert(old.as_deref(), &new, computed);
                }
                walk.map_err(git_error)?
            }
            Some(head) => cache
                .walk_to(&git, head, &plans, &mut |_, _| {})
                .map_err(git_error)?,
        };
        Ok(Some(Audit {
            git_dir: git.path().to_path_buf(),
            walk,
            shallow,
            root_in_workdir,
            plans_dir: repo.config.plans_dir.clone(),
            workdir,
            cache,
        }))
    }

    /// The git path of a plan path relative to the repository root.
    pub fn git_path(&self, path: &Path) -> String {
        crate::diagnostic::display_path(&self.root_in_workdir.join(path))
    }

    /// The repository-root-relative path of a git path.
    pub fn repo_path(&self, git_path: &str) -> String {
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
    pub fn timelines(&self, paths: &[PathBuf]) -> Vec<Vec<RevisionRef>> {
        let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, change) in self.walk.changes.iter().enumerate() {
            by_path.entry(change.path.as_str()).or_default().push(i);
        }
        let dirty = self.uncommitted();
        paths
            .iter()
            .map(|path| {
                let git_path = self.git_path(path);
                let mut out = Vec::new();
                if let Some(head_blob) = dirty.get(&git_path) {
                    out.push(RevisionRef {
                        commit: None,
                        path: git_path.clone(),
                        old_blob: head_blob.clone(),
                        new_blob: None,
                    });
                }
                let mut current = git_path;
                let mut older_than = 0usize;
                'lineage: while let Some(indexes) = by_path.get(current.as_str()) {
                    for &i in indexes {
                        let change = &self.walk.changes[i];
                        if change.commit < older_than || change.status == Status::Deleted {
                            continue;
                        }
                        out.push(RevisionRef {
                            commit: Some(change.commit),
                            path: change.path.clone(),
                            old_blob: change.old_blob.clone(),
                            new_blob: change.new_blob.clone(),
                        });
                        match (&change.status, &change.old_path) {
                            (Status::Renamed, Some(old)) => {
                                current = old.clone();
                                older_than = change.commit + 1;
                                continue 'lineage;
                            }
                            (Status::Added, _) => break 'lineage,
                            _ => {}
                        }
                    }
                    break;
                }
                out
            })
            .collect()
    }

    /// Plan files whose working-tree content differs from HEAD, with their HEAD blob.
    fn uncommitted(&self) -> HashMap<String, Option<String>> {
        let mut options = git2::StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false);
        // Only the plans folder matters; the rest of the work tree is not even looked at.
        let plans = crate::diagnostic::display_path(&self.root_in_workdir.join(&self.plans_dir));
        if !plans.is_empty() {
            options.pathspec(format!("{plans}/"));
        }
        let mut out = HashMap::new();
        let Ok(git) = Repository::open(&self.git_dir) else {
            return out;
        };
        let Ok(statuses) = git.statuses(Some(&mut options)) else {
            return out;
        };
        let head_tree = git.head().ok().and_then(|h| h.peel_to_tree().ok());
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
        out
    }

    /// The `working tree` revision of the plan file at `path` (relative to the root), when
    /// it differs from HEAD: what an edit adds to a history that is otherwise unchanged.
    pub fn working_revision(&self, path: &Path) -> Option<Revision> {
        let git = Repository::open(&self.git_dir).ok()?;
        let git_path = self.git_path(path);
        let bytes = crate::repo::read_limited(&self.workdir.join(&git_path)).ok()?;
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
        }];
        self.revisions(&git, &timeline, &self.identity(), None)
            .pop()
    }

    /// What a revision's file holds (the working tree is read from disk).
    pub fn snapshot(&self, git: &Repository, blob: Option<&str>, path: &str) -> Snapshot {
        match blob {
            Some(id) => blob_snapshot(git, id),
            None => crate::repo::read_limited(&self.workdir.join(path))
                .map(|bytes| Snapshot::parse(&String::from_utf8_lossy(&bytes)))
                .unwrap_or_default(),
        }
    }

    /// The full audit trail of the plans at `paths` with ids `ids`: every revision with its
    /// field changes, read in parallel. What was computed is remembered for the next run.
    pub fn history(&mut self, paths: &[PathBuf], ids: &[String]) -> History {
        let timelines = self.timelines(paths);
        self.precompute(&timelines);
        let history = self.history_of(&timelines, paths, ids);
        let computed: Vec<&[Revision]> = history
            .plans
            .iter()
            .map(|p| p.revisions.as_slice())
            .collect();
        self.remember(&timelines, &computed);
        history
    }

    /// Stores what was computed for the next run (best effort: a read-only `.git` is fine).
    pub fn remember(&mut self, timelines: &[Vec<RevisionRef>], revisions: &[&[Revision]]) {
        for (timeline, revisions) in timelines.iter().zip(revisions) {
            for (r, revision) in timeline.iter().zip(revisions.iter()) {
                if let Some(new) = &r.new_blob {
                    let computed = (revision.changes.clone(), revision.signers.clone());
                    self.cache.insert(r.old_blob.as_deref(), new, computed);
                }
            }
        }
        self.cache.save(&self.git_dir, &self.walk);
    }

    /// Computes the field changes and sign-offs of every committed revision in `timelines`
    /// that the cache does not have yet, into the cache.
    ///
    /// Revisions are taken oldest commit first, in as many contiguous stretches of history as
    /// there are threads, because packs store blobs as deltas on the ones written just before
    /// them (`git fast-import` chains blobs in the order they were added, whatever their
    /// file): reading in that order keeps each delta's base in libgit2's cache, where reading
    /// plan by plan resolved long chains again and again.
    fn precompute(&mut self, timelines: &[Vec<RevisionRef>]) {
        let mut todo: Vec<(usize, Option<&str>, &str)> = timelines
            .iter()
            .flatten()
            .filter_map(|r| Some((r.commit?, r.old_blob.as_deref(), r.new_blob.as_deref()?)))
            .filter(|(_, old, new)| self.cache.diff(*old, new).is_none())
            .collect();
        // Commits are listed newest first: the largest index is the oldest.
        todo.sort_unstable_by(|a, b| b.cmp(a));
        todo.dedup_by(|a, b| (a.1, a.2) == (b.1, b.2));
        if todo.is_empty() {
            return;
        }
        let stretch = todo.len().div_ceil(rayon::current_num_threads());
        let git_dir = self.git_dir.clone();
        let computed: Vec<Vec<Compared>> = todo
            .par_chunks(stretch)
            .map(|stretch| {
                let mut comparer = Comparer::new(&git_dir);
                for (_, old, new) in stretch {
                    comparer.compare(*old, new);
                }
                comparer.finish()
            })
            .collect();
        for (old, new, computed) in computed.into_iter().flatten() {
            self.cache.insert(old.as_deref(), &new, computed);
        }
    }

    fn history_of(
        &self,
        timelines: &[Vec<RevisionRef>],
        paths: &[PathBuf],
        ids: &[String],
    ) -> History {
        let git_dir = self.git_dir.clone();
        let identity = self.identity();
        let plans: Vec<PlanHistory> = timelines
            .par_iter()
            .zip(paths.par_iter().zip(ids.par_iter()))
            .map_init(
                || Repository::open(&git_dir).ok(),
                |git, (timeline, (path, id))| {
                    let revisions = match git {
                        Some(git) => self.revisions(git, timeline, &identity, None),
                        None => Vec::new(),
                    };
                    PlanHistory {
                        id: id.clone(),
                        path: crate::diagnostic::display_path(path),
                        revisions,
                    }
                },
            )
            .collect();
        History {
            shallow: self.shallow,
            plans,
        }
    }

    /// The revisions of one timeline, with field changes and sign-offs.
    ///
    /// `current` is what the caller already knows of the file on disk (its sign-offs): when
    /// the newest revision is a commit whose content is that file and it added the plan, no
    /// blob needs to be read at all, which is the common case in a short history.
    pub fn revisions(
        &self,
        git: &Repository,
        timeline: &[RevisionRef],
        identity: &Author,
        current: Option<&[String]>,
    ) -> Vec<Revision> {
        let known = |i: usize, r: &RevisionRef| -> Option<cache::Computed> {
            let new = r.new_blob.as_ref()?;
            if let Some(hit) = self.cache.diff(r.old_blob.as_deref(), new) {
                return Some(hit);
            }
            match current {
                Some(signers) if i == 0 && r.old_blob.is_none() => {
                    Some((Vec::new().into(), signers.to_vec().into()))
                }
                _ => None,
            }
        };
        let mut snapshots: HashMap<Option<String>, std::rc::Rc<Snapshot>> = HashMap::new();
        let mut read = |blob: &Option<String>, path: &str| -> std::rc::Rc<Snapshot> {
            snapshots
                .entry(blob.clone())
                .or_insert_with(|| std::rc::Rc::new(self.snapshot(git, blob.as_deref(), path)))
                .clone()
        };
        // Oldest first: packs store a file's versions as deltas on each other, and reading in
        // that order keeps each delta's base in libgit2's cache.
        for (i, r) in timeline.iter().enumerate().rev() {
            if known(i, r).is_none() {
                if r.old_blob.is_some() {
                    read(&r.old_blob, &r.path);
                }
                read(&r.new_blob, &r.path);
            }
        }
        timeline
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (changes, signers) = match known(i, r) {
                    Some(hit) => hit,
                    None => {
                        let new = read(&r.new_blob, &r.path);
                        let old = r.old_blob.as_ref().map(|_| read(&r.old_blob, &r.path));
                        compared(old.as_deref(), &new)
                    }
                };
                let (commit, author, date, summary, pr, trailers) = match r.commit {
                    Some(i) => {
                        let c = &self.walk.commits[i];
                        (
                            c.id.clone(),
                            c.author.clone(),
                            c.date.clone(),
                            c.summary.clone(),
                            c.pr,
                            c.trailers.clone(),
                        )
                    }
                    None => (
                        WORKING_TREE.to_string(),
                        identity.clone(),
                        now(),
                        "Uncommitted changes".to_string(),
                        None,
                        Vec::new().into(),
                    ),
                };
                Revision {
                    commit,
                    author,
                    date,
                    summary,
                    pr,
                    trailers,
                    path: self.repo_path(&r.path),
                    changes,
                    signers,
                }
            })
            .collect()
    }

    /// Who is committing here: git's `user.name` and `user.email`.
    pub fn identity(&self) -> Author {
        let config = Repository::open(&self.git_dir)
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

/// What a committed blob holds. A blob over the plan size limit is not read (its size comes
/// from the object header) and reads as an unreadable file, like one over the limit on disk.
fn blob_snapshot(git: &Repository, blob: &str) -> Snapshot {
    let Ok(oid) = Oid::from_str(blob) else {
        return Snapshot::default();
    };
    let small = git
        .odb()
        .and_then(|odb| odb.read_header(oid))
        .is_ok_and(|(size, _)| size as u64 <= crate::plan::MAX_PLAN_BYTES);
    if !small {
        return Snapshot::default();
    }
    git.find_blob(oid)
        .map(|b| Snapshot::parse(&String::from_utf8_lossy(b.content())))
        .unwrap_or_default()
}

/// What a revision changed against the one before, and who had signed off after it.
fn compared(old: Option<&Snapshot>, new: &Snapshot) -> cache::Computed {
    (diff::diff(old, new).into(), signers(new).into())
}

/// A revision's blobs and what comparing them found.
type Compared = (Option<String>, String, cache::Computed);

/// Reads and compares revisions in the order they are handed in (oldest first), keeping the
/// latest snapshot of each file so that each blob is read and parsed once.
struct Comparer {
    git: Option<Repository>,
    /// Kept as JSON text: a parsed snapshot of every plan would take gigabytes, and JSON
    /// reads back far faster than the YAML it came from.
    latest: HashMap<String, Vec<u8>>,
    out: Vec<Compared>,
}

impl Comparer {
    fn new(git_dir: &Path) -> Comparer {
        Comparer {
            git: Repository::open(git_dir).ok(),
            latest: HashMap::new(),
            out: Vec::new(),
        }
    }

    fn read(&self, blob: &str) -> Snapshot {
        self.git
            .as_ref()
            .map(|git| blob_snapshot(git, blob))
            .unwrap_or_default()
    }

    fn compare(&mut self, old: Option<&str>, new: &str) {
        let before = old.map(|b| {
            self.latest
                .remove(b)
                .and_then(|json| serde_json::from_slice(&json).ok())
                .unwrap_or_else(|| self.read(b))
        });
        let after = self.read(new);
        self.out.push((
            old.map(str::to_string),
            new.to_string(),
            compared(before.as_ref(), &after),
        ));
        if let Ok(json) = serde_json::to_vec(&after) {
            self.latest.insert(new.to_string(), json);
        }
    }

    fn finish(self) -> Vec<Compared> {
        self.out
    }
}

/// The sign-offs in a snapshot, as `person@date` (a sign-off renewed with a new date counts
/// as a new sign-off).
pub fn signers(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .get("signoffs")
        .and_then(|s| s.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    Some(signoff_key(
                        i.get("person")?.as_str()?,
                        i.get("date").and_then(|d| d.as_str()).unwrap_or(""),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// How a sign-off is identified across revisions.
pub fn signoff_key(person: &str, date: &str) -> String {
    format!("{person}@{date}")
}

fn now() -> String {
    let now = jiff::ZonedDateTime::now();
    now.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

fn git_error(e: git2::Error) -> Error {
    Error::Git {
        message: format!("reading the git history failed: {}", e.message()),
        help: Some("run `git fsck` to check the repository".into()),
    }
}
