// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for bench/hist.c (log-linear histograms) and bench/tsc.c.
 */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "hist.h"
#include "tsc.h"
#include "util.h"

static struct hist h;

TEST(bucket_bounds_cover_every_value_once)
{
	uint64_t prev_end = 0;

	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		uint64_t lo = hist_bucket_low(i), w = hist_bucket_width(i);

		CHECK_UEQ(lo, prev_end);
		CHECK_EQ(hist_index(lo), i);
		CHECK_EQ(hist_index(lo + w - 1), i);
		/* a bucket is at most 1/128 of its lower bound wide */
		CHECK(lo < 256 || w * 128 <= lo);
		prev_end = lo + w;
	}
}

TEST(quantiles_within_one_percent)
{
	uint64_t seed = th_seed();

	for (int k = 0; k < 2000; k++) {
		uint64_t v;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		v = (seed >> 20) % (1ULL << (k % 39 + 1)) + 1;
		hist_init(&h);
		hist_add(&h, v);
		hist_add(&h, v * 3);
		CHECK(fabs(hist_quantile(&h, 0.5) - (double)v) <= 0.01 * v);
		CHECK(fabs(hist_quantile(&h, 0.99) - 3.0 * v) <= 0.03 * v);
		CHECK_EQ(h.max, v * 3);
	}
}

TEST(quantiles_of_a_uniform_sample)
{
	hist_init(&h);
	for (uint64_t v = 1; v <= 100000; v++)
		hist_add(&h, v);
	CHECK_NEAR(hist_quantile(&h, 0.5), 50000, 500);
	CHECK_NEAR(hist_quantile(&h, 0.9), 90000, 900);
	CHECK_NEAR(hist_quantile(&h, 0.99), 99000, 990);
	CHECK_NEAR(hist_quantile(&h, 0.999), 99900, 999);
	CHECK_NEAR(hist_mean(&h), 50000.5, 1e-6);
	CHECK_EQ(h.min, 1);
	CHECK_EQ(h.max, 100000);
}

TEST(merge_adds_counts)
{
	static struct hist a, b;

	hist_init(&a);
	hist_init(&b);
	hist_add(&a, 10);
	hist_add(&b, 1000);
	hist_add(&b, 5);
	hist_merge(&a, &b);
	CHECK_EQ(a.count, 3);
	CHECK_EQ(a.sum, 1015);
	CHECK_EQ(a.min, 5);
	CHECK_EQ(a.max, 1000);
	CHECK_NEAR(hist_quantile(&a, 0.5), 10, 0);
}

TEST(empty_histogram_has_no_quantile)
{
	hist_init(&h);
	CHECK(isnan(hist_quantile(&h, 0.5)));
	CHECK(isnan(hist_mean(&h)));
}

TEST(huge_values_land_in_the_last_bucket)
{
	hist_init(&h);
	hist_add(&h, 1ULL << 50);
	CHECK_EQ(hist_index(1ULL << 50), HIST_BUCKETS - 1);
	CHECK_NEAR(hist_quantile(&h, 1.0), (double)(1ULL << 50), 0);
}

TEST(tsc_calibration_is_sane)
{
	struct tsc_calib c;
	bool agreed = false;

	tsc_calibrate(&c);
	CHECK(c.ns_per_tick > 0.01 && c.ns_per_tick < 100);
	CHECK(c.overhead_ns >= 0 && c.overhead_ns < 10000);
	/* a 2 ms interval measured both ways agrees within 10% (retried:
	 * a preemption between the two reads is no calibration error) */
	for (int k = 0; k < 5 && !agreed; k++) {
		uint64_t n0 = kmb_now_ns(), t0 = tsc_begin(), n1, t1;
		double ns;

		do
			n1 = kmb_now_ns();
		while (n1 - n0 < 2000000);
		t1 = tsc_end();
		ns = (double)(t1 - t0) * c.ns_per_tick;
		agreed = fabs(ns - (double)(n1 - n0)) < 0.1 * (double)(n1 - n0);
	}
	CHECK(agreed);
}
