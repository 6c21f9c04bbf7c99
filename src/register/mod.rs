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
pub(crate) use buf_ring::{BufRingInner, Selecting};
pub(crate) use buffers::BufPool;
pub use buffers::FixedBuf;
pub use probe::Probe;
pub use restrictions::Restriction;

// `IORING_REGISTER_*` opcodes the direct paths use. Enumerators cannot be `#ifndef`-ed in
// `wrapper.h`, and the oldest supported header (liburing 0.6) stops at 9, so they are stated
// here; they are kernel ABI. `tests::opcodes_match_the_header` compares them where the header
// has them.
/// `IORING_REGISTER_FILES` (5.1).
pub(crate) const IORING_REGISTER_FILES: u32 = 2;
/// `IORING_REGISTER_RESTRICTIONS` (5.10).
#[cfg_attr(liburing_has = "io_uring_register_restrictions", allow(dead_code))]
pub(crate) const IORING_REGISTER_RESTRICTIONS: u32 = 11;
/// `IORING_REGISTER_ENABLE_RINGS` (5.10).
#[cfg_attr(liburing_has = "io_uring_enable_rings", allow(dead_code))]
pub(crate) const IORING_REGISTER_ENABLE_RINGS: u32 = 12;
/// `IORING_REGISTER_BUFFERS2` (5.13).
pub(crate) const IORING_REGISTER_BUFFERS2: u32 = 15;
/// `IORING_REGISTER_BUFFERS_UPDATE` (5.13).
pub(crate) const IORING_REGISTER_BUFFERS_UPDATE: u32 = 16;
/// `IORING_REGISTER_IOWQ_AFF` (5.14).
#[cfg_attr(liburing_has = "io_uring_register_iowq_aff", allow(dead_code))]
pub(crate) const IORING_REGISTER_IOWQ_AFF: u32 = 17;
/// `IORING_UNREGISTER_IOWQ_AFF` (5.14).
#[cfg_attr(liburing_has = "io_uring_unregister_iowq_aff", allow(dead_code))]
pub(crate) const IORING_UNREGISTER_IOWQ_AFF: u32 = 18;
/// `IORING_REGISTER_IOWQ_MAX_WORKERS` (5.15).
#[cfg_attr(liburing_has = "io_uring_register_iowq_max_workers", allow(dead_code))]
pub(crate) const IORING_REGISTER_IOWQ_MAX_WORKERS: u32 = 19;

#[cfg(test)]
mod tests {
    /// liburing 2.3's header (the era of `io_uring_register_file_alloc_range`) has them all.
    #[cfg(liburing_has = "io_uring_register_file_alloc_range")]
    #[test]
    fn opcodes_match_the_header() {
        use crate::sys;
        assert_eq!(super::IORING_REGISTER_FILES, sys::IORING_REGISTER_FILES);
        assert_eq!(
            super::IORING_REGISTER_BUFFERS2,
            sys::IORING_REGISTER_BUFFERS2
        );
        assert_eq!(
            super::IORING_REGISTER_BUFFERS_UPDATE,
            sys::IORING_REGISTER_BUFFERS_UPDATE
        );
        assert_eq!(
            super::IORING_REGISTER_RESTRICTIONS,
            sys::IORING_REGISTER_RESTRICTIONS
        );
        assert_eq!(
            super::IORING_REGISTER_ENABLE_RINGS,
            sys::IORING_REGISTER_ENABLE_RINGS
        );
        assert_eq!(
            super::IORING_REGISTER_IOWQ_AFF,
            sys::IORING_REGISTER_IOWQ_AFF
        );
        assert_eq!(
            super::IORING_UNREGISTER_IOWQ_AFF,
            sys::IORING_UNREGISTER_IOWQ_AFF
        );
        assert_eq!(
            super::IORING_REGISTER_IOWQ_MAX_WORKERS,
            sys::IORING_REGISTER_IOWQ_MAX_WORKERS
        );
    }
}
