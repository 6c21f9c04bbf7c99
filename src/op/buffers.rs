//! Legacy provided buffers (`IORING_OP_PROVIDE_BUFFERS`, kernel 5.7). Prefer a buffer ring
//! ([`Ring::register_buf_ring`](crate::Ring::register_buf_ring)): its buffers come back to
//! you as guards.

use super::define_ops;
use std::io;
use std::sync::Mutex;

/// Memory given to the kernel's legacy buffer groups: never freed.
static HANDED_OVER: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

define_ops! {
    /// Gives `nr` buffers of `len` bytes, cut from `mem`, to buffer group `bgid` with ids
    /// from `bid`. The kernel may write them at any later time, so on success the memory is
    /// handed over for good (leaked, never freed); on failure it comes back. `mem` shorter
    /// than `nr * len` is refused at push time.
    ["io_uring_prep_provide_buffers", IORING_OP_PROVIDE_BUFFERS, "5.7"]
    ProvideBuffers(mem: Vec<u8>, len: u32, nr: u16, bgid: u16, bid: u16) {
        mem: Vec<u8> = mem, len: u32 = len, nr: u16 = nr, bgid: u16 = bgid, bid: u16 = bid
    }
    prepare(&mut self, sqe) {
        sqe.fd = i32::from(self.nr);
        sqe.addr = self.mem.as_mut_ptr() as u64;
        sqe.len = self.len;
        sqe.off = u64::from(self.bid);
        sqe.buf_index = self.bgid;
    }
    validate(&self, _ring) {
        if (self.len as usize).checked_mul(usize::from(self.nr)).is_some_and(|n| n <= self.mem.capacity()) {
            Ok(())
        } else {
            Err("provided buffers need nr * len bytes of memory")
        }
    }
    complete(self, cqe) -> (io::Result<()>, Option<Vec<u8>>) {
        match super::unit(&cqe) {
            Ok(()) => {
                // The kernel owns the buffers now and may write them at any later time:
                // kept for the life of the process (reachable, so leak checkers agree).
                HANDED_OVER
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(self.mem);
                (Ok(()), None)
            }
            Err(e) => (Err(e), Some(self.mem)),
        }
    }

    /// Removes up to `nr` buffers from group `bgid`; completes with how many were removed
    /// (their memory stays handed over).
    ["io_uring_prep_remove_buffers", IORING_OP_REMOVE_BUFFERS, "5.7", unmanaged]
    RemoveBuffers(nr: u16, bgid: u16) { nr: u16 = nr, bgid: u16 = bgid }
    prepare(&mut self, sqe) {
        sqe.fd = i32::from(self.nr);
        sqe.buf_index = self.bgid;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }
}
