// SPDX-License-Identifier: GPL-2.0
/*
 * bench/backends/backend_main.c - the helper program of one baseline
 * allocator, built once per allocator (KMB_BACKEND_GLIBC, _JEMALLOC,
 * _TCMALLOC, _MIMALLOC) and linked with that allocator alone, so that no
 * two allocators ever share a process.
 *
 * usage: kmbench-backend-NAME version
 *        kmbench-backend-NAME pairs SIZE ALIGN ITERS REPS
 *        kmbench-backend-NAME remote SIZE ALIGN ITERS REPS
 *        kmbench-backend-NAME replay IMAGE_FD RESULT_FD ... (replay_helper.h)
 *
 * pairs: alloc+free pairs, one object live at a time (warm cache).
 * remote: a producer thread allocates, a consumer thread frees.
 * Both print "ns_per_pair X" (the median of REPS runs) and one
 * "run_ns_per_pair X" line per run.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(KMB_BACKEND_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define B_NAME "jemalloc"
#define B_MALLOC(n)		mallocx((n), 0)
#define B_ALIGNED(a, n)		mallocx((n), MALLOCX_ALIGN(a))
#define B_FREE(p, n)		sdallocx((p), (n), 0)
#define B_FREE_ALIGNED(p, a, n)	sdallocx((p), (n), MALLOCX_ALIGN(a))
static const char *b_version(void)
{
	const char *v = "unknown";
	size_t len = sizeof(v);

	mallctl("version", &v, &len, NULL, 0);
	return v;
}
#elif defined(KMB_BACKEND_TCMALLOC)
#include <gperftools/tcmalloc.h>
#define B_NAME "tcmalloc"
#define B_MALLOC(n)		tc_malloc(n)
#define B_ALIGNED(a, n)		tc_memalign((a), (n))
#define B_FREE(p, n)		tc_free_sized((p), (n))
#define B_FREE_ALIGNED(p, a, n)	tc_free(p)
static const char *b_version(void)
{
	return tc_version(NULL, NULL, NULL);
}
#elif defined(KMB_BACKEND_MIMALLOC)
#include <mimalloc.h>
#define B_NAME "mimalloc"
#define B_MALLOC(n)		mi_malloc(n)
#define B_ALIGNED(a, n)		mi_malloc_aligned((n), (a))
#define B_FREE(p, n)		mi_free_size((p), (n))
#define B_FREE_ALIGNED(p, a, n)	mi_free_size_aligned((p), (n), (a))
static const char *b_version(void)
{
	static char buf[32];
	int v = mi_version();

	snprintf(buf, sizeof(buf), "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
	return buf;
}
#else
#include <gnu/libc-version.h>
#define B_NAME "glibc"
#define B_MALLOC(n)		malloc(n)
#define B_ALIGNED(a, n)		aligned_alloc((a), (n))
#define B_FREE(p, n)		free(p)
#define B_FREE_ALIGNED(p, a, n)	free(p)
static const char *b_version(void)
{
	return gnu_get_libc_version();
}
#endif

/*
 * The replay backend (replay_helper.h): object events (kmalloc, kmem_cache,
 * percpu) go through B_MALLOC and the sized free B_FREE (sdallocx,
 * mi_free_size, tc_free_sized where the API has one); page events through
 * a page-aligned allocation of PAGE_SIZE << order; vmalloc events through
 * mmap/munmap; process events (mmap .. exit) through the host kernel
 * (host_vm.c).  Footprint is the resident set minus what it was before the
 * replay (so it holds the replayed processes' touched pages, as kmm's
 * footprint holds their frames).
 */
#include <sys/mman.h>

#include "host_vm.h"
#include "kmm/gfp.h"
#include "replay_helper.h"
#include "replay_loop.h"
#include "util.h"

#if defined(KMB_BACKEND_JEMALLOC)
#define B_USABLE(p)	sallocx((p), 0)
#elif defined(KMB_BACKEND_TCMALLOC)
#define B_USABLE(p)	tc_malloc_size(p)
#elif defined(KMB_BACKEND_MIMALLOC)
#define B_USABLE(p)	mi_usable_size(p)
#else
#include <malloc.h>
#define B_USABLE(p)	malloc_usable_size(p)
#endif

static uint64_t rm_rss_start;

static int rm_init(const struct replay_image *im, const struct replay_opts *o,
		   char *err, size_t errlen)
{
	if (host_vm_init()) {
		snprintf(err, errlen, "no memory for the process table");
		return KMB_EX_SOFTWARE;
	}
	rm_rss_start = replay_rss_bytes();
	return 0;
}

static void rm_exit(void)
{
	host_vm_exit();
}

static void rm_snapshot(struct replay_result *r)
{
	host_vm_totals(&r->host_vm);
	r->have_host_vm = true;
}

/*
 * A traced __GFP_ZERO (kzalloc, get_zeroed_page, ...) is zeroed here as
 * kmm zeroes it: both allocators then do the work the kernel did.
 */
static void *rm_alloc(const struct replay_ev *e)
{
	void *p;

	switch (e->op) {
	case ROP_PAGE_ALLOC:
		p = B_ALIGNED(4096, e->size);
		break;
	case ROP_VMALLOC:
		p = mmap(NULL, e->size ? e->size : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	default:
		p = B_MALLOC(e->size);
	}
	if (unlikely(e->gfp & __GFP_ZERO) && p)
		memset(p, 0, e->size);
	return p;
}

static void rm_free(void *p, const struct replay_ev *e)
{
	switch (e->op) {
	case ROP_PAGE_FREE:
		B_FREE_ALIGNED(p, 4096, e->size);
		break;
	case ROP_VFREE:
		munmap(p, e->size ? e->size : 1);
		break;
	default:
		B_FREE(p, e->size);
	}
}

static uint64_t rm_usable(void *p, const struct replay_ev *e)
{
	if (e->op == ROP_VMALLOC)
		return ((uint64_t)e->size + 4095) & ~4095ULL;
	return B_USABLE(p);
}

static uint64_t rm_footprint(void)
{
	uint64_t rss = replay_rss_bytes();

	return rss > rm_rss_start ? rss - rm_rss_start : 0;
}

static const struct backend backend_malloc = {
	.name = B_NAME,
	.init = rm_init,
	.exit = rm_exit,
	.alloc = rm_alloc,
	.free = rm_free,
	.vm = host_vm_event,
	.snapshot = rm_snapshot,
	.usable = rm_usable,
	.footprint = rm_footprint,
	.verifiable = true,
	.version = b_version,
};

REPLAY_DEFINE_RUNNER(replay_with_malloc, &backend_malloc)


/* Every object escapes through here, so no compiler elides a pair. */
static void *volatile sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *alloc_one(size_t size, size_t align)
{
	void *p = align ? B_ALIGNED(align, size) : B_MALLOC(size);

	if (!p) {
		fprintf(stderr, "%s: allocation of %zu bytes failed\n", B_NAME,
			size);
		exit(70);
	}
	return p;
}

static void free_one(void *p, size_t size, size_t align)
{
	if (align)
		B_FREE_ALIGNED(p, align, size);
	else
		B_FREE(p, size);
}

static double run_pairs(size_t size, size_t align, uint64_t iters)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		void *p = alloc_one(size, align);

		sink = p;
		free_one(p, size, align);
	}
	return (double)(now_ns() - t0) / (double)iters;
}

#define RING 1024	/* power of two */

struct ring {
	void *slot[RING];
	_Alignas(64) uint64_t head;	/* written by the producer */
	_Alignas(64) uint64_t tail;	/* written by the consumer */
	uint64_t iters;
	size_t size;
};

static void *consumer(void *arg)
{
	struct ring *r = arg;

	for (uint64_t i = 0; i < r->iters; i++) {
		while (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == i)
			;
		free_one(r->slot[i & (RING - 1)], r->size, 0);
		__atomic_store_n(&r->tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double run_remote(size_t size, uint64_t iters)
{
	static struct ring r;
	pthread_t t;
	uint64_t t0;

	memset(&r, 0, sizeof(r));
	r.iters = iters;
	r.size = size;
	t0 = now_ns();
	if (pthread_create(&t, NULL, consumer, &r) != 0) {
		fprintf(stderr, "%s: cannot create a thread\n", B_NAME);
		exit(70);
	}
	for (uint64_t i = 0; i < iters; i++) {
		while (i - __atomic_load_n(&r.tail, __ATOMIC_ACQUIRE) >= RING)
			;
		r.slot[i & (RING - 1)] = alloc_one(size, 0);
		__atomic_store_n(&r.head, i + 1, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	return (double)(now_ns() - t0) / (double)iters;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: kmbench-backend-%s version\n"
		"       kmbench-backend-%s pairs|remote SIZE ALIGN ITERS REPS\n",
		B_NAME, B_NAME);
	return 64;
}

int main(int argc, char **argv)
{
	uint64_t size, align, iters, reps;
	double runs[64];
	bool remote;

	if (argc >= 2 && !strcmp(argv[1], "replay"))
		return replay_helper_main(argc, argv, replay_with_malloc);
	if (argc == 2 && !strcmp(argv[1], "version")) {
		printf("allocator %s %s\n", B_NAME, b_version());
		return 0;
	}
	if (argc != 6 || (strcmp(argv[1], "pairs") && strcmp(argv[1], "remote")))
		return usage();
	remote = !strcmp(argv[1], "remote");
	if (parse_u64(argv[2], &size) || parse_u64(argv[3], &align) ||
	    parse_u64(argv[4], &iters) || parse_u64(argv[5], &reps) ||
	    !size || !iters || !reps || reps > 64 ||
	    (align && (align & (align - 1))))
		return usage();
	/* warm-up: fault in the allocator's structures and the size class */
	if (remote)
		run_remote(size, iters / 10 + 1);
	else
		run_pairs(size, align, iters / 10 + 1);
	for (uint64_t i = 0; i < reps; i++) {
		runs[i] = remote ? run_remote(size, iters)
				 : run_pairs(size, align, iters);
		printf("run_ns_per_pair %.3f\n", runs[i]);
	}
	qsort(runs, reps, sizeof(runs[0]), cmp_double);
	printf("allocator %s %s\n", B_NAME, b_version());
	printf("ns_per_pair %.3f\n", runs[reps / 2]);
	return 0;
}
