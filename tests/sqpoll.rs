//! SQPOLL: once the poller idles it raises IORING_SQ_NEED_WAKEUP; a submit must wake it.

mod common;

use std::time::{Duration, Instant};
use system_liburing::op::Nop;
use system_liburing::{Ring, SqFlags};

#[test]
fn submit_wakes_an_idle_poller() {
    let ring = Ring::builder()
        .entries(8)
        .sqpoll(Duration::from_millis(10))
        .build();
    let mut ring = match ring {
        Ok(r) => r,
        Err(e) => {
            common::skip(
                "sqpoll wake-up",
                format_args!("SQPOLL not permitted here: {e}"),
            );
            return;
        }
    };
    for round in 0..3u64 {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !ring.sq_flags().contains(SqFlags::NEED_WAKEUP) {
            assert!(
                Instant::now() < deadline,
                "the SQPOLL thread never went idle"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        ring.push_with_user_data(Nop::new(), round).unwrap();
        ring.submit().unwrap();
        let cqe = ring.wait_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(
            cqe.map(|c| c.user_data()),
            Some(round),
            "the sleeping poller was not woken"
        );
    }
}

#[test]
fn sqpoll_busy_poller_needs_no_syscall_and_still_completes() {
    let mut ring = match Ring::builder()
        .entries(64)
        .sqpoll(Duration::from_secs(2))
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            common::skip(
                "sqpoll busy",
                format_args!("SQPOLL not permitted here: {e}"),
            );
            return;
        }
    };
    for i in 0..1000u64 {
        while ring.push_with_user_data(Nop::new(), i).is_err() {
            ring.submit().unwrap();
            while ring.peek().unwrap().is_some() {}
        }
    }
    ring.submit().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = None;
    while last != Some(999) {
        assert!(Instant::now() < deadline);
        if let Some(c) = ring.wait_timeout(Duration::from_millis(100)).unwrap() {
            last = Some(c.user_data());
        }
    }
}

/// While the poller is awake (`IORING_SQ_NEED_WAKEUP` clear) a submit is a store of the tail
/// and nothing else: the poller takes the SQEs. Counted over many submits, so that a poller
/// that went to sleep in between (it idles for 10 s here) costs a wake-up or two, not the
/// count: an SQPOLL ring that entered the kernel on every submit would have no point.
#[test]
fn an_awake_poller_takes_submits_without_a_system_call() {
    let mut ring = match Ring::builder()
        .entries(8)
        .sqpoll(Duration::from_secs(10))
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            common::skip(
                "sqpoll awake",
                format_args!("SQPOLL not permitted here: {e}"),
            );
            return;
        }
    };
    let mut calls = 0;
    for i in 0..100u64 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
        let before = system_liburing::fault::syscalls();
        // What was pending: the new SQE, and the last one if the poller has not moved the
        // head past it yet (it posts an SQE's completion before it commits its head).
        assert!(ring.submit().unwrap() >= 1);
        calls += system_liburing::fault::syscalls() - before;
        assert_eq!(ring.wait().unwrap().user_data(), i);
    }
    assert!(calls < 10, "{calls} system calls in 100 submits");
}

/// `submit_and_wait` on an SQPOLL ring still waits: the poller takes the SQE, and the call
/// sleeps in the kernel until the completion is in the ring.
#[test]
#[cfg(liburing_has = "io_uring_prep_timeout")]
fn submit_and_wait_on_an_sqpoll_ring_waits_for_the_completion() {
    use system_liburing::op::{Timeout, TimeoutFired};
    let mut ring = match Ring::builder()
        .entries(8)
        .sqpoll(Duration::from_secs(10))
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            common::skip(
                "sqpoll submit_and_wait",
                format_args!("SQPOLL not permitted here: {e}"),
            );
            return;
        }
    };
    for on_submitter in [false, true] {
        let t = ring
            .push(Timeout::relative(Duration::from_millis(50)))
            .unwrap();
        let n = if on_submitter {
            ring.submitter().submit_and_wait(1)
        } else {
            ring.submit_and_wait(1)
        };
        assert_eq!(n.unwrap(), 1);
        assert_eq!(ring.cq_ready(), 1, "the timer's completion is there");
        assert_eq!(ring.wait_for(t).unwrap().unwrap(), TimeoutFired::Expired);
    }
}
