//! The submission side: SQE slots, publishing the tail, submit, and the SQPOLL wake-up.
//!
//! The state is liburing's own (`sq.sqe_head` / `sq.sqe_tail` in `struct io_uring`), so raw
//! liburing calls and this layer can be mixed on one ring; the shared indices are read and
//! written with acquire/release atomics.

use crate::error::{PushError, SubmitBusy};
use crate::flags::{SetupFlags, SqFlags};
use crate::inflight::MANAGED;
use crate::op::private::Sealed;
use crate::op::{Op, Unmanaged};
use crate::ring::Shared;
use crate::{sys, syscall, Ticket};
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::{fence, Ordering};

/// A submission queue entry in the kernel's ABI layout (`struct io_uring_sqe`, 64 bytes),
/// written by the ops as one whole value. Named fields instead of bindgen's (whose anonymous
/// unions are numbered differently by every liburing release).
#[doc(hidden)]
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct Sqe {
    pub opcode: u8,
    pub flags: u8,
    pub ioprio: u16,
    pub fd: i32,
    pub off: u64,
    pub addr: u64,
    pub len: u32,
    pub op_flags: u32,
    pub user_data: u64,
    pub buf_index: u16,
    pub personality: u16,
    pub file_index: u32,
    pub addr3: u64,
    pub pad: u64,
}

impl Sqe {
    /// `sqe->fd` from an op's file, with `IOSQE_FIXED_FILE` when it is a registered slot:
    /// the flag comes from the type, never from the user.
    #[inline(always)]
    pub(crate) fn set_fd<F: crate::fd::IoFd>(&mut self, file: &F) {
        let (fd, fixed) = file.sqe_fd();
        self.fd = fd;
        if fixed {
            self.flags |= crate::SqeFlags::FIXED_FILE.bits();
        }
    }
}

const _: () = assert!(std::mem::size_of::<Sqe>() == std::mem::size_of::<sys::io_uring_sqe>());
const _: () = assert!(std::mem::offset_of!(Sqe, user_data) == 32);

/// `IORING_OP_URING_CMD` (5.19), spelled out: headers older than it lack the constant.
const URING_CMD: u8 = 46;

/// The submitting half of a ring: queues operations and submits them. Obtained from
/// [`Ring::split`](crate::Ring::split) (or used implicitly by `Ring`'s own methods). It may
/// live on another thread than the [`Completer`](crate::Completer).
pub struct Submitter<'a> {
    pub(crate) s: &'a Shared,
    // Not Sync: two threads must not share one submitter.
    pub(crate) _not_sync: PhantomData<std::cell::Cell<()>>,
}

impl Submitter<'_> {
    /// A free SQE slot, or `None` when the SQ is full. The slot belongs to us until the
    /// tail is published, so a `&mut` to it is exclusive.
    #[inline(always)]
    pub(crate) fn next_slot<O: Sealed>(&mut self) -> Option<&mut Sqe> {
        let tail = self.free_slot()?;
        Some(self.claim::<O>(tail))
    }

    /// The tail index of a free SQE slot, or `None` when the SQ is full (one acquire load of
    /// the kernel's head). Nothing is taken until [`claim`](Self::claim).
    #[inline(always)]
    fn free_slot(&self) -> Option<u32> {
        let s = self.s;
        let head = s.sq_khead().load(Ordering::Acquire);
        // SAFETY: a plain read of our own index; only the submitter writes it.
        let tail = unsafe { (*s.raw.get()).sq.sqe_tail };
        (tail.wrapping_sub(head) < s.sq_entries).then_some(tail)
    }

    /// Takes the slot `free_slot` found, for an op of type `O`.
    #[inline(always)]
    fn claim<O: Sealed>(&mut self, tail: u32) -> &mut Sqe {
        let s = self.s;
        // Ops fill only the first 64 bytes. On SQE128 rings a driver command (URING_CMD)
        // also reads the second half, which must then not carry what an earlier raw SQE
        // left there (stale buffer addresses included): it is zeroed for those ops only,
        // a test the compiler removes for every other op.
        let clear_second_half = O::OPCODE == URING_CMD && s.sqe_shift != 0;
        // SAFETY: only the submitter touches sq.sqe_tail (we hold the unique submitter), and
        // `tail` came from free_slot with no claim in between, so the slot is free and ours
        // (two `Sqe`s long when sqe_shift is 1).
        unsafe {
            (*s.raw.get()).sq.sqe_tail = tail.wrapping_add(1);
            let index = ((tail & s.sq_mask) as usize) << s.sqe_shift;
            if clear_second_half {
                s.sqes.add(index + 1).write(Sqe::default());
            }
            s.sqes.add(index).as_mut()
        }
    }

    /// Free slots in the submission queue.
    #[doc(alias = "io_uring_sq_space_left")]
    pub fn sq_space_left(&self) -> u32 {
        let head = self.s.sq_khead().load(Ordering::Acquire);
        // SAFETY: a plain read of our own index; only the submitter writes it.
        let tail = unsafe { (*self.s.raw.get()).sq.sqe_tail };
        self.s.sq_entries - tail.wrapping_sub(head)
    }

    /// Entries queued but not yet consumed by the kernel.
    #[doc(alias = "io_uring_sq_ready")]
    pub fn sq_ready(&self) -> u32 {
        let head = self.s.sq_khead().load(Ordering::Acquire);
        // SAFETY: as in `sq_space_left`.
        let tail = unsafe { (*self.s.raw.get()).sq.sqe_tail };
        tail.wrapping_sub(head)
    }

    /// Whether the backpressure cap is reached (only called when backpressure is on).
    fn backpressure_full(&self, cap: u32) -> bool {
        let s = self.s;
        s.submitted
            .load(Ordering::Relaxed)
            .wrapping_sub(s.completed.load(Ordering::Relaxed))
            >= cap
    }

    /// Counts one more expected CQE. Only the submitter writes `submitted`.
    fn count_in(&self) {
        let n = self.s.submitted.load(Ordering::Relaxed);
        self.s.submitted.store(n.wrapping_add(1), Ordering::Relaxed);
    }

    /// Whether the kernel's probe lists this opcode (read once at setup).
    #[inline(always)]
    fn supported(&self, opcode: u8) -> bool {
        self.s.supported_ops[usize::from(opcode >> 6)] & (1u64 << (opcode & 63)) != 0
    }

    /// The rare checks, in one place: unsupported op, backpressure (counted here: callers
    /// hold a free slot already). Returns the op back when it must not be queued.
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
            self.count_in();
        }
        Ok(op)
    }

    /// The op's own push-time checks (its flag words against their reviewed bits, its
    /// registered slots and buffer rings against this ring): a constant `false` for ops
    /// with nothing to check, so they pay nothing.
    #[inline(always)]
    fn check<O: Sealed>(&self, op: O) -> Result<O, PushError<O>> {
        if O::VALIDATES {
            if let Err(why) = op.validate(self.s.id) {
                return Err(PushError::Invalid(op, why));
            }
        }
        Ok(op)
    }

    /// Queues a managed operation: the ring keeps its buffers and files alive until the
    /// kernel is done; [`Ring::finish`](crate::Ring::finish) hands them back with the result.
    /// Nothing reaches the kernel before [`submit`](Self::submit).
    #[doc(alias = "io_uring_get_sqe")]
    #[inline]
    pub fn push<O: Op>(&mut self, op: O) -> Result<Ticket<O>, PushError<O>> {
        let Some(tail) = self.free_slot() else {
            return Err(PushError::SqFull(op));
        };
        let op = self.check(op)?;
        let op = if !self.supported(O::OPCODE) | self.s.backpressure.is_some() {
            self.admit(op)?
        } else {
            op
        };
        // Box first: the SQE then points into the heap, which stays put when the box moves
        // into the in-flight table.
        let mut boxed = Box::new(op);
        let s = self.s;
        let sqe = self.claim::<O>(tail);
        boxed.prepare(sqe, s.id);
        let token = s.inflight().insert(boxed);
        sqe.user_data = token;
        Ok(Ticket::new(token, s.id))
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
        // One branch for everything rare.
        if (user_data & MANAGED != 0) | !self.supported(O::OPCODE) | self.s.backpressure.is_some() {
            return self.push_with_user_data_rare(op, user_data);
        }
        let Some(tail) = self.free_slot() else {
            return Err(PushError::SqFull(op));
        };
        let mut op = self.check(op)?;
        let ring = self.s.id;
        let sqe = self.claim::<O>(tail);
        op.prepare(sqe, ring);
        sqe.user_data = user_data;
        Ok(())
    }

    /// `push_with_user_data` when a rare check applies: reserved user_data, an op the probe
    /// did not list, or backpressure. Same order of errors as the common path.
    #[cold]
    #[inline(never)]
    fn push_with_user_data_rare<O: Unmanaged>(
        &mut self,
        op: O,
        user_data: u64,
    ) -> Result<(), PushError<O>> {
        if user_data & MANAGED != 0 {
            return Err(PushError::ReservedUserData(op));
        }
        let Some(tail) = self.free_slot() else {
            return Err(PushError::SqFull(op));
        };
        let op = self.check(op)?;
        let mut op = self.admit(op)?;
        let ring = self.s.id;
        let sqe = self.claim::<O>(tail);
        op.prepare(sqe, ring);
        sqe.user_data = user_data;
        Ok(())
    }

    /// Publishes the queued SQEs to the kernel (release store of the tail); returns how
    /// many are waiting for the kernel.
    #[inline]
    fn flush(&mut self) -> u32 {
        let s = self.s;
        // SAFETY: sqe_head/sqe_tail are the submitter's; ktail is written only by us.
        unsafe {
            let raw = s.raw.get();
            let tail = (*raw).sq.sqe_tail;
            if (*raw).sq.sqe_head != tail {
                (*raw).sq.sqe_head = tail;
                s.sq_ktail().store(tail, Ordering::Release);
            }
            tail.wrapping_sub(s.sq_khead().load(Ordering::Acquire))
        }
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
        let s = self.s;
        let pending = self.flush();
        let mut flags = 0;
        let sqpoll = s.setup.contains(SetupFlags::SQPOLL);
        if sqpoll {
            // Full fence: our tail store must be visible before we read the poller's flag,
            // and the poller's flag store before its next read of our tail.
            fence(Ordering::SeqCst);
            if s.sq_kflags().load(Ordering::Relaxed) & SqFlags::NEED_WAKEUP.bits() != 0 {
                flags |= sys::IORING_ENTER_SQ_WAKEUP;
            } else if want == 0 {
                return Ok(pending);
            }
        } else if pending == 0 && want == 0 {
            return Ok(0);
        }
        if want > 0 {
            flags |= sys::IORING_ENTER_GETEVENTS;
        }
        // Looked up only now: the SQPOLL fast path above makes no system call.
        let (fd, registered) = s.enter_target();
        match syscall::enter(fd, pending, want, flags | registered, std::ptr::null(), 0) {
            Ok(n) => Ok(if sqpoll { pending } else { n }),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                Err(io::Error::new(io::ErrorKind::WouldBlock, SubmitBusy))
            }
            Err(e) => Err(e),
        }
    }
}
