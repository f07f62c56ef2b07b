/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/pgtable.h - page tables and the simulated kernel address space.
 *
 * Abbreviations: pgd/p4d/pud/pmd/pte the table levels from the top (p4d only
 * with five levels); PS the "page size" bit of a pud/pmd entry that maps a
 * 1 GiB / 2 MiB page directly; VA simulated virtual address (uint64_t, never
 * dereferenced); pfn frame number of the simulated machine (page.h).
 *
 * struct pgtable is one address space's tables: the kernel's (init_mm) and,
 * in mm/, one per process.  It knows nothing of the kernel layout.  Every
 * table is one page from the buddy allocator (alloc_page(__GFP_ZERO)),
 * holding 512 64-bit entries in the x86 format (pfn << 12 | flags); its
 * struct page has PG_table and the pt_level / pt_index / pt_used overlay.
 * A table other than the top one is freed when its last entry is cleared.
 *
 * Levels: 4 (48-bit VAs) or 5 (57-bit); 3 is the 32-bit PAE layout (a
 * 4-entry top level, 2 MiB large pages).  A walk of a 4 KiB mapping reads
 * `levels` entries, of a 2 MiB one levels - 1, of a 1 GiB one levels - 2.
 *
 * Locking: each pgtable has its own mutex (the kernel's page_table_lock);
 * every function here takes it, so callers need no lock of their own to keep
 * the tables consistent.  Lock order: callers' locks (vmap_area_lock, an
 * mm's lock) -> pgtable lock -> buddy zone locks.
 *
 * Invariants (pgtable_check()): every non-top table's pt_used equals its
 * number of present entries and is > 0; its pt_level is one below its
 * parent's and pt_index its slot in the parent; PS entries only at the pud
 * (1 GiB) and pmd (2 MiB) levels, with frames aligned to their size.
 */
#ifndef KMM_PGTABLE_H
#define KMM_PGTABLE_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "page.h"
#include "tlb.h"

typedef uint64_t pgtval_t;	/* one table entry */

#define PTRS_PER_TABLE	512
#define PT_INDEX_BITS	9

/* Entry bits (x86) */
#define _PAGE_PRESENT	(1ULL << 0)
#define _PAGE_RW	(1ULL << 1)
#define _PAGE_USER	(1ULL << 2)
#define _PAGE_PWT	(1ULL << 3)
#define _PAGE_PCD	(1ULL << 4)
#define _PAGE_ACCESSED	(1ULL << 5)
#define _PAGE_DIRTY	(1ULL << 6)
#define _PAGE_PSE	(1ULL << 7)	/* large page in a pud/pmd entry */
#define _PAGE_GLOBAL	(1ULL << 8)
#define _PAGE_SOFTW1	(1ULL << 9)	/* free for software (mm/: COW) */
#define _PAGE_SOFTW2	(1ULL << 10)
#define _PAGE_NX	(1ULL << 63)
#define PTE_PFN_MASK	0x000ffffffffff000ULL
#define PTE_FLAGS_MASK	(~PTE_PFN_MASK)

#define PAGE_KERNEL	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | \
			 _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)
#define PAGE_KERNEL_RO	(_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_GLOBAL | \
			 _PAGE_NX)
#define PAGE_KERNEL_EXEC (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | \
			  _PAGE_DIRTY | _PAGE_GLOBAL)
#define PAGE_USER_RW	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | \
			 _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_USER_RO	(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | \
			 _PAGE_NX)

struct pgtable {
	struct page *top;		/* the pgd (PML4/PML5, or PAE PDPT) */
	unsigned int levels;		/* 3, 4 or 5 */
	unsigned int va_bits;		/* 32, 48 or 57 */
	unsigned long nr_tables;	/* table pages, the top included */
	unsigned long nr_mapped[TLB_NR_PGSIZES];	/* leaf entries */
	pthread_mutex_t lock;
};

/* Result of a walk */
struct pgtable_walk {
	unsigned long pfn;	/* frame holding the address (4 KiB frame) */
	pgtval_t entry;		/* the leaf entry */
	enum tlb_pgsize size;	/* size of the mapping */
	unsigned int depth;	/* entries read, the leaf included */
};

/*
 * Create an empty address space of @levels (3, 4 or 5); allocates the top
 * table.  Returns 0 or -ENOMEM / -EINVAL.
 */
int pgtable_init(struct pgtable *pt, unsigned int levels);
/* Free every table (mappings may remain; their frames are not touched). */
void pgtable_destroy(struct pgtable *pt);

/*
 * Map @va (aligned to @size) to frame @pfn (aligned likewise) with @prot
 * (_PAGE_PRESENT implied; _PAGE_PSE is added for 2 MiB / 1 GiB).  Fails
 * with -EEXIST if anything is mapped there, -ENOMEM if a table cannot be
 * allocated, -EINVAL for a bad alignment, address or size.
 */
int pgtable_map(struct pgtable *pt, uint64_t va, unsigned long pfn,
		enum tlb_pgsize size, pgtval_t prot);
/* Map @nr 4 KiB pages at @va to @pfns[]; on error nothing stays mapped. */
int pgtable_map_pages(struct pgtable *pt, uint64_t va,
		      const unsigned long *pfns, unsigned long nr,
		      pgtval_t prot);
/*
 * Unmap the mapping that starts at @va of size @size.  Returns 0 and the
 * old entry in @old (may be NULL), or -ENOENT.  Empty tables are freed.
 */
int pgtable_unmap(struct pgtable *pt, uint64_t va, enum tlb_pgsize size,
		  pgtval_t *old);
/*
 * Unmap every mapping inside [start, end) (page aligned; large mappings must
 * lie wholly inside).  Returns the number of leaf entries cleared.
 */
unsigned long pgtable_unmap_range(struct pgtable *pt, uint64_t start,
				  uint64_t end);
/* Walk: 0 and @w filled, or -ENOENT (w->depth says how far it got). */
int pgtable_translate(struct pgtable *pt, uint64_t va,
		      struct pgtable_walk *w);
/*
 * Change the flags of the leaf entry mapping @va: new = (old & ~clear) |
 * set.  Returns 0 and the old entry in @old (may be NULL), or -ENOENT.
 */
int pgtable_update(struct pgtable *pt, uint64_t va, pgtval_t clear,
		   pgtval_t set, pgtval_t *old);
/* Invariant checker; 0 or -1 with the first violation printed to @fp. */
int pgtable_check(struct pgtable *pt, FILE *fp);

static inline unsigned long pte_pfn(pgtval_t e)
{
	return (unsigned long)((e & PTE_PFN_MASK) >> PAGE_SHIFT);
}

/*
 * The simulated kernel address space.
 *
 *   x86_64 (4-level)        32-bit (PAE, 3G/1G split)
 *   direct map  0xffff888000000000   PAGE_OFFSET 0xc0000000, lowmem <= 896 MiB
 *   vmalloc     0xffffc90000000000   high_memory + 8 MiB .. pkmap - 8 KiB
 *               (32 TiB)
 *   pkmap       -                    LAST_PKMAP (512) pages below fixmap
 *   fixmap      -                    KM_MAX_IDX slots per CPU, top of memory
 *
 * The direct map uses 1 GiB pages where the 1 GiB block is aligned and
 * wholly inside physical memory, 2 MiB likewise, 4 KiB for the rest.
 */
struct kmm_kspace {
	const char *name;		/* "x86_64", "x86_64-la57", "x86_32" */
	unsigned int pgtable_levels;
	uint64_t page_offset;		/* direct map base */
	uint64_t lowmem_limit;		/* bytes of memory direct-mapped */
	uint64_t vmalloc_start;
	uint64_t vmalloc_end;
	uint64_t pkmap_base;		/* 0 on the 64-bit layouts */
	uint64_t fixaddr_start;
	uint64_t fixaddr_top;
	bool gbpages;			/* direct map may use 1 GiB pages */
};

extern struct kmm_kspace kmm_kspace;
extern struct pgtable init_pgtable;	/* the kernel's tables (init_mm) */

/*
 * Five-level paging for the 64-bit layout (x86 LA57: direct map at
 * 0xff11000000000000, vmalloc at 0xffa0000000000000); set it before
 * kmm_kernel_pgtable_init().  Ignored on the 32-bit layout.
 */
void kmm_kspace_set_la57(bool on);

/*
 * Build the kernel address space for the machine kmm_mem_init() set up
 * (its 64- or 32-bit layout) and init_pgtable with the direct map of low
 * memory.  Returns 0 or a negative errno.  _exit frees the tables.
 */
int kmm_kernel_pgtable_init(void);
void kmm_kernel_pgtable_exit(void);
bool kmm_kernel_pgtable_ready(void);

/* Page size the direct map uses at physical address @pa */
enum tlb_pgsize kmm_direct_map_pgsize(uint64_t pa);

/*
 * Simulated kernel VA of a host pointer: a direct-map pointer (page_address,
 * kmalloc), a vmalloc/vmap pointer or a kmap pointer.  Stores the page size
 * that maps it in @size (may be NULL).  Returns 0 for a pointer that is in
 * none of them.
 */
uint64_t kmm_kva_of(const void *addr, enum tlb_pgsize *size);

/* Host pointer back from a direct-map kernel VA (NULL outside it) */
void *kmm_kva_to_host(uint64_t kva);

/* Direct-map VA of a physical address (no check) */
static inline uint64_t kmm_phys_to_kva(uint64_t pa)
{
	return kmm_kspace.page_offset + pa;
}

/*
 * Record one access to @addr (@len bytes, every @stride bytes) in the
 * calling CPU's TLB model with the kernel ASID.  Does nothing when the TLB
 * model is not initialised.
 */
void kmm_tlb_touch(const void *addr, size_t len, unsigned int stride);

#endif /* KMM_PGTABLE_H */
