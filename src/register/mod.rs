//! Registration: what the ring can be told about once, up front.
//!
//! Everything registered belongs to the ring: `io_uring_queue_exit` (dropping the
//! [`Ring`](crate::Ring)) releases every registration at once — files, buffers, the eventfd,
//! personalities, io-wq settings, restrictions and the registered ring fd — so none needs an
//! explicit unregister.

mod buf_ring;
mod buffers;
mod eventfd;
mod files;
mod iowq;
mod personality;
mod probe;
mod restrictions;

pub use buf_ring::{BufGuard, BufRing};
// Used by the ops that select a buffer, the oldest of which need io_uring_prep_read/recv.
#[cfg_attr(
    not(any(
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_recv"
    )),
    allow(unused_imports)
)]
pub(crate) use buf_ring::{BufRingInner, Selecting, SelectingOne};
// Used by `op::SendBundle`, which exists only where liburing has io_uring_prep_send_bundle.
#[cfg_attr(not(liburing_has = "io_uring_prep_send_bundle"), allow(unused_imports))]
pub(crate) use buf_ring::Sending;
pub(crate) use buffers::BufPool;
pub use buffers::FixedBuf;
pub use probe::{Probe, ProbeOp};
pub use restrictions::Restriction;

// The `IORING_REGISTER_*` opcodes the direct paths use come from `sys`: wrapper.h's table
// of fallbacks defines them where the installed header predates them.
