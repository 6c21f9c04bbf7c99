//! The contenders (C, io-uring, the safe API in two styles), each running every workload
//! the same way.

pub mod c;
pub mod dispatch;
pub mod io_uring;
pub mod safe;

use crate::workload::{NopSpec, Outcome, ReadSpec};
use std::io;

/// One implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// C against liburing (c/bench.c).
    C,
    /// The `io-uring` crate 0.7.16.
    IoUring,
    /// This workspace's safe API: batch views, tickets.
    Safe,
    /// This workspace's safe API, dispatch path: `push_tagged` + `next_completion`.
    SafeDispatch,
}

impl Impl {
    /// All of them, in table order.
    pub const ALL: [Impl; 4] = [Impl::C, Impl::IoUring, Impl::Safe, Impl::SafeDispatch];

    /// The name in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Impl::C => "c",
            Impl::IoUring => "io-uring",
            Impl::Safe => "safe",
            Impl::SafeDispatch => "safe-dispatch",
        }
    }

    /// NOPs.
    pub fn nop(self, spec: NopSpec) -> io::Result<Outcome> {
        match self {
            Impl::C => c::nop(spec),
            Impl::IoUring => io_uring::nop(spec),
            Impl::Safe => safe::nop(spec),
            Impl::SafeDispatch => dispatch::nop(spec),
        }
    }

    /// Random reads.
    pub fn read(self, spec: ReadSpec<'_>) -> io::Result<Outcome> {
        match self {
            Impl::C => c::read(spec),
            Impl::IoUring => io_uring::read(spec),
            Impl::Safe => safe::read(spec),
            Impl::SafeDispatch => dispatch::read(spec),
        }
    }

    /// Peek on a non-empty ring.
    pub fn peek(self, ops: u64) -> io::Result<Outcome> {
        match self {
            Impl::C => c::peek(ops),
            Impl::IoUring => io_uring::peek(ops),
            Impl::Safe => safe::peek(ops),
            Impl::SafeDispatch => dispatch::peek(ops),
        }
    }

    /// The seed overflow drain; `ops` must be a multiple of 1000.
    pub fn overflow(self, ops: u64) -> io::Result<Outcome> {
        match self {
            Impl::C => c::overflow(ops),
            Impl::IoUring => io_uring::overflow(ops),
            Impl::Safe => safe::overflow(ops),
            Impl::SafeDispatch => dispatch::overflow(ops),
        }
    }
}
