/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/results_report.h - the summary table and the report files
 * (report.md, report.html) of a matrix run; `kmbench plot` fills them.
 */
#ifndef KMB_RESULTS_REPORT_H
#define KMB_RESULTS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "stats.h"

struct res_db;

/* One line of the summary: a trace x allocator x mode group of cells. */
struct plot_row {
	char trace[160], alloc[64], mode[32];
	struct stats_summary s;		/* ns per event over the repetitions */
	size_t failed;			/* cells not "ok" */
	double ratio, rlo, rhi;		/* median / baseline's, 95% interval */
	bool noisy;			/* CV above STATS_NOISY_CV */
	double kmalloc_ns;		/* median of ops.kmalloc.ns.mean */
	double footprint_mib;		/* median peak footprint */
};

void plot_row_fill(struct res_db *db, struct plot_row *r, const char *trace,
		   const char *alloc, const char *mode, const char *baseline);
void plot_print_summary(FILE *fp, const struct plot_row *rows, size_t n,
			const char *baseline);

struct plot_failed {
	char *key, *status, *msg;
};

struct plot_failed *plot_failed_cells(struct res_db *db, size_t *n);
void plot_free_failed(struct plot_failed *f, size_t n);

#define REPORT_MAX_PLOTS 10

struct plot_report {
	const char *dir;	/* the run directory; reports go there */
	const char *env_json;
	const char *baseline;
	const struct plot_row *rows;
	size_t nrows;
	struct {
		const char *name, *title, *sentence;
		const char *missing;	/* why there is no image, or NULL */
	} plots[REPORT_MAX_PLOTS];
	int nplots;
	const struct plot_failed *failed;
	size_t nfailed;
};

/* summary.txt, report.md and report.html in r->dir, atomically. */
int plot_write_report(const struct plot_report *r);

#endif /* KMB_RESULTS_REPORT_H */
