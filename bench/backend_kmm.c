// SPDX-License-Identifier: GPL-2.0
/*
 * bench/backend_kmm.c - the kmm backend: replay events through our own
 * memory-management stack, in this process.
 *
 * One simulated machine per replay: as many CPUs as the trace has (each
 * replay thread claims its CPU with kmm_set_cpu()), memory sized from the
 * trace's peak live bytes (twice the peak plus 256 MiB, at least 1 GiB).
 * The frames it will hand out first (twice the peak plus 64 MiB) are
 * present before the clock starts (kmm_config.prefault_bytes), as a
 * kernel's direct map is: otherwise the first touch of every frame is a
 * host page fault of microseconds inside the measured allocation.  At
 * most half of the host's memory is populated.
 * Misuse (a double free, a wrong order) is counted, not fatal: the replay
 * reports it.
 *
 *	kmalloc/kfree		kmalloc(bytes_req, gfp) / kfree()
 *	kmem_cache_alloc/free	kmem_cache_alloc() / kmem_cache_free() on a
 *				cache made for each name= of the trace, its
 *				alignment and flags chosen so that its size is
 *				the traced bytes_alloc (where any choice does)
 *	percpu_alloc/free	__alloc_percpu_gfp(size, align, gfp) (or
 *				__alloc_reserved_percpu for reserved=1) /
 *				free_percpu() on kmm's per-CPU area
 *				allocator (percpu.h), one unit per CPU;
 *				align from the trace (4 when not printed),
 *				__GFP_NOWARN added
 *	page_alloc/page_free	alloc_pages(gfp, order) / __free_pages()
 *	vmalloc/vfree		vmalloc(size) / vfree(); alloc_vmap_area's
 *				size less its guard page
 *	mmap, munmap, brk, mprotect, mremap
 *				do_mmap (MAP_FIXED at the traced result;
 *				with an fd, of a file per traced pid and fd:
 *				mm_task_file), do_munmap, do_brk, do_mprotect,
 *				do_mremap (to the traced result), on one mm
 *				per traced pid (mm_task_get; faults on
 *				mappings made before the capture map them)
 *	fault			handle_mm_fault (write when the error code
 *				says so)
 *	fork, exec, exit	mm_task_fork, mm_task_exec, mm_task_exit
 *
 * --touch goes through kmm's per-CPU TLB model at the simulated kernel
 * addresses (direct map with its page sizes, vmalloc space with 4 KiB).
 *
 * The invariant checkers (slab, buddy, vmalloc, percpu) run at the end of every
 * replay, and with --verify also every 65536 events of a one-thread
 * replay; the problems they find are part of the results.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "kmm/kmm.h"
#include "kmm/mm.h"
#include "kmm/mmzone.h"
#include "kmm/page.h"
#include "kmm/percpu.h"
#include "kmm/pgtable.h"
#include "kmm/slab.h"
#include "kmm/tlb.h"
#include "kmm/vmalloc.h"
#include "kmt/trace.h"
#include "replay_loop.h"

static long kmm_pages_at_start;
static long kmm_pcpu_pages_at_start;
static struct kmem_cache **kmm_caches;	/* by replay cache index */
static unsigned int kmm_nr_caches;


/*
 * Flags and alignment that give a cache of @object_size the traced slab
 * size @size: plain, cache-line aligned, free pointer outside the object,
 * or a larger power-of-two alignment.  Falls back to plain.
 */
static void cache_layout(unsigned int object_size, unsigned int size,
			 unsigned int *align, slab_flags_t *flags)
{
	static const slab_flags_t fl[] = {
		0, SLAB_HWCACHE_ALIGN, SLAB_TYPESAFE_BY_RCU,
		SLAB_HWCACHE_ALIGN | SLAB_TYPESAFE_BY_RCU,
	};
	struct slab_geometry g;

	for (unsigned int a = 8; a <= 4096; a <<= 1)
		for (size_t f = 0; f < ARRAY_SIZE(fl); f++)
			if (!slab_calculate_geometry(&g, object_size, a, fl[f],
						     false,
						     (unsigned int)kmm_nr_cpus())
			    && g.size == size) {
				*align = a;
				*flags = fl[f];
				return;
			}
	*align = 8;
	*flags = 0;
}

static int create_caches(const struct replay_image *im, char *err,
			 size_t errlen)
{
	const struct replay_cache *rc = replay_caches(im);

	kmm_nr_caches = im->nr_caches;
	kmm_caches = replay_map((im->nr_caches + 1) * sizeof(*kmm_caches));
	if (!kmm_caches) {
		snprintf(err, errlen, "out of memory");
		return 70;
	}
	for (unsigned int i = 1; i <= im->nr_caches; i++) {
		unsigned int align, osize = rc[i].object_size;
		slab_flags_t flags;
		struct kmem_cache *s;

		if (!osize)
			osize = rc[i].size ? rc[i].size : 8;
		cache_layout(osize, rc[i].size, &align, &flags);
		s = kmem_cache_create(rc[i].name, osize, align, flags, NULL);
		if (!s) {
			snprintf(err, errlen, "cannot create cache %s (%u "
				 "bytes)", rc[i].name, osize);
			return 70;
		}
		kmm_caches[i] = s;
	}
	return 0;
}

/* Physical memory of the host, for a limit on what is populated */
static uint64_t host_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size
				     : 1ULL << 30;
}

/*
 * Units of the traced kernel's percpu chunks (its possible CPUs): the
 * smallest bytes_alloc / size of its percpu allocations (memcg accounting
 * only adds to some), at least @nr_cpus.
 */
static int pcpu_traced_units(const struct replay_image *im, int nr_cpus)
{
	const struct replay_ev *ev = replay_events(im);
	uint64_t best = 0;

	for (uint64_t i = 0; i < im->nr_ev; i++) {
		const struct replay_ev *e = &ev[i];
		uint32_t size = ALIGN(e->size, (uint32_t)PCPU_MIN_ALLOC_SIZE);

		if (e->op != ROP_PERCPU_ALLOC || !size || !e->size_alloc ||
		    e->size_alloc % size)
			continue;
		if (!best || e->size_alloc / size < best)
			best = e->size_alloc / size;
	}
	if (best > KMM_MAX_CPUS)
		best = KMM_MAX_CPUS;
	return best > (uint64_t)nr_cpus ? (int)best : nr_cpus;
}

static int kmm_init(const struct replay_image *im, const struct replay_opts *o,
		    char *err, size_t errlen)
{
	struct kmm_config cfg;
	struct pcpu_config pcfg;
	uint64_t mem = 1ULL << 30, want = 2 * im->peak_live_bytes + (256 << 20);
	uint64_t prefault = 2 * im->peak_live_bytes + (64 << 20);
	const struct replay_ev *ev = replay_events(im);
	int ret;

	for (uint64_t i = 0; i < im->nr_ev; i++)
		if (ev[i].op >= ROP_NR) {
			snprintf(err, errlen, "event %llu: unknown op %u",
				 (unsigned long long)i, ev[i].op);
			return 70;
		}
	while (mem < want && mem < (64ULL << 30))
		mem <<= 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mem_bytes = mem;
	cfg.nr_cpus = (int)(im->nr_cpus ? im->nr_cpus : 1);
	cfg.layout = KMM_LAYOUT_64BIT;
	if (prefault > host_memory() / 2) {
		prefault = host_memory() / 2;
		fprintf(stderr, "kmbench: replay: %llu MiB of kmm's memory "
			"populated (half of this host's): frames past them fault "
			"in on first use, inside the measured calls\n",
			(unsigned long long)(prefault >> 20));
	}
	cfg.prefault_bytes = prefault;
	ret = kmm_mem_init(&cfg);
	if (ret) {
		snprintf(err, errlen, "cannot set up a %llu MiB machine with "
			 "%d CPUs: %s", (unsigned long long)(mem >> 20),
			 cfg.nr_cpus, strerror(-ret));
		return 70;
	}
	kmm_misuse_abort = false;
	memset(&pcfg, 0, sizeof(pcfg));
	pcfg.nr_units = pcpu_traced_units(im, cfg.nr_cpus);
	slab_sheaves_all = !o->kmm_cpu_slabs;
	if (kmm_kernel_pgtable_init() || kmem_cache_init() || vmalloc_init() ||
	    tlb_model_init(NULL) || mm_subsys_init() || pcpu_init(&pcfg)) {
		snprintf(err, errlen, "cannot set up the kernel address space, "
			 "slab allocator, vmalloc, TLB model or percpu areas");
		return 70;
	}
	ret = create_caches(im, err, errlen);
	if (ret)
		return ret;
	kmm_pages_at_start = buddy_pages_allocated();
	kmm_pcpu_pages_at_start = (long)pcpu_nr_pages();
	return 0;
}

static void kmm_exit(void)
{
	mm_task_exit_all();
	mm_subsys_exit();
	tlb_model_exit();
	pcpu_exit();
	vmalloc_exit();
	kmem_cache_exit();
	kmm_kernel_pgtable_exit();
	kmm_mem_exit();
	replay_unmap(kmm_caches, (kmm_nr_caches + 1) * sizeof(*kmm_caches));
	kmm_caches = NULL;
}

static void kmm_thread_init(unsigned int cpu)
{
	kmm_set_cpu((int)cpu);
}

/* --threads 1: one thread plays every traced CPU in turn (the CPU count
 * of the machine is the trace's, so the id is in range) */
static void kmm_event_cpu(unsigned int cpu)
{
	kmm_cpu_id = (int)cpu;
}

static gfp_t kmm_gfp(const struct replay_ev *e)
{
	return e->gfp ? e->gfp : GFP_KERNEL;
}

static void *kmm_alloc(const struct replay_ev *e)
{
	struct page *page;

	/* the slab's slow paths overwrite it; other ops have no path */
	kmm_last_alloc_path = e->op <= ROP_KMEM_CACHE_ALLOC ? SLAB_PATH_FAST :
			      (enum slab_path)-1;
	switch (e->op) {
	case ROP_KMALLOC:
		return kmalloc(e->size, kmm_gfp(e));
	case ROP_PERCPU_ALLOC:
		if (e->flags & REV_F_RESERVED)
			return __alloc_reserved_percpu(e->size,
						       1u << e->order);
		return __alloc_percpu_gfp(e->size, 1u << e->order,
					  kmm_gfp(e) | __GFP_NOWARN);
	case ROP_KMEM_CACHE_ALLOC:
		return kmem_cache_alloc(kmm_caches[e->cache], kmm_gfp(e));
	case ROP_PAGE_ALLOC:
		page = alloc_pages(kmm_gfp(e), e->order);
		return page ? page_address(page) : NULL;
	case ROP_VMALLOC:
		return vmalloc(e->size);
	}
	return NULL;
}

static void kmm_free(void *p, const struct replay_ev *e)
{
	switch (e->op) {
	case ROP_KFREE:
		kfree(p);
		break;
	case ROP_PERCPU_FREE:
		free_percpu(p);
		break;
	case ROP_KMEM_CACHE_FREE:
		kmem_cache_free(kmm_caches[e->cache], p);
		break;
	case ROP_PAGE_FREE:
		__free_pages(virt_to_page(p), e->order);
		break;
	case ROP_VFREE:
		vfree(p);
		break;
	}
}

static struct mm_struct *task_mm(uint32_t pid)
{
	struct mm_struct *mm = mm_task_get((int)pid);

	if (mm)
		mm->premap_unknown = true;
	return mm;
}

static int kmm_vm(const struct replay_ev *e, const struct replay_vm *v)
{
	struct kmm_file *file = NULL;
	struct mm_struct *mm;
	unsigned long r, flags;

	switch (e->op) {
	case ROP_FORK:
		return mm_task_fork((int)v->addr, (int)v->arg);
	case ROP_EXEC:
		return mm_task_exec((int)v->addr);
	case ROP_EXIT:
		mm_task_exit((int)v->addr);
		return 0;
	}
	mm = task_mm(v->pid);
	if (!mm)
		return -ENOMEM;
	switch (e->op) {
	case ROP_MMAP:
		flags = (v->arg & (MAP_SHARED | MAP_PRIVATE)) | MAP_FIXED;
		if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
			flags |= MAP_PRIVATE;
		if (kmt_mmap_fd(v->arg) >= 0 && !(v->arg & MAP_ANONYMOUS)) {
			/* a file of its own per traced pid and fd */
			file = mm_task_file((int)v->pid, kmt_mmap_fd(v->arg),
					    v->ret + PAGE_ALIGN(v->len));
			if (!file)
				return -ENOMEM;
		} else {
			flags |= MAP_ANONYMOUS;
		}
		r = do_mmap(mm, file, v->addr, v->len,
			    kmt_mmap_prot(v->arg), flags,
			    file ? v->ret >> PAGE_SHIFT : 0);
		return IS_ERR_VALUE(r) ? (int)r : 0;
	case ROP_MUNMAP:
		return do_munmap(mm, v->addr, v->len);
	case ROP_BRK:
		do_brk(mm, v->addr);
		return 0;
	case ROP_MPROTECT:
		return do_mprotect(mm, v->addr, v->len, v->arg);
	case ROP_MREMAP:
		r = do_mremap(mm, v->addr, v->len, v->arg,
			      MREMAP_MAYMOVE |
			      (v->ret != v->addr ? MREMAP_FIXED : 0), v->ret);
		return IS_ERR_VALUE(r) ? (int)r : 0;
	case ROP_FAULT:
		r = handle_mm_fault(mm, v->addr, FAULT_FLAG_USER |
				    (v->arg & 2 ? FAULT_FLAG_WRITE : 0) |
				    (v->arg & 16 ? FAULT_FLAG_INSTRUCTION : 0));
		return r & (VM_FAULT_SIGSEGV | VM_FAULT_SIGBUS |
			    VM_FAULT_OOM) ? -EFAULT : 0;
	}
	return -EINVAL;
}

static void kmm_tlb_touch_obj(void *p, size_t len)
{
	kmm_tlb_touch(p, len, 64);
}

static void kmm_tlb_totals(uint64_t *accesses, uint64_t *misses)
{
	struct tlb_stats st;

	tlb_model_stats(&st);
	*accesses = st.accesses;
	*misses = st.misses;
}

static unsigned int kmm_last_path(void)
{
	static const unsigned char map[] = {
		[SLAB_PATH_FAST] = RPATH_FAST,
		[SLAB_PATH_SLOW] = RPATH_SLOW,
		[SLAB_PATH_NEW_SLAB] = RPATH_NEW_SLAB,
		[SLAB_PATH_PAGE] = RPATH_PAGE,
	};

	return (unsigned int)kmm_last_alloc_path < ARRAY_SIZE(map) ?
	       map[kmm_last_alloc_path] : RPATH_NONE;
}

static uint64_t kmm_usable(void *p, const struct replay_ev *e)
{
	switch (e->op) {
	case ROP_PAGE_ALLOC:
		return PAGE_SIZE << e->order;
	case ROP_KMEM_CACHE_ALLOC:
		return kmm_caches[e->cache]->size;
	case ROP_VMALLOC:
		return PAGE_ALIGN(e->size);
	case ROP_PERCPU_ALLOC:
		/* what the tracepoint's bytes_alloc counts: every unit */
		return pcpu_obj_full_size(e->size);
	default:
		return ksize(p);
	}
}

static uint64_t kmm_footprint(void)
{
	long pages = buddy_pages_allocated() - kmm_pages_at_start;

	return pages > 0 ? (uint64_t)pages * PAGE_SIZE : 0;
}

/* The worst (highest) unusable index of the populated zones at @order */
static int kmm_unusable(unsigned int order)
{
	int worst = -1;

	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (populated_zone(&kmm_zones[z])) {
			int u = unusable_index(&kmm_zones[z], order);

			if (u > worst)
				worst = u;
		}
	return worst;
}

static int snapshot_cache(struct kmem_cache *s, void *arg)
{
	struct replay_result *r = arg;
	struct replay_slab_info *si;
	struct slab_cache_info info;

	slab_cpu_flush_all(s);
	slab_cache_info(s, &info);
	if (!info.num_objs || r->nr_slab_caches >= REPLAY_MAX_SLAB_INFO)
		return 0;
	si = &r->slab[r->nr_slab_caches++];
	snprintf(si->name, sizeof(si->name), "%s", info.name);
	si->object_size = info.object_size;
	si->size = info.size;
	si->active_objs = info.active_objs;
	si->num_objs = info.num_objs;
	si->pages = info.pages;
	return 0;
}

const char *const replay_fault_names[REPLAY_FAULT_KINDS] = {
	"minor", "major", "cow", "cow_reuse", "zero", "segv_maperr",
	"segv_accerr", "stack_grow", "oom", "premapped", "premap_widened",
};

static void kmm_snapshot(struct replay_result *r)
{
	struct mm_fault_stats fs;

	_Static_assert(sizeof(fs) == sizeof(r->faults), "fault kinds");
	mm_task_fault_totals(&fs);
	memcpy(r->faults, &fs, sizeof(r->faults));
	r->have_faults = true;
	struct buddy_stats st;
	unsigned int nz = 0;

	for (int z = 0; z < MAX_NR_ZONES && nz < REPLAY_MAX_ZONES; z++) {
		const struct zone *zone = &kmm_zones[z];

		if (!populated_zone(zone))
			continue;
		snprintf(r->zone_name[nz], sizeof(r->zone_name[nz]), "%s",
			 zone->name);
		for (unsigned int o = 0; o < NR_PAGE_ORDERS; o++) {
			r->unusable[nz][o] = unusable_index(zone, o);
			r->extfrag[nz][o] = fragmentation_index(zone, o);
		}
		nz++;
	}
	r->nr_zones = nz;
	r->nr_slab_caches = 0;
	slab_for_each_cache(snapshot_cache, r);
	buddy_get_stats(&st);
	for (int i = 0; i < NR_BUDDY_MISUSE; i++)
		r->misuse += st.misuse[i];
	for (int i = 0; i < NR_PCPU_MISUSE; i++)
		r->misuse += pcpu_misuse_count((enum pcpu_misuse)i);
}

struct leak_sum {
	uint64_t objects, bytes;
	int problems;
};

static int leak_cache(struct kmem_cache *s, void *arg)
{
	struct leak_sum *l = arg;
	struct slab_cache_info info;

	slab_cpu_flush_all(s);
	kmem_cache_shrink(s);
	slab_cache_info(s, &info);
	l->objects += info.active_objs;
	l->bytes += (uint64_t)info.active_objs * info.object_size;
	return 0;
}

/*
 * Once every object is freed, the caches are flushed and shrunk: objects
 * still active, percpu areas still allocated, and pages neither in a
 * slab, a percpu chunk nor free, are leaks.
 */
static void kmm_leaks(uint64_t *objects, uint64_t *bytes)
{
	struct leak_sum l = { 0 };
	uint64_t areas, area_bytes;
	long pages;

	mm_task_exit_all();	/* the processes still alive exit */
	slab_for_each_cache(leak_cache, &l);
	drain_all_pages();
	pcpu_live(&areas, &area_bytes);
	l.objects += areas;
	l.bytes += area_bytes;
	pages = buddy_pages_allocated() - kmm_pages_at_start -
		(long)slab_total_pages() -
		((long)pcpu_nr_pages() - kmm_pcpu_pages_at_start);
	if (pages > 0) {
		l.objects += (uint64_t)pages;
		l.bytes += (uint64_t)pages * PAGE_SIZE;
	}
	*objects = l.objects;
	*bytes = l.bytes;
}

static int check_cache(struct kmem_cache *s, void *arg)
{
	((struct leak_sum *)arg)->problems += slab_check_cache(s);
	return 0;
}

static int kmm_check(void)
{
	struct leak_sum l = { 0 };

	slab_for_each_cache(check_cache, &l);
	return buddy_check(stderr) + vmalloc_check(stderr) +
	       pcpu_check(stderr) + l.problems;
}

static const char *kmm_version(void)
{
	return "kmbench";
}

const struct backend backend_kmm = {
	.name = "kmm",
	.init = kmm_init,
	.exit = kmm_exit,
	.thread_init = kmm_thread_init,
	.set_cpu = kmm_event_cpu,
	.alloc = kmm_alloc,
	.free = kmm_free,
	.last_path = kmm_last_path,
	.vm = kmm_vm,
	.usable = kmm_usable,
	.footprint = kmm_footprint,
	.unusable = kmm_unusable,
	.snapshot = kmm_snapshot,
	.leaks = kmm_leaks,
	.check = kmm_check,
	.tlb_touch = kmm_tlb_touch_obj,
	.tlb_totals = kmm_tlb_totals,
	.verifiable = true,
	.version = kmm_version,
};

REPLAY_DEFINE_RUNNER(replay_with_kmm, &backend_kmm)
