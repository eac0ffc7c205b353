//! Whether planbook runs in CI, where what is written for the next run on the same machine
//! (the plans cache) is never read again and a progress bar only litters the log.

/// `CI` is set, to anything but empty, `0` or `false` (GitHub Actions, GitLab, Buildkite and
/// most CI services set `CI=true`).
pub(crate) fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| {
        !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false"
        )
    })
}
