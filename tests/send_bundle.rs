//! Sends from a buffer ring (`op::SendBundle`, `IORING_RECVSEND_BUNDLE`, kernel 6.10): the
//! data queued with `BufRing::queue` arrives in order, the buffers each send consumed come
//! back to the ring, and everything that could make the crate hand a buffer back while the
//! kernel may still read it is refused: a receive ring, another ring's, a second send
//! armed on the same ring, receives selecting from a send ring, unregistering while armed.

mod common;

#[cfg(not(liburing_has = "io_uring_prep_send_bundle"))]
#[test]
#[ignore = "the linked liburing predates io_uring_prep_send_bundle (2.15 has it), so SendBundle does not exist"]
fn send_bundle() {}

#[cfg(liburing_has = "io_uring_prep_send_bundle")]
mod bundle {
    use super::common;
    use std::io::Read as _;
    use std::os::unix::net::UnixStream;
    use system_liburing::op::{RecvMulti, SendBundle};
    use system_liburing::register::BufRing;
    use system_liburing::{PushError, Ring, Ticket};

    fn ring(what: &str) -> Option<Ring> {
        common::ring_or_skip(Ring::builder().entries(16), what)
    }

    fn refused<O: std::fmt::Debug>(r: Result<Ticket<O>, PushError<O>>) -> &'static str {
        match r {
            Err(PushError::Invalid(_, why)) => why.what(),
            other => panic!("not refused: {other:?}"),
        }
    }

    /// Runs a bundle to its end: the bytes of each round, or `None` when the kernel lacks
    /// send bundles (skip recorded).
    fn send_all(
        ring: &mut Ring,
        sock: UnixStream,
        bufs: &BufRing,
        what: &str,
    ) -> Option<Vec<std::io::Result<usize>>> {
        let t = ring.push(SendBundle::new(sock, bufs, 0)).unwrap();
        let mut rounds = Vec::new();
        while let Some(round) = ring.next_shot(&t).unwrap() {
            if rounds.is_empty() {
                if let Err(e) = &round {
                    // EINVAL: the bundle flag is unknown; EOPNOTSUPP: a send may not
                    // select buffers at all (6.1).
                    if let Some(errno @ (libc::EINVAL | libc::EOPNOTSUPP)) = e.raw_os_error() {
                        common::skip(
                            what,
                            format_args!("kernel predates send bundles (6.10): errno {errno}"),
                        );
                        return None;
                    }
                }
            }
            rounds.push(round);
        }
        let (rest, _sock) = ring.finish(t).unwrap();
        assert!(rest.is_empty());
        Some(rounds)
    }

    /// Whether the kernel has send bundles (one byte sent through a scratch ring, group 99);
    /// records the skip when not.
    fn bundles(ring: &mut Ring, what: &str) -> bool {
        let scratch = ring.register_send_buf_ring(1, 8, 99).unwrap();
        scratch.queue(b"?").unwrap();
        let (tx, _rx) = UnixStream::pair().unwrap();
        let ok = send_all(ring, tx, &scratch, what).is_some();
        ring.unregister_buf_ring(&scratch).unwrap();
        ok
    }

    fn read_n(rx: &mut UnixStream, n: usize) -> Vec<u8> {
        let mut got = vec![0; n];
        rx.read_exact(&mut got).unwrap();
        got
    }

    /// Queued data arrives in order, whole; every buffer comes back, so the ring's whole
    /// capacity can be queued again, and again.
    #[test]
    fn queued_data_is_sent_in_order_and_the_buffers_come_back() {
        let Some(mut ring) = ring("send bundle") else {
            return;
        };
        let bufs = ring.register_send_buf_ring(8, 16, 1).unwrap();
        let (tx, mut rx) = UnixStream::pair().unwrap();
        let tx = std::sync::Arc::new(tx);
        for round in 0u8..5 {
            let data: Vec<u8> = (0..128)
                .map(|i| round.wrapping_mul(31).wrapping_add(i))
                .collect();
            assert_eq!(
                bufs.queue(&data).unwrap(),
                128,
                "the whole capacity is free"
            );
            assert_eq!(bufs.queue(b"no room").unwrap(), 0);
            assert_eq!(bufs.queued(), 128);
            let sock = tx.try_clone().unwrap();
            let Some(rounds) = send_all(&mut ring, sock, &bufs, "send bundle") else {
                return;
            };
            let sent: usize = rounds.into_iter().map(Result::unwrap).sum();
            assert_eq!((sent, bufs.queued(), bufs.armed()), (128, 0, 0));
            assert_eq!(read_n(&mut rx, 128), data);
        }
    }

    /// With nothing queued the bundle ends at once with ENOBUFS; one-byte buffers, many of
    /// them, are sent and counted one by one.
    #[test]
    fn an_empty_ring_is_enobufs_and_tiny_buffers_add_up() {
        let Some(mut ring) = ring("send bundle, empty ring") else {
            return;
        };
        let bufs = ring.register_send_buf_ring(1024, 1, 2).unwrap();
        let (tx, mut rx) = UnixStream::pair().unwrap();
        let Some(rounds) = send_all(&mut ring, tx.try_clone().unwrap(), &bufs, "send bundle")
        else {
            return;
        };
        assert_eq!(rounds.len(), 1);
        assert_eq!(
            rounds[0].as_ref().unwrap_err().raw_os_error(),
            Some(libc::ENOBUFS)
        );
        let data: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        assert_eq!(bufs.queue(&data).unwrap(), 1000);
        assert_eq!(
            bufs.queue(&[]).unwrap(),
            0,
            "an empty slice publishes nothing"
        );
        let rounds = send_all(&mut ring, tx, &bufs, "send bundle").unwrap();
        let sent: usize = rounds.into_iter().map(Result::unwrap).sum();
        assert_eq!((sent, bufs.queued()), (1000, 0));
        assert_eq!(read_n(&mut rx, 1000), data);
    }

    /// Every way of reaching a buffer the kernel may be reading is refused, while a bundle
    /// stays armed (a socket whose peer does not read): a second bundle on the same ring,
    /// unregistering the ring, a receive selecting from it; also a receive ring for a
    /// bundle, another ring's send ring, `MSG_ZEROCOPY`.
    #[test]
    fn what_could_race_the_kernel_is_refused() {
        let Some(mut ring) = ring("send bundle refusals") else {
            return;
        };
        if !bundles(&mut ring, "send bundle refusals") {
            return;
        }
        let bufs = ring.register_send_buf_ring(16, 64 * 1024, 3).unwrap();
        let recv_bufs = ring.register_buf_ring(4, 64, 4).unwrap();
        let mut other = Ring::new(4).unwrap();
        let foreign = other.register_send_buf_ring(4, 64, 3).unwrap();
        let (tx, mut rx) = UnixStream::pair().unwrap();
        let tx = std::sync::Arc::new(tx);
        let sock = || tx.try_clone().unwrap();

        assert_eq!(
            refused(ring.push(SendBundle::new(sock(), &recv_bufs, 0))),
            "buf_group"
        );
        assert_eq!(
            refused(ring.push(SendBundle::new(sock(), &foreign, 0))),
            "buf_group"
        );
        assert_eq!(
            refused(ring.push(SendBundle::new(sock(), &bufs, libc::MSG_ZEROCOPY))),
            "msg_flags"
        );
        assert_eq!(
            refused(ring.push(RecvMulti::new(sock(), &bufs, 0))),
            "buf_group"
        );
        assert!(
            recv_bufs.queue(b"x").is_err(),
            "a receive ring's buffers are the kernel's"
        );

        // 1 MiB queued on a socket nobody reads: the bundle blocks, armed
        let total = bufs.queue(&vec![0x5a; 1 << 20]).unwrap();
        assert_eq!(total, 1 << 20);
        let t = ring.push(SendBundle::new(sock(), &bufs, 0)).unwrap();
        ring.submit().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
        assert!(matches!(
            ring.try_next_shot(&t),
            system_liburing::op::Shot::Pending
        ));
        assert_eq!(bufs.armed(), 1, "the bundle waits for the peer");
        assert_eq!(
            refused(ring.push(SendBundle::new(sock(), &bufs, 0))),
            "buf_group"
        );
        let busy = ring.unregister_buf_ring(&bufs).unwrap_err();
        assert_eq!(busy.kind(), std::io::ErrorKind::ResourceBusy);

        // drain the peer: the bundle finishes, every byte arrives, every buffer comes back
        let reader = std::thread::spawn(move || read_n(&mut rx, 1 << 20));
        let mut sent = 0;
        while let Some(round) = ring.next_shot(&t).unwrap() {
            sent += round.unwrap();
        }
        assert_eq!(reader.join().unwrap(), vec![0x5a; 1 << 20]);
        assert_eq!((sent, bufs.queued(), bufs.armed()), (1 << 20, 0, 0));
        ring.finish(t).unwrap();
        // unarmed now: the ring can go, and is refused afterwards
        ring.unregister_buf_ring(&bufs).unwrap();
        assert!(bufs.queue(b"late").is_err());
        assert_eq!(
            refused(ring.push(SendBundle::new(sock(), &bufs, 0))),
            "buf_group"
        );
    }

    /// The peer goes away mid-send: the bundle ends reporting what it sent (or the error),
    /// having consumed at least that. A short send consumes every buffer it picked (6.18:
    /// all of them here, while the count covers a few), which the CQE does not say: the
    /// crate keeps counting those as queued — never handing back a buffer the kernel might
    /// still read — until the next send's CQE shows where the kernel really is (here
    /// `ENOBUFS`: the ring was empty when it was armed). Then every buffer is free again.
    #[test]
    fn a_broken_send_leaves_the_ring_consistent() {
        let Some(mut ring) = ring("send bundle, broken peer") else {
            return;
        };
        if !bundles(&mut ring, "send bundle, broken peer") {
            return;
        }
        let bufs = ring.register_send_buf_ring(64, 32 * 1024, 5).unwrap();
        let pattern: Vec<u8> = (0..(2 << 20)).map(|i: u32| (i % 251) as u8).collect();
        assert_eq!(bufs.queue(&pattern).unwrap(), 2 << 20);
        let (tx, rx) = UnixStream::pair().unwrap();
        let t = ring.push(SendBundle::new(tx, &bufs, 0)).unwrap();
        ring.submit().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        drop(rx); // EPIPE / ECONNRESET for the blocked send
                  // The kernel reports what it sent before the peer went (a positive count, the stream's
                  // last item: 6.18), or the error when nothing was.
        let mut sent = 0;
        while let Some(round) = ring.next_shot(&t).unwrap() {
            match round {
                Ok(n) => sent += n,
                Err(e) => assert!(
                    matches!(e.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)),
                    "{e}"
                ),
            }
        }
        ring.finish(t).unwrap();
        assert!(sent < 2 << 20, "the peer left before 2 MiB were read");
        let left = bufs.queued();
        assert!(
            left <= (2 << 20) - sent,
            "more queued than was never sent: {left} {sent}"
        );
        // A healthy socket gets a tail of the data, whole buffers from where the kernel
        // really stopped (nothing, here); then the ring is empty and all of it free.
        let (tx, mut rx) = UnixStream::pair().unwrap();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            rx.read_to_end(&mut got).unwrap();
            got
        });
        let t = ring.push(SendBundle::new(tx, &bufs, 0)).unwrap();
        let mut again = 0;
        while let Some(round) = ring.next_shot(&t).unwrap() {
            match round {
                Ok(n) => again += n,
                Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS), "{e}"),
            }
        }
        drop(ring.finish(t).unwrap()); // closes tx: the reader sees end of file
        let got = reader.join().unwrap();
        assert_eq!((got.len(), bufs.queued()), (again, 0));
        assert!(again <= left);
        assert!(
            pattern.ends_with(&got),
            "a tail of what was queued, in order"
        );
        assert_eq!(
            bufs.queue(&pattern).unwrap(),
            2 << 20,
            "every buffer is free again"
        );
        // and the ring works as before
        let (tx, mut rx) = UnixStream::pair().unwrap();
        let reader = std::thread::spawn(move || read_n(&mut rx, 2 << 20));
        let rounds = send_all(&mut ring, tx, &bufs, "send bundle").unwrap();
        let total: usize = rounds.into_iter().map(Result::unwrap).sum();
        assert_eq!((total, bufs.queued()), (2 << 20, 0));
        assert_eq!(reader.join().unwrap(), pattern);
    }

    /// A bundle larger than the socket's buffer is sent in parts: the kernel retries the
    /// round (`MSG_WAITALL`, which it sets for bundles on stream sockets) and its CQE counts
    /// the bytes of every part from the round's first buffer (or it ends the stream short,
    /// with the count it sent). What goes on the wire is exactly what the CQEs report, in
    /// the order queued, whole buffers from where the kernel stood; a buffer is never
    /// reused while the kernel may still send it (the next rounds' data, queued into the
    /// same buffers, would show up in place of this round's); every buffer comes back.
    #[test]
    fn a_round_sent_in_parts_is_counted_from_its_first_buffer() {
        const BUF: usize = 32 * 1024;
        let Some(mut ring) = ring("send bundle, partial round") else {
            return;
        };
        if !bundles(&mut ring, "send bundle, partial round") {
            return;
        }
        let bufs = ring.register_send_buf_ring(64, BUF as u32, 6).unwrap();
        for round in 0u32..6 {
            // Even rounds fill the ring (sent in parts); odd ones reuse a few buffers.
            let len = if round % 2 == 0 { 64 * BUF } else { 3 * BUF };
            let pattern: Vec<u8> = (0..len as u32)
                .map(|i| (i.wrapping_mul(7).wrapping_add(round * 13) % 251) as u8)
                .collect();
            assert_eq!(bufs.queue(&pattern).unwrap(), len, "round {round}");
            let (tx, mut rx) = UnixStream::pair().unwrap();
            // A small send buffer: the socket takes a few KiB at a time.
            let small: libc::c_int = 4096;
            // SAFETY: a live socket and a c_int option of the size given.
            let rc = unsafe {
                libc::setsockopt(
                    std::os::fd::AsRawFd::as_raw_fd(&tx),
                    libc::SOL_SOCKET,
                    libc::SO_SNDBUF,
                    std::ptr::from_ref(&small).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
            let reader = std::thread::spawn(move || {
                let mut got = Vec::new();
                rx.read_to_end(&mut got).unwrap();
                got
            });
            // Bundles until nothing is queued: a stream may end short of the queue.
            let mut reported = 0;
            for attempt in 0..=64 {
                if bufs.queued() == 0 {
                    break;
                }
                let sock = tx.try_clone().unwrap();
                for r in send_all(&mut ring, sock, &bufs, "send bundle").unwrap() {
                    match r {
                        Ok(n) => reported += n,
                        Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS), "{e}"),
                    }
                }
                if attempt == 0 {
                    // The first send started at the round's first buffer: its counts cover
                    // that many buffers (the last in part), all given back, no more.
                    let covered = reported.div_ceil(BUF) * BUF;
                    assert_eq!(bufs.queued(), len - covered.min(len), "round {round}");
                }
            }
            drop(tx);
            let got = reader.join().unwrap();
            assert_eq!(bufs.queued(), 0, "round {round}: every buffer came back");
            assert_eq!(
                got.len(),
                reported,
                "round {round}: the CQEs count the wire"
            );
            // In order, from this round's data only: a prefix of each buffer (all of it but
            // where a send stopped short), buffers skipped only where the kernel consumed
            // them unsent.
            let mut at = 0;
            for b in pattern.chunks(BUF) {
                let n = got[at..].iter().zip(b).take_while(|(x, y)| x == y).count();
                if n == b.len() || (n >= 64 && at + n < got.len()) || at + n == got.len() {
                    at += n;
                }
            }
            assert_eq!(
                at,
                got.len(),
                "round {round}: data not queued in this round"
            );
        }
        // The whole capacity is free again.
        assert_eq!(bufs.queue(&vec![1; 64 * BUF]).unwrap(), 64 * BUF);
    }
}
