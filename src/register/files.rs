//! Registered (fixed) files (`IORING_REGISTER_FILES`, kernel 5.1): the table, sparse tables
//! and in-place updates. The table is released with the ring (`io_uring_queue_exit`).

use crate::fd::Fixed;
use crate::ring::Ring;
use crate::{error, sys};
use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};

/// The fds of a table update: `-1` empties a slot (5.13).
fn table_fds<F: AsFd>(fds: &[Option<F>]) -> Vec<RawFd> {
    fds.iter()
        .map(|f| f.as_ref().map_or(-1, |f| f.as_fd().as_raw_fd()))
        .collect()
}

impl Ring {
    /// Registers `fds` as the fixed-file table (`None`: an empty slot, kernel 5.13): an op
    /// given [`fixed_file(i)`](Self::fixed_file) then acts on the file in slot `i`. The
    /// kernel takes its own reference to each file during the call: closing or dropping an
    /// fd afterwards does not invalidate its slot. The table lasts until
    /// [`unregister_files`](Self::unregister_files) or until the ring is dropped
    /// (`io_uring_queue_exit` releases it).
    #[doc(alias = "io_uring_register_files")]
    pub fn register_files<F: AsFd>(&mut self, fds: &[Option<F>]) -> io::Result<()> {
        let fds = table_fds(fds);
        let n = u32::try_from(fds.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: the ring is initialised; the kernel copies the array during the call.
        let ret = unsafe { sys::io_uring_register_files(self.as_raw_mut(), fds.as_ptr(), n) };
        error::cvt(ret).map(drop)
    }

    /// Registers a fixed-file table of `n` empty slots, to be filled with
    /// [`register_files_update`](Self::register_files_update) (or by ops that install
    /// files directly into a slot). Through liburing's `io_uring_register_files_sparse`
    /// (`IORING_RSRC_REGISTER_SPARSE`, kernel 5.19) where the linked liburing has it; with a
    /// table of `-1` entries (`IORING_REGISTER_FILES`, kernel 5.13) otherwise, or when the
    /// kernel refuses the sparse flag. `EBUSY` when the ring already has a table; `EMFILE`
    /// beyond `RLIMIT_NOFILE` slots.
    #[doc(alias = "io_uring_register_files_sparse")]
    pub fn register_files_sparse(&mut self, n: u32) -> io::Result<()> {
        #[cfg(liburing_has = "io_uring_register_files_sparse")]
        {
            // SAFETY: the ring is initialised; the call takes no pointer of ours.
            let ret = unsafe { sys::io_uring_register_files_sparse(self.as_raw_mut(), n) };
            match error::cvt(ret) {
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
                r => return r.map(drop),
            }
        }
        let empty = vec![-1 as RawFd; n as usize];
        crate::syscall::register(
            self.s.ring_fd,
            crate::sys::IORING_REGISTER_FILES,
            empty.as_ptr().cast(),
            n,
        )
        .map(drop)
    }

    /// Replaces the slots `offset..offset + fds.len()` of the fixed-file table
    /// (`IORING_REGISTER_FILES_UPDATE`, kernel 5.5): each slot then names its fd's file (the
    /// kernel takes its own reference during the call); `None` empties a slot (5.13).
    /// Returns how many slots were updated. `ENXIO` without a table, `EINVAL` past its end.
    #[doc(alias = "io_uring_register_files_update")]
    pub fn register_files_update<F: AsFd>(
        &mut self,
        offset: u32,
        fds: &[Option<F>],
    ) -> io::Result<u32> {
        let fds = table_fds(fds);
        let n = u32::try_from(fds.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        #[cfg(liburing_has = "io_uring_register_files_update")]
        {
            // SAFETY: the ring is initialised; the kernel only reads the `n` fds (liburing
            // 0.6 declares the array `int *`, later ones `const int *`), during the call.
            let ret = unsafe {
                sys::io_uring_register_files_update(
                    self.as_raw_mut(),
                    offset,
                    fds.as_ptr().cast_mut(),
                    n,
                )
            };
            error::cvt(ret)
        }
        #[cfg(not(liburing_has = "io_uring_register_files_update"))]
        {
            /// `struct io_uring_files_update { __u32 offset; __u32 resv; __aligned_u64 fds; }`
            #[repr(C)]
            struct FilesUpdate {
                offset: u32,
                resv: u32,
                fds: u64,
            }
            let up = FilesUpdate {
                offset,
                resv: 0,
                fds: fds.as_ptr() as u64,
            };
            crate::syscall::register(
                self.s.ring_fd,
                crate::sys::IORING_REGISTER_FILES_UPDATE,
                (&up as *const FilesUpdate).cast(),
                n,
            )
        }
    }

    /// Slot `index` of this ring's registered-file table, for ops to act on
    /// (`IOSQE_FIXED_FILE`). The handle belongs to this ring: any other ring refuses it at
    /// push time. An index past the table's end (or with no table) completes with `EBADF`.
    pub fn fixed_file(&self, index: u32) -> Fixed {
        Fixed::new(index, self.s.id)
    }

    /// Drops the fixed-file table.
    #[doc(alias = "io_uring_unregister_files")]
    pub fn unregister_files(&mut self) -> io::Result<()> {
        // SAFETY: the ring is initialised.
        let ret = unsafe { sys::io_uring_unregister_files(self.as_raw_mut()) };
        error::cvt(ret).map(drop)
    }
}
