//! The submission side: SQE slots, publishing the tail, submit, and the SQPOLL wake-up.
//!
//! The state is liburing's own (`sq.sqe_head` / `sq.sqe_tail` in `struct io_uring`), so raw
//! liburing calls and this layer can be mixed on one ring; the shared indices are read and
//! written with acquire/release atomics. A [`Submitter`] is also the batch view of the SQ:
//! while it lives it keeps the tail, the kernel's head as last read and the ring's geometry
//! in itself (registers, in a loop) and reads the kernel's head only when the ring looks
//! full.

use crate::entry::MANAGED;
use crate::error::{PushError, SubmitBusy};
use crate::flags::{SetupFlags, SqFlags};
use crate::mapped::Shared;
use crate::op::private::Sealed;
use crate::op::{Op, Unmanaged};
use crate::{sys, syscall, Ticket};
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::{fence, Ordering};

pub use crate::entry::Sqe;

/// log2 of `size_of::<Sqe>()` (64 bytes).
pub(crate) const SQE_LOG2: u32 = std::mem::size_of::<Sqe>().trailing_zeros();
const _: () = assert!(1 << SQE_LOG2 == std::mem::size_of::<Sqe>());

/// Whether the kernel reads the second 64 bytes of a 128-byte SQE for this opcode: the
/// driver commands (`IORING_OP_URING_CMD`, 5.19, and `IORING_OP_URING_CMD128`, 6.19, whose
/// command area runs on into it) and the 128-byte NOP (`IORING_OP_NOP128`, 6.19, which
/// reads nothing there but is the one other op made for that size).
const fn reads_second_half(opcode: u8) -> bool {
    opcode == sys::IORING_OP_URING_CMD as u8
        || opcode == sys::IORING_OP_URING_CMD128 as u8
        || opcode == sys::IORING_OP_NOP128 as u8
}

/// Why a rare check refused a push, before the op is put back into the [`PushError`].
enum Refusal {
    Reserved,
    Full,
    Unsupported(u8),
    Invalid(crate::Refused),
    Backpressure,
}

impl Refusal {
    /// The error, with the op given back.
    #[cold]
    fn with<O>(self, op: O) -> PushError<O> {
        match self {
            Refusal::Reserved => PushError::ReservedUserData(op),
            Refusal::Full => PushError::SqFull(op),
            Refusal::Unsupported(opcode) => PushError::Unsupported(op, opcode),
            Refusal::Invalid(why) => PushError::Invalid(op, why),
            Refusal::Backpressure => PushError::Backpressure(op),
        }
    }
}

/// The submitting half of a ring: queues operations and submits them. Obtained from
/// [`Ring::submitter`](crate::Ring::submitter) (a batch view: hold it across many pushes),
/// [`Ring::split`](crate::Ring::split), or used implicitly by `Ring`'s own methods. It may
/// live on another thread than the [`Completer`](crate::Completer).
pub struct Submitter<'a> {
    pub(crate) s: &'a Shared,
    /// Whether the in-flight table needs its lock: true for the halves of `Ring::split`,
    /// false for a half that borrows the ring alone.
    pub(crate) locked: bool,
    /// liburing's `sq.sqe_tail`, kept here while the half lives (and written through to
    /// liburing's struct at each claim, for raw liburing calls and the next half).
    tail: u32,
    /// The kernel's SQ head as last read: slots up to `head + entries` are free.
    head: u32,
    /// The tail up to which pushes may take the fast path: `head + entries` (the cached head
    /// shows those slots free), or the tail itself while backpressure is on (every push then
    /// counts its CQE in on the rare path). One compare with the tail instead of the full
    /// check and the backpressure test on every push.
    limit: u32,
    mask: u32,
    entries: u32,
    /// log2 of an entry's bytes: 6, or 7 on an SQE128 ring (one shift finds a slot).
    byte_shift: u32,
    sqes: std::ptr::NonNull<Sqe>,
    /// Backpressure is on (the rare path).
    backpressure: bool,
    ring: u64,
    // Not Sync: two threads must not share one submitter.
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

// SAFETY: the raw pointer is the ring's SQE array, owned by the `Shared` the submitter
// borrows (which is Sync); the submitter is the only writer of SQE slots and of the SQ tail
// while it exists, so moving it to another thread moves that exclusive right with it.
unsafe impl Send for Submitter<'_> {}

impl<'a> Submitter<'a> {
    /// The submitting half of `s`; `locked` as in [`Shared::with_table`].
    #[inline(always)]
    pub(crate) fn new(s: &'a Shared, locked: bool) -> Submitter<'a> {
        // SAFETY: a plain read of the submitter's own index; nothing else writes it while a
        // submitter exists (the ring is borrowed by it).
        let tail = unsafe { (*s.raw.get()).sq.sqe_tail };
        let head = s.sq_khead().load(Ordering::Acquire);
        let backpressure = s.backpressure.is_some();
        Submitter {
            s,
            locked,
            tail,
            head,
            limit: limit(backpressure, s.sq_entries, tail, head),
            mask: s.sq_mask,
            entries: s.sq_entries,
            byte_shift: s.sqe_byte_shift,
            sqes: s.sqes,
            backpressure,
            ring: s.id,
            _not_sync: PhantomData,
        }
    }

    /// A copy of this half, for the cold paths: see `push_plain`.
    #[inline(always)]
    fn detached(&self) -> Submitter<'a> {
        Submitter {
            _not_sync: PhantomData,
            ..*self
        }
    }

    /// Takes back the indices a copy advanced.
    #[inline(always)]
    fn sync_from(&mut self, other: &Submitter<'a>) {
        self.tail = other.tail;
        self.head = other.head;
        self.limit = other.limit;
    }

    /// Sets `limit` from the cached head, after a push that took the rare path.
    #[inline(always)]
    fn refresh_limit(&mut self) {
        self.limit = limit(self.backpressure, self.entries, self.tail, self.head);
    }

    /// A free SQE slot, queued already, or `None` when the SQ is full: for the crate's own
    /// requests, whose writing runs no user code (so cannot unwind half-written). The slot
    /// stays ours until the next submit, so a `&mut` to it is exclusive.
    #[inline(always)]
    pub(crate) fn next_slot<O: Sealed>(&mut self) -> Option<&mut Sqe> {
        let tail = self.free_slot()?;
        self.publish(tail);
        self.refresh_limit();
        Some(self.claim::<O>(tail))
    }

    /// The tail index of a free SQE slot, or `None` when the SQ is full. The kernel's head
    /// is read (acquire) only when the cached one says full. Nothing is taken until
    /// [`claim`](Self::claim).
    #[inline(always)]
    fn free_slot(&mut self) -> Option<u32> {
        if self.tail.wrapping_sub(self.head) >= self.entries {
            self.head = self.s.sq_khead().load(Ordering::Acquire);
            if self.tail.wrapping_sub(self.head) >= self.entries {
                return None;
            }
        }
        Some(self.tail)
    }

    /// The slot `free_slot` found, to be written for an op of type `O`. It is queued only
    /// by [`publish`](Self::publish), after the op's `prepare` (which runs the user's
    /// `AsFd` impls) returned: a panic there leaves nothing half-written in the queue.
    #[inline(always)]
    fn claim<O: Sealed>(&mut self, tail: u32) -> &mut Sqe {
        // Ops fill only the first 64 bytes. On SQE128 rings a driver command (URING_CMD,
        // URING_CMD128) also reads the second half, which must then not carry what an
        // earlier raw SQE left there (stale buffer addresses included): it is zeroed for
        // those ops (and NOP128) only, a test the compiler removes for every other op.
        let clear_second_half = reads_second_half(O::OPCODE) && self.byte_shift != SQE_LOG2;
        let offset = ((tail & self.mask) as usize) << self.byte_shift;
        // SAFETY: only the submitter advances the tail (we hold the unique submitter), and
        // `tail` came from free_slot with no publish in between, so the slot is free and
        // ours (two `Sqe`s long on an SQE128 ring) until it is published; `offset` is the
        // slot's index (masked) times its size, inside the SQE array, `Sqe`-aligned.
        unsafe {
            let slot = self.sqes.cast::<u8>().add(offset).cast::<Sqe>();
            if clear_second_half {
                slot.add(1).write(Sqe::default());
            }
            &mut *slot.as_ptr()
        }
    }

    /// Queues the slot at `tail`, written since its [`claim`](Self::claim).
    #[inline(always)]
    fn publish(&mut self, tail: u32) {
        self.tail = tail.wrapping_add(1);
        // SAFETY: liburing's private SQ tail is written only by the unique submitter.
        unsafe { (*self.s.raw.get()).sq.sqe_tail = self.tail };
    }

    /// Free slots in the submission queue.
    #[doc(alias = "io_uring_sq_space_left")]
    pub fn sq_space_left(&self) -> u32 {
        let head = self.s.sq_khead().load(Ordering::Acquire);
        self.entries - self.tail.wrapping_sub(head)
    }

    /// Entries queued but not yet consumed by the kernel.
    #[doc(alias = "io_uring_sq_ready")]
    pub fn sq_ready(&self) -> u32 {
        let head = self.s.sq_khead().load(Ordering::Acquire);
        self.tail.wrapping_sub(head)
    }

    /// Whether the backpressure cap is reached (only called when backpressure is on).
    fn backpressure_full(&self, cap: u32) -> bool {
        let s = self.s;
        s.submitted
            .load(Ordering::Relaxed)
            .wrapping_sub(s.completed.load(Ordering::Relaxed))
            >= cap
    }

    /// Counts one more expected CQE. Only the submitter writes `submitted`. (Takes the
    /// `Shared`, not `&self`: a call that is not inlined would put the half in memory.)
    fn count_in(s: &Shared) {
        let n = s.submitted.load(Ordering::Relaxed);
        s.submitted.store(n.wrapping_add(1), Ordering::Relaxed);
    }

    /// Whether the kernel's probe lists this opcode (read once at setup).
    #[inline(always)]
    fn supported(&self, opcode: u8) -> bool {
        self.s.supported_ops[usize::from(opcode >> 6)] & (1u64 << (opcode & 63)) != 0
    }

    /// Whether pushing this opcode takes the rare path (unsupported, or backpressure on): for
    /// a constant opcode one load and a bit test.
    #[inline(always)]
    fn rare(&self, opcode: u8) -> bool {
        self.s.rare_ops[usize::from(opcode >> 6)] & (1u64 << (opcode & 63)) != 0
    }

    /// The rare checks, in one place: unsupported op, backpressure (the CQE is counted in
    /// once the SQE is queued). Returns the op back when it must not be queued.
    #[cold]
    #[inline(never)]
    fn admit<O: Sealed>(&mut self, op: O) -> Result<O, PushError<O>> {
        if !self.supported(O::OPCODE) {
            return Err(PushError::Unsupported(op, O::OPCODE));
        }
        if let Some(cap) = self.s.backpressure {
            if O::SKIPS_SUCCESS {
                return Err(PushError::Invalid(
                    op,
                    crate::Refused::new(
                        "sqe flags",
                        u64::from(crate::SqeFlags::CQE_SKIP_SUCCESS.bits()),
                        "IOSQE_CQE_SKIP_SUCCESS on a ring with backpressure: a success posts \
                         nothing to count down",
                    ),
                ));
            }
            if self.backpressure_full(cap) {
                return Err(PushError::Backpressure(op));
            }
        }
        Ok(op)
    }

    /// The op's own push-time checks (its flag words against their reviewed bits, its
    /// registered slots and buffer rings against this ring): a constant `false` for ops
    /// with nothing to check, so they pay nothing.
    #[inline(always)]
    fn check<O: Sealed>(&self, op: O) -> Result<O, PushError<O>> {
        if O::VALIDATES {
            if let Err(why) = op.validate(self.ring) {
                return Err(PushError::Invalid(op, why));
            }
        }
        Ok(op)
    }

    /// [`admit`](Self::admit) without the op: for `push_plain`, whose op is never handed
    /// to a cold function on the common path (which would keep a copy of it in memory on
    /// every push).
    #[cold]
    #[inline(never)]
    fn admit_rare<O: Sealed>(s: &Shared) -> Result<(), Refusal> {
        if s.supported_ops[usize::from(O::OPCODE >> 6)] & (1u64 << (O::OPCODE & 63)) == 0 {
            return Err(Refusal::Unsupported(O::OPCODE));
        }
        if let Some(cap) = s.backpressure {
            if O::SKIPS_SUCCESS {
                return Err(Refusal::Invalid(crate::Refused::new(
                    "sqe flags",
                    u64::from(crate::SqeFlags::CQE_SKIP_SUCCESS.bits()),
                    "IOSQE_CQE_SKIP_SUCCESS on a ring with backpressure: a success posts \
                     nothing to count down",
                )));
            }
            if s.submitted
                .load(Ordering::Relaxed)
                .wrapping_sub(s.completed.load(Ordering::Relaxed))
                >= cap
            {
                return Err(Refusal::Backpressure);
            }
        }
        Ok(())
    }

    /// The rare checks before the op's own: a reserved user_data, then a free slot when the
    /// cached `head` says the ring is full. The kernel's head as now known (the slot is at
    /// `tail`). Scalars in and out, so that the caller's half stays in registers.
    #[cold]
    #[inline(never)]
    fn slot_rare(
        s: &Shared,
        user_data: u64,
        tail: u32,
        head: u32,
        entries: u32,
    ) -> Result<u32, Refusal> {
        if user_data & MANAGED != 0 {
            return Err(Refusal::Reserved);
        }
        if tail.wrapping_sub(head) < entries {
            return Ok(head);
        }
        let head = s.sq_khead().load(Ordering::Acquire);
        if tail.wrapping_sub(head) >= entries {
            return Err(Refusal::Full);
        }
        Ok(head)
    }

    /// Queues a managed operation: the ring keeps its buffers and files alive until the
    /// kernel is done; [`Ring::finish`](crate::Ring::finish) hands them back with the result.
    /// Nothing reaches the kernel before [`submit`](Self::submit).
    #[doc(alias = "io_uring_get_sqe")]
    #[inline]
    pub fn push<O: Op>(&mut self, op: O) -> Result<Ticket<O>, PushError<O>> {
        let token = self.push_managed(op, None)?;
        Ok(Ticket::new(token, &self.s.home))
    }

    /// Queues a managed operation under your `tag` (C's user_data; bit 63 is the crate's and
    /// is refused): the ring owns it until its last CQE, which
    /// [`next_completion`](crate::Completer::next_completion) hands out as a
    /// [`Completion`](crate::Completion) that gives the op back
    /// ([`output`](crate::Completion::output)). Through [`peek`](crate::Completer::peek) /
    /// wait / drain its CQEs show `tag` as user_data, and the last one drops the op.
    ///
    /// An op that owns nothing and whose output is its CQE's alone (NOP, the cancels,
    /// `PollRemove`, `TimeoutRemove`, `CloseDirect`...) takes no row of the in-flight table:
    /// it is queued as [`push_with_user_data`](Self::push_with_user_data) would queue it,
    /// with the tag as its user_data, and its completion builds the output from the CQE.
    #[doc(alias = "io_uring_sqe_set_data64")]
    #[inline]
    pub fn push_tagged<O: Op>(&mut self, op: O, tag: u64) -> Result<(), PushError<O>> {
        if const { O::FROM_CQE.is_some() } {
            // Nothing to keep: the tag (bit 63 clear, else refused) is the user_data, so
            // its CQE can never be taken for a token.
            return self.push_plain(op, tag);
        }
        if tag & MANAGED != 0 {
            return Err(PushError::ReservedUserData(op));
        }
        self.push_managed(op, Some(tag)).map(drop)
    }

    /// A managed push: checks, a slot of the in-flight table, the SQE; returns the token.
    /// The rare cases (a ring that looks full, an unsupported op, backpressure) go to a cold
    /// copy, for the reason given in `push_plain`; on the common path the op is
    /// never moved through a `Result`, so it goes from the caller to its slot in one copy.
    #[inline(always)]
    fn push_managed<O: Op>(&mut self, op: O, tag: Option<u64>) -> Result<u64, PushError<O>> {
        if self.tail == self.limit || self.rare(O::OPCODE) {
            let mut me = self.detached();
            let r = me.push_managed_rare(op, tag);
            self.sync_from(&me);
            return r;
        }
        if let Err(why) = self.validate(&op) {
            return Err(PushError::Invalid(op, why));
        }
        // Backpressure makes every op rare, so there is nothing to count in here.
        Ok(self.stage(self.tail, op, tag, false))
    }

    /// `push_managed` when the ring looks full, the op is unsupported or backpressure is on.
    #[cold]
    #[inline(never)]
    fn push_managed_rare<O: Op>(&mut self, op: O, tag: Option<u64>) -> Result<u64, PushError<O>> {
        let Some(tail) = self.free_slot() else {
            return Err(PushError::SqFull(op));
        };
        let op = self.check(op)?;
        let op = self.admit(op)?;
        let count = self.backpressure;
        let token = self.stage(tail, op, tag, count);
        self.refresh_limit();
        Ok(token)
    }

    /// Stores a checked op in the in-flight table and writes its SQE at `tail` (a free
    /// slot): the token. `count`: the CQE is counted in for backpressure.
    #[inline(always)]
    fn stage<O: Op>(&mut self, tail: u32, op: O, tag: Option<u64>, count: bool) -> u64 {
        let (s, locked) = (self.s, self.locked);
        let sqe = self.claim::<O>(tail);
        // The op moves into its slot first: the SQE then points into memory that stays put
        // until the op is taken back. A panic in `prepare` unstages it (nothing queued).
        // `with_table`'s work done here, without a closure to move the op into first.
        // Dropped — here, or unwinding out of `prepare` — it lets the table go and then
        // drops the ops released meanwhile (the orphans below, or this op unstaged): their
        // drop may use this ring again (see `Shared::with_table`).
        let guard = s.lock_table(locked);
        // SAFETY: `guard` holds the table's lock when this half is one of a split ring
        // (`locked`); otherwise the half borrows the ring exclusively. The borrow ends
        // before the guard drops, and no other borrow of the table is live in here.
        let t = unsafe { s.table_mut() };
        let mut staged = t.stage(op, tag);
        staged.op().prepare(sqe, s.id);
        let token = staged.commit();
        sqe.user_data = token;
        self.publish(tail);
        if count {
            Self::count_in(self.s);
        }
        // Dropped tickets' ops are released after the op is queued, not before it is
        // stored: nothing that may unwind (an op's drop) runs while this op is still the
        // function's to drop, so it is never kept in memory twice. Unwinding out of here
        // leaves the op queued and in the table, where its CQE finds it.
        s.home.release_orphans(t);
        drop(guard);
        token
    }

    /// The op's own push-time checks, by reference (see [`check`](Self::check)).
    #[inline(always)]
    fn validate<O: Sealed>(&self, op: &O) -> Result<(), crate::Refused> {
        if O::VALIDATES {
            op.validate(self.ring)
        } else {
            Ok(())
        }
    }

    /// Queues an operation that needs nothing kept alive (NOP, fsync of a registered file,
    /// cancel...: see [`Unmanaged`]) under a user_data of your choosing; its CQE comes back
    /// from peek/wait with that user_data. Values with bit 63 set are the crate's and are
    /// refused.
    #[doc(alias = "io_uring_sqe_set_data64")]
    #[inline(always)]
    pub fn push_with_user_data<O: Unmanaged>(
        &mut self,
        op: O,
        user_data: u64,
    ) -> Result<(), PushError<O>> {
        self.push_plain(op, user_data)
    }

    /// Queues an op that keeps nothing alive past its SQE (an [`Unmanaged`] op, or a tagged
    /// op that owns nothing) under `user_data`, which must not be in the crate's half.
    #[inline(always)]
    fn push_plain<O: Sealed>(&mut self, op: O, user_data: u64) -> Result<(), PushError<O>> {
        // One branch for everything rare, whose checks take scalars: `self` is never passed
        // by reference to a function that is not inlined, so in a batch its fields stay in
        // registers; nor is the op, which is only put into a `PushError`
        // when a check refuses (else every push would write it to memory for the cold
        // call). Errors come in the usual order: reserved user_data, a full SQ, the op's
        // own checks, an unsupported op, backpressure.
        let tail = self.tail;
        if tail == self.limit || user_data & MANAGED != 0 || self.rare(O::OPCODE) {
            match Self::slot_rare(self.s, user_data, tail, self.head, self.entries) {
                Ok(head) => self.head = head,
                Err(why) => return Err(why.with(op)),
            }
            if let Err(why) = self.validate(&op) {
                return Err(PushError::Invalid(op, why));
            }
            if let Err(why) = Self::admit_rare::<O>(self.s) {
                return Err(why.with(op));
            }
            // The push cannot fail or unwind from here on (a plain op's `prepare` runs only
            // the crate's code: its files are `Forever`, a sealed trait), so its bookkeeping
            // is done now, and the common path carries no flag past the SQE's writing.
            self.limit = limit(
                self.backpressure,
                self.entries,
                tail.wrapping_add(1),
                self.head,
            );
            if self.backpressure {
                Self::count_in(self.s);
            }
        } else if let Err(why) = self.validate(&op) {
            return Err(PushError::Invalid(op, why));
        }
        let mut op = op;
        let ring = self.ring;
        let sqe = self.claim::<O>(tail);
        op.prepare(sqe, ring);
        sqe.user_data = user_data;
        self.publish(tail);
        Ok(())
    }

    /// Submits every queued SQE; returns how many the kernel took.
    #[doc(alias = "io_uring_submit")]
    #[inline]
    pub fn submit(&mut self) -> io::Result<u32> {
        self.submit_and_wait(0)
    }

    /// Submits, then waits until at least `want` completions are in the CQ ring.
    ///
    /// With SQPOLL no system call is made unless the poller sleeps
    /// (`IORING_SQ_NEED_WAKEUP`), which is read after a full fence so that a poller going to
    /// sleep cannot miss the new tail (the race the seed commit closed in the kernel).
    ///
    /// On kernels before 5.19 the kernel refuses to submit while completions wait on its
    /// overflow list (`EBUSY`): `Ring`'s submit then reaps the CQ ring into its queue of
    /// reaped completions and retries once; a split `Submitter` cannot reap, so it returns
    /// [`SubmitBusy`] (kind `WouldBlock`) and the SQEs stay queued.
    #[doc(alias = "io_uring_submit_and_wait")]
    #[inline]
    pub fn submit_and_wait(&mut self, want: u32) -> io::Result<u32> {
        // The cached head stays as it was: the next push that finds the ring looking full
        // reads the kernel's again.
        submit_and_wait(self.s, self.tail, want)
    }
}

/// A submitter's `limit` (see the field): `head + entries`, or `tail` with backpressure.
/// The head is the kernel's, which it advances only over SQEs it has consumed (never past
/// the tail we published): every check of a free slot trusts that, as liburing's
/// `io_uring_get_sqe` does.
#[inline(always)]
fn limit(backpressure: bool, entries: u32, tail: u32, head: u32) -> u32 {
    if backpressure {
        tail
    } else {
        head.wrapping_add(entries)
    }
}

/// Publishes the SQEs up to `tail` to the kernel (release store of the tail) and enters it
/// when it must: the submit path both `Submitter` and `Ring` take, without building a half.
/// Inlined whole but for SQPOLL and errors, so that a submit is the `syscall` instruction
/// and little else.
///
/// `tail` is the submitter's: liburing's `sq.sqe_tail`, which the caller owns and has kept
/// in step (every claim writes it through), so it is not written again here.
#[inline(always)]
pub(crate) fn submit_and_wait(s: &Shared, tail: u32, want: u32) -> io::Result<u32> {
    // SAFETY: sqe_head/sqe_tail are the submitter's, and the caller is it; ktail is written
    // only by us.
    let pending = unsafe {
        let raw = s.raw.get();
        debug_assert_eq!((*raw).sq.sqe_tail, tail, "the caller's tail is liburing's");
        if (*raw).sq.sqe_head != tail {
            (*raw).sq.sqe_head = tail;
            s.sq_ktail().store(tail, Ordering::Release);
        }
        tail.wrapping_sub(s.sq_khead().load(Ordering::Acquire))
    };
    if s.setup.contains(SetupFlags::SQPOLL) {
        return submit_sqpoll(s, pending, want);
    }
    if pending == 0 && want == 0 {
        return Ok(0);
    }
    let flags = if want > 0 {
        sys::IORING_ENTER_GETEVENTS
    } else {
        0
    };
    // Looked up only now: nothing to submit or wait for makes no system call.
    let (fd, registered) = s.enter_target();
    match syscall::enter(fd, pending, want, flags | registered, std::ptr::null(), 0) {
        Ok(n) => Ok(n),
        Err(e) => Err(submit_error(e)),
    }
}

/// The SQPOLL submit: no system call unless the poller sleeps (`IORING_SQ_NEED_WAKEUP`) or
/// completions are awaited; returns what was pending (the poller takes it).
#[cold]
#[inline(never)]
fn submit_sqpoll(s: &Shared, pending: u32, want: u32) -> io::Result<u32> {
    let mut flags = 0;
    // Full fence: our tail store must be visible before we read the poller's flag, and
    // the poller's flag store before its next read of our tail.
    fence(Ordering::SeqCst);
    if s.sq_kflags().load(Ordering::Relaxed) & SqFlags::NEED_WAKEUP.bits() != 0 {
        flags |= sys::IORING_ENTER_SQ_WAKEUP;
    } else if want == 0 {
        return Ok(pending);
    }
    if want > 0 {
        flags |= sys::IORING_ENTER_GETEVENTS;
    }
    let (fd, registered) = s.enter_target();
    match syscall::enter(fd, pending, want, flags | registered, std::ptr::null(), 0) {
        Ok(_) => Ok(pending),
        Err(e) => Err(submit_error(e)),
    }
}

/// `EBUSY` (the kernel holds completions on its overflow list, before 5.19) becomes
/// [`SubmitBusy`] (kind `WouldBlock`); other errors pass.
#[cold]
#[inline(never)]
fn submit_error(e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(libc::EBUSY) {
        io::Error::new(io::ErrorKind::WouldBlock, SubmitBusy)
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::Sqe;
    use std::mem::offset_of;

    /// `to_bytes` puts each field where the kernel's layout has it.
    #[test]
    fn to_bytes_follows_the_layout() {
        let sqe = Sqe {
            opcode: 1,
            flags: 2,
            ioprio: 0x0303,
            fd: 0x0404_0404,
            off: 0x0505_0505_0505_0505,
            addr: 0x0606_0606_0606_0606,
            len: 0x0707_0707,
            op_flags: 0x0808_0808,
            user_data: 0x0909_0909_0909_0909,
            buf_index: 0x0a0a,
            personality: 0x0b0b,
            file_index: 0x0c0c_0c0c,
            addr3: 0x0d0d_0d0d_0d0d_0d0d,
            pad: 0x0e0e_0e0e_0e0e_0e0e,
        };
        let b = sqe.to_bytes();
        for (at, size, v) in [
            (offset_of!(Sqe, opcode), 1, 1u8),
            (offset_of!(Sqe, flags), 1, 2),
            (offset_of!(Sqe, ioprio), 2, 3),
            (offset_of!(Sqe, fd), 4, 4),
            (offset_of!(Sqe, off), 8, 5),
            (offset_of!(Sqe, addr), 8, 6),
            (offset_of!(Sqe, len), 4, 7),
            (offset_of!(Sqe, op_flags), 4, 8),
            (offset_of!(Sqe, user_data), 8, 9),
            (offset_of!(Sqe, buf_index), 2, 10),
            (offset_of!(Sqe, personality), 2, 11),
            (offset_of!(Sqe, file_index), 4, 12),
            (offset_of!(Sqe, addr3), 8, 13),
            (offset_of!(Sqe, pad), 8, 14),
        ] {
            assert!(
                b[at..at + size].iter().all(|&x| x == v),
                "field at {at}: {b:?}"
            );
        }
    }

    /// The second half of a 128-byte slot is zeroed for the opcodes that use it and only
    /// them: the driver commands and the 128-byte NOP.
    #[test]
    fn second_half_opcodes() {
        let used = [
            crate::sys::IORING_OP_URING_CMD,
            crate::sys::IORING_OP_URING_CMD128,
            crate::sys::IORING_OP_NOP128,
        ];
        assert_eq!(used.map(|o| o as u8), [46, 64, 63]);
        for op in 0..=u8::MAX {
            let expect = used.iter().any(|&o| o as u8 == op);
            assert_eq!(super::reads_second_half(op), expect, "opcode {op}");
        }
    }
}
