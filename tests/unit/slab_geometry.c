// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/slab_geometry.c - SLUB geometry and kmalloc classes against
 * the kernel's worked examples (calculate_sizes / calculate_order).
 */
#include "harness.h"
#include "kmm/page.h"
#include "kmm/slab.h"

static struct slab_geometry geo(unsigned int size, unsigned int align,
				slab_flags_t flags, bool ctor,
				unsigned int cpus)
{
	struct slab_geometry g;

	if (slab_calculate_geometry(&g, size, align, flags, ctor, cpus))
		memset(&g, 0xff, sizeof(g));
	return g;
}

TEST(alignment)
{
	CHECK_EQ(slab_calculate_alignment(0, 0, 100), 8);
	CHECK_EQ(slab_calculate_alignment(0, 4, 100), 8);
	CHECK_EQ(slab_calculate_alignment(0, 32, 100), 32);
	/* hwcache: halve the cache line while the object fits twice */
	CHECK_EQ(slab_calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 100), 64);
	CHECK_EQ(slab_calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 32), 32);
	CHECK_EQ(slab_calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 33), 64);
	CHECK_EQ(slab_calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 16), 16);
	CHECK_EQ(slab_calculate_alignment(SLAB_HWCACHE_ALIGN, 0, 5), 8);
	CHECK_EQ(slab_calculate_alignment(SLAB_HWCACHE_ALIGN, 128, 8), 128);
}

TEST(order_min_objects_from_cpus)
{
	/* min_objects = 4 * (fls(nr) + 1): 1 cpu 8, 2: 12, 8: 20 */
	CHECK_EQ(slab_calculate_order(512, 1), 0);	/* 8 fit in 4k */
	CHECK_EQ(slab_calculate_order(512, 2), 1);	/* 12 need 8k */
	CHECK_EQ(slab_calculate_order(512, 8), 2);	/* 20 need 16k */
	CHECK_EQ(slab_calculate_order(256, 1), 0);
	CHECK_EQ(slab_calculate_order(256, 2), 0);
	CHECK_EQ(slab_calculate_order(256, 8), 1);
}

TEST(worked_examples_2_cpus)
{
	struct slab_geometry g = geo(256, 0, 0, false, 2);

	CHECK_EQ(g.size, 256);
	CHECK_EQ(g.objects, 16);
	CHECK_EQ(g.order, 0);
	g = geo(344, 0, 0, false, 2);
	CHECK_EQ(g.size, 344);
	CHECK_EQ(g.objects, 23);
	CHECK_EQ(g.order, 1);
	/* task_struct: 5840 bytes aligned 64 */
	g = geo(5840, 64, 0, false, 2);
	CHECK_EQ(g.size, 5888);
	CHECK_EQ(g.objects, 5);
	CHECK_EQ(g.order, 3);
}

TEST(worked_examples_8_cpus)
{
	struct slab_geometry g = geo(256, 0, SLAB_KMALLOC, false, 8);

	CHECK_EQ(g.objects, 32);
	CHECK_EQ(g.order, 1);
	g = geo(1024, 0, SLAB_KMALLOC, false, 8);
	CHECK_EQ(g.objects, 32);
	CHECK_EQ(g.order, 3);
	g = geo(8192, 0, SLAB_KMALLOC, false, 8);
	CHECK_EQ(g.objects, 4);
	CHECK_EQ(g.order, 3);
}

TEST(worked_examples_1_cpu)
{
	/* min_objects 8 */
	struct slab_geometry g = geo(256, 0, 0, false, 1);

	CHECK_EQ(g.objects, 16);
	CHECK_EQ(g.order, 0);
	g = geo(1024, 0, 0, false, 1);
	CHECK_EQ(g.objects, 8);
	CHECK_EQ(g.order, 1);
	g = geo(8192, 0, 0, false, 1);
	CHECK_EQ(g.objects, 4);
	CHECK_EQ(g.order, 3);
	g = geo(5840, 64, 0, false, 1);
	CHECK_EQ(g.size, 5888);
	CHECK_EQ(g.order, 3);
}

TEST(free_pointer_placement)
{
	/* inside the object, at the middle rounded down to a word */
	struct slab_geometry g = geo(100, 0, 0, false, 2);

	CHECK_EQ(g.offset, 48);
	CHECK_EQ(g.size, 104);
	/* a ctor, RCU or poison: after the object */
	g = geo(100, 0, 0, true, 2);
	CHECK_EQ(g.offset, 104);
	CHECK_EQ(g.size, 112);
	g = geo(100, 0, SLAB_TYPESAFE_BY_RCU, false, 2);
	CHECK_EQ(g.offset, 104);
	CHECK_EQ(g.size, 112);
	g = geo(64, 0, SLAB_POISON, false, 2);
	CHECK_EQ(g.offset, 64);
	CHECK_EQ(g.size, 72);
	g = geo(8, 0, 0, false, 2);
	CHECK_EQ(g.offset, 0);
	CHECK_EQ(g.size, 8);
}

TEST(debug_layout)
{
	/* red zone: a word after an exactly aligned object, padding word,
	 * left red zone of one word: 64 + 8 (rz) + 8 (fp: poison) ... */
	struct slab_geometry g = geo(64, 0, SLAB_RED_ZONE, false, 2);

	CHECK_EQ(g.inuse, 72);
	CHECK_EQ(g.offset, 32);		/* fp stays inside */
	CHECK_EQ(g.red_left_pad, 8);
	CHECK_EQ(g.size, 88);		/* 72 + 8 pad + 8 left */
	g = geo(64, 0, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, false,
		2);
	/* 72 inuse + 8 fp + 2 * 32 tracks + 8 pad + 8 left = 160 */
	CHECK_EQ(g.offset, 72);
	CHECK_EQ(g.size, 160);
	/* kmalloc + store_user keeps the original size (4 bytes) */
	g = geo(64, 0, SLAB_KMALLOC | SLAB_STORE_USER, false, 2);
	CHECK_EQ(g.size, 192);	// 64 + 2 tracks + 4, aligned 64
	/* left red zone is aligned to the cache's alignment */
	g = geo(64, 64, SLAB_RED_ZONE, false, 2);
	CHECK_EQ(g.red_left_pad, 64);
	CHECK_EQ(g.size, 192);
}

TEST(bad_geometry)
{
	struct slab_geometry g;

	CHECK(slab_calculate_geometry(&g, 0, 0, 0, false, 2) < 0);
	CHECK(slab_calculate_geometry(&g, 100, 3, 0, false, 2) < 0);
	CHECK(slab_calculate_geometry(&g, KMALLOC_MAX_SIZE + 1, 0, 0, false,
				      2) < 0);
	/* large objects: get_order(size) */
	CHECK_EQ(slab_calculate_geometry(&g, 100000, 0, 0, false, 2), 0);
	CHECK_EQ(g.order, 5);
	CHECK_EQ(g.objects, 1);
}

static unsigned int class_of(size_t size)
{
	if (size <= 8)
		return 8;
	if (size <= 16)
		return 16;
	if (size <= 32)
		return 32;
	if (size <= 64)
		return 64;
	if (size <= 96)
		return 96;
	if (size <= 128)
		return 128;
	if (size <= 192)
		return 192;
	unsigned int c = 256;

	while (c < size)
		c *= 2;
	return c;
}

TEST(kmalloc_class_every_size)
{
	int bad = 0;

	for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
		unsigned int got = kmalloc_index_size(kmalloc_index(size));

		if (got != class_of(size) && bad++ < 5)
			th_fail(__FILE__, __LINE__, "size %zu -> %u, want %u",
				size, got, class_of(size));
		if (kmalloc_size_roundup(size) != class_of(size) && bad++ < 5)
			th_fail(__FILE__, __LINE__, "roundup %zu", size);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(kmalloc_index(96), 1);
	CHECK_EQ(kmalloc_index(192), 2);
	CHECK_EQ(kmalloc_index(8192), 13);
	CHECK_EQ(kmalloc_size_roundup(8193), 16384);
	CHECK_EQ(kmalloc_size_roundup(KMALLOC_MAX_SIZE), KMALLOC_MAX_SIZE);
	CHECK_EQ(kmalloc_size_roundup(KMALLOC_MAX_SIZE + 1), 0);
}

TEST(kmalloc_cache_geometry_2_cpus)
{
	/* /sys/kernel/slab/kmalloc-N on a 2-CPU 6.x machine */
	static const struct { unsigned int size, objs, order; } want[] = {
		{ 8, 512, 0 }, { 16, 256, 0 }, { 32, 128, 0 }, { 64, 64, 0 },
		{ 96, 42, 0 }, { 128, 32, 0 }, { 192, 21, 0 },
		{ 256, 16, 0 }, { 512, 16, 1 }, { 1024, 16, 2 },
		{ 2048, 16, 3 }, { 4096, 8, 3 }, { 8192, 4, 3 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct slab_geometry g = geo(want[i].size, 0, SLAB_KMALLOC,
					     false, 2);

		CHECK_EQ(g.size, want[i].size);
		CHECK_EQ(g.objects, want[i].objs);
		CHECK_EQ(g.order, want[i].order);
	}
}
