//! Reads and writes with owned buffers.

use super::{fixed_file_builder, private::Sealed, sqe, sqe_flags_builder, Op};
use crate::buf::{IoBuf, IoBufMut};
use crate::cq::Cqe;
use crate::flags::SqeFlags;
use crate::register::FixedBuf;
use crate::sq::Sqe;
use crate::sys;
use std::io;
use std::os::fd::RawFd;

/// Reads into an owned buffer at `offset` (`u64::MAX`: the file position)
/// (`io_uring_prep_read`, kernel 5.6). Hands back the buffer with its length set to what was
/// read (for a `Vec`, the read fills the capacity from the start).
#[doc(alias = "io_uring_prep_read")]
#[doc(alias = "IORING_OP_READ")]
#[derive(Debug)]
pub struct Read<B> {
    fd: RawFd,
    buf: B,
    offset: u64,
    sqe_flags: SqeFlags,
}

impl<B: IoBufMut> Read<B> {
    /// A read of `buf`'s whole capacity from `fd` at `offset`.
    pub fn new(fd: RawFd, buf: B, offset: u64) -> Self {
        Read {
            fd,
            buf,
            offset,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

/// Reads into several owned buffers (`io_uring_prep_readv`, kernel 5.1).
#[doc(alias = "io_uring_prep_readv")]
#[doc(alias = "IORING_OP_READV")]
#[derive(Debug)]
pub struct Readv {
    fd: RawFd,
    bufs: Vec<Vec<u8>>,
    iovecs: IoVecs,
    offset: u64,
    sqe_flags: SqeFlags,
}

impl Readv {
    /// A vectored read filling each buffer's capacity in turn.
    pub fn new(fd: RawFd, bufs: Vec<Vec<u8>>, offset: u64) -> Self {
        Readv {
            fd,
            bufs,
            iovecs: IoVecs(Vec::new()),
            offset,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

/// Writes an owned buffer at `offset` (`u64::MAX`: the file position)
/// (`io_uring_prep_write`, kernel 5.6).
#[doc(alias = "io_uring_prep_write")]
#[doc(alias = "IORING_OP_WRITE")]
#[derive(Debug)]
pub struct Write<B> {
    fd: RawFd,
    buf: B,
    offset: u64,
    sqe_flags: SqeFlags,
}

impl<B: IoBuf> Write<B> {
    /// A write of `buf`'s initialised bytes to `fd` at `offset`.
    pub fn new(fd: RawFd, buf: B, offset: u64) -> Self {
        Write {
            fd,
            buf,
            offset,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

/// Writes several owned buffers (`io_uring_prep_writev`, kernel 5.1).
#[doc(alias = "io_uring_prep_writev")]
#[doc(alias = "IORING_OP_WRITEV")]
#[derive(Debug)]
pub struct Writev {
    fd: RawFd,
    bufs: Vec<Vec<u8>>,
    iovecs: IoVecs,
    offset: u64,
    sqe_flags: SqeFlags,
}

impl Writev {
    /// A vectored write of each buffer's bytes in turn.
    pub fn new(fd: RawFd, bufs: Vec<Vec<u8>>, offset: u64) -> Self {
        Writev {
            fd,
            bufs,
            iovecs: IoVecs(Vec::new()),
            offset,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

/// The iovec array of a vectored op: pointers into the op's own buffers.
#[derive(Debug, Default)]
struct IoVecs(Vec<libc::iovec>);

// SAFETY: the pointers refer to heap blocks owned by the same op; moving the op to another
// thread moves their owner with them.
unsafe impl Send for IoVecs {}

/// Reads into a registered buffer (`io_uring_prep_read_fixed`, kernel 5.1): no page pinning
/// per request. Hands the buffer back with its length set to what was read.
#[doc(alias = "io_uring_prep_read_fixed")]
#[doc(alias = "IORING_OP_READ_FIXED")]
#[derive(Debug)]
pub struct ReadFixed {
    fd: RawFd,
    buf: FixedBuf,
    offset: u64,
    sqe_flags: SqeFlags,
}

impl ReadFixed {
    /// A read of the whole registered buffer from `fd` at `offset`.
    pub fn new(fd: RawFd, buf: FixedBuf, offset: u64) -> Self {
        ReadFixed {
            fd,
            buf,
            offset,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

/// Writes a registered buffer's content (`io_uring_prep_write_fixed`, kernel 5.1).
#[doc(alias = "io_uring_prep_write_fixed")]
#[doc(alias = "IORING_OP_WRITE_FIXED")]
#[derive(Debug)]
pub struct WriteFixed {
    fd: RawFd,
    buf: FixedBuf,
    offset: u64,
    sqe_flags: SqeFlags,
}

impl WriteFixed {
    /// A write of the buffer's `len()` bytes to `fd` at `offset`.
    pub fn new(fd: RawFd, buf: FixedBuf, offset: u64) -> Self {
        WriteFixed {
            fd,
            buf,
            offset,
            sqe_flags: SqeFlags::empty(),
        }
    }
}

sqe_flags_builder!(Read<B: IoBufMut>, Write<B: IoBuf>, Readv, Writev, ReadFixed, WriteFixed);
fixed_file_builder!(Read<B: IoBufMut>, Write<B: IoBuf>, Readv, Writev, ReadFixed, WriteFixed);

impl Sealed for ReadFixed {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_READ_FIXED, self.fd, self.sqe_flags);
        out.len = self.buf.capacity().min(u32::MAX as usize) as u32;
        out.addr = self.buf.as_mut_ptr() as u64;
        out.off = self.offset;
        out.buf_index = self.buf.index();
    }
}

impl Op for ReadFixed {
    type Output = (io::Result<usize>, FixedBuf);
    fn complete(mut self, cqe: Cqe) -> Self::Output {
        let res = cqe.result().map(|n| n as usize);
        if let Ok(n) = res {
            self.buf.set_len(n);
        }
        (res, self.buf)
    }
}

impl Sealed for WriteFixed {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_WRITE_FIXED, self.fd, self.sqe_flags);
        out.len = self.buf.len().min(u32::MAX as usize) as u32;
        out.addr = self.buf.as_mut_ptr() as u64;
        out.off = self.offset;
        out.buf_index = self.buf.index();
    }
}

impl Op for WriteFixed {
    type Output = (io::Result<usize>, FixedBuf);
    fn complete(self, cqe: Cqe) -> Self::Output {
        (cqe.result().map(|n| n as usize), self.buf)
    }
}

// The op is boxed before `prepare`, so pointers into its fields (the iovec array) and into
// its buffers' heap blocks stay valid until the op is finished or leaked.

impl<B: IoBufMut> Sealed for Read<B> {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_READ, self.fd, self.sqe_flags);
        out.addr = self.buf.stable_mut_ptr() as u64;
        out.len = self.buf.bytes_total().min(u32::MAX as usize) as u32;
        out.off = self.offset;
    }
}

impl<B: IoBufMut> Op for Read<B> {
    type Output = (io::Result<usize>, B);
    fn complete(mut self, cqe: Cqe) -> Self::Output {
        match cqe.result() {
            Ok(n) => {
                // SAFETY: the kernel wrote n bytes (never more than the length we gave it).
                unsafe { self.buf.set_init(n as usize) };
                (Ok(n as usize), self.buf)
            }
            Err(e) => (Err(e), self.buf),
        }
    }
}

impl<B: IoBuf> Sealed for Write<B> {
    fn prepare(&mut self, out: &mut Sqe) {
        *out = sqe(sys::IORING_OP_WRITE, self.fd, self.sqe_flags);
        out.addr = self.buf.stable_ptr() as u64;
        out.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        out.off = self.offset;
    }
}

impl<B: IoBuf> Op for Write<B> {
    type Output = (io::Result<usize>, B);
    fn complete(self, cqe: Cqe) -> Self::Output {
        (cqe.result().map(|n| n as usize), self.buf)
    }
}

fn vectored(opcode: u32, fd: RawFd, iovecs: &[libc::iovec], offset: u64, flags: SqeFlags) -> Sqe {
    let mut out = sqe(opcode, fd, flags);
    out.addr = iovecs.as_ptr() as u64;
    out.len = iovecs.len() as u32;
    out.off = offset;
    out
}

impl Sealed for Readv {
    fn prepare(&mut self, out: &mut Sqe) {
        self.iovecs.0 = self
            .bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.as_mut_ptr().cast(),
                iov_len: b.capacity(),
            })
            .collect();
        *out = vectored(
            sys::IORING_OP_READV,
            self.fd,
            &self.iovecs.0,
            self.offset,
            self.sqe_flags,
        );
    }
}

impl Op for Readv {
    type Output = (io::Result<usize>, Vec<Vec<u8>>);
    fn complete(mut self, cqe: Cqe) -> Self::Output {
        let res = cqe.result().map(|n| n as usize);
        if let Ok(mut left) = res {
            for b in &mut self.bufs {
                let n = left.min(b.capacity());
                // SAFETY: the kernel filled the buffers in order; this one got n bytes.
                unsafe { b.set_len(n) };
                left -= n;
            }
        }
        (res, self.bufs)
    }
}

impl Sealed for Writev {
    fn prepare(&mut self, out: &mut Sqe) {
        self.iovecs.0 = self
            .bufs
            .iter()
            .map(|b| libc::iovec {
                iov_base: b.as_ptr() as *mut libc::c_void,
                iov_len: b.len(),
            })
            .collect();
        *out = vectored(
            sys::IORING_OP_WRITEV,
            self.fd,
            &self.iovecs.0,
            self.offset,
            self.sqe_flags,
        );
    }
}

impl Op for Writev {
    type Output = (io::Result<usize>, Vec<Vec<u8>>);
    fn complete(self, cqe: Cqe) -> Self::Output {
        (cqe.result().map(|n| n as usize), self.bufs)
    }
}
