//! Registration: what the ring can be told about once, up front.

mod probe;

pub use probe::Probe;
