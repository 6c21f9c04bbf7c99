//! Extended attributes (kernel 5.19). Names, paths, values and files are owned by the op;
//! a read value is believed only up to the length the op gave the kernel, and the flags of
//! a set are checked against [`XATTR_FLAGS`].

use super::{define_ops, filled, unit};
use crate::error::allow_bits;
use crate::fd::IoFd;
use std::ffi::CString;
use std::io;

// The most an attribute value can hold (`XATTR_SIZE_MAX`, 64 KiB): the kernel reads no
// more than this of a get's `size`, so the gets allocate no more (a larger `size`, even
// `usize::MAX`, asks the kernel for the same thing).
const XATTR_SIZE_MAX: usize = 65536;

/// The bits [`FSetXattr`] / [`SetXattr`] accept: `XATTR_CREATE` (fail if the attribute
/// exists) and `XATTR_REPLACE` (fail if it does not), 2.4. They decide whether the set
/// happens, not what the kernel reads: always the op's own name and value. Any other bit is
/// refused.
pub const XATTR_FLAGS: i32 = libc::XATTR_CREATE | libc::XATTR_REPLACE;

fn xattr_flags_ok(flags: i32) -> Result<(), crate::Refused> {
    allow_bits(
        "xattr_flags",
        u64::from(flags as u32),
        XATTR_FLAGS as u64,
        "only the reviewed bits (XATTR_FLAGS) are passed to the kernel",
    )
}

define_ops! {
    /// `fgetxattr(2)`: reads attribute `name` of `fd` into a buffer of `size` bytes; hands
    /// back the file and the buffer, its length set to the value's (never more than `size`:
    /// a size of 0 asks only for the value's length, the result). A `size` past 64 KiB
    /// (`XATTR_SIZE_MAX`, the most a value holds and all the kernel reads) allocates 64 KiB.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use system_liburing::op::{FGetXattr, FSetXattr};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fgetxattr-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// let name = CString::new("user.demo")?;
    /// let ticket = ring.push(FSetXattr::new(file, name.clone(), b"v1".to_vec(), 0))?;
    /// let (res, file) = ring.wait_for(ticket)?;
    /// res?;
    /// // fgetxattr(fd, "user.demo", value, 16)
    /// let ticket = ring.push(FGetXattr::new(file, name.clone(), 16))?;
    /// let (n, file, value) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &value[..]), (2, &b"v1"[..]));
    /// // size 0: only the value's length, nothing written
    /// let ticket = ring.push(FGetXattr::new(file, name.clone(), 0))?;
    /// let (n, file, value) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, value.len()), (2, 0));
    /// // a buffer too small for the value: ERANGE
    /// let ticket = ring.push(FGetXattr::new(file, name, 1))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::ERANGE));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fgetxattr", IORING_OP_FGETXATTR, "5.19"]
    FGetXattr<F: IoFd>(fd: F, name: CString, size: usize) {
        fd: F = fd, name: CString = name, value: Vec<u8> = Vec::with_capacity(size.min(XATTR_SIZE_MAX)), given: u32 = 0
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        self.given = self.value.capacity().min(u32::MAX as usize) as u32;
        sqe.set_fd(&self.fd);
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_mut_ptr() as u64;
        sqe.len = self.given;
    }
    complete(self, cqe) -> (io::Result<usize>, F, Vec<u8>) {
        let (res, value) = value(cqe.result(), self.value, self.given);
        (res, self.fd, value)
    }

    /// `fsetxattr(2)`: sets attribute `name` of `fd` (`flags` within [`XATTR_FLAGS`]:
    /// `libc::XATTR_CREATE`, `XATTR_REPLACE`). Hands the file back.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::sync::Arc;
    /// use system_liburing::op::{FGetXattr, FSetXattr};
    /// use system_liburing::{PushError, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fsetxattr-{}", std::process::id()));
    /// let file = Arc::new(std::fs::File::create(&path)?); // shared by the ops below
    /// let mut ring = Ring::new(8)?;
    /// let name = CString::new("user.demo")?;
    /// // fsetxattr(fd, "user.demo", "v1", 2, XATTR_CREATE)
    /// let flags = libc::XATTR_CREATE;
    /// let ticket = ring.push(FSetXattr::new(file.clone(), name.clone(), b"v1".to_vec(), flags))?;
    /// let (res, _file) = ring.wait_for(ticket)?;
    /// res?;
    /// // XATTR_CREATE refuses a name that exists
    /// let ticket = ring.push(FSetXattr::new(file.clone(), name.clone(), b"v2".to_vec(), flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::EEXIST));
    /// let ticket = ring.push(FGetXattr::new(file.clone(), name.clone(), 16))?;
    /// assert_eq!(ring.wait_for(ticket)?.2, b"v1");
    /// // A bit outside XATTR_FLAGS is refused before anything is queued.
    /// let odd = FSetXattr::new(file, name, b"v3".to_vec(), 0x10);
    /// assert!(matches!(ring.push(odd), Err(PushError::Invalid(..))));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fsetxattr", IORING_OP_FSETXATTR, "5.19"]
    FSetXattr<F: IoFd>(fd: F, name: CString, value: Vec<u8>, flags: i32) {
        fd: F = fd, name: CString = name, value: Vec<u8> = value, xattr_flags: i32 = flags
    }
    fds(fd: F)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.fd);
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_ptr() as u64;
        sqe.len = self.value.len().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.xattr_flags as u32;
    }
    validate(&self, _ring) { xattr_flags_ok(self.xattr_flags) }
    complete(self, cqe) -> (io::Result<()>, F) { (unit(&cqe), self.fd) }

    /// `getxattr(2)`: reads attribute `name` of the file at `path` into a buffer of `size`
    /// bytes, handed back with its length set to the value's (never more than `size`). A
    /// `size` past 64 KiB (`XATTR_SIZE_MAX`) allocates 64 KiB, all the kernel reads.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::unix::ffi::OsStrExt;
    /// use system_liburing::op::{GetXattr, SetXattr};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-getxattr-{}", std::process::id()));
    /// std::fs::write(&path, b"")?;
    /// let cpath = CString::new(path.as_os_str().as_bytes())?;
    /// let name = CString::new("user.demo")?;
    /// let mut ring = Ring::new(8)?;
    /// let set = SetXattr::new(cpath.clone(), name.clone(), b"value".to_vec(), 0);
    /// let ticket = ring.push(set)?;
    /// ring.wait_for(ticket)??;
    /// // getxattr(path, "user.demo", value, 16)
    /// let ticket = ring.push(GetXattr::new(cpath, name, 16))?;
    /// let (n, value) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &value[..]), (5, &b"value"[..]));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_getxattr", IORING_OP_GETXATTR, "5.19"]
    GetXattr(path: CString, name: CString, size: usize) {
        path: CString = path, name: CString = name, value: Vec<u8> = Vec::with_capacity(size.min(XATTR_SIZE_MAX)), given: u32 = 0
    }
    prepare(&mut self, sqe) {
        self.given = self.value.capacity().min(u32::MAX as usize) as u32;
        sqe.fd = 0;
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_mut_ptr() as u64;
        sqe.len = self.given;
        sqe.addr3 = self.path.as_ptr() as u64;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<u8>) { value(cqe.result(), self.value, self.given) }

    /// `setxattr(2)`: sets attribute `name` of the file at `path` (`flags` within
    /// [`XATTR_FLAGS`]).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::unix::ffi::OsStrExt;
    /// use system_liburing::op::{GetXattr, SetXattr};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-setxattr-{}", std::process::id()));
    /// std::fs::write(&path, b"")?;
    /// let cpath = CString::new(path.as_os_str().as_bytes())?;
    /// let name = CString::new("user.demo")?;
    /// let mut ring = Ring::new(8)?;
    /// // XATTR_REPLACE needs the attribute to exist: ENODATA
    /// let flags = libc::XATTR_REPLACE;
    /// let ticket = ring.push(SetXattr::new(cpath.clone(), name.clone(), b"v".to_vec(), flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::ENODATA));
    /// // setxattr(path, "user.demo", "value", 5, 0): create or replace
    /// let set = SetXattr::new(cpath.clone(), name.clone(), b"value".to_vec(), 0);
    /// let ticket = ring.push(set)?;
    /// ring.wait_for(ticket)??;
    /// let ticket = ring.push(GetXattr::new(cpath, name, 16))?;
    /// assert_eq!(ring.wait_for(ticket)?.1, b"value");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_setxattr", IORING_OP_SETXATTR, "5.19"]
    SetXattr(path: CString, name: CString, value: Vec<u8>, flags: i32) {
        path: CString = path, name: CString = name, value: Vec<u8> = value, xattr_flags: i32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_ptr() as u64;
        sqe.len = self.value.len().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.xattr_flags as u32;
        sqe.addr3 = self.path.as_ptr() as u64;
    }
    validate(&self, _ring) { xattr_flags_ok(self.xattr_flags) }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
}

/// The value buffer, its length set to what the kernel wrote: the result, never more than
/// the `given` bytes the SQE allowed (a size-0 query reports the value's length and writes
/// nothing).
fn value(res: io::Result<u32>, mut v: Vec<u8>, given: u32) -> (io::Result<usize>, Vec<u8>) {
    if let Ok(n) = res {
        // SAFETY: the kernel wrote the first bytes of the `given` (<= capacity) we handed it;
        // never more than that is believed.
        unsafe { v.set_len(filled(n, given)) };
    }
    (res.map(|n| n as usize), v)
}
