// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the text parser: every format and kernel era, bad input
 * (strict: FILE:LINE and exit 65; lenient: counted by reason), and the
 * real-world samples in tests/data/wild-traces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "config.h"
#include "kmt/fuzz.h"
#include "kmt/trace.h"
#include "util.h"

struct one {
	int rc;			/* 1 event, 0 none, -1 error */
	struct kmt_rec rec;
	struct kmt_error err;
	struct kmt_counts counts;
	struct kmt_strtab strs;
	struct kmt_meta meta;
};

/* Parse @text (strict unless @lenient), first event into o->rec. */
static void parse1(const char *text, bool lenient, struct one *o)
{
	struct kmt_opts opts = { .lenient = lenient, .name = "t" };
	struct kmt_parser *p;

	memset(o, 0, sizeof(*o));
	o->meta.hashed_ptrs = -1;
	p = kmt_parser_open_mem(text, strlen(text), &opts, &o->strs, &o->meta);
	o->rc = kmt_parser_next(p, &o->rec, &o->err);
	while (o->rc > 0) {
		struct kmt_rec r;
		struct kmt_error e;

		if (kmt_parser_next(p, &r, &e) <= 0)
			break;
	}
	o->counts = *kmt_parser_counts(p);
	kmt_parser_close(p);
}

static void done1(struct one *o)
{
	kmt_strtab_free(&o->strs);
	kmt_meta_free(&o->meta);
}

#define EV(o) ((o)->rec.ev)

TEST(ftrace_kmalloc_current)
{
	struct one o;

	parse1("           <...>-1234  [003] d..1.  4582.696626: kmalloc: "
	       "call_site=alloc_bprm+0x32/0x1a0 ptr=00000000e70e10e0 "
	       "bytes_req=416 bytes_alloc=512 gfp_flags=GFP_KERNEL|__GFP_ZERO "
	       "node=-1 accounted=true\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_KMALLOC);
	CHECK_EQ(EV(&o).cpu, 3);
	CHECK_EQ(EV(&o).pid, 1234);
	CHECK_UEQ(EV(&o).ts, 4582696626000ull);
	CHECK_UEQ(o.rec.ptr, 0xe70e10e0ull);
	CHECK_EQ(EV(&o).u.mem.bytes_req, 416);
	CHECK_EQ(EV(&o).u.mem.bytes_alloc, 512);
	CHECK_UEQ(EV(&o).u.mem.gfp, GFP_KERNEL | __GFP_ZERO);
	CHECK_EQ(EV(&o).u.mem.node, -1);
	CHECK(EV(&o).flags & KMT_F_NODE);
	CHECK(EV(&o).flags & KMT_F_ACCOUNTED);
	CHECK_STR_EQ(kmt_str(&o.strs, EV(&o).site), "alloc_bprm+0x32/0x1a0");
	CHECK_EQ(o.rec.line, 1);
	done1(&o);
}

TEST(old_kernels_kmalloc_node_hex_callsite_old_gfp)
{
	struct one o;

	parse1("cli-1934  [001]  2796.789510: kmalloc_node: "
	       "call_site=ffffffff8116ffbd ptr=ffff88007d6ec000 "
	       "bytes_req=16344 bytes_alloc=16384 "
	       "gfp_flags=GFP_KERNEL|GFP_REPEAT|GFP_ZERO node=-1\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_KMALLOC_NODE);
	CHECK_EQ(EV(&o).cpu, 1);
	CHECK_EQ(EV(&o).pid, 1934);
	CHECK_UEQ(o.rec.ptr, 0xffff88007d6ec000ull);
	CHECK_UEQ(EV(&o).u.mem.gfp,
		  GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_ZERO);
	CHECK_STR_EQ(kmt_str(&o.strs, EV(&o).site), "ffffffff8116ffbd");
	done1(&o);
}

TEST(kmem_cache_free_name_and_colon_in_comm)
{
	struct one o;

	parse1("  test:.sh-1299    [004] .....  2886.040608: kmem_cache_free: "
	       "call_site=putname+0xa4/0xc8 ptr=000000000f4d22f4 "
	       "name=names_cache\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_KMEM_CACHE_FREE);
	CHECK_EQ(EV(&o).pid, 1299);
	CHECK_EQ(EV(&o).cpu, 4);
	CHECK_STR_EQ(kmt_str(&o.strs, EV(&o).u.mem.cache), "names_cache");
	done1(&o);
}

TEST(page_alloc_hex_and_decimal_pfn_failed)
{
	struct one o;

	parse1("make-16810 [004] .....  2319.000857: mm_page_alloc: "
	       "page=0xffffea00001347a7 pfn=0x1347a7 order=2 migratetype=1 "
	       "gfp_flags=0x152c4a\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_UEQ(o.rec.ptr, 0x1347a7);
	CHECK_EQ(EV(&o).u.mem.order, 2);
	CHECK_EQ(EV(&o).u.mem.migratetype, 1);
	CHECK_UEQ(EV(&o).u.mem.gfp, 0x152c4a);
	CHECK(EV(&o).flags & KMT_F_GFP_RAW);
	CHECK_EQ(EV(&o).u.mem.bytes_alloc, 4096 << 2);
	CHECK(!(EV(&o).flags & KMT_F_FAILED));
	done1(&o);

	parse1("sh-781 [004] ...1 31.300106: mm_page_alloc: "
	       "page=ffffffbdc0246380 pfn=299406 order=0 migratetype=1 "
	       "gfp_flags=GFP_HIGHUSER_MOVABLE\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_UEQ(o.rec.ptr, 299406);
	done1(&o);

	parse1("kswapd0-1207  [005] ...1   889.213398: mm_page_alloc: "
	       "page= (null) pfn=0 order=0 migratetype=1 nr_free=3650 "
	       "gfp_flags=GFP_NOWAIT|__GFP_HIGHMEM\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK(EV(&o).flags & KMT_F_FAILED);
	done1(&o);

	parse1("x-1 [000] ..... 1.000000: mm_page_alloc: page=(nil) pfn=0x0 "
	       "order=3 migratetype=0 gfp_flags=GFP_KERNEL\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK(EV(&o).flags & KMT_F_FAILED);
	done1(&o);
}

TEST(page_free_variants)
{
	static const struct {
		const char *line;
		int type, order;
	} c[] = {
		{ "a-1 [010] ..... 355.369905: mm_page_free: "
		  "page=00000000dc8c03bd pfn=0x182190 order=2",
		  KMT_EV_MM_PAGE_FREE, 2 },
		{ "a-1 [000] 4415.246466: mm_page_free_direct: "
		  "page=ffffea0003db9f40 pfn=1155800 order=0",
		  KMT_EV_MM_PAGE_FREE_DIRECT, 0 },
		{ "a-1 [000] .... 1.1: mm_page_free_batched: "
		  "page=ffffea0003db9f40 pfn=1155800 order=0",
		  KMT_EV_MM_PAGE_FREE_BATCHED, 0 },
		{ "a-1 [000] .... 1.1: mm_pagevec_free: "
		  "page=ffffea0003db9f40 pfn=1155800 order=0 cold=1",
		  KMT_EV_MM_PAGEVEC_FREE, 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct one o;

		parse1(c[i].line, false, &o);
		CHECK_EQ(o.rc, 1);
		CHECK_EQ(EV(&o).type, c[i].type);
		CHECK_EQ(EV(&o).u.mem.order, c[i].order);
		done1(&o);
	}
}

TEST(perf_script_and_trace_cmd)
{
	struct one o;

	parse1("perf  6429 [000]    22.498450:             kmem:mm_page_alloc: "
	       "page=0x176a17 pfn=1534487 order=0 migratetype=0 "
	       "gfp_flags=GFP_KERNEL\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_MM_PAGE_ALLOC);
	CHECK_EQ(EV(&o).pid, 6429);
	CHECK_UEQ(o.rec.ptr, 1534487);
	done1(&o);

	parse1("mkfs.ext4-664   [000]     4.773565: kmalloc:              "
	       "(wb_start_writeback+0x42) call_site=ffffffff81167eb2 "
	       "ptr=0xffff88003d4c3800 bytes_req=72 bytes_alloc=96 "
	       "gfp_flags=GFP_ATOMIC|GFP_NOWARN\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_KMALLOC);
	CHECK_EQ(EV(&o).u.mem.bytes_alloc, 96);
	CHECK_UEQ(EV(&o).u.mem.gfp, GFP_ATOMIC | __GFP_NOWARN);
	done1(&o);

	/* print-fields mode: "0x1000 (4096)", node as 0xffffffff */
	parse1("  4582.696626: kmem_cache_alloc: call_site=0xffffffff92d10d97 "
	       "(-1831793257) ptr=0xffff9e0e8571e000 (-107689771147264) "
	       "bytes_req=0x1000 (4096) bytes_alloc=0x1000 (4096) "
	       "gfp_flags=0xcc0 (3264) node=0xffffffff (-1) accounted=(0)\n",
	       false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).u.mem.bytes_req, 4096);
	CHECK_EQ(EV(&o).u.mem.node, -1);
	CHECK(!(EV(&o).flags & KMT_F_ACCOUNTED));
	done1(&o);

	/* TGID column */
	parse1("  bash-844   (  844) [000] .... 8824683.769449: kfree: "
	       "call_site=ffffffff95224c73 ptr=ffff8c16ef3bb800\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).pid, 844);
	CHECK_EQ(EV(&o).type, KMT_EV_KFREE);
	done1(&o);
}

TEST(vm_events)
{
	struct one o;

	parse1("a-7 [001] ..... 5.000001: sys_mmap(addr: 0, len: 2000, "
	       "prot: 3, flags: 22, fd: ffffffffffffffff, off: 0)\n", false,
	       &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_SYS_ENTER_MMAP);
	CHECK_UEQ(EV(&o).u.vm.len, 0x2000);
	CHECK_UEQ(EV(&o).u.vm.arg, (3ull << 32) | 0x22);
	done1(&o);

	parse1("a-7 [001] ..... 5.000002: sys_mmap -> 0x7f1234560000\n",
	       false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_SYS_EXIT_MMAP);
	CHECK_UEQ(EV(&o).u.vm.addr, 0x7f1234560000ull);
	done1(&o);

	parse1("a-7 [001] 5.000002: sys_enter_munmap: addr: 0x7f1234560000, "
	       "len: 0x00002000\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_SYS_ENTER_MUNMAP);
	CHECK_UEQ(EV(&o).u.vm.addr, 0x7f1234560000ull);
	done1(&o);

	parse1("a-7 [001] d.... 5.1: page_fault_user: address=0x7f00 "
	       "ip=0x401000 error_code=0x6\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_PAGE_FAULT_USER);
	CHECK_UEQ(EV(&o).u.vm.arg, 6);
	done1(&o);

	parse1("a-7 [001] ..... 5.2: sched_process_fork: comm=bash pid=7 "
	       "child_comm=bash child_pid=8\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_UEQ(EV(&o).u.vm.arg, 8);
	done1(&o);

	parse1("a-7 [001] ..... 5.3: rss_stat: mm_id=123 curr=1 "
	       "type=MM_ANONPAGES size=8192B\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_UEQ(EV(&o).u.vm.len, 8192);
	CHECK_UEQ(EV(&o).u.vm.arg, 1);
	done1(&o);
}

TEST(percpu_vmap_and_graph)
{
	struct one o;

	parse1("systemd-1 [000] .... 0.568931: percpu_alloc_percpu: "
	       "reserved=0 is_atomic=0 size=48 align=8 "
	       "base_addr=00000000fa92a086 off=32672 ptr=000000008da0b73d\n",
	       false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).u.mem.bytes_req, 48);
	CHECK_EQ(EV(&o).u.mem.order, 3);	/* align=8 as log2 */
	CHECK_EQ(EV(&o).u.mem.migratetype, 0);
	done1(&o);

	parse1("insmod-9 [001] .... 2.5: percpu_alloc_percpu: "
	       "call_site=load_module+0x1c/0x90 reserved=1 is_atomic=0 "
	       "size=200 align=64 base_addr=00000000fa92a086 off=0 "
	       "ptr=000000008da0b73d bytes_alloc=800 gfp_flags=GFP_KERNEL\n",
	       false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).u.mem.bytes_alloc, 800);
	CHECK_EQ(EV(&o).u.mem.order, 6);
	CHECK_EQ(EV(&o).u.mem.migratetype, 1);	/* reserved */
	done1(&o);

	parse1("a-1 [000] ..... 9.0: alloc_vmap_area: va_start=18446683600570 "
	       "size=8192 align=4096 vstart=0xffffc90000000000 "
	       "vend=0xffffe8ffffffffff failed=0\n", false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).type, KMT_EV_ALLOC_VMAP_AREA);
	CHECK_EQ(EV(&o).u.mem.bytes_req, 8192);
	done1(&o);

	parse1(" 3)               |  /* mm_page_alloc: page=ffffea000411b380 "
	       "pfn=1066702 order=0 migratetype=0 gfp_flags=GFP_KERNEL */\n",
	       false, &o);
	REQUIRE(o.rc == 1);
	CHECK_EQ(EV(&o).cpu, 3);
	CHECK_UEQ(o.rec.ptr, 1066702);
	done1(&o);
}

TEST(metadata_and_lost_events)
{
	struct one o;

	parse1("# kmbench-meta: kernel=6.8.0-test\n"
	       "# kmbench-meta: cpus=4\n# kmbench-meta: page_size=4096\n"
	       "# kmbench-meta: hostname=box\n# kmbench-meta: hashed_ptrs=0\n"
	       "# kmbench-meta: lost_events_cpu2=17\n"
	       "CPU:1 [LOST 5 EVENTS]\n", false, &o);
	CHECK_EQ(o.rc, 0);
	CHECK_STR_EQ(o.meta.kernel, "6.8.0-test");
	CHECK_STR_EQ(o.meta.hostname, "box");
	CHECK_EQ(o.meta.cpus, 4);
	CHECK_EQ(o.meta.hashed_ptrs, 0);
	REQUIRE(o.meta.nr_lost_cpus == 3);
	CHECK_EQ(o.meta.lost_events[2], 17);
	CHECK_EQ(o.meta.lost_events[1], 5);
	done1(&o);
}

/* strict: FILE:LINE and 65; lenient: counted under the right reason */
TEST(bad_lines)
{
	static const struct {
		const char *line;
		enum kmt_skip_reason why;
		const char *msg;
	} c[] = {
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=1 bytes_req=8",
		  KMT_SKIP_MISSING_FIELD, "bytes_alloc" },
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=1 bytes_req=x8 "
		  "bytes_alloc=8 gfp_flags=GFP_KERNEL",
		  KMT_SKIP_BAD_NUMBER, "bytes_req" },
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=1 bytes_req=-8 "
		  "bytes_alloc=8 gfp_flags=GFP_KERNEL",
		  KMT_SKIP_BAD_NUMBER, "bytes_req" },
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=1 "
		  "bytes_req=99999999999 bytes_alloc=8 gfp_flags=GFP_KERNEL",
		  KMT_SKIP_OUT_OF_RANGE, "too large" },
		{ "a-1 [000] .... 1.0: mm_page_alloc: page=0 pfn=5 order=99 "
		  "migratetype=0 gfp_flags=GFP_KERNEL",
		  KMT_SKIP_OUT_OF_RANGE, "order" },
		{ "a-1 [000] .... 1.0: mm_page_free: page=0 pfn=5 order=-1",
		  KMT_SKIP_BAD_NUMBER, "order" },
		{ "a-1 [000] .... 1.0: percpu_alloc_percpu: reserved=0 "
		  "is_atomic=0 size=8 align=12 base_addr=0 off=0 ptr=1",
		  KMT_SKIP_OUT_OF_RANGE, "align" },
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=zz bytes_req=8 "
		  "bytes_alloc=8 gfp_flags=GFP_KERNEL",
		  KMT_SKIP_BAD_NUMBER, "ptr" },
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=1 bytes_req=8 "
		  "bytes_alloc=8 gfp_flags=hello",
		  KMT_SKIP_BAD_GFP, "gfp" },
		{ "a-1 [000] .... 1.0: kmalloc: call_site=f ptr=1 bytes_req=8 "
		  "bytes_alloc=8 gfp_flags=GFP",
		  KMT_SKIP_BAD_GFP, "gfp" },
		{ "a-1 [000] .... xyz: kmalloc: call_site=f",
		  KMT_SKIP_BAD_HEADER, "timestamp" },
		{ "a-1 [999999] .... 1.0: kfree: call_site=f ptr=1",
		  KMT_SKIP_OUT_OF_RANGE, "CPU" },
		{ "\x01\x02\xff\xfe garbage \x7f",
		  KMT_SKIP_GARBAGE, "garbage" },
		{ "a-1 [000] .... 1.0: kfree: call_site=f ptr=\x01\x02",
		  KMT_SKIP_BAD_NUMBER, "ptr" },
		{ "a-6967 [002] ....  5280.610411: mm_page_alloc: "
		  "page=000000004bc90fd7 pfn=274176 order=3 ...  ",
		  KMT_SKIP_MISSING_FIELD, "migratetype" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char buf[512];
		struct one o;
		size_t n;

		/* a good line first, so the bad one is line 2 */
		n = (size_t)snprintf(buf, sizeof(buf),
				     "a-1 [000] .... 0.5: kfree: call_site=f "
				     "ptr=1\n%s\n", c[i].line);
		parse1(buf, false, &o);
		CHECK_EQ(o.rc, 1);	/* the good line */
		CHECK_EQ(o.counts.events, 1);
		done1(&o);

		memset(&o, 0, sizeof(o));
		{
			struct kmt_opts opts = { .name = "bad.txt" };
			struct kmt_parser *p;
			struct kmt_rec r;
			int rc;

			o.meta.hashed_ptrs = -1;
			p = kmt_parser_open_mem(buf, n, &opts, &o.strs,
						&o.meta);
			CHECK_EQ(kmt_parser_next(p, &r, &o.err), 1);
			rc = kmt_parser_next(p, &r, &o.err);
			CHECK_EQ(rc, -1);
			CHECK_EQ(o.err.code, KMB_EX_DATAERR);
			CHECK_EQ(o.err.line, 2);
			CHECK_STR_EQ(o.err.file, "bad.txt");
			if (!strstr(o.err.msg, c[i].msg))
				th_fail(__FILE__, __LINE__,
					"case %zu: message '%s' lacks '%s'", i,
					o.err.msg, c[i].msg);
			CHECK_EQ(kmt_parser_counts(p)->skipped[c[i].why], 1);
			kmt_parser_close(p);
			done1(&o);
		}
		{
			struct kmt_opts opts = { .lenient = true };
			struct kmt_parser *p;
			struct kmt_rec r;
			struct kmt_error e;
			int events = 0;

			memset(&o, 0, sizeof(o));
			p = kmt_parser_open_mem(buf, n, &opts, &o.strs,
						&o.meta);
			while (kmt_parser_next(p, &r, &e) > 0)
				events++;
			CHECK_EQ(events, 1);
			if (kmt_parser_counts(p)->skipped[c[i].why] != 1)
				th_fail(__FILE__, __LINE__,
					"case %zu: not counted as %s", i,
					kmt_skip_reason_name(c[i].why));
			kmt_parser_close(p);
			done1(&o);
		}
	}
}

TEST(nul_bytes_are_garbage)
{
	static const char buf[] = "a-1 [000] .... 1.0: kfree: call_site=f "
				  "ptr=1\n\0\0\0\0\n";
	struct kmt_strtab strs = { 0 };
	struct kmt_meta meta = { .hashed_ptrs = -1 };
	struct kmt_opts opts = { .name = "nul" };
	struct kmt_parser *p;
	struct kmt_rec r;
	struct kmt_error e;

	p = kmt_parser_open_mem(buf, sizeof(buf) - 1, &opts, &strs, &meta);
	CHECK_EQ(kmt_parser_next(p, &r, &e), 1);
	CHECK_EQ(kmt_parser_next(p, &r, &e), -1);
	CHECK_EQ(e.line, 2);
	CHECK_EQ(kmt_parser_counts(p)->skipped[KMT_SKIP_GARBAGE], 1);
	kmt_parser_close(p);
	kmt_strtab_free(&strs);
	kmt_meta_free(&meta);
}

TEST(empty_header_only_crlf_unknown)
{
	struct one o;

	parse1("", false, &o);
	CHECK_EQ(o.rc, 0);
	CHECK_EQ(o.counts.lines, 0);
	done1(&o);

	parse1("# tracer: nop\n#\n#  TASK-PID   CPU#  ||||  TIMESTAMP  "
	       "FUNCTION\n#     | |       |   ||||     |         |\n", false,
	       &o);
	CHECK_EQ(o.rc, 0);
	CHECK_EQ(o.counts.lines, 4);
	done1(&o);

	parse1("a-1 [000] .... 1.0: kfree: call_site=f ptr=1\r\n"
	       "a-1 [000] .... 1.1: kfree: call_site=f ptr=2\r\n", false, &o);
	CHECK_EQ(o.rc, 1);
	CHECK_EQ(o.counts.events, 2);
	CHECK_UEQ(o.rec.ptr, 1);
	done1(&o);

	parse1("a-1 [000] .... 1.0: sched_switch: prev_comm=a prev_pid=1\n"
	       "a-1 [000] .... 1.0: <stack trace>\n => kfree\n"
	       "a-1 [000] .... 1.1: kfree: call_site=f ptr=2\n", false, &o);
	CHECK_EQ(o.rc, 1);
	CHECK_EQ(o.counts.unknown_events, 1);
	CHECK_EQ(o.counts.events, 1);
	done1(&o);
}

/* ---- the real-world samples ---- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = kmb_xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Remove @prefix (after leading blanks) from every line that has it. */
static size_t strip(char *buf, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix), o = 0;

	for (size_t i = 0; i < len;) {
		size_t j = i, e;

		while (j < len && (buf[j] == ' ' || buf[j] == '\t'))
			j++;
		if (pl && len - j >= pl && !memcmp(buf + j, prefix, pl))
			i = j + pl;
		for (e = i; e < len && buf[e] != '\n'; e++)
			;
		if (e < len)
			e++;
		memmove(buf + o, buf + i, e - i);
		o += e - i;
		i = e;
	}
	return o;
}

#include "wild_expect.h"

TEST(wild_traces)
{
	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		char path[512];
		size_t len;
		char *buf;
		struct kmt_strtab strs = { 0 };
		struct kmt_meta meta = { .hashed_ptrs = -1 };
		struct kmt_opts opts = { .lenient = true };
		struct kmt_parser *p;
		struct kmt_rec r;
		struct kmt_error e;
		uint64_t bad = 0, first_bad = 0;
		int rc;

		snprintf(path, sizeof(path), "tests/data/wild-traces/%s",
			 wild[i].file);
		buf = read_file(th_srcpath(path), &len);
		if (!buf) {
			th_fail(__FILE__, __LINE__, "cannot read %s", path);
			continue;
		}
		len = strip(buf, len, wild[i].strip);
		p = kmt_parser_open_mem(buf, len, &opts, &strs, &meta);
		while ((rc = kmt_parser_next(p, &r, &e)) > 0)
			;
		for (int k = 0; k < KMT_SKIP_NR; k++)
			bad += kmt_parser_counts(p)->skipped[k];
		if (kmt_parser_counts(p)->events != wild[i].events ||
		    bad != wild[i].malformed || rc != 0)
			th_fail(__FILE__, __LINE__,
				"%s: %llu events, %llu malformed (expected "
				"%llu, %llu)", wild[i].file,
				(unsigned long long)kmt_parser_counts(p)->events,
				(unsigned long long)bad,
				(unsigned long long)wild[i].events,
				(unsigned long long)wild[i].malformed);
		kmt_parser_close(p);
		/* strict: stops at the first malformed line */
		opts.lenient = false;
		p = kmt_parser_open_mem(buf, len, &opts, &strs, &meta);
		while ((rc = kmt_parser_next(p, &r, &e)) > 0)
			;
		if (rc < 0)
			first_bad = e.line;
		if (first_bad != wild[i].first_bad)
			th_fail(__FILE__, __LINE__,
				"%s: strict stopped at line %llu, expected "
				"%llu (%s)", wild[i].file,
				(unsigned long long)first_bad,
				(unsigned long long)wild[i].first_bad,
				rc < 0 ? e.msg : "no error");
		kmt_parser_close(p);
		kmt_strtab_free(&strs);
		kmt_meta_free(&meta);
		free(buf);
	}
}

/*
 * The fast path (today's kmem lines read in one pass) gives up on anything
 * unusual and leaves it to the general path: on near-misses of each
 * field, both must read the same records and report the same errors.
 */
static const char *const near_miss[] = {
	"call_site=f+0x1/0x2 ptr=ffff888100db3160 bytes_req=8 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=false",
	"call_site=f+0x1/0x2 ptr=0x00000000e70e10e0 bytes_req=416 "
	"bytes_alloc=512 gfp_flags=GFP_KERNEL|__GFP_ZERO node=0 "
	"accounted=true",
	"call_site=0 ptr=0 bytes_req=8 bytes_alloc=8 gfp_flags=0x400cc0 "
	"node=3 accounted=(1)",
	"call_site=f ptr=  (null) bytes_req=8 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=false",
	"call_site=f ptr=0x0x1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=false",
	"call_site=f ptr=0X12 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=false",
	"call_site=f ptr=11112222333344445 bytes_req=8 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=0x10 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=4294967296 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=4294967295 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=99999999999 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc= gfp_flags=GFP_KERNEL "
	"node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_BOGUS "
	"node=-1 accounted=false",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-01 accounted=false",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=40000 accounted=false",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=32767 accounted=1",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=32768 accounted=1",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-2 accounted=false",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=true node=2",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1  accounted=true",
	"call_site=f ptr=1\tbytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=true",
	"call_site=f ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL",
	"call_site= ptr=1 bytes_req=8 bytes_alloc=8 gfp_flags=GFP_KERNEL "
	"node=-1 accounted=true",
	"call_site=f ptr=1 name=kmalloc-8 bytes_req=8 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=true",
	"call_site=f ptr=1 name=0 bytes_req=8 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=true",
	"call_site=f ptr=1 name= bytes_req=8 bytes_alloc=8 "
	"gfp_flags=GFP_KERNEL node=-1 accounted=true",
	"call_site=f ptr=ffff88810085dg80 name=filp",
	"call_site=f ptr=FFFF88810085DA80 name=filp",
	"call_site=f ptr=0xffff88810085da80 name=filp",
	"call_site=f ptr=ffff88810085da80  name=filp",
	"call_site=f ptr=ffff88810085da801 name=filp",
	"call_site=getname_flags.part.0+0x24/0x1f0 ptr=1 name=names_cache",
	"call_site=getname_flags.part.0+0x24/0x1f0 ptr=1 name=names_cachf",
	"call_site=f ptr=1", "call_site=f ptr=(null)", "call_site=f ptr=",
	"call_site=f ptr=1 name=filp", "call_site=f ptr=(null) name=filp",
	"call_site=f ptr=1 name=filp extra", "ptr=1 call_site=f",
	"page=ffffea0005ad2a40 pfn=0x16b4a9 order=0 migratetype=0 "
	"gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
	"page=(nil) pfn=0x0 order=3 migratetype=1 gfp_flags=GFP_KERNEL",
	"page=0 pfn=0x0 order=3 migratetype=1 gfp_flags=GFP_KERNEL",
	"page=x pfn=1234 order=3 migratetype=1 gfp_flags=GFP_KERNEL",
	"page=x pfn=0x0x1 order=3 migratetype=1 gfp_flags=GFP_KERNEL",
	"page=x pfn=0x1 order=17 migratetype=1 gfp_flags=GFP_KERNEL",
	"page=x pfn=0x1 order=16 migratetype=256 gfp_flags=GFP_KERNEL",
	"page=x pfn=0x1 order=1 migratetype=255 gfp_flags=",
	"page=x pfn=0x1 order=1", "page=x pfn=0x1 order=", "page=x pfn=0x",
	"page=x pfn=0x1 order=1 extra", "page=x pfn=0x1 order=-1",
	"address=0x7fa703a8d353 ip=0x7fa703a8d353 error_code=0x14",
	"address=0x7fa703a8d353 ip=0x7fa703a8d353 error_code=0x",
	"address=7fa703a8d353 ip=0x00007fa703a8d353 error_code=14",
	"address=0x7fa703a8d353 ip=0x7fa703a8d353 error_code=0x14 x=1",
	"address=0x7fa703a8d353 ip=0x7fa703a8d353 error_code=0x1g",
	"address=0x ip=0x7fa703a8d353 error_code=0x14",
	"address=0x7fa703a8d353 ip=-1 error_code=0x14",
	"mm_id=1990984222 curr=1 type=MM_FILEPAGES size=65536B",
	"mm_id=1990984222 curr=0 type=MM_ANONPAGES size=0B",
	"mm_id=1 curr=1 type=MM_SHMEMPAGES size=9223372036854775807B",
	"mm_id=1 curr=1 type=MM_SHMEMPAGES size=9223372036854775808B",
	"mm_id=1 curr=1 type=MM_SWAPENTS size=-4096B",
	"mm_id=1 curr=1 type=MM_OTHER size=4096B",
	"mm_id=1 curr=1 type=MM_SWAPENTS size=4096",
	"mm_id=1 curr=1 type=MM_SWAPENTS size=4096BB",
	"mm_id=1 curr=1 type=MM_SWAPENTS size=0x1000B",
	"mm_id=0x1 curr=1 type=MM_SWAPENTS size=4096B",
	"mm_id=1 curr= type=MM_SWAPENTS size=4096B",
	"mm_id=1 curr=1 member=2 size=4096B",
	"mm_id=99999999999999999999 curr=1 type=MM_SWAPENTS size=4096B",
};

TEST(fast_path_agrees_with_general_path)
{
	static const char *const events[] = {
		"kmalloc", "kmem_cache_alloc", "kfree", "kmem_cache_free",
		"mm_page_alloc", "mm_page_free", "mm_page_free_batched",
		"page_fault_user", "rss_stat",
	};
	static const char *const corpus[] = {
		"compile", "forkexec", "lifecycle", "mmap", "network", "tar",
	};
	char line[512], path[512];

	for (size_t i = 0; i < sizeof(near_miss) / sizeof(near_miss[0]); i++)
		for (size_t k = 0; k < sizeof(events) / sizeof(events[0]);
		     k++) {
			int n = snprintf(line, sizeof(line),
					 "  a-1 [001] .....  5.000001: %s: %s"
					 "\r\n", events[k], near_miss[i]);

			for (int l = 0; l < 2; l++)
				if (kmt_text_paths_differ(NULL,
						(const uint8_t *)line,
						(size_t)n, l))
					th_fail(__FILE__, __LINE__,
						"fast and general paths "
						"differ on '%s'", line);
		}
	for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		size_t len;
		char *buf;

		snprintf(path, sizeof(path), "tests/data/wild-traces/%s",
			 wild[i].file);
		buf = read_file(th_srcpath(path), &len);
		REQUIRE(buf);
		len = strip(buf, len, wild[i].strip);
		for (int l = 0; l < 2; l++)
			if (kmt_text_paths_differ(NULL, (const uint8_t *)buf,
						  len, l))
				th_fail(__FILE__, __LINE__,
					"%s: fast and general paths differ",
					wild[i].file);
		free(buf);
	}
	for (size_t i = 0; HAVE_ZSTD && i < sizeof(corpus) / sizeof(corpus[0]);
	     i++) {
		uint64_t at;

		snprintf(path, sizeof(path), "traces/corpus/%s-tiny.trace.zst",
			 corpus[i]);
		at = kmt_text_paths_differ(th_srcpath(path), NULL, 0, false);
		if (at)
			th_fail(__FILE__, __LINE__, "%s: fast and general "
				"paths differ at line %llu", path,
				(unsigned long long)at);
	}
}
