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
    ["io_uring_prep_fsync", IORING_OP_FSYNC, "5.1", unmanaged, fixed_file]
    Fsync(fd: RawFd) { fd: RawFd = fd, fsync_flags: u32 = 0 }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = self.fsync_flags;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// Closes an fd the caller owned. Taking an `OwnedFd` means nothing else can close or
    /// reuse the number behind the ring's back.
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
    ["io_uring_prep_unlinkat", IORING_OP_UNLINKAT, "5.11"]
    UnlinkAt(dirfd: RawFd, path: CString, flags: i32) { dirfd: RawFd = dirfd, path: CString = path, unlink_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.op_flags = self.unlink_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `renameat2(2)`.
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
    ["io_uring_prep_mkdirat", IORING_OP_MKDIRAT, "5.15"]
    MkdirAt(dirfd: RawFd, path: CString, mode: u32) { dirfd: RawFd = dirfd, path: CString = path, mode: u32 = mode }
    prepare(&mut self, sqe) {
        sqe.fd = self.dirfd;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `symlinkat(2)`: creates `linkpath` (relative to `newdirfd`) pointing at `target`.
    ["io_uring_prep_symlinkat", IORING_OP_SYMLINKAT, "5.15"]
    SymlinkAt(target: CString, newdirfd: RawFd, linkpath: CString) { target: CString = target, newdirfd: RawFd = newdirfd, linkpath: CString = linkpath }
    prepare(&mut self, sqe) {
        sqe.fd = self.newdirfd;
        sqe.addr = self.target.as_ptr() as u64;
        sqe.off = self.linkpath.as_ptr() as u64;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `linkat(2)`.
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
    ["io_uring_prep_unlink", IORING_OP_UNLINKAT, "5.11"]
    Unlink(path: CString, flags: i32) { path: CString = path, unlink_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.op_flags = self.unlink_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `rename(2)` relative to the cwd.
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
    ["io_uring_prep_mkdir", IORING_OP_MKDIRAT, "5.15"]
    Mkdir(path: CString, mode: u32) { path: CString = path, mode: u32 = mode }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.path.as_ptr() as u64;
        sqe.len = self.mode;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `symlink(2)`: `linkpath` (relative to the cwd) pointing at `target`.
    ["io_uring_prep_symlink", IORING_OP_SYMLINKAT, "5.15"]
    Symlink(target: CString, linkpath: CString) { target: CString = target, linkpath: CString = linkpath }
    prepare(&mut self, sqe) {
        sqe.fd = libc::AT_FDCWD;
        sqe.addr = self.target.as_ptr() as u64;
        sqe.off = self.linkpath.as_ptr() as u64;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `link(2)` relative to the cwd (`flags`: `libc::AT_SYMLINK_FOLLOW`).
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
    ["io_uring_prep_openat_direct", IORING_OP_OPENAT, "5.15"]
    OpenAtDirect(dirfd: RawFd, path: CString, flags: i32, mode: u32, file_index: u32) {
        dirfd: RawFd = dirfd, path: CString = path, open_flags: i32 = flags, mode: u32 = mode, file_index: u32 = file_index
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
    ["io_uring_prep_close_direct", IORING_OP_CLOSE, "5.15", unmanaged]
    CloseDirect(file_index: u32) { file_index: u32 = file_index }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.file_index = self.file_index.wrapping_add(1);
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `madvise(2)` over the whole pages inside an owned buffer (never past its ends, so no
    /// other memory is touched); `advice` is one of [`MADVICE_ALLOWED`].
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
    ["io_uring_prep_ftruncate", IORING_OP_FTRUNCATE, "6.9", unmanaged, fixed_file]
    Ftruncate(fd: RawFd, len: u64) { fd: RawFd = fd, len: u64 = len }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = self.len;
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
