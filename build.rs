//! Gives each build of planbook an identity, `PLANBOOK_BUILD_ID`: a hash of its sources, its
//! manifest and its locked dependencies. The plans cache is read only by a build with the same
//! identity, so that what one build parsed is never taken for what another would parse.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn main() {
    let mut files = vec![PathBuf::from("Cargo.toml"), PathBuf::from("Cargo.lock")];
    sources(Path::new("src"), &mut files);
    files.sort();
    let mut hash = std::hash::DefaultHasher::new();
    for file in &files {
        hash.write(file.to_string_lossy().as_bytes());
        hash.write(&std::fs::read(file).unwrap_or_default());
    }
    println!("cargo:rustc-env=PLANBOOK_BUILD_ID={:016x}", hash.finish());
    for watched in ["src", "Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={watched}");
    }
}

/// Every file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else {
            out.push(path);
        }
    }
}
