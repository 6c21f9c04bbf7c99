//! Sockets through the ring: socket + connect + send/recv over UDP and TCP on 127.0.0.1,
//! accept, shutdown.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_connect",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]

mod common;

use std::io::{Read as _, Write as _};
use std::os::fd::AsRawFd;
#[cfg(liburing_has = "io_uring_prep_shutdown")]
use system_liburing::op::Shutdown;
#[cfg(liburing_has = "io_uring_prep_socket")]
use system_liburing::op::Socket;
#[cfg_attr(not(liburing_has = "io_uring_prep_socket"), allow(unused_imports))]
use system_liburing::op::{Accept, Connect, Recv, Send};
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
        .push(Connect::new(
            sender.as_raw_fd(),
            receiver.local_addr().unwrap(),
        ))
        .unwrap();
    ring.wait_for(t).unwrap().unwrap();
    let t = ring
        .push(Send::new(sender.as_raw_fd(), b"datagram".to_vec(), 0))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().0.unwrap(), 8);
    let t = ring
        .push(Recv::new(receiver.as_raw_fd(), Vec::with_capacity(64), 0))
        .unwrap();
    let (n, buf) = ring.wait_for(t).unwrap();
    assert_eq!(n.unwrap(), 8);
    assert_eq!(buf, b"datagram");
}

#[test]
fn tcp_accept_recv_send_shutdown() {
    let Some(mut ring) = ring() else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = ring.push(Accept::new(listener.as_raw_fd())).unwrap();
    ring.submit().unwrap();
    let mut client = std::net::TcpStream::connect(addr).unwrap();
    let conn = ring.wait_for(accept).unwrap().unwrap();
    client.write_all(b"ping").unwrap();
    let t = ring
        .push(Recv::new(conn.as_raw_fd(), Vec::with_capacity(16), 0))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().1, b"ping");
    let t = ring
        .push(Send::new(conn.as_raw_fd(), b"pong".to_vec(), 0))
        .unwrap();
    assert_eq!(ring.wait_for(t).unwrap().0.unwrap(), 4);
    let mut back = [0u8; 4];
    client.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"pong");
    #[cfg(liburing_has = "io_uring_prep_shutdown")]
    {
        let t = ring
            .push(Shutdown::new(conn.as_raw_fd(), libc::SHUT_WR))
            .unwrap();
        ring.wait_for(t).unwrap().unwrap();
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
        .push(Connect::new(s.as_raw_fd(), listener.local_addr().unwrap()))
        .unwrap();
    ring.wait_for(t).unwrap().unwrap();
    let (mut peer, _) = listener.accept().unwrap();
    let t = ring
        .push(Send::new(s.as_raw_fd(), &b"hello"[..], 0))
        .unwrap();
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
    match ring.push(Send::new(0, &b"x"[..], 0)) {
        Err(e @ PushError::Unsupported(_, op)) => {
            assert_eq!(op as u32, system_liburing::sys::IORING_OP_SEND);
            assert!(e.to_string().contains("IORING_OP_SEND"), "{e}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
    assert_eq!(ring.submitter().sq_ready(), 0, "nothing was queued");
}
