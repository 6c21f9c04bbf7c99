//! Messages between rings (`IORING_OP_MSG_RING`, kernel 5.18).
//!
//! The target ring is named by a file the op holds (`F: IoFd`): the kernel looks it up when
//! it issues the request, which can be after the push (a [`Fixed`] slot is accepted as the
//! kernel accepts one; see below for what it can name). A CQE posted on the target never carries a
//! user_data of the crate's managed half (bit 63): that would forge a managed completion.
//! `msg_ring_flags` are the crate's own except [`MSG_RING_FD_FLAGS`]; the flags of a posted
//! CQE are checked against [`MSG_RING_CQE_FLAGS`].
//!
//! The target ring cannot be a registered file: the kernel keeps io_uring fds out of every
//! registered-file table (`io_uring_register_files`, `io_uring_register_files_update` and
//! `IORING_OP_FILES_UPDATE` all answer `EBADF` for one; kernel 6.18 seen), so a [`Fixed`]
//! target names some other file — `EBADFD` (not a ring) — or none — `EBADF` (an empty
//! slot). `tests/newer_ops.rs` shows each. The registered *ring* fd
//! (`Ring::register_ring_fd`) is another table, used only by `io_uring_enter`.
//!
//! Without a source ring, [`MsgRing::sync`] and [`MsgRingCqeFlags::sync`] post the message
//! at once through `io_uring_register_sync_msg` (liburing 2.12, kernel 6.13).

use super::define_ops;
use crate::entry::MANAGED;
use crate::fd::{Fixed, IoFd};
use crate::Refused;
use std::io;

/// The `msg_ring_flags` a `MsgRingFd` / `MsgRingFdAlloc` may carry:
/// `IORING_MSG_RING_CQE_SKIP` (1 << 0, 6.1: post no CQE on the target). Refused:
/// `IORING_MSG_RING_FLAGS_PASS` (1 << 1: the op that passes CQE flags,
/// `MsgRingCqeFlags`, sets it itself) and any bit a later kernel adds.
#[doc(alias = "IORING_MSG_RING_CQE_SKIP")]
pub const MSG_RING_FD_FLAGS: u32 = 1 << 0;

/// The flags a `MsgRingCqeFlags` may set on the CQE it posts: `IORING_CQE_F_BUFFER`
/// (1 << 0), `IORING_CQE_F_MORE` (1 << 1), `IORING_CQE_F_SOCK_NONEMPTY` (1 << 2),
/// `IORING_CQE_F_NOTIF` (1 << 3), `IORING_CQE_F_BUF_MORE` (1 << 4) and the upper 16 bits
/// (a buffer id, or whatever the receiver makes of them). They only describe the CQE to
/// whoever reaps it, and the crate's own ops never see a posted CQE (its user_data is
/// outside their half). Refused: `IORING_CQE_F_SKIP` (1 << 5) and `IORING_CQE_F_32`
/// (1 << 15), which tell a reader how big the CQE is and so would misframe the target's CQ
/// ring (6.18's mixed-size rings), and the other bits, which later kernels may give such
/// a meaning.
#[doc(alias = "IORING_MSG_RING_FLAGS_PASS")]
pub const MSG_RING_CQE_FLAGS: u32 = 0xffff_0000 | 0x1f;

define_ops! {
    /// Posts a CQE with `res = len` and `user_data = data` on the ring `target` (possibly
    /// this one), whose fd the op holds until it completes. `data` with bit 63 set is
    /// refused at push time: that half of user_data belongs to the crate's managed ops,
    /// which a forged CQE must never complete. Completes on this ring with 0, or
    /// `EOVERFLOW` when the target's CQ was full, and hands back `target`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRing, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut target = Ring::new(8)?;
    /// // The op holds its own handle on the target ring: a duplicate of its fd.
    /// let to = target.as_fd().try_clone_to_owned()?;
    /// // posts res = 42, user_data = 0x1234 on the other ring
    /// let ticket = ring.push(MsgRing::new(to, 42, 0x1234))?;
    /// let (res, to) = ring.wait_for(ticket)?;
    /// res?;
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.raw_result()), (0x1234, 42));
    /// // a user_data in the crate's reserved half is refused
    /// assert!(ring.push(MsgRing::new(to, 0, 1 << 63)).is_err());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring", IORING_OP_MSG_RING, "5.18", unmanaged]
    MsgRing<F: IoFd>(target: F, len: u32, data: u64) { target: F = target, len: u32 = len, data: u64 = data }
    fds(target: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.target);
        sqe.len = self.len;
        sqe.off = self.data;
    }
    validate(&self, _ring) { posted_user_data(self.data) }
    complete(self, cqe) -> (io::Result<()>, F) { (super::unit(&cqe), self.target) }

    /// [`MsgRing`] that also sets the flags of the CQE posted on `target`
    /// (`IORING_MSG_RING_FLAGS_PASS`, set by the op); `cqe_flags` within
    /// [`MSG_RING_CQE_FLAGS`]. `data` with bit 63 set is refused.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRingCqeFlags, PushError, Ring};
    /// let mut target = Ring::new(4)?;
    /// let mut ring = Ring::new(4)?;
    /// let to = target.as_fd().try_clone_to_owned()?;
    /// let t = ring.push(MsgRingCqeFlags::new(to, 7, 42, 1 << 16))?;
    /// let (res, to) = ring.wait_for(t)?;
    /// res?;
    /// let cqe = target.wait()?; // io_uring_wait_cqe on the target ring
    /// assert_eq!((cqe.user_data(), cqe.raw_result(), cqe.flags().bits()), (42, 7, 1 << 16));
    /// // IORING_CQE_F_32 would tell the target's reader the CQE is twice its size
    /// match ring.push(MsgRingCqeFlags::new(to, 7, 42, 1 << 15)) {
    ///     Err(PushError::Invalid(_, why)) => assert_eq!((why.what(), why.value()), ("cqe_flags", 1 << 15)),
    ///     other => panic!("IORING_CQE_F_32 accepted: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring_cqe_flags", IORING_OP_MSG_RING, "6.3", unmanaged]
    MsgRingCqeFlags<F: IoFd>(target: F, len: u32, data: u64, cqe_flags: u32) {
        target: F = target, len: u32 = len, data: u64 = data, cqe_flags: u32 = cqe_flags
    }
    fds(target: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.target);
        sqe.len = self.len;
        sqe.off = self.data;
        sqe.op_flags = MSG_RING_FLAGS_PASS;
        sqe.file_index = self.cqe_flags;
    }
    validate(&self, _ring) {
        posted_user_data(self.data)?;
        crate::error::allow_bits(
            "cqe_flags",
            u64::from(self.cqe_flags),
            u64::from(MSG_RING_CQE_FLAGS),
            "only the reviewed CQE flags (MSG_RING_CQE_FLAGS); IORING_CQE_F_SKIP and \
             IORING_CQE_F_32 would misframe the target's CQ ring",
        )
    }
    complete(self, cqe) -> (io::Result<()>, F) { (super::unit(&cqe), self.target) }

    /// Sends the registered file in slot `source` of this ring's table to slot
    /// `target_slot` of `target`'s table (`IORING_MSG_SEND_FD`); `target` gets a CQE with
    /// `user_data = data` unless `flags` has `IORING_MSG_RING_CQE_SKIP` (`flags` within
    /// [`MSG_RING_FD_FLAGS`]). `source` must be a slot of the ring the op is pushed on;
    /// `target_slot` is an index in the other ring's table, which this ring cannot check
    /// beyond its encoding: past `u32::MAX - 2` it is refused (its plus-one form would wrap
    /// to "not direct" or become `IORING_FILE_INDEX_ALLOC`; [`MsgRingFdAlloc`] asks for any
    /// free slot). `data` with bit 63 set is refused. Hands back `target`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::{MsgRingFd, Read}, Ring};
    /// let (mut ring, mut target) = (Ring::new(4)?, Ring::new(4)?);
    /// let null = std::fs::File::open("/dev/null")?;
    /// ring.register_files(&[Some(&null)])?;
    /// target.register_files_sparse(4)?;
    /// let to = target.as_fd().try_clone_to_owned()?;
    /// let t = ring.push(MsgRingFd::new(to, ring.fixed_file(0), 3, 9, 0))?;
    /// let (res, _to) = ring.wait_for(t)?;
    /// res?;
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.raw_result()), (9, 0));
    /// // slot 3 of the target now holds /dev/null: a read there finds end of file
    /// let t = target.push(Read::new(target.fixed_file(3), Vec::with_capacity(8), 0))?;
    /// let (n, _slot, _buf) = target.wait_for(t)?;
    /// assert_eq!(n?, 0);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring_fd", IORING_OP_MSG_RING, "6.0", unmanaged]
    MsgRingFd<F: IoFd>(target: F, source: Fixed, target_slot: u32, data: u64, flags: u32) {
        target: F = target, source: Fixed = source, target_slot: u32 = target_slot,
        data: u64 = data, msg_flags: u32 = flags
    }
    fds(target: F)
    prepare(&mut self, sqe) {
        // Checked in validate: the plus-one form neither wraps nor means "allocate".
        let file_index = self.target_slot.wrapping_add(1);
        send_fd(sqe, self.source, file_index, self.data, self.msg_flags);
        sqe.set_fd(&self.target);
    }
    validate(&self, ring) {
        send_fd_ok(&self.source, ring, self.data, self.msg_flags)?;
        target_slot_ok(self.target_slot)
    }
    complete(self, cqe) -> (io::Result<()>, F) { (super::unit(&cqe), self.target) }

    /// [`MsgRingFd`] into a free slot of `target`'s table (`IORING_FILE_INDEX_ALLOC`):
    /// completes with the slot the kernel picked there (an index in the other ring's
    /// table), and the CQE posted on `target` carries it as its result.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRingFdAlloc, Ring};
    /// let (mut ring, mut target) = (Ring::new(4)?, Ring::new(4)?);
    /// let null = std::fs::File::open("/dev/null")?;
    /// ring.register_files(&[Some(&null)])?;
    /// target.register_files_sparse(4)?;
    /// let to = target.as_fd().try_clone_to_owned()?;
    /// let t = ring.push(MsgRingFdAlloc::new(to, ring.fixed_file(0), 5, 0))?;
    /// let (slot, _to) = ring.wait_for(t)?;
    /// let slot = slot?;
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.result()?), (5, slot)); // the slot the kernel picked
    /// assert!(slot < 4);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_msg_ring_fd_alloc", IORING_OP_MSG_RING, "6.0", unmanaged]
    MsgRingFdAlloc<F: IoFd>(target: F, source: Fixed, data: u64, flags: u32) {
        target: F = target, source: Fixed = source, data: u64 = data, msg_flags: u32 = flags
    }
    fds(target: F)
    prepare(&mut self, sqe) {
        send_fd(sqe, self.source, FILE_INDEX_ALLOC, self.data, self.msg_flags);
        sqe.set_fd(&self.target);
    }
    validate(&self, ring) { send_fd_ok(&self.source, ring, self.data, self.msg_flags) }
    complete(self, cqe) -> (io::Result<u32>, F) { (cqe.result(), self.target) }
}

/// Posts a message op's CQE on its target now, from no ring
/// (`IORING_REGISTER_SEND_MSG_RING` through liburing's `io_uring_register_sync_msg`): the
/// op is checked as a push would check it, its SQE written as a push would write it, and
/// the kernel reads that SQE during the call. A registered slot is refused (`InvalidInput`):
/// without a ring there is no table to look it up in.
#[cfg(liburing_has = "io_uring_register_sync_msg")]
fn sync_msg<O: super::private::Sealed, F: IoFd>(op: &mut O) -> io::Result<()> {
    if F::CHECKED {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a registered-file slot names a file of one ring's table; a message sent from no \
             ring needs the target ring's fd",
        ));
    }
    // No ring has id 0 (ids start at 1): checks that concern no ring pass, the others fail.
    op.validate(0)
        .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    let mut sqe = crate::entry::Sqe::default();
    op.prepare(&mut sqe, 0);
    // SAFETY: `sqe` is a live entry in the kernel's layout (entry.rs asserts the size), read
    // by the kernel during the call only; the target fd it names is held by the op, which
    // the caller keeps until the call returns.
    let ret = unsafe {
        crate::sys::io_uring_register_sync_msg((&mut sqe as *mut crate::entry::Sqe).cast())
    };
    crate::error::cvt(ret).map(drop)
}

#[cfg(all(
    liburing_has = "io_uring_prep_msg_ring",
    liburing_has = "io_uring_register_sync_msg"
))]
impl<F: IoFd> MsgRing<F> {
    /// Posts the CQE on `target` now, with no ring of its own
    /// (`io_uring_register_sync_msg`, liburing 2.12, kernel 6.13): the call's result is the
    /// message's, and the target gets its CQE as from a pushed [`MsgRing`]. Checked as a
    /// push is (a user_data with bit 63 is `InvalidInput`); a [`Fixed`] target is
    /// `InvalidInput` (no ring, no table); the kernel refuses `OpFlags` and a personality
    /// here (`EINVAL`). Kernels before 6.13 answer `EINVAL`. Hands back `target`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRing, Ring};
    /// let mut target = Ring::new(4)?;
    /// let to = target.as_fd().try_clone_to_owned()?;
    /// // io_uring_prep_msg_ring(&sqe, fd, 42, 0x1234, 0); io_uring_register_sync_msg(&sqe)
    /// let (res, to) = MsgRing::new(to, 42, 0x1234).sync();
    /// match res {
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("skipped: this kernel predates IORING_REGISTER_SEND_MSG_RING (6.13)");
    ///         return Ok(());
    ///     }
    ///     res => res?,
    /// }
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.raw_result()), (0x1234, 42));
    /// // the crate's half of user_data is refused, as for a push
    /// let (res, _) = MsgRing::new(to, 0, 1 << 63).sync();
    /// assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
    /// # Ok(()) }
    /// ```
    #[doc(alias = "io_uring_register_sync_msg")]
    #[doc(alias = "IORING_REGISTER_SEND_MSG_RING")]
    pub fn sync(mut self) -> (io::Result<()>, F) {
        (sync_msg::<_, F>(&mut self), self.target)
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_msg_ring_cqe_flags",
    liburing_has = "io_uring_register_sync_msg"
))]
impl<F: IoFd> MsgRingCqeFlags<F> {
    /// [`MsgRing::sync`] with the posted CQE's flags (`cqe_flags` within
    /// [`MSG_RING_CQE_FLAGS`], checked as for a push).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsFd;
    /// use system_liburing::{op::MsgRingCqeFlags, Ring};
    /// let mut target = Ring::new(4)?;
    /// let to = target.as_fd().try_clone_to_owned()?;
    /// let (res, _to) = MsgRingCqeFlags::new(to, 7, 42, 1 << 16).sync();
    /// match res {
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("skipped: this kernel predates IORING_REGISTER_SEND_MSG_RING (6.13)");
    ///         return Ok(());
    ///     }
    ///     res => res?,
    /// }
    /// let cqe = target.wait()?;
    /// assert_eq!((cqe.user_data(), cqe.raw_result(), cqe.flags().bits()), (42, 7, 1 << 16));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "io_uring_register_sync_msg")]
    pub fn sync(mut self) -> (io::Result<()>, F) {
        (sync_msg::<_, F>(&mut self), self.target)
    }
}

/// `IORING_MSG_SEND_FD`, the `sqe->addr` command that passes a registered file.
#[allow(dead_code)]
const MSG_SEND_FD: u64 = 1;
/// `IORING_MSG_RING_FLAGS_PASS` (6.3): the target CQE's flags come from `sqe->file_index`.
#[allow(dead_code)]
const MSG_RING_FLAGS_PASS: u32 = 1 << 1;
/// `IORING_FILE_INDEX_ALLOC` (5.19), as the target slot of a file sent to another ring.
#[allow(dead_code)]
const FILE_INDEX_ALLOC: u32 = u32::MAX;

/// A user_data posted on another ring must not be in the crate's managed half: a forged CQE
/// there could complete a managed op early.
fn posted_user_data(data: u64) -> Result<(), Refused> {
    if data & MANAGED != 0 {
        Err(Refused::new(
            "user_data",
            data,
            "a posted user_data with bit 63 set would forge a managed completion",
        ))
    } else {
        Ok(())
    }
}

/// What both fd-passing ops check: the source slot is this ring's, the posted user_data is
/// the user's half, the flags are reviewed.
#[allow(dead_code)]
fn send_fd_ok(source: &Fixed, ring: u64, data: u64, flags: u32) -> Result<(), Refused> {
    if source.ring() != ring {
        return Err(Refused::new(
            "source",
            u64::from(source.index()),
            "a registered-file slot of another ring (the file is sent from this ring's table)",
        ));
    }
    posted_user_data(data)?;
    crate::error::allow_bits(
        "msg_ring_flags",
        u64::from(flags),
        u64::from(MSG_RING_FD_FLAGS),
        "only IORING_MSG_RING_CQE_SKIP (MSG_RING_FD_FLAGS)",
    )
}

/// A slot of the other ring's table, as the kernel takes it: plus one, where 0 means "not
/// direct" and `u32::MAX` "allocate". The two largest slots have no such form.
#[allow(dead_code)]
fn target_slot_ok(slot: u32) -> Result<(), Refused> {
    if slot < u32::MAX - 1 {
        Ok(())
    } else {
        Err(Refused::new(
            "target_slot",
            u64::from(slot),
            "a slot this large cannot be encoded (plus one wraps into 0 or the allocation \
             marker); MsgRingFdAlloc asks for any free slot",
        ))
    }
}

/// The SQE of an `IORING_MSG_SEND_FD` (all but the target ring's fd): slot `source` of this
/// ring's table to `file_index` (already in the kernel's plus-one form) of the target's.
#[allow(dead_code)]
fn send_fd(sqe: &mut crate::entry::Sqe, source: Fixed, file_index: u32, data: u64, flags: u32) {
    sqe.addr = MSG_SEND_FD;
    sqe.addr3 = u64::from(source.index());
    sqe.file_index = file_index;
    sqe.off = data;
    sqe.op_flags = flags;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;

    #[test]
    fn allowlists_have_the_reviewed_bits() {
        assert_eq!(MSG_RING_FD_FLAGS, 1);
        assert_eq!(MSG_RING_CQE_FLAGS & ((1 << 5) | (1 << 15)), 0);
        assert_eq!(MSG_RING_CQE_FLAGS, 0xffff_001f);
    }

    #[cfg(liburing_has = "io_uring_prep_msg_ring")]
    #[test]
    fn posted_user_data_and_flags_are_checked() {
        let ring = crate::Ring::new(2).unwrap();
        let other = crate::Ring::new(2).unwrap();
        let fd = || std::fs::File::open("/dev/null").unwrap();
        let id = ring.fixed_file(0).ring();
        let why = |r: Result<(), Refused>| r.err().map(|r| (r.what(), r.value()));
        assert_eq!(why(MsgRing::new(fd(), 0, 7).validate(id)), None);
        assert_eq!(
            why(MsgRing::new(fd(), 0, 1 << 63).validate(id)),
            Some(("user_data", 1 << 63))
        );
        #[cfg(liburing_has = "io_uring_prep_msg_ring_fd")]
        {
            let src = ring.fixed_file(0);
            assert_eq!(why(MsgRingFd::new(fd(), src, 3, 1, 1).validate(id)), None);
            assert_eq!(
                why(MsgRingFd::new(fd(), src, 3, 1, 2).validate(id)),
                Some(("msg_ring_flags", 2))
            );
            assert_eq!(
                why(MsgRingFd::new(fd(), other.fixed_file(0), 3, 1, 0).validate(id)),
                Some(("source", 0))
            );
            for slot in [u32::MAX - 1, u32::MAX] {
                assert_eq!(
                    why(MsgRingFd::new(fd(), src, slot, 1, 0).validate(id)),
                    Some(("target_slot", u64::from(slot)))
                );
            }
            assert_eq!(
                why(MsgRingFd::new(fd(), src, u32::MAX - 2, 1, 0).validate(id)),
                None
            );
        }
        #[cfg(liburing_has = "io_uring_prep_msg_ring_cqe_flags")]
        for (flags, refused) in [
            (1 << 16 | 1, 0),
            (1 << 5, 1 << 5),
            (1 << 15, 1 << 15),
            (1 << 9, 1 << 9),
        ] {
            let r = why(MsgRingCqeFlags::new(fd(), 0, 1, flags).validate(id));
            assert_eq!(r, (refused != 0).then_some(("cqe_flags", refused)));
        }
        let _ = other;
    }
}
