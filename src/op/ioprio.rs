//! I/O priorities (`ioprio_set(2)`'s values) for the read/write family's `sqe->ioprio`.
//!
//! Only the read and write ops have an `ioprio(IoPriority)` setter: they are the ops whose
//! `sqe->ioprio` the kernel reads as an I/O priority. Most others read the same 16 bits as
//! flags of their own — `IORING_RECVSEND_POLL_FIRST` / `IORING_RECVSEND_BUNDLE` /
//! `IORING_RECVSEND_FIXED_BUF` on sends and receives, `IORING_ACCEPT_MULTISHOT` on accepts,
//! zero-copy flags, ... — which change how the kernel reads the rest of the SQE (a fixed
//! buffer index, a buffer ring, multishot). A setter on every op (as `personality` is) would
//! let a priority value rewrite those, so there is none: the value cannot reach an op that
//! does not read it as a priority.

use crate::Refused;

/// `IOPRIO_CLASS_SHIFT`: the class sits in the top 3 bits of the 16.
const CLASS_SHIFT: u16 = 13;
/// `IOPRIO_NR_LEVELS`: levels 0 (highest) to 7.
const LEVELS: u8 = 8;

/// The scheduling class of an [`IoPriority`] (`IOPRIO_CLASS_*`, `ioprio_set(2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IoPriorityClass {
    /// `IOPRIO_CLASS_RT` (1): served first. The kernel completes a request asking for it
    /// with `EPERM` unless the submitter has `CAP_SYS_ADMIN` or `CAP_SYS_NICE`.
    #[doc(alias = "IOPRIO_CLASS_RT")]
    RealTime,
    /// `IOPRIO_CLASS_BE` (2): best effort, the default class.
    #[doc(alias = "IOPRIO_CLASS_BE")]
    BestEffort,
    /// `IOPRIO_CLASS_IDLE` (3): served when nothing else wants the disk. Has no levels.
    #[doc(alias = "IOPRIO_CLASS_IDLE")]
    Idle,
}

/// An I/O priority for a read or write (`sqe->ioprio`, kernel 5.1; the value of
/// `ioprio_set(2)`, `IOPRIO_PRIO_VALUE(class, level)`): a class and, for the real-time and
/// best-effort classes, a level from 0 (highest) to 7. Made only through the checked
/// constructors, so every value is one the kernel's `ioprio_check_cap` accepts (real-time
/// still needs the capability). Without one, a request runs at the submitting task's
/// priority (`ioprio_set(2)` / `ionice`).
///
/// # Example
/// ```
/// # #[cfg(not(liburing_has = "io_uring_prep_read"))]
/// # fn main() {}
/// # #[cfg(liburing_has = "io_uring_prep_read")]
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::op::{IoPriority, IoPriorityClass, Read};
/// use system_liburing::Ring;
/// let path = std::env::temp_dir().join(format!("sl-doc-ioprio-{}", std::process::id()));
/// std::fs::write(&path, b"hello")?;
/// let mut ring = Ring::new(4)?;
/// // sqe->ioprio = IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 7)
/// let low = IoPriority::best_effort(7).expect("levels run from 0 to 7");
/// assert_eq!((low.class(), low.level(), low.bits()), (IoPriorityClass::BestEffort, 7, 2 << 13 | 7));
/// let read = Read::new(std::fs::File::open(&path)?, Vec::with_capacity(8), 0).ioprio(low);
/// let t = ring.push(read)?;
/// let (n, _file, buf) = ring.wait_for(t)?;
/// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
/// // levels stop at 7
/// assert!(IoPriority::best_effort(8).is_err());
/// # std::fs::remove_file(&path)?;
/// # Ok(()) }
/// ```
#[doc(alias = "ioprio")]
#[doc(alias = "IOPRIO_PRIO_VALUE")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IoPriority(u16);

impl IoPriority {
    /// `IOPRIO_PRIO_VALUE(class, level)`; `level` 0 to 7 for [`RealTime`] and
    /// [`BestEffort`], 0 for [`Idle`]. Any other level is refused.
    ///
    /// [`RealTime`]: IoPriorityClass::RealTime
    /// [`BestEffort`]: IoPriorityClass::BestEffort
    /// [`Idle`]: IoPriorityClass::Idle
    pub fn new(class: IoPriorityClass, level: u8) -> Result<IoPriority, Refused> {
        let (bits, levels) = match class {
            IoPriorityClass::RealTime => (1, LEVELS),
            IoPriorityClass::BestEffort => (2, LEVELS),
            IoPriorityClass::Idle => (3, 1),
        };
        if level >= levels {
            return Err(Refused::new(
                "ioprio level",
                u64::from(level),
                "levels run from 0 to 7 (the idle class has only 0)",
            ));
        }
        Ok(IoPriority(bits << CLASS_SHIFT | u16::from(level)))
    }

    /// `IOPRIO_CLASS_RT` at `level` (0 to 7).
    pub fn real_time(level: u8) -> Result<IoPriority, Refused> {
        IoPriority::new(IoPriorityClass::RealTime, level)
    }

    /// `IOPRIO_CLASS_BE` at `level` (0 to 7).
    pub fn best_effort(level: u8) -> Result<IoPriority, Refused> {
        IoPriority::new(IoPriorityClass::BestEffort, level)
    }

    /// `IOPRIO_CLASS_IDLE`.
    pub const fn idle() -> IoPriority {
        IoPriority(3 << CLASS_SHIFT)
    }

    /// The class.
    pub fn class(self) -> IoPriorityClass {
        match self.0 >> CLASS_SHIFT {
            1 => IoPriorityClass::RealTime,
            2 => IoPriorityClass::BestEffort,
            _ => IoPriorityClass::Idle,
        }
    }

    /// The level (0, the highest, to 7).
    pub fn level(self) -> u8 {
        (self.0 & 7) as u8
    }

    /// The 16-bit value `sqe->ioprio` carries.
    pub fn bits(self) -> u16 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_ioprio_prio_value() {
        assert_eq!(IoPriority::real_time(0).unwrap().bits(), 1 << 13);
        assert_eq!(IoPriority::best_effort(4).unwrap().bits(), 2 << 13 | 4);
        assert_eq!(IoPriority::idle().bits(), 3 << 13);
        assert_eq!(
            IoPriority::new(IoPriorityClass::Idle, 0),
            Ok(IoPriority::idle())
        );
        for class in [IoPriorityClass::RealTime, IoPriorityClass::BestEffort] {
            for level in 0..8 {
                let p = IoPriority::new(class, level).unwrap();
                assert_eq!((p.class(), p.level()), (class, level));
            }
            for level in [8, 9, u8::MAX] {
                assert_eq!(
                    IoPriority::new(class, level).unwrap_err().what(),
                    "ioprio level"
                );
            }
        }
        assert!(IoPriority::new(IoPriorityClass::Idle, 1).is_err());
    }
}
