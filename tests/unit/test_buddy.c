// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the buddy page allocator: set-up, the page API, splitting
 * and merging, compound pages, zones, watermarks, pcp lists, migratetypes,
 * exhaustion and misuse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../alloc/buddy_internal.h"	/* the shadow, for corruption */
#include "buddy_helpers.h"
#include "harness.h"
#include "kmm/kmm.h"

#define MIB	(1ULL << 20)
#define GIB	(1ULL << 30)

static void machine(uint64_t bytes, int cpus, enum kmm_layout layout)
{
	struct kmm_config cfg = {
		.mem_bytes = bytes, .nr_cpus = cpus, .layout = layout,
	};

	kmm_mem_exit();
	kmm_set_cpu(0);
	if (kmm_mem_init(&cfg))
		abort();
	kmm_misuse_abort = false;
}

static int check_ok(void)
{
	return buddy_check(stderr);
}

TEST(init_default_machine)
{
	REQUIRE(kmm_mem_init(NULL) == 0);
	CHECK_EQ(kmm_mem_init(NULL), -16);	/* -EBUSY */
	CHECK_UEQ(max_pfn, GIB >> PAGE_SHIFT);
	CHECK(kmm_phys_fd >= 0);
	CHECK(populated_zone(&kmm_zones[ZONE_DMA]));
	CHECK(populated_zone(&kmm_zones[ZONE_DMA32]));
	CHECK(!populated_zone(&kmm_zones[ZONE_NORMAL]));
	CHECK(!populated_zone(&kmm_zones[ZONE_HIGHMEM]));
	CHECK_UEQ(kmm_zones[ZONE_DMA].managed_pages, 4096);
	CHECK_UEQ(kmm_zones[ZONE_DMA32].managed_pages, 262144 - 4096);
	CHECK_UEQ(kmm_zones[ZONE_DMA].free_area[MAX_PAGE_ORDER].nr_free, 4);
	CHECK_UEQ(kmm_zones[ZONE_DMA32].free_area[MAX_PAGE_ORDER].nr_free, 252);
	CHECK_UEQ(buddy_total_free_pages(), 262144);
	CHECK_EQ(check_ok(), 0);
	kmm_mem_exit();
	CHECK(!kmm_mem_ready());
	CHECK_EQ(kmm_phys_fd, -1);
}

TEST(init_rejects_bad_config)
{
	struct kmm_config cfg = { .mem_bytes = 1 * MIB };

	kmm_mem_exit();
	CHECK_EQ(kmm_mem_init(&cfg), -22);	/* below one max-order block */
	cfg.mem_bytes = 128 * GIB;
	cfg.layout = KMM_LAYOUT_32BIT;
	CHECK_EQ(kmm_mem_init(&cfg), -22);
	cfg.mem_bytes = 64 * MIB;
	cfg.layout = 7;
	CHECK_EQ(kmm_mem_init(&cfg), -22);
	CHECK(!kmm_mem_ready());
}

TEST(watermarks_1gib_oracle)
{
	struct zone *dma, *dma32;

	machine(GIB, 2, KMM_LAYOUT_64BIT);
	dma = &kmm_zones[ZONE_DMA];
	dma32 = &kmm_zones[ZONE_DMA32];
	/*
	 * lowmem 262144 pages = 1048576 kB: min_free_kbytes =
	 * sqrt(1048576 * 16) = 4096 kB = 1024 pages, shared by managed size.
	 */
	CHECK_UEQ(min_wmark_pages(dma), 1024 * 4096 / 262144);		/* 16 */
	CHECK_UEQ(low_wmark_pages(dma), 16 + 4);
	CHECK_UEQ(high_wmark_pages(dma), 16 + 8);
	CHECK_UEQ(min_wmark_pages(dma32), 1008);
	/* tmp = max(1008 / 4, 258048 * 10 / 10000) = 258 */
	CHECK_UEQ(low_wmark_pages(dma32), 1008 + 258);
	CHECK_UEQ(high_wmark_pages(dma32), 1008 + 2 * 258);
	/* lowmem_reserve: DMA keeps 258048 / 256 pages against DMA32 users */
	CHECK_EQ(dma->lowmem_reserve[ZONE_DMA], 0);
	CHECK_EQ(dma->lowmem_reserve[ZONE_DMA32], 1008);
	CHECK_EQ(dma->lowmem_reserve[ZONE_NORMAL], 1008);
	CHECK_EQ(dma32->lowmem_reserve[ZONE_NORMAL], 0);
	/* pcp: batch = rounddown_pow_of_two(63 + 31) - 1, high = low / cpus */
	CHECK_EQ(dma32->pcp[0].batch, 63);
	CHECK_EQ(dma32->pcp[1].high, 1266 / 2);
	CHECK_EQ(dma->pcp[0].batch, 1);	/* zone_batchsize() says 0 */
	CHECK_EQ(dma->pcp[0].high, 20 / 2);	/* at least 4 * batch */
}

TEST(watermarks_8gib_oracle)
{
	struct zone *dma32, *normal;

	machine(8 * GIB, 4, KMM_LAYOUT_64BIT);
	dma32 = &kmm_zones[ZONE_DMA32];
	normal = &kmm_zones[ZONE_NORMAL];
	CHECK_UEQ(dma32->managed_pages, (4 * GIB - 16 * MIB) >> PAGE_SHIFT);
	CHECK_UEQ(normal->managed_pages, (4 * GIB) >> PAGE_SHIFT);
	/* sqrt(8388608 kB * 16) = 11585 kB -> 2896 pages */
	CHECK_UEQ(min_wmark_pages(normal), 2896UL * 1048576 / 2097152);
	CHECK_UEQ(low_wmark_pages(normal), 1448 + 1048);  /* 1048576*10/10000 */
	CHECK_EQ(dma32->lowmem_reserve[ZONE_NORMAL], 1048576 / 256);
	CHECK_EQ(kmm_zones[ZONE_DMA].lowmem_reserve[ZONE_NORMAL],
		 (1044480 + 1048576) / 256);
	CHECK_EQ(normal->pcp[3].batch, 63);
	CHECK_EQ(normal->pcp[3].high, (1448 + 1048) / 4);
}

TEST(pcp_batch_oracle)
{
	CHECK_EQ(zone_batchsize(1UL << 20), 63);	/* 4 GiB */
	CHECK_EQ(zone_batchsize(65536), 15);		/* 256 MiB */
	CHECK_EQ(zone_batchsize(8192), 1);
	CHECK_EQ(zone_batchsize(4096), 0);
	CHECK_EQ(zone_highsize(1266, 63, 2), 633);
	CHECK_EQ(zone_highsize(100, 63, 2), 252);
}

TEST(alloc_free_every_order)
{
	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		char *p;

		REQUIRE(page != NULL);
		CHECK(IS_ALIGNED(page_to_pfn(page), 1UL << order));
		CHECK_EQ(page_count(page), 1);
		CHECK(!PageBuddy(page));
		p = page_address(page);
		REQUIRE(p != NULL);
		CHECK(virt_to_page(p) == page);
		CHECK(virt_to_page(p + (PAGE_SIZE << order) - 1) ==
		      page + (1UL << order) - 1);
		memset(p, 0x5a, PAGE_SIZE << order);
		CHECK_EQ(buddy_pages_allocated(), 1L << order);
		__free_pages(page, order);
		CHECK_EQ(buddy_pages_allocated(), 0);
		CHECK_EQ(check_ok(), 0);
	}
	CHECK(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1) ==
	      NULL);
}

TEST(split_and_merge_restore_buddyinfo)
{
	char before[1024], after[1024];
	struct page *pages[64];

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	buddyinfo_snapshot(before, sizeof(before));
	for (int i = 0; i < 64; i++)
		pages[i] = alloc_pages(GFP_KERNEL, (unsigned int)(i % 5));
	CHECK_EQ(check_ok(), 0);
	for (int i = 0; i < 64; i += 2)
		__free_pages(pages[i], (unsigned int)(i % 5));
	CHECK_EQ(check_ok(), 0);
	for (int i = 1; i < 64; i += 2)
		__free_pages(pages[i], (unsigned int)(i % 5));
	drain_all_pages();
	CHECK_EQ(check_ok(), 0);
	buddyinfo_snapshot(after, sizeof(after));
	CHECK_STR_EQ(after, before);
}

TEST(buddy_split_lowest_block_first)
{
	struct zone *z;
	struct page *page;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	z = &kmm_zones[ZONE_DMA32];
	/* order 4 bypasses pcp: one max-order block is split 10 -> 4 */
	page = alloc_pages(GFP_KERNEL, 4);
	REQUIRE(page != NULL);
	CHECK_EQ(page_zonenum(page), ZONE_DMA32);
	CHECK_UEQ(z->free_area[MAX_PAGE_ORDER].nr_free, 3);
	for (unsigned int o = 4; o < MAX_PAGE_ORDER; o++)
		CHECK_UEQ(z->free_area[o].nr_free, 1);
	__free_pages(page, 4);
	CHECK_UEQ(z->free_area[MAX_PAGE_ORDER].nr_free, 4);
	for (unsigned int o = 0; o < MAX_PAGE_ORDER; o++)
		CHECK_UEQ(z->free_area[o].nr_free, 0);
	CHECK_EQ(check_ok(), 0);
}

TEST(pcp_refill_and_drain)
{
	struct zone *z;
	struct per_cpu_pages *pcp;
	struct page *pages[2000];
	int n = 0;

	machine(GIB, 1, KMM_LAYOUT_64BIT);
	z = &kmm_zones[ZONE_DMA32];
	pcp = &z->pcp[0];
	pages[n++] = alloc_page(GFP_KERNEL);
	CHECK_EQ(pcp->count, pcp->batch - 1);
	CHECK_UEQ(zone_free_pages(z), z->managed_pages - (unsigned long)pcp->batch);
	while (n < 2000)
		pages[n++] = alloc_page(GFP_KERNEL);
	for (int i = 0; i < n; i++) {
		__free_page(pages[i]);
		CHECK(pcp->count < pcp->high);
	}
	CHECK(pcp->count >= pcp->high - pcp->batch);
	CHECK_EQ(check_ok(), 0);
	drain_local_pages();
	CHECK_EQ(pcp->count, 0);
	CHECK_UEQ(zone_free_pages(z), z->managed_pages);
	CHECK_EQ(check_ok(), 0);
}

TEST(compound_pages)
{
	struct page *page, *plain;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	page = alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
	REQUIRE(page != NULL);
	CHECK(PageHead(page));
	CHECK_EQ(compound_order(page), 3);
	for (int i = 1; i < 8; i++) {
		CHECK(PageTail(&page[i]));
		CHECK(compound_head(&page[i]) == page);
	}
	get_page(&page[5]);
	CHECK_EQ(page_count(page), 2);
	put_page(&page[5]);		/* drops the head's count */
	CHECK_EQ(page_count(page), 1);
	put_page(&page[2]);		/* frees the whole compound page */
	CHECK_EQ(buddy_pages_allocated(), 0);
	CHECK(!PageTail(&page[1]));
	plain = alloc_pages(GFP_KERNEL, 3);
	CHECK(!PageHead(plain) && !PageTail(&plain[1]));
	__free_pages(plain, 3);
	drain_all_pages();
	CHECK_EQ(check_ok(), 0);
}

TEST(get_free_pages_and_zeroing)
{
	unsigned long addr;
	unsigned char *p;
	bool zero = true;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	addr = __get_free_pages(GFP_KERNEL, 2);
	REQUIRE(addr != 0);
	memset((void *)addr, 0xa5, PAGE_SIZE << 2);
	free_pages(addr, 2);
	addr = __get_free_page(GFP_KERNEL);
	REQUIRE(addr != 0);
	memset((void *)addr, 0xa5, PAGE_SIZE);
	free_page(addr);
	addr = get_zeroed_page(GFP_KERNEL);	/* the same page, via pcp */
	REQUIRE(addr != 0);
	p = (unsigned char *)addr;
	for (size_t i = 0; i < PAGE_SIZE; i++)
		zero &= p[i] == 0;
	CHECK(zero);
	free_page(addr);
	addr = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 2);
	zero = true;
	for (size_t i = 0; i < PAGE_SIZE << 2; i++)
		zero &= ((unsigned char *)addr)[i] == 0;
	CHECK(zero);
	free_pages(addr, 2);
	free_pages(0, 3);		/* no-op, as in the kernel */
	CHECK_EQ(check_ok(), 0);
}

TEST(physical_memory_is_shared_with_the_memfd)
{
	struct page *page;
	char buf[8] = { 0 };

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	page = alloc_page(GFP_KERNEL);
	REQUIRE(page != NULL);
	memcpy(page_address(page), "kmmtest", 8);
	CHECK_EQ(pread(kmm_phys_fd, buf, 8,
		       (off_t)(page_to_pfn(page) << PAGE_SHIFT)), 8);
	CHECK_STR_EQ(buf, "kmmtest");
	__free_page(page);
}

static const struct {
	gfp_t gfp;
	int zone64, zone32;
} zone_cases[] = {
	{ GFP_KERNEL, ZONE_NORMAL, ZONE_NORMAL },
	{ GFP_ATOMIC, ZONE_NORMAL, ZONE_NORMAL },
	{ GFP_DMA, ZONE_DMA, ZONE_DMA },
	{ GFP_KERNEL | GFP_DMA, ZONE_DMA, ZONE_DMA },
	{ GFP_DMA32, ZONE_DMA32, ZONE_NORMAL },
	{ GFP_HIGHUSER, ZONE_NORMAL, ZONE_HIGHMEM },
	{ GFP_HIGHUSER_MOVABLE, ZONE_NORMAL, ZONE_HIGHMEM },
	{ GFP_USER, ZONE_NORMAL, ZONE_NORMAL },
	{ __GFP_MOVABLE, ZONE_NORMAL, ZONE_NORMAL },
	{ __GFP_MOVABLE | __GFP_DMA, ZONE_DMA, ZONE_DMA },
	{ __GFP_MOVABLE | __GFP_DMA32, ZONE_DMA32, ZONE_NORMAL },
	{ __GFP_DMA | __GFP_HIGHMEM, -1, -1 },
	{ __GFP_DMA | __GFP_DMA32, -1, -1 },
	{ __GFP_DMA32 | __GFP_HIGHMEM, -1, -1 },
	{ __GFP_MOVABLE | __GFP_DMA32 | __GFP_HIGHMEM, -1, -1 },
};

TEST(gfp_zone_table)
{
	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	for (size_t i = 0; i < ARRAY_SIZE(zone_cases); i++)
		CHECK_EQ(gfp_zone(zone_cases[i].gfp), zone_cases[i].zone64);
	machine(64 * MIB, 1, KMM_LAYOUT_32BIT);
	for (size_t i = 0; i < ARRAY_SIZE(zone_cases); i++)
		CHECK_EQ(gfp_zone(zone_cases[i].gfp), zone_cases[i].zone32);
}

TEST(zone_selection_64bit)
{
	struct page *p;

	machine(6 * GIB, 1, KMM_LAYOUT_64BIT);
	REQUIRE(populated_zone(&kmm_zones[ZONE_NORMAL]));
	p = alloc_pages(GFP_KERNEL, 4);
	CHECK_EQ(page_zonenum(p), ZONE_NORMAL);
	CHECK(page_to_pfn(p) >= (4 * GIB) >> PAGE_SHIFT);
	__free_pages(p, 4);
	p = alloc_pages(GFP_DMA32, 0);
	CHECK_EQ(page_zonenum(p), ZONE_DMA32);
	CHECK(page_to_pfn(p) < (4 * GIB) >> PAGE_SHIFT);
	__free_page(p);
	p = alloc_pages(GFP_KERNEL | GFP_DMA, 5);
	CHECK_EQ(page_zonenum(p), ZONE_DMA);
	CHECK(page_to_pfn(p) < (16 * MIB) >> PAGE_SHIFT);
	__free_pages(p, 5);
	p = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	CHECK_EQ(page_zonenum(p), ZONE_NORMAL);
	CHECK(page_address(p) != NULL);
	__free_page(p);
	CHECK(alloc_pages(__GFP_DMA | __GFP_HIGHMEM, 0) == NULL);
	{
		struct buddy_stats st;

		buddy_get_stats(&st);
		CHECK_EQ(st.misuse[MISUSE_BAD_GFP], 1);
	}
	CHECK_EQ(check_ok(), 0);
}

TEST(zone_selection_32bit_highmem)
{
	struct page *p;
	unsigned long addr;

	machine(2 * GIB, 1, KMM_LAYOUT_32BIT);
	CHECK(!populated_zone(&kmm_zones[ZONE_DMA32]));
	CHECK_UEQ(kmm_zones[ZONE_NORMAL].managed_pages,
		  (896 - 16) * MIB >> PAGE_SHIFT);
	CHECK_UEQ(kmm_zones[ZONE_HIGHMEM].zone_start_pfn, 896 * MIB >> PAGE_SHIFT);
	/* highmem min watermark: managed / 1024 clamped to 32..128 */
	CHECK_UEQ(min_wmark_pages(&kmm_zones[ZONE_HIGHMEM]), 128);
	p = alloc_pages(GFP_HIGHUSER, 0);
	REQUIRE(p != NULL);
	CHECK_EQ(page_zonenum(p), ZONE_HIGHMEM);
	CHECK(PageHighMem(p));
	CHECK(page_address(p) == NULL);
	memset(kmm_frame_address(p), 1, PAGE_SIZE);
	__free_page(p);
	p = alloc_pages(GFP_KERNEL, 0);
	CHECK_EQ(page_zonenum(p), ZONE_NORMAL);
	CHECK(page_address(p) != NULL);
	__free_page(p);
	addr = __get_free_pages(GFP_HIGHUSER, 1);	/* never highmem */
	REQUIRE(addr != 0);
	CHECK_EQ(page_zonenum(virt_to_page((void *)addr)), ZONE_NORMAL);
	free_pages(addr, 1);
	CHECK_EQ(check_ok(), 0);
}

TEST(zonelist_falls_back_downwards)
{
	struct page *pages[8192];
	int n = 0, dma = 0;
	struct buddy_stats st;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);	/* DMA + 16 MiB DMA32 */
	while (n < 8192) {
		struct page *p = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);

		if (!p)
			break;
		dma += page_zonenum(p) == ZONE_DMA;
		pages[n++] = p;
	}
	/* DMA32 is used first, then DMA down to its reserve for DMA32 */
	CHECK(dma > 0);
	CHECK(n < 8192);
	buddy_get_stats(&st);
	if (KMM_STATS)			/* counted only with statistics */
		CHECK(st.stat[BUDDY_ZONE_FALLBACK] > 0);
	CHECK(zone_free_pages(&kmm_zones[ZONE_DMA]) <=
	      min_wmark_pages(&kmm_zones[ZONE_DMA]) +
	      (unsigned long)kmm_zones[ZONE_DMA].lowmem_reserve[ZONE_NORMAL]);
	for (int i = 0; i < n; i++)
		__free_page(pages[i]);
	drain_all_pages();
	CHECK_EQ(check_ok(), 0);
	CHECK_UEQ(buddy_total_free_pages(), 8192);
}

TEST(exhaustion_at_watermarks)
{
	static struct page *pages[20000];
	char before[1024], after[1024];
	struct zone *z;
	int n = 0, atomic_extra = 0;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	z = &kmm_zones[ZONE_DMA32];
	buddyinfo_snapshot(before, sizeof(before));
	for (;;) {
		struct page *p = alloc_pages(GFP_DMA32 | __GFP_NOWARN, 0);

		if (!p)
			break;
		pages[n++] = p;
	}
	CHECK_EQ(check_ok(), 0);
	/* failed cleanly at the min watermark */
	CHECK(zone_free_pages(z) <= min_wmark_pages(z));
	CHECK(zone_free_pages(z) > min_wmark_pages(z) / 2);
	/* atomic allocations may dip to 3/8 of min */
	for (;;) {
		struct page *p = alloc_pages(GFP_ATOMIC | GFP_DMA32 |
					     __GFP_NOWARN, 0);

		if (!p)
			break;
		pages[n++] = p;
		atomic_extra++;
	}
	CHECK(atomic_extra > 0);
	CHECK(zone_free_pages(z) <= min_wmark_pages(z) * 3 / 8 + 1);
	CHECK(alloc_pages(GFP_DMA32 | __GFP_NOWARN, 3) == NULL);
	CHECK_EQ(check_ok(), 0);
	/* recovery */
	for (int i = 0; i < n; i++)
		__free_page(pages[i]);
	drain_all_pages();
	buddyinfo_snapshot(after, sizeof(after));
	CHECK_STR_EQ(after, before);
	CHECK_EQ(check_ok(), 0);
}

TEST(failure_warns_unless_nowarn)
{
	char out[2048] = "";
	struct page *p;
	int n = 0;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	buddy_reset_stats();
	/* 16 MiB of DMA: the 4th 4 MiB block would cross the min watermark */
	while (alloc_pages(GFP_DMA | __GFP_NOWARN, MAX_PAGE_ORDER))
		n++;
	CHECK_EQ(n, 3);
	{
		FILE *fp = fmemopen(out, sizeof(out), "w");
		FILE *old = stderr;

		stderr = fp;
		p = alloc_pages(GFP_DMA, MAX_PAGE_ORDER);
		stderr = old;
		fclose(fp);
	}
	CHECK(p == NULL);
	CHECK(strstr(out, "page allocation failure: order:10, "
		      "mode:0x1(GFP_DMA)") != NULL);
	{
		struct buddy_stats st;

		buddy_get_stats(&st);
		if (KMM_STATS) {
			CHECK_EQ(st.stat[BUDDY_ALLOC_FAIL], 2);
			CHECK_EQ(st.stat[BUDDY_ALLOC], 3);
		}
	}
	CHECK_EQ(check_ok(), 0);
}

TEST(migratetype_fallback_steals_pageblocks)
{
	struct zone *z;
	struct page *p, *q;
	struct buddy_stats st;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	z = &kmm_zones[ZONE_DMA32];
	/* every pageblock starts movable */
	CHECK_EQ(get_pfnblock_migratetype(z->zone_start_pfn), MIGRATE_MOVABLE);
	p = alloc_pages(GFP_KERNEL, 4);		/* unmovable */
	REQUIRE(p != NULL);
	CHECK_EQ(get_pfnblock_migratetype(page_to_pfn(p)), MIGRATE_UNMOVABLE);
	buddy_get_stats(&st);
	if (KMM_STATS) {
		CHECK(st.stat[BUDDY_FALLBACK] >= 1);
		CHECK(st.stat[BUDDY_STEAL] >= 1);
	}
	/* the next unmovable request comes from the same pageblock */
	q = alloc_pages(GFP_KERNEL, 4);
	CHECK((page_to_pfn(q) >> pageblock_order) ==
	      (page_to_pfn(p) >> pageblock_order));
	p = alloc_pages(GFP_KERNEL | __GFP_RECLAIMABLE, 5);
	REQUIRE(p != NULL);
	CHECK_EQ(get_pfnblock_migratetype(page_to_pfn(p)), MIGRATE_RECLAIMABLE);
	CHECK_EQ(check_ok(), 0);
}

TEST(misuse_is_counted_and_ignored)
{
	struct page *p, *q;
	struct buddy_stats st;
	char out[4096];
	FILE *fp, *old;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	fp = fmemopen(out, sizeof(out), "w");
	old = stderr;
	stderr = fp;
	p = alloc_pages(GFP_KERNEL, 2);
	__free_pages(p, 2);
	__free_pages(p, 2);			/* double free */
	q = alloc_pages(GFP_KERNEL, 3);
	__free_pages(q, 2);			/* wrong order */
	__free_pages(q + 1, 0);			/* not a page start */
	free_pages((unsigned long)page_address(q) + 8, 0);	/* unaligned */
	__free_pages(mem_map + max_pfn + 5, 0);	/* outside mem_map */
	stderr = old;
	fclose(fp);
	buddy_get_stats(&st);
	CHECK_EQ(st.misuse[MISUSE_DOUBLE_FREE], 1);
	CHECK_EQ(st.misuse[MISUSE_WRONG_ORDER], 1);
	CHECK_EQ(st.misuse[MISUSE_NOT_PAGE_START], 1);
	CHECK_EQ(st.misuse[MISUSE_BAD_ADDRESS], 2);
	CHECK(strstr(out, "already free") != NULL);
	CHECK_EQ(page_count(q), 1);		/* still allocated */
	CHECK_EQ(check_ok(), 0);
	__free_pages(q, 3);
	drain_all_pages();
	CHECK_EQ(check_ok(), 0);
	CHECK_UEQ(buddy_total_free_pages(), max_pfn);
}

static void double_free(void *arg)
{
	struct page *p;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	kmm_misuse_abort = true;
	p = alloc_pages(GFP_KERNEL, (unsigned int)(uintptr_t)arg);
	__free_pages(p, (unsigned int)(uintptr_t)arg);
	__free_pages(p, (unsigned int)(uintptr_t)arg);
}

static void wrong_order(void *arg)
{
	struct page *p;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	kmm_misuse_abort = true;
	p = alloc_pages(GFP_KERNEL, 1);
	__free_pages(p, 0);
}

static void tail_free(void *arg)
{
	struct page *p;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	kmm_misuse_abort = true;
	p = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	__free_pages(p + 2, 0);
}

TEST(misuse_aborts_with_a_report)
{
	char out[4096];

	CHECK(th_expect_death(double_free, (void *)0, "page is already free",
			      out, sizeof(out)));
	CHECK(strstr(out, "pfn 0x") != NULL);
	CHECK(th_expect_death(double_free, (void *)5, "page is already free",
			      NULL, 0));
	CHECK(th_expect_death(wrong_order, NULL,
			      "freed with order 0, allocated with order 1",
			      NULL, 0));
	CHECK(th_expect_death(tail_free, NULL,
			      "not the first page of an allocated block",
			      NULL, 0));
}

TEST(buddyinfo_format)
{
	char buf[1024];

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	buddyinfo_snapshot(buf, sizeof(buf));
	CHECK_STR_EQ(buf,
		"Node 0, zone      DMA      0      0      0      0      0"
		"      0      0      0      0      0      4 \n"
		"Node 0, zone    DMA32      0      0      0      0      0"
		"      0      0      0      0      0      4 \n");
}

TEST(extfrag_format)
{
	char buf[2048];
	FILE *fp;
	struct page *p;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	p = alloc_pages(GFP_KERNEL, 4);	/* DMA32: 1 of each order 4..9, 3 of 10 */
	fp = fmemopen(buf, sizeof(buf), "w");
	kmm_print_unusable_index(fp);
	kmm_print_extfrag_index(fp);
	fclose(fp);
	CHECK_STR_EQ(buf,
		"Node 0, zone      DMA 0.000 0.000 0.000 0.000 0.000 0.000 "
		"0.000 0.000 0.000 0.000 0.000 \n"
		"Node 0, zone    DMA32 0.000 0.000 0.000 0.000 0.000 0.003 "
		"0.011 0.027 0.058 0.121 0.247 \n"
		"Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 "
		"-1.000 -1.000 -1.000 -1.000 -1.000 -1.000 \n"
		"Node 0, zone    DMA32 -1.000 -1.000 -1.000 -1.000 -1.000 "
		"-1.000 -1.000 -1.000 -1.000 -1.000 -1.000 \n");
	__free_pages(p, 4);
}

TEST(fragmentation_index_oracle)
{
	const unsigned long a[] = { 10 };
	const unsigned long b[] = { 0, 4, 1 };
	const unsigned long none[] = { 0, 0, 0 };

	CHECK_EQ(unusable_index_nr_free(a, 1, 0), 0);
	CHECK_EQ(fragmentation_index_nr_free(a, 1, 0), -1000);
	/* 10 free pages in 10 blocks, none of order 1 */
	CHECK_EQ(unusable_index_nr_free(a, 1, 1), 1000);
	CHECK_EQ(fragmentation_index_nr_free(a, 1, 1),
		 1000 - (1000 + 10 * 1000 / 2) / 10);	/* 400 */
	CHECK_EQ(fragmentation_index_nr_free(a, 1, 2), 650);
	/* 12 pages in 5 blocks: 4 of order 1, 1 of order 2 */
	CHECK_EQ(unusable_index_nr_free(b, 3, 1), 0);
	CHECK_EQ(unusable_index_nr_free(b, 3, 2), (12 - 4) * 1000 / 12);
	CHECK_EQ(unusable_index_nr_free(b, 3, 3), 1000);
	CHECK_EQ(fragmentation_index_nr_free(b, 3, 3),
		 1000 - (1000 + 12 * 1000 / 8) / 5);	/* 500 */
	CHECK_EQ(unusable_index_nr_free(none, 3, 0), 1000);
	CHECK_EQ(fragmentation_index_nr_free(none, 3, 2), 0);
}

TEST(pagetypeinfo_format)
{
	char buf[4096];
	FILE *fp;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	fp = fmemopen(buf, sizeof(buf), "w");
	kmm_print_pagetypeinfo(fp);
	fclose(fp);
	CHECK(!strncmp(buf, "Page block order: 9\nPages per block:  512\n\n"
		       "Free pages count per migrate type at order       0 "
		       "     1 ",
		       strlen("Page block order: 9\nPages per block:  512\n\n"
			      "Free pages count per migrate type at order"
			      "       0      1 ")));
	CHECK(strstr(buf, "Node    0, zone    DMA32, type      Movable "
		      "     0      0      0      0      0      0      0      "
		      "0      0      0      4 \n") != NULL);
	CHECK(strstr(buf, "\nNumber of blocks type     Unmovable      Movable "
		      " Reclaimable   HighAtomic \n") != NULL);
	CHECK(strstr(buf, "Node 0, zone    DMA32            0            8 "
		      "           0            0 \n") != NULL);
}

TEST(gfp_format_as_show_gfp_flags)
{
	char buf[256];

	gfp_format(GFP_KERNEL | __GFP_ZERO, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "GFP_KERNEL|__GFP_ZERO");
	gfp_format(GFP_ATOMIC | __GFP_DMA, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "GFP_ATOMIC|GFP_DMA");
	gfp_format(0, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "none");
	gfp_format(GFP_USER | __GFP_ZERO | __GFP_ACCOUNT, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "GFP_USER|__GFP_ZERO|__GFP_ACCOUNT");
	gfp_format(GFP_TRANSHUGE, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "GFP_TRANSHUGE");
	gfp_format(__GFP_HIGH | 0x80000000u, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "__GFP_HIGH|0x80000000");
	gfp_format(0x80000000u, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "0x80000000");
	CHECK_EQ(gfp_format(GFP_KERNEL, buf, 4), strlen("GFP_KERNEL"));
	CHECK_STR_EQ(buf, "GFP");
}

TEST(gfp_parse_every_spelling)
{
	static const struct {
		const char *text;
		gfp_t gfp;
	} cases[] = {
		{ "GFP_KERNEL|__GFP_ZERO", GFP_KERNEL | __GFP_ZERO },
		{ "none", 0 },
		{ "0x400dc0", 0x400dc0 },
		{ "4197824", 4197824 },
		{ "GFP_KERNEL|0x100000", GFP_KERNEL | 0x100000 },
		{ "GFP_NOWAIT|__GFP_NOWARN", GFP_NOWAIT | __GFP_NOWARN },
		{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
		{ "GFP_HIGHUSER_MOVABLE|__GFP_COMP", GFP_HIGHUSER_MOVABLE |
		  __GFP_COMP },
		{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
		{ "GFP_NOFS|__GFP_NOFAIL", GFP_NOFS | __GFP_NOFAIL },
		{ "GFP_NOIO|__GFP_RETRY_MAYFAIL", GFP_NOIO |
		  __GFP_RETRY_MAYFAIL },
		{ "GFP_ATOMIC|__GFP_NOWARN|__GFP_NORETRY", GFP_ATOMIC |
		  __GFP_NOWARN | __GFP_NORETRY },
		{ "GFP_DMA32|__GFP_RECLAIMABLE", GFP_DMA32 | __GFP_RECLAIMABLE },
		{ "GFP_KERNEL|GFP_ZERO", GFP_KERNEL | __GFP_ZERO },
		{ "GFP_NOWARN|GFP_REPEAT|GFP_COLD", __GFP_NOWARN |
		  __GFP_RETRY_MAYFAIL },
		{ "GFP_KERNEL|__GFP_NOTRACK", GFP_KERNEL },
		{ "GFP_TEMPORARY", GFP_KERNEL | __GFP_RECLAIMABLE },
		{ "GFP_IOFS|__GFP_WAIT", __GFP_IO | __GFP_FS | __GFP_RECLAIM },
		{ "GFP_KERNEL|__GFP_ATOMIC|__GFP_HIGH", GFP_KERNEL |
		  __GFP_ATOMIC | __GFP_HIGH },
		{ "__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_HARDWALL", __GFP_HIGHMEM |
		  __GFP_MOVABLE | __GFP_HARDWALL },
	};
	char err[128];
	gfp_t gfp;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		gfp = 0xdead;
		CHECK_EQ(gfp_parse(cases[i].text, strlen(cases[i].text), &gfp,
				   err, sizeof(err)), 0);
		CHECK_UEQ(gfp, cases[i].gfp);
	}
	/* the length is honoured: the rest of a trace line follows */
	CHECK_EQ(gfp_parse("GFP_KERNEL node=0", 10, &gfp, err, sizeof(err)), 0);
	CHECK_UEQ(gfp, GFP_KERNEL);
	CHECK_EQ(gfp_parse("GFP_KERNEL|__GFP_BOGUS", 22, &gfp, err,
			   sizeof(err)), -1);
	CHECK_STR_EQ(err, "unknown gfp flag '__GFP_BOGUS'");
	CHECK_EQ(gfp_parse("GFP_KERNEL||__GFP_ZERO", 22, &gfp, err,
			   sizeof(err)), -1);
	CHECK_EQ(gfp_parse("", 0, &gfp, err, sizeof(err)), -1);
	CHECK_EQ(gfp_parse("0x1g", 4, &gfp, err, sizeof(err)), -1);
	CHECK_EQ(gfp_parse("0x100000000", 11, &gfp, err, sizeof(err)), -1);
	CHECK_EQ(gfp_parse("gfp_kernel", 10, &gfp, NULL, 0), -1);
}

TEST(gfp_format_parse_round_trip)
{
	uint64_t x = th_seed();
	char buf[512], err[64];

	for (int i = 0; i < 20000; i++) {
		gfp_t gfp, back;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		gfp = (gfp_t)x & (gfp_t)(x >> 32);
		gfp_format(gfp, buf, sizeof(buf));
		REQUIRE(gfp_parse(buf, strlen(buf), &back, err,
				  sizeof(err)) == 0);
		CHECK_UEQ(back, gfp);
	}
}

/* Take order-0 pages with @gfp until it fails; returns how many. */
static int drain_with(gfp_t gfp, struct page **pages, int n, int max)
{
	while (n < max) {
		struct page *p = alloc_pages(gfp | __GFP_NOWARN, 0);

		if (!p)
			break;
		pages[n++] = p;
	}
	return n;
}

TEST(reserves_by_gfp_flag)
{
	static struct page *pages[20000];
	char before[1024];
	struct zone *z;
	long min;
	int n, m;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	buddyinfo_snapshot(before, sizeof(before));
	z = &kmm_zones[ZONE_DMA32];
	min = (long)min_wmark_pages(z);
	n = drain_with(GFP_DMA32, pages, 0, 20000);
	CHECK((long)zone_free_pages(z) <= min);
	/* GFP_NOWAIT may not block but has no __GFP_HIGH: no reserve */
	m = drain_with(GFP_NOWAIT | GFP_DMA32, pages, n, 20000);
	CHECK_EQ(m, n);
	/* __GFP_HIGH (without atomic): half of min */
	n = drain_with(GFP_KERNEL | __GFP_HIGH | GFP_DMA32, pages, n, 20000);
	CHECK(n > m);
	CHECK((long)zone_free_pages(z) <= min - min / 2);
	CHECK((long)zone_free_pages(z) > min * 3 / 8);
	/* __GFP_MEMALLOC ignores watermarks, unless __GFP_NOMEMALLOC */
	m = drain_with(GFP_DMA32 | __GFP_MEMALLOC | __GFP_NOMEMALLOC, pages,
		       n, 20000);
	CHECK_EQ(m, n);
	pages[n] = alloc_pages(GFP_DMA32 | __GFP_MEMALLOC, 0);
	CHECK(pages[n] != NULL);
	n++;
	pages[n] = alloc_pages(GFP_DMA32 | __GFP_NOFAIL, 0);
	CHECK(pages[n] != NULL);
	n++;
	CHECK_EQ(check_ok(), 0);
	for (int i = 0; i < n; i++)
		__free_page(pages[i]);
	check_full_coalescing(before);
}

TEST(order9_goes_through_pcp)
{
	struct zone *z;
	struct page *p, *q;
	struct buddy_stats st;

	machine(GIB, 2, KMM_LAYOUT_64BIT);
	z = &kmm_zones[ZONE_DMA32];
	p = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_COMP, pageblock_order);
	REQUIRE(p != NULL);
	CHECK_EQ(compound_order(p), pageblock_order);
	__free_pages(p, pageblock_order);
	CHECK_EQ(z->pcp[0].count, 1 << pageblock_order);
	q = alloc_pages(GFP_HIGHUSER_MOVABLE, pageblock_order);
	CHECK(q == p);			/* the same block, from the list */
	buddy_get_stats(&st);
	if (KMM_STATS)
		CHECK_EQ(st.stat[BUDDY_PCP_HIT], 1);
	CHECK_EQ(z->pcp[0].count, 0);
	__free_pages(q, pageblock_order);
	drain_all_pages();
	CHECK_EQ(check_ok(), 0);
}

TEST(references_and_put_page)
{
	struct page *p;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	p = alloc_pages_node(0, GFP_KERNEL, 2);
	REQUIRE(p != NULL);
	get_page(p);
	CHECK_EQ(page_count(p), 2);
	__free_pages(p, 2);		/* drops one reference only */
	CHECK_EQ(page_count(p), 1);
	CHECK_EQ(buddy_pages_allocated(), 4);
	put_page(p);			/* the last: the whole order-2 block */
	CHECK_EQ(buddy_pages_allocated(), 0);
	CHECK_EQ(page_count(p), 0);
	set_page_count(p, 0);
	drain_all_pages();
	CHECK_EQ(check_ok(), 0);
}

TEST(checker_finds_corruption)
{
	struct zone *z;
	struct page *p, *head;
	char out[4096];
	FILE *fp;

	machine(32 * MIB, 1, KMM_LAYOUT_64BIT);
	z = &kmm_zones[ZONE_DMA32];
	p = alloc_pages(GFP_KERNEL, 4);
	REQUIRE(p != NULL);
	CHECK_EQ(check_ok(), 0);
	/* a count that does not match the lists */
	z->free_area[4].nr_free++;
	fp = fmemopen(out, sizeof(out), "w");
	CHECK(buddy_check(fp) > 0);
	fclose(fp);
	CHECK(strstr(out, "order 4: 1 blocks listed, nr_free 2") != NULL);
	z->free_area[4].nr_free--;
	/* a free block that lost its mark */
	head = list_first_entry(&z->free_area[5].free_list[MIGRATE_UNMOVABLE],
				struct page, lru);
	__ClearPageBuddy(head);
	CHECK(buddy_check(NULL) > 0);
	__SetPageBuddy(head);
	/* a free page that is also allocated */
	buddy_alloc_order[page_to_pfn(head)] = 1;
	fp = fmemopen(out, sizeof(out), "w");
	CHECK(buddy_check(fp) > 0);
	fclose(fp);
	CHECK(strstr(out, "starts an allocated block") != NULL);
	buddy_alloc_order[page_to_pfn(head)] = 0;
	CHECK_EQ(check_ok(), 0);
}

TEST(tens_of_gib_cost_only_what_is_used)
{
	struct page *p[4];
	long rss_kb = 0;
	char line[256];
	FILE *fp;

	machine(48 * GIB, 2, KMM_LAYOUT_64BIT);
	CHECK_UEQ(kmm_zones[ZONE_NORMAL].managed_pages, 44 * GIB >> PAGE_SHIFT);
	/* sqrt(48 GiB in kB * 16) = 28377 kB -> 7094 pages */
	CHECK_UEQ(min_wmark_pages(&kmm_zones[ZONE_NORMAL]),
		  7094UL * (44 * GIB >> PAGE_SHIFT) / (48 * GIB >> PAGE_SHIFT));
	p[0] = alloc_pages(GFP_KERNEL, 0);
	p[1] = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);
	p[2] = alloc_pages(GFP_DMA32, 5);
	p[3] = alloc_pages(GFP_DMA, 0);
	CHECK_EQ(page_zonenum(p[0]), ZONE_NORMAL);
	CHECK_EQ(page_zonenum(p[1]), ZONE_NORMAL);
	CHECK_EQ(page_zonenum(p[2]), ZONE_DMA32);
	CHECK_EQ(page_zonenum(p[3]), ZONE_DMA);
	memset(page_address(p[1]), 1, PAGE_SIZE << MAX_PAGE_ORDER);
	CHECK_EQ(check_ok(), 0);
	fp = fopen("/proc/self/status", "r");
	while (fp && fgets(line, sizeof(line), fp))
		if (!strncmp(line, "VmRSS:", 6))
			rss_kb = atol(line + 6);
	if (fp)
		fclose(fp);
	/* 768 MiB of mem_map, 48 GiB of memory: only touched pages count */
	CHECK(rss_kb > 0 && rss_kb < 512 * 1024);
	__free_pages(p[0], 0);
	__free_pages(p[1], MAX_PAGE_ORDER);
	__free_pages(p[2], 5);
	__free_pages(p[3], 0);
	drain_all_pages();
	CHECK_UEQ(buddy_total_free_pages(), max_pfn);
	CHECK_EQ(check_ok(), 0);
	kmm_mem_exit();
}

TEST(frames_map_a_second_time_through_the_memfd)
{
	struct page *p;
	char *alias;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	p = alloc_pages(GFP_KERNEL, 1);
	REQUIRE(p != NULL);
	alias = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     kmm_phys_fd, (off_t)(page_to_pfn(p) << PAGE_SHIFT));
	REQUIRE(alias != MAP_FAILED);
	strcpy((char *)page_address(p) + PAGE_SIZE, "through the direct map");
	CHECK_STR_EQ(alias + PAGE_SIZE, "through the direct map");
	strcpy(alias, "through the alias");
	CHECK_STR_EQ(page_address(p), "through the alias");
	munmap(alias, 2 * PAGE_SIZE);
	__free_pages(p, 1);
}

TEST(cpus_added_after_setup_have_lists)
{
	char before[1024];
	struct page *p;

	machine(64 * MIB, 1, KMM_LAYOUT_64BIT);
	buddyinfo_snapshot(before, sizeof(before));
	REQUIRE(kmm_set_nr_cpus(8) == 0);
	kmm_set_cpu(7);
	p = alloc_page(GFP_KERNEL);
	REQUIRE(p != NULL);
	__free_page(p);
	CHECK(kmm_zones[ZONE_DMA32].pcp[7].count > 0);
	kmm_set_cpu(0);
	REQUIRE(kmm_set_nr_cpus(1) == 0);
	check_full_coalescing(before);	/* CPU 7's pages too */
}
