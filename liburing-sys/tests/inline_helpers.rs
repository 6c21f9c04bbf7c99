//! Every `static inline` helper of the installed liburing.h is a real, linkable symbol.

/// (name, address) for every inline function the build found in the preprocessed header;
/// this only compiles if each one is bound and only links if the shim defines each one.
const BOUND: &[(&str, *const ())] = include!(concat!(env!("OUT_DIR"), "/inline_fn_ptrs.rs"));

#[test]
fn every_inline_helper_is_bound() {
    let header = system_liburing_sys::INLINE_FUNCTIONS;
    assert!(
        !header.is_empty(),
        "no static inline functions found in the header"
    );
    assert_eq!(BOUND.len(), header.len());
    assert_eq!(
        system_liburing_sys::SHIM_WRAPPERS,
        header.len(),
        "bindgen wrapped a different number of helpers than the header defines"
    );
    for (name, ptr) in BOUND {
        assert!(!ptr.is_null(), "{name} has no address");
    }
    assert!(
        header.contains(&"io_uring_prep_nop"),
        "io_uring_prep_nop missing from the scan"
    );
    // Inline in most releases, exported functions in others (io_uring_get_sqe before 2.x,
    // io_uring_peek_cqe and io_uring_wait_cqe in 0.1): bound either way.
    for must in [
        "io_uring_peek_cqe",
        "io_uring_cqe_seen",
        "io_uring_wait_cqe",
        "io_uring_get_sqe",
    ] {
        assert!(
            header.contains(&must) || system_liburing_sys::LIBRARY_FUNCTIONS.contains(&must),
            "{must} is neither an inline helper nor an exported function of this liburing"
        );
    }
}

#[test]
fn count_matches_the_known_release() {
    let n = system_liburing_sys::INLINE_FUNCTIONS.len();
    match system_liburing_sys::LIBURING_VERSION {
        "2.3" => assert_eq!(n, 107, "liburing 2.3's liburing.h defines 107 static inline functions"),
        v => eprintln!("liburing {v}: {n} static inline helpers bound (no reference count recorded for this release)"),
    }
}
