//! "Did you mean …?": the known name closest to a mistyped one, for the suggestions in
//! diagnostics and error messages (schema fields, rule names, metric and person ids).

/// Most "did you mean" suggestions worked out per rule and plan: each compares a name with
/// every candidate, so a plan with 50,000 unknown names must not get them all.
pub(crate) const MAX_SUGGESTIONS: usize = 20;

/// The candidate closest to `name` within `max` edits, if any. Names longer than 64
/// characters get no suggestion, and candidates whose length alone differs by more than `max`
/// are skipped without computing anything, so the cost stays small for hostile names.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max: impl Fn(&str) -> usize,
) -> Option<&'a str> {
    let len = name.chars().count();
    if len > 64 {
        return None;
    }
    candidates
        .into_iter()
        .filter(|c| c.chars().count().abs_diff(len) <= max(c))
        .map(|c| (distance(name, c), c))
        .filter(|(d, c)| *d <= max(c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance (Levenshtein, in characters) between two short strings, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("ownr", "owner"), 1);
        assert_eq!(distance("sponsor", "sponsor"), 0);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn the_closest_name_within_reach_is_suggested() {
        let names = ["owner", "sponsor", "status"];
        assert_eq!(closest("ownr", names, |_| 2), Some("owner"));
        assert_eq!(closest("stats", names, |_| 1), Some("status"));
        assert_eq!(closest("budget", names, |_| 2), None);
        assert_eq!(
            closest(&"o".repeat(65), ["o".repeat(65).as_str()], |_| 3),
            None
        );
    }
}
