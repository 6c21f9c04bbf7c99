//! File-system operations. Paths are owned `CString`s, so what the kernel reads lives in the
//! op until its completion; files and directories are held by the op the same way and handed
//! back with the result.
//!
//! Every flag word and advice value is checked at push time against the reviewed set named
//! on its op ([`OPEN_FLAGS`], [`RESOLVE_FLAGS`], [`STATX_FLAGS`], [`UNLINK_FLAGS`],
//! [`RENAME_FLAGS`], [`LINK_FLAGS`], [`FALLOCATE_MODES`], [`SYNC_FILE_RANGE_FLAGS`],
//! [`SPLICE_FLAGS`], [`PIPE_FLAGS`], [`FADVICE_ALLOWED`], [`MADVICE_ALLOWED`]); anything else
//! is refused with [`PushError::Invalid`](crate::PushError::Invalid) before it is queued.

use super::{count, define_ops, owned_fd, unit};
use crate::buf::IoBufMut;
use crate::error::allow_bits;
use crate::fd::{DirFd, DirectSlot, Fixed, IoFd};
use crate::Refused;
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

// The kernel copies its whole `struct statx` (256 bytes, spare fields included) whatever the
// mask asks for: the buffer must be exactly that large.
const _: () = assert!(std::mem::size_of::<libc::statx>() == 256);

define_ops! {
    /// `fsync(2)`; [`datasync`](Fsync::datasync) for `fdatasync(2)`. The only fsync flag,
    /// `IORING_FSYNC_DATASYNC`, comes from that method: the op takes no flag word.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use system_liburing::{op::Fsync, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-fsync-{}", std::process::id()));
    /// let mut file = std::fs::File::create(&path)?;
    /// file.write_all(b"durable")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_fsync(sqe, fd, 0): the op holds the file and hands it back
    /// let ticket = ring.push(Fsync::new(file))?;
    /// let (res, file) = ring.wait_for(ticket)?;
    /// res?; // cqe->res == 0
    /// // io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC)
    /// let ticket = ring.push(Fsync::new(file).datasync())?;
    /// let (res, _file) = ring.wait_for(ticket)?;
    /// res?;
    /// assert_eq!(std::fs::read(&path)?, b"durable");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fsync", IORING_OP_FSYNC, "5.1", unmanaged]
    Fsync<F: IoFd>(fd: F) { fd: F = fd, fsync_flags: u32 = 0 }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.op_flags = self.fsync_flags;
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

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

    /// `openat(2)`: opens `path` relative to `dir` ([`Cwd`](crate::fd::Cwd) for the working
    /// directory); hands back the new fd, owned, and the directory. `flags` within
    /// [`OPEN_FLAGS`]; `O_CLOEXEC` is always added.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{fd::Cwd, op::OpenAt, PushError, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openat-{}", std::process::id()));
    /// std::fs::write(&path, b"opened")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0)
    /// let ticket = ring.push(OpenAt::new(Cwd, cpath.clone(), libc::O_RDONLY, 0))?;
    /// let (fd, Cwd) = ring.wait_for(ticket)?;
    /// let fd = fd?; // an OwnedFd, closed when dropped
    /// // SAFETY: F_GETFD reads no memory of ours.
    /// let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    /// assert_ne!(fd_flags & libc::FD_CLOEXEC, 0, "O_CLOEXEC is always added");
    /// assert_eq!(std::io::read_to_string(std::fs::File::from(fd))?, "opened");
    /// // A bit outside OPEN_FLAGS is refused before anything is queued.
    /// let odd = OpenAt::new(Cwd, cpath, libc::O_RDONLY | 1 << 30, 0);
    /// let Err(PushError::Invalid(_, why)) = ring.push(odd) else { panic!("queued") };
    /// assert_eq!((why.what(), why.value()), ("open_flags", 1 << 30));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat", IORING_OP_OPENAT, "5.6"]
    OpenAt<D: DirFd>(dir: D, path: CString, flags: i32, mode: u32) {
        dir: D = dir, path: CString = path, open_flags: i32 = flags | libc::O_CLOEXEC, mode: u32 = mode
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
    }
    validate(&self, _ring) { open_flags_ok(self.open_flags) }
    complete(self, cqe) -> (io::Result<OwnedFd>, D) { (owned_fd(&cqe), self.dir) }

    /// `statx(2)` of `path` relative to `dir`; hands back the filled `statx` and the
    /// directory. `flags` within [`STATX_FLAGS`]. The `STATX_*` mask is passed as given: it
    /// only selects which fields the kernel fills, and the kernel always writes its whole
    /// 256-byte `struct statx`, exactly the buffer the op owns.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::{fd::Cwd, op::Statx, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-statx-{}", std::process::id()));
    /// std::fs::write(&path, b"12345")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_statx(sqe, AT_FDCWD, path, 0, STATX_SIZE, &statxbuf)
    /// let ticket = ring.push(Statx::new(Cwd, cpath, 0, libc::STATX_SIZE))?;
    /// let (stx, _) = ring.wait_for(ticket)?;
    /// let stx = stx?; // the filled Box<libc::statx>
    /// assert_ne!(stx.stx_mask & libc::STATX_SIZE, 0);
    /// assert_eq!(stx.stx_size, 5);
    /// // AT_EMPTY_PATH: the directory argument is the file itself.
    /// let file = std::fs::File::open(&path)?;
    /// let ticket = ring.push(Statx::new(file, c"".into(), libc::AT_EMPTY_PATH, libc::STATX_SIZE))?;
    /// let (stx, _file) = ring.wait_for(ticket)?;
    /// assert_eq!(stx?.stx_size, 5);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_statx", IORING_OP_STATX, "5.6"]
    Statx<D: DirFd>(dir: D, path: CString, flags: i32, mask: u32) {
        dir: D = dir, path: CString = path, statx_flags: i32 = flags, mask: u32 = mask,
        buf: StatxBuf = StatxBuf(Box::new(MaybeUninit::zeroed()))
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mask;
        sqe.op_flags = self.statx_flags as u32;
        sqe.off = self.buf.0.as_mut_ptr() as u64;
    }
    validate(&self, _ring) {
        reviewed("statx_flags", self.statx_flags as u32, STATX_FLAGS as u32)
    }
    complete(self, cqe) -> (io::Result<Box<libc::statx>>, D) {
        let res = unit(&cqe).map(|()| {
            // SAFETY: zero-initialised at construction (a valid statx), then filled by the
            // kernel.
            unsafe { self.buf.0.assume_init() }
        });
        (res, self.dir)
    }

    /// `fallocate(2)`: `mode` within [`FALLOCATE_MODES`]. Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Fallocate, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-fallocate-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_fallocate(sqe, fd, 0, 0, 8192): allocate, and grow the file to 8 KiB
    /// let ticket = ring.push(Fallocate::new(file, 0, 0, 8192))?;
    /// let (res, file) = ring.wait_for(ticket)?;
    /// res?;
    /// assert_eq!(file.metadata()?.len(), 8192);
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fallocate", IORING_OP_FALLOCATE, "5.6", unmanaged]
    Fallocate<F: IoFd>(fd: F, mode: i32, offset: u64, len: u64) { fd: F = fd, mode: i32 = mode, offset: u64 = offset, len: u64 = len }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.len = self.mode as u32;
        sqe.off = self.offset;
        sqe.addr = self.len;
    }
    validate(&self, _ring) { reviewed("mode", self.mode as u32, FALLOCATE_MODES as u32) }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `posix_fadvise(2)`: `advice` one of [`FADVICE_ALLOWED`]. Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Fadvise, PushError, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-fadvise-{}", std::process::id()));
    /// std::fs::write(&path, vec![0u8; 8192])?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_fadvise(sqe, fd, 0, 0, POSIX_FADV_SEQUENTIAL): the whole file
    /// let advice = libc::POSIX_FADV_SEQUENTIAL;
    /// let ticket = ring.push(Fadvise::new(file, 0, 0, advice))?;
    /// let (res, file) = ring.wait_for(ticket)?;
    /// res?;
    /// // An advice outside POSIX_FADV_* is refused before it is queued.
    /// let Err(PushError::Invalid(_, why)) = ring.push(Fadvise::new(file, 0, 0, 1000)) else {
    ///     panic!("queued")
    /// };
    /// assert_eq!((why.what(), why.value()), ("advice", 1000));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fadvise", IORING_OP_FADVISE, "5.6", unmanaged]
    Fadvise<F: IoFd>(fd: F, offset: u64, len: u32, advice: i32) { fd: F = fd, offset: u64 = offset, len: u32 = len, advice: i32 = advice }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = self.offset;
        sqe.len = self.len;
        sqe.op_flags = self.advice as u32;
    }
    validate(&self, _ring) { fadvice_ok(self.advice) }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `sync_file_range(2)`: `flags` within [`SYNC_FILE_RANGE_FLAGS`]. Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use system_liburing::{op::SyncFileRange, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-sfr-{}", std::process::id()));
    /// let mut file = std::fs::File::create(&path)?;
    /// file.write_all(b"range")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_sync_file_range(sqe, fd, 0, 0, SYNC_FILE_RANGE_WRITE): len 0 = to the end
    /// let flags = libc::SYNC_FILE_RANGE_WRITE;
    /// let ticket = ring.push(SyncFileRange::new(file, 0, 0, flags))?;
    /// let (res, _file) = ring.wait_for(ticket)?;
    /// res?;
    /// // Only files, directories and block devices have ranges: /dev/null gives ESPIPE.
    /// let null = std::fs::File::open("/dev/null")?;
    /// let ticket = ring.push(SyncFileRange::new(null, 0, 0, flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::ESPIPE));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sync_file_range", IORING_OP_SYNC_FILE_RANGE, "5.2", unmanaged]
    SyncFileRange<F: IoFd>(fd: F, len: u32, offset: u64, flags: u32) { fd: F = fd, len: u32 = len, offset: u64 = offset, range_flags: u32 = flags }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.len = self.len;
        sqe.off = self.offset;
        sqe.op_flags = self.range_flags;
    }
    validate(&self, _ring) {
        reviewed("sync_range_flags", self.range_flags, SYNC_FILE_RANGE_FLAGS)
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `unlinkat(2)` relative to `dir` (`libc::AT_REMOVEDIR` in `flags` for a directory;
    /// [`UNLINK_FLAGS`]). Hands the directory back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::UnlinkAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-unlinkat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// std::fs::write(dir.join("f"), b"")?;
    /// std::fs::create_dir(dir.join("sub"))?;
    /// let mut ring = Ring::new(4)?;
    /// // unlinkat(d, "f", 0), then unlinkat(d, "sub", AT_REMOVEDIR)
    /// let ticket = ring.push(UnlinkAt::new(dir_file, c"f".into(), 0))?;
    /// let (res, dir_file) = ring.wait_for(ticket)?;
    /// res?;
    /// let ticket = ring.push(UnlinkAt::new(dir_file, c"sub".into(), libc::AT_REMOVEDIR))?;
    /// let (res, _dir_file) = ring.wait_for(ticket)?;
    /// res?;
    /// assert!(std::fs::read_dir(&dir)?.next().is_none());
    /// # std::fs::remove_dir(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_unlinkat", IORING_OP_UNLINKAT, "5.11"]
    UnlinkAt<D: DirFd>(dir: D, path: CString, flags: i32) { dir: D = dir, path: CString = path, unlink_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.op_flags = self.unlink_flags as u32;
    }
    validate(&self, _ring) { reviewed("unlink_flags", self.unlink_flags as u32, UNLINK_FLAGS as u32) }
    complete(self, cqe) -> (io::Result<()>, D) { (unit(&cqe), self.dir) }

    /// `renameat2(2)`: `flags` within [`RENAME_FLAGS`]. Hands both directories back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::Arc;
    /// use system_liburing::{op::RenameAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-renameat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// // The directory both names are relative to, shared by the two halves of the op.
    /// let d = Arc::new(std::fs::File::open(&dir)?);
    /// std::fs::write(dir.join("a"), b"moved")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_renameat(sqe, d, "a", d, "b", 0)
    /// let ticket = ring.push(RenameAt::new(d.clone(), c"a".into(), d.clone(), c"b".into(), 0))?;
    /// let (res, _olddir, _newdir) = ring.wait_for(ticket)?;
    /// res?;
    /// assert!(!dir.join("a").exists());
    /// assert_eq!(std::fs::read(dir.join("b"))?, b"moved");
    /// // renameat2's flags: RENAME_NOREPLACE refuses to replace "b".
    /// std::fs::write(dir.join("a"), b"")?;
    /// let flags = libc::RENAME_NOREPLACE;
    /// let ticket = ring.push(RenameAt::new(d.clone(), c"a".into(), d, c"b".into(), flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::EEXIST));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_renameat", IORING_OP_RENAMEAT, "5.11"]
    RenameAt<D: DirFd, D2: DirFd>(olddir: D, oldpath: CString, newdir: D2, newpath: CString, flags: u32) {
        olddir: D = olddir, oldpath: CString = oldpath, newdir: D2 = newdir, newpath: CString = newpath,
        rename_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.olddir.dirfd();
        sqe.addr = self.oldpath.as_ptr() as u64;
        sqe.len = self.newdir.dirfd() as u32;
        sqe.off = self.newpath.as_ptr() as u64;
        sqe.op_flags = self.rename_flags;
    }
    validate(&self, _ring) { reviewed("rename_flags", self.rename_flags, RENAME_FLAGS) }
    complete(self, cqe) -> (io::Result<()>, D, D2) { (unit(&cqe), self.olddir, self.newdir) }

    /// `mkdirat(2)` relative to `dir`. Hands the directory back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::MkdirAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-mkdirat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_mkdirat(sqe, d, "sub", 0755)
    /// let ticket = ring.push(MkdirAt::new(dir_file, c"sub".into(), 0o755))?;
    /// let (res, dir_file) = ring.wait_for(ticket)?;
    /// res?;
    /// assert!(dir.join("sub").is_dir());
    /// // A second time: EEXIST.
    /// let ticket = ring.push(MkdirAt::new(dir_file, c"sub".into(), 0o755))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::EEXIST));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_mkdirat", IORING_OP_MKDIRAT, "5.15"]
    MkdirAt<D: DirFd>(dir: D, path: CString, mode: u32) { dir: D = dir, path: CString = path, mode: u32 = mode }
    prepare(&mut self, sqe) {
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
    }
    complete(self, cqe) -> (io::Result<()>, D) { (unit(&cqe), self.dir) }

    /// `symlinkat(2)`: creates `linkpath` (relative to `newdir`) pointing at `target`. Hands
    /// the directory back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::SymlinkAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-symlinkat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let dir_file = std::fs::File::open(&dir)?; // the directory the *at calls are relative to
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_symlinkat(sqe, "target", d, "link"): the target need not exist
    /// let ticket = ring.push(SymlinkAt::new(c"target".into(), dir_file, c"link".into()))?;
    /// let (res, _dir_file) = ring.wait_for(ticket)?;
    /// res?;
    /// assert_eq!(std::fs::read_link(dir.join("link"))?, std::path::Path::new("target"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_symlinkat", IORING_OP_SYMLINKAT, "5.15"]
    SymlinkAt<D: DirFd>(target: CString, newdir: D, linkpath: CString) { target: CString = target, newdir: D = newdir, linkpath: CString = linkpath }
    prepare(&mut self, sqe) {
        sqe.fd = self.newdir.dirfd();
        sqe.addr = self.target.as_ptr() as u64;
        sqe.off = self.linkpath.as_ptr() as u64;
    }
    complete(self, cqe) -> (io::Result<()>, D) { (unit(&cqe), self.newdir) }

    /// `linkat(2)`: `flags` within [`LINK_FLAGS`]. Hands both directories back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::unix::fs::MetadataExt;
    /// use std::sync::Arc;
    /// use system_liburing::{op::LinkAt, Ring};
    /// let dir = std::env::temp_dir().join(format!("sl-doc-fs-linkat-{}", std::process::id()));
    /// std::fs::create_dir(&dir)?;
    /// let d = Arc::new(std::fs::File::open(&dir)?); // the directory of both names
    /// std::fs::write(dir.join("a"), b"shared")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_linkat(sqe, d, "a", d, "b", 0): a second name for the same inode
    /// let ticket = ring.push(LinkAt::new(d.clone(), c"a".into(), d, c"b".into(), 0))?;
    /// let (res, _olddir, _newdir) = ring.wait_for(ticket)?;
    /// res?;
    /// assert_eq!(std::fs::read(dir.join("b"))?, b"shared");
    /// assert_eq!(std::fs::metadata(dir.join("a"))?.nlink(), 2);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_linkat", IORING_OP_LINKAT, "5.15"]
    LinkAt<D: DirFd, D2: DirFd>(olddir: D, oldpath: CString, newdir: D2, newpath: CString, flags: i32) {
        olddir: D = olddir, oldpath: CString = oldpath, newdir: D2 = newdir, newpath: CString = newpath,
        link_flags: i32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.olddir.dirfd();
        sqe.addr = self.oldpath.as_ptr() as u64;
        sqe.len = self.newdir.dirfd() as u32;
        sqe.off = self.newpath.as_ptr() as u64;
        sqe.op_flags = self.link_flags as u32;
    }
    validate(&self, _ring) { reviewed("link_flags", self.link_flags as u32, LINK_FLAGS as u32) }
    complete(self, cqe) -> (io::Result<()>, D, D2) { (unit(&cqe), self.olddir, self.newdir) }

    /// `splice(2)`: moves `len` bytes from `fd_in` (at `off_in`, or -1 for its position) to
    /// `fd_out` (likewise); one of them must be a pipe. `flags` within [`SPLICE_FLAGS`]; a
    /// [`Fixed`] `fd_in` sets `SPLICE_F_FD_IN_FIXED` itself. Hands both files back.
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
    /// use system_liburing::{op::Splice, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-splice-{}", std::process::id()));
    /// std::fs::write(&path, b"from the file")?;
    /// let file = std::fs::File::open(&path)?;
    /// let (mut rx, tx) = pipe()?; // a hidden libc::pipe helper
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_splice(sqe, file_fd, 5, pipe_w, -1, 3, 0):
    /// // bytes 5..8 of the file into the pipe (-1: at the pipe's position)
    /// let ticket = ring.push(Splice::new(file, 5, tx, -1, 3, 0))?;
    /// let (n, _file, _tx) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 3);
    /// let mut got = [0; 3];
    /// rx.read_exact(&mut got)?;
    /// assert_eq!(&got, b"the");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_splice", IORING_OP_SPLICE, "5.7", unmanaged]
    Splice<I: IoFd, O: IoFd>(fd_in: I, off_in: i64, fd_out: O, off_out: i64, len: u32, flags: u32) {
        fd_in: I = fd_in, off_in: i64 = off_in, fd_out: O = fd_out, off_out: i64 = off_out, len: u32 = len,
        splice_flags: u32 = flags
    }
    fds(fd_in: I, fd_out: O)
    prepare(&mut self, sqe) {
        let (fd_in, fixed_in) = splice_fd_in(&self.fd_in);
        sqe.file_index = fd_in;
        sqe.addr = self.off_in as u64;
        sqe.set_fd(&self.fd_out);
        sqe.off = self.off_out as u64;
        sqe.len = self.len;
        sqe.op_flags = self.splice_flags | fixed_in;
    }
    validate(&self, _ring) { splice_flags_ok(self.splice_flags) }
    complete(self, cqe) -> (io::Result<usize>, I, O) { (count(&cqe), self.fd_in, self.fd_out) }

    /// `tee(2)`: duplicates `len` bytes from pipe `fd_in` into pipe `fd_out`. `flags` within
    /// [`SPLICE_FLAGS`]; a [`Fixed`] `fd_in` sets `SPLICE_F_FD_IN_FIXED` itself. Hands both
    /// pipes back.
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
    /// use system_liburing::{op::Tee, Ring};
    /// let (a_rx, mut a_tx) = pipe()?; // a hidden libc::pipe helper
    /// let (mut b_rx, b_tx) = pipe()?;
    /// a_tx.write_all(b"twice")?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_tee(sqe, a_r, b_w, 5, 0): copies, without consuming pipe a
    /// let ticket = ring.push(Tee::new(a_rx, b_tx, 5, 0))?;
    /// let (n, mut a_rx, _b_tx) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 5);
    /// let (mut a, mut b) = ([0; 5], [0; 5]);
    /// a_rx.read_exact(&mut a)?;
    /// b_rx.read_exact(&mut b)?;
    /// assert_eq!((&a, &b), (b"twice", b"twice"));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_tee", IORING_OP_TEE, "5.8", unmanaged]
    Tee<I: IoFd, O: IoFd>(fd_in: I, fd_out: O, len: u32, flags: u32) { fd_in: I = fd_in, fd_out: O = fd_out, len: u32 = len, splice_flags: u32 = flags }
    fds(fd_in: I, fd_out: O)
    prepare(&mut self, sqe) {
        let (fd_in, fixed_in) = splice_fd_in(&self.fd_in);
        sqe.file_index = fd_in;
        sqe.set_fd(&self.fd_out);
        sqe.len = self.len;
        sqe.op_flags = self.splice_flags | fixed_in;
    }
    validate(&self, _ring) { splice_flags_ok(self.splice_flags) }
    complete(self, cqe) -> (io::Result<usize>, I, O) { (count(&cqe), self.fd_in, self.fd_out) }

    /// `unlink(2)` / `rmdir(2)` of `path` relative to the cwd (`libc::AT_REMOVEDIR`;
    /// [`UNLINK_FLAGS`]).
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
    validate(&self, _ring) { reviewed("unlink_flags", self.unlink_flags as u32, UNLINK_FLAGS as u32) }
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

    /// `link(2)` relative to the cwd (`flags`: `libc::AT_SYMLINK_FOLLOW`; [`LINK_FLAGS`]).
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
    validate(&self, _ring) { reviewed("link_flags", self.link_flags as u32, LINK_FLAGS as u32) }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `openat(2)` into the registered file table: slot `slot` of this ring, or any free one
    /// ([`DirectSlot::Alloc`]); completes with the [`Fixed`] slot filled, and the directory.
    /// `flags` within [`OPEN_FLAGS`]; `O_CLOEXEC` is dropped from them (a slot is no fd,
    /// and the kernel refuses it there).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::fd::{Cwd, DirectSlot};
    /// use system_liburing::op::{OpenAtDirect, Read};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openatd-{}", std::process::id()));
    /// std::fs::write(&path, b"direct")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// ring.register_files_sparse(4)?; // a table of 4 empty slots
    /// // io_uring_prep_openat_direct(sqe, AT_FDCWD, path, O_RDONLY, 0, 2): no fd, slot 2
    /// let slot = DirectSlot::At(ring.fixed_file(2));
    /// let ticket = ring.push(OpenAtDirect::new(Cwd, cpath, libc::O_RDONLY, 0, slot))?;
    /// let (slot, _) = ring.wait_for(ticket)?;
    /// let slot = slot?;
    /// assert_eq!(slot.index(), 2);
    /// let ticket = ring.push(Read::new(slot, Vec::with_capacity(16), 0))?;
    /// let (n, _slot, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (6, &b"direct"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat_direct", IORING_OP_OPENAT, "5.15"]
    OpenAtDirect<D: DirFd>(dir: D, path: CString, flags: i32, mode: u32, slot: DirectSlot) {
        dir: D = dir, path: CString = path, open_flags: i32 = flags & !libc::O_CLOEXEC, mode: u32 = mode,
        slot: DirectSlot = slot, ring: u64 = 0
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
        sqe.file_index = encoded(&self.slot);
    }
    validate(&self, ring) {
        self.slot.check(ring)?;
        open_flags_ok(self.open_flags)
    }
    complete(self, cqe) -> (io::Result<Fixed>, D) {
        (cqe.result().map(|n| self.slot.filled(n, self.ring)), self.dir)
    }

    /// `openat2(2)`: opens `path` relative to `dir` as `how` says (resolve rules too; its
    /// flags within [`OPEN_FLAGS`], its resolve bits within [`RESOLVE_FLAGS`]). Hands back
    /// the new fd, owned, and the directory.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::fd::Cwd;
    /// use system_liburing::op::{OpenAt2, OpenHow};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openat2-{}", std::process::id()));
    /// std::fs::write(&path, b"openat2")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_openat2(sqe, AT_FDCWD, path, &how)
    /// let how = OpenHow::new(libc::O_RDONLY, 0);
    /// let ticket = ring.push(OpenAt2::new(Cwd, cpath.clone(), how))?;
    /// let (fd, _cwd) = ring.wait_for(ticket)?;
    /// let fd = fd?;
    /// assert_eq!(std::io::read_to_string(std::fs::File::from(fd))?, "openat2");
    /// // RESOLVE_BENEATH: an absolute path leaves the starting directory, so EXDEV.
    /// let how = how.resolve(libc::RESOLVE_BENEATH);
    /// let ticket = ring.push(OpenAt2::new(Cwd, cpath, how))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::EXDEV));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat2", IORING_OP_OPENAT2, "5.6"]
    OpenAt2<D: DirFd>(dir: D, path: CString, how: OpenHow) { dir: D = dir, path: CString = path, how: OpenHow = how }
    prepare(&mut self, sqe) {
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = std::mem::size_of::<OpenHow>() as u32;
        sqe.off = &self.how as *const OpenHow as u64;
    }
    validate(&self, _ring) { self.how.check() }
    complete(self, cqe) -> (io::Result<OwnedFd>, D) { (owned_fd(&cqe), self.dir) }

    /// `openat2(2)` into the registered file table: slot `slot` of this ring, or any free
    /// one; completes with the [`Fixed`] slot filled, and the directory. `how` as for
    /// [`OpenAt2`]; `O_CLOEXEC` is dropped from its flags.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::fd::{Cwd, DirectSlot};
    /// use system_liburing::op::{OpenAt2Direct, OpenHow, Read};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-openat2d-{}", std::process::id()));
    /// std::fs::write(&path, b"any slot")?;
    /// let cpath = CString::new(path.to_str().unwrap())?;
    /// let mut ring = Ring::new(4)?;
    /// ring.register_files_sparse(4)?;
    /// // io_uring_prep_openat2_direct(sqe, AT_FDCWD, path, &how, IORING_FILE_INDEX_ALLOC)
    /// let how = OpenHow::new(libc::O_RDONLY, 0);
    /// let ticket = ring.push(OpenAt2Direct::new(Cwd, cpath, how, DirectSlot::Alloc))?;
    /// let (slot, _cwd) = ring.wait_for(ticket)?;
    /// let slot = slot?; // the slot the kernel picked
    /// assert!(slot.index() < 4);
    /// let ticket = ring.push(Read::new(slot, Vec::with_capacity(16), 0))?;
    /// let (n, _slot, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (8, &b"any slot"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_openat2_direct", IORING_OP_OPENAT2, "5.15"]
    OpenAt2Direct<D: DirFd>(dir: D, path: CString, how: OpenHow, slot: DirectSlot) {
        dir: D = dir, path: CString = path, how: OpenHow = how, slot: DirectSlot = slot, ring: u64 = 0
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        // The kernel refuses O_CLOEXEC for a registered-table slot (it is no fd).
        self.how.flags &= !(libc::O_CLOEXEC as u64);
        sqe.fd = self.dir.dirfd();
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = std::mem::size_of::<OpenHow>() as u32;
        sqe.off = &self.how as *const OpenHow as u64;
        sqe.file_index = encoded(&self.slot);
    }
    validate(&self, ring) {
        self.slot.check(ring)?;
        self.how.check()
    }
    complete(self, cqe) -> (io::Result<Fixed>, D) {
        (cqe.result().map(|n| self.slot.filled(n, self.ring)), self.dir)
    }

    /// Closes a slot of this ring's registered file table. A slot of another ring is
    /// refused at push time (its table is not this one).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::op::{CloseDirect, Read};
    /// use system_liburing::{PushError, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let zero = std::fs::File::open("/dev/zero")?;
    /// ring.register_files(&[Some(zero)])?; // slot 0; the table holds its own reference
    /// let slot = ring.fixed_file(0);
    /// let ticket = ring.push(CloseDirect::new(slot))?; // io_uring_prep_close_direct(sqe, 0)
    /// ring.wait_for(ticket)??;
    /// // Slot 0 is empty now: a fixed-file read of it fails with EBADF.
    /// let ticket = ring.push(Read::new(slot, Vec::with_capacity(4), 0))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::EBADF));
    /// // Another ring's slot names another table: refused, nothing is closed.
    /// let other = Ring::new(4)?;
    /// let foreign = CloseDirect::new(other.fixed_file(0));
    /// assert!(matches!(ring.push(foreign), Err(PushError::Invalid(..))));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_close_direct", IORING_OP_CLOSE, "5.15", unmanaged, owns_nothing]
    CloseDirect(slot: Fixed) { slot: Fixed = slot }
    fds(slot: Fixed)
    prepare(&mut self, sqe) {
        // sqe->fd must be 0 beside a slot; the slot is encoded as index + 1.
        sqe.fd = 0;
        sqe.file_index = encoded(&DirectSlot::At(self.slot));
    }
    validate(&self, ring) { DirectSlot::At(self.slot).check(ring) }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `madvise(2)` over the whole pages inside an owned buffer (never past its ends, so no
    /// other memory is touched); `advice` is one of [`MADVICE_ALLOWED`], the hints that
    /// never change the buffer's contents.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Madvise, PushError, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let buf = vec![7u8; 3 * 4096];
    /// // madvise(page-aligned part of buf, MADV_WILLNEED): a hint; the bytes stay as they are
    /// let ticket = ring.push(Madvise::new(buf, libc::MADV_WILLNEED))?;
    /// let (res, buf) = ring.wait_for(ticket)?;
    /// res?;
    /// assert!(buf.iter().all(|&b| b == 7));
    /// // Advice that changes contents (MADV_DONTNEED zeroes the pages, MADV_FREE may, later)
    /// // or reaches beyond the buffer (MADV_HWPOISON) is refused before it is queued.
    /// for advice in [libc::MADV_DONTNEED, libc::MADV_FREE, libc::MADV_HWPOISON] {
    ///     let Err(PushError::Invalid(_, why)) = ring.push(Madvise::new(buf.clone(), advice)) else {
    ///         panic!("advice {advice} was queued")
    ///     };
    ///     assert_eq!((why.what(), why.value()), ("advice", advice as u64));
    /// }
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
    validate(&self, _ring) { madvice_ok(self.advice) }
    complete(self, cqe) -> (io::Result<()>, B) { (unit(&cqe), self.buf) }

    /// `open(2)` relative to the cwd (liburing 2.6+): `flags` within [`OPEN_FLAGS`];
    /// `O_CLOEXEC` is always added.
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
    validate(&self, _ring) { open_flags_ok(self.open_flags) }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `ftruncate(2)` (kernel 6.9). Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Ftruncate, PushError, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fs-ftruncate-{}", std::process::id()));
    /// std::fs::write(&path, b"truncate me")?;
    /// let file = std::fs::OpenOptions::new().write(true).open(&path)?;
    /// let mut ring = Ring::new(4)?;
    /// // io_uring_prep_ftruncate(sqe, fd, 5)
    /// let ticket = match ring.push(Ftruncate::new(file, 5)) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("this kernel predates IORING_OP_FTRUNCATE (6.9)");
    ///         # std::fs::remove_file(&path)?;
    ///         return Ok(());
    ///     }
    ///     ticket => ticket?,
    /// };
    /// let (res, _file) = ring.wait_for(ticket)?;
    /// res?;
    /// assert_eq!(std::fs::read(&path)?, b"trunc");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_ftruncate", IORING_OP_FTRUNCATE, "6.9", unmanaged]
    Ftruncate<F: IoFd>(fd: F, len: u64) { fd: F = fd, len: u64 = len }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = self.len;
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `open(2)` relative to the cwd into the registered file table: slot `slot` of this
    /// ring, or any free one ([`DirectSlot::Alloc`]); completes with the [`Fixed`] slot
    /// filled. `flags` within [`OPEN_FLAGS`]; `O_CLOEXEC` is dropped from them (a slot is no
    /// fd, and the kernel refuses it there).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::fd::DirectSlot;
    /// use system_liburing::op::OpenDirect;
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?; // io_uring_register_files_sparse
    /// let path = CString::new("/dev/null").unwrap();
    /// let at_2 = DirectSlot::At(ring.fixed_file(2));
    /// let t = ring.push(OpenDirect::new(path.clone(), libc::O_RDONLY, 0, at_2))?;
    /// assert_eq!(ring.wait_for(t)??.index(), 2); // the slot asked for
    /// let t = ring.push(OpenDirect::new(path, libc::O_RDONLY, 0, DirectSlot::Alloc))?;
    /// assert!(ring.wait_for(t)??.index() < 4); // a free slot the kernel picked
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_open_direct", IORING_OP_OPENAT, "5.15"]
    OpenDirect(path: CString, flags: i32, mode: u32, slot: DirectSlot) {
        path: CString = path, open_flags: i32 = flags & !libc::O_CLOEXEC, mode: u32 = mode, slot: DirectSlot = slot,
        ring: u64 = 0
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
        sqe.op_flags = self.open_flags as u32;
        sqe.file_index = encoded(&self.slot);
    }
    validate(&self, ring) {
        self.slot.check(ring)?;
        open_flags_ok(self.open_flags)
    }
    complete(self, cqe) -> io::Result<Fixed> { cqe.result().map(|n| self.slot.filled(n, self.ring)) }

    /// `posix_fadvise(2)` with a 64-bit length (`sqe->addr`; kernels before 6.12 only read
    /// the 32-bit one and refuse this with `EINVAL`): `advice` one of [`FADVICE_ALLOWED`].
    /// Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Fadvise64, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let file = std::fs::File::open("/proc/self/exe")?;
    /// let five_gib = 5 << 30; // more than a u32 holds
    /// let t = ring.push(Fadvise64::new(file, 0, five_gib, libc::POSIX_FADV_SEQUENTIAL))?;
    /// match ring.wait_for(t)?.0 {
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("this kernel predates the 64-bit fadvise length (6.12)");
    ///     }
    ///     res => res?,
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fadvise64", IORING_OP_FADVISE, "6.12", unmanaged]
    Fadvise64<F: IoFd>(fd: F, offset: u64, len: u64, advice: i32) { fd: F = fd, offset: u64 = offset, len: u64 = len, advice: i32 = advice }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = self.offset;
        sqe.addr = self.len;
        sqe.op_flags = self.advice as u32;
    }
    validate(&self, _ring) { fadvice_ok(self.advice) }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// [`Madvise`] with the length in 64 bits (`sqe->off`; kernels before 6.12 refuse it
    /// with `EINVAL`): the whole pages inside an owned buffer, `advice` one of
    /// [`MADVICE_ALLOWED`].
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Madvise64, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Madvise64::new(vec![5u8; 1 << 16], libc::MADV_SEQUENTIAL))?;
    /// let (res, buf) = ring.wait_for(t)?;
    /// match res {
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("this kernel predates the 64-bit madvise length (6.12)");
    ///     }
    ///     res => res?,
    /// }
    /// assert!(buf.len() == 1 << 16 && buf.iter().all(|&b| b == 5)); // untouched
    /// // MADV_FREE would let the kernel zero those pages after the buffer came back.
    /// let free = Madvise64::new(buf, libc::MADV_FREE);
    /// assert!(matches!(ring.push(free), Err(PushError::Invalid(..))));
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
    validate(&self, _ring) { madvice_ok(self.advice) }
    complete(self, cqe) -> (io::Result<()>, B) { (unit(&cqe), self.buf) }

    /// `pipe2(2)` (`IORING_OP_PIPE`): completes with the read and the write end, owned.
    /// `flags` within [`PIPE_FLAGS`]; `O_CLOEXEC` is always added.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::{Read, Write};
    /// use system_liburing::{op::Pipe, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let t = match ring.push(Pipe::new(0)) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("this kernel predates IORING_OP_PIPE (6.16)");
    ///         return Ok(());
    ///     }
    ///     t => t?,
    /// };
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
    validate(&self, _ring) { reviewed("pipe_flags", self.pipe_flags as u32, PIPE_FLAGS as u32) }
    complete(self, cqe) -> io::Result<(OwnedFd, OwnedFd)> {
        unit(&cqe)?;
        let [r, w] = *self.fds;
        if r == w {
            return Err(io::Error::from_raw_os_error(libc::EIO));
        }
        // Each end on its own: should one number be unbelievable, the other is still closed.
        let (r, w) = (pipe_end(r), pipe_end(w));
        Ok((r?, w?))
    }

    /// `pipe2(2)` into the registered file table: the read end in slot `slot` of this ring
    /// and the write end in the next one, or both in free slots ([`DirectSlot::Alloc`]).
    /// Completes with the two [`Fixed`] slots. `flags` within [`PIPE_FLAGS`]; `O_CLOEXEC` is
    /// dropped from them (a slot is no fd; the kernel refuses it there).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::fd::DirectSlot;
    /// use system_liburing::op::PipeDirect;
    /// use system_liburing::{PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(8)?;
    /// let t = match ring.push(PipeDirect::new(0, DirectSlot::At(ring.fixed_file(2)))) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("this kernel predates IORING_OP_PIPE (6.16)");
    ///         return Ok(());
    ///     }
    ///     t => t?,
    /// };
    /// let (r, w) = ring.wait_for(t)??;
    /// assert_eq!((r.index(), w.index()), (2, 3));
    /// let t = ring.push(PipeDirect::new(0, DirectSlot::Alloc))?;
    /// let (r, w) = ring.wait_for(t)??;
    /// let (r, w) = (r.index(), w.index());
    /// assert!(r != w && ![2, 3].contains(&r) && ![2, 3].contains(&w) && r.max(w) < 8);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_pipe_direct", IORING_OP_PIPE, "6.16"]
    PipeDirect(flags: i32, slot: DirectSlot) {
        pipe_flags: i32 = flags & !libc::O_CLOEXEC, slot: DirectSlot = slot, ring: u64 = 0,
        fds: Box<[i32; 2]> = Box::new([-1; 2])
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.fd = 0;
        sqe.addr = self.fds.as_mut_ptr() as u64;
        sqe.op_flags = self.pipe_flags as u32;
        sqe.file_index = encoded(&self.slot);
    }
    validate(&self, ring) {
        self.slot.check(ring)?;
        if let DirectSlot::At(f) = self.slot {
            // The write end goes in the next slot: it must be encodable too (and not turn
            // into the allocation marker).
            // (`check` above leaves index <= u32::MAX - 2, so the addition cannot wrap.)
            DirectSlot::At(Fixed::new(f.index() + 1, ring)).encode()?;
        }
        reviewed("pipe_flags", self.pipe_flags as u32, PIPE_FLAGS as u32)
    }
    complete(self, cqe) -> io::Result<(Fixed, Fixed)> {
        unit(&cqe)?;
        match self.slot {
            DirectSlot::At(f) => Ok((f, Fixed::new(f.index() + 1, f.ring()))),
            // The kernel wrote the slots it chose into the array.
            DirectSlot::Alloc => match *self.fds {
                [r, w] if r >= 0 && w >= 0 && r != w => {
                    Ok((Fixed::new(r as u32, self.ring), Fixed::new(w as u32, self.ring)))
                }
                _ => Err(io::Error::from_raw_os_error(libc::EIO)),
            },
        }
    }

    /// Discards `nbytes` at `offset` of a block device (`BLOCK_URING_CMD_DISCARD`, the
    /// ring's `BLKDISCARD`, kernel 6.12). A file that is not a block device is refused by
    /// the kernel (`ENOTTY` / `EOPNOTSUPP`). Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::CmdDiscard, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // A regular file is no block device: the command fails cleanly, nothing is discarded.
    /// let file = std::fs::File::open("/proc/self/exe")?;
    /// let t = ring.push(CmdDiscard::new(file, 0, 4096))?;
    /// let err = ring.wait_for(t)?.0.unwrap_err();
    /// assert!([libc::ENOTTY, libc::EOPNOTSUPP].contains(&err.raw_os_error().unwrap()), "{err}");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cmd_discard", IORING_OP_URING_CMD, "6.12", unmanaged]
    CmdDiscard<F: IoFd>(fd: F, offset: u64, nbytes: u64) { fd: F = fd, offset: u64 = offset, nbytes: u64 = nbytes }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = BLOCK_URING_CMD_DISCARD;
        sqe.addr = self.offset;
        sqe.addr3 = self.nbytes;
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }
}

/// `struct open_how` for [`OpenAt2`] / [`OpenAt2Direct`]: its flags are checked against
/// [`OPEN_FLAGS`] and its resolve bits against [`RESOLVE_FLAGS`] when the op is pushed.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

impl OpenHow {
    /// `O_*` flags (within [`OPEN_FLAGS`]; `O_CLOEXEC` is always added) and the mode for
    /// `O_CREAT`.
    pub fn new(flags: i32, mode: u32) -> OpenHow {
        OpenHow {
            flags: u64::from((flags | libc::O_CLOEXEC) as u32),
            mode: u64::from(mode),
            resolve: 0,
        }
    }
    /// `RESOLVE_*` flags (`RESOLVE_BENEATH`, `RESOLVE_NO_SYMLINKS`...; within
    /// [`RESOLVE_FLAGS`]).
    pub fn resolve(mut self, resolve: u64) -> OpenHow {
        self.resolve = resolve;
        self
    }
    fn check(&self) -> Result<(), Refused> {
        allow_bits("open_how.flags", self.flags, bits(OPEN_FLAGS), REVIEWED)?;
        allow_bits("open_how.resolve", self.resolve, RESOLVE_FLAGS, REVIEWED)
    }
}

/// Why a bit outside an op's reviewed set is refused.
const REVIEWED: &str =
    "only the reviewed bits of this word (see the op's allowlist) are passed to the kernel";

/// A signed flag word as the bits it carries (no sign extension).
const fn bits(word: i32) -> u64 {
    word as u32 as u64
}

/// The `O_*` bits [`OpenAt`], `Open`, [`OpenAt2`] (as `open_how.flags`) and their direct
/// forms accept: the open flags the libc of this target defines — the access mode
/// (`O_RDONLY`, `O_WRONLY`, `O_RDWR`), `O_CREAT`, `O_EXCL`, `O_NOCTTY`, `O_TRUNC`,
/// `O_APPEND`, `O_NONBLOCK`, `O_DSYNC`, `O_SYNC`, `O_ASYNC`, `O_DIRECT` (2.4.10),
/// `O_LARGEFILE`, `O_DIRECTORY`, `O_NOFOLLOW` (2.1.126), `O_NOATIME` (2.6.8), `O_CLOEXEC`
/// (2.6.23), `O_PATH` (2.6.39), `O_TMPFILE` (3.11). They say how the file is opened and
/// used afterwards; the kernel reads only the path and (for `openat2`) the `open_how` the
/// op owns, whatever they are. Any other bit is refused.
pub const OPEN_FLAGS: i32 = libc::O_ACCMODE
    | libc::O_CREAT
    | libc::O_EXCL
    | libc::O_NOCTTY
    | libc::O_TRUNC
    | libc::O_APPEND
    | libc::O_NONBLOCK
    | libc::O_DSYNC
    | libc::O_SYNC
    | libc::O_ASYNC
    | libc::O_DIRECT
    | libc::O_LARGEFILE
    | libc::O_DIRECTORY
    | libc::O_NOFOLLOW
    | libc::O_NOATIME
    | libc::O_CLOEXEC
    | libc::O_PATH
    | libc::O_TMPFILE;

/// The `RESOLVE_*` bits of `open_how.resolve` ([`OpenHow::resolve`]): `RESOLVE_NO_XDEV`,
/// `RESOLVE_NO_MAGICLINKS`, `RESOLVE_NO_SYMLINKS`, `RESOLVE_BENEATH`, `RESOLVE_IN_ROOT`
/// (5.6), `RESOLVE_CACHED` (5.12). They restrict path lookup only. Any other bit is refused.
pub const RESOLVE_FLAGS: u64 = libc::RESOLVE_NO_XDEV
    | libc::RESOLVE_NO_MAGICLINKS
    | libc::RESOLVE_NO_SYMLINKS
    | libc::RESOLVE_BENEATH
    | libc::RESOLVE_IN_ROOT
    | libc::RESOLVE_CACHED;

/// The `AT_*` bits [`Statx`] accepts: `AT_SYMLINK_NOFOLLOW`, `AT_NO_AUTOMOUNT`,
/// `AT_EMPTY_PATH`, `AT_STATX_FORCE_SYNC`, `AT_STATX_DONT_SYNC` (4.11) — how the path is
/// looked up and how fresh the answer must be; the kernel writes the same 256-byte
/// `struct statx` whatever they are. Any other bit is refused.
pub const STATX_FLAGS: i32 = libc::AT_SYMLINK_NOFOLLOW
    | libc::AT_NO_AUTOMOUNT
    | libc::AT_EMPTY_PATH
    | libc::AT_STATX_FORCE_SYNC
    | libc::AT_STATX_DONT_SYNC;

/// The bit [`UnlinkAt`] / [`Unlink`] accept: `AT_REMOVEDIR` (`rmdir` instead of `unlink`).
/// Any other bit is refused.
pub const UNLINK_FLAGS: i32 = libc::AT_REMOVEDIR;

/// The `RENAME_*` bits [`RenameAt`] accepts: `RENAME_NOREPLACE`, `RENAME_EXCHANGE` (3.15),
/// `RENAME_WHITEOUT` (3.18) — what happens to the names; no memory is involved beyond the
/// two paths the op owns. Any other bit is refused.
pub const RENAME_FLAGS: u32 =
    libc::RENAME_NOREPLACE | libc::RENAME_EXCHANGE | libc::RENAME_WHITEOUT;

/// The `AT_*` bits [`LinkAt`] / [`Link`] accept: `AT_SYMLINK_FOLLOW`, `AT_EMPTY_PATH`
/// (2.6.39; needs `CAP_DAC_READ_SEARCH`) — how the old name is resolved. Any other bit is
/// refused.
pub const LINK_FLAGS: i32 = libc::AT_SYMLINK_FOLLOW | libc::AT_EMPTY_PATH;

/// The `FALLOC_FL_*` bits [`Fallocate`] accepts: `FALLOC_FL_KEEP_SIZE` (2.6.23),
/// `FALLOC_FL_PUNCH_HOLE` (2.6.38), `FALLOC_FL_COLLAPSE_RANGE` (3.15),
/// `FALLOC_FL_ZERO_RANGE` (3.15), `FALLOC_FL_INSERT_RANGE` (3.15),
/// `FALLOC_FL_UNSHARE_RANGE` (4.5), `FALLOC_FL_WRITE_ZEROES` (`0x80`, 6.17). They change
/// the file's blocks, never memory of the process. (`FALLOC_FL_NO_HIDE_STALE`, which the
/// kernel keeps for itself, and any other bit are refused.)
pub const FALLOCATE_MODES: i32 = libc::FALLOC_FL_KEEP_SIZE
    | libc::FALLOC_FL_PUNCH_HOLE
    | libc::FALLOC_FL_COLLAPSE_RANGE
    | libc::FALLOC_FL_ZERO_RANGE
    | libc::FALLOC_FL_INSERT_RANGE
    | libc::FALLOC_FL_UNSHARE_RANGE
    | 0x80;

/// The `SYNC_FILE_RANGE_*` bits [`SyncFileRange`] accepts: `SYNC_FILE_RANGE_WAIT_BEFORE`,
/// `SYNC_FILE_RANGE_WRITE`, `SYNC_FILE_RANGE_WAIT_AFTER` (2.6.17): which writeback to start
/// or wait for. Any other bit is refused.
pub const SYNC_FILE_RANGE_FLAGS: u32 = libc::SYNC_FILE_RANGE_WAIT_BEFORE
    | libc::SYNC_FILE_RANGE_WRITE
    | libc::SYNC_FILE_RANGE_WAIT_AFTER;

/// The `SPLICE_F_*` bits [`Splice`] / [`Tee`] accept: `SPLICE_F_MOVE`, `SPLICE_F_NONBLOCK`,
/// `SPLICE_F_MORE` (2.6.17) — hints about pages moving between files and pipes, none of the
/// process's memory. `SPLICE_F_FD_IN_FIXED` is the crate's (set when `fd_in` is a
/// [`Fixed`] slot: a user's bit would make the kernel read another number as a slot);
/// `SPLICE_F_GIFT` (meaningful only for `vmsplice`) and any other bit are refused.
pub const SPLICE_FLAGS: u32 = libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK | libc::SPLICE_F_MORE;

/// The `O_*` bits `Pipe` / `PipeDirect` accept: `O_NONBLOCK`, `O_CLOEXEC` (2.6.27),
/// `O_DIRECT` (3.4, packet mode). `O_NOTIFICATION_PIPE` (5.8, a pipe the kernel posts key
/// notifications to) is not reviewed and refused, like any other bit.
pub const PIPE_FLAGS: i32 = libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_DIRECT;

/// The `posix_fadvise` advice [`Fadvise`] / `Fadvise64` accept: `POSIX_FADV_NORMAL`,
/// `POSIX_FADV_RANDOM`, `POSIX_FADV_SEQUENTIAL`, `POSIX_FADV_WILLNEED`,
/// `POSIX_FADV_DONTNEED`, `POSIX_FADV_NOREUSE` (2.5.60). They steer the file's page cache
/// (read-ahead, dropping clean pages, which are read again from the file), never the
/// process's memory. Any other value is refused.
pub const FADVICE_ALLOWED: &[i32] = &[
    libc::POSIX_FADV_NORMAL,
    libc::POSIX_FADV_RANDOM,
    libc::POSIX_FADV_SEQUENTIAL,
    libc::POSIX_FADV_WILLNEED,
    libc::POSIX_FADV_DONTNEED,
    libc::POSIX_FADV_NOREUSE,
];

/// The `madvise` advice [`Madvise`] / `Madvise64` accept: hints that never change the
/// contents of the buffer's pages — `MADV_NORMAL`, `MADV_RANDOM`, `MADV_SEQUENTIAL`,
/// `MADV_WILLNEED` (2.4), `MADV_HUGEPAGE`, `MADV_NOHUGEPAGE` (2.6.38), `MADV_COLD`,
/// `MADV_PAGEOUT` (5.4; reclaimed pages read back as they were). Refused: `MADV_DONTNEED`
/// and `MADV_REMOVE` (the pages read back as zeros), `MADV_FREE` (the kernel may zero them
/// at any later time, after the buffer was handed back), `MADV_HWPOISON` and the rest (they
/// reach beyond the buffer or change what the memory is).
pub const MADVICE_ALLOWED: &[i32] = &[
    libc::MADV_NORMAL,
    libc::MADV_RANDOM,
    libc::MADV_SEQUENTIAL,
    libc::MADV_WILLNEED,
    libc::MADV_COLD,
    libc::MADV_PAGEOUT,
    libc::MADV_HUGEPAGE,
    libc::MADV_NOHUGEPAGE,
];

fn madvice_ok(advice: i32) -> Result<(), Refused> {
    advice_in(
        MADVICE_ALLOWED,
        advice,
        "this madvise advice could change the buffer's contents or memory beyond it; see MADVICE_ALLOWED",
    )
}

fn fadvice_ok(advice: i32) -> Result<(), Refused> {
    advice_in(
        FADVICE_ALLOWED,
        advice,
        "not a reviewed POSIX_FADV_* value; see FADVICE_ALLOWED",
    )
}

/// An enumerated advice value: one of `allowed`, or refused with `why`.
fn advice_in(allowed: &[i32], advice: i32, why: &'static str) -> Result<(), Refused> {
    if allowed.contains(&advice) {
        Ok(())
    } else {
        Err(Refused::new("advice", bits(advice), why))
    }
}

fn open_flags_ok(flags: i32) -> Result<(), Refused> {
    reviewed("open_flags", flags as u32, OPEN_FLAGS as u32)
}

fn splice_flags_ok(flags: u32) -> Result<(), Refused> {
    reviewed("splice_flags", flags, SPLICE_FLAGS)
}

/// A flag word checked against its allowlist (the bits, no sign extension of an `i32`).
fn reviewed(what: &'static str, word: u32, allowed: u32) -> Result<(), Refused> {
    allow_bits(what, u64::from(word), u64::from(allowed), REVIEWED)
}

/// `sqe->splice_fd_in` for a splice or tee, and the flag bit that goes with it:
/// `SPLICE_F_FD_IN_FIXED` when `fd_in` is a registered slot (the user's word never carries
/// it: validated).
fn splice_fd_in<I: IoFd>(fd_in: &I) -> (u32, u32) {
    let (fd, fixed) = fd_in.sqe_fd();
    let flag = if fixed {
        crate::sys::SPLICE_F_FD_IN_FIXED
    } else {
        0
    };
    (fd as u32, flag)
}

/// `sqe->file_index` for a slot that `validate` has already checked (so it encodes). Were
/// it ever to fail, `u32::MAX - 1` names slot `u32::MAX - 2`, past any real table, never
/// slot 0 or "not direct".
fn encoded(slot: &DirectSlot) -> u32 {
    slot.encode().unwrap_or(u32::MAX - 1)
}

/// One end of a pipe the kernel installed for us, owned: only a non-negative number
/// (`OwnedFd` may never hold -1, which is what the array held before the kernel wrote).
#[allow(dead_code)] // used only where liburing has io_uring_prep_pipe
fn pipe_end(fd: RawFd) -> io::Result<OwnedFd> {
    use std::os::fd::FromRawFd;
    if fd < 0 {
        return Err(io::Error::from_raw_os_error(libc::EIO));
    }
    // SAFETY: a successful IORING_OP_PIPE installed this fresh, non-negative fd for the op,
    // which nobody else owns (the caller checked the two ends differ).
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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
impl<F: IoFd> Fsync<F> {
    /// Only data and the metadata needed to read it (`IORING_FSYNC_DATASYNC`, the one fsync
    /// flag: the op takes no other).
    pub fn datasync(mut self) -> Self {
        self.fsync_flags |= crate::sys::IORING_FSYNC_DATASYNC;
        self
    }
}

/// `BLOCK_URING_CMD_DISCARD`: `_IO(0x12, 0)`, the block layer's discard command.
#[allow(dead_code)]
const BLOCK_URING_CMD_DISCARD: u64 = 0x12 << 8;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Sqe;
    use crate::op::private::Sealed;

    const RING: u64 = 7;

    fn prepared<O: Sealed>(mut op: O) -> Sqe {
        let mut sqe = Sqe::default();
        op.prepare(&mut sqe, RING);
        sqe
    }

    #[cfg(liburing_has = "io_uring_prep_splice")]
    #[test]
    fn splice_fd_in_fixed_comes_from_the_type_only() {
        let null = || std::fs::File::open("/dev/null").unwrap();
        let sqe = prepared(Splice::new(Fixed::new(3, RING), -1, null(), -1, 1, 0));
        assert_eq!(sqe.file_index, 3);
        assert_ne!(sqe.op_flags & crate::sys::SPLICE_F_FD_IN_FIXED, 0);
        #[cfg(liburing_has = "io_uring_prep_tee")]
        {
            let sqe = prepared(Tee::new(null(), null(), 1, libc::SPLICE_F_NONBLOCK));
            assert_eq!(sqe.op_flags, libc::SPLICE_F_NONBLOCK);
        }
        // A user's SPLICE_F_FD_IN_FIXED would make the kernel read an fd number as a slot.
        let op = Splice::new(null(), -1, null(), -1, 1, crate::sys::SPLICE_F_FD_IN_FIXED);
        assert_eq!(op.validate(RING).unwrap_err().what(), "splice_flags");
        // Another ring's slot names another table.
        #[cfg(liburing_has = "io_uring_prep_tee")]
        {
            let op = Tee::new(Fixed::new(0, RING + 1), null(), 1, 0);
            assert_eq!(op.validate(RING).unwrap_err().what(), "fd");
        }
    }

    #[cfg(liburing_has = "io_uring_prep_close_direct")]
    #[test]
    fn close_direct_names_only_an_encodable_slot_of_its_ring() {
        assert!(CloseDirect::new(Fixed::new(5, RING)).validate(RING).is_ok());
        assert_eq!(
            prepared(CloseDirect::new(Fixed::new(5, RING))).file_index,
            6
        );
        // u32::MAX + 1 would wrap to 0, which means "sqe->fd is an fd": close(0).
        for index in [u32::MAX, u32::MAX - 1] {
            let op = CloseDirect::new(Fixed::new(index, RING));
            assert_eq!(op.validate(RING).unwrap_err().what(), "file_index");
        }
        assert!(CloseDirect::new(Fixed::new(5, RING + 1))
            .validate(RING)
            .is_err());
    }

    // Each op's refusal where the linked liburing has the op (statx came with openat2,
    // fallocate, fadvise and madvise; unlinkat and renameat later).
    #[cfg(liburing_has = "io_uring_prep_statx")]
    #[test]
    fn flag_words_outside_their_allowlists_are_refused() {
        let dir = || std::fs::File::open("/").unwrap();
        let refused = |r: Result<(), Refused>| r.unwrap_err().what();
        #[cfg(liburing_has = "io_uring_prep_unlinkat")]
        assert_eq!(
            refused(UnlinkAt::new(dir(), c"x".into(), libc::AT_SYMLINK_NOFOLLOW).validate(RING)),
            "unlink_flags"
        );
        assert_eq!(
            refused(Statx::new(dir(), c"x".into(), 1 << 20, 0).validate(RING)),
            "statx_flags"
        );
        #[cfg(liburing_has = "io_uring_prep_renameat")]
        assert_eq!(
            refused(RenameAt::new(dir(), c"a".into(), dir(), c"b".into(), 8).validate(RING)),
            "rename_flags"
        );
        #[cfg(liburing_has = "io_uring_prep_openat2")]
        {
            let how = OpenHow::new(libc::O_RDONLY, 0).resolve(1 << 40);
            assert_eq!(
                refused(OpenAt2::new(dir(), c"x".into(), how).validate(RING)),
                "open_how.resolve"
            );
            // A negative flag word is refused for its high bits, not sign-extended into others.
            let how = OpenHow::new(i32::MIN, 0);
            let err = OpenAt2::new(dir(), c"x".into(), how)
                .validate(RING)
                .unwrap_err();
            assert_eq!((err.what(), err.value()), ("open_how.flags", 1 << 31));
        }
        #[cfg(liburing_has = "io_uring_prep_fallocate")]
        assert_eq!(
            refused(Fallocate::new(dir(), 0x04, 0, 1).validate(RING)),
            "mode"
        );
        #[cfg(liburing_has = "io_uring_prep_fadvise")]
        assert_eq!(
            refused(Fadvise::new(dir(), 0, 0, 6).validate(RING)),
            "advice"
        );
        #[cfg(liburing_has = "io_uring_prep_madvise")]
        for advice in [libc::MADV_DONTNEED, libc::MADV_FREE, libc::MADV_REMOVE] {
            assert_eq!(
                refused(Madvise::new(vec![0u8; 8192], advice).validate(RING)),
                "advice"
            );
        }
        #[cfg(liburing_has = "io_uring_prep_madvise")]
        assert!(Madvise::new(vec![0u8; 8192], libc::MADV_COLD)
            .validate(RING)
            .is_ok());
    }

    #[test]
    fn a_pipe_end_is_never_a_negative_number() {
        assert!(pipe_end(-1).is_err());
    }

    #[cfg(liburing_has = "io_uring_prep_pipe_direct")]
    #[test]
    fn pipe_direct_needs_room_for_the_write_end() {
        let at = |i| PipeDirect::new(0, DirectSlot::At(Fixed::new(i, RING)));
        assert!(at(u32::MAX - 3).validate(RING).is_ok());
        // u32::MAX - 2: the write end's slot would encode as IORING_FILE_INDEX_ALLOC.
        for index in [u32::MAX - 2, u32::MAX - 1, u32::MAX] {
            assert!(at(index).validate(RING).is_err(), "{index}");
        }
        let sqe = prepared(PipeDirect::new(libc::O_CLOEXEC, DirectSlot::Alloc));
        assert_eq!(sqe.file_index, u32::MAX);
        assert_eq!(sqe.op_flags & libc::O_CLOEXEC as u32, 0);
    }
}
