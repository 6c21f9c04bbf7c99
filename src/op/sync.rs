//! Waiting on futexes and child processes (kernel 6.7, liburing 2.5+).
// Some imports serve only ops that newer liburing releases enable.
#![allow(unused_imports)]

use super::define_ops;
use std::io;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;

/// `FUTEX2_SIZE_U32`: the futex word is 32 bits.
#[allow(dead_code)]
const FUTEX2_SIZE_U32: i32 = 2;

define_ops! {
    /// Waits while the futex word equals `val` (under `mask`), until a wake. The word is
    /// shared and kept alive by the op.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::{atomic::AtomicU32, Arc};
    /// use system_liburing::op::{FutexWait, FutexWake};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let word = Arc::new(AtomicU32::new(0));
    /// // sleeps while the word is 0 (mask: any bit, FUTEX_BITSET_MATCH_ANY)
    /// let wait = ring.push(FutexWait::new(word.clone(), 0, u32::MAX))?;
    /// ring.submit()?;
    /// let wake = ring.push(FutexWake::new(word.clone(), 1, u32::MAX))?;
    /// assert_eq!(ring.wait_for(wake)??, 1);
    /// ring.wait_for(wait)??; // woken
    /// // a word that does not hold `val` does not wait: EAGAIN
    /// let wait = ring.push(FutexWait::new(word, 1, u32::MAX))?;
    /// assert_eq!(ring.wait_for(wait)?.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_futex_wait", IORING_OP_FUTEX_WAIT, "6.7"]
    FutexWait(futex: Arc<AtomicU32>, val: u32, mask: u32) { futex: Arc<AtomicU32> = futex, val: u32 = val, mask: u32 = mask }
    prepare(&mut self, sqe) {
        sqe.fd = FUTEX2_SIZE_U32;
        sqe.addr = self.futex.as_ptr() as u64;
        sqe.off = u64::from(self.val);
        sqe.addr3 = u64::from(self.mask);
    }
    complete(self, cqe) -> io::Result<()> { super::unit(&cqe) }

    /// Wakes up to `nr` waiters of the futex word (under `mask`); completes with how many
    /// were woken.
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
    /// let wake = ring.push(FutexWake::new(word.clone(), 8, u32::MAX))?;
    /// assert_eq!(ring.wait_for(wake)??, 0);
    /// let wait = ring.push(FutexWait::new(word.clone(), 0, u32::MAX))?;
    /// ring.submit()?;
    /// // up to 8 waiters: the one there is
    /// let wake = ring.push(FutexWake::new(word, 8, u32::MAX))?;
    /// assert_eq!(ring.wait_for(wake)??, 1);
    /// ring.wait_for(wait)??;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_futex_wake", IORING_OP_FUTEX_WAKE, "6.7"]
    FutexWake(futex: Arc<AtomicU32>, nr: u32, mask: u32) { futex: Arc<AtomicU32> = futex, nr: u32 = nr, mask: u32 = mask }
    prepare(&mut self, sqe) {
        sqe.fd = FUTEX2_SIZE_U32;
        sqe.addr = self.futex.as_ptr() as u64;
        sqe.off = u64::from(self.nr);
        sqe.addr3 = u64::from(self.mask);
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// `waitid(2)`: waits for a child state change (`idtype`: `libc::P_PID`, `P_ALL`...;
    /// `options`: `libc::WEXITED`...); hands back the `siginfo_t`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::process::Command;
    /// use system_liburing::{op::Waitid, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let child = Command::new("sh").args(["-c", "exit 3"]).spawn()?;
    /// // waitid(P_PID, pid, &info, WEXITED)
    /// let ticket = ring.push(Waitid::new(libc::P_PID, child.id(), libc::WEXITED))?;
    /// let info = ring.wait_for(ticket)??;
    /// assert_eq!(info.si_code, libc::CLD_EXITED);
    /// // SAFETY: a CLD_EXITED siginfo_t carries the pid and the exit status.
    /// let (pid, status) = unsafe { (info.si_pid(), info.si_status()) };
    /// assert_eq!((pid as u32, status), (child.id(), 3));
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
    complete(self, cqe) -> io::Result<Box<libc::siginfo_t>> { super::unit(&cqe).map(|()| self.info.0) }

    /// Waits on several futex words at once (`futex_waitv(2)`): each `(word, val)` pair
    /// sleeps while the word equals `val`; completes with the index of the one woken (by a
    /// [`FutexWake`] or `futex(2)`), or `EAGAIN` at once when a word already differs. The
    /// words are shared and kept alive by the op; `flags` is 0.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::sync::{atomic::AtomicU32, Arc};
    /// use system_liburing::{op::{FutexWaitv, FutexWake}, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (a, b) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    /// let wait = ring.push(FutexWaitv::new(vec![(a.clone(), 0), (b.clone(), 0)], 0))?;
    /// ring.submit()?;
    /// let wake = ring.push(FutexWake::new(b, 1, u32::MAX))?;
    /// assert_eq!(ring.wait_for(wake)??, 1); // one waiter woken
    /// assert_eq!(ring.wait_for(wait)??, 1); // ... on the second word
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_futex_waitv", IORING_OP_FUTEX_WAITV, "6.7"]
    FutexWaitv(futexes: Vec<(Arc<AtomicU32>, u32)>, flags: u32) {
        waiters: FutexWaiters = FutexWaiters::new(futexes), waitv_flags: u32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.addr = self.waiters.vec.as_ptr() as u64;
        sqe.len = self.waiters.vec.len() as u32;
        sqe.op_flags = self.waitv_flags;
    }
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
    fn new(futexes: Vec<(Arc<AtomicU32>, u32)>) -> FutexWaiters {
        let vec = futexes
            .iter()
            .map(|(w, val)| FutexWaitvAbi {
                val: u64::from(*val),
                uaddr: w.as_ptr() as u64,
                // The same futex kind FutexWait / FutexWake use, so they meet.
                flags: FUTEX2_SIZE_U32 as u32,
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
