//! The registered eventfd: signalled per completion, only for async completions with the
//! async variant, and silent while the CQ ring's switch is off.

mod common;

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use system_liburing::op::Nop;
use system_liburing::{OpFlags, Ring};

fn eventfd() -> OwnedFd {
    // SAFETY: eventfd has no pointer arguments; the result is checked before use.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    assert!(fd >= 0, "eventfd: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh fd nobody else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// The eventfd's counter (reset by the read), 0 when it was not signalled.
fn signals(fd: &OwnedFd) -> u64 {
    let mut n = 0u64;
    // SAFETY: reads 8 bytes into `n`.
    let r = unsafe { libc::read(fd.as_raw_fd(), (&mut n as *mut u64).cast(), 8) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        assert_eq!(e.raw_os_error(), Some(libc::EAGAIN), "{e}");
        return 0;
    }
    n
}

fn nop(ring: &mut Ring, flags: OpFlags) {
    let t = ring.push(Nop::new().flags(flags)).unwrap();
    ring.wait_for(t).unwrap().unwrap();
}

#[test]
fn eventfd_counts_completions_and_pauses_with_the_cq_switch() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "eventfd") else {
        return;
    };
    let efd = eventfd();
    ring.register_eventfd(efd.as_fd()).unwrap();
    nop(&mut ring, OpFlags::empty());
    nop(&mut ring, OpFlags::empty());
    assert_eq!(signals(&efd), 2);

    #[cfg(liburing_has = "io_uring_cq_eventfd_toggle")]
    {
        assert!(ring.cq_eventfd_enabled());
        ring.set_cq_eventfd_enabled(false).unwrap();
        assert!(!ring.cq_eventfd_enabled());
        nop(&mut ring, OpFlags::empty());
        assert_eq!(signals(&efd), 0, "paused");
        ring.set_cq_eventfd_enabled(true).unwrap();
        nop(&mut ring, OpFlags::empty());
        assert_eq!(signals(&efd), 1, "resumed");
    }
    #[cfg(not(liburing_has = "io_uring_cq_eventfd_toggle"))]
    common::skip(
        "eventfd switch",
        format_args!("the linked liburing has no io_uring_cq_eventfd_toggle"),
    );

    ring.unregister_eventfd().unwrap();
    nop(&mut ring, OpFlags::empty());
    assert_eq!(signals(&efd), 0, "unregistered");
}

#[cfg(liburing_has = "io_uring_register_eventfd_async")]
#[test]
fn async_eventfd_signals_only_completions_from_async_context() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "eventfd async") else {
        return;
    };
    let efd = eventfd();
    ring.register_eventfd_async(efd.as_fd()).unwrap();
    nop(&mut ring, OpFlags::empty()); // completes inline at submission
    assert_eq!(signals(&efd), 0, "an inline completion is not signalled");
    nop(&mut ring, OpFlags::ASYNC); // punted to an io-wq worker
    assert_eq!(signals(&efd), 1, "an io-wq completion is");
}
