// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_results.c - `kmbench results merge`: join the databases of a
 * sharded matrix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "results.h"
#include "util.h"

static void results_usage(FILE *fp)
{
	fprintf(fp,
"usage: kmbench results merge A.db B.db ... -o OUT.db\n\n"
"Joins the results databases of `kmbench matrix --shard I/N` runs into\n"
"one new database (OUT.db must not exist).  A cell found in several\n"
"inputs is taken from the first.\n");
}

static int results_merge(int argc, char **argv)
{
	const char *out = NULL;
	char **in = kmb_xcalloc((size_t)argc + 1, sizeof(*in));
	int n = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			results_usage(stdout);
			free(in);
			return 0;
		}
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) {
			if (i + 1 >= argc) {
				kmb_warn("-o needs a file");
				free(in);
				return KMB_EX_USAGE;
			}
			out = argv[++i];
		} else {
			in[n++] = argv[i];
		}
	}
	if (!out || !n) {
		results_usage(stderr);
		free(in);
		return KMB_EX_USAGE;
	}
	ret = res_merge(out, in, n) ? KMB_EX_DATAERR : 0;
	if (!ret)
		fprintf(stderr, "results: merged %d database(s) into %s\n", n,
			out);
	free(in);
	return ret;
}

int cmd_results(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		results_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? KMB_EX_USAGE : 0;
	}
	if (!strcmp(argv[1], "merge"))
		return results_merge(argc - 1, argv + 1);
	kmb_warn("results: unknown subcommand '%s'", argv[1]);
	return KMB_EX_USAGE;
}
