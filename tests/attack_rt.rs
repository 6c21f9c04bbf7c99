//! Attack reproducers on the tokio layer (`rt::AsyncRing`), kept as regression tests once
//! fixed. Safe code only.

// The tests gated on ops the linked liburing lacks are compiled out (tests/unavailable_ops.rs
// reports those ops), leaving some of what they share unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_write",
        liburing_has = "io_uring_prep_poll_multishot"
    )),
    allow(unused_imports, dead_code)
)]

mod common;

use std::io::{Read as _, Write as _};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;
use system_liburing::op::Nop;
#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
use system_liburing::op::PollMulti;
#[cfg(liburing_has = "io_uring_prep_write")]
use system_liburing::op::Write;
use system_liburing::rt::AsyncRing;
use system_liburing::Ring;

/// Runs `f` on a current-thread runtime: the driver task runs only when the test yields.
fn block_on(f: impl std::future::Future<Output = ()>) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn async_ring(what: &str) -> Option<AsyncRing> {
    let ring = common::ring_or_skip(Ring::builder().entries(8), what)?;
    Some(AsyncRing::new(ring).unwrap())
}

/// Regression (was: lost completion): `AsyncRing::op` pushes, then submits; when the submit fails
/// (here `EAGAIN`, injected at the crate's syscall seam, as `io_uring_enter` returns under
/// memory pressure; `EEXIST` on a `SINGLE_ISSUER` ring polled from another worker) it drops
/// the ticket and the future resolves to `Err` — documented as "the op never reached the
/// kernel". But the SQE stays queued, and the next `op()`'s submit performs it: the write
/// happens after the caller was told it did not, and its result and buffer are lost.
#[cfg(liburing_has = "io_uring_prep_write")]
#[test]
fn a_failed_submit_in_op_is_not_a_write_that_never_happened() {
    use system_liburing::fault::{self, Site};
    block_on(async {
        let Some(ring) = async_ring("rt submit fault") else {
            return;
        };
        let (mut rx, tx) = UnixStream::pair().unwrap();
        fault::inject(Site::Enter, libc::EAGAIN, 1);
        let first = ring.op(Write::new(tx, b"once".to_vec(), 0)).await;
        fault::clear();
        let Err(e) = first else {
            return; // fixed: the op was submitted after all
        };
        // Any later op submits the queued write too.
        ring.op(Nop::new()).await.unwrap().unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut got = [0u8; 4];
        let wrote = rx.read_exact(&mut got).is_ok();
        assert!(
            !wrote,
            "the future said {e:?} (never reached the kernel), yet the peer received {:?}",
            String::from_utf8_lossy(&got)
        );
    });
}

/// Regression (was: lost completion / leak): a dropped `OpFuture` of a multishot op (or a zero-copy
/// send: its first CQE carries `F_MORE` too) is put in `abandoned` and freed "when its CQE
/// arrives" — but `reap` removes the token from `abandoned` at the *first* CQE it sees for
/// it. If an `F_MORE` CQE was posted before the drop and reaped after it, the final CQE
/// finds nothing to discard: the op stays in the table until the ring is dropped, with what
/// it holds (here the socket, which the peer therefore never sees closed; for a
/// `RecvMulti`, the buffers it received, which never go back to their `BufRing`).
#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
#[test]
fn a_dropped_multishot_future_is_freed_at_its_last_cqe() {
    block_on(async {
        let Some(ring) = async_ring("rt abandoned multishot") else {
            return;
        };
        let (rx, mut tx) = UnixStream::pair().unwrap();
        tx.write_all(b"x").unwrap(); // readable at once: the poll posts an F_MORE CQE
        let rx = Arc::new(rx);
        let fut = ring.op(PollMulti::new(rx.clone(), libc::POLLIN as u32));
        // Give the kernel time to post the F_MORE CQE; the driver task has not run yet.
        std::thread::sleep(Duration::from_millis(50));
        drop(fut); // abandoned + AsyncCancel: the cancel posts the final CQE
                   // Let the driver reap everything (the F_MORE CQE, the cancel's, the final one).
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            ring.op(Nop::new()).await.unwrap().unwrap();
        }
        assert_eq!(
            Arc::strong_count(&rx),
            1,
            "the cancelled poll's op still holds the socket after its last CQE was reaped"
        );
    });
}

/// Control for the finding above (holds today): a multishot future dropped before any of
/// its CQEs was posted is freed when its last CQE (the cancel's `ECANCELED`) is reaped.
#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
#[test]
fn a_dropped_multishot_future_with_nothing_posted_is_freed() {
    block_on(async {
        let Some(ring) = async_ring("rt abandoned multishot, control") else {
            return;
        };
        let (rx, _tx) = UnixStream::pair().unwrap();
        let rx = Arc::new(rx);
        let fut = ring.op(PollMulti::new(rx.clone(), libc::POLLIN as u32));
        std::thread::sleep(Duration::from_millis(50));
        drop(fut);
        for _ in 0..20 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            ring.op(Nop::new()).await.unwrap().unwrap();
            if Arc::strong_count(&rx) == 1 {
                return;
            }
        }
        panic!("the cancelled poll's op still holds the socket");
    });
}
