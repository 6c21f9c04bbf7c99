// The liburing release a shared object's file name tells, shared by the build script (the
// version it reports) and the crate (`release_from_library_name`, for the library loaded at
// run time). `core` only: the crate is `no_std`.

/// The release (major, minor) that a liburing shared object's file name tells:
/// `liburing.so.1.0.N` is release 0.N (0.1 to 0.7), `liburing.so.2.X` and `liburing.so.2.X.Y`
/// are release 2.X. The bare soname (`liburing.so.2`) and `liburing.so` tell nothing, so
/// give the name after following symlinks.
///
/// ```
/// use system_liburing_sys::release_from_library_name as r;
/// assert_eq!(r("liburing.so.1.0.6"), Some((0, 6)));
/// assert_eq!(r("/usr/lib/x86_64-linux-gnu/liburing.so.2.3"), Some((2, 3)));
/// assert_eq!(r("liburing.so.2.1.0"), Some((2, 1)));
/// assert_eq!(r("liburing.so.2"), None);
/// ```
pub fn release_from_library_name(name: &str) -> Option<(u32, u32)> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let rest = file.strip_prefix("liburing.so.")?;
    let mut parts = rest.split('.');
    let mut next = || -> Option<u32> { parts.next()?.parse().ok() };
    let major = next()?;
    let minor = next()?;
    let patch = next();
    match (major, minor, patch) {
        // 0.x releases shipped the library as 1.0.x (liburing.so.1.0.6 is 0.6).
        (1, 0, Some(p)) => Some((0, p)),
        (1, _, _) => None,
        (m, n, _) if m >= 2 => Some((m, n)),
        _ => None,
    }
}
