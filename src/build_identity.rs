//! Which planbook wrote a cache: its version, its build (a hash of its sources and locked
//! dependencies, from `build.rs`: a rebuilt planbook may compute differently under the same
//! version) and its executable (size and modification time).

/// The identity of the running planbook; `None` when it cannot tell which executable it is.
pub(crate) fn of_this_executable() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{} {} {} {}.{:09}",
        env!("CARGO_PKG_VERSION"),
        env!("PLANBOOK_BUILD_ID"),
        meta.len(),
        modified.as_secs(),
        modified.subsec_nanos(),
    ))
}
