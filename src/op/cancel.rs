//! Cancellation.

use super::define_ops;
use crate::Ticket;
use std::io;

define_ops! {
    /// Cancels a request by user_data (`io_uring_prep_cancel64` in liburing 2.2+). Completes with `ENOENT` when no such request is in
    /// flight, `EALREADY` when it is running and cannot be stopped; otherwise with 0 for a
    /// single request, or with how many were cancelled when [`all`](AsyncCancel::all) asks
    /// for every match.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{AsyncCancel, PollAdd};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?; // nothing comes
    /// let cancel = ring.push(AsyncCancel::ticket(&poll))?;
    /// assert_eq!(ring.wait_for(cancel)??, 0); // found and cancelled
    /// assert_eq!(ring.wait_for(poll)?.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // `all()`: every request with that user_data, and the result counts them
    /// for _ in 0..2 {
    ///     ring.push_with_user_data(PollAdd::new(rx.as_raw_fd(), libc::POLLIN), 7)?;
    /// }
    /// let cancel = ring.push(AsyncCancel::user_data(7).all())?;
    /// assert_eq!(ring.wait_for(cancel)??, 2);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cancel", IORING_OP_ASYNC_CANCEL, "5.5", unmanaged]
    AsyncCancel(target: u64) { target: u64 = target, cancel_flags: u32 = 0 }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
        sqe.op_flags = self.cancel_flags;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Cancels a request by its 64-bit user_data (what [`AsyncCancel`] does too).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{AsyncCancel64, PollAdd};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?; // nothing comes
    /// let cancel = ring.push(AsyncCancel64::new(poll.user_data()))?;
    /// assert_eq!(ring.wait_for(cancel)??, 0);
    /// assert_eq!(ring.wait_for(poll)?.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // no request with that user_data in flight: ENOENT
    /// let cancel = ring.push(AsyncCancel64::new(0x1234))?;
    /// assert_eq!(ring.wait_for(cancel)?.unwrap_err().raw_os_error(), Some(libc::ENOENT));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cancel64", IORING_OP_ASYNC_CANCEL, "5.5", unmanaged]
    AsyncCancel64(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Cancels requests on `fd` (`IORING_ASYNC_CANCEL_FD`, 5.19; add
    /// `IORING_ASYNC_CANCEL_ALL` in `flags` for all of them); completes with how many.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{CancelFd, PollAdd};
    /// use system_liburing::{sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let p1 = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?;
    /// let p2 = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?;
    /// // io_uring_prep_cancel_fd(sqe, rx, IORING_ASYNC_CANCEL_ALL): both polls
    /// let cancel = ring.push(CancelFd::new(rx.as_raw_fd(), sys::IORING_ASYNC_CANCEL_ALL))?;
    /// assert_eq!(ring.wait_for(cancel)??, 2);
    /// for poll in [p1, p2] {
    ///     let res = ring.wait_for(poll)?;
    ///     assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// }
    /// # Ok(()) }
    /// ```
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
