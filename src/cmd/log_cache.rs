//! The last `log --format json` document, kept for the next run that would write the same.
//!
//! With a warm history cache, most of a `log` of every plan is laying out the document
//! (hundreds of megabytes for 10,000 plans over 50,000 commits). When nothing it depends on
//! has changed, the document kept is copied instead (by the kernel, where it can).
//!
//! The document is kept in `.git/planbook/log-output.bin` under a key: a SHA-256 of what the
//! document is made of. That is planbook itself, the configuration, the people and every
//! signing key as this run read them, the plans asked for, HEAD, what makes the history
//! (shallow and graft files, `.mailmap`, the repository's git configuration) and what the
//! object store lists (so that a deleted or fetched object changes the key). A run that keeps
//! its document digests the key again once it is written, and keeps nothing if anything moved
//! meanwhile. The document is not kept when a plan asked for differs from HEAD (a `working
//! tree` revision is dated now, and its content is on disk rather than in git), nor for
//! `--since`, `--until` or `--reviews`; in CI it is neither read nor written (a fresh clone
//! is read once, and a kept file there could only have been planted). It follows the history
//! cache it was laid out from, which is kept beside it.
//!
//! Like the other caches in `.git/planbook`, the file is trusted as planbook wrote it (see
//! the README). It is written atomically.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::digest::Labelled;
use crate::history::trust::Trust;
use crate::history::worktree;
use crate::repo::Repo;

/// Where the document is kept, in the git directory.
const FILE: &str = "planbook/log-output.bin";
/// What a kept document begins with (the format's version is its last byte).
const MAGIC: &[u8; 8] = b"PBLOGDC1";
/// What it ends with, after the document's length.
const END: &[u8; 8] = b"PBLOGEND";
/// The magic, the key and the flags.
const HEADER: u64 = 8 + 32 + 1;
/// The document's length and the end mark.
const FOOTER: u64 = 8 + 8;

/// What was warned of when the document was written, to be warned of again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) shallow: bool,
    pub(crate) partial: bool,
    pub(crate) complete: bool,
}

impl Flags {
    fn byte(self) -> u8 {
        u8::from(self.shallow) | u8::from(self.partial) << 1 | u8::from(self.complete) << 2
    }

    fn from_byte(b: u8) -> Option<Flags> {
        (b < 8).then_some(Flags {
            shallow: b & 1 != 0,
            partial: b & 2 != 0,
            complete: b & 4 != 0,
        })
    }
}

/// The document a run would write, by its key.
pub(crate) struct LogCache {
    path: PathBuf,
    key: [u8; 32],
    /// The commit the key was digested at.
    head: git2::Oid,
}

impl LogCache {
    /// The cache for a `log --format json` of the plans at `paths` in `repo` with `trust`;
    /// `None` when its document cannot be kept: in CI, outside git, with no commit yet, when
    /// a plan asked for differs from HEAD or is not in it, or when planbook cannot tell which
    /// executable it is.
    pub(crate) fn for_log(repo: &Repo, paths: &[PathBuf], trust: &Trust) -> Option<LogCache> {
        LogCache::digest(repo, paths, trust, true)
    }

    /// Whether nothing this document depends on moved since the key was digested, the plans
    /// aside: a plan edited meanwhile shows as a `working tree` revision, which the caller
    /// looks for (asking git again costs a second in a clone whose index is stale), and the
    /// plans at HEAD are HEAD's, which the key holds.
    pub(crate) fn still_current(&self, repo: &Repo, paths: &[PathBuf], trust: &Trust) -> bool {
        LogCache::digest(repo, paths, trust, false).is_some_and(|now| now.key == self.key)
    }

    /// The cache, its key digested; with `check_plans`, `None` when a plan asked for differs
    /// from HEAD or is not in it.
    fn digest(
        repo: &Repo,
        paths: &[PathBuf],
        trust: &Trust,
        check_plans: bool,
    ) -> Option<LogCache> {
        if crate::ci::running_in_ci() {
            return None;
        }
        let git = crate::git::discover(&repo.root).ok().flatten()?;
        let workdir = crate::git::workdir(&git)?;
        let head = git.head().ok()?.peel_to_commit().ok()?.id();
        let root_in_workdir = crate::git::root_in_workdir(&git, &repo.root);
        let plans = worktree::git_path(&root_in_workdir, &repo.config.plans_dir);
        if check_plans {
            let dirty = worktree::uncommitted(&git, &workdir, &plans).ok()?;
            let at_head = worktree::head_blobs(&git, &plans);
            let committed = |path: &PathBuf| {
                let git_path = worktree::git_path(&root_in_workdir, path);
                !dirty.contains_key(&git_path) && at_head.contains_key(&git_path)
            };
            if !paths.iter().all(committed) {
                return None;
            }
        }
        let mut key = Labelled::default();
        key.text("planbook", &crate::build_identity::of_this_executable()?);
        key.text("root", &repo.root.to_string_lossy());
        key.text("git", &git.path().to_string_lossy());
        // As this run read them: a file edited since is not what the document was made of.
        key.text("config", &format!("{:?}", repo.config));
        key.text("people", &format!("{:?}", repo.people.by_id));
        key.bytes("keys", &trust.keyring.digest());
        key.text("head", &head.to_string());
        for path in paths {
            key.text("plan", &worktree::git_path(&root_in_workdir, path));
        }
        let common = git.commondir().to_path_buf();
        key.file("config file", &common.join("config"));
        key.text("history shape", &crate::git::history_shape(&git));
        key.text("partial", &crate::history::is_partial(&git).to_string());
        key.file("mailmap", &workdir.join(".mailmap"));
        if let Ok(config) = git.config() {
            // libgit2 reads a relative `mailmap.file` from the top of the work tree.
            if let Ok(file) = config.get_path("mailmap.file") {
                key.file("mailmap.file", &workdir.join(file));
            }
            if let Ok(blob) = config.get_string("mailmap.blob") {
                let id = git.revparse_single(&blob).map(|o| o.id().to_string());
                key.text("mailmap.blob", &format!("{blob} {id:?}"));
            }
        }
        crate::git::store::digest_listing(&common.join("objects"), &mut key);
        Some(LogCache {
            path: git.path().join(FILE),
            key: key.finish(),
            head,
        })
    }

    /// Where the document is kept.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the history walked, from `head`, is the one the key was digested at.
    pub(crate) fn walked_from(&self, head: Option<git2::Oid>) -> bool {
        head == Some(self.head)
    }

    /// The kept document, when it is this run's.
    pub(crate) fn kept(&self) -> Option<Kept> {
        let (mut file, meta) = crate::read::open_regular(&self.path).ok()?;
        let size = meta.len();
        if size < HEADER + FOOTER {
            return None;
        }
        let mut header = [0u8; HEADER as usize];
        file.read_exact(&mut header).ok()?;
        if &header[..8] != MAGIC || header[8..40] != self.key {
            return None;
        }
        let flags = Flags::from_byte(header[40])?;
        let mut footer = [0u8; FOOTER as usize];
        file.seek(SeekFrom::Start(size - FOOTER)).ok()?;
        file.read_exact(&mut footer).ok()?;
        let length = u64::from_le_bytes(footer[..8].try_into().ok()?);
        if &footer[8..] != END || HEADER.checked_add(length)?.checked_add(FOOTER)? != size {
            return None;
        }
        file.seek(SeekFrom::Start(HEADER)).ok()?;
        Some(Kept {
            file,
            flags,
            length,
        })
    }

    /// A recorder of the document this run writes, with `flags`; `None` when the file cannot
    /// be made.
    pub(crate) fn record(&self, flags: Flags) -> Option<Recorder> {
        let dir = self.path.parent()?;
        let mut file = crate::atomic::cache_temp_file_in(dir).ok()?;
        let mut header = Vec::with_capacity(HEADER as usize);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&self.key);
        header.push(flags.byte());
        file.write_all(&header).ok()?;
        Recorder::start(file, self.path.clone())
    }
}

/// A kept document, ready to be copied.
pub(crate) struct Kept {
    file: std::fs::File,
    pub(crate) flags: Flags,
    length: u64,
}

impl Kept {
    /// Copies the document to `out` (by the kernel, from a file to a file or a pipe).
    pub(crate) fn copy_to(self, out: &mut impl Write) -> std::io::Result<()> {
        let copied = std::io::copy(&mut self.file.take(self.length), out)?;
        if copied == self.length {
            Ok(())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the kept log document ended early",
            ))
        }
    }
}

/// The document being written, copied to a temporary file to be kept once it is whole. The
/// file is written by a thread of its own, a megabyte at a time, beside the laying out.
pub(crate) struct Recorder {
    chunk: Vec<u8>,
    /// `None` once the writer is gone (a write failed): nothing is kept.
    chunks: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    /// The file and the document's length, if every write succeeded.
    writer: Option<std::thread::JoinHandle<Option<(NamedTempFile, u64)>>>,
    path: PathBuf,
}

/// The bytes handed to the writer at a time.
const CHUNK: usize = 1 << 20;

impl Recorder {
    fn start(mut file: NamedTempFile, path: PathBuf) -> Option<Recorder> {
        let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(8);
        let writer = std::thread::Builder::new()
            .name("log-document".into())
            .spawn(move || {
                let mut length = 0u64;
                for chunk in received {
                    file.write_all(&chunk).ok()?;
                    length += chunk.len() as u64;
                }
                Some((file, length))
            })
            .ok()?;
        Some(Recorder {
            chunk: Vec::with_capacity(CHUNK),
            chunks: Some(chunks),
            writer: Some(writer),
            path,
        })
    }

    /// Copies `bytes`, written to the document.
    pub(crate) fn copy(&mut self, bytes: &[u8]) {
        let Some(chunks) = &self.chunks else {
            return;
        };
        self.chunk.extend_from_slice(bytes);
        if self.chunk.len() >= CHUNK {
            let full = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
            if chunks.send(full).is_err() {
                self.chunks = None;
            }
        }
    }

    /// Keeps the document, which is whole (best effort: a read-only `.git` is fine).
    pub(crate) fn keep(mut self) {
        let Some(chunks) = self.chunks.take() else {
            return;
        };
        let rest = std::mem::take(&mut self.chunk);
        if chunks.send(rest).is_err() {
            return;
        }
        drop(chunks);
        let Some(Ok(Some((mut file, length)))) = self.writer.take().map(|w| w.join()) else {
            return;
        };
        let mut footer = Vec::with_capacity(FOOTER as usize);
        footer.extend_from_slice(&length.to_le_bytes());
        footer.extend_from_slice(END);
        if file.write_all(&footer).is_ok() {
            let _ = file.persist(&self.path);
        }
    }
}

impl Drop for Recorder {
    /// A document not kept: the writer ends and its temporary file is removed before planbook
    /// exits.
    fn drop(&mut self) {
        self.chunks = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// A writer that copies what it writes to a [`Recorder`].
pub(crate) struct Tee<'w> {
    pub(crate) out: &'w mut dyn Write,
    pub(crate) recorder: Option<&'w mut Recorder>,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(buf)?;
        if let Some(recorder) = &mut self.recorder {
            recorder.copy(&buf[..written]);
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_back_as_written_and_nothing_else_reads() {
        for byte in 0..8u8 {
            let flags = Flags::from_byte(byte).unwrap();
            assert_eq!(flags.byte(), byte);
        }
        assert_eq!(Flags::from_byte(8), None);
        assert_eq!(Flags::from_byte(0xff), None);
    }

    /// A document of several of the writer's chunks, written through a [`Tee`], is kept whole
    /// and read back as written, with its flags; under another key it is not read.
    #[test]
    fn a_kept_document_reads_back_whole_and_only_under_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LogCache {
            path: dir.path().join("planbook/log-output.bin"),
            key: [7; 32],
            head: git2::Oid::ZERO_SHA1,
        };
        let flags = Flags {
            shallow: true,
            partial: false,
            complete: false,
        };
        let document: Vec<u8> = (0..3 * CHUNK + 12_345).map(|i| (i % 251) as u8).collect();
        let mut recorder = cache.record(flags).unwrap();
        let mut shown = Vec::new();
        let mut tee = Tee {
            out: &mut shown,
            recorder: Some(&mut recorder),
        };
        for piece in document.chunks(100_003) {
            tee.write_all(piece).unwrap();
        }
        assert_eq!(shown, document);
        recorder.keep();
        let kept = cache.kept().expect("kept");
        assert_eq!(kept.flags, flags);
        let mut copied = Vec::new();
        kept.copy_to(&mut copied).unwrap();
        assert_eq!(copied, document);
        let other = LogCache {
            path: cache.path.clone(),
            key: [8; 32],
            head: git2::Oid::ZERO_SHA1,
        };
        assert!(other.kept().is_none());
        assert_eq!(temporary_files(&dir.path().join("planbook")), 0);
    }

    /// A document not kept (the run stopped half way) leaves no file behind, and the one kept
    /// before stays.
    #[test]
    fn a_document_not_kept_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LogCache {
            path: dir.path().join("planbook/log-output.bin"),
            key: [1; 32],
            head: git2::Oid::ZERO_SHA1,
        };
        let flags = Flags {
            shallow: false,
            partial: false,
            complete: true,
        };
        let mut recorder = cache.record(flags).unwrap();
        recorder.copy(b"{}\n");
        recorder.keep();
        let mut recorder = cache.record(flags).unwrap();
        recorder.copy(&vec![b'x'; 2 * CHUNK]);
        drop(recorder);
        assert_eq!(temporary_files(&dir.path().join("planbook")), 0);
        let mut copied = Vec::new();
        cache.kept().unwrap().copy_to(&mut copied).unwrap();
        assert_eq!(copied, b"{}\n");
    }

    fn temporary_files(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != "log-output.bin")
            .count()
    }
}
