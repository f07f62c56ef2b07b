// SPDX-License-Identifier: GPL-2.0
/*
 * traces/synth.c - `kmbench trace synth --like FILE --events N`: a trace of
 * any length drawn from a real one's statistics.
 *
 * Every allocation of the real trace (slab, pages, vmalloc, percpu) is a
 * sample: its type, call site, cache, sizes, gfp, order, CPU, and what
 * became of it (freed after how many events, by which free event and call
 * site, on the same CPU or another; or never freed in the trace).  The
 * synthetic trace repeats: draw a sample uniformly, allocate like it on
 * its CPU, schedule its free that many events later (objects never freed
 * get the real trace's length as their lifetime).  Frees fall due in
 * order (a heap by due event).  Gaps between events are drawn from the
 * real trace's gaps.  So sizes, call sites, per-CPU shares, lifetimes in
 * events and the cross-CPU free ratio follow the real trace, jointly per
 * allocation.  Deterministic for a seed.
 */
#include <stdlib.h>
#include <string.h>

#include "kmt/kmt.h"
#include "kmt/synth.h"
#include "util.h"

struct sample {
	struct kmt_event alloc;		/* as allocated (obj, ts unused) */
	struct kmt_event free;		/* the free that matched, if any */
	uint64_t life;			/* in events; 0 = never freed */
};

struct due {
	uint64_t at;			/* event index the free falls due */
	uint32_t obj;
	uint32_t sample;
	uint16_t cpu;			/* allocating CPU */
};

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void heap_push(struct due *h, size_t *n, struct due d)
{
	size_t i = (*n)++;

	while (i) {
		size_t p = (i - 1) / 2;

		if (h[p].at <= d.at)
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = d;
}

static struct due heap_pop(struct due *h, size_t *n)
{
	struct due top = h[0], last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1].at < h[c].at)
			c++;
		if (last.at <= h[c].at)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

static int synth_err(struct kmt_error *err, const char *msg)
{
	memset(err, 0, sizeof(*err));
	err->code = KMB_EX_DATAERR;
	snprintf(err->msg, sizeof(err->msg), "trace synth: %s", msg);
	return err->code;
}

/* The samples of @t: one per successful allocation. */
static struct sample *collect(const struct kmt_trace *t, size_t *nsamples,
			      uint64_t **gaps, size_t *ngaps)
{
	struct sample *s = kmb_xcalloc(t->nr_objs + 1, sizeof(*s));
	uint64_t *at = kmb_xcalloc(t->nr_objs + 1, sizeof(*at));
	uint32_t *idx = kmb_xmalloc((t->nr_objs + 1) * sizeof(*idx));
	size_t n = 0;

	*gaps = kmb_xmalloc((t->nr_ev + 1) * sizeof(**gaps));
	*ngaps = 0;
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *ev = &t->ev[i];
		enum kmt_event_kind k = kmt_event_kind(ev->type);

		if (i)
			(*gaps)[(*ngaps)++] = ev->ts - t->ev[i - 1].ts;
		if (ev->obj == KMT_OBJ_NONE || ev->obj >= t->nr_objs)
			continue;
		if (k == KMT_KIND_ALLOC) {
			idx[ev->obj] = (uint32_t)n;
			at[ev->obj] = i;
			s[n].alloc = *ev;
			s[n].life = 0;
			n++;
		} else if (k == KMT_KIND_FREE) {
			struct sample *sm = &s[idx[ev->obj]];

			sm->free = *ev;
			sm->life = i - at[ev->obj];
			if (!sm->life)
				sm->life = 1;
		}
	}
	free(at);
	free(idx);
	*nsamples = n;
	return s;
}

int kmt_synth(const struct kmt_trace *like, uint64_t nr_events,
	      uint64_t seed, struct kmt_trace *out, struct kmt_error *err)
{
	struct sample *sm;
	uint64_t *gaps, ts = 0, st = seed;
	size_t nsm, ngaps, nheap = 0, cap;
	struct due *heap;
	uint32_t ncpu = like->nr_cpus ? like->nr_cpus : 1;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	out->meta.hashed_ptrs = -1;
	sm = collect(like, &nsm, &gaps, &ngaps);
	if (!nsm) {
		free(sm);
		free(gaps);
		return synth_err(err, "the trace has no allocations to follow");
	}
	if (nr_events > UINT32_MAX - 1) {
		free(sm);
		free(gaps);
		return synth_err(err, "too many events");
	}
	/* the same strings, so the same ids */
	for (uint32_t i = 1; i < like->strs.nr; i++)
		kmt_str_intern(&out->strs, like->strs.str[i],
			       like->strs.len[i]);
	out->meta.kernel = like->meta.kernel ? kmb_xstrdup(like->meta.kernel)
					     : NULL;
	out->meta.hostname = like->meta.hostname ?
				     kmb_xstrdup(like->meta.hostname) : NULL;
	out->meta.command = kmb_xstrdup("kmbench trace synth");
	out->meta.cpus = like->meta.cpus;
	out->meta.page_size = like->meta.page_size;
	out->meta.format = kmb_xstrdup("synth");
	cap = (size_t)nr_events;
	out->ev = kmb_xmalloc((cap ? cap : 1) * sizeof(*out->ev));
	heap = kmb_xmalloc((cap ? cap : 1) * sizeof(*heap));
	for (uint64_t i = 0; i < nr_events; i++) {
		struct kmt_event *ev = &out->ev[out->nr_ev];

		ts += ngaps ? gaps[rnd(&st) % ngaps] : 1000;
		if (nheap && heap[0].at <= i) {
			struct due d = heap_pop(heap, &nheap);
			const struct sample *s = &sm[d.sample];

			if (s->life) {
				*ev = s->free;
				/* remote in the real trace: another CPU here */
				if ((s->free.flags & KMT_F_REMOTE) && ncpu > 1)
					ev->cpu = (uint16_t)((d.cpu + 1 +
						   rnd(&st) % (ncpu - 1)) % ncpu);
				else
					ev->cpu = d.cpu;
			} else {
				/* never freed in the real trace: a plain free
				 * of its kind on its CPU */
				memset(ev, 0, sizeof(*ev));
				ev->type = (uint8_t)kmt_free_type_of(
					(enum kmt_event_type)s->alloc.type);
				ev->cpu = d.cpu;
				ev->pid = s->alloc.pid;
				ev->u.mem.node = KMT_NODE_NONE;
				ev->u.mem.order = s->alloc.u.mem.order;
				ev->u.mem.cache = s->alloc.u.mem.cache;
			}
			ev->flags &= (uint8_t)~(KMT_F_REMOTE | KMT_F_IMPLICIT |
						KMT_F_PRECAPTURE);
			if (ev->cpu != d.cpu)
				ev->flags |= KMT_F_REMOTE;
			ev->obj = d.obj;
			ev->u.mem.alloc_cpu = d.cpu;
		} else {
			uint32_t k = (uint32_t)(rnd(&st) % nsm);
			const struct sample *s = &sm[k];
			uint64_t life = s->life ? s->life : like->nr_ev;

			*ev = s->alloc;
			ev->flags &= (uint8_t)~KMT_F_FAILED;
			ev->obj = out->nr_objs++;
			heap_push(heap, &nheap, (struct due){
				.at = i + life, .obj = ev->obj, .sample = k,
				.cpu = ev->cpu });
		}
		ev->ts = ts;
		out->nr_ev++;
	}
	free(heap);
	free(sm);
	free(gaps);
	kmt_trace_finish(out);
	return 0;
}
