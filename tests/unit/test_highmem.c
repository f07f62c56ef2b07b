// SPDX-License-Identifier: GPL-2.0
/*
 * High memory on the 32-bit layout: the kernel address space, kmap over
 * the pkmap area (reuse, flush, exhaustion and wake-up), kmap_local /
 * kmap_atomic nesting, vmalloc of high pages, and misuse reports.
 *
 * A forked child shares the simulated physical memory (a MAP_SHARED memfd)
 * with its parent, so the misuse tests' children first remap it privately:
 * page tables they write stay theirs.
 */
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/cpu.h"
#include "kmm/highmem.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/tlb.h"
#include "kmm/vmalloc.h"

static void setup(void)
{
	struct kmm_config cfg = { .mem_bytes = 1ULL << 30, .nr_cpus = 2,
				  .layout = KMM_LAYOUT_32BIT };

	if (kmm_mem_ready())
		return;
	if (kmm_mem_init(&cfg) || kmm_kernel_pgtable_init() ||
	    tlb_model_init(NULL) || kmm_highmem_init() || vmalloc_init())
		abort();
}

static struct page *high_page(void)
{
	struct page *p = alloc_page(GFP_HIGHUSER);

	if (!p || !PageHighMem(p))
		abort();
	return p;
}

TEST(x86_32_address_space)
{
	struct pgtable_walk w;
	struct page *low;

	setup();
	CHECK_STR_EQ(kmm_kspace.name, "x86_32");
	CHECK_EQ(kmm_kspace.pgtable_levels, 3);
	CHECK_UEQ(kmm_kspace.page_offset, 0xc0000000ULL);
	CHECK_UEQ(kmm_kspace.lowmem_limit, 896ULL << 20);
	CHECK(kmm_kspace.vmalloc_start >= 0xc0000000ULL + (896ULL << 20));
	CHECK(kmm_kspace.vmalloc_end < kmm_kspace.pkmap_base);
	CHECK(kmm_kspace.pkmap_base + LAST_PKMAP * PAGE_SIZE <=
	      kmm_kspace.fixaddr_start);
	CHECK(kmm_kspace.fixaddr_top <= 0xfffff000ULL);
	/* lowmem direct-mapped with 2 MiB pages, nothing above 896 MiB */
	CHECK_EQ(init_pgtable.nr_mapped[TLB_PG_2M], 448);
	CHECK_EQ(init_pgtable.nr_mapped[TLB_PG_1G], 0);
	low = alloc_page(GFP_KERNEL);
	REQUIRE(low && !PageHighMem(low));
	REQUIRE(pgtable_translate(&init_pgtable, kmm_kva_of(page_address(low),
				  NULL), &w) == 0);
	CHECK_EQ(w.pfn, page_to_pfn(low));
	CHECK_EQ(w.depth, 2);
	__free_page(low);
	CHECK_EQ(pgtable_check(&init_pgtable, stderr), 0);
}

TEST(kmap_gives_the_frame_bytes_and_a_pkmap_address)
{
	struct page *p;
	struct pgtable_walk w;
	char *v, *v2;
	uint64_t kva;

	setup();
	/*
	 * A freed page may keep an unused, unflushed pkmap slot (as in the
	 * kernel), so only a page never kmapped is known to have no address.
	 */
	p = high_page();
	v = kmap(p);
	REQUIRE(v);
	CHECK(page_address(p) == v);
	strcpy(v, "high");
	CHECK_STR_EQ((char *)kmm_frame_address(p), "high");
	kva = kmm_kva_of(v + 8, NULL);
	CHECK(kva >= kmm_kspace.pkmap_base &&
	      kva < kmm_kspace.pkmap_base + LAST_PKMAP * PAGE_SIZE);
	REQUIRE(pgtable_translate(&init_pgtable, kva, &w) == 0);
	CHECK_EQ(w.pfn, page_to_pfn(p));
	CHECK(kmap_to_page(v) == p);
	/* a second kmap of the same page shares the slot */
	v2 = kmap(p);
	CHECK(v2 == v);
	CHECK_EQ(pkmap_nr_used(), 1);
	kunmap(p);
	kunmap(p);
	CHECK_EQ(pkmap_nr_used(), 0);
	/* unused but not flushed yet: still mapped, same address again */
	CHECK(page_address(p) == v);
	CHECK(kmap(p) == v);
	kunmap(p);
	CHECK_EQ(highmem_check(stderr), 0);
	/* a low page is simply its direct-map address */
	{
		struct page *low = alloc_page(GFP_KERNEL);

		REQUIRE(low);
		CHECK(kmap(low) == page_address(low));
		kunmap(low);
		__free_page(low);
	}
}

struct waiter {
	struct page *page;
	void *addr;
	int started, done;
};

static void *kmap_waiter(void *arg)
{
	struct waiter *w = arg;

	kmm_set_cpu(1);
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	w->addr = kmap(w->page);	/* sleeps until a slot frees up */
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t waits(void)
{
	uint64_t st[NR_HIGHMEM_STAT_ITEMS];

	highmem_stats(st);
	return st[HIGHMEM_KMAP_WAIT];
}

TEST(kmap_exhaustion_waits_for_a_kunmap)
{
	static struct page *pages[LAST_PKMAP];
	struct waiter w = { 0 };
	uint64_t flushes0, st[NR_HIGHMEM_STAT_ITEMS], waits0;
	pthread_t t;

	setup();
	highmem_stats(st);
	flushes0 = st[HIGHMEM_FLUSH];
	waits0 = waits();
	CHECK_EQ(pkmap_nr_waiting(), 0);
	for (int i = 0; i < LAST_PKMAP; i++) {
		pages[i] = high_page();
		REQUIRE(kmap(pages[i]) != NULL);
	}
	CHECK_EQ(pkmap_nr_used(), LAST_PKMAP);
	/* wrapping around flushed the unused slots at least once */
	highmem_stats(st);
	if (KMM_STATS)
		CHECK(st[HIGHMEM_FLUSH] > flushes0);
	w.page = high_page();
	CHECK(kmap_high_get_nowait(w.page) == NULL);
	REQUIRE(pthread_create(&t, NULL, kmap_waiter, &w) == 0);
	while (!__atomic_load_n(&w.started, __ATOMIC_ACQUIRE) ||
	       !pkmap_nr_waiting())
		sched_yield();
	if (KMM_STATS)
		CHECK(waits() > waits0);
	CHECK(!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE));
	kunmap(pages[100]);
	pthread_join(t, NULL);
	CHECK(w.done);
	CHECK_EQ(pkmap_nr_waiting(), 0);
	REQUIRE(w.addr != NULL);
	CHECK(kmap_to_page(w.addr) == w.page);
	/* the waiter got the slot that was freed (after a flush) */
	CHECK(page_address(pages[100]) == NULL);
	CHECK_EQ(highmem_check(stderr), 0);
	kunmap(w.page);
	__free_page(w.page);
	for (int i = 0; i < LAST_PKMAP; i++) {
		if (i != 100)
			kunmap(pages[i]);
	}
	CHECK_EQ(pkmap_nr_used(), 0);
	CHECK_EQ(highmem_check(stderr), 0);
	for (int i = 0; i < LAST_PKMAP; i++)
		__free_page(pages[i]);
}

TEST(kmap_local_nests_as_a_stack)
{
	struct page *p[3];
	char *v[3];
	struct pgtable_walk w;

	setup();
	for (int i = 0; i < 3; i++)
		p[i] = high_page();
	v[0] = kmap_local_page(p[0]);
	v[1] = kmap_atomic(p[1]);
	v[2] = kmap_local_page(p[2]);
	CHECK(v[0] != v[1] && v[1] != v[2] && v[0] != v[2]);
	for (int i = 0; i < 3; i++) {
		uint64_t kva = kmm_kva_of(v[i], NULL);

		CHECK(kva >= kmm_kspace.fixaddr_start &&
		      kva < kmm_kspace.fixaddr_top);
		REQUIRE(pgtable_translate(&init_pgtable, kva, &w) == 0);
		CHECK_EQ(w.pfn, page_to_pfn(p[i]));
		CHECK(kmap_to_page(v[i]) == p[i]);
		memset(v[i], 'a' + i, PAGE_SIZE);
	}
	kunmap_local(v[2]);
	kunmap_atomic(v[1]);
	kunmap_local(v[0]);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(((char *)kmm_frame_address(p[i]))[77], 'a' + i);
		CHECK(pgtable_translate(&init_pgtable,
					kmm_kva_of(v[i], NULL), &w) != 0);
	}
	/* copy_highpage and clear_highpage use the same slots */
	copy_highpage(p[1], p[0]);
	CHECK_EQ(((char *)kmm_frame_address(p[1]))[5], 'a');
	clear_highpage(p[0]);
	CHECK_EQ(((char *)kmm_frame_address(p[0]))[5], 0);
	for (int i = 0; i < 3; i++)
		__free_page(p[i]);
}

TEST(vmalloc_uses_high_pages_on_32_bit)
{
	char *v;
	struct vm_struct *vm;
	int high = 0;

	setup();
	v = vmalloc(4 << 20);
	REQUIRE(v);
	vm = find_vm_area(v);
	REQUIRE(vm);
	for (unsigned int i = 0; i < vm->nr_pages; i++)
		high += PageHighMem(vm->pages[i]);
	CHECK(high > 0);
	CHECK(kmm_kva_of(v, NULL) >= kmm_kspace.vmalloc_start);
	CHECK(kmm_kva_of(v, NULL) + (4 << 20) <= kmm_kspace.vmalloc_end);
	memset(v, 3, 4 << 20);
	CHECK_EQ(vmalloc_check(stderr), 0);
	vfree(v);
}

/* In a death-test child: copy-on-write view of physical memory */
static void private_memory(void)
{
	if (mmap(kmm_phys_base, max_pfn << PAGE_SHIFT, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED, kmm_phys_fd, 0) == MAP_FAILED)
		abort();
}

static void unmap_out_of_order(void *arg)
{
	char *a, *b;

	(void)arg;
	private_memory();
	a = kmap_local_page(high_page());
	b = kmap_local_page(high_page());
	(void)b;
	kunmap_local(a);
}

static void too_many_local_maps(void *arg)
{
	(void)arg;
	private_memory();
	for (int i = 0; i <= KM_MAX_IDX; i++)
		kmap_local_page(high_page());
}

static void kunmap_unmapped(void *arg)
{
	(void)arg;
	private_memory();
	kunmap(high_page());
}

TEST(misuse_is_reported)
{
	setup();
	CHECK(th_expect_death(unmap_out_of_order, NULL, "most recent mapping",
			      NULL, 0));
	CHECK(th_expect_death(too_many_local_maps, NULL, "KM_MAX_IDX", NULL,
			      0));
	CHECK(th_expect_death(kunmap_unmapped, NULL, "not kmapped", NULL, 0));
}
