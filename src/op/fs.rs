//! File-level operations.

use super::{fixed_file_builder, private::Sealed, sqe, sqe_flags_builder, Op, Unmanaged};
use crate::cq::Cqe;
use crate::flags::SqeFlags;
use crate::sq::Sqe;
use crate::sys;
use std::io;
use std::os::fd::{IntoRawFd, OwnedFd, RawFd};

/// `fsync(2)` / `fdatasync(2)` (`io_uring_prep_fsync`, kernel 5.1).
#[doc(alias = "io_uring_prep_fsync")]
#[doc(alias = "IORING_OP_FSYNC")]
#[derive(Debug, Clone)]
pub struct Fsync {
    fd: RawFd,
    datasync: bool,
    sqe_flags: SqeFlags,
}

impl Fsync {
    /// A full fsync of `fd`.
    pub fn new(fd: RawFd) -> Self {
        Fsync {
            fd,
            datasync: false,
            sqe_flags: SqeFlags::empty(),
        }
    }

    /// Only data and the metadata needed to read it (`IORING_FSYNC_DATASYNC`).
    pub fn datasync(mut self) -> Self {
        self.datasync = true;
        self
    }
}

/// Closes an fd the caller owned (`io_uring_prep_close`, kernel 5.6). Taking an `OwnedFd`
/// means nothing else can close or reuse the number behind the ring's back.
#[doc(alias = "io_uring_prep_close")]
#[doc(alias = "IORING_OP_CLOSE")]
#[derive(Debug)]
pub struct Close {
    fd: Option<OwnedFd>,
    raw: RawFd,
    sqe_flags: SqeFlags,
}

impl Close {
    /// A close of `fd`.
    pub fn new(fd: OwnedFd) -> Self {
        Close {
            fd: Some(fd),
            raw: -1,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

sqe_flags_builder!(Fsync, Close);
fixed_file_builder!(Fsync);

impl Sealed for Fsync {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_FSYNC, self.fd, self.sqe_flags);
        out.op_flags = if self.datasync {
            sys::IORING_FSYNC_DATASYNC
        } else {
            0
        };
    }
}

impl Op for Fsync {
    type Output = io::Result<()>;
    fn complete(self, cqe: Cqe) -> Self::Output {
        cqe.result().map(drop)
    }
}

impl Unmanaged for Fsync {}

impl Sealed for Close {
    fn prepare(&mut self, out: &mut Sqe) {
        // Once queued the kernel owns the close: give up ownership so that dropping the op
        // (finished, or leaked with the ring) never closes the number a second time.
        if let Some(fd) = self.fd.take() {
            self.raw = fd.into_raw_fd();
        }
        *out = sqe(sys::IORING_OP_CLOSE, self.raw, self.sqe_flags);
    }
}

impl Op for Close {
    type Output = io::Result<()>;
    fn complete(self, cqe: Cqe) -> Self::Output {
        cqe.result().map(drop)
    }
}
