//! `liburing-recvmsg-validate`: the multishot recvmsg buffer helpers (liburing 2.3) do
//! arithmetic on lengths the application passes. Until 2.15, `io_uring_recvmsg_validate`
//! added `msg_controllen + msg_namelen + header` without overflow checks (a huge
//! `msg_controllen` wrapped and "validated" a 64-byte buffer), and
//! `io_uring_recvmsg_payload_length` returned a wrapped ~4 GiB length for a buffer shorter
//! than its header or a negative `buf_len` (a CQE's error result passed on as is).
//! Pure functions: no ring involved.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_recvmsg_validate",
        liburing_has = "io_uring_recvmsg_payload_length"
    )),
    allow(dead_code)
)]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-recvmsg-validate",
    description: "The linked liburing's io_uring_recvmsg_validate rejects lengths whose sum \
                  overflows, and io_uring_recvmsg_payload_length returns 0, not a wrapped ~4 GiB, \
                  for a negative buf_len (fixed in liburing 2.15 by 4dd113a4 \"liburing.h: fix \
                  integer overflow in recvmsg_validate and payload_length wraparound\").",
    run,
};

/// `buf_len` handed to payload_length: a CQE's `-ENOBUFS`, as an application passing
/// `cqe->res` on unchecked would.
pub const NEGATIVE_LEN: i32 = -libc::ENOBUFS;

#[derive(Debug, Clone, Copy)]
pub struct Observed {
    /// `io_uring_recvmsg_validate` accepted a 64-byte buffer for a `msg_controllen` that
    /// wraps the header sum.
    pub validate_accepted_overflow: bool,
    /// `io_uring_recvmsg_payload_length(o, NEGATIVE_LEN, msgh)`.
    pub payload_len_negative: u32,
}

pub fn judge(o: &Observed) -> Outcome {
    let v = system_liburing::LIBURING_BUILD_VERSION;
    let mut bad = Vec::new();
    if o.validate_accepted_overflow {
        bad.push(
            "io_uring_recvmsg_validate accepted a 64-byte buffer for a msg_controllen whose sum \
             with the header wraps to 0"
                .to_owned(),
        );
    }
    if o.payload_len_negative != 0 {
        bad.push(format!(
            "io_uring_recvmsg_payload_length(buf_len {NEGATIVE_LEN}) returned {}",
            o.payload_len_negative
        ));
    }
    if bad.is_empty() {
        Outcome::pass(format!(
            "liburing {v}: io_uring_recvmsg_validate rejected the overflowing lengths, \
             io_uring_recvmsg_payload_length(buf_len {NEGATIVE_LEN}) returned 0"
        ))
    } else {
        Outcome::fail(format!("liburing {v}: {}", bad.join("; ")))
    }
}

#[cfg(not(all(
    liburing_has = "io_uring_recvmsg_validate",
    liburing_has = "io_uring_recvmsg_payload_length"
)))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_recvmsg_validate", "2.3")
}

#[cfg(all(
    liburing_has = "io_uring_recvmsg_validate",
    liburing_has = "io_uring_recvmsg_payload_length"
))]
fn run() -> Outcome {
    use super::Figures;
    use system_liburing::sys;

    // 64 bytes, aligned for struct io_uring_recvmsg_out (four u32s).
    let mut buf = [0u64; 8];
    // SAFETY: a plain C struct; all-zero is a valid (empty) msghdr.
    let mut msgh: sys::msghdr = unsafe { std::mem::zeroed() };
    msgh.msg_namelen = 16;
    // 16 (name) + 16 (header) + this = 2^64: the unchecked sum is 0.
    msgh.msg_controllen = (usize::MAX - 31) as _;
    // SAFETY: pure length arithmetic on `buf`'s address; nothing is read or written.
    let accepted = unsafe {
        !sys::io_uring_recvmsg_validate(buf.as_mut_ptr().cast(), 64, &mut msgh).is_null()
    };
    msgh.msg_controllen = 0;
    // SAFETY: as above: the helper only subtracts addresses.
    let len = unsafe {
        sys::io_uring_recvmsg_payload_length(buf.as_mut_ptr().cast(), NEGATIVE_LEN, &mut msgh)
    };
    let o = Observed {
        validate_accepted_overflow: accepted,
        payload_len_negative: len,
    };
    let mut f = Figures::default();
    f.set("validate_accepted_overflow", accepted);
    f.set("payload_length_negative_buf_len", len);
    judge(&o).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn overflow_and_wrap_fail() {
        let o = judge(&Observed {
            validate_accepted_overflow: true,
            payload_len_negative: 4294967159,
        });
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.reason.contains("wraps to 0"), "{}", o.reason);
        assert!(o.reason.contains("returned 4294967159"));
        let ok = judge(&Observed {
            validate_accepted_overflow: false,
            payload_len_negative: 0,
        });
        assert_eq!(ok.verdict, Verdict::Pass);
    }
}
