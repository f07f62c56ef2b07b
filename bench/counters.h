/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/counters.h - hardware and software event counters around a replay.
 *
 * Hardware events (cycles, instructions, dTLB load misses, page walks, LLC
 * misses) are encoded by libpfm4 where it is built in, and opened with
 * perf_event_open; a virtual machine without a PMU has none, and then
 * counters_result.hw_reason says why in one line.  Software events
 * (task-clock, page-faults, context-switches) work everywhere perf events
 * are allowed.  Counters count the opening thread and the threads it
 * creates afterwards (inherit).
 */
#ifndef KMB_COUNTERS_H
#define KMB_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

enum { CNT_HW_NR = 5, CNT_SW_NR = 3 };

extern const char *const counters_hw_names[CNT_HW_NR];
extern const char *const counters_sw_names[CNT_SW_NR];

struct counters_result {
	bool hw_ok[CNT_HW_NR];
	uint64_t hw[CNT_HW_NR];
	char hw_reason[160];	/* "" when at least one hardware event works */
	bool sw_ok[CNT_SW_NR];
	uint64_t sw[CNT_SW_NR];
	char sw_reason[160];
};

struct counters {
	int hw_fd[CNT_HW_NR];
	int sw_fd[CNT_SW_NR];
};

/* Open and start the counters; what fails is noted in @r. */
void counters_start(struct counters *c, struct counters_result *r);
/* Stop, read into @r and close.  A counter the kernel multiplexed is
 * scaled by its enabled/running time; one that never ran is not ok. */
void counters_stop(struct counters *c, struct counters_result *r);

struct perf_event_attr;
struct json_writer;

/*
 * The attribute of hardware event @i (user space only): the first of
 * counters_pfm_names[i] that libpfm4 encodes for this machine's PMUs,
 * else the kernel's generic hardware or cache event; false when neither
 * exists (page walks have no generic event).
 */
bool counters_encode(int i, struct perf_event_attr *a);
/* libpfm4 names tried for hardware event @i, in order, NULL-terminated */
extern const char *const counters_pfm_names[CNT_HW_NR][4];
/* perf_event_open of one counter (a test may replace it) */
extern int (*counters_open)(struct perf_event_attr *a);

/* The "counters" member of the replay results (docs/results-schema.md) */
void counters_json(struct json_writer *w, const struct counters_result *r);

#endif /* KMB_COUNTERS_H */
