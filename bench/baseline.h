/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/baseline.h - the user-space baseline allocators, each measured in a
 * process of its own.
 *
 * glibc, jemalloc, tcmalloc and mimalloc replace (or are) malloc for the
 * whole process that links them, so a measurement of one must never share a
 * process with another, nor with kmbench's own allocations.  Each baseline
 * has a helper executable, bench/backends/kmbench-backend-NAME, linked with
 * that allocator alone; the functions here run it and read its answer.
 */
#ifndef KMB_BASELINE_H
#define KMB_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The baselines, in the order reports list them. */
extern const char *const baseline_names[];
#define BASELINE_NR 4

/* Full path of @alloc's helper executable into @buf; NULL if unknown. */
const char *baseline_exe_path(const char *alloc, char *buf, size_t len);

/* True when @alloc's helper executable was built and can run. */
bool baseline_available(const char *alloc);

/*
 * Time alloc+free pairs of @size bytes in @alloc's helper process: @reps
 * runs of @iters pairs after a warm-up, one object live at a time (a warm
 * cache).  @align > 0 allocates with that alignment (aligned_alloc, or the
 * allocator's own aligned call).  *ns_per_pair gets the median run.
 * Returns 0, or -1 with a message on stderr.
 */
int baseline_pairs(const char *alloc, size_t size, size_t align,
		   uint64_t iters, int reps, double *ns_per_pair);

/*
 * Producer/consumer: one thread allocates @iters objects of @size bytes and
 * hands them through a queue to a second thread that frees them (remote
 * frees).  *ns_per_pair is wall time over @iters, median of @reps runs.
 */
int baseline_remote_pairs(const char *alloc, size_t size, uint64_t iters,
			  int reps, double *ns_per_pair);

/*
 * Run @alloc's helper with @argv (argv[0] is ignored and replaced by the
 * path), capture its stdout into a malloc'd string (*out) and return its
 * exit status (0..255), or -1 if it could not run or died of a signal.
 */
int baseline_run(const char *alloc, char *const argv[], char **out);

#endif /* KMB_BASELINE_H */
