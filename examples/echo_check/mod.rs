//! The echo examples' self-check: clients that each stream pseudo-random bytes to the
//! server from one thread and read the echo back on another, byte for byte (a byte lost,
//! doubled or reordered by the server is an error naming its offset), and the verdict.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

/// The byte stream of client `seed` (xorshift64).
struct Pattern(u64);

impl Pattern {
    fn new(seed: u64) -> Pattern {
        Pattern(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *b = self.0 as u8;
        }
    }
}

/// Sends `bytes` bytes of client `seed`'s stream to `addr`, then half-closes; reads the
/// echo until the server closes, starting after `read_delay` (a late reader lets the
/// server's send buffer fill up: its sends come back short). Returns the bytes echoed, all
/// checked.
pub fn echo(addr: SocketAddr, seed: u64, bytes: usize, read_delay: Duration) -> io::Result<usize> {
    let mut reader = TcpStream::connect(addr)?;
    let mut writer = reader.try_clone()?;
    let sending = std::thread::spawn(move || -> io::Result<()> {
        let (mut pattern, mut chunk, mut left) = (Pattern::new(seed), vec![0; 16 * 1024], bytes);
        while left > 0 {
            let n = left.min(chunk.len());
            pattern.fill(&mut chunk[..n]);
            writer.write_all(&chunk[..n])?;
            left -= n;
        }
        writer.shutdown(Shutdown::Write)
    });
    std::thread::sleep(read_delay);
    let (mut pattern, mut got, mut want) =
        (Pattern::new(seed), vec![0; 16 * 1024], vec![0; 16 * 1024]);
    let mut echoed = 0;
    loop {
        let n = reader.read(&mut got)?;
        if n == 0 {
            break;
        }
        if echoed + n > bytes {
            return Err(io::Error::other(format!(
                "client {seed}: more than the {bytes} bytes sent came back"
            )));
        }
        pattern.fill(&mut want[..n]);
        if let Some(i) = (0..n).find(|&i| got[i] != want[i]) {
            return Err(io::Error::other(format!(
                "client {seed}: byte {} differs",
                echoed + i
            )));
        }
        echoed += n;
    }
    sending
        .join()
        .map_err(|_| io::Error::other("the sending thread panicked"))??;
    if echoed != bytes {
        return Err(io::Error::other(format!(
            "client {seed}: {echoed} of {bytes} bytes came back"
        )));
    }
    Ok(echoed)
}

/// Runs `clients` clients of `bytes` bytes each against `addr`, each on its own thread.
pub fn clients(
    addr: SocketAddr,
    clients: usize,
    bytes: usize,
    read_delay: Duration,
) -> std::thread::JoinHandle<io::Result<usize>> {
    std::thread::spawn(move || {
        let all: Vec<_> = (0..clients)
            .map(|c| std::thread::spawn(move || echo(addr, c as u64, bytes, read_delay)))
            .collect();
        let mut total = 0;
        for c in all {
            total += c
                .join()
                .map_err(|_| io::Error::other("a client panicked"))??;
        }
        Ok(total)
    })
}

/// What a server run did (each echo example's `serve` returns it).
#[derive(Debug, Default)]
pub struct Echoed {
    /// Connections accepted.
    pub connections: usize,
    pub bytes: u64,
    /// Sends that took less than given (the rest went next).
    pub short_sends: u64,
    /// Recv streams that ran out of provided buffers (re-armed).
    pub out_of_buffers: u64,
}

/// An example's self-check: `[CLIENTS] [BYTES]` from the command line (4 clients of 1 MiB),
/// a listener on 127.0.0.1 for the server, and the clients already started against it.
pub struct SelfCheck {
    clients: usize,
    sent: std::thread::JoinHandle<io::Result<usize>>,
}

impl SelfCheck {
    pub fn from_args() -> io::Result<(SelfCheck, std::net::TcpListener)> {
        let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
        let mut next = |default| -> io::Result<usize> {
            Ok(args
                .next()
                .transpose()
                .map_err(io::Error::other)?
                .unwrap_or(default))
        };
        let (n, bytes) = (next(4)?, next(1 << 20)?);
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        println!("echo server on {addr}, {n} clients x {bytes} bytes");
        let sent = clients(addr, n, bytes, Duration::ZERO);
        Ok((SelfCheck { clients: n, sent }, listener))
    }

    /// How many clients connect.
    pub fn clients(&self) -> usize {
        self.clients
    }

    /// Waits for the clients (each checked every byte) and compares what the server says.
    pub fn finish(self, done: Echoed) -> io::Result<()> {
        let sent = self
            .sent
            .join()
            .map_err(|_| io::Error::other("the clients panicked"))??;
        println!(
            "echoed {} bytes over {} connections ({} short sends, {} recv streams out of buffers)",
            done.bytes, done.connections, done.short_sends, done.out_of_buffers
        );
        if done.bytes != sent as u64 {
            return Err(io::Error::other(format!(
                "sent {sent} bytes, echoed {}",
                done.bytes
            )));
        }
        Ok(())
    }
}
