//! A TCP echo server driven by tokio (`system_liburing::rt`): connections arrive as the
//! stream of one multishot accept, and each connection's bytes as the stream of one
//! multishot recv into provided buffers (`AsyncRing::multishot` -> `ShotStream`). Each
//! buffer received is sent straight back (a `BufGuard` is a send buffer: no copy), and a
//! short send is followed by the rest before the next buffer: no byte is dropped or
//! reordered.
//!
//! Each connection receives into its own small buffer ring, taken from a pool and given
//! back when it closes: a slow peer can exhaust only its own buffers, and when its recv
//! stream ends with `ENOBUFS`, every buffer it received has been sent and released by the
//! time the task reaches that item, so re-arming at once finds them back.
//!
//!     cargo run --features tokio --example tokio_echo [CLIENTS] [BYTES]
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
use futures_core::Stream;
use std::io;
use std::net::{TcpListener, TcpStream};
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
))]
use system_liburing::op::{AcceptMulti, RecvMulti, Send};
use system_liburing::rt::AsyncRing;
use system_liburing::{BufRing, Ring};

/// Each connection's buffer ring: `BUFS` buffers of `BUF_LEN` bytes.
pub const BUFS: u16 = 16;
pub const BUF_LEN: u32 = 16 * 1024;

/// The next item of a stream.
async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

/// Buffer rings not in use, each registered once with the ring and reused.
struct Pool {
    ring: Arc<AsyncRing>,
    free: Mutex<Vec<BufRing>>,
    /// Buffer groups registered so far: the next one's id.
    groups: AtomicU16,
}

impl Pool {
    fn take(&self) -> io::Result<BufRing> {
        if let Some(bufs) = self.free.lock().unwrap().pop() {
            return Ok(bufs);
        }
        let bgid = self.groups.fetch_add(1, Ordering::Relaxed);
        self.ring.ring()?.register_buf_ring(BUFS, BUF_LEN, bgid)
    }

    fn give(&self, bufs: BufRing) {
        self.free.lock().unwrap().push(bufs);
    }
}

#[cfg(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
))]
mod server {
    use super::*;

    /// Echoes one connection until the peer closes it.
    async fn echo(
        ring: Arc<AsyncRing>,
        bufs: &BufRing,
        conn: Arc<TcpStream>,
    ) -> io::Result<Echoed> {
        let mut done = Echoed::default();
        loop {
            let mut received = ring.multishot(RecvMulti::new(conn.clone(), bufs, 0));
            while let Some(item) = next(&mut received).await {
                let mut buf = match item? {
                    Ok(buf) if buf.is_empty() => return Ok(done), // end of stream
                    Ok(buf) => buf,
                    // The last item: the stream ends, and is armed again below.
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        done.out_of_buffers += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                while !buf.is_empty() {
                    let (n, _conn, back) = ring.op(Send::new(conn.clone(), buf, 0)).await?;
                    let n = n?;
                    buf = back;
                    if n == 0 {
                        return Err(io::ErrorKind::WriteZero.into());
                    }
                    if n < buf.len() {
                        done.short_sends += 1; // the rest goes next
                    }
                    done.bytes += n as u64;
                    buf.advance(n);
                }
                // `buf` drops here: the buffer is back in the connection's ring.
            }
        }
    }

    /// Serves `listener` until `connections` connections (all of them if `None`) have come
    /// and gone.
    pub async fn serve(
        ring: Arc<AsyncRing>,
        listener: TcpListener,
        connections: Option<usize>,
    ) -> io::Result<Echoed> {
        let pool = Arc::new(Pool {
            ring: ring.clone(),
            free: Mutex::new(Vec::new()),
            groups: AtomicU16::new(0),
        });
        let listener = Arc::new(listener);
        let mut tasks = Vec::new();
        'accept: loop {
            let mut accepted = ring.multishot(AcceptMulti::new(listener.clone()));
            while let Some(conn) = next(&mut accepted).await {
                let conn = match conn? {
                    Ok(fd) => Arc::new(TcpStream::from(fd)),
                    Err(e) => {
                        eprintln!("accept: {e}");
                        continue;
                    }
                };
                let (ring, pool) = (ring.clone(), pool.clone());
                let bufs = pool.take()?;
                tasks.push(tokio::spawn(async move {
                    let done = echo(ring, &bufs, conn).await;
                    pool.give(bufs);
                    done
                }));
                if Some(tasks.len()) == connections {
                    break 'accept; // dropping the stream cancels the accept
                }
            }
            // The accept stream ended (the kernel may end a multishot op): arm it again.
        }
        let mut done = Echoed {
            connections: tasks.len(),
            ..Echoed::default()
        };
        for task in tasks {
            // A connection that failed (the peer went away) is reported, not counted.
            let one = match task.await.map_err(io::Error::other)? {
                Ok(one) => one,
                Err(e) => {
                    eprintln!("connection: {e}");
                    continue;
                }
            };
            done.bytes += one.bytes;
            done.short_sends += one.short_sends;
            done.out_of_buffers += one.out_of_buffers;
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
#[tokio::main]
async fn main() -> io::Result<()> {
    let (check, listener) = SelfCheck::from_args()?;
    let ring = Arc::new(AsyncRing::new(Ring::new(256)?)?);
    let done = serve(ring, listener, Some(check.clients())).await?;
    tokio::task::spawn_blocking(move || check.finish(done))
        .await
        .map_err(io::Error::other)?
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_multishot_accept",
    liburing_has = "io_uring_prep_recv_multishot",
    liburing_has = "io_uring_prep_send"
)))]
fn main() {
    eprintln!("skipped: this liburing lacks io_uring_prep_multishot_accept, io_uring_prep_recv_multishot, io_uring_prep_send (the helpers of the ops this example uses)");
}
