//! `no-lost-completions`: a larger flood through the safe API only — 10^5 NOPs spread over
//! CQ rings of 2..4096 entries, submitted in pseudo-random bursts and reaped on a
//! pseudo-random schedule that lets the overflow list grow (bounded) — with exactly-once and
//! in-order accounting of every completion.

use super::{Check, Figures, Outcome, Tally, MAX_EMPTY_PEEKS};
use std::time::Instant;
use system_liburing::op::Nop;
use system_liburing::Ring;

pub const CHECK: Check = Check {
    name: "no-lost-completions",
    description: "10^5 NOPs over CQ sizes 2..4096 through the safe API, with overflow, all \
                  come back exactly once and in order.",
    run,
};

const TOTAL: u64 = 100_000;
/// CQ sizes 2, 4, ... 4096.
const SIZES: std::ops::RangeInclusive<u32> = 1..=12;

/// xorshift64: a deterministic schedule, so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}

#[derive(Default)]
struct Stats {
    rings: u64,
    overflow_episodes: u64,
    max_overflow_backlog: u64,
    dropped_by_kernel: u64,
    stalled: Option<String>,
}

fn run() -> Outcome {
    let started = Instant::now();
    let deadline = started + super::DEADLINE;
    let mut tally = Tally::new(TOTAL);
    let mut stats = Stats::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let sizes: Vec<u32> = SIZES.map(|k| 1u32 << k).collect();
    let per = TOTAL / sizes.len() as u64;
    let mut next_id = 0u64;
    let mut error = None;
    for (i, &cq) in sizes.iter().enumerate() {
        let end = if i + 1 == sizes.len() {
            TOTAL
        } else {
            next_id + per
        };
        let sq = cq.min(64);
        let mut ring = match super::build(Ring::builder().entries(sq).cq_entries(cq), "flood ring")
        {
            Ok(r) => r,
            Err(o) => return o,
        };
        if let Some(skip) = super::nodrop_or_skip(&ring) {
            return skip;
        }
        stats.rings += 1;
        if let Err(e) = one_ring(
            &mut ring,
            &mut rng,
            &mut tally,
            &mut stats,
            next_id..end,
            deadline,
        ) {
            error = Some(format!("CQ {cq}: {}", super::errno_text(&e)));
        }
        stats.dropped_by_kernel += u64::from(ring.cq_overflow());
        next_id = end;
        if error.is_some() || stats.stalled.is_some() || Instant::now() >= deadline {
            break;
        }
    }
    let elapsed = started.elapsed();
    let mut f = Figures::default();
    f.set("total", TOTAL);
    f.set(
        "cq_sizes",
        format!("{}..{}", sizes[0], sizes[sizes.len() - 1]),
    );
    f.set("rings", stats.rings);
    f.set("overflow_episodes", stats.overflow_episodes);
    f.set("max_overflow_backlog", stats.max_overflow_backlog);
    f.set("dropped_by_kernel", stats.dropped_by_kernel);
    tally.add_figures(&mut f);
    f.set("elapsed_ms", super::ms(elapsed));

    if let Some(e) = error {
        return Outcome::fail(format!("{e} ({})", tally.summary())).with(f);
    }
    if let Some(s) = stats.stalled {
        return Outcome::fail(format!("{s} ({})", tally.summary())).with(f);
    }
    if next_id < TOTAL || (!tally.done() && Instant::now() >= deadline) {
        return Outcome::fail(format!(
            "time limit of {:?} reached ({})",
            super::DEADLINE,
            tally.summary()
        ))
        .with(f);
    }
    if stats.dropped_by_kernel > 0 {
        return Outcome::fail(format!(
            "the kernel dropped {} completions (cq.koverflow) ({})",
            stats.dropped_by_kernel,
            tally.summary()
        ))
        .with(f);
    }
    if !tally.exact() {
        return Outcome::fail(tally.summary()).with(f);
    }
    Outcome::pass(format!(
        "{} over {} rings (CQ {}..{}), overflow seen {} times, backlog up to {}",
        tally.summary(),
        stats.rings,
        sizes[0],
        sizes[sizes.len() - 1],
        stats.overflow_episodes,
        stats.max_overflow_backlog
    ))
    .with(f)
}

fn one_ring(
    ring: &mut Ring,
    rng: &mut Rng,
    tally: &mut Tally,
    stats: &mut Stats,
    ids: std::ops::Range<u64>,
    deadline: Instant,
) -> std::io::Result<()> {
    let (sq, cq) = ring.sizes();
    let (sq, cq) = (u64::from(sq), u64::from(cq));
    // How far the overflow list may grow before everything is reaped.
    let limit = cq * 3 + 64;
    let received_before = tally.received;
    let mut id = ids.start;
    loop {
        let pending = (id - ids.start) - (tally.received - received_before);
        if id == ids.end && pending == 0 {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
        if id < ids.end {
            let burst = (1 + rng.below(2 * sq + cq)).min(ids.end - id);
            for _ in 0..burst {
                while ring.push_with_user_data(Nop::new(), id).is_err() {
                    ring.submit()?;
                }
                id += 1;
            }
            ring.submit()?;
            if super::overflow_flag(ring) {
                stats.overflow_episodes += 1;
            }
        }
        let pending = (id - ids.start) - (tally.received - received_before);
        stats.max_overflow_backlog = stats.max_overflow_backlog.max(pending.saturating_sub(cq));
        let reap = if id == ids.end || pending > limit {
            pending
        } else if rng.below(2) == 0 {
            rng.below(pending / 2 + 1)
        } else {
            0
        };
        let mut empty = 0u32;
        let mut reaped = 0u64;
        while reaped < reap {
            match ring.peek()? {
                Some(c) => {
                    tally.record(c.user_data(), c.raw_result());
                    reaped += 1;
                    empty = 0;
                }
                None => {
                    empty += 1;
                    if empty >= MAX_EMPTY_PEEKS {
                        stats.stalled = Some(format!(
                            "CQ {cq}: {} completions owed but {MAX_EMPTY_PEEKS} consecutive \
                             peeks found nothing",
                            reap - reaped
                        ));
                        return Ok(());
                    }
                }
            }
        }
    }
}
