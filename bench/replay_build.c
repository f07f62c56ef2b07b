// SPDX-License-Identifier: GPL-2.0
/*
 * bench/replay_build.c - the replay image of a decoded trace (kmt/trace.h):
 * which events are replayed as which op, which are skipped and why, and
 * the cache table from kmem_cache_alloc's name=.
 */
#include <stdio.h>
#include <string.h>

#include "replay.h"
#include "util.h"

#if __has_include("kmt/trace.h")
#include "kmt/trace.h"
#define HAVE_KMT 1
#else
#define HAVE_KMT 0
#endif

/*
 * Ops every backend replays today.  An event whose op is not here is
 * skipped as "not supported yet" for every backend alike, so the events
 * counts of one trace are the same whichever allocator replays it; an op
 * joins the list when kmm's part of the stack behind it exists.
 */
static const bool replay_op_ready[ROP_NR] __attribute__((unused)) = {
	[ROP_KMALLOC] = true,
	[ROP_KFREE] = true,
	[ROP_KMEM_CACHE_ALLOC] = true,
	[ROP_KMEM_CACHE_FREE] = true,
	[ROP_PAGE_ALLOC] = true,
	[ROP_PAGE_FREE] = true,
	[ROP_VMALLOC] = true,
	[ROP_VFREE] = true,
	[ROP_PERCPU_ALLOC] = true,
	[ROP_PERCPU_FREE] = true,
};

#if HAVE_KMT
/* What a kmt event becomes: a replay op, or a skip reason (-1 - reason) */
static int kmt_to_op(const struct kmt_event *k)
{
	switch (k->type) {
	case KMT_EV_KMALLOC:
	case KMT_EV_KMALLOC_NODE:
		return ROP_KMALLOC;
	case KMT_EV_KFREE:
		return ROP_KFREE;
	case KMT_EV_KMEM_CACHE_ALLOC:
	case KMT_EV_KMEM_CACHE_ALLOC_NODE:
		return ROP_KMEM_CACHE_ALLOC;
	case KMT_EV_KMEM_CACHE_FREE:
		return ROP_KMEM_CACHE_FREE;
	case KMT_EV_MM_PAGE_ALLOC:
		return ROP_PAGE_ALLOC;
	case KMT_EV_MM_PAGE_FREE:
	case KMT_EV_MM_PAGE_FREE_BATCHED:
	case KMT_EV_MM_PAGE_FREE_DIRECT:
	case KMT_EV_MM_PAGEVEC_FREE:
		return ROP_PAGE_FREE;
	case KMT_EV_ALLOC_VMAP_AREA:
	case KMT_EV_VMALLOC:
		return ROP_VMALLOC;
	case KMT_EV_FREE_VMAP_AREA_NOFLUSH:
	case KMT_EV_VFREE:
		return ROP_VFREE;
	case KMT_EV_PERCPU_ALLOC_PERCPU:
		return ROP_PERCPU_ALLOC;
	case KMT_EV_PERCPU_FREE_PERCPU:
		return ROP_PERCPU_FREE;
	case KMT_EV_SYS_EXIT_MMAP:
	case KMT_EV_SYS_EXIT_MUNMAP:
	case KMT_EV_SYS_EXIT_BRK:
	case KMT_EV_SYS_EXIT_MPROTECT:
	case KMT_EV_SYS_EXIT_MREMAP:
	case KMT_EV_RSS_STAT:
		return -1 - RSKIP_INFO;
	default:
		return -1 - RSKIP_UNSUPPORTED;
	}
}

/* Cache table index for a kmem_cache_alloc: by name, or by size unnamed */
static uint16_t cache_index(const struct kmt_trace *t, const struct kmt_event *k,
			    uint16_t *by_str, struct replay_cache *caches,
			    unsigned int *nr, uint16_t *by_size, uint16_t *sized)
{
	uint32_t id = k->u.mem.cache;
	uint16_t c = id && id < t->strs.nr ? by_str[id] : 0;
	struct replay_cache *rc;

	if (!id || id >= t->strs.nr) {
		/* older kernels print no name=: one cache per bytes_alloc */
		for (unsigned int i = 0; i < *sized; i++)
			if (caches[by_size[i]].size == k->u.mem.bytes_alloc)
				c = by_size[i];
	}
	if (!c) {
		if (*nr + 1 >= REPLAY_MAX_CACHES)
			return 0;
		c = (uint16_t)++*nr;
		rc = &caches[c];
		if (id && id < t->strs.nr) {
			snprintf(rc->name, sizeof(rc->name), "%s",
				 kmt_str(&t->strs, id));
			by_str[id] = c;
		} else {
			snprintf(rc->name, sizeof(rc->name), "cache-%u",
				 k->u.mem.bytes_alloc);
			if (*sized < REPLAY_MAX_CACHES)
				by_size[(*sized)++] = c;
		}
		rc->size = k->u.mem.bytes_alloc;
	}
	rc = &caches[c];
	if (k->u.mem.bytes_req > rc->object_size)
		rc->object_size = k->u.mem.bytes_req;
	if (k->u.mem.bytes_alloc > rc->size)
		rc->size = k->u.mem.bytes_alloc;
	rc->allocs++;
	return c;
}

struct replay_image *replay_image_build(const struct kmt_trace *t,
					const char *name)
{
	uint64_t skipped[RSKIP_NR] = { 0 };
	size_t n = 0, evbytes = t->nr_ev * sizeof(struct replay_ev);
	size_t cbytes = REPLAY_MAX_CACHES * sizeof(struct replay_cache);
	size_t sbytes = (t->strs.nr + 1) * sizeof(uint16_t);
	struct replay_ev *ev = replay_map(evbytes);
	struct replay_cache *caches = replay_map(cbytes);
	uint16_t *by_str = replay_map(sbytes);
	uint16_t *by_size = replay_map(REPLAY_MAX_CACHES * sizeof(uint16_t));
	uint16_t sized = 0;
	unsigned int nr_caches = 0;
	struct replay_image *im = NULL;

	if (!ev || !caches || !by_str || !by_size) {
		kmb_warn("%s: out of memory", name);
		goto out;
	}
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *k = &t->ev[i];
		struct replay_ev *e = &ev[n];
		int op = kmt_to_op(k);

		if (op < 0) {
			skipped[-1 - op]++;
			continue;
		}
		if (!replay_op_ready[op]) {
			skipped[RSKIP_UNSUPPORTED]++;
			continue;
		}
		if (k->flags & KMT_F_FAILED) {
			skipped[RSKIP_FAILED]++;
			continue;
		}
		if ((k->flags & KMT_F_PRECAPTURE) || k->obj == KMT_OBJ_NONE) {
			skipped[RSKIP_UNKNOWN_OBJECT]++;
			continue;
		}
		memset(e, 0, sizeof(*e));
		e->op = (uint8_t)op;
		e->obj = k->obj;
		e->cpu = k->cpu;
		if (k->flags & KMT_F_IMPLICIT)
			e->flags |= REV_F_IMPLICIT;
		if (rop_is_alloc(op)) {
			e->size = k->u.mem.bytes_req;
			e->size_alloc = k->u.mem.bytes_alloc;
			e->gfp = k->u.mem.gfp;
			e->order = k->u.mem.order;
			if (op == ROP_PAGE_ALLOC) {
				e->size = 4096u << e->order;
				e->size_alloc = e->size;
			} else if (op == ROP_VMALLOC &&
				   k->type == KMT_EV_ALLOC_VMAP_AREA &&
				   e->size > 4096) {
				/* the area's size includes the guard page */
				e->size -= 4096;
			}
			if (op == ROP_KMEM_CACHE_ALLOC) {
				e->cache = cache_index(t, k, by_str, caches,
						       &nr_caches, by_size,
						       &sized);
				if (!e->cache) {
					skipped[RSKIP_UNSUPPORTED]++;
					continue;
				}
			}
		}
		n++;
	}
	im = replay_assemble(ev, n, t->nr_ev, skipped, caches, nr_caches, name);
out:
	replay_unmap(ev, evbytes);
	replay_unmap(caches, cbytes);
	replay_unmap(by_str, sbytes);
	replay_unmap(by_size, REPLAY_MAX_CACHES * sizeof(uint16_t));
	return im;
}
#else
struct replay_image *replay_image_build(const struct kmt_trace *t,
					const char *name)
{
	kmb_warn("%s: the trace loader is not built yet", name);
	return NULL;
}
#endif
