//! A plan file: front matter (with positions), body, and the typed `Plan` read from them.

pub(crate) mod attention;
pub(crate) mod body;
pub(crate) mod cache;
pub mod model;
pub(crate) mod people;
pub(crate) mod progress;
pub mod schema;
pub(crate) mod source;
pub(crate) mod yaml;

use std::path::PathBuf;

use serde::Deserialize;

pub(crate) use body::Body;
pub(crate) use model::Plan;
pub(crate) use people::People;
pub(crate) use schema::Schema;
pub(crate) use source::LineIndex;
pub(crate) use yaml::Node;

use crate::diagnostic::Span;
use crate::rules::Rule;

/// A problem found while reading a plan, before any rule runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub(crate) rule: Rule,
    pub(crate) span: Span,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

/// The plan template `planbook new` fills in: every field and section, with guidance text.
pub(crate) const TEMPLATE: &str = include_str!("../../templates/plan.md");

/// The region `planbook new` writes when none is given.
pub(crate) const TEMPLATE_REGION: &str = "Region this plan covers";

/// Where some values stand in a plan file.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Anchors {
    pub(crate) id: Option<Span>,
    pub(crate) supersedes: Option<Span>,
    pub(crate) status: Option<Span>,
    /// The `signoffs` key.
    pub(crate) signoffs: Option<Span>,
    /// The `person` value of each sign-off, in order.
    pub(crate) signoff_people: Vec<Span>,
}

impl Anchors {
    fn of(node: &Node) -> Anchors {
        let signoff_people = match node.get("signoffs").map(|n| &n.value) {
            Some(yaml::Value::Seq(items)) => items
                .iter()
                .map(|i| i.get("person").map_or(i.span, |p| p.span))
                .collect(),
            _ => Vec::new(),
        };
        Anchors {
            id: node.get("id").map(|n| n.span),
            supersedes: node.get("supersedes").map(|n| n.span),
            status: node.get("status").map(|n| n.span),
            signoffs: node.entry("signoffs").map(|(k, _)| k.span),
            signoff_people,
        }
    }
}

/// One plan file, read and parsed.
#[derive(Debug, Clone)]
pub struct PlanFile {
    /// Path relative to the repository root.
    pub(crate) path: PathBuf,
    /// The file's text (empty when it is not UTF-8), without a byte-order mark.
    pub(crate) text: String,
    pub(crate) index: LineIndex,
    /// The front matter, when it parsed as YAML.
    pub(crate) front_matter: Option<Node>,
    /// The body, when the front matter was found.
    pub(crate) body: Option<Body>,
    /// The typed plan, when the front matter has the right shape (boxed: a plan kept only for
    /// the rules comparing plans is a fraction of its size, see [`PlanFile::summarise`]).
    pub(crate) plan: Option<Box<Plan>>,
    /// Positions that rules comparing plans or revisions need after the front-matter tree has
    /// been dropped to save memory.
    pub(crate) anchors: Anchors,
    /// What went wrong while reading, in file order.
    pub(crate) problems: Vec<Problem>,
}

impl PlanFile {
    /// Parses a plan from the bytes of its file and validates it against `schema`.
    pub(crate) fn parse(path: PathBuf, bytes: &[u8], schema: &Schema) -> PlanFile {
        PlanFile::parse_owned(path, bytes.to_vec(), schema)
    }

    /// [`PlanFile::parse`] of bytes it may keep as the text (no copy of a file just read).
    pub(crate) fn parse_owned(path: PathBuf, bytes: Vec<u8>, schema: &Schema) -> PlanFile {
        let (text, problem) = match String::from_utf8(bytes) {
            Ok(text) => (without_bom(text), None),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                (String::new(), Some(non_utf8(e.as_bytes(), valid)))
            }
        };
        let mut file = PlanFile::unread(path, text, problem.into_iter().collect());
        if file.problems.is_empty() {
            file.read(schema);
        }
        file
    }

    /// A plan file as [`PlanFile::parse_owned`] found it on an earlier run (see [`cache`]),
    /// with its text: the typed plan and the anchors are read from the front matter again.
    pub(crate) fn restored(
        path: PathBuf,
        text: String,
        front_matter: Option<Node>,
        body: Option<Body>,
        problems: Vec<Problem>,
    ) -> PlanFile {
        let mut file = PlanFile {
            body,
            ..PlanFile::unread(path, text, problems)
        };
        if let Some(node) = &front_matter
            && matches!(node.value, yaml::Value::Map(_))
        {
            // Whether the plan could be read is among the problems cached.
            let _ = file.read_typed(node);
        }
        file.front_matter = front_matter;
        file
    }

    /// Drops what only the rules on this one file needed: the front-matter tree, the body,
    /// most of the typed plan (see [`Plan::kept_for_comparing`]) and, unless `keep_text`, the
    /// text (a report re-reads the text of a file it shows).
    pub(crate) fn summarise(&mut self, keep_text: bool) {
        self.front_matter = None;
        self.body = None;
        if let Some(plan) = self.plan.as_deref_mut() {
            *plan = std::mem::take(plan).kept_for_comparing();
        }
        if !keep_text {
            self.text = String::new();
            self.index = LineIndex::new("");
        }
    }

    /// A plan file that could not be read at all (too large, unreadable).
    pub(crate) fn unreadable(path: PathBuf, message: String, help: Option<String>) -> PlanFile {
        let problem = Problem {
            rule: Rule::FrontMatter,
            span: Span::point(1, 1),
            message,
            help,
        };
        PlanFile::unread(path, String::new(), vec![problem])
    }

    /// A plan file with its text and what reading it found so far, nothing parsed yet.
    fn unread(path: PathBuf, text: String, problems: Vec<Problem>) -> PlanFile {
        let index = LineIndex::new(&text);
        PlanFile {
            path,
            text,
            index,
            front_matter: None,
            body: None,
            plan: None,
            anchors: Anchors::default(),
            problems,
        }
    }

    fn problem(&mut self, rule: Rule, span: Span, message: impl Into<String>, help: &str) {
        self.problems.push(Problem {
            rule,
            span,
            message: message.into(),
            help: (!help.is_empty()).then(|| help.to_string()),
        });
    }

    fn read(&mut self, schema: &Schema) {
        let Some(split) = split_front_matter(&self.text) else {
            let (message, help) = if self.text.trim().is_empty() {
                (
                    "the file is empty",
                    "start from `planbook new ID`, which writes every field and section",
                )
            } else {
                (
                    "the plan does not start with front matter",
                    "make the first line `---`, then the plan's fields, then another `---` line",
                )
            };
            let first = self
                .index
                .line_text(&self.text, 1)
                .unwrap_or("")
                .chars()
                .count();
            self.problem(Rule::FrontMatter, Span::line(1, first), message, help);
            return;
        };
        let Some((yaml_end, body_start)) = split.closing else {
            self.problem(
                Rule::FrontMatter,
                Span::line(1, 3),
                "the front matter is never closed",
                "add a line `---` after the last field, before the plan's text",
            );
            return;
        };
        let text = &self.text;
        let origin = yaml::Origin {
            file: text,
            index: &self.index,
            offset: split.yaml_start,
            text: &text[split.yaml_start..yaml_end],
        };
        let node = match yaml::parse(&origin) {
            Ok(node) => node,
            Err(e) => {
                self.problem(
                    Rule::FrontMatter,
                    e.span,
                    format!("the front matter is not valid YAML: {}", e.message),
                    yaml_help(&e.message),
                );
                return;
            }
        };
        self.body = Some(Body::parse(text, body_start, &self.index));
        if !matches!(node.value, yaml::Value::Map(_)) {
            let (line, _) = self.index.position(text, split.yaml_start);
            self.problem(
                Rule::FrontMatter,
                Span::line(line, 0),
                format!("the front matter is {}, not a map of fields", node.kind()),
                "write one `field: value` per line, e.g. `title: DACH mid-market recovery`",
            );
            self.front_matter = Some(node);
            return;
        }
        let json = node.to_json();
        let schema_problems = schema.validate(&node, &json);
        drop(json);
        let valid = schema_problems.is_empty();
        for p in schema_problems {
            self.problems.push(Problem {
                rule: Rule::Schema,
                span: p.span,
                message: p.message,
                help: p.help,
            });
        }
        if let Err(e) = self.read_typed(&node)
            && valid
        {
            // The repository's own schema let through something planbook cannot read.
            self.problem(
                Rule::Schema,
                node.span,
                format!("planbook cannot read this front matter: {e}"),
                "make the repository's schema/plan.schema.json at least as strict as `planbook schema`",
            );
        }
        self.front_matter = Some(node);
    }

    /// Reads what the rest of planbook uses of a front matter that is a map: the anchors and
    /// the typed plan (or the error that kept it from being read). Parsing a plan and taking
    /// it from the plans cache both come through here.
    fn read_typed(&mut self, node: &Node) -> Result<(), serde_json::Error> {
        self.anchors = Anchors::of(node);
        self.plan = Some(Box::new(Plan::deserialize(node)?));
        Ok(())
    }

    /// The plan id, from the front matter or else the file stem.
    pub(crate) fn id(&self) -> String {
        self.plan
            .as_ref()
            .and_then(|p| p.id.clone())
            .unwrap_or_else(|| self.stem())
    }

    /// The file name without `.md`.
    pub(crate) fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The Markdown body text.
    pub(crate) fn body_text(&self) -> &str {
        self.body.as_ref().map_or("", |b| &self.text[b.offset..])
    }
}

/// Whether `id` is a valid plan id: lowercase letters, digits and hyphens, starting with a
/// letter or digit, at most 100 characters (it becomes a file and folder name).
pub(crate) fn is_slug(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && id.len() <= 100
}

/// The front matter of a plan's text as JSON, and the byte offset where its body starts; for
/// reading old revisions, where positions and validation are not needed.
pub(crate) fn front_matter_json(text: &str) -> Option<(serde_json::Value, usize)> {
    let (yaml, body_start) = front_matter_yaml(text)?;
    Some((yaml_json(yaml)?, body_start))
}

/// The YAML text of a plan's front matter (without its `---` lines), and the byte offset
/// where the body starts; `None` when the front matter is missing or not closed.
pub(crate) fn front_matter_yaml(text: &str) -> Option<(&str, usize)> {
    let text_start = bom_len(text.as_bytes());
    let text = &text[text_start..];
    let split = split_front_matter(text)?;
    let (yaml_end, body_start) = split.closing?;
    Some((&text[split.yaml_start..yaml_end], text_start + body_start))
}

/// YAML text read as JSON (YAML 1.2, the limits of [`yaml::parse`]); `None` when it cannot
/// be read.
pub fn yaml_json(yaml: &str) -> Option<serde_json::Value> {
    Some(yaml_tree(yaml)?.to_json())
}

/// YAML text read as a tree, positions counted from the start of the text; `None` when it
/// cannot be read.
fn yaml_tree(yaml: &str) -> Option<Node> {
    let index = LineIndex::new(yaml);
    let origin = yaml::Origin {
        file: yaml,
        index: &index,
        offset: 0,
        text: yaml,
    };
    yaml::parse(&origin).ok()
}

/// Where the front matter's YAML starts and ends, and where the body starts.
struct Split {
    yaml_start: usize,
    /// `(end of YAML, start of body)`, when the front matter is closed.
    closing: Option<(usize, usize)>,
}

fn split_front_matter(text: &str) -> Option<Split> {
    let first_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_end].trim_end() != "---" {
        return None;
    }
    let mut offset = first_end;
    while offset < text.len() {
        let end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        // Only a line that starts with `-` or `.` can close it (most lines are not looked at).
        let candidate = matches!(text.as_bytes()[offset], b'-' | b'.');
        if candidate && matches!(text[offset..end].trim_end(), "---" | "...") {
            return Some(Split {
                yaml_start: first_end,
                closing: Some((offset, end)),
            });
        }
        offset = end;
    }
    Some(Split {
        yaml_start: first_end,
        closing: None,
    })
}

/// A plan's text as planbook reads it: without a byte-order mark (taken out in place).
pub(crate) fn without_bom(mut text: String) -> String {
    text.drain(..bom_len(text.as_bytes()));
    text
}

/// How many of `bytes` are a byte-order mark before the text (0 or 3).
pub(crate) fn bom_len(bytes: &[u8]) -> usize {
    const BOM: &str = "\u{feff}";
    if bytes.starts_with(BOM.as_bytes()) {
        BOM.len()
    } else {
        0
    }
}

fn non_utf8(bytes: &[u8], valid_up_to: usize) -> Problem {
    // Everything before the first bad byte is text.
    let before = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or("");
    let (line, column) = LineIndex::new(before).position(before, before.len());
    Problem {
        rule: Rule::FrontMatter,
        span: Span::point(line, column),
        message: format!(
            "the file is not UTF-8 text (byte 0x{:02X} cannot be read)",
            bytes[valid_up_to]
        ),
        help: Some(
            "save the file as UTF-8 (most editors offer this under \"Save with encoding\")".into(),
        ),
    }
}

fn yaml_help(message: &str) -> &'static str {
    let lower = message.to_lowercase();
    if lower.contains("duplicate") {
        "each field may appear only once; remove or rename the repeated key"
    } else if lower.contains("tab") {
        "indent with spaces; YAML does not allow tabs for indentation"
    } else if lower.contains("alias") || lower.contains("anchor") || lower.contains("budget") {
        "plans do not need YAML anchors and aliases; write the values out"
    } else if lower.contains("depth") || lower.contains("nest") {
        "the front matter is nested far deeper than any plan needs"
    } else {
        "check indentation and quoting on this line; text containing `: ` or starting with a symbol needs quotes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> PlanFile {
        PlanFile::parse(
            PathBuf::from("plans/x.md"),
            text.as_bytes(),
            &Schema::builtin(),
        )
    }

    #[test]
    fn missing_and_unclosed_front_matter() {
        let file = parse("# Just a title\n");
        assert_eq!(file.problems[0].rule, Rule::FrontMatter);
        assert!(file.problems[0].message.contains("does not start"));
        let file = parse("---\nid: x\n");
        assert!(file.problems[0].message.contains("never closed"));
        let file = parse("");
        assert!(file.problems[0].message.contains("empty"));
    }

    #[test]
    fn crlf_and_bom_keep_positions() {
        let file = parse("\u{feff}---\r\nid: x\r\nstatus: nope\r\n---\r\n## Summary\r\n");
        let status = file
            .problems
            .iter()
            .find(|p| p.message.contains("nope"))
            .unwrap();
        assert_eq!((status.span.line, status.span.column), (3, 9));
        assert_eq!(file.body.as_ref().unwrap().first_line, 5);
    }

    #[test]
    fn non_utf8_points_at_the_byte() {
        let file = PlanFile::parse(
            PathBuf::from("x.md"),
            b"---\nid: a\xff\n---\n",
            &Schema::builtin(),
        );
        assert_eq!(file.problems[0].span, Span::point(2, 6));
    }

    #[test]
    fn the_typed_plan_reads_from_the_tree_as_from_its_json() {
        let mut texts: Vec<String> = Vec::new();
        let plans = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
        for region in std::fs::read_dir(plans).unwrap() {
            for plan in std::fs::read_dir(region.unwrap().path()).unwrap() {
                texts.push(std::fs::read_to_string(plan.unwrap().path()).unwrap());
            }
        }
        let odd = [
            "metrics: 5",
            "status: 7",
            "status: nope",
            "status: [approved]",
            "status: {approved: 1}",
            "period: {start: not-a-date, end: 2026-13-01}",
            "period: {start: 2026-01-01, extra: [1, {a: b}]}",
            "checkins: [{date: 2026-01-15, actuals: {bookings: lots}}]",
            "checkins: [{date: 2026-01-15, actuals: {bookings: 1.5e3, win-rate: -2}}]",
            "activities: [a, b]",
            "activities: ~",
            "team: ~",
            "visibility: secret",
            "signoffs: [{person: p, role: r, date: 2026-01-01, extra: true}]",
            "unknown: {deep: [[[1]]]}",
            "id: 12\ntitle: true\ncurrency: 1.0",
            "investment: {money: 18446744073709551615, days: -9223372036854775808}",
            "period: [2026-01-01, 2026-02-01, 2026-03-01, 2026-04-01]",
            "period: [2026-01-01]",
            "metrics: [[1, 2], {id: m, baseline: [3]}]",
            "scope: [a, b, c, d, e, f, g]",
            "checkins: [{date: 2026-01-15, actuals: [1, 2]}]",
        ];
        texts.extend(odd.iter().map(|front| format!("---\n{front}\n---\n")));
        for text in &texts {
            let (yaml, _) = front_matter_yaml(text).unwrap();
            let node = yaml_tree(yaml).unwrap();
            let from_tree = Plan::deserialize(&node).map_err(|e| e.to_string());
            let from_json =
                serde_json::from_value::<Plan>(node.to_json()).map_err(|e| e.to_string());
            assert_eq!(format!("{from_tree:?}"), format!("{from_json:?}"), "{text}");
        }
    }

    #[test]
    fn list_front_matter_is_not_a_map() {
        let file = parse("---\n- a\n- b\n---\n");
        assert!(file.problems[0].message.contains("not a map"));
    }
}
