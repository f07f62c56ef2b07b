/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/vmalloc.h - virtually contiguous kernel memory.
 *
 * Abbreviations: VA a range of simulated kernel virtual addresses;
 * vmap_area one allocated or free VA range [va_start, va_end);
 * vm_struct the mapping on top of a busy area (its pages); lazy = freed but
 * not yet purged (its VA range is still reserved, TLBs may still hold it).
 *
 * vmalloc() returns a host pointer to real bytes: the area's frames are
 * mapped a second time into a host range reserved for the vmalloc space, so
 * host address - vmalloc host base == simulated VA - VMALLOC_START.  The
 * simulated kernel page tables (pgtable.h) map the same frames with 4 KiB
 * PTEs; kmm_kva_of() gives the simulated VA.
 *
 * The free space allocator (struct vmap_space) is usable on its own: an
 * augmented red-black tree of free areas sorted by address, each node
 * caching the largest free size in its subtree (subtree_max_size), lowest
 * address fit.
 */
#ifndef KMM_VMALLOC_H
#define KMM_VMALLOC_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "gfp.h"
#include "list.h"
#include "page.h"
#include "pgtable.h"

struct vm_struct;

/* Red-black tree node (parent pointer with the colour in bit 0) */
struct vmap_rb_node {
	uintptr_t parent_color;
	struct vmap_rb_node *left, *right;
};

struct vmap_area {
	uint64_t va_start;
	uint64_t va_end;		/* exclusive */
	struct vmap_rb_node rb;		/* in the free or the busy tree */
	struct list_head list;		/* address-ordered list of its tree */
	uint64_t subtree_max_size;	/* free tree: largest size below */
	struct vm_struct *vm;		/* busy: the mapping, or NULL */
	struct list_head purge;		/* lazy list */
};

/*
 * One VA space.  Object states of an area: FREE (free tree + free list),
 * BUSY (busy tree), LAZY (busy tree + purge list, VA not reusable).
 * Invariants (vmap_space_check): free areas are disjoint, sorted, never
 * adjacent (merged), inside [start, end); every node's subtree_max_size is
 * the max of its own size and its children's; busy areas are disjoint from
 * each other and from free areas; free + busy sizes == end - start.
 */
struct vmap_space {
	uint64_t start, end;
	struct vmap_rb_node *free_root;
	struct list_head free_list;
	struct vmap_rb_node *busy_root;
	struct list_head busy_list;
	struct list_head purge_list;
	unsigned long nr_free, nr_busy;
	unsigned long lazy_pages;	/* pages in lazily freed areas */
	unsigned long lazy_max_pages;	/* purge when lazy_pages exceeds it */
	unsigned long nr_purges;
	/* called for each purge with the span of the purged areas */
	void (*purge_flush)(uint64_t start, uint64_t end, void *arg);
	void *purge_arg;
};

/* Create an empty space [start, end) (one free area); 0 or -ENOMEM */
int vmap_space_init(struct vmap_space *vs, uint64_t start, uint64_t end);
/* Free every area record (busy areas are forgotten) */
void vmap_space_destroy(struct vmap_space *vs);
/*
 * Allocate @size bytes (page multiple) at @align (power of two, >= page)
 * within [vstart, vend): the lowest address that fits.  Returns the area
 * (now busy) or NULL.  When nothing fits and lazy areas exist, they are
 * purged and the search retried.
 */
struct vmap_area *vmap_alloc_area(struct vmap_space *vs, uint64_t size,
				  uint64_t align, uint64_t vstart,
				  uint64_t vend);
/* Busy area containing @addr, or NULL */
struct vmap_area *vmap_find_area(struct vmap_space *vs, uint64_t addr);
/* Busy area -> free tree at once (merging with neighbours) */
void vmap_free_area(struct vmap_space *vs, struct vmap_area *va);
/* Busy area -> lazy; purges when lazy_pages exceeds lazy_max_pages */
void vmap_free_area_lazy(struct vmap_space *vs, struct vmap_area *va);
/* Purge every lazy area (one flush of their span); returns how many */
unsigned long vmap_purge_lazy(struct vmap_space *vs);
/* Largest free area's size (the root's subtree_max_size) */
uint64_t vmap_largest_free(const struct vmap_space *vs);
int vmap_space_check(struct vmap_space *vs, FILE *fp);

/* vm_struct flags (kernel names) */
#define VM_IOREMAP	0x00000001
#define VM_ALLOC	0x00000002
#define VM_MAP		0x00000004
#define VM_USERMAP	0x00000008
#define VM_NO_GUARD	0x00000040
#define VM_HUGE_PAGES	0x00000100	/* map with 2 MiB where possible */
#define VM_KMM_NO_HOST	0x80000000	/* no host alias (vmalloc_host_alias) */

struct vm_struct {
	void *addr;			/* host pointer */
	uint64_t kva;			/* simulated VA */
	unsigned long size;		/* with the guard page */
	unsigned long flags;
	struct page **pages;
	unsigned int nr_pages;
	unsigned int page_order;	/* 0, or 9 for huge mappings */
	const void *caller;
	struct vmap_area *va;
};

/* Kernel-like API; need kmm_mem_init() and kmm_kernel_pgtable_init(). */
int vmalloc_init(void);
void vmalloc_exit(void);

void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *vmalloc_node(unsigned long size, int node);
void *vzalloc_node(unsigned long size, int node);
void *vmalloc_huge(unsigned long size, gfp_t gfp);
void *__vmalloc(unsigned long size, gfp_t gfp);
/* @align: a power of two >= PAGE_SIZE; @caller shows in vmallocinfo */
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp,
		     int node, const void *caller);
void vfree(const void *addr);
void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgtval_t prot);
void vunmap(const void *addr);
struct page *vmalloc_to_page(const void *addr);
unsigned long vmalloc_to_pfn(const void *addr);
bool is_vmalloc_addr(const void *addr);
struct vm_struct *find_vm_area(const void *addr);
void *kvmalloc(size_t size, gfp_t gfp);
void *kvzalloc(size_t size, gfp_t gfp);
void kvfree(const void *addr);
/* Purge lazily freed areas now (vm_unmap_aliases) */
void vm_unmap_aliases(void);

/* /proc/vmallocinfo in the kernel's format */
void vmallocinfo_show(FILE *fp);

/*
 * When false, new areas get no host alias: only the simulated page tables
 * map them, and their bytes must not be touched.  Benchmarks use it to time
 * the allocator's own work without the host's mmap calls.  Default true.
 */
extern bool vmalloc_host_alias;

/* Host range of the vmalloc space and its simulated VA */
extern char *vmalloc_host_base;
extern unsigned long vmalloc_host_size;

static inline bool kmm_is_vmalloc_host(const void *p)
{
	return (const char *)p >= vmalloc_host_base &&
	       (const char *)p < vmalloc_host_base + vmalloc_host_size;
}

/* Simulated VA of a host pointer inside the vmalloc space (0 outside),
 * with the page size that maps it */
uint64_t vmalloc_kva_of(const void *addr, enum tlb_pgsize *size);

/* Statistics */
enum vmalloc_stat_item {
	VMALLOC_ALLOC,		/* vmalloc/vmap calls that succeeded */
	VMALLOC_FREE,		/* vfree/vunmap calls */
	VMALLOC_FAIL,		/* allocations that failed */
	VMALLOC_PAGES_MAPPED,	/* 4 KiB PTEs written */
	VMALLOC_HOST_MMAPS,	/* host mmap calls to map frames */
	VMALLOC_PURGE,		/* lazy purges (each with a TLB flush) */
	NR_VMALLOC_STAT_ITEMS
};

void vmalloc_stats(uint64_t out[NR_VMALLOC_STAT_ITEMS]);
/* vmap space of the kernel (for tests) and its checker */
struct vmap_space *vmalloc_space(void);
int vmalloc_check(FILE *fp);

#endif /* KMM_VMALLOC_H */
