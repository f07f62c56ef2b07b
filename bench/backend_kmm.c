// SPDX-License-Identifier: GPL-2.0
/*
 * bench/backend_kmm.c - the kmm backend: replay events through our own
 * memory-management stack, in this process.
 *
 * One simulated machine per replay: as many CPUs as the trace has (each
 * replay thread claims its CPU with kmm_set_cpu()), memory sized from the
 * trace's peak live bytes (twice the peak plus 256 MiB, at least 1 GiB;
 * frames cost host memory only when touched).  Misuse (a double free, a
 * wrong order) is counted, not fatal: the replay reports it.
 *
 *	page_alloc/page_free	alloc_pages(gfp, order) / __free_pages()
 *
 * The invariant checkers run at the end of every replay, and with --verify
 * also every 65536 events of a one-thread replay; the problems they find
 * are part of the results.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "kmm/kmm.h"
#include "kmm/mmzone.h"
#include "kmm/page.h"
#include "replay_loop.h"

static long kmm_pages_at_start;

/* ops this backend replays (the image must hold no other) */
static bool kmm_supports(unsigned int op)
{
	return op == ROP_PAGE_ALLOC || op == ROP_PAGE_FREE;
}

static int kmm_init(const struct replay_image *im, const struct replay_opts *o,
		    char *err, size_t errlen)
{
	struct kmm_config cfg;
	uint64_t mem = 1ULL << 30, want = 2 * im->peak_live_bytes + (256 << 20);
	const struct replay_ev *ev = replay_events(im);
	int ret;

	for (uint64_t i = 0; i < im->nr_ev; i++)
		if (!kmm_supports(ev[i].op)) {
			snprintf(err, errlen, "%s events cannot be replayed "
				 "through kmm yet", replay_op_names[ev[i].op]);
			return 69;
		}
	while (mem < want && mem < (64ULL << 30))
		mem <<= 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mem_bytes = mem;
	cfg.nr_cpus = (int)(im->nr_cpus ? im->nr_cpus : 1);
	cfg.layout = KMM_LAYOUT_64BIT;
	ret = kmm_mem_init(&cfg);
	if (ret) {
		snprintf(err, errlen, "cannot set up a %llu MiB machine with "
			 "%d CPUs: %s", (unsigned long long)(mem >> 20),
			 cfg.nr_cpus, strerror(-ret));
		return 70;
	}
	kmm_misuse_abort = false;
	kmm_pages_at_start = buddy_pages_allocated();
	return 0;
}

static void kmm_exit(void)
{
	kmm_mem_exit();
}

static void kmm_thread_init(unsigned int cpu)
{
	kmm_set_cpu((int)cpu);
}

static gfp_t kmm_gfp(const struct replay_ev *e)
{
	return e->gfp ? e->gfp : GFP_KERNEL;
}

static void *kmm_alloc(const struct replay_ev *e)
{
	struct page *page;

	switch (e->op) {
	case ROP_PAGE_ALLOC:
		page = alloc_pages(kmm_gfp(e), e->order);
		return page ? page_address(page) : NULL;
	}
	return NULL;
}

static void kmm_free(void *p, const struct replay_ev *e)
{
	switch (e->op) {
	case ROP_PAGE_FREE:
		__free_pages(virt_to_page(p), e->order);
		break;
	}
}

static uint64_t kmm_usable(void *p, const struct replay_ev *e)
{
	if (e->op == ROP_PAGE_ALLOC)
		return PAGE_SIZE << e->order;
	return e->size;
}

static uint64_t kmm_footprint(void)
{
	long pages = buddy_pages_allocated() - kmm_pages_at_start;

	return pages > 0 ? (uint64_t)pages * PAGE_SIZE : 0;
}

/* The worst (highest) unusable index of the populated zones at @order */
static int kmm_unusable(unsigned int order)
{
	int worst = -1;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (populated_zone(&kmm_zones[z])) {
			int u = unusable_index(&kmm_zones[z], order);

			if (u > worst)
				worst = u;
		}
	return worst;
}

static void kmm_snapshot(struct replay_result *r)
{
	struct buddy_stats st;
	unsigned int nz = 0;

	for (int z = 0; z < MAX_NR_ZONES && nz < REPLAY_MAX_ZONES; z++) {
		const struct zone *zone = &kmm_zones[z];

		if (!populated_zone(zone))
			continue;
		snprintf(r->zone_name[nz], sizeof(r->zone_name[nz]), "%s",
			 zone->name);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			r->unusable[nz][o] = unusable_index(zone, o);
			r->extfrag[nz][o] = fragmentation_index(zone, o);
		}
		nz++;
	}
	r->nr_zones = nz;
	buddy_get_stats(&st);
	for (int i = 0; i < NR_BUDDY_MISUSE; i++)
		r->misuse += st.misuse[i];
}

static void kmm_leaks(uint64_t *objects, uint64_t *bytes)
{
	long pages;

	drain_all_pages();
	pages = buddy_pages_allocated() - kmm_pages_at_start;
	*objects = pages > 0 ? (uint64_t)pages : 0;
	*bytes = *objects * PAGE_SIZE;
}

static int kmm_check(void)
{
	return buddy_check(stderr);
}

static const char *kmm_version(void)
{
	return "kmbench";
}

const struct backend backend_kmm = {
	.name = "kmm",
	.init = kmm_init,
	.exit = kmm_exit,
	.thread_init = kmm_thread_init,
	.alloc = kmm_alloc,
	.free = kmm_free,
	.usable = kmm_usable,
	.footprint = kmm_footprint,
	.unusable = kmm_unusable,
	.snapshot = kmm_snapshot,
	.leaks = kmm_leaks,
	.check = kmm_check,
	.verifiable = true,
	.version = kmm_version,
};

REPLAY_DEFINE_RUNNER(replay_with_kmm, &backend_kmm)
