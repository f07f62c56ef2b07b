/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/highmem.h - temporary kernel mappings of high-memory pages.
 *
 * Abbreviations: pkmap the permanent kmap area (LAST_PKMAP page slots, each
 * with a use count); fixmap the per-CPU slots of kmap_atomic /
 * kmap_local_page (KM_MAX_IDX per CPU, used as a stack).
 *
 * On the 32-bit layout a page allocated with __GFP_HIGHMEM has no direct-map
 * address (page_address() == NULL); kmap() maps it into a pkmap slot, both in
 * the simulated page tables and in a host range reserved for the pkmap area,
 * so the returned pointer holds the frame's real bytes.  On the 64-bit
 * layout every page is direct-mapped and kmap() returns page_address().
 *
 * kmap() may sleep: when every slot is in use it blocks on a condition
 * variable until a kunmap() frees one.  Slots whose count dropped to zero
 * are only reused after a flush_all_zero_pkmaps() (one TLB flush of the
 * area), which kmap() runs when it wraps around, as the kernel does.
 *
 * kmap_atomic()/kmap_local_page() take the next fixmap slot of the calling
 * CPU; kunmap_atomic()/kunmap_local() must release the most recent one
 * (stack discipline).  Misuse (wrong order, unknown address, overflow) is
 * reported on stderr and aborts.
 */
#ifndef KMM_HIGHMEM_H
#define KMM_HIGHMEM_H

#include <stdio.h>

#include "compiler.h"
#include "page.h"

#define LAST_PKMAP	512	/* 1024 without PAE */
#define LAST_PKMAP_MASK	(LAST_PKMAP - 1)
#define KM_MAX_IDX	16	/* fixmap slots per CPU */

int kmm_highmem_init(void);
void kmm_highmem_exit(void);

void *kmap(struct page *page);
void kunmap(struct page *page);
/* Like kmap() but never sleeps: NULL when no slot is free */
void *kmap_high_get_nowait(struct page *page);

void *kmap_atomic(struct page *page);
void __kunmap_atomic(const void *addr);
#define kunmap_atomic(addr)	__kunmap_atomic(addr)
void *kmap_local_page(struct page *page);
void kunmap_local(const void *addr);

/* Copy helpers with the kernel's names */
void clear_highpage(struct page *page);
void copy_highpage(struct page *to, struct page *from);

/* The page mapped at a kmap/fixmap address, or NULL */
struct page *kmap_to_page(const void *addr);
/* Simulated VA of a pkmap/fixmap host address (0 if none) */
uint64_t kmm_kmap_kva(const void *addr);

enum highmem_stat_item {
	HIGHMEM_KMAP,		/* kmap() of a high page */
	HIGHMEM_KMAP_WAIT,	/* kmap() had to wait for a slot */
	HIGHMEM_FLUSH,		/* flush_all_zero_pkmaps() runs */
	HIGHMEM_KMAP_ATOMIC,	/* fixmap mappings */
	NR_HIGHMEM_STAT_ITEMS
};
void highmem_stats(uint64_t out[NR_HIGHMEM_STAT_ITEMS]);
/* Slots in use (count > 1 in the kernel's terms) */
unsigned int pkmap_nr_used(void);
/* kmap() callers asleep until a slot frees up (waitqueue_active) */
unsigned int pkmap_nr_waiting(void);
int highmem_check(FILE *fp);

#endif /* KMM_HIGHMEM_H */
