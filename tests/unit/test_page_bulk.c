// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of alloc_pages_bulk(): filling an array, skipping the entries
 * already set, running short of memory, zeroing, the pcp path, and vmalloc
 * taking its pages through it.
 */
#include <stdlib.h>
#include <string.h>

#include "../../alloc/buddy_internal.h"	/* kmm_preferred_zone */
#include "buddy_helpers.h"
#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/slab.h"
#include "kmm/tlb.h"
#include "kmm/vmalloc.h"

#define MIB	(1ULL << 20)

static void machine(uint64_t bytes)
{
	struct kmm_config cfg = { .mem_bytes = bytes, .nr_cpus = 2 };

	kmm_mem_exit();
	kmm_set_cpu(0);
	if (kmm_mem_init(&cfg))
		abort();
}

static int cmp_ptr(const void *a, const void *b)
{
	const struct page *x = *(struct page *const *)a;
	const struct page *y = *(struct page *const *)b;

	return x < y ? -1 : x > y;
}

/* every entry set, distinct, an allocated order-0 page of the machine */
static int check_pages(struct page **pages, unsigned long n)
{
	struct page **sorted = malloc(n * sizeof(*sorted));
	int bad = 0;

	if (!sorted)
		return -1;
	memcpy(sorted, pages, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	for (unsigned long i = 0; i < n; i++) {
		if (!sorted[i] || page_to_pfn(sorted[i]) >= max_pfn ||
		    page_count(sorted[i]) != 1 ||
		    (i && sorted[i] == sorted[i - 1]))
			bad++;
	}
	free(sorted);
	return bad;
}

TEST(fills_the_array)
{
	enum { N = 300 };
	struct page *pages[N] = { NULL };
	char before[2048];

	machine(64 * MIB);
	buddyinfo_snapshot(before, sizeof(before));
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL, N, pages), N);
	CHECK_EQ(check_pages(pages, N), 0);
	CHECK_EQ(buddy_pages_allocated(), N);
	CHECK_EQ(buddy_check(stderr), 0);
	for (int i = 0; i < N; i++)
		__free_page(pages[i]);
	check_full_coalescing(before);
}

TEST(skips_entries_already_set)
{
	struct page *pages[10] = { NULL };
	struct page *a, *b, *c;

	machine(64 * MIB);
	a = alloc_page(GFP_KERNEL);
	b = alloc_page(GFP_KERNEL);
	c = alloc_page(GFP_KERNEL);
	REQUIRE(a && b && c);
	pages[0] = a;
	pages[1] = b;
	pages[5] = c;
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL, 10, pages), 10);
	CHECK(pages[0] == a && pages[1] == b && pages[5] == c);
	CHECK_EQ(check_pages(pages, 10), 0);
	CHECK_EQ(buddy_pages_allocated(), 10);
	/* nothing missing: nothing allocated */
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL, 10, pages), 10);
	CHECK_EQ(buddy_pages_allocated(), 10);
	/* one missing: the single-page path */
	__free_page(pages[7]);
	pages[7] = NULL;
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL, 10, pages), 10);
	CHECK_EQ(check_pages(pages, 10), 0);
	for (int i = 0; i < 10; i++)
		__free_page(pages[i]);
	CHECK_EQ(buddy_pages_allocated(), 0);
	CHECK_EQ(buddy_check(stderr), 0);
}

/* The pages of one call come off this CPU's pcp list, which is refilled
 * a batch at a time: one refill (one zone lock) per batch, not per page. */
TEST(takes_the_pcp_list_a_batch_at_a_time)
{
	enum { N = 200 };
	struct page *pages[N] = { NULL };
	struct buddy_stats st0, st1;
	struct zone *z;
	int batch;

	machine(64 * MIB);
	z = kmm_preferred_zone[kmm_gfp_zone_table[GFP_KERNEL & GFP_ZONEMASK]];
	batch = z->pcp[0].batch;
	REQUIRE(batch > 1);
	buddy_get_stats(&st0);
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL, N, pages), N);
	buddy_get_stats(&st1);
	CHECK_EQ(z->pcp[0].count, (N + batch - 1) / batch * batch - N);
#if KMM_STATS
	CHECK_EQ(st1.stat[BUDDY_ALLOC] - st0.stat[BUDDY_ALLOC], N);
	CHECK_EQ(st1.stat[BUDDY_PCP_REFILL] - st0.stat[BUDDY_PCP_REFILL],
		 (N + batch - 1) / batch);
#endif
	for (int i = 0; i < N; i++)
		CHECK(page_zone(pages[i]) == z);
	for (int i = 0; i < N; i++)
		__free_page(pages[i]);
	drain_all_pages();
	CHECK_EQ(buddy_check(stderr), 0);
}

TEST(zeroes_with_gfp_zero)
{
	enum { N = 64 };
	struct page *pages[N] = { NULL };
	int dirty = 0;

	machine(64 * MIB);
	/* dirty some pages and give them back to the pcp list */
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL, N, pages), N);
	for (int i = 0; i < N; i++) {
		memset(page_address(pages[i]), 0xa5, PAGE_SIZE);
		__free_page(pages[i]);
		pages[i] = NULL;
	}
	CHECK_EQ(alloc_pages_bulk(GFP_KERNEL | __GFP_ZERO, N, pages), N);
	for (int i = 0; i < N; i++) {
		const unsigned char *p = page_address(pages[i]);

		for (size_t j = 0; j < PAGE_SIZE; j++)
			dirty += p[j] != 0;
		__free_page(pages[i]);
	}
	CHECK_EQ(dirty, 0);
}

/* More than the machine has: a short count, the rest left NULL, and every
 * page it did give is real. */
TEST(runs_short_of_memory)
{
	unsigned long n = 2 * (64 * MIB >> PAGE_SHIFT), got;
	struct page **pages = calloc(n, sizeof(*pages));

	REQUIRE(pages);
	machine(64 * MIB);
	got = alloc_pages_bulk(GFP_KERNEL | __GFP_NOWARN, n, pages);
	CHECK(got > 0);
	CHECK(got < n);
	CHECK_EQ(check_pages(pages, got), 0);
	for (unsigned long i = got; i < n; i++)
		if (pages[i]) {
			CHECK(!"entry past the count set");
			break;
		}
	for (unsigned long i = 0; i < got; i++)
		__free_page(pages[i]);
	CHECK_EQ(buddy_pages_allocated(), 0);
	CHECK_EQ(buddy_check(stderr), 0);
	free(pages);
}

/* vmalloc takes its small pages in bulk: every page mapped, one
 * reference each, all back after vfree; and a vmalloc larger than free
 * memory fails with every page it got given back.  (Last: the machine
 * keeps its page tables and vmalloc space.) */
TEST(vmalloc_pages_in_bulk)
{
	const unsigned long size = MIB + 3 * PAGE_SIZE;
	long used;
	char *p;

	machine(64 * MIB);
	if (kmem_cache_init() || kmm_kernel_pgtable_init() ||
	    tlb_model_init(NULL) || vmalloc_init())
		abort();
	used = buddy_pages_allocated();
	p = vmalloc(size);
	REQUIRE(p != NULL);
	for (unsigned long off = 0; off < size; off += PAGE_SIZE) {
		struct page *pg = vmalloc_to_page(p + off);

		REQUIRE(pg != NULL);
		CHECK_EQ(page_count(pg), 1);
	}
	memset(p, 1, size);
	vfree(p);
	vm_unmap_aliases();
	CHECK_EQ(buddy_pages_allocated(), used);
	p = vmalloc((buddy_total_free_pages() + 16) << PAGE_SHIFT);
	CHECK(p == NULL);
	vm_unmap_aliases();
	CHECK_EQ(buddy_pages_allocated(), used);
	CHECK_EQ(vmalloc_check(stderr), 0);
	CHECK_EQ(buddy_check(stderr), 0);
}
