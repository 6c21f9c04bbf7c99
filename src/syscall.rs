//! The raw system calls the safe layer issues itself, and the fault-injection seam around
//! them. Going to the syscall directly (rather than through liburing's exported wrappers,
//! which only exist since 2.2) is what keeps the safe layer working on every liburing.

use std::io;

/// `io_uring_enter(2)`. Returns the kernel's count, or the errno.
#[inline]
pub(crate) fn enter(
    fd: i32,
    to_submit: u32,
    min_complete: u32,
    flags: u32,
    arg: *const libc::c_void,
    argsz: usize,
) -> io::Result<u32> {
    #[cfg(feature = "fault-injection")]
    if let Some(e) = fault::take(fault::Site::Enter) {
        return Err(io::Error::from_raw_os_error(e));
    }
    // SAFETY: io_uring_enter only reads `arg` (an io_uring_getevents_arg or sigset of
    // `argsz` bytes, or null) for the duration of the call; every pointer passed by this crate
    // is to a live local. The kernel validates the fd and flags.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_io_uring_enter,
            fd,
            to_submit,
            min_complete,
            flags,
            arg,
            argsz,
        )
    };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as u32)
    }
}

/// liburing's own `io_uring_get_events` (2.3+): one `IORING_ENTER_GETEVENTS`, honouring a
/// ring fd registered through liburing. `None` when the linked liburing does not export it.
pub(crate) fn liburing_get_events(ring: *mut crate::sys::io_uring) -> Option<io::Result<()>> {
    #[cfg(liburing_has = "io_uring_get_events")]
    {
        #[cfg(feature = "fault-injection")]
        if let Some(e) = fault::take(fault::Site::GetEvents) {
            return Some(Err(io::Error::from_raw_os_error(e)));
        }
        // SAFETY: callers pass an initialised ring that outlives the call; the function only
        // reads the ring's fd fields, which nothing changes while a ring handle is borrowed.
        let ret = unsafe { crate::sys::io_uring_get_events(ring) };
        Some(crate::error::cvt(ret).map(drop))
    }
    #[cfg(not(liburing_has = "io_uring_get_events"))]
    {
        let _ = ring;
        None
    }
}

/// `io_uring_register(2)`.
pub(crate) fn register(
    fd: i32,
    opcode: u32,
    arg: *const libc::c_void,
    nr_args: u32,
) -> io::Result<u32> {
    #[cfg(feature = "fault-injection")]
    if let Some(e) = fault::take(fault::Site::Register) {
        return Err(io::Error::from_raw_os_error(e));
    }
    // SAFETY: the caller passes an `arg` valid for `opcode` and `nr_args` (checked at each
    // call site); the kernel copies it during the call.
    let ret = unsafe { libc::syscall(libc::SYS_io_uring_register, fd, opcode, arg, nr_args) };
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as u32)
    }
}

/// Fault injection for tests (cargo feature `fault-injection`, off by default): make the next
/// call at a site fail with an errno without reaching the kernel, the way older kernels or a
/// loaded system would. Per thread, so parallel tests do not see each other's faults.
#[cfg(feature = "fault-injection")]
pub mod fault {
    use std::cell::RefCell;

    /// Where a fault can be injected.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Site {
        /// Every `io_uring_enter(2)` the safe layer issues itself (submit, wait, direct flush).
        Enter,
        /// The flush through liburing's `io_uring_get_events`.
        GetEvents,
        /// `io_uring_register(2)`.
        Register,
    }

    thread_local! {
        static PLAN: RefCell<Vec<(Site, i32, u32)>> = const { RefCell::new(Vec::new()) };
    }

    /// The next `times` calls at `site` on this thread fail with `errno`.
    pub fn inject(site: Site, errno: i32, times: u32) {
        PLAN.with(|p| p.borrow_mut().push((site, errno, times)));
    }

    /// Removes every planned fault of this thread.
    pub fn clear() {
        PLAN.with(|p| p.borrow_mut().clear());
    }

    /// Managed ops whose memory ring drops on this thread leaked because the kernel had not
    /// let go of it in time (a test's window on `Ring`'s drop: a correct cancel leaks none).
    pub fn leaked_ops() -> usize {
        LEAKED.with(|n| n.get())
    }

    thread_local! {
        static LEAKED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    pub(crate) fn count_leaked(n: usize) {
        LEAKED.with(|c| c.set(c.get() + n));
    }

    pub(crate) fn take(site: Site) -> Option<i32> {
        PLAN.with(|p| {
            let mut p = p.borrow_mut();
            let i = p.iter().position(|(s, _, n)| *s == site && *n > 0)?;
            p[i].2 -= 1;
            let errno = p[i].1;
            if p[i].2 == 0 {
                p.remove(i);
            }
            Some(errno)
        })
    }
}
