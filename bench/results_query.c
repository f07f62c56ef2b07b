// SPDX-License-Identifier: GPL-2.0
/*
 * bench/results_query.c - metric values out of the results store, with the
 * derived metrics the report uses (see results.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"
#include "util.h"

struct derived {
	const char *name;
	const char *num, *den;	/* metric names */
	double scale;
};

static const struct derived derived[] = {
	{ "ns_per_event", "throughput.wall_s", "events.replayed", 1e9 },
	{ "tlb_misses_per_1k", "tlb.misses", "tlb.accesses", 1000 },
	{ "footprint_per_live", "fragmentation.peak_footprint_bytes",
	  "fragmentation.peak_live_bytes", 1 },
	{ "fidelity_class_pct", "fidelity.kmalloc_class.agree",
	  "fidelity.kmalloc_class.total", 100 },
	{ "fidelity_cache_pct", "fidelity.cache_size.agree",
	  "fidelity.cache_size.total", 100 },
	{ "hw_dtlb_misses_per_1k_instr", "counters.hardware.dtlb_load_misses",
	  "counters.hardware.instructions", 1000 },
};

#define CELL_FILTER							\
	" c.status = 'ok' AND (?2 IS NULL OR c.trace = ?2)"		\
	" AND (?3 IS NULL OR c.allocator = ?3)"				\
	" AND (?4 IS NULL OR c.mode = ?4) ORDER BY c.key"

int res_values(struct res_db *db, const char *metric, const char *trace,
	       const char *alloc, const char *mode, double **v, size_t *n)
{
	const char *p[6] = { metric, trace, alloc, mode };

	for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
		if (strcmp(metric, derived[i].name))
			continue;
		char scale[32];

		snprintf(scale, sizeof(scale), "%.17g", derived[i].scale);
		p[0] = derived[i].num;
		p[4] = derived[i].den;
		p[5] = scale;
		return res_query_doubles(db,
			"SELECT CAST(?6 AS REAL) * a.value / b.value"
			" FROM cells c"
			" JOIN metrics a ON a.cell_id = c.id AND a.name = ?1"
			" JOIN metrics b ON b.cell_id = c.id AND b.name = ?5"
			" WHERE b.value > 0 AND" CELL_FILTER, p, 6, v, n);
	}
	return res_query_doubles(db, "SELECT m.value FROM cells c JOIN metrics m"
				 " ON m.cell_id = c.id AND m.name = ?1 WHERE"
				 CELL_FILTER, p, 4, v, n);
}

int res_distinct(struct res_db *db, const char *column, char ***out,
		 size_t *n)
{
	char sql[128];

	if (strcmp(column, "trace") && strcmp(column, "allocator") &&
	    strcmp(column, "mode")) {
		kmb_warn("res_distinct: no column '%s'", column);
		return -1;
	}
	snprintf(sql, sizeof(sql), "SELECT %s FROM cells GROUP BY %s"
		 " ORDER BY min(id)", column, column);
	return res_query_strings(db, sql, NULL, 0, out, n);
}
