/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/matrix.h - the benchmark matrix: every trace x allocator x mode x
 * repetition, each cell one child process (`kmbench replay ... --json`)
 * whose JSON goes into the results store (results.h).
 *
 * Cell order: for each repetition, for each trace, for each mode, the
 * allocators in turn (A B C A B C ...), so a slow drift of the machine hits
 * every allocator alike.  Cell i (0-based, in that order) belongs to shard
 * (i mod N) + 1 of N.
 */
#ifndef KMB_MATRIX_H
#define KMB_MATRIX_H

#include <stdbool.h>
#include <stddef.h>

struct matrix_config {
	char **traces;		/* paths */
	size_t ntraces;
	char **allocators;
	size_t nallocators;
	char **modes;		/* replay --threads values: percpu, 1 */
	size_t nmodes;
	int reps;
	int warmup;		/* uncounted runs per trace/allocator/mode */
	double timeout_s;	/* per cell */
	int shard_i, shard_n;	/* 1-based; 1/1 runs everything */
	bool hyperfine;
	int timeline;		/* samples per trace (replay --timeline), 0 off */
	char *touch;		/* replay --touch none|first|all, or NULL */
	double budget_s;	/* start no cell after this long; 0: no limit */
	char *out;		/* the run directory */
	char *replay_prog;	/* program to run as `PROG replay ...` */
};

/* Name of a trace in the results: its file name without directory. */
const char *matrix_trace_name(const char *path);

/*
 * The environment of this machine and build as a JSON object (malloc'd);
 * with @replay_prog, also that program and its build (its --version).
 */
char *matrix_env_json(const char *replay_prog);

/* The definition of the matrix as JSON (malloc'd), and back. */
char *matrix_config_json(const struct matrix_config *cfg);
int matrix_config_parse(const char *json, struct matrix_config *cfg);
void matrix_config_free(struct matrix_config *cfg);

/*
 * Run the cells of @cfg's shard that @cfg->out/matrix.db does not hold yet
 * (@resume: the directory may hold an earlier run of the same matrix).
 * Returns an exit code: 0 when every cell ran (failed cells included), or
 * KMB_EX_* when the matrix itself could not go on.
 */
int matrix_run(struct matrix_config *cfg, bool resume);

/*
 * Expand the glob @pat and append the trace files it names to @cfg (not
 * directories, notes (*.md, *.note, README*) or temporary files).  With
 * @must_match, a pattern naming nothing is an error.  0 or -1.
 */
int matrix_add_traces(struct matrix_config *cfg, const char *pat,
		      bool must_match);

/* "results/DATE-HOST" for a new run (malloc'd). */
char *matrix_default_out(void);

/*
 * Run @argv (argv[0] looked up in PATH) and wait; its stdout and stderr go
 * to @log (appended) when not NULL.  Returns its exit status, or -1 when
 * it could not run or died of a signal.
 */
int matrix_spawn(char *const argv[], const char *log);

/*
 * The shipped traces for `run` and `pgo` (cmd_run.c): traces/corpus/ (or
 * $KMBENCH_CORPUS) converted to .kmt where `trace convert` is built,
 * cached; with @quick the smallest few.  0 or an exit code.
 */
int run_corpus(struct matrix_config *cfg, bool quick);

/* Allocators whose backend is installed, NULL-terminated (static). */
const char *const *matrix_default_allocators(void);

#endif /* KMB_MATRIX_H */
