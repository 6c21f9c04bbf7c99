//! Sockets. Every op holds its socket — an owned or shared socket (`F: AsFd + Send +
//! 'static`), or a [`Fixed`] slot of the ring's table — until its completion and hands it
//! back with the result.
//!
//! Flag words are checked at push time against the bits this crate has reviewed (default
//! deny): sends' `msg_flags` against [`SEND_FLAGS`], receives' against [`RECV_FLAGS`]
//! (multishot receives: [`RECV_MULTI_FLAGS`]), zero-copy sends' `zc_flags` against
//! [`SEND_ZC_FLAGS`], socket types against [`SOCKET_TYPE_FLAGS`]. A receive remembers the
//! length it gave the kernel and never believes a completion for more (`MSG_TRUNC` reports
//! a datagram's real length): the count is reported as the kernel gave it, the buffer's
//! length never exceeds what was given.

use super::{addr_len_word, define_ops, filled, owned_fd, unit, Multishot, Shots};
use crate::buf::{IoBuf, IoBufMut};
use crate::entry::Cqe;
use crate::error::allow_bits;
use crate::fd::{DirectSlot, Fixed, IoFd};
use crate::register::{BufGuard, BufRing, FixedBuf, Selecting};
use crate::{sys, CqeFlags, Refused};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::OwnedFd;

/// The `MSG_*` bits a send may carry ([`Send`], `SendTo`, [`SendMsg`], [`SendZc`],
/// [`SendZcFixed`], [`SendMsgZc`], `SendMsgZcFixed`), all older than io_uring:
/// `MSG_OOB` (0x1), `MSG_DONTROUTE` (0x4), `MSG_DONTWAIT` (0x40), `MSG_EOR` (0x80),
/// `MSG_WAITALL` (0x100: io_uring retries a short send until everything is sent),
/// `MSG_CONFIRM` (0x800, 2.3.15), `MSG_NOSIGNAL` (0x4000: io_uring sets it on every send
/// anyway), `MSG_MORE` (0x8000, 2.4.4). Each changes how the socket sends, none which memory
/// the kernel reads or for how long: the bytes are copied (or, for the zero-copy ops, held
/// until the notification the op waits for) before the buffer comes back.
///
/// Refused with every other bit, notably: `MSG_ZEROCOPY` (on an `SO_ZEROCOPY` socket the
/// kernel would keep sending from the buffer's pages after the CQE handed the buffer back:
/// use [`SendZc`], which waits for the notification), `MSG_SPLICE_PAGES` (kernel-internal:
/// the pages are referenced instead of copied, with the same effect), `MSG_FASTOPEN`
/// (connects while sending), `MSG_PROBE`, `MSG_BATCH`, `MSG_SOCK_DEVMEM`, and any bit a later
/// kernel adds.
#[doc(alias = "msg_flags")]
pub const SEND_FLAGS: i32 = libc::MSG_OOB
    | libc::MSG_DONTROUTE
    | libc::MSG_DONTWAIT
    | libc::MSG_EOR
    | libc::MSG_WAITALL
    | libc::MSG_CONFIRM
    | libc::MSG_NOSIGNAL
    | libc::MSG_MORE;

/// The `MSG_*` bits a single-shot receive may carry ([`Recv`], [`RecvMsg`]), all older than
/// io_uring: `MSG_OOB` (0x1), `MSG_PEEK` (0x2), `MSG_TRUNC` (0x20), `MSG_DONTWAIT` (0x40),
/// `MSG_WAITALL` (0x100), `MSG_ERRQUEUE` (0x2000: the error queue's message is copied into
/// the same buffer; its control data has no room and is cut, `MSG_CTRUNC`),
/// `MSG_CMSG_CLOEXEC` (0x40000000, 2.6.23). The kernel writes at most the buffer's length
/// with any of them.
///
/// `MSG_TRUNC` makes the result the datagram's *real* length, which may exceed the buffer:
/// the op reports that count but sets the buffer's length to what fit. On a stream socket
/// (TCP) the kernel discards the bytes instead of copying them and still counts them, so
/// with `MSG_TRUNC` the op zeroes the buffer before the receive: the bytes its length then
/// claims are initialised (zeroes where nothing was copied).
#[doc(alias = "msg_flags")]
pub const RECV_FLAGS: i32 = libc::MSG_OOB
    | libc::MSG_PEEK
    | libc::MSG_TRUNC
    | libc::MSG_DONTWAIT
    | libc::MSG_WAITALL
    | libc::MSG_ERRQUEUE
    | libc::MSG_CMSG_CLOEXEC;

/// The `MSG_*` bits a multishot receive may carry ([`RecvMulti`], [`RecvMsgMulti`]):
/// `MSG_TRUNC` (0x20: a datagram's real length; each buffer's length is still cut to the
/// buffer, and [`RecvMsgOut::truncated`] tells), `MSG_DONTWAIT` (0x40), `MSG_CMSG_CLOEXEC`
/// (0x40000000, 2.6.23). Refused besides what [`RECV_FLAGS`] refuses: `MSG_WAITALL` (the
/// kernel refuses it for multishot), `MSG_PEEK` (every shot would take a new buffer for the
/// same bytes), `MSG_OOB` and `MSG_ERRQUEUE` (not reviewed for streams of buffers).
#[doc(alias = "msg_flags")]
pub const RECV_MULTI_FLAGS: i32 = libc::MSG_TRUNC | libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC;

/// The `zc_flags` (`sqe->ioprio`) a zero-copy send may carry ([`SendZc`], [`SendZcFixed`]):
/// `IORING_RECVSEND_POLL_FIRST` (1 << 0, 5.19: wait for room before the first try) and
/// `IORING_SEND_ZC_REPORT_USAGE` (1 << 3, 6.2: the notification says whether the kernel
/// copied after all; this op reports only the count). Refused: `IORING_RECV_MULTISHOT`
/// (1 << 1), `IORING_RECVSEND_FIXED_BUF` (1 << 2: the address would be read inside a
/// registered buffer; [`SendZcFixed`] sets it itself, for its own buffer),
/// `IORING_RECVSEND_BUNDLE` (1 << 4: sends from a buffer ring), `IORING_SEND_VECTORIZED`
/// (1 << 5, 6.17: the kernel would read the buffer as an array of iovecs and send from the
/// addresses in it), and every bit not listed here.
#[doc(alias = "IORING_RECVSEND_POLL_FIRST")]
#[doc(alias = "IORING_SEND_ZC_REPORT_USAGE")]
pub const SEND_ZC_FLAGS: u32 = (1 << 0) | (1 << 3);

/// The flags a socket type may carry beyond the type itself (its low four bits,
/// `SOCK_TYPE_MASK`) in [`Socket`], [`SocketDirect`] and [`SocketDirectAlloc`]:
/// `SOCK_NONBLOCK` (0x800) and `SOCK_CLOEXEC` (0x80000), both 2.6.27. (`Socket` sets
/// `SOCK_CLOEXEC` itself; the direct variants drop it: a slot is no fd, and the kernel
/// refuses it there.)
pub const SOCKET_TYPE_FLAGS: i32 = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;

const SEND_WHY: &str =
    "only the reviewed MSG_* bits (SEND_FLAGS) are passed to a send; MSG_ZEROCOPY and \
     MSG_SPLICE_PAGES would let the kernel read the buffer after it is handed back";
const RECV_WHY: &str = "only the reviewed MSG_* bits (RECV_FLAGS) are passed to a receive";
const RECV_MULTI_WHY: &str =
    "only the reviewed MSG_* bits (RECV_MULTI_FLAGS) are passed to a multishot receive";

/// A `msg_flags` word against one of the lists above.
fn msg_flags_ok(flags: i32, allowed: i32, why: &'static str) -> Result<(), Refused> {
    allow_bits(
        "msg_flags",
        u64::from(flags as u32),
        u64::from(allowed as u32),
        why,
    )
}

fn send_flags_ok(flags: i32) -> Result<(), Refused> {
    msg_flags_ok(flags, SEND_FLAGS, SEND_WHY)
}

fn zc_flags_ok(flags: u32) -> Result<(), Refused> {
    allow_bits(
        "zc_flags",
        u64::from(flags),
        u64::from(SEND_ZC_FLAGS),
        "only IORING_RECVSEND_POLL_FIRST and IORING_SEND_ZC_REPORT_USAGE (SEND_ZC_FLAGS); \
         IORING_SEND_VECTORIZED, FIXED_BUF and BUNDLE change what the kernel reads",
    )
}

fn socket_type_ok(ty: i32) -> Result<(), Refused> {
    allow_bits(
        "type",
        u64::from((ty & !0xf) as u32),
        u64::from(SOCKET_TYPE_FLAGS as u32),
        "a socket type carries only SOCK_NONBLOCK and SOCK_CLOEXEC (SOCKET_TYPE_FLAGS)",
    )
}

/// The length a receive gives the kernel: the buffer's whole room, up to `u32::MAX`. With
/// `MSG_TRUNC` the room is initialised first (by the buffer, which knows whether it is
/// shared): a stream socket then counts bytes it never copies.
fn recv_room<B: IoBufMut>(buf: &mut B, msg_flags: i32) -> u32 {
    if msg_flags & libc::MSG_TRUNC != 0 {
        buf.init_room();
    }
    buf.bytes_total().min(u32::MAX as usize) as u32
}

/// `sqe->file_index` for a direct op: checked at push time (`DirectSlot::check` in
/// validate), so the fallback — a slot past any table, which the kernel refuses — is never
/// written.
fn file_index(slot: &DirectSlot) -> u32 {
    slot.encode().unwrap_or(u32::MAX - 1)
}

/// A socket address in the kernel's layout, owned by the op that passes it.
pub struct SockAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl From<SocketAddr> for SockAddr {
    fn from(addr: SocketAddr) -> Self {
        // SAFETY: sockaddr_storage is plain old data; all zeroes is a valid value.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let len = match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and suitably aligned for sockaddr_in.
                unsafe {
                    std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin)
                };
                std::mem::size_of::<libc::sockaddr_in>()
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and suitably aligned for sockaddr_in6.
                unsafe {
                    std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6)
                };
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        SockAddr {
            storage,
            len: len as libc::socklen_t,
        }
    }
}

/// The room of a `sockaddr_storage`: what a receive lets the kernel fill, and the most any
/// length the kernel reports back is believed to cover.
const NAME_ROOM: usize = std::mem::size_of::<libc::sockaddr_storage>();

impl SockAddr {
    /// liburing's `io_uring_prep_send_set_addr`: a send's destination in `sqe->addr2`, its
    /// length in `sqe->addr_len`.
    fn set_send_addr(&self, sqe: &mut crate::entry::Sqe) {
        sqe.off = &self.storage as *const libc::sockaddr_storage as u64;
        sqe.file_index = addr_len_word(self.len as u16);
    }

    /// Room for any address (what a receive fills in).
    fn empty() -> SockAddr {
        SockAddr {
            // SAFETY: sockaddr_storage is plain old data; all zeroes is a valid value.
            storage: unsafe { std::mem::zeroed() },
            len: NAME_ROOM as libc::socklen_t,
        }
    }

    /// Takes the length the kernel wrote back, never more than the storage: the kernel
    /// reports an address's real length even when it copied less.
    fn set_len(&mut self, len: libc::socklen_t) {
        self.len = len.min(NAME_ROOM as libc::socklen_t);
    }

    /// The address as std's type (IPv4 and IPv6; `None` for other families or a length
    /// too short for the family).
    pub fn as_socket_addr(&self) -> Option<SocketAddr> {
        parse_sockaddr(
            (&self.storage as *const libc::sockaddr_storage).cast(),
            self.len as usize,
        )
    }
}
/// Reads an IPv4/IPv6 address out of `len` bytes at `p`, which must be readable for
/// `min(len, size_of::<sockaddr_storage>())` bytes.
fn parse_sockaddr(p: *const u8, len: usize) -> Option<SocketAddr> {
    let len = len.min(std::mem::size_of::<libc::sockaddr_storage>());
    // SAFETY (all reads below): the caller guarantees `len` readable bytes; each read is
    // unaligned-safe and only done when `len` covers the whole structure.
    let family = if len >= 2 {
        unsafe { p.cast::<libc::sa_family_t>().read_unaligned() }
    } else {
        return None;
    };
    match i32::from(family) {
        libc::AF_INET if len >= std::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: see above.
            let a = unsafe { p.cast::<libc::sockaddr_in>().read_unaligned() };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(a.sin_addr.s_addr.to_ne_bytes()),
                u16::from_be(a.sin_port),
            )))
        }
        libc::AF_INET6 if len >= std::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: see above.
            let a = unsafe { p.cast::<libc::sockaddr_in6>().read_unaligned() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// The `msghdr` + `iovec` of a message op, pointing into the op's own buffer and address.
pub struct MsgHdr {
    hdr: libc::msghdr,
    iov: libc::iovec,
}

impl Default for MsgHdr {
    fn default() -> Self {
        // SAFETY: msghdr and iovec are plain old data; all zeroes (null pointers, zero
        // lengths) is a valid value.
        unsafe { std::mem::zeroed() }
    }
}

impl std::fmt::Debug for MsgHdr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MsgHdr")
    }
}

// SAFETY: the pointers refer to the op's own heap-held buffer and address; moving the op to
// another thread moves their owner with them.
unsafe impl std::marker::Send for MsgHdr {}

impl MsgHdr {
    /// Points the header at `len` bytes at `base` and at `name` (if any); returns its address.
    fn point(&mut self, base: *mut u8, len: usize, name: Option<&mut SockAddr>) -> u64 {
        self.iov = libc::iovec {
            iov_base: base.cast(),
            iov_len: len,
        };
        self.hdr.msg_iov = &mut self.iov;
        self.hdr.msg_iovlen = 1;
        if let Some(n) = name {
            self.hdr.msg_name = (&mut n.storage as *mut libc::sockaddr_storage).cast();
            self.hdr.msg_namelen = n.len;
        }
        &mut self.hdr as *mut libc::msghdr as u64
    }
}

/// A zero-copy send's first CQE carries the count; the buffer is the kernel's until the
/// second (`IORING_CQE_F_NOTIF`), whose result is not the count.
fn zc_record(first: &mut Option<i32>, cqe: &Cqe) {
    if !cqe.flags().contains(CqeFlags::NOTIF) {
        *first = Some(cqe.raw_result());
    }
}

fn zc_result(first: Option<i32>, cqe: &Cqe) -> io::Result<usize> {
    crate::error::cvt(first.unwrap_or(cqe.raw_result())).map(|n| n as usize)
}

impl std::fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SockAddr(family {}, {} bytes)",
            self.storage.ss_family, self.len
        )
    }
}

define_ops! {
    /// `socket(2)` (the fd is close-on-exec). `ty` carries only [`SOCKET_TYPE_FLAGS`]
    /// beyond the type.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Socket, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// // socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)
    /// let t = ring.push(Socket::new(libc::AF_INET, libc::SOCK_DGRAM, 0))?;
    /// let sock = UdpSocket::from(ring.wait_for(t)??);
    /// // SAFETY: F_GETFD reads the fd's flags and touches no memory.
    /// assert_ne!(unsafe { libc::fcntl(sock.as_raw_fd(), libc::F_GETFD) } & libc::FD_CLOEXEC, 0);
    /// let rx = UdpSocket::bind("127.0.0.1:0")?;
    /// sock.send_to(b"hi", rx.local_addr()?)?;
    /// let mut buf = [0; 8];
    /// let (n, from) = rx.recv_from(&mut buf)?;
    /// assert_eq!((&buf[..n], from.port()), (&b"hi"[..], sock.local_addr()?.port()));
    /// // a type flag beyond SOCK_NONBLOCK / SOCK_CLOEXEC is refused before the kernel sees it
    /// let odd = Socket::new(libc::AF_INET, libc::SOCK_DGRAM | (1 << 20), 0);
    /// assert!(matches!(ring.push(odd), Err(PushError::Invalid(_, why)) if why.what() == "type"));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_socket", IORING_OP_SOCKET, "5.19"]
    Socket(domain: i32, ty: i32, protocol: i32) { domain: i32 = domain, ty: i32 = ty, protocol: i32 = protocol }
    prepare(&mut self, sqe) {
        sqe.fd = self.domain;
        sqe.off = (self.ty | libc::SOCK_CLOEXEC) as u64;
        sqe.len = self.protocol as u32;
    }
    validate(&self, _ring) { socket_type_ok(self.ty) }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `accept4(2)` on a listening socket (the new fd is close-on-exec). Hands back the
    /// connection and the listener.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use system_liburing::{op::Accept, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// // accept4(fd, NULL, NULL, SOCK_CLOEXEC): the op holds the listener until it completes
    /// let t = ring.push(Accept::new(listener))?;
    /// let (conn, _listener) = ring.wait_for(t)?;
    /// let conn = TcpStream::from(conn?);
    /// assert_eq!(conn.peer_addr()?, client.local_addr()?);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_accept", IORING_OP_ACCEPT, "5.5"]
    Accept<F: IoFd>(fd: F) { fd: F = fd }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.op_flags = libc::SOCK_CLOEXEC as u32;
    }
    complete(self, cqe) -> (io::Result<OwnedFd>, F) { (owned_fd(&cqe), self.fd) }

    /// `connect(2)` to `addr`. Hands back the socket.
    ///
    /// # Example
    /// ```
    /// # #[cfg(not(liburing_has = "io_uring_prep_socket"))]
    /// # fn main() {}
    /// # #[cfg(liburing_has = "io_uring_prep_socket")]
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use system_liburing::op::{Connect, Socket};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let t = ring.push(Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0))?;
    /// let sock = ring.wait_for(t)??;
    /// // connect(fd, &addr, sizeof addr): the op holds the socket and the address
    /// let t = ring.push(Connect::new(sock, listener.local_addr()?))?;
    /// let (res, sock) = ring.wait_for(t)?;
    /// res?;
    /// let (_conn, from) = listener.accept()?;
    /// assert_eq!(TcpStream::from(sock).local_addr()?, from);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_connect", IORING_OP_CONNECT, "5.5"]
    Connect<F: IoFd>(fd: F, addr: SocketAddr) { fd: F = fd, addr: SockAddr = addr.into() }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = &self.addr.storage as *const libc::sockaddr_storage as u64;
        sqe.off = u64::from(self.addr.len);
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `send(2)` of an owned buffer's initialised bytes; `flags` within [`SEND_FLAGS`].
    /// Hands back the socket and the buffer.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use system_liburing::{op::Send, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = Arc::new(a); // each op holds a clone until it completes
    /// let t = ring.push(Send::new(a.clone(), b"ping".to_vec(), libc::MSG_NOSIGNAL))?;
    /// let (sent, _a, buf) = ring.wait_for(t)?;
    /// assert_eq!((sent?, buf.as_slice()), (4, &b"ping"[..])); // the buffer comes back
    /// let mut got = [0; 4];
    /// b.read_exact(&mut got)?;
    /// assert_eq!(&got, b"ping");
    /// // MSG_ZEROCOPY could make the kernel read the Vec after it came back: refused
    /// let zc = Send::new(a.clone(), b"x".to_vec(), libc::MSG_ZEROCOPY);
    /// match ring.push(zc) {
    ///     Err(PushError::Invalid(_, why)) => assert_eq!(why.value(), libc::MSG_ZEROCOPY as u64),
    ///     other => panic!("MSG_ZEROCOPY accepted: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send", IORING_OP_SEND, "5.6"]
    Send<F: IoFd, B: IoBuf>(fd: F, buf: B, flags: i32) { fd: F = fd, buf: B = buf, msg_flags: i32 = flags }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
    }
    validate(&self, _ring) { send_flags_ok(self.msg_flags) }
    complete(self, cqe) -> (io::Result<usize>, F, B) { (super::count(&cqe), self.fd, self.buf) }

    /// `recv(2)` into an owned buffer; `flags` within [`RECV_FLAGS`]. Hands back the socket
    /// and the buffer, its length set to what arrived — never more than the buffer's room:
    /// with `MSG_TRUNC` the count is a datagram's real length and may be larger than the
    /// buffer, which then holds what fit (the buffer is zeroed before such a receive).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::net::UdpSocket;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::Recv, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (mut a, b) = UnixStream::pair()?;
    /// a.write_all(b"ping")?;
    /// let t = ring.push(Recv::new(b, Vec::with_capacity(64), 0))?;
    /// let (n, _b, buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 4);
    /// assert_eq!(buf, b"ping"); // len() is the count received
    /// // MSG_TRUNC: an 8-byte datagram into a 4-byte buffer reports 8, keeps what fit
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// tx.send_to(b"datagram", rx.local_addr()?)?;
    /// let t = ring.push(Recv::new(rx, Vec::with_capacity(4), libc::MSG_TRUNC))?;
    /// let (n, _rx, buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 8);
    /// assert!(buf.len() <= buf.capacity());
    /// assert_eq!(&buf[..], &b"datagram"[..buf.capacity().min(8)]);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recv", IORING_OP_RECV, "5.6"]
    Recv<F: IoFd, B: IoBufMut>(fd: F, buf: B, flags: i32) {
        fd: F = fd, buf: B = buf, msg_flags: i32 = flags, given: u32 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.given = recv_room(&mut self.buf, self.msg_flags);
        sqe.set_fd(&self.fd);
        sqe.addr = self.buf.stable_mut_ptr() as u64;
        sqe.len = self.given;
        sqe.op_flags = self.msg_flags as u32;
    }
    validate(&self, _ring) { msg_flags_ok(self.msg_flags, RECV_FLAGS, RECV_WHY) }
    complete(self, cqe) -> (io::Result<usize>, F, B) {
        let res = cqe.result();
        if let Ok(n) = res {
            // SAFETY: the kernel wrote the first bytes of the `given` it was handed (with
            // MSG_TRUNC they were zeroed before): never more than `given` is believed.
            unsafe { self.buf.set_init(filled(n, self.given)) };
        }
        (res.map(|n| n as usize), self.fd, self.buf)
    }

    /// `shutdown(2)` (`how`: `libc::SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`; the kernel refuses
    /// other values with `EINVAL`). Hands back the socket.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::Shutdown, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// let t = ring.push(Shutdown::new(a, libc::SHUT_WR))?;
    /// let (res, _a) = ring.wait_for(t)?; // `_a` keeps the socket open
    /// res?;
    /// let mut rest = Vec::new();
    /// assert_eq!(b.read_to_end(&mut rest)?, 0); // the peer sees end of stream
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_shutdown", IORING_OP_SHUTDOWN, "5.11", unmanaged]
    Shutdown<F: IoFd>(fd: F, how: i32) { fd: F = fd, how: i32 = how }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.len = self.how as u32;
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `accept4(2)` into the registered file table: the slot given, or any free slot with
    /// [`DirectSlot::Alloc`]. Completes with the [`Fixed`] slot filled, and hands back the
    /// listener.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::{TcpListener, TcpStream};
    /// use system_liburing::fd::DirectSlot;
    /// use system_liburing::op::{AcceptDirect, Send};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?; // io_uring_register_files_sparse
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let mut client = TcpStream::connect(listener.local_addr()?)?;
    /// // io_uring_prep_accept_direct(sqe, fd, NULL, NULL, 0, IORING_FILE_INDEX_ALLOC)
    /// let t = ring.push(AcceptDirect::new(listener, DirectSlot::Alloc))?;
    /// let (slot, _listener) = ring.wait_for(t)?;
    /// let slot = slot?;
    /// assert!(slot.index() < 4);
    /// // The connection has no fd, only its slot: ops name it with the Fixed handle.
    /// let t = ring.push(Send::new(slot, &b"hi"[..], 0))?;
    /// let (n, _slot, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 2);
    /// let mut got = [0; 2];
    /// client.read_exact(&mut got)?;
    /// assert_eq!(&got, b"hi");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_accept_direct", IORING_OP_ACCEPT, "5.15"]
    AcceptDirect<F: IoFd>(fd: F, slot: DirectSlot) { fd: F = fd, slot: DirectSlot = slot, ring: u64 = 0 }
    fds(fd: F)
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.set_fd(&self.fd);
        sqe.file_index = file_index(&self.slot);
    }
    validate(&self, ring) { self.slot.check(ring) }
    complete(self, cqe) -> (io::Result<Fixed>, F) {
        (cqe.result().map(|n| self.slot.filled(n, self.ring)), self.fd)
    }

    /// Multishot `accept4(2)`: one SQE accepts connection after connection; each becomes an
    /// item ([`Ring::next_shot`](crate::Ring::next_shot)) of the stream, as an owned fd
    /// (close-on-exec). [`Ring::finish`](crate::Ring::finish) hands back the connections
    /// never taken, then the listener; connections still in a dropped op are closed.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use std::sync::Arc;
    /// use system_liburing::op::{AcceptMulti, AsyncCancel};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let listener = Arc::new(TcpListener::bind("127.0.0.1:0")?);
    /// let accept = ring.push(AcceptMulti::new(listener.clone()))?;
    /// for _ in 0..2 {
    ///     let client = TcpStream::connect(listener.local_addr()?)?;
    ///     let conn = TcpStream::from(ring.next_shot(&accept)?.expect("still armed")?);
    ///     assert_eq!(conn.peer_addr()?, client.local_addr()?);
    /// }
    /// // Stop accepting: the stream ends with ECANCELED.
    /// ring.push_with_user_data(AsyncCancel::ticket(&accept), 1)?;
    /// while let Some(item) = ring.next_shot(&accept)? {
    ///     assert_eq!(item.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// }
    /// let (left, _listener) = ring.wait_for(accept)?;
    /// assert!(left.is_empty()); // every item was taken
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_multishot_accept", IORING_OP_ACCEPT, "5.19"]
    AcceptMulti<F: IoFd>(fd: F) { fd: F = fd, shots: Accepted = Accepted::default() }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.op_flags = libc::SOCK_CLOEXEC as u32;
        sqe.ioprio = sys::IORING_ACCEPT_MULTISHOT as u16;
    }
    record(&mut self, cqe) { self.shots.0.push(cqe) }
    complete(self, _cqe) -> (Vec<io::Result<OwnedFd>>, F) {
        (std::iter::from_fn(|| self.shots.take()).collect(), self.fd)
    }

    /// Multishot accept into free slots of the registered file table
    /// (`IORING_FILE_INDEX_ALLOC`); each item is the [`Fixed`] slot filled.
    /// [`Ring::finish`](crate::Ring::finish) hands back the items never taken, then the
    /// listener.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::{TcpListener, TcpStream};
    /// use std::sync::Arc;
    /// use system_liburing::op::{AcceptMultiDirect, Send};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?;
    /// let listener = Arc::new(TcpListener::bind("127.0.0.1:0")?);
    /// let accept = ring.push(AcceptMultiDirect::new(listener.clone()))?;
    /// let mut client = TcpStream::connect(listener.local_addr()?)?;
    /// let slot = ring.next_shot(&accept)?.expect("still armed")?;
    /// assert!(slot.index() < 4);
    /// let t = ring.push(Send::new(slot, &b"hi"[..], 0))?;
    /// let (n, _slot, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 2);
    /// let mut got = [0; 2];
    /// client.read_exact(&mut got)?;
    /// assert_eq!(&got, b"hi");
    /// // Still armed: AsyncCancel::ticket(&accept) stops it (dropping the ring does too).
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_multishot_accept_direct", IORING_OP_ACCEPT, "5.19"]
    AcceptMultiDirect<F: IoFd>(fd: F) { fd: F = fd, shots: Shots = Shots::default(), ring: u64 = 0 }
    fds(fd: F)
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.set_fd(&self.fd);
        sqe.ioprio = sys::IORING_ACCEPT_MULTISHOT as u16;
        sqe.file_index = file_index(&DirectSlot::Alloc);
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    complete(self, _cqe) -> (Vec<io::Result<Fixed>>, F) {
        let ring = self.ring;
        let items = std::iter::from_fn(|| self.shots.pop().map(|c| accepted_slot(&c, ring)));
        (items.collect(), self.fd)
    }

    /// `socket(2)` into the registered file table: the slot given, or any free slot with
    /// [`DirectSlot::Alloc`]; completes with the [`Fixed`] slot filled. `ty` carries only
    /// [`SOCKET_TYPE_FLAGS`] beyond the type (`SOCK_CLOEXEC` is dropped: a slot is no fd,
    /// and the kernel refuses it there).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::TcpListener;
    /// use system_liburing::op::{Connect, SocketDirect};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?;
    /// let slot = ring.fixed_file(3);
    /// let t = ring.push(SocketDirect::new(libc::AF_INET, libc::SOCK_STREAM, 0, slot.into()))?;
    /// assert_eq!(ring.wait_for(t)??, slot);
    /// // The socket exists only in slot 3: connect it through the ring.
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let t = ring.push(Connect::new(slot, listener.local_addr()?))?;
    /// let (res, _slot) = ring.wait_for(t)?;
    /// res?;
    /// listener.set_nonblocking(true)?;
    /// listener.accept()?; // the connection is already there
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_socket_direct", IORING_OP_SOCKET, "5.19"]
    SocketDirect(domain: i32, ty: i32, protocol: i32, slot: DirectSlot) {
        domain: i32 = domain, ty: i32 = ty, protocol: i32 = protocol, slot: DirectSlot = slot, ring: u64 = 0
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.fd = self.domain;
        sqe.off = (self.ty & !libc::SOCK_CLOEXEC) as u64;
        sqe.len = self.protocol as u32;
        sqe.file_index = file_index(&self.slot);
    }
    validate(&self, ring) {
        socket_type_ok(self.ty)?;
        self.slot.check(ring)
    }
    complete(self, cqe) -> io::Result<Fixed> { cqe.result().map(|n| self.slot.filled(n, self.ring)) }

    /// `socket(2)` into a free slot of the registered file table (`IORING_FILE_INDEX_ALLOC`);
    /// completes with the [`Fixed`] slot. As [`SocketDirect`] with [`DirectSlot::Alloc`].
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::op::{SendMsg, SocketDirectAlloc};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?;
    /// let t = ring.push(SocketDirectAlloc::new(libc::AF_INET, libc::SOCK_DGRAM, 0))?;
    /// let slot = ring.wait_for(t)??;
    /// assert!(slot.index() < 4);
    /// let rx = UdpSocket::bind("127.0.0.1:0")?;
    /// let t = ring.push(SendMsg::new(slot, b"hi".to_vec(), Some(rx.local_addr()?), 0))?;
    /// let (n, _slot, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 2);
    /// let mut buf = [0; 8];
    /// let n = rx.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hi");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_socket_direct_alloc", IORING_OP_SOCKET, "5.19"]
    SocketDirectAlloc(domain: i32, ty: i32, protocol: i32) {
        domain: i32 = domain, ty: i32 = ty, protocol: i32 = protocol, ring: u64 = 0
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        sqe.fd = self.domain;
        sqe.off = (self.ty & !libc::SOCK_CLOEXEC) as u64;
        sqe.len = self.protocol as u32;
        sqe.file_index = file_index(&DirectSlot::Alloc);
    }
    validate(&self, _ring) { socket_type_ok(self.ty) }
    complete(self, cqe) -> io::Result<Fixed> { cqe.result().map(|n| DirectSlot::Alloc.filled(n, self.ring)) }

    /// Multishot `recv(2)` into buffers of a provided buffer ring; `flags` within
    /// [`RECV_MULTI_FLAGS`]. Each item is a [`BufGuard`] with the bytes that arrived (an
    /// empty one at end of stream), never longer than a buffer; running out of buffers ends
    /// the stream with `ENOBUFS` (give buffers back, then push it again). While the op is
    /// armed its buffer ring cannot be unregistered. [`Ring::finish`](crate::Ring::finish)
    /// hands back the items never taken, then the socket.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::RecvMulti, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_buf_ring(4, 64, 0)?; // 4 buffers of 64 bytes, group 0
    /// let (mut a, b) = UnixStream::pair()?;
    /// let recv = ring.push(RecvMulti::new(b, &bufs, 0))?;
    /// for msg in [&b"one"[..], b"two"] {
    ///     a.write_all(msg)?;
    ///     let buf = ring.next_shot(&recv)?.expect("still armed")?;
    ///     assert_eq!(&*buf, msg); // dropping `buf` gives it back to the ring
    /// }
    /// drop(a);
    /// assert!(ring.next_shot(&recv)?.expect("the EOF item")?.is_empty());
    /// assert!(ring.next_shot(&recv)?.is_none()); // the stream has ended
    /// let (left, _b) = ring.wait_for(recv)?;
    /// assert!(left.is_empty());
    /// assert_eq!(bufs.in_use(), 0); // every buffer is back in the ring
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recv_multishot", IORING_OP_RECV, "6.0"]
    RecvMulti<F: IoFd>(fd: F, bufs: &BufRing, flags: i32) {
        fd: F = fd, bufs: Selecting = Selecting::new(bufs), msg_flags: i32 = flags
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECV_MULTISHOT as u16;
        self.bufs.select(sqe);
    }
    record(&mut self, cqe) { self.bufs.record(cqe) }
    validate(&self, ring) {
        self.bufs.check(ring)?;
        msg_flags_ok(self.msg_flags, RECV_MULTI_FLAGS, RECV_MULTI_WHY)
    }
    complete(self, _cqe) -> (Vec<io::Result<BufGuard>>, F) {
        (std::iter::from_fn(|| self.bufs.take()).collect(), self.fd)
    }

    /// `recvmsg(2)` into an owned buffer; `flags` within [`RECV_FLAGS`]. Hands back the
    /// socket, the buffer (its length set to what arrived, never more than its room: see
    /// [`Recv`] for `MSG_TRUNC`) and the sender's address (the length the kernel reports
    /// for it is believed only up to the storage it was given).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::RecvMsg, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// tx.send_to(b"hello", rx.local_addr()?)?;
    /// let t = ring.push(RecvMsg::new(rx, Vec::with_capacity(64), 0))?;
    /// let (n, rx, buf, from) = ring.wait_for(t)?;
    /// assert_eq!(n?, 5);
    /// assert_eq!(buf, b"hello");
    /// assert_eq!(from, Some(tx.local_addr()?));
    /// // MSG_TRUNC: the datagram's real length, the buffer cut to its room
    /// tx.send_to(b"a longer datagram", rx.local_addr()?)?;
    /// let t = ring.push(RecvMsg::new(rx, Vec::with_capacity(8), libc::MSG_TRUNC))?;
    /// let (n, _rx, buf, _) = ring.wait_for(t)?;
    /// assert_eq!(n?, 17);
    /// assert_eq!(&buf[..], &b"a longer datagram"[..buf.capacity().min(17)]);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recvmsg", IORING_OP_RECVMSG, "5.3"]
    RecvMsg<F: IoFd, B: IoBufMut>(fd: F, buf: B, flags: i32) {
        fd: F = fd, buf: B = buf, msg_flags: i32 = flags, given: u32 = 0,
        name: SockAddr = SockAddr::empty(), msg: MsgHdr = MsgHdr::default()
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.given = recv_room(&mut self.buf, self.msg_flags);
        let base = self.buf.stable_mut_ptr();
        sqe.set_fd(&self.fd);
        sqe.addr = self.msg.point(base, self.given as usize, Some(&mut self.name));
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
    }
    validate(&self, _ring) { msg_flags_ok(self.msg_flags, RECV_FLAGS, RECV_WHY) }
    complete(self, cqe) -> (io::Result<usize>, F, B, Option<SocketAddr>) {
        let res = cqe.result();
        if let Ok(n) = res {
            // SAFETY: the kernel wrote the first bytes of the `given` the iovec handed it
            // (with MSG_TRUNC they were zeroed before): never more than `given` is believed.
            unsafe { self.buf.set_init(filled(n, self.given)) };
        }
        self.name.set_len(self.msg.hdr.msg_namelen);
        let from = res.as_ref().ok().and(self.name.as_socket_addr());
        (res.map(|n| n as usize), self.fd, self.buf, from)
    }

    /// Multishot `recvmsg(2)` into buffers of a provided buffer ring; `flags` within
    /// [`RECV_MULTI_FLAGS`]. Each item is a [`RecvMsgOut`] (sender address and payload,
    /// parsed from liburing's `io_uring_recvmsg_out` layout, every length cut to the
    /// buffer). While the op is armed its buffer ring cannot be unregistered.
    /// [`Ring::finish`](crate::Ring::finish) hands back the items never taken, then the
    /// socket.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::sync::Arc;
    /// use system_liburing::op::{AsyncCancel, RecvMsgMulti};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_buf_ring(4, 256, 0)?; // room for header, address and payload
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let rx = Arc::new(rx);
    /// let recv = ring.push(RecvMsgMulti::new(rx.clone(), &bufs, 0))?;
    /// for i in 0..2u8 {
    ///     tx.send_to(&[i; 5], rx.local_addr()?)?;
    ///     let msg = ring.next_shot(&recv)?.expect("still armed")?;
    ///     assert_eq!((msg.payload(), msg.from()), (&[i; 5][..], Some(tx.local_addr()?)));
    /// }
    /// ring.push_with_user_data(AsyncCancel::ticket(&recv), 1)?;
    /// while let Some(item) = ring.next_shot(&recv)? {
    ///     assert_eq!(item.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// }
    /// assert!(ring.wait_for(recv)?.0.is_empty());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recvmsg_multishot", IORING_OP_RECVMSG, "6.0"]
    RecvMsgMulti<F: IoFd>(fd: F, bufs: &BufRing, flags: i32) {
        fd: F = fd, bufs: Selecting = Selecting::new(bufs), msg_flags: i32 = flags, msg: MsgHdr = MsgHdr::default()
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        // Only the name's room matters here: the kernel lays out each buffer as header,
        // name (this many bytes), control (none), payload.
        self.msg.hdr.msg_namelen = NAME_ROOM as libc::socklen_t;
        sqe.set_fd(&self.fd);
        sqe.addr = &mut self.msg.hdr as *mut libc::msghdr as u64;
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECV_MULTISHOT as u16;
        self.bufs.select(sqe);
    }
    record(&mut self, cqe) { self.bufs.record(cqe) }
    validate(&self, ring) {
        self.bufs.check(ring)?;
        msg_flags_ok(self.msg_flags, RECV_MULTI_FLAGS, RECV_MULTI_WHY)
    }
    complete(self, _cqe) -> (Vec<io::Result<RecvMsgOut>>, F) {
        let items = std::iter::from_fn(|| self.bufs.take().map(|b| b.and_then(recvmsg_out)));
        (items.collect(), self.fd)
    }

    /// `sendmsg(2)` of an owned buffer, to `to` when given (unconnected sockets); `flags`
    /// within [`SEND_FLAGS`]. Hands back the socket and the buffer.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::SendMsg, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let from = tx.local_addr()?;
    /// // sendmsg(fd, &msg, 0) with msg_name = rx's address
    /// let t = ring.push(SendMsg::new(tx, b"hello".to_vec(), Some(rx.local_addr()?), 0))?;
    /// let (n, _tx, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 5);
    /// let mut buf = [0; 16];
    /// let (n, sender) = rx.recv_from(&mut buf)?;
    /// assert_eq!((&buf[..n], sender), (&b"hello"[..], from));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendmsg", IORING_OP_SENDMSG, "5.3"]
    SendMsg<F: IoFd, B: IoBuf>(fd: F, buf: B, to: Option<SocketAddr>, flags: i32) {
        fd: F = fd, buf: B = buf, to: Option<SockAddr> = to.map(SockAddr::from), msg_flags: i32 = flags,
        msg: MsgHdr = MsgHdr::default()
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        let (base, len) = (self.buf.stable_ptr() as *mut u8, self.buf.bytes_init());
        sqe.set_fd(&self.fd);
        sqe.addr = self.msg.point(base, len, self.to.as_mut());
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
    }
    validate(&self, _ring) { send_flags_ok(self.msg_flags) }
    complete(self, cqe) -> (io::Result<usize>, F, B) { (super::count(&cqe), self.fd, self.buf) }

    /// Zero-copy `sendmsg(2)`; `flags` within [`SEND_FLAGS`]. The buffer comes back only
    /// after the kernel's notification CQE says it no longer reads it; the result is the
    /// first CQE's count.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::SendMsgZc, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let from = tx.local_addr()?;
    /// let t = ring.push(SendMsgZc::new(tx, vec![7; 512], Some(rx.local_addr()?), 0))?;
    /// let (sent, _tx, buf) = ring.wait_for(t)?; // after both CQEs: result, then notification
    /// assert_eq!((sent?, buf.len()), (512, 512));
    /// let mut got = [0; 1024];
    /// let (n, sender) = rx.recv_from(&mut got)?;
    /// assert_eq!((n, sender), (512, from));
    /// assert!(got[..n].iter().all(|&b| b == 7));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendmsg_zc", IORING_OP_SENDMSG_ZC, "6.1"]
    SendMsgZc<F: IoFd, B: IoBuf>(fd: F, buf: B, to: Option<SocketAddr>, flags: i32) {
        fd: F = fd, buf: B = buf, to: Option<SockAddr> = to.map(SockAddr::from), msg_flags: i32 = flags,
        msg: MsgHdr = MsgHdr::default(), first: Option<i32> = None
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        let (base, len) = (self.buf.stable_ptr() as *mut u8, self.buf.bytes_init());
        sqe.set_fd(&self.fd);
        sqe.addr = self.msg.point(base, len, self.to.as_mut());
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    validate(&self, _ring) { send_flags_ok(self.msg_flags) }
    complete(self, cqe) -> (io::Result<usize>, F, B) { (zc_result(self.first, &cqe), self.fd, self.buf) }

    /// Zero-copy `send(2)` (`IORING_OP_SEND_ZC`): the kernel sends from the buffer's pages
    /// without copying, so the buffer comes back only after its notification CQE
    /// (`IORING_CQE_F_NOTIF`); the result is the first CQE's count. `flags` within
    /// [`SEND_FLAGS`], `zc_flags` within [`SEND_ZC_FLAGS`].
    /// [`to`](SendZc::to) is liburing's `io_uring_prep_send_set_addr`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::sync::Arc;
    /// use system_liburing::{op::SendZc, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let tx = Arc::new(tx);
    /// // io_uring_prep_send_zc + io_uring_prep_send_set_addr
    /// let op = SendZc::new(tx.clone(), b"zero-copy".to_vec(), 0, 0).to(rx.local_addr()?);
    /// let t = ring.push(op)?;
    /// let (sent, _tx, buf) = ring.wait_for(t)?; // after the notification CQE
    /// assert_eq!((sent?, buf.as_slice()), (9, &b"zero-copy"[..]));
    /// let mut got = [0; 16];
    /// let (n, from) = rx.recv_from(&mut got)?;
    /// assert_eq!((&got[..n], from), (&b"zero-copy"[..], tx.local_addr()?));
    /// // IORING_SEND_VECTORIZED (1 << 5) would make the kernel read the Vec as iovecs
    /// let op = SendZc::new(tx.clone(), b"x".to_vec(), 0, 1 << 5).to(rx.local_addr()?);
    /// match ring.push(op) {
    ///     Err(PushError::Invalid(_, why)) => assert_eq!((why.what(), why.value()), ("zc_flags", 1 << 5)),
    ///     other => panic!("IORING_SEND_VECTORIZED accepted: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send_zc", IORING_OP_SEND_ZC, "6.0"]
    SendZc<F: IoFd, B: IoBuf>(fd: F, buf: B, flags: i32, zc_flags: u32) {
        fd: F = fd, buf: B = buf, msg_flags: i32 = flags, zc_flags: u32 = zc_flags,
        to: Option<SockAddr> = None, first: Option<i32> = None
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = self.zc_flags as u16;
        if let Some(to) = &self.to {
            to.set_send_addr(sqe);
        }
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    validate(&self, _ring) {
        send_flags_ok(self.msg_flags)?;
        zc_flags_ok(self.zc_flags)
    }
    complete(self, cqe) -> (io::Result<usize>, F, B) { (zc_result(self.first, &cqe), self.fd, self.buf) }

    /// Zero-copy send of a registered buffer's `len()` bytes (`IORING_RECVSEND_FIXED_BUF`,
    /// set by the op); `flags` within [`SEND_FLAGS`], `zc_flags` within [`SEND_ZC_FLAGS`].
    /// The buffer must be registered with the ring the op is pushed on (refused otherwise).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::{TcpListener, TcpStream};
    /// use system_liburing::{op::SendZcFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0); // io_uring_register_buffers
    /// buf.set_len(5);
    /// buf.copy_from_slice(b"fixed");
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// let (mut server, _) = listener.accept()?;
    /// let t = ring.push(SendZcFixed::new(client, buf, 0, 0))?;
    /// let (sent, _client, buf) = ring.wait_for(t)?;
    /// assert_eq!((sent?, buf.index()), (5, 0)); // the registered buffer comes back
    /// let mut got = [0; 5];
    /// server.read_exact(&mut got)?;
    /// assert_eq!(&got, b"fixed");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send_zc_fixed", IORING_OP_SEND_ZC, "6.0"]
    SendZcFixed<F: IoFd>(fd: F, buf: FixedBuf, flags: i32, zc_flags: u32) {
        fd: F = fd, buf: FixedBuf = buf, msg_flags: i32 = flags, zc_flags: u32 = zc_flags,
        first: Option<i32> = None
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = self.buf.as_mut_ptr() as u64;
        sqe.len = self.buf.len().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = (self.zc_flags | sys::IORING_RECVSEND_FIXED_BUF) as u16;
        sqe.buf_index = self.buf.index();
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    validate(&self, ring) {
        self.buf.check(ring)?;
        send_flags_ok(self.msg_flags)?;
        zc_flags_ok(self.zc_flags)
    }
    complete(self, cqe) -> (io::Result<usize>, F, FixedBuf) { (zc_result(self.first, &cqe), self.fd, self.buf) }

    /// `bind(2)` (kernel 6.11). Hands back the socket.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::op::{Bind, Socket};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Socket::new(libc::AF_INET, libc::SOCK_DGRAM, 0))?;
    /// let sock = ring.wait_for(t)??;
    /// // bind(fd, 127.0.0.1 port 0): the kernel picks the port
    /// let t = ring.push(Bind::new(sock, "127.0.0.1:0".parse().unwrap()))?;
    /// let (res, sock) = ring.wait_for(t)?;
    /// res?;
    /// let addr = UdpSocket::from(sock).local_addr()?;
    /// assert_eq!(addr.ip().to_string(), "127.0.0.1");
    /// assert_ne!(addr.port(), 0);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_bind", IORING_OP_BIND, "6.11"]
    Bind<F: IoFd>(fd: F, addr: SocketAddr) { fd: F = fd, addr: SockAddr = addr.into() }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = &self.addr.storage as *const libc::sockaddr_storage as u64;
        sqe.off = u64::from(self.addr.len);
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `listen(2)` (kernel 6.11). Hands back the socket.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use system_liburing::op::{Bind, Listen, Socket};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0))?;
    /// let sock = ring.wait_for(t)??;
    /// let t = ring.push(Bind::new(sock, "127.0.0.1:0".parse().unwrap()))?;
    /// let (res, sock) = ring.wait_for(t)?;
    /// res?;
    /// let t = ring.push(Listen::new(sock, 8))?; // listen(fd, 8)
    /// let (res, sock) = ring.wait_for(t)?;
    /// res?;
    /// let listener = TcpListener::from(sock);
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// assert_eq!(listener.accept()?.1, client.local_addr()?);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_listen", IORING_OP_LISTEN, "6.11", unmanaged]
    Listen<F: IoFd>(fd: F, backlog: i32) { fd: F = fd, backlog: i32 = backlog }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.len = self.backlog as u32;
    }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `sendto(2)`: [`Send`] of an owned buffer's initialised bytes to `to` (unconnected
    /// sockets), liburing's `io_uring_prep_send` + `io_uring_prep_send_set_addr`; `flags`
    /// within [`SEND_FLAGS`]. Hands back the socket and the buffer.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::SendTo, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let from = tx.local_addr()?;
    /// let t = ring.push(SendTo::new(tx, b"hi".to_vec(), 0, rx.local_addr()?))?;
    /// let (n, _tx, _buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 2);
    /// let mut got = [0u8; 8];
    /// let (n, sender) = rx.recv_from(&mut got)?;
    /// assert_eq!((&got[..n], sender), (&b"hi"[..], from));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendto", IORING_OP_SEND, "6.0"]
    SendTo<F: IoFd, B: IoBuf>(fd: F, buf: B, flags: i32, to: SocketAddr) {
        fd: F = fd, buf: B = buf, msg_flags: i32 = flags, to: SockAddr = to.into()
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
        self.to.set_send_addr(sqe);
    }
    validate(&self, _ring) { send_flags_ok(self.msg_flags) }
    complete(self, cqe) -> (io::Result<usize>, F, B) { (super::count(&cqe), self.fd, self.buf) }

    /// A socket command (`IORING_OP_URING_CMD` on a socket, kernel 6.7): `cmd_op` is one of
    /// `SOCKET_URING_OP_SIOCINQ` / `SIOCOUTQ` (the bytes queued, as the result),
    /// `GETSOCKOPT` (the option is read into `optval`'s capacity, which comes back with its
    /// length set to the option's, never past the capacity) or `SETSOCKOPT` (`optval`'s
    /// bytes are the value). Hands back the socket and `optval`.
    ///
    /// Refused at push time: other commands (they read the SQE's fields as pointers of their
    /// own; getsockname has its op, `CmdGetsockname`), a `level` other than `SOL_SOCKET` for
    /// `GETSOCKOPT` / `SETSOCKOPT` — the kernel takes only `SOL_SOCKET` for the first, and
    /// some protocol levels' options carry pointers the kernel writes through (netfilter's
    /// table replacement writes its counters to an address inside `optval`) — and an
    /// `optname` outside [`SOCKET_OPTIONS`], the options whose values are plain data
    /// (`SO_ATTACH_FILTER` and friends carry a pointer or an fd number inside `optval`).
    /// Before a `GETSOCKOPT` the bytes past `optval`'s length are zeroed, so the length the
    /// kernel reports only ever covers initialised bytes.
    ///
    /// On a file that is not a socket the command goes to that file's driver, which reads
    /// it with its own meaning: the SQE then names only the op's own memory or zeroes (see
    /// `docs/soundness.md`, "Edges"), so the worst outcome is the driver's error.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::sync::Arc;
    /// use system_liburing::{op::CmdSock, sys, PushError, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let sock = Arc::new(UdpSocket::bind("127.0.0.1:0")?);
    /// let (level, name) = (libc::SOL_SOCKET, libc::SO_RCVBUF);
    /// let set = 65536i32.to_ne_bytes().to_vec();
    /// let op = CmdSock::new(sys::SOCKET_URING_OP_SETSOCKOPT, sock.clone(), level, name, set);
    /// let t = ring.push(op)?;
    /// let (res, _sock, _set) = ring.wait_for(t)?;
    /// res?;
    /// let get = Vec::with_capacity(4);
    /// let op = CmdSock::new(sys::SOCKET_URING_OP_GETSOCKOPT, sock.clone(), level, name, get);
    /// let t = ring.push(op)?;
    /// let (len, _sock, val) = ring.wait_for(t)?;
    /// assert_eq!((len?, val.len()), (4, 4));
    /// // Linux doubles SO_RCVBUF for its bookkeeping.
    /// assert_eq!(i32::from_ne_bytes(val[..4].try_into().unwrap()), 2 * 65536);
    /// // options of other levels are refused (TCP_NODELAY is 1 at IPPROTO_TCP)
    /// let op = CmdSock::new(sys::SOCKET_URING_OP_SETSOCKOPT, sock.clone(), libc::IPPROTO_TCP, 1, vec![1, 0, 0, 0]);
    /// assert!(matches!(ring.push(op), Err(PushError::Invalid(_, why)) if why.what() == "level"));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cmd_sock", IORING_OP_URING_CMD, "6.7"]
    CmdSock<F: IoFd>(cmd_op: u32, fd: F, level: i32, optname: i32, optval: Vec<u8>) {
        cmd_op: u32 = cmd_op, fd: F = fd, level: i32 = level, optname: i32 = optname,
        optval: Vec<u8> = optval, given: u32 = 0, len_before: usize = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = u64::from(self.cmd_op);
        sqe.addr = level_optname(self.level, self.optname);
        if self.cmd_op == SOCK_GETSOCKOPT {
            // The kernel writes at most `given` bytes from the start; the room past the
            // Vec's length is zeroed so that any length it reports is initialised bytes.
            let room = self.optval.capacity().min(i32::MAX as usize);
            self.len_before = self.optval.len();
            self.optval.resize(room, 0);
            self.given = room as u32;
            sqe.addr3 = self.optval.as_mut_ptr() as u64;
            sqe.file_index = self.given;
        } else {
            sqe.addr3 = self.optval.as_ptr() as u64;
            sqe.file_index = self.optval.len().min(i32::MAX as usize) as u32;
        }
    }
    validate(&self, _ring) { sock_cmd_ok(self.cmd_op, self.level, self.optname) }
    complete(self, cqe) -> (io::Result<u32>, F, Vec<u8>) {
        let res = cqe.result();
        if self.cmd_op == SOCK_GETSOCKOPT {
            let len = match res {
                Ok(n) => filled(n, self.given),
                Err(_) => self.len_before,
            };
            self.optval.truncate(len);
        }
        (res, self.fd, self.optval)
    }

    /// `getsockname(2)` (or `getpeername(2)` with `peer`) through the ring
    /// (`SOCKET_URING_OP_GETSOCKNAME`, kernel 6.19; older kernels answer `EINVAL` or
    /// `EOPNOTSUPP`). The length the kernel reports is believed only up to the storage it
    /// was given. Hands back the socket.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::sync::Arc;
    /// use system_liburing::{op::CmdGetsockname, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let sock = Arc::new(UdpSocket::bind("127.0.0.1:0")?);
    /// let t = ring.push(CmdGetsockname::new(sock.clone(), false))?;
    /// match ring.wait_for(t)?.0 {
    ///     Ok(addr) => assert_eq!(addr, sock.local_addr()?),
    ///     Err(e) if [libc::EINVAL, libc::EOPNOTSUPP].contains(&e.raw_os_error().unwrap_or(0)) => {
    ///         eprintln!("skipped: this kernel predates SOCKET_URING_OP_GETSOCKNAME ({e})");
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cmd_getsockname", IORING_OP_URING_CMD, "6.19"]
    CmdGetsockname<F: IoFd>(fd: F, peer: bool) { fd: F = fd, peer: bool = peer, name: SockAddr = SockAddr::empty() }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.name.len = NAME_ROOM as libc::socklen_t;
        sqe.set_fd(&self.fd);
        sqe.off = u64::from(sys::SOCKET_URING_OP_GETSOCKNAME);
        sqe.addr = &mut self.name.storage as *mut libc::sockaddr_storage as u64;
        sqe.addr3 = &mut self.name.len as *mut libc::socklen_t as u64;
        sqe.file_index = u32::from(self.peer);
    }
    complete(self, cqe) -> (io::Result<SocketAddr>, F) {
        let len = self.name.len;
        self.name.set_len(len);
        let res = cqe.result().and_then(|_| {
            self.name
                .as_socket_addr()
                .ok_or_else(|| io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
        });
        (res, self.fd)
    }

    /// A raw `IORING_OP_URING_CMD` (kernel 5.19): command `cmd_op` for the file's driver.
    /// Completes with the driver's result and hands back the file.
    ///
    /// What a driver can read: `cmd_op`, the file, and nothing else — every other field of
    /// the SQE is zero: `addr`, `len`, `addr3`, `sqe->uring_cmd_flags` (so no
    /// `IORING_URING_CMD_FIXED`: no registered buffer) and the command area (`sqe->cmd`,
    /// and the whole second half on 128-byte-SQE rings, which the ring zeroes for this
    /// opcode). A command that takes an address from the SQE gets NULL and fails with
    /// `EFAULT`; no command can be pointed at memory through this op. Commands that need
    /// arguments need a typed op (`CmdSock`, `CmdGetsockname`) or the raw layer. On a
    /// TCP or UDP socket, `SOCKET_URING_OP_SIOCINQ` gives the bytes waiting to be read (for
    /// UDP, the size of the next datagram); sockets without an `ioctl` in their protocol
    /// (AF_UNIX) answer `EOPNOTSUPP`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::UringCmd, sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// tx.send_to(b"12345", rx.local_addr()?)?;
    /// let t = ring.push(UringCmd::new(sys::SOCKET_URING_OP_SIOCINQ, rx))?;
    /// let (queued, _rx) = ring.wait_for(t)?;
    /// assert_eq!(queued?, 5);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_uring_cmd", IORING_OP_URING_CMD, "5.19", unmanaged]
    UringCmd<F: IoFd>(cmd_op: u32, fd: F) { cmd_op: u32 = cmd_op, fd: F = fd }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = u64::from(self.cmd_op);
    }
    complete(self, cqe) -> (io::Result<u32>, F) { (cqe.result(), self.fd) }

    /// Zero-copy `sendmsg(2)` of a registered buffer's `len()` bytes
    /// (`IORING_RECVSEND_FIXED_BUF`, set by the op), to `to` when given; `flags` within
    /// [`SEND_FLAGS`]. The buffer must be registered with the ring the op is pushed on
    /// (refused otherwise); it comes back after the notification CQE, with the first CQE's
    /// count, and the socket with it.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::SendMsgZcFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0);
    /// buf.set_len(3);
    /// buf.copy_from_slice(b"zc!");
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let t = ring.push(SendMsgZcFixed::new(tx, buf, Some(rx.local_addr()?), 0))?;
    /// let (n, _tx, _buf) = ring.wait_for(t)?; // after IORING_CQE_F_NOTIF
    /// assert_eq!(n?, 3);
    /// let mut got = [0u8; 8];
    /// let n = rx.recv(&mut got)?;
    /// assert_eq!(&got[..n], b"zc!");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendmsg_zc_fixed", IORING_OP_SENDMSG_ZC, "6.14"]
    SendMsgZcFixed<F: IoFd>(fd: F, buf: FixedBuf, to: Option<SocketAddr>, flags: i32) {
        fd: F = fd, buf: FixedBuf = buf, to: Option<SockAddr> = to.map(SockAddr::from), msg_flags: i32 = flags,
        msg: MsgHdr = MsgHdr::default(), first: Option<i32> = None
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        let len = self.buf.len();
        let base = self.buf.as_mut_ptr();
        sqe.set_fd(&self.fd);
        sqe.addr = self.msg.point(base, len, self.to.as_mut());
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECVSEND_FIXED_BUF as u16;
        sqe.buf_index = self.buf.index();
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    validate(&self, ring) {
        self.buf.check(ring)?;
        send_flags_ok(self.msg_flags)
    }
    complete(self, cqe) -> (io::Result<usize>, F, FixedBuf) { (zc_result(self.first, &cqe), self.fd, self.buf) }

    /// [`UringCmd`] in a 128-byte SQE (`IORING_OP_URING_CMD128`): command `cmd_op` for the
    /// file's driver, whose command area (`sqe->cmd`) is then 80 bytes, from `addr3` to the
    /// end of the entry's second half. As with `UringCmd` the driver sees `cmd_op` and the
    /// file only: every other field and the whole command area are zero (the ring zeroes
    /// the second half for this opcode), so no command can be pointed at memory through
    /// it. Made for rings built with [`SetupFlags::SQE128`](crate::SetupFlags::SQE128); on
    /// a ring of 64-byte entries the kernel completes it with `EINVAL` (the crate builds no
    /// `IORING_SETUP_SQE_MIXED` rings). Kernels before 6.19 lack the opcode: the push is
    /// [`PushError::Unsupported`](crate::PushError::Unsupported). Hands back the file.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use system_liburing::{op::UringCmd128, sys, PushError, Ring, SetupFlags};
    /// let mut ring = Ring::builder().entries(4).setup_flags(SetupFlags::SQE128).build()?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// tx.send_to(b"12345", rx.local_addr()?)?;
    /// let t = match ring.push(UringCmd128::new(sys::SOCKET_URING_OP_SIOCINQ, rx)) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("skipped: this kernel predates IORING_OP_URING_CMD128 (6.19)");
    ///         return Ok(());
    ///     }
    ///     t => t?,
    /// };
    /// let (queued, _rx) = ring.wait_for(t)?;
    /// assert_eq!(queued?, 5); // the datagram waiting on the socket
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_uring_cmd128", IORING_OP_URING_CMD128, "6.19", unmanaged]
    UringCmd128<F: IoFd>(cmd_op: u32, fd: F) { cmd_op: u32 = cmd_op, fd: F = fd }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.off = u64::from(self.cmd_op);
    }
    complete(self, cqe) -> (io::Result<u32>, F) { (cqe.result(), self.fd) }

    /// Sends the data queued on a buffer ring made to send from
    /// ([`Ring::register_send_buf_ring`], [`BufRing::queue`]): `send(2)` of as many of its
    /// buffers as the kernel takes at once (`IORING_RECVSEND_BUNDLE` with
    /// `IOSQE_BUFFER_SELECT`, set by the op; `flags` within [`SEND_FLAGS`]). The kernel keeps
    /// sending while buffers are queued: each round is one item of the op's stream
    /// ([`Ring::next_shot`](crate::Ring::next_shot)), the bytes it sent, and the buffers it
    /// consumed go back to the ring's free list as their CQE is reaped; the stream ends
    /// when the ring is empty, on an error, or with `ENOBUFS` when nothing was queued.
    /// C's `len` is 0 here: each round takes whole buffers (a cap would make the kernel cut
    /// the first buffer in the ring entry itself).
    ///
    /// A round larger than the socket takes at once is sent in parts inside the kernel and
    /// reported as one count from the round's first buffer. A short send (the peer gone
    /// after part of the data; on 6.18 also a round sent in parts through a small send
    /// buffer) ends the stream with the count sent, and the kernel may then have consumed
    /// every buffer the round picked, the unsent ones too (kernel 6.18 seen), which its CQE
    /// does not say. The crate never gives a buffer
    /// back before a CQE shows the kernel past it, so it keeps counting those as queued
    /// ([`BufRing::queued`]) until the next send's first CQE shows where the kernel is (the
    /// buffer it starts from, or `ENOBUFS`: the ring was empty): their data is lost, not
    /// sent later, as in C.
    ///
    /// Refused at push time: a ring made for receives, another ring's, one unregistered,
    /// and a second `SendBundle` on a ring one is still armed on (the crate follows what the
    /// kernel consumed from each CQE's first buffer id and byte count, which two sends in
    /// flight would make ambiguous). [`Ring::finish`](crate::Ring::finish) hands back the
    /// items never taken, then the socket. Kernels before 6.10 complete it with `EINVAL`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::SendBundle, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_send_buf_ring(4, 8, 5)?; // four 8-byte buffers, group 5
    /// bufs.queue(b"hello, bundled world")?; // three buffers: 8 + 8 + 4 bytes
    /// let (tx, mut rx) = UnixStream::pair()?;
    /// // io_uring_prep_send_bundle(sqe, fd, 0, 0) + IOSQE_BUFFER_SELECT, buf_group 5
    /// let sends = ring.push(SendBundle::new(tx, &bufs, 0))?;
    /// let mut sent = 0;
    /// while let Some(round) = ring.next_shot(&sends)? {
    ///     match round {
    ///         Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
    ///             eprintln!("skipped: this kernel predates send bundles (6.10)");
    ///             return Ok(());
    ///         }
    ///         round => sent += round?,
    ///     }
    /// }
    /// assert_eq!((sent, bufs.queued()), (20, 0)); // every buffer consumed, back to the ring
    /// let mut got = vec![0; 20];
    /// rx.read_exact(&mut got)?;
    /// assert_eq!(&got[..], b"hello, bundled world");
    /// let (_rest, _tx) = ring.finish(sends)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send_bundle", IORING_OP_SEND, "6.10"]
    SendBundle<F: IoFd>(fd: F, bufs: &BufRing, flags: i32) {
        fd: F = fd, bufs: crate::register::Sending = crate::register::Sending::new(bufs),
        msg_flags: i32 = flags
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.bufs.arm();
        sqe.set_fd(&self.fd);
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECVSEND_BUNDLE as u16;
        sqe.flags |= crate::SqeFlags::BUFFER_SELECT.bits();
        sqe.buf_index = self.bufs.bgid();
    }
    record(&mut self, cqe) { self.bufs.record(cqe) }
    validate(&self, ring) {
        self.bufs.check(ring)?;
        send_flags_ok(self.msg_flags)
    }
    complete(self, _cqe) -> (Vec<io::Result<usize>>, F) {
        (std::iter::from_fn(|| self.bufs.take()).collect(), self.fd)
    }
}

/// A message from [`RecvMsgMulti`]: the buffer, the sender, and where the payload is.
pub struct RecvMsgOut {
    buf: BufGuard,
    from: Option<SocketAddr>,
    payload: std::ops::Range<usize>,
    truncated: bool,
}

impl RecvMsgOut {
    /// The payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.buf[self.payload.clone()]
    }
    /// The sender's address (IPv4/IPv6), when it fit.
    pub fn from(&self) -> Option<SocketAddr> {
        self.from
    }
    /// Whether the payload was cut to fit the buffer (`MSG_TRUNC` in the header's flags).
    pub fn truncated(&self) -> bool {
        self.truncated
    }
    /// The buffer (header, name and payload); dropping it gives the buffer back.
    pub fn into_buf(self) -> BufGuard {
        self.buf
    }
}

impl std::fmt::Debug for RecvMsgOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvMsgOut")
            .field("from", &self.from)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// `struct io_uring_recvmsg_out`.
const RECVMSG_OUT: usize = 16;

/// A multishot recvmsg buffer: header, name (`NAME_ROOM` bytes), control, payload.
fn recvmsg_out(buf: BufGuard) -> io::Result<RecvMsgOut> {
    let (from, payload, truncated) = parse_recvmsg(&buf)?;
    Ok(RecvMsgOut {
        buf,
        from,
        payload,
        truncated,
    })
}

/// The sender, the payload's place and the truncation flag of a multishot recvmsg buffer
/// (an empty buffer is end of stream). Every length in the header is the kernel's word, so
/// each is cut to the buffer.
fn parse_recvmsg(buf: &[u8]) -> io::Result<(Option<SocketAddr>, std::ops::Range<usize>, bool)> {
    if buf.is_empty() {
        return Ok((None, 0..0, false));
    }
    let word = |i: usize| -> io::Result<u32> {
        buf.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
    };
    let (namelen, controllen, payloadlen, flags) = (word(0)?, word(1)?, word(2)?, word(3)?);
    let start = (RECVMSG_OUT + NAME_ROOM)
        .saturating_add(controllen as usize)
        .min(buf.len());
    let end = start.saturating_add(payloadlen as usize).min(buf.len());
    let name = &buf[RECVMSG_OUT..(RECVMSG_OUT + NAME_ROOM).min(buf.len())];
    let from = parse_sockaddr(name.as_ptr(), (namelen as usize).min(name.len()));
    Ok((from, start..end, flags & libc::MSG_TRUNC as u32 != 0))
}

/// Connections a multishot accept reported and nobody took yet: closed when dropped, never
/// leaked (the op itself hands back its listener, so the closing lives here).
#[derive(Debug, Default)]
struct Accepted(Shots);

impl Accepted {
    fn take(&mut self) -> Option<io::Result<OwnedFd>> {
        self.0.pop().map(|c| owned_fd(&c))
    }
}

impl Drop for Accepted {
    fn drop(&mut self) {
        while self.take().is_some() {}
    }
}

/// The slot a multishot direct accept filled: the kernel's choice, as its result.
fn accepted_slot(cqe: &Cqe, ring: u64) -> io::Result<Fixed> {
    cqe.result().map(|n| DirectSlot::Alloc.filled(n, ring))
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept")]
impl<F: IoFd> Multishot for AcceptMulti<F> {
    type Item = io::Result<OwnedFd>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.shots.take()
    }
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept_direct")]
impl<F: IoFd> Multishot for AcceptMultiDirect<F> {
    type Item = io::Result<Fixed>;
    fn take_item(&mut self) -> Option<Self::Item> {
        let c = self.shots.pop()?;
        Some(accepted_slot(&c, self.ring))
    }
}

#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
impl<F: IoFd> Multishot for RecvMulti<F> {
    type Item = io::Result<BufGuard>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.bufs.take()
    }
}

#[cfg(liburing_has = "io_uring_prep_recvmsg_multishot")]
impl<F: IoFd> Multishot for RecvMsgMulti<F> {
    type Item = io::Result<RecvMsgOut>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.bufs.take().map(|b| b.and_then(recvmsg_out))
    }
}

#[cfg(liburing_has = "io_uring_prep_send_zc")]
impl<F: IoFd, B: IoBuf> SendZc<F, B> {
    /// Sends to `addr` (unconnected sockets): liburing's `io_uring_prep_send_set_addr`.
    #[doc(alias = "io_uring_prep_send_set_addr")]
    pub fn to(mut self, addr: SocketAddr) -> Self {
        self.to = Some(addr.into());
        self
    }
}

// SAFETY: sockaddr_storage is plain bytes; moving it between threads is harmless.
unsafe impl std::marker::Send for SockAddr {}

/// `sqe->level` and `sqe->optname`, the two 32-bit halves of `sqe->addr` in memory order.
#[allow(dead_code)]
fn level_optname(level: i32, optname: i32) -> u64 {
    let (l, o) = (level.to_ne_bytes(), optname.to_ne_bytes());
    u64::from_ne_bytes([l[0], l[1], l[2], l[3], o[0], o[1], o[2], o[3]])
}

/// `SOCKET_URING_OP_GETSOCKOPT` / `SOCKET_URING_OP_SETSOCKOPT` (6.7), written out so that a
/// header that renumbers cannot widen what `CmdSock` sends (checked against the header
/// where it has them).
const SOCK_GETSOCKOPT: u32 = 2;
const SOCK_SETSOCKOPT: u32 = 3;

/// The socket commands `CmdSock` may send: SIOCINQ, SIOCOUTQ, GETSOCKOPT, SETSOCKOPT
/// (0..=3). The others read `sqe->addr` / `addr3` as pointers of their own. Socket options
/// only at `SOL_SOCKET`.
#[allow(dead_code)]
fn sock_cmd_ok(cmd_op: u32, level: i32, optname: i32) -> Result<(), Refused> {
    if cmd_op > SOCK_SETSOCKOPT {
        return Err(Refused::new(
            "cmd_op",
            u64::from(cmd_op),
            "CmdSock sends only SIOCINQ, SIOCOUTQ, GETSOCKOPT and SETSOCKOPT",
        ));
    }
    if cmd_op == SOCK_GETSOCKOPT || cmd_op == SOCK_SETSOCKOPT {
        if level != libc::SOL_SOCKET {
            return Err(Refused::new(
                "level",
                u64::from(level as u32),
                "socket options only at SOL_SOCKET: options of other levels can carry pointers \
                 the kernel writes through",
            ));
        }
        if !SOCKET_OPTIONS.contains(&optname) {
            return Err(Refused::new(
                "optname",
                u64::from(optname as u32),
                "only the SOL_SOCKET options whose values are plain data (SOCKET_OPTIONS): \
                 others carry a pointer or an fd number inside optval",
            ));
        }
    }
    Ok(())
}

/// The `SOL_SOCKET` options `CmdSock` may get or set: each one's value is plain data (an
/// `int`, a `struct linger`, a `struct ucred`) that the kernel copies in or out of `optval`
/// and nothing else. Refused are the options whose value holds a pointer the kernel reads
/// through (`SO_ATTACH_FILTER`, `SO_ATTACH_REUSEPORT_CBPF`) or an fd number it looks up
/// (`SO_ATTACH_BPF`, `SO_ATTACH_REUSEPORT_EBPF`), and every option not reviewed here.
pub const SOCKET_OPTIONS: &[i32] = &[
    libc::SO_DEBUG,
    libc::SO_REUSEADDR,
    libc::SO_TYPE,
    libc::SO_ERROR,
    libc::SO_DONTROUTE,
    libc::SO_BROADCAST,
    libc::SO_SNDBUF,
    libc::SO_RCVBUF,
    libc::SO_KEEPALIVE,
    libc::SO_OOBINLINE,
    libc::SO_PRIORITY,
    libc::SO_LINGER,
    libc::SO_REUSEPORT,
    libc::SO_PASSCRED,
    libc::SO_PEERCRED,
    libc::SO_RCVLOWAT,
    libc::SO_SNDLOWAT,
    libc::SO_ACCEPTCONN,
    libc::SO_PROTOCOL,
    libc::SO_DOMAIN,
    libc::SO_MARK,
    libc::SO_INCOMING_CPU,
    libc::SO_BUSY_POLL,
];

#[cfg(liburing_has = "io_uring_prep_send_bundle")]
impl<F: IoFd> Multishot for SendBundle<F> {
    type Item = io::Result<usize>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.bufs.take()
    }
}

/// The `MSG_*` bits a single-shot receive into a provided buffer may carry ([`RecvSelect`]):
/// `MSG_DONTWAIT` (0x40: `EAGAIN` at once when nothing is there; no buffer is taken) and
/// `MSG_CMSG_CLOEXEC` (0x40000000, 2.6.23; no control data is received here). Refused
/// besides what [`RECV_FLAGS`] refuses: `MSG_TRUNC` (on a stream socket the kernel counts
/// bytes it never copied: the buffer the kernel picked would claim stale bytes of its last
/// use), `MSG_WAITALL` (a partial receive retried with a provided buffer: not reviewed),
/// `MSG_PEEK`, `MSG_OOB`, `MSG_ERRQUEUE` (not reviewed with buffer selection).
#[doc(alias = "msg_flags")]
pub const RECV_SELECT_FLAGS: i32 = libc::MSG_DONTWAIT | libc::MSG_CMSG_CLOEXEC;

/// Single-shot `recv(2)` into a buffer the kernel picks from a provided buffer ring
/// (`IOSQE_BUFFER_SELECT`, kernel 5.19 for buffer rings): no buffer is tied up while the
/// receive waits for data. `len` caps the receive (0: a whole buffer); `flags` within
/// [`RECV_SELECT_FLAGS`]. Completes with a [`BufGuard`] holding the bytes received (it goes
/// back to the ring when dropped; an empty one at end of stream), or the errno (`ENOBUFS`
/// when the ring had no buffer left), then the socket. While the op is pushed its buffer
/// ring cannot be unregistered, and a ring registered with another
/// [`Ring`](crate::Ring), or unregistered, is refused at push.
///
/// C: `io_uring_prep_recv(sqe, fd, NULL, len, flags)` with `sqe->flags |=
/// IOSQE_BUFFER_SELECT` and `sqe->buf_group = bgid` / `IORING_OP_RECV`, kernel 5.19.
///
/// # Example
/// ```
/// # fn main() -> std::io::Result<()> {
/// use std::net::UdpSocket;
/// use system_liburing::{op::RecvSelect, Ring};
/// let mut ring = Ring::new(8)?;
/// let bufs = match ring.register_buf_ring(2, 64, 5) {
///     Ok(b) => b,
///     Err(e) => {
///         println!("skipped: no provided buffer rings here (kernel 5.19): {e}");
///         return Ok(());
///     }
/// };
/// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
/// tx.send_to(b"one", rx.local_addr()?)?;
/// tx.send_to(b"two", rx.local_addr()?)?;
/// let rx = std::sync::Arc::new(rx);
/// let first = ring.push(RecvSelect::new(rx.clone(), &bufs, 0, 0))?;
/// let second = ring.push(RecvSelect::new(rx.clone(), &bufs, 0, 0))?;
/// let (a, _) = ring.wait_for(first)?;
/// let (b, _) = ring.wait_for(second)?;
/// let (a, b) = (a?, b?);
/// assert_eq!((&*a, &*b), (&b"one"[..], &b"two"[..]));
/// assert_ne!(a.buffer_id(), b.buffer_id()); // two buffers of the ring
/// // Both buffers are out: the next receive finds none.
/// tx.send_to(b"three", rx.local_addr()?)?;
/// let third = ring.push(RecvSelect::new(rx.clone(), &bufs, 0, 0))?;
/// let (c, _) = ring.wait_for(third)?;
/// assert_eq!(c.unwrap_err().raw_os_error(), Some(libc::ENOBUFS));
/// # Ok(()) }
/// ```
#[cfg(liburing_has = "io_uring_prep_recv")]
#[doc(alias = "IOSQE_BUFFER_SELECT")]
#[doc(alias = "io_uring_prep_recv")]
#[derive(Debug)]
pub struct RecvSelect<F> {
    fd: F,
    bufs: crate::register::SelectingOne,
    len: u32,
    msg_flags: i32,
    sqe_flags: crate::OpFlags,
    personality: u16,
}

#[cfg(liburing_has = "io_uring_prep_recv")]
impl<F: IoFd> RecvSelect<F> {
    /// A receive of up to `len` bytes (0: a whole buffer) into a buffer of `bufs`.
    pub fn new(fd: F, bufs: &BufRing, len: u32, flags: i32) -> Self {
        RecvSelect {
            fd,
            bufs: crate::register::SelectingOne::new(bufs),
            len,
            msg_flags: flags,
            sqe_flags: crate::OpFlags::empty(),
            personality: 0,
        }
    }

    super::op_setters!();
}

#[cfg(liburing_has = "io_uring_prep_recv")]
impl<F: IoFd> super::private::Sealed for RecvSelect<F> {
    const OPCODE: u8 = sys::IORING_OP_RECV as u8;
    const VALIDATES: bool = true;
    const RECORDS: bool = true;
    fn validate(&self, ring: u64) -> Result<(), Refused> {
        self.fd.check(ring)?;
        self.bufs.check(ring)?;
        msg_flags_ok(
            self.msg_flags,
            RECV_SELECT_FLAGS,
            "only the reviewed MSG_* bits (RECV_SELECT_FLAGS) are passed to a receive into a \
             provided buffer",
        )
    }
    fn prepare(&mut self, sqe: &mut crate::entry::Sqe, _ring: u64) {
        *sqe = super::sqe(sys::IORING_OP_RECV, self.sqe_flags);
        sqe.personality = self.personality;
        sqe.set_fd(&self.fd);
        sqe.len = self.len;
        sqe.op_flags = self.msg_flags as u32;
        self.bufs.select(sqe);
    }
    fn record(&mut self, cqe: &Cqe) {
        self.bufs.record(cqe)
    }
}

#[cfg(liburing_has = "io_uring_prep_recv")]
impl<F: IoFd> super::Op for RecvSelect<F> {
    type Output = (io::Result<BufGuard>, F);
    fn complete(mut self, cqe: Cqe) -> Self::Output {
        (self.bufs.finish(&cqe), self.fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;
    use std::os::unix::net::UnixStream;

    #[test]
    fn allowlists_have_the_reviewed_bits() {
        assert_eq!(
            SEND_FLAGS,
            0x1 | 0x4 | 0x40 | 0x80 | 0x100 | 0x800 | 0x4000 | 0x8000
        );
        assert_eq!(
            RECV_FLAGS,
            0x1 | 0x2 | 0x20 | 0x40 | 0x100 | 0x2000 | 0x4000_0000
        );
        assert_eq!(RECV_MULTI_FLAGS, 0x20 | 0x40 | 0x4000_0000);
        assert_eq!(SEND_ZC_FLAGS, 0x1 | 0x8);
        assert_eq!(SOCKET_TYPE_FLAGS, 0x800 | 0x8_0000);
        for denied in [
            libc::MSG_ZEROCOPY,
            libc::MSG_FASTOPEN,
            0x800_0000, /* SPLICE_PAGES */
        ] {
            assert_eq!(SEND_FLAGS & denied, 0);
            assert_eq!(RECV_FLAGS & denied, 0);
        }
        assert_eq!(u32::from(sys::IORING_RECVSEND_POLL_FIRST as u16), 1);
        assert_eq!(sys::IORING_RECVSEND_FIXED_BUF & SEND_ZC_FLAGS, 0);
        assert_eq!(sys::IORING_RECV_MULTISHOT & SEND_ZC_FLAGS, 0);
    }

    #[cfg(liburing_has = "io_uring_prep_cmd_sock")]
    #[test]
    fn socket_commands_match_the_header() {
        assert_eq!(SOCK_GETSOCKOPT, sys::SOCKET_URING_OP_GETSOCKOPT);
        assert_eq!(SOCK_SETSOCKOPT, sys::SOCKET_URING_OP_SETSOCKOPT);
    }

    fn refused<O: Sealed>(op: &O) -> Option<(&'static str, u64)> {
        op.validate(0).err().map(|r| (r.what(), r.value()))
    }

    #[cfg(all(
        liburing_has = "io_uring_prep_send",
        liburing_has = "io_uring_prep_recv"
    ))]
    #[test]
    fn flag_words_outside_the_lists_are_refused() {
        let (a, _b) = UnixStream::pair().unwrap();
        let send = |flags| Send::new(a.try_clone().unwrap(), Vec::new(), flags);
        assert_eq!(refused(&send(libc::MSG_NOSIGNAL | libc::MSG_MORE)), None);
        assert_eq!(
            refused(&send(libc::MSG_DONTWAIT | libc::MSG_ZEROCOPY)),
            Some(("msg_flags", libc::MSG_ZEROCOPY as u64))
        );
        let recv = |flags| Recv::new(a.try_clone().unwrap(), Vec::new(), flags);
        assert_eq!(refused(&recv(libc::MSG_TRUNC | libc::MSG_PEEK)), None);
        assert_eq!(
            refused(&recv(1 << 29)),
            Some(("msg_flags", 1 << 29)) // MSG_FASTOPEN
        );
        #[cfg(liburing_has = "io_uring_prep_socket")]
        {
            assert_eq!(
                refused(&Socket::new(
                    libc::AF_INET,
                    libc::SOCK_STREAM | libc::SOCK_NONBLOCK,
                    0
                )),
                None
            );
            assert_eq!(
                refused(&Socket::new(
                    libc::AF_INET,
                    libc::SOCK_STREAM | (1 << 20),
                    0
                )),
                Some(("type", 1 << 20))
            );
        }
    }

    #[cfg(liburing_has = "io_uring_prep_send_zc")]
    #[test]
    fn zc_flags_outside_the_list_are_refused() {
        let (a, _b) = UnixStream::pair().unwrap();
        let zc = |flags| SendZc::new(a.try_clone().unwrap(), Vec::new(), 0, flags);
        assert_eq!(refused(&zc(1 | 8)), None);
        for bit in [1 << 1, 1 << 2, 1 << 4, 1 << 5, 1 << 6, 1 << 16] {
            assert_eq!(refused(&zc(bit)), Some(("zc_flags", u64::from(bit))));
        }
    }

    #[cfg(liburing_has = "io_uring_prep_cmd_sock")]
    #[test]
    fn socket_commands_outside_the_list_are_refused() {
        let (a, _b) = UnixStream::pair().unwrap();
        let cmd = |op, level| {
            CmdSock::new(
                op,
                a.try_clone().unwrap(),
                level,
                libc::SO_RCVBUF,
                Vec::new(),
            )
        };
        assert_eq!(refused(&cmd(0, 99)), None); // SIOCINQ ignores the level
        assert_eq!(refused(&cmd(SOCK_SETSOCKOPT, libc::SOL_SOCKET)), None);
        for name in [
            libc::SO_ATTACH_FILTER,
            libc::SO_ATTACH_BPF,
            libc::SO_ATTACH_REUSEPORT_CBPF,
            libc::SO_ATTACH_REUSEPORT_EBPF,
        ] {
            let attach = CmdSock::new(
                SOCK_SETSOCKOPT,
                a.try_clone().unwrap(),
                libc::SOL_SOCKET,
                name,
                vec![0; 16],
            );
            assert_eq!(refused(&attach), Some(("optname", name as u64)));
        }
        assert_eq!(refused(&cmd(4, libc::SOL_SOCKET)), Some(("cmd_op", 4)));
        assert_eq!(refused(&cmd(5, libc::SOL_SOCKET)), Some(("cmd_op", 5)));
        assert_eq!(
            refused(&cmd(SOCK_SETSOCKOPT, libc::IPPROTO_IP)),
            Some(("level", libc::IPPROTO_IP as u64))
        );
    }

    /// TCP counts the bytes `MSG_TRUNC` discards without copying them: the buffer must
    /// not claim whatever its spare room held before.
    #[cfg(liburing_has = "io_uring_prep_recv")]
    #[test]
    fn trunc_on_a_stream_claims_only_zeroed_bytes() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut tx = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (rx, _) = listener.accept().unwrap();
        tx.write_all(b"secret").unwrap();
        let mut stale = b"stale bytes here".to_vec();
        stale.clear(); // the spare room still holds them
        let mut ring = crate::Ring::new(4).unwrap();
        let t = ring.push(Recv::new(rx, stale, libc::MSG_TRUNC)).unwrap();
        let (n, _rx, buf) = ring.wait_for(t).unwrap();
        let n = n.unwrap();
        assert!((1..=6).contains(&n), "{n}");
        assert_eq!(
            buf,
            vec![0; n],
            "the kernel copied nothing; the op zeroed the room"
        );
    }

    /// A datagram longer than a provided buffer, received with `MSG_TRUNC`: the CQE counts
    /// it whole, the item is cut to the buffer, and the buffer goes back to the ring.
    #[cfg(liburing_has = "io_uring_prep_recv_multishot")]
    #[test]
    fn multishot_trunc_is_cut_and_the_buffer_comes_back() {
        let mut ring = crate::Ring::new(4).unwrap();
        let bufs = ring.register_buf_ring(2, 16, 3).unwrap();
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        tx.send_to(&[7; 100], rx.local_addr().unwrap()).unwrap();
        let recv = ring
            .push(RecvMulti::new(rx, &bufs, libc::MSG_TRUNC))
            .unwrap();
        let item = ring.next_shot(&recv).unwrap().expect("armed").unwrap();
        assert_eq!(&*item, &[7; 16][..]);
        assert_eq!(bufs.in_use(), 1);
        drop(item);
        assert_eq!(bufs.in_use(), 0);
        assert_eq!(bufs.armed(), 1);
    }

    #[test]
    fn recvmsg_lengths_are_cut_to_the_buffer() {
        // A header claiming more name, control and payload than the buffer holds.
        let words = [u32::MAX, 0, u32::MAX, libc::MSG_TRUNC as u32];
        let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        bytes.resize(RECVMSG_OUT + NAME_ROOM + 8, 0);
        let (from, payload, truncated) = parse_recvmsg(&bytes).unwrap();
        assert_eq!(
            (from, payload, truncated),
            (None, RECVMSG_OUT + NAME_ROOM..bytes.len(), true)
        );
        let words = [16u32, u32::MAX, 4, 0];
        let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_ne_bytes()).collect();
        bytes.resize(64, 0);
        let (_, payload, truncated) = parse_recvmsg(&bytes).unwrap();
        assert_eq!((payload, truncated), (64..64, false));
        // Shorter than the header: refused, not read past.
        assert!(parse_recvmsg(&[0; 8]).is_err());
    }
}
