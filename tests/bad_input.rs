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

#[test]
fn read_on_bad_fds_reports_ebadf_in_the_result() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "ebadf") else {
        return;
    };
    let t = ring.push(Read::new(-1, Vec::with_capacity(8), 0)).unwrap();
    let (res, buf) = ring.wait_for(t).unwrap();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    assert_eq!(buf.capacity(), 8, "the buffer comes back on failure too");

    // A closed fd. (Not "open, close, reuse the number": a test running in parallel may get
    // that number for a pipe nobody writes, and the read would wait forever.) Numbers past
    // the fd table are closed by definition.
    let t = ring
        .push(Read::new(1 << 30, Vec::with_capacity(8), 0))
        .unwrap();
    let (res, _) = ring.wait_for(t).unwrap();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
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
    let e = ring.push(Read::new(0, vec![1u8, 2, 3], 0)).unwrap_err();
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
