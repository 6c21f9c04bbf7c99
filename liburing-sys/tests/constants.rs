//! The C names a port relies on exist at the crate root with the kernel's values.
use system_liburing_sys::*;

#[test]
fn sq_ring_flags_have_kernel_values() {
    // IORING_SQ_CQ_OVERFLOW is bit 1 of the SQ ring flags since kernel 5.8, whatever the
    // installed header says; wrapper.h supplies it when the header predates it.
    assert_eq!(IORING_SQ_CQ_OVERFLOW, 2);
    assert_eq!(IORING_SQ_NEED_WAKEUP, 1);
    assert_eq!(IORING_SQ_TASKRUN, 4);
}

#[test]
fn enum_built_flags_are_constants() {
    // The header builds these from enumerators (`1U << IOSQE_IO_LINK_BIT`).
    assert_eq!(IOSQE_FIXED_FILE, 1);
    assert_eq!(IOSQE_IO_DRAIN, 2);
    assert_eq!(IOSQE_IO_LINK, 4);
    assert_eq!(IOSQE_IO_HARDLINK, 8);
    assert_eq!(IOSQE_ASYNC, 16);
}

#[test]
fn enumerators_are_unprefixed() {
    assert_eq!(IORING_OP_NOP, 0);
    assert_eq!(IORING_OP_READV, 1);
    assert_eq!(IORING_OP_TIMEOUT, 11);
    assert_eq!(IORING_REGISTER_BUFFERS, 0);
    assert_eq!(IORING_SETUP_SQPOLL, 2);
    assert_eq!(IORING_ENTER_GETEVENTS, 1);
}

#[test]
fn kernel_abi_layouts() {
    assert_eq!(core::mem::size_of::<io_uring_sqe>(), 64);
    assert_eq!(core::mem::size_of::<io_uring_cqe>(), 16);
    assert_eq!(core::mem::offset_of!(io_uring_sqe, user_data), 32);
    assert_eq!(core::mem::offset_of!(io_uring_cqe, res), 8);
}

#[test]
fn detection_table_is_consistent() {
    assert!(!FEATURES.is_empty());
    for (name, since, present) in FEATURES {
        assert!(name.starts_with("io_uring_"), "{name}");
        assert!(!since.is_empty());
        // Whatever the header declares but the library lacks is never reported present.
        if UNEXPORTED_FUNCTIONS.contains(name) {
            assert!(!present, "{name} is unexported yet reported present");
        }
    }
    if LIBURING_VERSION == "2.3" {
        // The case that motivated symbol-based detection.
        assert!(UNEXPORTED_FUNCTIONS.contains(&"io_uring_enable_rings"));
        assert!(UNEXPORTED_FUNCTIONS.contains(&"io_uring_register_restrictions"));
    }
}
