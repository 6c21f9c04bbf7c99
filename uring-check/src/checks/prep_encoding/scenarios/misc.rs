//! NOP, poll and epoll, timeouts, cancels, provided buffers, the file table, ring messages,
//! futexes and waitid.

use super::*;
use std::sync::atomic::AtomicU32;
use std::time::Duration;
use system_liburing::op;

type R = Result<Vec<Diff>, String>;

/// A user_data to act on (in the user's half: the crate refuses to forge its own).
const TARGET: u64 = 0x0bad_cafe_1234;
/// 1.5 s, as the op's `Duration` and the C caller's `__kernel_timespec`.
const AFTER: Duration = Duration::from_millis(1500);

fn timespec() -> sys::__kernel_timespec {
    // SAFETY: a plain C struct of integers.
    let mut ts: sys::__kernel_timespec = unsafe { std::mem::zeroed() };
    ts.tv_sec = 1;
    ts.tv_nsec = 500_000_000;
    ts
}

const TS_RULE: usize = std::mem::size_of::<sys::__kernel_timespec>();

#[cfg(liburing_has = "io_uring_prep_nop")]
pub fn nop(env: &mut Env) -> R {
    let mut op = op::Nop::new();
    // SAFETY: no pointer rules.
    unsafe { env.pair(&mut op, |sqe| sys::io_uring_prep_nop(sqe), &[]) }
}

#[cfg(liburing_has = "io_uring_prep_nop128")]
pub fn nop128(env: &mut Env) -> R {
    let mut op = op::Nop128::new();
    // SAFETY: no pointer rules.
    unsafe { env.pair(&mut op, |sqe| sys::io_uring_prep_nop128(sqe), &[]) }
}

const EVENTS: u32 = (libc::POLLIN | libc::POLLRDHUP) as u32;

#[cfg(liburing_has = "io_uring_prep_poll_add")]
pub fn poll_add(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::PollAdd::new(env.null(), EVENTS);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_poll_add(sqe, fd, EVENTS),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_poll_multishot")]
pub fn poll_multishot(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::PollMulti::new(env.null(), EVENTS);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_poll_multishot(sqe, fd, EVENTS),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_poll_remove")]
pub fn poll_remove(env: &mut Env) -> R {
    let mut op = op::PollRemove::new(TARGET);
    // SAFETY: no pointer rules. (liburing 0.x-2.1 took a `void *`, 2.2+ a `__u64`.)
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_poll_remove(sqe, TARGET as _),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_poll_update")]
pub fn poll_update(env: &mut Env) -> R {
    let flags = sys::IORING_POLL_UPDATE_EVENTS | sys::IORING_POLL_UPDATE_USER_DATA;
    let mut op = op::PollUpdate::new(TARGET, TARGET + 1, libc::POLLOUT as u32, flags);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_poll_update(
                    sqe,
                    TARGET as _,
                    (TARGET + 1) as _,
                    libc::POLLOUT as u32,
                    flags,
                )
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_epoll_ctl")]
pub fn epoll_ctl(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut ev = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLET) as u32,
        u64: 0x1122_3344,
    };
    let mut op = op::EpollCtl::new(env.null(), env.null(), libc::EPOLL_CTL_ADD, ev);
    // SAFETY: the op's epoll_event lives in the op, `ev` through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_epoll_ctl(
                    sqe,
                    fd,
                    fd,
                    libc::EPOLL_CTL_ADD,
                    &mut ev as *mut _ as _,
                )
            },
            &[(
                Field::Addr,
                Pointee::Bytes(std::mem::size_of::<libc::epoll_event>()),
            )],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_epoll_wait")]
pub fn epoll_wait(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut events = [libc::epoll_event { events: 0, u64: 0 }; 5];
    let mut op = op::EpollWait::new(env.null(), 5, 0);
    // SAFETY: the op's events room lives in the op, `events` through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_epoll_wait(sqe, fd, events.as_mut_ptr().cast(), 5, 0),
            &[(Field::Addr, Pointee::Out)],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_timeout")]
pub fn timeout(env: &mut Env) -> R {
    let mut ts = timespec();
    let mut op = op::Timeout::new(AFTER).count(3);
    // SAFETY: the op's timespec lives in the op, `ts` through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_timeout(sqe, &mut ts as *mut _ as _, 3, 0),
            &[(Field::Addr, Pointee::Bytes(TS_RULE))],
        )
    }
}

/// `IORING_TIMEOUT_MULTISHOT` with a count of 3: the C caller's flag, the crate's op type.
#[cfg(liburing_has = "io_uring_prep_timeout")]
pub fn timeout_multishot(env: &mut Env) -> R {
    let mut ts = timespec();
    let mut op = op::TimeoutMulti::new(AFTER, 3);
    let flags = sys::IORING_TIMEOUT_MULTISHOT;
    // SAFETY: the op's timespec lives in the op, `ts` through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_timeout(sqe, &mut ts as *mut _ as _, 3, flags),
            &[(Field::Addr, Pointee::Bytes(TS_RULE))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_timeout_remove")]
pub fn timeout_remove(env: &mut Env) -> R {
    let mut op = op::TimeoutRemove::new(TARGET);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_timeout_remove(sqe, TARGET, 0),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_link_timeout")]
pub fn link_timeout(env: &mut Env) -> R {
    let mut ts = timespec();
    let mut op = op::LinkTimeout::new(AFTER);
    // SAFETY: as in timeout.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_link_timeout(sqe, &mut ts as *mut _ as _, 0),
            &[(Field::Addr, Pointee::Bytes(TS_RULE))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_timeout_update")]
pub fn timeout_update(env: &mut Env) -> R {
    let mut ts = timespec();
    let mut op = op::TimeoutUpdate::new(TARGET, AFTER);
    // SAFETY: the op's timespec lives in the op, `ts` through the call (addr2).
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_timeout_update(sqe, &mut ts as *mut _ as _, TARGET, 0),
            &[(Field::Off, Pointee::Bytes(TS_RULE))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_cancel")]
pub fn cancel(env: &mut Env) -> R {
    let mut op = op::AsyncCancel::new(TARGET).all();
    let all = sys::IORING_ASYNC_CANCEL_ALL as i32;
    // SAFETY: no pointer rules. (The target is a `void *` since liburing 2.2, a `__u64`
    // before: cast to whichever the header has.)
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_cancel(sqe, TARGET as _, all),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_cancel64")]
pub fn cancel64(env: &mut Env) -> R {
    let mut op = op::AsyncCancel64::new(TARGET);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_cancel64(sqe, TARGET, 0),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_cancel_fd")]
pub fn cancel_fd(env: &mut Env) -> R {
    let fd = env.nullfd;
    let all = sys::IORING_ASYNC_CANCEL_ALL;
    let mut op = op::CancelFd::new(env.null(), all);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_cancel_fd(sqe, fd, all),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_provide_buffers")]
pub fn provide_buffers(env: &mut Env) -> R {
    let mem = vec![0u8; 4 * 96];
    let p = mem.as_ptr();
    let mut op = op::ProvideBuffers::new(mem, 96, 4, 9, 2);
    // SAFETY: no pointer rules; liburing gets the op's own memory.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_provide_buffers(sqe, p as _, 96, 4, 9, 2),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_remove_buffers")]
pub fn remove_buffers(env: &mut Env) -> R {
    let mut op = op::RemoveBuffers::new(4, 9);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_remove_buffers(sqe, 4, 9),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_files_update")]
pub fn files_update(env: &mut Env) -> R {
    let mut fds = [env.nullfd, -1, env.nullfd];
    let mut op = op::FilesUpdate::new(vec![Some(env.null()), None, Some(env.null())], 5);
    // SAFETY: the op's fd array lives in the op, `fds` through the call; 3 ints each.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_files_update(sqe, fds.as_mut_ptr(), 3, 5),
            &[(Field::Addr, Pointee::Bytes(3 * 4))],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_fixed_fd_install")]
pub fn fixed_fd_install(env: &mut Env) -> R {
    let mut op = op::FixedFdInstall::new(env.slot(), 0);
    // SAFETY: no pointer rules. (The helper sets IOSQE_FIXED_FILE itself.)
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_fixed_fd_install(sqe, SLOT as i32, 0),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_msg_ring")]
pub fn msg_ring(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::MsgRing::new(env.null(), 0x77, TARGET);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_msg_ring(sqe, fd, 0x77, TARGET, 0),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_msg_ring_cqe_flags")]
pub fn msg_ring_cqe_flags(env: &mut Env) -> R {
    let fd = env.nullfd;
    let cqe_flags = 0x0005_0000;
    let mut op = op::MsgRingCqeFlags::new(env.null(), 0x77, TARGET, cqe_flags);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_msg_ring_cqe_flags(sqe, fd, 0x77, TARGET, 0, cqe_flags),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_msg_ring_fd")]
pub fn msg_ring_fd(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::MsgRingFd::new(env.null(), env.slot(), 6, TARGET, 0);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_msg_ring_fd(sqe, fd, SLOT as i32, 6, TARGET, 0),
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_msg_ring_fd_alloc")]
pub fn msg_ring_fd_alloc(env: &mut Env) -> R {
    let fd = env.nullfd;
    let mut op = op::MsgRingFdAlloc::new(env.null(), env.slot(), TARGET, 0);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_msg_ring_fd_alloc(sqe, fd, SLOT as i32, TARGET, 0),
            &[],
        )
    }
}

/// `FUTEX2_SIZE_U32` (the crate's, for its `AtomicU32`) and `FUTEX2_PRIVATE`.
const FUTEX2_SIZE_U32: u32 = 0x02;
const FUTEX2_PRIVATE: u32 = 128;

#[cfg(liburing_has = "io_uring_prep_futex_wait")]
pub fn futex_wait(env: &mut Env) -> R {
    let word = Arc::new(AtomicU32::new(0));
    let p = word.as_ptr();
    let mut op = op::FutexWait::new(word, 5, 0xff, FUTEX2_PRIVATE);
    // SAFETY: no pointer rules; liburing gets the op's own futex word.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_futex_wait(sqe, p, 5, 0xff, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0)
            },
            &[],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_futex_wake")]
pub fn futex_wake(env: &mut Env) -> R {
    let word = Arc::new(AtomicU32::new(0));
    let p = word.as_ptr();
    let mut op = op::FutexWake::new(word, 2, 0xf0, FUTEX2_PRIVATE);
    // SAFETY: no pointer rules.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_futex_wake(sqe, p, 2, 0xf0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0)
            },
            &[],
        )
    }
}

/// `struct futex_waitv` (the kernel's ABI, 24 bytes; the bindings see it only declared).
#[repr(C)]
struct FutexWaitv {
    val: u64,
    uaddr: u64,
    flags: u32,
    reserved: u32,
}

#[cfg(liburing_has = "io_uring_prep_futex_waitv")]
pub fn futex_waitv(env: &mut Env) -> R {
    let words = [Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(1))];
    let mut waitv: Vec<FutexWaitv> = words
        .iter()
        .enumerate()
        .map(|(i, w)| FutexWaitv {
            val: i as u64 + 10,
            uaddr: w.as_ptr() as u64,
            flags: FUTEX2_SIZE_U32 | FUTEX2_PRIVATE,
            reserved: 0,
        })
        .collect();
    let mut op = op::FutexWaitv::new(
        vec![(words[0].clone(), 10), (words[1].clone(), 11)],
        FUTEX2_PRIVATE,
    );
    // SAFETY: the op's waitv array lives in the op, `waitv` through the call; two entries.
    unsafe {
        env.pair(
            &mut op,
            |sqe| sys::io_uring_prep_futex_waitv(sqe, waitv.as_mut_ptr().cast(), 2, 0),
            &[(
                Field::Addr,
                Pointee::Bytes(2 * std::mem::size_of::<FutexWaitv>()),
            )],
        )
    }
}

#[cfg(liburing_has = "io_uring_prep_waitid")]
pub fn waitid(env: &mut Env) -> R {
    // SAFETY: plain old data, what the kernel would write.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let options = libc::WEXITED | libc::WNOHANG;
    let mut op = op::Waitid::new(libc::P_PID, 4321, options);
    // SAFETY: the op's siginfo room lives in the op, `info` through the call.
    unsafe {
        env.pair(
            &mut op,
            |sqe| {
                sys::io_uring_prep_waitid(
                    sqe,
                    libc::P_PID as _,
                    4321,
                    &mut info as *mut _ as _,
                    options,
                    0,
                )
            },
            &[(Field::Off, Pointee::Out)],
        )
    }
}
