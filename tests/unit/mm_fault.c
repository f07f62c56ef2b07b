// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/mm_fault.c - page faults, copy-on-write, fork/exit, brk and
 * mremap with contents, swap round trips, kswapd under memory pressure,
 * and that nothing leaks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/mm.h"
#include "kmm/slab.h"
#include "kmm/tlb.h"

#define PG	PAGE_SIZE
#define RW	(PROT_READ | PROT_WRITE)
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)

static long base_pages;
static long base_objects;

static int machine_init(uint64_t mem_bytes)
{
	struct kmm_config cfg = { .mem_bytes = mem_bytes };

	if (kmm_mem_ready()) {
		mm_subsys_exit();
		kmem_cache_exit();
		kmm_mem_exit();
	}
	if (kmm_mem_init(&cfg) || mm_subsys_init())
		return -1;
	base_pages = buddy_pages_allocated();
	base_objects = mm_objects_in_use();
	return 0;
}

static struct mm_struct *setup(void)
{
	if (!kmm_mem_ready() && machine_init(256UL << 20))
		return NULL;
	return mm_exec(0, 0);
}

/* Every page, swap slot and object is back: call after the last mmput. */
static void check_no_leaks(void)
{
	struct mm_reclaim_stats rs;

	/* first: it also gives the caches' empty slabs back */
	CHECK_EQ(mm_objects_in_use(), base_objects);
	mm_reclaim_get_stats(&rs);
	CHECK_EQ(buddy_pages_allocated(), base_pages);
	CHECK_EQ(rs.swap_used, 0);
	CHECK_EQ(rs.nr_active + rs.nr_inactive, 0);
	CHECK_EQ(buddy_check(stderr), 0);
}

static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 9));
}

/* Write a page-sized pattern @seed at @addr; read it back. */
static int put_pattern(struct mm_struct *mm, unsigned long addr,
		       unsigned int seed)
{
	unsigned char buf[PG];

	fill(buf, PG, seed);
	return mm_write(mm, addr, buf, PG);
}

static bool has_pattern(struct mm_struct *mm, unsigned long addr,
			unsigned int seed)
{
	unsigned char buf[PG], want[PG];

	fill(want, PG, seed);
	return mm_read(mm, addr, buf, PG) == 0 && !memcmp(buf, want, PG);
}

TEST(anon_read_zero_page_then_write)
{
	struct mm_struct *mm = setup();
	unsigned char buf[64];
	unsigned long a;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, 4 * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	memset(buf, 0xff, sizeof(buf));
	CHECK_EQ(mm_read(mm, a + 100, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK_EQ(buf[i], 0);
	CHECK_EQ(mm->fault_stats.zero, 1);
	CHECK_EQ(mm->fault_stats.minor, 1);
	CHECK_EQ(get_mm_rss(mm), 0);		/* the zero page is not RSS */
	/* writing the zero page: a copy-on-write to a fresh zeroed page */
	CHECK_EQ(mm_write(mm, a + 100, "hello", 5), 0);
	CHECK_EQ(mm->fault_stats.cow, 1);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 1);
	CHECK_EQ(mm_read(mm, a + 98, buf, 8), 0);
	CHECK(!memcmp(buf, "\0\0hello\0", 8));
	/* a write first: one fault, a zeroed page */
	CHECK_EQ(mm_write(mm, a + PG + 4095, "x", 1), 0);
	CHECK_EQ(mm->fault_stats.minor, 3);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 2);
	CHECK_EQ(mm_read(mm, a + PG, buf, 8), 0);
	CHECK_EQ(buf[0] | buf[7], 0);
	/* mapped: no fault */
	CHECK_EQ(handle_mm_fault(mm, a + PG, FAULT_FLAG_WRITE),
		 VM_FAULT_NOPAGE);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

TEST(segv_maperr_accerr)
{
	struct mm_struct *mm = setup();
	unsigned long a;
	char c = 0;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, 2 * PG, PROT_READ, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	CHECK_EQ(handle_mm_fault(mm, 0x1000, 0), VM_FAULT_SIGSEGV);
	CHECK_EQ(mm->fault_stats.segv_maperr, 1);
	CHECK_EQ(mm_write(mm, a, "x", 1), -EFAULT);
	CHECK_EQ(mm->fault_stats.segv_accerr, 1);
	CHECK_EQ(mm_read(mm, a, &c, 1), 0);
	CHECK_EQ(handle_mm_fault(mm, a, FAULT_FLAG_INSTRUCTION),
		 VM_FAULT_SIGSEGV);
	CHECK_EQ(mm->fault_stats.segv_accerr, 2);
	CHECK_EQ(do_mprotect(mm, a, PG, PROT_NONE), 0);
	CHECK_EQ(mm_read(mm, a, &c, 1), -EFAULT);
	CHECK_EQ(mm->fault_stats.segv_accerr, 3);
	/* a read crossing into unmapped memory fails at the hole */
	CHECK_EQ(mm_read(mm, a + 2 * PG - 1, &c, 2), -EFAULT);
	CHECK_EQ(mm->fault_stats.segv_maperr, 2);
	mmput(mm);
	check_no_leaks();
}

TEST(file_faults_readahead_fault_around_cow_shared)
{
	struct kmm_file *f = kmm_file_create("/data/f", 64 * PG + 100);
	struct mm_struct *mm = setup(), *mm2 = mm_exec(0, 0);
	unsigned char buf[PG];
	unsigned long a, b;

	REQUIRE(mm && mm2 && f);
	a = do_mmap(mm, f, 0, 65 * PG, PROT_READ, MAP_PRIVATE, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	CHECK_EQ(mm_read(mm, a + 5 * PG + 7, buf, 1), 0);
	CHECK_EQ(buf[0], kmm_file_pattern(f, 5 * PG + 7));
	CHECK_EQ(mm->fault_stats.major, 1);
	CHECK_EQ(f->reads, 16);			/* the readahead window */
	CHECK_EQ(mm->rss_stat[MM_FILEPAGES], 16);	/* fault-around */
	CHECK_EQ(mm_read(mm, a + 15 * PG, buf, PG), 0);
	CHECK_EQ(mm->fault_stats.major + mm->fault_stats.minor, 1);
	CHECK_EQ(buf[4095], kmm_file_pattern(f, 16 * PG - 1));
	/* the last page: bytes past the end of the file read as zero */
	CHECK_EQ(mm_read(mm, a + 64 * PG, buf, PG), 0);
	CHECK_EQ(buf[99], kmm_file_pattern(f, 64 * PG + 99));
	CHECK_EQ(buf[100], 0);
	CHECK_EQ(mm->fault_stats.major, 2);
	/* a private write copies; the page cache keeps the file's bytes */
	CHECK_EQ(do_mprotect(mm, a, PG, RW), 0);
	CHECK_EQ(mm_write(mm, a + 3, "abc", 3), 0);
	CHECK_EQ(mm->fault_stats.cow, 1);
	CHECK_EQ(mm_read(mm, a, buf, 8), 0);
	CHECK(!memcmp(buf + 3, "abc", 3));
	CHECK_EQ(buf[0], kmm_file_pattern(f, 0));
	b = do_mmap(mm2, f, 0, 2 * PG, RW, MAP_SHARED, 0);
	REQUIRE(!IS_ERR_VALUE(b));
	CHECK_EQ(mm_read(mm2, b + 3, buf, 3), 0);
	CHECK_EQ(buf[0], kmm_file_pattern(f, 3));
	/* shared writes reach the page cache and the other mapping */
	CHECK_EQ(mm_write(mm2, b + PG, "shared", 6), 0);
	CHECK_EQ(mm_read(mm, a + PG, buf, 6), 0);
	CHECK(!memcmp(buf, "shared", 6));
	/* beyond the end of the file: SIGBUS, not counted as a fault */
	b = do_mmap(mm2, f, 0, 2 * PG, PROT_READ, MAP_SHARED, 65);
	REQUIRE(!IS_ERR_VALUE(b));
	CHECK_EQ(handle_mm_fault(mm2, b, 0), VM_FAULT_SIGBUS);
	CHECK_EQ(mm_check(mm), 0);
	CHECK_EQ(mm_check(mm2), 0);
	mmput(mm);
	mmput(mm2);
	kmm_file_put(f);
	check_no_leaks();
}

TEST(fork_cow_parent_and_child_see_own_writes)
{
	struct mm_struct *parent = setup(), *child, *grandchild;
	unsigned long a;

	REQUIRE(parent);
	a = do_mmap(parent, NULL, 0, 8 * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	for (int i = 0; i < 8; i++)
		REQUIRE(put_pattern(parent, a + i * PG, 10 + i) == 0);
	child = dup_mm(parent);
	REQUIRE(child);
	CHECK_EQ(child->rss_stat[MM_ANONPAGES], 8);
	CHECK_EQ(child->total_vm, parent->total_vm);
	for (int i = 0; i < 8; i++)
		CHECK(has_pattern(child, a + i * PG, 10 + i));
	CHECK_EQ(child->fault_stats.minor, 0);	/* shared, no faults */
	/* the child's write copies; the parent keeps its bytes */
	CHECK_EQ(put_pattern(child, a, 99), 0);
	CHECK_EQ(child->fault_stats.cow, 1);
	CHECK(has_pattern(child, a, 99));
	CHECK(has_pattern(parent, a, 10));
	/* and the other way round */
	CHECK_EQ(put_pattern(parent, a + PG, 77), 0);
	CHECK_EQ(parent->fault_stats.cow, 1);
	CHECK(has_pattern(parent, a + PG, 77));
	CHECK(has_pattern(child, a + PG, 11));
	/* page 0 of the parent has no other user now: reused, not copied */
	CHECK_EQ(put_pattern(parent, a, 55), 0);
	CHECK_EQ(parent->fault_stats.cow_reuse, 1);
	CHECK_EQ(parent->fault_stats.cow, 1);
	/* three generations share page 2 */
	grandchild = dup_mm(child);
	REQUIRE(grandchild);
	CHECK_EQ(put_pattern(grandchild, a + 2 * PG, 3), 0);
	CHECK(has_pattern(parent, a + 2 * PG, 12));
	CHECK(has_pattern(child, a + 2 * PG, 12));
	CHECK(has_pattern(grandchild, a + 2 * PG, 3));
	CHECK_EQ(mm_check(parent), 0);
	CHECK_EQ(mm_check(child), 0);
	CHECK_EQ(mm_check(grandchild), 0);
	/* the parent exits first; the others keep their pages */
	mmput(parent);
	CHECK(has_pattern(child, a + 3 * PG, 13));
	mmput(child);
	CHECK(has_pattern(grandchild, a + 7 * PG, 17));
	CHECK_EQ(put_pattern(grandchild, a + 7 * PG, 1), 0);
	CHECK_EQ(grandchild->fault_stats.cow_reuse, 1);
	mmput(grandchild);
	check_no_leaks();
}

TEST(shared_anonymous_memory_is_shared_across_fork)
{
	struct mm_struct *parent = setup(), *child;
	char buf[8] = { 0 };
	unsigned long a;

	REQUIRE(parent);
	a = do_mmap(parent, NULL, 0, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS,
		    0);
	REQUIRE(!IS_ERR_VALUE(a));
	CHECK_EQ(mm_read(parent, a, buf, 4), 0);	/* zero-filled */
	CHECK(!memcmp(buf, "\0\0\0\0", 4));
	child = dup_mm(parent);
	REQUIRE(child);
	CHECK_EQ(mm_write(child, a + PG, "both", 4), 0);
	CHECK_EQ(mm_read(parent, a + PG, buf, 4), 0);
	CHECK(!memcmp(buf, "both", 4));
	CHECK_EQ(mm_write(parent, a, "back", 4), 0);
	CHECK_EQ(mm_read(child, a, buf, 4), 0);
	CHECK(!memcmp(buf, "back", 4));
	CHECK_EQ(child->fault_stats.cow + parent->fault_stats.cow, 0);
	CHECK_EQ(parent->rss_stat[MM_SHMEMPAGES], 2);
	mmput(parent);
	CHECK_EQ(mm_read(child, a + PG, buf, 4), 0);	/* the child's now */
	CHECK(!memcmp(buf, "both", 4));
	CHECK_EQ(mm_check(child), 0);
	mmput(child);
	check_no_leaks();
}

TEST(brk_and_mremap_keep_contents)
{
	struct mm_struct *mm = setup();
	unsigned long heap, a, r;
	char c;

	REQUIRE(mm);
	heap = mm->start_brk;
	REQUIRE(do_brk(mm, heap + 3 * PG) == heap + 3 * PG);
	CHECK_EQ(put_pattern(mm, heap + 2 * PG, 4), 0);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 1);
	/* shrinking frees the page; growing again gives a zero page */
	CHECK_EQ(do_brk(mm, heap + PG), heap + PG);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 0);
	CHECK_EQ(mm_read(mm, heap + 2 * PG, &c, 1), -EFAULT);
	CHECK_EQ(do_brk(mm, heap + 3 * PG), heap + 3 * PG);
	CHECK_EQ(mm_read(mm, heap + 2 * PG, &c, 1), 0);
	CHECK_EQ(c, 0);
	/* mremap moves the pages */
	a = do_mmap(mm, NULL, 0x10000000, 4 * PG, RW, ANON | MAP_FIXED, 0);
	REQUIRE(a == 0x10000000);
	for (int i = 0; i < 4; i++)
		REQUIRE(put_pattern(mm, a + i * PG, 20 + i) == 0);
	REQUIRE(do_mmap(mm, NULL, a + 4 * PG, PG, RW, ANON | MAP_FIXED, 0) ==
		a + 4 * PG);
	CHECK_EQ(do_mprotect(mm, a + 4 * PG, PG, PROT_READ), 0);
	r = do_mremap(mm, a, 4 * PG, 16 * PG, MREMAP_MAYMOVE, 0);
	REQUIRE(!IS_ERR_VALUE(r) && r != a);
	for (int i = 0; i < 4; i++)
		CHECK(has_pattern(mm, r + i * PG, 20 + i));
	CHECK_EQ(mm_read(mm, r + 10 * PG, &c, 1), 0);
	CHECK_EQ(c, 0);
	CHECK_EQ(mm_read(mm, a, &c, 1), -EFAULT);
	/* shrinking drops the tail pages */
	CHECK_EQ(do_mremap(mm, r, 16 * PG, 2 * PG, 0, 0), r);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 2);	/* heap: the zero page */
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

TEST(mprotect_write_protects_pages)
{
	struct mm_struct *mm = setup();
	unsigned long a;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, 4 * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	CHECK_EQ(put_pattern(mm, a + PG, 1), 0);
	CHECK_EQ(do_mprotect(mm, a + PG, PG, PROT_READ), 0);
	CHECK_EQ(mm_write(mm, a + PG, "x", 1), -EFAULT);
	CHECK(has_pattern(mm, a + PG, 1));
	CHECK_EQ(do_mprotect(mm, a, 4 * PG, RW), 0);
	CHECK_EQ(mm->map_count, 2);	/* the stack and this one */
	CHECK_EQ(put_pattern(mm, a + PG, 2), 0);
	CHECK(has_pattern(mm, a + PG, 2));
	CHECK_EQ(mm->fault_stats.cow, 0);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

TEST(stack_grows_down_on_fault)
{
	struct mm_struct *mm = setup();
	struct vm_area_struct *st;
	unsigned long start;
	char c = 1;

	REQUIRE(mm);
	st = find_vma(mm, mm->start_stack);
	REQUIRE(st);
	start = st->vm_start;
	CHECK_EQ(mm_write(mm, start - 3 * PG + 8, &c, 1), 0);
	CHECK_EQ(mm->fault_stats.stack_grow, 1);
	CHECK_UEQ(find_vma(mm, start - PG)->vm_start, start - 3 * PG);
	/* beyond RLIMIT_STACK: SIGSEGV */
	CHECK_EQ(mm_write(mm, start - (16UL << 20), &c, 1), -EFAULT);
	CHECK_EQ(mm->fault_stats.segv_maperr, 1);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

TEST(populate_and_munmap_free_pages)
{
	struct mm_struct *mm = setup();
	unsigned long a;
	long full;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, 32 * PG, RW, ANON | MAP_POPULATE, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 32);
	CHECK_EQ(mm->fault_stats.minor, 0);	/* not user faults */
	CHECK_EQ(mm->pgt.nr_tables, 4);
	full = buddy_pages_allocated();
	CHECK_EQ(do_munmap(mm, a, 32 * PG), 0);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 0);
	CHECK_EQ(mm->pgt.nr_tables, 1);		/* empty tables freed */
	CHECK_EQ(buddy_pages_allocated(), full - 35);
	CHECK_EQ(do_mlock(mm, mm->start_stack, PG, true), 0);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 1);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

TEST(swap_round_trip_keeps_contents)
{
	struct mm_struct *mm = setup(), *child;
	struct mm_reclaim_stats rs;
	unsigned long a, got;
	int n = 64;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, n * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	for (int i = 0; i < n; i++)
		REQUIRE(put_pattern(mm, a + i * PG, 300 + i) == 0);
	got = mm_reclaim(n);
	CHECK_EQ(got, n);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 0);
	CHECK_EQ(mm->rss_stat[MM_SWAPENTS], n);
	CHECK_EQ(mm_check(mm), 0);
	mm_reclaim_get_stats(&rs);
	CHECK_EQ(rs.swap_used, n);
	for (int i = 0; i < n; i++)
		CHECK(has_pattern(mm, a + i * PG, 300 + i));
	CHECK_EQ(mm->fault_stats.major, n);
	CHECK_EQ(mm->rss_stat[MM_SWAPENTS], 0);
	/* swapped pages shared by fork: both keep the bytes */
	child = dup_mm(mm);
	REQUIRE(child);
	CHECK_EQ(mm_reclaim(n), n);
	CHECK_EQ(child->rss_stat[MM_SWAPENTS], n);
	CHECK_EQ(put_pattern(child, a, 1), 0);
	CHECK(has_pattern(mm, a, 300));
	CHECK(has_pattern(child, a, 1));
	CHECK(has_pattern(child, a + PG, 301));
	/* the swap cache: the second sharer maps the page the first read */
	{
		struct pgtable_walk wp, wc;
		struct mm_reclaim_stats r0, r1;
		uint64_t major = mm->fault_stats.major;

		mm_reclaim_get_stats(&r0);
		CHECK(has_pattern(child, a + 5 * PG, 305));
		CHECK(has_pattern(mm, a + 5 * PG, 305));
		mm_reclaim_get_stats(&r1);
		CHECK_EQ(r1.swapcache_hits - r0.swapcache_hits, 1);
		CHECK_EQ(r1.pswpin - r0.pswpin, 1);
		CHECK_EQ(mm->fault_stats.major, major);	/* a minor fault */
		REQUIRE(pgtable_translate(&mm->pgt, a + 5 * PG, &wp) == 0);
		REQUIRE(pgtable_translate(&child->pgt, a + 5 * PG, &wc) == 0);
		CHECK_EQ(wp.pfn, wc.pfn);
		/* a write copies, even for the last mapping of a cached page */
		CHECK_EQ(put_pattern(mm, a + 5 * PG, 7), 0);
		CHECK(has_pattern(child, a + 5 * PG, 305));
		CHECK(has_pattern(mm, a + 5 * PG, 7));
	}
	/* an mlocked range is not reclaimed */
	CHECK_EQ(do_mlock(mm, a, 4 * PG, true), 0);
	mm_reclaim(n);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 4);
	CHECK_EQ(mm_check(mm), 0);
	CHECK_EQ(mm_check(child), 0);
	mmput(child);
	/* swap entries are freed by munmap */
	CHECK_EQ(do_munmap(mm, a, n * PG), 0);
	mm_reclaim_get_stats(&rs);
	CHECK_EQ(rs.swap_used, 0);
	mmput(mm);
	check_no_leaks();
}

static void print_maps(void *arg)
{
	mm_show_status(arg, stderr);
}

TEST(status_rss_lines)
{
	struct mm_struct *mm = setup();
	char out[2048];
	unsigned long a;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, 10 * PG, RW, ANON | MAP_POPULATE, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	th_capture_stderr(print_maps, mm, out, sizeof(out));
	CHECK(strstr(out, "VmRSS:\t      40 kB\n") != NULL);
	CHECK(strstr(out, "RssAnon:\t      40 kB\n") != NULL);
	CHECK(strstr(out, "VmHWM:\t      40 kB\n") != NULL);
	CHECK(strstr(out, "VmPTE:\t      16 kB\n") != NULL);	/* 4 levels */
	CHECK_EQ(mm_reclaim(4), 4);
	th_capture_stderr(print_maps, mm, out, sizeof(out));
	CHECK(strstr(out, "VmRSS:\t      24 kB\n") != NULL);
	CHECK(strstr(out, "VmSwap:\t      16 kB\n") != NULL);
	CHECK(strstr(out, "VmHWM:\t      40 kB\n") != NULL);
	mmput(mm);
	check_no_leaks();
}

static unsigned long fixed(struct mm_struct *mm, unsigned long addr,
			   unsigned long pages, unsigned long prot)
{
	return do_mmap(mm, NULL, addr, pages * PG, prot, ANON | MAP_FIXED, 0);
}

/* The merge cases of the kernel's VMA tests that anon_vmas decide. */
TEST(vma_merge_cases_with_anon_vma)
{
	struct mm_struct *mm = setup();
	unsigned long x = 0x40000000;
	struct vm_area_struct *v;

	REQUIRE(mm);
	/* prev and next compatible: the new VMA joins both */
	REQUIRE(fixed(mm, x, 1, RW) == x);
	REQUIRE(fixed(mm, x + 2 * PG, 1, RW) == x + 2 * PG);
	CHECK_EQ(mm->map_count, 3);
	REQUIRE(fixed(mm, x + PG, 1, RW) == x + PG);
	CHECK_EQ(mm->map_count, 2);
	v = vma_lookup(mm, x);
	CHECK(v && v->vm_start == x && v->vm_end == x + 3 * PG);
	CHECK_EQ(do_munmap(mm, x, 3 * PG), 0);
	/* prev and next with anon pages of different anon_vmas: the new
	 * VMA merges with prev only */
	REQUIRE(fixed(mm, x, 1, RW) == x);
	REQUIRE(fixed(mm, x + 2 * PG, 1, RW) == x + 2 * PG);
	CHECK_EQ(put_pattern(mm, x, 1), 0);
	CHECK_EQ(put_pattern(mm, x + 2 * PG, 2), 0);
	CHECK(vma_lookup(mm, x)->anon_vma != vma_lookup(mm, x + 2 * PG)->anon_vma);
	REQUIRE(fixed(mm, x + PG, 1, RW) == x + PG);
	v = vma_lookup(mm, x + PG);
	CHECK(v && v->vm_start == x && v->vm_end == x + 2 * PG);
	CHECK_EQ(mm->map_count, 3);
	/* pages keep working through the merged VMA (rmap by pgoff) */
	CHECK_EQ(put_pattern(mm, x + PG, 3), 0);
	CHECK_EQ(mm_reclaim(8), 3);
	CHECK(has_pattern(mm, x, 1));
	CHECK(has_pattern(mm, x + PG, 3));
	CHECK(has_pattern(mm, x + 2 * PG, 2));
	CHECK_EQ(do_munmap(mm, x, 3 * PG), 0);
	/* mprotect of a whole middle VMA to match both sides: one VMA */
	REQUIRE(fixed(mm, x, 3, RW) == x);
	CHECK_EQ(do_mprotect(mm, x + PG, PG, PROT_READ), 0);
	CHECK_EQ(mm->map_count, 4);
	CHECK_EQ(do_mprotect(mm, x + PG, PG, RW), 0);
	CHECK_EQ(mm->map_count, 2);
	/* mremap growing into a compatible next VMA's start merges */
	REQUIRE(fixed(mm, x + 5 * PG, 1, RW) == x + 5 * PG);
	CHECK_EQ(do_mremap(mm, x, 3 * PG, 5 * PG, 0, 0), x);
	CHECK_EQ(mm->map_count, 2);
	CHECK_UEQ(vma_lookup(mm, x)->vm_end, x + 6 * PG);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

TEST(premap_unknown_addresses)
{
	struct mm_struct *mm = setup();
	unsigned long a = 0x7f0000123000UL, b;
	struct vm_area_struct *v;

	REQUIRE(mm);
	b = do_mmap(mm, NULL, 0x7f0000100000UL, PG, PROT_READ,
		    ANON | MAP_FIXED, 0);
	REQUIRE(b == 0x7f0000100000UL);
	CHECK_EQ(handle_mm_fault(mm, a, FAULT_FLAG_WRITE), VM_FAULT_SIGSEGV);
	mm->premap_unknown = true;
	CHECK_EQ(handle_mm_fault(mm, a, FAULT_FLAG_WRITE), 0);
	CHECK_EQ(mm->fault_stats.premapped, 1);
	v = vma_lookup(mm, a);
	REQUIRE(v);
	/* the hole's part of the 2 MiB block, after the existing VMA */
	CHECK_UEQ(v->vm_start, b + PG);
	CHECK_UEQ(v->vm_end, 0x7f0000200000UL);
	/* a heap that began before the trace: its break becomes ours */
	CHECK_UEQ(do_brk(mm, 0x561234567890UL), 0x561234567890UL);
	CHECK_UEQ(mm->start_brk, 0x561234567000UL);
	CHECK_UEQ(do_brk(mm, 0x561234600000UL), 0x561234600000UL);
	v = vma_lookup(mm, 0x561234567000UL);
	CHECK(v && v->vm_end == 0x561234600000UL);
	/* a known VMA still gives its own answer */
	CHECK_EQ(handle_mm_fault(mm, b, FAULT_FLAG_WRITE), VM_FAULT_SIGSEGV);
	CHECK_EQ(mm->fault_stats.segv_accerr, 1);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

/*
 * A premapped VMA follows what the traced process did there: an access it
 * did not permit yet (an instruction fetch in memory first seen written)
 * widens it; a traced mprotect makes its protections known.
 */
TEST(premapped_memory_takes_the_traced_accesses)
{
	struct mm_struct *mm = setup();
	unsigned long a = 0x7f0000123000UL, text = a + 5 * PG, b;
	struct vm_area_struct *v;

	REQUIRE(mm);
	mm->premap_unknown = true;
	b = do_mmap(mm, NULL, 0x7f0000100000UL, PG, PROT_READ | PROT_WRITE,
		    ANON | MAP_FIXED, 0);
	REQUIRE(b == 0x7f0000100000UL);
	CHECK_EQ(handle_mm_fault(mm, a, FAULT_FLAG_WRITE), 0);
	CHECK_EQ(mm->fault_stats.premapped, 1);
	CHECK_EQ(put_pattern(mm, a, 7), 0);
	CHECK_EQ(handle_mm_fault(mm, text, FAULT_FLAG_INSTRUCTION), 0);
	/* present already: nothing to map, but no SIGSEGV either */
	CHECK_EQ(handle_mm_fault(mm, a, FAULT_FLAG_INSTRUCTION),
		 VM_FAULT_NOPAGE);
	CHECK_EQ(mm->fault_stats.segv_accerr, 0);
	CHECK_EQ(mm->fault_stats.premap_widened, 1);
	CHECK(has_pattern(mm, a, 7));
	v = vma_lookup(mm, text);
	REQUIRE(v);
	CHECK(v->vm_flags & VM_EXEC);
	CHECK(v->vm_flags & VM_PREMAPPED);
	CHECK_UEQ(v->vm_start, b + PG);
	/* the traced mapping next to it is no part of it, and not widened */
	v = vma_lookup(mm, b);
	REQUIRE(v);
	CHECK_UEQ(v->vm_end, b + PG);
	CHECK_EQ(handle_mm_fault(mm, b, FAULT_FLAG_INSTRUCTION),
		 VM_FAULT_SIGSEGV);
	CHECK_EQ(mm->fault_stats.segv_accerr, 1);
	/* a traced mprotect: now the kernel's answer is known */
	CHECK_EQ(do_mprotect(mm, a, PG, PROT_READ), 0);
	CHECK_EQ(handle_mm_fault(mm, a, FAULT_FLAG_WRITE), VM_FAULT_SIGSEGV);
	CHECK_EQ(mm->fault_stats.segv_accerr, 2);
	CHECK_EQ(handle_mm_fault(mm, text, FAULT_FLAG_WRITE), 0);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
	check_no_leaks();
}

/* Is @addr of @mm cached in level 1 of this CPU's TLB? */
static bool tlb_has(struct mm_struct *mm, unsigned long addr)
{
	return tlb_probe(tlb_this_cpu(), 1, addr & PAGE_MASK, mm->asid,
			 TLB_PG_4K);
}

TEST(tlb_flushed_by_munmap_mprotect_cow)
{
	struct mm_struct *mm = setup(), *child;
	struct tlb_stats st;
	unsigned long a;
	char c;

	REQUIRE(mm);
	REQUIRE(tlb_model_init(NULL) == 0);
	a = do_mmap(mm, NULL, 0, 4 * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	for (int i = 0; i < 4; i++)
		CHECK_EQ(put_pattern(mm, a + i * PG, i), 0);
	for (int i = 0; i < 4; i++)
		CHECK(tlb_has(mm, a + i * PG));
	tlb_model_stats(&st);
	CHECK(st.accesses >= 4);
	/* munmap flushes the range, and only it */
	CHECK_EQ(do_munmap(mm, a, PG), 0);
	CHECK(!tlb_has(mm, a));
	CHECK(tlb_has(mm, a + PG));
	/* mprotect flushes what it changes */
	CHECK_EQ(do_mprotect(mm, a + PG, PG, PROT_READ), 0);
	CHECK(!tlb_has(mm, a + PG));
	CHECK(tlb_has(mm, a + 2 * PG));
	/* fork write-protects the parent's pages: flushed */
	child = dup_mm(mm);
	REQUIRE(child);
	CHECK(!tlb_has(mm, a + 2 * PG));
	CHECK(child->asid != mm->asid);
	CHECK_EQ(mm_read(child, a + 3 * PG, &c, 1), 0);
	CHECK(tlb_has(child, a + 3 * PG));
	CHECK(!tlb_has(mm, a + 3 * PG));	/* another address space */
	mmput(child);
	mmput(mm);
	tlb_model_exit();
	check_no_leaks();
}

TEST(task_table_fork_exec_exit)
{
	struct mm_fault_stats t0, t;
	struct mm_struct *a, *b;
	unsigned long addr;

	a = setup();
	REQUIRE(a);
	mmput(a);
	mm_task_fault_totals(&t0);
	a = mm_task_get(100);
	REQUIRE(a && a->pid == 100);
	CHECK(mm_task_get(100) == a);
	addr = do_mmap(a, NULL, 0, 4 * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(addr));
	CHECK_EQ(put_pattern(a, addr, 5), 0);
	CHECK_EQ(mm_task_fork(100, 101), 0);
	b = mm_task_get(101);
	REQUIRE(b && b != a && b->pid == 101);
	CHECK(has_pattern(b, addr, 5));
	CHECK_EQ(mm_task_exec(101), 0);
	b = mm_task_get(101);
	CHECK(find_vma_intersection(b, addr, addr + PG) == NULL);
	mm_task_fault_totals(&t);
	CHECK_EQ(t.minor - t0.minor, 1);	/* the write to 100's page */
	mm_task_exit(100);
	mm_task_fault_totals(&t);		/* kept after the exit */
	CHECK_EQ(t.minor - t0.minor, 1);
	CHECK_EQ(t.major - t0.major, 0);
	CHECK_EQ(mm_task_fork(102, 103), 0);	/* unknown parent: made */
	mm_task_exit_all();
	check_no_leaks();
}

/* Files of the trace: one per pid and fd; a fork's child shares them */
TEST(task_files_per_pid_and_fd)
{
	struct kmm_file *f, *g;
	struct mm_struct *a;
	unsigned long addr;

	a = mm_task_get(200);
	REQUIRE(a);
	f = mm_task_file(200, 3, 8 * PG);
	REQUIRE(f);
	CHECK(mm_task_file(200, 3, 4 * PG) == f);
	CHECK_UEQ(f->size, 8 * PG);
	CHECK(mm_task_file(200, 3, 16 * PG) == f);
	CHECK_UEQ(f->size, 16 * PG);	/* grows to cover every mapping */
	g = mm_task_file(200, 4, PG);
	CHECK(g && g != f);
	addr = do_mmap(a, f, 0, 4 * PG, PROT_READ, MAP_PRIVATE, 2);
	REQUIRE(!IS_ERR_VALUE(addr));
	CHECK(handle_mm_fault(a, addr, FAULT_FLAG_USER) & VM_FAULT_MAJOR);
	CHECK(f->page_cache.nr > 0);
	CHECK_EQ(mm_task_fork(200, 201), 0);
	CHECK(mm_task_file(201, 3, PG) == f);	/* inherited */
	CHECK_EQ(mm_task_exec(201), 0);
	CHECK(mm_task_file(201, 3, PG) == f);	/* exec keeps descriptors */
	CHECK(mm_task_file(300, 3, PG) != f);	/* another process's own */
	mm_task_exit(200);
	/* 201 still holds the file: its page cache lives on */
	CHECK(f->page_cache.nr > 0);
	mm_task_exit_all();
	check_no_leaks();
}

/* Last: a 64 MiB machine, 96 MiB of anonymous memory written. */
TEST(kswapd_reclaims_under_pressure)
{
	struct mm_struct *mm, *child;
	struct mm_reclaim_stats rs;
	unsigned long a, n = (96UL << 20) / PG, bad = 0;

	REQUIRE(machine_init(64UL << 20) == 0);
	mm = mm_exec(0, 0);
	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, n * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	for (unsigned long i = 0; i < n; i++) {
		unsigned long v = i * 2654435761UL;

		if (mm_write(mm, a + i * PG, &v, sizeof(v)))
			bad++;
	}
	CHECK_EQ(bad, 0);
	mm_reclaim_get_stats(&rs);
	CHECK(rs.kswapd_runs > 0);
	CHECK(rs.pswpout > 0);
	CHECK(mm->rss_stat[MM_SWAPENTS] > 0);
	CHECK_EQ(mm->rss_stat[MM_ANONPAGES] + mm->rss_stat[MM_SWAPENTS], n);
	child = dup_mm(mm);
	REQUIRE(child);
	for (unsigned long i = 0; i < n; i += 7) {
		unsigned long v = 0;

		if (mm_read(i & 1 ? child : mm, a + i * PG, &v, sizeof(v)) ||
		    v != i * 2654435761UL)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(mm->fault_stats.major + child->fault_stats.major > 0);
	CHECK_EQ(mm_check(mm), 0);
	CHECK_EQ(mm_check(child), 0);
	mmput(child);
	mmput(mm);
	check_no_leaks();
	mm_subsys_exit();
	kmem_cache_exit();
	kmm_mem_exit();
}
