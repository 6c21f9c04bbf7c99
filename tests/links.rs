//! Linked chains: order, a failing head cancels the rest (ECANCELED), hardlinks survive a
//! failure, link timeouts fire or are cancelled, drain, skip-success.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_link_timeout",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]

mod common;

use std::time::Duration;
use system_liburing::op::{LinkTimeout, Nop, PollAdd, Read, TimeoutFired};
use system_liburing::{Features, OpFlags, Ring};

fn ring() -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(16), "links")
}

#[test]
fn failing_head_cancels_the_rest_of_the_chain() {
    let Some(mut ring) = ring() else { return };
    // Slot 0 of a ring with no registered-file table: the read fails with EBADF.
    let no_file = ring.fixed_file(0);
    let head = ring
        .push(Read::new(no_file, Vec::with_capacity(8), 0).flags(OpFlags::IO_LINK))
        .unwrap();
    let second = ring.push(Nop::new().flags(OpFlags::IO_LINK)).unwrap();
    let third = ring.push(Nop::new()).unwrap();
    let (res, _, _buf) = ring.wait_for(head).unwrap();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EBADF));
    assert_eq!(
        ring.wait_for(second).unwrap().unwrap_err().raw_os_error(),
        Some(libc::ECANCELED)
    );
    assert_eq!(
        ring.wait_for(third).unwrap().unwrap_err().raw_os_error(),
        Some(libc::ECANCELED)
    );
}

#[test]
fn hardlink_survives_a_failing_head() {
    let Some(mut ring) = ring() else { return };
    let no_file = ring.fixed_file(0); // no table: EBADF
    let head = ring
        .push(Read::new(no_file, Vec::with_capacity(8), 0).flags(OpFlags::IO_HARDLINK))
        .unwrap();
    let next = ring.push(Nop::new()).unwrap();
    assert_eq!(
        ring.wait_for(head).unwrap().0.unwrap_err().raw_os_error(),
        Some(libc::EBADF)
    );
    ring.wait_for(next)
        .unwrap()
        .expect("a hardlinked successor runs after a failure");
}

#[test]
fn link_timeout_fires_and_cancels_the_linked_op() {
    let Some(mut ring) = ring() else { return };
    let (rx, _tx) = common::pipe();
    let poll = ring
        .push(PollAdd::new(rx, libc::POLLIN as u32).flags(OpFlags::IO_LINK))
        .unwrap();
    let timer = ring
        .push(LinkTimeout::new(Duration::from_millis(10)))
        .unwrap();
    assert_eq!(
        ring.wait_for(timer).unwrap().unwrap(),
        TimeoutFired::Expired
    );
    assert_eq!(
        ring.wait_for(poll).unwrap().0.unwrap_err().raw_os_error(),
        Some(libc::ECANCELED)
    );
}

#[test]
fn link_timeout_is_cancelled_when_the_op_wins() {
    let Some(mut ring) = ring() else { return };
    let nop = ring.push(Nop::new().flags(OpFlags::IO_LINK)).unwrap();
    let timer = ring
        .push(LinkTimeout::new(Duration::from_secs(30)))
        .unwrap();
    ring.wait_for(nop).unwrap().unwrap();
    assert_eq!(
        ring.wait_for(timer).unwrap().unwrap_err().raw_os_error(),
        Some(libc::ECANCELED)
    );
}

#[test]
fn drain_waits_for_everything_before_it() {
    let Some(mut ring) = ring() else { return };
    let (rx, mut tx) = common::pipe();
    let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32)).unwrap();
    ring.push_with_user_data(Nop::new().flags(OpFlags::IO_DRAIN), 7)
        .unwrap();
    ring.submit().unwrap();
    // The drained NOP must not complete while the poll before it is pending.
    assert!(ring
        .wait_timeout(Duration::from_millis(30))
        .unwrap()
        .is_none());
    std::io::Write::write_all(&mut tx, b"x").unwrap();
    ring.wait_for(poll).unwrap().0.unwrap();
    let mut seen = None;
    for _ in 0..100 {
        if let Some(c) = ring.wait_timeout(Duration::from_millis(50)).unwrap() {
            seen = Some(c.user_data());
            break;
        }
    }
    assert_eq!(seen, Some(7));
}

#[test]
fn skip_success_posts_nothing_for_successes() {
    let Some(mut ring) = ring() else { return };
    if !ring.features().contains(Features::CQE_SKIP) {
        common::skip(
            "skip-success",
            format_args!("kernel without IORING_FEAT_CQE_SKIP (5.17)"),
        );
        return;
    }
    ring.push_with_user_data(Nop::new().skip_success(), 1)
        .unwrap();
    ring.push_with_user_data(Nop::new(), 2).unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.wait().unwrap().user_data(), 2);
    assert!(ring
        .wait_timeout(Duration::from_millis(20))
        .unwrap()
        .is_none());
}

/// liburing's link-cp relies on this: a linked read that comes back short breaks its chain,
/// so the write of the same (shared) buffer is cancelled rather than writing stale bytes.
/// While an op holds a handle, Rust cannot reach the bytes.
#[test]
fn short_linked_read_cancels_the_write_of_its_shared_buffer() {
    use system_liburing::op::Write;
    use system_liburing::SharedBuf;
    let Some(mut ring) = ring() else { return };
    let dir = std::env::temp_dir();
    let src = dir.join(format!("system-liburing-short-src-{}", std::process::id()));
    let dst = dir.join(format!("system-liburing-short-dst-{}", std::process::id()));
    std::fs::write(&src, b"short").unwrap();
    let from = std::fs::File::open(&src).unwrap();
    let to = std::fs::File::create(&dst).unwrap();

    let mut buf = SharedBuf::new(16);
    let mut mine = buf.clone();
    assert!(
        buf.get_mut().is_none(),
        "two handles: nobody reaches the bytes"
    );
    let read = ring
        .push(Read::new(from, buf.clone(), 0).flags(OpFlags::IO_LINK))
        .unwrap();
    let write = ring.push(Write::new(to, buf, 0)).unwrap();
    assert_eq!(mine.handles(), 3);
    assert!(mine.get_mut().is_none(), "the ops hold the other handles");

    assert_eq!(ring.wait_for(read).unwrap().0.unwrap(), 5, "a short read");
    let (written, _to, back) = ring.wait_for(write).unwrap();
    assert_eq!(
        written.unwrap_err().raw_os_error(),
        Some(libc::ECANCELED),
        "the short read broke the chain"
    );
    assert_eq!(std::fs::metadata(&dst).unwrap().len(), 0, "nothing written");
    drop(back);
    let bytes = mine.get_mut().expect("the last handle reaches the bytes");
    assert_eq!(&bytes[..5], b"short");
    assert!(bytes[5..].iter().all(|&b| b == 0), "the rest stays zero");
    std::fs::remove_file(src).unwrap();
    std::fs::remove_file(dst).unwrap();
}
