//! `peek_batch` + `advance` (liburing's `io_uring_peek_batch_cqe` + `io_uring_cq_advance`) and
//! the CQE32 extra bytes, attacked from safe code: hostile counts, advancing past what was
//! peeked, managed / tagged / multishot / the crate's own CQEs in the batch (each must reach
//! the in-flight table exactly once, and only at `advance`), the overflow list behind an
//! empty ring, backpressure, and `get32` on rings with and without 32-byte CQEs.

mod common;

#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
use std::io::Write as _;
use std::os::unix::net::UnixStream;
use std::time::Duration;
use system_liburing::op::{Nop, PollAdd};
use system_liburing::{PushError, Ring, SetupFlags};

fn ring(what: &str) -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(8), what)
}

fn user_data(ring: &mut Ring, max: usize) -> Vec<u64> {
    let b = ring.peek_batch(max).unwrap();
    b.iter().map(|c| c.user_data()).collect()
}

/// `n` NOPs with user_data `from..from + n`, submitted and completed.
fn nops(ring: &mut Ring, from: u64, n: u64) {
    for i in from..from + n {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    ring.submit_and_wait(n as u32).unwrap();
}

/// Waits (bounded) until `n` CQEs are ready in the ring.
fn ready(ring: &mut Ring, n: u32) {
    for _ in 0..200 {
        if ring.cq_ready() >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("{n} CQEs never became ready ({} are)", ring.cq_ready());
}

#[test]
fn a_peek_consumes_nothing_and_advance_consumes_in_order() {
    let Some(mut ring) = ring("peek_batch") else {
        return;
    };
    nops(&mut ring, 100, 6);
    assert_eq!(user_data(&mut ring, 16), [100, 101, 102, 103, 104, 105]);
    assert_eq!(user_data(&mut ring, 16), [100, 101, 102, 103, 104, 105]);
    assert_eq!(ring.cq_ready(), 6, "peeking left every CQE in the ring");
    assert_eq!(user_data(&mut ring, 2), [100, 101], "max bounds the batch");
    {
        let mut b = ring.peek_batch(16).unwrap();
        b.advance(0).unwrap();
        assert_eq!(b.len(), 6);
        b.advance(1).unwrap(); // io_uring_cqe_seen
        assert_eq!(b.get(0).unwrap().user_data(), 101);
        b.advance(2).unwrap();
        assert_eq!(
            b.iter().map(|c| c.user_data()).collect::<Vec<_>>(),
            [103, 104, 105]
        );
        assert_eq!(b.get(3), None);
    }
    assert_eq!(ring.cq_ready(), 3);
    assert_eq!(ring.peek().unwrap().unwrap().user_data(), 103);
    let mut b = ring.peek_batch(16).unwrap();
    let n = b.len();
    b.advance(n).unwrap();
    assert!(b.is_empty());
    drop(b);
    assert!(ring.peek().unwrap().is_none());
}

/// Hostile counts: `max` 0 and `usize::MAX`, `advance` past the batch by one and by
/// `usize::MAX`: refused with `InvalidInput`, nothing consumed.
#[test]
fn hostile_counts_are_refused_and_consume_nothing() {
    let Some(mut ring) = ring("peek_batch counts") else {
        return;
    };
    nops(&mut ring, 0, 3);
    assert!(ring.peek_batch(0).unwrap().is_empty());
    let mut b = ring.peek_batch(usize::MAX).unwrap();
    assert_eq!(b.len(), 3);
    for n in [4, usize::MAX] {
        let e = b.advance(n).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "advance({n})");
        assert_eq!(b.len(), 3, "a refused advance({n}) consumed nothing");
    }
    b.advance(2).unwrap();
    assert!(b.advance(2).is_err(), "one left: advance(2) is past it");
    drop(b);
    assert_eq!(ring.cq_ready(), 1);
    assert_eq!(user_data(&mut ring, usize::MAX), [2]);
}

/// A ticketed op's CQE in a batch is not accounted until advanced: `finish` still says
/// "not completed"; after `advance` it finishes, once, and no batch shows the CQE again.
#[test]
fn a_ticketed_cqe_reaches_the_table_only_at_advance() {
    let Some(mut ring) = ring("peek_batch ticket") else {
        return;
    };
    let t = ring.push(Nop::new()).unwrap();
    let token = t.user_data();
    ring.submit_and_wait(1).unwrap();
    let seen = user_data(&mut ring, 4);
    assert_eq!(seen, [token], "a ticketed op's CQE shows its token");
    let t = match ring.finish(t) {
        Ok(_) => panic!("finished from a CQE that was only peeked"),
        Err(e) => e.into_ticket(),
    };
    assert_eq!(ring.in_flight(), 1);
    ring.peek_batch(4).unwrap().advance(1).unwrap();
    assert_eq!(ring.in_flight(), 0);
    match ring.finish(t) {
        Ok(r) => assert_eq!(r.unwrap(), 0, "a NOP's result"),
        Err(_) => panic!("advanced, yet the ticket does not finish"),
    }
    assert!(ring.peek_batch(4).unwrap().is_empty());
    assert!(ring.peek().unwrap().is_none());
}

/// A tagged op shows its tag; peeking does not release it (it can still be taken back
/// with `next_completion`), and advancing past its last CQE releases it, once.
#[test]
fn a_tagged_op_is_released_only_by_advance() {
    let Some(mut ring) = ring("peek_batch tagged") else {
        return;
    };
    ring.push_tagged(Nop::new(), 42).unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(user_data(&mut ring, 4), [42]);
    assert_eq!(user_data(&mut ring, 4), [42]);
    {
        let c = ring.next_completion().unwrap().expect("the peeked CQE");
        assert_eq!(c.user_data(), 42);
        c.output::<Nop>().expect("the op is still there").unwrap();
    }
    assert!(ring.peek_batch(4).unwrap().is_empty());
    ring.push_tagged(Nop::new(), 43).unwrap();
    ring.submit_and_wait(1).unwrap();
    {
        let mut b = ring.peek_batch(4).unwrap();
        assert_eq!(b.get(0).unwrap().user_data(), 43);
        b.advance(1).unwrap();
    }
    assert_eq!(ring.in_flight(), 0, "advance released the tagged op");
    assert!(ring.next_completion().unwrap().is_none());
}

/// A multishot op's CQE gives its stream an item only once advanced, and only one.
#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
#[test]
fn a_multishot_item_appears_at_advance_once() {
    use system_liburing::op::{RecvMulti, Shot};
    let Some(mut ring) = ring("peek_batch multishot") else {
        return;
    };
    let bufs = match ring.register_buf_ring(4, 64, 9) {
        Ok(b) => b,
        Err(e) => {
            common::skip(
                "peek_batch multishot",
                format_args!("no buffer rings ({e})"),
            );
            return;
        }
    };
    let (mut a, b) = UnixStream::pair().unwrap();
    let t = match ring.push(RecvMulti::new(b, &bufs, 0)) {
        Ok(t) => t,
        Err(PushError::Unsupported(..)) => return,
        Err(e) => panic!("{e:?}"),
    };
    ring.submit().unwrap();
    a.write_all(b"one").unwrap();
    ready(&mut ring, 1);
    assert_eq!(ring.peek_batch(4).unwrap().len(), 1);
    assert!(matches!(ring.try_next_shot(&t), Shot::Pending));
    ring.peek_batch(4).unwrap().advance(1).unwrap();
    match ring.try_next_shot(&t) {
        Shot::Item(buf) => assert_eq!(&*buf.unwrap(), b"one"),
        other => panic!("expected the item, got {other:?}"),
    }
    assert!(matches!(ring.try_next_shot(&t), Shot::Pending));
    assert!(ring.peek_batch(4).unwrap().is_empty());
}

/// The overflow list behind an empty ring: a 4-entry ring (8 CQEs) flooded with 100 NOPs
/// and drained by `peek_batch` + `advance` alone, in order; through liburing's flush and the
/// direct one.
#[test]
fn an_empty_ring_with_overflowed_cqes_is_flushed_first() {
    for direct in [false, true] {
        let b = Ring::builder()
            .entries(4)
            .cq_entries(8)
            .force_direct_flush(direct);
        let Some(mut ring) = common::ring_or_skip(b, "peek_batch overflow") else {
            return;
        };
        common::flood(&mut ring, 0, 100);
        let mut next = 0;
        let mut empty = 0;
        while next < 100 {
            let mut b = ring.peek_batch(3).unwrap();
            if b.is_empty() {
                empty += 1;
                assert!(empty < 100, "peek_batch never brought CQE {next} out");
                continue;
            }
            for c in b.iter() {
                assert_eq!(c.user_data(), next, "direct flush: {direct}");
                next += 1;
            }
            let n = b.len();
            b.advance(n).unwrap();
        }
        assert_eq!(empty, 0, "an empty batch while the kernel held CQEs");
        assert!(ring.peek().unwrap().is_none());
    }
}

/// With backpressure, a peeked CQE is still in flight for the count; advancing counts it
/// down.
#[test]
fn backpressure_counts_down_at_advance() {
    let b = Ring::builder().entries(4).cq_entries(8).backpressure(true);
    let Some(mut ring) = common::ring_or_skip(b, "peek_batch backpressure") else {
        return;
    };
    for i in 0..8 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
        if i % 4 == 3 {
            ring.submit().unwrap();
        }
    }
    ring.submit_and_wait(8).unwrap();
    assert!(matches!(
        ring.push_with_user_data(Nop::new(), 8),
        Err(PushError::Backpressure(_))
    ));
    assert_eq!(ring.peek_batch(8).unwrap().len(), 8);
    assert!(
        matches!(
            ring.push_with_user_data(Nop::new(), 8),
            Err(PushError::Backpressure(_))
        ),
        "peeking freed no room"
    );
    ring.peek_batch(8).unwrap().advance(1).unwrap();
    ring.push_with_user_data(Nop::new(), 8).unwrap();
}

/// The crate's own CQEs (here the cancel the async driver sends for a dropped future)
/// never show in a batch, and the cancelled op's CQE is accounted once: after it is
/// advanced past, nothing is in flight and no batch shows anything.
#[test]
fn the_crates_own_cqes_never_show() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let Some(ring) = ring("peek_batch internal") else {
                return;
            };
            let ring = system_liburing::rt::AsyncRing::new(ring).unwrap();
            let (rx, _tx) = UnixStream::pair().unwrap();
            ring.ring()
                .unwrap()
                .push_with_user_data(Nop::new(), 1)
                .unwrap();
            // Queued, then abandoned: the driver (which never runs here: nothing awaits)
            // would reap; instead the crate's own cancel is submitted on the spot. A poll
            // (every liburing has its helper) that nothing makes ready.
            let fut = ring.op(PollAdd::new(rx, libc::POLLIN as u32));
            drop(fut);
            let mut g = ring.ring().unwrap();
            g.submit().unwrap();
            ready(&mut g, 3);
            let mut shown = Vec::new();
            for _ in 0..10 {
                let mut b = g.peek_batch(16).unwrap();
                shown.extend(b.iter().map(|c| (c.user_data(), c.raw_result())));
                let n = b.len();
                b.advance(n).unwrap();
            }
            assert_eq!(shown.len(), 2, "{shown:x?}");
            assert_eq!(shown[0], (1, 0));
            assert!(shown[1].0 >> 63 == 1, "the poll's token: {shown:x?}");
            assert_eq!(shown[1].1, -libc::ECANCELED);
            assert_eq!(g.in_flight(), 0, "the cancelled poll was accounted");
            assert_eq!(g.cq_ready(), 0);
        });
}

/// `get32` on a ring without 32-byte CQEs: `None`, never a read past the 16-byte entry.
#[test]
fn cqe32_access_on_a_normal_ring_is_none() {
    let Some(mut ring) = ring("get32 normal ring") else {
        return;
    };
    nops(&mut ring, 0, 2);
    let b = ring.peek_batch(4).unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!((b.get32(0), b.get32(1), b.get32(2)), (None, None, None));
}

/// The extra 16 bytes on a CQE32 ring, from the ring and from CQEs the crate reaped into its
/// queue while waiting for a ticket (they keep their extras, in order).
#[test]
fn cqe32_extras_survive_the_reaped_queue() {
    let b = Ring::builder().entries(8).setup_flags(SetupFlags::CQE32);
    if !cfg!(liburing_has = "io_uring_register_ring_fd") {
        // liburing before 2.2 maps 16-byte CQEs only: the crate refuses the flag.
        let e = b
            .build()
            .expect_err("CQE32 with a liburing that maps 16-byte CQEs");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
        common::skip("CQE32 extras", format_args!("{e}"));
        return;
    }
    let Some(mut ring) = common::ring_with_feature_or_skip(b, "CQE32 extras") else {
        return;
    };
    // A NOP with IORING_NOP_CQE32 (kernel 6.18) posts sqe->off and sqe->addr as the extras.
    let nop32 = |ring: &mut Ring, data: u64, extra: [u64; 2]| {
        // SAFETY: a NOP names no memory; `data` has bit 63 clear; the words written are the
        // SQE's off (8), addr (16) and op_flags (28: nop_flags).
        unsafe {
            let mut sqe = ring.get_sqe().unwrap();
            sqe.prep_nop();
            sqe.set_data64(data);
            let w = sqe.as_mut_ptr().cast::<u64>();
            w.add(1).write(extra[0]);
            w.add(2).write(extra[1]);
            w.cast::<u32>().add(7).write(1 << 5);
        }
    };
    nop32(&mut ring, 1, [11, 12]);
    ring.submit_and_wait(1).unwrap();
    {
        let b = ring.peek_batch(1).unwrap();
        let c = b.get32(0).unwrap();
        match (c.cqe().result(), c.extra()) {
            (Err(e), _) => {
                common::skip("CQE32 extras", format_args!("no IORING_NOP_CQE32 ({e})"));
                return;
            }
            (Ok(_), [0, 0]) => {
                common::skip(
                    "CQE32 extras",
                    format_args!("this kernel ignores IORING_NOP_CQE32 (6.18)"),
                );
                return;
            }
            (Ok(_), extra) => assert_eq!(extra, [11, 12]),
        }
    }
    ring.peek_batch(1).unwrap().advance(1).unwrap();
    // Two raw CQEs before a ticketed NOP and one after: wait_for reaps the first two into
    // its queue.
    nop32(&mut ring, 2, [21, 22]);
    nop32(&mut ring, 3, [31, 32]);
    let t = ring.push(Nop::new()).unwrap();
    ring.submit().unwrap();
    nop32(&mut ring, 4, [41, 42]);
    ring.submit_and_wait(1).unwrap();
    ready(&mut ring, 4);
    ring.wait_for(t).unwrap().unwrap();
    let b = ring.peek_batch(8).unwrap();
    let got: Vec<(u64, [u64; 2])> = (0..b.len())
        .map(|i| b.get32(i).unwrap())
        .map(|c| (c.cqe().user_data(), c.extra()))
        .collect();
    assert_eq!(got, [(2, [21, 22]), (3, [31, 32]), (4, [41, 42])]);
}

/// Split halves: the submitter pushes tagged ops on another thread while the completer
/// peeks and advances (the table is reached under its lock); every op is released once.
#[test]
fn split_halves_peek_and_advance_under_the_lock() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(16), "peek_batch split")
    else {
        return;
    };
    const N: u64 = 2000;
    let (mut sq, mut cq) = ring.split();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut i = 0;
            while i < N {
                match sq.push_tagged(Nop::new(), i) {
                    Ok(()) => i += 1,
                    Err(_) => {
                        sq.submit().unwrap();
                    }
                }
            }
            sq.submit().unwrap();
        });
        let mut next = 0;
        while next < N {
            let mut b = cq.peek_batch(7).unwrap();
            for c in b.iter() {
                assert_eq!(c.user_data(), next);
                next += 1;
            }
            let n = b.len();
            b.advance(n).unwrap();
        }
    });
    assert_eq!(ring.in_flight(), 0);
}
