//! The three contenders, each running every workload the same way.

pub mod c;
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
    /// This workspace's safe API.
    Safe,
}

impl Impl {
    /// All of them, in table order.
    pub const ALL: [Impl; 3] = [Impl::C, Impl::IoUring, Impl::Safe];

    /// The name in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Impl::C => "c",
            Impl::IoUring => "io-uring",
            Impl::Safe => "safe",
        }
    }

    /// NOPs.
    pub fn nop(self, spec: NopSpec) -> io::Result<Outcome> {
        match self {
            Impl::C => c::nop(spec),
            Impl::IoUring => io_uring::nop(spec),
            Impl::Safe => safe::nop(spec),
        }
    }

    /// Random reads.
    pub fn read(self, spec: ReadSpec<'_>) -> io::Result<Outcome> {
        match self {
            Impl::C => c::read(spec),
            Impl::IoUring => io_uring::read(spec),
            Impl::Safe => safe::read(spec),
        }
    }

    /// Peek on a non-empty ring.
    pub fn peek(self, ops: u64) -> io::Result<Outcome> {
        match self {
            Impl::C => c::peek(ops),
            Impl::IoUring => io_uring::peek(ops),
            Impl::Safe => safe::peek(ops),
        }
    }

    /// The seed overflow drain; `ops` must be a multiple of 1000.
    pub fn overflow(self, ops: u64) -> io::Result<Outcome> {
        match self {
            Impl::C => c::overflow(ops),
            Impl::IoUring => io_uring::overflow(ops),
            Impl::Safe => safe::overflow(ops),
        }
    }
}
