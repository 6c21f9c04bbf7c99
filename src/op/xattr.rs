//! Extended attributes (kernel 5.19). Names, paths and values are owned by the op.

use super::{count, define_ops, unit};
use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;

define_ops! {
    /// `fgetxattr(2)`: reads attribute `name` of `fd` into a buffer of `size` bytes; hands
    /// it back with its length set to the value's.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{FGetXattr, FSetXattr};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fgetxattr-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// let name = CString::new("user.demo")?;
    /// let set = FSetXattr::new(file.as_raw_fd(), name.clone(), b"v1".to_vec(), 0);
    /// let ticket = ring.push(set)?;
    /// ring.wait_for(ticket)??;
    /// // fgetxattr(fd, "user.demo", value, 16)
    /// let ticket = ring.push(FGetXattr::new(file.as_raw_fd(), name.clone(), 16))?;
    /// let (n, value) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &value[..]), (2, &b"v1"[..]));
    /// // a buffer too small for the value: ERANGE
    /// let ticket = ring.push(FGetXattr::new(file.as_raw_fd(), name, 1))?;
    /// assert_eq!(ring.wait_for(ticket)?.0.unwrap_err().raw_os_error(), Some(libc::ERANGE));
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fgetxattr", IORING_OP_FGETXATTR, "5.19"]
    FGetXattr(fd: RawFd, name: CString, size: usize) { fd: RawFd = fd, name: CString = name, value: Vec<u8> = Vec::with_capacity(size) }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_mut_ptr() as u64;
        sqe.len = self.value.capacity().min(u32::MAX as usize) as u32;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<u8>) { value(count(&cqe), self.value) }

    /// `fsetxattr(2)`: sets attribute `name` of `fd` (`flags`: `libc::XATTR_CREATE`,
    /// `XATTR_REPLACE`).
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::ffi::CString;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::op::{FGetXattr, FSetXattr};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-fsetxattr-{}", std::process::id()));
    /// let file = std::fs::File::create(&path)?;
    /// let fd = file.as_raw_fd();
    /// let mut ring = Ring::new(8)?;
    /// let name = CString::new("user.demo")?;
    /// // fsetxattr(fd, "user.demo", "v1", 2, XATTR_CREATE)
    /// let flags = libc::XATTR_CREATE;
    /// let ticket = ring.push(FSetXattr::new(fd, name.clone(), b"v1".to_vec(), flags))?;
    /// ring.wait_for(ticket)??;
    /// // XATTR_CREATE refuses a name that exists
    /// let ticket = ring.push(FSetXattr::new(fd, name.clone(), b"v2".to_vec(), flags))?;
    /// assert_eq!(ring.wait_for(ticket)?.unwrap_err().raw_os_error(), Some(libc::EEXIST));
    /// let ticket = ring.push(FGetXattr::new(fd, name, 16))?;
    /// assert_eq!(ring.wait_for(ticket)?.1, b"v1");
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fsetxattr", IORING_OP_FSETXATTR, "5.19"]
    FSetXattr(fd: RawFd, name: CString, value: Vec<u8>, flags: i32) {
        fd: RawFd = fd, name: CString = name, value: Vec<u8> = value, xattr_flags: i32 = flags
    }
    prepare(&mut self, sqe) {
        sqe.fd = self.fd;
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_ptr() as u64;
        sqe.len = self.value.len().min(u32::MAX as usize) as u32;
        sqe.op_flags = self.xattr_flags as u32;
    }
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }

    /// `getxattr(2)`: reads attribute `name` of the file at `path`.
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
        path: CString = path, name: CString = name, value: Vec<u8> = Vec::with_capacity(size)
    }
    prepare(&mut self, sqe) {
        sqe.fd = 0;
        sqe.addr = self.name.as_ptr() as u64;
        sqe.off = self.value.as_mut_ptr() as u64;
        sqe.len = self.value.capacity().min(u32::MAX as usize) as u32;
        sqe.addr3 = self.path.as_ptr() as u64;
    }
    complete(self, cqe) -> (io::Result<usize>, Vec<u8>) { value(count(&cqe), self.value) }

    /// `setxattr(2)`: sets attribute `name` of the file at `path`.
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
    complete(self, cqe) -> io::Result<()> { unit(&cqe) }
}

/// The value buffer, its length set to what the kernel wrote.
fn value(res: io::Result<usize>, mut v: Vec<u8>) -> (io::Result<usize>, Vec<u8>) {
    if let Ok(n) = res {
        // SAFETY: the kernel wrote n bytes, at most the capacity we gave it.
        unsafe { v.set_len(n.min(v.capacity())) };
    }
    (res, v)
}
