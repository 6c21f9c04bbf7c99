//! `liburing-wait-no-submit`: on a kernel with `IORING_FEAT_EXT_ARG` (5.11), waiting with a
//! timeout passes the timeout to `io_uring_enter` and must not touch the SQ ring: the man
//! page promises "no implied submit", and waiting from one thread while another fills the
//! SQ depends on it. liburing 2.0 flushed the SQ in that wait, submitting whatever was
//! queued; releases before 2.0 always queue an internal timeout SQE and submit.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(liburing_has = "io_uring_wait_cqes"),
    allow(dead_code, unused_imports)
)]

use super::lib_ring::LibRing;
use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-wait-no-submit",
    description: "On an IORING_FEAT_EXT_ARG kernel the linked liburing's io_uring_wait_cqes with \
                  a timeout leaves a queued, unsubmitted SQE alone (2.0 submitted it; fixed in \
                  liburing 2.1 by 0ea4ccd1 \"src/queue: don't flush SQ ring for new wait \
                  interface\"; before 2.0 every timed wait submits).",
    run,
};

const TIMEOUT_MS: u64 = 10;
const QUEUED: u64 = 7;

/// What the timed wait did with the queued NOP.
#[derive(Debug, Clone, Copy)]
pub struct Observed {
    pub ret: i32,
    /// The queued NOP's completion showed up: the wait submitted it.
    pub nop_completed: bool,
}

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_wait_cqes({TIMEOUT_MS} ms)",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if o.nop_completed {
        return Outcome::fail(format!(
            "{who} submitted the SQE queued before it (its completion came back, ret {}): \
             the wait touched the SQ ring",
            super::ret_text(o.ret)
        ));
    }
    if o.ret == -libc::ETIME {
        return Outcome::pass(format!(
            "{who} timed out with ETIME and left the queued SQE unsubmitted"
        ));
    }
    Outcome::fail(format!(
        "{who} returned {} with nothing submitted (expected ETIME)",
        super::ret_text(o.ret)
    ))
}

#[cfg(not(liburing_has = "io_uring_wait_cqes"))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_wait_cqes", "0.2")
}

#[cfg(liburing_has = "io_uring_wait_cqes")]
fn run() -> Outcome {
    use super::lib_ring::{timespec_ms, FEAT_EXT_ARG};
    use super::Figures;
    use system_liburing::sys;

    let mut ring = or_return!(LibRing::for_check(8, None, 0));
    if ring.params.features & FEAT_EXT_ARG == 0 {
        return Outcome::skip(
            "kernel lacks IORING_FEAT_EXT_ARG (5.11): a timed wait must submit a timeout SQE",
        );
    }
    ring.nop(QUEUED);
    let mut ts = timespec_ms(TIMEOUT_MS);
    let mut cqe: *mut sys::io_uring_cqe = std::ptr::null_mut();
    // SAFETY: the ring is live, `ts` outlives the call, `cqe` receives a pointer into the CQ
    // ring that is read right below while the ring lives.
    let ret =
        unsafe { sys::io_uring_wait_cqes(ring.raw(), &mut cqe, 1, &mut ts, std::ptr::null_mut()) };
    // SAFETY: a non-null `cqe` from a successful wait points at a filled CQE of this ring.
    let got = (ret == 0 && !cqe.is_null()).then(|| unsafe { (*cqe).user_data });
    let o = Observed {
        ret,
        nop_completed: got == Some(QUEUED) || ring.cq_ready() > 0,
    };
    let mut f = Figures::default();
    f.set("ret", super::ret_text(ret));
    f.set("queued_sqe_completed", o.nop_completed);
    f.set("cq_ready_after", ring.cq_ready());
    ring.clear_cq();
    judge(&o).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn submitting_fails_and_timing_out_passes() {
        let sub = judge(&Observed {
            ret: 0,
            nop_completed: true,
        });
        assert_eq!(sub.verdict, Verdict::Fail);
        assert!(sub.reason.contains("submitted the SQE"), "{}", sub.reason);
        let ok = judge(&Observed {
            ret: -libc::ETIME,
            nop_completed: false,
        });
        assert_eq!(ok.verdict, Verdict::Pass);
        let odd = judge(&Observed {
            ret: -libc::EINVAL,
            nop_completed: false,
        });
        assert_eq!(odd.verdict, Verdict::Fail);
        assert!(odd.reason.contains("EINVAL"));
    }
}
