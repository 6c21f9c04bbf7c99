//! Attack reproducers, kept as regression tests once fixed: panics on hostile arguments,
//! where the promise is a clear error. Safe code only (the debug build's overflow checks
//! are what catch the arithmetic ones).

mod common;

use std::time::Duration;
use system_liburing::Ring;

/// Regression (was: panic): `Ring::wait_timeout` / `Completer::wait_timeout` compute
/// `Instant::now() + timeout`, which panics ("overflow when adding duration to instant")
/// for a timeout like `Duration::MAX`, a natural "wait forever" value. Fixed:
/// `checked_add`, falling back to an untimed wait.
#[test]
fn wait_timeout_with_a_huge_duration_does_not_panic() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "wait_timeout max")
    else {
        return;
    };
    ring.push_with_user_data(system_liburing::op::Nop::new(), 7)
        .unwrap();
    ring.submit().unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ring.wait_timeout(Duration::MAX)
    }));
    let cqe = r.expect("wait_timeout(Duration::MAX) panicked").unwrap();
    assert_eq!(cqe.map(|c| c.user_data()), Some(7));
}

/// Regression (was: panic, debug builds): `Ring::register_buffers_update(offset, count, size)`
/// checks `usize::from(offset) + count > 65536`, an addition that overflows (and panics with
/// overflow checks on) for a hostile `count` near `usize::MAX`. In release it wraps and the
/// allocation check refuses it, so only debug builds panic; fixed with `checked_add`.
#[test]
fn register_buffers_update_with_a_huge_count_is_einval() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "buffers update") else {
        return;
    };
    if ring.register_buffers_sparse(4).is_err() {
        common::skip(
            "buffers update",
            format_args!("no sparse buffer table here"),
        );
        return;
    }
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ring.register_buffers_update(1, usize::MAX, 4096)
            .map(|v| v.len())
    }));
    let r = r.expect("register_buffers_update panicked on a hostile count");
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EINVAL));
}

/// Regression (was: panic): `FGetXattr::new(fd, name, size)` and `GetXattr::new(path, name, size)`
/// allocate `Vec::with_capacity(size)` in the constructor, which panics ("capacity
/// overflow") for a hostile `size` such as `usize::MAX` . Fixed: the kernel
/// reads at most `XATTR_SIZE_MAX` (64 KiB) of a get, so no more is allocated.
#[cfg(all(
    liburing_has = "io_uring_prep_fgetxattr",
    liburing_has = "io_uring_prep_getxattr"
))]
#[test]
fn xattr_sizes_past_memory_do_not_panic() {
    let r = std::panic::catch_unwind(|| {
        let f = std::fs::File::open("/dev/null").unwrap();
        drop(system_liburing::op::FGetXattr::new(
            f,
            c"user.x".into(),
            usize::MAX,
        ));
    });
    assert!(r.is_ok(), "FGetXattr::new(.., usize::MAX) panicked");
    let r = std::panic::catch_unwind(|| {
        drop(system_liburing::op::GetXattr::new(
            c"/".into(),
            c"user.x".into(),
            usize::MAX,
        ));
    });
    assert!(r.is_ok(), "GetXattr::new(.., usize::MAX) panicked");
}
