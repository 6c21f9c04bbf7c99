//! `Ring`, its builder, `Drop`, and the split into a submitter and a completer.

use crate::cq::{Completer, Cqe};
use crate::error::{NotCompleted, PushError, SubmitBusy};
use crate::flags::{Features, SetupFlags, SqFlags};
use crate::mapped::{RegisteredRingFd, Shared};
use crate::op::{Multishot, Op, Shot, Unmanaged};
use crate::sq::{Sqe, Submitter};
use crate::table::{Table, INTERNAL};
use crate::{error, sys, Ticket};
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::io;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static NEXT_RING_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// How long `Drop` waits for cancelled operations before leaking their memory.
const DROP_REAP_TIMEOUT: Duration = Duration::from_secs(2);

/// Builds a [`Ring`]: `io_uring_queue_init_params` with the chosen setup flags.
#[derive(Debug, Clone)]
#[must_use]
pub struct Builder {
    entries: u32,
    params: ParamsSpec,
    backpressure: bool,
    force_direct_flush: bool,
    pretend_unsupported: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
struct ParamsSpec {
    flags: SetupFlags,
    cq_entries: u32,
    sq_thread_idle: u32,
    sq_thread_cpu: u32,
    /// The ring whose io-wq to share (`ATTACH_WQ`): a duplicate the builder owns, so the
    /// number still names that ring when `build` runs; or the error the duplication met.
    wq: Option<Result<std::sync::Arc<OwnedFd>, io::ErrorKind>>,
}

impl Builder {
    /// Submission queue entries (rounded up to a power of two by the kernel).
    pub fn entries(mut self, entries: u32) -> Self {
        self.entries = entries;
        self
    }

    /// Completion queue entries (`IORING_SETUP_CQSIZE`); default is twice `entries`.
    pub fn cq_entries(mut self, n: u32) -> Self {
        self.params.cq_entries = n;
        self.params.flags |= SetupFlags::CQSIZE;
        self
    }

    /// A kernel thread polls the SQ (`IORING_SETUP_SQPOLL`), sleeping after `idle`.
    pub fn sqpoll(mut self, idle: Duration) -> Self {
        self.params.flags |= SetupFlags::SQPOLL;
        self.params.sq_thread_idle = idle.as_millis().min(u32::MAX as u128) as u32;
        self
    }

    /// Pins the SQPOLL thread to a CPU (`IORING_SETUP_SQ_AFF`).
    pub fn sqpoll_cpu(mut self, cpu: u32) -> Self {
        self.params.flags |= SetupFlags::SQ_AFF;
        self.params.sq_thread_cpu = cpu;
        self
    }

    /// `IORING_SETUP_SINGLE_ISSUER` (6.0): only the creating thread submits.
    pub fn single_issuer(mut self) -> Self {
        self.params.flags |= SetupFlags::SINGLE_ISSUER;
        self
    }

    /// `IORING_SETUP_DEFER_TASKRUN` (6.1, implies `SINGLE_ISSUER`): completions are posted
    /// only when the submitter thread enters the kernel; peek does that when the ring is empty.
    pub fn defer_taskrun(mut self) -> Self {
        self.params.flags |= SetupFlags::DEFER_TASKRUN | SetupFlags::SINGLE_ISSUER;
        self
    }

    /// `IORING_SETUP_COOP_TASKRUN` (5.19), with `IORING_SETUP_TASKRUN_FLAG` so that peek
    /// sees `IORING_SQ_TASKRUN` and enters when task work is pending.
    pub fn coop_taskrun(mut self) -> Self {
        self.params.flags |= SetupFlags::COOP_TASKRUN | SetupFlags::TASKRUN_FLAG;
        self
    }

    /// `IORING_SETUP_CLAMP` (5.6): clamp sizes instead of failing with `EINVAL`.
    pub fn clamp(mut self) -> Self {
        self.params.flags |= SetupFlags::CLAMP;
        self
    }

    /// `IORING_SETUP_IOPOLL` (5.1): busy-poll completions (O_DIRECT files only).
    pub fn iopoll(mut self) -> Self {
        self.params.flags |= SetupFlags::IOPOLL;
        self
    }

    /// `IORING_SETUP_ATTACH_WQ` (5.6): share the io-wq worker pool of another ring.
    /// The builder keeps its own duplicate of `other` (so the number cannot come to name
    /// another file before [`build`](Self::build)); a failed duplication is reported there.
    pub fn attach_wq(mut self, other: BorrowedFd<'_>) -> Self {
        self.params.flags |= SetupFlags::ATTACH_WQ;
        self.params.wq = Some(
            other
                .try_clone_to_owned()
                .map(std::sync::Arc::new)
                .map_err(|e| e.kind()),
        );
        self
    }

    /// `IORING_SETUP_R_DISABLED` (5.10): the ring starts disabled. Submitting fails with
    /// `EBADFD` (the SQEs stay queued) until [`Ring::enable_rings`]; meanwhile
    /// [`Ring::register_restrictions`] may limit what the ring will accept. Register
    /// operations still work while disabled (the probe read at [`build`](Self::build) too).
    pub fn r_disabled(mut self) -> Self {
        self.params.flags |= SetupFlags::R_DISABLED;
        self
    }

    /// Other setup flags. [`build`](Self::build) accepts only those this crate and the
    /// linked liburing both handle (see [`SetupFlags`]: `SQE128` / `CQE32` need liburing
    /// 2.2+, `NO_SQARRAY` 2.5+; `NO_MMAP`, `REGISTERED_FD_ONLY`, `CQE_MIXED`, `SQE_MIXED`
    /// are never accepted, and `ATTACH_WQ` only through [`attach_wq`](Self::attach_wq));
    /// any other bit is an `InvalidInput` error naming it, before the kernel sees anything.
    pub fn setup_flags(mut self, flags: SetupFlags) -> Self {
        self.params.flags |= flags;
        self
    }

    /// Backpressure: refuse pushes ([`PushError::Backpressure`]) once as many operations
    /// are in flight as the CQ ring holds, so the CQ can never overflow. Counts one CQE per
    /// SQE (a multishot op counts until its last CQE); do not combine with
    /// `IOSQE_CQE_SKIP_SUCCESS`, whose successes post nothing to count down.
    pub fn backpressure(mut self, on: bool) -> Self {
        self.backpressure = on;
        self
    }

    /// Test switch: flush the overflow list with a direct `io_uring_enter` even where the
    /// linked liburing has `io_uring_get_events`, so both paths are tested on every build.
    #[doc(hidden)]
    pub fn force_direct_flush(mut self, on: bool) -> Self {
        self.force_direct_flush = on;
        self
    }

    /// Test seam: treat `opcode` as missing from the kernel's probe.
    #[doc(hidden)]
    pub fn pretend_unsupported(mut self, opcode: u8) -> Self {
        self.pretend_unsupported.push(opcode);
        self
    }

    /// Creates the ring.
    #[doc(alias = "io_uring_queue_init_params")]
    #[doc(alias = "io_uring_queue_init")]
    pub fn build(self) -> io::Result<Ring> {
        setup_flags_ok(self.params.flags, self.params.wq.is_some())?;
        let wq_fd = match &self.params.wq {
            None => 0,
            Some(Ok(fd)) => fd.as_raw_fd() as u32,
            Some(Err(kind)) => {
                return Err(io::Error::new(
                    *kind,
                    "attach_wq: duplicating the other ring's fd failed",
                ))
            }
        };
        let mut params = crate::setup::Params {
            flags: self.params.flags.bits(),
            cq_entries: self.params.cq_entries,
            sq_thread_idle: self.params.sq_thread_idle,
            sq_thread_cpu: self.params.sq_thread_cpu,
            wq_fd,
            ..Default::default()
        };
        let raw: UnsafeCell<sys::io_uring> = UnsafeCell::new(Default::default());
        let boxed = Box::new(raw);
        // SAFETY: a zeroed io_uring and params, both live for the call; liburing fills the
        // ring in on success and leaves nothing to clean up on failure.
        let ret = unsafe { crate::setup::queue_init(self.entries, boxed.get(), &mut params) };
        error::cvt(ret)?;
        let mut ring =
            Ring::from_initialised(*boxed, &params, self.backpressure, self.force_direct_flush);
        // Read the probe once (kernels before 5.6 have none: everything counts as supported).
        if let Ok(probe) = ring.probe() {
            ring.s.supported_ops = [0; 4];
            for &op in probe.supported() {
                ring.s.supported_ops[usize::from(op >> 6)] |= 1u64 << (op & 63);
            }
        }
        for &op in &self.pretend_unsupported {
            ring.s.supported_ops[usize::from(op >> 6)] &= !(1u64 << (op & 63));
        }
        ring.s.rare_ops = if ring.s.backpressure.is_some() {
            [u64::MAX; 4]
        } else {
            ring.s.supported_ops.map(|w| !w)
        };
        Ok(ring)
    }
}

/// Setup flags, with what each needs of the crate and the linked liburing. Everything not
/// listed (`NO_MMAP`, `REGISTERED_FD_ONLY`, `CQE_MIXED`, `SQE_MIXED`, bits the crate has not
/// reviewed) is refused: a ring set up in a layout the crate does not read right would make
/// it read SQ/CQ memory wrongly (`NO_SQARRAY` with a liburing that does not know it writes
/// its SQ index array over the ring header).
const SETUP_FLAGS: &[(u32, &str, Option<&str>)] = &[
    (1 << 0, "IORING_SETUP_IOPOLL", None),
    (1 << 1, "IORING_SETUP_SQPOLL", None),
    (1 << 2, "IORING_SETUP_SQ_AFF", None),
    (1 << 3, "IORING_SETUP_CQSIZE", None),
    (1 << 4, "IORING_SETUP_CLAMP", None),
    (1 << 5, "IORING_SETUP_ATTACH_WQ", None),
    (1 << 6, "IORING_SETUP_R_DISABLED", None),
    (1 << 7, "IORING_SETUP_SUBMIT_ALL", None),
    (1 << 8, "IORING_SETUP_COOP_TASKRUN", None),
    (1 << 9, "IORING_SETUP_TASKRUN_FLAG", None),
    (1 << 10, "IORING_SETUP_SQE128", SQE128_LIBURING),
    (1 << 11, "IORING_SETUP_CQE32", SQE128_LIBURING),
    (1 << 12, "IORING_SETUP_SINGLE_ISSUER", None),
    (1 << 13, "IORING_SETUP_DEFER_TASKRUN", None),
    (1 << 16, "IORING_SETUP_NO_SQARRAY", NO_SQARRAY_LIBURING),
    (1 << 17, "IORING_SETUP_HYBRID_IOPOLL", None),
];

/// `Some(why)` where the linked liburing (before 2.2, which sized the rings for them) would
/// map the rings of a 128-byte-SQE / 32-byte-CQE ring too small.
const SQE128_LIBURING: Option<&str> = if cfg!(liburing_has = "io_uring_register_ring_fd") {
    None
} else {
    Some("needs liburing 2.2+ (older releases map 64-byte SQEs / 16-byte CQEs only)")
};

/// `Some(why)` where the linked liburing (before 2.5) would write an SQ index array the
/// kernel did not map.
const NO_SQARRAY_LIBURING: Option<&str> = if cfg!(liburing_has = "io_uring_queue_init_mem") {
    None
} else {
    Some("needs liburing 2.5+ (older releases write the SQ index array the kernel did not map)")
};

const NEVER: &[(u32, &str, &str)] = &[
    (
        1 << 14,
        "IORING_SETUP_NO_MMAP",
        "the crate does not provide the ring memory",
    ),
    (
        1 << 15,
        "IORING_SETUP_REGISTERED_FD_ONLY",
        "the ring would have no fd for the crate to use",
    ),
    (
        1 << 18,
        "IORING_SETUP_CQE_MIXED",
        "the crate reads fixed-size CQEs (a mixed ring would be misframed)",
    ),
    (
        1 << 19,
        "IORING_SETUP_SQE_MIXED",
        "the crate writes fixed-size SQEs (a mixed ring would be misframed)",
    ),
];

fn setup_flags_ok(flags: SetupFlags, attach_wq_given: bool) -> io::Result<()> {
    let refuse = |msg: String| Err(io::Error::new(io::ErrorKind::InvalidInput, msg));
    let mut rest = flags.bits();
    if rest & SetupFlags::ATTACH_WQ.bits() != 0 && !attach_wq_given {
        return refuse(
            "IORING_SETUP_ATTACH_WQ only through Builder::attach_wq (the flag alone would \
             attach to whatever fd 0 is)"
                .into(),
        );
    }
    for &(bit, name, why) in NEVER {
        if rest & bit != 0 {
            return refuse(format!("{name} is not supported: {why}"));
        }
    }
    for &(bit, name, needs) in SETUP_FLAGS {
        if rest & bit != 0 {
            if let Some(why) = needs {
                return refuse(format!("{name} {why}"));
            }
            rest &= !bit;
        }
    }
    if rest != 0 {
        return refuse(format!(
            "setup flags {rest:#x} are not known to this crate (refused rather than passed on)"
        ));
    }
    Ok(())
}

/// An io_uring instance: owned, `Send` and `Sync` (every mutation takes `&mut self`).
/// Dropping it cancels what is still in flight, waits (bounded) for those completions, leaks
/// the memory of any op the kernel has not let go of, then `io_uring_queue_exit`s.
///
/// On `SINGLE_ISSUER` / `DEFER_TASKRUN` rings the kernel allows only the creating thread to
/// submit (and, for `DEFER_TASKRUN`, to reap): other threads get `EEXIST` as an `io::Error`.
///
/// # Example
/// Owned ops hand their buffers back with the result; unmanaged ones (a `Nop` here) carry
/// your own `user_data` and come back through [`peek`](Ring::peek) / [`wait`](Ring::wait),
/// the way liburing's `io_uring_peek_cqe` / `io_uring_wait_cqe` return them.
/// ```
/// # #[cfg(not(liburing_has = "io_uring_prep_write"))]
/// # fn main() {}
/// # #[cfg(liburing_has = "io_uring_prep_write")]
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::op::{Nop, Write};
/// use system_liburing::Ring;
/// let mut ring = Ring::builder().entries(8).build()?; // io_uring_queue_init_params
///
/// // An owned op: push, then wait for its ticket; the file and the buffer come back.
/// let file = std::fs::File::options().write(true).open("/dev/null")?;
/// let ticket = ring.push(Write::new(file, b"hello".to_vec(), 0))?;
/// let (written, _file, buf) = ring.wait_for(ticket)?;
/// assert_eq!((written?, buf.as_slice()), (5, &b"hello"[..]));
///
/// // The C way: your user_data, submit, then reap the CQE yourself.
/// ring.push_with_user_data(Nop::new(), 42)?;
/// ring.submit()?;
/// let cqe = ring.wait()?;
/// assert_eq!(cqe.user_data(), 42);
/// assert_eq!(cqe.result()?, 0); // cqe->res, as an io::Result
/// # Ok(()) }
/// ```
pub struct Ring {
    // Boxed: the halves and liburing hold its address.
    pub(crate) s: Box<Shared>,
}

impl Ring {
    /// A ring with `entries` SQ entries and default settings.
    #[doc(alias = "io_uring_queue_init")]
    pub fn new(entries: u32) -> io::Result<Ring> {
        Ring::builder().entries(entries).build()
    }

    /// A builder with 128 entries and default settings.
    pub fn builder() -> Builder {
        Builder {
            entries: 128,
            params: ParamsSpec::default(),
            backpressure: false,
            force_direct_flush: false,
            pretend_unsupported: Vec::new(),
        }
    }

    fn from_initialised(
        raw: UnsafeCell<sys::io_uring>,
        params: &crate::setup::Params,
        backpressure: bool,
        force_direct_flush: bool,
    ) -> Ring {
        let r = raw.get();
        // SAFETY: liburing initialised the ring: its pointers map the live rings.
        unsafe {
            let setup = SetupFlags::from_bits_retain((*r).flags);
            let sq_entries = *(*r).sq.kring_entries;
            let sq_mask = *(*r).sq.kring_mask;
            let cq_entries = *(*r).cq.kring_entries;
            let cq_mask = *(*r).cq.kring_mask;
            // liburing >= 2.2 fills the SQ index array with the identity at setup; older ones
            // write it at every submit. Doing it once here lets our submit skip it on every
            // version. (Rings set up without the array leave the pointer null.)
            let array = (*r).sq.array;
            if !array.is_null() {
                for i in 0..sq_entries {
                    AtomicU32::from_ptr(array.add(i as usize)).store(i, Ordering::Release);
                }
            }
            let ring_fd = (*r).ring_fd;
            let id = NEXT_RING_ID.fetch_add(1, Ordering::Relaxed);
            Ring {
                s: Box::new(Shared {
                    setup,
                    features: Features::from_bits_retain(params.features),
                    ring_fd,
                    registered: None,
                    sq_mask,
                    sq_entries,
                    cq_mask,
                    cq_entries,
                    cqe_shift: u32::from(setup.contains(SetupFlags::CQE32)),
                    sqe_byte_shift: crate::sq::SQE_LOG2
                        + u32::from(setup.contains(SetupFlags::SQE128)),
                    cqe_byte_shift: crate::cq::CQE_LOG2
                        + u32::from(setup.contains(SetupFlags::CQE32)),
                    // Non-null once io_uring_queue_init_params succeeded: the SQE array is mapped.
                    sqes: std::ptr::NonNull::new_unchecked((*r).sq.sqes.cast()),
                    cqes: (*r).cq.cqes.cast(),
                    sq_khead: (*r).sq.khead.cast(),
                    sq_ktail: (*r).sq.ktail.cast(),
                    sq_kflags: (*r).sq.kflags.cast(),
                    cq_khead: (*r).cq.khead.cast(),
                    cq_ktail: (*r).cq.ktail.cast(),
                    cq_koverflow: (*r).cq.koverflow.cast(),
                    always_enter_for_cq: setup
                        .intersects(SetupFlags::DEFER_TASKRUN | SetupFlags::IOPOLL),
                    force_direct_flush,
                    backpressure: backpressure.then_some(cq_entries),
                    submitted: AtomicU32::new(0),
                    completed: AtomicU32::new(0),
                    table: UnsafeCell::new(Table::default()),
                    table_lock: Mutex::new(()),
                    reaped: UnsafeCell::new(VecDeque::new()),
                    reaped_big: UnsafeCell::new(VecDeque::new()),
                    buffer_table: false,
                    buffer_pools: Vec::new(),
                    buf_rings: Vec::new(),
                    id,
                    home: crate::table::Home::new(id),
                    supported_ops: [u64::MAX; 4],
                    rare_ops: if backpressure { [u64::MAX; 4] } else { [0; 4] },
                    raw,
                }),
            }
        }
    }

    /// The submitting half, borrowed.
    #[inline]
    pub fn submitter(&mut self) -> Submitter<'_> {
        Submitter::new(&self.s, false)
    }

    /// The completing half, borrowed.
    #[inline]
    pub fn completer(&mut self) -> Completer<'_> {
        Completer {
            s: &self.s,
            locked: false,
            _not_sync: PhantomData,
        }
    }

    /// Splits the ring into a submitter and a completer that may live on two threads
    /// (liburing's one-submitter / one-completer rule, enforced by the borrow checker).
    pub fn split(&mut self) -> (Submitter<'_>, Completer<'_>) {
        (
            Submitter::new(&self.s, true),
            Completer {
                s: &self.s,
                locked: true,
                _not_sync: PhantomData,
            },
        )
    }

    /// Setup flags in effect (as the kernel and liburing applied them).
    pub fn setup_flags(&self) -> SetupFlags {
        self.s.setup
    }

    /// What the kernel offers (`io_uring_params.features`).
    pub fn features(&self) -> Features {
        self.s.features
    }

    /// The SQ ring's flags word, read now (acquire).
    pub fn sq_flags(&self) -> SqFlags {
        SqFlags::from_bits_retain(self.s.sq_kflags().load(Ordering::Acquire))
    }

    /// SQ and CQ ring sizes.
    pub fn sizes(&self) -> (u32, u32) {
        (self.s.sq_entries, self.s.cq_entries)
    }

    /// The kernel's CQ overflow counter (`cq.koverflow`): completions it could not post
    /// (with `IORING_FEAT_NODROP` they wait on the overflow list instead; see
    /// [`CqesDropped`](crate::CqesDropped)).
    pub fn cq_overflow(&self) -> u32 {
        self.s.cq_overflow()
    }

    /// Managed operations whose completion has not been reaped.
    pub fn in_flight(&self) -> usize {
        self.s.table_ref().pending()
    }

    /// liburing's `struct io_uring`, for calling any `sys` function on this ring.
    /// Mixing raw SQE/CQE handling with this crate's is supported (the indices are
    /// liburing's own); what the raw code does is its responsibility.
    pub fn as_raw_mut(&mut self) -> *mut sys::io_uring {
        self.s.raw.get()
    }

    /// Queues a managed operation. See [`Submitter::push`].
    #[doc(alias = "io_uring_get_sqe")]
    #[inline(always)]
    pub fn push<O: Op>(&mut self, op: O) -> Result<Ticket<O>, PushError<O>> {
        self.submitter().push(op)
    }

    /// Queues a managed operation under your tag (C's user_data). See
    /// [`Submitter::push_tagged`] and [`next_completion`](Self::next_completion).
    #[doc(alias = "io_uring_sqe_set_data64")]
    #[inline(always)]
    pub fn push_tagged<O: Op>(&mut self, op: O, tag: u64) -> Result<(), PushError<O>> {
        self.submitter().push_tagged(op, tag)
    }

    /// The next completion, dispatched: a tagged op's hands its op back. See
    /// [`Completer::next_completion`] and [`Completion`](crate::Completion).
    #[inline]
    pub fn next_completion(&mut self) -> io::Result<Option<crate::Completion<'_>>> {
        let d = self.completer().next_dispatched()?;
        Ok(d.map(|(cqe, token)| crate::Completion::reaped(cqe, token, &self.s, false)))
    }

    /// Blocks for the next completion, dispatched. See [`Completer::wait_completion`].
    pub fn wait_completion(&mut self) -> io::Result<crate::Completion<'_>> {
        loop {
            if let Some((cqe, token)) = self.completer().next_dispatched()? {
                return Ok(crate::Completion::reaped(cqe, token, &self.s, false));
            }
            self.completer().wait_for_one()?;
        }
    }

    /// Queues an operation that owns no memory under your user_data. See
    /// [`Submitter::push_with_user_data`].
    #[doc(alias = "io_uring_sqe_set_data64")]
    #[inline(always)]
    pub fn push_with_user_data<O: Unmanaged>(
        &mut self,
        op: O,
        user_data: u64,
    ) -> Result<(), PushError<O>> {
        self.submitter().push_with_user_data(op, user_data)
    }

    /// Submits the queued SQEs. On `EBUSY` (older kernels, overflow list non-empty) it
    /// reaps everything into the queue that peek reads first, then retries once; a second
    /// `EBUSY` is [`SubmitBusy`] (kind `WouldBlock`).
    #[doc(alias = "io_uring_submit")]
    #[inline]
    pub fn submit(&mut self) -> io::Result<u32> {
        self.submit_and_wait(0)
    }

    /// Submits and waits for `want` completions; `EBUSY` handled as in [`submit`](Self::submit).
    #[doc(alias = "io_uring_submit_and_wait")]
    #[inline]
    pub fn submit_and_wait(&mut self, want: u32) -> io::Result<u32> {
        let first = self.submit_queued(want);
        match first {
            Err(e) if SubmitBusy::is(&e) => {
                self.completer().reap_all_into_queue()?;
                self.submit_queued(want)
            }
            r => r,
        }
    }

    /// The submit path without building a `Submitter`: the tail is liburing's own.
    #[inline]
    fn submit_queued(&mut self, want: u32) -> io::Result<u32> {
        // SAFETY: `&mut self`: no submitter exists, so the tail is ours to read.
        let tail = unsafe { (*self.s.raw.get()).sq.sqe_tail };
        crate::sq::submit_and_wait(&self.s, tail, want)
    }

    /// The next completion, flushing the kernel's overflow list / task work when the ring
    /// is empty. See [`Completer::peek`].
    #[doc(alias = "io_uring_peek_cqe")]
    #[inline(always)]
    pub fn peek(&mut self) -> io::Result<Option<Cqe>> {
        self.completer().peek()
    }

    /// Blocks for one completion. See [`Completer::wait`].
    #[doc(alias = "io_uring_wait_cqe")]
    pub fn wait(&mut self) -> io::Result<Cqe> {
        self.completer().wait()
    }

    /// Waits up to `timeout`. See [`Completer::wait_timeout`].
    #[doc(alias = "io_uring_wait_cqe_timeout")]
    pub fn wait_timeout(&mut self, timeout: Duration) -> io::Result<Option<Cqe>> {
        self.completer().wait_timeout(timeout)
    }

    /// Blocks until `n` completions are ready. See [`Completer::wait_nr`].
    #[doc(alias = "io_uring_wait_cqe_nr")]
    pub fn wait_nr(&mut self, n: u32) -> io::Result<u32> {
        self.completer().wait_nr(n)
    }

    /// The CQ ring as a batch: see [`CompletionQueue`](crate::CompletionQueue).
    #[doc(alias = "io_uring_for_each_cqe")]
    #[inline]
    pub fn completions(&mut self) -> crate::CompletionQueue<'_> {
        crate::CompletionQueue::new(self.completer())
    }

    /// Completions ready without entering the kernel.
    #[doc(alias = "io_uring_cq_ready")]
    pub fn cq_ready(&mut self) -> u32 {
        self.completer().cq_ready()
    }

    /// Copies a run of completions out, advancing the head once. See [`Completer::drain`].
    #[doc(alias = "io_uring_peek_batch_cqe")]
    #[inline]
    pub fn drain(&mut self, out: &mut [Cqe]) -> io::Result<usize> {
        self.completer().drain(out)
    }

    /// Hands back a managed operation's buffers with its result, once its CQE has been
    /// reaped (by peek, wait, drain...). Before that the ticket comes back in the error.
    pub fn finish<O: Op>(
        &mut self,
        ticket: Ticket<O>,
    ) -> Result<O::Output, NotCompleted<Ticket<O>>> {
        finish_in(&mut self.s, ticket)
    }

    /// Submits and blocks until this operation completes, then finishes it. Other
    /// completions reaped meanwhile are kept, in order, for the next peeks. Another ring's
    /// ticket is `InvalidInput` (and changes nothing).
    pub fn wait_for<O: Op>(&mut self, ticket: Ticket<O>) -> io::Result<O::Output> {
        if ticket.ring() != self.s.id {
            return Err(NotCompleted::foreign(ticket).into());
        }
        let token = ticket.user_data();
        let mut ticket = ticket;
        loop {
            match finish_in(&mut self.s, ticket) {
                Ok(out) => {
                    self.completer().forget_reaped(token);
                    return Ok(out);
                }
                Err(e) => ticket = e.into_ticket(),
            }
            // What is queued goes to the kernel first — again after an SQE it failed before
            // issuing stopped its batch (the op may be behind it). A failure gives the ticket
            // back inside the error: the op was not withdrawn.
            let r = self
                .submit_queued_through_signals()
                .and_then(|()| self.completer().reap_one_into_queue());
            match r {
                Ok(()) => {}
                // Interrupted by a signal: the op is still in flight and the ticket is ours;
                // keep waiting instead of dropping it.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(NotCompleted::failed(ticket, e).into_io()),
            }
        }
    }

    /// The next item of a multishot op's stream without blocking: [`Shot::Item`], or
    /// [`Shot::Pending`] while the op is armed and nothing new has been reaped, or
    /// [`Shot::Ended`] once its last CQE has been taken. Its CQEs are also returned by peek
    /// / wait / drain as usual (as wake-ups): the item is the typed value behind one.
    /// Another ring's ticket reads as [`Shot::Ended`] (nothing is taken from this ring).
    pub fn try_next_shot<O: Multishot>(&mut self, ticket: &Ticket<O>) -> Shot<O::Item> {
        if ticket.ring() != self.s.id {
            return Shot::Ended;
        }
        match self
            .s
            .table
            .get_mut()
            .with_op::<O, _>(ticket.user_data(), |op| op.take_item())
        {
            Some((Some(item), _)) => Shot::Item(item),
            Some((None, false)) => Shot::Pending,
            Some((None, true)) | None => Shot::Ended,
        }
    }

    /// The next item of a multishot op's stream, submitting and blocking until one arrives;
    /// `None` once the stream has ended. CQEs this call reaps for the op are not also
    /// returned by peek (they are delivered here); other ops' CQEs are kept for peek, in
    /// order. Another ring's ticket is `InvalidInput`. A stream whose last item was a
    /// success may have been ended by the kernel because the CQ ring was full: see
    /// [`Multishot`] on when to re-arm.
    #[doc(alias = "IORING_CQE_F_MORE")]
    pub fn next_shot<O: Multishot>(&mut self, ticket: &Ticket<O>) -> io::Result<Option<O::Item>> {
        if ticket.ring() != self.s.id {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the ticket belongs to another ring",
            ));
        }
        let mut submitted = false;
        loop {
            match self.try_next_shot(ticket) {
                Shot::Item(item) => return Ok(Some(item)),
                Shot::Ended => return Ok(None),
                Shot::Pending => {}
            }
            if !submitted {
                self.submit_queued_through_signals()?;
                submitted = true;
            } else if self.submitter().sq_ready() > 0 {
                // An SQE the kernel failed before issuing stopped the batch: submit the rest.
                self.submit_queued_through_signals()?;
            }
            match self.completer().reap_one_for(ticket.user_data()) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                r => r?,
            }
        }
    }

    /// Submits what is queued, if anything, retrying when a signal interrupts or the kernel
    /// asks to try again (`EAGAIN`, `EBUSY`: a blocking caller waits for room rather than
    /// failing): a transient failure must not cost a blocking caller the only handle to an
    /// op's buffers. Bounded: the kernel consumes at least one SQE per successful call.
    fn submit_queued_through_signals(&mut self) -> io::Result<()> {
        for attempt in 0u32.. {
            if self.submitter().sq_ready() == 0 {
                return Ok(());
            }
            match self.submit() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EBUSY))
                        || SubmitBusy::is(&e) =>
                {
                    if attempt > 1000 {
                        return Err(e);
                    }
                    // Room appears as the kernel completes requests.
                    let _ = self
                        .completer()
                        .reap_one_into_queue_timeout(Duration::from_millis(1));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Registers the ring fd (`IORING_REGISTER_RING_FDS`, 5.18) so that `io_uring_enter`
    /// skips the fd lookup. Returns the registered index.
    ///
    /// The kernel keeps registered ring fds per *thread*, so the registration belongs to the
    /// calling thread: submits and waits made on it use the index; on any other thread (the
    /// ring moved there, or a split [`Completer`](crate::Completer) runs there) they use
    /// the ring fd, and work as if nothing was registered. Calling it again on the same
    /// thread returns the same index; on another thread while registered: `EEXIST`.
    ///
    /// The crate registers with the system call itself, never through liburing's
    /// `io_uring_register_ring_fd`: liburing would then use the index in *all* its calls,
    /// from any thread, and `io_uring_queue_exit` on a foreign thread would unregister
    /// that thread's entry, which may be another ring's. So liburing's own calls
    /// (`io_uring_get_events` in the overflow flush, [`raw`](crate::raw)) use the fd.
    ///
    /// Dropping the ring on the registering thread unregisters it. Dropped on another
    /// thread, the entry stays in the registering thread's table (holding the ring's kernel
    /// side alive) until that thread exits or registers over it.
    #[doc(alias = "io_uring_register_ring_fd")]
    pub fn register_ring_fd(&mut self) -> io::Result<u32> {
        let me = std::thread::current().id();
        match &self.s.registered {
            Some(r) if r.thread == me => return Ok(r.index),
            Some(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "the ring fd is already registered, on another thread (registered ring \
                     fds are per thread)",
                ))
            }
            None => {}
        }
        let index = register_ring_fd_direct(self.s.ring_fd)?;
        self.s.registered = Some(RegisteredRingFd::here(self.s.id, index));
        Ok(index)
    }

    /// Cancels every managed op still in flight and reaps until they are all done or the
    /// deadline passes. Returns how many are still in flight.
    ///
    /// One `IORING_ASYNC_CANCEL_ANY` (kernel 5.19) cancels every request on the ring, the
    /// head of a chain included, whose cancellation ends its linked timeout (which a cancel
    /// by user_data cannot reach: it answers `ENOENT`). On older kernels that request
    /// fails with `EINVAL`, so each managed op is also cancelled by its user_data.
    fn cancel_in_flight(&mut self, timeout: Duration) -> usize {
        // SQEs still queued go to the kernel first, in their own batch: a chain the user left
        // open (`IO_LINK` on the last SQE) ends at a batch's end instead of swallowing the
        // cancels below, which would then wait for the very ops they are meant to cancel.
        self.submit_all_queued();
        let deadline = Instant::now() + timeout;
        // `IORING_REGISTER_SYNC_CANCEL` (6.0) is a system call, not an SQE: it reaches ops
        // that an `IO_DRAIN` keeps every later SQE waiting behind. Older kernels: one
        // `IORING_ASYNC_CANCEL_ANY` SQE (5.19) and, before that, one cancel per managed op.
        if !self.sync_cancel_all() {
            let mut cancels = vec![InternalCancel::any()];
            cancels.extend(
                self.s
                    .table
                    .get_mut()
                    .pending_tokens()
                    .into_iter()
                    .map(InternalCancel::user_data),
            );
            for mut op in cancels {
                loop {
                    let pushed = self.submitter().push_internal(op);
                    match pushed {
                        Ok(()) => break,
                        Err(back) => {
                            op = back;
                            if self.submit().is_err() {
                                break;
                            }
                        }
                    }
                }
            }
            let _ = self.submit();
        }
        while self.s.table.get_mut().pending() > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // Everything reaped here is dropped with the ring; managed ops get marked done.
            match self
                .completer()
                .wait_timeout(left.min(Duration::from_millis(50)))
            {
                Err(_) => break,
                // Quiet for a while: ops a drain held back may have started since; cancel
                // again (a no-op where nothing is left to cancel).
                Ok(None) => {
                    self.submit_all_queued();
                    self.sync_cancel_all();
                }
                Ok(Some(_)) => {}
            }
        }
        self.s.table.get_mut().pending()
    }

    /// Submits until the SQ is empty: the kernel stops a batch at an SQE that fails before it
    /// is issued (bad flags...), leaving the ones after it queued — never submitted, so never
    /// completed, and their memory would have to be leaked at drop. Bounded: stops when a
    /// submit takes nothing.
    fn submit_all_queued(&mut self) {
        for _ in 0..self.s.sq_entries {
            if self.submitter().sq_ready() == 0 {
                return;
            }
            match self.submit() {
                Ok(n) if n > 0 => {}
                _ => return,
            }
        }
    }

    /// Cancels every request on the ring with `IORING_REGISTER_SYNC_CANCEL` (kernel 6.0),
    /// bounded by a short timeout. Returns whether the kernel has it.
    fn sync_cancel_all(&mut self) -> bool {
        /// `struct io_uring_sync_cancel_reg` (6.0): 64 bytes.
        #[repr(C)]
        struct SyncCancelReg {
            addr: u64,
            fd: i32,
            flags: u32,
            timeout: [i64; 2],
            opcode: u8,
            pad: [u8; 7],
            pad2: [u64; 3],
        }
        let reg = SyncCancelReg {
            addr: 0,
            fd: -1,
            flags: ASYNC_CANCEL_ANY | ASYNC_CANCEL_ALL,
            timeout: [0, 200_000_000],
            opcode: 0,
            pad: [0; 7],
            pad2: [0; 3],
        };
        match crate::syscall::register(
            self.s.ring_fd,
            sys::IORING_REGISTER_SYNC_CANCEL,
            (&reg as *const SyncCancelReg).cast(),
            1,
        ) {
            // Done, nothing left (ENOENT), or timed out (ETIME): the reap loop decides.
            Ok(_) => true,
            Err(e) => matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ETIME)),
            // Anything else (EINVAL before 6.0, EACCES where restrictions deny the register
            // opcode, an injected fault): the cancel SQEs do the work instead.
        }
    }
}

/// The crate's own cancel request (drop time): filled directly, so it exists on every
/// liburing (0.1 and 0.2 have no `io_uring_prep_cancel`).
struct InternalCancel {
    target: u64,
    flags: u32,
}

// `IORING_OP_ASYNC_CANCEL` (5.5) and `IORING_ASYNC_CANCEL_ALL` / `_ANY` (5.19): wrapper.h's
// table of fallbacks has them where the oldest headers do not.
const OP_ASYNC_CANCEL: u8 = sys::IORING_OP_ASYNC_CANCEL as u8;
const ASYNC_CANCEL_ALL: u32 = sys::IORING_ASYNC_CANCEL_ALL;
const ASYNC_CANCEL_ANY: u32 = sys::IORING_ASYNC_CANCEL_ANY;

impl InternalCancel {
    fn any() -> InternalCancel {
        InternalCancel {
            target: 0,
            flags: ASYNC_CANCEL_ANY | ASYNC_CANCEL_ALL,
        }
    }

    fn user_data(target: u64) -> InternalCancel {
        InternalCancel { target, flags: 0 }
    }
}

impl crate::op::private::Sealed for InternalCancel {
    const OPCODE: u8 = OP_ASYNC_CANCEL;
    fn prepare(&mut self, sqe: &mut Sqe, _ring: u64) {
        *sqe = Sqe {
            opcode: OP_ASYNC_CANCEL,
            fd: -1,
            addr: self.target,
            op_flags: self.flags,
            ..Sqe::default()
        };
    }
}

impl Submitter<'_> {
    /// Queues one of the crate's own requests (user_data INTERNAL, never a user's).
    fn push_internal<O: crate::op::private::Sealed>(&mut self, mut op: O) -> Result<(), O> {
        let ring = self.s.id;
        let Some(sqe) = self.next_slot::<O>() else {
            return Err(op);
        };
        op.prepare(sqe, ring);
        sqe.user_data = INTERNAL;
        Ok(())
    }

    /// Queues the crate's own cancel of `target`, for the async driver's abandoned futures
    /// (`op::AsyncCancel` does not exist before liburing 0.3); false when the SQ is full.
    #[cfg(feature = "tokio")]
    pub(crate) fn push_cancel_internal(&mut self, target: u64) -> bool {
        self.push_internal(InternalCancel::user_data(target))
            .is_ok()
    }
}

fn finish_in<O: Op>(
    s: &mut Shared,
    ticket: Ticket<O>,
) -> Result<O::Output, NotCompleted<Ticket<O>>> {
    if ticket.ring() != s.id {
        return Err(NotCompleted::foreign(ticket));
    }
    match s.table.get_mut().take::<O>(ticket.user_data()) {
        Some((op, cqe)) => {
            ticket.finished();
            Ok(op.complete(cqe))
        }
        None => Err(NotCompleted::pending(ticket)),
    }
}

/// `struct io_uring_rsrc_update { __u32 offset; __u32 resv; __aligned_u64 data; }`
#[repr(C)]
struct RsrcUpdate {
    offset: u32,
    resv: u32,
    data: u64,
}

fn register_ring_fd_direct(ring_fd: RawFd) -> io::Result<u32> {
    #[cfg(feature = "fault-injection")]
    if let Some(e) = crate::syscall::fault::take(crate::syscall::fault::Site::Register) {
        return Err(io::Error::from_raw_os_error(e));
    }
    let mut up = RsrcUpdate {
        offset: u32::MAX,
        resv: 0,
        data: ring_fd as u64,
    };
    crate::syscall::register(
        ring_fd,
        sys::IORING_REGISTER_RING_FDS,
        &mut up as *mut RsrcUpdate as *const libc::c_void,
        1,
    )?;
    Ok(up.offset)
}

fn unregister_ring_fd_direct(ring_fd: RawFd, index: u32) {
    let up = RsrcUpdate {
        offset: index,
        resv: 0,
        data: 0,
    };
    let _ = crate::syscall::register(
        ring_fd,
        sys::IORING_UNREGISTER_RING_FDS,
        &up as *const RsrcUpdate as *const libc::c_void,
        1,
    );
}

impl Drop for Ring {
    #[doc(alias = "io_uring_queue_exit")]
    fn drop(&mut self) {
        if self.s.table.get_mut().pending() > 0 {
            self.cancel_in_flight(DROP_REAP_TIMEOUT);
            // What the kernel has not let go of is leaked, never freed: it may still write it.
            let _leaked = self.s.table.get_mut().leak_pending();
            #[cfg(feature = "fault-injection")]
            crate::syscall::fault::count_leaked(_leaked);
        }
        // Only the registering thread's table holds the entry; elsewhere it stays until
        // that thread exits (see register_ring_fd).
        if let Some(r) = &self.s.registered {
            if r.thread == std::thread::current().id() {
                unregister_ring_fd_direct(self.s.ring_fd, r.index);
                RegisteredRingFd::forget_here(self.s.id);
            }
        }
        // SAFETY: the ring was initialised by io_uring_queue_init_params and is exited once;
        // no half can outlive the &mut borrow that Drop holds.
        unsafe { sys::io_uring_queue_exit(self.s.raw.get()) };
    }
}

impl AsFd for Ring {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the ring fd stays open until Drop.
        unsafe { BorrowedFd::borrow_raw(self.s.ring_fd) }
    }
}

impl AsRawFd for Ring {
    fn as_raw_fd(&self) -> RawFd {
        self.s.ring_fd
    }
}

impl std::fmt::Debug for Ring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ring")
            .field("fd", &self.s.ring_fd)
            .field("sq_entries", &self.s.sq_entries)
            .field("cq_entries", &self.s.cq_entries)
            .field("setup", &self.s.setup)
            .finish_non_exhaustive()
    }
}
