//! Legacy provided buffers (`IORING_OP_PROVIDE_BUFFERS`, kernel 5.7). Prefer a buffer ring
//! ([`Ring::register_buf_ring`](crate::Ring::register_buf_ring)): its buffers come back to
//! you as guards.
//!
//! Safe ops select buffers only from a [`BufRing`](crate::register::BufRing)
//! (`IOSQE_BUFFER_SELECT` comes from its types), so the buffers given here serve SQEs a
//! ported program writes itself. The two kinds never share a group id: the kernel refuses
//! provided buffers for a group registered as a buffer ring (`EINVAL`), and a buffer ring
//! for a group that still holds provided buffers (`EEXIST`), both since buffer rings exist
//! (5.19). So no buffer given here ever turns up as one of a `BufRing`'s.

use super::define_ops;
use crate::Refused;
use std::io;
use std::sync::Mutex;

/// Memory given to the kernel's legacy buffer groups: never freed.
static HANDED_OVER: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

define_ops! {
    /// Gives `nr` buffers of `len` bytes, cut from `mem`, to buffer group `bgid` with ids
    /// `bid..bid + nr`. The kernel may write them at any later time, so on success the
    /// memory is handed over for good (leaked, never freed); on failure it comes back.
    /// Refused at push time: `nr` or `len` of 0, `mem` with less capacity than `nr * len`
    /// bytes, and ids past 65535 (`bid + nr > 65536`: they would wrap onto ids already in
    /// the group; newer kernels also refuse `bid + nr >= 65535` with `EINVAL`). A group
    /// registered as a buffer ring refuses them (`EINVAL`).
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
    /// // group 7 holds provided buffers: no buffer ring can take its id
    /// let err = ring.register_buf_ring(4, 64, 7).unwrap_err();
    /// assert_eq!(err.raw_os_error(), Some(libc::EEXIST));
    /// // the group holds all four
    /// let ticket = ring.push(RemoveBuffers::new(8, 7))?;
    /// assert_eq!(ring.wait_for(ticket)??, 4);
    /// // and a buffer ring's group takes no provided buffers: the memory comes back
    /// let _bufs = ring.register_buf_ring(4, 64, 9)?;
    /// let ticket = ring.push(ProvideBuffers::new(vec![0; 64], 64, 1, 9, 0))?;
    /// let (res, mem) = ring.wait_for(ticket)?;
    /// assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    /// assert_eq!(mem.map(|m| m.len()), Some(64));
    /// // too little memory for nr * len, or ids past 65535, are refused before the kernel
    /// assert!(ring.push(ProvideBuffers::new(vec![0; 100], 64, 2, 7, 0)).is_err());
    /// assert!(ring.push(ProvideBuffers::new(vec![0; 128], 64, 2, 7, u16::MAX)).is_err());
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
    validate(&self, _ring) { self.check() }
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
    /// (their memory stays handed over). A buffer ring's group is not this op's to empty:
    /// the kernel refuses it (`EINVAL`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::op::{ProvideBuffers, RemoveBuffers};
    /// use system_liburing::Ring;
    /// let mut ring = Ring::new(8)?;
    /// let ticket = ring.push(ProvideBuffers::new(vec![0; 128], 64, 2, 7, 0))?;
    /// let (res, _mem) = ring.wait_for(ticket)?;
    /// res?;
    /// // up to 1 of group 7's two buffers, then up to 8 of the one left
    /// let ticket = ring.push(RemoveBuffers::new(1, 7))?;
    /// assert_eq!(ring.wait_for(ticket)??, 1);
    /// let ticket = ring.push(RemoveBuffers::new(8, 7))?;
    /// assert_eq!(ring.wait_for(ticket)??, 1);
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_remove_buffers", IORING_OP_REMOVE_BUFFERS, "5.7", unmanaged, owns_nothing]
    RemoveBuffers(nr: u16, bgid: u16) { nr: u16 = nr, bgid: u16 = bgid }
    prepare(&mut self, sqe) {
        sqe.fd = i32::from(self.nr);
        sqe.buf_index = self.bgid;
    }
    complete(self, cqe) -> io::Result<u32> { cqe.result() }
}

#[cfg(liburing_has = "io_uring_prep_provide_buffers")]
impl ProvideBuffers {
    /// What keeps the kernel inside `mem`, and the ids inside 16 bits.
    fn check(&self) -> Result<(), Refused> {
        if self.nr == 0 || self.len == 0 {
            return Err(Refused::new(
                if self.nr == 0 { "nr" } else { "len" },
                0,
                "provided buffers need at least one buffer of at least one byte",
            ));
        }
        let need = (self.len as usize).checked_mul(usize::from(self.nr));
        if need.is_none_or(|n| n > self.mem.capacity()) {
            return Err(Refused::new(
                "mem",
                self.mem.capacity() as u64,
                "provided buffers need nr * len bytes of memory",
            ));
        }
        if u32::from(self.bid) + u32::from(self.nr) > 1 << 16 {
            return Err(Refused::new(
                "bid",
                u64::from(self.bid),
                "bid + nr past 65536: buffer ids are 16 bits and would wrap onto ids in use",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;

    #[cfg(liburing_has = "io_uring_prep_provide_buffers")]
    #[test]
    fn provided_buffers_stay_inside_their_memory_and_ids() {
        let ok = |mem: usize, len, nr, bid| {
            ProvideBuffers::new(vec![0; mem], len, nr, 1, bid).validate(1)
        };
        assert!(ok(256, 64, 4, 0).is_ok());
        assert!(ok(64, 64, 1, u16::MAX).is_ok()); // the last id, 65535
        assert_eq!(ok(255, 64, 4, 0).unwrap_err().what(), "mem");
        assert_eq!(ok(128, 64, 2, u16::MAX).unwrap_err().what(), "bid");
        assert_eq!(ok(64, 64, 0, 0).unwrap_err().what(), "nr");
        assert_eq!(ok(64, 0, 1, 0).unwrap_err().what(), "len");
        // capacity counts, not length: the kernel writes into it
        let mem = Vec::with_capacity(64);
        assert!(ProvideBuffers::new(mem, 32, 2, 1, 0).validate(1).is_ok());
        let huge = ProvideBuffers::new(vec![0; 64], u32::MAX, u16::MAX, 1, 0);
        assert_eq!(huge.validate(1).unwrap_err().what(), "mem");
    }
}
