/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/buddy_helpers.h - what the buddy allocator's tests share: a
 * buddyinfo snapshot and the full-coalescing check at the end of a run.
 */
#ifndef KMB_TEST_BUDDY_HELPERS_H
#define KMB_TEST_BUDDY_HELPERS_H

#include <stdio.h>

#include "harness.h"
#include "kmm/kmm.h"

static inline void buddyinfo_snapshot(char *buf, size_t len)
{
	FILE *fp = fmemopen(buf, len, "w");

	kmm_print_buddyinfo(fp);
	fclose(fp);
}

/*
 * With nothing allocated any more: the checker passes before and after
 * draining the pcp lists, every page is free, and buddyinfo is back to
 * @before (every block merged back).
 */
static inline void check_full_coalescing(const char *before)
{
	char after[2048];

	CHECK_EQ(buddy_pages_allocated(), 0);
	CHECK_EQ(buddy_check(stderr), 0);
	drain_all_pages();
	CHECK_EQ(buddy_check(stderr), 0);
	CHECK_UEQ(buddy_total_free_pages(), max_pfn);
	buddyinfo_snapshot(after, sizeof(after));
	CHECK_STR_EQ(after, before);
}

#endif /* KMB_TEST_BUDDY_HELPERS_H */
