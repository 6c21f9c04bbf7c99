//! `liburing-peek-batch-mixed`: on a ring set up with `IORING_SETUP_CQE_MIXED` (kernel 6.18,
//! liburing 2.13) a 32-byte CQE takes two CQ slots. `io_uring_peek_batch_cqe` must return
//! one pointer per CQE; 2.13 and 2.14 returned one per slot, so the second half of a big
//! CQE came back as a completion of its own.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_cqe_nr",
        liburing_has = "io_uring_peek_batch_cqe"
    )),
    allow(dead_code)
)]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-peek-batch-mixed",
    description: "The linked liburing's io_uring_peek_batch_cqe on an IORING_SETUP_CQE_MIXED \
                  ring returns one entry per CQE, a 32-byte CQE included, not one per 16-byte \
                  slot (fixed in liburing 2.15 by 4279ae37 \"src/queue: handle mixed CQEs in \
                  io_uring_peek_batch_cqe()\").",
    run,
};

/// The NOPs posted, in order: a 16-byte, a 32-byte and a 16-byte completion.
pub const EXPECTED: [u64; 3] = [1, 2, 3];

pub fn judge(user_data: &[u64]) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_peek_batch_cqe",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if user_data == EXPECTED {
        return Outcome::pass(format!(
            "{who} returned 3 CQEs for 16-, 32- and 16-byte completions (4 slots)"
        ));
    }
    let list: Vec<String> = user_data.iter().map(|u| format!("{u:#x}")).collect();
    Outcome::fail(format!(
        "{who} returned {} entries for 3 completions in 4 slots (user_data {}): {}",
        user_data.len(),
        list.join(", "),
        if user_data.len() == 4 {
            "the second half of the 32-byte CQE came back as a completion"
        } else {
            "not the CQEs posted"
        }
    ))
}

#[cfg(not(all(
    liburing_has = "io_uring_cqe_nr",
    liburing_has = "io_uring_peek_batch_cqe"
)))]
fn run() -> Outcome {
    super::lib_ring::lacks("IORING_SETUP_CQE_MIXED support (io_uring_cqe_nr)", "2.13")
}

#[cfg(all(
    liburing_has = "io_uring_cqe_nr",
    liburing_has = "io_uring_peek_batch_cqe"
))]
fn run() -> Outcome {
    use super::lib_ring::{set_sqe_u32, sqe_offset, LibRing};
    use super::Figures;
    use system_liburing::sys;

    /// `IORING_SETUP_CQE_MIXED` (kernel 6.18).
    const SETUP_CQE_MIXED: u32 = 1 << 18;
    /// `IORING_NOP_CQE32` in `nop_flags` (kernel 6.18): post a 32-byte CQE.
    const NOP_CQE32: u32 = 1 << 5;

    let mut ring = match LibRing::new(8, None, SETUP_CQE_MIXED) {
        Ok(r) => r,
        Err(e) if e == -libc::EINVAL => {
            return Outcome::skip("kernel refused IORING_SETUP_CQE_MIXED (needs 6.18)")
        }
        Err(e) => {
            return Outcome::fail(format!(
                "io_uring_queue_init_params(CQE_MIXED) failed: {}",
                super::errno_name(-e)
            ))
        }
    };
    for ud in EXPECTED {
        let sqe = or_return!(ring.sqe_for_check());
        // SAFETY: a free SQE of this ring, written before the submit.
        unsafe {
            sys::io_uring_prep_nop(sqe);
            (*sqe).user_data = ud;
        }
        if ud == 2 {
            set_sqe_u32(sqe, sqe_offset::OP_FLAGS, NOP_CQE32);
        }
    }
    or_return!(ring.submit_all(3));
    let slots = ring.cq_ready();
    let mut batch = [std::ptr::null_mut::<sys::io_uring_cqe>(); 8];
    // SAFETY: the ring is live; `batch` has room for the 8 pointers asked for.
    let n = unsafe { sys::io_uring_peek_batch_cqe(ring.raw(), batch.as_mut_ptr(), 8) };
    let mut user_data = Vec::new();
    let mut results = Vec::new();
    for &cqe in &batch[..(n as usize).min(batch.len())] {
        // SAFETY: the pointers point into this ring's CQ mapping, unreleased until below.
        let (ud, res) = unsafe { ((*cqe).user_data, (*cqe).res) };
        user_data.push(ud);
        results.push(res);
    }
    ring.clear_cq();
    let mut f = Figures::default();
    f.set("cq_slots_used", slots);
    f.set("batch_count", n);
    if results
        .first()
        .is_some_and(|_| results.get(1) == Some(&-libc::EINVAL))
    {
        return Outcome::skip("kernel refused IORING_NOP_CQE32 (needs 6.18)").with(f);
    }
    judge(&user_data).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn one_entry_per_slot_fails() {
        let o = judge(&[1, 2, 0, 3]);
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(o.reason.contains("second half"), "{}", o.reason);
        assert_eq!(judge(&EXPECTED).verdict, Verdict::Pass);
        assert_eq!(judge(&[1, 2]).verdict, Verdict::Fail);
    }
}
