//! Restricted rings (kernel 5.10): built disabled, told which opcodes and flags they accept,
//! then enabled. Forbidden SQEs complete with -EACCES, forbidden register calls fail with
//! EACCES, and nothing is submitted before the ring is enabled (EBADFD).
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]

mod common;

use std::io::Write as _;
use std::sync::Arc;
use system_liburing::op::{AsyncCancel, Nop, Read, Write};
use system_liburing::register::Restriction;
use system_liburing::{Op, OpFlags, Ring, SqeFlags};

/// A ring built with `IORING_SETUP_R_DISABLED`, or a recorded skip (pre-5.10 kernels refuse
/// the flag with EINVAL).
fn disabled_ring(what: &str) -> Option<Ring> {
    common::ring_with_feature_or_skip(Ring::builder().entries(8).r_disabled(), what)
}

#[test]
fn restricted_ring_accepts_only_allowed_opcodes() {
    let Some(mut ring) = disabled_ring("restrictions: allowed opcodes") else {
        return;
    };
    // The probe Ring::build read is a register op: it works on a disabled ring (the
    // restrictions are not in force before enable), so `Unsupported` stays meaningful.
    let probe = ring
        .probe()
        .expect("IORING_REGISTER_PROBE on a disabled ring");
    assert!(probe.is_supported(u32::from(Nop::opcode())));

    // Nothing is submitted before enable: the SQE stays queued.
    ring.push_with_user_data(Nop::new(), 1).unwrap();
    assert_eq!(
        ring.submit().unwrap_err().raw_os_error(),
        Some(libc::EBADFD),
        "a disabled ring refuses io_uring_enter"
    );

    ring.register_restrictions(&[
        Restriction::SqeOp(Nop::opcode()),
        Restriction::SqeOp(Read::<std::fs::File, Vec<u8>>::opcode()),
        Restriction::RegisterOp(system_liburing::sys::IORING_REGISTER_PROBE as u8),
    ])
    .unwrap();
    assert_eq!(
        ring.register_restrictions(&[Restriction::SqeOp(Nop::opcode())])
            .unwrap_err()
            .raw_os_error(),
        Some(libc::EBUSY),
        "restrictions are registered once"
    );
    ring.enable_rings().unwrap();

    // The NOP queued while disabled goes now.
    assert_eq!(ring.submit().unwrap(), 1);
    let cqe = ring.wait().unwrap();
    assert_eq!((cqe.user_data(), cqe.raw_result()), (1, 0));

    // A forbidden opcode is refused in its CQE, never run.
    ring.push_with_user_data(AsyncCancel::user_data(0xdead), 2)
        .unwrap();
    ring.submit().unwrap();
    let cqe = ring.wait().unwrap();
    assert_eq!(cqe.user_data(), 2);
    assert_eq!(
        cqe.raw_result(),
        -libc::EACCES,
        "ASYNC_CANCEL is not allowed"
    );

    let (rd, wr) = common::pipe();
    let wr = Arc::new(wr);
    let t = ring
        .push(Write::new(wr.clone(), b"nope".to_vec(), 0))
        .unwrap();
    let (res, _, _) = ring.wait_for(t).unwrap();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EACCES));

    // An allowed one works.
    (&*wr).write_all(b"allowed").unwrap();
    let t = ring.push(Read::new(rd, Vec::with_capacity(16), 0)).unwrap();
    let (res, rd, buf) = ring.wait_for(t).unwrap();
    assert_eq!(res.unwrap(), 7);
    assert_eq!(buf, b"allowed");

    // Register opcodes are restricted too: the allowed probe works, the rest is EACCES.
    ring.probe().expect("IORING_REGISTER_PROBE is allowed");
    assert_eq!(
        ring.register_files(&[Some(&rd)])
            .unwrap_err()
            .raw_os_error(),
        Some(libc::EACCES)
    );
    assert_eq!(
        ring.enable_rings().unwrap_err().raw_os_error(),
        Some(libc::EACCES),
        "ENABLE_RINGS was not allowed either"
    );
}

#[test]
fn restricted_sqe_flags() {
    let Some(mut ring) = disabled_ring("restrictions: sqe flags") else {
        return;
    };
    ring.register_restrictions(&[
        Restriction::SqeOp(Nop::opcode()),
        Restriction::SqeFlagsAllowed(SqeFlags::IO_LINK),
        Restriction::SqeFlagsRequired(SqeFlags::ASYNC),
    ])
    .unwrap();
    ring.enable_rings().unwrap();
    let cases = [
        (OpFlags::ASYNC, 0),
        (OpFlags::ASYNC | OpFlags::IO_LINK, 0),
        (OpFlags::empty(), -libc::EACCES), // required flag missing
        (OpFlags::ASYNC | OpFlags::IO_DRAIN, -libc::EACCES), // flag not allowed
    ];
    for (i, (flags, want)) in cases.into_iter().enumerate() {
        ring.push_with_user_data(Nop::new().flags(flags), i as u64)
            .unwrap();
        ring.submit().unwrap();
        let cqe = ring.wait().unwrap();
        assert_eq!(cqe.user_data(), i as u64);
        assert_eq!(cqe.raw_result(), want, "{flags:?}");
    }
}

#[test]
fn restrictions_and_enable_need_a_disabled_ring() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "restrictions: EBADFD")
    else {
        return;
    };
    match ring.register_restrictions(&[Restriction::SqeOp(Nop::opcode())]) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            return common::skip(
                "restrictions: EBADFD",
                format_args!("IORING_REGISTER_RESTRICTIONS needs kernel 5.10 ({e})"),
            );
        }
        r => assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADFD)),
    }
    assert_eq!(
        ring.enable_rings().unwrap_err().raw_os_error(),
        Some(libc::EBADFD)
    );
    // The ring is untouched.
    ring.push_with_user_data(Nop::new(), 5).unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.wait().unwrap().user_data(), 5);
}

#[test]
fn unknown_restriction_opcode_is_einval() {
    let Some(mut ring) = disabled_ring("restrictions: EINVAL") else {
        return;
    };
    assert_eq!(
        ring.register_restrictions(&[Restriction::RegisterOp(250)])
            .unwrap_err()
            .raw_os_error(),
        Some(libc::EINVAL)
    );
}
