//! The registered file table, from the SQ side.
// Some imports serve only ops that newer liburing releases enable.
#![allow(unused_imports)]

use super::{count, define_ops, owned_fd};
use crate::error::allow_bits;
use crate::fd::{Fixed, OsFd, FILE_INDEX_ALLOC};
use std::io;
use std::os::fd::OwnedFd;

/// The `install_fd_flags` a `FixedFdInstall` may carry: `IORING_FIXED_FD_NO_CLOEXEC`
/// (6.8), the new fd without close-on-exec (`1 << 0`, kernel ABI spelled out: older
/// headers lack it). It decides what the fd does across `exec`, nothing about memory; any
/// other bit is refused at push time.
pub const FIXED_FD_INSTALL_FLAGS: u32 = 1 << 0;

define_ops! {
    /// Replaces slots `offset..` of this ring's registered file table with `fds` (`None`
    /// empties a slot, kernel 5.13); with `offset` `IORING_FILE_INDEX_ALLOC` (see
    /// [`alloc`](FilesUpdate::alloc), 5.19) the kernel puts each file in a free slot of its
    /// choice instead. The kernel takes its own reference to each file; the op holds the
    /// files until it completes, then hands them back after the slots it updated: one
    /// [`Fixed`] per entry the kernel processed, in order (never more than there are
    /// entries, whatever the completion says).
    ///
    /// # Example
    /// ```
    /// # #[cfg(not(liburing_has = "io_uring_prep_read"))]
    /// # fn main() {}
    /// # #[cfg(liburing_has = "io_uring_prep_read")]
    /// # fn main() -> std::io::Result<()> {
    /// use system_liburing::op::{FilesUpdate, Read};
    /// use system_liburing::Ring;
    /// let path = std::env::temp_dir().join(format!("sl-doc-files-update-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files_sparse(4)?; // four empty slots
    /// // io_uring_prep_files_update(sqe, &fd, 1, 2): the file into slot 2
    /// let ticket = ring.push(FilesUpdate::new(vec![Some(file)], 2))?;
    /// let (slots, _files) = ring.wait_for(ticket)?;
    /// let slot = slots?[0];
    /// assert_eq!(slot.index(), 2);
    /// // slot 2 names the file now
    /// let ticket = ring.push(Read::new(slot, Vec::with_capacity(8), 0))?;
    /// let (n, _slot, buf) = ring.wait_for(ticket)?;
    /// assert_eq!((n?, &buf[..]), (5, &b"hello"[..]));
    /// // IORING_FILE_INDEX_ALLOC: the kernel picks free slots, and says which
    /// let again = std::fs::File::open(&path)?;
    /// let ticket = ring.push(FilesUpdate::alloc(vec![again]))?;
    /// let (slots, _files) = ring.wait_for(ticket)?;
    /// let slots = slots?;
    /// assert_eq!(slots.len(), 1);
    /// assert_ne!(slots[0].index(), 2); // slot 2 is taken
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_files_update", IORING_OP_FILES_UPDATE, "5.6"]
    FilesUpdate<F: OsFd>(fds: Vec<Option<F>>, offset: u32) {
        files: Vec<Option<F>> = fds, offset: u32 = offset, table: Vec<i32> = Vec::new(), ring: u64 = 0
    }
    prepare(&mut self, sqe, ring) {
        self.ring = ring;
        // The fds array the kernel reads when it issues the op (and, allocating, writes
        // the chosen slots into): the op's own, boxed with it until the completion.
        self.table = self.files.iter().map(|f| f.as_ref().map_or(-1, |f| f.os_fd())).collect();
        sqe.addr = self.table.as_mut_ptr() as u64;
        sqe.len = self.table.len().min(u32::MAX as usize) as u32;
        sqe.off = u64::from(self.offset);
    }
    complete(self, cqe) -> (io::Result<Vec<Fixed>>, Vec<Option<F>>) {
        let res = count(&cqe).map(|n| self.slots(n));
        (res, self.files)
    }

    /// Installs the file in registered slot `slot` (of this ring: another ring's slot is
    /// refused) as a regular fd of this process, close-on-exec unless `flags` has
    /// `IORING_FIXED_FD_NO_CLOEXEC` (the reviewed bits are [`FIXED_FD_INSTALL_FLAGS`]).
    /// Completes with the new fd, owned. Kernel 6.8.
    ///
    /// # Example
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// use std::io::Read as _;
    /// use std::os::fd::AsRawFd;
    /// use system_liburing::{op::FixedFdInstall, PushError, Ring};
    /// let path = std::env::temp_dir().join(format!("sl-doc-fd-install-{}", std::process::id()));
    /// std::fs::write(&path, b"hello")?;
    /// let file = std::fs::File::open(&path)?;
    /// let mut ring = Ring::new(8)?;
    /// ring.register_files(&[Some(&file)])?;
    /// drop(file); // slot 0 keeps the file open
    /// // slot 0 as a regular fd again
    /// let slot = ring.fixed_file(0);
    /// let ticket = match ring.push(FixedFdInstall::new(slot, 0)) {
    ///     Err(PushError::Unsupported(..)) => {
    ///         eprintln!("skipped: the running kernel has no IORING_OP_FIXED_FD_INSTALL (6.8)");
    ///         return Ok(());
    ///     }
    ///     ticket => ticket?,
    /// };
    /// let mut file = std::fs::File::from(ring.wait_for(ticket)??);
    /// // SAFETY: F_GETFD reads the fd's flags, no memory.
    /// let fd_flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFD) };
    /// assert_eq!(fd_flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    /// let mut text = String::new();
    /// file.read_to_string(&mut text)?;
    /// assert_eq!(text, "hello");
    /// // another ring's slot 0 is another file: refused
    /// let other = Ring::new(4)?;
    /// assert!(ring.push(FixedFdInstall::new(other.fixed_file(0), 0)).is_err());
    /// # std::fs::remove_file(&path)?;
    /// # Ok(()) }
    /// ```
    ["io_uring_prep_fixed_fd_install", IORING_OP_FIXED_FD_INSTALL, "6.8"]
    FixedFdInstall(slot: Fixed, flags: u32) { slot: Fixed = slot, install_flags: u32 = flags }
    fds(slot: Fixed)
    prepare(&mut self, sqe) {
        sqe.set_fd(&self.slot);
        sqe.op_flags = self.install_flags;
    }
    validate(&self, _ring) {
        allow_bits(
            "install_fd_flags",
            u64::from(self.install_flags),
            u64::from(FIXED_FD_INSTALL_FLAGS),
            "only IORING_FIXED_FD_NO_CLOEXEC (FIXED_FD_INSTALL_FLAGS) is reviewed",
        )
    }
    complete(self, cqe) -> io::Result<OwnedFd> { owned_fd(&cqe) }
}

#[cfg(liburing_has = "io_uring_prep_files_update")]
impl<F: OsFd> FilesUpdate<F> {
    /// Puts each file in a free slot the kernel chooses (`IORING_FILE_INDEX_ALLOC`, 5.19);
    /// the completion lists the slots, in order.
    #[doc(alias = "IORING_FILE_INDEX_ALLOC")]
    pub fn alloc(fds: Vec<F>) -> Self {
        Self::new(fds.into_iter().map(Some).collect(), FILE_INDEX_ALLOC)
    }

    /// The slots the first `n` entries updated: `n` is clamped to the entries there are,
    /// and a slot the kernel wrote back that is no index ends the list.
    fn slots(&self, n: usize) -> Vec<Fixed> {
        let n = n.min(self.table.len());
        if self.offset == FILE_INDEX_ALLOC {
            // The kernel wrote each chosen slot over its entry's fd.
            self.table[..n]
                .iter()
                .map_while(|&s| u32::try_from(s).ok())
                .map(|s| Fixed::new(s, self.ring))
                .collect()
        } else {
            (0..n)
                .map_while(|i| u32::try_from(i).ok()?.checked_add(self.offset))
                .map(|s| Fixed::new(s, self.ring))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::op::private::Sealed;
    use crate::op::Op;

    fn files(n: usize) -> Vec<Option<std::fs::File>> {
        (0..n)
            .map(|_| Some(std::fs::File::open("/dev/null").unwrap()))
            .collect()
    }

    #[cfg(liburing_has = "io_uring_prep_files_update")]
    #[test]
    fn files_update_counts_never_index_past_the_array() {
        let mut op = FilesUpdate::new(files(2), 5);
        let mut sqe = crate::entry::Sqe::default();
        op.prepare(&mut sqe, 7);
        assert_eq!(sqe.len, 2);
        let (slots, back) = op.complete(crate::entry::Cqe::new(0, 1000, 0));
        let slots: Vec<u32> = slots.unwrap().iter().map(Fixed::index).collect();
        assert_eq!((slots, back.len()), (vec![5, 6], 2));
        // slot numbers that would wrap past u32::MAX end the list
        let mut op = FilesUpdate::new(files(3), u32::MAX - 1);
        op.prepare(&mut sqe, 7);
        let (slots, _) = op.complete(crate::entry::Cqe::new(0, 3, 0));
        assert_eq!(slots.unwrap().len(), 2);
    }

    #[cfg(liburing_has = "io_uring_prep_files_update")]
    #[test]
    fn allocated_slots_come_from_what_the_kernel_wrote() {
        let mut op = FilesUpdate::alloc(files(3).into_iter().flatten().collect());
        let mut sqe = crate::entry::Sqe::default();
        op.prepare(&mut sqe, 7);
        assert_eq!(sqe.off, u64::from(FILE_INDEX_ALLOC));
        // as the kernel leaves the array: the first two installed, the third not
        op.table[0] = 4;
        op.table[1] = 9;
        op.table[2] = -1;
        let (slots, _) = op.complete(crate::entry::Cqe::new(0, 100, 0));
        let slots: Vec<u32> = slots.unwrap().iter().map(Fixed::index).collect();
        assert_eq!(slots, vec![4, 9]);
    }

    #[cfg(liburing_has = "io_uring_prep_fixed_fd_install")]
    #[test]
    fn fixed_fd_install_takes_this_rings_slot_and_no_cloexec_only() {
        let slot = Fixed::new(0, 1);
        assert!(FixedFdInstall::new(slot, FIXED_FD_INSTALL_FLAGS)
            .validate(1)
            .is_ok());
        assert_eq!(
            FixedFdInstall::new(slot, 2)
                .validate(1)
                .unwrap_err()
                .value(),
            2
        );
        assert_eq!(
            FixedFdInstall::new(slot, 0).validate(2).unwrap_err().what(),
            "fd"
        );
        assert_eq!(
            FIXED_FD_INSTALL_FLAGS,
            crate::sys::IORING_FIXED_FD_NO_CLOEXEC
        );
    }
}
