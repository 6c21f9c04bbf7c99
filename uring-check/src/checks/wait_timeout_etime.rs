//! `liburing-wait-timeout-etime`: a timed `io_uring_wait_cqes` that times out returns
//! `-ETIME` (its man page: 0 with a CQE, or `-errno`). Down the internal-timeout path
//! (kernels without `IORING_FEAT_EXT_ARG`, see [`super::internal_timeout`]) liburing 2.3
//! started returning the count its first `io_uring_enter` submitted, 1, with the CQE pointer
//! NULL: a caller that takes `ret >= 0` for success dereferences NULL. 2f61e849 made that
//! return value deliberate for `io_uring_submit_and_wait_timeout` (axboe/liburing#684), and
//! plain waits inherited it.

use super::internal_timeout::{Observed, TIMEOUT_MS};
use super::ret_text;
use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-wait-timeout-etime",
    description: "The linked liburing's io_uring_wait_cqes timing out through its internal \
                  timeout SQE (kernels without IORING_FEAT_EXT_ARG; emulated by clearing the \
                  bit) returns ETIME, not the submit count with a NULL CQE (broken in liburing \
                  2.3 by 2f61e849 \"src/queue: don't wait twice if looping in \
                  _io_uring_get_cqe()\"; no release up to 2.15 fixes it).",
    run,
};

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_wait_cqes({TIMEOUT_MS} ms, internal timeout)",
        system_liburing::LIBURING_BUILD_VERSION
    );
    match o.ret {
        r if r == -libc::ETIME => Outcome::pass(format!("{who} timed out with ETIME")),
        r if r > 0 => Outcome::fail(format!(
            "{who} timed out but returned {r} (the count its io_uring_enter submitted) with \
             {} CQE, not ETIME",
            if o.cqe_set { "a stale" } else { "a NULL" }
        )),
        r => Outcome::fail(format!(
            "{who} returned {} on an idle ring (expected ETIME)",
            ret_text(r)
        )),
    }
}

fn run() -> Outcome {
    super::internal_timeout::run_judged(judge)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn submit_count_instead_of_etime_fails() {
        let one = judge(&Observed {
            ret: 1,
            cqe_set: false,
            cqe_user_data: None,
        });
        assert_eq!(one.verdict, Verdict::Fail);
        assert!(one.reason.contains("returned 1"), "{}", one.reason);
        let ok = judge(&Observed {
            ret: -libc::ETIME,
            cqe_set: false,
            cqe_user_data: None,
        });
        assert_eq!(ok.verdict, Verdict::Pass);
        let zero = judge(&Observed {
            ret: 0,
            cqe_set: false,
            cqe_user_data: None,
        });
        assert_eq!(zero.verdict, Verdict::Fail);
    }
}
