//! Opt-in backpressure: in-flight operations never exceed the CQ ring, so it never overflows.

mod common;

use system_liburing::op::Nop;
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
