// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the page tables: map/unmap/translate at each page size and
 * depth, table pages from the buddy allocator freed when empty, conflicts,
 * the kernel direct map, and a randomized run against an array model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"

#define MB	(1ULL << 20)
#define GB	(1ULL << 30)
#define UVA	0x00007f0000000000ULL

static void machine(uint64_t bytes)
{
	struct kmm_config cfg = { .mem_bytes = bytes, .nr_cpus = 1 };

	if (kmm_mem_ready() && kmm_mem_config()->mem_bytes == bytes)
		return;
	kmm_kernel_pgtable_exit();
	kmm_mem_exit();
	if (kmm_mem_init(&cfg))
		abort();
}

TEST(map_translate_unmap_4k_frees_tables)
{
	struct pgtable pt;
	struct pgtable_walk w;
	unsigned long free0;
	pgtval_t old;

	machine(64 * MB);
	free0 = buddy_total_free_pages();
	REQUIRE(pgtable_init(&pt, 4) == 0);
	CHECK_EQ(pt.nr_tables, 1);
	CHECK_EQ(buddy_total_free_pages(), free0 - 1);
	CHECK_EQ(pgtable_translate(&pt, UVA, &w), -ENOENT);
	CHECK_EQ(w.depth, 1);
	REQUIRE(pgtable_map(&pt, UVA, 1234, TLB_PG_4K, PAGE_USER_RW) == 0);
	CHECK_EQ(pt.nr_tables, 4);	/* pgd + pud + pmd + pte */
	CHECK_EQ(buddy_total_free_pages(), free0 - 4);
	REQUIRE(pgtable_translate(&pt, UVA + 123, &w) == 0);
	CHECK_EQ(w.pfn, 1234);
	CHECK_EQ(w.depth, 4);
	CHECK_EQ(w.size, TLB_PG_4K);
	CHECK(w.entry & _PAGE_USER);
	/* the neighbour page is not mapped; the walk reads all 4 levels */
	CHECK_EQ(pgtable_translate(&pt, UVA + 4096, &w), -ENOENT);
	CHECK_EQ(w.depth, 4);
	CHECK_EQ(pgtable_map(&pt, UVA, 99, TLB_PG_4K, PAGE_USER_RW), -EEXIST);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	REQUIRE(pgtable_unmap(&pt, UVA, TLB_PG_4K, &old) == 0);
	CHECK_EQ(pte_pfn(old), 1234);
	CHECK_EQ(pt.nr_tables, 1);
	CHECK_EQ(pgtable_unmap(&pt, UVA, TLB_PG_4K, NULL), -ENOENT);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	pgtable_destroy(&pt);
	CHECK_EQ(buddy_total_free_pages(), free0);
	CHECK_EQ(buddy_check(stderr), 0);
}

TEST(huge_mappings_and_conflicts)
{
	struct pgtable pt;
	struct pgtable_walk w;

	machine(64 * MB);
	REQUIRE(pgtable_init(&pt, 4) == 0);
	REQUIRE(pgtable_map(&pt, UVA, 512, TLB_PG_2M, PAGE_USER_RW) == 0);
	REQUIRE(pgtable_translate(&pt, UVA + 5 * 4096 + 7, &w) == 0);
	CHECK_EQ(w.pfn, 512 + 5);
	CHECK_EQ(w.depth, 3);
	CHECK_EQ(w.size, TLB_PG_2M);
	CHECK(w.entry & _PAGE_PSE);
	/* a 4 KiB page inside the 2 MiB one */
	CHECK_EQ(pgtable_map(&pt, UVA + 4096, 1, TLB_PG_4K, 0), -EEXIST);
	REQUIRE(pgtable_map(&pt, UVA + GB, 0, TLB_PG_1G, PAGE_USER_RW) == 0);
	REQUIRE(pgtable_translate(&pt, UVA + GB + 3 * MB, &w) == 0);
	CHECK_EQ(w.pfn, 3 * 256);
	CHECK_EQ(w.depth, 2);
	CHECK_EQ(w.size, TLB_PG_1G);
	/* a 2 MiB page where a pte table exists */
	REQUIRE(pgtable_map(&pt, UVA + 2 * GB, 7, TLB_PG_4K, 0) == 0);
	CHECK_EQ(pgtable_map(&pt, UVA + 2 * GB, 512, TLB_PG_2M, 0), -EEXIST);
	/* alignment and canonical checks */
	CHECK_EQ(pgtable_map(&pt, UVA + 4096, 512, TLB_PG_2M, 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, UVA + 4 * GB, 3, TLB_PG_2M, 0), -EINVAL);
	CHECK_EQ(pgtable_map(&pt, 0x0000900000000000ULL, 1, TLB_PG_4K, 0),
		 -EINVAL);
	/* unmapping with the wrong size fails */
	CHECK_EQ(pgtable_unmap(&pt, UVA, TLB_PG_4K, NULL), -ENOENT);
	CHECK_EQ(pgtable_unmap(&pt, UVA + GB, TLB_PG_2M, NULL), -ENOENT);
	CHECK_EQ(pt.nr_mapped[TLB_PG_4K], 1);
	CHECK_EQ(pt.nr_mapped[TLB_PG_2M], 1);
	CHECK_EQ(pt.nr_mapped[TLB_PG_1G], 1);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	CHECK_EQ(pgtable_unmap_range(&pt, UVA, UVA + 3 * GB), 3);
	CHECK_EQ(pt.nr_tables, 1);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	pgtable_destroy(&pt);
}

TEST(five_and_three_levels)
{
	struct pgtable pt;
	struct pgtable_walk w;

	machine(64 * MB);
	REQUIRE(pgtable_init(&pt, 5) == 0);
	REQUIRE(pgtable_map(&pt, 0x00ff000000000000ULL, 5, TLB_PG_4K,
			    PAGE_USER_RW) == 0);
	REQUIRE(pgtable_translate(&pt, 0x00ff000000000000ULL, &w) == 0);
	CHECK_EQ(w.depth, 5);
	CHECK_EQ(pt.nr_tables, 5);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	pgtable_destroy(&pt);

	REQUIRE(pgtable_init(&pt, 3) == 0);
	CHECK_EQ(pgtable_map(&pt, 0xc0000000ULL, 0, TLB_PG_1G, 0), -EINVAL);
	REQUIRE(pgtable_map(&pt, 0xc0000000ULL, 0, TLB_PG_2M, 0) == 0);
	REQUIRE(pgtable_map(&pt, 0xfffff000ULL, 9, TLB_PG_4K, 0) == 0);
	REQUIRE(pgtable_translate(&pt, 0xfffff000ULL, &w) == 0);
	CHECK_EQ(w.depth, 3);
	CHECK_EQ(w.pfn, 9);
	CHECK_EQ(pgtable_map(&pt, 0x100000000ULL, 1, TLB_PG_4K, 0), -EINVAL);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	pgtable_destroy(&pt);
	CHECK_EQ(pgtable_init(&pt, 6), -EINVAL);
}

TEST(update_changes_flags_only)
{
	struct pgtable pt;
	struct pgtable_walk w;
	pgtval_t old;

	machine(64 * MB);
	REQUIRE(pgtable_init(&pt, 4) == 0);
	REQUIRE(pgtable_map(&pt, UVA, 42, TLB_PG_4K, PAGE_USER_RW) == 0);
	REQUIRE(pgtable_update(&pt, UVA + 8, _PAGE_RW, _PAGE_SOFTW1, &old) ==
		0);
	CHECK(old & _PAGE_RW);
	REQUIRE(pgtable_translate(&pt, UVA, &w) == 0);
	CHECK(!(w.entry & _PAGE_RW));
	CHECK(w.entry & _PAGE_SOFTW1);
	CHECK_EQ(w.pfn, 42);
	CHECK_EQ(pgtable_update(&pt, UVA, _PAGE_PRESENT, 0, NULL), -EINVAL);
	CHECK_EQ(pgtable_update(&pt, UVA + 4096, 0, _PAGE_DIRTY, NULL),
		 -ENOENT);
	pgtable_destroy(&pt);
}

TEST(kernel_direct_map_uses_large_pages)
{
	struct pgtable_walk w;
	struct page *p;
	enum tlb_pgsize s;
	uint64_t kva;

	machine(64 * MB);
	REQUIRE(kmm_kernel_pgtable_init() == 0);
	CHECK_EQ(kmm_kernel_pgtable_init(), -EBUSY);
	CHECK_STR_EQ(kmm_kspace.name, "x86_64");
	CHECK_UEQ(kmm_kspace.page_offset, 0xffff888000000000ULL);
	CHECK_UEQ(kmm_kspace.vmalloc_start, 0xffffc90000000000ULL);
	/* 64 MiB: 32 mappings of 2 MiB, no 1 GiB block fits */
	CHECK_EQ(init_pgtable.nr_mapped[TLB_PG_2M], 32);
	CHECK_EQ(init_pgtable.nr_mapped[TLB_PG_1G], 0);
	p = alloc_page(GFP_KERNEL);
	REQUIRE(p);
	kva = kmm_kva_of((char *)page_address(p) + 100, &s);
	CHECK_UEQ(kva, 0xffff888000000000ULL +
		  ((uint64_t)page_to_pfn(p) << PAGE_SHIFT) + 100);
	CHECK_EQ(s, TLB_PG_2M);
	REQUIRE(pgtable_translate(&init_pgtable, kva, &w) == 0);
	CHECK_EQ(w.pfn, page_to_pfn(p));
	CHECK_EQ(w.depth, 3);
	CHECK(kmm_kva_to_host(kva) == (char *)page_address(p) + 100);
	CHECK_EQ(kmm_kva_of(&w, NULL), 0);	/* a host stack address */
	__free_page(p);
	CHECK_EQ(pgtable_check(&init_pgtable, stderr), 0);
	kmm_kernel_pgtable_exit();

	/* 3 GiB: the first two GiB with 1 GiB pages */
	machine(3 * GB);
	REQUIRE(kmm_kernel_pgtable_init() == 0);
	CHECK_EQ(init_pgtable.nr_mapped[TLB_PG_1G], 3);
	CHECK_EQ(kmm_direct_map_pgsize(GB + 5), TLB_PG_1G);
	CHECK_EQ(pgtable_check(&init_pgtable, stderr), 0);
	kmm_kernel_pgtable_exit();

	/* five levels: the LA57 layout */
	kmm_kspace_set_la57(true);
	REQUIRE(kmm_kernel_pgtable_init() == 0);
	kmm_kspace_set_la57(false);
	CHECK_STR_EQ(kmm_kspace.name, "x86_64-la57");
	CHECK_EQ(init_pgtable.levels, 5);
	CHECK_UEQ(kmm_kspace.page_offset, 0xff11000000000000ULL);
	REQUIRE(pgtable_translate(&init_pgtable,
				  kmm_phys_to_kva(GB + 4096), &w) == 0);
	CHECK_EQ(w.depth, 3);
	CHECK_EQ(w.pfn, (GB + 4096) >> PAGE_SHIFT);
	CHECK_EQ(pgtable_check(&init_pgtable, stderr), 0);
	kmm_kernel_pgtable_exit();
	machine(64 * MB);
}

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

TEST(random_map_unmap_matches_model)
{
	enum { SLOTS = 4096 };
	static unsigned long model[SLOTS];	/* pfn + 1, 0 = unmapped */
	struct pgtable pt;
	unsigned long free0;

	machine(64 * MB);
	rnd_state = th_seed() | 1;
	memset(model, 0, sizeof(model));
	free0 = buddy_total_free_pages();
	REQUIRE(pgtable_init(&pt, 4) == 0);
	for (int step = 0; step < 30000; step++) {
		/* slots spread over several pte/pmd/pud tables */
		unsigned long i = rnd() % SLOTS;
		uint64_t va = UVA + (i % 64) * 4096 +
			      ((i / 64) % 8) * (2 * MB) + (i / 512) * GB;

		if (model[i]) {
			pgtval_t old;

			REQUIRE(pgtable_unmap(&pt, va, TLB_PG_4K, &old) == 0);
			CHECK_EQ(pte_pfn(old) + 1, model[i]);
			model[i] = 0;
		} else {
			unsigned long pfn = rnd() % max_pfn;

			REQUIRE(pgtable_map(&pt, va, pfn, TLB_PG_4K,
					    PAGE_USER_RW) == 0);
			model[i] = pfn + 1;
		}
		if (step % 3000 == 0) {
			REQUIRE(pgtable_check(&pt, stderr) == 0);
			for (unsigned long j = 0; j < SLOTS; j++) {
				struct pgtable_walk w;
				uint64_t v = UVA + (j % 64) * 4096 +
					     ((j / 64) % 8) * (2 * MB) +
					     (j / 512) * GB;
				int r = pgtable_translate(&pt, v, &w);

				CHECK_EQ(r == 0, model[j] != 0);
				if (!r)
					CHECK_EQ(w.pfn + 1, model[j]);
			}
		}
	}
	pgtable_unmap_range(&pt, UVA, UVA + 8 * GB);
	CHECK_EQ(pt.nr_tables, 1);
	CHECK_EQ(pgtable_check(&pt, stderr), 0);
	pgtable_destroy(&pt);
	CHECK_EQ(buddy_total_free_pages(), free0);
}
