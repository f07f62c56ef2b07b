// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of trace synthesis: a synthetic trace follows the real one's
 * per-CPU shares, size mix, cross-CPU free ratio and lifetimes, has the
 * requested length, is deterministic for a seed and survives .kmt.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmt/kmt.h"
#include "kmt/synth.h"
#include "util.h"

/* A 4-CPU text trace: CPU c allocates (c + 1) times as often, sizes 32,
 * 64, 512 in 1:2:1, a quarter of the frees on the next CPU. */
static char *like_text(size_t n)
{
	size_t cap = n * 160 + 64, len = 0;
	char *buf = kmb_xmalloc(cap);
	uint64_t r = 7, live[256];
	int cpu_of[256], nlive = 0;
	uint64_t addr = 0x1000;
	static const unsigned int sizes[4] = { 32, 64, 64, 512 };

	for (size_t i = 0; i < n; i++) {
		int cpu;

		r = r * 6364136223846793005ull + 1442695040888963407ull;
		if (nlive == 256 || (nlive > 16 && (r >> 60) < 8)) {
			int j = (int)((r >> 20) % (uint64_t)nlive);

			cpu = (r >> 40) % 4 ? cpu_of[j] : (cpu_of[j] + 1) % 4;
			len += (size_t)snprintf(buf + len, cap - len,
				"t-1 [%03d] ..... %zu.%06zu: kfree: "
				"call_site=f+0x1/0x10 ptr=%#llx\n", cpu,
				i / 1000000, i % 1000000,
				(unsigned long long)live[j]);
			live[j] = live[--nlive];
			cpu_of[j] = cpu_of[nlive];
		} else {
			uint64_t x = (r >> 33) % 10;
			unsigned int sz = sizes[(r >> 50) % 4];

			cpu = x < 1 ? 0 : x < 3 ? 1 : x < 6 ? 2 : 3;
			live[nlive] = addr;
			cpu_of[nlive++] = cpu;
			len += (size_t)snprintf(buf + len, cap - len,
				"t-1 [%03d] ..... %zu.%06zu: kmalloc: "
				"call_site=a+0x1/0x10 ptr=%#llx bytes_req=%u "
				"bytes_alloc=%u gfp_flags=GFP_KERNEL\n", cpu,
				i / 1000000, i % 1000000,
				(unsigned long long)addr, sz, sz);
			addr += 0x1000;
		}
	}
	return buf;
}

struct mix {
	double cpu[4], size512, remote;
	uint64_t allocs, frees;
};

static void mix_of(const struct kmt_trace *t, struct mix *m)
{
	uint64_t cpu[4] = { 0 }, s512 = 0, remote = 0;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *ev = &t->ev[i];

		if (ev->type == KMT_EV_KMALLOC) {
			m->allocs++;
			cpu[ev->cpu & 3]++;
			s512 += ev->u.mem.bytes_req == 512;
		} else if (ev->type == KMT_EV_KFREE && ev->obj != KMT_OBJ_NONE) {
			m->frees++;
			remote += (ev->flags & KMT_F_REMOTE) != 0;
		}
	}
	for (int c = 0; c < 4; c++)
		m->cpu[c] = (double)cpu[c] / (double)m->allocs;
	m->size512 = (double)s512 / (double)m->allocs;
	m->remote = (double)remote / (double)m->frees;
}

TEST(follows_the_real_trace)
{
	char *text = like_text(40000);
	struct kmt_trace like, a, b, c;
	struct kmt_error err;
	struct mix ml, ma;
	void *img;
	size_t len;

	REQUIRE(kmt_trace_load_mem(text, strlen(text), NULL, &like,
				   &err) == 0);
	REQUIRE(kmt_synth(&like, 100000, 1, &a, &err) == 0);
	CHECK_EQ(a.nr_ev, 100000);
	mix_of(&like, &ml);
	mix_of(&a, &ma);
	for (int cpu = 0; cpu < 4; cpu++)
		CHECK_NEAR(ma.cpu[cpu], ml.cpu[cpu], 0.02);
	CHECK_NEAR(ma.size512, ml.size512, 0.02);
	CHECK_NEAR(ma.remote, ml.remote, 0.03);
	CHECK(ml.remote > 0.1);
	/* every free frees a live object of the synthetic trace */
	{
		uint8_t *live = kmb_xcalloc(a.nr_objs + 1, 1);
		bool ok = true;

		for (size_t i = 0; i < a.nr_ev; i++) {
			const struct kmt_event *ev = &a.ev[i];

			if (ev->type == KMT_EV_KMALLOC)
				live[ev->obj] = 1;
			else if (!live[ev->obj] ||
				 (ev->cpu != ev->u.mem.alloc_cpu) !=
				 !!(ev->flags & KMT_F_REMOTE))
				ok = false;
			else
				live[ev->obj] = 0;
			if (i && ev->ts < a.ev[i - 1].ts)
				ok = false;
		}
		CHECK(ok);
		free(live);
	}
	/* deterministic */
	REQUIRE(kmt_synth(&like, 100000, 1, &b, &err) == 0);
	CHECK(!memcmp(a.ev, b.ev, a.nr_ev * sizeof(*a.ev)));
	/* and a .kmt keeps it */
	REQUIRE(kmt_encode(&a, &img, &len, &err) == 0);
	REQUIRE(kmt_decode(img, len, "s", &c, &err) == 0);
	CHECK_EQ(c.nr_ev, a.nr_ev);
	CHECK(!memcmp(a.ev, c.ev, a.nr_ev * sizeof(*a.ev)));
	free(img);
	kmt_trace_free(&a);
	kmt_trace_free(&b);
	kmt_trace_free(&c);
	kmt_trace_free(&like);
	free(text);
}

TEST(nothing_to_follow)
{
	static const char text[] = "t-1 [000] ..... 1.0: kfree: call_site=f "
				   "ptr=0x10\n";
	struct kmt_trace like, out;
	struct kmt_error err;

	REQUIRE(kmt_trace_load_mem(text, strlen(text), NULL, &like,
				   &err) == 0);
	CHECK_EQ(kmt_synth(&like, 10, 1, &out, &err), KMB_EX_DATAERR);
	CHECK(strstr(err.msg, "no allocations") != NULL);
	kmt_trace_free(&like);
}
