//! The liburing-shaped unsafe layer, for porting C line by line: `get_sqe`, `prep_*` on an
//! SQE wrapper (each a call to the installed liburing's own helper through the shim),
//! `peek_cqe_raw` / `cqe_seen`. Everything else liburing has is in [`crate::sys`], callable on
//! [`Ring::as_raw_mut`].
//!
//! Raw requests may use any user_data whose bit 63 is clear (pointers of user space always
//! are on x86-64 and arm64); bit 63 is the crate's managed-op space.

use crate::ring::Ring;
use crate::sq::Sqe;
use crate::{sys, SqeFlags};
use std::marker::PhantomData;

/// An SQE taken with [`Ring::get_sqe`]; it is submitted with the next submit.
pub struct RawSqe<'a> {
    sqe: *mut sys::io_uring_sqe,
    _ring: PhantomData<&'a mut Ring>,
}

impl Ring {
    /// liburing's `io_uring_get_sqe`: the next free SQE, `None` when the SQ is full.
    ///
    /// # Safety
    /// Whatever the SQE is prepared with must stay valid until its CQE is reaped (buffers,
    /// iovecs, timespecs), as in C; its user_data must have bit 63 clear.
    #[doc(alias = "io_uring_get_sqe")]
    pub unsafe fn get_sqe(&mut self) -> Option<RawSqe<'_>> {
        // SAFETY: the ring is initialised; liburing's helper updates the same sqe_tail that
        // the safe submitter uses.
        let sqe = unsafe { sys::io_uring_get_sqe(self.as_raw_mut()) };
        (!sqe.is_null()).then_some(RawSqe {
            sqe,
            _ring: PhantomData,
        })
    }

    /// liburing's own `io_uring_peek_cqe`, exactly as the linked version behaves (before
    /// liburing 0.7 it does not look at `IORING_SQ_CQ_OVERFLOW`; [`Ring::peek`] always does).
    /// Returns a pointer into the CQ ring, valid until [`cqe_seen`](Ring::cqe_seen).
    ///
    /// # Safety
    /// The CQE must be marked seen exactly once and not used after that. Managed ops whose
    /// CQE is consumed this way are never marked done (their memory stays until drop).
    #[doc(alias = "io_uring_peek_cqe")]
    pub unsafe fn peek_cqe_raw(&mut self) -> Result<*mut sys::io_uring_cqe, std::io::Error> {
        let mut cqe = std::ptr::null_mut();
        // SAFETY: the ring is initialised; `cqe` is a valid out-pointer.
        let ret = unsafe { sys::io_uring_peek_cqe(self.as_raw_mut(), &mut cqe) };
        // liburing 0.1 answers an empty ring with 0 and no CQE: the EAGAIN of later releases.
        crate::error::cvt(ret).and_then(|_| {
            if cqe.is_null() {
                Err(std::io::Error::from_raw_os_error(libc::EAGAIN))
            } else {
                Ok(cqe)
            }
        })
    }

    /// liburing's `io_uring_cqe_seen`.
    ///
    /// # Safety
    /// `cqe` must come from [`peek_cqe_raw`](Ring::peek_cqe_raw) (or a liburing call) on this
    /// ring and not have been marked seen yet.
    #[doc(alias = "io_uring_cqe_seen")]
    pub unsafe fn cqe_seen(&mut self, cqe: *mut sys::io_uring_cqe) {
        // SAFETY: per the contract above.
        unsafe { sys::io_uring_cqe_seen(self.as_raw_mut(), cqe) }
    }
}

impl Ring {
    /// liburing's own `io_uring_get_events` (liburing 2.3+): one
    /// `IORING_ENTER_GETEVENTS`, flushing the overflow list and task work. Returns
    /// `Unsupported` when the linked liburing does not export it.
    #[doc(alias = "io_uring_get_events")]
    pub fn get_events(&mut self) -> std::io::Result<()> {
        crate::syscall::liburing_get_events(self.as_raw_mut()).unwrap_or_else(|| {
            Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                format!(
                    "liburing {} does not export io_uring_get_events (2.3+)",
                    crate::LIBURING_BUILD_VERSION
                ),
            ))
        })
    }
}

impl RawSqe<'_> {
    /// The SQE, for any `sys::io_uring_prep_*` not wrapped here.
    pub fn as_mut_ptr(&mut self) -> *mut sys::io_uring_sqe {
        self.sqe
    }

    /// `io_uring_sqe_set_data64`.
    ///
    /// # Safety
    /// Bit 63 of `data` must be clear (it is the crate's managed-op space).
    #[doc(alias = "io_uring_sqe_set_data64")]
    #[doc(alias = "io_uring_sqe_set_data")]
    pub unsafe fn set_data64(&mut self, data: u64) {
        // SAFETY: the SQE is ours until the next submit; Sqe is the kernel's layout.
        unsafe { (*self.sqe.cast::<Sqe>()).user_data = data };
    }

    /// `io_uring_sqe_set_flags`.
    ///
    /// # Safety
    /// As in C: the flags must make sense for the request.
    #[doc(alias = "io_uring_sqe_set_flags")]
    pub unsafe fn set_flags(&mut self, flags: SqeFlags) {
        // SAFETY: as above.
        unsafe { (*self.sqe.cast::<Sqe>()).flags = flags.bits() };
    }
}

/// Forwards to the installed liburing's helper; `as _` absorbs the argument types that differ
/// between releases (`off_t` before 2.0, `__u64` after). A helper the release lacks (0.3 has
/// no `io_uring_prep_read`) leaves its method out.
macro_rules! raw_prep {
    ($($name:ident => $cfn:ident $alias:literal ($($arg:ident: $ty:ty),*);)*) => {
        impl RawSqe<'_> {$(
            #[doc = concat!("`", stringify!($cfn), "` on this SQE.")]
            ///
            /// # Safety
            /// As in C: every pointer must stay valid until the CQE is reaped.
            #[doc(alias = $alias)]
            #[cfg(liburing_has = $alias)]
            #[allow(clippy::unnecessary_cast)]
            pub unsafe fn $name(&mut self, $($arg: $ty),*) {
                // SAFETY: the SQE is ours until submit; the caller vouches for the pointers.
                unsafe { sys::$cfn(self.sqe, $($arg as _),*) }
            }
        )*}
    };
}

raw_prep! {
    prep_nop => io_uring_prep_nop "io_uring_prep_nop"();
    prep_read => io_uring_prep_read "io_uring_prep_read"(fd: i32, buf: *mut std::ffi::c_void, nbytes: u32, offset: u64);
    prep_write => io_uring_prep_write "io_uring_prep_write"(fd: i32, buf: *const std::ffi::c_void, nbytes: u32, offset: u64);
    prep_readv => io_uring_prep_readv "io_uring_prep_readv"(fd: i32, iovecs: *const libc::iovec, nr_vecs: u32, offset: u64);
    prep_writev => io_uring_prep_writev "io_uring_prep_writev"(fd: i32, iovecs: *const libc::iovec, nr_vecs: u32, offset: u64);
    prep_fsync => io_uring_prep_fsync "io_uring_prep_fsync"(fd: i32, fsync_flags: u32);
    prep_poll_add => io_uring_prep_poll_add "io_uring_prep_poll_add"(fd: i32, poll_mask: u32);
    prep_close => io_uring_prep_close "io_uring_prep_close"(fd: i32);
    prep_timeout => io_uring_prep_timeout "io_uring_prep_timeout"(ts: *mut sys::__kernel_timespec, count: u32, flags: u32);
    prep_cancel => io_uring_prep_cancel "io_uring_prep_cancel"(user_data: *mut std::ffi::c_void, flags: i32);
}
