//! Failure paths through the fault-injection seam: kernels that return -EBUSY from submit
//! while the overflow list is non-empty (before 5.19), completions dropped (-EBADR), and
//! proof that the two flush paths are really distinct.

mod common;

use system_liburing::fault::{self, Site};
use system_liburing::op::Nop;
use system_liburing::{CqesDropped, Ring, SqFlags, SubmitBusy};

fn drain_all(ring: &mut Ring, expect: std::ops::Range<u64>) {
    for i in expect {
        assert_eq!(ring.wait().unwrap().user_data(), i);
    }
    assert!(ring.peek().unwrap().is_none());
}

#[test]
fn ebusy_once_is_reaped_and_retried_without_losing_anything() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8).cq_entries(16), "ebusy")
    else {
        return;
    };
    common::flood(&mut ring, 0, 100); // overflow list non-empty now
    for i in 100..108 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    fault::inject(Site::Enter, libc::EBUSY, 1);
    let n = ring.submit().unwrap();
    assert_eq!(n, 8, "the retry submitted the batch");
    fault::clear();
    // The recovery took the whole overflow list out first (a kernel before 5.19 refuses the
    // retry while it holds anything), into the queue that peek reads first.
    assert!(
        !ring.sq_flags().contains(SqFlags::CQ_OVERFLOW),
        "the overflow list was left behind"
    );
    drain_all(&mut ring, 0..108);
}

#[test]
fn ebusy_twice_is_submit_busy_and_keeps_the_sqes_queued() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8).cq_entries(16), "ebusy2")
    else {
        return;
    };
    for i in 0..4 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    fault::inject(Site::Enter, libc::EBUSY, 2);
    let e = ring.submit().unwrap_err();
    assert!(SubmitBusy::is(&e), "{e}");
    assert_eq!(e.kind(), std::io::ErrorKind::WouldBlock);
    fault::clear();
    assert_eq!(
        ring.submit().unwrap(),
        4,
        "the queued SQEs go with the next submit"
    );
    drain_all(&mut ring, 0..4);
}

#[test]
fn split_submitter_reports_ebusy() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "split ebusy") else {
        return;
    };
    let (mut sub, mut comp) = ring.split();
    sub.push_with_user_data(Nop::new(), 7).unwrap();
    fault::inject(Site::Enter, libc::EBUSY, 1);
    assert!(SubmitBusy::is(&sub.submit().unwrap_err()));
    fault::clear();
    sub.submit().unwrap();
    assert_eq!(comp.wait().unwrap().user_data(), 7);
}

#[test]
fn dropped_completions_are_an_error_of_their_own() {
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(4)
            .cq_entries(8)
            .force_direct_flush(true),
        "ebadr",
    ) else {
        return;
    };
    common::flood(&mut ring, 0, 40);
    // Empty the ring so the next peek must flush, then make that flush report EBADR.
    for i in 0..8 {
        assert_eq!(ring.peek().unwrap().unwrap().user_data(), i);
    }
    fault::inject(Site::Enter, libc::EBADR, 1);
    let e = ring.peek().unwrap_err();
    assert!(CqesDropped::is(&e), "{e}");
    fault::clear();
    drain_all(&mut ring, 8..40);
}

#[test]
fn the_two_flush_paths_are_distinct() {
    // Default path: a fault planted at liburing's get_events surfaces (if liburing has it);
    // the forced direct path never consults that site.
    for direct in [false, true] {
        let Some(mut ring) = common::ring_or_skip(
            Ring::builder()
                .entries(4)
                .cq_entries(8)
                .force_direct_flush(direct),
            "paths",
        ) else {
            return;
        };
        common::flood(&mut ring, 0, 20);
        for i in 0..8 {
            assert_eq!(ring.peek().unwrap().unwrap().user_data(), i);
        }
        fault::inject(Site::GetEvents, libc::EFAULT, 1);
        let r = ring.peek();
        fault::clear();
        let uses_liburing = !direct && system_liburing::flush_path() == "io_uring_get_events";
        if uses_liburing {
            assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EFAULT));
        } else {
            assert_eq!(r.unwrap().unwrap().user_data(), 8);
        }
        drain_all(&mut ring, if uses_liburing { 8..20 } else { 9..20 });
    }
}

#[test]
fn interrupted_flush_is_retried_not_lost() {
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(4)
            .cq_entries(8)
            .force_direct_flush(true),
        "eintr",
    ) else {
        return;
    };
    common::flood(&mut ring, 0, 30);
    for i in 0..8 {
        assert_eq!(ring.peek().unwrap().unwrap().user_data(), i);
    }
    fault::inject(Site::Enter, libc::EINTR, 1);
    // The first flush is interrupted; peek looks again and the next round flushes.
    assert_eq!(ring.peek().unwrap().map(|c| c.user_data()), Some(8));
    fault::clear();
    drain_all(&mut ring, 9..30);
}

#[test]
fn dropped_completions_reported_by_a_wait_are_an_error_of_their_own() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "ebadr in a wait") else {
        return;
    };
    // An empty ring: each wait enters the kernel to sleep, and that enter reports EBADR.
    type Wait<'a> = (&'a str, &'a dyn Fn(&mut Ring) -> std::io::Error);
    let waits: [Wait<'_>; 3] = [
        ("wait", &|r| r.wait().unwrap_err()),
        ("wait_nr", &|r| r.wait_nr(1).unwrap_err()),
        ("wait_timeout", &|r| {
            r.wait_timeout(std::time::Duration::from_secs(5))
                .unwrap_err()
        }),
    ];
    for (what, wait) in waits {
        fault::inject(Site::Enter, libc::EBADR, 1);
        let e = wait(&mut ring);
        fault::clear();
        assert!(CqesDropped::is(&e), "{what}: {e}");
    }
}
