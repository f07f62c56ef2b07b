// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_run.c - `kmbench run [--quick]`: the main job.
 *
 * 1. the shipped corpus (traces/corpus/) converted to .kmt, cached in
 *    BUILD/corpus-cache/ and redone only when a trace is newer than its
 *    conversion (when `trace convert` is not built, the traces are replayed
 *    as they are);
 * 2. the default matrix: every trace x every installed allocator, 3
 *    repetitions, replay --touch first (--quick: 1 repetition of the
 *    NAME-tiny traces shipped for it, or of the smallest traces), within a
 *    time budget (8 min; --quick: 80 s), into results/DATE-HOST/;
 * 3. plots and report, results/latest pointing at the run, the summary
 *    table and the report's path on stdout.
 *
 * Environment: KMBENCH_CORPUS (trace directory), KMBENCH_RESULTS (results
 * directory), KMBENCH_REPLAY (see kmbench matrix --help).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "matrix.h"
#include "util.h"

#define RUN_BUDGET_S 480
#define RUN_QUICK_BUDGET_S 80
#define RUN_QUICK_TRACES 3

struct trace_file {
	char *path;
	off_t size;
};

static int by_size(const void *a, const void *b)
{
	const struct trace_file *x = a, *y = b;

	return (x->size > y->size) - (x->size < y->size);
}

static char *path_join(const char *a, const char *b)
{
	char *p = kmb_xmalloc(strlen(a) + strlen(b) + 2);

	sprintf(p, "%s/%s", a, b);
	return p;
}

/* BUILD/corpus-cache, BUILD being where this kmbench was built. */
static char *cache_dir(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return kmb_xstrdup("corpus-cache");
	exe[n] = '\0';
	/* BUILD/bench/kmbench */
	return path_join(dirname(dirname(exe)), "corpus-cache");
}

static int run_self(char *const argv[])
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *v[8];
	int k;

	if (n <= 0)
		return -1;
	exe[n] = '\0';
	v[0] = exe;
	for (k = 1; k < 7 && argv[k]; k++)
		v[k] = argv[k];
	v[k] = NULL;
	return matrix_spawn(v, NULL);
}

/*
 * The .kmt of @src in @cache (converted unless up to date); @src itself
 * when conversion is not built or fails.
 */
static char *converted(const char *src, const char *cache, bool can_convert)
{
	const char *name = matrix_trace_name(src);
	char *out, *tmp, *dot;
	struct stat s, o;
	char *argv[] = { "kmbench", "trace", "convert", (char *)src, NULL,
			 NULL };

	if (!can_convert || strstr(name, ".kmt"))
		return kmb_xstrdup(src);
	out = kmb_xmalloc(strlen(cache) + strlen(name) + 8);
	sprintf(out, "%s/%s", cache, name);
	dot = strchr(out + strlen(cache) + 1, '.');
	if (dot)
		*dot = '\0';
	strcat(out, ".kmt");
	if (!stat(src, &s) && !stat(out, &o) && o.st_mtime >= s.st_mtime)
		return out;
	tmp = kmb_xmalloc(strlen(out) + 32);
	sprintf(tmp, "%.*s.tmp.%ld.kmt", (int)(strlen(out) - 4), out,
		(long)getpid());
	argv[4] = tmp;
	fprintf(stderr, "run: converting %s\n", name);
	if (kmb_mkdir_p(cache, 0755) || run_self(argv) != 0 ||
	    rename(tmp, out) != 0) {
		kmb_warn("run: cannot convert %s; replaying it as it is",
			 src);
		unlink(tmp);
		free(tmp);
		free(out);
		return kmb_xstrdup(src);
	}
	free(tmp);
	return out;
}

/* NAME-tiny.*: a shortened variant shipped for --quick. */
static bool is_tiny(const char *path)
{
	return strstr(matrix_trace_name(path), "-tiny.") != NULL;
}

int run_corpus(struct matrix_config *cfg, bool quick)
{
	const char *dir = getenv("KMBENCH_CORPUS");
	const struct kmb_command *trace = kmb_find_command("trace");
	char *pat, *cache = cache_dir();
	struct trace_file *f = NULL;
	size_t n = 0, use, tiny = 0;
	struct matrix_config all = { 0 };
	int ret = 0;

	pat = path_join(dir && *dir ? dir : KMBENCH_SOURCE_ROOT
			"/traces/corpus", "*");
	if (matrix_add_traces(&all, pat, false) || !all.ntraces) {
		kmb_warn("run: no traces in %s", pat);
		ret = KMB_EX_DATAERR;
		goto out;
	}
	f = kmb_xcalloc(all.ntraces, sizeof(*f));
	for (size_t i = 0; i < all.ntraces; i++) {
		struct stat st;

		f[n].path = all.traces[i];
		f[n].size = stat(f[n].path, &st) ? 0 : st.st_size;
		tiny += is_tiny(f[n].path);
		n++;
	}
	qsort(f, n, sizeof(*f), by_size);
	use = quick && !tiny && n > RUN_QUICK_TRACES ? RUN_QUICK_TRACES : n;
	cfg->traces = kmb_xcalloc(use + 1, sizeof(char *));
	/* the tiny variants are --quick's, the others the full run's */
	for (size_t i = 0; i < use; i++)
		if (!tiny || is_tiny(f[i].path) == quick)
			cfg->traces[cfg->ntraces++] =
				converted(f[i].path, cache,
					  trace && trace->fn);
out:
	free(f);
	free(pat);
	free(cache);
	matrix_config_free(&all);
	return ret;
}

/* results/latest -> NAME, replaced atomically. */
static void link_latest(const char *out)
{
	char *dup = kmb_xstrdup(out), *parent = dirname(dup);
	char *latest = path_join(parent, "latest");
	size_t n = strlen(latest) + 32;
	char *tmp = kmb_xmalloc(n);

	snprintf(tmp, n, "%s.tmp.%ld", latest, (long)getpid());
	if (symlink(matrix_trace_name(out), tmp) || rename(tmp, latest)) {
		kmb_warn("%s: %s", latest, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	free(latest);
	free(dup);
}

/* @base, or @base-2, -3 ... when it exists (two runs in one second). */
static char *unused_dir(char *base)
{
	char *p = kmb_xmalloc(strlen(base) + 16);

	strcpy(p, base);
	for (int k = 2; access(p, F_OK) == 0; k++)
		sprintf(p, "%s-%d", base, k);
	free(base);
	return p;
}

static void run_usage(FILE *fp)
{
	fprintf(fp,
"usage: kmbench run [--quick] [--out DIR]\n\n"
"The main job: converts the shipped traces (cached), runs the matrix of\n"
"every trace against every installed allocator (3 repetitions, objects'\n"
"first cache line touched; --quick: 1 repetition of the NAME-tiny traces,\n"
"or of the %d smallest), then writes plots and report into\n"
"results/DATE-HOST/ (or DIR), links results/latest to it, and prints the\n"
"summary table and the report's path.  The matrix stops starting cells\n"
"after %d s (--quick: %d s) and kills a cell after 60 s (--quick: 30 s),\n"
"so the whole run stays within 10 minutes (2); finish an interrupted\n"
"matrix with kmbench matrix --resume --out DIR.\n\n"
"Environment: KMBENCH_CORPUS (trace directory, default traces/corpus),\n"
"KMBENCH_RESULTS (results directory, default results/ of the source).\n",
		RUN_QUICK_TRACES, RUN_BUDGET_S, RUN_QUICK_BUDGET_S);
}

int cmd_run(int argc, char **argv)
{
	struct matrix_config cfg = { .reps = 3, .timeout_s = 60,
				     .shard_i = 1, .shard_n = 1,
				     .timeline = 100,
				     .budget_s = RUN_BUDGET_S };
	const char *res = getenv("KMBENCH_RESULTS"), *env;
	const char *const *alloc = matrix_default_allocators();
	bool quick = false;
	char *out = NULL, *name;
	char *plot[] = { "plot", NULL, NULL };
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			run_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			free(out);
			out = kmb_xstrdup(argv[++i]);
		} else {
			kmb_warn("run: unexpected argument '%s'", argv[i]);
			run_usage(stderr);
			free(out);
			return KMB_EX_USAGE;
		}
	}
	if (quick) {
		cfg.reps = 1;
		cfg.timeout_s = 30;
		cfg.budget_s = RUN_QUICK_BUDGET_S;
	}
	ret = run_corpus(&cfg, quick);
	if (ret)
		goto out;
	while (alloc[cfg.nallocators])
		cfg.nallocators++;
	cfg.allocators = kmb_xcalloc(cfg.nallocators + 1, sizeof(char *));
	for (size_t k = 0; k < cfg.nallocators; k++)
		cfg.allocators[k] = kmb_xstrdup(alloc[k]);
	cfg.modes = kmb_xcalloc(2, sizeof(char *));
	cfg.modes[cfg.nmodes++] = kmb_xstrdup("percpu");
	cfg.touch = kmb_xstrdup("first");	/* TLB model data */
	if (!out) {
		name = matrix_default_out();	/* results/DATE-HOST */
		out = path_join(res && *res ? res : KMBENCH_SOURCE_ROOT
				"/results", name + strlen("results/"));
		free(name);
		out = unused_dir(out);
	}
	cfg.out = out;
	out = NULL;
	env = getenv("KMBENCH_REPLAY");
	if (env && *env)
		cfg.replay_prog = kmb_xstrdup(env);
	fprintf(stderr, "run: %zu trace(s) x %zu allocator(s) x %d"
		" repetition(s) into %s\n", cfg.ntraces, cfg.nallocators,
		cfg.reps, cfg.out);
	ret = matrix_run(&cfg, false);
	if (ret)
		goto out;
	link_latest(cfg.out);
	plot[1] = cfg.out;
	ret = kmb_run_command(2, plot);
out:
	free(out);
	matrix_config_free(&cfg);
	return ret;
}
