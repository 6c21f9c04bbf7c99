//! Timeouts.

use super::{private::Sealed, sqe, sqe_flags_builder, Op};
use crate::cq::Cqe;
use crate::flags::SqeFlags;
use crate::sq::Sqe;
use crate::sys;
use std::io;
use std::time::Duration;

/// `struct __kernel_timespec`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

/// A timeout (`io_uring_prep_timeout`, kernel 5.4): completes when the time passes, or
/// earlier once `count` other completions have been posted.
#[doc(alias = "io_uring_prep_timeout")]
#[doc(alias = "IORING_OP_TIMEOUT")]
#[derive(Debug, Clone)]
pub struct Timeout {
    ts: KernelTimespec,
    count: u32,
    flags: u32,
    sqe_flags: SqeFlags,
}

/// How a [`Timeout`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutFired {
    /// The time passed (the kernel's `-ETIME`).
    Expired,
    /// `count` completions were posted first.
    CountReached,
}

impl Timeout {
    /// Fires `after` from now. A zero duration fires at once.
    pub fn relative(after: Duration) -> Self {
        Timeout {
            ts: timespec(after),
            count: 0,
            flags: 0,
            sqe_flags: SqeFlags::empty(),
        }
    }

    /// Fires at `at` on `CLOCK_MONOTONIC` (`IORING_TIMEOUT_ABS`).
    pub fn absolute(at: Duration) -> Self {
        Timeout {
            ts: timespec(at),
            count: 0,
            flags: sys::IORING_TIMEOUT_ABS,
            sqe_flags: SqeFlags::empty(),
        }
    }

    /// Also completes once `count` other completions were posted.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
}

fn timespec(d: Duration) -> KernelTimespec {
    KernelTimespec {
        tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
        tv_nsec: i64::from(d.subsec_nanos()),
    }
}

sqe_flags_builder!(Timeout);

impl Sealed for Timeout {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_TIMEOUT, -1, self.sqe_flags);
        // The timespec lives in the boxed op until the CQE.
        out.addr = &self.ts as *const KernelTimespec as u64;
        out.len = 1;
        out.off = u64::from(self.count);
        out.op_flags = self.flags;
    }
}

impl Op for Timeout {
    type Output = io::Result<TimeoutFired>;
    fn complete(self, cqe: Cqe) -> Self::Output {
        match cqe.raw_result() {
            r if r == -libc::ETIME => Ok(TimeoutFired::Expired),
            r if r >= 0 => Ok(TimeoutFired::CountReached),
            r => Err(io::Error::from_raw_os_error(-r)),
        }
    }
}
