//! The safe API's dispatch path (`safe-dispatch`): every op pushed with
//! `push_tagged(op, tag)` on a [`Submitter`](system_liburing::Submitter) batch, every
//! completion taken with `next_completion` as a [`Completion`]
//! that carries the tag and, given the op's type, hands the op back. No map of the user's
//! own: a read's tag is its slot, and `output::<Read<..>>()` returns the slot's buffer.
#![forbid(unsafe_code)]

use super::safe::{self, push_failed, ring};
use crate::workload::{NopSpec, Outcome, ReadSpec, Tally, XorShift64Star, BLOCK};
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
use system_liburing::{Completion, Op, Ring};

/// Counts one dispatched completion whose tag is its sequence number.
#[inline(always)]
fn tally(t: &mut Tally, c: &Completion<'_>) {
    t.sum += c.user_data();
    t.bad += u64::from(c.raw_result() != 0);
    t.count += 1;
}

/// NOPs: `push_tagged` × batch on one `Submitter`, `submit_and_wait(batch)`, then
/// `next_completion` on the `CompletionQueue` (each NOP's slot is released when its
/// completion is dropped).
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
            sq.push_tagged(Nop::new(), next).map_err(push_failed)?;
            next += 1;
        }
        sq.submit_and_wait(n)?;
        let mut got = 0u32;
        while got < n {
            // Exactly the batch (see the safe contender).
            {
                let mut cq = ring.completions();
                while got < n {
                    let Some(c) = cq.next_completion() else { break };
                    tally(&mut t, &c);
                    got += 1;
                }
            }
            if got < n {
                let c = ring.wait_completion()?;
                tally(&mut t, &c);
                got += 1;
            }
        }
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

/// A read in flight: the shared file and the slot's buffer.
#[cfg(liburing_has = "io_uring_prep_read")]
type SlotRead = Read<Arc<OwnedFd>, Vec<u8>>;

/// Random 4 KiB reads at queue depth `qd`: `push_tagged(op, slot)`, and each completion's
/// `output::<Op>()` gives the slot's buffer back. Owned `Vec`s through `op::Read` on a shared
/// `Arc` of the file, or registered buffers through `op::ReadFixed` on registered file 0.
pub fn read(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    if spec.registered {
        read_fixed(spec)
    } else {
        read_plain(spec)
    }
}

#[cfg(liburing_has = "io_uring_prep_read")]
fn read_plain(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    let qd = spec.qd.max(1) as usize;
    let ring = ring(qd as u32, None, spec.fast)?;
    // Each op holds the file until it completes: a handle of our own, shared.
    let file = Arc::new(spec.fd.try_clone_to_owned()?);
    let bufs = (0..qd).map(|_| Vec::with_capacity(BLOCK)).collect();
    read_slots::<SlotRead, _>(
        spec,
        ring,
        bufs,
        |buf, off| Read::new(file.clone(), buf, off),
        |(res, _, mut buf)| {
            let ok = matches!(res, Ok(BLOCK)) && buf.len() == BLOCK;
            buf.clear();
            (ok, buf)
        },
    )
}

/// liburing before 0.4 has no `io_uring_prep_read`, so no `op::Read`.
#[cfg(not(liburing_has = "io_uring_prep_read"))]
fn read_plain(_: ReadSpec<'_>) -> io::Result<Outcome> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "op::Read needs io_uring_prep_read (liburing 0.4+)",
    ))
}

fn read_fixed(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    let qd = spec.qd.max(1) as usize;
    let mut ring = ring(qd as u32, None, spec.fast)?;
    ring.register_files(&[Some(spec.fd)])?;
    let file = ring.fixed_file(0);
    let bufs = ring.register_buffers(qd, BLOCK)?;
    read_slots::<ReadFixed<Fixed>, _>(
        spec,
        ring,
        bufs,
        |buf, off| ReadFixed::new(file, buf, off),
        |(res, _, buf)| (matches!(res, Ok(BLOCK)) && buf.len() == BLOCK, buf),
    )
}

/// The read loop: one buffer per slot, a read per free slot pushed with the slot as its
/// tag, each completion's `output::<O>()` handing the slot's buffer back. `make` builds a
/// read of a buffer at an offset; `done` says whether the read's output is a whole block
/// and gives the buffer back, ready for the next read.
fn read_slots<O: Op, B>(
    spec: ReadSpec<'_>,
    mut ring: Ring,
    bufs: Vec<B>,
    mut make: impl FnMut(B, u64) -> O,
    mut done: impl FnMut(O::Output) -> (bool, B),
) -> io::Result<Outcome> {
    let qd = bufs.len();
    let mut bufs: Vec<Option<B>> = bufs.into_iter().map(Some).collect();
    let mut free: Vec<usize> = (0..qd).rev().collect();
    let mut rng = XorShift64Star::new();
    let mut t = Tally::default();
    let (mut submitted, mut reaped) = (0u64, 0u64);
    let start = Instant::now();
    while reaped < spec.ops {
        let mut sq = ring.submitter();
        while submitted < spec.ops {
            let Some(slot) = free.pop() else { break };
            let buf = bufs[slot].take().expect("free slot has its buffer");
            let op = make(buf, rng.next_offset(spec.blocks));
            sq.push_tagged(op, slot as u64).map_err(push_failed)?;
            submitted += 1;
        }
        sq.submit_and_wait(1)?;
        let mut cq = ring.completions();
        while let Some(c) = cq.next_completion() {
            let slot = c.user_data() as usize;
            let Ok(out) = c.output::<O>() else {
                return Err(io::Error::other("completion of no read"));
            };
            let (ok, buf) = done(out);
            t.bad += u64::from(!ok);
            t.sum += slot as u64;
            t.count += 1;
            bufs[slot] = Some(buf);
            free.push(slot);
            reaped += 1;
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

/// Dispatch on a non-empty ring: per round, 128 tagged NOPs completed (untimed), then 128
/// `Ring::next_completion`s timed.
pub fn peek(ops: u64) -> io::Result<Outcome> {
    safe::peek_with(
        ops,
        |ring, i| ring.push_tagged(Nop::new(), i),
        |ring| {
            Ok(ring
                .next_completion()?
                .map(|c| (c.user_data(), c.raw_result())))
        },
    )
}

/// The seed overflow drain with tagged NOPs: 16-entry SQ, 32-entry CQ, 1000 per round
/// submitted without reaping, then `next_completion` until all came back in order.
pub fn overflow(ops: u64) -> io::Result<Outcome> {
    safe::overflow_with(
        ops,
        |ring, op, i| ring.push_tagged(op, i),
        |ring| {
            Ok(ring
                .next_completion()?
                .map(|c| (c.user_data(), c.raw_result())))
        },
    )
}
