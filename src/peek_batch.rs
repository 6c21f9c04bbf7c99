//! Peeking without consuming: liburing's `io_uring_peek_batch_cqe` + `io_uring_cq_advance`
//! (and `io_uring_for_each_cqe`), made safe.
//!
//! A [`CqeBatch`] borrows the completing side of the ring. The CQEs it shows stay in the
//! ring (the head is not moved), so nothing the kernel writes can land on them, and nothing
//! else can consume them while the batch lives. [`CqeBatch::advance`] consumes the first `n`:
//! only then does a managed op's CQE reach the in-flight table, once, exactly as a
//! [`peek`](crate::Completer::peek) would have delivered it. A batch dropped without
//! advancing leaves everything for the next peek. The crate's own requests' CQEs are never
//! shown: one at the front is consumed by the peek itself, one further in ends the batch
//! before it (the next peek takes it away).

use crate::cq::{big_cqe, Completer, MAX_FLUSH_ROUNDS};
use crate::entry::{Cqe, Cqe32, MANAGED};
use crate::mapped::Shared;
use crate::table::INTERNAL;
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;

/// CQEs peeked from the ring and not consumed yet (liburing's `io_uring_peek_batch_cqe`),
/// made by [`Completer::peek_batch`] / [`Ring::peek_batch`](crate::Ring::peek_batch).
///
/// Each CQE is shown as [`Completer::peek`] would return it (a tagged op's tag as
/// user_data). It stays in the ring until [`advance`](Self::advance) consumes it (C's
/// `io_uring_cq_advance` / `io_uring_cqe_seen`); the batch borrows the completer
/// meanwhile, so no other peek, wait or drain can take it, and the kernel cannot overwrite
/// it. Dropping the batch consumes nothing.
///
/// # Example
/// ```
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::{op::Nop, Ring};
/// let mut ring = Ring::new(8)?;
/// for i in 0..4 {
///     ring.push_with_user_data(Nop::new(), i)?;
/// }
/// ring.submit_and_wait(4)?;
/// // io_uring_peek_batch_cqe(ring, cqes, 8): four CQEs, still in the ring
/// let batch = ring.peek_batch(8)?;
/// let seen: Vec<u64> = batch.iter().map(|c| c.user_data()).collect();
/// assert_eq!(seen, [0, 1, 2, 3]);
/// drop(batch); // nothing consumed: the next peek sees them again
/// let mut batch = ring.peek_batch(8)?;
/// assert_eq!(batch.len(), 4);
/// batch.advance(3)?; // io_uring_cq_advance(ring, 3)
/// assert_eq!(batch.get(0).map(|c| c.user_data()), Some(3));
/// assert!(batch.advance(2).is_err()); // past what was peeked: refused, nothing consumed
/// drop(batch);
/// assert_eq!(ring.peek()?.map(|c| c.user_data()), Some(3));
/// # Ok(()) }
/// ```
/// While a batch lives, nothing else can take its CQEs off the ring:
/// ```compile_fail,E0499
/// # let mut ring = system_liburing::Ring::new(4).unwrap();
/// let batch = ring.peek_batch(4).unwrap();
/// let _ = ring.peek(); // the batch borrows the ring
/// assert!(batch.is_empty());
/// ```
#[doc(alias = "io_uring_peek_batch_cqe")]
#[doc(alias = "io_uring_for_each_cqe")]
#[doc(alias = "io_uring_cq_advance")]
#[must_use = "a batch consumes nothing unless advanced"]
pub struct CqeBatch<'a> {
    s: &'a Shared,
    locked: bool,
    /// CQEs shown from the reaped queue (its first ones): older than the ring's.
    queued: usize,
    /// The ring position of the first CQE shown from the ring (the CQ head).
    head: u32,
    /// CQEs shown from the ring, from `head` on.
    ring: u32,
    /// As the completer it borrows: not `Sync`.
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

impl std::fmt::Debug for CqeBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Completer<'_> {
    /// Peeks at up to `max` completions without consuming them (liburing's
    /// `io_uring_peek_batch_cqe`): see [`CqeBatch`]. When none is ready it first flushes the
    /// kernel's overflow list / task work, like [`peek`](Self::peek), so a ring whose CQEs
    /// wait on the overflow list is never reported empty. `max` 0 peeks nothing.
    ///
    /// # Example
    /// The completing half of a split ring, on its own thread:
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (mut sq, mut cq) = ring.split();
    /// std::thread::scope(|s| -> std::io::Result<()> {
    ///     s.spawn(move || -> std::io::Result<()> {
    ///         for i in 0..3 {
    ///             sq.push_with_user_data(Nop::new(), i)?;
    ///         }
    ///         sq.submit()?;
    ///         Ok(())
    ///     });
    ///     let mut seen = Vec::new();
    ///     while seen.len() < 3 {
    ///         let mut batch = cq.peek_batch(8)?;
    ///         seen.extend(batch.iter().map(|c| c.user_data()));
    ///         let n = batch.len();
    ///         batch.advance(n)?; // io_uring_cq_advance(ring, n)
    ///     }
    ///     assert_eq!(seen, [0, 1, 2]);
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[doc(alias = "io_uring_peek_batch_cqe")]
    #[doc(alias = "io_uring_for_each_cqe")]
    pub fn peek_batch(&mut self, max: usize) -> io::Result<CqeBatch<'_>> {
        peek_batch(self.s, self.locked, max)
    }
}

/// Builds the batch; the caller holds the completer of `s` for as long as the batch lives.
pub(crate) fn peek_batch(s: &Shared, locked: bool, max: usize) -> io::Result<CqeBatch<'_>> {
    let mut c = Completer {
        s,
        locked,
        _not_sync: PhantomData,
    };
    // SAFETY: the reaped queue is the completer's alone, and the caller holds the completer.
    let queued = if unsafe { (*s.reaped.get()).is_empty() } {
        0
    } else {
        drop_internal_queued(&mut c).min(max)
    };
    let mut flushes = 0;
    loop {
        let (head, ring) = ring_run(&mut c, max - queued);
        let batch = CqeBatch {
            s,
            locked,
            queued,
            head,
            ring,
            _not_sync: PhantomData,
        };
        // Empty: completions may wait on the overflow list or in task work. As `peek`:
        // after one flush, only an overflow flag still up is worth another (bounded).
        let done = !batch.is_empty()
            || max == 0
            || (flushes > 0 && !c.overflow_flag())
            || flushes == MAX_FLUSH_ROUNDS
            || !c.needs_enter();
        if done {
            return Ok(batch);
        }
        c.flush_cq()?;
        flushes += 1;
    }
}

impl crate::Ring {
    /// Peeks at up to `max` completions without consuming them (liburing's
    /// `io_uring_peek_batch_cqe`). See [`Completer::peek_batch`] and [`CqeBatch`].
    ///
    /// # Example
    /// C's `io_uring_for_each_cqe(ring, head, cqe) { ...; n++; } io_uring_cq_advance(ring, n);`:
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, Ring};
    /// let mut ring = Ring::new(8)?;
    /// for i in 1..=3 {
    ///     ring.push_with_user_data(Nop::new(), i)?;
    /// }
    /// ring.submit_and_wait(3)?;
    /// let mut batch = ring.peek_batch(usize::MAX)?;
    /// let mut sum = 0;
    /// for cqe in batch.iter() {
    ///     cqe.result()?;
    ///     sum += cqe.user_data();
    /// }
    /// let n = batch.len();
    /// batch.advance(n)?;
    /// drop(batch);
    /// assert_eq!((sum, ring.cq_ready()), (6, 0));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "io_uring_peek_batch_cqe")]
    #[doc(alias = "io_uring_for_each_cqe")]
    pub fn peek_batch(&mut self, max: usize) -> io::Result<CqeBatch<'_>> {
        peek_batch(&self.s, false, max)
    }
}

/// The run of ring CQEs a batch shows: up to `room` from the head, stopping before the
/// crate's own requests' (those at the front are consumed here, as a peek would).
#[inline]
fn ring_run(c: &mut Completer<'_>, room: usize) -> (u32, u32) {
    let s = c.s;
    loop {
        let head = s.cq_khead().load(Ordering::Acquire);
        let tail = s.cq_ktail().load(Ordering::Acquire);
        let ready = (tail.wrapping_sub(head) as usize).min(room) as u32;
        let mut n = 0;
        while n < ready {
            // SAFETY: `head + n` is before the tail we acquired and the head is ours to
            // move: a published entry, not released.
            if unsafe { slot(s, head.wrapping_add(n)) }.user_data() == INTERNAL {
                break;
            }
            n += 1;
        }
        if n == 0 && ready > 0 {
            // An INTERNAL CQE at the head: no one's; consumed (and accounted) as peek would.
            c.pop_ring();
            continue;
        }
        return (head, n);
    }
}

/// Removes the crate's own requests' CQEs from the reaped queue (accounted when they were
/// reaped; no one takes them). Returns the queue's length.
#[cold]
#[inline(never)]
fn drop_internal_queued(c: &mut Completer<'_>) -> usize {
    while let Some(i) = c.reaped().iter().position(|x| x.user_data() == INTERNAL) {
        c.remove_reaped(i);
    }
    c.reaped().len()
}

/// The CQE at ring position `pos`, copied out.
///
/// # Safety
/// `pos` is between the CQ head and a tail the caller acquired.
#[inline(always)]
unsafe fn slot(s: &Shared, pos: u32) -> Cqe {
    let index = ((pos & s.cq_mask) as usize) << s.cqe_shift;
    // SAFETY: per the contract: a published entry (the kernel wrote it before its release
    // store of the tail, which the caller acquired) that the head has not been released
    // past; the index is masked and scaled, inside the mapping.
    unsafe { s.cqes.add(index).read() }
}

impl CqeBatch<'_> {
    /// How many CQEs the batch shows (not yet consumed).
    pub fn len(&self) -> usize {
        self.queued + self.ring as usize
    }

    /// Whether the batch shows no CQE.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The CQE as the ring holds it (managed tokens untranslated).
    #[inline]
    fn raw(&self, i: usize) -> Option<Cqe> {
        if i < self.queued {
            // SAFETY: the reaped queue is the completer's, which the batch borrows; no
            // `&mut` to it is alive.
            return unsafe { (*self.s.reaped.get()).get(i).copied() };
        }
        let i = (i - self.queued) as u32;
        // SAFETY: `head + i` is in the run the peek found published; the head stays there
        // while the batch borrows the completer.
        (i < self.ring).then(|| unsafe { slot(self.s, self.head.wrapping_add(i)) })
    }

    /// The `i`-th CQE, as [`Completer::peek`] would return it (a tagged op's tag as
    /// user_data); `None` past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<Cqe> {
        let c = self.raw(i)?;
        if c.user_data() & MANAGED == 0 {
            return Some(c);
        }
        Some(self.shown(c))
    }

    /// A managed CQE as the plain view shows it: a tagged op's tag as user_data. Nothing is
    /// released here (that is [`advance`](Self::advance)'s).
    #[cold]
    #[inline(never)]
    fn shown(&self, c: Cqe) -> Cqe {
        match self
            .s
            .with_table_releasing_nothing(self.locked, |t| t.tag(c.user_data()))
        {
            Some(tag) => Cqe::new(tag, c.raw_result(), c.flags().bits()),
            None => c,
        }
    }

    /// The CQEs in order, as [`get`](Self::get) shows them (liburing's
    /// `io_uring_for_each_cqe`).
    #[doc(alias = "io_uring_for_each_cqe")]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Cqe> + '_ {
        // Every index below `len` has a CQE.
        (0..self.len()).map(move |i| self.get(i).unwrap_or_default())
    }

    /// The `i`-th CQE with the 16 bytes after it (`big_cqe`), on a ring built with
    /// `IORING_SETUP_CQE32` (kernel 5.19); `None` on any other ring (its entries have no
    /// such bytes) or past the end.
    ///
    /// # Example
    /// A NOP with `IORING_NOP_CQE32` (kernel 6.18) posts `sqe->off` and `sqe->addr` there;
    /// written through the raw layer, as a C port would.
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{Ring, SetupFlags};
    /// let mut ring = match Ring::builder().setup_flags(SetupFlags::CQE32).entries(4).build() {
    ///     Ok(r) => r,
    ///     Err(e) => {
    ///         println!("skipped: no CQE32 rings here ({e})");
    ///         return Ok(());
    ///     }
    /// };
    /// // SAFETY: a NOP names no memory; user_data 7 has bit 63 clear.
    /// unsafe {
    ///     let mut sqe = ring.get_sqe().expect("an empty SQ");
    ///     sqe.prep_nop();
    ///     sqe.set_data64(7);
    ///     let words = sqe.as_mut_ptr().cast::<u64>();
    ///     words.add(1).write(0x1111); // sqe->off
    ///     words.add(2).write(0x2222); // sqe->addr
    ///     words.cast::<u32>().add(7).write(1 << 5); // sqe->nop_flags = IORING_NOP_CQE32
    /// }
    /// ring.submit_and_wait(1)?;
    /// let batch = ring.peek_batch(1)?;
    /// let cqe = batch.get32(0).expect("a CQE32 ring");
    /// assert_eq!(cqe.cqe().user_data(), 7);
    /// match (cqe.cqe().result(), cqe.extra()) {
    ///     // kernels before 6.18 refuse the flag (6.12+) or ignore it
    ///     (Err(e), _) => println!("skipped: no IORING_NOP_CQE32 here ({e})"),
    ///     (Ok(_), [0, 0]) => println!("skipped: this kernel ignores IORING_NOP_CQE32"),
    ///     (Ok(_), extra) => assert_eq!(extra, [0x1111, 0x2222]),
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "big_cqe")]
    pub fn get32(&self, i: usize) -> Option<Cqe32> {
        if self.s.cqe_shift == 0 {
            return None;
        }
        let cqe = self.get(i)?;
        let big = if i < self.queued {
            // SAFETY: the completer's, which the batch borrows; no `&mut` to it is alive.
            let (q, b) = unsafe { (&*self.s.reaped.get(), &*self.s.reaped_big.get()) };
            // Aligned from the back (`Shared::reaped_big`): every CQE queued on a CQE32
            // ring has its entry there.
            let j = (b.len() + i).checked_sub(q.len());
            debug_assert!(j.is_some_and(|j| j < b.len()));
            j.and_then(|j| b.get(j)).copied().unwrap_or_default()
        } else {
            let pos = self.head.wrapping_add((i - self.queued) as u32);
            // SAFETY: a CQE32 ring; `pos` is in the published run the batch holds.
            unsafe { big_cqe(self.s, pos) }
        };
        Some(Cqe32::new(cqe, big))
    }

    /// Consumes the first `n` CQEs of the batch (liburing's `io_uring_cq_advance`; `advance(1)`
    /// is `io_uring_cqe_seen`): they leave the ring, and a managed op's CQE now reaches the
    /// in-flight table — a ticket can [`finish`](crate::Ring::finish), a multishot stream
    /// gets its item, a tagged op is released at its last CQE — exactly once. The batch then
    /// shows what is left. `n` past [`len`](Self::len) is `InvalidInput`, and consumes
    /// nothing.
    #[doc(alias = "io_uring_cq_advance")]
    #[doc(alias = "io_uring_cqe_seen")]
    pub fn advance(&mut self, n: usize) -> io::Result<()> {
        if n > self.len() {
            return Err(past_end(n, self.len()));
        }
        let c = Completer {
            s: self.s,
            locked: self.locked,
            _not_sync: PhantomData,
        };
        // Before anything is consumed: an orphan's drop that panics loses no CQE.
        crate::cq::settle_orphans(self.s, self.locked);
        let from_queue = n.min(self.queued);
        if from_queue > 0 {
            self.consume_queued(&c, from_queue);
        }
        let k = (n - from_queue) as u32;
        if k > 0 {
            let s = self.s;
            let mut any = s.backpressure.is_some();
            for i in 0..k {
                // SAFETY: in the published run the batch holds; not released yet.
                any |= unsafe { slot(s, self.head.wrapping_add(i)) }.user_data() & MANAGED != 0;
            }
            if any {
                self.account_run(&c, k);
            } else {
                self.head = self.head.wrapping_add(k);
                self.ring -= k;
                // The copies are made; the kernel may reuse the slots from here on.
                s.cq_khead().store(self.head, Ordering::Release);
            }
        }
        Ok(())
    }

    /// Takes `n` CQEs off the reaped queue: they were accounted when reaped; a tagged op's
    /// last one releases it, as a peek would.
    #[cold]
    #[inline(never)]
    fn consume_queued(&mut self, c: &Completer<'_>, n: usize) {
        for _ in 0..n {
            // SAFETY: the completer's, which the batch borrows; no other borrow is alive.
            let cqe = unsafe { (*self.s.reaped.get()).pop_front() };
            // Off the queue and out of the batch before it is delivered: a tagged op's drop
            // that panics (the user's file type) leaves nothing to deliver again.
            self.queued -= 1;
            if let Some(cqe) = cqe.filter(|x| x.user_data() & MANAGED != 0) {
                c.deliver_raw(cqe);
            }
        }
    }

    /// Consumes the first `k` ring CQEs of the batch, accounting each as `pop_ring` /
    /// `peek` would: the table sees each managed one once, a tagged op's last releases it,
    /// backpressure counts each down. As `pop_ring`, each is copied and the head released
    /// past it *before* it is accounted: a tagged op's drop that panics (the user's file
    /// type) unwinds with every CQE it got to consumed, and none is seen twice.
    #[cold]
    #[inline(never)]
    fn account_run(&mut self, c: &Completer<'_>, k: u32) {
        for _ in 0..k {
            // SAFETY: in the published run the batch holds; the head is not released yet.
            let cqe = unsafe { slot(self.s, self.head) };
            self.head = self.head.wrapping_add(1);
            self.ring -= 1;
            // The copy is made; the kernel may reuse the slot from here on.
            self.s.cq_khead().store(self.head, Ordering::Release);
            c.account(&cqe);
            if cqe.user_data() & MANAGED != 0 {
                c.deliver_raw(cqe);
            }
        }
    }
}

#[cold]
fn past_end(n: usize, len: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("advance({n}) past the {len} CQEs the batch holds"),
    )
}

#[cfg(test)]
mod tests {
    use crate::entry::Cqe;
    use crate::table::INTERNAL;
    use crate::{Ring, SetupFlags};

    /// The reaped queue's extras stay aligned with it on a CQE32 ring through what moves it:
    /// front pops that do not mirror (a stale front), a middle removal (`forget_reaped`),
    /// the crate's own CQEs dropped from the middle by a peek.
    #[test]
    fn queued_extras_stay_aligned() {
        let Ok(mut ring) = Ring::builder()
            .entries(4)
            .setup_flags(SetupFlags::CQE32)
            .build()
        else {
            eprintln!("skipped: no CQE32 ring here");
            return;
        };
        let mut c = ring.completer();
        let q = |c: &mut crate::Completer<'_>, ud: u64| {
            c.queue_reaped(Cqe::new(ud, 0, 0), Some([ud, ud + 1000]))
        };
        q(&mut c, 1);
        q(&mut c, 2);
        c.reaped().pop_front(); // as next_cqe does: the extras' front goes stale
        q(&mut c, 3);
        q(&mut c, INTERNAL);
        q(&mut c, 4);
        q(&mut c, 5);
        c.forget_reaped(4); // as wait_for does
        let b = ring.peek_batch(8).unwrap();
        let got: Vec<_> = (0..b.len())
            .map(|i| b.get32(i).unwrap())
            .map(|c| (c.cqe().user_data(), c.extra()))
            .collect();
        assert_eq!(
            got,
            [(2, [2, 1002]), (3, [3, 1003]), (5, [5, 1005])],
            "INTERNAL dropped, 4 forgotten, the stale front skipped"
        );
    }
}
