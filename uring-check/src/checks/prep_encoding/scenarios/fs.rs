//! Files and paths: open/close (plain and direct), statx, fallocate, advice, sync, the
//! `*at` path ops, splice/tee, pipe, discard, xattrs.

use super::*;
use system_liburing::fd::{Cwd, DirectSlot};
use system_liburing::op;

type R = Result<Vec<Diff>, String>;

const OFF: u64 = 4096 * 5 + 3;
/// Flags and mode of the open scenarios (O_CREAT so that the mode counts).
const OPEN: i32 = libc::O_WRONLY | libc::O_CREAT | libc::O_NONBLOCK;
const MODE: u32 = 0o640;

#[cfg(liburing_has = "io_uring_prep_fsync")]
pub fn fsync(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::Fsync::new(env.null()).datasync();
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fsync(sqe, fd, sys::IORING_FSYNC_DATASYNC),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_close")]
pub fn close(env: &mut Env) -> R {
    let owned: std::os::fd::OwnedFd = File::open("/dev/null")
        .map_err(|e| format!("/dev/null: {e}"))?
        .into();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&owned);
    let mut op = op::Close::new(owned);
    // SAFETY: no pointer rules.
    let diffs = unsafe { env.pair(&mut op, |sqe| sys::io_uring_prep_close(sqe, fd), &[]) };
    // Preparing gave up the op's ownership of `fd` (as a push does): nothing else closes it.
    // SAFETY: `fd` was opened above and is no longer owned by anything.
    unsafe { libc::close(fd) };
    diffs
}

#[cfg(liburing_has = "io_uring_prep_close_direct")]
pub fn close_direct(env: &mut Env) -> R {
    let mut op = op::CloseDirect::new(env.slot());
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_close_direct(sqe, SLOT),
            &[],
        )
    }
}

const PATH_RULE: [(Field, Pointee); 1] = [(Field::Addr, Pointee::CStr)];

#[cfg(liburing_has = "io_uring_prep_openat")]
pub fn openat(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/openat");
    let dfd = env.nullfd;
    let mut op = op::OpenAt::new(env.null(), path, OPEN, MODE);
    // SAFETY: the path is the op's, alive while it is borrowed; `p` is the same string.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_openat(sqe, dfd, p, OPEN, MODE),
            &PATH_RULE,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_open")]
pub fn open(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/open");
    let mut op = op::Open::new(path, OPEN, MODE);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_open(sqe, p, OPEN, MODE),
            &PATH_RULE,
        )
    }
}

/// The slot a direct scenario names, for the crate and for liburing.
fn direct(env: &Env, alloc: bool) -> (DirectSlot, u32) {
    if alloc {
        (DirectSlot::Alloc, ALLOC)
    } else {
        (DirectSlot::At(env.slot()), SLOT)
    }
}

#[cfg(liburing_has = "io_uring_prep_openat_direct")]
fn openat_direct(env: &mut Env, alloc: bool) -> R {
    let (path, p) = path("prep-encoding/openat_direct");
    let (slot, index) = direct(env, alloc);
    let mut op = op::OpenAtDirect::new(Cwd, path, OPEN, MODE, slot);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_openat_direct(sqe, libc::AT_FDCWD, p, OPEN, MODE, index),
            &PATH_RULE,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_openat_direct")]
pub fn openat_direct_slot(env: &mut Env) -> R {
    openat_direct(env, false)
}

#[cfg(liburing_has = "io_uring_prep_openat_direct")]
pub fn openat_direct_alloc(env: &mut Env) -> R {
    openat_direct(env, true)
}

#[cfg(liburing_has = "io_uring_prep_open_direct")]
fn open_direct(env: &mut Env, alloc: bool) -> R {
    let (path, p) = path("prep-encoding/open_direct");
    let (slot, index) = direct(env, alloc);
    let mut op = op::OpenDirect::new(path, OPEN, MODE, slot);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_open_direct(sqe, p, OPEN, MODE, index),
            &PATH_RULE,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_open_direct")]
pub fn open_direct_slot(env: &mut Env) -> R {
    open_direct(env, false)
}

#[cfg(liburing_has = "io_uring_prep_open_direct")]
pub fn open_direct_alloc(env: &mut Env) -> R {
    open_direct(env, true)
}

/// `open_how` as a C caller fills it: `O_RDONLY | O_NOFOLLOW`, `RESOLVE_BENEATH`.
fn how() -> sys::open_how {
    // SAFETY: a plain C struct of integers.
    let mut h: sys::open_how = unsafe { std::mem::zeroed() };
    h.flags = (libc::O_RDONLY | libc::O_NOFOLLOW) as u64;
    h.resolve = libc::RESOLVE_BENEATH;
    h
}

#[cfg(liburing_has = "io_uring_prep_openat2")]
fn crate_how() -> op::OpenHow {
    op::OpenHow::new(libc::O_RDONLY | libc::O_NOFOLLOW, 0).resolve(libc::RESOLVE_BENEATH)
}

const HOW_RULES: [(Field, Pointee); 2] = [
    (Field::Addr, Pointee::CStr),
    (
        Field::Off,
        Pointee::Bytes(std::mem::size_of::<sys::open_how>()),
    ),
];

#[cfg(liburing_has = "io_uring_prep_openat2")]
pub fn openat2(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/openat2");
    let mut h = how();
    let dfd = env.nullfd;
    let mut op = op::OpenAt2::new(env.null(), path, crate_how());
    // SAFETY: the op's path and open_how live in the op; `h` lives through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_openat2(sqe, dfd, p, &mut h as *mut _ as _),
            &HOW_RULES,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_openat2_direct")]
fn openat2_direct(env: &mut Env, alloc: bool) -> R {
    let (path, p) = path("prep-encoding/openat2_direct");
    let mut h = how();
    let (slot, index) = direct(env, alloc);
    let mut op = op::OpenAt2Direct::new(Cwd, path, crate_how(), slot);
    // SAFETY: as in openat2.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_openat2_direct(
                    sqe,
                    libc::AT_FDCWD,
                    p,
                    &mut h as *mut _ as _,
                    index,
                )
            },
            &HOW_RULES,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_openat2_direct")]
pub fn openat2_direct_slot(env: &mut Env) -> R {
    openat2_direct(env, false)
}

#[cfg(liburing_has = "io_uring_prep_openat2_direct")]
pub fn openat2_direct_alloc(env: &mut Env) -> R {
    openat2_direct(env, true)
}

#[cfg(liburing_has = "io_uring_prep_statx")]
pub fn statx(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/statx");
    let flags = libc::AT_SYMLINK_NOFOLLOW;
    let mask = libc::STATX_BASIC_STATS | libc::STATX_BTIME;
    // SAFETY: a plain C struct; the kernel would write it.
    let mut buf: libc::statx = unsafe { std::mem::zeroed() };
    let mut op = op::Statx::new(Cwd, path, flags, mask);
    // SAFETY: the op's path and statx room live in the op; `buf` lives through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_statx(
                    sqe,
                    libc::AT_FDCWD,
                    p,
                    flags,
                    mask,
                    &mut buf as *mut _ as _,
                )
            },
            &[(Field::Addr, Pointee::CStr), (Field::Off, Pointee::Out)],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_fallocate")]
pub fn fallocate(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mode = libc::FALLOC_FL_KEEP_SIZE;
    let mut op = op::Fallocate::new(env.null(), mode, OFF, 65536 + 1);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fallocate(sqe, fd, mode, OFF as _, (65536 + 1) as _),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_fadvise")]
pub fn fadvise(env: &mut Env) -> R {
    let fd = env.nullfd;
    let advice = libc::POSIX_FADV_SEQUENTIAL;
    let mut op = op::Fadvise::new(env.null(), OFF, 8191, advice);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fadvise(sqe, fd, OFF as _, 8191, advice),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_fadvise64")]
pub fn fadvise64(env: &mut Env) -> R {
    let fd = env.nullfd;
    let advice = libc::POSIX_FADV_WILLNEED;
    let len: u64 = (1 << 33) + 7;
    let mut op = op::Fadvise64::new(env.null(), OFF, len, advice);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fadvise64(sqe, fd, OFF as _, len as _, advice),
            &[],
        )
    }
}

/// A buffer of three pages and a bit for the madvise scenarios; its heap address, which is
/// not page-aligned, is what a C caller would pass.
fn advise_buf() -> (Vec<u8>, usize, usize) {
    let v = vec![0u8; 3 * 4096 + 100];
    let (p, n) = (v.as_ptr() as usize, v.len());
    (v, p, n)
}

#[cfg(liburing_has = "io_uring_prep_madvise")]
pub fn madvise(env: &mut Env) -> R {
    let (buf, p, n) = advise_buf();
    let mut op = op::Madvise::new(buf, libc::MADV_SEQUENTIAL);
    // SAFETY: no pointer rules (the address range is compared as numbers).
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_madvise(sqe, p as _, n as _, libc::MADV_SEQUENTIAL),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_madvise64")]
pub fn madvise64(env: &mut Env) -> R {
    let (buf, p, n) = advise_buf();
    let mut op = op::Madvise64::new(buf, libc::MADV_WILLNEED);
    // SAFETY: as in madvise.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_madvise64(sqe, p as _, n as _, libc::MADV_WILLNEED),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_sync_file_range")]
pub fn sync_file_range(env: &mut Env) -> R {
    let fd = env.nullfd;
    let flags = libc::SYNC_FILE_RANGE_WRITE;
    let mut op = op::SyncFileRange::new(env.null(), 12345, OFF, flags);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_sync_file_range(sqe, fd, 12345, OFF as _, flags as _),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_ftruncate")]
pub fn ftruncate(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::Ftruncate::new(env.null(), OFF);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_ftruncate(sqe, fd, OFF as _),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_unlinkat")]
pub fn unlinkat(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/unlinkat");
    let dfd = env.nullfd;
    let mut op = op::UnlinkAt::new(env.null(), path, libc::AT_REMOVEDIR);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_unlinkat(sqe, dfd, p, libc::AT_REMOVEDIR),
            &PATH_RULE,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_unlink")]
pub fn unlink(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/unlink");
    let mut op = op::Unlink::new(path, 0);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_unlink(sqe, p, 0),
            &PATH_RULE,
        )
    }
}

/// Two paths: `addr` and `off` (addr2) name C strings.
const TWO_PATHS: [(Field, Pointee); 2] =
    [(Field::Addr, Pointee::CStr), (Field::Off, Pointee::CStr)];

#[cfg(liburing_has = "io_uring_prep_renameat")]
pub fn renameat(env: &mut Env) -> R {
    let (old, po) = path("prep-encoding/rename-old");
    let (new, pn) = path("prep-encoding/rename-new");
    let dfd = env.nullfd;
    let flags = libc::RENAME_NOREPLACE;
    let mut op = op::RenameAt::new(env.null(), old, Cwd, new, flags);
    // SAFETY: both paths live in the op; `po`/`pn` are the same strings.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_renameat(sqe, dfd, po, libc::AT_FDCWD, pn, flags as _),
            &TWO_PATHS,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_rename")]
pub fn rename(env: &mut Env) -> R {
    let (old, po) = path("prep-encoding/rename-old");
    let (new, pn) = path("prep-encoding/rename-new");
    let mut op = op::Rename::new(old, new);
    // SAFETY: as in renameat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_rename(sqe, po, pn),
            &TWO_PATHS,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_mkdirat")]
pub fn mkdirat(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/mkdirat");
    let dfd = env.nullfd;
    let mut op = op::MkdirAt::new(env.null(), path, 0o750);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_mkdirat(sqe, dfd, p, 0o750),
            &PATH_RULE,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_mkdir")]
pub fn mkdir(env: &mut Env) -> R {
    let (path, p) = path("prep-encoding/mkdir");
    let mut op = op::Mkdir::new(path, 0o750);
    // SAFETY: as in openat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_mkdir(sqe, p, 0o750),
            &PATH_RULE,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_symlinkat")]
pub fn symlinkat(env: &mut Env) -> R {
    let (target, pt) = path("prep-encoding/symlink-target");
    let (link, pl) = path("prep-encoding/symlink-link");
    let dfd = env.nullfd;
    let mut op = op::SymlinkAt::new(target, env.null(), link);
    // SAFETY: as in renameat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_symlinkat(sqe, pt, dfd, pl),
            &TWO_PATHS,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_symlink")]
pub fn symlink(env: &mut Env) -> R {
    let (target, pt) = path("prep-encoding/symlink-target");
    let (link, pl) = path("prep-encoding/symlink-link");
    let mut op = op::Symlink::new(target, link);
    // SAFETY: as in renameat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_symlink(sqe, pt, pl),
            &TWO_PATHS,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_linkat")]
pub fn linkat(env: &mut Env) -> R {
    let (old, po) = path("prep-encoding/link-old");
    let (new, pn) = path("prep-encoding/link-new");
    let dfd = env.nullfd;
    let flags = libc::AT_SYMLINK_FOLLOW;
    let mut op = op::LinkAt::new(Cwd, old, env.null(), new, flags);
    // SAFETY: as in renameat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_linkat(sqe, libc::AT_FDCWD, po, dfd, pn, flags),
            &TWO_PATHS,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_link")]
pub fn link(env: &mut Env) -> R {
    let (old, po) = path("prep-encoding/link-old");
    let (new, pn) = path("prep-encoding/link-new");
    let flags = libc::AT_SYMLINK_FOLLOW;
    let mut op = op::Link::new(old, new, flags);
    // SAFETY: as in renameat.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_link(sqe, po, pn, flags),
            &TWO_PATHS,
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_splice")]
pub fn splice(env: &mut Env) -> R {
    let fd = env.nullfd;
    let flags = libc::SPLICE_F_MOVE | libc::SPLICE_F_MORE;
    let mut op = op::Splice::new(env.null(), -1, env.null(), OFF as i64, 4097, flags);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_splice(sqe, fd, -1i64 as _, fd, OFF as _, 4097, flags),
            &[],
        )
    }
}

/// Both ends registered: a C caller names `fd_in`'s slot with `SPLICE_F_FD_IN_FIXED` and
/// `fd_out`'s with `IOSQE_FIXED_FILE`.
#[cfg(liburing_has = "io_uring_prep_splice")]
pub fn splice_fixed(env: &mut Env) -> R {
    let flags = libc::SPLICE_F_NONBLOCK;
    let fixed_in = sys::SPLICE_F_FD_IN_FIXED;
    let mut op = op::Splice::new(env.slot(), OFF as i64, env.slot(), -1, 4097, flags);
    // SAFETY: no pointer rules; the SQE is liburing's scratch entry.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_splice(
                    sqe,
                    SLOT as i32,
                    OFF as _,
                    SLOT as i32,
                    -1i64 as _,
                    4097,
                    flags | fixed_in,
                );
                fixed_file(sqe);
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_tee")]
pub fn tee(env: &mut Env) -> R {
    let fd = env.nullfd;
    let flags = libc::SPLICE_F_NONBLOCK;
    let mut op = op::Tee::new(env.null(), env.null(), 999, flags);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_tee(sqe, fd, fd, 999, flags),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_tee")]
pub fn tee_fixed(env: &mut Env) -> R {
    let fixed_in = sys::SPLICE_F_FD_IN_FIXED;
    let mut op = op::Tee::new(env.slot(), env.slot(), 999, 0);
    // SAFETY: as in splice_fixed.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_tee(sqe, SLOT as i32, SLOT as i32, 999, fixed_in);
                fixed_file(sqe);
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_pipe")]
pub fn pipe(env: &mut Env) -> R {
    let mut fds = [-1i32; 2];
    let mut op = op::Pipe::new(libc::O_NONBLOCK);
    // SAFETY: the op's fd pair lives in the op; `fds` lives through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_pipe(sqe, fds.as_mut_ptr(), libc::O_NONBLOCK),
            &[(Field::Addr, Pointee::Out)],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_pipe_direct")]
fn pipe_direct(env: &mut Env, alloc: bool) -> R {
    let mut fds = [-1i32; 2];
    let (slot, index) = direct(env, alloc);
    let mut op = op::PipeDirect::new(libc::O_NONBLOCK, slot);
    // SAFETY: as in pipe.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_pipe_direct(sqe, fds.as_mut_ptr(), libc::O_NONBLOCK, index),
            &[(Field::Addr, Pointee::Out)],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_pipe_direct")]
pub fn pipe_direct_slot(env: &mut Env) -> R {
    pipe_direct(env, false)
}

#[cfg(liburing_has = "io_uring_prep_pipe_direct")]
pub fn pipe_direct_alloc(env: &mut Env) -> R {
    pipe_direct(env, true)
}

#[cfg(liburing_has = "io_uring_prep_cmd_discard")]
pub fn cmd_discard(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::CmdDiscard::new(env.null(), OFF, 1 << 20);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_cmd_discard(sqe, fd, OFF as _, 1 << 20),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_fgetxattr")]
pub fn fgetxattr(env: &mut Env) -> R {
    let (name, pn) = path("user.prep-encoding");
    let mut value = [0u8; 64];
    let fd = env.nullfd;
    let mut op = op::FGetXattr::new(env.null(), name, 64);
    // SAFETY: the op's name and value room live in the op; `value` lives through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fgetxattr(sqe, fd, pn, value.as_mut_ptr().cast(), 64),
            &[(Field::Addr, Pointee::CStr), (Field::Off, Pointee::Out)],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_fsetxattr")]
pub fn fsetxattr(env: &mut Env) -> R {
    let (name, pn) = path("user.prep-encoding");
    let value = b"a value".to_vec();
    let pv = value.as_ptr();
    let fd = env.nullfd;
    let flags = libc::XATTR_CREATE;
    let mut op = op::FSetXattr::new(env.null(), name, value, flags);
    // SAFETY: the op's name lives in the op; the value is the op's own buffer.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fsetxattr(sqe, fd, pn, pv.cast(), flags, 7),
            &[(Field::Addr, Pointee::CStr)],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_getxattr")]
pub fn getxattr(env: &mut Env) -> R {
    let (name, pn) = path("user.prep-encoding");
    let (file, pf) = path("prep-encoding/xattr-file");
    let mut value = [0u8; 64];
    let mut op = op::GetXattr::new(file, name, 64);
    // SAFETY: as in fgetxattr, and the file's path lives in the op.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_getxattr(sqe, pn, value.as_mut_ptr().cast(), pf, 64),
            &[
                (Field::Addr, Pointee::CStr),
                (Field::Off, Pointee::Out),
                (Field::Addr3, Pointee::CStr),
            ],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_setxattr")]
pub fn setxattr(env: &mut Env) -> R {
    let (name, pn) = path("user.prep-encoding");
    let (file, pf) = path("prep-encoding/xattr-file");
    let value = b"a value".to_vec();
    let pv = value.as_ptr();
    let flags = libc::XATTR_REPLACE;
    let mut op = op::SetXattr::new(file, name, value, flags);
    // SAFETY: as in fsetxattr, and the file's path lives in the op.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_setxattr(sqe, pn, pv.cast(), pf, flags, 7),
            &[(Field::Addr, Pointee::CStr), (Field::Addr3, Pointee::CStr)],
        )
    }
}
