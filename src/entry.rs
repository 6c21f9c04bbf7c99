//! The entries of the two rings as the kernel lays them out: the SQE the crate writes and
//! the CQE it reads, and how user_data is split between the user and the crate. The bottom
//! of the house: it imports nothing of the crate but the bindings.

use crate::flags::CqeFlags;
use crate::sys;
use std::io;

/// Bit 63 of user_data marks the crate's managed operations; the other half is the user's.
pub(crate) const MANAGED: u64 = 1 << 63;

/// A submission queue entry in the kernel's ABI layout (`struct io_uring_sqe`, 64 bytes),
/// written by the ops as one whole value. Named fields instead of bindgen's (whose anonymous
/// unions are numbered differently by every liburing release).
#[doc(hidden)]
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct Sqe {
    pub opcode: u8,
    pub flags: u8,
    pub ioprio: u16,
    pub fd: i32,
    pub off: u64,
    pub addr: u64,
    pub len: u32,
    pub op_flags: u32,
    pub user_data: u64,
    pub buf_index: u16,
    pub personality: u16,
    pub file_index: u32,
    pub addr3: u64,
    pub pad: u64,
}

impl Sqe {
    /// `sqe->fd` from an op's file, with `IOSQE_FIXED_FILE` when it is a registered slot:
    /// the flag comes from the type, never from the user.
    #[inline(always)]
    pub(crate) fn set_fd<F: crate::fd::IoFd>(&mut self, file: &F) {
        let (fd, fixed) = file.sqe_fd();
        self.fd = fd;
        if fixed {
            self.flags |= crate::SqeFlags::FIXED_FILE.bits();
        }
    }
}

impl Sqe {
    /// The entry's 64 bytes as the kernel reads them (native byte order), field by field.
    pub(crate) fn to_bytes(self) -> [u8; 64] {
        let mut b = [0u8; 64];
        let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
        put(0, &[self.opcode, self.flags]);
        put(2, &self.ioprio.to_ne_bytes());
        put(4, &self.fd.to_ne_bytes());
        put(8, &self.off.to_ne_bytes());
        put(16, &self.addr.to_ne_bytes());
        put(24, &self.len.to_ne_bytes());
        put(28, &self.op_flags.to_ne_bytes());
        put(32, &self.user_data.to_ne_bytes());
        put(40, &self.buf_index.to_ne_bytes());
        put(42, &self.personality.to_ne_bytes());
        put(44, &self.file_index.to_ne_bytes());
        put(48, &self.addr3.to_ne_bytes());
        put(56, &self.pad.to_ne_bytes());
        b
    }
}

const _: () = assert!(std::mem::size_of::<Sqe>() == std::mem::size_of::<sys::io_uring_sqe>());
const _: () = assert!(std::mem::offset_of!(Sqe, user_data) == 32);

/// A completion, copied out of the ring (no reference into ring memory survives the call
/// that returned it). Laid out like the kernel's `struct io_uring_cqe`, so it is copied out
/// as one 16-byte value (two 8-byte halves reloaded as one would stall store forwarding).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

impl Cqe {
    /// A completion with these fields (for tests and for code that forwards CQEs).
    pub const fn new(user_data: u64, res: i32, flags: u32) -> Cqe {
        Cqe {
            user_data,
            res,
            flags,
        }
    }

    /// The SQE's user_data.
    #[doc(alias = "io_uring_cqe_get_data64")]
    pub const fn user_data(&self) -> u64 {
        self.user_data
    }

    /// The raw result: a count or `-errno`.
    pub const fn raw_result(&self) -> i32 {
        self.res
    }

    /// The result as `io::Result`: the count, or the errno as `io::Error`.
    pub fn result(&self) -> io::Result<u32> {
        crate::error::cvt(self.res)
    }

    /// `IORING_CQE_F_*` flags.
    pub const fn flags(&self) -> CqeFlags {
        CqeFlags::from_bits_retain(self.flags)
    }

    /// The provided-buffer id, when `IORING_CQE_F_BUFFER` is set.
    pub const fn buffer_id(&self) -> Option<u16> {
        if self.flags & sys::IORING_CQE_F_BUFFER != 0 {
            Some((self.flags >> 16) as u16)
        } else {
            None
        }
    }

    /// Whether this CQE belongs to one of the crate's managed operations.
    pub const fn is_managed(&self) -> bool {
        self.user_data & MANAGED != 0
    }

    /// A copy made field by field: three scalar loads that stay in registers in a batch
    /// loop, where a whole 16-byte copy out of the ring bounced through the stack.
    #[inline(always)]
    pub(crate) fn copy_fields(&self) -> Cqe {
        Cqe {
            user_data: self.user_data,
            res: self.res,
            flags: self.flags,
        }
    }
}

const _: () = assert!(std::mem::size_of::<Cqe>() == std::mem::size_of::<sys::io_uring_cqe>());
const _: () =
    assert!(std::mem::offset_of!(Cqe, res) == std::mem::offset_of!(sys::io_uring_cqe, res));

/// A completion of a ring built with `IORING_SETUP_CQE32` (kernel 5.19): the 16-byte
/// [`Cqe`] and the 16 bytes after it in the ring (`big_cqe[2]` in C), which the kernel fills
/// for requests that have more to say than `res` (`IORING_OP_URING_CMD` of a driver that
/// returns data, a NOP with `IORING_NOP_CQE32`, kernel 6.18). Read with
/// [`CqeBatch::get32`](crate::CqeBatch::get32), which gives one only on such a ring.
#[doc(alias = "big_cqe")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Cqe32 {
    cqe: Cqe,
    big_cqe: [u64; 2],
}

impl Cqe32 {
    /// A 32-byte completion with these parts (for tests and for code that forwards CQEs).
    pub const fn new(cqe: Cqe, extra: [u64; 2]) -> Cqe32 {
        Cqe32 {
            cqe,
            big_cqe: extra,
        }
    }

    /// The first 16 bytes: user_data, result and flags, as every ring has them.
    pub const fn cqe(&self) -> Cqe {
        self.cqe
    }

    /// The extra 16 bytes, `cqe->big_cqe[0]` and `cqe->big_cqe[1]`.
    #[doc(alias = "big_cqe")]
    pub const fn extra(&self) -> [u64; 2] {
        self.big_cqe
    }
}

const _: () = assert!(std::mem::size_of::<Cqe32>() == 32);
