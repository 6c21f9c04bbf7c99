//! The opcode probe (`IORING_REGISTER_PROBE`, kernel 5.6).

use crate::ring::Ring;
use crate::syscall;
use std::io;

/// Which opcodes the running kernel supports: `struct io_uring_probe` as the kernel filled
/// it.
#[derive(Debug, Clone)]
pub struct Probe {
    last_op: u8,
    /// `ops[0..ops_len]`: each entry's opcode and `IO_URING_OP_*` flags.
    ops: Vec<ProbeOp>,
    supported: Vec<u8>,
}

/// One entry of the probe's `ops[]` (`struct io_uring_probe_op`): an opcode and its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeOp {
    op: u8,
    flags: u16,
}

impl ProbeOp {
    /// The opcode (`IORING_OP_*`) this entry describes.
    pub fn opcode(&self) -> u8 {
        self.op
    }

    /// Its `IO_URING_OP_*` flags; `IO_URING_OP_SUPPORTED` (1 << 0, the only one so far)
    /// says the kernel runs it.
    #[doc(alias = "IO_URING_OP_SUPPORTED")]
    pub fn flags(&self) -> u16 {
        self.flags
    }

    /// Whether `IO_URING_OP_SUPPORTED` is set.
    pub fn is_supported(&self) -> bool {
        u32::from(self.flags) & IO_URING_OP_SUPPORTED != 0
    }
}

use crate::sys::{IORING_REGISTER_PROBE, IO_URING_OP_SUPPORTED};

impl Probe {
    /// Whether the kernel supports `opcode` (an `IORING_OP_*` value): liburing's
    /// `io_uring_opcode_supported`, which answers false past `last_op`.
    pub fn is_supported(&self, opcode: u32) -> bool {
        u8::try_from(opcode).is_ok_and(|op| self.supported.contains(&op))
    }

    /// The highest opcode the kernel knows.
    pub fn last_op(&self) -> u8 {
        self.last_op
    }

    /// How many entries the kernel filled in `ops[]` (`io_uring_probe.ops_len`): `last_op + 1`
    /// on every kernel so far.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::{sys, Ring};
    /// let ring = Ring::new(2)?;
    /// let probe = ring.probe()?; // io_uring_get_probe_ring
    /// assert_eq!(usize::from(probe.ops_len()), probe.ops().len());
    /// assert_eq!(probe.ops_len(), probe.last_op() + 1);
    /// // p->ops[IORING_OP_NOP]: known since 5.1, so supported
    /// let nop = probe.op(sys::IORING_OP_NOP as u8).expect("within ops_len");
    /// assert_eq!((nop.opcode(), nop.flags(), nop.is_supported()), (0, sys::IO_URING_OP_SUPPORTED as u16, true));
    /// // past last_op there is no entry
    /// assert_eq!(probe.op(probe.last_op().wrapping_add(1)), None);
    /// # Ok(()) }
    /// ```
    pub fn ops_len(&self) -> u8 {
        self.ops.len() as u8
    }

    /// The entries `ops[0..ops_len]`, in the kernel's order (entry `i` describes opcode `i`).
    pub fn ops(&self) -> &[ProbeOp] {
        &self.ops
    }

    /// The entry of `opcode`, `None` past `ops_len` (`p->ops[op]` with the bound C leaves
    /// to the caller).
    pub fn op(&self, opcode: u8) -> Option<ProbeOp> {
        self.ops.get(usize::from(opcode)).copied()
    }

    /// Every supported opcode.
    pub fn supported(&self) -> &[u8] {
        &self.supported
    }
}

impl Ring {
    /// Asks the kernel which opcodes it supports (direct `IORING_REGISTER_PROBE`, so it works
    /// on every liburing).
    #[doc(alias = "io_uring_get_probe_ring")]
    #[doc(alias = "io_uring_get_probe")]
    pub fn probe(&self) -> io::Result<Probe> {
        // struct io_uring_probe (16 bytes) + 256 struct io_uring_probe_op (8 bytes each),
        // as u64s for alignment.
        let mut buf = vec![0u64; (16 + 256 * 8) / 8];
        syscall::register(
            self.s.ring_fd,
            IORING_REGISTER_PROBE,
            buf.as_mut_ptr().cast(),
            256,
        )?;
        let bytes: Vec<u8> = buf.iter().flat_map(|w| w.to_ne_bytes()).collect();
        let last_op = bytes[0];
        // A u8: at most 255 of the 256 entries we made room for.
        let ops_len = usize::from(bytes[1]);
        let ops: Vec<ProbeOp> = (0..ops_len)
            .map(|i| {
                let op = &bytes[16 + i * 8..16 + i * 8 + 8];
                ProbeOp {
                    op: op[0],
                    flags: u16::from_ne_bytes([op[2], op[3]]),
                }
            })
            .collect();
        let supported = ops
            .iter()
            .filter(|o| o.is_supported())
            .map(|o| o.op)
            .collect();
        Ok(Probe {
            last_op,
            ops,
            supported,
        })
    }
}
