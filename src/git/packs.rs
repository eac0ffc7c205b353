//! Where objects lie in the repository's packs, read from the packs' indexes, so that many
//! objects can be read in the order a pack stores them. A pack stores a delta right after its
//! base, whatever wrote it: `git fast-import` deltifies each blob on the one before it in the
//! stream, `git gc` and the packs a clone receives write each family of deltas together, the
//! newest revision of a file first. Read in that order, each delta finds its base among the
//! objects libgit2 just inflated; read in any other, it may resolve a chain of fifty deltas.
//!
//! Offsets alone do not give that order: `git gc` writes objects newest first, so the base of
//! an old revision lies far back. Each object's delta chain is followed, through the header of
//! each entry in the pack, to the whole object it starts from: objects of one chain are read
//! together, bases first.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

/// The place of an object: the pack (by its position in [`Packs`]) and the offset in it.
pub(crate) type Place = (usize, u64);

/// The indexes of a repository's packs. An index that cannot be read, or in a format this does
/// not know (version 1, another hash), is left out: its objects read in no particular order,
/// which costs time, never a wrong answer.
pub(crate) struct Packs {
    indexes: Vec<Index>,
    /// Each index's pack, opened when first asked.
    packs: Vec<(PathBuf, Option<File>)>,
    /// The delta chains followed so far: the place of an entry → the offset of the whole
    /// object its chain starts from, and its depth in the chain.
    chains: HashMap<Place, (u64, u32)>,
}

/// How many deltas a chain is followed through: git writes at most 4,095 (`--depth`); a
/// longer one is a damaged or hostile pack.
const MAX_DEPTH: usize = 4096;

/// A version 2 pack index (`pack-*.idx`), as git documents it in `gitformat-pack(5)`.
struct Index {
    bytes: Vec<u8>,
    count: usize,
}

const MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];
const HEADER: usize = 8;
const FANOUT: usize = 256 * 4;
const HASH: usize = 20;

impl Packs {
    /// The indexes in `objects/pack` of the repository's common folder (a linked work tree
    /// shares the packs of its main one).
    pub(crate) fn of(git: &Repository) -> Packs {
        Packs::in_folder(&git.commondir().join("objects").join("pack"))
    }

    fn in_folder(folder: &Path) -> Packs {
        let mut paths: Vec<_> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "idx"))
            .collect();
        paths.sort();
        let mut indexes = Vec::new();
        let mut packs = Vec::new();
        for path in paths {
            if let Some(index) = std::fs::read(&path).ok().and_then(Index::parse) {
                indexes.push(index);
                packs.push((path.with_extension("pack"), None));
            }
        }
        Packs {
            indexes,
            packs,
            chains: HashMap::new(),
        }
    }

    /// The delta chain object `at` lies in: the place of the whole object the chain starts
    /// from, and how many deltas lie between them (0 for a whole object). An entry that cannot
    /// be read, or a chain longer than git writes, counts as a chain of its own (and is
    /// remembered as one, so that a damaged pack is not read again and again).
    pub(crate) fn delta_chain(&mut self, at: Place) -> (Place, u32) {
        let (pack, offset) = at;
        let mut path = Vec::new();
        let mut entry = offset;
        let known = loop {
            if let Some(&known) = self.chains.get(&(pack, entry)) {
                break Some(known);
            }
            match self.base(pack, entry) {
                Some(Some(base)) if path.len() < MAX_DEPTH => {
                    path.push(entry);
                    entry = base;
                }
                Some(None) => {
                    self.chains.insert((pack, entry), (entry, 0));
                    break Some((entry, 0));
                }
                _ => break None,
            }
        };
        let Some((start, mut depth)) = known else {
            path.push(entry);
            for entry in path {
                self.chains.insert((pack, entry), (entry, 0));
            }
            return (at, 0);
        };
        for entry in path.into_iter().rev() {
            depth += 1;
            self.chains.insert((pack, entry), (start, depth));
        }
        ((pack, start), depth)
    }

    /// The offset of the base of the entry at `offset` in pack `pack`: `Some(None)` for a
    /// whole object, `None` when the entry cannot be read.
    fn base(&mut self, pack: usize, offset: u64) -> Option<Option<u64>> {
        let (path, file) = self.packs.get_mut(pack)?;
        if file.is_none() {
            // A pack that cannot be opened is not tried again: its index is left out.
            let Ok(opened) = File::open(&*path) else {
                self.indexes[pack].count = 0;
                return None;
            };
            *file = Some(opened);
        }
        let file = file.as_mut()?;
        file.seek(SeekFrom::Start(offset)).ok()?;
        let mut header = [0u8; 32];
        let mut read = 0;
        while read < header.len() {
            match file.read(&mut header[read..]).ok()? {
                0 => break,
                n => read += n,
            }
        }
        let header = &header[..read];
        let mut bytes = header.iter().copied();
        // Type in bits 4–6 of the first byte, then the size in 7-bit groups.
        let mut byte = bytes.next()?;
        let kind = (byte >> 4) & 7;
        while byte & 0x80 != 0 {
            byte = bytes.next()?;
        }
        match kind {
            1..=4 => Some(None),
            // OFS_DELTA: the base lies this far back, in git's offset encoding.
            6 => {
                let mut byte = bytes.next()?;
                let mut back = u64::from(byte & 0x7f);
                while byte & 0x80 != 0 {
                    byte = bytes.next()?;
                    back = back.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
                }
                (back > 0 && back <= offset).then(|| Some(offset - back))
            }
            // REF_DELTA: the base is named; one outside this pack starts the chain here.
            7 => {
                let used = header.len() - bytes.len();
                let name = header.get(used..used + HASH)?;
                Some(self.indexes[pack].offset(name))
            }
            _ => None,
        }
    }

    /// Where object `id` lies; `None` when it is in no pack whose index was read (a loose
    /// object, one in an alternate repository, or no object at all).
    pub(crate) fn place(&self, id: &Oid) -> Option<Place> {
        self.indexes
            .iter()
            .enumerate()
            .find_map(|(pack, index)| Some((pack, index.offset(id.as_bytes())?)))
    }
}

impl Index {
    fn parse(bytes: Vec<u8>) -> Option<Index> {
        if bytes.get(..4)? != MAGIC || u32_at(&bytes, 4)? != 2 {
            return None;
        }
        let count = u32_at(&bytes, HEADER + FANOUT - 4)? as usize;
        // Names, CRCs and offsets, then the large offsets and two hashes: an index whose
        // size does not fit that is another format, or damaged.
        let fixed = count
            .checked_mul(HASH + 4 + 4)?
            .checked_add(HEADER + FANOUT + 2 * HASH)?;
        if bytes.len() < fixed || !(bytes.len() - fixed).is_multiple_of(8) {
            return None;
        }
        Some(Index { bytes, count })
    }

    /// The offset of the object named `name` in the pack, if the pack holds it.
    fn offset(&self, name: &[u8]) -> Option<u64> {
        let first = *name.first()? as usize;
        let fanout = |i: usize| u32_at(&self.bytes, HEADER + i * 4).map(|n| n as usize);
        let start = if first == 0 { 0 } else { fanout(first - 1)? };
        let end = fanout(first)?.min(self.count);
        let names = HEADER + FANOUT;
        let name_at = |i: usize| self.bytes.get(names + i * HASH..names + (i + 1) * HASH);
        let (mut low, mut high) = (start, end);
        while low < high {
            let middle = low + (high - low) / 2;
            match name_at(middle)?.cmp(name) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return self.offset_at(middle),
            }
        }
        None
    }

    fn offset_at(&self, i: usize) -> Option<u64> {
        // Within the index's size, checked when it was read.
        let offsets = HEADER + FANOUT + self.count * (HASH + 4);
        let small = u32_at(&self.bytes, offsets + i * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = usize::try_from(small & 0x7fff_ffff)
            .ok()?
            .checked_mul(8)?
            .checked_add(offsets + self.count * 4)?;
        let bytes = self.bytes.get(large..large.checked_add(8)?)?;
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let bytes = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;

    /// A repository with `commits` (each writes `file` with `text`), packed by `git gc` with
    /// `gc` options.
    fn packed(
        commits: impl IntoIterator<Item = (String, String)>,
        gc: &[&str],
    ) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q"]);
        for (i, (file, text)) in commits.into_iter().enumerate() {
            std::fs::write(root.join(file), text).unwrap();
            crate::git::testing::commit_all(root, &format!("c{i}"));
        }
        git(root, &[["gc", "-q"].as_slice(), gc].concat());
        dir
    }

    /// The repository's only pack file with extension `ext`.
    fn pack_file(root: &Path, ext: &str) -> PathBuf {
        std::fs::read_dir(root.join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap()
    }

    /// What `git verify-pack -v` lists of each object: its offset, its depth and its base.
    fn listed(root: &Path) -> HashMap<Oid, (u64, u32, Option<Oid>)> {
        let idx = pack_file(root, "idx");
        let listed = git(root, &["verify-pack", "-v", idx.to_str().unwrap()]);
        let mut entries = HashMap::new();
        for line in listed.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let Some(Ok(id)) = fields.first().map(|f| Oid::from_str(f)) else {
                continue;
            };
            if fields.len() < 5 {
                continue;
            }
            let (depth, base) = match fields.get(6) {
                Some(base) => (
                    fields[5].parse().unwrap(),
                    Some(Oid::from_str(base).unwrap()),
                ),
                None => (0, None),
            };
            entries.insert(id, (fields[4].parse().unwrap(), depth, base));
        }
        entries
    }

    /// The places read from the index are those `git verify-pack` lists, for every object,
    /// and an object the pack does not hold has none.
    #[test]
    fn places_are_the_offsets_git_lists() {
        let dir = packed(
            (0..30).map(|i| {
                (
                    format!("f{}.md", i % 7),
                    format!("line {i}\n").repeat(i + 1),
                )
            }),
            &[],
        );
        let root = dir.path();
        std::fs::write(root.join("loose.md"), "not packed\n").unwrap();
        let loose = git(root, &["hash-object", "-w", "loose.md"]);
        let packs = Packs::of(&Repository::open(root).unwrap());
        let entries = listed(root);
        assert!(entries.len() > 60, "{entries:?}");
        for (id, (offset, _, _)) in &entries {
            assert_eq!(packs.place(id), Some((0, *offset)), "{id}");
        }
        assert_eq!(packs.place(&Oid::from_str(loose.trim()).unwrap()), None);
    }

    /// Every object's chain is the one `git verify-pack` reports: its depth, and the whole
    /// object at the end of the base links it lists.
    #[test]
    fn chains_are_the_ones_git_lists() {
        let text: String = (0..200)
            .map(|i| format!("line {i} of the plan\n"))
            .collect();
        let dir = packed(
            (0..40).map(|i| (format!("f{}.md", i % 3), format!("{text}edit {i}\n"))),
            &["--aggressive"],
        );
        let root = dir.path();
        let mut packs = Packs::of(&Repository::open(root).unwrap());
        let entries = listed(root);
        let mut deltas = 0;
        for (id, (offset, depth, _)) in &entries {
            let mut start = *id;
            while let Some(base) = entries[&start].2 {
                start = base;
            }
            let found = packs.delta_chain((0, *offset));
            assert_eq!(found, ((0, entries[&start].0), *depth), "{id}");
            deltas += usize::from(*depth > 0);
        }
        assert!(deltas > 20, "{entries:?}");
    }

    /// A pack cut short, or gone, leaves each object it cannot read a chain of its own:
    /// nothing fails.
    #[test]
    fn a_damaged_pack_costs_only_the_order() {
        let dir = packed(
            (0..20).map(|i| ("f.md".to_string(), "a line of the plan\n".repeat(50 + i))),
            &[],
        );
        let root = dir.path();
        let pack = pack_file(root, "pack");
        let entries = listed(root);
        let bytes = std::fs::read(&pack).unwrap();
        let cut = bytes.len() as u64 / 3;
        let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&pack, permissions).unwrap();
        std::fs::write(&pack, &bytes[..cut as usize]).unwrap();
        let repo = Repository::open(root).unwrap();
        let mut packs = Packs::of(&repo);
        let mut beyond = 0;
        for id in entries.keys() {
            let place = packs.place(id).unwrap();
            if place.1 >= cut {
                assert_eq!(packs.delta_chain(place), (place, 0), "{id}");
                beyond += 1;
            }
        }
        assert!(beyond > 0);
        std::fs::remove_file(&pack).unwrap();
        let mut packs = Packs::of(&repo);
        let ids: Vec<&Oid> = entries.keys().collect();
        let place = packs.place(ids[0]).unwrap();
        assert_eq!(packs.delta_chain(place), (place, 0));
        assert_eq!(
            packs.place(ids[1]),
            None,
            "a pack that cannot be opened is left out"
        );
    }

    #[test]
    fn an_index_of_another_format_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut v1 = vec![0u8; FANOUT + 24];
        v1[FANOUT - 1] = 1;
        std::fs::write(dir.path().join("pack-a.idx"), &v1).unwrap();
        let mut short = MAGIC.to_vec();
        short.extend([0, 0, 0, 2]);
        short.extend(vec![0xff; FANOUT]);
        std::fs::write(dir.path().join("pack-b.idx"), &short).unwrap();
        let packs = Packs::in_folder(dir.path());
        assert!(packs.indexes.is_empty());
        assert_eq!(packs.place(&Oid::ZERO_SHA1), None);
        assert!(
            Packs::in_folder(&dir.path().join("missing"))
                .indexes
                .is_empty()
        );
    }
}
