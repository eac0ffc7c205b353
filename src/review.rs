//! What a change does to the plans: plans added, removed, renamed and changed between two
//! revisions (or a revision and the working tree), field by field.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{ObjectType, Repository};
use serde::Serialize;

use crate::error::Error;
use crate::history::signoff::{self, SignoffEntry};
use crate::history::{FieldChange, Snapshot};
use crate::plan::People;
use crate::repo::Repo;

/// How a plan changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum PlanChangeKind {
    Added,
    Removed,
    Renamed,
    Modified,
}

/// One plan's change.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanChange {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) change: PlanChangeKind,
    pub(crate) path: String,
    pub(crate) old_path: Option<String>,
    pub(crate) changes: Vec<FieldChange>,
    /// Sign-offs the change adds, removes, and makes stale.
    pub(crate) signoffs: SignoffChanges,
    /// For a new plan, what a reviewer reads first: who, what, when, how much.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new_plan: Option<NewPlan>,
}

/// The commitments of a new plan, for its review.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NewPlan {
    pub(crate) status: Option<String>,
    pub(crate) owner: Option<String>,
    pub(crate) sponsor: Option<String>,
    /// Region, territory, role and segment, as given.
    pub(crate) scope: Vec<String>,
    pub(crate) period: Option<serde_json::Value>,
    pub(crate) currency: Option<String>,
    /// `(metric id, baseline, target)`, the primary one first.
    pub(crate) metrics: Vec<(String, serde_json::Value, serde_json::Value)>,
    pub(crate) investment: Option<serde_json::Value>,
    pub(crate) signoffs: usize,
    /// The findings the plan waives, as written; left out of JSON when there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) waivers: Option<serde_json::Value>,
}

impl NewPlan {
    fn of(s: &Snapshot) -> NewPlan {
        let text = |key: &str| s.get(key).and_then(|v| v.as_str()).map(str::to_string);
        let scope = ["region", "territory", "role", "segment"]
            .iter()
            .filter_map(|k| s.get("scope")?.get(k)?.as_str().map(str::to_string))
            .collect();
        let mut metrics: Vec<(bool, String, serde_json::Value, serde_json::Value)> = s
            .get("metrics")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .map(|m| {
                (
                    !m.get("primary").and_then(|p| p.as_bool()).unwrap_or(false),
                    m.get("id")
                        .and_then(|i| i.as_str())
                        .unwrap_or("?")
                        .to_string(),
                    m.get("baseline").cloned().unwrap_or_default(),
                    m.get("target").cloned().unwrap_or_default(),
                )
            })
            .collect();
        metrics.sort_by_key(|m| m.0);
        NewPlan {
            status: text("status"),
            owner: text("owner"),
            sponsor: text("sponsor"),
            scope,
            period: s.get("period").cloned(),
            currency: text("currency"),
            metrics: metrics
                .into_iter()
                .map(|(_, id, b, t)| (id, b, t))
                .collect(),
            investment: s.get("investment").cloned(),
            signoffs: s
                .get("signoffs")
                .and_then(|v| v.as_array())
                .map_or(0, Vec::len),
            waivers: s.get("waivers").filter(|w| !w.is_null()).cloned(),
        }
    }
}

/// What a change does to a plan's sign-offs.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct SignoffChanges {
    pub(crate) added: Vec<SignoffEntry>,
    pub(crate) removed: Vec<SignoffEntry>,
    /// Sign-offs kept although a field they cover changed: they no longer count.
    pub(crate) stale: Vec<StaleSignoff>,
}

/// A sign-off the change makes stale.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StaleSignoff {
    pub(crate) person: String,
    pub(crate) date: String,
    /// The covered fields that changed.
    pub(crate) changed: Vec<String>,
}

/// A change to who can vouch for sign-offs: people's emails, keys or logins, or the policy.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct IdentityChange {
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) message: String,
}

/// The whole change.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Review {
    pub(crate) base: String,
    pub(crate) head: String,
    /// Changes to identities and the sign-off policy, which a reviewer must see first.
    pub(crate) identity: Vec<IdentityChange>,
    pub(crate) plans: Vec<PlanChange>,
}

/// Plan files of one side: path (relative to the repository root) → text.
type Side = BTreeMap<String, String>;

/// Compares the plans at `base` with those at `head` (`None`: the working tree).
pub(crate) fn review(repo: &Repo, base: &str, head: Option<&str>) -> Result<Review, Error> {
    let git = crate::git::discover(&repo.root)?.ok_or_else(|| {
        Error::usage(
            "planbook diff compares git revisions, and this is not a git repository",
            Some("keep the plans in git".to_string()),
        )
    })?;
    let prefix = crate::git::root_in_workdir(&git, &repo.root);
    let plans_in_git = crate::diagnostic::display_path(&prefix.join(&repo.config.plans_dir));
    let identity = identity_changes(repo, &git, &prefix, base, head)?;
    let old = at_revision(&git, base, &plans_in_git, &prefix)?;
    let new = match head {
        Some(rev) => at_revision(&git, rev, &plans_in_git, &prefix)?,
        None => {
            let mut side = Side::new();
            let (on_disk, left_out) = if repo.plans_dir().is_dir() {
                let listed = repo.plan_files()?;
                (listed.paths, listed.left_out)
            } else {
                // A plans folder removed from the work tree removed every plan in it, unless
                // a sparse checkout left it out whole.
                let left_out =
                    crate::git::outside_sparse_checkout(&repo.root, &repo.config.plans_dir);
                (Vec::new(), left_out)
            };
            for path in on_disk {
                let bytes = crate::read::read_limited(&repo.root.join(&path))
                    .map_err(|e| Error::io(&path, e))?;
                side.insert(
                    crate::diagnostic::display_path(&path),
                    String::from_utf8_lossy(&bytes).into_owned(),
                );
            }
            // Left out of a sparse checkout, a plan is as committed, not removed.
            let left_out = left_out.map_err(|why| {
                // Which plans a sparse checkout left out cannot be told: never "removed".
                let (message, help) = crate::history::worktree::unread(&why);
                Error::Git {
                    message,
                    help: Some(help),
                }
            })?;
            for (path, blob) in left_out {
                let content =
                    crate::git::read_blob(&git, &blob.to_string()).ok_or_else(|| Error::Git {
                        message: format!("{}: an object is missing", path.display()),
                        help: Some("run `git fsck`".into()),
                    })?;
                side.insert(
                    crate::diagnostic::display_path(&path),
                    String::from_utf8_lossy(&content).into_owned(),
                );
            }
            side
        }
    };
    Ok(Review {
        base: base.to_string(),
        head: head.unwrap_or(crate::history::WORKING_TREE).to_string(),
        identity,
        plans: compare(&old, &new, &repo.config.signoff.covers),
    })
}

/// A file of the repository at revision `rev` (`None`: the working tree); `None` when absent.
fn file_at(
    repo: &Repo,
    git: &Repository,
    prefix: &Path,
    rev: Option<&str>,
    path: &Path,
) -> Result<Option<String>, Error> {
    let Some(rev) = rev else {
        return match crate::read::read_limited(&repo.root.join(path)) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        };
    };
    let tree = tree_at(git, rev)?;
    let git_path = crate::diagnostic::display_path(&prefix.join(path));
    let Ok(entry) = tree.get_path(Path::new(&git_path)) else {
        return Ok(None);
    };
    match crate::git::read_blob(git, &entry.id().to_string()) {
        Some(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        None => Err(Error::Git {
            message: format!("{rev}: {git_path} is missing from the repository"),
            help: Some(format!(
                "a partial clone or a damaged repository (`git fsck` tells): {}",
                crate::history::WHOLE_CLONE_HELP
            )),
        }),
    }
}

/// What the change does to people's identities and to the `[signoff]` policy.
fn identity_changes(
    repo: &Repo,
    git: &Repository,
    prefix: &Path,
    base: &str,
    head: Option<&str>,
) -> Result<Vec<IdentityChange>, Error> {
    let config_path = Path::new(crate::repo::CONFIG_FILE);
    let read = |rev: Option<&str>, path: &Path| file_at(repo, git, prefix, rev, path);
    // Each side's people are where that side's configuration puts them.
    let people = |rev: Option<&str>, path: &Path| -> Result<(People, String), Error> {
        let text = read(rev, path)?.unwrap_or_default();
        // An unreadable side compares as empty: `check` reports the file itself.
        Ok((People::parse(&text, path).unwrap_or_default(), text))
    };
    let config = |rev: Option<&str>| -> Result<(crate::config::Config, Option<String>), Error> {
        let text = read(rev, config_path)?;
        let config = text
            .as_deref()
            .and_then(|t| crate::config::Config::parse(t, config_path).ok())
            .unwrap_or_default();
        Ok((config, text))
    };
    let (base_config, _) = config(Some(base))?;
    let (head_config, head_config_text) = config(head)?;
    let people_path = head_config.people.clone();
    let (base_people, _) = people(Some(base), &base_config.people)?;
    let (head_people, head_text) = people(head, &people_path)?;
    use crate::history::trust::Side;
    Ok(crate::check::history::identity_findings(
        Side {
            people: &base_people,
            config: &base_config,
            read: &|p: &Path| read(Some(base), p).ok().flatten(),
        },
        Side {
            people: &head_people,
            config: &head_config,
            read: &|p: &Path| read(head, p).ok().flatten(),
        },
        &head_text,
        &people_path,
        head_config_text.as_deref(),
        config_path,
    )
    .into_iter()
    .map(|d| IdentityChange {
        file: d.file_display(),
        line: d.span.line,
        message: d.message,
    })
    .collect())
}

/// The tree of revision `rev`, with what to do when there is none.
fn tree_at<'g>(git: &'g Repository, rev: &str) -> Result<git2::Tree<'g>, Error> {
    git.revparse_single(rev)
        .and_then(|o| o.peel_to_tree())
        .map_err(|_| Error::Git {
            message: format!("{rev}: no such revision in this repository"),
            help: Some(
                "give a branch, tag or commit; in CI fetch the full history (`fetch-depth: 0`)"
                    .to_string(),
            ),
        })
}

fn at_revision(git: &Repository, rev: &str, plans: &str, prefix: &Path) -> Result<Side, Error> {
    let tree = tree_at(git, rev)?;
    let mut side = Side::new();
    let Ok(entry) = tree.get_path(Path::new(plans)) else {
        return Ok(side);
    };
    let Ok(subtree) = git.find_tree(entry.id()) else {
        return Ok(side);
    };
    let mut failure = None;
    subtree
        .walk(git2::TreeWalkMode::PreOrder, |dir, e| {
            let name = e.name().unwrap_or("");
            if e.kind() == Some(ObjectType::Blob)
                && crate::git::is_plan_path(&format!("{dir}{name}"))
            {
                // Within the plan size limit, like every blob read from the history.
                match crate::git::read_blob(git, &e.id().to_string()) {
                    Some(content) => {
                        let path = format!("{plans}/{dir}{name}");
                        let relative = Path::new(&path)
                            .strip_prefix(prefix)
                            .map(crate::diagnostic::display_path)
                            .unwrap_or(path.clone());
                        side.insert(relative, String::from_utf8_lossy(&content).into_owned());
                    }
                    None => failure = Some(git2::Error::from_str("an object is missing")),
                }
            }
            git2::TreeWalkResult::Ok
        })
        .map_err(|e| Error::Git {
            message: e.message().to_string(),
            help: None,
        })?;
    if let Some(e) = failure {
        return Err(Error::Git {
            message: format!("reading {rev}: {}", e.message()),
            help: Some("run `git fsck`".into()),
        });
    }
    Ok(side)
}

fn stem(path: &str) -> String {
    Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Pairs the two sides by path, then as the history walk pairs a moved plan
/// ([`crate::history::renames`]: the same content, the same file name, similar content).
fn compare(old: &Side, new: &Side, covers: &[String]) -> Vec<PlanChange> {
    let mut out = Vec::new();
    let removed: Vec<(String, &str)> = old
        .iter()
        .filter(|(p, _)| !new.contains_key(*p))
        .map(|(p, t)| (p.clone(), t.as_str()))
        .collect();
    let added: Vec<(String, &str)> = new
        .iter()
        .filter(|(p, _)| !old.contains_key(*p))
        .map(|(p, t)| (p.clone(), t.as_str()))
        .collect();
    let pairs = crate::history::renames::pair(&added, &removed, &|a, b| {
        crate::history::renames::similar_text(a.as_bytes(), b.as_bytes())
    });
    let moved_from: std::collections::HashMap<&str, &str> = added
        .iter()
        .zip(&pairs)
        .filter_map(|((to, _), from)| Some((to.as_str(), removed[(*from)?].0.as_str())))
        .collect();
    let matched_removed: std::collections::HashSet<&str> = moved_from.values().copied().collect();
    for (path, text) in new {
        let snapshot = Snapshot::parse(text);
        let (kind, old_path, before) = match old.get(path) {
            Some(before) if before == text => continue,
            Some(before) => (
                PlanChangeKind::Modified,
                None,
                Some(Snapshot::parse(before)),
            ),
            None => match moved_from.get(path.as_str()) {
                Some(from) => (
                    PlanChangeKind::Renamed,
                    Some(from.to_string()),
                    old.get(*from).map(|t| Snapshot::parse(t)),
                ),
                None => (PlanChangeKind::Added, None, None),
            },
        };
        let changes = crate::history::diff::diff(before.as_ref(), &snapshot);
        let signoffs = signoff_changes(before.as_ref(), &snapshot, covers);
        out.push(plan_change(
            &snapshot, path, kind, old_path, changes, signoffs,
        ));
    }
    for (path, text) in removed
        .iter()
        .filter(|(p, _)| !matched_removed.contains(p.as_str()))
    {
        let snapshot = Snapshot::parse(text);
        let signoffs = SignoffChanges {
            removed: signoff::entries(&snapshot),
            ..SignoffChanges::default()
        };
        out.push(plan_change(
            &snapshot,
            path,
            PlanChangeKind::Removed,
            None,
            Vec::new(),
            signoffs,
        ));
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn plan_change(
    s: &Snapshot,
    path: &str,
    change: PlanChangeKind,
    old_path: Option<String>,
    changes: Vec<FieldChange>,
    signoffs: SignoffChanges,
) -> PlanChange {
    let id = s
        .get("id")
        .and_then(|v| v.as_str())
        .map_or_else(|| stem(path), str::to_string);
    let title = s
        .get("title")
        .and_then(|v| v.as_str())
        .unwrap_or(&id)
        .to_string();
    PlanChange {
        id,
        title,
        new_plan: (change == PlanChangeKind::Added).then(|| NewPlan::of(s)),
        change,
        path: path.to_string(),
        old_path,
        changes,
        signoffs,
    }
}

/// The sign-offs added and removed between two versions of a plan, and those kept although a
/// field they cover (`[signoff] covers`) changed.
fn signoff_changes(
    before: Option<&Snapshot>,
    after: &Snapshot,
    covers: &[String],
) -> SignoffChanges {
    let now = signoff::entries(after);
    let was = before.map(signoff::entries).unwrap_or_default();
    let mut out = SignoffChanges {
        added: now
            .iter()
            .filter(|e| !was.iter().any(|w| w.same(e)))
            .cloned()
            .collect(),
        removed: was
            .iter()
            .filter(|w| !now.iter().any(|e| e.same(w)))
            .cloned()
            .collect(),
        stale: Vec::new(),
    };
    let Some(before) = before else { return out };
    let (old, new) = (before.field_digests(covers), after.field_digests(covers));
    let value = |digests: &[(String, crate::history::diff::FieldDigest)], field: &str| {
        digests.iter().find(|(k, _)| k == field).map(|(_, h)| *h)
    };
    let changed: Vec<String> = covers
        .iter()
        .filter(|f| value(&old, f) != value(&new, f))
        .cloned()
        .collect();
    if !changed.is_empty() {
        out.stale = now
            .iter()
            .filter(|e| was.iter().any(|w| w.same(e)))
            .map(|e| StaleSignoff {
                person: e.person.clone(),
                date: e.date.clone(),
                changed: changed.clone(),
            })
            .collect();
    }
    out
}
