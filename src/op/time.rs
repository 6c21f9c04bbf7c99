//! Timeouts.
//!
//! No timeout op takes a flag word: its `IORING_TIMEOUT_*` bits come from its methods,
//! which set only `IORING_TIMEOUT_ABS`, a clock (`IORING_TIMEOUT_BOOTTIME` /
//! `IORING_TIMEOUT_REALTIME`, one at most) and `IORING_TIMEOUT_ETIME_SUCCESS`; the crate's own
//! `IORING_TIMEOUT_UPDATE` and `IORING_LINK_TIMEOUT_UPDATE` only on [`TimeoutUpdate`].
//! `IORING_TIMEOUT_MULTISHOT` (6.4) is never set: a managed timeout completes once.

use super::{define_ops, unit};
use std::io;
use std::time::Duration;

/// `IORING_LINK_TIMEOUT_UPDATE` (5.15) and `IORING_TIMEOUT_ETIME_SUCCESS` (5.16), kernel ABI
/// spelled out: older headers lack them.
const LINK_TIMEOUT_UPDATE: u32 = 1 << 4;
const TIMEOUT_ETIME_SUCCESS: u32 = 1 << 5;

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

/// How a [`Timeout`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutFired {
    /// The time passed (the kernel's `-ETIME`).
    Expired,
    /// `count` completions were posted first.
    CountReached,
}

/// `-ETIME` is a timer that fired; a count is a timeout completed by `count`.
fn fired(cqe: &crate::Cqe) -> io::Result<TimeoutFired> {
    match cqe.raw_result() {
        r if r == -libc::ETIME => Ok(TimeoutFired::Expired),
        r if r >= 0 => Ok(TimeoutFired::CountReached),
        r => Err(io::Error::from_raw_os_error(-r)),
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
        // The timespec lives in the boxed op until the CQE.
        sqe.addr = &self.ts as *const KernelTimespec as u64;
        sqe.len = 1;
        sqe.off = u64::from(self.count);
        sqe.op_flags = self.timeout_flags;
    }
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
    ["io_uring_prep_timeout_remove", IORING_OP_TIMEOUT_REMOVE, "5.5", unmanaged]
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
        sqe.addr = &self.ts as *const KernelTimespec as u64;
        sqe.len = 1;
        sqe.op_flags = self.timeout_flags;
    }
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
        sqe.off = &self.ts as *const KernelTimespec as u64;
        sqe.op_flags = self.timeout_flags;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
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
        t.timeout_flags |= crate::sys::IORING_TIMEOUT_ABS;
        t
    }

    /// Also completes once `count` completions were posted on this ring after it was
    /// queued (any op's, managed or not; `sqe->off`). 0, the default, waits for the time
    /// only.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }

    /// Runs on `clock` (5.15) instead of `CLOCK_MONOTONIC`.
    pub fn clock(mut self, clock: TimeoutClock) -> Self {
        self.timeout_flags = clock.set(self.timeout_flags);
        self
    }

    /// Expiry does not fail a chain (`IORING_TIMEOUT_ETIME_SUCCESS`, 5.16): with
    /// `IOSQE_IO_LINK` the next op runs after the time passes instead of being cancelled.
    /// The result is still [`TimeoutFired::Expired`].
    #[doc(alias = "IORING_TIMEOUT_ETIME_SUCCESS")]
    pub fn etime_success(mut self) -> Self {
        self.timeout_flags |= TIMEOUT_ETIME_SUCCESS;
        self
    }
}

#[cfg(liburing_has = "io_uring_prep_link_timeout")]
impl LinkTimeout {
    /// Cancels the linked op at `at` on its clock (`IORING_TIMEOUT_ABS`).
    #[doc(alias = "IORING_TIMEOUT_ABS")]
    pub fn absolute(at: Duration) -> Self {
        let mut t = Self::new(at);
        t.timeout_flags |= crate::sys::IORING_TIMEOUT_ABS;
        t
    }

    /// Runs on `clock` (5.15) instead of `CLOCK_MONOTONIC`.
    pub fn clock(mut self, clock: TimeoutClock) -> Self {
        self.timeout_flags = clock.set(self.timeout_flags);
        self
    }
}

#[cfg(liburing_has = "io_uring_prep_timeout_update")]
impl TimeoutUpdate {
    /// Re-arms the timeout whose user_data is `target` to fire at `at` on its clock
    /// (`IORING_TIMEOUT_ABS`).
    #[doc(alias = "IORING_TIMEOUT_ABS")]
    pub fn absolute(target: u64, at: Duration) -> Self {
        let mut t = Self::new(target, at);
        t.timeout_flags |= crate::sys::IORING_TIMEOUT_ABS;
        t
    }

    /// The target is a [`LinkTimeout`] (`IORING_LINK_TIMEOUT_UPDATE`, 5.15).
    #[doc(alias = "IORING_LINK_TIMEOUT_UPDATE")]
    pub fn linked(mut self) -> Self {
        self.timeout_flags |= LINK_TIMEOUT_UPDATE;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;
    use crate::sys::{IORING_TIMEOUT_ABS, IORING_TIMEOUT_BOOTTIME, IORING_TIMEOUT_REALTIME};

    fn flags(op: &mut impl Sealed) -> u32 {
        let mut sqe = crate::sq::Sqe::default();
        op.prepare(&mut sqe, 1);
        sqe.op_flags
    }

    #[test]
    fn timeouts_carry_only_what_their_methods_set() {
        let d = Duration::from_secs(1);
        assert_eq!(flags(&mut Timeout::new(d)), 0);
        let t = Timeout::absolute(d)
            .clock(TimeoutClock::Realtime)
            .clock(TimeoutClock::Boottime);
        assert_eq!(
            flags(&mut t.etime_success()),
            IORING_TIMEOUT_ABS | IORING_TIMEOUT_BOOTTIME | TIMEOUT_ETIME_SUCCESS
        );
        let l = LinkTimeout::absolute(d).clock(TimeoutClock::Realtime);
        assert_eq!(
            flags(&mut l.clock(TimeoutClock::Monotonic)),
            IORING_TIMEOUT_ABS
        );
        assert_eq!(
            flags(&mut LinkTimeout::new(d).clock(TimeoutClock::Realtime)),
            IORING_TIMEOUT_REALTIME
        );
        let update = crate::sys::IORING_TIMEOUT_UPDATE;
        assert_eq!(flags(&mut TimeoutUpdate::new(9, d)), update);
        assert_eq!(
            flags(&mut TimeoutUpdate::absolute(9, d).linked()),
            update | IORING_TIMEOUT_ABS | LINK_TIMEOUT_UPDATE
        );
    }

    #[test]
    fn count_is_the_offset() {
        let mut sqe = crate::sq::Sqe::default();
        Timeout::new(Duration::ZERO).count(3).prepare(&mut sqe, 1);
        assert_eq!((sqe.off, sqe.len), (3, 1));
    }

    #[cfg(liburing_has = "io_uring_prep_fixed_fd_install")]
    #[test]
    fn spelled_out_bits_match_the_header() {
        assert_eq!(LINK_TIMEOUT_UPDATE, crate::sys::IORING_LINK_TIMEOUT_UPDATE);
        assert_eq!(
            TIMEOUT_ETIME_SUCCESS,
            crate::sys::IORING_TIMEOUT_ETIME_SUCCESS
        );
    }
}
