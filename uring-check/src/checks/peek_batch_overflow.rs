//! `liburing-peek-batch-overflow`: the seed scenario drained with the linked liburing's own
//! `io_uring_peek_batch_cqe`. Before 0.7 the batch peek only read the CQ ring, so completions
//! parked on the kernel's overflow list never came back; 0.7 made it flush the list when
//! it finds the ring empty.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(liburing_has = "io_uring_peek_batch_cqe"),
    allow(dead_code, unused_imports)
)]

use super::lib_ring::LibRing;
use super::{Check, Figures, Outcome, Tally, MAX_EMPTY_PEEKS, SEED_CQ, SEED_N, SEED_SQ};

pub const CHECK: Check = Check {
    name: "liburing-peek-batch-overflow",
    description: "The linked liburing's own io_uring_peek_batch_cqe returns every one of N \
                  flooded completions, including those parked on the kernel's overflow list \
                  (fixed in liburing 0.7 by 20a7c010 \"io_uring_peek_batch_cqe should also \
                  check cq ring overflow\").",
    run,
};

/// What one drain saw.
#[derive(Debug, Clone)]
pub struct Observed {
    pub tally: Tally,
    pub empty_batches: u32,
    pub flag_after: bool,
}

/// Pass when every completion came back exactly once, in order.
pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_peek_batch_cqe",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if o.tally.exact() {
        return Outcome::pass(format!("{who}: {}", o.tally.summary()));
    }
    if o.tally.lost() > 0 {
        let flag = if o.flag_after {
            " (IORING_SQ_CQ_OVERFLOW still set)"
        } else {
            ""
        };
        return Outcome::fail(format!(
            "{who} returned {} of {}: {} stranded on the kernel's overflow list{flag} after {} \
             consecutive empty batches",
            o.tally.received,
            o.tally.expected,
            o.tally.lost(),
            o.empty_batches
        ));
    }
    Outcome::fail(format!("{who}: {}", o.tally.summary()))
}

#[cfg(not(liburing_has = "io_uring_peek_batch_cqe"))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_peek_batch_cqe", "0.2")
}

#[cfg(liburing_has = "io_uring_peek_batch_cqe")]
fn run() -> Outcome {
    use system_liburing::sys;
    let mut ring = or_return!(LibRing::for_check(SEED_SQ, Some(SEED_CQ), 0));
    if ring.params.features & sys::IORING_FEAT_NODROP == 0 {
        return Outcome::skip("kernel lacks IORING_FEAT_NODROP (5.5): there is no overflow list");
    }
    let mut f = Figures::default();
    let submitted = match ring.flood(SEED_N) {
        Ok(n) => n,
        Err(why) => return Outcome::fail(why),
    };
    f.set("submitted", submitted);
    f.set("flag_after_flood", ring.overflow_flag());

    let mut tally = Tally::new(submitted);
    let mut empty = 0u32;
    let mut batch = [std::ptr::null_mut::<sys::io_uring_cqe>(); 16];
    let deadline = std::time::Instant::now() + super::DEADLINE;
    // One extra round after the last expected completion catches extras.
    let mut extra_round = true;
    while (!tally.done() && empty < MAX_EMPTY_PEEKS && std::time::Instant::now() < deadline)
        || std::mem::take(&mut extra_round)
    {
        // SAFETY: the ring is live; `batch` has room for the 16 pointers asked for.
        let n = unsafe {
            sys::io_uring_peek_batch_cqe(ring.raw(), batch.as_mut_ptr(), batch.len() as _)
        };
        if n == 0 {
            empty += 1;
            continue;
        }
        empty = 0;
        for &cqe in &batch[..n as usize] {
            // SAFETY: the first `n` pointers point at filled CQEs of this ring, valid until
            // they are marked seen below.
            let (ud, res) = unsafe { ((*cqe).user_data, (*cqe).res) };
            tally.record(ud, res);
        }
        // SAFETY: releases exactly the `n` completions just read.
        unsafe { sys::io_uring_cq_advance(ring.raw(), n) };
    }
    let o = Observed {
        tally,
        empty_batches: empty,
        flag_after: ring.overflow_flag(),
    };
    f.set("consecutive_empty_batches", o.empty_batches);
    f.set("flag_after_drain", o.flag_after);
    o.tally.add_figures(&mut f);
    judge(&o).with(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(back: u64, of: u64, flag: bool) -> Observed {
        let mut tally = Tally::new(of);
        for ud in 0..back {
            tally.record(ud, 0);
        }
        Observed {
            tally,
            empty_batches: MAX_EMPTY_PEEKS,
            flag_after: flag,
        }
    }

    #[test]
    fn stranded_completions_fail_with_their_count() {
        let o = judge(&observed(32, 100, true));
        assert_eq!(o.verdict, super::super::Verdict::Fail);
        assert!(
            o.reason.contains("returned 32 of 100: 68 stranded"),
            "{}",
            o.reason
        );
        assert!(o.reason.contains("IORING_SQ_CQ_OVERFLOW still set"));
    }

    #[test]
    fn all_back_passes() {
        assert_eq!(
            judge(&observed(100, 100, false)).verdict,
            super::super::Verdict::Pass
        );
    }
}
