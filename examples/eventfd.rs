//! A port of liburing's `test/eventfd.c`: an eventfd registered with the ring is signalled
//! by each completion. A poll on the eventfd, linked to a readv of it, waits for the signal
//! that a NOP's completion then gives; the three CQEs are told apart by their user_data, as
//! in the C (`switch (cqe->user_data)`).
//!
//! The ops are pushed with `push_tagged`: the tag is the C's `sqe->user_data`, the ring
//! owns each op (and its clone of the eventfd, and the readv's buffer) until its CQE, and
//! `wait_completion` is `io_uring_wait_cqe` + `io_uring_cqe_seen`.
//!
//!     cargo run --example eventfd
// Needs these ops' helpers: without them, main only says so.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_poll_add",
        liburing_has = "io_uring_prep_readv"
    )),
    allow(unused)
)]

use std::io;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::sync::Arc;
#[cfg(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_readv"
))]
use system_liburing::op::{Nop, PollAdd, Readv};
use system_liburing::{Features, OpFlags, Ring};

/// How the test ended, where it did not fail.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// `T_EXIT_SKIP`, with the reason.
    Skip(&'static str),
}

fn fail(what: String) -> io::Error {
    io::Error::other(what)
}

#[cfg(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_readv"
))]
pub fn run() -> io::Result<Outcome> {
    // ret = io_uring_queue_init_params(8, &ring, &p);
    let mut ring = Ring::builder().entries(8).build()?;
    if !ring.features().contains(Features::CUR_PERSONALITY) {
        return Ok(Outcome::Skip("no IORING_FEAT_CUR_PERSONALITY (kernel 5.6)"));
    }

    // evfd = eventfd(0, EFD_CLOEXEC);
    // SAFETY: eventfd takes no pointers; the result is checked before it is owned.
    let evfd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if evfd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh fd that nothing else owns.
    let evfd = Arc::new(unsafe { OwnedFd::from_raw_fd(evfd) });

    // ret = io_uring_register_eventfd(&ring, evfd);
    ring.register_eventfd(evfd.as_fd())?;

    // io_uring_prep_poll_add(sqe, evfd, POLLIN); sqe->flags |= IOSQE_IO_LINK; user_data = 1
    let poll = PollAdd::new(evfd.clone(), libc::POLLIN as u32).flags(OpFlags::IO_LINK);
    ring.push_tagged(poll, 1)?;
    // io_uring_prep_readv(sqe, evfd, &vec, 1, 0); user_data = 2 (vec: one u64)
    ring.push_tagged(Readv::new(evfd.clone(), vec![Vec::with_capacity(8)], 0), 2)?;
    let ret = ring.submit()?;
    if ret != 2 {
        return Err(fail(format!("submit: {ret}")));
    }

    // io_uring_prep_nop(sqe); user_data = 3
    ring.push_tagged(Nop::new(), 3)?;
    let ret = ring.submit()?;
    if ret != 1 {
        return Err(fail(format!("submit: {ret}")));
    }

    for _ in 0..3 {
        // io_uring_wait_cqe(&ring, &cqe); ... io_uring_cqe_seen(&ring, cqe);
        let cqe = ring.wait_completion()?;
        match cqe.user_data() {
            // POLLIN
            1 if cqe.raw_result() != 1 => return Err(fail(format!("poll: {}", cqe.raw_result()))),
            2 if cqe.raw_result() != 8 => return Err(fail(format!("read: {}", cqe.raw_result()))),
            3 if cqe.raw_result() != 0 => return Err(fail(format!("nop: {}", cqe.raw_result()))),
            _ => {}
        }
    }
    Ok(Outcome::Pass)
}

#[cfg(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_readv"
))]
fn main() -> io::Result<()> {
    match run()? {
        Outcome::Pass => println!("eventfd: pass"),
        Outcome::Skip(why) => println!("eventfd: skipped: {why}"),
    }
    Ok(())
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_readv"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_poll_add, io_uring_prep_readv (the helpers of the ops this example uses)");
}
