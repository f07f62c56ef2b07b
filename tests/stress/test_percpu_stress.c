// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU area allocator under threads: each thread is a simulated CPU
 * that allocates (sleeping and atomic), fills every CPU's copy of its
 * areas with its own pattern, checks the pattern is intact and frees, in
 * random order, while the others do the same; chunks are created,
 * populated and destroyed under them.  Between rounds the invariant
 * checker runs; at the end everything is freed and the buddy allocator
 * has every frame back.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/cpu.h"
#include "kmm/kmm.h"
#include "kmm/percpu.h"

#define NR_THREADS	4
#define NLIVE		150
#define OPS		6000
#define ROUNDS		3

static unsigned long free0;

struct area {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

struct worker {
	pthread_t th;
	int cpu;
	uint64_t rnd;
	int corrupt;		/* patterns found changed */
	int nlive;
	struct area live[NLIVE];
};

static uint64_t rnd(struct worker *w)
{
	w->rnd ^= w->rnd << 13;
	w->rnd ^= w->rnd >> 7;
	w->rnd ^= w->rnd << 17;
	return w->rnd;
}

static void fill(struct area *a)
{
	for (int cpu = 0; cpu < NR_THREADS; cpu++)
		memset(per_cpu_ptr(a->p, cpu), (unsigned char)(a->tag + cpu),
		       a->size);
}

static int intact(const struct area *a)
{
	for (int cpu = 0; cpu < NR_THREADS; cpu++)
		for (size_t i = 0; i < a->size; i++)
			if (per_cpu_ptr(a->p, cpu)[i] !=
			    (unsigned char)(a->tag + cpu))
				return 0;
	return 1;
}

static void *work(void *arg)
{
	struct worker *w = arg;

	kmm_set_cpu(w->cpu);
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(w);

		if (w->nlive && (w->nlive == NLIVE || r % 100 < 48)) {
			int i = (int)((r >> 8) % (uint64_t)w->nlive);

			w->corrupt += !intact(&w->live[i]);
			free_percpu(w->live[i].p);
			w->live[i] = w->live[--w->nlive];
		} else {
			struct area *a = &w->live[w->nlive];
			size_t align = (size_t)4 << ((r >> 20) % 6);
			gfp_t gfp = r % 10 ? GFP_KERNEL :
					     GFP_NOWAIT | __GFP_NOWARN;

			a->size = r % 16 ? 4 + (r >> 8) % 300 :
					   1 + (r >> 8) % 12000;
			a->p = __alloc_percpu_gfp(a->size, align, gfp);
			if (!a->p) {
				/* only atomic allocations may fail */
				w->corrupt += gfp == GFP_KERNEL;
				continue;
			}
			w->corrupt += (uintptr_t)a->p % align != 0;
			a->tag = (unsigned char)(r >> 40);
			fill(a);
			w->nlive++;
		}
	}
	return NULL;
}

TEST(percpu_threads_allocate_and_free_concurrently)
{
	struct kmm_config cfg = { .mem_bytes = 256 << 20,
				  .nr_cpus = NR_THREADS };
	static struct worker w[NR_THREADS];
	uint64_t st[NR_PCPU_STAT_ITEMS];

	REQUIRE(kmm_mem_init(&cfg) == 0);
	free0 = buddy_total_free_pages();
	REQUIRE(pcpu_init(NULL) == 0);
	for (int i = 0; i < NR_THREADS; i++) {
		w[i].cpu = i;
		w[i].rnd = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	}
	for (int round = 0; round < ROUNDS; round++) {
		for (int i = 0; i < NR_THREADS; i++)
			REQUIRE(pthread_create(&w[i].th, NULL, work,
					       &w[i]) == 0);
		for (int i = 0; i < NR_THREADS; i++)
			pthread_join(w[i].th, NULL);
		CHECK_EQ(pcpu_check(stderr), 0);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		CHECK_EQ(w[i].corrupt, 0);
		while (w[i].nlive) {
			struct area *a = &w[i].live[--w[i].nlive];

			CHECK(intact(a));
			free_percpu(a->p);
		}
	}
	pcpu_get_stats(st);
	if (KMM_STATS) {
		CHECK(st[PCPU_CHUNK_CREATE] > 0);
		CHECK_EQ(st[PCPU_ALLOC], st[PCPU_FREE]);
	}
	CHECK_EQ(pcpu_first_chunk->free_bytes, PERCPU_DYNAMIC_RESERVE);
	CHECK(pcpu_nr_chunks() <= 2);
	CHECK_EQ(pcpu_check(stderr), 0);
	pcpu_exit();
	CHECK_EQ(buddy_total_free_pages(), free0);
	CHECK_EQ(buddy_check(stderr), 0);
	kmm_mem_exit();
}
