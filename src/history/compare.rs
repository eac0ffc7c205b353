//! Reading and comparing the changes a walk finds, while it walks.
//!
//! The walk reports each change to a plan file (`old blob → new blob`) oldest commit first.
//! Changes are cut into lineages (each change after the first starts from the blob the one
//! before it ended with), so that what was read of a revision carries over to the next (see
//! [`fields`]). They are handed over in batches as the walk goes on: one thread reads each
//! batch's blobs in the order the packs store them, and as many threads as rayon has compare,
//! each its share of the lineages, at a lower priority than the walk's. Reading and comparing
//! the first batches of a long history overlaps walking the rest of it; what waits when the
//! walk ends is read as one batch.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use git2::{Oid, Repository};

use crate::error::Error;
use crate::git::packs::{Packs, Place};
use crate::history::{blob_text, cache, fields};

use cache::Compared;

/// A change: the blob a revision starts from (`None` for a file added), and its own.
pub(crate) type Change = (Option<String>, String);

/// What comparing found, with how many changes were left out because an object was missing.
pub(crate) type Found = (Vec<Compared>, usize);

/// The fewest changes handed over at a time while a walk goes on (see [`Handover`]). Each
/// batch's blobs are read delta chain by delta chain, so a chain split between two batches is
/// resolved twice: larger batches read faster, smaller ones leave less to do once the walk
/// ends.
const BATCH: usize = 8_192;

/// Below this many blobs in a batch (and until a batch reaches it), blobs are read in the
/// walk's order: finding where each lies reads every pack index in full.
const FEW_READS: usize = 1024;

/// Runs `walk` on this thread, reading and comparing the changes it reports (oldest first)
/// on others as it goes. Returns what `walk` returned, with what comparing found.
pub(crate) fn beside<T>(
    git_dir: &Path,
    covers: &[String],
    walk: impl FnOnce(&mut dyn FnMut(Option<&str>, &str)) -> T,
) -> Result<(T, Found), Error> {
    run(git_dir, covers, BATCH, FEW_READS, true, |give| {
        walk(&mut |old, new| give((old.map(str::to_string), new.to_string())))
    })
}

/// Reads and compares `changes` (oldest first), as one batch.
pub(crate) fn all(git_dir: &Path, changes: Vec<Change>, covers: &[String]) -> Result<Found, Error> {
    if changes.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let ((), found) = run(git_dir, covers, usize::MAX, FEW_READS, false, |give| {
        for change in changes {
            give(change);
        }
    })?;
    Ok(found)
}

/// Runs `feed`, which gives changes oldest first, handing them at least `batch` at a time to
/// a reading thread; a batch of `few` blobs or more is read in the packs' order. `beside_walk`
/// when `feed` is a walk, which the reading and comparing threads then yield to.
fn run<T>(
    git_dir: &Path,
    covers: &[String],
    batch: usize,
    few: usize,
    beside_walk: bool,
    feed: impl FnOnce(&mut dyn FnMut(Change)) -> T,
) -> Result<(T, Found), Error> {
    let comparers = rayon::current_num_threads().max(1);
    let handover = Handover::new(batch);
    std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(comparers);
        let mut workers = Vec::with_capacity(comparers);
        for _ in 0..comparers {
            let (send, receive) = mpsc::sync_channel::<Message>(256);
            senders.push(send);
            workers.push(scope.spawn(move || {
                if beside_walk {
                    yield_to_the_walk();
                }
                compare(receive, covers)
            }));
        }
        let handover = &handover;
        let reader = scope.spawn(move || {
            if beside_walk {
                yield_to_the_walk();
            }
            read(git_dir, few, handover, senders)
        });
        // Finished however `feed` ends: a walk that panics must not leave the reader waiting
        // (the scope joins it before the panic goes on).
        let finish = Finish(handover);
        let fed = feed(&mut |change| handover.give(change));
        drop(finish);
        let stopped = || Error::Git {
            message: "reading the plans' history failed: a worker stopped".into(),
            help: Some("run `git fsck` to check the repository".into()),
        };
        reader.join().map_err(|_| stopped())?;
        let mut all: Found = (Vec::new(), 0);
        for worker in workers {
            let (mut out, missing) = worker.join().map_err(|_| stopped())?;
            all.0.append(&mut out);
            all.1 += missing;
        }
        Ok((fed, all))
    })
}

/// Lowers this thread's priority below the walk's (Linux; elsewhere nothing). On a machine
/// with as many threads reading and comparing as cores, the walk, which decides when the last
/// batch comes, got half a core and took twice as long; at a lower priority, reading and
/// comparing take what the walk leaves. The threads end with the comparing.
fn yield_to_the_walk() {
    #[cfg(target_os = "linux")]
    // SAFETY: `gettid`, `getpriority` and `setpriority` take and return plain integers.
    unsafe {
        let thread = libc::gettid() as libc::id_t;
        // Ten steps below the thread's own (a process started with `nice -n 15` stays
        // nicer); a negative value, or -1 for an error, counts as 0.
        let now = libc::getpriority(libc::PRIO_PROCESS, thread);
        libc::setpriority(libc::PRIO_PROCESS, thread, (now.max(0) + 10).min(19));
    }
}

/// Tells the reader no more changes will come, when dropped.
struct Finish<'h>(&'h Handover);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// Changes handed to the reader; `last` for the one taken after the walk ended (there is none
/// when the reader had taken everything by then: its lineages are let go with the threads).
struct Batch {
    changes: Vec<Change>,
    last: bool,
}

/// The changes waiting for the reader. It takes all of them when it is free, once there are
/// at least `batch` (or the walk has ended): a reader that keeps up takes batches of about
/// that size, one that does not takes larger ones, and delta chains are split less often.
struct Handover {
    waiting: Mutex<(Vec<Change>, bool)>,
    ready: Condvar,
    batch: usize,
}

impl Handover {
    fn new(batch: usize) -> Handover {
        Handover {
            waiting: Mutex::new((Vec::new(), false)),
            ready: Condvar::new(),
            batch: batch.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (Vec<Change>, bool)> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn give(&self, change: Change) {
        let mut waiting = self.lock();
        waiting.0.push(change);
        if waiting.0.len() >= self.batch {
            self.ready.notify_one();
        }
    }

    /// No more changes will come.
    fn finish(&self) {
        self.lock().1 = true;
        self.ready.notify_one();
    }

    /// The next batch; `None` once the last was taken.
    fn take(&self) -> Option<Batch> {
        let mut waiting = self.lock();
        while waiting.0.len() < self.batch && !waiting.1 {
            waiting = self
                .ready
                .wait(waiting)
                .unwrap_or_else(PoisonError::into_inner);
        }
        let (changes, last) = &mut *waiting;
        if changes.is_empty() && *last {
            return None;
        }
        Some(Batch {
            changes: std::mem::take(changes),
            last: *last,
        })
    }
}

/// A blob to read for a lineage.
struct Read {
    /// The place in the walk's order of the change that needs it.
    order: usize,
    lineage: usize,
    /// Its place among the lineage's reads.
    slot: usize,
    what: Slot,
    /// The lineage's last read.
    last: bool,
}

enum Slot {
    /// The blob the lineage's first change starts from.
    Before(String),
    /// The new blob of a change.
    Change(Change),
}

impl Read {
    fn blob(&self) -> &str {
        match &self.what {
            Slot::Before(blob) | Slot::Change((_, blob)) => blob,
        }
    }
}

/// What the reader hands to a comparer.
enum Message {
    /// A read, with the blob's text (`None` when it is missing).
    Read(Read, Option<String>),
    /// No change will join this lineage any more.
    Ended(usize),
}

/// Which lineage each change joins, across batches.
#[derive(Default)]
struct Lineages {
    /// The lineage that last ended with each blob.
    ends: HashMap<String, usize>,
    /// How many reads each lineage has had.
    slots: Vec<usize>,
    /// How many changes came before.
    seen: usize,
}

impl Lineages {
    /// The reads `changes` need, in the walk's order, with the lineages that no later change
    /// can join. A change joins the lineage that last ended with its old blob (the latest,
    /// when two did), or starts one, which first reads that old blob. With `last`, each
    /// lineage's final read says so.
    fn add(&mut self, changes: Vec<Change>, last: bool) -> (Vec<Read>, Vec<usize>) {
        let mut reads = Vec::with_capacity(changes.len());
        let mut ended = Vec::new();
        for (old, new) in changes {
            let order = self.seen;
            self.seen += 1;
            let lineage = match old.as_deref().and_then(|old| self.ends.remove(old)) {
                Some(at) => at,
                None => {
                    let at = self.slots.len();
                    self.slots.push(0);
                    if let Some(old) = &old {
                        reads.push(self.read(order, at, Slot::Before(old.clone())));
                    }
                    at
                }
            };
            if let Some(before) = self.ends.insert(new.clone(), lineage) {
                ended.push(before);
            }
            reads.push(self.read(order, lineage, Slot::Change((old, new))));
        }
        if last {
            let mut done = HashSet::new();
            for read in reads.iter_mut().rev() {
                read.last = done.insert(read.lineage);
            }
        }
        (reads, ended)
    }

    fn read(&mut self, order: usize, lineage: usize, what: Slot) -> Read {
        let slot = self.slots[lineage];
        self.slots[lineage] += 1;
        Read {
            order,
            lineage,
            slot,
            what,
            last: false,
        }
    }
}

/// The reading thread: each batch's blobs in the packs' order, each handed to the comparer
/// of its lineage.
fn read(git_dir: &Path, few: usize, handover: &Handover, comparers: Vec<SyncSender<Message>>) {
    let mut lineages = Lineages::default();
    let mut git: Option<Option<Repository>> = None;
    let mut packs: Option<Packs> = None;
    let to = |lineage: usize| &comparers[lineage % comparers.len()];
    while let Some(batch) = handover.take() {
        let (mut reads, ended) = lineages.add(batch.changes, batch.last);
        if !reads.is_empty() {
            let git = git
                .get_or_insert_with(|| crate::git::open(git_dir).ok())
                .as_ref();
            if packs.is_none() && reads.len() >= few {
                packs = git.map(Packs::of);
            }
            if let Some(packs) = packs.as_mut() {
                in_pack_order(packs, &mut reads);
            }
            for read in reads {
                let text = git.and_then(|git| blob_text(git, read.blob()));
                // A comparer that stopped is reported when it is joined; the others go on.
                let _ = to(read.lineage).send(Message::Read(read, text));
            }
        }
        for lineage in ended {
            let _ = to(lineage).send(Message::Ended(lineage));
        }
    }
}

/// Puts `reads` (in the walk's order) in the order to read them: delta chain by delta chain
/// (see [`crate::git::packs`]), each read in the walk's order (reading the oldest revision of
/// a file first resolves its chain once and leaves every base on the way in libgit2's cache),
/// and chains in the walk's order of the first change that needs them. So a lineage's blobs
/// arrive about in the order they are compared, wherever the pack put them; a blob in no pack
/// (a loose object) comes at its own place in the walk's order.
fn in_pack_order(packs: &mut Packs, reads: &mut Vec<Read>) {
    let starts: Vec<Option<Place>> = reads
        .iter()
        .map(|read| {
            let id = Oid::from_str(read.blob()).ok()?;
            let place = packs.place(&id)?;
            Some(packs.delta_chain(place).0)
        })
        .collect();
    let mut first: HashMap<Place, usize> = HashMap::new();
    for (read, start) in reads.iter().zip(&starts) {
        if let Some(start) = start {
            first.entry(*start).or_insert(read.order);
        }
    }
    let mut keyed: Vec<_> = std::mem::take(reads)
        .into_iter()
        .zip(starts)
        .map(|(read, start)| {
            let key = match start {
                None => (read.order, None, read.order),
                Some(start) => (first[&start], Some(start), read.order),
            };
            (key, read)
        })
        .collect();
    // Stable: a lineage's first blob stays before the change that starts from it.
    keyed.sort_by_key(|(key, _)| *key);
    reads.extend(keyed.into_iter().map(|(_, read)| read));
}

/// A comparing thread: the reads of its lineages, each compared once the reads before it in
/// its lineage are.
fn compare(messages: Receiver<Message>, covers: &[String]) -> Found {
    let mut progress: HashMap<usize, Progress> = HashMap::new();
    let mut out = Vec::new();
    let mut missing = 0;
    for message in messages {
        match message {
            Message::Ended(lineage) => {
                progress.remove(&lineage);
            }
            Message::Read(read, text) => {
                let lineage = read.lineage;
                let at = progress.entry(lineage).or_default();
                if read.last {
                    at.last = Some(read.slot);
                }
                at.arrived.insert(read.slot, (read.what, text));
                missing += at.advance(covers, &mut out);
                if at.last.is_some_and(|last| at.next > last) {
                    progress.remove(&lineage);
                }
            }
        }
    }
    (out, missing)
}

/// How far the comparison of a lineage has gone, while its blobs arrive in the packs' order.
#[derive(Default)]
struct Progress {
    /// The blobs read and not compared yet, by slot.
    arrived: HashMap<usize, (Slot, Option<String>)>,
    /// The next slot to use.
    next: usize,
    /// The lineage's last slot, once known.
    last: Option<usize>,
    /// What was read of the blob the next change starts from; `None` when it could not be
    /// read (or before the first change, which reads its own).
    before: Option<fields::Kept>,
}

impl Progress {
    /// Compares every change whose blobs have all arrived, in order; returns how many were
    /// left out because a blob was missing.
    fn advance(&mut self, covers: &[String], out: &mut Vec<Compared>) -> usize {
        let mut missing = 0;
        while let Some((what, text)) = self.arrived.remove(&self.next) {
            self.next += 1;
            let (old, new) = match what {
                Slot::Before(_) => {
                    self.before = text.as_deref().map(fields::read);
                    continue;
                }
                Slot::Change(change) => change,
            };
            // `None` when the change starts from a blob that could not be read.
            let before = match old {
                None => Some(None),
                Some(_) => self.before.take().map(Some),
            };
            self.before = match (before, text) {
                (Some(before), Some(after)) => {
                    let (computed, kept) = fields::compare(before.as_ref(), &after, covers);
                    out.push((old, new, cache::Encoded::of(&computed)));
                    Some(kept)
                }
                // Left out; the next change starts from this revision as it is, if it was read.
                (_, after) => {
                    missing += 1;
                    after.as_deref().map(fields::read)
                }
            };
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::{commit_all, git};
    use crate::history::walk;

    /// What comparing each change on its own finds: the reference for reading them in the
    /// packs' order and carrying each revision over to the next.
    fn one_by_one(
        repo: &Repository,
        changes: &[Change],
        covers: &[String],
    ) -> (Vec<(Option<String>, String, String)>, usize) {
        let mut found = Vec::new();
        let mut missing = 0;
        for (old, new) in changes {
            let before = match old {
                None => Some(None),
                Some(old) => blob_text(repo, old).map(|text| Some(fields::read(&text))),
            };
            match (before, blob_text(repo, new)) {
                (Some(before), Some(after)) => {
                    let (computed, _) = fields::compare(before.as_ref(), &after, covers);
                    found.push((old.clone(), new.clone(), format!("{computed:?}")));
                }
                _ => missing += 1,
            }
        }
        found.sort();
        (found, missing)
    }

    /// What comparing `changes` finds, handed over `batch` at a time and read in the packs'
    /// order however few the blobs are.
    fn compared(
        dir: &Path,
        changes: &[Change],
        covers: &[String],
        batch: usize,
    ) -> (Vec<(Option<String>, String, String)>, usize) {
        let ((), (out, missing)) = run(dir, covers, batch, 0, batch != usize::MAX, |give| {
            for change in changes {
                give(change.clone());
            }
        })
        .unwrap();
        let mut found: Vec<_> = out
            .into_iter()
            .map(|(old, new, encoded)| {
                let computed = encoded.read(true).expect("what was encoded reads back");
                (old, new, format!("{computed:?}"))
            })
            .collect();
        found.sort();
        (found, missing)
    }

    /// Every change a walk finds, oldest first, as they are compared.
    fn walked(repo: &Repository) -> Vec<Change> {
        let head = repo.head().unwrap().peel_to_commit().unwrap().id();
        let mut changes = Vec::new();
        walk::walk(repo, head, None, Path::new("plans"), &mut |old, new| {
            changes.push((old.map(str::to_string), new.to_string()))
        })
        .unwrap();
        changes
    }

    fn plan(status: &str, target: u32, note: &str) -> String {
        let filler: String = (0..60)
            .map(|i| format!("Line {i} of the summary.\n"))
            .collect();
        format!(
            "---\nid: p\nstatus: {status}\nmetrics:\n- id: bookings\n  target: {target}\n---\n## Summary\n\n{filler}{note}\n"
        )
    }

    /// Changes read in the order of a `git gc` pack, of loose objects and of a pack with
    /// objects missing, in one batch or in many, compare as each change on its own does, with
    /// reverts (a blob coming back), a branch and its merge (two changes from the same blob),
    /// and renames.
    #[test]
    fn reading_in_pack_order_compares_as_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        std::fs::create_dir_all(root.join("plans/emea")).unwrap();
        let commit = |message: &str| commit_all(root, message);
        for i in 0..12u32 {
            for f in 0..4 {
                let status = if i % 3 == 0 { "draft" } else { "active" };
                std::fs::write(
                    root.join(format!("plans/p{f}.md")),
                    plan(status, 100 + i * (f + 1), &format!("note {}", i % 5)),
                )
                .unwrap();
            }
            commit(&format!("edit {i}"));
        }
        // A revert: the same content as four commits before.
        git(root, &["revert", "--no-edit", "HEAD"]);
        // A rename to another folder, and an edit.
        git(root, &["mv", "plans/p1.md", "plans/emea/p1.md"]);
        commit("move");
        git(root, &["checkout", "-q", "-b", "branch"]);
        std::fs::write(root.join("plans/p2.md"), plan("closed", 7, "on the branch")).unwrap();
        commit("on a branch");
        git(root, &["checkout", "-q", "main"]);
        std::fs::write(root.join("plans/p2.md"), plan("active", 9, "on main")).unwrap();
        std::fs::write(root.join("plans/p3.md"), plan("active", 9, "on main")).unwrap();
        commit("on main");
        git(
            root,
            &["merge", "-q", "-X", "theirs", "--no-edit", "branch"],
        );
        let covers = vec!["checkins".to_string()];
        let git_dir = root.join(".git");

        // Loose objects.
        let repo = Repository::open(root).unwrap();
        let changes = walked(&repo);
        assert!(changes.len() > 45, "{changes:?}");
        let expected = one_by_one(&repo, &changes, &covers);
        assert_eq!(expected.1, 0);
        for batch in [usize::MAX, 7, 1] {
            assert_eq!(compared(&git_dir, &changes, &covers, batch), expected);
        }

        // A pack as `git gc` writes it, newest revisions first.
        git(root, &["gc", "-q", "--aggressive"]);
        for batch in [usize::MAX, 7, 1] {
            assert_eq!(compared(&git_dir, &changes, &covers, batch), expected);
        }
        // Read a delta chain at a time: each chain's blobs together.
        let (mut reads, _) = Lineages::default().add(changes.clone(), true);
        let mut packs = Packs::of(&repo);
        in_pack_order(&mut packs, &mut reads);
        let firsts = reads
            .iter()
            .filter(|r| matches!(r.what, Slot::Before(_)))
            .count();
        assert!(
            firsts > 0,
            "a branch's lineage reads the blob it starts from"
        );
        assert_eq!(reads.len(), changes.len() + firsts);
        let mut done = HashSet::new();
        let mut reading = None;
        let mut deltas = 0;
        for read in &reads {
            let id = Oid::from_str(read.blob()).unwrap();
            let (start, depth) = packs.delta_chain(packs.place(&id).unwrap());
            deltas += usize::from(depth > 0);
            if reading != Some(start) {
                assert!(done.insert(start), "a delta chain is read in two runs");
                reading = Some(start);
            }
        }
        assert!(deltas > 10, "the pack has deltas");

        // Objects missing: a blob left out of the pack, read as missing.
        let (_, gone) = changes[changes.len() / 2].clone();
        git(root, &["repack", "-a", "-d", "-q"]);
        let keep: String = git(root, &["rev-list", "--objects", "--all"])
            .lines()
            .filter_map(|l| l.split(' ').next())
            .filter(|id| *id != gone)
            .map(|id| format!("{id}\n"))
            .collect();
        let packs = root.join(".git/objects/pack");
        let old: Vec<_> = std::fs::read_dir(&packs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        let out = std::process::Command::new("git")
            .args(["pack-objects", "-q", ".git/objects/pack/pack"])
            .current_dir(root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(keep.as_bytes())?;
                child.wait()
            })
            .unwrap();
        assert!(out.success());
        for path in old {
            std::fs::remove_file(path).unwrap();
        }
        let repo = Repository::open(root).unwrap();
        assert!(blob_text(&repo, &gone).is_none());
        let expected = one_by_one(&repo, &changes, &covers);
        assert!(
            expected.1 >= 2,
            "the blob is missing as the new and the old of a change"
        );
        for batch in [usize::MAX, 7, 1] {
            assert_eq!(compared(&git_dir, &changes, &covers, batch), expected);
        }
    }

    /// A walk that panics does not leave the reading thread waiting for more changes: the
    /// panic goes on.
    #[test]
    fn a_walk_that_panics_ends_the_reading() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let git_dir = dir.path().join(".git");
        let (done, ended) = mpsc::channel();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| {
                run(&git_dir, &[], 8, 0, true, |give| {
                    give((None, "0".repeat(40)));
                    panic!("the walk failed");
                })
            });
            let _ = done.send(result.is_err());
        });
        let panicked = ended.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(
            panicked,
            Ok(true),
            "the reading thread waits for a walk that ended"
        );
    }

    /// A change joins the lineage that last ended with its old blob; a second change from the
    /// same blob starts a lineage of its own, which reads that blob first. A lineage whose end
    /// another lineage took over has ended; batches do not change what joins what.
    #[test]
    fn lineages_follow_the_blobs() {
        let change = |old: Option<&str>, new: &str| (old.map(str::to_string), new.to_string());
        let changes = vec![
            change(None, "a1"),
            change(None, "b1"),
            change(Some("a1"), "a2"),
            change(Some("a2"), "a3"),
            change(Some("a2"), "fork"),
            change(Some("b1"), "a3"),
            change(Some("a3"), "a4"),
        ];
        let shown = |reads: &[Read]| {
            let mut by_lineage: Vec<Vec<(usize, usize, String, bool)>> = vec![Vec::new(); 3];
            for r in reads {
                by_lineage[r.lineage].push((r.slot, r.order, r.blob().to_string(), r.last));
            }
            by_lineage
        };
        let read = |slot: usize, order: usize, blob: &str, last: bool| {
            (slot, order, blob.to_string(), last)
        };
        let (reads, ended) = Lineages::default().add(changes.clone(), true);
        assert_eq!(
            shown(&reads),
            [
                vec![
                    read(0, 0, "a1", false),
                    read(1, 2, "a2", false),
                    read(2, 3, "a3", true)
                ],
                vec![
                    read(0, 1, "b1", false),
                    read(1, 5, "a3", false),
                    read(2, 6, "a4", true)
                ],
                vec![read(0, 4, "a2", false), read(1, 4, "fork", true)],
            ]
        );
        assert!(
            matches!(reads[4].what, Slot::Before(_)),
            "the fork reads a2 first"
        );
        assert_eq!(ended, [0], "b1 → a3 took over the end of the first lineage");

        let mut lineages = Lineages::default();
        let (mut first, ended) = lineages.add(changes[..4].to_vec(), false);
        assert!(ended.is_empty());
        assert!(first.iter().all(|r| !r.last));
        let (second, ended) = lineages.add(changes[4..].to_vec(), true);
        assert_eq!(ended, [0]);
        first.extend(second);
        let placed = |reads: &[Read]| {
            let mut placed: Vec<_> = reads
                .iter()
                .map(|r| (r.lineage, r.slot, r.order, r.blob().to_string()))
                .collect();
            placed.sort();
            placed
        };
        assert_eq!(placed(&first), placed(&reads));
    }
}
