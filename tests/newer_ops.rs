//! The ops for helpers liburing added after 2.3 (pipe, read multishot, vectored fixed I/O,
//! msg_ring fd passing and flags, epoll_wait, futex_waitv, socket commands, sendto...), run
//! against the kernel where the linked liburing has them: the behaviour their docs promise
//! beyond the doc examples — slots that really hold the files, refusals before the kernel
//! sees anything, buffer exhaustion reported and recovered from.

mod common;

#[cfg(not(all(
    liburing_has = "io_uring_prep_pipe",
    liburing_has = "io_uring_prep_read_multishot",
    liburing_has = "io_uring_prep_readv_fixed",
    liburing_has = "io_uring_prep_msg_ring_fd",
    liburing_has = "io_uring_prep_cmd_getsockname"
)))]
#[test]
#[ignore = "the linked liburing predates these helpers (2.15 has them), so their ops do not exist"]
fn newer_ops() {}

#[cfg(all(
    liburing_has = "io_uring_prep_pipe",
    liburing_has = "io_uring_prep_read_multishot",
    liburing_has = "io_uring_prep_readv_fixed",
    liburing_has = "io_uring_prep_msg_ring_fd",
    liburing_has = "io_uring_prep_cmd_getsockname"
))]
mod ops {
    use super::common;
    use std::io::Write as _;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
    use std::sync::atomic::AtomicU32;
    use std::sync::Arc;
    use system_liburing::fd::{DirectSlot, Fixed};
    use system_liburing::op::*;
    use system_liburing::{sys, PushError, Refused, Ring, Ticket};

    fn ring(what: &str) -> Option<Ring> {
        common::ring_or_skip(Ring::builder().entries(16), what)
    }

    /// Pushes `op`, or records a skip when this kernel's probe lacks its opcode.
    fn push_or_skip<O: Op>(ring: &mut Ring, op: O, what: &str) -> Option<Ticket<O>> {
        match ring.push(op) {
            Ok(t) => Some(t),
            Err(PushError::Unsupported(..)) => {
                common::skip(what, format_args!("this kernel's probe lacks the opcode"));
                None
            }
            Err(e) => panic!("{what}: push failed: {e}"),
        }
    }

    /// The refusal a push ended with (the op itself is dropped).
    fn refused<O: Op + std::fmt::Debug>(ring: &mut Ring, op: O) -> Refused {
        match ring.push(op) {
            Err(PushError::Invalid(_, why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// Whether this kernel's probe has `opcode`; records the skip when it does not (a ring
    /// refuses such an op with `Unsupported` before it looks at the arguments).
    fn kernel_has(ring: &Ring, opcode: u32, what: &str) -> bool {
        let has = ring.probe().map_or(true, |p| p.is_supported(opcode));
        if !has {
            common::skip(
                what,
                format_args!("this kernel's probe lacks opcode {opcode}"),
            );
        }
        has
    }

    /// Socket commands (`IORING_OP_URING_CMD` on a socket) came in 6.7; the opcode is older,
    /// so an older kernel answers the command itself with `EOPNOTSUPP`: record the skip.
    fn socket_commands_missing(e: &std::io::Error, what: &str) -> bool {
        let missing = e.raw_os_error() == Some(libc::EOPNOTSUPP);
        if missing {
            common::skip(
                what,
                format_args!("kernel without socket commands (6.7): {e}"),
            );
        }
        missing
    }

    /// Writes `msg` through fixed slot `w` and reads it back through fixed slot `r`.
    fn round_trip_through_slots(ring: &mut Ring, r: Fixed, w: Fixed, msg: &[u8]) {
        let t = ring.push(Write::new(w, msg.to_vec(), u64::MAX)).unwrap();
        assert_eq!(ring.wait_for(t).unwrap().0.unwrap(), msg.len());
        let t = ring
            .push(Read::new(r, Vec::with_capacity(64), u64::MAX))
            .unwrap();
        let (n, _, buf) = ring.wait_for(t).unwrap();
        assert_eq!((n.unwrap(), buf.as_slice()), (msg.len(), msg));
    }

    #[test]
    fn pipe_direct_fills_the_slots_it_reports() {
        let Some(mut ring) = ring("pipe direct") else {
            return;
        };
        ring.register_files_sparse(8).unwrap();
        let at = |ring: &Ring, i| DirectSlot::At(ring.fixed_file(i));
        let op = PipeDirect::new(0, at(&ring, 4));
        let Some(t) = push_or_skip(&mut ring, op, "pipe direct") else {
            return;
        };
        let (r, w) = ring.wait_for(t).unwrap().unwrap();
        assert_eq!((r, w), (ring.fixed_file(4), ring.fixed_file(5)));
        round_trip_through_slots(&mut ring, r, w, b"explicit slots");

        let t = ring.push(PipeDirect::new(0, DirectSlot::Alloc)).unwrap();
        let (r2, w2) = ring.wait_for(t).unwrap().unwrap();
        let (i, j) = (r2.index(), w2.index());
        assert!(i < 8 && j < 8 && i != j && ![4, 5].contains(&i) && ![4, 5].contains(&j));
        round_trip_through_slots(&mut ring, r2, w2, b"allocated slots");

        // O_CLOEXEC, which the kernel refuses for slots, is dropped rather than failing.
        let t = ring
            .push(PipeDirect::new(libc::O_CLOEXEC, at(&ring, 0)))
            .unwrap();
        let (r0, w0) = ring.wait_for(t).unwrap().unwrap();
        assert_eq!((r0.index(), w0.index()), (0, 1));
        round_trip_through_slots(&mut ring, r0, w0, b"cloexec dropped");

        // A slot past the table is the kernel's EINVAL, not a panic.
        let t = ring.push(PipeDirect::new(0, at(&ring, 7))).unwrap();
        assert!(ring.wait_for(t).unwrap().is_err());

        // The write end goes in the next slot: one whose plus-one form would become the
        // allocation marker is refused before the kernel sees it, as is another ring's slot.
        let op = PipeDirect::new(0, at(&ring, u32::MAX - 2));
        let why = refused(&mut ring, op);
        assert_eq!(
            (why.what(), why.value()),
            ("file_index", u64::from(u32::MAX - 1))
        );
        let other = Ring::new(2).unwrap();
        let why = refused(&mut ring, PipeDirect::new(0, at(&other, 0)));
        assert_eq!(why.what(), "fd");
    }

    #[test]
    fn pipe_fds_are_owned_and_close_on_exec() {
        let Some(mut ring) = ring("pipe") else {
            return;
        };
        let Some(t) = push_or_skip(&mut ring, Pipe::new(libc::O_NONBLOCK), "pipe") else {
            return;
        };
        let (rx, tx) = ring.wait_for(t).unwrap().unwrap();
        for fd in [rx.as_raw_fd(), tx.as_raw_fd()] {
            // SAFETY: F_GETFD on an fd we own.
            let fd_flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            assert_ne!(fd_flags & libc::FD_CLOEXEC, 0);
            // SAFETY: F_GETFL on an fd we own.
            let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
            assert_ne!(fl & libc::O_NONBLOCK, 0, "the flags given reach pipe2");
        }
        // The pair is connected: what the write end takes, the ring reads from the read end.
        std::fs::File::from(tx).write_all(b"through").unwrap();
        let t = ring
            .push(Read::new(rx, Vec::with_capacity(16), u64::MAX))
            .unwrap();
        let (n, _rx, buf) = ring.wait_for(t).unwrap();
        assert_eq!((n.unwrap(), buf.as_slice()), (7, &b"through"[..]));
    }

    #[test]
    fn read_multishot_reports_running_out_of_buffers_and_rearms() {
        let Some(mut ring) = ring("read multishot") else {
            return;
        };
        let bufs = ring.register_buf_ring(2, 16, 3).unwrap();
        let (rx, mut tx) = std::os::unix::net::UnixStream::pair().unwrap();
        let Some(t) = push_or_skip(&mut ring, ReadMulti::new(rx, &bufs, 0, 0), "read multishot")
        else {
            return;
        };
        // Keep both buffers: the third message finds the ring empty.
        let mut held = Vec::new();
        for msg in [&b"a"[..], b"bb"] {
            tx.write_all(msg).unwrap();
            let b = ring.next_shot(&t).unwrap().unwrap().unwrap();
            assert_eq!(&*b, msg);
            held.push(b);
        }
        assert_eq!(bufs.in_use(), 2);
        tx.write_all(b"ccc").unwrap();
        let err = ring.next_shot(&t).unwrap().unwrap().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENOBUFS));
        assert!(
            ring.next_shot(&t).unwrap().is_none(),
            "ENOBUFS ends the stream"
        );
        let (rest, rx) = ring.wait_for(t).unwrap();
        assert!(rest.is_empty(), "every item was taken");
        // Give the buffers back and re-arm on the socket the op handed back: the data that
        // waited is read.
        held.clear();
        assert_eq!(bufs.in_use(), 0);
        let t = ring.push(ReadMulti::new(rx, &bufs, 0, 0)).unwrap();
        let b = ring.next_shot(&t).unwrap().unwrap().unwrap();
        assert_eq!(&*b, b"ccc");
        drop(b);
        let cancel = ring.push(AsyncCancel::ticket(&t)).unwrap();
        ring.wait_for(cancel).unwrap().unwrap();
        let (rest, _rx) = ring.wait_for(t).unwrap();
        assert!(
            rest.iter().all(|r| r.is_err()),
            "only the cancellation is left"
        );
        assert_eq!(bufs.in_use(), 0, "no buffer leaked");
    }

    #[test]
    fn read_multishot_refuses_another_rings_buffers() {
        let (Some(mut ring), Some(mut other)) = (ring("read multishot"), ring("read multishot"))
        else {
            return;
        };
        if !kernel_has(&ring, sys::IORING_OP_READ_MULTISHOT, "read multishot") {
            return;
        }
        let bufs = other.register_buf_ring(2, 16, 1).unwrap();
        let (rx, _tx) = common::pipe();
        let why = refused(&mut ring, ReadMulti::new(rx, &bufs, 0, 0));
        assert!(why.why().contains("another ring"), "{why}");
        // Nor does the op arm the other ring's group: it can still be unregistered.
        other.unregister_buf_ring(&bufs).unwrap();
    }

    #[test]
    fn vectored_fixed_ops_stay_inside_their_buffer() {
        let Some(mut ring) = ring("readv/writev fixed") else {
            return;
        };
        if !kernel_has(&ring, sys::IORING_OP_READV_FIXED, "readv/writev fixed") {
            return;
        }
        let mut bufs = ring.register_buffers(3, 64).unwrap();
        let (rx, tx) = common::pipe();
        let (rx, tx) = (Arc::new(rx), Arc::new(tx));
        // Past the capacity (read) / length (write): refused before the kernel sees it.
        let why = refused(
            &mut ring,
            ReadvFixed::new(rx.clone(), bufs.remove(0), vec![0..8, 60..65], 0, 0),
        );
        assert_eq!((why.what(), why.value()), ("ranges", 65));
        assert!(why.why().contains("past"), "{why}");
        let mut empty = bufs.remove(0);
        empty.set_len(0);
        let why = refused(
            &mut ring,
            WritevFixed::new(tx.clone(), empty, vec![0..1, 0..0], 0, 0),
        );
        assert_eq!((why.what(), why.value()), ("ranges", 1));
        let buf = bufs.remove(0);

        let mut b = buf;
        b.set_len(6);
        b.copy_from_slice(b"abcdef");
        let Some(t) = push_or_skip(
            &mut ring,
            WritevFixed::new(tx.clone(), b, vec![3..6, 0..3], u64::MAX, 0),
            "writev fixed",
        ) else {
            return;
        };
        let (n, _, b) = ring.wait_for(t).unwrap();
        assert_eq!(n.unwrap(), 6);
        // The 6 bytes fill the first range and part of the second: len() ends just past them.
        let t = ring
            .push(ReadvFixed::new(
                rx.clone(),
                b,
                vec![10..12, 40..45],
                u64::MAX,
                0,
            ))
            .unwrap();
        let (n, _, b) = ring.wait_for(t).unwrap();
        assert_eq!(n.unwrap(), 6);
        assert_eq!(
            (&b[10..12], &b[40..44], b.len()),
            (&b"de"[..], &b"fabc"[..], 44)
        );
    }

    #[test]
    fn msg_ring_fd_moves_a_working_file_between_rings() {
        let (Some(mut ring), Some(mut target)) = (ring("msg_ring fd"), ring("msg_ring fd")) else {
            return;
        };
        let (rx, tx) = common::pipe();
        ring.register_files(&[Some(&rx), Some(&tx)]).unwrap();
        target.register_files_sparse(4).unwrap();
        // Each op holds a handle on the target ring until it completes.
        let to = Arc::new(target.as_fd().try_clone_to_owned().unwrap());
        let t = ring
            .push(MsgRingFd::new(to.clone(), ring.fixed_file(0), 2, 11, 0))
            .unwrap();
        ring.wait_for(t).unwrap().0.unwrap();
        let t = ring
            .push(MsgRingFdAlloc::new(to.clone(), ring.fixed_file(1), 12, 0))
            .unwrap();
        let picked = ring.wait_for(t).unwrap().0.unwrap();
        let (a, b) = (target.wait().unwrap(), target.wait().unwrap());
        assert_eq!((a.user_data(), a.raw_result()), (11, 0));
        assert_eq!(b.user_data(), 12);
        let w = b.result().unwrap();
        assert!(w < 4 && w != 2);
        assert_eq!(picked, w, "the sender learns the slot the kernel picked");
        drop((rx, tx)); // the slots hold their own references
        let (r, w) = (target.fixed_file(2), target.fixed_file(w));
        round_trip_through_slots(&mut target, r, w, b"moved");

        // The posted user_data may not be in the crate's half, and CQE framing flags are out.
        let op = MsgRingFd::new(to.clone(), ring.fixed_file(0), 3, 1 << 63, 0);
        let why = refused(&mut ring, op);
        assert_eq!(why.what(), "user_data");
        for flags in [1 << 5, 1 << 15] {
            let why = refused(&mut ring, MsgRingCqeFlags::new(to.clone(), 0, 1, flags));
            assert_eq!((why.what(), why.value()), ("cqe_flags", u64::from(flags)));
        }
        // The file sent is one of this ring's slots, never the target's (a number there
        // names another table); a target slot must have a plus-one form.
        let why = refused(
            &mut ring,
            MsgRingFd::new(to.clone(), target.fixed_file(0), 3, 1, 0),
        );
        assert_eq!(why.what(), "source");
        let op = MsgRingFd::new(to.clone(), ring.fixed_file(0), u32::MAX - 1, 1, 0);
        let why = refused(&mut ring, op);
        assert_eq!(why.what(), "target_slot");
        // Nothing of the refused sends reached the target.
        assert!(target.peek().unwrap().is_none());
    }

    #[test]
    fn epoll_wait_and_futex_waitv_errors_are_clean() {
        let Some(mut ring) = ring("epoll_wait / futex_waitv") else {
            return;
        };
        // SAFETY: epoll_create1 has no memory-safety preconditions.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(epfd >= 0);
        // SAFETY: a fresh fd, ours alone (closed when the last Arc goes).
        let ep = Arc::new(unsafe { OwnedFd::from_raw_fd(epfd) });
        // No room, or more than the kernel allows (or memory holds): refused, never an abort.
        let epoll_wait = kernel_has(&ring, sys::IORING_OP_EPOLL_WAIT, "epoll_wait");
        for n in [0, usize::MAX / 2, 1 << 40]
            .into_iter()
            .filter(|_| epoll_wait)
        {
            assert!(
                matches!(
                    ring.push(EpollWait::new(ep.clone(), n, 0)),
                    Err(PushError::Invalid(..))
                ),
                "maxevents {n}"
            );
        }
        // No epoll_wait flag is reviewed (EPOLL_WAIT_FLAGS is empty).
        let why = refused(&mut ring, EpollWait::new(ep.clone(), 4, 1));
        assert_eq!(why.value(), 1);
        assert_eq!(
            Arc::strong_count(&ep),
            1,
            "refused ops dropped their handles"
        );

        let word = Arc::new(AtomicU32::new(5));
        if let Some(t) = push_or_skip(
            &mut ring,
            FutexWaitv::new(vec![(word.clone(), 5), (word.clone(), 4)], 0),
            "futex_waitv",
        ) {
            let err = ring.wait_for(t).unwrap().unwrap_err();
            assert_eq!(
                err.raw_os_error(),
                Some(libc::EAGAIN),
                "a word already differs"
            );
        }
    }

    #[test]
    fn socket_commands_name_both_ends_and_count_queued_bytes() {
        let Some(mut ring) = ring("socket commands") else {
            return;
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = Arc::new(TcpStream::connect(listener.local_addr().unwrap()).unwrap());
        let (mut server, _) = listener.accept().unwrap();
        server.write_all(b"queued").unwrap();

        // SIOCINQ through the raw command: what the client has to read.
        let mut queued = 0;
        for _ in 0..100 {
            let t = ring
                .push(UringCmd::new(sys::SOCKET_URING_OP_SIOCINQ, client.clone()))
                .unwrap();
            queued = match ring.wait_for(t).unwrap().0 {
                Ok(n) => n,
                Err(e) if socket_commands_missing(&e, "socket commands") => return,
                Err(e) => panic!("SIOCINQ: {e}"),
            };
            if queued == 6 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(queued, 6);

        let t = ring
            .push(CmdGetsockname::new(client.clone(), false))
            .unwrap();
        match ring.wait_for(t).unwrap().0 {
            Ok(local) => {
                assert_eq!(local, client.local_addr().unwrap());
                let t = ring
                    .push(CmdGetsockname::new(client.clone(), true))
                    .unwrap();
                assert_eq!(
                    ring.wait_for(t).unwrap().0.unwrap(),
                    listener.local_addr().unwrap()
                );
            }
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP)) => {
                common::skip(
                    "getsockname command",
                    format_args!("this kernel lacks SOCKET_URING_OP_GETSOCKNAME ({e})"),
                );
            }
            Err(e) => panic!("getsockname: {e}"),
        }

        // getsockopt fills the buffer's spare capacity and sets its length.
        let t = ring
            .push(CmdSock::new(
                sys::SOCKET_URING_OP_GETSOCKOPT,
                client.clone(),
                libc::SOL_SOCKET,
                libc::SO_TYPE,
                Vec::with_capacity(4),
            ))
            .unwrap();
        let (n, _, val) = ring.wait_for(t).unwrap();
        assert_eq!(n.unwrap(), 4);
        assert_eq!(
            i32::from_ne_bytes(val[..].try_into().unwrap()),
            libc::SOCK_STREAM
        );

        // Commands that read the SQE's fields as pointers of their own (getsockname is 5)
        // are not CmdSock's: refused before the kernel could write through them.
        for cmd in [4, sys::SOCKET_URING_OP_GETSOCKNAME, 99] {
            let why = refused(
                &mut ring,
                CmdSock::new(cmd, client.clone(), libc::SOL_SOCKET, 0, Vec::new()),
            );
            assert_eq!((why.what(), why.value()), ("cmd_op", u64::from(cmd)));
        }
        // Socket options only at SOL_SOCKET: other levels' options can carry pointers.
        let why = refused(
            &mut ring,
            CmdSock::new(
                sys::SOCKET_URING_OP_GETSOCKOPT,
                client.clone(),
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                Vec::with_capacity(4),
            ),
        );
        assert_eq!(why.what(), "level");
    }

    /// On 128-byte-SQE rings an op fills only the first half of its slot; a driver command
    /// reads the second too, which must not carry what an earlier raw SQE left there.
    #[test]
    fn sqe128_slots_are_handed_out_with_a_clean_second_half() {
        let Some(mut ring) = common::ring_with_feature_or_skip(
            Ring::builder()
                .entries(1)
                .setup_flags(system_liburing::SetupFlags::SQE128),
            "SQE128",
        ) else {
            return;
        };
        // SAFETY: the raw SQE is a NOP that points at nothing; the 128 bytes written are the
        // slot's own (the ring has 128-byte SQEs); user_data 1 has bit 63 clear.
        unsafe {
            let mut sqe = ring.get_sqe().expect("one free slot");
            std::ptr::write_bytes(sqe.as_mut_ptr().cast::<u8>(), 0xab, 128);
            sqe.prep_nop();
            sqe.set_data64(1);
        }
        ring.submit().unwrap();
        assert_eq!(ring.wait().unwrap().user_data(), 1);

        // The single slot comes round again, to a driver command this time (SIOCINQ on a UDP
        // socket: the kernel reads the 128-byte SQE's command area too).
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let t = ring
            .push(UringCmd::new(sys::SOCKET_URING_OP_SIOCINQ, sock))
            .unwrap();
        // SAFETY: reading the ring's SQE array (slot 0, 128 bytes), which nobody writes until
        // submit; the pointer comes from liburing's initialised ring.
        let second_half = unsafe {
            let sqes = (*ring.as_raw_mut()).sq.sqes.cast::<u8>();
            std::slice::from_raw_parts(sqes.add(64), 64).to_vec()
        };
        assert!(second_half.iter().all(|&b| b == 0), "{second_half:x?}");
        match ring.wait_for(t).unwrap().0 {
            Ok(n) => assert_eq!(n, 0, "nothing queued"),
            Err(e) if socket_commands_missing(&e, "SQE128 socket command") => {}
            Err(e) => panic!("SIOCINQ: {e}"),
        }
    }
}
