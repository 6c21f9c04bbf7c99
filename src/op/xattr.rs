//! Extended attributes (kernel 5.19). Names, paths and values are owned by the op.

use super::{count, define_ops, unit};
use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;

define_ops! {
    /// `fgetxattr(2)`: reads attribute `name` of `fd` into a buffer of `size` bytes; hands
    /// it back with its length set to the value's.
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
