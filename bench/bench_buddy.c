// SPDX-License-Identifier: GPL-2.0
/*
 * bench/bench_buddy.c - `kmbench bench buddy [--json]`
 *
 * ns per alloc+free pair of one block at a time (a warm cache) for orders
 * 0, 3 and 9 - all three go through the per-CPU lists, as in the kernel -
 * side by side with each baseline's page-aligned allocation of the same
 * size, measured in the baseline's own process (baseline.h).  Every figure
 * is the median of BUDDY_REPS runs, short ones (a run is less likely to be
 * preempted on a busy machine); the ratio is baseline / kmm, so above
 * 1 means kmm is faster.  The goal (DESIGN.md): kmm's order-0 pair faster
 * than jemalloc's page-aligned 4 KiB pair; the verdict is printed.
 *
 * KMB_BENCH_BUDDY_SCALE=N divides the iteration counts by N (tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "commands.h"
#include "json.h"
#include "kmm/kmm.h"
#include "util.h"

#define BUDDY_REPS	7

static const struct {
	unsigned int order;
	uint64_t iters;
} buddy_cases[] = {
	{ 0, 200000 },
	{ 3, 100000 },
	{ 9, 20000 },
};

#define NR_CASES	(sizeof(buddy_cases) / sizeof(buddy_cases[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

static uint64_t scaled(uint64_t iters)
{
	const char *env = getenv("KMB_BENCH_BUDDY_SCALE");
	uint64_t div;

	if (!env || !kmb_parse_u64(env, &div, false) || !div)
		return iters;
	return iters / div ? iters / div : 1;
}

static int jemalloc_index(void)
{
	for (int b = 0; b < BASELINE_NR; b++)
		if (!strcmp(baseline_names[b], "jemalloc"))
			return b;
	return -1;
}

/* ns per pair of alloc_pages(GFP_KERNEL, order) + __free_pages(), one run */
static int kmm_run(unsigned int order, uint64_t iters, double *ns)
{
	uint64_t t0 = kmb_now_ns();

	for (uint64_t i = 0; i < iters; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, order);

		if (unlikely(!page))
			return -1;
		/* keep the compiler from pairing them away */
		__asm__ __volatile__("" : : "r"(page) : "memory");
		__free_pages(page, order);
	}
	*ns = (double)(kmb_now_ns() - t0) / (double)iters;
	return 0;
}

/*
 * Runs alternate between kmm and the baselines, so a machine that gets
 * busier or quieter meanwhile shifts every allocator alike.
 */
static int measure(double kmm_ns[NR_CASES],
		   double base_ns[NR_CASES][BASELINE_NR],
		   bool have[NR_CASES][BASELINE_NR])
{
	double kruns[NR_CASES][BUDDY_REPS];
	double bruns[NR_CASES][BASELINE_NR][BUDDY_REPS];
	bool avail[BASELINE_NR];

	for (int b = 0; b < BASELINE_NR; b++)
		avail[b] = baseline_available(baseline_names[b]);
	for (size_t c = 0; c < NR_CASES; c++)
		for (int b = 0; b < BASELINE_NR; b++)
			have[c][b] = avail[b];
	for (size_t c = 0; c < NR_CASES; c++) {
		unsigned int order = buddy_cases[c].order;
		uint64_t iters = scaled(buddy_cases[c].iters);

		for (int i = 0; i < 1000; i++)	/* warm the pcp list */
			__free_pages(alloc_pages(GFP_KERNEL, order), order);
		for (int r = 0; r < BUDDY_REPS; r++) {
			if (kmm_run(order, iters, &kruns[c][r]))
				return -1;
			for (int b = 0; b < BASELINE_NR; b++) {
				if (have[c][b] &&
				    baseline_pairs(baseline_names[b],
						   PAGE_SIZE << order,
						   PAGE_SIZE, iters, 1,
						   &bruns[c][b][r]))
					have[c][b] = false;
			}
		}
		kmm_ns[c] = median(kruns[c], BUDDY_REPS);
		for (int b = 0; b < BASELINE_NR; b++)
			if (have[c][b])
				base_ns[c][b] = median(bruns[c][b], BUDDY_REPS);
	}
	return 0;
}

int bench_buddy(bool json)
{
	double kmm_ns[NR_CASES], base_ns[NR_CASES][BASELINE_NR];
	bool have[NR_CASES][BASELINE_NR];
	struct json_writer w;
	int ret, je = jemalloc_index();

	bool own_mem = !kmm_mem_ready();	/* another benchmark's machine */

	ret = own_mem ? kmm_mem_init(NULL) : 0;
	if (ret) {
		kmb_warn("bench buddy: cannot set up the machine (%d)", ret);
		return KMB_EX_SOFTWARE;
	}
	kmm_set_cpu(0);
	ret = measure(kmm_ns, base_ns, have);
	if (own_mem)
		kmm_mem_exit();
	if (ret) {
		kmb_warn("bench buddy: allocation failed");
		return KMB_EX_SOFTWARE;
	}

	if (json) {
		json_init(&w, stdout, false);
		json_object_begin(&w);
		json_kv_string(&w, "bench", "buddy");
		json_key(&w, "pairs");
		json_array_begin(&w);
		for (size_t c = 0; c < NR_CASES; c++) {
			size_t size = PAGE_SIZE << buddy_cases[c].order;

			json_object_begin(&w);
			json_kv_string(&w, "allocator", "kmm");
			json_kv_uint(&w, "size", size);
			json_kv_uint(&w, "order", buddy_cases[c].order);
			json_kv_double(&w, "ns_per_pair", kmm_ns[c]);
			json_object_end(&w);
			for (int b = 0; b < BASELINE_NR; b++) {
				if (!have[c][b])
					continue;
				json_object_begin(&w);
				json_kv_string(&w, "allocator", baseline_names[b]);
				json_kv_uint(&w, "size", size);
				json_kv_uint(&w, "order", buddy_cases[c].order);
				json_kv_double(&w, "ns_per_pair", base_ns[c][b]);
				json_kv_double(&w, "ratio_to_kmm",
					       base_ns[c][b] / kmm_ns[c]);
				json_object_end(&w);
			}
		}
		json_array_end(&w);
		if (je >= 0 && have[0][je]) {
			json_key(&w, "goal");
			json_object_begin(&w);
			json_kv_bool(&w, "order0_faster_than_jemalloc",
				     base_ns[0][je] > kmm_ns[0]);
			json_kv_double(&w, "ratio", base_ns[0][je] / kmm_ns[0]);
			json_object_end(&w);
		}
		json_object_end(&w);
		return json_finish(&w) ? KMB_EX_IOERR : 0;
	}

	printf("buddy: alloc+free pairs, one block live, page-aligned "
	       "(median of %d runs)\n", BUDDY_REPS);
	printf("%-5s %8s  %-9s %10s  %s\n", "order", "bytes", "allocator",
	       "ns/pair", "ratio (allocator/kmm)");
	for (size_t c = 0; c < NR_CASES; c++) {
		size_t size = PAGE_SIZE << buddy_cases[c].order;

		printf("%-5u %8zu  %-9s %10.1f  %s\n", buddy_cases[c].order,
		       size, "kmm", kmm_ns[c], "1.00");
		for (int b = 0; b < BASELINE_NR; b++) {
			if (!have[c][b]) {
				printf("%-5u %8zu  %-9s %10s\n",
				       buddy_cases[c].order, size,
				       baseline_names[b], "n/a");
				continue;
			}
			printf("%-5u %8zu  %-9s %10.1f  %.2f%s\n",
			       buddy_cases[c].order, size, baseline_names[b],
			       base_ns[c][b], base_ns[c][b] / kmm_ns[c],
			       base_ns[c][b] > kmm_ns[c] ? " (kmm faster)"
							 : " (kmm slower)");
		}
	}
	if (je >= 0 && have[0][je])
		printf("  verdict: order-0 pair %s than jemalloc's 4 KiB "
		       "page-aligned pair (%.2fx)\n",
		       base_ns[0][je] > kmm_ns[0] ? "faster" : "NOT faster",
		       base_ns[0][je] / kmm_ns[0]);
	else
		printf("  verdict: no jemalloc baseline to compare with\n");
	return 0;
}
