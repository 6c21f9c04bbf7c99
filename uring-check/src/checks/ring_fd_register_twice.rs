//! `liburing-ring-fd-register-twice`: a second `io_uring_register_ring_fd` on a ring whose
//! fd is already registered must fail with `EEXIST`. Before 2.4 liburing registered the ring
//! again: the second slot replaced the first in `struct io_uring`, and the first
//! registration (a reference to the ring in the thread's table) leaked until the thread
//! exits.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_register_ring_fd",
        liburing_has = "io_uring_unregister_ring_fd"
    )),
    allow(dead_code)
)]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-ring-fd-register-twice",
    description: "The linked liburing's io_uring_register_ring_fd called twice on one ring \
                  refuses the second with EEXIST instead of registering again and leaking the \
                  first registration (fixed in liburing 2.4 by 6b2cd353 \"Error on duplicate \
                  ring fd registration\").",
    run,
};

#[derive(Debug, Clone, Copy)]
pub struct Observed {
    pub first: i32,
    pub second: i32,
}

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_register_ring_fd",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if o.first != 1 {
        return Outcome::fail(format!(
            "{who}: the first registration returned {}",
            super::ret_text(o.first)
        ));
    }
    match o.second {
        r if r == -libc::EEXIST => Outcome::pass(format!(
            "{who}: registered once, the second call refused with EEXIST"
        )),
        r if r >= 0 => Outcome::fail(format!(
            "{who} registered the same ring a second time (returned {r}): the first \
             registration is overwritten in struct io_uring and leaks until the thread exits"
        )),
        r => Outcome::fail(format!(
            "{who}: the second call returned {} (expected EEXIST)",
            super::ret_text(r)
        )),
    }
}

#[cfg(not(all(
    liburing_has = "io_uring_register_ring_fd",
    liburing_has = "io_uring_unregister_ring_fd"
)))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_register_ring_fd", "2.2")
}

#[cfg(all(
    liburing_has = "io_uring_register_ring_fd",
    liburing_has = "io_uring_unregister_ring_fd"
))]
fn run() -> Outcome {
    use super::lib_ring::LibRing;
    use super::Figures;
    use system_liburing::sys;

    let mut ring = or_return!(LibRing::for_check(4, None, 0));
    // SAFETY: the ring is live and owned here.
    let first = unsafe { sys::io_uring_register_ring_fd(ring.raw()) };
    if first == -libc::EINVAL || first == -libc::EOPNOTSUPP {
        return Outcome::skip(format!(
            "kernel refused IORING_REGISTER_RING_FDS ({}): registered ring fds need 5.18",
            super::errno_name(-first)
        ));
    }
    let slot_first = enter_slot(&mut ring);
    // SAFETY: as above.
    let second = if first == 1 {
        unsafe { sys::io_uring_register_ring_fd(ring.raw()) }
    } else {
        0
    };
    let mut f = Figures::default();
    f.set("first", first);
    f.set("second", second);
    if let Some(s) = slot_first {
        f.set("first_slot", s);
    }
    if let Some(s) = enter_slot(&mut ring) {
        f.set("slot_after_second", s);
    }
    if first == 1 {
        // SAFETY: as above; unregisters the registration struct io_uring now names.
        unsafe { sys::io_uring_unregister_ring_fd(ring.raw()) };
    }
    judge(&Observed { first, second }).with(f)
}

/// The registered slot liburing enters through (`enter_ring_fd`, liburing 2.2+).
#[cfg(liburing_ring_field = "enter_ring_fd")]
fn enter_slot(ring: &mut super::lib_ring::LibRing) -> Option<i32> {
    // SAFETY: reads a plain field of the live ring struct.
    Some(unsafe { (*ring.raw()).enter_ring_fd })
}

#[cfg(not(liburing_ring_field = "enter_ring_fd"))]
fn enter_slot(_: &mut super::lib_ring::LibRing) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn second_registration_fails_eexist_passes() {
        let dup = judge(&Observed {
            first: 1,
            second: 1,
        });
        assert_eq!(dup.verdict, Verdict::Fail);
        assert!(dup.reason.contains("leaks"), "{}", dup.reason);
        let ok = judge(&Observed {
            first: 1,
            second: -libc::EEXIST,
        });
        assert_eq!(ok.verdict, Verdict::Pass);
        let bad = judge(&Observed {
            first: -libc::EBUSY,
            second: 0,
        });
        assert_eq!(bad.verdict, Verdict::Fail);
    }
}
