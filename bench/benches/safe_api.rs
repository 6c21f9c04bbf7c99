//! criterion benches of the safe API's own hot paths:
//! * `nop_batch32`: push 32 NOPs + `submit_and_wait(32)` + 32 `peek`s (per NOP);
//! * `peek_nonempty`: `peek` with 128 completions waiting (only the peeks are timed);
//! * `overflow_drain`: the seed scenario, 1000 NOPs through a 16/32 ring (per NOP).
//!
//! `cargo bench -p uring-bench --bench safe_api` (append `-- --quick` for a short run).
#![forbid(unsafe_code)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use system_liburing::op::Nop;
use system_liburing::{PushError, Ring};

fn nop_batch32(c: &mut Criterion) {
    let mut ring = Ring::builder().entries(32).build().expect("ring");
    let mut g = c.benchmark_group("safe");
    g.throughput(Throughput::Elements(32));
    g.bench_function("nop_batch32", |b| {
        b.iter(|| {
            for i in 0..32u64 {
                ring.push_with_user_data(Nop::new(), i).expect("push");
            }
            ring.submit_and_wait(32).expect("submit");
            let mut sum = 0;
            for _ in 0..32 {
                let c = match ring.peek().expect("peek") {
                    Some(c) => c,
                    None => ring.wait().expect("wait"),
                };
                sum += c.user_data();
            }
            assert_eq!(sum, 31 * 32 / 2);
        })
    });
    g.finish();
}

fn peek_nonempty(c: &mut Criterion) {
    const PER: u32 = 128;
    let mut ring = Ring::builder()
        .entries(PER)
        .cq_entries(2 * PER)
        .build()
        .expect("ring");
    let mut g = c.benchmark_group("safe");
    g.throughput(Throughput::Elements(1));
    g.bench_function("peek_nonempty", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(u64::from(PER)) as u32;
                for i in 0..n {
                    ring.push_with_user_data(Nop::new(), u64::from(i))
                        .expect("push");
                }
                ring.submit_and_wait(n).expect("submit");
                let start = Instant::now();
                for _ in 0..n {
                    black_box(ring.peek().expect("peek").expect("non-empty"));
                }
                total += start.elapsed();
                left -= u64::from(n);
            }
            total
        })
    });
    g.finish();
}

fn overflow_drain(c: &mut Criterion) {
    const N: u64 = 1000;
    let mut ring = Ring::builder()
        .entries(16)
        .cq_entries(32)
        .build()
        .expect("ring");
    let mut g = c.benchmark_group("safe");
    g.throughput(Throughput::Elements(N));
    g.bench_function("overflow_drain", |b| {
        b.iter(|| {
            for i in 0..N {
                let mut op = Nop::new();
                loop {
                    match ring.push_with_user_data(op, i) {
                        Ok(()) => break,
                        Err(PushError::SqFull(back)) => {
                            op = back;
                            ring.submit().expect("submit");
                        }
                        Err(_) => panic!("push refused"),
                    }
                }
            }
            ring.submit().expect("submit");
            let mut next = 0;
            while next < N {
                let c = ring.peek().expect("peek").expect("no completion lost");
                assert_eq!(c.user_data(), next);
                next += 1;
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = nop_batch32, peek_nonempty, overflow_drain
}
criterion_main!(benches);
