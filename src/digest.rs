//! A SHA-256 of labelled parts, for a cache keyed by everything it depends on. Each part is
//! written with its label and both their lengths, so that no two sequences of parts digest
//! alike.

use std::path::Path;

use sha2::{Digest as _, Sha256};

#[derive(Debug, Clone, Default)]
pub(crate) struct Labelled(Sha256);

impl Labelled {
    pub(crate) fn bytes(&mut self, label: &str, bytes: &[u8]) {
        for part in [label.as_bytes(), bytes] {
            self.0.update((part.len() as u64).to_le_bytes());
            self.0.update(part);
        }
    }

    pub(crate) fn text(&mut self, label: &str, text: &str) {
        self.bytes(label, text.as_bytes());
    }

    /// A file's content. A file that is missing, unreadable or over the plan size limit is
    /// digested by how it failed and by its size, modification time and inode, which change
    /// when it does.
    pub(crate) fn file(&mut self, label: &str, path: &Path) {
        match crate::read::read_limited(path) {
            Ok(bytes) => self.bytes(label, &bytes),
            Err(e) => {
                let stamp = std::fs::metadata(path).ok().map(|m| stamp(&m));
                self.text(label, &format!("unread: {:?} {stamp:?}", e.kind()));
            }
        }
    }

    pub(crate) fn finish(&self) -> [u8; 32] {
        self.0.clone().finalize().into()
    }
}

/// What changes when a file or folder does: its size, modification time and (on Unix) inode.
pub(crate) fn stamp(meta: &std::fs::Metadata) -> (u64, Option<std::time::Duration>, u64) {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    (meta.len(), modified, inode)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_digested_apart_whatever_their_boundaries() {
        let digest = |parts: &[(&str, &str)]| {
            let mut d = Labelled::default();
            for (label, text) in parts {
                d.text(label, text);
            }
            d.finish()
        };
        assert_ne!(digest(&[("plan", "a")]), digest(&[("plana", "")]));
        assert_ne!(digest(&[("plan", "a"), ("", "")]), digest(&[("plan", "a")]));
        assert_ne!(digest(&[("a", "bc")]), digest(&[("ab", "c")]));
        assert_eq!(digest(&[("plan", "a")]), digest(&[("plan", "a")]));
    }
}
