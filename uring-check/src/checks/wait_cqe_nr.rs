//! `liburing-wait-cqe-nr`: `io_uring_wait_cqe_nr(ring, &cqe, 2)` with one completion already
//! in the CQ ring must wait for the second. From 0.3 to 0.6 the inline helper returned any
//! completion already there without waiting; 0.7 (36c05ec4, a1a349a7) dropped that fast path
//! but counted the peeked completion against `wait_nr` and asked the kernel for one fewer,
//! while the kernel counts what is in the CQ ring too: the call still returned at once.
//! 2.0 stopped the decrement.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(liburing_has = "io_uring_wait_cqe_nr"),
    allow(dead_code, unused_imports)
)]

use super::lib_ring::LibRing;
use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-wait-cqe-nr",
    description: "The linked liburing's io_uring_wait_cqe_nr(2), with one completion already in \
                  the CQ ring, returns only once the second has arrived (0.3-0.7 returned at \
                  once; fixed in liburing 2.0 by c2aea7b7 \"src/queue: don't wait for less than \
                  expected\").",
    run,
};

/// The second completion: a timerfd poll firing this many milliseconds after the wait starts.
const SECOND_AFTER_MS: u64 = 20;

/// What the wait returned with.
#[derive(Debug, Clone, Copy)]
pub struct Observed {
    pub ret: i32,
    /// Completions in the CQ ring when the wait returned.
    pub ready_after: u32,
    pub waited_ms: f64,
}

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_wait_cqe_nr(2)",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if o.ret < 0 {
        return Outcome::fail(format!("{who} failed: {}", super::errno_name(-o.ret)));
    }
    if o.ready_after >= 2 {
        return Outcome::pass(format!(
            "{who} waited {:.1} ms for the second completion: {} in the CQ ring",
            o.waited_ms, o.ready_after
        ));
    }
    Outcome::fail(format!(
        "{who} returned after {:.1} ms with {} completion(s) in the CQ ring: it waited for \
         fewer than asked",
        o.waited_ms, o.ready_after
    ))
}

#[cfg(not(liburing_has = "io_uring_wait_cqe_nr"))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_wait_cqe_nr", "0.3")
}

#[cfg(liburing_has = "io_uring_wait_cqe_nr")]
fn run() -> Outcome {
    use super::Figures;
    use std::time::Instant;
    use system_liburing::sys;

    let mut ring = or_return!(LibRing::for_check(8, None, 0));
    let _timer = or_return!(ring.poll_timer(SECOND_AFTER_MS, 2));
    ring.nop(1);
    or_return!(ring.submit_all(2));
    let ready_before = ring.cq_ready();
    let mut cqe = std::ptr::null_mut();
    let t = Instant::now();
    // SAFETY: the ring is live; `cqe` receives a pointer into its CQ ring, not used later.
    let ret = unsafe { sys::io_uring_wait_cqe_nr(ring.raw(), &mut cqe, 2) };
    let o = Observed {
        ret,
        ready_after: ring.cq_ready(),
        waited_ms: super::ms(t.elapsed()),
    };
    let mut f = Figures::default();
    f.set("ready_before", ready_before);
    f.set("ready_after", o.ready_after);
    f.set("waited_ms", o.waited_ms);
    f.set("second_completion_after_ms", SECOND_AFTER_MS);
    f.set("ret", o.ret);
    // A poll still in flight (the failing case) is cancelled by io_uring_queue_exit.
    ring.clear_cq();
    judge(&o).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn returning_with_one_fails() {
        let o = judge(&Observed {
            ret: 0,
            ready_after: 1,
            waited_ms: 0.01,
        });
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.reason.contains("1 completion(s)"), "{}", o.reason);
    }

    #[test]
    fn waiting_for_both_passes_and_errors_fail() {
        let ok = Observed {
            ret: 0,
            ready_after: 2,
            waited_ms: 20.1,
        };
        assert_eq!(judge(&ok).verdict, Verdict::Pass);
        let err = Observed {
            ret: -libc::EINTR,
            ..ok
        };
        assert!(judge(&err).reason.contains("EINTR"));
    }
}
