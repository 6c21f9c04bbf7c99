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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::op::{ProvideBuffers, RemoveBuffers};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// // four 64-byte buffers, ids 0..4, for group 7
    /// let ticket = ring.push(ProvideBuffers::new(vec![0; 256], 64, 4, 7, 0))?;
    /// let (res, mem) = ring.wait_for(ticket)?;
    /// res?;
    /// assert!(mem.is_none()); // the kernel has the memory now, for good
    /// // the group holds all four
    /// let ticket = ring.push(RemoveBuffers::new(8, 7))?;
    /// assert_eq!(ring.wait_for(ticket)??, 4);
    /// // too little memory for nr * len is refused before it reaches the kernel
    /// assert!(ring.push(ProvideBuffers::new(vec![0; 100], 64, 2, 7, 0)).is_err());
    /// # Ok(()) }
    /// ```
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
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::op::{ProvideBuffers, RemoveBuffers};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let ticket = ring.push(ProvideBuffers::new(vec![0; 128], 64, 2, 7, 0))?;
    /// ring.wait_for(ticket)?.0?;
    /// // up to 1 of group 7's two buffers, then up to 8 of the one left
    /// let ticket = ring.push(RemoveBuffers::new(1, 7))?;
    /// assert_eq!(ring.wait_for(ticket)??, 1);
    /// let ticket = ring.push(RemoveBuffers::new(8, 7))?;
    /// assert_eq!(ring.wait_for(ticket)??, 1);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_remove_buffers", IORING_OP_REMOVE_BUFFERS, "5.7", unmanaged]
    RemoveBuffers(nr: u16, bgid: u16) { nr: u16 = nr, bgid: u16 = bgid }
    prepare(&mut self, sqe) {
        sqe.fd = i32::from(self.nr);
        sqe.buf_index = self.bgid;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }
}
