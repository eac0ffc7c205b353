//! The plans repository: its root, configuration, people and plan files.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Error;
use crate::plan::{People, PlanFile, Schema};

/// The configuration file name at the repository root.
pub const CONFIG_FILE: &str = "planbook.toml";
/// A repository's own schema, which replaces the built-in one.
pub const SCHEMA_FILE: &str = "schema/plan.schema.json";

/// A plans repository on disk.
pub struct Repo {
    pub root: PathBuf,
    pub config: Config,
    pub people: People,
    pub schema: Schema,
}

impl Repo {
    /// Finds the repository that holds `start`: the nearest folder above it with a
    /// `planbook.toml`, else the top of the git work tree, else `start` itself.
    pub fn discover(start: &Path, config_file: Option<&Path>) -> Result<Repo, Error> {
        let start = start.canonicalize().map_err(|e| Error::io(start, e))?;
        let root = find_root(&start);
        let config = match config_file {
            Some(file) => Config::load(file)?,
            None => {
                let file = root.join(CONFIG_FILE);
                if file.is_file() {
                    Config::load(&file)?
                } else {
                    Config::default()
                }
            }
        };
        let people = People::load(&root.join(&config.people))?;
        let schema_path = root.join(SCHEMA_FILE);
        let schema = if schema_path.is_file() {
            Schema::from_file(&schema_path)?
        } else {
            Schema::builtin()
        };
        Ok(Repo {
            root,
            config,
            people,
            schema,
        })
    }

    /// The plans folder.
    pub fn plans_dir(&self) -> PathBuf {
        self.root.join(&self.config.plans_dir)
    }

    /// Every plan file under the plans folder, sorted, relative to the root.
    pub fn plan_paths(&self) -> Result<Vec<PathBuf>, Error> {
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
        let mut out = Vec::new();
        walk(&self.root, &dir, &mut out)?;
        out.sort();
        Ok(out)
    }

    /// Reads and parses the given plan files in parallel.
    pub fn load_plans(&self, paths: &[PathBuf]) -> Vec<PlanFile> {
        paths.par_iter().map(|path| self.load_plan(path)).collect()
    }

    /// Reads and parses one plan file (relative to the root).
    pub fn load_plan(&self, path: &Path) -> PlanFile {
        let full = self.root.join(path);
        match read_bounded(&full) {
            Ok(bytes) => PlanFile::parse(path.to_path_buf(), &bytes, &self.schema),
            Err(ReadError::TooLarge(size)) => PlanFile::unreadable(
                path.to_path_buf(),
                format!(
                    "the file is {:.1} MB; planbook reads plans up to {} MB",
                    size as f64 / 1e6,
                    crate::plan::MAX_PLAN_BYTES / (1024 * 1024)
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

    /// `path` (as given on the command line, relative to `cwd`) relative to the root, if it
    /// lies inside the repository.
    pub fn relative(&self, cwd: &Path, path: &Path) -> Result<PathBuf, Error> {
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

fn find_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if dir.join(CONFIG_FILE).is_file() {
            return dir.to_path_buf();
        }
    }
    for dir in start.ancestors() {
        if dir.join(".git").exists() {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

/// Collects `.md` files below `dir`, skipping hidden entries, `README.md`, and links that
/// lead outside the repository.
fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if file_type.is_dir() {
            walk(root, &path, out)?;
        } else if is_plan_name(&name)
            && (file_type.is_file() || links_inside(root, &path))
            && let Ok(relative) = path.strip_prefix(root)
        {
            out.push(relative.to_path_buf());
        }
    }
    Ok(())
}

/// Whether a file name is a plan's (`.md`, but not a README).
pub fn is_plan_name(name: &str) -> bool {
    name.ends_with(".md") && !name.eq_ignore_ascii_case("readme.md")
}

/// Whether a symbolic link resolves to a regular file inside the repository.
fn links_inside(root: &Path, path: &Path) -> bool {
    match path.canonicalize() {
        Ok(target) => target.starts_with(root) && target.is_file(),
        Err(_) => false,
    }
}

/// Reads a whole file that planbook reads at once (configuration, people, schema, templates, a
/// plan for review), refusing one over the plan size limit before reading it.
pub fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    match read_bounded(path) {
        Ok(bytes) => Ok(bytes),
        Err(ReadError::Io(e)) => Err(e),
        Err(ReadError::TooLarge(size)) => Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "the file is {:.1} MB; planbook reads files up to {} MB",
                size as f64 / 1e6,
                crate::plan::MAX_PLAN_BYTES / (1024 * 1024)
            ),
        )),
    }
}

/// Like [`read_limited`], as UTF-8 text.
pub fn read_limited_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_limited(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

enum ReadError {
    TooLarge(u64),
    Io(std::io::Error),
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(ReadError::Io)?;
    let size = file.metadata().map_err(ReadError::Io)?.len();
    if size > crate::plan::MAX_PLAN_BYTES {
        return Err(ReadError::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(crate::plan::MAX_PLAN_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > crate::plan::MAX_PLAN_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}
