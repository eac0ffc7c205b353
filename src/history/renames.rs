//! Which added file continues which deleted one: the one answer to "was this plan moved?",
//! used by the history walk (between a commit and its parent) and by `diff` (between two
//! revisions, or a revision and the working tree).
//!
//! Pairs are found in three passes, each over what the earlier ones left: identical content
//! first, then the same file name (a plan moved to another folder keeps its file name, since
//! the name is its id), then similar content (half the lines shared) among the few that remain.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// Above this many added × deleted files, the similarity pass is skipped: it reads and
/// compares every pair, and a commit that adds and deletes that many files is a reorganisation
/// that the first two passes already pair.
const MAX_SIMILARITY_PAIRS: usize = 100;

/// For each of `added` (path, content key), the index in `deleted` of the file it continues.
/// `similar` compares two contents by key, for the last pass.
pub(crate) fn pair<K: Eq + Hash>(
    added: &[(String, K)],
    deleted: &[(String, K)],
    similar: &dyn Fn(&K, &K) -> bool,
) -> Vec<Option<usize>> {
    let mut pairs: Vec<Option<usize>> = vec![None; added.len()];
    let mut used = vec![false; deleted.len()];
    // Identical content, then the same file name: each by a lookup, in the order of `deleted`.
    let by_content = index(deleted.iter().map(|(_, key)| key));
    take(
        &mut pairs,
        &mut used,
        &by_content,
        added.iter().map(|(_, k)| k),
    );
    let by_name = index(deleted.iter().map(|(path, _)| file_name(path)));
    take(
        &mut pairs,
        &mut used,
        &by_name,
        added.iter().map(|(path, _)| file_name(path)),
    );
    if added.len() * deleted.len() <= MAX_SIMILARITY_PAIRS {
        for (a, (_, key)) in added.iter().enumerate() {
            if pairs[a].is_some() {
                continue;
            }
            let found = (0..deleted.len()).find(|&d| !used[d] && similar(&deleted[d].1, key));
            if let Some(d) = found {
                used[d] = true;
                pairs[a] = Some(d);
            }
        }
    }
    pairs
}

/// Whether two plan texts share at least half their lines (of the longer one).
pub(crate) fn similar_text(a: &[u8], b: &[u8]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let lines = |content: &[u8]| -> HashSet<Vec<u8>> {
        content.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect()
    };
    let (la, lb) = (lines(a), lines(b));
    let shared = la.intersection(&lb).count();
    shared * 2 >= la.len().max(lb.len())
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The positions of each key, in order.
fn index<K: Eq + Hash>(keys: impl Iterator<Item = K>) -> HashMap<K, Vec<usize>> {
    let mut out: HashMap<K, Vec<usize>> = HashMap::new();
    for (i, key) in keys.enumerate() {
        out.entry(key).or_default().push(i);
    }
    out
}

/// Pairs each unpaired added file with the first unused deleted file of the same key.
fn take<K: Eq + Hash>(
    pairs: &mut [Option<usize>],
    used: &mut [bool],
    positions: &HashMap<K, Vec<usize>>,
    keys: impl Iterator<Item = K>,
) {
    for (a, key) in keys.enumerate() {
        if pairs[a].is_some() {
            continue;
        }
        let Some(candidates) = positions.get(&key) else {
            continue;
        };
        if let Some(&d) = candidates.iter().find(|&&d| !used[d]) {
            used[d] = true;
            pairs[a] = Some(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect()
    }

    fn no(_: &String, _: &String) -> bool {
        false
    }

    #[test]
    fn content_first_then_file_name_then_similarity() {
        let deleted = files(&[
            ("emea/a.md", "alpha"),
            ("emea/b.md", "beta"),
            ("emea/c.md", "one\ntwo\nthree\nfour"),
        ]);
        let added = files(&[
            // Same content under another name: content wins over the name.
            ("apac/renamed.md", "alpha"),
            // Same name, edited while moved.
            ("apac/b.md", "beta, edited"),
            // Another name and edited, but most lines kept.
            ("apac/d.md", "one\ntwo\nthree\nfive"),
            ("apac/new.md", "new"),
        ]);
        let similar = |a: &String, b: &String| similar_text(a.as_bytes(), b.as_bytes());
        assert_eq!(
            pair(&added, &deleted, &similar),
            [Some(0), Some(1), Some(2), None]
        );
        // Without similarity, the edited and renamed one is new.
        assert_eq!(pair(&added, &deleted, &no), [Some(0), Some(1), None, None]);
    }

    #[test]
    fn each_deleted_file_continues_one_added_file_at_most() {
        let deleted = files(&[("x/a.md", "same")]);
        let added = files(&[("y/a.md", "same"), ("z/a.md", "same")]);
        assert_eq!(pair(&added, &deleted, &no), [Some(0), None]);
    }

    #[test]
    fn a_reorganisation_of_thousands_pairs_by_file_name() {
        let n = 20_000;
        let deleted: Vec<(String, String)> = (0..n)
            .map(|i| (format!("old/p{i}.md"), format!("text {i}")))
            .collect();
        let added: Vec<(String, String)> = (0..n)
            .map(|i| (format!("new/p{i}.md"), format!("text {i} edited")))
            .collect();
        let pairs = pair(&added, &deleted, &no);
        assert!(pairs.iter().enumerate().all(|(a, d)| *d == Some(a)));
    }
}
