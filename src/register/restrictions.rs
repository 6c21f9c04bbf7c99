//! Restrictions (`IORING_REGISTER_RESTRICTIONS` / `IORING_REGISTER_ENABLE_RINGS`, kernel
//! 5.10): a ring created disabled ([`Builder::r_disabled`](crate::Builder::r_disabled)) is
//! told once which register opcodes, SQE opcodes and SQE flags it will accept, then enabled.
//! From then on a forbidden SQE completes with `-EACCES` and a forbidden register call fails
//! with `EACCES`. Restrictions cannot be lifted or registered twice; they end with the ring.
//!
//! liburing 2.3 declares `io_uring_register_restrictions` and `io_uring_enable_rings` but its
//! `.so` does not export them, so these calls go to the kernel directly wherever the linked
//! liburing lacks them (and through liburing where it has them).

use crate::flags::SqeFlags;
use crate::ring::Ring;
#[cfg(not(liburing_has = "io_uring_enable_rings"))]
use crate::sys::IORING_REGISTER_ENABLE_RINGS;
#[cfg(not(liburing_has = "io_uring_register_restrictions"))]
use crate::sys::IORING_REGISTER_RESTRICTIONS;
use std::io;

/// One rule of a restricted ring (`struct io_uring_restriction`, kernel 5.10). A restricted
/// ring accepts only what some rule allows: give every register opcode, SQE opcode and SQE
/// flag the ring must still accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Restriction {
    /// `IORING_RESTRICTION_REGISTER_OP` (5.10): allow this `IORING_REGISTER_*` opcode
    /// (`io_uring_register(2)` after the ring is enabled).
    RegisterOp(u8),
    /// `IORING_RESTRICTION_SQE_OP` (5.10): allow this `IORING_OP_*` opcode in SQEs
    /// (for an op type, [`Op::opcode`](crate::Op::opcode), e.g. `Nop::opcode()`).
    SqeOp(u8),
    /// `IORING_RESTRICTION_SQE_FLAGS_ALLOWED` (5.10): SQEs may carry these `IOSQE_*` flags
    /// (any flag not allowed here nor required below is refused).
    SqeFlagsAllowed(SqeFlags),
    /// `IORING_RESTRICTION_SQE_FLAGS_REQUIRED` (5.10): every SQE must carry these flags.
    SqeFlagsRequired(SqeFlags),
}

/// `IORING_RESTRICTION_REGISTER_OP`.
const RESTRICTION_REGISTER_OP: u16 = 0;
/// `IORING_RESTRICTION_SQE_OP`.
const RESTRICTION_SQE_OP: u16 = 1;
/// `IORING_RESTRICTION_SQE_FLAGS_ALLOWED`.
const RESTRICTION_SQE_FLAGS_ALLOWED: u16 = 2;
/// `IORING_RESTRICTION_SQE_FLAGS_REQUIRED`.
const RESTRICTION_SQE_FLAGS_REQUIRED: u16 = 3;

/// `struct io_uring_restriction { __u16 opcode; union { __u8 register_op; __u8 sqe_op;
/// __u8 sqe_flags; }; __u8 resv; __u32 resv2[3]; }` (16 bytes). Stated here because
/// headers before the 5.10 uapi (liburing 0.6) lack it.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RestrictionAbi {
    opcode: u16,
    arg: u8,
    resv: u8,
    resv2: [u32; 3],
}

const _: () = assert!(std::mem::size_of::<RestrictionAbi>() == 16);
#[cfg(liburing_has = "io_uring_register_restrictions")]
const _: () = assert!(
    std::mem::size_of::<RestrictionAbi>()
        == std::mem::size_of::<crate::sys::io_uring_restriction>()
);

impl Restriction {
    fn abi(self) -> RestrictionAbi {
        let (opcode, arg) = match self {
            Restriction::RegisterOp(op) => (RESTRICTION_REGISTER_OP, op),
            Restriction::SqeOp(op) => (RESTRICTION_SQE_OP, op),
            Restriction::SqeFlagsAllowed(f) => (RESTRICTION_SQE_FLAGS_ALLOWED, f.bits()),
            Restriction::SqeFlagsRequired(f) => (RESTRICTION_SQE_FLAGS_REQUIRED, f.bits()),
        };
        RestrictionAbi {
            opcode,
            arg,
            ..RestrictionAbi::default()
        }
    }
}

impl Ring {
    /// Registers the rules of a restricted ring (`IORING_REGISTER_RESTRICTIONS`, kernel 5.10).
    /// Only on a ring built with [`Builder::r_disabled`](crate::Builder::r_disabled) and not
    /// yet enabled (else `EBADFD`), only once (else `EBUSY`); an unknown opcode or more than
    /// the kernel's limit of rules is `EINVAL`. The rules take effect at
    /// [`enable_rings`](Self::enable_rings) and last until the ring is dropped
    /// (`io_uring_queue_exit` releases them with the ring).
    ///
    /// Dropping a restricted ring with managed ops in flight cancels them with
    /// `IORING_OP_ASYNC_CANCEL`; if the rules forbid that opcode the cancels fail, and
    /// the ops' memory is leaked after the usual bounded wait.
    #[doc(alias = "io_uring_register_restrictions")]
    pub fn register_restrictions(&mut self, rules: &[Restriction]) -> io::Result<()> {
        let n =
            u32::try_from(rules.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        let mut abi: Vec<RestrictionAbi> = rules.iter().map(|r| r.abi()).collect();
        #[cfg(liburing_has = "io_uring_register_restrictions")]
        {
            // SAFETY: the ring is initialised; `abi` holds `n` entries laid out as the
            // kernel's struct io_uring_restriction (size asserted above), copied during the call.
            let ret = unsafe {
                crate::sys::io_uring_register_restrictions(
                    self.as_raw_mut(),
                    abi.as_mut_ptr().cast(),
                    n,
                )
            };
            crate::error::cvt(ret).map(drop)
        }
        #[cfg(not(liburing_has = "io_uring_register_restrictions"))]
        {
            crate::syscall::register(
                self.s.ring_fd,
                IORING_REGISTER_RESTRICTIONS,
                abi.as_mut_ptr().cast(),
                n,
            )
            .map(drop)
        }
    }

    /// Enables a ring built with [`Builder::r_disabled`](crate::Builder::r_disabled)
    /// (`IORING_REGISTER_ENABLE_RINGS`, kernel 5.10): registered restrictions take effect and
    /// submissions are accepted, including SQEs queued while the ring was disabled. `EBADFD`
    /// when the ring is not disabled (any more).
    #[doc(alias = "io_uring_enable_rings")]
    pub fn enable_rings(&mut self) -> io::Result<()> {
        #[cfg(liburing_has = "io_uring_enable_rings")]
        {
            // SAFETY: the ring is initialised.
            let ret = unsafe { crate::sys::io_uring_enable_rings(self.as_raw_mut()) };
            crate::error::cvt(ret).map(drop)
        }
        #[cfg(not(liburing_has = "io_uring_enable_rings"))]
        {
            crate::syscall::register(
                self.s.ring_fd,
                IORING_REGISTER_ENABLE_RINGS,
                std::ptr::null(),
                0,
            )
            .map(drop)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::IORING_REGISTER_ENABLE_RINGS;

    #[test]
    fn abi_values() {
        let r = Restriction::SqeFlagsRequired(SqeFlags::FIXED_FILE).abi();
        assert_eq!((r.opcode, r.arg), (3, 1));
        let r = Restriction::RegisterOp(IORING_REGISTER_ENABLE_RINGS as u8).abi();
        assert_eq!((r.opcode, r.arg), (0, 12));
    }

    /// The constants this file states agree with the header, where the header has them.
    #[cfg(liburing_has = "io_uring_register_file_alloc_range")]
    #[test]
    fn constants_match_the_header() {
        use crate::sys;
        assert_eq!(
            u32::from(RESTRICTION_REGISTER_OP),
            sys::IORING_RESTRICTION_REGISTER_OP
        );
        assert_eq!(
            u32::from(RESTRICTION_SQE_OP),
            sys::IORING_RESTRICTION_SQE_OP
        );
        assert_eq!(
            u32::from(RESTRICTION_SQE_FLAGS_ALLOWED),
            sys::IORING_RESTRICTION_SQE_FLAGS_ALLOWED
        );
        assert_eq!(
            u32::from(RESTRICTION_SQE_FLAGS_REQUIRED),
            sys::IORING_RESTRICTION_SQE_FLAGS_REQUIRED
        );
        assert_eq!(
            std::mem::size_of::<RestrictionAbi>(),
            std::mem::size_of::<sys::io_uring_restriction>()
        );
    }
}
