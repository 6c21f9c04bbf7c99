//! `crate-peek-overflow`: the seed scenario through this crate's safe `Ring::peek()`, which
//! flushes the kernel's overflow list when the ring is empty and the flag is up.

use super::{Check, Figures, Outcome, Tally, SEED_CQ, SEED_N, SEED_SQ};
use std::time::Instant;
use system_liburing::Ring;

pub const CHECK: Check = Check {
    name: "crate-peek-overflow",
    description: "The crate's safe peek() returns all N flooded completions, exactly once and \
                  in order, whatever liburing is linked.",
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
    f.set("flush_path", system_liburing::flush_path());
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
    let empty = match super::drain_with_peek(&mut ring, &mut tally, deadline) {
        Ok(n) => n,
        Err(e) => {
            tally.add_figures(&mut f);
            return Outcome::fail(format!(
                "peek failed after {} of {}: {}",
                tally.received,
                tally.expected,
                super::errno_text(&e)
            ))
            .with(f);
        }
    };
    let flag_after = super::overflow_flag(&ring);
    f.set("back_with_peek_alone", tally.received);
    f.set("consecutive_empty_peeks", empty);
    f.set("flag_after_drain", flag_after);
    tally.add_figures(&mut f);
    if !tally.exact() {
        return Outcome::fail(format!("peek(): {}", tally.summary())).with(f);
    }
    if flag_after {
        return Outcome::fail(format!(
            "peek(): {}, but IORING_SQ_CQ_OVERFLOW is still set",
            tally.summary()
        ))
        .with(f);
    }
    Outcome::pass(format!(
        "peek() via {}: {}",
        system_liburing::flush_path(),
        tally.summary()
    ))
    .with(f)
}
