//! Operations: each owns what the kernel needs for as long as it needs it, and hands it
//! back typed from [`Ring::finish`](crate::Ring::finish).
//!
//! | op | C helper | family |
//! |---|---|---|
//! | [`Nop`] | `io_uring_prep_nop` | misc |
//! | [`Read`], [`Write`], [`Readv`], [`Writev`] | `io_uring_prep_read` / `write` / `readv` / `writev` | rw |
//! | [`ReadFixed`], [`WriteFixed`] | `io_uring_prep_read_fixed` / `write_fixed` | rw |
//! | [`Fsync`], [`Close`] | `io_uring_prep_fsync` / `close` | fs |
//! | [`Timeout`] | `io_uring_prep_timeout` | time |
//! | [`PollAdd`] | `io_uring_prep_poll_add` | poll |
//! | [`AsyncCancel`] | `io_uring_prep_cancel64` | cancel |

use crate::cq::Cqe;
use crate::flags::SqeFlags;
use crate::sq::Sqe;
use std::marker::PhantomData;

mod cancel;
mod fs;
mod poll;
mod rw;
mod time;

pub use cancel::AsyncCancel;
pub use fs::{Close, Fsync};
pub use poll::PollAdd;
pub use rw::{Read, ReadFixed, Readv, Write, WriteFixed, Writev};
pub use time::{Timeout, TimeoutFired};

pub(crate) mod private {
    /// Seals [`Op`](super::Op): only this crate's ops can be pushed, because only they
    /// are known to keep their memory alive correctly.
    pub trait Sealed {
        /// Fills the whole SQE (the crate sets user_data afterwards).
        fn prepare(&mut self, sqe: &mut super::Sqe);
    }
}

/// An io_uring operation the ring can own while it is in flight.
pub trait Op: private::Sealed + Send + 'static {
    /// What [`Ring::finish`](crate::Ring::finish) hands back: the result, and the buffers.
    type Output;
    #[doc(hidden)]
    fn complete(self, cqe: Cqe) -> Self::Output;
}

/// An operation that points at no memory of its own, so it may be pushed unmanaged under a
/// user_data of your choosing ([`Ring::push_with_user_data`](crate::Ring::push_with_user_data)).
pub trait Unmanaged: Op {}

/// A managed operation in flight. Give it to [`Ring::finish`](crate::Ring::finish) once its
/// CQE (whose user_data is [`Ticket::user_data`]) has been reaped. Dropping a ticket without
/// finishing keeps the op's memory until the ring is dropped, never less.
#[must_use = "the ticket is how the buffers come back"]
pub struct Ticket<O> {
    token: u64,
    _op: PhantomData<fn() -> O>,
}

impl<O> Ticket<O> {
    pub(crate) fn new(token: u64) -> Self {
        Ticket {
            token,
            _op: PhantomData,
        }
    }

    /// The user_data of this op's CQE.
    pub fn user_data(&self) -> u64 {
        self.token
    }
}

impl<O> std::fmt::Debug for Ticket<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Ticket<{}>({:#x})",
            std::any::type_name::<O>(),
            self.token
        )
    }
}

/// An SQE for `opcode` on `fd` with everything else zero (what liburing's
/// `io_uring_prep_rw` starts from).
#[inline]
pub(crate) fn sqe(opcode: u32, fd: i32, flags: SqeFlags) -> Sqe {
    Sqe {
        opcode: opcode as u8,
        flags: flags.bits(),
        fd,
        ..Sqe::default()
    }
}

/// The per-SQE flags builder every op has.
macro_rules! sqe_flags_builder {
    ($($name:ident $(<$g:ident: $b:path>)?),* $(,)?) => {$(
        impl$(<$g: $b>)? $name$(<$g>)? {
            /// Per-SQE flags (`IOSQE_IO_LINK`, `IOSQE_IO_DRAIN`, `IOSQE_ASYNC`,
            /// `IOSQE_CQE_SKIP_SUCCESS`...).
            #[doc(alias = "io_uring_sqe_set_flags")]
            pub fn flags(mut self, flags: $crate::SqeFlags) -> Self {
                self.sqe_flags = flags;
                self
            }
        }
    )*};
}
pub(crate) use sqe_flags_builder;

/// `.fixed_file()` for every op that names a file.
macro_rules! fixed_file_builder {
    ($($name:ident $(<$g:ident: $b:path>)?),* $(,)?) => {$(
        impl$(<$g: $b>)? $name$(<$g>)? {
            /// The fd is an index into the registered file table
            /// ([`Ring::register_files`](crate::Ring::register_files)), `IOSQE_FIXED_FILE`.
            pub fn fixed_file(mut self) -> Self {
                self.sqe_flags |= $crate::SqeFlags::FIXED_FILE;
                self
            }
        }
    )*};
}
pub(crate) use fixed_file_builder;

/// The NOP: completes with 0 and does nothing (`io_uring_prep_nop`, kernel 5.1).
#[doc(alias = "io_uring_prep_nop")]
#[doc(alias = "IORING_OP_NOP")]
#[derive(Debug, Clone, Default)]
pub struct Nop {
    sqe_flags: SqeFlags,
}

impl Nop {
    /// A NOP.
    pub fn new() -> Self {
        Nop::default()
    }
}

sqe_flags_builder!(Nop);

impl private::Sealed for Nop {
    #[inline]
    fn prepare(&mut self, sqe_out: &mut Sqe) {
        *sqe_out = sqe(crate::sys::IORING_OP_NOP, -1, self.sqe_flags);
    }
}

impl Op for Nop {
    type Output = std::io::Result<()>;
    fn complete(self, cqe: Cqe) -> Self::Output {
        cqe.result().map(drop)
    }
}

impl Unmanaged for Nop {}
