// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_replay.c - `kmbench replay TRACE [--alloc NAME] [--threads
 * percpu|1] [--touch none|first|all] [--timeline N] [--untimed] [--verify]
 * [--json]`: one trace through one allocator, with a readable table or one
 * JSON object (docs/results-schema.md).
 *
 * Text traces are converted to .kmt once: the result is cached under a
 * hash of the file's bytes (cache_path()), so a second replay of the same
 * file starts at once.
 *
 * kmm and null replay in this process; the baselines in their helper
 * executables (replay_helper.h).  For every timed replay of a real
 * allocator the null backend replays the same image too, and its cost per
 * op is printed beside the allocator's (the harness floor).
 */
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "baseline.h"
#include "commands.h"
#include "json.h"
#include "replay_helper.h"
#include "tsc.h"
#include "util.h"

#if __has_include("kmt/trace.h")
#include "kmt/kmt.h"
#include "kmt/trace.h"
#define HAVE_KMT 1
#else
#define HAVE_KMT 0
#endif

static int replay_load_error;

struct replay_args {
	const char *trace;
	const char *alloc;
	struct replay_opts o;
	bool json;
};

static void replay_usage(FILE *fp)
{
	fprintf(fp,
		"usage: kmbench replay TRACE [--alloc NAME] [--threads percpu|1]\n"
		"         [--touch none|first|all] [--timeline N] [--untimed]\n"
		"         [--verify] [--kmm-slab sheaves|cpu-slabs]\n"
		"         [--cold] [--json]\n\n"
		"Replay a trace (.kmt, or ftrace/trace-cmd/perf text, compressed or\n"
		"not, '-' for stdin) through one allocator and report per-op latency,\n"
		"throughput, fragmentation, fidelity to the traced kernel, counters.\n\n"
		"  --alloc NAME     kmm (default), glibc, jemalloc, tcmalloc, mimalloc,\n"
		"                   null (a bump allocator: the harness's own cost)\n"
		"  --threads MODE   percpu (default): a thread per traced CPU, remote\n"
		"                   frees wait for their allocation; 1: one thread\n"
		"  --touch MODE     write none, the first cache line or all of each\n"
		"                   allocated object (default none)\n"
		"  --timeline N     a sample every N events (live bytes, footprint, ...)\n"
		"  --untimed        no per-op timing: events per second only\n"
		"  --verify         check at each free that a touched object still\n"
		"                   holds what was written (implies --touch first)\n"
		"  --kmm-slab KIND  kmm's per-CPU slab layer: sheaves (default; every\n"
		"                   cache, as kernels since 7.0) or cpu-slabs (SLUB's\n"
		"                   CPU and CPU partial slabs, as 6.18 for kmalloc)\n"
		"  --cold           no warm start (by default, before the clock, each\n"
		"                   thread allocates and frees one object of every\n"
		"                   kmalloc class and cache of its share of the trace)\n"
		"  --json           one JSON object (docs/results-schema.md)\n");
}

static bool known_alloc(const char *a)
{
	if (!strcmp(a, "kmm") || !strcmp(a, "null"))
		return true;
	for (int i = 0; baseline_names[i]; i++)
		if (!strcmp(a, baseline_names[i]))
			return true;
	return false;
}

static int parse_args(int argc, char **argv, struct replay_args *a)
{
	memset(a, 0, sizeof(*a));
	a->alloc = "kmm";
	a->o.percpu = true;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			replay_usage(stdout);
			return -1;
		} else if (!strcmp(s, "--json")) {
			a->json = true;
		} else if (!strcmp(s, "--untimed")) {
			a->o.untimed = true;
		} else if (!strcmp(s, "--cold")) {
			a->o.cold = true;
		} else if (!strcmp(s, "--verify")) {
			a->o.verify = true;
		} else if (!strcmp(s, "--alloc") && v) {
			a->alloc = v;
			i++;
		} else if (!strcmp(s, "--threads") && v) {
			if (!strcmp(v, "percpu"))
				a->o.percpu = true;
			else if (!strcmp(v, "1"))
				a->o.percpu = false;
			else
				goto bad_value;
			i++;
		} else if (!strcmp(s, "--touch") && v) {
			if (!strcmp(v, "none"))
				a->o.touch = TOUCH_NONE;
			else if (!strcmp(v, "first"))
				a->o.touch = TOUCH_FIRST;
			else if (!strcmp(v, "all"))
				a->o.touch = TOUCH_ALL;
			else
				goto bad_value;
			i++;
		} else if (!strcmp(s, "--kmm-slab") && v) {
			if (!strcmp(v, "sheaves"))
				a->o.kmm_cpu_slabs = false;
			else if (!strcmp(v, "cpu-slabs"))
				a->o.kmm_cpu_slabs = true;
			else
				goto bad_value;
			i++;
		} else if (!strcmp(s, "--timeline") && v) {
			if (!kmb_parse_u64(v, &a->o.timeline, true) ||
			    !a->o.timeline)
				goto bad_value;
			i++;
		} else if (s[0] == '-' && s[1]) {
			kmb_warn("replay: unknown option '%s'%s", s,
				 v ? "" : " (or missing value)");
			return KMB_EX_USAGE;
		} else if (!a->trace) {
			a->trace = s;
		} else {
			kmb_warn("replay: one trace at a time ('%s')", s);
			return KMB_EX_USAGE;
		}
		continue;
bad_value:
		kmb_warn("replay: bad value '%s' for %s", v, s);
		return KMB_EX_USAGE;
	}
	if (!a->trace) {
		kmb_warn("replay: which trace? (kmbench replay --help)");
		return KMB_EX_USAGE;
	}
	if (!known_alloc(a->alloc)) {
		kmb_warn("replay: unknown allocator '%s' (kmm, glibc, jemalloc, "
			 "tcmalloc, mimalloc, null)", a->alloc);
		return KMB_EX_USAGE;
	}
	if (a->o.verify && a->o.touch == TOUCH_NONE)
		a->o.touch = TOUCH_FIRST;
	return 0;
}

int replay_image_run(const char *alloc, const struct replay_image *im,
		     const struct replay_opts *o, struct replay_run *run)
{
	if (replay_run_init(run)) {
		kmb_warn("replay: out of memory");
		return KMB_EX_SOFTWARE;
	}
	if (!strcmp(alloc, "null"))
		return replay_with_null(im, o, run);
	if (!strcmp(alloc, "kmm"))
		return replay_with_kmm(im, o, run);
	return replay_in_helper(alloc, im, o, run);
}

/* ---- output ---- */

static double ticks_ns(const struct replay_result *r, double ticks)
{
	return ticks * r->ns_per_tick;
}

/* One op's histogram over every class and path */
static struct hist *op_total(const struct replay_run *run, int op,
			     struct hist *tmp)
{
	bool any = false;

	hist_init(tmp);
	for (int c = 0; c < RCLASS_NR; c++)
		for (int p = 0; p < RPATH_NR; p++)
			if (run->h[op][c][p]) {
				hist_merge(tmp, run->h[op][c][p]);
				any = true;
			}
	return any ? tmp : NULL;
}

static void json_ns(struct json_writer *w, const struct replay_result *r,
		    const struct hist *h)
{
	json_key(w, "ns");
	json_object_begin(w);
	json_kv_double(w, "mean", ticks_ns(r, hist_mean(h)));
	json_kv_double(w, "p50", ticks_ns(r, hist_quantile(h, 0.50)));
	json_kv_double(w, "p90", ticks_ns(r, hist_quantile(h, 0.90)));
	json_kv_double(w, "p99", ticks_ns(r, hist_quantile(h, 0.99)));
	json_kv_double(w, "p999", ticks_ns(r, hist_quantile(h, 0.999)));
	json_kv_double(w, "max", ticks_ns(r, (double)h->max));
	json_object_end(w);
}

/* Replayed events per second of CPU time (task-clock), NAN unknown: on a
 * busy machine this is steadier than wall time */
static double events_per_cpu_sec(const struct replay_result *r)
{
	if (!r->counters.sw_ok[0] || !r->counters.sw[0])
		return NAN;
	return (double)r->replayed * 1e9 / (double)r->counters.sw[0];
}

static double pct_internal(uint64_t req, uint64_t given)
{
	return given ? 100.0 - 100.0 * (double)req / (double)given : 0.0;
}

static void json_ops(struct json_writer *w, const struct replay_run *run,
		     const struct replay_run *null_run)
{
	const struct replay_result *r = run->res;
	static struct hist tmp, ntmp, cls_tmp;

	json_key(w, "ops");
	json_object_begin(w);
	for (int op = 0; op < ROP_NR; op++) {
		const struct hist *h = op_total(run, op, &tmp);
		const struct hist *nh = null_run ?
			op_total(null_run, op, &ntmp) : NULL;

		if (!r->count[op])
			continue;
		json_key(w, replay_op_names[op]);
		json_object_begin(w);
		json_kv_uint(w, "count", r->count[op]);
		json_kv_uint(w, "failed", r->failed[op]);
		if (h)
			json_ns(w, r, h);
		if (nh)
			json_kv_double(w, "null_mean_ns",
				       ticks_ns(r, hist_mean(nh)));
		if (h) {
			char name[32];

			json_key(w, "by_class");
			json_object_begin(w);
			for (int c = 0; c < RCLASS_NR; c++) {
				bool any = false;

				hist_init(&cls_tmp);
				for (int p = 0; p < RPATH_NR; p++)
					if (run->h[op][c][p]) {
						hist_merge(&cls_tmp,
							   run->h[op][c][p]);
						any = true;
					}
				if (!any)
					continue;
				json_key(w, replay_class_name(op, c, name,
							      sizeof(name)));
				json_object_begin(w);
				json_kv_uint(w, "count", cls_tmp.count);
				json_ns(w, r, &cls_tmp);
				json_object_end(w);
			}
			json_object_end(w);
			json_key(w, "by_path");
			json_object_begin(w);
			for (int p = 1; p < RPATH_NR; p++) {
				bool any = false;

				hist_init(&cls_tmp);
				for (int c = 0; c < RCLASS_NR; c++)
					if (run->h[op][c][p]) {
						hist_merge(&cls_tmp,
							   run->h[op][c][p]);
						any = true;
					}
				if (!any)
					continue;
				json_key(w, replay_path_names[p]);
				json_object_begin(w);
				json_kv_uint(w, "count", cls_tmp.count);
				json_ns(w, r, &cls_tmp);
				json_object_end(w);
			}
			json_object_end(w);
		}
		json_object_end(w);
	}
	json_object_end(w);
}

static void json_fidelity(struct json_writer *w, const struct replay_result *r)
{
	static const char *const keys[REPLAY_FID_NR] = {
		"kmalloc_class", "cache_size", "page_order", "percpu_bytes",
	};

	json_key(w, "fidelity");
	json_object_begin(w);
	for (int k = 0; k < REPLAY_FID_NR; k++) {
		json_key(w, keys[k]);
		json_object_begin(w);
		json_kv_uint(w, "agree", r->fid_agree[k]);
		json_kv_uint(w, "total", r->fid_total[k]);
		json_object_end(w);
	}
	json_key(w, "disagreements");
	json_array_begin(w);
	for (unsigned int i = 0; i < REPLAY_FID_SLOTS; i++) {
		const struct replay_fid_entry *f = &r->fid[i];

		if (!f->op)
			continue;
		json_object_begin(w);
		json_kv_string(w, "op", replay_op_names[f->op - 1]);
		json_kv_uint(w, "size", f->size);
		json_kv_uint(w, "ours", f->ours);
		json_kv_uint(w, "kernel", f->theirs);
		json_kv_uint(w, "count", f->count);
		json_object_end(w);
	}
	json_array_end(w);
	json_kv_uint(w, "unlisted", r->fid_other);
	json_object_end(w);
}

/* Internal fragmentation by kmalloc class and by cache; slab utilisation */
static void json_frag_detail(struct json_writer *w,
			     const struct replay_image *im,
			     const struct replay_result *r)
{
	const struct replay_cache *rc = replay_caches(im);
	char name[32];

	json_key(w, "internal_pct_by_class");
	json_object_begin(w);
	for (int c = 0; c < RCLASS_NR; c++)
		if (r->cls_usable[c])
			json_kv_double(w, replay_class_name(ROP_KMALLOC,
							    (unsigned int)c,
							    name, sizeof(name)),
				       pct_internal(r->cls_req[c],
						    r->cls_usable[c]));
	json_object_end(w);
	json_key(w, "internal_pct_by_cache");
	json_object_begin(w);
	for (uint32_t c = 1; c <= im->nr_caches && c < REPLAY_MAX_SLAB_INFO;
	     c++)
		if (r->cache_usable[c])
			json_kv_double(w, rc[c].name,
				       pct_internal(r->cache_req[c],
						    r->cache_usable[c]));
	json_object_end(w);
	if (!r->nr_slab_caches)
		return;
	json_key(w, "slab_utilisation");
	json_array_begin(w);
	for (uint32_t i = 0; i < r->nr_slab_caches; i++) {
		const struct replay_slab_info *si = &r->slab[i];

		json_object_begin(w);
		json_kv_string(w, "cache", si->name);
		json_kv_uint(w, "object_size", si->object_size);
		json_kv_uint(w, "size", si->size);
		json_kv_uint(w, "active_objs", si->active_objs);
		json_kv_uint(w, "num_objs", si->num_objs);
		json_kv_uint(w, "pages", si->pages);
		json_kv_double(w, "utilisation_pct", si->pages ?
			       100.0 * (double)si->active_objs *
			       si->object_size /
			       (double)(si->pages * 4096) : 0.0);
		json_object_end(w);
	}
	json_array_end(w);
}

/* { "Normal": [ order 0 .. 10 ], ... } from thousandths */
static void json_zone_indices(struct json_writer *w,
			      const struct replay_result *r,
			      const int32_t v[][11])
{
	json_object_begin(w);
	for (uint32_t z = 0; z < r->nr_zones; z++) {
		json_key(w, r->zone_name[z]);
		json_array_begin(w);
		for (int o = 0; o < 11; o++)
			json_double(w, v[z][o] / 1000.0);
		json_array_end(w);
	}
	json_object_end(w);
}

static double ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : NAN;
}

static void print_json(const struct replay_args *a,
		       const struct replay_image *im,
		       const struct replay_run *run,
		       const struct replay_run *null_run)
{
	const struct replay_result *r = run->res;
	struct json_writer w;

	json_init(&w, stdout, true);
	json_object_begin(&w);
	json_kv_int(&w, "schema", 1);
	json_kv_string(&w, "trace", im->trace_name);
	json_kv_string(&w, "allocator", a->alloc);
	json_kv_string(&w, "allocator_version", r->version);
	json_kv_string(&w, "mode", a->o.percpu ? "percpu" : "1");
	json_kv_string(&w, "touch", a->o.touch == TOUCH_ALL ? "all" :
		       a->o.touch == TOUCH_FIRST ? "first" : "none");
	json_kv_bool(&w, "timed", !a->o.untimed);
	json_kv_bool(&w, "warm", !a->o.cold);
	json_kv_uint(&w, "cpus", im->nr_cpus);
	if (!strcmp(a->alloc, "kmm"))
		json_kv_string(&w, "kmm_slab", a->o.kmm_cpu_slabs ?
			       "cpu-slabs" : "sheaves");

	json_key(&w, "events");
	json_object_begin(&w);
	json_kv_uint(&w, "total", im->total);
	json_kv_uint(&w, "replayed", r->replayed);
	json_key(&w, "skipped");
	json_object_begin(&w);
	for (int i = 0; i < RSKIP_NR; i++)
		if (im->skipped[i])
			json_kv_uint(&w, replay_skip_names[i], im->skipped[i]);
	json_object_end(&w);
	json_kv_uint(&w, "remote_frees", im->remote_frees);
	json_object_end(&w);

	json_ops(&w, run, null_run);

	json_key(&w, "timing");
	json_object_begin(&w);
	json_kv_string(&w, "clock", r->tsc ? "tsc" : "monotonic");
	json_kv_double(&w, "ns_per_tick", r->ns_per_tick);
	json_kv_double(&w, "read_overhead_ns", r->overhead_ns);
	json_kv_bool(&w, "overhead_subtracted", true);
	json_object_end(&w);

	json_key(&w, "throughput");
	json_object_begin(&w);
	json_kv_double(&w, "events_per_sec",
		       r->wall_ns ? (double)r->replayed * 1e9 /
		       (double)r->wall_ns : NAN);
	json_kv_double(&w, "wall_s", (double)r->wall_ns / 1e9);
	json_kv_double(&w, "events_per_cpu_sec", events_per_cpu_sec(r));
	json_object_end(&w);

	json_fidelity(&w, r);

	json_key(&w, "fragmentation");
	json_object_begin(&w);
	json_kv_double(&w, "internal_pct",
		       pct_internal(r->bytes_req, r->bytes_usable));
	json_kv_double(&w, "trace_internal_pct",
		       pct_internal(im->bytes_req, im->bytes_alloc));
	json_kv_uint(&w, "bytes_requested", r->bytes_req);
	json_kv_uint(&w, "bytes_allocated", r->bytes_usable);
	json_kv_uint(&w, "peak_live_bytes", im->peak_live_bytes);
	json_kv_uint(&w, "end_live_bytes", im->end_live_bytes);
	json_kv_uint(&w, "peak_footprint_bytes", r->peak_footprint);
	json_kv_uint(&w, "end_footprint_bytes", r->end_footprint);
	json_kv_double(&w, "peak_footprint_per_live",
		       ratio(r->peak_footprint, im->peak_live_bytes));
	json_kv_double(&w, "end_footprint_per_live",
		       ratio(r->end_footprint, im->end_live_bytes));
	json_kv_uint(&w, "rss_start_kb", r->rss_start_kb);
	json_kv_uint(&w, "rss_peak_kb", r->rss_peak_kb);
	json_frag_detail(&w, im, r);
	if (r->nr_zones) {
		json_key(&w, "unusable_index");
		json_zone_indices(&w, r, r->unusable);
		json_key(&w, "fragmentation_index");
		json_zone_indices(&w, r, r->extfrag);
	}
	json_object_end(&w);

	json_key(&w, "tlb");
	json_object_begin(&w);
	json_kv_string(&w, "model", r->tlb_model);
	json_kv_uint(&w, "accesses", r->tlb_accesses);
	json_kv_uint(&w, "misses", r->tlb_misses);
	json_object_end(&w);

	counters_json(&w, &r->counters);

	json_key(&w, "leaks");
	json_object_begin(&w);
	json_kv_uint(&w, "objects", r->leak_objects);
	json_kv_uint(&w, "bytes", r->leak_bytes);
	json_kv_bool(&w, "measured", r->leaks_known);
	json_kv_uint(&w, "live_at_end_objects", r->end_live_objects);
	json_kv_uint(&w, "live_at_end_bytes", r->end_live_bytes);
	json_object_end(&w);

	if (r->have_faults) {
		json_key(&w, "faults");
		json_object_begin(&w);
		for (int i = 0; i < REPLAY_FAULT_KINDS; i++)
			json_kv_uint(&w, replay_fault_names[i], r->faults[i]);
		json_object_end(&w);
	}

	if (r->have_host_vm) {
		const struct replay_host_vm *h = &r->host_vm;

		json_key(&w, "host_vm");
		json_object_begin(&w);
		json_kv_uint(&w, "mapped_bytes_end", h->mapped_bytes);
		json_kv_uint(&w, "mapped_bytes_peak", h->peak_mapped_bytes);
		json_kv_uint(&w, "faults", h->faults);
		json_kv_uint(&w, "segv_maperr", h->segv_maperr);
		json_kv_uint(&w, "segv_accerr", h->segv_accerr);
		json_kv_uint(&w, "premapped", h->premapped);
		json_kv_uint(&w, "premap_widened", h->premap_widened);
		json_kv_uint(&w, "fork_pages_copied", h->fork_pages_copied);
		json_kv_uint(&w, "host_errors", h->host_errors);
		json_object_end(&w);
	}

	json_key(&w, "invariants");
	json_object_begin(&w);
	json_kv_uint(&w, "checks", r->checks_run);
	json_kv_int(&w, "problems", r->check_problems);
	json_kv_uint(&w, "misuse", r->misuse);
	json_object_end(&w);

	json_key(&w, "verify");
	json_object_begin(&w);
	json_kv_uint(&w, "touched", r->touched);
	json_kv_uint(&w, "checked", r->verify_checked);
	json_kv_uint(&w, "bad", r->verify_bad);
	json_object_end(&w);

	if (a->o.timeline) {
		json_key(&w, "timeline");
		json_array_begin(&w);
		for (uint32_t i = 0; i < r->nr_samples; i++) {
			const struct replay_sample *s = &run->samples[i];

			json_object_begin(&w);
			json_kv_uint(&w, "event", s->index);
			json_kv_double(&w, "s", (double)s->ns / 1e9);
			json_kv_int(&w, "live_bytes", s->live_bytes);
			json_kv_uint(&w, "footprint_bytes", s->footprint);
			if (s->unusable3 >= 0)
				json_kv_double(&w, "unusable_index_3",
					       s->unusable3 / 1000.0);
			if (s->unusable9 >= 0)
				json_kv_double(&w, "unusable_index_9",
					       s->unusable9 / 1000.0);
			json_kv_uint(&w, "tlb_misses", s->tlb_misses);
			json_object_end(&w);
		}
		json_array_end(&w);
	}
	json_object_end(&w);
	json_finish(&w);
}

/* The null backend's mean for an op, "-" where it has none (process
 * events: null passes over them) */
static const char *null_ns(const struct replay_result *r,
			   const struct hist *nh, char *buf, size_t len)
{
	if (!nh)
		return "-";
	snprintf(buf, len, "%.1f", ticks_ns(r, hist_mean(nh)));
	return buf;
}

static void print_table(const struct replay_args *a,
			const struct replay_image *im,
			const struct replay_run *run,
			const struct replay_run *null_run)
{
	const struct replay_result *r = run->res;
	static struct hist tmp, ntmp;
	char nbuf[32];
	uint64_t skipped = 0;

	for (int i = 0; i < RSKIP_NR; i++)
		skipped += im->skipped[i];
	printf("trace %s: %llu events, %llu replayed, %llu skipped "
	       "(%u CPUs, mode %s)\n", im->trace_name,
	       (unsigned long long)im->total,
	       (unsigned long long)r->replayed,
	       (unsigned long long)skipped, im->nr_cpus,
	       a->o.percpu ? "percpu" : "1 thread");
	for (int i = 0; i < RSKIP_NR; i++)
		if (im->skipped[i])
			printf("  skipped: %-28s %llu\n", replay_skip_names[i],
			       (unsigned long long)im->skipped[i]);
	printf("allocator %s %s; %s, read cost %.1f ns subtracted\n\n",
	       a->alloc, r->version, r->tsc ? "TSC" : "clock_gettime",
	       r->overhead_ns);
	if (!a->o.untimed) {
		printf("%-18s %10s %9s %9s %9s %9s %9s %10s %9s\n", "op",
		       "count", "mean ns", "p50", "p90", "p99", "p99.9",
		       "max", "null ns");
		for (int op = 0; op < ROP_NR; op++) {
			const struct hist *h = op_total(run, op, &tmp);
			const struct hist *nh = null_run ?
				op_total(null_run, op, &ntmp) : NULL;

			if (!h && r->count[op]) {
				printf("%-18s %10llu   (passed over: null "
				       "measures the harness alone)\n",
				       replay_op_names[op],
				       (unsigned long long)r->count[op]);
				continue;
			}
			if (!h)
				continue;
			printf("%-18s %10llu %9.1f %9.1f %9.1f %9.1f %9.1f "
			       "%10.0f %9s\n", replay_op_names[op],
			       (unsigned long long)h->count,
			       ticks_ns(r, hist_mean(h)),
			       ticks_ns(r, hist_quantile(h, 0.5)),
			       ticks_ns(r, hist_quantile(h, 0.9)),
			       ticks_ns(r, hist_quantile(h, 0.99)),
			       ticks_ns(r, hist_quantile(h, 0.999)),
			       ticks_ns(r, (double)h->max),
			       null_ns(r, nh, nbuf, sizeof(nbuf)));
		}
		printf("\n");
	}
	printf("throughput      %.3g events/s (%.3f s); %.3g events per CPU "
	       "second\n",
	       r->wall_ns ? (double)r->replayed * 1e9 / (double)r->wall_ns : 0,
	       (double)r->wall_ns / 1e9, events_per_cpu_sec(r));
	printf("internal frag.  %.2f%% (traced kernel: %.2f%%)\n",
	       pct_internal(r->bytes_req, r->bytes_usable),
	       pct_internal(im->bytes_req, im->bytes_alloc));
	printf("live bytes      peak %llu, end %llu; footprint peak %llu, "
	       "end %llu\n", (unsigned long long)im->peak_live_bytes,
	       (unsigned long long)im->end_live_bytes,
	       (unsigned long long)r->peak_footprint,
	       (unsigned long long)r->end_footprint);
	for (int k = 0; k < REPLAY_FID_NR; k++) {
		static const char *const n[REPLAY_FID_NR] = {
			"kmalloc class", "cache size", "page order",
			"percpu bytes",
		};

		if (r->fid_total[k])
			printf("fidelity        %s: %llu of %llu agree\n", n[k],
			       (unsigned long long)r->fid_agree[k],
			       (unsigned long long)r->fid_total[k]);
	}
	if (r->touched)
		printf("TLB model       %llu accesses, %llu misses (%s)\n",
		       (unsigned long long)r->tlb_accesses,
		       (unsigned long long)r->tlb_misses, r->tlb_model);
	if (r->counters.hw_reason[0])
		printf("hw counters     %s\n", r->counters.hw_reason);
	if (r->counters.sw_ok[0])
		printf("task-clock      %.3f ms, %llu page faults, %llu "
		       "context switches\n", (double)r->counters.sw[0] / 1e6,
		       (unsigned long long)r->counters.sw[1],
		       (unsigned long long)r->counters.sw[2]);
	printf("leaks           %llu objects, %llu bytes (%llu objects live "
	       "at the end of the trace, freed)\n",
	       (unsigned long long)r->leak_objects,
	       (unsigned long long)r->leak_bytes,
	       (unsigned long long)r->end_live_objects);
	if (r->have_host_vm && r->host_vm.peak_mapped_bytes)
		printf("host VM         %llu faults done, %llu failed, %llu "
		       "premapped; mapped peak %llu, end %llu bytes; fork "
		       "copied %llu pages\n",
		       (unsigned long long)r->host_vm.faults,
		       (unsigned long long)(r->host_vm.segv_maperr +
					    r->host_vm.segv_accerr),
		       (unsigned long long)r->host_vm.premapped,
		       (unsigned long long)r->host_vm.peak_mapped_bytes,
		       (unsigned long long)r->host_vm.mapped_bytes,
		       (unsigned long long)r->host_vm.fork_pages_copied);
	if (r->checks_run)
		printf("invariants      %llu checks, %lld problems, %llu misuse "
		       "reports\n", (unsigned long long)r->checks_run,
		       (long long)r->check_problems,
		       (unsigned long long)r->misuse);
	if (r->verify_checked || a->o.verify)
		printf("verify          %llu checked, %llu bad\n",
		       (unsigned long long)r->verify_checked,
		       (unsigned long long)r->verify_bad);
}

#if HAVE_KMT
/*
 * The .kmt cache of converted text traces: $KMBENCH_CACHE_DIR, else
 * $XDG_CACHE_HOME/kmbench/traces, else ~/.cache/kmbench/traces; a file is
 * named by a hash of the trace's bytes and of the kmbench program that
 * converted it (a rebuilt parser converts again).  Into @buf; NULL when
 * @path is no regular file, is already .kmt, or no cache directory exists.
 */
static const char *cache_path(const char *path, char *buf, size_t len)
{
	const char *dir = getenv("KMBENCH_CACHE_DIR");
	char base[PATH_MAX - 96];
	struct stat st, self;
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	const unsigned char *p;
	void *map;
	int fd;

	if (!strcmp(path, "-"))
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		close(fd);
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return NULL;
	p = map;
	if (kmt_is_kmt(p, (size_t)st.st_size)) {
		munmap(map, (size_t)st.st_size);
		return NULL;
	}
	for (off_t i = 0; i < st.st_size; i += 8) {
		uint64_t w = 0;

		memcpy(&w, p + i, st.st_size - i < 8 ? (size_t)(st.st_size - i)
						     : 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	munmap(map, (size_t)st.st_size);
	if (stat("/proc/self/exe", &self))
		memset(&self, 0, sizeof(self));
	if (dir) {
		snprintf(base, sizeof(base), "%s", dir);
	} else if (getenv("XDG_CACHE_HOME")) {
		snprintf(base, sizeof(base), "%s/kmbench/traces",
			 getenv("XDG_CACHE_HOME"));
	} else if (getenv("HOME")) {
		snprintf(base, sizeof(base), "%s/.cache/kmbench/traces",
			 getenv("HOME"));
	} else {
		return NULL;
	}
	if (kmb_mkdir_p(base, 0755))
		return NULL;
	if (snprintf(buf, len, "%s/%016llx-%llx-%llx.kmt", base,
		     (unsigned long long)h, (unsigned long long)st.st_size,
		     (unsigned long long)self.st_mtime ^
		     (unsigned long long)self.st_size) >= (int)len)
		return NULL;
	return buf;
}
#endif

static struct replay_image *load_image(const char *path)
{
#if HAVE_KMT
	struct kmt_trace t;
	struct kmt_ctrace c;
	struct kmt_error err;
	struct replay_image *im;
	char cbuf[PATH_MAX];
	const char *cached = cache_path(path, cbuf, sizeof(cbuf));
	int ret = -1;

	memset(&t, 0, sizeof(t));
	memset(&err, 0, sizeof(err));
	/*
	 * The image is built from the compact form, decoded straight from
	 * a .kmt: the trace itself (no cache then), or its cached
	 * conversion, made here the first time.
	 */
	if (cached && access(cached, R_OK) == 0)
		ret = kmt_ctrace_load(cached, NULL, 0, &c, &err);
	if (ret && !cached) {
		memset(&err, 0, sizeof(err));
		ret = kmt_ctrace_load(path, NULL, 0, &c, &err);
	} else if (ret) {
		struct kmt_error werr;

		memset(&err, 0, sizeof(err));
		ret = kmt_trace_load(path, NULL, &t, &err);
		if (!ret) {
			memset(&werr, 0, sizeof(werr));
			if (kmt_write(&t, cached, &werr) ||
			    kmt_ctrace_load(cached, NULL, 0, &c, &werr))
				ret = kmt_ctrace_from(&t, 0, &c, &err);
			kmt_trace_free(&t);
		}
	}
	if (ret) {
		kmt_error_print(&err);
		replay_load_error = ret;
		return NULL;
	}
	im = replay_image_build_compact(&c, path);
	kmt_ctrace_free(&c);
	kmt_decode_release();	/* (no other decode in this process) */
	if (!im)
		replay_load_error = KMB_EX_DATAERR;
	return im;
#else
	kmb_warn("replay: %s: the trace loader is not built yet", path);
	replay_load_error = KMB_EX_UNAVAILABLE;
	return NULL;
#endif
}

int cmd_replay(int argc, char **argv)
{
	struct replay_args a;
	struct replay_image *im;
	struct replay_run run, null_run;
	bool with_null;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (strcmp(a.alloc, "kmm") && strcmp(a.alloc, "null") &&
	    !baseline_available(a.alloc)) {
		kmb_warn("replay: allocator '%s' is not installed (its helper "
			 "kmbench-backend-%s was not built: install its "
			 "library and reconfigure)", a.alloc, a.alloc);
		return KMB_EX_UNAVAILABLE;
	}
	im = load_image(a.trace);
	if (!im)
		return replay_load_error;
	ret = replay_image_run(a.alloc, im, &a.o, &run);
	if (ret)
		goto out;
	with_null = strcmp(a.alloc, "null") && !a.o.untimed;
	if (with_null && replay_image_run("null", im, &a.o, &null_run))
		with_null = false;
	if (run.res->replayed != im->nr_ev) {
		kmb_warn("replay: internal error: %llu of %llu events replayed",
			 (unsigned long long)run.res->replayed,
			 (unsigned long long)im->nr_ev);
		ret = KMB_EX_SOFTWARE;
	}
	if (a.json)
		print_json(&a, im, &run, with_null ? &null_run : NULL);
	else
		print_table(&a, im, &run, with_null ? &null_run : NULL);
	if (with_null)
		replay_run_free(&null_run);
	if (fflush(stdout)) {
		kmb_warn("replay: cannot write the results");
		ret = KMB_EX_IOERR;
	}
	if (!ret && run.res->verify_bad)
		ret = KMB_EX_SOFTWARE;
out:
	replay_run_free(&run);
	replay_image_free(im);
	return ret;
}
