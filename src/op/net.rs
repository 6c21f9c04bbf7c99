//! Sockets.

use super::{count, define_ops, owned_fd, unit};
use crate::buf::{IoBuf, IoBufMut};
use std::io;
use std::net::SocketAddr;
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
    ["io_uring_prep_socket", IORING_OP_SOCKET, "5.19"]
    Socket(domain: i32, ty: i32, protocol: i32) { domain: i32 = domain, ty: i32 = ty | libc::SOCK_CLOEXEC, protocol: i32 = protocol }
    prepare(&mut self, sqe) {
        sqe.fd = self.domain;
        sqe.off = self.ty as u64;
        sqe.len = self.protocol as u32;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `accept4(2)` on a listening socket (the new fd is close-on-exec).
    ["io_uring_prep_accept", IORING_OP_ACCEPT, "5.5", fixed_file]
    Accept(fd: RawFd) { fd: RawFd = fd }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.op_flags = libc::SOCK_CLOEXEC as u32;
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }

    /// `connect(2)` to `addr`.
    ["io_uring_prep_connect", IORING_OP_CONNECT, "5.5", fixed_file]
    Connect(fd: RawFd, addr: SocketAddr) { fd: RawFd = fd, addr: SockAddr = addr.into() }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = &self.addr.storage as *const libc::sockaddr_storage as u64;
        sqe.off = u64::from(self.addr.len);
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `send(2)` of an owned buffer's initialised bytes (`flags`: `libc::MSG_*`).
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
    ["io_uring_prep_shutdown", IORING_OP_SHUTDOWN, "5.11", unmanaged, fixed_file]
    Shutdown(fd: RawFd, how: i32) { fd: RawFd = fd, how: i32 = how }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.len = self.how as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
}

// SAFETY: sockaddr_storage is plain bytes; moving it between threads is harmless.
unsafe impl std::marker::Send for SockAddr {}
