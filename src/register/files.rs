//! Registered (fixed) files (`IORING_REGISTER_FILES`, kernel 5.1).

use crate::ring::Ring;
use crate::{error, sys};
use std::io;
use std::os::fd::RawFd;

impl Ring {
    /// Registers `fds` as the fixed-file table: an op built with `.fixed_file()` then names a
    /// file by its index here. The kernel holds its own reference: closing an fd afterwards
    /// does not invalidate its slot. `-1` entries are empty slots (5.13+).
    #[doc(alias = "io_uring_register_files")]
    pub fn register_files(&mut self, fds: &[RawFd]) -> io::Result<()> {
        let n = u32::try_from(fds.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: the ring is initialised; the kernel copies the array during the call.
        let ret = unsafe { sys::io_uring_register_files(self.as_raw_mut(), fds.as_ptr(), n) };
        error::cvt(ret).map(drop)
    }

    /// Drops the fixed-file table.
    #[doc(alias = "io_uring_unregister_files")]
    pub fn unregister_files(&mut self) -> io::Result<()> {
        // SAFETY: the ring is initialised.
        let ret = unsafe { sys::io_uring_unregister_files(self.as_raw_mut()) };
        error::cvt(ret).map(drop)
    }
}
