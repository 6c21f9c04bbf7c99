//! A TCP echo server over a provided-buffer ring, on the dispatch path: one multishot accept,
//! one multishot recv per connection selecting from a shared `BufRing`, and the buffers the
//! kernel filled sent straight back (a `BufGuard` is a send buffer: no copy). Every op is
//! pushed with a tag — what it is, for which connection — and `next_completion` hands each
//! CQE back as the op's item or output, so no table maps CQEs to ops. The one table is the
//! connections' own state, as C keeps an array of `struct conn`.
//!
//! What it is written to survive: short sends (the rest is sent next, before anything
//! newer: one send in flight per connection keeps the bytes in order), running out of
//! buffers (a recv stream that ends with `ENOBUFS` is re-armed once buffers come back), and
//! a multishot op that ends for any other reason (re-armed).
//!
//!     cargo run --example buf_ring_echo [CLIENTS] [BYTES]
//!
//! runs the server on 127.0.0.1 against CLIENTS clients (4) that each stream BYTES bytes
//! (1 MiB) and check every byte of the echo; it exits 0 once all came back.
// Needs these ops' helpers: without them, main only says so.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_multishot_accept",
        liburing_has = "io_uring_prep_recv_multishot",
        liburing_has = "io_uring_prep_send"
    )),
    allow(unused)
)]

pub mod echo_check;

use echo_check::{Echoed, SelfCheck};
use std::collections::VecDeque;
use std::io;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
))]
use system_liburing::op::{AcceptMulti, RecvMulti, Send};
use system_liburing::{BufGuard, BufRing, Op, PushError, Ring};

/// The provided buffers: `BUFS` of `BUF_LEN` bytes, shared by every connection.
pub const BUFS: u16 = 64;
pub const BUF_LEN: u32 = 16 * 1024;

/// A tag: the op's kind in the low two bits, its connection above.
const ACCEPT: u64 = 0;
const RECV: u64 = 1;
const SEND: u64 = 2;

fn tag(kind: u64, conn: usize) -> u64 {
    (conn as u64) << 2 | kind
}

type Sock = Arc<TcpStream>;

/// A connection's own state.
struct Conn {
    /// Each op holds a clone while in flight; the socket closes with the last one.
    sock: Sock,
    /// Received, waiting for the send in flight (bytes go out in the order they came).
    queue: VecDeque<BufGuard>,
    sending: bool,
    /// Its multishot recv is armed.
    receiving: bool,
    /// The peer finished sending (or the connection failed): no re-arming.
    eof: bool,
}

/// Pushes `op` under `tag`, submitting first when the SQ is full.
fn push<O: Op>(ring: &mut Ring, mut op: O, tag: u64) -> io::Result<()> {
    loop {
        match ring.push_tagged(op, tag) {
            Ok(()) => return Ok(()),
            Err(PushError::SqFull(back)) => {
                op = back;
                ring.submit()?;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
))]
mod server {
    use super::*;

    type AcceptOp = AcceptMulti<Arc<TcpListener>>;
    type RecvOp = RecvMulti<Sock>;
    type SendOp = Send<Sock, BufGuard>;

    fn arm_recv(ring: &mut Ring, bufs: &BufRing, conn: &mut Conn, id: usize) -> io::Result<()> {
        push(
            ring,
            RecvMulti::new(conn.sock.clone(), bufs, 0),
            tag(RECV, id),
        )?;
        conn.receiving = true;
        Ok(())
    }

    /// Sends the connection's next buffer, if it has one and nothing is in flight.
    fn send_next(ring: &mut Ring, conn: &mut Conn, id: usize) -> io::Result<()> {
        if !conn.sending {
            if let Some(buf) = conn.queue.pop_front() {
                push(ring, Send::new(conn.sock.clone(), buf, 0), tag(SEND, id))?;
                conn.sending = true;
            }
        }
        Ok(())
    }

    /// Serves `listener` until `connections` connections (all of them if `None`) have come
    /// and gone.
    pub fn serve(listener: TcpListener, connections: Option<usize>) -> io::Result<Echoed> {
        let mut ring = Ring::new(256)?;
        let bufs = ring.register_buf_ring(BUFS, BUF_LEN, 0)?;
        let listener = Arc::new(listener);
        push(
            &mut ring,
            AcceptMulti::new(listener.clone()),
            tag(ACCEPT, 0),
        )?;
        let mut conns: Vec<Option<Conn>> = Vec::new();
        // Connections whose recv stream ended with ENOBUFS, to re-arm when buffers are back.
        let mut starved: Vec<usize> = Vec::new();
        let mut done = Echoed::default();
        let mut accepting = true;
        while accepting || conns.iter().any(Option::is_some) {
            ring.submit_and_wait(1)?;
            // (`let else`, not `while let`: the `?`'s temporary would hold the ring's
            // borrow for the whole body, and the body pushes.)
            loop {
                let Some(c) = ring.next_completion()? else {
                    break;
                };
                let (kind, id, last) = (
                    c.user_data() & 3,
                    (c.user_data() >> 2) as usize,
                    !c.has_more(),
                );
                match kind {
                    ACCEPT => {
                        match c.item::<AcceptOp>().expect("tagged ACCEPT: an AcceptOp") {
                            Some(Ok(fd)) => {
                                let id = conns
                                    .iter()
                                    .position(Option::is_none)
                                    .unwrap_or(conns.len());
                                if id == conns.len() {
                                    conns.push(None);
                                }
                                let conn = conns[id].insert(Conn {
                                    sock: Arc::new(TcpStream::from(fd)),
                                    queue: VecDeque::new(),
                                    sending: false,
                                    receiving: false,
                                    eof: false,
                                });
                                arm_recv(&mut ring, &bufs, conn, id)?;
                                done.connections += 1;
                                if Some(done.connections) == connections {
                                    accepting = false;
                                }
                            }
                            Some(Err(e)) => eprintln!("accept: {e}"),
                            None => {}
                        }
                        // Re-arm a stream the kernel ended (once we stop accepting, dropping
                        // the ring cancels it).
                        if last && accepting {
                            push(
                                &mut ring,
                                AcceptMulti::new(listener.clone()),
                                tag(ACCEPT, 0),
                            )?;
                        }
                    }
                    RECV => {
                        let item = c.item::<RecvOp>().expect("tagged RECV: a RecvOp");
                        let conn = conns[id].as_mut().expect("a recv of a live connection");
                        conn.receiving = !last;
                        match item {
                            Some(Ok(buf)) if buf.is_empty() => conn.eof = true,
                            Some(Ok(buf)) => {
                                conn.queue.push_back(buf);
                                send_next(&mut ring, conn, id)?;
                            }
                            Some(Err(e)) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                                done.out_of_buffers += 1;
                                starved.push(id);
                            }
                            Some(Err(_)) => conn.eof = true,
                            None => {}
                        }
                        if !conn.receiving && !conn.eof && !starved.contains(&id) {
                            arm_recv(&mut ring, &bufs, conn, id)?; // the stream ended early
                        }
                    }
                    SEND => {
                        let (n, _sock, mut buf) =
                            c.output::<SendOp>().expect("tagged SEND: a SendOp");
                        let conn = conns[id].as_mut().expect("a send of a live connection");
                        conn.sending = false;
                        match n {
                            Ok(n) if n > 0 || buf.is_empty() => {
                                done.bytes += n as u64;
                                buf.advance(n);
                                if !buf.is_empty() {
                                    // Short send: the rest goes first.
                                    done.short_sends += 1;
                                    conn.queue.push_front(buf);
                                }
                            }
                            // The peer is gone: drop what is queued, end the recv stream.
                            _ => {
                                conn.queue.clear();
                                conn.eof = true;
                                let _ = conn.sock.shutdown(Shutdown::Both);
                            }
                        }
                        send_next(&mut ring, conn, id)?;
                    }
                    other => unreachable!("no op has tag kind {other}"),
                }
                // Buffers are back: re-arm the connections that ran out.
                if !starved.is_empty() && bufs.in_use() < usize::from(bufs.entries()) {
                    for id in starved.drain(..) {
                        if let Some(conn) = conns[id].as_mut().filter(|c| !c.eof) {
                            arm_recv(&mut ring, &bufs, conn, id)?;
                        }
                    }
                }
                // A connection with nothing in flight or queued after EOF is done.
                if let Some(conn) = conns.get(id).and_then(Option::as_ref) {
                    if kind != ACCEPT
                        && conn.eof
                        && !conn.receiving
                        && !conn.sending
                        && conn.queue.is_empty()
                    {
                        conns[id] = None; // closes the socket: no op holds it any more
                        starved.retain(|&s| s != id);
                    }
                }
            }
        }
        Ok(done)
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
))]
pub use server::serve;

#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
))]
fn main() -> io::Result<()> {
    let (check, listener) = SelfCheck::from_args()?;
    let done = serve(listener, Some(check.clients()))?;
    check.finish(done)
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_multishot_accept, io_uring_prep_recv_multishot, io_uring_prep_send (the helpers of the ops this example uses)");
}
