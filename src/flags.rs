//! The io_uring flag words as typed bitflags, each flag documented with its C name and the
//! kernel release that added it. Values come from `sys` (the installed header, or
//! `wrapper.h` where the header predates the flag).

use crate::sys;
use bitflags::bitflags;

bitflags! {
    /// `io_uring_params.flags`: how the ring is set up (`IORING_SETUP_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct SetupFlags: u32 {
        /// `IORING_SETUP_IOPOLL` (5.1): busy-poll for completions (O_DIRECT files only).
        const IOPOLL = sys::IORING_SETUP_IOPOLL;
        /// `IORING_SETUP_SQPOLL` (5.1): a kernel thread polls the submission queue.
        const SQPOLL = sys::IORING_SETUP_SQPOLL;
        /// `IORING_SETUP_SQ_AFF` (5.1): pin the SQPOLL thread to `sq_thread_cpu`.
        const SQ_AFF = sys::IORING_SETUP_SQ_AFF;
        /// `IORING_SETUP_CQSIZE` (5.5): `cq_entries` is given.
        const CQSIZE = sys::IORING_SETUP_CQSIZE;
        /// `IORING_SETUP_CLAMP` (5.6): clamp too-large sizes instead of failing.
        const CLAMP = sys::IORING_SETUP_CLAMP;
        /// `IORING_SETUP_ATTACH_WQ` (5.6): share the io-wq backend of `wq_fd`.
        const ATTACH_WQ = sys::IORING_SETUP_ATTACH_WQ;
        /// `IORING_SETUP_R_DISABLED` (5.10): start disabled until `IORING_REGISTER_ENABLE_RINGS`.
        const R_DISABLED = sys::IORING_SETUP_R_DISABLED;
        /// `IORING_SETUP_SUBMIT_ALL` (5.18): keep submitting after an SQE fails.
        const SUBMIT_ALL = sys::IORING_SETUP_SUBMIT_ALL;
        /// `IORING_SETUP_COOP_TASKRUN` (5.19): no IPI to run task work on completion.
        const COOP_TASKRUN = sys::IORING_SETUP_COOP_TASKRUN;
        /// `IORING_SETUP_TASKRUN_FLAG` (5.19): raise `IORING_SQ_TASKRUN` when task work waits.
        const TASKRUN_FLAG = sys::IORING_SETUP_TASKRUN_FLAG;
        /// `IORING_SETUP_SQE128` (5.19): 128-byte SQEs.
        const SQE128 = sys::IORING_SETUP_SQE128;
        /// `IORING_SETUP_CQE32` (5.19): 32-byte CQEs.
        const CQE32 = sys::IORING_SETUP_CQE32;
        /// `IORING_SETUP_SINGLE_ISSUER` (6.0): only one task submits.
        const SINGLE_ISSUER = sys::IORING_SETUP_SINGLE_ISSUER;
        /// `IORING_SETUP_DEFER_TASKRUN` (6.1): completions are posted only when the
        /// submitter enters the kernel for events (needs `SINGLE_ISSUER`).
        const DEFER_TASKRUN = sys::IORING_SETUP_DEFER_TASKRUN;
        const _ = !0;
    }
}

bitflags! {
    /// `io_uring_params.features`: what the running kernel offers (`IORING_FEAT_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct Features: u32 {
        /// `IORING_FEAT_SINGLE_MMAP` (5.4): SQ and CQ rings share one mapping.
        const SINGLE_MMAP = sys::IORING_FEAT_SINGLE_MMAP;
        /// `IORING_FEAT_NODROP` (5.5): CQEs that do not fit go to the overflow list instead
        /// of being dropped (until memory runs out: then -EBADR, see [`crate::CqesDropped`]).
        const NODROP = sys::IORING_FEAT_NODROP;
        /// `IORING_FEAT_SUBMIT_STABLE` (5.5): SQE data is consumed at submit time.
        const SUBMIT_STABLE = sys::IORING_FEAT_SUBMIT_STABLE;
        /// `IORING_FEAT_RW_CUR_POS` (5.6): offset -1 means the file position.
        const RW_CUR_POS = sys::IORING_FEAT_RW_CUR_POS;
        /// `IORING_FEAT_CUR_PERSONALITY` (5.6): requests run with the submitter's credentials.
        const CUR_PERSONALITY = sys::IORING_FEAT_CUR_PERSONALITY;
        /// `IORING_FEAT_FAST_POLL` (5.7): internal poll instead of io-wq for pollable files.
        const FAST_POLL = sys::IORING_FEAT_FAST_POLL;
        /// `IORING_FEAT_POLL_32BITS` (5.9): 32-bit poll masks.
        const POLL_32BITS = sys::IORING_FEAT_POLL_32BITS;
        /// `IORING_FEAT_SQPOLL_NONFIXED` (5.11): SQPOLL without registered files.
        const SQPOLL_NONFIXED = sys::IORING_FEAT_SQPOLL_NONFIXED;
        /// `IORING_FEAT_EXT_ARG` (5.11): `io_uring_enter` takes a timeout argument.
        const EXT_ARG = sys::IORING_FEAT_EXT_ARG;
        /// `IORING_FEAT_NATIVE_WORKERS` (5.12): io-wq workers are threads of the process.
        const NATIVE_WORKERS = sys::IORING_FEAT_NATIVE_WORKERS;
        /// `IORING_FEAT_RSRC_TAGS` (5.13): registered resources can carry tags.
        const RSRC_TAGS = sys::IORING_FEAT_RSRC_TAGS;
        /// `IORING_FEAT_CQE_SKIP` (5.17): `IOSQE_CQE_SKIP_SUCCESS` is honoured.
        const CQE_SKIP = sys::IORING_FEAT_CQE_SKIP;
        /// `IORING_FEAT_LINKED_FILE` (5.17): files of linked requests are resolved late.
        const LINKED_FILE = sys::IORING_FEAT_LINKED_FILE;
        /// `IORING_FEAT_REG_REG_RING` (6.3): ring fd registration via a registered ring.
        const REG_REG_RING = sys::IORING_FEAT_REG_REG_RING;
        const _ = !0;
    }
}

bitflags! {
    /// The SQ ring's `flags` word, written by the kernel (`IORING_SQ_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct SqFlags: u32 {
        /// `IORING_SQ_NEED_WAKEUP` (5.1): the SQPOLL thread sleeps; enter with
        /// `IORING_ENTER_SQ_WAKEUP` to wake it.
        const NEED_WAKEUP = sys::IORING_SQ_NEED_WAKEUP;
        /// `IORING_SQ_CQ_OVERFLOW` (5.8): completions wait on the kernel's overflow list;
        /// enter with `IORING_ENTER_GETEVENTS` to flush them into the CQ ring.
        const CQ_OVERFLOW = sys::IORING_SQ_CQ_OVERFLOW;
        /// `IORING_SQ_TASKRUN` (5.19): task work is pending; enter to run it.
        const TASKRUN = sys::IORING_SQ_TASKRUN;
        const _ = !0;
    }
}

bitflags! {
    /// Every per-SQE flag (`IOSQE_*`), as the kernel knows them: for restrictions
    /// ([`Restriction::SqeFlagsAllowed`](crate::Restriction::SqeFlagsAllowed)) and the
    /// [`raw`](crate::raw) layer. Safe ops take [`OpFlags`], the subset that cannot change
    /// how the kernel reads an SQE.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct SqeFlags: u8 {
        /// `IOSQE_FIXED_FILE` (5.1): `fd` is an index into the registered file table.
        const FIXED_FILE = sys::IOSQE_FIXED_FILE as u8;
        /// `IOSQE_IO_DRAIN` (5.2): start only after all earlier SQEs completed.
        const IO_DRAIN = sys::IOSQE_IO_DRAIN as u8;
        /// `IOSQE_IO_LINK` (5.3): the next SQE starts only after this one succeeded. When a
        /// member of a chain fails, every later member completes with `ECANCELED`: each
        /// ticket's own result says which one failed (the one whose error is not
        /// `ECANCELED`) and which were never run (`tests/links.rs`).
        const IO_LINK = sys::IOSQE_IO_LINK as u8;
        /// `IOSQE_IO_HARDLINK` (5.5): like `IO_LINK`, but the chain survives a failure.
        const IO_HARDLINK = sys::IOSQE_IO_HARDLINK as u8;
        /// `IOSQE_ASYNC` (5.6): go to io-wq directly instead of trying non-blocking first.
        const ASYNC = sys::IOSQE_ASYNC as u8;
        /// `IOSQE_BUFFER_SELECT` (5.7): pick a buffer from a provided group.
        const BUFFER_SELECT = sys::IOSQE_BUFFER_SELECT as u8;
        /// `IOSQE_CQE_SKIP_SUCCESS` (5.17): no CQE when the request succeeds.
        const CQE_SKIP_SUCCESS = 1 << 6;
        const _ = !0;
    }
}

/// The per-SQE flags any op may carry (`io_uring_sqe_set_flags`): ordering and execution
/// hints that change nothing about what memory the kernel reads or writes. Only these four
/// exist as values of this type, so the compiler checks what an op is given:
/// `IOSQE_FIXED_FILE` comes from the op's file being a [`Fixed`](crate::fd::Fixed) slot,
/// `IOSQE_BUFFER_SELECT` from an op made to select from a
/// [`BufRing`](crate::register::BufRing), and `IOSQE_CQE_SKIP_SUCCESS` from
/// [`SkipSuccess`](crate::op::SkipSuccess), which only ops that own nothing can wear (a
/// managed op whose success posted nothing would never hand its memory back).
///
/// ```
/// use system_liburing::{op::Nop, OpFlags};
/// let _linked = Nop::new().flags(OpFlags::IO_LINK | OpFlags::ASYNC);
/// ```
/// The flags that change how the kernel reads an SQE are not values of this type:
/// ```compile_fail,E0308
/// use system_liburing::{op::Nop, SqeFlags};
/// let _ = Nop::new().flags(SqeFlags::BUFFER_SELECT); // the full IOSQE_* set is not OpFlags
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OpFlags(u8);

impl OpFlags {
    /// `IOSQE_IO_DRAIN` (5.2): start only after every earlier SQE has completed.
    pub const IO_DRAIN: OpFlags = OpFlags(sys::IOSQE_IO_DRAIN as u8);
    /// `IOSQE_IO_LINK` (5.3): the next SQE starts only after this one succeeded. When a
    /// member of a chain fails, every later member completes with `ECANCELED`: each
    /// ticket's own result says which one failed (the one whose error is not `ECANCELED`)
    /// and which were never run (`tests/links.rs`).
    pub const IO_LINK: OpFlags = OpFlags(sys::IOSQE_IO_LINK as u8);
    /// `IOSQE_IO_HARDLINK` (5.5): like `IO_LINK`, but the chain survives a failure.
    pub const IO_HARDLINK: OpFlags = OpFlags(sys::IOSQE_IO_HARDLINK as u8);
    /// `IOSQE_ASYNC` (5.6): go to io-wq directly instead of trying non-blocking first.
    pub const ASYNC: OpFlags = OpFlags(sys::IOSQE_ASYNC as u8);

    /// No flags.
    pub const fn empty() -> OpFlags {
        OpFlags(0)
    }

    /// The `IOSQE_*` bits.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether every flag of `other` is set here.
    pub const fn contains(self, other: OpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of flags.
    pub const fn union(self, other: OpFlags) -> OpFlags {
        OpFlags(self.0 | other.0)
    }
}

impl std::ops::BitOr for OpFlags {
    type Output = OpFlags;
    fn bitor(self, rhs: OpFlags) -> OpFlags {
        self.union(rhs)
    }
}

impl std::ops::BitOrAssign for OpFlags {
    fn bitor_assign(&mut self, rhs: OpFlags) {
        *self = self.union(rhs);
    }
}

impl std::fmt::Debug for OpFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            (OpFlags::IO_DRAIN, "IO_DRAIN"),
            (OpFlags::IO_LINK, "IO_LINK"),
            (OpFlags::IO_HARDLINK, "IO_HARDLINK"),
            (OpFlags::ASYNC, "ASYNC"),
        ];
        let set: Vec<&str> = names
            .iter()
            .filter(|(flag, _)| self.contains(*flag))
            .map(|(_, name)| *name)
            .collect();
        write!(f, "OpFlags({})", set.join(" | "))
    }
}

bitflags! {
    /// Per-CQE flags (`IORING_CQE_F_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct CqeFlags: u32 {
        /// `IORING_CQE_F_BUFFER` (5.7): the upper 16 bits carry the selected buffer id.
        const BUFFER = sys::IORING_CQE_F_BUFFER;
        /// `IORING_CQE_F_MORE` (5.13): more CQEs will follow for this request (multishot).
        const MORE = sys::IORING_CQE_F_MORE;
        /// `IORING_CQE_F_SOCK_NONEMPTY` (5.19): the socket had more data after this recv.
        const SOCK_NONEMPTY = sys::IORING_CQE_F_SOCK_NONEMPTY;
        /// `IORING_CQE_F_NOTIF` (6.0): a zero-copy send's buffer notification.
        const NOTIF = sys::IORING_CQE_F_NOTIF;
        const _ = !0;
    }
}

bitflags! {
    /// `io_uring_enter(2)` flags (`IORING_ENTER_*`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct EnterFlags: u32 {
        /// `IORING_ENTER_GETEVENTS` (5.1): wait for / flush completions.
        const GETEVENTS = sys::IORING_ENTER_GETEVENTS;
        /// `IORING_ENTER_SQ_WAKEUP` (5.1): wake the SQPOLL thread.
        const SQ_WAKEUP = sys::IORING_ENTER_SQ_WAKEUP;
        /// `IORING_ENTER_SQ_WAIT` (5.10): wait for SQ space (SQPOLL).
        const SQ_WAIT = sys::IORING_ENTER_SQ_WAIT;
        /// `IORING_ENTER_EXT_ARG` (5.11): the argument is a `io_uring_getevents_arg`.
        const EXT_ARG = sys::IORING_ENTER_EXT_ARG;
        /// `IORING_ENTER_REGISTERED_RING` (5.18): `fd` is a registered ring index.
        const REGISTERED_RING = sys::IORING_ENTER_REGISTERED_RING;
        const _ = !0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_values() {
        assert_eq!(SqFlags::CQ_OVERFLOW.bits(), 2);
        assert_eq!(SqFlags::NEED_WAKEUP.bits(), 1);
        assert_eq!(SetupFlags::DEFER_TASKRUN.bits(), 1 << 13);
        assert_eq!(SqeFlags::CQE_SKIP_SUCCESS.bits(), 64);
        assert_eq!(Features::NODROP.bits(), 2);
        assert_eq!(CqeFlags::MORE.bits(), 2);
    }
}
