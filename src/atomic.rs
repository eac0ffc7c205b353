//! Writing files so that nobody ever sees half of one: the bytes go to a temporary file beside
//! the destination, which is then renamed over it.

use std::io::Write;
use std::path::Path;

use tempfile::NamedTempFile;

use crate::error::Error;

/// How the names of planbook's temporary files begin.
const TEMP_PREFIX: &str = ".planbook-";

/// A temporary file in `dir`, created with the usual permissions (`0666` less the umask, like
/// any file the user creates) rather than the private `0600` of temporary files, since it
/// becomes a plan, a page or a cache file.
pub(crate) fn temp_file_in(dir: &Path) -> std::io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// A temporary file for a cache in `dir`, created with the folder if need be, after the
/// temporary files runs stopped before they could finish (interrupted, killed) left there are
/// removed (see [`remove_abandoned`]; only caches' folders are swept, not a site's).
pub(crate) fn cache_temp_file_in(dir: &Path) -> std::io::Result<NamedTempFile> {
    std::fs::create_dir_all(dir)?;
    remove_abandoned(dir);
    temp_file_in(dir)
}

/// Removes the temporary files in `dir` that a run stopped before it could finish writing
/// left behind, once they are an hour old: a run writing now is never disturbed. Failures
/// are ignored.
fn remove_abandoned(dir: &Path) {
    const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > ABANDONED_AFTER);
        if old && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Replaces (or creates) the file at `path` with `bytes`, atomically.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = temp_file_in(dir).map_err(|e| Error::io(dir, e))?;
    file.write_all(bytes).map_err(|e| Error::io(path, e))?;
    file.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.html");
        write(&path, b"old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = dir.path().join("plain");
            std::fs::write(&plain, b"x").unwrap();
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode(&path), mode(&plain), "permissions as for any new file");
        }
    }

    #[test]
    fn only_old_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, hours_ago: u64| {
            let path = dir.path().join(name);
            let f = std::fs::File::create(&path).unwrap();
            let then =
                std::time::SystemTime::now() - std::time::Duration::from_secs(hours_ago * 3600);
            f.set_modified(then).unwrap();
            path
        };
        let abandoned = file(".planbook-abc123", 2);
        let writing = file(".planbook-def456", 0);
        let other = file("plans-cache.bin", 2);
        remove_abandoned(dir.path());
        assert!(!abandoned.exists());
        assert!(writing.exists(), "a file being written now stays");
        assert!(other.exists(), "only temporary files go");
    }
}
