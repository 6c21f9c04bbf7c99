//! `sqpoll-wakeup`: an SQPOLL ring's poller goes idle, the kernel raises
//! `IORING_SQ_NEED_WAKEUP`, and a submit through the crate wakes it so the NOP completes.

use super::{Check, Figures, Outcome};
use std::time::{Duration, Instant};
use system_liburing::op::Nop;
use system_liburing::{Ring, SqFlags};

pub const CHECK: Check = Check {
    name: "sqpoll-wakeup",
    description: "An idle SQPOLL poller raises IORING_SQ_NEED_WAKEUP and a submit through the \
                  crate wakes it so the NOP completes.",
    run,
};

const IDLE: Duration = Duration::from_millis(10);
const ROUNDS: u64 = 3;
/// How long the poller may take to go idle, and a woken NOP to complete.
const BOUND: Duration = Duration::from_secs(2);

fn run() -> Outcome {
    let mut ring = match Ring::builder().entries(8).sqpoll(IDLE).build() {
        Ok(r) => r,
        Err(e) => {
            return Outcome::skip(format!(
                "SQPOLL ring setup not permitted here: {}",
                super::errno_text(&e)
            ))
        }
    };
    let mut f = Figures::default();
    f.set("idle_ms", IDLE.as_millis() as u64);
    let mut max_idle = Duration::ZERO;
    let mut max_complete = Duration::ZERO;
    for round in 0..ROUNDS {
        let start = Instant::now();
        while !ring.sq_flags().contains(SqFlags::NEED_WAKEUP) {
            if start.elapsed() > BOUND {
                f.set("rounds_done", round);
                return Outcome::fail(format!(
                    "IORING_SQ_NEED_WAKEUP never raised within {BOUND:?} of an idle {IDLE:?} \
                     poller (round {})",
                    round + 1
                ))
                .with(f);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        max_idle = max_idle.max(start.elapsed());
        if let Err(e) = ring.push_with_user_data(Nop::new(), round) {
            return Outcome::fail(format!("push failed: {e}")).with(f);
        }
        let woke = Instant::now();
        if let Err(e) = ring.submit() {
            return Outcome::fail(format!("submit failed: {}", super::errno_text(&e))).with(f);
        }
        match ring.wait_timeout(BOUND) {
            Ok(Some(c)) if c.user_data() == round && c.raw_result() == 0 => {}
            Ok(Some(c)) => {
                return Outcome::fail(format!(
                    "expected NOP {round}, got user_data {} result {}",
                    c.user_data(),
                    c.raw_result()
                ))
                .with(f)
            }
            Ok(None) => {
                f.set("rounds_done", round);
                return Outcome::fail(format!(
                    "the sleeping poller was not woken: no completion within {BOUND:?} \
                     (round {})",
                    round + 1
                ))
                .with(f);
            }
            Err(e) => {
                return Outcome::fail(format!("wait failed: {}", super::errno_text(&e))).with(f)
            }
        }
        max_complete = max_complete.max(woke.elapsed());
    }
    f.set("rounds_done", ROUNDS);
    f.set("max_time_to_need_wakeup_ms", super::ms(max_idle));
    f.set("max_wake_to_completion_ms", super::ms(max_complete));
    Outcome::pass(format!(
        "{ROUNDS} rounds: NEED_WAKEUP raised after <= {:.1} ms idle, woken NOP completed in <= \
         {:.3} ms",
        super::ms(max_idle),
        super::ms(max_complete)
    ))
    .with(f)
}
