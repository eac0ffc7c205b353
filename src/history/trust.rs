//! Who and what decides whether a sign-off holds: the people, the policy, their keys and the
//! pull-request reviews. Under `check --base` people and policy come from the base revision,
//! so that a change cannot vouch for itself.

use std::collections::HashSet;
use std::path::Path;

use git2::Repository;

use crate::config::{Config, SignoffPolicy};
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::history::Audit;
use crate::history::reviews::{Loaded, Reviews};
use crate::history::signature::Keyring;
use crate::plan::People;
use crate::repo::Repo;

/// Everything sign-off verification trusts.
pub struct Trust {
    pub(crate) people: People,
    pub(crate) policy: SignoffPolicy,
    pub(crate) reviews: Reviews,
    pub(crate) keyring: Keyring,
    /// Under `--base`: the base revision's configuration, whose levels of the rules that guard
    /// sign-offs and whose paths apply to the change.
    pub(crate) base_config: Option<Config>,
    /// Under `--base`: the commits of the change. A sign-off added before it was judged when
    /// its own change was checked; it is not judged again by this change's reviews.
    pub(crate) change: Option<HashSet<String>>,
}

impl Trust {
    /// Trust as the repository on disk states it (no base revision to compare with).
    pub fn current(repo: &Repo, reviews: Option<&Path>) -> Result<Trust, Error> {
        let reviews = match reviews.map(Reviews::load).transpose()? {
            None => Reviews::None,
            Some(Loaded::Folder(by_pr)) => Reviews::ByPullRequest(by_pr),
            Some(Loaded::File(_)) => {
                return Err(Error::usage(
                    "a single --reviews file applies to the change under `check --base`",
                    Some("add --base REV (the pull request's base), or give a folder of `<number>.json` files, one per pull request".to_string()),
                ));
            }
        };
        let people_text = read_text(&repo.root.join(&repo.config.people))?;
        let keyring = keyring(
            &repo.people,
            &people_text,
            &repo.config.people,
            &repo.root,
            None,
        )?;
        Ok(Trust {
            people: repo.people.clone(),
            policy: repo.config.signoff.clone(),
            reviews,
            keyring,
            base_config: None,
            change: None,
        })
    }

    /// Trust as the base revision `base` states it, and the `identity-change` findings of what
    /// the change does to it.
    pub(crate) fn at_base(
        repo: &Repo,
        audit: &Audit,
        base: &str,
        reviews: Option<&Path>,
        config_file: Option<&Path>,
        identity: IdentityFindings,
    ) -> Result<(Trust, Vec<Diagnostic>), Error> {
        let git = audit.open_git()?;
        let tree = audit.base_tree(&git, base)?;
        let at_base = |path: &Path| -> Result<Option<String>, Error> {
            let git_path = audit.git_path(path);
            let Ok(entry) = tree.get_path(Path::new(&git_path)) else {
                return Ok(None);
            };
            let bytes =
                crate::git::read_blob(&git, &entry.id().to_string()).ok_or_else(|| {
                    Error::Git {
                        message: format!("--base {base}: {git_path} is missing from the repository"),
                        help: Some("fetch the full history: `git fetch --unshallow --refetch` (in GitHub Actions: `fetch-depth: 0`)".to_string()),
                    }
                })?;
            Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
        };
        // The configuration file at the base: the same file, when it is in the repository.
        let config_path = match config_file {
            Some(file) => file
                .canonicalize()
                .ok()
                .and_then(|f| f.strip_prefix(&repo.root).ok().map(Path::to_path_buf)),
            None => Some(crate::repo::CONFIG_FILE.into()),
        };
        let base_config = match &config_path {
            Some(path) => match at_base(path)? {
                Some(text) => Config::parse(&text, path).map_err(|e| {
                    Error::usage(
                        format!("{} at {base} cannot be read: {e}", path.display()),
                        Some("verification takes the [signoff] policy from the base revision; fix it there first".to_string()),
                    )
                })?,
                None => Config::default(),
            },
            // A configuration kept outside the repository has no base revision: the change
            // would judge itself with it, so it is refused.
            None => {
                return Err(Error::usage(
                    "with --base, the configuration must be a file of the repository, so that the base's version of it is used",
                    Some("leave out --config, or name the repository's planbook.toml".to_string()),
                ));
            }
        };
        // People as the base names them, where the base's configuration puts them (a change
        // that moves people.yaml is read against the base's file, not its own).
        let base_people_path = base_config.people.clone();
        let base_people_text = at_base(&base_people_path)?.unwrap_or_default();
        let base_people = People::parse(&base_people_text, &base_people_path).map_err(|e| {
            Error::usage(
                format!(
                    "{} at {base} cannot be read: {e}",
                    base_people_path.display()
                ),
                Some(
                    "verification takes people from the base revision; fix it there first"
                        .to_string(),
                ),
            )
        })?;
        let base_policy = base_config.signoff.clone();
        let people_path = repo.config.people.clone();
        let people_text = read_text(&repo.root.join(&people_path))?;
        let config_path = config_path.unwrap_or_else(|| crate::repo::CONFIG_FILE.into());
        let config_text = std::fs::read_to_string(repo.root.join(&config_path)).ok();
        let findings = identity(
            Side {
                people: &base_people,
                config: &base_config,
                read: &|p: &Path| at_base(p).ok().flatten(),
            },
            Side {
                people: &repo.people,
                config: &repo.config,
                read: &|p: &Path| read_text(&repo.root.join(p)).ok(),
            },
            &people_text,
            &people_path,
            config_text.as_deref(),
            &config_path,
        );
        let read_at_base = |entry: &str| {
            at_base(Path::new(entry))?.ok_or_else(|| {
                Error::usage(
                    format!("the key file {entry} named in people.yaml does not exist at {base}"),
                    Some("key files named in people.yaml must be committed".to_string()),
                )
            })
        };
        let keyring = keyring(
            &base_people,
            &base_people_text,
            &base_people_path,
            &repo.root,
            Some(&read_at_base),
        )?;
        let (commits, heads) = change_commits(&git, base)?;
        let change = Some(commits.clone());
        let reviews = match reviews.map(Reviews::load).transpose()? {
            None => Reviews::None,
            Some(Loaded::Folder(by_pr)) => Reviews::ByPullRequest(by_pr),
            Some(Loaded::File(reviews)) => Reviews::Change {
                reviews,
                commits,
                heads,
            },
        };
        Ok((
            Trust {
                people: base_people,
                policy: base_policy,
                reviews,
                keyring,
                base_config: Some(base_config),
                change,
            },
            findings,
        ))
    }
}

/// What a change does to who can vouch for sign-offs, as `identity-change` findings: the
/// check layer's [`crate::check::history::identity_findings`], handed in by the caller.
pub(crate) type IdentityFindings =
    fn(Side, Side, &str, &Path, Option<&str>, &Path) -> Vec<Diagnostic>;

/// One side of a change, for comparing identities: people, configuration, and how to read a
/// file of the repository on that side.
pub(crate) struct Side<'a> {
    pub(crate) people: &'a People,
    pub(crate) config: &'a Config,
    pub(crate) read: &'a dyn Fn(&Path) -> Option<String>,
}

/// The commits of the change (reachable from HEAD and not from `base`), and the commits an
/// approval of it must name: HEAD and, when HEAD merges a branch (the merge commit CI checks
/// out for a pull request), that branch's tip.
fn change_commits(git: &Repository, base: &str) -> Result<(HashSet<String>, Vec<String>), Error> {
    let fail = |e: git2::Error| Error::Git {
        message: format!("listing the commits since {base} failed: {}", e.message()),
        help: Some("fetch the full history (`fetch-depth: 0`)".to_string()),
    };
    let head = git.head().and_then(|h| h.peel_to_commit()).map_err(fail)?;
    let base_commit = git
        .revparse_single(base)
        .and_then(|o| o.peel_to_commit())
        .map_err(fail)?;
    let mut walk = git.revwalk().map_err(fail)?;
    walk.push(head.id()).map_err(fail)?;
    walk.hide(base_commit.id()).map_err(fail)?;
    let mut commits = HashSet::new();
    for id in walk {
        commits.insert(id.map_err(fail)?.to_string());
    }
    let mut heads = vec![head.id().to_string()];
    // GitHub's merge commit for a pull request merges its head into the base: only then is
    // the second parent the commit the reviewers saw.
    if head.parent_count() == 2
        && head
            .parent_id(0)
            .is_ok_and(|first| first == base_commit.id())
        && let Ok(branch) = head.parent_id(1)
    {
        heads.push(branch.to_string());
    }
    Ok((commits, heads))
}

/// Reads a key file named in `people.yaml`.
type ReadKeyFile<'a> = dyn Fn(&str) -> Result<String, Error> + 'a;

/// Every person's signing keys. A key file is read by `read_file` (from disk, or from the base
/// revision); an entry that cannot be read is a configuration error at the person's line of
/// `people.yaml`.
fn keyring(
    people: &People,
    text: &str,
    path: &Path,
    root: &Path,
    read_file: Option<&ReadKeyFile>,
) -> Result<Keyring, Error> {
    let mut keyring = Keyring::default();
    for (id, person) in &people.by_id {
        for entry in &person.keys {
            let failed = |message: String| {
                let (line, column) = people.position(text, id);
                Error::Config {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!("a signing key of `{id}`: {message}"),
                    help: "each entry under `keys:` is an SSH public key line, an armored OpenPGP public key, or the path (from the repository root) of a file holding one".into(),
                }
            };
            let added = match read_file {
                Some(read) if !is_key_text(entry) => {
                    let content = read(entry.trim())?;
                    if !is_key_text(&content) {
                        return Err(failed(format!(
                            "the key file {} holds no public key",
                            entry.trim()
                        )));
                    }
                    keyring.add(id, &content, root)
                }
                _ => keyring.add(id, entry, root),
            };
            added.map_err(failed)?;
        }
    }
    Ok(keyring)
}

/// Whether a `keys:` entry is a key itself rather than the path of a key file.
pub(crate) fn is_key_text(entry: &str) -> bool {
    let text = entry.trim_start();
    text.contains('\n')
        || text.starts_with("-----BEGIN")
        || ["ssh-", "ecdsa-", "sk-"]
            .iter()
            .any(|p| text.starts_with(p))
}

fn read_text(path: &Path) -> Result<String, Error> {
    match crate::read::read_limited(path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::io(path, e)),
    }
}
