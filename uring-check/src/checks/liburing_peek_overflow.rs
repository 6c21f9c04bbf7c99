//! `liburing-peek-overflow`: the seed scenario through the *linked liburing's own*
//! `io_uring_peek_cqe`. Before liburing 0.7 that peek only reads the CQ ring: completions on
//! the kernel's overflow list never come back (it answers EAGAIN forever). The drain is
//! bounded by consecutive empty peeks, so a stranding liburing fails instead of hanging.

use super::{Check, Figures, Outcome, Tally, MAX_EMPTY_PEEKS, SEED_CQ, SEED_N, SEED_SQ};
use std::time::Instant;
use system_liburing::{Ring, LIBURING_BUILD_VERSION};

pub const CHECK: Check = Check {
    name: "liburing-peek-overflow",
    description: "The linked liburing's own io_uring_peek_cqe returns every one of N flooded \
                  completions, including those parked on the kernel's overflow list.",
    run,
};

fn run() -> Outcome {
    let mut ring = match super::build(
        Ring::builder().entries(SEED_SQ).cq_entries(SEED_CQ),
        "seed ring",
    ) {
        Ok(r) => r,
        Err(o) => return o,
    };
    if let Some(skip) = super::nodrop_or_skip(&ring) {
        return skip;
    }
    let deadline = Instant::now() + super::DEADLINE;
    let mut f = Figures::default();
    f.set("liburing", LIBURING_BUILD_VERSION);
    f.set("sq_entries", ring.sizes().0);
    f.set("cq_entries", ring.sizes().1);
    let flood = match super::flood(&mut ring, 0, SEED_N) {
        Ok(fl) => fl,
        Err(e) => return Outcome::fail(format!("flood failed: {}", super::errno_text(&e))),
    };
    f.set("submitted", flood.submitted);
    f.set("kernel_ebusy", flood.busy);
    f.set("flag_after_flood", super::overflow_flag(&ring));

    let mut tally = Tally::new(flood.submitted);
    let mut empty = 0u32;
    let mut error = None;
    while !tally.done() && empty < MAX_EMPTY_PEEKS && Instant::now() < deadline {
        match peek_once(&mut ring, &mut tally) {
            Ok(true) => empty = 0,
            Ok(false) => empty += 1,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    if error.is_none() {
        // One more: anything beyond what was submitted is a duplicate or a stray.
        if let Err(e) = peek_once(&mut ring, &mut tally) {
            error = Some(e);
        }
    }
    let stranded_flag = super::overflow_flag(&ring);
    f.set("back_with_peek_alone", tally.received);
    f.set("consecutive_empty_peeks", empty);
    f.set("flag_after_drain", stranded_flag);
    tally.add_figures(&mut f);

    if let Some(e) = error {
        return Outcome::fail(format!(
            "io_uring_peek_cqe failed after {} of {}: {}",
            tally.received,
            tally.expected,
            super::errno_text(&e)
        ))
        .with(f);
    }
    let who = format!("liburing {LIBURING_BUILD_VERSION}'s io_uring_peek_cqe");
    if tally.exact() {
        return Outcome::pass(format!("{who}: {}", tally.summary())).with(f);
    }
    if tally.lost() > 0 {
        let flag = if stranded_flag {
            " (IORING_SQ_CQ_OVERFLOW still set)"
        } else {
            ""
        };
        return Outcome::fail(format!(
            "{who} returned {} of {}: {} stranded on the kernel's overflow list{flag} after \
             {empty} consecutive empty peeks",
            tally.received,
            tally.expected,
            tally.lost()
        ))
        .with(f);
    }
    Outcome::fail(format!("{who}: {}", tally.summary())).with(f)
}

/// One call of the linked liburing's `io_uring_peek_cqe`: `Ok(true)` when it returned a
/// completion (recorded and marked seen), `Ok(false)` on EAGAIN (the ring looked empty).
fn peek_once(ring: &mut Ring, tally: &mut Tally) -> std::io::Result<bool> {
    // SAFETY: `peek_cqe_raw` returns a pointer into this ring's CQ, valid until it is marked
    // seen; it is read while valid and marked seen exactly once, right here, and not used
    // after that.
    unsafe {
        match ring.peek_cqe_raw() {
            Ok(cqe) if !cqe.is_null() => {
                tally.record((*cqe).user_data, (*cqe).res);
                ring.cqe_seen(cqe);
                Ok(true)
            }
            Ok(_) => Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
