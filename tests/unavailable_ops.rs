//! The ops this build lacks, said out loud. An op exists only where the linked liburing has
//! its helper; tests and examples that use such an op are compiled out on older releases
//! (`#![cfg(liburing_has = ...)]`), which would otherwise pass without a word. This test logs
//! each missing op with its reason to the skip log that `./x test` prints.

mod common;

use system_liburing::op::catalogue;
use system_liburing::sys;

#[test]
fn every_op_this_liburing_lacks_is_reported() {
    let missing: Vec<_> = catalogue().into_iter().filter(|o| !o.available).collect();
    for op in &missing {
        common::skip(
            &format!("op::{}", op.name),
            format_args!(
                "liburing {} has no {}; the tests and examples that use it are compiled out",
                sys::LIBURING_VERSION,
                op.helper
            ),
        );
    }
    // The catalogue agrees with what the header has: every available op's helper is one of
    // the header's inline functions.
    for op in catalogue().into_iter().filter(|o| o.available) {
        assert!(
            sys::INLINE_FUNCTIONS.contains(&op.helper),
            "op::{} is available but liburing {} has no {}",
            op.name,
            sys::LIBURING_VERSION,
            op.helper
        );
    }
}
