// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_matrix.c - `kmbench matrix`: the command line of the matrix
 * runner (matrix.c).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "matrix.h"
#include "results.h"
#include "util.h"

static void matrix_usage(FILE *fp)
{
	fprintf(fp,
"usage: kmbench matrix [--traces GLOB...] [--allocators LIST] [--modes LIST]\n"
"                      [--reps N] [--warmup N] [--timeout S] [--out DIR]\n"
"                      [--resume] [--shard I/N] [--hyperfine]\n"
"                      [--timeline SAMPLES] [--touch none|first|all]\n"
"                      [--budget S]\n\n"
"Runs every trace x allocator x mode x repetition as its own child process\n"
"(`kmbench replay TRACE --alloc A --threads MODE --json`) and stores each\n"
"cell in DIR/matrix.db (SQLite) and DIR/cells/*.json.  A cell that fails,\n"
"crashes or times out is recorded with the tail of its stderr; the matrix\n"
"goes on.\n\n"
"  --traces GLOB...   trace files (default: traces/corpus/ of the source)\n"
"  --allocators LIST  comma-separated (default: every installed one: %s)\n"
"  --modes LIST       replay --threads values, comma-separated (percpu)\n"
"  --reps N           repetitions per cell (3)\n"
"  --warmup N         uncounted runs per trace/allocator/mode first (0)\n"
"  --timeout S        seconds before a cell is killed (600)\n"
"  --out DIR          run directory (results/DATE-HOST)\n"
"  --resume           go on with the matrix in --out DIR: its stored\n"
"                     definition is used; finished cells are not repeated\n"
"  --shard I/N        run only share I of N (cell k belongs to k mod N + 1);\n"
"                     join the databases with `kmbench results merge`\n"
"  --hyperfine        also time each cell's command with hyperfine\n"
"  --timeline SAMPLES about SAMPLES timeline points per replay (replay\n"
"                     --timeline N, N from the trace's size); 0: none (0)\n"
"  --touch MODE       replay --touch: none (default), first (first cache\n"
"                     line of each object: TLB model data), all\n"
"  --budget S         start no cell after S seconds (the rest: --resume)\n\n"
"Environment: KMBENCH_REPLAY=PROG runs `PROG replay ...` instead of this\n"
"kmbench (a wrapper, or another build).\n",
		"kmm,glibc,...");
}

static void split_list(const char *s, char ***v, size_t *n)
{
	char *dup = kmb_xstrdup(s), *tok, *save = NULL;
	size_t cap = 4;

	*v = kmb_xcalloc(cap, sizeof(**v));
	*n = 0;
	for (tok = strtok_r(dup, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (*n + 1 >= cap)
			*v = kmb_xrealloc(*v, (cap *= 2) * sizeof(**v));
		(*v)[(*n)++] = kmb_xstrdup(tok);
	}
	(*v)[*n] = NULL;
	free(dup);
}

static bool is_trace_file(const char *path)
{
	const char *name = matrix_trace_name(path);
	size_t n = strlen(name);
	struct stat st;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	if (!strncasecmp(name, "readme", 6) || !strncasecmp(name, "notes", 5))
		return false;
	if (strstr(name, ".tmp."))
		return false;
	return !(n > 3 && !strcmp(name + n - 3, ".md")) &&
	       !(n > 5 && !strcmp(name + n - 5, ".note"));
}

int matrix_add_traces(struct matrix_config *cfg, const char *pat,
		      bool must_match)
{
	glob_t g;
	int rc = glob(pat, 0, NULL, &g);

	if (rc == GLOB_NOMATCH) {
		if (!must_match)
			return 0;
		kmb_warn("%s: no such trace", pat);
		return -1;
	}
	if (rc) {
		kmb_warn("%s: cannot expand", pat);
		return -1;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		if (must_match && access(g.gl_pathv[i], R_OK)) {
			kmb_warn("%s: %s", g.gl_pathv[i], strerror(errno));
			globfree(&g);
			return -1;
		}
		if (!is_trace_file(g.gl_pathv[i]))
			continue;
		cfg->traces = kmb_xrealloc(cfg->traces, (cfg->ntraces + 2) *
					   sizeof(*cfg->traces));
		cfg->traces[cfg->ntraces++] = kmb_xstrdup(g.gl_pathv[i]);
		cfg->traces[cfg->ntraces] = NULL;
	}
	globfree(&g);
	return 0;
}

char *matrix_default_out(void)
{
	char host[256] = "host", date[64], *out;
	time_t t = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	host[strcspn(host, "./ ")] = '\0';
	localtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d-%H%M%S", &tm);
	out = kmb_xmalloc(strlen(host) + strlen(date) + 16);
	sprintf(out, "results/%s-%s", date, host);
	return out;
}

static bool parse_int_opt(const char *opt, const char *s, int min, int *out)
{
	uint64_t v;

	if (!s || !kmb_parse_u64(s, &v, false) || v > 1000000 ||
	    (int)v < min) {
		kmb_warn("%s needs a whole number >= %d", opt, min);
		return false;
	}
	*out = (int)v;
	return true;
}

/* The stored definition of the matrix in @out, for --resume. */
static int load_stored(struct matrix_config *cfg)
{
	char path[4096], *conf;
	struct res_db *db;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/matrix.db", cfg->out);
	if (access(path, F_OK)) {
		kmb_warn("--resume: %s: no matrix there", path);
		return KMB_EX_USAGE;
	}
	if (res_open(path, false, &db))
		return KMB_EX_DATAERR;
	conf = res_run_config(db);
	res_close(db);
	if (!conf || matrix_config_parse(conf, cfg)) {
		kmb_input_error(path, 0, "no valid matrix definition stored");
		ret = KMB_EX_DATAERR;
	}
	free(conf);
	return ret;
}

int cmd_matrix(int argc, char **argv)
{
	struct matrix_config cfg = { .reps = 3, .timeout_s = 600,
				     .shard_i = 1, .shard_n = 1 };
	struct matrix_config stored = { 0 };
	bool resume = false, defined = false;
	const char *env = getenv("KMBENCH_REPLAY");
	int ret = KMB_EX_USAGE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			matrix_usage(stdout);
			matrix_config_free(&cfg);
			return 0;
		} else if (!strcmp(a, "--traces")) {
			defined = true;
			if (!v || !strncmp(v, "--", 2)) {
				kmb_warn("--traces needs at least one file");
				goto out;
			}
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				if (matrix_add_traces(&cfg, argv[++i], true)) {
					ret = KMB_EX_DATAERR;
					goto out;
				}
		} else if (!strcmp(a, "--allocators") && v) {
			defined = true;
			split_list(v, &cfg.allocators, &cfg.nallocators);
			i++;
		} else if (!strcmp(a, "--modes") && v) {
			defined = true;
			split_list(v, &cfg.modes, &cfg.nmodes);
			i++;
		} else if (!strcmp(a, "--reps")) {
			defined = true;
			if (!parse_int_opt(a, v, 1, &cfg.reps))
				goto out;
			i++;
		} else if (!strcmp(a, "--warmup")) {
			defined = true;
			if (!parse_int_opt(a, v, 0, &cfg.warmup))
				goto out;
			i++;
		} else if (!strcmp(a, "--timeout") && v) {
			if (!kmb_parse_double(v, &cfg.timeout_s) ||
			    !(cfg.timeout_s > 0)) {
				kmb_warn("--timeout needs seconds > 0");
				goto out;
			}
			i++;
		} else if (!strcmp(a, "--out") && v) {
			free(cfg.out);
			cfg.out = kmb_xstrdup(v);
			i++;
		} else if (!strcmp(a, "--resume")) {
			resume = true;
		} else if (!strcmp(a, "--shard") && v) {
			defined = true;
			if (sscanf(v, "%d/%d", &cfg.shard_i, &cfg.shard_n) != 2 ||
			    cfg.shard_n < 1 || cfg.shard_i < 1 ||
			    cfg.shard_i > cfg.shard_n) {
				kmb_warn("--shard needs I/N with 1 <= I <= N");
				goto out;
			}
			i++;
		} else if (!strcmp(a, "--timeline")) {
			defined = true;
			if (!parse_int_opt(a, v, 0, &cfg.timeline))
				goto out;
			i++;
		} else if (!strcmp(a, "--touch") && v) {
			defined = true;
			if (strcmp(v, "none") && strcmp(v, "first") &&
			    strcmp(v, "all")) {
				kmb_warn("--touch needs none, first or all");
				goto out;
			}
			free(cfg.touch);
			cfg.touch = kmb_xstrdup(v);
			i++;
		} else if (!strcmp(a, "--budget") && v) {
			if (!kmb_parse_double(v, &cfg.budget_s) ||
			    cfg.budget_s < 0) {
				kmb_warn("--budget needs seconds");
				goto out;
			}
			i++;
		} else if (!strcmp(a, "--hyperfine")) {
			defined = true;
			cfg.hyperfine = true;
		} else {
			kmb_warn("matrix: unknown or incomplete option '%s'"
				 " (see kmbench matrix --help)", a);
			goto out;
		}
	}
	if (resume) {
		if (!cfg.out) {
			kmb_warn("--resume needs --out DIR");
			goto out;
		}
		if (defined) {
			kmb_warn("--resume uses the stored definition: give"
				 " only --out (and --timeout, --budget)");
			goto out;
		}
		stored.out = cfg.out;
		cfg.out = NULL;
		ret = load_stored(&stored);
		if (ret)
			goto out;
		stored.timeout_s = cfg.timeout_s;
		stored.budget_s = cfg.budget_s;
		matrix_config_free(&cfg);
		cfg = stored;
		memset(&stored, 0, sizeof(stored));
	}
	if (!cfg.ntraces && matrix_add_traces(&cfg, KMBENCH_SOURCE_ROOT
				       "/traces/corpus/*", false) == 0 &&
	    !cfg.ntraces) {
		kmb_warn("no traces: give --traces, or add traces to "
			 "traces/corpus/");
		goto out;
	}
	if (!cfg.nallocators) {
		const char *const *def = matrix_default_allocators();

		while (def[cfg.nallocators])
			cfg.nallocators++;
		cfg.allocators = kmb_xcalloc(cfg.nallocators + 1,
					     sizeof(char *));
		for (size_t k = 0; k < cfg.nallocators; k++)
			cfg.allocators[k] = kmb_xstrdup(def[k]);
	}
	if (!cfg.nmodes)
		split_list("percpu", &cfg.modes, &cfg.nmodes);
	if (!cfg.out)
		cfg.out = matrix_default_out();
	if (env && *env)
		cfg.replay_prog = kmb_xstrdup(env);
	ret = matrix_run(&cfg, resume);
out:
	matrix_config_free(&stored);
	matrix_config_free(&cfg);
	return ret;
}
