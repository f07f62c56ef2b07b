/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/mmzone.h - zones, free areas, per-CPU page lists and watermarks of the
 * simulated machine (one node, node 0), as include/linux/mmzone.h.
 *
 * Abbreviations: mt = migratetype, pcp = per-CPU pages, wmark = watermark,
 * nr_free = free blocks of an order (not pages).
 */
#ifndef KMM_MMZONE_H
#define KMM_MMZONE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "cpu.h"
#include "gfp.h"
#include "list.h"
#include "page.h"

enum zone_type {
	ZONE_DMA,	/* below 16 MiB */
	ZONE_DMA32,	/* below 4 GiB (64-bit layout only) */
	ZONE_NORMAL,
	ZONE_HIGHMEM,	/* above 896 MiB (32-bit layout only) */
	MAX_NR_ZONES
};

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	NR_WMARK
};

/*
 * Per-CPU page lists: one list per (pcp migratetype, order <= 3), and two
 * for pageblock-order (THP) pages: non-movable and movable.
 */
#define NR_LOWORDER_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_THP		2
#define NR_PCP_LISTS		(NR_LOWORDER_PCP_LISTS + NR_PCP_THP)

struct per_cpu_pages {
	int count;		/* pages on the lists */
	int high;		/* free down to high - batch above this */
	int batch;		/* pages moved per refill or drain */
	int _pad;
	struct list_head lists[NR_PCP_LISTS];
} ____cacheline_aligned;

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;			/* blocks, all types */
	unsigned long nr_free_mt[MIGRATE_TYPES];	/* blocks per type */
};

struct zone {
	/* read-mostly */
	unsigned long _watermark[NR_WMARK];
	long lowmem_reserve[MAX_NR_ZONES];
	struct per_cpu_pages *pcp;		/* [KMM_MAX_CPUS] */
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long managed_pages;
	const char *name;
	int idx;				/* enum zone_type */

	pthread_mutex_t lock ____cacheline_aligned;
	long free_pages;	/* NR_FREE_PAGES: in the buddy lists only */
	struct free_area free_area[NR_PAGE_ORDERS];
};

extern struct zone kmm_zones[MAX_NR_ZONES];

static inline bool populated_zone(const struct zone *zone)
{
	return zone->managed_pages != 0;
}

static inline struct zone *page_zone(const struct page *page)
{
	return &kmm_zones[page_zonenum(page)];
}

static inline unsigned long zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

static inline unsigned long min_wmark_pages(const struct zone *z)
{
	return z->_watermark[WMARK_MIN];
}

static inline unsigned long low_wmark_pages(const struct zone *z)
{
	return z->_watermark[WMARK_LOW];
}

static inline unsigned long high_wmark_pages(const struct zone *z)
{
	return z->_watermark[WMARK_HIGH];
}

/* NR_FREE_PAGES of @zone (buddy lists; pages on pcp lists count as used). */
static inline unsigned long zone_free_pages(const struct zone *zone)
{
	long v = __atomic_load_n(&zone->free_pages, __ATOMIC_RELAXED);

	return v < 0 ? 0 : (unsigned long)v;
}

#define for_each_populated_zone(zone)					\
	for ((zone) = kmm_zones; (zone) < kmm_zones + MAX_NR_ZONES; (zone)++) \
		if (!populated_zone(zone)) {} else

/* The zone a gfp mask allocates from first (gfp_zone()); -1 if invalid. */
int gfp_zone(gfp_t gfp);

/* Migratetype of the pageblock holding @pfn. */
int get_pfnblock_migratetype(unsigned long pfn);

/*
 * Watermark check as the kernel's __zone_watermark_ok(): would @zone still
 * be above @mark (plus lowmem_reserve for @highest_zoneidx) after taking a
 * block of @order, with the reserves @alloc_flags allow?
 */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08
#define ALLOC_NON_BLOCK		0x10
#define ALLOC_MIN_RESERVE	0x20	/* __GFP_HIGH */
#define ALLOC_HIGHATOMIC	0x200
#define ALLOC_RESERVES	(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | \
			 ALLOC_HIGHATOMIC | ALLOC_OOM)

bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags);

/* The kernel's gfp_to_alloc_flags() for the slow path (WMARK_MIN + ...). */
unsigned int gfp_to_alloc_flags(gfp_t gfp);

/* Per-CPU list geometry the kernel would choose (zone_batchsize etc.). */
int zone_batchsize(unsigned long managed_pages);
int zone_highsize(unsigned long low_wmark, int batch, int nr_cpus);

/* Move every page on this CPU's (or every CPU's) pcp lists to the zones. */
void drain_local_pages(void);
void drain_all_pages(void);

/*
 * Fragmentation indices of mm/vmstat.c, in thousandths: unusable_index()
 * is 0..1000, fragmentation_index() is -1000 (a suitable block exists) or
 * 0..1000.  The _nr_free forms take nr_free[0..nr_orders-1] directly.
 */
int unusable_index(const struct zone *zone, unsigned int order);
int fragmentation_index(const struct zone *zone, unsigned int order);
int unusable_index_nr_free(const unsigned long *nr_free, int nr_orders,
			   unsigned int order);
int fragmentation_index_nr_free(const unsigned long *nr_free, int nr_orders,
				unsigned int order);

/*
 * One line of /sys/kernel/debug/extfrag/unusable_index (@extfrag false)
 * or extfrag_index (@extfrag true) for a zone with these free counts.
 */
void kmm_print_index_line(FILE *fp, int node, const char *zone_name,
			  const unsigned long *nr_free, int nr_orders,
			  bool extfrag);

#endif /* KMM_MMZONE_H */
