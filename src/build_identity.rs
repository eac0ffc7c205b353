//! Which planbook wrote a cache: its version, its build (a hash of its sources and locked
//! dependencies, from `build.rs`: a rebuilt planbook may compute differently under the same
//! version) and its executable (see [`crate::digest::stamp`]).

/// The identity of the running planbook; `None` when it cannot tell which executable it is.
pub(crate) fn of_this_executable() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let (size, modified, inode) = crate::digest::stamp(&meta);
    let modified = modified?;
    Some(format!(
        "{} {} {size} {}.{:09} {inode}",
        env!("CARGO_PKG_VERSION"),
        env!("PLANBOOK_BUILD_ID"),
        modified.as_secs(),
        modified.subsec_nanos(),
    ))
}
