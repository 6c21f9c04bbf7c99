//! Multishot streams and provided buffer rings: a TCP echo server on 127.0.0.1 built from
//! multishot accept + multishot recv into a buffer ring + send; running out of buffers;
//! zero-copy send's notification; UDP with addresses.

mod common;

#[cfg(not(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_recvmsg_multishot",
    liburing_has = "io_uring_prep_send_zc"
)))]
#[test]
#[ignore = "the linked liburing lacks the multishot / zero-copy helpers (2.3+), so these ops do not exist"]
fn multishot_streams() {}

#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_recvmsg_multishot",
    liburing_has = "io_uring_prep_send_zc"
))]
mod streams {
    use super::common;

    use std::collections::HashMap;
    use std::io::{Read as _, Write as _};
    use std::net::{TcpListener, TcpStream, UdpSocket};
    use std::os::fd::OwnedFd;
    use std::sync::Arc;
    use std::time::Duration;
    use system_liburing::op::{
        AcceptMulti, AsyncCancel, Multishot, RecvMsg, RecvMsgMulti, RecvMulti, Send, SendMsg,
        SendZc, Shot,
    };
    use system_liburing::register::BufRing;
    use system_liburing::{CqeFlags, PushError, Ring, Ticket};

    /// A ring and a registered buffer ring, or a skip (kernels before 5.19 have no buffer rings).
    fn setup(what: &str, entries: u16, len: u32) -> Option<(Ring, BufRing)> {
        let mut ring = common::ring_or_skip(Ring::builder().entries(64), what)?;
        match ring.register_buf_ring(entries, len, 7) {
            Ok(b) => Some((ring, b)),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
                common::skip(
                    what,
                    format_args!("no provided buffer rings here (5.19): {e}"),
                );
                None
            }
            Err(e) => panic!("{what}: register_buf_ring: {e}"),
        }
    }

    fn push<O: system_liburing::Op>(ring: &mut Ring, op: O) -> Ticket<O> {
        match ring.push(op) {
            Ok(t) => t,
            Err(PushError::SqFull(op)) => {
                ring.submit().unwrap();
                ring.push(op).map_err(|e| e.to_string()).unwrap()
            }
            Err(e) => panic!("{e}"),
        }
    }

    /// A connection: its receive stream and its echoes each hold a handle.
    type Conn = Arc<OwnedFd>;

    /// Ends a multishot stream: cancels it and reaps its CQEs up to the last one (each
    /// `ECANCELED` once the cancel lands), which disarms it.
    fn cancel_to_the_end<O, T>(ring: &mut Ring, t: &Ticket<O>)
    where
        O: Multishot<Item = std::io::Result<T>>,
        T: std::fmt::Debug,
    {
        ring.push_with_user_data(AsyncCancel::ticket(t), 1).unwrap();
        while let Some(item) = ring.next_shot(t).unwrap() {
            assert_eq!(item.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
        }
    }

    enum Kind {
        Recv(Conn, Ticket<RecvMulti<Conn>>),
        Send(Ticket<Send<Conn, Vec<u8>>>),
    }

    #[test]
    fn tcp_echo_with_multishot_accept_recv_and_a_buffer_ring() {
        const CLIENTS: usize = 4;
        const MESSAGES: usize = 16;
        let Some((mut ring, bufs)) = setup("multishot echo", 16, 256) else {
            return;
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accept = push(&mut ring, AcceptMulti::new(listener));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                std::thread::spawn(move || {
                    let mut s = TcpStream::connect(addr).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    let mut echoed = 0;
                    for m in 0..MESSAGES {
                        let msg: Vec<u8> = (0..(1 + (c * 31 + m * 7) % 200))
                            .map(|i| (c + m + i) as u8)
                            .collect();
                        s.write_all(&msg).unwrap();
                        let mut back = vec![0; msg.len()];
                        s.read_exact(&mut back).unwrap();
                        assert_eq!(back, msg, "client {c} message {m}");
                        echoed += msg.len();
                    }
                    echoed
                })
            })
            .collect();

        let mut ops: HashMap<u64, Kind> = HashMap::new();
        let (mut accepted, mut closed, mut sent_bytes) = (0, 0, 0);
        while closed < CLIENTS {
            ring.submit().unwrap();
            let cqe = ring
                .wait_timeout(Duration::from_secs(10))
                .unwrap()
                .expect("the echo server stalled");
            if cqe.user_data() == accept.user_data() {
                while let Shot::Item(fd) = ring.try_next_shot(&accept) {
                    let fd = Arc::new(fd.expect("accept"));
                    let t = push(&mut ring, RecvMulti::new(fd.clone(), &bufs, 0));
                    ops.insert(t.user_data(), Kind::Recv(fd, t));
                    accepted += 1;
                }
                continue;
            }
            match ops.remove(&cqe.user_data()) {
                Some(Kind::Recv(fd, t)) => {
                    let mut eof = false;
                    let mut ended = false;
                    loop {
                        match ring.try_next_shot(&t) {
                            Shot::Item(Ok(buf)) if buf.is_empty() => eof = true,
                            Shot::Item(Ok(buf)) => {
                                let s = push(&mut ring, Send::new(fd.clone(), buf.to_vec(), 0));
                                ops.insert(s.user_data(), Kind::Send(s));
                                // `buf` drops here: the buffer goes back to the ring.
                            }
                            Shot::Item(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {}
                            Shot::Item(Err(e)) => panic!("recv: {e}"),
                            Shot::Pending => break,
                            Shot::Ended => {
                                ended = true;
                                break;
                            }
                        }
                    }
                    if ended {
                        let (left, _) = ring.finish(t).unwrap();
                        assert!(left.is_empty(), "every item was taken");
                        if eof {
                            closed += 1;
                        } else {
                            // Out of buffers (or the kernel stopped the stream): re-arm.
                            let t = push(&mut ring, RecvMulti::new(fd.clone(), &bufs, 0));
                            ops.insert(t.user_data(), Kind::Recv(fd, t));
                        }
                    } else {
                        ops.insert(t.user_data(), Kind::Recv(fd, t));
                    }
                }
                Some(Kind::Send(t)) => {
                    let (res, _, buf) = ring.finish(t).unwrap();
                    assert_eq!(res.unwrap(), buf.len(), "short send on loopback");
                    sent_bytes += buf.len();
                }
                None => panic!("a CQE nobody asked for: {cqe:?}"),
            }
        }
        let echoed: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
        // Sends still in flight finish before the clients could read their echo, so all are done.
        assert_eq!(accepted, CLIENTS);
        assert_eq!(sent_bytes, echoed, "every byte received was echoed");
        assert_eq!(bufs.in_use(), 0, "every buffer went back to the ring");

        // Stop accepting: the stream ends with ECANCELED, then the ticket finishes.
        ring.push_with_user_data(AsyncCancel::ticket(&accept), 1)
            .unwrap();
        loop {
            match ring.next_shot(&accept).unwrap() {
                Some(Err(e)) => assert_eq!(e.raw_os_error(), Some(libc::ECANCELED)),
                Some(Ok(_)) => panic!("no client left to accept"),
                None => break,
            }
        }
        let (left, _listener) = ring.finish(accept).unwrap();
        assert!(left.is_empty());
    }

    #[test]
    fn running_out_of_buffers_is_reported_and_rearming_resumes() {
        let Some((mut ring, bufs)) = setup("buffer ring ENOBUFS", 2, 64) else {
            return;
        };
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let t = push(&mut ring, RecvMulti::new(b, &bufs, 0));
        let mut held = Vec::new();
        for i in 0..2u8 {
            a.write_all(&[i; 10]).unwrap();
            let g = ring.next_shot(&t).unwrap().unwrap().unwrap();
            assert_eq!(&*g, &[i; 10]);
            held.push(g);
        }
        assert_eq!(bufs.in_use(), 2);
        a.write_all(&[9; 10]).unwrap();
        let err = ring.next_shot(&t).unwrap().unwrap().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOBUFS));
        assert!(
            ring.next_shot(&t).unwrap().is_none(),
            "ENOBUFS ends the stream"
        );
        let (left, b) = ring.finish(t).unwrap();
        assert!(left.is_empty());
        drop(held);
        assert_eq!(bufs.in_use(), 0);
        // Buffers are back: re-arming (with the socket the op handed back) receives what
        // waited in the socket.
        let t = push(&mut ring, RecvMulti::new(b, &bufs, 0));
        let g = ring.next_shot(&t).unwrap().unwrap().unwrap();
        assert_eq!(&*g, &[9; 10]);
        drop(g);
        drop(a);
        assert!(
            ring.next_shot(&t).unwrap().unwrap().unwrap().is_empty(),
            "EOF"
        );
        assert!(ring.next_shot(&t).unwrap().is_none());
        assert!(ring.finish(t).unwrap().0.is_empty());
    }

    #[test]
    fn a_buffer_ring_of_another_ring_is_refused() {
        let Some((mut ring, bufs)) = setup("foreign buffer ring", 2, 64) else {
            return;
        };
        let mut other = Ring::new(4).unwrap();
        let (_a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        match other.push(RecvMulti::new(b, &bufs, 0)) {
            Err(PushError::Invalid(_, why)) => {
                assert_eq!((why.what(), why.value()), ("buf_group", 7));
                assert!(why.why().contains("another ring"), "{why}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(ring.unregister_buf_ring(&bufs).is_ok());
        assert!(other.unregister_buf_ring(&bufs).is_err());
    }

    /// Buffer-ring identity (issue 12): a CQE names a buffer by group id and buffer id, so
    /// while a multishot receive is armed on group 7 the group may not be unregistered (a
    /// new ring registered as group 7 would then be filled by the old op, which would read
    /// the old ring's memory). Once the op has ended the group goes, the old handle is
    /// refused from then on, and the id serves a new ring.
    #[test]
    fn an_armed_buffer_ring_stays_registered_until_its_op_ends() {
        let Some((mut ring, old)) = setup("buffer ring identity", 2, 64) else {
            return;
        };
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let b = Arc::new(b);
        let t = push(&mut ring, RecvMulti::new(b.clone(), &old, 0));
        ring.submit().unwrap();
        assert_eq!(old.armed(), 1);
        let err = ring.unregister_buf_ring(&old).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::ResourceBusy, "{err}");
        let msg = err.to_string();
        assert!(
            msg.starts_with("1 ") && msg.contains("armed") && msg.contains("group 7"),
            "names the armed count and the group: {msg}"
        );
        // Still registered: the op receives into the old ring.
        a.write_all(b"old").unwrap();
        let g = ring.next_shot(&t).unwrap().expect("still armed").unwrap();
        assert_eq!(&*g, b"old");
        drop(g);

        // End the op: cancel it and reap its last CQE.
        cancel_to_the_end(&mut ring, &t);
        assert_eq!(old.armed(), 0, "the last CQE disarms");
        ring.unregister_buf_ring(&old)
            .expect("nothing armed: the group goes");
        assert!(ring.finish(t).unwrap().0.is_empty());

        // The old handle names a group that is gone: refused before anything is queued.
        match ring.push(RecvMulti::new(b.clone(), &old, 0)) {
            Err(PushError::Invalid(_, why)) => {
                assert_eq!((why.what(), why.value()), ("buf_group", 7));
                assert!(why.why().contains("unregistered"), "{why}");
            }
            other => panic!("an op on an unregistered buffer ring was accepted: {other:?}"),
        }
        assert_eq!(ring.submitter().sq_ready(), 0, "nothing was queued");

        // Group 7 again, for a new ring with smaller buffers: ops on it receive into it.
        // Four buffers: 6.1 may take one for a retry that finds no data yet, and a ring
        // that runs dry ends the multishot receive (ENOBUFS).
        let new = ring.register_buf_ring(4, 32, 7).unwrap();
        let t = push(&mut ring, RecvMulti::new(b, &new, 0));
        let msg = [9u8; 48];
        a.write_all(&msg).unwrap();
        let g = ring.next_shot(&t).unwrap().expect("still armed").unwrap();
        assert_eq!(&*g, &msg[..32], "cut to the new ring's 32-byte buffers");
        assert!(g.buffer_id().is_some_and(|id| id < 4));
        assert_eq!(
            (new.in_use(), old.in_use()),
            (1, 0),
            "the new ring's buffer"
        );
        drop(g);
        let g = ring.next_shot(&t).unwrap().expect("still armed").unwrap();
        assert_eq!(&*g, &msg[32..]);
        drop(g);
        cancel_to_the_end(&mut ring, &t);
        assert!(ring.finish(t).unwrap().0.is_empty());
        assert_eq!((new.in_use(), new.armed()), (0, 0));
    }

    #[test]
    fn send_zc_returns_the_buffer_only_after_the_notification() {
        let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "send_zc") else {
            return;
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let t = match ring.push(SendZc::new(client, vec![7u8; 4096], 0, 0)) {
            Ok(t) => t,
            Err(PushError::Unsupported(..)) => {
                common::skip(
                    "send_zc",
                    format_args!("kernel without IORING_OP_SEND_ZC (6.0)"),
                );
                return;
            }
            Err(e) => panic!("{e}"),
        };
        ring.submit().unwrap();
        let first = ring.wait().unwrap();
        assert_eq!(first.user_data(), t.user_data());
        let t = if first.flags().contains(CqeFlags::MORE) {
            assert_eq!(first.raw_result(), 4096);
            // The kernel may still read the pages: the buffer must not come back yet.
            let t = ring
                .finish(t)
                .expect_err("finished before the notification")
                .into_ticket();
            let notif = ring.wait().unwrap();
            assert_eq!(notif.user_data(), t.user_data());
            assert!(notif.flags().contains(CqeFlags::NOTIF));
            t
        } else {
            t
        };
        let (res, _client, buf) = ring.finish(t).unwrap();
        assert_eq!(res.unwrap(), 4096, "the result is the first CQE's count");
        assert_eq!(buf.len(), 4096);
        let mut got = vec![0; 4096];
        server.read_exact(&mut got).unwrap();
        assert!(got.iter().all(|&b| b == 7));
    }

    #[test]
    fn udp_sendmsg_recvmsg_and_multishot_recvmsg_carry_addresses() {
        let Some((mut ring, bufs)) = setup("udp msg", 8, 512) else {
            return;
        };
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (to, from) = (rx.local_addr().unwrap(), tx.local_addr().unwrap());

        let s = push(&mut ring, SendMsg::new(tx, b"one".to_vec(), Some(to), 0));
        let (res, tx, _) = ring.wait_for(s).unwrap();
        assert_eq!(res.unwrap(), 3);
        let r = push(&mut ring, RecvMsg::new(rx, Vec::with_capacity(64), 0));
        let (res, rx, buf, sender) = ring.wait_for(r).unwrap();
        assert_eq!(res.unwrap(), 3);
        assert_eq!(buf, b"one");
        assert_eq!(sender, Some(from));

        let m = push(&mut ring, RecvMsgMulti::new(rx, &bufs, 0));
        for i in 0..3u8 {
            tx.send_to(&[i; 5], to).unwrap();
            let msg = ring.next_shot(&m).unwrap().unwrap().unwrap();
            assert_eq!(msg.payload(), &[i; 5]);
            assert_eq!(msg.from(), Some(from));
            assert!(!msg.truncated());
        }
        cancel_to_the_end(&mut ring, &m);
        assert!(ring.finish(m).unwrap().0.is_empty());
        assert_eq!(bufs.in_use(), 0);
    }
}

/// A multishot op ended by a full CQ ring: the kernel does not overflow its next CQE but
/// ends the op with it — a success without `IORING_CQE_F_MORE` — so the stream gives that
/// item and ends, with no cancel and no error. What `op::Multishot` documents: re-arm.
#[cfg(all(
    liburing_has = "io_uring_prep_poll_multishot",
    liburing_has = "io_uring_prep_cancel"
))]
#[test]
fn a_full_cq_ends_a_multishot_stream_with_a_success_and_rearming_resumes() {
    use std::io::Write as _;
    use std::os::unix::net::UnixStream;
    use system_liburing::op::{AsyncCancel, Nop, PollMulti};
    use system_liburing::Ring;

    let Some(mut ring) = common::ring_or_skip(
        Ring::builder().entries(4).cq_entries(4),
        "full CQ multishot",
    ) else {
        return;
    };
    let cq = ring.sizes().1;
    let (rx, mut tx) = UnixStream::pair().unwrap();
    tx.write_all(b"x").unwrap(); // readable from the start
                                 // Fill the CQ ring with NOP completions nobody reaps yet.
    for i in 0..u64::from(cq) {
        while ring.push_with_user_data(Nop::new(), i).is_err() {
            ring.submit().unwrap();
        }
    }
    ring.submit_and_wait(cq).unwrap();
    assert_eq!(ring.cq_ready(), cq, "the CQ ring is full");
    let t = ring.push(PollMulti::new(rx, libc::POLLIN as u32)).unwrap();
    ring.submit().unwrap();
    let first = ring.next_shot(&t).unwrap().expect("the readiness");
    assert_eq!(first.unwrap() & libc::POLLIN as u32, libc::POLLIN as u32);
    assert!(
        ring.next_shot(&t).unwrap().is_none(),
        "the kernel ended the poll: its CQE could not be posted with F_MORE"
    );
    let (rest, rx) = ring.finish(t).unwrap();
    assert!(rest.is_empty());
    // The NOPs are all still there, each once.
    let mut nops = Vec::new();
    while let Some(c) = ring.peek().unwrap() {
        nops.push(c.user_data());
    }
    assert_eq!(nops, (0..u64::from(cq)).collect::<Vec<_>>());
    // Re-armed, with room in the CQ ring, the poll stays armed (F_MORE) again.
    let t = ring.push(PollMulti::new(rx, libc::POLLIN as u32)).unwrap();
    let again = ring.next_shot(&t).unwrap().expect("still readable");
    assert_eq!(again.unwrap() & libc::POLLIN as u32, libc::POLLIN as u32);
    ring.push_with_user_data(AsyncCancel::ticket(&t), 99)
        .unwrap();
    while ring.next_shot(&t).unwrap().is_some() {}
    let (_rest, _rx) = ring.finish(t).unwrap();
}
