//! Async integration: a TCP echo server on 127.0.0.1 whose accept / recv / send are this
//! crate's owned-buffer ops driven by tokio, with bounded clients; and a dropped future
//! whose op is still in flight.
// Needs these ops' helpers (tests/unavailable_ops.rs logs the ops this build lacks).
#![cfg(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_read",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send",
    liburing_has = "io_uring_prep_write"
))]

mod common;

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;
use system_liburing::op::{Accept, Read, Recv, Send};
use system_liburing::rt::AsyncRing;
use system_liburing::Ring;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CLIENTS: usize = 8;
const MESSAGES: usize = 50;

/// Echoes one connection until EOF. Each op holds the connection while it is in flight and
/// hands it back with its buffer.
async fn serve_one(ring: Arc<AsyncRing>, mut conn: OwnedFd) -> std::io::Result<usize> {
    let mut echoed = 0;
    let mut buf = Vec::with_capacity(4096);
    loop {
        let (n, c, b) = ring.op(Recv::new(conn, buf, 0)).await?;
        let n = n?;
        if n == 0 {
            return Ok(echoed);
        }
        let (sent, c, b) = ring.op(Send::new(c, b, 0)).await?;
        assert_eq!(sent?, n, "short send in a test this small");
        echoed += n;
        (conn, buf) = (c, b);
        buf.clear();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_echo_server_on_loopback() {
    let Some(ring) = common::ring_or_skip(Ring::builder().entries(64), "async echo") else {
        return;
    };
    let ring = Arc::new(AsyncRing::new(ring).unwrap());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();

    let server = {
        let ring = ring.clone();
        tokio::spawn(async move {
            let mut handlers = Vec::new();
            let mut listener = listener;
            for _ in 0..CLIENTS {
                let (conn, l) = ring.op(Accept::new(listener)).await.unwrap();
                listener = l;
                let conn = conn.unwrap();
                handlers.push(tokio::spawn(serve_one(ring.clone(), conn)));
            }
            let mut total = 0;
            for h in handlers {
                total += h.await.unwrap().unwrap();
            }
            total
        })
    };

    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        clients.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut sent = 0;
            for m in 0..MESSAGES {
                let msg = format!("client {c} message {m}\n");
                s.write_all(msg.as_bytes()).await.unwrap();
                let mut back = vec![0u8; msg.len()];
                s.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg.as_bytes());
                sent += msg.len();
            }
            sent
        }));
    }
    let mut expected = 0;
    for c in clients {
        expected += tokio::time::timeout(Duration::from_secs(20), c)
            .await
            .expect("client stuck")
            .unwrap();
    }
    let echoed = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("server stuck")
        .unwrap();
    assert_eq!(echoed, expected, "every byte echoed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_future_keeps_the_buffer_until_the_cqe() {
    let Some(ring) = common::ring_or_skip(Ring::builder().entries(8), "async drop") else {
        return;
    };
    let ring = AsyncRing::new(ring).unwrap();
    let (rx, mut tx) = std::os::unix::net::UnixStream::pair().unwrap();
    let rx = Arc::new(rx);
    // A read that cannot complete yet, abandoned after 20 ms (its op keeps a handle).
    let fut = ring.op(Read::new(rx.clone(), Vec::with_capacity(4096), u64::MAX));
    assert!(tokio::time::timeout(Duration::from_millis(20), fut)
        .await
        .is_err());
    // The data goes nowhere that was freed: the op was cancelled and its buffer is kept
    // until its CQE. The ring keeps working.
    std::io::Write::write_all(&mut tx, b"late").unwrap();
    let (n, _rx, buf) = ring
        .op(Read::new(rx, Vec::with_capacity(16), u64::MAX))
        .await
        .unwrap();
    assert_eq!(n.unwrap(), 4);
    assert_eq!(buf, b"late");
}
