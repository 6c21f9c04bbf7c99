//! Opt-in backpressure: in-flight operations never exceed the CQ ring, so it never overflows.

mod common;

use system_liburing::op::{Nop, PollAdd};
use system_liburing::{PushError, Ring};

#[test]
fn backpressure_caps_in_flight_at_the_cq_size() {
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(16)
            .cq_entries(32)
            .backpressure(true),
        "backpressure",
    ) else {
        return;
    };
    let mut pushed = 0u64;
    let mut refused = 0;
    let mut next = 0u64;
    while next < 10_000 {
        match ring.push_with_user_data(Nop::new(), pushed) {
            Ok(()) => pushed += 1,
            Err(PushError::SqFull(_)) => {
                ring.submit().unwrap();
            }
            Err(PushError::Backpressure(_)) => {
                refused += 1;
                ring.submit().unwrap();
                assert_eq!(ring.cq_overflow(), 0);
                assert!(
                    !ring
                        .sq_flags()
                        .contains(system_liburing::SqFlags::CQ_OVERFLOW),
                    "overflowed under backpressure"
                );
                while let Some(c) = ring.peek().unwrap() {
                    assert_eq!(c.user_data(), next);
                    next += 1;
                }
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(refused > 0, "the cap never engaged");
}

/// Whether a push was refused for a full SQ (submit, then push again) rather than for the
/// cap.
fn sq_full<O>(e: &PushError<O>) -> bool {
    match e {
        PushError::SqFull(_) => true,
        PushError::Backpressure(_) => false,
        other => panic!("unexpected push error: {other}"),
    }
}

/// How a round's completions are reaped.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reap {
    Peek,
    Wait,
    Drain,
    Batch,
    BatchDispatch,
    Dispatch,
    WaitFor,
}

/// Managed ops count against the cap like raw ones, and every way of reaping gives their
/// place back at their CQE: a reaping path that skipped the accounting of either kind would
/// leave the ring refusing pushes (or its table holding ops) for good.
#[test]
fn managed_and_raw_ops_give_their_place_back_on_every_reaping_path() {
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(4).cq_entries(8).backpressure(true),
        "backpressure with managed ops",
    ) else {
        return;
    };
    let cap = ring.sizes().1;
    // A pipe's write end is ready: a poll for POLLOUT completes at once.
    let (_r, w) = common::pipe();
    let paths = [
        Reap::Peek,
        Reap::Wait,
        Reap::Drain,
        Reap::Batch,
        Reap::BatchDispatch,
        Reap::Dispatch,
        Reap::WaitFor,
    ];
    for (round, how) in paths.into_iter().enumerate() {
        let from = round as u64 * 100;
        // Up to the cap: even user_data managed (tagged polls, or ticketed NOPs for
        // wait_for), odd raw.
        let mut tickets = Vec::new();
        let mut pushed = 0u64;
        loop {
            let ud = from + pushed;
            let r = if pushed % 2 == 1 {
                ring.push_with_user_data(Nop::new(), ud)
                    .map_err(|e| sq_full(&e))
            } else if how == Reap::WaitFor {
                ring.push(Nop::new())
                    .map(|t| tickets.push(t))
                    .map_err(|e| sq_full(&e))
            } else {
                // A tagged op that holds something (a tagged NOP would keep no row: its
                // user_data would be the tag, a raw op's).
                let w = w.try_clone().unwrap();
                ring.push_tagged(PollAdd::new(w, libc::POLLOUT as u32), ud)
                    .map_err(|e| sq_full(&e))
            };
            match r {
                Ok(()) => pushed += 1,
                Err(true) => {
                    ring.submit().unwrap();
                }
                Err(false) => break,
            }
        }
        assert_eq!(pushed, u64::from(cap), "{how:?}: the cap is the CQ size");
        ring.submit_and_wait(cap).unwrap();
        let mut got = Vec::new();
        while got.len() < cap as usize {
            match how {
                Reap::Peek => {
                    got.push(Some(ring.peek().unwrap().expect("a ready CQE").user_data()))
                }
                Reap::Wait => got.push(Some(ring.wait().unwrap().user_data())),
                Reap::Drain => {
                    let mut out = [system_liburing::Cqe::default(); 8];
                    let n = ring.drain(&mut out).unwrap();
                    assert!(n > 0, "drain found nothing");
                    got.extend(out[..n].iter().map(|c| Some(c.user_data())));
                }
                Reap::Batch => {
                    let before = got.len();
                    got.extend(ring.completions().map(|c| Some(c.user_data())));
                    assert!(got.len() > before, "the batch found nothing");
                }
                Reap::BatchDispatch => {
                    let mut q = ring.completions();
                    let c = q.next_completion().expect("a ready CQE");
                    got.push(Some(c.user_data()));
                }
                Reap::Dispatch => {
                    let c = ring.next_completion().unwrap().expect("a ready CQE");
                    got.push(Some(c.user_data()));
                }
                Reap::WaitFor => {
                    for t in tickets.drain(..) {
                        ring.wait_for(t).unwrap().unwrap();
                        got.push(None);
                    }
                    // The raw ones were reaped on the way and wait for peek, in order.
                    while let Some(c) = ring.peek().unwrap() {
                        got.push(Some(c.user_data()));
                    }
                    break;
                }
            }
        }
        let want: Vec<Option<u64>> = if how == Reap::WaitFor {
            let raw = (from..from + u64::from(cap)).filter(|ud| ud % 2 == 1);
            std::iter::repeat_n(None, cap as usize / 2)
                .chain(raw.map(Some))
                .collect()
        } else {
            (from..from + u64::from(cap)).map(Some).collect()
        };
        assert_eq!(got, want, "{how:?}");
        assert_eq!(
            ring.in_flight(),
            0,
            "{how:?}: managed ops left in the table"
        );
        assert!(ring.peek().unwrap().is_none(), "{how:?}: nothing more");
    }
}

/// A multishot op holds its place under the cap until its last CQE: its items (`F_MORE`)
/// give nothing back, else the ring could admit more than its CQ holds.
#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
#[test]
fn a_multishot_op_holds_its_place_until_its_last_cqe() {
    use std::io::Write as _;
    use system_liburing::op::PollMulti;
    use system_liburing::CqeFlags;
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(4).cq_entries(8).backpressure(true),
        "backpressure with a multishot op",
    ) else {
        return;
    };
    let cap = u64::from(ring.sizes().1);
    let (r, mut w) = common::pipe();
    let r = std::sync::Arc::new(r);
    ring.push_tagged(PollMulti::new(r.clone(), libc::POLLIN as u32), 1)
        .unwrap();
    ring.submit().unwrap();
    w.write_all(b"x").unwrap();
    ring.submit_and_wait(1).unwrap();
    let item = ring.peek().unwrap().expect("the poll's item");
    assert_eq!(item.user_data(), 1);
    assert!(item.flags().contains(CqeFlags::MORE), "still armed");
    let mut pushed = 0u64;
    loop {
        match ring.push_with_user_data(Nop::new(), 100 + pushed) {
            Ok(()) => pushed += 1,
            Err(e) if sq_full(&e) => {
                ring.submit().unwrap();
            }
            Err(_) => break,
        }
    }
    assert_eq!(pushed, cap - 1, "the armed poll still holds one place");
}

/// Under the cap every push takes the rare checks (the probe's among them): an op the
/// kernel has passes them whatever its opcode, not only the NOP (opcode 0), and its CQE
/// gives its place back.
#[cfg(liburing_has = "io_uring_prep_poll_remove")]
#[test]
fn ops_other_than_the_nop_pass_the_checks_under_the_cap() {
    use system_liburing::op::PollRemove;
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(4).cq_entries(4).backpressure(true),
        "backpressure with a non-NOP op",
    ) else {
        return;
    };
    let cap = u64::from(ring.sizes().1);
    for round in 0..3 {
        // Removals of a poll that does not exist: each completes with ENOENT.
        for i in 0..cap {
            ring.push_with_user_data(PollRemove::new(1), round * 100 + i)
                .unwrap();
        }
        ring.submit_and_wait(cap as u32).unwrap();
        for i in 0..cap {
            let c = ring.peek().unwrap().expect("a ready CQE");
            assert_eq!(c.user_data(), round * 100 + i);
            assert_eq!(c.raw_result(), -libc::ENOENT);
        }
    }
}

/// A full SQ is `SqFull` under the cap too, and what was queued reaches the kernel as it was:
/// a full SQ and backpressure are both rare cases, which the push must not take for each
/// other's cancellation (the slot at the tail is then a queued SQE).
#[test]
fn a_full_sq_under_the_cap_refuses_and_keeps_what_it_holds() {
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(4).cq_entries(16).backpressure(true),
        "backpressure with a full SQ",
    ) else {
        return;
    };
    let (sq, cq) = ring.sizes();
    assert!(sq < cq, "the SQ fills before the cap is reached");
    for round in 0..3u64 {
        let from = round * 100;
        for i in 0..u64::from(sq) {
            ring.push_with_user_data(Nop::new(), from + i).unwrap();
        }
        assert!(sq_full(
            &ring.push_with_user_data(Nop::new(), from + 99).unwrap_err()
        ));
        assert_eq!(ring.submit_and_wait(sq).unwrap(), sq);
        common::peek_in_order(&mut ring, from..from + u64::from(sq));
        assert!(ring.peek().unwrap().is_none());
    }
}
