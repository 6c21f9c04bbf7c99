//! An eventfd the kernel signals on every posted completion (`IORING_REGISTER_EVENTFD`, 5.2).

use crate::ring::Ring;
use crate::{error, sys};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

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

    /// Ends the eventfd registration.
    #[doc(alias = "io_uring_unregister_eventfd")]
    pub fn unregister_eventfd(&mut self) -> io::Result<()> {
        // SAFETY: the ring is initialised.
        let ret = unsafe { sys::io_uring_unregister_eventfd(self.as_raw_mut()) };
        error::cvt(ret).map(drop)
    }
}
