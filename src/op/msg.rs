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
    validate(&self, _ring) { posted_user_data(self.data) }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }

    /// [`MsgRing`] that also sets the flags of the CQE posted on `target`
    /// (`IORING_MSG_RING_FLAGS_PASS`). `data` with bit 63 set is refused, and so are the
    /// flags that change how a CQE is framed (`IORING_CQE_F_SKIP`, `IORING_CQE_F_32`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRingCqeFlags, Ring};
    /// let mut target = Ring::new(4)?;
    /// let mut ring = Ring::new(4)?;
    /// let t = ring.push(MsgRingCqeFlags::new(target.as_fd(), 7, 42, 1 << 16))?;
    /// ring.wait_for(t)??;
    /// let cqe = target.wait()?; // io_uring_wait_cqe on the target ring
    /// assert_eq!((cqe.user_data(), cqe.raw_result(), cqe.flags().bits()), (42, 7, 1 << 16));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring_cqe_flags", IORING_OP_MSG_RING, "6.3", unmanaged]
    MsgRingCqeFlags(target: BorrowedFd<'_>, len: u32, data: u64, cqe_flags: u32) {
        fd: RawFd = target.as_raw_fd(), len: u32 = len, data: u64 = data, cqe_flags: u32 = cqe_flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.len;
        sqe.off = self.data;
        sqe.op_flags = MSG_RING_FLAGS_PASS;
        sqe.file_index = self.cqe_flags;
    }
    validate(&self, _ring) {
        posted_user_data(self.data)?;
        if self.cqe_flags & FRAMING_FLAGS != 0 {
            Err("IORING_CQE_F_SKIP / IORING_CQE_F_32 would misframe the target's CQ ring")
        } else {
            Ok(())
        }
    }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }

    /// Sends the registered file in slot `source_slot` of this ring's table to slot
    /// `target_slot` of `target`'s (`IORING_MSG_SEND_FD`); `target` gets a CQE with
    /// `user_data = data` unless `flags` has `IORING_MSG_RING_CQE_SKIP`. `data` with bit 63
    /// set is refused.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::{AsFd, AsRawFd};
    /// use system_liburing::{op::MsgRingFd, Ring};
    /// let (mut ring, mut target) = (Ring::new(4)?, Ring::new(4)?);
    /// let null = std::fs::File::open("/dev/null")?;
    /// ring.register_files(&[null.as_raw_fd()])?;
    /// target.register_files_sparse(4)?;
    /// let t = ring.push(MsgRingFd::new(target.as_fd(), 0, 3, 9, 0))?;
    /// ring.wait_for(t)??;
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.raw_result()), (9, 0)); // slot 3 of target is filled
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring_fd", IORING_OP_MSG_RING, "6.0", unmanaged]
    MsgRingFd(target: BorrowedFd<'_>, source_slot: u32, target_slot: u32, data: u64, flags: u32) {
        fd: RawFd = target.as_raw_fd(), source_slot: u32 = source_slot, target_slot: u32 = target_slot,
        data: u64 = data, msg_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        send_fd(sqe, self.fd, self.source_slot, super::target_slot(self.target_slot), self.data, self.msg_flags);
    }
    validate(&self, _ring) { posted_user_data(self.data) }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }

    /// [`MsgRingFd`] into a free slot of `target`'s table: the CQE posted on `target`
    /// carries the slot as its result.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::{AsFd, AsRawFd};
    /// use system_liburing::{op::MsgRingFdAlloc, Ring};
    /// let (mut ring, mut target) = (Ring::new(4)?, Ring::new(4)?);
    /// let null = std::fs::File::open("/dev/null")?;
    /// ring.register_files(&[null.as_raw_fd()])?;
    /// target.register_files_sparse(4)?;
    /// let t = ring.push(MsgRingFdAlloc::new(target.as_fd(), 0, 5, 0))?;
    /// ring.wait_for(t)??;
    /// let cqe = target.wait()?;
    /// assert_eq!(cqe.user_data(), 5);
    /// assert!((0..4).contains(&cqe.result()?)); // the slot the kernel picked
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring_fd_alloc", IORING_OP_MSG_RING, "6.0", unmanaged]
    MsgRingFdAlloc(target: BorrowedFd<'_>, source_slot: u32, data: u64, flags: u32) {
        fd: RawFd = target.as_raw_fd(), source_slot: u32 = source_slot, data: u64 = data, msg_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        send_fd(sqe, self.fd, self.source_slot, super::FILE_INDEX_ALLOC, self.data, self.msg_flags);
    }
    validate(&self, _ring) { posted_user_data(self.data) }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }
}

/// `IORING_MSG_SEND_FD`, the `sqe->addr` command that passes a registered file.
#[allow(dead_code)]
const MSG_SEND_FD: u64 = 1;
/// `IORING_MSG_RING_FLAGS_PASS` (6.3): the target CQE's flags come from `sqe->file_index`.
#[allow(dead_code)]
const MSG_RING_FLAGS_PASS: u32 = 1 << 1;
/// `IORING_CQE_F_SKIP | IORING_CQE_F_32`: flags that tell the reader how big a CQE is.
#[allow(dead_code)]
const FRAMING_FLAGS: u32 = (1 << 5) | (1 << 15);

/// A user_data posted on another ring must not be in the crate's managed half: a forged CQE
/// there could complete a managed op early.
fn posted_user_data(data: u64) -> Result<(), &'static str> {
    if data & MANAGED != 0 {
        Err("a posted user_data with bit 63 set would forge a managed completion")
    } else {
        Ok(())
    }
}

/// The SQE of an `IORING_MSG_SEND_FD`: slot `source` of this ring's table to `file_index`
/// (already in the kernel's plus-one form) of the ring `fd`.
#[allow(dead_code)]
fn send_fd(
    sqe: &mut crate::sq::Sqe,
    fd: RawFd,
    source: u32,
    file_index: u32,
    data: u64,
    flags: u32,
) {
    sqe.fd = fd;
    sqe.addr = MSG_SEND_FD;
    sqe.addr3 = u64::from(source);
    sqe.file_index = file_index;
    sqe.off = data;
    sqe.op_flags = flags;
}
