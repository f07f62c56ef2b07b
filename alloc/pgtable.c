// SPDX-License-Identifier: GPL-2.0
/*
 * pgtable.c - page tables with table pages from the buddy allocator, and
 * the simulated kernel address space (see kmm/pgtable.h).
 *
 * Lock order: pgtable->lock -> buddy zone locks (alloc_page/__free_page).
 * Callers may hold their own locks (vmap_area_lock, an mm's lock) first.
 *
 * Table page states: ALLOCATED (PG_table, pt_used == 0, just linked) ->
 * IN USE (pt_used > 0) -> freed when pt_used drops to 0, except the top
 * table, which lives until pgtable_destroy().
 *
 * Levels are numbered from the leaf: 0 pte, 1 pmd, 2 pud, 3 p4d/pgd, 4 pgd.
 * Level l indexes VA bits [12 + 9l, 21 + 9l); a PS entry at level 1 maps
 * 2 MiB, at level 2 1 GiB, so a mapping of tlb_pgsize ps is a leaf at
 * level ps.  Invariants: see pgtable.h and pgtable_check().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmm/highmem.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/vmalloc.h"

/* flags of an entry that points to a lower table */
#define _PAGE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

static inline unsigned int level_shift(unsigned int l)
{
	return PAGE_SHIFT + PT_INDEX_BITS * l;
}

static inline unsigned int pt_index(uint64_t va, unsigned int l)
{
	return (unsigned int)(va >> level_shift(l)) & (PTRS_PER_TABLE - 1);
}

static inline pgtval_t *table_of(struct page *page)
{
	return (pgtval_t *)kmm_frame_address(page);
}

static inline struct page *entry_table(pgtval_t e)
{
	return pfn_to_page(pte_pfn(e));
}

static bool va_ok(const struct pgtable *pt, uint64_t va)
{
	uint64_t top;

	if (pt->va_bits == 32)
		return va < (1ULL << 32);
	/* canonical: bits above va_bits - 1 copy bit va_bits - 1 */
	top = (uint64_t)((int64_t)(va << (64 - pt->va_bits)) >>
			 (64 - pt->va_bits));
	return top == va;
}

static struct page *table_alloc(struct pgtable *pt, unsigned int level,
				unsigned int index)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

	if (!page)
		return NULL;
	__SetPageTable(page);
	page->_pt_pad = 0;
	page->pt_level = level;
	page->pt_index = index;
	page->pt_used = 0;
	pt->nr_tables++;
	return page;
}

static void table_free(struct pgtable *pt, struct page *page)
{
	__ClearPageTable(page);
	page->pt_level = page->pt_index = page->pt_used = 0;
	page->_pt_pad = 0;
	pt->nr_tables--;
	__free_page(page);
}

int pgtable_init(struct pgtable *pt, unsigned int levels)
{
	memset(pt, 0, sizeof(*pt));
	if (levels < 3 || levels > 5)
		return -EINVAL;
	pt->levels = levels;
	pt->va_bits = levels == 3 ? 32 : levels == 4 ? 48 : 57;
	pthread_mutex_init(&pt->lock, NULL);
	pt->top = table_alloc(pt, levels - 1, 0);
	if (!pt->top) {
		pthread_mutex_destroy(&pt->lock);
		return -ENOMEM;
	}
	return 0;
}

static void free_tree(struct pgtable *pt, struct page *table)
{
	pgtval_t *t = table_of(table);

	if (table->pt_level > 0) {
		for (int i = 0; i < PTRS_PER_TABLE; i++)
			if ((t[i] & _PAGE_PRESENT) && !(t[i] & _PAGE_PSE))
				free_tree(pt, entry_table(t[i]));
	}
	table_free(pt, table);
}

void pgtable_destroy(struct pgtable *pt)
{
	if (!pt->top)
		return;
	free_tree(pt, pt->top);
	pt->top = NULL;
	memset(pt->nr_mapped, 0, sizeof(pt->nr_mapped));
	pthread_mutex_destroy(&pt->lock);
}

/* The tables on the way to @va: path[l] is the table of level l. */
struct pt_path {
	struct page *table[5];
};

/*
 * Free the empty tables of @path from level @from up (not the top), and
 * clear their entries in their parents.
 */
static void prune(struct pgtable *pt, struct pt_path *path, unsigned int from)
{
	for (unsigned int l = from; l + 1 < pt->levels; l++) {
		struct page *table = path->table[l], *parent;

		if (!table || table->pt_used)
			return;
		parent = path->table[l + 1];
		table_of(parent)[table->pt_index] = 0;
		parent->pt_used--;
		table_free(pt, table);
		path->table[l] = NULL;
	}
}

static int __map(struct pgtable *pt, uint64_t va, unsigned long pfn,
		 enum tlb_pgsize size, pgtval_t prot)
{
	struct pt_path path = { { NULL } };
	unsigned int leaf = (unsigned int)size, l;
	struct page *table = pt->top;
	pgtval_t *slot;

	for (l = pt->levels - 1; l > leaf; l--) {
		pgtval_t *e = &table_of(table)[pt_index(va, l)];

		path.table[l] = table;
		if (!(*e & _PAGE_PRESENT)) {
			struct page *child = table_alloc(pt, l - 1,
							 pt_index(va, l));

			if (!child) {
				prune(pt, &path, l);
				return -ENOMEM;
			}
			*e = ((pgtval_t)page_to_pfn(child) << PAGE_SHIFT) |
			     _PAGE_TABLE;
			table->pt_used++;
		} else if (*e & _PAGE_PSE) {
			return -EEXIST;
		}
		table = entry_table(*e);
	}
	slot = &table_of(table)[pt_index(va, leaf)];
	if (*slot & _PAGE_PRESENT)
		return -EEXIST;
	*slot = ((pgtval_t)pfn << PAGE_SHIFT) | prot | _PAGE_PRESENT |
		(leaf ? _PAGE_PSE : 0);
	table->pt_used++;
	pt->nr_mapped[size]++;
	return 0;
}

static int map_args_ok(const struct pgtable *pt, uint64_t va,
		       unsigned long pfn, enum tlb_pgsize size)
{
	uint64_t bytes;

	if ((unsigned int)size >= TLB_NR_PGSIZES ||
	    (size == TLB_PG_1G && pt->levels < 4))
		return -EINVAL;
	bytes = tlb_pgsize_bytes(size);
	if (!IS_ALIGNED(va, bytes) || !va_ok(pt, va) ||
	    !IS_ALIGNED((uint64_t)pfn << PAGE_SHIFT, bytes) ||
	    pfn > (PTE_PFN_MASK >> PAGE_SHIFT))
		return -EINVAL;
	return 0;
}

int pgtable_map(struct pgtable *pt, uint64_t va, unsigned long pfn,
		enum tlb_pgsize size, pgtval_t prot)
{
	int ret = map_args_ok(pt, va, pfn, size);

	if (ret)
		return ret;
	pthread_mutex_lock(&pt->lock);
	ret = __map(pt, va, pfn, size, prot & PTE_FLAGS_MASK & ~_PAGE_PSE);
	pthread_mutex_unlock(&pt->lock);
	return ret;
}

/*
 * Walk to the leaf of @size for @va, filling @path; returns the entry slot
 * or NULL (w_depth: entries read).
 */
static pgtval_t *find_slot(struct pgtable *pt, uint64_t va, unsigned int leaf,
			   struct pt_path *path)
{
	struct page *table = pt->top;

	for (unsigned int l = pt->levels - 1;; l--) {
		pgtval_t *e = &table_of(table)[pt_index(va, l)];

		path->table[l] = table;
		if (!(*e & _PAGE_PRESENT))
			return NULL;
		if (l == leaf)
			return (l == 0 || (*e & _PAGE_PSE)) ? e : NULL;
		if (*e & _PAGE_PSE)
			return NULL;
		table = entry_table(*e);
	}
}

static int __unmap(struct pgtable *pt, uint64_t va, enum tlb_pgsize size,
		   pgtval_t *old)
{
	struct pt_path path = { { NULL } };
	pgtval_t *slot = find_slot(pt, va, (unsigned int)size, &path);

	if (!slot)
		return -ENOENT;
	if (old)
		*old = *slot;
	*slot = 0;
	path.table[size]->pt_used--;
	pt->nr_mapped[size]--;
	prune(pt, &path, (unsigned int)size);
	return 0;
}

int pgtable_unmap(struct pgtable *pt, uint64_t va, enum tlb_pgsize size,
		  pgtval_t *old)
{
	int ret;

	if ((unsigned int)size >= TLB_NR_PGSIZES || !va_ok(pt, va) ||
	    !IS_ALIGNED(va, tlb_pgsize_bytes(size)))
		return -EINVAL;
	pthread_mutex_lock(&pt->lock);
	ret = __unmap(pt, va, size, old);
	pthread_mutex_unlock(&pt->lock);
	return ret;
}

int pgtable_map_pages(struct pgtable *pt, uint64_t va,
		      const unsigned long *pfns, unsigned long nr,
		      pgtval_t prot)
{
	unsigned long i;
	int ret = 0;

	for (i = 0; i < nr; i++) {
		ret = map_args_ok(pt, va + i * PAGE_SIZE, pfns[i], TLB_PG_4K);
		if (ret)
			return ret;
	}
	prot &= PTE_FLAGS_MASK & ~_PAGE_PSE;
	pthread_mutex_lock(&pt->lock);
	for (i = 0; i < nr; i++) {
		ret = __map(pt, va + i * PAGE_SIZE, pfns[i], TLB_PG_4K, prot);
		if (ret)
			break;
	}
	if (ret)
		while (i--)
			__unmap(pt, va + i * PAGE_SIZE, TLB_PG_4K, NULL);
	pthread_mutex_unlock(&pt->lock);
	return ret;
}

static int __translate(struct pgtable *pt, uint64_t va, struct pgtable_walk *w)
{
	struct page *table = pt->top;

	memset(w, 0, sizeof(*w));
	for (unsigned int l = pt->levels - 1;; l--) {
		pgtval_t e = table_of(table)[pt_index(va, l)];

		w->depth++;
		if (!(e & _PAGE_PRESENT))
			return -ENOENT;
		if (l == 0 || (e & _PAGE_PSE)) {
			uint64_t within = (va & ((1ULL << level_shift(l)) - 1))
					  >> PAGE_SHIFT;

			w->entry = e;
			w->size = (enum tlb_pgsize)l;
			w->pfn = pte_pfn(e) + (unsigned long)within;
			return 0;
		}
		table = entry_table(e);
	}
}

int pgtable_translate(struct pgtable *pt, uint64_t va, struct pgtable_walk *w)
{
	int ret;

	if (!va_ok(pt, va)) {
		memset(w, 0, sizeof(*w));
		return -ENOENT;
	}
	pthread_mutex_lock(&pt->lock);
	ret = __translate(pt, va, w);
	pthread_mutex_unlock(&pt->lock);
	return ret;
}

unsigned long pgtable_unmap_range(struct pgtable *pt, uint64_t start,
				  uint64_t end)
{
	unsigned long n = 0;
	uint64_t va = start;

	pthread_mutex_lock(&pt->lock);
	while (va < end && va >= start) {
		struct pgtable_walk w;
		uint64_t step;

		if (!va_ok(pt, va))
			break;
		if (__translate(pt, va, &w)) {
			/* nothing below the level where the walk stopped */
			step = 1ULL << level_shift(pt->levels - w.depth);
			va = ALIGN_DOWN(va, step) + step;
			continue;
		}
		step = tlb_pgsize_bytes(w.size);
		if (IS_ALIGNED(va, step) && va + step <= end &&
		    !__unmap(pt, va, w.size, NULL))
			n++;
		va = ALIGN_DOWN(va, step) + step;
	}
	pthread_mutex_unlock(&pt->lock);
	return n;
}

int pgtable_update(struct pgtable *pt, uint64_t va, pgtval_t clear,
		   pgtval_t set, pgtval_t *old)
{
	struct pt_path path;
	pgtval_t *slot = NULL;

	if ((clear & (_PAGE_PRESENT | _PAGE_PSE | PTE_PFN_MASK)) ||
	    (set & (_PAGE_PSE | PTE_PFN_MASK)))
		return -EINVAL;
	if (!va_ok(pt, va))
		return -ENOENT;
	pthread_mutex_lock(&pt->lock);
	for (unsigned int leaf = 0; leaf < 3 && !slot; leaf++)
		slot = find_slot(pt, va, leaf, &path);
	if (slot) {
		if (old)
			*old = *slot;
		*slot = (*slot & ~clear) | set;
	}
	pthread_mutex_unlock(&pt->lock);
	return slot ? 0 : -ENOENT;
}

static int check_table(struct pgtable *pt, struct page *table,
		       unsigned int level, unsigned int index,
		       unsigned long *tables, unsigned long *mapped, FILE *fp)
{
	pgtval_t *t = table_of(table);
	unsigned long used = 0;

	(*tables)++;
	if (!PageTable(table) || table->pt_level != level ||
	    table->pt_index != index) {
		fprintf(fp, "pgtable: table pfn %lu: PG_table %d level %lu "
			"index %lu, expected level %u index %u\n",
			page_to_pfn(table), PageTable(table), table->pt_level,
			table->pt_index, level, index);
		return -1;
	}
	for (unsigned int i = 0; i < PTRS_PER_TABLE; i++) {
		pgtval_t e = t[i];

		if (!(e & _PAGE_PRESENT)) {
			if (e) {
				fprintf(fp, "pgtable: junk in a non-present "
					"entry %u of level %u\n", i, level);
				return -1;
			}
			continue;
		}
		used++;
		if (level == 0 || (e & _PAGE_PSE)) {
			uint64_t bytes = 1ULL << level_shift(level);

			if (level > 2 || (level == 2 && pt->levels < 4) ||
			    !IS_ALIGNED(pte_pfn(e) << PAGE_SHIFT, bytes) ||
			    !pfn_valid(pte_pfn(e))) {
				fprintf(fp, "pgtable: bad leaf %#llx at level "
					"%u\n", (unsigned long long)e, level);
				return -1;
			}
			mapped[level]++;
			continue;
		}
		if (!pfn_valid(pte_pfn(e)) ||
		    check_table(pt, entry_table(e), level - 1, i, tables,
				mapped, fp))
			return -1;
	}
	if (table != pt->top && (used != table->pt_used || !used)) {
		fprintf(fp, "pgtable: level %u table pfn %lu: pt_used %lu, "
			"%lu entries present\n", level, page_to_pfn(table),
			table->pt_used, used);
		return -1;
	}
	return 0;
}

int pgtable_check(struct pgtable *pt, FILE *fp)
{
	unsigned long tables = 0, mapped[TLB_NR_PGSIZES] = { 0 };
	int ret;

	pthread_mutex_lock(&pt->lock);
	ret = check_table(pt, pt->top, pt->levels - 1, 0, &tables, mapped, fp);
	if (!ret && tables != pt->nr_tables) {
		fprintf(fp, "pgtable: %lu tables, counted %lu\n", tables,
			pt->nr_tables);
		ret = -1;
	}
	for (int s = 0; !ret && s < TLB_NR_PGSIZES; s++) {
		if (mapped[s] != pt->nr_mapped[s]) {
			fprintf(fp, "pgtable: %lu mappings of size %d, "
				"counted %lu\n", mapped[s], s,
				pt->nr_mapped[s]);
			ret = -1;
		}
	}
	pthread_mutex_unlock(&pt->lock);
	return ret;
}

/* ---- the kernel address space ---- */

struct kmm_kspace kmm_kspace;
struct pgtable init_pgtable;
static bool kspace_la57;
static bool kspace_ready;

void kmm_kspace_set_la57(bool on)
{
	kspace_la57 = on;
}

static void kspace_setup(void)
{
	const struct kmm_config *cfg = kmm_mem_config();
	uint64_t mem = (uint64_t)max_pfn << PAGE_SHIFT;
	struct kmm_kspace *k = &kmm_kspace;

	memset(k, 0, sizeof(*k));
	if (cfg && cfg->layout == KMM_LAYOUT_32BIT) {
		/* PAE, 3G/1G split; arch/x86/include/asm/pgtable_32_areas.h */
		k->name = "x86_32";
		k->pgtable_levels = 3;
		k->page_offset = 0xc0000000ULL;
		k->lowmem_limit = mem < (896ULL << 20) ? mem : 896ULL << 20;
		k->fixaddr_top = 0xfffff000ULL;
		k->fixaddr_start = k->fixaddr_top -
				   (uint64_t)KM_MAX_IDX * KMM_MAX_CPUS *
				   PAGE_SIZE;
		k->pkmap_base = (k->fixaddr_start -
				 PAGE_SIZE * (LAST_PKMAP + 1)) &
				~((2ULL << 20) - 1);
		k->vmalloc_start = ALIGN(k->page_offset + k->lowmem_limit +
					 (8ULL << 20), 8ULL << 20);
		k->vmalloc_end = k->pkmap_base - 2 * PAGE_SIZE;
		k->gbpages = false;
	} else if (kspace_la57) {
		k->name = "x86_64-la57";
		k->pgtable_levels = 5;
		k->page_offset = 0xff11000000000000ULL;
		k->lowmem_limit = mem;
		k->vmalloc_start = 0xffa0000000000000ULL;
		k->vmalloc_end = k->vmalloc_start + (12800ULL << 40) - 1;
		k->gbpages = true;
	} else {
		k->name = "x86_64";
		k->pgtable_levels = 4;
		k->page_offset = 0xffff888000000000ULL;
		k->lowmem_limit = mem;
		k->vmalloc_start = 0xffffc90000000000ULL;
		k->vmalloc_end = k->vmalloc_start + (32ULL << 40) - 1;
		k->gbpages = true;
	}
}

enum tlb_pgsize kmm_direct_map_pgsize(uint64_t pa)
{
	const struct kmm_kspace *k = &kmm_kspace;
	uint64_t gb = 1ULL << 30, mb2 = 2ULL << 20;

	if (k->gbpages && ALIGN_DOWN(pa, gb) + gb <= k->lowmem_limit)
		return TLB_PG_1G;
	if (ALIGN_DOWN(pa, mb2) + mb2 <= k->lowmem_limit)
		return TLB_PG_2M;
	return TLB_PG_4K;
}

int kmm_kernel_pgtable_init(void)
{
	uint64_t pa;
	int ret;

	if (kspace_ready)
		return -EBUSY;
	if (!kmm_mem_ready())
		return -ENODEV;
	kspace_setup();
	ret = pgtable_init(&init_pgtable, kmm_kspace.pgtable_levels);
	if (ret)
		return ret;
	for (pa = 0; pa < kmm_kspace.lowmem_limit;) {
		enum tlb_pgsize s = kmm_direct_map_pgsize(pa);

		ret = pgtable_map(&init_pgtable, kmm_phys_to_kva(pa),
				  (unsigned long)(pa >> PAGE_SHIFT), s,
				  PAGE_KERNEL);
		if (ret) {
			pgtable_destroy(&init_pgtable);
			return ret;
		}
		pa += tlb_pgsize_bytes(s);
	}
	kspace_ready = true;
	return 0;
}

void kmm_kernel_pgtable_exit(void)
{
	if (!kspace_ready)
		return;
	pgtable_destroy(&init_pgtable);
	kspace_ready = false;
}

bool kmm_kernel_pgtable_ready(void)
{
	return kspace_ready;
}

void *kmm_kva_to_host(uint64_t kva)
{
	uint64_t pa = kva - kmm_kspace.page_offset;

	if (kva < kmm_kspace.page_offset || pa >= kmm_kspace.lowmem_limit)
		return NULL;
	return __va(pa);
}

uint64_t kmm_kva_of(const void *addr, enum tlb_pgsize *size)
{
	enum tlb_pgsize s = TLB_PG_4K;
	uint64_t kva = 0;

	if (virt_addr_valid(addr)) {
		uint64_t pa = __pa(addr);

		if (pa < kmm_kspace.lowmem_limit) {
			kva = kmm_phys_to_kva(pa);
			s = kmm_direct_map_pgsize(pa);
		}
	} else if (kmm_is_vmalloc_host(addr)) {
		kva = vmalloc_kva_of(addr, &s);
	} else {
		kva = kmm_kmap_kva(addr);
	}
	if (size)
		*size = s;
	return kva;
}

void kmm_tlb_touch(const void *addr, size_t len, unsigned int stride)
{
	struct tlb *tlb = tlb_this_cpu();
	const char *p = addr, *end = p + len;

	if (!tlb || !len)
		return;
	if (!stride)
		stride = 64;
	while (p < end) {
		enum tlb_pgsize s;
		uint64_t kva = kmm_kva_of(p, &s);
		/* stay within this 4 KiB page, then look again */
		const char *pend = (const char *)ALIGN_DOWN((uintptr_t)p,
							    PAGE_SIZE) +
				   PAGE_SIZE;

		if (pend > end)
			pend = end;
		if (!kva)
			break;
		for (; p < pend; p += stride, kva += stride)
			tlb_access(tlb, kva, TLB_ASID_KERNEL, s);
	}
	tlb_fold_stats(tlb);
}
