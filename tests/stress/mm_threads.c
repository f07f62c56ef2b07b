// SPDX-License-Identifier: GPL-2.0
/*
 * tests/stress/mm_threads.c - two threads (two simulated CPUs), each with
 * its own processes: writes, reads, forks, munmaps and exits on a small
 * machine, so reclaim running in one thread swaps out the other's pages.
 * Every read is checked against a model; at the end nothing has leaked.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/cpu.h"
#include "kmm/kmm.h"
#include "kmm/mm.h"
#include "kmm/slab.h"

#define PG		PAGE_SIZE
#define RW		(PROT_READ | PROT_WRITE)
#define ANON		(MAP_PRIVATE | MAP_ANONYMOUS)
#define NPAGES		256
#define BALLAST		4096		/* pages written once: pressure */

struct worker {
	int cpu;
	unsigned long ops;
	unsigned long errors;
	uint64_t rnd;
};

/*
 * Both workers' ballast is resident at the same time (more than the machine
 * has), so reclaim and swap must happen however the threads are scheduled.
 */
static pthread_barrier_t ballast_written;

static unsigned long rnd(struct worker *w, unsigned long n)
{
	w->rnd ^= w->rnd << 13;
	w->rnd ^= w->rnd >> 7;
	w->rnd ^= w->rnd << 17;
	return (unsigned long)(w->rnd % n);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned long model[NPAGES] = { 0 }, a, ballast, v;
	struct mm_struct *mm;

	kmm_set_cpu(w->cpu);
	mm = mm_exec(0, 0);
	if (!mm) {
		w->errors++;
		pthread_barrier_wait(&ballast_written);
		return NULL;
	}
	a = do_mmap(mm, NULL, 0, NPAGES * PG, RW, ANON, 0);
	ballast = do_mmap(mm, NULL, 0, BALLAST * PG, RW, ANON, 0);
	if (IS_ERR_VALUE(a) || IS_ERR_VALUE(ballast)) {
		w->errors++;
		mmput(mm);
		pthread_barrier_wait(&ballast_written);
		return NULL;
	}
	for (unsigned long i = 0; i < BALLAST; i++)
		if (mm_write(mm, ballast + i * PG, &i, sizeof(i)))
			w->errors++;
	pthread_barrier_wait(&ballast_written);
	for (unsigned long op = 0; op < w->ops; op++) {
		unsigned long p = rnd(w, NPAGES), k = rnd(w, 100);

		if (k < 45) {
			v = (op << 8) | (unsigned long)w->cpu | 1;
			if (mm_write(mm, a + p * PG + 8 * (p & 7), &v,
				     sizeof(v)))
				w->errors++;
			model[p] = v;
		} else if (k < 90) {
			v = ~0UL;
			if (mm_read(mm, a + p * PG + 8 * (p & 7), &v,
				    sizeof(v)) || v != model[p])
				w->errors++;
		} else if (k < 96) {
			struct mm_struct *child = dup_mm(mm);

			if (!child) {
				w->errors++;
				continue;
			}
			v = 12345;
			if (mm_write(child, a + p * PG + 8 * (p & 7), &v,
				     sizeof(v)) ||
			    mm_read(mm, a + p * PG + 8 * (p & 7), &v,
				    sizeof(v)) || v != model[p])
				w->errors++;
			mmput(child);
		} else {
			unsigned long n = 1 + rnd(w, 8);

			if (p + n > NPAGES)
				n = NPAGES - p;
			if (do_munmap(mm, a + p * PG, n * PG) ||
			    do_mmap(mm, NULL, a + p * PG, n * PG, RW,
				    ANON | MAP_FIXED, 0) != a + p * PG)
				w->errors++;
			memset(&model[p], 0, n * sizeof(model[0]));
		}
	}
	for (unsigned long i = 0; i < BALLAST; i += 97)
		if (mm_read(mm, ballast + i * PG, &v, sizeof(v)) || v != i)
			w->errors++;
	if (mm_check(mm))
		w->errors++;
	mmput(mm);
	return NULL;
}

TEST(two_cpus_fork_swap_and_exit)
{
	struct kmm_config cfg = { .mem_bytes = 32UL << 20, .nr_cpus = 2 };
	struct worker w[2] = {
		{ .cpu = 0, .ops = 10000, .rnd = th_seed() | 1 },
		{ .cpu = 1, .ops = 10000, .rnd = th_seed() * 3 + 7 },
	};
	struct mm_reclaim_stats rs;
	pthread_t t[2];
	long pages, objects;

	REQUIRE(kmm_mem_init(&cfg) == 0);
	REQUIRE(mm_subsys_init() == 0);
	pages = buddy_pages_allocated();
	objects = mm_objects_in_use();
	REQUIRE(pthread_barrier_init(&ballast_written, NULL, 2) == 0);
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&t[i], NULL, work, &w[i]) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&ballast_written);
	CHECK_EQ(w[0].errors, 0);
	CHECK_EQ(w[1].errors, 0);
	mm_reclaim_get_stats(&rs);
	CHECK(rs.pswpout > 0);
	CHECK(rs.pswpin > 0);
	CHECK_EQ(rs.swap_used, 0);
	kmm_set_cpu(0);
	CHECK_EQ(mm_objects_in_use(), objects);
	kmm_set_cpu(1);
	CHECK_EQ(mm_objects_in_use(), objects);
	CHECK_EQ(buddy_pages_allocated(), pages);
	mm_subsys_exit();
	kmem_cache_exit();
	kmm_mem_exit();
}
