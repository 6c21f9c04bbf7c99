//! The scenario two checks judge: a timed `io_uring_wait_cqes` on an idle ring, down the path
//! liburing takes on kernels without `IORING_FEAT_EXT_ARG` (before 5.11): it queues an
//! internal timeout SQE (user_data `LIBURING_UDATA_TIMEOUT`), submits it, waits, and consumes
//! the timeout's `-ETIME` completion itself.
//!
//! The running kernel has EXT_ARG, so on liburing 2.0+ the bit is cleared in the
//! `struct io_uring` whose `features` liburing consults: that is all liburing knows of the
//! kernel, so it behaves as it does on an old kernel. Releases before 2.0 always take that
//! path.

// Unused when the linked liburing has no io_uring_wait_cqes (the checks then skip).
#![allow(dead_code)]
#![cfg_attr(not(liburing_has = "io_uring_wait_cqes"), allow(unused_imports))]

use super::{Figures, Outcome};

/// The wait's timeout.
pub const TIMEOUT_MS: u64 = 5;

/// What the wait returned.
#[derive(Debug, Clone, Copy)]
pub struct Observed {
    pub ret: i32,
    /// The CQE pointer was left non-null.
    pub cqe_set: bool,
    /// The user_data it pointed at (`LIBURING_UDATA_TIMEOUT` is `-1`).
    pub cqe_user_data: Option<u64>,
}

/// Runs the wait and judges it; skips where the linked liburing has no `io_uring_wait_cqes`.
pub fn run_judged(judge: fn(&Observed) -> Outcome) -> Outcome {
    #[cfg(liburing_has = "io_uring_wait_cqes")]
    {
        let (o, f) = or_return!(timed_out_wait());
        judge(&o).with(f)
    }
    #[cfg(not(liburing_has = "io_uring_wait_cqes"))]
    {
        let _ = judge;
        super::lib_ring::lacks("io_uring_wait_cqes", "0.2")
    }
}

/// Runs the wait once; `Err` is the check's outcome when it could not.
#[cfg(liburing_has = "io_uring_wait_cqes")]
pub fn timed_out_wait() -> Result<(Observed, Figures), Outcome> {
    use super::lib_ring::{timespec_ms, LibRing};
    use system_liburing::sys;

    let mut ring = LibRing::for_check(4, None, 0)?;
    let emulated = without_ext_arg(&mut ring);
    let mut ts = timespec_ms(TIMEOUT_MS);
    let mut cqe: *mut sys::io_uring_cqe = std::ptr::null_mut();
    // SAFETY: the ring is live and idle (the wait ends by its timeout), `ts` outlives the
    // call, a null sigmask is allowed.
    let ret =
        unsafe { sys::io_uring_wait_cqes(ring.raw(), &mut cqe, 1, &mut ts, std::ptr::null_mut()) };
    // A stale pointer still points into this ring's CQ mapping, which lives as long as the
    // ring: reading it reads our own memory, whatever the kernel did with the slot.
    // SAFETY: see above; the pointer is only read, never handed back to liburing.
    let cqe_user_data = (!cqe.is_null()).then(|| unsafe { cqe.read_volatile().user_data });
    let o = Observed {
        ret,
        cqe_set: !cqe.is_null(),
        cqe_user_data,
    };
    let mut f = Figures::default();
    f.set("ext_arg_cleared", emulated);
    f.set("timeout_ms", TIMEOUT_MS);
    f.set("ret", super::ret_text(ret));
    f.set("cqe_pointer_set", o.cqe_set);
    ring.clear_cq();
    Ok((o, f))
}

/// Clears `IORING_FEAT_EXT_ARG` in the ring liburing consults (2.0+); `false` on releases
/// without the field, which never use EXT_ARG anyway.
#[cfg(liburing_ring_field = "features")]
fn without_ext_arg(ring: &mut super::lib_ring::LibRing) -> bool {
    // SAFETY: a plain field of the live ring struct, read only by liburing.
    unsafe { (*ring.raw()).features &= !super::lib_ring::FEAT_EXT_ARG };
    true
}

#[cfg(not(liburing_ring_field = "features"))]
fn without_ext_arg(_: &mut super::lib_ring::LibRing) -> bool {
    false
}
