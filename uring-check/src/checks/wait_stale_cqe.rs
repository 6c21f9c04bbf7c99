//! `liburing-wait-stale-cqe`: when the internal timeout of a timed wait fires (kernels
//! without `IORING_FEAT_EXT_ARG`, see [`super::internal_timeout`]), liburing consumes its CQE
//! and must not hand the application a pointer to it: 2.13 and 2.14 did (the CQE_MIXED
//! rework of the peek lost the reset), a pointer into a slot the kernel may overwrite.

use super::internal_timeout::{Observed, TIMEOUT_MS};
use super::ret_text;
use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-wait-stale-cqe",
    description: "The linked liburing's io_uring_wait_cqes timing out through its internal \
                  timeout SQE (kernels without IORING_FEAT_EXT_ARG; emulated by clearing the \
                  bit) leaves the CQE pointer NULL instead of pointing at the timeout CQE it \
                  consumed (2.13 and 2.14 returned it; fixed in liburing 2.15 by 7e01907b \
                  \"liburing.h: don't return stale CQE pointer with timeout error\").",
    run,
};

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_wait_cqes({TIMEOUT_MS} ms, internal timeout)",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if o.cqe_set && o.ret != 0 {
        let ud = o
            .cqe_user_data
            .map(|u| format!(" (user_data {u:#x})"))
            .unwrap_or_default();
        return Outcome::fail(format!(
            "{who} returned {} together with a pointer to the CQE it had already consumed{ud}",
            ret_text(o.ret)
        ));
    }
    if o.cqe_set {
        return Outcome::fail(format!(
            "{who} returned a completion on an idle ring (user_data {:#x})",
            o.cqe_user_data.unwrap_or_default()
        ));
    }
    Outcome::pass(format!(
        "{who} returned {} with a NULL CQE pointer",
        ret_text(o.ret)
    ))
}

fn run() -> Outcome {
    super::internal_timeout::run_judged(judge)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn stale_pointer_fails_null_passes() {
        let stale = judge(&Observed {
            ret: -libc::ETIME,
            cqe_set: true,
            cqe_user_data: Some(u64::MAX),
        });
        assert_eq!(stale.verdict, Verdict::Fail);
        assert!(
            stale.reason.contains("0xffffffffffffffff"),
            "{}",
            stale.reason
        );
        let ok = judge(&Observed {
            ret: -libc::ETIME,
            cqe_set: false,
            cqe_user_data: None,
        });
        assert_eq!(ok.verdict, Verdict::Pass);
        // The return value is another check's business.
        let one = judge(&Observed {
            ret: 1,
            cqe_set: false,
            cqe_user_data: None,
        });
        assert_eq!(one.verdict, Verdict::Pass);
        let odd = judge(&Observed {
            ret: 0,
            cqe_set: true,
            cqe_user_data: Some(3),
        });
        assert_eq!(odd.verdict, Verdict::Fail);
    }
}
