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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Read, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-read-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pread(fd, buf, 16, 0): the op owns the Vec until it completes
    /// let ticket = ring.push(Read::new(file.as_raw_fd(), Vec::with_capacity(16), 0))?;
    /// let (n, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Write, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-write-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pwrite(fd, "hello", 5, 0); the Vec comes back with the result
    /// let ticket = ring.push(Write::new(file.as_raw_fd(), b"hello".to_vec(), 0))?;
    /// let (n, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
    /// assert_eq!(std::fs::read(&path)?, b"hello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Readv, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-readv-{}", std::process::id()));
    /// std::fs::write(&path, b"hello world")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // preadv(fd, iov, 2, 0): the first buffer's 6 bytes fill first
    /// let bufs = vec![Vec::with_capacity(6), Vec::with_capacity(16)];
    /// let ticket = ring.push(Readv::new(file.as_raw_fd(), bufs, 0))?;
    /// let (n, bufs) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, bufs), (11, vec![b"hello ".to_vec(), b"world".to_vec()]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Writev, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-writev-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pwritev(fd, iov, 2, 0)
    /// let bufs = vec![b"hello ".to_vec(), b"world".to_vec()];
    /// let ticket = ring.push(Writev::new(file.as_raw_fd(), bufs, 0))?;
    /// let (n, _bufs) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 11);
    /// assert_eq!(std::fs::read(&path)?, b"hello world");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::ReadFixed, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-read-fixed-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // io_uring_register_buffers: one 4 KiB buffer, index 0
    /// let buf = ring.register_buffers(1, 4096)?.remove(0);
    /// let ticket = ring.push(ReadFixed::new(file.as_raw_fd(), buf, 0))?;
    /// let (n, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, buf.index(), &buf[..]), (5, 0, &b"hello"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::WriteFixed, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-write-fixed-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0);
    /// buf.set_len(5); // what the write sends
    /// buf.copy_from_slice(b"hello");
    /// let ticket = ring.push(WriteFixed::new(file.as_raw_fd(), buf, 0))?;
    /// let (n, _buf) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 5);
    /// assert_eq!(std::fs::read(&path)?, b"hello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::Readv2, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// // preadv2(fd, iov, 1, -1, RWF_NOWAIT): only what is there already
    /// let fd = rx.as_raw_fd();
    /// let nowait = || Readv2::new(fd, vec![Vec::with_capacity(8)], u64::MAX, libc::RWF_NOWAIT);
    /// tx.write_all(b"hi")?;
    /// let ticket = ring.push(nowait())?;
    /// let (n, bufs) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &bufs[0][..]), (2, &b"hi"[..]));
    /// // nothing left: EAGAIN at once instead of waiting for more
    /// let ticket = ring.push(nowait())?;
    /// let (n, _) = ring.wait_for(ticket)?;
    /// assert_eq!(n.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Writev2, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-writev2-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::options().write(true).open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pwritev2(fd, iov, 1, 0, RWF_APPEND): appends, whatever the offset
    /// let op = Writev2::new(file.as_raw_fd(), vec![b" world".to_vec()], 0, libc::RWF_APPEND);
    /// let ticket = ring.push(op)?;
    /// let (n, _bufs) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 6);
    /// assert_eq!(std::fs::read(&path)?, b"hello world");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
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

    /// Multishot `read(2)` into buffers of a provided buffer ring: each time data arrives on
    /// a pollable file (pipe, socket, eventfd...) one buffer is filled and becomes an item of
    /// the stream ([`Ring::next_shot`](crate::Ring::next_shot)), a
    /// [`BufGuard`](crate::register::BufGuard) that goes back to the ring on drop. `nbytes`
    /// 0 reads up to a whole buffer; `offset` is 0 for such files. End of file ends the
    /// stream with an empty guard; running out of buffers ends it with `ENOBUFS` (give
    /// buffers back, then push it again).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::ReadMulti, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_buf_ring(4, 64, 7)?; // io_uring_setup_buf_ring, group 7
    /// let (rx, mut tx) = std::os::unix::net::UnixStream::pair()?;
    /// let reads = ring.push(ReadMulti::new(rx.as_raw_fd(), &bufs, 0, 0))?;
    /// for msg in [&b"one"[..], b"two"] {
    ///     tx.write_all(msg)?;
    ///     let buf = ring.next_shot(&reads)?.expect("still armed")?; // cqe->flags has F_MORE
    ///     assert_eq!(&*buf, msg);
    /// } // each guard gives its buffer back to the ring here
    /// drop(tx);
    /// assert!(ring.next_shot(&reads)?.expect("end of file")?.is_empty());
    /// assert!(ring.next_shot(&reads)?.is_none()); // the stream is over
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_read_multishot", IORING_OP_READ_MULTISHOT, "6.7", fixed_file]
    ReadMulti(fd: RawFd, bufs: &crate::register::BufRing, nbytes: u32, offset: u64) {
        fd: RawFd = fd, bufs: crate::register::BufRing = bufs.clone(), nbytes: u32 = nbytes, offset: u64 = offset,
        shots: super::Shots = super::Shots::default()
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.nbytes;
        sqe.off = self.offset;
        sqe.flags |= crate::SqeFlags::BUFFER_SELECT.bits();
        sqe.buf_index = self.bufs.bgid();
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    validate(&self, ring) { super::net::same_ring(&self.bufs, ring) }
    complete(self, _cqe) -> Vec<io::Result<crate::register::BufGuard>> {
        use super::Multishot;
        std::iter::from_fn(|| self.take_item()).collect()
    }

    /// `preadv2(2)` into ranges of one registered buffer (`IORING_OP_READV_FIXED`): the
    /// kernel fills `ranges` of `buf` in order, without pinning pages per call. Ranges past
    /// the buffer's capacity, or more than `IOV_MAX` of them, are refused at push time.
    /// Hands the buffer back with its length set to the end of the last byte read.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::ReadvFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let buf = ring.register_buffers(1, 4096)?.remove(0); // io_uring_register_buffers
    /// let path = std::env::temp_dir().join(format!("sl-doc-readv-fixed-{}", std::process::id()));
    /// std::fs::write(&path, b"headbody")?;
    /// let file = std::fs::File::open(&path)?;
    /// // "head" into bytes 0..4, "body" into 100..104 of the registered buffer.
    /// let t = ring.push(ReadvFixed::new(file.as_raw_fd(), buf, vec![0..4, 100..104], 0, 0))?;
    /// let (n, buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 8);
    /// assert_eq!((&buf[..4], &buf[100..104], buf.len()), (&b"head"[..], &b"body"[..], 104));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_readv_fixed", IORING_OP_READV_FIXED, "6.15", fixed_file]
    ReadvFixed(fd: RawFd, buf: FixedBuf, ranges: Vec<std::ops::Range<usize>>, offset: u64, flags: i32) {
        v: FixedVectored = FixedVectored { fd, buf, ranges, offset, rw_flags: flags, iovecs: IoVecs::default() }
    }
    prepare(&mut self, sqe) { self.v.prepare(sqe) }
    validate(&self, _ring) { ranges_fit(&self.v.ranges, self.v.buf.capacity()) }
    complete(self, cqe) -> (io::Result<usize>, FixedBuf) {
        let res = count(&cqe);
        if let Ok(n) = res {
            let end = end_of(&self.v.ranges, n);
            self.v.buf.set_len(end);
        }
        (res, self.v.buf)
    }

    /// `pwritev2(2)` from ranges of one registered buffer's initialised bytes
    /// (`IORING_OP_WRITEV_FIXED`), in order. Ranges past the buffer's length, or more than
    /// `IOV_MAX` of them, are refused at push time.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::WritevFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0);
    /// buf.set_len(11);
    /// buf.copy_from_slice(b"hello world");
    /// let path = std::env::temp_dir().join(format!("sl-doc-writev-fixed-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// // "world" then "hello": two ranges of the same registered buffer.
    /// let t = ring.push(WritevFixed::new(file.as_raw_fd(), buf, vec![6..11, 0..5], 0, 0))?;
    /// let (n, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 10);
    /// assert_eq!(std::fs::read(&path)?, b"worldhello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_writev_fixed", IORING_OP_WRITEV_FIXED, "6.15", fixed_file]
    WritevFixed(fd: RawFd, buf: FixedBuf, ranges: Vec<std::ops::Range<usize>>, offset: u64, flags: i32) {
        v: FixedVectored = FixedVectored { fd, buf, ranges, offset, rw_flags: flags, iovecs: IoVecs::default() }
    }
    prepare(&mut self, sqe) { self.v.prepare(sqe) }
    validate(&self, _ring) { ranges_fit(&self.v.ranges, self.v.buf.len()) }
    complete(self, cqe) -> (io::Result<usize>, FixedBuf) { (count(&cqe), self.v.buf) }
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

/// What [`ReadvFixed`] and [`WritevFixed`] share: ranges of one registered buffer, and the
/// iovecs over them that the SQE points at.
#[derive(Debug)]
#[allow(dead_code)] // used only where liburing has the *v_fixed helpers
struct FixedVectored {
    fd: RawFd,
    buf: FixedBuf,
    ranges: Vec<std::ops::Range<usize>>,
    offset: u64,
    rw_flags: i32,
    iovecs: IoVecs,
}

#[allow(dead_code)]
impl FixedVectored {
    /// Fills the SQE (the opcode is the caller's); the ranges were checked by `ranges_fit`.
    fn prepare(&mut self, sqe: &mut crate::sq::Sqe) {
        let base = self.buf.as_mut_ptr();
        self.iovecs = IoVecs(
            self.ranges
                .iter()
                .map(|r| libc::iovec {
                    iov_base: base.wrapping_add(r.start).cast(),
                    iov_len: r.len(),
                })
                .collect(),
        );
        sqe.fd = self.fd;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
        sqe.op_flags = self.rw_flags as u32;
        sqe.buf_index = self.buf.index();
    }
}

/// Whether every range lies inside `limit` bytes and there are at most `IOV_MAX` of them:
/// what keeps a vectored fixed op from reaching past its own registered buffer.
#[allow(dead_code)]
fn ranges_fit(ranges: &[std::ops::Range<usize>], limit: usize) -> Result<(), &'static str> {
    if ranges.len() > libc::UIO_MAXIOV as usize {
        return Err("more than IOV_MAX ranges");
    }
    if ranges.iter().all(|r| r.start <= r.end && r.end <= limit) {
        Ok(())
    } else {
        Err("a range reaches past the registered buffer")
    }
}

/// The offset in the buffer just past the `n`-th byte a scatter into `ranges` wrote.
#[allow(dead_code)]
fn end_of(ranges: &[std::ops::Range<usize>], mut n: usize) -> usize {
    let mut end = 0;
    for r in ranges {
        if n == 0 {
            break;
        }
        let take = n.min(r.len());
        if take > 0 {
            end = end.max(r.start + take);
        }
        n -= take;
    }
    end
}

#[cfg(liburing_has = "io_uring_prep_read_multishot")]
impl super::Multishot for ReadMulti {
    type Item = io::Result<crate::register::BufGuard>;
    fn take_item(&mut self) -> Option<Self::Item> {
        let c = self.shots.pop()?;
        Some(super::net::selected(&self.bufs, &c))
    }
}

#[cfg(liburing_has = "io_uring_prep_read_multishot")]
impl Drop for ReadMulti {
    /// Buffers read but never taken go back to the ring.
    fn drop(&mut self) {
        use super::Multishot;
        while self.take_item().is_some() {}
    }
}
