/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traces/gfp_text.h - gfp_flags text of a trace to gfp_t, cached per
 * distinct string (internal to libkmtrace).
 */
#ifndef KMT_GFP_TEXT_H
#define KMT_GFP_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "kmm/gfp.h"
#include "kmt/trace.h"

struct kmt_gfp_cache {
	struct kmt_strtab text;
	gfp_t *val;		/* [text.nr] */
	bool *raw;
	uint32_t cap;
};

void kmt_gfp_cache_init(struct kmt_gfp_cache *c);
void kmt_gfp_cache_free(struct kmt_gfp_cache *c);

/*
 * @s (@n bytes) as printed by a trace ("GFP_KERNEL|__GFP_ZERO", old
 * "GFP_KERNEL|GFP_ZERO", numeric "0xcc0", "none") into @out; @raw says the
 * trace printed a number.  0, or -1 with @err.
 */
int kmt_gfp_lookup(struct kmt_gfp_cache *c, const char *s, size_t n,
		   gfp_t *out, bool *raw, char *err, size_t errlen);

/* Uncached; same rules. */
int kmt_gfp_text(const char *s, size_t n, gfp_t *out, bool *raw, char *err,
		 size_t errlen);

/* Print @gfp as the kernel does (composite names first).  Length. */
size_t kmt_gfp_format(gfp_t gfp, char *buf, size_t len);

#endif /* KMT_GFP_TEXT_H */
