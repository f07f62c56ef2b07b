// SPDX-License-Identifier: GPL-2.0
/*
 * Two CPUs (threads) allocating and freeing through their own per-CPU
 * lists and the shared zone lock at once: no block is handed out twice
 * (each thread writes its id into its blocks and checks it before the
 * free), the checker passes afterwards, and everything coalesces back.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "buddy_helpers.h"
#include "kmm/kmm.h"

#define LIVE	512
#define OPS	(1 << 19)

struct worker {
	int cpu;
	uint64_t seed;
	long errors, fails;
};

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct page *live[LIVE] = { 0 };
	unsigned int order[LIVE];
	uint64_t tag = 0x1000 + (uint64_t)w->cpu;

	kmm_set_cpu(w->cpu);
	for (long i = 0; i < OPS; i++) {
		int slot = (int)(next(&w->seed) % LIVE);
		uint64_t r = next(&w->seed);

		if (live[slot]) {
			uint64_t got;

			memcpy(&got, page_address(live[slot]), sizeof(got));
			w->errors += got != tag;
			__free_pages(live[slot], order[slot]);
			live[slot] = NULL;
			continue;
		}
		/* mostly pcp orders; some 4..6 and 9 take the zone lock */
		order[slot] = r % 16 < 12 ? (unsigned int)(r % 4) :
			      r % 16 < 15 ? 4 + (unsigned int)(r % 3) : 9;
		live[slot] = alloc_pages((r & 256 ? GFP_KERNEL : GFP_ATOMIC) |
					 __GFP_NOWARN, order[slot]);
		if (!live[slot]) {
			w->fails++;
			continue;
		}
		memcpy(page_address(live[slot]), &tag, sizeof(tag));
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i])
			__free_pages(live[i], order[i]);
	return NULL;
}

TEST(two_cpus_alloc_and_free)
{
	struct kmm_config cfg = { .mem_bytes = 128 << 20, .nr_cpus = 2 };
	struct worker w[2] = {
		{ .cpu = 0, .seed = th_seed() | 1 },
		{ .cpu = 1, .seed = th_seed() * 7 + 1 },
	};
	pthread_t t[2];
	char before[2048];

	kmm_mem_exit();
	REQUIRE(kmm_mem_init(&cfg) == 0);
	kmm_misuse_abort = true;
	buddyinfo_snapshot(before, sizeof(before));
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&t[i], NULL, worker, &w[i]) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(w[0].errors + w[1].errors, 0);
	printf("# failed allocations: %ld %ld\n", w[0].fails, w[1].fails);
	check_full_coalescing(before);
	kmm_mem_exit();
}
