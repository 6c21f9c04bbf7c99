//! A port of liburing's `examples/io_uring-cp.c`: copies a file with up to QD reads and
//! writes in flight, each with its own owned buffer. No `unsafe`: every op holds an
//! `Arc` of its file until it completes, and hands it back with the buffer.
//!
//!     cargo run --example io_uring_cp SRC DST
// Needs these ops' helpers: without them, main only says so.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_write"
    )),
    allow(unused)
)]

use std::collections::VecDeque;
use std::fs::File;
use std::sync::Arc;
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
use system_liburing::op::{Read, Write};
use system_liburing::{Ring, Ticket};

const QD: usize = 16;
const BS: usize = 32 * 1024;

/// A read or write in flight: it holds the shared file and its own buffer.
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
type ReadTicket = Ticket<Read<Arc<File>, Vec<u8>>>;
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
type WriteTicket = Ticket<Write<Arc<File>, Vec<u8>>>;

#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} SRC DST", args[0]);
        std::process::exit(2);
    }
    let src = Arc::new(File::open(&args[1])?);
    let dst = Arc::new(File::create(&args[2])?);
    let size = src.metadata()?.len();
    let mut ring = Ring::new(QD as u32 * 2)?;

    let mut offset = 0u64;
    let mut reads: VecDeque<(u64, ReadTicket)> = VecDeque::new();
    let mut writes: VecDeque<WriteTicket> = VecDeque::new();
    while offset < size || !reads.is_empty() || !writes.is_empty() {
        // Keep QD reads in flight.
        while offset < size && reads.len() + writes.len() < QD {
            let len = BS.min((size - offset) as usize);
            reads.push_back((
                offset,
                ring.push(Read::new(src.clone(), Vec::with_capacity(len), offset))?,
            ));
            offset += len as u64;
        }
        // Each finished read becomes a write of the same buffer at the same offset.
        if let Some((off, t)) = reads.pop_front() {
            let (n, _, buf) = ring.wait_for(t)?;
            let n = n?;
            if n == 0 {
                return Err(std::io::Error::other("short file"));
            }
            if n < buf.capacity().min(BS) && off + (n as u64) < size {
                // A short read: queue the rest as a new read.
                reads.push_back((
                    off + n as u64,
                    ring.push(Read::new(
                        src.clone(),
                        Vec::with_capacity(BS),
                        off + n as u64,
                    ))?,
                ));
            }
            writes.push_back(ring.push(Write::new(dst.clone(), buf, off))?);
        } else if let Some(t) = writes.pop_front() {
            let (n, _, buf) = ring.wait_for(t)?;
            if n? != buf.len() {
                return Err(std::io::Error::other("short write"));
            }
        }
    }
    // Drain the writes still in flight.
    while let Some(t) = writes.pop_front() {
        ring.wait_for(t)?.0?;
    }
    println!("copied {size} bytes");
    Ok(())
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_read, io_uring_prep_write (the helpers of the ops this example uses)");
}
