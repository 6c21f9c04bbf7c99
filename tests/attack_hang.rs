//! Attack reproducers, kept as regression tests once fixed: waits that never returned
//! although the kernel was done, and tickets lost to an error. Safe code only (std, this
//! crate; no `unsafe`).

// The tests gated on ops the linked liburing lacks are compiled out (tests/unavailable_ops.rs
// reports those ops), leaving some of what they share unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_write",
        liburing_has = "io_uring_prep_poll_multishot"
    )),
    allow(unused_imports, dead_code)
)]

mod common;

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;
#[cfg(liburing_has = "io_uring_prep_link_timeout")]
use system_liburing::op::LinkTimeout;
use system_liburing::op::Nop;
#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
use system_liburing::op::PollMulti;
#[cfg(liburing_has = "io_uring_prep_write")]
use system_liburing::op::Write;
use system_liburing::{NotCompleted, Ring, Ticket};

/// Runs `f` on its own thread and reports whether it returned within `limit`. A call that
/// hangs is left blocked on that thread (the test then fails; the process ends with it).
fn returns_within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

/// Regression (was: hang): `Ring::wait_for` submitted once, then only waited. When an SQE
/// queued before the op fails at init (an unknown personality id, which the docs say
/// "completes with EINVAL"), the kernel stops consuming the SQ at that SQE (no
/// `IORING_SETUP_SUBMIT_ALL`): the op's SQE stayed queued and `wait_for` blocked forever in
/// `io_uring_enter(to_submit = 0, min_complete = 1)`. It now submits what is still queued
/// on every round, as `Drop` does.
#[test]
fn wait_for_submits_what_an_sqe_failed_at_init_left_queued() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "init-failed sqe") else {
        return;
    };
    // Personality 0x7777 was never registered: io_init_req fails the SQE with EINVAL.
    ring.push_with_user_data(Nop::new().personality(0x7777), 1)
        .unwrap();
    let t = ring.push(Nop::new()).unwrap();
    let done = returns_within(Duration::from_secs(5), move || {
        let r = ring.wait_for(t).map(|r| r.is_ok());
        (r.ok(), ring)
    });
    let (r, mut ring) = done.expect("wait_for never returned: the NOP's SQE was left queued");
    assert_eq!(r, Some(true));
    // The failed NOP's CQE was kept for peek.
    let cqe = ring.peek().unwrap().expect("the failed SQE's CQE");
    assert_eq!((cqe.user_data(), cqe.raw_result()), (1, -libc::EINVAL));
}

/// Regression (was: hang), same cause with another trigger: a lone `LinkTimeout` (not
/// linked to anything) fails in its prep, which also ends the kernel's batch.
#[cfg(liburing_has = "io_uring_prep_link_timeout")]
#[test]
fn wait_for_after_a_lone_link_timeout() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "lone link timeout")
    else {
        return;
    };
    let lone = ring.push(LinkTimeout::new(Duration::from_secs(1))).unwrap();
    let t = ring.push(Nop::new()).unwrap();
    let done = returns_within(Duration::from_secs(5), move || {
        let r = ring.wait_for(t).map(|r| r.is_ok());
        let lone = ring.wait_for(lone).map(|r| r.is_err());
        (r.ok(), lone.ok())
    });
    assert_eq!(
        done.expect("wait_for never returned: the NOP's SQE was left queued"),
        (Some(true), Some(true))
    );
}

/// Regression (was: hang): `Ring::next_shot` had the same single submit: a multishot poll
/// queued behind an SQE that fails at init never reached the kernel, and `next_shot` waited
/// forever although the polled socket was readable.
#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
#[test]
fn next_shot_submits_what_an_sqe_failed_at_init_left_queued() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "next_shot init") else {
        return;
    };
    let (rx, mut tx) = UnixStream::pair().unwrap();
    tx.write_all(b"x").unwrap();
    ring.push_with_user_data(Nop::new().personality(0x7777), 1)
        .unwrap();
    let t = ring.push(PollMulti::new(rx, libc::POLLIN as u32)).unwrap();
    let done = returns_within(Duration::from_secs(5), move || {
        let first = ring.next_shot(&t).map(|s| s.map(|r| r.is_ok()));
        (first.ok(), ring, t)
    });
    let (first, _ring, _t) =
        done.expect("next_shot never returned: the poll's SQE was left queued");
    assert_eq!(first, Some(Some(true)));
}

#[cfg(liburing_has = "io_uring_prep_write")]
type WriteTicket = Ticket<Write<UnixStream, Vec<u8>>>;

/// Regression (was: lost completion): `Ring::wait_for` took the ticket by value and returned
/// a plain `io::Error` when its submit failed for any reason but EINTR; the SQE stayed
/// queued and the next submit ran the op, whose result and buffer could never be had. Here
/// a `SINGLE_ISSUER` ring (`Ring` is `Send`) is waited on from another thread: `EEXIST`.
/// The error now carries the ticket: recovered, it finishes the op exactly once.
#[cfg(liburing_has = "io_uring_prep_write")]
#[test]
fn wait_for_keeps_the_ticket_when_submit_fails() {
    let Some(mut ring) = common::ring_with_feature_or_skip(
        Ring::builder().entries(8).single_issuer(),
        "single issuer",
    ) else {
        return;
    };
    let (mut rx, tx) = UnixStream::pair().unwrap();
    let t = ring.push(Write::new(tx, b"once".to_vec(), 0)).unwrap();
    // Waited for on another thread: the kernel refuses that task's io_uring_enter (EEXIST).
    let (r, mut ring) = std::thread::spawn(move || {
        let r = ring.wait_for(t).map(|(n, _tx, _buf)| n.ok());
        (r, ring)
    })
    .join()
    .unwrap();
    let err = r.expect_err("the other thread may not submit on a SINGLE_ISSUER ring");
    let cause = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<NotCompleted<WriteTicket>>())
        .and_then(|nc| nc.cause())
        .and_then(|c| c.raw_os_error());
    assert_eq!(cause, Some(libc::EEXIST), "{err}");
    // The op was not withdrawn: the ring still owns it, and the ticket comes back.
    assert_eq!(ring.in_flight(), 1, "the op is still owned by the ring");
    let t = NotCompleted::<WriteTicket>::recover(err).expect("the error carries the ticket");
    the_write_happens_once(&mut ring, &mut rx, t);
}

/// Regression (was: lost completion), the same through an errno the kernel returns under
/// load: `io_uring_enter` failing with `EAGAIN` (injected at the crate's syscall seam, as a
/// loaded system would) made `wait_for` return `EAGAIN` and drop the ticket. It is now
/// retried: the wait goes on and hands back the write's output.
#[cfg(liburing_has = "io_uring_prep_write")]
#[test]
fn wait_for_keeps_the_ticket_on_eagain() {
    use system_liburing::fault::{self, Site};
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "eagain") else {
        return;
    };
    let (mut rx, tx) = UnixStream::pair().unwrap();
    let t = ring.push(Write::new(tx, b"once".to_vec(), 0)).unwrap();
    fault::inject(Site::Enter, libc::EAGAIN, 1);
    let r = ring.wait_for(t);
    fault::clear();
    let (n, _tx, buf) = r.expect("EAGAIN is retried, not reported");
    assert_eq!((n.unwrap(), &buf[..]), (4, &b"once"[..]));
    rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut got = [0u8; 4];
    rx.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"once");
}

/// The recovered ticket finishes the write whose `wait_for` failed: its output once, its
/// bytes once.
#[cfg(liburing_has = "io_uring_prep_write")]
fn the_write_happens_once(ring: &mut Ring, rx: &mut UnixStream, t: WriteTicket) {
    let (n, _tx, buf) = ring
        .wait_for(t)
        .expect("on its own thread the wait succeeds");
    assert_eq!((n.unwrap(), &buf[..]), (4, &b"once"[..]));
    assert_eq!(ring.in_flight(), 0);
    rx.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut got = [0u8; 8];
    let n = rx.read(&mut got).unwrap();
    assert_eq!(&got[..n], b"once", "written exactly once");
}

/// Control for the hang above (holds today): with `IORING_SETUP_SUBMIT_ALL` the kernel goes
/// on past the failed SQE, so the same sequence completes: the hang is the stopped batch.
#[test]
fn with_submit_all_the_same_sequence_completes() {
    let Some(mut ring) = common::ring_with_feature_or_skip(
        Ring::builder()
            .entries(8)
            .setup_flags(system_liburing::SetupFlags::SUBMIT_ALL),
        "submit all",
    ) else {
        return;
    };
    ring.push_with_user_data(Nop::new().personality(0x7777), 1)
        .unwrap();
    let t = ring.push(Nop::new()).unwrap();
    let done = returns_within(Duration::from_secs(5), move || ring.wait_for(t).is_ok());
    assert_eq!(done, Some(true));
}
