// SPDX-License-Identifier: GPL-2.0
/*
 * bench/stats.c - see stats.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

#define STATS_SEED 0x6b6d62656e6368ull	/* "kmbench" */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *v, size_t n)
{
	double *s = kmb_xmalloc((n ? n : 1) * sizeof(*s));

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

/* Type-7 quantile of sorted @s. */
static double quantile_sorted(const double *s, size_t n, double q)
{
	double h, f;
	size_t i;

	if (!n)
		return NAN;
	h = (double)(n - 1) * q;
	i = (size_t)floor(h);
	if (i + 1 >= n)
		return s[n - 1];
	f = h - (double)i;
	return s[i] + f * (s[i + 1] - s[i]);
}

double stats_quantile(const double *v, size_t n, double q)
{
	double *s = sorted_copy(v, n);
	double r = quantile_sorted(s, n, q);

	free(s);
	return r;
}

double stats_median(const double *v, size_t n)
{
	return stats_quantile(v, n, 0.5);
}

/* xorshift64*: small, fast, good enough for resampling. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Median of a resample of @v (n values) drawn into @tmp. */
static double resample_median(const double *v, size_t n, double *tmp,
			      uint64_t *rng)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[rng_next(rng) % n];
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return quantile_sorted(tmp, n, 0.5);
}

void stats_bootstrap_median(const double *v, size_t n, unsigned int resamples,
			    uint64_t seed, double *lo, double *hi)
{
	double *tmp, *meds;
	uint64_t rng = seed | 1;

	if (!n || !resamples) {
		*lo = *hi = NAN;
		return;
	}
	tmp = kmb_xmalloc(n * sizeof(*tmp));
	meds = kmb_xmalloc(resamples * sizeof(*meds));
	for (unsigned int r = 0; r < resamples; r++)
		meds[r] = resample_median(v, n, tmp, &rng);
	qsort(meds, resamples, sizeof(*meds), cmp_double);
	*lo = quantile_sorted(meds, resamples, 0.025);
	*hi = quantile_sorted(meds, resamples, 0.975);
	free(tmp);
	free(meds);
}

void stats_summarize(const double *v, size_t n, struct stats_summary *s)
{
	double *sorted, sum = 0, ss = 0;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n) {
		s->mean = s->sd = s->cv = s->min = s->q1 = s->median = NAN;
		s->q3 = s->max = s->iqr = s->ci_lo = s->ci_hi = NAN;
		return;
	}
	sorted = sorted_copy(v, n);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (v[i] - s->mean);
	s->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	s->cv = s->mean != 0 ? s->sd / fabs(s->mean) : (s->sd ? INFINITY : 0);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->q1 = quantile_sorted(sorted, n, 0.25);
	s->median = quantile_sorted(sorted, n, 0.5);
	s->q3 = quantile_sorted(sorted, n, 0.75);
	s->iqr = s->q3 - s->q1;
	stats_bootstrap_median(v, n, STATS_BOOT_RESAMPLES, STATS_SEED,
			       &s->ci_lo, &s->ci_hi);
	free(sorted);
}

double stats_ratio(const double *a, size_t na, const double *b, size_t nb,
		   double *lo, double *hi)
{
	double ma = stats_median(a, na), mb = stats_median(b, nb);
	double *ta, *tb, *ratios;
	uint64_t rng = STATS_SEED;
	unsigned int nr = 0;

	*lo = *hi = NAN;
	if (!na || !nb || mb == 0)
		return NAN;
	ta = kmb_xmalloc(na * sizeof(*ta));
	tb = kmb_xmalloc(nb * sizeof(*tb));
	ratios = kmb_xmalloc(STATS_BOOT_RESAMPLES * sizeof(*ratios));
	for (unsigned int r = 0; r < STATS_BOOT_RESAMPLES; r++) {
		double x = resample_median(a, na, ta, &rng);
		double y = resample_median(b, nb, tb, &rng);

		if (y != 0)
			ratios[nr++] = x / y;
	}
	if (nr) {
		qsort(ratios, nr, sizeof(*ratios), cmp_double);
		*lo = quantile_sorted(ratios, nr, 0.025);
		*hi = quantile_sorted(ratios, nr, 0.975);
	}
	free(ta);
	free(tb);
	free(ratios);
	return ma / mb;
}
