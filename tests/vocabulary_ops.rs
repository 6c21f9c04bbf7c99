//! The ops added for the whole-vocabulary table, each run once against the kernel: the
//! cwd-relative fs variants, openat2, direct (registered-file) opens / sockets / accepts,
//! vectored v2 I/O, xattrs, msg_ring, multishot poll and poll/timeout updates, cancel by
//! fd, files update, legacy provided buffers, madvise and epoll_ctl.

mod common;

#[cfg(not(all(
    liburing_has = "io_uring_prep_msg_ring",
    liburing_has = "io_uring_prep_socket_direct_alloc",
    liburing_has = "io_uring_prep_fgetxattr"
)))]
#[test]
#[ignore = "the linked liburing predates these helpers (2.3), so their ops do not exist"]
fn vocabulary_ops() {}

#[cfg(all(
    liburing_has = "io_uring_prep_msg_ring",
    liburing_has = "io_uring_prep_socket_direct_alloc",
    liburing_has = "io_uring_prep_fgetxattr"
))]
mod ops {
    use super::common;
    use std::ffi::CString;
    use std::io::Write as _;
    use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
    use std::sync::Arc;
    use std::time::Duration;
    use system_liburing::fd::{Cwd, DirectSlot};
    use system_liburing::op::*;
    use system_liburing::{sys, CqeFlags, PushError, Ring};

    fn ring(what: &str) -> Option<Ring> {
        common::ring_or_skip(Ring::builder().entries(32), what)
    }

    fn tmpdir(tag: &str) -> std::path::PathBuf {
        let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("vocab-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn c(p: &std::path::Path) -> CString {
        CString::new(p.to_str().unwrap()).unwrap()
    }

    #[test]
    fn cwd_relative_fs_ops_and_openat2() {
        let Some(mut ring) = ring("fs variants") else {
            return;
        };
        let d = tmpdir("fs");
        let (a, b, sub, sym, hard) = (
            d.join("a"),
            d.join("b"),
            d.join("sub"),
            d.join("sym"),
            d.join("hard"),
        );
        std::fs::write(&a, b"hello").unwrap();
        let t = ring.push(Rename::new(c(&a), c(&b))).unwrap();
        ring.wait_for(t).unwrap().unwrap();
        assert!(!a.exists() && b.exists());
        let t = ring.push(Mkdir::new(c(&sub), 0o755)).unwrap();
        ring.wait_for(t).unwrap().unwrap();
        assert!(sub.is_dir());
        let t = ring.push(Symlink::new(c(&b), c(&sym))).unwrap();
        ring.wait_for(t).unwrap().unwrap();
        assert_eq!(std::fs::read_link(&sym).unwrap(), b);
        let t = ring.push(Link::new(c(&b), c(&hard), 0)).unwrap();
        ring.wait_for(t).unwrap().unwrap();
        assert_eq!(std::fs::read(&hard).unwrap(), b"hello");
        let how = OpenHow::new(libc::O_RDONLY, 0).resolve(0x08 /* RESOLVE_BENEATH */);
        let t = ring.push(OpenAt2::new(Cwd, c(&b), how)).unwrap();
        assert_eq!(
            ring.wait_for(t).unwrap().0.unwrap_err().raw_os_error(),
            Some(libc::EXDEV),
            "RESOLVE_BENEATH refuses an absolute path"
        );
        let how = OpenHow::new(libc::O_RDONLY, 0);
        let t = ring.push(OpenAt2::new(Cwd, c(&b), how)).unwrap();
        let (fd, Cwd) = ring.wait_for(t).unwrap();
        let fd = fd.unwrap();
        assert_eq!(
            std::io::read_to_string(std::fs::File::from(fd)).unwrap(),
            "hello"
        );
        for p in [&hard, &sym, &b] {
            let t = ring.push(Unlink::new(c(p), 0)).unwrap();
            ring.wait_for(t).unwrap().unwrap();
        }
        let t = ring.push(Unlink::new(c(&sub), libc::AT_REMOVEDIR)).unwrap();
        ring.wait_for(t).unwrap().unwrap();
        assert!(std::fs::read_dir(&d).unwrap().next().is_none());
        let t = ring.push(Unlink::new(c(&sub), 0)).unwrap();
        assert_eq!(
            ring.wait_for(t).unwrap().unwrap_err().raw_os_error(),
            Some(libc::ENOENT)
        );
    }

    #[test]
    fn direct_descriptors_open_accept_socket_install_and_close() {
        let Some(mut ring) = ring("direct fds") else {
            return;
        };
        // Eight empty slots (`None`: -1 in the table, kernel 5.13).
        let empty: Vec<Option<std::fs::File>> = (0..8).map(|_| None).collect();
        if let Err(e) = ring.register_files(&empty) {
            common::skip(
                "direct fds",
                format_args!("no sparse file table here (5.13): {e}"),
            );
            return;
        }
        let d = tmpdir("direct");
        std::fs::write(d.join("f"), b"direct").unwrap();
        let three = ring.fixed_file(3);
        let t = ring
            .push(OpenAtDirect::new(
                Cwd,
                c(&d.join("f")),
                libc::O_RDONLY,
                0,
                DirectSlot::At(three),
            ))
            .unwrap();
        let (res, Cwd) = ring.wait_for(t).unwrap();
        assert_eq!(res.unwrap(), three, "the slot asked for, of this ring");
        let t = ring
            .push(Read::new(three, Vec::with_capacity(16), 0))
            .unwrap();
        let (n, _, buf) = ring.wait_for(t).unwrap();
        assert_eq!((n.unwrap(), &buf[..]), (6, &b"direct"[..]));
        let how = OpenHow::new(libc::O_RDONLY, 0);
        let t = ring
            .push(OpenAt2Direct::new(
                Cwd,
                c(&d.join("f")),
                how,
                DirectSlot::Alloc,
            ))
            .unwrap();
        let slot = ring.wait_for(t).unwrap().0.unwrap();
        assert_ne!(slot, three, "a free slot was allocated");
        assert!(slot.index() < 8);
        let t = ring
            .push(SocketDirectAlloc::new(libc::AF_INET, libc::SOCK_STREAM, 0))
            .unwrap();
        let sock = ring.wait_for(t).unwrap().unwrap();
        assert!(sock.index() < 8 && sock != three && sock != slot);
        let seven = ring.fixed_file(7);
        let t = ring
            .push(SocketDirect::new(
                libc::AF_INET,
                libc::SOCK_DGRAM,
                0,
                DirectSlot::At(seven),
            ))
            .unwrap();
        assert_eq!(ring.wait_for(t).unwrap().unwrap(), seven);

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let t = ring
            .push(AcceptDirect::new(listener, DirectSlot::Alloc))
            .unwrap();
        ring.submit().unwrap();
        let _client = std::net::TcpStream::connect(addr).unwrap();
        let (accepted, listener) = ring.wait_for(t).unwrap();
        let accepted = accepted.unwrap();
        assert!(accepted.index() < 8);
        assert_eq!(listener.local_addr().unwrap(), addr, "the listener is back");

        for s in [three, slot, sock, seven, accepted] {
            let t = ring.push(CloseDirect::new(s)).unwrap();
            ring.wait_for(t).unwrap().unwrap();
        }
        let t = ring.push(CloseDirect::new(three)).unwrap();
        assert_eq!(
            ring.wait_for(t).unwrap().unwrap_err().raw_os_error(),
            Some(libc::EBADF)
        );
        // files_update puts a pipe into slot 1 from the SQ side, and names the slot.
        let (r, mut w) = common::pipe();
        let t = ring.push(FilesUpdate::new(vec![Some(r)], 1)).unwrap();
        let (slots, files) = ring.wait_for(t).unwrap();
        assert_eq!(slots.unwrap(), vec![ring.fixed_file(1)]);
        assert!(files[0].is_some(), "the pipe comes back");
        drop(files); // the slot holds its own reference
        w.write_all(b"via slot 1").unwrap();
        let t = ring
            .push(Read::new(
                ring.fixed_file(1),
                Vec::with_capacity(32),
                u64::MAX,
            ))
            .unwrap();
        assert_eq!(ring.wait_for(t).unwrap().2, b"via slot 1");
    }

    #[test]
    fn vectored_v2_reads_and_writes_with_flags() {
        let Some(mut ring) = ring("readv2/writev2") else {
            return;
        };
        let d = tmpdir("v2");
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(d.join("f"))
            .unwrap();
        let t = ring
            .push(Writev2::new(
                f,
                vec![b"ab".to_vec(), b"cde".to_vec()],
                0,
                libc::RWF_DSYNC,
            ))
            .unwrap();
        let (n, f, _) = ring.wait_for(t).unwrap();
        assert_eq!(n.unwrap(), 5);
        let t = ring
            .push(Readv2::new(
                f,
                vec![Vec::with_capacity(3), Vec::with_capacity(8)],
                0,
                0,
            ))
            .unwrap();
        let (n, f, bufs) = ring.wait_for(t).unwrap();
        assert_eq!(n.unwrap(), 5);
        assert_eq!(bufs, vec![b"abc".to_vec(), b"de".to_vec()]);
        // Bits outside the reviewed RWF_* set never reach the kernel: refused at push, and
        // the op (with its file and buffers) comes back.
        match ring.push(Readv2::new(f, vec![Vec::with_capacity(3)], 0, -1)) {
            Err(PushError::Invalid(op, why)) => {
                assert_eq!(why.what(), "rw_flags");
                assert_eq!(why.value(), u64::from(!(RW_FLAGS as u32)), "{why}");
                drop(op);
            }
            other => panic!("unknown RWF flags must be refused: {other:?}"),
        }
    }

    #[test]
    fn extended_attributes() {
        let Some(mut ring) = ring("xattr") else {
            return;
        };
        let d = tmpdir("xattr");
        let p = d.join("f");
        let f = std::fs::File::create(&p).unwrap();
        let name = || CString::new("user.liburing-rs").unwrap();
        let t = ring
            .push(FSetXattr::new(f, name(), b"v1".to_vec(), 0))
            .unwrap();
        let (res, f) = ring.wait_for(t).unwrap();
        match res {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL)) => {
                common::skip(
                    "xattr",
                    format_args!("the test directory's file system refuses user xattrs: {e}"),
                );
                return;
            }
            r => r.unwrap(),
        }
        let t = ring.push(FGetXattr::new(f, name(), 16)).unwrap();
        let (n, _f, v) = ring.wait_for(t).unwrap();
        assert_eq!((n.unwrap(), &v[..]), (2, &b"v1"[..]));
        let t = ring
            .push(SetXattr::new(
                c(&p),
                name(),
                b"value2".to_vec(),
                libc::XATTR_REPLACE,
            ))
            .unwrap();
        ring.wait_for(t).unwrap().unwrap();
        let t = ring.push(GetXattr::new(c(&p), name(), 16)).unwrap();
        assert_eq!(ring.wait_for(t).unwrap().1, b"value2");
        let t = ring.push(GetXattr::new(c(&p), name(), 2)).unwrap();
        assert_eq!(
            ring.wait_for(t).unwrap().0.unwrap_err().raw_os_error(),
            Some(libc::ERANGE)
        );
        // Only XATTR_CREATE / XATTR_REPLACE (XATTR_FLAGS) reach the kernel.
        match ring.push(SetXattr::new(c(&p), name(), b"v".to_vec(), 0x100)) {
            Err(PushError::Invalid(_, why)) => assert_eq!(why.value(), 0x100, "{why}"),
            other => panic!("an unreviewed xattr flag must be refused: {other:?}"),
        }
    }

    #[test]
    fn msg_ring_posts_to_a_ring_and_refuses_reserved_user_data() {
        let Some(mut ring) = ring("msg_ring") else {
            return;
        };
        let mut target = Ring::new(4).unwrap();
        // The op holds its own handle on the target ring until it completes.
        let to = target.as_fd().try_clone_to_owned().unwrap();
        let t = match ring.push(MsgRing::new(to, 42, 0x1234)) {
            Ok(t) => t,
            Err(PushError::Unsupported(..)) => {
                common::skip(
                    "msg_ring",
                    format_args!("kernel without IORING_OP_MSG_RING (5.18)"),
                );
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let (res, to) = ring.wait_for(t).unwrap();
        res.unwrap();
        let cqe = target.wait().unwrap();
        assert_eq!((cqe.user_data(), cqe.raw_result()), (0x1234, 42));
        match ring.push(MsgRing::new(to, 0, 1 << 63)) {
            Err(PushError::Invalid(_, why)) => {
                assert_eq!(why.what(), "user_data");
                assert!(why.why().contains("managed"), "{why}");
            }
            other => panic!("reserved user_data must be refused: {other:?}"),
        }
    }

    #[test]
    fn multishot_poll_update_and_remove() {
        let Some(mut ring) = ring("poll multishot") else {
            return;
        };
        let (r, mut w) = common::pipe();
        let t = ring.push(PollMulti::new(r, libc::POLLIN as u32)).unwrap();
        w.write_all(b"x").unwrap();
        let ev = ring.next_shot(&t).unwrap().unwrap().unwrap();
        assert!(ev & libc::POLLIN as u32 != 0);
        // Still armed: more readiness, more items (level-triggered while data is there).
        w.write_all(b"y").unwrap();
        assert!(ring.next_shot(&t).unwrap().unwrap().is_ok());
        // Updating into the reserved half is refused; updating events is allowed.
        let bad = PollUpdate::new(t.user_data(), 5, 0, sys::IORING_POLL_UPDATE_USER_DATA);
        assert!(matches!(ring.push(bad), Err(PushError::Invalid(..))));
        let upd = ring
            .push(PollUpdate::new(
                t.user_data(),
                0,
                (libc::POLLIN | libc::POLLPRI) as u32,
                sys::IORING_POLL_UPDATE_EVENTS,
            ))
            .unwrap();
        ring.wait_for(upd).unwrap().unwrap();
        let rm = ring.push(PollRemove::new(t.user_data())).unwrap();
        ring.wait_for(rm).unwrap().unwrap();
        let mut tail = Vec::new();
        while let Some(item) = ring.next_shot(&t).unwrap() {
            tail.push(item);
        }
        assert_eq!(
            tail.last().unwrap().as_ref().unwrap_err().raw_os_error(),
            Some(libc::ECANCELED),
            "removal ends the stream"
        );
        let (rest, r) = ring.finish(t).unwrap();
        assert!(rest.is_empty());
        drop(r);
    }

    #[test]
    fn timeout_update_cancel64_and_cancel_fd() {
        let Some(mut ring) = ring("timeout update / cancel") else {
            return;
        };
        let t = ring.push(Timeout::new(Duration::from_secs(60))).unwrap();
        let u = ring
            .push(TimeoutUpdate::new(t.user_data(), Duration::from_millis(1)))
            .unwrap();
        ring.wait_for(u).unwrap().unwrap();
        assert_eq!(
            ring.wait_for(t).unwrap().unwrap(),
            TimeoutFired::Expired,
            "re-armed to 1 ms"
        );

        // One pipe, shared by the polls and the cancel: each op holds an Arc of it.
        let (r, _w) = common::pipe();
        let r = Arc::new(r);
        let poll = || PollAdd::new(r.clone(), libc::POLLIN as u32);
        let p = ring.push(poll()).unwrap();
        ring.submit().unwrap();
        let c = ring.push(AsyncCancel64::new(p.user_data())).unwrap();
        assert_eq!(ring.wait_for(c).unwrap().unwrap(), 0);
        assert_eq!(
            ring.wait_for(p).unwrap().0.unwrap_err().raw_os_error(),
            Some(libc::ECANCELED)
        );

        let p1 = ring.push(poll()).unwrap();
        let p2 = ring.push(poll()).unwrap();
        ring.submit().unwrap();
        // IORING_ASYNC_CANCEL_FD comes from the op, ANY would cancel past the fd: only ALL
        // is the user's (CANCEL_FD_FLAGS).
        for flags in [sys::IORING_ASYNC_CANCEL_FD, sys::IORING_ASYNC_CANCEL_ANY] {
            match ring.push(CancelFd::new(r.clone(), flags)) {
                Err(PushError::Invalid(_, why)) => assert_eq!(why.value(), u64::from(flags)),
                other => panic!("cancel flags {flags:#x} must be refused: {other:?}"),
            }
        }
        let c = ring
            .push(CancelFd::new(r.clone(), sys::IORING_ASYNC_CANCEL_ALL))
            .unwrap();
        assert_eq!(
            ring.wait_for(c).unwrap().0.unwrap(),
            2,
            "both polls on the fd"
        );
        for p in [p1, p2] {
            assert_eq!(
                ring.wait_for(p).unwrap().0.unwrap_err().raw_os_error(),
                Some(libc::ECANCELED)
            );
        }
        assert_eq!(Arc::strong_count(&r), 1, "every op gave its handle back");
    }

    #[test]
    fn legacy_provided_buffers_are_checked_and_removed() {
        let Some(mut ring) = ring("provide buffers") else {
            return;
        };
        match ring.push(ProvideBuffers::new(vec![0; 100], 64, 2, 3, 0)) {
            Err(PushError::Invalid(_, why)) => {
                assert_eq!((why.what(), why.value()), ("mem", 100));
                assert!(why.why().contains("nr * len"), "{why}");
            }
            other => panic!("short memory must be refused: {other:?}"),
        }
        let t = ring
            .push(ProvideBuffers::new(vec![0; 256], 64, 4, 3, 0))
            .unwrap();
        let (res, back) = ring.wait_for(t).unwrap();
        res.unwrap();
        assert!(back.is_none(), "handed to the kernel");
        let t = ring.push(RemoveBuffers::new(8, 3)).unwrap();
        assert_eq!(ring.wait_for(t).unwrap().unwrap(), 4);
        let t = ring.push(RemoveBuffers::new(1, 3)).unwrap();
        match ring.wait_for(t).unwrap() {
            Ok(n) => assert_eq!(n, 0, "the group is empty"),
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ENOENT)),
        }
    }

    #[test]
    fn madvise_stays_inside_its_buffer_and_epoll_ctl_registers() {
        let Some(mut ring) = ring("madvise / epoll_ctl") else {
            return;
        };
        let buf = vec![1u8; 3 * 4096];
        let t = ring.push(Madvise::new(buf, libc::MADV_WILLNEED)).unwrap();
        let (res, buf) = ring.wait_for(t).unwrap();
        res.unwrap();
        assert_eq!(buf.len(), 3 * 4096);
        assert!(matches!(
            ring.push(Madvise::new(buf, libc::MADV_HWPOISON)),
            Err(PushError::Invalid(..))
        ));

        // SAFETY: epoll_create1 has no memory preconditions.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(ep >= 0);
        // SAFETY: a fresh fd, ours alone.
        let ep = unsafe { OwnedFd::from_raw_fd(ep) };
        let (r, mut w) = common::pipe();
        let ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: 99,
        };
        // The op holds both the epoll instance and the file it adds until it completes.
        let t = ring
            .push(EpollCtl::new(ep, r, libc::EPOLL_CTL_ADD, ev))
            .unwrap();
        let (res, ep, _r) = ring.wait_for(t).unwrap();
        res.unwrap();
        w.write_all(b"!").unwrap();
        let mut out = [libc::epoll_event { events: 0, u64: 0 }; 1];
        // SAFETY: one valid out slot.
        let n = unsafe { libc::epoll_wait(ep.as_raw_fd(), out.as_mut_ptr(), 1, 1000) };
        assert_eq!((n, { out[0].u64 }), (1, 99));
    }

    #[test]
    fn multishot_cqes_carry_more_until_the_last() {
        let Some(mut ring) = ring("F_MORE") else {
            return;
        };
        let (r, mut w) = common::pipe();
        let t = ring.push(PollMulti::new(r, libc::POLLIN as u32)).unwrap();
        ring.submit().unwrap();
        w.write_all(b"z").unwrap();
        let cqe = ring.wait().unwrap();
        assert_eq!(cqe.user_data(), t.user_data());
        assert!(cqe.flags().contains(CqeFlags::MORE));
        // peek handed out the CQE; the stream still has its item, exactly once.
        assert!(matches!(ring.try_next_shot(&t), Shot::Item(Ok(_))));
        assert!(matches!(ring.try_next_shot(&t), Shot::Pending));
        ring.push_with_user_data(PollRemove::new(t.user_data()), 3)
            .unwrap();
        while ring.next_shot(&t).unwrap().is_some() {}
        assert!(matches!(ring.try_next_shot(&t), Shot::Ended));
        assert!(ring.finish(t).unwrap().0.is_empty());
    }
}

/// Ops of liburing releases after 2.3 (the 2.15 leg of the matrix runs these).
#[cfg(all(
    liburing_has = "io_uring_prep_futex_wait",
    liburing_has = "io_uring_prep_bind",
    liburing_has = "io_uring_prep_listen"
))]
mod newer {
    use super::common;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::sync::atomic::AtomicU32;
    use std::sync::Arc;
    use system_liburing::op::{Bind, FutexWait, FutexWake, Listen, FUTEX2_PRIVATE};
    use system_liburing::{PushError, Ring};

    #[test]
    fn futex_wait_is_woken_by_futex_wake() {
        let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "futex") else {
            return;
        };
        let word = Arc::new(AtomicU32::new(0));
        let wait = match ring.push(FutexWait::new(word.clone(), 0, u32::MAX, 0)) {
            Ok(t) => t,
            Err(PushError::Unsupported(..)) => {
                common::skip(
                    "futex",
                    format_args!("kernel without IORING_OP_FUTEX_WAIT (6.7)"),
                );
                return;
            }
            Err(e) => panic!("{e}"),
        };
        ring.submit().unwrap();
        let wake = ring
            .push(FutexWake::new(word.clone(), 1, u32::MAX, 0))
            .unwrap();
        assert_eq!(ring.wait_for(wake).unwrap().unwrap(), 1, "one waiter woken");
        ring.wait_for(wait).unwrap().unwrap();
        // The word's size is the crate's (an AtomicU32): FUTEX2_SIZE_U64 (3) from the user,
        // or any bit besides FUTEX2_PRIVATE, would let the kernel read past it.
        for flags in [3, FUTEX2_PRIVATE | 3, 1 << 9] {
            match ring.push(FutexWait::new(word.clone(), 0, u32::MAX, flags)) {
                Err(PushError::Invalid(_, why)) => {
                    assert_eq!(why.what(), "futex_flags");
                    assert_eq!(why.value(), u64::from(flags & !FUTEX2_PRIVATE));
                }
                other => panic!("futex_flags {flags:#x} must be refused: {other:?}"),
            }
        }
    }

    #[test]
    fn bind_and_listen_through_the_ring() {
        let Some(mut ring) = common::ring_or_skip(Ring::builder().entries(8), "bind/listen") else {
            return;
        };
        // SAFETY: socket(2) has no memory preconditions; the fd is fresh and ours.
        let fd = unsafe {
            OwnedFd::from_raw_fd(libc::socket(
                libc::AF_INET,
                libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
                0,
            ))
        };
        let t = match ring.push(Bind::new(fd, "127.0.0.1:0".parse().unwrap())) {
            Ok(t) => t,
            Err(PushError::Unsupported(..)) => {
                common::skip(
                    "bind/listen",
                    format_args!("kernel without IORING_OP_BIND (6.11)"),
                );
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let (res, fd) = ring.wait_for(t).unwrap();
        res.unwrap();
        let t = ring.push(Listen::new(fd, 8)).unwrap();
        let (res, fd) = ring.wait_for(t).unwrap();
        res.unwrap();
        let listener = std::net::TcpListener::from(fd);
        let addr = listener.local_addr().unwrap();
        let _c = std::net::TcpStream::connect(addr).unwrap();
        listener.accept().unwrap();
    }
}
