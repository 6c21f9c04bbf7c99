//! The fast paths make no system call, and the boundaries hold (issue 13): counted through
//! the fault-injection seam, which sees every `io_uring_enter` / `io_uring_register` the safe
//! layer makes and every `io_uring_get_events`. A mutant that makes an empty peek enter the
//! kernel (`needs_enter` or `overflow_flag` always true), or that miscounts `cq_ready`, or
//! refuses `wait_nr(cq_entries)`, fails here.

mod common;

use system_liburing::fault;
use system_liburing::op::Nop;
use system_liburing::Ring;

fn ring(what: &str, entries: u32) -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(entries), what)
}

/// Pushes and submits `n` NOPs (user_data 0..n) and waits until all are in the CQ ring.
fn nops(ring: &mut Ring, n: u32) {
    let mut sq = ring.submitter();
    for i in 0..n {
        sq.push_with_user_data(Nop::new(), u64::from(i)).unwrap();
    }
    sq.submit_and_wait(n).unwrap();
}

#[test]
fn an_empty_peek_makes_no_system_call() {
    let Some(mut ring) = ring("empty peek", 8) else {
        return;
    };
    let before = fault::syscalls();
    for _ in 0..100 {
        assert!(ring.peek().unwrap().is_none());
    }
    assert_eq!(ring.completions().count(), 0);
    assert_eq!(
        fault::syscalls(),
        before,
        "an empty ring with no overflow entered the kernel"
    );
}

#[test]
fn reaping_what_is_there_makes_no_system_call() {
    let Some(mut ring) = ring("non-empty peek", 16) else {
        return;
    };
    nops(&mut ring, 12);
    let before = fault::syscalls();
    for i in 0..4 {
        assert_eq!(ring.peek().unwrap().unwrap().user_data(), i);
    }
    let mut out = [system_liburing::Cqe::default(); 4];
    assert_eq!(ring.drain(&mut out).unwrap(), 4);
    assert_eq!(out.map(|c| c.user_data()), [4, 5, 6, 7]);
    let rest: Vec<u64> = ring.completions().map(|c| c.user_data()).collect();
    assert_eq!(rest, [8, 9, 10, 11]);
    assert_eq!(
        fault::syscalls(),
        before,
        "reaping ready CQEs entered the kernel"
    );
}

#[test]
fn submitting_nothing_makes_no_system_call() {
    let Some(mut ring) = ring("empty submit", 8) else {
        return;
    };
    let before = fault::syscalls();
    assert_eq!(ring.submit().unwrap(), 0);
    assert_eq!(ring.submitter().submit().unwrap(), 0);
    assert_eq!(
        fault::syscalls(),
        before,
        "an empty submit entered the kernel"
    );
}

#[test]
fn an_overflowed_ring_is_flushed_by_an_empty_peek() {
    let Some(mut ring) =
        common::ring_or_skip(Ring::builder().entries(4).cq_entries(4), "overflow flush")
    else {
        return;
    };
    // 12 NOPs into a 4-entry CQ: 8 wait on the kernel's overflow list.
    for _ in 0..3 {
        nops(&mut ring, 4);
    }
    let mut got = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        got.push(c.user_data());
    }
    assert_eq!(
        got.len(),
        12,
        "every completion back, the overflowed ones too"
    );
    // Once drained, empty peeks are free again.
    let before = fault::syscalls();
    assert!(ring.peek().unwrap().is_none());
    assert_eq!(fault::syscalls(), before);
}

#[test]
fn cq_ready_counts_completions_reaped_for_later() {
    let Some(mut ring) = ring("cq_ready", 8) else {
        return;
    };
    // wait_for reaps the unmanaged NOP's CQE on the way and keeps it for the next peek.
    ring.push_with_user_data(Nop::new(), 7).unwrap();
    let t = ring.push(Nop::new()).unwrap();
    ring.wait_for(t).unwrap().unwrap();
    assert_eq!(ring.cq_ready(), 1, "the CQE kept for peek is ready");
    nops(&mut ring, 2);
    assert_eq!(ring.cq_ready(), 3, "kept + in the ring");
    assert_eq!(
        ring.peek().unwrap().unwrap().user_data(),
        7,
        "kept ones first"
    );
    assert_eq!(ring.cq_ready(), 2);
}

#[test]
fn wait_nr_accepts_the_whole_cq_and_refuses_more() {
    let Some(mut ring) =
        common::ring_or_skip(Ring::builder().entries(8).cq_entries(8), "wait_nr bounds")
    else {
        return;
    };
    let cq = ring.sizes().1;
    let e = ring.wait_nr(cq + 1).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    nops(&mut ring, cq);
    assert_eq!(
        ring.wait_nr(cq).unwrap(),
        cq,
        "a full CQ ring satisfies wait_nr(cq_entries)"
    );
}

#[test]
fn an_empty_reap_on_a_defer_taskrun_ring_enters_once() {
    // Completions of a DEFER_TASKRUN ring appear only when the kernel is entered, so an
    // empty peek must enter; but once, not until some retry bound: with the overflow flag
    // down, a flush that brought nothing means there is nothing.
    let Some(mut ring) = common::ring_with_feature_or_skip(
        Ring::builder().entries(8).defer_taskrun(),
        "DEFER_TASKRUN empty reap",
    ) else {
        return;
    };
    let mut out = [system_liburing::Cqe::default(); 4];
    let reaps: [(&str, &mut dyn FnMut(&mut Ring) -> bool); 4] = [
        ("peek", &mut |r| r.peek().unwrap().is_none()),
        ("next_completion", &mut |r| {
            r.next_completion().unwrap().is_none()
        }),
        ("drain", &mut |r| r.drain(&mut out).unwrap() == 0),
        ("the batch", &mut |r| r.completions().next().is_none()),
    ];
    for (what, reap) in reaps {
        let before = fault::syscalls();
        assert!(reap(&mut ring), "{what}: found a completion");
        assert_eq!(fault::syscalls() - before, 1, "{what}: system calls");
    }
}
