//! Errors: every negative kernel or liburing result becomes an `io::Error` with its errno;
//! the few situations a caller must tell apart get small typed errors.

use std::fmt;
use std::io;

/// Turns a liburing-style return (`-errno` on failure) into `io::Result`.
#[inline]
pub(crate) fn cvt(ret: i32) -> io::Result<u32> {
    if ret < 0 {
        // Saturating: a result the kernel did not make (a NOP's injected i32::MIN, a
        // message's length >= 2^31 posted as its result) has no errno, and must not panic.
        Err(io::Error::from_raw_os_error(ret.saturating_neg()))
    } else {
        Ok(ret as u32)
    }
}

/// The kernel dropped completions (`-EBADR` from `io_uring_enter`, kernel 5.19+): its
/// overflow list could not take them (out of memory, or a kernel without
/// `IORING_FEAT_NODROP`). Lost completions are never silent: this is returned once, by the
/// call that learned of it. [`Ring::cq_overflow`](crate::Ring::cq_overflow) has the
/// kernel's counter.
///
/// It reaches you inside an `io::Error` of kind `Other`; [`CqesDropped::is`] tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CqesDropped {
    /// The kernel's `cq.koverflow` counter when it was noticed.
    pub overflow: u32,
}

impl CqesDropped {
    /// Whether an error returned by this crate means the kernel dropped completions.
    pub fn is(err: &io::Error) -> bool {
        err.get_ref().is_some_and(|e| e.is::<CqesDropped>())
    }

    pub(crate) fn into_io(self) -> io::Error {
        io::Error::other(self)
    }
}

impl fmt::Display for CqesDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the kernel dropped completions (EBADR); overflow counter is {}",
            self.overflow
        )
    }
}

impl std::error::Error for CqesDropped {}

/// Why an operation could not be queued. The operation comes back so nothing is lost.
#[derive(Debug)]
pub enum PushError<O> {
    /// The submission queue has no free slot: submit, then push again.
    SqFull(O),
    /// The backpressure cap is reached: as many operations are in flight as the CQ ring
    /// holds. Reap completions, then push again.
    Backpressure(O),
    /// A user_data with bit 63 set: that half of the space is the crate's own.
    ReservedUserData(O),
    /// The running kernel does not support this op (its probe says so); nothing was
    /// queued. The `u8` is the `IORING_OP_*` value.
    Unsupported(O, u8),
    /// The op cannot be queued on this ring as built: [`Refused`] names the argument, the
    /// value or bits refused, and why (a flag bit outside the op's reviewed set, a
    /// registered slot or buffer ring of another ring, a reserved user_data...).
    Invalid(O, Refused),
}

impl<O> PushError<O> {
    /// The operation that was not queued.
    pub fn into_inner(self) -> O {
        match self {
            PushError::SqFull(o)
            | PushError::Backpressure(o)
            | PushError::ReservedUserData(o)
            | PushError::Unsupported(o, _)
            | PushError::Invalid(o, _) => o,
        }
    }
}

impl<O> fmt::Display for PushError<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PushError::Unsupported(_, op) => {
                let name = crate::sys::constant_name("IORING_OP_", i64::from(*op))
                    .unwrap_or("IORING_OP_?");
                return write!(f, "the running kernel does not support {name} ({op})");
            }
            PushError::SqFull(_) => "submission queue is full; submit before pushing more",
            PushError::Backpressure(_) => {
                "backpressure: in-flight operations would exceed the CQ ring; reap completions first"
            }
            PushError::ReservedUserData(_) => {
                "user_data values with bit 63 set are reserved for the crate's managed operations"
            }
            PushError::Invalid(_, why) => return why.fmt(f),
        })
    }
}

impl<O: fmt::Debug> std::error::Error for PushError<O> {}

impl<O> From<PushError<O>> for io::Error {
    fn from(e: PushError<O>) -> io::Error {
        let kind = match e {
            PushError::SqFull(_) | PushError::Backpressure(_) => io::ErrorKind::WouldBlock,
            PushError::ReservedUserData(_) | PushError::Invalid(..) => io::ErrorKind::InvalidInput,
            PushError::Unsupported(..) => io::ErrorKind::Unsupported,
        };
        io::Error::new(kind, e.to_string())
    }
}

/// The kernel refused new submissions because completions wait on its overflow list
/// (`-EBUSY`, kernels before 5.19's "no -EBUSY" change) and reaping did not make room.
/// Reap completions, then submit again; the queued SQEs stay queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmitBusy;

impl fmt::Display for SubmitBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "io_uring_enter returned EBUSY: the CQ overflow list is not empty; reap completions and submit again",
        )
    }
}

impl std::error::Error for SubmitBusy {}

impl SubmitBusy {
    /// Whether an error returned by a submit is this one.
    pub fn is(err: &io::Error) -> bool {
        err.get_ref().is_some_and(|e| e.is::<SubmitBusy>())
    }
}

/// [`Ring::finish`](crate::Ring::finish) could not hand the op back: its completion has not
/// been reaped yet, or the ticket belongs to another ring. The ticket comes back, and
/// nothing changed on either ring.
///
/// [`Ring::wait_for`](crate::Ring::wait_for) returns one too, inside its `io::Error`, when
/// submitting or waiting failed for good (another thread's `io_uring_enter` on a
/// `SINGLE_ISSUER` ring, a closed ring fd...): the op was not withdrawn — it may still run —
/// so its ticket comes back ([`NotCompleted::recover`]) and its result with it, later.
#[derive(Debug)]
pub struct NotCompleted<T> {
    ticket: T,
    foreign: bool,
    cause: Option<io::Error>,
}

impl<T> NotCompleted<T> {
    pub(crate) fn pending(ticket: T) -> Self {
        NotCompleted {
            ticket,
            foreign: false,
            cause: None,
        }
    }

    pub(crate) fn foreign(ticket: T) -> Self {
        NotCompleted {
            ticket,
            foreign: true,
            cause: None,
        }
    }

    pub(crate) fn failed(ticket: T, cause: io::Error) -> Self {
        NotCompleted {
            ticket,
            foreign: false,
            cause: Some(cause),
        }
    }

    /// The ticket, to finish later (or on its own ring).
    pub fn into_ticket(self) -> T {
        self.ticket
    }

    /// Whether the ticket was pushed on another ring (finishing it here can never succeed).
    pub fn is_foreign(&self) -> bool {
        self.foreign
    }

    /// What failed while waiting (from [`Ring::wait_for`](crate::Ring::wait_for)), with its
    /// errno.
    pub fn cause(&self) -> Option<&io::Error> {
        self.cause.as_ref()
    }
}

impl<T: fmt::Debug + Send + Sync + 'static> NotCompleted<T> {
    /// Takes the ticket back out of an `io::Error` that [`Ring::wait_for`](crate::Ring::wait_for)
    /// returned; the error itself when it carries none (it then concerned no op in flight).
    ///
    /// ```no_run
    /// # fn demo(ring: &mut system_liburing::Ring, t: system_liburing::Ticket<system_liburing::op::Nop>) -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, NotCompleted, Ticket};
    /// match ring.wait_for(t) {
    ///     Ok(out) => drop(out?),
    ///     Err(e) => {
    ///         let t: Ticket<Nop> = NotCompleted::recover(e)?; // the op may still complete
    ///         drop(t); // released at its completion
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn recover(e: io::Error) -> Result<T, io::Error> {
        if !e
            .get_ref()
            .is_some_and(|inner| inner.is::<NotCompleted<T>>())
        {
            return Err(e);
        }
        // The two arms after the first cannot be taken (checked just above); they rebuild the
        // error rather than panic.
        let kind = e.kind();
        match e
            .into_inner()
            .map(|inner| inner.downcast::<NotCompleted<T>>())
        {
            Some(Ok(nc)) => Ok(nc.ticket),
            Some(Err(other)) => Err(io::Error::new(kind, other)),
            None => Err(kind.into()),
        }
    }

    /// Into an `io::Error` whose kind is the cause's, keeping the ticket inside.
    pub(crate) fn into_io(self) -> io::Error {
        let kind = match &self.cause {
            Some(c) => c.kind(),
            None if self.foreign => io::ErrorKind::InvalidInput,
            None => io::ErrorKind::WouldBlock,
        };
        io::Error::new(kind, self)
    }
}

impl<T> fmt::Display for NotCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(c) => write!(
                f,
                "waiting for the operation failed ({c}); it was not withdrawn and may still \
                 complete: recover its ticket with NotCompleted::recover"
            ),
            None if self.foreign => f.write_str("the ticket belongs to another ring"),
            None => f.write_str("the operation's completion has not been reaped yet"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for NotCompleted<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_ref().map(|c| c as _)
    }
}

/// `?` in functions returning `io::Result`: `WouldBlock` while the completion is pending,
/// `InvalidInput` for another ring's ticket, the cause's kind after a failed wait. The ticket
/// is dropped with the error (its op is released at its completion).
impl<T> From<NotCompleted<T>> for io::Error {
    fn from(e: NotCompleted<T>) -> io::Error {
        let kind = match &e.cause {
            Some(c) => c.kind(),
            None if e.foreign => io::ErrorKind::InvalidInput,
            None => io::ErrorKind::WouldBlock,
        };
        io::Error::new(kind, e.to_string())
    }
}

/// Why an op's argument was refused at push time ([`PushError::Invalid`]): the argument
/// (`msg_flags`, `fd`, `advice`...), the value or the bits that are not allowed, and the
/// reason. Flag words are checked against each op's list of reviewed bits (default deny):
/// a bit the crate has not reviewed may change what the kernel reads or writes, or for how
/// long, so it is refused rather than passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    what: &'static str,
    value: u64,
    why: &'static str,
}

impl Refused {
    pub(crate) const fn new(what: &'static str, value: u64, why: &'static str) -> Refused {
        Refused { what, value, why }
    }

    /// The argument refused (`msg_flags`, `rw_flags`, `fd`, `advice`...).
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// The refused value: for a flag word, only the bits not allowed.
    pub fn value(&self) -> u64 {
        self.value
    }

    /// Why.
    pub fn why(&self) -> &'static str {
        self.why
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:#x} refused: {}", self.what, self.value, self.why)
    }
}

impl std::error::Error for Refused {}

/// Checks a flag word against the bits an op allows (default deny): `Err` names the bits
/// outside `allowed`, with `why` (what such bits could do).
#[inline]
pub(crate) fn allow_bits(
    what: &'static str,
    word: u64,
    allowed: u64,
    why: &'static str,
) -> Result<(), Refused> {
    let extra = word & !allowed;
    if extra == 0 {
        Ok(())
    } else {
        Err(Refused::new(what, extra, why))
    }
}
