// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the .kmt format: lossless round trip of every wild trace,
 * compactness on a regular trace, other versions refused, several threads,
 * truncated and corrupted files; the compact decoded form
 * (kmt_decode_compact()) equals the full form field by field (but a
 * memory event's pid, which it leaves out) on the corpus, the wild traces
 * and a synthetic trace.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "kmt/kmt.h"
#include "kmt/synth.h"
#include "kmt/trace.h"
#include "util.h"

static bool same(const struct kmt_trace *a, const struct kmt_trace *b)
{
	if (a->nr_ev != b->nr_ev || a->nr_objs != b->nr_objs ||
	    a->base_ts != b->base_ts || a->strs.nr != b->strs.nr)
		return false;
	for (uint32_t i = 1; i < a->strs.nr; i++)
		if (strcmp(a->strs.str[i], b->strs.str[i]))
			return false;
	return !a->nr_ev || !memcmp(a->ev, b->ev, a->nr_ev * sizeof(*a->ev));
}

/*
 * Encode @a, decode it in both forms on 1 and 3 threads, and compare
 * everything; @what names it in failures.
 */
static void check_forms(const struct kmt_trace *a, const char *what)
{
	static const unsigned int nthr[] = { 1, 3 };
	struct kmt_error err;
	void *img;
	size_t len;

	if (kmt_encode(a, &img, &len, &err)) {
		th_fail(__FILE__, __LINE__, "%s: %s", what, err.msg);
		return;
	}
	for (size_t k = 0; k < sizeof(nthr) / sizeof(nthr[0]); k++) {
		struct kmt_ctrace c, n;
		size_t i;

		kmt_set_decode_threads(nthr[k]);
		if (kmt_decode_compact(img, len, "x.kmt", KMT_C_TS, &c, &err)) {
			th_fail(__FILE__, __LINE__, "%s: %s", what, err.msg);
			continue;
		}
		if (kmt_decode_compact(img, len, "x.kmt", 0, &n, &err)) {
			th_fail(__FILE__, __LINE__, "%s: %s", what, err.msg);
			kmt_ctrace_free(&c);
			continue;
		}
		CHECK_EQ(c.t.nr_ev, a->nr_ev);
		CHECK_EQ(c.t.nr_objs, a->nr_objs);
		CHECK_EQ(c.t.nr_cpus, a->nr_cpus);
		CHECK(!memcmp(c.t.by_type, a->by_type, sizeof(a->by_type)));
		CHECK_EQ(c.t.strs.nr, a->strs.nr);
		CHECK(c.ts != NULL);
		CHECK(n.ts == NULL);
		i = kmt_ctrace_diff(a, &c);
		if (i < a->nr_ev)
			th_fail(__FILE__, __LINE__,
				"%s (%u threads): event %zu of %zu differs "
				"(type %u)", what, nthr[k], i, a->nr_ev,
				a->ev[i].type);
		/* without timestamps: the same events otherwise */
		if (kmt_ctrace_diff(a, &n) < a->nr_ev)
			th_fail(__FILE__, __LINE__, "%s: differs without ts",
				what);
		kmt_ctrace_free(&c);
		kmt_ctrace_free(&n);
	}
	kmt_set_decode_threads(0);
	free(img);
}

TEST(round_trip_wild_traces)
{
	const char *dir = th_srcpath("tests/data/wild-traces");
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	REQUIRE(d);
	while ((de = readdir(d))) {
		struct kmt_opts opts = { .lenient = true };
		struct kmt_trace a, b;
		struct kmt_error err;
		char path[4096];
		void *img;
		size_t len;

		if (!strstr(de->d_name, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		REQUIRE(kmt_trace_load(path, &opts, &a, &err) == 0);
		REQUIRE(kmt_encode(&a, &img, &len, &err) == 0);
		CHECK(kmt_is_kmt(img, len));
		CHECK_EQ(kmt_decode(img, len, "x", &b, &err), 0);
		if (!same(&a, &b))
			th_fail(__FILE__, __LINE__, "%s differs", de->d_name);
		CHECK_EQ(b.counts.implicit_frees, a.counts.implicit_frees);
		CHECK_EQ(b.meta.page_size, a.meta.page_size);
		/* every event variant in the compact form too */
		check_forms(&a, de->d_name);
		kmt_trace_free(&b);
		kmt_trace_free(&a);
		free(img);
		n++;
	}
	closedir(d);
	CHECK(n >= 40);
}

/* The shipped corpus' small traces: .kmt keeps every event, and the text
 * `trace cat` prints reads back to the same events. */
TEST(round_trip_corpus)
{
	static const char *const names[] = {
		"compile", "forkexec", "lifecycle", "mmap", "network", "tar",
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct kmt_trace a, b, c;
		struct kmt_error err;
		char path[512], *text = NULL;
		size_t len, tlen = 0;
		void *img;
		FILE *f;

		snprintf(path, sizeof(path), "traces/corpus/%s-tiny.trace.zst",
			 names[i]);
		if (kmt_trace_load(th_srcpath(path), NULL, &a, &err)) {
			th_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
			continue;
		}
		REQUIRE(kmt_encode(&a, &img, &len, &err) == 0);
		CHECK_EQ(kmt_decode(img, len, "x", &b, &err), 0);
		if (!same(&a, &b))
			th_fail(__FILE__, __LINE__, "%s: .kmt differs", path);
		/* capture metadata of any length survives */
		CHECK(a.meta.events && b.meta.events &&
		      !strcmp(a.meta.events, b.meta.events));
		CHECK(a.meta.command && b.meta.command &&
		      !strcmp(a.meta.command, b.meta.command));
		/* the format's target: at most 4 bytes per event before zstd,
		 * for every trace */
		if (kmt_raw_event_bytes(&a) > 4 * a.nr_ev)
			th_fail(__FILE__, __LINE__, "%s: %.2f bytes/event",
				path, (double)kmt_raw_event_bytes(&a) /
				      (double)a.nr_ev);
		f = open_memstream(&text, &tlen);
		CHECK_EQ(kmt_write_text(&a, f), 0);
		fclose(f);
		CHECK_EQ(kmt_trace_load_mem(text, tlen, NULL, &c, &err), 0);
		CHECK_EQ(c.nr_ev, a.nr_ev);
		CHECK_EQ(c.nr_objs, a.nr_objs);
		for (size_t k = 0; k < a.nr_ev && k < c.nr_ev; k++)
			if (a.ev[k].type != c.ev[k].type ||
			    a.ev[k].obj != c.ev[k].obj ||
			    a.ev[k].cpu != c.ev[k].cpu) {
				th_fail(__FILE__, __LINE__,
					"%s: text round trip differs at %zu",
					path, k);
				break;
			}
		kmt_trace_free(&a);
		kmt_trace_free(&b);
		kmt_trace_free(&c);
		free(img);
		free(text);
		n++;
	}
	CHECK_EQ(n, 6);
}

/*
 * A trace shaped like a kernel's: 16 allocation sites with fixed sizes,
 * each object freed at its site's own free site (9 times in 10), runs of
 * events on one CPU (a switch every 4 events on average), microsecond
 * timestamps, up to 64 objects live.
 */
static void regular_trace(struct kmt_trace *t, size_t n)
{
	uint64_t ts = 0, r = 42;
	uint32_t live[64], live_site[64], nlive = 0;
	uint16_t cpu = 0;

	memset(t, 0, sizeof(*t));
	t->meta.hashed_ptrs = -1;
	t->ev = kmb_xcalloc(n, sizeof(*t->ev));
	for (uint32_t s = 0; s < 32; s++) {
		char name[32];
		int k = snprintf(name, sizeof(name), "site_%u+0x10/0x80", s);

		kmt_str_intern(&t->strs, name, (size_t)k);
	}
	for (size_t i = 0; i < n; i++) {
		struct kmt_event *ev = &t->ev[i];

		r = r * 6364136223846793005ull + 1442695040888963407ull;
		ts += 1000 * (1 + (r >> 60));
		if ((r >> 50) % 4 == 0)
			cpu ^= 1;
		ev->ts = ts;
		ev->cpu = cpu;
		ev->pid = 100 + cpu;
		ev->u.mem.node = KMT_NODE_NONE;
		if (nlive == 64 || (nlive && (r >> 33) % 2)) {
			uint32_t j = (uint32_t)((r >> 20) % nlive);

			ev->type = KMT_EV_KFREE;
			ev->obj = live[j];
			ev->site = (r >> 40) % 10 ? live_site[j] + 16
						  : 17 + (uint32_t)((r >> 44) % 16);
			ev->u.mem.alloc_cpu = ev->cpu;
			live[j] = live[--nlive];
			live_site[j] = live_site[nlive];
		} else {
			ev->type = KMT_EV_KMALLOC;
			ev->site = 1 + (uint32_t)((r >> 40) % 16);
			ev->obj = t->nr_objs++;
			ev->u.mem.bytes_req = 8u << (ev->site % 8);
			ev->u.mem.bytes_alloc = ev->u.mem.bytes_req;
			ev->u.mem.gfp = GFP_KERNEL;
			live_site[nlive] = ev->site;
			live[nlive++] = ev->obj;
		}
	}
	t->nr_ev = n;
	kmt_trace_finish(t);
}

TEST(at_most_4_bytes_per_event)
{
	struct kmt_trace t, u;
	struct kmt_error err;
	void *img;
	size_t len, raw;

	regular_trace(&t, 200000);
	raw = kmt_raw_event_bytes(&t);
	printf("# %.2f bytes/event before compression\n",
	       (double)raw / (double)t.nr_ev);
	/* the format's target: at most 4 bytes per event before zstd */
	if (raw > 4 * t.nr_ev)
		th_fail(__FILE__, __LINE__, "%.2f bytes/event",
			(double)raw / (double)t.nr_ev);
	REQUIRE(kmt_encode(&t, &img, &len, &err) == 0);
	CHECK_EQ(kmt_decode(img, len, "x", &u, &err), 0);
	CHECK(same(&t, &u));
	kmt_trace_free(&u);
	kmt_trace_free(&t);
	free(img);
}

/* A file of another .kmt version is refused by name, not misread. */
TEST(other_versions_refused)
{
	static const uint32_t others[] = { 0, KMT_VERSION - 1, KMT_VERSION + 1,
					   0xffffffffu };
	struct kmt_trace t, u;
	struct kmt_error err;
	uint8_t *img;
	size_t len;
	void *p;

	regular_trace(&t, 1000);
	REQUIRE(kmt_encode(&t, &p, &len, &err) == 0);
	img = p;
	CHECK_EQ(kmt_decode(img, len, "x.kmt", &u, &err), 0);
	kmt_trace_free(&u);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		char want[64];

		for (int k = 0; k < 4; k++)
			img[KMT_MAGIC_LEN + k] = (uint8_t)(others[i] >> (8 * k));
		CHECK_EQ(kmt_decode(img, len, "x.kmt", &u, &err),
			 KMB_EX_DATAERR);
		snprintf(want, sizeof(want), ".kmt version %u is not supported",
			 others[i]);
		if (!strstr(err.msg, want))
			th_fail(__FILE__, __LINE__, "message: %s", err.msg);
		CHECK(!strcmp(err.file, "x.kmt"));
	}
	kmt_trace_free(&t);
	free(p);
}

/*
 * A trace of several blocks decodes to the same events on 1, 2, 3 and 8
 * threads, and a damaged one fails the same way (code and message: the
 * first bad block in file order names the error) on 1 and on 3 threads.
 */
TEST(threads_decode_the_same)
{
	static const unsigned int nthr[] = { 1, 2, 3, 8 };
	struct kmt_trace t, u;
	struct kmt_error err, err1;
	uint8_t *img;
	size_t len;
	void *p;
	int failed = 0;

	/*
	 * Object ids with gaps first (every allocation names its id, and
	 * ids of the small last block reach past its event count), on 2
	 * blocks; then 4 blocks: 3 full ones and a partial one.
	 */
	regular_trace(&t, KMT_BLOCK_EVENTS + 100);
	for (size_t i = 0; i < t.nr_ev; i++)
		t.ev[i].obj *= 3;
	t.nr_objs = 3 * t.nr_objs - 2;
	for (int k = 0; k < 2; k++) {
		REQUIRE(kmt_encode(&t, &p, &len, &err) == 0);
		for (size_t i = 0; i < sizeof(nthr) / sizeof(nthr[0]); i++) {
			kmt_set_decode_threads(nthr[i]);
			CHECK_EQ(kmt_decode(p, len, "x.kmt", &u, &err), 0);
			CHECK(same(&t, &u));
			CHECK_EQ(u.nr_cpus, t.nr_cpus);
			CHECK(!memcmp(u.by_type, t.by_type, sizeof(t.by_type)));
			kmt_trace_free(&u);
		}
		if (k)
			break;
		free(p);
		kmt_trace_free(&t);
		regular_trace(&t, 3 * KMT_BLOCK_EVENTS + 1000);
	}
	img = p;
	/* flips spread over every block */
	for (size_t i = 64; i < len; i += len / 97) {
		int rc1, rc3;

		img[i] ^= 0x21;
		kmt_set_decode_threads(1);
		rc1 = kmt_decode(img, len, "x.kmt", &u, &err1);
		if (!rc1)
			kmt_trace_free(&u);
		kmt_set_decode_threads(3);
		rc3 = kmt_decode(img, len, "x.kmt", &u, &err);
		if (!rc3)
			kmt_trace_free(&u);
		img[i] ^= 0x21;
		CHECK_EQ(rc1, rc3);
		if (rc1 && rc3 && strcmp(err1.msg, err.msg))
			th_fail(__FILE__, __LINE__, "at %zu: '%s' vs '%s'", i,
				err1.msg, err.msg);
		failed += rc1 != 0;
	}
	printf("# %d of 97 flips refused\n", failed);
	CHECK(failed > 50);
	kmt_set_decode_threads(0);
	kmt_trace_free(&t);
	free(p);
}

TEST(compact_equals_full_on_the_corpus)
{
	static const char *const names[] = {
		"compile", "forkexec", "lifecycle", "mmap", "network", "tar",
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct kmt_trace a;
		struct kmt_error err;
		char path[512];

		snprintf(path, sizeof(path), "traces/corpus/%s.trace.zst",
			 names[i]);
		if (kmt_trace_load(th_srcpath(path), NULL, &a, &err)) {
			th_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
			continue;
		}
		/* several blocks: the threads share them */
		CHECK(a.nr_ev > 2 * KMT_ENC_BLOCK_EVENTS);
		check_forms(&a, path);
		kmt_trace_free(&a);
		n++;
	}
	CHECK_EQ(n, 6);
}

TEST(compact_equals_full_on_a_synthetic_trace)
{
	struct kmt_trace like, a;
	struct kmt_error err;

	REQUIRE(kmt_trace_load(th_srcpath("traces/corpus/"
					  "compile-tiny.trace.zst"),
			       NULL, &like, &err) == 0);
	REQUIRE(kmt_synth(&like, 300000, 7, &a, &err) == 0);
	check_forms(&a, "synthetic");
	kmt_trace_free(&a);
	kmt_trace_free(&like);
}

/* kmt_ctrace_load() of a text trace and of its .kmt: the same events */
TEST(compact_load_of_text_and_kmt)
{
	const char *path = th_srcpath("traces/corpus/lifecycle-tiny.trace.zst");
	char tmp[] = "/tmp/kmbench-compact-XXXXXX";
	struct kmt_trace a;
	struct kmt_ctrace c, k;
	struct kmt_error err;
	int fd;

	REQUIRE(kmt_trace_load(path, NULL, &a, &err) == 0);
	REQUIRE(kmt_ctrace_load(path, NULL, KMT_C_TS, &c, &err) == 0);
	CHECK_EQ(c.t.nr_ev, a.nr_ev);
	CHECK_EQ(kmt_ctrace_diff(&a, &c), a.nr_ev);
	CHECK(!strcmp(c.t.meta.format, a.meta.format));
	CHECK_EQ(c.t.counts.events, a.counts.events);
	fd = mkstemp(tmp);
	REQUIRE(fd >= 0);
	close(fd);
	REQUIRE(kmt_write(&a, tmp, &err) == 0);
	REQUIRE(kmt_ctrace_load(tmp, NULL, 0, &k, &err) == 0);
	CHECK_EQ(k.t.nr_ev, a.nr_ev);
	CHECK_EQ(kmt_ctrace_diff(&a, &k), a.nr_ev);
	CHECK(!strcmp(k.t.meta.format, "kmt"));
	unlink(tmp);
	kmt_ctrace_free(&c);
	kmt_ctrace_free(&k);
	/* a missing file: the loader's error */
	CHECK(kmt_ctrace_load("/nonexistent/x.kmt", NULL, 0, &k, &err) != 0);
	CHECK(err.code != 0);
	kmt_trace_free(&a);
}

/*
 * Every truncation and every byte flipped: both decoders refuse every cut
 * (exit 65), the compact one refuses exactly the flips kmt_decode()
 * refuses, with the same code and message, and what both accept decodes
 * to the same events.
 */
TEST(compact_truncated_and_corrupted)
{
	struct kmt_opts opts = { .lenient = true };
	struct kmt_trace a, b;
	struct kmt_ctrace c;
	struct kmt_error err, cerr;
	void *img;
	size_t len;
	int refused = 0;

	REQUIRE(kmt_trace_load(th_srcpath("tests/data/wild-traces/"
					  "lore-stable__rostedt_2024__print_"
					  "fields.txt"),
			       &opts, &a, &err) == 0);
	REQUIRE(kmt_encode(&a, &img, &len, &err) == 0);
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = kmb_xmalloc(n ? n : 1);

		memcpy(cut, img, n);
		if (kmt_decode(cut, n, "cut.kmt", &b, &err) == 0) {
			th_fail(__FILE__, __LINE__, "truncated at %zu read", n);
			kmt_trace_free(&b);
		} else {
			CHECK_EQ(err.code, KMB_EX_DATAERR);
		}
		if (kmt_decode_compact(cut, n, "cut.kmt", KMT_C_TS, &c,
				       &cerr) == 0) {
			th_fail(__FILE__, __LINE__, "truncated at %zu read", n);
			kmt_ctrace_free(&c);
		} else {
			CHECK_EQ(cerr.code, KMB_EX_DATAERR);
		}
		free(cut);
	}
	CHECK(strstr(err.msg, "corrupt .kmt") != NULL);
	CHECK(strstr(cerr.msg, "corrupt .kmt") != NULL);
	for (size_t i = 0; i < len; i++) {
		uint8_t *m = kmb_xmalloc(len);
		int rf, rc;

		memcpy(m, img, len);
		m[i] ^= 0x5a;
		rf = kmt_decode(m, len, "flip.kmt", &b, &err);
		rc = kmt_decode_compact(m, len, "flip.kmt", KMT_C_TS, &c,
					&cerr);
		CHECK_EQ(rf, rc);
		if (rf && rc && strcmp(err.msg, cerr.msg))
			th_fail(__FILE__, __LINE__, "at %zu: '%s' vs '%s'", i,
				err.msg, cerr.msg);
		if (!rf && !rc && (b.nr_ev != c.t.nr_ev ||
				   kmt_ctrace_diff(&b, &c) < b.nr_ev))
			th_fail(__FILE__, __LINE__, "flip at %zu: forms differ",
				i);
		if (!rf)
			kmt_trace_free(&b);
		if (!rc)
			kmt_ctrace_free(&c);
		refused += rc != 0;
		free(m);
	}
	/* (flips in the metadata text or the index may still decode) */
	printf("# %d of %zu flips refused\n", refused, len);
	CHECK(refused > 0 && refused < (int)len);
	kmt_trace_free(&a);
	free(img);
}

/*
 * A file the encoder of an earlier build wrote (64k-event blocks): the
 * decoders read it as the text it came from, in both forms.  Guards the
 * format: a change in what the coder predicts would misread it.
 */
TEST(a_file_of_an_earlier_encoder)
{
	struct kmt_trace a, b;
	struct kmt_ctrace c;
	struct kmt_error err;

	if (!HAVE_ZSTD) {
		printf("# skipped: no zstd\n");
		return;
	}
	REQUIRE(kmt_trace_load(th_srcpath("traces/corpus/"
					  "lifecycle-tiny.trace.zst"),
			       NULL, &a, &err) == 0);
	REQUIRE(kmt_trace_load(th_srcpath("tests/data/kmt/"
					  "lifecycle-tiny-v2.kmt"),
			       NULL, &b, &err) == 0);
	CHECK(same(&a, &b));
	REQUIRE(kmt_ctrace_load(th_srcpath("tests/data/kmt/"
					   "lifecycle-tiny-v2.kmt"),
				NULL, KMT_C_TS, &c, &err) == 0);
	CHECK_EQ(kmt_ctrace_diff(&a, &c), a.nr_ev);
	kmt_ctrace_free(&c);
	kmt_trace_free(&b);
	kmt_trace_free(&a);
}
