//! Attack reproducers, kept as regression tests: a panic inside `push` — in the user's own
//! `AsFd::as_fd`, which `prepare` calls after the SQE slot was claimed — left a
//! half-written SQE in the SQ. The op was dropped by the unwind (its files closed, its box
//! freed), but the slot stayed claimed, and the next submit handed the kernel whatever
//! `prepare` had written so far: numbers of files the op no longer held, pointers into the
//! freed box. `AsFd` is a safe trait; a panicking impl is safe code. Fixed: a slot is
//! queued only once `prepare` returned, and an op staged in the in-flight table is taken
//! out again (and dropped) when `prepare` unwinds.

// The tests gated on ops the linked liburing lacks are compiled out (tests/unavailable_ops.rs
// reports those ops), leaving some of what they share unused.
#![cfg_attr(
    not(liburing_has = "io_uring_prep_epoll_ctl"),
    allow(unused_imports, dead_code)
)]

mod common;

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};
#[cfg(liburing_has = "io_uring_prep_epoll_ctl")]
use system_liburing::op::EpollCtl;
use system_liburing::op::{Nop, PollAdd};
use system_liburing::Ring;

/// A file handle whose `as_fd` panics (say, an `Option<File>` taken earlier and unwrapped).
struct Panics;

impl AsFd for Panics {
    fn as_fd(&self) -> BorrowedFd<'_> {
        panic!("as_fd on a handle that lost its file")
    }
}

/// Setup helper (the victim's side, not the attack): a fresh epoll instance.
fn epoll() -> OwnedFd {
    // SAFETY: epoll_create1 takes no pointers; the result is checked and owned here.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(fd >= 0, "{}", std::io::Error::last_os_error());
    // SAFETY: a fresh fd nobody else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Regression (was: forged completion): after a push that panicked in `prepare`, the next submit
/// sends the half-written SQE (user_data 0): a CQE nobody pushed comes back from `peek`.
#[test]
fn a_panicking_push_leaves_no_sqe_behind() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "unwind") else {
        return;
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        // A poll: its helper is in every liburing, and its prepare takes the fd like any op's.
        let _ = ring.push(PollAdd::new(Panics, libc::POLLIN as u32));
    }));
    assert!(r.is_err(), "as_fd panicked inside push");
    ring.push_with_user_data(Nop::new(), 5).unwrap();
    ring.submit_and_wait(1).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut seen = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        seen.push((c.user_data(), c.raw_result()));
    }
    assert_eq!(seen, vec![(5, 0)], "CQEs of SQEs nobody pushed: {seen:?}");
}

const CHILD: &str = "ATTACK_UNWIND_CHILD";

/// Regression (was: I/O safety, the class-3 attack of issue 12 reopened through unwinding):
/// `EpollCtl::prepare` writes `sqe.fd = epfd`, `sqe.addr = &self.event` (inside the box),
/// then calls `fd.as_fd()`, which panics. The unwind drops the op — closing the epoll it
/// held and freeing the box — but the SQE stays queued. A victim then opens an epoll and
/// gets the freed number; the next submit runs `EPOLL_CTL_ADD` *on the victim's epoll*, for
/// fd 0 (the unwritten `sqe.off`), with an event read from the freed box. (With tokio as
/// the victim, the event's data is read back as a pointer: the crash issue 12 started from.)
///
/// Runs in a child whose stdin is a pipe, so fd 0 can be added to an epoll. The child
/// checks the victim's epoll: it already holds fd 0 (`EEXIST`), which only the orphaned
/// SQE could have added.
#[cfg(liburing_has = "io_uring_prep_epoll_ctl")]
#[test]
fn a_panicking_epoll_ctl_never_reaches_another_epoll() {
    if std::env::var(CHILD).is_ok() {
        return child();
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "a_panicking_epoll_ctl_never_reaches_another_epoll",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child:\n{stdout}\n{stderr}");
}

#[cfg(liburing_has = "io_uring_prep_epoll_ctl")]
fn child() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "unwind epoll") else {
        return;
    };
    let attacker_ep = epoll();
    let number = attacker_ep.as_raw_fd();
    let event = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: 0xdead_beef,
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _ = ring.push(EpollCtl::new(
            attacker_ep,
            Panics,
            libc::EPOLL_CTL_ADD,
            event,
        ));
    }));
    assert!(r.is_err(), "as_fd panicked inside push");
    // The op (and the epoll it held) is gone. The victim opens an epoll: same number.
    let victim = epoll();
    assert_eq!(victim.as_raw_fd(), number, "the freed number is reused");
    // Nothing of the op may be left queued: the next submit has nothing to send.
    assert_eq!(
        ring.submit().unwrap(),
        0,
        "a half-written SQE was left queued"
    );
    assert_eq!(ring.in_flight(), 0, "the unwound op is not in flight");
    // What the victim's epoll reports: an event it never registered, whose data word was
    // read by the kernel from the op's freed box (0xdeadbeef if nothing reused it yet).
    let mut got = [libc::epoll_event { events: 0, u64: 0 }; 1];
    // SAFETY: the victim's own wait: a live epoll fd and room for one event.
    let n = unsafe { libc::epoll_wait(victim.as_raw_fd(), got.as_mut_ptr(), 1, 100) };
    let data = got[0].u64;
    eprintln!("victim epoll_wait: {n} event(s), data {data:#x}");
    // Is fd 0 (our stdin, a pipe) in the victim's epoll? Adding it again says EEXIST if so.
    let mut ev = libc::epoll_event {
        events: libc::EPOLLIN as u32,
        u64: 1,
    };
    // SAFETY: the victim's own check: a live epoll fd and a live event.
    let rc = unsafe { libc::epoll_ctl(victim.as_raw_fd(), libc::EPOLL_CTL_ADD, 0, &mut ev) };
    let err = std::io::Error::last_os_error();
    assert!(
        rc == 0,
        "the victim's epoll already held fd 0, added by an op that no longer existed ({err})"
    );
}

/// A read of /dev/null (end of file at once) holding a `PanicsOnDrop`.
#[cfg(liburing_has = "io_uring_prep_read")]
fn read_that_panics_when_dropped() -> system_liburing::op::Read<common::PanicsOnDrop, Vec<u8>> {
    let null: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
    system_liburing::op::Read::new(common::PanicsOnDrop(null), vec![0u8; 8], 0)
}

/// Regression (was: lost completion, a `wait_for` that never returns): the ops of tickets
/// dropped after their CQE was reaped are dropped at the next reap — which released the
/// next CQE's slot in the ring first, then dropped the orphans, then accounted the CQE. An
/// orphan's drop that panics unwound out of `peek` between the two: that CQE had left the
/// ring and never reached the in-flight table, so its op never completed (`finish` said
/// "not completed" for ever, `wait_for` blocked for ever). Orphans are now dropped before
/// a CQE leaves the ring.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_panicking_orphan_loses_no_completion() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "orphan unwind") else {
        return;
    };
    let first = ring.push(read_that_panics_when_dropped()).unwrap();
    let nop = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(2).unwrap();
    let c = ring.peek().unwrap().expect("the read's CQE");
    assert_eq!(c.user_data(), first.user_data());
    drop(first); // done, not finished: dropped at the next reap
    let r = catch_unwind(AssertUnwindSafe(|| ring.peek()));
    assert!(r.is_err(), "the orphaned read's drop panicked");
    let c = ring.peek().unwrap().map(|c| c.user_data());
    assert_eq!(c, Some(nop.user_data()), "the NOP's CQE is still there");
    ring.finish(nop)
        .expect("the NOP completed")
        .expect("with success");
}

/// Regression (was: lost completions): `drain` released the head past the whole run it
/// copied out, then accounted its CQEs one by one. A tagged op's drop that panics (at its
/// last CQE, the crate drops it) unwound with the CQEs after it gone from the ring and
/// never accounted: a ticketed NOP behind it never completed. The head now moves past
/// each CQE as it is accounted.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_panic_in_drain_loses_no_completion() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "drain unwind") else {
        return;
    };
    ring.push_tagged(read_that_panics_when_dropped(), 9)
        .unwrap();
    let nop = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(2).unwrap();
    let mut out = [system_liburing::Cqe::default(); 8];
    let r = catch_unwind(AssertUnwindSafe(|| ring.drain(&mut out)));
    assert!(r.is_err(), "the tagged read's drop panicked");
    let c = ring.peek().unwrap().map(|c| c.user_data());
    assert_eq!(c, Some(nop.user_data()), "the NOP's CQE is still there");
    ring.finish(nop)
        .expect("the NOP completed")
        .expect("with success");
}

/// The same orphan through the batch view (`Ring::completions`), which took the CQE off the
/// ring, then dropped the orphans, then accounted it.
#[cfg(liburing_has = "io_uring_prep_read")]
#[test]
fn a_panicking_orphan_loses_no_completion_in_a_batch() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "orphan unwind") else {
        return;
    };
    let first = ring.push(read_that_panics_when_dropped()).unwrap();
    let nop = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(2).unwrap();
    let c = ring.completions().next().expect("the read's CQE");
    assert_eq!(c.user_data(), first.user_data());
    drop(first);
    let r = catch_unwind(AssertUnwindSafe(|| ring.completions().next()));
    assert!(r.is_err(), "the orphaned read's drop panicked");
    let c = ring.completions().next().map(|c| c.user_data());
    assert_eq!(c, Some(nop.user_data()), "the NOP's CQE is still there");
    ring.finish(nop)
        .expect("the NOP completed")
        .expect("with success");
}
