//! Owned buffers: what an op takes in and hands back, so that the memory the kernel reads
//! or writes stays alive (and in place) until the completion, with no `unsafe` for the user.

/// A buffer the kernel may read from while an op is in flight.
///
/// # Safety
/// `stable_ptr` must point to `bytes_init` initialised bytes that stay valid and at the same
/// address while the value is alive and not accessed, even when the value itself moves
/// (heap storage, or `'static` data).
pub unsafe trait IoBuf: Send + 'static {
    /// Start of the bytes.
    fn stable_ptr(&self) -> *const u8;
    /// How many bytes are initialised (what a write sends).
    fn bytes_init(&self) -> usize;
}

/// A buffer the kernel may write into while an op is in flight.
///
/// # Safety
/// As [`IoBuf`], for `bytes_total` writable bytes at `stable_mut_ptr`; `set_init` must accept
/// any `n <= bytes_total` after the kernel wrote `n` bytes; after `init_room` all
/// `bytes_total` bytes must be initialised.
pub unsafe trait IoBufMut: Send + 'static {
    /// Start of the writable bytes.
    fn stable_mut_ptr(&mut self) -> *mut u8;
    /// How many bytes the kernel may write (a read's length).
    fn bytes_total(&self) -> usize;
    /// Records that the first `n` bytes are now initialised.
    ///
    /// # Safety
    /// The first `n` bytes must have been written.
    unsafe fn set_init(&mut self, n: usize);
    /// Makes every one of the `bytes_total` bytes initialised (zeroing those that are not
    /// yet), called before a receive with `MSG_TRUNC`, whose count on a stream socket
    /// includes bytes it never copied. A buffer whose bytes are always initialised does
    /// nothing — and a buffer other handles share *must* do nothing: Rust code writing
    /// bytes that an in-flight op is sending, or that another thread zeroes too, is a data
    /// race.
    fn init_room(&mut self);
}

// SAFETY: a Vec's heap block does not move when the Vec moves; it is not reallocated while
// the op owns it.
unsafe impl IoBuf for Vec<u8> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
}

/// A read fills the whole capacity from the start: after it, `len()` is the count read.
// SAFETY: as for IoBuf; `capacity` bytes are allocated.
unsafe impl IoBufMut for Vec<u8> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    fn bytes_total(&self) -> usize {
        self.capacity()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: the caller promises the first n <= capacity bytes are initialised.
        unsafe { self.set_len(n) };
    }
    fn init_room(&mut self) {
        // The Vec is this op's alone: its spare capacity is written through its own API.
        for b in self.spare_capacity_mut() {
            b.write(0);
        }
    }
}

// SAFETY: boxed slices live on the heap and do not move with the box.
unsafe impl IoBuf for Box<[u8]> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
}

/// A read writes into the whole slice; the count is in the result.
// SAFETY: as above; all bytes of a boxed slice are initialised already.
unsafe impl IoBufMut for Box<[u8]> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
    unsafe fn set_init(&mut self, _n: usize) {}
    fn init_room(&mut self) {}
}

// SAFETY: 'static data never moves nor dies.
unsafe impl IoBuf for &'static [u8] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
}

// SAFETY: 'static data never moves nor dies.
unsafe impl IoBuf for &'static str {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
}

/// A zero-filled heap buffer that several ops can hold at once: the Rust form of C handing
/// the same iovec to a linked read and write (liburing's `examples/link-cp.c`).
///
/// Each clone is a handle to the same bytes, and each handle is a buffer for any op
/// ([`IoBuf`] and [`IoBufMut`]): push a read holding one handle, linked
/// ([`OpFlags::IO_LINK`](crate::OpFlags::IO_LINK)) to a write holding another, and the
/// kernel writes the file's bytes out of the memory it just read them into, with no copy and
/// no round trip through user space. The kernel runs a chain in order; ops on the same
/// buffer that are *not* linked run in any order, which can mix up the bytes but never
/// touches freed memory.
///
/// The bytes are reachable from Rust only through the *last* handle
/// ([`get_mut`](Self::get_mut), [`try_into_vec`](Self::try_into_vec)): while an op holds a
/// handle the kernel may be writing them, so nobody may read them. Every byte is always
/// initialised (zero at first), so a write sends all [`len`](Self::len) bytes and a read
/// may fill any prefix (its count is in its result).
///
/// # Example
/// ```
/// # #[cfg(not(all(liburing_has = "io_uring_prep_read", liburing_has = "io_uring_prep_write")))]
/// # fn main() {}
/// # #[cfg(all(liburing_has = "io_uring_prep_read", liburing_has = "io_uring_prep_write"))]
/// # fn main() -> std::io::Result<()> {
/// use system_liburing::op::{Read, Write};
/// use system_liburing::{OpFlags, Ring, SharedBuf};
/// # let dir = std::env::temp_dir();
/// # let (src, dst) = (dir.join(format!("doc-shared-src-{}", std::process::id())),
/// #                   dir.join(format!("doc-shared-dst-{}", std::process::id())));
/// std::fs::write(&src, b"linked copy")?;
/// let (from, to) = (std::fs::File::open(&src)?, std::fs::File::create(&dst)?);
/// let mut ring = Ring::new(8)?;
/// let buf = SharedBuf::new(11);
/// let read = ring.push(Read::new(from, buf.clone(), 0).flags(OpFlags::IO_LINK))?;
/// let write = ring.push(Write::new(to, buf, 0))?;
/// let (n, _from, _) = ring.wait_for(read)?; // (its handle dropped at once)
/// assert_eq!(n?, 11);
/// let (written, _to, mut buf) = ring.wait_for(write)?;
/// assert_eq!(written?, 11);
/// assert_eq!(buf.get_mut().expect("the last handle"), b"linked copy");
/// assert_eq!(std::fs::read(&dst)?, b"linked copy");
/// # std::fs::remove_file(&src)?; std::fs::remove_file(&dst)?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SharedBuf(std::sync::Arc<SharedBytes>);

/// The bytes behind every handle, as a raw pointer: no Rust reference to them exists while
/// the kernel may write them.
struct SharedBytes {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the bytes are plain heap memory owned by this value; Rust reaches them only
// through the unique handle (`SharedBuf::get_mut` / `try_into_vec`), so sharing the pointer
// between threads creates no data race in Rust code.
unsafe impl Send for SharedBytes {}
// SAFETY: as for Send: `&SharedBytes` gives no access to the bytes.
unsafe impl Sync for SharedBytes {}

impl Drop for SharedBytes {
    fn drop(&mut self) {
        // SAFETY: ptr and len come from Box::into_raw of a boxed slice in SharedBuf::new,
        // and the last handle is dropping it.
        drop(unsafe {
            Box::from_raw(std::ptr::slice_from_raw_parts_mut(
                self.ptr.as_ptr(),
                self.len,
            ))
        });
    }
}

impl SharedBuf {
    /// `len` zero bytes.
    pub fn new(len: usize) -> SharedBuf {
        let bytes = Box::into_raw(vec![0u8; len].into_boxed_slice());
        SharedBuf(std::sync::Arc::new(SharedBytes {
            // SAFETY: Box::into_raw never returns null (a dangling, non-null pointer for 0).
            ptr: unsafe { std::ptr::NonNull::new_unchecked(bytes.cast::<u8>()) },
            len,
        }))
    }

    /// The size in bytes.
    pub fn len(&self) -> usize {
        self.0.len
    }

    /// Whether the buffer has no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// How many handles (this one included) exist, in ops or in hand.
    pub fn handles(&self) -> usize {
        std::sync::Arc::strong_count(&self.0)
    }

    /// The bytes, if this is the only handle left (no op holds one: the kernel is done
    /// with them); `None` otherwise.
    pub fn get_mut(&mut self) -> Option<&mut [u8]> {
        let bytes = std::sync::Arc::get_mut(&mut self.0)?;
        // SAFETY: the only handle, borrowed mutably: no op holds the bytes any more, and
        // Arc::get_mut synchronised with the other handles' drops (the ops' completions).
        Some(unsafe { std::slice::from_raw_parts_mut(bytes.ptr.as_ptr(), bytes.len) })
    }

    /// The bytes as a `Vec`, if this is the only handle left; the handle back otherwise.
    pub fn try_into_vec(mut self) -> Result<Vec<u8>, SharedBuf> {
        match self.get_mut() {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Err(self),
        }
    }
}

impl std::fmt::Debug for SharedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBuf")
            .field("len", &self.0.len)
            .field("handles", &self.handles())
            .finish()
    }
}

// SAFETY: the bytes are heap memory that does not move and lives while any handle does;
// all `len` are initialised (zeroed at birth).
unsafe impl IoBuf for SharedBuf {
    fn stable_ptr(&self) -> *const u8 {
        self.0.ptr.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.0.len
    }
}

/// A read writes into the whole buffer; the count is in the result.
// SAFETY: as for IoBuf; Rust reads the bytes only through the last handle, so the kernel
// writing them while ops hold handles races with no Rust code.
unsafe impl IoBufMut for SharedBuf {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.0.ptr.as_ptr()
    }
    fn bytes_total(&self) -> usize {
        self.0.len
    }
    unsafe fn set_init(&mut self, _n: usize) {}
    /// Every byte is initialised from `new` on; writing them here would race with the
    /// other handles' ops and threads.
    fn init_room(&mut self) {}
}
