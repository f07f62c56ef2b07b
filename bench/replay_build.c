// SPDX-License-Identifier: GPL-2.0
/*
 * bench/replay_build.c - the replay image of a decoded trace (kmt/trace.h):
 * which events are replayed as which op, which are skipped and why, and
 * the cache table from kmem_cache_alloc's name=.
 *
 * The image is built from the compact decoded form (kmt/kmt.h, struct
 * kmt_ctrace): 16 bytes an event and the records they share, decoded
 * straight from a .kmt file; a trace in the full form is encoded and
 * decoded into it first.
 */
#include <stdio.h>
#include <string.h>

#include "replay.h"
#include "util.h"

#if __has_include("kmt/trace.h")
#include "kmt/kmt.h"
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
	[ROP_MMAP] = true,
	[ROP_MUNMAP] = true,
	[ROP_BRK] = true,
	[ROP_MPROTECT] = true,
	[ROP_MREMAP] = true,
	[ROP_FAULT] = true,
	[ROP_FORK] = true,
	[ROP_EXIT] = true,
	[ROP_EXEC] = true,
};

#if HAVE_KMT
/* What a kmt event becomes: a replay op, or a skip reason (-1 - reason) */
static int kmt_to_op(unsigned int type)
{
	switch (type) {
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
	case KMT_EV_SYS_ENTER_MMAP:
		return ROP_MMAP;
	case KMT_EV_SYS_ENTER_MUNMAP:
		return ROP_MUNMAP;
	case KMT_EV_SYS_ENTER_BRK:
		return ROP_BRK;
	case KMT_EV_SYS_ENTER_MPROTECT:
		return ROP_MPROTECT;
	case KMT_EV_SYS_ENTER_MREMAP:
		return ROP_MREMAP;
	case KMT_EV_PAGE_FAULT_USER:
		return ROP_FAULT;
	case KMT_EV_SCHED_PROCESS_FORK:
		return ROP_FORK;
	case KMT_EV_SCHED_PROCESS_EXEC:
		return ROP_EXEC;
	case KMT_EV_SCHED_PROCESS_EXIT:
		return ROP_EXIT;
	case KMT_EV_SYS_EXIT_MMAP:
	case KMT_EV_SYS_EXIT_MUNMAP:
	case KMT_EV_SYS_EXIT_BRK:
	case KMT_EV_SYS_EXIT_MPROTECT:
	case KMT_EV_SYS_EXIT_MREMAP:
	case KMT_EV_RSS_STAT:
	case KMT_EV_EXIT_MMAP:
		return -1 - RSKIP_INFO;
	default:
		return -1 - RSKIP_UNSUPPORTED;
	}
}

/*
 * A small open-addressing map from a 64-bit key to a u32 (pid -> slot,
 * pid x syscall -> pending sys_enter), in mmap'd memory.
 */
struct u32map {
	uint64_t *key;		/* key + 1; 0 = empty */
	uint32_t *val;
	size_t mask;
};

static bool u32map_init(struct u32map *m, size_t want)
{
	size_t n = 64;

	while (n < 2 * want)
		n <<= 1;
	m->mask = n - 1;
	m->key = replay_map(n * sizeof(*m->key));
	m->val = replay_map(n * sizeof(*m->val));
	return m->key && m->val;
}

static void u32map_free(struct u32map *m)
{
	replay_unmap(m->key, (m->mask + 1) * sizeof(*m->key));
	replay_unmap(m->val, (m->mask + 1) * sizeof(*m->val));
}

static uint32_t *u32map_slot(struct u32map *m, uint64_t key, uint32_t def)
{
	size_t i = (size_t)((key + 1) * 0x9e3779b97f4a7c15ULL >> 20) & m->mask;

	while (m->key[i] && m->key[i] != key + 1)
		i = (i + 1) & m->mask;
	if (!m->key[i]) {
		m->key[i] = key + 1;
		m->val[i] = def;
	}
	return &m->val[i];
}

static int vm_syscall(uint8_t type, bool *enter)
{
	static const uint8_t pairs[][2] = {
		{ KMT_EV_SYS_ENTER_MMAP, KMT_EV_SYS_EXIT_MMAP },
		{ KMT_EV_SYS_ENTER_MUNMAP, KMT_EV_SYS_EXIT_MUNMAP },
		{ KMT_EV_SYS_ENTER_BRK, KMT_EV_SYS_EXIT_BRK },
		{ KMT_EV_SYS_ENTER_MPROTECT, KMT_EV_SYS_EXIT_MPROTECT },
		{ KMT_EV_SYS_ENTER_MREMAP, KMT_EV_SYS_EXIT_MREMAP },
	};

	for (int k = 0; k < 5; k++)
		if (type == pairs[k][0] || type == pairs[k][1]) {
			*enter = type == pairs[k][0];
			return k;
		}
	return -1;
}

/*
 * exit_of[i]: the sys_exit event of sys_enter event i plus 1, 0 for none
 * (@exit_of comes zeroed: only the entries of system calls are written).
 */
static bool pair_syscalls(const struct kmt_ctrace *c, uint32_t *exit_of)
{
	struct u32map pending;
	size_t nvm = 0;

	for (int k = 0; k < KMT_EV_NR; k++)
		if (kmt_event_kind((enum kmt_event_type)k) == KMT_KIND_VM)
			nvm += c->t.by_type[k];
	if (!nvm)
		return true;
	if (!u32map_init(&pending, nvm))
		return false;
	for (size_t i = 0; i < c->t.nr_ev; i++) {
		bool enter;
		int k = vm_syscall(c->ev[i].type, &enter);
		uint32_t *p;

		if (k < 0)
			continue;
		p = u32map_slot(&pending,
				(uint64_t)kmt_cev_rec(c, &c->ev[i])->vm.pid * 8
				+ k, UINT32_MAX);
		if (enter) {
			*p = (uint32_t)i;
		} else if (*p != UINT32_MAX) {
			exit_of[*p] = (uint32_t)i + 1;
			*p = UINT32_MAX;
		}
	}
	u32map_free(&pending);
	return true;
}

/*
 * Fill @v for process event @k (op @op); false when it cannot be replayed
 * (*why: the skip reason).
 */
static bool vm_record(const struct kmt_ctrace *c, size_t k, int op,
		      const uint32_t *exit_of, struct replay_vm *v, int *why)
{
	const struct kmt_cev *e = &c->ev[k];
	const struct kmt_crec *r = kmt_cev_rec(c, e);
	uint64_t ret = 0;

	memset(v, 0, sizeof(*v));
	v->pid = r->vm.pid;
	v->addr = r->vm.addr;
	v->len = r->vm.len;
	v->arg = r->vm.arg;
	if (op <= ROP_MREMAP) {		/* a system call: needs its result */
		if (!exit_of[k]) {
			*why = RSKIP_NO_EXIT;
			return false;
		}
		ret = kmt_cev_rec(c, &c->ev[exit_of[k] - 1])->vm.addr;
		if (ret >= (uint64_t)-4095 && op != ROP_BRK) {
			*why = RSKIP_FAILED;
			return false;
		}
	}
	v->ret = ret;
	if (op == ROP_MMAP) {
		v->addr = ret;		/* replay at the traced address */
		/* a file mapping: ret is its offset in the file */
		v->ret = kmt_mmap_fd(v->arg) >= 0 && e->obj != KMT_OBJ_NONE ?
			 (uint64_t)e->obj << 12 : 0;
	}
	return true;
}

/* Cache table index for a kmem_cache_alloc: by name, or by size unnamed */
static uint16_t cache_index(const struct kmt_trace *t, const struct kmt_mem *k,
			    uint16_t *by_str, struct replay_cache *caches,
			    unsigned int *nr, uint16_t *by_size, uint16_t *sized)
{
	uint32_t id = k->cache;
	uint16_t c = id && id < t->strs.nr ? by_str[id] : 0;
	struct replay_cache *rc;

	if (!id || id >= t->strs.nr) {
		/* older kernels print no name=: one cache per bytes_alloc */
		for (unsigned int i = 0; i < *sized; i++)
			if (caches[by_size[i]].size == k->bytes_alloc)
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
				 k->bytes_alloc);
			if (*sized < REPLAY_MAX_CACHES)
				by_size[(*sized)++] = c;
		}
		rc->size = k->bytes_alloc;
	}
	rc = &caches[c];
	if (k->bytes_req > rc->object_size)
		rc->object_size = k->bytes_req;
	if (k->bytes_alloc > rc->size)
		rc->size = k->bytes_alloc;
	rc->allocs++;
	return c;
}

struct replay_image *replay_image_build_compact(const struct kmt_ctrace *c,
						const char *name)
{
	const struct kmt_trace *t = &c->t;
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
	size_t vbytes = t->nr_ev * sizeof(struct replay_vm), nr_vm = 0;
	size_t xbytes = t->nr_ev * sizeof(uint32_t);
	struct replay_vm *vm = replay_map(vbytes);
	uint32_t *exit_of = replay_map(xbytes);
	struct u32map last = { 0 };

	if (!ev || !caches || !by_str || !by_size || !vm || !exit_of ||
	    !pair_syscalls(c, exit_of) || !u32map_init(&last, 1024)) {
		kmb_warn("%s: out of memory", name);
		goto out;
	}
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_cev *k = &c->ev[i];
		const struct kmt_mem *m = &kmt_cev_rec(c, k)->mem.m;
		struct replay_ev *e = &ev[n];
		int op = kmt_to_op(k->type);

		if (op < 0) {
			skipped[-1 - op]++;
			continue;
		}
		if (!replay_op_ready[op]) {
			skipped[RSKIP_UNSUPPORTED]++;
			continue;
		}
		if (op >= ROP_MMAP) {
			struct replay_vm *v = &vm[nr_vm];
			uint32_t *prev;
			int why;

			memset(e, 0, sizeof(*e));
			e->op = (uint8_t)op;
			e->cpu = k->cpu;
			if (!vm_record(c, i, op, exit_of, v, &why)) {
				skipped[why]++;
				continue;
			}
			/* the pid map grows with the trace's processes */
			if (4 * nr_vm + 8 >= last.mask) {
				struct u32map bigger;

				if (!u32map_init(&bigger, 4 * nr_vm))
					goto out;
				for (size_t j = 0; j <= last.mask; j++)
					if (last.key[j])
						*u32map_slot(&bigger,
							     last.key[j] - 1,
							     0) = last.val[j];
				u32map_free(&last);
				last = bigger;
			}
			e->obj = (uint32_t)(t->nr_objs + nr_vm);
			e->size = (uint32_t)nr_vm;
			prev = u32map_slot(&last, v->pid, REPLAY_NO_SLOT);
			v->prev = *prev;
			*prev = e->obj;
			if (op == ROP_FORK)	/* the child starts after it */
				*u32map_slot(&last, v->arg, 0) = e->obj;
			nr_vm++;
			n++;
			continue;
		}
		if (k->flags & KMT_F_FAILED) {
			skipped[RSKIP_FAILED]++;
			continue;
		}
		if ((k->flags & KMT_F_FAULT) == KMT_F_FAULT) {
			/* replayed by the fault, where faults are */
			if (replay_op_ready[ROP_FAULT]) {
				skipped[RSKIP_FAULT_PAGES]++;
				continue;
			}
		} else if (k->flags & KMT_F_INNER) {
			skipped[RSKIP_INNER]++;
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
			e->size = m->bytes_req;
			e->size_alloc = m->bytes_alloc;
			e->gfp = m->gfp;
			e->order = m->order;
			if (op == ROP_PERCPU_ALLOC && m->migratetype)
				e->flags |= REV_F_RESERVED;
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
				e->cache = cache_index(t, m, by_str, caches,
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
	im = replay_assemble(ev, n, t->nr_ev, skipped, caches, nr_caches, vm,
			     nr_vm, name);
out:
	replay_unmap(vm, vbytes);
	replay_unmap(exit_of, xbytes);
	if (last.key)
		u32map_free(&last);
	replay_unmap(ev, evbytes);
	replay_unmap(caches, cbytes);
	replay_unmap(by_str, sbytes);
	replay_unmap(by_size, REPLAY_MAX_CACHES * sizeof(uint16_t));
	return im;
}

struct replay_image *replay_image_build(const struct kmt_trace *t,
					const char *name)
{
	struct replay_image *im;
	struct kmt_ctrace c;
	struct kmt_error err;

	if (kmt_ctrace_from(t, 0, &c, &err)) {
		kmb_warn("%s: %s", name, err.msg);
		return NULL;
	}
	im = replay_image_build_compact(&c, name);
	kmt_ctrace_free(&c);
	return im;
}
#else
struct replay_image *replay_image_build_compact(const struct kmt_ctrace *c,
						const char *name)
{
	kmb_warn("%s: the trace loader is not built yet", name);
	return NULL;
}

struct replay_image *replay_image_build(const struct kmt_trace *t,
					const char *name)
{
	return replay_image_build_compact(NULL, name);
}
#endif
