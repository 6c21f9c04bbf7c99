//! Cancellation.

use super::define_ops;
use crate::Ticket;
use std::io;

define_ops! {
    /// Cancels a request by user_data (`io_uring_prep_cancel64` in liburing 2.2+). Completes with `ENOENT` when no such request is in
    /// flight, `EALREADY` when it is running and cannot be stopped; otherwise with how many
    /// were cancelled.
    ["io_uring_prep_cancel", IORING_OP_ASYNC_CANCEL, "5.5", unmanaged]
    AsyncCancel(target: u64) { target: u64 = target, cancel_flags: u32 = 0 }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
        sqe.op_flags = self.cancel_flags;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Cancels a request by its 64-bit user_data (what [`AsyncCancel`] does too).
    ["io_uring_prep_cancel64", IORING_OP_ASYNC_CANCEL, "5.5", unmanaged]
    AsyncCancel64(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Cancels requests on `fd` (`IORING_ASYNC_CANCEL_FD`, 5.19; add
    /// `IORING_ASYNC_CANCEL_ALL` in `flags` for all of them); completes with how many.
    ["io_uring_prep_cancel_fd", IORING_OP_ASYNC_CANCEL, "5.19", unmanaged]
    CancelFd(fd: std::os::fd::RawFd, flags: u32) { fd: std::os::fd::RawFd = fd, cancel_flags: u32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = self.cancel_flags | crate::sys::IORING_ASYNC_CANCEL_FD;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }
}

#[cfg(liburing_has = "io_uring_prep_cancel")]
impl AsyncCancel {
    /// Cancels the request whose user_data is `target`.
    pub fn user_data(target: u64) -> Self {
        Self::new(target)
    }

    /// Cancels a managed op.
    pub fn ticket<O>(ticket: &Ticket<O>) -> Self {
        Self::new(ticket.user_data())
    }

    /// Every request matching, not just the first (`IORING_ASYNC_CANCEL_ALL`, 5.19).
    pub fn all(mut self) -> Self {
        self.cancel_flags |= crate::sys::IORING_ASYNC_CANCEL_ALL;
        self
    }
}
