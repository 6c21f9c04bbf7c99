//! Timeouts.

use super::{define_ops, unit};
use std::io;
use std::time::Duration;

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
    /// once [`count`](Timeout::count) other completions were posted.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use system_liburing::op::{Nop, Timeout, TimeoutFired};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// // io_uring_prep_timeout(sqe, &ts, 0, 0): 1 ms from now
    /// let ticket = ring.push(Timeout::new(Duration::from_millis(1)))?;
    /// assert_eq!(ring.wait_for(ticket)??, TimeoutFired::Expired);
    /// // count 1: done as soon as one other completion is posted
    /// let ticket = ring.push(Timeout::new(Duration::from_secs(60)).count(1))?;
    /// ring.push_with_user_data(Nop::new(), 1)?;
    /// assert_eq!(ring.wait_for(ticket)??, TimeoutFired::CountReached);
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

    /// Removes a pending timeout by its user_data.
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
    /// `Err(ECANCELED)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use system_liburing::op::{LinkTimeout, PollAdd, TimeoutFired};
    /// use system_liburing::{Ring, SqeFlags};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// // a poll that would wait forever, bounded to 10 ms
    /// let poll = PollAdd::new(rx.as_raw_fd(), libc::POLLIN).flags(SqeFlags::IO_LINK);
    /// let poll = ring.push(poll)?;
    /// let timer = ring.push(LinkTimeout::new(Duration::from_millis(10)))?;
    /// assert_eq!(ring.wait_for(timer)??, TimeoutFired::Expired);
    /// assert_eq!(ring.wait_for(poll)?.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
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
    /// (`flags`: `IORING_TIMEOUT_ABS`... ; `IORING_TIMEOUT_UPDATE` is added).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use system_liburing::op::{Timeout, TimeoutFired, TimeoutUpdate};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let timer = ring.push(Timeout::new(Duration::from_secs(60)))?;
    /// // re-armed: now 1 ms from now instead of a minute
    /// let update = TimeoutUpdate::new(timer.user_data(), Duration::from_millis(1), 0);
    /// let ticket = ring.push(update)?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(ring.wait_for(timer)??, TimeoutFired::Expired);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_timeout_update", IORING_OP_TIMEOUT_REMOVE, "5.11"]
    TimeoutUpdate(target: u64, after: Duration, flags: u32) { target: u64 = target, ts: KernelTimespec = after.into(), timeout_flags: u32 = flags }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
        sqe.off = &self.ts as *const KernelTimespec as u64;
        sqe.op_flags = self.timeout_flags | crate::sys::IORING_TIMEOUT_UPDATE;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
}

#[cfg(liburing_has = "io_uring_prep_timeout")]
impl Timeout {
    /// Fires `after` from now.
    pub fn relative(after: Duration) -> Self {
        Self::new(after)
    }

    /// Fires at `at` on `CLOCK_MONOTONIC` (`IORING_TIMEOUT_ABS`).
    pub fn absolute(at: Duration) -> Self {
        let mut t = Self::new(at);
        t.timeout_flags |= crate::sys::IORING_TIMEOUT_ABS;
        t
    }

    /// Also completes once `count` other completions were posted.
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
}
