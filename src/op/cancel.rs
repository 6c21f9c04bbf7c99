//! Cancellation.

use super::{private::Sealed, sqe, sqe_flags_builder, Op, Ticket, Unmanaged};
use crate::cq::Cqe;
use crate::flags::SqeFlags;
use crate::sq::Sqe;
use crate::sys;
use std::io;

/// Cancels a request by user_data (`io_uring_prep_cancel64`, kernel 5.5). Completes with
/// `ENOENT` when no such request is in flight, `EALREADY` when it is running and cannot be
/// stopped.
#[doc(alias = "io_uring_prep_cancel64")]
#[doc(alias = "io_uring_prep_cancel")]
#[doc(alias = "IORING_OP_ASYNC_CANCEL")]
#[derive(Debug, Clone)]
pub struct AsyncCancel {
    target: u64,
    flags: u32,
    sqe_flags: SqeFlags,
}

impl AsyncCancel {
    /// Cancels the request whose user_data is `target`.
    pub fn user_data(target: u64) -> Self {
        AsyncCancel {
            target,
            flags: 0,
            sqe_flags: SqeFlags::empty(),
        }
    }

    /// Cancels a managed op.
    pub fn ticket<O>(ticket: &Ticket<O>) -> Self {
        Self::user_data(ticket.user_data())
    }

    /// Every request matching, not just the first (`IORING_ASYNC_CANCEL_ALL`, 5.19).
    pub fn all(mut self) -> Self {
        self.flags |= sys::IORING_ASYNC_CANCEL_ALL;
        self
    }
}

sqe_flags_builder!(AsyncCancel);

impl Sealed for AsyncCancel {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_ASYNC_CANCEL, -1, self.sqe_flags);
        out.addr = self.target;
        out.op_flags = self.flags;
    }
}

impl Op for AsyncCancel {
    /// How many requests were cancelled (1 without [`all`](AsyncCancel::all)).
    type Output = io::Result<u32>;
    fn complete(self, cqe: Cqe) -> Self::Output {
        cqe.result()
    }
}

impl Unmanaged for AsyncCancel {}
