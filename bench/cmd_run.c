// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_run.c - `kmbench run`: the main job.
 *
 * Runs each step that is built, in order, and names the steps that are not
 * built yet.  A failing step stops the run with its exit code.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

struct run_step {
	const char *what;
	char *argv[8];
};

int cmd_run(int argc, char **argv)
{
	static struct run_step steps[] = {
		{ "fragmentation of this machine's memory", { "frag", NULL } },
		{ "micro-benchmarks against the baselines",
		  { "bench", "all", NULL } },
		{ "benchmark matrix on the shipped traces",
		  { "matrix", NULL } },
		{ "plots and report", { "plot", NULL } },
	};
	int missing = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: kmbench run [--quick]\n\n"
			       "Runs the main job: the matrix of every "
			       "shipped trace against every installed\n"
			       "allocator, then plots and the report.\n");
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct kmb_command *c = kmb_find_command(steps[i].argv[0]);
		int n = 0, ret;

		if (!c || !c->fn) {
			fprintf(stderr, "run: skipping %s: not built yet\n",
				steps[i].what);
			missing++;
			continue;
		}
		fprintf(stderr, "run: %s\n", steps[i].what);
		while (steps[i].argv[n])
			n++;
		ret = c->fn(n, steps[i].argv);
		if (ret)
			return ret;
	}
	if (missing)
		fprintf(stderr, "run: %d step(s) not built yet\n", missing);
	return 0;
}
