//! The registered file table, from the SQ side.
// Some imports serve only ops that newer liburing releases enable.
#![allow(unused_imports)]

use super::{define_ops, owned_fd};
use std::io;
use std::os::fd::{OwnedFd, RawFd};

define_ops! {
    /// Replaces slots `offset..` of the registered file table with `fds` (`-1` clears a
    /// slot); completes with how many were updated.
    ["io_uring_prep_files_update", IORING_OP_FILES_UPDATE, "5.6"]
    FilesUpdate(fds: Vec<RawFd>, offset: u32) { fds: Vec<RawFd> = fds, offset: u32 = offset }
    prepare(&mut self, sqe) {
        sqe.fd = -1;
        sqe.addr = self.fds.as_ptr() as u64;
        sqe.len = self.fds.len().min(u32::MAX as usize) as u32;
        sqe.off = u64::from(self.offset);
    }
    complete(self, cqe) -> io::Result<usize> { super::count(&cqe) }

    /// Installs registered file slot `file_index` as a regular fd of this process
    /// (close-on-exec unless `flags` has `IORING_FIXED_FD_NO_CLOEXEC`), kernel 6.8.
    ["io_uring_prep_fixed_fd_install", IORING_OP_FIXED_FD_INSTALL, "6.8"]
    FixedFdInstall(file_index: u32, flags: u32) { file_index: u32 = file_index, install_flags: u32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.file_index as i32;
        sqe.flags |= crate::SqeFlags::FIXED_FILE.bits();
        sqe.op_flags = self.install_flags;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }
}
