// SPDX-License-Identifier: GPL-2.0
/* Unit tests: event names and kinds, the string table. */
#include <string.h>

#include "harness.h"
#include "kmt/trace.h"

TEST(event_names_round_trip)
{
	for (int i = 1; i < KMT_EV_NR; i++) {
		const char *n = kmt_event_name((enum kmt_event_type)i);

		CHECK_EQ(kmt_event_lookup(n, strlen(n)), i);
	}
	CHECK_EQ(kmt_event_lookup("kmem:kmalloc", 12), KMT_EV_KMALLOC);
	CHECK_EQ(kmt_event_lookup("kmallo", 6), KMT_EV_NONE);
	CHECK_EQ(kmt_event_kind(KMT_EV_KFREE), KMT_KIND_FREE);
	CHECK_EQ(kmt_event_kind(KMT_EV_MM_PAGE_ALLOC), KMT_KIND_ALLOC);
	CHECK_EQ(kmt_event_kind(KMT_EV_SYS_ENTER_MMAP), KMT_KIND_VM);
	CHECK_EQ(sizeof(struct kmt_event), 48);
}

TEST(strtab_interns)
{
	struct kmt_strtab st = { 0 };
	char buf[32];
	uint32_t ids[1000];

	CHECK_EQ(kmt_str_intern(&st, "", 0), 0);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(buf, sizeof(buf), "cache-%d", i);

		ids[i] = kmt_str_intern(&st, buf, (size_t)n);
		CHECK(ids[i] != 0);
	}
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(buf, sizeof(buf), "cache-%d", i);

		CHECK_EQ(kmt_str_intern(&st, buf, (size_t)n), ids[i]);
		CHECK_STR_EQ(kmt_str(&st, ids[i]), buf);
	}
	CHECK_EQ(st.nr, 1001);
	CHECK_STR_EQ(kmt_str(&st, 0), "");
	kmt_strtab_free(&st);
}
