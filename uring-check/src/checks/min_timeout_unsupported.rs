//! `liburing-min-timeout-unsupported`: `io_uring_wait_cqes_min_timeout` (liburing 2.8) on a
//! kernel without `IORING_FEAT_MIN_TIMEOUT` (before 6.12) must fail with `EINVAL`, as its
//! man page says; until 2.15 it silently dropped the minimum wait and behaved like a plain
//! `io_uring_wait_cqes`.
//!
//! The running kernel has the feature, so the check shows liburing what an older kernel
//! shows it: the feature bit is cleared in the `struct io_uring` whose `features` liburing
//! consults. The call is made through the loaded library's symbol (`dlsym`), since the
//! bindings' detection table does not list it.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(not(liburing_ring_field = "features"), allow(dead_code))]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-min-timeout-unsupported",
    description: "The linked liburing's io_uring_wait_cqes_min_timeout on a ring without \
                  IORING_FEAT_MIN_TIMEOUT (kernels before 6.12; emulated by clearing the bit in \
                  struct io_uring) fails with EINVAL instead of silently waiting without the \
                  minimum (fixed in liburing 2.15 by 80f35586 \"src/queue: \
                  io_uring_wait_cqes_min_timeout() should -EINVAL if unsupported\").",
    run,
};

const TIMEOUT_MS: u64 = 5;
const MIN_WAIT_US: u32 = 1000;

pub fn judge(ret: i32) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_wait_cqes_min_timeout",
        system_liburing::LIBURING_BUILD_VERSION
    );
    match ret {
        r if r == -libc::EINVAL => Outcome::pass(format!(
            "{who} refused a min timeout the ring does not support with EINVAL"
        )),
        r if r == -libc::ETIME || r >= 0 => Outcome::fail(format!(
            "{who} waited without the unsupported min timeout and returned {} instead of EINVAL",
            super::ret_text(r)
        )),
        r => Outcome::fail(format!(
            "{who} returned {} (expected EINVAL)",
            super::errno_name(-r)
        )),
    }
}

#[cfg(not(liburing_ring_field = "features"))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_wait_cqes_min_timeout", "2.8")
}

#[cfg(liburing_ring_field = "features")]
fn run() -> Outcome {
    use super::lib_ring::{timespec_ms, LibRing, FEAT_MIN_TIMEOUT};
    use super::Figures;
    use std::ffi::c_void;
    use system_liburing::sys;

    type WaitMin = unsafe extern "C" fn(
        *mut sys::io_uring,
        *mut *mut sys::io_uring_cqe,
        u32,
        *mut sys::__kernel_timespec,
        u32,
        *mut c_void,
    ) -> i32;

    // SAFETY: dlsym with a NUL-terminated name; RTLD_DEFAULT searches the loaded objects.
    let sym = unsafe {
        libc::dlsym(
            libc::RTLD_DEFAULT,
            c"io_uring_wait_cqes_min_timeout".as_ptr(),
        )
    };
    if sym.is_null() {
        if sys::LIBURING_STATIC {
            return Outcome::skip(
                "liburing is linked statically: io_uring_wait_cqes_min_timeout cannot be looked up",
            );
        }
        return super::lib_ring::lacks("io_uring_wait_cqes_min_timeout", "2.8");
    }
    // SAFETY: the symbol is liburing's io_uring_wait_cqes_min_timeout, whose C signature
    // (ring, cqe_ptr, unsigned wait_nr, struct __kernel_timespec *ts, unsigned min_wait_usec,
    // sigset_t *sigmask) -> int this type spells.
    let wait_min: WaitMin = unsafe { std::mem::transmute::<*mut c_void, WaitMin>(sym) };
    let mut ring = or_return!(LibRing::for_check(4, None, 0));
    let kernel_has = ring.params.features & FEAT_MIN_TIMEOUT != 0;
    // SAFETY: a plain field of the live ring struct, consulted by liburing only.
    unsafe { (*ring.raw()).features &= !FEAT_MIN_TIMEOUT };
    let mut ts = timespec_ms(TIMEOUT_MS);
    let mut cqe = std::ptr::null_mut();
    // SAFETY: the ring is live (nothing in flight, so the wait ends by the timeout), `ts`
    // outlives the call, a null sigmask is allowed.
    let ret = unsafe {
        wait_min(
            ring.raw(),
            &mut cqe,
            1,
            &mut ts,
            MIN_WAIT_US,
            std::ptr::null_mut(),
        )
    };
    let mut f = Figures::default();
    f.set("kernel_has_min_timeout", kernel_has);
    f.set("ret", ret);
    ring.clear_cq();
    judge(ret).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn silent_degradation_fails() {
        assert_eq!(judge(-libc::ETIME).verdict, Verdict::Fail);
        assert_eq!(judge(0).verdict, Verdict::Fail);
        assert_eq!(judge(-libc::EINVAL).verdict, Verdict::Pass);
        assert!(judge(-libc::EBADF).reason.contains("EBADF"));
    }
}
