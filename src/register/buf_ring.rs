//! Provided buffer rings (`IORING_REGISTER_PBUF_RING`, kernel 5.19): a ring of buffers the
//! kernel picks from when a receive completes (`IOSQE_BUFFER_SELECT`), so no buffer sits
//! idle in a request that waits for data.
//!
//! Ownership: a buffer is the kernel's while it is published in the ring; the CQE that names
//! it (`IORING_CQE_F_BUFFER`, id in the high 16 bits of the flags) hands it to the op — the
//! result of a single-shot op (`op::ReadSelect`, `op::RecvSelect`), an item of a multishot
//! op's stream — which gives it to the user as a [`BufGuard`]; dropping the guard publishes
//! it again. The ring of entries is the crate's memory, or the kernel's mapped into the
//! process ([`Ring::register_buf_ring_mmap`]); the buffers are always the crate's. The
//! memory lives until the last of the ring, the [`BufRing`] handle, the ops and the guards
//! is gone, so the kernel never sees freed memory.
//!
//! A ring made to send from ([`Ring::register_send_buf_ring`], for `op::SendBundle`) runs
//! the other way: its buffers start out the crate's, [`BufRing::queue`] copies data into
//! free ones and publishes them, and the kernel hands them back by consuming them — in
//! ring order, as each send's CQE says (its first buffer id and its byte count).

use crate::buf::IoBuf;
use crate::ring::Ring;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// `struct io_uring_buf`: 16 bytes; the ring's tail is the `resv` field of entry 0.
#[repr(C)]
struct RingEntry {
    addr: u64,
    len: u32,
    bid: u16,
    resv: u16,
}

/// `IORING_REGISTER_PBUF_RING` / `IORING_UNREGISTER_PBUF_RING` (5.19).
#[cfg_attr(liburing_has = "io_uring_register_buf_ring", allow(dead_code))]
const REGISTER_PBUF_RING: u32 = 22;
const UNREGISTER_PBUF_RING: u32 = 23;

/// `struct io_uring_buf_reg`.
#[repr(C)]
#[derive(Default)]
struct BufReg {
    ring_addr: u64,
    ring_entries: u32,
    bgid: u16,
    flags: u16,
    resv: [u64; 3],
}

/// Who allocated the entry ring.
#[derive(Debug, Clone, Copy)]
enum RingMem {
    /// The crate, with this layout.
    Heap(Layout),
    /// The kernel (`IOU_PBUF_RING_MMAP`): mapped here, this many bytes (0: not yet).
    Mapped(usize),
}

/// The shared state behind a [`BufRing`], its ops and its guards.
pub(crate) struct BufRingInner {
    ring: *mut RingEntry,
    ring_mem: RingMem,
    bufs: *mut u8,
    bufs_layout: Layout,
    entries: u16,
    buf_len: u32,
    bgid: u16,
    /// Which ring it is registered with (`Shared::id`).
    pub(crate) ring_id: u64,
    /// The producer's tail: returns from several threads take turns.
    tail: Mutex<u16>,
    /// Buffers handed to guards and not yet given back.
    in_use: AtomicUsize,
    /// Ops pushed to select from this ring whose last CQE has not been reaped: while any
    /// is armed the group cannot be unregistered (its id could then name another ring's
    /// buffers in their CQEs).
    armed: AtomicUsize,
    /// Set by `unregister_buf_ring` (holding the tail lock): ops naming this ring are
    /// refused from then on, and buffers given back are no longer written into the ring.
    unregistered: AtomicBool,
    /// `Some` for a ring to send from: which buffers are the crate's and which the
    /// kernel's, in the order it will consume them.
    send: Option<Mutex<SendQueue>>,
}

/// The buffers of a send ring: free ones (the crate's, to fill) and published ones (the
/// kernel's until a send consumes them), the latter in ring order with their lengths and
/// the sequence number of their publication.
#[derive(Default)]
struct SendQueue {
    free: Vec<u16>,
    published: VecDeque<(u16, u32, u64)>,
    /// The bytes of `published`.
    bytes: usize,
    /// The sequence number the next published buffer gets.
    next_seq: u64,
}

impl SendQueue {
    /// Takes the first published buffer back (the kernel consumed it).
    fn consume_front(&mut self) -> Option<(u16, u32)> {
        let (bid, len, _) = self.published.pop_front()?;
        self.bytes -= len as usize;
        self.free.push(bid);
        Some((bid, len))
    }

    /// A send found the ring empty (`ENOBUFS`): the kernel's head had reached its tail, and
    /// that tail was at least where it stood when the send was armed (`armed_at`, a
    /// sequence number), so every buffer published before then was consumed — by an
    /// earlier send that took more than it reported (a short send consumes all the buffers
    /// it picked). Buffers published since may still be waiting: they stay.
    fn empty_at(&mut self, armed_at: u64) {
        while self
            .published
            .front()
            .is_some_and(|&(_, _, seq)| seq < armed_at)
        {
            self.consume_front();
        }
    }

    /// What a send's CQE says the kernel consumed: it started at buffer `bid` (so every
    /// buffer published before it was consumed by an earlier send), and `sent` bytes
    /// cover whole buffers from there, the last one possibly in part (the kernel consumes
    /// it all the same). A `bid` that is not published names nothing of ours: nothing is
    /// taken back. Never takes back more than the kernel consumed: a buffer is freed only
    /// once a CQE shows the kernel past it.
    ///
    /// A round sent in parts is counted right (Linux `io_uring/net.c`, 6.10 to 6.18): the
    /// kernel selects a round's buffers once (`io_send` → `io_send_select_buffer`, which
    /// sets `req->buf_index` to the first buffer's id), and a short send on a stream socket
    /// is retried within the round — `io_sendmsg_prep` sets `MSG_WAITALL` for a bundle, so
    /// `io_net_retry` holds — by adding the part to `sr->done_io` and returning `-EAGAIN`
    /// with the buffers kept (`REQ_F_BL_NO_RECYCLE`; from 41b70df5b38b, 6.17, the part's
    /// buffers are committed first). The re-issue does not select again
    /// (`io_do_buffer_select()` is false while `REQ_F_BUFFER_RING` is set) and goes on
    /// from the same `msg_iter`; at the end `ret += sr->done_io`, and `io_send_finish`
    /// posts that cumulative count with `req->buf_index`, the round's *first* buffer,
    /// having `io_bundle_nbufs` count the buffers from `iov[0]`. So `sent` always counts
    /// from `bid`, as here. `done_io` is reset between rounds (`io_mshot_prep_retry`), so
    /// each `F_MORE` CQE counts its own round. A failed round with nothing sent names its
    /// first buffer with a negative result (`io_kbuf_commit` does not move the head then):
    /// only the buffers before it are taken back. Seen on 6.18
    /// (`tests/send_bundle.rs`, `a_round_sent_in_parts_is_counted_from_its_first_buffer`:
    /// 2 MiB rounds through a 4 KiB send buffer come back as one CQE of 2 MiB, or end short
    /// with the count the wire got; either way this accounting matches what the kernel
    /// sent, buffer for buffer).
    ///
    /// Bounds: `bid` and `sent` are only compared with what was published (a `bid` the
    /// ring never had, or a count past the queue, index nothing and free at most what is
    /// published).
    fn sent(&mut self, bid: u16, sent: usize) {
        let Some(at) = self.published.iter().position(|&(b, _, _)| b == bid) else {
            return;
        };
        for _ in 0..at {
            self.consume_front();
        }
        let mut left = sent;
        while left > 0 {
            match self.consume_front() {
                Some((_, len)) => left = left.saturating_sub(len as usize),
                None => break,
            }
        }
    }
}

// SAFETY: the entry ring (heap memory, or a mapping of the ring fd) and the buffers (heap
// memory) are owned by this value. Entries are written only under the tail mutex, in slots
// the kernel does not read until the tail is released past them; a buffer's bytes are read
// only through the unique guard that owns its id.
unsafe impl Send for BufRingInner {}
// SAFETY: as above: `&BufRingInner` methods take the mutex before writing.
unsafe impl Sync for BufRingInner {}

impl Drop for BufRingInner {
    fn drop(&mut self) {
        // SAFETY: allocated (or mapped) in `new` / `register_buf_ring_mmap` with these
        // layouts and lengths; the last Arc is gone, and the ring holding one Arc has
        // exited (or unregistered the group) before dropping it.
        unsafe {
            match self.ring_mem {
                RingMem::Heap(layout) => dealloc(self.ring.cast(), layout),
                RingMem::Mapped(0) => {}
                RingMem::Mapped(len) => {
                    libc::munmap(self.ring.cast(), len);
                }
            }
            dealloc(self.bufs, self.bufs_layout);
        }
    }
}

impl BufRingInner {
    /// The buffers, and the entry ring unless the kernel is to allocate it (`mapped`: the
    /// caller maps it once registered); `send`: a ring to send from, its buffers all free.
    fn new(
        entries: u16,
        buf_len: u32,
        bgid: u16,
        ring_id: u64,
        send: bool,
        mapped: bool,
    ) -> io::Result<BufRingInner> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_string());
        if !entries.is_power_of_two() || entries > 32768 {
            return Err(invalid(
                "a buffer ring has a power-of-two number of entries, at most 32768",
            ));
        }
        if buf_len == 0 {
            return Err(invalid("a provided buffer needs at least one byte"));
        }
        let ring_layout = Layout::from_size_align(usize::from(entries) * 16, 4096)
            .map_err(|_| invalid("buffer ring too large"))?;
        let total = usize::from(entries)
            .checked_mul(buf_len as usize)
            .ok_or_else(|| invalid("buffer ring too large"))?;
        let bufs_layout =
            Layout::from_size_align(total, 64).map_err(|_| invalid("buffer ring too large"))?;
        // SAFETY: both layouts have a non-zero size (entries >= 1, buf_len >= 1).
        let (ring, bufs) = unsafe {
            (
                if mapped {
                    std::ptr::null_mut()
                } else {
                    alloc_zeroed(ring_layout)
                },
                alloc_zeroed(bufs_layout),
            )
        };
        if (ring.is_null() && !mapped) || bufs.is_null() {
            // SAFETY: whichever succeeded was allocated just above with its layout.
            unsafe {
                if !ring.is_null() {
                    dealloc(ring, ring_layout);
                }
                if !bufs.is_null() {
                    dealloc(bufs, bufs_layout);
                }
            }
            return Err(io::Error::from_raw_os_error(libc::ENOMEM));
        }
        Ok(BufRingInner {
            ring: ring.cast(),
            ring_mem: if mapped {
                RingMem::Mapped(0)
            } else {
                RingMem::Heap(ring_layout)
            },
            bufs,
            bufs_layout,
            entries,
            buf_len,
            bgid,
            ring_id,
            tail: Mutex::new(0),
            in_use: AtomicUsize::new(0),
            armed: AtomicUsize::new(0),
            unregistered: AtomicBool::new(false),
            send: send.then(|| {
                Mutex::new(SendQueue {
                    free: (0..entries).rev().collect(),
                    ..SendQueue::default()
                })
            }),
        })
    }

    fn send_queue(&self) -> Option<MutexGuard<'_, SendQueue>> {
        self.send
            .as_ref()
            .map(|q| q.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn tail_word(&self) -> &AtomicU16 {
        // SAFETY: entry 0's `resv` (offset 14) is the kernel's view of the tail: 2-byte
        // aligned, inside the live allocation, and only ever accessed atomically.
        unsafe { AtomicU16::from_ptr(std::ptr::addr_of_mut!((*self.ring).resv)) }
    }

    /// Publishes buffers `bids`, whole (liburing's `io_uring_buf_ring_add` + `_advance`).
    fn give_back<I: IntoIterator<Item = u16>>(&self, bids: I) {
        let len = self.buf_len;
        self.publish(bids.into_iter().map(|bid| (bid, len)));
    }

    /// Publishes buffers with the length of each the kernel may use (at most `buf_len`).
    fn publish<I: IntoIterator<Item = (u16, u32)>>(&self, bufs: I) {
        let mut tail = self.tail.lock().unwrap_or_else(|p| p.into_inner());
        if self.unregistered.load(Ordering::Acquire) {
            // The kernel reads this ring no more (and a ring it allocated may be gone on
            // its side): nothing to publish.
            return;
        }
        let mask = self.entries - 1;
        let mut n = 0u16;
        for (bid, len) in bufs {
            let slot = tail.wrapping_add(n) & mask;
            // SAFETY: `slot` is past the published tail, so the kernel does not read it; we
            // hold the tail lock, so no other producer writes it. The fields are written one
            // by one so that entry 0's `resv` (the tail) is never touched by a plain store.
            unsafe {
                let e = self.ring.add(usize::from(slot));
                std::ptr::addr_of_mut!((*e).addr).write(self.buf_ptr(bid) as u64);
                std::ptr::addr_of_mut!((*e).len).write(len.min(self.buf_len));
                std::ptr::addr_of_mut!((*e).bid).write(bid);
            }
            n = n.wrapping_add(1);
        }
        *tail = tail.wrapping_add(n);
        // Release: the entries above are visible before the kernel sees the new tail.
        self.tail_word().store(*tail, Ordering::Release);
    }

    fn buf_ptr(&self, bid: u16) -> *mut u8 {
        // SAFETY: callers pass bid < entries, so the offset stays inside the allocation.
        unsafe { self.bufs.add(usize::from(bid) * self.buf_len as usize) }
    }
}

/// A provided buffer ring registered with a [`Ring`]: `entries` buffers of `buf_len` bytes
/// in buffer group `bgid`. Cheap to clone (a reference count); ops that select from it hold
/// one. Made by [`Ring::register_buf_ring`].
#[derive(Clone)]
pub struct BufRing {
    pub(crate) inner: Arc<BufRingInner>,
}

impl std::fmt::Debug for BufRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BufRing")
            .field("bgid", &self.inner.bgid)
            .field("entries", &self.inner.entries)
            .field("buf_len", &self.inner.buf_len)
            .finish()
    }
}

impl BufRing {
    /// The buffer group id (`sqe->buf_group`).
    pub fn bgid(&self) -> u16 {
        self.inner.bgid
    }

    /// How many buffers the ring has.
    pub fn entries(&self) -> u16 {
        self.inner.entries
    }

    /// The size of each buffer.
    pub fn buf_len(&self) -> u32 {
        self.inner.buf_len
    }

    /// Buffers out in [`BufGuard`]s: zero once every buffer taken from a stream is back in
    /// the ring.
    pub fn in_use(&self) -> usize {
        self.inner.in_use.load(Ordering::Relaxed)
    }

    /// The guard for a buffer the kernel filled with `len` bytes, as a CQE named it. An id
    /// the ring cannot have is `EINVAL` (never an out-of-bounds view); a length past the
    /// buffer (`MSG_TRUNC` reports a datagram's real size) is cut to the buffer, so the
    /// buffer still comes back to the ring when the guard drops.
    pub(crate) fn take(&self, bid: u16, len: u32) -> io::Result<BufGuard> {
        if bid >= self.inner.entries {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        self.inner.in_use.fetch_add(1, Ordering::Relaxed);
        Ok(BufGuard {
            ring: Some(self.inner.clone()),
            bid,
            start: 0,
            len: len.min(self.inner.buf_len) as usize,
        })
    }

    /// Whether the kernel allocated the ring of entries
    /// ([`Ring::register_buf_ring_mmap`], `IOU_PBUF_RING_MMAP`).
    pub fn is_mmap(&self) -> bool {
        matches!(self.inner.ring_mem, RingMem::Mapped(_))
    }

    /// Ops armed on this ring (pushed, last CQE not yet reaped).
    pub fn armed(&self) -> usize {
        self.inner.armed.load(Ordering::Acquire)
    }

    /// Whether this is a ring to send from ([`Ring::register_send_buf_ring`]).
    pub fn is_send(&self) -> bool {
        self.inner.send.is_some()
    }

    /// Queues `data` on a ring to send from: copies it into free buffers, up to
    /// [`buf_len`](Self::buf_len) bytes each, and publishes them in order, for the next
    /// `op::SendBundle` to send (liburing's `io_uring_buf_ring_add` +
    /// `io_uring_buf_ring_advance` on buffers the caller filled). Returns how many bytes
    /// were queued: fewer than `data.len()` when the free buffers ran out (0 when none was
    /// free; buffers come back as sends consume them). Never publishes an empty buffer.
    /// `InvalidInput` on a ring made for receives (its buffers belong to the kernel and to
    /// the guards), and on one that was unregistered.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(4)?;
    /// let bufs = ring.register_send_buf_ring(2, 4, 3)?; // two 4-byte buffers, group 3
    /// assert_eq!(bufs.queue(b"hello")?, 5); // "hell" + "o"
    /// assert_eq!(bufs.queue(b"more")?, 0); // both buffers wait for a send
    /// assert_eq!(bufs.queued(), 5);
    /// let recv_ring = ring.register_buf_ring(2, 4, 4)?;
    /// assert!(recv_ring.queue(b"x").is_err()); // a receive ring's buffers are the kernel's
    /// # Ok(()) }
    /// ```
    #[doc(alias = "io_uring_buf_ring_add")]
    pub fn queue(&self, data: &[u8]) -> io::Result<usize> {
        let invalid = |what: &str| {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                what.to_string(),
            ))
        };
        let Some(mut q) = self.inner.send_queue() else {
            return invalid(
                "queue: a buffer ring made for receives (its buffers are the kernel's)",
            );
        };
        if self.inner.unregistered.load(Ordering::Acquire) {
            return invalid("queue: the buffer ring was unregistered");
        }
        // The kernel reads a buffer's length as a signed count: stay below i32::MAX, so it
        // never cuts (and rewrites) an entry itself.
        let chunk = self.inner.buf_len.min(i32::MAX as u32) as usize;
        let mut filled = Vec::new();
        let mut done = 0;
        while done < data.len() {
            let Some(bid) = q.free.pop() else { break };
            let n = chunk.min(data.len() - done);
            // SAFETY: `bid` was free: not published (the kernel does not read it) and not
            // in a guard (a send ring makes none); we hold the queue lock, so nobody else
            // fills it. `n <= buf_len`, so the copy stays inside buffer `bid`.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr().add(done), self.inner.buf_ptr(bid), n)
            };
            filled.push((bid, n as u32));
            let seq = q.next_seq;
            q.next_seq += 1;
            q.published.push_back((bid, n as u32, seq));
            q.bytes += n;
            done += n;
        }
        // Published under the queue lock: the order the kernel consumes them in is the
        // order `published` lists them in.
        self.inner.publish(filled);
        Ok(done)
    }

    /// The bytes queued on a ring to send from and not yet consumed by a send (0 for a
    /// ring made for receives).
    pub fn queued(&self) -> usize {
        self.inner.send_queue().map_or(0, |q| q.bytes)
    }
}

/// Where a [`Selecting`] keeps the CQEs reaped for its op until they are taken as buffers:
/// a queue for a multishot op, one slot (no allocation) for a single-shot op.
// Selecting ops need io_uring_prep_read or io_uring_prep_recv (liburing 0.6).
#[cfg_attr(
    not(any(
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_recv"
    )),
    allow(dead_code)
)]
pub(crate) trait Kept: Default + std::fmt::Debug + Send {
    /// Keeps `cqe`; hands back one it had to let go of (a second CQE in a single slot).
    fn keep(&mut self, cqe: crate::Cqe) -> Option<crate::Cqe>;
    /// The oldest CQE kept.
    fn next(&mut self) -> Option<crate::Cqe>;
}

impl Kept for std::collections::VecDeque<crate::Cqe> {
    fn keep(&mut self, cqe: crate::Cqe) -> Option<crate::Cqe> {
        self.push_back(cqe);
        None
    }
    fn next(&mut self) -> Option<crate::Cqe> {
        self.pop_front()
    }
}

impl Kept for Option<crate::Cqe> {
    fn keep(&mut self, cqe: crate::Cqe) -> Option<crate::Cqe> {
        self.replace(cqe)
    }
    fn next(&mut self) -> Option<crate::Cqe> {
        self.take()
    }
}

/// An op's hold on the buffer ring it selects from (`IOSQE_BUFFER_SELECT`): checked at push
/// (this ring's, still registered), armed from push until the op's last CQE, so the group
/// cannot be unregistered — and its id given to another ring — while a CQE may still name
/// one of its buffers. It keeps the CQEs reaped for the op until they are taken as buffers;
/// buffers never taken go back to the ring when it drops.
#[derive(Debug)]
pub(crate) struct Selecting<K: Kept = std::collections::VecDeque<crate::Cqe>> {
    bufs: BufRing,
    armed: bool,
    shots: K,
}

/// The hold of a single-shot op (one CQE).
#[cfg_attr(
    not(any(
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_recv"
    )),
    allow(dead_code)
)]
pub(crate) type SelectingOne = Selecting<Option<crate::Cqe>>;

#[cfg_attr(
    not(any(
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_recv"
    )),
    allow(dead_code)
)]
impl<K: Kept> Selecting<K> {
    pub(crate) fn new(bufs: &BufRing) -> Selecting<K> {
        Selecting {
            bufs: bufs.clone(),
            armed: false,
            shots: K::default(),
        }
    }

    /// The buffer group id for `sqe->buf_group`.
    pub(crate) fn bgid(&self) -> u16 {
        self.bufs.bgid()
    }

    /// Push-time check: the buffer ring is registered, with the ring whose id is `ring`.
    pub(crate) fn check(&self, ring: u64) -> Result<(), crate::Refused> {
        if self.bufs.inner.ring_id != ring {
            return Err(crate::Refused::new(
                "buf_group",
                u64::from(self.bgid()),
                "the buffer ring is registered with another ring",
            ));
        }
        if self.bufs.inner.unregistered.load(Ordering::Acquire) {
            return Err(crate::Refused::new(
                "buf_group",
                u64::from(self.bgid()),
                "the buffer ring was unregistered",
            ));
        }
        if self.bufs.is_send() {
            return Err(crate::Refused::new(
                "buf_group",
                u64::from(self.bgid()),
                "a buffer ring to send from: a receive would overwrite the data queued in it",
            ));
        }
        Ok(())
    }

    /// At prepare: arms the hold and makes the SQE select from this ring
    /// (`IOSQE_BUFFER_SELECT`, `sqe->buf_group`).
    pub(crate) fn select(&mut self, sqe: &mut crate::entry::Sqe) {
        self.arm();
        sqe.flags |= crate::SqeFlags::BUFFER_SELECT.bits();
        sqe.buf_index = self.bgid();
    }

    /// The op is queued and may select from the ring until its last CQE.
    fn arm(&mut self) {
        if !self.armed {
            self.armed = true;
            self.bufs.inner.armed.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Sees each CQE, kept for [`take`](Self::take); the last one (no
    /// `IORING_CQE_F_MORE`) disarms.
    pub(crate) fn record(&mut self, cqe: &crate::Cqe) {
        if let Some(displaced) = self.shots.keep(*cqe) {
            // Never for a single-shot op (one CQE); its buffer must not be lost anyway.
            drop(self.selected(&displaced));
        }
        if !cqe.flags().contains(crate::CqeFlags::MORE) {
            self.disarm();
        }
    }

    /// The next CQE's buffer (or end of stream / errno), in order.
    pub(crate) fn take(&mut self) -> Option<io::Result<BufGuard>> {
        let cqe = self.shots.next()?;
        Some(self.selected(&cqe))
    }

    /// A single-shot op's buffer at completion: from the CQE it recorded (`cqe` itself if
    /// it recorded none).
    pub(crate) fn finish(&mut self, cqe: &crate::Cqe) -> io::Result<BufGuard> {
        self.disarm();
        self.take().unwrap_or_else(|| self.selected(cqe))
    }

    fn disarm(&mut self) {
        if self.armed {
            self.armed = false;
            self.bufs.inner.armed.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// A buffer-selecting CQE's buffer, or the end of stream / errno it reports.
    ///
    /// A failed CQE can still name a buffer (a read that picked one and then failed): the
    /// buffer is the op's all the same, and goes straight back to the ring.
    pub(crate) fn selected(&self, cqe: &crate::Cqe) -> io::Result<BufGuard> {
        match (cqe.result(), cqe.buffer_id()) {
            (Ok(n), Some(bid)) => self.bufs.take(bid, n),
            (Ok(0), None) => Ok(BufGuard::eof()),
            (Ok(_), None) => Err(io::Error::from_raw_os_error(libc::EINVAL)),
            (Err(e), Some(bid)) => {
                drop(self.bufs.take(bid, 0));
                Err(e)
            }
            (Err(e), None) => Err(e),
        }
    }
}

impl<K: Kept> Drop for Selecting<K> {
    /// Buffers received but never taken go back to the ring. An op dropped before its last
    /// CQE was never submitted or was leaked with its ring: either way nothing will select
    /// for it any more.
    fn drop(&mut self) {
        while self.take().is_some() {}
        self.disarm();
    }
}

/// A send's hold on the ring it sends from (`op::SendBundle`): checked at push (this ring's,
/// still registered, a ring to send from, no other send armed on it), armed until the
/// op's last CQE, each CQE turned into the byte count it reports and the buffers it
/// consumed given back to the ring's free list.
///
/// One send at a time: the crate follows the kernel's consumption from the CQEs, and with
/// two sends in flight one could report a buffer past another that the other is still
/// reading (a send on io-wq consumes its buffers when it picks them).
#[derive(Debug)]
#[cfg_attr(not(liburing_has = "io_uring_prep_send_bundle"), allow(dead_code))]
pub(crate) struct Sending {
    bufs: BufRing,
    armed: bool,
    /// The send queue's `next_seq` when this op was armed.
    armed_at: u64,
    shots: std::collections::VecDeque<io::Result<usize>>,
}

#[cfg_attr(not(liburing_has = "io_uring_prep_send_bundle"), allow(dead_code))]
impl Sending {
    pub(crate) fn new(bufs: &BufRing) -> Sending {
        Sending {
            bufs: bufs.clone(),
            armed: false,
            armed_at: 0,
            shots: std::collections::VecDeque::new(),
        }
    }

    /// The buffer group id for `sqe->buf_group`.
    pub(crate) fn bgid(&self) -> u16 {
        self.bufs.bgid()
    }

    /// Push-time check: registered with this ring, not unregistered, made to send from,
    /// and no other send armed on it.
    pub(crate) fn check(&self, ring: u64) -> Result<(), crate::Refused> {
        let refuse = |why| {
            Err(crate::Refused::new(
                "buf_group",
                u64::from(self.bgid()),
                why,
            ))
        };
        if self.bufs.inner.ring_id != ring {
            return refuse("the buffer ring is registered with another ring");
        }
        if self.bufs.inner.unregistered.load(Ordering::Acquire) {
            return refuse("the buffer ring was unregistered");
        }
        if !self.bufs.is_send() {
            return refuse(
                "a buffer ring made for receives (Ring::register_send_buf_ring makes one to \
                 send from)",
            );
        }
        if self.bufs.armed() > 0 {
            return refuse("another send is armed on this buffer ring (one at a time)");
        }
        Ok(())
    }

    /// At prepare: the op may consume from the ring until its last CQE.
    pub(crate) fn arm(&mut self) {
        if !self.armed {
            self.armed = true;
            self.bufs.inner.armed.fetch_add(1, Ordering::AcqRel);
            self.armed_at = self.bufs.inner.send_queue().map_or(0, |q| q.next_seq);
        }
    }

    /// Sees each CQE: gives back what it consumed, keeps its count for
    /// [`take`](Self::take); the last one (no `IORING_CQE_F_MORE`) disarms.
    pub(crate) fn record(&mut self, cqe: &crate::Cqe) {
        let res = cqe.result();
        if let Some(mut q) = self.bufs.inner.send_queue() {
            match cqe.buffer_id() {
                Some(bid) => q.sent(bid, res.as_ref().map_or(0, |&n| n as usize)),
                None if cqe.raw_result() == -libc::ENOBUFS => q.empty_at(self.armed_at),
                None => {}
            }
        }
        self.shots.push_back(res.map(|n| n as usize));
        if !cqe.flags().contains(crate::CqeFlags::MORE) {
            self.disarm();
        }
    }

    /// The next CQE's byte count (or errno), in order.
    pub(crate) fn take(&mut self) -> Option<io::Result<usize>> {
        self.shots.pop_front()
    }

    fn disarm(&mut self) {
        if self.armed {
            self.armed = false;
            self.bufs.inner.armed.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for Sending {
    /// An op dropped before its last CQE was never submitted or was leaked with its ring.
    fn drop(&mut self) {
        self.disarm();
    }
}

/// A buffer the kernel filled, taken from a [`BufRing`]: derefs to the bytes received.
/// Dropping it gives the buffer back to the ring (liburing's `io_uring_buf_ring_add` +
/// `io_uring_buf_ring_advance`). An empty guard without a buffer stands for end of stream.
///
/// A guard is also a buffer to write or send ([`IoBuf`]): an echo server sends what it
/// received straight out of the ring's memory, with no copy. The buffer stays out of the
/// ring while the op holds the guard, and goes back when the guard the op hands back
/// drops. After a short send, [`advance`](Self::advance) past what went out and send the
/// guard again.
///
/// ```
/// # #[cfg(not(all(liburing_has = "io_uring_prep_recv_multishot", liburing_has = "io_uring_prep_send")))]
/// # fn main() {}
/// # #[cfg(all(liburing_has = "io_uring_prep_recv_multishot", liburing_has = "io_uring_prep_send"))]
/// # fn main() -> std::io::Result<()> {
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use std::sync::Arc;
/// use system_liburing::op::{RecvMulti, Send};
/// use system_liburing::Ring;
/// let mut ring = Ring::new(8)?;
/// let bufs = ring.register_buf_ring(4, 64, 0)?;
/// let (mut client, server) = UnixStream::pair()?;
/// let server = Arc::new(server);
/// let recv = ring.push(RecvMulti::new(server.clone(), &bufs, 0))?;
/// client.write_all(b"echo me")?;
/// let mut buf = ring.next_shot(&recv)?.expect("still armed")?;
/// while !buf.is_empty() {
///     // send(2) from the buffer the kernel received into
///     let t = ring.push(Send::new(server.clone(), buf, 0))?;
///     let (n, _server, back) = ring.wait_for(t)?;
///     let n = n?;
///     buf = back;
///     buf.advance(n); // a short send: send the rest
/// }
/// assert_eq!(bufs.in_use(), 1); // `buf` (now empty) still holds its buffer
/// drop(buf); // back in the ring
/// assert_eq!(bufs.in_use(), 0);
/// let mut echoed = [0; 7];
/// client.read_exact(&mut echoed)?;
/// assert_eq!(&echoed, b"echo me");
/// # Ok(()) }
/// ```
pub struct BufGuard {
    ring: Option<Arc<BufRingInner>>,
    bid: u16,
    /// The view is `start..len` of the buffer (`advance` moves `start`).
    start: usize,
    len: usize,
}

impl BufGuard {
    /// A zero-length guard that holds no buffer (end of stream).
    pub(crate) fn eof() -> BufGuard {
        BufGuard {
            ring: None,
            bid: 0,
            start: 0,
            len: 0,
        }
    }

    /// The buffer id (`IORING_CQE_F_BUFFER` >> 16), `None` for end of stream.
    pub fn buffer_id(&self) -> Option<u16> {
        self.ring.as_ref().map(|_| self.bid)
    }

    /// Drops the first `n` bytes from the view (at most all of them): after a short send,
    /// the guard derefs to — and a write or send of it sends — only the rest. The whole
    /// buffer still goes back to the ring when the guard drops.
    pub fn advance(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.len);
    }
}

impl std::ops::Deref for BufGuard {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.ring {
            // SAFETY: the CQE handed buffer `bid` to this guard alone: the kernel does not
            // write it again until `drop` publishes it; it has `len <= buf_len` bytes written
            // (the rest is zeroed memory, so the slice is initialised either way), and
            // `start <= len`.
            Some(r) => unsafe {
                std::slice::from_raw_parts(
                    r.buf_ptr(self.bid).add(self.start),
                    self.len - self.start,
                )
            },
            None => &[],
        }
    }
}

/// A received buffer as the buffer of a write or send: its bytes (after
/// [`advance`](BufGuard::advance)) go out with no copy.
// SAFETY: the view lies in the buffer ring's allocation, kept alive and in place by the
// guard's `Arc`, all initialised (see `deref`); while an op holds the guard the buffer is
// out of the ring (published again only by `drop`) and unreachable from Rust, so the
// kernel's read of it races no write.
unsafe impl IoBuf for BufGuard {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
}

impl std::fmt::Debug for BufGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "BufGuard(bid {:?}, {} bytes)",
            self.buffer_id(),
            self.len - self.start
        )
    }
}

impl Drop for BufGuard {
    fn drop(&mut self) {
        if let Some(r) = self.ring.take() {
            r.give_back([self.bid]);
            r.in_use.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Ring {
    /// Registers a provided buffer ring of `entries` buffers (a power of two, at most 32768)
    /// of `buf_len` bytes each, as buffer group `bgid`, all published to the kernel. Through
    /// liburing's `io_uring_register_buf_ring` where it has it, directly otherwise. The
    /// memory stays alive as long as the ring or any handle, op or guard needs it; the
    /// kernel drops the registration at [`unregister_buf_ring`](Self::unregister_buf_ring)
    /// or when the ring is dropped.
    #[doc(alias = "io_uring_register_buf_ring")]
    #[doc(alias = "io_uring_setup_buf_ring")]
    #[doc(alias = "io_uring_buf_ring_init")]
    #[doc(alias = "IORING_REGISTER_PBUF_RING")]
    pub fn register_buf_ring(
        &mut self,
        entries: u16,
        buf_len: u32,
        bgid: u16,
    ) -> io::Result<BufRing> {
        self.buf_ring(entries, buf_len, bgid, false)
    }

    /// Registers a provided buffer ring to send from (`op::SendBundle`, kernel 6.10):
    /// `entries` buffers (a power of two, at most 32768) of `buf_len` bytes, as buffer group
    /// `bgid`, none published yet. [`BufRing::queue`] copies data into its free buffers and
    /// publishes them; each send gives back the buffers it consumed. Receives cannot select
    /// from it (refused at push time). The same registration as
    /// [`register_buf_ring`](Self::register_buf_ring) (`IORING_REGISTER_PBUF_RING`, 5.19);
    /// what differs is who fills the buffers.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(4)?;
    /// let bufs = ring.register_send_buf_ring(8, 1024, 1)?;
    /// assert!(bufs.is_send());
    /// assert_eq!((bufs.entries(), bufs.queued()), (8, 0));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "io_uring_setup_buf_ring")]
    pub fn register_send_buf_ring(
        &mut self,
        entries: u16,
        buf_len: u32,
        bgid: u16,
    ) -> io::Result<BufRing> {
        self.buf_ring(entries, buf_len, bgid, true)
    }

    /// Allocates and registers a buffer ring of the crate's memory, nothing published
    /// unless it is a receive ring (then every buffer is).
    fn buf_ring(
        &mut self,
        entries: u16,
        buf_len: u32,
        bgid: u16,
        send: bool,
    ) -> io::Result<BufRing> {
        let inner = BufRingInner::new(entries, buf_len, bgid, self.s.id, send, false)?;
        let mut reg = BufReg {
            ring_addr: inner.ring as u64,
            ring_entries: u32::from(entries),
            bgid,
            ..BufReg::default()
        };
        self.register_pbuf_ring(&mut reg)?;
        Ok(self.publish_buf_ring(inner))
    }

    /// As [`register_buf_ring`](Self::register_buf_ring), with the ring of entries
    /// allocated by the kernel (`IOU_PBUF_RING_MMAP`, kernel 6.4; `EINVAL` before) and mapped
    /// into this process at `IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT`: for
    /// setups where user memory cannot be pinned for the ring. Only the 16-byte entries are
    /// the kernel's; the buffers themselves are still allocated by the crate (the kernel
    /// reads their addresses from the entries the crate writes), and owned the same way. The
    /// mapping is removed when the last handle, op or guard is gone; it keeps the ring's
    /// kernel side alive until then.
    ///
    /// # Example
    /// ```
    /// # #[cfg(not(liburing_has = "io_uring_prep_recv"))]
    /// # fn main() {}
    /// # #[cfg(liburing_has = "io_uring_prep_recv")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use system_liburing::{op::RecvSelect, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let bufs = match ring.register_buf_ring_mmap(4, 64, 0) {
    ///     Ok(b) => b,
    ///     Err(e) => {
    ///         println!("skipped: no kernel-allocated buffer rings here (6.4): {e}");
    ///         return Ok(());
    ///     }
    /// };
    /// assert!(bufs.is_mmap());
    /// let (a, mut b) = std::os::unix::net::UnixStream::pair()?;
    /// b.write_all(b"mapped")?;
    /// let t = ring.push(RecvSelect::new(a, &bufs, 0, 0))?;
    /// let (buf, _a) = ring.wait_for(t)?;
    /// assert_eq!(&*buf?, b"mapped");
    /// # Ok(()) }
    /// ```
    #[doc(alias = "IOU_PBUF_RING_MMAP")]
    #[doc(alias = "IORING_OFF_PBUF_RING")]
    pub fn register_buf_ring_mmap(
        &mut self,
        entries: u16,
        buf_len: u32,
        bgid: u16,
    ) -> io::Result<BufRing> {
        let mut inner = BufRingInner::new(entries, buf_len, bgid, self.s.id, false, true)?;
        let mut reg = BufReg {
            ring_entries: u32::from(entries),
            bgid,
            flags: crate::sys::IOU_PBUF_RING_MMAP as u16,
            ..BufReg::default()
        };
        self.register_pbuf_ring(&mut reg)?;
        let len = usize::from(entries) * 16;
        let offset = u64::from(crate::sys::IORING_OFF_PBUF_RING)
            | u64::from(bgid) << crate::sys::IORING_OFF_PBUF_SHIFT;
        let mapped = match libc::off_t::try_from(offset) {
            // SAFETY: a fresh shared mapping of the ring fd at the offset the kernel gives
            // this group's entries (registered just above, not yet published to anyone);
            // nothing is overwritten (no MAP_FIXED).
            Ok(offset) => unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED | libc::MAP_POPULATE,
                    self.s.ring_fd,
                    offset,
                )
            },
            Err(_) => libc::MAP_FAILED,
        };
        if mapped == libc::MAP_FAILED {
            let e = io::Error::last_os_error();
            let _ = self.unregister_pbuf_ring(bgid);
            return Err(e);
        }
        inner.ring = mapped.cast();
        inner.ring_mem = RingMem::Mapped(len);
        Ok(self.publish_buf_ring(inner))
    }

    /// `IORING_REGISTER_PBUF_RING` with `reg`.
    fn register_pbuf_ring(&mut self, reg: &mut BufReg) -> io::Result<()> {
        #[cfg(liburing_has = "io_uring_register_buf_ring")]
        {
            // SAFETY: the ring is initialised; `reg` has the layout of io_uring_buf_reg and
            // names memory that lives as long as the registration (kept in `buf_rings`),
            // or none (the kernel allocates it).
            let ret = unsafe {
                crate::sys::io_uring_register_buf_ring(
                    self.as_raw_mut(),
                    (reg as *mut BufReg).cast(),
                    0,
                )
            };
            crate::error::cvt(ret).map(drop)
        }
        #[cfg(not(liburing_has = "io_uring_register_buf_ring"))]
        crate::syscall::register(
            self.s.ring_fd,
            REGISTER_PBUF_RING,
            (reg as *mut BufReg).cast(),
            1,
        )
        .map(drop)
    }

    /// `IORING_UNREGISTER_PBUF_RING` for group `bgid`.
    fn unregister_pbuf_ring(&mut self, bgid: u16) -> io::Result<()> {
        let mut reg = BufReg {
            bgid,
            ..BufReg::default()
        };
        crate::syscall::register(
            self.s.ring_fd,
            UNREGISTER_PBUF_RING,
            (&mut reg as *mut BufReg).cast(),
            1,
        )
        .map(drop)
    }

    /// A registered ring kept by the ring until it exits; a receive ring's buffers are all
    /// published, a send ring's wait for `BufRing::queue`.
    fn publish_buf_ring(&mut self, inner: BufRingInner) -> BufRing {
        let inner = Arc::new(inner);
        if inner.send.is_none() {
            inner.give_back(0..inner.entries);
        }
        self.s.buf_rings.push(inner.clone());
        BufRing { inner }
    }

    /// Unregisters a buffer ring (`IORING_UNREGISTER_PBUF_RING`): ops can no longer select
    /// from its group, and pushing one that names it is refused. Refused (`ResourceBusy`)
    /// while ops armed on it may still post a CQE naming one of its buffers
    /// ([`BufRing::armed`]): otherwise the group id, registered again for another ring,
    /// would make those ids name the wrong memory. Its memory is kept until the ring is
    /// dropped (guards still out may be dropped at any time; their buffers are no longer
    /// published).
    #[doc(alias = "io_uring_unregister_buf_ring")]
    #[doc(alias = "io_uring_free_buf_ring")]
    pub fn unregister_buf_ring(&mut self, ring: &BufRing) -> io::Result<()> {
        if ring.inner.ring_id != self.s.id {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "this buffer ring is registered with another ring",
            ));
        }
        if ring.armed() > 0 {
            return Err(io::Error::new(
                io::ErrorKind::ResourceBusy,
                format!(
                    "{} armed on buffer group {} may still select from it; finish or \
                     cancel it first",
                    match ring.armed() {
                        1 => "1 op".to_string(),
                        n => format!("{n} ops"),
                    },
                    ring.bgid()
                ),
            ));
        }
        // Under the tail lock: no guard writes the ring while, or after, the kernel lets go
        // of it.
        let _tail = ring.inner.tail.lock().unwrap_or_else(|p| p.into_inner());
        self.unregister_pbuf_ring(ring.bgid())?;
        ring.inner.unregistered.store(true, Ordering::Release);
        Ok(())
    }
}

const _: () = assert!(std::mem::size_of::<RingEntry>() == 16);
const _: () = assert!(std::mem::size_of::<BufReg>() == 40);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Cqe;

    const F_BUFFER: u32 = crate::sys::IORING_CQE_F_BUFFER;

    fn ring_with_bufs() -> Option<(Ring, BufRing)> {
        let mut ring = Ring::new(4).ok()?;
        let bufs = ring.register_buf_ring(2, 8, 0).ok()?;
        Some((ring, bufs))
    }

    fn tail(b: &BufRing) -> u16 {
        b.inner.tail_word().load(Ordering::Acquire)
    }

    /// What a single-shot op makes of hostile or failed CQEs: a failed CQE that names a
    /// buffer gives it straight back (the ring's tail moves on by one), an id the ring
    /// cannot have is `EINVAL` and publishes nothing, a second CQE in the one slot does not
    /// lose the first one's buffer, and a CQE never taken gives its buffer back on drop.
    #[test]
    fn failed_and_hostile_cqes_give_buffers_back() {
        let Some((_ring, bufs)) = ring_with_bufs() else {
            eprintln!("skipped: no buffer rings here");
            return;
        };
        assert_eq!(tail(&bufs), 2);
        let failed = Cqe::new(1, -libc::EIO, F_BUFFER | 1 << 16);
        let mut one = SelectingOne::new(&bufs);
        one.record(&failed);
        let e = one.finish(&failed).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EIO));
        assert_eq!(
            (tail(&bufs), bufs.in_use()),
            (3, 0),
            "buffer 1 published again"
        );

        let hostile = Cqe::new(1, 4, F_BUFFER | 7 << 16);
        let mut one = SelectingOne::new(&bufs);
        one.record(&hostile);
        let e = one.finish(&hostile).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
        assert_eq!((tail(&bufs), bufs.in_use()), (3, 0), "no id 7 published");

        let mut one = SelectingOne::new(&bufs);
        one.record(&Cqe::new(1, 3, F_BUFFER));
        one.record(&Cqe::new(1, 5, F_BUFFER | 1 << 16));
        assert_eq!(tail(&bufs), 4, "the displaced CQE's buffer went back");
        let got = one.finish(&Cqe::new(1, 5, F_BUFFER | 1 << 16)).unwrap();
        assert_eq!((got.buffer_id(), got.len()), (Some(1), 5));
        drop(got);
        assert_eq!(tail(&bufs), 5);

        let mut one = SelectingOne::new(&bufs);
        one.record(&Cqe::new(1, 8, F_BUFFER));
        drop(one);
        assert_eq!((tail(&bufs), bufs.in_use()), (6, 0), "dropped unfinished");

        // No CQE recorded (the table always records first): the CQE at completion counts.
        let mut one = SelectingOne::new(&bufs);
        let got = one.finish(&Cqe::new(1, 100, F_BUFFER)).unwrap();
        assert_eq!(got.len(), 8, "a length past the buffer is cut to it");
    }

    /// What a send's CQEs make of the queue, odd ones included: a count past the queue
    /// frees only what is published, an id the ring never published (or one past its
    /// entries) frees nothing, a failed CQE naming a buffer frees only the buffers before
    /// it; a count always runs from the id the CQE names.
    #[test]
    fn send_counts_run_from_the_named_buffer_and_stay_in_bounds() {
        let published = |q: &SendQueue| q.published.iter().map(|p| p.0).collect::<Vec<_>>();
        let mut q = SendQueue::default();
        for (seq, bid) in [3u16, 5, 7, 9].into_iter().enumerate() {
            q.published.push_back((bid, 8, seq as u64));
            q.bytes += 8;
        }
        q.sent(42, 8); // never published
        q.sent(u16::MAX, usize::MAX); // past any ring
        assert_eq!(published(&q), [3, 5, 7, 9]);
        q.sent(5, 0); // a failed round that picked 5: 3 was consumed earlier
        assert_eq!(published(&q), [5, 7, 9]);
        q.sent(5, 9); // a round sent in parts, counted from 5: 5 whole, 7 in part
        assert_eq!((published(&q), q.bytes), (vec![9], 8));
        q.sent(9, usize::MAX); // more than is queued
        assert_eq!((published(&q), q.bytes), (vec![], 0));
        assert_eq!(q.free, [3, 5, 7, 9]);
    }
}
