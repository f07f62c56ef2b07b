// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_pgo.c - `kmbench pgo`: a profile-guided build trained on the
 * shipped traces, and its speedup over a plain -O2 build.
 *
 *   1. build-pgo/: release + LTO with meson's b_pgo=generate;
 *   2. training: every shipped trace replayed through every allocator by
 *      that build (the profile lands in build-pgo/);
 *   3. build-pgo/ reconfigured with b_pgo=use and rebuilt: PGO + LTO;
 *   4. build-o2/: -O2, no LTO, no PGO;
 *   5. the same matrix (kmm) run by each build into
 *      results/DATE-HOST-pgo/{o2,pgo}/, each with its report (which names
 *      the build that replayed it), and the speedup per trace,
 *      median(-O2) / median(PGO+LTO) ns per event with a 95% interval,
 *      printed and written to speedup.txt.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "matrix.h"
#include "results.h"
#include "stats.h"
#include "util.h"

struct pgo {
	bool dry;
	char src[4096], gen[4200], o2[4200], log[4300];
};

static int step(struct pgo *p, const char *what, char *const argv[])
{
	int rc;

	fprintf(stderr, "pgo: %s:", what);
	for (int i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	if (p->dry)
		return 0;
	rc = matrix_spawn(argv, p->log);
	if (rc) {
		kmb_warn("pgo: %s failed (exit %d); see %s", what, rc, p->log);
		return KMB_EX_SOFTWARE;
	}
	return 0;
}

/* meson setup DIR (--reconfigure when it is configured already). */
static int setup(struct pgo *p, const char *dir, char *const extra[])
{
	char *argv[16] = { "meson", "setup" };
	char path[4300];
	int n = 2;

	snprintf(path, sizeof(path), "%s/build.ninja", dir);
	if (!access(path, F_OK))
		argv[n++] = "--reconfigure";
	argv[n++] = (char *)dir;
	argv[n++] = p->src;
	for (int i = 0; extra[i] && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return step(p, "configure", argv);
}

static int build(struct pgo *p, const char *dir)
{
	char *argv[] = { "ninja", "-C", (char *)dir, NULL };

	return step(p, "build", argv);
}

static int train(struct pgo *p, const struct matrix_config *cfg)
{
	char exe[4300];
	const char *const *alloc = matrix_default_allocators();

	snprintf(exe, sizeof(exe), "%s/bench/kmbench", p->gen);
	for (size_t t = 0; t < cfg->ntraces; t++)
		for (int a = 0; alloc[a]; a++) {
			char *argv[] = { exe, "replay", cfg->traces[t],
					 "--alloc", (char *)alloc[a], "--json",
					 NULL };

			/* a failing replay still leaves a profile */
			if (step(p, "training replay", argv) && !p->dry)
				kmb_warn("pgo: going on without it");
		}
	return 0;
}

static int bench(struct pgo *p, const struct matrix_config *corpus,
		 const char *dir, const char *build_dir, bool quick)
{
	struct matrix_config cfg = { .reps = quick ? 3 : 5, .timeout_s = 120,
				     .shard_i = 1, .shard_n = 1,
				     .timeline = 100 };
	char *plot[] = { "plot", (char *)dir, NULL };
	int ret;

	cfg.traces = kmb_xcalloc(corpus->ntraces + 1, sizeof(char *));
	for (size_t t = 0; t < corpus->ntraces; t++)
		cfg.traces[cfg.ntraces++] = kmb_xstrdup(corpus->traces[t]);
	cfg.allocators = kmb_xcalloc(2, sizeof(char *));
	cfg.allocators[cfg.nallocators++] = kmb_xstrdup("kmm");
	cfg.modes = kmb_xcalloc(2, sizeof(char *));
	cfg.modes[cfg.nmodes++] = kmb_xstrdup("percpu");
	cfg.out = kmb_xstrdup(dir);
	cfg.touch = kmb_xstrdup("first");	/* as kmbench run */
	cfg.replay_prog = kmb_xmalloc(strlen(build_dir) + 16);
	sprintf(cfg.replay_prog, "%s/bench/kmbench", build_dir);
	fprintf(stderr, "pgo: matrix with %s into %s\n", cfg.replay_prog, dir);
	ret = p->dry ? 0 : matrix_run(&cfg, false);
	matrix_config_free(&cfg);
	if (!ret && !p->dry)
		ret = kmb_run_command(2, plot);
	return ret;
}

/* speedup.txt: -O2 over PGO+LTO ns per event, per trace. */
static int speedup(const char *out, const struct matrix_config *corpus)
{
	char path[4400];
	struct res_db *a, *b;
	struct kmb_atomic_file af;
	double logsum = 0;
	int n = 0, ret;

	snprintf(path, sizeof(path), "%s/o2/matrix.db", out);
	if (res_open(path, false, &a))
		return KMB_EX_DATAERR;
	snprintf(path, sizeof(path), "%s/pgo/matrix.db", out);
	if (res_open(path, false, &b)) {
		res_close(a);
		return KMB_EX_DATAERR;
	}
	snprintf(path, sizeof(path), "%s/speedup.txt", out);
	if ((ret = kmb_atomic_open(&af, path))) {
		kmb_warn("%s: %s", path, strerror(-ret));
		goto out;
	}
	fprintf(af.fp, "PGO+LTO speedup over -O2 (kmm, ns per event: median"
		" of -O2 / median of PGO+LTO, 95%% bootstrap interval)\n");
	for (size_t t = 0; t < corpus->ntraces; t++) {
		const char *name = matrix_trace_name(corpus->traces[t]);
		double *va = NULL, *vb = NULL, lo, hi, r;
		size_t na = 0, nb = 0;

		if (!res_values(a, "ns_per_event", name, "kmm", NULL, &va,
				&na) &&
		    !res_values(b, "ns_per_event", name, "kmm", NULL, &vb,
				&nb) &&
		    isfinite(r = stats_ratio(va, na, vb, nb, &lo, &hi))) {
			fprintf(af.fp, "%-40s %6.3f (%.3f..%.3f)\n", name, r,
				lo, hi);
			logsum += log(r);
			n++;
		}
		free(va);
		free(vb);
	}
	if (n)
		fprintf(af.fp, "geometric mean over %d trace(s): %.3f\n", n,
			exp(logsum / n));
	ret = kmb_atomic_commit(&af);
	if (!ret) {
		FILE *fp = fopen(path, "r");
		char line[512];

		while (fp && fgets(line, sizeof(line), fp))
			fputs(line, stdout);
		if (fp)
			fclose(fp);
	}
out:
	res_close(a);
	res_close(b);
	return ret ? KMB_EX_IOERR : 0;
}

static void pgo_usage(FILE *fp)
{
	fprintf(fp,
"usage: kmbench pgo [--quick] [--dry-run]\n\n"
"Builds build-pgo/ (release, LTO, b_pgo=generate), trains it by replaying\n"
"the shipped traces through every allocator, rebuilds it with\n"
"b_pgo=use, builds build-o2/ (-O2, no LTO), then runs the kmm matrix\n"
"with each build into results/DATE-HOST-pgo/{o2,pgo}/ (reports name the\n"
"build that replayed them) and prints the PGO+LTO speedup per trace\n"
"(speedup.txt).  --quick: the smallest traces, 3 repetitions.  --dry-run\n"
"prints the steps only.  Build output goes to build-pgo.log.\n");
}

int cmd_pgo(int argc, char **argv)
{
	/* a source edited between generate and use is no build error */
	static char *gen_args[] = { "-Dbuildtype=release", "-Db_lto=true",
				    "-Db_pgo=generate", "-Dtests=false",
				    "-Dc_args=-Wno-error=coverage-mismatch",
				    NULL };
	static char *o2_args[] = { "-Dbuildtype=plain", "-Dc_args=-O2",
				   "-Db_lto=false", "-Db_pgo=off",
				   "-Db_ndebug=true", "-Dtests=false", NULL };
	struct pgo p = { 0 };
	struct matrix_config corpus = { 0 };
	bool quick = false;
	char *name, out[4300], sub[4400];
	char *use[] = { "meson", "configure", p.gen, "-Db_pgo=use", NULL };
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			pgo_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--quick")) {
			quick = true;
		} else if (!strcmp(argv[i], "--dry-run")) {
			p.dry = true;
		} else {
			kmb_warn("pgo: unexpected argument '%s'", argv[i]);
			pgo_usage(stderr);
			return KMB_EX_USAGE;
		}
	}
	snprintf(p.src, sizeof(p.src), "%s", KMBENCH_SOURCE_ROOT);
	snprintf(p.gen, sizeof(p.gen), "%s/build-pgo", p.src);
	snprintf(p.o2, sizeof(p.o2), "%s/build-o2", p.src);
	snprintf(p.log, sizeof(p.log), "%s/build-pgo.log", p.src);
	use[2] = p.gen;
	ret = run_corpus(&corpus, quick);
	if (ret)
		return ret;
	name = matrix_default_out();
	snprintf(out, sizeof(out), "%s/%s-pgo", p.src, name);
	free(name);
	if ((ret = setup(&p, p.gen, gen_args)) || (ret = build(&p, p.gen)) ||
	    (ret = train(&p, &corpus)) || (ret = step(&p, "use the profile",
						      use)) ||
	    (ret = build(&p, p.gen)) || (ret = setup(&p, p.o2, o2_args)) ||
	    (ret = build(&p, p.o2)))
		goto done;
	snprintf(sub, sizeof(sub), "%s/o2", out);
	if ((ret = bench(&p, &corpus, sub, p.o2, quick)))
		goto done;
	snprintf(sub, sizeof(sub), "%s/pgo", out);
	if ((ret = bench(&p, &corpus, sub, p.gen, quick)))
		goto done;
	if (!p.dry)
		ret = speedup(out, &corpus);
done:
	matrix_config_free(&corpus);
	return ret;
}
