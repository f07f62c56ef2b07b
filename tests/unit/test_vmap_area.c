// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the vmap_area allocator: the four fit cases, merging on
 * free, lowest-address fit with alignment, lazy purge, and a randomized
 * run checked against a bitmap model after every step.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/vmalloc.h"

#define S	0x100000000ULL		/* space start */
#define P	4096ULL

static struct vmap_area *alloc(struct vmap_space *vs, uint64_t pages,
			       uint64_t align)
{
	return vmap_alloc_area(vs, pages * P, align, vs->start, vs->end);
}

TEST(four_fit_cases_and_merge)
{
	struct vmap_space vs;
	struct vmap_area *a, *b, *c, *d;

	REQUIRE(vmap_space_init(&vs, S, S + 16 * P) == 0);
	/* LE: from the left edge of the only free area */
	a = alloc(&vs, 2, P);
	REQUIRE(a);
	CHECK_UEQ(a->va_start, S);
	CHECK_EQ(vs.nr_free, 1);
	/* NE: aligned to 8 pages inside [S + 2P, S + 16P) -> split */
	b = alloc(&vs, 2, 8 * P);
	REQUIRE(b);
	CHECK_UEQ(b->va_start, S + 8 * P);
	CHECK_EQ(vs.nr_free, 2);
	/* FL: exactly the hole [S + 2P, S + 8P) */
	c = alloc(&vs, 6, P);
	REQUIRE(c);
	CHECK_UEQ(c->va_start, S + 2 * P);
	CHECK_EQ(vs.nr_free, 1);
	/* RE: restrict vstart so the block ends at the free area's end */
	d = vmap_alloc_area(&vs, 2 * P, P, S + 14 * P, S + 16 * P);
	REQUIRE(d);
	CHECK_UEQ(d->va_start, S + 14 * P);
	CHECK_EQ(vs.nr_free, 1);
	CHECK_UEQ(vmap_largest_free(&vs), 4 * P);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	CHECK(vmap_find_area(&vs, S + 9 * P) == b);
	CHECK(vmap_find_area(&vs, S + 10 * P) == NULL);
	/* nothing of 5 pages is left */
	CHECK(alloc(&vs, 5, P) == NULL);

	/* free b: merges with the free area on its right */
	vmap_free_area(&vs, b);
	CHECK_EQ(vs.nr_free, 1);
	CHECK_UEQ(vmap_largest_free(&vs), 6 * P);
	/* free a: a new area on its own */
	vmap_free_area(&vs, a);
	CHECK_EQ(vs.nr_free, 2);
	/* free c: joins both neighbours */
	vmap_free_area(&vs, c);
	CHECK_EQ(vs.nr_free, 1);
	CHECK_UEQ(vmap_largest_free(&vs), 14 * P);
	vmap_free_area(&vs, d);
	CHECK_EQ(vs.nr_free, 1);
	CHECK_UEQ(vmap_largest_free(&vs), 16 * P);
	CHECK_EQ(vs.nr_busy, 0);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	vmap_space_destroy(&vs);
}

TEST(lowest_address_fit_skips_small_holes)
{
	struct vmap_space vs;
	struct vmap_area *v[8], *x;

	REQUIRE(vmap_space_init(&vs, S, S + 64 * P) == 0);
	for (int i = 0; i < 8; i++)
		REQUIRE((v[i] = alloc(&vs, 4, P)) != NULL);
	/* holes: 4 pages at 1, 8 pages at 3+4, 4 pages at 6 */
	vmap_free_area(&vs, v[1]);
	vmap_free_area(&vs, v[3]);
	vmap_free_area(&vs, v[4]);
	vmap_free_area(&vs, v[6]);
	x = alloc(&vs, 6, P);
	REQUIRE(x);
	CHECK_UEQ(x->va_start, S + 12 * P);
	x = alloc(&vs, 3, P);
	REQUIRE(x);
	CHECK_UEQ(x->va_start, S + 4 * P);
	x = alloc(&vs, 2, P);		/* the 2 pages left after the 6 */
	REQUIRE(x);
	CHECK_UEQ(x->va_start, S + 18 * P);
	x = alloc(&vs, 1, P);
	REQUIRE(x);
	CHECK_UEQ(x->va_start, S + 7 * P);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	vmap_space_destroy(&vs);
}

struct flush_log {
	int calls;
	uint64_t start, end;
};

static void log_flush(uint64_t start, uint64_t end, void *arg)
{
	struct flush_log *l = arg;

	l->calls++;
	l->start = start;
	l->end = end;
}

TEST(lazy_free_purges_over_threshold_with_one_flush)
{
	struct vmap_space vs;
	struct flush_log log = { 0 };
	struct vmap_area *a, *b, *c;

	REQUIRE(vmap_space_init(&vs, S, S + 32 * P) == 0);
	vs.purge_flush = log_flush;
	vs.purge_arg = &log;
	vs.lazy_max_pages = 6;
	a = alloc(&vs, 4, P);
	b = alloc(&vs, 4, P);
	c = alloc(&vs, 4, P);
	REQUIRE(a && b && c);
	vmap_free_area_lazy(&vs, a);
	CHECK_EQ(vs.lazy_pages, 4);
	CHECK_EQ(log.calls, 0);
	/* a lazy area is not found and not reused */
	CHECK(vmap_find_area(&vs, S) == NULL);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	vmap_free_area_lazy(&vs, c);	/* 8 > 6: purge */
	CHECK_EQ(log.calls, 1);
	CHECK_UEQ(log.start, S);
	CHECK_UEQ(log.end, S + 12 * P);
	CHECK_EQ(vs.lazy_pages, 0);
	CHECK_EQ(vs.nr_free, 2);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	/* allocation that only fits after a purge triggers one */
	vmap_free_area_lazy(&vs, b);
	a = alloc(&vs, 32, P);
	REQUIRE(a);
	CHECK_EQ(log.calls, 2);
	vmap_free_area(&vs, a);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	vmap_space_destroy(&vs);
}

TEST(bad_requests_fail)
{
	struct vmap_space vs;

	REQUIRE(vmap_space_init(&vs, S, S + 8 * P) == 0);
	CHECK(vmap_alloc_area(&vs, 0, P, S, S + 8 * P) == NULL);
	CHECK(vmap_alloc_area(&vs, 100, P, S, S + 8 * P) == NULL);
	CHECK(vmap_alloc_area(&vs, P, 3 * P, S, S + 8 * P) == NULL);
	CHECK(vmap_alloc_area(&vs, 9 * P, P, S, S + 8 * P) == NULL);
	CHECK(vmap_alloc_area(&vs, 2 * P, P, S + 7 * P, S + 8 * P) == NULL);
	CHECK(vmap_space_init(&vs, S + 1, S + P) != 0);
	vmap_space_destroy(&vs);
}

/* A bitmap model: 1 = allocated (busy or lazy) */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* lowest aligned run of @n free pages in @map of @npages, or -1 */
static long model_fit(const unsigned char *map, long npages, long n,
		      long align)
{
	for (long s = 0; s + n <= npages; s += align) {
		long i;

		for (i = 0; i < n && !map[s + i]; i++)
			;
		if (i == n)
			return s;
	}
	return -1;
}

TEST(random_operations_match_bitmap_model)
{
	enum { NPAGES = 4096, LIVE = 600 };
	static unsigned char map[NPAGES];
	struct vmap_area *live[LIVE] = { 0 };
	struct vmap_space vs;

	rnd_state = th_seed() | 1;
	memset(map, 0, sizeof(map));
	REQUIRE(vmap_space_init(&vs, S, S + NPAGES * P) == 0);
	for (int step = 0; step < 20000; step++) {
		int slot = (int)(rnd() % LIVE);
		struct vmap_area *va = live[slot];

		if (va) {
			long s = (long)((va->va_start - S) / P);
			long n = (long)((va->va_end - va->va_start) / P);

			memset(map + s, 0, (size_t)n);
			vmap_free_area(&vs, va);
			live[slot] = NULL;
		} else {
			long n = 1 + (long)(rnd() % (rnd() % 4 ? 8 : 64));
			long align = 1L << (rnd() % 4 ? 0 : rnd() % 6);
			long want = model_fit(map, NPAGES, n, align);

			va = vmap_alloc_area(&vs, (uint64_t)n * P,
					     (uint64_t)align * P, vs.start,
					     vs.end);
			if (want < 0) {
				CHECK(va == NULL);
				continue;
			}
			REQUIRE(va != NULL);
			CHECK_UEQ(va->va_start, S + (uint64_t)want * P);
			memset(map + want, 1, (size_t)n);
			live[slot] = va;
		}
		if (step % 500 == 0)
			REQUIRE(vmap_space_check(&vs, stderr) == 0);
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i])
			vmap_free_area(&vs, live[i]);
	CHECK_EQ(vs.nr_free, 1);
	CHECK_EQ(vs.nr_busy, 0);
	CHECK_UEQ(vmap_largest_free(&vs), NPAGES * P);
	CHECK_EQ(vmap_space_check(&vs, stderr), 0);
	vmap_space_destroy(&vs);
}
