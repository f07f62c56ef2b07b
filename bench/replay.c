// SPDX-License-Identifier: GPL-2.0
/*
 * bench/replay.c - replay images: from a decoded trace (or from events given
 * directly) to the flat block the engine walks.  See replay.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "replay.h"
#include "util.h"


const char *const replay_op_names[ROP_NR] = {
	"kmalloc", "kfree", "kmem_cache_alloc", "kmem_cache_free",
	"page_alloc", "page_free", "vmalloc", "vfree",
	"percpu_alloc", "percpu_free", "mmap", "munmap", "brk", "mprotect",
	"mremap", "fault", "fork", "exit", "exec",
};

const char *const replay_skip_names[RSKIP_NR] = {
	"free of unknown object",
	"failed in the traced kernel",
	"not supported yet",
	"informational",
	"no matching sys_exit",
	"pages of a large kmalloc",
	"pages of a replayed fault",
};

const char *const replay_path_names[RPATH_NR] = {
	"all", "fast", "slow", "new_slab", "page_alloc",
};

#define ALIGN_UP_64(x)	(((x) + 63) & ~(uint64_t)63)

static const uint32_t kmalloc_sizes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

/* size_index of mm/slab_common.c for sizes up to 192, by (size - 1) / 8 */
static const uint8_t size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7,
	2, 2, 2, 2, 2, 2, 2, 2,
};

unsigned int replay_kmalloc_class(uint32_t size)
{
	unsigned int k;

	if (size > 8192)
		return 13;
	if (size <= 192) {
		k = size_index[size ? (size - 1) / 8 : 0];
		/* kernel index: 1 = 96, 2 = 192, n >= 3 = 2^n */
		return k == 1 ? 4 : k == 2 ? 6 : k <= 6 ? k - 3 : 5;
	}
	/* 256 (fls 8) is class 7 ... 8192 (fls 13) is class 12 */
	return (unsigned int)(32 - __builtin_clz(size - 1)) - 1;
}

uint32_t replay_kmalloc_class_size(unsigned int cls)
{
	return cls < 13 ? kmalloc_sizes[cls] : 0;
}

const char *replay_class_name(unsigned int op, unsigned int cls, char *buf,
			      size_t len)
{
	switch (op) {
	case ROP_PAGE_ALLOC:
	case ROP_PAGE_FREE:
		snprintf(buf, len, "order-%u", cls);
		break;
	case ROP_VMALLOC:
	case ROP_VFREE:
		snprintf(buf, len, "pages-%u", 1u << cls);
		break;
	default:
		if (cls < 13)
			snprintf(buf, len, "%u", kmalloc_sizes[cls]);
		else
			snprintf(buf, len, "large");
	}
	return buf;
}

static unsigned int op_class(unsigned int op, uint32_t size, unsigned int order)
{
	switch (op) {
	case ROP_PAGE_ALLOC:
	case ROP_PAGE_FREE:
		return order < RCLASS_NR ? order : RCLASS_NR - 1;
	case ROP_VMALLOC:
	case ROP_VFREE: {
		uint32_t pages = (size + 4095) / 4096;
		unsigned int c = pages > 1 ? 32 - __builtin_clz(pages - 1) : 0;

		return c < RCLASS_NR ? c : RCLASS_NR - 1;
	}
	default:
		return replay_kmalloc_class(size);
	}
}

void *replay_map(size_t bytes)
{
	void *p;

	if (!bytes)
		bytes = 1;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void *replay_map_populate(size_t bytes)
{
	void *p;

	if (!bytes)
		bytes = 1;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

void replay_unmap(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}

void replay_image_free(struct replay_image *im)
{
	if (im)
		replay_unmap(im, im->bytes);
}

/*
 * Lay out the image: copy the allocation's size, order and cache into each
 * free, mark remote frees, index the events per CPU and compute the
 * allocator-independent answers.  @ev is modified in place.
 */
struct replay_image *replay_assemble(struct replay_ev *ev, size_t n,
				     uint64_t total,
				     const uint64_t skipped[RSKIP_NR],
				     const struct replay_cache *caches,
				     unsigned int nr_caches,
				     const struct replay_vm *vm, size_t nr_vm,
				     const char *name)
{
	uint64_t nr_objs = 0, cpu_len[256] = { 0 }, live = 0, peak = 0;
	uint64_t bytes, sum = 0, req = 0, given = 0, remote = 0;
	unsigned int nr_cpus = 1;
	uint32_t *alloc_of = NULL, *idx;
	struct replay_image *im;

	for (size_t i = 0; i < n; i++) {
		if (ev[i].obj >= nr_objs)
			nr_objs = (uint64_t)ev[i].obj + 1;
		if (ev[i].cpu >= 256) {
			kmb_warn("%s: CPU %u: at most 256 CPUs can be replayed",
				 name, ev[i].cpu);
			return NULL;
		}
		if (ev[i].cpu >= nr_cpus)
			nr_cpus = ev[i].cpu + 1u;
	}
	alloc_of = replay_map(nr_objs * sizeof(*alloc_of));
	if (!alloc_of) {
		kmb_warn("%s: out of memory", name);
		return NULL;
	}
	memset(alloc_of, 0xff, nr_objs * sizeof(*alloc_of));
	for (size_t i = 0; i < n; i++) {
		struct replay_ev *e = &ev[i];

		if (e->op >= ROP_MMAP) {
			if (e->size >= nr_vm) {
				kmb_warn("%s: event %zu: %s without its record",
					 name, i, replay_op_names[e->op]);
				goto fail;
			}
			goto counted;
		}
		if (rop_is_alloc(e->op)) {
			if (alloc_of[e->obj] != UINT32_MAX) {
				kmb_warn("%s: event %zu: object %u allocated twice",
					 name, i, e->obj);
				goto fail;
			}
			alloc_of[e->obj] = (uint32_t)i;
			e->cls = (uint8_t)op_class(e->op, e->size, e->order);
			live += e->size;
			if (live > peak)
				peak = live;
			if (e->op == ROP_KMALLOC ||
			    e->op == ROP_KMEM_CACHE_ALLOC) {
				req += e->size;
				given += e->size_alloc;
			}
		} else {
			const struct replay_ev *a;

			if (alloc_of[e->obj] == UINT32_MAX ||
			    alloc_of[e->obj] >= i) {
				kmb_warn("%s: event %zu: free of object %u before "
					 "its allocation", name, i, e->obj);
				goto fail;
			}
			a = &ev[alloc_of[e->obj]];
			/*
			 * kfree() of a kmem_cache_alloc() object (and
			 * kmem_cache_free() of a kmalloc one) is legal: the
			 * kernel frees into the object's own cache, so the
			 * replay does too.
			 */
			if (a->op + 1 != e->op &&
			    (a->op == ROP_KMALLOC ||
			     a->op == ROP_KMEM_CACHE_ALLOC) &&
			    (e->op == ROP_KFREE || e->op == ROP_KMEM_CACHE_FREE))
				e->op = (uint8_t)(a->op + 1);
			if (a->op + 1 != e->op) {
				kmb_warn("%s: event %zu: %s of an object from %s",
					 name, i, replay_op_names[e->op],
					 replay_op_names[a->op]);
				goto fail;
			}
			e->size = a->size;
			e->size_alloc = a->size_alloc;
			e->order = a->order;
			e->cache = a->cache;
			e->cls = a->cls;
			if (a->cpu != e->cpu) {
				e->flags |= REV_F_REMOTE;
				remote++;
			}
			alloc_of[e->obj] = (uint32_t)n;	/* freed */
			live -= e->size;
		}
counted:
		cpu_len[e->cpu]++;
	}
	replay_unmap(alloc_of, nr_objs * sizeof(*alloc_of));
	alloc_of = NULL;

	bytes = sizeof(*im);
	bytes = ALIGN_UP_64(bytes);
	im = NULL;
	{
		uint64_t ev_off = bytes;
		uint64_t idx_off = ev_off + ALIGN_UP_64(n * sizeof(*ev));
		uint64_t cache_off = idx_off + ALIGN_UP_64(n * sizeof(*idx));
		uint64_t vm_off = cache_off + ALIGN_UP_64((uint64_t)(nr_caches + 1)
							  * sizeof(*caches));

		bytes = vm_off + nr_vm * sizeof(*vm);
		im = replay_map(bytes);
		if (!im) {
			kmb_warn("%s: out of memory for the replay image", name);
			return NULL;
		}
		memset(im, 0, sizeof(*im));
		im->magic = REPLAY_MAGIC;
		im->bytes = bytes;
		im->ev_off = ev_off;
		im->idx_off = idx_off;
		im->cache_off = cache_off;
		im->vm_off = vm_off;
	}
	snprintf(im->trace_name, sizeof(im->trace_name), "%s", name);
	im->total = total;
	for (int r = 0; r < RSKIP_NR; r++)
		im->skipped[r] = skipped ? skipped[r] : 0;
	im->nr_ev = n;
	im->nr_objs = nr_objs;
	im->nr_cpus = nr_cpus;
	im->nr_caches = nr_caches;
	im->peak_live_bytes = peak;
	im->end_live_bytes = live;
	im->bytes_req = req;
	im->bytes_alloc = given;
	im->remote_frees = remote;
	memcpy((char *)im + im->ev_off, ev, n * sizeof(*ev));
	for (unsigned int c = 0; c < nr_cpus; c++) {
		im->cpu_off[c] = sum;
		im->cpu_len[c] = 0;
		sum += cpu_len[c];
	}
	idx = (uint32_t *)((char *)im + im->idx_off);
	for (size_t i = 0; i < n; i++) {
		unsigned int c = ev[i].cpu;

		idx[im->cpu_off[c] + im->cpu_len[c]++] = (uint32_t)i;
	}
	if (nr_caches)
		memcpy((char *)im + im->cache_off, caches,
		       (nr_caches + 1) * sizeof(*caches));
	im->nr_vm = nr_vm;
	if (nr_vm)
		memcpy((char *)im + im->vm_off, vm, nr_vm * sizeof(*vm));
	return im;
fail:
	replay_unmap(alloc_of, nr_objs * sizeof(*alloc_of));
	return NULL;
}

struct replay_image *replay_image_from(const struct replay_ev *ev, size_t n,
				       uint64_t total,
				       const uint64_t skipped[RSKIP_NR],
				       const struct replay_cache *caches,
				       unsigned int nr_caches,
				       const char *name)
{
	return replay_image_from_vm(ev, n, total, skipped, caches, nr_caches,
				    NULL, 0, name);
}

struct replay_image *replay_image_from_vm(const struct replay_ev *ev, size_t n,
					  uint64_t total,
					  const uint64_t skipped[RSKIP_NR],
					  const struct replay_cache *caches,
					  unsigned int nr_caches,
					  const struct replay_vm *vm,
					  size_t nr_vm, const char *name)
{
	struct replay_ev *copy = replay_map(n * sizeof(*ev));
	struct replay_image *im;

	if (!copy)
		return NULL;
	memcpy(copy, ev, n * sizeof(*ev));
	im = replay_assemble(copy, n, total, skipped, caches, nr_caches, vm,
			     nr_vm, name);
	replay_unmap(copy, n * sizeof(*ev));
	return im;
}

