//! YAML front matter as a tree of values that remember where they stand in the file.
//!
//! Plans are checked against a JSON Schema and by rules that must point at the exact key or
//! value that is wrong, so the front matter is read into [`Node`]s (value plus file position)
//! rather than straight into the typed model.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use crate::diagnostic::Span;
use crate::plan::source::LineIndex;

/// A YAML value with its position in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// The YAML 1.2 core-schema value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

/// One step of a path into the front matter: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl From<&str> for Step {
    fn from(key: &str) -> Self {
        Step::Key(key.to_string())
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Self {
        Step::Index(index)
    }
}

/// Builds a path of [`Step`]s: `path!["metrics", 0, "target"]`.
#[macro_export]
macro_rules! path {
    ($($step:expr),* $(,)?) => {
        &[$($crate::plan::yaml::Step::from($step)),*][..]
    };
}

impl Node {
    /// The node's value as JSON, for schema validation and the typed model.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The child under `key` if this node is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` if this node is a map that has it.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    fn step(&self, step: &Step) -> Option<(Option<&Key>, &Node)> {
        match (step, &self.value) {
            (Step::Key(key), Value::Map(_)) => self.entry(key).map(|(k, v)| (Some(k), v)),
            (Step::Index(i), Value::Seq(items)) => items.get(*i).map(|n| (None, n)),
            _ => None,
        }
    }

    /// Where the value at `path` stands; if the path does not exist, the deepest part of it
    /// that does (so a missing field points at the map that should hold it).
    pub fn locate(&self, path: &[Step]) -> Span {
        let mut node = self;
        for step in path {
            match node.step(step) {
                Some((_, child)) => node = child,
                None => break,
            }
        }
        node.span
    }

    /// Where the key that introduces `path` stands (the value's position for list items);
    /// falls back like [`Node::locate`].
    pub fn locate_key(&self, path: &[Step]) -> Span {
        let mut node = self;
        let mut span = self.span;
        for step in path {
            match node.step(step) {
                Some((key, child)) => {
                    span = key.map_or(child.span, |k| k.span);
                    node = child;
                }
                None => break,
            }
        }
        span
    }

    /// Whether the value at `path` exists.
    pub fn has(&self, path: &[Step]) -> bool {
        let mut node = self;
        for step in path {
            match node.step(step) {
                Some((_, child)) => node = child,
                None => return false,
            }
        }
        true
    }

    /// A short description of the node's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "true/false",
            Value::Number(_) => "a number",
            Value::String(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

/// A YAML error with its position in the file.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub span: Span,
}

/// Where a YAML text sits in its file, to give file lines and columns.
pub struct Origin<'a> {
    /// The whole file.
    pub file: &'a str,
    /// Line starts of the whole file.
    pub index: &'a LineIndex,
    /// Byte offset of the YAML text in the file.
    pub offset: usize,
    /// The YAML text itself: `file[offset..offset + len]`.
    pub text: &'a str,
}

impl Origin<'_> {
    fn first_line(&self) -> u32 {
        self.index.position(self.file, self.offset).0
    }

    fn span_of(&self, location: &Location) -> Span {
        if location.line() == 0 {
            let (line, column) = self.index.position(self.file, self.offset);
            return Span::point(line, column);
        }
        let span = location.span();
        match (span.byte_offset(), span.byte_len()) {
            (Some(offset), Some(len)) => {
                let start = self.offset + offset as usize;
                self.index.span(self.file, start, start + len as usize)
            }
            _ => {
                let line = self.first_line() + location.line() as u32 - 1;
                let column = location.column() as u32;
                Span {
                    line,
                    column,
                    end_line: line,
                    end_column: column + span.len() as u32,
                }
            }
        }
    }
}

/// Parses YAML text into a [`Node`] tree with YAML 1.2 semantics: `yes`, `NO`, `on` stay text,
/// duplicate keys are errors, and alias expansion and nesting depth are bounded.
pub fn parse(origin: &Origin) -> Result<Node, YamlError> {
    let mut options = serde_saphyr::options::Options::default();
    options.strict_booleans = true;
    options.legacy_octal_numbers = false;
    let mut limits = serde_saphyr::options::AliasLimits::default();
    limits.max_total_replayed_events = 100_000;
    limits.max_alias_expansions_per_anchor = 1_000;
    options.alias_limits = limits;
    if origin.text.trim().is_empty() {
        return Ok(Node {
            value: Value::Null,
            span: Span::point(origin.first_line(), 1),
        });
    }
    let raw: Spanned<RawValue> = serde_saphyr::from_str_with_options(origin.text, options)
        .map_err(|e| {
            let span = e
                .location()
                .map_or(Span::point(origin.first_line(), 1), |l| origin.span_of(&l));
            YamlError {
                message: yaml_message(&e),
                span,
            }
        })?;
    Ok(convert(raw, origin))
}

/// The error's own sentence, without the snippet the library can add (we render our own).
fn yaml_message(error: &serde_saphyr::Error) -> String {
    let text = error.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid YAML").trim();
    // The library appends its own " at line X column Y"; our diagnostic carries the position.
    let trimmed = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    trimmed.trim_end_matches(['.', ':']).to_string()
}

fn convert(raw: Spanned<RawValue>, origin: &Origin) -> Node {
    let span = origin.span_of(&raw.referenced);
    let value = match raw.value {
        RawValue::Null => Value::Null,
        RawValue::Bool(b) => Value::Bool(b),
        RawValue::Number(n) => Value::Number(n),
        RawValue::String(s) => Value::String(s),
        RawValue::Seq(items) => Value::Seq(items.into_iter().map(|i| convert(i, origin)).collect()),
        RawValue::Map(entries) => {
            let entries = entries.into_iter().map(|(key, value)| {
                let key = Key {
                    name: key.value.0,
                    span: origin.span_of(&key.referenced),
                };
                (key, convert(value, origin))
            });
            Value::Map(entries.collect())
        }
    };
    Node { value, span }
}

/// The value as the YAML library hands it over, children still carrying library locations.
enum RawValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Spanned<RawValue>>),
    Map(Vec<(Spanned<KeyText>, Spanned<RawValue>)>),
}

/// A mapping key as text, whatever scalar it was written as.
struct KeyText(String);

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        self.visit_f64(v as f64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        serde_json::Number::from_f64(v)
            .map(RawValue::Number)
            .ok_or_else(|| E::custom("numbers must be finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::String(v))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<RawValue, E> {
        Err(E::custom("binary values are not supported in plans"))
    }
    fn visit_none<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_unit<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawValue>>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Spanned<RawValue>>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a plain key such as `title`")
            }
            fn visit_bool<E>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_unit<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_string()))
            }
            fn visit_none<E>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `yaml` as the front matter of a file (it starts on line 2).
    fn parse_fm(yaml: &str) -> Result<Node, YamlError> {
        let file = format!("---\n{yaml}---\n");
        let index = LineIndex::new(&file);
        parse(&Origin {
            file: &file,
            index: &index,
            offset: 4,
            text: &file[4..4 + yaml.len()],
        })
    }

    fn tree(text: &str) -> Node {
        parse_fm(text).expect("valid yaml")
    }

    #[test]
    fn positions_are_file_lines_and_columns() {
        let node = tree("id: dach\nperiod:\n  start: 2026-01-01\n");
        let start = node.locate(path!["period", "start"]);
        assert_eq!((start.line, start.column), (4, 10));
        assert_eq!((start.end_line, start.end_column), (4, 20));
        let key = node.locate_key(path!["period", "start"]);
        assert_eq!((key.line, key.column), (4, 3));
    }

    #[test]
    fn yaml_1_1_booleans_stay_text() {
        let node = tree("a: yes\nb: NO\nc: on\nd: true\n");
        assert_eq!(
            node.get("a").map(|n| &n.value),
            Some(&Value::String("yes".into()))
        );
        assert_eq!(
            node.get("b").map(|n| &n.value),
            Some(&Value::String("NO".into()))
        );
        assert_eq!(
            node.get("c").map(|n| &n.value),
            Some(&Value::String("on".into()))
        );
        assert_eq!(node.get("d").map(|n| &n.value), Some(&Value::Bool(true)));
    }

    #[test]
    fn dates_stay_text() {
        let node = tree("d: 2026-01-15\n");
        assert_eq!(
            node.get("d").map(|n| &n.value),
            Some(&Value::String("2026-01-15".into()))
        );
    }

    #[test]
    fn duplicate_keys_are_errors_with_position() {
        let err = parse_fm("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(
            err.message.to_lowercase().contains("duplicate"),
            "{}",
            err.message
        );
        assert_eq!(err.span.line, 4);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse_fm(&text).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_fm(&text).is_err());
    }

    #[test]
    fn tabs_for_indentation_are_errors() {
        let err = parse_fm("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(err.span.line, 3);
    }
}
