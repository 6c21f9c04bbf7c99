//! `kernel-overflow-flag`: the kernel raises `IORING_SQ_CQ_OVERFLOW` while completions wait
//! on its overflow list, keeps it up while the CQ ring alone is drained, and clears it once
//! the list has been flushed.

use super::{Check, Figures, Outcome, Tally};
use std::time::Instant;
use system_liburing::{Cqe, Ring};

pub const CHECK: Check = Check {
    name: "kernel-overflow-flag",
    description: "The kernel raises IORING_SQ_CQ_OVERFLOW while completions wait on its \
                  overflow list and clears it once they are flushed.",
    run,
};

/// A 32/32 ring flooded with 64 NOPs in two submits: the first fills the CQ ring exactly,
/// the second goes entirely to the overflow list (no submit ever meets a non-empty list, so
/// kernels that answer that with EBUSY behave the same).
const RING: u32 = 32;
const N: u64 = 64;

fn run() -> Outcome {
    let mut ring = match super::build(Ring::builder().entries(RING).cq_entries(RING), "32/32") {
        Ok(r) => r,
        Err(o) => return o,
    };
    if let Some(skip) = super::nodrop_or_skip(&ring).or_else(super::flag_unsupported_skip) {
        return skip;
    }
    let deadline = Instant::now() + super::DEADLINE;
    let mut f = Figures::default();
    f.set("cq_entries", ring.sizes().1);
    let flood = match super::flood(&mut ring, 0, N) {
        Ok(fl) => fl,
        Err(e) => return Outcome::fail(format!("flood failed: {}", super::errno_text(&e))),
    };
    f.set("submitted", flood.submitted);
    let in_ring = ring.cq_ready();
    let backlog = flood.submitted.saturating_sub(u64::from(in_ring));
    let after_flood = super::overflow_flag(&ring);
    f.set("in_cq_ring", in_ring);
    f.set("overflow_backlog", backlog);
    f.set("flag_after_flood", after_flood);

    // Drain the CQ ring only (drain() does not enter the kernel while the ring has entries).
    let mut tally = Tally::new(flood.submitted);
    let mut buf = vec![Cqe::default(); in_ring as usize];
    let got = match ring.drain(&mut buf) {
        Ok(n) => n,
        Err(e) => return Outcome::fail(format!("drain failed: {}", super::errno_text(&e))),
    };
    for c in &buf[..got] {
        tally.record(c.user_data(), c.raw_result());
    }
    let after_ring_drain = super::overflow_flag(&ring);
    f.set("flag_after_cq_ring_drained", after_ring_drain);

    // Now flush and drain the rest with the crate's peek.
    if let Err(e) = super::drain_with_peek(&mut ring, &mut tally, deadline) {
        return Outcome::fail(format!("peek failed: {}", super::errno_text(&e))).with(f);
    }
    let after_flush = super::overflow_flag(&ring);
    f.set("flag_after_flush", after_flush);
    tally.add_figures(&mut f);

    if flood.busy {
        return Outcome::fail(format!(
            "the kernel refused a submit with EBUSY before the overflow list could be inspected \
             ({} of {N} submitted)",
            flood.submitted
        ))
        .with(f);
    }
    if backlog == 0 {
        return Outcome::fail(format!(
            "{N} NOPs into a {RING}-entry CQ ring did not overflow ({in_ring} in the ring)"
        ))
        .with(f);
    }
    let verdict = match (after_flood, after_ring_drain, after_flush) {
        (false, _, _) => Outcome::fail(format!(
            "IORING_SQ_CQ_OVERFLOW was not raised with {backlog} completions on the overflow list"
        )),
        (true, false, _) => Outcome::fail(
            "IORING_SQ_CQ_OVERFLOW dropped when the CQ ring was drained although nothing had \
             flushed the overflow list",
        ),
        (true, true, true) => Outcome::fail(format!(
            "IORING_SQ_CQ_OVERFLOW still raised after the overflow list was flushed ({})",
            tally.summary()
        )),
        (true, true, false) if !tally.exact() => Outcome::fail(format!(
            "flag behaved, but completions went wrong: {}",
            tally.summary()
        )),
        (true, true, false) => Outcome::pass(format!(
            "raised with {backlog} completions on the overflow list, kept while only the CQ ring \
             was drained, cleared after the flush; {}",
            tally.summary()
        )),
    };
    verdict.with(f)
}
