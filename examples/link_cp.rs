//! A port of liburing's `examples/link-cp.c`: copies a file as linked pairs, a read
//! (`IOSQE_IO_LINK`) followed by a write of the same memory, so that each block goes from
//! one file to the other in a single chain with no user-space step between. The buffer is a
//! [`SharedBuf`]: the read and the write each hold a handle, as each holds an `Arc` of its
//! file. No `unsafe`.
//!
//!     cargo run --example link_cp SRC DST
//!
//! As in the C original, a short read breaks its chain (the kernel fails a linked read that
//! returns less than asked, and cancels the write with `ECANCELED`), so the pair is queued
//! again for the same block; any other error ends the copy.
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
use std::io;
use std::sync::Arc;
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
use system_liburing::op::{Read, Write};
use system_liburing::{OpFlags, Ring, SharedBuf, Ticket};

/// Pairs in flight.
const QD: usize = 16;
const BS: u64 = 32 * 1024;

/// One block's chain: the read and the write that share its buffer.
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
struct Pair {
    offset: u64,
    len: u64,
    read: Ticket<Read<Arc<File>, SharedBuf>>,
    write: Ticket<Write<Arc<File>, SharedBuf>>,
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
    let src = Arc::new(File::open(&args[1])?);
    let dst = Arc::new(File::create(&args[2])?);
    let size = src.metadata()?.len();
    let mut ring = Ring::new(2 * QD as u32)?;

    let mut offset = 0;
    let mut pairs = VecDeque::new();
    let mut requeued = 0u32;
    while offset < size || !pairs.is_empty() {
        while offset < size && pairs.len() < QD {
            let len = BS.min(size - offset);
            pairs.push_back(queue_pair(&mut ring, &src, &dst, offset, len)?);
            offset += len;
        }
        // Both halves of a chain must reach the kernel in the same submit.
        ring.submit()?;
        let Some(Pair {
            offset: at,
            len,
            read,
            write,
        }) = pairs.pop_front()
        else {
            break;
        };
        let (read, _, _) = ring.wait_for(read)?;
        let (write, _, buf) = ring.wait_for(write)?;
        if read? == 0 {
            return Err(io::Error::other("the source shrank while copying"));
        }
        let whole = match write {
            Ok(n) => n as u64 == len,
            // A short read breaks the chain: the kernel cancels the write.
            Err(e) if e.raw_os_error() == Some(libc::ECANCELED) => false,
            Err(e) => return Err(e),
        };
        if whole {
            debug_assert_eq!(buf.handles(), 1, "both ops gave their handle back");
        } else {
            // Short read or short write: copy the whole block again.
            requeued += 1;
            pairs.push_back(queue_pair(&mut ring, &src, &dst, at, len)?);
        }
    }
    dst.sync_all()?;
    println!("copied {size} bytes as linked read+write pairs ({requeued} re-queued)");
    Ok(())
}

/// Pushes one block's read, linked to the write of the same buffer.
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
fn queue_pair(
    ring: &mut Ring,
    src: &Arc<File>,
    dst: &Arc<File>,
    offset: u64,
    len: u64,
) -> io::Result<Pair> {
    if ring.submitter().sq_space_left() < 2 {
        ring.submit()?; // never split a chain across two submits
    }
    let buf = SharedBuf::new(len as usize);
    let read = ring.push(Read::new(src.clone(), buf.clone(), offset).flags(OpFlags::IO_LINK))?;
    let write = ring.push(Write::new(dst.clone(), buf, offset))?;
    Ok(Pair {
        offset,
        len,
        read,
        write,
    })
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_read, io_uring_prep_write (the helpers of the ops this example uses)");
}
