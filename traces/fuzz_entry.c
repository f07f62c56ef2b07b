// SPDX-License-Identifier: GPL-2.0
/*
 * traces/fuzz_entry.c - the fuzz entry points of the text parser and the
 * .kmt reader.  The libFuzzer targets in tests/fuzz call them, and so does
 * a unit test that replays the seed corpus with the normal compiler.
 *
 * Each runs the whole path a user's input takes: parse (strict and
 * lenient) plus resolution, or .kmt decode; then re-encodes what it got,
 * which must decode to the same events.
 */
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "kmt/fuzz.h"
#include "kmt/kmt.h"
#include "util.h"

static void check_reencode(const struct kmt_trace *t)
{
	struct kmt_trace u;
	struct kmt_error err;
	void *img;
	size_t len;

	if (kmt_encode(t, &img, &len, &err))
		abort();
	if (kmt_decode(img, len, "fuzz", &u, &err))
		abort();
	if (u.nr_ev != t->nr_ev || u.nr_objs != t->nr_objs ||
	    (t->nr_ev && memcmp(u.ev, t->ev, t->nr_ev * sizeof(*t->ev))))
		abort();
	kmt_trace_free(&u);
	free(img);
}

int kmt_fuzz_text(const uint8_t *data, size_t size)
{
	for (int lenient = 0; lenient < 2; lenient++) {
		struct kmt_opts opts = { .lenient = lenient, .name = "fuzz" };
		struct kmt_trace t;
		struct kmt_error err;

		if (kmt_trace_load_mem((const char *)data, size, &opts, &t,
				       &err) == 0) {
			check_reencode(&t);
			kmt_trace_free(&t);
		}
	}
	return 0;
}

int kmt_fuzz_kmt(const uint8_t *data, size_t size)
{
	struct kmt_trace t;
	struct kmt_error err;

	if (kmt_decode(data, size, "fuzz", &t, &err) == 0) {
		check_reencode(&t);
		kmt_trace_free(&t);
	}
	return 0;
}
