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
 * 3. Then the kernel ABI values the safe layer relies on, defined only where the installed
 *    header predates them. These are kernel ABI (fixed forever once released), so defining
 *    them is not guessing: it is what lets the overflow-aware peek work when linked against
 *    a liburing older than the kernel feature (IORING_SQ_CQ_OVERFLOW arrived in 5.8; liburing
 *    0.6's header does not have it).
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
#ifndef IORING_ASYNC_CANCEL_ALL
#define IORING_ASYNC_CANCEL_ALL (1U << 0)
#endif
#ifndef IORING_ASYNC_CANCEL_FD
#define IORING_ASYNC_CANCEL_FD (1U << 1)
#endif
#ifndef IORING_ASYNC_CANCEL_ANY
#define IORING_ASYNC_CANCEL_ANY (1U << 2)
#endif
#ifndef IORING_FSYNC_DATASYNC
#define IORING_FSYNC_DATASYNC (1U << 0)
#endif

/* Enumerators (IORING_OP_*, IORING_REGISTER_*) cannot be tested with #ifndef; the safe crate
 * states the few it needs beyond the oldest supported header itself. */
