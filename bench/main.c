// SPDX-License-Identifier: GPL-2.0
/*
 * bench/main.c - the kmbench program: a table of commands.
 *
 * The ./kmbench launcher at the project root installs what is missing,
 * builds, then runs this program with the user's arguments.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "commands.h"
#include "util.h"

static int cmd_test(int argc, char **argv)
{
	kmb_warn("'test' is run by the launcher: use ./kmbench test");
	return KMB_EX_USAGE;
}

const struct kmb_command kmb_commands[] = {
	{ "run", cmd_run,
	  "the main job: matrix on the shipped traces, plots, report", NULL },
	{ "test", cmd_test,
	  "build and run the whole test suite (also under ASan+UBSan)", NULL },
	{ "replay", cmd_replay,
	  "replay one trace through one allocator",
	  "the replay engine" },
	{ "matrix", cmd_matrix,
	  "benchmark matrix: traces x allocators x modes x repetitions",
	  "the benchmark matrix" },
	{ "plot", cmd_plot,
	  "gnuplot plots and report from a results directory",
	  "plots and report" },
	{ "compare", cmd_compare,
	  "regressions and improvements between two runs",
	  "run comparison" },
	{ "results", cmd_results,
	  "results database tools (merge)",
	  "the results store" },
	{ "trace", cmd_trace,
	  "trace tools: capture, convert, cat, info, stat, synth, bench",
	  NULL },
	{ "bench", cmd_bench,
	  "micro-benchmarks against the baselines: buddy slab vmalloc fault percpu all",
	  "the micro-benchmarks" },
	{ "slab-geometry", cmd_slab_geometry,
	  "what SLUB makes of a cache: object_size slab_size objs_per_slab order",
	  "the slab allocator" },
	{ "frag", cmd_frag,
	  "unusable_index and extfrag_index from /proc/buddyinfo-format text",
	  "the buddy allocator's fragmentation metrics" },
	{ "vm", cmd_vm,
	  "run a script of mmap/brk/fork/fault/reclaim steps on simulated processes",
	  "the process address spaces" },
	{ "pgo", cmd_pgo,
	  "profile-guided build trained on the shipped traces",
	  "the PGO build" },
	{ NULL, NULL, NULL, NULL },
};

const struct kmb_command *kmb_find_command(const char *name)
{
	for (const struct kmb_command *c = kmb_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

int kmb_run_command(int argc, char **argv)
{
	const struct kmb_command *c = kmb_find_command(argv[0]);

	if (!c) {
		kmb_warn("unknown command '%s' (see kmbench --help)", argv[0]);
		return KMB_EX_USAGE;
	}
	if (!c->fn) {
		kmb_warn("'%s' is not built yet: %s is still to come", c->name,
			 c->missing);
		return KMB_EX_UNAVAILABLE;
	}
	return c->fn(argc, argv);
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: kmbench COMMAND [ARGS...]\n"
		"       kmbench COMMAND --help\n\n"
		"A trace-driven benchmark suite for kernel-style memory "
		"allocators.\n\ncommands:\n");
	for (const struct kmb_command *c = kmb_commands; c->name; c++)
		fprintf(fp, "  %-14s %s%s\n", c->name, c->summary,
			c->fn ? "" : " (not built yet)");
	fprintf(fp, "\nexit codes: 0 ok, 64 usage, 65 bad input data, "
		"69 missing service or permission, 70 internal error\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return KMB_EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("kmbench %s (%s; %s, LTO %s, native %s, PGO %s%s%s)\n",
		       KMBENCH_VERSION, KMBENCH_CC, KMBENCH_BUILD_TYPE,
		       KMBENCH_LTO ? "on" : "off",
		       KMBENCH_NATIVE ? "on" : "off", KMBENCH_PGO,
		       strcmp(KMBENCH_SANITIZE, "none") ? ", sanitize " : "",
		       strcmp(KMBENCH_SANITIZE, "none") ? KMBENCH_SANITIZE :
		       "");
		return 0;
	}
	return kmb_run_command(argc - 1, argv + 1);
}
