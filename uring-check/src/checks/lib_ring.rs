//! A ring driven by the linked liburing's own functions only (`io_uring_queue_init_params`,
//! `io_uring_get_sqe`, `io_uring_submit`, `io_uring_queue_exit`...), never by this crate's
//! safe layer: what the checks of liburing's behaviour exercise.

// Which helpers are used depends on what the linked liburing has (checks compile out).
#![allow(dead_code)]

use super::{errno_text, Outcome};
use std::io;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU32, Ordering};
use system_liburing::{sys, LIBURING_BUILD_VERSION};

/// Offsets into the 64-byte SQE (kernel ABI, `struct io_uring_sqe`): fields that sit in
/// unions whose bindgen names change between liburing releases are read by offset.
pub mod sqe_offset {
    /// `__u32 rw_flags` / `nop_flags` / `timeout_flags`...
    pub const OP_FLAGS: usize = 28;
    /// `__u32 file_index` / `__s32 splice_fd_in` (kernel 5.15+ for `file_index`).
    pub const FILE_INDEX: usize = 44;
}

/// `IORING_FILE_INDEX_ALLOC` (kernel 5.19): "allocate a free slot" in a direct-descriptor op.
pub const FILE_INDEX_ALLOC: u32 = !0;
/// `IORING_FEAT_EXT_ARG` (kernel 5.11).
pub const FEAT_EXT_ARG: u32 = 1 << 8;
/// `IORING_FEAT_MIN_TIMEOUT` (kernel 6.12).
pub const FEAT_MIN_TIMEOUT: u32 = 1 << 15;
/// `IORING_SETUP_CQSIZE` (kernel 5.5).
pub const SETUP_CQSIZE: u32 = 1 << 3;

/// `liburing 2.3 has no io_uring_foo (added in 2.4)`: the skip of a check whose function the
/// linked liburing lacks.
pub fn lacks(function: &str, added_in: &str) -> Outcome {
    Outcome::skip(format!(
        "liburing {LIBURING_BUILD_VERSION} has no {function} (added in {added_in})"
    ))
}

/// A liburing return value: `-errno` on failure.
pub fn check_ret(what: &str, ret: i32) -> Result<i32, String> {
    if ret < 0 {
        Err(format!(
            "{what} failed: {}",
            errno_text(&io::Error::from_raw_os_error(-ret))
        ))
    } else {
        Ok(ret)
    }
}

/// One reaped completion.
#[derive(Debug, Clone, Copy)]
pub struct Reaped {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
}

/// A ring set up and torn down by the linked liburing.
pub struct LibRing {
    ring: Box<sys::io_uring>,
    /// What the kernel filled in at setup (`features`, sizes).
    pub params: sys::io_uring_params,
}

impl LibRing {
    /// `io_uring_queue_init_params(entries, ring, params)` with these setup flags, and a CQ of
    /// `cq_entries` when given (`IORING_SETUP_CQSIZE`); `Err` carries the `-errno`.
    pub fn new(entries: u32, cq_entries: Option<u32>, flags: u32) -> Result<LibRing, i32> {
        // SAFETY: both are plain C structs for which all-zero is the documented initial state
        // (liburing's own examples memset them).
        let mut ring: Box<sys::io_uring> =
            Box::new(unsafe { MaybeUninit::<sys::io_uring>::zeroed().assume_init() });
        // SAFETY: as above.
        let mut params: sys::io_uring_params =
            unsafe { MaybeUninit::<sys::io_uring_params>::zeroed().assume_init() };
        params.flags = flags;
        if let Some(cq) = cq_entries {
            params.flags |= SETUP_CQSIZE;
            params.cq_entries = cq;
        }
        let ret = init(entries, &mut ring, &mut params);
        if ret < 0 {
            return Err(ret);
        }
        Ok(LibRing { ring, params })
    }

    /// [`LibRing::new`], a setup failure being the check's failure.
    pub fn for_check(
        entries: u32,
        cq_entries: Option<u32>,
        flags: u32,
    ) -> Result<LibRing, Outcome> {
        LibRing::new(entries, cq_entries, flags).map_err(|e| {
            Outcome::fail(format!(
                "io_uring_queue_init_params failed: {}",
                errno_text(&io::Error::from_raw_os_error(-e))
            ))
        })
    }

    /// Takes over a ring that `io_uring_queue_mmap` (or similar) already set up; it is torn
    /// down with `io_uring_queue_exit` on drop.
    pub fn from_raw(ring: Box<sys::io_uring>, params: sys::io_uring_params) -> LibRing {
        LibRing { ring, params }
    }

    /// The `struct io_uring` to hand to liburing's functions; valid while `self` lives.
    pub fn raw(&mut self) -> *mut sys::io_uring {
        &mut *self.ring
    }

    /// `io_uring_get_sqe`, or `None` when the SQ is full.
    pub fn sqe(&mut self) -> Option<*mut sys::io_uring_sqe> {
        // SAFETY: the ring is set up and owned by `self`.
        let sqe = unsafe { sys::io_uring_get_sqe(self.raw()) };
        (!sqe.is_null()).then_some(sqe)
    }

    /// [`LibRing::sqe`] on a ring the check just set up, where a full SQ is the check's failure.
    pub fn sqe_for_check(&mut self) -> Result<*mut sys::io_uring_sqe, Outcome> {
        self.sqe()
            .ok_or_else(|| Outcome::fail("io_uring_get_sqe returned NULL on an empty ring"))
    }

    /// Queues a NOP (`io_uring_prep_nop`) with this user_data; `false` when the SQ is full.
    pub fn nop(&mut self, user_data: u64) -> bool {
        let Some(sqe) = self.sqe() else {
            return false;
        };
        // SAFETY: `sqe` is a free SQE of this ring, written before the submit that hands it
        // to the kernel.
        unsafe {
            sys::io_uring_prep_nop(sqe);
            (*sqe).user_data = user_data;
        }
        true
    }

    /// `io_uring_submit` of the `n` SQEs a check queued; anything else is its failure.
    pub fn submit_all(&mut self, n: i32) -> Result<(), Outcome> {
        match self.submit() {
            r if r == n => Ok(()),
            r => Err(Outcome::fail(format!(
                "io_uring_submit returned {r}, not {n}"
            ))),
        }
    }

    /// Queues a poll for a timerfd that fires in `ms` milliseconds (`io_uring_prep_poll_add`):
    /// a completion that arrives later on its own, without being a timeout request (a
    /// completed IORING_OP_TIMEOUT ends every wait in the kernel, whatever its `wait_nr`).
    /// The timer is closed when the returned fd drops; keep it until the ring is done.
    pub fn poll_timer(&mut self, ms: u64, user_data: u64) -> Result<std::os::fd::OwnedFd, Outcome> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // SAFETY: plain syscall; the fd it returns is owned once, right below.
        let fd = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_CLOEXEC) };
        if fd < 0 {
            return Err(Outcome::fail(format!(
                "timerfd_create failed: {}",
                errno_text(&io::Error::last_os_error())
            )));
        }
        // SAFETY: `fd` was just returned to us and is not owned elsewhere.
        let timer = unsafe { OwnedFd::from_raw_fd(fd) };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: (ms / 1000) as _,
                tv_nsec: ((ms % 1000) * 1_000_000) as _,
            },
        };
        let sqe = self.sqe_for_check()?;
        // SAFETY: `spec` is a valid itimerspec; `sqe` a free SQE of this ring, written before
        // the submit; the timerfd outlives the poll (the caller keeps it).
        unsafe {
            if libc::timerfd_settime(timer.as_raw_fd(), 0, &spec, std::ptr::null_mut()) != 0 {
                return Err(Outcome::fail(format!(
                    "timerfd_settime failed: {}",
                    errno_text(&io::Error::last_os_error())
                )));
            }
            sys::io_uring_prep_poll_add(sqe, timer.as_raw_fd(), libc::POLLIN as _);
            (*sqe).user_data = user_data;
        }
        Ok(timer)
    }

    /// `io_uring_submit`: how many SQEs the kernel took, or the `-errno`.
    pub fn submit(&mut self) -> i32 {
        // SAFETY: the ring is set up and owned by `self`.
        unsafe { sys::io_uring_submit(self.raw()) }
    }

    /// Queues NOPs with user_data `0..n` and submits them through `io_uring_submit` as the SQ
    /// fills, reaping nothing. A kernel refusing a submit with `EBUSY` (overflow list
    /// non-empty, kernels before 5.19) ends the flood. Returns how many the kernel took.
    pub fn flood(&mut self, n: u64) -> Result<u64, String> {
        let (mut queued, mut submitted) = (0u64, 0u64);
        // Every round queues or submits something; the bound only guards a kernel that
        // accepts nothing.
        for _ in 0..n + 64 {
            if queued == n && submitted == queued {
                return Ok(submitted);
            }
            while queued < n && self.nop(queued) {
                queued += 1;
            }
            match self.submit() {
                r if r >= 0 => submitted += r as u64,
                r if r == -libc::EBUSY => return Ok(submitted),
                r => return Err(check_ret("io_uring_submit", r).unwrap_err()),
            }
        }
        Err(format!("the kernel accepted only {submitted} of {n} SQEs"))
    }

    /// Submits what is queued and reaps one completion ([`LibRing::reap`]).
    #[cfg(liburing_has = "io_uring_wait_cqes")]
    pub fn submit_and_reap(&mut self, timeout_ms: u64) -> Result<Reaped, String> {
        check_ret("io_uring_submit", self.submit())?;
        self.reap(timeout_ms)
    }

    /// Reaps one completion, waiting at most `timeout_ms` with `io_uring_wait_cqes`
    /// (liburing 0.2+).
    #[cfg(liburing_has = "io_uring_wait_cqes")]
    pub fn reap(&mut self, timeout_ms: u64) -> Result<Reaped, String> {
        let mut ts = timespec_ms(timeout_ms);
        let mut cqe: *mut sys::io_uring_cqe = std::ptr::null_mut();
        // SAFETY: the ring is live, `ts` outlives the call, and `cqe`, when set, points at a
        // filled CQE of this ring that is read and then marked seen exactly once.
        unsafe {
            let ret =
                sys::io_uring_wait_cqes(self.raw(), &mut cqe, 1, &mut ts, std::ptr::null_mut());
            check_ret(&format!("io_uring_wait_cqes({timeout_ms} ms)"), ret)?;
            if cqe.is_null() {
                return Err("io_uring_wait_cqes returned no completion".into());
            }
            let got = Reaped {
                user_data: (*cqe).user_data,
                res: (*cqe).res,
                flags: (*cqe).flags,
            };
            sys::io_uring_cqe_seen(self.raw(), cqe);
            Ok(got)
        }
    }

    /// Completions in the CQ ring now (`*ktail - *khead`, read as `io_uring_cq_ready` does).
    pub fn cq_ready(&self) -> u32 {
        // SAFETY: `khead` and `ktail` point into the CQ ring mapping, which lives as long as
        // the ring; the kernel writes `ktail` concurrently, hence the atomic load.
        unsafe {
            let tail = (*(self.ring.cq.ktail as *const AtomicU32)).load(Ordering::Acquire);
            tail.wrapping_sub(*self.ring.cq.khead)
        }
    }

    /// Marks every completion in the CQ ring seen (`io_uring_cq_advance`).
    pub fn clear_cq(&mut self) {
        let n = self.cq_ready();
        // SAFETY: the ring is set up; advancing by what is ready only releases filled slots.
        unsafe { sys::io_uring_cq_advance(self.raw(), n) }
    }

    /// `IORING_SQ_CQ_OVERFLOW` (kernel 5.8) read from the SQ ring's flags.
    pub fn overflow_flag(&self) -> bool {
        // SAFETY: `kflags` points into the SQ ring mapping, which lives as long as the ring;
        // the kernel updates it concurrently, hence the atomic load.
        let flags = unsafe { (*(self.ring.sq.kflags as *const AtomicU32)).load(Ordering::Acquire) };
        flags & sys::IORING_SQ_CQ_OVERFLOW != 0
    }
}

impl Drop for LibRing {
    fn drop(&mut self) {
        // SAFETY: the ring was set up by liburing and is torn down exactly once, here.
        unsafe { sys::io_uring_queue_exit(self.raw()) };
    }
}

#[cfg(liburing_has = "io_uring_queue_init_params")]
fn init(entries: u32, ring: &mut sys::io_uring, params: &mut sys::io_uring_params) -> i32 {
    // SAFETY: `ring` and `params` are valid, zeroed structs liburing fills in.
    unsafe { sys::io_uring_queue_init_params(entries, ring, params) }
}

/// Before `io_uring_queue_init_params` (liburing 0.2): flags only, no CQ size.
#[cfg(not(liburing_has = "io_uring_queue_init_params"))]
fn init(entries: u32, ring: &mut sys::io_uring, params: &mut sys::io_uring_params) -> i32 {
    if params.flags & SETUP_CQSIZE != 0 {
        return -libc::EINVAL;
    }
    // SAFETY: `ring` is a valid, zeroed struct liburing fills in.
    unsafe { sys::io_uring_queue_init(entries, ring, params.flags) }
}

/// Reads a `u32` of an SQE by its ABI offset.
pub fn sqe_u32(sqe: *const sys::io_uring_sqe, offset: usize) -> u32 {
    debug_assert!(offset + 4 <= 64);
    // SAFETY: callers pass a valid SQE (64 bytes at least) and an in-bounds, 4-aligned offset.
    unsafe { (sqe as *const u8).add(offset).cast::<u32>().read() }
}

/// Writes a `u32` of an SQE by its ABI offset.
pub fn set_sqe_u32(sqe: *mut sys::io_uring_sqe, offset: usize, value: u32) {
    debug_assert!(offset + 4 <= 64);
    // SAFETY: callers pass a valid, unsubmitted SQE and an in-bounds, 4-aligned offset.
    unsafe { (sqe as *mut u8).add(offset).cast::<u32>().write(value) }
}

/// A relative timespec of `ms` milliseconds, as liburing's helpers take it (those that
/// take one: `io_uring_wait_cqes` and later).
#[cfg(liburing_has = "io_uring_wait_cqes")]
pub fn timespec_ms(ms: u64) -> sys::__kernel_timespec {
    // SAFETY: a plain C struct of two integers.
    let mut ts: sys::__kernel_timespec = unsafe { MaybeUninit::zeroed().assume_init() };
    ts.tv_sec = (ms / 1000) as _;
    ts.tv_nsec = ((ms % 1000) * 1_000_000) as _;
    ts
}
