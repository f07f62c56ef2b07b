// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/swap.c - the anonymous-page LRU, a kswapd-like reclaimer and
 * the swap area.
 *
 * Lock order: mm_big_lock (held by every caller) -> pgtable locks -> zone
 * locks.  Reclaim runs inline in the thread that allocates, so it may
 * walk and change the page tables of any mm.
 *
 * LRU: new anon pages go to the head of the inactive list.  Reclaim scans
 * the inactive tail: a page whose PTEs have the accessed bit set gets a
 * second chance (the bits are cleared, the page goes to the active list);
 * one that is pinned (a fault is using it) or mlocked goes to the active
 * list; any other is written to a swap slot and every PTE mapping it (found
 * through its anon_vma) becomes a swap PTE, which frees the page.  When the
 * inactive list is smaller than the active one, active tails move to the
 * inactive head.
 *
 * Swap slot states: free (on the free stack, map == 0) -> in use (map ==
 * number of swap PTEs naming it; the contents are in data) -> free when
 * the last PTE is zapped or swapped in.  Slot 0 is never used.  A slot
 * that several PTEs name (fork) keeps the page the first swap-in read in
 * its swap cache entry until the slot is free; that page is read-only to
 * all (a write copies) and reclaim passes it by (its count is above its
 * map count).
 *
 * Invariants: nr_active/nr_inactive are the list lengths; every page on a
 * list is PG_lru, PG_anon and mapped; used slots + nr_free == nr - 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "swap.h"

static LIST_HEAD(lru_active);
static LIST_HEAD(lru_inactive);
static struct mm_reclaim_stats rstat;
static bool in_reclaim;

static struct {
	unsigned long nr;		/* slots, slot 0 unused */
	unsigned short *map;		/* swap PTEs per slot */
	char *data;			/* nr pages of contents */
	unsigned long *free;		/* stack of free slots */
	unsigned long nr_free;
	struct page **cache;		/* swap cache: slot -> page */
} swp;

/* ---- LRU ---- */

void lru_add(struct page *page)
{
	__SetPageLRU(page);
	list_add(&page->lru, &lru_inactive);
	rstat.nr_inactive++;
}

void lru_del(struct page *page)
{
	list_del(&page->lru);
	if (PageActive(page))
		rstat.nr_active--;
	else
		rstat.nr_inactive--;
	__ClearPageActive(page);
	__ClearPageLRU(page);
}

static void lru_activate(struct page *page)
{
	if (!PageActive(page)) {
		rstat.nr_inactive--;
		rstat.nr_active++;
		__SetPageActive(page);
	}
	list_move(&page->lru, &lru_active);
}

static void lru_deactivate(struct page *page)
{
	if (PageActive(page)) {
		rstat.nr_active--;
		rstat.nr_inactive++;
		__ClearPageActive(page);
	}
	list_move(&page->lru, &lru_inactive);
}

/* ---- swap area ---- */

static void swap_release(void)
{
	if (swp.data)
		munmap(swp.data, swp.nr * PAGE_SIZE);
	free(swp.map);
	free(swp.free);
	free(swp.cache);
	memset(&swp, 0, sizeof(swp));
}

static int __swap_init(unsigned long nr)
{
	if (swp.nr && swp.nr_free != swp.nr - 1)
		return -EBUSY;		/* slots in use */
	swap_release();
	if (!nr || nr > max_pfn)
		nr = max_pfn;
	if (nr < 2)
		return -EINVAL;
	swp.data = mmap(NULL, nr * PAGE_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	swp.map = calloc(nr, sizeof(*swp.map));
	swp.free = malloc(nr * sizeof(*swp.free));
	swp.cache = calloc(nr, sizeof(*swp.cache));
	if (swp.data == MAP_FAILED || !swp.map || !swp.free || !swp.cache) {
		if (swp.data == MAP_FAILED)
			swp.data = NULL;
		swap_release();
		return -ENOMEM;
	}
	swp.nr = nr;
	for (unsigned long s = nr - 1; s >= 1; s--)
		swp.free[swp.nr_free++] = s;
	return 0;
}

int mm_swap_init(unsigned long nr_slots)
{
	int ret;

	mm_lock_all();
	ret = __swap_init(nr_slots);
	mm_unlock_all();
	return ret;
}

void swap_exit(void)
{
	swap_release();
	INIT_LIST_HEAD(&lru_active);
	INIT_LIST_HEAD(&lru_inactive);
	memset(&rstat, 0, sizeof(rstat));
}

static unsigned long swap_alloc_slot(void)
{
	unsigned long slot;

	if (!swp.nr && __swap_init(0))
		return 0;
	if (!swp.nr_free)
		return 0;
	slot = swp.free[--swp.nr_free];
	swp.map[slot] = 1;		/* the allocation's own reference */
	return slot;
}

void swap_duplicate(unsigned long slot)
{
	swp.map[slot]++;
}

unsigned int swap_count(unsigned long slot)
{
	return swp.map[slot];
}

struct page *swap_cache_lookup(unsigned long slot)
{
	return swp.cache[slot];
}

void swap_cache_add(unsigned long slot, struct page *page)
{
	get_page(page);
	__SetPageSwapCache(page);
	page->private = slot;
	swp.cache[slot] = page;
}

void swap_cache_hit(void)
{
	rstat.swapcache_hits++;
}

static void swap_cache_del(unsigned long slot)
{
	struct page *page = swp.cache[slot];

	if (!page)
		return;
	swp.cache[slot] = NULL;
	__ClearPageSwapCache(page);
	page->private = 0;
	put_page(page);		/* frees it if no PTE maps it */
}

void swap_free(unsigned long slot)
{
	MM_BUG_ON(!slot || slot >= swp.nr || !swp.map[slot],
		  "swap slot %lu freed but not in use", slot);
	if (slot && slot < swp.nr && swp.map[slot] && --swp.map[slot] == 0) {
		swap_cache_del(slot);
		swp.free[swp.nr_free++] = slot;
	}
}

void swap_read_slot(unsigned long slot, void *to)
{
	memcpy(to, swp.data + slot * PAGE_SIZE, PAGE_SIZE);
	rstat.pswpin++;
}

/* ---- rmap walk ---- */

typedef bool (*rmap_one_fn)(struct page *page, struct vm_area_struct *vma,
			    unsigned long addr, pgtval_t entry, void *arg);

/* Call @fn for every PTE mapping anon @page until it returns false. */
static void rmap_walk(struct page *page, rmap_one_fn fn, void *arg)
{
	struct anon_vma *av = (struct anon_vma *)((unsigned long)page->mapping
						   & ~1UL);
	unsigned long pfn = page_to_pfn(page), index = page->index;
	struct vm_area_struct *vma, *tmp;

	list_for_each_entry_safe(vma, tmp, &av->vmas, anon_vma_node) {
		struct pgtable_walk w;
		unsigned long addr;

		if (index < vma->vm_pgoff ||
		    index >= vma->vm_pgoff + vma_pages(vma))
			continue;
		addr = vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
		if (pgtable_translate(&vma->vm_mm->pgt, addr, &w) ||
		    (w.entry & _PAGE_SWP) || w.pfn != pfn)
			continue;
		if (!fn(page, vma, addr, w.entry, arg))
			return;
	}
}

struct referenced_arg {
	int referenced;
	bool locked;
};

static bool referenced_one(struct page *page, struct vm_area_struct *vma,
			   unsigned long addr, pgtval_t entry, void *arg)
{
	struct referenced_arg *ra = arg;

	if (vma->vm_flags & VM_LOCKED) {
		ra->locked = true;
		return false;
	}
	if (entry & _PAGE_ACCESSED) {
		ra->referenced++;
		pgtable_update(&vma->vm_mm->pgt, addr, _PAGE_ACCESSED, 0,
			       NULL);
		tlb_shootdown_range(addr, addr + PAGE_SIZE,
				    vma->vm_mm->asid);
	}
	return true;
}

static bool unmap_one(struct page *page, struct vm_area_struct *vma,
		      unsigned long addr, pgtval_t entry, void *arg)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long slot = *(unsigned long *)arg;

	pgtable_unmap(&mm->pgt, addr, TLB_PG_4K, NULL);
	tlb_shootdown_range(addr, addr + PAGE_SIZE, mm->asid);
	add_mm_counter(mm, MM_ANONPAGES, -1);
	if (!pgtable_map(&mm->pgt, addr, slot, TLB_PG_4K, _PAGE_SWP)) {
		swap_duplicate(slot);
		add_mm_counter(mm, MM_SWAPENTS, 1);
	} else {
		fprintf(stderr, "kmm: swap-out at %#lx of mm %d: no page "
			"table, contents lost\n", addr, mm->pid);
	}
	page_remove_rmap(page);
	return true;
}

/* Write @page to swap and unmap it everywhere (which frees it). */
static bool pageout(struct page *page)
{
	unsigned long slot = swap_alloc_slot();

	if (!slot)
		return false;
	memcpy(swp.data + slot * PAGE_SIZE, kmm_frame_address(page),
	       PAGE_SIZE);
	rstat.pswpout++;
	get_page(page);			/* keep it while we walk */
	rmap_walk(page, unmap_one, &slot);
	swap_free(slot);		/* drop the allocation's reference */
	put_page(page);
	return true;
}

/* ---- reclaim ---- */

static unsigned long shrink_active_list(unsigned long nr)
{
	unsigned long moved = 0;

	while (moved < nr && !list_empty(&lru_active)) {
		lru_deactivate(list_last_entry(&lru_active, struct page, lru));
		rstat.pgdeactivate++;
		moved++;
	}
	return moved;
}

/* Returns pages reclaimed; *@scanned gets pages looked at. */
static unsigned long shrink_inactive_list(unsigned long nr,
					  unsigned long *scanned)
{
	unsigned long reclaimed = 0;

	for (*scanned = 0; *scanned < nr && !list_empty(&lru_inactive);
	     (*scanned)++) {
		struct page *page = list_last_entry(&lru_inactive,
						    struct page, lru);
		struct referenced_arg ra = { 0, false };

		rstat.pgscan++;
		if (page_count(page) != page_mapcount(page)) {
			lru_activate(page);	/* pinned */
			continue;
		}
		rmap_walk(page, referenced_one, &ra);
		if (ra.locked || ra.referenced) {
			lru_activate(page);
			rstat.pgactivate++;
			continue;
		}
		if (!pageout(page)) {
			list_move(&page->lru, &lru_inactive);
			break;			/* swap is full */
		}
		rstat.pgsteal++;
		reclaimed++;
	}
	return reclaimed;
}

static unsigned long shrink_lists(unsigned long nr)
{
	unsigned long reclaimed = 0, budget;

	if (in_reclaim || (!swp.nr && __swap_init(0)))
		return 0;
	in_reclaim = true;
	/* each page may need a second chance: two passes over everything */
	budget = 2 * (rstat.nr_active + rstat.nr_inactive) + SWAP_CLUSTER_MAX;
	while (reclaimed < nr && budget) {
		unsigned long scanned, batch = SWAP_CLUSTER_MAX;

		if (rstat.nr_inactive < rstat.nr_active ||
		    rstat.nr_inactive < batch)
			shrink_active_list(batch);
		if (batch > nr - reclaimed)
			batch = nr - reclaimed;
		reclaimed += shrink_inactive_list(batch, &scanned);
		if (!scanned || !swp.nr_free)
			break;
		budget = budget > scanned ? budget - scanned : 0;
	}
	in_reclaim = false;
	return reclaimed;
}

void kswapd_balance(struct zone *zone)
{
	unsigned long free = zone_free_pages(zone);
	unsigned long high = high_wmark_pages(zone);

	if (in_reclaim || free >= high)
		return;
	rstat.kswapd_runs++;
	shrink_lists(high - free);
}

void direct_reclaim(void)
{
	rstat.direct_reclaims++;
	shrink_lists(SWAP_CLUSTER_MAX);
}

unsigned long mm_reclaim(unsigned long nr)
{
	unsigned long ret;

	mm_lock_all();
	ret = shrink_lists(nr);
	mm_unlock_all();
	return ret;
}

void mm_reclaim_get_stats(struct mm_reclaim_stats *out)
{
	mm_lock_all();
	*out = rstat;
	out->swap_slots = swp.nr ? swp.nr - 1 : 0;
	out->swap_used = swp.nr ? swp.nr - 1 - swp.nr_free : 0;
	mm_unlock_all();
}
