//! Reading a whole file safely: only regular files (never a pipe or a device, which could
//! block or never end), and never more than the size limit.

use std::path::Path;

/// Plan files larger than this are not parsed, and no file planbook reads whole may be larger:
/// no real plan comes close, and reading a hostile file of hundreds of megabytes must not
/// exhaust memory.
pub(crate) const MAX_PLAN_BYTES: u64 = 8 * 1024 * 1024;

/// Reads a whole file that planbook reads at once (configuration, people, schema, templates, a
/// plan for review), refusing one over the plan size limit before reading it.
pub(crate) fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    match read_bounded(path) {
        Ok(bytes) => Ok(bytes),
        Err(ReadError::Io(e)) => Err(e),
        Err(ReadError::TooLarge(size)) => Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "the file is {:.1} MB; planbook reads files up to {} MB",
                size as f64 / 1e6,
                MAX_PLAN_BYTES / (1024 * 1024)
            ),
        )),
    }
}

/// Like [`read_limited`], as UTF-8 text.
pub(crate) fn read_limited_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_limited(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// Why a bounded read failed: the file is over the limit, or it could not be read.
pub(crate) enum ReadError {
    TooLarge(u64),
    Io(std::io::Error),
}

/// The regular file at `path`, opened for reading, with its metadata.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, std::fs::Metadata)> {
    // The type is checked before opening: opening a FIFO blocks until someone writes to it,
    // and a device can be read forever. The open itself does not block either, in case the
    // file is swapped in between, and the type is checked again on what was opened.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta))
}

/// The bytes of the regular file at `path`, if there are at most `max` (planbook's own caches
/// are larger than any plan but must not exhaust memory when damaged).
pub(crate) fn read_up_to(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    read_within(path, max).map_err(|e| match e {
        ReadError::Io(e) => e,
        ReadError::TooLarge(size) => std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("the file is {size} bytes, over {max}"),
        ),
    })
}

/// The bytes of the regular file at `path`, if it is within [`MAX_PLAN_BYTES`].
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    read_within(path, MAX_PLAN_BYTES)
}

/// The bytes of the regular file at `path`, if there are at most `max`: the size is checked
/// before reading, room is reserved without aborting when memory is short, and a file that
/// grows while it is read stops at `max + 1` bytes.
fn read_within(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let (file, meta) = open_regular(path).map_err(ReadError::Io)?;
    let size = meta.len();
    if size > max {
        return Err(ReadError::TooLarge(size));
    }
    let mut bytes = Vec::new();
    let room = usize::try_from(size).map_err(|_| ReadError::TooLarge(size))?;
    bytes
        .try_reserve_exact(room)
        .map_err(|_| ReadError::TooLarge(size))?;
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

fn not_regular(meta: &std::fs::Metadata) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "it is {}; planbook reads only regular files",
            kind_of(&meta.file_type())
        ),
    )
}

/// What a file that is not a regular file is, in words.
pub(crate) fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO), not a regular file";
        }
        if file_type.is_socket() {
            return "a socket, not a regular file";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device, not a regular file";
        }
    }
    if file_type.is_dir() {
        "a folder, not a file"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}
