// SPDX-License-Identifier: GPL-2.0
/*
 * tests/stress/slab.c - two CPUs, producer/consumer: CPU 0 allocates
 * objects of random sizes and hands them over a ring; CPU 1 checks their
 * contents and frees them (remote frees), while allocating and freeing
 * objects of its own.  Then every cache's invariants are checked.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/slab.h"

#define RING	1024
#define ITEMS	200000

struct item {
	unsigned char *p;
	size_t size;
};

static struct item ring[RING];
static unsigned long head, tail;	/* producer writes head, consumer tail */
static struct kmem_cache *own_cache;
static int corrupt;

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void *producer(void *arg)
{
	uint64_t x = th_seed();

	kmm_set_cpu(0);
	for (unsigned long i = 0; i < ITEMS; i++) {
		size_t size = 1 + next_rand(&x) % (i % 16 ? 512 : 8192);
		unsigned char *p = kmalloc(size, GFP_KERNEL);

		if (!p)
			abort();
		memset(p, (int)(i & 0xff), size);
		while (i - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) >= RING)
			sched_yield();
		ring[i % RING] = (struct item){ p, size };
		__atomic_store_n(&head, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	void *mine[64] = { 0 };
	uint64_t x = th_seed() * 3;

	kmm_set_cpu(1);
	for (unsigned long i = 0; i < ITEMS; i++) {
		struct item it;
		int k = (int)(next_rand(&x) % 64);

		while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) <= i)
			sched_yield();
		it = ring[i % RING];
		if (it.p[0] != (i & 0xff) || it.p[it.size - 1] != (i & 0xff))
			__atomic_store_n(&corrupt, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&tail, i + 1, __ATOMIC_RELEASE);
		kfree(it.p);
		/* local traffic on a cache of its own */
		if (mine[k]) {
			kmem_cache_free(own_cache, mine[k]);
			mine[k] = NULL;
		} else {
			mine[k] = kmem_cache_alloc(own_cache, GFP_KERNEL);
		}
	}
	for (int k = 0; k < 64; k++)
		if (mine[k])
			kmem_cache_free(own_cache, mine[k]);
	return NULL;
}

static int check_one(struct kmem_cache *s, void *arg)
{
	*(int *)arg += slab_check_cache(s);
	return 0;
}

/*
 * A fresh 2-CPU machine (@sheaves: sheaves for every cache), the producer
 * and consumer run to the end, and every cache checked.  Returns the
 * number of invariant violations.
 */
static int run_producer_consumer(bool sheaves)
{
	struct kmm_config cfg = { .mem_bytes = 512ULL << 20, .nr_cpus = 2 };
	pthread_t p, c;
	int bad = 0;

	kmem_cache_exit();
	kmm_mem_exit();
	head = tail = 0;
	corrupt = 0;
	slab_sheaves_all = sheaves;
	if (kmm_mem_init(&cfg) || kmem_cache_init())
		return 1;
	own_cache = kmem_cache_create("stress-own", 72, 0, SLAB_NO_MERGE, NULL);
	if (!own_cache)
		return 1;
	pthread_create(&p, NULL, producer, NULL);
	pthread_create(&c, NULL, consumer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	slab_for_each_cache(check_one, &bad);
	return bad;
}

TEST(producer_consumer_remote_frees)
{
	unsigned long remote = 0;
	int bad = 0;

	CHECK_EQ(run_producer_consumer(false), 0);
	REQUIRE(own_cache);
	CHECK_EQ(corrupt, 0);
	for (int i = 1; i < KMALLOC_INDEX_MAX; i++) {
		struct slab_cache_info info;

		if (!kmalloc_caches[0][i])
			continue;
		slab_cache_info(kmalloc_caches[0][i], &info);
		CHECK_EQ(info.active_objs, 0);
		remote += slab_stat_sum(kmalloc_caches[0][i], FREE_REMOTE) +
			  slab_stat_sum(kmalloc_caches[0][i], FREE_SLOWPATH);
	}
#if KMM_STATS
	CHECK(remote > 0);
#endif
	/* everything flushed and shrunk goes back to the page allocator */
	for (int i = 1; i < KMALLOC_INDEX_MAX; i++)
		kmem_cache_shrink(kmalloc_caches[0][i]);
	kmem_cache_destroy(own_cache);
	CHECK_EQ(slab_total_pages(), 0);
	slab_for_each_cache(check_one, &bad);
	CHECK_EQ(bad, 0);
}

/*
 * The same with sheaves on every cache: the consumer's frees of the
 * producer's objects fill CPU 1's sheaves, full sheaves go through the
 * barn (shared by both CPUs, under its lock) to the producer, and
 * overflowing ones are flushed to their slabs with cmpxchg while the
 * producer refills from the same slabs.
 */
TEST(producer_consumer_through_sheaves)
{
	int bad = 0;

	CHECK_EQ(run_producer_consumer(true), 0);
	REQUIRE(own_cache);
	CHECK(own_cache->sheaf_capacity > 0);
	CHECK_EQ(corrupt, 0);
	/* sheaf objects count as allocated until the caches are shrunk */
	for (int i = 1; i < KMALLOC_INDEX_MAX; i++) {
		struct slab_cache_info info;

		if (!kmalloc_caches[0][i])
			continue;
		kmem_cache_shrink(kmalloc_caches[0][i]);
		slab_cache_info(kmalloc_caches[0][i], &info);
		CHECK_EQ(info.active_objs, 0);
	}
	kmem_cache_destroy(own_cache);
	CHECK_EQ(slab_total_pages(), 0);
	slab_for_each_cache(check_one, &bad);
	CHECK_EQ(bad, 0);
	slab_sheaves_all = false;
}
