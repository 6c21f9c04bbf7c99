//! Safe io_uring over the **system** liburing, with a completion-queue peek that never
//! strands a completion, whatever liburing it is linked against.
//!
//! # The problem
//! io_uring keeps completions that do not fit in the CQ ring on a kernel-side overflow list
//! and, since kernel 5.8, raises `IORING_SQ_CQ_OVERFLOW` while that list is non-empty. A peek
//! that only reads the ring (liburing before 0.7, many hand-rolled rings) finds it empty and
//! never sees those completions. [`Ring::peek`] reads the flag when the ring is empty and
//! flushes the list — with liburing's `io_uring_get_events` where the linked liburing has it
//! (2.3+), with a direct `io_uring_enter(IORING_ENTER_GETEVENTS)` otherwise.
//!
//! # The seed scenario, in safe Rust
//! ```
//! use system_liburing::{op::Nop, Ring};
//! # fn main() -> std::io::Result<()> {
//! let mut ring = Ring::builder().entries(16).cq_entries(32).build()?;
//! for i in 0..1000u64 {
//!     while ring.push_with_user_data(Nop::new(), i).is_err() {
//!         ring.submit()?; // SQ full: hand the batch over, reap nothing
//!     }
//! }
//! ring.submit()?;
//! let mut next = 0;
//! while next < 1000 {
//!     if let Some(cqe) = ring.peek()? {
//!         assert_eq!(cqe.user_data(), next); // every completion, once, in order
//!         next += 1;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Three kinds of user
//! * **Link your distro's liburing**: `system-liburing-sys` binds whatever `liburing.h` is
//!   installed, found with pkg-config; [`sys`] is the way down.
//! * **Port C**: every C name is a `#[doc(alias)]`; [`raw`] mirrors liburing's calls.
//! * **Validate liburing**: the `uring-check` tool runs the seed scenario through the linked
//!   liburing's own peek and through this crate's, and reports what each lost.
//!
//! # Owned operations
//! [`Ring::push`] takes an operation with its buffers ([`op::Read`], [`op::Write`]...); the
//! ring keeps them alive while the kernel may touch them, and [`Ring::finish`] (or
//! [`Ring::wait_for`]) hands them back with the result once the completion was reaped.
//! Dropping a ring with operations in flight cancels them, waits up to two seconds for their
//! completions, and leaks (never frees) the memory of any the kernel has not let go of.
//!
//! # Results: the ring's, then the kernel's, and the buffers always come back
//! An op's output is the kernel's result followed by everything the op owned, so
//! [`Ring::wait_for`] (like [`Ring::finish`], [`Completion::output`] and an
//! `rt::AsyncRing` future) returns `io::Result<(io::Result<usize>, file, buf)>`:
//! * the **outer** `io::Result` is the ring's: `Err` when it could not wait for the op
//!   (submitting or waiting failed for good). The op may still run, so its ticket is inside
//!   the error ([`NotCompleted::recover`]) and the buffers come back later through it;
//! * the **inner** result is the kernel's for the op (`cqe->res`: a count, or the errno);
//! * the files and buffers come back whatever the kernel said, errors included.
//!
//! One `?` for each, in that order, and nothing is lost on the way:
//! ```
//! # #[cfg(not(liburing_has = "io_uring_prep_read"))]
//! # fn main() {}
//! # #[cfg(liburing_has = "io_uring_prep_read")]
//! # fn main() -> std::io::Result<()> {
//! use system_liburing::{op::Read, Ring};
//! let mut ring = Ring::new(8)?;
//! let file = std::fs::File::open("/proc/self/stat")?;
//! let t = ring.push(Read::new(file, Vec::with_capacity(64), 0))?;
//! let (n, file, buf) = ring.wait_for(t)?; // the ring waited: the op is back
//! let n = n?; // the kernel's result (file and buf are ours either way)
//! assert_eq!(n, buf.len());
//! # drop(file);
//! # Ok(()) }
//! ```
//! Ops that own nothing (`op::Nop`, `op::Timeout`, `op::Socket`...) complete with
//! the bare result, so both `?` meet: `ring.wait_for(t)??`.
//!
//! # What is at the root
//! One rule: the root re-exports every type and trait a program names to run a ring and
//! take back what it gives — the ring, its halves and [`Builder`], [`Ticket`],
//! [`Completion`] and [`Cqe`], the op traits ([`Op`], [`Multishot`], [`Unmanaged`]) and
//! [`Shot`], buffers (owned, [`SharedBuf`], registered [`FixedBuf`], provided [`BufRing`]
//! and [`BufGuard`]), registration handles ([`Probe`], [`Restriction`]), flags and errors.
//! What comes in families stays in its module: the ops with their argument types and flag
//! allowlists in [`op`], file handles in [`fd`], the async driver in `rt`, the unsafe
//! layers in [`raw`] and [`sys`]. Each re-exported item is also reachable at its module
//! path (`register::BufRing` is `BufRing`).
//!
//! ```
//! use system_liburing::{op, BufGuard, BufRing, Completion, FixedBuf, Multishot, Ring, Shot, Ticket};
//! ```
//!
//! # Which ops exist
//! Each op exists only where the linked liburing has its `io_uring_prep_*` helper
//! ([`op::catalogue`] lists them, with the kernel version each opcode needs; a kernel that
//! lacks one gives [`PushError::Unsupported`] before anything is submitted). These pages,
//! when built on docs.rs, come from the pregenerated bindings of liburing 2.3 (no liburing
//! is installed there): ops that need a newer liburing (bind, listen, futex, waitid...) are
//! not shown, though your build has them when your liburing does.
//!
//! # Threads
//! [`Ring`] is `Send` and `Sync`; [`Ring::split`] gives a [`Submitter`] and a [`Completer`]
//! that may run on two threads (liburing's one-submitter, one-completer rule, enforced by
//! borrowing).
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub use system_liburing_sys as sys;

mod buf;
mod completion;
mod cq;
mod entry;
mod error;
pub mod fd;
mod flags;
mod mapped;
pub mod op;
mod peek_batch;
pub mod raw;
pub mod register;
mod ring;
#[cfg(feature = "tokio")]
pub mod rt;
mod setup;
mod sq;
mod syscall;
mod table;

pub use buf::{IoBuf, IoBufMut, SharedBuf};
pub use completion::Completion;
pub use cq::{Completer, CompletionQueue, Cqe};
pub use entry::Cqe32;
pub use error::{CqesDropped, NotCompleted, PushError, Refused, SubmitBusy};
pub use flags::{CqeFlags, EnterFlags, Features, OpFlags, SetupFlags, SqFlags, SqeFlags};
pub use op::{Multishot, Op, Shot, Unmanaged};
pub use peek_batch::CqeBatch;
pub use register::{BufGuard, BufRing, FixedBuf, Probe, ProbeOp, Restriction};
pub use ring::{Builder, Ring};
pub use sq::Submitter;
#[cfg(feature = "fault-injection")]
pub use syscall::fault;
pub use table::Ticket;

/// The liburing version this crate was built against (pkg-config, or `"unknown"`).
pub const LIBURING_BUILD_VERSION: &str = env!("SYSTEM_LIBURING_BUILD_VERSION");

/// The version of the liburing loaded at run time, where it can tell
/// (`io_uring_major_version` / `io_uring_minor_version`, liburing 2.4+); `None` before.
pub fn liburing_runtime_version() -> Option<(i32, i32)> {
    #[cfg(all(
        liburing_has = "io_uring_major_version",
        liburing_has = "io_uring_minor_version"
    ))]
    {
        // SAFETY: plain getters without arguments.
        unsafe { Some((sys::io_uring_major_version(), sys::io_uring_minor_version())) }
    }
    #[cfg(not(all(
        liburing_has = "io_uring_major_version",
        liburing_has = "io_uring_minor_version"
    )))]
    {
        None
    }
}

/// The path of the liburing shared object mapped into this process (from
/// `/proc/self/maps`), or `None` when liburing was linked statically or the file is not
/// readable.
pub fn loaded_liburing_path() -> Option<std::path::PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| {
            std::path::Path::new(p)
                .file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with("liburing.so"))
        })
        .map(std::path::PathBuf::from)
}

/// Which overflow flush path [`Ring::peek`] uses by default in this build.
pub const fn flush_path() -> &'static str {
    if cfg!(liburing_has = "io_uring_get_events") {
        "io_uring_get_events"
    } else {
        "io_uring_enter(GETEVENTS)"
    }
}
