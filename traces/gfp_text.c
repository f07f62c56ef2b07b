// SPDX-License-Identifier: GPL-2.0
/*
 * traces/gfp_text.c - gfp_flags of a trace line to kmm's gfp_t: kmm's
 * gfp_parse() (every name show_gfp_flags() has printed, old spellings,
 * numbers), plus vendor flags that no mainline kernel has (__GFP_CMA ...),
 * which are accepted and mean no bit, cached per distinct string.
 */
#include <stdlib.h>
#include <string.h>

#include "gfp_text.h"
#include "util.h"

static bool gfp_like(const char *s, size_t n)
{
	if (!((n > 4 && !memcmp(s, "GFP_", 4)) ||
	      (n > 6 && !memcmp(s, "__GFP_", 6))))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int kmt_gfp_text(const char *s, size_t n, gfp_t *out, bool *raw, char *err,
		 size_t errlen)
{
	gfp_t acc = 0;

	*raw = false;
	if (!gfp_parse(s, n, out, err, errlen)) {
		for (size_t i = 0; i < n; i++)
			if ((i == 0 || s[i - 1] == '|') && s[i] >= '0' &&
			    s[i] <= '9')
				*raw = true;
		return 0;
	}
	/* flag by flag: unknown vendor flags are no bits */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		gfp_t v;

		while (j < n && s[j] != '|')
			j++;
		if (j == i || j + 1 == n)
			goto bad;
		if (gfp_parse(s + i, j - i, &v, NULL, 0) == 0) {
			if (s[i] >= '0' && s[i] <= '9')
				*raw = true;
			acc |= v;
		} else if (!gfp_like(s + i, j - i)) {
			goto bad;
		}
		i = j + 1;
	}
	*out = acc;
	return 0;
bad:
	snprintf(err, errlen, "not a GFP flag list: '%.*s'",
		 (int)(n > 48 ? 48 : n), s);
	for (char *c = err; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

void kmt_gfp_cache_init(struct kmt_gfp_cache *c)
{
	memset(c, 0, sizeof(*c));
}

void kmt_gfp_cache_free(struct kmt_gfp_cache *c)
{
	kmt_strtab_free(&c->text);
	free(c->val);
	free(c->raw);
	memset(c, 0, sizeof(*c));
}

int kmt_gfp_lookup(struct kmt_gfp_cache *c, const char *s, size_t n,
		   gfp_t *out, bool *raw, char *err, size_t errlen)
{
	uint32_t id = kmt_str_find(&c->text, s, n);
	gfp_t v;
	bool r;

	if (id) {
		*out = c->val[id];
		*raw = c->raw[id];
		return 0;
	}
	if (kmt_gfp_text(s, n, &v, &r, err, errlen))
		return -1;
	/* cache only what parsed, so the table holds no garbage */
	id = kmt_str_intern(&c->text, s, n);
	if (id >= c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		while (c->cap <= id)
			c->cap *= 2;
		c->val = kmb_xrealloc(c->val, c->cap * sizeof(*c->val));
		c->raw = kmb_xrealloc(c->raw, c->cap * sizeof(*c->raw));
	}
	c->val[id] = v;
	c->raw[id] = r;
	*out = v;
	*raw = r;
	return 0;
}

size_t kmt_gfp_format(gfp_t gfp, char *buf, size_t len)
{
	return gfp_format(gfp, buf, len);
}
