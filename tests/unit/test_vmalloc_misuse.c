// SPDX-License-Identifier: GPL-2.0
/*
 * Misuse of vmalloc is reported and kills the caller.  Each case runs in a
 * child that sets up its own machine: a forked child shares the simulated
 * physical memory (a MAP_SHARED memfd) with its parent, so page tables it
 * writes would be seen by the parent and by later children.  The parent
 * of this program therefore never sets a machine up.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/vmalloc.h"

static char *fresh_vmalloc(unsigned long size)
{
	struct kmm_config cfg = { .mem_bytes = 64 << 20, .nr_cpus = 1 };
	char *p;

	if (kmm_mem_init(&cfg) || kmm_kernel_pgtable_init() || vmalloc_init())
		abort();
	p = vmalloc(size);
	if (!p) {
		fprintf(stderr, "vmalloc failed\n");
		exit(3);
	}
	return p;
}

static void overrun(void *arg)
{
	char *p = fresh_vmalloc(PAGE_SIZE);

	(void)arg;
	p[PAGE_SIZE - 1] = 1;
	fprintf(stderr, "last byte written\n");
	fflush(stderr);
	p[PAGE_SIZE] = 1;	/* the guard page */
	fprintf(stderr, "guard page written\n");
}

static void bad_vfree(void *arg)
{
	char *p = fresh_vmalloc(PAGE_SIZE);

	(void)arg;
	vfree(p + 8);
}

static void double_vfree(void *arg)
{
	char *p = fresh_vmalloc(PAGE_SIZE);

	(void)arg;
	vfree(p);
	fprintf(stderr, "first vfree done\n");
	vfree(p);
}

static void vfree_of_kmalloc_memory(void *arg)
{
	char *p = fresh_vmalloc(PAGE_SIZE);
	struct page *pg = alloc_page(GFP_KERNEL);

	(void)arg;
	(void)p;
	vfree(page_address(pg));
}

TEST(guard_page_stops_an_overrun)
{
	char out[512];

	CHECK(th_expect_death(overrun, NULL, "last byte written", out,
			      sizeof(out)));
	CHECK(strstr(out, "guard page written") == NULL);
}

TEST(vfree_of_a_bad_address_is_reported)
{
	CHECK(th_expect_death(bad_vfree, NULL, "nonexistent vm area", NULL,
			      0));
	CHECK(th_expect_death(vfree_of_kmalloc_memory, NULL,
			      "nonexistent vm area", NULL, 0));
}

TEST(double_vfree_is_reported)
{
	char out[512];

	CHECK(th_expect_death(double_vfree, NULL, "nonexistent vm area", out,
			      sizeof(out)));
	CHECK(strstr(out, "first vfree done") != NULL);
}
