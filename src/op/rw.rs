//! Reads and writes with owned buffers. (The op is boxed before `prepare`, so pointers into
//! its fields — the iovec array — and into its buffers' heap blocks stay valid until the op
//! is finished or leaked.)

use super::{count, define_ops};
use crate::buf::{IoBuf, IoBufMut};
use crate::register::FixedBuf;
use std::io;
use std::os::fd::RawFd;

/// The iovec array of a vectored op: pointers into the op's own buffers.
#[derive(Debug, Default)]
pub struct IoVecs(Vec<libc::iovec>);

// SAFETY: the pointers refer to heap blocks owned by the same op; moving the op to another
// thread moves their owner with them.
unsafe impl Send for IoVecs {}

define_ops! {
    /// Reads into an owned buffer at `offset` (`u64::MAX`: the file position). Hands back
    /// the buffer with its length set to what was read (a `Vec` is filled from the start up
    /// to its capacity).
    ["io_uring_prep_read", IORING_OP_READ, "5.6", fixed_file]
    Read<B: IoBufMut>(fd: RawFd, buf: B, offset: u64) { fd: RawFd = fd, buf: B = buf, offset: u64 = offset }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.stable_mut_ptr() as u64;
        sqe.len = self.buf.bytes_total().min(u32::MAX as usize) as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, B) {
        let res = count(&cqe);
        if let Ok(n) = res {
            // SAFETY: the kernel wrote n bytes (never more than the length we gave it).
            unsafe { self.buf.set_init(n) };
        }
        (res, self.buf)
    }

    /// Writes an owned buffer's initialised bytes at `offset` (`u64::MAX`: the file position).
    ["io_uring_prep_write", IORING_OP_WRITE, "5.6", fixed_file]
    Write<B: IoBuf>(fd: RawFd, buf: B, offset: u64) { fd: RawFd = fd, buf: B = buf, offset: u64 = offset }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, B) { (count(&cqe), self.buf) }

    /// Reads into several owned buffers, filling each one's capacity in turn.
    ["io_uring_prep_readv", IORING_OP_READV, "5.1", fixed_file]
    Readv(fd: RawFd, bufs: Vec<Vec<u8>>, offset: u64) {
        fd: RawFd = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, iovecs: IoVecs = IoVecs::default()
    }
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::spare(&mut self.bufs);
        sqe.fd = self.fd;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<Vec<u8>>) { filled(count(&cqe), self.bufs) }

    /// Writes several owned buffers' bytes in turn.
    ["io_uring_prep_writev", IORING_OP_WRITEV, "5.1", fixed_file]
    Writev(fd: RawFd, bufs: Vec<Vec<u8>>, offset: u64) {
        fd: RawFd = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, iovecs: IoVecs = IoVecs::default()
    }
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::data(&self.bufs);
        sqe.fd = self.fd;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<Vec<u8>>) { (count(&cqe), self.bufs) }

    /// Reads into a registered buffer (no page pinning per request); hands it back with its
    /// length set to what was read.
    ["io_uring_prep_read_fixed", IORING_OP_READ_FIXED, "5.1", fixed_file]
    ReadFixed(fd: RawFd, buf: FixedBuf, offset: u64) { fd: RawFd = fd, buf: FixedBuf = buf, offset: u64 = offset }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.buf.capacity().min(u32::MAX as usize) as u32;
        sqe.addr = self.buf.as_mut_ptr() as u64;
        sqe.off = self.offset;
        sqe.buf_index = self.buf.index();
    }
    complete(self, cqe) -> (io::Result<usize>, FixedBuf) {
        let res = count(&cqe);
        if let Ok(n) = res {
            self.buf.set_len(n);
        }
        (res, self.buf)
    }

    /// Writes a registered buffer's `len()` bytes.
    ["io_uring_prep_write_fixed", IORING_OP_WRITE_FIXED, "5.1", fixed_file]
    WriteFixed(fd: RawFd, buf: FixedBuf, offset: u64) { fd: RawFd = fd, buf: FixedBuf = buf, offset: u64 = offset }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.buf.len().min(u32::MAX as usize) as u32;
        sqe.addr = self.buf.as_mut_ptr() as u64;
        sqe.off = self.offset;
        sqe.buf_index = self.buf.index();
    }
    complete(self, cqe) -> (io::Result<usize>, FixedBuf) { (count(&cqe), self.buf) }

    /// `preadv2(2)`: [`Readv`] with `RWF_*` flags (`libc::RWF_NOWAIT`, `RWF_HIPRI`...).
    ["io_uring_prep_readv2", IORING_OP_READV, "5.6", fixed_file]
    Readv2(fd: RawFd, bufs: Vec<Vec<u8>>, offset: u64, flags: i32) {
        fd: RawFd = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, rw_flags: i32 = flags, iovecs: IoVecs = IoVecs::default()
    }
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::spare(&mut self.bufs);
        sqe.fd = self.fd;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
        sqe.op_flags = self.rw_flags as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<Vec<u8>>) { filled(count(&cqe), self.bufs) }

    /// `pwritev2(2)`: [`Writev`] with `RWF_*` flags (`libc::RWF_DSYNC`, `RWF_APPEND`...).
    ["io_uring_prep_writev2", IORING_OP_WRITEV, "5.6", fixed_file]
    Writev2(fd: RawFd, bufs: Vec<Vec<u8>>, offset: u64, flags: i32) {
        fd: RawFd = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, rw_flags: i32 = flags, iovecs: IoVecs = IoVecs::default()
    }
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::data(&self.bufs);
        sqe.fd = self.fd;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
        sqe.op_flags = self.rw_flags as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<Vec<u8>>) { (count(&cqe), self.bufs) }
}

impl IoVecs {
    /// Each buffer's whole capacity, to be filled.
    fn spare(bufs: &mut [Vec<u8>]) -> IoVecs {
        IoVecs(
            bufs.iter_mut()
                .map(|b| libc::iovec {
                    iov_base: b.as_mut_ptr().cast(),
                    iov_len: b.capacity(),
                })
                .collect(),
        )
    }
    /// Each buffer's bytes, to be sent.
    fn data(bufs: &[Vec<u8>]) -> IoVecs {
        IoVecs(
            bufs.iter()
                .map(|b| libc::iovec {
                    iov_base: b.as_ptr() as *mut libc::c_void,
                    iov_len: b.len(),
                })
                .collect(),
        )
    }
}

/// Sets each buffer's length to what a vectored read put in it (they fill in order).
fn filled(res: io::Result<usize>, mut bufs: Vec<Vec<u8>>) -> (io::Result<usize>, Vec<Vec<u8>>) {
    if let Ok(mut left) = res {
        for b in &mut bufs {
            let n = left.min(b.capacity());
            // SAFETY: the kernel filled the buffers in order; this one got n bytes.
            unsafe { b.set_len(n) };
            left -= n;
        }
    }
    (res, bufs)
}
