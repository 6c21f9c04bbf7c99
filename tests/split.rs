//! A submitter and a completer on two threads: every completion exactly once, in order.

mod common;

use system_liburing::op::Nop;
use system_liburing::Ring;

#[test]
fn two_threads_exactly_once() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(32).cq_entries(64), "split")
    else {
        return;
    };
    const N: u64 = 100_000;
    let (mut sub, mut comp) = ring.split();
    std::thread::scope(|s| {
        s.spawn(move || {
            let mut i = 0;
            while i < N {
                while i < N && sub.push_with_user_data(Nop::new(), i).is_ok() {
                    i += 1;
                }
                sub.submit().unwrap();
            }
        });
        s.spawn(move || {
            let mut next = 0;
            while next < N {
                if let Some(c) = comp.peek().unwrap() {
                    assert_eq!(c.user_data(), next);
                    next += 1;
                } else {
                    std::thread::yield_now();
                }
            }
        });
    });
    assert!(ring.peek().unwrap().is_none());
}

#[test]
fn ring_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Ring>();
    fn send<T: Send>() {}
    send::<system_liburing::Submitter<'static>>();
    send::<system_liburing::Completer<'static>>();
}

/// The completer half reports the kernel's count of dropped completions (`cq.koverflow`):
/// none on a ring whose CQ never filled, and the same as the ring's own view.
#[test]
fn a_completer_reports_the_kernels_dropped_count() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "split cq_overflow")
    else {
        return;
    };
    let (mut sub, mut comp) = ring.split();
    for i in 0..4 {
        sub.push_with_user_data(Nop::new(), i).unwrap();
    }
    sub.submit_and_wait(4).unwrap();
    let mut n = 0;
    while comp.peek().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 4);
    assert_eq!(comp.cq_overflow(), 0, "nothing dropped");
    assert_eq!(ring.cq_overflow(), 0);
}
