// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized model check of the buddy allocator: a million random
 * allocations and frees of random orders and gfp flags, checked against a
 * bitmap of allocated pages (no block handed out twice, alignment, zone
 * limits, zeroing, contents kept), the invariant checker after every step
 * in debug builds (all steps at KMM_DEBUG >= 3, the first 20000 at 1 and
 * 2, every 50000th after that and in release builds), and at the end,
 * after freeing everything, buddyinfo equal to the initial state.
 *
 * KMB_MODEL_OPS overrides the number of operations (default 1000000,
 * 20000 with KMM_DEBUG >= 3).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "buddy_helpers.h"
#include "kmm/kmm.h"

#define MODEL_LIVE	4096
#define CHECK_EVERY	50000
#define CHECK_ALL_UNTIL	(KMM_DEBUG >= 3 ? LONG_MAX : KMM_DEBUG ? 20000 : 0)

#if KMM_DEBUG >= 3
#define DEFAULT_OPS	20000
#else
#define DEFAULT_OPS	1000000
#endif

struct live {
	struct page *page;
	unsigned int order;
	gfp_t gfp;
};

static const gfp_t model_gfps[] = {
	GFP_KERNEL, GFP_KERNEL | __GFP_ZERO, GFP_ATOMIC, GFP_NOWAIT,
	GFP_KERNEL_ACCOUNT, GFP_USER | __GFP_RECLAIMABLE, GFP_HIGHUSER_MOVABLE,
	GFP_DMA32, GFP_KERNEL | GFP_DMA, GFP_KERNEL | __GFP_COMP,
	GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO, GFP_NOIO, GFP_NOFS,
};

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int random_order(void)
{
	unsigned int r = (unsigned int)(next() % 100);

	if (r < 55)
		return 0;
	if (r < 80)
		return 1 + (unsigned int)(next() % 3);
	if (r < 96)
		return 4 + (unsigned int)(next() % 5);
	return 9 + (unsigned int)(next() % 2);
}

static uint64_t *bitmap;

static bool test_and_set_range(unsigned long pfn, unsigned long nr, bool set)
{
	for (unsigned long p = pfn; p < pfn + nr; p++) {
		bool was = (bitmap[p >> 6] >> (p & 63)) & 1;

		if (was == set)
			return false;
		bitmap[p >> 6] ^= 1ULL << (p & 63);
	}
	return true;
}

static void model_alloc(struct live *l)
{
	gfp_t gfp = model_gfps[next() % ARRAY_SIZE(model_gfps)] | __GFP_NOWARN;
	unsigned int order = random_order();
	struct page *page = alloc_pages(gfp, order);
	unsigned long pfn;
	unsigned char *mem;

	l->page = NULL;
	if (!page)
		return;
	pfn = page_to_pfn(page);
	CHECK(IS_ALIGNED(pfn, 1UL << order));
	CHECK(page_zonenum(page) <= gfp_zone(gfp));
	CHECK_EQ(page_count(page), 1);
	if (!test_and_set_range(pfn, 1UL << order, true)) {
		th_fail(__FILE__, __LINE__, "pfn %#lx order %u handed out twice",
			pfn, order);
		return;
	}
	if ((gfp & __GFP_COMP) && order)
		CHECK_EQ(compound_order(page), order);
	mem = kmm_frame_address(page);
	if (gfp & __GFP_ZERO)
		CHECK(mem[0] == 0 && mem[(PAGE_SIZE << order) - 1] == 0);
	memcpy(mem, &pfn, sizeof(pfn));
	l->page = page;
	l->order = order;
	l->gfp = gfp;
}

static void model_free(struct live *l)
{
	unsigned long pfn = page_to_pfn(l->page), stored;
	void *addr = page_address(l->page);

	memcpy(&stored, kmm_frame_address(l->page), sizeof(stored));
	CHECK_UEQ(stored, pfn);
	CHECK(test_and_set_range(pfn, 1UL << l->order, false));
	if ((l->gfp & __GFP_COMP) && l->order)
		put_page(l->page + (next() % (1UL << l->order)));
	else if (addr && (next() & 1))
		free_pages((unsigned long)addr, l->order);
	else
		__free_pages(l->page, l->order);
	l->page = NULL;
}

TEST(model_check_random_ops)
{
	static struct live live[MODEL_LIVE];
	struct kmm_config cfg = { .mem_bytes = 64 << 20, .nr_cpus = 1 };
	const char *env = getenv("KMB_MODEL_OPS");
	long ops = env ? atol(env) : DEFAULT_OPS;
	char before[2048];
	long allocs = 0, fails = 0;

	kmm_mem_exit();
	REQUIRE(kmm_mem_init(&cfg) == 0);
	kmm_misuse_abort = true;
	rng = th_seed() | 1;
	bitmap = calloc(max_pfn / 64 + 1, sizeof(*bitmap));
	REQUIRE(bitmap != NULL);
	buddyinfo_snapshot(before, sizeof(before));

	for (long i = 0; i < ops && th_failures() == 0; i++) {
		struct live *l = &live[next() % MODEL_LIVE];

		if (l->page) {
			model_free(l);
		} else {
			model_alloc(l);
			allocs++;
			fails += !l->page;
		}
		if (i < CHECK_ALL_UNTIL || i % CHECK_EVERY == 0)
			REQUIRE(buddy_check(stderr) == 0);
	}
	printf("# %ld ops, %ld allocations, %ld failed\n", ops, allocs, fails);
	CHECK(fails < allocs);
	CHECK_EQ(buddy_check(stderr), 0);
	for (int i = 0; i < MODEL_LIVE; i++)
		if (live[i].page)
			model_free(&live[i]);
	check_full_coalescing(before);
	free(bitmap);
	kmm_mem_exit();
}
