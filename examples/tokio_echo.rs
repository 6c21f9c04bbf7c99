//! A TCP echo server on 127.0.0.1 whose accept, recv and send are this crate's owned-buffer
//! ops driven by tokio (`system_liburing::rt`), with a bounded set of clients. Exits 0 once
//! every byte came back.
//!
//!     cargo run --features tokio --example tokio_echo [CLIENTS] [MESSAGES]
// Needs these ops' helpers: without them, main only says so.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_accept",
        liburing_has = "io_uring_prep_recv",
        liburing_has = "io_uring_prep_send"
    )),
    allow(unused)
)]

use std::os::fd::OwnedFd;
use std::sync::Arc;
#[cfg(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]
use system_liburing::op::{Accept, Recv, Send};
use system_liburing::rt::AsyncRing;
use system_liburing::Ring;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Echoes one connection until the peer closes it. Each op holds the connection until it
/// completes and hands it back with the buffer.
#[cfg(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]
async fn serve(ring: Arc<AsyncRing>, mut conn: OwnedFd) -> std::io::Result<usize> {
    let (mut echoed, mut buf) = (0, Vec::with_capacity(4096));
    loop {
        let (n, c, b) = ring.op(Recv::new(conn, buf, 0)).await?;
        let n = n?;
        if n == 0 {
            return Ok(echoed);
        }
        let (sent, c, b) = ring.op(Send::new(c, b, 0)).await?;
        echoed += sent?;
        (conn, buf) = (c, b);
        buf.clear();
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().unwrap_or(4));
    let (clients, messages) = (args.next().unwrap_or(4), args.next().unwrap_or(100));
    let ring = Arc::new(AsyncRing::new(Ring::new(64)?)?);
    let mut listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("echo server on {addr}, {clients} clients x {messages} messages");

    let server = {
        let ring = ring.clone();
        tokio::spawn(async move {
            let mut handlers = Vec::new();
            for _ in 0..clients {
                let (conn, l) = ring.op(Accept::new(listener)).await?;
                listener = l;
                handlers.push(tokio::spawn(serve(ring.clone(), conn?)));
            }
            let mut total = 0;
            for h in handlers {
                total += h.await.map_err(std::io::Error::other)??;
            }
            Ok::<usize, std::io::Error>(total)
        })
    };
    let mut sent = 0;
    let mut tasks = Vec::new();
    for c in 0..clients {
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            let mut bytes = 0;
            for m in 0..messages {
                let msg = format!("client {c} message {m}\n");
                s.write_all(msg.as_bytes()).await?;
                let mut back = vec![0u8; msg.len()];
                s.read_exact(&mut back).await?;
                if back != msg.as_bytes() {
                    return Err(std::io::Error::other("echo mismatch"));
                }
                bytes += msg.len();
            }
            Ok::<usize, std::io::Error>(bytes)
        }));
    }
    for t in tasks {
        sent += t.await.map_err(std::io::Error::other)??;
    }
    let echoed = server.await.map_err(std::io::Error::other)??;
    println!("sent {sent} bytes, echoed {echoed}");
    if sent == echoed {
        Ok(())
    } else {
        Err(std::io::Error::other("bytes lost"))
    }
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_accept",
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_accept, io_uring_prep_recv, io_uring_prep_send (the helpers of the ops this example uses)");
}
