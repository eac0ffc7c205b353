//! The plans repository: its root, configuration, people and plan files.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Error;
use crate::plan::cache::ParseCache;
use crate::plan::{People, PlanFile, Schema};
use crate::read::{MAX_PLAN_BYTES, ReadError, kind_of, read_bounded, read_limited};

/// The configuration file name at the repository root.
pub(crate) const CONFIG_FILE: &str = "planbook.toml";
/// A repository's own schema, which replaces the built-in one.
pub(crate) const SCHEMA_FILE: &str = "schema/plan.schema.json";

/// A plans repository on disk.
pub struct Repo {
    pub(crate) root: PathBuf,
    pub(crate) config: Config,
    pub(crate) people: People,
    pub(crate) schema: Schema,
    /// Plans parsed on earlier runs, when the command keeps them (see [`Repo::keep_parsed`]).
    parsed: Option<ParseCache>,
}

impl Repo {
    /// Finds the repository that holds `start`: the nearest folder above it with a
    /// `planbook.toml`, else the top of the git work tree, else `start` itself.
    pub fn discover(start: &Path, config_file: Option<&Path>) -> Result<Repo, Error> {
        let start = start.canonicalize().map_err(|e| Error::io(start, e))?;
        let root = find_root(&start);
        let config = match config_file {
            // Given on the command line, so the user's choice wherever it is; it must still
            // be a regular file (a FIFO would hang, a device would be read forever).
            Some(file) => Config::load(file)?,
            None => match read_inside(&root, Path::new(CONFIG_FILE))? {
                Some(bytes) => Config::from_bytes(&bytes, &root.join(CONFIG_FILE))?,
                None => Config::default(),
            },
        };
        let people_path = root.join(&config.people);
        check_inside(&root, &config.people)?;
        let people = People::load(&people_path)?;
        let schema = if check_inside(&root, Path::new(SCHEMA_FILE))? {
            Schema::from_file(&root.join(SCHEMA_FILE))?
        } else {
            Schema::builtin()
        };
        Ok(Repo {
            root,
            config,
            people,
            schema,
            parsed: None,
        })
    }

    /// From now on, plans whose files have not changed since an earlier run are taken as
    /// parsed then, and what is parsed is kept for the next run by [`Repo::save_parsed`]
    /// (see [`crate::plan::cache`]). Outside git nothing is kept.
    pub(crate) fn keep_parsed(&mut self) {
        self.parsed = ParseCache::open(&self.root, &self.schema);
    }

    /// Writes the plans parsed on this run for the next (when anything changed), and stops
    /// keeping them.
    pub(crate) fn save_parsed(&mut self) {
        if let Some(cache) = self.parsed.take() {
            cache.save(&self.root);
        }
    }

    /// The plans folder.
    pub(crate) fn plans_dir(&self) -> PathBuf {
        self.root.join(&self.config.plans_dir)
    }

    /// Every plan file under the plans folder, sorted, relative to the root.
    pub fn plan_paths(&self) -> Result<Vec<PathBuf>, Error> {
        Ok(self.plan_files()?.paths)
    }

    /// Every plan file under the plans folder, and the entries there that are not read
    /// (links out of the repository, pipes, devices, sockets, git submodules) with the reason.
    pub(crate) fn plan_files(&self) -> Result<PlanFiles, Error> {
        let dir = self.plans_dir();
        if !dir.is_dir() {
            return Err(Error::usage(
                format!("there is no plans folder at {}", dir.display()),
                Some(format!(
                    "create `{}/` with a plan in it (`planbook new ID`), set `plans_dir` in planbook.toml, or run from the repository (-C DIR)",
                    self.config.plans_dir.display()
                )),
            ));
        }
        // A committed `plans -> /usr` would otherwise have every file there read as a plan.
        check_inside(&self.root, &self.config.plans_dir)?;
        let mut files = PlanFiles {
            paths: Vec::new(),
            skipped: Vec::new(),
            left_out: crate::git::outside_sparse_checkout(&self.root, &self.config.plans_dir),
        };
        walk(&self.root, &dir, &mut files)?;
        // An index that cannot be read is warned of where the history is read.
        for (path, _) in files.left_out.iter().flatten() {
            files.skipped.push((
                path.clone(),
                "it is outside the sparse checkout (not in the work tree): `git sparse-checkout add` its folder, or `git sparse-checkout disable`".into(),
            ));
        }
        files.paths.sort();
        files.skipped.sort();
        Ok(files)
    }

    /// Reads and parses the given plan files in parallel.
    pub(crate) fn load_plans(&self, paths: &[PathBuf]) -> Vec<PlanFile> {
        paths.par_iter().map(|path| self.load_plan(path)).collect()
    }

    /// Reads and parses one plan file (relative to the root).
    pub(crate) fn load_plan(&self, path: &Path) -> PlanFile {
        let full = self.root.join(path);
        // The walk only lists files inside; this holds for a file swapped for a link since.
        if let Err(reason) = plan_entry(&self.root, &full) {
            return PlanFile::unreadable(
                path.to_path_buf(),
                format!("the file is not read: {reason}"),
                Some("keep plans as plain files inside the repository".into()),
            );
        }
        match read_bounded(&full) {
            Ok(bytes) => match &self.parsed {
                Some(cache) => cache.parse(path, bytes, &self.schema),
                None => PlanFile::parse_owned(path.to_path_buf(), bytes, &self.schema),
            },
            Err(ReadError::TooLarge(size)) => PlanFile::unreadable(
                path.to_path_buf(),
                format!(
                    "the file is {:.1} MB; planbook reads plans up to {} MB",
                    size as f64 / 1e6,
                    MAX_PLAN_BYTES / (1024 * 1024)
                ),
                Some("a plan is a few pages of text: move attachments out and link to them".into()),
            ),
            Err(ReadError::Io(e)) => PlanFile::unreadable(
                path.to_path_buf(),
                format!("the file cannot be read: {e}"),
                Some("check that the file exists and is readable".into()),
            ),
        }
    }

    /// The text of one plan file (relative to the root) as [`Repo::load_plan`] reads it, for
    /// showing findings in it; `None` when it cannot be read as text now.
    pub(crate) fn plan_text(&self, path: &Path) -> Option<String> {
        let full = self.root.join(path);
        plan_entry(&self.root, &full).ok()?;
        let text = String::from_utf8(read_bounded(&full).ok()?).ok()?;
        Some(crate::plan::without_bom(text))
    }

    /// `path` (as given on the command line, relative to `cwd`) relative to the root, if it
    /// lies inside the repository.
    pub(crate) fn relative(&self, cwd: &Path, path: &Path) -> Result<PathBuf, Error> {
        let full = if path.is_absolute() {
            path.to_path_buf()
        } else {
            cwd.join(path)
        };
        let full = full.canonicalize().map_err(|e| Error::io(path, e))?;
        full.strip_prefix(&self.root)
            .map(Path::to_path_buf)
            .map_err(|_| {
                Error::usage(
                    format!(
                        "{} is outside the plans repository at {}",
                        path.display(),
                        self.root.display()
                    ),
                    Some(
                        "pass paths inside the repository, or use -C DIR to run in another one"
                            .to_string(),
                    ),
                )
            })
    }
}

/// The nearest folder at or above `start` with a `planbook.toml`, looking no further up than
/// the top of the git work tree (a stray `planbook.toml` above a repository is not its
/// configuration); else that top; else `start`.
fn find_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if dir.join(CONFIG_FILE).is_file() || dir.join(".git").exists() {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

/// The plan files of a repository and what was passed over.
pub(crate) struct PlanFiles {
    /// Plan files, relative to the root, sorted.
    pub(crate) paths: Vec<PathBuf>,
    /// Entries under the plans folder that are not read, relative to the root, with why.
    pub(crate) skipped: Vec<(PathBuf, String)>,
    /// Plan files a sparse checkout left out of the work tree, with their committed blob (see
    /// [`crate::git::outside_sparse_checkout`]); why they cannot be told, when git's index
    /// cannot be read.
    pub(crate) left_out: Result<Vec<(PathBuf, git2::Oid)>, String>,
}

/// Collects `.md` files below `dir`, skipping hidden entries, `README.md`, git submodules,
/// and anything that is not a regular file inside the repository (noted in `skipped`).
fn walk(root: &Path, dir: &Path, out: &mut PlanFiles) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let relative = || path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let file_type = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if file_type.is_dir() {
            if path.join(".git").exists() {
                out.skipped.push((
                    relative(),
                    "it is a git submodule; planbook reads only the repository's own plans".into(),
                ));
            } else {
                walk(root, &path, out)?;
            }
        } else if crate::git::is_plan_name(&name) {
            // The directory entry says what a plain file is (no `lstat` for each of
            // thousands of plans); links and the rest are looked at closely.
            if file_type.is_file() {
                out.paths.push(relative());
                continue;
            }
            match plan_entry(root, &path) {
                Ok(()) => out.paths.push(relative()),
                Err(reason) => out.skipped.push((relative(), reason)),
            }
        }
    }
    Ok(())
}

/// Whether the entry at `path` may be read as a plan: a regular file, or a link to one,
/// inside the repository. The error says why not.
fn plan_entry(root: &Path, path: &Path) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if meta.file_type().is_symlink() {
        let target = path
            .canonicalize()
            .map_err(|_| "it is a link that leads nowhere".to_string())?;
        if !target.starts_with(root) {
            return Err(format!(
                "it is a link to {}, outside the repository",
                target.display()
            ));
        }
        let meta = std::fs::metadata(&target).map_err(|e| e.to_string())?;
        if !meta.is_file() {
            return Err(format!("it is a link to {}", kind_of(&meta.file_type())));
        }
        return Ok(());
    }
    if !meta.is_file() {
        return Err(format!("it is {}", kind_of(&meta.file_type())));
    }
    Ok(())
}

/// The one rule for what planbook reads: `path` (relative to `root`, or absolute) must
/// resolve, after every symbolic link, to somewhere inside `root`. `Ok(false)` when nothing
/// is there; an error naming where it leads otherwise.
pub(crate) fn check_inside(root: &Path, path: &Path) -> Result<bool, Error> {
    let full = root.join(path);
    if std::fs::symlink_metadata(&full).is_err() {
        return Ok(false);
    }
    let shown = full.strip_prefix(root).unwrap_or(&full).to_path_buf();
    let real = match full.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::usage(
                format!("{} is a link that leads nowhere", shown.display()),
                Some("remove the link, or point it at a file inside the repository".into()),
            ));
        }
        Err(e) => return Err(Error::io(&full, e)),
    };
    if !real.starts_with(root) {
        return Err(Error::usage(
            format!(
                "{} leads to {}, outside the repository; planbook reads only files inside it",
                shown.display(),
                real.display()
            ),
            Some("replace the link with the file itself, kept in the repository".into()),
        ));
    }
    Ok(true)
}

/// Reads the file at `path` (relative to `root`) if it is there, inside the repository and a
/// regular file (see [`check_inside`] and [`read_limited`](crate::read::read_limited)); `None` when nothing is there.
pub(crate) fn read_inside(root: &Path, path: &Path) -> Result<Option<Vec<u8>>, Error> {
    if !check_inside(root, path)? {
        return Ok(None);
    }
    let full = root.join(path);
    match read_limited(&full) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(full.strip_prefix(root).unwrap_or(&full), e)),
    }
}
