// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/slub_sheaves.c - the per-CPU sheaves of slab caches: the
 * kernel's capacities, opt-in (kmem_cache_args.sheaf_capacity) and
 * for-every-cache (slab_sheaves_all) modes, LIFO reuse without touching
 * the object, the spare and the barn, flushing when the barn is full,
 * frees on another CPU, shrink and destroy, and the invariant checker
 * catching a corrupted sheaf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/slab.h"

#define MIB	(1ULL << 20)

/* A fresh 2-CPU machine with 256 MiB; @all: sheaves for every cache. */
static void machine(bool all)
{
	struct kmm_config cfg = { .mem_bytes = 256 * MIB, .nr_cpus = 2 };

	kmem_cache_exit();
	kmm_mem_exit();
	kmm_set_cpu(0);
	slab_merge = true;
	slab_debug = 0;
	slab_freelist_random = false;
	slab_sheaves_all = all;
	if (kmm_mem_init(&cfg) || kmem_cache_init())
		abort();
}

static void *reported_object;

static void count_report(const char *msg)
{
	if (strstr(msg, "already free") || strstr(msg, "double free") ||
	    strstr(msg, "Object already free"))
		reported_object = (void *)msg;
}

TEST(kernel_capacities)
{
	/* calculate_sheaf_capacity(): 60/26/12/4 by size, rounded up so a
	 * sheaf (32-byte header) fills a kmalloc class */
	CHECK_EQ(slab_sheaf_capacity(16), 60);
	CHECK_EQ(slab_sheaf_capacity(255), 60);
	CHECK_EQ(slab_sheaf_capacity(256), 28);
	CHECK_EQ(slab_sheaf_capacity(1023), 28);
	CHECK_EQ(slab_sheaf_capacity(1024), 12);
	CHECK_EQ(slab_sheaf_capacity(4096), 4);
	CHECK_EQ(slab_sheaf_capacity(8192), 4);
}

TEST(opt_in_and_all_modes)
{
	struct kmem_cache_args args = { .sheaf_capacity = 32 };
	struct kmem_cache *a, *b, *d;

	machine(false);
	a = kmem_cache_create_args("with-sheaves", 200, &args, 0);
	b = kmem_cache_create("without", 200, 0, 0, NULL);
	REQUIRE(a && b);
	CHECK(a != b);			/* a cache with sheaves never merges */
	CHECK_EQ(a->sheaf_capacity, 32);
	CHECK_EQ(b->sheaf_capacity, 0);
	CHECK(a->cpu_slab[0].main != NULL);
	CHECK(b->cpu_slab[0].main == NULL);
	CHECK_EQ(kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)]
		 ->sheaf_capacity, 0);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);

	machine(true);
	CHECK_EQ(kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)]
		 ->sheaf_capacity, 60);
	CHECK_EQ(kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(8192)]
		 ->sheaf_capacity, 4);
	d = kmem_cache_create("dbg", 200, 0, SLAB_RED_ZONE, NULL);
	REQUIRE(d);
	CHECK_EQ(d->sheaf_capacity, 0);	/* debug caches: none */
	kmem_cache_destroy(d);
	slab_sheaves_all = false;
}

TEST(free_keeps_object_bytes_and_reuse_is_lifo)
{
	struct kmem_cache *s;
	unsigned char *p, *q;
	bool intact = true;

	machine(true);
	s = kmem_cache_create("bytes", 64, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	memset(p, 0xa5, 64);
	kmem_cache_free(s, p);
	/* in the sheaf, not on a freelist: no free pointer written */
	for (int i = 0; i < 64; i++)
		intact &= p[i] == 0xa5;
	CHECK(intact);
	CHECK_EQ(s->cpu_slab[0].main->size, s->sheaf_capacity);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(q == p);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
	slab_sheaves_all = false;
}

TEST(spare_barn_and_flush)
{
	enum { N = 2000 };
	struct kmem_cache *s;
	struct slab_cache_info info;
	void **p = malloc(N * sizeof(*p));
	unsigned int cap;

	REQUIRE(p);
	machine(true);
	s = kmem_cache_create("barn", 100, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	cap = s->sheaf_capacity;
	REQUIRE(cap == 60);
	for (int i = 0; i < N; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
	}
	CHECK_EQ(slab_check_cache(s), 0);
	/* main + spare hold 2 * cap, the barn BARN_MAX_FULL full sheaves;
	 * the rest is flushed to the slabs */
	for (int i = 0; i < N; i++)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(s->barn.nr_full, BARN_MAX_FULL);
	CHECK(s->cpu_slab[0].spare && s->cpu_slab[0].spare->size == cap);
	CHECK_EQ(slab_check_cache(s), 0);
	slab_cache_info(s, &info);
	/* sheaf objects count as allocated, as in /proc/slabinfo */
	CHECK(info.active_objs >= (2 + BARN_MAX_FULL) * cap);
	CHECK(info.active_objs <= (3 + BARN_MAX_FULL) * cap);

	/* CPU 1 allocates from the barn's full sheaves: no new slab */
	{
		long slabs = s->node.nr_slabs;

		kmm_set_cpu(1);
		for (unsigned int i = 0; i < 3 * cap; i++) {
			p[i] = kmem_cache_alloc(s, GFP_KERNEL);
			REQUIRE(p[i]);
		}
		CHECK_EQ(s->node.nr_slabs, slabs);
		CHECK(s->barn.nr_full < BARN_MAX_FULL);
		CHECK_EQ(slab_check_cache(s), 0);
		/* frees on CPU 1 of objects CPU 0 freed first */
		for (unsigned int i = 0; i < 3 * cap; i++)
			kmem_cache_free(s, p[i]);
		kmm_set_cpu(0);
	}
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_shrink(s);
	slab_cache_info(s, &info);
	CHECK_EQ(info.active_objs, 0);
	CHECK_EQ(s->barn.nr_full + s->barn.nr_empty, 0);
	CHECK(s->node.nr_slabs <= (long)s->min_partial);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_destroy(s);
	free(p);
	slab_sheaves_all = false;
}

TEST(random_churn_keeps_invariants)
{
	enum { N = 3000, OPS = 200000 };
	struct kmem_cache *s;
	void **p = calloc(N, sizeof(*p));
	uint64_t x = 88172645463325252ull;
	int bad = 0;

	REQUIRE(p);
	machine(true);
	slab_nr_reports = 0;
	s = kmem_cache_create("churn", 700, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	for (int op = 0; op < OPS; op++) {
		unsigned int i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (unsigned int)(x % N);
		kmm_set_cpu((int)((x >> 32) & 1));
		if (p[i]) {
			kmem_cache_free(s, p[i]);
			p[i] = NULL;
		} else {
			p[i] = kmem_cache_alloc(s, GFP_KERNEL);
			if (!p[i])
				bad++;
			else
				memset(p[i], (int)i, 700);
		}
		if (op % 20000 == 0)
			bad += slab_check_cache(s) != 0;
	}
	CHECK_EQ(bad, 0);
	/* no object was handed out twice: each still holds its pattern */
	for (unsigned int i = 0; i < N; i++)
		if (p[i])
			bad += ((unsigned char *)p[i])[699] != (unsigned char)i;
	CHECK_EQ(bad, 0);
	kmm_set_cpu(0);
	for (unsigned int i = 0; i < N; i++)
		if (p[i])
			kmem_cache_free(s, p[i]);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_destroy(s);		/* reports if anything is left */
	CHECK_EQ(slab_nr_reports, 0);
	free(p);
	slab_sheaves_all = false;
}

TEST(kmalloc_through_sheaves)
{
	void *p[500];

	machine(true);
	for (int i = 0; i < 500; i++) {
		p[i] = kmalloc((size_t)(i * 13 % 4000 + 1), GFP_KERNEL);
		REQUIRE(p[i]);
	}
	for (int i = 0; i < 500; i += 2)
		kfree(p[i]);
	for (int i = 1; i < 500; i += 2)
		kfree(p[i]);
	for (unsigned int k = 0; k < KMALLOC_INDEX_MAX; k++) {
		struct kmem_cache *s = kmalloc_caches[KMALLOC_NORMAL][k];

		if (s)
			CHECK_EQ(slab_check_cache(s), 0);
	}
	slab_sheaves_all = false;
}

TEST(checker_and_double_free)
{
	struct kmem_cache *s;
	struct slab_sheaf *m;
	void *a, *b;

	machine(true);
	s = kmem_cache_create("corrupt", 64, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, a);
	/* freeing the object freed last is reported and ignored */
	slab_report_hook = count_report;
	reported_object = NULL;
	kmem_cache_free(s, a);
	slab_report_hook = NULL;
	CHECK(reported_object != NULL);
	CHECK_EQ(slab_check_cache(s), 0);
	/* an object twice in a sheaf and a pointer to no object start are
	 * each caught */
	m = s->cpu_slab[0].main;
	m->objects[m->size++] = a;
	CHECK(slab_check_cache(s) > 0);
	m->size--;
	m->objects[m->size++] = (char *)b + 1;
	CHECK(slab_check_cache(s) > 0);
	m->size--;
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_free(s, b);
	kmem_cache_destroy(s);
	slab_nr_reports = 0;
	slab_sheaves_all = false;
}
