// SPDX-License-Identifier: GPL-2.0
/*
 * bench/bench_percpu.c - `kmbench bench percpu [--json]`
 *
 * ns per __alloc_percpu() + free_percpu() pair on kmm's per-CPU area
 * allocator (one area live at a time, a warm first chunk), for sizes 4 to
 * 4096 bytes on 4 units.  No baseline has per-CPU areas: what a
 * user-space program would do instead is one allocation holding a copy
 * per CPU, so each baseline times an alloc+free pair of size x units
 * bytes, 64-byte aligned (a cache line per copy start), in its own
 * process; the ratio is baseline / kmm, above 1 meaning kmm is faster.
 * Medians of PCPU_REPS runs.
 *
 * KMB_BENCH_PERCPU_SCALE=N divides the iteration counts by N (tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "commands.h"
#include "json.h"
#include "kmm/kmm.h"
#include "kmm/percpu.h"
#include "util.h"

#define PCPU_REPS	7
#define PCPU_UNITS	4

static const size_t pcpu_sizes[] = { 4, 16, 64, 256, 1024, 4096 };
#define NR_SIZES	(sizeof(pcpu_sizes) / sizeof(pcpu_sizes[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pcpu_iters(void)
{
	const char *env = getenv("KMB_BENCH_PERCPU_SCALE");
	uint64_t div, iters = 100000;

	if (!env || !kmb_parse_u64(env, &div, false) || !div)
		return iters;
	return iters / div ? iters / div : 1;
}

/* ns per pair of @size, one run */
static int kmm_run(size_t size, uint64_t iters, double *ns)
{
	uint64_t t0 = kmb_now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		void *p = __alloc_percpu(size, 8);

		if (unlikely(!p))
			return -1;
		__asm__ __volatile__("" : : "r"(p) : "memory");
		free_percpu(p);
	}
	*ns = (double)(kmb_now_ns() - t0) / (double)iters;
	return 0;
}

static int measure(double kmm_ns[NR_SIZES],
		   double base_ns[NR_SIZES][BASELINE_NR],
		   bool have[NR_SIZES][BASELINE_NR], size_t units)
{
	uint64_t iters = pcpu_iters();
	double kruns[PCPU_REPS];

	for (int b = 0; b < BASELINE_NR; b++) {
		bool avail = baseline_available(baseline_names[b]);

		for (size_t c = 0; c < NR_SIZES; c++)
			have[c][b] = avail;
	}
	for (size_t c = 0; c < NR_SIZES; c++) {
		for (int r = 0; r < PCPU_REPS; r++)
			if (kmm_run(pcpu_sizes[c], iters, &kruns[r]))
				return -1;
		qsort(kruns, PCPU_REPS, sizeof(kruns[0]), cmp_double);
		kmm_ns[c] = kruns[PCPU_REPS / 2];
		for (int b = 0; b < BASELINE_NR; b++)
			if (have[c][b] &&
			    baseline_pairs(baseline_names[b],
					   pcpu_sizes[c] * units, 64, iters,
					   PCPU_REPS, &base_ns[c][b]))
				have[c][b] = false;
	}
	return 0;
}

static int print_json(const double kmm_ns[NR_SIZES],
		      double base_ns[NR_SIZES][BASELINE_NR],
		      bool have[NR_SIZES][BASELINE_NR], size_t units)
{
	struct json_writer w;

	json_init(&w, stdout, false);
	json_object_begin(&w);
	json_kv_string(&w, "bench", "percpu");
	json_kv_uint(&w, "units", units);
	json_key(&w, "pairs");
	json_array_begin(&w);
	for (size_t c = 0; c < NR_SIZES; c++) {
		json_object_begin(&w);
		json_kv_string(&w, "allocator", "kmm");
		json_kv_uint(&w, "size", pcpu_sizes[c]);
		json_kv_double(&w, "ns_per_pair", kmm_ns[c]);
		json_object_end(&w);
		for (int b = 0; b < BASELINE_NR; b++) {
			if (!have[c][b])
				continue;
			json_object_begin(&w);
			json_kv_string(&w, "allocator", baseline_names[b]);
			json_kv_uint(&w, "size", pcpu_sizes[c]);
			json_kv_uint(&w, "bytes", pcpu_sizes[c] * units);
			json_kv_double(&w, "ns_per_pair", base_ns[c][b]);
			json_kv_double(&w, "ratio_to_kmm",
				       base_ns[c][b] / kmm_ns[c]);
			json_object_end(&w);
		}
	}
	json_array_end(&w);
	json_object_end(&w);
	return json_finish(&w) ? KMB_EX_IOERR : 0;
}

static void print_table(const double kmm_ns[NR_SIZES],
			double base_ns[NR_SIZES][BASELINE_NR],
			bool have[NR_SIZES][BASELINE_NR], size_t units)
{
	printf("percpu: alloc+free pairs, one area live, %zu units; baselines "
	       "allocate size x %zu bytes (median of %d runs)\n", units,
	       units, PCPU_REPS);
	printf("%6s  %-9s %10s  %s\n", "size", "allocator", "ns/pair",
	       "ratio (allocator/kmm)");
	for (size_t c = 0; c < NR_SIZES; c++) {
		printf("%6zu  %-9s %10.1f  %s\n", pcpu_sizes[c], "kmm",
		       kmm_ns[c], "1.00");
		for (int b = 0; b < BASELINE_NR; b++) {
			if (!have[c][b]) {
				printf("%6zu  %-9s %10s\n", pcpu_sizes[c],
				       baseline_names[b], "n/a");
				continue;
			}
			printf("%6zu  %-9s %10.1f  %.2f\n", pcpu_sizes[c],
			       baseline_names[b], base_ns[c][b],
			       base_ns[c][b] / kmm_ns[c]);
		}
	}
}

int bench_percpu(bool json)
{
	double kmm_ns[NR_SIZES], base_ns[NR_SIZES][BASELINE_NR];
	bool have[NR_SIZES][BASELINE_NR];
	bool own_mem = !kmm_mem_ready(), own_pcpu = !pcpu_ready();
	struct pcpu_config cfg = { .nr_units = PCPU_UNITS };
	size_t units;
	int ret;

	ret = own_mem ? kmm_mem_init(NULL) : 0;
	if (!ret && own_pcpu) {
		if (kmm_nr_cpus() > PCPU_UNITS)
			cfg.nr_units = kmm_nr_cpus();
		ret = pcpu_init(&cfg);
	}
	if (ret) {
		kmb_warn("bench percpu: cannot set up the machine (%d)", ret);
		if (own_mem)
			kmm_mem_exit();
		return KMB_EX_SOFTWARE;
	}
	kmm_set_cpu(0);
	units = pcpu_obj_full_size(4) / 4;
	ret = measure(kmm_ns, base_ns, have, units);
	if (own_pcpu)
		pcpu_exit();
	if (own_mem)
		kmm_mem_exit();
	if (ret) {
		kmb_warn("bench percpu: allocation failed");
		return KMB_EX_SOFTWARE;
	}
	if (json)
		return print_json(kmm_ns, base_ns, have, units);
	print_table(kmm_ns, base_ns, have, units);
	return 0;
}
