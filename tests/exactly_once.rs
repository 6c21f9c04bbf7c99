//! Property: for any ring size, CQ size, batch and reap schedule, NOP completions come back
//! exactly once and in submission order. Floods are bounded by count.

mod common;

use proptest::prelude::*;
use system_liburing::op::Nop;
use system_liburing::Ring;

fn run(
    sq: u32,
    cq_factor: u32,
    total: u64,
    batch: u64,
    reap_every: u64,
    reap_max: u64,
    direct: bool,
) {
    let cq = (sq.next_power_of_two() * cq_factor).max(2);
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(sq)
            .cq_entries(cq)
            .force_direct_flush(direct),
        "proptest",
    ) else {
        return;
    };
    let mut pushed = 0u64;
    let mut next = 0u64;
    let mut round = 0u64;
    while pushed < total {
        let mut in_batch = 0;
        while pushed < total
            && in_batch < batch
            && ring.push_with_user_data(Nop::new(), pushed).is_ok()
        {
            pushed += 1;
            in_batch += 1;
        }
        ring.submit().unwrap();
        round += 1;
        if reap_every > 0 && round % reap_every == 0 {
            for _ in 0..reap_max {
                match ring.peek().unwrap() {
                    Some(c) => {
                        assert_eq!(c.user_data(), next);
                        next += 1;
                    }
                    None => break,
                }
            }
        }
    }
    common::peek_in_order(&mut ring, next..total);
    assert!(ring.peek().unwrap().is_none());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn nops_exactly_once_in_order(
        sq in 1u32..4096,
        cq_factor in 1u32..4,
        total in 1u64..20_000,
        batch in 1u64..512,
        reap_every in 0u64..5,
        reap_max in 1u64..300,
        direct in any::<bool>(),
    ) {
        run(sq, cq_factor, total, batch, reap_every, reap_max, direct);
    }
}
