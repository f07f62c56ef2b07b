/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/kmm.h - the simulated machine: set-up and tear-down, and the page
 * allocator's statistics, misuse counts and footprint.
 *
 *	struct kmm_config cfg = { .mem_bytes = 256 << 20, .nr_cpus = 2 };
 *	kmm_mem_init(&cfg);	// or kmm_mem_init(NULL): 1 GiB, 64-bit
 *	struct page *p = alloc_pages(GFP_KERNEL, 3);
 *	...
 *	kmm_mem_exit();		// then a fresh machine may be set up
 */
#ifndef KMM_KMM_H
#define KMM_KMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "gfp.h"
#include "mmzone.h"
#include "page.h"

enum kmm_layout {
	KMM_LAYOUT_64BIT,	/* DMA < 16 MiB, DMA32 < 4 GiB, Normal */
	KMM_LAYOUT_32BIT,	/* DMA < 16 MiB, Normal < 896 MiB, HighMem */
};

struct kmm_config {
	uint64_t mem_bytes;		/* 0: 1 GiB; rounded down to 4 MiB */
	int nr_cpus;			/* 0: keep kmm_nr_cpus() */
	enum kmm_layout layout;
	/*
	 * Bytes of physical memory to make present at set-up, as a kernel's
	 * direct map is (0: none; >= mem_bytes: all): the max-order blocks
	 * the page allocator will hand out first (each zone's free list from
	 * its head, the highest zone first) are populated in the host
	 * (MADV_POPULATE_WRITE, or a write to every page where the host
	 * lacks it).  Any non-zero value also populates mem_map and sets up
	 * every struct page now instead of on first use.  A frame that is
	 * not present costs a host page fault of several microseconds inside
	 * the allocation that first touches it; populating costs about as
	 * much per page at set-up.
	 */
	uint64_t prefault_bytes;
};

#define KMM_DEFAULT_MEM_BYTES	(1ULL << 30)

/*
 * Set up physical memory, mem_map, zones, watermarks and per-CPU lists.
 * Returns 0 or -errno (-EBUSY when already set up, -EINVAL for a bad
 * config, -ENOMEM when the host refuses the mappings).
 */
int kmm_mem_init(const struct kmm_config *cfg);
void kmm_mem_exit(void);
bool kmm_mem_ready(void);
const struct kmm_config *kmm_mem_config(void);

/* Statistics (counted when KMM_STATS is 1), summed over CPUs. */
enum buddy_stat_item {
	BUDDY_ALLOC,		/* alloc_pages() calls that succeeded */
	BUDDY_ALLOC_FAIL,	/* ... that returned NULL */
	BUDDY_FREE,		/* blocks given back (pcp or buddy) */
	BUDDY_PCP_HIT,		/* allocations served by a pcp list */
	BUDDY_PCP_REFILL,	/* pcp lists refilled from the zone */
	BUDDY_PCP_DRAIN,	/* pcp lists drained to the zone */
	BUDDY_SPLIT,		/* blocks split by expand() */
	BUDDY_MERGE,		/* buddy merges on free */
	BUDDY_FALLBACK,		/* allocations from another migratetype */
	BUDDY_STEAL,		/* pageblocks claimed for another type */
	BUDDY_ZONE_FALLBACK,	/* allocations from a lower zone */
	BUDDY_SLOWPATH,		/* allocations that needed the min watermark */
	NR_BUDDY_STATS
};

/* Misuse, always counted (the replay engine reports it). */
enum buddy_misuse {
	MISUSE_DOUBLE_FREE,	/* freeing a page that is free */
	MISUSE_WRONG_ORDER,	/* freeing with another order than allocated */
	MISUSE_NOT_PAGE_START,	/* not the first page of an allocated block */
	MISUSE_BAD_ADDRESS,	/* not a page of the simulated memory */
	MISUSE_BAD_GFP,		/* invalid zone modifier combination */
	MISUSE_BAD_ORDER,	/* order above MAX_PAGE_ORDER */
	NR_BUDDY_MISUSE
};

struct buddy_stats {
	unsigned long stat[NR_BUDDY_STATS];
	unsigned long misuse[NR_BUDDY_MISUSE];
	long pages_allocated;	/* footprint: pages handed out right now */
};

void buddy_get_stats(struct buddy_stats *out);
void buddy_reset_stats(void);
const char *buddy_stat_name(int item);
const char *buddy_misuse_name(int item);

/* Pages allocated right now (footprint), summed over CPUs. */
long buddy_pages_allocated(void);

/*
 * On misuse: true (default when KMM_DEBUG >= 1) reports which page and why
 * on stderr and aborts; false counts it, warns once and ignores the call.
 */
extern bool kmm_misuse_abort;

/*
 * Check every invariant of the buddy allocator (see page_alloc.c); call it
 * with no allocation running.  Returns 0, or the number of problems found,
 * each described on @fp when it is not NULL.
 */
int buddy_check(FILE *fp);

/* Total free pages: buddy lists plus pcp lists, over all zones. */
unsigned long buddy_total_free_pages(void);

/* /proc-format output of the current machine (vmstat.c). */
void kmm_print_buddyinfo(FILE *fp);
void kmm_print_pagetypeinfo(FILE *fp);
void kmm_print_unusable_index(FILE *fp);
void kmm_print_extfrag_index(FILE *fp);

#endif /* KMM_KMM_H */
