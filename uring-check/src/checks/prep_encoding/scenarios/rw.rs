//! Reads and writes: plain, vectored, registered buffers, multishot.

use super::*;
use system_liburing::op;

/// An odd offset, so that a swapped or truncated field shows.
const OFF: u64 = 4096 * 3 + 5;
/// `RWF_HIPRI | RWF_NOWAIT`, within the crate's `RW_FLAGS`.
const RWF: i32 = libc::RWF_HIPRI | libc::RWF_NOWAIT;

type R = Result<Vec<Diff>, String>;

#[cfg(liburing_has = "io_uring_prep_read")]
pub fn read(env: &mut Env) -> R {
    let buf = Vec::<u8>::with_capacity(100);
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let mut op = op::Read::new(env.null(), buf, OFF);
    // SAFETY: no pointer rules; liburing gets the op's own buffer.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_read(sqe, fd, p as _, 100, OFF as _),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_read")]
pub fn read_fixed_file(env: &mut Env) -> R {
    let buf = Vec::<u8>::with_capacity(100);
    let p = buf.as_ptr();
    let mut op = op::Read::new(env.slot(), buf, OFF);
    // SAFETY: no pointer rules; the SQE is liburing's scratch entry.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_read(sqe, SLOT as i32, p as _, 100, OFF as _);
                fixed_file(sqe);
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_write")]
pub fn write(env: &mut Env) -> R {
    let buf = vec![7u8; 33];
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let mut op = op::Write::new(env.null(), buf, OFF);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_write(sqe, fd, p as _, 33, OFF as _),
            &[],
        )
    }
}

/// Two buffers for a vectored op, and the iovecs a C caller builds for them: their spare
/// room for a read, their bytes for a write.
fn two_bufs(read: bool) -> (Vec<Vec<u8>>, Vec<libc::iovec>) {
    let bufs = if read {
        vec![Vec::with_capacity(16), Vec::with_capacity(48)]
    } else {
        vec![vec![1u8; 16], vec![2u8; 48]]
    };
    let iov = bufs
        .iter()
        .map(|b| libc::iovec {
            iov_base: b.as_ptr() as *mut _,
            iov_len: if read { b.capacity() } else { b.len() },
        })
        .collect();
    (bufs, iov)
}

/// One vectored scenario: `prep(sqe, fd, iovecs, n)` on liburing's side.
fn vectored<O: Op>(
    env: &mut Env,
    read: bool,
    make: impl FnOnce(std::sync::Arc<File>, Vec<Vec<u8>>) -> O,
    prep: impl FnOnce(*mut sys::io_uring_sqe, i32, *const libc::iovec, u32),
) -> R {
    let (bufs, iov) = two_bufs(read);
    let fd = env.nullfd;
    let mut op = make(env.null(), bufs);
    let n = iov.len() as u32;
    // SAFETY: both iovec arrays (the op's, `iov`) live through the call, 2 elements each.
    unsafe {
        env.pair(
            &mut op,
            |sqe| prep(sqe, fd, iov.as_ptr(), n),
            &[(Field::Addr, Pointee::Iovecs(2))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_readv")]
pub fn readv(env: &mut Env) -> R {
    vectored(
        env,
        true,
        |f, b| op::Readv::new(f, b, OFF),
        // SAFETY (in the closure): a scratch SQE and a live iovec array.
        |sqe, fd, iov, n| unsafe { sys::io_uring_prep_readv(sqe, fd, iov as _, n, OFF as _) },
    )
}

#[cfg(liburing_has = "io_uring_prep_writev")]
pub fn writev(env: &mut Env) -> R {
    vectored(
        env,
        false,
        |f, b| op::Writev::new(f, b, OFF),
        // SAFETY (in the closure): as in readv.
        |sqe, fd, iov, n| unsafe { sys::io_uring_prep_writev(sqe, fd, iov as _, n, OFF as _) },
    )
}

#[cfg(liburing_has = "io_uring_prep_readv2")]
pub fn readv2(env: &mut Env) -> R {
    vectored(
        env,
        true,
        |f, b| op::Readv2::new(f, b, OFF, RWF),
        // SAFETY (in the closure): as in readv.
        |sqe, fd, iov, n| unsafe { sys::io_uring_prep_readv2(sqe, fd, iov as _, n, OFF as _, RWF) },
    )
}

#[cfg(liburing_has = "io_uring_prep_writev2")]
pub fn writev2(env: &mut Env) -> R {
    vectored(
        env,
        false,
        |f, b| op::Writev2::new(f, b, OFF, RWF),
        // SAFETY (in the closure): as in readv.
        |sqe, fd, iov, n| unsafe {
            sys::io_uring_prep_writev2(sqe, fd, iov as _, n, OFF as _, RWF)
        },
    )
}

#[cfg(liburing_has = "io_uring_prep_read_fixed")]
pub fn read_fixed(env: &mut Env) -> R {
    let buf = env.fixed_buf()?;
    let (p, cap, index, fd) = (buf.as_ptr(), buf.capacity(), buf.index(), env.nullfd);
    let mut op = op::ReadFixed::new(env.null(), buf, OFF);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_read_fixed(sqe, fd, p as _, cap as u32, OFF as _, index.into())
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_write_fixed")]
pub fn write_fixed(env: &mut Env) -> R {
    let mut buf = env.fixed_buf()?;
    buf.set_len(300);
    let (p, index, fd) = (buf.as_ptr(), buf.index(), env.nullfd);
    let mut op = op::WriteFixed::new(env.null(), buf, OFF);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_write_fixed(sqe, fd, p as _, 300, OFF as _, index.into()),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_read_multishot")]
pub fn read_multishot(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::ReadMulti::new(env.null(), env.buf_ring()?, 0, OFF);
    // The helper takes the buffer group, so setting IOSQE_BUFFER_SELECT is its job too
    // (2.6 forgot it: liburing's 60f4adc2).
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_read_multishot(sqe, fd, 0, OFF as _, BGID.into()),
            &[],
        )
    }
}

/// A vectored fixed-buffer scenario: two ranges of one registered buffer.
fn vectored_fixed<O: Op>(
    env: &mut Env,
    make: impl FnOnce(std::sync::Arc<File>, FixedBuf, Vec<std::ops::Range<usize>>) -> O,
    prep: impl FnOnce(*mut sys::io_uring_sqe, i32, *const libc::iovec, u32, i32),
) -> R {
    let buf = env.fixed_buf()?;
    let (base, index, fd) = (buf.as_ptr() as usize, buf.index(), env.nullfd);
    let ranges = vec![16..80, 1024..1536];
    let iov: Vec<libc::iovec> = ranges
        .iter()
        .map(|r| libc::iovec {
            iov_base: (base + r.start) as *mut _,
            iov_len: r.len(),
        })
        .collect();
    let mut op = make(env.null(), buf, ranges);
    // SAFETY: both iovec arrays live through the call, 2 elements each.
    unsafe {
        env.pair(
            &mut op,
            |sqe| prep(sqe, fd, iov.as_ptr(), 2, index.into()),
            &[(Field::Addr, Pointee::Iovecs(2))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_readv_fixed")]
pub fn readv_fixed(env: &mut Env) -> R {
    vectored_fixed(
        env,
        |f, b, r| op::ReadvFixed::new(f, b, r, OFF, RWF),
        // SAFETY (in the closure): a scratch SQE and a live iovec array.
        |sqe, fd, iov, n, i| unsafe {
            sys::io_uring_prep_readv_fixed(sqe, fd, iov as _, n, OFF as _, RWF, i)
        },
    )
}

#[cfg(liburing_has = "io_uring_prep_writev_fixed")]
pub fn writev_fixed(env: &mut Env) -> R {
    vectored_fixed(
        env,
        |f, b, r| op::WritevFixed::new(f, b, r, OFF, RWF),
        // SAFETY (in the closure): as in readv_fixed.
        |sqe, fd, iov, n, i| unsafe {
            sys::io_uring_prep_writev_fixed(sqe, fd, iov as _, n, OFF as _, RWF, i)
        },
    )
}
