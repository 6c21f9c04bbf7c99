//! The contender for this workspace's safe API: only `system_liburing`'s public safe items
//! (no `unsafe`, no `sys`, no `raw`).
#![forbid(unsafe_code)]

use crate::workload::{
    NopSpec, Outcome, ReadSpec, Tally, XorShift64Star, BLOCK, OVERFLOW_ROUND, PEEK_ROUND,
};
use std::io;
#[cfg(liburing_has = "io_uring_prep_read")]
use std::os::fd::OwnedFd;
#[cfg(liburing_has = "io_uring_prep_read")]
use std::sync::Arc;
use std::time::Instant;
use system_liburing::fd::Fixed;
#[cfg(liburing_has = "io_uring_prep_read")]
use system_liburing::op::Read;
use system_liburing::op::{Nop, ReadFixed};
use system_liburing::{Cqe, FixedBuf, PushError, Ring, Ticket};

pub(crate) fn ring(entries: u32, cq_entries: Option<u32>, fast: bool) -> io::Result<Ring> {
    let mut b = Ring::builder().entries(entries);
    if let Some(cq) = cq_entries {
        b = b.cq_entries(cq);
    }
    if fast {
        b = b.single_issuer().defer_taskrun();
    }
    let mut r = b.build()?;
    if fast {
        r.register_ring_fd()?;
    }
    Ok(r)
}

pub(crate) fn push_failed<O>(e: PushError<O>) -> io::Error {
    let what = match e {
        PushError::SqFull(_) => "submission queue full",
        _ => "push refused",
    };
    io::Error::other(what)
}

/// NOPs through the batch views: a [`Submitter`](system_liburing::Submitter) per batch
/// (`push_with_user_data` × batch, `submit_and_wait(batch)`), then the
/// [`CompletionQueue`](system_liburing::CompletionQueue) (`ring.completions()`) to reap.
pub fn nop(spec: NopSpec) -> io::Result<Outcome> {
    let batch = spec.batch.max(1);
    let mut ring = ring(batch.max(8), None, spec.fast)?;
    let mut t = Tally::default();
    let (mut next, mut done) = (0u64, 0u64);
    let start = Instant::now();
    while done < spec.ops {
        let n = (spec.ops - next).min(u64::from(batch)) as u32;
        let mut sq = ring.submitter();
        for _ in 0..n {
            sq.push_with_user_data(Nop::new(), next)
                .map_err(push_failed)?;
            next += 1;
        }
        sq.submit_and_wait(n)?;
        let mut got = 0u32;
        while got < n {
            // Exactly the batch: one more would look at an empty ring (and enter the kernel
            // on a DEFER_TASKRUN ring to be sure it is empty).
            for c in ring.completions().take((n - got) as usize) {
                t.sum += c.user_data();
                t.bad += u64::from(c.raw_result() != 0);
                got += 1;
            }
            if got < n {
                let c = ring.wait()?;
                t.sum += c.user_data();
                t.bad += u64::from(c.raw_result() != 0);
                got += 1;
            }
        }
        t.count += u64::from(got);
        done += u64::from(n);
    }
    let ns = start.elapsed().as_nanos() as u64;
    Ok(Outcome {
        ops: spec.ops,
        ns,
        tally: t,
        fast_applied: spec.fast,
    })
}

/// Random 4 KiB reads at queue depth `qd`: owned `Vec` buffers through `op::Read` on a
/// shared `Arc` of the file (each op holds a clone until it completes), or registered
/// buffers through `op::ReadFixed` on registered file 0 (a `Fixed` slot). Completions are
/// taken with `drain` and the buffers handed back by `finish`.
pub fn read(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    if spec.registered {
        read_fixed(spec)
    } else {
        read_plain(spec)
    }
}

/// Which slot a completion belongs to (tickets are opaque; QD is small).
#[inline]
fn slot_of(tokens: &[u64], cqe: &Cqe) -> io::Result<usize> {
    tokens
        .iter()
        .position(|&t| t == cqe.user_data())
        .ok_or_else(|| io::Error::other("completion for no slot"))
}

/// A plain read in flight: the shared file and the slot's buffer.
#[cfg(liburing_has = "io_uring_prep_read")]
type PlainRead = Read<Arc<OwnedFd>, Vec<u8>>;

/// liburing before 0.4 has no `io_uring_prep_read`, so no `op::Read`.
#[cfg(not(liburing_has = "io_uring_prep_read"))]
fn read_plain(_: ReadSpec<'_>) -> io::Result<Outcome> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "op::Read needs io_uring_prep_read (liburing 0.4+)",
    ))
}

#[cfg(liburing_has = "io_uring_prep_read")]
fn read_plain(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    let qd = spec.qd.max(1) as usize;
    let mut ring = ring(qd as u32, None, spec.fast)?;
    // The ops must hold their file until they complete: a handle of our own (one dup,
    // outside the timed section), shared by the reads in flight.
    let file = Arc::new(spec.fd.try_clone_to_owned()?);
    let mut bufs: Vec<Option<Vec<u8>>> = (0..qd).map(|_| Some(Vec::with_capacity(BLOCK))).collect();
    let mut tickets: Vec<Option<Ticket<PlainRead>>> = (0..qd).map(|_| None).collect();
    let mut tokens = vec![u64::MAX; qd];
    let mut free: Vec<usize> = (0..qd).rev().collect();
    let mut cqes = vec![Cqe::default(); qd];
    let mut rng = XorShift64Star::new();
    let mut t = Tally::default();
    let (mut submitted, mut done) = (0u64, 0u64);
    let start = Instant::now();
    while done < spec.ops {
        while submitted < spec.ops {
            let Some(slot) = free.pop() else { break };
            let buf = bufs[slot].take().expect("free slot has its buffer");
            let ticket = ring
                .push(Read::new(file.clone(), buf, rng.next_offset(spec.blocks)))
                .map_err(push_failed)?;
            tokens[slot] = ticket.user_data();
            tickets[slot] = Some(ticket);
            submitted += 1;
        }
        ring.submit_and_wait(1)?;
        let n = ring.drain(&mut cqes)?;
        for c in &cqes[..n] {
            let slot = slot_of(&tokens, c)?;
            let ticket = tickets[slot].take().expect("slot in flight");
            let (res, _, mut buf) = ring
                .finish(ticket)
                .map_err(|_| io::Error::other("reaped op not finished"))?;
            t.bad += u64::from(!matches!(res, Ok(BLOCK)) || buf.len() != BLOCK);
            t.sum += slot as u64;
            t.count += 1;
            buf.clear();
            bufs[slot] = Some(buf);
            free.push(slot);
            done += 1;
        }
    }
    let ns = start.elapsed().as_nanos() as u64;
    Ok(Outcome {
        ops: spec.ops,
        ns,
        tally: t,
        fast_applied: spec.fast,
    })
}

fn read_fixed(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    let qd = spec.qd.max(1) as usize;
    let mut ring = ring(qd as u32, None, spec.fast)?;
    ring.register_files(&[Some(spec.fd)])?;
    let file = ring.fixed_file(0);
    let mut bufs: Vec<Option<FixedBuf>> = ring
        .register_buffers(qd, BLOCK)?
        .into_iter()
        .map(Some)
        .collect();
    let mut tickets: Vec<Option<Ticket<ReadFixed<Fixed>>>> = (0..qd).map(|_| None).collect();
    let mut tokens = vec![u64::MAX; qd];
    let mut free: Vec<usize> = (0..qd).rev().collect();
    let mut cqes = vec![Cqe::default(); qd];
    let mut rng = XorShift64Star::new();
    let mut t = Tally::default();
    let (mut submitted, mut done) = (0u64, 0u64);
    let start = Instant::now();
    while done < spec.ops {
        while submitted < spec.ops {
            let Some(slot) = free.pop() else { break };
            let buf = bufs[slot].take().expect("free slot has its buffer");
            let op = ReadFixed::new(file, buf, rng.next_offset(spec.blocks));
            let ticket = ring.push(op).map_err(push_failed)?;
            tokens[slot] = ticket.user_data();
            tickets[slot] = Some(ticket);
            submitted += 1;
        }
        ring.submit_and_wait(1)?;
        let n = ring.drain(&mut cqes)?;
        for c in &cqes[..n] {
            let slot = slot_of(&tokens, c)?;
            let ticket = tickets[slot].take().expect("slot in flight");
            let (res, _, buf) = ring
                .finish(ticket)
                .map_err(|_| io::Error::other("reaped op not finished"))?;
            t.bad += u64::from(!matches!(res, Ok(BLOCK)) || buf.len() != BLOCK);
            t.sum += slot as u64;
            t.count += 1;
            bufs[slot] = Some(buf);
            free.push(slot);
            done += 1;
        }
    }
    let ns = start.elapsed().as_nanos() as u64;
    Ok(Outcome {
        ops: spec.ops,
        ns,
        tally: t,
        fast_applied: spec.fast,
    })
}

/// Peek on a non-empty ring: per round, 128 NOPs completed (untimed), then 128 `peek`s timed.
pub fn peek(ops: u64) -> io::Result<Outcome> {
    peek_with(
        ops,
        |ring, i| ring.push_with_user_data(Nop::new(), i),
        |ring| Ok(ring.peek()?.map(|c| (c.user_data(), c.raw_result()))),
    )
}

/// The peek scenario with a way to push NOP `i` and a way to take the next completion
/// (its user_data and result): the safe contenders differ only there.
pub(crate) fn peek_with(
    ops: u64,
    mut push: impl FnMut(&mut Ring, u64) -> Result<(), PushError<Nop>>,
    mut next: impl FnMut(&mut Ring) -> io::Result<Option<(u64, i32)>>,
) -> io::Result<Outcome> {
    let mut ring = ring(PEEK_ROUND, Some(2 * PEEK_ROUND), false)?;
    let mut t = Tally::default();
    let (mut sent, mut ns) = (0u64, 0u64);
    while sent < ops {
        let n = (ops - sent).min(u64::from(PEEK_ROUND)) as u32;
        for _ in 0..n {
            push(&mut ring, sent).map_err(push_failed)?;
            sent += 1;
        }
        ring.submit_and_wait(n)?;
        let start = Instant::now();
        for _ in 0..n {
            let Some((user_data, res)) = next(&mut ring)? else {
                return Err(io::Error::other("completion missing"));
            };
            t.sum += user_data;
            t.bad += u64::from(res != 0);
            t.count += 1;
        }
        ns += start.elapsed().as_nanos() as u64;
    }
    Ok(Outcome {
        ops,
        ns,
        tally: t,
        fast_applied: false,
    })
}

/// The seed overflow drain (the crate's doc example): 16-entry SQ, 32-entry CQ, 1000 NOPs
/// per round submitted without reaping, then `peek` until all came back in order.
pub fn overflow(ops: u64) -> io::Result<Outcome> {
    overflow_with(
        ops,
        |ring, op, i| ring.push_with_user_data(op, i),
        |ring| Ok(ring.peek()?.map(|c| (c.user_data(), c.raw_result()))),
    )
}

/// The overflow scenario with a way to push a NOP as number `i` and a way to take the next
/// completion (its user_data and result).
pub(crate) fn overflow_with(
    ops: u64,
    mut push: impl FnMut(&mut Ring, Nop, u64) -> Result<(), PushError<Nop>>,
    mut next: impl FnMut(&mut Ring) -> io::Result<Option<(u64, i32)>>,
) -> io::Result<Outcome> {
    let mut ring = ring(16, Some(32), false)?;
    let mut t = Tally::default();
    let start = Instant::now();
    'rounds: while t.count < ops {
        for i in 0..OVERFLOW_ROUND {
            let mut op = Nop::new();
            loop {
                match push(&mut ring, op, i) {
                    Ok(()) => break,
                    Err(PushError::SqFull(back)) => {
                        op = back;
                        ring.submit()?;
                    }
                    Err(e) => return Err(push_failed(e)),
                }
            }
        }
        ring.submit()?;
        let (mut expect, mut empty) = (0u64, 0u32);
        while expect < OVERFLOW_ROUND {
            match next(&mut ring)? {
                Some((user_data, res)) => {
                    t.bad += u64::from(user_data != expect || res != 0);
                    t.sum += user_data;
                    t.count += 1;
                    expect += 1;
                    empty = 0;
                }
                None => {
                    // The flush of the overflow list is the view's own: empty twice is a loss.
                    empty += 1;
                    if empty > 1 {
                        t.bad += 1;
                        break 'rounds;
                    }
                }
            }
        }
    }
    let ns = start.elapsed().as_nanos() as u64;
    Ok(Outcome {
        ops,
        ns,
        tally: t,
        fast_applied: false,
    })
}
