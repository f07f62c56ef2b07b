// SPDX-License-Identifier: GPL-2.0
/*
 * gfp.c - GFP flags in text: the parser traces need (gfp_parse) and the
 * kernel's show_gfp_flags() formatter (gfp_format).
 *
 * The parser accepts every name show_gfp_flags() has printed since 2.6
 * (include/trace/events/gfpflags.h, later mmflags.h): today's
 * "GFP_KERNEL|__GFP_ZERO", the old spellings without the leading "__"
 * ("GFP_ZERO", "GFP_NOWARN"), flags that were removed (__GFP_COLD,
 * __GFP_NOTRACK, __GFP_OTHER_NODE ... are accepted and mean nothing here,
 * __GFP_WAIT and __GFP_REPEAT map to their successors), "none", and
 * numbers ("0x400dc0", "4197824") alone or as the left-over part.
 * Lookup is one hash probe per name.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kmm/compiler.h"
#include "kmm/gfp.h"

struct gfp_name {
	const char *name;
	gfp_t mask;
};

/* show_gfp_flags() order: composite masks first, most bits first. */
static const struct gfp_name gfp_show_names[] = {
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
	{ "__GFP_HIGHMEM", __GFP_HIGHMEM },
	{ "GFP_DMA32", GFP_DMA32 },
	{ "__GFP_HIGH", __GFP_HIGH },
	{ "__GFP_ATOMIC", __GFP_ATOMIC },
	{ "__GFP_IO", __GFP_IO },
	{ "__GFP_FS", __GFP_FS },
	{ "__GFP_NOWARN", __GFP_NOWARN },
	{ "__GFP_RETRY_MAYFAIL", __GFP_RETRY_MAYFAIL },
	{ "__GFP_NOFAIL", __GFP_NOFAIL },
	{ "__GFP_NORETRY", __GFP_NORETRY },
	{ "__GFP_COMP", __GFP_COMP },
	{ "__GFP_ZERO", __GFP_ZERO },
	{ "__GFP_NOMEMALLOC", __GFP_NOMEMALLOC },
	{ "__GFP_MEMALLOC", __GFP_MEMALLOC },
	{ "__GFP_HARDWALL", __GFP_HARDWALL },
	{ "__GFP_THISNODE", __GFP_THISNODE },
	{ "__GFP_RECLAIMABLE", __GFP_RECLAIMABLE },
	{ "__GFP_MOVABLE", __GFP_MOVABLE },
	{ "__GFP_ACCOUNT", __GFP_ACCOUNT },
	{ "__GFP_WRITE", __GFP_WRITE },
	{ "__GFP_RECLAIM", __GFP_RECLAIM },
	{ "__GFP_DIRECT_RECLAIM", __GFP_DIRECT_RECLAIM },
	{ "__GFP_KSWAPD_RECLAIM", __GFP_KSWAPD_RECLAIM },
	{ "__GFP_ZEROTAGS", __GFP_ZEROTAGS },
	{ "__GFP_SKIP_ZERO", __GFP_SKIP_ZERO },
	{ "__GFP_SKIP_KASAN", __GFP_SKIP_KASAN },
};

/* Names only older kernels printed (or that name no bit here). */
static const struct gfp_name gfp_old_names[] = {
	{ "__GFP_DMA", __GFP_DMA },
	{ "__GFP_DMA32", __GFP_DMA32 },
	{ "__GFP_NOLOCKDEP", __GFP_NOLOCKDEP },
	{ "__GFP_NO_OBJ_EXT", __GFP_NO_OBJ_EXT },
	{ "__GFP_WAIT", __GFP_RECLAIM },
	{ "__GFP_REPEAT", __GFP_RETRY_MAYFAIL },
	{ "__GFP_KMEMCG", __GFP_ACCOUNT },
	{ "__GFP_SKIP_KASAN_POISON", __GFP_SKIP_KASAN },
	{ "__GFP_SKIP_KASAN_UNPOISON", __GFP_SKIP_KASAN },
	{ "__GFP_COLD", 0 },
	{ "__GFP_NOTRACK", 0 },
	{ "__GFP_OTHER_NODE", 0 },
	{ "__GFP_NO_KSWAPD", 0 },
	{ "__GFP_NOACCOUNT", 0 },
	{ "__GFP_UNMAPPED", 0 },
	{ "GFP_IOFS", __GFP_IO | __GFP_FS },
	{ "GFP_TEMPORARY", GFP_KERNEL | __GFP_RECLAIMABLE },
	{ "GFP_THISNODE", __GFP_THISNODE | __GFP_NOWARN | __GFP_NORETRY },
};

#define GFP_HASH_SIZE	256	/* power of two, > 2 * number of names */

static struct {
	const char *name;
	unsigned char len;
	gfp_t mask;
} gfp_hash[GFP_HASH_SIZE];

static uint32_t gfp_name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void gfp_hash_add(const char *name, gfp_t mask)
{
	size_t len = strlen(name);
	uint32_t i = gfp_name_hash(name, len);

	for (;; i++) {
		i &= GFP_HASH_SIZE - 1;
		if (!gfp_hash[i].name) {
			gfp_hash[i].name = name;
			gfp_hash[i].len = (unsigned char)len;
			gfp_hash[i].mask = mask;
			return;
		}
		if (gfp_hash[i].len == len && !memcmp(gfp_hash[i].name, name, len))
			return;		/* first definition wins */
	}
}

__attribute__((constructor)) static void gfp_hash_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(gfp_show_names); i++)
		gfp_hash_add(gfp_show_names[i].name, gfp_show_names[i].mask);
	for (size_t i = 0; i < ARRAY_SIZE(gfp_old_names); i++)
		gfp_hash_add(gfp_old_names[i].name, gfp_old_names[i].mask);
}

static bool gfp_lookup(const char *s, size_t len, gfp_t *mask)
{
	uint32_t i = gfp_name_hash(s, len);

	for (;; i++) {
		i &= GFP_HASH_SIZE - 1;
		if (!gfp_hash[i].name)
			return false;
		if (gfp_hash[i].len == len && !memcmp(gfp_hash[i].name, s, len)) {
			*mask = gfp_hash[i].mask;
			return true;
		}
	}
}

static bool gfp_parse_number(const char *s, size_t len, gfp_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	unsigned int base = 10;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < len; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		v = v * base + d;
		if (v > UINT32_MAX)
			return false;
	}
	*out = (gfp_t)v;
	return true;
}

static bool gfp_parse_token(const char *s, size_t len, gfp_t *mask)
{
	char tmp[64];

	if (!len)
		return false;
	if (s[0] >= '0' && s[0] <= '9')
		return gfp_parse_number(s, len, mask);
	if (gfp_lookup(s, len, mask))
		return true;
	/* the old spelling: GFP_ZERO for __GFP_ZERO */
	if (len + 2 < sizeof(tmp) && len > 4 && !memcmp(s, "GFP_", 4)) {
		tmp[0] = tmp[1] = '_';
		memcpy(tmp + 2, s, len);
		return gfp_lookup(tmp, len + 2, mask);
	}
	return false;
}

int gfp_parse(const char *text, size_t len, gfp_t *out, char *err,
	      size_t errlen)
{
	gfp_t gfp = 0;
	size_t start = 0;

	if (len == 4 && !memcmp(text, "none", 4)) {
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i <= len; i++) {
		gfp_t mask;

		if (i < len && text[i] != '|')
			continue;
		if (!gfp_parse_token(text + start, i - start, &mask)) {
			if (err && errlen) {
				if (i == start)
					snprintf(err, errlen,
						 "empty flag in gfp_flags '%.*s'",
						 (int)len, text);
				else
					snprintf(err, errlen,
						 "unknown gfp flag '%.*s'",
						 (int)(i - start), text + start);
			}
			return -1;
		}
		gfp |= mask;
		start = i + 1;
	}
	*out = gfp;
	return 0;
}

size_t gfp_format(gfp_t gfp, char *buf, size_t len)
{
	size_t n = 0;
	bool first = true;

#define GFP_PUT(...)							\
	do {								\
		int w = snprintf(buf + (n < len ? n : len),		\
				 n < len ? len - n : 0, __VA_ARGS__);	\
		if (w > 0)						\
			n += (size_t)w;					\
	} while (0)

	if (!len)
		buf = NULL;
	if (!gfp) {
		GFP_PUT("none");
		return n;
	}
	for (size_t i = 0; i < ARRAY_SIZE(gfp_show_names) && gfp; i++) {
		gfp_t m = gfp_show_names[i].mask;

		if ((gfp & m) != m)
			continue;
		GFP_PUT("%s%s", first ? "" : "|", gfp_show_names[i].name);
		first = false;
		gfp &= ~m;
	}
	if (gfp)
		GFP_PUT("%s0x%x", first ? "" : "|", gfp);
#undef GFP_PUT
	return n;
}
