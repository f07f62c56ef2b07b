// SPDX-License-Identifier: GPL-2.0
/*
 * pcp.c - per-CPU page lists, as the kernel's per_cpu_pages.
 *
 * Lock order: no lock of its own.  A CPU's lists are used only by the
 * thread that owns the CPU id (kmm/cpu.h), so the fast paths are plain
 * list operations; refill (rmqueue_bulk) and drain (free_pcppages_bulk)
 * take the zone lock once per batch.
 *
 * Object states: a page on a pcp list is free (refcount 0, not PG_buddy,
 * alloc_order 0) and counts as used in zone->free_pages (NR_FREE_PAGES),
 * as in the kernel.
 *
 * Invariants: pcp->count = sum over lists of 2^order pages; every page on
 * lists[pindex] is a block of pindex_to_order(pindex) pages of this zone.
 *
 * The fast paths (a hit on allocation, a free below high) are inline in
 * alloc_pages() and free_the_page() (page_alloc.c).
 *
 * Geometry: batch = zone_batchsize(), high = zone_highsize() (zone.c).
 * A refill takes batch pages (batch >> order blocks, at least 2, for
 * order > 0); a free that brings count to high or above gives back batch
 * pages, oldest first, round-robin over the lists.
 */
#include "buddy_internal.h"

static int rmqueue_bulk(struct zone *zone, unsigned int order, int count,
			struct list_head *list, int mt)
{
	int i;

	zone_lock(zone);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(zone, order, mt);

		if (unlikely(!page))
			break;
		list_add_tail(&page->lru, list);
	}
	zone_unlock(zone);
	return i;
}

struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int mt)
{
	struct per_cpu_pages *pcp = &zone->pcp[smp_processor_id()];
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	struct page *page;

	if (unlikely(list_empty(list))) {
		int batch = pcp->batch, got;

		if (order)
			batch = max_t(int, batch >> order, 2);
		got = rmqueue_bulk(zone, order, batch, list, mt);
		if (unlikely(!got))
			return NULL;
		pcp_set_count(pcp, pcp->count + (got << order));
		buddy_stat(BUDDY_PCP_REFILL);
	} else {
		buddy_stat(BUDDY_PCP_HIT);
	}
	page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	pcp_set_count(pcp, pcp->count - (1 << order));
	return page;
}

/* Give @count pages (at least) of @pcp back to @zone, oldest first. */
__noinline void free_pcppages_bulk(struct zone *zone, int count,
			       struct per_cpu_pages *pcp)
{
	int pindex = 0;

	zone_lock(zone);
	while (count > 0 && pcp->count > 0) {
		struct list_head *list = &pcp->lists[pindex];
		unsigned int order = pindex_to_order(pindex);
		struct page *page;
		unsigned long pfn;

		if (list_empty(list)) {
			pindex = (pindex + 1) % NR_PCP_LISTS;
			continue;
		}
		page = list_last_entry(list, struct page, lru);
		list_del(&page->lru);
		pfn = page_to_pfn(page);
		count -= 1 << order;
		pcp_set_count(pcp, pcp->count - (1 << order));
		__free_one_page(zone, pfn, order, get_pfnblock_migratetype(pfn));
		pindex = (pindex + 1) % NR_PCP_LISTS;
	}
	zone_unlock(zone);
	buddy_stat(BUDDY_PCP_DRAIN);
}

void pcp_drain_cpu(struct zone *zone, int cpu)
{
	struct per_cpu_pages *pcp = &zone->pcp[cpu];

	if (pcp->count)
		free_pcppages_bulk(zone, pcp->count, pcp);
}

void drain_local_pages(void)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		pcp_drain_cpu(zone, smp_processor_id());
}

void drain_all_pages(void)
{
	struct zone *zone;
	int cpu;

	for_each_populated_zone(zone)
		for (cpu = 0; cpu < KMM_MAX_CPUS; cpu++)
			pcp_drain_cpu(zone, cpu);
}

unsigned long pcp_total_pages(const struct zone *zone)
{
	unsigned long sum = 0;
	int cpu;

	if (!zone->pcp)
		return 0;
	for (cpu = 0; cpu < KMM_MAX_CPUS; cpu++)
		sum += (unsigned long)__atomic_load_n(&zone->pcp[cpu].count,
						      __ATOMIC_RELAXED);
	return sum;
}
