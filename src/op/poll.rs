//! Readiness polling.

use super::{fixed_file_builder, private::Sealed, sqe, sqe_flags_builder, Op, Unmanaged};
use crate::cq::Cqe;
use crate::flags::SqeFlags;
use crate::sq::Sqe;
use crate::sys;
use std::io;
use std::os::fd::RawFd;

/// Waits until `fd` is ready for `events` (`POLLIN`, `POLLOUT`... from libc)
/// (`io_uring_prep_poll_add`, kernel 5.1). Completes with the ready events.
#[doc(alias = "io_uring_prep_poll_add")]
#[doc(alias = "IORING_OP_POLL_ADD")]
#[derive(Debug, Clone)]
pub struct PollAdd {
    fd: RawFd,
    events: u32,
    sqe_flags: SqeFlags,
}

impl PollAdd {
    /// A one-shot poll of `fd` for `events`.
    pub fn new(fd: RawFd, events: i16) -> Self {
        PollAdd {
            fd,
            events: events as u16 as u32,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

sqe_flags_builder!(PollAdd);
fixed_file_builder!(PollAdd);

impl Sealed for PollAdd {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_POLL_ADD, self.fd, self.sqe_flags);
        // poll32_events; the 16-bit poll_events of pre-5.9 kernels is its low half on the
        // little-endian machines io_uring runs on (liburing swaps on big-endian).
        out.op_flags = if cfg!(target_endian = "big") {
            self.events.rotate_left(16)
        } else {
            self.events
        };
    }
}

impl Op for PollAdd {
    type Output = io::Result<u32>;
    fn complete(self, cqe: Cqe) -> Self::Output {
        cqe.result()
    }
}

impl Unmanaged for PollAdd {}
