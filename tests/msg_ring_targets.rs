//! Where a ring message can go (issue 16, item 5). A registered-file target is not possible:
//! the kernel keeps io_uring fds out of registered-file tables, whichever way one tries to
//! put one there, so a `Fixed` target names another file (`EBADFD`: not a ring) or none
//! (`EBADF`). A message from no ring at all (`io_uring_register_sync_msg`, liburing 2.12,
//! kernel 6.13) reaches its target.

// The tests gated on ops the linked liburing lacks are compiled out (tests/unavailable_ops.rs
// reports those ops), leaving some of what they share unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_files_update",
        liburing_has = "io_uring_prep_msg_ring"
    )),
    allow(unused_imports)
)]

mod common;

use std::os::fd::AsFd;
#[cfg(liburing_has = "io_uring_prep_files_update")]
use system_liburing::op::FilesUpdate;
#[cfg(liburing_has = "io_uring_prep_msg_ring")]
use system_liburing::op::MsgRing;
use system_liburing::Ring;

fn ring(what: &str) -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(8), what)
}

/// Every way into the registered-file table refuses a ring's fd with `EBADF`: the table
/// registration, the update call, the `FILES_UPDATE` op.
#[test]
fn ring_fds_cannot_be_registered_files() {
    let Some(mut ring) = ring("ring fd as a registered file") else {
        return;
    };
    let target = Ring::new(4).unwrap();
    let err = ring.register_files(&[Some(&target)]).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
    ring.register_files_sparse(4).unwrap();
    let err = ring.register_files_update(0, &[Some(&target)]).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{err}");
    #[cfg(liburing_has = "io_uring_prep_files_update")]
    {
        let fd = target.as_fd().try_clone_to_owned().unwrap();
        let t = ring.push(FilesUpdate::new(vec![Some(fd)], 1)).unwrap();
        let (res, _fds) = ring.wait_for(t).unwrap();
        assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    }
    // an ordinary file goes in fine: the refusal is about what the file is
    let null = std::fs::File::open("/dev/null").unwrap();
    assert_eq!(ring.register_files_update(2, &[Some(&null)]).unwrap(), 1);
}

/// So a `Fixed` target is never a ring: the message fails with `EBADFD` for a slot holding
/// another file and `EBADF` for an empty one, and the would-be target sees nothing.
#[cfg(liburing_has = "io_uring_prep_msg_ring")]
#[test]
fn a_fixed_target_is_not_a_ring() {
    let Some(mut ring) = ring("MsgRing to a registered slot") else {
        return;
    };
    let mut target = Ring::new(4).unwrap();
    let null = std::fs::File::open("/dev/null").unwrap();
    ring.register_files(&[Some(&null), None]).unwrap();
    for (slot, errno) in [(0, libc::EBADFD), (1, libc::EBADF)] {
        let t = ring
            .push(MsgRing::new(ring.fixed_file(slot), 7, 77))
            .unwrap();
        let (res, _) = ring.wait_for(t).unwrap();
        assert_eq!(res.unwrap_err().raw_os_error(), Some(errno), "slot {slot}");
    }
    assert!(
        target.peek().unwrap().is_none(),
        "nothing reached the other ring"
    );
    // the same message through the ring's fd arrives
    let to = target.as_fd().try_clone_to_owned().unwrap();
    let t = ring.push(MsgRing::new(to, 7, 77)).unwrap();
    ring.wait_for(t).unwrap().0.unwrap();
    let cqe = target.wait().unwrap();
    assert_eq!((cqe.user_data(), cqe.raw_result()), (77, 7));
    // a length of 2^31 and more arrives as a negative result: read as an error, never a
    // panic (i32::MIN has no errno)
    let to = target.as_fd().try_clone_to_owned().unwrap();
    let t = ring.push(MsgRing::new(to, 1 << 31, 78)).unwrap();
    ring.wait_for(t).unwrap().0.unwrap();
    let cqe = target.wait().unwrap();
    assert_eq!((cqe.user_data(), cqe.raw_result()), (78, i32::MIN));
    assert_eq!(cqe.result().unwrap_err().raw_os_error(), Some(i32::MAX));
}

/// Messages from no ring: they arrive; they are checked as a push is; a slot, a file that
/// is not a ring, and the flags the kernel does not take here are errors, not messages.
#[cfg(liburing_has = "io_uring_register_sync_msg")]
#[test]
fn messages_from_no_ring() {
    use system_liburing::op::MsgRingCqeFlags;
    use system_liburing::OpFlags;
    let Some(mut target) = ring("io_uring_register_sync_msg") else {
        return;
    };
    let fd = target.as_fd().try_clone_to_owned().unwrap();
    let to = || fd.try_clone().unwrap();
    match MsgRing::new(to(), 5, 55).sync().0 {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(
                "io_uring_register_sync_msg",
                format_args!("kernel predates IORING_REGISTER_SEND_MSG_RING (6.13)"),
            );
            return;
        }
        res => res.unwrap(),
    }
    let cqe = target.wait().unwrap();
    assert_eq!((cqe.user_data(), cqe.raw_result()), (55, 5));
    let (res, _) = MsgRingCqeFlags::new(to(), 6, 56, 1 << 16 | 1).sync();
    res.unwrap();
    let cqe = target.wait().unwrap();
    assert_eq!(
        (cqe.user_data(), cqe.raw_result(), cqe.flags().bits()),
        (56, 6, 1 << 16 | 1)
    );
    let invalid = |r: std::io::Result<()>| r.unwrap_err().kind();
    use std::io::ErrorKind::InvalidInput;
    // checked as a push: the crate's user_data half, a CQE-size flag, a registered slot
    assert_eq!(
        invalid(MsgRing::new(to(), 0, 1 << 63).sync().0),
        InvalidInput
    );
    assert_eq!(
        invalid(MsgRingCqeFlags::new(to(), 0, 1, 1 << 15).sync().0),
        InvalidInput
    );
    let slot = target.fixed_file(0);
    assert_eq!(invalid(MsgRing::new(slot, 0, 1).sync().0), InvalidInput);
    // what the kernel refuses here: a file that is not a ring, per-SQE flags
    let null = std::fs::File::open("/dev/null").unwrap();
    let (res, _) = MsgRing::new(null, 0, 1).sync();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADFD));
    let (res, _) = MsgRing::new(to(), 0, 1).flags(OpFlags::IO_LINK).sync();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    assert!(
        target.peek().unwrap().is_none(),
        "no refused message arrived"
    );
}
