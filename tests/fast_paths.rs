//! The fast paths make no system call, and the boundaries hold (issue 13): counted through
//! the fault-injection seam, which sees every `io_uring_enter` / `io_uring_register` the safe
//! layer makes and every `io_uring_get_events`. A mutant that makes an empty peek enter the
//! kernel (`needs_enter` or `overflow_flag` always true), or that miscounts `cq_ready`, or
//! refuses `wait_nr(cq_entries)`, or makes a wait spin on the kernel instead of sleeping in
//! it, fails here.

mod common;

use system_liburing::fault;
use system_liburing::op::Nop;
#[cfg(liburing_has = "io_uring_prep_timeout")]
use system_liburing::op::{Timeout, TimeoutFired};
use system_liburing::Ring;

/// Counts the calling thread's allocations (the tests run on threads of their own).
struct Counting;

thread_local! {
    static ALLOCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the count is a const thread-local (no
// allocation, no destructor).
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's layout, passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: allocated above with this layout.
        unsafe { std::alloc::System.dealloc(p, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(|n| n.get())
}

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

/// A managed op's round trip once warm (push, submit, `wait_for`) allocates nothing: the op
/// lives in a slot the ring already has, and a ticket taken back leaves its ring nothing to
/// release later.
#[test]
fn a_warm_managed_round_trip_allocates_nothing() {
    let Some(mut ring) = ring("allocation-free round trip", 8) else {
        return;
    };
    for _ in 0..2 {
        let t = ring.push(Nop::new()).unwrap();
        ring.wait_for(t).unwrap().unwrap();
    }
    let before = allocs();
    for _ in 0..100 {
        let t = ring.push(Nop::new()).unwrap();
        ring.wait_for(t).unwrap().unwrap();
    }
    assert_eq!(allocs() - before, 0, "allocations in 100 round trips");
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

/// Drains of an overflowed ring give every completion once: a drain that found some (kept by
/// `wait_for`, or in the ring) returns them without flushing, and each flush moves what fits
/// into the CQ ring, which the drain returns before flushing again (a flush after completions
/// were taken would overwrite them).
#[test]
fn an_overflowed_ring_gives_everything_through_drains() {
    let Some(mut ring) =
        common::ring_or_skip(Ring::builder().entries(4).cq_entries(4), "overflow drain")
    else {
        return;
    };
    ring.push_with_user_data(Nop::new(), 100).unwrap();
    let t = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(2).unwrap();
    // 12 NOPs into the 4-entry CQ after those two: 10 wait on the kernel's overflow list.
    for _ in 0..3 {
        nops(&mut ring, 4);
    }
    // wait_for keeps 100's CQE: the first drain starts from it, with the flag still up.
    ring.wait_for(t).unwrap().unwrap();
    let mut got = Vec::new();
    let mut out = [system_liburing::Cqe::default(); 4];
    loop {
        let n = ring.drain(&mut out).unwrap();
        if n == 0 {
            break;
        }
        got.extend(out[..n].iter().map(|c| c.user_data()));
    }
    got.sort_unstable();
    assert_eq!(
        got,
        [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 100],
        "every completion once"
    );
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
    type Reap<'a> = (&'a str, &'a mut dyn FnMut(&mut Ring) -> bool);
    let reaps: [Reap<'_>; 4] = [
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

// The kernel's `min_complete` counts what the CQ ring holds, completions already there
// included: a wait asks for the total it needs and sleeps in one system call. A wait that
// asked for less (or entered without IORING_ENTER_GETEVENTS) would return at once and spin
// on the kernel until the completion came; one that asked for more would never return.
// Nothing here measures time: the timer only makes the completion come later than the wait
// starts.

/// A timer a little in the future, pushed and submitted.
#[cfg(liburing_has = "io_uring_prep_timeout")]
fn timer(ring: &mut Ring) -> system_liburing::Ticket<Timeout> {
    let t = ring
        .push(Timeout::relative(std::time::Duration::from_millis(50)))
        .unwrap();
    ring.submit().unwrap();
    t
}

#[test]
#[cfg(liburing_has = "io_uring_prep_timeout")]
fn a_wait_sleeps_in_one_system_call() {
    let Some(mut ring) = ring("blocking wait", 8) else {
        return;
    };
    let t = timer(&mut ring);
    let before = fault::syscalls();
    assert_eq!(ring.wait().unwrap().user_data(), t.user_data());
    assert_eq!(fault::syscalls() - before, 1, "wait spun on the kernel");
    assert_eq!(ring.finish(t).unwrap().unwrap(), TimeoutFired::Expired);
}

/// `submit_and_wait` submits and sleeps in the same system call until the completion is in
/// the ring (an enter without `IORING_ENTER_GETEVENTS` would return at once), on `Ring` and
/// on a submitter alike.
#[test]
#[cfg(liburing_has = "io_uring_prep_timeout")]
fn submit_and_wait_returns_with_the_completion_there() {
    let Some(mut ring) = ring("submit_and_wait", 8) else {
        return;
    };
    for on_submitter in [false, true] {
        let t = ring
            .push(Timeout::relative(std::time::Duration::from_millis(50)))
            .unwrap();
        let before = fault::syscalls();
        let n = if on_submitter {
            ring.submitter().submit_and_wait(1)
        } else {
            ring.submit_and_wait(1)
        };
        assert_eq!(n.unwrap(), 1);
        assert_eq!(
            fault::syscalls() - before,
            1,
            "one enter submits and sleeps"
        );
        assert_eq!(ring.cq_ready(), 1, "the timer's completion is there");
        assert_eq!(ring.wait_for(t).unwrap().unwrap(), TimeoutFired::Expired);
    }
}

#[test]
#[cfg(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_link_timeout"
))]
fn wait_nr_with_completions_ready_sleeps_in_one_system_call() {
    use system_liburing::op::{LinkTimeout, PollAdd};
    use system_liburing::OpFlags;
    let Some(mut ring) = ring("wait_nr with some ready", 8) else {
        return;
    };
    // Two completions in the ring and one kept for later peeks (reaped by wait_for on its
    // way), then a poll on an empty pipe that a linked timeout cancels a little later:
    // wait_nr(5) needs those two CQEs, and no more. (Not a plain timeout: when one fires
    // the kernel wakes every waiter, whatever it waits for.)
    ring.push_with_user_data(Nop::new(), 7).unwrap();
    let first = ring.push(Nop::new()).unwrap();
    ring.wait_for(first).unwrap().unwrap();
    nops(&mut ring, 2);
    assert_eq!(ring.cq_ready(), 3);
    let (rx, _tx) = common::pipe();
    let poll = ring
        .push(PollAdd::new(rx, libc::POLLIN as u32).flags(OpFlags::IO_LINK))
        .unwrap();
    let timer = ring
        .push(LinkTimeout::new(std::time::Duration::from_millis(50)))
        .unwrap();
    ring.submit().unwrap();
    let before = fault::syscalls();
    assert_eq!(ring.wait_nr(5).unwrap(), 5);
    assert_eq!(fault::syscalls() - before, 1, "wait_nr spun on the kernel");
    let got: Vec<u64> =
        std::iter::from_fn(|| ring.peek().unwrap().map(|c| c.user_data())).collect();
    assert_eq!(got[..3], [7, 0, 1]);
    assert_eq!(got.len(), 5);
    assert_eq!(ring.finish(timer).unwrap().unwrap(), TimeoutFired::Expired);
    assert_eq!(
        ring.finish(poll).unwrap().0.unwrap_err().raw_os_error(),
        Some(libc::ECANCELED)
    );
}

#[test]
fn wait_timeout_on_an_empty_ring_sleeps_in_the_kernel() {
    let Some(mut ring) = ring("wait_timeout, nothing comes", 8) else {
        return;
    };
    let before = fault::syscalls();
    let got = ring
        .wait_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    assert!(got.is_none());
    // One wait; a second, short one should the kernel's timer end a hair before ours.
    let calls = fault::syscalls() - before;
    assert!(
        (1..=2).contains(&calls),
        "wait_timeout spun: {calls} system calls"
    );
}

#[test]
#[cfg(liburing_has = "io_uring_prep_read")]
fn wait_nr_on_a_defer_taskrun_ring_flushes_once() {
    // A pipe read completed by a write from this thread: on a DEFER_TASKRUN ring its CQE
    // is posted only when the kernel is entered. The flush that brings it out is all the
    // wait needs.
    let Some(mut ring) = common::ring_with_feature_or_skip(
        Ring::builder().entries(8).defer_taskrun(),
        "DEFER_TASKRUN wait_nr",
    ) else {
        return;
    };
    let (r, mut w) = common::pipe();
    let t = ring
        .push(system_liburing::op::Read::new(
            r,
            Vec::with_capacity(4),
            u64::MAX,
        ))
        .unwrap();
    ring.submit().unwrap();
    std::io::Write::write_all(&mut w, b"ping").unwrap();
    let before = fault::syscalls();
    assert_eq!(ring.wait_nr(1).unwrap(), 1);
    // 6.1 posts the retried read's CQE from a second round of task work, which the wait's
    // own enter runs: two system calls there; kernels since (6.18 measured) need only the
    // flush. More than two is a wait that spins.
    let calls = fault::syscalls() - before;
    let most = if common::kernel_version() < (6, 2) {
        2
    } else {
        1
    };
    assert!(
        (1..=most).contains(&calls),
        "wait_nr after the flush: {calls} system calls"
    );
    let (n, _r, buf) = ring.wait_for(t).unwrap();
    assert_eq!((n.unwrap(), buf.as_slice()), (4, &b"ping"[..]));
}

/// One `Submitter` kept across submits: once the kernel has consumed the SQ, the batch finds
/// room again (reading the kernel's head when its own limit says full) and takes exactly
/// the ring's entries before it says `SqFull`, then every op completes exactly once. For
/// managed pushes (whose rare path works on a copy of the half) and plain ones.
#[test]
fn a_kept_submitter_refills_a_consumed_ring_exactly() {
    let Some(mut ring) = ring("kept submitter", 4) else {
        return;
    };
    let entries = 4;
    // Managed: tickets.
    let mut tickets = Vec::new();
    {
        let mut sq = ring.submitter();
        for round in 0..2 {
            let mut pushed = 0;
            // Bounded: a lost limit would let pushes run on over unsubmitted slots.
            for _ in 0..2 * entries {
                match sq.push(Nop::new()) {
                    Ok(t) => {
                        tickets.push(t);
                        pushed += 1;
                    }
                    Err(system_liburing::PushError::SqFull(_)) => break,
                    Err(e) => panic!("round {round}: {e:?}"),
                }
            }
            assert_eq!(pushed, entries, "round {round}: exactly the ring's entries");
            assert_eq!(
                sq.submit().unwrap(),
                entries,
                "round {round}: all submitted"
            );
        }
    }
    // NOPs complete at submit: all their CQEs are there, then every ticket finishes.
    assert_eq!(
        ring.completions().count(),
        2 * entries as usize,
        "one CQE per op"
    );
    let mut seen = std::collections::HashSet::new();
    for t in tickets {
        let token = t.user_data();
        ring.finish(t).expect("completed").expect("with success");
        assert!(seen.insert(token), "one token per op");
    }
    assert_eq!(seen.len(), 2 * entries as usize);
    assert_eq!(ring.in_flight(), 0);
    // Plain: user_data.
    {
        let mut sq = ring.submitter();
        for round in 0..2u64 {
            let mut pushed = 0u64;
            for i in 0..2 * u64::from(entries) {
                match sq.push_with_user_data(Nop::new(), round * 100 + i) {
                    Ok(()) => pushed += 1,
                    Err(system_liburing::PushError::SqFull(_)) => break,
                    Err(e) => panic!("round {round}: {e:?}"),
                }
            }
            assert_eq!(pushed, u64::from(entries), "round {round}: plain pushes");
            assert_eq!(sq.submit().unwrap(), entries);
        }
    }
    let mut got: Vec<u64> = ring.completions().map(|c| c.user_data()).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [0, 1, 2, 3, 100, 101, 102, 103],
        "every plain NOP once"
    );
}

/// The plain fast path of `peek` steps aside whenever any one of its reasons holds, also
/// when two hold at once: completions `wait_for` kept (they come first) with a dropped
/// ticket's op waiting to be released, and a dropped ticket's op on a ring with
/// backpressure (every CQE is counted out, so the ring takes its whole cap again after).
#[test]
fn the_plain_peek_steps_aside_for_kept_completions_orphans_and_backpressure_together() {
    // Kept completions and an orphan.
    let Some(mut ring) = ring("peek: kept and orphaned", 8) else {
        return;
    };
    ring.push_with_user_data(Nop::new(), 1).unwrap();
    let t = ring.push(Nop::new()).unwrap();
    ring.push_with_user_data(Nop::new(), 3).unwrap();
    let orphan = ring.push(Nop::new()).unwrap();
    let orphan_token = orphan.user_data();
    ring.submit_and_wait(4).unwrap();
    ring.wait_for(t).unwrap().unwrap(); // keeps 1's CQE; 3's and the orphan's stay in the ring
    drop(orphan);
    let mut seen = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        seen.push(c.user_data());
    }
    assert_eq!(
        seen,
        [1, 3, orphan_token],
        "kept first, then the ring's, once each"
    );
    assert_eq!(ring.in_flight(), 0, "the orphan's op went with its CQE");

    // An orphan on a ring with backpressure (cap: the CQ's 16 entries).
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(8).cq_entries(16).backpressure(true),
        "peek: orphaned with backpressure",
    ) else {
        return;
    };
    for i in 0..3 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    let orphan = ring.push(Nop::new()).unwrap();
    ring.submit_and_wait(4).unwrap();
    drop(orphan);
    let mut n = 0;
    while ring.peek().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 4);
    // Every CQE was counted out: the whole cap is free again.
    let mut pushed = 0;
    for i in 0..64 {
        match ring.push_with_user_data(Nop::new(), i) {
            Ok(()) => pushed += 1,
            Err(system_liburing::PushError::SqFull(_)) => {
                ring.submit().unwrap();
            }
            Err(system_liburing::PushError::Backpressure(_)) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(pushed, 16, "the cap, no less: no CQE was left counted in");
}

// The submitter is a batch view: it keeps the tail and the kernel's head as last read in
// itself, and reads the kernel's head only when the ring looks full. A push that finds it so
// goes through a copy of the view (the cold path); the indices that copy advanced are the
// view's own from then on, and the space and readiness it reports are the kernel's.

#[test]
fn a_batch_view_keeps_pushing_past_a_ring_that_looked_full() {
    let Some(mut ring) = ring("batch view past a full look", 4) else {
        return;
    };
    let entries = ring.sizes().0;
    let (a, b) = {
        let mut sq = ring.submitter();
        assert_eq!((sq.sq_space_left(), sq.sq_ready()), (entries, 0));
        for i in 0..entries {
            sq.push_with_user_data(Nop::new(), u64::from(i)).unwrap();
        }
        assert_eq!((sq.sq_space_left(), sq.sq_ready()), (0, entries));
        assert_eq!(sq.submit().unwrap(), entries);
        // The kernel took them all, but the view's head is still the one it read first: the
        // first push below finds the ring looking full and goes through the cold path's
        // copy, whose indices the view must take back for the two after it.
        assert_eq!((sq.sq_space_left(), sq.sq_ready()), (entries, 0));
        let a = sq.push(Nop::new()).unwrap();
        sq.push_with_user_data(Nop::new(), 100).unwrap();
        let b = sq.push(Nop::new()).unwrap();
        assert_eq!(
            (sq.sq_space_left(), sq.sq_ready()),
            (entries - 3, 3),
            "three queued after the full look"
        );
        assert_eq!(sq.submit().unwrap(), 3);
        (a, b)
    };
    ring.wait_for(a).unwrap().unwrap();
    ring.wait_for(b).unwrap().unwrap();
    let mut got: Vec<u64> =
        std::iter::from_fn(|| ring.peek().unwrap().map(|c| c.user_data())).collect();
    got.sort_unstable();
    let mut want: Vec<u64> = (0..u64::from(entries)).collect();
    want.push(100);
    assert_eq!(got, want);
}

/// The opcode an `Unsupported` refusal names (any other outcome fails the test).
#[cfg(any(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_nop128"
))]
fn unsupported<T, O>(r: Result<T, system_liburing::PushError<O>>) -> u8 {
    match r {
        Err(system_liburing::PushError::Unsupported(_, opcode)) => opcode,
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("an op the kernel lacks was queued"),
    }
}

/// An op missing from the kernel's probe is refused before it takes a slot, on every push
/// path (one branch on the fast path sends it to the rare checks): managed, tagged, plain;
/// in a batch view, whose later pushes still work.
#[test]
#[cfg(all(
    liburing_has = "io_uring_prep_poll_add",
    liburing_has = "io_uring_prep_poll_remove"
))]
fn an_op_the_kernel_lacks_is_refused_on_every_push_path() {
    use system_liburing::op::{PollAdd, PollRemove};
    use system_liburing::sys;
    let (add, remove) = (
        sys::IORING_OP_POLL_ADD as u8,
        sys::IORING_OP_POLL_REMOVE as u8,
    );
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(8)
            .pretend_unsupported(add)
            .pretend_unsupported(remove),
        "unsupported ops",
    ) else {
        return;
    };
    let (rx, _tx) = common::pipe();
    let poll = || PollAdd::new(rx.try_clone().unwrap(), libc::POLLIN as u32);
    let mut sq = ring.submitter();
    assert_eq!(unsupported(sq.push(poll())), add, "managed");
    assert_eq!(unsupported(sq.push_tagged(poll(), 5)), add, "tagged");
    assert_eq!(
        unsupported(sq.push_with_user_data(PollRemove::new(1), 7)),
        remove,
        "plain"
    );
    assert_eq!(sq.sq_ready(), 0, "nothing queued");
    sq.push_with_user_data(Nop::new(), 8).unwrap();
    assert_eq!(sq.submit_and_wait(1).unwrap(), 1);
    assert_eq!(ring.peek().unwrap().map(|c| c.user_data()), Some(8));
}

/// An op newer than the kernel, found missing by the probe itself (no pretending), is
/// refused the same way: the 128-byte NOP of 6.19. (Its opcode, 63, is the last of its word
/// of the probe's bitmap, which on a kernel that has every older op holds that bit alone.)
#[test]
#[cfg(liburing_has = "io_uring_prep_nop128")]
fn an_op_newer_than_the_kernel_is_refused() {
    use system_liburing::op::Nop128;
    use system_liburing::sys;
    let Some(mut ring) = ring("an op newer than the kernel", 8) else {
        return;
    };
    let opcode = sys::IORING_OP_NOP128 as u8;
    let has = ring
        .probe()
        .map_or(true, |p| p.supported().contains(&opcode));
    let mut sq = ring.submitter();
    if has {
        sq.push_with_user_data(Nop128::new(), 1).unwrap();
        assert_eq!(sq.sq_ready(), 1);
    } else {
        assert_eq!(
            unsupported(sq.push_with_user_data(Nop128::new(), 1)),
            opcode
        );
        assert_eq!(unsupported(sq.push(Nop128::new())), opcode);
        assert_eq!(sq.sq_ready(), 0, "nothing queued");
    }
}

/// The refusals come in their documented order when several apply: a reserved user_data
/// (bit 63) on a full SQ is `ReservedUserData`, then the SQ is still `SqFull` for a plain
/// one, and nothing queued was overwritten.
#[test]
fn a_reserved_user_data_on_a_full_sq_is_refused_as_reserved() {
    use system_liburing::PushError;
    let Some(mut ring) = ring("reserved user_data on a full SQ", 4) else {
        return;
    };
    let entries = ring.sizes().0;
    let mut sq = ring.submitter();
    for i in 0..entries {
        sq.push_with_user_data(Nop::new(), u64::from(i)).unwrap();
    }
    assert!(matches!(
        sq.push_with_user_data(Nop::new(), 1 << 63),
        Err(PushError::ReservedUserData(_))
    ));
    assert!(matches!(
        sq.push_with_user_data(Nop::new(), 99),
        Err(PushError::SqFull(_))
    ));
    assert_eq!(sq.submit_and_wait(entries).unwrap(), entries);
    let got: Vec<u64> =
        std::iter::from_fn(|| ring.peek().unwrap().map(|c| c.user_data())).collect();
    assert_eq!(got, (0..u64::from(entries)).collect::<Vec<_>>());
}
