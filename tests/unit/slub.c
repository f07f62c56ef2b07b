// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/slub.c - slab caches: creation, the ctor contract, flags,
 * merging, CPU and partial slabs, remote frees, shrink and destroy, debug
 * detections (each makes the mistake and asserts the report), slabinfo and
 * the invariant checker.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/slab.h"

#define MIB	(1ULL << 20)

/* A fresh 2-CPU machine with 256 MiB and the slab allocator on it. */
static void machine(void)
{
	struct kmm_config cfg = { .mem_bytes = 256 * MIB, .nr_cpus = 2 };

	kmem_cache_exit();
	kmm_mem_exit();
	kmm_set_cpu(0);
	if (kmm_mem_init(&cfg) || kmem_cache_init())
		abort();
	slab_merge = true;
	slab_debug = 0;
	slab_freelist_random = false;
}

/* Captured reports */
static char reports[8192];
static size_t reports_len;

static void capture_report(const char *msg)
{
	size_t n = strlen(msg);

	if (reports_len + n < sizeof(reports)) {
		memcpy(reports + reports_len, msg, n + 1);
		reports_len += n;
	}
}

static void clear_reports(void)
{
	reports[0] = '\0';
	reports_len = 0;
}

static void start_capture(void)
{
	clear_reports();
	slab_report_hook = capture_report;
}

static void stop_capture(void)
{
	slab_report_hook = NULL;
}

static bool reported(const char *text)
{
	return strstr(reports, text) != NULL;
}

TEST(create_alloc_free)
{
	struct kmem_cache *s;
	void *p[1000];

	machine();
	s = kmem_cache_create("test-100", 100, 0, 0, NULL);
	REQUIRE(s);
	CHECK_EQ(s->object_size, 100);
	CHECK_EQ(s->size, 104);
	CHECK_STR_EQ(s->name, "test-100");
	for (int i = 0; i < 1000; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		REQUIRE(p[i]);
		CHECK(((uintptr_t)p[i] & 7) == 0);
		memset(p[i], i, 100);
	}
	for (int i = 0; i < 1000; i++)
		for (int j = 0; j < 100; j += 33)
			CHECK_EQ(((unsigned char *)p[i])[j], i & 0xff);
	CHECK_EQ(slab_check_cache(s), 0);
	{
		struct slab_cache_info info;

		slab_cache_info(s, &info);
		CHECK_EQ(info.active_objs, 1000);
		CHECK(info.num_objs >= 1000);
		CHECK_EQ(info.num_slabs * s->objects, info.num_objs);
	}
	for (int i = 0; i < 1000; i += 2)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(slab_check_cache(s), 0);
	for (int i = 1; i < 1000; i += 2)
		kmem_cache_free(s, p[i]);
	CHECK_EQ(slab_check_cache(s), 0);
#if KMM_STATS
	CHECK(slab_stat_sum(s, ALLOC_FASTPATH) + slab_stat_sum(s,
	      ALLOC_SLOWPATH) == 1000);
	CHECK(slab_stat_sum(s, ALLOC_SLAB) >= 1000 / s->objects);
#endif
	kmem_cache_destroy(s);
}

TEST(alloc_reuses_freed_object_lifo)
{
	struct kmem_cache *s;
	void *a, *b;

	machine();
	s = kmem_cache_create("lifo", 64, 0, 0, NULL);
	REQUIRE(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, a);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(a == b);
	kmem_cache_free(s, b);
	kmem_cache_destroy(s);
}

static int ctor_calls;

static void ctor_fn(void *p)
{
	ctor_calls++;
	memset(p, 0x42, 40);
}

TEST(ctor_runs_when_slab_is_populated)
{
	struct kmem_cache *s;
	unsigned char *p, *q;

	machine();
	ctor_calls = 0;
	s = kmem_cache_create("ctor", 40, 0, 0, ctor_fn);
	REQUIRE(s);
	CHECK_EQ(s->offset, 40);	/* free pointer outside the object */
	CHECK_EQ(ctor_calls, 0);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	/* the whole slab was constructed at once */
	CHECK_EQ(ctor_calls, (int)s->objects);
	for (int i = 0; i < 40; i++)
		CHECK_EQ(p[i], 0x42);
	/* a freed object keeps its constructed state: no ctor on reuse */
	p[0] = 0x43;
	kmem_cache_free(s, p);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(q == p);
	CHECK_EQ(q[0], 0x43);
	CHECK_EQ(q[39], 0x42);
	CHECK_EQ(ctor_calls, (int)s->objects);
	kmem_cache_free(s, q);
	kmem_cache_destroy(s);
}

TEST(zalloc_and_bulk)
{
	struct kmem_cache *s;
	void *v[300];
	unsigned char *z;

	machine();
	s = kmem_cache_create("bulk", 200, 0, 0, NULL);
	REQUIRE(s);
	z = kmem_cache_alloc(s, GFP_KERNEL);
	memset(z, 0xee, 200);
	kmem_cache_free(s, z);
	z = kmem_cache_zalloc(s, GFP_KERNEL);
	REQUIRE(z);
	for (int i = 0; i < 200; i++)
		CHECK_EQ(z[i], 0);
	kmem_cache_free(s, z);
	CHECK_EQ(kmem_cache_alloc_bulk(s, GFP_KERNEL, 300, v), 300);
	for (int i = 1; i < 300; i++)
		CHECK(v[i] != v[i - 1]);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_free_bulk(s, 300, v);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_destroy(s);
}

TEST(shrink_returns_pages)
{
	struct kmem_cache *s;
	long before;
	void *v[2000];

	machine();
	before = buddy_pages_allocated();
	s = kmem_cache_create("shrink", 512, 0, 0, NULL);
	REQUIRE(s);
	for (int i = 0; i < 2000; i++)
		v[i] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(buddy_pages_allocated() - before >= 2000 * 512 / 4096);
	CHECK(slab_total_pages() >= 2000 * 512 / 4096);
	for (int i = 0; i < 2000; i++)
		kmem_cache_free(s, v[i]);
	/* empty slabs beyond min_partial went back already */
	CHECK(s->node.nr_slabs <= (long)(s->min_partial + 2 +
					 s->cpu_partial_slabs));
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_shrink(s);
	CHECK_EQ(s->node.nr_slabs, 0);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_destroy(s);
	CHECK_EQ(buddy_pages_allocated(), before);
}

TEST(destroy_with_live_objects_reports)
{
	struct kmem_cache *s;
	void *p;

	machine();
	s = kmem_cache_create("leaky", 32, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	start_capture();
	kmem_cache_destroy(s);
	CHECK(reported("BUG leaky"));
	CHECK(reported("Objects remaining"));
	/* the cache survives; freeing then destroying works */
	kmem_cache_free(s, p);
	clear_reports();
	kmem_cache_destroy(s);
	CHECK(!reported("BUG"));
	stop_capture();
}

TEST(merge_compatible_caches)
{
	struct kmem_cache *a, *b, *c, *d;
	char id[32];

	machine();
	a = kmem_cache_create("merge-a", 24, 0, 0, NULL);
	b = kmem_cache_create("merge-b", 20, 0, 0, NULL);
	REQUIRE(a && b);
	/* 20 and 24 both round to 24 (or the kmalloc-32 class): merged */
	CHECK(a == b || a->size == 32);
	CHECK(slab_find_cache("merge-b") == b);
	slab_unique_id(b, id, sizeof(id));
	CHECK(id[0] == ':');
	c = kmem_cache_create("merge-ctor", 24, 0, 0, ctor_fn);
	CHECK(c != a && c != b);
	d = kmem_cache_create("merge-dma", 24, 0, SLAB_CACHE_DMA, NULL);
	CHECK(d != a && d != b);
	slab_unique_id(d, id, sizeof(id));
	CHECK_STR_EQ(id, ":d-0000024");
	slab_merge = false;
	{
		struct kmem_cache *e = kmem_cache_create("merge-off", 24, 0, 0,
							 NULL);

		CHECK(e != a && e != b);
		kmem_cache_destroy(e);
	}
	slab_merge = true;
	kmem_cache_destroy(d);
	kmem_cache_destroy(c);
	kmem_cache_destroy(b);
	kmem_cache_destroy(a);
}

TEST(merge_into_kmalloc_cache)
{
	struct kmem_cache *s;

	machine();
	s = kmem_cache_create("my-64", 64, 0, 0, NULL);
	REQUIRE(s);
	CHECK(s == kmalloc_caches[KMALLOC_NORMAL][6]);
	CHECK(slab_find_cache("my-64") == s);
	kmem_cache_destroy(s);
	/* still alive as kmalloc-64 */
	CHECK(slab_find_cache("kmalloc-64") == s);
}

TEST(dma_cache_uses_zone_dma)
{
	struct kmem_cache *s;
	void *p;

	machine();
	s = kmem_cache_create("dma-test", 128, 0, SLAB_CACHE_DMA, NULL);
	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	REQUIRE(p);
	CHECK_EQ(page_zonenum(virt_to_page(p)), ZONE_DMA);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

TEST(typesafe_by_rcu_keeps_object_bytes)
{
	struct kmem_cache *s;
	struct kmem_cache_args args = { .use_freeptr_offset = true,
					.freeptr_offset = 8 };
	unsigned char *p;

	machine();
	s = kmem_cache_create("rcu", 48, 0, SLAB_TYPESAFE_BY_RCU, NULL);
	REQUIRE(s);
	CHECK_EQ(s->offset, 48);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	memset(p, 0x77, 48);
	kmem_cache_free(s, p);
	for (int i = 0; i < 48; i++)
		CHECK_EQ(p[i], 0x77);
	kmem_cache_destroy(s);
	/* the newer form: an explicit free pointer offset */
	s = kmem_cache_create_args("rcu-off", 48, &args, SLAB_TYPESAFE_BY_RCU);
	REQUIRE(s);
	CHECK_EQ(s->offset, 8);
	CHECK_EQ(s->size, 48);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
	/* an offset without SLAB_TYPESAFE_BY_RCU is refused */
	CHECK(kmem_cache_create_args("bad-off", 48, &args, 0) == NULL);
}

TEST(freelist_randomization)
{
	struct kmem_cache *s;
	void *p[64];
	int in_order = 0;

	machine();
	s = kmem_cache_create("random", 64, 0,
			      SLAB_FREELIST_RANDOM | SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	for (int i = 0; i < 64; i++)
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
	for (int i = 1; i < 64; i++)
		in_order += (char *)p[i] == (char *)p[i - 1] + 64;
	CHECK(in_order < 32);
	CHECK_EQ(slab_check_cache(s), 0);
	for (int i = 0; i < 64; i++)
		kmem_cache_free(s, p[i]);
	kmem_cache_destroy(s);
}

TEST(alloc_path_reporting)
{
	struct kmem_cache *s;
	void *p, *q;

	machine();
	s = kmem_cache_create("path", 256, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	kmm_last_alloc_path = SLAB_PATH_FAST;
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(kmm_last_alloc_path, SLAB_PATH_NEW_SLAB);
	kmm_last_alloc_path = SLAB_PATH_FAST;
	q = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(kmm_last_alloc_path, SLAB_PATH_FAST);
	kmem_cache_free(s, q);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

struct remote_arg {
	struct kmem_cache *s;
	void **objs;
	int n;
};

static void *remote_free_thread(void *arg)
{
	struct remote_arg *r = arg;

	kmm_set_cpu(1);
	for (int i = 0; i < r->n; i++)
		kmem_cache_free(r->s, r->objs[i]);
	return NULL;
}

TEST(remote_free_is_counted)
{
	struct kmem_cache *s;
	struct remote_arg r;
	pthread_t t;
	void *objs[500];

	machine();
	s = kmem_cache_create("remote", 128, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	for (int i = 0; i < 500; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	r = (struct remote_arg){ s, objs, 500 };
	pthread_create(&t, NULL, remote_free_thread, &r);
	pthread_join(t, NULL);
	CHECK_EQ(slab_check_cache(s), 0);
#if KMM_STATS
	CHECK(slab_stat_sum(s, FREE_REMOTE) > 0);
	CHECK_EQ(slab_stat_sum(s, FREE_FASTPATH), 0);
#endif
	/* CPU 0 gets its remote-freed objects back */
	for (int i = 0; i < 500; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(slab_check_cache(s), 0);
	for (int i = 0; i < 500; i++)
		kmem_cache_free(s, objs[i]);
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_destroy(s);
}

/* ---- debug detections ---- */

static struct kmem_cache *debug_cache(slab_flags_t flags)
{
	start_capture();
	return kmem_cache_create("dbg", 64, 0, flags, NULL);
}

TEST(debug_red_zone_overwritten)
{
	struct kmem_cache *s;
	unsigned char *p;

	machine();
	s = debug_cache(SLAB_RED_ZONE);
	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK_EQ(p[64], SLUB_RED_ACTIVE);
	CHECK_EQ(p[-1], SLUB_RED_ACTIVE);
	p[64] = 0;			/* one byte too far */
	kmem_cache_free(s, p);
	CHECK(reported("BUG dbg: Right Redzone overwritten"));
	CHECK(reported("Object 0x"));
	clear_reports();
	p = kmem_cache_alloc(s, GFP_KERNEL);
	p[-1] = 0;			/* one byte before */
	kmem_cache_free(s, p);
	CHECK(reported("BUG dbg: Left Redzone overwritten"));
	stop_capture();
}

TEST(debug_poison_overwritten)
{
	struct kmem_cache *s;
	unsigned char *p;

	machine();
	s = debug_cache(SLAB_POISON | SLAB_RED_ZONE);
	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, p);
	CHECK_EQ(p[0], POISON_FREE);
	CHECK_EQ(p[63], POISON_END);
	p[10] = 1;			/* use after free */
	CHECK(slab_check_cache(s) > 0);	/* the checker sees it too */
	clear_reports();
	/* the next allocation of that object reports it */
	for (int i = 0; i < 200 && !reported("Poison overwritten"); i++)
		kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(reported("BUG dbg: Poison overwritten"));
	stop_capture();
}

TEST(debug_double_free)
{
	struct kmem_cache *s;
	void *p, *q;

	machine();
	s = debug_cache(SLAB_STORE_USER);
	REQUIRE(s);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	CHECK(reported("BUG dbg: Object already free"));
	CHECK(reported("INFO: Allocated by 0x"));
	CHECK(reported("INFO: Freed by 0x"));
	CHECK(reported("cpu=0 pid="));
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_free(s, q);
	stop_capture();
}

TEST(debug_wrong_cache_and_bad_pointer)
{
	struct kmem_cache *a, *b;
	char *p;

	machine();
	start_capture();
	a = kmem_cache_create("cache-a", 96, 0, SLAB_NO_MERGE, NULL);
	b = kmem_cache_create("cache-b", 96, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(a && b);
	p = kmem_cache_alloc(a, GFP_KERNEL);
	kmem_cache_free(b, p);
	CHECK(reported("BUG cache-b: Wrong slab cache. cache-b but object "
		       "is from cache-a"));
	clear_reports();
	/* not an object start: goes through the slow path, reported */
	kmem_cache_free(a, kmem_cache_alloc(a, GFP_KERNEL));
	{
		struct kmem_cache_cpu *c = slab_this_cpu(a);
		unsigned long saved = c->slab_bytes;

		c->slab_bytes = 0;	/* force the slow path */
		kmem_cache_free(a, p + 8);
		c->slab_bytes = saved;
	}
	CHECK(reported("BUG cache-a: Invalid object pointer"));
	CHECK(reported("not an object start"));
	kmem_cache_free(a, p);
	CHECK_EQ(slab_check_cache(a), 0);
	stop_capture();
}

static void panic_create(void *arg)
{
	kmem_cache_create("panicky", 0, 0, SLAB_PANIC, NULL);
}

TEST(slab_panic_aborts)
{
	char out[512];

	CHECK(th_expect_death(panic_create, NULL, "Failed to create slab "
			      "'panicky'", out, sizeof(out)));
	CHECK(kmem_cache_create("quiet-fail", 0, 0, 0, NULL) == NULL);
}

TEST(global_slab_debug_switch)
{
	struct kmem_cache *s;
	unsigned char *p;

	machine();
	slab_debug = SLAB_RED_ZONE | SLAB_POISON;
	s = kmem_cache_create("globally-debugged", 40, 0, 0, NULL);
	slab_debug = 0;
	REQUIRE(s);
	CHECK(s->flags & SLAB_RED_ZONE);
	start_capture();
	p = kmem_cache_alloc(s, GFP_KERNEL);
	p[40] = 'x';
	kmem_cache_free(s, p);
	CHECK(reported("Redzone overwritten"));
	stop_capture();
}

TEST(slabinfo_format)
{
	char buf[16384];
	FILE *fp;
	struct kmem_cache *s;
	void *p;

	machine();
	s = kmem_cache_create("info-cache", 344, 0, SLAB_NO_MERGE, NULL);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	fp = fmemopen(buf, sizeof(buf), "w");
	slab_print_slabinfo(fp);
	fclose(fp);
	CHECK(!strncmp(buf, "slabinfo - version: 2.1\n", 24));
	CHECK(strstr(buf, "# name            <active_objs> <num_objs> "
		      "<objsize> <objperslab> <pagesperslab>"));
	CHECK(strstr(buf, "info-cache             1     23    344   23    2 "
		      ": tunables    0    0    0 : slabdata      1      1 "
		      "     0\n"));
	CHECK(strstr(buf, "\nkmalloc-8k "));
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
}

TEST(cas_fast_path_variant)
{
	struct kmem_cache *s;
	void *p[100];

	machine();
	s = kmem_cache_create("cas", 32, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	for (int i = 0; i < 100; i++)
		p[i] = kmem_cache_alloc_cas(s, GFP_KERNEL);
	for (int i = 0; i < 100; i++)
		kmem_cache_free_cas(s, p[i]);
	CHECK_EQ(slab_check_cache(s), 0);
	p[0] = kmem_cache_alloc(s, GFP_KERNEL);
	CHECK(p[0] == p[99]);
	kmem_cache_free(s, p[0]);
	kmem_cache_destroy(s);
}

TEST(double_free_of_the_last_freed_object)
{
#if KMM_DEBUG >= 1
	struct kmem_cache *s;
	void *p, *q;

	machine();
	s = kmem_cache_create("df", 48, 0, SLAB_NO_MERGE, NULL);
	REQUIRE(s);
	start_capture();
	p = kmem_cache_alloc(s, GFP_KERNEL);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, p);
	kmem_cache_free(s, p);
	CHECK(reported("BUG df: double free or corruption"));
	CHECK_EQ(slab_check_cache(s), 0);
	kmem_cache_free(s, q);
	stop_capture();
	kmem_cache_destroy(s);
#endif
}
