/*
 * The C contender: the same workloads as src/contender/{io_uring,safe}.rs, written the way a
 * C user of liburing writes them. Compiled by build.rs against the liburing that
 * system-liburing-sys found; HAVE_<FUNCTION> macros come from DEP_URING_HAS, so this builds
 * against liburing 0.6 too (no io_uring_register_ring_fd, no io_uring_get_events).
 *
 * Every function fills a bench_result and returns 0, or a negative errno on a setup/syscall
 * failure. Verification (count, user_data sum, read sizes) is left to the Rust caller.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif
#ifndef IORING_SETUP_CQSIZE
#define IORING_SETUP_CQSIZE (1U << 3)
#endif
#ifndef IORING_SQ_CQ_OVERFLOW
#define IORING_SQ_CQ_OVERFLOW (1U << 1)
#endif
#ifndef IORING_ENTER_GETEVENTS
#define IORING_ENTER_GETEVENTS (1U << 0)
#endif
/* An enumerator from liburing 0.4 on: a macro defined after the header only renames it here. */
#ifndef IORING_OP_READ
#define IORING_OP_READ 22
#endif

/* io_uring_peek_cqe, with liburing 0.1's answer to an empty ring (0 and no CQE) turned into
 * the -EAGAIN of every later release (build.rs defines the switch for 0.1 only, so the
 * timed peek of every other release is liburing's own). */
#ifdef BENCH_PEEK_EMPTY_IS_ZERO
static inline int bench_peek(struct io_uring *ring, struct io_uring_cqe **cqe)
{
	int ret = io_uring_peek_cqe(ring, cqe);

	return ret == 0 && !*cqe ? -EAGAIN : ret;
}
#else
#define bench_peek io_uring_peek_cqe
#endif

/* io_uring_prep_read (0.4+) and io_uring_prep_read_fixed with its buf_index (0.2+) as one
 * fill that every liburing release has (io_uring_prep_rw is in 0.1). */
static inline void bench_prep_read(struct io_uring_sqe *sqe, int op, int fd, void *buf,
				   unsigned nbytes, uint64_t off, int buf_index)
{
	io_uring_prep_rw(op, sqe, fd, buf, nbytes, off);
	sqe->buf_index = (uint16_t)buf_index;
}

#define BLOCK 4096u
#define SEED 0x9E3779B97F4A7C15ull

/* Keep in sync with `CResult` in src/contender/c.rs. */
struct bench_result {
	uint64_t ns;       /* timed section */
	uint64_t count;    /* completions seen */
	uint64_t sum;      /* sum of user_data (NOP workloads) */
	uint64_t bad;      /* completions with an unexpected result / order */
	uint32_t fast;     /* 1 when the fast preset was fully applied (incl. ring fd) */
	uint32_t pad;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t xorshift64star(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

const char *bench_c_liburing_version(void)
{
#ifdef BENCH_LIBURING_VERSION
	return BENCH_LIBURING_VERSION;
#else
	return "unknown";
#endif
}

/* Ring setup shared by the workloads: plain, or the fast preset (SINGLE_ISSUER +
 * DEFER_TASKRUN + registered ring fd where liburing has it). */
static int setup_ring(struct io_uring *ring, unsigned entries, unsigned cq_entries, int fast,
		      uint32_t *fast_applied)
{
	struct io_uring_params p;
	int ret;

	memset(&p, 0, sizeof(p));
	if (cq_entries) {
		p.flags |= IORING_SETUP_CQSIZE;
		p.cq_entries = cq_entries;
	}
	if (fast)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
#ifdef HAVE_IO_URING_QUEUE_INIT_PARAMS
	ret = io_uring_queue_init_params(entries, ring, &p);
#else
	/* liburing before 0.6: what io_uring_queue_init_params does. */
	ret = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (ret < 0)
		return -errno;
	{
		int fd = ret;

		ret = io_uring_queue_mmap(fd, &p, ring);
		if (ret < 0)
			close(fd);
	}
#endif
	if (ret < 0)
		return ret;
	*fast_applied = 0;
	if (fast) {
#ifdef HAVE_IO_URING_REGISTER_RING_FD
		ret = io_uring_register_ring_fd(ring);
		if (ret < 0) {
			io_uring_queue_exit(ring);
			return ret;
		}
		*fast_applied = 1;
#endif
	}
	return 0;
}

/* Flush the kernel's CQ overflow list / deferred task work without submitting. */
static int flush_cq(struct io_uring *ring)
{
#ifdef HAVE_IO_URING_GET_EVENTS
	return io_uring_get_events(ring);
#else
	int ret = (int)syscall(__NR_io_uring_enter, ring->ring_fd, 0, 0, IORING_ENTER_GETEVENTS,
			       NULL, (size_t)0);
	return ret < 0 ? -errno : ret;
#endif
}

/* NOPs: `batch` SQEs (user_data 0, 1, 2, ...) per io_uring_submit_and_wait(batch), then
 * `batch` io_uring_peek_cqe + io_uring_cqe_seen. */
int bench_c_nop(unsigned batch, uint64_t ops, int fast, struct bench_result *r)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	uint64_t next = 0, done = 0, t0;
	unsigned entries = batch < 8 ? 8 : batch;
	int ret;

	memset(r, 0, sizeof(*r));
	if (batch == 0)
		return -EINVAL;
	ret = setup_ring(&ring, entries, 0, fast, &r->fast);
	if (ret < 0)
		return ret;

	t0 = now_ns();
	while (done < ops) {
		unsigned n = ops - next < batch ? (unsigned)(ops - next) : batch;
		unsigned i;

		for (i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			io_uring_prep_nop(sqe);
			sqe->user_data = next++;
		}
		ret = io_uring_submit_and_wait(&ring, n);
		if (ret < 0)
			goto out;
		for (i = 0; i < n; i++) {
			ret = bench_peek(&ring, &cqe);
			if (ret < 0)
				ret = io_uring_wait_cqe(&ring, &cqe);
			if (ret < 0)
				goto out;
			r->sum += cqe->user_data;
			r->bad += cqe->res != 0;
			r->count++;
			io_uring_cqe_seen(&ring, cqe);
			done++;
		}
	}
	r->ns = now_ns() - t0;
	ret = 0;
out:
	io_uring_queue_exit(&ring);
	return ret;
}

/* 4 KiB random reads at queue depth `qd`: offsets from xorshift64*, one per submitted read;
 * completions reaped with io_uring_for_each_cqe + io_uring_cq_advance, then the freed slots
 * refilled. `registered`: fixed file 0 + fixed buffers (one per slot). */
int bench_c_read(int fd, uint64_t blocks, uint64_t ops, unsigned qd, int registered, int fast,
		 struct bench_result *r)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct iovec *iov = NULL;
	unsigned *freelist = NULL;
	unsigned free_top = 0, inflight = 0, i;
	unsigned char *bufs = NULL;
	uint64_t rng = SEED, submitted = 0, done = 0, t0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (qd == 0 || blocks == 0)
		return -EINVAL;
	ret = setup_ring(&ring, qd, 0, fast, &r->fast);
	if (ret < 0)
		return ret;
	ret = -ENOMEM;
	if (posix_memalign((void **)&bufs, 4096, (size_t)qd * BLOCK))
		goto out;
	memset(bufs, 0, (size_t)qd * BLOCK);
	freelist = calloc(qd, sizeof(*freelist));
	iov = calloc(qd, sizeof(*iov));
	if (!freelist || !iov)
		goto out;
	for (i = 0; i < qd; i++) {
		freelist[free_top++] = qd - 1 - i;
		iov[i].iov_base = bufs + (size_t)i * BLOCK;
		iov[i].iov_len = BLOCK;
	}
	if (registered) {
		ret = io_uring_register_files(&ring, &fd, 1);
		if (ret < 0)
			goto out;
		ret = io_uring_register_buffers(&ring, iov, qd);
		if (ret < 0)
			goto out;
	}

	t0 = now_ns();
	while (done < ops) {
		unsigned seen = 0, head;

		while (inflight < qd && submitted < ops) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			unsigned slot = freelist[--free_top];
			uint64_t off = (xorshift64star(&rng) % blocks) * BLOCK;

			if (registered) {
				bench_prep_read(sqe, IORING_OP_READ_FIXED, 0,
						bufs + (size_t)slot * BLOCK, BLOCK, off, (int)slot);
				sqe->flags |= IOSQE_FIXED_FILE;
			} else {
				bench_prep_read(sqe, IORING_OP_READ, fd, bufs + (size_t)slot * BLOCK,
						BLOCK, off, 0);
			}
			sqe->user_data = slot;
			submitted++;
			inflight++;
		}
		ret = io_uring_submit_and_wait(&ring, 1);
		if (ret < 0)
			goto out;
		/* `head`: liburing 2.10's macro compiles only with that name (its parameter
		 * shadows the iterator's member of the same name). */
		io_uring_for_each_cqe(&ring, head, cqe) {
			r->bad += cqe->res != (int)BLOCK;
			r->sum += cqe->user_data;
			freelist[free_top++] = (unsigned)cqe->user_data;
			seen++;
		}
		io_uring_cq_advance(&ring, seen);
		r->count += seen;
		inflight -= seen;
		done += seen;
	}
	r->ns = now_ns() - t0;
	ret = 0;
out:
	io_uring_queue_exit(&ring);
	free(bufs);
	free(freelist);
	free(iov);
	return ret;
}

/* Peek on a non-empty ring: per round, `per` NOPs are submitted and completed (untimed), then
 * `per` io_uring_peek_cqe + io_uring_cqe_seen are timed. */
int bench_c_peek(uint64_t ops, struct bench_result *r)
{
	const unsigned per = 128;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	uint64_t next = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = setup_ring(&ring, per, 2 * per, 0, &r->fast);
	if (ret < 0)
		return ret;
	while (next < ops) {
		unsigned n = ops - next < per ? (unsigned)(ops - next) : per;
		unsigned i;
		uint64_t t0;

		for (i = 0; i < n; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			io_uring_prep_nop(sqe);
			sqe->user_data = next++;
		}
		ret = io_uring_submit_and_wait(&ring, n);
		if (ret < 0)
			goto out;
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			ret = bench_peek(&ring, &cqe);
			if (ret < 0)
				goto out;
			r->sum += cqe->user_data;
			r->bad += cqe->res != 0;
			r->count++;
			io_uring_cqe_seen(&ring, cqe);
		}
		r->ns += now_ns() - t0;
	}
	ret = 0;
out:
	io_uring_queue_exit(&ring);
	return ret;
}

/* The seed scenario: a 16-entry SQ with a 32-entry CQ; 1000 NOPs per round (submit when the
 * SQ is full, reap nothing), then peek until all 1000 came back, in order, flushing the
 * overflow list when the ring is empty but IORING_SQ_CQ_OVERFLOW is up. The whole round is
 * timed. `ops` is rounded up to whole rounds. */
int bench_c_overflow(uint64_t ops, struct bench_result *r)
{
	const unsigned per = 1000;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	uint64_t t0;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = setup_ring(&ring, 16, 32, 0, &r->fast);
	if (ret < 0)
		return ret;
	t0 = now_ns();
	while (r->count < ops) {
		unsigned i, next = 0, stuck = 0;

		for (i = 0; i < per; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if (!sqe) {
				ret = io_uring_submit(&ring);
				if (ret < 0)
					goto out;
				sqe = io_uring_get_sqe(&ring);
			}
			io_uring_prep_nop(sqe);
			sqe->user_data = i;
		}
		ret = io_uring_submit(&ring);
		if (ret < 0)
			goto out;
		while (next < per) {
			ret = bench_peek(&ring, &cqe);
			if (ret == 0) {
				r->bad += cqe->user_data != next || cqe->res != 0;
				r->sum += cqe->user_data;
				r->count++;
				io_uring_cqe_seen(&ring, cqe);
				next++;
				stuck = 0;
			} else if (ret == -EAGAIN) {
				if (!(__atomic_load_n(ring.sq.kflags, __ATOMIC_ACQUIRE) & IORING_SQ_CQ_OVERFLOW) ||
				    ++stuck > 4) {
					/* completions lost: the caller's count check fails */
					r->bad++;
					goto done;
				}
				ret = flush_cq(&ring);
				if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
					goto out;
			} else {
				goto out;
			}
		}
	}
done:
	r->ns = now_ns() - t0;
	ret = 0;
out:
	io_uring_queue_exit(&ring);
	return ret;
}
