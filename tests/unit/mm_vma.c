// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/mm_vma.c - the VMA tree and the address-space operations:
 * merge and split cases, brk, mremap, limits, /proc output, and a
 * randomized comparison against a page-granular model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/kmm.h"
#include "kmm/mm.h"
#include "../../alloc/mm/internal.h"

#define PG	PAGE_SIZE
#define RW	(PROT_READ | PROT_WRITE)
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)

static int init(void)
{
	if (!kmm_mem_ready() && kmm_mem_init(NULL))
		return -1;
	return mm_subsys_init();
}

static struct mm_struct *new_mm(void)
{
	return init() ? NULL : mm_alloc();
}

static unsigned long mmap_fixed(struct mm_struct *mm, unsigned long addr,
				unsigned long pages, unsigned long prot)
{
	return do_mmap(mm, NULL, addr, pages * PG, prot, ANON | MAP_FIXED, 0);
}

/* The VMA at @addr has exactly [start, end) and @prot. */
static bool vma_is(struct mm_struct *mm, unsigned long addr,
		   unsigned long start, unsigned long end, unsigned long prot)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	if (!vma)
		return false;
	return vma->vm_start == start && vma->vm_end == end &&
	       (vma->vm_flags & VM_ACCESS_FLAGS) == prot;
}

TEST(mmap_topdown_and_merge)
{
	struct mm_struct *mm = new_mm();
	unsigned long a, b;

	REQUIRE(mm);
	a = do_mmap(mm, NULL, 0, 4 * PG, RW, ANON, 0);
	REQUIRE(!IS_ERR_VALUE(a));
	CHECK(a + 4 * PG <= mm->mmap_base);
	CHECK_UEQ(a, mm->mmap_base - 4 * PG);
	b = do_mmap(mm, NULL, 0, 2 * PG, RW, ANON, 0);
	CHECK_UEQ(b, a - 2 * PG);
	/* same flags, contiguous anon pgoff: one VMA */
	CHECK_EQ(mm->map_count, 1);
	CHECK(vma_is(mm, a, b, a + 4 * PG, RW));
	CHECK_EQ(mm->total_vm, 6);
	CHECK_EQ(mm->data_vm, 6);
	/* different protection: no merge */
	b = do_mmap(mm, NULL, 0, PG, PROT_READ, ANON, 0);
	CHECK_EQ(mm->map_count, 2);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(munmap_splits_and_counts)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = 0x10000000;
	struct vm_area_struct *lo, *hi;

	REQUIRE(mm);
	REQUIRE(mmap_fixed(mm, base, 10, RW) == base);
	/* the middle: two VMAs remain */
	CHECK_EQ(do_munmap(mm, base + 3 * PG, 2 * PG), 0);
	CHECK_EQ(mm->map_count, 2);
	lo = vma_lookup(mm, base);
	hi = vma_lookup(mm, base + 5 * PG);
	REQUIRE(lo && hi);
	CHECK_UEQ(lo->vm_end, base + 3 * PG);
	CHECK_UEQ(hi->vm_start, base + 5 * PG);
	CHECK_UEQ(hi->vm_pgoff, (base >> PAGE_SHIFT) + 5);
	CHECK(!vma_lookup(mm, base + 4 * PG));
	CHECK_EQ(mm->total_vm, 8);
	/* head and tail, and a range over a hole */
	CHECK_EQ(do_munmap(mm, base, PG), 0);
	CHECK_EQ(do_munmap(mm, base + 9 * PG, PG), 0);
	CHECK(vma_is(mm, base + PG, base + PG, base + 3 * PG, RW));
	CHECK(vma_is(mm, base + 5 * PG, base + 5 * PG, base + 9 * PG, RW));
	CHECK_EQ(do_munmap(mm, base + 2 * PG, 4 * PG), 0);
	CHECK_EQ(mm->map_count, 2);
	CHECK_EQ(mm->total_vm, 4);
	/* errors */
	CHECK_EQ(do_munmap(mm, base + 1, PG), -EINVAL);
	CHECK_EQ(do_munmap(mm, base, 0), -EINVAL);
	CHECK_EQ(do_munmap(mm, 0x7ffff0000000UL, 0x100000000000UL), -EINVAL);
	/* unmapping nothing is fine */
	CHECK_EQ(do_munmap(mm, 0x20000000, PG), 0);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(mprotect_split_and_merge)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = 0x10000000;

	REQUIRE(mm);
	REQUIRE(mmap_fixed(mm, base, 8, RW) == base);
	CHECK_EQ(do_mprotect(mm, base + 2 * PG, 2 * PG, PROT_READ), 0);
	CHECK_EQ(mm->map_count, 3);
	CHECK(vma_is(mm, base, base, base + 2 * PG, RW));
	CHECK(vma_is(mm, base + 2 * PG, base + 2 * PG, base + 4 * PG,
		     PROT_READ));
	CHECK(vma_is(mm, base + 4 * PG, base + 4 * PG, base + 8 * PG, RW));
	CHECK_EQ(mm->data_vm, 6);
	/* extending the read-only part merges it with its neighbour */
	CHECK_EQ(do_mprotect(mm, base + 4 * PG, PG, PROT_READ), 0);
	CHECK(vma_is(mm, base + 2 * PG, base + 2 * PG, base + 5 * PG,
		     PROT_READ));
	CHECK_EQ(mm->map_count, 3);
	/* back to RW everywhere: one VMA */
	CHECK_EQ(do_mprotect(mm, base, 8 * PG, RW), 0);
	CHECK_EQ(mm->map_count, 1);
	CHECK(vma_is(mm, base, base, base + 8 * PG, RW));
	/* errors: hole, unaligned, bad prot */
	CHECK_EQ(do_munmap(mm, base + 6 * PG, PG), 0);
	CHECK_EQ(do_mprotect(mm, base + 4 * PG, 4 * PG, PROT_READ), -ENOMEM);
	/* the kernel changes what lies before the hole */
	CHECK(vma_is(mm, base + 4 * PG, base + 4 * PG, base + 6 * PG,
		     PROT_READ));
	CHECK_EQ(do_mprotect(mm, base + 1, PG, PROT_READ), -EINVAL);
	CHECK_EQ(do_mprotect(mm, base, PG, 0x100), -EINVAL);
	CHECK_EQ(do_mprotect(mm, 0x30000000, PG, PROT_READ), -ENOMEM);
	CHECK_EQ(do_mprotect(mm, base, 0, PROT_READ), 0);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(mmap_fixed_hint_noreplace)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = 0x10000000, a;

	REQUIRE(mm);
	REQUIRE(mmap_fixed(mm, base, 4, RW) == base);
	/* MAP_FIXED replaces the middle */
	CHECK_UEQ(mmap_fixed(mm, base + PG, 2, PROT_READ), base + PG);
	CHECK_EQ(mm->map_count, 3);
	CHECK_EQ(mm->total_vm, 4);
	/* replacing it again with the same flags merges all three */
	CHECK_UEQ(mmap_fixed(mm, base + PG, 2, RW), base + PG);
	CHECK_EQ(mm->map_count, 1);
	CHECK(vma_is(mm, base, base, base + 4 * PG, RW));
	CHECK_UEQ(mmap_fixed(mm, base + PG, 2, PROT_READ), base + PG);
	/* NOREPLACE refuses */
	a = do_mmap(mm, NULL, base + 3 * PG, 2 * PG, RW,
		    ANON | MAP_FIXED_NOREPLACE, 0);
	CHECK_UEQ(a, (unsigned long)-EEXIST);
	a = do_mmap(mm, NULL, base + 4 * PG, 2 * PG, RW,
		    ANON | MAP_FIXED_NOREPLACE, 0);
	CHECK_UEQ(a, base + 4 * PG);
	/* a free hint is taken as is; a busy one is not */
	a = do_mmap(mm, NULL, 0x40000000, PG, RW, ANON, 0);
	CHECK_UEQ(a, 0x40000000);
	a = do_mmap(mm, NULL, base, PG, RW, ANON, 0);
	CHECK(!IS_ERR_VALUE(a) && a != base);
	/* a hint below mmap_min_addr is raised */
	a = do_mmap(mm, NULL, 0x1000, PG, RW, ANON, 0);
	CHECK_UEQ(a, KMM_MMAP_MIN_ADDR);
	/* bad arguments */
	CHECK_UEQ(do_mmap(mm, NULL, 0, 0, RW, ANON, 0), (unsigned long)-EINVAL);
	CHECK_UEQ(do_mmap(mm, NULL, 0, PG, RW, MAP_ANONYMOUS, 0),
		  (unsigned long)-EINVAL);
	CHECK_UEQ(do_mmap(mm, NULL, base + 1, PG, RW, ANON | MAP_FIXED, 0),
		  (unsigned long)-EINVAL);
	CHECK_UEQ(do_mmap(mm, NULL, 0, -PG, RW, ANON, 0),
		  (unsigned long)-ENOMEM);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(file_mappings_merge_by_offset)
{
	struct mm_struct *mm = new_mm();
	struct kmm_file *f = kmm_file_create("/lib/libx.so", 64 * PG);
	struct kmm_file *g = kmm_file_create("/lib/liby.so", 64 * PG);
	unsigned long base = 0x10000000;

	REQUIRE(mm && f && g);
	CHECK_UEQ(do_mmap(mm, f, base, 2 * PG, PROT_READ,
			  MAP_PRIVATE | MAP_FIXED, 0), base);
	/* continuous offset: merged */
	CHECK_UEQ(do_mmap(mm, f, base + 2 * PG, 2 * PG, PROT_READ,
			  MAP_PRIVATE | MAP_FIXED, 2), base + 2 * PG);
	CHECK_EQ(mm->map_count, 1);
	/* a gap in the offset: not merged */
	CHECK_UEQ(do_mmap(mm, f, base + 4 * PG, PG, PROT_READ,
			  MAP_PRIVATE | MAP_FIXED, 9), base + 4 * PG);
	CHECK_EQ(mm->map_count, 2);
	/* another file: not merged */
	CHECK_UEQ(do_mmap(mm, g, base + 5 * PG, PG, PROT_READ,
			  MAP_PRIVATE | MAP_FIXED, 10), base + 5 * PG);
	CHECK_EQ(mm->map_count, 3);
	/* the middle of the first VMA gets its own offset after a split */
	CHECK_EQ(do_mprotect(mm, base + PG, PG, PROT_READ | PROT_EXEC), 0);
	CHECK_UEQ(vma_lookup(mm, base + PG)->vm_pgoff, 1);
	CHECK_UEQ(vma_lookup(mm, base + 2 * PG)->vm_pgoff, 2);
	CHECK_EQ(mm->exec_vm, 1);
	CHECK_EQ(mm->map_count, 5);
	CHECK_EQ(f->refcount, 5);	/* ours + 4 VMAs */
	kmm_file_put(f);
	kmm_file_put(g);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(brk_grow_shrink)
{
	struct mm_struct *mm;
	unsigned long start;

	REQUIRE(init() == 0);
	mm = mm_exec(0x555555560000UL, 0);
	REQUIRE(mm);
	start = mm->start_brk;
	CHECK_UEQ(do_brk(mm, start + 100), start + 100);
	CHECK(vma_is(mm, start, start, start + PG, RW));
	CHECK_UEQ(do_brk(mm, start + 5 * PG), start + 5 * PG);
	CHECK_EQ(mm->map_count, 2);	/* stack + heap */
	CHECK(vma_is(mm, start, start, start + 5 * PG, RW));
	CHECK_UEQ(do_brk(mm, start + 2 * PG + 1), start + 2 * PG + 1);
	CHECK(vma_is(mm, start, start, start + 3 * PG, RW));
	/* below the start, or beyond the address space: refused */
	CHECK_UEQ(do_brk(mm, start - PG), start + 2 * PG + 1);
	CHECK_UEQ(do_brk(mm, ~0UL), start + 2 * PG + 1);
	CHECK_UEQ(do_brk(mm, TASK_SIZE - 1), start + 2 * PG + 1);
	/* a mapping in the way: refused (one page must stay free) */
	CHECK_UEQ(mmap_fixed(mm, start + 10 * PG, 1, RW), start + 10 * PG);
	CHECK_UEQ(do_brk(mm, start + 9 * PG + 1), start + 2 * PG + 1);
	CHECK_UEQ(do_brk(mm, start + 9 * PG), start + 9 * PG);
	CHECK_UEQ(do_brk(mm, start), start);
	CHECK(!vma_lookup(mm, start));
	/* RLIMIT_DATA (the other private writable page counts too) */
	mm->limits.data = 5 * PG;
	CHECK_UEQ(do_brk(mm, start + 8 * PG), start);
	CHECK_UEQ(do_brk(mm, start + 4 * PG), start + 4 * PG);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(mremap_cases)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = 0x10000000, r;

	REQUIRE(mm);
	REQUIRE(mmap_fixed(mm, base, 4, RW) == base);
	/* shrink */
	CHECK_UEQ(do_mremap(mm, base, 4 * PG, 2 * PG, 0, 0), base);
	CHECK(vma_is(mm, base, base, base + 2 * PG, RW));
	/* grow in place */
	CHECK_UEQ(do_mremap(mm, base, 2 * PG, 6 * PG, 0, 0), base);
	CHECK(vma_is(mm, base, base, base + 6 * PG, RW));
	CHECK_EQ(mm->total_vm, 6);
	/* blocked: without MAYMOVE, ENOMEM; with it, a move */
	REQUIRE(mmap_fixed(mm, base + 6 * PG, 1, PROT_READ) == base + 6 * PG);
	CHECK_UEQ(do_mremap(mm, base, 6 * PG, 8 * PG, 0, 0),
		  (unsigned long)-ENOMEM);
	r = do_mremap(mm, base, 6 * PG, 8 * PG, MREMAP_MAYMOVE, 0);
	REQUIRE(!IS_ERR_VALUE(r));
	CHECK(r != base);
	CHECK(!vma_lookup(mm, base));
	CHECK(vma_is(mm, r, r, r + 8 * PG, RW));
	/* the moved anon VMA keeps its page offset (rmap) */
	CHECK_UEQ(vma_lookup(mm, r)->vm_pgoff, base >> PAGE_SHIFT);
	CHECK_EQ(mm->total_vm, 9);
	/* MREMAP_FIXED */
	CHECK_UEQ(do_mremap(mm, r, 8 * PG, 8 * PG,
			    MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000),
		  0x30000000);
	CHECK(vma_is(mm, 0x30000000, 0x30000000, 0x30000000 + 8 * PG, RW));
	/* errors */
	CHECK_UEQ(do_mremap(mm, 0x30000000, PG, PG, MREMAP_FIXED, 0x50000000),
		  (unsigned long)-EINVAL);
	CHECK_UEQ(do_mremap(mm, 0x30000000, PG, PG, 0x80, 0),
		  (unsigned long)-EINVAL);
	CHECK_UEQ(do_mremap(mm, 0x40000000, PG, 2 * PG, MREMAP_MAYMOVE, 0),
		  (unsigned long)-EFAULT);
	CHECK_UEQ(do_mremap(mm, 0x30000000, 16 * PG, 17 * PG, 0, 0),
		  (unsigned long)-EFAULT);
	CHECK_UEQ(do_mremap(mm, 0x30000000, 8 * PG, 8 * PG,
			    MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000 + PG),
		  (unsigned long)-EINVAL);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(limits)
{
	struct mm_struct *mm = new_mm();
	unsigned long base = 0x10000000, i, r;

	REQUIRE(mm);
	mm->limits.max_map_count = 4;
	CHECK_UEQ(mmap_fixed(mm, base, 3, RW), base);
	for (i = 1; i < 4; i++)
		CHECK_UEQ(mmap_fixed(mm, base + (2 + 2 * i) * PG, 1, RW),
			  base + (2 + 2 * i) * PG);
	CHECK_EQ(mm->map_count, 4);
	/* the kernel lets map_count reach max + 1, then says ENOMEM */
	r = mmap_fixed(mm, base + 20 * PG, 1, RW);
	CHECK_UEQ(r, base + 20 * PG);
	CHECK_EQ(mm->map_count, 5);
	CHECK_UEQ(mmap_fixed(mm, base + 30 * PG, 1, RW),
		  (unsigned long)-ENOMEM);
	/* splitting the middle of a VMA at the limit */
	CHECK_EQ(do_munmap(mm, base + PG, PG), -ENOMEM);
	CHECK_EQ(do_mprotect(mm, base + PG, PG, PROT_READ), -ENOMEM);
	mm->limits.max_map_count = DEFAULT_MAX_MAP_COUNT;
	/* RLIMIT_AS */
	mm->limits.as = (mm->total_vm + 4) << PAGE_SHIFT;
	CHECK_UEQ(do_mmap(mm, NULL, 0, 5 * PG, RW, ANON, 0),
		  (unsigned long)-ENOMEM);
	CHECK(!IS_ERR_VALUE(do_mmap(mm, NULL, 0, 4 * PG, RW, ANON, 0)));
	CHECK_UEQ(do_mremap(mm, base + 20 * PG, PG, 2 * PG, MREMAP_MAYMOVE, 0),
		  (unsigned long)-ENOMEM);
	mm->limits.as = ~0UL;
	/* RLIMIT_MEMLOCK */
	mm->limits.memlock = 2 * PG;
	CHECK_UEQ(do_mmap(mm, NULL, 0, 3 * PG, RW, ANON | MAP_LOCKED, 0),
		  (unsigned long)-EAGAIN);
	CHECK_EQ(do_mlock(mm, base, 3 * PG, true), -ENOMEM);
	CHECK_EQ(do_mlock(mm, base, 2 * PG, true), 0);
	CHECK_EQ(mm->locked_vm, 2);
	CHECK_EQ(do_mlock(mm, base, 2 * PG, true), 0);	/* counted once */
	CHECK_EQ(do_mlock(mm, base, 3 * PG, false), 0);
	CHECK_EQ(mm->locked_vm, 0);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(stack_and_proc_output)
{
	struct kmm_file *f = kmm_file_create("/usr/bin/cat", 16 * PG);
	struct mm_struct *mm;
	char *buf = NULL, line[1024];
	size_t len = 0;
	FILE *fp;

	REQUIRE(init() == 0);
	mm = mm_exec(0x555555560000UL, 33);
	REQUIRE(mm && f);
	CHECK_UEQ(do_mmap(mm, f, 0x555555554000UL, 2 * PG, PROT_READ,
			  MAP_PRIVATE | MAP_FIXED, 0), 0x555555554000UL);
	CHECK_UEQ(do_mmap(mm, f, 0x555555556000UL, 5 * PG,
			  PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, 2),
		  0x555555556000UL);
	CHECK_UEQ(do_brk(mm, 0x555555581000UL), 0x555555581000UL);
	fp = open_memstream(&buf, &len);
	REQUIRE(fp);
	mm_show_maps(mm, fp);
	fclose(fp);
	snprintf(line, sizeof(line),
		 "555555554000-555555556000 r--p 00000000 fe:01 %-27lu"
		 "/usr/bin/cat\n"
		 "555555556000-55555555b000 r-xp 00002000 fe:01 %-27lu"
		 "/usr/bin/cat\n"
		 "555555560000-555555581000 rw-p 00000000 00:00 0 "
		 "                         [heap]\n"
		 "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 "
		 "                         [stack]\n", f->ino, f->ino);
	CHECK_STR_EQ(buf, line);
	free(buf);
	buf = NULL;
	fp = open_memstream(&buf, &len);
	REQUIRE(fp);
	mm_show_status(mm, fp);
	fclose(fp);
	/* 2 + 5 + 33 + 33 pages */
	CHECK(strstr(buf, "VmSize:\t     292 kB\n") != NULL);
	CHECK(strstr(buf, "VmStk:\t     132 kB\n") != NULL);
	CHECK(strstr(buf, "VmData:\t     132 kB\n") != NULL);
	CHECK(strstr(buf, "VmRSS:\t       0 kB\n") != NULL);
	free(buf);
	/* stack growth below the VMA, within RLIMIT_STACK */
	{
		struct vm_area_struct *st = find_vma(mm, 0x7fffffff0000UL);

		REQUIRE(st && (st->vm_flags & VM_GROWSDOWN));
		CHECK_EQ(expand_stack(mm, st, st->vm_start - 3 * PG + 5), 0);
		CHECK_UEQ(st->vm_start, 0x7fffffff0000UL - 0x12000 - 3 * PG);
		CHECK_EQ(mm->stack_vm, 36);
		CHECK_EQ(expand_stack(mm, st, st->vm_start - (9UL << 20)),
			 -ENOMEM);
	}
	kmm_file_put(f);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

/*
 * Randomized: MAP_FIXED mmaps, munmaps and mprotects in a window, checked
 * page by page against a model, plus gap searches against a brute force.
 */
#define WIN_PAGES	256
#define WIN_BASE	0x20000000UL

struct model_page {
	unsigned char prot;	/* 0xff: unmapped */
	unsigned char file;	/* 0 anon, 1 the file */
	unsigned long pgoff;
};

static uint64_t rnd_state;

static unsigned long rnd(unsigned long n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned long)(rnd_state % n);
}

static unsigned long brute_gap(struct mm_struct *mm, unsigned long len,
			       unsigned long low, unsigned long high)
{
	unsigned long best = (unsigned long)-ENOMEM, prev_end = 0;
	struct vm_area_struct *vma;

	for_each_vma(mm, vma) {
		unsigned long lo = prev_end > low ? prev_end : low;
		unsigned long hi = vma_start_gap(vma) < high ?
				   vma_start_gap(vma) : high;

		if (hi >= lo && hi - lo >= len)
			best = hi - len;
		prev_end = vma->vm_end;
	}
	if (prev_end < high) {
		unsigned long lo = prev_end > low ? prev_end : low;

		if (high >= lo && high - lo >= len)
			best = high - len;
	}
	return best;
}

TEST(random_ops_match_model)
{
	static struct model_page model[WIN_PAGES];
	struct kmm_file *f = kmm_file_create("/data/file", WIN_PAGES * PG);
	struct mm_struct *mm = new_mm();
	int step, steps = 4000;

	REQUIRE(mm && f);
	rnd_state = th_seed() | 1;
	for (int i = 0; i < WIN_PAGES; i++)
		model[i].prot = 0xff;
	for (step = 0; step < steps; step++) {
		unsigned long s = rnd(WIN_PAGES), n = 1 + rnd(24), i;
		unsigned long prot = rnd(3) == 0 ? PROT_READ : RW;
		int op = (int)rnd(3);

		if (s + n > WIN_PAGES)
			n = WIN_PAGES - s;
		if (op == 0) {
			bool file = rnd(2);
			unsigned long pgoff = file ? rnd(4) * 8 + s : 0;
			unsigned long r;

			r = do_mmap(mm, file ? f : NULL, WIN_BASE + s * PG,
				    n * PG, prot, MAP_PRIVATE | MAP_FIXED |
				    (file ? 0 : MAP_ANONYMOUS), pgoff);
			REQUIRE(r == WIN_BASE + s * PG);
			for (i = 0; i < n; i++) {
				model[s + i].prot = (unsigned char)prot;
				model[s + i].file = file;
				model[s + i].pgoff = file ? pgoff + i :
					((WIN_BASE >> PAGE_SHIFT) + s + i);
			}
		} else if (op == 1) {
			REQUIRE(do_munmap(mm, WIN_BASE + s * PG, n * PG) == 0);
			for (i = 0; i < n; i++)
				model[s + i].prot = 0xff;
		} else {
			int r = do_mprotect(mm, WIN_BASE + s * PG, n * PG,
					    prot);

			for (i = 0; i < n && model[s + i].prot != 0xff; i++)
				model[s + i].prot = (unsigned char)prot;
			CHECK_EQ(r, i == n ? 0 : -ENOMEM);
		}
		for (i = 0; i < WIN_PAGES; i++) {
			unsigned long a = WIN_BASE + i * PG;
			struct vm_area_struct *v = vma_lookup(mm, a);

			if (model[i].prot == 0xff) {
				CHECK(v == NULL);
				continue;
			}
			REQUIRE(v != NULL);
			CHECK_EQ(v->vm_flags & VM_ACCESS_FLAGS, model[i].prot);
			CHECK_EQ(v->vm_file != NULL, model[i].file);
			CHECK_UEQ(linear_page_index(v, a), model[i].pgoff);
		}
		{
			unsigned long len = (1 + rnd(16)) * PG;
			unsigned long low = WIN_BASE + rnd(64) * PG;
			unsigned long high = WIN_BASE + (128 + rnd(160)) * PG;

			CHECK_UEQ(vt_find_gap(mm, len, low, high, true),
				  brute_gap(mm, len, low, high));
		}
		if (mm_check(mm) || th_failures())
			break;
	}
	CHECK_EQ(step, steps);
	kmm_file_put(f);
	mmput(mm);
}

TEST(many_vmas_lookup)
{
	struct mm_struct *mm = new_mm();
	/* level 3 checks the whole mm after each call: O(n) each */
	unsigned long i, n = KMM_DEBUG >= 3 ? 2000 : 20000, a;

	REQUIRE(mm);
	/* alternate protections so nothing merges */
	for (i = 0; i < n; i++) {
		a = do_mmap(mm, NULL, 0, PG, i & 1 ? PROT_READ : RW, ANON, 0);
		REQUIRE(!IS_ERR_VALUE(a));
	}
	CHECK_EQ(mm->map_count, (int)n);
	CHECK_EQ(mm_check(mm), 0);
	/* every other one goes: holes of one page, found by the search */
	for (i = 0; i < n; i += 2)
		REQUIRE(do_munmap(mm, mm->mmap_base - (i + 1) * PG, PG) == 0);
	CHECK_EQ(mm->map_count, (int)n / 2);
	a = do_mmap(mm, NULL, 0, PG, PROT_EXEC, ANON, 0);
	CHECK_UEQ(a, mm->mmap_base - PG);
	a = do_mmap(mm, NULL, 0, 2 * PG, PROT_EXEC, ANON, 0);
	CHECK_UEQ(a, mm->mmap_base - (n + 2) * PG);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}

TEST(ulmap_random_against_array)
{
	static void *model[4096];
	struct kmm_ulmap m = { 0 };
	unsigned long i, key;

	rnd_state = th_seed() | 1;
	memset(model, 0, sizeof(model));
	for (i = 0; i < 200000; i++) {
		/* keys spread far apart, so the hash really collides */
		key = rnd(4096);
		if (rnd(3)) {
			void *v = (void *)(uintptr_t)(i * 8 + 8);

			REQUIRE(ulmap_put(&m, key << 20, v) == 0);
			model[key] = v;
		} else {
			ulmap_del(&m, key << 20);
			model[key] = NULL;
		}
		key = rnd(4096);
		if (ulmap_get(&m, key << 20) != model[key]) {
			CHECK(ulmap_get(&m, key << 20) == model[key]);
			break;
		}
	}
	for (key = 0, i = 0; key < 4096; key++) {
		CHECK(ulmap_get(&m, key << 20) == model[key]);
		i += model[key] != NULL;
	}
	CHECK_EQ(m.nr, i);
	ulmap_free(&m);
}

/* fork does not inherit VM_LOCKED; the kernel leaves the pieces apart */
TEST(fork_unlocks_without_merging)
{
	struct mm_struct *mm = new_mm(), *child, *grandchild;
	unsigned long base = 0x10000000;

	REQUIRE(mm);
	REQUIRE(mmap_fixed(mm, base, 3, RW) == base);
	REQUIRE(do_mlock(mm, base + PG, PG, true) == 0);
	CHECK_EQ(mm->map_count, 3);
	CHECK_EQ(mm->locked_vm, 1);
	child = dup_mm(mm);
	REQUIRE(child);
	CHECK_EQ(child->map_count, 3);
	CHECK_EQ(child->locked_vm, 0);
	CHECK(!(vma_lookup(child, base + PG)->vm_flags & VM_LOCKED));
	CHECK_EQ(mm_check(child), 0);
	grandchild = dup_mm(child);
	REQUIRE(grandchild);
	CHECK_EQ(mm_check(grandchild), 0);
	/* touching the range merges it as usual */
	CHECK_EQ(do_mprotect(grandchild, base, 3 * PG, PROT_READ), 0);
	CHECK_EQ(grandchild->map_count, 1);
	mmput(grandchild);
	mmput(child);
	CHECK_EQ(mm_check(mm), 0);
	mmput(mm);
}
