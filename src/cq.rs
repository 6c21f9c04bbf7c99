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

use crate::error::CqesDropped;
use crate::flags::{CqeFlags, SqFlags};
use crate::inflight::MANAGED;
use crate::ring::Shared;
use crate::{sys, syscall};
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// A completion, copied out of the ring (no reference into ring memory survives the call
/// that returned it). Laid out like the kernel's `struct io_uring_cqe`, so it is copied out
/// as one 16-byte value (two 8-byte halves reloaded as one would stall store forwarding).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

impl Cqe {
    /// A completion with these fields (for tests and for code that forwards CQEs).
    pub const fn new(user_data: u64, res: i32, flags: u32) -> Cqe {
        Cqe {
            user_data,
            res,
            flags,
        }
    }

    /// The SQE's user_data.
    #[doc(alias = "io_uring_cqe_get_data64")]
    pub const fn user_data(&self) -> u64 {
        self.user_data
    }

    /// The raw result: a count or `-errno`.
    pub const fn raw_result(&self) -> i32 {
        self.res
    }

    /// The result as `io::Result`: the count, or the errno as `io::Error`.
    pub fn result(&self) -> io::Result<u32> {
        crate::error::cvt(self.res)
    }

    /// `IORING_CQE_F_*` flags.
    pub const fn flags(&self) -> CqeFlags {
        CqeFlags::from_bits_retain(self.flags)
    }

    /// The provided-buffer id, when `IORING_CQE_F_BUFFER` is set.
    pub const fn buffer_id(&self) -> Option<u16> {
        if self.flags & sys::IORING_CQE_F_BUFFER != 0 {
            Some((self.flags >> 16) as u16)
        } else {
            None
        }
    }

    /// Whether this CQE belongs to one of the crate's managed operations.
    pub const fn is_managed(&self) -> bool {
        self.user_data & MANAGED != 0
    }
}

/// The kernel ABI of a CQE's first 16 bytes (`struct io_uring_cqe`) is `Cqe` itself.
pub(crate) type CqeAbi = Cqe;

const _: () = assert!(std::mem::size_of::<Cqe>() == std::mem::size_of::<sys::io_uring_cqe>());
const _: () =
    assert!(std::mem::offset_of!(Cqe, res) == std::mem::offset_of!(sys::io_uring_cqe, res));

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
const MAX_FLUSH_ROUNDS: usize = 4;

/// The completing half of a ring: peeks, waits, drains. Obtained from
/// [`Ring::split`](crate::Ring::split) (or used implicitly by `Ring`'s own methods).
pub struct Completer<'a> {
    pub(crate) s: &'a Shared,
    pub(crate) _not_sync: PhantomData<std::cell::Cell<()>>,
}

impl Completer<'_> {
    /// Takes the next CQE off the ring itself (not the reaped queue).
    #[inline(always)]
    pub(crate) fn pop_ring(&mut self) -> Option<Cqe> {
        let s = self.s;
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
        // One branch for the rare cases, so the common path stays small enough to inline.
        if (cqe.user_data & MANAGED != 0) | s.backpressure.is_some() {
            self.account(&cqe);
        }
        Some(cqe)
    }

    /// Book-keeping for a CQE leaving the ring: managed ops are marked done (so their
    /// memory may be handed back), and the backpressure count drops.
    #[cold]
    #[inline(never)]
    fn account(&self, cqe: &Cqe) {
        if cqe.user_data & MANAGED != 0 {
            self.s.inflight().complete(cqe);
        }
        if self.s.backpressure.is_some() && cqe.flags & sys::IORING_CQE_F_MORE == 0 {
            // Only the completer writes `completed`: a load and a store, no RMW.
            let done = self.s.completed.load(Ordering::Relaxed);
            if self.s.submitted.load(Ordering::Relaxed) != done {
                self.s
                    .completed
                    .store(done.wrapping_add(1), Ordering::Relaxed);
            }
        }
    }

    #[inline]
    fn reaped(&mut self) -> &mut std::collections::VecDeque<Cqe> {
        // SAFETY: the reaped queue is the completer's alone (unique Completer or &mut Ring).
        unsafe { &mut *self.s.reaped.get() }
    }

    /// The next completion, or `None` when there is none — after flushing the kernel's
    /// overflow list / task work if the ring was empty and the kernel had any.
    #[doc(alias = "io_uring_peek_cqe")]
    #[inline(always)]
    pub fn peek(&mut self) -> io::Result<Option<Cqe>> {
        // Completions reaped earlier (EBUSY recovery, wait_for) are older than the ring's.
        if !self.reaped().is_empty() {
            return Ok(self.reaped().pop_front());
        }
        if let Some(c) = self.pop_ring() {
            return Ok(Some(c));
        }
        self.peek_slow()
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

    fn overflow_flag(&self) -> bool {
        self.s.sq_kflags().load(Ordering::Acquire) & SqFlags::CQ_OVERFLOW.bits() != 0
    }

    /// Whether an empty CQ ring may still have completions that only entering the kernel
    /// brings out.
    #[inline]
    fn needs_enter(&self) -> bool {
        self.s.always_enter_for_cq
            || self.s.sq_kflags().load(Ordering::Acquire)
                & (SqFlags::CQ_OVERFLOW.bits() | SqFlags::TASKRUN.bits())
                != 0
    }

    /// One `IORING_ENTER_GETEVENTS` without submitting or waiting.
    fn flush_cq(&mut self) -> io::Result<()> {
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
            self.enter_wait(1, None)?;
        }
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
            self.enter_wait(n - ready, None)?;
        }
    }

    /// Waits up to `timeout` for a completion; `Ok(None)` when none came.
    #[doc(alias = "io_uring_wait_cqe_timeout")]
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<Cqe>> {
        let deadline = Instant::now() + timeout;
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
                    out[n] = c;
                    n += 1;
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
        let head = s.cq_khead().load(Ordering::Acquire);
        let tail = s.cq_ktail().load(Ordering::Acquire);
        let n = (tail.wrapping_sub(head) as usize).min(out.len());
        let mut any = 0u64;
        for (i, slot) in out[..n].iter_mut().enumerate() {
            let index = ((head.wrapping_add(i as u32) & s.cq_mask) as usize) << s.cqe_shift;
            // SAFETY: as in `pop_ring`: published by the kernel, not yet released by us.
            *slot = unsafe { s.cqes.add(index).read() };
            any |= slot.user_data;
        }
        if n > 0 {
            s.cq_khead()
                .store(head.wrapping_add(n as u32), Ordering::Release);
            if (any & MANAGED != 0) | s.backpressure.is_some() {
                for c in &out[..n] {
                    self.account(c);
                }
            }
        }
        n
    }

    /// Moves everything the kernel has (ring and overflow list) into the reaped queue, so
    /// that the next peeks return it in order. Used before retrying an `EBUSY` submit.
    pub(crate) fn reap_all_into_queue(&mut self) -> io::Result<()> {
        loop {
            while let Some(c) = self.pop_ring() {
                self.reaped().push_back(c);
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
        let c = loop {
            if let Some(c) = self.pop_ring() {
                break c;
            }
            if self.needs_enter() {
                self.flush_cq()?;
                if let Some(c) = self.pop_ring() {
                    break c;
                }
            }
            self.enter_wait(1, None)?;
        };
        if Some(c.user_data) != token {
            self.reaped().push_back(c);
        }
        Ok(())
    }

    /// Removes a CQE from the reaped queue (the one `Ring::wait_for` already handed over).
    pub(crate) fn forget_reaped(&mut self, user_data: u64) {
        let q = self.reaped();
        if let Some(i) = q.iter().rposition(|c| c.user_data == user_data) {
            q.remove(i);
        }
    }

    /// The kernel's CQ overflow counter (`cq.koverflow`): completions it could not post.
    pub fn cq_overflow(&self) -> u32 {
        self.s.cq_overflow()
    }
}
