//! Readiness polling.

use super::{define_ops, unit};
use std::io;
use std::os::fd::RawFd;

/// `poll32_events`: the 16-bit `poll_events` of pre-5.9 kernels is its low half on
/// little-endian machines; liburing swaps the halves on big-endian ones.
fn poll_mask(events: i16) -> u32 {
    let m = events as u16 as u32;
    if cfg!(target_endian = "big") {
        m.rotate_left(16)
    } else {
        m
    }
}

define_ops! {
    /// Waits until `fd` is ready for `events` (`libc::POLLIN`, `POLLOUT`...); completes with
    /// the ready events.
    ["io_uring_prep_poll_add", IORING_OP_POLL_ADD, "5.1", unmanaged, fixed_file]
    PollAdd(fd: RawFd, events: i16) { fd: RawFd = fd, events: i16 = events }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = poll_mask(self.events);
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Removes a pending poll by its user_data (`ENOENT` when there is none).
    ["io_uring_prep_poll_remove", IORING_OP_POLL_REMOVE, "5.1", unmanaged]
    PollRemove(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
}
