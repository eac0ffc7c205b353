//! `planbook.toml`: every key optional, unknown keys refused with their position.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::plan::source::line_column;
use crate::rules::{Level, Rule};

/// The repository's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    pub(crate) plans_dir: PathBuf,
    pub(crate) people: PathBuf,
    pub(crate) site: SiteConfig,
    pub(crate) repo_url: Option<String>,
    /// Accepted and ignored: `planbook init` once wrote `fiscal_year_start_month = 1`, but no
    /// command ever used it, so existing files keep loading without it meaning anything.
    #[serde(rename = "fiscal_year_start_month")]
    _fiscal_year_start_month: serde::de::IgnoredAny,
    pub(crate) rules: BTreeMap<String, Level>,
    pub(crate) signoff: SignoffPolicy,
    /// `[regions.NAME]`: what is known of each region, by the name plans give in
    /// `scope.region`.
    pub(crate) regions: BTreeMap<String, RegionConfig>,
}

/// `[regions.NAME]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RegionConfig {
    /// The ISO 4217 code `planbook new --region NAME` writes as the plan's currency.
    pub(crate) currency: Option<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            plans_dir: PathBuf::from("plans"),
            people: PathBuf::from("people.yaml"),
            site: SiteConfig::default(),
            repo_url: None,
            _fiscal_year_start_month: serde::de::IgnoredAny,
            rules: BTreeMap::new(),
            signoff: SignoffPolicy::default(),
            regions: BTreeMap::new(),
        }
    }
}

/// `[site]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SiteConfig {
    pub(crate) out_dir: PathBuf,
    pub(crate) title: Option<String>,
    /// The site's absolute address (`https://acme.github.io/sales-plans/`), used only where
    /// an absolute URL is required: the feed, the calendar, canonical links.
    pub(crate) url: Option<String>,
    /// Kept for existing configurations: an absolute URL here is taken as `url`; a path is no
    /// longer needed, since every link is relative.
    pub(crate) base_url: Option<String>,
    /// Whether the consequences of a miss and the incentive are published on the site (they
    /// belong to the owner, the sponsor and sales leadership; `--include-restricted` also
    /// publishes them).
    pub(crate) publish_consequences: bool,
    /// How many plans a plan table shows per page (the index, status, region, person and
    /// manager pages): the rest are on `page/2/`, `page/3/`… 0 puts every plan on one page.
    pub(crate) paginate_by: usize,
}

impl Default for SiteConfig {
    fn default() -> SiteConfig {
        SiteConfig {
            out_dir: PathBuf::from("site"),
            title: None,
            url: None,
            base_url: None,
            publish_consequences: false,
            paginate_by: 100,
        }
    }
}

/// `[signoff]`: who must sign off a plan before it counts as approved.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SignoffPolicy {
    /// Each of these roles must be held by at least one person who signed off.
    pub(crate) required_roles: Vec<String>,
    /// How many distinct people must sign off.
    pub(crate) min: usize,
    /// Whether the plan's owner may sign off their own plan.
    pub(crate) allow_self: bool,
    /// The kinds of evidence that make a sign-off count (the trust page of the docs says
    /// what each one proves).
    pub(crate) accept: Vec<Evidence>,
    /// Committer emails whose `Approved-by:` trailers attest sign-offs (e.g. a merge bot).
    pub(crate) trusted_committers: Vec<String>,
    /// Top-level fields whose change after a sign-off makes that sign-off stale.
    pub(crate) covers: Vec<String>,
}

/// What a sign-off rests on, strongest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Evidence {
    /// The commit that added it is signed with one of the signer's keys.
    Signature,
    /// The signer approved the pull request that added it.
    Review,
    /// The signer authored and committed the commit that added it.
    Author,
    /// A trusted committer's commit carries `Approved-by:` with the signer's email.
    Attestation,
}

impl Evidence {
    pub(crate) const ALL: [Evidence; 4] = [
        Evidence::Signature,
        Evidence::Review,
        Evidence::Author,
        Evidence::Attestation,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Evidence::Signature => "signature",
            Evidence::Review => "review",
            Evidence::Author => "author",
            Evidence::Attestation => "attestation",
        }
    }
}

/// Whether `[signoff] covers` may name `field`: any top-level plan field but the sign-offs.
fn coverable(field: &str) -> bool {
    crate::plan::model::FIELDS.contains(&field) && field != "signoffs"
}

/// The fields a sign-off covers unless `[signoff] covers` says otherwise.
pub(crate) const DEFAULT_COVERS: [&str; 7] = [
    "metrics",
    "period",
    "currency",
    "scope",
    "owner",
    "investment",
    "consequences",
];

impl Default for SignoffPolicy {
    fn default() -> SignoffPolicy {
        SignoffPolicy {
            required_roles: vec!["leadership".into()],
            min: 1,
            allow_self: false,
            accept: Evidence::ALL.to_vec(),
            trusted_committers: Vec::new(),
            covers: DEFAULT_COVERS.iter().map(|f| f.to_string()).collect(),
        }
    }
}

impl Config {
    /// Reads a config file.
    pub(crate) fn load(path: &Path) -> Result<Config, Error> {
        let text = crate::read::read_limited_text(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text, path)
    }

    /// Parses the bytes of a config file already read; `path` is only for messages.
    pub(crate) fn from_bytes(bytes: &[u8], path: &Path) -> Result<Config, Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("not UTF-8 text (bad byte at offset {})", e.valid_up_to()),
            help: "save the file as UTF-8".into(),
        })?;
        Config::parse(text, path)
    }

    /// Parses config text; `path` is only for messages.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Config, Error> {
        /// serde's words for what it expected, as a person would say them (`expected usize`
        /// names a Rust type).
        fn plain_types(message: &str) -> String {
            let mut out = message.to_string();
            for (rust, plain) in [
                ("expected usize", "expected a whole number, 0 or more"),
                ("expected u64", "expected a whole number, 0 or more"),
                ("expected u32", "expected a whole number, 0 or more"),
                ("expected u16", "expected a whole number, 0 or more"),
                ("expected u8", "expected a whole number, 0 or more"),
                ("expected i64", "expected a whole number"),
                ("expected f64", "expected a number"),
            ] {
                out = out.replace(rust, plain);
            }
            out
        }
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            Error::Config {
                path: path.to_path_buf(),
                line,
                column,
                message: plain_types(e.message().trim()),
                help: "see the configuration section of the README for every key and its default"
                    .into(),
            }
        })?;
        for name in config.rules.keys() {
            if Rule::from_name(name).is_none() {
                let offset = text.find(name.as_str()).unwrap_or(0);
                let (line, column) = line_column(text, offset);
                let close = Rule::closest(name);
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!("unknown rule `{name}` in [rules]"),
                    help: match close {
                        Some(rule) => format!("did you mean `{rule}`?"),
                        None => "run `planbook check --help` to see the rule names".into(),
                    },
                });
            }
        }
        for field in &config.signoff.covers {
            if !coverable(field) {
                let offset = text.find(&format!("\"{field}\"")).unwrap_or(0);
                let (line, column) = line_column(text, offset);
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "`{field}` in [signoff] covers is not a plan field a sign-off can cover"
                    ),
                    help: format!(
                        "name top-level plan fields: {}",
                        crate::plan::model::FIELDS
                            .iter()
                            .filter(|f| coverable(f))
                            .copied()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        for (region, settings) in &config.regions {
            let Some(currency) = &settings.currency else {
                continue;
            };
            let valid = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
            if !valid {
                let offset = text
                    .find(&format!("\"{currency}\""))
                    .or_else(|| text.find(&format!("'{currency}'")))
                    .unwrap_or(0);
                let (line, column) = line_column(text, offset);
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message: format!(
                        "the currency of region `{region}` is not an ISO 4217 code: `{currency}`"
                    ),
                    help: "write three capital letters, e.g. `currency = \"USD\"`".into(),
                });
            }
        }
        for (key, dir) in [
            ("plans_dir", &config.plans_dir),
            ("people", &config.people),
            ("site.out_dir", &config.site.out_dir),
        ] {
            if dir.is_absolute()
                || dir
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    line: line_column(
                        text,
                        text.find(key.rsplit('.').next().unwrap_or(key))
                            .unwrap_or(0),
                    )
                    .0,
                    column: 1,
                    message: format!(
                        "{key} must be a path inside the repository, not {}",
                        dir.display()
                    ),
                    help: "use a relative path without `..`, e.g. `plans`".into(),
                });
            }
        }
        Ok(config)
    }

    /// The currency `[regions.NAME]` gives `region` (the name matched without regard to case),
    /// if any.
    pub(crate) fn region_currency(&self, region: &str) -> Option<&str> {
        let region = region.trim();
        self.regions
            .get(region)
            .or_else(|| {
                self.regions
                    .iter()
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case(region))
                    .map(|(_, r)| r)
            })
            .and_then(|r| r.currency.as_deref())
    }

    /// The level of `rule` after `[rules]`.
    pub(crate) fn level(&self, rule: Rule) -> Level {
        self.rules
            .get(rule.name())
            .copied()
            .unwrap_or(rule.default_level())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let config = Config::parse("", Path::new("planbook.toml")).unwrap();
        assert_eq!(config.plans_dir, PathBuf::from("plans"));
        assert_eq!(config.level(Rule::PlanLength), Level::Warning);
        assert_eq!(
            config.signoff.required_roles,
            vec!["leadership".to_string()]
        );
    }

    #[test]
    fn a_negative_count_is_refused_in_words_not_rust_types() {
        let err = Config::parse("[signoff]\nmin = -1\n", Path::new("planbook.toml")).unwrap_err();
        let Error::Config { message, line, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(line, 2);
        assert!(
            message.contains("expected a whole number, 0 or more"),
            "{message}"
        );
        assert!(!message.contains("usize"), "{message}");
    }

    #[test]
    fn unknown_keys_and_rules_are_refused_with_position() {
        let err = Config::parse(
            "plans_dir = \"p\"\nplan_dir = \"x\"\n",
            Path::new("planbook.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("planbook.toml:2:1:"), "{err}");
        let err = Config::parse(
            "[rules]\nplan-lenght = \"off\"\n",
            Path::new("planbook.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown rule `plan-lenght`"),
            "{err}"
        );
        assert_eq!(err.help().as_deref(), Some("did you mean `plan-length`?"));
    }

    #[test]
    fn levels_apply() {
        let config = Config::parse(
            "[rules]\nplan-length = \"off\"\nactivity-due = \"error\"\n",
            Path::new("p"),
        )
        .unwrap();
        assert_eq!(config.level(Rule::PlanLength), Level::Off);
        assert_eq!(config.level(Rule::ActivityDue), Level::Error);
    }

    #[test]
    fn region_currencies() {
        let config = Config::parse(
            "[regions.\"North America\"]\ncurrency = \"USD\"\n[regions.EMEA]\n",
            Path::new("p"),
        )
        .unwrap();
        assert_eq!(config.region_currency("North America"), Some("USD"));
        assert_eq!(config.region_currency("north america"), Some("USD"));
        assert_eq!(config.region_currency("EMEA"), None);
        assert_eq!(config.region_currency("APAC"), None);
        let err =
            Config::parse("[regions.EMEA]\ncurrency = \"eur\"\n", Path::new("p")).unwrap_err();
        assert!(err.to_string().starts_with("p:2:12:"), "{err}");
        assert!(err.to_string().contains("region `EMEA`"), "{err}");
        let err = Config::parse("[regions.EMEA]\ncurrncy = \"EUR\"\n", Path::new("p")).unwrap_err();
        assert!(err.to_string().starts_with("p:2:1:"), "{err}");
        assert!(err.to_string().contains("unknown field `currncy`"), "{err}");
    }

    #[test]
    fn paths_stay_inside_the_repository() {
        assert!(Config::parse("plans_dir = \"../elsewhere\"\n", Path::new("p")).is_err());
        assert!(Config::parse("[site]\nout_dir = \"/tmp/x\"\n", Path::new("p")).is_err());
    }
}
