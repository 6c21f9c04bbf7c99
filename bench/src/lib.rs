//! Benchmarks of the safe `system-liburing` API against C liburing and the `io-uring` crate.
//!
//! * [`contender`]: the same workloads four times (C in `c/bench.c`, `io-uring`, the safe
//!   API's batch views and its dispatch path);
//! * [`workload`]: parameters, the shared offset generator, verification, the test file;
//! * [`args`]: the one command line of the standalone binaries `bench-c`,
//!   `bench-io-uring`, `bench-safe` and `bench-safe-dispatch`;
//! * the `compare` binary interleaves all of them in one process (see README.md).

pub mod args;
pub mod contender;
pub mod workload;

pub use contender::Impl;
pub use workload::{NopSpec, Outcome, ReadSpec, TestFile};
