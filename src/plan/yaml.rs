//! YAML front matter as a tree of values that remember where they stand in the file.
//!
//! Plans are checked against a JSON Schema and by rules that must point at the exact key or
//! value that is wrong, so the front matter is read into [`Node`]s (value plus file position)
//! rather than straight into the typed model.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, ScalarStyle};

use crate::diagnostic::Span;
use crate::plan::source::LineIndex;

/// A YAML value with its position in the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) span: Span,
}

/// The YAML 1.2 core-schema value of a node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) span: Span,
}

/// One step of a path into the front matter: a map key or a list index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Step {
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

/// Builds a path of `Step`s: `path!["metrics", 0, "target"]`.
#[macro_export]
macro_rules! path {
    ($($step:expr),* $(,)?) => {
        &[$($crate::plan::yaml::Step::from($step)),*][..]
    };
}

/// The typed model is read from a node as from its JSON ([`Node::to_json`]), without building
/// the JSON: `Plan::deserialize(&node)` finds what `serde_json::from_value(node.to_json())`
/// finds, errors included.
impl<'de> serde::Deserializer<'de> for &'de Node {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        use serde::de::Error;
        match &self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.clone().deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            // What is left unread is an error worded as serde_json words it.
            Value::Seq(items) => {
                let mut seq = Items(items.iter());
                let value = visitor.visit_seq(&mut seq)?;
                match seq.0.len() {
                    0 => Ok(value),
                    _ => Err(Error::invalid_length(
                        items.len(),
                        &"fewer elements in array",
                    )),
                }
            }
            Value::Map(entries) => {
                let mut map = Entries {
                    entries: entries.iter(),
                    value: None,
                };
                let value = visitor.visit_map(&mut map)?;
                match map.entries.len() {
                    0 => Ok(value),
                    _ => Err(Error::invalid_length(
                        entries.len(),
                        &"fewer elements in map",
                    )),
                }
            }
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        use serde::de::IntoDeserializer;
        match &self.value {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            // A variant with content, as JSON reads it (no plan field is one).
            _ => self.to_json().deserialize_enum(name, variants, visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }

    fn deserialize_ignored_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, serde_json::Error> {
        visitor.visit_unit()
    }
}

/// The items of a list, read one by one.
struct Items<'de>(std::slice::Iter<'de, Node>);

impl<'de> serde::de::SeqAccess<'de> for Items<'de> {
    type Error = serde_json::Error;

    fn next_element_seed<T: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, serde_json::Error> {
        self.0.next().map(|node| seed.deserialize(node)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a map, read one by one: a key, then its value.
struct Entries<'de> {
    entries: std::slice::Iter<'de, (Key, Node)>,
    value: Option<&'de Node>,
}

impl<'de> serde::de::MapAccess<'de> for Entries<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, serde_json::Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        let key = serde::de::value::BorrowedStrDeserializer::new(key.name.as_str());
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, serde_json::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(serde::de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

impl Node {
    /// The node's value as JSON, for schema validation and the typed model.
    pub(crate) fn to_json(&self) -> serde_json::Value {
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
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` if this node is a map that has it.
    pub(crate) fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
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

    /// Follows `path` as far as it exists: the deepest node reached, the span of the key (or,
    /// for list items, the value) that introduced it, and whether the whole path was found.
    fn follow(&self, path: &[Step]) -> (&Node, Span, bool) {
        let (mut node, mut span) = (self, self.span);
        for step in path {
            match node.step(step) {
                Some((key, child)) => {
                    span = key.map_or(child.span, |k| k.span);
                    node = child;
                }
                None => return (node, span, false),
            }
        }
        (node, span, true)
    }

    /// The value at `path`, if it exists.
    pub(crate) fn at(&self, path: &[Step]) -> Option<&Node> {
        let (node, _, found) = self.follow(path);
        found.then_some(node)
    }

    /// Where the value at `path` stands; if the path does not exist, the deepest part of it
    /// that does (so a missing field points at the map that should hold it).
    pub(crate) fn locate(&self, path: &[Step]) -> Span {
        self.follow(path).0.span
    }

    /// Where the key that introduces `path` stands (the value's position for list items);
    /// falls back like [`Node::locate`].
    pub(crate) fn locate_key(&self, path: &[Step]) -> Span {
        self.follow(path).1
    }

    /// Whether the value at `path` exists.
    pub(crate) fn has(&self, path: &[Step]) -> bool {
        self.follow(path).2
    }

    /// A short description of the node's kind, for messages.
    pub(crate) fn kind(&self) -> &'static str {
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
pub(crate) struct YamlError {
    pub(crate) message: String,
    pub(crate) span: Span,
}

/// Where a YAML text sits in its file, to give file lines and columns.
pub(crate) struct Origin<'a> {
    /// The whole file.
    pub(crate) file: &'a str,
    /// Line starts of the whole file.
    pub(crate) index: &'a LineIndex,
    /// Byte offset of the YAML text in the file; it starts at the beginning of a line.
    pub(crate) offset: usize,
    /// The YAML text itself: `file[offset..offset + len]`.
    pub(crate) text: &'a str,
}

impl Origin<'_> {
    fn first_line(&self) -> u32 {
        self.index.position(self.file, self.offset).0
    }
}

/// Turns parser positions (lines from 1 in the YAML text, columns from 0) into file positions.
struct Positions {
    first_line: u32,
}

impl Positions {
    fn span(&self, span: &saphyr_parser::Span) -> Span {
        let first = self.first_line;
        Span {
            line: first + span.start.line().max(1) as u32 - 1,
            column: span.start.col() as u32 + 1,
            end_line: first + span.end.line().max(1) as u32 - 1,
            end_column: span.end.col() as u32 + 1,
        }
    }

    fn point(&self, marker: &saphyr_parser::Marker) -> Span {
        let line = self.first_line + marker.line().max(1) as u32 - 1;
        Span::point(line, marker.col() as u32 + 1)
    }
}

/// Most values (scalars, lists and maps, counting alias expansions) one front matter may hold.
pub(crate) const MAX_NODES: usize = 100_000;
/// Deepest nesting of lists and maps.
pub(crate) const MAX_DEPTH: usize = 64;
/// Text (keys and scalar values, counting every alias expansion) one front matter may hold,
/// as a multiple of its own size: without aliases the text can never exceed the source, so
/// the factor only leaves room for a few honest aliases of long values.
pub(crate) const MAX_EXPANSION_FACTOR: usize = 2;
/// Text any front matter may hold beyond [`MAX_EXPANSION_FACTOR`], so small files may still
/// use a few aliases (and a bomb of many short values meets [`MAX_NODES`] first).
pub(crate) const EXPANSION_ALLOWANCE: usize = 1024 * 1024;
/// Most text any front matter may hold, whatever its size (an 8 MB plan stays under it).
pub(crate) const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// How many bytes of text (keys and scalars, with aliases expanded) a front matter of
/// `source_len` bytes may hold: twice its size plus 1 MiB, and never more than 16 MiB.
/// Counting values alone ([`MAX_NODES`]) does not bound memory: 90,000 aliases of one 7 MB
/// title are few values but 630 GB of text.
pub(crate) fn text_budget(source_len: usize) -> usize {
    source_len
        .saturating_mul(MAX_EXPANSION_FACTOR)
        .saturating_add(EXPANSION_ALLOWANCE)
        .min(MAX_TEXT_BYTES)
}

/// Parses YAML text into a [`Node`] tree with YAML 1.2 core-schema semantics: `yes`, `NO`, `on`
/// and dates stay text; duplicate keys are errors; nesting and alias expansion are bounded.
pub(crate) fn parse(origin: &Origin) -> Result<Node, YamlError> {
    let positions = Positions {
        first_line: origin.first_line(),
    };
    let mut builder = Builder {
        positions: &positions,
        stack: Vec::new(),
        root: None,
        anchors: HashMap::new(),
        nodes: 0,
        bytes: 0,
        budget: text_budget(origin.text.len()),
        documents: 0,
    };
    for event in saphyr_parser::Parser::new_from_str(origin.text) {
        let (event, span) = event.map_err(|e| YamlError {
            message: e.info().to_string(),
            span: positions.point(e.marker()),
        })?;
        builder.event(event, &span)?;
    }
    Ok(builder.root.unwrap_or(Node {
        value: Value::Null,
        span: Span::point(origin.first_line(), 1),
    }))
}

enum Frame {
    Seq {
        items: Vec<Node>,
        span: Span,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        /// The line of each key so far, so a repeated key is found in constant time.
        lines: HashMap<String, u32>,
        key: Option<Key>,
        span: Span,
        anchor: usize,
    },
}

/// An anchored node and what an alias to it adds: values and bytes of text.
struct Anchored {
    node: Node,
    values: usize,
    bytes: usize,
}

struct Builder<'p> {
    positions: &'p Positions,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, Anchored>,
    nodes: usize,
    /// Bytes of text so far, aliases expanded.
    bytes: usize,
    /// Most bytes of text allowed: [`text_budget`].
    budget: usize,
    documents: usize,
}

impl Builder<'_> {
    fn event(&mut self, event: Event, span: &saphyr_parser::Span) -> Result<(), YamlError> {
        let at = self.positions.span(span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError {
                        message: "the front matter holds more than one YAML document".into(),
                        span: at,
                    });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, at)?;
                self.spend(text.len(), at)?;
                let bytes = text.len();
                let value = resolve(text, style, tag.as_deref());
                self.complete(Node { value, span: at }, anchor, 1, bytes)?;
            }
            Event::Alias(id) => {
                let Some(&Anchored { values, bytes, .. }) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        message: "alias to an unknown anchor".into(),
                        span: at,
                    });
                };
                // Both limits are checked before the anchored value is copied.
                self.count(values, at)?;
                self.spend(bytes, at)?;
                let value = match self.anchors.get(&id) {
                    Some(anchored) => anchored.node.value.clone(),
                    None => Value::Null,
                };
                self.complete(Node { value, span: at }, 0, values, bytes)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(at)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    span: at,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(at)?;
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    lines: HashMap::new(),
                    key: None,
                    span: at,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self.stack.pop();
                let (node, anchor) = match frame {
                    Some(Frame::Seq {
                        items,
                        span,
                        anchor,
                    }) => (
                        Node {
                            value: Value::Seq(items),
                            span: extend(span, at),
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        entries,
                        span,
                        anchor,
                        ..
                    }) => (
                        Node {
                            value: Value::Map(entries),
                            span: extend(span, at),
                        },
                        anchor,
                    ),
                    None => return Ok(()),
                };
                let (values, bytes) = if anchor == 0 { (0, 0) } else { measure(&node) };
                self.complete(node, anchor, values, bytes)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, at: Span) -> Result<(), YamlError> {
        self.count(1, at)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                message: format!("lists and maps are nested more than {MAX_DEPTH} levels deep"),
                span: at,
            });
        }
        if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
            return Err(YamlError {
                message: "a list or map cannot be used as a key".into(),
                span: at,
            });
        }
        Ok(())
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(YamlError {
                message: format!(
                    "the front matter holds more than {MAX_NODES} values (an alias bomb?)"
                ),
                span: at,
            });
        }
        Ok(())
    }

    fn spend(&mut self, bytes: usize, at: Span) -> Result<(), YamlError> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > self.budget {
            return Err(YamlError {
                message: format!(
                    "the front matter expands to more than {} of text, over its budget (aliases repeat the text of their anchor)",
                    megabytes(self.budget)
                ),
                span: at,
            });
        }
        Ok(())
    }

    fn complete(
        &mut self,
        node: Node,
        anchor: usize,
        values: usize,
        bytes: usize,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            let anchored = Anchored {
                node: node.clone(),
                values: values.max(1),
                bytes,
            };
            self.anchors.insert(anchor, anchored);
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                lines,
                key,
                ..
            }) => match key.take() {
                None => {
                    let name = match node.value {
                        Value::String(s) => s,
                        Value::Null => "null".to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Number(n) => n.to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(YamlError {
                                message: "a list or map cannot be used as a key".into(),
                                span: node.span,
                            });
                        }
                    };
                    // Most maps have a handful of keys: a scan beats hashing them. Past
                    // that, the keys go into a table so a huge map stays linear.
                    const SCANNED: usize = 16;
                    let first = if entries.len() < SCANNED {
                        entries
                            .iter()
                            .find(|(k, _)| k.name == name)
                            .map(|(k, _)| k.span.line)
                    } else {
                        if lines.is_empty() {
                            lines
                                .extend(entries.iter().map(|(k, _)| (k.name.clone(), k.span.line)));
                        }
                        let first = lines.get(&name).copied();
                        lines.insert(name.clone(), node.span.line);
                        first
                    };
                    if let Some(first) = first {
                        return Err(YamlError {
                            message: format!("duplicate key `{name}` (first on line {first})"),
                            span: node.span,
                        });
                    }
                    *key = Some(Key {
                        name,
                        span: node.span,
                    });
                }
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

fn extend(start: Span, end: Span) -> Span {
    Span {
        end_line: end.end_line,
        end_column: end.end_column,
        ..start
    }
}

/// The values and bytes of text a node holds (map keys count as text).
fn measure(node: &Node) -> (usize, usize) {
    let add = |(v, b): (usize, usize), (v2, b2): (usize, usize)| (v + v2, b + b2);
    match &node.value {
        Value::Seq(items) => items.iter().map(measure).fold((1, 0), add),
        Value::Map(entries) => entries
            .iter()
            .map(|(k, v)| add(measure(v), (1, k.name.len())))
            .fold((1, 0), add),
        Value::String(s) => (1, s.len()),
        Value::Number(n) => (1, n.to_string().len()),
        Value::Null | Value::Bool(_) => (1, 4),
    }
}

/// A byte count for messages: `16 MB`, `70 KB`.
fn megabytes(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// The YAML 1.2 core-schema value of a scalar.
fn resolve(text: Cow<str>, style: ScalarStyle, tag: Option<&saphyr_parser::Tag>) -> Value {
    if style != ScalarStyle::Plain || tag.is_some_and(|t| t.suffix == "str") {
        return Value::String(String::from(&*text));
    }
    match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(n) = resolve_number(&text) {
        return Value::Number(n);
    }
    Value::String(String::from(&*text))
}

fn resolve_number(text: &str) -> Option<serde_json::Number> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Into::into);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return i64::from_str_radix(oct, 8).ok().map(Into::into);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Some(i.into());
    }
    let valid_float = digits
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|b| b.is_ascii_digit())
        && !digits.starts_with(['e', 'E']);
    if valid_float {
        return text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64);
    }
    None
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
    fn aliases_of_long_text_are_refused_by_bytes() {
        let long = "x".repeat(400_000);
        // One alias of a long value is fine: under twice the size of the source.
        assert!(parse_fm(&format!("a: &a '{long}'\nb: *a\n")).is_ok());
        // Few values, but five times the text.
        let err = parse_fm(&format!("a: &a '{long}'\nb: [*a, *a, *a, *a]\n")).unwrap_err();
        assert!(err.message.contains("budget"), "{}", err.message);
        assert_eq!(
            (err.span.line, err.span.column),
            (3, 17),
            "the alias that goes over"
        );
        // A long anchored list counts its text too.
        let list = format!(
            "a: &a [{}]\nb: [*a, *a, *a, *a, *a]\n",
            vec!["w".repeat(40); 10_000].join(", ")
        );
        assert!(parse_fm(&list).unwrap_err().message.contains("budget"));
    }

    #[test]
    fn text_budget_numbers() {
        assert_eq!(text_budget(0), 1024 * 1024);
        assert_eq!(text_budget(1_000_000), 2_000_000 + 1024 * 1024);
        assert_eq!(text_budget(8 * 1024 * 1024), MAX_TEXT_BYTES);
    }

    #[test]
    fn a_repeated_key_among_many_is_found_with_its_first_line() {
        let mut text: String = (0..20_000).map(|i| format!("k{i}: 1\n")).collect();
        text.push_str("k7: 2\n");
        let err = parse_fm(&text).unwrap_err();
        assert_eq!(err.message, "duplicate key `k7` (first on line 9)");
        assert_eq!(err.span.line, 20_002);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_fm(&text).is_err());
    }

    #[test]
    fn core_schema_numbers() {
        let node = tree("a: 12\nb: -3.5\nc: 0x1F\nd: 1_000\ne: 1e3\nf: '12'\ng: .5\nh: 12abc\n");
        let get = |k: &str| node.get(k).map(|n| n.to_json()).unwrap();
        assert_eq!(get("a"), serde_json::json!(12));
        assert_eq!(get("b"), serde_json::json!(-3.5));
        assert_eq!(get("c"), serde_json::json!(31));
        assert_eq!(get("d"), serde_json::json!("1_000"));
        assert_eq!(get("e"), serde_json::json!(1000.0));
        assert_eq!(get("f"), serde_json::json!("12"));
        assert_eq!(get("g"), serde_json::json!(0.5));
        assert_eq!(get("h"), serde_json::json!("12abc"));
    }

    #[test]
    fn anchors_and_aliases_expand() {
        let node = tree("a: &x {b: 1}\nc: *x\n");
        assert_eq!(
            node.get("c").map(|n| n.to_json()),
            Some(serde_json::json!({"b": 1}))
        );
    }

    #[test]
    fn tabs_for_indentation_are_errors() {
        let err = parse_fm("a:\n\tb: 1\n").unwrap_err();
        assert_eq!(err.span.line, 3);
    }
}
