// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/kmalloc.c - the kmalloc family: classes, ksize, zeroing,
 * arrays, krealloc, large allocations, DMA and reclaimable caches, bad
 * pointers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/slab.h"

static void machine(void)
{
	struct kmm_config cfg = { .mem_bytes = 256ULL << 20, .nr_cpus = 2 };

	kmem_cache_exit();
	kmm_mem_exit();
	kmm_set_cpu(0);
	if (kmm_mem_init(&cfg) || kmem_cache_init())
		abort();
}

static char reports[4096];

static void capture(const char *msg)
{
	strncat(reports, msg, sizeof(reports) - strlen(reports) - 1);
}

TEST(kmalloc_caches_named_like_the_kernel)
{
	static const char *const names[] = {
		"kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64",
		"kmalloc-96", "kmalloc-128", "kmalloc-192", "kmalloc-256",
		"kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k",
		"kmalloc-8k", "dma-kmalloc-64", "kmalloc-rcl-1k",
	};

	machine();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		CHECK(slab_find_cache(names[i]) != NULL);
	CHECK_STR_EQ(kmalloc_slab(100, GFP_KERNEL)->name, "kmalloc-128");
	CHECK_STR_EQ(kmalloc_slab(65, GFP_KERNEL)->name, "kmalloc-96");
	CHECK_STR_EQ(kmalloc_slab(150, GFP_KERNEL)->name, "kmalloc-192");
	CHECK_STR_EQ(kmalloc_slab(3000, GFP_DMA)->name, "dma-kmalloc-4k");
	CHECK_STR_EQ(kmalloc_slab(8, GFP_KERNEL | __GFP_RECLAIMABLE)->name,
		     "kmalloc-rcl-8");
	CHECK(kmalloc_slab(8193, GFP_KERNEL) == NULL);
}

TEST(every_size_lands_in_its_class)
{
	int bad = 0;

	machine();
	for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size += 7) {
		void *p = kmalloc(size, GFP_KERNEL);
		struct kmem_cache *s = kmalloc_slab(size, GFP_KERNEL);

		if (!p || ksize(p) != kmalloc_size_roundup(size) ||
		    slab_frame_cache[__pa(p) >> PAGE_SHIFT] != s) {
			if (bad++ < 5)
				th_fail(__FILE__, __LINE__, "size %zu", size);
		}
		if (p)
			memset(p, 0xab, size);
		kfree(p);
	}
	CHECK_EQ(bad, 0);
	for (int t = 0; t < NR_KMALLOC_TYPES; t++)
		for (int i = 1; i < KMALLOC_INDEX_MAX; i++)
			if (kmalloc_caches[t][i])
				CHECK_EQ(slab_check_cache(kmalloc_caches[t][i]),
					 0);
}

TEST(zero_size_and_null)
{
	machine();
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK_EQ(ksize(ZERO_SIZE_PTR), 0);
	CHECK_EQ(ksize(NULL), 0);
	reports[0] = '\0';
	slab_report_hook = capture;
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	kfree_sensitive(NULL);
	CHECK_EQ(reports[0], '\0');
	slab_report_hook = NULL;
}

/* kfree has no NULL test: the first frame-table word, which NULL and
 * ZERO_SIZE_PTR index, must hold the no-slab cache */
TEST(null_indexes_the_no_slab_cache)
{
	char *p;

	machine();
	CHECK(slab_cache_of(NULL) == slab_no_cache);
	CHECK(slab_cache_of(ZERO_SIZE_PTR) == slab_no_cache);
	CHECK(slab_cache_of((void *)(PAGE_SIZE - 1)) == slab_no_cache);
	p = kmalloc(64, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(slab_cache_of(p) == kmalloc_caches[KMALLOC_NORMAL][6]);
	kfree(p);
	CHECK_EQ(slab_check_cache(kmalloc_caches[KMALLOC_NORMAL][6]), 0);
}

TEST(kfree_of_a_low_address_is_reported)
{
	machine();
	reports[0] = '\0';
	slab_report_hook = capture;
	kfree((void *)0x40);
	CHECK(strstr(reports, "kfree: invalid pointer") != NULL);
	slab_report_hook = NULL;
}

TEST(zeroing)
{
	unsigned char *p;
	int *a;

	machine();
	p = kmalloc(200, GFP_KERNEL);
	memset(p, 0xff, 200);
	kfree(p);
	p = kzalloc(200, GFP_KERNEL);
	REQUIRE(p);
	for (int i = 0; i < 256; i++)
		CHECK_EQ(p[i], 0);
	kfree(p);
	a = kcalloc(100, sizeof(int), GFP_KERNEL);
	REQUIRE(a);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(a[i], 0);
	kfree(a);
	CHECK(kmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL) == NULL);
	CHECK(kcalloc(SIZE_MAX / 8, 16, GFP_KERNEL) == NULL);
}

TEST(large_allocations_are_compound_pages)
{
	long before;
	char *p;

	machine();
	before = buddy_pages_allocated();
	kmm_last_alloc_path = SLAB_PATH_FAST;
	p = kmalloc(8193, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(kmm_last_alloc_path, SLAB_PATH_PAGE);
	CHECK_EQ(ksize(p), 16384);
	CHECK(PageHead(virt_to_page(p)));
	CHECK_EQ(compound_order(virt_to_page(p)), 2);
	CHECK_EQ(buddy_pages_allocated() - before, 4);
	memset(p, 1, 16384);
	kfree(p);
	CHECK_EQ(buddy_pages_allocated(), before);
	p = kmalloc(KMALLOC_MAX_SIZE, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(ksize(p), KMALLOC_MAX_SIZE);
	kfree(p);
	CHECK_EQ(buddy_pages_allocated(), before);
}

static void too_large(void *arg)
{
	void *p = kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL);

	exit(p == NULL ? 3 : 0);
}

TEST(too_large_fails_with_a_warning)
{
	char out[512];

	machine();
	/* the warning, on stderr of a child that exits non-zero with NULL */
	CHECK(th_expect_death(too_large, NULL, "exceeds KMALLOC_MAX_SIZE", out,
			      sizeof(out)));
	CHECK(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN) ==
	      NULL);
}

TEST(krealloc_grows_and_keeps)
{
	char *p, *q;

	machine();
	p = kmalloc(20, GFP_KERNEL);
	strcpy(p, "hello, slab");
	q = krealloc(p, 30, GFP_KERNEL);	/* still fits kmalloc-32 */
	CHECK(q == p);
	q = krealloc(p, 1000, GFP_KERNEL);
	REQUIRE(q);
	CHECK_STR_EQ(q, "hello, slab");
	CHECK_EQ(ksize(q), 1024);
	p = krealloc(q, 20000, GFP_KERNEL);
	REQUIRE(p);
	CHECK_STR_EQ(p, "hello, slab");
	CHECK(krealloc(p, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	p = krealloc(NULL, 64, GFP_KERNEL);
	CHECK(p != NULL);
	kfree(p);
}

TEST(kfree_sensitive_clears)
{
	unsigned char *p;
	struct kmem_cache *s;

	machine();
	p = kmalloc(64, GFP_KERNEL);
	memset(p, 0x5e, 64);
	s = kmalloc_slab(64, GFP_KERNEL);
	kfree_sensitive(p);
	/* the free pointer lives at offset 32; every other byte is 0 */
	for (unsigned int i = 0; i < 64; i++)
		if (i < s->offset || i >= s->offset + 8)
			CHECK_EQ(p[i], 0);
}

TEST(dma_kmalloc_comes_from_zone_dma)
{
	void *p;

	machine();
	p = kmalloc(100, GFP_KERNEL | GFP_DMA);
	REQUIRE(p);
	CHECK_EQ(page_zonenum(virt_to_page(p)), ZONE_DMA);
	CHECK(slab_frame_cache[__pa(p) >> PAGE_SHIFT] ==
	      kmalloc_caches[KMALLOC_DMA][7]);
	kfree(p);
}

TEST(kfree_of_a_bad_pointer_is_reported)
{
	char *p;

	machine();
	reports[0] = '\0';
	slab_report_hook = capture;
	p = kmalloc(20000, GFP_KERNEL);
	kfree(p + 4096);		/* inside a large allocation */
	CHECK(strstr(reports, "is no kmalloc object") != NULL);
	reports[0] = '\0';
	kfree(p);
	CHECK_EQ(reports[0], '\0');
	slab_report_hook = NULL;
}

TEST(kvmalloc_small_and_large)
{
	void *p;

	machine();
	p = kvmalloc(100, GFP_KERNEL);
	REQUIRE(p);
	kvfree(p);
	p = kvmalloc(1 << 20, GFP_KERNEL);
	REQUIRE(p);
	memset(p, 1, 1 << 20);
	kvfree(p);
}

TEST(many_sizes_mixed)
{
	void *p[4000];
	uint64_t x = th_seed();

	machine();
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = kmalloc(1 + x % 3000, GFP_KERNEL);
			REQUIRE(p[i]);
		}
		for (int i = 0; i < 4000; i += 1 + round)
			kfree(p[i]);
		for (int i = 0; i < 4000; i++)
			if (i % (1 + round))
				kfree(p[i]);
	}
	for (int i = 1; i < KMALLOC_INDEX_MAX; i++)
		CHECK_EQ(slab_check_cache(kmalloc_caches[0][i]), 0);
}
