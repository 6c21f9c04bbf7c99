//! Rings whose completions appear only when the kernel is entered: peek must enter.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(liburing_has = "io_uring_prep_timeout")]

mod common;

use std::time::Duration;
use system_liburing::op::Timeout;
use system_liburing::{Ring, SetupFlags};

fn flood_and_peek(mut ring: Ring, n: u64) {
    common::flood(&mut ring, 0, n);
    common::peek_in_order(&mut ring, 0..n);
}

#[test]
fn defer_taskrun_peek_enters() {
    let Some(ring) = common::ring_with_feature_or_skip(
        Ring::builder().entries(16).cq_entries(32).defer_taskrun(),
        "DEFER_TASKRUN",
    ) else {
        return;
    };
    assert!(ring.setup_flags().contains(SetupFlags::DEFER_TASKRUN));
    flood_and_peek(ring, 5000);
}

#[test]
fn defer_taskrun_timer_completion_needs_an_enter() {
    let Some(mut ring) = common::ring_with_feature_or_skip(
        Ring::builder().entries(4).defer_taskrun(),
        "DEFER_TASKRUN timer",
    ) else {
        return;
    };
    let t = ring
        .push(Timeout::relative(Duration::from_millis(5)))
        .unwrap();
    ring.submit().unwrap();
    std::thread::sleep(Duration::from_millis(30));
    // The timer fired, but on DEFER_TASKRUN its CQE is posted only when we enter: peek must.
    let cqe = ring
        .peek()
        .unwrap()
        .expect("peek did not run the deferred task work");
    assert_eq!(cqe.user_data(), t.user_data());
    ring.finish(t).unwrap().unwrap();
}

#[test]
fn coop_taskrun_with_flag() {
    let Some(ring) = common::ring_with_feature_or_skip(
        Ring::builder().entries(16).cq_entries(32).coop_taskrun(),
        "COOP_TASKRUN",
    ) else {
        return;
    };
    flood_and_peek(ring, 5000);
}

#[test]
fn registered_ring_fd_flood_on_both_paths() {
    for direct in [false, true] {
        let Some(mut ring) = common::ring_or_skip(
            Ring::builder()
                .entries(16)
                .cq_entries(32)
                .force_direct_flush(direct),
            "registered fd",
        ) else {
            return;
        };
        match ring.register_ring_fd() {
            Ok(_) => {}
            Err(e) => {
                common::skip(
                    "registered ring fd",
                    format_args!("ring fd registration unavailable (5.18+): {e}"),
                );
                return;
            }
        }
        flood_and_peek(ring, 20_000);
    }
}
