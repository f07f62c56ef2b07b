/* SPDX-License-Identifier: GPL-2.0 */
/*
 * buddy_internal.h - what page_alloc.c, pcp.c, zone.c, vmstat.c and
 * buddy_check.c share.  Not a public header.
 */
#ifndef KMM_BUDDY_INTERNAL_H
#define KMM_BUDDY_INTERNAL_H

#include <stdint.h>

#include "kmm/kmm.h"

/* libkmm is linked into executables only: the CPU id with the local-exec
 * TLS model, one instruction (as kmm/slab.h does for the slab fast paths) */
#if defined(__x86_64__) && !defined(KMM_SHARED_LIBRARY)
extern __thread int kmm_cpu_id __attribute__((tls_model("local-exec")));
#endif

/*
 * Shadow of allocations: alloc_order[pfn] = order + 1 for the first page of
 * every allocated block, 0 for every other page.  It is what catches frees
 * with a wrong order or of a page that does not start a block, whatever
 * the slab or page-table overlays did to struct page meanwhile.
 */
extern uint8_t *buddy_alloc_order;

/* Migratetype of each pageblock (pfn >> pageblock_order). */
extern uint8_t *buddy_pageblock_mt;

/*
 * Deferred struct page initialisation: a max-order block's pages are set
 * up when the block is first split or handed out (only its first page is
 * set up at boot), so a machine of tens of GiB costs host memory only for
 * what it uses.  buddy_block_ready[pfn >> MAX_PAGE_ORDER] says it was done.
 */
extern uint8_t *buddy_block_ready;

void buddy_init_block_pages(unsigned long pfn);

static inline void buddy_ensure_block_ready(unsigned long pfn)
{
	if (unlikely(!buddy_block_ready[pfn >> MAX_PAGE_ORDER]))
		buddy_init_block_pages(pfn & ~((1UL << MAX_PAGE_ORDER) - 1));
}

static inline void set_pageblock_migratetype(unsigned long pfn, int mt)
{
	buddy_pageblock_mt[pfn >> pageblock_order] = (uint8_t)mt;
}

/* Internal consistency checks at debug level 2 and above (VM_BUG_ON). */
#define BUDDY_BUG_ON(cond)						\
	do {								\
		if (KMM_DEBUG >= 2 && unlikely(cond))			\
			buddy_bug(#cond, __FILE__, __LINE__);		\
	} while (0)

__noreturn __cold void buddy_bug(const char *what, const char *file, int line);

/* Per-CPU statistics; only the owning CPU's thread writes its row. */
struct buddy_cpu_stats {
	unsigned long stat[NR_BUDDY_STATS];
	unsigned long misuse[NR_BUDDY_MISUSE];
	long pages_allocated;
} ____cacheline_aligned;

extern struct buddy_cpu_stats buddy_cpu_stats[KMM_MAX_CPUS];

static inline void buddy_cpu_add(unsigned long *c, long v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
			 __ATOMIC_RELAXED);
}

/* Count @item on @cpu's row (compiled away when KMM_STATS is 0). */
#define buddy_cpu_stat(cpu, item, v)					\
	do {								\
		if (KMM_STATS)						\
			buddy_cpu_add(&buddy_cpu_stats[cpu].stat[item], (v)); \
	} while (0)
#define buddy_stat_add(item, v)	buddy_cpu_stat(smp_processor_id(), item, v)
#define buddy_stat(item)	buddy_stat_add(item, 1)

/* Footprint: pages handed out minus pages given back, per CPU. */
static inline void buddy_account_pages(int cpu, long nr)
{
	buddy_cpu_add((unsigned long *)&buddy_cpu_stats[cpu].pages_allocated,
		      nr);
}

/* Zone lock; free_pages changes only under it. */
static inline void zone_lock(struct zone *zone)
{
	pthread_mutex_lock(&zone->lock);
}

static inline void zone_unlock(struct zone *zone)
{
	pthread_mutex_unlock(&zone->lock);
}

static inline void zone_add_free(struct zone *zone, long nr)
{
	__atomic_store_n(&zone->free_pages, zone->free_pages + nr,
			 __ATOMIC_RELAXED);
}

/*
 * Free-area counters change under the zone lock but are read without it
 * (watermark checks, buddyinfo): relaxed atomics, no locked instruction.
 */
static inline void counter_add(unsigned long *c, long v)
{
	__atomic_store_n(c, *c + (unsigned long)v, __ATOMIC_RELAXED);
}

static inline unsigned long counter_read(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* pcp list index of (migratetype, order), as the kernel's order_to_pindex */
static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == pageblock_order;
}

static inline int order_to_pindex(int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE);
	return (int)(MIGRATE_PCPTYPES * order) + mt;
}

static inline unsigned int pindex_to_order(int pindex)
{
	if (pindex >= NR_LOWORDER_PCP_LISTS)
		return pageblock_order;
	return (unsigned int)(pindex / MIGRATE_PCPTYPES);
}

static inline void pcp_set_count(struct per_cpu_pages *pcp, int count)
{
	__atomic_store_n(&pcp->count, count, __ATOMIC_RELAXED);
}

/* page_alloc.c, zone lock held */
void __free_one_page(struct zone *zone, unsigned long pfn, unsigned int order,
		     int mt);
struct page *__rmqueue(struct zone *zone, unsigned int order, int mt);

/* pcp.c */
struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int mt);
void free_pcppages_bulk(struct zone *zone, int count,
			struct per_cpu_pages *pcp);
void pcp_drain_cpu(struct zone *zone, int cpu);
unsigned long pcp_total_pages(const struct zone *zone);

/* zone.c */
extern int kmm_zonelist[MAX_NR_ZONES][MAX_NR_ZONES + 1];
extern struct zone *kmm_preferred_zone[MAX_NR_ZONES];	/* zonelist's first */
extern signed char kmm_gfp_zone_table[GFP_ZONEMASK + 1];

/* page_alloc.c: report or count misuse of the API */
void buddy_misuse(enum buddy_misuse what, const struct page *page,
		  unsigned long pfn, unsigned int order, const char *why);

#endif /* KMM_BUDDY_INTERNAL_H */
