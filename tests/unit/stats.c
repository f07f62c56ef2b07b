// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/stats.c - bench/stats.c against values computed by hand (and
 * by R's quantile(type = 7) / sd()).
 */
#include <math.h>

#include "harness.h"
#include "stats.h"

TEST(quantile_type7)
{
	double v[] = { 10, 1, 9, 2, 8, 3, 7, 4, 6, 5 };

	CHECK_NEAR(stats_quantile(v, 10, 0.25), 3.25, 1e-12);
	CHECK_NEAR(stats_quantile(v, 10, 0.75), 7.75, 1e-12);
	CHECK_NEAR(stats_median(v, 10), 5.5, 1e-12);
	CHECK_NEAR(stats_quantile(v, 10, 0), 1, 1e-12);
	CHECK_NEAR(stats_quantile(v, 10, 1), 10, 1e-12);
	CHECK_NEAR(stats_quantile(v, 10, 0.9), 9.1, 1e-12);
	CHECK(isnan(stats_median(v, 0)));
}

TEST(median_odd)
{
	double v[] = { 3, 1, 2 };

	CHECK_NEAR(stats_median(v, 3), 2, 0);
}

TEST(summary_known_values)
{
	double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct stats_summary s;

	stats_summarize(v, 8, &s);
	CHECK_EQ(s.n, 8);
	CHECK_NEAR(s.mean, 5, 1e-12);
	CHECK_NEAR(s.sd, sqrt(32.0 / 7), 1e-12);	/* 2.13809 */
	CHECK_NEAR(s.cv, sqrt(32.0 / 7) / 5, 1e-12);
	CHECK_NEAR(s.min, 2, 0);
	CHECK_NEAR(s.max, 9, 0);
	CHECK_NEAR(s.q1, 4, 1e-12);
	CHECK_NEAR(s.median, 4.5, 1e-12);
	CHECK_NEAR(s.q3, 5.5, 1e-12);
	CHECK_NEAR(s.iqr, 1.5, 1e-12);
	CHECK(s.ci_lo <= s.median && s.median <= s.ci_hi);
	CHECK(s.ci_lo >= 4 && s.ci_hi <= 7);
}

TEST(summary_single_and_empty)
{
	double one = 42;
	struct stats_summary s;

	stats_summarize(&one, 1, &s);
	CHECK_NEAR(s.median, 42, 0);
	CHECK_NEAR(s.ci_lo, 42, 0);
	CHECK_NEAR(s.ci_hi, 42, 0);
	CHECK_NEAR(s.sd, 0, 0);
	CHECK_NEAR(s.cv, 0, 0);
	stats_summarize(&one, 0, &s);
	CHECK(isnan(s.median) && isnan(s.ci_lo));
}

/*
 * For n = 101 the distribution-free 95% interval of the median runs from
 * order statistic 41 to 61 (n/2 -+ 1.96 sqrt(n)/2); the bootstrap interval
 * must agree to within a few ranks.
 */
TEST(bootstrap_median_interval)
{
	double v[101], lo, hi;

	for (int i = 0; i < 101; i++)
		v[i] = (double)((i * 37) % 101 + 1);	/* 1..101 shuffled */
	stats_bootstrap_median(v, 101, 2000, 7, &lo, &hi);
	CHECK(lo >= 39 && lo <= 46);
	CHECK(hi >= 56 && hi <= 63);
	CHECK(lo < 51 && hi > 51);
}

TEST(bootstrap_is_reproducible)
{
	double v[] = { 5, 9, 2, 7, 7, 1, 3 }, lo1, hi1, lo2, hi2;

	stats_bootstrap_median(v, 7, 500, 99, &lo1, &hi1);
	stats_bootstrap_median(v, 7, 500, 99, &lo2, &hi2);
	CHECK_NEAR(lo1, lo2, 0);
	CHECK_NEAR(hi1, hi2, 0);
}

TEST(ratio_of_medians)
{
	double a[] = { 20, 22, 21 }, b[] = { 10, 10, 10 }, lo, hi, r;

	r = stats_ratio(a, 3, b, 3, &lo, &hi);
	CHECK_NEAR(r, 2.1, 1e-12);
	CHECK(lo >= 2.0 - 1e-12 && hi <= 2.2 + 1e-12);
	CHECK(lo <= r && r <= hi);
	r = stats_ratio(b, 3, b, 3, &lo, &hi);
	CHECK_NEAR(r, 1, 0);
	CHECK_NEAR(lo, 1, 0);
	CHECK_NEAR(hi, 1, 0);
	r = stats_ratio(a, 3, b, 0, &lo, &hi);
	CHECK(isnan(r) && isnan(lo));
}
