//! Sockets through the ring: socket + connect + send/recv over UDP and TCP on 127.0.0.1,
//! accept, shutdown; and what the socket ops guarantee against hostile arguments: a
//! `MSG_TRUNC` count never becomes a buffer length, and flag bits that would let the kernel
//! read a buffer after it came back are refused before anything is queued.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_connect",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]

mod common;

use std::io::{Read as _, Write as _};
#[cfg(liburing_has = "io_uring_prep_shutdown")]
use system_liburing::op::Shutdown;
#[cfg(liburing_has = "io_uring_prep_socket")]
use system_liburing::op::Socket;
#[cfg_attr(not(liburing_has = "io_uring_prep_socket"), allow(unused_imports))]
use system_liburing::op::{Accept, Connect, Recv, RecvMsg, Send, SendMsg};
use system_liburing::{PushError, Ring};

fn ring() -> Option<Ring> {
    common::ring_or_skip(Ring::builder().entries(16), "net")
}

/// Socket is kernel 5.19; older kernels report it as unsupported before anything is queued.
#[cfg(liburing_has = "io_uring_prep_socket")]
fn socket(ring: &mut Ring, ty: i32) -> Option<std::os::fd::OwnedFd> {
    match ring.push(Socket::new(libc::AF_INET, ty, 0)) {
        Ok(t) => Some(ring.wait_for(t).unwrap().unwrap()),
        Err(PushError::Unsupported(..)) => {
            common::skip("IORING_OP_SOCKET", format_args!("kernel without it (5.19)"));
            None
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
#[cfg(not(liburing_has = "io_uring_prep_socket"))]
#[ignore = "the linked liburing has no io_uring_prep_socket (2.2+), so op::Socket does not exist"]
fn udp_socket_connect_send_recv() {}

#[test]
#[cfg(liburing_has = "io_uring_prep_socket")]
fn udp_socket_connect_send_recv() {
    let Some(mut ring) = ring() else { return };
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let Some(sender) = socket(&mut ring, libc::SOCK_DGRAM) else {
        return;
    };
    let t = ring
        .push(Connect::new(sender, receiver.local_addr().unwrap()))
        .unwrap();
    let (res, sender) = ring.wait_for(t).unwrap();
    res.unwrap();
    let t = ring
        .push(Send::new(sender, b"datagram".to_vec(), 0))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().0.unwrap(), 8);
    let t = ring
        .push(Recv::new(receiver, Vec::with_capacity(64), 0))
        .unwrap();
    let (n, _receiver, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 8);
    assert_eq!(buf, b"datagram");
}

#[test]
fn tcp_accept_recv_send_shutdown() {
    let Some(mut ring) = ring() else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = ring.push(Accept::new(listener)).unwrap();
    ring.submit().unwrap();
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    let (conn, _listener) = ring.wait_for(accept).unwrap();
    let conn = conn.unwrap();
    client.write_all(b"ping").unwrap();
    let t = ring
        .push(Recv::new(conn, Vec::with_capacity(16), 0))
        .unwrap();
    let (_, conn, buf) = ring.wait_for(t).unwrap();
    assert_eq!(buf, b"ping");
    let t = ring.push(Send::new(conn, b"pong".to_vec(), 0)).unwrap();
    #[cfg_attr(not(liburing_has = "io_uring_prep_shutdown"), allow(unused_variables))]
    let (sent, conn, _) = ring.wait_for(t).unwrap();
    assert_eq!(sent.unwrap(), 4);
    let mut back = [0u8; 4];
    client.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"pong");
    #[cfg(liburing_has = "io_uring_prep_shutdown")]
    {
        let t = ring.push(Shutdown::new(conn, libc::SHUT_WR)).unwrap();
        // `_conn` stays open: the end of stream below is the shutdown's, not a close's.
        let (res, _conn) = ring.wait_for(t).unwrap();
        res.unwrap();
        let mut rest = Vec::new();
        assert_eq!(
            client.read_to_end(&mut rest).unwrap(),
            0,
            "the server's write side is shut"
        );
    }
}

#[test]
#[cfg(not(liburing_has = "io_uring_prep_socket"))]
#[ignore = "the linked liburing has no io_uring_prep_socket (2.2+), so op::Socket does not exist"]
fn tcp_connect_through_the_ring() {}

#[test]
#[cfg(liburing_has = "io_uring_prep_socket")]
fn tcp_connect_through_the_ring() {
    let Some(mut ring) = ring() else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let Some(s) = socket(&mut ring, libc::SOCK_STREAM) else {
        return;
    };
    let t = ring
        .push(Connect::new(s, listener.local_addr().unwrap()))
        .unwrap();
    let (res, s) = ring.wait_for(t).unwrap();
    res.unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let t = ring.push(Send::new(s, &b"hello"[..], 0)).unwrap();
    ring.wait_for(t).unwrap().0.unwrap();
    let mut got = [0u8; 5];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"hello");
}

#[test]
fn unsupported_opcode_is_typed_before_the_kernel_sees_it() {
    let Some(mut ring) = common::ring_or_skip(
        Ring::builder()
            .entries(4)
            .pretend_unsupported(system_liburing::sys::IORING_OP_SEND as u8),
        "unsupported seam",
    ) else {
        return;
    };
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    match ring.push(Send::new(a, &b"x"[..], 0)) {
        Err(e @ PushError::Unsupported(_, op)) => {
            assert_eq!(op as u32, system_liburing::sys::IORING_OP_SEND);
            assert!(e.to_string().contains("IORING_OP_SEND"), "{e}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert_eq!(ring.submitter().sq_ready(), 0, "nothing was queued");
}

/// Two UDP sockets on 127.0.0.1: (receiver, sender).
fn udp_pair() -> (std::net::UdpSocket, std::net::UdpSocket) {
    let bind = || std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    (bind(), bind())
}

/// `len` bytes that differ from their neighbours, so a misplaced copy shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// `MSG_TRUNC` makes the kernel report a datagram's real length (4096), not what it copied
/// (16): the count is reported, but the Vec's length stays within what the op gave the
/// kernel (issue 12: a `len` past `capacity` let safe code read past the allocation).
#[test]
fn recv_msg_trunc_reports_the_datagram_and_keeps_the_buffer_in_bounds() {
    let Some(mut ring) = ring() else { return };
    let (rx, tx) = udp_pair();
    let datagram = pattern(4096);
    tx.send_to(&datagram, rx.local_addr().unwrap()).unwrap();
    let buf = Vec::with_capacity(16);
    assert_eq!(buf.capacity(), 16);
    let t = ring.push(Recv::new(rx, buf, libc::MSG_TRUNC)).unwrap();
    let (n, _rx, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 4096, "the datagram's real length");
    assert_eq!(buf.capacity(), 16);
    assert!(buf.len() <= 16, "len {} past the room given", buf.len());
    assert_eq!(buf, datagram[..16], "the bytes that fit, in order");
}

/// The same through `recvmsg(2)`: 8192 into 8, and the sender's address still arrives.
#[test]
fn recvmsg_msg_trunc_reports_the_datagram_and_keeps_the_buffer_in_bounds() {
    let Some(mut ring) = ring() else { return };
    let (rx, tx) = udp_pair();
    let datagram = pattern(8192);
    tx.send_to(&datagram, rx.local_addr().unwrap()).unwrap();
    let t = ring
        .push(RecvMsg::new(rx, Vec::with_capacity(8), libc::MSG_TRUNC))
        .unwrap();
    let (n, _rx, buf, from) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 8192, "the datagram's real length");
    assert_eq!(buf.capacity(), 8);
    assert!(buf.len() <= 8, "len {} past the room given", buf.len());
    assert_eq!(buf, datagram[..8], "the bytes that fit, in order");
    assert_eq!(from, Some(tx.local_addr().unwrap()));
}

/// Refused at push: the op comes back whole, the refusal names the argument and only the
/// bits outside the allowlist, and nothing reaches the SQ.
fn assert_refused<O>(ring: &mut Ring, op: O, what: &str, bits: u64)
where
    O: system_liburing::Op + std::fmt::Debug,
{
    match ring.push(op) {
        Err(e @ PushError::Invalid(..)) => {
            let shown = e.to_string();
            let PushError::Invalid(_, why) = e else {
                unreachable!()
            };
            assert_eq!((why.what(), why.value()), (what, bits), "{why}");
            assert!(
                shown.contains(&format!("{bits:#x}")),
                "the message names the bits: {shown}"
            );
        }
        other => panic!("{what} {bits:#x} accepted: {other:?}"),
    }
    assert_eq!(ring.submitter().sq_ready(), 0, "nothing was queued");
}

/// `MSG_ZEROCOPY` on an `SO_ZEROCOPY` socket would have the kernel send from the buffer's
/// pages after the CQE handed the buffer back: refused on the copying sends, even with the
/// socket opted in and alongside allowed bits.
#[test]
fn msg_zerocopy_is_refused_on_copying_sends() {
    let Some(mut ring) = ring() else { return };
    let (rx, tx) = udp_pair();
    tx.connect(rx.local_addr().unwrap()).unwrap();
    let one: libc::c_int = 1;
    // SAFETY: setsockopt reads an int of the size given from a live local.
    let ret = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(&tx),
            libc::SOL_SOCKET,
            libc::SO_ZEROCOPY,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(ret, 0, "SO_ZEROCOPY: {}", std::io::Error::last_os_error());
    let tx = std::sync::Arc::new(tx);
    let flags = libc::MSG_ZEROCOPY | libc::MSG_NOSIGNAL;
    let bits = libc::MSG_ZEROCOPY as u64;
    let send = Send::new(tx.clone(), b"gone".to_vec(), flags);
    assert_refused(&mut ring, send, "msg_flags", bits);
    let sendmsg = SendMsg::new(tx.clone(), b"gone".to_vec(), None, flags);
    assert_refused(&mut ring, sendmsg, "msg_flags", bits);
    // The same socket sends with the allowed bits alone; nothing refused went out before.
    let t = ring
        .push(Send::new(tx, b"kept".to_vec(), libc::MSG_NOSIGNAL))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().0.unwrap(), 4);
    let mut got = [0u8; 8];
    let n = rx.recv(&mut got).unwrap();
    assert_eq!(&got[..n], b"kept");
}

#[test]
#[cfg(not(liburing_has = "io_uring_prep_send_zc"))]
#[ignore = "the linked liburing has no io_uring_prep_send_zc (2.3+), so op::SendZc does not exist"]
fn send_zc_refuses_vectorized() {}

/// `IORING_SEND_VECTORIZED` (1 << 5, kernel 6.17) in `zc_flags` would make the kernel read
/// the op's bytes as an array of iovecs and send from whatever addresses they hold: refused,
/// alone or beside an allowed bit, as are `FIXED_BUF` and `BUNDLE`, which also change what
/// the kernel reads.
#[test]
#[cfg(liburing_has = "io_uring_prep_send_zc")]
fn send_zc_refuses_vectorized() {
    use system_liburing::op::SendZc;
    let Some(mut ring) = ring() else { return };
    if !ring
        .probe()
        .unwrap()
        .is_supported(system_liburing::sys::IORING_OP_SEND_ZC)
    {
        common::skip("IORING_OP_SEND_ZC", format_args!("kernel without it (6.0)"));
        return;
    }
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = std::sync::Arc::new(a);
    let poll_first = 1 << 0;
    for (zc_flags, bits) in [
        (1 << 5, 1 << 5),
        (poll_first | 1 << 5, 1 << 5),
        (1 << 2, 1 << 2),
        (1 << 4, 1 << 4),
    ] {
        let op = SendZc::new(a.clone(), vec![0u8; 64], 0, zc_flags);
        assert_refused(&mut ring, op, "zc_flags", bits);
    }
}

#[test]
#[cfg(not(liburing_has = "io_uring_prep_recv_multishot"))]
#[ignore = "the linked liburing has no io_uring_prep_recv_multishot (2.3+), so op::RecvMulti does not exist"]
fn multishot_msg_trunc_never_runs_the_ring_dry() {}

/// A multishot receive with `MSG_TRUNC` gets each datagram's real length (100) in its CQE:
/// each item is cut to its provided buffer (16), and dropping it gives the buffer back to
/// the ring. With two buffers, five truncated datagrams in a row arrive: a buffer that did
/// not come back would end the stream with `ENOBUFS` at the third (issue 12's dry ring).
#[test]
#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
fn multishot_msg_trunc_never_runs_the_ring_dry() {
    use system_liburing::op::{AsyncCancel, RecvMulti};
    let Some(mut ring) = ring() else { return };
    let bufs = match ring.register_buf_ring(2, 16, 5) {
        Ok(b) => b,
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
            common::skip(
                "multishot MSG_TRUNC",
                format_args!("no provided buffer rings here (5.19): {e}"),
            );
            return;
        }
        Err(e) => panic!("register_buf_ring: {e}"),
    };
    let (rx, tx) = udp_pair();
    let to = rx.local_addr().unwrap();
    let recv = match ring.push(RecvMulti::new(rx, &bufs, libc::MSG_TRUNC)) {
        Ok(t) => t,
        Err(PushError::Unsupported(..)) => {
            common::skip("multishot recv", format_args!("kernel without it (6.0)"));
            return;
        }
        Err(e) => panic!("{e}"),
    };
    for i in 0..5u8 {
        let datagram: Vec<u8> = (0..100u8).map(|b| b.wrapping_add(i)).collect();
        tx.send_to(&datagram, to).unwrap();
        let item = ring
            .next_shot(&recv)
            .unwrap()
            .expect("still armed")
            .unwrap_or_else(|e| panic!("datagram {i}: {e}"));
        assert_eq!(item.len(), 16, "datagram {i}: cut to the buffer");
        assert_eq!(&*item, &datagram[..16], "datagram {i}");
        assert_eq!(bufs.in_use(), 1);
        drop(item);
        assert_eq!(bufs.in_use(), 0, "datagram {i}: the buffer is back");
    }
    ring.push_with_user_data(AsyncCancel::ticket(&recv), 1)
        .unwrap();
    while let Some(item) = ring.next_shot(&recv).unwrap() {
        assert_eq!(item.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    }
    assert!(ring.finish(recv).unwrap().0.is_empty());
    assert_eq!((bufs.in_use(), bufs.armed()), (0, 0));
}
