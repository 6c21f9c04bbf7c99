//! Timeouts.
//!
//! No timeout op takes a flag word: its `IORING_TIMEOUT_*` bits come from its methods,
//! which set only `IORING_TIMEOUT_ABS`, a clock (`IORING_TIMEOUT_BOOTTIME` /
//! `IORING_TIMEOUT_REALTIME`, one at most), `IORING_TIMEOUT_ETIME_SUCCESS` and
//! `IORING_TIMEOUT_IMMEDIATE_ARG`; the crate's own `IORING_TIMEOUT_UPDATE` and
//! `IORING_LINK_TIMEOUT_UPDATE` only on [`TimeoutUpdate`], and `IORING_TIMEOUT_MULTISHOT`
//! only on [`TimeoutMulti`], the op whose stream takes its many completions (a [`Timeout`]
//! completes once).
//!
//! [`clock_now`] reads the clocks an absolute timeout is measured against.

use super::{define_ops, unit, Multishot, Shots};
use crate::sys::{
    IORING_LINK_TIMEOUT_UPDATE, IORING_TIMEOUT_ABS, IORING_TIMEOUT_ETIME_SUCCESS,
    IORING_TIMEOUT_IMMEDIATE_ARG, IORING_TIMEOUT_MULTISHOT,
};
use std::io;
use std::time::Duration;

/// The clock a timeout runs on (`IORING_TIMEOUT_CLOCK_MASK`): what a relative timeout
/// counts and what an absolute one is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeoutClock {
    /// `CLOCK_MONOTONIC`, the kernel's default.
    #[default]
    Monotonic,
    /// `CLOCK_BOOTTIME` (`IORING_TIMEOUT_BOOTTIME`, 5.15): counts time suspended too.
    #[doc(alias = "IORING_TIMEOUT_BOOTTIME")]
    Boottime,
    /// `CLOCK_REALTIME` (`IORING_TIMEOUT_REALTIME`, 5.15): wall-clock time.
    #[doc(alias = "IORING_TIMEOUT_REALTIME")]
    Realtime,
}

impl TimeoutClock {
    /// `flags` with this clock's bit in place of any other clock's.
    fn set(self, flags: u32) -> u32 {
        let others =
            flags & !(crate::sys::IORING_TIMEOUT_BOOTTIME | crate::sys::IORING_TIMEOUT_REALTIME);
        others
            | match self {
                TimeoutClock::Monotonic => 0,
                TimeoutClock::Boottime => crate::sys::IORING_TIMEOUT_BOOTTIME,
                TimeoutClock::Realtime => crate::sys::IORING_TIMEOUT_REALTIME,
            }
    }

    fn clockid(self) -> libc::clockid_t {
        match self {
            TimeoutClock::Monotonic => libc::CLOCK_MONOTONIC,
            TimeoutClock::Boottime => libc::CLOCK_BOOTTIME,
            TimeoutClock::Realtime => libc::CLOCK_REALTIME,
        }
    }
}

/// The time on `clock` now (`clock_gettime(2)`), as the offset from that clock's zero that
/// [`Timeout::absolute`], [`LinkTimeout::absolute`] and [`TimeoutUpdate::absolute`] take:
/// `Timeout::absolute(clock_now(TimeoutClock::Monotonic)? + Duration::from_millis(5))`
/// fires 5 ms from now. `EOVERFLOW` for a wall clock set before 1970 (no `Duration` says
/// that), and whatever error `clock_gettime` reports (none for these three clocks, unless
/// a seccomp filter denies the call).
///
/// # Example
/// ```
/// # #[cfg(not(liburing_has = "io_uring_prep_timeout"))]
/// # fn main() {}
/// # #[cfg(liburing_has = "io_uring_prep_timeout")]
/// # fn main() -> std::io::Result<()> {
/// use std::time::Duration;
/// use system_liburing::op::{clock_now, Timeout, TimeoutClock, TimeoutFired};
/// use system_liburing::Ring;
/// let mut ring = Ring::new(4)?;
/// // io_uring_prep_timeout(sqe, &ts, 0, IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME),
/// // ts from clock_gettime(CLOCK_BOOTTIME) + 2 ms
/// let at = clock_now(TimeoutClock::Boottime)? + Duration::from_millis(2);
/// let t = ring.push(Timeout::absolute(at).clock(TimeoutClock::Boottime))?;
/// assert_eq!(ring.wait_for(t)??, TimeoutFired::Expired);
/// assert!(clock_now(TimeoutClock::Boottime)? >= at); // it did not fire early
/// # Ok(()) }
/// ```
#[doc(alias = "clock_gettime")]
pub fn clock_now(clock: TimeoutClock) -> io::Result<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a live, writable timespec for the call to fill; the clock id is one
    // of the three constants above.
    if unsafe { libc::clock_gettime(clock.clockid(), &mut ts) } != 0 {
        return Err(io::Error::last_os_error());
    }
    match (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec)) {
        (Ok(s), Ok(ns)) if ns < 1_000_000_000 => Ok(Duration::new(s, ns)),
        _ => Err(io::Error::from_raw_os_error(libc::EOVERFLOW)),
    }
}

/// `struct __kernel_timespec`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

impl From<Duration> for KernelTimespec {
    fn from(d: Duration) -> Self {
        KernelTimespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        }
    }
}

impl KernelTimespec {
    /// The time as nanoseconds for `IORING_TIMEOUT_IMMEDIATE_ARG` (the kernel reads the
    /// word as a signed count: capped at `i64::MAX`, about 292 years).
    fn nanos(&self) -> u64 {
        (self.tv_sec as i128 * 1_000_000_000 + self.tv_nsec as i128).min(i64::MAX as i128) as u64
    }

    /// The SQE word that carries the time: a pointer to this timespec (which lives in the
    /// boxed op until its CQE), or with `IORING_TIMEOUT_IMMEDIATE_ARG` the nanoseconds
    /// themselves.
    fn word(&self, flags: u32) -> u64 {
        if flags & IORING_TIMEOUT_IMMEDIATE_ARG != 0 {
            self.nanos()
        } else {
            self as *const KernelTimespec as u64
        }
    }
}

/// `IORING_TIMEOUT_IMMEDIATE_ARG` takes relative times only: the kernel refuses it with
/// `IORING_TIMEOUT_ABS` (`EINVAL`), so the crate refuses the pair at push time.
fn immediate_ok(flags: u32) -> Result<(), crate::Refused> {
    let both = IORING_TIMEOUT_IMMEDIATE_ARG | IORING_TIMEOUT_ABS;
    if flags & both == both {
        Err(crate::Refused::new(
            "timeout_flags",
            u64::from(both),
            "IORING_TIMEOUT_IMMEDIATE_ARG carries relative times only (the kernel refuses \
             it with IORING_TIMEOUT_ABS)",
        ))
    } else {
        Ok(())
    }
}

/// How a [`Timeout`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutFired {
    /// The time passed (the kernel's `-ETIME`).
    Expired,
    /// `count` completions were posted first.
    CountReached,
}

/// `-ETIME` is a timer that fired; a count is a timeout completed by `count`.
fn fired(cqe: &crate::entry::Cqe) -> io::Result<TimeoutFired> {
    match cqe.raw_result() {
        r if r == -libc::ETIME => Ok(TimeoutFired::Expired),
        r if r >= 0 => Ok(TimeoutFired::CountReached),
        r => Err(io::Error::from_raw_os_error(r.saturating_neg())),
    }
}

define_ops! {
    /// A timeout that fires `after` from now (a zero duration fires at once), or earlier
    /// once [`count`](Timeout::count) completions were posted. Its flags come from its
    /// methods only: [`absolute`](Timeout::absolute), [`clock`](Timeout::clock),
    /// [`etime_success`](Timeout::etime_success).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use system_liburing::op::{Nop, Timeout, TimeoutClock, TimeoutFired};
    /// use system_liburing::{OpFlags, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // io_uring_prep_timeout(sqe, &ts, 0, 0): 1 ms from now
    /// let ticket = ring.push(Timeout::new(Duration::from_millis(1)))?;
    /// assert_eq!(ring.wait_for(ticket)??, TimeoutFired::Expired);
    /// // count 1: done as soon as one other completion is posted
    /// let ticket = ring.push(Timeout::new(Duration::from_secs(60)).count(1))?;
    /// ring.push_with_user_data(Nop::new(), 1)?;
    /// assert_eq!(ring.wait_for(ticket)??, TimeoutFired::CountReached);
    /// // IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_ETIME_SUCCESS: expiring does not break
    /// // the chain, so the linked NOP runs instead of being cancelled
    /// let sleep = Timeout::new(Duration::from_millis(1))
    ///     .clock(TimeoutClock::Boottime)
    ///     .etime_success()
    ///     .flags(OpFlags::IO_LINK);
    /// let sleep = ring.push(sleep)?;
    /// let then = ring.push(Nop::new())?;
    /// assert_eq!(ring.wait_for(sleep)??, TimeoutFired::Expired);
    /// ring.wait_for(then)??;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_timeout", IORING_OP_TIMEOUT, "5.4"]
    Timeout(after: Duration) { ts: KernelTimespec = after.into(), count: u32 = 0, timeout_flags: u32 = 0 }
    prepare(&mut self, sqe) {
        sqe.addr = self.ts.word(self.timeout_flags);
        sqe.len = 1;
        sqe.off = u64::from(self.count);
        sqe.op_flags = self.timeout_flags;
    }
    validate(&self, _ring) { immediate_ok(self.timeout_flags) }
    complete(self, cqe) -> io::Result<TimeoutFired> { fired(&cqe) }

    /// Removes a pending timeout by its user_data (`ENOENT` when there is none). The target
    /// may be a managed [`Timeout`]: it then completes with `ECANCELED`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use system_liburing::op::{Timeout, TimeoutRemove};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let timer = ring.push(Timeout::new(Duration::from_secs(60)))?;
    /// let remove = ring.push(TimeoutRemove::new(timer.user_data()))?;
    /// ring.wait_for(remove)??;
    /// // the timer ends at once, cancelled
    /// assert_eq!(ring.wait_for(timer)?.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_timeout_remove", IORING_OP_TIMEOUT_REMOVE, "5.5", unmanaged, owns_nothing]
    TimeoutRemove(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// Bounds the op pushed just before it (which must carry `IOSQE_IO_LINK`): if that op
    /// has not completed after `after`, it is cancelled (its result is `ECANCELED`) and this
    /// completes with `Ok(Expired)`; if it completed first, this completes with
    /// `Err(ECANCELED)`. Its flags come from its methods only
    /// ([`absolute`](LinkTimeout::absolute), [`clock`](LinkTimeout::clock)).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use system_liburing::op::{LinkTimeout, PollAdd, TimeoutFired};
    /// use system_liburing::{OpFlags, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// // a poll that would wait forever, bounded to 10 ms
    /// let poll = PollAdd::new(rx, libc::POLLIN as u32).flags(OpFlags::IO_LINK);
    /// let poll = ring.push(poll)?;
    /// let timer = ring.push(LinkTimeout::new(Duration::from_millis(10)))?;
    /// assert_eq!(ring.wait_for(timer)??, TimeoutFired::Expired);
    /// let (res, _rx) = ring.wait_for(poll)?;
    /// assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_link_timeout", IORING_OP_LINK_TIMEOUT, "5.5"]
    LinkTimeout(after: Duration) { ts: KernelTimespec = after.into(), timeout_flags: u32 = 0 }
    prepare(&mut self, sqe) {
        sqe.addr = self.ts.word(self.timeout_flags);
        sqe.len = 1;
        sqe.op_flags = self.timeout_flags;
    }
    validate(&self, _ring) { immediate_ok(self.timeout_flags) }
    complete(self, cqe) -> io::Result<TimeoutFired> { fired(&cqe) }

    /// Re-arms a pending timeout (found by its user_data) to fire `after` from now
    /// (`IORING_TIMEOUT_UPDATE`, set by the op; [`absolute`](TimeoutUpdate::absolute) for a
    /// point in time, [`linked`](TimeoutUpdate::linked) for a [`LinkTimeout`]). The
    /// target keeps its clock. The target may be a managed timeout: it still completes
    /// under its own user_data.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use system_liburing::op::{LinkTimeout, PollAdd, Timeout, TimeoutFired, TimeoutUpdate};
    /// use system_liburing::{OpFlags, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let timer = ring.push(Timeout::new(Duration::from_secs(60)))?;
    /// // re-armed: now 1 ms from now instead of a minute
    /// let update = TimeoutUpdate::new(timer.user_data(), Duration::from_millis(1));
    /// let ticket = ring.push(update)?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(ring.wait_for(timer)??, TimeoutFired::Expired);
    /// // IORING_LINK_TIMEOUT_UPDATE: a linked timeout, shortened the same way
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32).flags(OpFlags::IO_LINK))?;
    /// let timer = ring.push(LinkTimeout::new(Duration::from_secs(60)))?;
    /// ring.submit()?; // the link timeout is armed once its head is issued
    /// let update = TimeoutUpdate::new(timer.user_data(), Duration::from_millis(1)).linked();
    /// let ticket = ring.push(update)?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(ring.wait_for(timer)??, TimeoutFired::Expired);
    /// assert!(ring.wait_for(poll)?.0.is_err()); // cancelled by its timeout
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_timeout_update", IORING_OP_TIMEOUT_REMOVE, "5.11"]
    TimeoutUpdate(target: u64, after: Duration) {
        target: u64 = target, ts: KernelTimespec = after.into(), timeout_flags: u32 = crate::sys::IORING_TIMEOUT_UPDATE
    }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
        sqe.off = self.ts.word(self.timeout_flags);
        sqe.op_flags = self.timeout_flags;
    }
    validate(&self, _ring) { immediate_ok(self.timeout_flags) }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// A timer that fires every `every` (`IORING_TIMEOUT_MULTISHOT`, set by the op), `times`
    /// times, or until it is removed when `times` is 0. Each expiry is one item of the
    /// op's stream ([`Ring::next_shot`](crate::Ring::next_shot)), `Ok(())` for the kernel's
    /// `-ETIME`; the stream ends after the last one, or with `ECANCELED` when a
    /// [`TimeoutRemove`] (or a cancel) stops it. Unlike [`Timeout`], completions posted in
    /// between do not count (`sqe->off` is the number of expiries). A zero `every` is
    /// refused at push time (it would fire without pause). Its flags come from its methods
    /// only: [`clock`](TimeoutMulti::clock), [`immediate_arg`](TimeoutMulti::immediate_arg);
    /// an absolute time has no meaning for a repeating timer (the kernel refuses
    /// `IORING_TIMEOUT_ABS` with it). [`Ring::finish`](crate::Ring::finish) hands back the
    /// items never taken.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use system_liburing::op::{TimeoutMulti, TimeoutRemove};
    /// use system_liburing::{PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // io_uring_prep_timeout(sqe, &ts, 3, IORING_TIMEOUT_MULTISHOT): three 1 ms ticks
    /// let ticks = ring.push(TimeoutMulti::new(Duration::from_millis(1), 3))?;
    /// let mut n = 0;
    /// while let Some(tick) = ring.next_shot(&ticks)? {
    ///     match tick {
    ///         Err(e) if n == 0 && e.raw_os_error() == Some(libc::EINVAL) => {
    ///             eprintln!("skipped: this kernel predates IORING_TIMEOUT_MULTISHOT (6.4)");
    ///             return Ok(());
    ///         }
    ///         tick => tick?, // -ETIME, with IORING_CQE_F_MORE on all but the last
    ///     }
    ///     n += 1;
    /// }
    /// assert_eq!(n, 3);
    /// // count 0: until removed
    /// let ticks = ring.push(TimeoutMulti::new(Duration::from_millis(1), 0))?;
    /// for _ in 0..5 {
    ///     ring.next_shot(&ticks)?.expect("still armed")?;
    /// }
    /// ring.push_with_user_data(TimeoutRemove::new(ticks.user_data()), 1)?;
    /// let mut last = Ok(());
    /// while let Some(tick) = ring.next_shot(&ticks)? {
    ///     last = tick;
    /// }
    /// assert_eq!(last.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // a zero period is refused
    /// let zero = TimeoutMulti::new(Duration::ZERO, 0);
    /// assert!(matches!(ring.push(zero), Err(PushError::Invalid(_, why)) if why.what() == "every"));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_timeout", IORING_OP_TIMEOUT, "6.4"]
    TimeoutMulti(every: Duration, times: u32) {
        ts: KernelTimespec = every.into(), times: u32 = times,
        timeout_flags: u32 = IORING_TIMEOUT_MULTISHOT, shots: Shots = Shots::default()
    }
    prepare(&mut self, sqe) {
        sqe.addr = self.ts.word(self.timeout_flags);
        sqe.len = 1;
        sqe.off = u64::from(self.times);
        sqe.op_flags = self.timeout_flags;
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    validate(&self, _ring) {
        if self.ts.nanos() == 0 {
            return Err(crate::Refused::new(
                "every",
                0,
                "a multishot timeout with a zero period would fire without pause",
            ));
        }
        immediate_ok(self.timeout_flags)
    }
    complete(self, _cqe) -> Vec<io::Result<()>> { std::iter::from_fn(|| self.take_item()).collect() }
}

/// The setters the timeout family shares on the `timeout_flags` word each op keeps (its
/// push-time check refuses what the kernel would misread): `clock` where the op takes one,
/// and `immediate_arg` with the op's own documentation.
// Unused where the linked liburing has no timeout helper (0.1).
#[allow(unused_macros)]
macro_rules! timeout_setters {
    ($ty:ident, clock, immediate_arg: $(#[$doc:meta])*) => {
        impl $ty {
            /// Runs on `clock` (5.15) instead of `CLOCK_MONOTONIC`.
            pub fn clock(mut self, clock: TimeoutClock) -> Self {
                self.timeout_flags = clock.set(self.timeout_flags);
                self
            }
        }
        timeout_setters!($ty, immediate_arg: $(#[$doc])*);
    };
    ($ty:ident, immediate_arg: $(#[$doc:meta])*) => {
        impl $ty {
            $(#[$doc])*
            #[doc(alias = "IORING_TIMEOUT_IMMEDIATE_ARG")]
            pub fn immediate_arg(mut self) -> Self {
                self.timeout_flags |= IORING_TIMEOUT_IMMEDIATE_ARG;
                self
            }
        }
    };
}

#[cfg(liburing_has = "io_uring_prep_timeout")]
impl Timeout {
    /// Fires `after` from now.
    pub fn relative(after: Duration) -> Self {
        Self::new(after)
    }

    /// Fires at `at` on its clock (`IORING_TIMEOUT_ABS`; `CLOCK_MONOTONIC` unless
    /// [`clock`](Self::clock) says otherwise).
    #[doc(alias = "IORING_TIMEOUT_ABS")]
    pub fn absolute(at: Duration) -> Self {
        let mut t = Self::new(at);
        t.timeout_flags |= IORING_TIMEOUT_ABS;
        t
    }

    /// Also completes once `count` completions were posted on this ring after it was
    /// queued (any op's, managed or not; `sqe->off`). 0, the default, waits for the time
    /// only.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Expiry does not fail a chain (`IORING_TIMEOUT_ETIME_SUCCESS`, 5.16): with
    /// `IOSQE_IO_LINK` the next op runs after the time passes instead of being cancelled.
    /// The result is still [`TimeoutFired::Expired`].
    #[doc(alias = "IORING_TIMEOUT_ETIME_SUCCESS")]
    pub fn etime_success(mut self) -> Self {
        self.timeout_flags |= IORING_TIMEOUT_ETIME_SUCCESS;
        self
    }
}

#[cfg(liburing_has = "io_uring_prep_timeout")]
timeout_setters!(Timeout, clock, immediate_arg:
    /// Carries the time in the SQE itself, as nanoseconds, instead of a pointer to a
    /// timespec (`IORING_TIMEOUT_IMMEDIATE_ARG`, kernel 7.1; older kernels complete the op
    /// with `EINVAL`). Relative times only: with an absolute time it is refused at push
    /// time. The crate keeps the timespec alive either way; what changes is what the
    /// kernel reads.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use system_liburing::op::{Timeout, TimeoutFired};
    /// use system_liburing::{PushError, Ring};
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_timeout(sqe, (void *)1000000, 0, IORING_TIMEOUT_IMMEDIATE_ARG)
    /// let t = ring.push(Timeout::new(Duration::from_millis(1)).immediate_arg())?;
    /// match ring.wait_for(t)? {
    ///     Ok(fired) => assert_eq!(fired, TimeoutFired::Expired),
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("skipped: this kernel predates IORING_TIMEOUT_IMMEDIATE_ARG (7.1)")
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// // not with an absolute time
    /// let abs = Timeout::absolute(Duration::from_secs(1)).immediate_arg();
    /// assert!(matches!(ring.push(abs), Err(PushError::Invalid(_, why)) if why.what() == "timeout_flags"));
    /// # Ok(()) }
    /// ```
);

#[cfg(liburing_has = "io_uring_prep_link_timeout")]
impl LinkTimeout {
    /// Cancels the linked op at `at` on its clock (`IORING_TIMEOUT_ABS`).
    #[doc(alias = "IORING_TIMEOUT_ABS")]
    pub fn absolute(at: Duration) -> Self {
        let mut t = Self::new(at);
        t.timeout_flags |= IORING_TIMEOUT_ABS;
        t
    }
}

#[cfg(liburing_has = "io_uring_prep_link_timeout")]
timeout_setters!(LinkTimeout, clock, immediate_arg:
    /// The time in the SQE as nanoseconds (`IORING_TIMEOUT_IMMEDIATE_ARG`, 7.1), relative
    /// times only: as [`Timeout::immediate_arg`].
);

#[cfg(liburing_has = "io_uring_prep_timeout_update")]
impl TimeoutUpdate {
    /// Re-arms the timeout whose user_data is `target` to fire at `at` on its clock
    /// (`IORING_TIMEOUT_ABS`).
    #[doc(alias = "IORING_TIMEOUT_ABS")]
    pub fn absolute(target: u64, at: Duration) -> Self {
        let mut t = Self::new(target, at);
        t.timeout_flags |= IORING_TIMEOUT_ABS;
        t
    }

    /// The target is a [`LinkTimeout`] (`IORING_LINK_TIMEOUT_UPDATE`, 5.15).
    #[doc(alias = "IORING_LINK_TIMEOUT_UPDATE")]
    pub fn linked(mut self) -> Self {
        self.timeout_flags |= IORING_LINK_TIMEOUT_UPDATE;
        self
    }
}

#[cfg(liburing_has = "io_uring_prep_timeout_update")]
timeout_setters!(TimeoutUpdate, immediate_arg:
    /// The new time in `sqe->addr2` as nanoseconds (`IORING_TIMEOUT_IMMEDIATE_ARG`, 7.1),
    /// relative times only: as [`Timeout::immediate_arg`].
);

#[cfg(liburing_has = "io_uring_prep_timeout")]
timeout_setters!(TimeoutMulti, clock, immediate_arg:
    /// The time in the SQE as nanoseconds (`IORING_TIMEOUT_IMMEDIATE_ARG`, 7.1), relative
    /// times only: as [`Timeout::immediate_arg`].
);

#[cfg(liburing_has = "io_uring_prep_timeout")]
impl Multishot for TimeoutMulti {
    type Item = io::Result<()>;
    fn take_item(&mut self) -> Option<Self::Item> {
        // -ETIME is an expiry; -ECANCELED (removed) or another errno ends the stream.
        self.shots.pop().map(|c| match c.raw_result() {
            r if r == -libc::ETIME || r >= 0 => Ok(()),
            r => Err(io::Error::from_raw_os_error(r.saturating_neg())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // The op tests need `io_uring_prep_timeout` (liburing 0.2); `clock_now` is always here.
    #[cfg(liburing_has = "io_uring_prep_timeout")]
    use crate::op::private::Sealed;

    #[cfg(liburing_has = "io_uring_prep_timeout")]
    fn sqe(op: &mut impl Sealed) -> crate::entry::Sqe {
        let mut sqe = crate::entry::Sqe::default();
        op.prepare(&mut sqe, 1);
        sqe
    }

    #[cfg(liburing_has = "io_uring_prep_timeout")]
    fn flags(op: &mut impl Sealed) -> u32 {
        sqe(op).op_flags
    }

    #[cfg(liburing_has = "io_uring_prep_timeout")]
    #[test]
    fn timeouts_carry_only_what_their_methods_set() {
        use crate::sys::IORING_TIMEOUT_BOOTTIME;
        let d = Duration::from_secs(1);
        assert_eq!(flags(&mut Timeout::new(d)), 0);
        let t = Timeout::absolute(d)
            .clock(TimeoutClock::Realtime)
            .clock(TimeoutClock::Boottime);
        assert_eq!(
            flags(&mut t.etime_success()),
            IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_ETIME_SUCCESS
        );
        #[cfg(liburing_has = "io_uring_prep_link_timeout")]
        {
            let l = LinkTimeout::absolute(d).clock(TimeoutClock::Realtime);
            assert_eq!(
                flags(&mut l.clock(TimeoutClock::Monotonic)),
                IORING_TIMEOUT_ABS
            );
            assert_eq!(
                flags(&mut LinkTimeout::new(d).clock(TimeoutClock::Realtime)),
                crate::sys::IORING_TIMEOUT_REALTIME
            );
        }
        #[cfg(liburing_has = "io_uring_prep_timeout_update")]
        {
            use crate::sys::IORING_TIMEOUT_UPDATE;
            assert_eq!(flags(&mut TimeoutUpdate::new(9, d)), IORING_TIMEOUT_UPDATE);
            assert_eq!(
                flags(&mut TimeoutUpdate::absolute(9, d).linked()),
                IORING_TIMEOUT_UPDATE | IORING_TIMEOUT_ABS | IORING_LINK_TIMEOUT_UPDATE
            );
        }
        assert_eq!(
            flags(&mut TimeoutMulti::new(d, 2).clock(TimeoutClock::Boottime)),
            IORING_TIMEOUT_MULTISHOT | IORING_TIMEOUT_BOOTTIME
        );
    }

    #[cfg(liburing_has = "io_uring_prep_timeout")]
    #[test]
    fn count_is_the_offset() {
        let s = sqe(&mut Timeout::new(Duration::ZERO).count(3));
        assert_eq!((s.off, s.len), (3, 1));
        // a multishot timeout's offset is its number of expiries
        let s = sqe(&mut TimeoutMulti::new(Duration::from_millis(1), 7));
        assert_eq!((s.off, s.len), (7, 1));
    }

    /// With `IORING_TIMEOUT_IMMEDIATE_ARG` the time word is nanoseconds (capped where the
    /// kernel's signed reading would turn negative); without it, the op's own timespec.
    #[cfg(liburing_has = "io_uring_prep_timeout")]
    #[test]
    fn immediate_arg_puts_nanoseconds_in_the_time_word() {
        let d = Duration::new(2, 5);
        let s = sqe(&mut Timeout::new(d).immediate_arg());
        assert_eq!(
            (s.addr, s.op_flags),
            (2_000_000_005, IORING_TIMEOUT_IMMEDIATE_ARG)
        );
        let mut t = Timeout::new(d);
        let s = sqe(&mut t);
        assert_eq!(s.addr, &t.ts as *const KernelTimespec as u64);
        #[cfg(liburing_has = "io_uring_prep_timeout_update")]
        {
            let s = sqe(&mut TimeoutUpdate::new(9, d).immediate_arg());
            assert_eq!((s.addr, s.off), (9, 2_000_000_005));
        }
        #[cfg(liburing_has = "io_uring_prep_link_timeout")]
        {
            let s = sqe(&mut LinkTimeout::new(Duration::MAX).immediate_arg());
            assert_eq!(s.addr, i64::MAX as u64);
        }
        let s = sqe(&mut TimeoutMulti::new(d, 0).immediate_arg());
        assert_eq!(s.addr, 2_000_000_005);
    }

    #[cfg(liburing_has = "io_uring_prep_timeout")]
    #[test]
    fn immediate_arg_is_refused_with_an_absolute_time_and_zero_periods_are_refused() {
        let d = Duration::from_secs(1);
        let what = |r: Result<(), crate::Refused>| r.err().map(|e| e.what());
        assert_eq!(
            what(Timeout::absolute(d).immediate_arg().validate(1)),
            Some("timeout_flags")
        );
        #[cfg(liburing_has = "io_uring_prep_link_timeout")]
        assert_eq!(
            what(LinkTimeout::absolute(d).immediate_arg().validate(1)),
            Some("timeout_flags")
        );
        #[cfg(liburing_has = "io_uring_prep_timeout_update")]
        assert_eq!(
            what(TimeoutUpdate::absolute(9, d).immediate_arg().validate(1)),
            Some("timeout_flags")
        );
        assert_eq!(what(Timeout::new(d).immediate_arg().validate(1)), None);
        assert_eq!(
            what(TimeoutMulti::new(Duration::ZERO, 0).validate(1)),
            Some("every")
        );
        assert_eq!(
            what(TimeoutMulti::new(Duration::from_nanos(1), 0).validate(1)),
            None
        );
    }

    /// The wall clock agrees with `SystemTime`; the others only move forward and do not
    /// count from 1970.
    #[test]
    fn clock_now_reads_each_clock() {
        let wall = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
        };
        let (a, b, c) = (wall(), clock_now(TimeoutClock::Realtime).unwrap(), wall());
        assert!(a <= b && b <= c, "{a:?} {b:?} {c:?}");
        for clock in [TimeoutClock::Monotonic, TimeoutClock::Boottime] {
            let (x, y) = (clock_now(clock).unwrap(), clock_now(clock).unwrap());
            assert!(x <= y && y < a, "{clock:?}: {x:?} {y:?}");
        }
    }
}
