// SPDX-License-Identifier: GPL-2.0
/*
 * bench/tsc.c - TSC calibration: ticks per nanosecond and the read cost.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsc.h"
#include "util.h"

#if KMB_HAVE_TSC
#include <cpuid.h>
#endif

struct tsc_calib tsc_global = { .ns_per_tick = 1.0 };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool tsc_is_invariant(void)
{
#if KMB_HAVE_TSC
	unsigned int a, b, c, d;

	if (__get_cpuid_max(0x80000000, NULL) < 0x80000007)
		return false;
	__cpuid(0x80000007, a, b, c, d);
	return (d >> 8) & 1;
#else
	return false;
#endif
}

/* Median of 9 back-to-back empty begin/end pairs, repeated. */
static uint64_t measure_overhead(void)
{
	enum { N = 1001 };
	static uint64_t s[N];

	for (int i = 0; i < N; i++) {
		uint64_t t0 = tsc_begin();
		uint64_t t1 = tsc_end();

		s[i] = t1 - t0;
	}
	qsort(s, N, sizeof(s[0]), cmp_u64);
	return s[N / 2];
}

void tsc_calibrate(struct tsc_calib *c)
{
	memset(c, 0, sizeof(*c));
	c->tsc = KMB_HAVE_TSC;
	c->invariant = tsc_is_invariant();
	c->ns_per_tick = 1.0;
#if KMB_HAVE_TSC
	{
		double best = 0;

		/* Three 7 ms windows; keep the median ratio. */
		double r[3];

		for (int i = 0; i < 3; i++) {
			uint64_t n0 = kmb_now_ns(), t0 = tsc_begin(), n1, t1;

			do {
				n1 = kmb_now_ns();
			} while (n1 - n0 < 7000000);
			t1 = tsc_end();
			r[i] = (double)(n1 - n0) / (double)(t1 - t0);
		}
		best = r[0];
		if ((r[1] >= r[0]) != (r[1] >= r[2]))
			best = r[1];
		else if ((r[2] >= r[0]) != (r[2] >= r[1]))
			best = r[2];
		c->ns_per_tick = best;
	}
#endif
	c->overhead = measure_overhead();
	c->overhead_ns = (double)c->overhead * c->ns_per_tick;
	tsc_global = *c;
}
