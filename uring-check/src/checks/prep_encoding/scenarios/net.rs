//! Sockets: socket/accept (plain and direct), connect/bind/listen/shutdown, sends and
//! receives (plain, message, multishot, zero-copy), socket commands.

use super::*;
use system_liburing::fd::DirectSlot;
use system_liburing::op;

type R = Result<Vec<Diff>, String>;

const SEND: i32 = libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT;
const RECV: i32 = libc::MSG_WAITALL;

#[cfg(liburing_has = "io_uring_prep_socket")]
pub fn socket(env: &mut Env) -> R {
    let mut op = op::Socket::new(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 6);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_socket(
                    sqe,
                    libc::AF_INET,
                    libc::SOCK_STREAM | libc::SOCK_NONBLOCK,
                    6,
                    0,
                )
            },
            &[],
        )
    }
}

fn direct(env: &Env, alloc: bool) -> (DirectSlot, u32) {
    if alloc {
        (DirectSlot::Alloc, ALLOC)
    } else {
        (DirectSlot::At(env.slot()), SLOT)
    }
}

#[cfg(liburing_has = "io_uring_prep_socket_direct")]
fn socket_direct(env: &mut Env, alloc: bool) -> R {
    let (slot, index) = direct(env, alloc);
    let mut op = op::SocketDirect::new(libc::AF_UNIX, libc::SOCK_DGRAM, 0, slot);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_socket_direct(sqe, libc::AF_UNIX, libc::SOCK_DGRAM, 0, index, 0)
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_socket_direct")]
pub fn socket_direct_slot(env: &mut Env) -> R {
    socket_direct(env, false)
}

#[cfg(liburing_has = "io_uring_prep_socket_direct")]
pub fn socket_direct_alloc(env: &mut Env) -> R {
    socket_direct(env, true)
}

#[cfg(liburing_has = "io_uring_prep_socket_direct_alloc")]
pub fn socket_direct_alloc_helper(env: &mut Env) -> R {
    let mut op = op::SocketDirectAlloc::new(libc::AF_INET6, libc::SOCK_DGRAM, 17);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_socket_direct_alloc(sqe, libc::AF_INET6, libc::SOCK_DGRAM, 17, 0)
            },
            &[],
        )
    }
}

/// An accept scenario: no peer address asked for (null address and length on liburing's
/// side, as the crate's accept ops ask for none).
fn accept_like<O: Op>(
    env: &mut Env,
    make: impl FnOnce(&Env) -> O,
    prep: impl FnOnce(*mut sys::io_uring_sqe, i32),
) -> R {
    let fd = env.nullfd;
    let mut op = make(env);
    // SAFETY: no pointer rules.
    unsafe { env.pair(&mut op, |sqe| prep(sqe, fd), &[]) }
}

#[cfg(liburing_has = "io_uring_prep_accept")]
pub fn accept(env: &mut Env) -> R {
    use std::ptr::null_mut as null;
    accept_like(
        env,
        |env| op::Accept::new(env.null()),
        // SAFETY (in the closure): a fresh SQE; accept allows a null address and length.
        |sqe, fd| unsafe { sys::io_uring_prep_accept(sqe, fd, null(), null(), 0) },
    )
}

#[cfg(liburing_has = "io_uring_prep_accept_direct")]
fn accept_direct(env: &mut Env, alloc: bool) -> R {
    use std::ptr::null_mut as null;
    let (slot, index) = direct(env, alloc);
    accept_like(
        env,
        |env| op::AcceptDirect::new(env.null(), slot),
        // SAFETY (in the closure): as in accept.
        |sqe, fd| unsafe { sys::io_uring_prep_accept_direct(sqe, fd, null(), null(), 0, index) },
    )
}

#[cfg(liburing_has = "io_uring_prep_accept_direct")]
pub fn accept_direct_slot(env: &mut Env) -> R {
    accept_direct(env, false)
}

#[cfg(liburing_has = "io_uring_prep_accept_direct")]
pub fn accept_direct_alloc(env: &mut Env) -> R {
    accept_direct(env, true)
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept")]
pub fn multishot_accept(env: &mut Env) -> R {
    use std::ptr::null_mut as null;
    accept_like(
        env,
        |env| op::AcceptMulti::new(env.null()),
        // SAFETY (in the closure): as in accept.
        |sqe, fd| unsafe { sys::io_uring_prep_multishot_accept(sqe, fd, null(), null(), 0) },
    )
}

#[cfg(liburing_has = "io_uring_prep_multishot_accept_direct")]
pub fn multishot_accept_direct(env: &mut Env) -> R {
    use std::ptr::null_mut as null;
    accept_like(
        env,
        |env| op::AcceptMultiDirect::new(env.null()),
        // SAFETY (in the closure): as in accept.
        |sqe, fd| unsafe { sys::io_uring_prep_multishot_accept_direct(sqe, fd, null(), null(), 0) },
    )
}

/// A scenario that gives the socket an address (`connect`, `bind`): `127.0.0.1:port` as the
/// crate's `SocketAddr` and as the C caller's 16-byte `sockaddr_in`, compared byte for byte.
fn addressed<O: Op>(
    env: &mut Env,
    port: u16,
    make: impl FnOnce(&Env, std::net::SocketAddr) -> O,
    prep: impl FnOnce(*mut sys::io_uring_sqe, i32, *const libc::sockaddr_in, u32),
) -> R {
    let (addr, sin) = inet(port);
    let fd = env.nullfd;
    let mut op = make(env, addr);
    // SAFETY: the op's sockaddr lives in the op, `sin` through the call; 16 bytes each.
    unsafe {
        env.pair(
            &mut op,
            |sqe| prep(sqe, fd, &sin, SIN_LEN as u32),
            &[(Field::Addr, Pointee::Bytes(SIN_LEN))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_connect")]
pub fn connect(env: &mut Env) -> R {
    addressed(
        env,
        4242,
        |env, addr| op::Connect::new(env.null(), addr),
        // SAFETY (in the closure): a fresh SQE and a live sockaddr.
        |sqe, fd, sin, len| unsafe { sys::io_uring_prep_connect(sqe, fd, sin as _, len as _) },
    )
}

#[cfg(liburing_has = "io_uring_prep_bind")]
pub fn bind(env: &mut Env) -> R {
    addressed(
        env,
        4243,
        |env, addr| op::Bind::new(env.null(), addr),
        // SAFETY (in the closure): as in connect.
        |sqe, fd, sin, len| unsafe { sys::io_uring_prep_bind(sqe, fd, sin as _, len as _) },
    )
}

#[cfg(liburing_has = "io_uring_prep_listen")]
pub fn listen(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::Listen::new(env.null(), 77);
    // SAFETY: no pointer rules.
    unsafe { env.pair(&mut op, |sqe| sys::io_uring_prep_listen(sqe, fd, 77), &[]) }
}

#[cfg(liburing_has = "io_uring_prep_shutdown")]
pub fn shutdown(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::Shutdown::new(env.null(), libc::SHUT_WR);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_shutdown(sqe, fd, libc::SHUT_WR),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_send")]
pub fn send(env: &mut Env) -> R {
    let buf = vec![3u8; 41];
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let mut op = op::Send::new(env.null(), buf, SEND);
    // SAFETY: no pointer rules; liburing gets the op's own buffer.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_send(sqe, fd, p.cast(), 41, SEND),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_send")]
pub fn send_fixed_file(env: &mut Env) -> R {
    let buf = vec![3u8; 41];
    let p = buf.as_ptr();
    let mut op = op::Send::new(env.slot(), buf, SEND);
    // SAFETY: no pointer rules; the SQE is liburing's scratch entry.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_send(sqe, SLOT as i32, p.cast(), 41, SEND);
                fixed_file(sqe);
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_sendto")]
pub fn sendto(env: &mut Env) -> R {
    let buf = vec![3u8; 41];
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let (addr, sin) = inet(4244);
    let mut op = op::SendTo::new(env.null(), buf, SEND, addr);
    // SAFETY: the op's sockaddr lives in the op, `sin` through the call (addr2: 16 bytes).
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_sendto(
                    sqe,
                    fd,
                    p.cast(),
                    41,
                    SEND,
                    &sin as *const _ as _,
                    SIN_LEN as _,
                )
            },
            &[(Field::Off, Pointee::Bytes(SIN_LEN))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_recv")]
pub fn recv(env: &mut Env) -> R {
    let buf = Vec::<u8>::with_capacity(57);
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let mut op = op::Recv::new(env.null(), buf, RECV);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_recv(sqe, fd, p as _, 57, RECV),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_recv_multishot")]
pub fn recv_multishot(env: &mut Env) -> R {
    let fd = env.nullfd;
    let flags = libc::MSG_DONTWAIT;
    let mut op = op::RecvMulti::new(env.null(), env.buf_ring()?, flags);
    // SAFETY: no pointer rules; the SQE is liburing's scratch entry.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_recv_multishot(sqe, fd, std::ptr::null_mut(), 0, flags);
                buffer_select(sqe, BGID);
            },
            &[],
        )
    }
}

/// A `msghdr` as a C caller builds it: one iovec over `buf`, and a name (`name_len` bytes
/// at `name`, or none).
fn msghdr(iov: &libc::iovec, name: *mut libc::c_void, name_len: usize) -> libc::msghdr {
    // SAFETY: msghdr is plain old data; all zeroes is a valid, empty header.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = iov as *const _ as *mut _;
    m.msg_iovlen = 1;
    m.msg_name = name;
    m.msg_namelen = name_len as libc::socklen_t;
    m
}

#[cfg(liburing_has = "io_uring_prep_recvmsg")]
pub fn recvmsg(env: &mut Env) -> R {
    let buf = Vec::<u8>::with_capacity(61);
    let fd = env.nullfd;
    let iov = libc::iovec {
        iov_base: buf.as_ptr() as *mut _,
        iov_len: 61,
    };
    // SAFETY: plain old data.
    let mut name: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut msg = msghdr(
        &iov,
        (&mut name as *mut libc::sockaddr_storage).cast(),
        std::mem::size_of::<libc::sockaddr_storage>(),
    );
    let mut op = op::RecvMsg::new(env.null(), buf, RECV);
    // SAFETY: the op's msghdr, iovec and name room live in the op; `msg`, `iov` and `name`
    // through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_recvmsg(sqe, fd, &mut msg as *mut _ as _, RECV as _),
            &[(Field::Addr, Pointee::Msghdr { name_out: true })],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_recvmsg_multishot")]
pub fn recvmsg_multishot(env: &mut Env) -> R {
    let fd = env.nullfd;
    let flags = libc::MSG_TRUNC;
    // What a multishot receive's header says: room for a name of this size in each buffer,
    // no control data, no iovecs (the buffers come from the ring).
    // SAFETY: plain old data.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let mut op = op::RecvMsgMulti::new(env.null(), env.buf_ring()?, flags);
    // SAFETY: the op's msghdr lives in the op, `msg` through the call; neither has a name,
    // iovecs or control data.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_recvmsg_multishot(sqe, fd, &mut msg as *mut _ as _, flags as _);
                buffer_select(sqe, BGID);
            },
            &[(Field::Addr, Pointee::Msghdr { name_out: true })],
        )
    }
}

/// A send-message scenario: the op from `make`, liburing's helper from `prep`, both sending
/// `len` bytes at `p` to `127.0.0.1:4245`.
fn sendmsg_like<O: Op>(
    env: &mut Env,
    p: *const u8,
    len: usize,
    make: impl FnOnce(&Env, std::net::SocketAddr) -> O,
    prep: impl FnOnce(*mut sys::io_uring_sqe, i32, *const libc::msghdr),
) -> R {
    let fd = env.nullfd;
    let (addr, mut sin) = inet(4245);
    let iov = libc::iovec {
        iov_base: p as *mut _,
        iov_len: len,
    };
    let msg = msghdr(&iov, (&mut sin as *mut libc::sockaddr_in).cast(), SIN_LEN);
    let mut op = make(env, addr);
    // SAFETY: the op's msghdr, iovec and sockaddr live in the op; `msg`, `iov` and `sin`
    // through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| prep(sqe, fd, &msg),
            &[(Field::Addr, Pointee::Msghdr { name_out: false })],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_sendmsg")]
pub fn sendmsg(env: &mut Env) -> R {
    let buf = vec![5u8; 29];
    let p = buf.as_ptr();
    sendmsg_like(
        env,
        p,
        29,
        |env, addr| op::SendMsg::new(env.null(), buf, Some(addr), SEND),
        // SAFETY (in the closure): a scratch SQE and a live msghdr.
        |sqe, fd, msg| unsafe { sys::io_uring_prep_sendmsg(sqe, fd, msg as _, SEND as _) },
    )
}

#[cfg(liburing_has = "io_uring_prep_sendmsg_zc")]
pub fn sendmsg_zc(env: &mut Env) -> R {
    let buf = vec![5u8; 29];
    let p = buf.as_ptr();
    sendmsg_like(
        env,
        p,
        29,
        |env, addr| op::SendMsgZc::new(env.null(), buf, Some(addr), SEND),
        // SAFETY (in the closure): as in sendmsg.
        |sqe, fd, msg| unsafe { sys::io_uring_prep_sendmsg_zc(sqe, fd, msg as _, SEND as _) },
    )
}

#[cfg(liburing_has = "io_uring_prep_sendmsg_zc_fixed")]
pub fn sendmsg_zc_fixed(env: &mut Env) -> R {
    let mut buf = env.fixed_buf()?;
    buf.set_len(200);
    let (p, index) = (buf.as_ptr(), buf.index());
    sendmsg_like(
        env,
        p,
        200,
        |env, addr| op::SendMsgZcFixed::new(env.null(), buf, Some(addr), SEND),
        // SAFETY (in the closure): as in sendmsg.
        |sqe, fd, msg| unsafe {
            sys::io_uring_prep_sendmsg_zc_fixed(sqe, fd, msg as _, SEND as _, index.into())
        },
    )
}

#[cfg(liburing_has = "io_uring_prep_send_zc")]
pub fn send_zc(env: &mut Env) -> R {
    let buf = vec![9u8; 77];
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let zc = sys::IORING_RECVSEND_POLL_FIRST;
    let mut op = op::SendZc::new(env.null(), buf, SEND, zc);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_send_zc(sqe, fd, p.cast(), 77, SEND, zc),
            &[],
        )
    }
}

/// `SendZc::to` is liburing's `io_uring_prep_send_set_addr` (2.4); before that helper a C
/// caller wrote the two fields itself.
#[cfg(liburing_has = "io_uring_prep_send_zc")]
pub fn send_zc_to(env: &mut Env) -> R {
    let buf = vec![9u8; 77];
    let (p, fd) = (buf.as_ptr(), env.nullfd);
    let (addr, sin) = inet(4246);
    let mut op = op::SendZc::new(env.null(), buf, SEND, 0).to(addr);
    // SAFETY: the op's sockaddr lives in the op, `sin` through the call (addr2: 16 bytes);
    // the SQE is liburing's scratch entry.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_send_zc(sqe, fd, p.cast(), 77, SEND, 0);
                #[cfg(liburing_has = "io_uring_prep_send_set_addr")]
                sys::io_uring_prep_send_set_addr(sqe, &sin as *const _ as _, SIN_LEN as u16);
                #[cfg(not(liburing_has = "io_uring_prep_send_set_addr"))]
                {
                    sqe.cast::<u8>()
                        .add(8)
                        .cast::<u64>()
                        .write_unaligned(&sin as *const _ as u64);
                    sqe.cast::<u8>()
                        .add(44)
                        .cast::<u16>()
                        .write_unaligned(SIN_LEN as u16);
                }
            },
            &[(Field::Off, Pointee::Bytes(SIN_LEN))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_send_zc_fixed")]
pub fn send_zc_fixed(env: &mut Env) -> R {
    let mut buf = env.fixed_buf()?;
    buf.set_len(500);
    let (p, index, fd) = (buf.as_ptr(), buf.index(), env.nullfd);
    let zc = sys::IORING_RECVSEND_POLL_FIRST;
    let mut op = op::SendZcFixed::new(env.null(), buf, SEND, zc);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_send_zc_fixed(sqe, fd, p.cast(), 500, SEND, zc, index.into()),
            &[],
        )
    }
}

/// `SOCKET_URING_OP_GETSOCKOPT` / `SETSOCKOPT` (6.7).
const GETSOCKOPT: u32 = 2;
const SETSOCKOPT: u32 = 3;

#[cfg(liburing_has = "io_uring_prep_cmd_sock")]
pub fn cmd_sock_set(env: &mut Env) -> R {
    let val = 1i32.to_ne_bytes().to_vec();
    let (p, fd) = (val.as_ptr(), env.nullfd);
    let mut op = op::CmdSock::new(
        SETSOCKOPT,
        env.null(),
        libc::SOL_SOCKET,
        libc::SO_KEEPALIVE,
        val,
    );
    // SAFETY: no pointer rules; liburing gets the op's own value buffer.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_cmd_sock(
                    sqe,
                    SETSOCKOPT as _,
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_KEEPALIVE,
                    p as _,
                    4,
                )
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_cmd_sock")]
pub fn cmd_sock_get(env: &mut Env) -> R {
    let val = Vec::<u8>::with_capacity(4);
    let (p, fd) = (val.as_ptr(), env.nullfd);
    let mut op = op::CmdSock::new(
        GETSOCKOPT,
        env.null(),
        libc::SOL_SOCKET,
        libc::SO_RCVBUF,
        val,
    );
    // SAFETY: no pointer rules; liburing gets the op's own value buffer (its room).
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_cmd_sock(
                    sqe,
                    GETSOCKOPT as _,
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_RCVBUF,
                    p as _,
                    4,
                )
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_cmd_getsockname")]
pub fn cmd_getsockname(env: &mut Env) -> R {
    let fd = env.nullfd;
    // SAFETY: plain old data.
    let mut name: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let mut op = op::CmdGetsockname::new(env.null(), true);
    // SAFETY: the op's name room and length live in the op; `name` and `len` through the
    // call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_cmd_getsockname(
                    sqe,
                    fd,
                    &mut name as *mut _ as _,
                    &mut len as *mut _ as _,
                    1,
                )
            },
            &[
                (Field::Addr, Pointee::Out),
                (
                    Field::Addr3,
                    Pointee::Bytes(std::mem::size_of::<libc::socklen_t>()),
                ),
            ],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_uring_cmd")]
pub fn uring_cmd(env: &mut Env) -> R {
    let fd = env.nullfd;
    let cmd_op = 0x1234_5678u32;
    let mut op = op::UringCmd::new(cmd_op, env.null());
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_uring_cmd(sqe, cmd_op as _, fd),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_uring_cmd128")]
pub fn uring_cmd128(env: &mut Env) -> R {
    let fd = env.nullfd;
    let cmd_op = 0x1234_5678u32;
    let mut op = op::UringCmd128::new(cmd_op, env.null());
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_uring_cmd128(sqe, cmd_op as _, fd),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_send_bundle")]
pub fn send_bundle(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::SendBundle::new(env.null(), env.send_buf_ring()?, SEND);
    // SAFETY: no pointer rules; the SQE is liburing's scratch entry.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_send_bundle(sqe, fd, 0, SEND);
                buffer_select(sqe, SEND_BGID);
            },
            &[],
        )
    }
}
