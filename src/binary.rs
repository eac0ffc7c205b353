//! The byte format of planbook's caches (the history cache, the plans cache): variable-length
//! integers, strings written once and referred to by number afterwards (authors, paths, field
//! names and blob ids repeat thousands of times), JSON values by kind, and a checksum so that a
//! damaged file is read as no cache at all, never as a wrong one.

use serde_json::{Map, Number, Value};

/// Writes values; [`Encoder::finish`] appends the checksum.
///
/// Strings that outlive the encoder (`'a`) are numbered by reference ([`Encoder::str_kept`]);
/// others are copied the first time they are written.
#[derive(Default)]
pub(crate) struct Encoder<'a> {
    bytes: Vec<u8>,
    strings: std::collections::HashMap<std::borrow::Cow<'a, str>, u64>,
    /// Where each numbered string lies in `bytes`, as `(offset, length)`: what a [`Decoder`]
    /// resumed in the middle of the bytes needs (kept for a file, see [`Encoder::file`]).
    table: Option<Vec<(usize, usize)>>,
    /// Every string is written out, none numbered (see [`Encoder::unnumbered`]).
    unnumbered: bool,
}

impl<'a> Encoder<'a> {
    pub(crate) fn new(magic: &[u8]) -> Encoder<'a> {
        Encoder::with_capacity(magic, 0)
    }

    /// An encoder that will write about `capacity` bytes: a large file is then not copied
    /// each time its buffer doubles (the pages of a generous estimate that are never
    /// written cost no memory).
    pub(crate) fn with_capacity(magic: &[u8], capacity: usize) -> Encoder<'a> {
        let mut bytes = Vec::with_capacity(capacity.max(magic.len()));
        bytes.extend_from_slice(magic);
        Encoder {
            bytes,
            strings: std::collections::HashMap::new(),
            table: None,
            unnumbered: false,
        }
    }

    /// An encoder without magic that writes every string out in full rather than numbering
    /// repeats: for small values written by the thousand, where numbering costs more time
    /// than it saves room.
    pub(crate) fn unnumbered() -> Encoder<'a> {
        Encoder {
            unnumbered: true,
            ..Encoder::new(b"")
        }
    }

    /// An encoder of a file read back in the middle (see [`Decoder::resume`]): it keeps where
    /// each string lies.
    pub(crate) fn file(magic: &[u8], capacity: usize) -> Encoder<'a> {
        Encoder {
            table: Some(Vec::new()),
            ..Encoder::with_capacity(magic, capacity)
        }
    }

    pub(crate) fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    pub(crate) fn u64_fixed(&mut self, n: u64) {
        self.bytes.extend_from_slice(&n.to_le_bytes());
    }

    pub(crate) fn flag(&mut self, b: bool) {
        self.bytes.push(u8::from(b));
    }

    /// A field digest, as its 16 bytes.
    pub(crate) fn digest(&mut self, digest: &[u8; 16]) {
        self.bytes.extend_from_slice(digest);
    }

    /// Bytes, as their length and themselves.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.uint(bytes.len() as u64);
        self.bytes.extend_from_slice(bytes);
    }

    /// A string: `0, length, bytes` the first time, its number plus one after.
    pub(crate) fn str(&mut self, s: &str) {
        if self.unnumbered {
            return self.in_full(s);
        }
        if let Some(&n) = self.strings.get(s) {
            self.uint(n + 1);
            return;
        }
        self.first(std::borrow::Cow::Owned(s.to_string()));
    }

    /// A string written out, as the first time it is met.
    fn in_full(&mut self, s: &str) {
        self.uint(0);
        self.uint(s.len() as u64);
        self.bytes.extend_from_slice(s.as_bytes());
    }

    /// The same for a string that outlives the encoder: it is not copied.
    pub(crate) fn str_kept(&mut self, s: &'a str) {
        if self.unnumbered {
            return self.in_full(s);
        }
        if let Some(&n) = self.strings.get(s) {
            self.uint(n + 1);
            return;
        }
        self.first(std::borrow::Cow::Borrowed(s));
    }

    fn first(&mut self, s: std::borrow::Cow<'a, str>) {
        let n = self.strings.len() as u64;
        let len = s.len() as u64;
        self.uint(0);
        self.uint(len);
        if let Some(table) = &mut self.table {
            table.push((self.bytes.len(), s.len()));
        }
        self.bytes.extend_from_slice(s.as_bytes());
        self.strings.insert(s, n);
    }

    pub(crate) fn opt_str_kept(&mut self, s: Option<&'a str>) {
        match s {
            None => self.flag(false),
            Some(s) => {
                self.flag(true);
                self.str_kept(s);
            }
        }
    }

    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.flag(false),
            Some(s) => {
                self.flag(true);
                self.str(s);
            }
        }
    }

    pub(crate) fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.bytes.push(0),
            Value::Bool(b) => self.bytes.push(1 + u8::from(*b)),
            Value::Number(n) => {
                self.bytes.push(3);
                self.str(&n.to_string());
            }
            Value::String(s) => {
                self.bytes.push(4);
                self.str(s);
            }
            Value::Array(items) => {
                self.bytes.push(5);
                self.uint(items.len() as u64);
                for item in items {
                    self.value(item);
                }
            }
            Value::Object(map) => {
                self.bytes.push(6);
                self.uint(map.len() as u64);
                for (k, v) in map {
                    self.str(k);
                    self.value(v);
                }
            }
        }
    }

    /// The bytes written, without a checksum (for bytes that never leave memory).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Where the next write starts.
    pub(crate) fn position(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes with their checksum at the end, and the table of their strings that
    /// [`Decoder::resume`] takes (`None` past 4 GiB, or when not kept).
    pub(crate) fn finish(mut self) -> (Vec<u8>, Option<Vec<(u32, u32)>>) {
        let sum = checksum(&self.bytes);
        self.bytes.extend_from_slice(&sum.to_le_bytes());
        let table = self.table.and_then(|table| {
            table
                .iter()
                .map(|&(at, len)| Some((u32::try_from(at).ok()?, u32::try_from(len).ok()?)))
                .collect()
        });
        (self.bytes, table)
    }
}

/// Reads what an [`Encoder`] wrote; every read is `None` past the end or on anything out of
/// place.
pub(crate) struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    strings: Vec<&'a str>,
    /// Resuming in the middle of a file read before (see [`Decoder::resume`]): every string
    /// is already numbered, as `(offset, length)` in `bytes`.
    table: Option<&'a [(u32, u32)]>,
}

impl<'a> Decoder<'a> {
    /// A decoder for `bytes` if they start with `magic` and their checksum holds.
    pub(crate) fn new(bytes: &'a [u8], magic: &[u8]) -> Option<Decoder<'a>> {
        let body_len = bytes.len().checked_sub(8)?;
        let (body, sum) = bytes.split_at(body_len);
        if !body.starts_with(magic) || checksum(body).to_le_bytes() != sum {
            return None;
        }
        Some(Decoder {
            bytes: body,
            at: magic.len(),
            strings: Vec::new(),
            table: None,
        })
    }

    /// A decoder of bytes an [`Encoder`] with no magic wrote, never stored (no checksum).
    pub(crate) fn plain(bytes: &'a [u8]) -> Decoder<'a> {
        Decoder {
            bytes,
            at: 0,
            strings: Vec::new(),
            table: None,
        }
    }

    /// A decoder at `at` in `body` (a file's bytes without their checksum, already read once
    /// in full), whose strings are numbered by `table` (from [`Decoder::string_table`]).
    pub(crate) fn resume(body: &'a [u8], at: usize, table: &'a [(u32, u32)]) -> Decoder<'a> {
        Decoder {
            bytes: body,
            at,
            strings: Vec::new(),
            table: Some(table),
        }
    }

    /// Where the next read starts.
    pub(crate) fn position(&self) -> usize {
        self.at
    }

    /// The strings numbered so far, as `(offset, length)` in the bytes read.
    pub(crate) fn string_table(&self) -> Option<Vec<(u32, u32)>> {
        let base = self.bytes.as_ptr() as usize;
        self.strings
            .iter()
            .map(|s| {
                let at = u32::try_from((s.as_ptr() as usize).checked_sub(base)?).ok()?;
                Some((at, u32::try_from(s.len()).ok()?))
            })
            .collect()
    }

    /// Reads past a value without building it (its strings are still numbered).
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        self.skip_value_at(0)
    }

    fn skip_value_at(&mut self, depth: usize) -> Option<()> {
        if depth > 256 {
            return None;
        }
        match self.byte()? {
            0..=2 => {}
            3 | 4 => {
                self.str()?;
            }
            5 => {
                for _ in 0..self.count()? {
                    self.skip_value_at(depth + 1)?;
                }
            }
            6 => {
                for _ in 0..self.count()? {
                    self.str()?;
                    self.skip_value_at(depth + 1)?;
                }
            }
            _ => return None,
        }
        Some(())
    }

    pub(crate) fn at_end(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    pub(crate) fn uint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A count of items that follow, each at least one byte long (so a damaged count cannot
    /// ask for more memory than the file has bytes).
    pub(crate) fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }

    pub(crate) fn u64_fixed(&mut self) -> Option<u64> {
        let end = self.at.checked_add(8)?;
        let b: [u8; 8] = self.bytes.get(self.at..end)?.try_into().ok()?;
        self.at = end;
        Some(u64::from_le_bytes(b))
    }

    pub(crate) fn digest(&mut self) -> Option<[u8; 16]> {
        let end = self.at.checked_add(16)?;
        let digest = self.bytes.get(self.at..end)?.try_into().ok()?;
        self.at = end;
        Some(digest)
    }

    pub(crate) fn flag(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    /// Bytes an [`Encoder::bytes`] wrote.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.uint()?).ok()?;
        let end = self.at.checked_add(len)?;
        let bytes = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(bytes)
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        match self.uint()? {
            0 => {
                let len = usize::try_from(self.uint()?).ok()?;
                let end = self.at.checked_add(len)?;
                let s = std::str::from_utf8(self.bytes.get(self.at..end)?).ok()?;
                self.at = end;
                // Resumed: the string was numbered when the file was first read.
                if self.table.is_none() {
                    self.strings.push(s);
                }
                Some(s)
            }
            n => {
                let n = usize::try_from(n - 1).ok()?;
                match self.table {
                    None => self.strings.get(n).copied(),
                    Some(table) => {
                        let (at, len) = *table.get(n)?;
                        let (at, len) = (at as usize, len as usize);
                        std::str::from_utf8(self.bytes.get(at..at.checked_add(len)?)?).ok()
                    }
                }
            }
        }
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    pub(crate) fn opt_string(&mut self) -> Option<Option<String>> {
        Some(if self.flag()? {
            Some(self.string()?)
        } else {
            None
        })
    }

    pub(crate) fn value(&mut self) -> Option<Value> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Option<Value> {
        // Values come from plans, whose nesting the YAML reader bounds; this bounds a damaged
        // file's.
        if depth > 256 {
            return None;
        }
        Some(match self.byte()? {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Number(self.str()?.parse::<Number>().ok()?),
            4 => Value::String(self.string()?),
            5 => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n.min(1024));
                for _ in 0..n {
                    items.push(self.value_at(depth + 1)?);
                }
                Value::Array(items)
            }
            6 => {
                let n = self.count()?;
                let mut map = Map::with_capacity(n.min(1024));
                for _ in 0..n {
                    let k = self.string()?;
                    map.insert(k, self.value_at(depth + 1)?);
                }
                Value::Object(map)
            }
            _ => return None,
        })
    }
}

/// A 64-bit checksum over `bytes`, eight bytes at a time (it guards against damage, not
/// against someone who wants to forge a cache: anyone who can write `.git/` can do worse).
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded() -> Vec<u8> {
        let mut e = Encoder::new(b"TEST");
        e.uint(300);
        e.str("plans/emea/alpha.md");
        e.str("plans/emea/alpha.md");
        e.opt_str(None);
        e.value(&serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": -3}}));
        e.u64_fixed(u64::MAX - 1);
        e.finish().0
    }

    /// The encoder's table of strings is the one a decoder builds reading the bytes.
    #[test]
    fn the_encoder_knows_where_its_strings_are() {
        let mut e = Encoder::file(b"TEST", 0);
        e.str("first");
        e.value(&serde_json::json!({"key": ["inner", "first"]}));
        e.str("last");
        let (bytes, table) = e.finish();
        let mut d = Decoder::new(&bytes, b"TEST").unwrap();
        d.str().unwrap();
        d.value().unwrap();
        d.str().unwrap();
        assert!(d.at_end());
        assert_eq!(table, d.string_table());
        assert_eq!(table.unwrap().len(), 4);
    }

    #[test]
    fn what_is_written_reads_back() {
        let bytes = encoded();
        let mut d = Decoder::new(&bytes, b"TEST").unwrap();
        assert_eq!(d.uint(), Some(300));
        assert_eq!(d.str(), Some("plans/emea/alpha.md"));
        assert_eq!(d.str(), Some("plans/emea/alpha.md"));
        assert_eq!(d.opt_string(), Some(None));
        assert_eq!(
            d.value(),
            Some(serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": -3}}))
        );
        assert_eq!(d.u64_fixed(), Some(u64::MAX - 1));
        assert!(d.at_end());
    }

    #[test]
    fn a_damaged_or_foreign_file_is_refused() {
        let bytes = encoded();
        assert!(Decoder::new(&bytes, b"ELSE").is_none());
        assert!(Decoder::new(&bytes[..bytes.len() - 1], b"TEST").is_none());
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x10;
            assert!(Decoder::new(&damaged, b"TEST").is_none(), "byte {i}");
        }
        assert!(Decoder::new(b"", b"TEST").is_none());
    }
}
