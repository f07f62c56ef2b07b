// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/memory.c - the pages behind the VMAs: page faults (anonymous,
 * file-backed with readahead and fault-around, copy-on-write, swap-in),
 * unmapping, protection changes, PTE moves for mremap, fork's copy, user
 * accesses through the page tables and the TLB model.
 *
 * Lock order: mm_big_lock (held by every caller, see mmap.c) -> pgtable
 * lock (inside pgtable_*) -> zone locks.  Reclaim (swap.c) runs inline
 * under mm_big_lock, so it may walk any mm's tables.
 *
 * Page states (user pages):
 *	anon	  PG_anon, mapping = anon_vma | 1, index = linear page index;
 *		  on the anon LRU (PG_lru); _refcount == _mapcount + 1 ==
 *		  number of PTEs mapping it (plus a short pin while a fault
 *		  or reclaim uses it, which makes reclaim skip it)
 *	file	  mapping = struct kmm_file, index = file page; in the page
 *		  cache, which holds one reference; + one per PTE
 *	zero	  the shared zero page (PG_zero): mapped read-only by read
 *		  faults on anonymous memory, never counted or freed
 * A swapped-in anon page other swap entries still name is also in the
 * swap cache (swap.c): one more reference, PG_swapcache, read-only.
 * PTEs: a present user PTE maps a page (_PAGE_USER, _PAGE_RW when
 * writable now, _PAGE_NX unless VM_EXEC); a swap PTE has _PAGE_SWP, no
 * _PAGE_USER and the swap slot in the frame field (the page-table API
 * stores present entries only; the swap area never has more slots than
 * there are frames, so the field is always a valid frame number).  A
 * private writable page mapped without _PAGE_RW is copy-on-write.
 *
 * Invariants (mm_check_pages): rss_stat[] equals the pages and swap
 * entries found in the tables; every mapped anon page's rmap leads back to
 * the PTE; page _mapcount matches the PTEs that map it.
 */
#include <string.h>

#include "internal.h"
#include "swap.h"

#define FAULT_AROUND_PAGES	16	/* fault_around_bytes 64 KiB */

struct page *zero_page;

static inline bool is_swap_pte(pgtval_t e)
{
	return (e & _PAGE_SWP) != 0;
}

static int mm_counter(const struct page *page)
{
	if (PageAnon(page))
		return MM_ANONPAGES;
	if (((const struct kmm_file *)page->mapping)->zero_fill)
		return MM_SHMEMPAGES;
	return MM_FILEPAGES;
}

void add_mm_counter(struct mm_struct *mm, int member, long value)
{
	unsigned long rss;

	mm->rss_stat[member] += value;
	if (value > 0 && member != MM_SWAPENTS) {
		rss = get_mm_rss(mm);
		if (rss > mm->hiwater_rss)
			mm->hiwater_rss = rss;
	}
}

/* PTE flags for a user page of @vma, writable now or not. */
static pgtval_t user_prot(const struct vm_area_struct *vma, bool writable)
{
	pgtval_t p = _PAGE_ACCESSED;

	if (vma->vm_flags & VM_ACCESS_FLAGS)
		p |= _PAGE_USER;
	if (!(vma->vm_flags & VM_EXEC))
		p |= _PAGE_NX;
	if (writable)
		p |= _PAGE_RW | _PAGE_DIRTY;
	return p;
}

bool next_mapped(struct pgtable *pt, unsigned long *va, unsigned long end,
		 struct pgtable_walk *w)
{
	while (*va < end) {
		uint64_t step;

		if (!pgtable_translate(pt, *va, w))
			return true;
		/* nothing mapped below the level where the walk stopped */
		step = 1ULL << (PAGE_SHIFT + PT_INDEX_BITS *
				(pt->levels - (w->depth ? w->depth : 1)));
		*va = ALIGN_DOWN(*va, step) + step;
	}
	return false;
}

/* ---- rmap ---- */

static void page_add_new_anon_rmap(struct page *page,
				   struct vm_area_struct *vma,
				   unsigned long addr)
{
	__SetPageAnon(page);
	__SetPageSwapBacked(page);
	page->mapping = (void *)((unsigned long)vma->anon_vma | 1);
	page->index = linear_page_index(vma, addr);
	page->_mapcount = 0;
	lru_add(page);
}

static void page_dup_rmap(struct page *page)
{
	if (PageZero(page))
		return;
	get_page(page);
	page->_mapcount++;
}

void page_remove_rmap(struct page *page)
{
	if (PageZero(page))
		return;
	MM_BUG_ON(page->_mapcount < 0, "pfn %lu: unmapped page unmapped "
		  "again (mapcount %d)", page_to_pfn(page),
		  page_mapcount(page));
	if (--page->_mapcount < 0 && PageAnon(page))
		lru_del(page);
	put_page(page);
}

/* Drop what the (already cleared) PTE @entry held. */
static void zap_pte(struct mm_struct *mm, pgtval_t entry)
{
	struct page *page;

	if (is_swap_pte(entry)) {
		swap_free(pte_pfn(entry));
		add_mm_counter(mm, MM_SWAPENTS, -1);
		return;
	}
	page = pfn_to_page(pte_pfn(entry));
	if (PageZero(page))
		return;
	add_mm_counter(mm, mm_counter(page), -1);
	if (!PageAnon(page) && (entry & _PAGE_DIRTY))
		SetPageDirty(page);
	page_remove_rmap(page);
}

/* Replace whatever @addr maps with @pfn / @prot. */
static int replace_pte(struct mm_struct *mm, unsigned long addr,
		       unsigned long pfn, pgtval_t prot, pgtval_t *old)
{
	pgtable_unmap(&mm->pgt, addr, TLB_PG_4K, old);
	return pgtable_map(&mm->pgt, addr, pfn, TLB_PG_4K, prot);
}

/* ---- page allocation for user memory ---- */

struct page *alloc_user_page(gfp_t extra)
{
	struct page *page;
	struct zone *zone;

	page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | extra, 0);
	if (!page) {
		direct_reclaim();
		page = alloc_pages(GFP_HIGHUSER_MOVABLE | extra, 0);
		if (!page)
			return NULL;
	}
	zone = page_zone(page);
	if (zone_free_pages(zone) < low_wmark_pages(zone))
		kswapd_balance(zone);
	page->_mapcount = -1;
	return page;
}

static void *page_bytes(struct page *page)
{
	return kmm_frame_address(page);
}

/* ---- file pages ---- */

static unsigned long file_pages(const struct kmm_file *f)
{
	return DIV_ROUND_UP(f->size, PAGE_SIZE);
}

/* Read page @index of @f into the page cache (a major fault). */
static struct page *filemap_read_page(struct kmm_file *f, unsigned long index)
{
	struct page *page = alloc_user_page(f->zero_fill ? __GFP_ZERO : 0);
	unsigned char *p;

	if (!page)
		return NULL;
	if (!f->zero_fill) {
		unsigned long off = index << PAGE_SHIFT;

		p = page_bytes(page);
		for (unsigned long i = 0; i < PAGE_SIZE; i++)
			p[i] = off + i < f->size ?
			       kmm_file_pattern(f, off + i) : 0;
	}
	page->mapping = f;
	page->index = index;
	__SetPageUptodate(page);
	if (ulmap_put(&f->page_cache, index, page)) {
		page->mapping = NULL;
		put_page(page);
		return NULL;
	}
	f->reads++;
	return page;
}

static struct page *filemap_get_page(struct kmm_file *f, unsigned long index,
				     bool *major)
{
	struct page *page = page_cache_lookup(f, index);

	if (page)
		return page;
	*major = true;
	return filemap_read_page(f, index);
}

void page_cache_truncate(struct kmm_file *f)
{
	unsigned long i;

	ulmap_for_each(&f->page_cache, i) {
		struct page *page = f->page_cache.vals[i];

		page->mapping = NULL;
		put_page(page);
		f->page_cache.vals[i] = NULL;
	}
	f->page_cache.nr = 0;
}

/*
 * Read fault on a file VMA: read the page (and, on a miss, the rest of
 * its FAULT_AROUND_PAGES window: readahead), then map every cached page
 * of the window that is not mapped yet (fault-around).
 */
static vm_fault_t do_read_fault(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_file *f = vma->vm_file;
	unsigned long index = linear_page_index(vma, addr), a, start, end;
	bool major = false, writable;
	struct pgtable_walk w;
	struct page *page;

	if (index >= file_pages(f))
		return VM_FAULT_SIGBUS;
	page = filemap_get_page(f, index, &major);
	if (!page)
		return VM_FAULT_OOM;
	start = addr - ((index % FAULT_AROUND_PAGES) << PAGE_SHIFT);
	if (start < vma->vm_start || start > addr)
		start = vma->vm_start;
	end = start + FAULT_AROUND_PAGES * PAGE_SIZE;
	if (end > vma->vm_end || end < start)
		end = vma->vm_end;
	writable = (vma->vm_flags & (VM_SHARED | VM_WRITE)) ==
		   (VM_SHARED | VM_WRITE);
	for (a = start; a < end; a += PAGE_SIZE) {
		unsigned long idx = linear_page_index(vma, a);
		struct page *p;

		if (idx >= file_pages(f))
			break;
		if (!pgtable_translate(&mm->pgt, a, &w))
			continue;
		p = a == addr ? page : page_cache_lookup(f, idx);
		if (!p && major)
			p = filemap_read_page(f, idx);	/* readahead */
		if (!p)
			continue;
		if (pgtable_map(&mm->pgt, a, page_to_pfn(p), TLB_PG_4K,
				user_prot(vma, writable))) {
			if (a == addr)
				return VM_FAULT_OOM;
			continue;
		}
		page_dup_rmap(p);
		add_mm_counter(mm, mm_counter(p), 1);
	}
	return major ? VM_FAULT_MAJOR : 0;
}

/* ---- anonymous, copy-on-write and swap faults ---- */

static vm_fault_t do_anonymous_page(struct vm_area_struct *vma,
				    unsigned long addr, bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page;

	if (!write) {
		if (pgtable_map(&mm->pgt, addr, page_to_pfn(zero_page),
				TLB_PG_4K, user_prot(vma, false)))
			return VM_FAULT_OOM;
		mm->fault_stats.zero++;
		return 0;
	}
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	page = alloc_user_page(__GFP_ZERO);
	if (!page)
		return VM_FAULT_OOM;
	if (pgtable_map(&mm->pgt, addr, page_to_pfn(page), TLB_PG_4K,
			user_prot(vma, true))) {
		put_page(page);
		return VM_FAULT_OOM;
	}
	page_add_new_anon_rmap(page, vma, addr);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	return 0;
}

/* Write to a private page that another mapping (or the cache) shares. */
static vm_fault_t wp_page_copy(struct vm_area_struct *vma, unsigned long addr,
			       struct page *old)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page;
	pgtval_t oldpte;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	if (!PageZero(old))
		get_page(old);	/* pin against reclaim while copying */
	page = alloc_user_page(PageZero(old) ? __GFP_ZERO : 0);
	if (page && !PageZero(old))
		memcpy(page_bytes(page), page_bytes(old), PAGE_SIZE);
	if (!PageZero(old))
		put_page(old);
	if (!page)
		return VM_FAULT_OOM;
	if (replace_pte(mm, addr, page_to_pfn(page), user_prot(vma, true),
			&oldpte)) {
		put_page(page);
		zap_pte(mm, oldpte);
		return VM_FAULT_OOM;
	}
	zap_pte(mm, oldpte);
	page_add_new_anon_rmap(page, vma, addr);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	tlb_shootdown_range(addr, addr + PAGE_SIZE, mm->asid);
	mm->fault_stats.cow++;
	return 0;
}

static vm_fault_t do_wp_page(struct vm_area_struct *vma, unsigned long addr,
			     pgtval_t entry)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page = pfn_to_page(pte_pfn(entry));

	if (vma->vm_flags & VM_SHARED) {
		pgtable_update(&mm->pgt, addr, 0, _PAGE_RW | _PAGE_DIRTY,
			       NULL);
		SetPageDirty(page);
		return 0;
	}
	if (PageAnon(page) && page_mapcount(page) == 1 &&
	    !PageSwapCache(page)) {
		/* the last reference: reuse it */
		pgtable_update(&mm->pgt, addr, 0, _PAGE_RW | _PAGE_DIRTY,
			       NULL);
		mm->fault_stats.cow_reuse++;
		return 0;
	}
	return wp_page_copy(vma, addr, page);
}

/* Write fault on a private file page that is not mapped yet. */
static vm_fault_t do_cow_fault(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_file *f = vma->vm_file;
	unsigned long index = linear_page_index(vma, addr);
	bool major = false;
	struct page *src, *page;

	if (index >= file_pages(f))
		return VM_FAULT_SIGBUS;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	src = filemap_get_page(f, index, &major);
	if (!src)
		return VM_FAULT_OOM;
	page = alloc_user_page(0);
	if (!page)
		return VM_FAULT_OOM;
	memcpy(page_bytes(page), page_bytes(src), PAGE_SIZE);
	if (pgtable_map(&mm->pgt, addr, page_to_pfn(page), TLB_PG_4K,
			user_prot(vma, true))) {
		put_page(page);
		return VM_FAULT_OOM;
	}
	page_add_new_anon_rmap(page, vma, addr);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	mm->fault_stats.cow++;
	return major ? VM_FAULT_MAJOR : 0;
}

/* Write fault on a shared file page that is not mapped yet. */
static vm_fault_t do_shared_fault(struct vm_area_struct *vma,
				  unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct kmm_file *f = vma->vm_file;
	unsigned long index = linear_page_index(vma, addr);
	bool major = false;
	struct page *page;

	if (index >= file_pages(f))
		return VM_FAULT_SIGBUS;
	page = filemap_get_page(f, index, &major);
	if (!page)
		return VM_FAULT_OOM;
	if (pgtable_map(&mm->pgt, addr, page_to_pfn(page), TLB_PG_4K,
			user_prot(vma, true)))
		return VM_FAULT_OOM;
	page_dup_rmap(page);
	SetPageDirty(page);
	add_mm_counter(mm, mm_counter(page), 1);
	return major ? VM_FAULT_MAJOR : 0;
}

/* A swap cache hit: map the page read-only and drop the swap entry. */
static vm_fault_t swap_cache_map(struct vm_area_struct *vma,
				 unsigned long addr, unsigned long slot,
				 struct page *page)
{
	struct mm_struct *mm = vma->vm_mm;

	if (replace_pte(mm, addr, page_to_pfn(page), user_prot(vma, false),
			NULL)) {
		swap_free(slot);
		add_mm_counter(mm, MM_SWAPENTS, -1);
		return VM_FAULT_OOM;
	}
	page_dup_rmap(page);
	if (!PageLRU(page))
		lru_add(page);		/* it was mapped by nobody */
	swap_free(slot);
	add_mm_counter(mm, MM_SWAPENTS, -1);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	swap_cache_hit();
	return 0;
}

static vm_fault_t do_swap_page(struct vm_area_struct *vma, unsigned long addr,
			       pgtval_t entry, bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long slot = pte_pfn(entry);
	struct page *page;

	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	page = swap_cache_lookup(slot);
	if (page)		/* another sharer read it in: map that page */
		return swap_cache_map(vma, addr, slot, page);
	page = alloc_user_page(0);
	if (!page)
		return VM_FAULT_OOM;
	swap_read_slot(slot, page_bytes(page));
	if (swap_count(slot) > 1)
		swap_cache_add(slot, page);
	if (replace_pte(mm, addr, page_to_pfn(page),
			user_prot(vma, write && (vma->vm_flags & VM_WRITE) &&
				  !PageSwapCache(page)), NULL)) {
		put_page(page);
		/* the swap entry is gone with the table: keep the count */
		swap_free(slot);
		add_mm_counter(mm, MM_SWAPENTS, -1);
		return VM_FAULT_OOM;
	}
	page_add_new_anon_rmap(page, vma, addr);
	swap_free(slot);
	add_mm_counter(mm, MM_SWAPENTS, -1);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	return VM_FAULT_MAJOR;
}

static bool access_permitted(const struct vm_area_struct *vma,
			     unsigned int flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return vma->vm_flags & VM_WRITE;
	if (flags & FAULT_FLAG_INSTRUCTION)
		return vma->vm_flags & VM_EXEC;
	return vma->vm_flags & VM_ACCESS_FLAGS;
}

static vm_fault_t segv(struct mm_struct *mm, int code)
{
	if (code == KMM_SEGV_MAPERR)
		mm->fault_stats.segv_maperr++;
	else
		mm->fault_stats.segv_accerr++;
	return VM_FAULT_SIGSEGV;
}

/*
 * mm->premap_unknown: map the hole around @address within its 2 MiB
 * block, readable, writable and (for an instruction fetch) executable.
 * The VMA is VM_PREMAPPED: what the traced process's own mapping allowed
 * is unknown, so a later access it does not permit widens it
 * (premap_permit) until a traced mprotect says what it is.
 */
static struct vm_area_struct *premap(struct mm_struct *mm,
				     unsigned long address, unsigned int flags)
{
	unsigned long start = ALIGN_DOWN(address, 2UL << 20);
	unsigned long end = start + (2UL << 20);
	struct vm_area_struct *next = find_vma(mm, address), *prev;
	unsigned long prot = PROT_READ | PROT_WRITE, ret;

	prev = next ? vma_prev(mm, next) :
	       list_empty(&mm->vma_list) ? NULL :
	       list_last_entry(&mm->vma_list, struct vm_area_struct, vm_list);
	if (prev && prev->vm_end > start)
		start = prev->vm_end;
	if (next && next->vm_start < end)
		end = next->vm_start;
	if (start < KMM_MMAP_MIN_ADDR)
		start = KMM_MMAP_MIN_ADDR;
	if (end > mm->task_size)
		end = mm->task_size;
	if (address < start || address >= end)
		return NULL;
	if (flags & FAULT_FLAG_INSTRUCTION)
		prot |= PROT_EXEC;
	ret = __do_mmap(mm, NULL, start, end - start, prot,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			MAP_KMM_PREMAP, 0);
	if (IS_ERR_VALUE(ret))
		return NULL;
	mm->fault_stats.premapped++;
	return vma_lookup(mm, address);
}

/*
 * An access a premapped VMA does not permit: the traced kernel's mapping
 * there did (the trace went on without SIGSEGV), so the VMA gets it.
 */
static struct vm_area_struct *premap_permit(struct vm_area_struct *vma,
					    unsigned int flags)
{
	unsigned long access = VM_READ;

	if (flags & FAULT_FLAG_WRITE)
		access |= VM_WRITE;
	if (flags & FAULT_FLAG_INSTRUCTION)
		access |= VM_EXEC;
	vma = vma_premap_widen(vma, access);
	if (vma)
		vma->vm_mm->fault_stats.premap_widened++;
	return vma;
}

vm_fault_t __handle_mm_fault(struct mm_struct *mm, unsigned long address,
			     unsigned int flags)
{
	bool write = flags & FAULT_FLAG_WRITE;
	unsigned long addr = address & PAGE_MASK;
	struct vm_area_struct *vma = find_vma(mm, address);
	struct pgtable_walk w;
	vm_fault_t ret;

	if (!vma || vma->vm_start > address) {
		if (vma && (vma->vm_flags & VM_GROWSDOWN) &&
		    !expand_stack(mm, vma, address))
			mm->fault_stats.stack_grow++;
		else if (!mm->premap_unknown || address >= mm->task_size ||
			 !(vma = premap(mm, address, flags)))
			return segv(mm, KMM_SEGV_MAPERR);
	}
	if (!access_permitted(vma, flags) &&
	    (!(vma->vm_flags & VM_PREMAPPED) ||
	     !(vma = premap_permit(vma, flags))))
		return segv(mm, KMM_SEGV_ACCERR);
	if (!pgtable_translate(&mm->pgt, addr, &w)) {
		if (is_swap_pte(w.entry))
			ret = do_swap_page(vma, addr, w.entry, write);
		else if (write && !(w.entry & _PAGE_RW))
			ret = do_wp_page(vma, addr, w.entry);
		else
			ret = VM_FAULT_NOPAGE;	/* spurious: mapped */
	} else if (vma_is_anonymous(vma)) {
		ret = do_anonymous_page(vma, addr, write);
	} else if (!write) {
		ret = do_read_fault(vma, addr);
	} else if (vma->vm_flags & VM_SHARED) {
		ret = do_shared_fault(vma, addr);
	} else {
		ret = do_cow_fault(vma, addr);
	}
	if (ret & VM_FAULT_OOM)
		mm->fault_stats.oom++;
	if (!(ret & (VM_FAULT_OOM | VM_FAULT_SIGBUS)) &&
	    !(flags & FAULT_FLAG_NOACCT)) {
		if (ret & VM_FAULT_MAJOR)
			mm->fault_stats.major++;
		else
			mm->fault_stats.minor++;
	}
	return ret;
}

vm_fault_t handle_mm_fault(struct mm_struct *mm, unsigned long address,
			   unsigned int flags)
{
	vm_fault_t ret;

	mm_lock_all();
	ret = __handle_mm_fault(mm, address, flags);
	if (!(ret & (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) &&
	    tlb_model_active())	/* the access that faulted, retried */
		tlb_access(tlb_this_cpu(), address, mm->asid, TLB_PG_4K);
	mm_unlock_all();
	return ret;
}

/* ---- user accesses ---- */

/*
 * Host address of the byte at @addr for a user access, faulting as the
 * hardware would; NULL when the access fails (SIGSEGV, SIGBUS, OOM).
 */
static void *user_access(struct mm_struct *mm, unsigned long addr,
			 bool write)
{
	unsigned int flags = FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0);
	struct pgtable_walk w;

	for (int tries = 0; tries < 3; tries++) {
		if (!pgtable_translate(&mm->pgt, addr & PAGE_MASK, &w) &&
		    !is_swap_pte(w.entry) && (w.entry & _PAGE_USER) &&
		    (!write || (w.entry & _PAGE_RW))) {
			pgtval_t set = _PAGE_ACCESSED |
				       (write ? _PAGE_DIRTY : 0);

			if (tlb_model_active())
				tlb_access(tlb_this_cpu(), addr, mm->asid,
					   TLB_PG_4K);
			if ((w.entry & set) != set)
				pgtable_update(&mm->pgt, addr & PAGE_MASK, 0,
					       set, NULL);
			return (char *)page_bytes(pfn_to_page(w.pfn)) +
			       (addr & ~PAGE_MASK);
		}
		if (__handle_mm_fault(mm, addr, flags) &
		    (VM_FAULT_SIGSEGV | VM_FAULT_SIGBUS | VM_FAULT_OOM))
			return NULL;
	}
	return NULL;
}

static int user_copy(struct mm_struct *mm, unsigned long addr, void *buf,
		     size_t len, bool write)
{
	int ret = 0;

	mm_lock_all();
	while (len) {
		size_t n = PAGE_SIZE - (addr & ~PAGE_MASK);
		char *p = user_access(mm, addr, write);

		if (!p) {
			ret = -EFAULT;
			break;
		}
		if (n > len)
			n = len;
		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		addr += n;
		buf = (char *)buf + n;
		len -= n;
	}
	mm_unlock_all();
	return ret;
}

int mm_write(struct mm_struct *mm, unsigned long addr, const void *buf,
	     size_t len)
{
	return user_copy(mm, addr, (void *)buf, len, true);
}

int mm_read(struct mm_struct *mm, unsigned long addr, void *buf, size_t len)
{
	return user_copy(mm, addr, buf, len, false);
}

/* ---- range operations for mmap.c ---- */

int mm_pgd_alloc(struct mm_struct *mm)
{
	return pgtable_init(&mm->pgt, 4);
}

void mm_pgd_free(struct mm_struct *mm)
{
	pgtable_destroy(&mm->pgt);
}

void zap_page_range(struct vm_area_struct *vma, unsigned long start,
		    unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct pgtable_walk w;
	unsigned long va = start;
	bool any = false;

	while (next_mapped(&mm->pgt, &va, end, &w)) {
		pgtval_t old;

		if (!pgtable_unmap(&mm->pgt, va, TLB_PG_4K, &old)) {
			zap_pte(mm, old);
			any = true;
		}
		va += PAGE_SIZE;
	}
	if (any)
		tlb_shootdown_range(start, end, mm->asid);
}

void change_protection(struct vm_area_struct *vma, unsigned long start,
		       unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long va = start, f = vma->vm_flags;
	struct pgtable_walk w;
	bool any = false;

	while (next_mapped(&mm->pgt, &va, end, &w)) {
		struct page *page = pfn_to_page(w.pfn);
		pgtval_t set = 0, clear = 0;
		bool writable;

		if (!is_swap_pte(w.entry)) {
			writable = (f & VM_WRITE) && !PageZero(page) &&
				   ((f & VM_SHARED) ||
				    (PageAnon(page) && !PageSwapCache(page) &&
				     page_mapcount(page) == 1 &&
				     (w.entry & _PAGE_DIRTY)));
			*(f & VM_ACCESS_FLAGS ? &set : &clear) |= _PAGE_USER;
			*(f & VM_EXEC ? &clear : &set) |= _PAGE_NX;
			*(writable ? &set : &clear) |= _PAGE_RW;
			pgtable_update(&mm->pgt, va, clear, set, NULL);
			any = true;
		}
		va += PAGE_SIZE;
	}
	if (any)
		tlb_shootdown_range(start, end, mm->asid);
}

void move_page_tables(struct mm_struct *mm, unsigned long old_addr,
		      unsigned long new_addr, unsigned long len)
{
	unsigned long va = old_addr, end = old_addr + len;
	struct pgtable_walk w;
	bool any = false;

	while (next_mapped(&mm->pgt, &va, end, &w)) {
		pgtval_t e;

		if (!pgtable_unmap(&mm->pgt, va, TLB_PG_4K, &e)) {
			any = true;
			if (pgtable_map(&mm->pgt, new_addr + (va - old_addr),
					pte_pfn(e), TLB_PG_4K,
					e & PTE_FLAGS_MASK))
				zap_pte(mm, e);	/* no table: page lost */
		}
		va += PAGE_SIZE;
	}
	if (any)
		tlb_shootdown_range(old_addr, end, mm->asid);
}

int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct mm_struct *dmm = dst->vm_mm, *smm = src->vm_mm;
	bool cow = (src->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
	unsigned long va = src->vm_start;
	struct pgtable_walk w;
	bool wp = false;
	int err = 0;

	/* without anon pages, the child refaults from the page cache */
	if (!src->anon_vma && !(src->vm_flags & VM_PFNMAP))
		return 0;
	while (!err && next_mapped(&smm->pgt, &va, src->vm_end, &w)) {
		pgtval_t e = w.entry;

		if (is_swap_pte(e)) {
			err = pgtable_map(&dmm->pgt, va, w.pfn, TLB_PG_4K,
					  e & PTE_FLAGS_MASK);
			if (!err) {
				swap_duplicate(w.pfn);
				add_mm_counter(dmm, MM_SWAPENTS, 1);
			}
		} else {
			struct page *page = pfn_to_page(w.pfn);

			if (cow && (e & _PAGE_RW)) {
				pgtable_update(&smm->pgt, va, _PAGE_RW, 0,
					       NULL);
				e &= ~_PAGE_RW;
				wp = true;
			}
			err = pgtable_map(&dmm->pgt, va, w.pfn, TLB_PG_4K,
					  e & PTE_FLAGS_MASK);
			if (!err && !PageZero(page)) {
				page_dup_rmap(page);
				add_mm_counter(dmm, mm_counter(page), 1);
			}
		}
		va += PAGE_SIZE;
	}
	if (wp)
		tlb_shootdown_range(src->vm_start, src->vm_end, smm->asid);
	return err;
}

int populate_range(struct mm_struct *mm, unsigned long start,
		   unsigned long end)
{
	struct vm_area_struct *vma = find_vma_intersection(mm, start, end);

	for (; vma && vma->vm_start < end; vma = vma_next(mm, vma)) {
		bool write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) ==
			     VM_WRITE;
		unsigned long a = vma->vm_start > start ? vma->vm_start : start;
		unsigned long e = vma->vm_end < end ? vma->vm_end : end;
		struct pgtable_walk w;

		if (!(vma->vm_flags & VM_ACCESS_FLAGS))
			continue;
		for (; a < e; a += PAGE_SIZE) {
			if (!pgtable_translate(&mm->pgt, a, &w) &&
			    !is_swap_pte(w.entry) &&
			    (!write || (w.entry & _PAGE_RW)))
				continue;
			if (__handle_mm_fault(mm, a, FAULT_FLAG_NOACCT |
					      (write ? FAULT_FLAG_WRITE : 0)) &
			    (VM_FAULT_OOM | VM_FAULT_SIGBUS |
			     VM_FAULT_SIGSEGV))
				return -ENOMEM;
		}
	}
	return 0;
}

void memory_subsys_init(void)
{
	if (zero_page)
		return;
	zero_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (zero_page) {
		__SetPageZero(zero_page);
		__SetPageReserved(zero_page);
	}
}

void memory_subsys_exit(void)
{
	swap_exit();
	if (zero_page) {
		__ClearPageZero(zero_page);
		__ClearPageReserved(zero_page);
		__free_page(zero_page);
		zero_page = NULL;
	}
}

/* ---- checker ---- */

int mm_check_pages(struct mm_struct *mm)
{
	long count[NR_MM_COUNTERS] = { 0 };
	struct vm_area_struct *vma;
	int bad = 0;

	for_each_vma(mm, vma) {
		unsigned long va = vma->vm_start;
		struct pgtable_walk w;

		while (next_mapped(&mm->pgt, &va, vma->vm_end, &w)) {
			struct page *page = pfn_to_page(w.pfn);

			if (is_swap_pte(w.entry)) {
				count[MM_SWAPENTS]++;
			} else if (!PageZero(page)) {
				count[mm_counter(page)]++;
				if (page_mapcount(page) < 1 ||
				    page_count(page) < page_mapcount(page) ||
				    (PageAnon(page) &&
				     linear_page_index(vma, va) !=
				     page->index)) {
					fprintf(stderr, "mm %d: page at %#lx: "
						"mapcount %d count %d index "
						"%lu\n", mm->pid, va,
						page_mapcount(page),
						page_count(page),
						page->index);
					bad = -1;
				}
			}
			va += PAGE_SIZE;
		}
	}
	for (int i = 0; i < NR_MM_COUNTERS; i++) {
		if (count[i] != mm->rss_stat[i]) {
			fprintf(stderr, "mm %d: rss_stat[%d] %ld, %ld in the "
				"page tables\n", mm->pid, i, mm->rss_stat[i],
				count[i]);
			bad = -1;
		}
	}
	if (pgtable_check(&mm->pgt, stderr))
		bad = -1;
	return bad;
}
