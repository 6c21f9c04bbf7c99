//! `liburing-direct-alloc`: the `*_direct` prep helpers with `IORING_FILE_INDEX_ALLOC`
//! ("allocate a free slot", kernel 5.19). They store `file_index + 1` in the SQE, so ALLOC
//! (`~0U`) wrapped to 0 until liburing 2.4, and 0 tells the kernel "not direct": the caller
//! got an ordinary file descriptor instead of an allocated slot.

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(any(
        liburing_has = "io_uring_prep_openat_direct",
        liburing_has = "io_uring_prep_socket_direct"
    )),
    allow(dead_code)
)]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-direct-alloc",
    description: "The linked liburing's io_uring_prep_openat_direct / openat2_direct / \
                  socket_direct / accept_direct with IORING_FILE_INDEX_ALLOC encode ALLOC so \
                  the kernel allocates a fixed-file slot (2.1-2.3 wrote file_index 0: an \
                  ordinary fd; fixed in liburing 2.4 by 4fed7951 \"Factor in \
                  IORING_FILE_INDEX_ALLOC for direct fd instantiations\").",
    run,
};

/// One helper's SQE and completion.
#[derive(Debug, Clone)]
pub struct Observed {
    pub helper: &'static str,
    /// The SQE's `file_index` after the helper (ALLOC when right, 0 when wrapped).
    pub encoded: u32,
    pub res: i32,
}

impl Observed {
    fn direct(&self) -> bool {
        self.encoded == super::lib_ring::FILE_INDEX_ALLOC
    }
}

pub fn judge(seen: &[Observed]) -> Outcome {
    let v = system_liburing::LIBURING_BUILD_VERSION;
    let wrapped: Vec<&Observed> = seen.iter().filter(|o| o.encoded == 0).collect();
    if !wrapped.is_empty() {
        let names: Vec<String> = wrapped
            .iter()
            .map(|o| format!("{} (fd {})", o.helper, o.res))
            .collect();
        return Outcome::fail(format!(
            "liburing {v} wrote file_index 0 for IORING_FILE_INDEX_ALLOC (ALLOC + 1 wraps), \
             which the kernel reads as \"not direct\": ordinary fds instead of slots from {}",
            names.join(", ")
        ));
    }
    if let Some(o) = seen.iter().find(|o| !o.direct()) {
        return Outcome::fail(format!(
            "liburing {v}'s {} wrote file_index {:#x} for IORING_FILE_INDEX_ALLOC",
            o.helper, o.encoded
        ));
    }
    if let Some(o) = seen.iter().find(|o| o.res < 0) {
        return Outcome::fail(format!(
            "liburing {v}'s {} encoded ALLOC but the kernel answered {}",
            o.helper,
            super::errno_name(-o.res)
        ));
    }
    let slots: Vec<String> = seen
        .iter()
        .map(|o| format!("{} -> slot {}", o.helper, o.res))
        .collect();
    Outcome::pass(format!(
        "liburing {v} encoded IORING_FILE_INDEX_ALLOC: {}",
        slots.join(", ")
    ))
}

#[cfg(not(any(
    liburing_has = "io_uring_prep_openat_direct",
    liburing_has = "io_uring_prep_socket_direct"
)))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_prep_openat_direct", "2.1")
}

#[cfg(any(
    liburing_has = "io_uring_prep_openat_direct",
    liburing_has = "io_uring_prep_socket_direct"
))]
fn run() -> Outcome {
    use super::lib_ring::{check_ret, sqe_offset, sqe_u32, LibRing, FILE_INDEX_ALLOC};
    use super::Figures;
    use system_liburing::sys;

    if !super::kernel_at_least((5, 19)) {
        return Outcome::skip("kernel before 5.19 has no IORING_FILE_INDEX_ALLOC");
    }
    let mut ring = or_return!(LibRing::for_check(8, None, 0));
    // A sparse table of 8 empty slots (-1), through the call every release has.
    let empty = [-1i32; 8];
    // SAFETY: the ring is live; `empty` holds 8 ints, read during the call.
    let r = unsafe { sys::io_uring_register_files(ring.raw(), empty.as_ptr() as _, 8) };
    if let Err(why) = check_ret("io_uring_register_files(8 empty slots)", r) {
        return Outcome::fail(why);
    }

    type Prep = Box<dyn FnOnce(*mut sys::io_uring_sqe)>;
    let mut preps: Vec<(&'static str, Prep)> = Vec::new();
    let path = c"/dev/null";
    #[cfg(liburing_has = "io_uring_prep_openat_direct")]
    preps.push((
        "io_uring_prep_openat_direct",
        // SAFETY (in the closure): a free SQE; `path` is a 'static C string.
        Box::new(move |sqe| unsafe {
            sys::io_uring_prep_openat_direct(
                sqe,
                libc::AT_FDCWD,
                path.as_ptr(),
                libc::O_RDONLY,
                0,
                FILE_INDEX_ALLOC,
            )
        }),
    ));
    #[cfg(liburing_has = "io_uring_prep_openat2_direct")]
    let mut how: Box<sys::open_how> = {
        // SAFETY: a plain C struct of integers.
        let mut h: Box<sys::open_how> = Box::new(unsafe { std::mem::zeroed() });
        h.flags = libc::O_RDONLY as u64;
        h
    };
    #[cfg(liburing_has = "io_uring_prep_openat2_direct")]
    {
        let how_ptr: *mut sys::open_how = &mut *how;
        preps.push((
            "io_uring_prep_openat2_direct",
            // SAFETY (in the closure): a free SQE; `how` outlives the submit (it is dropped at
            // the end of `run`), `path` is 'static.
            Box::new(move |sqe| unsafe {
                sys::io_uring_prep_openat2_direct(
                    sqe,
                    libc::AT_FDCWD,
                    path.as_ptr(),
                    how_ptr,
                    FILE_INDEX_ALLOC,
                )
            }),
        ));
    }
    #[cfg(liburing_has = "io_uring_prep_socket_direct")]
    preps.push((
        "io_uring_prep_socket_direct",
        // SAFETY (in the closure): a free SQE.
        Box::new(move |sqe| unsafe {
            sys::io_uring_prep_socket_direct(
                sqe,
                libc::AF_UNIX,
                libc::SOCK_DGRAM,
                0,
                FILE_INDEX_ALLOC,
                0,
            )
        }),
    ));
    // A connection already waiting in the backlog, so the accept completes at once.
    #[cfg(liburing_has = "io_uring_prep_accept_direct")]
    let pair = match listener_with_pending_connection() {
        Ok(p) => p,
        Err(e) => return Outcome::fail(format!("unix socket setup failed: {e}")),
    };
    #[cfg(liburing_has = "io_uring_prep_accept_direct")]
    {
        use std::os::fd::AsRawFd;
        let lfd = pair.0.as_raw_fd();
        preps.push((
            "io_uring_prep_accept_direct",
            // SAFETY (in the closure): a free SQE; null addr/addrlen are allowed by accept.
            Box::new(move |sqe| unsafe {
                sys::io_uring_prep_accept_direct(
                    sqe,
                    lfd,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    0,
                    FILE_INDEX_ALLOC,
                )
            }),
        ));
    }

    let mut seen = Vec::new();
    let mut f = Figures::default();
    for (i, (helper, prep)) in preps.into_iter().enumerate() {
        let sqe = or_return!(ring.sqe_for_check());
        prep(sqe);
        let encoded = sqe_u32(sqe, sqe_offset::FILE_INDEX);
        // SAFETY: the SQE is still ours until the submit below.
        unsafe { (*sqe).user_data = i as u64 };
        let res = match ring.submit_and_reap(1000) {
            Ok(c) => c.res,
            Err(why) => return Outcome::fail(format!("{helper}: {why}")),
        };
        if encoded == 0 && res >= 0 {
            // Not direct: the kernel installed an ordinary fd, ours to close.
            // SAFETY: `res` is a descriptor the kernel just opened for this process.
            unsafe { libc::close(res) };
        }
        let short = helper.trim_start_matches("io_uring_prep_");
        f.set(&format!("{short}_file_index"), format!("{encoded:#x}"));
        f.set(&format!("{short}_res"), res);
        seen.push(Observed {
            helper,
            encoded,
            res,
        });
    }
    #[cfg(liburing_has = "io_uring_prep_openat2_direct")]
    drop(how);
    judge(&seen).with(f)
}

/// A unix stream listener (abstract address, nothing on the file system) with one client
/// already connected and waiting to be accepted.
#[cfg(liburing_has = "io_uring_prep_accept_direct")]
fn listener_with_pending_connection() -> std::io::Result<(
    std::os::unix::net::UnixListener,
    std::os::unix::net::UnixStream,
)> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};
    let name = format!("uring-check-direct-alloc-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
    let listener = UnixListener::bind_addr(&addr)?;
    let client = UnixStream::connect_addr(&addr)?;
    Ok((listener, client))
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;
    use crate::checks::lib_ring::FILE_INDEX_ALLOC;

    fn o(helper: &'static str, encoded: u32, res: i32) -> Observed {
        Observed {
            helper,
            encoded,
            res,
        }
    }

    #[test]
    fn wrapped_alloc_fails_naming_the_helpers() {
        let out = judge(&[
            o("io_uring_prep_openat_direct", 0, 7),
            o("io_uring_prep_socket_direct", 0, 8),
        ]);
        assert_eq!(out.verdict, Verdict::Fail);
        assert!(out.reason.contains("wrote file_index 0"), "{}", out.reason);
        assert!(out.reason.contains("io_uring_prep_socket_direct (fd 8)"));
    }

    #[test]
    fn allocated_slots_pass_and_kernel_errors_fail() {
        let ok = judge(&[
            o("io_uring_prep_openat_direct", FILE_INDEX_ALLOC, 0),
            o("io_uring_prep_accept_direct", FILE_INDEX_ALLOC, 1),
        ]);
        assert_eq!(ok.verdict, Verdict::Pass, "{}", ok.reason);
        assert!(ok.reason.contains("accept_direct -> slot 1"));
        let refused = judge(&[o(
            "io_uring_prep_openat_direct",
            FILE_INDEX_ALLOC,
            -libc::ENFILE,
        )]);
        assert_eq!(refused.verdict, Verdict::Fail);
        assert!(refused.reason.contains("ENFILE"));
        let odd = judge(&[o("io_uring_prep_openat_direct", 5, 0)]);
        assert_eq!(odd.verdict, Verdict::Fail);
    }
}
