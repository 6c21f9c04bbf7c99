//! Readiness polling.

use super::{define_ops, unit, Multishot, Shots};
use crate::inflight::MANAGED;
use std::io;
use std::os::fd::RawFd;

/// `poll32_events`: the 16-bit `poll_events` of pre-5.9 kernels is its low half on
/// little-endian machines; liburing swaps the halves on big-endian ones.
fn poll_mask(events: i16) -> u32 {
    let m = events as u16 as u32;
    if cfg!(target_endian = "big") {
        m.rotate_left(16)
    } else {
        m
    }
}

define_ops! {
    /// Waits until `fd` is ready for `events` (`libc::POLLIN`, `POLLOUT`...); completes with
    /// the ready events.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::PollAdd, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// tx.write_all(b"x")?;
    /// // poll(&(struct pollfd){ .fd = rx, .events = POLLIN }, 1, -1)
    /// let ticket = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?;
    /// let events = ring.wait_for(ticket)??;
    /// assert_eq!(events & libc::POLLIN as u32, libc::POLLIN as u32);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_add", IORING_OP_POLL_ADD, "5.1", unmanaged, fixed_file]
    PollAdd(fd: RawFd, events: i16) { fd: RawFd = fd, events: i16 = events }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = poll_mask(self.events);
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Removes a pending poll by its user_data (`ENOENT` when there is none).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{PollAdd, PollRemove};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?; // nothing comes
    /// let target = poll.user_data();
    /// let remove = ring.push(PollRemove::new(target))?;
    /// ring.wait_for(remove)??;
    /// assert_eq!(ring.wait_for(poll)?.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // it is gone: a second removal finds nothing
    /// let remove = ring.push(PollRemove::new(target))?;
    /// assert_eq!(ring.wait_for(remove)?.unwrap_err().raw_os_error(), Some(libc::ENOENT));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_remove", IORING_OP_POLL_REMOVE, "5.1", unmanaged]
    PollRemove(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// Multishot poll (`IORING_POLL_ADD_MULTI`, 5.13): stays armed; each readiness is an
    /// item of the stream (the ready events).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::PollMulti, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// let ticket = ring.push(PollMulti::new(rx.as_raw_fd(), libc::POLLIN))?;
    /// for byte in [b"x", b"y"] {
    ///     tx.write_all(byte)?;
    ///     // one item per wake-up; the poll stays armed (IORING_CQE_F_MORE)
    ///     let events = ring.next_shot(&ticket)?.expect("still armed")?;
    ///     assert_eq!(events & libc::POLLIN as u32, libc::POLLIN as u32);
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_multishot", IORING_OP_POLL_ADD, "5.13", fixed_file]
    PollMulti(fd: RawFd, events: i16) { fd: RawFd = fd, events: i16 = events, shots: Shots = Shots::default() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = poll_mask(self.events);
        sqe.len = crate::sys::IORING_POLL_ADD_MULTI;
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    complete(self, _cqe) -> Vec<io::Result<u32>> { std::iter::from_fn(|| self.take_item()).collect() }

    /// Changes a pending poll found by `old_user_data`: its events (with
    /// `IORING_POLL_UPDATE_EVENTS` in `flags`) and/or its user_data (with
    /// `IORING_POLL_UPDATE_USER_DATA`; the crate's reserved user_data is refused on either
    /// side, so a managed op can neither be hijacked nor forged).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{PollAdd, PollUpdate};
    /// use system_liburing::{sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// // waits for input that never comes...
    /// let poll = ring.push(PollAdd::new(rx.as_raw_fd(), libc::POLLIN))?;
    /// // ...until its mask becomes POLLOUT, which the socket is at once
    /// let flags = sys::IORING_POLL_UPDATE_EVENTS;
    /// let update = ring.push(PollUpdate::new(poll.user_data(), 0, libc::POLLOUT, flags))?;
    /// ring.wait_for(update)??;
    /// assert_eq!(ring.wait_for(poll)?? & libc::POLLOUT as u32, libc::POLLOUT as u32);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_update", IORING_OP_POLL_REMOVE, "5.13", unmanaged]
    PollUpdate(old_user_data: u64, new_user_data: u64, events: i16, flags: u32) {
        old: u64 = old_user_data, new: u64 = new_user_data, events: i16 = events, update_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.addr = self.old;
        sqe.off = self.new;
        sqe.len = self.update_flags;
        sqe.op_flags = poll_mask(self.events);
    }
    validate(&self, _ring) {
        if self.update_flags & crate::sys::IORING_POLL_UPDATE_USER_DATA != 0
            && (self.old | self.new) & MANAGED != 0
        {
            Err("a poll update may not move user_data into or out of the crate's reserved half")
        } else {
            Ok(())
        }
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `epoll_ctl(2)` on `epfd` for `fd` (`op`: `libc::EPOLL_CTL_ADD`...), with an owned event.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::EpollCtl, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// // SAFETY: epoll_create1 takes no pointers.
    /// let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    /// assert!(ep >= 0);
    /// let event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 7 };
    /// let ticket = ring.push(EpollCtl::new(ep, rx.as_raw_fd(), libc::EPOLL_CTL_ADD, event))?;
    /// ring.wait_for(ticket)??;
    /// // rx is in the set now: epoll_wait reports it, with its data
    /// tx.write_all(b"x")?;
    /// let mut ready = [libc::epoll_event { events: 0, u64: 0 }];
    /// // SAFETY: room for one event.
    /// let n = unsafe { libc::epoll_wait(ep, ready.as_mut_ptr(), 1, 1000) };
    /// assert_eq!((n, ready[0].u64), (1, 7));
    /// # unsafe { libc::close(ep) };
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_epoll_ctl", IORING_OP_EPOLL_CTL, "5.6"]
    EpollCtl(epfd: RawFd, fd: RawFd, op: i32, event: libc::epoll_event) {
        epfd: RawFd = epfd, fd: RawFd = fd, op: i32 = op, event: EpollEvent = EpollEvent(event)
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.epfd;
        sqe.addr = &self.event.0 as *const libc::epoll_event as u64;
        sqe.len = self.op as u32;
        sqe.off = self.fd as u64;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `epoll_wait(2)` on `epfd` through the ring (`IORING_OP_EPOLL_WAIT`): completes once
    /// at least one event is ready, with up to `maxevents` of them. `maxevents` of 0, past
    /// the kernel's limit, or too large to allocate is refused at push time.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::{EpollCtl, EpollWait}, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // SAFETY: epoll_create1 has no memory-safety preconditions.
    /// let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    /// assert!(epfd >= 0);
    /// let (rx, mut tx) = std::os::unix::net::UnixStream::pair()?;
    /// let ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 77 };
    /// let t = ring.push(EpollCtl::new(epfd, rx.as_raw_fd(), libc::EPOLL_CTL_ADD, ev))?;
    /// ring.wait_for(t)??;
    /// let wait = ring.push(EpollWait::new(epfd, 4, 0))?;
    /// tx.write_all(b"x")?;
    /// let events = ring.wait_for(wait)??;
    /// assert_eq!(events.len(), 1);
    /// let (data, flags) = (events[0].u64, events[0].events);
    /// assert_eq!((data, flags & libc::EPOLLIN as u32 != 0), (77, true));
    /// # unsafe { libc::close(epfd) };
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_epoll_wait", IORING_OP_EPOLL_WAIT, "6.15"]
    EpollWait(epfd: RawFd, maxevents: usize, flags: u32) {
        epfd: RawFd = epfd, maxevents: usize = maxevents, events: EpollEvents = EpollEvents::room(maxevents),
        wait_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.epfd;
        sqe.addr = self.events.0.as_mut_ptr() as u64;
        sqe.len = self.events.0.capacity().min(i32::MAX as usize) as u32;
        sqe.op_flags = self.wait_flags;
    }
    validate(&self, _ring) { self.events.check(self.maxevents) }
    complete(self, cqe) -> io::Result<Vec<libc::epoll_event>> {
        let n = super::count(&cqe)?;
        let mut events = self.events.0;
        // SAFETY: the kernel wrote n events, at most the capacity it was given.
        unsafe { events.set_len(n.min(events.capacity())) };
        Ok(events)
    }
}

/// The event an [`EpollCtl`] passes.
pub struct EpollEvent(libc::epoll_event);

impl std::fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (events, data) = (self.0.events, self.0.u64);
        write!(f, "EpollEvent({events:#x}, {data})")
    }
}

#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
impl Multishot for PollMulti {
    type Item = io::Result<u32>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.shots.pop().map(|c| c.result())
    }
}

/// The events an [`EpollWait`] fills.
#[allow(dead_code)] // used only where liburing has io_uring_prep_epoll_wait
struct EpollEvents(Vec<libc::epoll_event>);

impl std::fmt::Debug for EpollEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EpollEvents(capacity {})", self.0.capacity())
    }
}

/// The kernel's `EP_MAX_EVENTS`: `INT_MAX / sizeof(struct epoll_event)`.
#[allow(dead_code)]
const EP_MAX_EVENTS: usize = i32::MAX as usize / std::mem::size_of::<libc::epoll_event>();

#[allow(dead_code)]
impl EpollEvents {
    /// Whether there is room for `maxevents` events, and the kernel takes that many.
    fn check(&self, maxevents: usize) -> Result<(), &'static str> {
        if maxevents == 0 || maxevents > EP_MAX_EVENTS {
            Err("maxevents must be 1..=INT_MAX / sizeof(struct epoll_event)")
        } else if self.0.capacity() < maxevents {
            Err("no memory for maxevents events")
        } else {
            Ok(())
        }
    }

    /// Room for `n` events, or none when `n` is out of range or the allocation fails (the
    /// op's `validate` then refuses it: an allocation failure is an error, never an abort).
    fn room(n: usize) -> EpollEvents {
        let mut v = Vec::new();
        if n <= EP_MAX_EVENTS {
            // A failed reservation leaves `v` empty, which `check` refuses.
            let _ = v.try_reserve_exact(n);
        }
        EpollEvents(v)
    }
}
