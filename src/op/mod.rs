//! Operations: each owns what the kernel needs for as long as it needs it, and hands it
//! back typed from [`Ring::finish`](crate::Ring::finish) / [`Ring::wait_for`](crate::Ring::wait_for).
//!
//! Every op is one entry of the `define_ops!` table (in the family files below), gated on
//! the liburing helper it corresponds to: an op whose `io_uring_prep_*` the installed
//! liburing lacks does not exist. Ops write the SQE in the kernel's ABI directly (no call
//! into the shim on the hot path); the C name is a doc alias on each.
//!
//! The families are the files below (`rw`, `fs`, `xattr`, `net`, `msg`, `time`, `poll`,
//! `cancel`, `buffers`, `files`, `sync`); [`catalogue`] lists every op with its helper,
//! opcode and kernel release, and `docs/ops.md` is that list rendered by family.

// Against a liburing older than 2.3 the ops gated on newer helpers do not exist, which
// leaves some of the helpers and imports they share unused.
#![cfg_attr(
    not(liburing_has = "io_uring_prep_recv_multishot"),
    allow(unused_imports, dead_code)
)]

use crate::entry::Cqe;
use crate::entry::Sqe;
use crate::flags::OpFlags;

mod buffers;
mod cancel;
mod files;
mod fs;
mod ioprio;
mod msg;
mod net;
mod poll;
mod rw;
mod sync;
mod time;
mod xattr;

pub use buffers::*;
pub use cancel::*;
pub use files::*;
pub use fs::*;
pub use ioprio::*;
pub use msg::*;
pub use net::*;
pub use poll::*;
pub use rw::*;
// Empty where the liburing predates its helpers.
#[allow(unused_imports)]
pub use sync::*;
pub use time::*;
pub use xattr::*;

pub(crate) mod private {
    /// Seals [`Op`](super::Op) and [`Unmanaged`](super::Unmanaged): only this crate's ops
    /// can be pushed, because only they are known to keep their memory and files alive
    /// correctly and to write only reviewed values into the SQE.
    pub trait Sealed {
        /// The `IORING_OP_*` this op submits.
        const OPCODE: u8;
        /// Whether [`validate`](Self::validate) must run at push time (a flag word, a
        /// registered slot, a buffer ring...). A constant, so ops without anything to check
        /// pay nothing.
        const VALIDATES: bool = false;
        /// Whether [`record`](Self::record) does anything (the table skips the call
        /// otherwise).
        const RECORDS: bool = false;
        /// Whether the op carries `IOSQE_CQE_SKIP_SUCCESS` (nothing to count down for
        /// backpressure when it succeeds).
        const SKIPS_SUCCESS: bool = false;
        /// Whether this op may be queued on the ring whose id is `ring`: every flag word
        /// within its reviewed bits, every registered slot and buffer ring this ring's, no
        /// user_data it posts or retargets in the crate's reserved half.
        fn validate(&self, _ring: u64) -> Result<(), crate::Refused> {
            Ok(())
        }
        /// Fills the whole SQE (the crate sets user_data afterwards). `ring` is the id of
        /// the ring it is queued on (for what the completion names, e.g. a slot filled).
        fn prepare(&mut self, sqe: &mut super::Sqe, ring: u64);
        /// Sees every CQE of this op as it is reaped, under the in-flight table's lock:
        /// multishot ops keep them for their stream, zero-copy sends keep the first result
        /// while they wait for the notification.
        #[inline]
        fn record(&mut self, _cqe: &crate::entry::Cqe) {}
    }
}

/// An io_uring operation the ring can own while it is in flight (a *managed* op): pushed
/// with [`Ring::push`](crate::Ring::push), handed back typed by
/// [`Ring::finish`](crate::Ring::finish) / [`Ring::wait_for`](crate::Ring::wait_for).
///
/// An op's [`Output`](Op::Output) is the kernel's result followed by everything the op was
/// given that it owned — its file, its buffers — in the order its constructor took them, so
/// nothing is lost on success or on error: `Read::new(file, buf, 0)` comes back as
/// `(io::Result<usize>, file, buf)`.
pub trait Op: private::Sealed + std::marker::Send + 'static {
    /// The `IORING_OP_*` value this op submits.
    fn opcode() -> u8 {
        <Self as private::Sealed>::OPCODE
    }

    /// What [`Ring::finish`](crate::Ring::finish) hands back: the result, then what the op
    /// owned.
    type Output;
    #[doc(hidden)]
    fn complete(self, cqe: Cqe) -> Self::Output;
    /// For an op that owns nothing and whose output is its CQE's alone (NOP, cancels...: the
    /// `owns_nothing` ops of `define_ops!`), the output made from the CQE:
    /// [`push_tagged`](crate::Submitter::push_tagged) then keeps no row of the in-flight
    /// table for it, and [`Completion::output`](crate::Completion::output) builds its output
    /// from the CQE. `None` for every other op.
    #[doc(hidden)]
    const FROM_CQE: Option<fn(Cqe) -> Self::Output> = None;
}

/// A multishot operation: one SQE, many CQEs (`IORING_CQE_F_MORE` on all but the last).
/// Each CQE becomes one [`Item`](Multishot::Item) of the op's stream, taken with
/// [`Ring::next_shot`](crate::Ring::next_shot) (blocking) or
/// [`Ring::try_next_shot`](crate::Ring::try_next_shot); the stream ends after the CQE
/// without `F_MORE` (re-arm by pushing the op again). Items the user never took come back
/// from [`Ring::finish`](crate::Ring::finish).
///
/// **A stream can end early, with a success.** When the CQ ring is full the kernel does
/// not queue a multishot op's next CQE on its overflow list: it ends the op instead, and
/// that CQE — a normal result (bytes received, an accepted fd, poll events) without
/// `IORING_CQE_F_MORE` — is its last (Linux `io_uring/net.c` `io_recv_finish` /
/// `io_send_finish`, `io_uring/poll.c`: `io_req_post_cqe` fails on a full CQ and the op
/// completes with that result). The stream then gives that item and ends, and nothing
/// else tells this apart from an end the op chose. So do as liburing advises — re-arm
/// whenever `F_MORE` is absent — unless the last item says the op is over for good: an
/// error (`ECANCELED` after a cancel, `ENOBUFS` when the buffer ring ran dry: give
/// buffers back first), end of file (an empty buffer), or the op's own end
/// (`op::SendBundle`: nothing left queued, see `BufRing::queued`). A
/// stream whose last item is a success, on an op that would otherwise go on, was cut
/// short: push the op again. Sizing the CQ for the bursts (`Builder::cq_entries`) keeps
/// it from happening. With the dispatch API,
/// [`Completion::has_more`](crate::Completion::has_more) shows `F_MORE` on each CQE.
pub trait Multishot: Op {
    /// What one CQE of this op becomes (an fd, a buffer from a provided ring...).
    type Item;
    #[doc(hidden)]
    fn take_item(&mut self) -> Option<Self::Item>;
}

/// What [`Ring::try_next_shot`](crate::Ring::try_next_shot) found.
#[derive(Debug)]
pub enum Shot<T> {
    /// The next item of the stream.
    Item(T),
    /// Nothing yet; the op is still armed.
    Pending,
    /// The last CQE has been taken: the stream is over ([`Ring::finish`](crate::Ring::finish)
    /// the ticket, or push the op again to re-arm). A last item that was a success can mean
    /// the kernel ended the op because the CQ ring was full: see [`Multishot`] on when to
    /// re-arm.
    Ended,
}

/// One entry of the op table: which liburing helper an op stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    /// The liburing helper, e.g. `io_uring_prep_recv`.
    pub helper: &'static str,
    /// The op's type name in [`op`](crate::op).
    pub name: &'static str,
    /// The `IORING_OP_*` it submits.
    pub opcode: &'static str,
    /// The kernel release that added what the op needs.
    pub since: &'static str,
    /// The family (module) it is in: `rw`, `fs`, `net`...
    pub family: &'static str,
    /// Whether the installed liburing has the helper (otherwise the op does not exist in
    /// this build).
    pub available: bool,
}

/// Every op this crate knows, by family, including those the installed liburing lacks
/// (`available == false`).
pub fn catalogue() -> Vec<OpInfo> {
    [
        CATALOGUE,
        rw::CATALOGUE,
        fs::CATALOGUE,
        xattr::CATALOGUE,
        net::CATALOGUE,
        msg::CATALOGUE,
        time::CATALOGUE,
        poll::CATALOGUE,
        cancel::CATALOGUE,
        buffers::CATALOGUE,
        files::CATALOGUE,
        sync::CATALOGUE,
    ]
    .concat()
}

/// An operation that needs nothing kept alive once its SQE is written — no memory of its
/// own, and only files that stay valid with nothing holding them ([`Forever`](crate::fd::Forever): a registered
/// [`Fixed`](crate::fd::Fixed) slot, a [`Raw`](crate::fd::Raw) number) — so it may be pushed
/// unmanaged under a user_data of your choosing
/// ([`Ring::push_with_user_data`](crate::Ring::push_with_user_data)).
pub trait Unmanaged: private::Sealed + std::marker::Send + 'static {}

/// An unmanaged op that posts no completion when it succeeds (`IOSQE_CQE_SKIP_SUCCESS`,
/// kernel 5.17): made with the op's `skip_success()`, pushed only with
/// [`Ring::push_with_user_data`](crate::Ring::push_with_user_data). A managed op cannot
/// wear it: its success would post nothing, so its memory could never be handed back.
/// Refused on rings built with backpressure (a success would never be counted down).
/// Failures still post a CQE under your user_data.
///
/// ```
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::{op::Nop, Ring};
/// let mut ring = Ring::new(4)?;
/// ring.push_with_user_data(Nop::new().skip_success(), 1)?; // succeeds silently
/// ring.push_with_user_data(Nop::new(), 2)?;
/// ring.submit_and_wait(1)?;
/// assert_eq!(ring.wait()?.user_data(), 2); // only the second NOP posted a CQE
/// # Ok(()) }
/// ```
/// A managed push would never see its op again, so it does not compile:
/// ```compile_fail,E0277
/// # let mut ring = system_liburing::Ring::new(4).unwrap();
/// let _ticket = ring.push(system_liburing::op::Nop::new().skip_success());
/// ```
#[doc(alias = "IOSQE_CQE_SKIP_SUCCESS")]
#[derive(Debug)]
pub struct SkipSuccess<O> {
    op: O,
    /// The op carries `IOSQE_IO_DRAIN`, which the kernel refuses with skip-success.
    drain: bool,
}

impl<O: Unmanaged> SkipSuccess<O> {
    pub(crate) fn new(op: O, drain: bool) -> Self {
        SkipSuccess { op, drain }
    }

    /// The op without the flag.
    pub fn into_inner(self) -> O {
        self.op
    }
}

impl<O: Unmanaged> private::Sealed for SkipSuccess<O> {
    const OPCODE: u8 = O::OPCODE;
    const RECORDS: bool = O::RECORDS;
    const VALIDATES: bool = true;
    const SKIPS_SUCCESS: bool = true;
    #[inline]
    fn validate(&self, ring: u64) -> Result<(), crate::Refused> {
        if self.drain {
            // The kernel fails such an SQE at submit (EOPNOTSUPP), and a chain hanging off
            // it can then be left neither run nor cancellable: refuse it here instead.
            return Err(crate::Refused::new(
                "sqe flags",
                u64::from(crate::OpFlags::IO_DRAIN.bits()),
                "IOSQE_IO_DRAIN cannot be combined with IOSQE_CQE_SKIP_SUCCESS",
            ));
        }
        self.op.validate(ring)
    }
    #[inline]
    fn prepare(&mut self, sqe: &mut Sqe, ring: u64) {
        self.op.prepare(sqe, ring);
        sqe.flags |= crate::SqeFlags::CQE_SKIP_SUCCESS.bits();
    }
}

impl<O: Unmanaged> Unmanaged for SkipSuccess<O> {}

/// The 64-byte SQE `op` would write when pushed on `ring`, prepared into a local entry that
/// is never queued: a seam for validation tools (`uring-check`'s `prep-encoding` check
/// compares it field by field with what the linked liburing's `io_uring_prep_*` writes).
/// Not part of the API: it may change with any release.
///
/// The op is checked first, as a push would (its flag words, slots and buffer rings against
/// `ring`), and refused the same way. `user_data` is left 0 (a push sets the crate's own).
/// Nothing reaches the kernel, and the bytes are plain numbers: pointers in them name the
/// op's own memory, valid while `op` is neither moved nor dropped. Preparing does what a push
/// would to the op itself: a `Close` gives up ownership of its fd (the number in the
/// entry's `fd` is then the caller's to close), an op on a buffer ring counts as armed until
/// it is dropped.
#[doc(hidden)]
pub fn encode<O: Op>(ring: &crate::Ring, op: &mut O) -> Result<[u8; 64], crate::Refused> {
    let id = ring.s.id;
    if O::VALIDATES {
        op.validate(id)?;
    }
    let mut sqe = Sqe::default();
    op.prepare(&mut sqe, id);
    Ok(sqe.to_bytes())
}

/// An SQE for `opcode` with everything else zero (what liburing's `io_uring_prep_rw`
/// starts from).
#[inline]
pub(crate) fn sqe(opcode: u32, flags: OpFlags) -> Sqe {
    Sqe {
        opcode: opcode as u8,
        flags: flags.bits(),
        fd: -1,
        ..Sqe::default()
    }
}

/// The one table every op comes from. An entry:
///
/// ```text
/// /// docs
/// ["io_uring_prep_x", IORING_OP_X, "5.6", extras...]
/// X<F: IoFd, B: Bound>(ctor args) { field: Type = init, ... }
/// fds(fd: F)                                   // optional: fields naming a file, checked at push
/// prepare(&mut self, sqe, ring) { sqe.set_fd(&self.fd); ... }   // sqe starts as opcode + flags
/// record(&mut self, cqe) { ... }               // optional: sees every CQE (multishot, zero-copy)
/// validate(&self, ring) { ... }                // optional: flag words, slots, buffer rings
/// complete(self, cqe) -> Output { ... }
/// ```
///
/// Extras: `unmanaged` (nothing to keep alive once the SQE is written, given files that are
/// [`Forever`](crate::fd::Forever): may be pushed with a user's user_data, and wear [`SkipSuccess`]);
/// `owns_nothing` (after `unmanaged`, on an op without type parameters whose `complete`
/// reads only the CQE: a tagged push keeps no table row, see [`Op::FROM_CQE`]; a
/// `complete` that touches `self` does not compile);
/// `ioprio` (the kernel reads `sqe->ioprio` as an I/O priority for this op: an
/// `ioprio(IoPriority)` setter for the entry's `ioprio: u16` field, which its `prepare`
/// copies into the SQE).
macro_rules! define_ops {
    ($(
        $(#[$meta:meta])*
        [$helper:literal, $opcode:ident, $since:literal $(, $extra:ident)*]
        $name:ident $(<$($g:ident: $b:path),+>)? ($($a:ident: $at:ty),* $(,)?) { $($f:ident: $ft:ty = $init:expr),* $(,)? }
        $(fds($($fdf:ident: $fdt:ty),+))?
        prepare(&mut $ps:ident, $sqe:ident $(, $pring:ident)?) $prep:block
        $(record(&mut $rs:ident, $rc:ident) $rec:block)?
        $(validate(&$vs:ident, $vid:ident) $val:block)?
        complete($cs:ident, $cqe:ident) -> $out:ty $complete:block
    )*) => {
        /// This family's rows of [`catalogue`](crate::op::catalogue).
        pub(crate) const CATALOGUE: &[$crate::op::OpInfo] = &[$(
            $crate::op::OpInfo {
                helper: $helper,
                name: stringify!($name),
                opcode: stringify!($opcode),
                since: $since,
                family: $crate::op::family(module_path!()),
                available: cfg!(liburing_has = $helper),
            },
        )*];
        $(
        $(#[$meta])*
        ///
        #[doc = concat!("C: `", $helper, "` / `", stringify!($opcode), "`, kernel ", $since, ".")]
        #[doc(alias = $helper)]
        #[cfg(liburing_has = $helper)]
        #[derive(Debug)]
        pub struct $name $(<$($g),+>)? {
            $($f: $ft,)*
            sqe_flags: $crate::OpFlags,
            personality: u16,
        }

        #[cfg(liburing_has = $helper)]
        impl $(<$($g: $b),+>)? $name $(<$($g),+>)? {
            #[doc = concat!("The operation `", $helper, "` prepares, with these arguments.")]
            #[allow(clippy::too_many_arguments, clippy::new_without_default)]
            pub fn new($($a: $at),*) -> Self {
                $name { $($f: $init,)* sqe_flags: $crate::OpFlags::empty(), personality: 0 }
            }

            $crate::op::op_setters!();
        }

        #[cfg(liburing_has = $helper)]
        impl $(<$($g: $b),+>)? $crate::op::private::Sealed for $name $(<$($g),+>)? {
            const OPCODE: u8 = $crate::sys::$opcode as u8;
            const VALIDATES: bool = false
                $($(|| <$fdt as $crate::fd::IoFd>::CHECKED)+)?
                $(|| $crate::op::define_ops!(@true $vs))?;
            const RECORDS: bool = false $(|| $crate::op::define_ops!(@true $rs))?;
            #[inline]
            #[allow(unused_variables)]
            fn prepare(&mut $ps, $sqe: &mut $crate::entry::Sqe, ring: u64) {
                $(let $pring = ring;)?
                *$sqe = $crate::op::sqe($crate::sys::$opcode as u32, $ps.sqe_flags);
                $sqe.personality = $ps.personality;
                $prep
            }
            $(
                #[inline]
                fn record(&mut $rs, $rc: &$crate::entry::Cqe) $rec
            )?
            $crate::op::define_ops!(@validate [$($($fdf: $fdt),+)?] [$(($vs, $vid) $val)?]);
        }

        #[cfg(liburing_has = $helper)]
        impl $(<$($g: $b),+>)? $crate::op::Op for $name $(<$($g),+>)? {
            type Output = $out;
            #[inline]
            #[allow(unused_mut)]
            fn complete(mut $cs, $cqe: $crate::entry::Cqe) -> $out $complete
            const FROM_CQE: Option<fn($crate::entry::Cqe) -> $out> =
                $crate::op::define_ops!(@from_cqe [$($extra)*] $cqe $out $complete);
        }

        $crate::op::define_ops!(@extras [$($extra)*] $helper $name [$($($g: $b),+)?]);
    )*};
    (@true $x:ident) => { true };
    (@from_cqe [] $cqe:ident $out:ty $complete:block) => { None };
    (@from_cqe [owns_nothing $($rest:ident)*] $cqe:ident $out:ty $complete:block) => {{
        // A free function: a `complete` that reads `self` fails to compile here.
        fn from_cqe($cqe: $crate::entry::Cqe) -> $out $complete
        Some(from_cqe)
    }};
    (@from_cqe [$other:ident $($rest:ident)*] $cqe:ident $out:ty $complete:block) => {
        $crate::op::define_ops!(@from_cqe [$($rest)*] $cqe $out $complete)
    };
    (@validate [$($fdf:ident: $fdt:ty),*] [($vs:ident, $vid:ident) $val:block]) => {
        #[inline]
        fn validate(&$vs, $vid: u64) -> Result<(), $crate::Refused> {
            $(<$fdt as $crate::fd::IoFd>::check(&$vs.$fdf, $vid)?;)*
            $val
        }
    };
    (@validate [$($fdf:ident: $fdt:ty),*] []) => {
        #[inline]
        #[allow(unused_variables)]
        fn validate(&self, ring: u64) -> Result<(), $crate::Refused> {
            $(<$fdt as $crate::fd::IoFd>::check(&self.$fdf, ring)?;)*
            Ok(())
        }
    };
    (@extras [] $helper:literal $name:ident [$($gen:tt)*]) => {};
    (@extras [$first:ident $($rest:ident)*] $helper:literal $name:ident [$($gen:tt)*]) => {
        $crate::op::define_ops!(@$first $helper $name [$($gen)*]);
        $crate::op::define_ops!(@extras [$($rest)*] $helper $name [$($gen)*]);
    };
    (@ioprio $helper:literal $name:ident [$($g:ident: $b:path),*]) => {
        #[cfg(liburing_has = $helper)]
        impl<$($g: $b),*> $name<$($g),*> {
            /// Runs the request at I/O priority `prio` (`sqe->ioprio`, kernel 5.1) instead
            /// of the submitting task's; see [`IoPriority`](crate::op::IoPriority).
            pub fn ioprio(mut self, prio: $crate::op::IoPriority) -> Self {
                self.ioprio = prio.bits();
                self
            }
        }
    };
    // No type parameters (an op generic over its file is unmanaged only for some files),
    // unmanaged, and nothing recorded of its CQEs.
    (@owns_nothing $helper:literal $name:ident []) => {
        #[cfg(liburing_has = $helper)]
        const _: () = {
            fn unmanaged<T: $crate::op::Unmanaged>() {}
            let _ = unmanaged::<$name>;
            assert!(!<$name as $crate::op::private::Sealed>::RECORDS);
        };
    };
    (@unmanaged $helper:literal $name:ident [$($g:ident: $b:path),*]) => {
        #[cfg(liburing_has = $helper)]
        impl<$($g: $b + $crate::fd::Forever),*> $crate::op::Unmanaged for $name<$($g),*> {}

        #[cfg(liburing_has = $helper)]
        impl<$($g: $b + $crate::fd::Forever),*> $name<$($g),*> {
            /// Posts no completion when it succeeds (`IOSQE_CQE_SKIP_SUCCESS`, kernel 5.17),
            /// for [`push_with_user_data`](crate::Ring::push_with_user_data) only: see
            /// [`SkipSuccess`](crate::op::SkipSuccess).
            #[doc(alias = "IOSQE_CQE_SKIP_SUCCESS")]
            pub fn skip_success(self) -> $crate::op::SkipSuccess<Self> {
                let drain = self.sqe_flags.contains($crate::OpFlags::IO_DRAIN);
                $crate::op::SkipSuccess::new(self, drain)
            }
        }
    };
}
pub(crate) use define_ops;

/// The per-SQE setters of every op: those of the [`define_ops!`] table, and of the few ops
/// written outside it (variants of a helper that already has its op there: the catalogue
/// keeps one op per helper). Expands inside the op's `impl`; the op has `sqe_flags` and
/// `personality` fields and its `prepare` writes them.
macro_rules! op_setters {
    () => {
        /// Adds per-SQE flags: `IOSQE_IO_LINK`, `IOSQE_IO_HARDLINK`, `IOSQE_IO_DRAIN`,
        /// `IOSQE_ASYNC` ([`OpFlags`](crate::OpFlags); the flags that change how the
        /// kernel reads the SQE come from the op's argument types instead).
        #[doc(alias = "io_uring_sqe_set_flags")]
        pub fn flags(mut self, flags: $crate::OpFlags) -> Self {
            self.sqe_flags |= flags;
            self
        }

        /// Runs the op with the credentials of a personality registered with
        /// [`Ring::register_personality`](crate::Ring::register_personality)
        /// (`sqe->personality`, kernel 5.6); 0, the default, means the submitter's own.
        /// An id the ring does not know completes with `-EINVAL`.
        pub fn personality(mut self, id: u16) -> Self {
            self.personality = id;
            self
        }
    };
}
pub(crate) use op_setters;

/// `system_liburing::op::net` -> `net`; the ops of this file itself are `misc`.
pub(crate) const fn family(module: &'static str) -> &'static str {
    let b = module.as_bytes();
    let mut i = b.len();
    while i > 0 && b[i - 1] != b':' {
        i -= 1;
    }
    let (_, tail) = b.split_at(i);
    if let [b'o', b'p'] = tail {
        return "misc";
    }
    match std::str::from_utf8(tail) {
        Ok(t) => t,
        Err(_) => "misc",
    }
}

/// `Ok(())` or the errno.
#[inline]
pub(crate) fn unit(cqe: &Cqe) -> std::io::Result<()> {
    cqe.result().map(drop)
}

/// A count or the errno.
#[inline]
pub(crate) fn count(cqe: &Cqe) -> std::io::Result<usize> {
    cqe.result().map(|n| n as usize)
}

/// A new fd the kernel installed for us, owned.
pub(crate) fn owned_fd(cqe: &Cqe) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    let fd = cqe.result()?;
    // SAFETY: a non-negative result of open/accept/socket is a fresh fd nobody else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

define_ops! {
    /// The NOP: completes with 0 and does nothing. Its flags (`sqe->nop_flags`) come from
    /// its methods only, each making the kernel do one more harmless thing for tests:
    /// [`inject_result`](Nop::inject_result), [`file`](Nop::file),
    /// [`fixed_buffer`](Nop::fixed_buffer). `IORING_NOP_CQE32` (6.18: two extra words
    /// into a 32-byte CQE), `IORING_NOP_TW` (6.16) and later bits are never set: the first
    /// writes the second half of a big CQE, which is the CQE32 support's to read.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let ticket = ring.push(Nop::new())?; // io_uring_prep_nop + io_uring_submit
    /// assert_eq!(ring.wait_for(ticket)??, 0); // cqe->res == 0
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_nop", IORING_OP_NOP, "5.1", unmanaged, owns_nothing]
    Nop() { inject: Option<i32> = None, file: Option<NopFile> = None, buffer: Option<(u16, u64)> = None }
    prepare(&mut self, sqe) {
        let mut flags = 0;
        if let Some(res) = self.inject {
            flags |= crate::sys::IORING_NOP_INJECT_RESULT;
            sqe.len = res as u32;
        }
        if let Some(f) = &self.file {
            flags |= crate::sys::IORING_NOP_FILE;
            if f.slot.is_some() {
                flags |= crate::sys::IORING_NOP_FIXED_FILE;
            }
            sqe.fd = f.fd;
        }
        if let Some((index, _)) = self.buffer {
            flags |= crate::sys::IORING_NOP_FIXED_BUFFER;
            sqe.buf_index = index;
        }
        sqe.op_flags = flags;
    }
    validate(&self, ring) {
        if let Some(f) = &self.file {
            f.check(ring)?;
        }
        match self.buffer {
            Some((index, of)) if of != ring => Err(crate::Refused::new(
                "buf_index",
                u64::from(index),
                "a registered buffer of another ring",
            )),
            _ => Ok(()),
        }
    }
    complete(self, cqe) -> std::io::Result<u32> { cqe.result() }

    /// The NOP of a 128-byte SQE (`IORING_OP_NOP128`): completes with 0 and does nothing.
    /// Made for rings of 128-byte entries: on a ring built with
    /// [`SetupFlags::SQE128`](crate::SetupFlags::SQE128) it is a NOP like any other (the
    /// crate zeroes the entry's second half, which this op does not use); on a ring of
    /// 64-byte entries the kernel completes it with `EINVAL`. (liburing's other use, a
    /// 128-byte entry taking two slots of an `IORING_SETUP_SQE_MIXED` ring, does not arise:
    /// the crate builds no mixed rings, see [`Builder::setup_flags`](crate::Builder::setup_flags).)
    /// Kernels before 6.19 lack the opcode: the push is
    /// [`PushError::Unsupported`](crate::PushError::Unsupported). Takes no flags.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop128, PushError, Ring, SetupFlags};
    /// let mut ring = Ring::builder().entries(4).setup_flags(SetupFlags::SQE128).build()?;
    /// let t = match ring.push(Nop128::new()) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("skipped: this kernel predates IORING_OP_NOP128 (6.19)");
    ///         return Ok(());
    ///     }
    ///     t => t?,
    /// };
    /// assert_eq!(ring.wait_for(t)??, 0);
    /// // on a ring of 64-byte entries the kernel refuses it
    /// let mut small = Ring::new(4)?;
    /// let t = small.push(Nop128::new())?;
    /// assert_eq!(small.wait_for(t)?.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_nop128", IORING_OP_NOP128, "6.19", unmanaged, owns_nothing]
    Nop128() {}
    prepare(&mut self, sqe) {}
    complete(self, cqe) -> std::io::Result<u32> { cqe.result() }
}

/// The file a [`Nop`] looks up (`IORING_NOP_FILE`): the number or slot, and the slot's ring.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NopFile {
    fd: i32,
    /// `Some` for a registered slot (`IORING_NOP_FIXED_FILE`).
    slot: Option<crate::fd::Fixed>,
    /// A checked file type that is not a `Fixed`: refused rather than passed unchecked.
    unknown: bool,
}

impl NopFile {
    fn check(&self, ring: u64) -> Result<(), crate::Refused> {
        use crate::fd::IoFd;
        match self.slot {
            Some(slot) => slot.check(ring),
            None if self.unknown => Err(crate::Refused::new(
                "fd",
                self.fd as u64,
                "a file type the NOP cannot check against the ring",
            )),
            None => Ok(()),
        }
    }
}

#[cfg(liburing_has = "io_uring_prep_nop")]
impl Nop {
    /// Completes with `res` instead of 0 (`IORING_NOP_INJECT_RESULT`, kernel 6.10; C:
    /// `sqe->nop_flags = IORING_NOP_INJECT_RESULT; sqe->len = res`): a negative `res` is an
    /// error, and fails a chain like one. For testing error paths; nothing else happens.
    /// Older kernels ignore the flag (before 6.10 a NOP reads no flags) and complete with 0.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, OpFlags, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let t = ring.push(Nop::new().inject_result(12345))?;
    /// match ring.wait_for(t)? {
    ///     Ok(0) => {
    ///         eprintln!("skipped: this kernel predates IORING_NOP_INJECT_RESULT (6.10)");
    ///         return Ok(());
    ///     }
    ///     res => assert_eq!(res?, 12345),
    /// }
    /// // an injected -EFAULT fails the NOP and cancels what is linked to it
    /// let failing = ring.push(Nop::new().inject_result(-libc::EFAULT).flags(OpFlags::IO_LINK))?;
    /// let next = ring.push(Nop::new())?;
    /// assert_eq!(ring.wait_for(failing)?.unwrap_err().raw_os_error(), Some(libc::EFAULT));
    /// assert_eq!(ring.wait_for(next)?.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "IORING_NOP_INJECT_RESULT")]
    pub fn inject_result(mut self, res: i32) -> Self {
        self.inject = Some(res);
        self
    }

    /// Looks `file` up as an op on it would, then drops the reference (`IORING_NOP_FILE`,
    /// and `IORING_NOP_FIXED_FILE` for a registered slot, kernel 6.13): `EBADF` when it
    /// names no file. A slot of another ring is refused at push time. The NOP holds nothing
    /// (it is unmanaged), so `file` is one that stays valid by itself: a
    /// [`Fixed`](crate::fd::Fixed) slot, a [`Raw`](crate::fd::Raw) number, a
    /// `BorrowedFd<'static>`. Kernels before 6.13 answer `EINVAL` (6.10-6.12: an unknown
    /// flag) or ignore it (before 6.10).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, PushError, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let null = std::fs::File::open("/dev/null")?;
    /// ring.register_files(&[Some(&null), None])?;
    /// let t = ring.push(Nop::new().file(ring.fixed_file(0)))?;
    /// match ring.wait_for(t)? {
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("skipped: this kernel predates IORING_NOP_FILE (6.13)");
    ///         return Ok(());
    ///     }
    ///     res => assert_eq!(res?, 0), // slot 0 holds /dev/null
    /// }
    /// let t = ring.push(Nop::new().file(ring.fixed_file(1)))?;
    /// match ring.wait_for(t)? {
    ///     Ok(0) => eprintln!("skipped: this kernel does not look the file up (before 6.13)"),
    ///     res => assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF)), // empty slot
    /// }
    /// // another ring's slot is refused
    /// let other = Ring::new(4)?;
    /// let op = Nop::new().file(other.fixed_file(0));
    /// assert!(matches!(ring.push(op), Err(PushError::Invalid(_, why)) if why.what() == "fd"));
    /// # Ok(()) }
    /// ```
    #[doc(alias = "IORING_NOP_FILE")]
    #[doc(alias = "IORING_NOP_FIXED_FILE")]
    pub fn file<F: crate::fd::IoFd + crate::fd::Forever>(mut self, file: F) -> Self {
        let (fd, _) = file.sqe_fd();
        let slot = (&file as &dyn std::any::Any)
            .downcast_ref::<crate::fd::Fixed>()
            .copied();
        self.file = Some(NopFile {
            fd,
            slot,
            unknown: F::CHECKED && slot.is_none(),
        });
        self
    }

    /// Looks the registered buffer up as an op on it would (`IORING_NOP_FIXED_BUFFER`,
    /// kernel 6.13): `EFAULT` when the ring has no buffer at its index. Reads and writes
    /// none of its memory, and does not hold it. A buffer of another ring is refused at
    /// push time. Kernels before 6.13 answer `EINVAL` (6.10-6.12) or ignore it.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{op::Nop, Ring};
    /// let mut ring = Ring::new(4)?;
    /// let bufs = ring.register_buffers(1, 4096)?;
    /// let t = ring.push(Nop::new().fixed_buffer(&bufs[0]))?;
    /// match ring.wait_for(t)? {
    ///     Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///         eprintln!("skipped: this kernel predates IORING_NOP_FIXED_BUFFER (6.13)")
    ///     }
    ///     res => assert_eq!(res?, 0),
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "IORING_NOP_FIXED_BUFFER")]
    pub fn fixed_buffer(mut self, buf: &crate::FixedBuf) -> Self {
        self.buffer = Some((buf.index(), buf.ring()));
        self
    }
}

/// The CQEs a multishot op has been shown and not yet turned into items.
#[derive(Debug, Default)]
pub(crate) struct Shots(std::collections::VecDeque<Cqe>);

impl Shots {
    #[inline]
    pub(crate) fn push(&mut self, cqe: &Cqe) {
        self.0.push_back(*cqe);
    }
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Cqe> {
        self.0.pop_front()
    }
}

/// `sqe->addr_len` (the low `u16` of the word `file_index` shares, whichever the byte order).
#[inline]
pub(crate) fn addr_len_word(len: u16) -> u32 {
    let b = len.to_ne_bytes();
    u32::from_ne_bytes([b[0], b[1], 0, 0])
}

/// How many bytes of a buffer the kernel filled, as far as the op can tell: the result,
/// never more than the length the op gave the kernel (`MSG_TRUNC` reports a datagram's
/// real length, and a CQE is not proof of anything beyond what the SQE allowed).
#[inline]
pub(crate) fn filled(n: u32, given: u32) -> usize {
    n.min(given) as usize
}

#[cfg(all(test, liburing_has = "io_uring_prep_read"))]
mod tests {
    use super::*;

    /// The validation seam checks the op as a push would, writes the op's own memory and
    /// slot into the bytes, and queues nothing.
    #[test]
    fn encode_validates_and_queues_nothing() {
        let mut ring = crate::Ring::new(2).unwrap();
        let other = crate::Ring::new(2).unwrap();
        let buf = Vec::<u8>::with_capacity(16);
        let p = buf.as_ptr() as u64;
        let mut op = Read::new(ring.fixed_file(1), buf, 7);
        let b = encode(&ring, &mut op).unwrap();
        let u32_at = |at: usize| u32::from_ne_bytes(b[at..at + 4].try_into().unwrap());
        let u64_at = |at: usize| u64::from_ne_bytes(b[at..at + 8].try_into().unwrap());
        assert_eq!(u32::from(b[0]), crate::sys::IORING_OP_READ);
        assert_eq!(b[1], crate::SqeFlags::FIXED_FILE.bits());
        assert_eq!(
            (u32_at(4), u64_at(8), u64_at(16), u32_at(24)),
            (1, 7, p, 16)
        );
        assert_eq!(u64_at(32), 0, "user_data is the push's");
        assert_eq!(encode(&other, &mut op).unwrap_err().what(), "fd");
        assert_eq!(ring.submitter().sq_ready(), 0);
    }
}
