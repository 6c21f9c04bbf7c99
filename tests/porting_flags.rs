//! What C says with flags and the safe API says with methods and types (issue 16, items 1, 2
//! and 5): multishot and clock-bound timeouts, the NOP's test flags, I/O priorities on the
//! read/write ops, and the probe's per-op entries — each run against the kernel, each
//! refusal shown, each skip naming the kernel feature it waits for.

// The tests gated on ops the linked liburing lacks are compiled out (tests/unavailable_ops.rs
// reports those ops), leaving some of what they share unused.
#![cfg_attr(not(liburing_has = "io_uring_prep_timeout"), allow(unused_imports))]

mod common;

use std::time::Duration;
use system_liburing::op::*;
use system_liburing::{OpFlags, PushError, Ring};

fn ring(what: &str) -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(16), what)
}

/// The refusal's argument name.
fn refused<O: std::fmt::Debug>(
    r: Result<system_liburing::Ticket<O>, PushError<O>>,
) -> &'static str {
    match r {
        Err(PushError::Invalid(_, why)) => why.what(),
        other => panic!("not refused: {other:?}"),
    }
}

/// A multishot timeout with a count posts exactly that many CQEs, `F_MORE` on all but the
/// last; completions of other ops in between do not count (unlike `Timeout::count`).
#[cfg(liburing_has = "io_uring_prep_timeout")]
#[test]
fn multishot_timeout_fires_its_count_then_ends() {
    let Some(mut ring) = ring("multishot timeout") else {
        return;
    };
    let ticks = ring
        .push(TimeoutMulti::new(Duration::from_millis(2), 4))
        .unwrap();
    // other completions meanwhile do not end it
    for i in 0..8 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    let mut n = 0;
    while let Some(tick) = ring.next_shot(&ticks).unwrap() {
        match tick {
            Err(e) if n == 0 && e.raw_os_error() == Some(libc::EINVAL) => {
                common::skip(
                    "multishot timeout",
                    format_args!("kernel predates IORING_TIMEOUT_MULTISHOT (6.4)"),
                );
                return;
            }
            tick => tick.unwrap(),
        }
        n += 1;
    }
    assert_eq!(n, 4);
    assert!(ring.finish(ticks).unwrap().is_empty(), "every item taken");
}

/// With no count it runs until removed: the stream then ends with `ECANCELED`, and the
/// items not taken come back from `finish`.
#[cfg(all(
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_timeout_remove"
))]
#[test]
fn endless_multishot_timeout_ends_when_removed_and_keeps_untaken_items() {
    let Some(mut ring) = ring("endless multishot timeout") else {
        return;
    };
    let ticks = ring
        .push(TimeoutMulti::new(Duration::from_millis(1), 0))
        .unwrap();
    match ring.next_shot(&ticks).unwrap().expect("armed") {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(
                "endless multishot timeout",
                format_args!("kernel predates IORING_TIMEOUT_MULTISHOT (6.4)"),
            );
            return;
        }
        tick => tick.unwrap(),
    }
    std::thread::sleep(Duration::from_millis(20));
    let remove = ring.push(TimeoutRemove::new(ticks.user_data())).unwrap();
    ring.wait_for(remove).unwrap().unwrap();
    let rest = ring.wait_for(ticks).unwrap(); // until the last CQE; untaken items come back
    let (last, ticked) = rest.split_last().expect("at least the cancellation");
    assert_eq!(
        last.as_ref().unwrap_err().raw_os_error(),
        Some(libc::ECANCELED)
    );
    assert!(!ticked.is_empty(), "20 ms of 1 ms ticks left none untaken");
    assert!(ticked.iter().all(Result::is_ok));
}

/// Hostile arguments: a zero period is refused before the kernel sees it (it would flood
/// the CQ); a huge count and a huge period are just long timers, removable.
#[cfg(all(
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_timeout_remove"
))]
#[test]
fn multishot_timeout_hostile_arguments() {
    let Some(mut ring) = ring("multishot timeout arguments") else {
        return;
    };
    assert_eq!(
        refused(ring.push(TimeoutMulti::new(Duration::ZERO, 0))),
        "every"
    );
    assert_eq!(
        refused(ring.push(TimeoutMulti::new(Duration::ZERO, u32::MAX))),
        "every"
    );
    let long = ring
        .push(TimeoutMulti::new(Duration::MAX, u32::MAX))
        .unwrap();
    ring.submit().unwrap();
    assert!(matches!(ring.try_next_shot(&long), Shot::Pending));
    ring.push_with_user_data(TimeoutRemove::new(long.user_data()), 1)
        .unwrap();
    let mut last = None;
    while let Some(item) = ring.next_shot(&long).unwrap() {
        last = Some(item);
    }
    let errno = last.unwrap().unwrap_err().raw_os_error();
    // ECANCELED: removed; EINVAL: a kernel without multishot timeouts refused it
    assert!(
        matches!(errno, Some(libc::ECANCELED | libc::EINVAL)),
        "{errno:?}"
    );
}

/// `clock_now` and `Timeout::absolute` on each clock: the timer fires at the given time on
/// that clock, never before.
#[cfg(liburing_has = "io_uring_prep_timeout")]
#[test]
fn absolute_timeouts_on_each_clock_fire_when_the_clock_says() {
    let Some(mut ring) = ring("absolute timeouts") else {
        return;
    };
    for clock in [
        TimeoutClock::Monotonic,
        TimeoutClock::Boottime,
        TimeoutClock::Realtime,
    ] {
        let at = clock_now(clock).unwrap() + Duration::from_millis(3);
        let t = ring.push(Timeout::absolute(at).clock(clock)).unwrap();
        assert_eq!(ring.wait_for(t).unwrap().unwrap(), TimeoutFired::Expired);
        assert!(clock_now(clock).unwrap() >= at, "{clock:?} fired early");
        // a time already past fires at once
        let past = clock_now(clock).unwrap() - Duration::from_millis(1);
        let t = ring.push(Timeout::absolute(past).clock(clock)).unwrap();
        assert_eq!(ring.wait_for(t).unwrap().unwrap(), TimeoutFired::Expired);
    }
}

/// `IORING_TIMEOUT_IMMEDIATE_ARG` (7.1): refused with an absolute time; where the kernel has
/// it the time in the SQE is honoured, older kernels answer EINVAL (skip).
#[cfg(liburing_has = "io_uring_prep_timeout")]
#[test]
fn immediate_arg_timeouts() {
    let Some(mut ring) = ring("IORING_TIMEOUT_IMMEDIATE_ARG") else {
        return;
    };
    assert_eq!(
        refused(ring.push(Timeout::absolute(Duration::from_secs(1)).immediate_arg())),
        "timeout_flags"
    );
    #[cfg(liburing_has = "io_uring_prep_timeout_update")]
    assert_eq!(
        refused(ring.push(TimeoutUpdate::absolute(1, Duration::from_secs(1)).immediate_arg())),
        "timeout_flags"
    );
    let start = std::time::Instant::now();
    let t = ring
        .push(Timeout::new(Duration::from_millis(5)).immediate_arg())
        .unwrap();
    match ring.wait_for(t).unwrap() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => common::skip(
            "IORING_TIMEOUT_IMMEDIATE_ARG",
            format_args!("kernel predates it (7.1): the timeout was refused with EINVAL"),
        ),
        res => {
            assert_eq!(res.unwrap(), TimeoutFired::Expired);
            assert!(start.elapsed() >= Duration::from_millis(5));
        }
    }
}

/// An injected result is the CQE's, and a negative one fails the chain like a real error.
#[test]
fn nop_injects_results() {
    let Some(mut ring) = ring("IORING_NOP_INJECT_RESULT") else {
        return;
    };
    let t = ring.push(Nop::new().inject_result(7)).unwrap();
    match ring.wait_for(t).unwrap() {
        Ok(0) => {
            return common::skip(
                "IORING_NOP_INJECT_RESULT",
                format_args!("kernel predates it (6.10): the NOP completed with 0"),
            )
        }
        // Kernels before NOP flags (6.1) refuse any bit in the NOP's flag word.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            return common::skip(
                "IORING_NOP_INJECT_RESULT",
                format_args!("kernel predates NOP flags: the NOP was refused with EINVAL"),
            )
        }
        res => assert_eq!(res.unwrap(), 7, "the injected result"),
    }
    for res in [
        i32::MAX,
        0,
        1,
        -libc::EAGAIN,
        -libc::EIO,
        i32::MIN + 1,
        i32::MIN,
    ] {
        let t = ring.push(Nop::new().inject_result(res)).unwrap();
        match ring.wait_for(t).unwrap() {
            Ok(n) => assert_eq!(i64::from(n), i64::from(res)),
            // i32::MIN has no errno: it saturates (it used to overflow the negation)
            Err(e) => assert_eq!(e.raw_os_error(), Some(res.saturating_neg())),
        }
    }
    // unmanaged, with the user's user_data, and as a failing chain head
    ring.push_with_user_data(
        Nop::new()
            .inject_result(-libc::ENOENT)
            .flags(OpFlags::IO_LINK),
        1,
    )
    .unwrap();
    ring.push_with_user_data(Nop::new(), 2).unwrap();
    ring.submit_and_wait(2).unwrap();
    let (a, b) = (ring.wait().unwrap(), ring.wait().unwrap());
    assert_eq!((a.user_data(), a.raw_result()), (1, -libc::ENOENT));
    assert_eq!((b.user_data(), b.raw_result()), (2, -libc::ECANCELED));
}

/// The NOP's file and buffer lookups: a present slot, a missing one, a closed fd number,
/// another ring's slot and buffer (refused), a buffer index the ring does not have.
#[test]
fn nop_looks_files_and_buffers_up() {
    let Some(mut ring) = ring("IORING_NOP_FILE") else {
        return;
    };
    let null = std::fs::File::open("/dev/null").unwrap();
    ring.register_files(&[Some(&null), None]).unwrap();
    let t = ring.push(Nop::new().file(ring.fixed_file(0))).unwrap();
    match ring.wait_for(t).unwrap() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(
                "IORING_NOP_FILE",
                format_args!("kernel predates it (6.13): EINVAL"),
            );
            return;
        }
        res => assert_eq!(res.unwrap(), 0),
    }
    let errno = |ring: &mut Ring, op: Nop| {
        let t = ring.push(op).unwrap();
        ring.wait_for(t)
            .unwrap()
            .err()
            .and_then(|e| e.raw_os_error())
    };
    let (empty, huge) = (ring.fixed_file(1), ring.fixed_file(u32::MAX));
    assert_eq!(errno(&mut ring, Nop::new().file(empty)), Some(libc::EBADF));
    assert_eq!(errno(&mut ring, Nop::new().file(huge)), Some(libc::EBADF));
    // a plain number: stdin is open for the test, a number far past the table is not
    // SAFETY: fd 0 stays open for the whole test process; 1 << 30 is never a valid fd.
    let (stdin, none) = unsafe {
        (
            system_liburing::fd::Raw::new(0),
            system_liburing::fd::Raw::new(1 << 30),
        )
    };
    assert_eq!(errno(&mut ring, Nop::new().file(stdin)), None);
    assert_eq!(errno(&mut ring, Nop::new().file(none)), Some(libc::EBADF));
    let other = Ring::new(2).unwrap();
    assert_eq!(
        refused(ring.push(Nop::new().file(other.fixed_file(0)))),
        "fd"
    );
    // buffers: none registered yet
    let mut with_bufs = Ring::new(4).unwrap();
    let bufs = with_bufs.register_buffers(2, 64).unwrap();
    assert_eq!(
        refused(ring.push(Nop::new().fixed_buffer(&bufs[1]))),
        "buf_index"
    );
    assert_eq!(
        errno(&mut with_bufs, Nop::new().fixed_buffer(&bufs[1])),
        None
    );
    let mut other_bufs = Ring::new(4).unwrap();
    other_bufs.register_buffers_sparse(1).unwrap();
    assert_eq!(
        refused(other_bufs.push(Nop::new().fixed_buffer(&bufs[0]))),
        "buf_index"
    );
}

/// `sqe->ioprio` reaches the kernel only through the read/write ops' setter: a best-effort
/// and an idle read succeed, a real-time one needs CAP_SYS_ADMIN/CAP_SYS_NICE (root here),
/// and the SQE carries exactly the class and level.
#[cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]
#[test]
fn reads_and_writes_run_at_the_priority_given() {
    let Some(mut ring) = ring("ioprio") else {
        return;
    };
    let path = std::env::temp_dir().join(format!("sl-ioprio-{}", std::process::id()));
    std::fs::write(&path, b"priority").unwrap();
    let root = unsafe { libc::geteuid() } == 0; // SAFETY: no arguments, no memory.
    for prio in [
        IoPriority::best_effort(0).unwrap(),
        IoPriority::best_effort(7).unwrap(),
        IoPriority::idle(),
        IoPriority::real_time(3).unwrap(),
    ] {
        let mut op = Read::new(
            std::fs::File::open(&path).unwrap(),
            Vec::with_capacity(16),
            0,
        )
        .ioprio(prio);
        let sqe = encode(&ring, &mut op).unwrap();
        assert_eq!(u16::from_ne_bytes([sqe[2], sqe[3]]), prio.bits());
        let t = ring.push(op).unwrap();
        let (n, _, buf) = ring.wait_for(t).unwrap();
        match n {
            Ok(n) => assert_eq!((n, &buf[..]), (8, &b"priority"[..])),
            Err(e) if prio.class() == IoPriorityClass::RealTime && !root => {
                assert_eq!(e.raw_os_error(), Some(libc::EPERM))
            }
            Err(e) => panic!("{prio:?}: {e}"),
        }
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let t = ring
            .push(Write::new(file, b"PRIORITY".to_vec(), 0).ioprio(prio))
            .unwrap();
        let (n, _, _) = ring.wait_for(t).unwrap();
        if prio.class() != IoPriorityClass::RealTime || root {
            assert_eq!(n.unwrap(), 8);
        }
        std::fs::write(&path, b"priority").unwrap();
    }
    std::fs::remove_file(&path).unwrap();
}

/// The probe's `ops[]` as the kernel filled it: one entry per opcode up to `last_op`, each
/// naming its own opcode, the supported ones flagged, and the crate's push refusing an
/// opcode the probe does not flag.
#[test]
fn probe_lists_every_op_with_its_flags() {
    let Some(ring) = ring("probe") else {
        return;
    };
    let probe = match ring.probe() {
        Ok(p) => p,
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(
                "probe",
                format_args!("kernel predates IORING_REGISTER_PROBE (5.6)"),
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert_eq!(usize::from(probe.ops_len()), probe.ops().len());
    assert_eq!(probe.ops_len(), probe.last_op() + 1);
    for (i, op) in probe.ops().iter().enumerate() {
        assert_eq!(usize::from(op.opcode()), i);
        assert_eq!(
            op.is_supported(),
            op.flags() & system_liburing::sys::IO_URING_OP_SUPPORTED as u16 != 0
        );
        assert_eq!(
            op.is_supported(),
            probe.is_supported(u32::from(op.opcode()))
        );
        assert_eq!(probe.op(op.opcode()), Some(*op));
    }
    assert!(probe.supported().len() <= probe.ops().len());
    assert!(probe.op(probe.ops_len()).is_none());
    assert!(!probe.is_supported(u32::from(probe.ops_len())));
    assert!(!probe.is_supported(u32::MAX));
    // IORING_OP_NOP (0) is supported by every kernel with a probe
    assert!(probe.op(0).unwrap().is_supported());
}
