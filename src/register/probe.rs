//! The opcode probe (`IORING_REGISTER_PROBE`, kernel 5.6).

use crate::ring::Ring;
use crate::syscall;
use std::io;

/// Which opcodes the running kernel supports.
#[derive(Debug, Clone)]
pub struct Probe {
    last_op: u8,
    supported: Vec<u8>,
}

use crate::sys::{IORING_REGISTER_PROBE, IO_URING_OP_SUPPORTED};

impl Probe {
    /// Whether the kernel supports `opcode` (an `IORING_OP_*` value).
    pub fn is_supported(&self, opcode: u32) -> bool {
        u8::try_from(opcode).is_ok_and(|op| self.supported.contains(&op))
    }

    /// The highest opcode the kernel knows.
    pub fn last_op(&self) -> u8 {
        self.last_op
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
        let ops_len = usize::from(bytes[1]).min(256);
        let supported = (0..ops_len)
            .filter_map(|i| {
                let op = &bytes[16 + i * 8..16 + i * 8 + 8];
                let flags = u16::from_ne_bytes([op[2], op[3]]);
                (u32::from(flags) & IO_URING_OP_SUPPORTED != 0).then_some(op[0])
            })
            .collect();
        Ok(Probe { last_op, supported })
    }
}
