//! The seed commit's scenario: a 16-entry ring (CQ 32) flooded with NOPs without reaping,
//! so completions pile up on the kernel's overflow list, then drained with `peek()` alone.
//! Every user_data must come back exactly once, in submission order, on both flush paths.

mod common;

use system_liburing::{op::Nop, Ring, SqFlags};

const FLOOD: u64 = 100_000;

fn flood_then_peek(force_direct: bool) {
    let what = if force_direct {
        "direct io_uring_enter flush"
    } else {
        "default flush path"
    };
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(16)
            .cq_entries(32)
            .force_direct_flush(force_direct),
        what,
    ) else {
        return;
    };
    assert_eq!(ring.sizes(), (16, 32));

    // Submit everything in batches of 16 without reaping. This kernel keeps accepting
    // (no -EBUSY since 5.19); an older one would refuse once the list is non-empty, which
    // Ring::submit handles by reaping into its queue, so the count stays bounded either way.
    let mut pushed = 0u64;
    let mut saw_overflow_flag = false;
    while pushed < FLOOD {
        while pushed < FLOOD && ring.push_with_user_data(Nop::new(), pushed).is_ok() {
            pushed += 1;
        }
        ring.submit().expect("submit");
        saw_overflow_flag |= ring.sq_flags().contains(SqFlags::CQ_OVERFLOW);
    }
    assert!(
        saw_overflow_flag,
        "the flood never overflowed the CQ ring: the test proves nothing"
    );
    assert!(ring.sq_flags().contains(SqFlags::CQ_OVERFLOW));

    // Now only peek: no wait, no submit.
    let mut next = 0u64;
    let mut empty_peeks = 0u64;
    while next < FLOOD {
        match ring.peek().expect("peek") {
            Some(cqe) => {
                assert_eq!(cqe.user_data(), next, "out of order or duplicated");
                assert_eq!(cqe.raw_result(), 0);
                next += 1;
                empty_peeks = 0;
            }
            None => {
                empty_peeks += 1;
                assert!(
                    empty_peeks < 1_000,
                    "peek keeps finding nothing with {} of {FLOOD} still missing",
                    FLOOD - next
                );
            }
        }
    }
    assert_eq!(
        ring.peek().expect("peek").map(|c| c.user_data()),
        None,
        "a completion beyond the flood"
    );
    assert!(
        !ring.sq_flags().contains(SqFlags::CQ_OVERFLOW),
        "flag still up after the drain"
    );
}

#[test]
fn seed_scenario_default_flush_path() {
    flood_then_peek(false);
}

#[test]
fn seed_scenario_direct_enter_flush_path() {
    flood_then_peek(true);
}

#[test]
#[cfg_attr(
    not(liburing_has = "io_uring_get_events"),
    ignore = "the linked liburing has no io_uring_get_events (2.3+); the direct path is the live one"
)]
fn seed_scenario_liburing_get_events_path() {
    assert_eq!(system_liburing::flush_path(), "io_uring_get_events");
    flood_then_peek(false);
}

#[test]
fn drain_batches_through_the_overflow_list() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8).cq_entries(16), "drain")
    else {
        return;
    };
    let total = 1000u64;
    let mut pushed = 0;
    while pushed < total {
        while pushed < total && ring.push_with_user_data(Nop::new(), pushed).is_ok() {
            pushed += 1;
        }
        ring.submit().unwrap();
    }
    let mut buf = [system_liburing::Cqe::default(); 7];
    let mut next = 0;
    let mut stalls = 0;
    while next < total {
        let n = ring.drain(&mut buf).unwrap();
        if n == 0 {
            stalls += 1;
            assert!(stalls < 100, "drain stalled at {next}");
        }
        for c in &buf[..n] {
            assert_eq!(c.user_data(), next);
            next += 1;
        }
    }
}

#[test]
fn wait_sees_overflowed_completions() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4).cq_entries(8), "wait")
    else {
        return;
    };
    let total = 200u64;
    let mut pushed = 0;
    while pushed < total {
        while pushed < total && ring.push_with_user_data(Nop::new(), pushed).is_ok() {
            pushed += 1;
        }
        ring.submit().unwrap();
    }
    for i in 0..total {
        assert_eq!(ring.wait().unwrap().user_data(), i);
    }
}
