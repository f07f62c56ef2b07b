// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the per-CPU area allocator: alignment, per-CPU copies of
 * real memory, exhaustion and new chunks, population on demand, atomic
 * allocations, reserved vs dynamic, coalescing, a model check against a
 * bitmap oracle, the invariant checker, misuse reports, percpu_stats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/percpu.h"

#define NR_CPUS	4

static unsigned long free0;

/* A fresh allocator (default first chunk) on a 4-CPU machine */
static void setup(void)
{
	struct kmm_config cfg = { .mem_bytes = 128 << 20, .nr_cpus = NR_CPUS };

	if (!kmm_mem_ready()) {
		if (kmm_mem_init(&cfg))
			abort();
		free0 = buddy_total_free_pages();
	}
	pcpu_exit();
	CHECK_EQ(buddy_total_free_pages(), free0);
	if (pcpu_init(NULL))
		abort();
}

static uint64_t stat_of(int item)
{
	uint64_t s[NR_PCPU_STAT_ITEMS];

	pcpu_get_stats(s);
	return s[item];
}

static size_t chunk_off(const void *p)
{
	struct pcpu_chunk *c = pcpu_chunk_of(p);

	return c ? (size_t)((const char *)p - c->base_addr) : (size_t)-1;
}

TEST(percpu_geometry_of_the_first_chunk)
{
	setup();
	/* 8 KiB reserved + 28 KiB dynamic: 36 KiB -> a 64 KiB unit */
	CHECK_EQ(pcpu_unit_size, 64 << 10);
	REQUIRE(pcpu_first_chunk && pcpu_reserved_chunk);
	CHECK_EQ(pcpu_first_chunk->free_bytes, PERCPU_DYNAMIC_RESERVE);
	CHECK_EQ(pcpu_reserved_chunk->free_bytes, PERCPU_MODULE_RESERVE);
	CHECK_EQ(pcpu_first_chunk->chunk_md.contig_hint * PCPU_MIN_ALLOC_SIZE,
		 PERCPU_DYNAMIC_RESERVE);
	CHECK_EQ(pcpu_nr_chunks(), 1);
	CHECK_EQ(pcpu_nr_pages(), (2 + 7) * NR_CPUS);
	CHECK_EQ(pcpu_obj_full_size(10), 12 * NR_CPUS);
	CHECK_EQ(pcpu_check(stderr), 0);
	/* the frames are the buddy allocator's */
	CHECK_EQ(buddy_total_free_pages(), free0 - (2 + 7) * NR_CPUS);
}

TEST(percpu_alignment_and_illegal_requests)
{
	void *p[16];
	int n = 0;

	setup();
	for (size_t align = 4; align <= PAGE_SIZE; align <<= 1) {
		/* misalign what follows */
		void *q = __alloc_percpu(4, 4);

		p[n] = __alloc_percpu(20, align);
		REQUIRE(q && p[n]);
		CHECK_EQ((uintptr_t)p[n] % align, 0);
		CHECK_EQ(chunk_off(p[n]) % align, 0);
		free_percpu(q);
		n++;
	}
	/* align below 4 is 4; sizes round up to 4 */
	p[n] = __alloc_percpu(1, 1);
	REQUIRE(p[n]);
	CHECK_EQ((uintptr_t)p[n] % 4, 0);
	n++;
	CHECK_EQ(pcpu_check(stderr), 0);
	while (n--)
		free_percpu(p[n]);
	/* the kernel refuses these */
	CHECK(!__alloc_percpu_gfp(0, 4, GFP_KERNEL | __GFP_NOWARN));
	CHECK(!__alloc_percpu_gfp(PCPU_MIN_UNIT_SIZE + 4, 4,
				  GFP_KERNEL | __GFP_NOWARN));
	CHECK(!__alloc_percpu_gfp(8, 24, GFP_KERNEL | __GFP_NOWARN));
	CHECK(!__alloc_percpu_gfp(8, 2 * PAGE_SIZE, GFP_KERNEL | __GFP_NOWARN));
	CHECK_EQ(stat_of(PCPU_ALLOC_FAIL), KMM_STATS ? 4 : 0);
	CHECK_EQ(pcpu_first_chunk->free_bytes, PERCPU_DYNAMIC_RESERVE);
	CHECK_EQ(pcpu_check(stderr), 0);
}

TEST(percpu_copies_are_distinct_real_memory_per_cpu)
{
	long *v, *w;
	int cpu;

	setup();
	v = alloc_percpu(long);
	w = alloc_percpu(long);
	REQUIRE(v && w);
	for_each_possible_cpu(cpu) {
		CHECK_EQ(*per_cpu_ptr(v, cpu), 0);
		*per_cpu_ptr(v, cpu) = 1000 + cpu;
		*per_cpu_ptr(w, cpu) = -cpu;
	}
	for_each_possible_cpu(cpu) {
		CHECK_EQ(*per_cpu_ptr(v, cpu), 1000 + cpu);
		CHECK_EQ(*per_cpu_ptr(w, cpu), -cpu);
		for (int o = 0; o < cpu; o++)
			CHECK(per_cpu_ptr(v, cpu) != per_cpu_ptr(v, o));
	}
	kmm_set_cpu(2);
	CHECK_EQ(*this_cpu_ptr(v), 1002);
	kmm_set_cpu(0);
	/* a new area is zeroed in every copy */
	free_percpu(v);
	v = alloc_percpu(long);
	REQUIRE(v);
	for_each_possible_cpu(cpu)
		CHECK_EQ(*per_cpu_ptr(v, cpu), 0);
	free_percpu(v);
	free_percpu(w);
	CHECK_EQ(pcpu_check(stderr), 0);
}

TEST(percpu_exhaustion_makes_chunks_populated_on_demand)
{
	enum { N = 40 };
	void *p[N];
	struct pcpu_chunk *c;
	unsigned long pages;

	setup();
	/* 28 areas of 1 KiB fill the first chunk's dynamic part */
	for (int i = 0; i < 28; i++) {
		p[i] = __alloc_percpu(1024, 4);
		REQUIRE(p[i]);
		CHECK(pcpu_chunk_of(p[i]) == pcpu_first_chunk);
	}
	CHECK_EQ(pcpu_first_chunk->free_bytes, 0);
	CHECK_EQ(pcpu_nr_chunks(), 1);
	pages = pcpu_nr_pages();
	p[28] = __alloc_percpu(1024, 4);
	REQUIRE(p[28]);
	c = pcpu_chunk_of(p[28]);
	REQUIRE(c && c != pcpu_first_chunk && c != pcpu_reserved_chunk);
	CHECK_EQ(pcpu_nr_chunks(), 2);
	CHECK_EQ(stat_of(PCPU_CHUNK_CREATE), KMM_STATS ? 1 : 0);
	/* its first page, and a few kept empty for atomic allocations */
	CHECK(c->nr_populated >= 1);
	CHECK(c->nr_populated <= 1 + PCPU_EMPTY_POP_PAGES_HIGH);
	CHECK(c->nr_populated < c->nr_pages);
	CHECK_EQ(pcpu_nr_pages(), pages + (unsigned long)c->nr_populated *
				  NR_CPUS);
	CHECK_EQ(pcpu_check(stderr), 0);
	for (int i = 29; i < N; i++) {
		p[i] = __alloc_percpu(1024, 4);
		REQUIRE(p[i]);
		CHECK(pcpu_chunk_of(p[i]) == c);
	}
	CHECK_EQ(pcpu_check(stderr), 0);
	for (int i = 0; i < N; i++)
		free_percpu(p[i]);
	CHECK_EQ(pcpu_first_chunk->free_bytes, PERCPU_DYNAMIC_RESERVE);
	/* one empty chunk is kept */
	CHECK_EQ(pcpu_nr_chunks(), 2);
	CHECK_EQ(c->free_bytes, (int)pcpu_unit_size);
	CHECK_EQ(pcpu_check(stderr), 0);
}

TEST(percpu_second_empty_chunk_is_destroyed)
{
	void *big[6];
	unsigned long before;

	setup();
	before = buddy_total_free_pages();
	/* 32 KiB areas: the first chunk cannot hold one, a 64 KiB unit two */
	for (int i = 0; i < 6; i++) {
		big[i] = __alloc_percpu(32 << 10, 4);
		REQUIRE(big[i]);
	}
	CHECK_EQ(pcpu_nr_chunks(), 4);
	CHECK_EQ(pcpu_check(stderr), 0);
	for (int i = 0; i < 6; i++)
		free_percpu(big[i]);
	CHECK_EQ(pcpu_nr_chunks(), 2);
	CHECK_EQ(stat_of(PCPU_CHUNK_DESTROY), KMM_STATS ? 2 : 0);
	CHECK_EQ(pcpu_check(stderr), 0);
	pcpu_exit();
	CHECK_EQ(buddy_total_free_pages(), free0);
	(void)before;
}

TEST(percpu_empty_pages_of_a_used_chunk_are_given_back)
{
	enum { FIRST = 28, PER_CHUNK = 64 };
	void *p[FIRST + 2 * PER_CHUNK];
	struct pcpu_chunk *a, *b;
	unsigned long pages;
	int n = 0;

	setup();
	/* the first chunk, then two 16-page chunks, full of 1 KiB areas */
	while (n < FIRST + 2 * PER_CHUNK) {
		p[n] = __alloc_percpu(1024, 4);
		REQUIRE(p[n]);
		n++;
	}
	a = pcpu_chunk_of(p[FIRST]);
	b = pcpu_chunk_of(p[FIRST + PER_CHUNK]);
	REQUIRE(a && b && a != b && b == pcpu_chunk_of(p[n - 1]));
	CHECK_EQ(a->nr_populated, 16);
	CHECK_EQ(b->nr_populated, 16);
	/* b keeps one area: its 15 other pages stay populated and empty */
	for (int i = FIRST + PER_CHUNK + 4; i < n; i++)
		free_percpu(p[i]);
	CHECK_EQ(b->nr_populated, 16);
	CHECK_EQ(b->nr_empty_pop_pages, 15);
	pages = pcpu_nr_pages();
	/* a keeps its first page's areas; its emptied pages go back */
	for (int i = FIRST + 4; i < FIRST + PER_CHUNK; i++)
		free_percpu(p[i]);
	CHECK_EQ(a->nr_populated, 1);
	CHECK_EQ(a->nr_empty_pop_pages, 0);
	CHECK_EQ(pcpu_nr_pages(), pages - 15 * NR_CPUS);
	CHECK_EQ(stat_of(PCPU_PAGE_DEPOPULATE), KMM_STATS ? 15 : 0);
	CHECK_EQ(pcpu_check(stderr), 0);
	/* and come back when needed, zeroed */
	for (int i = FIRST + 4; i < FIRST + PER_CHUNK; i++) {
		p[i] = __alloc_percpu(1024, 4);
		REQUIRE(p[i]);
		CHECK(*(char *)per_cpu_ptr(p[i], NR_CPUS - 1) == 0);
	}
	CHECK_EQ(pcpu_check(stderr), 0);
	for (int i = 0; i < FIRST + PER_CHUNK + 4; i++)
		free_percpu(p[i]);
	CHECK_EQ(pcpu_check(stderr), 0);
	pcpu_exit();
	CHECK_EQ(buddy_total_free_pages(), free0);
}

TEST(percpu_freeing_coalesces)
{
	void *a, *b, *c, *d;

	setup();
	a = __alloc_percpu(100, 4);
	b = __alloc_percpu(200, 4);
	c = __alloc_percpu(300, 4);
	d = __alloc_percpu(4000, 4);	/* crosses a page */
	REQUIRE(a && b && c && d);
	CHECK(chunk_off(b) == chunk_off(a) + 100);
	CHECK(chunk_off(c) == chunk_off(b) + 200);
	free_percpu(b);
	CHECK_EQ(pcpu_check(stderr), 0);
	/* 200 bytes free in the middle take a fitting request */
	b = __alloc_percpu(200, 4);
	CHECK(chunk_off(b) == chunk_off(a) + 100);
	free_percpu(a);
	free_percpu(c);
	free_percpu(d);
	CHECK_EQ(pcpu_check(stderr), 0);
	free_percpu(b);
	CHECK_EQ(pcpu_first_chunk->free_bytes, PERCPU_DYNAMIC_RESERVE);
	CHECK_EQ(pcpu_first_chunk->chunk_md.contig_hint * PCPU_MIN_ALLOC_SIZE,
		 PERCPU_DYNAMIC_RESERVE);
	CHECK_EQ(pcpu_first_chunk->nr_empty_pop_pages, 7);
	CHECK_EQ(pcpu_check(stderr), 0);
}

TEST(percpu_reserved_and_dynamic_are_apart)
{
	void *r[3], *d;
	int n = 0;

	setup();
	d = __alloc_percpu(64, 8);
	r[0] = __alloc_reserved_percpu(64, 8);
	REQUIRE(d && r[0]);
	CHECK(pcpu_chunk_of(r[0]) == pcpu_reserved_chunk);
	CHECK(pcpu_chunk_of(d) == pcpu_first_chunk);
	n = 1;
	/* the reserved part holds 8 KiB and never grows */
	r[n++] = __alloc_reserved_percpu(4096, 4);
	r[n] = __alloc_reserved_percpu(4096, 4);
	CHECK(r[1] && !r[2]);
	CHECK_EQ(pcpu_nr_chunks(), 1);
	CHECK_EQ(pcpu_check(stderr), 0);
	free_percpu(r[0]);
	free_percpu(r[1]);
	free_percpu(d);
	CHECK_EQ(pcpu_reserved_chunk->free_bytes, PERCPU_MODULE_RESERVE);
	CHECK_EQ(pcpu_check(stderr), 0);
}

TEST(percpu_atomic_allocations_never_populate)
{
	void *p[80], *q;
	int n = 0;
	unsigned long pages;
	uint64_t pop;

	setup();
	while (n < 28)
		p[n++] = __alloc_percpu(1024, 4);
	/* first chunk full, no other chunk: atomic fails, makes nothing */
	pages = pcpu_nr_pages();
	q = __alloc_percpu_gfp(1024, 4, GFP_ATOMIC | __GFP_NOWARN);
	CHECK(!q);
	CHECK_EQ(pcpu_nr_chunks(), 1);
	CHECK_EQ(pcpu_nr_pages(), pages);
	/* a sleeping allocation makes a chunk; atomic ones then take only
	 * its populated pages */
	p[n++] = __alloc_percpu(1024, 4);
	REQUIRE(p[n - 1]);
	pages = pcpu_nr_pages();
	pop = stat_of(PCPU_PAGE_POPULATE);
	while (n < 80) {
		q = __alloc_percpu_gfp(1024, 4, GFP_NOWAIT);
		if (!q)
			break;
		p[n++] = q;
		CHECK_EQ(pcpu_nr_pages(), pages);
	}
	CHECK(!q);
	CHECK(n > 29 && n < 80);
	CHECK_EQ(stat_of(PCPU_PAGE_POPULATE), pop);
	CHECK_EQ(pcpu_check(stderr), 0);
	/* GFP_KERNEL populates what atomic could not use */
	p[n] = __alloc_percpu(1024, 4);
	REQUIRE(p[n]);
	CHECK(pcpu_nr_pages() > pages);
	n++;
	CHECK_EQ(pcpu_check(stderr), 0);
	while (n--)
		free_percpu(p[n]);
	CHECK_EQ(pcpu_check(stderr), 0);
}

/* ------------------------------------------------------------------ */
/* Model check: random operations against a bitmap oracle               */

struct oracle_chunk {
	char *base;
	unsigned char *used;	/* one byte per 4-byte bit */
};

static struct oracle_chunk oc[64];
static int noc;

static struct oracle_chunk *oracle_of(struct pcpu_chunk *c)
{
	for (int i = 0; i < noc; i++)
		if (oc[i].base == c->base_addr)
			return &oc[i];
	if (noc == 64)
		abort();
	oc[noc].base = c->base_addr;
	oc[noc].used = calloc(pcpu_unit_size / 4, 1);
	return &oc[noc++];
}

/* Largest free run (in bits) the oracle sees in chunk @c */
static int oracle_largest(struct pcpu_chunk *c)
{
	struct oracle_chunk *o = oracle_of(c);
	int vs = c->start_offset / 4;
	int ve = c->nr_pages * PCPU_BITMAP_BLOCK_BITS - c->end_offset / 4;
	int best = 0, run = 0;

	for (int i = vs; i < ve; i++) {
		run = o->used[i] ? 0 : run + 1;
		if (run > best)
			best = run;
	}
	return best;
}

struct live {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

TEST(percpu_model_check_against_a_bitmap_oracle)
{
	enum { NLIVE = 300, OPS = 20000 };
	static struct live live[NLIVE];
	struct pcpu_chunk *c, *all[64];
	unsigned int seed = 12345;
	int nlive = 0, errors = 0;

	setup();
	noc = 0;
	for (int op = 0; op < OPS && !errors; op++) {
		seed = seed * 1103515245u + 12345u;
		unsigned int r = seed >> 8;

		if (nlive && (nlive == NLIVE || r % 100 < 45)) {
			struct live *l = &live[(r >> 7) % (unsigned int)nlive];
			struct oracle_chunk *o;
			size_t off;

			c = pcpu_chunk_of(l->p);
			REQUIRE(c);
			o = oracle_of(c);
			off = (size_t)((char *)l->p - c->base_addr);
			for (int cpu = 0; cpu < NR_CPUS; cpu++)
				for (size_t i = 0; i < l->size; i++)
					if (per_cpu_ptr(l->p, cpu)[i] !=
					    (unsigned char)(l->tag + cpu))
						errors++;
			memset(o->used + off / 4, 0, ALIGN(l->size, 4) / 4);
			free_percpu(l->p);
			*l = live[--nlive];
		} else {
			size_t size = r % 8 ? 4 + (r >> 3) % 200 :
					      1 + (r >> 3) % 9000;
			size_t align = (size_t)4 << ((r >> 16) % 7);
			int bits = (int)(ALIGN(size, 4) / 4);
			unsigned long nch = pcpu_nr_chunks();
			bool room = false;
			struct oracle_chunk *o;
			unsigned char *p;
			size_t off;

			/* with align 4 the allocator must use free room */
			if (align == 4) {
				int n = 0;

				all[n++] = pcpu_first_chunk;
				for (int i = 0; i < noc; i++) {
					c = pcpu_chunk_of(oc[i].base);
					if (c && c != pcpu_first_chunk)
						all[n++] = c;
				}
				for (int i = 0; i < n; i++)
					room |= oracle_largest(all[i]) >= bits;
			}
			p = __alloc_percpu(size, align);
			REQUIRE(p);
			CHECK_EQ((uintptr_t)p % align, 0);
			if (room)
				CHECK_EQ(pcpu_nr_chunks(), nch);
			c = pcpu_chunk_of(p);
			REQUIRE(c);
			o = oracle_of(c);
			off = (size_t)((char *)p - c->base_addr);
			for (int i = 0; i < bits; i++) {
				if (o->used[off / 4 + i])
					errors++;
				o->used[off / 4 + i] = 1;
			}
			live[nlive].p = p;
			live[nlive].size = size;
			live[nlive].tag = (unsigned char)r;
			for (int cpu = 0; cpu < NR_CPUS; cpu++)
				memset(per_cpu_ptr(p, cpu),
				       (unsigned char)(r + cpu), size);
			nlive++;
		}
		if (op % 100 == 0)
			CHECK_EQ(pcpu_check(stderr), 0);
	}
	CHECK_EQ(errors, 0);
	CHECK_EQ(pcpu_check(stderr), 0);
	/* the oracle's map is the allocator's, chunk by chunk */
	for (int i = 0; i < noc; i++) {
		c = pcpu_chunk_of(oc[i].base);
		if (!c)
			continue;
		for (int b = c->start_offset / 4;
		     b < c->nr_pages * PCPU_BITMAP_BLOCK_BITS -
			 c->end_offset / 4; b++)
			if (!!oc[i].used[b] !=
			    !!((c->alloc_map[b / 64] >> (b % 64)) & 1))
				errors++;
	}
	CHECK_EQ(errors, 0);
	while (nlive)
		free_percpu(live[--nlive].p);
	CHECK_EQ(pcpu_first_chunk->free_bytes, PERCPU_DYNAMIC_RESERVE);
	CHECK_EQ(pcpu_first_chunk->chunk_md.contig_hint * PCPU_MIN_ALLOC_SIZE,
		 PERCPU_DYNAMIC_RESERVE);
	CHECK(pcpu_nr_chunks() <= 2);
	CHECK_EQ(pcpu_check(stderr), 0);
	for (int i = 0; i < noc; i++)
		free(oc[i].used);
	noc = 0;
}

/* ------------------------------------------------------------------ */

TEST(percpu_checker_catches_corrupted_hints)
{
	void *p;
	struct pcpu_chunk *c;
	struct pcpu_block_md save;

	setup();
	p = __alloc_percpu(100, 4);
	REQUIRE(p);
	c = pcpu_first_chunk;
	CHECK_EQ(pcpu_check(NULL), 0);

	save = c->md_blocks[0];
	c->md_blocks[0].contig_hint++;
	CHECK(pcpu_check(NULL) > 0);
	c->md_blocks[0] = save;
	c->md_blocks[0].left_free = 3;
	CHECK(pcpu_check(NULL) > 0);
	c->md_blocks[0] = save;

	save = c->chunk_md;
	c->chunk_md.contig_hint_start += 4;
	CHECK(pcpu_check(NULL) > 0);
	c->chunk_md = save;
	c->chunk_md.first_free += 100;
	CHECK(pcpu_check(NULL) > 0);
	c->chunk_md = save;

	c->free_bytes += 4;
	CHECK(pcpu_check(NULL) > 0);
	c->free_bytes -= 4;
	c->nr_empty_pop_pages++;
	CHECK(pcpu_check(NULL) > 0);
	c->nr_empty_pop_pages--;
	CHECK_EQ(pcpu_check(stderr), 0);
	free_percpu(p);
}

static void double_free(void *arg)
{
	(void)arg;
	kmm_misuse_abort = true;
	void *p = __alloc_percpu(16, 4);

	free_percpu(p);
	free_percpu(p);
}

static void wild_free(void *arg)
{
	static long x;

	(void)arg;
	kmm_misuse_abort = true;
	free_percpu(&x);
}

static void inner_free(void *arg)
{
	char *p = __alloc_percpu(64, 4);

	(void)arg;
	kmm_misuse_abort = true;
	free_percpu(p + 8);
}

TEST(percpu_misuse_is_reported)
{
	void *p;

	setup();
	CHECK(th_expect_death(double_free, NULL, "double free", NULL, 0));
	CHECK(th_expect_death(wild_free, NULL, "not a percpu address", NULL,
			      0));
	CHECK(th_expect_death(inner_free, NULL, "not the start", NULL, 0));
	/* counted and ignored when not fatal */
	kmm_misuse_abort = false;
	p = __alloc_percpu(16, 4);
	free_percpu(p);
	free_percpu(p);
	CHECK_EQ(pcpu_misuse_count(PCPU_MISUSE_DOUBLE_FREE), 1);
	CHECK_EQ(pcpu_check(stderr), 0);
	kmm_misuse_abort = true;
}

static long stat_line(const char *text, const char *section,
		      const char *key)
{
	const char *s = strstr(text, section);
	char pat[64];

	if (!s)
		return -1;
	snprintf(pat, sizeof(pat), "  %-20s: ", key);
	s = strstr(s, pat);
	return s ? strtol(s + strlen(pat), NULL, 10) : -1;
}

TEST(percpu_stats_file)
{
	void *p[3];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	setup();
	p[0] = __alloc_percpu(40, 4);
	p[1] = __alloc_percpu(400, 4);
	p[2] = __alloc_percpu(4, 4);
	free_percpu(p[2]);
	fp = open_memstream(&buf, &len);
	REQUIRE(fp);
	pcpu_stats_show(fp);
	fclose(fp);
	CHECK(strstr(buf, "Percpu Memory Statistics\nAllocation Info:\n"));
	CHECK_EQ(stat_line(buf, "Allocation Info", "unit_size"), 65536);
	CHECK_EQ(stat_line(buf, "Allocation Info", "reserved_size"), 8192);
	CHECK_EQ(stat_line(buf, "Global Stats", "nr_alloc"), 3);
	CHECK_EQ(stat_line(buf, "Global Stats", "nr_dealloc"), 1);
	CHECK_EQ(stat_line(buf, "Global Stats", "nr_cur_alloc"), 2);
	CHECK_EQ(stat_line(buf, "Global Stats", "nr_max_alloc"), 3);
	CHECK_EQ(stat_line(buf, "Global Stats", "min_alloc_size"), 4);
	CHECK_EQ(stat_line(buf, "Global Stats", "max_alloc_size"), 400);
	CHECK_EQ(stat_line(buf, "First Chunk", "free_bytes"),
		 PERCPU_DYNAMIC_RESERVE - 440);
	CHECK_EQ(stat_line(buf, "First Chunk", "cur_max_alloc"), 400);
	CHECK_EQ(stat_line(buf, "First Chunk", "cur_min_alloc"), 40);
	free(buf);
	free_percpu(p[0]);
	free_percpu(p[1]);
	pcpu_exit();
	CHECK_EQ(buddy_total_free_pages(), free0);
}
