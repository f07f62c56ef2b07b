// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmt_trace_load(): ordering, object resolution (pre-capture
 * frees, implicit frees, failed allocations, remote frees), compressed
 * input, missing files, and the text round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "kmt/trace.h"
#include "util.h"

#if HAVE_ZSTD
#include <zstd.h>
#endif
#if HAVE_ZLIB
#include <zlib.h>
#endif

static char tmpdir[] = "/tmp/kmt-load-XXXXXX";

static void remove_tmpdir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "# could not remove %s\n", tmpdir);
}

static const char *tmpfile_with(const char *name, const void *data,
				size_t len)
{
	static char path[256];
	static bool made;
	FILE *f;

	if (!made) {
		if (!mkdtemp(tmpdir))
			return NULL;
		atexit(remove_tmpdir);
		made = true;
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	if (!f)
		return NULL;
	fwrite(data, 1, len, f);
	fclose(f);
	return path;
}

static int load_text(const char *text, struct kmt_trace *t,
		     struct kmt_error *err)
{
	const char *path = tmpfile_with("t.txt", text, strlen(text));

	if (!path)
		return -1;
	return kmt_trace_load(path, NULL, t, err);
}

#define L(cpu, ts, ev) "x-1 [00" #cpu "] ..... " ts ": " ev "\n"

TEST(resolution)
{
	static const char text[] =
		"# kmbench-meta: hashed_ptrs=0\n"
		L(0, "1.000001", "kmalloc: call_site=a ptr=0x1000 bytes_req=8 "
		  "bytes_alloc=8 gfp_flags=GFP_KERNEL")
		L(1, "1.000002", "kfree: call_site=b ptr=0x1000")
		L(0, "1.000003", "kfree: call_site=b ptr=0x2000")
		L(0, "1.000004", "kmem_cache_alloc: call_site=c ptr=0x3000 "
		  "bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL")
		L(0, "1.000005", "kmem_cache_alloc: call_site=c ptr=0x3000 "
		  "bytes_req=64 bytes_alloc=64 gfp_flags=GFP_KERNEL")
		L(0, "1.000006", "kmalloc: call_site=a ptr=(null) bytes_req=8 "
		  "bytes_alloc=8 gfp_flags=GFP_KERNEL")
		L(0, "1.000007", "kfree: call_site=b ptr=(null)")
		L(0, "1.000008", "kfree: call_site=b ptr=0x10")
		L(0, "1.000009", "mm_page_alloc: page=0x1 pfn=0x100 order=1 "
		  "migratetype=0 gfp_flags=GFP_KERNEL")
		L(0, "1.000010", "mm_page_free: page=0x1 pfn=0x100 order=1");
	struct kmt_trace t;
	struct kmt_error err;

	REQUIRE(load_text(text, &t, &err) == 0);
	/* 10 events + 1 implicit free */
	REQUIRE(t.nr_ev == 11);
	CHECK_EQ(t.ev[0].obj, 0);
	CHECK_EQ(t.ev[1].obj, 0);
	CHECK(t.ev[1].flags & KMT_F_REMOTE);
	CHECK_EQ(t.ev[1].u.mem.alloc_cpu, 0);
	CHECK_EQ(t.ev[2].obj, KMT_OBJ_NONE);
	CHECK(t.ev[2].flags & KMT_F_PRECAPTURE);
	CHECK_EQ(t.ev[3].obj, 1);
	CHECK_EQ(t.ev[4].type, KMT_EV_KMEM_CACHE_FREE);
	CHECK(t.ev[4].flags & KMT_F_IMPLICIT);
	CHECK_EQ(t.ev[4].obj, 1);
	CHECK_EQ(t.ev[5].obj, 2);
	CHECK(t.ev[6].flags & KMT_F_FAILED);
	CHECK_EQ(t.ev[6].obj, KMT_OBJ_NONE);
	/* kfree(NULL) and kfree(ZERO_SIZE_PTR): no-ops, not pre-capture */
	CHECK_EQ(t.ev[7].flags & KMT_F_PRECAPTURE, 0);
	CHECK_EQ(t.ev[8].flags & KMT_F_PRECAPTURE, 0);
	CHECK_EQ(t.ev[9].obj, 3);
	CHECK_EQ(t.ev[9].u.mem.bytes_alloc, 8192);
	CHECK_EQ(t.ev[10].obj, 3);
	CHECK_EQ(t.nr_objs, 4);
	CHECK_EQ(t.counts.precapture_frees, 1);
	CHECK_EQ(t.counts.implicit_frees, 1);
	CHECK_EQ(t.counts.failed_allocs, 1);
	CHECK_EQ(t.counts.remote_frees, 1);
	CHECK_EQ(t.nr_cpus, 2);
	CHECK_EQ(t.by_type[KMT_EV_KFREE], 4);
	CHECK_UEQ(t.ev[0].ts, 0);
	CHECK_UEQ(t.ev[10].ts, 9000);
	kmt_trace_free(&t);
}

TEST(ordering_stable_per_cpu)
{
	static const char text[] =
		L(1, "2.000005", "kfree: call_site=a ptr=0x1")
		L(1, "2.000006", "kfree: call_site=a ptr=0x2")
		L(0, "2.000003", "kfree: call_site=a ptr=0x3")
		L(0, "2.000006", "kfree: call_site=a ptr=0x4")
		L(0, "2.000004", "kfree: call_site=a ptr=0x5")
		L(1, "2.000001", "kfree: call_site=a ptr=0x6");
	struct kmt_trace t;
	struct kmt_error err;
	static const char *const want[] = {
		/* cpu0: 3, 6, 6(clamped 4); cpu1: 5, 6, 6(clamped 1) */
		"0:3000", "1:5000", "1:6000", "0:6000", "0:6000", "1:6000",
	};

	REQUIRE(load_text(text, &t, &err) == 0);
	REQUIRE(t.nr_ev == 6);
	for (size_t i = 0; i < 6; i++) {
		char got[32];

		snprintf(got, sizeof(got), "%u:%llu", t.ev[i].cpu,
			 (unsigned long long)(t.ev[i].ts + t.base_ts -
					      2000000000ull));
		CHECK_STR_EQ(got, want[i]);
	}
	CHECK(t.counts.reordered > 0);
	kmt_trace_free(&t);
}

TEST(large_kmalloc_traced_twice)
{
	static const char text[] =
		L(0, "1.1", "kmalloc: call_site=a ptr=0x10000 bytes_req=20000 "
		  "bytes_alloc=32768 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.2", "mm_page_alloc: page=0x1 pfn=0x10 order=3 "
		  "migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.3", "kmalloc: call_site=a ptr=0x10000 bytes_req=20000 "
		  "bytes_alloc=32768 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.4", "kfree: call_site=a ptr=0x10000");
	struct kmt_trace t;
	struct kmt_error err;

	REQUIRE(load_text(text, &t, &err) == 0);
	CHECK_EQ(t.nr_ev, 3);
	CHECK_EQ(t.counts.duplicate_allocs, 1);
	CHECK_EQ(t.counts.implicit_frees, 0);
	/* the pages are the kmalloc's own: just before its repeat */
	CHECK(t.ev[1].flags & KMT_F_INNER);
	CHECK_EQ(t.ev[0].flags & KMT_F_INNER, 0);
	kmt_trace_free(&t);
}

TEST(large_kmalloc_pages_are_flagged_inner)
{
	static const char text[] =
		"# kmbench-meta: hashed_ptrs=0\n"
		/* A: the kmalloc's own pages, then its kfree and page free */
		L(0, "1.01", "mm_page_alloc: page=0x1 pfn=0x12340 order=2 "
		  "migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.02", "kmalloc: call_site=a ptr=0xffff888012340000 "
		  "bytes_req=12000 bytes_alloc=16384 gfp_flags=GFP_KERNEL")
		/* B: pfn is not the pointer's */
		L(0, "1.03", "mm_page_alloc: page=0x2 pfn=0x40000 order=2 "
		  "migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.04", "kmalloc: call_site=a ptr=0xffff888050000000 "
		  "bytes_req=12000 bytes_alloc=16384 gfp_flags=GFP_KERNEL")
		/* C: pages on another CPU */
		L(1, "1.05", "mm_page_alloc: page=0x3 pfn=0x60000 order=2 "
		  "migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.06", "kmalloc: call_site=a ptr=0xffff888060000000 "
		  "bytes_req=12000 bytes_alloc=16384 gfp_flags=GFP_KERNEL")
		/* D: another order; E: a small kmalloc after pages */
		L(0, "1.07", "mm_page_alloc: page=0x4 pfn=0x70000 order=1 "
		  "migratetype=0 gfp_flags=GFP_KERNEL|__GFP_COMP")
		L(0, "1.08", "kmalloc: call_site=a ptr=0xffff888070000000 "
		  "bytes_req=12000 bytes_alloc=16384 gfp_flags=GFP_KERNEL")
		L(0, "1.09", "mm_page_alloc: page=0x5 pfn=0x80000 order=0 "
		  "migratetype=0 gfp_flags=GFP_KERNEL")
		L(0, "1.10", "kmalloc: call_site=a ptr=0xffff888080000000 "
		  "bytes_req=4000 bytes_alloc=4096 gfp_flags=GFP_KERNEL")
		L(0, "1.11", "kfree: call_site=b ptr=0xffff888012340000")
		L(0, "1.12", "mm_page_free: page=0x1 pfn=0x12340 order=2")
		L(0, "1.13", "mm_page_free: page=0x2 pfn=0x40000 order=2");
	struct kmt_trace t;
	struct kmt_error err;

	REQUIRE(load_text(text, &t, &err) == 0);
	REQUIRE(t.nr_ev == 13);
	for (size_t i = 0; i < t.nr_ev; i++) {
		bool inner = i == 0 || i == 11;

		if (!!(t.ev[i].flags & KMT_F_INNER) != inner)
			th_fail(__FILE__, __LINE__, "event %zu: inner %d",
				i, !inner);
	}
	CHECK_EQ(t.ev[11].obj, t.ev[0].obj);
	CHECK(!kmt_fault_page(&t.ev[0]) && !kmt_fault_page(&t.ev[11]));
	kmt_trace_free(&t);
}

/* The pages a user page fault allocates, and their frees (the file says
 * which events are which) */
TEST(fault_pages_are_flagged)
{
	const char *path = th_srcpath("tests/data/replay/fault-pages.txt");
	struct kmt_trace t;
	struct kmt_error err;

	REQUIRE(kmt_trace_load(path, NULL, &t, &err) == 0);
	REQUIRE(t.nr_ev == 22);
	for (size_t i = 0; i < t.nr_ev; i++) {
		/* A and B, then their page frees */
		bool fault = i == 3 || i == 7 || i == 15 || i == 16;

		if (kmt_fault_page(&t.ev[i]) != fault)
			th_fail(__FILE__, __LINE__, "event %zu: fault page %d",
				i, !fault);
	}
	CHECK_EQ(t.ev[15].obj, t.ev[3].obj);
	CHECK_EQ(t.ev[16].obj, t.ev[7].obj);
	kmt_trace_free(&t);
}

static bool same_events(const struct kmt_trace *a, const struct kmt_trace *b)
{
	if (a->nr_ev != b->nr_ev || a->nr_objs != b->nr_objs)
		return false;
	for (size_t i = 0; i < a->nr_ev; i++) {
		struct kmt_event x = a->ev[i], y = b->ev[i];

		/* an implicit free comes back as a plain one, a number
		 * printed for gfp_flags as names */
		x.flags &= (uint8_t)~(KMT_F_IMPLICIT | KMT_F_GFP_RAW);
		y.flags &= (uint8_t)~(KMT_F_IMPLICIT | KMT_F_GFP_RAW);
		if (x.ts + a->base_ts != y.ts + b->base_ts ||
		    x.type != y.type || x.cpu != y.cpu || x.obj != y.obj ||
		    x.flags != y.flags || x.pid != y.pid ||
		    strcmp(kmt_str(&a->strs, x.site), kmt_str(&b->strs, y.site)))
			return false;
		if (kmt_event_kind(x.type) == KMT_KIND_VM) {
			if (memcmp(&x.u.vm, &y.u.vm, sizeof(x.u.vm)))
				return false;
		} else if (x.u.mem.bytes_req != y.u.mem.bytes_req ||
			   x.u.mem.bytes_alloc != y.u.mem.bytes_alloc ||
			   x.u.mem.gfp != y.u.mem.gfp ||
			   x.u.mem.order != y.u.mem.order ||
			   x.u.mem.node != y.u.mem.node ||
			   strcmp(kmt_str(&a->strs, x.u.mem.cache),
				  kmt_str(&b->strs, y.u.mem.cache))) {
			return false;
		}
	}
	return true;
}

TEST(text_round_trip)
{
	static const char *const files[] = {
		"tests/data/wild-traces/"
		"ezequielgarcia__kmem-probe-framework__Logs_slab_compare_kmem_"
		"SLUB.log.txt",
		"tests/data/wild-traces/"
		"unknown-blog_trace-cmd-3.2_kmalloc-filter-numeric-gfp.txt",
		"tests/data/wild-traces/"
		"lore-lkml__jaewon31.kim_2020-06-12__mm_page_alloc-nr_free.txt",
		"tests/data/wild-traces/"
		"lore-stable__rostedt_2024__print_fields.txt",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct kmt_opts opts = { .lenient = true };
		struct kmt_trace a, b;
		struct kmt_error err;
		char *text = NULL;
		size_t len = 0;
		FILE *f;
		const char *path;

		REQUIRE(kmt_trace_load(th_srcpath(files[i]), &opts, &a,
				       &err) == 0);
		f = open_memstream(&text, &len);
		CHECK_EQ(kmt_write_text(&a, f), 0);
		fclose(f);
		path = tmpfile_with("rt.txt", text, len);
		REQUIRE(path);
		CHECK_EQ(kmt_trace_load(path, NULL, &b, &err), 0);
		CHECK(a.nr_ev > 0);
		if (!same_events(&a, &b))
			th_fail(__FILE__, __LINE__, "%s: round trip differs",
				files[i]);
		free(text);
		kmt_trace_free(&a);
		kmt_trace_free(&b);
	}
}

TEST(missing_file_and_directory)
{
	struct kmt_trace t;
	struct kmt_error err;

	CHECK_EQ(kmt_trace_load("/nonexistent/trace.txt", NULL, &t, &err),
		 KMB_EX_USAGE);
	CHECK(strstr(err.msg, "cannot open") != NULL);
	CHECK_EQ(kmt_trace_load("/tmp", NULL, &t, &err), KMB_EX_USAGE);
	CHECK(strstr(err.msg, "directory") != NULL);
}

TEST(compressed_input)
{
	static const char text[] =
		L(0, "1.1", "kmalloc: call_site=a ptr=0x10000 bytes_req=20 "
		  "bytes_alloc=32 gfp_flags=GFP_KERNEL")
		L(0, "1.4", "kfree: call_site=a ptr=0x10000");
	struct kmt_trace t;
	struct kmt_error err;
	const char *path;

#if HAVE_ZSTD
	{
		char buf[512];
		size_t n = ZSTD_compress(buf, sizeof(buf), text, strlen(text),
					 3);

		REQUIRE(!ZSTD_isError(n));
		path = tmpfile_with("t.zst", buf, n);
		REQUIRE(kmt_trace_load(path, NULL, &t, &err) == 0);
		CHECK_EQ(t.nr_ev, 2);
		kmt_trace_free(&t);
		/* truncated: a clear error */
		path = tmpfile_with("t2.zst", buf, n - 4);
		CHECK_EQ(kmt_trace_load(path, NULL, &t, &err),
			 KMB_EX_DATAERR);
		CHECK(strstr(err.msg, "zstd") != NULL);
	}
#endif
#if HAVE_ZLIB
	{
		char p2[300];
		gzFile gz;

		path = tmpfile_with("t.gz", "", 0);
		REQUIRE(path);
		snprintf(p2, sizeof(p2), "%s", path);
		gz = gzopen(p2, "wb");
		REQUIRE(gz);
		gzwrite(gz, text, (unsigned int)strlen(text));
		gzclose(gz);
		REQUIRE(kmt_trace_load(p2, NULL, &t, &err) == 0);
		CHECK_EQ(t.nr_ev, 2);
		kmt_trace_free(&t);
	}
#endif
	(void)path;
}

