// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/memory.c - the page-table side of the address-space operations.
 *
 * Until the page tables (kmm/pgtable.h) are in libkmm no page is ever
 * mapped, so these only keep the interface of internal.h.
 */
#include "internal.h"

int mm_pgd_alloc(struct mm_struct *mm)
{
	return 0;
}

void mm_pgd_free(struct mm_struct *mm)
{
}

void zap_page_range(struct vm_area_struct *vma, unsigned long start,
		    unsigned long end)
{
}

void change_protection(struct vm_area_struct *vma, unsigned long start,
		       unsigned long end)
{
}

void move_page_tables(struct mm_struct *mm, unsigned long old_addr,
		      unsigned long new_addr, unsigned long len)
{
}

int copy_page_range(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	return 0;
}

int populate_range(struct mm_struct *mm, unsigned long start,
		   unsigned long end)
{
	return 0;
}

void page_cache_truncate(struct kmm_file *f)
{
}

void memory_subsys_init(void)
{
}

void memory_subsys_exit(void)
{
}
