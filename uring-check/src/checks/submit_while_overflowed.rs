//! `submit-while-overflowed`: what the kernel does with a submit while completions wait on
//! its overflow list. Kernels before 5.19 refuse it with -EBUSY (the crate then reaps into
//! its own queue and retries); newer ones accept it and queue the new completion behind the
//! backlog. Either is reported; the check passes when the crate's submit gets the SQE in and
//! every completion still comes back once, in order.

use super::{Check, Figures, Outcome, Tally};
use std::time::Instant;
use system_liburing::op::Nop;
use system_liburing::{Ring, SubmitBusy};

pub const CHECK: Check = Check {
    name: "submit-while-overflowed",
    description: "A submit while the overflow list is non-empty is either accepted or refused \
                  with EBUSY, and the crate's submit handles whichever this kernel does.",
    run,
};

const RING: u32 = 32;
const N: u64 = 64;

fn run() -> Outcome {
    let mut ring = match super::build(Ring::builder().entries(RING).cq_entries(RING), "32/32") {
        Ok(r) => r,
        Err(o) => return o,
    };
    if let Some(skip) = super::nodrop_or_skip(&ring) {
        return skip;
    }
    let deadline = Instant::now() + super::DEADLINE;
    let mut f = Figures::default();
    // Fill the CQ ring, then put a second ring's worth on the overflow list.
    let flood = match super::flood(&mut ring, 0, N) {
        Ok(fl) => fl,
        Err(e) => return Outcome::fail(format!("flood failed: {}", super::errno_text(&e))),
    };
    let backlog = flood.submitted.saturating_sub(u64::from(ring.cq_ready()));
    f.set("overflow_backlog", backlog);
    f.set("flag_before", super::overflow_flag(&ring));
    if flood.busy || backlog == 0 {
        return Outcome::fail(format!(
            "could not build an overflow backlog ({} submitted, {backlog} on the list{})",
            flood.submitted,
            if flood.busy { ", EBUSY" } else { "" }
        ))
        .with(f);
    }

    let extra = flood.submitted;
    if let Err(e) = ring.push_with_user_data(Nop::new(), extra) {
        return Outcome::fail(format!("push failed: {e}")).with(f);
    }
    // Through the submitter half first: it reports EBUSY instead of handling it.
    let (behaviour, handled) = match ring.submitter().submit() {
        Ok(k) => (format!("accepted ({k} submitted)"), None),
        Err(e) if SubmitBusy::is(&e) => match ring.submit() {
            Ok(k) => ("EBUSY".to_owned(), Some(Ok(k))),
            Err(e2) => ("EBUSY".to_owned(), Some(Err(e2))),
        },
        Err(e) => {
            return Outcome::fail(format!(
                "submit while overflowed failed: {}",
                super::errno_text(&e)
            ))
            .with(f)
        }
    };
    f.set("kernel_response", behaviour.clone());
    let crate_retry = match &handled {
        None => "not needed".to_owned(),
        Some(Ok(k)) => format!("reaped into its queue, resubmitted ({k} submitted)"),
        Some(Err(e)) => format!("failed: {}", super::errno_text(e)),
    };
    f.set("crate_handling", crate_retry.clone());
    if let Some(Err(_)) = handled {
        return Outcome::fail(format!(
            "kernel answered EBUSY with {backlog} completions on the overflow list; the crate's \
             submit {crate_retry}"
        ))
        .with(f);
    }

    let mut tally = Tally::new(extra + 1);
    if let Err(e) = super::drain_with_peek(&mut ring, &mut tally, deadline) {
        return Outcome::fail(format!("peek failed: {}", super::errno_text(&e))).with(f);
    }
    tally.add_figures(&mut f);
    if !tally.exact() {
        return Outcome::fail(format!(
            "kernel {behaviour} with {backlog} completions on the overflow list, but {}",
            tally.summary()
        ))
        .with(f);
    }
    let how = match handled {
        None => format!("kernel accepted a submit with {backlog} completions on the overflow list"),
        Some(_) => format!(
            "kernel refused a submit with EBUSY ({backlog} completions on the overflow list); \
             the crate reaped them into its queue and resubmitted"
        ),
    };
    Outcome::pass(format!("{how}; {}", tally.summary())).with(f)
}
