// SPDX-License-Identifier: GPL-2.0
/*
 * bench/hist.c - log-linear histograms: quantiles and merging.
 */
#include <math.h>
#include <string.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t hist_bucket_low(unsigned int idx)
{
	unsigned int e;

	if (idx < 2 * HIST_SUB)
		return idx;
	e = idx / HIST_SUB + HIST_SUB_BITS - 1;
	return (uint64_t)(idx % HIST_SUB + HIST_SUB) << (e - HIST_SUB_BITS);
}

uint64_t hist_bucket_width(unsigned int idx)
{
	if (idx < 2 * HIST_SUB)
		return 1;
	return 1ULL << (idx / HIST_SUB - 1);
}

double hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;
	double v;

	if (!h->count)
		return NAN;
	if (q <= 0)
		return (double)h->min;
	if (q >= 1)
		return (double)h->max;
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank < 1)
		rank = 1;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen < rank)
			continue;
		if (i == HIST_BUCKETS - 1)	/* overflow: only max is known */
			return (double)h->max;
		v = (double)hist_bucket_low(i);
		if (hist_bucket_width(i) > 1)
			v += (double)(hist_bucket_width(i) - 1) / 2;
		if (v > (double)h->max)
			v = (double)h->max;
		if (v < (double)h->min)
			v = (double)h->min;
		return v;
	}
	return (double)h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : NAN;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
	if (src->min < dst->min)
		dst->min = src->min;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}
