//! Watching what a site is built from (plans, people, configuration, templates, schema) with
//! the operating system's file events, for `planbook serve`: an edit is seen at once and an
//! idle server costs nothing. Where events are not available, the folders are polled.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{EventKind, RecursiveMode};

use crate::error::Error;
use crate::repo::Repo;

/// More plans than this changed at once (a checkout, say) get a whole build.
const MAX_EDITED: usize = 200;
/// Editors save in several steps (truncate, write, rename); changes with gaps shorter than
/// this between them are taken as one...
const SETTLE: Duration = Duration::from_millis(5);
/// ...for up to this long, so that a stream of changes is not waited out forever.
const SETTLE_MAX: Duration = Duration::from_millis(40);
/// How often the commit checked out is looked at (a commit changes no watched file).
const HEAD_CHECK: Duration = Duration::from_secs(1);

/// What changed.
#[derive(Debug, PartialEq)]
pub(crate) enum Change {
    /// These plan files (relative to the repository root) were edited, and nothing else.
    Plans(Vec<PathBuf>),
    /// Something else: people, configuration, templates, a plan added or removed, a commit.
    Everything,
}

/// Watches a repository.
pub(crate) struct Watcher {
    paths: Paths,
    events: Receiver<notify::Result<notify::Event>>,
    watcher: Box<dyn notify::Watcher + Send>,
    head: Option<git2::Oid>,
    /// Paths that changed and matter, not yet handed out.
    changed: Vec<PathBuf>,
}

/// What a build reads.
#[derive(Debug, Clone, PartialEq)]
struct Paths {
    root: PathBuf,
    plans: PathBuf,
    people: PathBuf,
    config: PathBuf,
    folders: Vec<PathBuf>,
    /// The folders below the plans folder, so that one removed or renamed is noticed.
    plan_folders: BTreeSet<PathBuf>,
}

impl Paths {
    fn of(repo: &Repo) -> Paths {
        Paths {
            root: repo.root.clone(),
            plans: repo.plans_dir(),
            people: repo.root.join(&repo.config.people),
            config: repo.root.join(crate::repo::CONFIG_FILE),
            folders: vec![repo.root.join("site-templates"), repo.root.join("schema")],
            plan_folders: folders_below(&repo.plans_dir()),
        }
    }

    /// The folders to watch, and how. The root is watched on its own (not below), so that
    /// the site written into it, `.git` and everything else there cause no events.
    fn targets(&self) -> Vec<(PathBuf, RecursiveMode)> {
        let mut out = vec![(self.root.clone(), RecursiveMode::NonRecursive)];
        out.push((self.plans.clone(), RecursiveMode::Recursive));
        for folder in &self.folders {
            if folder.is_dir() {
                out.push((folder.clone(), RecursiveMode::Recursive));
            }
        }
        if let Some(parent) = self.people.parent()
            && parent != self.root
            && parent.is_dir()
        {
            out.push((parent.to_path_buf(), RecursiveMode::NonRecursive));
        }
        out.dedup();
        out
    }

    /// What a change at `path` means: nothing, an edit to a plan, or something else.
    fn classify(&self, path: &Path) -> Touched {
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return Touched::Nothing;
        };
        let hidden = relative.components().any(|c| match c {
            Component::Normal(name) => {
                let name = name.to_string_lossy();
                name.starts_with('.') || name.ends_with('~')
            }
            _ => false,
        });
        if hidden {
            return Touched::Nothing;
        }
        if path.starts_with(&self.plans) {
            let Some(name) = path.file_name() else {
                return Touched::Nothing;
            };
            let name = name.to_string_lossy();
            if name.ends_with(".md") {
                return if crate::git::is_plan_name(&name) {
                    Touched::Plan(relative.to_path_buf())
                } else {
                    Touched::Nothing
                };
            }
            // A folder of plans appeared, went or moved; other files (images, editors'
            // temporary files) are not read.
            return if path.is_dir() || self.plan_folders.contains(path) {
                Touched::Everything
            } else {
                Touched::Nothing
            };
        }
        let read = path == self.people
            || path == self.config
            || self.folders.iter().any(|f| path.starts_with(f));
        if read {
            Touched::Everything
        } else {
            Touched::Nothing
        }
    }
}

/// What a change to one path means for the site.
#[derive(Debug, PartialEq, Eq)]
enum Touched {
    /// Nothing the site is built from.
    Nothing,
    /// The plan at this path (relative to the root), and only it.
    Plan(PathBuf),
    /// Something any page may depend on: people, configuration, templates, a plans folder.
    Everything,
}

impl Watcher {
    /// Starts watching what `repo`'s site is built from.
    pub(crate) fn new(repo: &Repo) -> Result<Watcher, Error> {
        let (send, events) = channel();
        let watcher: Box<dyn notify::Watcher + Send> =
            match notify::recommended_watcher(send.clone()) {
                Ok(w) => Box::new(w),
                Err(_) => Box::new(
                    notify::PollWatcher::new(
                        send,
                        notify::Config::default().with_poll_interval(Duration::from_millis(500)),
                    )
                    .map_err(|e| watch_error(&repo.root, &e))?,
                ),
            };
        let mut watcher = Watcher {
            paths: Paths::of(repo),
            events,
            watcher,
            head: crate::git::head(&repo.root),
            changed: Vec::new(),
        };
        watcher.start()?;
        Ok(watcher)
    }

    fn start(&mut self) -> Result<(), Error> {
        for (path, mode) in self.paths.targets() {
            self.watcher
                .watch(&path, mode)
                .map_err(|e| watch_error(&path, &e))?;
        }
        Ok(())
    }

    /// Follows a repository whose configuration may have moved the plans or people.
    pub(crate) fn follow(&mut self, repo: &Repo) -> Result<(), Error> {
        let paths = Paths::of(repo);
        if paths == self.paths {
            return Ok(());
        }
        for (path, _) in self.paths.targets() {
            let _ = self.watcher.unwatch(&path);
        }
        self.paths = paths;
        self.start()
    }

    /// Whether something that matters has changed since the last [`Watcher::wait`] (without
    /// waiting): long work can stop and let the change go first.
    pub(crate) fn has_pending(&mut self) -> bool {
        self.take_events();
        !self.changed.is_empty()
    }

    /// Keeps the paths of the events received so far that matter.
    fn take_events(&mut self) {
        for event in self.events.try_iter() {
            let paths = changed_paths(event);
            let relevant = paths
                .into_iter()
                .filter(|p| self.paths.classify(p) != Touched::Nothing);
            self.changed.extend(relevant);
        }
    }

    /// Waits for the next change; `None` when watching stopped.
    pub(crate) fn wait(&mut self) -> Option<Change> {
        loop {
            self.take_events();
            if self.changed.is_empty() {
                match self.events.recv_timeout(HEAD_CHECK) {
                    Ok(event) => {
                        self.changed.extend(changed_paths(event));
                        self.settle();
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
            let paths = std::mem::take(&mut self.changed);
            let now = crate::git::head(&self.paths.root);
            if now != self.head {
                self.head = now;
                return Some(Change::Everything);
            }
            if let Some(change) = self.meaning(&paths) {
                return Some(change);
            }
        }
    }

    /// Waits until no event has come for [`SETTLE`] (at most [`SETTLE_MAX`]): an edit is
    /// taken whole, and as soon as it is done.
    fn settle(&mut self) {
        let started = std::time::Instant::now();
        while let Ok(event) = self.events.recv_timeout(SETTLE) {
            self.changed.extend(changed_paths(event));
            if started.elapsed() > SETTLE_MAX {
                break;
            }
        }
        self.take_events();
    }

    fn meaning(&self, paths: &[PathBuf]) -> Option<Change> {
        let mut plans = BTreeSet::new();
        for path in paths {
            match self.paths.classify(path) {
                Touched::Plan(plan) => {
                    plans.insert(plan);
                }
                Touched::Everything => return Some(Change::Everything),
                Touched::Nothing => {}
            }
        }
        match plans.len() {
            0 => None,
            n if n > MAX_EDITED => Some(Change::Everything),
            _ => Some(Change::Plans(plans.into_iter().collect())),
        }
    }
}

/// The paths an event is about; a watcher error (events lost) counts as the root changing.
fn changed_paths(event: notify::Result<notify::Event>) -> Vec<PathBuf> {
    match event {
        Ok(event) => match event.kind {
            EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Write,
            ))
            | EventKind::Any
            | EventKind::Create(_)
            | EventKind::Modify(_)
            | EventKind::Remove(_)
            | EventKind::Other => event.paths,
            EventKind::Access(_) => Vec::new(),
        },
        Err(e) => e.paths,
    }
}

/// Every folder below `dir`, not following links (which could loop) nor hidden folders.
fn folders_below(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
                out.insert(entry.path());
            }
        }
    }
    out
}

fn watch_error(path: &Path, e: &notify::Error) -> Error {
    Error::usage(
        format!("cannot watch {} for changes: {e}", path.display()),
        Some("on Linux, raise fs.inotify.max_user_watches, or use `planbook build` instead".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_a_build_reads_counts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("plans/emea")).unwrap();
        std::fs::write(root.join("plans/emea/logo.png"), b"x").unwrap();
        let paths = Paths {
            root: root.clone(),
            plans: root.join("plans"),
            people: root.join("people.yaml"),
            config: root.join("planbook.toml"),
            folders: vec![root.join("site-templates")],
            plan_folders: folders_below(&root.join("plans")),
        };
        let plan = Touched::Plan(PathBuf::from("plans/emea/a.md"));
        let cases = [
            ("plans/emea/a.md", plan, "a plan"),
            (
                "plans/README.md",
                Touched::Nothing,
                "the plans folder's README",
            ),
            (
                "plans/emea/.a.md.swp",
                Touched::Nothing,
                "an editor's swap file",
            ),
            ("plans/emea/a.md~", Touched::Nothing, "an editor's backup"),
            ("plans/emea/logo.png", Touched::Nothing, "not Markdown"),
            ("plans/emea", Touched::Everything, "a plans folder"),
            ("plans/sed4Xa1Q", Touched::Nothing, "a temporary file"),
            ("people.yaml", Touched::Everything, "people"),
            (
                "site-templates/plan.html",
                Touched::Everything,
                "a template",
            ),
            ("site/index.html", Touched::Nothing, "the output"),
            (".git/HEAD", Touched::Nothing, "git's own files"),
        ];
        for (path, touched, what) in cases {
            assert_eq!(paths.classify(&root.join(path)), touched, "{what}: {path}");
        }
        std::fs::remove_dir_all(root.join("plans/emea")).unwrap();
        assert_eq!(
            paths.classify(&root.join("plans/emea")),
            Touched::Everything,
            "a folder removed"
        );
    }
}
