//! The mapped ring: liburing's `struct io_uring`, the pointers into the SQ and CQ rings the
//! kernel shares with us, their sizes, and the state both halves read. Below the halves
//! (`sq.rs`, `cq.rs`) and above the entries (`entry.rs`) and the in-flight table.

use crate::entry::{Cqe, Sqe};
use crate::flags::{Features, SetupFlags};
use crate::sys;
use crate::table::Table;
use std::cell::{Cell, UnsafeCell};
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Everything both halves of a ring read. Immutable after setup except: liburing's struct
/// (SQ fields touched only by the submitter, CQ fields only by the completer), the reaped
/// queue (completer only), the in-flight table (behind its mutex) and the backpressure
/// counters (each written by one half only).
pub(crate) struct Shared {
    pub(crate) raw: UnsafeCell<sys::io_uring>,
    pub(crate) setup: SetupFlags,
    pub(crate) features: Features,
    pub(crate) ring_fd: RawFd,
    /// The registered ring fd (`register_ring_fd`): its index and the thread whose table
    /// holds it. Only that thread's `io_uring_enter`s use the index; every other thread
    /// (a moved ring, a split `Completer`) enters through `ring_fd`.
    pub(crate) registered: Option<RegisteredRingFd>,
    pub(crate) sq_mask: u32,
    pub(crate) sq_entries: u32,
    pub(crate) cq_mask: u32,
    pub(crate) cq_entries: u32,
    pub(crate) cqe_shift: u32,
    /// log2 of an SQE's / a CQE's bytes (6 or 7, 4 or 5): what the batch views shift a
    /// masked index by, read rather than computed when a view is made.
    pub(crate) sqe_byte_shift: u32,
    pub(crate) cqe_byte_shift: u32,
    pub(crate) sqes: std::ptr::NonNull<Sqe>,
    pub(crate) cqes: *const Cqe,
    pub(crate) sq_khead: *const AtomicU32,
    pub(crate) sq_ktail: *const AtomicU32,
    pub(crate) sq_kflags: *const AtomicU32,
    pub(crate) cq_khead: *const AtomicU32,
    pub(crate) cq_ktail: *const AtomicU32,
    pub(crate) cq_koverflow: *const AtomicU32,
    /// DEFER_TASKRUN and IOPOLL rings post completions only when the kernel is entered.
    pub(crate) always_enter_for_cq: bool,
    /// Test switch: flush with a direct io_uring_enter even where liburing has get_events.
    pub(crate) force_direct_flush: bool,
    pub(crate) backpressure: Option<u32>,
    /// SQEs pushed (written only by the submitter) and CQEs reaped (only by the completer),
    /// counted while backpressure is on; in flight = submitted - completed.
    pub(crate) submitted: AtomicU32,
    pub(crate) completed: AtomicU32,
    /// The managed ops in flight. Reached without a lock by whoever holds the ring
    /// exclusively (`&mut Ring`, or a half borrowed alone from it); the two halves of a
    /// split ring take `table_lock` (see [`Shared::with_table`]).
    pub(crate) table: UnsafeCell<Table>,
    pub(crate) table_lock: Mutex<()>,
    /// Completions taken off the ring but not yet handed to the user (EBUSY recovery,
    /// `wait_for`); peek returns them first, in order.
    pub(crate) reaped: UnsafeCell<VecDeque<Cqe>>,
    /// On `CQE32` rings only: the extra 16 bytes of the CQEs in `reaped`, aligned with it
    /// from the back (`reaped[i]`'s are at `len - reaped.len() + i`). Pops from the front of
    /// `reaped` need not mirror here (the stale front is trimmed at the next push); pushes
    /// and removals from the middle do (`Completer::queue_reaped`, `forget_reaped`).
    pub(crate) reaped_big: UnsafeCell<VecDeque<[u64; 2]>>,
    /// Opcodes the kernel's probe listed, as a 256-bit set (all set where there is no probe).
    pub(crate) supported_ops: [u64; 4],
    /// Opcodes whose push takes the rare path (unsupported ones; all of them while
    /// backpressure is on): one bit test per push instead of two checks.
    pub(crate) rare_ops: [u64; 4],
    /// Whether the ring has a buffer table (dense or sparse).
    pub(crate) buffer_table: bool,
    /// Every registered buffer's memory, replaced slots' included: dropped with Shared, i.e.
    /// after io_uring_queue_exit.
    pub(crate) buffer_pools: Vec<std::sync::Arc<crate::register::BufPool>>,
    /// Provided buffer rings registered here: their memory outlives io_uring_queue_exit.
    pub(crate) buf_rings: Vec<std::sync::Arc<crate::register::BufRingInner>>,
    /// Unique per ring in this process: ops check that a buffer ring they name is ours.
    pub(crate) id: u64,
    /// Shared with this ring's tickets: the id, and the tokens of tickets dropped unfinished.
    pub(crate) home: std::sync::Arc<crate::table::Home>,
}

// SAFETY: the raw pointers point into the ring's own mmap, which lives as long as Shared.
// Mutation is partitioned: SQ-side fields only through the unique Submitter (or &mut Ring),
// CQ-side fields and `reaped` only through the unique Completer (or &mut Ring); shared
// ring indices are atomics; the in-flight table is behind a Mutex.
unsafe impl Send for Shared {}
// SAFETY: as above: no `&Shared` method mutates anything but atomics and the mutex.
unsafe impl Sync for Shared {}

impl Shared {
    // SAFETY (all six): the pointers come from liburing's mapping of the ring, valid and
    // 4-byte aligned until io_uring_queue_exit, which only Ring::drop calls.
    #[inline]
    pub(crate) fn sq_khead(&self) -> &AtomicU32 {
        // SAFETY: see above.
        unsafe { &*self.sq_khead }
    }
    #[inline]
    pub(crate) fn sq_ktail(&self) -> &AtomicU32 {
        // SAFETY: see above.
        unsafe { &*self.sq_ktail }
    }
    #[inline]
    pub(crate) fn sq_kflags(&self) -> &AtomicU32 {
        // SAFETY: see above.
        unsafe { &*self.sq_kflags }
    }
    #[inline]
    pub(crate) fn cq_khead(&self) -> &AtomicU32 {
        // SAFETY: see above.
        unsafe { &*self.cq_khead }
    }
    #[inline]
    pub(crate) fn cq_ktail(&self) -> &AtomicU32 {
        // SAFETY: see above.
        unsafe { &*self.cq_ktail }
    }
    pub(crate) fn cq_overflow(&self) -> u32 {
        // SAFETY: see above.
        unsafe { &*self.cq_koverflow }.load(Ordering::Acquire)
    }

    /// Runs `f` on the in-flight table. `locked` is false only for callers that hold the
    /// ring exclusively (a half made by `Ring::submitter` / `Ring::completer`, which borrow
    /// `&mut Ring`); the halves of `Ring::split` pass true and serialise on `table_lock`.
    #[inline(always)]
    pub(crate) fn with_table<R>(&self, locked: bool, f: impl FnOnce(&mut Table) -> R) -> R {
        // One call site of `f`, so that it is inlined. A panic while holding the lock cannot
        // leave the table half-updated (each method completes its update before anything
        // that could panic).
        let guard = self.table_guard(locked);
        let (r, released) = {
            // SAFETY: locked accesses hold `table_lock`; unlocked ones come only from callers
            // that hold the ring exclusively (see above), when no locked half can exist. The
            // borrow ends before the guard drops.
            let t = unsafe { &mut *self.table.get() };
            let r = f(t);
            (r, t.has_released())
        };
        // The ops `f` released are dropped once the table is let go of: their drop is the
        // user's code, which may use this ring again (push on a split ring's submitter,
        // reap on its completer: the lock again, a deadlock if it were still held here).
        if released {
            self.let_go_and_drop_released(guard);
        } else {
            drop(guard);
        }
        r
    }

    /// [`with_table`](Self::with_table) for an `f` that releases no op (looks up, takes an
    /// op back, takes a multishot op's item): nothing to drop after the table is let go, so
    /// no test for it either, and `f`'s result goes straight to the caller.
    #[inline(always)]
    pub(crate) fn with_table_releasing_nothing<R>(
        &self,
        locked: bool,
        f: impl FnOnce(&mut Table) -> R,
    ) -> R {
        let _guard = self.table_guard(locked);
        // SAFETY: as in `with_table`; the borrow ends before the guard drops.
        let t = unsafe { &mut *self.table.get() };
        let r = f(t);
        debug_assert!(!t.has_released(), "an op released where none may be");
        r
    }

    /// Takes the ops released under the table (held: `guard` for a split ring's half, else
    /// the ring exclusively), lets the table go, then drops them. Out of line: the common
    /// hold releases nothing, and its only cost is then the test of an empty list.
    #[cold]
    #[inline(never)]
    fn let_go_and_drop_released(&self, guard: Option<std::sync::MutexGuard<'_, ()>>) {
        // SAFETY: the caller still holds the table (see above); this borrow ends before the
        // guard drops.
        let released = unsafe { self.table_mut() }.take_released();
        drop(guard);
        drop(released);
    }

    /// [`with_table`](Self::with_table) for a caller that works on the table in its own
    /// body (no closure: a by-value op it stores is then moved once, not into a closure
    /// first): the hold to keep while `table_mut`'s borrow lives. Dropped — on unwinding
    /// too — it lets the table go, then drops the ops released meanwhile (as `with_table`).
    #[inline(always)]
    pub(crate) fn lock_table(&self, locked: bool) -> TableHold<'_> {
        TableHold {
            s: self,
            guard: self.table_guard(locked),
        }
    }

    /// The table's lock for a split ring's half (`locked`), nothing for a half that holds
    /// the ring exclusively. A poisoned lock is taken as it is: every table method completes
    /// its update before anything that could panic.
    #[inline(always)]
    fn table_guard(&self, locked: bool) -> Option<std::sync::MutexGuard<'_, ()>> {
        if locked {
            Some(self.table_lock.lock().unwrap_or_else(|p| p.into_inner()))
        } else {
            None
        }
    }

    /// The in-flight table, as [`with_table`](Self::with_table) hands it out.
    ///
    /// # Safety
    /// As for `with_table`: the caller holds the guard of [`lock_table`](Self::lock_table)
    /// with the `locked` of its half for as long as the borrow lives, and that `locked` is
    /// false only when it holds the ring exclusively; no other borrow of the table is live.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn table_mut(&self) -> &mut Table {
        // SAFETY: the caller's promise (see above).
        unsafe { &mut *self.table.get() }
    }

    /// The in-flight table, for read-only questions asked through `&Ring`: while a shared
    /// reference to the ring exists nothing can mutate the table (every mutation needs
    /// `&mut Ring` or a half that borrows it).
    #[inline]
    pub(crate) fn table_ref(&self) -> &Table {
        // SAFETY: see above: no `&mut Table` can be live while `&Shared` is reachable
        // through `&Ring`... except through split halves, which borrow `&mut Ring` and so
        // exclude `&Ring` for their lifetime.
        unsafe { &*self.table.get() }
    }
}

/// A ring fd registered in one thread's table.
pub(crate) struct RegisteredRingFd {
    pub(crate) index: u32,
    pub(crate) thread: std::thread::ThreadId,
}

thread_local! {
    /// The ring whose fd this thread registered last, and the index: (ring id, index), ids
    /// being unique in the process and never 0. `enter_target` answers from it without
    /// `std::thread::current()` (a thread-local lookup and an `Arc` clone per submit).
    static LAST_REGISTERED: Cell<(u64, u32)> = const { Cell::new((0, 0)) };
}

impl Shared {
    /// The fd and flags for an `io_uring_enter` made on the calling thread: the registered
    /// index where this thread registered it, the ring fd everywhere else.
    #[inline]
    pub(crate) fn enter_target(&self) -> (i32, u32) {
        match &self.registered {
            None => (self.ring_fd, 0),
            Some(r) => {
                if LAST_REGISTERED.get() == (self.id, r.index) || r.thread == current_thread() {
                    (r.index as i32, sys::IORING_ENTER_REGISTERED_RING)
                } else {
                    (self.ring_fd, 0)
                }
            }
        }
    }
}

#[cold]
fn current_thread() -> std::thread::ThreadId {
    std::thread::current().id()
}

impl RegisteredRingFd {
    /// The ring `id`'s fd registered at `index` by the calling thread.
    pub(crate) fn here(id: u64, index: u32) -> RegisteredRingFd {
        LAST_REGISTERED.set((id, index));
        RegisteredRingFd {
            index,
            thread: std::thread::current().id(),
        }
    }

    /// Unregistered (the ring dropped on its registering thread): the cache forgets it.
    pub(crate) fn forget_here(id: u64) {
        if LAST_REGISTERED.get().0 == id {
            LAST_REGISTERED.set((0, 0));
        }
    }
}

/// The in-flight table held by a caller working on it in its own body
/// ([`Shared::lock_table`]): the lock for a split ring's half (`None` for a half that holds
/// the ring exclusively). Its drop lets the table go, then drops the ops released while it
/// was held: their drop is the user's code, which may use this ring again.
pub(crate) struct TableHold<'s> {
    s: &'s Shared,
    guard: Option<std::sync::MutexGuard<'s, ()>>,
}

impl Drop for TableHold<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the hold still has the table (the lock, or a half that holds the ring
        // exclusively). The caller's borrows of it from `table_mut` are over: it makes them
        // after the hold, so they end (or, unwinding, are dropped) before this drop. This
        // borrow ends before the guard drops.
        if unsafe { self.s.table_mut() }.has_released() {
            self.s.let_go_and_drop_released(self.guard.take());
        }
    }
}
