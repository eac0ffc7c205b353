//! The history cache in `.git/planbook/`: the walk up to the last HEAD seen and the field
//! changes already computed, so that a repeated `log` walks only new commits and reads only
//! new blobs. It is a cache: anything unreadable or from another version is ignored.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};

use crate::history::diff::FieldChange;
use crate::history::signoff::SignoffEntry;
use crate::history::walk::{self, Walk};

/// Bumped whenever what is cached is computed differently (3: unreadable front matter compared
/// field by field; 4: committers, raw identities, sign-off entries and field digests; 5: only
/// the fields a sign-off can cover are digested; 6: lists keyed by `rule` too, for waivers).
const VERSION: u32 = 6;
const FILE: &str = "planbook/history-cache.json";

/// What comparing one revision with the one before found. Shared between the cache and the
/// revisions that use it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Computed {
    pub changes: Arc<[FieldChange]>,
    /// The sign-offs the revision carries.
    pub signoffs: Arc<[SignoffEntry]>,
    /// A digest of each top-level field (see [`crate::history::Snapshot::field_digests`]).
    pub fields: Arc<[(String, u64)]>,
}

#[derive(Default)]
pub struct Cache {
    plans: String,
    head: Option<String>,
    walk: Option<Walk>,
    diffs: HashMap<String, Computed>,
    changed: bool,
}

#[derive(Serialize, Deserialize)]
struct Stored<W, D> {
    version: u32,
    plans: String,
    head: Option<String>,
    walk: W,
    diffs: D,
}

fn key(old: Option<&str>, new: &str) -> String {
    format!("{}..{new}", old.unwrap_or(""))
}

impl Cache {
    /// Reads the cache of the repository at `git_dir` for the plans folder `plans`.
    pub fn load(git_dir: &Path, plans: &Path, covers: &[String]) -> Cache {
        let plans = format!(
            "{}|{}",
            crate::diagnostic::display_path(plans),
            covers.join(",")
        );
        let stored = std::fs::read(git_dir.join(FILE))
            .ok()
            .and_then(|bytes| {
                serde_json::from_slice::<Stored<Walk, HashMap<String, Computed>>>(&bytes).ok()
            })
            .filter(|s| s.version == VERSION && s.plans == plans);
        match stored {
            Some(s) => Cache {
                plans,
                head: s.head,
                walk: Some(s.walk),
                diffs: s.diffs,
                changed: false,
            },
            None => Cache {
                plans,
                ..Cache::default()
            },
        }
    }

    /// The walk from `head`: the cached one, extended with the commits made since.
    pub fn walk_to(
        &mut self,
        git: &Repository,
        head: Oid,
        plans: &Path,
        seen: &mut dyn FnMut(Option<&str>, &str),
    ) -> Result<Walk, git2::Error> {
        let cached_head = self.head.as_deref().and_then(|h| Oid::from_str(h).ok());
        let cached = self.walk.take();
        let walk = match (cached_head, cached) {
            (Some(old), Some(walk)) if old == head => walk,
            (Some(old), Some(mut known)) if git.graph_descendant_of(head, old).unwrap_or(false) => {
                let mut new = walk::walk(git, head, &[old], plans, seen)?;
                let shift = new.commits.len();
                for change in &mut known.changes {
                    change.commit += shift;
                }
                new.commits.append(&mut known.commits);
                new.changes.append(&mut known.changes);
                self.changed = true;
                new
            }
            _ => {
                self.changed = true;
                walk::walk(git, head, &[], plans, seen)?
            }
        };
        self.head = Some(head.to_string());
        Ok(walk)
    }

    /// What was computed for the revision from `old` to `new` on an earlier run.
    pub fn diff(&self, old: Option<&str>, new: &str) -> Option<Computed> {
        self.diffs.get(&key(old, new)).cloned()
    }

    /// Records what was computed for a revision.
    pub fn insert(&mut self, old: Option<&str>, new: &str, computed: Computed) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.diffs.entry(key(old, new)) {
            e.insert(computed);
            self.changed = true;
        }
    }

    /// Writes the cache atomically; failures are ignored (the next run recomputes).
    pub fn save(&self, git_dir: &Path, walk: &Walk) {
        if !self.changed {
            return;
        }
        let path: PathBuf = git_dir.join(FILE);
        let Some(dir) = path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let stored = Stored {
            version: VERSION,
            plans: self.plans.clone(),
            head: self.head.clone(),
            walk,
            diffs: &self.diffs,
        };
        let Ok(mut temp) = crate::atomic::temp_file_in(dir) else {
            return;
        };
        let written = serde_json::to_writer(std::io::BufWriter::new(temp.as_file_mut()), &stored)
            .is_ok()
            && temp.as_file_mut().flush().is_ok();
        if written {
            let _ = temp.persist(&path);
        }
    }
}
