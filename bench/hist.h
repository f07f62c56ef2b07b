/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/hist.h - log-linear latency histograms.
 *
 * Values (TSC ticks or ns) below 256 have a bucket each; above, every power
 * of two [2^e, 2^(e+1)) is split into 128 equal buckets, so a bucket is at
 * most 1/128 of its lower bound wide.  A quantile is reported as the middle
 * of its bucket: relative error <= 1/256 (0.4%), well inside the 1% the
 * results promise.  Values >= 2^40 share the last bucket; count, sum, min
 * and max are exact.
 *
 *	idx(v) = v                                  for v < 256
 *	idx(v) = (e - 6) * 128 + (v >> (e - 7)) - 128 with e = fls(v) - 1
 */
#ifndef KMB_HIST_H
#define KMB_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	7
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_MAX_EXP	40
#define HIST_BUCKETS	((HIST_MAX_EXP - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

static inline unsigned int hist_index(uint64_t v)
{
	unsigned int e;

	if (v < 2 * HIST_SUB)
		return (unsigned int)v;
	e = 63 - (unsigned int)__builtin_clzll(v);
	if (e >= HIST_MAX_EXP)
		return HIST_BUCKETS - 1;
	return (e - HIST_SUB_BITS + 1) * HIST_SUB +
	       (unsigned int)(v >> (e - HIST_SUB_BITS)) - HIST_SUB;
}

static inline void hist_add(struct hist *h, uint64_t v)
{
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
	if (v < h->min)
		h->min = v;
	h->b[hist_index(v)]++;
}

/* An empty histogram (min is UINT64_MAX until the first value). */
void hist_init(struct hist *h);

/* Lowest value of bucket @idx and its width. */
uint64_t hist_bucket_low(unsigned int idx);
uint64_t hist_bucket_width(unsigned int idx);

/* The value at quantile @q (0..1): the middle of its bucket, within min..max. */
double hist_quantile(const struct hist *h, double q);

double hist_mean(const struct hist *h);

/* dst += src */
void hist_merge(struct hist *dst, const struct hist *src);

#endif /* KMB_HIST_H */
