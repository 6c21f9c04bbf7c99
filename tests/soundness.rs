//! Soundness, tried as an attacker would: every test here is a program with no `unsafe` of
//! its own (beyond setting up sockets) that reached undefined behaviour, a hang or a lost
//! completion through the safe API before the class was closed (issue 12). Each asserts the
//! clear error or the bounded behaviour that replaced it. The compile-time halves of these
//! classes (a raw fd, `BUFFER_SELECT` in `.flags()`, a managed `SkipSuccess`) are
//! compile-fail doc tests on `fd::Raw`, `OpFlags` and `op::SkipSuccess`.

mod common;

// Each test needs the helpers of the ops it uses; the ops missing from the linked liburing
// are reported by tests/unavailable_ops.rs.
#[cfg(liburing_has = "io_uring_prep_read")]
use std::io::Write as _;
#[cfg(liburing_has = "io_uring_prep_close_direct")]
use system_liburing::op::CloseDirect;
#[cfg(liburing_has = "io_uring_prep_madvise")]
use system_liburing::op::Madvise;
use system_liburing::op::Nop;
#[cfg(liburing_has = "io_uring_prep_read")]
use system_liburing::op::Read;
#[cfg(liburing_has = "io_uring_prep_write")]
use system_liburing::op::Write;
use system_liburing::{PushError, Ring, SetupFlags};

fn ring(what: &str) -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(16), what)
}

/// Class 1: a read never claims more bytes than the buffer the kernel was given, whatever
/// the CQE says. (A file read cannot over-report; `MSG_TRUNC` recv can: `tests/net.rs`.)
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn read_lengths_never_exceed_what_the_op_gave() {
    let Some(mut ring) = ring("read lengths") else {
        return;
    };
    let (r, mut w) = common::pipe();
    w.write_all(&[7u8; 100]).unwrap();
    let t = ring
        .push(Read::new(r, Vec::with_capacity(16), u64::MAX))
        .unwrap();
    let (n, _r, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 16);
    assert!(buf.len() <= buf.capacity());
    assert_eq!(buf, vec![7u8; 16]);
}

/// Class 3: an op holds its file until its completion: the number it names cannot come to
/// name another file between push and submit (the kernel resolves it at submit time).
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn ops_hold_their_files_until_completion() {
    let Some(mut ring) = ring("ops hold their files") else {
        return;
    };
    let (r, mut w) = common::pipe();
    w.write_all(b"from the pipe").unwrap();
    // The op owns the read end; nothing outside can close it before the kernel reads.
    let t = ring
        .push(Read::new(r, Vec::with_capacity(64), u64::MAX))
        .unwrap();
    // Files opened now get fresh numbers: the pipe's number is still taken by the op.
    let _others: Vec<std::fs::File> = (0..8)
        .map(|_| std::fs::File::open("/dev/zero").unwrap())
        .collect();
    let (n, r, buf) = ring.wait_for(t).unwrap();
    assert_eq!((n.unwrap(), &buf[..]), (13, &b"from the pipe"[..]));
    // ...and the file comes back with the output.
    drop(r);
}

/// Class 3: a registered-file slot belongs to its ring; naming it on another ring is
/// refused before anything reaches the kernel.
#[cfg(liburing_has = "io_uring_prep_write")]
#[test]
fn another_rings_slot_is_refused() {
    let (Some(a), Some(mut b)) = (ring("foreign slot a"), ring("foreign slot b")) else {
        return;
    };
    let slot = a.fixed_file(0);
    match b.push(Write::new(slot, b"x".to_vec(), 0)) {
        Err(PushError::Invalid(_, why)) => {
            assert_eq!(why.what(), "fd");
            assert!(why.why().contains("another ring"), "{why}");
        }
        other => panic!("pushed another ring's slot: {other:?}"),
    }
    assert_eq!(b.in_flight(), 0, "nothing was queued");
}

/// Class 3: `CloseDirect` takes a slot of this ring, and a slot whose encoding would wrap to
/// 0 ("not direct": close the fd 0 of the process) is refused.
#[cfg(liburing_has = "io_uring_prep_close_direct")]
#[test]
fn close_direct_cannot_reach_an_fd() {
    let Some(mut ring) = ring("close direct") else {
        return;
    };
    for index in [u32::MAX, u32::MAX - 1] {
        match ring.push(CloseDirect::new(ring.fixed_file(index))) {
            Err(PushError::Invalid(_, why)) => assert_eq!(why.what(), "file_index"),
            other => panic!("slot {index:#x} was accepted: {other:?}"),
        }
    }
    assert_eq!(ring.in_flight(), 0, "nothing was queued");
}

/// Class 4: setup flags the crate or the linked liburing do not handle are refused with an
/// error naming them, before the kernel sees anything.
#[test]
fn setup_flags_outside_the_allowlist_are_refused() {
    let refused = |flags: u32, name: &str| {
        let e = Ring::builder()
            .entries(8)
            .setup_flags(SetupFlags::from_bits_retain(flags))
            .build()
            .expect_err(name);
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{name}: {e}");
        assert!(e.to_string().contains(name), "{name}: {e}");
    };
    refused(1 << 14, "IORING_SETUP_NO_MMAP");
    refused(1 << 15, "IORING_SETUP_REGISTERED_FD_ONLY");
    refused(1 << 18, "IORING_SETUP_CQE_MIXED");
    refused(1 << 19, "IORING_SETUP_SQE_MIXED");
    refused(1 << 5, "IORING_SETUP_ATTACH_WQ");
    refused(1 << 27, "0x8000000");
    if !cfg!(liburing_has = "io_uring_queue_init_mem") {
        // liburing before 2.5 would write its SQ index array over the ring header.
        refused(1 << 16, "IORING_SETUP_NO_SQARRAY");
    }
}

/// Class 6: madvise advice that changes memory contents behind the buffer (`MADV_FREE`:
/// later, at any time; `MADV_DONTNEED`) is refused.
#[cfg(liburing_has = "io_uring_prep_madvise")]
#[test]
fn madvise_refuses_content_changing_advice() {
    let Some(mut ring) = ring("madvise") else {
        return;
    };
    for advice in [libc::MADV_FREE, libc::MADV_DONTNEED, libc::MADV_REMOVE] {
        match ring.push(Madvise::new(vec![1u8; 1 << 16], advice)) {
            Err(PushError::Invalid(_, why)) => assert_eq!(why.what(), "advice"),
            other => panic!("advice {advice} accepted: {other:?}"),
        }
    }
}

/// Class 8: a ticket finished on another ring is refused, and the other ring's own op with
/// the same token is untouched.
#[test]
fn a_foreign_ticket_changes_nothing() {
    let (Some(mut a), Some(mut b)) = (ring("foreign ticket a"), ring("foreign ticket b")) else {
        return;
    };
    let ta = a.push(Nop::new()).unwrap();
    let tb = b.push(Nop::new()).unwrap();
    assert_eq!(
        ta.user_data(),
        tb.user_data(),
        "first slot of each ring: same token"
    );
    a.submit_and_wait(1).unwrap();
    b.submit_and_wait(1).unwrap();
    a.peek().unwrap().unwrap();
    b.peek().unwrap().unwrap();
    let back = b.finish(ta).expect_err("a's ticket on b");
    assert!(back.is_foreign());
    let e = b
        .wait_for(back.into_ticket())
        .expect_err("wait_for on the wrong ring");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    b.finish(tb).expect("b's own op is still there").unwrap();
    assert_eq!(b.in_flight(), 0);
    let _ = a.in_flight();
}

/// Class 9 and what the fuzzer found next to it: dropping a ring ends as soon as the kernel
/// lets go, leaking nothing, even when an op waits forever behind a linked timeout headed by
/// an unmanaged op, or carries `IO_LINK | IO_DRAIN` with nothing after it (which would make
/// a cancel SQE wait for the op it cancels).
#[cfg(any(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_link_timeout"
))]
#[test]
fn drop_with_linked_or_drained_ops_leaks_nothing() {
    use system_liburing::fault;
    use system_liburing::OpFlags;
    let before = fault::leaked_ops();
    // The write ends outlive the rings: the reads and polls never complete by themselves.
    let (r, _w) = common::pipe();
    let (r2, _w2) = common::pipe();
    // A managed read that never completes, linked and draining, last in the SQ.
    #[cfg(liburing_has = "io_uring_prep_read")]
    {
        let Some(mut ring) = ring("drop drained") else {
            return;
        };
        let read = Read::new(r, Vec::with_capacity(8), u64::MAX)
            .flags(OpFlags::IO_LINK | OpFlags::IO_DRAIN);
        let _t = ring.push(read).unwrap();
    }
    #[cfg(liburing_has = "io_uring_prep_read")]
    assert_eq!(fault::leaked_ops(), before, "drained/linked read leaked");
    // An unmanaged poll (registered file) heading a linked timeout the ring manages.
    #[cfg(liburing_has = "io_uring_prep_link_timeout")]
    {
        use system_liburing::op::{LinkTimeout, PollAdd};
        let Some(mut ring) = ring("drop link timeout") else {
            return;
        };
        ring.register_files(&[Some(&r2)]).unwrap();
        let poll = PollAdd::new(ring.fixed_file(0), libc::POLLIN as u32).flags(OpFlags::IO_LINK);
        ring.push_with_user_data(poll, 1).unwrap();
        let _t = ring
            .push(LinkTimeout::new(std::time::Duration::from_secs(60)))
            .unwrap();
        ring.submit().unwrap();
    }
    #[cfg(liburing_has = "io_uring_prep_link_timeout")]
    assert_eq!(fault::leaked_ops(), before, "linked timeout leaked");
}

/// Found by the fuzzer: `IO_DRAIN` with `CQE_SKIP_SUCCESS` is failed by the kernel at
/// submit, and an op hard-linked after it was then neither run nor cancellable (its memory
/// had to be leaked at drop). Refused at push instead.
#[test]
fn skip_success_with_drain_is_refused() {
    use system_liburing::OpFlags;
    let Some(mut ring) = ring("skip success + drain") else {
        return;
    };
    let op = Nop::new().flags(OpFlags::IO_DRAIN).skip_success();
    match ring.push_with_user_data(op, 1) {
        Err(PushError::Invalid(_, why)) => assert_eq!(why.what(), "sqe flags"),
        other => panic!("accepted: {other:?}"),
    }
    let op = Nop::new().flags(OpFlags::IO_LINK).skip_success();
    ring.push_with_user_data(op, 2).unwrap();
}

/// Reported by a reviewer: on a ring whose restrictions deny `IORING_REGISTER_SYNC_CANCEL`
/// (`EACCES`), drop took that for success, never sent cancel SQEs, and kept the read after
/// its 2 s bound. It now falls back to the SQEs the restrictions allow.
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_cancel"
))]
#[test]
fn drop_on_a_restricted_ring_leaks_nothing() {
    use system_liburing::fault;
    use system_liburing::op::AsyncCancel;
    use system_liburing::{Op, Restriction};
    let (rx, _tx) = common::pipe();
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(8).r_disabled(),
        "drop on a restricted ring",
    ) else {
        return;
    };
    let allowed = [
        Restriction::SqeOp(Read::<std::fs::File, Vec<u8>>::opcode()),
        Restriction::SqeOp(AsyncCancel::opcode()),
    ];
    if let Err(e) = ring.register_restrictions(&allowed) {
        common::skip(
            "drop on a restricted ring",
            format_args!("restrictions: {e}"),
        );
        return;
    }
    ring.enable_rings().unwrap();
    let t = ring
        .push(Read::new(rx, Vec::with_capacity(64), u64::MAX))
        .unwrap();
    ring.submit().unwrap();
    drop(t);
    let before = fault::leaked_ops();
    drop(ring);
    assert_eq!(
        fault::leaked_ops(),
        before,
        "the read was kept instead of cancelled"
    );
}
