//! Registration: what the ring can be told about once, up front.

mod buf_ring;
mod buffers;
mod eventfd;
mod files;
mod probe;

pub(crate) use buf_ring::BufRingInner;
pub use buf_ring::{BufGuard, BufRing};
pub(crate) use buffers::BufPool;
pub use buffers::FixedBuf;
pub use probe::Probe;
