//! Attack reproducers on `SharedBuf`: its contract is that Rust code reaches the bytes only
//! through the last handle, so the kernel may read and write them while ops hold handles.
//! `Recv` / `RecvMsg` with `MSG_TRUNC` broke it: their `prepare` zeroed the whole buffer
//! from Rust (`recv_room`), through a handle other ops — and other threads — still shared.
//! Safe code only; kept as regression tests (run the first under helgrind to see no race).

// Both reproducers need these helpers (liburing 0.6); tests/unavailable_ops.rs reports the
// ops an older liburing lacks.
#![cfg(all(
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_recvmsg",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_write"
))]

mod common;

use std::io::{Read as _, Write as _};
use std::net::UdpSocket;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;
use system_liburing::op::{Recv, RecvMsg, Write};
use system_liburing::{Ring, SharedBuf};

/// Regression (was UB: a data race between two Rust threads): two rings on two threads each
/// push a `MSG_TRUNC` receive holding a clone of the same `SharedBuf`. Each push ran
/// `ptr::write_bytes(ptr, 0, len)` over the same bytes with nothing ordering the two writes
/// (`valgrind --tool=helgrind` reported "Possible data race during write" in `recv_room`).
/// The buffer now initialises its own room (`IoBufMut::init_room`), a no-op for a
/// `SharedBuf`: no Rust code writes the bytes, which keep what they held.
#[test]
fn msg_trunc_recv_never_writes_a_shared_buf_from_rust() {
    let mut buf = SharedBuf::new(1 << 16);
    buf.get_mut().unwrap().fill(0xAA);
    let barrier = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let (buf, barrier) = (buf.clone(), barrier.clone());
            std::thread::spawn(move || {
                let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(4), "race")
                else {
                    return;
                };
                let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
                barrier.wait();
                // Only queued: the race was in push (prepare), before any submit.
                if i == 0 {
                    let _t = ring.push(Recv::new(sock, buf, libc::MSG_TRUNC)).unwrap();
                } else {
                    let _t = ring.push(RecvMsg::new(sock, buf, libc::MSG_TRUNC)).unwrap();
                }
                // Dropping the ring submits, cancels and reaps the receive.
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let bytes = buf
        .get_mut()
        .expect("both receives are gone, and their handles");
    let changed = bytes.iter().filter(|&&b| b != 0xAA).count();
    assert_eq!(
        changed, 0,
        "{changed} bytes of a shared buffer written from Rust"
    );
}

/// Regression (was: memory the kernel is reading written by Rust code): a write holding one
/// handle of a `SharedBuf` waits for room on a full socket; a `MSG_TRUNC` receive pushed
/// with another handle zeroed the bytes from Rust before the kernel had read them, and the
/// peer received zeros. No Rust code may change those bytes while an op holds them.
#[test]
fn msg_trunc_recv_clobbers_bytes_an_inflight_write_sends() {
    let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "clobber") else {
        return;
    };
    // A full stream socket: the write cannot start until the reader drains it.
    let (mut rx, tx) = UnixStream::pair().unwrap();
    tx.set_nonblocking(true).unwrap();
    let filler = [0xAAu8; 4096];
    let mut queued = 0usize;
    loop {
        match (&tx).write(&filler) {
            Ok(n) => queued += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => panic!("{e}"),
        }
    }
    tx.set_nonblocking(false).unwrap();
    // The payload: 0x5A everywhere (the only way to fill a SharedBuf is through an op; a
    // read of a file of 0x5A bytes does it).
    let mut buf = SharedBuf::new(4096);
    let path = std::env::temp_dir().join(format!("attack-sharedbuf-{}", std::process::id()));
    std::fs::write(&path, [0x5Au8; 4096]).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let t = ring
        .push(system_liburing::op::Read::new(file, buf.clone(), 0))
        .unwrap();
    ring.wait_for(t).unwrap().0.unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(buf.get_mut().unwrap().iter().all(|&b| b == 0x5A));

    let w = ring.push(Write::new(tx, buf.clone(), 0)).unwrap();
    ring.submit().unwrap(); // the kernel parks the write until the socket drains
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = ring
        .push(Recv::new(udp, buf.clone(), libc::MSG_TRUNC))
        .unwrap();
    drop(r); // never finished: freed with the ring

    // Drain the filler, then read what the write sent.
    let mut sink = vec![0u8; queued];
    rx.read_exact(&mut sink).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut got = vec![0u8; 4096];
    rx.read_exact(&mut got).unwrap();
    let (n, _tx, _buf) = ring.wait_for(w).unwrap();
    assert_eq!(n.unwrap(), 4096);
    let zeros = got.iter().filter(|&&b| b == 0).count();
    assert_eq!(
        zeros, 0,
        "{zeros} of 4096 bytes the write sent were zeroed by Rust code after the push"
    );
}
