//! The seed commit's scenario ("io_uring: export cq overflow status to userspace") in safe
//! Rust: a 16-entry ring is flooded with NOPs without reaping, so completions pile up on the
//! kernel's overflow list; then they are drained with `peek()` alone. Exits 0 only if every
//! completion came back exactly once, in order.
//!
//!     cargo run --example seed_cq_overflow [N]

use std::process::ExitCode;
use system_liburing::{op::Nop, Ring, SqFlags};

fn main() -> ExitCode {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    match run(n) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("seed_cq_overflow: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(n: u64) -> std::io::Result<bool> {
    let mut ring = Ring::builder().entries(16).cq_entries(32).build()?;
    println!(
        "ring: {:?} entries, liburing {} (flush via {})",
        ring.sizes(),
        system_liburing::LIBURING_BUILD_VERSION,
        system_liburing::flush_path()
    );

    let mut issued = 0u64;
    let mut overflowed = false;
    while issued < n {
        while issued < n && ring.push_with_user_data(Nop::new(), issued).is_ok() {
            issued += 1;
        }
        ring.submit()?;
        overflowed |= ring.sq_flags().contains(SqFlags::CQ_OVERFLOW);
    }
    println!("issued requests: {issued}; CQ overflowed into the kernel's list: {overflowed}");

    let mut next = 0u64;
    let mut empty_peeks = 0u32;
    while next < issued && empty_peeks < 10_000 {
        match ring.peek()? {
            Some(cqe) if cqe.user_data() == next => {
                next += 1;
                empty_peeks = 0;
            }
            Some(cqe) => {
                println!("out of order: expected {next}, got {}", cqe.user_data());
                return Ok(false);
            }
            None => empty_peeks += 1,
        }
    }
    let extra = ring.peek()?.is_some();
    println!(
        "completions back with peek alone: {next} of {issued}; left requests: {}",
        issued - next
    );
    Ok(next == issued && !extra && !ring.sq_flags().contains(SqFlags::CQ_OVERFLOW))
}
