//! The completion side: `Cqe`, peek / wait / drain, and the overflow-aware flush that is the
//! reason this crate exists.
//!
//! A CQ ring that looks empty may not be: completions that did not fit wait on the kernel's
//! overflow list while `IORING_SQ_CQ_OVERFLOW` is up (kernel 5.8), task work may be pending
//! (`IORING_SQ_TASKRUN`), and on DEFER_TASKRUN / IOPOLL rings completions appear only when the
//! kernel is entered. So an empty ring reads the SQ flags (acquire) and, when needed, enters
//! the kernel with `IORING_ENTER_GETEVENTS` — through liburing's `io_uring_get_events` where
//! the linked liburing exports it (2.3+), otherwise with a direct `io_uring_enter`. A ring
//! that is not empty costs nothing extra: the flags are read only once it is found empty.

use crate::entry::MANAGED;
use crate::error::CqesDropped;
use crate::flags::SqFlags;
use crate::mapped::Shared;
use crate::table::Reaped;
use crate::{sys, syscall};
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub use crate::entry::Cqe;

/// `struct io_uring_getevents_arg` (kernel 5.11); older headers lack it.
#[repr(C)]
struct GetEventsArg {
    sigmask: u64,
    sigmask_sz: u32,
    pad: u32,
    ts: u64,
}

/// How many flushes one peek tries while the overflow flag stays up and the ring stays
/// empty: a flush into an empty ring always moves entries, so more means a kernel problem,
/// and we return rather than spin.
pub(crate) const MAX_FLUSH_ROUNDS: usize = 4;

/// The completing half of a ring: peeks, waits, drains. Obtained from
/// [`Ring::split`](crate::Ring::split) (or used implicitly by `Ring`'s own methods).
pub struct Completer<'a> {
    pub(crate) s: &'a Shared,
    /// Whether the in-flight table needs its lock (the halves of `Ring::split`).
    pub(crate) locked: bool,
    pub(crate) _not_sync: PhantomData<std::cell::Cell<()>>,
}

impl Completer<'_> {
    /// Takes the next CQE off the ring itself (not the reaped queue), accounted.
    #[inline(always)]
    pub(crate) fn pop_ring(&mut self) -> Option<Cqe> {
        let cqe = self.pop_ring_raw()?;
        // One branch for the rare cases, so the common path stays small enough to inline.
        if (cqe.user_data() & MANAGED != 0) | self.s.backpressure.is_some() {
            self.account(&cqe);
        }
        Some(cqe)
    }

    /// The common case of every one-at-a-time reap, small enough to inline into the caller's
    /// loop: the CQE at the head when it needs nothing of the crate — nothing reaped earlier
    /// waits, no dropped ticket waits to be released, no backpressure to count, and the CQE
    /// is no managed op's (bit 63 clear). `None` (the CQE left in the ring) for anything
    /// else, which the general path then handles.
    #[inline(always)]
    pub(crate) fn pop_plain(&mut self) -> Option<Cqe> {
        let s = self.s;
        // SAFETY: the reaped queue is the completer's alone; a read of its length.
        let queued = unsafe { !(*s.reaped.get()).is_empty() };
        if queued | s.home.has_orphans() | s.backpressure.is_some() {
            return None;
        }
        let head = s.cq_khead().load(Ordering::Acquire);
        if head == s.cq_ktail().load(Ordering::Acquire) {
            return None;
        }
        let index = ((head & s.cq_mask) as usize) << s.cqe_shift;
        // SAFETY: entries between head and the tail we acquired are written by the kernel
        // and stay untouched until we release head past them.
        let cqe = unsafe { s.cqes.add(index).read() };
        if cqe.user_data() & MANAGED != 0 {
            return None;
        }
        s.cq_khead().store(head.wrapping_add(1), Ordering::Release);
        Some(cqe)
    }

    /// Takes the next CQE off the ring itself, not yet accounted: the caller accounts it.
    #[inline(always)]
    pub(crate) fn pop_ring_raw(&mut self) -> Option<Cqe> {
        let s = self.s;
        settle_orphans(s, self.locked);
        let head = s.cq_khead().load(Ordering::Acquire);
        let tail = s.cq_ktail().load(Ordering::Acquire);
        if head == tail {
            return None;
        }
        let index = ((head & s.cq_mask) as usize) << s.cqe_shift;
        // SAFETY: entries between head and the tail we acquired are written by the kernel
        // and stay untouched until we release head past them.
        let cqe = unsafe { s.cqes.add(index).read() };
        s.cq_khead().store(head.wrapping_add(1), Ordering::Release);
        Some(cqe)
    }

    /// Book-keeping for a CQE leaving the ring: managed ops are marked done (so their
    /// memory may be handed back), and the backpressure count drops.
    #[cold]
    #[inline(never)]
    pub(crate) fn account(&self, cqe: &Cqe) {
        if cqe.user_data() & MANAGED != 0 {
            self.s.with_table(self.locked, |t| t.complete(cqe));
        }
        count_out(self.s, cqe.flags().bits());
    }

    #[inline]
    pub(crate) fn reaped(&mut self) -> &mut std::collections::VecDeque<Cqe> {
        // SAFETY: the reaped queue is the completer's alone (unique Completer or &mut Ring).
        unsafe { &mut *self.s.reaped.get() }
    }

    /// The next completion, or `None` when there is none — after flushing the kernel's
    /// overflow list / task work if the ring was empty and the kernel had any. An op pushed
    /// with a tag ([`Ring::push_tagged`](crate::Ring::push_tagged)) shows its tag as
    /// user_data here, and its last CQE drops it (buffers and files released: take them
    /// back with [`next_completion`](Self::next_completion) instead).
    #[doc(alias = "io_uring_peek_cqe")]
    #[inline(always)]
    pub fn peek(&mut self) -> io::Result<Option<Cqe>> {
        if let Some(c) = self.pop_plain() {
            return Ok(Some(c));
        }
        self.peek_general()
    }

    /// `peek` for everything [`pop_plain`](Self::pop_plain) leaves: completions reaped
    /// earlier, managed CQEs, accounting, an empty ring (flushed).
    #[inline(never)]
    fn peek_general(&mut self) -> io::Result<Option<Cqe>> {
        loop {
            return match self.next_cqe()? {
                Some(c) if c.user_data() & MANAGED != 0 => match self.deliver_raw(c) {
                    Some(c) => Ok(Some(c)),
                    None => continue,
                },
                r => Ok(r),
            };
        }
    }

    /// A managed CQE leaving through the plain CQE view (peek / wait / drain): a tagged op's
    /// shows its tag as user_data, and its op is dropped at its last CQE (nobody could take
    /// it back any more); a ticketed op's stays as it is, for its ticket. `None` for the
    /// crate's own requests (`INTERNAL`), which no user pushed.
    #[cold]
    #[inline(never)]
    pub(crate) fn deliver_raw(&self, cqe: Cqe) -> Option<Cqe> {
        let token = cqe.user_data();
        if token == crate::table::INTERNAL {
            return None;
        }
        self.s.with_table(self.locked, |t| match t.tag(token) {
            Some(tag) => {
                if !cqe.flags().contains(crate::CqeFlags::MORE) {
                    t.release(token);
                }
                Some(Cqe::new(tag, cqe.raw_result(), cqe.flags().bits()))
            }
            None => Some(cqe),
        })
    }

    /// The next CQE as the ring holds it (managed tokens untranslated): what `peek` and the
    /// dispatch path start from.
    #[inline(always)]
    pub(crate) fn next_cqe(&mut self) -> io::Result<Option<Cqe>> {
        loop {
            // Completions reaped earlier (EBUSY recovery, wait_for) are older than the ring's.
            let c = if !self.reaped().is_empty() {
                self.reaped().pop_front()
            } else if let Some(c) = self.pop_ring() {
                Some(c)
            } else {
                self.peek_slow()?
            };
            // The crate's own requests (a slot left by an unwinding push) are no one's.
            match c {
                Some(c) if c.user_data() == crate::table::INTERNAL => continue,
                c => return Ok(c),
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn peek_slow(&mut self) -> io::Result<Option<Cqe>> {
        for _ in 0..MAX_FLUSH_ROUNDS {
            if !self.needs_enter() {
                return Ok(None);
            }
            self.flush_cq()?;
            if let Some(c) = self.pop_ring() {
                return Ok(Some(c));
            }
            if !self.overflow_flag() {
                return Ok(None);
            }
        }
        Ok(None)
    }

    pub(crate) fn overflow_flag(&self) -> bool {
        self.s.sq_kflags().load(Ordering::Acquire) & SqFlags::CQ_OVERFLOW.bits() != 0
    }

    /// Whether an empty CQ ring may still have completions that only entering the kernel
    /// brings out.
    #[inline]
    pub(crate) fn needs_enter(&self) -> bool {
        self.s.always_enter_for_cq
            || self.s.sq_kflags().load(Ordering::Acquire)
                & (SqFlags::CQ_OVERFLOW.bits() | SqFlags::TASKRUN.bits())
                != 0
    }

    /// One `IORING_ENTER_GETEVENTS` without submitting or waiting.
    pub(crate) fn flush_cq(&mut self) -> io::Result<()> {
        // liburing's io_uring_get_events where it exists (unless a test forces the direct
        // path), a direct io_uring_enter otherwise.
        let via_liburing = if self.s.force_direct_flush {
            None
        } else {
            syscall::liburing_get_events(self.s.raw.get())
        };
        let r = via_liburing.unwrap_or_else(|| self.flush_direct());
        match r {
            Ok(()) => Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(libc::EBADR) => Err(CqesDropped {
                    overflow: self.s.cq_overflow(),
                }
                .into_io()),
                // Nothing moved this time; the caller looks at the ring again.
                Some(libc::EINTR | libc::EAGAIN | libc::EBUSY) => Ok(()),
                _ => Err(e),
            },
        }
    }

    /// The direct path: `io_uring_enter(fd, 0, 0, IORING_ENTER_GETEVENTS)`, for liburing
    /// releases without `io_uring_get_events`; uses the registered ring index on its thread.
    fn flush_direct(&mut self) -> io::Result<()> {
        let (fd, flags) = self.s.enter_target();
        let flags = flags | sys::IORING_ENTER_GETEVENTS;
        syscall::enter(fd, 0, 0, flags, std::ptr::null(), 0).map(drop)
    }

    /// Completions ready to be taken without entering the kernel.
    #[doc(alias = "io_uring_cq_ready")]
    pub fn cq_ready(&self) -> u32 {
        let s = self.s;
        let ring = s
            .cq_ktail()
            .load(Ordering::Acquire)
            .wrapping_sub(s.cq_khead().load(Ordering::Acquire));
        // SAFETY: a length read of the completer's own queue.
        ring + unsafe { (*s.reaped.get()).len() as u32 }
    }

    /// Blocks until a completion is available and returns it.
    #[doc(alias = "io_uring_wait_cqe")]
    pub fn wait(&mut self) -> io::Result<Cqe> {
        loop {
            if let Some(c) = self.peek()? {
                return Ok(c);
            }
            self.wait_for_one()?;
        }
    }

    /// Enters the kernel until one completion may be there (a signal or a spurious wake-up
    /// returns too: the caller looks again).
    pub(crate) fn wait_for_one(&mut self) -> io::Result<()> {
        self.enter_wait(1, None)
    }

    /// Blocks until at least `n` completions are ready; returns how many are. `n` larger
    /// than the CQ ring could never be satisfied and is `InvalidInput`.
    #[doc(alias = "io_uring_wait_cqe_nr")]
    pub fn wait_nr(&mut self, n: u32) -> io::Result<u32> {
        if n > self.s.cq_entries {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "wait_nr({n}) exceeds the CQ ring's {} entries",
                    self.s.cq_entries
                ),
            ));
        }
        loop {
            let ready = self.cq_ready();
            if ready >= n {
                return Ok(ready);
            }
            if self.needs_enter() {
                self.flush_cq()?;
                if self.cq_ready() >= n {
                    continue;
                }
            }
            // The kernel's `min_complete` is what the CQ ring must hold, the completions
            // already there included; those reaped for later peeks are no longer there.
            let queued = self.reaped().len() as u32;
            self.enter_wait(n - queued, None)?;
        }
    }

    /// Waits up to `timeout` for a completion; `Ok(None)` when none came.
    #[doc(alias = "io_uring_wait_cqe_timeout")]
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<Cqe>> {
        // A timeout past what `Instant` can hold is as good as none.
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            return self.wait().map(Some);
        };
        loop {
            if let Some(c) = self.peek()? {
                return Ok(Some(c));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.enter_wait(1, Some(left))?;
        }
    }

    /// Enters the kernel to wait for `n` completions, at most `timeout` long. A timeout,
    /// a signal or a spurious wake-up all return `Ok` (the caller looks at the ring again),
    /// except that an interrupted untimed wait is reported as `Interrupted`.
    fn enter_wait(&mut self, n: u32, timeout: Option<Duration>) -> io::Result<()> {
        let s = self.s;
        let (fd, flags) = s.enter_target();
        let flags = flags | sys::IORING_ENTER_GETEVENTS;
        let r = match timeout {
            None => syscall::enter(fd, 0, n, flags, std::ptr::null(), 0),
            Some(t) if s.features.contains(crate::Features::EXT_ARG) => {
                // `struct __kernel_timespec`: 64-bit fields on every architecture (libc's
                // timespec is narrower on 32-bit targets).
                let ts: [i64; 2] = [
                    t.as_secs().min(i64::MAX as u64) as i64,
                    i64::from(t.subsec_nanos()),
                ];
                let arg = GetEventsArg {
                    sigmask: 0,
                    sigmask_sz: 8,
                    pad: 0,
                    ts: &ts as *const _ as u64,
                };
                syscall::enter(
                    fd,
                    0,
                    n,
                    flags | sys::IORING_ENTER_EXT_ARG,
                    &arg as *const GetEventsArg as *const libc::c_void,
                    std::mem::size_of::<GetEventsArg>(),
                )
            }
            // Kernels before 5.11: the ring fd is pollable (POLLIN while CQEs are ready).
            Some(t) => {
                let mut pfd = libc::pollfd {
                    fd: s.ring_fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                let ms = t.as_millis().clamp(1, i32::MAX as u128) as i32;
                // SAFETY: one valid pollfd for the duration of the call.
                let r = unsafe { libc::poll(&mut pfd, 1, ms) };
                if r < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(0)
                }
            }
        };
        match r {
            Ok(_) => Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(libc::ETIME | libc::EAGAIN | libc::EBUSY) => Ok(()),
                Some(libc::EINTR) if timeout.is_some() => Ok(()),
                Some(libc::EBADR) => Err(CqesDropped {
                    overflow: s.cq_overflow(),
                }
                .into_io()),
                _ => Err(e),
            },
        }
    }

    /// Copies up to `out.len()` completions into `out`, advancing the ring's head once for
    /// the whole run; returns how many. Flushes the overflow list / task work first when the
    /// ring is empty, like [`peek`](Self::peek).
    #[doc(alias = "io_uring_peek_batch_cqe")]
    #[inline]
    pub fn drain(&mut self, out: &mut [Cqe]) -> io::Result<usize> {
        if self.reaped().is_empty() {
            let n = self.drain_ring(out);
            if n > 0 || out.is_empty() {
                return Ok(n);
            }
        }
        self.drain_slow(out)
    }

    #[cold]
    #[inline(never)]
    fn drain_slow(&mut self, out: &mut [Cqe]) -> io::Result<usize> {
        let mut n = 0;
        while n < out.len() {
            match self.reaped().pop_front() {
                Some(c) => {
                    // Accounted when it was reaped; only the user's view is left to make.
                    let c = if c.user_data() & MANAGED != 0 {
                        self.deliver_raw(c)
                    } else {
                        Some(c)
                    };
                    if let Some(c) = c {
                        out[n] = c;
                        n += 1;
                    }
                }
                None => break,
            }
        }
        n += self.drain_ring(&mut out[n..]);
        if n == 0 && !out.is_empty() {
            for _ in 0..MAX_FLUSH_ROUNDS {
                if !self.needs_enter() {
                    break;
                }
                self.flush_cq()?;
                n = self.drain_ring(out);
                if n > 0 || !self.overflow_flag() {
                    break;
                }
            }
        }
        Ok(n)
    }

    #[inline(always)]
    fn drain_ring(&mut self, out: &mut [Cqe]) -> usize {
        let s = self.s;
        settle_orphans(s, self.locked);
        let head = s.cq_khead().load(Ordering::Acquire);
        let tail = s.cq_ktail().load(Ordering::Acquire);
        let n = (tail.wrapping_sub(head) as usize).min(out.len());
        let mut any = 0u64;
        for (i, slot) in out[..n].iter_mut().enumerate() {
            let index = ((head.wrapping_add(i as u32) & s.cq_mask) as usize) << s.cqe_shift;
            // SAFETY: as in `pop_ring`: published by the kernel, not yet released by us.
            *slot = unsafe { s.cqes.add(index).read() };
            any |= slot.user_data();
        }
        if n > 0 {
            if (any & MANAGED != 0) | s.backpressure.is_some() {
                return self.deliver_run(&mut out[..n], head);
            }
            s.cq_khead()
                .store(head.wrapping_add(n as u32), Ordering::Release);
        }
        n
    }

    /// Accounts a run of CQEs copied off the ring from `head` on and makes the user's view
    /// of it in place (the crate's own requests leave the run). Returns how many are left.
    /// As `pop_ring`, the head is released past each CQE before it is accounted: a tagged
    /// op's drop that panics (the user's file type) unwinds with the CQEs after it still in
    /// the ring, and none accounted twice.
    #[cold]
    #[inline(never)]
    fn deliver_run(&mut self, run: &mut [Cqe], head: u32) -> usize {
        let mut kept = 0;
        for i in 0..run.len() {
            let c = run[i];
            self.s
                .cq_khead()
                .store(head.wrapping_add(i as u32 + 1), Ordering::Release);
            self.account(&c);
            let c = if c.user_data() & MANAGED != 0 {
                self.deliver_raw(c)
            } else {
                Some(c)
            };
            if let Some(c) = c {
                run[kept] = c;
                kept += 1;
            }
        }
        kept
    }

    /// Moves everything the kernel has (ring and overflow list) into the reaped queue, so
    /// that the next peeks return it in order. Used before retrying an `EBUSY` submit.
    pub(crate) fn reap_all_into_queue(&mut self) -> io::Result<()> {
        loop {
            while let Some((c, big)) = self.pop_ring_big() {
                self.queue_reaped(c, big);
            }
            if !self.needs_enter() {
                return Ok(());
            }
            self.flush_cq()?;
            if self.s.cq_ktail().load(Ordering::Acquire)
                == self.s.cq_khead().load(Ordering::Acquire)
            {
                return Ok(());
            }
        }
    }

    /// Blocks until one more CQE leaves the ring, and queues it for later peeks.
    pub(crate) fn reap_one_into_queue(&mut self) -> io::Result<()> {
        self.reap_one_except(None)
    }

    /// Blocks until one more CQE leaves the ring; CQEs of `token` are not queued (the op
    /// recorded them for its stream), all others are, for later peeks.
    pub(crate) fn reap_one_for(&mut self, token: u64) -> io::Result<()> {
        self.reap_one_except(Some(token))
    }

    fn reap_one_except(&mut self, token: Option<u64>) -> io::Result<()> {
        self.reap_one_within(token, None)
    }

    /// As `reap_one_into_queue`, waiting at most `timeout` (a back-off that lets the kernel
    /// complete requests; nothing queued when none came).
    pub(crate) fn reap_one_into_queue_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.reap_one_within(None, Some(timeout))
    }

    fn reap_one_within(&mut self, token: Option<u64>, timeout: Option<Duration>) -> io::Result<()> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let (c, big) = loop {
            if let Some(c) = self.pop_ring_big() {
                break c;
            }
            if self.needs_enter() {
                self.flush_cq()?;
                if let Some(c) = self.pop_ring_big() {
                    break c;
                }
            }
            match deadline {
                None => self.enter_wait(1, None)?,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(());
                    }
                    self.enter_wait(1, Some(left))?;
                }
            }
        };
        if Some(c.user_data()) != token {
            self.queue_reaped(c, big);
        }
        Ok(())
    }

    /// Removes a CQE from the reaped queue (the one `Ring::wait_for` already handed over).
    pub(crate) fn forget_reaped(&mut self, user_data: u64) {
        let q = self.reaped();
        if let Some(i) = q.iter().rposition(|c| c.user_data() == user_data) {
            self.remove_reaped(i);
        }
    }

    /// Removes `reaped[i]`, with its extra 16 bytes on a `CQE32` ring.
    #[cold]
    pub(crate) fn remove_reaped(&mut self, i: usize) {
        let s = self.s;
        let q = self.reaped();
        let len = q.len();
        q.remove(i);
        if s.cqe_shift != 0 {
            // SAFETY: the completer's alone, as `reaped`; the borrow of `reaped` above
            // has ended.
            let b = unsafe { &mut *s.reaped_big.get() };
            // Aligned from the back: `reaped[i]`'s extra is at `b.len() - len + i`.
            if let Some(j) = (b.len() + i).checked_sub(len) {
                b.remove(j);
            }
        }
    }

    /// [`pop_ring`](Self::pop_ring), with the entry's extra 16 bytes on a `CQE32` ring (read
    /// before the head is released past it), for CQEs that wait in the reaped queue.
    #[inline]
    pub(crate) fn pop_ring_big(&mut self) -> Option<(Cqe, Option<[u64; 2]>)> {
        if self.s.cqe_shift == 0 {
            return self.pop_ring().map(|c| (c, None));
        }
        self.pop_ring_cqe32()
    }

    #[cold]
    #[inline(never)]
    fn pop_ring_cqe32(&mut self) -> Option<(Cqe, Option<[u64; 2]>)> {
        let s = self.s;
        let head = s.cq_khead().load(Ordering::Acquire);
        if head == s.cq_ktail().load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: `head` is before the tail we acquired, and only this completer moves the
        // head, so `pop_ring` below takes this very entry.
        let big = unsafe { big_cqe(s, head) };
        self.pop_ring().map(|c| (c, Some(big)))
    }

    /// Queues a CQE taken off the ring for later peeks; on a `CQE32` ring its extra 16 bytes
    /// go along (see `Shared::reaped_big`).
    pub(crate) fn queue_reaped(&mut self, c: Cqe, big: Option<[u64; 2]>) {
        if let Some(b) = big {
            let keep = self.reaped().len();
            // SAFETY: like `reaped`, the completer's alone (unique Completer or &mut Ring);
            // no other borrow of it is alive.
            let q = unsafe { &mut *self.s.reaped_big.get() };
            while q.len() > keep {
                q.pop_front();
            }
            q.push_back(b);
        }
        self.reaped().push_back(c);
    }

    /// The kernel's CQ overflow counter (`cq.koverflow`): completions it could not post.
    pub fn cq_overflow(&self) -> u32 {
        self.s.cq_overflow()
    }
}

/// The CQ ring as a batch (liburing's `io_uring_for_each_cqe` + `io_uring_cq_advance`): it
/// reads the kernel's tail once per run of ready completions and keeps the ring's geometry in
/// itself (registers, in a loop). Iterating yields each completion (the user's
/// view, as [`Completer::peek`] gives it); [`next_completion`](Self::next_completion) yields
/// it dispatched. When the ring is empty it flushes the kernel's overflow list / task work
/// first, like `peek`, so an iteration never stops short of a completion the kernel holds.
///
/// # Example
/// ```
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::{op::Nop, Ring};
/// let mut ring = Ring::new(8)?;
/// let mut sq = ring.submitter(); // the SQ batch: pushes keep its indices in registers
/// for i in 0..4 {
///     sq.push_with_user_data(Nop::new(), i)?;
/// }
/// sq.submit_and_wait(4)?;
/// let sum: u64 = ring.completions().map(|c| c.user_data()).sum();
/// assert_eq!(sum, 0 + 1 + 2 + 3);
/// # Ok(()) }
/// ```
#[doc(alias = "io_uring_for_each_cqe")]
#[doc(alias = "io_uring_cq_advance")]
pub struct CompletionQueue<'a> {
    c: Completer<'a>,
    /// Our head: entries before it are consumed but maybe not yet released.
    head: u32,
    /// The kernel's tail as last read, or `head` while completions reaped earlier wait in the
    /// queue (so that the one compare of the fast path also sends the batch to them first).
    tail: u32,
    mask: u32,
    /// log2 of an entry's bytes: 4, or 5 on a CQE32 ring (one shift finds an entry).
    byte_shift: u32,
    cqes: *const Cqe,
    khead: *const std::sync::atomic::AtomicU32,
    /// `MANAGED` when backpressure is counted (every CQE then takes the accounting path),
    /// else 0: or-ed into each CQE's user_data, one test sends both kinds there.
    counted: u64,
    /// Completions reaped earlier (EBUSY recovery, wait_for) come first: see `tail`.
    queued: bool,
}

/// log2 of `size_of::<Cqe>()` (16 bytes).
pub(crate) const CQE_LOG2: u32 = std::mem::size_of::<Cqe>().trailing_zeros();
const _: () = assert!(1 << CQE_LOG2 == std::mem::size_of::<Cqe>());

impl<'a> CompletionQueue<'a> {
    #[inline]
    pub(crate) fn new(c: Completer<'a>) -> CompletionQueue<'a> {
        let s = c.s;
        // Before any CQE leaves the ring: a drop that panics loses none.
        settle_orphans(s, c.locked);
        let head = s.cq_khead().load(Ordering::Acquire);
        // SAFETY: the reaped queue is the completer's alone.
        let queued = unsafe { !(*s.reaped.get()).is_empty() };
        // Read now: the first completion then takes no call to `refill`.
        let tail = if queued {
            head
        } else {
            s.cq_ktail().load(Ordering::Acquire)
        };
        CompletionQueue {
            head,
            tail,
            mask: s.cq_mask,
            byte_shift: s.cqe_byte_shift,
            cqes: s.cqes,
            khead: s.cq_khead,
            counted: if s.backpressure.is_some() { MANAGED } else { 0 },
            queued,
            c,
        }
    }

    /// The CQE at `head` off the ring itself, not yet accounted; the caller found
    /// `head != tail`.
    #[inline(always)]
    fn take(&mut self) -> Cqe {
        let offset = ((self.head & self.mask) as usize) << self.byte_shift;
        // SAFETY: entries between our head and the tail we acquired are written by the
        // kernel and stay untouched until we release the head past them; `offset` is the
        // entry's index (masked) times its size, inside the CQE array, `Cqe`-aligned.
        let cqe = unsafe { &*self.cqes.cast::<u8>().add(offset).cast::<Cqe>() }.copy_fields();
        self.head = self.head.wrapping_add(1);
        // Released at once (one plain store on x86): a batch dropped half-way leaves nothing
        // consumed but unreleased, which the next peek would see again.
        // SAFETY: the pointer comes from liburing's mapping, valid until the ring drops.
        unsafe { &*self.khead }.store(self.head, Ordering::Release);
        cqe
    }

    /// What comes when the fast path has nothing (`head == tail`): see [`exhausted`]. The
    /// batch's fields go in and out as scalars, so that in a loop they stay in registers.
    #[inline(always)]
    fn next_after_run(&mut self) -> Option<Option<Cqe>> {
        match exhausted(self.c.s, self.c.locked, self.head, self.queued) {
            After::Queued(c) => Some(Some(c)),
            After::Tail(tail) => {
                self.queued = false;
                self.tail = tail;
                Some(None)
            }
            After::Empty => {
                self.queued = false;
                None
            }
        }
    }

    /// The next completion, dispatched ([`Completion`](crate::Completion)): a tagged op's
    /// gives its op back.
    #[inline(always)]
    pub fn next_completion(&mut self) -> Option<crate::Completion<'a>> {
        let (s, locked) = (self.c.s, self.c.locked);
        loop {
            if self.head == self.tail {
                match self.next_after_run()? {
                    // Accounted when it was reaped: only the lookup is left.
                    Some(c) if c.user_data() == crate::table::INTERNAL => continue,
                    Some(c) => {
                        let (cqe, token) = lookup(s, locked, c);
                        return Some(crate::Completion::reaped(cqe, token, s, locked));
                    }
                    None => {}
                }
            }
            let cqe = self.take();
            if (cqe.user_data() | self.counted) & MANAGED == 0 {
                return Some(crate::Completion::plain(cqe, s, locked));
            }
            let (user_data, token) = reap(s, locked, cqe);
            if user_data != crate::table::INTERNAL {
                let cqe = Cqe::new(user_data, cqe.raw_result(), cqe.flags().bits());
                return Some(crate::Completion::reaped(cqe, token, s, locked));
            }
        }
    }
}

/// Drops the ops of tickets dropped since the last reap (their memory, and the user's drop
/// code with it). Called before a CQE leaves the ring, so that a drop that panics unwinds
/// with no CQE taken off the ring and not yet accounted (which would be lost: an op that
/// never completes, a `wait_for` that never returns).
#[inline(always)]
pub(crate) fn settle_orphans(s: &Shared, locked: bool) {
    if s.home.has_orphans() {
        settle_orphans_slow(s, locked);
    }
}

#[cold]
#[inline(never)]
fn settle_orphans_slow(s: &Shared, locked: bool) {
    s.with_table(locked, |t| s.home.release_orphans(t));
}

/// The extra 16 bytes (`big_cqe`) of the CQE32 entry at ring position `pos`.
///
/// # Safety
/// The ring is a `CQE32` ring, and `pos` is between the CQ head and a tail the caller
/// acquired: an entry the kernel published and that the head has not been released past.
pub(crate) unsafe fn big_cqe(s: &Shared, pos: u32) -> [u64; 2] {
    let index = ((pos & s.cq_mask) as usize) << s.cqe_shift;
    // SAFETY: per the contract, the 32-byte entry at `index` (masked, scaled by two 16-byte
    // slots) is inside the mapping and published; its second half starts 16 bytes in,
    // 8-byte aligned.
    unsafe { s.cqes.add(index + 1).cast::<[u64; 2]>().read() }
}

/// What a batch finds when its run of ready CQEs is used up.
enum After {
    /// A completion reaped earlier (accounted already): these come first.
    Queued(Cqe),
    /// The kernel's tail, past the batch's head: more CQEs in the ring.
    Tail(u32),
    /// Nothing: neither reaped earlier nor in the ring, its overflow list flushed.
    Empty,
}

/// A batch's run of ready CQEs is used up (`head == tail`): the next completion reaped
/// earlier while `queued`, else the kernel's tail read again (its overflow list / task
/// work flushed when the ring is empty, as `peek` does).
#[cold]
#[inline(never)]
fn exhausted(s: &Shared, locked: bool, head: u32, queued: bool) -> After {
    if queued {
        if let Some(c) = pop_queued(s) {
            return After::Queued(c);
        }
    }
    // Between CQEs (each is delivered before the next is taken), off the per-CQE path:
    // tickets dropped during the batch release their ops here, or at the next reap.
    settle_orphans(s, locked);
    match refill(s, head) {
        Some(tail) => After::Tail(tail),
        None => After::Empty,
    }
}

/// The next completion reaped earlier (EBUSY recovery, wait_for), already accounted.
#[cold]
fn pop_queued(s: &Shared) -> Option<Cqe> {
    // SAFETY: the reaped queue is the completer's alone (the batch holds the completer).
    unsafe { (*s.reaped.get()).pop_front() }
}

/// Reads the kernel's tail again; when the ring is empty, flushes the overflow list / task
/// work as `peek` does. The new tail, if any CQE is there now.
#[cold]
#[inline(never)]
fn refill(s: &Shared, head: u32) -> Option<u32> {
    let tail = s.cq_ktail().load(Ordering::Acquire);
    if tail != head {
        return Some(tail);
    }
    let mut c = Completer {
        s,
        locked: false,
        _not_sync: PhantomData,
    };
    for _ in 0..MAX_FLUSH_ROUNDS {
        if !c.needs_enter() || c.flush_cq().is_err() {
            return None;
        }
        let tail = s.cq_ktail().load(Ordering::Acquire);
        if tail != head {
            return Some(tail);
        }
        if !c.overflow_flag() {
            return None;
        }
    }
    None
}

/// A CQE fresh off the ring leaving through the plain view: accounted (the table, the
/// backpressure count), then shown as `Completer::deliver_raw` shows it, in one pass over the
/// table. The user_data to show, or `None` for the crate's own requests (skipped).
#[cold]
#[inline(never)]
fn deliver(s: &Shared, locked: bool, cqe: Cqe) -> Option<u64> {
    let user_data = cqe.user_data();
    count_out(s, cqe.flags().bits());
    if user_data & MANAGED == 0 {
        return Some(user_data);
    }
    if user_data == crate::table::INTERNAL {
        return None;
    }
    s.with_table(locked, |t| {
        match t.complete(&cqe) {
            crate::table::Reaped::More { tag: Some(tag) } => Some(tag),
            crate::table::Reaped::Done { tag: Some(tag) } => {
                // Nobody can take the op back through this view: dropped at its last CQE.
                t.release(user_data);
                Some(tag)
            }
            _ => Some(user_data),
        }
    })
}

/// Accounts a CQE fresh off the ring (the table, the backpressure count) and looks its op
/// up, in one pass over the table: the user_data to show (the tag for a tagged op) and the
/// token a [`Completion`](crate::Completion) may take the op back with (0 for none). `INTERNAL` as user_data
/// for the crate's own requests, which no user pushed.
#[inline(never)]
pub(crate) fn reap(s: &Shared, locked: bool, cqe: Cqe) -> (u64, u64) {
    let user_data = cqe.user_data();
    count_out(s, cqe.flags().bits());
    // `INTERNAL` needs no test of its own: its index is never a slot's, so the table says
    // `NotOurs` and it comes back as it is.
    if user_data & MANAGED == 0 {
        return (user_data, 0);
    }
    if !locked & !s.home.has_orphans() {
        // SAFETY: an unlocked half holds the ring exclusively (see `Shared::with_table`),
        // and no other borrow of the table is live in here.
        let t = unsafe { s.table_mut() };
        // The common case makes no call at all, so saves no registers.
        if let Some(tag) = t.complete_last(&cqe) {
            return match tag {
                Some(tag) => (tag, user_data),
                None => (user_data, 0),
            };
        }
    }
    reap_slow(s, locked, cqe)
}

/// [`reap`] in general: a split ring's (under the table's lock), with dropped tickets to
/// release, or a CQE that `Table::complete_last` left alone (an op that records its CQEs,
/// one with more to come, an orphan, a stale token).
#[inline(never)]
fn reap_slow(s: &Shared, locked: bool, cqe: Cqe) -> (u64, u64) {
    s.with_table(locked, |t| complete(t, cqe))
}

/// The table's part of [`reap`] for a managed CQE.
#[inline(always)]
fn complete(t: &mut crate::table::Table, cqe: Cqe) -> (u64, u64) {
    // Dropped tickets' ops are released before a CQE leaves the ring (`settle_orphans`),
    // never here: a drop that panics must not lose the CQE in hand.
    match t.complete(&cqe) {
        Reaped::More { tag: Some(tag) } | Reaped::Done { tag: Some(tag) } => (tag, cqe.user_data()),
        // A ticketed op's (its ticket takes it back), or one no live slot owns.
        _ => (cqe.user_data(), 0),
    }
}

/// A CQE accounted earlier (the reaped queue), dispatched: the CQE to show (the tag as
/// user_data for a tagged op) and the token (0 for none), as [`reap`] gives them.
#[inline(never)]
pub(crate) fn lookup(s: &Shared, locked: bool, cqe: Cqe) -> (Cqe, u64) {
    let token = cqe.user_data();
    if token & MANAGED == 0 {
        return (cqe, 0);
    }
    match s.with_table_releasing_nothing(locked, |t| t.tag(token)) {
        Some(tag) => (Cqe::new(tag, cqe.raw_result(), cqe.flags().bits()), token),
        // A ticketed op's (its ticket takes it back) or an internal request's.
        None => (cqe, 0),
    }
}

/// The backpressure count drops by one for a CQE that ends its op (only the completer
/// writes `completed`: a load and a store, no RMW).
#[inline]
pub(crate) fn count_out(s: &Shared, flags: u32) {
    if s.backpressure.is_some() && flags & sys::IORING_CQE_F_MORE == 0 {
        let done = s.completed.load(Ordering::Relaxed);
        if s.submitted.load(Ordering::Relaxed) != done {
            s.completed.store(done.wrapping_add(1), Ordering::Relaxed);
        }
    }
}

impl Iterator for CompletionQueue<'_> {
    type Item = Cqe;

    #[inline(always)]
    fn next(&mut self) -> Option<Cqe> {
        loop {
            if self.head == self.tail {
                match self.next_after_run()? {
                    // Accounted when it was reaped: only the user's view is left to make.
                    Some(c) if c.user_data() & MANAGED != 0 => {
                        match deliver_queued(self.c.s, self.c.locked, c) {
                            Some(c) => return Some(c),
                            None => continue,
                        }
                    }
                    Some(c) => return Some(c),
                    None => {}
                }
            }
            let cqe = self.take();
            if (cqe.user_data() | self.counted) & MANAGED != 0 {
                match deliver(self.c.s, self.c.locked, cqe) {
                    Some(u) => return Some(Cqe::new(u, cqe.raw_result(), cqe.flags().bits())),
                    None => continue,
                }
            }
            return Some(cqe);
        }
    }
}

/// A managed CQE from the reaped queue (accounted already), as the plain view shows it.
#[cold]
#[inline(never)]
fn deliver_queued(s: &Shared, locked: bool, cqe: Cqe) -> Option<Cqe> {
    Completer {
        s,
        locked,
        _not_sync: PhantomData,
    }
    .deliver_raw(cqe)
}
