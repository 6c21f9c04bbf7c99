//! `liburing-check-version`: `io_uring_check_version(major, minor)` answers "is the loaded
//! liburing older than major.minor?" (true: too old). Asked about its own version it must say
//! false; 2.4 and 2.5 compared minors with `>=` and said true, so a program requiring the
//! very release it runs on refused to start.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_check_version",
        liburing_has = "io_uring_major_version",
        liburing_has = "io_uring_minor_version"
    )),
    allow(dead_code)
)]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-check-version",
    description: "The linked liburing's io_uring_check_version(its own major, its own minor) \
                  returns false (\"not older\"), and true for the next minor (2.4 and 2.5 \
                  returned true for their own version; fixed in liburing 2.6 by 3aa65150 \"Fix \
                  off-by-one in minor check for io_uring_check_version()\").",
    run,
};

#[derive(Debug, Clone, Copy)]
pub struct Observed {
    pub major: i32,
    pub minor: i32,
    /// `io_uring_check_version(major, minor)`.
    pub own: bool,
    /// `io_uring_check_version(major, minor + 1)`.
    pub next: bool,
}

pub fn judge(o: &Observed) -> Outcome {
    let (maj, min) = (o.major, o.minor);
    if o.own {
        return Outcome::fail(format!(
            "io_uring_check_version({maj}, {min}) on liburing {maj}.{min} returned true: it \
             calls itself older than itself"
        ));
    }
    if !o.next {
        return Outcome::fail(format!(
            "io_uring_check_version({maj}, {}) on liburing {maj}.{min} returned false: it \
             calls itself newer than it is",
            min + 1
        ));
    }
    Outcome::pass(format!(
        "io_uring_check_version on liburing {maj}.{min}: ({maj}, {min}) false, ({maj}, {}) true",
        min + 1
    ))
}

#[cfg(not(all(
    liburing_has = "io_uring_check_version",
    liburing_has = "io_uring_major_version",
    liburing_has = "io_uring_minor_version"
)))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_check_version", "2.4")
}

#[cfg(all(
    liburing_has = "io_uring_check_version",
    liburing_has = "io_uring_major_version",
    liburing_has = "io_uring_minor_version"
))]
fn run() -> Outcome {
    use super::Figures;
    use system_liburing::sys;

    // SAFETY: the version functions take no arguments and only return constants.
    let (major, minor) = unsafe { (sys::io_uring_major_version(), sys::io_uring_minor_version()) };
    // SAFETY: a pure comparison of its integer arguments with the library's version.
    let (own, next) = unsafe {
        (
            sys::io_uring_check_version(major, minor),
            sys::io_uring_check_version(major, minor + 1),
        )
    };
    let o = Observed {
        major,
        minor,
        own,
        next,
    };
    let mut f = Figures::default();
    f.set("runtime_version", format!("{major}.{minor}"));
    f.set("check_own_version", own);
    f.set("check_next_minor", next);
    judge(&o).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn off_by_one_fails_and_right_answers_pass() {
        let buggy = Observed {
            major: 2,
            minor: 5,
            own: true,
            next: true,
        };
        let o = judge(&buggy);
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(
            o.reason.contains("io_uring_check_version(2, 5)"),
            "{}",
            o.reason
        );
        let ok = Observed {
            own: false,
            ..buggy
        };
        assert_eq!(judge(&ok).verdict, Verdict::Pass);
        let lying = Observed {
            own: false,
            next: false,
            ..buggy
        };
        assert_eq!(judge(&lying).verdict, Verdict::Fail);
    }
}
