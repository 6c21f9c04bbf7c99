//! The registered file table, from the SQ side.
// Some imports serve only ops that newer liburing releases enable.
#![allow(unused_imports)]

use super::{define_ops, owned_fd};
use std::io;
use std::os::fd::{OwnedFd, RawFd};

define_ops! {
    /// Replaces slots `offset..` of the registered file table with `fds` (`-1` clears a
    /// slot); completes with how many were updated.
    ///
    /// # Example
    /// ```
    /// # #[cfg(not(liburing_has = "io_uring_prep_read"))]
    /// # fn main() {}
    /// # #[cfg(liburing_has = "io_uring_prep_read")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{FilesUpdate, Read};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-files-update-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?; // four empty slots
    /// // io_uring_prep_files_update(sqe, &fd, 1, 2): the file into slot 2
    /// let ticket = ring.push(FilesUpdate::new(vec![file.as_raw_fd()], 2))?;
    /// assert_eq!(ring.wait_for(ticket)??, 1);
    /// // slot 2 names the file now
    /// let ticket = ring.push(Read::new(2, Vec::with_capacity(8), 0).fixed_file())?;
    /// let (n, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read as _;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::FixedFdInstall, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fd-install-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files(&[file.as_raw_fd()])?;
    /// drop(file); // slot 0 keeps the file open
    /// // slot 0 as a regular fd again
    /// let ticket = ring.push(FixedFdInstall::new(0, 0))?;
    /// let mut file = std::fs::File::from(ring.wait_for(ticket)??);
    /// let mut text = String::new();
    /// file.read_to_string(&mut text)?;
    /// assert_eq!(text, "hello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fixed_fd_install", IORING_OP_FIXED_FD_INSTALL, "6.8"]
    FixedFdInstall(file_index: u32, flags: u32) { file_index: u32 = file_index, install_flags: u32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.file_index as i32;
        sqe.flags |= crate::SqeFlags::FIXED_FILE.bits();
        sqe.op_flags = self.install_flags;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }
}
