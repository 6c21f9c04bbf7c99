//! Bad input is a clear error, never a panic or a hang.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read"
))]

mod common;

use std::io::ErrorKind;
use system_liburing::op::{AsyncCancel, Nop, Read};
use system_liburing::{PushError, Ring};

#[test]
fn zero_entries_is_einval() {
    let e = Ring::builder().entries(0).build().unwrap_err();
    assert!(
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EPERM)
        ),
        "{e}"
    );
}

#[test]
fn too_many_entries_is_einval_unless_clamped() {
    let e = Ring::builder().entries(1 << 20).build().unwrap_err();
    assert!(
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EPERM)
        ),
        "{e}"
    );
    if let Some(r) =
        common::ring_with_feature_or_skip(Ring::builder().entries(1 << 20).clamp(), "clamp")
    {
        assert!(r.sizes().0 <= 32768);
    }
}

/// Safe code cannot name a file by a number (`Read::new(-1, ..)` does not compile: see
/// `system_liburing::fd::Raw`); what it can name wrongly is a registered slot, and that is
/// the kernel's `EBADF` in the op's result, with the buffer handed back.
#[test]
fn read_on_bad_fds_reports_ebadf_in_the_result() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "ebadf") else {
        return;
    };
    // No table at all.
    let t = ring
        .push(Read::new(ring.fixed_file(0), Vec::with_capacity(8), 0))
        .unwrap();
    let (res, slot, buf) = ring.wait_for(t).unwrap();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    assert_eq!(slot.index(), 0);
    assert_eq!(buf.capacity(), 8, "the buffer comes back on failure too");

    // An empty slot of a sparse table, and a slot past its end.
    ring.register_files_sparse(4).unwrap();
    for index in [2, 1 << 30] {
        let t = ring
            .push(Read::new(ring.fixed_file(index), Vec::with_capacity(8), 0))
            .unwrap();
        let (res, _, buf) = ring.wait_for(t).unwrap();
        assert_eq!(
            res.unwrap_err().raw_os_error(),
            Some(libc::EBADF),
            "slot {index}"
        );
        assert_eq!(buf.capacity(), 8);
    }
}

/// Another ring's slot is refused at push (`Invalid`, naming the fd), and the op comes back:
/// slot 0 of two rings are different files.
#[test]
fn another_rings_slot_is_invalid_and_returns_the_op() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "foreign slot") else {
        return;
    };
    let Some(other) = common::ring_or_skip(Ring::builder().entries(8), "foreign slot") else {
        return;
    };
    match ring.push(Read::new(other.fixed_file(0), vec![7u8; 3], 0)) {
        Err(PushError::Invalid(op, why)) => {
            assert_eq!(why.what(), "fd");
            assert_eq!(why.value(), 0);
            let e: std::io::Error = PushError::Invalid(op, why).into();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(ring.in_flight(), 0, "nothing was queued");
    assert_eq!(ring.submit().unwrap(), 0);
}

#[test]
fn cancel_of_unknown_op_is_enoent() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "enoent") else {
        return;
    };
    let t = ring.push(AsyncCancel::user_data(0xdead)).unwrap();
    assert_eq!(
        ring.wait_for(t).unwrap().unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn push_on_full_sq_is_typed_and_returns_the_op() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "sq full") else {
        return;
    };
    for i in 0..4 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    match ring.push_with_user_data(Nop::new(), 4) {
        Err(PushError::SqFull(_)) => {}
        other => panic!("expected SqFull, got {other:?}"),
    }
    let (rx, _tx) = common::pipe();
    let e = ring.push(Read::new(rx, vec![1u8, 2, 3], 0)).unwrap_err();
    assert!(matches!(e, PushError::SqFull(_)), "{e}");
    // Nothing is lost: the op, its file and its buffer come back.
    let read_back = e.into_inner();
    drop(read_back);
    let io: std::io::Error = ring.push_with_user_data(Nop::new(), 5).unwrap_err().into();
    assert_eq!(io.kind(), ErrorKind::WouldBlock);
    assert_eq!(ring.submit().unwrap(), 4);
    ring.push_with_user_data(Nop::new(), 4).unwrap();
}

#[test]
fn reserved_user_data_is_refused() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "reserved") else {
        return;
    };
    assert!(matches!(
        ring.push_with_user_data(Nop::new(), 1 << 63),
        Err(PushError::ReservedUserData(_))
    ));
}

#[test]
fn wait_nr_beyond_the_cq_is_invalid_input() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4).cq_entries(8), "wait_nr")
    else {
        return;
    };
    assert_eq!(ring.wait_nr(9).unwrap_err().kind(), ErrorKind::InvalidInput);
    for i in 0..3 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    ring.submit().unwrap();
    assert!(ring.wait_nr(3).unwrap() >= 3);
}

#[test]
fn wait_timeout_on_an_idle_ring_returns_none() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "idle") else {
        return;
    };
    assert!(ring
        .wait_timeout(std::time::Duration::from_millis(20))
        .unwrap()
        .is_none());
}
