//! Registered (fixed) buffers (`IORING_REGISTER_BUFFERS`, kernel 5.1), as owned handles.
//!
//! The ring allocates the memory, registers it, and keeps it alive until after
//! `io_uring_queue_exit`. Each buffer has exactly one [`FixedBuf`] handle; an op that uses
//! it (`ReadFixed`, `WriteFixed`) takes the handle and hands it back with the result, so no
//! safe code can look at a buffer while the kernel may write it.

use crate::ring::Ring;
use crate::sys::{
    IORING_REGISTER_BUFFERS2, IORING_REGISTER_BUFFERS_UPDATE, IORING_RSRC_REGISTER_SPARSE,
};
use crate::{error, sys};
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::io;
use std::sync::Arc;

/// The registered memory: `count` buffers of `size` bytes, page-aligned.
pub(crate) struct BufPool {
    ptr: *mut u8,
    layout: Layout,
    size: usize,
}

// SAFETY: the pool is plain heap memory; each buffer is reached only through its unique
// FixedBuf handle (or by the kernel while that handle sits in an in-flight op).
unsafe impl Send for BufPool {}
// SAFETY: as above: shared references to the pool touch no buffer contents.
unsafe impl Sync for BufPool {}

impl Drop for BufPool {
    fn drop(&mut self) {
        // SAFETY: allocated in `BufPool::new` with this layout; the last Arc is gone, so
        // no handle remains, and the ring holding one Arc has exited before dropping it.
        unsafe { dealloc(self.ptr, self.layout) }
    }
}

/// One registered buffer: derefs to its initialised bytes. Give it to
/// [`ReadFixed`](crate::op::ReadFixed) / [`WriteFixed`](crate::op::WriteFixed); it comes back
/// with the result.
pub struct FixedBuf {
    pool: Arc<BufPool>,
    /// The slot in the ring's table.
    index: u16,
    /// The buffer's place in its pool (differs from `index` for buffers put into a sparse
    /// table with `register_buffers_update`).
    pos: usize,
    len: usize,
    /// The ring whose table holds it (`Shared::id`).
    ring: u64,
}

impl FixedBuf {
    /// The buffer's index in the registered table (`sqe->buf_index`).
    pub fn index(&self) -> u16 {
        self.index
    }

    /// The buffer's size.
    pub fn capacity(&self) -> usize {
        self.pool.size
    }

    /// Sets how many bytes count as the buffer's content (what a write sends), at most the
    /// capacity. The bytes are zeroed at registration, so every length is initialised memory.
    pub fn set_len(&mut self, len: usize) {
        self.len = len.min(self.pool.size);
    }

    /// `Err` unless the buffer is registered with the ring whose id is `ring`: another
    /// ring's table has other memory at this index.
    pub(crate) fn check(&self, ring: u64) -> Result<(), crate::Refused> {
        if self.ring == ring {
            Ok(())
        } else {
            Err(crate::Refused::new(
                "buf_index",
                u64::from(self.index),
                "a registered buffer of another ring",
            ))
        }
    }

    /// The id of the ring whose table holds it.
    pub(crate) fn ring(&self) -> u64 {
        self.ring
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
        // SAFETY: pos < count, so the offset stays inside the allocation.
        unsafe { self.pool.ptr.add(self.pos * self.pool.size) }
    }
}

impl std::ops::Deref for FixedBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: this handle is the only way to this buffer, the memory is zero-initialised
        // and lives as long as the pool, and `len <= size`.
        unsafe {
            std::slice::from_raw_parts(self.pool.ptr.add(self.pos * self.pool.size), self.len)
        }
    }
}

impl std::ops::DerefMut for FixedBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        // SAFETY: as in Deref, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.as_mut_ptr(), len) }
    }
}

impl std::fmt::Debug for FixedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixedBuf")
            .field("index", &self.index)
            .field("len", &self.len)
            .finish()
    }
}

/// `struct io_uring_rsrc_register` (5.13).
#[repr(C)]
struct RsrcRegister {
    nr: u32,
    flags: u32,
    resv2: u64,
    data: u64,
    tags: u64,
}

/// `struct io_uring_rsrc_update2` (5.13).
#[repr(C)]
struct RsrcUpdate2 {
    offset: u32,
    resv: u32,
    data: u64,
    tags: u64,
    nr: u32,
    resv2: u32,
}

fn einval() -> io::Error {
    io::Error::from_raw_os_error(libc::EINVAL)
}

impl BufPool {
    /// `count` zeroed, page-aligned buffers of `size` bytes, and the iovecs naming them.
    fn new(count: usize, size: usize) -> io::Result<(Arc<BufPool>, Vec<libc::iovec>)> {
        if count == 0 || size == 0 || count > usize::from(u16::MAX) + 1 {
            return Err(einval());
        }
        let total = count.checked_mul(size).ok_or_else(einval)?;
        let layout = Layout::from_size_align(total, 4096).map_err(|_| einval())?;
        // SAFETY: non-zero size checked above.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(io::Error::from_raw_os_error(libc::ENOMEM));
        }
        let iovecs = (0..count)
            // SAFETY: i < count keeps the offset inside the allocation.
            .map(|i| libc::iovec {
                iov_base: unsafe { ptr.add(i * size) }.cast(),
                iov_len: size,
            })
            .collect();
        Ok((Arc::new(BufPool { ptr, layout, size }), iovecs))
    }

    /// One handle per buffer, for table slots `first..`.
    fn handles(pool: &Arc<BufPool>, count: usize, first: u16, ring: u64) -> Vec<FixedBuf> {
        (0..count)
            .map(|i| FixedBuf {
                pool: pool.clone(),
                index: first + i as u16,
                pos: i,
                len: pool.size,
                ring,
            })
            .collect()
    }
}

impl Ring {
    /// Allocates `count` zeroed, page-aligned buffers of `size` bytes, registers them as the
    /// ring's fixed buffers, and returns one handle per buffer (index order). The memory
    /// stays allocated until the ring is dropped, after the kernel has let go of it.
    /// `EBUSY` when the ring already has a buffer table.
    #[doc(alias = "io_uring_register_buffers")]
    pub fn register_buffers(&mut self, count: usize, size: usize) -> io::Result<Vec<FixedBuf>> {
        if self.s.buffer_table {
            return Err(io::Error::from_raw_os_error(libc::EBUSY));
        }
        let (pool, iovecs) = BufPool::new(count, size)?;
        // SAFETY: the iovecs describe live memory that the ring keeps (through `pool`) until
        // after io_uring_queue_exit; the kernel copies the array during the call.
        let ret = unsafe {
            sys::io_uring_register_buffers(self.as_raw_mut(), iovecs.as_ptr().cast(), count as u32)
        };
        error::cvt(ret)?;
        self.s.buffer_table = true;
        self.s.buffer_pools.push(pool.clone());
        Ok(BufPool::handles(&pool, count, 0, self.s.id))
    }

    /// Registers an empty buffer table of `n` slots (`IORING_RSRC_REGISTER_SPARSE`, kernel
    /// 5.19), to be filled with [`register_buffers_update`](Ring::register_buffers_update).
    /// `EBUSY` when the ring already has a buffer table; `EINVAL` beyond 16384 slots.
    #[doc(alias = "io_uring_register_buffers_sparse")]
    pub fn register_buffers_sparse(&mut self, n: u32) -> io::Result<()> {
        if self.s.buffer_table {
            return Err(io::Error::from_raw_os_error(libc::EBUSY));
        }
        let reg = RsrcRegister {
            nr: n,
            flags: IORING_RSRC_REGISTER_SPARSE,
            resv2: 0,
            data: 0,
            tags: 0,
        };
        crate::syscall::register(
            self.s.ring_fd,
            IORING_REGISTER_BUFFERS2,
            (&reg as *const RsrcRegister).cast(),
            std::mem::size_of::<RsrcRegister>() as u32,
        )?;
        self.s.buffer_table = true;
        Ok(())
    }

    /// Allocates `count` zeroed buffers of `size` bytes and puts them into slots
    /// `offset..offset + count` of the buffer table (`IORING_REGISTER_BUFFERS_UPDATE`, kernel
    /// 5.13), replacing what was there; returns their handles. Memory a replaced slot held
    /// stays allocated until the ring is dropped (an op in flight may still use it), and an
    /// old handle of a replaced slot is refused by the kernel (`EFAULT`: its memory is no
    /// longer that slot's). `ENXIO` without a table, `EINVAL` past its end.
    #[doc(alias = "io_uring_register_buffers_update_tag")]
    pub fn register_buffers_update(
        &mut self,
        offset: u16,
        count: usize,
        size: usize,
    ) -> io::Result<Vec<FixedBuf>> {
        if usize::from(offset)
            .checked_add(count)
            .is_none_or(|end| end > usize::from(u16::MAX) + 1)
        {
            return Err(einval());
        }
        let (pool, iovecs) = BufPool::new(count, size)?;
        let up = RsrcUpdate2 {
            offset: u32::from(offset),
            resv: 0,
            data: iovecs.as_ptr() as u64,
            tags: 0,
            nr: count as u32,
            resv2: 0,
        };
        // The kernel copies the iovecs during the call; the memory they name is kept in
        // `buffer_pools` until after io_uring_queue_exit.
        let done = crate::syscall::register(
            self.s.ring_fd,
            IORING_REGISTER_BUFFERS_UPDATE,
            (&up as *const RsrcUpdate2).cast(),
            std::mem::size_of::<RsrcUpdate2>() as u32,
        )?;
        self.s.buffer_pools.push(pool.clone());
        if done as usize != count {
            // Not seen from this kernel (it updates all or fails), but a short count must not
            // hand out handles for slots that were not filled.
            return Err(io::Error::from_raw_os_error(libc::EAGAIN));
        }
        Ok(BufPool::handles(&pool, count, offset, self.s.id))
    }
}
