// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/mmap.c - address spaces and their VMAs: mm_alloc/mmput/dup_mm/
 * mm_exec, do_mmap, do_munmap, do_mprotect, do_mremap, do_brk, do_mlock,
 * stack growth, and the /proc output.
 *
 * Lock order: mm_big_lock (all address spaces) -> zone locks (buddy) ->
 * slab locks.  Every exported function here takes mm_big_lock; the
 * __-prefixed helpers expect it held.
 *
 * VMA states:
 *	unlinked  - allocated by vm_area_alloc, fields being set up
 *	linked    - in mm->vma_root and mm->vma_list, counted in map_count
 *		    and the *_vm counters (vma_account)
 *	freed     - back to vm_area_cachep
 *
 * Invariants (mm_check): the tree invariants of vma_tree.c; every VMA is
 * page aligned, non-empty and inside [KMM_MMAP_MIN_ADDR, TASK_SIZE]
 * (stacks may go lower); total_vm, locked_vm, data_vm, exec_vm and
 * stack_vm equal the sums over the VMAs; two adjacent VMAs that could merge
 * are never both linked after an operation of this file returns (except
 * in a child whose fork cleared VM_LOCKED: the kernel leaves those).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kmm/slab.h"

#include "internal.h"

static pthread_mutex_t mm_big_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmem_cache *mm_cachep, *vm_area_cachep, *anon_vma_cachep;
static unsigned int next_asid = 1;
static int next_pid = 1;

struct mm_fault_stats exited_fault_stats;

void fault_stats_add(struct mm_fault_stats *to,
		     const struct mm_fault_stats *from)
{
	const uint64_t *f = (const uint64_t *)from;
	uint64_t *t = (uint64_t *)to;

	_Static_assert(sizeof(*to) % sizeof(uint64_t) == 0,
		       "struct mm_fault_stats holds only uint64_t counters");
	for (size_t i = 0; i < sizeof(*to) / sizeof(uint64_t); i++)
		t[i] += f[i];
}

void mm_lock_all(void)
{
	pthread_mutex_lock(&mm_big_lock);
}

void mm_unlock_all(void)
{
	pthread_mutex_unlock(&mm_big_lock);
}

int mm_subsys_init(void)
{
	if (mm_cachep)
		return 0;
	if (kmem_cache_init())
		return -ENOMEM;
	/* the kernel's flags (fork.c, mmap.c, rmap.c) */
	mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct),
				      0, SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT,
				      NULL);
	vm_area_cachep = kmem_cache_create("vm_area_struct",
					   sizeof(struct vm_area_struct), 0,
					   SLAB_ACCOUNT, NULL);
	anon_vma_cachep = kmem_cache_create("anon_vma",
					    sizeof(struct anon_vma), 0,
					    SLAB_TYPESAFE_BY_RCU |
					    SLAB_ACCOUNT, NULL);
	if (!mm_cachep || !vm_area_cachep || !anon_vma_cachep) {
		mm_subsys_exit();
		return -ENOMEM;
	}
	memory_subsys_init();
	return 0;
}

void mm_subsys_exit(void)
{
	memory_subsys_exit();
	if (mm_cachep)
		kmem_cache_destroy(mm_cachep);
	if (vm_area_cachep)
		kmem_cache_destroy(vm_area_cachep);
	if (anon_vma_cachep)
		kmem_cache_destroy(anon_vma_cachep);
	mm_cachep = vm_area_cachep = anon_vma_cachep = NULL;
	memset(&exited_fault_stats, 0, sizeof(exited_fault_stats));
}

/* ---- VMA objects, accounting and linking ---- */

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = kmem_cache_alloc(vm_area_cachep,
						      GFP_KERNEL);

	if (!vma)
		return NULL;
	memset(vma, 0, sizeof(*vma));
	vma->vm_mm = mm;
	INIT_LIST_HEAD(&vma->anon_vma_node);
	INIT_LIST_HEAD(&vma->vm_list);
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	anon_vma_detach(vma);
	if (vma->vm_file)
		kmm_file_put(vma->vm_file);
	kmem_cache_free(vm_area_cachep, vma);
}

static struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = vm_area_alloc(orig->vm_mm);

	if (!vma)
		return NULL;
	vma->vm_start = orig->vm_start;
	vma->vm_end = orig->vm_end;
	vma->vm_flags = orig->vm_flags;
	vma->vm_pgoff = orig->vm_pgoff;
	if (orig->vm_file)
		vma->vm_file = kmm_file_get(orig->vm_file);
	if (orig->anon_vma)
		anon_vma_attach(vma, orig->anon_vma);
	return vma;
}

void anon_vma_attach(struct vm_area_struct *vma, struct anon_vma *av)
{
	if (vma->anon_vma == av)
		return;
	anon_vma_detach(vma);
	vma->anon_vma = av;
	av->refcount++;
	list_add_tail(&vma->anon_vma_node, &av->vmas);
}

void anon_vma_detach(struct vm_area_struct *vma)
{
	struct anon_vma *av = vma->anon_vma;

	if (!av)
		return;
	list_del_init(&vma->anon_vma_node);
	vma->anon_vma = NULL;
	if (--av->refcount == 0)
		kmem_cache_free(anon_vma_cachep, av);
}

/* Give @vma an anon_vma before its first anonymous page. */
int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct anon_vma *av;

	if (vma->anon_vma)
		return 0;
	av = kmem_cache_alloc(anon_vma_cachep, GFP_KERNEL);
	if (!av)
		return -ENOMEM;
	INIT_LIST_HEAD(&av->vmas);
	av->refcount = 0;
	anon_vma_attach(vma, av);
	return 0;
}

static bool is_exec_mapping(unsigned long flags)
{
	return (flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC;
}

static bool is_stack_mapping(unsigned long flags)
{
	return (flags & VM_STACK) == VM_STACK;
}

static bool is_data_mapping(unsigned long flags)
{
	return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
}

void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
{
	mm->total_vm += npages;
	if (is_exec_mapping(flags))
		mm->exec_vm += npages;
	else if (is_stack_mapping(flags))
		mm->stack_vm += npages;
	else if (is_data_mapping(flags))
		mm->data_vm += npages;
	if (flags & VM_LOCKED)
		mm->locked_vm += npages;
	if (mm->total_vm > mm->hiwater_vm)
		mm->hiwater_vm = mm->total_vm;
}

static void vma_account(struct vm_area_struct *vma, int sign)
{
	vm_stat_account(vma->vm_mm, vma->vm_flags,
			sign * (long)vma_pages(vma));
}

void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = find_vma(mm, vma->vm_start);

	vma->vm_mm = mm;
	list_add_tail(&vma->vm_list, next ? &next->vm_list : &mm->vma_list);
	vt_insert(mm, vma);
	mm->map_count++;
	vma_account(vma, 1);
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma_account(vma, -1);
	vt_erase(mm, vma);
	list_del_init(&vma->vm_list);
	mm->map_count--;
}

/* Resize @vma in place (the tree order must not change). */
static void vma_set_range(struct vm_area_struct *vma, unsigned long start,
			  unsigned long end, unsigned long pgoff)
{
	vma_account(vma, -1);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	vt_update(vma->vm_mm, vma);
	vma_account(vma, 1);
}

static void vma_set_flags(struct vm_area_struct *vma, unsigned long flags)
{
	vma_account(vma, -1);
	vma->vm_flags = flags;
	vt_update(vma->vm_mm, vma);	/* GROWSDOWN moves the hole's end */
	vma_account(vma, 1);
}

/*
 * Split @vma at @addr; the part below @addr is a new VMA when @new_below,
 * else the part above.  Returns the new VMA or NULL (no memory).
 */
static struct vm_area_struct *__split_vma(struct vm_area_struct *vma,
					  unsigned long addr, bool new_below)
{
	struct vm_area_struct *new = vm_area_dup(vma);
	unsigned long delta = (addr - vma->vm_start) >> PAGE_SHIFT;

	if (!new)
		return NULL;
	if (new_below) {
		new->vm_end = addr;
		vma_set_range(vma, addr, vma->vm_end, vma->vm_pgoff + delta);
	} else {
		new->vm_start = addr;
		new->vm_pgoff += delta;
		vma_set_range(vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	vma_link(vma->vm_mm, new);
	return new;
}

/* split_vma with the kernel's map_count limit: 0 or -ENOMEM. */
static int split_vma(struct vm_area_struct *vma, unsigned long addr,
		     bool new_below)
{
	struct mm_struct *mm = vma->vm_mm;

	if ((unsigned long)mm->map_count >= mm->limits.max_map_count)
		return -ENOMEM;
	return __split_vma(vma, addr, new_below) ? 0 : -ENOMEM;
}

/* May @lo (below) and @hi (above) become one VMA? */
static bool vmas_mergeable(const struct vm_area_struct *lo,
			   const struct vm_area_struct *hi)
{
	if (lo->vm_end != hi->vm_start || lo->vm_flags != hi->vm_flags ||
	    lo->vm_file != hi->vm_file)
		return false;
	if (lo->vm_flags & (VM_PFNMAP | VM_IO | VM_DONTEXPAND))
		return false;
	if (lo->anon_vma && hi->anon_vma && lo->anon_vma != hi->anon_vma)
		return false;
	return lo->vm_pgoff + vma_pages(lo) == hi->vm_pgoff;
}

/* Fold @hi into @lo (adjacent, mergeable); @hi is freed. */
static void vma_fold(struct vm_area_struct *lo, struct vm_area_struct *hi)
{
	struct mm_struct *mm = lo->vm_mm;
	unsigned long end = hi->vm_end;

	if (!lo->anon_vma && hi->anon_vma)
		anon_vma_attach(lo, hi->anon_vma);
	vma_unlink(mm, hi);
	vm_area_free(hi);
	vma_set_range(lo, lo->vm_start, end, lo->vm_pgoff);
}

/* Merge @vma with its neighbours where possible; returns the result. */
static struct vm_area_struct *vma_try_merge(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_area_struct *prev = vma_prev(mm, vma);
	struct vm_area_struct *next = vma_next(mm, vma);

	if (prev && vmas_mergeable(prev, vma)) {
		vma_fold(prev, vma);
		vma = prev;
	}
	if (next && vmas_mergeable(vma, next))
		vma_fold(vma, next);
	return vma;
}

/* ---- limits ---- */

static bool may_expand_vm(struct mm_struct *mm, unsigned long flags,
			  unsigned long npages)
{
	if (mm->total_vm + npages > mm->limits.as >> PAGE_SHIFT)
		return false;
	if (is_data_mapping(flags) &&
	    mm->data_vm + npages > mm->limits.data >> PAGE_SHIFT)
		return false;
	return true;
}

static bool mlock_future_ok(struct mm_struct *mm, unsigned long flags,
			    unsigned long bytes)
{
	if (!(flags & VM_LOCKED))
		return true;
	return ((mm->locked_vm << PAGE_SHIFT) + bytes) <= mm->limits.memlock;
}

/* Pages of [start, end) mapped by VMAs having all of @flags. */
static unsigned long count_vma_pages_range(struct mm_struct *mm,
					   unsigned long start,
					   unsigned long end,
					   unsigned long flags)
{
	struct vm_area_struct *vma = find_vma_intersection(mm, start, end);
	unsigned long n = 0;

	for (; vma && vma->vm_start < end; vma = vma_next(mm, vma)) {
		unsigned long s = vma->vm_start > start ? vma->vm_start : start;
		unsigned long e = vma->vm_end < end ? vma->vm_end : end;

		if ((vma->vm_flags & flags) == flags)
			n += (e - s) >> PAGE_SHIFT;
	}
	return n;
}

/* ---- address-space objects ---- */

static void mm_init_limits(struct mm_limits *l)
{
	l->max_map_count = DEFAULT_MAX_MAP_COUNT;
	l->as = ~0UL;
	l->data = ~0UL;
	l->memlock = 8UL << 20;
	l->stack = 8UL << 20;
}

static struct mm_struct *__mm_alloc(void)
{
	struct mm_struct *mm = kmem_cache_alloc(mm_cachep, GFP_KERNEL);

	if (!mm)
		return NULL;
	memset(mm, 0, sizeof(*mm));
	INIT_LIST_HEAD(&mm->vma_list);
	mm->mm_users = 1;
	mm->pid = next_pid++;
	mm->asid = next_asid++ % TLB_MAX_ASID + 1;
	tlb_shootdown_asid(mm->asid);	/* a reused tag */
	mm->task_size = TASK_SIZE;
	mm->mmap_base = TASK_SIZE - KMM_MMAP_BASE_GAP;
	mm_init_limits(&mm->limits);
	if (mm_pgd_alloc(mm)) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	return mm;
}

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm;

	mm_lock_all();
	mm = __mm_alloc();
	mm_unlock_all();
	return mm;
}

void mmget(struct mm_struct *mm)
{
	mm_lock_all();
	mm->mm_users++;
	mm_unlock_all();
}

/*
 * Tear down every mapping and free the mm.  The tree goes as a whole, not
 * VMA by VMA (no rebalancing), as the kernel destroys its maple tree.
 */
static void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma, *next;

	list_for_each_entry_safe(vma, next, &mm->vma_list, vm_list) {
		zap_page_range(vma, vma->vm_start, vma->vm_end);
		vm_area_free(vma);
	}
	INIT_LIST_HEAD(&mm->vma_list);
	mm->vma_root = NULL;
	mm->map_count = 0;
	tlb_shootdown_asid(mm->asid);
	fault_stats_add(&exited_fault_stats, &mm->fault_stats);
	mm_pgd_free(mm);
	kmem_cache_free(mm_cachep, mm);
}

void mmput(struct mm_struct *mm)
{
	if (!mm)
		return;
	mm_lock_all();
	if (--mm->mm_users == 0)
		exit_mmap(mm);
	mm_unlock_all();
}

struct mm_struct *dup_mm(struct mm_struct *oldmm)
{
	struct vm_area_struct *mpnt, *tmp, **v, **src;
	struct mm_struct *mm;
	long nr = 0;

	mm_lock_all();
	mm = __mm_alloc();
	v = calloc(2 * ((size_t)oldmm->map_count + 1), sizeof(*v));
	if (!mm || !v)
		goto fail;
	src = v + oldmm->map_count + 1;
	mm->mmap_base = oldmm->mmap_base;
	mm->task_size = oldmm->task_size;
	mm->limits = oldmm->limits;
	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->premap_unknown = oldmm->premap_unknown;
	mm->unmerged_after_fork = oldmm->unmerged_after_fork;
	/* the VMAs in order, then their tree at once (O(n), balanced) */
	for_each_vma(oldmm, mpnt) {
		if (mpnt->vm_flags & VM_DONTCOPY)
			continue;
		tmp = vm_area_dup(mpnt);
		if (!tmp)
			goto fail;
		tmp->vm_mm = mm;
		if (tmp->vm_flags & VM_LOCKED_MASK) {	/* not inherited */
			tmp->vm_flags &= ~VM_LOCKED_MASK;
			mm->unmerged_after_fork = true;
		}
		list_add_tail(&tmp->vm_list, &mm->vma_list);
		mm->map_count++;
		vma_account(tmp, 1);
		src[nr] = mpnt;
		v[nr++] = tmp;
	}
	vt_build(mm, v, nr);
	for (long i = 0; i < nr; i++)
		if (copy_page_range(v[i], src[i]))
			goto fail;
	free(v);
	mm_debug_check(mm);
	mm_debug_check(oldmm);
	mm_unlock_all();
	return mm;
fail:
	free(v);
	if (mm) {
		vt_build(mm, NULL, 0);
		exit_mmap(mm);
	}
	mm_unlock_all();
	return NULL;
}

long mm_objects_in_use(void)
{
	struct kmem_cache *caches[] = { mm_cachep, vm_area_cachep,
					anon_vma_cachep };
	long n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(caches); i++) {
		struct slab_cache_info info;

		kmem_cache_shrink(caches[i]);
		slab_cache_info(caches[i], &info);
		n += (long)info.active_objs;
	}
	return n;
}

unsigned long get_mm_rss(const struct mm_struct *mm)
{
	return (unsigned long)(mm->rss_stat[MM_FILEPAGES] +
			       mm->rss_stat[MM_ANONPAGES] +
			       mm->rss_stat[MM_SHMEMPAGES]);
}

/* ---- mmap ---- */

static unsigned long __get_unmapped_area(struct mm_struct *mm,
					 unsigned long addr,
					 unsigned long len,
					 unsigned long flags)
{
	struct vm_area_struct *vma;
	unsigned long ret;

	if (len > mm->task_size - KMM_MMAP_MIN_ADDR)
		return (unsigned long)-ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr > mm->task_size - len)
			return (unsigned long)-ENOMEM;
		if (addr & ~PAGE_MASK)
			return (unsigned long)-EINVAL;
		return addr;
	}
	if (addr) {
		addr = PAGE_ALIGN(addr);
		vma = find_vma(mm, addr);
		if (mm->task_size - len >= addr && addr >= KMM_MMAP_MIN_ADDR &&
		    (!vma || addr + len <= vma_start_gap(vma))) {
			struct vm_area_struct *prev = vma ? vma_prev(mm, vma) :
				(list_empty(&mm->vma_list) ? NULL :
				 list_last_entry(&mm->vma_list,
						 struct vm_area_struct,
						 vm_list));

			if (!prev || prev->vm_end <= addr)
				return addr;
		}
	}
	ret = vt_find_gap(mm, len, KMM_MMAP_MIN_ADDR, mm->mmap_base, true);
	if (IS_ERR_VALUE(ret))	/* as the kernel: fall back bottom-up */
		ret = vt_find_gap(mm, len, TASK_UNMAPPED_BASE, mm->task_size,
				  false);
	return ret;
}

unsigned long get_unmapped_area(struct mm_struct *mm, struct kmm_file *file,
				unsigned long addr, unsigned long len,
				unsigned long pgoff, unsigned long flags)
{
	unsigned long ret;

	mm_lock_all();
	ret = __get_unmapped_area(mm, addr, len, flags);
	mm_unlock_all();
	return ret;
}

static unsigned long calc_vm_prot_bits(unsigned long prot)
{
	return (prot & PROT_READ ? VM_READ : 0) |
	       (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* The file for MAP_SHARED|MAP_ANONYMOUS memory (shmem in the kernel). */
static struct kmm_file *shmem_zero_setup(unsigned long len)
{
	struct kmm_file *f = kmm_file_create("/dev/zero (deleted)", len);

	if (f) {
		f->zero_fill = true;
		f->dev = 0x01;		/* shmem's 00:01 */
	}
	return f;
}

static unsigned long mmap_region(struct mm_struct *mm, struct kmm_file *file,
				 unsigned long addr, unsigned long len,
				 unsigned long vm_flags, unsigned long pgoff)
{
	struct vm_area_struct *vma;
	unsigned long npages = len >> PAGE_SHIFT;

	if (!may_expand_vm(mm, vm_flags, npages)) {
		unsigned long old = count_vma_pages_range(mm, addr, addr + len,
							  0);

		if (!may_expand_vm(mm, vm_flags, npages - old))
			return (unsigned long)-ENOMEM;
	}
	if (find_vma_intersection(mm, addr, addr + len) &&
	    IS_ERR_VALUE(__do_munmap(mm, addr, len)))
		return (unsigned long)-ENOMEM;
	if ((vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE)
		vm_flags |= VM_ACCOUNT;
	vma = vm_area_alloc(mm);
	if (!vma)
		return (unsigned long)-ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	if (file)
		vma->vm_file = kmm_file_get(file);
	vma_link(mm, vma);
	vma_try_merge(vma);
	return addr;
}

unsigned long __do_mmap(struct mm_struct *mm, struct kmm_file *file,
			       unsigned long addr, unsigned long len,
			       unsigned long prot, unsigned long flags,
			       unsigned long pgoff)
{
	struct kmm_file *shm = NULL;
	unsigned long vm_flags, ret;

	if (!len)
		return (unsigned long)-EINVAL;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return (unsigned long)-EINVAL;
	if (!(flags & MAP_FIXED)) {
		addr &= PAGE_MASK;
		if (addr && addr < KMM_MMAP_MIN_ADDR)
			addr = PAGE_ALIGN(KMM_MMAP_MIN_ADDR);
	}
	len = PAGE_ALIGN(len);
	if (!len)
		return (unsigned long)-ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return (unsigned long)-EOVERFLOW;
	if ((unsigned long)mm->map_count > mm->limits.max_map_count)
		return (unsigned long)-ENOMEM;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE |
		   VM_MAYEXEC;
	if (flags & MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;
	if (flags & MAP_LOCKED)
		vm_flags |= VM_LOCKED;
	if (flags & MAP_NORESERVE)
		vm_flags |= VM_NORESERVE;
	if (flags & MAP_KMM_PREMAP)
		vm_flags |= VM_PREMAPPED;
	switch (flags & MAP_TYPE) {
	case MAP_SHARED:
	case MAP_SHARED_VALIDATE:
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (!file)
			pgoff = 0;
		break;
	case MAP_PRIVATE:
		if (!file)
			pgoff = addr >> PAGE_SHIFT;	/* fixed up below */
		break;
	default:
		return (unsigned long)-EINVAL;
	}
	if (!mlock_future_ok(mm, vm_flags, len))
		return (unsigned long)-EAGAIN;
	addr = __get_unmapped_area(mm, addr, len, flags);
	if (IS_ERR_VALUE(addr))
		return addr;
	if ((flags & MAP_FIXED_NOREPLACE) &&
	    find_vma_intersection(mm, addr, addr + len))
		return (unsigned long)-EEXIST;
	if (!file && !(vm_flags & VM_SHARED))
		pgoff = addr >> PAGE_SHIFT;
	if (!file && (vm_flags & VM_SHARED)) {
		shm = shmem_zero_setup(len);
		if (!shm)
			return (unsigned long)-ENOMEM;
		file = shm;
	}
	ret = mmap_region(mm, file, addr, len, vm_flags, pgoff);
	if (shm)
		kmm_file_put(shm);
	if (!IS_ERR_VALUE(ret) && ((vm_flags & VM_LOCKED) ||
	    (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
		populate_range(mm, ret, ret + len);
	return ret;
}

unsigned long do_mmap(struct mm_struct *mm, struct kmm_file *file,
		      unsigned long addr, unsigned long len,
		      unsigned long prot, unsigned long flags,
		      unsigned long pgoff)
{
	unsigned long ret;

	mm_lock_all();
	ret = __do_mmap(mm, file, addr, len, prot, flags, pgoff);
	mm_debug_check(mm);
	mm_unlock_all();
	return ret;
}

/* ---- munmap ---- */

unsigned long __do_munmap(struct mm_struct *mm, unsigned long start,
			  unsigned long len)
{
	struct vm_area_struct *vma, *next;
	unsigned long end;

	if ((start & ~PAGE_MASK) || start > mm->task_size ||
	    len > mm->task_size - start)
		return (unsigned long)-EINVAL;
	end = start + PAGE_ALIGN(len);
	if (end == start)
		return (unsigned long)-EINVAL;
	vma = find_vma_intersection(mm, start, end);
	if (!vma)
		return 0;
	if (start > vma->vm_start) {
		if (end < vma->vm_end &&
		    (unsigned long)mm->map_count >= mm->limits.max_map_count)
			return (unsigned long)-ENOMEM;
		if (!__split_vma(vma, start, true))
			return (unsigned long)-ENOMEM;
	}
	next = find_vma_intersection(mm, end - 1, end);
	if (next && next->vm_end > end && !__split_vma(next, end, false))
		return (unsigned long)-ENOMEM;
	while (vma && vma->vm_start < end) {
		next = vma_next(mm, vma);
		zap_page_range(vma, vma->vm_start, vma->vm_end);
		vma_unlink(mm, vma);
		vm_area_free(vma);
		vma = next;
	}
	return 0;
}

int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long ret;

	mm_lock_all();
	ret = __do_munmap(mm, start, len);
	mm_debug_check(mm);
	mm_unlock_all();
	return (int)(long)ret;
}

/* ---- mprotect and mlock: change flags on a range ---- */

/*
 * Give [start, end) of @vma the flags @newflags: split off what lies
 * outside, set, fix the PTEs, merge.  Returns the VMA now holding @start.
 */
static struct vm_area_struct *vma_modify_flags(struct vm_area_struct *vma,
					       unsigned long start,
					       unsigned long end,
					       unsigned long newflags,
					       int *err)
{
	if (newflags == vma->vm_flags)
		return vma;
	if (start > vma->vm_start) {
		*err = split_vma(vma, start, true);
		if (*err)
			return NULL;
	}
	if (end < vma->vm_end) {
		*err = split_vma(vma, end, false);
		if (*err)
			return NULL;
	}
	vma_set_flags(vma, newflags);
	change_protection(vma, vma->vm_start, vma->vm_end);
	return vma_try_merge(vma);
}

/* New flags of a VMA for one operation, or -errno to stop there. */
typedef long (*newflags_fn)(const struct vm_area_struct *vma,
			    unsigned long arg);

/*
 * Apply @fn to every VMA over [start, end), as the kernel does: VMA by VMA
 * from @start, stopping with -ENOMEM at the first hole (what came before
 * it stays changed).
 */
static int modify_range(struct mm_struct *mm, unsigned long start,
			unsigned long end, newflags_fn fn, unsigned long arg)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	unsigned long tmp;
	int err = 0;

	for (tmp = start; tmp < end;) {
		unsigned long vend;
		long newflags;

		if (!vma || vma->vm_start > tmp)	/* a hole */
			return -ENOMEM;
		newflags = fn(vma, arg);
		if (newflags < 0)
			return (int)newflags;
		vend = vma->vm_end < end ? vma->vm_end : end;
		vma = vma_modify_flags(vma, tmp, vend, (unsigned long)newflags,
				       &err);
		if (!vma)
			return err;
		tmp = vend;
		vma = find_vma(mm, tmp);
	}
	return 0;
}

/* (mprotect makes a premapped VMA's protections known: no longer widened) */
static long mprotect_newflags(const struct vm_area_struct *vma,
			      unsigned long reqflags)
{
	unsigned long newflags = reqflags |
		(vma->vm_flags & ~(VM_ACCESS_FLAGS | VM_PREMAPPED));

	if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS)
		return -EACCES;		/* beyond VM_MAY* */
	if ((newflags & VM_WRITE) &&
	    !(vma->vm_flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED |
			       VM_NORESERVE)))
		newflags |= VM_ACCOUNT;
	return (long)newflags;
}

struct vm_area_struct *vma_premap_widen(struct vm_area_struct *vma,
					unsigned long access)
{
	long newflags = mprotect_newflags(vma, (vma->vm_flags &
						VM_ACCESS_FLAGS) | access);
	int err = 0;

	MM_BUG_ON(!(vma->vm_flags & VM_PREMAPPED), "vma %lx not premapped",
		  vma->vm_start);
	if (newflags < 0)
		return NULL;
	return vma_modify_flags(vma, vma->vm_start, vma->vm_end,
				(unsigned long)newflags | VM_PREMAPPED, &err);
}

static int __do_mprotect(struct mm_struct *mm, unsigned long start,
			 unsigned long len, unsigned long prot)
{
	struct vm_area_struct *vma;
	unsigned long end;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start > start)
		return -ENOMEM;
	return modify_range(mm, start, end, mprotect_newflags,
			    calc_vm_prot_bits(prot));
}

int do_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len,
		unsigned long prot)
{
	int ret;

	mm_lock_all();
	ret = __do_mprotect(mm, start, len, prot);
	mm_debug_check(mm);
	mm_unlock_all();
	return ret;
}

static long mlock_newflags(const struct vm_area_struct *vma,
			   unsigned long lock)
{
	return (long)((vma->vm_flags & ~VM_LOCKED_MASK) |
		      (lock ? VM_LOCKED : 0));
}

static int __do_mlock(struct mm_struct *mm, unsigned long start,
		      unsigned long len, bool lock)
{
	unsigned long end, locked;
	int err;

	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (!len)
		return 0;
	/* pages of the range locked already do not count twice */
	locked = count_vma_pages_range(mm, start, end, VM_LOCKED);
	if (lock && ((mm->locked_vm + (len >> PAGE_SHIFT) - locked) <<
		     PAGE_SHIFT) > mm->limits.memlock)
		return -ENOMEM;
	if (!vma_lookup(mm, start))
		return -ENOMEM;
	err = modify_range(mm, start, end, mlock_newflags, lock);
	if (!err && lock)
		err = populate_range(mm, start, end);
	return err;
}

int do_mlock(struct mm_struct *mm, unsigned long start, unsigned long len,
	     bool lock)
{
	int ret;

	mm_lock_all();
	ret = __do_mlock(mm, start, len, lock);
	mm_debug_check(mm);
	mm_unlock_all();
	return ret;
}

/* ---- brk ---- */

static unsigned long __do_brk(struct mm_struct *mm, unsigned long brk)
{
	unsigned long newbrk, oldbrk;
	struct vm_area_struct *next;

	if (brk > mm->task_size)
		return mm->brk;
	/*
	 * Trace replay (premap_unknown): a process whose heap began before
	 * the capture asks for a break far from ours while we have no heap:
	 * take its break as the start of ours.
	 */
	if (mm->premap_unknown && brk && mm->brk == mm->start_brk &&
	    (brk < mm->start_brk || brk - mm->start_brk > (1UL << 30)) &&
	    !find_vma_intersection(mm, brk & PAGE_MASK,
				   (brk & PAGE_MASK) + PAGE_SIZE)) {
		mm->start_brk = mm->brk = brk & PAGE_MASK;
		mm->start_data = mm->end_data = mm->start_brk;
	}
	if (brk < mm->start_brk)
		return mm->brk;
	if (mm->limits.data != ~0UL &&
	    (brk - mm->start_brk) + (mm->end_data - mm->start_data) >
	    mm->limits.data)
		return mm->brk;
	newbrk = PAGE_ALIGN(brk);
	oldbrk = PAGE_ALIGN(mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}
	if (brk <= mm->brk) {		/* shrink: always succeeds */
		mm->brk = brk;
		__do_munmap(mm, newbrk, oldbrk - newbrk);
		return brk;
	}
	if (newbrk > mm->task_size)
		return mm->brk;
	next = find_vma(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > vma_start_gap(next))
		return mm->brk;
	if ((unsigned long)mm->map_count > mm->limits.max_map_count ||
	    !may_expand_vm(mm, VM_DATA_DEFAULT_FLAGS,
			   (newbrk - oldbrk) >> PAGE_SHIFT))
		return mm->brk;
	if (IS_ERR_VALUE(mmap_region(mm, NULL, oldbrk, newbrk - oldbrk,
				     VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT,
				     oldbrk >> PAGE_SHIFT)))
		return mm->brk;
	mm->brk = brk;
	return brk;
}

unsigned long do_brk(struct mm_struct *mm, unsigned long brk)
{
	unsigned long ret;

	mm_lock_all();
	ret = __do_brk(mm, brk);
	mm_debug_check(mm);
	mm_unlock_all();
	return ret;
}

/* ---- mremap ---- */

static bool vma_expandable(struct mm_struct *mm, struct vm_area_struct *vma,
			   unsigned long delta)
{
	unsigned long end = vma->vm_end + delta;
	struct vm_area_struct *next = vma_next(mm, vma);

	if (end < vma->vm_end || end > mm->task_size)
		return false;
	return !next || vma_start_gap(next) >= end;
}

static unsigned long move_vma(struct mm_struct *mm,
			      struct vm_area_struct *vma,
			      unsigned long old_addr, unsigned long old_len,
			      unsigned long new_len, unsigned long new_addr,
			      unsigned long flags)
{
	unsigned long pgoff = vma->vm_pgoff +
			      ((old_addr - vma->vm_start) >> PAGE_SHIFT);
	struct vm_area_struct *new;

	if ((unsigned long)mm->map_count >= mm->limits.max_map_count - 3)
		return (unsigned long)-ENOMEM;
	new = vm_area_dup(vma);
	if (!new)
		return (unsigned long)-ENOMEM;
	new->vm_start = new_addr;
	new->vm_end = new_addr + new_len;
	new->vm_pgoff = pgoff;
	vma_link(mm, new);
	move_page_tables(mm, old_addr, new_addr,
			 old_len < new_len ? old_len : new_len);
	vma_try_merge(new);
	if (flags & MREMAP_DONTUNMAP) {
		/* the old range stays mapped, empty */
		return new_addr;
	}
	__do_munmap(mm, old_addr, old_len);
	return new_addr;
}

/* Checks of the kernel's vma_to_resize(); the VMA or an error. */
static struct vm_area_struct *vma_to_resize(struct mm_struct *mm,
					    unsigned long addr,
					    unsigned long old_len,
					    unsigned long new_len,
					    unsigned long *err)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);

	*err = (unsigned long)-EFAULT;
	if (!vma || old_len > vma->vm_end - addr)
		return NULL;
	if (new_len == old_len)
		return vma;
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))
		return NULL;
	if (new_len > old_len) {
		unsigned long delta = new_len - old_len;

		*err = (unsigned long)-EAGAIN;
		if (!mlock_future_ok(mm, vma->vm_flags, delta))
			return NULL;
		*err = (unsigned long)-ENOMEM;
		if (!may_expand_vm(mm, vma->vm_flags, delta >> PAGE_SHIFT))
			return NULL;
	}
	return vma;
}

static unsigned long __do_mremap(struct mm_struct *mm, unsigned long addr,
				 unsigned long old_len, unsigned long new_len,
				 unsigned long flags, unsigned long new_addr)
{
	struct vm_area_struct *vma;
	unsigned long err;

	if (flags & ~(unsigned long)(MREMAP_FIXED | MREMAP_MAYMOVE |
				     MREMAP_DONTUNMAP))
		return (unsigned long)-EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return (unsigned long)-EINVAL;
	if ((flags & MREMAP_DONTUNMAP) &&
	    (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return (unsigned long)-EINVAL;
	if (addr & ~PAGE_MASK)
		return (unsigned long)-EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len || !old_len)
		return (unsigned long)-EINVAL;

	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		if (!(flags & MREMAP_FIXED))
			new_addr = 0;
		if (flags & MREMAP_FIXED) {
			if ((new_addr & ~PAGE_MASK) ||
			    new_len > mm->task_size ||
			    new_addr > mm->task_size - new_len)
				return (unsigned long)-EINVAL;
			if (addr + old_len > new_addr &&
			    new_addr + new_len > addr)
				return (unsigned long)-EINVAL;
			__do_munmap(mm, new_addr, new_len);
		}
		if (old_len > new_len) {
			__do_munmap(mm, addr + new_len, old_len - new_len);
			old_len = new_len;
		}
		vma = vma_to_resize(mm, addr, old_len, new_len, &err);
		if (!vma)
			return err;
		if (!(flags & MREMAP_FIXED)) {
			new_addr = __get_unmapped_area(mm, 0, new_len, 0);
			if (IS_ERR_VALUE(new_addr))
				return new_addr;
		}
		return move_vma(mm, vma, addr, old_len, new_len, new_addr,
				flags);
	}
	if (old_len >= new_len) {
		if (old_len > new_len)
			__do_munmap(mm, addr + new_len, old_len - new_len);
		return addr;
	}
	vma = vma_to_resize(mm, addr, old_len, new_len, &err);
	if (!vma)
		return err;
	if (old_len == vma->vm_end - addr &&
	    vma_expandable(mm, vma, new_len - old_len)) {
		vma_set_range(vma, vma->vm_start, addr + new_len,
			      vma->vm_pgoff);
		vma = vma_try_merge(vma);
		if (vma->vm_flags & VM_LOCKED)
			populate_range(mm, addr + old_len, addr + new_len);
		return addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return (unsigned long)-ENOMEM;
	new_addr = __get_unmapped_area(mm, 0, new_len, 0);
	if (IS_ERR_VALUE(new_addr))
		return new_addr;
	return move_vma(mm, vma, addr, old_len, new_len, new_addr, flags);
}

unsigned long do_mremap(struct mm_struct *mm, unsigned long addr,
			unsigned long old_len, unsigned long new_len,
			unsigned long flags, unsigned long new_addr)
{
	unsigned long ret;

	mm_lock_all();
	ret = __do_mremap(mm, addr, old_len, new_len, flags, new_addr);
	mm_debug_check(mm);
	mm_unlock_all();
	return ret;
}

/* ---- stack growth and exec ---- */

int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma,
		 unsigned long address)
{
	struct vm_area_struct *prev = vma_prev(mm, vma);
	unsigned long grow;

	address &= PAGE_MASK;
	if (!(vma->vm_flags & VM_GROWSDOWN) || address >= vma->vm_start)
		return -EFAULT;
	if (address < KMM_MMAP_MIN_ADDR)
		return -EPERM;
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) &&
	    (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    address - prev->vm_end < STACK_GUARD_GAP)
		return -ENOMEM;
	grow = (vma->vm_start - address) >> PAGE_SHIFT;
	if (vma->vm_end - address > mm->limits.stack)
		return -ENOMEM;
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	if ((vma->vm_flags & VM_LOCKED) &&
	    !mlock_future_ok(mm, vma->vm_flags, grow << PAGE_SHIFT))
		return -ENOMEM;
	vma_set_range(vma, address, vma->vm_end, vma->vm_pgoff - grow);
	return 0;
}

struct mm_struct *mm_exec(unsigned long start_brk, unsigned long stack_pages)
{
	struct vm_area_struct *vma;
	struct mm_struct *mm;

	if (!stack_pages)
		stack_pages = 32;
	mm_lock_all();
	mm = __mm_alloc();
	if (!mm)
		goto out;
	mm->start_brk = mm->brk = start_brk ? PAGE_ALIGN(start_brk) :
				  0x555555560000UL;
	mm->start_data = mm->end_data = mm->start_brk;
	vma = vm_area_alloc(mm);
	if (!vma) {
		exit_mmap(mm);
		mm = NULL;
		goto out;
	}
	vma->vm_end = KMM_STACK_TOP;
	vma->vm_start = KMM_STACK_TOP - (stack_pages << PAGE_SHIFT);
	vma->vm_flags = VM_STACK_FLAGS;
	vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
	vma_link(mm, vma);
	mm->start_stack = KMM_STACK_TOP - PAGE_SIZE;
out:
	mm_unlock_all();
	return mm;
}

/* ---- /proc output ---- */

static const char *vma_name(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (vma->vm_file)
		return vma->vm_file->path;
	if (mm->brk > mm->start_brk && vma->vm_start <= mm->brk &&
	    vma->vm_end >= mm->start_brk)
		return "[heap]";
	if (vma->vm_start <= mm->start_stack &&
	    vma->vm_end >= mm->start_stack)
		return "[stack]";
	return NULL;
}

void mm_show_maps(struct mm_struct *mm, FILE *fp)
{
	struct vm_area_struct *vma;

	mm_lock_all();
	for_each_vma(mm, vma) {
		const char *name = vma_name(mm, vma);
		unsigned long f = vma->vm_flags, dev = 0, ino = 0;
		unsigned long long pgoff = 0;
		int n;

		if (vma->vm_file) {
			dev = vma->vm_file->dev;
			ino = vma->vm_file->ino;
			pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
		}
		n = fprintf(fp, "%08lx-%08lx %c%c%c%c %08llx %02lx:%02lx %lu ",
			    vma->vm_start, vma->vm_end,
			    f & VM_READ ? 'r' : '-', f & VM_WRITE ? 'w' : '-',
			    f & VM_EXEC ? 'x' : '-',
			    f & VM_MAYSHARE ? 's' : 'p', pgoff, dev >> 8,
			    dev & 0xff, ino);
		if (name)
			fprintf(fp, "%*s%s", n < 73 ? 73 - n : 0, "", name);
		fputc('\n', fp);
	}
	mm_unlock_all();
}

static void status_line(FILE *fp, const char *key, unsigned long pages)
{
	fprintf(fp, "%s\t%8lu kB\n", key, pages << (PAGE_SHIFT - 10));
}

void mm_show_status(struct mm_struct *mm, FILE *fp)
{
	unsigned long rss, text, lib;

	mm_lock_all();
	rss = get_mm_rss(mm);
	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
	text = (PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK)) >>
	       PAGE_SHIFT;
	lib = mm->exec_vm > text ? mm->exec_vm - text : 0;
	status_line(fp, "VmPeak:", mm->hiwater_vm);
	status_line(fp, "VmSize:", mm->total_vm);
	status_line(fp, "VmLck:", mm->locked_vm);
	status_line(fp, "VmPin:", 0);
	status_line(fp, "VmHWM:", mm->hiwater_rss);
	status_line(fp, "VmRSS:", rss);
	status_line(fp, "RssAnon:", (unsigned long)mm->rss_stat[MM_ANONPAGES]);
	status_line(fp, "RssFile:", (unsigned long)mm->rss_stat[MM_FILEPAGES]);
	status_line(fp, "RssShmem:",
		    (unsigned long)mm->rss_stat[MM_SHMEMPAGES]);
	status_line(fp, "VmData:", mm->data_vm);
	status_line(fp, "VmStk:", mm->stack_vm);
	status_line(fp, "VmExe:", text);
	status_line(fp, "VmLib:", lib);
	status_line(fp, "VmPTE:", mm->pgt.nr_tables);
	status_line(fp, "VmSwap:", (unsigned long)mm->rss_stat[MM_SWAPENTS]);
	mm_unlock_all();
}

/* ---- invariant checker ---- */

void mm_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmm: BUG at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static int __mm_check(struct mm_struct *mm);

void mm_debug_check(struct mm_struct *mm)
{
	if (KMM_DEBUG >= 3 && __mm_check(mm))
		mm_bug(__FILE__, __LINE__, "mm %d: invariants broken (above)",
		       mm->pid);
}

int mm_check(struct mm_struct *mm)
{
	int bad;

	mm_lock_all();
	bad = __mm_check(mm);
	mm_unlock_all();
	return bad;
}

static int __mm_check(struct mm_struct *mm)
{
	unsigned long total = 0, locked = 0, data = 0, exec = 0, stack = 0;
	struct vm_area_struct *vma, *prev = NULL;
	int bad;

	bad = vt_check(mm);
	for_each_vma(mm, vma) {
		unsigned long n = vma_pages(vma), f = vma->vm_flags;

		total += n;
		if (f & VM_LOCKED)
			locked += n;
		if (is_exec_mapping(f))
			exec += n;
		else if (is_stack_mapping(f))
			stack += n;
		else if (is_data_mapping(f))
			data += n;
		if (vma->vm_end > mm->task_size) {
			fprintf(stderr, "vma %#lx-%#lx above TASK_SIZE\n",
				vma->vm_start, vma->vm_end);
			bad = -1;
		}
		if (vma->vm_mm != mm) {
			fprintf(stderr, "vma %#lx-%#lx: wrong vm_mm\n",
				vma->vm_start, vma->vm_end);
			bad = -1;
		}
		if (prev && vmas_mergeable(prev, vma) &&
		    !mm->unmerged_after_fork) {
			fprintf(stderr, "vmas %#lx-%#lx and %#lx-%#lx: "
				"unmerged (flags %#lx, pgoff %#lx and %#lx)\n",
				prev->vm_start, prev->vm_end, vma->vm_start,
				vma->vm_end, vma->vm_flags, prev->vm_pgoff,
				vma->vm_pgoff);
			bad = -1;
		}
		if (vma->anon_vma && list_empty(&vma->anon_vma_node)) {
			fprintf(stderr, "vma %#lx-%#lx: not on its anon_vma\n",
				vma->vm_start, vma->vm_end);
			bad = -1;
		}
		prev = vma;
	}
	if (total != mm->total_vm || locked != mm->locked_vm ||
	    data != mm->data_vm || exec != mm->exec_vm ||
	    stack != mm->stack_vm) {
		fprintf(stderr, "mm %d: counters total %lu/%lu locked %lu/%lu "
			"data %lu/%lu exec %lu/%lu stack %lu/%lu\n", mm->pid,
			mm->total_vm, total, mm->locked_vm, locked,
			mm->data_vm, data, mm->exec_vm, exec, mm->stack_vm,
			stack);
		bad = -1;
	}
	if (mm_check_pages(mm))
		bad = -1;
	return bad;
}
