// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for bench/baseline.c: the baseline helper executables run in
 * their own processes and report the allocator they were linked with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "config.h"
#include "harness.h"

TEST(glibc_helper_is_built_and_reports_itself)
{
	char *argv[] = { "backend", "version", NULL };
	char *out = NULL;

	REQUIRE(baseline_available("glibc"));
	CHECK_EQ(baseline_run("glibc", argv, &out), 0);
	REQUIRE(out != NULL);
	CHECK(strstr(out, "allocator glibc ") != NULL);
	free(out);
}

TEST(each_linked_allocator_runs_in_its_own_process)
{
	static const struct { const char *name; int built; } want[] = {
		{ "jemalloc", HAVE_JEMALLOC },
		{ "tcmalloc", HAVE_TCMALLOC },
		{ "mimalloc", HAVE_MIMALLOC },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *argv[] = { "backend", "version", NULL };
		char expect[64];
		char *out = NULL;

		CHECK_EQ(baseline_available(want[i].name), want[i].built);
		if (!want[i].built)
			continue;
		CHECK_EQ(baseline_run(want[i].name, argv, &out), 0);
		snprintf(expect, sizeof(expect), "allocator %s ",
			 want[i].name);
		CHECK(out && strstr(out, expect));
		free(out);
	}
}

TEST(pairs_and_remote_give_a_positive_time)
{
	double ns = 0;

	CHECK_EQ(baseline_pairs("glibc", 64, 0, 10000, 3, &ns), 0);
	CHECK(ns > 0);
	ns = 0;
	CHECK_EQ(baseline_pairs("glibc", 4096, 4096, 10000, 1, &ns), 0);
	CHECK(ns > 0);
	ns = 0;
	CHECK_EQ(baseline_remote_pairs("glibc", 128, 10000, 1, &ns), 0);
	CHECK(ns > 0);
}

TEST(bad_requests_fail_cleanly)
{
	double ns = -1;
	char *argv[] = { "backend", "pairs", "64", "3", "10", "1", NULL };
	char *out = NULL;

	CHECK_EQ(baseline_pairs("no-such-allocator", 64, 0, 10, 1, &ns), -1);
	CHECK(!baseline_available("no-such-allocator"));
	/* alignment 3 is not a power of two: usage error, exit 64 */
	CHECK_EQ(baseline_run("glibc", argv, &out), 64);
	free(out);
}
