//! Soak: mixed operations over many rings with exact accounting.
//!
//!     cargo run --release --example soak -- [--ops N | --seconds T] [--seed S]
//!
//! Default: about 2 seconds (CI). Each round makes a ring (SQ 1..256, CQ 2..4096, powers of
//! two), pushes a random mix — unmanaged NOPs, managed writes then read-backs on a temp file
//! (pattern checked), managed writes and reads on a pipe (byte stream checked), managed
//! timeouts, long timeouts cancelled with AsyncCancel, unmanaged PollAdd on the pipe's write
//! end through the ring's registered-file table (a `Fixed` slot) — with random
//! batch sizes and reap schedules (a xorshift PRNG, seed printed and settable), floods the
//! CQ often so completions go through the kernel's overflow list, and injects faults
//! (EINTR/EAGAIN/EBUSY/ENOMEM at submit, wait and flush) through the crate's fault seam.
//!
//! Accounting: every unmanaged user_data comes back exactly once; every managed ticket
//! finishes exactly once, after its CQE; buffers come back intact. One summary line; exit
//! status 1 on any violation.
// Needs these ops' helpers: without them, main only says so.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_cancel",
        liburing_has = "io_uring_prep_read",
        liburing_has = "io_uring_prep_timeout",
        liburing_has = "io_uring_prep_write"
    )),
    allow(unused)
)]

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use system_liburing::fault::{self, Site};
use system_liburing::fd::Fixed;
#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
use system_liburing::op::{AsyncCancel, Nop, PollAdd, Read, Timeout, TimeoutFired, Write};
use system_liburing::{Cqe, PushError, Ring, SqFlags, Ticket};

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
struct Rng(u64);

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
#[derive(Default)]
struct Stats {
    ops: u64,
    rings: u64,
    overflows: u64,
    faults: u64,
    lost: u64,
    duplicated: u64,
    corrupted: u64,
    errors: u64,
    abandoned_by_drop: u64,
}

const BLOCK: usize = 512;
const REGIONS: usize = 64;

/// A managed op in flight, with what its result is checked against.
#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
enum Pending {
    FileWrite(Ticket<Write<Arc<File>, Vec<u8>>>, usize, u64),
    FileRead(Ticket<Read<Arc<File>, Vec<u8>>>, usize, u64),
    PipeWrite(Ticket<Write<Arc<File>, Vec<u8>>>, usize),
    PipeRead(Ticket<Read<Arc<File>, Vec<u8>>>),
    Timeout(Ticket<Timeout>, bool),
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
impl Pending {
    fn kind(&self) -> &'static str {
        match self {
            Pending::FileWrite(..) => "file-write",
            Pending::FileRead(..) => "file-read",
            Pending::PipeWrite(..) => "pipe-write",
            Pending::PipeRead(..) => "pipe-read",
            Pending::Timeout(_, true) => "long-timeout",
            Pending::Timeout(_, false) => "timeout",
        }
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Unmanaged {
    Nop,
    Cancel,
    Poll,
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut r = Rng(seed | 1);
    (0..len).map(|_| r.next() as u8).collect()
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
fn stream_byte(pos: u64) -> u8 {
    (pos.wrapping_mul(31) ^ (pos >> 7)) as u8
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
struct Round<'a> {
    ring: Ring,
    rng: &'a mut Rng,
    st: &'a mut Stats,
    file: &'a Arc<File>,
    pipe_r: &'a Arc<File>,
    pipe_w: &'a Arc<File>,
    /// `pipe_w` in the ring's registered-file table, for the unmanaged polls.
    pipe_w_fixed: Fixed,
    next_ud: u64,
    nops: VecDeque<u64>,
    unmanaged: HashMap<u64, Unmanaged>,
    managed: HashMap<u64, Pending>,
    /// Every managed token finished in this round (exactly once).
    finished: std::collections::HashSet<u64>,
    free_regions: Vec<usize>,
    pipe_written: u64,
    pipe_read: u64,
    pipe_write_busy: bool,
    pipe_read_busy: bool,
    long_timeouts: Vec<u64>,
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
impl Round<'_> {
    fn violation(&mut self, what: String) {
        eprintln!("soak: VIOLATION: {what}");
        self.st.errors += 1;
    }

    fn push_unmanaged<O: system_liburing::Unmanaged>(&mut self, op: O, kind: Unmanaged) -> bool {
        let ud = self.next_ud;
        match self.ring.push_with_user_data(op, ud) {
            Ok(()) => {
                self.next_ud += 1;
                self.st.ops += 1;
                if kind == Unmanaged::Nop {
                    self.nops.push_back(ud);
                }
                self.unmanaged.insert(ud, kind);
                true
            }
            Err(PushError::SqFull(_)) => false,
            Err(e) => {
                self.violation(format!("push: {e}"));
                false
            }
        }
    }

    fn push_managed<O: system_liburing::Op>(
        &mut self,
        op: O,
        wrap: impl FnOnce(Ticket<O>) -> Pending,
    ) -> Result<u64, O> {
        match self.ring.push(op) {
            Ok(t) => {
                self.st.ops += 1;
                let token = t.user_data();
                if self.managed.insert(token, wrap(t)).is_some() {
                    self.violation(format!("token {token:#x} handed out twice"));
                }
                Ok(token)
            }
            Err(PushError::SqFull(op)) => Err(op),
            Err(e) => {
                let s = e.to_string();
                self.violation(format!("push: {s}"));
                Err(e.into_inner())
            }
        }
    }

    /// One random push. Returns false when the SQ is full.
    fn push_one(&mut self) -> bool {
        match self.rng.below(100) {
            0..=49 => self.push_unmanaged(Nop::new(), Unmanaged::Nop),
            50..=64 => {
                let Some(region) = self.free_regions.pop() else {
                    return self.push_unmanaged(Nop::new(), Unmanaged::Nop);
                };
                let seed = self.rng.next();
                let op = Write::new(
                    self.file.clone(),
                    pattern(seed, BLOCK),
                    (region * BLOCK) as u64,
                );
                match self.push_managed(op, |t| Pending::FileWrite(t, region, seed)) {
                    Ok(_) => true,
                    Err(_) => {
                        self.free_regions.push(region);
                        false
                    }
                }
            }
            65..=74 if !self.pipe_write_busy => {
                let len = 1 + self.rng.below(256) as usize;
                let data: Vec<u8> = (0..len as u64)
                    .map(|i| stream_byte(self.pipe_written + i))
                    .collect();
                let op = Write::new(self.pipe_w.clone(), data, u64::MAX);
                let ok = self
                    .push_managed(op, |t| Pending::PipeWrite(t, len))
                    .is_ok();
                if ok {
                    self.pipe_write_busy = true;
                    self.pipe_written += len as u64;
                }
                ok
            }
            75..=82 if !self.pipe_read_busy => {
                let cap = 1 + self.rng.below(300) as usize;
                let op = Read::new(self.pipe_r.clone(), Vec::with_capacity(cap), u64::MAX);
                let ok = self.push_managed(op, Pending::PipeRead).is_ok();
                if ok {
                    self.pipe_read_busy = true;
                }
                ok
            }
            83..=89 => {
                let ms = self.rng.below(3);
                self.push_managed(Timeout::relative(Duration::from_millis(ms)), |t| {
                    Pending::Timeout(t, false)
                })
                .is_ok()
            }
            90..=93 => {
                match self.push_managed(Timeout::relative(Duration::from_secs(30)), |t| {
                    Pending::Timeout(t, true)
                }) {
                    Ok(token) => {
                        self.long_timeouts.push(token);
                        true
                    }
                    Err(_) => false,
                }
            }
            94..=96 => {
                if let Some(&target) = self.long_timeouts.last() {
                    let ok = self.push_unmanaged(AsyncCancel::user_data(target), Unmanaged::Cancel);
                    if ok {
                        self.long_timeouts.pop();
                    }
                    ok
                } else {
                    self.push_unmanaged(Nop::new(), Unmanaged::Nop)
                }
            }
            _ => self.push_unmanaged(
                PollAdd::new(self.pipe_w_fixed, libc::POLLOUT as u32),
                Unmanaged::Poll,
            ),
        }
    }

    fn maybe_fault(&mut self, site: Site) -> bool {
        if self.rng.chance(20) {
            let errno =
                [libc::EINTR, libc::EAGAIN, libc::EBUSY, libc::ENOMEM][self.rng.below(4) as usize];
            fault::inject(site, errno, 1);
            self.st.faults += 1;
            true
        } else {
            false
        }
    }

    fn submit(&mut self) {
        let injected = self.maybe_fault(Site::Enter);
        let r = self.ring.submit();
        if injected {
            fault::clear();
        }
        match r {
            Ok(_) => {}
            Err(e) if injected => {
                // The SQEs stay published: the next submit takes them.
                let _ = e;
            }
            Err(e) => self.violation(format!("submit: {e}")),
        }
        if self.ring.sq_flags().contains(SqFlags::CQ_OVERFLOW) {
            self.st.overflows += 1;
        }
    }

    fn on_cqe(&mut self, c: Cqe) {
        let ud = c.user_data();
        if c.is_managed() {
            let Some(p) = self.managed.remove(&ud) else {
                if self.finished.contains(&ud) {
                    self.st.duplicated += 1;
                }
                self.violation(format!("managed CQE {ud:#x} for no pending op"));
                return;
            };
            self.finish(ud, p);
            return;
        }
        match self.unmanaged.remove(&ud) {
            None => {
                self.st.duplicated += 1;
                self.violation(format!("unmanaged CQE {ud} not expected (duplicate?)"));
            }
            Some(Unmanaged::Nop) => {
                if self.nops.front() != Some(&ud) {
                    self.violation(format!(
                        "NOP {ud} out of order (expected {:?})",
                        self.nops.front()
                    ));
                    self.nops.retain(|x| *x != ud);
                } else {
                    self.nops.pop_front();
                }
                if c.raw_result() != 0 {
                    self.violation(format!("NOP {ud}: {}", c.raw_result()));
                }
            }
            Some(Unmanaged::Cancel) => {
                let r = c.raw_result();
                if !(r >= 0 || r == -libc::ENOENT || r == -libc::EALREADY) {
                    self.violation(format!("cancel: {r}"));
                }
            }
            Some(Unmanaged::Poll) => {
                if c.raw_result() < 0 {
                    self.violation(format!("poll: {}", c.raw_result()));
                }
            }
        }
    }

    fn finish(&mut self, token: u64, p: Pending) {
        if !self.finished.insert(token) {
            self.st.duplicated += 1;
        }
        macro_rules! fin {
            ($t:expr) => {
                match self.ring.finish($t) {
                    Ok(out) => out,
                    Err(_) => {
                        self.violation(format!("finish({token:#x}) failed after its CQE"));
                        return;
                    }
                }
            };
        }
        match p {
            Pending::FileWrite(t, region, seed) => {
                let (n, _, buf) = fin!(t);
                if n.ok() != Some(BLOCK) || buf != pattern(seed, BLOCK) {
                    self.st.corrupted += 1;
                    self.violation(format!("file write region {region}"));
                    self.free_regions.push(region);
                    return;
                }
                // Read it back (pushed now; if the SQ is full, submit until it fits).
                let mut op = Read::new(
                    self.file.clone(),
                    Vec::with_capacity(BLOCK),
                    (region * BLOCK) as u64,
                );
                loop {
                    match self.push_managed(op, |t| Pending::FileRead(t, region, seed)) {
                        Ok(_) => break,
                        Err(back) => {
                            op = back;
                            self.submit();
                        }
                    }
                }
            }
            Pending::FileRead(t, region, seed) => {
                let (n, _, buf) = fin!(t);
                if n.ok() != Some(BLOCK) || buf != pattern(seed, BLOCK) {
                    self.st.corrupted += 1;
                    self.violation(format!("read-back of region {region} differs"));
                }
                self.free_regions.push(region);
            }
            Pending::PipeWrite(t, len) => {
                let (n, _, _) = fin!(t);
                if n.as_ref().ok() != Some(&len) {
                    self.violation(format!("pipe write: {n:?} of {len}"));
                }
                self.pipe_write_busy = false;
            }
            Pending::PipeRead(t) => {
                let (n, _, buf) = fin!(t);
                match n {
                    Ok(n) => {
                        for (i, b) in buf[..n].iter().enumerate() {
                            if *b != stream_byte(self.pipe_read + i as u64) {
                                self.st.corrupted += 1;
                                self.violation(format!("pipe byte {}", self.pipe_read + i as u64));
                                break;
                            }
                        }
                        self.pipe_read += n as u64;
                    }
                    Err(e) if e.raw_os_error() == Some(libc::ECANCELED) => {}
                    Err(e) => self.violation(format!("pipe read: {e}")),
                }
                self.pipe_read_busy = false;
            }
            Pending::Timeout(t, long) => {
                let r = fin!(t);
                match r {
                    Ok(TimeoutFired::Expired) if !long => {}
                    Err(e) if long && e.raw_os_error() == Some(libc::ECANCELED) => {}
                    other => self.violation(format!("timeout (long={long}): {other:?}")),
                }
            }
        }
    }

    fn reap(&mut self, max: u64) {
        for _ in 0..max {
            let site = if self.rng.chance(2) {
                Site::GetEvents
            } else {
                Site::Enter
            };
            let injected = self.maybe_fault(site);
            let r = if self.rng.chance(4) {
                let mut out = [Cqe::default(); 16];
                self.ring.drain(&mut out).map(|n| out[..n].to_vec())
            } else {
                self.ring.peek().map(|c| c.into_iter().collect())
            };
            if injected {
                fault::clear();
            }
            match r {
                Ok(v) if v.is_empty() => break,
                Ok(v) => {
                    for c in v {
                        self.on_cqe(c);
                    }
                }
                Err(_) if injected => {}
                Err(e) => {
                    self.violation(format!("reap: {e}"));
                    break;
                }
            }
        }
    }

    fn outstanding(&self) -> usize {
        self.unmanaged.len() + self.managed.len()
    }

    /// Keeps the pipe moving: a pending read needs bytes, a pending write (pipe full) or
    /// unread bytes need a read.
    fn feed_pipe(&mut self) {
        if self.pipe_written > self.pipe_read && !self.pipe_read_busy {
            let mut op = Read::new(self.pipe_r.clone(), Vec::with_capacity(4096), u64::MAX);
            loop {
                match self.push_managed(op, Pending::PipeRead) {
                    Ok(_) => break,
                    Err(back) => {
                        op = back;
                        self.submit();
                        self.reap(64);
                    }
                }
            }
            self.pipe_read_busy = true;
        }
        if self.pipe_read_busy && !self.pipe_write_busy && self.pipe_written == self.pipe_read {
            let len = 64;
            let data: Vec<u8> = (0..len as u64)
                .map(|i| stream_byte(self.pipe_written + i))
                .collect();
            let mut op = Write::new(self.pipe_w.clone(), data, u64::MAX);
            loop {
                match self.push_managed(op, |t| Pending::PipeWrite(t, len)) {
                    Ok(_) => break,
                    Err(back) => {
                        op = back;
                        self.submit();
                        self.reap(64);
                    }
                }
            }
            self.pipe_write_busy = true;
            self.pipe_written += len as u64;
        }
    }

    fn run(&mut self, budget: u64) {
        let mut pushed = 0;
        while pushed < budget {
            let big = self.rng.chance(3);
            let batch = 1 + self.rng.below(if big { 2000 } else { 64 });
            for _ in 0..batch {
                if !self.push_one() {
                    break;
                }
                pushed += 1;
            }
            self.submit();
            // Random reap schedule; sometimes none at all, so the CQ overflows.
            if !self.rng.chance(3) {
                let max = self.rng.below(512);
                self.reap(max);
            }
        }
    }

    /// Cancels the long timeouts, feeds the pipe, and reaps until nothing is outstanding.
    fn settle(&mut self) {
        while let Some(target) = self.long_timeouts.pop() {
            while !self.push_unmanaged(AsyncCancel::user_data(target), Unmanaged::Cancel) {
                self.submit();
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.outstanding() > 0 && Instant::now() < deadline {
            self.feed_pipe();
            self.submit();
            match self.ring.wait_timeout(Duration::from_millis(20)) {
                Ok(Some(c)) => self.on_cqe(c),
                Ok(None) => {}
                Err(e) => self.violation(format!("wait_timeout: {e}")),
            }
            self.reap(u64::MAX);
        }
        if self.outstanding() > 0 {
            self.st.lost += self.outstanding() as u64;
            self.violation(format!(
                "{} completions never came: unmanaged {:?}, managed {:?}",
                self.outstanding(),
                self.unmanaged.keys().take(10).collect::<Vec<_>>(),
                self.managed
                    .iter()
                    .take(10)
                    .map(|(k, p)| format!("{k:#x}:{}", p.kind()))
                    .collect::<Vec<_>>()
            ));
        }
        match self.ring.peek() {
            Ok(None) => {}
            Ok(Some(c)) => {
                self.st.duplicated += 1;
                self.violation(format!("extra completion {c:?}"));
            }
            Err(e) => self.violation(format!("final peek: {e}")),
        }
        if self.ring.in_flight() != 0 {
            self.violation(format!(
                "in_flight() = {} after settling",
                self.ring.in_flight()
            ));
        }
    }
}

/// `--ops`, `--seconds`, `--seed`.
#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
type Args = (Option<u64>, Option<f64>, Option<u64>);

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
fn parse_args() -> Result<Args, String> {
    let mut ops = None;
    let mut secs = None;
    let mut seed = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--ops" => ops = Some(val()?.parse().map_err(|e| format!("--ops: {e}"))?),
            "--seconds" => secs = Some(val()?.parse().map_err(|e| format!("--seconds: {e}"))?),
            "--seed" => {
                let v = val()?;
                let v = v.trim_start_matches("0x");
                seed = Some(u64::from_str_radix(v, 16).map_err(|e| format!("--seed: {e}"))?);
            }
            "-h" | "--help" => {
                return Err("usage: soak [--ops N | --seconds T] [--seed HEX]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((ops, secs, seed))
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
fn pipe() -> io::Result<(Arc<File>, Arc<File>)> {
    let mut fds = [0; 2];
    // SAFETY: two valid out slots.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh fds we own.
    let (r, w) = unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) };
    Ok((Arc::new(r), Arc::new(w)))
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
fn main() -> ExitCode {
    let (ops, secs, seed) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let seed = seed.unwrap_or_else(|| {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        (t.as_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(32)) | 1
    });
    let limit_ops = ops;
    let limit_time = match (ops, secs) {
        (None, None) => Some(Duration::from_secs(2)),
        (_, Some(s)) => Some(Duration::from_secs_f64(s)),
        _ => None,
    };
    println!("soak: seed {seed:#x} (rerun with --seed {seed:#x})");
    match run(seed, limit_ops, limit_time) {
        Ok(st) => {
            let ok = st.errors == 0 && st.lost == 0 && st.duplicated == 0 && st.corrupted == 0;
            println!(
                "soak: ops={} rings={} overflows_seen={} faults={} abandoned_by_drop={} lost={} duplicated={} corrupted={} violations={} seed={seed:#x} -> {}",
                st.ops,
                st.rings,
                st.overflows,
                st.faults,
                st.abandoned_by_drop,
                st.lost,
                st.duplicated,
                st.corrupted,
                st.errors,
                if ok { "OK" } else { "FAILED" }
            );
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
            println!("soak: skipped: io_uring unavailable here ({e})");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]
fn run(seed: u64, limit_ops: Option<u64>, limit_time: Option<Duration>) -> io::Result<Stats> {
    let mut rng = Rng(seed);
    let mut st = Stats::default();
    let path = std::env::temp_dir().join(format!("system-liburing-soak-{}", std::process::id()));
    let file = Arc::new(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?,
    );
    file.set_len((REGIONS * BLOCK) as u64)?;
    let t0 = Instant::now();
    let result = (|| {
        loop {
            if limit_ops.is_some_and(|n| st.ops >= n)
                || limit_time.is_some_and(|t| t0.elapsed() >= t)
            {
                break;
            }
            let cq_log = 1 + rng.below(12) as u32; // 2..4096
            let sq_log = rng.below(u64::from(cq_log.min(8)) + 1) as u32; // 1..min(cq,256)
            let mut ring = Ring::builder()
                .entries(1 << sq_log)
                .cq_entries(1 << cq_log)
                .force_direct_flush(rng.chance(2))
                .build()?;
            st.rings += 1;
            let (pipe_r, pipe_w) = pipe()?;
            ring.register_files(&[Some(&*pipe_w)])?;
            let pipe_w_fixed = ring.fixed_file(0);
            let budget = 100 + rng.below(3000);
            let mut round = Round {
                ring,
                rng: &mut rng,
                st: &mut st,
                file: &file,
                pipe_r: &pipe_r,
                pipe_w: &pipe_w,
                pipe_w_fixed,
                next_ud: 1,
                nops: VecDeque::new(),
                unmanaged: HashMap::new(),
                managed: HashMap::new(),
                finished: Default::default(),
                free_regions: (0..REGIONS).collect(),
                pipe_written: 0,
                pipe_read: 0,
                pipe_write_busy: false,
                pipe_read_busy: false,
                long_timeouts: Vec::new(),
            };
            round.run(budget);
            if round.rng.chance(8) {
                // Drop with everything in flight: Drop cancels and reaps; nothing is
                // checked for these (they went with the ring), and nothing may crash.
                round.submit();
                let n = round.outstanding() as u64;
                round.st.abandoned_by_drop += n;
                let Round { ring, .. } = round;
                let t = Instant::now();
                drop(ring);
                if t.elapsed() > Duration::from_secs(3) {
                    st.errors += 1;
                    eprintln!("soak: VIOLATION: Drop took {:?}", t.elapsed());
                }
            } else {
                round.settle();
            }
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&path);
    result.map(|()| st)
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_cancel, io_uring_prep_read, io_uring_prep_timeout, io_uring_prep_write (the helpers of the ops this example uses)");
}
