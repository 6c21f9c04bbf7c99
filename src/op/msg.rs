//! Messages between rings (`IORING_OP_MSG_RING`, kernel 5.18).

use super::define_ops;
use crate::inflight::MANAGED;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

define_ops! {
    /// Posts a CQE with `res = len` and `user_data = data` on the ring `target` (possibly
    /// this one). `data` with bit 63 set is refused at push time: that half of user_data
    /// belongs to the crate's managed ops, which a forged CQE must never complete.
    /// Completes on this ring with 0, or `EOVERFLOW` when the target's CQ was full.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRing, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut target = Ring::new(8)?;
    /// // posts res = 42, user_data = 0x1234 on the other ring
    /// let ticket = ring.push(MsgRing::new(target.as_fd(), 42, 0x1234))?;
    /// ring.wait_for(ticket)??;
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.raw_result()), (0x1234, 42));
    /// // a user_data in the crate's reserved half is refused
    /// assert!(ring.push(MsgRing::new(target.as_fd(), 0, 1 << 63)).is_err());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring", IORING_OP_MSG_RING, "5.18", unmanaged]
    MsgRing(target: BorrowedFd<'_>, len: u32, data: u64) { fd: RawFd = target.as_raw_fd(), len: u32 = len, data: u64 = data }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.len;
        sqe.off = self.data;
    }
    validate(&self, _ring) {
        if self.data & MANAGED != 0 {
            Err("a posted user_data with bit 63 set would forge a managed completion")
        } else {
            Ok(())
        }
    }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }
}
