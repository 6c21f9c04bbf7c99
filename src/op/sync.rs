//! Waiting on futexes and child processes (kernel 6.7, liburing 2.5+).
//!
//! A futex word is an `Arc<AtomicU32>` the op keeps alive, and the crate alone says how big
//! it is (`FUTEX2_SIZE_U32`): the user's futex flags may carry only [`FUTEX2_FLAGS`]. A
//! `waitid` names processes by number, never by fd: its `idtype` is one of
//! [`WAITID_IDTYPES`] and its options within [`WAITID_OPTIONS`].
// Some imports serve only ops that newer liburing releases enable.
#![allow(unused_imports)]

use super::define_ops;
use crate::error::allow_bits;
use crate::Refused;
use std::io;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;

/// `FUTEX2_SIZE_U32`: the futex word is 32 bits. Set by the crate on every futex it names:
/// the word is an `AtomicU32`, and a larger size would make the kernel read (and compare)
/// memory past it.
#[allow(dead_code)] // used only where liburing has the futex helpers
const FUTEX2_SIZE_U32: u32 = 0x02;

/// `FUTEX2_PRIVATE` (6.7): the futex is private to this process (no cross-process key
/// lookup). A waiter and a waker meet only when both carry it or both do not.
#[doc(alias = "FUTEX_PRIVATE_FLAG")]
pub const FUTEX2_PRIVATE: u32 = 128;

/// The futex2 flag bits `FutexWait`, `FutexWake` and `FutexWaitv` accept from the
/// user: [`FUTEX2_PRIVATE`], which changes only how the kernel keys the word. The size bits
/// (`FUTEX2_SIZE_*`) are the crate's — it sets `FUTEX2_SIZE_U32`, the size of the
/// `AtomicU32` — and `FUTEX2_NUMA` (6.16: a node id stored after the word, which the kernel
/// reads and may write), `FUTEX2_MPOL` and any other bit are refused.
pub const FUTEX2_FLAGS: u32 = FUTEX2_PRIVATE;

/// The `idtype` values `Waitid` accepts: `P_ALL`, `P_PID`, `P_PGID` — `id` is then
/// ignored, a pid, or a process group id. `P_PIDFD` (5.4) is refused: it makes `id` an fd
/// number the kernel looks up, which a plain integer cannot vouch for.
pub const WAITID_IDTYPES: &[libc::idtype_t] = &[libc::P_ALL, libc::P_PID, libc::P_PGID];

/// The option bits `Waitid` accepts: `WEXITED`, `WSTOPPED`, `WCONTINUED`, `WNOHANG`,
/// `WNOWAIT` (2.6.9), `__WNOTHREAD`, `__WCLONE`, `__WALL` (4.7 for `waitid`) — which
/// children and state changes to wait for. The kernel writes the same `siginfo_t` the op
/// owns whatever they are. Any other bit is refused.
pub const WAITID_OPTIONS: i32 = libc::WEXITED
    | libc::WSTOPPED
    | libc::WCONTINUED
    | libc::WNOHANG
    | libc::WNOWAIT
    | libc::__WNOTHREAD
    | libc::__WCLONE
    | libc::__WALL;

// The kernel writes at most a whole `siginfo_t` (128 bytes), the box a `Waitid` owns.
const _: () = assert!(std::mem::size_of::<libc::siginfo_t>() == 128);

#[allow(dead_code)] // used only where liburing has the futex helpers
fn futex_flags_ok(flags: u32) -> Result<(), Refused> {
    allow_bits(
        "futex_flags",
        u64::from(flags),
        u64::from(FUTEX2_FLAGS),
        "only FUTEX2_PRIVATE may come from the user: the crate sets the size (FUTEX2_SIZE_U32, an AtomicU32)",
    )
}

define_ops! {
    /// Waits while the futex word equals `val` (under `mask`), until a wake. The word is
    /// shared and kept alive by the op. `futex_flags` within [`FUTEX2_FLAGS`] (0, or
    /// [`FUTEX2_PRIVATE`]); the crate adds `FUTEX2_SIZE_U32`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::{atomic::AtomicU32, Arc};
    /// use system_liburing::op::{FutexWait, FutexWake, FUTEX2_PRIVATE};
    /// use system_liburing::{PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let word = Arc::new(AtomicU32::new(0));
    /// // sleeps while the word is 0 (mask: any bit, FUTEX_BITSET_MATCH_ANY)
    /// let wait = ring.push(FutexWait::new(word.clone(), 0, u32::MAX, FUTEX2_PRIVATE))?;
    /// ring.submit()?;
    /// let wake = ring.push(FutexWake::new(word.clone(), 1, u32::MAX, FUTEX2_PRIVATE))?;
    /// assert_eq!(ring.wait_for(wake)??, 1);
    /// ring.wait_for(wait)??; // woken
    /// // a word that does not hold `val` does not wait: EAGAIN
    /// let wait = ring.push(FutexWait::new(word.clone(), 1, u32::MAX, 0))?;
    /// assert_eq!(ring.wait_for(wait)?.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
    /// // FUTEX2_SIZE_U64 (3) would compare 8 bytes of a 4-byte word: refused.
    /// let wide = FutexWait::new(word, 0, u32::MAX, 3);
    /// let Err(PushError::Invalid(_, why)) = ring.push(wide) else { panic!("queued") };
    /// assert_eq!((why.what(), why.value()), ("futex_flags", 3));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_futex_wait", IORING_OP_FUTEX_WAIT, "6.7"]
    FutexWait(futex: Arc<AtomicU32>, val: u32, mask: u32, futex_flags: u32) {
        futex: Arc<AtomicU32> = futex, val: u32 = val, mask: u32 = mask, futex_flags: u32 = futex_flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = (self.futex_flags | FUTEX2_SIZE_U32) as i32;
        sqe.addr = self.futex.as_ptr() as u64;
        sqe.off = u64::from(self.val);
        sqe.addr3 = u64::from(self.mask);
    }
    validate(&self, _ring) { futex_flags_ok(self.futex_flags) }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }

    /// Wakes up to `nr` waiters of the futex word (under `mask`); completes with how many
    /// were woken. `futex_flags` within [`FUTEX2_FLAGS`]; the crate adds `FUTEX2_SIZE_U32`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::{atomic::AtomicU32, Arc};
    /// use system_liburing::op::{FutexWait, FutexWake};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let word = Arc::new(AtomicU32::new(0));
    /// // nobody waits yet: nobody is woken
    /// let wake = ring.push(FutexWake::new(word.clone(), 8, u32::MAX, 0))?;
    /// assert_eq!(ring.wait_for(wake)??, 0);
    /// let wait = ring.push(FutexWait::new(word.clone(), 0, u32::MAX, 0))?;
    /// ring.submit()?;
    /// // up to 8 waiters: the one there is
    /// let wake = ring.push(FutexWake::new(word, 8, u32::MAX, 0))?;
    /// assert_eq!(ring.wait_for(wake)??, 1);
    /// ring.wait_for(wait)??;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_futex_wake", IORING_OP_FUTEX_WAKE, "6.7"]
    FutexWake(futex: Arc<AtomicU32>, nr: u32, mask: u32, futex_flags: u32) {
        futex: Arc<AtomicU32> = futex, nr: u32 = nr, mask: u32 = mask, futex_flags: u32 = futex_flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = (self.futex_flags | FUTEX2_SIZE_U32) as i32;
        sqe.addr = self.futex.as_ptr() as u64;
        sqe.off = u64::from(self.nr);
        sqe.addr3 = u64::from(self.mask);
    }
    validate(&self, _ring) { futex_flags_ok(self.futex_flags) }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// `waitid(2)`: waits for a child state change; hands back the `siginfo_t`. `idtype`
    /// one of [`WAITID_IDTYPES`] (`libc::P_PID`, `P_ALL`, `P_PGID`: `P_PIDFD` is refused),
    /// `options` within [`WAITID_OPTIONS`] (`libc::WEXITED`...).
    ///
    /// Like `waitid(2)` it reaps the child it reports unless `options` has `WNOWAIT`: a
    /// `std::process::Child` whose process it reaped answers `ECHILD` to `wait`, and its
    /// `kill` may reach a process that reused the pid. Pass `WNOWAIT` for a child that
    /// `std` still owns.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::process::Command;
    /// use system_liburing::{op::Waitid, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let child = Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    /// // waitid(P_PID, pid, &info, WEXITED)
    /// let ticket = ring.push(Waitid::new(libc::P_PID, child.id(), libc::WEXITED))?;
    /// let info = ring.wait_for(ticket)??;
    /// assert_eq!(info.si_code, libc::CLD_EXITED);
    /// // SAFETY: a CLD_EXITED siginfo_t carries the pid and the exit status.
    /// let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
    /// assert_eq!((pid as u32, status), (child.id(), 3));
    /// // P_PIDFD would make `id` an fd number: refused.
    /// let by_fd = Waitid::new(libc::P_PIDFD, 0, libc::WEXITED);
    /// let Err(PushError::Invalid(_, why)) = ring.push(by_fd) else { panic!("queued") };
    /// assert_eq!(why.what(), "idtype");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_waitid", IORING_OP_WAITID, "6.7"]
    Waitid(idtype: libc::idtype_t, id: libc::id_t, options: i32) {
        idtype: libc::idtype_t = idtype, id: libc::id_t = id, options: i32 = options,
        info: SigInfo = SigInfo(zeroed_siginfo())
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.id as i32;
        sqe.len = self.idtype;
        sqe.file_index = self.options as u32;
        sqe.off = &mut *self.info.0 as *mut libc::siginfo_t as u64;
    }
    validate(&self, _ring) {
        if !WAITID_IDTYPES.contains(&self.idtype) {
            return Err(Refused::new(
                "idtype",
                u64::from(self.idtype),
                "only P_ALL, P_PID and P_PGID (WAITID_IDTYPES): P_PIDFD would make id an fd number",
            ));
        }
        allow_bits(
            "options",
            u64::from(self.options as u32),
            u64::from(WAITID_OPTIONS as u32),
            "only the reviewed waitid options (WAITID_OPTIONS) are passed to the kernel",
        )
    }
    complete(self, cqe) -> io::Result<Box<libc::siginfo_t>> { super::unit(&cqe).map(|()| self.info.0) }

    /// Waits on several futex words at once (`futex_waitv(2)`): each `(word, val)` pair
    /// sleeps while the word equals `val`; completes with the index of the one woken (by a
    /// [`FutexWake`] or `futex(2)`), or `EAGAIN` at once when a word already differs. The
    /// words are shared and kept alive by the op. `futex_flags` (within [`FUTEX2_FLAGS`])
    /// goes into every entry's `futex_waitv.flags`, beside the crate's `FUTEX2_SIZE_U32`;
    /// liburing's `flags` argument of `io_uring_prep_futex_waitv`, which the kernel wants 0,
    /// is always 0.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::{atomic::AtomicU32, Arc};
    /// use system_liburing::{op::{FutexWaitv, FutexWake}, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (a, b) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    /// let wait = ring.push(FutexWaitv::new(vec![(a.clone(), 0), (b.clone(), 0)], 0))?;
    /// ring.submit()?;
    /// let wake = ring.push(FutexWake::new(b.clone(), 1, u32::MAX, 0))?;
    /// assert_eq!(ring.wait_for(wake)??, 1); // one waiter woken
    /// assert_eq!(ring.wait_for(wait)??, 1); // ... on the second word
    /// // A size bit is the crate's: refused.
    /// let wide = FutexWaitv::new(vec![(a, 0), (b, 0)], 3);
    /// assert!(matches!(ring.push(wide), Err(PushError::Invalid(..))));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_futex_waitv", IORING_OP_FUTEX_WAITV, "6.7"]
    FutexWaitv(futexes: Vec<(Arc<AtomicU32>, u32)>, futex_flags: u32) {
        waiters: FutexWaiters = FutexWaiters::new(futexes, futex_flags), futex_flags: u32 = futex_flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.addr = self.waiters.vec.as_ptr() as u64;
        sqe.len = self.waiters.vec.len().min(u32::MAX as usize) as u32;
    }
    validate(&self, _ring) { futex_flags_ok(self.futex_flags) }
    complete(self, cqe) -> io::Result<usize> { super::count(&cqe) }
}

#[allow(dead_code)]
fn zeroed_siginfo() -> Box<libc::siginfo_t> {
    // SAFETY: siginfo_t is plain old data; all zeroes is a valid value.
    Box::new(unsafe { std::mem::zeroed() })
}

/// The `siginfo_t` a `Waitid` fills (where liburing has `io_uring_prep_waitid`).
#[allow(dead_code)] // read only where liburing has io_uring_prep_waitid
pub struct SigInfo(Box<libc::siginfo_t>);

impl std::fmt::Debug for SigInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigInfo")
    }
}

// SAFETY: plain data the kernel fills; its pointer-typed fields are never dereferenced here.
unsafe impl Send for SigInfo {}

/// `struct futex_waitv` (linux/futex.h).
#[repr(C)]
#[allow(dead_code)]
struct FutexWaitvAbi {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}

/// The words a [`FutexWaitv`] waits on, and the kernel's array pointing at them.
#[allow(dead_code)]
struct FutexWaiters {
    vec: Vec<FutexWaitvAbi>,
    _words: Vec<Arc<AtomicU32>>,
}

#[allow(dead_code)]
impl FutexWaiters {
    /// `futex_flags` is the user's (checked against [`FUTEX2_FLAGS`] before the op is
    /// queued); the size is the crate's, the same FutexWait / FutexWake use, so they meet.
    fn new(futexes: Vec<(Arc<AtomicU32>, u32)>, futex_flags: u32) -> FutexWaiters {
        let vec = futexes
            .iter()
            .map(|(w, val)| FutexWaitvAbi {
                val: u64::from(*val),
                uaddr: w.as_ptr() as u64,
                flags: futex_flags | FUTEX2_SIZE_U32,
                reserved: 0,
            })
            .collect();
        FutexWaiters {
            vec,
            _words: futexes.into_iter().map(|(w, _)| w).collect(),
        }
    }
}

impl std::fmt::Debug for FutexWaiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FutexWaiters({})", self.vec.len())
    }
}

#[cfg(all(test, liburing_has = "io_uring_prep_futex_waitv"))]
mod tests {
    use super::*;
    use crate::op::private::Sealed;

    #[test]
    fn the_futex_size_is_the_crates() {
        let word = Arc::new(AtomicU32::new(0));
        let mut op = FutexWait::new(word.clone(), 0, u32::MAX, FUTEX2_PRIVATE);
        assert!(op.validate(0).is_ok());
        let mut sqe = crate::entry::Sqe::default();
        op.prepare(&mut sqe, 0);
        assert_eq!(sqe.fd as u32, FUTEX2_PRIVATE | FUTEX2_SIZE_U32);
        // FUTEX2_SIZE_U64 (3), FUTEX2_NUMA (4): memory past the AtomicU32.
        for flags in [3, 4, FUTEX2_SIZE_U32] {
            let op = FutexWake::new(word.clone(), 1, u32::MAX, flags);
            assert_eq!(op.validate(0).unwrap_err().what(), "futex_flags");
        }
        let op = FutexWaitv::new(vec![(word.clone(), 0), (word, 1)], FUTEX2_PRIVATE);
        assert!(op
            .waiters
            .vec
            .iter()
            .all(|w| w.flags == FUTEX2_PRIVATE | FUTEX2_SIZE_U32));
    }

    #[test]
    fn waitid_names_no_fd() {
        let op = Waitid::new(libc::P_PIDFD, 0, libc::WEXITED);
        assert_eq!(op.validate(0).unwrap_err().what(), "idtype");
        let op = Waitid::new(libc::P_ALL, 0, libc::WEXITED | 1 << 4);
        assert_eq!(op.validate(0).unwrap_err().what(), "options");
        assert!(Waitid::new(libc::P_ALL, 0, libc::WEXITED | libc::WNOHANG)
            .validate(0)
            .is_ok());
    }
}
