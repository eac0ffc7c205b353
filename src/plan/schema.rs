//! Structural validation of front matter against the plan JSON Schema.
//!
//! The built-in schema is compiled into the binary; a plans repository can replace it with its
//! own `schema/plan.schema.json` (start from `planbook schema` and add fields or requirements).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::{ValidationError, Validator};

use crate::diagnostic::Span;
use crate::error::Error;
use crate::plan::yaml::{Node, Step, Value};
use crate::suggest::{MAX_SUGGESTIONS, closest};

/// The built-in JSON Schema of plan front matter.
pub const BUILTIN: &str = include_str!("../../schema/plan.schema.json");

/// A compiled plan schema.
pub(crate) struct Schema {
    validator: Validator,
    /// Every property name the schema mentions, for "did you mean" suggestions.
    known_fields: BTreeSet<String>,
    /// A SHA-256 of the schema, in hex: what plans were validated against.
    digest: String,
}

/// A schema finding before it is tied to a file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SchemaProblem {
    pub(crate) span: Span,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl Schema {
    /// The schema compiled into planbook.
    pub(crate) fn builtin() -> Schema {
        let json: serde_json::Value = match serde_json::from_str(BUILTIN) {
            Ok(json) => json,
            Err(e) => unreachable!("the built-in schema is valid JSON: {e}"),
        };
        match Schema::compile(&json) {
            Ok(schema) => schema,
            Err(e) => unreachable!("the built-in schema compiles: {e}"),
        }
    }

    /// A repository's own schema file.
    pub(crate) fn from_file(path: &Path) -> Result<Schema, Error> {
        let text = crate::read::read_limited_text(path).map_err(|e| Error::io(path, e))?;
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: format!("not valid JSON: {e}"),
            help: "fix the JSON, or start again from the output of `planbook schema`".into(),
        })?;
        Schema::compile(&json).map_err(|message| Error::Config {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("not a valid JSON Schema: {message}"),
            help: "start from the output of `planbook schema` and edit it".into(),
        })
    }

    fn compile(json: &serde_json::Value) -> Result<Schema, String> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(json)
            .map_err(|e| e.to_string())?;
        let mut known_fields = BTreeSet::new();
        collect_properties(json, &mut known_fields);
        let digest = match serde_json::to_vec(json) {
            Ok(bytes) => format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            Err(e) => return Err(e.to_string()),
        };
        Ok(Schema {
            validator,
            known_fields,
            digest,
        })
    }

    /// A SHA-256 of the schema, in hex.
    pub(crate) fn digest(&self) -> &str {
        &self.digest
    }

    /// Validates front matter, returning one problem per wrong key or value.
    pub(crate) fn validate(
        &self,
        front_matter: &Node,
        json: &serde_json::Value,
    ) -> Vec<SchemaProblem> {
        let mut problems = Vec::new();
        // Most plans are valid: asking that alone is much cheaper than collecting errors.
        if self.validator.is_valid(json) {
            return problems;
        }
        let errors: Vec<ValidationError> = self.validator.iter_errors(json).collect();
        let mut pattern_paths = BTreeSet::new();
        for error in &errors {
            if matches!(error.kind(), ValidationErrorKind::Pattern { .. }) {
                pattern_paths.insert(error.instance_path().as_str().to_string());
            }
        }
        let mut unknown = Unknown::default();
        for error in &errors {
            let path = steps(error);
            if let ValidationErrorKind::Format { .. } = error.kind()
                && pattern_paths.contains(error.instance_path().as_str())
            {
                continue; // the pattern message already says what form is wanted
            }
            self.describe(front_matter, &path, error, &mut unknown, &mut problems);
        }
        problems
    }

    fn describe<'n>(
        &self,
        root: &'n Node,
        path: &[Step],
        error: &ValidationError,
        unknown: &mut Unknown<'n>,
        out: &mut Vec<SchemaProblem>,
    ) {
        let field = field_name(path);
        let value_span = root.locate(path);
        let shown = root_value(root, path);
        let mut push = |span: Span, message: String, help: Option<String>| {
            out.push(SchemaProblem {
                span,
                message,
                help,
            });
        };
        match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let span = if path.is_empty() {
                    value_span
                } else {
                    root.locate_key(path)
                };
                let place = if path.is_empty() {
                    "the front matter".to_string()
                } else {
                    format!("`{}`", dotted(path))
                };
                push(
                    span,
                    format!("missing required field `{name}` in {place}"),
                    Some(format!("add `{name}:` with a value")),
                );
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                // One error per unknown key: each is found by name in a map of the keys built
                // once per map (looking each one up in the entries took minutes for 50,000).
                let keys = unknown
                    .keys
                    .entry(error.instance_path().as_str().to_string())
                    .or_insert_with(|| match root.at(path).map(|n| &n.value) {
                        Some(Value::Map(entries)) => entries
                            .iter()
                            .map(|(k, _)| (k.name.as_str(), k.span))
                            .collect(),
                        _ => HashMap::new(),
                    });
                for name in unexpected {
                    let span = keys.get(name.as_str()).copied().unwrap_or(value_span);
                    unknown.suggestions += 1;
                    let close = if unknown.suggestions <= MAX_SUGGESTIONS {
                        self.suggest(name)
                    } else {
                        None
                    };
                    let help = match close {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "remove it, or add it to the repository's schema/plan.schema.json"
                            .to_string(),
                    };
                    push(span, format!("unknown field `{name}`"), Some(help));
                }
            }
            ValidationErrorKind::Enum { options } => {
                let choices: Vec<String> = options
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|v| v.as_str().unwrap_or_default().to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                push(
                    value_span,
                    format!("{shown} is not a valid {field}"),
                    Some(format!("use one of: {}", choices.join(", "))),
                );
            }
            ValidationErrorKind::Type { kind } => {
                let wanted = match kind {
                    TypeKind::Single(t) => type_name(&t.to_string()),
                    TypeKind::Multiple(set) => {
                        let names: Vec<_> = set.iter().map(|t| type_name(&t.to_string())).collect();
                        names.join(" or ")
                    }
                };
                let found = root.at(path).map_or("nothing", Node::kind);
                let help = match (wanted.as_str(), found) {
                    ("text", "a number" | "true/false") => {
                        Some("put the value in quotes to keep it as text".to_string())
                    }
                    ("a number", "text") => {
                        Some("write the number without quotes, units or separators".to_string())
                    }
                    ("a map", "a list") => Some("write `key: value` lines, not `- ` items".into()),
                    ("a list", _) => Some("write one `- ` item per line".into()),
                    _ => None,
                };
                push(
                    value_span,
                    format!("`{field}` should be {wanted}, not {found}"),
                    help,
                );
            }
            ValidationErrorKind::Pattern { pattern } => {
                let (what, help) = pattern_meaning(pattern);
                push(
                    value_span,
                    format!("{shown} is not {what}"),
                    Some(help.to_string()),
                );
            }
            ValidationErrorKind::Format { format } if format == "date" => push(
                value_span,
                format!("{shown} is not a real date"),
                Some("write the date as YYYY-MM-DD, e.g. 2026-03-31".into()),
            ),
            ValidationErrorKind::MinItems { .. } => push(
                value_span,
                format!("`{field}` needs at least one entry"),
                Some("add an item starting with `- `".into()),
            ),
            ValidationErrorKind::MinProperties { .. } => push(
                value_span,
                format!("`{field}` must not be empty"),
                Some(min_properties_help(path)),
            ),
            ValidationErrorKind::MinLength { .. } => push(
                value_span,
                format!("`{field}` must not be empty"),
                Some("write the text after the colon".into()),
            ),
            ValidationErrorKind::Minimum { limit } => push(
                value_span,
                format!(
                    "`{field}` is {shown_plain}, below the minimum {limit}",
                    shown_plain = plain(root, path)
                ),
                None,
            ),
            ValidationErrorKind::Maximum { limit } => push(
                value_span,
                format!(
                    "`{field}` is {shown_plain}, above the maximum {limit}",
                    shown_plain = plain(root, path)
                ),
                None,
            ),
            ValidationErrorKind::MaxLength { limit } => push(
                value_span,
                format!("`{field}` is longer than {limit} characters"),
                None,
            ),
            _ => push(value_span, first_line(&error.to_string()), None),
        }
    }

    fn suggest(&self, name: &str) -> Option<&str> {
        let max = |f: &str| 2.max(f.len() / 4).min(name.len().saturating_sub(1));
        closest(name, self.known_fields.iter().map(String::as_str), max)
    }
}

/// What reporting unknown fields keeps across the errors of one validation.
#[derive(Default)]
struct Unknown<'n> {
    /// For each map with unknown keys (by JSON pointer), where each of its keys stands.
    keys: HashMap<String, HashMap<&'n str, Span>>,
    /// Unknown fields given a suggestion so far.
    suggestions: usize,
}

fn steps(error: &ValidationError) -> Vec<Step> {
    error
        .instance_path()
        .segments()
        .map(|s| match s {
            LocationSegment::Property(p) => Step::Key(p.to_string()),
            LocationSegment::Index(i) => Step::Index(i),
        })
        .collect()
}

/// The value at `path` for a message: `"foo"` in backticks, shortened if long.
fn root_value(root: &Node, path: &[Step]) -> String {
    format!("`{}`", plain(root, path))
}

fn plain(root: &Node, path: &[Step]) -> String {
    let text = match root.at(path).map(|n| &n.value) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Null) | None => "nothing".to_string(),
        Some(Value::Seq(_)) => "a list".to_string(),
        Some(Value::Map(_)) => "a map".to_string(),
    };
    crate::diagnostic::shorten(text)
}

/// The name of the field a path ends in, skipping list indexes: `metrics.0.unit` → `unit`.
fn field_name(path: &[Step]) -> String {
    path.iter()
        .rev()
        .find_map(|s| match s {
            Step::Key(k) => Some(k.replace('_', " ")),
            Step::Index(_) => None,
        })
        .unwrap_or_else(|| "front matter".to_string())
}

/// `metrics[0].unit`-style path for messages.
pub(crate) fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn type_name(json_type: &str) -> String {
    match json_type {
        "string" => "text",
        "number" | "integer" => "a number",
        "object" => "a map",
        "array" => "a list",
        "boolean" => "true or false",
        "null" => "empty",
        other => other,
    }
    .to_string()
}

fn pattern_meaning(pattern: &str) -> (&'static str, &'static str) {
    match pattern {
        "^[a-z0-9][a-z0-9-]*$" => (
            "a valid id",
            "use lowercase letters, digits and hyphens, starting with a letter or digit",
        ),
        "^[a-z0-9][a-z0-9._-]*$" => (
            "a valid person id",
            "use the person's id from people.yaml (lowercase letters, digits, `.`, `_`, `-`)",
        ),
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" => {
            ("a date", "write the date as YYYY-MM-DD, e.g. 2026-03-31")
        }
        "^[A-Z]{3}$" => (
            "an ISO 4217 currency code",
            "use three capital letters, e.g. EUR, USD, GBP",
        ),
        _ => (
            "in the expected form",
            "see `planbook schema` for the expected form",
        ),
    }
}

fn min_properties_help(path: &[Step]) -> String {
    match path.last() {
        Some(Step::Key(k)) if k == "scope" => {
            "give at least one of `region`, `territory`, `role`, `segment`".into()
        }
        _ => "give at least one field, or remove the key".into(),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).to_string()
}

fn collect_properties(json: &serde_json::Value, out: &mut BTreeSet<String>) {
    match json {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            for value in map.values() {
                collect_properties(value, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_properties(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_schema_compiles_and_knows_fields() {
        let schema = Schema::builtin();
        assert_eq!(schema.suggest("ownr"), Some("owner"));
        assert_eq!(schema.suggest("help_neded"), Some("help_needed"));
        assert_eq!(schema.suggest("zzzzzzzz"), None);
    }
}
