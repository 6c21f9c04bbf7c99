//! The liburing release this build links, as the checks' expectations (`history.rs`) and
//! `prep-encoding`'s table of known bugs read it.

/// A liburing release, `(major, minor)`.
pub type Release = (u32, u32);

/// The release actually linked: from the library file's name (`liburing.so.2.1.0` is 2.1;
/// the 0.x releases had soname 1: `liburing.so.1.0.7` is 0.7), since the pkg-config file of
/// some releases names the one before (2.1's says 2.0); else the version found at build time.
pub fn linked_release() -> Option<Release> {
    let from_name = std::fs::canonicalize(system_liburing::sys::LIBURING_LIBRARY)
        .ok()
        .and_then(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let v = name.strip_prefix("liburing.so.")?.to_owned();
            let mut it = v.split('.').map(|p| p.parse::<u32>().ok());
            match (it.next()??, it.next()??, it.next()) {
                (1, 0, Some(Some(minor))) => Some((0, minor)),
                (major, minor, _) if major >= 2 => Some((major, minor)),
                _ => None,
            }
        });
    from_name.or_else(|| parse(system_liburing::LIBURING_BUILD_VERSION))
}

/// `"2.3"` (or `"2.3.1"`) as `(2, 3)`.
pub fn parse(s: &str) -> Option<Release> {
    let mut it = s.split('.').map(|p| p.parse::<u32>().ok());
    Some((it.next()??, it.next()??))
}
