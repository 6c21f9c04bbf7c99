//! The files an op acts on, as types (I/O safety, RFC 3128).
//!
//! The kernel resolves an SQE's fd when it issues the request: at submit time, or later (a
//! linked request, a punt to io-wq). A number borrowed only until push could by then name
//! another file — someone else's — so every op *holds* what names its file until its
//! completion has been reaped:
//!
//! * any `F: AsFd + Send + 'static` (`File`, `TcpStream`, `OwnedFd`, `Arc<File>`...),
//!   owned or shared by the op and handed back with its output;
//! * a [`Fixed`] slot of the ring's registered-file table (`IOSQE_FIXED_FILE`), which
//!   belongs to one ring and is refused by every other;
//! * [`Cwd`] where the op takes a directory (`AT_FDCWD`);
//! * [`Raw`], made with `unsafe` from a number, for line-by-line ports of C code.
//!
//! Which of them an op accepts is its parameter's bound: [`IoFd`] (an fd or a registered
//! slot), [`DirFd`] (an fd or the working directory), [`OsFd`] (an fd, where the kernel
//! takes no slot). `IOSQE_FIXED_FILE` is set by the type, never by a flag the user passes.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

pub(crate) mod private {
    /// Seals [`IoFd`](super::IoFd), [`DirFd`](super::DirFd) and [`Forever`](super::Forever):
    /// only the crate decides what may name a file in an SQE.
    pub trait Sealed {}
}

/// What an op's file parameter may be: an fd the op holds (`F: AsFd + Send + 'static`), a
/// [`Fixed`] registered-file slot, or a [`Raw`] number vouched for with `unsafe`.
pub trait IoFd: private::Sealed + Send + 'static {
    /// Whether pushing needs to check this value against the ring (a [`Fixed`] slot names
    /// one ring's table). Known at compile time, so other values cost nothing.
    #[doc(hidden)]
    const CHECKED: bool = false;
    /// The number for `sqe->fd`, and whether it is a registered-file index
    /// (`IOSQE_FIXED_FILE`).
    #[doc(hidden)]
    fn sqe_fd(&self) -> (i32, bool);
    /// `Err` when this value may not be used on the ring whose id is `ring`.
    #[doc(hidden)]
    fn check(&self, _ring: u64) -> Result<(), crate::Refused> {
        Ok(())
    }
}

/// What an op's directory parameter may be: an fd the op holds, [`Cwd`], or a [`Raw`]
/// number. (The kernel takes no registered slot for a directory.)
pub trait DirFd: private::Sealed + Send + 'static {
    /// The number for `sqe->fd` (`AT_FDCWD` for [`Cwd`]).
    #[doc(hidden)]
    fn dirfd(&self) -> i32;
}

/// What an op's parameter may be where the kernel takes a plain fd of the process and no
/// registered slot (`epoll_ctl`'s fds, a files-update array...): an fd the op holds, or a
/// [`Raw`] number.
pub trait OsFd: private::Sealed + Send + 'static {
    /// The number.
    #[doc(hidden)]
    fn os_fd(&self) -> i32;
}

impl<F: AsFd + Send + 'static> OsFd for F {
    #[inline(always)]
    fn os_fd(&self) -> i32 {
        self.as_fd().as_raw_fd()
    }
}

/// File values that stay valid with nothing holding them: a [`Fixed`] slot (the ring's
/// table holds the file), a [`Raw`] number (its `unsafe` constructor promised) and a
/// `BorrowedFd<'static>`. Only ops whose files are all `Forever` may be pushed unmanaged
/// ([`Ring::push_with_user_data`](crate::Ring::push_with_user_data)), which keeps nothing.
pub trait Forever: private::Sealed {}

impl<F: AsFd + Send + 'static> private::Sealed for F {}

impl<F: AsFd + Send + 'static> IoFd for F {
    #[inline(always)]
    fn sqe_fd(&self) -> (i32, bool) {
        (self.as_fd().as_raw_fd(), false)
    }
}

impl<F: AsFd + Send + 'static> DirFd for F {
    #[inline(always)]
    fn dirfd(&self) -> i32 {
        self.as_fd().as_raw_fd()
    }
}

impl Forever for BorrowedFd<'static> {}

/// A slot of one ring's registered-file table (`IOSQE_FIXED_FILE`): an op given a `Fixed`
/// acts on the file the ring's table holds there, which the ring owns. Made by
/// [`Ring::fixed_file`](crate::Ring::fixed_file) or handed out by the ops that fill slots
/// (`AcceptDirect`, `OpenAtDirect`...). Pushed on any other ring it is refused
/// ([`PushError::Invalid`](crate::PushError::Invalid)): two rings' slot 3 are different
/// files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fixed {
    index: u32,
    ring: u64,
}

impl Fixed {
    pub(crate) fn new(index: u32, ring: u64) -> Fixed {
        Fixed { index, ring }
    }

    /// The slot's index in the table.
    pub fn index(&self) -> u32 {
        self.index
    }

    pub(crate) fn ring(&self) -> u64 {
        self.ring
    }
}

impl private::Sealed for Fixed {}
impl Forever for Fixed {}

impl IoFd for Fixed {
    const CHECKED: bool = true;
    #[inline(always)]
    fn sqe_fd(&self) -> (i32, bool) {
        (self.index as i32, true)
    }
    fn check(&self, ring: u64) -> Result<(), crate::Refused> {
        if self.ring == ring {
            Ok(())
        } else {
            Err(crate::Refused::new(
                "fd",
                u64::from(self.index),
                "a registered-file slot of another ring (each ring has its own table)",
            ))
        }
    }
}

/// The working directory as an op's directory (`AT_FDCWD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cwd;

impl private::Sealed for Cwd {}
impl Forever for Cwd {}

impl DirFd for Cwd {
    #[inline(always)]
    fn dirfd(&self) -> i32 {
        libc::AT_FDCWD
    }
}

/// An fd named only by its number, for ports of C code that hold plain `int`s:
/// `io_uring_prep_read(sqe, fd, ...)` becomes `Read::new(unsafe { Raw::new(fd) }, ...)`.
/// Safe code holds the file instead (any `AsFd` value), and needs no promise:
/// ```compile_fail,E0277
/// use system_liburing::op::Read;
/// let _ = Read::new(0, Vec::with_capacity(8), 0); // a bare number is no file
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Raw(RawFd);

impl Raw {
    /// Names the file `fd` refers to.
    ///
    /// # Safety
    /// `fd` must be an open file descriptor that the caller owns or borrows, and it must stay
    /// open, naming the same file, until the completion of every op built with this value has
    /// been reaped (or the ring dropped) — not only until the op is pushed: the kernel looks
    /// the number up when it issues the request, which can be at submit time or later.
    pub unsafe fn new(fd: RawFd) -> Raw {
        Raw(fd)
    }

    /// The number.
    pub fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

impl private::Sealed for Raw {}
impl Forever for Raw {}

impl IoFd for Raw {
    #[inline(always)]
    fn sqe_fd(&self) -> (i32, bool) {
        (self.0, false)
    }
}

impl OsFd for Raw {
    #[inline(always)]
    fn os_fd(&self) -> i32 {
        self.0
    }
}

impl DirFd for Raw {
    #[inline(always)]
    fn dirfd(&self) -> i32 {
        self.0
    }
}

/// Where an op that installs a file into the registered table puts it
/// (`AcceptDirect`, `OpenAtDirect`, `SocketDirect`...): a slot of this ring, or any free one
/// (`IORING_FILE_INDEX_ALLOC`, kernel 5.19). The op completes with the [`Fixed`] slot filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectSlot {
    /// This slot (replacing what it held).
    At(Fixed),
    /// Any free slot, chosen by the kernel (`IORING_FILE_INDEX_ALLOC`).
    Alloc,
}

impl From<Fixed> for DirectSlot {
    fn from(f: Fixed) -> DirectSlot {
        DirectSlot::At(f)
    }
}

/// `IORING_FILE_INDEX_ALLOC` (5.19).
pub(crate) const FILE_INDEX_ALLOC: u32 = u32::MAX;

impl DirectSlot {
    /// The `sqe->file_index` word: the slot plus one (0 would mean "not direct"), or
    /// `IORING_FILE_INDEX_ALLOC`. Slots past `u32::MAX - 2` cannot be encoded (the plus one
    /// would wrap to 0, "not direct", or become the allocation marker) and are refused.
    pub(crate) fn encode(&self) -> Result<u32, crate::Refused> {
        match self {
            DirectSlot::Alloc => Ok(FILE_INDEX_ALLOC),
            DirectSlot::At(f) if f.index < u32::MAX - 1 => Ok(f.index + 1),
            DirectSlot::At(f) => Err(crate::Refused::new(
                "file_index",
                u64::from(f.index),
                "a slot this large cannot be encoded (plus one wraps into 0 or the allocation marker)",
            )),
        }
    }

    /// Checks the slot against the ring pushing the op, and its encoding.
    // Used by the direct ops (io_uring_prep_openat_direct and later, liburing 2.1).
    #[cfg_attr(not(liburing_has = "io_uring_prep_openat_direct"), allow(dead_code))]
    pub(crate) fn check(&self, ring: u64) -> Result<(), crate::Refused> {
        if let DirectSlot::At(f) = self {
            f.check(ring)?;
        }
        self.encode().map(drop)
    }

    /// The slot a completion names: the kernel's choice (its result) for `Alloc`, the
    /// requested slot otherwise.
    pub(crate) fn filled(&self, res: u32, ring: u64) -> Fixed {
        match self {
            DirectSlot::At(f) => *f,
            DirectSlot::Alloc => Fixed::new(res, ring),
        }
    }
}
