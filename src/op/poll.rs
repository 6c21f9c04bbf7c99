//! Readiness polling, and epoll through the ring.
//!
//! Every event mask is checked against its reviewed bits ([`POLL_EVENTS`],
//! [`POLL_ADD_EVENTS`], [`EPOLL_EVENTS`]); whether a poll is multishot is the op's own
//! choice ([`PollAdd`] or [`PollMulti`]), never a bit the user passes.

use super::{define_ops, unit, Multishot, Shots};
use crate::entry::MANAGED;
use crate::error::allow_bits;
use crate::fd::{IoFd, OsFd};
use crate::Refused;
use std::io;

/// The readiness bits a poll mask may carry (`poll(2)`'s `events`): `POLLIN`, `POLLPRI`,
/// `POLLOUT`, `POLLERR`, `POLLHUP`, `POLLNVAL`, `POLLRDNORM`, `POLLRDBAND`, `POLLWRNORM`,
/// `POLLWRBAND` (5.1) and `POLLRDHUP` (5.1), with this architecture's values (libc's).
/// They are the bits the kernel's `demangle_poll` reads; they say what to wait for, never
/// what memory is touched. Any other bit is refused: in a [`PollUpdate`] the kernel keeps
/// only these, and `POLLMSG` (which libc does not define and no file reports) is left out.
pub const POLL_EVENTS: u32 = (libc::POLLIN
    | libc::POLLPRI
    | libc::POLLOUT
    | libc::POLLERR
    | libc::POLLHUP
    | libc::POLLNVAL
    | libc::POLLRDNORM
    | libc::POLLRDBAND
    | libc::POLLWRNORM
    | libc::POLLWRBAND
    | libc::POLLRDHUP) as u16 as u32;

/// The bits a [`PollAdd`] / [`PollMulti`] mask may carry: [`POLL_EVENTS`] and
/// `EPOLLEXCLUSIVE` (4.5; kernels whose io_uring poll predates it ignore it): wake only one
/// of a file's exclusive waiters, for load balancing. Refused: `EPOLLONESHOT` and `EPOLLET` (the kernel sets them
/// itself from the op: one-shot unless [`PollMulti`], edge-triggered always), `EPOLLWAKEUP`
/// (io_uring drops it), and every unnamed bit.
pub const POLL_ADD_EVENTS: u32 = POLL_EVENTS | libc::EPOLLEXCLUSIVE as u32;

/// The bits an [`EpollCtl`] event's `events` may carry (`epoll_ctl(2)`): `EPOLLIN`,
/// `EPOLLPRI`, `EPOLLOUT`, `EPOLLERR`, `EPOLLHUP`, `EPOLLRDNORM`, `EPOLLRDBAND`,
/// `EPOLLWRNORM`, `EPOLLWRBAND`, `EPOLLMSG`, `EPOLLRDHUP` (2.6.17), `EPOLLET`,
/// `EPOLLONESHOT` (2.6.2), `EPOLLWAKEUP` (3.5) and `EPOLLEXCLUSIVE` (4.5). They describe the
/// interest the epoll instance keeps; the event's data is the caller's own word, stored in
/// the caller's own epoll instance. Any other bit is refused.
pub const EPOLL_EVENTS: u32 = (libc::EPOLLIN
    | libc::EPOLLPRI
    | libc::EPOLLOUT
    | libc::EPOLLERR
    | libc::EPOLLHUP
    | libc::EPOLLRDNORM
    | libc::EPOLLRDBAND
    | libc::EPOLLWRNORM
    | libc::EPOLLWRBAND
    | libc::EPOLLMSG
    | libc::EPOLLRDHUP
    | libc::EPOLLEXCLUSIVE
    | libc::EPOLLWAKEUP
    | libc::EPOLLONESHOT
    | libc::EPOLLET) as u32;

/// The `IORING_POLL_UPDATE_*` bits a [`PollUpdate`] may carry (5.13):
/// `IORING_POLL_UPDATE_EVENTS` (replace the mask) and `IORING_POLL_UPDATE_USER_DATA`
/// (replace the user_data, outside the crate's reserved half only). Refused:
/// `IORING_POLL_ADD_MULTI` (whether a poll is multishot is the op that armed it) and every
/// other bit.
pub const POLL_UPDATE_FLAGS: u32 = POLL_UPDATE_EVENTS | POLL_UPDATE_USER_DATA;

/// The `epoll_wait` flags an `EpollWait` may carry: none. The kernel (6.15) refuses any
/// today, and the bits proposed for it (multishot waits, events into a provided buffer)
/// change where and how often the kernel writes: refused until reviewed.
pub const EPOLL_WAIT_FLAGS: u32 = 0;

/// `IORING_POLL_UPDATE_EVENTS` / `_USER_DATA` (5.13), kernel ABI spelled out: the oldest
/// headers lack them.
const POLL_UPDATE_EVENTS: u32 = 1 << 1;
const POLL_UPDATE_USER_DATA: u32 = 1 << 2;

/// `poll32_events`: the 16-bit `poll_events` of pre-5.9 kernels is its low half on
/// little-endian machines; liburing swaps the halves on big-endian ones.
fn poll_mask(events: u32) -> u32 {
    if cfg!(target_endian = "big") {
        events.rotate_left(16)
    } else {
        events
    }
}

fn poll_events_ok(events: u32, allowed: u32) -> Result<(), Refused> {
    allow_bits(
        "events",
        u64::from(events),
        u64::from(allowed),
        "only the reviewed poll bits are passed (POLL_ADD_EVENTS; POLL_EVENTS for an update): \
         one-shot, multishot and edge-triggered come from the op",
    )
}

define_ops! {
    /// Waits until `fd` is ready for `events` (`libc::POLLIN as u32`, ...; the reviewed
    /// bits are [`POLL_ADD_EVENTS`], any other is refused at push time); completes with the
    /// ready events. Hands back the file.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::PollAdd, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// tx.write_all(b"x")?;
    /// // poll(&(struct pollfd){ .fd = rx, .events = POLLIN }, 1, -1)
    /// let ticket = ring.push(PollAdd::new(rx, libc::POLLIN as u32))?;
    /// let (events, _rx) = ring.wait_for(ticket)?;
    /// assert_eq!(events? & libc::POLLIN as u32, libc::POLLIN as u32);
    /// // EPOLLONESHOT is the op's own business, not the mask's
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let mask = libc::POLLIN as u32 | libc::EPOLLONESHOT as u32;
    /// assert!(ring.push(PollAdd::new(rx, mask)).is_err());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_add", IORING_OP_POLL_ADD, "5.1", unmanaged]
    PollAdd<F: IoFd>(fd: F, events: u32) { fd: F = fd, events: u32 = events }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.op_flags = poll_mask(self.events);
    }
    validate(&self, _ring) { poll_events_ok(self.events, POLL_ADD_EVENTS) }
    complete(self, cqe) -> (io::Result<u32>, F) { (cqe.result(), self.fd) }

    /// Removes a pending poll by its user_data (`ENOENT` when there is none). The target
    /// may be a managed [`PollAdd`]: it then completes with `ECANCELED`, as its ticket
    /// expects.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{PollAdd, PollRemove};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32))?; // nothing comes
    /// let target = poll.user_data();
    /// let remove = ring.push(PollRemove::new(target))?;
    /// ring.wait_for(remove)??;
    /// let (res, _rx) = ring.wait_for(poll)?;
    /// assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// // it is gone: a second removal finds nothing
    /// let remove = ring.push(PollRemove::new(target))?;
    /// assert_eq!(ring.wait_for(remove)?.unwrap_err().raw_os_error(), Some(libc::ENOENT));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_remove", IORING_OP_POLL_REMOVE, "5.1", unmanaged, owns_nothing]
    PollRemove(target: u64) { target: u64 = target }
    prepare(&mut self, sqe) {
        sqe.addr = self.target;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// Multishot poll (`IORING_POLL_ADD_MULTI`, 5.13): stays armed; each readiness is an
    /// item of the stream (the ready events). The mask's reviewed bits are
    /// [`POLL_ADD_EVENTS`]. [`Ring::finish`](crate::Ring::finish) hands back the items
    /// never taken, then the file.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::{AsyncCancel, PollMulti}, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// let ticket = ring.push(PollMulti::new(rx, libc::POLLIN as u32))?;
    /// for byte in [b"x", b"y"] {
    ///     tx.write_all(byte)?;
    ///     // one item per wake-up; the poll stays armed (IORING_CQE_F_MORE)
    ///     let events = ring.next_shot(&ticket)?.expect("still armed")?;
    ///     assert_eq!(events & libc::POLLIN as u32, libc::POLLIN as u32);
    /// }
    /// // cancelled, the stream ends and the socket comes back
    /// ring.push_with_user_data(AsyncCancel::ticket(&ticket), 1)?;
    /// while ring.next_shot(&ticket)?.is_some() {}
    /// let (_rest, _rx) = ring.finish(ticket)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_multishot", IORING_OP_POLL_ADD, "5.13"]
    PollMulti<F: IoFd>(fd: F, events: u32) { fd: F = fd, events: u32 = events, shots: Shots = Shots::default() }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.op_flags = poll_mask(self.events);
        sqe.len = crate::sys::IORING_POLL_ADD_MULTI;
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    validate(&self, _ring) { poll_events_ok(self.events, POLL_ADD_EVENTS) }
    complete(self, _cqe) -> (Vec<io::Result<u32>>, F) {
        (std::iter::from_fn(|| self.take_item()).collect(), self.fd)
    }

    /// Changes a pending poll found by `old_user_data`: its mask (with
    /// `IORING_POLL_UPDATE_EVENTS` in `flags`; bits [`POLL_EVENTS`]) and/or its user_data
    /// (with `IORING_POLL_UPDATE_USER_DATA`). `flags` beyond [`POLL_UPDATE_FLAGS`] are
    /// refused at push time, and so is moving a user_data into or out of the crate's
    /// reserved half (bit 63): a managed op's completion can neither be taken from its
    /// ticket nor forged. Updating the mask of a managed poll is fine (it still completes
    /// under its own user_data).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::op::{PollAdd, PollUpdate};
    /// use system_liburing::{sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, _tx) = UnixStream::pair()?;
    /// // waits for input that never comes...
    /// let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32))?;
    /// // ...until its mask becomes POLLOUT, which the socket is at once
    /// let flags = sys::IORING_POLL_UPDATE_EVENTS;
    /// let update = PollUpdate::new(poll.user_data(), 0, libc::POLLOUT as u32, flags);
    /// let update = ring.push(update)?;
    /// ring.wait_for(update)??;
    /// let (events, _rx) = ring.wait_for(poll)?;
    /// assert_eq!(events? & libc::POLLOUT as u32, libc::POLLOUT as u32);
    /// // a managed op's user_data cannot be moved out of the reserved half
    /// let (rx, _tx) = UnixStream::pair()?;
    /// let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32))?;
    /// let steal = PollUpdate::new(poll.user_data(), 7, 0, sys::IORING_POLL_UPDATE_USER_DATA);
    /// assert!(ring.push(steal).is_err());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_poll_update", IORING_OP_POLL_REMOVE, "5.13", unmanaged, owns_nothing]
    PollUpdate(old_user_data: u64, new_user_data: u64, events: u32, flags: u32) {
        old: u64 = old_user_data, new: u64 = new_user_data, events: u32 = events, update_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.addr = self.old;
        sqe.off = self.new;
        sqe.len = self.update_flags;
        sqe.op_flags = poll_mask(self.events);
    }
    validate(&self, _ring) { self.check() }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `epoll_ctl(2)` on `epfd` for `fd` (`op`: `libc::EPOLL_CTL_ADD`, `_MOD` or `_DEL`;
    /// any other value is refused), with an owned event whose `events` bits are checked
    /// against [`EPOLL_EVENTS`]. The op holds both files, the epoll instance and the one
    /// added, until it completes (`epfd` and `fd` are plain fds the kernel resolves itself:
    /// a number the program does not own could name someone else's epoll instance), and
    /// hands them back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::EpollCtl, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// // SAFETY: epoll_create1 takes no pointers; a non-negative result is a new fd.
    /// let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    /// assert!(ep >= 0);
    /// // SAFETY: nobody else owns the new fd.
    /// let ep = unsafe { OwnedFd::from_raw_fd(ep) };
    /// let event = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 7 };
    /// let ticket = ring.push(EpollCtl::new(ep, rx, libc::EPOLL_CTL_ADD, event))?;
    /// let (res, ep, _rx) = ring.wait_for(ticket)?;
    /// res?;
    /// // rx is in the set now: epoll_wait reports it, with its data
    /// tx.write_all(b"x")?;
    /// let mut ready = [libc::epoll_event { events: 0, u64: 0 }];
    /// // SAFETY: room for one event.
    /// let n = unsafe { libc::epoll_wait(ep.as_raw_fd(), ready.as_mut_ptr(), 1, 1000) };
    /// assert_eq!((n, ready[0].u64), (1, 7));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_epoll_ctl", IORING_OP_EPOLL_CTL, "5.6"]
    EpollCtl<E: OsFd, F: OsFd>(epfd: E, fd: F, op: i32, event: libc::epoll_event) {
        epfd: E = epfd, fd: F = fd, op: i32 = op, event: EpollEvent = EpollEvent(event)
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.epfd.os_fd();
        sqe.addr = &self.event.0 as *const libc::epoll_event as u64;
        sqe.len = self.op as u32;
        sqe.off = self.fd.os_fd() as u32 as u64;
    }
    validate(&self, _ring) { self.event.check(self.op) }
    complete(self, cqe) -> (io::Result<()>, E, F) { (unit(&cqe), self.epfd, self.fd) }

    /// `epoll_wait(2)` on `epfd` through the ring (`IORING_OP_EPOLL_WAIT`): completes once
    /// at least one event is ready, with up to `maxevents` of them (a count past what the
    /// op gave the kernel is never believed). `maxevents` of 0, past the kernel's limit, or
    /// too large to allocate is refused at push time; `flags` must be within
    /// [`EPOLL_WAIT_FLAGS`] (none). Hands back the epoll instance.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::{FromRawFd, OwnedFd};
    /// use std::sync::Arc;
    /// use system_liburing::{op::{EpollCtl, EpollWait}, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // SAFETY: epoll_create1 has no memory-safety preconditions.
    /// let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    /// assert!(epfd >= 0);
    /// // SAFETY: the new fd is ours alone.
    /// let ep = Arc::new(unsafe { OwnedFd::from_raw_fd(epfd) });
    /// let (rx, mut tx) = std::os::unix::net::UnixStream::pair()?;
    /// let ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 77 };
    /// let t = ring.push(EpollCtl::new(ep.clone(), rx, libc::EPOLL_CTL_ADD, ev))?;
    /// let (res, _ep, _rx) = ring.wait_for(t)?; // keep rx open: it is what is watched
    /// res?;
    /// let wait = match ring.push(EpollWait::new(ep, 4, 0)) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("skipped: the running kernel has no IORING_OP_EPOLL_WAIT (6.15)");
    ///         return Ok(());
    ///     }
    ///     wait => wait?,
    /// };
    /// tx.write_all(b"x")?;
    /// let (events, _ep) = ring.wait_for(wait)?;
    /// let events = events?;
    /// assert_eq!(events.len(), 1);
    /// let (data, flags) = (events[0].u64, events[0].events);
    /// assert_eq!((data, flags & libc::EPOLLIN as u32 != 0), (77, true));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_epoll_wait", IORING_OP_EPOLL_WAIT, "6.15"]
    EpollWait<E: IoFd>(epfd: E, maxevents: usize, flags: u32) {
        epfd: E = epfd, maxevents: usize = maxevents, events: EpollEvents = EpollEvents::room(maxevents),
        wait_flags: u32 = flags, given: u32 = 0
    }
    fds(epfd: E)
    prepare(&mut self, sqe) {
        // validate checked 1 <= maxevents <= EP_MAX_EVENTS (< i32::MAX) and the room.
        self.given = self.maxevents as u32;
        sqe.set_fd(&self.epfd);
        sqe.addr = self.events.0.as_mut_ptr() as u64;
        sqe.len = self.given;
        sqe.op_flags = self.wait_flags;
    }
    validate(&self, _ring) {
        allow_bits(
            "epoll_wait flags",
            u64::from(self.wait_flags),
            u64::from(EPOLL_WAIT_FLAGS),
            "no epoll_wait flag has been reviewed (EPOLL_WAIT_FLAGS)",
        )?;
        self.events.check(self.maxevents)
    }
    complete(self, cqe) -> (io::Result<Vec<libc::epoll_event>>, E) {
        let res = super::count(&cqe).map(|n| {
            let mut events = self.events.0;
            // SAFETY: the kernel wrote n events into the room it was given: never more
            // than `given` (at most the capacity, checked in validate) is believed.
            unsafe { events.set_len(n.min(self.given as usize)) };
            events
        });
        (res, self.epfd)
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

impl EpollEvent {
    /// The `op` is one `epoll_ctl` knows, and the event's bits are reviewed ones.
    fn check(&self, op: i32) -> Result<(), Refused> {
        if ![
            libc::EPOLL_CTL_ADD,
            libc::EPOLL_CTL_MOD,
            libc::EPOLL_CTL_DEL,
        ]
        .contains(&op)
        {
            return Err(Refused::new(
                "op",
                u64::from(op as u32),
                "epoll_ctl takes EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL",
            ));
        }
        allow_bits(
            "epoll events",
            u64::from(self.0.events),
            u64::from(EPOLL_EVENTS),
            "only the reviewed EPOLL* bits (EPOLL_EVENTS) are passed",
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_poll_update")]
impl PollUpdate {
    /// Flags within [`POLL_UPDATE_FLAGS`], a mask within [`POLL_EVENTS`], and no user_data
    /// moved into or out of the crate's reserved half.
    fn check(&self) -> Result<(), Refused> {
        allow_bits(
            "poll update flags",
            u64::from(self.update_flags),
            u64::from(POLL_UPDATE_FLAGS),
            "only IORING_POLL_UPDATE_EVENTS and _USER_DATA (POLL_UPDATE_FLAGS): multishot is \
             the armed op's own",
        )?;
        poll_events_ok(self.events, POLL_EVENTS)?;
        if self.update_flags & POLL_UPDATE_USER_DATA != 0 {
            if self.old & MANAGED != 0 {
                return Err(Refused::new(
                    "old_user_data",
                    self.old,
                    "a managed op's completion would move out of the crate's reserved half \
                     (its ticket would never complete)",
                ));
            }
            if self.new & MANAGED != 0 {
                return Err(Refused::new(
                    "new_user_data",
                    self.new,
                    "a user_data in the crate's reserved half (bit 63) would forge a managed \
                     op's completion",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
impl<F: IoFd> Multishot for PollMulti<F> {
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
    fn check(&self, maxevents: usize) -> Result<(), Refused> {
        if maxevents == 0 || maxevents > EP_MAX_EVENTS {
            Err(Refused::new(
                "maxevents",
                maxevents as u64,
                "maxevents must be 1..=INT_MAX / sizeof(struct epoll_event)",
            ))
        } else if self.0.capacity() < maxevents {
            Err(Refused::new(
                "maxevents",
                maxevents as u64,
                "no memory for maxevents events",
            ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;

    fn devnull() -> std::fs::File {
        std::fs::File::open("/dev/null").unwrap()
    }

    #[test]
    fn poll_masks_are_reviewed_bits_only() {
        let ok = PollAdd::new(devnull(), POLL_ADD_EVENTS);
        assert!(ok.validate(1).is_ok());
        for bit in [
            libc::EPOLLONESHOT as u32,
            libc::EPOLLET as u32,
            libc::EPOLLWAKEUP as u32,
            0x4000, // the kernel's internal POLLFREE
            1 << 20,
        ] {
            let why = PollAdd::new(devnull(), libc::POLLIN as u32 | bit).validate(1);
            assert_eq!(why.unwrap_err().value(), u64::from(bit));
            #[cfg(liburing_has = "io_uring_prep_poll_multishot")]
            {
                let why = PollMulti::new(devnull(), bit).validate(1);
                assert_eq!(why.unwrap_err().what(), "events");
            }
        }
        // an update keeps only the readiness bits: EPOLLEXCLUSIVE would be dropped
        #[cfg(liburing_has = "io_uring_prep_poll_update")]
        {
            let up = PollUpdate::new(1, 0, libc::EPOLLEXCLUSIVE as u32, POLL_UPDATE_EVENTS);
            assert!(up.validate(1).is_err());
        }
    }

    #[cfg(all(
        liburing_has = "io_uring_prep_poll_multishot",
        liburing_has = "io_uring_prep_poll_update"
    ))]
    #[test]
    fn multishot_comes_from_the_op_only() {
        let mut sqe = crate::entry::Sqe::default();
        PollAdd::new(devnull(), libc::POLLIN as u32).prepare(&mut sqe, 1);
        assert_eq!(sqe.len, 0);
        PollMulti::new(devnull(), libc::POLLIN as u32).prepare(&mut sqe, 1);
        assert_eq!(sqe.len, crate::sys::IORING_POLL_ADD_MULTI);
        let multi = crate::sys::IORING_POLL_ADD_MULTI;
        let up = PollUpdate::new(1, 0, libc::POLLIN as u32, POLL_UPDATE_EVENTS | multi);
        assert_eq!(up.validate(1).unwrap_err().value(), u64::from(multi));
    }

    #[cfg(liburing_has = "io_uring_prep_poll_update")]
    #[test]
    fn poll_update_never_crosses_the_reserved_half() {
        let managed = MANAGED | 5;
        let user = POLL_UPDATE_USER_DATA;
        let out = PollUpdate::new(managed, 7, 0, user).validate(1);
        assert_eq!(out.unwrap_err().what(), "old_user_data");
        let forged = PollUpdate::new(7, managed, 0, user).validate(1);
        assert_eq!(forged.unwrap_err().what(), "new_user_data");
        // the mask of a managed poll may change: it still completes as itself
        let events = PollUpdate::new(managed, 0, libc::POLLOUT as u32, POLL_UPDATE_EVENTS);
        assert!(events.validate(1).is_ok());
        assert!(PollUpdate::new(7, 8, 0, user).validate(1).is_ok());
    }

    #[cfg(liburing_has = "io_uring_prep_epoll_ctl")]
    #[test]
    fn epoll_ctl_ops_and_events() {
        let ev = |events| libc::epoll_event { events, u64: 0 };
        let add = EpollCtl::new(devnull(), devnull(), libc::EPOLL_CTL_ADD, ev(EPOLL_EVENTS));
        assert!(add.validate(1).is_ok());
        let op = EpollCtl::new(devnull(), devnull(), 4, ev(0)).validate(1);
        assert_eq!(op.unwrap_err().what(), "op");
        let bits = EpollCtl::new(devnull(), devnull(), libc::EPOLL_CTL_MOD, ev(1 << 27));
        assert_eq!(bits.validate(1).unwrap_err().value(), 1 << 27);
    }

    #[cfg(liburing_has = "io_uring_prep_epoll_wait")]
    #[test]
    fn epoll_wait_believes_no_more_events_than_it_gave() {
        assert!(EpollWait::new(devnull(), 2, 1).validate(1).is_err());
        assert!(EpollWait::new(devnull(), 0, 0).validate(1).is_err());
        let mut op = EpollWait::new(devnull(), 2, 0);
        op.validate(1).unwrap();
        let mut sqe = crate::entry::Sqe::default();
        op.prepare(&mut sqe, 1);
        assert_eq!(sqe.len, 2);
        let (events, _ep) = crate::op::Op::complete(op, crate::entry::Cqe::new(0, 1000, 0));
        assert_eq!(events.unwrap().len(), 2);
    }

    #[cfg(liburing_has = "io_uring_prep_fixed_fd_install")]
    #[test]
    fn spelled_out_bits_match_the_header() {
        assert_eq!(POLL_UPDATE_EVENTS, crate::sys::IORING_POLL_UPDATE_EVENTS);
        assert_eq!(
            POLL_UPDATE_USER_DATA,
            crate::sys::IORING_POLL_UPDATE_USER_DATA
        );
    }
}
