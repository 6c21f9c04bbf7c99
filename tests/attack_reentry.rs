//! A user type held by an op whose drop uses the same ring again: the crate drops finished
//! ops (orphans, tagged ops, completions nobody took back) while it works on the in-flight
//! table, which the halves of a split ring share under a lock. A drop that pushes on the
//! split ring's submitter (or reaps on its completer) from there took that lock a second
//! time on the same thread: a deadlock. Ops are now dropped after the lock is let go.
//!
//! Each scenario runs on a thread of its own, watched: one that never finishes fails the
//! test after a generous bound (a hang detector, not a timing assertion: a run that works
//! finishes in milliseconds).

mod common;

#[cfg(liburing_has = "io_uring_prep_read")]
mod reentry {
    use super::common;
    use std::cell::{Cell, RefCell};
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::Duration;
    use system_liburing::op::{Nop, Read};
    use system_liburing::Ticket;
    use system_liburing::{Completer, Ring, Submitter};

    thread_local! {
        /// The halves of the split ring this thread drives, reachable from a drop (safe code
        /// can do this with a ring leaked to `'static`; the test frees it at the end).
        static SUB: RefCell<Option<Submitter<'static>>> = const { RefCell::new(None) };
        static COMP: RefCell<Option<Completer<'static>>> = const { RefCell::new(None) };
        /// The NOPs drops on this thread pushed (managed: the push takes the table's lock).
        static PUSHED: RefCell<Vec<Ticket<Nop>>> = const { RefCell::new(Vec::new()) };
        /// How many drops on this thread reaped on the completer.
        static REAPED: Cell<usize> = const { Cell::new(0) };
    }

    /// A file whose drop queues a NOP on the thread's submitter, or peeks at its completer,
    /// whichever is not in use by the caller right now.
    #[derive(Debug)]
    struct UsesRingOnDrop(OwnedFd);

    impl AsFd for UsesRingOnDrop {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.0.as_fd()
        }
    }

    impl Drop for UsesRingOnDrop {
        fn drop(&mut self) {
            SUB.with(|s| {
                if let Ok(mut s) = s.try_borrow_mut() {
                    if let Some(sub) = s.as_mut() {
                        let t = sub.push(Nop::new()).expect("room for one NOP");
                        sub.submit().expect("submit");
                        PUSHED.with(|p| p.borrow_mut().push(t));
                    }
                }
            });
            COMP.with(|c| {
                if let Ok(mut c) = c.try_borrow_mut() {
                    if let Some(comp) = c.as_mut() {
                        // Whatever it finds stays accounted: only the lock is the point here.
                        while let Ok(Some(_)) = comp.peek() {}
                        REAPED.set(REAPED.get() + 1);
                    }
                }
            });
        }
    }

    fn read() -> Read<UsesRingOnDrop, Vec<u8>> {
        let null: OwnedFd = std::fs::File::open("/dev/null").unwrap().into();
        Read::new(UsesRingOnDrop(null), vec![0u8; 8], 0)
    }

    fn push<T>(f: impl FnOnce(&mut Submitter<'static>) -> T) -> T {
        SUB.with(|s| f(s.borrow_mut().as_mut().unwrap()))
    }

    fn comp<T>(f: impl FnOnce(&mut Completer<'static>) -> T) -> T {
        COMP.with(|c| f(c.borrow_mut().as_mut().unwrap()))
    }

    /// Waits on the completer until a CQE with `user_data` shows up.
    fn wait_for_user_data(user_data: u64) {
        loop {
            let c = comp(|c| c.wait()).unwrap();
            if c.user_data() == user_data {
                return;
            }
        }
    }

    /// Reaps until the NOP that a drop pushed has completed (the drop itself runs in one of
    /// these reaps, or ran before), and finishes it.
    fn wait_for_the_nop_pushed_by_the_drop() {
        let mut seen = Vec::new();
        loop {
            let pushed = PUSHED.with(|p| p.borrow().last().map(|t| t.user_data()));
            if pushed.is_some_and(|nop| seen.contains(&nop)) {
                break;
            }
            seen.push(comp(|c| c.wait()).unwrap().user_data());
        }
        drop(PUSHED.with(|p| p.borrow_mut().pop()));
    }

    /// Runs `scenario` on a split ring (its halves in this thread's `SUB` / `COMP`) on a
    /// watched thread; fails if it does not finish. The ring is freed afterwards.
    fn watched(what: &'static str, scenario: fn()) {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let scenario_thread = std::thread::spawn(move || {
            let Some(ring) = common::ring_or_skip(Ring::builder().entries(8), what) else {
                done_tx.send(()).unwrap();
                return;
            };
            let raw = Box::into_raw(Box::new(ring));
            // SAFETY: `raw` is a live, unique box; the halves made from this borrow are put
            // back into the thread-locals and dropped below before the box is freed.
            let (sub, comp) = unsafe { &mut *raw }.split();
            SUB.with(|s| *s.borrow_mut() = Some(sub));
            COMP.with(|c| *c.borrow_mut() = Some(comp));
            scenario();
            SUB.with(|s| s.borrow_mut().take());
            COMP.with(|c| c.borrow_mut().take());
            // SAFETY: made by Box::into_raw above; no borrow of it is left (both halves
            // were dropped just above).
            drop(unsafe { Box::from_raw(raw) });
            done_tx.send(()).unwrap();
        });
        // A hang detector: the scenario takes milliseconds; a deadlock never ends.
        match done_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(()) => scenario_thread.join().unwrap(),
            Err(RecvTimeoutError::Disconnected) => {
                // The scenario failed: its own panic is the test's.
                if let Err(e) = scenario_thread.join() {
                    std::panic::resume_unwind(e);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("{what}: deadlocked (a drop the ring ran used the same ring)")
            }
        }
    }

    /// A ticket dropped before its CQE: the op is dropped when the completer reaps that CQE.
    #[test]
    fn an_orphan_dropped_at_its_cqe_may_push_on_the_submitter() {
        watched("orphan at its CQE", || {
            let t = push(|s| {
                let t = s.push(read()).unwrap();
                s.submit().unwrap();
                t
            });
            drop(t);
            wait_for_the_nop_pushed_by_the_drop();
        });
    }

    /// A ticket dropped after its CQE was reaped: the op is dropped at the next reap.
    #[test]
    fn an_orphan_dropped_at_the_next_reap_may_push_on_the_submitter() {
        watched("orphan at the next reap", || {
            let t = push(|s| {
                let t = s.push(read()).unwrap();
                s.submit().unwrap();
                t
            });
            wait_for_user_data(t.user_data());
            drop(t);
            wait_for_the_nop_pushed_by_the_drop();
        });
    }

    /// A tagged op is dropped as its last CQE leaves through `peek`/`wait`.
    #[test]
    fn a_tagged_op_dropped_at_delivery_may_push_on_the_submitter() {
        watched("tagged op at delivery", || {
            push(|s| {
                s.push_tagged(read(), 7).unwrap();
                s.submit().unwrap();
            });
            wait_for_user_data(7);
            wait_for_the_nop_pushed_by_the_drop();
        });
    }

    /// A completion nobody took the op back from drops it.
    #[test]
    fn a_dropped_completion_may_push_on_the_submitter() {
        watched("dropped completion", || {
            push(|s| {
                s.push_tagged(read(), 8).unwrap();
                s.submit().unwrap();
            });
            let tag = comp(|c| c.wait_completion().map(|c| c.user_data())).unwrap();
            assert_eq!(tag, 8);
            wait_for_the_nop_pushed_by_the_drop();
        });
    }

    /// The submitter drops the orphans it finds when it pushes: a drop may reap on the
    /// completer then.
    #[test]
    fn an_orphan_dropped_at_a_push_may_reap_on_the_completer() {
        watched("orphan at a push", || {
            let before = REAPED.get();
            let t = push(|s| {
                let t = s.push(read()).unwrap();
                s.submit().unwrap();
                t
            });
            wait_for_user_data(t.user_data());
            // A CQE waiting in the ring, for the drop's reap to find.
            let waiting = push(|s| {
                let w = s.push(Nop::new()).unwrap();
                s.submit_and_wait(1).unwrap();
                w
            });
            drop(t);
            let nop = push(|s| s.push(Nop::new())).unwrap();
            assert_eq!(REAPED.get(), before + 1);
            push(|s| s.submit()).unwrap();
            wait_for_user_data(nop.user_data());
            drop((nop, waiting));
        });
    }
}

/// The same with [`AsyncRing`](system_liburing::rt::AsyncRing): its driver reaps (and so
/// drops released ops) with the ring locked; a drop that queued an op on the same
/// `AsyncRing` waited for that lock for ever. It now gets an error (`WouldBlock`) at once.
#[cfg(liburing_has = "io_uring_prep_read")]
mod async_reentry {
    use super::common;
    use std::future::Future;
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
    use std::sync::{Arc, Weak};
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;
    use system_liburing::op::{Nop, Read};
    use system_liburing::rt::AsyncRing;
    use system_liburing::Ring;

    /// A pipe end whose drop queues a NOP on the `AsyncRing` the op ran on, then asks for
    /// the ring itself, and reports what each gave.
    #[derive(Debug)]
    struct QueuesOnDrop {
        fd: OwnedFd,
        ring: Weak<AsyncRing>,
        report: Sender<(std::io::ErrorKind, std::io::ErrorKind)>,
    }

    impl AsFd for QueuesOnDrop {
        fn as_fd(&self) -> BorrowedFd<'_> {
            self.fd.as_fd()
        }
    }

    impl Drop for QueuesOnDrop {
        fn drop(&mut self) {
            let Some(ring) = self.ring.upgrade() else {
                return;
            };
            let mut nop = std::pin::pin!(ring.op(Nop::new()));
            let mut cx = Context::from_waker(Waker::noop());
            // Queued: Pending (the driver runs later); refused: the error at once.
            let kind = match nop.as_mut().poll(&mut cx) {
                Poll::Ready(Err(e)) => e.kind(),
                _ => std::io::ErrorKind::Other,
            };
            // The ring's lock is this thread's already: an error, not a wait for ever.
            let guard = match ring.ring() {
                Err(e) => e.kind(),
                Ok(_) => std::io::ErrorKind::Other,
            };
            let _ = self.report.send((kind, guard));
        }
    }

    fn scenario(report: Sender<(std::io::ErrorKind, std::io::ErrorKind)>, done: Sender<()>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let Some(ring) = common::ring_or_skip(Ring::builder().entries(8), "async reentry")
            else {
                let _ = report.send((
                    std::io::ErrorKind::WouldBlock,
                    std::io::ErrorKind::WouldBlock,
                ));
                return;
            };
            let ring = Arc::new(AsyncRing::new(ring).unwrap());
            let (rx, _tx) = common::pipe();
            let held = QueuesOnDrop {
                fd: rx.into(),
                ring: Arc::downgrade(&ring),
                report,
            };
            // A read that waits for data no one writes, dropped in flight: cancelled, and
            // released (its pipe end dropped) when the driver reaps its CQE.
            let read = ring.op(Read::new(held, vec![0u8; 8], 0));
            tokio::time::sleep(Duration::from_millis(1)).await;
            drop(read);
            // The driver reaps the cancel's CQE and the read's; one more op to wait on.
            ring.op(Nop::new()).await.unwrap().unwrap();
        });
        let _ = done.send(());
    }

    #[test]
    fn a_drop_run_by_the_driver_that_queues_an_op_gets_an_error() {
        type Kinds = (std::io::ErrorKind, std::io::ErrorKind);
        let (report_tx, report_rx): (_, Receiver<Kinds>) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || scenario(report_tx, done_tx));
        // A hang detector: the scenario takes milliseconds; a deadlock never ends.
        match report_rx.recv_timeout(Duration::from_secs(120)) {
            Ok((op, guard)) => {
                assert_eq!(op, std::io::ErrorKind::WouldBlock, "op from the drop");
                assert_eq!(
                    guard,
                    std::io::ErrorKind::WouldBlock,
                    "ring() from the drop"
                );
            }
            Err(RecvTimeoutError::Disconnected) => {
                if let Err(e) = thread.join() {
                    std::panic::resume_unwind(e);
                }
                panic!("the pipe end was never dropped");
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("deadlocked: a drop the driver ran used the same AsyncRing")
            }
        }
        match done_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(()) => thread.join().unwrap(),
            Err(RecvTimeoutError::Disconnected) => {
                if let Err(e) = thread.join() {
                    std::panic::resume_unwind(e);
                }
            }
            Err(RecvTimeoutError::Timeout) => panic!("the scenario did not finish"),
        }
    }
}
