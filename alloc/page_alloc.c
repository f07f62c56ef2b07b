// SPDX-License-Identifier: GPL-2.0
/*
 * page_alloc.c - the buddy page allocator, as mm/page_alloc.c.
 *
 * Lock order: zone->lock is the only lock, and one is held at a time.
 * Per-CPU lists (pcp.c) take no lock: a CPU's lists are touched only by
 * the thread owning that CPU id (kmm/cpu.h); they take the zone lock to
 * refill or drain.
 *
 * Page states (of the first page of a block, "head"):
 *
 *	state		PG_buddy  _refcount  alloc_order[pfn]  where
 *	free (buddy)	1         0          0                 free_area[o].free_list[mt],
 *							    private = o
 *	free (pcp)	0         0          0                 pcp->lists[pindex]
 *	allocated	0         >= 1       o + 1             (the caller)
 *
 * Other pages of a block are not marked (compound tails carry
 * compound_head); alloc_order[] is 0 for them.
 *
 * Invariants (checked by buddy_check()):
 *	- a free block of order o starts at a multiple of 2^o, lies inside
 *	  one zone, is on free_list[mt] of order o where mt is the migratetype
 *	  of its pageblock(s), and overlaps no other free or allocated block;
 *	- a free block's buddy (pfn ^ 2^o) is not a free block of order o
 *	  (it would have been merged);
 *	- free_area[o].nr_free = sum over mt of nr_free_mt[mt] = blocks on
 *	  the lists; zone->free_pages = sum of 2^o * nr_free[o];
 *	- pcp->count = pages on the CPU's lists.
 *
 * Migratetypes keep the kernel's pageblock hygiene: a free block's
 * freelist is its pageblock's type; merging above pageblock_order
 * retypes the buddy's pageblocks; falling back to another type either
 * claims the whole pageblock (retype it, move its free blocks) or takes
 * one block and leaves the rest of it on its own type's lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buddy_internal.h"
#include "kmm/kmm.h"

bool kmm_misuse_abort = KMM_DEBUG >= 1;
struct buddy_cpu_stats buddy_cpu_stats[KMM_MAX_CPUS];

/* Allocation failures are warned about this many times, then counted. */
#define WARN_ALLOC_LIMIT	10

static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

int get_pfnblock_migratetype(unsigned long pfn)
{
	return buddy_pageblock_mt[pfn >> pageblock_order];
}

/* --- free lists (zone lock held) -------------------------------------- */

static void add_to_free_list(struct zone *zone, unsigned long pfn,
			     unsigned int order, int mt, bool tail)
{
	struct page *page = pfn_to_page(pfn);
	struct free_area *area = &zone->free_area[order];

	page->private = order;
	__SetPageBuddy(page);
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	counter_add(&area->nr_free, 1);
	counter_add(&area->nr_free_mt[mt], 1);
	zone_add_free(zone, 1L << order);
}

static void del_from_free_list(struct zone *zone, struct page *page,
			       unsigned int order, int mt)
{
	struct free_area *area = &zone->free_area[order];

	BUDDY_BUG_ON(!PageBuddy(page) || page->private != order);

	list_del(&page->lru);
	__ClearPageBuddy(page);
	page->private = 0;
	counter_add(&area->nr_free, -1);
	counter_add(&area->nr_free_mt[mt], -1);
	zone_add_free(zone, -(1L << order));
}

static void move_to_free_list(struct zone *zone, struct page *page,
			      unsigned int order, int from, int to)
{
	struct free_area *area = &zone->free_area[order];

	list_move_tail(&page->lru, &area->free_list[to]);
	counter_add(&area->nr_free_mt[from], -1);
	counter_add(&area->nr_free_mt[to], 1);
}

static void set_pageblock_range(unsigned long pfn, unsigned int order, int mt)
{
	unsigned long end = pfn + (1UL << order);

	for (pfn = ALIGN_DOWN(pfn, pageblock_nr_pages); pfn < end;
	     pfn += pageblock_nr_pages)
		set_pageblock_migratetype(pfn, mt);
}

/*
 * Put the upper halves of a block of order @high, split down to @low, back
 * on the lists:  [ low half: returned | upper halves: freed ]
 */
static void expand(struct zone *zone, unsigned long pfn, unsigned int low,
		   unsigned int high, int mt)
{
	while (high > low) {
		high--;
		add_to_free_list(zone, pfn + (1UL << high), high, mt, false);
		buddy_stat(BUDDY_SPLIT);
	}
}

static struct page *take_block(struct zone *zone, struct page *page,
			       unsigned int cur, unsigned int order, int mt)
{
	unsigned long pfn = page_to_pfn(page);

	if (cur == MAX_PAGE_ORDER)
		buddy_ensure_block_ready(pfn);
	del_from_free_list(zone, page, cur, mt);
	expand(zone, pfn, order, cur, mt);
	return page;
}

static struct page *__rmqueue_smallest(struct zone *zone, unsigned int order,
				       int mt)
{
	for (unsigned int cur = order; cur < NR_PAGE_ORDERS; cur++) {
		struct list_head *list = &zone->free_area[cur].free_list[mt];

		if (list_empty(list))
			continue;
		return take_block(zone, list_first_entry(list, struct page, lru),
				  cur, order, mt);
	}
	return NULL;
}

static bool can_steal_fallback(unsigned int order, int start_mt)
{
	if (order >= pageblock_order)
		return true;
	return order >= pageblock_order / 2 ||
	       start_mt == MIGRATE_RECLAIMABLE ||
	       start_mt == MIGRATE_UNMOVABLE;
}

static int find_suitable_fallback(struct zone *zone, unsigned int order,
				  int start_mt)
{
	const struct free_area *area = &zone->free_area[order];

	if (!area->nr_free)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int mt = fallbacks[start_mt][i];

		if (area->nr_free_mt[mt])
			return mt;
	}
	return -1;
}

/*
 * Retype the pageblock around @pfn to @mt and move its free blocks to
 * @mt's lists.  Returns the number of free pages moved.
 */
static unsigned long move_freepages_block(struct zone *zone,
					  unsigned long pfn, int mt)
{
	unsigned long start = ALIGN_DOWN(pfn, pageblock_nr_pages);
	unsigned long end = start + pageblock_nr_pages, moved = 0;
	int old = get_pfnblock_migratetype(start);

	for (pfn = start; pfn < end;) {
		struct page *page = pfn_to_page(pfn);

		if (PageBuddy(page)) {
			unsigned int o = (unsigned int)page->private;

			move_to_free_list(zone, page, o, old, mt);
			moved += 1UL << o;
			pfn += 1UL << o;
		} else {
			pfn++;
		}
	}
	set_pageblock_migratetype(start, mt);
	return moved;
}

static unsigned long free_pages_in_block(unsigned long pfn)
{
	unsigned long start = ALIGN_DOWN(pfn, pageblock_nr_pages);
	unsigned long end = start + pageblock_nr_pages, nr = 0;

	for (pfn = start; pfn < end;) {
		struct page *page = pfn_to_page(pfn);

		if (PageBuddy(page)) {
			nr += 1UL << page->private;
			pfn += 1UL << page->private;
		} else {
			pfn++;
		}
	}
	return nr;
}

/*
 * No block of @start_mt: take one of another type.  Largest first, so a
 * whole pageblock can be claimed; a movable request that may not claim
 * takes the smallest instead (as the kernel's __rmqueue_fallback).
 */
static struct page *__rmqueue_fallback(struct zone *zone, unsigned int order,
				       int start_mt)
{
	unsigned int cur;
	struct page *page;
	unsigned long pfn;
	int mt = -1;

	for (cur = MAX_PAGE_ORDER + 1; cur-- > order;) {
		mt = find_suitable_fallback(zone, cur, start_mt);
		if (mt < 0)
			continue;
		if (!can_steal_fallback(cur, start_mt) &&
		    start_mt == MIGRATE_MOVABLE && cur > order) {
			for (cur = order; cur < NR_PAGE_ORDERS; cur++) {
				mt = find_suitable_fallback(zone, cur,
							    start_mt);
				if (mt >= 0)
					break;
			}
		}
		break;
	}
	if (mt < 0)
		return NULL;
	buddy_stat(BUDDY_FALLBACK);
	page = list_first_entry(&zone->free_area[cur].free_list[mt],
				struct page, lru);
	pfn = page_to_pfn(page);
	if (cur >= pageblock_order) {
		/* whole pageblocks: retype them all */
		del_from_free_list(zone, page, cur, mt);
		if (cur == MAX_PAGE_ORDER)
			buddy_ensure_block_ready(pfn);
		set_pageblock_range(pfn, cur, start_mt);
		expand(zone, pfn, order, cur, start_mt);
		buddy_stat(BUDDY_STEAL);
		return page;
	}
	if (can_steal_fallback(cur, start_mt) &&
	    free_pages_in_block(pfn) >= pageblock_nr_pages / 2) {
		move_freepages_block(zone, pfn, start_mt);
		buddy_stat(BUDDY_STEAL);
		return __rmqueue_smallest(zone, order, start_mt);
	}
	/* one block; what is left of it stays with its own type */
	return take_block(zone, page, cur, order, mt);
}

struct page *__rmqueue(struct zone *zone, unsigned int order, int mt)
{
	struct page *page = __rmqueue_smallest(zone, order, mt);

	if (unlikely(!page))
		page = __rmqueue_fallback(zone, order, mt);
	return page;
}

/*
 * A block goes to the tail of its list when its parent's buddy is free:
 * it is then less likely to be split again before it can merge.
 */
static bool buddy_merge_likely(unsigned long pfn, unsigned int order)
{
	unsigned long higher, higher_buddy;
	const struct page *page;

	if (order >= MAX_PAGE_ORDER - 1)
		return false;
	higher = pfn & ~(1UL << order);
	higher_buddy = higher ^ (2UL << order);
	page = pfn_to_page(higher_buddy);
	return PageBuddy(page) && page->private == order + 1;
}

/*
 * Free a block into the buddy lists, merging upward:
 *	buddy_pfn = pfn ^ (1 << order); merged block starts at pfn & buddy_pfn
 */
void __free_one_page(struct zone *zone, unsigned long pfn, unsigned int order,
		     int mt)
{
	BUDDY_BUG_ON(!IS_ALIGNED(pfn, 1UL << order));
	BUDDY_BUG_ON(pfn < zone->zone_start_pfn ||
		     pfn + (1UL << order) > zone_end_pfn(zone));
	BUDDY_BUG_ON(PageBuddy(pfn_to_page(pfn)));
	while (order < MAX_PAGE_ORDER) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = pfn_to_page(buddy_pfn);
		int buddy_mt;

		if (buddy_pfn < zone->zone_start_pfn ||
		    buddy_pfn >= zone_end_pfn(zone))
			break;
		if (!PageBuddy(buddy) || buddy->private != order)
			break;
		buddy_mt = get_pfnblock_migratetype(buddy_pfn);
		del_from_free_list(zone, buddy, order, buddy_mt);
		if (unlikely(buddy_mt != mt))	/* only above pageblock_order */
			set_pageblock_range(buddy_pfn, order, mt);
		pfn &= buddy_pfn;
		order++;
		buddy_stat(BUDDY_MERGE);
	}
	add_to_free_list(zone, pfn, order, mt, buddy_merge_likely(pfn, order));
}

/* --- watermarks ------------------------------------------------------- */

bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags)
{
	long min = (long)mark;
	long free_pages = (long)zone_free_pages(z);

	/* pages that cannot serve this request */
	free_pages -= (1L << order) - 1;
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++) {
		const struct free_area *area = &z->free_area[o];

		if (!counter_read(&area->nr_free))
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (counter_read(&area->nr_free_mt[mt]))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    counter_read(&area->nr_free_mt[MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}

unsigned int gfp_to_alloc_flags(gfp_t gfp)
{
	unsigned int flags = ALLOC_WMARK_MIN;

	if (gfp & __GFP_HIGH)
		flags |= ALLOC_MIN_RESERVE;
	if (!(gfp & __GFP_DIRECT_RECLAIM) && !(gfp & __GFP_NOMEMALLOC))
		flags |= ALLOC_NON_BLOCK;
	if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC))
		flags |= ALLOC_NO_WATERMARKS;
	return flags;
}

/* --- debugging -------------------------------------------------------- */

void buddy_bug(const char *what, const char *file, int line)
{
	fprintf(stderr, "kmm: BUG at %s:%d: %s\n", file, line, what);
	abort();
}

/*
 * Debug level 3: the whole invariant checker after every allocation and
 * free.  O(pages), and only with one CPU (it reads every CPU's lists).
 */
static inline void buddy_debug_check(void)
{
	if (KMM_DEBUG >= 3 && kmm_nr_cpus() == 1 && buddy_check(stderr))
		buddy_bug("buddy_check() failed", __FILE__, __LINE__);
}

/* --- allocation ------------------------------------------------------- */

static void prep_compound_page(struct page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;

	SetPageHead(page);
	for (unsigned long i = 1; i < nr; i++)
		page[i].compound_head = (unsigned long)page | 1;
	page[1].compound_order = (unsigned char)order;
}

static __always_inline void prep_new_page(struct page *page,
					  unsigned int order, gfp_t gfp,
					  int cpu)
{
	unsigned long pfn = page_to_pfn(page);

	set_page_count(page, 1);
	buddy_alloc_order[pfn] = (uint8_t)(order + 1);
	if (unlikely(gfp & (__GFP_COMP | __GFP_ZERO))) {
		if (order && (gfp & __GFP_COMP))
			prep_compound_page(page, order);
		if (gfp & __GFP_ZERO)
			memset(kmm_frame_address(page), 0, PAGE_SIZE << order);
	}
	buddy_account_pages(cpu, 1L << order);
	buddy_cpu_stat(cpu, BUDDY_ALLOC, 1);
}

static struct page *rmqueue(struct zone *zone, unsigned int order, int mt)
{
	struct page *page;

	if (likely(pcp_allowed_order(order)))
		return rmqueue_pcplist(zone, order, mt);
	zone_lock(zone);
	page = __rmqueue(zone, order, mt);
	zone_unlock(zone);
	return page;
}

static struct page *get_page_from_freelist(gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags, int hz)
{
	int mt = gfp_migratetype(gfp);
	const int *zl = kmm_zonelist[hz];

	for (; *zl >= 0; zl++) {
		struct zone *zone = &kmm_zones[*zl];
		struct page *page;

		if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
			unsigned long mark =
				zone->_watermark[alloc_flags & ALLOC_WMARK_MASK];

			if (!zone_watermark_ok(zone, order, mark, hz,
					       alloc_flags))
				continue;
		}
		page = rmqueue(zone, order, mt);
		if (page) {
			if (zl != kmm_zonelist[hz])
				buddy_stat(BUDDY_ZONE_FALLBACK);
			prep_new_page(page, order, gfp, smp_processor_id());
			return page;
		}
	}
	return NULL;
}

static unsigned long warn_alloc_count, misuse_warned;

static __cold void warn_alloc(gfp_t gfp, unsigned int order)
{
	char buf[512];
	unsigned long n = __atomic_fetch_add(&warn_alloc_count, 1,
					     __ATOMIC_RELAXED);

	if (n >= WARN_ALLOC_LIMIT)
		return;
	gfp_format(gfp, buf, sizeof(buf));
	fprintf(stderr, "kmm: page allocation failure: order:%u, mode:%#x(%s)%s\n",
		order, gfp, buf,
		n + 1 == WARN_ALLOC_LIMIT ? " (further failures not shown)" : "");
}

static __cold struct page *__alloc_pages_slowpath(gfp_t gfp,
						  unsigned int order, int hz)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp);
	struct page *page;

	buddy_stat(BUDDY_SLOWPATH);
	page = get_page_from_freelist(gfp, order, alloc_flags, hz);
	if (page)
		return page;
	/* what the kernel does after reclaim fails: give back pcp pages */
	drain_local_pages();
	page = get_page_from_freelist(gfp, order, alloc_flags, hz);
	if (!page && (gfp & __GFP_NOFAIL))
		page = get_page_from_freelist(gfp, order, ALLOC_NO_WATERMARKS,
					      hz);
	if (page)
		return page;
	buddy_stat(BUDDY_ALLOC_FAIL);
	if (!(gfp & __GFP_NOWARN))
		warn_alloc(gfp, order);
	return NULL;
}

/* Everything but a pcp hit: bad arguments, refills, other zones, failure. */
static __noinline struct page *__alloc_pages(gfp_t gfp, unsigned int order,
					     int hz)
{
	struct page *page;

	if (unlikely(order > MAX_PAGE_ORDER)) {
		if (!(gfp & __GFP_NOWARN))
			buddy_misuse(MISUSE_BAD_ORDER, NULL, 0, order,
				     "order above MAX_PAGE_ORDER");
		else
			buddy_cpu_add(&buddy_cpu_stats[smp_processor_id()]
				      .misuse[MISUSE_BAD_ORDER], 1);
		return NULL;
	}
	if (unlikely(hz < 0)) {
		buddy_misuse(MISUSE_BAD_GFP, NULL, gfp, order,
			     "invalid zone modifiers in gfp mask");
		return NULL;
	}
	page = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW, hz);
	if (unlikely(!page))
		page = __alloc_pages_slowpath(gfp, order, hz);
	buddy_debug_check();
	return page;
}

/*
 * The fast path: the preferred zone is above its low watermark and this
 * CPU's list for (migratetype, order) has a block - what
 * get_page_from_freelist() would do, without its loop.
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	int hz = kmm_gfp_zone_table[gfp & GFP_ZONEMASK];

	if (likely(hz >= 0 && order <= PAGE_ALLOC_COSTLY_ORDER &&
		   KMM_DEBUG < 3)) {
		int cpu = smp_processor_id();
		struct zone *zone = kmm_preferred_zone[hz];
		struct per_cpu_pages *pcp = &zone->pcp[cpu];
		struct list_head *list =
			&pcp->lists[order_to_pindex(gfp_migratetype(gfp), order)];

		if (likely(!list_empty(list)) &&
		    likely(order ? zone_watermark_ok(zone, order,
						     low_wmark_pages(zone), hz,
						     ALLOC_WMARK_LOW) :
			   (long)zone_free_pages(zone) >
			   (long)low_wmark_pages(zone) +
			   zone->lowmem_reserve[hz])) {
			struct page *page =
				list_first_entry(list, struct page, lru);

			list_del(&page->lru);
			pcp_set_count(pcp, pcp->count - (1 << order));
			buddy_cpu_stat(cpu, BUDDY_PCP_HIT, 1);
			prep_new_page(page, order, gfp, cpu);
			return page;
		}
	}
	return __alloc_pages(gfp, order, hz);
}

/*
 * alloc_pages_bulk() - the kernel's bulk allocator for order-0 pages.
 * Entries already set are skipped (and counted).  The preferred zone must
 * stay above its low watermark with all the missing pages taken (checked
 * once); the pages then come off this CPU's pcp list for the migratetype,
 * which rmqueue_pcplist() refills a batch at a time under one zone lock.
 * One missing page, a zone below the mark, or no page at all from the pcp
 * path: a single alloc_pages() (other zones, the slow path, the warning).
 */
unsigned long alloc_pages_bulk(gfp_t gfp, unsigned long nr_pages,
			       struct page **page_array)
{
	int hz = kmm_gfp_zone_table[gfp & GFP_ZONEMASK];
	unsigned long nr_populated = 0, nr_account = 0;
	struct zone *zone;
	struct page *page;
	int cpu, mt;

	while (nr_populated < nr_pages && page_array[nr_populated])
		nr_populated++;
	if (nr_populated == nr_pages)
		return nr_populated;
	if (nr_pages - nr_populated == 1 || hz < 0)
		goto single;
	zone = kmm_preferred_zone[hz];
	if (!zone_watermark_ok(zone, 0, low_wmark_pages(zone) +
			       (nr_pages - nr_populated), hz, ALLOC_WMARK_LOW))
		goto single;
	cpu = smp_processor_id();
	mt = gfp_migratetype(gfp);
	for (; nr_populated < nr_pages; nr_populated++) {
		if (page_array[nr_populated])
			continue;
		page = rmqueue_pcplist(zone, 0, mt);
		if (unlikely(!page))
			break;
		prep_new_page(page, 0, gfp, cpu);
		page_array[nr_populated] = page;
		nr_account++;
	}
	if (nr_account) {
		buddy_debug_check();
		return nr_populated;
	}
single:
	page = alloc_pages(gfp, 0);
	if (page)
		page_array[nr_populated++] = page;
	return nr_populated;
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return alloc_pages(gfp, order);		/* one node */
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp & ~__GFP_HIGHMEM, order);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

/* --- freeing ---------------------------------------------------------- */

static const char *const misuse_names[NR_BUDDY_MISUSE] = {
	[MISUSE_DOUBLE_FREE] = "double_free",
	[MISUSE_WRONG_ORDER] = "wrong_order",
	[MISUSE_NOT_PAGE_START] = "not_page_start",
	[MISUSE_BAD_ADDRESS] = "bad_address",
	[MISUSE_BAD_GFP] = "bad_gfp",
	[MISUSE_BAD_ORDER] = "bad_order",
};

const char *buddy_misuse_name(int item)
{
	return item >= 0 && item < NR_BUDDY_MISUSE ? misuse_names[item] : "?";
}

void buddy_misuse(enum buddy_misuse what, const struct page *page,
		  unsigned long pfn, unsigned int order, const char *why)
{
	unsigned long n;

	buddy_cpu_add(&buddy_cpu_stats[smp_processor_id()].misuse[what], 1);
	if (kmm_misuse_abort) {
		if (page)
			fprintf(stderr, "kmm: BUG: bad page free: pfn %#lx "
				"order %u: %s (refcount %d, flags %#lx)\n",
				pfn, order, why, page->_refcount,
				page->flags & ((1UL << __NR_PAGEFLAGS) - 1));
		else
			fprintf(stderr, "kmm: BUG: %s: %#lx order %u\n", why,
				pfn, order);
		abort();
	}
	n = __atomic_fetch_add(&misuse_warned, 1, __ATOMIC_RELAXED);
	if (n < WARN_ALLOC_LIMIT)
		fprintf(stderr, "kmm: %s (%s %#lx order %u)%s\n", why,
			page ? "pfn" : "value", pfn, order, n + 1 == WARN_ALLOC_LIMIT ?
			"; further misuse is counted, not shown" : "");
}

/* Is @pfn inside an allocated block it does not start?  (Cold.) */
static bool pfn_inside_allocated_block(unsigned long pfn)
{
	for (unsigned int o = 1; o < NR_PAGE_ORDERS; o++) {
		unsigned long head = pfn & ~((1UL << o) - 1);

		if (head != pfn && buddy_alloc_order[head] > o)
			return true;
	}
	return false;
}

static __cold void bad_free(struct page *page, unsigned long pfn,
			    unsigned int order)
{
	unsigned int have = buddy_alloc_order[pfn];
	char why[96];

	if (have) {
		snprintf(why, sizeof(why),
			 "freed with order %u, allocated with order %u", order,
			 have - 1);
		buddy_misuse(MISUSE_WRONG_ORDER, page, pfn, order, why);
	} else if (PageTail(page) || pfn_inside_allocated_block(pfn)) {
		buddy_misuse(MISUSE_NOT_PAGE_START, page, pfn, order,
			     "not the first page of an allocated block");
	} else {
		buddy_misuse(MISUSE_DOUBLE_FREE, page, pfn, order,
			     "page is already free");
	}
}

/*
 * Drop a reference; true when it was the last.  The owner of the only
 * reference is the only one who may touch the count, so a count of 1 needs
 * no atomic read-modify-write (the common case, and a locked instruction
 * saved on every free).
 */
static inline bool put_page_testzero(struct page *page)
{
	if (likely(__atomic_load_n(&page->_refcount, __ATOMIC_RELAXED) == 1)) {
		__atomic_store_n(&page->_refcount, 0, __ATOMIC_RELEASE);
		return true;
	}
	return page_ref_dec_and_test(page);
}

static __noinline void destroy_compound_page(struct page *page,
					   unsigned int order)
{
	for (unsigned long i = 1; i < (1UL << order); i++)
		page[i].compound_head = 0;
	page[1].compound_order = 0;
}

static __noinline void free_one_page(struct zone *zone, unsigned long pfn,
				     unsigned int order, int mt)
{
	zone_lock(zone);
	__free_one_page(zone, pfn, order, mt);
	zone_unlock(zone);
}

/* Whatever the user left in the page (slab, page table...) is gone. */
static __always_inline void reset_freed_page(struct page *page,
					     unsigned long flags,
					     unsigned int order, int cpu)
{
	__atomic_store_n(&page->flags, flags &
			 (~((1UL << __NR_PAGEFLAGS) - 1) | (1UL << PG_highmem)),
			 __ATOMIC_RELAXED);
	page->_mapcount = -1;
	page->mapping = NULL;
	page->index = 0;
	page->private = 0;
	buddy_account_pages(cpu, -(1L << order));
	buddy_cpu_stat(cpu, BUDDY_FREE, 1);
}

static __always_inline void free_the_page(struct page *page,
					  unsigned long pfn,
					  unsigned int order)
{
	struct zone *zone = page_zone(page);
	unsigned long flags = page->flags;
	int cpu = smp_processor_id();
	int mt;

	buddy_alloc_order[pfn] = 0;
	if (unlikely(flags & (1UL << PG_head)))
		destroy_compound_page(page, order);
	reset_freed_page(page, flags, order, cpu);
	mt = get_pfnblock_migratetype(pfn);
	if (likely(pcp_allowed_order(order) && mt < MIGRATE_PCPTYPES)) {
		struct per_cpu_pages *pcp = &zone->pcp[cpu];
		int count = pcp->count + (1 << order);

		list_add(&page->lru, &pcp->lists[order_to_pindex(mt, order)]);
		pcp_set_count(pcp, count);
		if (unlikely(count >= pcp->high))
			free_pcppages_bulk(zone, pcp->batch, pcp);
		return;
	}
	free_one_page(zone, pfn, order, mt);
}

/* Everything but a plain free to this CPU's pcp list: misuse, shared
 * pages, compound pages, other migratetypes, a list reaching high. */
static __noinline void __free_pages_slow(struct page *page,
					 unsigned int order)
{
	unsigned long pfn = (unsigned long)(page - mem_map);

	if (unlikely(pfn >= max_pfn || page < mem_map)) {
		buddy_misuse(MISUSE_BAD_ADDRESS, NULL, (unsigned long)page,
			     order, "not a page of the simulated memory");
		return;
	}
	if (unlikely(buddy_alloc_order[pfn] != order + 1)) {
		bad_free(page, pfn, order);
		return;
	}
	if (put_page_testzero(page))
		free_the_page(page, pfn, order);
	buddy_debug_check();
}

/*
 * The fast path: every test first, then the changes, so that any unusual
 * case is a tail call to __free_pages_slow() with nothing changed yet and
 * this function needs no saved registers.  What it does is what
 * free_the_page() does for an order-0 .. 3 (or 9) page of the only
 * reference, going onto this CPU's list below high.
 */
void __free_pages(struct page *page, unsigned int order)
{
	unsigned long pfn = (unsigned long)(page - mem_map);
	struct per_cpu_pages *pcp;
	unsigned long flags;
	int cpu, mt, count;

	if (KMM_DEBUG >= 3 || unlikely(pfn >= max_pfn || page < mem_map ||
				       buddy_alloc_order[pfn] != order + 1 ||
				       !pcp_allowed_order(order)))
		goto slow;
	flags = page->flags;
	if (unlikely(__atomic_load_n(&page->_refcount, __ATOMIC_RELAXED) != 1 ||
		     (flags & (1UL << PG_head))))
		goto slow;
	mt = get_pfnblock_migratetype(pfn);
	cpu = smp_processor_id();
	pcp = &page_zone(page)->pcp[cpu];
	count = pcp->count + (1 << order);
	if (unlikely(mt >= MIGRATE_PCPTYPES || count >= pcp->high))
		goto slow;
	__atomic_store_n(&page->_refcount, 0, __ATOMIC_RELEASE);
	buddy_alloc_order[pfn] = 0;
	reset_freed_page(page, flags, order, cpu);
	list_add(&page->lru, &pcp->lists[order_to_pindex(mt, order)]);
	pcp_set_count(pcp, count);
	return;
slow:
	__free_pages_slow(page, order);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (!addr)
		return;
	if (unlikely(!virt_addr_valid((void *)addr) ||
		     !IS_ALIGNED(addr, PAGE_SIZE))) {
		buddy_misuse(MISUSE_BAD_ADDRESS, NULL, addr, order,
			     "not a page address of the direct map");
		return;
	}
	__free_pages(virt_to_page((void *)addr), order);
}

void put_page(struct page *page)
{
	struct page *head = compound_head(page);
	unsigned long pfn = (unsigned long)(head - mem_map);
	unsigned int have;

	if (unlikely(pfn >= max_pfn || head < mem_map)) {
		buddy_misuse(MISUSE_BAD_ADDRESS, NULL, (unsigned long)page, 0,
			     "not a page of the simulated memory");
		return;
	}
	have = buddy_alloc_order[pfn];
	if (unlikely(!have)) {
		bad_free(head, pfn, 0);
		return;
	}
	if (put_page_testzero(head))
		free_the_page(head, pfn, have - 1);
}

/* --- statistics ------------------------------------------------------- */

static const char *const stat_names[NR_BUDDY_STATS] = {
	[BUDDY_ALLOC] = "alloc",
	[BUDDY_ALLOC_FAIL] = "alloc_fail",
	[BUDDY_FREE] = "free",
	[BUDDY_PCP_HIT] = "pcp_hit",
	[BUDDY_PCP_REFILL] = "pcp_refill",
	[BUDDY_PCP_DRAIN] = "pcp_drain",
	[BUDDY_SPLIT] = "split",
	[BUDDY_MERGE] = "merge",
	[BUDDY_FALLBACK] = "fallback",
	[BUDDY_STEAL] = "steal",
	[BUDDY_ZONE_FALLBACK] = "zone_fallback",
	[BUDDY_SLOWPATH] = "slowpath",
};

const char *buddy_stat_name(int item)
{
	return item >= 0 && item < NR_BUDDY_STATS ? stat_names[item] : "?";
}

void buddy_get_stats(struct buddy_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int cpu = 0; cpu < KMM_MAX_CPUS; cpu++) {
		const struct buddy_cpu_stats *s = &buddy_cpu_stats[cpu];

		for (int i = 0; i < NR_BUDDY_STATS; i++)
			out->stat[i] += __atomic_load_n(&s->stat[i],
							__ATOMIC_RELAXED);
		for (int i = 0; i < NR_BUDDY_MISUSE; i++)
			out->misuse[i] += __atomic_load_n(&s->misuse[i],
							  __ATOMIC_RELAXED);
		out->pages_allocated += __atomic_load_n(&s->pages_allocated,
							__ATOMIC_RELAXED);
	}
}

void buddy_reset_stats(void)
{
	for (int cpu = 0; cpu < KMM_MAX_CPUS; cpu++) {
		struct buddy_cpu_stats *s = &buddy_cpu_stats[cpu];

		memset(s->stat, 0, sizeof(s->stat));
		memset(s->misuse, 0, sizeof(s->misuse));
	}
	warn_alloc_count = 0;
	misuse_warned = 0;
}

long buddy_pages_allocated(void)
{
	long sum = 0;

	for (int cpu = 0; cpu < KMM_MAX_CPUS; cpu++)
		sum += __atomic_load_n(&buddy_cpu_stats[cpu].pages_allocated,
				       __ATOMIC_RELAXED);
	return sum;
}

unsigned long buddy_total_free_pages(void)
{
	unsigned long sum = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		sum += zone_free_pages(zone) + pcp_total_pages(zone);
	return sum;
}
