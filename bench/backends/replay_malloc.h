/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/backends/replay_malloc.h - the replay backend of a baseline helper
 * (included by backend_main.c after its B_* allocator macros).
 *
 * Object events (kmalloc, kmem_cache, percpu) go through B_MALLOC and the
 * sized free B_FREE (sdallocx, mi_free_size, tc_free_sized where the API
 * has one); page events through a page-aligned allocation of
 * PAGE_SIZE << order; vmalloc events through mmap/munmap.  Footprint is the
 * resident set minus what it was before the replay.
 */
#ifndef KMB_REPLAY_MALLOC_H
#define KMB_REPLAY_MALLOC_H

#include <sys/mman.h>

#include "replay_helper.h"
#include "replay_loop.h"

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
	rm_rss_start = replay_rss_bytes();
	return 0;
}

static void *rm_alloc(const struct replay_ev *e)
{
	void *p;

	switch (e->op) {
	case ROP_PAGE_ALLOC:
		return B_ALIGNED(4096, e->size);
	case ROP_VMALLOC:
		p = mmap(NULL, e->size ? e->size : 1, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	default:
		return B_MALLOC(e->size);
	}
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
	.alloc = rm_alloc,
	.free = rm_free,
	.usable = rm_usable,
	.footprint = rm_footprint,
	.verifiable = true,
	.version = b_version,
};

REPLAY_DEFINE_RUNNER(replay_with_malloc, &backend_malloc)

#endif /* KMB_REPLAY_MALLOC_H */
