// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of vmalloc: real bytes through the host alias, page tables,
 * guard pages, lazy purge with TLB flush, vmap, kvmalloc, huge mappings,
 * /proc/vmallocinfo, misuse reports.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/slab.h"
#include "kmm/tlb.h"
#include "kmm/vmalloc.h"

static unsigned long free0;

static void setup(void)
{
	struct kmm_config cfg = { .mem_bytes = 128 << 20, .nr_cpus = 2 };

	if (kmm_mem_ready())
		return;
	if (kmm_mem_init(&cfg) || kmem_cache_init() ||
	    kmm_kernel_pgtable_init() ||
	    tlb_model_init(NULL) || vmalloc_init())
		abort();
	free0 = buddy_total_free_pages();
}

/* everything freed and purged: the machine is as it started */
static void check_clean(void)
{
	vm_unmap_aliases();
	CHECK_EQ(vmalloc_space()->nr_free, 1);
	CHECK_EQ(vmalloc_space()->nr_busy, 0);
	CHECK_EQ(buddy_total_free_pages(), free0);
	CHECK_EQ(vmalloc_check(stderr), 0);
	CHECK_EQ(buddy_check(stderr), 0);
}

TEST(vmalloc_gives_real_bytes_backed_by_its_pages)
{
	unsigned char *p;
	struct vm_struct *vm;
	enum tlb_pgsize s;
	uint64_t kva;

	setup();
	p = vmalloc(10000);
	REQUIRE(p);
	CHECK(is_vmalloc_addr(p));
	CHECK(is_vmalloc_addr(p + 9999));
	vm = find_vm_area(p + 5000);
	REQUIRE(vm);
	CHECK_EQ(vm->nr_pages, 3);
	CHECK_EQ(vm->size, 4 * PAGE_SIZE);	/* with the guard page */
	for (int i = 0; i < 10000; i++)
		p[i] = (unsigned char)(i * 7);
	for (int i = 0; i < 3; i++) {
		struct page *pg = vmalloc_to_page(p + i * PAGE_SIZE + 5);
		unsigned char *frame;

		REQUIRE(pg);
		CHECK(pg == vm->pages[i]);
		frame = kmm_frame_address(pg);
		CHECK_EQ(frame[17], (unsigned char)((i * 4096 + 17) * 7));
	}
	kva = kmm_kva_of(p + 4097, &s);
	CHECK_UEQ(kva, kmm_kspace.vmalloc_start + (uint64_t)((char *)p -
		  vmalloc_host_base) + 4097);
	CHECK_EQ(s, TLB_PG_4K);
	CHECK(kva >= kmm_kspace.vmalloc_start && kva < kmm_kspace.vmalloc_end);
	CHECK_EQ(vmalloc_check(stderr), 0);
	vfree(p);
	CHECK(find_vm_area(p) == NULL);
	CHECK(vmalloc_to_page(p) == NULL);
	check_clean();
}

TEST(vzalloc_zeroes_reused_frames)
{
	unsigned char *p, *q;
	size_t n = 64 * 1024;

	setup();
	p = vmalloc(n);
	REQUIRE(p);
	memset(p, 0xaa, n);
	vfree(p);
	vm_unmap_aliases();
	q = vzalloc(n);
	REQUIRE(q);
	for (size_t i = 0; i < n; i++)
		if (q[i]) {
			CHECK_EQ(q[i], 0);
			break;
		}
	vfree(q);
	check_clean();
}

TEST(lowest_fit_reuses_purged_space_and_keeps_guard)
{
	char *a, *b, *c;

	setup();
	a = vmalloc(PAGE_SIZE);
	b = vmalloc(PAGE_SIZE);
	REQUIRE(a && b);
	CHECK(b == a + 2 * PAGE_SIZE);		/* a's guard in between */
	vfree(a);
	c = vmalloc(PAGE_SIZE);
	REQUIRE(c);
	CHECK(c != a);				/* a is lazy, not reusable */
	vm_unmap_aliases();
	vfree(c);
	vm_unmap_aliases();
	c = vmalloc(PAGE_SIZE);
	CHECK(c == a);
	vfree(c);
	vfree(b);
	check_clean();
}

TEST(purge_flushes_stale_tlb_entries)
{
	char *p;
	uint64_t kva;
	struct tlb *t;

	setup();
	t = tlb_this_cpu();
	REQUIRE(t);
	p = vmalloc(8 * PAGE_SIZE);
	REQUIRE(p);
	kva = kmm_kva_of(p, NULL);
	kmm_tlb_touch(p, 8 * PAGE_SIZE, 64);
	CHECK(tlb_probe(t, 1, kva, TLB_ASID_KERNEL, TLB_PG_4K));
	vfree(p);
	/* lazily freed: the stale entry is still there */
	CHECK(tlb_probe(t, 1, kva, TLB_ASID_KERNEL, TLB_PG_4K));
	vm_unmap_aliases();
	CHECK(!tlb_probe(t, 1, kva, TLB_ASID_KERNEL, TLB_PG_4K));
	CHECK(!tlb_probe(t, 2, kva + 7 * PAGE_SIZE, TLB_ASID_KERNEL,
			 TLB_PG_4K));
	check_clean();
}

TEST(vmap_maps_given_pages_and_vunmap_keeps_them)
{
	struct page *pages[4];
	char *v;

	setup();
	for (int i = 0; i < 4; i++)
		REQUIRE((pages[i] = alloc_pages(GFP_KERNEL, 1)) != NULL);
	v = vmap(pages, 4, VM_MAP, PAGE_KERNEL);
	REQUIRE(v);
	for (int i = 0; i < 4; i++) {
		v[i * PAGE_SIZE + 1] = (char)(i + 1);
		CHECK_EQ(((char *)page_address(pages[i]))[1], i + 1);
		CHECK(vmalloc_to_page(v + i * PAGE_SIZE) == pages[i]);
	}
	CHECK_EQ(vmalloc_check(stderr), 0);
	vunmap(v);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(page_count(pages[i]), 1);
		__free_pages(pages[i], 1);
	}
	check_clean();
}

TEST(kvmalloc_tries_kmalloc_then_vmalloc)
{
	void *s, *l;

	setup();
	s = kvmalloc(3000, GFP_KERNEL);
	/* above the largest buddy block (4 MiB) kmalloc must fail */
	l = kvzalloc(8 << 20, GFP_KERNEL);
	REQUIRE(s && l);
	CHECK(!is_vmalloc_addr(s));
	CHECK(virt_addr_valid(s));
	CHECK(is_vmalloc_addr(l));
	CHECK_EQ(((char *)l)[12345], 0);
	kvfree(s);
	kvfree(l);
	/* the kmalloc cache keeps its (now empty) slab: count it as start */
	free0 = buddy_total_free_pages();
	check_clean();
}

TEST(huge_vmalloc_uses_2m_mappings)
{
	char *p;
	enum tlb_pgsize s;
	struct pgtable_walk w;

	setup();
	p = vmalloc_huge(4 << 20, GFP_KERNEL);
	REQUIRE(p);
	CHECK(((uintptr_t)p & ((2 << 20) - 1)) == 0);
	kmm_kva_of(p + 3 * PAGE_SIZE, &s);
	CHECK_EQ(s, TLB_PG_2M);
	REQUIRE(pgtable_translate(&init_pgtable,
				  kmm_kva_of(p + (3 << 20), NULL), &w) == 0);
	CHECK_EQ(w.size, TLB_PG_2M);
	CHECK_EQ(w.depth, 3);
	CHECK(pfn_to_page(w.pfn) == vmalloc_to_page(p + (3 << 20)));
	memset(p, 1, 4 << 20);
	CHECK_EQ(vmalloc_check(stderr), 0);
	vfree(p);
	check_clean();
}

TEST(vmallocinfo_has_the_kernel_format)
{
	char buf[4096];
	FILE *fp;
	char *p, *q, line[64];

	setup();
	p = vmalloc(3 * PAGE_SIZE);
	q = vmalloc(600 * PAGE_SIZE);
	REQUIRE(p && q);
	fp = fmemopen(buf, sizeof(buf), "w");
	REQUIRE(fp);
	vmallocinfo_show(fp);
	fclose(fp);
	snprintf(line, sizeof(line), "0x%016llx-0x%016llx   16384 ",
		 (unsigned long long)kmm_kva_of(p, NULL),
		 (unsigned long long)kmm_kva_of(p, NULL) + 16384);
	CHECK(strstr(buf, line) != NULL);
	CHECK(strstr(buf, " pages=3 vmalloc N0=3\n") != NULL);
	CHECK(strstr(buf, " pages=600 vmalloc vpages N0=600\n") != NULL);
	/* a vmap area shows as "vmap" without pages= */
	{
		struct page *pg[2] = { alloc_page(GFP_KERNEL),
				       alloc_page(GFP_KERNEL) };
		char *v = vmap(pg, 2, VM_MAP, PAGE_KERNEL);
		FILE *f2;
		char b2[4096];

		REQUIRE(v);
		f2 = fmemopen(b2, sizeof(b2), "w");
		REQUIRE(f2);
		vmallocinfo_show(f2);
		fclose(f2);
		snprintf(line, sizeof(line), "   12288 %p vmap\n",
			 find_vm_area(v)->caller);
		CHECK(strstr(b2, line) != NULL);
		vunmap(v);
		__free_page(pg[0]);
		__free_page(pg[1]);
	}
	vfree(p);
	fp = fmemopen(buf, sizeof(buf), "w");
	vmallocinfo_show(fp);
	fclose(fp);
	CHECK(strstr(buf, "   16384 unpurged vm_area\n") != NULL);
	vfree(q);
	check_clean();
}

TEST(bad_sizes_fail)
{
	setup();
	CHECK(vmalloc(0) == NULL);
	CHECK(vmalloc(vmalloc_host_size + 1) == NULL);
	/* more than the machine has */
	CHECK(vmalloc(512UL << 20) == NULL);
	check_clean();
}
