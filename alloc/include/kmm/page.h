/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/page.h - simulated physical memory: struct page, pfn and address
 * conversions, and the page allocator API with the kernel's names.
 *
 * Physical memory is one host mapping (memfd, MAP_SHARED | MAP_NORESERVE),
 * so frames hold real bytes and only touched frames cost host memory.  Frame
 * pfn lives at kmm_phys_base + (pfn << PAGE_SHIFT); that host pointer is the
 * page's "direct map" address, returned by page_address() (except for
 * high-memory pages on the 32-bit layout, which have none until kmap()).
 * The simulated kernel virtual address of the same byte (for the page tables
 * and the TLB model) is kmm_kva_of(); see pgtable.h.
 */
#ifndef KMM_PAGE_H
#define KMM_PAGE_H

#include <stdint.h>

#include "compiler.h"
#include "list.h"
#include "gfp.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)	ALIGN((unsigned long)(x), PAGE_SIZE)

#define MAX_PAGE_ORDER	10
#define NR_PAGE_ORDERS	(MAX_PAGE_ORDER + 1)
#define PAGE_ALLOC_COSTLY_ORDER 3
#define pageblock_order	9
#define pageblock_nr_pages (1UL << pageblock_order)

struct kmem_cache;
struct zone;

/*
 * struct page - one per physical frame, in mem_map[].  64 bytes, 64-byte
 * aligned: the slab overlay's freelist/counters pair sits at a 16-byte
 * boundary for the double-word compare-and-swap.
 */
struct page {
	unsigned long flags;		/* PG_* bits; zone id in the top bits */
	union {
		struct {	/* free buddy block, page cache, anon pages */
			struct list_head lru;
			void *mapping;		/* file or anon_vma (bit 0) */
			unsigned long index;	/* offset in mapping */
			unsigned long private;	/* buddy: order of free block */
		};
		struct {	/* slab: owned by slub.c */
			struct list_head slab_list;
			struct kmem_cache *slab_cache;
			void *freelist;		/* first free object */
			union {
				unsigned long counters;
				struct {
					unsigned inuse : 16;
					unsigned objects : 15;
					unsigned frozen : 1;
				};
			};
		};
		struct {	/* tail page of a compound page */
			unsigned long compound_head;	/* head | 1 */
			unsigned char compound_order;	/* in page[1] */
		};
		struct {	/* page-table page: owned by pgtable.c */
			unsigned long _pt_pad;
			unsigned long pt_level;
			unsigned long pt_index;
			unsigned long pt_used;		/* live entries */
		};
	};
	int _mapcount;			/* page-table mappings - 1 */
	int _refcount;			/* 0 when free */
	void *virtual;			/* host address of the frame, or NULL */
} __aligned(64);

_Static_assert(sizeof(struct page) == 64, "struct page must be 64 bytes");

/* Page flags (kernel names; PG_buddy stands for the kernel's page_type) */
enum pageflags {
	PG_locked,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_active,
	PG_slab,
	PG_reserved,
	PG_private,
	PG_writeback,
	PG_head,
	PG_swapbacked,
	PG_swapcache,
	PG_unevictable,
	PG_mlocked,
	PG_buddy,
	PG_table,
	PG_anon,
	PG_highmem,
	PG_zero,	/* the shared zero page */
	__NR_PAGEFLAGS
};

#define ZONES_SHIFT	3
#define ZONES_PGSHIFT	(64 - ZONES_SHIFT)

#define KMM_PAGEFLAG(uname, lname)					\
static inline bool Page##uname(const struct page *page)		\
{									\
	return (__atomic_load_n(&page->flags, __ATOMIC_RELAXED) >>	\
		PG_##lname) & 1;					\
}									\
static inline void SetPage##uname(struct page *page)			\
{									\
	__atomic_fetch_or(&page->flags, 1UL << PG_##lname,		\
			  __ATOMIC_RELAXED);				\
}									\
static inline void ClearPage##uname(struct page *page)			\
{									\
	__atomic_fetch_and(&page->flags, ~(1UL << PG_##lname),		\
			   __ATOMIC_RELAXED);				\
}									\
static inline void __SetPage##uname(struct page *page)			\
{									\
	page->flags |= 1UL << PG_##lname;				\
}									\
static inline void __ClearPage##uname(struct page *page)		\
{									\
	page->flags &= ~(1UL << PG_##lname);				\
}

KMM_PAGEFLAG(Locked, locked)
KMM_PAGEFLAG(Referenced, referenced)
KMM_PAGEFLAG(Uptodate, uptodate)
KMM_PAGEFLAG(Dirty, dirty)
KMM_PAGEFLAG(LRU, lru)
KMM_PAGEFLAG(Active, active)
KMM_PAGEFLAG(Slab, slab)
KMM_PAGEFLAG(Reserved, reserved)
KMM_PAGEFLAG(Private, private)
KMM_PAGEFLAG(Writeback, writeback)
KMM_PAGEFLAG(Head, head)
KMM_PAGEFLAG(SwapBacked, swapbacked)
KMM_PAGEFLAG(SwapCache, swapcache)
KMM_PAGEFLAG(Unevictable, unevictable)
KMM_PAGEFLAG(Mlocked, mlocked)
KMM_PAGEFLAG(Buddy, buddy)
KMM_PAGEFLAG(Table, table)
KMM_PAGEFLAG(Anon, anon)
KMM_PAGEFLAG(HighMem, highmem)
KMM_PAGEFLAG(Zero, zero)

/*
 * compound_head shares its word with lru.next and slab_list.next: read it
 * with a relaxed atomic load, since a slab free reads it without a lock
 * while another CPU may be linking the head page into a list (list.h
 * stores ->next atomically for this; a list pointer has bit 0 clear).
 */
static inline unsigned long page_compound_word(const struct page *page)
{
	return __atomic_load_n(&page->compound_head, __ATOMIC_RELAXED);
}

static inline bool PageTail(const struct page *page)
{
	return page_compound_word(page) & 1;
}

static inline bool PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

static inline struct page *compound_head(const struct page *page)
{
	unsigned long head = page_compound_word(page);

	if (unlikely(head & 1))
		return (struct page *)(head - 1);
	return (struct page *)page;
}

static inline unsigned int compound_order(const struct page *page)
{
	if (!PageHead(page))
		return 0;
	return page[1].compound_order;
}

static inline int page_zonenum(const struct page *page)
{
	return (int)(page->flags >> ZONES_PGSHIFT);
}

/* The simulated machine's memory map (set up by kmm_mem_init()) */
extern struct page *mem_map;
extern unsigned long max_pfn;		/* one past the last frame */
extern char *kmm_phys_base;		/* host address of frame 0 */
/*
 * The memfd behind physical memory: frame pfn is at file offset
 * pfn << PAGE_SHIFT, so mmap(MAP_SHARED | MAP_FIXED, kmm_phys_fd, ...) maps
 * frames a second time (vmalloc, kmap).  -1 before kmm_mem_init().
 */
extern int kmm_phys_fd;

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return mem_map + pfn;
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	return (unsigned long)(page - mem_map);
}

static inline bool pfn_valid(unsigned long pfn)
{
	return pfn < max_pfn;
}

/* Host address of a frame's bytes, whatever its zone (kmap uses this). */
static inline void *kmm_frame_address(const struct page *page)
{
	return kmm_phys_base + ((uintptr_t)page_to_pfn(page) << PAGE_SHIFT);
}

/* Direct-map address; NULL for a high-memory page that is not mapped. */
static inline void *page_address(const struct page *page)
{
	return page->virtual;
}

/* Only for direct-map addresses (kmalloc, __get_free_pages). */
static inline struct page *virt_to_page(const void *addr)
{
	return pfn_to_page((unsigned long)((const char *)addr -
					   kmm_phys_base) >> PAGE_SHIFT);
}

static inline bool virt_addr_valid(const void *addr)
{
	return (const char *)addr >= kmm_phys_base &&
	       (const char *)addr < kmm_phys_base + (max_pfn << PAGE_SHIFT);
}

static inline unsigned long __pa(const void *addr)
{
	return (unsigned long)((const char *)addr - kmm_phys_base);
}

static inline void *__va(unsigned long paddr)
{
	return kmm_phys_base + paddr;
}

/* Reference counts */
static inline int page_count(const struct page *page)
{
	return __atomic_load_n(&compound_head(page)->_refcount,
			       __ATOMIC_RELAXED);
}

static inline void set_page_count(struct page *page, int v)
{
	__atomic_store_n(&page->_refcount, v, __ATOMIC_RELAXED);
}

static inline void get_page(struct page *page)
{
	__atomic_fetch_add(&compound_head(page)->_refcount, 1,
			   __ATOMIC_RELAXED);
}

static inline bool page_ref_dec_and_test(struct page *page)
{
	return __atomic_sub_fetch(&page->_refcount, 1, __ATOMIC_ACQ_REL) == 0;
}

static inline int page_mapcount(const struct page *page)
{
	return __atomic_load_n(&page->_mapcount, __ATOMIC_RELAXED) + 1;
}

/* Drop a reference; the page (or compound page) is freed at zero. */
void put_page(struct page *page);

/* Page allocator (page_alloc.c) */
struct page *alloc_pages(gfp_t gfp, unsigned int order);
struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);
unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
unsigned long get_zeroed_page(gfp_t gfp);
/*
 * Fill the NULL entries of @page_array[0 .. @nr_pages) with order-0 pages,
 * as the kernel's alloc_pages_bulk(): returns how many entries are set
 * afterwards, counting those that were set before; fewer than @nr_pages
 * when memory ran short.  One watermark check for all the pages, then this
 * CPU's pcp list, refilled from the zone a batch at a time.
 */
unsigned long alloc_pages_bulk(gfp_t gfp, unsigned long nr_pages,
			       struct page **page_array);
#define alloc_pages_bulk_array(gfp, nr, array) \
	alloc_pages_bulk(gfp, nr, array)
void __free_pages(struct page *page, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);

#define alloc_page(gfp)		alloc_pages(gfp, 0)
#define __get_free_page(gfp)	__get_free_pages(gfp, 0)
#define __free_page(page)	__free_pages(page, 0)
#define free_page(addr)		free_pages(addr, 0)

/* Order of the smallest block that holds @size bytes (kernel get_order()). */
static inline unsigned int get_order(unsigned long size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return (unsigned int)fls64((size - 1) >> PAGE_SHIFT);
}

#endif /* KMM_PAGE_H */
