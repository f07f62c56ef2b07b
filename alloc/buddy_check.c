// SPDX-License-Identifier: GPL-2.0
/*
 * buddy_check.c - the buddy allocator's invariant checker (the invariants
 * are listed at the top of page_alloc.c and pcp.c).
 *
 * It walks every free list and pcp list, marks the pages each block covers
 * in a bitmap (so overlaps show), and checks counts, alignment, zones,
 * migratetypes, that no two free buddies were left unmerged, and that no
 * free page is also the start of an allocated block.  Cost: O(pages).
 * Call it when no allocation is running.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buddy_internal.h"

struct check_ctx {
	FILE *fp;
	int errors;
	uint64_t *used;		/* one bit per pfn: covered by a free block */
};

static __printf(2, 3) void check_fail(struct check_ctx *c, const char *fmt,
				      ...)
{
	va_list ap;

	c->errors++;
	if (!c->fp || c->errors > 50)
		return;
	va_start(ap, fmt);
	fprintf(c->fp, "buddy_check: ");
	vfprintf(c->fp, fmt, ap);
	fputc('\n', c->fp);
	va_end(ap);
}

static bool mark_block(struct check_ctx *c, unsigned long pfn,
		       unsigned int order)
{
	for (unsigned long p = pfn; p < pfn + (1UL << order); p++) {
		uint64_t bit = 1ULL << (p & 63);

		if (c->used[p >> 6] & bit) {
			check_fail(c, "pfn %#lx is in two free blocks", p);
			return false;
		}
		c->used[p >> 6] |= bit;
		if (buddy_alloc_order[p])
			check_fail(c, "free pfn %#lx starts an allocated block",
				   p);
	}
	return true;
}

static bool pfn_marked(const struct check_ctx *c, unsigned long pfn)
{
	return (c->used[pfn >> 6] >> (pfn & 63)) & 1;
}

static bool block_in_zone(const struct zone *zone, unsigned long pfn,
			  unsigned int order)
{
	return pfn >= zone->zone_start_pfn &&
	       pfn + (1UL << order) <= zone_end_pfn(zone);
}

static unsigned long check_free_area(struct check_ctx *c, struct zone *zone,
				     unsigned int order)
{
	struct free_area *area = &zone->free_area[order];
	unsigned long total = 0;

	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		unsigned long n = 0;
		struct list_head *pos;

		list_for_each(pos, &area->free_list[mt]) {
			struct page *page = list_entry(pos, struct page, lru);
			unsigned long pfn = page_to_pfn(page);

			n++;
			if (!block_in_zone(zone, pfn, order) ||
			    !IS_ALIGNED(pfn, 1UL << order)) {
				check_fail(c, "%s order %u: block %#lx misplaced",
					   zone->name, order, pfn);
				continue;
			}
			if (!PageBuddy(page) || page->private != order)
				check_fail(c, "%s order %u: block %#lx not "
					   "marked free of its order",
					   zone->name, order, pfn);
			if (page->_refcount)
				check_fail(c, "free block %#lx has refcount %d",
					   pfn, page->_refcount);
			if (get_pfnblock_migratetype(pfn) != mt)
				check_fail(c, "free block %#lx on type %d list, "
					   "pageblock type %d", pfn, mt,
					   get_pfnblock_migratetype(pfn));
			mark_block(c, pfn, order);
		}
		if (n != area->nr_free_mt[mt])
			check_fail(c, "%s order %u type %d: %lu blocks listed, "
				   "nr_free_mt %lu", zone->name, order, mt, n,
				   area->nr_free_mt[mt]);
		total += n;
	}
	if (total != area->nr_free)
		check_fail(c, "%s order %u: %lu blocks listed, nr_free %lu",
			   zone->name, order, total, area->nr_free);
	return total << order;
}

static void check_merged(struct check_ctx *c, struct zone *zone)
{
	for (unsigned int order = 0; order < MAX_PAGE_ORDER; order++) {
		struct list_head *pos;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			list_for_each(pos, &zone->free_area[order].free_list[mt]) {
				struct page *page =
					list_entry(pos, struct page, lru);
				unsigned long pfn = page_to_pfn(page);
				unsigned long bp = pfn ^ (1UL << order);
				struct page *b = pfn_to_page(bp);

				if (block_in_zone(zone, bp, order) &&
				    PageBuddy(b) && b->private == order)
					check_fail(c, "free buddies %#lx and "
						   "%#lx (order %u) not merged",
						   pfn, bp, order);
			}
		}
	}
}

static unsigned long check_pcp(struct check_ctx *c, struct zone *zone)
{
	unsigned long total = 0;
	int cpu;

	for (cpu = 0; cpu < KMM_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &zone->pcp[cpu];
		long n = 0;

		for (int pi = 0; pi < NR_PCP_LISTS; pi++) {
			unsigned int order = pindex_to_order(pi);
			struct list_head *pos;

			list_for_each(pos, &pcp->lists[pi]) {
				struct page *page =
					list_entry(pos, struct page, lru);
				unsigned long pfn = page_to_pfn(page);

				n += 1L << order;
				if (!block_in_zone(zone, pfn, order) ||
				    !IS_ALIGNED(pfn, 1UL << order)) {
					check_fail(c, "pcp page %#lx misplaced",
						   pfn);
					continue;
				}
				if (PageBuddy(page) || page->_refcount)
					check_fail(c, "pcp page %#lx in use",
						   pfn);
				mark_block(c, pfn, order);
			}
		}
		if (n != pcp->count)
			check_fail(c, "%s cpu %d: %ld pcp pages listed, count %d",
				   zone->name, cpu, n, pcp->count);
		total += (unsigned long)n;
	}
	return total;
}

static void check_stray_buddy(struct check_ctx *c, struct zone *zone)
{
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
	     pfn++) {
		if (!buddy_block_ready[pfn >> MAX_PAGE_ORDER]) {
			/* never split: only its first page is set up */
			if (!pfn_marked(c, pfn))
				check_fail(c, "unused block %#lx not free", pfn);
			pfn |= (1UL << MAX_PAGE_ORDER) - 1;
			continue;
		}
		if (PageBuddy(pfn_to_page(pfn)) && !pfn_marked(c, pfn))
			check_fail(c, "pfn %#lx marked free but on no list",
				   pfn);
	}
}

int buddy_check(FILE *fp)
{
	struct check_ctx c = { .fp = fp };
	struct zone *zone;

	if (!kmm_mem_ready())
		return 0;
	c.used = calloc((max_pfn + 63) / 64, sizeof(uint64_t));
	if (!c.used) {
		check_fail(&c, "out of memory");
		return c.errors;
	}
	for_each_populated_zone(zone) {
		unsigned long free = 0;

		zone_lock(zone);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++)
			free += check_free_area(&c, zone, o);
		if (free != zone_free_pages(zone))
			check_fail(&c, "%s: %lu pages on lists, free_pages %lu",
				   zone->name, free, zone_free_pages(zone));
		check_merged(&c, zone);
		check_pcp(&c, zone);
		check_stray_buddy(&c, zone);
		zone_unlock(zone);
	}
	free(c.used);
	return c.errors;
}
