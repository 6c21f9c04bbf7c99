//! Dispatch: completions that carry their op back, for event loops that keep no map.
//!
//! An op pushed with a tag ([`Ring::push_tagged`](crate::Ring::push_tagged), C's
//! user_data) belongs to the ring until its last CQE. [`Completer::next_completion`] hands
//! each CQE out as a [`Completion`]: its tag, its result, and — given the op's type — the
//! op's output (buffers and files back) or, for a multishot op, its next item. Nothing is
//! looked up by the user: the tag says what the op was, the type says how to take it back.

use crate::cq::{lookup, reap, Completer};
use crate::entry::{Cqe, MANAGED};
use crate::flags::CqeFlags;
use crate::mapped::Shared;
use crate::op::{Multishot, Op};
use crate::table::INTERNAL;
use std::io;

/// One CQE, dispatched. For an op pushed with [`push_tagged`](crate::Ring::push_tagged):
/// [`user_data`](Self::user_data) is its tag, [`output`](Self::output) takes the op back at
/// its last CQE, [`item`](Self::item) takes a multishot op's next item. For anything else
/// (an unmanaged op's CQE, a ticketed op's, which its ticket takes back) it is the plain
/// CQE.
///
/// It borrows the ring: take what you need, then push again. Dropped at an op's last CQE
/// without [`output`](Self::output), the op is dropped (its buffers and files released).
/// A loop that pushes while it dispatches takes each completion with
/// `let Some(c) = ring.next_completion()? else { break };`: in `while let Some(c) =
/// ring.next_completion()?` (edition 2021) the `?`'s temporary keeps the ring borrowed for
/// the whole body (`examples/io_uring_cp.rs`).
///
/// # Example
/// ```
/// # #[cfg(not(liburing_has = "io_uring_prep_write"))]
/// # fn main() {}
/// # #[cfg(liburing_has = "io_uring_prep_write")]
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::op::{Nop, Write};
/// use system_liburing::Ring;
/// let mut ring = Ring::new(8)?;
/// let file = std::fs::File::options().write(true).open("/dev/null")?;
/// const WRITE: u64 = 1;
/// const NOP: u64 = 2;
/// ring.push_tagged(Write::new(file, b"hello".to_vec(), 0), WRITE)?;
/// ring.push_tagged(Nop::new(), NOP)?;
/// ring.submit_and_wait(2)?;
/// let mut seen = 0;
/// while let Some(c) = ring.next_completion()? {
///     match c.user_data() {
///         WRITE => {
///             let (n, _file, buf) = c.output::<Write<std::fs::File, Vec<u8>>>().ok().unwrap();
///             assert_eq!((n?, buf.as_slice()), (5, &b"hello"[..]));
///         }
///         NOP => assert_eq!(c.result()?, 0),
///         other => unreachable!("tag {other}"),
///     }
///     seen += 1;
/// }
/// assert_eq!(seen, 2);
/// # Ok(()) }
/// ```
#[must_use = "a completion dropped at an op's last CQE drops the op"]
pub struct Completion<'r> {
    /// The CQE, with the tag as user_data for a tagged op.
    cqe: Cqe,
    /// The op's token while this completion can still take something from it.
    token: Option<u64>,
    s: &'r Shared,
    locked: bool,
}

impl std::fmt::Debug for Completion<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Completion")
            .field("cqe", &self.cqe)
            .field("managed", &self.token.is_some())
            .finish()
    }
}

impl<'r> Completion<'r> {
    /// A CQE of no managed op (nothing to look up).
    #[inline(always)]
    pub(crate) fn plain(cqe: Cqe, s: &'r Shared, locked: bool) -> Completion<'r> {
        Completion {
            cqe,
            token: None,
            s,
            locked,
        }
    }

    /// A CQE [`reap`] accounted: `cqe` shows the tag, `token` (0 for none) the op.
    #[inline(always)]
    pub(crate) fn reaped(cqe: Cqe, token: u64, s: &'r Shared, locked: bool) -> Completion<'r> {
        Completion {
            cqe,
            token: (token != 0).then_some(token),
            s,
            locked,
        }
    }

    /// The op's tag (what [`push_tagged`](crate::Ring::push_tagged) was given), or the
    /// CQE's user_data for anything else.
    #[doc(alias = "io_uring_cqe_get_data64")]
    pub fn user_data(&self) -> u64 {
        self.cqe.user_data()
    }

    /// The result as `io::Result`: the count, or the errno as `io::Error`.
    pub fn result(&self) -> io::Result<u32> {
        self.cqe.result()
    }

    /// The raw result: a count or `-errno`.
    pub fn raw_result(&self) -> i32 {
        self.cqe.raw_result()
    }

    /// `IORING_CQE_F_*` flags.
    pub fn flags(&self) -> CqeFlags {
        self.cqe.flags()
    }

    /// The CQE (with the tag as user_data for a tagged op).
    pub fn cqe(&self) -> Cqe {
        self.cqe
    }

    /// Whether this is the CQE of a tagged op the ring holds (one [`output`](Self::output)
    /// or [`item`](Self::item) takes something from): false for an op that owns nothing,
    /// which the ring does not hold even when tagged.
    pub fn is_managed(&self) -> bool {
        self.token.is_some()
    }

    /// Whether more CQEs of the same op follow (`IORING_CQE_F_MORE`: a multishot op's item,
    /// a zero-copy send's first result).
    pub fn has_more(&self) -> bool {
        self.cqe.flags().contains(CqeFlags::MORE)
    }

    /// Whether the op is an `O` (so [`output`](Self::output) would hand it back at its last
    /// CQE). For an op that owns nothing (a NOP, a cancel: see
    /// [`push_tagged`](crate::Submitter::push_tagged)) the ring keeps nothing to check the
    /// type against: any CQE of an op the ring does not own (user_data with bit 63 clear)
    /// may be read as one, and its output is the CQE's result.
    pub fn is<O: Op>(&self) -> bool {
        let Some(token) = self.token else {
            return O::FROM_CQE.is_some() && self.plain_last();
        };
        self.s.with_table_releasing_nothing(self.locked, |t| {
            t.with_op::<O, _>(token, |_| ()).is_some()
        })
    }

    /// The op's output (result, then its buffers and files), at its last CQE, if the op is
    /// an `O`. Otherwise (not a tagged op, another type, not its last CQE) the completion
    /// comes back. An op that owns nothing (see [`is`](Self::is)) is made from the CQE.
    #[inline]
    pub fn output<O: Op>(self) -> Result<O::Output, Completion<'r>> {
        let Some(token) = self.token.filter(|_| !self.has_more()) else {
            if let Some(from_cqe) = O::FROM_CQE {
                if self.token.is_none() && self.plain_last() {
                    return Ok(from_cqe(self.cqe));
                }
            }
            return Err(self);
        };
        match self
            .s
            .with_table_releasing_nothing(self.locked, |t| t.take::<O>(token))
        {
            Some((op, cqe)) => {
                // The op is out: nothing is left for the drop to do.
                std::mem::forget(self);
                Ok(op.complete(cqe))
            }
            None => Err(self),
        }
    }

    /// The last CQE of an op the ring holds nothing of: pushed with a user_data of the user's
    /// (bit 63 clear), never a token's or an internal request's.
    fn plain_last(&self) -> bool {
        self.cqe.user_data() & MANAGED == 0 && !self.has_more()
    }

    /// A multishot op's next item (an fd, a buffer...), from this CQE, if the op is an `O`;
    /// `Ok(None)` when its stream is over. Otherwise the completion comes back. At the
    /// op's last CQE the op is dropped with the completion (its remaining items with it).
    pub fn item<O: Multishot>(self) -> Result<Option<O::Item>, Completion<'r>> {
        let Some(token) = self.token else {
            return Err(self);
        };
        match self.s.with_table_releasing_nothing(self.locked, |t| {
            t.with_op::<O, _>(token, |op| op.take_item())
        }) {
            Some((item, _)) => Ok(item),
            None => Err(self),
        }
    }
}

impl Drop for Completion<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(token) = self.token.take() {
            if !self.cqe.flags().contains(CqeFlags::MORE) {
                // Nobody took the op back at its last CQE: release it now.
                release(self.s, self.locked, token);
            }
        }
    }
}

/// Drops a finished op nobody took back.
#[inline(never)]
fn release(s: &Shared, locked: bool, token: u64) {
    s.with_table(locked, |t| t.release(token));
}

impl Completer<'_> {
    /// The next completion, dispatched ([`Completion`]), without blocking; `None` when there
    /// is none (after flushing the overflow list, as [`peek`](Self::peek)).
    #[inline]
    pub fn next_completion(&mut self) -> io::Result<Option<Completion<'_>>> {
        let (s, locked) = (self.s, self.locked);
        Ok(self
            .next_dispatched()?
            .map(|(cqe, token)| Completion::reaped(cqe, token, s, locked)))
    }

    /// Blocks until a completion is available, and dispatches it.
    pub fn wait_completion(&mut self) -> io::Result<Completion<'_>> {
        let (s, locked) = (self.s, self.locked);
        loop {
            if let Some((cqe, token)) = self.next_dispatched()? {
                return Ok(Completion::reaped(cqe, token, s, locked));
            }
            self.wait_for_one()?;
        }
    }

    /// The next CQE, accounted and looked up: what to show and the token (0 for none). A
    /// CQE fresh off the ring takes one pass over the table ([`reap`]); one reaped earlier
    /// (or after a flush) was accounted then, and is only looked up.
    #[inline(always)]
    pub(crate) fn next_dispatched(&mut self) -> io::Result<Option<(Cqe, u64)>> {
        if let Some(cqe) = self.pop_plain() {
            return Ok(Some((cqe, 0)));
        }
        self.next_dispatched_general()
    }

    /// [`next_dispatched`](Self::next_dispatched) for everything `pop_plain` leaves.
    #[inline(never)]
    fn next_dispatched_general(&mut self) -> io::Result<Option<(Cqe, u64)>> {
        let (s, locked) = (self.s, self.locked);
        if self.reaped().is_empty() {
            while let Some(cqe) = self.pop_ring_raw() {
                if (cqe.user_data() & MANAGED == 0) & s.backpressure.is_none() {
                    return Ok(Some((cqe, 0)));
                }
                let (user_data, token) = reap(s, locked, cqe);
                if user_data != INTERNAL {
                    let shown = Cqe::new(user_data, cqe.raw_result(), cqe.flags().bits());
                    return Ok(Some((shown, token)));
                }
            }
        }
        Ok(self.next_cqe()?.map(|c| lookup(s, locked, c)))
    }
}
