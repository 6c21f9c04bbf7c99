//! Ring setup on every liburing: `io_uring_queue_init_params` where the release has it
//! (0.6+), else `io_uring_setup(2)` and `io_uring_queue_mmap`, which is what that function
//! does. The parameters are the kernel's `struct io_uring_params`: liburing 0.1 and 0.2's
//! copy of it predates the `features` and `wq_fd` fields (`resv[5]` in their place).

use crate::sys;

/// `struct io_uring_params` as the kernel lays it out (5.4+ field names).
#[repr(C)]
#[derive(Debug, Default)]
pub(crate) struct Params {
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub flags: u32,
    pub sq_thread_cpu: u32,
    pub sq_thread_idle: u32,
    pub features: u32,
    pub wq_fd: u32,
    pub resv: [u32; 3],
    pub sq_off: sys::io_sqring_offsets,
    pub cq_off: sys::io_cqring_offsets,
}

// The same bytes as the header's struct, whichever release it comes from.
const _: () = assert!(std::mem::size_of::<Params>() == std::mem::size_of::<sys::io_uring_params>());

/// Sets up a ring with `entries` SQ entries and fills `ring` in; 0 or `-errno`, as liburing.
///
/// # Safety
/// `ring` points to a zeroed `io_uring` that lives as long as the ring is used.
pub(crate) unsafe fn queue_init(entries: u32, ring: *mut sys::io_uring, p: &mut Params) -> i32 {
    let raw_params = (p as *mut Params).cast::<sys::io_uring_params>();
    #[cfg(liburing_has = "io_uring_queue_init_params")]
    {
        // SAFETY: `raw_params` is a live struct of the header's size (checked above); the
        // caller vouches for `ring`.
        unsafe { sys::io_uring_queue_init_params(entries, ring, raw_params) }
    }
    #[cfg(not(liburing_has = "io_uring_queue_init_params"))]
    {
        // SAFETY: io_uring_setup(2) reads and writes the params struct for the call only.
        let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, entries, raw_params) };
        if fd < 0 {
            return -std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL);
        }
        let fd = fd as i32;
        // SAFETY: a fresh ring fd and the params the kernel filled in; the caller vouches
        // for `ring`. On failure liburing has unmapped what it mapped and the fd is ours.
        let ret = unsafe { sys::io_uring_queue_mmap(fd, raw_params, ring) };
        if ret != 0 {
            // SAFETY: the fd is ours and nothing else holds it.
            unsafe { libc::close(fd) };
        }
        ret
    }
}
