/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc/mm/internal.h - what the files of alloc/mm/ share: the VMA tree
 * (vma_tree.c), VMA and mm allocation (mmap.c), the page-table side of
 * the address-space operations (memory.c) and reclaim (swap.c).
 *
 * All of it runs under mm_lock_all().
 */
#ifndef KMM_MM_INTERNAL_H
#define KMM_MM_INTERNAL_H

#include <errno.h>

#include "kmm/mm.h"
#include "kmm/mmzone.h"

/* vma_tree.c: augmented AVL tree keyed by vm_start */
void vt_insert(struct mm_struct *mm, struct vm_area_struct *vma);
void vt_erase(struct mm_struct *mm, struct vm_area_struct *vma);
/* A balanced tree of the @nr VMAs @v (address order) in O(nr). */
void vt_build(struct mm_struct *mm, struct vm_area_struct **v, long nr);
/* After vm_start/vm_end of @vma changed without changing the order. */
void vt_update(struct mm_struct *mm, struct vm_area_struct *vma);
/*
 * Lowest (bottom-up) or highest (@topdown) address a with [a, a + len)
 * free, low <= a and a + len <= high; -ENOMEM when there is none.
 */
unsigned long vt_find_gap(struct mm_struct *mm, unsigned long len,
			  unsigned long low, unsigned long high,
			  bool topdown);
int vt_check(struct mm_struct *mm);

/* Start of the hole below @vma: the stack guard gap counts as used. */
static inline unsigned long vma_start_gap(const struct vm_area_struct *vma)
{
	unsigned long s = vma->vm_start;

	if (vma->vm_flags & VM_GROWSDOWN)
		s = s > STACK_GUARD_GAP ? s - STACK_GUARD_GAP : 0;
	return s;
}

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return vma->vm_file == NULL;
}

/* Page offset (in the file or the anon_vma) of @addr in @vma. */
static inline unsigned long linear_page_index(const struct vm_area_struct *vma,
					      unsigned long addr)
{
	return ((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

/* Swap PTE: not present to the user, the slot in the frame field */
#define _PAGE_SWP		_PAGE_SOFTW2
/* Internal fault flag: populate, not a user fault (not counted) */
#define FAULT_FLAG_NOACCT	0x100
#define SWAP_CLUSTER_MAX	32UL

/*
 * KMM_DEBUG >= 1: a broken precondition prints what and where, then
 * aborts (the kernel's VM_BUG_ON).  Compiles away at 0.
 */
#define MM_BUG_ON(cond, fmt, ...)					\
	do {								\
		if (KMM_DEBUG >= 1 && unlikely(cond))			\
			mm_bug(__FILE__, __LINE__, fmt, ##__VA_ARGS__);	\
	} while (0)
void mm_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn, cold));
/* KMM_DEBUG >= 3: the whole checker after every VMA operation. */
void mm_debug_check(struct mm_struct *mm);

/* mmap.c */
/* Add @from's counts to @to. */
void fault_stats_add(struct mm_fault_stats *to,
		     const struct mm_fault_stats *from);
/* The counts of every mm freed so far (under mm_big_lock). */
extern struct mm_fault_stats exited_fault_stats;
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void vm_area_free(struct vm_area_struct *vma);
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages);
void anon_vma_attach(struct vm_area_struct *vma, struct anon_vma *av);
void anon_vma_detach(struct vm_area_struct *vma);
int anon_vma_prepare(struct vm_area_struct *vma);
int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma,
		 unsigned long address);
unsigned long __do_mmap(struct mm_struct *mm, struct kmm_file *file,
			unsigned long addr, unsigned long len,
			unsigned long prot, unsigned long flags,
			unsigned long pgoff);
unsigned long __do_munmap(struct mm_struct *mm, unsigned long start,
			  unsigned long len);
/* __do_mmap flag (beyond the MAP_* of mman.h): a premap() VMA */
#define MAP_KMM_PREMAP	(1UL << 40)
/*
 * Give VM_PREMAPPED @vma the access flags @access too (the traced process
 * made that access without a fault); NULL if it cannot have them.
 */
struct vm_area_struct *vma_premap_widen(struct vm_area_struct *vma,
					unsigned long access);

/* file.c: the key -> pointer map (page cache, task table) */
void *ulmap_get(const struct kmm_ulmap *m, unsigned long key);
int ulmap_put(struct kmm_ulmap *m, unsigned long key, void *val);
void ulmap_del(struct kmm_ulmap *m, unsigned long key);
void ulmap_free(struct kmm_ulmap *m);
#define ulmap_for_each(m, i)						\
	for ((i) = 0; (i) < (m)->cap; (i)++)				\
		if ((m)->vals[i])

static inline struct page *page_cache_lookup(struct kmm_file *f,
					     unsigned long index)
{
	return ulmap_get(&f->page_cache, index);
}
/* memory.c: drop the page cache's pages (the file's last put) */
void page_cache_truncate(struct kmm_file *f);

/* memory.c: page tables behind the VMAs */
int mm_pgd_alloc(struct mm_struct *mm);
void mm_pgd_free(struct mm_struct *mm);
/* Unmap [start, end) of @vma: drop the pages, free empty tables, flush. */
void zap_page_range(struct vm_area_struct *vma, unsigned long start,
		    unsigned long end);
/* Apply @vma's new vm_flags to its present PTEs in [start, end). */
void change_protection(struct vm_area_struct *vma, unsigned long start,
		       unsigned long end);
/* Move the PTEs of [old, old + len) to new; the pages go with them. */
void move_page_tables(struct mm_struct *mm, unsigned long old_addr,
		      unsigned long new_addr, unsigned long len);
/* fork: share @src's pages with @dst (private ones write-protected). */
int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src);
/* Fault in every page of [start, end) (MAP_POPULATE, mlock). */
int populate_range(struct mm_struct *mm, unsigned long start,
		   unsigned long end);
vm_fault_t __handle_mm_fault(struct mm_struct *mm, unsigned long address,
			     unsigned int flags);
/*
 * Advance *@va to the next present entry (page or swap) below @end, using
 * the walk depth to skip empty tables; false when there is none.
 */
bool next_mapped(struct pgtable *pt, unsigned long *va, unsigned long end,
		 struct pgtable_walk *w);
void add_mm_counter(struct mm_struct *mm, int member, long value);
void page_remove_rmap(struct page *page);
struct page *alloc_user_page(gfp_t extra);
int mm_check_pages(struct mm_struct *mm);
extern struct page *zero_page;
void memory_subsys_init(void);
void memory_subsys_exit(void);

#endif /* KMM_MM_INTERNAL_H */
