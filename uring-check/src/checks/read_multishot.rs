//! `liburing-read-multishot`: `io_uring_prep_read_multishot` (liburing 2.6, kernel 6.7)
//! must set `IOSQE_BUFFER_SELECT`: a multishot read always picks from a provided-buffer
//! group, and the kernel refuses one without the flag (`EINVAL`). The helper shipped in 2.6
//! without it (the flag was lost when SQE initialisation was reworked).

// The check skips without what it exercises: its judge is then unused.
#![cfg_attr(
    not(all(
        liburing_has = "io_uring_prep_read_multishot",
        liburing_has = "io_uring_setup_buf_ring",
        liburing_has = "io_uring_free_buf_ring"
    )),
    allow(dead_code)
)]

use super::{Check, Outcome};

pub const CHECK: Check = Check {
    name: "liburing-read-multishot",
    description: "The linked liburing's io_uring_prep_read_multishot sets IOSQE_BUFFER_SELECT, \
                  so a multishot read of a pipe delivers data from a provided buffer ring (2.6 \
                  left it out and the kernel answered EINVAL; fixed in liburing 2.7 by 60f4adc2 \
                  \"Ensure io_uring_prep_read_multishot() sets IOSQE_BUFFER_SELECT\").",
    run,
};

const PAYLOAD: &[u8] = b"uring-check read";

#[derive(Debug, Clone, Copy)]
pub struct Observed {
    /// `IOSQE_BUFFER_SELECT` was set in the SQE by the helper.
    pub buffer_select: bool,
    /// The first completion's result.
    pub res: i32,
    /// The first completion said more will follow (`IORING_CQE_F_MORE`).
    pub more: bool,
    /// Bytes read matched what was written.
    pub data_ok: bool,
}

pub fn judge(o: &Observed) -> Outcome {
    let who = format!(
        "liburing {}'s io_uring_prep_read_multishot",
        system_liburing::LIBURING_BUILD_VERSION
    );
    if !o.buffer_select {
        return Outcome::fail(format!(
            "{who} left IOSQE_BUFFER_SELECT out of the SQE: the kernel answered {}",
            super::ret_text(o.res)
        ));
    }
    if o.res < 0 {
        return Outcome::fail(format!(
            "{who} set IOSQE_BUFFER_SELECT but the read failed: {}",
            super::errno_name(-o.res)
        ));
    }
    if !o.data_ok {
        return Outcome::fail(format!(
            "{who}: the provided buffer did not hold the data written"
        ));
    }
    Outcome::pass(format!(
        "{who} set IOSQE_BUFFER_SELECT: {} bytes read into a provided buffer{}",
        o.res,
        if o.more {
            ", multishot still armed"
        } else {
            ""
        }
    ))
}

#[cfg(not(all(
    liburing_has = "io_uring_prep_read_multishot",
    liburing_has = "io_uring_setup_buf_ring",
    liburing_has = "io_uring_free_buf_ring"
)))]
fn run() -> Outcome {
    super::lib_ring::lacks("io_uring_prep_read_multishot", "2.6")
}

#[cfg(all(
    liburing_has = "io_uring_prep_read_multishot",
    liburing_has = "io_uring_setup_buf_ring",
    liburing_has = "io_uring_free_buf_ring"
))]
fn run() -> Outcome {
    use super::lib_ring::LibRing;
    use super::Figures;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use system_liburing::sys;

    const BGID: i32 = 7;
    const NBUF: u32 = 4;
    const BUF_LEN: usize = 64;

    if !super::kernel_at_least((6, 7)) {
        return Outcome::skip("kernel before 6.7 has no IORING_OP_READ_MULTISHOT");
    }
    let mut ring = or_return!(LibRing::for_check(8, None, 0));
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Outcome::fail(format!(
            "pipe2 failed: {}",
            super::errno_text(&std::io::Error::last_os_error())
        ));
    }
    // SAFETY: pipe2 just returned these two descriptors; each is owned once, here.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let mut err = 0;
    // SAFETY: the ring is live; liburing allocates and registers the buffer ring.
    let br = unsafe { sys::io_uring_setup_buf_ring(ring.raw(), NBUF, BGID, 0, &mut err) };
    if br.is_null() {
        return Outcome::fail(format!(
            "io_uring_setup_buf_ring failed: {}",
            super::errno_name(-err)
        ));
    }
    // The buffers outlive every use by the kernel: freed only after the multishot ended,
    // leaked otherwise.
    let mut bufs = vec![0u8; BUF_LEN * NBUF as usize];
    // SAFETY: `br` is a registered buffer ring of NBUF entries; every address added points
    // into `bufs`, which stays alive while the kernel may write it (see above).
    unsafe {
        let mask = sys::io_uring_buf_ring_mask(NBUF);
        for i in 0..NBUF as usize {
            sys::io_uring_buf_ring_add(
                br,
                bufs.as_mut_ptr().add(i * BUF_LEN).cast(),
                BUF_LEN as _,
                i as _,
                mask,
                i as _,
            );
        }
        sys::io_uring_buf_ring_advance(br, NBUF as _);
    }
    // SAFETY: writes PAYLOAD.len() bytes from PAYLOAD to the pipe we own.
    let w = unsafe { libc::write(wr.as_raw_fd(), PAYLOAD.as_ptr().cast(), PAYLOAD.len()) };
    if w != PAYLOAD.len() as isize {
        return Outcome::fail("write to the pipe failed");
    }
    let sqe = or_return!(ring.sqe_for_check());
    // SAFETY: a free SQE of this ring; the pipe and the buffer group outlive the op.
    let flags = unsafe {
        sys::io_uring_prep_read_multishot(sqe, rd.as_raw_fd(), 0, 0, BGID);
        (*sqe).user_data = 1;
        (*sqe).flags
    };
    let buffer_select = u32::from(flags) & sys::IOSQE_BUFFER_SELECT != 0;
    let first = match ring.submit_and_reap(1000) {
        Ok(c) => c,
        Err(why) => {
            std::mem::forget(bufs);
            return Outcome::fail(why);
        }
    };
    let more = first.flags & sys::IORING_CQE_F_MORE != 0;
    let data_ok =
        first.res == PAYLOAD.len() as i32 && first.flags & sys::IORING_CQE_F_BUFFER != 0 && {
            let bid = (first.flags >> sys::IORING_CQE_BUFFER_SHIFT) as usize;
            bufs.get(bid * BUF_LEN..bid * BUF_LEN + PAYLOAD.len()) == Some(PAYLOAD)
        };
    // End the multishot: EOF on the pipe completes it without IORING_CQE_F_MORE.
    drop(wr);
    let mut ended = !more;
    for _ in 0..4 {
        if ended {
            break;
        }
        match ring.reap(1000) {
            Ok(c) => ended = c.flags & sys::IORING_CQE_F_MORE == 0,
            Err(_) => break,
        }
    }
    let o = Observed {
        buffer_select,
        res: first.res,
        more,
        data_ok,
    };
    let mut f = Figures::default();
    f.set("sqe_flags", format!("{flags:#x}"));
    f.set("buffer_select", buffer_select);
    f.set("res", first.res);
    f.set("cqe_flags", format!("{:#x}", first.flags));
    f.set("multishot_ended", ended);
    if ended {
        // SAFETY: nothing uses the buffer group any more; unregisters and frees it.
        unsafe { sys::io_uring_free_buf_ring(ring.raw(), br, NBUF, BGID) };
        drop(bufs);
    } else {
        std::mem::forget(bufs);
    }
    drop(rd);
    judge(&o).with(f)
}

#[cfg(test)]
mod tests {
    use super::super::Verdict;
    use super::*;

    #[test]
    fn missing_buffer_select_fails_with_the_kernels_answer() {
        let o = judge(&Observed {
            buffer_select: false,
            res: -libc::EINVAL,
            more: false,
            data_ok: false,
        });
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(
            o.reason.contains("left IOSQE_BUFFER_SELECT out"),
            "{}",
            o.reason
        );
        assert!(o.reason.contains("EINVAL"));
    }

    #[test]
    fn data_in_a_provided_buffer_passes() {
        let ok = Observed {
            buffer_select: true,
            res: 16,
            more: true,
            data_ok: true,
        };
        assert_eq!(judge(&ok).verdict, Verdict::Pass);
        let garbled = Observed {
            data_ok: false,
            ..ok
        };
        assert_eq!(judge(&garbled).verdict, Verdict::Fail);
    }
}
