// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the replay engine (bench/replay*.c): images built from
 * crafted events with known answers, the null backend, the baseline
 * helpers, and remote-free ordering in percpu mode.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"
#include "baseline.h"
#include "config.h"
#include "harness.h"
#include "kmm/gfp.h"
#include "kmm/percpu.h"
#include "replay.h"
#include "replay_loop.h"

static struct replay_ev mk(unsigned int op, uint32_t obj, uint32_t size,
			   uint32_t size_alloc, unsigned int cpu)
{
	struct replay_ev e;

	memset(&e, 0, sizeof(e));
	e.op = (uint8_t)op;
	e.obj = obj;
	e.size = size;
	e.size_alloc = size_alloc;
	e.cpu = (uint16_t)cpu;
	if (op == ROP_PAGE_ALLOC) {
		e.order = (uint8_t)size;
		e.size = e.size_alloc = 4096u << size;
	}
	return e;
}

/*
 * The crafted trace: 3 kmallocs, a page, one remote kfree, frees out of
 * order, one object left live.
 *	live:  100 -> 300 -> 8492 (page) -> 8692 -> 8592 -> 396 -> 346
 */
static const uint64_t crafted_skipped[RSKIP_NR] = { 2, 1, 0, 0 };

static struct replay_image *crafted(void)
{
	struct replay_ev ev[] = {
		mk(ROP_KMALLOC, 0, 100, 128, 0),
		mk(ROP_KMALLOC, 1, 200, 256, 1),
		mk(ROP_PAGE_ALLOC, 2, 1, 0, 0),
		mk(ROP_KMALLOC, 3, 200, 256, 0),
		mk(ROP_KFREE, 0, 0, 0, 1),		/* remote */
		mk(ROP_PAGE_FREE, 2, 0, 0, 0),
		mk(ROP_KFREE, 3, 0, 0, 0),
		mk(ROP_KMALLOC, 4, 50, 64, 1),
		mk(ROP_KFREE, 4, 0, 0, 1),
	};

	return replay_image_from(ev, ARRAY_SIZE(ev), ARRAY_SIZE(ev) + 3,
				 crafted_skipped, NULL, 0, "crafted");
}

TEST(kmalloc_classes_follow_the_kernel)
{
	static const struct { uint32_t size, cls_size; } t[] = {
		{ 1, 8 }, { 8, 8 }, { 9, 16 }, { 16, 16 }, { 17, 32 },
		{ 33, 64 }, { 64, 64 }, { 65, 96 }, { 96, 96 }, { 97, 128 },
		{ 128, 128 }, { 129, 192 }, { 192, 192 }, { 193, 256 },
		{ 257, 512 }, { 1000, 1024 }, { 2049, 4096 }, { 8192, 8192 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		CHECK_EQ(replay_kmalloc_class_size(
				replay_kmalloc_class(t[i].size)), t[i].cls_size);
	CHECK_EQ(replay_kmalloc_class(8193), 13);
}

TEST(image_has_the_known_answers)
{
	struct replay_image *im = crafted();
	const struct replay_ev *ev;

	REQUIRE(im != NULL);
	ev = replay_events(im);
	CHECK_EQ(im->total, 12);
	CHECK_EQ(im->nr_ev, 9);
	CHECK_EQ(im->total, im->nr_ev + im->skipped[0] + im->skipped[1] +
		 im->skipped[2] + im->skipped[3]);
	CHECK_EQ(im->nr_objs, 5);
	CHECK_EQ(im->nr_cpus, 2);
	CHECK_EQ(im->peak_live_bytes, 8692);
	CHECK_EQ(im->end_live_bytes, 200);
	CHECK_EQ(im->bytes_req, 550);
	CHECK_EQ(im->bytes_alloc, 704);
	CHECK_EQ(im->remote_frees, 1);
	/* frees carry their allocation's size; the remote one is flagged */
	CHECK_EQ(ev[4].size, 100);
	CHECK(ev[4].flags & REV_F_REMOTE);
	CHECK_EQ(ev[5].order, 1);
	CHECK_EQ(ev[5].size, 8192);
	CHECK(!(ev[6].flags & REV_F_REMOTE));
	CHECK_EQ(ev[0].cls, replay_kmalloc_class(100));
	/* per-CPU index arrays partition the events in order */
	CHECK_EQ(im->cpu_len[0], 5);
	CHECK_EQ(im->cpu_len[1], 4);
	CHECK_EQ(replay_cpu_index(im, 1)[0], 1);
	CHECK_EQ(replay_cpu_index(im, 1)[1], 4);
	replay_image_free(im);
}

TEST(bad_images_are_refused)
{
	struct replay_ev before[] = {
		mk(ROP_KFREE, 0, 0, 0, 0),
		mk(ROP_KMALLOC, 0, 8, 8, 0),
	};
	struct replay_ev twice[] = {
		mk(ROP_KMALLOC, 0, 8, 8, 0),
		mk(ROP_KMALLOC, 0, 8, 8, 0),
	};
	struct replay_ev kind[] = {
		mk(ROP_KMALLOC, 0, 8, 8, 0),
		mk(ROP_PAGE_FREE, 0, 0, 0, 0),
	};

	CHECK(!replay_image_from(before, 2, 2, NULL, NULL, 0, "t"));
	CHECK(!replay_image_from(twice, 2, 2, NULL, NULL, 0, "t"));
	CHECK(!replay_image_from(kind, 2, 2, NULL, NULL, 0, "t"));
}

static void check_run(const struct replay_image *im, const char *alloc,
		      bool percpu, bool untimed)
{
	struct replay_opts o = { .percpu = percpu, .untimed = untimed };
	struct replay_run run;
	int ret = replay_image_run(alloc, im, &o, &run);

	CHECK_EQ(ret, 0);
	if (!ret) {
		struct replay_result *r = run.res;

		CHECK_EQ(r->replayed, im->nr_ev);
		CHECK_EQ(r->count[ROP_KMALLOC], 4);
		CHECK_EQ(r->count[ROP_KFREE], 3);
		CHECK_EQ(r->count[ROP_PAGE_ALLOC], 1);
		CHECK_EQ(r->count[ROP_PAGE_FREE], 1);
		CHECK_EQ(r->end_live_objects, 1);
		CHECK_EQ(r->end_live_bytes, 200);
		if (!untimed) {
			CHECK(run.h[ROP_KMALLOC][replay_kmalloc_class(200)][0]
			      != NULL);
			CHECK_EQ(run.h[ROP_PAGE_ALLOC][1][0]->count, 1);
			/* every replayed slab allocation was measured */
			CHECK_EQ(r->bytes_req, 550);
			CHECK(r->bytes_usable >= r->bytes_req);
			CHECK_EQ(r->fid_total[0], 4);
			CHECK_EQ(r->fid_total[2], 1);
		}
	}
	replay_run_free(&run);
}

TEST(null_backend_replays_every_event)
{
	struct replay_image *im = crafted();

	REQUIRE(im);
	check_run(im, "null", false, false);
	check_run(im, "null", true, false);
	check_run(im, "null", false, true);
	check_run(im, "null", true, true);
	replay_image_free(im);
}

TEST(baselines_replay_in_their_helpers)
{
	struct replay_image *im = crafted();

	REQUIRE(im);
	for (int i = 0; baseline_names[i]; i++) {
		if (!baseline_available(baseline_names[i]))
			continue;
		check_run(im, baseline_names[i], false, false);
		check_run(im, baseline_names[i], true, false);
	}
	replay_image_free(im);
}

TEST(glibc_internal_fragmentation_counts_usable_bytes)
{
	struct replay_image *im = crafted();
	struct replay_opts o = { .touch = TOUCH_ALL, .verify = true };
	struct replay_run run;

	REQUIRE(im);
	REQUIRE(baseline_available("glibc"));
	CHECK_EQ(replay_image_run("glibc", im, &o, &run), 0);
	CHECK_EQ(run.res->verify_checked, 4);	/* four frees in the trace */
	CHECK_EQ(run.res->verify_bad, 0);
	CHECK_EQ(run.res->touched, 5);
	/* 4 kmallocs agree only where glibc's usable size hits the class */
	CHECK(run.res->fid_agree[0] <= run.res->fid_total[0]);
	replay_run_free(&run);
	replay_image_free(im);
}

/*
 * A traced __GFP_ZERO allocation is zeroed by every allocator, also where
 * it reuses an object written by the replay (--touch all): --verify checks
 * it, at the allocation.
 */
TEST(gfp_zero_allocations_are_zeroed_by_every_allocator)
{
	static const char *const names[] = {
		"kmm", "glibc", "jemalloc", "tcmalloc", "mimalloc",
	};
	struct replay_ev ev[] = {
		mk(ROP_KMALLOC, 0, 200, 256, 0),
		mk(ROP_KFREE, 0, 0, 0, 0),
		mk(ROP_KMALLOC, 1, 200, 256, 0),		/* zeroed */
		mk(ROP_KFREE, 1, 0, 0, 0),
		mk(ROP_PAGE_ALLOC, 2, 0, 0, 0),
		mk(ROP_PAGE_FREE, 2, 0, 0, 0),
		mk(ROP_PAGE_ALLOC, 3, 0, 0, 0),		/* zeroed */
		mk(ROP_PAGE_FREE, 3, 0, 0, 0),
	};
	const uint64_t skipped[RSKIP_NR] = { 0 };
	struct replay_image *im;

	ev[2].gfp = GFP_KERNEL | __GFP_ZERO;
	ev[3].size = 200;
	ev[6].gfp = GFP_KERNEL | __GFP_ZERO;
	ev[5].size = ev[7].size = 4096;
	im = replay_image_from(ev, ARRAY_SIZE(ev), ARRAY_SIZE(ev), skipped,
			       NULL, 0, "zeroed");
	REQUIRE(im);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct replay_opts o = { .touch = TOUCH_ALL, .verify = true };
		struct replay_run run;

		if (strcmp(names[i], "kmm") && !baseline_available(names[i]))
			continue;
		REQUIRE(replay_image_run(names[i], im, &o, &run) == 0);
		/* 4 frees, 2 zeroed allocations */
		CHECK_EQ(run.res->verify_checked, 6);
		CHECK_EQ(run.res->verify_bad, 0);
		replay_run_free(&run);
	}
	replay_image_free(im);
}

TEST(a_missing_baseline_is_reported_not_crashed_on)
{
	struct replay_image *im = crafted();
	struct replay_opts o = { 0 };
	struct replay_run run;

	REQUIRE(im);
	CHECK_EQ(replay_image_run("no-such-allocator", im, &o, &run), 69);
	replay_run_free(&run);
	replay_image_free(im);
}

/* ---- remote-free ordering: a backend that checks alloc before free ---- */

#define ORDER_N 20000
static uint8_t order_state[ORDER_N];	/* 0 none, 1 allocated, 2 freed */
static uint64_t order_violations;
static char order_mem[64];

static void *order_alloc(const struct replay_ev *e)
{
	/* make CPU 0 slow, so an unsynchronised free would overtake it */
	if (e->cpu == 0)
		for (volatile int i = 0; i < 500; i++)
			;
	__atomic_store_n(&order_state[e->obj], 1, __ATOMIC_RELAXED);
	return order_mem;
}

static void order_free(void *p, const struct replay_ev *e)
{
	if (__atomic_load_n(&order_state[e->obj], __ATOMIC_RELAXED) != 1)
		__atomic_fetch_add(&order_violations, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&order_state[e->obj], 2, __ATOMIC_RELAXED);
}

static const struct backend backend_order = {
	.name = "order",
	.alloc = order_alloc,
	.free = order_free,
};

REPLAY_DEFINE_RUNNER(replay_with_order, &backend_order)

TEST(percpu_remote_frees_wait_for_their_allocation)
{
	static struct replay_ev ev[2 * ORDER_N];
	struct replay_opts o = { .percpu = true, .untimed = true };
	struct replay_image *im;
	struct replay_run run;
	size_t n = 0;

	/* CPU 0 allocates every object; CPU 1 frees each just after */
	for (uint32_t i = 0; i < ORDER_N; i++) {
		ev[n++] = mk(ROP_KMALLOC, i, 32, 32, 0);
		ev[n++] = mk(ROP_KFREE, i, 0, 0, 1);
	}
	im = replay_image_from(ev, n, n, NULL, NULL, 0, "remote");
	REQUIRE(im);
	CHECK_EQ(im->remote_frees, ORDER_N);
	REQUIRE(replay_run_init(&run) == 0);
	CHECK_EQ(replay_with_order(im, &o, &run), 0);
	CHECK_EQ(run.res->replayed, 2 * ORDER_N);
	CHECK_EQ(order_violations, 0);
	for (uint32_t i = 0; i < ORDER_N; i++)
		CHECK_EQ(order_state[i], 2);
	replay_run_free(&run);
	replay_image_free(im);
}

/* ---- kmm ---- */

static struct replay_image *pages_trace(void)
{
	struct replay_ev ev[64];
	size_t n = 0;

	/* 16 order-0..3 pages on two CPUs, half freed remotely, 2 left */
	for (uint32_t i = 0; i < 16; i++)
		ev[n++] = mk(ROP_PAGE_ALLOC, i, i % 4, 0, i % 2);
	for (uint32_t i = 0; i < 14; i++)
		ev[n++] = mk(ROP_PAGE_FREE, i, 0, 0, i % 4 == 0);
	return replay_image_from(ev, n, n, NULL, NULL, 0, "pages");
}

TEST(kmm_replays_page_events_through_the_buddy_allocator)
{
	struct replay_image *im = pages_trace();
	uint64_t peak = 0;

	REQUIRE(im);
	for (uint32_t i = 0; i < 16; i++)
		peak += 4096u << (i % 4);
	CHECK_EQ(im->peak_live_bytes, peak);
	for (int percpu = 0; percpu < 2; percpu++) {
		struct replay_opts o = { .percpu = percpu, .touch = TOUCH_ALL,
					 .verify = true, .timeline = 4 };
		struct replay_run run;
		struct replay_result *r;

		REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
		r = run.res;
		CHECK_EQ(r->replayed, 30);
		CHECK_EQ(r->count[ROP_PAGE_ALLOC], 16);
		CHECK_EQ(r->failed[ROP_PAGE_ALLOC], 0);
		CHECK_EQ(r->end_live_objects, 2);
		CHECK_EQ(r->end_live_bytes, (4096u << 2) + (4096u << 3));
		/* the buddy held at least the live pages at the end */
		CHECK(r->end_footprint >= r->end_live_bytes);
		CHECK(r->peak_footprint >= r->end_footprint);
		CHECK(r->leaks_known);
		CHECK_EQ(r->leak_objects, 0);
		CHECK_EQ(r->check_problems, 0);
		CHECK(r->checks_run >= 2);
		CHECK_EQ(r->misuse, 0);
		CHECK_EQ(r->verify_checked, 14);
		CHECK_EQ(r->verify_bad, 0);
		CHECK_EQ(r->fid_total[2], 16);
		CHECK_EQ(r->fid_agree[2], 16);
		CHECK(r->nr_zones >= 1);
		CHECK(r->nr_samples >= 1);
		CHECK_EQ(r->bytes_req, r->bytes_usable);
		replay_run_free(&run);
	}
	replay_image_free(im);
}

TEST(kmm_gives_the_known_answers_of_the_crafted_trace)
{
	struct replay_image *im = crafted();

	REQUIRE(im);
	for (int percpu = 0; percpu < 2; percpu++) {
		struct replay_opts o = { .percpu = percpu, .touch = TOUCH_FIRST,
					 .verify = true };
		struct replay_run run;
		struct replay_result *r;

		REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
		r = run.res;
		CHECK_EQ(r->replayed, 9);
		CHECK_EQ(r->count[ROP_KMALLOC], 4);
		/* kmalloc classes 128 + 256 + 256 + 64 (pages do not count) */
		CHECK_EQ(r->bytes_req, 550);
		CHECK_EQ(r->bytes_usable, 704);
		CHECK_EQ(r->cls_usable[replay_kmalloc_class(200)], 512);
		CHECK_EQ(r->fid_agree[0], 4);
		CHECK_EQ(r->fid_total[0], 4);
		CHECK_EQ(r->end_live_objects, 1);
		CHECK_EQ(r->leak_objects, 0);
		CHECK_EQ(r->check_problems, 0);
		CHECK_EQ(r->verify_bad, 0);
		/* the warm start made the first slab of each class before
		 * the clock: no measured kmalloc needs a new one */
		CHECK(run.h[ROP_KMALLOC][replay_kmalloc_class(100)]
			   [RPATH_NEW_SLAB] == NULL);
		CHECK(run.h[ROP_KMALLOC][replay_kmalloc_class(100)]
			   [RPATH_FAST] != NULL);
		/* pages have no slab path */
		CHECK(run.h[ROP_PAGE_ALLOC][1][RPATH_NONE] != NULL);
		CHECK(run.h[ROP_PAGE_ALLOC][1][RPATH_FAST] == NULL);
		replay_run_free(&run);
		/* --cold: the first kmalloc of a fresh cache needs a new
		 * slab, inside the measurement */
		o.cold = true;
		REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
		CHECK_EQ(run.res->replayed, 9);
		CHECK(run.h[ROP_KMALLOC][replay_kmalloc_class(100)]
			   [RPATH_NEW_SLAB] != NULL);
		replay_run_free(&run);
	}
	replay_image_free(im);
}

TEST(kmm_creates_caches_of_the_traced_size)
{
	struct replay_cache caches[3];
	struct replay_ev ev[4];
	struct replay_image *im;
	struct replay_opts o = { 0 };
	struct replay_run run;

	memset(caches, 0, sizeof(caches));
	/* object 200 bytes, slab size 256: needs a 256-byte alignment */
	snprintf(caches[1].name, sizeof(caches[1].name), "test_cache_a");
	caches[1].object_size = 200;
	caches[1].size = 256;
	/* 5840-byte task_struct, aligned 64: 5888 */
	snprintf(caches[2].name, sizeof(caches[2].name), "test_task");
	caches[2].object_size = 5840;
	caches[2].size = 5888;
	ev[0] = mk(ROP_KMEM_CACHE_ALLOC, 0, 200, 256, 0);
	ev[0].cache = 1;
	ev[1] = mk(ROP_KMEM_CACHE_ALLOC, 1, 5840, 5888, 0);
	ev[1].cache = 2;
	ev[2] = mk(ROP_KMEM_CACHE_FREE, 0, 0, 0, 0);
	ev[3] = mk(ROP_KMEM_CACHE_FREE, 1, 0, 0, 0);
	im = replay_image_from(ev, 4, 4, NULL, caches, 2, "caches");
	REQUIRE(im);
	REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
	CHECK_EQ(run.res->fid_total[1], 2);
	CHECK_EQ(run.res->fid_agree[1], 2);
	CHECK_EQ(run.res->cache_usable[1], 256);
	CHECK_EQ(run.res->cache_usable[2], 5888);
	CHECK_EQ(run.res->leak_objects, 0);
	replay_run_free(&run);
	replay_image_free(im);
}

TEST(kmm_replays_vmalloc_and_touches_through_the_tlb_model)
{
	struct replay_ev ev[] = {
		mk(ROP_VMALLOC, 0, 3 * 4096 + 100, 0, 0),
		mk(ROP_KMALLOC, 1, 64, 64, 0),
		mk(ROP_VFREE, 0, 0, 0, 0),
		mk(ROP_KFREE, 1, 0, 0, 0),
	};
	struct replay_image *im = replay_image_from(ev, 4, 4, NULL, NULL, 0,
						    "vmalloc");
	struct replay_opts o = { .touch = TOUCH_ALL, .verify = true };
	struct replay_run run;

	REQUIRE(im);
	REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
	CHECK_EQ(run.res->count[ROP_VMALLOC], 1);
	CHECK_EQ(run.res->verify_bad, 0);
	CHECK_EQ(run.res->bytes_usable, 64);
	/* one access per cache line: 197 for the area, 1 for the object */
	CHECK_EQ(run.res->tlb_accesses, (3 * 4096 + 100 + 63) / 64 + 1);
	/* the four pages of the area miss at least once each */
	CHECK(run.res->tlb_misses >= 4);
	CHECK_EQ(run.res->leak_objects, 0);
	CHECK_EQ(run.res->check_problems, 0);
	replay_run_free(&run);
	/* a baseline counts its own accesses with 4 KiB pages */
	if (baseline_available("glibc")) {
		REQUIRE(replay_image_run("glibc", im, &o, &run) == 0);
		CHECK_EQ(run.res->tlb_accesses,
			 (3 * 4096 + 100 + 63) / 64 + 1);
		replay_run_free(&run);
	}
	replay_image_free(im);
}

TEST(kmm_replays_percpu_events_through_its_percpu_allocator)
{
	struct replay_ev ev[] = {
		/* 16 bytes on a kernel with 4 possible CPUs: 64 */
		mk(ROP_PERCPU_ALLOC, 0, 16, 64, 0),
		mk(ROP_PERCPU_ALLOC, 1, 200, 800, 1),
		mk(ROP_PERCPU_ALLOC, 2, 30, 128, 1),
		mk(ROP_PERCPU_FREE, 0, 0, 0, 1),
		mk(ROP_PERCPU_FREE, 1, 0, 0, 1),
	};
	struct replay_image *im;
	struct replay_opts o = { .touch = TOUCH_ALL, .verify = true };
	struct replay_run run;
	uint64_t st[NR_PCPU_STAT_ITEMS];

	ev[0].order = 3;		/* align 8 */
	ev[1].order = 6;		/* align 64 */
	ev[1].flags = REV_F_RESERVED;
	im = replay_image_from(ev, 5, 3, NULL, NULL, 0, "percpu");
	REQUIRE(im);
	for (int percpu = 0; percpu < 2; percpu++) {
		o.percpu = percpu;
		REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
		CHECK_EQ(run.res->count[ROP_PERCPU_ALLOC], 3);
		CHECK_EQ(run.res->count[ROP_PERCPU_FREE], 2);
		/* size rounded to 4, times the traced kernel's 4 units */
		CHECK_EQ(run.res->fid_total[3], 3);
		CHECK_EQ(run.res->fid_agree[3], 3);
		CHECK_EQ(run.res->verify_bad, 0);
		CHECK_EQ(run.res->leak_objects, 0);
		CHECK_EQ(run.res->check_problems, 0);
		CHECK_EQ(run.res->misuse, 0);
		replay_run_free(&run);
		/* kmm ran in this process: the reserved one went there */
		pcpu_get_stats(st);
		if (KMM_STATS)
			CHECK_EQ(st[PCPU_ALLOC_RESERVED], 1);
	}
	replay_image_free(im);
}

static struct replay_ev mkvm(unsigned int op, uint32_t slot, uint32_t vm,
			     unsigned int cpu)
{
	struct replay_ev e;

	memset(&e, 0, sizeof(e));
	e.op = (uint8_t)op;
	e.obj = slot;
	e.size = vm;
	e.cpu = (uint16_t)cpu;
	return e;
}

TEST(kmm_replays_process_address_spaces)
{
	const uint64_t base = 0x7f0000000000ULL;
	/* pid 100 maps, faults, forks 101 (on CPU 1), unmaps; 101 faults
	 * (copy-on-write) and exits; a fault before any mmap is premapped */
	struct replay_vm vm[] = {
		{ .pid = 100, .addr = base, .len = 4 * 4096,
		  .arg = (3ULL << 32) | MAP_PRIVATE | MAP_ANONYMOUS,
		  .ret = base, .prev = REPLAY_NO_SLOT },
		{ .pid = 100, .addr = base + 4096, .arg = 2, .prev = 0 },
		{ .pid = 100, .addr = 100, .arg = 101, .prev = 1 },
		{ .pid = 101, .addr = base + 4096, .arg = 2, .prev = 2 },
		{ .pid = 100, .addr = base, .len = 4 * 4096, .prev = 2 },
		{ .pid = 101, .addr = 101, .prev = 3 },
		{ .pid = 102, .addr = 0x555555000000ULL, .arg = 2,
		  .prev = REPLAY_NO_SLOT },
		{ .pid = 100, .addr = base, .len = 4096, .arg = 1, .prev = 4 },
	};
	struct replay_ev ev[] = {
		mkvm(ROP_MMAP, 0, 0, 0),
		mkvm(ROP_FAULT, 1, 1, 0),
		mkvm(ROP_FORK, 2, 2, 0),
		mkvm(ROP_FAULT, 3, 3, 1),
		mkvm(ROP_MUNMAP, 4, 4, 0),
		mkvm(ROP_EXIT, 5, 5, 1),
		mkvm(ROP_FAULT, 6, 6, 1),
		mkvm(ROP_MPROTECT, 7, 7, 0),
	};
	struct replay_image *im = replay_image_from_vm(ev, 8, 8, NULL, NULL, 0,
						       vm, 8, "vm");

	REQUIRE(im);
	for (int percpu = 0; percpu < 2; percpu++) {
		struct replay_opts o = { .percpu = percpu };
		struct replay_run run;
		struct replay_result *r;

		REQUIRE(replay_image_run("kmm", im, &o, &run) == 0);
		r = run.res;
		CHECK_EQ(r->replayed, 8);
		CHECK_EQ(r->count[ROP_FAULT], 3);
		CHECK_EQ(r->count[ROP_FORK], 1);
		CHECK_EQ(r->failed[ROP_MMAP], 0);
		CHECK_EQ(r->failed[ROP_FAULT], 0);
		CHECK_EQ(r->failed[ROP_FORK], 0);
		CHECK_EQ(r->failed[ROP_MUNMAP], 0);
		/* mprotect of an unmapped range fails as in the kernel */
		CHECK_EQ(r->failed[ROP_MPROTECT], 1);
		CHECK(run.h[ROP_FAULT][0][0] != NULL);
		CHECK_EQ(run.h[ROP_FAULT][0][0]->count, 3);
		CHECK_EQ(r->leak_objects, 0);
		CHECK_EQ(r->check_problems, 0);
		replay_run_free(&run);
	}
	/* the other backends pass over process events, counted alike */
	{
		struct replay_opts o = { .percpu = true };
		struct replay_run run;

		REQUIRE(replay_image_run("null", im, &o, &run) == 0);
		CHECK_EQ(run.res->replayed, 8);
		replay_run_free(&run);
	}
	replay_image_free(im);
}
