//! Raw bindings to the **system** liburing, generated at build time from its installed
//! headers (never from a copy we carry).
#![cfg_attr(
    liburing_sys_docs_only,
    doc = concat!(
        "\n\n**Documentation build.** These pages were built without liburing (as on docs.rs), \
         from bindings pregenerated from liburing ",
        env!("LIBURING_SYS_PREGENERATED_VERSION"),
        "'s headers for ",
        env!("LIBURING_SYS_PREGENERATED_TARGET"),
        ", kept for documentation only. A real build generates \
         them from the liburing it finds, so items, helpers and `cfg(liburing_has)` gates \
         follow that version instead.\n"
    )
)]
//!
//! * Every constant, enumerator and flag is at the crate root under its C name
//!   (`IORING_OP_NOP`, `IOSQE_IO_LINK`, `IORING_SETUP_SQPOLL`, `IORING_SQ_CQ_OVERFLOW`...).
//!   The kernel ABI values the safe crate relies on (for example `IORING_SQ_CQ_OVERFLOW`,
//!   kernel 5.8) exist even when the installed header predates them: `wrapper.h` defines them.
//! * Every `static inline` helper of the installed `liburing.h` (`io_uring_get_sqe`, every
//!   `io_uring_prep_*`, `io_uring_peek_cqe`, `io_uring_cqe_seen`...) is a real symbol under its
//!   C name: the build compiles a C shim for them with `cc` ([`INLINE_FUNCTIONS`] lists them).
//! * Out-of-line functions that the header declares but the linked library does not export
//!   are left out ([`UNEXPORTED_FUNCTIONS`]), so calling one is a compile error, not a link
//!   error. [`FEATURES`] says which of the functions the safe crate cares about are present;
//!   the same facts reach dependents as `cfg(liburing_has = "...")` through `DEP_URING_HAS`.
//!
//! ```no_run
//! use system_liburing_sys::*;
//! unsafe {
//!     let mut ring: io_uring = core::mem::zeroed();
//!     assert_eq!(io_uring_queue_init(8, &mut ring, 0), 0);
//!     let sqe = io_uring_get_sqe(&mut ring);
//!     io_uring_prep_nop(sqe);
//!     io_uring_sqe_set_data(sqe, 42 as *mut core::ffi::c_void);
//!     io_uring_submit(&mut ring);
//!     let mut cqe = core::ptr::null_mut();
//!     io_uring_wait_cqe(&mut ring, &mut cqe);
//!     io_uring_cqe_seen(&mut ring, cqe);
//!     io_uring_queue_exit(&mut ring);
//! }
//! ```
#![no_std]
#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case)]
#![allow(clippy::all, rustdoc::all, missing_docs, unsafe_op_in_unsafe_fn)]
#![allow(unnecessary_transmutes)]

include!(concat!(env!("OUT_DIR"), "/bindings.rs"));

mod detected {
    include!(concat!(env!("OUT_DIR"), "/detected.rs"));
}
pub use detected::*;

#[path = "../build/library_name.rs"]
mod library_name;
pub use library_name::release_from_library_name;

mod constants {
    include!(concat!(env!("OUT_DIR"), "/constants.rs"));
}
pub use constants::CONSTANTS;

/// The C name of a constant with this prefix and value (`constant_name("IORING_OP_", 22)` is
/// `Some("IORING_OP_READ")`).
pub fn constant_name(prefix: &str, value: i64) -> Option<&'static str> {
    CONSTANTS
        .iter()
        .find(|(n, v)| *v == value && n.starts_with(prefix))
        .map(|(n, _)| *n)
}
