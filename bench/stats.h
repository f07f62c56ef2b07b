/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/stats.h - statistics of repeated measurements: median, quartiles,
 * interquartile range, coefficient of variation, 95% bootstrap confidence
 * intervals of the median and of the ratio of two medians.
 *
 * Quantiles use linear interpolation between order statistics (Hyndman and
 * Fan's type 7, the default of R and numpy).  The bootstrap is the
 * percentile method with a fixed seed, so a report is reproducible.
 */
#ifndef KMB_STATS_H
#define KMB_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_BOOT_RESAMPLES 2000
#define STATS_NOISY_CV 0.05	/* CV above 5%: flagged noisy */

struct stats_summary {
	size_t n;
	double mean, sd, cv;	/* sd: sample (n - 1); cv = sd / mean */
	double min, q1, median, q3, max, iqr;
	double ci_lo, ci_hi;	/* 95% bootstrap interval of the median */
};

/* Quantile @q (0..1) of @n values (any order); NAN when n == 0. */
double stats_quantile(const double *v, size_t n, double q);
double stats_median(const double *v, size_t n);

/* Everything above for @n values; fields are NAN when n == 0. */
void stats_summarize(const double *v, size_t n, struct stats_summary *s);

/*
 * 95% percentile-bootstrap interval of the median of @v, from @resamples
 * resamples drawn with @seed.  n == 1 gives [v0, v0].
 */
void stats_bootstrap_median(const double *v, size_t n, unsigned int resamples,
			    uint64_t seed, double *lo, double *hi);

/*
 * median(a) / median(b) with a 95% bootstrap interval (a and b resampled
 * independently).  Returns the ratio; NAN when either is empty or the
 * baseline median is 0.
 */
double stats_ratio(const double *a, size_t na, const double *b, size_t nb,
		   double *lo, double *hi);

#endif /* KMB_STATS_H */
