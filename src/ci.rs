//! Whether planbook runs in CI, where what is written for the next run on the same machine
//! (the plans cache) is never read again and a progress bar only litters the log.

/// `CI` is set, to anything but empty, `0` or `false` (GitHub Actions, GitLab, Buildkite and
/// most CI services set `CI=true`).
pub(crate) fn running_in_ci() -> bool {
    means_ci(std::env::var("CI").ok().as_deref())
}

/// Whether a value of `CI` (`None`: unset) says planbook runs in CI.
fn means_ci(value: Option<&str>) -> bool {
    value.is_some_and(|value| {
        !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_value_that_says_so_means_ci() {
        for yes in ["true", "1", "yes", "TRUE", "woodpecker"] {
            assert!(means_ci(Some(yes)), "{yes}");
        }
        for no in [None, Some(""), Some("0"), Some("false"), Some(" False ")] {
            assert!(!means_ci(no), "{no:?}");
        }
    }
}
