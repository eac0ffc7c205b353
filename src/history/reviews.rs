//! Pull-request reviews given with `--reviews`: the JSON GitHub returns for
//! `GET /repos/{owner}/{repo}/pulls/{number}/reviews`, as one file for the change under
//! `check --base`, or a folder of `<number>.json` files, one per pull request.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;

/// One review as GitHub lists it. Unknown fields are ignored: the API adds fields over time.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Review {
    /// `None` for a deleted account (GitHub shows it as "ghost").
    pub(crate) user: Option<User>,
    pub(crate) state: ReviewState,
    #[serde(default)]
    pub(crate) commit_id: Option<String>,
    #[serde(default)]
    pub(crate) submitted_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct User {
    pub(crate) login: String,
}

/// What a review says, by GitHub's `state` (read in any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub(crate) enum ReviewState {
    Approved,
    ChangesRequested,
    Dismissed,
    /// `COMMENTED`, `PENDING` or a state GitHub adds later: it settles nothing, as on GitHub.
    Other,
}

impl From<String> for ReviewState {
    fn from(state: String) -> ReviewState {
        match state.to_ascii_uppercase().as_str() {
            "APPROVED" => ReviewState::Approved,
            "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
            "DISMISSED" => ReviewState::Dismissed,
            _ => ReviewState::Other,
        }
    }
}

/// The reviews planbook was given.
#[derive(Debug, Default)]
pub(crate) enum Reviews {
    /// No `--reviews`: no sign-off rests on a review.
    #[default]
    None,
    /// One file: the reviews of the change under `check --base`. They count for sign-offs
    /// added by the commits of that change, and only when given on its head commit.
    Change {
        reviews: Vec<Review>,
        /// The commits of the change (reachable from HEAD, not from the base).
        commits: HashSet<String>,
        /// The commits an approval must name: HEAD, and for a merge checkout (what CI checks
        /// out for a pull request) the pull request's head, its second parent.
        heads: Vec<String>,
    },
    /// A folder: the reviews of each pull request by number.
    ByPullRequest(HashMap<u64, Vec<Review>>),
}

impl Reviews {
    /// Reads `--reviews PATH`: a file or a folder of `<number>.json` files.
    pub(crate) fn load(path: &Path) -> Result<Loaded, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            let mut by_pr = HashMap::new();
            let entries = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(path, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(number) = name
                    .strip_suffix(".json")
                    .and_then(|n| n.parse::<u64>().ok())
                else {
                    continue;
                };
                let file = entry.path();
                if !entry.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                by_pr.insert(number, parse_file(&file)?);
            }
            Ok(Loaded::Folder(by_pr))
        } else if meta.is_file() {
            Ok(Loaded::File(parse_file(path)?))
        } else {
            Err(Error::usage(
                format!("--reviews {}: not a file or a folder", path.display()),
                Some("give the JSON file of a pull request's reviews, or a folder of `<number>.json` files".to_string()),
            ))
        }
    }

    /// Whether `login` approved: with a folder, pull request `pr` at a commit whose plan
    /// carries the sign-off, as `saw` tells (an approval given before the sign-off was in the
    /// pull request, or of a version a force-push replaced, approved something else; a
    /// reviewed commit the clone does not have, as a squashed pull request's head often is,
    /// cannot be told apart and counts); with one file, the change under review, when
    /// `commit` belongs to it.
    pub(crate) fn approved(
        &self,
        login: &str,
        pr: Option<u64>,
        commit: &str,
        saw: &dyn Fn(&str) -> Option<bool>,
    ) -> Option<Approval> {
        match self {
            Reviews::None => None,
            Reviews::Change {
                reviews,
                commits,
                heads,
            } => {
                if !commits.contains(commit) {
                    return None;
                }
                let latest = latest_decisive(reviews, login)?;
                let on_head = latest
                    .commit_id
                    .as_deref()
                    .is_some_and(|c| heads.iter().any(|h| h.eq_ignore_ascii_case(c)));
                (latest.state == ReviewState::Approved && on_head).then_some(Approval { pr })
            }
            Reviews::ByPullRequest(by_pr) => {
                let reviews = by_pr.get(&pr?)?;
                let latest = latest_decisive(reviews, login)?;
                let after = latest
                    .commit_id
                    .as_deref()
                    .is_none_or(|reviewed| saw(reviewed) != Some(false));
                (latest.state == ReviewState::Approved && after).then_some(Approval { pr })
            }
        }
    }
}

/// An approval found for a sign-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Approval {
    pub(crate) pr: Option<u64>,
}

/// What `--reviews` pointed at, before it is tied to a change.
pub(crate) enum Loaded {
    File(Vec<Review>),
    Folder(HashMap<u64, Vec<Review>>),
}

/// The reviewer's latest review that settles anything, by submission time (the API lists
/// them in order; a review without a time keeps its place).
fn latest_decisive<'a>(reviews: &'a [Review], login: &str) -> Option<&'a Review> {
    let mut theirs: Vec<(usize, &Review)> = reviews
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.user
                .as_ref()
                .is_some_and(|u| u.login.eq_ignore_ascii_case(login))
                && r.state != ReviewState::Other
        })
        .collect();
    // By submission time when every review has one, else in the order the API listed them
    // (always a total order).
    if theirs.iter().all(|(_, r)| r.submitted_at.is_some()) {
        theirs.sort_by(|(i, a), (j, b)| a.submitted_at.cmp(&b.submitted_at).then(i.cmp(j)));
    }
    theirs.last().map(|(_, r)| *r)
}

fn parse_file(path: &Path) -> Result<Vec<Review>, Error> {
    let text = crate::read::read_limited_text(path).map_err(|e| Error::io(path, e))?;
    let reviews: Vec<Review> = serde_json::from_str(&text).map_err(|e| Error::Config {
        path: PathBuf::from(path),
        line: e.line().max(1),
        column: e.column().max(1),
        message: format!("not a list of pull-request reviews: {e}"),
        help: "save the output of `gh api repos/OWNER/REPO/pulls/NUMBER/reviews` (a JSON array of reviews with `user.login`, `state`, `commit_id`, `submitted_at`)".into(),
    })?;
    Ok(reviews)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviews(json: &str) -> Vec<Review> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn states_read_in_any_case_and_unknown_ones_settle_nothing() {
        let list = reviews(
            r#"[{"user": null, "state": "approved"}, {"user": null, "state": "Changes_Requested"},
                {"user": null, "state": "COMMENTED"}, {"user": null, "state": "SOMETHING_NEW"}]"#,
        );
        let states: Vec<ReviewState> = list.iter().map(|r| r.state).collect();
        assert_eq!(
            states,
            [
                ReviewState::Approved,
                ReviewState::ChangesRequested,
                ReviewState::Other,
                ReviewState::Other
            ]
        );
    }

    #[test]
    fn the_latest_decisive_review_counts() {
        let list = reviews(
            r#"[
              {"user": {"login": "marta"}, "state": "APPROVED", "commit_id": "aa", "submitted_at": "2026-01-01T10:00:00Z"},
              {"user": {"login": "Marta"}, "state": "COMMENTED", "commit_id": "aa", "submitted_at": "2026-01-02T10:00:00Z"},
              {"user": null, "state": "APPROVED", "commit_id": "aa"},
              {"user": {"login": "jonas"}, "state": "APPROVED", "commit_id": "aa", "submitted_at": "2026-01-01T10:00:00Z"},
              {"user": {"login": "jonas"}, "state": "DISMISSED", "commit_id": "aa", "submitted_at": "2026-01-03T10:00:00Z"}
            ]"#,
        );
        let unknown = |_: &str| None;
        let change = Reviews::Change {
            reviews: list.clone(),
            commits: HashSet::from(["c1".to_string()]),
            heads: vec!["aa".into()],
        };
        assert!(change.approved("MARTA", None, "c1", &unknown).is_some());
        assert!(
            change.approved("marta", None, "c0", &unknown).is_none(),
            "not in the change"
        );
        assert!(
            change.approved("jonas", None, "c1", &unknown).is_none(),
            "dismissed"
        );
        let stale = Reviews::Change {
            reviews: list.clone(),
            commits: HashSet::from(["c1".to_string()]),
            heads: vec!["bb".into()],
        };
        assert!(
            stale.approved("marta", None, "c1", &unknown).is_none(),
            "approved an older commit"
        );
        let by_pr = Reviews::ByPullRequest(HashMap::from([(12, list)]));
        assert_eq!(
            by_pr.approved("marta", Some(12), "c9", &unknown),
            Some(Approval { pr: Some(12) })
        );
        assert!(by_pr.approved("marta", Some(13), "c9", &unknown).is_none());
        assert!(by_pr.approved("marta", None, "c9", &unknown).is_none());
        // An approval of a commit known not to include the one that added the sign-off is of
        // something else; of one that includes it, or one not in the repository, it counts.
        assert!(
            by_pr
                .approved("marta", Some(12), "c9", &|_| Some(false))
                .is_none()
        );
        assert!(
            by_pr
                .approved("marta", Some(12), "c9", &|_| Some(true))
                .is_some()
        );
    }
}
