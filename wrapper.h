/*
 * The one header that bindgen reads and that the static-inline shim compiles against.
 * (liburing-sys/wrapper.h is a symlink to this file, so `cargo package` ships its content.)
 *
 * Include order, on purpose:
 *
 * 0. _GNU_SOURCE, before anything. liburing up to 2.3 defined it itself; later releases
 *    leave it to the includer and hide what needs it (io_uring_register_iowq_aff with its
 *    cpu_set_t, io_uring_prep_ftruncate...) behind #ifdef _GNU_SOURCE. The header scan
 *    that builds the feature table reads the text, #ifdefs and all, so without the define
 *    it would announce functions that bindgen and the shim never see.
 *
 * 1. <liburing.h> first. It may define _XOPEN_SOURCE and friends before pulling in libc
 *    headers; any libc header included before it would lock in glibc's feature macros
 *    without them (no cpu_set_t, no sigset_t in some configurations).
 *
 * 2. <linux/io_uring.h> second, and it is then (almost always) a no-op: liburing ships its
 *    own copy of the kernel uapi as <liburing/io_uring.h>, and both use the include guard
 *    LINUX_IO_URING_H. Whichever comes first wins. liburing's copy must win, because the
 *    static inline helpers we compile into real symbols were written against exactly that
 *    copy (struct fields such as sqe->addr3, newer opcodes): the distro's kernel header can be
 *    older (the helpers would not compile) or newer (nothing gained: the library cannot use
 *    what it was not built with). The include stays so that a liburing whose copy uses
 *    another guard still yields one consistent set of uapi definitions.
 *
 * 3. Then THE table of fallbacks: the kernel ABI values the safe layer relies on, defined
 *    only where the installed header predates them. tests/sys_fallbacks.rs fails when the
 *    safe layer names a constant that is neither here nor gated on itself. These are kernel
 *    ABI (fixed forever once released), so defining them is not guessing: it is what lets
 *    the overflow-aware peek work when linked against a liburing older than the kernel
 *    feature (IORING_SQ_CQ_OVERFLOW arrived in 5.8; liburing 0.6's header does not have it),
 *    and what lets the crate build against every release from 0.1 on.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <liburing.h>
#include <linux/io_uring.h>

/* sq_ring->flags (kernel 5.1 / 5.8 / 5.19) */
#ifndef IORING_SQ_NEED_WAKEUP
#define IORING_SQ_NEED_WAKEUP (1U << 0)
#endif
#ifndef IORING_SQ_CQ_OVERFLOW
#define IORING_SQ_CQ_OVERFLOW (1U << 1)
#endif
#ifndef IORING_SQ_TASKRUN
#define IORING_SQ_TASKRUN (1U << 2)
#endif

/* cq_ring->flags (5.8) */
#ifndef IORING_CQ_EVENTFD_DISABLED
#define IORING_CQ_EVENTFD_DISABLED (1U << 0)
#endif

/* io_uring_enter(2) flags */
#ifndef IORING_ENTER_GETEVENTS
#define IORING_ENTER_GETEVENTS (1U << 0)
#endif
#ifndef IORING_ENTER_SQ_WAKEUP
#define IORING_ENTER_SQ_WAKEUP (1U << 1)
#endif
#ifndef IORING_ENTER_SQ_WAIT
#define IORING_ENTER_SQ_WAIT (1U << 2)
#endif
#ifndef IORING_ENTER_EXT_ARG
#define IORING_ENTER_EXT_ARG (1U << 3)
#endif
#ifndef IORING_ENTER_REGISTERED_RING
#define IORING_ENTER_REGISTERED_RING (1U << 4)
#endif

/* io_uring_setup(2) flags */
#ifndef IORING_SETUP_IOPOLL
#define IORING_SETUP_IOPOLL (1U << 0)
#endif
#ifndef IORING_SETUP_SQPOLL
#define IORING_SETUP_SQPOLL (1U << 1)
#endif
#ifndef IORING_SETUP_SQ_AFF
#define IORING_SETUP_SQ_AFF (1U << 2)
#endif
#ifndef IORING_SETUP_CQSIZE
#define IORING_SETUP_CQSIZE (1U << 3)
#endif
#ifndef IORING_SETUP_CLAMP
#define IORING_SETUP_CLAMP (1U << 4)
#endif
#ifndef IORING_SETUP_ATTACH_WQ
#define IORING_SETUP_ATTACH_WQ (1U << 5)
#endif
#ifndef IORING_SETUP_R_DISABLED
#define IORING_SETUP_R_DISABLED (1U << 6)
#endif
#ifndef IORING_SETUP_SUBMIT_ALL
#define IORING_SETUP_SUBMIT_ALL (1U << 7)
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_TASKRUN_FLAG
#define IORING_SETUP_TASKRUN_FLAG (1U << 9)
#endif
#ifndef IORING_SETUP_SQE128
#define IORING_SETUP_SQE128 (1U << 10)
#endif
#ifndef IORING_SETUP_CQE32
#define IORING_SETUP_CQE32 (1U << 11)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

/* io_uring_params->features */
#ifndef IORING_FEAT_SINGLE_MMAP
#define IORING_FEAT_SINGLE_MMAP (1U << 0)
#endif
#ifndef IORING_FEAT_NODROP
#define IORING_FEAT_NODROP (1U << 1)
#endif
#ifndef IORING_FEAT_SUBMIT_STABLE
#define IORING_FEAT_SUBMIT_STABLE (1U << 2)
#endif
#ifndef IORING_FEAT_RW_CUR_POS
#define IORING_FEAT_RW_CUR_POS (1U << 3)
#endif
#ifndef IORING_FEAT_CUR_PERSONALITY
#define IORING_FEAT_CUR_PERSONALITY (1U << 4)
#endif
#ifndef IORING_FEAT_FAST_POLL
#define IORING_FEAT_FAST_POLL (1U << 5)
#endif
#ifndef IORING_FEAT_POLL_32BITS
#define IORING_FEAT_POLL_32BITS (1U << 6)
#endif
#ifndef IORING_FEAT_SQPOLL_NONFIXED
#define IORING_FEAT_SQPOLL_NONFIXED (1U << 7)
#endif
#ifndef IORING_FEAT_EXT_ARG
#define IORING_FEAT_EXT_ARG (1U << 8)
#endif
#ifndef IORING_FEAT_NATIVE_WORKERS
#define IORING_FEAT_NATIVE_WORKERS (1U << 9)
#endif
#ifndef IORING_FEAT_RSRC_TAGS
#define IORING_FEAT_RSRC_TAGS (1U << 10)
#endif
#ifndef IORING_FEAT_CQE_SKIP
#define IORING_FEAT_CQE_SKIP (1U << 11)
#endif
#ifndef IORING_FEAT_LINKED_FILE
#define IORING_FEAT_LINKED_FILE (1U << 12)
#endif
#ifndef IORING_FEAT_REG_REG_RING
#define IORING_FEAT_REG_REG_RING (1U << 13)
#endif

/* cqe->flags */
#ifndef IORING_CQE_F_BUFFER
#define IORING_CQE_F_BUFFER (1U << 0)
#endif
#ifndef IORING_CQE_F_MORE
#define IORING_CQE_F_MORE (1U << 1)
#endif
#ifndef IORING_CQE_F_SOCK_NONEMPTY
#define IORING_CQE_F_SOCK_NONEMPTY (1U << 2)
#endif
#ifndef IORING_CQE_F_NOTIF
#define IORING_CQE_F_NOTIF (1U << 3)
#endif

/* sqe->timeout_flags and sqe->cancel_flags */
#ifndef IORING_TIMEOUT_ABS
#define IORING_TIMEOUT_ABS (1U << 0)
#endif
#ifndef IORING_TIMEOUT_UPDATE
#define IORING_TIMEOUT_UPDATE (1U << 1)
#endif
#ifndef IORING_TIMEOUT_BOOTTIME
#define IORING_TIMEOUT_BOOTTIME (1U << 2)
#endif
#ifndef IORING_TIMEOUT_REALTIME
#define IORING_TIMEOUT_REALTIME (1U << 3)
#endif
#ifndef IORING_LINK_TIMEOUT_UPDATE
#define IORING_LINK_TIMEOUT_UPDATE (1U << 4)
#endif
#ifndef IORING_TIMEOUT_ETIME_SUCCESS
#define IORING_TIMEOUT_ETIME_SUCCESS (1U << 5)
#endif
#ifndef IORING_TIMEOUT_MULTISHOT
#define IORING_TIMEOUT_MULTISHOT (1U << 6)
#endif
#ifndef IORING_TIMEOUT_IMMEDIATE_ARG
#define IORING_TIMEOUT_IMMEDIATE_ARG (1U << 7)
#endif
#ifndef IORING_ASYNC_CANCEL_ALL
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#endif
#ifndef IORING_ASYNC_CANCEL_FD
#define IORING_ASYNC_CANCEL_FD (1U << 1)
#endif
#ifndef IORING_ASYNC_CANCEL_ANY
#define IORING_ASYNC_CANCEL_ANY (1U << 2)
#endif
#ifndef IORING_ASYNC_CANCEL_FD_FIXED
#define IORING_ASYNC_CANCEL_FD_FIXED (1U << 3)
#endif
#ifndef IORING_FSYNC_DATASYNC
#define IORING_FSYNC_DATASYNC (1U << 0)
#endif

/*
 * Enumerators (IORING_OP_*, IORING_REGISTER_*, ...) cannot be tested with #ifndef: the build
 * script (build/fallbacks.rs) passes -DURING_HAVE_<NAME> for every one the installed header
 * already has. Older headers had some of them as macros (liburing 0.1's IORING_OP_NOP),
 * which defined() sees.
 */

/* sqe->flags */
#ifndef IOSQE_FIXED_FILE
#define IOSQE_FIXED_FILE (1U << 0)
#endif
#ifndef IOSQE_IO_DRAIN
#define IOSQE_IO_DRAIN (1U << 1)
#endif
#ifndef IOSQE_IO_LINK
#define IOSQE_IO_LINK (1U << 2)
#endif
#ifndef IOSQE_IO_HARDLINK
#define IOSQE_IO_HARDLINK (1U << 3)
#endif
#ifndef IOSQE_ASYNC
#define IOSQE_ASYNC (1U << 4)
#endif
#ifndef IOSQE_BUFFER_SELECT
#define IOSQE_BUFFER_SELECT (1U << 5)
#endif
#ifndef IOSQE_CQE_SKIP_SUCCESS
#define IOSQE_CQE_SKIP_SUCCESS (1U << 6)
#endif

/* sqe->ioprio for accept */
#ifndef IORING_ACCEPT_MULTISHOT
#define IORING_ACCEPT_MULTISHOT (1U << 0)
#endif

/* sqe->ioprio for send / recv */
#ifndef IORING_RECVSEND_POLL_FIRST
#define IORING_RECVSEND_POLL_FIRST (1U << 0)
#endif
#ifndef IORING_RECV_MULTISHOT
#define IORING_RECV_MULTISHOT (1U << 1)
#endif
#ifndef IORING_RECVSEND_FIXED_BUF
#define IORING_RECVSEND_FIXED_BUF (1U << 2)
#endif
#ifndef IORING_RECVSEND_BUNDLE
#define IORING_RECVSEND_BUNDLE (1U << 4)
#endif

/* sqe->nop_flags (6.10 / 6.13; liburing's headers name only the first) */
#ifndef IORING_NOP_INJECT_RESULT
#define IORING_NOP_INJECT_RESULT (1U << 0)
#endif
#ifndef IORING_NOP_FILE
#define IORING_NOP_FILE (1U << 1)
#endif
#ifndef IORING_NOP_FIXED_FILE
#define IORING_NOP_FIXED_FILE (1U << 2)
#endif
#ifndef IORING_NOP_FIXED_BUFFER
#define IORING_NOP_FIXED_BUFFER (1U << 3)
#endif

/* sqe->len for poll add / update */
#ifndef IORING_POLL_ADD_MULTI
#define IORING_POLL_ADD_MULTI (1U << 0)
#endif
#ifndef IORING_POLL_UPDATE_EVENTS
#define IORING_POLL_UPDATE_EVENTS (1U << 1)
#endif
#ifndef IORING_POLL_UPDATE_USER_DATA
#define IORING_POLL_UPDATE_USER_DATA (1U << 2)
#endif

/* msg_ring commands and flags */
#ifndef IORING_MSG_RING_CQE_SKIP
#define IORING_MSG_RING_CQE_SKIP (1U << 0)
#endif
#if !defined(IORING_MSG_SEND_FD) && !defined(URING_HAVE_IORING_MSG_SEND_FD)
enum { IORING_MSG_SEND_FD = 1 };
#endif
#ifndef IORING_MSG_RING_FLAGS_PASS
#define IORING_MSG_RING_FLAGS_PASS (1U << 1)
#endif

/* fixed fd install flags */
#ifndef IORING_FIXED_FD_NO_CLOEXEC
#define IORING_FIXED_FD_NO_CLOEXEC (1U << 0)
#endif

/* splice: fd_in is a registered slot */
#ifndef SPLICE_F_FD_IN_FIXED
#define SPLICE_F_FD_IN_FIXED (1U << 31)
#endif

/* direct descriptor slots */
#ifndef IORING_FILE_INDEX_ALLOC
#define IORING_FILE_INDEX_ALLOC (~0U)
#endif

/* file table updates */
#ifndef IORING_REGISTER_FILES_SKIP
#define IORING_REGISTER_FILES_SKIP (-2)
#endif

/* resource registration flags */
#ifndef IORING_RSRC_REGISTER_SPARSE
#define IORING_RSRC_REGISTER_SPARSE (1U << 0)
#endif

/* cqe->flags */
#ifndef IORING_CQE_F_SKIP
#define IORING_CQE_F_SKIP (1U << 5)
#endif
#ifndef IORING_CQE_F_32
#define IORING_CQE_F_32 (1U << 15)
#endif

/* probe op flags */
#ifndef IO_URING_OP_SUPPORTED
#define IO_URING_OP_SUPPORTED 1U
#endif

/* opcodes (enum io_uring_op) */
#if !defined(IORING_OP_NOP) && !defined(URING_HAVE_IORING_OP_NOP)
enum { IORING_OP_NOP = 0 };
#endif
#if !defined(IORING_OP_READV) && !defined(URING_HAVE_IORING_OP_READV)
enum { IORING_OP_READV = 1 };
#endif
#if !defined(IORING_OP_WRITEV) && !defined(URING_HAVE_IORING_OP_WRITEV)
enum { IORING_OP_WRITEV = 2 };
#endif
#if !defined(IORING_OP_FSYNC) && !defined(URING_HAVE_IORING_OP_FSYNC)
enum { IORING_OP_FSYNC = 3 };
#endif
#if !defined(IORING_OP_READ_FIXED) && !defined(URING_HAVE_IORING_OP_READ_FIXED)
enum { IORING_OP_READ_FIXED = 4 };
#endif
#if !defined(IORING_OP_WRITE_FIXED) && !defined(URING_HAVE_IORING_OP_WRITE_FIXED)
enum { IORING_OP_WRITE_FIXED = 5 };
#endif
#if !defined(IORING_OP_POLL_ADD) && !defined(URING_HAVE_IORING_OP_POLL_ADD)
enum { IORING_OP_POLL_ADD = 6 };
#endif
#if !defined(IORING_OP_POLL_REMOVE) && !defined(URING_HAVE_IORING_OP_POLL_REMOVE)
enum { IORING_OP_POLL_REMOVE = 7 };
#endif
#if !defined(IORING_OP_SYNC_FILE_RANGE) && !defined(URING_HAVE_IORING_OP_SYNC_FILE_RANGE)
enum { IORING_OP_SYNC_FILE_RANGE = 8 };
#endif
#if !defined(IORING_OP_SENDMSG) && !defined(URING_HAVE_IORING_OP_SENDMSG)
enum { IORING_OP_SENDMSG = 9 };
#endif
#if !defined(IORING_OP_RECVMSG) && !defined(URING_HAVE_IORING_OP_RECVMSG)
enum { IORING_OP_RECVMSG = 10 };
#endif
#if !defined(IORING_OP_TIMEOUT) && !defined(URING_HAVE_IORING_OP_TIMEOUT)
enum { IORING_OP_TIMEOUT = 11 };
#endif
#if !defined(IORING_OP_TIMEOUT_REMOVE) && !defined(URING_HAVE_IORING_OP_TIMEOUT_REMOVE)
enum { IORING_OP_TIMEOUT_REMOVE = 12 };
#endif
#if !defined(IORING_OP_ACCEPT) && !defined(URING_HAVE_IORING_OP_ACCEPT)
enum { IORING_OP_ACCEPT = 13 };
#endif
#if !defined(IORING_OP_ASYNC_CANCEL) && !defined(URING_HAVE_IORING_OP_ASYNC_CANCEL)
enum { IORING_OP_ASYNC_CANCEL = 14 };
#endif
#if !defined(IORING_OP_LINK_TIMEOUT) && !defined(URING_HAVE_IORING_OP_LINK_TIMEOUT)
enum { IORING_OP_LINK_TIMEOUT = 15 };
#endif
#if !defined(IORING_OP_CONNECT) && !defined(URING_HAVE_IORING_OP_CONNECT)
enum { IORING_OP_CONNECT = 16 };
#endif
#if !defined(IORING_OP_FALLOCATE) && !defined(URING_HAVE_IORING_OP_FALLOCATE)
enum { IORING_OP_FALLOCATE = 17 };
#endif
#if !defined(IORING_OP_OPENAT) && !defined(URING_HAVE_IORING_OP_OPENAT)
enum { IORING_OP_OPENAT = 18 };
#endif
#if !defined(IORING_OP_CLOSE) && !defined(URING_HAVE_IORING_OP_CLOSE)
enum { IORING_OP_CLOSE = 19 };
#endif
#if !defined(IORING_OP_FILES_UPDATE) && !defined(URING_HAVE_IORING_OP_FILES_UPDATE)
enum { IORING_OP_FILES_UPDATE = 20 };
#endif
#if !defined(IORING_OP_STATX) && !defined(URING_HAVE_IORING_OP_STATX)
enum { IORING_OP_STATX = 21 };
#endif
#if !defined(IORING_OP_READ) && !defined(URING_HAVE_IORING_OP_READ)
enum { IORING_OP_READ = 22 };
#endif
#if !defined(IORING_OP_WRITE) && !defined(URING_HAVE_IORING_OP_WRITE)
enum { IORING_OP_WRITE = 23 };
#endif
#if !defined(IORING_OP_FADVISE) && !defined(URING_HAVE_IORING_OP_FADVISE)
enum { IORING_OP_FADVISE = 24 };
#endif
#if !defined(IORING_OP_MADVISE) && !defined(URING_HAVE_IORING_OP_MADVISE)
enum { IORING_OP_MADVISE = 25 };
#endif
#if !defined(IORING_OP_SEND) && !defined(URING_HAVE_IORING_OP_SEND)
enum { IORING_OP_SEND = 26 };
#endif
#if !defined(IORING_OP_RECV) && !defined(URING_HAVE_IORING_OP_RECV)
enum { IORING_OP_RECV = 27 };
#endif
#if !defined(IORING_OP_OPENAT2) && !defined(URING_HAVE_IORING_OP_OPENAT2)
enum { IORING_OP_OPENAT2 = 28 };
#endif
#if !defined(IORING_OP_EPOLL_CTL) && !defined(URING_HAVE_IORING_OP_EPOLL_CTL)
enum { IORING_OP_EPOLL_CTL = 29 };
#endif
#if !defined(IORING_OP_SPLICE) && !defined(URING_HAVE_IORING_OP_SPLICE)
enum { IORING_OP_SPLICE = 30 };
#endif
#if !defined(IORING_OP_PROVIDE_BUFFERS) && !defined(URING_HAVE_IORING_OP_PROVIDE_BUFFERS)
enum { IORING_OP_PROVIDE_BUFFERS = 31 };
#endif
#if !defined(IORING_OP_REMOVE_BUFFERS) && !defined(URING_HAVE_IORING_OP_REMOVE_BUFFERS)
enum { IORING_OP_REMOVE_BUFFERS = 32 };
#endif
#if !defined(IORING_OP_TEE) && !defined(URING_HAVE_IORING_OP_TEE)
enum { IORING_OP_TEE = 33 };
#endif
#if !defined(IORING_OP_SHUTDOWN) && !defined(URING_HAVE_IORING_OP_SHUTDOWN)
enum { IORING_OP_SHUTDOWN = 34 };
#endif
#if !defined(IORING_OP_RENAMEAT) && !defined(URING_HAVE_IORING_OP_RENAMEAT)
enum { IORING_OP_RENAMEAT = 35 };
#endif
#if !defined(IORING_OP_UNLINKAT) && !defined(URING_HAVE_IORING_OP_UNLINKAT)
enum { IORING_OP_UNLINKAT = 36 };
#endif
#if !defined(IORING_OP_MKDIRAT) && !defined(URING_HAVE_IORING_OP_MKDIRAT)
enum { IORING_OP_MKDIRAT = 37 };
#endif
#if !defined(IORING_OP_SYMLINKAT) && !defined(URING_HAVE_IORING_OP_SYMLINKAT)
enum { IORING_OP_SYMLINKAT = 38 };
#endif
#if !defined(IORING_OP_LINKAT) && !defined(URING_HAVE_IORING_OP_LINKAT)
enum { IORING_OP_LINKAT = 39 };
#endif
#if !defined(IORING_OP_MSG_RING) && !defined(URING_HAVE_IORING_OP_MSG_RING)
enum { IORING_OP_MSG_RING = 40 };
#endif
#if !defined(IORING_OP_FSETXATTR) && !defined(URING_HAVE_IORING_OP_FSETXATTR)
enum { IORING_OP_FSETXATTR = 41 };
#endif
#if !defined(IORING_OP_SETXATTR) && !defined(URING_HAVE_IORING_OP_SETXATTR)
enum { IORING_OP_SETXATTR = 42 };
#endif
#if !defined(IORING_OP_FGETXATTR) && !defined(URING_HAVE_IORING_OP_FGETXATTR)
enum { IORING_OP_FGETXATTR = 43 };
#endif
#if !defined(IORING_OP_GETXATTR) && !defined(URING_HAVE_IORING_OP_GETXATTR)
enum { IORING_OP_GETXATTR = 44 };
#endif
#if !defined(IORING_OP_SOCKET) && !defined(URING_HAVE_IORING_OP_SOCKET)
enum { IORING_OP_SOCKET = 45 };
#endif
#if !defined(IORING_OP_URING_CMD) && !defined(URING_HAVE_IORING_OP_URING_CMD)
enum { IORING_OP_URING_CMD = 46 };
#endif
#if !defined(IORING_OP_SEND_ZC) && !defined(URING_HAVE_IORING_OP_SEND_ZC)
enum { IORING_OP_SEND_ZC = 47 };
#endif
#if !defined(IORING_OP_SENDMSG_ZC) && !defined(URING_HAVE_IORING_OP_SENDMSG_ZC)
enum { IORING_OP_SENDMSG_ZC = 48 };
#endif
#if !defined(IORING_OP_READ_MULTISHOT) && !defined(URING_HAVE_IORING_OP_READ_MULTISHOT)
enum { IORING_OP_READ_MULTISHOT = 49 };
#endif
#if !defined(IORING_OP_WAITID) && !defined(URING_HAVE_IORING_OP_WAITID)
enum { IORING_OP_WAITID = 50 };
#endif
#if !defined(IORING_OP_FUTEX_WAIT) && !defined(URING_HAVE_IORING_OP_FUTEX_WAIT)
enum { IORING_OP_FUTEX_WAIT = 51 };
#endif
#if !defined(IORING_OP_FUTEX_WAKE) && !defined(URING_HAVE_IORING_OP_FUTEX_WAKE)
enum { IORING_OP_FUTEX_WAKE = 52 };
#endif
#if !defined(IORING_OP_FUTEX_WAITV) && !defined(URING_HAVE_IORING_OP_FUTEX_WAITV)
enum { IORING_OP_FUTEX_WAITV = 53 };
#endif
#if !defined(IORING_OP_FIXED_FD_INSTALL) && !defined(URING_HAVE_IORING_OP_FIXED_FD_INSTALL)
enum { IORING_OP_FIXED_FD_INSTALL = 54 };
#endif
#if !defined(IORING_OP_FTRUNCATE) && !defined(URING_HAVE_IORING_OP_FTRUNCATE)
enum { IORING_OP_FTRUNCATE = 55 };
#endif
#if !defined(IORING_OP_BIND) && !defined(URING_HAVE_IORING_OP_BIND)
enum { IORING_OP_BIND = 56 };
#endif
#if !defined(IORING_OP_LISTEN) && !defined(URING_HAVE_IORING_OP_LISTEN)
enum { IORING_OP_LISTEN = 57 };
#endif
#if !defined(IORING_OP_EPOLL_WAIT) && !defined(URING_HAVE_IORING_OP_EPOLL_WAIT)
enum { IORING_OP_EPOLL_WAIT = 59 };
#endif
#if !defined(IORING_OP_READV_FIXED) && !defined(URING_HAVE_IORING_OP_READV_FIXED)
enum { IORING_OP_READV_FIXED = 60 };
#endif
#if !defined(IORING_OP_WRITEV_FIXED) && !defined(URING_HAVE_IORING_OP_WRITEV_FIXED)
enum { IORING_OP_WRITEV_FIXED = 61 };
#endif
#if !defined(IORING_OP_PIPE) && !defined(URING_HAVE_IORING_OP_PIPE)
enum { IORING_OP_PIPE = 62 };
#endif
#if !defined(IORING_OP_NOP128) && !defined(URING_HAVE_IORING_OP_NOP128)
enum { IORING_OP_NOP128 = 63 };
#endif
#if !defined(IORING_OP_URING_CMD128) && !defined(URING_HAVE_IORING_OP_URING_CMD128)
enum { IORING_OP_URING_CMD128 = 64 };
#endif

/* register opcodes */
#if !defined(IORING_REGISTER_BUFFERS) && !defined(URING_HAVE_IORING_REGISTER_BUFFERS)
enum { IORING_REGISTER_BUFFERS = 0 };
#endif
#if !defined(IORING_REGISTER_FILES) && !defined(URING_HAVE_IORING_REGISTER_FILES)
enum { IORING_REGISTER_FILES = 2 };
#endif
#if !defined(IORING_REGISTER_EVENTFD) && !defined(URING_HAVE_IORING_REGISTER_EVENTFD)
enum { IORING_REGISTER_EVENTFD = 4 };
#endif
#if !defined(IORING_UNREGISTER_EVENTFD) && !defined(URING_HAVE_IORING_UNREGISTER_EVENTFD)
enum { IORING_UNREGISTER_EVENTFD = 5 };
#endif
#if !defined(IORING_REGISTER_FILES_UPDATE) && !defined(URING_HAVE_IORING_REGISTER_FILES_UPDATE)
enum { IORING_REGISTER_FILES_UPDATE = 6 };
#endif
#if !defined(IORING_REGISTER_EVENTFD_ASYNC) && !defined(URING_HAVE_IORING_REGISTER_EVENTFD_ASYNC)
enum { IORING_REGISTER_EVENTFD_ASYNC = 7 };
#endif
#if !defined(IORING_REGISTER_PROBE) && !defined(URING_HAVE_IORING_REGISTER_PROBE)
enum { IORING_REGISTER_PROBE = 8 };
#endif
#if !defined(IORING_REGISTER_PERSONALITY) && !defined(URING_HAVE_IORING_REGISTER_PERSONALITY)
enum { IORING_REGISTER_PERSONALITY = 9 };
#endif
#if !defined(IORING_UNREGISTER_PERSONALITY) && !defined(URING_HAVE_IORING_UNREGISTER_PERSONALITY)
enum { IORING_UNREGISTER_PERSONALITY = 10 };
#endif
#if !defined(IORING_REGISTER_RESTRICTIONS) && !defined(URING_HAVE_IORING_REGISTER_RESTRICTIONS)
enum { IORING_REGISTER_RESTRICTIONS = 11 };
#endif
#if !defined(IORING_REGISTER_ENABLE_RINGS) && !defined(URING_HAVE_IORING_REGISTER_ENABLE_RINGS)
enum { IORING_REGISTER_ENABLE_RINGS = 12 };
#endif
#if !defined(IORING_REGISTER_BUFFERS2) && !defined(URING_HAVE_IORING_REGISTER_BUFFERS2)
enum { IORING_REGISTER_BUFFERS2 = 15 };
#endif
#if !defined(IORING_REGISTER_BUFFERS_UPDATE) && !defined(URING_HAVE_IORING_REGISTER_BUFFERS_UPDATE)
enum { IORING_REGISTER_BUFFERS_UPDATE = 16 };
#endif
#if !defined(IORING_REGISTER_IOWQ_AFF) && !defined(URING_HAVE_IORING_REGISTER_IOWQ_AFF)
enum { IORING_REGISTER_IOWQ_AFF = 17 };
#endif
#if !defined(IORING_UNREGISTER_IOWQ_AFF) && !defined(URING_HAVE_IORING_UNREGISTER_IOWQ_AFF)
enum { IORING_UNREGISTER_IOWQ_AFF = 18 };
#endif
#if !defined(IORING_REGISTER_IOWQ_MAX_WORKERS) && !defined(URING_HAVE_IORING_REGISTER_IOWQ_MAX_WORKERS)
enum { IORING_REGISTER_IOWQ_MAX_WORKERS = 19 };
#endif
#if !defined(IORING_REGISTER_RING_FDS) && !defined(URING_HAVE_IORING_REGISTER_RING_FDS)
enum { IORING_REGISTER_RING_FDS = 20 };
#endif
#if !defined(IORING_UNREGISTER_RING_FDS) && !defined(URING_HAVE_IORING_UNREGISTER_RING_FDS)
enum { IORING_UNREGISTER_RING_FDS = 21 };
#endif
#if !defined(IORING_REGISTER_SYNC_CANCEL) && !defined(URING_HAVE_IORING_REGISTER_SYNC_CANCEL)
enum { IORING_REGISTER_SYNC_CANCEL = 24 };
#endif
#if !defined(IORING_REGISTER_PBUF_RING) && !defined(URING_HAVE_IORING_REGISTER_PBUF_RING)
enum { IORING_REGISTER_PBUF_RING = 22 };
#endif
#if !defined(IORING_UNREGISTER_PBUF_RING) && !defined(URING_HAVE_IORING_UNREGISTER_PBUF_RING)
enum { IORING_UNREGISTER_PBUF_RING = 23 };
#endif

/* provided buffer rings: io_uring_buf_reg.flags (6.4) and the mmap offset of a ring the
 * kernel allocated */
#if !defined(IOU_PBUF_RING_MMAP) && !defined(URING_HAVE_IOU_PBUF_RING_MMAP)
enum { IOU_PBUF_RING_MMAP = 1 };
#endif
#ifndef IORING_OFF_PBUF_RING
#define IORING_OFF_PBUF_RING (1ULL << 31)
#endif
#ifndef IORING_OFF_PBUF_SHIFT
#define IORING_OFF_PBUF_SHIFT 16
#endif

/* restriction opcodes */
#if !defined(IORING_RESTRICTION_REGISTER_OP) && !defined(URING_HAVE_IORING_RESTRICTION_REGISTER_OP)
enum { IORING_RESTRICTION_REGISTER_OP = 0 };
#endif
#if !defined(IORING_RESTRICTION_SQE_OP) && !defined(URING_HAVE_IORING_RESTRICTION_SQE_OP)
enum { IORING_RESTRICTION_SQE_OP = 1 };
#endif
#if !defined(IORING_RESTRICTION_SQE_FLAGS_ALLOWED) && !defined(URING_HAVE_IORING_RESTRICTION_SQE_FLAGS_ALLOWED)
enum { IORING_RESTRICTION_SQE_FLAGS_ALLOWED = 2 };
#endif
#if !defined(IORING_RESTRICTION_SQE_FLAGS_REQUIRED) && !defined(URING_HAVE_IORING_RESTRICTION_SQE_FLAGS_REQUIRED)
enum { IORING_RESTRICTION_SQE_FLAGS_REQUIRED = 3 };
#endif

/* socket command ops (IORING_OP_URING_CMD on a socket) */
#if !defined(SOCKET_URING_OP_SIOCINQ) && !defined(URING_HAVE_SOCKET_URING_OP_SIOCINQ)
enum { SOCKET_URING_OP_SIOCINQ = 0 };
#endif
#if !defined(SOCKET_URING_OP_GETSOCKOPT) && !defined(URING_HAVE_SOCKET_URING_OP_GETSOCKOPT)
enum { SOCKET_URING_OP_GETSOCKOPT = 2 };
#endif
#if !defined(SOCKET_URING_OP_SETSOCKOPT) && !defined(URING_HAVE_SOCKET_URING_OP_SETSOCKOPT)
enum { SOCKET_URING_OP_SETSOCKOPT = 3 };
#endif
#if !defined(SOCKET_URING_OP_GETSOCKNAME) && !defined(URING_HAVE_SOCKET_URING_OP_GETSOCKNAME)
enum { SOCKET_URING_OP_GETSOCKNAME = 5 };
#endif
