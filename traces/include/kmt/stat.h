/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt/stat.h - trace statistics (`kmbench trace stat`): what perf kmem stat
 * reports (--slab --page --caller --alloc) and more.
 *
 * Definitions (as perf kmem):
 *  - slab bytes_requested / bytes_allocated: sums over successful slab
 *    allocations (kmalloc*, kmem_cache_alloc*);
 *  - internal fragmentation % = 100 - 100 * requested / allocated;
 *  - page alloc_requests / free_requests: mm_page_alloc events (failed
 *    ones included, counted apart) and page-free events of any kind;
 *  - cross-CPU frees: frees on another CPU than their allocation;
 *  - lifetime: from allocation to free, in ns and in events between;
 *  - live bytes: bytes_alloc of slab objects plus pages allocated and not
 *    yet freed (objects allocated before the capture are not seen).
 */
#ifndef KMT_STAT_H
#define KMT_STAT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kmt/trace.h"

enum kmt_stat_by { KMT_BY_NONE, KMT_BY_CALLSITE, KMT_BY_CACHE, KMT_BY_SIZE,
		   KMT_BY_ORDER };

int kmt_stat_by_parse(const char *s, enum kmt_stat_by *by);

#define KMT_LOG2_BUCKETS 48

/* One row of a --by table. */
struct kmt_stat_row {
	uint32_t key;		/* str id (callsite, cache), size or order */
	uint64_t allocs, frees, failed;
	uint64_t bytes_req, bytes_alloc;
	uint64_t remote_frees;
};

struct kmt_stats {
	uint64_t events, by_type[KMT_EV_NR];
	/* slab */
	uint64_t slab_allocs, slab_frees, slab_failed;
	uint64_t bytes_req, bytes_alloc;
	/* pages */
	uint64_t page_allocs, page_frees, page_failed, page_bytes;
	uint64_t page_by[16][8];	/* [order][migratetype] */
	/* vmalloc, percpu */
	uint64_t vmap_allocs, vmap_frees, vmap_bytes;
	uint64_t percpu_allocs, percpu_frees, percpu_bytes;
	/* object lives */
	uint64_t remote_frees, precapture_frees, implicit_frees;
	uint64_t unfreed_objs, unfreed_bytes;	/* live at the end */
	uint64_t life_ns_log2[KMT_LOG2_BUCKETS];
	uint64_t life_ev_log2[KMT_LOG2_BUCKETS];
	uint64_t size_log2[KMT_LOG2_BUCKETS];	/* slab bytes_req */
	uint64_t life_ns_sum, life_ev_sum, life_n;
	uint64_t life_ns_pct[5], life_ev_pct[5];	/* p50 p90 p99 p999 max */
	/* live bytes over time */
	uint64_t peak_live_bytes, peak_live_ts;
	uint32_t timeline_n;
	uint64_t *timeline_ts, *timeline_live;	/* [timeline_n] */
	/* pages by gfp: distinct (order, migratetype, gfp) */
	uint32_t nr_gfp_rows;
	struct { uint8_t order, mt; gfp_t gfp; uint64_t n; } *gfp_rows;
	/* the --by table */
	uint32_t nr_rows;
	struct kmt_stat_row *rows;
	enum kmt_stat_by rows_by;
	struct kmt_strtab names;	/* row names (callsite, cache) */
	uint64_t lost_events;
};

/* Compute every statistic of @t (the --by tables for every key). */
void kmt_stats_compute(const struct kmt_trace *t, struct kmt_stats *st);
/* The --by table for @by (sorted by bytes allocated, then count). */
void kmt_stats_by(const struct kmt_trace *t, struct kmt_stats *st,
		  enum kmt_stat_by by);
void kmt_stats_free(struct kmt_stats *st);

/* Human table / one JSON object (DESIGN.md keys).  0 or -1 (write). */
int kmt_stats_print(const struct kmt_trace *t, struct kmt_stats *st,
		    enum kmt_stat_by by, FILE *fp);
int kmt_stats_print_json(const struct kmt_trace *t, struct kmt_stats *st,
			 enum kmt_stat_by by, FILE *fp);

/*
 * `trace bench FILE`: parse speed against `wc -l` (a memchr line count of
 * the same bytes in this process), .kmt bytes/event and decode speed.
 */
int kmt_bench(const char *path, const struct kmt_opts *opts, FILE *fp);

#endif /* KMT_STAT_H */
