//! Plans as parsed before, in `.git/planbook/plans-cache.bin`: a plan file whose bytes have
//! not changed since the last `check`, `status`, `build`, `serve` or language-server start is
//! not parsed again.
//!
//! What parsing a plan finds (its front-matter tree with every position, its body's headings
//! and links, the problems reading it raised, schema findings included) depends on nothing
//! but the file's bytes, the schema and planbook itself. The cache keeps it per path under a
//! SHA-256 of the bytes, for one schema and one build of planbook; a plan whose bytes
//! differ, and every plan after the schema or planbook changed, is parsed again. The typed
//! plan is read from the cached tree as from a parsed one. Rules always run anew: they depend
//! on the date, `people.yaml`, the configuration and the rest of the repository.
//!
//! Like the history cache it is a cache: anything unreadable, damaged or foreign is ignored,
//! it is written atomically, and deleting it is always safe.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::binary::{Decoder, Encoder, checksum};
use crate::diagnostic::Span;
use crate::plan::body::{Body, Heading, Link};
use crate::plan::yaml::{self, Key, Node, Value};
use crate::plan::{PlanFile, Problem, Schema};
use crate::rules::Rule;

const FILE: &str = "planbook/plans-cache.bin";
const MAGIC: &[u8] = b"planbook plans cache\n";
/// Bumped whenever what is cached is laid out differently.
const FORMAT: u64 = 1;

/// A SHA-256 of a plan file's bytes.
type FileDigest = [u8; 32];

/// The plans parsed before, and those parsed or found on this run.
///
/// The file is a header (the magic, the format, the identity of the parsing, see
/// [`identity`]), the plans' entries one after another, an index (each plan's path, the
/// digest of its bytes, where its entry lies and the entry's checksum) and a footer (where
/// the index lies, and its checksum). Only the index is read at first; an entry is read when
/// its plan is, so memory does not grow with the file. A plan parsed on this run is written
/// to the next file as soon as it is parsed; the entries of plans found unchanged are copied
/// over at the end, if the file is written at all.
pub(crate) struct ParseCache {
    path: PathBuf,
    /// Who wrote the file: planbook's version and executable, and the schema.
    identity: String,
    /// The file read, when there is one with this identity.
    stored: Option<std::fs::File>,
    /// Each plan path in `stored`, with where its entry lies.
    entries: HashMap<String, Stored>,
    /// The plans read on this run, and what became of each.
    seen: Mutex<Vec<(String, Seen)>>,
    /// The next file, begun when the first plan is parsed.
    next: Mutex<Next>,
    /// Whether this run writes the file: not in CI (`CI` set), where a fresh clone is checked
    /// once and the cache would only cost the writing.
    writes: bool,
}

/// What became of a plan read on this run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Its entry was in the file read.
    Found,
    /// It was parsed, and its entry written to the next file.
    Parsed,
    /// It was parsed, and there is nothing to keep of it (no text: empty, or not UTF-8).
    NotKept,
}

/// A plan's entry in a cache file.
#[derive(Clone)]
struct Stored {
    digest: FileDigest,
    at: u64,
    len: u64,
    sum: u64,
}

enum Next {
    NotBegun,
    Writing(NextFile),
    /// The folder or the disk refused: nothing is written on this run.
    Failed,
}

/// The next cache file, being written.
struct NextFile {
    w: std::io::BufWriter<tempfile::NamedTempFile>,
    /// Where the next entry starts.
    at: u64,
    index: Vec<(String, Stored)>,
}

/// The most items room is made for ahead of reading them (a damaged count must not reserve
/// gigabytes); more grow as they are read.
const ROOM: usize = 1024;

/// The footer: where the index starts, and its checksum, as two little-endian numbers.
const FOOTER: u64 = 16;
/// The longest header and entry read (an 8 MB plan's entry is well under it).
const MAX_READ: u64 = 256 * 1024 * 1024;

impl ParseCache {
    /// The cache of the git repository holding `root`, for plans read with `schema`; `None`
    /// outside git or when planbook cannot tell which executable it is.
    pub(crate) fn open(root: &Path, schema: &Schema) -> Option<ParseCache> {
        let git = crate::git::discover(root).ok().flatten()?;
        let identity = identity(schema)?;
        // Plans repositories in folders of one git work tree keep a cache each.
        let inside = crate::git::root_in_workdir(&git, root);
        let path = if inside.as_os_str().is_empty() {
            git.path().join(FILE)
        } else {
            let folder = format!("{:x}", Sha256::digest(inside.to_string_lossy().as_bytes()));
            git.path().join(format!("{FILE}.{}", &folder[..16]))
        };
        let mut cache = ParseCache {
            path,
            identity,
            stored: None,
            entries: HashMap::new(),
            seen: Mutex::new(Vec::new()),
            next: Mutex::new(Next::NotBegun),
            writes: !crate::ci::running_in_ci(),
        };
        // A FIFO or a device in its place is not opened (it could block or never end).
        if let Ok((file, _)) = crate::read::open_regular(&cache.path)
            && let Some(entries) = read_index(&file, &cache.identity)
        {
            cache.stored = Some(file);
            cache.entries = entries;
        }
        Some(cache)
    }

    /// The plan at `path` (relative to the root) with file bytes `bytes`: as cached when the
    /// bytes are those cached for the path, else parsed with `schema`.
    pub(crate) fn parse(&self, path: &Path, bytes: Vec<u8>, schema: &Schema) -> PlanFile {
        if !self.writes && self.entries.is_empty() {
            return PlanFile::parse_owned(path.to_path_buf(), bytes, schema);
        }
        let key = path.to_string_lossy().into_owned();
        let digest: FileDigest = Sha256::digest(&bytes).into();
        let mut bytes = bytes;
        if let Some(stored) = self.entries.get(&key)
            && stored.digest == digest
            && let Some(entry) = read_entry(self.stored.as_ref(), stored)
        {
            match restore(path, bytes, &entry) {
                Ok(file) => {
                    self.remember(key, Seen::Found);
                    return file;
                }
                Err(given_back) => bytes = given_back,
            }
        }
        let file = PlanFile::parse_owned(path.to_path_buf(), bytes, schema);
        if !self.writes {
            return file;
        }
        match encode(&file) {
            Some(entry) => {
                self.write(&key, digest, &entry);
                self.remember(key, Seen::Parsed);
            }
            None => self.remember(key, Seen::NotKept),
        }
        file
    }

    fn remember(&self, path: String, seen: Seen) {
        if let Ok(mut all) = self.seen.lock() {
            all.push((path, seen));
        }
    }

    /// Adds the entry of a plan parsed on this run to the next file, beginning it if need be.
    fn write(&self, path: &str, digest: FileDigest, entry: &[u8]) {
        let Ok(mut next) = self.next.lock() else {
            return;
        };
        if let Next::NotBegun = *next {
            *next = begin(&self.path, &self.identity).map_or(Next::Failed, Next::Writing);
        }
        if let Next::Writing(file) = &mut *next
            && file.add(path, digest, entry).is_err()
        {
            *next = Next::Failed;
        }
    }

    /// Puts the next file in place when this run parsed a plan, or did not read a plan the
    /// file holds that is gone now: with the plans read on this run, and those it did not read
    /// whose files are still under `root`. Failures are ignored (the next run parses again).
    pub(crate) fn save(self, root: &Path) {
        let ParseCache {
            path,
            identity,
            stored,
            entries,
            seen,
            next,
            writes,
        } = self;
        if !writes {
            return;
        }
        let seen = seen.into_inner().unwrap_or_default();
        let parsed = seen.iter().any(|(_, seen)| *seen == Seen::Parsed);
        let read: HashSet<&str> = seen.iter().map(|(path, _)| path.as_str()).collect();
        let unread = entries
            .iter()
            .filter(|(path, _)| !read.contains(path.as_str()));
        let kept: Vec<(&String, &Stored)> = unread
            .clone()
            .filter(|(path, _)| root.join(path.as_str()).is_file())
            .collect();
        if !parsed && kept.len() == unread.count() {
            return;
        }
        let next = match next.into_inner() {
            Ok(Next::Writing(file)) => Some(file),
            Ok(Next::NotBegun) => begin(&path, &identity),
            _ => None,
        };
        let Some(mut next) = next else { return };
        // A plan read twice on one run, found the first time and parsed the second (its file
        // changed in between), keeps the entry parsed.
        let written: HashSet<String> = next.index.iter().map(|(path, _)| path.clone()).collect();
        let found = seen
            .iter()
            .filter(|(path, seen)| *seen == Seen::Found && !written.contains(path))
            .filter_map(|(path, _)| entries.get_key_value(path));
        for (path, entry_at) in found.chain(kept) {
            // An entry damaged since it was read is left out (its plan is parsed next time).
            let Some(entry) = read_entry(stored.as_ref(), entry_at) else {
                continue;
            };
            if next.add(path, entry_at.digest, &entry).is_err() {
                return;
            }
        }
        // The file read is closed before the new one takes its name (Windows refuses to
        // replace a file that is open).
        drop(stored);
        let _ = next.finish(&path);
    }
}

/// A temporary file beside the cache file at `path`, with the header written.
fn begin(path: &Path, identity: &str) -> Option<NextFile> {
    let dir = path.parent()?;
    let temp = crate::atomic::cache_temp_file_in(dir).ok()?;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, temp);
    let header = header(identity);
    w.write_all(&header).ok()?;
    Some(NextFile {
        w,
        at: header.len() as u64,
        index: Vec::new(),
    })
}

fn header(identity: &str) -> Vec<u8> {
    let mut header = Encoder::new(MAGIC);
    header.uint(FORMAT);
    header.bytes(identity.as_bytes());
    header.into_bytes()
}

impl NextFile {
    fn add(&mut self, path: &str, digest: FileDigest, entry: &[u8]) -> std::io::Result<()> {
        self.w.write_all(entry)?;
        let stored = Stored {
            digest,
            at: self.at,
            len: entry.len() as u64,
            sum: checksum(entry),
        };
        self.at += stored.len;
        self.index.push((path.to_string(), stored));
        Ok(())
    }

    /// Writes the index and the footer, and puts the file at `path`.
    fn finish(mut self, path: &Path) -> Option<()> {
        let mut index = Encoder::unnumbered();
        index.uint(self.index.len() as u64);
        for (path, stored) in &self.index {
            index.bytes(path.as_bytes());
            index.bytes(&stored.digest);
            index.uint(stored.at);
            index.uint(stored.len);
            index.u64_fixed(stored.sum);
        }
        let index = index.into_bytes();
        self.w.write_all(&index).ok()?;
        self.w.write_all(&self.at.to_le_bytes()).ok()?;
        self.w.write_all(&checksum(&index).to_le_bytes()).ok()?;
        let temp = self.w.into_inner().ok()?;
        temp.persist(path).ok()?;
        Some(())
    }
}

/// A stored entry's bytes in `file`, if they are whole.
fn read_entry(file: Option<&std::fs::File>, stored: &Stored) -> Option<Vec<u8>> {
    let entry = read_at(file?, stored.at, stored.len)?;
    (checksum(&entry) == stored.sum).then_some(entry)
}

/// `len` bytes of `file` at `at`, if it has them (and they are not implausibly many).
fn read_at(file: &std::fs::File, at: u64, len: u64) -> Option<Vec<u8>> {
    if len > MAX_READ {
        return None;
    }
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    #[cfg(unix)]
    std::os::unix::fs::FileExt::read_exact_at(file, &mut bytes, at).ok()?;
    #[cfg(not(any(unix, windows)))]
    return None;
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < bytes.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut bytes[done..],
                at + done as u64,
            )
            .ok()?;
            if n == 0 {
                return None;
            }
            done += n;
        }
    }
    Some(bytes)
}

/// Where each plan's entry lies in a cache file, if the file was written by this planbook
/// for this schema and its index is whole (each entry's checksum is checked when it is used).
fn read_index(file: &std::fs::File, identity: &str) -> Option<HashMap<String, Stored>> {
    let size = file.metadata().ok()?.len();
    let header = header(identity);
    if read_at(file, 0, header.len() as u64)? != header {
        return None;
    }
    let footer = read_at(file, size.checked_sub(FOOTER)?, FOOTER)?;
    let index_at = u64::from_le_bytes(footer[..8].try_into().ok()?);
    let sum = u64::from_le_bytes(footer[8..].try_into().ok()?);
    let end = size - FOOTER;
    if index_at < header.len() as u64 || index_at > end {
        return None;
    }
    let index = read_at(file, index_at, end - index_at)?;
    if checksum(&index) != sum {
        return None;
    }
    let mut d = Decoder::plain(&index);
    let n = d.count()?;
    // A damaged count asks for no more room than a few pages.
    let mut entries = HashMap::with_capacity(n.min(ROOM));
    for _ in 0..n {
        let path = std::str::from_utf8(d.bytes()?).ok()?.to_string();
        let stored = Stored {
            digest: d.bytes()?.try_into().ok()?,
            at: d.uint()?,
            len: d.uint()?,
            sum: d.u64_fixed()?,
        };
        if stored.at.checked_add(stored.len)? > index_at {
            return None;
        }
        entries.insert(path, stored);
    }
    d.at_end().then_some(entries)
}

/// What identifies the parsing the cached plans came from: the planbook that parsed them
/// (see [`crate::build_identity`]) and the schema.
fn identity(schema: &Schema) -> Option<String> {
    Some(format!(
        "{} {}",
        crate::build_identity::of_this_executable()?,
        schema.digest()
    ))
}

/// A parsed plan's entry: its problems, front-matter tree and body. `None` for a file with no
/// text (empty, only a byte-order mark, or not UTF-8): it is parsed again each time, there is
/// nothing to save.
fn encode(file: &PlanFile) -> Option<Vec<u8>> {
    if file.text.is_empty() && !file.problems.is_empty() {
        return None;
    }
    let mut e = EntryWriter {
        e: Encoder::unnumbered(),
        line: 0,
    };
    e.uint(file.problems.len() as u64);
    for p in &file.problems {
        e.str_kept(p.rule.name());
        span(&mut e, p.span);
        e.str_kept(&p.message);
        e.opt_str_kept(p.help.as_deref());
    }
    match &file.front_matter {
        None => e.flag(false),
        Some(node) => {
            e.flag(true);
            encode_node(&mut e, node);
        }
    }
    match &file.body {
        None => e.flag(false),
        Some(body) => {
            e.flag(true);
            encode_body(&mut e, body);
        }
    }
    Some(e.e.into_bytes())
}

/// The plan at `path` with file bytes `bytes` from its cached `entry`; the bytes back if the
/// entry cannot be read (the plan is then parsed).
fn restore(path: &Path, bytes: Vec<u8>, entry: &[u8]) -> Result<PlanFile, Vec<u8>> {
    let Some((problems, front_matter, body)) = decode(entry) else {
        return Err(bytes);
    };
    // The body's start must be a place in the text (checked before the text is made, so that
    // the bytes can still be given back whole).
    let text_start = crate::plan::bom_len(&bytes);
    let text = std::str::from_utf8(&bytes[text_start..]).ok();
    if text.is_none_or(|text| {
        body.as_ref()
            .is_some_and(|b| !text.is_char_boundary(b.offset))
    }) {
        return Err(bytes);
    }
    let text = String::from_utf8(bytes).map_err(|e| e.into_bytes())?;
    Ok(PlanFile::restored(
        path.to_path_buf(),
        crate::plan::without_bom(text),
        front_matter,
        body,
        problems,
    ))
}

/// An entry's problems, front-matter tree and body.
fn decode(entry: &[u8]) -> Option<(Vec<Problem>, Option<Node>, Option<Body>)> {
    let mut d = EntryReader {
        d: Decoder::plain(entry),
        line: 0,
    };
    let n = d.count()?;
    let mut problems = Vec::with_capacity(n.min(ROOM));
    for _ in 0..n {
        problems.push(Problem {
            rule: Rule::from_name(d.str()?)?,
            span: read_span(&mut d)?,
            message: d.string()?,
            help: d.opt_string()?,
        });
    }
    let front_matter = if d.flag()? {
        Some(decode_node(&mut d, 0)?)
    } else {
        None
    };
    let body = if d.flag()? {
        Some(decode_body(&mut d)?)
    } else {
        None
    };
    d.at_end().then_some((problems, front_matter, body))
}

/// An entry being written: an encoder, and the line of the last position written (each line
/// is written as the step from that one, mostly a byte).
struct EntryWriter<'a> {
    e: Encoder<'a>,
    line: u32,
}

/// An entry being read.
struct EntryReader<'a> {
    d: Decoder<'a>,
    line: u32,
}

impl<'a> std::ops::Deref for EntryWriter<'a> {
    type Target = Encoder<'a>;
    fn deref(&self) -> &Encoder<'a> {
        &self.e
    }
}

impl std::ops::DerefMut for EntryWriter<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.e
    }
}

impl<'a> std::ops::Deref for EntryReader<'a> {
    type Target = Decoder<'a>;
    fn deref(&self) -> &Decoder<'a> {
        &self.d
    }
}

impl std::ops::DerefMut for EntryReader<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.d
    }
}

/// `n` as an unsigned number, small when `n` is near zero either side.
fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn span(e: &mut EntryWriter, span: Span) {
    let step = i64::from(span.line) - i64::from(e.line);
    e.line = span.line;
    e.e.uint(zigzag(step));
    e.e.uint(u64::from(span.column));
    e.e.uint(zigzag(i64::from(span.end_line) - i64::from(span.line)));
    e.e.uint(u64::from(span.end_column));
}

fn read_span(d: &mut EntryReader) -> Option<Span> {
    let line = u32::try_from(i64::from(d.line).checked_add(unzigzag(d.d.uint()?))?).ok()?;
    d.line = line;
    let column = u32::try_from(d.d.uint()?).ok()?;
    let end_line = u32::try_from(i64::from(line).checked_add(unzigzag(d.d.uint()?))?).ok()?;
    let end_column = u32::try_from(d.d.uint()?).ok()?;
    Some(Span {
        line,
        column,
        end_line,
        end_column,
    })
}

fn encode_node<'a>(e: &mut EntryWriter<'a>, node: &'a Node) {
    match &node.value {
        Value::Null => e.uint(0),
        Value::Bool(b) => e.uint(1 + u64::from(*b)),
        Value::Number(n) => {
            // Exactly, whatever the build of serde_json does with decimal text.
            if let Some(u) = n.as_u64() {
                e.uint(3);
                e.uint(u);
            } else if let Some(i) = n.as_i64() {
                e.uint(7);
                e.uint(zigzag(i));
            } else {
                e.uint(8);
                e.u64_fixed(n.as_f64().unwrap_or(f64::NAN).to_bits());
            }
        }
        Value::String(s) => {
            e.uint(4);
            e.str_kept(s);
        }
        Value::Seq(items) => {
            e.uint(5);
            e.uint(items.len() as u64);
            for item in items {
                encode_node(e, item);
            }
        }
        Value::Map(entries) => {
            e.uint(6);
            e.uint(entries.len() as u64);
            for (key, value) in entries {
                e.str_kept(&key.name);
                span(e, key.span);
                encode_node(e, value);
            }
        }
    }
    span(e, node.span);
}

fn decode_node(d: &mut EntryReader, depth: usize) -> Option<Node> {
    // The YAML reader bounds nesting; this bounds a damaged file's.
    if depth > yaml::MAX_DEPTH {
        return None;
    }
    let value = match d.uint()? {
        0 => Value::Null,
        1 => Value::Bool(false),
        2 => Value::Bool(true),
        3 => Value::Number(d.uint()?.into()),
        7 => Value::Number(unzigzag(d.uint()?).into()),
        8 => Value::Number(serde_json::Number::from_f64(f64::from_bits(
            d.u64_fixed()?,
        ))?),
        4 => Value::String(d.string()?),
        5 => {
            let n = d.count()?;
            let mut items = Vec::with_capacity(n.min(ROOM));
            for _ in 0..n {
                items.push(decode_node(d, depth + 1)?);
            }
            Value::Seq(items)
        }
        6 => {
            let n = d.count()?;
            let mut entries = Vec::with_capacity(n.min(ROOM));
            for _ in 0..n {
                let key = Key {
                    name: d.string()?,
                    span: read_span(d)?,
                };
                entries.push((key, decode_node(d, depth + 1)?));
            }
            Value::Map(entries)
        }
        _ => return None,
    };
    Some(Node {
        value,
        span: read_span(d)?,
    })
}

fn encode_body<'a>(e: &mut EntryWriter<'a>, body: &'a Body) {
    e.uint(body.offset as u64);
    e.uint(u64::from(body.first_line));
    e.uint(body.headings.len() as u64);
    for h in &body.headings {
        e.uint(u64::from(h.level));
        e.str_kept(&h.text);
        e.str_kept(&h.key);
        span(e, h.span);
    }
    e.uint(body.links.len() as u64);
    for link in &body.links {
        e.str_kept(&link.destination);
        span(e, link.span);
    }
    e.uint(body.words as u64);
    match body.too_deep {
        None => e.flag(false),
        Some(at) => {
            e.flag(true);
            span(e, at);
        }
    }
}

fn decode_body(d: &mut EntryReader) -> Option<Body> {
    let offset = usize::try_from(d.uint()?).ok()?;
    let first_line = u32::try_from(d.uint()?).ok()?;
    let n = d.count()?;
    let mut headings = Vec::with_capacity(n.min(ROOM));
    for _ in 0..n {
        headings.push(Heading {
            level: u8::try_from(d.uint()?).ok()?,
            text: d.string()?,
            key: d.string()?,
            span: read_span(d)?,
        });
    }
    let n = d.count()?;
    let mut links = Vec::with_capacity(n.min(ROOM));
    for _ in 0..n {
        links.push(Link {
            destination: d.string()?,
            span: read_span(d)?,
        });
    }
    let words = usize::try_from(d.uint()?).ok()?;
    let too_deep = if d.flag()? { Some(read_span(d)?) } else { None };
    Some(Body {
        offset,
        first_line,
        headings,
        links,
        words,
        too_deep,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plans as they come: every example plan, the fuzzing seeds, and files that stop at each
    /// way reading a plan can stop.
    fn samples() -> Vec<(PathBuf, Vec<u8>)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut samples = Vec::new();
        let mut folders = vec![root.join("plans"), root.join("tests/fuzz-regressions")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "md") {
                    samples.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        assert!(samples.len() > 5, "the example plans are found");
        let odd: [&[u8]; 11] = [
            b"",
            b"# no front matter\n",
            b"---\nid: x\n",
            b"---\nid: [unclosed\n---\n",
            b"---\n- a list\n---\n# Body\n",
            b"\xef\xbb\xbf---\r\nid: bom-crlf\r\nstatus: nope\r\n---\r\n## Summary\r\nText [a](b.md)\r\n",
            b"---\nid: x\nmetrics: 5\nunknown_field: yes\n---\n## Summary\n",
            b"---\nid: x\nn: [1, 2.5, -3, 1e400, 0x1f, .inf]\nnull_value: ~\nt: true\n---\n",
            b"---\nid: \xff\n---\n",
            "---\nid: x\nmetrics: [{baseline: 247.93679340997514, target: 1e-300}]\nmin: -9223372036854775808\nmax: 18446744073709551615\n---\n".as_bytes(),
            "---\nid: x\n---\n## Résumé\n\nDéjà vu [lien](é.md)\n".as_bytes(),
        ];
        for (i, bytes) in odd.iter().enumerate() {
            samples.push((PathBuf::from(format!("plans/odd-{i}.md")), bytes.to_vec()));
        }
        samples
    }

    /// The example plans alone.
    fn examples() -> Vec<(PathBuf, Vec<u8>)> {
        let plans = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
        let mut examples: Vec<_> = samples()
            .into_iter()
            .filter(|(path, _)| path.starts_with(&plans))
            .collect();
        examples.sort();
        examples
    }

    #[test]
    fn a_plan_restored_is_the_plan_parsed() {
        let schema = Schema::builtin();
        for (path, bytes) in samples() {
            let parsed = PlanFile::parse(path.clone(), &bytes, &schema);
            let Some(entry) = encode(&parsed) else {
                assert!(
                    parsed.text.is_empty(),
                    "{}: only non-UTF-8 is not kept",
                    path.display()
                );
                continue;
            };
            let restored = restore(&path, bytes, &entry).expect("the entry reads back");
            assert_eq!(
                format!("{restored:?}"),
                format!("{parsed:?}"),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn a_damaged_entry_is_not_read() {
        let schema = Schema::builtin();
        let (path, bytes) = examples().swap_remove(0);
        let entry = encode(&PlanFile::parse(path.clone(), &bytes, &schema)).unwrap();
        // Cut anywhere, an entry reads as nothing rather than as part of a plan.
        for len in 0..entry.len() {
            assert!(
                restore(&path, bytes.clone(), &entry[..len]).is_err(),
                "cut at {len}"
            );
        }
        // A body said to start past the end of the text is refused, and the bytes come back.
        let short = &bytes[..10];
        assert_eq!(restore(&path, short.to_vec(), &entry).unwrap_err(), short);
        // So is one said to start inside a character.
        let text = "---\nid: x\n---\né\n";
        let mut file = PlanFile::parse(path.clone(), text.as_bytes(), &schema);
        file.body.as_mut().unwrap().offset = text.find('é').unwrap() + 1;
        let entry = encode(&file).unwrap();
        assert!(restore(&path, text.as_bytes().to_vec(), &entry).is_err());
        // A position stepping past any line is refused, not added up.
        let mut forged = EntryWriter {
            e: Encoder::unnumbered(),
            line: 0,
        };
        forged.uint(1);
        forged.str_kept("schema");
        forged.uint(u64::MAX - 1);
        assert!(decode(&forged.e.into_bytes()).is_none());
    }

    #[test]
    fn the_cache_keeps_plans_for_the_next_run_and_forgets_changed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        crate::git::testing::git(root, &["init", "--quiet"]);
        let schema = Schema::builtin();
        let mut plans: Vec<(PathBuf, Vec<u8>)> = examples().into_iter().take(3).collect();
        // A file that is not text has nothing to keep: it is parsed each time, and changes
        // nothing in the file.
        plans.push((
            PathBuf::from("plans/not-text.md"),
            b"---\nid: \xff\n---\n".to_vec(),
        ));
        let run = |plans: &[(PathBuf, Vec<u8>)]| {
            let mut cache = ParseCache::open(root, &schema).unwrap();
            cache.writes = true; // as outside CI, wherever the tests run
            let files: Vec<String> = plans
                .iter()
                .map(|(path, bytes)| format!("{:?}", cache.parse(path, bytes.clone(), &schema)))
                .collect();
            let found = cache
                .seen
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, seen)| *seen == Seen::Found)
                .count();
            cache.save(root);
            (files, found)
        };
        let (first, found) = run(&plans);
        assert_eq!(found, 0);
        let file = root.join(".git").join(FILE);
        // Each write puts a new file in place: its identity (inode) says whether it was written.
        let identity = |file: &Path| {
            let meta = std::fs::metadata(file).unwrap();
            #[cfg(unix)]
            return std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            return meta.modified().unwrap();
        };
        let written = identity(&file);
        let (second, found) = run(&plans);
        assert_eq!((second, found), (first.clone(), 3));
        assert_eq!(identity(&file), written, "nothing new, nothing written");
        // A plan whose bytes changed is parsed again.
        let mut changed = plans.clone();
        changed[1].1.extend_from_slice(b"\nOne more line.\n");
        let (third, found) = run(&changed);
        assert_eq!(found, 2);
        assert_ne!(third[1], first[1]);
        assert_eq!(run(&changed).1, 3);
        // A run that reads some plans keeps the others, unless their files are gone.
        let gone = (PathBuf::from("plans/gone.md"), changed[0].1.clone());
        assert_eq!(run(std::slice::from_ref(&gone)).1, 0);
        assert_eq!(run(&changed).1, 3, "a run of one plan keeps the others");
        assert_eq!(run(&[gone]).1, 0, "a plan whose file is gone is let go");
        assert_eq!(run(&changed).1, 3);
        // Another schema, or a damaged file: everything is parsed again.
        let other = Schema::from_file(&{
            let path = root.join("schema.json");
            std::fs::write(&path, r#"{"type": "object"}"#).unwrap();
            path
        })
        .unwrap();
        let cache = ParseCache::open(root, &other).unwrap();
        assert!(cache.entries.is_empty(), "written for another schema");
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        std::fs::write(&file, &bytes).unwrap();
        let (fourth, found) = run(&changed);
        assert_eq!(fourth, third);
        assert!(found < 3, "the damaged entry is parsed again");
    }
}
