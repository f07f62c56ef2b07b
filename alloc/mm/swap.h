/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc/mm/swap.h - the anon LRU, the swap area and reclaim (swap.c), for
 * memory.c.  All under mm_big_lock.
 */
#ifndef KMM_MM_SWAP_H
#define KMM_MM_SWAP_H

#include "internal.h"

/* Put a new anon page on the inactive list / take it off its list. */
void lru_add(struct page *page);
void lru_del(struct page *page);

/* Swap slots: a PTE reference more / less; the slot is free at zero. */
void swap_duplicate(unsigned long slot);
void swap_free(unsigned long slot);
void swap_read_slot(unsigned long slot, void *to);
/* PTE references to @slot (swap entries naming it). */
unsigned int swap_count(unsigned long slot);
/*
 * Swap cache: a page read in from a slot that other swap entries still
 * name stays findable by the slot (holding a reference, PG_swapcache,
 * page->private = slot) until the slot is free, so every sharer maps the
 * same page again.
 */
struct page *swap_cache_lookup(unsigned long slot);
void swap_cache_add(unsigned long slot, struct page *page);
void swap_cache_hit(void);	/* count one */
void swap_exit(void);

/* Reclaim until @zone is above its high watermark (kswapd). */
void kswapd_balance(struct zone *zone);
/* After a failed allocation: reclaim a batch. */
void direct_reclaim(void);

#endif /* KMM_MM_SWAP_H */
