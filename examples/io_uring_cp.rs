//! A port of liburing's `examples/io_uring-cp.c`: copies a file with up to 32 reads and
//! writes in flight, each with its own buffer, through the dispatch path: every op is pushed
//! with a tag (C's user_data) that says what it is and where it goes, and each completion
//! hands its op back — file, buffer, result — so the loop keeps no table of its own.
//!
//! Short transfers are handled where they happen: a read that returns less than asked
//! writes what came and reads the rest from where it stopped, and a write that takes less
//! than given writes the rest from where it stopped. (On a regular file the kernel retries
//! a short transfer itself, so a short read means the file ended early — it shrank, or its
//! size was a guess, as sysfs files report 4096 — and a short write means it could not
//! grow further: `RLIMIT_FSIZE`, a full disk. A read of 0 bytes ends the copy there.)
//! Buffers are `Box<[u8]>` of exactly the length asked: a `Vec::with_capacity(n)` may hold
//! more than `n`, and a read fills the capacity.
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

use std::fs::File;
use std::io;
use std::sync::Arc;
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
use system_liburing::op::{Read, Write};
use system_liburing::{Op, PushError, Ring};

/// Ops in flight at most (liburing's QD), and the size of each read.
pub const QD: usize = 32;
pub const BS: usize = 32 * 1024;

/// The tag of an op: its kind in bit 0, the file offset it starts at above.
const READ: u64 = 0;
const WRITE: u64 = 1;

fn tag(kind: u64, offset: u64) -> u64 {
    offset << 1 | kind
}

/// What a copy did.
#[derive(Debug, Default)]
pub struct Copied {
    pub bytes: u64,
    /// Reads that returned less than asked (the rest was read again from there).
    pub short_reads: u64,
    /// Writes that took less than given (the rest was written again from there).
    pub short_writes: u64,
}

/// Pushes `op` under `tag`, submitting first when the SQ is full.
fn push<O: Op>(ring: &mut Ring, mut op: O, tag: u64) -> io::Result<()> {
    loop {
        match ring.push_tagged(op, tag) {
            Ok(()) => return Ok(()),
            Err(PushError::SqFull(back)) => {
                op = back;
                ring.submit()?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Copies `src` to `dst`: its `len()` bytes from offset 0, or up to where it ends sooner.
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
pub fn copy(src: File, dst: File) -> io::Result<Copied> {
    type ReadOp = Read<Arc<File>, Box<[u8]>>;
    type WriteOp = Write<Arc<File>, Vec<u8>>;
    let mut size = src.metadata()?.len();
    let (src, dst) = (Arc::new(src), Arc::new(dst));
    let mut ring = Ring::new(QD as u32)?;
    let mut done = Copied::default();
    let (mut offset, mut in_flight) = (0u64, 0usize);
    while offset < size || in_flight > 0 {
        // Keep QD ops in flight while there is something left to read.
        while offset < size && in_flight < QD {
            let len = (size - offset).min(BS as u64) as usize;
            let read = Read::new(src.clone(), vec![0; len].into_boxed_slice(), offset);
            push(&mut ring, read, tag(READ, offset))?;
            (offset, in_flight) = (offset + len as u64, in_flight + 1);
        }
        ring.submit_and_wait(1)?;
        loop {
            // (`let else`, not `while let`: the `?`'s temporary would hold the ring's
            // borrow for the whole body, and the body pushes.)
            let Some(c) = ring.next_completion()? else {
                break;
            };
            in_flight -= 1;
            let (kind, at) = (c.user_data() & 1, c.user_data() >> 1);
            if kind == READ {
                let (n, _src, buf) = c.output::<ReadOp>().expect("tagged READ: a ReadOp");
                let n = n?;
                if n == 0 {
                    // End of file: nothing from here on is read (or written).
                    size = size.min(at);
                    continue;
                }
                if n < buf.len() {
                    // Short read: the rest, from where this one stopped.
                    done.short_reads += 1;
                    let rest = vec![0; buf.len() - n].into_boxed_slice();
                    let read = Read::new(src.clone(), rest, at + n as u64);
                    push(&mut ring, read, tag(READ, at + n as u64))?;
                    in_flight += 1;
                }
                // The bytes read, written where they came from.
                let mut data = buf.into_vec();
                data.truncate(n);
                push(&mut ring, Write::new(dst.clone(), data, at), tag(WRITE, at))?;
                in_flight += 1;
            } else {
                let (n, _dst, mut data) = c.output::<WriteOp>().expect("tagged WRITE: a WriteOp");
                let n = n?;
                if n == 0 {
                    return Err(io::ErrorKind::WriteZero.into());
                }
                done.bytes += n as u64;
                if n < data.len() {
                    // Short write: the rest, from where this one stopped.
                    done.short_writes += 1;
                    data.drain(..n);
                    let at = at + n as u64;
                    push(&mut ring, Write::new(dst.clone(), data, at), tag(WRITE, at))?;
                    in_flight += 1;
                }
            }
        }
    }
    // Bytes written past an end found early (the file shrank meanwhile) are not its.
    if dst.metadata()?.len() > size {
        dst.set_len(size)?;
    }
    Ok(done)
}

#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} SRC DST", args[0]);
        std::process::exit(2);
    }
    let done = copy(File::open(&args[1])?, File::create(&args[2])?)?;
    println!(
        "copied {} bytes ({} short reads, {} short writes)",
        done.bytes, done.short_reads, done.short_writes
    );
    Ok(())
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_read, io_uring_prep_write (the helpers of the ops this example uses)");
}
