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
    pub fn at(&self, path: &[Step]) -> Option<&Node> {
        let (node, _, found) = self.follow(path);
        found.then_some(node)
    }

    /// Where the value at `path` stands; if the path does not exist, the deepest part of it
    /// that does (so a missing field points at the map that should hold it).
    pub fn locate(&self, path: &[Step]) -> Span {
        self.follow(path).0.span
    }

    /// Where the key that introduces `path` stands (the value's position for list items);
    /// falls back like [`Node::locate`].
    pub fn locate_key(&self, path: &[Step]) -> Span {
        self.follow(path).1
    }

    /// Whether the value at `path` exists.
    pub fn has(&self, path: &[Step]) -> bool {
        self.follow(path).2
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
    /// Byte offset of the YAML text in the file; it starts at the beginning of a line.
    pub offset: usize,
    /// The YAML text itself: `file[offset..offset + len]`.
    pub text: &'a str,
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
pub const MAX_NODES: usize = 100_000;
/// Deepest nesting of lists and maps.
pub const MAX_DEPTH: usize = 64;

/// Parses YAML text into a [`Node`] tree with YAML 1.2 core-schema semantics: `yes`, `NO`, `on`
/// and dates stay text; duplicate keys are errors; nesting and alias expansion are bounded.
pub fn parse(origin: &Origin) -> Result<Node, YamlError> {
    let positions = Positions {
        first_line: origin.first_line(),
    };
    let mut builder = Builder {
        positions: &positions,
        stack: Vec::new(),
        root: None,
        anchors: HashMap::new(),
        nodes: 0,
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
        key: Option<Key>,
        span: Span,
        anchor: usize,
    },
}

struct Builder<'p> {
    positions: &'p Positions,
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Anchored nodes and the number of values each holds.
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
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
                let value = resolve(text, style, tag.as_deref());
                self.count(1, at)?;
                self.complete(Node { value, span: at }, anchor, 1)?;
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    return Err(YamlError {
                        message: "alias to an unknown anchor".into(),
                        span: at,
                    });
                };
                self.count(size, at)?;
                self.complete(
                    Node {
                        value: node.value,
                        span: at,
                    },
                    0,
                    size,
                )?;
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
                let size = if anchor == 0 { 0 } else { count_nodes(&node) };
                self.complete(node, anchor, size)?;
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

    fn complete(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size.max(1)));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
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
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == name) {
                        return Err(YamlError {
                            message: format!(
                                "duplicate key `{name}` (first on line {})",
                                first.span.line
                            ),
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

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count_nodes).sum(),
        Value::Map(entries) => entries.iter().map(|(_, v)| count_nodes(v)).sum(),
        _ => 0,
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
