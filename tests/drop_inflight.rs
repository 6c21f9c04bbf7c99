//! Dropping a ring with operations in flight never frees memory the kernel may still write.
//! (CI also runs this file under valgrind: no invalid writes.)
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout"
))]

mod common;

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use system_liburing::op::{Read, Timeout};
use system_liburing::Ring;

#[test]
fn drop_with_a_pending_pipe_read() {
    let (rx, mut tx) = common::pipe();
    // The read holds a clone: the read end stays open after the ring (and what it leaks)
    // is gone, so the write below would land in the buffer if the read were still armed.
    let rx = Arc::new(rx);
    {
        let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "drop") else {
            return;
        };
        let ticket = ring
            .push(Read::new(rx.clone(), Vec::with_capacity(4096), u64::MAX))
            .unwrap();
        ring.submit().unwrap();
        assert_eq!(ring.in_flight(), 1);
        drop(ticket); // the buffer stays with the ring
        let t0 = Instant::now();
        drop(ring); // cancels the read, reaps its CQE, then frees the buffer
        assert!(t0.elapsed() < Duration::from_secs(3));
    }
    // The cancelled read completed, so Drop released its op, and the file it held with it.
    assert_eq!(
        Arc::strong_count(&rx),
        1,
        "the read's clone of the file is gone"
    );
    // Anything written now must not land in freed memory: the read was cancelled.
    tx.write_all(&[0xAA; 4096]).unwrap();
}

#[test]
fn drop_with_many_ops_in_flight() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "drop many") else {
        return;
    };
    let (rx, _tx) = common::pipe();
    let rx = Arc::new(rx);
    let mut tickets = Vec::new();
    for _ in 0..8 {
        tickets.push(
            ring.push(Read::new(rx.clone(), vec![0u8; 512], u64::MAX))
                .unwrap(),
        );
    }
    ring.submit().unwrap();
    let mut timers = Vec::new();
    for _ in 0..8 {
        timers.push(
            ring.push(Timeout::relative(Duration::from_secs(60)))
                .unwrap(),
        );
    }
    ring.submit().unwrap();
    assert_eq!(ring.in_flight(), 16);
    drop((tickets, timers));
    assert_eq!(
        Arc::strong_count(&rx),
        9,
        "each read holds the file while in flight"
    );
    drop(ring);
    assert_eq!(
        Arc::strong_count(&rx),
        1,
        "every read was cancelled and released"
    );
}

#[test]
fn finished_ops_are_released_and_pending_counted() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "count") else {
        return;
    };
    let t = ring
        .push(Timeout::relative(Duration::from_millis(1)))
        .unwrap();
    assert_eq!(ring.in_flight(), 1);
    ring.wait_for(t).unwrap().unwrap();
    assert_eq!(ring.in_flight(), 0);
}
