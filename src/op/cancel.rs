//! Cancellation.
//!
//! A cancel may target a managed op: that op then completes (with `ECANCELED`, or its own
//! result if it was already done) and its ticket hands back its memory as usual. Nothing
//! here moves a completion to another user_data.

use super::define_ops;
use crate::error::allow_bits;
use crate::fd::IoFd;
use crate::Ticket;
use std::io;

/// The `IORING_ASYNC_CANCEL_*` bits a [`CancelFd`]'s `flags` may carry:
/// `IORING_ASYNC_CANCEL_ALL` (5.19), every request on the file rather than the first.
/// The others are not the user's: `IORING_ASYNC_CANCEL_FD` (5.19) is the op itself,
/// `IORING_ASYNC_CANCEL_FD_FIXED` (6.0) comes from the file being a
/// [`Fixed`](crate::fd::Fixed) slot, `IORING_ASYNC_CANCEL_ANY` (5.19) would ignore the file
/// (the kernel refuses it with `FD`; [`AsyncCancel::any`] is that request), and
/// `IORING_ASYNC_CANCEL_USERDATA` / `IORING_ASYNC_CANCEL_OP` (6.6) match on a user_data or
/// an opcode this op does not carry. Any other bit is refused at push time.
pub const CANCEL_FD_FLAGS: u32 = crate::sys::IORING_ASYNC_CANCEL_ALL;

/// `IORING_ASYNC_CANCEL_FD_FIXED` (6.0), kernel ABI spelled out: older headers lack it.
const ASYNC_CANCEL_FD_FIXED: u32 = 1 << 3;

define_ops! {
    /// Cancels a request by user_data (`io_uring_prep_cancel64` in liburing 2.2+). Completes with `ENOENT` when no such request is in
    /// flight, `EALREADY` when it is running and cannot be stopped; otherwise with 0 for a
    /// single request, or with how many were cancelled when [`all`](AsyncCancel::all) asks
    /// for every match. Its flags come only from its own methods ([`all`](AsyncCancel::all),
    /// [`any`](AsyncCancel::any)); one made from a [`Ticket`] is refused on another ring.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use system_liburing::op::{AsyncCancel, PollAdd};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let rx = Arc::new(rx);
    /// let poll = ring.push(PollAdd::new(rx.clone(), libc::POLLIN as u32))?; // nothing comes
    /// let cancel = ring.push(AsyncCancel::ticket(&poll))?;
    /// assert_eq!(ring.wait_for(cancel)??, 0); // found and cancelled
    /// let (res, _rx) = ring.wait_for(poll)?;
    /// assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // `all()`: every request with that user_data, and the result counts them
    /// let fixed = {
    ///     ring.register_files(&[Some(&rx)])?;
    ///     ring.fixed_file(0)
    /// };
    /// for _ in 0..2 {
    ///     ring.push_with_user_data(PollAdd::new(fixed, libc::POLLIN as u32), 7)?;
    /// }
    /// let cancel = ring.push(AsyncCancel::user_data(7).all())?;
    /// assert_eq!(ring.wait_for(cancel)??, 2);
    /// // `any()`: every request on the ring, whatever its user_data
    /// let p1 = ring.push(PollAdd::new(rx.clone(), libc::POLLIN as u32))?;
    /// ring.push_with_user_data(PollAdd::new(fixed, libc::POLLIN as u32), 8)?;
    /// let cancel = ring.push(AsyncCancel::any())?;
    /// assert_eq!(ring.wait_for(cancel)??, 2);
    /// assert!(ring.wait_for(p1)?.0.is_err());
    /// // a ticket of another ring is refused: its user_data names nothing here
    /// let mut other = Ring::new(4)?;
    /// let (rx2, _tx2) = UnixStream::pair()?;
    /// let elsewhere = other.push(PollAdd::new(rx2, libc::POLLIN as u32))?;
    /// assert!(ring.push(AsyncCancel::ticket(&elsewhere)).is_err());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cancel", IORING_OP_ASYNC_CANCEL, "5.5", unmanaged, owns_nothing]
    AsyncCancel(target: u64) { target: u64 = target, cancel_flags: u32 = 0, ring: Option<u64> = None }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
        sqe.op_flags = self.cancel_flags;
    }
    validate(&self, ring) {
        match self.ring {
            Some(r) if r != ring => Err(crate::Refused::new(
                "target",
                self.target,
                "the ticket of another ring (its user_data may name an unrelated op here)",
            )),
            _ => Ok(()),
        }
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Cancels a request by its 64-bit user_data (what [`AsyncCancel`] does too).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{AsyncCancel64, PollAdd};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32))?; // nothing comes
    /// let cancel = ring.push(AsyncCancel64::new(poll.user_data()))?;
    /// assert_eq!(ring.wait_for(cancel)??, 0);
    /// let (res, _rx) = ring.wait_for(poll)?;
    /// assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // no request with that user_data in flight: ENOENT
    /// let cancel = ring.push(AsyncCancel64::new(0x1234))?;
    /// assert_eq!(ring.wait_for(cancel)?.unwrap_err().raw_os_error(), Some(libc::ENOENT));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cancel64", IORING_OP_ASYNC_CANCEL, "5.5", unmanaged, owns_nothing]
    AsyncCancel64(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Cancels requests on `fd` (`IORING_ASYNC_CANCEL_FD`, 5.19; a [`Fixed`](crate::fd::Fixed)
    /// slot adds `IORING_ASYNC_CANCEL_FD_FIXED`, 6.0); `flags` may add
    /// `IORING_ASYNC_CANCEL_ALL` for all of them (the reviewed bits are
    /// [`CANCEL_FD_FLAGS`]). Completes with how many were cancelled with `ALL`, with 0 for
    /// the one cancelled without it, and hands back the file.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use system_liburing::op::{CancelFd, PollAdd};
    /// use system_liburing::{sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let rx = Arc::new(rx);
    /// let p1 = ring.push(PollAdd::new(rx.clone(), libc::POLLIN as u32))?;
    /// let p2 = ring.push(PollAdd::new(rx.clone(), libc::POLLIN as u32))?;
    /// // io_uring_prep_cancel_fd(sqe, rx, IORING_ASYNC_CANCEL_ALL): both polls
    /// let cancel = ring.push(CancelFd::new(rx.clone(), sys::IORING_ASYNC_CANCEL_ALL))?;
    /// let (n, _rx) = ring.wait_for(cancel)?;
    /// assert_eq!(n?, 2);
    /// for poll in [p1, p2] {
    ///     let (res, _rx) = ring.wait_for(poll)?;
    ///     assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// }
    /// // by registered slot (IORING_ASYNC_CANCEL_FD_FIXED comes from the type)
    /// ring.register_files(&[Some(&rx)])?;
    /// let slot = ring.fixed_file(0);
    /// let poll = ring.push(PollAdd::new(slot, libc::POLLIN as u32))?;
    /// let cancel = ring.push(CancelFd::new(slot, 0))?;
    /// let (n, _slot) = ring.wait_for(cancel)?;
    /// assert_eq!(n?, 0); // without ALL: 0 for the one found and cancelled
    /// assert!(ring.wait_for(poll)?.0.is_err());
    /// // IORING_ASYNC_CANCEL_ANY is not this op's to pass
    /// assert!(ring.push(CancelFd::new(slot, sys::IORING_ASYNC_CANCEL_ANY)).is_err());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cancel_fd", IORING_OP_ASYNC_CANCEL, "5.19", unmanaged]
    CancelFd<F: IoFd>(fd: F, flags: u32) { fd: F = fd, cancel_flags: u32 = flags }
    fds(fd: F)
    prepare(&mut self, sqe) {
        // Not IOSQE_FIXED_FILE: the cancel itself needs no file; the kernel resolves `fd`
        // to match requests, as a slot when FD_FIXED says so.
        let (fd, fixed) = self.fd.sqe_fd();
        sqe.fd = fd;
        sqe.op_flags = self.cancel_flags
            | crate::sys::IORING_ASYNC_CANCEL_FD
            | if fixed { ASYNC_CANCEL_FD_FIXED } else { 0 };
    }
    validate(&self, _ring) {
        allow_bits(
            "cancel_flags",
            u64::from(self.cancel_flags),
            u64::from(CANCEL_FD_FLAGS),
            "only IORING_ASYNC_CANCEL_ALL (CANCEL_FD_FLAGS): FD is the op's, FD_FIXED the \
             file type's, and ANY/USERDATA/OP would match on what this op does not carry",
        )
    }
    complete(self, cqe) -> (io::Result<u32>, F) { (cqe.result(), self.fd) }
}

#[cfg(liburing_has = "io_uring_prep_cancel")]
impl AsyncCancel {
    /// Cancels the request whose user_data is `target`.
    pub fn user_data(target: u64) -> Self {
        Self::new(target)
    }

    /// Cancels a managed op of this ring (pushed on another ring, it is refused).
    pub fn ticket<O>(ticket: &Ticket<O>) -> Self {
        let mut c = Self::new(ticket.user_data());
        c.ring = Some(ticket.ring());
        c
    }

    /// Every request on the ring, whatever its user_data (`IORING_ASYNC_CANCEL_ANY`,
    /// 5.19); completes with how many were cancelled. Managed ops among them complete
    /// with `ECANCELED` and hand back their memory as usual.
    #[doc(alias = "IORING_ASYNC_CANCEL_ANY")]
    pub fn any() -> Self {
        let mut c = Self::new(0);
        c.cancel_flags = crate::sys::IORING_ASYNC_CANCEL_ANY;
        c
    }

    /// Every request matching, not just the first (`IORING_ASYNC_CANCEL_ALL`, 5.19).
    #[doc(alias = "IORING_ASYNC_CANCEL_ALL")]
    pub fn all(mut self) -> Self {
        self.cancel_flags |= crate::sys::IORING_ASYNC_CANCEL_ALL;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;

    #[cfg(liburing_has = "io_uring_prep_cancel_fd")]
    #[test]
    fn cancel_fd_flags_and_fixed_from_the_type() {
        let file = || std::fs::File::open("/dev/null").unwrap();
        let all = crate::sys::IORING_ASYNC_CANCEL_ALL;
        assert!(CancelFd::new(file(), all).validate(1).is_ok());
        for bit in [
            crate::sys::IORING_ASYNC_CANCEL_ANY,
            crate::sys::IORING_ASYNC_CANCEL_FD,
            ASYNC_CANCEL_FD_FIXED,
            1 << 4, // IORING_ASYNC_CANCEL_USERDATA
            1 << 5, // IORING_ASYNC_CANCEL_OP
        ] {
            let why = CancelFd::new(file(), bit).validate(1).unwrap_err();
            assert_eq!((why.what(), why.value()), ("cancel_flags", u64::from(bit)));
        }
        let fd_only = crate::sys::IORING_ASYNC_CANCEL_FD;
        let mut sqe = crate::entry::Sqe::default();
        CancelFd::new(file(), 0).prepare(&mut sqe, 1);
        assert_eq!(sqe.op_flags, fd_only);
        CancelFd::new(crate::fd::Fixed::new(3, 1), 0).prepare(&mut sqe, 1);
        assert_eq!((sqe.fd, sqe.op_flags), (3, fd_only | ASYNC_CANCEL_FD_FIXED));
        assert_eq!(sqe.flags & crate::SqeFlags::FIXED_FILE.bits(), 0);
        let foreign = CancelFd::new(crate::fd::Fixed::new(3, 2), 0);
        assert_eq!(foreign.validate(1).unwrap_err().what(), "fd");
    }

    #[cfg(liburing_has = "io_uring_prep_cancel")]
    #[test]
    fn a_ticket_cancels_only_on_its_own_ring() {
        let home = crate::table::Home::new(4);
        let ticket = Ticket::<crate::op::Nop>::new(crate::entry::MANAGED | 9, &home);
        assert!(AsyncCancel::ticket(&ticket).validate(4).is_ok());
        assert_eq!(
            AsyncCancel::ticket(&ticket).validate(5).unwrap_err().what(),
            "target"
        );
        assert!(AsyncCancel::user_data(9).validate(5).is_ok());
    }

    #[cfg(liburing_has = "io_uring_prep_fixed_fd_install")]
    #[test]
    fn spelled_out_bits_match_the_header() {
        assert_eq!(
            ASYNC_CANCEL_FD_FIXED,
            crate::sys::IORING_ASYNC_CANCEL_FD_FIXED
        );
    }
}
