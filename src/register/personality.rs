//! Personalities (`IORING_REGISTER_PERSONALITY`, kernel 5.6): the registering task's
//! credentials, saved under an id; an op built with `.personality(id)` runs with them
//! instead of the submitter's.

use crate::ring::Ring;
use std::io;

#[cfg(not(liburing_has = "io_uring_register_personality"))]
use crate::sys::IORING_REGISTER_PERSONALITY;
#[cfg(not(liburing_has = "io_uring_unregister_personality"))]
use crate::sys::IORING_UNREGISTER_PERSONALITY;

impl Ring {
    /// Saves the calling thread's current credentials as a personality of this ring
    /// (`IORING_REGISTER_PERSONALITY`, kernel 5.6) and returns its id (never 0). Give the id
    /// to any op's `.personality(id)` to run it with these credentials. The personality
    /// lives until [`unregister_personality`](Self::unregister_personality) or until the
    /// ring is dropped (`io_uring_queue_exit` releases every personality).
    #[doc(alias = "io_uring_register_personality")]
    pub fn register_personality(&mut self) -> io::Result<u16> {
        #[cfg(liburing_has = "io_uring_register_personality")]
        let id = {
            // SAFETY: the ring is initialised; the call takes no pointer.
            let ret = unsafe { crate::sys::io_uring_register_personality(self.as_raw_mut()) };
            crate::error::cvt(ret)?
        };
        #[cfg(not(liburing_has = "io_uring_register_personality"))]
        let id = crate::syscall::register(
            self.s.ring_fd,
            IORING_REGISTER_PERSONALITY,
            std::ptr::null(),
            0,
        )?;
        // The kernel allocates ids in 1..=u16::MAX (the SQE field is 16 bits).
        u16::try_from(id).map_err(|_| io::Error::from_raw_os_error(libc::EOVERFLOW))
    }

    /// Drops a personality (`IORING_UNREGISTER_PERSONALITY`, kernel 5.6); `EINVAL` for an
    /// id that is not registered. Ops already submitted with it keep their credentials.
    #[doc(alias = "io_uring_unregister_personality")]
    pub fn unregister_personality(&mut self, id: u16) -> io::Result<()> {
        #[cfg(liburing_has = "io_uring_unregister_personality")]
        {
            // SAFETY: the ring is initialised; the call takes no pointer.
            let ret = unsafe {
                crate::sys::io_uring_unregister_personality(self.as_raw_mut(), i32::from(id))
            };
            crate::error::cvt(ret).map(drop)
        }
        #[cfg(not(liburing_has = "io_uring_unregister_personality"))]
        crate::syscall::register(
            self.s.ring_fd,
            IORING_UNREGISTER_PERSONALITY,
            std::ptr::null(),
            u32::from(id),
        )
        .map(drop)
    }
}
