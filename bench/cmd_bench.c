// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_bench.c - `kmbench bench [buddy|slab|vmalloc|fault|percpu|all]
 * [--json]`
 *
 * Micro-benchmarks that run our allocators side by side with the baselines
 * in one run and print ratios.  Each benchmark is a bench_NAME(json) in a
 * file of its own; it writes its table (or, with --json, one JSON object)
 * to stdout and returns an exit code.  `all` runs every built benchmark;
 * with --json it prints a JSON array of their objects.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

struct bench_entry {
	const char *name;
	int (*fn)(bool json);
	const char *what;
};

static const struct bench_entry benches[] = {
	{ "buddy", bench_buddy, "buddy page allocator: order 0/3/9 alloc+free pairs" },
	{ "slab", bench_slab, "slab fast path and remote frees, sizes 8..4096" },
	{ "vmalloc", bench_vmalloc, "vmalloc vs kmalloc vs mmap: latency and TLB misses" },
	{ "fault", bench_fault, "page faults, COW, swap-in, fork+exit vs VMA count" },
	{ "percpu", bench_percpu, "per-CPU areas: alloc+free pairs, sizes 4..4096" },
	{ NULL, NULL, NULL },
};

static void bench_usage(FILE *fp)
{
	fprintf(fp, "usage: kmbench bench [NAME|all] [--json]\n\nbenchmarks:\n");
	for (const struct bench_entry *b = benches; b->name; b++)
		fprintf(fp, "  %-8s %s%s\n", b->name, b->what,
			b->fn ? "" : " (not built yet)");
}

int cmd_bench(int argc, char **argv)
{
	const char *which = "all";
	bool json = false, first = true;
	int ret = 0, ran = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			bench_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			kmb_warn("bench: unknown option '%s'", argv[i]);
			bench_usage(stderr);
			return KMB_EX_USAGE;
		} else {
			which = argv[i];
		}
	}
	if (strcmp(which, "all")) {
		for (const struct bench_entry *b = benches; b->name; b++) {
			if (strcmp(b->name, which))
				continue;
			if (!b->fn) {
				kmb_warn("bench: '%s' is not built yet", which);
				return KMB_EX_UNAVAILABLE;
			}
			return b->fn(json);
		}
		kmb_warn("bench: unknown benchmark '%s'", which);
		bench_usage(stderr);
		return KMB_EX_USAGE;
	}
	if (json)
		printf("[");
	for (const struct bench_entry *b = benches; b->name; b++) {
		int r;

		if (!b->fn) {
			fprintf(stderr, "bench: %s: not built yet\n", b->name);
			continue;
		}
		if (json && !first)
			printf(",");
		first = false;
		fflush(stdout);
		r = b->fn(json);
		ran++;
		if (r && !ret)
			ret = r;
	}
	if (json)
		printf("]\n");
	if (!ran)
		kmb_warn("bench: no benchmark is built yet");
	return ret;
}
