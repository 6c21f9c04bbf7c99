//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io;
use system_liburing::Ring;

/// Builds a ring, or says why the test is skipped (io_uring unavailable here).
pub fn ring_or_skip(b: system_liburing::Builder, what: &str) -> Option<Ring> {
    build(b, what, false)
}

/// Builds a ring that uses a setup flag older kernels reject with EINVAL; skips then.
pub fn ring_with_feature_or_skip(b: system_liburing::Builder, what: &str) -> Option<Ring> {
    build(b, what, true)
}

fn build(b: system_liburing::Builder, what: &str, einval_means_missing: bool) -> Option<Ring> {
    match b.build() {
        Ok(r) => Some(r),
        Err(e)
            if unavailable(&e)
                || (einval_means_missing && e.raw_os_error() == Some(libc::EINVAL)) =>
        {
            skip(
                what,
                format_args!("not available on this kernel / sandbox ({e})"),
            );
            None
        }
        Err(e) => panic!("{what}: ring setup failed: {e}"),
    }
}

/// Errors that mean "this kernel / sandbox does not give us io_uring".
pub fn unavailable(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENOSYS | libc::EPERM | libc::EACCES)
    )
}

/// Records a skipped test with its reason: on stderr, and in `target/tmp/skipped.log`, which
/// `./x test` prints after the run so that no skip passes silently.
pub fn skip(what: &str, why: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let line = format!("skipped: {what}: {why}");
    eprintln!("{line}");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped.log");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write: test binaries running side by side append to the same log.
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// A pipe: (read end, write end).
pub fn pipe() -> (std::fs::File, std::fs::File) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: two valid out slots.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fresh fds we own.
    unsafe {
        (
            std::fs::File::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    }
}

/// Pushes NOPs with user_data `from..from + n`, submitting whenever the SQ fills, without
/// reaping: a small CQ overflows.
pub fn flood(ring: &mut Ring, from: u64, n: u64) {
    let mut pushed = from;
    while pushed < from + n {
        while pushed < from + n
            && ring
                .push_with_user_data(system_liburing::op::Nop::new(), pushed)
                .is_ok()
        {
            pushed += 1;
        }
        ring.submit().unwrap();
    }
}

/// Takes `expect` back with peek alone, in order; fails after 1000 empty peeks in all.
pub fn peek_in_order(ring: &mut Ring, expect: std::ops::Range<u64>) {
    let (mut next, end) = (expect.start, expect.end);
    let mut misses = 0;
    while next < end {
        match ring.peek().unwrap() {
            Some(c) => {
                assert_eq!(c.user_data(), next);
                next += 1;
            }
            None => {
                misses += 1;
                assert!(
                    misses < 1000,
                    "peek never brought completion {next} of {end} out"
                );
            }
        }
    }
}

/// The running kernel's (major, minor), from `/proc/sys/kernel/osrelease` ((0, 0) if
/// unreadable): for the few checks whose expectation differs between kernels as measured.
#[allow(dead_code)]
pub fn kernel_version() -> (u32, u32) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let mut nums = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    (nums.next().unwrap_or(0), nums.next().unwrap_or(0))
}

/// A file handle whose drop panics (a safe `AsFd` type, say one that asserts it was
/// flushed): the op holding it panics where the crate releases it.
#[derive(Debug)]
pub struct PanicsOnDrop(pub std::os::fd::OwnedFd);

impl std::os::fd::AsFd for PanicsOnDrop {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("dropped unflushed");
        }
    }
}
