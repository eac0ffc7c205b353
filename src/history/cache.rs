//! The history cache in `.git/planbook/`: the walk up to the last HEAD seen and the field
//! changes already computed, so that a repeated `log` walks only new commits and reads only
//! new blobs. It is a cache: anything unreadable, damaged or from another version is ignored
//! and computed again.
//!
//! It is a compact binary file (see [`crate::binary`]), written atomically: for
//! 50,000 commits and 100,000 revisions the JSON it replaced took 150 MB and most of a warm
//! `log`'s time to read.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Oid, Repository};
use serde::{Deserialize, Serialize};

use crate::binary::{Decoder, Encoder};
use crate::history::message::Trailer;

use crate::history::diff::FieldChange;
use crate::history::signoff::SignoffEntry;
use crate::history::time::CommitTime;
use crate::history::walk::{self, Author, ChangeKind, Commit, FileChange, Walk};

/// Bumped whenever what is cached is computed differently (3: unreadable front matter compared
/// field by field; 4: committers, raw identities, sign-off entries and field digests; 5: only
/// the fields a sign-off can cover are digested; 6: the binary format; 7: lists keyed by `rule`
/// too, for waivers; 8: commit times as seconds and offset; 9: 128-bit field digests; 10: every
/// part of a digested value tagged and length-prefixed, numbers exact; 11: the commit graph;
/// 12: an octopus pull-request merge numbers every branch it brings in; 13: a merge that
/// writes a plan a branch moved keeps the move).
const VERSION: u64 = 13;
const FILE: &str = "planbook/history-cache.bin";
/// The JSON cache of earlier versions, removed when the binary one is written.
const OLD_FILE: &str = "planbook/history-cache.json";
const MAGIC: &[u8] = b"planbook history cache\n";
/// The largest cache file read (one for 50,000 commits and 10,000 plans is about 40 MB); a
/// larger one is damaged, and is not read into memory.
const MAX_FILE_BYTES: u64 = 2 << 30;

/// What comparing one revision with the one before found. Shared between the cache and the
/// revisions that use it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Computed {
    pub(crate) changes: Arc<[FieldChange]>,
    /// The sign-offs the revision carries.
    pub(crate) signoffs: Arc<[SignoffEntry]>,
    /// A digest of each top-level field (see [`crate::history::Snapshot::field_digests`]).
    pub(crate) fields: Arc<[(String, crate::history::diff::FieldDigest)]>,
}

/// A revision's blobs (`old`, `new`) and what comparing them found, encoded at once.
pub(crate) type Compared = (Option<String>, String, Encoded);

/// A [`Computed`] in the cache's byte format, with its own strings: what is held of each
/// revision compared on this run (a tenth of its size decoded; a cold walk of 100,000
/// revisions held 400 MB of them), decoded when asked.
pub(crate) struct Encoded(Box<[u8]>);

impl Encoded {
    pub(crate) fn of(computed: &Computed) -> Encoded {
        let mut e = Encoder::new(b"");
        encode_entry(&mut e, computed);
        Encoded(e.into_bytes().into_boxed_slice())
    }

    /// What it holds: its field changes when `changes`, else none (they are read past).
    pub(crate) fn read(&self, changes: bool) -> Option<Computed> {
        read_entry(&mut Decoder::plain(&self.0), changes)
    }
}

#[derive(Default)]
pub(crate) struct Cache {
    plans: String,
    /// The HEAD the cached walk went from and the shape of the history it went through, as
    /// `"<commit> <shape>"` (see [`crate::git::history_shape`]).
    head: Option<String>,
    walk: Option<Walk>,
    /// Computed on this run.
    diffs: HashMap<String, Encoded>,
    /// Read from the file.
    stored: Stored,
    changed: bool,
}

/// What the cache file holds of each revision: where it is in the file, decoded only when
/// asked. Verifying sign-offs needs no field changes, and on a long history they are most of
/// what the file holds (decoded, ten times its size); a `build` asks for each revision's
/// sign-offs and digests once, while it writes that plan's page, so they are not held either.
#[derive(Default)]
struct Stored {
    /// The file without its checksum.
    body: Vec<u8>,
    /// Every string of the file, by number, as `(offset, length)` in `body`.
    table: Vec<(u32, u32)>,
    /// Where each revision's field changes start (its sign-offs and digests follow them).
    entries: HashMap<String, usize>,
}

impl Stored {
    fn decoder(&self, at: usize) -> Decoder<'_> {
        Decoder::resume(&self.body, at, &self.table)
    }

    /// What the revision at `at` holds: its field changes when `changes`, else none (they
    /// are read past).
    fn read(&self, at: usize, changes: bool) -> Option<Computed> {
        read_entry(&mut self.decoder(at), changes)
    }

    fn computed(&self, at: usize) -> Option<Computed> {
        self.read(at, true)
    }
}

/// A revision as [`encode_entry`] wrote it: its field changes when `changes`, else none.
fn read_entry(d: &mut Decoder, changes: bool) -> Option<Computed> {
    let changes = if changes {
        read_changes(d)?.into()
    } else {
        skip_changes(d)?;
        Vec::new().into()
    };
    let (signoffs, fields) = read_evidence(d)?;
    Some(Computed {
        changes,
        signoffs: signoffs.into(),
        fields: fields.into(),
    })
}

type Evidence = (
    Vec<SignoffEntry>,
    Vec<(String, crate::history::diff::FieldDigest)>,
);

/// A revision's sign-offs and field digests, as [`encode`] wrote them after its changes.
fn read_evidence(d: &mut Decoder) -> Option<Evidence> {
    let k = d.count()?;
    let signoffs = (0..k)
        .map(|_| {
            Some(SignoffEntry {
                person: d.string()?,
                role: d.opt_string()?,
                date: d.string()?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let k = d.count()?;
    let fields = (0..k)
        .map(|_| Some((d.string()?, d.digest()?)))
        .collect::<Option<Vec<_>>>()?;
    Some((signoffs, fields))
}

/// Reads past what [`read_evidence`] reads, checking its shape.
fn skip_evidence(d: &mut Decoder) -> Option<()> {
    for _ in 0..d.count()? {
        d.str()?;
        if d.flag()? {
            d.str()?;
        }
        d.str()?;
    }
    for _ in 0..d.count()? {
        d.str()?;
        d.digest()?;
    }
    Some(())
}

fn key(old: Option<&str>, new: &str) -> String {
    format!("{}..{new}", old.unwrap_or(""))
}

impl Cache {
    /// Reads the cache of the repository at `git_dir` for the plans folder `plans`.
    pub(crate) fn load(git_dir: &Path, plans: &Path, covers: &[String]) -> Cache {
        let plans = format!(
            "{}|{}",
            crate::diagnostic::display_path(plans),
            covers.join(",")
        );
        // A FIFO or a device in its place is not read (it could block or never end).
        let stored = crate::read::read_up_to(&git_dir.join(FILE), MAX_FILE_BYTES)
            .ok()
            .and_then(|bytes| read(bytes, &plans));
        match stored {
            Some((head, walk, stored)) => Cache {
                plans,
                head,
                walk: Some(walk),
                diffs: HashMap::new(),
                stored,
                changed: false,
            },
            None => Cache {
                plans,
                ..Cache::default()
            },
        }
    }

    /// The walk from `head` in a history of `shape` (see [`crate::git::history_shape`]): the
    /// cached one, extended with the commits made since.
    pub(crate) fn walk_to(
        &mut self,
        git: &Repository,
        head: Oid,
        shape: &str,
        plans: &Path,
        seen: &mut dyn FnMut(Option<&str>, &str),
    ) -> Result<Walk, git2::Error> {
        // The walk is the history of a HEAD of a shape: cut by the same shallow boundary and
        // grafts. A clone deepened since has a longer history for the same HEAD.
        let cached_head = self
            .head
            .as_deref()
            .and_then(|h| h.split_once(' '))
            .filter(|(_, cached_shape)| *cached_shape == shape)
            .and_then(|(h, _)| Oid::from_str(h).ok());
        let cached = self.walk.take();
        let walk = match (cached_head, cached) {
            (Some(old), Some(walk)) if old == head => walk,
            (Some(old), Some(mut known)) if git.graph_descendant_of(head, old).unwrap_or(false) => {
                let mut new = walk::walk(git, head, Some(old), plans, seen)?;
                let shift = new.commits.len();
                for change in &mut known.changes {
                    change.commit += shift;
                }
                new.commits.append(&mut known.commits);
                new.changes.append(&mut known.changes);
                new.graph.append(&known.graph)?;
                self.changed = true;
                new
            }
            _ => {
                self.changed = true;
                walk::walk(git, head, None, plans, seen)?
            }
        };
        self.head = Some(format!("{head} {shape}"));
        Ok(walk)
    }

    /// What was computed for the revision from `old` to `new`, on this run or an earlier one.
    pub(crate) fn diff(&self, old: Option<&str>, new: &str) -> Option<Computed> {
        let key = key(old, new);
        if let Some(encoded) = self.diffs.get(&key) {
            return encoded.read(true);
        }
        self.stored.computed(*self.stored.entries.get(&key)?)
    }

    /// The same without the field changes (left empty): what verifying sign-offs needs.
    pub(crate) fn evidence(&self, old: Option<&str>, new: &str) -> Option<Computed> {
        let key = key(old, new);
        if let Some(encoded) = self.diffs.get(&key) {
            return encoded.read(false);
        }
        self.stored.read(*self.stored.entries.get(&key)?, false)
    }

    /// Whether the revision from `old` to `new` was computed.
    pub(crate) fn contains(&self, old: Option<&str>, new: &str) -> bool {
        let key = key(old, new);
        self.diffs.contains_key(&key) || self.stored.entries.contains_key(&key)
    }

    /// Records what was computed for a revision.
    #[cfg(test)]
    pub(crate) fn insert(&mut self, old: Option<&str>, new: &str, computed: &Computed) {
        self.insert_with(old, new, || Encoded::of(computed));
    }

    /// Records revisions already encoded (see [`Encoded`]), as `(old blob, new blob, what was
    /// found)`.
    pub(crate) fn insert_compared(&mut self, compared: impl IntoIterator<Item = Compared>) {
        for (old, new, encoded) in compared {
            self.insert_with(old.as_deref(), &new, || encoded);
        }
    }

    /// Records the revision from `old` to `new`, encoded by `encoded` unless already there.
    fn insert_with(&mut self, old: Option<&str>, new: &str, encoded: impl FnOnce() -> Encoded) {
        if self.contains(old, new) {
            return;
        }
        self.diffs.insert(key(old, new), encoded());
        self.changed = true;
    }

    /// Writes the cache atomically; failures are ignored (the next run recomputes), and not
    /// tried again on this run unless more is computed (a read-only `.git` is not encoded
    /// for nothing twice).
    pub(crate) fn save(&mut self, git_dir: &Path, walk: &Walk) {
        if !self.changed {
            return;
        }
        self.changed = false;
        let path: PathBuf = git_dir.join(FILE);
        let Some(dir) = path.parent() else { return };
        let Ok(mut temp) = crate::atomic::cache_temp_file_in(dir) else {
            return;
        };
        let encoded = self.encode_file(walk).or_else(|| {
            self.drop_unreadable();
            self.encode_file(walk)
        });
        let Some(written) = encoded else { return };
        if temp.as_file_mut().write_all(&written.bytes).is_ok() && temp.persist(&path).is_ok() {
            let _ = std::fs::remove_file(git_dir.join(OLD_FILE));
        }
        // Every revision is now in the file's bytes, read when asked, as those of a cache
        // loaded from the file are: about half the memory of the revisions computed.
        if let Some(stored) = written.into_stored() {
            self.stored = stored;
            self.diffs = HashMap::new();
        }
    }

    /// Leaves out every revision that cannot be read back (it is computed again when asked),
    /// so that the cache repairs itself.
    fn drop_unreadable(&mut self) {
        let stored = &self.stored;
        let unreadable: Vec<String> = stored
            .entries
            .iter()
            .filter(|(_, at)| stored.computed(**at).is_none())
            .map(|(key, _)| key.clone())
            .collect();
        for key in unreadable {
            self.stored.entries.remove(&key);
        }
        self.diffs.retain(|_, encoded| encoded.read(true).is_some());
    }

    /// The cache file's bytes: what the file held with what was computed since, one revision
    /// decoded at a time; `None` when one cannot be read back.
    fn encode_file(&self, walk: &Walk) -> Option<Written> {
        let mut all: Vec<(&String, Entry)> = self
            .stored
            .entries
            .iter()
            .map(|(key, at)| (key, Entry::Stored(*at)))
            .chain(self.diffs.iter().map(|(key, e)| (key, Entry::Computed(e))))
            .collect();
        all.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let read = |entry: &Entry| match entry {
            Entry::Stored(at) => self.stored.computed(*at),
            Entry::Computed(encoded) => encoded.read(true),
        };
        // Generous: what the file held, what was computed since, and the walk again.
        let size_hint = self.stored.body.len()
            + self.diffs.values().map(|e| e.0.len()).sum::<usize>()
            + 256 * (walk.commits.len() + walk.changes.len())
            + 64 * walk.graph.len();
        encode(
            &self.plans,
            self.head.as_deref(),
            walk,
            &all,
            read,
            size_hint,
        )
    }
}

/// Where a revision's computed changes are held.
enum Entry<'a> {
    Stored(usize),
    Computed(&'a Encoded),
}

/// The cache file written by [`encode`], with what reads its revisions without decoding it
/// again.
struct Written {
    bytes: Vec<u8>,
    /// The table of its strings (see [`Stored`]), `None` past 4 GiB.
    table: Option<Vec<(u32, u32)>>,
    /// Where each revision starts.
    entries: HashMap<String, usize>,
}

impl Written {
    /// The file as a cache loaded from it holds it.
    fn into_stored(self) -> Option<Stored> {
        let mut body = self.bytes;
        body.truncate(body.len().checked_sub(8)?);
        Some(Stored {
            body,
            table: self.table?,
            entries: self.entries,
        })
    }
}

/// The cache's bytes, with the revisions `entries` (in key order, so that the same cache is
/// the same file), each decoded by `read` as it is written; `None` if one cannot be.
fn encode<'w, E>(
    plans: &'w str,
    head: Option<&'w str>,
    walk: &'w Walk,
    entries: &[(&'w String, E)],
    read: impl Fn(&E) -> Option<Computed>,
    size_hint: usize,
) -> Option<Written> {
    let mut e = Encoder::file(MAGIC, size_hint);
    e.uint(VERSION);
    e.str_kept(plans);
    e.opt_str_kept(head);
    e.uint(walk.commits.len() as u64);
    for c in &walk.commits {
        e.str_kept(&c.id);
        for who in [&c.author, &c.committer] {
            e.str_kept(&who.name);
            e.str_kept(&who.email);
        }
        e.flag(c.signed);
        // Seconds since the epoch as their two's-complement bits, the offset likewise.
        e.u64_fixed(c.date.instant().as_second() as u64);
        e.uint(u64::from(c.date.offset_seconds() as u32));
        e.str_kept(&c.summary);
        e.uint(c.pr.map_or(0, |n| n.saturating_add(1)));
        e.uint(c.trailers.len() as u64);
        for t in c.trailers.iter() {
            e.str_kept(&t.key);
            e.str_kept(&t.value);
        }
    }
    e.uint(walk.changes.len() as u64);
    for c in &walk.changes {
        e.uint(c.commit as u64);
        e.uint(match c.status {
            ChangeKind::Added => 0,
            ChangeKind::Modified => 1,
            ChangeKind::Deleted => 2,
            ChangeKind::Renamed => 3,
        });
        e.str_kept(&c.path);
        e.opt_str_kept(c.old_path.as_deref());
        e.opt_str_kept(c.old_blob.as_deref());
        e.opt_str_kept(c.new_blob.as_deref());
        e.uint(c.other_parents.len() as u64);
        for p in &c.other_parents {
            e.str_kept(p);
        }
    }
    e.uint(walk.graph.len() as u64);
    for (id, parents) in walk.graph.iter() {
        e.bytes(id.as_bytes());
        e.uint(parents.len() as u64);
        for p in parents.iter() {
            e.bytes(p.as_bytes());
        }
    }
    e.uint(entries.len() as u64);
    let mut at = HashMap::with_capacity(entries.len());
    for (key, entry) in entries {
        e.str_kept(key);
        at.insert(key.to_string(), e.position());
        encode_entry(&mut e, &read(entry)?);
    }
    let (bytes, table) = e.finish();
    Some(Written {
        bytes,
        table,
        entries: at,
    })
}

/// A revision's field changes, sign-offs and field digests.
fn encode_entry(e: &mut Encoder, computed: &Computed) {
    e.uint(computed.changes.len() as u64);
    for change in computed.changes.iter() {
        match change {
            FieldChange::Body { field, sections } => {
                e.uint(0);
                e.str(field);
                e.uint(sections.len() as u64);
                for s in sections {
                    e.str(s);
                }
            }
            FieldChange::Field { field, from, to } => {
                e.uint(1);
                e.str(field);
                e.value(from);
                e.value(to);
            }
        }
    }
    e.uint(computed.signoffs.len() as u64);
    for s in computed.signoffs.iter() {
        e.str(&s.person);
        e.opt_str(s.role.as_deref());
        e.str(&s.date);
    }
    e.uint(computed.fields.len() as u64);
    for (field, digest) in computed.fields.iter() {
        e.str(field);
        e.digest(digest);
    }
}

type Decoded = (Option<String>, Walk, Stored);

/// The cache file's `bytes`, if they are an undamaged cache of this version for `plans`.
fn read(mut bytes: Vec<u8>, plans: &str) -> Option<Decoded> {
    let (head, walk, table, entries) = decode(&bytes, plans)?;
    bytes.truncate(bytes.len().checked_sub(8)?);
    Some((
        head,
        walk,
        Stored {
            body: bytes,
            table,
            entries,
        },
    ))
}

type Parts = (
    Option<String>,
    Walk,
    Vec<(u32, u32)>,
    HashMap<String, usize>,
);

/// What [`encode`] wrote, if `bytes` are an undamaged cache of this version for `plans`.
fn decode(bytes: &[u8], plans: &str) -> Option<Parts> {
    let mut d = Decoder::new(bytes, MAGIC)?;
    if d.uint()? != VERSION || d.str()? != plans {
        return None;
    }
    let head = d.opt_string()?;
    let n = d.count()?;
    let mut commits = Vec::with_capacity(n);
    for _ in 0..n {
        let id = d.string()?;
        let mut who = || -> Option<Author> {
            Some(Author {
                name: d.string()?,
                email: d.string()?,
            })
        };
        let (author, committer) = (who()?, who()?);
        let signed = d.flag()?;
        let seconds = d.u64_fixed()? as i64;
        let offset = u32::try_from(d.uint()?).ok()? as i32;
        let date = CommitTime::from_parts(seconds, offset)?;
        let summary = d.string()?;
        let pr = d.uint()?.checked_sub(1);
        let n = d.count()?;
        let trailers = (0..n)
            .map(|_| {
                Some(Trailer {
                    key: d.string()?,
                    value: d.string()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        commits.push(Commit {
            approvers: Default::default(),
            id,
            author,
            committer,
            signed,
            date,
            summary,
            pr,
            trailers: trailers.into(),
        });
    }
    let n = d.count()?;
    let mut changes = Vec::with_capacity(n);
    for _ in 0..n {
        let commit = usize::try_from(d.uint()?).ok()?;
        if commit >= commits.len() {
            return None;
        }
        let status = match d.uint()? {
            0 => ChangeKind::Added,
            1 => ChangeKind::Modified,
            2 => ChangeKind::Deleted,
            3 => ChangeKind::Renamed,
            _ => return None,
        };
        let path = d.string()?;
        let old_path = d.opt_string()?;
        let old_blob = d.opt_string()?;
        let new_blob = d.opt_string()?;
        let k = d.count()?;
        let other_parents = (0..k).map(|_| d.string()).collect::<Option<Vec<_>>>()?;
        changes.push(FileChange {
            commit,
            status,
            path,
            old_path,
            old_blob,
            new_blob,
            other_parents,
        });
    }
    let n = d.count()?;
    let mut graph = crate::history::graph::Edges::default();
    for _ in 0..n {
        let id = Oid::from_bytes(d.bytes()?).ok()?;
        let k = d.count()?;
        let parents = (0..k)
            .map(|_| Oid::from_bytes(d.bytes()?).ok())
            .collect::<Option<Vec<Oid>>>()?;
        graph.push(id, parents).ok()?;
    }
    let n = d.count()?;
    let mut entries = HashMap::with_capacity(n);
    for _ in 0..n {
        let key = d.string()?;
        // The field changes are read past (their strings numbered) and decoded when asked.
        let at = d.position();
        skip_changes(&mut d)?;
        skip_evidence(&mut d)?;
        entries.insert(key, at);
    }
    if !d.at_end() {
        return None;
    }
    let table = d.string_table()?;
    let walk = Walk {
        commits,
        changes,
        graph,
    };
    Some((head, walk, table, entries))
}

/// A revision's field changes, as [`encode`] wrote them.
fn read_changes(d: &mut Decoder) -> Option<Vec<FieldChange>> {
    let k = d.count()?;
    let mut out = Vec::with_capacity(k);
    for _ in 0..k {
        out.push(match d.uint()? {
            0 => {
                let field = d.string()?;
                let m = d.count()?;
                let sections = (0..m).map(|_| d.string()).collect::<Option<Vec<_>>>()?;
                FieldChange::Body { field, sections }
            }
            1 => FieldChange::Field {
                field: d.string()?,
                from: d.value()?,
                to: d.value()?,
            },
            _ => return None,
        });
    }
    Some(out)
}

/// Reads past a revision's field changes without building them.
fn skip_changes(d: &mut Decoder) -> Option<()> {
    for _ in 0..d.count()? {
        match d.uint()? {
            0 => {
                d.str()?;
                for _ in 0..d.count()? {
                    d.str()?;
                }
            }
            1 => {
                d.str()?;
                d.skip_value()?;
                d.skip_value()?;
            }
            _ => return None,
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Walk, HashMap<String, Computed>) {
        let who = |n: &str| Author {
            name: n.to_string(),
            email: format!("{n}@example.com"),
        };
        let commit = |id: &str, pr: Option<u64>| Commit {
            approvers: Default::default(),
            id: id.to_string(),
            author: who("ana"),
            committer: who("bot"),
            signed: pr.is_some(),
            date: "1969-07-20T16:17:40-03:30".parse().unwrap(),
            summary: "Raise the target".to_string(),
            pr,
            trailers: vec![Trailer {
                key: "Approved-by".to_string(),
                value: "Ben <ben@example.com>".to_string(),
            }]
            .into(),
        };
        let walk = Walk {
            commits: vec![commit("b", Some(0)), commit("a", None)],
            changes: vec![
                FileChange {
                    commit: 0,
                    status: ChangeKind::Renamed,
                    path: "plans/b.md".to_string(),
                    old_path: Some("plans/a.md".to_string()),
                    old_blob: Some("01".to_string()),
                    new_blob: Some("02".to_string()),
                    other_parents: vec!["03".to_string()],
                },
                FileChange {
                    commit: 1,
                    status: ChangeKind::Added,
                    path: "plans/a.md".to_string(),
                    old_path: None,
                    old_blob: None,
                    new_blob: Some("01".to_string()),
                    other_parents: Vec::new(),
                },
            ],
            graph: {
                let id = |b: u8| Oid::from_bytes(&[b; 20]).unwrap();
                let mut graph = crate::history::graph::Edges::default();
                graph.push(id(2), [id(1), id(3)]).unwrap();
                graph.push(id(3), [id(1)]).unwrap();
                graph.push(id(1), []).unwrap();
                graph
            },
        };
        let computed = Computed {
            changes: vec![
                FieldChange::Body {
                    field: "body".to_string(),
                    sections: vec!["Summary".to_string()],
                },
                FieldChange::Field {
                    field: "metrics.bookings.target".to_string(),
                    from: serde_json::json!(500000),
                    to: serde_json::json!({"a": [1.5, null]}),
                },
            ]
            .into(),
            signoffs: vec![SignoffEntry {
                person: "ben".to_string(),
                role: None,
                date: "2026-01-05".to_string(),
            }]
            .into(),
            fields: vec![("metrics".to_string(), [42; 16])].into(),
        };
        // A second revision whose strings were all written with the first: read lazily, its
        // field changes refer back to them.
        let mut again = computed.clone();
        again.changes = computed.changes.iter().rev().cloned().collect();
        let diffs = HashMap::from([
            (key(Some("01"), "02"), computed),
            (key(Some("02"), "03"), again),
        ]);
        (walk, diffs)
    }

    #[test]
    fn the_cache_reads_back_what_it_wrote_and_only_for_its_plans() {
        let (walk, diffs) = sample();
        let mut entries: Vec<(&String, &Computed)> = diffs.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let written = encode(
            "plans|metrics",
            Some("b"),
            &walk,
            &entries,
            |c| Some((*c).clone()),
            0,
        )
        .unwrap();
        let bytes = written.bytes;
        let (head, read_walk, stored) = read(bytes.clone(), "plans|metrics").unwrap();
        assert_eq!(head.as_deref(), Some("b"));
        assert_eq!(
            serde_json::to_value(&read_walk).unwrap(),
            serde_json::to_value(&walk).unwrap()
        );
        assert_eq!(read_walk.graph, walk.graph);
        let read_diffs: HashMap<&String, Computed> = stored
            .entries
            .iter()
            .map(|(k, at)| (k, stored.computed(*at).unwrap()))
            .collect();
        assert_eq!(
            serde_json::to_value(&read_diffs).unwrap(),
            serde_json::to_value(&diffs).unwrap()
        );
        // Sign-off evidence without the field changes.
        let cache = Cache {
            stored,
            ..Cache::default()
        };
        let evidence = cache.evidence(Some("02"), "03").unwrap();
        assert!(evidence.changes.is_empty());
        assert_eq!(
            evidence.fields[..],
            diffs[&key(Some("02"), "03")].fields[..]
        );
        assert!(cache.contains(Some("01"), "02") && !cache.contains(None, "02"));
        // Another plans folder or covered fields: not this cache.
        assert!(read(bytes.clone(), "plans|metrics,period").is_none());
        // Any damage: no cache, never a wrong one.
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] = damaged[i].wrapping_add(1);
            assert!(read(damaged, "plans|metrics").is_none(), "byte {i}");
        }
    }

    #[test]
    fn a_damaged_cache_file_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let (walk, diffs, mut cache) = sample_cache(dir.path());
        // Held encoded, read back whole.
        assert_eq!(
            serde_json::to_value(cache.diff(Some("02"), "03").unwrap()).unwrap(),
            serde_json::to_value(&diffs[&key(Some("02"), "03")]).unwrap()
        );
        cache.save(dir.path(), &walk);
        let path = dir.path().join(FILE);
        let mut loaded = Cache::load(dir.path(), Path::new("plans"), &[]);
        assert!(loaded.walk.is_some());
        // Saved again with one more revision: what was read lazily is written back whole.
        let (_, more) = sample();
        let extra = more[&key(Some("01"), "02")].clone();
        loaded.insert(Some("03"), "04", &extra);
        loaded.save(dir.path(), &walk);
        let reloaded = Cache::load(dir.path(), Path::new("plans"), &[]);
        for (old, new) in [(Some("01"), "02"), (Some("02"), "03"), (Some("03"), "04")] {
            let want = if new == "04" {
                &more[&key(Some("01"), "02")]
            } else {
                &diffs_of(&more, old, new)
            };
            assert_eq!(
                serde_json::to_value(reloaded.diff(old, new).unwrap()).unwrap(),
                serde_json::to_value(want).unwrap()
            );
        }
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&path, bytes).unwrap();
        let loaded = Cache::load(dir.path(), Path::new("plans"), &[]);
        assert!(loaded.walk.is_none() && !loaded.contains(Some("01"), "02"));
    }

    /// Once saved, revisions are read from the file's bytes, as a loaded cache reads them,
    /// and saved again from there.
    #[test]
    fn a_saved_cache_reads_its_revisions_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (walk, diffs, mut cache) = sample_cache(dir.path());
        cache.save(dir.path(), &walk);
        assert!(cache.diffs.is_empty());
        let extra = key(Some("09"), "10");
        cache.insert(Some("09"), "10", &diffs[&key(Some("02"), "03")]);
        cache.save(dir.path(), &walk);
        let again = Cache::load(dir.path(), Path::new("plans"), &[]);
        let expected = diffs
            .iter()
            .chain([(&extra, &diffs[&key(Some("02"), "03")])]);
        for (key, computed) in expected {
            let (old, new) = blobs(key);
            for read in [&cache, &again] {
                assert_eq!(
                    serde_json::to_value(read.diff(old, new).unwrap()).unwrap(),
                    serde_json::to_value(computed).unwrap()
                );
            }
        }
    }

    /// A walk extended from the cached one keeps the whole commit graph: built from it, the
    /// graph answers every ancestry question as git does, through merges of two and three
    /// parents.
    #[test]
    fn an_extended_walk_keeps_the_whole_commit_graph() {
        use crate::history::graph::Graph;
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let commit = |message: &str, parents: &[Oid]| {
            let id = crate::git::testing::empty_commit(&git, message, parents);
            git.set_head_detached(id).unwrap();
            id
        };
        let plans = Path::new("plans");
        let shape = crate::git::history_shape(&git);
        let a = commit("a", &[]);
        let b = commit("b", &[a]);
        let c = commit("c", &[b]);
        let mut cache = Cache::load(git.path(), plans, &[]);
        let walk = cache
            .walk_to(&git, c, &shape, plans, &mut |_, _| {})
            .unwrap();
        cache.save(git.path(), &walk);
        let d = commit("d", &[a]);
        let e = commit("e", &[b]);
        let f = commit("f", &[c, d, e]);
        let g = commit("g", &[f, d]);
        let mut cache = Cache::load(git.path(), plans, &[]);
        assert!(cache.walk.is_some(), "the walk to c is cached");
        let walk = cache
            .walk_to(&git, g, &shape, plans, &mut |_, _| {})
            .unwrap();
        assert_eq!(walk.graph.len(), 7);
        let extended = Graph::of_walk(&walk).expect("every parent walked");
        let all = [a, b, c, d, e, f, g];
        for x in all {
            let parents: Vec<Oid> = git.find_commit(x).unwrap().parent_ids().collect();
            assert_eq!(extended.parents_of(x), Some(parents), "{x}");
            for y in all {
                let git_says = git.graph_descendant_of(x, y).unwrap();
                assert_eq!(extended.descends(x, y), Some(git_says), "{x} {y}");
            }
        }
        assert_eq!(extended.descends(g, e), Some(true));
        assert_eq!(extended.descends(d, b), Some(false));
    }

    /// A cache in `dir`, not saved yet, holding every revision of [`sample`].
    fn sample_cache(dir: &Path) -> (Walk, HashMap<String, Computed>, Cache) {
        let (walk, diffs) = sample();
        let mut cache = Cache::load(dir, Path::new("plans"), &[]);
        for (key, computed) in &diffs {
            let (old, new) = blobs(key);
            cache.insert(old, new, computed);
        }
        (walk, diffs, cache)
    }

    /// The blobs of a cache key.
    fn blobs(key: &str) -> (Option<&str>, &str) {
        let (old, new) = key.split_once("..").unwrap();
        ((!old.is_empty()).then_some(old), new)
    }

    #[test]
    fn a_revision_that_cannot_be_read_back_is_left_out_and_the_rest_saved() {
        let dir = tempfile::tempdir().unwrap();
        let (walk, diffs) = sample();
        let mut cache = Cache::load(dir.path(), Path::new("plans"), &[]);
        cache.insert(Some("01"), "02", &diffs[&key(Some("01"), "02")]);
        cache
            .diffs
            .insert(key(Some("02"), "03"), Encoded(vec![9, 9, 9].into()));
        cache.changed = true;
        cache.save(dir.path(), &walk);
        let loaded = Cache::load(dir.path(), Path::new("plans"), &[]);
        assert!(loaded.contains(Some("01"), "02"));
        assert!(!loaded.contains(Some("02"), "03"));
        assert!(loaded.diff(Some("01"), "02").is_some());
    }

    fn diffs_of(diffs: &HashMap<String, Computed>, old: Option<&str>, new: &str) -> Computed {
        diffs[&key(old, new)].clone()
    }
}
