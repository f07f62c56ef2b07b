// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the TLB model against cases worked out by hand with the
 * default configuration: L1 4 KiB 64 entries 4-way (16 sets), L1 2 MiB 32
 * 4-way, L1 1 GiB 8 fully associative; L2 4 KiB+2 MiB 2048 16-way (128
 * sets), L2 1 GiB 16 4-way; four-level walks.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "kmm/cpu.h"
#include "kmm/tlb.h"

#define BASE	0xffffc90000000000ULL
#define PG	4096ULL

static void walk_pages(struct tlb *t, uint64_t base, unsigned long n,
		       unsigned int asid)
{
	for (unsigned long i = 0; i < n; i++)
		tlb_access(t, base + i * PG, asid, TLB_PG_4K);
}

TEST(sequential_walk_each_page_misses_once)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	/* 10 pages, every 64th byte: one miss per page, the rest L1 hits */
	tlb_access_range(t, BASE, 10 * PG, 64, 0, TLB_PG_4K);
	CHECK_EQ(t->st.accesses, 640);
	CHECK_EQ(t->st.misses, 10);
	CHECK_EQ(t->st.hits[0], 630);
	CHECK_EQ(t->st.walk_reads, 40);
	CHECK_EQ(tlb_nr_valid(t), 20);	/* each page in L1 and L2 */
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(fast_path_hits_are_counted_after_a_fold)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(tlb_access(t, BASE + (uint64_t)i * 8, 0, TLB_PG_4K),
			 i ? 1 : 0);
	tlb_fold_stats(t);
	CHECK_EQ(t->st.accesses, 100);
	CHECK_EQ(t->st.hits[0], 99);
	CHECK_EQ(t->st.misses, 1);
	/* the next slow-path access folds by itself */
	tlb_access(t, BASE, 0, TLB_PG_4K);
	tlb_access(t, BASE + PG, 0, TLB_PG_4K);
	CHECK_EQ(t->st.accesses, 102);
	CHECK_EQ(t->st.hits[0], 100);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(loop_that_fits_l1_hits_after_first_pass)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	for (int pass = 0; pass < 5; pass++)
		walk_pages(t, BASE, 64, 0);
	CHECK_EQ(t->st.misses, 64);
	CHECK_EQ(t->st.hits[0], 4 * 64);
	CHECK_EQ(t->st.hits[1], 0);
	CHECK_EQ(t->st.evictions, 0);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(loop_that_thrashes_l1_hits_l2)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	/* 128 pages: 8 per L1 set cycling through 4 ways with LRU, so every
	 * access misses L1; L2 has 128 sets, one page each */
	walk_pages(t, BASE, 128, 0);
	CHECK_EQ(t->st.misses, 128);
	tlb_reset_stats(t);
	walk_pages(t, BASE, 128, 0);
	walk_pages(t, BASE, 128, 0);
	CHECK_EQ(t->st.misses, 0);
	CHECK_EQ(t->st.hits[0], 0);
	CHECK_EQ(t->st.hits[1], 256);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(loop_that_thrashes_everything_always_walks)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	/* 4096 pages: 32 per L2 set through 16 ways: every access walks */
	for (int pass = 0; pass < 3; pass++)
		walk_pages(t, BASE, 4096, 0);
	CHECK_EQ(t->st.misses, 3 * 4096);
	CHECK_EQ(t->st.hits[0] + t->st.hits[1], 0);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(huge_pages_need_one_entry_per_page)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	/* 8 MiB touched every 4 KiB: 4 misses with 2 MiB pages */
	tlb_access_range(t, 0xffff888000000000ULL, 8 << 20, 4096, 0,
			 TLB_PG_2M);
	CHECK_EQ(t->st.misses, 4);
	CHECK_EQ(t->st.misses_by_size[TLB_PG_2M], 4);
	CHECK_EQ(t->st.walk_reads, 4 * 3);
	tlb_reset_stats(t);
	/* 2 GiB every 2 MiB with 1 GiB pages: 2 misses, 2 walk reads each */
	tlb_access_range(t, 0xffff888000000000ULL, 2ULL << 30, 2 << 20, 0,
			 TLB_PG_1G);
	CHECK_EQ(t->st.misses, 2);
	CHECK_EQ(t->st.walk_reads, 4);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(lru_evicts_least_recently_used)
{
	struct tlb_config cfg;
	char err[128];
	struct tlb *t;
	uint64_t a = 0x1000, b = 0x2000, c = 0x3000;

	REQUIRE(tlb_config_parse("l1:4k=2/2", &cfg, err, sizeof(err)) == 0);
	t = tlb_create(&cfg);
	REQUIRE(t);
	tlb_access(t, a, 0, TLB_PG_4K);
	tlb_access(t, b, 0, TLB_PG_4K);
	tlb_access(t, a, 0, TLB_PG_4K);	/* a is now more recent than b */
	tlb_access(t, c, 0, TLB_PG_4K);	/* evicts b */
	CHECK(tlb_probe(t, 1, a, 0, TLB_PG_4K));
	CHECK(!tlb_probe(t, 1, b, 0, TLB_PG_4K));
	CHECK(tlb_probe(t, 1, c, 0, TLB_PG_4K));
	CHECK_EQ(t->st.evictions, 1);
	CHECK_EQ(tlb_access(t, a, 0, TLB_PG_4K), 1);
	CHECK_EQ(tlb_access(t, b, 0, TLB_PG_4K), 0);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(asid_tags_and_flushes)
{
	struct tlb *t = tlb_create(NULL);

	REQUIRE(t);
	CHECK_EQ(tlb_access(t, 0x400000, 1, TLB_PG_4K), 0);
	CHECK_EQ(tlb_access(t, 0x400000, 2, TLB_PG_4K), 0);
	CHECK_EQ(tlb_access(t, 0x400000, 1, TLB_PG_4K), 1);
	tlb_flush_asid(t, 1);
	CHECK(!tlb_probe(t, 1, 0x400000, 1, TLB_PG_4K));
	CHECK(!tlb_probe(t, 2, 0x400000, 1, TLB_PG_4K));
	CHECK(tlb_probe(t, 1, 0x400000, 2, TLB_PG_4K));
	CHECK_EQ(tlb_access(t, 0x400000, 1, TLB_PG_4K), 0);

	walk_pages(t, BASE, 8, 0);
	tlb_flush_page(t, BASE + 3 * PG, 0);
	CHECK(!tlb_probe(t, 1, BASE + 3 * PG, 0, TLB_PG_4K));
	CHECK(!tlb_probe(t, 2, BASE + 3 * PG, 0, TLB_PG_4K));
	CHECK(tlb_probe(t, 1, BASE + 4 * PG, 0, TLB_PG_4K));
	/* a short range flushes page by page */
	tlb_flush_range(t, BASE, BASE + 2 * PG, 0);
	CHECK(!tlb_probe(t, 1, BASE, 0, TLB_PG_4K));
	CHECK(!tlb_probe(t, 1, BASE + PG, 0, TLB_PG_4K));
	CHECK(tlb_probe(t, 1, BASE + 2 * PG, 0, TLB_PG_4K));
	CHECK(tlb_probe(t, 1, 0x400000, 2, TLB_PG_4K));
	CHECK_EQ(t->st.flush_range, 1);
	/* above the ceiling the kernel ASID flushes everything */
	tlb_flush_range(t, BASE, BASE + 34 * PG, 0);
	CHECK_EQ(t->st.flush_all, 1);
	CHECK_EQ(tlb_nr_valid(t), 0);
	/* the fast path must not survive a flush */
	tlb_access(t, BASE, 0, TLB_PG_4K);
	tlb_flush_all(t);
	CHECK_EQ(tlb_access(t, BASE, 0, TLB_PG_4K), 0);
	CHECK_EQ(tlb_check(t, stderr), 0);
	tlb_destroy(t);
}

TEST(shootdown_reaches_other_cpu_at_next_access)
{
	struct tlb *t0, *t1;

	REQUIRE(kmm_set_nr_cpus(2) == 0);
	REQUIRE(tlb_model_init(NULL) == 0);
	t0 = tlb_cpu(0);
	t1 = tlb_cpu(1);
	REQUIRE(t0 && t1 && tlb_this_cpu() == t0);
	tlb_access(t0, BASE, 0, TLB_PG_4K);
	tlb_access(t1, BASE, 0, TLB_PG_4K);
	tlb_access(t1, BASE + PG, 0, TLB_PG_4K);
	tlb_shootdown_range(BASE, BASE + PG, 0);
	CHECK(!tlb_probe(t0, 1, BASE, 0, TLB_PG_4K));
	CHECK(tlb_probe(t1, 1, BASE, 0, TLB_PG_4K));	/* not yet */
	/* the next access on CPU 1, even a fast-path one, applies it */
	CHECK_EQ(tlb_access(t1, BASE + PG, 0, TLB_PG_4K), 1);
	CHECK(!tlb_probe(t1, 1, BASE, 0, TLB_PG_4K));
	CHECK_EQ(t1->st.shootdowns, 1);
	CHECK_EQ(tlb_access(t1, BASE, 0, TLB_PG_4K), 0);
	/* many requests overflow into one full flush */
	for (int i = 0; i < 40; i++)
		tlb_shootdown_asid(7);
	tlb_process_mailbox(t1);
	CHECK_EQ(tlb_nr_valid(t1), 0);
	CHECK_EQ(tlb_check(t0, stderr), 0);
	CHECK_EQ(tlb_check(t1, stderr), 0);
	tlb_model_exit();
	CHECK(!tlb_model_active());
	kmm_set_nr_cpus(1);
}

TEST(config_parse_and_format_round_trip)
{
	struct tlb_config cfg, cfg2;
	char err[160], buf[256], buf2[256];

	tlb_config_format(&tlb_default_config, buf, sizeof(buf));
	CHECK_STR_EQ(buf, "l1:4k=64/4,2m=32/4,1g=8/8;"
		     "l2:4k+2m=2048/16,1g=16/4;walk=4");
	REQUIRE(tlb_config_parse(buf, &cfg, err, sizeof(err)) == 0);
	tlb_config_format(&cfg, buf2, sizeof(buf2));
	CHECK_STR_EQ(buf2, buf);
	CHECK(tlb_config_parse("l1:4k=48/4", &cfg2, err, sizeof(err)) != 0);
	CHECK(strstr(err, "power-of-two") != NULL);
	CHECK(tlb_config_parse("l1:4k=64/4,4k=8/8", &cfg2, err,
			       sizeof(err)) != 0);
	CHECK(tlb_config_parse("l2:4k=64/4", &cfg2, err, sizeof(err)) != 0);
	CHECK(tlb_config_parse("l1:3k=64/4", &cfg2, err, sizeof(err)) != 0);
	CHECK(tlb_config_parse("l1:4k=64/4;walk=9", &cfg2, err,
			       sizeof(err)) != 0);
	CHECK(tlb_config_parse("default", &cfg2, err, sizeof(err)) == 0);
	CHECK_EQ(cfg2.level[1].s[0].entries, 2048);
}
