//! The named checks: a common [`Check`] description, their [`Outcome`]s, and the helpers they
//! share (bounded floods of NOPs, exactly-once / in-order accounting).
//!
//! Every check is bounded in count and time: floods have a fixed size, drains stop after a
//! fixed number of consecutive empty peeks, waits have timeouts, and each check also has a
//! wall-clock deadline ([`DEADLINE`]).

/// `expr?` for a check's body, which returns an [`Outcome`]: `Err(outcome)` is the check's
/// answer (a setup failure, say), `Ok(v)` goes on with `v`.
// Every check that calls it needs a helper liburing 0.1 lacks.
#[allow(unused_macros)]
macro_rules! or_return {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(outcome) => return outcome,
        }
    };
}

use serde_json::Value;
use std::io;
use std::time::{Duration, Instant};
use system_liburing::op::Nop;
use system_liburing::{Builder, Features, Ring, SqFlags, SubmitBusy};

mod check_version;
mod crate_peek_overflow;
mod direct_alloc;
mod get_events;
mod internal_timeout;
mod kernel_overflow_flag;
pub mod lib_ring;
mod liburing_peek_overflow;
mod min_timeout_unsupported;
mod no_lost_completions;
mod peek_batch_mixed;
mod peek_batch_overflow;
pub mod prep_encoding;
mod queue_mmap;
mod read_multishot;
mod recvmsg_validate;
mod ring_fd_register_twice;
mod sqpoll_wakeup;
mod submit_while_overflowed;
mod wait_cqe_nr;
mod wait_no_submit;
mod wait_stale_cqe;
mod wait_timeout_etime;
mod wait_timeout_once;

/// Every check, in the order they run: the overflow checks, then liburing's known
/// behaviour bugs in the order their fixes were released.
pub const ALL: &[Check] = &[
    kernel_overflow_flag::CHECK,
    liburing_peek_overflow::CHECK,
    crate_peek_overflow::CHECK,
    no_lost_completions::CHECK,
    submit_while_overflowed::CHECK,
    sqpoll_wakeup::CHECK,
    get_events::CHECK,
    peek_batch_overflow::CHECK,
    wait_cqe_nr::CHECK,
    wait_no_submit::CHECK,
    wait_timeout_once::CHECK,
    direct_alloc::CHECK,
    ring_fd_register_twice::CHECK,
    check_version::CHECK,
    read_multishot::CHECK,
    queue_mmap::CHECK,
    min_timeout_unsupported::CHECK,
    wait_stale_cqe::CHECK,
    wait_timeout_etime::CHECK,
    peek_batch_mixed::CHECK,
    recvmsg_validate::CHECK,
    prep_encoding::CHECK,
];

/// The check with this name.
pub fn find(name: &str) -> Option<&'static Check> {
    ALL.iter().find(|c| c.name == name)
}

/// A named check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// Stable, kebab-case name (`--check NAME`, JSON `name`).
    pub name: &'static str,
    /// One sentence: what passing means.
    pub description: &'static str,
    /// Runs the check (bounded in count and time; never panics on purpose).
    pub run: fn() -> Outcome,
}

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    /// `"pass"`, `"fail"` or `"skip"` (the JSON spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
        }
    }
}

/// What a check found: a verdict, a one-line reason and the figures it measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reason: String,
    pub figures: Vec<(String, Value)>,
}

impl Outcome {
    pub fn pass(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Pass, reason)
    }
    pub fn fail(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Fail, reason)
    }
    pub fn skip(reason: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Skip, reason)
    }
    fn new(verdict: Verdict, reason: impl Into<String>) -> Outcome {
        Outcome {
            verdict,
            reason: reason.into(),
            figures: Vec::new(),
        }
    }
    /// Attaches the figures measured so far.
    pub fn with(mut self, figures: Figures) -> Outcome {
        self.figures.extend(figures.0);
        self
    }
}

/// Figures a check measured, in the order it measured them.
#[derive(Debug, Clone, Default)]
pub struct Figures(Vec<(String, Value)>);

impl Figures {
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }
}

/// The seed scenario's ring: 16 SQ entries, 32 CQ entries...
pub const SEED_SQ: u32 = 16;
pub const SEED_CQ: u32 = 32;
/// ...flooded with 100 NOPs before anything is reaped.
pub const SEED_N: u64 = 100;
/// How many consecutive empty peeks end a drain (NOPs complete during submit, so an empty
/// peek with completions still owed means they are stranded, not late).
pub const MAX_EMPTY_PEEKS: u32 = 1000;
/// Wall-clock bound of every check.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Builds a ring for a check; a failure is the check's failure.
pub fn build(b: Builder, what: &str) -> Result<Ring, Outcome> {
    b.build()
        .map_err(|e| Outcome::fail(format!("{what}: ring setup failed: {}", errno_text(&e))))
}

/// `EPERM (Operation not permitted)`, or the error's text when it has no errno.
pub fn errno_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => format!("{} ({})", errno_name(n), strip_os_suffix(e)),
        None => e.to_string(),
    }
}

fn strip_os_suffix(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// A liburing return value for a reason: `ETIME` for `-ETIME`, the number otherwise.
pub fn ret_text(ret: i32) -> String {
    if ret < 0 {
        errno_name(-ret)
    } else {
        ret.to_string()
    }
}

/// The symbolic name of an errno value.
pub fn errno_name(n: i32) -> String {
    let name = match n {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENFILE => "ENFILE",
        libc::ENOSYS => "ENOSYS",
        libc::EBADR => "EBADR",
        libc::ETIME => "ETIME",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ENXIO => "ENXIO",
        _ => return format!("errno {n}"),
    };
    name.to_owned()
}

/// The running kernel's (major, minor), from `/proc/sys/kernel/osrelease`.
pub fn kernel_version() -> Option<(u32, u32)> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    parse_kernel_version(&release)
}

fn parse_kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>());
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    Some((major, minor))
}

/// Whether the running kernel is at least `want`; unknown counts as yes.
pub fn kernel_at_least(want: (u32, u32)) -> bool {
    kernel_version().is_none_or(|v| v >= want)
}

/// `IORING_SQ_CQ_OVERFLOW`, read now.
pub fn overflow_flag(ring: &Ring) -> bool {
    ring.sq_flags().contains(SqFlags::CQ_OVERFLOW)
}

/// Without `IORING_FEAT_NODROP` (kernels before 5.5) the kernel drops what does not fit the
/// CQ ring instead of keeping it: overflow checks do not apply.
pub fn nodrop_or_skip(ring: &Ring) -> Option<Outcome> {
    (!ring.features().contains(Features::NODROP)).then(|| {
        Outcome::skip(
            "kernel lacks IORING_FEAT_NODROP (5.5): it drops completions that do not fit the \
             CQ ring, there is no overflow list to test",
        )
    })
}

/// Without `IORING_SQ_CQ_OVERFLOW` (kernels before 5.8) an overflow cannot be seen in the
/// SQ flags.
pub fn flag_unsupported_skip() -> Option<Outcome> {
    (!kernel_at_least((5, 8))).then(|| {
        Outcome::skip(format!(
            "kernel {} predates IORING_SQ_CQ_OVERFLOW (5.8)",
            kernel_version().map_or("?".into(), |(a, b)| format!("{a}.{b}"))
        ))
    })
}

/// How a flood went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flood {
    /// SQEs the kernel accepted.
    pub submitted: u64,
    /// The kernel refused a submit with `EBUSY` (overflow list non-empty, kernels < 5.19);
    /// the flood stopped there.
    pub busy: bool,
}

/// Pushes NOPs with user_data `first..first + n` and submits them as the SQ fills, reaping
/// nothing. Submits through the submitter half, so an `EBUSY` is seen (and ends the flood)
/// rather than handled by reaping.
pub fn flood(ring: &mut Ring, first: u64, n: u64) -> io::Result<Flood> {
    let mut pushed = 0u64;
    let mut out = Flood::default();
    // Every round either pushes or submits something; the bound only guards a kernel
    // that accepts nothing.
    let mut rounds = 0u64;
    while pushed < n || out.submitted < pushed {
        rounds += 1;
        if rounds > n + 64 {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the kernel accepted only {} of {n} SQEs", out.submitted),
            ));
        }
        while pushed < n && ring.push_with_user_data(Nop::new(), first + pushed).is_ok() {
            pushed += 1;
        }
        match ring.submitter().submit() {
            Ok(k) => out.submitted += u64::from(k),
            Err(e) if SubmitBusy::is(&e) => {
                out.busy = true;
                return Ok(out);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Exactly-once and in-order accounting of completions with user_data `0..expected`.
#[derive(Debug, Clone)]
pub struct Tally {
    pub expected: u64,
    seen: Vec<bool>,
    next: u64,
    pub received: u64,
    pub duplicates: u64,
    pub out_of_order: u64,
    pub unexpected: u64,
    pub bad_results: u64,
}

impl Tally {
    pub fn new(expected: u64) -> Tally {
        Tally {
            expected,
            seen: vec![false; expected as usize],
            next: 0,
            received: 0,
            duplicates: 0,
            out_of_order: 0,
            unexpected: 0,
            bad_results: 0,
        }
    }

    pub fn record(&mut self, user_data: u64, res: i32) {
        if res != 0 {
            self.bad_results += 1;
        }
        let Some(slot) = usize::try_from(user_data)
            .ok()
            .filter(|&i| i < self.seen.len())
        else {
            self.unexpected += 1;
            return;
        };
        if self.seen[slot] {
            self.duplicates += 1;
            return;
        }
        self.seen[slot] = true;
        self.received += 1;
        if user_data != self.next {
            self.out_of_order += 1;
        }
        self.next = user_data + 1;
    }

    pub fn lost(&self) -> u64 {
        self.expected - self.received
    }

    pub fn done(&self) -> bool {
        self.received == self.expected
    }

    /// Every completion back, once, in order, each a success.
    pub fn exact(&self) -> bool {
        self.done()
            && self.duplicates == 0
            && self.out_of_order == 0
            && self.unexpected == 0
            && self.bad_results == 0
    }

    /// "100 of 100 back, exactly once, in order" or what went wrong.
    pub fn summary(&self) -> String {
        let mut s = format!("{} of {} back", self.received, self.expected);
        if self.exact() {
            s.push_str(", exactly once, in order");
            return s;
        }
        for (n, what) in [
            (self.lost(), "lost"),
            (self.duplicates, "duplicated"),
            (self.out_of_order, "out of order"),
            (self.unexpected, "unexpected user_data"),
            (self.bad_results, "with a non-zero result"),
        ] {
            if n > 0 {
                s.push_str(&format!(", {n} {what}"));
            }
        }
        s
    }

    pub fn add_figures(&self, f: &mut Figures) {
        f.set("expected", self.expected);
        f.set("received", self.received);
        f.set("lost", self.lost());
        f.set("duplicates", self.duplicates);
        f.set("out_of_order", self.out_of_order);
        f.set("unexpected", self.unexpected);
        f.set("bad_results", self.bad_results);
    }
}

/// Drains with the crate's safe `peek()` until every expected completion is back, or
/// `MAX_EMPTY_PEEKS` consecutive peeks found nothing, or the deadline passed; then one more
/// peek to catch extras. Returns the number of empty peeks at the end.
pub fn drain_with_peek(ring: &mut Ring, tally: &mut Tally, deadline: Instant) -> io::Result<u32> {
    let mut empty = 0u32;
    while !tally.done() && empty < MAX_EMPTY_PEEKS && Instant::now() < deadline {
        match ring.peek()? {
            Some(c) => {
                empty = 0;
                tally.record(c.user_data(), c.raw_result());
            }
            None => empty += 1,
        }
    }
    if let Some(c) = ring.peek()? {
        tally.record(c.user_data(), c.raw_result());
    }
    Ok(empty)
}

/// Milliseconds, rounded to the microsecond.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_parse() {
        assert_eq!(parse_kernel_version("6.18.44-fc-v782\n"), Some((6, 18)));
        assert_eq!(parse_kernel_version("5.4.0-150-generic"), Some((5, 4)));
        assert_eq!(parse_kernel_version("6.1"), Some((6, 1)));
        assert_eq!(parse_kernel_version("garbage"), None);
    }

    #[test]
    fn tally_counts() {
        let mut t = Tally::new(4);
        for id in [0, 2, 1, 1, 7] {
            t.record(id, 0);
        }
        assert_eq!(
            (t.received, t.duplicates, t.out_of_order, t.unexpected),
            (3, 1, 2, 1)
        );
        assert_eq!(t.lost(), 1);
        assert!(!t.exact());
        let mut t = Tally::new(2);
        t.record(0, 0);
        t.record(1, 0);
        assert!(t.exact());
        assert_eq!(t.summary(), "2 of 2 back, exactly once, in order");
    }

    #[test]
    fn names_are_unique_and_kebab() {
        for (i, c) in ALL.iter().enumerate() {
            assert!(c
                .name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch == '-'));
            assert!(ALL[i + 1..].iter().all(|d| d.name != c.name));
        }
    }
}
