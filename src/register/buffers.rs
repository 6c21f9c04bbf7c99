//! Registered (fixed) buffers (`IORING_REGISTER_BUFFERS`, kernel 5.1), as owned handles.
//!
//! The ring allocates the memory, registers it, and keeps it alive until after
//! `io_uring_queue_exit`. Each buffer has exactly one [`FixedBuf`] handle; an op that uses
//! it (`ReadFixed`, `WriteFixed`) takes the handle and hands it back with the result, so no
//! safe code can look at a buffer while the kernel may write it.

use crate::ring::Ring;
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
        // SAFETY: allocated in `register_buffers` with this layout; the last Arc is gone, so
        // no handle remains, and the ring holding one Arc has exited before dropping it.
        unsafe { dealloc(self.ptr, self.layout) }
    }
}

/// One registered buffer: derefs to its initialised bytes. Give it to
/// [`ReadFixed`](crate::op::ReadFixed) / [`WriteFixed`](crate::op::WriteFixed); it comes back
/// with the result.
pub struct FixedBuf {
    pool: Arc<BufPool>,
    index: u16,
    len: usize,
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

    pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
        // SAFETY: index < count, so the offset stays inside the allocation.
        unsafe { self.pool.ptr.add(usize::from(self.index) * self.pool.size) }
    }
}

impl std::ops::Deref for FixedBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: this handle is the only way to this buffer, the memory is zero-initialised
        // and lives as long as the pool, and `len <= size`.
        unsafe {
            std::slice::from_raw_parts(
                self.pool.ptr.add(usize::from(self.index) * self.pool.size),
                self.len,
            )
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

impl Ring {
    /// Allocates `count` zeroed, page-aligned buffers of `size` bytes, registers them as the
    /// ring's fixed buffers, and returns one handle per buffer (index order). The memory
    /// stays allocated until the ring is dropped, after the kernel has let go of it.
    #[doc(alias = "io_uring_register_buffers")]
    pub fn register_buffers(&mut self, count: usize, size: usize) -> io::Result<Vec<FixedBuf>> {
        let invalid = || io::Error::from_raw_os_error(libc::EINVAL);
        if count == 0
            || size == 0
            || count > usize::from(u16::MAX) + 1
            || self.s.registered_buffers.is_some()
        {
            return Err(if self.s.registered_buffers.is_some() {
                io::Error::from_raw_os_error(libc::EBUSY)
            } else {
                invalid()
            });
        }
        let total = count.checked_mul(size).ok_or_else(invalid)?;
        let layout = Layout::from_size_align(total, 4096).map_err(|_| invalid())?;
        // SAFETY: non-zero size checked above.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(io::Error::from_raw_os_error(libc::ENOMEM));
        }
        let pool = Arc::new(BufPool { ptr, layout, size });
        let iovecs: Vec<libc::iovec> = (0..count)
            // SAFETY: i < count keeps the offset inside the allocation.
            .map(|i| libc::iovec {
                iov_base: unsafe { ptr.add(i * size) }.cast(),
                iov_len: size,
            })
            .collect();
        // SAFETY: the iovecs describe live memory that the ring keeps (through `pool`) until
        // after io_uring_queue_exit; the kernel copies the array during the call.
        let ret = unsafe {
            sys::io_uring_register_buffers(self.as_raw_mut(), iovecs.as_ptr().cast(), count as u32)
        };
        error::cvt(ret)?;
        self.s.registered_buffers = Some(pool.clone());
        Ok((0..count)
            .map(|i| FixedBuf {
                pool: pool.clone(),
                index: i as u16,
                len: size,
            })
            .collect())
    }
}
