// SPDX-License-Identifier: GPL-2.0
/*
 * vmalloc.c - virtually contiguous kernel memory (see kmm/vmalloc.h).
 *
 * Lock order: vmap_area_lock -> TLB mailbox locks (purge shootdown);
 * vmap_area_lock is dropped before page-table (init_pgtable.lock) and
 * buddy calls, which take their own locks.
 *
 * States of an allocation:
 *   RESERVED  area busy, va->vm == NULL (pages being allocated and mapped)
 *   LIVE      area busy, va->vm set; PTEs and host mapping present
 *   FREEING   area busy, va->vm == NULL again (vfree is unmapping it)
 *   LAZY      area on the purge list: PTEs and host mapping gone, pages
 *             back in the buddy allocator, stale TLB entries possible
 *   FREE      purged: the TLB flush of its span happened, VA reusable
 *
 * Invariants (vmalloc_check): the vmap_space invariants; every LIVE area's
 * pages translate through init_pgtable to vm->pages[i] with 4 KiB (or
 * 2 MiB for huge) mappings; the guard page is unmapped.
 *
 * Host view: vmalloc_host_base is a PROT_NONE reservation the size of the
 * usable vmalloc space; a LIVE area's pages are mapped there from the
 * physical-memory memfd (kmm_phys_fd), so the bytes are the frames' bytes
 * and the guard page faults on overrun.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kmm/cpu.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/slab.h"
#include "kmm/vmalloc.h"

#define VMALLOC_HOST_MAX	(16ULL << 30)
#define HPAGE_SIZE		(2UL << 20)
#define VMALLOC_BULK		100u	/* pages per alloc_pages_bulk() call */

bool vmalloc_host_alias = true;
char *vmalloc_host_base;
unsigned long vmalloc_host_size;

static pthread_mutex_t vmap_area_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vmap_space vmap_space;
static char *host_reserve;
static size_t host_reserve_len;
static bool vmalloc_ready;
static unsigned long nr_huge_live;	/* atomic */
static uint64_t vstats[NR_VMALLOC_STAT_ITEMS];

#define vstat_add(item, n) do {						\
		if (KMM_STATS)						\
			__atomic_fetch_add(&vstats[item], (n),		\
					   __ATOMIC_RELAXED);		\
	} while (0)
#define vstat(item)	vstat_add(item, 1)

static inline uint64_t host_to_kva(const void *p)
{
	return vmap_space.start + (uint64_t)((const char *)p -
					     vmalloc_host_base);
}

static inline char *kva_to_host(uint64_t kva)
{
	return vmalloc_host_base + (kva - vmap_space.start);
}

static __cold __noreturn void vmalloc_bug(const char *what, const void *addr)
{
	fprintf(stderr, "kmm: %s: %p (simulated %#llx)\n", what, addr,
		(unsigned long long)(kmm_is_vmalloc_host(addr) ?
				     host_to_kva(addr) : 0));
	abort();
}

static void purge_flush(uint64_t start, uint64_t end, void *arg)
{
	(void)arg;
	vstat(VMALLOC_PURGE);
	tlb_shootdown_range(start, end, TLB_ASID_KERNEL);
}

int vmalloc_init(void)
{
	uint64_t span;
	char *p;
	int ret;

	if (vmalloc_ready)
		return -EBUSY;
	if (!kmm_kernel_pgtable_ready() || kmm_phys_fd < 0)
		return -ENODEV;
	span = kmm_kspace.vmalloc_end - kmm_kspace.vmalloc_start + 1;
	vmalloc_host_size = (unsigned long)ALIGN_DOWN(
		span < VMALLOC_HOST_MAX ? span : VMALLOC_HOST_MAX, HPAGE_SIZE);
	host_reserve_len = vmalloc_host_size + HPAGE_SIZE;
	p = mmap(NULL, host_reserve_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	host_reserve = p;
	/* 2 MiB aligned, so huge areas are aligned on the host too */
	vmalloc_host_base = (char *)ALIGN((uintptr_t)p, HPAGE_SIZE);
	ret = vmap_space_init(&vmap_space, kmm_kspace.vmalloc_start,
			      kmm_kspace.vmalloc_start + vmalloc_host_size);
	if (ret) {
		munmap(host_reserve, host_reserve_len);
		vmalloc_host_base = NULL;
		vmalloc_host_size = 0;
		return ret;
	}
	/* lazy_max_pages(): fls(num_online_cpus()) * (32 MiB / PAGE_SIZE) */
	vmap_space.lazy_max_pages = (unsigned long)fls((unsigned int)
		kmm_nr_cpus()) * ((32UL << 20) >> PAGE_SHIFT);
	vmap_space.purge_flush = purge_flush;
	memset(vstats, 0, sizeof(vstats));
	nr_huge_live = 0;
	vmalloc_ready = true;
	return 0;
}

void vmalloc_exit(void)
{
	struct vmap_area *va, *n;

	if (!vmalloc_ready)
		return;
	/* areas still live are leaks: release their records only */
	list_for_each_entry_safe(va, n, &vmap_space.busy_list, list) {
		if (va->vm) {
			free(va->vm->pages);
			free(va->vm);
		}
	}
	vmap_space_destroy(&vmap_space);
	munmap(host_reserve, host_reserve_len);
	host_reserve = NULL;
	vmalloc_host_base = NULL;
	vmalloc_host_size = 0;
	vmalloc_ready = false;
}

/* Map @nr frames at host address @host, one mmap per run of frames. */
static int host_map(char *host, struct page **pages, unsigned long nr)
{
	unsigned long i = 0;

	while (i < nr) {
		unsigned long pfn = page_to_pfn(pages[i]), run = 1;

		while (i + run < nr && page_to_pfn(pages[i + run]) == pfn + run)
			run++;
		if (mmap(host + i * PAGE_SIZE, run * PAGE_SIZE,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 kmm_phys_fd, (off_t)pfn << PAGE_SHIFT) == MAP_FAILED)
			return -ENOMEM;
		vstat(VMALLOC_HOST_MMAPS);
		i += run;
	}
	return 0;
}

static void host_unmap(char *host, unsigned long len)
{
	if (mmap(host, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
		 0) == MAP_FAILED)
		vmalloc_bug("vmalloc: cannot unmap host range", host);
}

/* Unmap the pages of @vm (not the area): page tables and host range */
static void unmap_vm(struct vm_struct *vm, unsigned long mapped)
{
	pgtable_unmap_range(&init_pgtable, vm->kva, vm->kva + mapped);
	if (!(vm->flags & VM_KMM_NO_HOST))
		host_unmap(vm->addr, mapped);
}

static int map_vm(struct vm_struct *vm, struct page **pages,
		  unsigned long nr, pgtval_t prot)
{
	unsigned long *pfns;
	int ret = 0;

	if (vm->page_order) {
		for (unsigned long i = 0; i < nr && !ret; i += 512)
			ret = pgtable_map(&init_pgtable,
					  vm->kva + i * PAGE_SIZE,
					  page_to_pfn(pages[i]), TLB_PG_2M,
					  prot);
		if (ret)
			pgtable_unmap_range(&init_pgtable, vm->kva,
					    vm->kva + nr * PAGE_SIZE);
	} else {
		pfns = malloc(nr * sizeof(*pfns));
		if (!pfns)
			return -ENOMEM;
		for (unsigned long i = 0; i < nr; i++)
			pfns[i] = page_to_pfn(pages[i]);
		ret = pgtable_map_pages(&init_pgtable, vm->kva, pfns, nr,
					prot);
		free(pfns);
	}
	if (ret)
		return ret;
	vstat_add(VMALLOC_PAGES_MAPPED, vm->page_order ? 0 : nr);
	if (vm->flags & VM_KMM_NO_HOST)
		return 0;
	ret = host_map(vm->addr, pages, nr);
	if (ret)
		unmap_vm(vm, nr * PAGE_SIZE);
	return ret;
}

/* Reserve an area of @size (+ guard) and make its vm_struct */
static struct vm_struct *get_vm_area(unsigned long size, unsigned long align,
				     unsigned long flags, const void *caller)
{
	unsigned long area = size + (flags & VM_NO_GUARD ? 0 : PAGE_SIZE);
	struct vm_struct *vm;
	struct vmap_area *va;

	if (!vmalloc_ready || !size || size > vmalloc_host_size)
		return NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return NULL;
	pthread_mutex_lock(&vmap_area_lock);
	va = vmap_alloc_area(&vmap_space, area, align, vmap_space.start,
			     vmap_space.end);
	pthread_mutex_unlock(&vmap_area_lock);
	if (!va) {
		free(vm);
		return NULL;
	}
	vm->kva = va->va_start;
	vm->addr = kva_to_host(va->va_start);
	vm->size = area;
	vm->flags = flags | (vmalloc_host_alias ? 0 : VM_KMM_NO_HOST);
	vm->caller = caller;
	vm->va = va;
	return vm;
}

/* RESERVED -> LIVE */
static void *publish(struct vm_struct *vm)
{
	pthread_mutex_lock(&vmap_area_lock);
	vm->va->vm = vm;
	pthread_mutex_unlock(&vmap_area_lock);
	vstat(VMALLOC_ALLOC);
	if (vm->page_order)
		__atomic_fetch_add(&nr_huge_live, 1, __ATOMIC_RELAXED);
	if (KMM_DEBUG >= 3 && vmalloc_check(stderr))
		vmalloc_bug("vmalloc: invariant broken after allocating",
			    vm->addr);
	return vm->addr;
}

/* Give a reserved area back (nothing mapped) */
static void release_area(struct vm_struct *vm)
{
	pthread_mutex_lock(&vmap_area_lock);
	vmap_free_area(&vmap_space, vm->va);
	pthread_mutex_unlock(&vmap_area_lock);
	free(vm->pages);
	free(vm);
}

static void free_vm_pages(struct vm_struct *vm, unsigned int nr)
{
	unsigned int step = 1u << vm->page_order;

	for (unsigned int i = 0; i < nr; i += step)
		__free_pages(vm->pages[i], vm->page_order);
}

static gfp_t vmalloc_page_gfp(gfp_t gfp)
{
	gfp &= ~(__GFP_COMP | __GFP_HIGHMEM);
	/* vmalloc pages need no direct mapping: high memory is fine */
	if (!(gfp & (__GFP_DMA | __GFP_DMA32)))
		gfp |= __GFP_HIGHMEM;
	return gfp;
}

static int cmp_page_pfn(const void *a, const void *b)
{
	const struct page *x = *(struct page *const *)a;
	const struct page *y = *(struct page *const *)b;

	return x < y ? -1 : x > y;
}

static void *__vmalloc_area(unsigned long size, unsigned long align,
			    gfp_t gfp, bool huge, const void *caller)
{
	struct vm_struct *vm;
	unsigned int nr, got = 0, order = 0;

	if (!size || size > vmalloc_host_size)
		goto fail;
	size = PAGE_ALIGN(size);
	if (huge && size >= HPAGE_SIZE) {
		order = 9;
		size = ALIGN(size, HPAGE_SIZE);
		if (align < HPAGE_SIZE)
			align = HPAGE_SIZE;
	}
	vm = get_vm_area(size, align, VM_ALLOC | (order ? VM_HUGE_PAGES : 0),
			 caller);
	if (!vm)
		goto fail;
	nr = (unsigned int)(size >> PAGE_SHIFT);
	vm->page_order = order;
	vm->pages = malloc(nr * sizeof(*vm->pages));
	if (!vm->pages)
		goto release;
	gfp = vmalloc_page_gfp(gfp);
	/* small pages in bulk, at most VMALLOC_BULK per call, as the kernel
	 * does; what the bulk allocator could not give, one at a time */
	while (!order && got < nr) {
		unsigned int want = min_t(unsigned int, nr - got, VMALLOC_BULK);
		unsigned long n;

		memset(vm->pages + got, 0, want * sizeof(*vm->pages));
		n = alloc_pages_bulk(gfp | __GFP_NOWARN, want, vm->pages + got);
		got += (unsigned int)n;
		if (n < want)
			break;
	}
	while (got < nr) {
		struct page *page = alloc_pages(gfp | __GFP_NOWARN, order);

		if (!page)
			break;
		for (unsigned int i = 0; i < 1u << order; i++)
			vm->pages[got + i] = page + i;
		got += 1u << order;
	}
	if (got < nr)
		goto free_pages;
	/*
	 * Any page may go anywhere in the area: in frame order, runs of
	 * neighbouring frames take one host mmap instead of one per page.
	 */
	if (!order && !(vm->flags & VM_KMM_NO_HOST))
		qsort(vm->pages, nr, sizeof(*vm->pages), cmp_page_pfn);
	vm->nr_pages = nr;
	if (map_vm(vm, vm->pages, nr, PAGE_KERNEL))
		goto free_pages;
	return publish(vm);

free_pages:
	free_vm_pages(vm, got);
release:
	release_area(vm);
	/* a huge allocation falls back to small pages, as the kernel does */
	if (order)
		return __vmalloc_area(size, PAGE_SIZE, gfp, false, caller);
fail:
	vstat(VMALLOC_FAIL);
	return NULL;
}

void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp,
		     int node, const void *caller)
{
	(void)node;	/* one node */
	if (align < PAGE_SIZE || !is_power_of_2(align)) {
		vstat(VMALLOC_FAIL);
		return NULL;
	}
	return __vmalloc_area(size, align, gfp, false, caller);
}

void *__vmalloc(unsigned long size, gfp_t gfp)
{
	return __vmalloc_area(size, PAGE_SIZE, gfp, false,
			      __builtin_return_address(0));
}

void *vmalloc(unsigned long size)
{
	return __vmalloc_area(size, PAGE_SIZE, GFP_KERNEL, false,
			      __builtin_return_address(0));
}

void *vzalloc(unsigned long size)
{
	return __vmalloc_area(size, PAGE_SIZE, GFP_KERNEL | __GFP_ZERO, false,
			      __builtin_return_address(0));
}

void *vmalloc_node(unsigned long size, int node)
{
	(void)node;	/* one node */
	return __vmalloc_area(size, PAGE_SIZE, GFP_KERNEL, false,
			      __builtin_return_address(0));
}

void *vzalloc_node(unsigned long size, int node)
{
	(void)node;
	return __vmalloc_area(size, PAGE_SIZE, GFP_KERNEL | __GFP_ZERO, false,
			      __builtin_return_address(0));
}

void *vmalloc_huge(unsigned long size, gfp_t gfp)
{
	return __vmalloc_area(size, PAGE_SIZE, gfp, true,
			      __builtin_return_address(0));
}

void *vmap(struct page **pages, unsigned int count, unsigned long flags,
	   pgtval_t prot)
{
	struct vm_struct *vm;

	if (!count)
		return NULL;
	vm = get_vm_area((unsigned long)count << PAGE_SHIFT, PAGE_SIZE,
			 (flags & ~VM_ALLOC) | VM_MAP,
			 __builtin_return_address(0));
	if (!vm)
		goto fail;
	vm->pages = malloc(count * sizeof(*vm->pages));
	if (!vm->pages)
		goto release;
	memcpy(vm->pages, pages, count * sizeof(*pages));
	vm->nr_pages = count;
	if (map_vm(vm, pages, count, prot ? prot : PAGE_KERNEL))
		goto release;
	return publish(vm);
release:
	release_area(vm);
fail:
	vstat(VMALLOC_FAIL);
	return NULL;
}

/* LIVE -> FREEING: take the vm_struct off its area, or report misuse */
static struct vm_struct *take_vm(const void *addr, const char *who)
{
	struct vmap_area *va;
	struct vm_struct *vm = NULL;

	if (!kmm_is_vmalloc_host(addr))
		vmalloc_bug(who, addr);
	pthread_mutex_lock(&vmap_area_lock);
	va = vmap_find_area(&vmap_space, host_to_kva(addr));
	if (va && va->vm && va->vm->addr == addr) {
		vm = va->vm;
		va->vm = NULL;
	}
	pthread_mutex_unlock(&vmap_area_lock);
	if (!vm)
		vmalloc_bug(who, addr);
	return vm;
}

/* FREEING -> LAZY: unmap, then free the VA lazily */
static void remove_vm(struct vm_struct *vm)
{
	unmap_vm(vm, (unsigned long)vm->nr_pages << PAGE_SHIFT);
	if (vm->page_order)
		__atomic_fetch_sub(&nr_huge_live, 1, __ATOMIC_RELAXED);
	vstat(VMALLOC_FREE);
	pthread_mutex_lock(&vmap_area_lock);
	vmap_free_area_lazy(&vmap_space, vm->va);
	pthread_mutex_unlock(&vmap_area_lock);
	free(vm->pages);
	free(vm);
}

void vfree(const void *addr)
{
	struct vm_struct *vm;

	if (!addr)
		return;
	vm = take_vm(addr, "vfree: trying to vfree() nonexistent vm area");
	if (vm->flags & VM_ALLOC)
		free_vm_pages(vm, vm->nr_pages);
	remove_vm(vm);
}

void vunmap(const void *addr)
{
	if (!addr)
		return;
	remove_vm(take_vm(addr, "vunmap: trying to vunmap() nonexistent vm "
			  "area"));
}

bool is_vmalloc_addr(const void *addr)
{
	return kmm_is_vmalloc_host(addr);
}

struct vm_struct *find_vm_area(const void *addr)
{
	struct vmap_area *va;
	struct vm_struct *vm;

	if (!kmm_is_vmalloc_host(addr))
		return NULL;
	pthread_mutex_lock(&vmap_area_lock);
	va = vmap_find_area(&vmap_space, host_to_kva(addr));
	vm = va ? va->vm : NULL;
	pthread_mutex_unlock(&vmap_area_lock);
	return vm;
}

unsigned long vmalloc_to_pfn(const void *addr)
{
	struct pgtable_walk w;

	if (!kmm_is_vmalloc_host(addr) ||
	    pgtable_translate(&init_pgtable, host_to_kva(addr), &w))
		return 0;
	return w.pfn;
}

struct page *vmalloc_to_page(const void *addr)
{
	struct pgtable_walk w;

	if (!kmm_is_vmalloc_host(addr) ||
	    pgtable_translate(&init_pgtable, host_to_kva(addr), &w))
		return NULL;
	return pfn_to_page(w.pfn);
}

uint64_t vmalloc_kva_of(const void *addr, enum tlb_pgsize *size)
{
	enum tlb_pgsize s = TLB_PG_4K;

	if (!kmm_is_vmalloc_host(addr))
		return 0;
	if (__atomic_load_n(&nr_huge_live, __ATOMIC_RELAXED)) {
		struct vm_struct *vm = find_vm_area(addr);

		if (vm && vm->page_order)
			s = TLB_PG_2M;
	}
	if (size)
		*size = s;
	return host_to_kva(addr);
}

/*
 * kvmalloc: kmalloc first (for more than a page without retrying or
 * warning), vmalloc when that fails.
 */
void *kvmalloc(size_t size, gfp_t gfp)
{
	gfp_t kmalloc_flags = gfp;
	void *ret;

	if (size > PAGE_SIZE)
		kmalloc_flags |= __GFP_NOWARN | __GFP_NORETRY;
	ret = kmalloc(size, kmalloc_flags);
	if (ret || size <= PAGE_SIZE)
		return ret;
	return __vmalloc_area(size, PAGE_SIZE, gfp, false,
			      __builtin_return_address(0));
}

void *kvzalloc(size_t size, gfp_t gfp)
{
	return kvmalloc(size, gfp | __GFP_ZERO);
}

void kvfree(const void *addr)
{
	if (is_vmalloc_addr(addr))
		vfree(addr);
	else
		kfree(addr);
}

void vm_unmap_aliases(void)
{
	pthread_mutex_lock(&vmap_area_lock);
	vmap_purge_lazy(&vmap_space);
	pthread_mutex_unlock(&vmap_area_lock);
}

void vmallocinfo_show(FILE *fp)
{
	struct vmap_area *va;

	pthread_mutex_lock(&vmap_area_lock);
	list_for_each_entry(va, &vmap_space.busy_list, list) {
		struct vm_struct *v = va->vm;

		if (!v)
			continue;	/* being set up or torn down */
		fprintf(fp, "0x%016llx-0x%016llx %7ld",
			(unsigned long long)v->kva,
			(unsigned long long)(v->kva + v->size),
			(long)v->size);
		if (v->caller)
			fprintf(fp, " %p", v->caller);
		/* the kernel keeps no page array for a plain vmap() */
		if (v->nr_pages && (v->flags & VM_ALLOC))
			fprintf(fp, " pages=%u", v->nr_pages);
		if (v->flags & VM_IOREMAP)
			fprintf(fp, " ioremap");
		if (v->flags & VM_ALLOC)
			fprintf(fp, " vmalloc");
		if (v->flags & VM_MAP)
			fprintf(fp, " vmap");
		if (v->flags & VM_USERMAP)
			fprintf(fp, " user");
		/* the kernel vmallocs a pages[] array above one page */
		if ((v->flags & VM_ALLOC) &&
		    v->nr_pages * sizeof(struct page *) > PAGE_SIZE)
			fprintf(fp, " vpages");
		if ((v->flags & VM_ALLOC) && v->nr_pages)
			fprintf(fp, " N0=%u", v->nr_pages);
		fputc('\n', fp);
	}
	list_for_each_entry(va, &vmap_space.purge_list, purge)
		fprintf(fp, "0x%016llx-0x%016llx %7ld unpurged vm_area\n",
			(unsigned long long)va->va_start,
			(unsigned long long)va->va_end,
			(long)(va->va_end - va->va_start));
	pthread_mutex_unlock(&vmap_area_lock);
}

void vmalloc_stats(uint64_t out[NR_VMALLOC_STAT_ITEMS])
{
	for (int i = 0; i < NR_VMALLOC_STAT_ITEMS; i++)
		out[i] = __atomic_load_n(&vstats[i], __ATOMIC_RELAXED);
}

struct vmap_space *vmalloc_space(void)
{
	return &vmap_space;
}

static int check_vm(const struct vm_struct *vm, FILE *fp)
{
	struct pgtable_walk w;
	uint64_t guard = vm->kva + ((uint64_t)vm->nr_pages << PAGE_SHIFT);

	for (unsigned int i = 0; i < vm->nr_pages; i++) {
		uint64_t kva = vm->kva + ((uint64_t)i << PAGE_SHIFT);

		if (pgtable_translate(&init_pgtable, kva, &w) ||
		    w.pfn != page_to_pfn(vm->pages[i]) ||
		    w.size != (vm->page_order ? TLB_PG_2M : TLB_PG_4K)) {
			fprintf(fp, "vmalloc: page %u of %#llx does not "
				"translate to its frame\n", i,
				(unsigned long long)vm->kva);
			return -1;
		}
	}
	if (!(vm->flags & VM_NO_GUARD) &&
	    !pgtable_translate(&init_pgtable, guard, &w)) {
		fprintf(fp, "vmalloc: guard page of %#llx is mapped\n",
			(unsigned long long)vm->kva);
		return -1;
	}
	return 0;
}

int vmalloc_check(FILE *fp)
{
	struct vmap_area *va;
	int ret;

	if (!vmalloc_ready)
		return 0;
	pthread_mutex_lock(&vmap_area_lock);
	ret = vmap_space_check(&vmap_space, fp);
	list_for_each_entry(va, &vmap_space.busy_list, list) {
		if (ret)
			break;
		if (va->vm)
			ret = check_vm(va->vm, fp);
	}
	pthread_mutex_unlock(&vmap_area_lock);
	if (!ret)
		ret = pgtable_check(&init_pgtable, fp);
	return ret;
}
