//! Async integration with tokio (cargo feature `tokio`): the ring's completions drive
//! futures and streams through an eventfd registered with the ring and watched by tokio's
//! `AsyncFd`. One driver task submits and reaps: no busy polling, no extra thread.
//!
//! ```
//! # #[cfg(liburing_has = "io_uring_prep_read")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use system_liburing::{op, rt::AsyncRing, Ring};
//! let ring = AsyncRing::new(Ring::new(64)?)?;
//! let file = std::fs::File::open("/proc/self/stat")?;
//! let (n, _file, buf) = ring.op(op::Read::new(file, Vec::with_capacity(64), 0)).await?;
//! assert_eq!(n?, buf.len());
//! # Ok(()) }
//! # #[cfg(not(liburing_has = "io_uring_prep_read"))]
//! # fn main() {}
//! ```
//!
//! **Submission batches per runtime tick.** [`AsyncRing::op`] and
//! [`AsyncRing::multishot`] only queue the SQE (a full SQ is submitted on the spot) and wake
//! the driver task; the driver submits everything queued when the runtime next polls it, so
//! all ops queued by the tasks of one tick reach the kernel in one `io_uring_enter`.
//!
//! **Drops.** Dropping an op's future (or a stream) before its last completion cancels the
//! op and keeps its buffers and files alive until that completion arrives, then releases
//! them: no memory the kernel may write is released early.
//!
//! **The ring stays reachable**: [`AsyncRing::ring`] locks it for registration and
//! anything else `Ring` offers.
//!
//! **Runtimes and panics.** [`AsyncRing::new`] returns an error (never panics) outside a
//! tokio runtime; it panics, as tokio's `AsyncFd` does, inside a runtime built without
//! `enable_io`. The driver may run on any worker thread of a multi-threaded runtime, so use
//! a ring without `SINGLE_ISSUER` / `DEFER_TASKRUN` there.

use crate::op::{Multishot, Op, Shot};
use crate::{PushError, Ring, Ticket};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Waker};
use tokio::io::unix::AsyncFd;

struct State {
    ring: Ring,
    /// Tasks waiting for a managed op's CQE, by token.
    wakers: HashMap<u64, Waker>,
    /// The driver task, to wake when SQEs were queued.
    driver: Option<Waker>,
    /// SQEs queued since the driver last submitted.
    queued: bool,
}

/// A [`Ring`] driven by the tokio runtime it was created in.
pub struct AsyncRing {
    state: Arc<Mutex<State>>,
    driver: tokio::task::JoinHandle<()>,
}

thread_local! {
    /// The states whose lock this thread holds. The ring runs user code while its state is
    /// locked — the drop of an op's file or buffer type, when the op is released — and that
    /// code may use the same [`AsyncRing`] again: locking it a second time would deadlock.
    static HELD: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A locked state, listed in [`HELD`] while it lives.
struct Locked<'a> {
    guard: MutexGuard<'a, State>,
    key: usize,
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        HELD.with(|h| {
            let mut h = h.borrow_mut();
            if let Some(at) = h.iter().rposition(|&k| k == self.key) {
                h.remove(at);
            }
        });
    }
}

impl std::ops::Deref for Locked<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

/// Whether this thread holds `state`'s lock already (user code the ring runs under it).
fn held(state: &Mutex<State>) -> bool {
    let key = std::ptr::from_ref(state) as usize;
    HELD.with(|h| h.borrow().contains(&key))
}

/// Locks `state`. Callers that code run under the lock may reach first check [`held`].
fn lock(state: &Mutex<State>) -> Locked<'_> {
    let guard = state.lock().unwrap_or_else(|p| p.into_inner());
    let key = std::ptr::from_ref(state) as usize;
    HELD.with(|h| h.borrow_mut().push(key));
    Locked { guard, key }
}

/// The error of an op queued from code the ring runs while it is locked (an op's value
/// dropped by the ring): queuing it would wait for the lock this thread holds.
fn reentered() -> io::Error {
    io::Error::new(
        io::ErrorKind::WouldBlock,
        "AsyncRing used from code the ring is running (the drop of an op's file or buffer, \
         released while the ring is locked): use the ring once that drop has returned",
    )
}

/// The ring inside an [`AsyncRing`], locked: register files and buffers, read its flags...
/// The driver waits while it is held; don't hold it across an `.await`.
pub struct RingGuard<'a>(Locked<'a>);

impl std::ops::Deref for RingGuard<'_> {
    type Target = Ring;
    fn deref(&self) -> &Ring {
        &self.0.ring
    }
}

impl std::ops::DerefMut for RingGuard<'_> {
    fn deref_mut(&mut self) -> &mut Ring {
        &mut self.0.ring
    }
}

impl AsyncRing {
    /// Registers an eventfd with `ring` and spawns the driver task on the current tokio
    /// runtime. Outside a runtime: an error of kind `Other`.
    pub fn new(mut ring: Ring) -> io::Result<AsyncRing> {
        let handle = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
        // SAFETY: eventfd has no pointer arguments; the result is checked.
        let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh fd that nothing else owns.
        let efd = unsafe { OwnedFd::from_raw_fd(raw) };
        ring.register_eventfd(efd.as_fd())?;
        let afd = {
            let _enter = handle.enter();
            // SAFETY: an OwnedFd is open and reports the same fd until the AsyncFd drops it.
            unsafe { AsyncFd::register_with_interest(efd, tokio::io::Interest::READABLE) }
                .map_err(|e| e.into_parts().1)?
        };
        let state = Arc::new(Mutex::new(State {
            ring,
            wakers: HashMap::new(),
            driver: None,
            queued: false,
        }));
        let driver = handle.spawn(drive(Arc::downgrade(&state), afd));
        Ok(AsyncRing { state, driver })
    }

    /// The ring, locked (registration after wrapping, flags, sizes...).
    ///
    /// # Errors
    /// `WouldBlock` when called from code the ring runs while it is locked — the drop of a
    /// file or buffer type an op holds, which runs when the ring releases the op — as that
    /// lock is this one: waiting for it would wait for ever. [`op`](Self::op) and
    /// [`multishot`](Self::multishot) fail there the same way, and dropping a future or
    /// stream there skips the cancel (the op is still released at its last completion).
    pub fn ring(&self) -> io::Result<RingGuard<'_>> {
        if held(&self.state) {
            return Err(reentered());
        }
        Ok(RingGuard(lock(&self.state)))
    }

    /// Queues `op` and returns a future of its output (the result, then its buffers and
    /// files). The SQE reaches the kernel when the driver next runs (see the module docs).
    pub fn op<O: Op>(&self, op: O) -> OpFuture<O> {
        let (ticket, error) = match self.queue(op) {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e)),
        };
        OpFuture {
            state: self.state.clone(),
            ticket,
            error,
        }
    }

    /// Queues a multishot `op` (multishot accept, recv from a buffer ring, poll...) and
    /// returns the stream of its items; the stream ends after the op's last CQE. Dropping
    /// the stream cancels the op.
    pub fn multishot<O: Multishot>(&self, op: O) -> ShotStream<O> {
        let (ticket, error) = match self.queue(op) {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e)),
        };
        ShotStream {
            state: self.state.clone(),
            ticket,
            error,
        }
    }

    /// Pushes an op (submitting on the spot when the SQ is full) and wakes the driver.
    fn queue<O: Op>(&self, op: O) -> io::Result<Ticket<O>> {
        if held(&self.state) {
            return Err(reentered());
        }
        let mut st = lock(&self.state);
        let mut op = op;
        let ticket = loop {
            match st.ring.push(op) {
                Ok(t) => break t,
                Err(PushError::SqFull(back)) => {
                    op = back;
                    st.ring.submit()?;
                }
                Err(e) => return Err(io::Error::from(e)),
            }
        };
        st.queued = true;
        if let Some(w) = st.driver.take() {
            w.wake();
        }
        Ok(ticket)
    }
}

impl Drop for AsyncRing {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Submits what was queued and reaps everything the ring has, waking the tasks whose op got
/// a CQE.
fn turn(st: &mut State) {
    if std::mem::take(&mut st.queued) {
        // An error here reaches no future directly: the ops stay queued (the kernel did
        // not take them) and the next turn submits again.
        if st.ring.submit().is_err() {
            st.queued = true;
        }
    }
    loop {
        let cqe = match st.ring.peek() {
            Ok(Some(c)) => c,
            // Nothing more, or an error the next op's future will not see: stop this round.
            Ok(None) | Err(_) => return,
        };
        if let Some(w) = st.wakers.remove(&cqe.user_data()) {
            w.wake();
        }
    }
}

async fn drive(state: Weak<Mutex<State>>, afd: AsyncFd<OwnedFd>) {
    loop {
        match state.upgrade() {
            Some(s) => turn(&mut lock(&s)),
            None => return,
        }
        // Wait for a CQE (the eventfd) or for SQEs queued by an op (a wake-up).
        let ready = std::future::poll_fn(|cx| {
            if let Some(s) = state.upgrade() {
                let mut st = lock(&s);
                if st.queued {
                    return Poll::Ready(Ok(false));
                }
                st.driver = Some(cx.waker().clone());
            }
            match afd.poll_read_ready(cx) {
                Poll::Ready(Ok(mut guard)) => {
                    guard.clear_ready();
                    Poll::Ready(Ok(true))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        })
        .await;
        match ready {
            Ok(true) => {
                let mut counter = [0u8; 8];
                // SAFETY: an 8-byte buffer for the eventfd counter; EAGAIN just means it was
                // read already.
                unsafe { libc::read(afd.get_ref().as_raw_fd(), counter.as_mut_ptr().cast(), 8) };
            }
            Ok(false) => {}
            Err(_) => return,
        }
    }
}

/// Cancels an op whose future or stream is dropped (its ticket, dropped after this, keeps
/// its memory until the last CQE).
fn abandon(st: &mut State, token: u64) {
    st.wakers.remove(&token);
    // The crate's own cancel (user_data INTERNAL: its CQE reaches no one), written
    // directly, so it exists with every liburing release.
    if st.ring.submitter().push_cancel_internal(token) {
        // Submitted on the spot, not at the driver's next turn: once the future is gone the
        // op must stop taking data (a read meant for the next op, say) as soon as it can.
        // A failure leaves the cancel queued for the driver.
        if st.ring.submit().is_err() {
            st.queued = true;
            if let Some(w) = st.driver.take() {
                w.wake();
            }
        }
    }
}

/// The future of one op queued with [`AsyncRing::op`].
#[must_use = "futures do nothing unless awaited; dropping it cancels the op"]
pub struct OpFuture<O: Op> {
    state: Arc<Mutex<State>>,
    ticket: Option<Ticket<O>>,
    error: Option<io::Error>,
}

impl<O: Op> Future for OpFuture<O> {
    /// `Err` when the op never reached the kernel (it could not be queued or submitted);
    /// otherwise the op's own output (its result, then its buffers and files).
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
        if held(&self.state) {
            // Dropped by code the ring runs while locked: no cancel (that needs the lock);
            // the ticket, dropped, still releases the op at its last CQE.
            return;
        }
        let mut st = lock(&self.state);
        if let Err(e) = st.ring.finish(ticket) {
            // Still in flight: cancel it; the dropped ticket releases its memory at its CQE.
            abandon(&mut st, e.into_ticket().user_data());
        }
    }
}

/// The items of a multishot op queued with [`AsyncRing::multishot`], as a
/// [`futures_core::Stream`]: one item per CQE, ending after the op's last CQE.
#[must_use = "streams do nothing unless polled; dropping it cancels the op"]
pub struct ShotStream<O: Multishot> {
    state: Arc<Mutex<State>>,
    ticket: Option<Ticket<O>>,
    error: Option<io::Error>,
}

impl<O: Multishot> futures_core::Stream for ShotStream<O> {
    /// An item of the op (`Err` once, first, when the op never reached the kernel).
    type Item = io::Result<O::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(e) = this.error.take() {
            return Poll::Ready(Some(Err(e)));
        }
        let Some(ticket) = &this.ticket else {
            return Poll::Ready(None);
        };
        let mut st = lock(&this.state);
        match st.ring.try_next_shot(ticket) {
            Shot::Item(item) => Poll::Ready(Some(Ok(item))),
            Shot::Pending => {
                st.wakers.insert(ticket.user_data(), cx.waker().clone());
                Poll::Pending
            }
            Shot::Ended => {
                // Released with the ticket: items never taken went back where they belong.
                if let Some(t) = this.ticket.take() {
                    drop(st.ring.finish(t));
                }
                Poll::Ready(None)
            }
        }
    }
}

impl<O: Multishot> Drop for ShotStream<O> {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        if held(&self.state) {
            // As for `OpFuture`: no cancel from code the ring runs while locked.
            return;
        }
        let mut st = lock(&self.state);
        if let Err(e) = st.ring.finish(ticket) {
            abandon(&mut st, e.into_ticket().user_data());
        }
    }
}
