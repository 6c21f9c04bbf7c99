//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io;
use system_liburing::Ring;

/// Builds a ring, or says why the test is skipped (io_uring unavailable here).
pub fn ring_or_skip(b: system_liburing::Builder, what: &str) -> Option<Ring> {
    match b.build() {
        Ok(r) => Some(r),
        Err(e) if unavailable(&e) => {
            eprintln!("skipped: {what}: io_uring unavailable here ({e})");
            None
        }
        Err(e) => panic!("{what}: ring setup failed: {e}"),
    }
}

/// Errors that mean "this kernel / sandbox does not give us io_uring (or this feature)".
pub fn unavailable(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM | libc::EINVAL | libc::EACCES))
}
