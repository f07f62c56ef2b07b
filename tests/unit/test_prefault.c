// SPDX-License-Identifier: GPL-2.0
/*
 * kmm_config.prefault: physical memory, mem_map and the allocation shadow
 * are present in the host after set-up, and every struct page is
 * initialised, so no allocation pays a host page fault or a deferred
 * struct page set-up.  Without it, they come on first use.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../alloc/buddy_internal.h"
#include "harness.h"
#include "kmm/kmm.h"

#define MIB	(1ULL << 20)

/* Host pages of [p, p + bytes) that are resident */
static size_t resident(const void *p, size_t bytes)
{
	size_t hp = (size_t)getpagesize(), n = (bytes + hp - 1) / hp, r = 0;
	unsigned char *vec = malloc(n);

	if (!vec || mincore((void *)p, bytes, vec)) {
		free(vec);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1;
	free(vec);
	return r;
}

static void machine(uint64_t prefault)
{
	struct kmm_config cfg = {
		.mem_bytes = 64 * MIB, .nr_cpus = 2, .prefault_bytes = prefault,
	};

	kmm_mem_exit();
	kmm_set_cpu(0);
	if (kmm_mem_init(&cfg))
		abort();
}

static size_t hpages(size_t bytes)
{
	return (bytes + (size_t)getpagesize() - 1) / (size_t)getpagesize();
}

TEST(prefault_makes_all_memory_present)
{
	unsigned long blocks;

	machine(64 * MIB);
	blocks = max_pfn >> MAX_PAGE_ORDER;
	CHECK_UEQ(resident(kmm_phys_base, max_pfn << PAGE_SHIFT),
		  hpages(max_pfn << PAGE_SHIFT));
	CHECK_UEQ(resident(mem_map, max_pfn * sizeof(struct page)),
		  hpages(max_pfn * sizeof(struct page)));
	CHECK_UEQ(resident(buddy_alloc_order, max_pfn), hpages(max_pfn));
	for (unsigned long b = 0; b < blocks; b++)
		CHECK_EQ(buddy_block_ready[b], 1);
	/* a tail page of a free max-order block is set up already */
	CHECK(page_address(pfn_to_page(max_pfn - 1)) ==
	      kmm_phys_base + ((max_pfn - 1) << PAGE_SHIFT));
	CHECK_EQ(page_zonenum(pfn_to_page(max_pfn - 1)), ZONE_DMA32);
	CHECK_EQ(pfn_to_page(max_pfn - 1)->_mapcount, -1);
	CHECK_EQ(buddy_check(stderr), 0);
	CHECK_UEQ(buddy_total_free_pages(), max_pfn);
	kmm_mem_exit();
}

TEST(prefaulted_machine_allocates_and_coalesces)
{
	struct page *p[64];

	machine(64 * MIB);
	for (int i = 0; i < 64; i++) {
		p[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO, (unsigned int)i % 4);
		REQUIRE(p[i] != NULL);
		CHECK_EQ(((char *)page_address(p[i]))[PAGE_SIZE - 1], 0);
	}
	CHECK_EQ(buddy_check(stderr), 0);
	for (int i = 0; i < 64; i++)
		__free_pages(p[i], (unsigned int)i % 4);
	drain_all_pages();
	CHECK_UEQ(buddy_total_free_pages(), max_pfn);
	CHECK_UEQ(kmm_zones[ZONE_DMA32].free_area[MAX_PAGE_ORDER].nr_free,
		  (64 - 16) * MIB / (PAGE_SIZE << MAX_PAGE_ORDER));
	CHECK_EQ(buddy_check(stderr), 0);
	kmm_mem_exit();
}

/*
 * A part: exactly that many bytes of frames are present, and they are the
 * ones the allocator hands out first.
 */
TEST(partial_prefault_covers_the_first_blocks_handed_out)
{
	/* less than 8 MiB: pcp refills may take a batch more */
	struct page *p[8 * MIB / PAGE_SIZE - 512];
	size_t frames;

	machine(8 * MIB);
	frames = max_pfn << PAGE_SHIFT;
	CHECK_UEQ(resident(kmm_phys_base, frames), hpages(8 * MIB));
	CHECK_UEQ(resident(mem_map, max_pfn * sizeof(struct page)),
		  hpages(max_pfn * sizeof(struct page)));
	CHECK_EQ(buddy_block_ready[0], 1);
	/* the first 8 MiB worth of order-0 pages all come from them */
	for (size_t i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = alloc_page(GFP_KERNEL);
		REQUIRE(p[i] != NULL);
		CHECK_UEQ(resident(page_address(p[i]), PAGE_SIZE), 1);
	}
	CHECK_UEQ(resident(kmm_phys_base, frames), hpages(8 * MIB));
	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		__free_page(p[i]);
	CHECK_EQ(buddy_check(stderr), 0);
	kmm_mem_exit();
}

TEST(without_prefault_memory_comes_on_first_use)
{
	unsigned long last;

	machine(0);
	last = (max_pfn - 1) >> MAX_PAGE_ORDER;
	CHECK_EQ(buddy_block_ready[last], 0);
	CHECK(resident(kmm_phys_base, max_pfn << PAGE_SHIFT) <
	      hpages(max_pfn << PAGE_SHIFT));
	CHECK_EQ(buddy_check(stderr), 0);
	kmm_mem_exit();
}
