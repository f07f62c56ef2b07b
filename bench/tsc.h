/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/tsc.h - per-operation timing with the time-stamp counter.
 *
 * tsc_begin()/tsc_end() bracket one operation: `lfence; rdtsc` before and
 * `rdtscp; lfence` after, so the operation cannot drift out of the window.
 * tsc_calibrate() measures ticks per nanosecond against CLOCK_MONOTONIC and
 * the cost of an empty begin/end pair (the read overhead), which callers
 * subtract from every sample.  On machines without an invariant TSC (or
 * not x86) the counter is CLOCK_MONOTONIC in nanoseconds.
 */
#ifndef KMB_TSC_H
#define KMB_TSC_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define KMB_HAVE_TSC 1
#else
#define KMB_HAVE_TSC 0
#include "util.h"
#endif

struct tsc_calib {
	double ns_per_tick;	/* conversion factor */
	uint64_t overhead;	/* ticks of an empty begin/end pair (median) */
	double overhead_ns;	/* the same in ns */
	bool tsc;		/* true: the TSC; false: CLOCK_MONOTONIC */
	bool invariant;		/* CPUID says the TSC is invariant */
};

static inline uint64_t tsc_begin(void)
{
#if KMB_HAVE_TSC
	_mm_lfence();
	return __rdtsc();
#else
	return kmb_now_ns();
#endif
}

static inline uint64_t tsc_end(void)
{
#if KMB_HAVE_TSC
	unsigned int aux;
	uint64_t t = __rdtscp(&aux);

	_mm_lfence();
	return t;
#else
	return kmb_now_ns();
#endif
}

/* Calibrate (about 20 ms); the result is also kept in tsc_global. */
void tsc_calibrate(struct tsc_calib *c);

extern struct tsc_calib tsc_global;

#endif /* KMB_TSC_H */
