//! A UDP echo on 127.0.0.1 through the ring: the server receives with `Recv` and answers with
//! `Send` on a connected socket; a client sends N datagrams and checks every echo. Exits 0
//! when all came back. No `unsafe`: each op holds the server socket and hands it back.
//!
//!     cargo run --example udp_echo [N]
// Needs these ops' helpers: without them, main only says so.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_recv",
        liburing_has = "io_uring_prep_send"
    )),
    allow(unused)
)]

use std::net::UdpSocket;
use std::time::Duration;
#[cfg(all(
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]
use system_liburing::op::{Recv, Send};
use system_liburing::Ring;

#[cfg(all(
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
))]
fn main() -> std::io::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let mut server = UdpSocket::bind("127.0.0.1:0")?;
    let client = UdpSocket::bind("127.0.0.1:0")?;
    client.connect(server.local_addr()?)?;
    server.connect(client.local_addr()?)?;
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut ring = Ring::new(8)?;

    let mut echoed = 0;
    for i in 0..n {
        let msg = format!("datagram {i}");
        client.send(msg.as_bytes())?;
        let t = ring.push(Recv::new(server, Vec::with_capacity(1500), 0))?;
        let (got, sock, buf) = ring.wait_for(t)?;
        got?;
        let t = ring.push(Send::new(sock, buf, 0))?;
        let (sent, sock, _) = ring.wait_for(t)?;
        sent?;
        server = sock;
        let mut back = [0u8; 1500];
        let len = client.recv(&mut back)?;
        if &back[..len] != msg.as_bytes() {
            return Err(std::io::Error::other(format!("echo {i} differs")));
        }
        echoed += 1;
    }
    println!("{echoed} of {n} datagrams echoed");
    Ok(())
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_recv",
    liburing_has = "io_uring_prep_send"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_recv, io_uring_prep_send (the helpers of the ops this example uses)");
}
