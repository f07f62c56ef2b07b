/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/results.h - the results store: one SQLite database per matrix run
 * (RUN_DIR/matrix.db).  docs/matrix.md describes the schema:
 *
 *	runs(id, started, host, shard, env_json, config_json)
 *	cells(id, run_id, key UNIQUE, trace, allocator, mode, rep, status,
 *	      exit_code, wall_s, pinned_cpu, stderr_tail, json, hyperfine_json,
 *	      finished)
 *	metrics(cell_id, name, value)		every number of the cell's JSON,
 *						named by its dotted path
 *	histograms(cell_id, name, idx, x, y)	arrays whose path names a
 *						histogram ("hist", "sizes", ...)
 *	timelines(cell_id, name, idx, x, y)	all other numeric arrays
 *
 * A cell's key is "TRACE|ALLOCATOR|MODE|REP"; it is written in one
 * transaction with everything that belongs to it, so a cell is either
 * wholly there or not at all, whatever happens to the process.
 */
#ifndef KMB_RESULTS_H
#define KMB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct res_db;
struct jv;

/* Cell statuses */
#define RES_OK "ok"
#define RES_FAILED "failed"	/* non-zero exit */
#define RES_CRASHED "crashed"	/* killed by a signal */
#define RES_TIMEOUT "timeout"
#define RES_BADJSON "bad-json"	/* exit 0 but no valid replay JSON */

struct res_cell {
	const char *trace, *allocator, *mode;
	int rep;
	const char *status;
	int exit_code;		/* exit status, or the signal number */
	double wall_s;
	int pinned_cpu;		/* -1: not pinned */
	const char *stderr_tail;
	const char *json;	/* the replay's JSON text (ok cells) */
	const char *hyperfine_json;	/* or NULL */
};

/*
 * Open (@create: create if missing, with the schema) the database at
 * @path.  0, or -1 with a message on stderr.
 */
int res_open(const char *path, bool create, struct res_db **out);
void res_close(struct res_db *db);

/* "TRACE|ALLOC|MODE|REP" into @buf. */
void res_cell_key(char *buf, size_t len, const char *trace, const char *alloc,
		  const char *mode, int rep);

/* Add a run (one matrix invocation); returns its id, or -1. */
int64_t res_run_add(struct res_db *db, const char *host, const char *shard,
		    const char *env_json, const char *config_json);

/* config_json of the first run (malloc'd), or NULL if there is none. */
char *res_run_config(struct res_db *db);

/* Number of cells stored. */
long res_cell_count(struct res_db *db);
bool res_cell_done(struct res_db *db, const char *key);

/*
 * Store one cell of run @run_id with its metrics, histograms and timelines
 * from @doc (the parsed JSON; NULL for failed cells), in one transaction.
 * 0, or -1 with a message.
 */
int res_cell_store(struct res_db *db, int64_t run_id,
		   const struct res_cell *c, const struct jv *doc);

/*
 * Join the databases @in[0..n-1] into a new database @out (which must not
 * exist).  A cell key present in several inputs is taken from the first and
 * reported.  0, or -1 with a message.
 */
int res_merge(const char *out, char *const *in, int n);

/*
 * Queries for reports: run @sql with text parameters @params[0..np-1]
 * (bound to ?1..?np) and collect the first column of every row.
 * 0, or -1 with a message.  Free with res_free_strings / free().
 */
int res_query_strings(struct res_db *db, const char *sql,
		      const char *const *params, int np, char ***out,
		      size_t *n);
int res_query_doubles(struct res_db *db, const char *sql,
		      const char *const *params, int np, double **out,
		      size_t *n);
void res_free_strings(char **v, size_t n);

/*
 * The values of @metric over the "ok" cells of one trace/allocator/mode
 * (any when NULL), one per cell in key order.  @metric is a stored name
 * ("ops.kmalloc.ns.mean") or a derived one:
 *	ns_per_event		1e9 * throughput.wall_s / events.replayed
 *	tlb_misses_per_1k	1000 * tlb.misses / tlb.accesses
 *	footprint_per_live	peak_footprint_bytes / peak_live_bytes
 *	fidelity_class_pct	100 * fidelity.kmalloc_class agree / total
 *	fidelity_cache_pct	100 * fidelity.cache_size agree / total
 *	hw_dtlb_misses_per_1k_instr  1000 * counters.hardware
 *				dtlb_load_misses / instructions
 * 0, or -1 with a message.
 */
int res_values(struct res_db *db, const char *metric, const char *trace,
	       const char *alloc, const char *mode, double **v, size_t *n);

/* Distinct values of a cells column ("trace", "allocator", "mode"). */
int res_distinct(struct res_db *db, const char *column, char ***out,
		 size_t *n);

#endif /* KMB_RESULTS_H */
