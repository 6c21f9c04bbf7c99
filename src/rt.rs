//! Async integration with tokio (cargo feature `tokio`): the ring's completions drive
//! futures through an eventfd registered with the ring and watched by tokio's `AsyncFd`.
//! One driver task reaps on readiness: no busy polling, no extra thread.
//!
//! ```no_run
//! # #[cfg(liburing_has = "io_uring_prep_read")]
//! # async fn demo() -> std::io::Result<()> {
//! use system_liburing::{op, rt::AsyncRing, Ring};
//! let ring = AsyncRing::new(Ring::new(64)?)?;
//! let file = std::fs::File::open("/etc/hostname")?;
//! let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
//! let (n, buf) = ring.op(op::Read::new(fd, Vec::with_capacity(64), 0)).await?;
//! println!("{} bytes: {:?}", n?, String::from_utf8_lossy(&buf));
//! # Ok(()) }
//! ```
//!
//! Dropping an op's future before it completes keeps the op's buffers alive until its CQE
//! arrives (the op is also cancelled), then frees them: no memory the kernel may write is
//! released early. Use a ring without `SINGLE_ISSUER` / `DEFER_TASKRUN` on a multi-threaded
//! runtime: futures may submit from any worker thread.

use crate::op::Op;
use crate::{PushError, Ring, Ticket};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use tokio::io::unix::AsyncFd;

struct State {
    ring: Ring,
    /// Tasks waiting for a managed op, by token.
    wakers: HashMap<u64, Waker>,
    /// Ops whose future was dropped: freed when their CQE arrives.
    abandoned: HashSet<u64>,
}

/// A [`Ring`] driven by the tokio runtime it was created in.
pub struct AsyncRing {
    state: Arc<Mutex<State>>,
    driver: tokio::task::JoinHandle<()>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl AsyncRing {
    /// Registers an eventfd with `ring` and spawns the driver task on the current tokio
    /// runtime (call it from within one).
    pub fn new(mut ring: Ring) -> io::Result<AsyncRing> {
        // SAFETY: eventfd has no pointer arguments; the result is checked.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh fd that nothing else owns.
        let efd = unsafe { OwnedFd::from_raw_fd(raw) };
        ring.register_eventfd(efd.as_fd())?;
        // SAFETY: an OwnedFd is open and reports the same fd until the AsyncFd drops it.
        let afd = unsafe { AsyncFd::register_with_interest(efd, tokio::io::Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        let state = Arc::new(Mutex::new(State {
            ring,
            wakers: HashMap::new(),
            abandoned: HashSet::new(),
        }));
        let driver = tokio::spawn(drive(Arc::downgrade(&state), afd));
        Ok(AsyncRing { state, driver })
    }

    /// Submits `op` now and returns a future of its output (the result and the buffers).
    pub fn op<O: Op>(&self, op: O) -> OpFuture<O> {
        let mut st = lock(&self.state);
        let mut op = op;
        let ticket = loop {
            match st.ring.push(op) {
                Ok(t) => break Ok(t),
                Err(PushError::SqFull(back)) => {
                    op = back;
                    if let Err(e) = st.ring.submit() {
                        break Err(e);
                    }
                }
                Err(e) => break Err(io::Error::from(e)),
            }
        };
        let (ticket, error) = match ticket.and_then(|t| st.ring.submit().map(|_| t)) {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e)),
        };
        OpFuture {
            state: self.state.clone(),
            ticket,
            error,
        }
    }
}

impl Drop for AsyncRing {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Reaps everything the ring has, waking the futures whose op completed.
fn reap(st: &mut State) {
    loop {
        let cqe = match st.ring.peek() {
            Ok(Some(c)) => c,
            // Nothing more, or an error the next op's future will not see: stop this round.
            Ok(None) | Err(_) => return,
        };
        let token = cqe.user_data();
        if let Some(w) = st.wakers.remove(&token) {
            w.wake();
        }
        if st.abandoned.remove(&token) {
            st.ring.discard_done(token);
        }
    }
}

async fn drive(state: Weak<Mutex<State>>, afd: AsyncFd<OwnedFd>) {
    loop {
        match state.upgrade() {
            Some(s) => reap(&mut lock(&s)),
            None => return,
        }
        let Ok(mut guard) = afd.readable().await else {
            return;
        };
        let mut counter = [0u8; 8];
        // SAFETY: an 8-byte buffer for the eventfd counter; EAGAIN just means it was read.
        unsafe { libc::read(afd.get_ref().as_raw_fd(), counter.as_mut_ptr().cast(), 8) };
        guard.clear_ready();
    }
}

/// The future of one op submitted through [`AsyncRing::op`].
#[must_use = "futures do nothing unless awaited; dropping it cancels the op"]
pub struct OpFuture<O: Op> {
    state: Arc<Mutex<State>>,
    ticket: Option<Ticket<O>>,
    error: Option<io::Error>,
}

impl<O: Op> Future for OpFuture<O> {
    /// `Err` when the op never reached the kernel (it could not be queued or submitted);
    /// otherwise the op's own output (its result, and its buffers).
    type Output = io::Result<O::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(e) = this.error.take() {
            return Poll::Ready(Err(e));
        }
        let Some(ticket) = this.ticket.take() else {
            return Poll::Ready(Err(io::Error::other("OpFuture polled after completion")));
        };
        let mut st = lock(&this.state);
        match st.ring.finish(ticket) {
            Ok(out) => Poll::Ready(Ok(out)),
            Err(e) => {
                let t = e.into_ticket();
                st.wakers.insert(t.user_data(), cx.waker().clone());
                this.ticket = Some(t);
                Poll::Pending
            }
        }
    }
}

impl<O: Op> Drop for OpFuture<O> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let mut st = lock(&self.state);
        let token = ticket.user_data();
        st.wakers.remove(&token);
        if st.ring.finish(ticket).is_err() {
            // Still in flight: keep its memory until the CQE, and ask the kernel to stop.
            st.abandoned.insert(token);
            if st.ring.submitter().push_cancel_internal(token) {
                let _ = st.ring.submit();
            }
        }
    }
}
