//! Attack reproducers against the newer APIs (buffer select, peek batches, send rings, NOP
//! flags, multishot timeouts, msg ring), kept as regression tests once fixed. Safe code
//! only.
// The reproducers need a read and a multishot receive (liburing 2.3's helpers).
#![cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_recv_multishot"
))]

mod common;

use common::PanicsOnDrop;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use system_liburing::op::{Read, RecvMulti, Shot};
use system_liburing::Ring;

fn dev_null() -> OwnedFd {
    std::fs::File::open("/dev/null").unwrap().into()
}

/// Regression (was: a buffer handed out twice, two guards aliasing one buffer):
/// `CqeBatch::advance(n)` accounted the batch's CQEs one by one — each reaches the in-flight
/// table, a tagged op is released (dropped) at its last — and only then moved the CQ head
/// past them. A tagged op's drop that panics (the user's `AsFd` type) unwound out of the
/// loop with the head still before the CQEs already accounted: the next peek accounted them
/// again. A multishot receive recorded its CQE twice and handed out the same provided
/// buffer in two `BufGuard`s (two views of memory that the first guard's drop gives back
/// to the kernel, which then receives into it under the second).
#[test]
fn a_panic_in_batch_advance_delivers_no_cqe_twice() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "batch unwind") else {
        return;
    };
    let bufs = match ring.register_buf_ring(4, 64, 0) {
        Ok(b) => b,
        Err(e) => return common::skip("batch unwind", format_args!("no buffer rings ({e})")),
    };
    let (mut client, server) = UnixStream::pair().unwrap();
    let recv = ring.push(RecvMulti::new(server, &bufs, 0)).unwrap();
    client.write_all(b"once").unwrap();
    ring.submit_and_wait(1).unwrap();
    // The CQ now holds the receive's item; behind it, a tagged read whose file panics when
    // the crate drops it at its last CQE.
    let read = Read::new(PanicsOnDrop(dev_null()), vec![0u8; 8], 0);
    ring.push_tagged(read, 9).unwrap();
    ring.submit_and_wait(2).unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut batch = ring.peek_batch(8).unwrap();
        assert_eq!(batch.len(), 2);
        batch.advance(2).unwrap();
    }));
    assert!(r.is_err(), "the tagged op's drop panicked");
    let first = ring.next_shot(&recv).unwrap().expect("armed").unwrap();
    assert_eq!(&*first, b"once");
    // Whatever the ring still shows is not a CQE already accounted.
    let mut seen = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        seen.push(c.user_data());
    }
    // Nothing more was received: a second item could only be the same CQE again, naming
    // the buffer `first` holds.
    let second = match ring.try_next_shot(&recv) {
        Shot::Item(Ok(g)) => g.buffer_id(),
        _ => None,
    };
    assert_eq!(
        (second, bufs.in_use()),
        (None, 1),
        "buffer {:?} handed out again while the first guard holds it",
        first.buffer_id()
    );
    assert!(seen.is_empty(), "CQEs delivered again: {seen:x?}");
}

/// Regression (was: a CQE nobody posted shown, a CQE shown twice): the same unwind with the
/// batch kept (`catch_unwind` around `advance` alone). `advance` counted what it had
/// consumed only after delivering it all, so the batch went on showing the CQEs the
/// unwinding call had already taken: here one from the reaped queue (left there by
/// `wait_for`) came back as a blank CQE (`user_data` 0, result 0) ahead of the rest.
#[test]
fn a_batch_kept_across_a_panic_shows_only_what_is_left() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "batch unwind") else {
        return;
    };
    let read = Read::new(PanicsOnDrop(dev_null()), vec![0u8; 8], 0);
    ring.push_tagged(read, 9).unwrap();
    let nop = ring.push(system_liburing::op::Nop::new()).unwrap();
    // The read completes first: waiting for the NOP queues its CQE (reaped, not delivered).
    ring.wait_for(nop).unwrap().unwrap();
    ring.push_with_user_data(system_liburing::op::Nop::new(), 5)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let mut batch = ring.peek_batch(8).unwrap();
    let shown: Vec<u64> = batch.iter().map(|c| c.user_data()).collect();
    assert_eq!(
        shown,
        [9, 5],
        "the queued tagged read, then the NOP in the ring"
    );
    let r = catch_unwind(AssertUnwindSafe(|| batch.advance(1)));
    assert!(r.is_err(), "the tagged op's drop panicked");
    let left: Vec<(u64, i32)> = batch
        .iter()
        .map(|c| (c.user_data(), c.raw_result()))
        .collect();
    assert_eq!(left, [(5, 0)], "the batch after the read was consumed");
    batch.advance(1).unwrap();
    assert!(batch.is_empty());
    drop(batch);
    assert!(ring.peek().unwrap().is_none());
}
