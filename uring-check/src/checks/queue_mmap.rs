//! `liburing-queue-mmap`: `io_uring_queue_mmap(fd, params, ring)` is the documented way to
//! wrap a ring the application set up itself with `io_uring_setup(2)`. It must fill in the
//! ring's fd (and flags); from 2.5 to 2.14 it left them zero, so `io_uring_submit` entered
//! fd 0 (stdin) and `io_uring_queue_exit` closed fd 0.

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-queue-mmap",
    description: "The linked liburing's io_uring_queue_mmap on a ring from io_uring_setup(2) \
                  sets ring_fd (and enter_ring_fd, flags) to that ring, so submit and exit use \
                  it (2.5-2.14 left them 0, i.e. stdin; fixed in liburing 2.15 by 435e6b28 \
                  \"src/setup: restore ring fd and flags init in io_uring_queue_mmap()\").",
    run,
};

#[derive(Debug, Clone, Copy)]
pub struct Observed {
    pub fd: i32,
    pub ring_fd: i32,
    /// `None` before liburing 2.2 (no such field).
    pub enter_ring_fd: Option<i32>,
    pub setup_flags: u32,
    pub ring_flags: u32,
    /// A NOP submitted and reaped through the ring afterwards (only tried when the fds
    /// were right).
    pub nop_ok: Option<bool>,
}

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_queue_mmap",
        system_liburing::LIBURING_BUILD_VERSION
    );
    let mut wrong = Vec::new();
    if o.ring_fd != o.fd {
        wrong.push(format!("ring_fd {}", o.ring_fd));
    }
    if let Some(e) = o.enter_ring_fd.filter(|&e| e != o.fd) {
        wrong.push(format!("enter_ring_fd {e}"));
    }
    if o.ring_flags != o.setup_flags {
        wrong.push(format!("flags {:#x}", o.ring_flags));
    }
    if !wrong.is_empty() {
        let stdin = if o.ring_fd == 0 {
            ": io_uring_submit would enter stdin and io_uring_queue_exit would close it"
        } else {
            ""
        };
        return Outcome::fail(format!(
            "{who} on ring fd {} (flags {:#x}) left {}{stdin}",
            o.fd,
            o.setup_flags,
            wrong.join(", ")
        ));
    }
    if o.nop_ok == Some(false) {
        return Outcome::fail(format!("{who} set the ring up but a NOP through it failed"));
    }
    Outcome::pass(format!(
        "{who} set ring_fd{} and flags to the ring from io_uring_setup(2); a NOP went through",
        if o.enter_ring_fd.is_some() {
            ", enter_ring_fd"
        } else {
            ""
        }
    ))
}

fn run() -> Outcome {
    use super::lib_ring::{check_ret, LibRing, SETUP_CQSIZE};
    use super::Figures;
    use std::mem::MaybeUninit;
    use system_liburing::sys;

    // SAFETY: plain C structs; all-zero is their initial state.
    let mut params: sys::io_uring_params = unsafe { MaybeUninit::zeroed().assume_init() };
    // A flag that shows in `flags`, so a zeroed field is told apart from the right one.
    params.flags = SETUP_CQSIZE;
    params.cq_entries = 16;
    // SAFETY: io_uring_setup(2) with a valid params struct it fills in.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_io_uring_setup,
            4u32,
            &mut params as *mut sys::io_uring_params,
        )
    } as i32;
    if fd < 0 {
        return Outcome::fail(format!(
            "io_uring_setup(2) failed: {}",
            super::errno_text(&std::io::Error::last_os_error())
        ));
    }
    // SAFETY: all-zero is the state io_uring_queue_mmap expects to fill in.
    let mut raw: Box<sys::io_uring> = Box::new(unsafe { MaybeUninit::zeroed().assume_init() });
    // SAFETY: `fd` is the ring io_uring_setup just returned, `params` its answer.
    let ret = unsafe { sys::io_uring_queue_mmap(fd, &mut params, &mut *raw) };
    if let Err(why) = check_ret("io_uring_queue_mmap", ret) {
        // SAFETY: `fd` is ours and nothing else refers to it.
        unsafe { libc::close(fd) };
        return Outcome::fail(why);
    }
    #[cfg_attr(not(liburing_has = "io_uring_wait_cqes"), allow(unused_mut))]
    let mut o = Observed {
        fd,
        ring_fd: raw.ring_fd,
        enter_ring_fd: enter_ring_fd(&raw),
        setup_flags: params.flags,
        ring_flags: raw.flags,
        nop_ok: None,
    };
    // Whatever liburing left, the ring must name its own fd before anything enters or exits
    // it: never let liburing submit to or close fd 0.
    raw.ring_fd = fd;
    set_enter_ring_fd(&mut raw, fd);
    raw.flags = params.flags;
    #[cfg_attr(not(liburing_has = "io_uring_wait_cqes"), allow(unused_mut))]
    let mut ring = LibRing::from_raw(raw, params);
    #[cfg(liburing_has = "io_uring_wait_cqes")]
    if o.ring_fd == fd {
        ring.nop(9);
        o.nop_ok =
            Some(matches!(ring.submit_and_reap(1000), Ok(c) if c.user_data == 9 && c.res == 0));
    }
    let mut f = Figures::default();
    f.set("setup_fd", fd);
    f.set("ring_fd", o.ring_fd);
    if let Some(e) = o.enter_ring_fd {
        f.set("enter_ring_fd", e);
    }
    f.set("setup_flags", format!("{:#x}", o.setup_flags));
    f.set("ring_flags", format!("{:#x}", o.ring_flags));
    if let Some(ok) = o.nop_ok {
        f.set("nop_through_ring", ok);
    }
    drop(ring);
    judge(&o).with(f)
}

#[cfg(liburing_ring_field = "enter_ring_fd")]
fn enter_ring_fd(ring: &system_liburing::sys::io_uring) -> Option<i32> {
    Some(ring.enter_ring_fd)
}

#[cfg(not(liburing_ring_field = "enter_ring_fd"))]
fn enter_ring_fd(_: &system_liburing::sys::io_uring) -> Option<i32> {
    None
}

#[cfg(liburing_ring_field = "enter_ring_fd")]
fn set_enter_ring_fd(ring: &mut system_liburing::sys::io_uring, fd: i32) {
    ring.enter_ring_fd = fd;
}

#[cfg(not(liburing_ring_field = "enter_ring_fd"))]
fn set_enter_ring_fd(_: &mut system_liburing::sys::io_uring, _: i32) {}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn zeroed_fds_fail_naming_stdin() {
        let o = judge(&Observed {
            fd: 5,
            ring_fd: 0,
            enter_ring_fd: Some(0),
            setup_flags: 8,
            ring_flags: 0,
            nop_ok: None,
        });
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(
            o.reason.contains("ring_fd 0, enter_ring_fd 0, flags 0x0"),
            "{}",
            o.reason
        );
        assert!(o.reason.contains("stdin"));
    }

    #[test]
    fn filled_in_ring_passes() {
        let ok = Observed {
            fd: 5,
            ring_fd: 5,
            enter_ring_fd: None,
            setup_flags: 8,
            ring_flags: 8,
            nop_ok: Some(true),
        };
        assert_eq!(judge(&ok).verdict, Verdict::Pass);
        let dead = Observed {
            nop_ok: Some(false),
            ..ok
        };
        assert_eq!(judge(&dead).verdict, Verdict::Fail);
    }
}
