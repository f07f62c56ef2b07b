// SPDX-License-Identifier: GPL-2.0
/*
 * traces/gfp_text.c - gfp_flags of a trace line to kmm's gfp_t.
 *
 * Every kernel prints the flag names (show_gfp_flags); their bit values
 * changed over the years, the names hardly did.  Names are mapped to
 * today's meaning (kmm/gfp.h).  Kernels before 4.6 printed the single
 * flags without the leading "__" (GFP_ZERO); flags that no longer exist
 * (__GFP_REPEAT, __GFP_NOTRACK, __GFP_COLD, ...) and vendor flags map to
 * no bit and are accepted.  Numbers ("0xcc0", trace-cmd -R decimals) are
 * taken as they are and flagged raw.
 */
#include <stdlib.h>
#include <string.h>

#include "gfp_text.h"
#include "util.h"

static const struct {
	const char *name;
	gfp_t val;
} gfp_names[] = {
	{ "GFP_TRANSHUGE", GFP_TRANSHUGE },
	{ "GFP_TRANSHUGE_LIGHT", GFP_TRANSHUGE_LIGHT },
	{ "GFP_HIGHUSER_MOVABLE", GFP_HIGHUSER_MOVABLE },
	{ "GFP_HIGHUSER", GFP_HIGHUSER },
	{ "GFP_USER", GFP_USER },
	{ "GFP_KERNEL_ACCOUNT", GFP_KERNEL_ACCOUNT },
	{ "GFP_KERNEL", GFP_KERNEL },
	{ "GFP_NOFS", GFP_NOFS },
	{ "GFP_ATOMIC", GFP_ATOMIC },
	{ "GFP_NOIO", GFP_NOIO },
	{ "GFP_NOWAIT", GFP_NOWAIT },
	{ "GFP_DMA", GFP_DMA },
	{ "GFP_DMA32", GFP_DMA32 },
	{ "GFP_TEMPORARY", GFP_KERNEL | __GFP_RECLAIMABLE },
	{ "GFP_IOFS", __GFP_IO | __GFP_FS },
	{ "GFP_THISNODE", __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY },
	{ "__GFP_DMA", __GFP_DMA },
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "__GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_HIGH", __GFP_HIGH },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_ATOMIC", __GFP_ATOMIC },
	{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM },
	{ "__GFP_RECLAIM", __GFP_RECLAIM },
	{ "__GFP_WAIT", __GFP_DIRECT_RECLAIM },	/* before 4.4 */
	{ "__GFP_WRITE", __GFP_WRITE },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL },
	{ "__GFP_REPEAT", __GFP_RETRY_MAYFAIL },	/* before 4.13 */
	{ "__GFP_NOFAIL", __GFP_NOFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_MEMALLOC", __GFP_MEMALLOC },
	{ "__GFP_COMP", __GFP_COMP },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
	{ "__GFP_ZEROTAGS", __GFP_ZEROTAGS },
	{ "__GFP_SKIP_ZERO", __GFP_SKIP_ZERO },
	{ "__GFP_SKIP_KASAN", __GFP_SKIP_KASAN },
	{ "__GFP_SKIP_KASAN_UNPOISON", __GFP_SKIP_KASAN },
	{ "__GFP_SKIP_KASAN_POISON", __GFP_SKIP_KASAN },
	{ "__GFP_NOLOCKDEP", __GFP_NOLOCKDEP },
	{ "__GFP_NO_OBJ_EXT", __GFP_NO_OBJ_EXT },
};

static bool name_val(const char *s, size_t n, gfp_t *v)
{
	for (size_t i = 0; i < sizeof(gfp_names) / sizeof(gfp_names[0]);
	     i++) {
		const char *g = gfp_names[i].name;

		if (strlen(g) == n && !memcmp(g, s, n)) {
			*v = gfp_names[i].val;
			return true;
		}
	}
	return false;
}

static bool gfp_ident(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int one_flag(const char *s, size_t n, gfp_t *acc, bool *raw)
{
	char buf[64];
	gfp_t v;

	if (n && s[0] >= '0' && s[0] <= '9') {
		uint64_t x;

		if (n >= sizeof(buf))
			return -1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (!kmb_parse_u64(buf, &x, false) || x > UINT32_MAX)
			return -1;
		*acc |= (gfp_t)x;
		*raw = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!gfp_ident(s[i]))
			return -1;
	if (name_val(s, n, &v)) {
		*acc |= v;
		return 0;
	}
	/* before 4.6: "GFP_ZERO" for __GFP_ZERO */
	if (n > 4 && n + 2 < sizeof(buf) && !memcmp(s, "GFP_", 4)) {
		buf[0] = buf[1] = '_';
		memcpy(buf + 2, s, n);
		if (name_val(buf, n + 2, &v)) {
			*acc |= v;
			return 0;
		}
	}
	/* gone or vendor flags (__GFP_NOTRACK, __GFP_COLD, __GFP_CMA) */
	if ((n > 4 && !memcmp(s, "GFP_", 4)) ||
	    (n > 6 && !memcmp(s, "__GFP_", 6)))
		return 0;
	return -1;
}

int kmt_gfp_text(const char *s, size_t n, gfp_t *out, bool *raw, char *err,
		 size_t errlen)
{
	gfp_t acc = 0;

	*raw = false;
	if (n == 4 && !memcmp(s, "none", 4)) {
		*out = 0;
		return 0;
	}
	if (!n)
		goto bad;
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && s[j] != '|')
			j++;
		if (j == i || one_flag(s + i, j - i, &acc, raw))
			goto bad;
		i = j + 1;
		if (j + 1 == n)
			goto bad;	/* trailing '|' */
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

/* Names that are aliases or gone: never printed. */
static bool alias(const char *name)
{
	static const char *const a[] = {
		"GFP_TEMPORARY", "GFP_IOFS", "GFP_THISNODE", "__GFP_WAIT",
		"__GFP_REPEAT", "__GFP_SKIP_KASAN_UNPOISON",
		"__GFP_SKIP_KASAN_POISON", "__GFP_RECLAIM",
	};

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (!strcmp(a[i], name))
			return true;
	return false;
}

size_t kmt_gfp_format(gfp_t gfp, char *buf, size_t len)
{
	gfp_t left = gfp;
	size_t n = 0;

	if (!len)
		return 0;
	buf[0] = '\0';
	if (!gfp)
		return (size_t)snprintf(buf, len, "none");
	for (size_t i = 0; i < sizeof(gfp_names) / sizeof(gfp_names[0]);
	     i++) {
		gfp_t v = gfp_names[i].val;

		if (!v || (v & ~left) || alias(gfp_names[i].name))
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "|" : "", gfp_names[i].name);
		left &= ~v;
		if (n >= len)
			break;
	}
	if (left && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%#x", n ? "|" : "",
				      left);
	return n < len ? n : len - 1;
}
