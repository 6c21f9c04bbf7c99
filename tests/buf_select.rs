//! Single-shot reads and receives into provided buffers (`ReadSelect`, `RecvSelect`:
//! `IOSQE_BUFFER_SELECT` with a `BufRing`), and rings whose entry ring the kernel allocates
//! (`register_buf_ring_mmap`, `IOU_PBUF_RING_MMAP`), attacked from safe code: hostile
//! lengths, another io_uring's buffer ring, a ring unregistered or dropped while an op is
//! armed, running out of buffers, cancellation, dropped tickets and rings, refused flag
//! words. Every buffer must come back to its ring, and no guard may show more than a buffer.

// Every test selects through op::ReadSelect / op::RecvSelect (liburing 0.6's
// io_uring_prep_read / io_uring_prep_recv) or cancels with op::AsyncCancel;
// tests/unavailable_ops.rs reports the ops an older liburing lacks.
#![cfg(all(
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_cancel"
))]

mod common;

use std::io::Write as _;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use system_liburing::op::{AsyncCancel, ReadSelect, RecvSelect};
use system_liburing::register::{BufGuard, BufRing};
use system_liburing::{PushError, Ring};

/// A ring with a buffer ring of `entries` buffers of `len` bytes, or a skip.
fn setup(what: &str, entries: u16, len: u32) -> Option<(Ring, BufRing)> {
    let mut ring = common::ring_or_skip(Ring::builder().entries(8), what)?;
    match ring.register_buf_ring(entries, len, 1) {
        Ok(bufs) => Some((ring, bufs)),
        Err(e) => {
            common::skip(what, format_args!("no provided buffer rings (5.19): {e}"));
            None
        }
    }
}

/// One `RecvSelect` on `sock`, pushed and waited for: the buffer (or errno) it got.
fn recv(ring: &mut Ring, sock: &Arc<UnixStream>, bufs: &BufRing) -> std::io::Result<BufGuard> {
    let t = ring
        .push(RecvSelect::new(sock.clone(), bufs, 0, 0))
        .unwrap();
    ring.wait_for(t).unwrap().0
}

fn refused<O: system_liburing::Op + std::fmt::Debug>(
    r: Result<system_liburing::Ticket<O>, PushError<O>>,
) -> String {
    match r {
        Err(PushError::Invalid(_, why)) => why.what().to_string(),
        Err(e) => panic!("expected a refusal, got {e:?}"),
        Ok(_) => panic!("expected a refusal, the op was queued"),
    }
}

#[test]
fn read_select_reads_caps_and_ends_with_an_empty_guard() {
    let Some((mut ring, bufs)) = setup("read select", 2, 16) else {
        return;
    };
    let (rx, mut tx) = common::pipe();
    let rx = Arc::new(rx);
    tx.write_all(b"hello").unwrap();
    // nbytes caps the read.
    let t = ring
        .push(ReadSelect::new(rx.clone(), &bufs, 3, u64::MAX))
        .unwrap();
    let (got, _) = ring.wait_for(t).unwrap();
    assert_eq!(&*got.unwrap(), b"hel");
    // A hostile nbytes is cut by the kernel to the buffer the ring gave it: 16 bytes of 40.
    tx.write_all(&[7; 40]).unwrap();
    let t = ring
        .push(ReadSelect::new(rx.clone(), &bufs, u32::MAX, u64::MAX))
        .unwrap();
    let (got, _) = ring.wait_for(t).unwrap();
    let got = got.unwrap();
    assert_eq!(&got[..2], b"lo");
    assert_eq!(got.len(), 16, "never more than a buffer");
    drop(got);
    // End of file: an empty guard (with or without a buffer), and every buffer back.
    drop(tx);
    let mut left = 5 + 40 - 3 - 16;
    while left > 0 {
        let t = ring
            .push(ReadSelect::new(rx.clone(), &bufs, 0, u64::MAX))
            .unwrap();
        let got = ring.wait_for(t).unwrap().0.unwrap();
        assert!(!got.is_empty() && got.len() <= 16);
        left -= got.len();
    }
    let t = ring
        .push(ReadSelect::new(rx.clone(), &bufs, 0, u64::MAX))
        .unwrap();
    let (eof, _) = ring.wait_for(t).unwrap();
    assert!(eof.unwrap().is_empty());
    assert_eq!((bufs.in_use(), bufs.armed()), (0, 0));
}

#[test]
fn recv_select_refuses_unreviewed_flags() {
    let Some((mut ring, bufs)) = setup("recv select flags", 2, 16) else {
        return;
    };
    let (a, _b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    for bad in [
        libc::MSG_TRUNC,
        libc::MSG_WAITALL,
        libc::MSG_PEEK,
        libc::MSG_OOB,
        libc::MSG_ERRQUEUE,
        1 << 30 >> 1,
    ] {
        let what = refused(ring.push(RecvSelect::new(a.clone(), &bufs, 0, bad)));
        assert_eq!(what, "msg_flags", "flag {bad:#x}");
    }
    assert_eq!(bufs.armed(), 0, "a refused op never arms its buffer ring");
}

/// A buffer ring belongs to the ring it was registered with: another ring's group id
/// names other memory (or none), so pushing there is refused.
#[test]
fn a_buffer_ring_of_another_io_uring_is_refused() {
    let Some((mut ring, bufs)) = setup("select foreign ring", 2, 16) else {
        return;
    };
    let Some(mut other) = common::ring_or_skip(Ring::builder().entries(4), "select foreign") else {
        return;
    };
    let (a, b) = UnixStream::pair().unwrap();
    assert_eq!(
        refused(other.push(ReadSelect::new(a, &bufs, 0, 0))),
        "buf_group"
    );
    assert_eq!(
        refused(other.push(RecvSelect::new(b, &bufs, 0, 0))),
        "buf_group"
    );
    // And a registered-file slot of another ring, with this ring's buffers: the file is
    // refused first.
    assert_eq!(
        refused(ring.push(ReadSelect::new(other.fixed_file(0), &bufs, 0, 0))),
        "fd"
    );
    assert_eq!(bufs.armed(), 0);
}

/// A regular file (no poll: the buffer is picked when the read runs), punted to io-wq with
/// `IOSQE_ASYNC`: the same buffer hand-over.
#[test]
fn read_select_from_a_regular_file_in_a_worker() {
    let Some((mut ring, bufs)) = setup("read select file", 2, 8) else {
        return;
    };
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("buf-select-{}", std::process::id()));
    std::fs::write(&path, b"hello world").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let op = ReadSelect::new(file, &bufs, 0, 6).flags(system_liburing::OpFlags::ASYNC);
    let t = ring.push(op).unwrap();
    let (got, _file) = ring.wait_for(t).unwrap();
    assert_eq!(&*got.unwrap(), b"world");
    std::fs::remove_file(&path).unwrap();
}

/// While an op is armed the ring cannot be unregistered (`ResourceBusy`); after its CQE it
/// can, and then an op naming it is refused.
#[test]
fn an_armed_buffer_ring_cannot_be_unregistered() {
    let Some((mut ring, bufs)) = setup("select unregister", 2, 16) else {
        return;
    };
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    let t = ring.push(RecvSelect::new(a.clone(), &bufs, 0, 0)).unwrap();
    ring.submit().unwrap();
    assert_eq!(bufs.armed(), 1);
    let e = ring.unregister_buf_ring(&bufs).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ResourceBusy);
    b.write_all(b"x").unwrap();
    let (got, _) = ring.wait_for(t).unwrap();
    assert_eq!(&*got.unwrap(), b"x");
    assert_eq!(bufs.armed(), 0);
    ring.unregister_buf_ring(&bufs).unwrap();
    assert_eq!(
        refused(ring.push(RecvSelect::new(a.clone(), &bufs, 0, 0))),
        "buf_group"
    );
}

/// The user's `BufRing` handle dropped while an op is armed: the op holds the ring, its
/// buffer arrives intact, and goes back when the guard drops.
#[test]
fn the_handle_dropped_while_armed_keeps_the_ring_alive() {
    let Some((mut ring, bufs)) = setup("select handle dropped", 1, 16) else {
        return;
    };
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    let t = ring.push(RecvSelect::new(a.clone(), &bufs, 0, 0)).unwrap();
    ring.submit().unwrap();
    drop(bufs);
    b.write_all(b"still here").unwrap();
    let (got, _) = ring.wait_for(t).unwrap();
    let got = got.unwrap();
    assert_eq!(&*got, b"still here");
    drop(got); // into a ring nobody but the Ring holds any more
    b.write_all(b"again").unwrap();
    let bufs = ring.register_buf_ring(1, 16, 2).unwrap();
    assert_eq!(&*recv(&mut ring, &a, &bufs).unwrap(), b"again");
}

/// All buffers out: `ENOBUFS`, no buffer named; one given back: the next receive works.
#[test]
fn running_out_of_buffers_is_enobufs_and_recovers() {
    let Some((mut ring, bufs)) = setup("select enobufs", 1, 16) else {
        return;
    };
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    b.write_all(b"1").unwrap();
    let held = recv(&mut ring, &a, &bufs).unwrap();
    b.write_all(b"2").unwrap();
    let e = recv(&mut ring, &a, &bufs).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS));
    assert_eq!((bufs.in_use(), bufs.armed()), (1, 0));
    drop(held);
    assert_eq!(&*recv(&mut ring, &a, &bufs).unwrap(), b"2");
    assert_eq!(bufs.in_use(), 0);
}

/// Cancelled before data: `ECANCELED`, no buffer taken, disarmed.
#[test]
fn a_cancelled_select_takes_no_buffer() {
    let Some((mut ring, bufs)) = setup("select cancel", 2, 16) else {
        return;
    };
    let (a, _b) = UnixStream::pair().unwrap();
    let t = ring.push(ReadSelect::new(a, &bufs, 0, 0)).unwrap();
    ring.submit().unwrap();
    ring.push_with_user_data(AsyncCancel::ticket(&t), 9)
        .unwrap();
    let (e, _) = ring.wait_for(t).unwrap();
    assert_eq!(e.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert_eq!((bufs.in_use(), bufs.armed()), (0, 0));
}

/// A ticket dropped unfinished after its CQE (the op released without `finish`) and a
/// tagged op dropped at its completion: the buffer each received goes back to the ring (one
/// buffer: the next receive gets it instead of `ENOBUFS`).
#[test]
fn dropped_completions_give_their_buffer_back() {
    let Some((mut ring, bufs)) = setup("select dropped", 1, 16) else {
        return;
    };
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    b.write_all(b"1").unwrap();
    let t = ring.push(RecvSelect::new(a.clone(), &bufs, 0, 0)).unwrap();
    ring.submit_and_wait(1).unwrap();
    while ring.peek().unwrap().is_none() {}
    drop(t);
    b.write_all(b"2").unwrap();
    ring.push_tagged(RecvSelect::new(a.clone(), &bufs, 0, 0), 5)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.wait_completion().unwrap();
    assert_eq!(c.user_data(), 5);
    assert_eq!(
        c.result().unwrap(),
        1,
        "the buffer of the dropped ticket came back"
    );
    drop(c);
    assert_eq!((bufs.in_use(), bufs.armed()), (0, 0));
    b.write_all(b"3").unwrap();
    assert_eq!(&*recv(&mut ring, &a, &bufs).unwrap(), b"3");
}

/// A tagged op taken back through dispatch hands its buffer over like `finish`.
#[test]
fn a_tagged_select_hands_back_its_buffer() {
    let Some((mut ring, bufs)) = setup("select tagged", 2, 16) else {
        return;
    };
    let (a, mut b) = UnixStream::pair().unwrap();
    b.write_all(b"tagged").unwrap();
    ring.push_tagged(RecvSelect::new(a, &bufs, 0, 0), 77)
        .unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.wait_completion().unwrap();
    let (buf, _a) = c.output::<RecvSelect<UnixStream>>().unwrap();
    assert_eq!(&*buf.unwrap(), b"tagged");
    assert_eq!(bufs.in_use(), 0);
}

/// The ring dropped while a select is armed: the op is cancelled and dropped, the buffer
/// ring (still held by the handle) outlives it, and nothing is left armed or out.
#[test]
fn a_ring_dropped_while_armed_releases_the_op() {
    let Some((mut ring, bufs)) = setup("select ring dropped", 2, 16) else {
        return;
    };
    let (a, _b) = UnixStream::pair().unwrap();
    let _t = ring.push(ReadSelect::new(a, &bufs, 0, 0)).unwrap();
    ring.submit().unwrap();
    assert_eq!(bufs.armed(), 1);
    drop(ring);
    assert_eq!((bufs.armed(), bufs.in_use()), (0, 0));
}

/// A kernel-allocated entry ring (`IOU_PBUF_RING_MMAP`, 6.4): the same buffers and ops as a
/// crate-allocated one; unmapped when the last holder is gone (the ring, then a guard).
#[test]
fn an_mmap_buffer_ring_serves_selects_and_outlives_its_ring() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "pbuf mmap") else {
        return;
    };
    let bufs = match ring.register_buf_ring_mmap(4, 32, 6) {
        Ok(b) => b,
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            common::skip(
                "pbuf mmap",
                format_args!("IOU_PBUF_RING_MMAP needs 6.4: {e}"),
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(bufs.is_mmap());
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    // Twice around the four entries: every give-back is written into the mapped ring.
    for i in 0..8u8 {
        b.write_all(&[i; 5]).unwrap();
        assert_eq!(&*recv(&mut ring, &a, &bufs).unwrap(), &[i; 5]);
    }
    b.write_all(b"kept").unwrap();
    let kept = recv(&mut ring, &a, &bufs).unwrap();
    // The same group id again: the kernel refuses it while registered.
    assert_eq!(
        ring.register_buf_ring_mmap(4, 32, 6)
            .unwrap_err()
            .raw_os_error(),
        Some(libc::EEXIST)
    );
    drop(ring);
    assert_eq!(&*kept, b"kept", "the guard outlives the ring");
    drop(kept); // gives the buffer back into the mapping, then nothing is left to unmap
    assert_eq!(bufs.in_use(), 0);
}

/// Unregistered, an mmap ring's group id can be registered again (crate- or
/// kernel-allocated), and guards of the old one given back afterwards write nothing the
/// kernel reads.
#[test]
fn an_unregistered_mmap_ring_frees_its_group() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "pbuf mmap again") else {
        return;
    };
    let old = match ring.register_buf_ring_mmap(2, 32, 4) {
        Ok(b) => b,
        Err(e) => {
            common::skip(
                "pbuf mmap again",
                format_args!("no IOU_PBUF_RING_MMAP: {e}"),
            );
            return;
        }
    };
    let (a, mut b) = UnixStream::pair().unwrap();
    let a = Arc::new(a);
    b.write_all(b"old").unwrap();
    let held = recv(&mut ring, &a, &old).unwrap();
    ring.unregister_buf_ring(&old).unwrap();
    let new = ring.register_buf_ring_mmap(2, 32, 4).unwrap();
    drop(held); // the old ring's buffer: not published into the new ring
    for msg in [&b"n1"[..], b"n2"] {
        b.write_all(msg).unwrap();
        assert_eq!(&*recv(&mut ring, &a, &new).unwrap(), msg);
    }
    ring.unregister_buf_ring(&new).unwrap();
    let heap = ring.register_buf_ring(2, 32, 4).unwrap();
    assert!(!heap.is_mmap());
}
