//! One scenario per op (some ops have two: a registered slot and `IORING_FILE_INDEX_ALLOC`,
//! a plain fd and a registered one): the same arguments given to the crate's typed
//! constructor and to the linked liburing's `io_uring_prep_*`, as a C program would call it
//! (a registered slot is the index with `IOSQE_FIXED_FILE` set by the caller; a buffer ring
//! is `IOSQE_BUFFER_SELECT` and `buf_group` set by the caller where the helper takes none).
//! liburing is handed the very buffers the op owns where the op takes them from the caller,
//! so those pointers are equal; what the crate builds itself (a path's copy, an `open_how`,
//! a timespec, a `msghdr`, an iovec array, a `sockaddr`) is compared by what it points at.
//!
//! A scenario exists only where the crate's op does (`cfg(liburing_has = "<helper>")`, the
//! same gate as the op); an op of this build without one fails the check.

// Against older liburing releases most scenarios compile out, with the helpers they share.
#![allow(dead_code, unused_imports)]

// Written against the 2.x helper signatures (see build.rs: `liburing_2x`).
#[cfg(liburing_2x)]
mod fs;
#[cfg(liburing_2x)]
mod misc;
#[cfg(liburing_2x)]
mod net;
#[cfg(liburing_2x)]
mod rw;

use super::compare::{compare, Diff, Field, Pointee};
use crate::checks::errno_text;
use crate::checks::lib_ring::LibRing;
use std::fs::File;
use std::sync::Arc;
use system_liburing::op::{encode, Op};
use system_liburing::register::BufRing;
use system_liburing::{sys, FixedBuf, Ring, SqeFlags};

/// One comparison: which helper, which arguments, and the function that makes both SQEs.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub helper: &'static str,
    /// What distinguishes this case from the helper's others ("" for the only one).
    pub case: &'static str,
    pub run: fn(&mut Env) -> Result<Vec<Diff>, String>,
}

/// What the scenarios share: a ring for the crate's ops to be checked against (its slots,
/// its registered buffers, its buffer ring), a ring of the linked liburing's whose entries
/// liburing's helpers fill, and a file to stand for every fd. Nothing is ever submitted.
pub struct Env {
    ring: Ring,
    lib: LibRing,
    /// Entries of `lib` handed out so far.
    taken: u32,
    null: Arc<File>,
    nullfd: i32,
    fixed: Vec<FixedBuf>,
    bufs: Result<BufRing, String>,
    /// A buffer ring to send from (`SendBundle`), group [`SEND_BGID`].
    send_bufs: Result<BufRing, String>,
}

/// The registered slot the scenarios name (`Ring::fixed_file`), and the buffer group id.
pub const SLOT: u32 = 3;
pub const BGID: u16 = 7;
pub const SEND_BGID: u16 = 8;
/// `IORING_FILE_INDEX_ALLOC` (5.19).
pub const ALLOC: u32 = !0;
/// Entries of liburing's ring: one per scenario, and one more never handed out.
const LIB_ENTRIES: u32 = 256;
/// What every entry of liburing's ring holds before a helper fills it: a recycled SQE is
/// never zero, so a field a helper (or `io_uring_get_sqe`) forgets shows.
const POISON: u8 = 0xa5;

impl Env {
    pub fn new() -> Result<Env, String> {
        let mut ring = Ring::new(8).map_err(|e| format!("ring setup: {}", errno_text(&e)))?;
        let fixed = ring
            .register_buffers(8, 4096)
            .map_err(|e| format!("register_buffers: {}", errno_text(&e)))?;
        let bufs = ring.register_buf_ring(8, 256, BGID).map_err(|e| {
            format!(
                "a buffer ring (kernel 5.19) could not be registered: {}",
                errno_text(&e)
            )
        });
        let send_bufs = ring.register_send_buf_ring(8, 256, SEND_BGID).map_err(|e| {
            format!(
                "a buffer ring (kernel 5.19) could not be registered: {}",
                errno_text(&e)
            )
        });
        let mut lib = LibRing::new(LIB_ENTRIES, None, 0).map_err(|e| {
            format!(
                "io_uring_queue_init_params: {}",
                errno_text(&std::io::Error::from_raw_os_error(-e))
            )
        })?;
        let n = lib.params.sq_entries as usize;
        // SAFETY: the ring is set up; `sq.sqes` is its array of `sq_entries` SQEs, mapped
        // writable and not yet handed to the kernel (nothing is ever submitted).
        unsafe { std::ptr::write_bytes((*lib.raw()).sq.sqes.cast::<u8>(), POISON, n * 64) };
        let null = Arc::new(File::open("/dev/null").map_err(|e| format!("/dev/null: {e}"))?);
        let nullfd = std::os::fd::AsRawFd::as_raw_fd(&*null);
        Ok(Env {
            ring,
            lib,
            taken: 0,
            null,
            nullfd,
            fixed,
            bufs,
            send_bufs,
        })
    }

    /// A file for the crate's op (shared, so every op names the same fd, `nullfd`).
    fn null(&self) -> Arc<File> {
        self.null.clone()
    }

    /// Slot [`SLOT`] of the ring's registered-file table.
    fn slot(&self) -> system_liburing::fd::Fixed {
        self.ring.fixed_file(SLOT)
    }

    /// One of the ring's registered buffers (8 of 4096 bytes).
    fn fixed_buf(&mut self) -> Result<FixedBuf, String> {
        self.fixed
            .pop()
            .ok_or_else(|| "out of registered buffers".to_owned())
    }

    fn buf_ring(&self) -> Result<&BufRing, String> {
        self.bufs.as_ref().map_err(|e| e.clone())
    }

    /// The ring's buffer ring to send from, group [`SEND_BGID`].
    fn send_buf_ring(&self) -> Result<&BufRing, String> {
        self.send_bufs.as_ref().map_err(|e| e.clone())
    }

    /// The crate's SQE for `op` and liburing's from `prep`, compared.
    ///
    /// # Safety
    /// As [`compare`]: for every field in `pointees`, both SQEs must point at live memory of
    /// that kind. The op's side is the op itself (borrowed, so alive and unmoved); the
    /// caller keeps liburing's arguments alive across the call.
    unsafe fn pair<O: Op>(
        &mut self,
        op: &mut O,
        prep: impl FnOnce(*mut sys::io_uring_sqe),
        pointees: &[(Field, Pointee)],
    ) -> Result<Vec<Diff>, String> {
        let krate = encode(&self.ring, op).map_err(|e| format!("the crate refused it: {e}"))?;
        let lib = self.lib_sqe(prep)?;
        // SAFETY: the caller's promise, passed on.
        Ok(unsafe { compare(&krate, &lib, pointees) })
    }

    /// liburing's SQE as a C program makes it: an entry from the linked liburing's
    /// `io_uring_get_sqe` (recycled: every byte [`POISON`]), filled by `prep`, then its
    /// user_data set by the caller (`io_uring_sqe_set_data`; the crate sets its own at
    /// push). A helper that writes into the next entry is reported.
    fn lib_sqe(&mut self, prep: impl FnOnce(*mut sys::io_uring_sqe)) -> Result<[u8; 64], String> {
        if self.taken + 1 >= self.lib.params.sq_entries {
            return Err("out of liburing SQEs".into());
        }
        let sqe = self.lib.sqe().ok_or("io_uring_get_sqe: the SQ is full")?;
        self.taken += 1;
        prep(sqe);
        let mut b = [0u8; 64];
        // SAFETY: `sqe` is the entry io_uring_get_sqe handed out, 64 bytes, and the next
        // one (never handed out: `taken + 1 < sq_entries`) lies right after it in the array.
        let next_dirty = unsafe {
            (*sqe).user_data = 0;
            std::ptr::copy_nonoverlapping(sqe.cast::<u8>(), b.as_mut_ptr(), 64);
            std::slice::from_raw_parts(sqe.cast::<u8>().add(64), 64)
                .iter()
                .any(|&x| x != POISON)
        };
        if next_dirty {
            return Err("the helper wrote past its 64-byte SQE".into());
        }
        Ok(b)
    }
}

/// Sets `IOSQE_FIXED_FILE` on liburing's SQE, as a C caller does for a registered slot.
///
/// # Safety
/// `sqe` points at a live SQE.
unsafe fn fixed_file(sqe: *mut sys::io_uring_sqe) {
    // SAFETY: the caller's promise.
    unsafe { (*sqe).flags |= SqeFlags::FIXED_FILE.bits() };
}

/// `IOSQE_BUFFER_SELECT` and `buf_group`, as a C caller sets them for a buffer ring.
///
/// # Safety
/// `sqe` points at a live SQE.
unsafe fn buffer_select(sqe: *mut sys::io_uring_sqe, bgid: u16) {
    // SAFETY: the caller's promise; buf_group is the u16 at offset 40.
    unsafe {
        (*sqe).flags |= SqeFlags::BUFFER_SELECT.bits();
        sqe.cast::<u8>().add(40).cast::<u16>().write_unaligned(bgid);
    }
}

/// A C string the op takes by value, and its address (the heap buffer does not move with
/// the `CString`).
fn path(s: &str) -> (std::ffi::CString, *const libc::c_char) {
    let c = std::ffi::CString::new(s).expect("no NUL inside");
    let p = c.as_ptr();
    (c, p)
}

/// `127.0.0.1:port` as Rust and as the C caller's `sockaddr_in`.
fn inet(port: u16) -> (std::net::SocketAddr, libc::sockaddr_in) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
        },
        sin_zero: [0; 8],
    };
    (addr, sin)
}

const SIN_LEN: usize = std::mem::size_of::<libc::sockaddr_in>();

/// The list, each entry compiled only where the crate's op exists.
macro_rules! scenarios {
    ($($helper:literal $case:literal => $f:path;)*) => {
        /// Every scenario of this build.
        // Each push is compiled only where its op exists.
        #[allow(clippy::vec_init_then_push)]
        pub fn all() -> Vec<Scenario> {
            #[allow(unused_mut)]
            let mut v = Vec::new();
            $(
                #[cfg(all(liburing_2x, liburing_has = $helper))]
                v.push(Scenario { helper: $helper, case: $case, run: $f });
            )*
            v
        }
    };
}

scenarios! {
    "io_uring_prep_nop" "" => misc::nop;
    "io_uring_prep_nop128" "" => misc::nop128;
    "io_uring_prep_read" "" => rw::read;
    "io_uring_prep_read" "registered file" => rw::read_fixed_file;
    "io_uring_prep_write" "" => rw::write;
    "io_uring_prep_readv" "" => rw::readv;
    "io_uring_prep_writev" "" => rw::writev;
    "io_uring_prep_readv2" "" => rw::readv2;
    "io_uring_prep_writev2" "" => rw::writev2;
    "io_uring_prep_read_fixed" "" => rw::read_fixed;
    "io_uring_prep_write_fixed" "" => rw::write_fixed;
    "io_uring_prep_read_multishot" "" => rw::read_multishot;
    "io_uring_prep_readv_fixed" "" => rw::readv_fixed;
    "io_uring_prep_writev_fixed" "" => rw::writev_fixed;
    "io_uring_prep_fsync" "" => fs::fsync;
    "io_uring_prep_close" "" => fs::close;
    "io_uring_prep_close_direct" "" => fs::close_direct;
    "io_uring_prep_openat" "" => fs::openat;
    "io_uring_prep_open" "" => fs::open;
    "io_uring_prep_openat_direct" "slot" => fs::openat_direct_slot;
    "io_uring_prep_openat_direct" "ALLOC" => fs::openat_direct_alloc;
    "io_uring_prep_open_direct" "slot" => fs::open_direct_slot;
    "io_uring_prep_open_direct" "ALLOC" => fs::open_direct_alloc;
    "io_uring_prep_openat2" "" => fs::openat2;
    "io_uring_prep_openat2_direct" "slot" => fs::openat2_direct_slot;
    "io_uring_prep_openat2_direct" "ALLOC" => fs::openat2_direct_alloc;
    "io_uring_prep_statx" "" => fs::statx;
    "io_uring_prep_fallocate" "" => fs::fallocate;
    "io_uring_prep_fadvise" "" => fs::fadvise;
    "io_uring_prep_fadvise64" "" => fs::fadvise64;
    "io_uring_prep_madvise" "" => fs::madvise;
    "io_uring_prep_madvise64" "" => fs::madvise64;
    "io_uring_prep_sync_file_range" "" => fs::sync_file_range;
    "io_uring_prep_ftruncate" "" => fs::ftruncate;
    "io_uring_prep_unlinkat" "" => fs::unlinkat;
    "io_uring_prep_unlink" "" => fs::unlink;
    "io_uring_prep_renameat" "" => fs::renameat;
    "io_uring_prep_rename" "" => fs::rename;
    "io_uring_prep_mkdirat" "" => fs::mkdirat;
    "io_uring_prep_mkdir" "" => fs::mkdir;
    "io_uring_prep_symlinkat" "" => fs::symlinkat;
    "io_uring_prep_symlink" "" => fs::symlink;
    "io_uring_prep_linkat" "" => fs::linkat;
    "io_uring_prep_link" "" => fs::link;
    "io_uring_prep_splice" "" => fs::splice;
    "io_uring_prep_splice" "registered files" => fs::splice_fixed;
    "io_uring_prep_tee" "" => fs::tee;
    "io_uring_prep_tee" "registered files" => fs::tee_fixed;
    "io_uring_prep_pipe" "" => fs::pipe;
    "io_uring_prep_pipe_direct" "slot" => fs::pipe_direct_slot;
    "io_uring_prep_pipe_direct" "ALLOC" => fs::pipe_direct_alloc;
    "io_uring_prep_cmd_discard" "" => fs::cmd_discard;
    "io_uring_prep_fgetxattr" "" => fs::fgetxattr;
    "io_uring_prep_fsetxattr" "" => fs::fsetxattr;
    "io_uring_prep_getxattr" "" => fs::getxattr;
    "io_uring_prep_setxattr" "" => fs::setxattr;
    "io_uring_prep_socket" "" => net::socket;
    "io_uring_prep_socket_direct" "slot" => net::socket_direct_slot;
    "io_uring_prep_socket_direct" "ALLOC" => net::socket_direct_alloc;
    "io_uring_prep_socket_direct_alloc" "" => net::socket_direct_alloc_helper;
    "io_uring_prep_accept" "" => net::accept;
    "io_uring_prep_accept_direct" "slot" => net::accept_direct_slot;
    "io_uring_prep_accept_direct" "ALLOC" => net::accept_direct_alloc;
    "io_uring_prep_multishot_accept" "" => net::multishot_accept;
    "io_uring_prep_multishot_accept_direct" "" => net::multishot_accept_direct;
    "io_uring_prep_connect" "" => net::connect;
    "io_uring_prep_bind" "" => net::bind;
    "io_uring_prep_listen" "" => net::listen;
    "io_uring_prep_shutdown" "" => net::shutdown;
    "io_uring_prep_send" "" => net::send;
    "io_uring_prep_send" "registered file" => net::send_fixed_file;
    "io_uring_prep_sendto" "" => net::sendto;
    "io_uring_prep_recv" "" => net::recv;
    "io_uring_prep_recv_multishot" "" => net::recv_multishot;
    "io_uring_prep_recvmsg" "" => net::recvmsg;
    "io_uring_prep_recvmsg_multishot" "" => net::recvmsg_multishot;
    "io_uring_prep_sendmsg" "" => net::sendmsg;
    "io_uring_prep_sendmsg_zc" "" => net::sendmsg_zc;
    "io_uring_prep_sendmsg_zc_fixed" "" => net::sendmsg_zc_fixed;
    "io_uring_prep_send_zc" "" => net::send_zc;
    "io_uring_prep_send_zc" "with address" => net::send_zc_to;
    "io_uring_prep_send_zc_fixed" "" => net::send_zc_fixed;
    "io_uring_prep_cmd_sock" "setsockopt" => net::cmd_sock_set;
    "io_uring_prep_cmd_sock" "getsockopt" => net::cmd_sock_get;
    "io_uring_prep_cmd_getsockname" "" => net::cmd_getsockname;
    "io_uring_prep_uring_cmd" "" => net::uring_cmd;
    "io_uring_prep_uring_cmd128" "" => net::uring_cmd128;
    "io_uring_prep_send_bundle" "" => net::send_bundle;
    "io_uring_prep_poll_add" "" => misc::poll_add;
    "io_uring_prep_poll_multishot" "" => misc::poll_multishot;
    "io_uring_prep_poll_remove" "" => misc::poll_remove;
    "io_uring_prep_poll_update" "" => misc::poll_update;
    "io_uring_prep_epoll_ctl" "" => misc::epoll_ctl;
    "io_uring_prep_epoll_wait" "" => misc::epoll_wait;
    "io_uring_prep_timeout" "" => misc::timeout;
    "io_uring_prep_timeout" "multishot" => misc::timeout_multishot;
    "io_uring_prep_timeout_remove" "" => misc::timeout_remove;
    "io_uring_prep_link_timeout" "" => misc::link_timeout;
    "io_uring_prep_timeout_update" "" => misc::timeout_update;
    "io_uring_prep_cancel" "" => misc::cancel;
    "io_uring_prep_cancel64" "" => misc::cancel64;
    "io_uring_prep_cancel_fd" "" => misc::cancel_fd;
    "io_uring_prep_provide_buffers" "" => misc::provide_buffers;
    "io_uring_prep_remove_buffers" "" => misc::remove_buffers;
    "io_uring_prep_files_update" "" => misc::files_update;
    "io_uring_prep_fixed_fd_install" "" => misc::fixed_fd_install;
    "io_uring_prep_msg_ring" "" => misc::msg_ring;
    "io_uring_prep_msg_ring_cqe_flags" "" => misc::msg_ring_cqe_flags;
    "io_uring_prep_msg_ring_fd" "" => misc::msg_ring_fd;
    "io_uring_prep_msg_ring_fd_alloc" "" => misc::msg_ring_fd_alloc;
    "io_uring_prep_futex_wait" "" => misc::futex_wait;
    "io_uring_prep_futex_wake" "" => misc::futex_wake;
    "io_uring_prep_futex_waitv" "" => misc::futex_waitv;
    "io_uring_prep_waitid" "" => misc::waitid;
}
