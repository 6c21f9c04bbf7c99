//! Fault matrix: EINTR, EAGAIN, EBUSY, ENOMEM and ETIME injected at every syscall site the
//! safe layer has (io_uring_enter while submitting, while waiting, while flushing the
//! overflow list; liburing's io_uring_get_events; io_uring_register). Invariants, for every
//! cell: no panic; the error reaches the caller with its errno, or is retried where the
//! crate documents retrying; afterwards every completion arrives exactly once (drained and
//! counted).
//!
//! Also the three lifetime bugs seen elsewhere:
//! * tokio#8185: a failed submit must not free an op whose SQE the kernel may still read;
//! * tokio#8112: a late CQE for a finished op must not reach the slot's next owner;
//! * compio#942: the ring must be closed before in-flight memory is released.
//!
//! `Ring::drop` orders it so (src/ring.rs): (1) cancel every managed op still in flight and
//! reap for up to 2 s; (2) `InFlight::leak_pending` keeps (never frees, but keeps reachable) the
//! memory of ops the kernel has not completed; (3) unregister a directly registered ring fd;
//! (4) `io_uring_queue_exit` (munmap + close); (5) only then are the `Ring`'s fields dropped:
//! the in-flight table (with the buffers of ops that completed but were never finished) and
//! the registered-buffer pool. `drop_releases_memory_only_after_the_ring_is_closed` checks
//! (5) from the outside with a buffer whose destructor looks at the ring's fd and mapping.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout"
))]

mod common;

use std::io::{self, Write as _};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use system_liburing::fault::{self, Site};
use system_liburing::op::{Nop, Read, Timeout, TimeoutFired};
use system_liburing::{IoBufMut, Ring, SubmitBusy};

const ERRNOS: [(i32, &str); 5] = [
    (libc::EINTR, "EINTR"),
    (libc::EAGAIN, "EAGAIN"),
    (libc::EBUSY, "EBUSY"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::ETIME, "ETIME"),
];

fn inject(site: Site, errno: i32, times: u32) {
    fault::inject(site, errno, times);
}

fn ring(b: system_liburing::Builder, what: &str) -> Option<Ring> {
    common::ring_or_skip(b, what)
}

/// Pushes NOPs `from..to`, submitting when the SQ is full.
fn push_nops(ring: &mut Ring, from: u64, to: u64) {
    let mut i = from;
    while i < to {
        if ring.push_with_user_data(Nop::new(), i).is_ok() {
            i += 1;
        } else {
            ring.submit().unwrap();
        }
    }
}

/// Reaps until every user_data in `expect` came back exactly once and in order, and
/// nothing else is left. Managed CQEs (bit 63) are returned for the caller to finish.
fn drain_in_order(ring: &mut Ring, expect: std::ops::Range<u64>, what: &str) -> Vec<u64> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut next = expect.start;
    let mut managed = Vec::new();
    while next < expect.end {
        assert!(
            Instant::now() < deadline,
            "{what}: stuck at {next}/{:?}",
            expect
        );
        match ring.wait_timeout(Duration::from_millis(100)) {
            Ok(Some(c)) if c.is_managed() => managed.push(c.user_data()),
            Ok(Some(c)) => {
                assert_eq!(c.user_data(), next, "{what}: lost or duplicated completion");
                next += 1;
            }
            Ok(None) => {}
            Err(e) => panic!("{what}: unexpected error while draining: {e}"),
        }
    }
    while let Some(c) = ring.peek().unwrap() {
        assert!(c.is_managed(), "{what}: extra completion {c:?}");
        managed.push(c.user_data());
    }
    managed
}

fn temp_file(name: &str, contents: &[u8]) -> (std::fs::File, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "system-liburing-fm-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    f.write_all(contents).unwrap();
    (f, path)
}

// ---------------------------------------------------------------------------------------
// Enter during submit
// ---------------------------------------------------------------------------------------

#[test]
fn enter_fault_during_submit_reaches_the_caller_and_loses_nothing() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(8).cq_entries(16), "submit fault") else {
            return;
        };
        push_nops(&mut ring, 0, 4);
        inject(Site::Enter, errno, 1);
        let r = ring.submit();
        fault::clear();
        if errno == libc::EBUSY {
            // Documented: Ring::submit reaps into its queue and retries once.
            assert_eq!(r.unwrap(), 4, "{name}: EBUSY once is retried");
        } else {
            let e = r.unwrap_err();
            assert_eq!(e.raw_os_error(), Some(errno), "{name}: {e}");
            assert_eq!(ring.submit().unwrap(), 4, "{name}: the SQEs stayed queued");
        }
        push_nops(&mut ring, 4, 40); // overflow the 16-entry CQ as well
        ring.submit().unwrap();
        assert!(drain_in_order(&mut ring, 0..40, name).is_empty());
    }
}

#[test]
fn enter_fault_twice_on_ring_submit_is_submit_busy_for_ebusy_only() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(8), "submit fault x2") else {
            return;
        };
        push_nops(&mut ring, 0, 3);
        inject(Site::Enter, errno, 2);
        let e = ring.submit().unwrap_err();
        fault::clear();
        if errno == libc::EBUSY {
            assert!(SubmitBusy::is(&e), "{name}: {e}");
            assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        } else {
            assert_eq!(e.raw_os_error(), Some(errno), "{name}: {e}");
        }
        assert_eq!(ring.submit().unwrap(), 3, "{name}");
        assert!(drain_in_order(&mut ring, 0..3, name).is_empty());
    }
}

/// tokio#8185: the failed submit must not free the op; the kernel may still read its SQE
/// (the tail was published before io_uring_enter failed).
#[test]
fn failed_submit_keeps_the_managed_op_alive_until_its_completion() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(8), "tokio#8185") else {
            return;
        };
        let (file, path) = temp_file("8185", b"0123456789abcdef");
        let t = ring
            .push(Read::new(file, Vec::with_capacity(16), 0))
            .unwrap();
        // A split submitter cannot reap, so EBUSY reaches it as SubmitBusy: use it so
        // every errno in the matrix fails the submit.
        inject(Site::Enter, errno, 1);
        let e = ring.submitter().submit().unwrap_err();
        fault::clear();
        if errno == libc::EBUSY {
            assert!(SubmitBusy::is(&e), "{name}: {e}");
        } else {
            assert_eq!(e.raw_os_error(), Some(errno), "{name}: {e}");
        }
        assert_eq!(
            ring.in_flight(),
            1,
            "{name}: the op is still owned by the ring"
        );
        let e = ring.finish(t).unwrap_err(); // not completed: the ticket comes back
        assert!(!e.is_foreign(), "{name}");
        let t = e.into_ticket();
        assert_eq!(ring.in_flight(), 1);
        assert_eq!(
            ring.submit().unwrap(),
            1,
            "{name}: the real submit takes it"
        );
        let (n, _file, buf) = ring.wait_for(t).unwrap();
        assert_eq!(n.unwrap(), 16, "{name}");
        assert_eq!(buf, b"0123456789abcdef", "{name}: buffer intact");
        assert_eq!(ring.in_flight(), 0);
        assert!(
            ring.peek().unwrap().is_none(),
            "{name}: wait_for's CQE is not seen twice"
        );
        std::fs::remove_file(path).unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// Enter during wait
// ---------------------------------------------------------------------------------------

/// Pushes a managed 60 ms timeout and submits it, so that a wait really enters the kernel.
fn pending_timeout(ring: &mut Ring) -> system_liburing::Ticket<Timeout> {
    let t = ring
        .push(Timeout::relative(Duration::from_millis(60)))
        .unwrap();
    ring.submit().unwrap();
    assert_eq!(ring.cq_ready(), 0);
    t
}

#[test]
fn enter_fault_during_wait() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(8), "wait fault") else {
            return;
        };
        let t = pending_timeout(&mut ring);
        inject(Site::Enter, errno, 1);
        let r = ring.wait();
        fault::clear();
        let cqe = match errno {
            // Documented (Completer::enter_wait): an interrupted untimed wait is Interrupted.
            libc::EINTR => {
                let e = r.unwrap_err();
                assert_eq!(e.kind(), io::ErrorKind::Interrupted, "{name}: {e}");
                assert_eq!(e.raw_os_error(), Some(libc::EINTR));
                ring.wait().unwrap()
            }
            // Documented: ETIME / EAGAIN / EBUSY from a wait are spurious wake-ups: retried.
            libc::ETIME | libc::EAGAIN | libc::EBUSY => r.unwrap(),
            _ => {
                assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{name}");
                ring.wait().unwrap()
            }
        };
        assert_eq!(cqe.user_data(), t.user_data(), "{name}");
        assert_eq!(ring.finish(t).unwrap().unwrap(), TimeoutFired::Expired);
        assert!(all_done(&mut ring));
    }
}

/// Nothing in flight and nothing left to reap.
fn all_done(ring: &mut Ring) -> bool {
    ring.in_flight() == 0 && matches!(ring.peek(), Ok(None))
}

#[test]
fn enter_fault_during_wait_timeout() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(8), "wait_timeout fault") else {
            return;
        };
        let t = pending_timeout(&mut ring);
        inject(Site::Enter, errno, 1);
        let r = ring.wait_timeout(Duration::from_secs(5));
        fault::clear();
        let cqe = if errno == libc::ENOMEM {
            assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{name}");
            ring.wait_timeout(Duration::from_secs(5)).unwrap().unwrap()
        } else {
            // Documented: a timed wait treats EINTR like a timeout / spurious wake-up.
            r.unwrap()
                .unwrap_or_else(|| panic!("{name}: no completion within 5 s"))
        };
        assert_eq!(cqe.user_data(), t.user_data(), "{name}");
        ring.finish(t).unwrap().unwrap();
        assert!(all_done(&mut ring));
    }
}

#[test]
fn enter_fault_during_wait_nr_and_submit_and_wait() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(8), "wait_nr fault") else {
            return;
        };
        let t = pending_timeout(&mut ring);
        inject(Site::Enter, errno, 1);
        let r = ring.wait_nr(1);
        fault::clear();
        match errno {
            libc::EINTR => {
                assert_eq!(r.unwrap_err().kind(), io::ErrorKind::Interrupted, "{name}");
                assert_eq!(ring.wait_nr(1).unwrap(), 1);
            }
            libc::ETIME | libc::EAGAIN | libc::EBUSY => assert_eq!(r.unwrap(), 1, "{name}"),
            _ => {
                assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{name}");
                assert_eq!(ring.wait_nr(1).unwrap(), 1);
            }
        }
        assert_eq!(ring.peek().unwrap().unwrap().user_data(), t.user_data());
        ring.finish(t).unwrap().unwrap();

        // submit_and_wait: the failure happens on the submitting enter; nothing is lost.
        push_nops(&mut ring, 0, 5);
        inject(Site::Enter, errno, 1);
        let r = ring.submit_and_wait(5);
        fault::clear();
        if errno == libc::EBUSY {
            r.unwrap();
        } else {
            assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{name}");
            ring.submit_and_wait(5).unwrap();
        }
        assert!(drain_in_order(&mut ring, 0..5, name).is_empty());
        assert!(all_done(&mut ring));
    }
}

// ---------------------------------------------------------------------------------------
// Enter / GetEvents during the overflow flush (peek, drain)
// ---------------------------------------------------------------------------------------

/// A 4/8 ring with 40 NOPs submitted: 8 in the CQ ring, 32 on the overflow list; the ring is
/// then emptied so that the next peek must flush.
fn overflowed(direct: bool) -> Option<Ring> {
    let mut ring = ring(
        Ring::builder()
            .entries(4)
            .cq_entries(8)
            .force_direct_flush(direct),
        "flush fault",
    )?;
    push_nops(&mut ring, 0, 40);
    ring.submit().unwrap();
    for i in 0..8 {
        assert_eq!(ring.peek().unwrap().unwrap().user_data(), i);
    }
    Some(ring)
}

fn flush_matrix(site: Site, direct: bool, use_drain: bool) {
    let consulted = match site {
        Site::Enter => direct || system_liburing::flush_path() != "io_uring_get_events",
        Site::GetEvents => !direct && system_liburing::flush_path() == "io_uring_get_events",
        Site::Register => false,
    };
    for (errno, name) in ERRNOS {
        let what = format!("{name} at {site:?} (direct={direct}, drain={use_drain})");
        let Some(mut ring) = overflowed(direct) else {
            return;
        };
        inject(site, errno, 1);
        let mut took = 1;
        let r: io::Result<Option<u64>> = if use_drain {
            let mut out = [system_liburing::Cqe::default(); 4];
            ring.drain(&mut out).map(|n| {
                took = n as u64;
                for (i, c) in out[..n].iter().enumerate() {
                    assert_eq!(c.user_data(), 8 + i as u64, "{what}: drain out of order");
                }
                (n > 0).then(|| out[0].user_data())
            })
        } else {
            ring.peek().map(|c| c.map(|c| c.user_data()))
        };
        fault::clear();
        let resume_at;
        if !consulted {
            assert_eq!(r.unwrap(), Some(8), "{what}: the seam is not on this path");
            resume_at = 8 + took;
        } else {
            match errno {
                // Documented (Completer::flush_cq): nothing moved, look again; the next round
                // of the same call flushes.
                libc::EINTR | libc::EAGAIN | libc::EBUSY => {
                    assert_eq!(r.unwrap(), Some(8), "{what}");
                    resume_at = 8 + took;
                }
                _ => {
                    assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{what}");
                    resume_at = 8;
                }
            }
        }
        assert!(drain_in_order(&mut ring, resume_at..40, &what).is_empty());
    }
}

#[test]
fn enter_fault_during_direct_flush_peek() {
    flush_matrix(Site::Enter, true, false);
}

#[test]
fn enter_fault_during_direct_flush_drain() {
    flush_matrix(Site::Enter, true, true);
}

#[test]
fn get_events_fault_during_liburing_flush_peek() {
    flush_matrix(Site::GetEvents, false, false);
}

#[test]
fn get_events_fault_during_liburing_flush_drain() {
    flush_matrix(Site::GetEvents, false, true);
}

#[test]
fn get_events_fault_is_not_consulted_by_the_direct_path() {
    flush_matrix(Site::GetEvents, true, false);
}

#[test]
fn persistent_flush_faults_never_lose_completions() {
    // Faults on every flush for a while: peek reports "nothing yet" or the error, and once
    // the faults stop every completion is still there.
    for direct in [true, false] {
        // Without io_uring_get_events in the linked liburing, the default path is the direct
        // enter too.
        let via_liburing = !direct && system_liburing::flush_path() == "io_uring_get_events";
        let site = if via_liburing {
            Site::GetEvents
        } else {
            Site::Enter
        };
        for (errno, name) in ERRNOS {
            let Some(mut ring) = overflowed(direct) else {
                return;
            };
            inject(site, errno, 50);
            for _ in 0..10 {
                match ring.peek() {
                    Ok(None) => {}
                    Ok(Some(c)) => panic!("{name}: a flush happened through the fault: {c:?}"),
                    Err(e) => assert_eq!(e.raw_os_error(), Some(errno), "{name}"),
                }
            }
            fault::clear();
            assert!(drain_in_order(&mut ring, 8..40, name).is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Register
// ---------------------------------------------------------------------------------------

#[test]
fn register_fault_through_probe_reaches_the_caller() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(4), "probe fault") else {
            return;
        };
        inject(Site::Register, errno, 1);
        let r = ring.probe();
        fault::clear();
        assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{name}");
        match ring.probe() {
            Ok(p) => assert!(p.is_supported(system_liburing::sys::IORING_OP_NOP)),
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {} // pre-5.6 kernel
            Err(e) => panic!("{name}: probe after the fault: {e}"),
        }
        push_nops(&mut ring, 0, 10);
        ring.submit().unwrap();
        assert!(drain_in_order(&mut ring, 0..10, name).is_empty());
    }
}

#[test]
fn register_ring_fd_under_faults() {
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(4).cq_entries(8), "register_ring_fd")
        else {
            return;
        };
        inject(Site::Register, errno, 1);
        let r = ring.register_ring_fd();
        fault::clear();
        match r {
            Err(e) => {
                // The crate always registers with the system call itself, so the fault
                // arrives whatever liburing has.
                assert_eq!(e.raw_os_error(), Some(errno), "{name}");
                if let Err(e) = ring.register_ring_fd() {
                    assert_eq!(
                        e.raw_os_error(),
                        Some(libc::EINVAL),
                        "{name}: pre-5.18: {e}"
                    );
                }
            }
            Ok(_) => panic!("{name}: the injected fault did not reach the registration"),
        }
        // Whether registered or not, Enter faults behave the same on the (maybe registered)
        // ring, and nothing is lost.
        push_nops(&mut ring, 0, 4);
        inject(Site::Enter, errno, 1);
        let r = ring.submit();
        fault::clear();
        if errno != libc::EBUSY {
            assert_eq!(r.unwrap_err().raw_os_error(), Some(errno), "{name}");
        }
        push_nops(&mut ring, 4, 30);
        ring.submit().unwrap();
        assert!(drain_in_order(&mut ring, 0..30, name).is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// Generations (tokio#8112)
// ---------------------------------------------------------------------------------------

/// A CQE carrying a finished op's token (what a late or duplicated kernel completion looks
/// like) must not complete the op that now uses the same slot.
#[test]
fn late_cqe_for_a_finished_op_never_reaches_the_next_owner() {
    let Some(mut ring) = ring(Ring::builder().entries(8), "tokio#8112") else {
        return;
    };
    let a = ring.push(Nop::new()).unwrap();
    let a_token = a.user_data();
    ring.submit().unwrap();
    assert_eq!(ring.wait().unwrap().user_data(), a_token);
    ring.finish(a).unwrap().unwrap();

    // B reuses A's slot (the free list is LIFO) with another generation. Keep it in flight
    // with a long timeout.
    let b = ring
        .push(Timeout::relative(Duration::from_secs(30)))
        .unwrap();
    assert_eq!(b.user_data() as u32, a_token as u32, "same slot");
    assert_ne!(b.user_data(), a_token, "new generation");

    // Forge the late CQE: a raw NOP whose user_data is A's old token. (The raw API asks for
    // bit 63 clear; breaking that on purpose is exactly the stale-completion case.)
    {
        // SAFETY: a NOP points at no memory.
        let mut sqe = unsafe { ring.get_sqe() }.expect("SQ slot");
        // SAFETY: as above; the SQE is ours until submit.
        unsafe {
            sqe.prep_nop();
            sqe.set_data64(a_token);
        }
    }
    ring.submit().unwrap();
    let late = ring.wait().unwrap();
    assert_eq!(
        late.user_data(),
        a_token,
        "the late CQE reaches the user as is"
    );
    let b = ring.finish(b).unwrap_err().into_ticket(); // B is not done
    assert_eq!(ring.in_flight(), 1);

    // Cancel B for real; its own CQE completes it.
    ring.push_with_user_data(
        system_liburing::op::AsyncCancel::user_data(b.user_data()),
        7,
    )
    .unwrap();
    ring.submit().unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(ring.wait().unwrap().user_data());
    }
    seen.sort_unstable();
    let mut want = vec![7, b.user_data()];
    want.sort_unstable();
    assert_eq!(seen, want);
    let r = ring.finish(b).unwrap();
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert!(all_done(&mut ring));
}

// ---------------------------------------------------------------------------------------
// wait_for under faults
// ---------------------------------------------------------------------------------------

/// Regression: `Ring::wait_for` takes the ticket by value, so an interrupted wait (EINTR:
/// any signal, see hostile_env) used to lose it: the op completed later, but its buffers could
/// never be finished. An EINTR inside wait_for is now retried.
#[test]
fn wait_for_survives_an_interrupted_wait() {
    let Some(mut ring) = ring(Ring::builder().entries(8), "wait_for EINTR") else {
        return;
    };
    let (rx, mut tx) = common::pipe();
    let t = ring
        .push(Read::new(rx, Vec::with_capacity(8), u64::MAX))
        .unwrap();
    ring.submit().unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.write_all(b"12345678").unwrap();
    });
    inject(Site::Enter, libc::EINTR, 1);
    let r = ring.wait_for(t);
    fault::clear();
    writer.join().unwrap();
    let (n, _rx, buf) = r.expect("wait_for must not give up the ticket on EINTR");
    assert_eq!(n.unwrap(), 8);
    assert_eq!(buf, b"12345678");
}

/// An interrupted untimed wait (`Ring::wait`, which reports EINTR as `Interrupted`, unlike
/// `wait_for`) frees nothing early: the op stays counted in flight and owned by the ring
/// until its CQE, the CQE reaches the user once, and the ticket still finishes with the
/// read's bytes, its file and its buffer.
#[test]
fn interrupted_wait_reports_eintr_and_frees_nothing_early() {
    let Some(mut ring) = ring(Ring::builder().entries(8), "wait EINTR") else {
        return;
    };
    let (rx, mut tx) = common::pipe();
    let t = ring
        .push(Read::new(rx, Vec::with_capacity(8), u64::MAX))
        .unwrap();
    let token = t.user_data();
    ring.submit().unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        tx.write_all(b"abcdefgh").unwrap();
        tx
    });
    inject(Site::Enter, libc::EINTR, 1);
    let e = ring.wait().expect_err("the injected EINTR reaches wait()");
    fault::clear();
    assert_eq!(e.raw_os_error(), Some(libc::EINTR));
    assert_eq!(e.kind(), io::ErrorKind::Interrupted);
    assert_eq!(
        ring.in_flight(),
        1,
        "not freed: the kernel still owns the buffer"
    );
    let e = ring.finish(t).unwrap_err();
    assert!(!e.is_foreign());
    let t = e.into_ticket();
    let c = ring.wait().unwrap();
    assert_eq!(c.user_data(), token, "the CQE still reaches the user once");
    assert_eq!(ring.in_flight(), 0);
    assert!(ring.peek().unwrap().is_none());
    let (n, _rx, buf) = ring.finish(t).unwrap();
    assert_eq!(n.unwrap(), 8);
    assert_eq!(buf, b"abcdefgh");
    drop(writer.join().unwrap());
}

// ---------------------------------------------------------------------------------------
// Drop: ordering (compio#942) and drop under failing syscalls — in child processes, because
// they look at fds / mappings (which a parallel test could reuse) or leak on purpose.
// ---------------------------------------------------------------------------------------

const CHILD_ENV: &str = "SYSTEM_LIBURING_FAULT_MATRIX_CHILD";

fn is_child(name: &str) -> bool {
    std::env::var(CHILD_ENV).as_deref() == Ok(name)
}

/// Runs this test binary again with only `name`, in its own process.
/// LeakSanitizer stays on (the sanitizer lane): what `Drop` keeps for the kernel stays
/// reachable, so only a real leak is reported.
fn run_in_child(name: &str) {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, name);
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child {name} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains(&format!("child-done: {name}")) || stderr.contains("skipped:"),
        "child {name} did not run its scenario:\n{stdout}\n{stderr}"
    );
    eprint!("{stderr}");
}

/// (buffer tag, ring fd still open, ring mapping still mapped) at each buffer's drop.
type DropLog = Arc<Mutex<Vec<(&'static str, bool, bool)>>>;

/// A read buffer whose destructor records whether the ring's fd and SQ mapping were still
/// there when it was freed.
#[derive(Debug)]
struct TrackedBuf {
    v: Vec<u8>,
    ring_fd: i32,
    ring_map: usize,
    log: DropLog,
    tag: &'static str,
}

// SAFETY: forwards to the Vec's heap block, which does not move with the struct.
unsafe impl IoBufMut for TrackedBuf {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.v.as_mut_ptr()
    }
    fn bytes_total(&self) -> usize {
        self.v.capacity()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: the caller promises n <= capacity bytes were written.
        unsafe { self.v.set_len(n) };
    }
    fn init_room(&mut self) {
        self.v.init_room();
    }
}

impl Drop for TrackedBuf {
    fn drop(&mut self) {
        // SAFETY: F_GETFD on any fd number is harmless.
        let fd_open = unsafe { libc::fcntl(self.ring_fd, libc::F_GETFD) } != -1;
        let mut vec = [0u8; 1];
        // SAFETY: mincore only reports on the page; ENOMEM when it is not mapped.
        let mapped =
            unsafe { libc::mincore(self.ring_map as *mut libc::c_void, 4096, vec.as_mut_ptr()) }
                == 0;
        self.log.lock().unwrap().push((self.tag, fd_open, mapped));
    }
}

#[test]
fn drop_releases_memory_only_after_the_ring_is_closed() {
    const NAME: &str = "drop_releases_memory_only_after_the_ring_is_closed";
    if !is_child(NAME) {
        return run_in_child(NAME);
    }
    let Some(mut ring) = ring(Ring::builder().entries(8), "compio#942") else {
        return;
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let ring_fd = ring.as_raw_fd();
    // SAFETY: reading a field of liburing's struct of a live ring.
    let ring_map = unsafe { (*ring.as_raw_mut()).sq.ring_ptr } as usize & !4095;
    let tracked = |tag| TrackedBuf {
        v: Vec::with_capacity(64),
        ring_fd,
        ring_map,
        log: log.clone(),
        tag,
    };
    let (file, path) = temp_file("942", b"compio942");
    let file = Arc::new(file);
    let (rx, _tx) = common::pipe();
    // 1: completed, reaped, never finished: freed with the table.
    let done = ring
        .push(Read::new(file.clone(), tracked("completed"), 0))
        .unwrap();
    ring.submit().unwrap();
    assert_eq!(ring.wait().unwrap().user_data(), done.user_data());
    // 2: completed by the kernel, never reaped: Drop reaps it.
    let unreaped = ring
        .push(Read::new(file.clone(), tracked("unreaped"), 0))
        .unwrap();
    ring.submit().unwrap();
    // 3: pending on an empty pipe: Drop cancels it.
    let pending = ring
        .push(Read::new(rx, tracked("pending"), u64::MAX))
        .unwrap();
    ring.submit().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert!(
        log.lock().unwrap().is_empty(),
        "nothing freed while the ring lives"
    );
    // The tickets outlive the ring: their ops are the ring's to release (a ticket dropped
    // earlier would release its op at its completion, which is also after the kernel let go:
    // `tests/dispatch.rs`).
    drop(ring);
    drop((done, unreaped, pending));
    assert_eq!(
        Arc::strong_count(&file),
        1,
        "the ops' clones of the file were released with them"
    );
    let log = log.lock().unwrap();
    assert_eq!(
        log.len(),
        3,
        "all three buffers were released by Drop: {log:?}"
    );
    for (tag, fd_open, mapped) in log.iter() {
        assert!(
            !fd_open,
            "{tag}: buffer freed while the ring fd was still open"
        );
        // The mapping check is informative only: after munmap another allocation (the
        // sanitizer's, say) may map the same address.
        if *mapped {
            eprintln!("note: {tag}: the ring's SQ mapping address is mapped again");
        }
    }
    std::fs::remove_file(path).unwrap();
    println!("child-done: {NAME}");
}

#[test]
fn drop_with_every_syscall_failing_leaks_instead_of_freeing() {
    const NAME: &str = "drop_with_every_syscall_failing_leaks_instead_of_freeing";
    if !is_child(NAME) {
        return run_in_child(NAME);
    }
    let (rx, mut tx) = common::pipe();
    let rx = Arc::new(rx);
    for (errno, name) in ERRNOS {
        let Some(mut ring) = ring(Ring::builder().entries(4), "drop under faults") else {
            return;
        };
        let mut tickets = Vec::new();
        for _ in 0..3 {
            tickets.push(
                ring.push(Read::new(rx.clone(), vec![0u8; 256], u64::MAX))
                    .unwrap(),
            );
        }
        ring.submit().unwrap();
        assert_eq!(ring.in_flight(), 3);
        drop(tickets);
        // Every way Drop has to cancel fails: the SQE path (io_uring_enter) and
        // IORING_REGISTER_SYNC_CANCEL (io_uring_register).
        inject(Site::Enter, errno, u32::MAX);
        inject(Site::GetEvents, errno, u32::MAX);
        inject(Site::Register, errno, u32::MAX);
        let leaked = fault::leaked_ops();
        let t0 = Instant::now();
        drop(ring); // cancels fail: waits at most ~2 s, keeps the buffers, exits the ring
        fault::clear();
        assert!(
            t0.elapsed() < Duration::from_secs(4),
            "{name}: Drop took {:?}",
            t0.elapsed()
        );
        assert_eq!(
            fault::leaked_ops() - leaked,
            3,
            "{name}: the three reads the kernel still held were kept, not freed"
        );
    }
    // The reads were cancelled by the ring's exit; nothing lands in freed memory (ASan /
    // valgrind would see it), and the pipe is usable.
    tx.write_all(&[0x5a; 1024]).unwrap();
    println!("child-done: {NAME}");
}
