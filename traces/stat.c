// SPDX-License-Identifier: GPL-2.0
/*
 * traces/stat.c - trace statistics (`kmbench trace stat`); definitions in
 * kmt/stat.h.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kmt/stat.h"
#include "util.h"

#define TIMELINE_POINTS 64

static const char *const by_names[] = {
	[KMT_BY_NONE] = "none", [KMT_BY_CALLSITE] = "callsite",
	[KMT_BY_CACHE] = "cache", [KMT_BY_SIZE] = "size",
	[KMT_BY_ORDER] = "order",
};

int kmt_stat_by_parse(const char *s, enum kmt_stat_by *by)
{
	for (int i = KMT_BY_CALLSITE; i <= KMT_BY_ORDER; i++)
		if (!strcmp(s, by_names[i])) {
			*by = (enum kmt_stat_by)i;
			return 0;
		}
	return -1;
}

static bool is_slab(unsigned int t)
{
	return t >= KMT_EV_KMALLOC && t <= KMT_EV_KMEM_CACHE_FREE;
}

static bool is_page(unsigned int t)
{
	return t >= KMT_EV_MM_PAGE_ALLOC && t <= KMT_EV_MM_PAGEVEC_FREE;
}

static bool is_vmap(unsigned int t)
{
	return t >= KMT_EV_ALLOC_VMAP_AREA && t <= KMT_EV_VFREE;
}

static unsigned int log2_bucket(uint64_t x)
{
	unsigned int b = x ? 64 - (unsigned int)__builtin_clzll(x) : 0;

	return b < KMT_LOG2_BUCKETS ? b : KMT_LOG2_BUCKETS - 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void percentiles(uint64_t *v, size_t n, uint64_t out[5])
{
	static const double q[4] = { 0.50, 0.90, 0.99, 0.999 };

	memset(out, 0, 5 * sizeof(*out));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (int i = 0; i < 4; i++)
		out[i] = v[(size_t)(q[i] * (double)(n - 1))];
	out[4] = v[n - 1];
}

void kmt_stats_compute(const struct kmt_trace *t, struct kmt_stats *st)
{
	uint64_t *alloc_ts, *alloc_idx, *life_ns, *life_ev;
	uint32_t *alloc_bytes;
	uint8_t *alloc_kind;	/* 0 none/freed, 1 slab, 2 page, 3 other */
	uint64_t live_slab = 0, live = 0, end_ts;
	size_t nlife = 0;
	uint32_t next_sample = 0;

	memset(st, 0, sizeof(*st));
	/* tracepoint events: the implicit frees are ours, not the kernel's */
	for (size_t i = 0; i < t->nr_ev; i++)
		if (!(t->ev[i].flags & KMT_F_IMPLICIT)) {
			st->events++;
			st->by_type[t->ev[i].type < KMT_EV_NR ? t->ev[i].type
							       : 0]++;
		}
	for (uint32_t c = 0; c < t->meta.nr_lost_cpus; c++)
		st->lost_events += t->meta.lost_events[c];
	alloc_ts = kmb_xcalloc(t->nr_objs + 1, sizeof(*alloc_ts));
	alloc_idx = kmb_xcalloc(t->nr_objs + 1, sizeof(*alloc_idx));
	alloc_bytes = kmb_xcalloc(t->nr_objs + 1, sizeof(*alloc_bytes));
	alloc_kind = kmb_xcalloc(t->nr_objs + 1, 1);
	life_ns = kmb_xmalloc((t->nr_objs + 1) * sizeof(*life_ns));
	life_ev = kmb_xmalloc((t->nr_objs + 1) * sizeof(*life_ev));
	st->timeline_ts = kmb_xcalloc(TIMELINE_POINTS, sizeof(uint64_t));
	st->timeline_live = kmb_xcalloc(TIMELINE_POINTS, sizeof(uint64_t));
	end_ts = t->nr_ev ? t->ev[t->nr_ev - 1].ts : 0;
	(void)live_slab;

	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *ev = &t->ev[i];
		enum kmt_event_kind kind = kmt_event_kind(ev->type);
		uint32_t bytes = ev->u.mem.bytes_alloc;

		if (kind == KMT_KIND_ALLOC) {
			bool failed = ev->flags & KMT_F_FAILED;

			if (is_slab(ev->type)) {
				st->slab_allocs++;
				if (failed) {
					st->slab_failed++;
				} else {
					st->bytes_req += ev->u.mem.bytes_req;
					st->bytes_alloc += bytes;
					st->size_log2[log2_bucket(
						ev->u.mem.bytes_req)]++;
				}
			} else if (is_page(ev->type)) {
				st->page_allocs++;
				if (failed) {
					st->page_failed++;
				} else {
					unsigned int o = ev->u.mem.order & 15;
					unsigned int m =
						ev->u.mem.migratetype & 7;

					st->page_bytes += bytes;
					st->page_by[o][m]++;
				}
			} else if (is_vmap(ev->type)) {
				st->vmap_allocs++;
				if (!failed)
					st->vmap_bytes += bytes;
			} else {
				st->percpu_allocs++;
				if (!failed)
					st->percpu_bytes += bytes;
			}
			if (!failed && ev->obj != KMT_OBJ_NONE &&
			    ev->obj < t->nr_objs) {
				alloc_ts[ev->obj] = ev->ts;
				alloc_idx[ev->obj] = i;
				alloc_bytes[ev->obj] = bytes;
				alloc_kind[ev->obj] = is_slab(ev->type) ? 1 :
						      is_page(ev->type) ? 2 : 3;
				if (alloc_kind[ev->obj] <= 2)
					live += bytes;
			}
		} else if (kind == KMT_KIND_FREE) {
			bool implicit = ev->flags & KMT_F_IMPLICIT;

			/* free counts are the kernel's events */
			if (implicit)
				;
			else if (is_slab(ev->type))
				st->slab_frees++;
			else if (is_page(ev->type))
				st->page_frees++;
			else if (is_vmap(ev->type))
				st->vmap_frees++;
			else
				st->percpu_frees++;
			if (ev->flags & KMT_F_PRECAPTURE)
				st->precapture_frees++;
			if (ev->flags & KMT_F_IMPLICIT)
				st->implicit_frees++;
			if (ev->flags & KMT_F_REMOTE)
				st->remote_frees++;
			if (ev->obj != KMT_OBJ_NONE && ev->obj < t->nr_objs &&
			    alloc_kind[ev->obj] && implicit) {
				/* gone, but when is not known: no lifetime */
				if (alloc_kind[ev->obj] <= 2)
					live -= alloc_bytes[ev->obj];
				alloc_kind[ev->obj] = 0;
			} else if (ev->obj != KMT_OBJ_NONE &&
				   ev->obj < t->nr_objs &&
				   alloc_kind[ev->obj]) {
				uint64_t ns = ev->ts - alloc_ts[ev->obj];
				uint64_t ne = i - alloc_idx[ev->obj];

				life_ns[nlife] = ns;
				life_ev[nlife++] = ne;
				st->life_ns_log2[log2_bucket(ns)]++;
				st->life_ev_log2[log2_bucket(ne)]++;
				st->life_ns_sum += ns;
				st->life_ev_sum += ne;
				if (alloc_kind[ev->obj] <= 2)
					live -= alloc_bytes[ev->obj];
				alloc_kind[ev->obj] = 0;
			}
		}
		if (live > st->peak_live_bytes) {
			st->peak_live_bytes = live;
			st->peak_live_ts = ev->ts;
		}
		while (next_sample < TIMELINE_POINTS &&
		       (end_ts == 0 ||
			ev->ts >= end_ts / (TIMELINE_POINTS - 1) *
					  next_sample)) {
			st->timeline_ts[next_sample] = ev->ts;
			st->timeline_live[next_sample] = live;
			next_sample++;
			if (end_ts == 0)
				break;
		}
	}
	st->timeline_n = next_sample;
	st->life_n = nlife;
	for (uint32_t o = 0; o < t->nr_objs; o++)
		if (alloc_kind[o]) {
			st->unfreed_objs++;
			st->unfreed_bytes += alloc_bytes[o];
		}
	percentiles(life_ns, nlife, st->life_ns_pct);
	percentiles(life_ev, nlife, st->life_ev_pct);

	/* page allocations by order x migratetype x gfp */
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *ev = &t->ev[i];
		uint32_t r;

		if (ev->type != KMT_EV_MM_PAGE_ALLOC ||
		    (ev->flags & KMT_F_FAILED))
			continue;
		for (r = 0; r < st->nr_gfp_rows; r++)
			if (st->gfp_rows[r].order == ev->u.mem.order &&
			    st->gfp_rows[r].mt == ev->u.mem.migratetype &&
			    st->gfp_rows[r].gfp == ev->u.mem.gfp)
				break;
		if (r == st->nr_gfp_rows) {
			if (r >= 4096)
				continue;	/* bounded table */
			st->gfp_rows = kmb_xrealloc(st->gfp_rows,
						    (r + 1) *
							sizeof(*st->gfp_rows));
			st->gfp_rows[r].order = ev->u.mem.order;
			st->gfp_rows[r].mt = ev->u.mem.migratetype;
			st->gfp_rows[r].gfp = ev->u.mem.gfp;
			st->gfp_rows[r].n = 0;
			st->nr_gfp_rows++;
		}
		st->gfp_rows[r].n++;
	}
	free(alloc_ts);
	free(alloc_idx);
	free(alloc_bytes);
	free(alloc_kind);
	free(life_ns);
	free(life_ev);
}

/* ---- --by tables ---- */

static uint32_t row_key(const struct kmt_trace *t, struct kmt_stats *st,
			const struct kmt_event *ev, enum kmt_stat_by by)
{
	char name[64];

	switch (by) {
	case KMT_BY_CALLSITE: {
		const char *s = kmt_str(&t->strs, ev->site);

		return kmt_str_intern(&st->names, *s ? s : "?",
				      *s ? strlen(s) : 1);
	}
	case KMT_BY_CACHE: {
		const char *s = kmt_str(&t->strs, ev->u.mem.cache);
		int n;

		if (*s)
			return kmt_str_intern(&st->names, s, strlen(s));
		if (ev->type == KMT_EV_KMALLOC ||
		    ev->type == KMT_EV_KMALLOC_NODE)
			n = snprintf(name, sizeof(name), "kmalloc-%u",
				     ev->u.mem.bytes_alloc);
		else
			n = snprintf(name, sizeof(name), "cache-%u",
				     ev->u.mem.bytes_alloc);
		return kmt_str_intern(&st->names, name, (size_t)n);
	}
	case KMT_BY_SIZE:
		return ev->u.mem.bytes_req;
	default:
		return ev->u.mem.order;
	}
}

static int cmp_row(const void *a, const void *b)
{
	const struct kmt_stat_row *x = a, *y = b;

	if (x->bytes_alloc != y->bytes_alloc)
		return x->bytes_alloc > y->bytes_alloc ? -1 : 1;
	if (x->allocs != y->allocs)
		return x->allocs > y->allocs ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_row_key(const void *a, const void *b)
{
	const struct kmt_stat_row *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

void kmt_stats_by(const struct kmt_trace *t, struct kmt_stats *st,
		  enum kmt_stat_by by)
{
	uint32_t *obj_row, *slot, nslots = 1024, mask;
	bool pages = by == KMT_BY_ORDER;

	free(st->rows);
	st->rows = NULL;
	st->nr_rows = 0;
	st->rows_by = by;
	if (by == KMT_BY_NONE)
		return;
	obj_row = kmb_xmalloc((t->nr_objs + 1) * sizeof(*obj_row));
	memset(obj_row, 0xff, (t->nr_objs + 1) * sizeof(*obj_row));
	slot = kmb_xmalloc(nslots * sizeof(*slot));
	memset(slot, 0xff, nslots * sizeof(*slot));
	mask = nslots - 1;
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *ev = &t->ev[i];
		enum kmt_event_kind kind = kmt_event_kind(ev->type);
		struct kmt_stat_row *row;
		uint32_t key, h, r;

		if (pages ? !is_page(ev->type) : !is_slab(ev->type))
			continue;
		if (kind == KMT_KIND_FREE) {
			if (ev->obj == KMT_OBJ_NONE || ev->obj >= t->nr_objs ||
			    obj_row[ev->obj] == UINT32_MAX)
				continue;
			row = &st->rows[obj_row[ev->obj]];
			row->frees++;
			if (ev->flags & KMT_F_REMOTE)
				row->remote_frees++;
			continue;
		}
		key = row_key(t, st, ev, by);
		for (h = (key * 2654435761u) & mask; slot[h] != UINT32_MAX;
		     h = (h + 1) & mask)
			if (st->rows[slot[h]].key == key)
				break;
		r = slot[h];
		if (r == UINT32_MAX) {
			r = st->nr_rows++;
			st->rows = kmb_xrealloc(st->rows,
						st->nr_rows * sizeof(*st->rows));
			memset(&st->rows[r], 0, sizeof(st->rows[r]));
			st->rows[r].key = key;
			slot[h] = r;
			if (st->nr_rows * 2 > nslots) {
				nslots *= 2;
				mask = nslots - 1;
				slot = kmb_xrealloc(slot,
						    nslots * sizeof(*slot));
				memset(slot, 0xff, nslots * sizeof(*slot));
				for (uint32_t j = 0; j < st->nr_rows; j++) {
					uint32_t k = st->rows[j].key;

					for (h = (k * 2654435761u) & mask;
					     slot[h] != UINT32_MAX;
					     h = (h + 1) & mask)
						;
					slot[h] = j;
				}
			}
		}
		row = &st->rows[r];
		row->allocs++;
		if (ev->flags & KMT_F_FAILED) {
			row->failed++;
			continue;
		}
		row->bytes_req += ev->u.mem.bytes_req;
		row->bytes_alloc += ev->u.mem.bytes_alloc;
		if (ev->obj != KMT_OBJ_NONE && ev->obj < t->nr_objs)
			obj_row[ev->obj] = r;
	}
	qsort(st->rows, st->nr_rows, sizeof(*st->rows),
	      by == KMT_BY_SIZE || by == KMT_BY_ORDER ? cmp_row_key : cmp_row);
	free(slot);
	free(obj_row);
}

void kmt_stats_free(struct kmt_stats *st)
{
	free(st->timeline_ts);
	free(st->timeline_live);
	free(st->gfp_rows);
	free(st->rows);
	kmt_strtab_free(&st->names);
	memset(st, 0, sizeof(*st));
}

/* ---- output ---- */

static double frag_pct(uint64_t req, uint64_t alloc)
{
	return alloc ? 100.0 - 100.0 * (double)req / (double)alloc : 0.0;
}

static const char *const mt_names[8] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA",
	"Isolate", "6", "7",
};

static void row_name(const struct kmt_stats *st, const struct kmt_stat_row *r,
		     char *buf, size_t len)
{
	if (st->rows_by == KMT_BY_CALLSITE || st->rows_by == KMT_BY_CACHE)
		snprintf(buf, len, "%s", kmt_str(&st->names, r->key));
	else
		snprintf(buf, len, "%u", r->key);
}

int kmt_stats_print(const struct kmt_trace *t, struct kmt_stats *st,
		    enum kmt_stat_by by, FILE *fp)
{
	char gfp[200], name[80];

	fprintf(fp, "SUMMARY\n=======\n");
	fprintf(fp, "events:                       %" PRIu64 "\n", st->events);
	for (int i = 1; i < KMT_EV_NR; i++)
		if (st->by_type[i])
			fprintf(fp, "  %-27s %" PRIu64 "\n",
				kmt_event_name((enum kmt_event_type)i),
				st->by_type[i]);
	fprintf(fp, "lost events:                  %" PRIu64 "%s\n",
		st->lost_events, st->lost_events ? " (incomplete trace)" : "");
	fprintf(fp, "\nSLAB\n====\n");
	fprintf(fp, "allocations:                  %" PRIu64 " (%" PRIu64
		" failed)\n", st->slab_allocs, st->slab_failed);
	fprintf(fp, "frees:                        %" PRIu64 "\n",
		st->slab_frees);
	fprintf(fp, "total bytes requested:        %" PRIu64 "\n",
		st->bytes_req);
	fprintf(fp, "total bytes allocated:        %" PRIu64 "\n",
		st->bytes_alloc);
	fprintf(fp, "internal fragmentation:       %.6f%%\n",
		frag_pct(st->bytes_req, st->bytes_alloc));
	fprintf(fp, "cross-CPU frees (all kinds):  %" PRIu64 "\n",
		st->remote_frees);
	fprintf(fp, "\nPAGE\n====\n");
	fprintf(fp, "total allocation requests:    %" PRIu64 " (%" PRIu64
		" failed)\n", st->page_allocs, st->page_failed);
	fprintf(fp, "total free requests:          %" PRIu64 "\n",
		st->page_frees);
	fprintf(fp, "total bytes allocated:        %" PRIu64 "\n",
		st->page_bytes);
	fprintf(fp, "\n order  %-12s  %10s\n", "migratetype", "allocs");
	for (int o = 0; o < 16; o++)
		for (int m = 0; m < 8; m++)
			if (st->page_by[o][m])
				fprintf(fp, " %5d  %-12s  %10" PRIu64 "\n", o,
					mt_names[m], st->page_by[o][m]);
	if (st->nr_gfp_rows) {
		fprintf(fp, "\n order  %-12s  %10s  gfp_flags\n",
			"migratetype", "allocs");
		for (uint32_t r = 0; r < st->nr_gfp_rows; r++) {
			kmt_gfp_format(st->gfp_rows[r].gfp, gfp, sizeof(gfp));
			fprintf(fp, " %5u  %-12s  %10" PRIu64 "  %s\n",
				st->gfp_rows[r].order,
				mt_names[st->gfp_rows[r].mt & 7],
				st->gfp_rows[r].n, gfp);
		}
	}
	if (st->vmap_allocs || st->percpu_allocs)
		fprintf(fp, "\nvmalloc: %" PRIu64 " allocs %" PRIu64
			" frees %" PRIu64 " bytes; percpu: %" PRIu64
			" allocs %" PRIu64 " frees %" PRIu64 " bytes\n",
			st->vmap_allocs, st->vmap_frees, st->vmap_bytes,
			st->percpu_allocs, st->percpu_frees, st->percpu_bytes);
	fprintf(fp, "\nOBJECTS\n=======\n");
	fprintf(fp, "frees of pre-capture objects: %" PRIu64 "\n",
		st->precapture_frees);
	fprintf(fp, "implicit frees (lost frees):  %" PRIu64 "\n",
		st->implicit_frees);
	fprintf(fp, "not freed at the end:         %" PRIu64 " (%" PRIu64
		" bytes)\n", st->unfreed_objs, st->unfreed_bytes);
	fprintf(fp, "lifetime (ns):     mean %.0f  p50 %" PRIu64 "  p90 %"
		PRIu64 "  p99 %" PRIu64 "  max %" PRIu64 "\n",
		st->life_n ? (double)st->life_ns_sum / (double)st->life_n : 0.0,
		st->life_ns_pct[0], st->life_ns_pct[1], st->life_ns_pct[2],
		st->life_ns_pct[4]);
	fprintf(fp, "lifetime (events): p50 %" PRIu64 "  p90 %" PRIu64
		"  p99 %" PRIu64 "  max %" PRIu64 "\n", st->life_ev_pct[0],
		st->life_ev_pct[1], st->life_ev_pct[2], st->life_ev_pct[4]);
	fprintf(fp, "peak live bytes (slab + pages): %" PRIu64 " at %.6f s\n",
		st->peak_live_bytes, (double)st->peak_live_ts / 1e9);
	fprintf(fp, "\nslab request sizes (log2 buckets):\n");
	for (int b = 0; b < KMT_LOG2_BUCKETS; b++)
		if (st->size_log2[b])
			fprintf(fp, "  <= %-10llu %10" PRIu64 "\n",
				b ? (1ull << b) - 1 : 0ull, st->size_log2[b]);
	if (by != KMT_BY_NONE) {
		kmt_stats_by(t, st, by);
		fprintf(fp, "\n%-40s %10s %10s %12s %12s %8s %8s\n",
			by_names[by], "allocs", "frees", "req bytes",
			"alloc bytes", "frag%", "remote");
		for (uint32_t r = 0; r < st->nr_rows; r++) {
			const struct kmt_stat_row *w = &st->rows[r];

			row_name(st, w, name, sizeof(name));
			fprintf(fp, "%-40.40s %10" PRIu64 " %10" PRIu64
				" %12" PRIu64 " %12" PRIu64 " %8.3f %8" PRIu64
				"\n", name, w->allocs, w->frees, w->bytes_req,
				w->bytes_alloc,
				frag_pct(w->bytes_req, w->bytes_alloc),
				w->remote_frees);
		}
	}
	return ferror(fp) ? -1 : 0;
}

static void json_pct(struct json_writer *w, const char *key,
		     const uint64_t p[5], double mean)
{
	json_key(w, key);
	json_object_begin(w);
	json_kv_double(w, "mean", mean);
	json_kv_uint(w, "p50", p[0]);
	json_kv_uint(w, "p90", p[1]);
	json_kv_uint(w, "p99", p[2]);
	json_kv_uint(w, "p999", p[3]);
	json_kv_uint(w, "max", p[4]);
	json_object_end(w);
}

static void json_hist(struct json_writer *w, const char *key,
		      const uint64_t *h)
{
	int last = -1;

	for (int b = 0; b < KMT_LOG2_BUCKETS; b++)
		if (h[b])
			last = b;
	json_key(w, key);
	json_array_begin(w);
	for (int b = 0; b <= last; b++)
		json_uint(w, h[b]);
	json_array_end(w);
}

int kmt_stats_print_json(const struct kmt_trace *t, struct kmt_stats *st,
			 enum kmt_stat_by by, FILE *fp)
{
	struct json_writer w;
	char gfp[200], name[256];

	json_init(&w, fp, false);
	json_object_begin(&w);
	json_kv_int(&w, "schema", 1);
	json_key(&w, "events");
	json_object_begin(&w);
	json_kv_uint(&w, "total", st->events);
	json_key(&w, "by_event");
	json_object_begin(&w);
	for (int i = 1; i < KMT_EV_NR; i++)
		if (st->by_type[i])
			json_kv_uint(&w, kmt_event_name((enum kmt_event_type)i),
				     st->by_type[i]);
	json_object_end(&w);
	json_kv_uint(&w, "lost", st->lost_events);
	json_key(&w, "lost_by_cpu");
	json_object_begin(&w);
	for (uint32_t c = 0; c < t->meta.nr_lost_cpus; c++)
		if (t->meta.lost_events[c]) {
			char k[16];

			snprintf(k, sizeof(k), "%u", c);
			json_kv_uint(&w, k, t->meta.lost_events[c]);
		}
	json_object_end(&w);
	json_kv_uint(&w, "unknown", t->counts.unknown_events);
	json_key(&w, "skipped");
	json_object_begin(&w);
	for (int i = 0; i < KMT_SKIP_NR; i++)
		if (t->counts.skipped[i])
			json_kv_uint(&w,
				     kmt_skip_reason_name(
					     (enum kmt_skip_reason)i),
				     t->counts.skipped[i]);
	json_object_end(&w);
	json_object_end(&w);

	json_key(&w, "slab");
	json_object_begin(&w);
	json_kv_uint(&w, "allocs", st->slab_allocs);
	json_kv_uint(&w, "frees", st->slab_frees);
	json_kv_uint(&w, "failed", st->slab_failed);
	json_kv_uint(&w, "bytes_requested", st->bytes_req);
	json_kv_uint(&w, "bytes_allocated", st->bytes_alloc);
	json_kv_double(&w, "internal_fragmentation_pct",
		       frag_pct(st->bytes_req, st->bytes_alloc));
	json_hist(&w, "size_histogram_log2", st->size_log2);
	json_object_end(&w);

	json_key(&w, "page");
	json_object_begin(&w);
	json_kv_uint(&w, "alloc_requests", st->page_allocs);
	json_kv_uint(&w, "free_requests", st->page_frees);
	json_kv_uint(&w, "failed", st->page_failed);
	json_kv_uint(&w, "bytes_allocated", st->page_bytes);
	json_key(&w, "by_order_migratetype_gfp");
	json_array_begin(&w);
	for (uint32_t r = 0; r < st->nr_gfp_rows; r++) {
		kmt_gfp_format(st->gfp_rows[r].gfp, gfp, sizeof(gfp));
		json_object_begin(&w);
		json_kv_uint(&w, "order", st->gfp_rows[r].order);
		json_kv_uint(&w, "migratetype", st->gfp_rows[r].mt);
		json_kv_string(&w, "gfp_flags", gfp);
		json_kv_uint(&w, "count", st->gfp_rows[r].n);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);

	json_key(&w, "vmalloc");
	json_object_begin(&w);
	json_kv_uint(&w, "allocs", st->vmap_allocs);
	json_kv_uint(&w, "frees", st->vmap_frees);
	json_kv_uint(&w, "bytes", st->vmap_bytes);
	json_object_end(&w);
	json_key(&w, "percpu");
	json_object_begin(&w);
	json_kv_uint(&w, "allocs", st->percpu_allocs);
	json_kv_uint(&w, "frees", st->percpu_frees);
	json_kv_uint(&w, "bytes", st->percpu_bytes);
	json_object_end(&w);

	json_key(&w, "objects");
	json_object_begin(&w);
	json_kv_uint(&w, "cross_cpu_frees", st->remote_frees);
	json_kv_uint(&w, "precapture_frees", st->precapture_frees);
	json_kv_uint(&w, "implicit_frees", st->implicit_frees);
	json_kv_uint(&w, "unfreed", st->unfreed_objs);
	json_kv_uint(&w, "unfreed_bytes", st->unfreed_bytes);
	json_object_end(&w);

	json_key(&w, "lifetime");
	json_object_begin(&w);
	json_kv_uint(&w, "count", st->life_n);
	json_pct(&w, "ns", st->life_ns_pct,
		 st->life_n ? (double)st->life_ns_sum / (double)st->life_n
			    : 0.0);
	json_pct(&w, "events", st->life_ev_pct,
		 st->life_n ? (double)st->life_ev_sum / (double)st->life_n
			    : 0.0);
	json_hist(&w, "ns_histogram_log2", st->life_ns_log2);
	json_hist(&w, "events_histogram_log2", st->life_ev_log2);
	json_object_end(&w);

	json_key(&w, "live");
	json_object_begin(&w);
	json_kv_uint(&w, "peak_bytes", st->peak_live_bytes);
	json_kv_uint(&w, "peak_ts_ns", st->peak_live_ts);
	json_key(&w, "timeline");
	json_array_begin(&w);
	for (uint32_t i = 0; i < st->timeline_n; i++) {
		json_array_begin(&w);
		json_uint(&w, st->timeline_ts[i]);
		json_uint(&w, st->timeline_live[i]);
		json_array_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);

	if (by != KMT_BY_NONE) {
		kmt_stats_by(t, st, by);
		json_key(&w, "by");
		json_object_begin(&w);
		json_kv_string(&w, "key", by_names[by]);
		json_key(&w, "rows");
		json_array_begin(&w);
		for (uint32_t r = 0; r < st->nr_rows; r++) {
			const struct kmt_stat_row *x = &st->rows[r];

			row_name(st, x, name, sizeof(name));
			json_object_begin(&w);
			json_kv_string(&w, "name", name);
			json_kv_uint(&w, "allocs", x->allocs);
			json_kv_uint(&w, "frees", x->frees);
			json_kv_uint(&w, "failed", x->failed);
			json_kv_uint(&w, "bytes_requested", x->bytes_req);
			json_kv_uint(&w, "bytes_allocated", x->bytes_alloc);
			json_kv_double(&w, "internal_fragmentation_pct",
				       frag_pct(x->bytes_req, x->bytes_alloc));
			json_kv_uint(&w, "cross_cpu_frees", x->remote_frees);
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
	}
	json_object_end(&w);
	return json_finish(&w);
}
