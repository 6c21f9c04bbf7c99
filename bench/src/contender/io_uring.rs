//! The tokio `io-uring` crate (=0.7.16) contender, written the way its users write it:
//! `opcode::*::new().build().user_data(..)`, `unsafe { sq.push(..) }`, `submit_and_wait`,
//! then the completion queue's iterator. Uses `split()` so that a ring fd registered on the
//! `Submitter` (which remembers it) serves every later enter.

use crate::workload::{
    NopSpec, Outcome, ReadSpec, Tally, XorShift64Star, BLOCK, OVERFLOW_ROUND, PEEK_ROUND,
};
use io_uring::{opcode, types, IoUring};
use std::io;
use std::os::fd::AsRawFd;
use std::time::Instant;

fn build(entries: u32, cq_entries: Option<u32>, fast: bool) -> io::Result<IoUring> {
    let mut b = IoUring::builder();
    if let Some(cq) = cq_entries {
        b.setup_cqsize(cq);
    }
    if fast {
        b.setup_single_issuer();
        b.setup_defer_taskrun();
    }
    b.build(entries)
}

fn sq_full() -> io::Error {
    io::Error::other("submission queue full")
}

/// NOPs.
pub fn nop(spec: NopSpec) -> io::Result<Outcome> {
    let batch = spec.batch.max(1);
    let mut ring = build(batch.max(8), None, spec.fast)?;
    let (mut submitter, mut sq, mut cq) = ring.split();
    if spec.fast {
        submitter.register_ring_fd()?;
    }
    let mut t = Tally::default();
    let (mut next, mut done) = (0u64, 0u64);
    let start = Instant::now();
    let res = (|| -> io::Result<()> {
        while done < spec.ops {
            let n = (spec.ops - next).min(u64::from(batch)) as usize;
            for _ in 0..n {
                let e = opcode::Nop::new().build().user_data(next);
                // SAFETY: a NOP points at no memory.
                unsafe { sq.push(&e) }.map_err(|_| sq_full())?;
                next += 1;
            }
            sq.sync();
            submitter.submit_and_wait(n)?;
            sq.sync();
            cq.sync();
            let mut got = 0;
            while got < n {
                match cq.next() {
                    Some(c) => {
                        t.sum += c.user_data();
                        t.bad += u64::from(c.result() != 0);
                        t.count += 1;
                        got += 1;
                    }
                    None => {
                        submitter.submit_and_wait(1)?;
                        cq.sync();
                    }
                }
            }
            done += n as u64;
        }
        cq.sync();
        Ok(())
    })();
    let ns = start.elapsed().as_nanos() as u64;
    if spec.fast {
        // io-uring 0.7.16 does not unregister on drop: the slot (one of 16 per thread) and
        // the ring's file would leak.
        submitter.unregister_ring_fd()?;
    }
    res?;
    Ok(Outcome {
        ops: spec.ops,
        ns,
        tally: t,
        fast_applied: spec.fast,
    })
}

/// Random 4 KiB reads at queue depth `qd`.
pub fn read(spec: ReadSpec<'_>) -> io::Result<Outcome> {
    let qd = spec.qd.max(1);
    let mut bufs = vec![0u8; qd as usize * BLOCK].into_boxed_slice();
    let base = bufs.as_mut_ptr();
    let mut ring = build(qd, None, spec.fast)?;
    let (mut submitter, mut sq, mut cq) = ring.split();
    if spec.fast {
        submitter.register_ring_fd()?;
    }
    if spec.registered {
        submitter.register_files(&[spec.fd.as_raw_fd()])?;
        let iov: Vec<libc::iovec> = (0..qd as usize)
            .map(|i| libc::iovec {
                // SAFETY: i < qd keeps the offset inside `bufs`.
                iov_base: unsafe { base.add(i * BLOCK) }.cast(),
                iov_len: BLOCK,
            })
            .collect();
        // SAFETY: `bufs` outlives the ring (declared before it, dropped after).
        unsafe { submitter.register_buffers(&iov)? };
    }
    let mut free: Vec<u32> = (0..qd).rev().collect();
    let mut rng = XorShift64Star::new();
    let mut t = Tally::default();
    let (mut submitted, mut done, mut inflight) = (0u64, 0u64, 0u32);
    let start = Instant::now();
    let res = (|| -> io::Result<()> {
        while done < spec.ops {
            while inflight < qd && submitted < spec.ops {
                let slot = free.pop().expect("a free slot while below qd");
                let off = rng.next_offset(spec.blocks);
                // SAFETY: slot < qd, inside `bufs`.
                let ptr = unsafe { base.add(slot as usize * BLOCK) };
                let e = if spec.registered {
                    opcode::ReadFixed::new(types::Fixed(0), ptr, BLOCK as u32, slot as u16)
                        .offset(off)
                        .build()
                } else {
                    opcode::Read::new(types::Fd(spec.fd.as_raw_fd()), ptr, BLOCK as u32)
                        .offset(off)
                        .build()
                };
                // SAFETY: the slot's buffer stays untouched until its completion is reaped.
                unsafe { sq.push(&e.user_data(u64::from(slot))) }.map_err(|_| sq_full())?;
                submitted += 1;
                inflight += 1;
            }
            sq.sync();
            submitter.submit_and_wait(1)?;
            sq.sync();
            cq.sync();
            for c in &mut cq {
                t.bad += u64::from(c.result() != BLOCK as i32);
                t.sum += c.user_data();
                t.count += 1;
                free.push(c.user_data() as u32);
                inflight -= 1;
                done += 1;
            }
        }
        cq.sync();
        Ok(())
    })();
    let ns = start.elapsed().as_nanos() as u64;
    if spec.fast {
        submitter.unregister_ring_fd()?;
    }
    res?;
    drop((submitter, sq, cq));
    drop(ring);
    drop(bufs);
    Ok(Outcome {
        ops: spec.ops,
        ns,
        tally: t,
        fast_applied: spec.fast,
    })
}

/// Peek on a non-empty ring: `ring.completion().next()` per completion (a fresh view of the
/// CQ each time, like a C peek + seen).
pub fn peek(ops: u64) -> io::Result<Outcome> {
    let mut ring = build(PEEK_ROUND, Some(2 * PEEK_ROUND), false)?;
    let mut t = Tally::default();
    let mut next = 0u64;
    let mut ns = 0u64;
    while next < ops {
        let n = (ops - next).min(u64::from(PEEK_ROUND)) as usize;
        {
            let mut sq = ring.submission();
            for _ in 0..n {
                let e = opcode::Nop::new().build().user_data(next);
                // SAFETY: a NOP points at no memory.
                unsafe { sq.push(&e) }.map_err(|_| sq_full())?;
                next += 1;
            }
        }
        ring.submit_and_wait(n)?;
        let start = Instant::now();
        for _ in 0..n {
            let Some(c) = ring.completion().next() else {
                return Err(io::Error::other("completion missing"));
            };
            t.sum += c.user_data();
            t.bad += u64::from(c.result() != 0);
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

/// The seed overflow drain: 16-entry SQ, 32-entry CQ, 1000 NOPs per round; an empty CQ with
/// the overflow flag up is flushed by `submit()` (which adds GETEVENTS then).
pub fn overflow(ops: u64) -> io::Result<Outcome> {
    let mut ring = build(16, Some(32), false)?;
    let (submitter, mut sq, mut cq) = ring.split();
    let mut t = Tally::default();
    let start = Instant::now();
    'rounds: while t.count < ops {
        for i in 0..OVERFLOW_ROUND {
            let e = opcode::Nop::new().build().user_data(i);
            // SAFETY: a NOP points at no memory.
            if unsafe { sq.push(&e) }.is_err() {
                sq.sync();
                submitter.submit()?;
                sq.sync();
                // SAFETY: as above.
                unsafe { sq.push(&e) }.map_err(|_| sq_full())?;
            }
        }
        sq.sync();
        submitter.submit()?;
        sq.sync();
        let (mut next, mut stuck) = (0u64, 0u32);
        while next < OVERFLOW_ROUND {
            cq.sync();
            match cq.next() {
                Some(c) => {
                    t.bad += u64::from(c.user_data() != next || c.result() != 0);
                    t.sum += c.user_data();
                    t.count += 1;
                    next += 1;
                    stuck = 0;
                }
                None => {
                    sq.sync();
                    stuck += 1;
                    if !sq.cq_overflow() || stuck > 4 {
                        t.bad += 1;
                        break 'rounds;
                    }
                    submitter.submit()?;
                }
            }
        }
    }
    cq.sync();
    let ns = start.elapsed().as_nanos() as u64;
    Ok(Outcome {
        ops,
        ns,
        tally: t,
        fast_applied: false,
    })
}
