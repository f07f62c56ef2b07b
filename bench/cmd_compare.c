// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_compare.c - `kmbench compare RUN_A RUN_B`: regressions and
 * improvements between two matrix runs, with 95% bootstrap intervals of
 * the ratio of medians (B over A) for every trace x allocator x mode the
 * two runs share.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "matrix.h"
#include "results.h"
#include "stats.h"
#include "util.h"

static void compare_usage(FILE *fp)
{
	fprintf(fp,
"usage: kmbench compare [--metric NAME] [--threshold PCT] RUN_A RUN_B\n\n"
"Compares two matrix runs (directories, matrix.db files, or matrix.db.zst\n"
"as the reference run in results/ keeps it) group by group\n"
"(trace x allocator x mode): ratio = median of B / median of A with a 95%%\n"
"bootstrap interval.  For a lower-is-better metric a group is a\n"
"regression when the whole interval is above 1 and the ratio above\n"
"1 + PCT/100, an improvement when the whole interval is below 1 and the\n"
"ratio below 1 - PCT/100.\n\n"
"  --metric NAME    ns_per_event (default), or any metric of the cells'\n"
"                   JSON by its dotted path (ops.kmalloc.ns.p99, ...)\n"
"  --higher-better  the metric is better when higher (events_per_sec)\n"
"  --threshold PCT  smallest change reported (default 2)\n");
}

/*
 * RUN is a run directory (its matrix.db, or matrix.db.zst as the committed
 * reference run keeps it) or a database file.  A compressed database is
 * unpacked into @tmp (removed by the caller).
 */
static int open_run(const char *arg, struct res_db **db, char *tmp,
		    size_t tlen)
{
	char path[4096];
	struct stat st;
	size_t n;

	tmp[0] = '\0';
	if (stat(arg, &st)) {
		kmb_warn("%s: %s", arg, strerror(errno));
		return KMB_EX_DATAERR;
	}
	if (S_ISDIR(st.st_mode))
		snprintf(path, sizeof(path), "%s/matrix.db", arg);
	else
		snprintf(path, sizeof(path), "%s", arg);
	if (S_ISDIR(st.st_mode) && access(path, F_OK) != 0)
		strcat(path, ".zst");
	n = strlen(path);
	if (n > 4 && !strcmp(path + n - 4, ".zst")) {
		char *argv[] = { "zstd", "-q", "-d", "-f", path, "-o", tmp,
				 NULL };

		snprintf(tmp, tlen, "%s/kmbench-compare.%ld.%p.db",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
			 (long)getpid(), (void *)db);
		if (matrix_spawn(argv, NULL) != 0) {
			kmb_warn("%s: cannot unpack (zstd)", path);
			unlink(tmp);
			tmp[0] = '\0';
			return KMB_EX_DATAERR;
		}
		return res_open(tmp, false, db) ? KMB_EX_DATAERR : 0;
	}
	return res_open(path, false, db) ? KMB_EX_DATAERR : 0;
}

struct verdicts {
	int worse, better, same;
};

static void compare_group(struct res_db *a, struct res_db *b,
			  const char *metric, const char *trace,
			  const char *alloc, const char *mode, double thr,
			  bool higher, struct verdicts *v)
{
	double *va = NULL, *vb = NULL, lo, hi, r;
	size_t na = 0, nb = 0;
	const char *what = "same";

	if (res_values(a, metric, trace, alloc, mode, &va, &na) ||
	    res_values(b, metric, trace, alloc, mode, &vb, &nb) || !na || !nb)
		goto out;
	r = stats_ratio(vb, nb, va, na, &lo, &hi);
	if (!isfinite(r))
		goto out;
	if (lo > 1 && r > 1 + thr)
		what = higher ? "improvement" : "REGRESSION";
	else if (hi < 1 && r < 1 - thr)
		what = higher ? "REGRESSION" : "improvement";
	if (!strcmp(what, "REGRESSION"))
		v->worse++;
	else if (!strcmp(what, "same"))
		v->same++;
	else
		v->better++;
	printf("%-28s %-10s %-7s %12.4g %12.4g %8.3f  %6.3f..%-6.3f  %s\n",
	       trace, alloc, mode, stats_median(va, na), stats_median(vb, nb),
	       r, lo, hi, what);
out:
	free(va);
	free(vb);
}

int cmd_compare(int argc, char **argv)
{
	const char *metric = "ns_per_event", *run[2] = { NULL, NULL };
	struct res_db *db[2] = { NULL, NULL };
	struct verdicts v = { 0 };
	char **traces = NULL, **allocs = NULL, **modes = NULL;
	size_t nt = 0, na = 0, nm = 0;
	double thr = 2;
	bool higher = false;
	char tmp[2][4096] = { "", "" };
	int nrun = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			compare_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--metric") && i + 1 < argc) {
			metric = argv[++i];
		} else if (!strcmp(argv[i], "--higher-better")) {
			higher = true;
		} else if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
			if (!kmb_parse_double(argv[++i], &thr) || thr < 0) {
				kmb_warn("--threshold needs a percentage");
				return KMB_EX_USAGE;
			}
		} else if (argv[i][0] != '-' && nrun < 2) {
			run[nrun++] = argv[i];
		} else {
			kmb_warn("compare: unexpected argument '%s'", argv[i]);
			compare_usage(stderr);
			return KMB_EX_USAGE;
		}
	}
	if (nrun != 2) {
		compare_usage(stderr);
		return KMB_EX_USAGE;
	}
	thr /= 100;
	for (int k = 0; k < 2; k++)
		if ((ret = open_run(run[k], &db[k], tmp[k], sizeof(tmp[k]))))
			goto out;
	if (res_distinct(db[1], "trace", &traces, &nt) ||
	    res_distinct(db[1], "allocator", &allocs, &na) ||
	    res_distinct(db[1], "mode", &modes, &nm)) {
		ret = KMB_EX_DATAERR;
		goto out;
	}
	printf("%s: B = %s over A = %s\n", metric, run[1], run[0]);
	printf("%-28s %-10s %-7s %12s %12s %8s  %-14s  %s\n", "trace",
	       "allocator", "mode", "A median", "B median", "B/A", "95% CI",
	       "verdict");
	for (size_t t = 0; t < nt; t++)
		for (size_t m = 0; m < nm; m++)
			for (size_t a = 0; a < na; a++)
				compare_group(db[0], db[1], metric, traces[t],
					      allocs[a], modes[m], thr, higher,
					      &v);
	printf("%d regression(s), %d improvement(s), %d unchanged\n", v.worse,
	       v.better, v.same);
	if (!v.worse && !v.better && !v.same)
		kmb_warn("compare: the runs share no group with %s", metric);
	ret = 0;
out:
	res_free_strings(traces, nt);
	res_free_strings(allocs, na);
	res_free_strings(modes, nm);
	for (int k = 0; k < 2; k++) {
		res_close(db[k]);
		if (tmp[k][0])
			unlink(tmp[k]);
	}
	return ret;
}
