// SPDX-License-Identifier: GPL-2.0
/*
 * traces/fuzz_entry.c - the fuzz entry points of the text parser and the
 * .kmt reader.  The libFuzzer targets in tests/fuzz call them, and so does
 * a unit test that replays the seed corpus with the normal compiler.
 *
 * Each runs the whole path a user's input takes: parse (strict and
 * lenient) plus resolution, or .kmt decode (in both decoded forms, which
 * must agree); then re-encodes what it got, which must decode to the same
 * events.
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

struct one_path {
	struct kmt_parser *p;
	struct kmt_strtab strs;
	struct kmt_meta meta;
	struct kmt_rec rec;
	struct kmt_error err;
	int rc;
};

static bool path_open(struct one_path *o, const char *path,
		      const uint8_t *data, size_t size, bool lenient,
		      bool generic)
{
	struct kmt_opts opts = { .lenient = lenient, .name = "fuzz" };

	memset(o, 0, sizeof(*o));
	o->meta.hashed_ptrs = -1;
	if (path)
		o->p = kmt_parser_open(path, &opts, &o->strs, &o->meta,
				       &o->err);
	else
		o->p = kmt_parser_open_mem((const char *)data, size, &opts,
					   &o->strs, &o->meta);
	if (o->p)
		kmt_parser_set_generic(o->p, generic);
	return o->p != NULL;
}

static bool same_strs(const struct kmt_strtab *a, const struct kmt_strtab *b)
{
	if (a->nr != b->nr)
		return false;
	for (uint32_t i = 0; i < a->nr; i++)
		if (a->len[i] != b->len[i] ||
		    memcmp(a->str[i], b->str[i], a->len[i]))
			return false;
	return true;
}

uint64_t kmt_text_paths_differ(const char *path, const uint8_t *data,
			       size_t size, bool lenient)
{
	struct one_path f, g;
	uint64_t at = 0;

	if (!path_open(&f, path, data, size, lenient, false) ||
	    !path_open(&g, path, data, size, lenient, true)) {
		kmt_parser_close(f.p);
		return 1;
	}
	do {
		f.rc = kmt_parser_next(f.p, &f.rec, &f.err);
		g.rc = kmt_parser_next(g.p, &g.rec, &g.err);
		if (f.rc != g.rc || (f.rc > 0 &&
				     memcmp(&f.rec, &g.rec, sizeof(f.rec))) ||
		    (f.rc < 0 && memcmp(&f.err, &g.err, sizeof(f.err))))
			at = f.rc > 0 ? f.rec.line : g.rc > 0 ? g.rec.line : 1;
	} while (!at && f.rc > 0);
	if (!at && (memcmp(kmt_parser_counts(f.p), kmt_parser_counts(g.p),
			   sizeof(struct kmt_counts)) ||
		    !same_strs(&f.strs, &g.strs)))
		at = kmt_parser_counts(f.p)->lines + 1;
	kmt_parser_close(f.p);
	kmt_parser_close(g.p);
	kmt_strtab_free(&f.strs);
	kmt_strtab_free(&g.strs);
	kmt_meta_free(&f.meta);
	kmt_meta_free(&g.meta);
	return at;
}

int kmt_fuzz_text(const uint8_t *data, size_t size)
{
	/* the fast path reads every line as the general one does */
	if (kmt_text_paths_differ(NULL, data, size, false) ||
	    kmt_text_paths_differ(NULL, data, size, true))
		abort();

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
	struct kmt_ctrace c;
	struct kmt_error err, cerr;
	int rc = kmt_decode(data, size, "fuzz", &t, &err);
	int crc = kmt_decode_compact(data, size, "fuzz", KMT_C_TS, &c, &cerr);

	/* the compact form refuses what the full one refuses, and holds
	 * the same events */
	if (rc != crc || (rc && strcmp(err.msg, cerr.msg)))
		abort();
	if (!rc) {
		if (kmt_ctrace_diff(&t, &c) != t.nr_ev)
			abort();
		check_reencode(&t);
		kmt_trace_free(&t);
		kmt_ctrace_free(&c);
	}
	return 0;
}
