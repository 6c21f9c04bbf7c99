//! `get-events`: liburing's `io_uring_get_events` (2.3+) exists in the linked liburing and
//! flushes the kernel's overflow list into the CQ ring.

use super::{Check, Figures, Outcome, Tally};
use std::time::Instant;
use system_liburing::{sys, Cqe, Ring, LIBURING_BUILD_VERSION};

pub const CHECK: Check = Check {
    name: "get-events",
    description: "The linked liburing exports io_uring_get_events (2.3+) and it flushes the \
                  kernel's overflow list into the CQ ring.",
    run,
};

const RING: u32 = 32;
const N: u64 = 64;

fn run() -> Outcome {
    let present = sys::FEATURES
        .iter()
        .any(|&(name, _, has)| name == "io_uring_get_events" && has);
    if !present {
        return Outcome::skip(format!(
            "liburing {LIBURING_BUILD_VERSION} has no io_uring_get_events (added in 2.3)"
        ));
    }
    let mut ring = match super::build(Ring::builder().entries(RING).cq_entries(RING), "32/32") {
        Ok(r) => r,
        Err(o) => return o,
    };
    if let Some(skip) = super::nodrop_or_skip(&ring).or_else(super::flag_unsupported_skip) {
        return skip;
    }
    let deadline = Instant::now() + super::DEADLINE;
    let mut f = Figures::default();
    f.set("liburing", LIBURING_BUILD_VERSION);
    let flood = match super::flood(&mut ring, 0, N) {
        Ok(fl) => fl,
        Err(e) => return Outcome::fail(format!("flood failed: {}", super::errno_text(&e))),
    };
    let mut tally = Tally::new(flood.submitted);
    // Take what is in the CQ ring without entering the kernel.
    let mut buf = vec![Cqe::default(); ring.cq_ready() as usize];
    let got = match ring.drain(&mut buf) {
        Ok(n) => n,
        Err(e) => return Outcome::fail(format!("drain failed: {}", super::errno_text(&e))),
    };
    for c in &buf[..got] {
        tally.record(c.user_data(), c.raw_result());
    }
    let backlog = flood.submitted - got as u64;
    let flag_before = super::overflow_flag(&ring);
    f.set("overflow_backlog", backlog);
    f.set("flag_before", flag_before);
    f.set("in_cq_ring_before", ring.cq_ready());
    if backlog == 0 || !flag_before {
        return Outcome::fail(format!(
            "could not build an overflow backlog to flush ({backlog} owed, flag {flag_before})"
        ))
        .with(f);
    }
    let t = Instant::now();
    let r = ring.get_events();
    let took = t.elapsed();
    let moved = ring.cq_ready();
    let flag_after = super::overflow_flag(&ring);
    f.set("get_events_us", (took.as_secs_f64() * 1e6).round());
    f.set("moved_into_cq_ring", moved);
    f.set("flag_after", flag_after);
    if let Err(e) = r {
        return Outcome::fail(format!(
            "io_uring_get_events failed: {}",
            super::errno_text(&e)
        ))
        .with(f);
    }
    if let Err(e) = super::drain_with_peek(&mut ring, &mut tally, deadline) {
        return Outcome::fail(format!("peek failed: {}", super::errno_text(&e))).with(f);
    }
    tally.add_figures(&mut f);
    let expect_moved = backlog.min(u64::from(ring.sizes().1));
    if u64::from(moved) < expect_moved {
        return Outcome::fail(format!(
            "io_uring_get_events moved {moved} of {backlog} overflowed completions into the CQ \
             ring (expected {expect_moved})"
        ))
        .with(f);
    }
    if flag_after && backlog <= u64::from(ring.sizes().1) {
        return Outcome::fail("IORING_SQ_CQ_OVERFLOW still set after io_uring_get_events").with(f);
    }
    if !tally.exact() {
        return Outcome::fail(format!("after the flush: {}", tally.summary())).with(f);
    }
    Outcome::pass(format!(
        "liburing {LIBURING_BUILD_VERSION}'s io_uring_get_events moved {moved} of {backlog} \
         overflowed completions into the CQ ring and cleared the flag; {}",
        tally.summary()
    ))
    .with(f)
}
