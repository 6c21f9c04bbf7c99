//! The io-wq worker pool (the kernel threads that run requests which cannot complete
//! without blocking): its size (`IORING_REGISTER_IOWQ_MAX_WORKERS`, kernel 5.15) and CPU
//! affinity (`IORING_REGISTER_IOWQ_AFF`, kernel 5.14).
//!
//! Without SQPOLL the pool belongs to the *calling thread* (every ring that thread submits
//! to shares it), so call these from the thread that submits; with SQPOLL they apply to the
//! poller's pool. The settings are released with the ring (`io_uring_queue_exit`).

use crate::ring::Ring;
#[cfg(not(liburing_has = "io_uring_register_iowq_aff"))]
use crate::sys::IORING_REGISTER_IOWQ_AFF;
#[cfg(not(liburing_has = "io_uring_register_iowq_max_workers"))]
use crate::sys::IORING_REGISTER_IOWQ_MAX_WORKERS;
use crate::sys::IORING_UNREGISTER_IOWQ_AFF;
use std::io;

/// Bits in the CPU mask handed to the kernel (glibc's `CPU_SETSIZE`, `cpu_set_t`).
const CPU_SETSIZE: usize = 1024;

impl Ring {
    /// Caps the io-wq workers (`IORING_REGISTER_IOWQ_MAX_WORKERS`, kernel 5.15):
    /// `[bounded, unbounded]` (bounded: regular file and block I/O; unbounded: everything
    /// else, such as sockets). A 0 leaves that limit as it is, so `[0, 0]` only reads the
    /// current limits. Returns the limits in effect before the call. `EINVAL` for a value
    /// above `i32::MAX`. The kernel clamps the unbounded limit to `RLIMIT_NPROC`.
    #[doc(alias = "io_uring_register_iowq_max_workers")]
    pub fn register_iowq_max_workers(&mut self, limits: [u32; 2]) -> io::Result<[u32; 2]> {
        let mut values = limits;
        #[cfg(liburing_has = "io_uring_register_iowq_max_workers")]
        {
            // SAFETY: the ring is initialised; `values` is the two-element array the call
            // reads and overwrites with the previous limits.
            let ret = unsafe {
                crate::sys::io_uring_register_iowq_max_workers(
                    self.as_raw_mut(),
                    values.as_mut_ptr(),
                )
            };
            crate::error::cvt(ret)?;
        }
        #[cfg(not(liburing_has = "io_uring_register_iowq_max_workers"))]
        crate::syscall::register(
            self.s.ring_fd,
            IORING_REGISTER_IOWQ_MAX_WORKERS,
            values.as_mut_ptr().cast(),
            2,
        )?;
        Ok(values)
    }

    /// Pins the io-wq workers to these CPUs (`IORING_REGISTER_IOWQ_AFF`, kernel 5.14).
    /// `EINVAL` for an empty list, a CPU id of 1024 or more, or CPUs this task may not run
    /// on. Until [`unregister_iowq_aff`](Self::unregister_iowq_aff) or the ring is dropped.
    #[doc(alias = "io_uring_register_iowq_aff")]
    pub fn register_iowq_aff(&mut self, cpus: &[usize]) -> io::Result<()> {
        // A cpu_set_t: CPU_SETSIZE bits in unsigned longs; bit n % W of word n / W is CPU n.
        const W: usize = libc::c_ulong::BITS as usize;
        let mut mask: [libc::c_ulong; CPU_SETSIZE / W] = [0; CPU_SETSIZE / W];
        if cpus.is_empty() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        for &cpu in cpus {
            if cpu >= CPU_SETSIZE {
                return Err(io::Error::from_raw_os_error(libc::EINVAL));
            }
            mask[cpu / W] |= 1 << (cpu % W);
        }
        #[cfg(liburing_has = "io_uring_register_iowq_aff")]
        {
            const _: () = assert!(CPU_SETSIZE / 8 == std::mem::size_of::<libc::cpu_set_t>());
            // SAFETY: the ring is initialised; `mask` is a cpu_set_t's worth of bytes (size
            // asserted above) that the kernel copies during the call.
            let ret = unsafe {
                crate::sys::io_uring_register_iowq_aff(
                    self.as_raw_mut(),
                    std::mem::size_of_val(&mask),
                    mask.as_ptr().cast(),
                )
            };
            crate::error::cvt(ret).map(drop)
        }
        #[cfg(not(liburing_has = "io_uring_register_iowq_aff"))]
        crate::syscall::register(
            self.s.ring_fd,
            IORING_REGISTER_IOWQ_AFF,
            mask.as_ptr().cast(),
            std::mem::size_of_val(&mask) as u32,
        )
        .map(drop)
    }

    /// Lets the io-wq workers run on any CPU again (`IORING_UNREGISTER_IOWQ_AFF`, 5.14).
    ///
    /// Made directly on every liburing: 2.1's `io_uring_unregister_iowq_aff` sends
    /// `IORING_REGISTER_IOWQ_AFF` instead (fixed in 2.2), which the kernel refuses with
    /// `EINVAL`.
    #[doc(alias = "io_uring_unregister_iowq_aff")]
    pub fn unregister_iowq_aff(&mut self) -> io::Result<()> {
        crate::syscall::register(
            self.s.ring_fd,
            IORING_UNREGISTER_IOWQ_AFF,
            std::ptr::null(),
            0,
        )
        .map(drop)
    }
}
