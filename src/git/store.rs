//! What a repository's object store lists, digested: an object added or deleted changes it
//! (a loose object's folder changes its modification time; packs come and go whole), so a
//! cache keyed by it follows the objects it was computed from.

use std::path::Path;

use crate::digest::Labelled;

/// Digests the listing of the object store at `objects` (a repository's `objects` folder) and
/// of each store it borrows from (`info/alternates`), into `digest`.
pub(crate) fn digest_listing(objects: &Path, digest: &mut Labelled) {
    let mut stores = vec![objects.to_path_buf()];
    let alternates = objects.join("info/alternates");
    digest.file("alternates", &alternates);
    if let Ok(text) = std::fs::read_to_string(&alternates) {
        stores.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| objects.join(l)),
        );
    }
    for store in stores {
        for dir in [store.clone(), store.join("pack")] {
            digest.text("object folder", &dir.to_string_lossy());
            for entry in listing(&dir) {
                digest.text("entry", &entry);
            }
        }
    }
}

/// Each entry of `dir` with its stamp (see [`crate::digest::stamp`]), sorted; one entry
/// saying so when the folder cannot be read.
fn listing(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return vec!["unreadable".to_string()];
    };
    let mut listed: Vec<String> = entries
        .flatten()
        .map(|entry| {
            let stamp = entry.metadata().ok().map(|m| crate::digest::stamp(&m));
            format!("{} {stamp:?}", entry.file_name().to_string_lossy())
        })
        .collect();
    listed.sort_unstable();
    listed
}
