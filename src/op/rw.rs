//! Reads and writes with owned buffers. (The op is boxed before `prepare`, so pointers into
//! its fields — the iovec array — and into its buffers' heap blocks stay valid until the op
//! is finished or leaked.)
//!
//! Every read remembers the length it gave the kernel and never believes a completion for
//! more; every `RWF_*` word is checked against [`RW_FLAGS`]. These are the ops whose
//! `sqe->ioprio` the kernel reads as an I/O priority: each has an
//! `ioprio(`[`IoPriority`](super::IoPriority)`)` setter (no other op has one).

use super::{count, define_ops, filled};
use crate::buf::{IoBuf, IoBufMut};
use crate::error::allow_bits;
use crate::fd::IoFd;
use crate::register::FixedBuf;
use std::io;

/// The iovec array of a vectored op: pointers into the op's own buffers.
#[derive(Debug, Default)]
pub struct IoVecs(Vec<libc::iovec>);

// SAFETY: the pointers refer to heap blocks owned by the same op; moving the op to another
// thread moves their owner with them.
unsafe impl Send for IoVecs {}

/// The `RWF_*` bits a `Readv2` / `Writev2` / vectored fixed op may carry: `RWF_HIPRI` (4.6),
/// `RWF_DSYNC`, `RWF_SYNC` (4.7), `RWF_NOWAIT` (4.14), `RWF_APPEND` (4.16), `RWF_NOAPPEND`
/// (6.9), `RWF_ATOMIC` (6.11), `RWF_DONTCACHE` (6.14). Each changes how the file is read or
/// written, none what memory the kernel touches or for how long; any other bit is refused.
pub const RW_FLAGS: i32 = 0xff;

const RW_FLAGS_WHY: &str = "only the reviewed RWF_* bits (RW_FLAGS) are passed to the kernel";

fn rw_flags_ok(flags: i32) -> Result<(), crate::Refused> {
    allow_bits(
        "rw_flags",
        u64::from(flags as u32),
        RW_FLAGS as u64,
        RW_FLAGS_WHY,
    )
}

define_ops! {
    /// Reads into an owned buffer at `offset` (`u64::MAX`: the file position). Hands back
    /// the file and the buffer, its length set to what was read (a `Vec` is filled from
    /// the start up to its capacity).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Read, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-read-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pread(fd, buf, 16, 0): the op holds the file and the Vec until it completes
    /// let ticket = ring.push(Read::new(file, Vec::with_capacity(16), 0))?;
    /// let (n, _file, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_read", IORING_OP_READ, "5.6", ioprio]
    Read<F: IoFd, B: IoBufMut>(fd: F, buf: B, offset: u64) {
        fd: F = fd, buf: B = buf, offset: u64 = offset, given: u32 = 0, ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.given = self.buf.bytes_total().min(u32::MAX as usize) as u32;
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.addr = self.buf.stable_mut_ptr() as u64;
        sqe.len = self.given;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, F, B) {
        let res = cqe.result();
        if let Ok(n) = res {
            // SAFETY: the kernel wrote the first bytes of the `given` we handed it; never
            // more than that is believed.
            unsafe { self.buf.set_init(filled(n, self.given)) };
        }
        (res.map(|n| n as usize), self.fd, self.buf)
    }

    /// Writes an owned buffer's initialised bytes at `offset` (`u64::MAX`: the file position).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Write, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-write-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pwrite(fd, "hello", 5, 0); the file and the Vec come back with the result
    /// let ticket = ring.push(Write::new(file, b"hello".to_vec(), 0))?;
    /// let (n, _file, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
    /// assert_eq!(std::fs::read(&path)?, b"hello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_write", IORING_OP_WRITE, "5.6", ioprio]
    Write<F: IoFd, B: IoBuf>(fd: F, buf: B, offset: u64) {
        fd: F = fd, buf: B = buf, offset: u64 = offset, ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, F, B) { (count(&cqe), self.fd, self.buf) }

    /// Reads into several owned buffers, filling each one's capacity in turn.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Readv, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-readv-{}", std::process::id()));
    /// std::fs::write(&path, b"hello world")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // preadv(fd, iov, 2, 0): the first buffer's 6 bytes fill first
    /// let bufs = vec![Vec::with_capacity(6), Vec::with_capacity(16)];
    /// let ticket = ring.push(Readv::new(file, bufs, 0))?;
    /// let (n, _file, bufs) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, bufs), (11, vec![b"hello ".to_vec(), b"world".to_vec()]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_readv", IORING_OP_READV, "5.1", ioprio]
    Readv<F: IoFd>(fd: F, bufs: Vec<Vec<u8>>, offset: u64) {
        fd: F = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, iovecs: IoVecs = IoVecs::default(),
        ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::spare(&mut self.bufs);
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, F, Vec<Vec<u8>>) {
        let (res, bufs) = spread(count(&cqe), self.bufs);
        (res, self.fd, bufs)
    }

    /// Writes several owned buffers' bytes in turn.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Writev, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-writev-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pwritev(fd, iov, 2, 0)
    /// let bufs = vec![b"hello ".to_vec(), b"world".to_vec()];
    /// let ticket = ring.push(Writev::new(file, bufs, 0))?;
    /// let (n, _file, _bufs) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 11);
    /// assert_eq!(std::fs::read(&path)?, b"hello world");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_writev", IORING_OP_WRITEV, "5.1", ioprio]
    Writev<F: IoFd>(fd: F, bufs: Vec<Vec<u8>>, offset: u64) {
        fd: F = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, iovecs: IoVecs = IoVecs::default(),
        ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::data(&self.bufs);
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
    }
    complete(self, cqe) -> (io::Result<usize>, F, Vec<Vec<u8>>) { (count(&cqe), self.fd, self.bufs) }

    /// Reads into a registered buffer (no page pinning per request); hands it back with its
    /// length set to what was read. The buffer must be registered with the ring the op is
    /// pushed on (another ring's table has other memory at that index: refused).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::ReadFixed, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-read-fixed-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // io_uring_register_buffers: one 4 KiB buffer, index 0
    /// let buf = ring.register_buffers(1, 4096)?.remove(0);
    /// let ticket = ring.push(ReadFixed::new(file, buf, 0))?;
    /// let (n, _file, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, buf.index(), &buf[..]), (5, 0, &b"hello"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_read_fixed", IORING_OP_READ_FIXED, "5.1", ioprio]
    ReadFixed<F: IoFd>(fd: F, buf: FixedBuf, offset: u64) {
        fd: F = fd, buf: FixedBuf = buf, offset: u64 = offset, given: u32 = 0, ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.given = self.buf.capacity().min(u32::MAX as usize) as u32;
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.len = self.given;
        sqe.addr = self.buf.as_mut_ptr() as u64;
        sqe.off = self.offset;
        sqe.buf_index = self.buf.index();
    }
    validate(&self, ring) { self.buf.check(ring) }
    complete(self, cqe) -> (io::Result<usize>, F, FixedBuf) {
        let res = cqe.result();
        if let Ok(n) = res {
            self.buf.set_len(filled(n, self.given));
        }
        (res.map(|n| n as usize), self.fd, self.buf)
    }

    /// Writes a registered buffer's `len()` bytes. The buffer must be registered with the
    /// ring the op is pushed on.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::WriteFixed, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-write-fixed-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0);
    /// buf.set_len(5); // what the write sends
    /// buf.copy_from_slice(b"hello");
    /// let ticket = ring.push(WriteFixed::new(file, buf, 0))?;
    /// let (n, _file, _buf) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 5);
    /// assert_eq!(std::fs::read(&path)?, b"hello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_write_fixed", IORING_OP_WRITE_FIXED, "5.1", ioprio]
    WriteFixed<F: IoFd>(fd: F, buf: FixedBuf, offset: u64) {
        fd: F = fd, buf: FixedBuf = buf, offset: u64 = offset, ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.len = self.buf.len().min(u32::MAX as usize) as u32;
        sqe.addr = self.buf.as_mut_ptr() as u64;
        sqe.off = self.offset;
        sqe.buf_index = self.buf.index();
    }
    validate(&self, ring) { self.buf.check(ring) }
    complete(self, cqe) -> (io::Result<usize>, F, FixedBuf) { (count(&cqe), self.fd, self.buf) }

    /// `preadv2(2)`: [`Readv`] with `RWF_*` flags (`libc::RWF_NOWAIT`, `RWF_HIPRI`...; the
    /// reviewed set is [`RW_FLAGS`], any other bit is refused at push time).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write as _;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use system_liburing::{op::Readv2, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, mut tx) = UnixStream::pair()?;
    /// // preadv2(fd, iov, 1, -1, RWF_NOWAIT): only what is there already. The op holds a
    /// // clone of the shared socket, so this code keeps its own.
    /// let rx = Arc::new(rx);
    /// let nowait = || Readv2::new(rx.clone(), vec![Vec::with_capacity(8)], u64::MAX, libc::RWF_NOWAIT);
    /// tx.write_all(b"hi")?;
    /// let ticket = ring.push(nowait())?;
    /// let (n, _rx, bufs) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &bufs[0][..]), (2, &b"hi"[..]));
    /// // nothing left: EAGAIN at once instead of waiting for more
    /// let ticket = ring.push(nowait())?;
    /// let (n, _, _) = ring.wait_for(ticket)?;
    /// assert_eq!(n.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_readv2", IORING_OP_READV, "5.6", ioprio]
    Readv2<F: IoFd>(fd: F, bufs: Vec<Vec<u8>>, offset: u64, flags: i32) {
        fd: F = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, rw_flags: i32 = flags, iovecs: IoVecs = IoVecs::default(),
        ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::spare(&mut self.bufs);
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
        sqe.op_flags = self.rw_flags as u32;
    }
    validate(&self, _ring) { rw_flags_ok(self.rw_flags) }
    complete(self, cqe) -> (io::Result<usize>, F, Vec<Vec<u8>>) {
        let (res, bufs) = spread(count(&cqe), self.bufs);
        (res, self.fd, bufs)
    }

    /// `pwritev2(2)`: [`Writev`] with `RWF_*` flags (`libc::RWF_DSYNC`, `RWF_APPEND`...; the
    /// reviewed set is [`RW_FLAGS`]).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Writev2, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-writev2-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::options().write(true).open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// // pwritev2(fd, iov, 1, 0, RWF_APPEND): appends, whatever the offset
    /// let op = Writev2::new(file, vec![b" world".to_vec()], 0, libc::RWF_APPEND);
    /// let ticket = ring.push(op)?;
    /// let (n, _file, _bufs) = ring.wait_for(ticket)?;
    /// assert_eq!(n?, 6);
    /// assert_eq!(std::fs::read(&path)?, b"hello world");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_writev2", IORING_OP_WRITEV, "5.6", ioprio]
    Writev2<F: IoFd>(fd: F, bufs: Vec<Vec<u8>>, offset: u64, flags: i32) {
        fd: F = fd, bufs: Vec<Vec<u8>> = bufs, offset: u64 = offset, rw_flags: i32 = flags, iovecs: IoVecs = IoVecs::default(),
        ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.iovecs = IoVecs::data(&self.bufs);
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
        sqe.op_flags = self.rw_flags as u32;
    }
    validate(&self, _ring) { rw_flags_ok(self.rw_flags) }
    complete(self, cqe) -> (io::Result<usize>, F, Vec<Vec<u8>>) { (count(&cqe), self.fd, self.bufs) }

    /// Multishot `read(2)` into buffers of a provided buffer ring: each time data arrives on
    /// a pollable file (pipe, socket, eventfd...) one buffer is filled and becomes an item of
    /// the stream ([`Ring::next_shot`](crate::Ring::next_shot)), a
    /// [`BufGuard`](crate::register::BufGuard) that goes back to the ring on drop. `nbytes`
    /// 0 reads up to a whole buffer; `offset` is 0 for such files. End of file ends the
    /// stream with an empty guard; running out of buffers ends it with `ENOBUFS` (give
    /// buffers back, then push it again). While the op is armed its buffer ring cannot be
    /// unregistered. [`Ring::finish`](crate::Ring::finish) hands back the items never taken,
    /// then the file.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use system_liburing::{op::ReadMulti, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_buf_ring(4, 64, 7)?; // io_uring_setup_buf_ring, group 7
    /// let (rx, mut tx) = std::os::unix::net::UnixStream::pair()?;
    /// let reads = ring.push(ReadMulti::new(rx, &bufs, 0, 0))?;
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
    ["io_uring_prep_read_multishot", IORING_OP_READ_MULTISHOT, "6.7", ioprio]
    ReadMulti<F: IoFd>(fd: F, bufs: &crate::register::BufRing, nbytes: u32, offset: u64) {
        fd: F = fd, bufs: crate::register::Selecting = crate::register::Selecting::new(bufs),
        nbytes: u32 = nbytes, offset: u64 = offset, ioprio: u16 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.ioprio = self.ioprio;
        sqe.len = self.nbytes;
        sqe.off = self.offset;
        self.bufs.select(sqe);
    }
    record(&mut self, cqe) { self.bufs.record(cqe) }
    validate(&self, ring) { self.bufs.check(ring) }
    complete(self, _cqe) -> (Vec<io::Result<crate::register::BufGuard>>, F) {
        (std::iter::from_fn(|| self.bufs.take()).collect(), self.fd)
    }

    /// `preadv2(2)` into ranges of one registered buffer (`IORING_OP_READV_FIXED`): the
    /// kernel fills `ranges` of `buf` in order, without pinning pages per call. Ranges past
    /// the buffer's capacity, or more than `IOV_MAX` of them, are refused at push time.
    /// Hands the buffer back with its length set to the end of the last byte read.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::ReadvFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let buf = ring.register_buffers(1, 4096)?.remove(0); // io_uring_register_buffers
    /// let path = std::env::temp_dir().join(format!("sl-doc-readv-fixed-{}", std::process::id()));
    /// std::fs::write(&path, b"headbody")?;
    /// let file = std::fs::File::open(&path)?;
    /// // "head" into bytes 0..4, "body" into 100..104 of the registered buffer.
    /// let t = ring.push(ReadvFixed::new(file, buf, vec![0..4, 100..104], 0, 0))?;
    /// let (n, _file, buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 8);
    /// assert_eq!((&buf[..4], &buf[100..104], buf.len()), (&b"head"[..], &b"body"[..], 104));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_readv_fixed", IORING_OP_READV_FIXED, "6.15", ioprio]
    ReadvFixed<F: IoFd>(fd: F, buf: FixedBuf, ranges: Vec<std::ops::Range<usize>>, offset: u64, flags: i32) {
        v: FixedVectored<F> = FixedVectored { fd, buf, ranges, offset, rw_flags: flags, iovecs: IoVecs::default() },
        ioprio: u16 = 0
    }
    prepare(&mut self, sqe) {
        self.v.prepare(sqe);
        sqe.ioprio = self.ioprio;
    }
    validate(&self, ring) { self.v.check(ring, self.v.buf.capacity()) }
    complete(self, cqe) -> (io::Result<usize>, F, FixedBuf) {
        let res = count(&cqe);
        if let Ok(n) = res {
            let end = end_of(&self.v.ranges, n);
            self.v.buf.set_len(end);
        }
        (res, self.v.fd, self.v.buf)
    }

    /// `pwritev2(2)` from ranges of one registered buffer's initialised bytes
    /// (`IORING_OP_WRITEV_FIXED`), in order. Ranges past the buffer's length, or more than
    /// `IOV_MAX` of them, are refused at push time.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::WritevFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0);
    /// buf.set_len(11);
    /// buf.copy_from_slice(b"hello world");
    /// let path = std::env::temp_dir().join(format!("sl-doc-writev-fixed-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// // "world" then "hello": two ranges of the same registered buffer.
    /// let t = ring.push(WritevFixed::new(file, buf, vec![6..11, 0..5], 0, 0))?;
    /// let (n, _file, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 10);
    /// assert_eq!(std::fs::read(&path)?, b"worldhello");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_writev_fixed", IORING_OP_WRITEV_FIXED, "6.15", ioprio]
    WritevFixed<F: IoFd>(fd: F, buf: FixedBuf, ranges: Vec<std::ops::Range<usize>>, offset: u64, flags: i32) {
        v: FixedVectored<F> = FixedVectored { fd, buf, ranges, offset, rw_flags: flags, iovecs: IoVecs::default() },
        ioprio: u16 = 0
    }
    prepare(&mut self, sqe) {
        self.v.prepare(sqe);
        sqe.ioprio = self.ioprio;
    }
    validate(&self, ring) { self.v.check(ring, self.v.buf.len()) }
    complete(self, cqe) -> (io::Result<usize>, F, FixedBuf) { (count(&cqe), self.v.fd, self.v.buf) }
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

/// Sets each buffer's length to what a vectored read put in it (they fill in order, each up
/// to its capacity: a count past their total is never believed).
fn spread(res: io::Result<usize>, mut bufs: Vec<Vec<u8>>) -> (io::Result<usize>, Vec<Vec<u8>>) {
    if let Ok(mut left) = res {
        for b in &mut bufs {
            let n = left.min(b.capacity());
            // SAFETY: the kernel filled the buffers in order; this one got n <= capacity
            // bytes (the iovec gave it exactly its capacity).
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
struct FixedVectored<F> {
    fd: F,
    buf: FixedBuf,
    ranges: Vec<std::ops::Range<usize>>,
    offset: u64,
    rw_flags: i32,
    iovecs: IoVecs,
}

#[allow(dead_code)]
impl<F: IoFd> FixedVectored<F> {
    /// Fills the SQE (the opcode is the caller's); the ranges were checked by `check`.
    fn prepare(&mut self, sqe: &mut crate::entry::Sqe) {
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
        sqe.set_fd(&self.fd);
        sqe.addr = self.iovecs.0.as_ptr() as u64;
        sqe.len = self.iovecs.0.len() as u32;
        sqe.off = self.offset;
        sqe.op_flags = self.rw_flags as u32;
        sqe.buf_index = self.buf.index();
    }

    /// The file and the buffer belong to this ring, the flags are reviewed, and every range
    /// lies inside `limit` bytes with at most `IOV_MAX` of them: what keeps a vectored fixed
    /// op from reaching past its own registered buffer.
    fn check(&self, ring: u64, limit: usize) -> Result<(), crate::Refused> {
        self.fd.check(ring)?;
        self.buf.check(ring)?;
        rw_flags_ok(self.rw_flags)?;
        if self.ranges.len() > libc::UIO_MAXIOV as usize {
            return Err(crate::Refused::new(
                "ranges",
                self.ranges.len() as u64,
                "more than IOV_MAX ranges",
            ));
        }
        match self
            .ranges
            .iter()
            .find(|r| r.start > r.end || r.end > limit)
        {
            None => Ok(()),
            Some(r) => Err(crate::Refused::new(
                "ranges",
                r.end as u64,
                "a range reaches past the registered buffer",
            )),
        }
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
impl<F: IoFd> super::Multishot for ReadMulti<F> {
    type Item = io::Result<crate::register::BufGuard>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.bufs.take()
    }
}

/// Single-shot `read(2)` into a buffer the kernel picks from a provided buffer ring
/// (`IOSQE_BUFFER_SELECT`, kernel 5.19 for buffer rings): no buffer is tied up while the
/// read waits for data. `nbytes` caps the read (0: a whole buffer); `offset` as in [`Read`]
/// (`u64::MAX`: the file position). Completes with a [`BufGuard`](crate::register::BufGuard)
/// holding the bytes read (it goes back to the ring when dropped; an empty one at end of
/// file), or the errno (`ENOBUFS` when the ring had no buffer left), then the file. While
/// the op is pushed its buffer ring cannot be unregistered, and a ring registered with
/// another [`Ring`](crate::Ring), or unregistered, is refused at push.
///
/// C: `io_uring_prep_read(sqe, fd, NULL, nbytes, offset)` with `sqe->flags |=
/// IOSQE_BUFFER_SELECT` and `sqe->buf_group = bgid` / `IORING_OP_READ`, kernel 5.19.
///
/// # Example
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::io::Write;
/// use system_liburing::{op::ReadSelect, Ring};
/// let mut ring = Ring::new(8)?;
/// let bufs = match ring.register_buf_ring(4, 64, 3) {
///     Ok(b) => b,
///     Err(e) => {
///         println!("skipped: no provided buffer rings here (kernel 5.19): {e}");
///         return Ok(());
///     }
/// };
/// let (rx, mut tx) = std::os::unix::net::UnixStream::pair()?;
/// let read = ring.push(ReadSelect::new(rx, &bufs, 0, u64::MAX))?; // no buffer taken yet
/// tx.write_all(b"hello")?;
/// let (buf, _rx) = ring.wait_for(read)?;
/// let buf = buf?; // the buffer the kernel picked, with the bytes read
/// assert_eq!((&*buf, bufs.in_use()), (&b"hello"[..], 1));
/// drop(buf); // back to the ring
/// assert_eq!(bufs.in_use(), 0);
/// # Ok(()) }
/// ```
#[cfg(liburing_has = "io_uring_prep_read")]
#[doc(alias = "IOSQE_BUFFER_SELECT")]
#[doc(alias = "io_uring_prep_read")]
#[derive(Debug)]
pub struct ReadSelect<F> {
    fd: F,
    bufs: crate::register::SelectingOne,
    nbytes: u32,
    offset: u64,
    sqe_flags: crate::OpFlags,
    personality: u16,
}

#[cfg(liburing_has = "io_uring_prep_read")]
impl<F: IoFd> ReadSelect<F> {
    /// A read of up to `nbytes` (0: a whole buffer) at `offset`, into a buffer of `bufs`.
    pub fn new(fd: F, bufs: &crate::register::BufRing, nbytes: u32, offset: u64) -> Self {
        ReadSelect {
            fd,
            bufs: crate::register::SelectingOne::new(bufs),
            nbytes,
            offset,
            sqe_flags: crate::OpFlags::empty(),
            personality: 0,
        }
    }

    super::op_setters!();
}

#[cfg(liburing_has = "io_uring_prep_read")]
impl<F: IoFd> super::private::Sealed for ReadSelect<F> {
    const OPCODE: u8 = crate::sys::IORING_OP_READ as u8;
    const VALIDATES: bool = true;
    const RECORDS: bool = true;
    fn validate(&self, ring: u64) -> Result<(), crate::Refused> {
        self.fd.check(ring)?;
        self.bufs.check(ring)
    }
    fn prepare(&mut self, sqe: &mut crate::entry::Sqe, _ring: u64) {
        *sqe = super::sqe(crate::sys::IORING_OP_READ, self.sqe_flags);
        sqe.personality = self.personality;
        sqe.set_fd(&self.fd);
        sqe.len = self.nbytes;
        sqe.off = self.offset;
        self.bufs.select(sqe);
    }
    fn record(&mut self, cqe: &crate::entry::Cqe) {
        self.bufs.record(cqe)
    }
}

#[cfg(liburing_has = "io_uring_prep_read")]
impl<F: IoFd> super::Op for ReadSelect<F> {
    type Output = (io::Result<crate::register::BufGuard>, F);
    fn complete(mut self, cqe: crate::entry::Cqe) -> Self::Output {
        (self.bufs.finish(&cqe), self.fd)
    }
}
