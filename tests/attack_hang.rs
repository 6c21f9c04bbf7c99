//! Attack reproducers: waits that never return although the kernel is done, and tickets
//! lost to an error. Safe code only (std, this crate; no `unsafe`). Tests marked `#[ignore]`
//! fail on the current code: each doc comment names the finding. Run them with
//! `cargo test --test attack_hang -- --ignored`.

mod common;

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;
use system_liburing::op::{LinkTimeout, Nop, PollMulti, Write};
use system_liburing::Ring;

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

/// FINDING (hang): `Ring::wait_for` submits once, then only waits. When an SQE queued before
/// the op fails at init (an unknown personality id, which the docs say "completes with
/// EINVAL"), the kernel stops consuming the SQ at that SQE (no `IORING_SETUP_SUBMIT_ALL`):
/// the op's SQE stays queued and is never submitted, so `wait_for` blocks forever in
/// `io_uring_enter(to_submit = 0, min_complete = 1)`. `Drop` knows this (it submits until
/// the SQ is empty); `wait_for` and `next_shot` do not.
#[test]
#[ignore = "finding: wait_for hangs after an SQE the kernel fails at init"]
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

/// FINDING (hang), same cause with another trigger: a lone `LinkTimeout` (not linked to
/// anything) fails in its prep, which also ends the kernel's batch.
#[test]
#[ignore = "finding: wait_for hangs after a lone LinkTimeout ends the batch"]
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

/// FINDING (hang): `Ring::next_shot` has the same single submit: a multishot poll queued
/// behind an SQE that fails at init never reaches the kernel, and `next_shot` waits forever
/// although the polled socket is readable.
#[test]
#[ignore = "finding: next_shot hangs after an SQE the kernel fails at init"]
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

/// FINDING (lost completion): `Ring::wait_for` takes the ticket by value and returns a plain
/// `io::Error` when its submit fails for any reason but EINTR. The ticket is gone, yet the
/// SQE stays queued: the next submit runs the op. Here a `SINGLE_ISSUER` ring (`Ring` is
/// `Send`) is waited on from another thread: `EEXIST`. The caller is told the write failed;
/// back on its own thread the ring submits it and the bytes arrive, and the result (and the
/// buffer) can never be had. A retry by the caller would write twice.
#[test]
#[ignore = "finding: wait_for loses the ticket on a failed submit; the op runs later"]
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
    assert_eq!(err.raw_os_error(), Some(libc::EEXIST));
    // The op was not withdrawn: it is still in flight, and the next submit performs it.
    assert_eq!(ring.in_flight(), 1, "the op is still owned by the ring");
    the_write_happens_anyway(&mut ring, &mut rx, &err);
}

/// FINDING (lost completion), the same through an errno the kernel returns under load:
/// `io_uring_enter` failing with `EAGAIN` (injected at the crate's syscall seam, as a loaded
/// system would) makes `wait_for` return `EAGAIN` and drop the ticket; the write still
/// happens at the next submit.
#[test]
#[ignore = "finding: wait_for loses the ticket on EAGAIN from submit"]
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
    let Err(err) = r else {
        return; // fixed: the wait went on
    };
    the_write_happens_anyway(&mut ring, &mut rx, &err);
}

/// The end of both lost-ticket findings: the next submit performs the write whose
/// `wait_for` failed; the caller, told "error", has no ticket to learn it succeeded.
fn the_write_happens_anyway(ring: &mut Ring, rx: &mut UnixStream, err: &std::io::Error) {
    ring.submit().unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut got = [0u8; 4];
    rx.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"once");
    panic!("wait_for reported {err} but the write happened; its ticket and buffer are lost");
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
