//! What every contender runs: the workload parameters, the shared random offsets, the
//! outcome of one run and its verification, and the page-cached test file.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The read size of the read workloads.
pub const BLOCK: usize = 4096;
/// The seed of the offset generator: every contender reads the same blocks in the same order.
pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// NOPs per round of the seed overflow scenario (16-entry SQ, 32-entry CQ).
pub const OVERFLOW_ROUND: u64 = 1000;
/// Completions sitting in the CQ per round of the peek scenario.
pub const PEEK_ROUND: u32 = 128;

/// xorshift64*: `block = next() % (file_size / 4096)` for the i-th submitted read.
#[derive(Debug, Clone)]
pub struct XorShift64Star(u64);

impl Default for XorShift64Star {
    fn default() -> Self {
        XorShift64Star(SEED)
    }
}

impl XorShift64Star {
    /// The generator at [`SEED`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The next value.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// The byte offset of the next block of a file with `blocks` 4 KiB blocks.
    #[inline]
    pub fn next_offset(&mut self, blocks: u64) -> u64 {
        (self.next() % blocks) * BLOCK as u64
    }
}

/// NOPs: `batch` SQEs per submit-and-wait, `ops` in all (user_data 0..ops).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NopSpec {
    /// SQEs per `submit_and_wait(batch)`.
    pub batch: u32,
    /// NOPs in all.
    pub ops: u64,
    /// Registered ring fd + SINGLE_ISSUER + DEFER_TASKRUN.
    pub fast: bool,
}

/// 4 KiB random reads at queue depth `qd` from `fd`, whose size is `blocks` * 4 KiB.
#[derive(Debug, Clone, Copy)]
pub struct ReadSpec<'a> {
    /// The file (page-cached for meaningful numbers), borrowed for the run: the C and
    /// io-uring contenders use its number, the safe one a handle of its own.
    pub fd: BorrowedFd<'a>,
    /// File size / 4096.
    pub blocks: u64,
    /// Reads in all.
    pub ops: u64,
    /// Reads in flight.
    pub qd: u32,
    /// Registered file (index 0) and registered buffers (one per slot).
    pub registered: bool,
    /// Registered ring fd + SINGLE_ISSUER + DEFER_TASKRUN.
    pub fast: bool,
}

/// What a contender counted while it ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Completions seen.
    pub count: u64,
    /// Sum of their user_data (NOP workloads) or slot numbers (reads; not checked).
    pub sum: u64,
    /// Completions with an unexpected result (or out of order in the overflow scenario).
    pub bad: u64,
}

/// One timed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Operations asked for.
    pub ops: u64,
    /// Nanoseconds of the timed section.
    pub ns: u64,
    /// The counts to verify.
    pub tally: Tally,
    /// Whether the fast preset was fully applied (the C side lacks a registered ring fd on
    /// liburing < 2.2).
    pub fast_applied: bool,
}

impl Outcome {
    /// Nanoseconds per operation.
    pub fn ns_per_op(&self) -> f64 {
        if self.ops == 0 {
            0.0
        } else {
            self.ns as f64 / self.ops as f64
        }
    }
}

fn expect_eq(what: &str, got: u64, want: u64) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got}, expected {want}"))
    }
}

/// NOPs and peeks: `ops` completions, user_data 0..ops each once, all results 0.
pub fn verify_nop(o: &Outcome) -> Result<(), String> {
    expect_eq("completions", o.tally.count, o.ops)?;
    let want_sum = if o.ops == 0 {
        0
    } else {
        (o.ops as u128 * (o.ops as u128 - 1) / 2) as u64
    };
    expect_eq("user_data sum", o.tally.sum, want_sum)?;
    expect_eq("bad completions", o.tally.bad, 0)
}

/// Reads: `ops` completions, every one 4096 bytes.
pub fn verify_read(o: &Outcome) -> Result<(), String> {
    expect_eq("completions", o.tally.count, o.ops)?;
    expect_eq("reads not 4096 bytes", o.tally.bad, 0)
}

/// The overflow scenario: whole rounds of 1000, user_data 0..1000 in order in each.
pub fn verify_overflow(o: &Outcome) -> Result<(), String> {
    let rounds = o.ops / OVERFLOW_ROUND;
    expect_eq("completions", o.tally.count, o.ops)?;
    expect_eq(
        "user_data sum",
        o.tally.sum,
        rounds * (OVERFLOW_ROUND * (OVERFLOW_ROUND - 1) / 2),
    )?;
    expect_eq("lost or out-of-order completions", o.tally.bad, 0)
}

/// `ops` rounded up to whole overflow rounds.
pub fn overflow_ops(ops: u64) -> u64 {
    ops.div_ceil(OVERFLOW_ROUND).max(1) * OVERFLOW_ROUND
}

/// A file filled with non-zero data, read once so that it sits in the page cache, removed
/// on drop.
#[derive(Debug)]
pub struct TestFile {
    path: PathBuf,
    file: File,
    blocks: u64,
}

impl TestFile {
    /// Creates `mib` MiB at `dir/uring-bench-<pid>-<n>.dat`.
    pub fn create(dir: &Path, mib: u64) -> io::Result<TestFile> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = dir.join(format!(
            "uring-bench-{}-{}.dat",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut f = File::create(&path)?;
        let mut chunk = vec![0u8; 1 << 20];
        for i in 0..mib {
            for (j, b) in chunk.iter_mut().enumerate() {
                *b = (j as u64 ^ i).wrapping_mul(31) as u8 | 1;
            }
            f.write_all(&chunk)?;
        }
        f.sync_all()?;
        drop(f);
        let t = TestFile::open_existing(path)?;
        t.warm()?;
        Ok(t)
    }

    fn open_existing(path: PathBuf) -> io::Result<TestFile> {
        let file = File::open(&path)?;
        let blocks = file.metadata()?.len() / BLOCK as u64;
        Ok(TestFile { path, file, blocks })
    }

    /// Reads the whole file once (page cache).
    pub fn warm(&self) -> io::Result<()> {
        let mut f = File::open(&self.path)?;
        let mut buf = vec![0u8; 1 << 20];
        while f.read(&mut buf)? > 0 {}
        Ok(())
    }

    /// The read-only fd.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }

    /// Size / 4096.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_is_the_reference_sequence() {
        // Reference: x ^= x >> 12; x ^= x << 25; x ^= x >> 27; return x * 0x2545F4914F6CDD1D.
        let mut x: u64 = SEED;
        let mut r = XorShift64Star::new();
        for _ in 0..100 {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            assert_eq!(r.next(), x.wrapping_mul(0x2545F4914F6CDD1D));
        }
    }

    #[test]
    fn verification_catches_a_lost_completion() {
        let ok = Outcome {
            ops: 10,
            ns: 1,
            tally: Tally {
                count: 10,
                sum: 45,
                bad: 0,
            },
            fast_applied: false,
        };
        assert!(verify_nop(&ok).is_ok());
        let lost = Outcome {
            tally: Tally {
                count: 9,
                sum: 36,
                bad: 0,
            },
            ..ok
        };
        assert!(verify_nop(&lost).is_err());
        assert_eq!(overflow_ops(1), 1000);
        assert_eq!(overflow_ops(2001), 3000);
    }
}
