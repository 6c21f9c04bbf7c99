//! An eventfd the kernel signals on posted completions (`IORING_REGISTER_EVENTFD`, 5.2; only
//! for those completed asynchronously with `IORING_REGISTER_EVENTFD_ASYNC`, 5.6), and the
//! CQ ring's switch that pauses the signalling (`IORING_CQ_EVENTFD_DISABLED`, 5.8).

use crate::ring::Ring;
use crate::{error, sys};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
#[cfg(liburing_has = "io_uring_cq_eventfd_toggle")]
use std::sync::atomic::{AtomicU32, Ordering};

impl Ring {
    /// Registers `fd` (an eventfd) to be signalled whenever a CQE is posted. The fd must stay
    /// open while registered; [`unregister_eventfd`](Ring::unregister_eventfd) or dropping the
    /// ring ends the registration.
    #[doc(alias = "io_uring_register_eventfd")]
    pub fn register_eventfd(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: the ring is initialised; the kernel takes its own reference to the file.
        let ret = unsafe { sys::io_uring_register_eventfd(self.as_raw_mut(), fd.as_raw_fd()) };
        error::cvt(ret).map(drop)
    }

    /// Registers `fd` (an eventfd) to be signalled only for completions that did not finish
    /// inline at submission (those from io-wq workers, poll wake-ups, timers...). Same
    /// lifetime rules as [`register_eventfd`](Ring::register_eventfd); one eventfd per ring.
    #[doc(alias = "io_uring_register_eventfd_async")]
    #[cfg(liburing_has = "io_uring_register_eventfd_async")]
    pub fn register_eventfd_async(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        // SAFETY: the ring is initialised; the kernel takes its own reference to the file.
        let ret =
            unsafe { sys::io_uring_register_eventfd_async(self.as_raw_mut(), fd.as_raw_fd()) };
        error::cvt(ret).map(drop)
    }

    /// Whether the registered eventfd is signalled (`IORING_CQ_EVENTFD_DISABLED` clear);
    /// always `true` on kernels before 5.8, which have no switch.
    #[doc(alias = "io_uring_cq_eventfd_enabled")]
    #[cfg(liburing_has = "io_uring_cq_eventfd_toggle")]
    pub fn cq_eventfd_enabled(&mut self) -> bool {
        self.cq_kflags()
            .is_none_or(|f| f.load(Ordering::Acquire) & sys::IORING_CQ_EVENTFD_DISABLED == 0)
    }

    /// Pauses (`false`) or resumes (`true`) the eventfd signalling without unregistering it.
    /// `EOPNOTSUPP` on kernels before 5.8 when asked to pause.
    #[doc(alias = "io_uring_cq_eventfd_toggle")]
    #[cfg(liburing_has = "io_uring_cq_eventfd_toggle")]
    pub fn set_cq_eventfd_enabled(&mut self, enabled: bool) -> io::Result<()> {
        let Some(flags) = self.cq_kflags() else {
            return if enabled {
                Ok(())
            } else {
                Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP))
            };
        };
        // Only userspace writes this word (the kernel reads it), and only through `&mut Ring`.
        let old = flags.load(Ordering::Acquire);
        let new = if enabled {
            old & !sys::IORING_CQ_EVENTFD_DISABLED
        } else {
            old | sys::IORING_CQ_EVENTFD_DISABLED
        };
        flags.store(new, Ordering::Release);
        Ok(())
    }

    /// The CQ ring's flags word, where the kernel maps one (5.8+).
    #[cfg(liburing_has = "io_uring_cq_eventfd_toggle")]
    fn cq_kflags(&mut self) -> Option<&AtomicU32> {
        // SAFETY: liburing's initialised ring; `kflags` is null or points at the 4-byte
        // aligned flags word of the CQ ring's mapping, which lives as long as the ring.
        unsafe {
            let p = (*self.as_raw_mut()).cq.kflags;
            (!p.is_null()).then(|| AtomicU32::from_ptr(p))
        }
    }

    /// Ends the eventfd registration.
    #[doc(alias = "io_uring_unregister_eventfd")]
    pub fn unregister_eventfd(&mut self) -> io::Result<()> {
        #[cfg(liburing_has = "io_uring_unregister_eventfd")]
        {
            // SAFETY: the ring is initialised.
            let ret = unsafe { sys::io_uring_unregister_eventfd(self.as_raw_mut()) };
            error::cvt(ret).map(drop)
        }
        // liburing 0.4's .so does not export it: the same register call, made directly.
        #[cfg(not(liburing_has = "io_uring_unregister_eventfd"))]
        {
            crate::syscall::register(
                self.s.ring_fd,
                sys::IORING_UNREGISTER_EVENTFD,
                std::ptr::null(),
                0,
            )
            .map(drop)
        }
    }
}
