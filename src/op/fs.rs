//! File-system operations. Paths are owned `CString`s, so what the kernel reads lives in the
//! op until its completion.

use super::{count, define_ops, owned_fd, target_slot, unit};
use crate::buf::IoBufMut;
use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::{IntoRawFd, OwnedFd, RawFd};

/// The buffer a [`Statx`] fills.
pub struct StatxBuf(Box<MaybeUninit<libc::statx>>);

impl std::fmt::Debug for StatxBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StatxBuf")
    }
}

define_ops! {
    /// `fsync(2)`; [`datasync`](Fsync::datasync) for `fdatasync(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Fsync, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-fsync-{}", std::process::id()));
    /// let mut file = std::fs::File::create(&path)?;
    /// file.write_all(b"durable")?;
    /// let mut ring = Ring::new(4)?;
    /// let ticket = ring.push(Fsync::new(file.as_raw_fd()))?; // io_uring_prep_fsync(sqe, fd, 0)
    /// ring.wait_for(ticket)??; // cqe->res == 0
    /// // io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC)
    /// let ticket = ring.push(Fsync::new(file.as_raw_fd()).datasync())?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(std::fs::read(&path)?, b"durable");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fsync", IORING_OP_FSYNC, "5.1", unmanaged, fixed_file]
    Fsync(fd: RawFd) { fd: RawFd = fd, fsync_flags: u32 = 0 }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = self.fsync_flags;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// Closes an fd the caller owned. Taking an `OwnedFd` means nothing else can close or
    /// reuse the number behind the ring's back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::{AsRawFd, OwnedFd};
    /// use system_liburing::{op::Close, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let fd = OwnedFd::from(std::fs::File::open("/dev/null")?);
    /// let raw = fd.as_raw_fd();
    /// let ticket = ring.push(Close::new(fd))?; // io_uring_prep_close(sqe, raw)
    /// ring.wait_for(ticket)??;
    /// // The number is closed now: fcntl(F_GETFD) fails with EBADF.
    /// // SAFETY: F_GETFD reads no memory of ours.
    /// assert_eq!(unsafe { libc::fcntl(raw, libc::F_GETFD) }, -1);
    /// assert_eq!(std::io::Error::last_os_error().raw_os_error(), Some(libc::EBADF));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_close", IORING_OP_CLOSE, "5.6"]
    Close(fd: OwnedFd) { fd: Option<OwnedFd> = Some(fd), raw: RawFd = -1 }
    prepare(&mut self, sqe) {
        // Once queued the kernel owns the close: give up ownership so that dropping the op
        // (finished, or leaked with the ring) never closes the number a second time.
        if let Some(fd) = self.fd.take() {
            self.raw = fd.into_raw_fd();
        }
        sqe.fd = self.raw;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `openat(2)`: opens `path` relative to `dirfd` (`libc::AT_FDCWD` for the cwd).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::OpenAt, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openat-{}", std::process::id()));
    /// std::fs::write(&path, b"opened")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0)
    /// let ticket = ring.push(OpenAt::new(libc::AT_FDCWD, cpath, libc::O_RDONLY, 0))?;
    /// let fd = ring.wait_for(ticket)??; // an OwnedFd, closed when dropped
    /// // SAFETY: F_GETFD reads no memory of ours.
    /// let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    /// assert_ne!(fd_flags & libc::FD_CLOEXEC, 0, "O_CLOEXEC is always added");
    /// assert_eq!(std::io::read_to_string(std::fs::File::from(fd))?, "opened");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat", IORING_OP_OPENAT, "5.6"]
    OpenAt(dirfd: RawFd, path: CString, flags: i32, mode: u32) {
        dirfd: RawFd = dirfd, path: CString = path, open_flags: i32 = flags | libc::O_CLOEXEC, mode: u32 = mode
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `statx(2)` of `path` relative to `dirfd`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::{op::Statx, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-statx-{}", std::process::id()));
    /// std::fs::write(&path, b"12345")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_statx(sqe, AT_FDCWD, path, 0, STATX_SIZE, &statxbuf)
    /// let ticket = ring.push(Statx::new(libc::AT_FDCWD, cpath, 0, libc::STATX_SIZE))?;
    /// let stx = ring.wait_for(ticket)??; // the filled Box<libc::statx>
    /// assert_ne!(stx.stx_mask & libc::STATX_SIZE, 0);
    /// assert_eq!(stx.stx_size, 5);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_statx", IORING_OP_STATX, "5.6"]
    Statx(dirfd: RawFd, path: CString, flags: i32, mask: u32) {
        dirfd: RawFd = dirfd, path: CString = path, statx_flags: i32 = flags, mask: u32 = mask,
        buf: StatxBuf = StatxBuf(Box::new(MaybeUninit::zeroed()))
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mask;
        sqe.op_flags = self.statx_flags as u32;
        sqe.off = self.buf.0.as_mut_ptr() as u64;
    }
    complete(self, cqe) -> io::Result<Box<libc::statx>> {
        unit(&cqe)?;
        // SAFETY: zero-initialised at construction (a valid statx), then filled by the kernel.
        Ok(unsafe { self.buf.0.assume_init() })
    }

    /// `fallocate(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Fallocate, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-fallocate-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_fallocate(sqe, fd, 0, 0, 8192): allocate, and grow the file to 8 KiB
    /// let ticket = ring.push(Fallocate::new(file.as_raw_fd(), 0, 0, 8192))?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(file.metadata()?.len(), 8192);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fallocate", IORING_OP_FALLOCATE, "5.6", unmanaged, fixed_file]
    Fallocate(fd: RawFd, mode: i32, offset: u64, len: u64) { fd: RawFd = fd, mode: i32 = mode, offset: u64 = offset, len: u64 = len }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.mode as u32;
        sqe.off = self.offset;
        sqe.addr = self.len;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `posix_fadvise(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Fadvise, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-fadvise-{}", std::process::id()));
    /// std::fs::write(&path, vec![0u8; 8192])?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_fadvise(sqe, fd, 0, 0, POSIX_FADV_SEQUENTIAL): the whole file
    /// let advice = libc::POSIX_FADV_SEQUENTIAL;
    /// let ticket = ring.push(Fadvise::new(file.as_raw_fd(), 0, 0, advice))?;
    /// ring.wait_for(ticket)??;
    /// // An advice the kernel does not know completes with EINVAL.
    /// let ticket = ring.push(Fadvise::new(file.as_raw_fd(), 0, 0, 1000))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fadvise", IORING_OP_FADVISE, "5.6", unmanaged, fixed_file]
    Fadvise(fd: RawFd, offset: u64, len: u32, advice: i32) { fd: RawFd = fd, offset: u64 = offset, len: u32 = len, advice: i32 = advice }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = self.offset;
        sqe.len = self.len;
        sqe.op_flags = self.advice as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `sync_file_range(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SyncFileRange, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-sfr-{}", std::process::id()));
    /// let mut file = std::fs::File::create(&path)?;
    /// file.write_all(b"range")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_sync_file_range(sqe, fd, 0, 0, SYNC_FILE_RANGE_WRITE): len 0 = to the end
    /// let flags = libc::SYNC_FILE_RANGE_WRITE;
    /// let ticket = ring.push(SyncFileRange::new(file.as_raw_fd(), 0, 0, flags))?;
    /// ring.wait_for(ticket)??;
    /// // Only files, directories and block devices have ranges: /dev/null gives ESPIPE.
    /// let null = std::fs::File::open("/dev/null")?;
    /// let ticket = ring.push(SyncFileRange::new(null.as_raw_fd(), 0, 0, flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::ESPIPE));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sync_file_range", IORING_OP_SYNC_FILE_RANGE, "5.2", unmanaged, fixed_file]
    SyncFileRange(fd: RawFd, len: u32, offset: u64, flags: u32) { fd: RawFd = fd, len: u32 = len, offset: u64 = offset, range_flags: u32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.len;
        sqe.off = self.offset;
        sqe.op_flags = self.range_flags;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `unlinkat(2)` (`libc::AT_REMOVEDIR` in `flags` for a directory).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::UnlinkAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-unlinkat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let d = dir_file.as_raw_fd();
    /// std::fs::write(dir.join("f"), b"")?;
    /// std::fs::create_dir(dir.join("sub"))?;
    /// let mut ring = Ring::new(4)?;
    /// // unlinkat(d, "f", 0), then unlinkat(d, "sub", AT_REMOVEDIR)
    /// let ticket = ring.push(UnlinkAt::new(d, c"f".into(), 0))?;
    /// ring.wait_for(ticket)??;
    /// let ticket = ring.push(UnlinkAt::new(d, c"sub".into(), libc::AT_REMOVEDIR))?;
    /// ring.wait_for(ticket)??;
    /// assert!(std::fs::read_dir(&dir)?.next().is_none());
    /// # std::fs::remove_dir(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_unlinkat", IORING_OP_UNLINKAT, "5.11"]
    UnlinkAt(dirfd: RawFd, path: CString, flags: i32) { dirfd: RawFd = dirfd, path: CString = path, unlink_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.op_flags = self.unlink_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `renameat2(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::RenameAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-renameat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let d = dir_file.as_raw_fd();
    /// std::fs::write(dir.join("a"), b"moved")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_renameat(sqe, d, "a", d, "b", 0)
    /// let ticket = ring.push(RenameAt::new(d, c"a".into(), d, c"b".into(), 0))?;
    /// ring.wait_for(ticket)??;
    /// assert!(!dir.join("a").exists());
    /// assert_eq!(std::fs::read(dir.join("b"))?, b"moved");
    /// // renameat2's flags: RENAME_NOREPLACE refuses to replace "b".
    /// std::fs::write(dir.join("a"), b"")?;
    /// let flags = libc::RENAME_NOREPLACE;
    /// let ticket = ring.push(RenameAt::new(d, c"a".into(), d, c"b".into(), flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::EEXIST));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_renameat", IORING_OP_RENAMEAT, "5.11"]
    RenameAt(olddirfd: RawFd, oldpath: CString, newdirfd: RawFd, newpath: CString, flags: u32) {
        olddirfd: RawFd = olddirfd, oldpath: CString = oldpath, newdirfd: RawFd = newdirfd, newpath: CString = newpath,
        rename_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.olddirfd;
        sqe.addr = self.oldpath.as_ptr() as u64;
        sqe.len = self.newdirfd as u32;
        sqe.off = self.newpath.as_ptr() as u64;
        sqe.op_flags = self.rename_flags;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `mkdirat(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::MkdirAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-mkdirat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let d = dir_file.as_raw_fd();
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_mkdirat(sqe, d, "sub", 0755)
    /// let ticket = ring.push(MkdirAt::new(d, c"sub".into(), 0o755))?;
    /// ring.wait_for(ticket)??;
    /// assert!(dir.join("sub").is_dir());
    /// // A second time: EEXIST.
    /// let ticket = ring.push(MkdirAt::new(d, c"sub".into(), 0o755))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::EEXIST));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_mkdirat", IORING_OP_MKDIRAT, "5.15"]
    MkdirAt(dirfd: RawFd, path: CString, mode: u32) { dirfd: RawFd = dirfd, path: CString = path, mode: u32 = mode }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `symlinkat(2)`: creates `linkpath` (relative to `newdirfd`) pointing at `target`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SymlinkAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-symlinkat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let d = dir_file.as_raw_fd();
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_symlinkat(sqe, "target", d, "link"): the target need not exist
    /// let ticket = ring.push(SymlinkAt::new(c"target".into(), d, c"link".into()))?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(std::fs::read_link(dir.join("link"))?, std::path::Path::new("target"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_symlinkat", IORING_OP_SYMLINKAT, "5.15"]
    SymlinkAt(target: CString, newdirfd: RawFd, linkpath: CString) { target: CString = target, newdirfd: RawFd = newdirfd, linkpath: CString = linkpath }
    prepare(&mut self, sqe) {
        sqe.fd = self.newdirfd;
        sqe.addr = self.target.as_ptr() as u64;
        sqe.off = self.linkpath.as_ptr() as u64;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `linkat(2)`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::fs::MetadataExt;
    /// use system_liburing::{op::LinkAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-linkat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let d = dir_file.as_raw_fd();
    /// std::fs::write(dir.join("a"), b"shared")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_linkat(sqe, d, "a", d, "b", 0): a second name for the same inode
    /// let ticket = ring.push(LinkAt::new(d, c"a".into(), d, c"b".into(), 0))?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(std::fs::read(dir.join("b"))?, b"shared");
    /// assert_eq!(std::fs::metadata(dir.join("a"))?.nlink(), 2);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_linkat", IORING_OP_LINKAT, "5.15"]
    LinkAt(olddirfd: RawFd, oldpath: CString, newdirfd: RawFd, newpath: CString, flags: i32) {
        olddirfd: RawFd = olddirfd, oldpath: CString = oldpath, newdirfd: RawFd = newdirfd, newpath: CString = newpath,
        link_flags: i32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.olddirfd;
        sqe.addr = self.oldpath.as_ptr() as u64;
        sqe.len = self.newdirfd as u32;
        sqe.off = self.newpath.as_ptr() as u64;
        sqe.op_flags = self.link_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `splice(2)`: moves `len` bytes from `fd_in` (at `off_in`, or -1 for its position) to
    /// `fd_out` (likewise); one of them must be a pipe.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # fn pipe() -> std::io::Result<(std::fs::File, std::fs::File)> {
    /// #     use std::{fs::File, os::fd::FromRawFd};
    /// #     let mut fds = [0; 2];
    /// #     // SAFETY: pipe(2) writes two fresh fds into the array.
    /// #     if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
    /// #         return Err(std::io::Error::last_os_error());
    /// #     }
    /// #     // SAFETY: both fds are fresh and owned by nobody else.
    /// #     Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
    /// # }
    /// use std::io::Read;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Splice, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-splice-{}", std::process::id()));
    /// std::fs::write(&path, b"from the file")?;
    /// let file = std::fs::File::open(&path)?;
    /// let (mut rx, tx) = pipe()?; // a hidden libc::pipe helper
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_splice(sqe, file_fd, 5, pipe_w, -1, 3, 0):
    /// // bytes 5..8 of the file into the pipe (-1: at the pipe's position)
    /// let ticket = ring.push(Splice::new(file.as_raw_fd(), 5, tx.as_raw_fd(), -1, 3, 0))?;
    /// assert_eq!(ring.wait_for(ticket)??, 3);
    /// let mut got = [0; 3];
    /// rx.read_exact(&mut got)?;
    /// assert_eq!(&got, b"the");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_splice", IORING_OP_SPLICE, "5.7", unmanaged]
    Splice(fd_in: RawFd, off_in: i64, fd_out: RawFd, off_out: i64, len: u32, flags: u32) {
        fd_in: RawFd = fd_in, off_in: i64 = off_in, fd_out: RawFd = fd_out, off_out: i64 = off_out, len: u32 = len,
        splice_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.file_index = self.fd_in as u32;
        sqe.addr = self.off_in as u64;
        sqe.fd = self.fd_out;
        sqe.off = self.off_out as u64;
        sqe.len = self.len;
        sqe.op_flags = self.splice_flags;
    }
    complete(self, cqe) -> io::Result<usize> { count(&cqe) }

    /// `tee(2)`: duplicates `len` bytes from pipe `fd_in` into pipe `fd_out`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// # fn pipe() -> std::io::Result<(std::fs::File, std::fs::File)> {
    /// #     use std::{fs::File, os::fd::FromRawFd};
    /// #     let mut fds = [0; 2];
    /// #     // SAFETY: pipe(2) writes two fresh fds into the array.
    /// #     if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
    /// #         return Err(std::io::Error::last_os_error());
    /// #     }
    /// #     // SAFETY: both fds are fresh and owned by nobody else.
    /// #     Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
    /// # }
    /// use std::io::{Read, Write};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Tee, Ring};
    /// let (mut a_rx, mut a_tx) = pipe()?; // a hidden libc::pipe helper
    /// let (mut b_rx, b_tx) = pipe()?;
    /// a_tx.write_all(b"twice")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_tee(sqe, a_r, b_w, 5, 0): copies, without consuming pipe a
    /// let ticket = ring.push(Tee::new(a_rx.as_raw_fd(), b_tx.as_raw_fd(), 5, 0))?;
    /// assert_eq!(ring.wait_for(ticket)??, 5);
    /// let (mut a, mut b) = ([0; 5], [0; 5]);
    /// a_rx.read_exact(&mut a)?;
    /// b_rx.read_exact(&mut b)?;
    /// assert_eq!((&a, &b), (b"twice", b"twice"));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_tee", IORING_OP_TEE, "5.8", unmanaged]
    Tee(fd_in: RawFd, fd_out: RawFd, len: u32, flags: u32) { fd_in: RawFd = fd_in, fd_out: RawFd = fd_out, len: u32 = len, splice_flags: u32 = flags }
    prepare(&mut self, sqe) {
        sqe.file_index = self.fd_in as u32;
        sqe.fd = self.fd_out;
        sqe.len = self.len;
        sqe.op_flags = self.splice_flags;
    }
    complete(self, cqe) -> io::Result<usize> { count(&cqe) }

    /// `unlink(2)` / `rmdir(2)` of `path` relative to the cwd (`libc::AT_REMOVEDIR`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::{op::Unlink, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-unlink-{}", std::process::id()));
    /// std::fs::write(&path, b"")?;
    /// // Absolute here; a relative path would be resolved from the cwd.
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_unlink(sqe, path, 0)
    /// let ticket = ring.push(Unlink::new(cpath.clone(), 0))?;
    /// ring.wait_for(ticket)??;
    /// assert!(!path.exists());
    /// let ticket = ring.push(Unlink::new(cpath, 0))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::ENOENT));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_unlink", IORING_OP_UNLINKAT, "5.11"]
    Unlink(path: CString, flags: i32) { path: CString = path, unlink_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.op_flags = self.unlink_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `rename(2)` relative to the cwd.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::{op::Rename, Ring};
    /// let old = std::env::temp_dir().join(format!("sl-doc-fs-rename-{}-old", std::process::id()));
    /// let new = old.with_extension("new");
    /// std::fs::write(&old, b"renamed")?;
    /// let c_old = CString::new(old.to_str().unwrap())?;
    /// let c_new = CString::new(new.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// let ticket = ring.push(Rename::new(c_old, c_new))?; // io_uring_prep_rename(sqe, old, new)
    /// ring.wait_for(ticket)??;
    /// assert!(!old.exists());
    /// assert_eq!(std::fs::read(&new)?, b"renamed");
    /// # std::fs::remove_file(&new)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_rename", IORING_OP_RENAMEAT, "5.11"]
    Rename(oldpath: CString, newpath: CString) { oldpath: CString = oldpath, newpath: CString = newpath }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.oldpath.as_ptr() as u64;
        sqe.len = libc::AT_FDCWD as u32;
        sqe.off = self.newpath.as_ptr() as u64;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `mkdir(2)` relative to the cwd.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::unix::fs::PermissionsExt;
    /// use system_liburing::{op::Mkdir, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-mkdir-{}", std::process::id()));
    /// let cpath = CString::new(dir.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// let ticket = ring.push(Mkdir::new(cpath, 0o700))?; // io_uring_prep_mkdir(sqe, path, 0700)
    /// ring.wait_for(ticket)??;
    /// let meta = std::fs::metadata(&dir)?;
    /// assert!(meta.is_dir());
    /// assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    /// # std::fs::remove_dir(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_mkdir", IORING_OP_MKDIRAT, "5.15"]
    Mkdir(path: CString, mode: u32) { path: CString = path, mode: u32 = mode }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `symlink(2)`: `linkpath` (relative to the cwd) pointing at `target`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::{op::Symlink, Ring};
    /// let link = std::env::temp_dir().join(format!("sl-doc-fs-symlink-{}", std::process::id()));
    /// let clink = CString::new(link.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_symlink(sqe, "/dev/null", link)
    /// let ticket = ring.push(Symlink::new(c"/dev/null".into(), clink))?;
    /// ring.wait_for(ticket)??;
    /// assert_eq!(std::fs::read_link(&link)?, std::path::Path::new("/dev/null"));
    /// # std::fs::remove_file(&link)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_symlink", IORING_OP_SYMLINKAT, "5.15"]
    Symlink(target: CString, linkpath: CString) { target: CString = target, linkpath: CString = linkpath }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.target.as_ptr() as u64;
        sqe.off = self.linkpath.as_ptr() as u64;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `link(2)` relative to the cwd (`flags`: `libc::AT_SYMLINK_FOLLOW`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::unix::fs::MetadataExt;
    /// use system_liburing::{op::Link, Ring};
    /// let old = std::env::temp_dir().join(format!("sl-doc-fs-link-{}-old", std::process::id()));
    /// let new = old.with_extension("new");
    /// std::fs::write(&old, b"linked")?;
    /// let c_old = CString::new(old.to_str().unwrap())?;
    /// let c_new = CString::new(new.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// let ticket = ring.push(Link::new(c_old, c_new, 0))?; // io_uring_prep_link(sqe, old, new, 0)
    /// ring.wait_for(ticket)??;
    /// assert_eq!(std::fs::read(&new)?, b"linked");
    /// assert_eq!(std::fs::metadata(&old)?.nlink(), 2);
    /// # std::fs::remove_file(&old)?;
    /// # std::fs::remove_file(&new)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_link", IORING_OP_LINKAT, "5.15"]
    Link(oldpath: CString, newpath: CString, flags: i32) { oldpath: CString = oldpath, newpath: CString = newpath, link_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.oldpath.as_ptr() as u64;
        sqe.len = libc::AT_FDCWD as u32;
        sqe.off = self.newpath.as_ptr() as u64;
        sqe.op_flags = self.link_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `openat(2)` into slot `file_index` of the registered file table (or any free slot
    /// with [`FILE_INDEX_ALLOC`](super::FILE_INDEX_ALLOC)); completes with the slot.
    /// `O_CLOEXEC` is dropped from `flags`: a slot is no fd, and the kernel refuses it there.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::op::{OpenAtDirect, Read};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openatd-{}", std::process::id()));
    /// std::fs::write(&path, b"direct")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// ring.register_files_sparse(4)?; // a table of 4 empty slots
    /// // io_uring_prep_openat_direct(sqe, AT_FDCWD, path, O_RDONLY, 0, 2): no fd, slot 2
    /// let ticket = ring.push(OpenAtDirect::new(libc::AT_FDCWD, cpath, libc::O_RDONLY, 0, 2))?;
    /// assert_eq!(ring.wait_for(ticket)??, 2);
    /// let ticket = ring.push(Read::new(2, Vec::with_capacity(16), 0).fixed_file())?;
    /// let (n, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (6, &b"direct"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat_direct", IORING_OP_OPENAT, "5.15"]
    OpenAtDirect(dirfd: RawFd, path: CString, flags: i32, mode: u32, file_index: u32) {
        dirfd: RawFd = dirfd, path: CString = path, open_flags: i32 = flags & !libc::O_CLOEXEC, mode: u32 = mode,
        file_index: u32 = file_index
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
        sqe.file_index = target_slot(self.file_index);
    }
    complete(self, cqe) -> io::Result<u32> { super::direct_slot(&cqe, self.file_index) }

    /// `openat2(2)`: opens `path` relative to `dirfd` as `how` says (resolve rules too).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::op::{OpenAt2, OpenHow};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openat2-{}", std::process::id()));
    /// std::fs::write(&path, b"openat2")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_openat2(sqe, AT_FDCWD, path, &how)
    /// let how = OpenHow::new(libc::O_RDONLY, 0);
    /// let ticket = ring.push(OpenAt2::new(libc::AT_FDCWD, cpath.clone(), how))?;
    /// let fd = ring.wait_for(ticket)??;
    /// assert_eq!(std::io::read_to_string(std::fs::File::from(fd))?, "openat2");
    /// // RESOLVE_BENEATH: an absolute path leaves the starting directory, so EXDEV.
    /// let how = how.resolve(libc::RESOLVE_BENEATH);
    /// let ticket = ring.push(OpenAt2::new(libc::AT_FDCWD, cpath, how))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::EXDEV));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat2", IORING_OP_OPENAT2, "5.6"]
    OpenAt2(dirfd: RawFd, path: CString, how: OpenHow) { dirfd: RawFd = dirfd, path: CString = path, how: OpenHow = how }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = std::mem::size_of::<OpenHow>() as u32;
        sqe.off = &self.how as *const OpenHow as u64;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `openat2(2)` into slot `file_index` of the registered file table (or any free slot).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::op::{OpenAt2Direct, OpenHow, Read, FILE_INDEX_ALLOC};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openat2d-{}", std::process::id()));
    /// std::fs::write(&path, b"any slot")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// ring.register_files_sparse(4)?;
    /// // io_uring_prep_openat2_direct(sqe, AT_FDCWD, path, &how, IORING_FILE_INDEX_ALLOC)
    /// let how = OpenHow::new(libc::O_RDONLY, 0);
    /// let ticket = ring.push(OpenAt2Direct::new(libc::AT_FDCWD, cpath, how, FILE_INDEX_ALLOC))?;
    /// let slot = ring.wait_for(ticket)??; // the slot the kernel picked
    /// assert!(slot < 4);
    /// let ticket = ring.push(Read::new(slot as i32, Vec::with_capacity(16), 0).fixed_file())?;
    /// let (n, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (8, &b"any slot"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat2_direct", IORING_OP_OPENAT2, "5.15"]
    OpenAt2Direct(dirfd: RawFd, path: CString, how: OpenHow, file_index: u32) {
        dirfd: RawFd = dirfd, path: CString = path, how: OpenHow = how, file_index: u32 = file_index
    }
    prepare(&mut self, sqe) {
        // The kernel refuses O_CLOEXEC for a registered-table slot (it is no fd).
        self.how.flags &= !(libc::O_CLOEXEC as u64);
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = std::mem::size_of::<OpenHow>() as u32;
        sqe.off = &self.how as *const OpenHow as u64;
        sqe.file_index = target_slot(self.file_index);
    }
    complete(self, cqe) -> io::Result<u32> { super::direct_slot(&cqe, self.file_index) }

    /// Closes slot `file_index` of the registered file table.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{CloseDirect, Read};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(4)?;
    /// let zero = std::fs::File::open("/dev/zero")?;
    /// ring.register_files(&[zero.as_raw_fd()])?; // slot 0
    /// drop(zero); // the table holds its own reference
    /// let ticket = ring.push(CloseDirect::new(0))?; // io_uring_prep_close_direct(sqe, 0)
    /// ring.wait_for(ticket)??;
    /// // Slot 0 is empty now: a fixed-file read of it fails with EBADF.
    /// let ticket = ring.push(Read::new(0, Vec::with_capacity(4), 0).fixed_file())?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::EBADF));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_close_direct", IORING_OP_CLOSE, "5.15", unmanaged]
    CloseDirect(file_index: u32) { file_index: u32 = file_index }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.file_index = self.file_index.wrapping_add(1);
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `madvise(2)` over the whole pages inside an owned buffer (never past its ends, so no
    /// other memory is touched); `advice` is one of [`MADVICE_ALLOWED`].
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Madvise, PushError, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let buf = vec![7u8; 3 * 4096];
    /// // madvise(page-aligned part of buf, MADV_DONTNEED): those pages read back as zeros
    /// let ticket = ring.push(Madvise::new(buf, libc::MADV_DONTNEED))?;
    /// let (res, buf) = ring.wait_for(ticket)?;
    /// res?;
    /// let zeroed = buf.iter().filter(|&&b| b == 0).count();
    /// assert!(zeroed >= 2 * 4096 && zeroed % 4096 == 0, "whole pages only");
    /// assert!(buf.iter().all(|&b| b == 0 || b == 7), "nothing else touched");
    /// // Advice that could reach beyond the buffer is refused before it is queued.
    /// let poison = Madvise::new(buf, libc::MADV_HWPOISON);
    /// assert!(matches!(ring.push(poison), Err(PushError::Invalid(..))));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_madvise", IORING_OP_MADVISE, "5.6"]
    Madvise<B: IoBufMut>(buf: B, advice: i32) { buf: B = buf, advice: i32 = advice }
    prepare(&mut self, sqe) {
        let (addr, len) = whole_pages(self.buf.stable_mut_ptr() as usize, self.buf.bytes_total());
        sqe.addr = addr as u64;
        sqe.len = len.min(u32::MAX as usize) as u32;
        sqe.op_flags = self.advice as u32;
    }
    validate(&self, _ring) { advice_ok(self.advice) }
    complete(self, cqe) -> (io::Result<()>, B) { (unit(&cqe), self.buf) }

    /// `open(2)` relative to the cwd (liburing 2.6+).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::{op::Open, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-open-{}", std::process::id()));
    /// std::fs::write(&path, b"open(2)")?;
    /// // Absolute here; a relative path would be resolved from the cwd.
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_open(sqe, path, O_RDONLY, 0)
    /// let ticket = ring.push(Open::new(cpath, libc::O_RDONLY, 0))?;
    /// let fd = ring.wait_for(ticket)??; // an OwnedFd
    /// assert_eq!(std::io::read_to_string(std::fs::File::from(fd))?, "open(2)");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_open", IORING_OP_OPENAT, "5.6"]
    Open(path: CString, flags: i32, mode: u32) { path: CString = path, open_flags: i32 = flags | libc::O_CLOEXEC, mode: u32 = mode }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `ftruncate(2)` (kernel 6.9).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Ftruncate, PushError, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-ftruncate-{}", std::process::id()));
    /// std::fs::write(&path, b"truncate me")?;
    /// let file = std::fs::OpenOptions::new().write(true).open(&path)?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_ftruncate(sqe, fd, 5)
    /// let ticket = match ring.push(Ftruncate::new(file.as_raw_fd(), 5)) {
    ///     Err(PushError::Unsupported(..)) => return Ok(()), // a kernel older than 6.9
    ///     ticket => ticket?,
    /// };
    /// ring.wait_for(ticket)??;
    /// assert_eq!(std::fs::read(&path)?, b"trunc");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_ftruncate", IORING_OP_FTRUNCATE, "6.9", unmanaged, fixed_file]
    Ftruncate(fd: RawFd, len: u64) { fd: RawFd = fd, len: u64 = len }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = self.len;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `open(2)` relative to the cwd into slot `file_index` of the registered file table
    /// (or any free slot with [`FILE_INDEX_ALLOC`](super::FILE_INDEX_ALLOC)); completes
    /// with the slot. `O_CLOEXEC` is dropped from `flags`: a slot is no fd, and the kernel
    /// refuses it there.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::op::{OpenDirect, FILE_INDEX_ALLOC};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?; // io_uring_register_files_sparse
    /// let path = CString::new("/dev/null").unwrap();
    /// let t = ring.push(OpenDirect::new(path.clone(), libc::O_RDONLY, 0, 2))?;
    /// assert_eq!(ring.wait_for(t)??, 2); // the slot asked for
    /// let t = ring.push(OpenDirect::new(path, libc::O_RDONLY, 0, FILE_INDEX_ALLOC))?;
    /// assert!(ring.wait_for(t)?? < 4); // a free slot the kernel picked
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_open_direct", IORING_OP_OPENAT, "5.15"]
    OpenDirect(path: CString, flags: i32, mode: u32, file_index: u32) {
        path: CString = path, open_flags: i32 = flags & !libc::O_CLOEXEC, mode: u32 = mode, file_index: u32 = file_index
    }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
        sqe.file_index = target_slot(self.file_index);
    }
    complete(self, cqe) -> io::Result<u32> { super::direct_slot(&cqe, self.file_index) }

    /// `posix_fadvise(2)` with a 64-bit length (`sqe->addr`; kernels before 6.12 only read
    /// the 32-bit one and refuse this with `EINVAL`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Fadvise64, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let file = std::fs::File::open("/proc/self/exe")?;
    /// let five_gib = 5 << 30; // more than a u32 holds
    /// let t = ring.push(Fadvise64::new(file.as_raw_fd(), 0, five_gib, libc::POSIX_FADV_SEQUENTIAL))?;
    /// ring.wait_for(t)??;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fadvise64", IORING_OP_FADVISE, "6.12", unmanaged, fixed_file]
    Fadvise64(fd: RawFd, offset: u64, len: u64, advice: i32) { fd: RawFd = fd, offset: u64 = offset, len: u64 = len, advice: i32 = advice }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = self.offset;
        sqe.addr = self.len;
        sqe.op_flags = self.advice as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// [`Madvise`] with the length in 64 bits (`sqe->off`; kernels before 6.12 refuse it
    /// with `EINVAL`): the whole pages inside an owned buffer, `advice` one of
    /// [`MADVICE_ALLOWED`].
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Madvise64, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Madvise64::new(vec![0u8; 1 << 16], libc::MADV_SEQUENTIAL))?;
    /// let (res, buf) = ring.wait_for(t)?;
    /// res?;
    /// assert_eq!(buf.len(), 1 << 16); // the buffer comes back untouched
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_madvise64", IORING_OP_MADVISE, "6.12"]
    Madvise64<B: IoBufMut>(buf: B, advice: i32) { buf: B = buf, advice: i32 = advice }
    prepare(&mut self, sqe) {
        let (addr, len) = whole_pages(self.buf.stable_mut_ptr() as usize, self.buf.bytes_total());
        sqe.addr = addr as u64;
        sqe.off = len as u64;
        sqe.op_flags = self.advice as u32;
    }
    validate(&self, _ring) { advice_ok(self.advice) }
    complete(self, cqe) -> (io::Result<()>, B) { (unit(&cqe), self.buf) }

    /// `pipe2(2)` (`IORING_OP_PIPE`): completes with the read and the write end, owned
    /// (`O_CLOEXEC` is always added to `flags`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::{Read, Write};
    /// use system_liburing::{op::Pipe, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Pipe::new(0))?;
    /// let (rx, tx) = ring.wait_for(t)??;
    /// std::fs::File::from(tx).write_all(b"ping")?;
    /// let mut got = [0u8; 4];
    /// std::fs::File::from(rx).read_exact(&mut got)?;
    /// assert_eq!(&got, b"ping");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_pipe", IORING_OP_PIPE, "6.16"]
    Pipe(flags: i32) { pipe_flags: i32 = flags | libc::O_CLOEXEC, fds: Box<[i32; 2]> = Box::new([-1; 2]) }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.addr = self.fds.as_mut_ptr() as u64;
        sqe.op_flags = self.pipe_flags as u32;
    }
    complete(self, cqe) -> io::Result<(OwnedFd, OwnedFd)> {
        use std::os::fd::FromRawFd;
        unit(&cqe)?;
        // SAFETY: on success the kernel installed two fresh fds in `fds`, which nobody else
        // owns.
        Ok(unsafe { (OwnedFd::from_raw_fd(self.fds[0]), OwnedFd::from_raw_fd(self.fds[1])) })
    }

    /// `pipe2(2)` into the registered file table: the read end in slot `file_index` and the
    /// write end in the next one, or both in free slots with
    /// [`FILE_INDEX_ALLOC`](super::FILE_INDEX_ALLOC). Completes with the two slots.
    /// `O_CLOEXEC` is dropped from `flags` (a slot is no fd; the kernel refuses it there).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::op::{PipeDirect, FILE_INDEX_ALLOC};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(8)?;
    /// let t = ring.push(PipeDirect::new(0, 2))?;
    /// assert_eq!(ring.wait_for(t)??, (2, 3));
    /// let t = ring.push(PipeDirect::new(0, FILE_INDEX_ALLOC))?;
    /// let (r, w) = ring.wait_for(t)??;
    /// assert!(r != w && ![2, 3].contains(&r) && ![2, 3].contains(&w));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_pipe_direct", IORING_OP_PIPE, "6.16"]
    PipeDirect(flags: i32, file_index: u32) { pipe_flags: i32 = flags & !libc::O_CLOEXEC, file_index: u32 = file_index, fds: Box<[i32; 2]> = Box::new([-1; 2]) }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.addr = self.fds.as_mut_ptr() as u64;
        sqe.op_flags = self.pipe_flags as u32;
        sqe.file_index = target_slot(self.file_index);
    }
    complete(self, cqe) -> io::Result<(u32, u32)> {
        unit(&cqe)?;
        Ok(if target_slot(self.file_index) == super::FILE_INDEX_ALLOC {
            (self.fds[0] as u32, self.fds[1] as u32)
        } else {
            (self.file_index, self.file_index + 1)
        })
    }

    /// Discards `nbytes` at `offset` of a block device (`BLOCK_URING_CMD_DISCARD`, the
    /// ring's `BLKDISCARD`, kernel 6.12). A file that is not a block device is refused by
    /// the kernel (`ENOTTY` / `EOPNOTSUPP`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::CmdDiscard, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // A regular file is no block device: the command fails cleanly, nothing is discarded.
    /// let file = std::fs::File::open("/proc/self/exe")?;
    /// let t = ring.push(CmdDiscard::new(file.as_raw_fd(), 0, 4096))?;
    /// let err = ring.wait_for(t)?.unwrap_err();
    /// assert!([libc::ENOTTY, libc::EOPNOTSUPP].contains(&err.raw_os_error().unwrap()), "{err}");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cmd_discard", IORING_OP_URING_CMD, "6.12", unmanaged, fixed_file]
    CmdDiscard(fd: RawFd, offset: u64, nbytes: u64) { fd: RawFd = fd, offset: u64 = offset, nbytes: u64 = nbytes }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = BLOCK_URING_CMD_DISCARD;
        sqe.addr = self.offset;
        sqe.addr3 = self.nbytes;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
}

/// `struct open_how` for [`OpenAt2`].
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

impl OpenHow {
    /// `O_*` flags (`O_CLOEXEC` is always added) and the mode for `O_CREAT`.
    pub fn new(flags: i32, mode: u32) -> OpenHow {
        OpenHow {
            flags: (flags | libc::O_CLOEXEC) as u64,
            mode: u64::from(mode),
            resolve: 0,
        }
    }
    /// `RESOLVE_*` flags (`RESOLVE_BENEATH`, `RESOLVE_NO_SYMLINKS`...).
    pub fn resolve(mut self, resolve: u64) -> OpenHow {
        self.resolve = resolve;
        self
    }
}

/// The `madvise` advice [`Madvise`] accepts: those that only change how the kernel treats
/// the caller's own pages (others, such as `MADV_HWPOISON`, are refused at push time).
pub const MADVICE_ALLOWED: &[i32] = &[
    libc::MADV_NORMAL,
    libc::MADV_RANDOM,
    libc::MADV_SEQUENTIAL,
    libc::MADV_WILLNEED,
    libc::MADV_DONTNEED,
    libc::MADV_FREE,
    libc::MADV_COLD,
    libc::MADV_PAGEOUT,
    libc::MADV_HUGEPAGE,
    libc::MADV_NOHUGEPAGE,
];

fn advice_ok(advice: i32) -> Result<(), &'static str> {
    if MADVICE_ALLOWED.contains(&advice) {
        Ok(())
    } else {
        Err("this madvise advice could affect memory beyond the op's buffer; see MADVICE_ALLOWED")
    }
}

/// The page-aligned part of `[addr, addr + len)`.
fn whole_pages(addr: usize, len: usize) -> (usize, usize) {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
    let start = addr.next_multiple_of(page);
    let end = (addr + len) / page * page;
    if end > start {
        (start, end - start)
    } else {
        (start, 0)
    }
}

#[cfg(liburing_has = "io_uring_prep_fsync")]
impl Fsync {
    /// Only data and the metadata needed to read it (`IORING_FSYNC_DATASYNC`).
    pub fn datasync(mut self) -> Self {
        self.fsync_flags |= crate::sys::IORING_FSYNC_DATASYNC;
        self
    }
}

/// `BLOCK_URING_CMD_DISCARD`: `_IO(0x12, 0)`, the block layer's discard command.
#[allow(dead_code)]
const BLOCK_URING_CMD_DISCARD: u64 = 0x12 << 8;
