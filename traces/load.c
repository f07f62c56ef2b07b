// SPDX-License-Identifier: GPL-2.0
/*
 * traces/load.c - kmt_trace_load(): a whole trace into memory, ordered by
 * time, with pointers resolved to dense object ids.
 *
 * Ordering: each CPU's buffer is in time order (a CPU whose clock steps
 * back is clamped to its previous timestamp, so its own order survives);
 * the CPUs are then merged by timestamp, ties in file order (stable).
 *
 * Resolution (see kmt/trace.h): one live-object map per address space
 * (slab objects by ptr, pages by pfn, vmap areas by va_start, vmalloc by
 * address, percpu by ptr).  Map entries: ptr -> (obj, alloc cpu, alloc
 * type, index of the slab event in the output).
 */
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "kmt/kmt.h"
#include "kmt/trace.h"
#include "util.h"

/* ---- a u64 -> live entry map: linear probing, backward-shift delete ---- */

struct live {
	uint64_t key;		/* ptr + 1 (0 = empty slot) */
	uint32_t obj;
	uint16_t cpu;
	uint8_t type;
	uint8_t inner;		/* flags its free takes: KMT_F_INNER (pages of
				 * a large kmalloc) or KMT_F_FAULT */
	size_t out;		/* index of the allocation in the output */
};

struct live_map {
	struct live *slot;
	size_t mask, nr;
};

static inline size_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

static void map_init(struct live_map *m)
{
	m->mask = 63;
	m->nr = 0;
	m->slot = kmb_xcalloc(m->mask + 1, sizeof(*m->slot));
}

static struct live *map_find(struct live_map *m, uint64_t ptr)
{
	uint64_t k = ptr + 1;

	for (size_t i = mix(k) & m->mask;; i = (i + 1) & m->mask) {
		if (m->slot[i].key == k)
			return &m->slot[i];
		if (!m->slot[i].key)
			return NULL;
	}
}

static void map_grow(struct live_map *m)
{
	struct live *old = m->slot;
	size_t n = m->mask + 1;

	m->mask = n * 2 - 1;
	m->slot = kmb_xcalloc(n * 2, sizeof(*m->slot));
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		for (j = mix(old[i].key) & m->mask; m->slot[j].key;
		     j = (j + 1) & m->mask)
			;
		m->slot[j] = old[i];
	}
	free(old);
}

static struct live *map_insert(struct live_map *m, uint64_t ptr)
{
	uint64_t k = ptr + 1;
	size_t i;

	if ((m->nr + 1) * 2 > m->mask + 1)
		map_grow(m);
	for (i = mix(k) & m->mask; m->slot[i].key; i = (i + 1) & m->mask)
		;
	m->nr++;
	memset(&m->slot[i], 0, sizeof(m->slot[i]));
	m->slot[i].key = k;
	return &m->slot[i];
}

static void map_delete(struct live_map *m, struct live *e)
{
	size_t i = (size_t)(e - m->slot), j = i;

	m->nr--;
	for (;;) {
		size_t h;

		m->slot[i].key = 0;
		for (;;) {
			j = (j + 1) & m->mask;
			if (!m->slot[j].key)
				return;
			h = mix(m->slot[j].key) & m->mask;
			/* can slot j move to i? (h cyclically outside (i, j]) */
			if (i <= j ? (h <= i || h > j) : (h <= i && h > j))
				break;
		}
		m->slot[i] = m->slot[j];
		i = j;
	}
}

/* ---- address spaces ---- */

enum space { SP_SLAB, SP_PAGE, SP_VMAP, SP_VMALLOC, SP_PERCPU, SP_NR };

static int space_of(enum kmt_event_type t)
{
	switch (t) {
	case KMT_EV_KMALLOC:
	case KMT_EV_KMALLOC_NODE:
	case KMT_EV_KMEM_CACHE_ALLOC:
	case KMT_EV_KMEM_CACHE_ALLOC_NODE:
	case KMT_EV_KFREE:
	case KMT_EV_KMEM_CACHE_FREE:
		return SP_SLAB;
	case KMT_EV_MM_PAGE_ALLOC:
	case KMT_EV_MM_PAGE_FREE:
	case KMT_EV_MM_PAGE_FREE_BATCHED:
	case KMT_EV_MM_PAGE_FREE_DIRECT:
	case KMT_EV_MM_PAGEVEC_FREE:
		return SP_PAGE;
	case KMT_EV_ALLOC_VMAP_AREA:
	case KMT_EV_FREE_VMAP_AREA_NOFLUSH:
		return SP_VMAP;
	case KMT_EV_VMALLOC:
	case KMT_EV_VFREE:
		return SP_VMALLOC;
	case KMT_EV_PERCPU_ALLOC_PERCPU:
	case KMT_EV_PERCPU_FREE_PERCPU:
		return SP_PERCPU;
	default:
		return -1;
	}
}

static bool is_kmalloc(enum kmt_event_type t)
{
	return t == KMT_EV_KMALLOC || t == KMT_EV_KMALLOC_NODE;
}

/* ---- the resolver ---- */

struct resolver {
	struct kmt_trace *t;
	struct live_map map[SP_NR];
	size_t cap;
	size_t *last_slab;	/* [cpu]: output index of its last slab event */
	uint32_t nr_cpu_slots;
	bool zero_size_ptr;	/* real pointers: 0x10 is kmalloc(0) */
	bool real_ptrs;		/* pointers are known to be addresses */
	struct cpu_last {	/* [cpu]: its last event in the output */
		size_t out;
		uint64_t ptr;
		uint32_t fault_pid;	/* task in a user page fault, or
					 * UINT32_MAX (see pair_fault_pages) */
	} *last;
	uint32_t nr_last;
};

static struct kmt_event *emit(struct resolver *rs)
{
	struct kmt_trace *t = rs->t;

	if (t->nr_ev == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 4096;
		t->ev = kmb_xrealloc(t->ev, rs->cap * sizeof(*t->ev));
	}
	return &t->ev[t->nr_ev++];
}

static void note_slab(struct resolver *rs, unsigned int cpu, size_t idx)
{
	if (cpu >= rs->nr_cpu_slots) {
		uint32_t n = cpu + 1;

		rs->last_slab = kmb_xrealloc(rs->last_slab,
					     n * sizeof(*rs->last_slab));
		for (uint32_t i = rs->nr_cpu_slots; i < n; i++)
			rs->last_slab[i] = SIZE_MAX;
		rs->nr_cpu_slots = n;
	}
	rs->last_slab[cpu] = idx;
}

static size_t last_slab(struct resolver *rs, unsigned int cpu)
{
	return cpu < rs->nr_cpu_slots ? rs->last_slab[cpu] : SIZE_MAX;
}

static struct cpu_last *cpu_last(struct resolver *rs, unsigned int cpu)
{
	if (cpu >= rs->nr_last) {
		uint32_t n = cpu + 1;

		rs->last = kmb_xrealloc(rs->last, n * sizeof(*rs->last));
		for (uint32_t i = rs->nr_last; i < n; i++) {
			rs->last[i].out = SIZE_MAX;
			rs->last[i].fault_pid = UINT32_MAX;
		}
		rs->nr_last = n;
	}
	return &rs->last[cpu];
}

/* Remember the event just emitted (if any) as CPU @cpu's last one */
static void note_last(struct resolver *rs, unsigned int cpu, size_t before,
		      uint64_t ptr)
{
	struct cpu_last *cl;

	if (rs->t->nr_ev == before)
		return;		/* a dropped repeat: nothing emitted */
	cl = cpu_last(rs, cpu);
	cl->out = rs->t->nr_ev - 1;
	cl->ptr = ptr;
}

/*
 * A user page fault is traced at its entry (page_fault_user), then the
 * pages it allocates: the new anonymous page, the copy of a COW fault, the
 * page-cache pages of a file fault (with its readahead), as order-0
 * mm_page_alloc with a user GFP (__GFP_HARDWALL), on the same CPU and task,
 * before any event of that CPU other than page events and rss_stat.  Flag
 * them KMT_F_FAULT, and their page frees too: the replay of the fault
 * allocates them itself (see kmt/trace.h).  @in was just resolved.
 */
static void pair_fault_pages(struct resolver *rs, const struct kmt_event *in,
			     size_t before, uint64_t ptr)
{
	struct cpu_last *cl = cpu_last(rs, in->cpu);
	struct kmt_event *ev;
	struct live *l;

	if (in->type == KMT_EV_PAGE_FAULT_USER) {
		cl->fault_pid = in->pid;
		return;
	}
	if (in->type == KMT_EV_RSS_STAT || cl->fault_pid == UINT32_MAX)
		return;
	if (space_of(in->type) != SP_PAGE || in->pid != cl->fault_pid) {
		cl->fault_pid = UINT32_MAX;	/* the fault is over */
		return;
	}
	if (in->type != KMT_EV_MM_PAGE_ALLOC || rs->t->nr_ev == before)
		return;
	ev = &rs->t->ev[rs->t->nr_ev - 1];
	if (ev->obj == KMT_OBJ_NONE || ev->u.mem.order ||
	    (ev->flags & (KMT_F_FAILED | KMT_F_INNER)) ||
	    !(ev->u.mem.gfp & __GFP_HARDWALL))
		return;
	l = map_find(&rs->map[SP_PAGE], ptr);
	if (!l || l->obj != ev->obj)
		return;
	ev->flags |= KMT_F_FAULT;
	l->inner = KMT_F_FAULT;
}

/*
 * A large kmalloc @in at @ptr: flag the pages the page allocator gave it,
 * the mm_page_alloc just before it on its CPU (see kmt/trace.h).
 */
static void pair_large_kmalloc(struct resolver *rs,
			       const struct kmt_event *in, uint64_t ptr)
{
	struct kmt_trace *t = rs->t;
	uint64_t page = t->meta.page_size ? t->meta.page_size : 4096;
	unsigned int shift = (unsigned int)__builtin_ctzll(page);
	/* the direct map's offset is 1 GiB aligned with 4 KiB pages (x86-64
	 * PAGE_OFFSET, arm64 memstart), at least 32 MiB with larger ones */
	uint64_t congruent = ((page == 4096 ? 1ULL << 30 : 32ULL << 20) >>
			      shift) - 1;
	struct kmt_event *pe;
	struct live *l;
	uint64_t pfn;

	if (in->u.mem.bytes_req <= 2 * page || in->cpu >= rs->nr_last ||
	    rs->last[in->cpu].out == SIZE_MAX)
		return;
	pe = &t->ev[rs->last[in->cpu].out];
	pfn = rs->last[in->cpu].ptr;
	if (pe->type != KMT_EV_MM_PAGE_ALLOC || pe->obj == KMT_OBJ_NONE ||
	    (pe->flags & (KMT_F_FAILED | KMT_F_INNER)) ||
	    page << pe->u.mem.order != in->u.mem.bytes_alloc ||
	    in->u.mem.bytes_req > in->u.mem.bytes_alloc)
		return;
	if ((rs->real_ptrs ||
	     (t->meta.hashed_ptrs < 0 && ptr > UINT32_MAX)) &&
	    ((ptr & (page - 1)) ||
			      (((ptr >> shift) ^ pfn) & congruent)))
		return;
	l = map_find(&rs->map[SP_PAGE], pfn);
	if (!l || l->obj != pe->obj)
		return;
	pe->flags |= KMT_F_INNER;
	l->inner = KMT_F_INNER;
}

static void resolve_one(struct resolver *rs, const struct kmt_event *in,
			uint64_t ptr)
{
	struct kmt_trace *t = rs->t;
	enum kmt_event_type type = in->type;
	enum kmt_event_kind kind = kmt_event_kind(type);
	int sp = space_of(type);
	struct kmt_event *ev;
	struct live *l;

	if (sp < 0 || kind == KMT_KIND_OTHER) {
		*emit(rs) = *in;
		return;
	}
	if (kind == KMT_KIND_ALLOC) {
		if (in->flags & KMT_F_FAILED) {
			ev = emit(rs);
			*ev = *in;
			ev->obj = KMT_OBJ_NONE;
			t->counts.failed_allocs++;
			if (sp == SP_SLAB)
				note_slab(rs, in->cpu, t->nr_ev - 1);
			return;
		}
		l = map_find(&rs->map[sp], ptr);
		if (l) {
			/* copy: emit() may move the array */
			struct kmt_event prev = t->ev[l->out];

			/* a large kmalloc traced twice: drop the repeat */
			if (sp == SP_SLAB && is_kmalloc(type) &&
			    in->u.mem.bytes_req > 8192 &&
			    is_kmalloc(l->type) && l->cpu == in->cpu &&
			    last_slab(rs, in->cpu) == l->out &&
			    prev.u.mem.bytes_req == in->u.mem.bytes_req) {
				t->counts.duplicate_allocs++;
				pair_large_kmalloc(rs, in, ptr);
				return;
			}
			ev = emit(rs);
			memset(ev, 0, sizeof(*ev));
			ev->ts = in->ts;
			ev->cpu = in->cpu;
			ev->pid = in->pid;
			ev->type = (uint8_t)kmt_free_type_of(l->type);
			ev->obj = l->obj;
			ev->flags = KMT_F_IMPLICIT | l->inner;
			ev->u.mem.alloc_cpu = l->cpu;
			ev->u.mem.node = KMT_NODE_NONE;
			ev->u.mem.order = prev.u.mem.order;
			ev->u.mem.cache = prev.u.mem.cache;
			if (l->cpu != in->cpu) {
				ev->flags |= KMT_F_REMOTE;
				t->counts.remote_frees++;
			}
			t->counts.implicit_frees++;
			map_delete(&rs->map[sp], l);
		}
		ev = emit(rs);
		*ev = *in;
		ev->obj = t->nr_objs++;
		l = map_insert(&rs->map[sp], ptr);
		l->obj = ev->obj;
		l->cpu = in->cpu;
		l->type = in->type;
		l->out = t->nr_ev - 1;
		if (sp == SP_SLAB)
			note_slab(rs, in->cpu, t->nr_ev - 1);
		if (is_kmalloc(type))
			pair_large_kmalloc(rs, in, ptr);
		return;
	}
	/* a free */
	ev = emit(rs);
	*ev = *in;
	ev->obj = KMT_OBJ_NONE;
	if (sp == SP_SLAB)
		note_slab(rs, in->cpu, t->nr_ev - 1);
	if (!ptr || (sp == SP_SLAB && rs->zero_size_ptr && ptr == 16))
		return;		/* kfree(NULL): a no-op */
	l = map_find(&rs->map[sp], ptr);
	if (!l) {
		ev->flags |= KMT_F_PRECAPTURE;
		t->counts.precapture_frees++;
		return;
	}
	ev->obj = l->obj;
	ev->u.mem.alloc_cpu = l->cpu;
	ev->flags |= l->inner;
	if (l->cpu != in->cpu) {
		ev->flags |= KMT_F_REMOTE;
		t->counts.remote_frees++;
	}
	map_delete(&rs->map[sp], l);
}

/* ---- ordering ---- */

struct order_key {
	uint64_t ts;
	size_t idx;
};

static int cmp_key(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Order @ev/@ptr (@n) by timestamp, stable, each CPU's order kept.
 * Returns the permutation (NULL when already in order).
 */
static size_t *order_events(struct kmt_event *ev, size_t n,
			    uint64_t *reordered)
{
	uint64_t *cpu_ts = NULL;
	uint32_t nr_cpu = 0;
	bool sorted = true;
	struct order_key *k;
	size_t *perm;

	for (size_t i = 0; i < n; i++) {
		unsigned int c = ev[i].cpu;

		if (c >= nr_cpu) {
			cpu_ts = kmb_xrealloc(cpu_ts, (c + 1) * sizeof(*cpu_ts));
			memset(cpu_ts + nr_cpu, 0,
			       (c + 1 - nr_cpu) * sizeof(*cpu_ts));
			nr_cpu = c + 1;
		}
		if (ev[i].ts < cpu_ts[c])
			ev[i].ts = cpu_ts[c];	/* clock stepped back */
		cpu_ts[c] = ev[i].ts;
		if (i && ev[i].ts < ev[i - 1].ts)
			sorted = false;
	}
	free(cpu_ts);
	if (sorted)
		return NULL;
	k = kmb_xmalloc(n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		k[i] = (struct order_key){ ev[i].ts, i };
	qsort(k, n, sizeof(*k), cmp_key);
	perm = kmb_xmalloc(n * sizeof(*perm));
	for (size_t i = 0; i < n; i++) {
		perm[i] = k[i].idx;
		if (k[i].idx != i)
			(*reordered)++;
	}
	free(k);
	return perm;
}

/* ---- loading text ---- */

static int load_text(struct kmt_parser *p, struct kmt_trace *t,
		     struct kmt_error *err)
{
	struct kmt_event *ev = NULL;
	uint64_t *ptr = NULL;
	size_t n = 0, cap = 0, *perm;
	struct resolver rs = { .t = t };
	struct kmt_rec r;
	int rc;

	while ((rc = kmt_parser_next(p, &r, err)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			ev = kmb_xrealloc(ev, cap * sizeof(*ev));
			ptr = kmb_xrealloc(ptr, cap * sizeof(*ptr));
		}
		ev[n] = r.ev;
		ptr[n++] = r.ptr;
	}
	t->counts = *kmt_parser_counts(p);
	if (rc < 0) {
		free(ev);
		free(ptr);
		return err->code ? err->code : KMB_EX_DATAERR;
	}
	perm = order_events(ev, n, &t->counts.reordered);
	for (int i = 0; i < SP_NR; i++)
		map_init(&rs.map[i]);
	rs.zero_size_ptr = t->meta.hashed_ptrs == 0;
	rs.real_ptrs = t->meta.hashed_ptrs == 0;
	rs.cap = n + n / 16 + 16;
	t->ev = kmb_xmalloc(rs.cap * sizeof(*t->ev));
	t->base_ts = n ? ev[perm ? perm[0] : 0].ts : 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = perm ? perm[i] : i;

		size_t before = t->nr_ev;

		ev[j].ts -= t->base_ts;
		resolve_one(&rs, &ev[j], ptr[j]);
		pair_fault_pages(&rs, &ev[j], before, ptr[j]);
		note_last(&rs, ev[j].cpu, before, ptr[j]);
	}
	for (int i = 0; i < SP_NR; i++)
		free(rs.map[i].slot);
	free(rs.last_slab);
	free(rs.last);
	free(perm);
	free(ev);
	free(ptr);
	return 0;
}

void kmt_trace_finish(struct kmt_trace *t)
{
	uint32_t max_cpu = 0;

	memset(t->by_type, 0, sizeof(t->by_type));
	for (size_t i = 0; i < t->nr_ev; i++) {
		t->by_type[t->ev[i].type < KMT_EV_NR ? t->ev[i].type : 0]++;
		if (t->ev[i].cpu + 1u > max_cpu)
			max_cpu = t->ev[i].cpu + 1u;
	}
	kmt_trace_finish_counted(t, max_cpu);
}

void kmt_trace_finish_counted(struct kmt_trace *t, uint32_t max_cpu)
{
	t->nr_cpus = max_cpu > t->meta.cpus ? max_cpu : t->meta.cpus;
	if (!t->nr_cpus)
		t->nr_cpus = 1;
	if (!t->meta.page_size)
		t->meta.page_size = 4096;
}

int kmt_trace_load_mem(const char *buf, size_t len,
		       const struct kmt_opts *opts, struct kmt_trace *t,
		       struct kmt_error *err)
{
	struct kmt_parser *p;
	int rc;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	t->meta.hashed_ptrs = -1;
	if (kmt_is_kmt(buf, len))
		return kmt_decode(buf, len, opts && opts->name ? opts->name
							      : "<memory>",
				  t, err);
	p = kmt_parser_open_mem(buf, len, opts, &t->strs, &t->meta);
	rc = load_text(p, t, err);
	kmt_parser_close(p);
	if (rc) {
		kmt_trace_free(t);
		return rc;
	}
	if (!t->meta.format)
		t->meta.format = kmb_xstrdup("text");
	kmt_trace_finish(t);
	return 0;
}

/*
 * Load @path into @t, or with @c into the compact form (@t is &c->t then;
 * a text trace is loaded whole, then encoded and decoded compactly).
 */
static int load(const char *path, const struct kmt_opts *opts,
		struct kmt_trace *t, struct kmt_ctrace *c, unsigned int cflags,
		struct kmt_error *err)
{
	const char *name = opts && opts->name ? opts->name : NULL;
	struct kmt_input *in = kmb_xmalloc(sizeof(*in));
	struct kmt_parser *p;
	const unsigned char *head;
	size_t hlen;
	int rc;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	t->meta.hashed_ptrs = -1;
	if (kmt_input_open(in, path, name, err)) {
		free(in);
		return err->code;
	}
	head = kmt_input_peek(in, &hlen);
	if (kmt_is_kmt(head, hlen)) {
		char *data;
		size_t len;

		rc = kmt_input_slurp(in, &data, &len, err);
		if (rc)
			rc = err->code;
		else if (c)
			rc = kmt_decode_compact(data, len, in->name, cflags, c,
						err);
		else
			rc = kmt_decode(data, len, in->name, t, err);
		kmt_input_close(in);
		free(in);
		if (rc && !c)
			kmt_trace_free(t);
		return rc;
	}
	p = kmt_parser_from_input(in, path, opts, &t->strs, &t->meta, err);
	free(in);
	if (!p)
		return err->code;
	rc = load_text(p, t, err);
	kmt_parser_close(p);
	if (rc) {
		kmt_trace_free(t);
		return rc;
	}
	if (!t->meta.format)
		t->meta.format = kmb_xstrdup("text");
	kmt_trace_finish(t);
	if (c) {
		struct kmt_trace full = *t;

		rc = kmt_ctrace_from(&full, cflags, c, err);
		kmt_trace_free(&full);
	}
	return rc;
}

int kmt_trace_load(const char *path, const struct kmt_opts *opts,
		   struct kmt_trace *t, struct kmt_error *err)
{
	return load(path, opts, t, NULL, 0, err);
}

int kmt_ctrace_load(const char *path, const struct kmt_opts *opts,
		    unsigned int flags, struct kmt_ctrace *c,
		    struct kmt_error *err)
{
	memset(c, 0, sizeof(*c));
	return load(path, opts, &c->t, c, flags, err);
}
