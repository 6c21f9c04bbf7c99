//! Sockets.

use super::{addr_len_word, count, define_ops, owned_fd, target_slot, unit, Multishot, Shots};
use crate::buf::{IoBuf, IoBufMut};
use crate::register::{BufGuard, BufRing, FixedBuf};
use crate::{sys, Cqe, CqeFlags};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{OwnedFd, RawFd};

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

impl SockAddr {
    /// liburing's `io_uring_prep_send_set_addr`: a send's destination in `sqe->addr2`, its
    /// length in `sqe->addr_len`.
    fn set_send_addr(&self, sqe: &mut crate::sq::Sqe) {
        sqe.off = &self.storage as *const libc::sockaddr_storage as u64;
        sqe.file_index = addr_len_word(self.len as u16);
    }

    /// Room for any address (what a receive fills in).
    fn empty() -> SockAddr {
        SockAddr {
            // SAFETY: sockaddr_storage is plain old data; all zeroes is a valid value.
            storage: unsafe { std::mem::zeroed() },
            len: std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t,
        }
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
/// second (`IORING_CQE_F_NOTIF`). Returns whether this CQE was the result.
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
    /// `socket(2)` (the fd is close-on-exec).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Socket, Ring};
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
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_socket", IORING_OP_SOCKET, "5.19"]
    Socket(domain: i32, ty: i32, protocol: i32) { domain: i32 = domain, ty: i32 = ty | libc::SOCK_CLOEXEC, protocol: i32 = protocol }
    prepare(&mut self, sqe) {
        sqe.fd = self.domain;
        sqe.off = self.ty as u64;
        sqe.len = self.protocol as u32;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `accept4(2)` on a listening socket (the new fd is close-on-exec).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::Accept, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// // accept4(fd, NULL, NULL, SOCK_CLOEXEC)
    /// let t = ring.push(Accept::new(listener.as_raw_fd()))?;
    /// let conn = TcpStream::from(ring.wait_for(t)??);
    /// assert_eq!(conn.peer_addr()?, client.local_addr()?);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_accept", IORING_OP_ACCEPT, "5.5", fixed_file]
    Accept(fd: RawFd) { fd: RawFd = fd }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = libc::SOCK_CLOEXEC as u32;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `connect(2)` to `addr`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    /// use system_liburing::{op::Connect, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// // SAFETY: socket(2) takes no pointers.
    /// let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    /// assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    /// // SAFETY: a fresh fd that nothing else owns.
    /// let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    /// let t = ring.push(Connect::new(sock.as_raw_fd(), listener.local_addr()?))?;
    /// ring.wait_for(t)??;
    /// let (_conn, from) = listener.accept()?;
    /// assert_eq!(TcpStream::from(sock).local_addr()?, from);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_connect", IORING_OP_CONNECT, "5.5", fixed_file]
    Connect(fd: RawFd, addr: SocketAddr) { fd: RawFd = fd, addr: SockAddr = addr.into() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = &self.addr.storage as *const libc::sockaddr_storage as u64;
        sqe.off = u64::from(self.addr.len);
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `send(2)` of an owned buffer's initialised bytes (`flags`: `libc::MSG_*`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::Send, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// let t = ring.push(Send::new(a.as_raw_fd(), b"ping".to_vec(), 0))?;
    /// let (sent, buf) = ring.wait_for(t)?;
    /// assert_eq!((sent?, buf.as_slice()), (4, &b"ping"[..])); // the buffer comes back
    /// let mut got = [0; 4];
    /// b.read_exact(&mut got)?;
    /// assert_eq!(&got, b"ping");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send", IORING_OP_SEND, "5.6", fixed_file]
    Send<B: IoBuf>(fd: RawFd, buf: B, flags: i32) { fd: RawFd = fd, buf: B = buf, msg_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, B) { (count(&cqe), self.buf) }

    /// `recv(2)` into an owned buffer; hands it back with its length set to what arrived.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::Recv, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (mut a, b) = UnixStream::pair()?;
    /// a.write_all(b"ping")?;
    /// let t = ring.push(Recv::new(b.as_raw_fd(), Vec::with_capacity(64), 0))?;
    /// let (n, buf) = ring.wait_for(t)?;
    /// assert_eq!(n?, 4);
    /// assert_eq!(buf, b"ping"); // len() is the count received
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recv", IORING_OP_RECV, "5.6", fixed_file]
    Recv<B: IoBufMut>(fd: RawFd, buf: B, flags: i32) { fd: RawFd = fd, buf: B = buf, msg_flags: i32 = flags }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.stable_mut_ptr() as u64;
        sqe.len = self.buf.bytes_total().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, B) {
        let res = count(&cqe);
        if let Ok(n) = res {
            // SAFETY: the kernel wrote n bytes, at most the length we gave it.
            unsafe { self.buf.set_init(n) };
        }
        (res, self.buf)
    }

    /// `shutdown(2)` (`how`: `libc::SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::Shutdown, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// let t = ring.push(Shutdown::new(a.as_raw_fd(), libc::SHUT_WR))?;
    /// ring.wait_for(t)??;
    /// let mut rest = Vec::new();
    /// assert_eq!(b.read_to_end(&mut rest)?, 0); // the peer sees end of stream
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_shutdown", IORING_OP_SHUTDOWN, "5.11", unmanaged, fixed_file]
    Shutdown(fd: RawFd, how: i32) { fd: RawFd = fd, how: i32 = how }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.how as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `accept4(2)` into the registered file table: slot `file_index`, or any free slot
    /// with [`FILE_INDEX_ALLOC`](super::FILE_INDEX_ALLOC). Completes with the slot.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{AcceptDirect, Send, FILE_INDEX_ALLOC};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?; // io_uring_register_files_sparse
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let mut client = TcpStream::connect(listener.local_addr()?)?;
    /// let t = ring.push(AcceptDirect::new(listener.as_raw_fd(), FILE_INDEX_ALLOC))?;
    /// let slot = ring.wait_for(t)??;
    /// assert!(slot < 4);
    /// // The connection has no fd, only its slot: ops name it with fixed_file().
    /// let t = ring.push(Send::new(slot as i32, &b"hi"[..], 0).fixed_file())?;
    /// assert_eq!(ring.wait_for(t)?.0?, 2);
    /// let mut got = [0; 2];
    /// client.read_exact(&mut got)?;
    /// assert_eq!(&got, b"hi");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_accept_direct", IORING_OP_ACCEPT, "5.15", fixed_file]
    AcceptDirect(fd: RawFd, file_index: u32) { fd: RawFd = fd, file_index: u32 = file_index }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.file_index = target_slot(self.file_index);
    }
    complete(self, cqe) -> io::Result<u32> { super::direct_slot(&cqe, self.file_index) }

    /// Multishot `accept4(2)`: one SQE accepts connection after connection; each becomes an
    /// item ([`Ring::next_shot`](crate::Ring::next_shot)) of the stream, as an owned fd.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{AcceptMulti, AsyncCancel};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let accept = ring.push(AcceptMulti::new(listener.as_raw_fd()))?;
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
    /// assert!(ring.wait_for(accept)?.is_empty()); // every item was taken
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_multishot_accept", IORING_OP_ACCEPT, "5.19", fixed_file]
    AcceptMulti(fd: RawFd) { fd: RawFd = fd, shots: Shots = Shots::default() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = libc::SOCK_CLOEXEC as u32;
        sqe.ioprio = sys::IORING_ACCEPT_MULTISHOT as u16;
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    complete(self, _cqe) -> Vec<io::Result<OwnedFd>> { std::iter::from_fn(|| self.take_item()).collect() }

    /// Multishot accept into free slots of the registered file table; each item is a slot.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{AcceptMultiDirect, Send};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?;
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let accept = ring.push(AcceptMultiDirect::new(listener.as_raw_fd()))?;
    /// let mut client = TcpStream::connect(listener.local_addr()?)?;
    /// let slot = ring.next_shot(&accept)?.expect("still armed")?;
    /// assert!(slot < 4);
    /// let t = ring.push(Send::new(slot as i32, &b"hi"[..], 0).fixed_file())?;
    /// assert_eq!(ring.wait_for(t)?.0?, 2);
    /// let mut got = [0; 2];
    /// client.read_exact(&mut got)?;
    /// assert_eq!(&got, b"hi");
    /// // Still armed: AsyncCancel::ticket(&accept) stops it (dropping the ring does too).
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_multishot_accept_direct", IORING_OP_ACCEPT, "5.19", fixed_file]
    AcceptMultiDirect(fd: RawFd) { fd: RawFd = fd, shots: Shots = Shots::default() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.ioprio = sys::IORING_ACCEPT_MULTISHOT as u16;
        sqe.file_index = super::FILE_INDEX_ALLOC;
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    complete(self, _cqe) -> Vec<io::Result<u32>> { std::iter::from_fn(|| self.take_item()).collect() }

    /// `socket(2)` into slot `file_index` of the registered file table (`SOCK_CLOEXEC` is
    /// dropped from `ty`: a slot is no fd, and the kernel refuses it there).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::TcpListener;
    /// use system_liburing::op::{Connect, SocketDirect};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?;
    /// let t = ring.push(SocketDirect::new(libc::AF_INET, libc::SOCK_STREAM, 0, 3))?;
    /// assert_eq!(ring.wait_for(t)??, 3);
    /// // The socket exists only in slot 3: connect it through the ring.
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let t = ring.push(Connect::new(3, listener.local_addr()?).fixed_file())?;
    /// ring.wait_for(t)??;
    /// listener.set_nonblocking(true)?;
    /// listener.accept()?; // the connection is already there
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_socket_direct", IORING_OP_SOCKET, "5.19"]
    SocketDirect(domain: i32, ty: i32, protocol: i32, file_index: u32) {
        domain: i32 = domain, ty: i32 = ty & !libc::SOCK_CLOEXEC, protocol: i32 = protocol, file_index: u32 = file_index
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.domain;
        sqe.off = self.ty as u64;
        sqe.len = self.protocol as u32;
        sqe.file_index = target_slot(self.file_index);
    }
    complete(self, cqe) -> io::Result<u32> { super::direct_slot(&cqe, self.file_index) }

    /// `socket(2)` into a free slot of the registered file table; completes with the slot
    /// (`SOCK_CLOEXEC` is dropped from `ty`, as for [`SocketDirect`]).
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
    /// assert!(slot < 4);
    /// let rx = UdpSocket::bind("127.0.0.1:0")?;
    /// let msg = SendMsg::new(slot as i32, b"hi".to_vec(), Some(rx.local_addr()?), 0);
    /// let t = ring.push(msg.fixed_file())?;
    /// assert_eq!(ring.wait_for(t)?.0?, 2);
    /// let mut buf = [0; 8];
    /// let n = rx.recv(&mut buf)?;
    /// assert_eq!(&buf[..n], b"hi");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_socket_direct_alloc", IORING_OP_SOCKET, "5.19"]
    SocketDirectAlloc(domain: i32, ty: i32, protocol: i32) { domain: i32 = domain, ty: i32 = ty & !libc::SOCK_CLOEXEC, protocol: i32 = protocol }
    prepare(&mut self, sqe) {
        sqe.fd = self.domain;
        sqe.off = self.ty as u64;
        sqe.len = self.protocol as u32;
        sqe.file_index = super::FILE_INDEX_ALLOC;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Multishot `recv(2)` into buffers of a provided buffer ring: each item is a
    /// [`BufGuard`] with the bytes that arrived (an empty one at end of stream); running out
    /// of buffers ends the stream with `ENOBUFS` (give buffers back, then push it again).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Write;
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use system_liburing::{op::RecvMulti, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_buf_ring(4, 64, 0)?; // 4 buffers of 64 bytes, group 0
    /// let (mut a, b) = UnixStream::pair()?;
    /// let recv = ring.push(RecvMulti::new(b.as_raw_fd(), &bufs, 0))?;
    /// for msg in [&b"one"[..], b"two"] {
    ///     a.write_all(msg)?;
    ///     let buf = ring.next_shot(&recv)?.expect("still armed")?;
    ///     assert_eq!(&*buf, msg); // dropping `buf` gives it back to the ring
    /// }
    /// drop(a);
    /// assert!(ring.next_shot(&recv)?.expect("the EOF item")?.is_empty());
    /// assert!(ring.next_shot(&recv)?.is_none()); // the stream has ended
    /// assert!(ring.wait_for(recv)?.is_empty());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recv_multishot", IORING_OP_RECV, "6.0", fixed_file]
    RecvMulti(fd: RawFd, bufs: &BufRing, flags: i32) {
        fd: RawFd = fd, bufs: BufRing = bufs.clone(), msg_flags: i32 = flags, shots: Shots = Shots::default()
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECV_MULTISHOT as u16;
        sqe.flags |= crate::SqeFlags::BUFFER_SELECT.bits();
        sqe.buf_index = self.bufs.bgid();
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    validate(&self, ring) { same_ring(&self.bufs, ring) }
    complete(self, _cqe) -> Vec<io::Result<BufGuard>> { std::iter::from_fn(|| self.take_item()).collect() }

    /// `recvmsg(2)` into an owned buffer; hands back the buffer (length set) and the
    /// sender's address.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::RecvMsg, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// tx.send_to(b"hello", rx.local_addr()?)?;
    /// let t = ring.push(RecvMsg::new(rx.as_raw_fd(), Vec::with_capacity(64), 0))?;
    /// let (n, buf, from) = ring.wait_for(t)?;
    /// assert_eq!(n?, 5);
    /// assert_eq!(buf, b"hello");
    /// assert_eq!(from, Some(tx.local_addr()?));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recvmsg", IORING_OP_RECVMSG, "5.3", fixed_file]
    RecvMsg<B: IoBufMut>(fd: RawFd, buf: B, flags: i32) {
        fd: RawFd = fd, buf: B = buf, msg_flags: i32 = flags, name: SockAddr = SockAddr::empty(), msg: MsgHdr = MsgHdr::default()
    }
    prepare(&mut self, sqe) {
        let (base, len) = (self.buf.stable_mut_ptr(), self.buf.bytes_total());
        sqe.fd = self.fd;
        sqe.addr = self.msg.point(base, len, Some(&mut self.name));
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, B, Option<SocketAddr>) {
        let res = count(&cqe);
        if let Ok(n) = res {
            // SAFETY: the kernel wrote n bytes, at most the length we gave it.
            unsafe { self.buf.set_init(n) };
        }
        self.name.len = self.msg.hdr.msg_namelen;
        let from = res.as_ref().ok().and(self.name.as_socket_addr());
        (res, self.buf, from)
    }

    /// Multishot `recvmsg(2)` into buffers of a provided buffer ring: each item is a
    /// [`RecvMsgOut`] (sender address and payload, parsed from liburing's
    /// `io_uring_recvmsg_out` layout).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{AsyncCancel, RecvMsgMulti};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let bufs = ring.register_buf_ring(4, 256, 0)?; // room for header, address and payload
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let recv = ring.push(RecvMsgMulti::new(rx.as_raw_fd(), &bufs, 0))?;
    /// for i in 0..2u8 {
    ///     tx.send_to(&[i; 5], rx.local_addr()?)?;
    ///     let msg = ring.next_shot(&recv)?.expect("still armed")?;
    ///     assert_eq!((msg.payload(), msg.from()), (&[i; 5][..], Some(tx.local_addr()?)));
    /// }
    /// ring.push_with_user_data(AsyncCancel::ticket(&recv), 1)?;
    /// while let Some(item) = ring.next_shot(&recv)? {
    ///     assert_eq!(item.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    /// }
    /// assert!(ring.wait_for(recv)?.is_empty());
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_recvmsg_multishot", IORING_OP_RECVMSG, "6.0", fixed_file]
    RecvMsgMulti(fd: RawFd, bufs: &BufRing, flags: i32) {
        fd: RawFd = fd, bufs: BufRing = bufs.clone(), msg_flags: i32 = flags, msg: MsgHdr = MsgHdr::default(),
        shots: Shots = Shots::default()
    }
    prepare(&mut self, sqe) {
        // Only the name length matters here: the kernel lays out each buffer as header,
        // name, control, payload.
        self.msg.hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        sqe.fd = self.fd;
        sqe.addr = &mut self.msg.hdr as *mut libc::msghdr as u64;
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECV_MULTISHOT as u16;
        sqe.flags |= crate::SqeFlags::BUFFER_SELECT.bits();
        sqe.buf_index = self.bufs.bgid();
    }
    record(&mut self, cqe) { self.shots.push(cqe) }
    validate(&self, ring) { same_ring(&self.bufs, ring) }
    complete(self, _cqe) -> Vec<io::Result<RecvMsgOut>> { std::iter::from_fn(|| self.take_item()).collect() }

    /// `sendmsg(2)` of an owned buffer, to `to` when given (unconnected sockets).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SendMsg, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// // sendmsg(fd, &msg, 0) with msg_name = rx's address
    /// let msg = SendMsg::new(tx.as_raw_fd(), b"hello".to_vec(), Some(rx.local_addr()?), 0);
    /// let t = ring.push(msg)?;
    /// assert_eq!(ring.wait_for(t)?.0?, 5);
    /// let mut buf = [0; 16];
    /// let (n, from) = rx.recv_from(&mut buf)?;
    /// assert_eq!((&buf[..n], from), (&b"hello"[..], tx.local_addr()?));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendmsg", IORING_OP_SENDMSG, "5.3", fixed_file]
    SendMsg<B: IoBuf>(fd: RawFd, buf: B, to: Option<SocketAddr>, flags: i32) {
        fd: RawFd = fd, buf: B = buf, to: Option<SockAddr> = to.map(SockAddr::from), msg_flags: i32 = flags,
        msg: MsgHdr = MsgHdr::default()
    }
    prepare(&mut self, sqe) {
        let (base, len) = (self.buf.stable_ptr() as *mut u8, self.buf.bytes_init());
        sqe.fd = self.fd;
        sqe.addr = self.msg.point(base, len, self.to.as_mut());
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, B) { (count(&cqe), self.buf) }

    /// Zero-copy `sendmsg(2)`: the buffer comes back only after the kernel's notification
    /// CQE says it no longer reads it; the result is the first CQE's count.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SendMsgZc, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let t = ring.push(SendMsgZc::new(tx.as_raw_fd(), vec![7; 512], Some(rx.local_addr()?), 0))?;
    /// let (sent, buf) = ring.wait_for(t)?; // after both CQEs: result, then notification
    /// assert_eq!((sent?, buf.len()), (512, 512));
    /// let mut got = [0; 1024];
    /// let (n, from) = rx.recv_from(&mut got)?;
    /// assert_eq!((n, from), (512, tx.local_addr()?));
    /// assert!(got[..n].iter().all(|&b| b == 7));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendmsg_zc", IORING_OP_SENDMSG_ZC, "6.1", fixed_file]
    SendMsgZc<B: IoBuf>(fd: RawFd, buf: B, to: Option<SocketAddr>, flags: i32) {
        fd: RawFd = fd, buf: B = buf, to: Option<SockAddr> = to.map(SockAddr::from), msg_flags: i32 = flags,
        msg: MsgHdr = MsgHdr::default(), first: Option<i32> = None
    }
    prepare(&mut self, sqe) {
        let (base, len) = (self.buf.stable_ptr() as *mut u8, self.buf.bytes_init());
        sqe.fd = self.fd;
        sqe.addr = self.msg.point(base, len, self.to.as_mut());
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    complete(self, cqe) -> (io::Result<usize>, B) { (zc_result(self.first, &cqe), self.buf) }

    /// Zero-copy `send(2)` (`IORING_OP_SEND_ZC`): the kernel sends from the buffer's pages
    /// without copying, so the buffer comes back only after its notification CQE
    /// (`IORING_CQE_F_NOTIF`); the result is the first CQE's count.
    /// [`to`](SendZc::to) is liburing's `io_uring_prep_send_set_addr`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SendZc, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// // io_uring_prep_send_zc + io_uring_prep_send_set_addr
    /// let op = SendZc::new(tx.as_raw_fd(), b"zero-copy".to_vec(), 0, 0).to(rx.local_addr()?);
    /// let t = ring.push(op)?;
    /// let (sent, buf) = ring.wait_for(t)?; // after the notification CQE
    /// assert_eq!((sent?, buf.as_slice()), (9, &b"zero-copy"[..]));
    /// let mut got = [0; 16];
    /// let (n, from) = rx.recv_from(&mut got)?;
    /// assert_eq!((&got[..n], from), (&b"zero-copy"[..], tx.local_addr()?));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send_zc", IORING_OP_SEND_ZC, "6.0", fixed_file]
    SendZc<B: IoBuf>(fd: RawFd, buf: B, flags: i32, zc_flags: u32) {
        fd: RawFd = fd, buf: B = buf, msg_flags: i32 = flags, zc_flags: u16 = zc_flags as u16,
        to: Option<SockAddr> = None, first: Option<i32> = None
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = self.zc_flags;
        if let Some(to) = &self.to {
            to.set_send_addr(sqe);
        }
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    complete(self, cqe) -> (io::Result<usize>, B) { (zc_result(self.first, &cqe), self.buf) }

    /// Zero-copy send of a registered buffer's `len()` bytes (`IORING_RECVSEND_FIXED_BUF`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read;
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SendZcFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0); // io_uring_register_buffers
    /// buf.set_len(5);
    /// buf.copy_from_slice(b"fixed");
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// let (mut server, _) = listener.accept()?;
    /// let t = ring.push(SendZcFixed::new(client.as_raw_fd(), buf, 0, 0))?;
    /// let (sent, buf) = ring.wait_for(t)?;
    /// assert_eq!((sent?, buf.index()), (5, 0)); // the registered buffer comes back
    /// let mut got = [0; 5];
    /// server.read_exact(&mut got)?;
    /// assert_eq!(&got, b"fixed");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_send_zc_fixed", IORING_OP_SEND_ZC, "6.0", fixed_file]
    SendZcFixed(fd: RawFd, buf: FixedBuf, flags: i32, zc_flags: u32) {
        fd: RawFd = fd, buf: FixedBuf = buf, msg_flags: i32 = flags, zc_flags: u16 = zc_flags as u16,
        first: Option<i32> = None
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.as_mut_ptr() as u64;
        sqe.len = self.buf.len().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = self.zc_flags | sys::IORING_RECVSEND_FIXED_BUF as u16;
        sqe.buf_index = self.buf.index();
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    complete(self, cqe) -> (io::Result<usize>, FixedBuf) { (zc_result(self.first, &cqe), self.buf) }

    /// `bind(2)` (kernel 6.11).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{Bind, Socket};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Socket::new(libc::AF_INET, libc::SOCK_DGRAM, 0))?;
    /// let sock = ring.wait_for(t)??;
    /// // bind(fd, 127.0.0.1 port 0): the kernel picks the port
    /// let t = ring.push(Bind::new(sock.as_raw_fd(), "127.0.0.1:0".parse().unwrap()))?;
    /// ring.wait_for(t)??;
    /// let addr = UdpSocket::from(sock).local_addr()?;
    /// assert_eq!(addr.ip().to_string(), "127.0.0.1");
    /// assert_ne!(addr.port(), 0);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_bind", IORING_OP_BIND, "6.11", fixed_file]
    Bind(fd: RawFd, addr: SocketAddr) { fd: RawFd = fd, addr: SockAddr = addr.into() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = &self.addr.storage as *const libc::sockaddr_storage as u64;
        sqe.off = u64::from(self.addr.len);
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `listen(2)` (kernel 6.11).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::{TcpListener, TcpStream};
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{Bind, Listen, Socket};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let t = ring.push(Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0))?;
    /// let sock = ring.wait_for(t)??;
    /// let t = ring.push(Bind::new(sock.as_raw_fd(), "127.0.0.1:0".parse().unwrap()))?;
    /// ring.wait_for(t)??;
    /// let t = ring.push(Listen::new(sock.as_raw_fd(), 8))?; // listen(fd, 8)
    /// ring.wait_for(t)??;
    /// let listener = TcpListener::from(sock);
    /// let client = TcpStream::connect(listener.local_addr()?)?;
    /// assert_eq!(listener.accept()?.1, client.local_addr()?);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_listen", IORING_OP_LISTEN, "6.11", unmanaged, fixed_file]
    Listen(fd: RawFd, backlog: i32) { fd: RawFd = fd, backlog: i32 = backlog }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.backlog as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `sendto(2)`: [`Send`] of an owned buffer's initialised bytes to `to` (unconnected
    /// sockets), liburing's `io_uring_prep_send` + `io_uring_prep_send_set_addr`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SendTo, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let t = ring.push(SendTo::new(tx.as_raw_fd(), b"hi".to_vec(), 0, rx.local_addr()?))?;
    /// assert_eq!(ring.wait_for(t)?.0?, 2);
    /// let mut got = [0u8; 8];
    /// let (n, from) = rx.recv_from(&mut got)?;
    /// assert_eq!((&got[..n], from), (&b"hi"[..], tx.local_addr()?));
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendto", IORING_OP_SEND, "6.0", fixed_file]
    SendTo<B: IoBuf>(fd: RawFd, buf: B, flags: i32, to: SocketAddr) {
        fd: RawFd = fd, buf: B = buf, msg_flags: i32 = flags, to: SockAddr = to.into()
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.buf.stable_ptr() as u64;
        sqe.len = self.buf.bytes_init().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.msg_flags as u32;
        self.to.set_send_addr(sqe);
    }
    complete(self, cqe) -> (io::Result<usize>, B) { (count(&cqe), self.buf) }

    /// A socket command (`IORING_OP_URING_CMD` on a socket, kernel 6.7): `cmd_op` is one of
    /// `SOCKET_URING_OP_SIOCINQ` / `SIOCOUTQ` (the bytes queued, as the result),
    /// `GETSOCKOPT` (the option is read into `optval`'s spare capacity, which comes back
    /// with its length set) or `SETSOCKOPT` (`optval`'s bytes are the value). Other commands
    /// are refused at push time: they read these fields as pointers (getsockname has its
    /// own op, [`CmdGetsockname`]).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::CmdSock, sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let sock = UdpSocket::bind("127.0.0.1:0")?;
    /// let (fd, level, name) = (sock.as_raw_fd(), libc::SOL_SOCKET, libc::SO_RCVBUF);
    /// let set = 65536i32.to_ne_bytes().to_vec();
    /// let t = ring.push(CmdSock::new(sys::SOCKET_URING_OP_SETSOCKOPT, fd, level, name, set))?;
    /// ring.wait_for(t)?.0?;
    /// let get = Vec::with_capacity(4);
    /// let t = ring.push(CmdSock::new(sys::SOCKET_URING_OP_GETSOCKOPT, fd, level, name, get))?;
    /// let (len, val) = ring.wait_for(t)?;
    /// assert_eq!((len?, val.len()), (4, 4));
    /// // Linux doubles SO_RCVBUF for its bookkeeping.
    /// assert_eq!(i32::from_ne_bytes(val[..4].try_into().unwrap()), 2 * 65536);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cmd_sock", IORING_OP_URING_CMD, "6.7", fixed_file]
    CmdSock(cmd_op: u32, fd: RawFd, level: i32, optname: i32, optval: Vec<u8>) {
        cmd_op: u32 = cmd_op, fd: RawFd = fd, level: i32 = level, optname: i32 = optname, optval: Vec<u8> = optval
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = u64::from(self.cmd_op);
        sqe.addr = level_optname(self.level, self.optname);
        if self.cmd_op == sys::SOCKET_URING_OP_GETSOCKOPT {
            sqe.addr3 = self.optval.as_mut_ptr() as u64;
            sqe.file_index = self.optval.capacity().min(i32::MAX as usize) as u32;
        } else {
            sqe.addr3 = self.optval.as_ptr() as u64;
            sqe.file_index = self.optval.len().min(i32::MAX as usize) as u32;
        }
    }
    validate(&self, _ring) { sock_cmd_ok(self.cmd_op) }
    complete(self, cqe) -> (io::Result<u32>, Vec<u8>) {
        let res = cqe.result();
        if let (Ok(n), true) = (&res, self.cmd_op == sys::SOCKET_URING_OP_GETSOCKOPT) {
            let n = (*n as usize).min(self.optval.capacity());
            // SAFETY: getsockopt wrote n bytes of the spare capacity it was given.
            unsafe { self.optval.set_len(n) };
        }
        (res, self.optval)
    }

    /// `getsockname(2)` (or `getpeername(2)` with `peer`) through the ring
    /// (`SOCKET_URING_OP_GETSOCKNAME`, kernel 6.19; older kernels answer `EINVAL` or
    /// `EOPNOTSUPP`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::CmdGetsockname, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let sock = UdpSocket::bind("127.0.0.1:0")?;
    /// let t = ring.push(CmdGetsockname::new(sock.as_raw_fd(), false))?;
    /// match ring.wait_for(t)? {
    ///     Ok(addr) => assert_eq!(addr, sock.local_addr()?),
    ///     Err(e) if [libc::EINVAL, libc::EOPNOTSUPP].contains(&e.raw_os_error().unwrap_or(0)) => {
    ///         eprintln!("this kernel predates SOCKET_URING_OP_GETSOCKNAME");
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_cmd_getsockname", IORING_OP_URING_CMD, "6.19", fixed_file]
    CmdGetsockname(fd: RawFd, peer: bool) { fd: RawFd = fd, peer: bool = peer, name: SockAddr = SockAddr::empty() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = u64::from(sys::SOCKET_URING_OP_GETSOCKNAME);
        sqe.addr = &mut self.name.storage as *mut libc::sockaddr_storage as u64;
        sqe.addr3 = &mut self.name.len as *mut libc::socklen_t as u64;
        sqe.file_index = u32::from(self.peer);
    }
    complete(self, cqe) -> io::Result<SocketAddr> {
        cqe.result()?;
        self.name
            .as_socket_addr()
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
    }

    /// A raw `IORING_OP_URING_CMD` (kernel 5.19): command `cmd_op` for the file's driver,
    /// with the SQE's command area zeroed (commands that need more, such as NVMe
    /// passthrough, need 128-byte SQEs and the raw layer). Completes with the driver's
    /// result. On a TCP or UDP socket, `SOCKET_URING_OP_SIOCINQ` gives the bytes waiting to
    /// be read (for UDP, the size of the next datagram); sockets without an `ioctl` in
    /// their protocol (AF_UNIX) answer `EOPNOTSUPP`.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::UringCmd, sys, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// tx.send_to(b"12345", rx.local_addr()?)?;
    /// let t = ring.push(UringCmd::new(sys::SOCKET_URING_OP_SIOCINQ, rx.as_raw_fd()))?;
    /// assert_eq!(ring.wait_for(t)??, 5);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_uring_cmd", IORING_OP_URING_CMD, "5.19", unmanaged, fixed_file]
    UringCmd(cmd_op: u32, fd: RawFd) { cmd_op: u32 = cmd_op, fd: RawFd = fd }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.off = u64::from(self.cmd_op);
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }

    /// Zero-copy `sendmsg(2)` of a registered buffer's `len()` bytes
    /// (`IORING_RECVSEND_FIXED_BUF`), to `to` when given: the buffer comes back after the
    /// notification CQE, with the first CQE's count.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::SendMsgZcFixed, Ring};
    /// let mut ring = Ring::new(8)?;
    /// let mut buf = ring.register_buffers(1, 4096)?.remove(0);
    /// buf.set_len(3);
    /// buf.copy_from_slice(b"zc!");
    /// let (rx, tx) = (UdpSocket::bind("127.0.0.1:0")?, UdpSocket::bind("127.0.0.1:0")?);
    /// let t = ring.push(SendMsgZcFixed::new(tx.as_raw_fd(), buf, Some(rx.local_addr()?), 0))?;
    /// let (n, _buf) = ring.wait_for(t)?; // after IORING_CQE_F_NOTIF
    /// assert_eq!(n?, 3);
    /// let mut got = [0u8; 8];
    /// let n = rx.recv(&mut got)?;
    /// assert_eq!(&got[..n], b"zc!");
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_sendmsg_zc_fixed", IORING_OP_SENDMSG_ZC, "6.14", fixed_file]
    SendMsgZcFixed(fd: RawFd, buf: FixedBuf, to: Option<SocketAddr>, flags: i32) {
        fd: RawFd = fd, buf: FixedBuf = buf, to: Option<SockAddr> = to.map(SockAddr::from), msg_flags: i32 = flags,
        msg: MsgHdr = MsgHdr::default(), first: Option<i32> = None
    }
    prepare(&mut self, sqe) {
        let len = self.buf.len();
        let base = self.buf.as_mut_ptr();
        sqe.fd = self.fd;
        sqe.addr = self.msg.point(base, len, self.to.as_mut());
        sqe.len = 1;
        sqe.op_flags = self.msg_flags as u32;
        sqe.ioprio = sys::IORING_RECVSEND_FIXED_BUF as u16;
        sqe.buf_index = self.buf.index();
    }
    record(&mut self, cqe) { zc_record(&mut self.first, cqe) }
    complete(self, cqe) -> (io::Result<usize>, FixedBuf) { (zc_result(self.first, &cqe), self.buf) }
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
const NAME_ROOM: usize = std::mem::size_of::<libc::sockaddr_storage>();

fn recvmsg_out(buf: BufGuard) -> io::Result<RecvMsgOut> {
    if buf.is_empty() {
        return Ok(RecvMsgOut {
            buf,
            from: None,
            payload: 0..0,
            truncated: false,
        });
    }
    let word = |i: usize| -> io::Result<u32> {
        buf.get(i * 4..i * 4 + 4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
    };
    let (namelen, controllen, payloadlen, flags) = (word(0)?, word(1)?, word(2)?, word(3)?);
    let start = RECVMSG_OUT + NAME_ROOM + controllen as usize;
    let end = (start + payloadlen as usize).min(buf.len());
    let name = &buf[RECVMSG_OUT..(RECVMSG_OUT + NAME_ROOM).min(buf.len())];
    let from = parse_sockaddr(name.as_ptr(), (namelen as usize).min(name.len()));
    Ok(RecvMsgOut {
        from,
        payload: start.min(end)..end,
        truncated: flags & libc::MSG_TRUNC as u32 != 0,
        buf,
    })
}

/// Ops that select from a buffer ring must be queued on the ring it is registered with:
/// otherwise the buffer ids of their CQEs would name another ring's buffers.
pub(super) fn same_ring(bufs: &BufRing, ring: u64) -> Result<(), &'static str> {
    if bufs.inner.ring_id == ring {
        Ok(())
    } else {
        Err("the buffer ring is registered with another ring")
    }
}

/// A buffer-selecting CQE's buffer, or the end of stream / errno it reports.
pub(super) fn selected(bufs: &BufRing, cqe: &Cqe) -> io::Result<BufGuard> {
    let n = cqe.result()?;
    match cqe.buffer_id() {
        Some(bid) => bufs.take(bid, n),
        None if n == 0 => Ok(BufGuard::eof()),
        None => Err(io::Error::from_raw_os_error(libc::EINVAL)),
    }
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept")]
impl Multishot for AcceptMulti {
    type Item = io::Result<OwnedFd>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.shots.pop().map(|c| owned_fd(&c))
    }
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept")]
impl Drop for AcceptMulti {
    /// Connections accepted but never taken are closed, not leaked.
    fn drop(&mut self) {
        while self.take_item().is_some() {}
    }
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept_direct")]
impl Multishot for AcceptMultiDirect {
    type Item = io::Result<u32>;
    fn take_item(&mut self) -> Option<Self::Item> {
        self.shots.pop().map(|c| c.result())
    }
}

#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
impl Multishot for RecvMulti {
    type Item = io::Result<BufGuard>;
    fn take_item(&mut self) -> Option<Self::Item> {
        let c = self.shots.pop()?;
        Some(selected(&self.bufs, &c))
    }
}

#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
impl Drop for RecvMulti {
    /// Buffers received but never taken go back to the ring.
    fn drop(&mut self) {
        while self.take_item().is_some() {}
    }
}

#[cfg(liburing_has = "io_uring_prep_recvmsg_multishot")]
impl Multishot for RecvMsgMulti {
    type Item = io::Result<RecvMsgOut>;
    fn take_item(&mut self) -> Option<Self::Item> {
        let c = self.shots.pop()?;
        Some(selected(&self.bufs, &c).and_then(recvmsg_out))
    }
}

#[cfg(liburing_has = "io_uring_prep_recvmsg_multishot")]
impl Drop for RecvMsgMulti {
    fn drop(&mut self) {
        while self.take_item().is_some() {}
    }
}

#[cfg(liburing_has = "io_uring_prep_send_zc")]
impl<B: IoBuf> SendZc<B> {
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

/// The socket commands [`CmdSock`] may send: SIOCINQ, SIOCOUTQ, GETSOCKOPT, SETSOCKOPT
/// (0..=3, written out so a header that renumbers cannot widen the set). The others read
/// `sqe->addr` / `addr3` as pointers of their own.
#[allow(dead_code)]
fn sock_cmd_ok(cmd_op: u32) -> Result<(), &'static str> {
    if cmd_op <= 3 {
        Ok(())
    } else {
        Err("CmdSock sends only SIOCINQ, SIOCOUTQ, GETSOCKOPT and SETSOCKOPT")
    }
}
