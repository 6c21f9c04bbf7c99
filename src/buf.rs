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
/// any `n <= bytes_total` after the kernel wrote `n` bytes.
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
