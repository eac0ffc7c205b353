//! `people.yaml`: who is who, for owners, teams and sign-offs.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A person who can own, support, review or sign off plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Person {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) email: Emails,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
    pub(crate) title: Option<String>,
    /// Public keys that sign this person's commits: SSH public key lines, ASCII-armored
    /// OpenPGP public keys, or paths (relative to the repository root) of files holding either.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) keys: Vec<String>,
    /// Their login on the forge, for approvals given in pull-request reviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) github: Option<String>,
    /// The person id of their manager (the reporting line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) manager: Option<String>,
}

/// One address or several.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Emails {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl Emails {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        let slice: &[String] = match self {
            Emails::None => &[],
            Emails::One(one) => std::slice::from_ref(one),
            Emails::Many(many) => many,
        };
        slice.iter().map(String::as_str)
    }
}

/// Everyone in `people.yaml`, by id.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct People {
    pub(crate) by_id: BTreeMap<String, Person>,
    /// Email (ASCII lowercase) → id, built when first asked: sign-off evidence looks people up by
    /// email for every commit it weighs.
    #[serde(skip)]
    emails: std::sync::OnceLock<std::collections::HashMap<String, String>>,
}

impl People {
    /// Reads `people.yaml`; a missing file is an empty directory of people.
    pub(crate) fn load(path: &Path) -> Result<People, Error> {
        let text = match crate::read::read_limited(path) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|e| Error::Config {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!(
                    "not UTF-8 text (bad byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
                help: "save the file as UTF-8".into(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(People::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        People::parse(&text, path)
    }

    /// Parses the text of a people file.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<People, Error> {
        if text.trim().is_empty() {
            return Ok(People::default());
        }
        let mut options = serde_saphyr::options::Options::default();
        options.strict_booleans = true;
        let by_id: BTreeMap<String, Person> = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| {
                let (line, column) = e
                    .location()
                    .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
                let message = e.without_snippet().to_string();
                let message = message.lines().next().unwrap_or("invalid YAML").to_string();
                Error::Config {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message,
                    help:
                        "each person is `id:` followed by `name:`, `email:`, `roles:` and `title:`"
                            .into(),
                }
            })?;
        let people = People {
            by_id,
            emails: Default::default(),
        };
        people.check_emails(text, path)?;
        Ok(people)
    }

    /// Refuses an email given to two people: commits and `Approved-by:` trailers are matched
    /// to people by email, so a shared one would credit a sign-off to both.
    fn check_emails(&self, text: &str, path: &Path) -> Result<(), Error> {
        let mut owner: BTreeMap<String, &str> = BTreeMap::new();
        for (id, person) in &self.by_id {
            for email in person.email.iter() {
                let key = email.to_lowercase();
                if let Some(first) = owner.insert(key.clone(), id) {
                    if first == id {
                        continue;
                    }
                    // Point at the second place the address is written.
                    let lower = text.to_lowercase();
                    let offset = lower.match_indices(&key).nth(1).map_or(0, |(i, _)| i);
                    let (line, column) = crate::plan::source::line_column(text, offset);
                    return Err(Error::Config {
                        path: path.to_path_buf(),
                        line,
                        column,
                        message: format!("`{email}` is the email of both `{first}` and `{id}`"),
                        help: "give each person their own address: commits and sign-offs are matched to people by email".into(),
                    });
                }
            }
        }
        Ok(())
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Person> {
        self.by_id.get(id)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// The id of the person with this email (case-insensitive).
    pub(crate) fn by_email(&self, email: &str) -> Option<&str> {
        let emails = self.emails.get_or_init(|| {
            let mut index = std::collections::HashMap::new();
            for (id, person) in &self.by_id {
                for e in person.email.iter() {
                    // The first person in id order wins, as a search in that order would.
                    index
                        .entry(e.to_ascii_lowercase())
                        .or_insert_with(|| id.clone());
                }
            }
            index
        });
        emails.get(&email.to_ascii_lowercase()).map(String::as_str)
    }

    /// Whether `id` has `role`.
    pub(crate) fn has_role(&self, id: &str, role: &str) -> bool {
        self.get(id)
            .is_some_and(|p| p.roles.iter().any(|r| r == role))
    }

    /// Where person `id` is written in `text` (the people file): `(line, column)` of its key.
    pub(crate) fn position(&self, text: &str, id: &str) -> (usize, usize) {
        for (i, line) in text.lines().enumerate() {
            if line.starts_with([' ', '\t']) {
                continue;
            }
            let unquoted = line.trim_start_matches(['"', '\'']);
            if let Some(rest) = unquoted.strip_prefix(id)
                && rest
                    .trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(':')
            {
                return (i + 1, 1);
            }
        }
        (1, 1)
    }

    /// The display name of a person id (the id itself when unknown).
    pub(crate) fn name<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id).map_or(id, |p| p.name.as_str())
    }

    /// The managers of `id` up the reporting line, nearest first; a loop in the line ends it.
    pub(crate) fn managers_of(&self, id: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut current = id;
        while let Some(manager) = self.get(current).and_then(|p| p.manager.as_deref()) {
            if manager == id || out.contains(&manager) {
                break;
            }
            out.push(manager);
            current = manager;
        }
        out
    }

    /// Whether `id` reports to `manager`, directly or through others.
    pub(crate) fn reports_to(&self, id: &str, manager: &str) -> bool {
        self.managers_of(id).contains(&manager)
    }

    /// Everyone who manages someone, by id.
    pub(crate) fn managers(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .by_id
            .values()
            .filter_map(|p| p.manager.as_deref())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_or_many_emails() {
        let people = People::parse(
            "ana:\n  name: Ana\n  email: ana@x.com\n  roles: [leadership]\nbo:\n  name: Bo\n  email: [bo@x.com, bo@y.com]\n",
            Path::new("people.yaml"),
        )
        .unwrap();
        assert_eq!(people.by_email("BO@y.com"), Some("bo"));
        assert!(people.has_role("ana", "leadership"));
    }

    #[test]
    fn one_email_belongs_to_one_person() {
        let err = People::parse(
            "ana:\n  name: Ana\n  email: a@x.com\nbo:\n  name: Bo\n  email: [b@x.com, A@x.com]\n",
            Path::new("people.yaml"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("people.yaml:6:20"), "{text}");
        assert!(text.contains("both `ana` and `bo`"), "{text}");
    }

    #[test]
    fn reporting_lines_roll_up_and_loops_end() {
        let people = People::parse(
            "ceo:\n  name: C\n  manager: vp\nvp:\n  name: V\n  manager: ceo\nrep:\n  name: R\n  manager: lead\nlead:\n  name: L\n  manager: vp\n",
            Path::new("people.yaml"),
        )
        .unwrap();
        assert_eq!(people.managers_of("rep"), vec!["lead", "vp", "ceo"]);
        for (id, reports_to_vp, reports_to_lead) in [
            ("ceo", true, false),
            ("vp", false, false),
            ("lead", true, false),
            ("rep", true, true),
        ] {
            assert_eq!(people.reports_to(id, "vp"), reports_to_vp, "{id}");
            assert_eq!(people.reports_to(id, "lead"), reports_to_lead, "{id}");
        }
        assert!(!people.reports_to("lead", "rep"));
        assert_eq!(people.managers(), vec!["ceo", "lead", "vp"]);
    }

    #[test]
    fn unknown_keys_are_refused_with_position() {
        let err = People::parse(
            "ana:\n  name: Ana\n  mail: a@x.com\n",
            Path::new("people.yaml"),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("people.yaml:3:"), "{text}");
        assert!(text.contains("mail"), "{text}");
    }
}
