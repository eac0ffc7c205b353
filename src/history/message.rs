//! What a commit message says: its subject, the pull request it came from, its trailers.

use serde::{Deserialize, Serialize};

/// A `Key: value` line at the end of a commit message (`Approved-by: Ana <ana@x.com>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Trailer {
    pub(crate) key: String,
    pub(crate) value: String,
}

/// The first line of a message.
pub(crate) fn subject(message: &str) -> &str {
    message.lines().next().unwrap_or("").trim()
}

/// The pull request number of a squash-merge subject (`Fix targets (#123)`) or a merge
/// commit (`Merge pull request #123 from team/branch`).
pub(crate) fn pull_request(subject: &str) -> Option<u64> {
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        return leading_number(rest);
    }
    let open = subject.rfind("(#")?;
    let rest = &subject[open + 2..];
    let number = leading_number(rest)?;
    let after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    (after.starts_with(')') && after[1..].trim().is_empty()).then_some(number)
}

fn leading_number(text: &str) -> Option<u64> {
    let digits: String = text
        .chars()
        .take_while(char::is_ascii_digit)
        .take(18)
        .collect();
    digits.parse().ok()
}

/// The trailers of a message: the `Key: value` lines of its last paragraph, when that
/// paragraph consists of them (continuation lines that start with white space are joined).
///
/// Not `git2::message_trailers_strs`: git's trailer rules are for finding `Signed-off-by`
/// lines, and are more lenient than an attestation may be. git also takes a paragraph that
/// mixes free text with trailers once one line is `Signed-off-by:`, reads past a `---` line and
/// skips `#` lines, and accepts `Key : value`; each would let an `Approved-by:` count that a
/// reader of the message does not see as a trailer. It also keeps a continuation's line break
/// in the value, which `log --format json` would then show.
pub(crate) fn trailers(message: &str) -> Vec<Trailer> {
    let text = message.trim_end();
    let Some(start) = text.rfind("\n\n").map(|i| i + 2) else {
        return Vec::new();
    };
    let mut out: Vec<Trailer> = Vec::new();
    for line in text[start..].lines() {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some(last) => {
                    last.value.push(' ');
                    last.value.push_str(line.trim());
                }
                None => return Vec::new(),
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Vec::new();
        };
        // As git reads trailers: spaces may stand between the key and its colon.
        let key = key.trim_end_matches([' ', '\t']);
        let valid_key =
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid_key {
            return Vec::new();
        }
        out.push(Trailer {
            key: key.to_string(),
            value: value.trim().to_string(),
        });
    }
    out
}

/// The email in `Name <email>`, or the whole value when it has no angle brackets.
pub(crate) fn email_of(value: &str) -> &str {
    match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => value[open + 1..close].trim(),
        _ => value.trim(),
    }
}

/// The email of `Name <email>`, only when it is written in angle brackets: a bare name or
/// address in an `Approved-by:` trailer attests nothing.
pub(crate) fn angle_email(value: &str) -> Option<&str> {
    match (value.find('<'), value.rfind('>')) {
        // `Name <email>`: a name, then the address.
        (Some(open), Some(close)) if open < close && !value[..open].trim().is_empty() => {
            Some(value[open + 1..close].trim()).filter(|e| e.contains('@'))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_requests() {
        assert_eq!(pull_request("Raise DACH target (#123)"), Some(123));
        assert_eq!(
            pull_request("Merge pull request #45 from corvid/dach"),
            Some(45)
        );
        assert_eq!(pull_request("Fix (#12) typo"), None);
        assert_eq!(pull_request("No number here"), None);
        assert_eq!(pull_request("Odd (#)"), None);
    }

    #[test]
    fn trailers_of_the_last_paragraph() {
        let message = "Sign off DACH\n\nLooks good.\n\nApproved-by: Marta Keller <marta@x.com>\nReviewed-by: Li\n  Wei <li@x.com>\n";
        let t = trailers(message);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[0],
            Trailer {
                key: "Approved-by".into(),
                value: "Marta Keller <marta@x.com>".into()
            }
        );
        assert_eq!(t[1].value, "Li Wei <li@x.com>");
        assert_eq!(email_of(&t[0].value), "marta@x.com");
        assert_eq!(angle_email(&t[0].value), Some("marta@x.com"));
        assert_eq!(angle_email("Marta Keller"), None);
        assert_eq!(angle_email("marta@x.com"), None);
        assert_eq!(angle_email("<marta@x.com>"), None);
        assert!(trailers("Subject only").is_empty());
        assert_eq!(
            trailers("Approve\n\nApproved-by : Marta Keller <marta@x.com>\n")[0],
            Trailer {
                key: "Approved-by".into(),
                value: "Marta Keller <marta@x.com>".into()
            }
        );
        assert!(trailers("Approve\n\nApproved by: Marta Keller <marta@x.com>\n").is_empty());
        assert!(
            trailers("Subject\n\nJust a body: with a colon, and more words\nsecond line")
                .is_empty()
        );
    }
}
