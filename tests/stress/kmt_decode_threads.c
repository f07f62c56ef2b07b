// SPDX-License-Identifier: GPL-2.0
/*
 * tests/stress/kmt_decode_threads.c - .kmt decodes from several threads at
 * once, each on several decoding threads: the pool of decoders, the
 * spare event arrays and the compact form's record chunks are shared by
 * all.  Every decode, in either form, must give the events of a decode
 * made alone.  Run under ThreadSanitizer by `./kmbench test`.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmt/kmt.h"
#include "kmt/trace.h"

#define CALLERS	4
#define ROUNDS	6

struct caller {
	const void *img;
	size_t len;
	const struct kmt_trace *ref;
	int id, bad;
};

static void *decode_rounds(void *arg)
{
	struct caller *c = arg;

	for (int r = 0; r < ROUNDS; r++) {
		struct kmt_error err;

		if ((r + c->id) % 2) {
			struct kmt_trace t;

			if (kmt_decode(c->img, c->len, "x.kmt", &t, &err) ||
			    t.nr_ev != c->ref->nr_ev ||
			    memcmp(t.ev, c->ref->ev,
				   t.nr_ev * sizeof(*t.ev))) {
				c->bad++;
				if (!err.code)
					kmt_trace_free(&t);
				continue;
			}
			kmt_trace_free(&t);
		} else {
			struct kmt_ctrace k;

			if (kmt_decode_compact(c->img, c->len, "x.kmt",
					       r % 3 ? KMT_C_TS : 0, &k, &err)) {
				c->bad++;
				continue;
			}
			if (kmt_ctrace_diff(c->ref, &k) != c->ref->nr_ev)
				c->bad++;
			kmt_ctrace_free(&k);
		}
	}
	return NULL;
}

static void run_callers(const char *rel, unsigned int nthr)
{
	struct kmt_trace ref;
	struct kmt_error err;
	struct caller c[CALLERS];
	pthread_t tid[CALLERS];
	void *img;
	size_t len;
	int bad = 0;

	if (kmt_trace_load(th_srcpath(rel), NULL, &ref, &err)) {
		th_fail(__FILE__, __LINE__, "%s: %s", rel, err.msg);
		return;
	}
	REQUIRE(kmt_encode(&ref, &img, &len, &err) == 0);
	/* (set before the threads: it is one setting for the process) */
	kmt_set_decode_threads(nthr);
	for (int i = 0; i < CALLERS; i++) {
		c[i] = (struct caller){ img, len, &ref, i, 0 };
		REQUIRE(pthread_create(&tid[i], NULL, decode_rounds, &c[i]) ==
			0);
	}
	for (int i = 0; i < CALLERS; i++) {
		pthread_join(tid[i], NULL);
		bad += c[i].bad;
	}
	kmt_set_decode_threads(0);
	CHECK_EQ(bad, 0);
	/* what the decodes kept is freed, and the next decode starts anew */
	kmt_decode_release();
	c[0].bad = 0;
	decode_rounds(&c[0]);
	CHECK_EQ(c[0].bad, 0);
	free(img);
	kmt_trace_free(&ref);
}

/* 19k events in 2 blocks: callers share decoders more than blocks */
TEST(compile_tiny_from_4_callers_on_2_threads_each)
{
	run_callers("traces/corpus/compile-tiny.trace.zst", 2);
}

/* vm events (a record each in the compact form), 4 blocks on 3 threads */
TEST(mmap_tiny_from_4_callers_on_3_threads_each)
{
	run_callers("traces/corpus/mmap-tiny.trace.zst", 3);
}
