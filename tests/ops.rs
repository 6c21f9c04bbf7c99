//! The starter ops with owned buffers: what goes in comes back, typed.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_cancel",
    liburing_has = "io_uring_prep_close",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_timeout",
    liburing_has = "io_uring_prep_write"
))]

mod common;

use std::io::{Read as _, Write as _};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;
use system_liburing::op::{
    AsyncCancel, Close, Fsync, Nop, PollAdd, Read, Readv, Timeout, TimeoutFired, Write, Writev,
};
use system_liburing::{OpFlags, Ring};

fn ring() -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(32), "ops")
}

fn temp_file(name: &str) -> (std::fs::File, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("system-liburing-{name}-{}", std::process::id()));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    (f, path)
}

#[test]
fn write_then_read_round_trip() {
    let Some(mut ring) = ring() else { return };
    let (file, path) = temp_file("rw");
    let fd = file.as_raw_fd();
    // The file goes in with the op and comes back with the result, the same file.
    let t = ring
        .push(Write::new(file, b"hello, ring".to_vec(), 0))
        .unwrap();
    let (n, file, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 11);
    assert_eq!(buf, b"hello, ring");
    assert_eq!(file.as_raw_fd(), fd, "the op hands its file back");

    let t = ring
        .push(Read::new(file, Vec::with_capacity(64), 0))
        .unwrap();
    let (n, file, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 11);
    assert_eq!(buf, b"hello, ring", "the Vec's length is what was read");

    // A shared file: the op holds a clone of the Arc, the test keeps using its own.
    let file = Arc::new(file);
    let t = ring
        .push(Read::new(file.clone(), vec![0u8; 4].into_boxed_slice(), 7))
        .unwrap();
    let (n, held, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 4);
    assert_eq!(&buf[..], b"ring");
    assert!(Arc::ptr_eq(&held, &file));
    drop(held);

    let t = ring.push(Fsync::new(file.clone()).datasync()).unwrap();
    let (res, _file) = ring.wait_for(t).unwrap();
    res.unwrap();
    std::fs::remove_file(path).unwrap();
}

#[test]
fn vectored_round_trip() {
    let Some(mut ring) = ring() else { return };
    let (file, path) = temp_file("rwv");
    let t = ring
        .push(Writev::new(
            file,
            vec![b"abc".to_vec(), b"defgh".to_vec()],
            0,
        ))
        .unwrap();
    let (n, file, bufs) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 8);
    assert_eq!(bufs.len(), 2);
    let t = ring
        .push(Readv::new(
            file,
            vec![Vec::with_capacity(2), Vec::with_capacity(10)],
            0,
        ))
        .unwrap();
    let (n, _file, bufs) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 8);
    assert_eq!(bufs[0], b"ab");
    assert_eq!(bufs[1], b"cdefgh");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn finish_before_the_cqe_gives_the_ticket_back() {
    let Some(mut ring) = ring() else { return };
    let (rx, mut tx) = common::pipe();
    let t = ring
        .push(Read::new(rx, Vec::with_capacity(16), u64::MAX))
        .unwrap();
    ring.submit().unwrap();
    let early = ring.finish(t).expect_err("no CQE yet");
    assert!(!early.is_foreign(), "the ticket is this ring's");
    let t = early.into_ticket();
    tx.write_all(b"ping").unwrap();
    let cqe = ring.wait().unwrap();
    assert_eq!(cqe.user_data(), t.user_data());
    assert!(cqe.is_managed());
    let (n, mut rx, buf) = ring.finish(t).unwrap();
    assert_eq!(n.unwrap(), 4);
    assert_eq!(buf, b"ping");
    drop(tx);
    let mut rest = Vec::new();
    rx.read_to_end(&mut rest).unwrap();
}

#[test]
fn wait_for_keeps_other_completions_in_order() {
    let Some(mut ring) = ring() else { return };
    for i in 0..5 {
        ring.push_with_user_data(Nop::new(), i).unwrap();
    }
    let t = ring.push(Nop::new()).unwrap();
    ring.push_with_user_data(Nop::new(), 5).unwrap();
    ring.wait_for(t).unwrap().unwrap();
    let mut seen = Vec::new();
    while let Some(c) = ring.wait_timeout(Duration::from_millis(200)).unwrap() {
        seen.push(c.user_data());
        if seen.len() == 6 {
            break;
        }
    }
    assert_eq!(seen, vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn timeouts_relative_count_and_zero() {
    let Some(mut ring) = ring() else { return };
    let t = ring
        .push(Timeout::relative(Duration::from_millis(5)))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().unwrap(), TimeoutFired::Expired);

    let t = ring.push(Timeout::relative(Duration::ZERO)).unwrap();
    assert_eq!(
        ring.wait_for(t).unwrap().unwrap(),
        TimeoutFired::Expired,
        "a zero timeout fires at once"
    );

    let t = ring
        .push(Timeout::relative(Duration::from_secs(30)).count(2))
        .unwrap();
    ring.push_with_user_data(Nop::new(), 1).unwrap();
    ring.push_with_user_data(Nop::new(), 2).unwrap();
    assert_eq!(
        ring.wait_for(t).unwrap().unwrap(),
        TimeoutFired::CountReached
    );

    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let at = Duration::new(now.tv_sec as u64, now.tv_nsec as u32) + Duration::from_millis(5);
    let t = ring.push(Timeout::absolute(at)).unwrap();
    assert_eq!(ring.wait_for(t).unwrap().unwrap(), TimeoutFired::Expired);
}

#[test]
fn close_owned_fd() {
    let Some(mut ring) = ring() else { return };
    let (mut rx, tx) = common::pipe();
    let t = ring.push(Close::new(OwnedFd::from(tx))).unwrap();
    ring.wait_for(t).unwrap().unwrap();
    // The only write end is closed by the kernel: the read end sees end-of-file. (Checking the
    // number with fcntl would race with other tests reusing it.)
    let mut rest = Vec::new();
    assert_eq!(rx.read_to_end(&mut rest).unwrap(), 0);
}

#[test]
fn poll_and_cancel() {
    let Some(mut ring) = ring() else { return };
    let (rx, mut tx) = common::pipe();
    let poll = ring.push(PollAdd::new(rx, libc::POLLIN as u32)).unwrap();
    ring.submit().unwrap();
    tx.write_all(b"x").unwrap();
    let (revents, _rx) = ring.wait_for(poll).unwrap();
    assert!(revents.unwrap() & libc::POLLIN as u32 != 0);

    // A poll that never fires, cancelled by ticket; the pipe comes back with the error.
    let (rx2, _tx2) = common::pipe();
    let fd2 = rx2.as_raw_fd();
    let poll = ring.push(PollAdd::new(rx2, libc::POLLIN as u32)).unwrap();
    let cancel = ring.push(AsyncCancel::ticket(&poll)).unwrap();
    assert_eq!(ring.wait_for(cancel).unwrap().unwrap(), 0);
    let (res, rx2) = ring.wait_for(poll).unwrap();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert_eq!(rx2.as_raw_fd(), fd2);
}

#[test]
fn linked_chain_runs_in_order() {
    let Some(mut ring) = ring() else { return };
    ring.push_with_user_data(Nop::new().flags(OpFlags::IO_LINK), 1)
        .unwrap();
    ring.push_with_user_data(Nop::new().flags(OpFlags::IO_LINK), 2)
        .unwrap();
    ring.push_with_user_data(Nop::new(), 3).unwrap();
    ring.submit_and_wait(3).unwrap();
    let got: Vec<u64> = (0..3)
        .map(|_| ring.peek().unwrap().unwrap().user_data())
        .collect();
    assert_eq!(got, vec![1, 2, 3]);
}
