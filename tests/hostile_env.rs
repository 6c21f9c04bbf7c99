//! Hostile environments. Each scenario runs in a child process: the test re-executes this
//! test binary with only itself selected (`--exact NAME`) and `HOSTILE_ENV_SCENARIO=NAME`,
//! and the child does the damage (seccomp filter, rlimits, closed fds, signal handlers) to
//! itself only. The parent asserts that the child exited cleanly and printed its marker.
//!
//! Scenarios and the behaviour asserted:
//! * io_uring_setup denied by seccomp (EPERM): `Ring::new` returns an `io::Error` with EPERM.
//! * RLIMIT_MEMLOCK = 0: ring memory is charged to the memory cgroup on 5.12+ kernels, so the
//!   ring works; on older kernels it must fail with ENOMEM, cleanly. Registered buffers:
//!   works (CAP_IPC_LOCK / memcg) or ENOMEM / EPERM, cleanly.
//! * RLIMIT_NOFILE exhausted: `Ring::new` returns EMFILE; with the limit back, rings work.
//! * fork with a live ring: the child must not use the parent's ring (its SQ/CQ rings are
//!   MAP_SHARED, so the child would consume the parent's completions; its in-flight table is
//!   a copy-on-write snapshot that diverges at once). The child creates its own ring; the
//!   parent's ring is unaffected after the child exits.
//! * a signal (no SA_RESTART) during `wait()`: `Interrupted` (Completer::enter_wait documents
//!   that an interrupted untimed wait is reported); during `wait_timeout`: keeps waiting and
//!   returns `Ok(None)` at the deadline.
//! * the ring fd dup'ed (works; closing the dup is harmless) and the ring fd closed behind
//!   the crate's back: submit / flush return EBADF, nothing panics, Drop does not crash.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout"
))]

mod common;

use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt as _;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use system_liburing::op::{Nop, Read, Timeout};
use system_liburing::Ring;

const SCENARIO_ENV: &str = "HOSTILE_ENV_SCENARIO";

fn in_child(name: &str) -> bool {
    std::env::var(SCENARIO_ENV).as_deref() == Ok(name)
}

/// Re-executes this binary with only `name`; `configure` may add a pre_exec hook.
/// LeakSanitizer stays on (the sanitizer lane): what `Drop` keeps for the kernel stays
/// reachable, so only a real leak is reported.
fn run_child(name: &str, configure: impl FnOnce(&mut Command)) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(SCENARIO_ENV, name);
    configure(&mut cmd);
    let t0 = Instant::now();
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scenario {name}: child failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains(&format!("scenario-done: {name}")) || stderr.contains("skipped:"),
        "scenario {name}: the child did not run it:\n{stdout}\n{stderr}"
    );
    eprint!("{stderr}");
    eprintln!("scenario {name}: ok in {:?}", t0.elapsed());
}

fn done(name: &str) {
    println!("scenario-done: {name}");
}

fn nop_round_trip(ring: &mut Ring, from: u64, n: u64) {
    for i in from..from + n {
        while ring.push_with_user_data(Nop::new(), i).is_err() {
            ring.submit().unwrap();
        }
    }
    ring.submit().unwrap();
    for i in from..from + n {
        let c = ring
            .wait_timeout(Duration::from_secs(5))
            .unwrap()
            .expect("completion within 5 s");
        assert_eq!(c.user_data(), i);
    }
    assert!(ring.peek().unwrap().is_none());
}

// ---------------------------------------------------------------------------------------
// seccomp
// ---------------------------------------------------------------------------------------

#[cfg(target_arch = "x86_64")]
mod seccomp {
    // Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
    const BPF_LD_W_ABS: u16 = 0x20; // BPF_LD (0) | BPF_W (0) | BPF_ABS (0x20)
    const BPF_JMP_JEQ_K: u16 = 0x15; // BPF_JMP (5) | BPF_JEQ (0x10) | BPF_K (0)
    const BPF_RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
    const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    /// offsetof(struct seccomp_data, nr) and (.., arch).
    const OFF_NR: u32 = 0;
    const OFF_ARCH: u32 = 4;
    const SYS_IO_URING_SETUP: u32 = 425;

    const fn insn(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
        libc::sock_filter { code, jt, jf, k }
    }

    /// io_uring_setup -> ERRNO(EPERM); everything else allowed.
    pub static FILTER: [libc::sock_filter; 6] = [
        insn(BPF_LD_W_ABS, 0, 0, OFF_ARCH),
        insn(BPF_JMP_JEQ_K, 0, 3, AUDIT_ARCH_X86_64), // other arch: allow
        insn(BPF_LD_W_ABS, 0, 0, OFF_NR),
        insn(BPF_JMP_JEQ_K, 0, 1, SYS_IO_URING_SETUP),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | libc::EPERM as u32),
        insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
    ];

    /// Installs the filter on the calling thread (the child between fork and exec: only
    /// async-signal-safe calls, no allocation).
    pub fn install() -> std::io::Result<()> {
        let prog = libc::sock_fprog {
            len: FILTER.len() as u16,
            filter: FILTER.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: prctl with integer arguments.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `prog` points at a static filter and lives for the call; the kernel
        // copies it.
        if unsafe {
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                &prog as *const libc::sock_fprog,
                0,
                0,
            )
        } != 0
        {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

#[test]
fn seccomp_denies_io_uring_setup() {
    const NAME: &str = "seccomp_denies_io_uring_setup";
    #[cfg(not(target_arch = "x86_64"))]
    {
        common::skip(
            NAME,
            format_args!("the BPF filter is written for x86_64 only"),
        );
    }
    #[cfg(target_arch = "x86_64")]
    {
        if !in_child(NAME) {
            return run_child(NAME, |cmd| {
                // SAFETY: the hook only calls prctl (async-signal-safe), allocates nothing.
                unsafe { cmd.pre_exec(seccomp::install) };
            });
        }
        for entries in [1, 8, 4096] {
            let e = Ring::new(entries).expect_err("io_uring_setup is denied by the filter");
            assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}");
            assert!(common::unavailable(&e));
        }
        let e = Ring::builder()
            .entries(8)
            .cq_entries(64)
            .build()
            .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EPERM), "{e}");
        done(NAME);
    }
}

// ---------------------------------------------------------------------------------------
// rlimits
// ---------------------------------------------------------------------------------------

fn set_rlimit(resource: libc::__rlimit_resource_t, soft: u64, hard: Option<u64>) {
    let mut cur = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(resource, &mut cur) }, 0);
    let new = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard.unwrap_or(cur.rlim_max),
    };
    // SAFETY: valid in-pointer.
    let r = unsafe { libc::setrlimit(resource, &new) };
    assert_eq!(r, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

#[test]
fn tiny_memlock_rlimit_works_or_fails_with_enomem() {
    const NAME: &str = "tiny_memlock_rlimit_works_or_fails_with_enomem";
    if !in_child(NAME) {
        return run_child(NAME, |_| {});
    }
    set_rlimit(libc::RLIMIT_MEMLOCK, 0, Some(0));
    match Ring::builder().entries(256).cq_entries(4096).build() {
        Ok(mut ring) => {
            // 5.12+: ring memory is charged to the memcg, not to RLIMIT_MEMLOCK.
            nop_round_trip(&mut ring, 0, 1000);
            match ring.register_buffers(4, 64 * 1024) {
                Ok(bufs) => eprintln!("memlock=0: registered {} buffers", bufs.len()),
                Err(e) => assert!(
                    matches!(e.raw_os_error(), Some(libc::ENOMEM | libc::EPERM)),
                    "register_buffers under memlock=0: {e}"
                ),
            }
        }
        Err(e) if e.raw_os_error() == Some(libc::ENOMEM) => {
            eprintln!("memlock=0: ring setup refused with ENOMEM (pre-5.12 accounting)");
        }
        Err(e) if common::unavailable(&e) => {
            common::skip(NAME, format_args!("io_uring unavailable ({e})"));
        }
        Err(e) => panic!("memlock=0: unexpected error {e}"),
    }
    done(NAME);
}

/// The lowest free fd number (what the next open would get).
fn lowest_free_fd() -> i32 {
    // SAFETY: plain open/close of /dev/null.
    unsafe {
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        assert!(fd >= 0);
        libc::close(fd);
        fd
    }
}

#[test]
fn exhausted_nofile_rlimit_is_emfile() {
    const NAME: &str = "exhausted_nofile_rlimit_is_emfile";
    if !in_child(NAME) {
        return run_child(NAME, |_| {});
    }
    // A ring made before the limit keeps working under it.
    let Some(mut before) = common::ring_or_skip(Ring::builder().entries(8), NAME) else {
        return done(NAME);
    };
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    let free = lowest_free_fd();
    set_rlimit(libc::RLIMIT_NOFILE, free as u64, None);
    for entries in [1, 64] {
        let e = Ring::new(entries).expect_err("no fd left for the ring");
        assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
    }
    nop_round_trip(&mut before, 0, 100);
    set_rlimit(libc::RLIMIT_NOFILE, lim.rlim_cur, None);
    let mut after = Ring::new(8).expect("a ring once fds are available again");
    nop_round_trip(&mut after, 0, 100);
    done(NAME);
}

// ---------------------------------------------------------------------------------------
// fork
// ---------------------------------------------------------------------------------------

#[test]
fn fork_with_a_live_ring() {
    const NAME: &str = "fork_with_a_live_ring";
    if !in_child(NAME) {
        return run_child(NAME, |_| {});
    }
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8).cq_entries(16), NAME)
    else {
        return done(NAME);
    };
    // State at fork: completions waiting in the CQ and on the overflow list, a managed read
    // in flight on a pipe, SQEs queued but not submitted.
    for i in 0..40u64 {
        while ring.push_with_user_data(Nop::new(), i).is_err() {
            ring.submit().unwrap();
        }
    }
    ring.submit().unwrap();
    let (rx, mut tx) = common::pipe();
    let read = ring
        .push(Read::new(rx, Vec::with_capacity(16), u64::MAX))
        .unwrap();
    ring.submit().unwrap();
    ring.push_with_user_data(Nop::new(), 40).unwrap(); // queued, not submitted

    // SAFETY: the child only calls async-signal-safe functions until it has made its own
    // ring... except that building a ring allocates: acceptable here because this process
    // runs a single test thread (--test-threads=1), so no other thread holds the allocator's
    // lock at the fork.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // Child: never touch `ring` (not even Drop: _exit below skips destructors). Its own
        // ring must work.
        let code = match Ring::new(4) {
            Ok(mut own) => {
                let ok = own.push_with_user_data(Nop::new(), 7).is_ok()
                    && own.submit().is_ok()
                    && matches!(own.wait_timeout(Duration::from_secs(5)), Ok(Some(c)) if c.user_data() == 7);
                std::mem::forget(own); // no Drop after fork: _exit tears everything down
                if ok {
                    0
                } else {
                    1
                }
            }
            Err(_) => 2,
        };
        // SAFETY: terminates the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: valid out-pointer; our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child: its own ring failed (status {status:#x})"
    );

    // Parent: everything is still there, exactly once, and the ring keeps working.
    tx.write_all(b"after the fork").unwrap();
    ring.submit().unwrap(); // the queued NOP 40
    let mut next = 0u64;
    let mut read_done = false;
    let deadline = Instant::now() + Duration::from_secs(5);
    while next <= 40 || !read_done {
        assert!(
            Instant::now() < deadline,
            "stuck at {next}, read_done {read_done}"
        );
        match ring.wait_timeout(Duration::from_millis(100)).unwrap() {
            Some(c) if c.user_data() == read.user_data() => {
                assert!(!read_done, "duplicated");
                read_done = true;
            }
            Some(c) => {
                assert_eq!(c.user_data(), next, "lost or duplicated after fork");
                next += 1;
            }
            None => {}
        }
    }
    let (n, _rx, buf) = ring.finish(read).unwrap();
    assert_eq!(n.unwrap(), 14);
    assert_eq!(buf, b"after the fork");
    nop_round_trip(&mut ring, 100, 50);
    assert_eq!(ring.in_flight(), 0);
    done(NAME);
}

// ---------------------------------------------------------------------------------------
// signals
// ---------------------------------------------------------------------------------------

extern "C" fn noop_handler(_: libc::c_int) {}

fn install_sigusr1_without_restart() {
    // SAFETY: a zeroed sigaction with a plain handler and no SA_RESTART.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = noop_handler as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = 0;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
}

/// Sends SIGUSR1 to `thread` every 10 ms until `stop` (or `limit` passes).
fn pester(thread: libc::pthread_t, stop: &AtomicBool, limit: Duration) -> u32 {
    let t0 = Instant::now();
    let mut sent = 0;
    while !stop.load(Ordering::Acquire) && t0.elapsed() < limit {
        // SAFETY: the thread is alive until it sets `stop` (it joins after).
        unsafe { libc::pthread_kill(thread, libc::SIGUSR1) };
        sent += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    sent
}

#[test]
fn signal_during_wait_is_interrupted_and_during_wait_timeout_is_absorbed() {
    const NAME: &str = "signal_during_wait_is_interrupted_and_during_wait_timeout_is_absorbed";
    if !in_child(NAME) {
        return run_child(NAME, |_| {});
    }
    install_sigusr1_without_restart();
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), NAME) else {
        return done(NAME);
    };
    let (mut sub, mut comp) = ring.split();
    let stop = AtomicBool::new(false);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            // SAFETY: plain getter.
            tx.send(unsafe { libc::pthread_self() }).unwrap();
            let r = comp.wait();
            stop.store(true, Ordering::Release);
            r
        });
        let thread = rx.recv().unwrap();
        let sent = pester(thread, &stop, Duration::from_secs(3));
        if !stop.load(Ordering::Acquire) {
            // The wait did not return on a signal: unblock it so the test ends.
            sub.push_with_user_data(Nop::new(), 99).unwrap();
            sub.submit().unwrap();
        }
        let r = waiter.join().unwrap();
        let e = r.expect_err("documented: an interrupted untimed wait is Interrupted");
        assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "{e}");
        assert_eq!(e.raw_os_error(), Some(libc::EINTR));
        eprintln!("wait(): Interrupted after {sent} signal(s)");
    });

    // wait_timeout: signals are absorbed; Ok(None) at the deadline.
    stop.store(false, Ordering::Release);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            // SAFETY: plain getter.
            tx.send(unsafe { libc::pthread_self() }).unwrap();
            let t0 = Instant::now();
            let r = comp.wait_timeout(Duration::from_millis(300));
            stop.store(true, Ordering::Release);
            (r, t0.elapsed())
        });
        let thread = rx.recv().unwrap();
        pester(thread, &stop, Duration::from_secs(3));
        let (r, took) = waiter.join().unwrap();
        assert!(r.unwrap().is_none(), "no completion was due");
        assert!(
            took >= Duration::from_millis(290),
            "returned early: {took:?}"
        );
        assert!(
            took < Duration::from_secs(3),
            "kept waiting past the deadline: {took:?}"
        );
    });

    // A managed op in flight across the signals still completes exactly once.
    let t = sub
        .push(Timeout::relative(Duration::from_millis(50)))
        .unwrap();
    sub.submit().unwrap();
    stop.store(false, Ordering::Release);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            // SAFETY: plain getter.
            tx.send(unsafe { libc::pthread_self() }).unwrap();
            let r = comp.wait_timeout(Duration::from_secs(5));
            stop.store(true, Ordering::Release);
            r
        });
        let thread = rx.recv().unwrap();
        pester(thread, &stop, Duration::from_secs(6));
        let c = waiter.join().unwrap().unwrap().expect("the timeout's CQE");
        assert_eq!(c.user_data(), t.user_data());
    });
    // (the halves' borrows of `ring` end here)
    ring.finish(t).unwrap().unwrap();
    assert!(ring.peek().unwrap().is_none());
    done(NAME);
}

// ---------------------------------------------------------------------------------------
// the ring fd behind the crate's back
// ---------------------------------------------------------------------------------------

#[test]
fn ring_fd_dup_is_harmless() {
    const NAME: &str = "ring_fd_dup_is_harmless";
    if !in_child(NAME) {
        return run_child(NAME, |_| {});
    }
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8).cq_entries(16), NAME)
    else {
        return done(NAME);
    };
    // SAFETY: dup of a live fd.
    let dup = unsafe { libc::dup(ring.as_raw_fd()) };
    assert!(dup >= 0);
    nop_round_trip(&mut ring, 0, 100);
    // SAFETY: closing our own dup.
    assert_eq!(unsafe { libc::close(dup) }, 0);
    nop_round_trip(&mut ring, 100, 100);
    done(NAME);
}

#[test]
fn ring_fd_closed_behind_the_crates_back_is_ebadf() {
    const NAME: &str = "ring_fd_closed_behind_the_crates_back_is_ebadf";
    if !in_child(NAME) {
        return run_child(NAME, |_| {});
    }
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4).cq_entries(8), NAME)
    else {
        return done(NAME);
    };
    // 20 NOPs: 8 in the CQ ring, 12 on the overflow list. Plus a managed read in flight.
    for i in 0..20u64 {
        while ring.push_with_user_data(Nop::new(), i).is_err() {
            ring.submit().unwrap();
        }
    }
    ring.submit().unwrap();
    let (rx, _tx) = common::pipe();
    let t = ring.push(Read::new(rx, vec![0u8; 64], u64::MAX)).unwrap();
    ring.submit().unwrap();

    // SAFETY: deliberately closes the fd the ring owns (the hostile act under test). The
    // mapping keeps the io_uring instance alive. This process runs one test thread, so no
    // other open can reuse the fd number before Drop closes it "again".
    assert_eq!(unsafe { libc::close(ring.as_raw_fd()) }, 0);

    ring.push_with_user_data(Nop::new(), 100).unwrap();
    let e = ring.submit().expect_err("submit on a closed ring fd");
    assert_eq!(e.raw_os_error(), Some(libc::EBADF), "{e}");
    // What is already in the CQ ring is plain memory: still readable, in order.
    for i in 0..8 {
        assert_eq!(ring.peek().unwrap().map(|c| c.user_data()), Some(i));
    }
    // The overflow list needs the kernel: EBADF, not a panic, not a silent None.
    let e = ring.peek().expect_err("flushing through a closed fd");
    assert_eq!(e.raw_os_error(), Some(libc::EBADF), "{e}");
    let e = ring
        .wait_timeout(Duration::from_millis(50))
        .expect_err("waiting on a closed fd");
    assert_eq!(e.raw_os_error(), Some(libc::EBADF), "{e}");
    assert!(ring.finish(t).is_err(), "the read never completed");
    assert_eq!(ring.in_flight(), 1);
    let t0 = Instant::now();
    drop(ring); // cancel fails (EBADF): keeps the read's buffer, then io_uring_queue_exit
    assert!(
        t0.elapsed() < Duration::from_secs(4),
        "Drop took {:?}",
        t0.elapsed()
    );
    done(NAME);
}
