//! Registration: what the ring can be told about once, up front.

mod buffers;
mod eventfd;
mod files;
mod probe;

pub(crate) use buffers::BufPool;
pub use buffers::FixedBuf;
pub use probe::Probe;
