// SPDX-License-Identifier: GPL-2.0
/*
 * traces/parse.c - the text trace parser: ftrace trace / trace_pipe,
 * trace-cmd report and perf script output, every kernel era.
 *
 * A line is, in the general case:
 *
 *	COMM-PID (TGID) [CPU] FLAGS TS: EVENT: FIELDS	ftrace, trace-cmd
 *	COMM PID [CPU] TS: SUBSYS:EVENT: FIELDS		perf script
 *
 * with the TGID and FLAGS columns optional and COMM free text (spaces,
 * colons and dashes allowed: the header is found from the "[CPU]" bracket
 * outwards, never from the left).  Lines without the header part but with
 * a known event ("TS: kmalloc: ..." or "kmalloc: ...") are read too, on
 * CPU 0 at the last timestamp.  Everything else (comments, stack traces,
 * perf call chains, banners) is ignored and counted; "# kmbench-meta:"
 * comments fill the metadata; "CPU:N [LOST M EVENTS]" counts lost events.
 *
 * Fields are scanned once into (key, value) spans; a value is the text up
 * to the next blank ("ptr=  (null)" is one value); tokens that are not
 * key=value ("(func+0x42)" of trace-cmd's kmem plugin, "(4096)" of
 * print-fields mode, "[memleak]" module names) are skipped.
 *
 * No sscanf, no regex: the hot path is byte loops and words of eight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "gfp_text.h"
#include "input.h"
#include "kmt/trace.h"
#include "util.h"

#if __has_include("kmt/dat.h")
#include "kmt/dat.h"
#define KMT_HAVE_DAT_HOOK 1
#else
#define KMT_HAVE_DAT_HOOK 0
#endif

#define KMT_MAX_CPU	4095
#define KMT_MAX_ORDER	16
#define MAX_FIELDS	32

struct span {
	const char *s;
	size_t n;
};

struct field {
	struct span key, val;
	uint32_t tag;		/* key_tag(): compared before the bytes */
};

#define GFP_SLOT_BITS 4
#define STR_SLOT_BITS 7

struct gfp_slot {
	char text[54];
	uint8_t n, flags;
	gfp_t gfp;
};

struct str_slot {
	const char *s;		/* the table's copy */
	size_t n;
	uint32_t id;
};

struct kmt_parser {
	struct kmt_input in;
	struct kmt_opts opts;
	struct kmt_strtab *strs;
	struct kmt_meta *meta;
	struct kmt_counts counts;
	struct kmt_gfp_cache gfp;
	uint64_t lineno;
	uint64_t last_ts;
	FILE *dat_tmp;		/* .dat converted to text */
	bool generic;		/* no fast path (tests compare both) */
	struct str_slot str_slot[1 << STR_SLOT_BITS];
	struct gfp_slot gfp_slot[1 << GFP_SLOT_BITS];
	/* the current line's fields */
	struct field f[MAX_FIELDS];
	int nf;
	/* the current line's error */
	enum kmt_skip_reason why;
	char msg[200];
};

static inline bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Character classes, one load each: 1 + hex digit value, or C_IDENT. */
#define C_IDENT 0x80
#define C_HEXV 0x1f
#define H(v) (((v) + 1) | C_IDENT)
static const uint8_t cclass[256] = {
	['0'] = H(0), ['1'] = H(1), ['2'] = H(2), ['3'] = H(3), ['4'] = H(4),
	['5'] = H(5), ['6'] = H(6), ['7'] = H(7), ['8'] = H(8), ['9'] = H(9),
	['a'] = H(10), ['b'] = H(11), ['c'] = H(12), ['d'] = H(13),
	['e'] = H(14), ['f'] = H(15), ['A'] = H(10), ['B'] = H(11),
	['C'] = H(12), ['D'] = H(13), ['E'] = H(14), ['F'] = H(15),
	['g' ... 'z'] = C_IDENT, ['G' ... 'Z'] = C_IDENT, ['_'] = C_IDENT,
};
#undef H

static inline bool is_ident(char c)
{
	return cclass[(unsigned char)c] & C_IDENT;
}

static inline int hexval(char c)
{
	return (int)(cclass[(unsigned char)c] & C_HEXV) - 1;
}

/*
 * Are the @n bytes at @a and @b equal?  Inline, in words of eight (or of
 * four below eight bytes): names, keys and cached strings are short.
 */
static inline bool bytes_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y, d = 0;

	if (n < 8) {
		uint32_t u, v, w, z;

		if (n < 4)
			return !memcmp(a, b, n);
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		memcpy(&w, a + n - 4, 4);
		memcpy(&z, b + n - 4, 4);
		return !((u ^ v) | (w ^ z));
	}
	for (size_t i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return !(d | (x ^ y));
}

/* Is @a the string @s?  Inlined, so a literal's length is a constant. */
static inline __attribute__((always_inline)) bool
span_eq(struct span a, const char *s)
{
	size_t n = strlen(s);

	return a.n == n && bytes_eq(a.s, s, n);
}

/* The first @c in [@s, @e), or NULL: eight bytes at a time, inline. */
static inline const char *find_char(const char *s, const char *e, char c)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ull;

	while (e - s >= 8) {
		uint64_t w, z;

		memcpy(&w, s, 8);
		w ^= ones * (unsigned char)c;
		/* the lowest zero byte of w is the first @c */
		z = (w - ones) & ~w & (ones << 7);
		if (z)
			return s + (__builtin_ctzll(z) >> 3);
		s += 8;
	}
#endif
	for (; s < e; s++)
		if (*s == c)
			return s;
	return NULL;
}

/* Is there a blank in the @n < 8 bytes at @s? */
static inline bool has_blank(const char *s, int n)
{
	unsigned int b = 0;

	for (int i = 0; i < n; i++)
		b |= is_space(s[i]);
	return b;
}

/* Past the blanks at @s (eight at a time while they are spaces). */
static inline const char *skip_blanks(const char *s, const char *e)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (e - s >= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		w ^= 0x2020202020202020ull;
		if (w) {
			s += __builtin_ctzll(w) >> 3;
			break;
		}
		s += 8;
	}
#endif
	while (s < e && is_space(*s))
		s++;
	return s;
}


/* Whole span as unsigned: 0x... hex, else decimal (or hex if @hex). */
static bool parse_u64(struct span v, bool hex, uint64_t *out)
{
	const char *s = v.s, *e = v.s + v.n;
	uint64_t x = 0;

	if (e - s > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		s += 2;
		hex = true;
	}
	if (s == e)
		return false;
	if (hex) {
		if (e - s > 16)
			return false;
		for (; s < e; s++) {
			int d = hexval(*s);

			if (d < 0)
				return false;
			x = x << 4 | (uint64_t)d;
		}
	} else {
		for (; s < e; s++) {
			if (!is_digit(*s) || x > (UINT64_MAX - 9) / 10)
				return false;
			x = x * 10 + (uint64_t)(*s - '0');
		}
	}
	*out = x;
	return true;
}

static bool parse_i64(struct span v, int64_t *out)
{
	uint64_t x;

	if (v.n && v.s[0] == '-') {
		struct span w = { v.s + 1, v.n - 1 };

		if (!parse_u64(w, false, &x) || x > (uint64_t)INT64_MAX)
			return false;
		*out = -(int64_t)x;
		return true;
	}
	if (!parse_u64(v, false, &x))
		return false;
	/* print-fields mode shows int -1 as 0xffffffff */
	if (v.n > 2 && v.s[1] == 'x' && x <= UINT32_MAX)
		*out = (int32_t)(uint32_t)x;
	else if (x > (uint64_t)INT64_MAX)
		return false;
	else
		*out = (int64_t)x;
	return true;
}

/* "(null)", "(nil)", "0", hashed or raw hex: the pointer's value. */
static bool parse_ptr(struct span v, uint64_t *out)
{
	if (span_eq(v, "(null)") || span_eq(v, "(nil)")) {
		*out = 0;
		return true;
	}
	return parse_u64(v, true, out);
}

/* ---- event names: a small perfect-enough hash over the names ---- */

static uint8_t name_slot[512];
static uint8_t name_len[KMT_EV_NR];
static const char *name_str[KMT_EV_NR];

/* The length and the first and last eight bytes (or fewer) mixed. */
static inline uint32_t name_hash(const char *s, size_t n)
{
	uint64_t a = 0, b = 0;

	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else {
		for (size_t i = 0; i < n; i++)
			a = a << 8 | (unsigned char)s[i];
	}
	a = (a ^ b * 31 ^ n) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(a >> 55);
}

static void name_table_init(void)
{
	static bool done;

	if (done)
		return;
	for (int i = 1; i < KMT_EV_NR; i++) {
		const char *n = kmt_event_name((enum kmt_event_type)i);
		uint32_t h = name_hash(n, strlen(n));

		name_str[i] = n;
		name_len[i] = (uint8_t)strlen(n);
		while (name_slot[h])
			h = (h + 1) & 511;
		name_slot[h] = (uint8_t)i;
	}
	done = true;
}

static inline enum kmt_event_type name_lookup(const char *s, size_t n)
{
	uint32_t h = name_hash(s, n);

	for (; name_slot[h]; h = (h + 1) & 511) {
		unsigned int t = name_slot[h];

		if (name_len[t] == n && bytes_eq(name_str[t], s, n))
			return (enum kmt_event_type)t;
	}
	return KMT_EV_NONE;
}

/* "mmap" of "sys_mmap(" / "sys_mmap -> 0x..": the syscall events */
static enum kmt_event_type syscall_lookup(const char *s, size_t n, bool exit)
{
	static const struct {
		const char *name;
		enum kmt_event_type enter;
	} sc[] = {
		{ "mmap", KMT_EV_SYS_ENTER_MMAP },
		{ "munmap", KMT_EV_SYS_ENTER_MUNMAP },
		{ "brk", KMT_EV_SYS_ENTER_BRK },
		{ "mprotect", KMT_EV_SYS_ENTER_MPROTECT },
		{ "mremap", KMT_EV_SYS_ENTER_MREMAP },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		if (strlen(sc[i].name) == n && !memcmp(sc[i].name, s, n))
			return sc[i].enter + (exit ? 1 : 0);
	return KMT_EV_NONE;
}

/* ---- errors ---- */

static int bad(struct kmt_parser *p, enum kmt_skip_reason why,
	       const char *fmt, const char *arg, size_t argn)
{
	char a[64];

	if (argn >= sizeof(a))
		argn = sizeof(a) - 1;
	memcpy(a, arg ? arg : "", arg ? argn : 0);
	a[arg ? argn : 0] = '\0';
	/* keep the message printable whatever the input holds */
	for (char *c = a; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	p->why = why;
	snprintf(p->msg, sizeof(p->msg), fmt, a);
	return -1;
}

/* ---- fields ---- */

static inline uint32_t key_tag(const char *k, size_t n)
{
	return (uint32_t)n | (uint32_t)(unsigned char)k[0] << 8 |
	       (uint32_t)(unsigned char)k[n / 2] << 16 |
	       (uint32_t)(unsigned char)k[n - 1] << 24;
}

/*
 * Split @s..@e into key=value fields.  Syscall arguments ("addr: 7f00,")
 * have ": " as the separator and end at ',' or ')'.
 */
static void scan_fields(struct kmt_parser *p, const char *s, const char *e)
{
	p->nf = 0;
	while (s < e && p->nf < MAX_FIELDS) {
		const char *k = s, *v;

		while (s < e && (is_space(*s) || *s == ','))
			s++;
		k = s;
		while (s < e && is_ident(*s))
			s++;
		if (s > k && s < e && *s == '=') {
			struct field *f = &p->f[p->nf++];

			f->key = (struct span){ k, (size_t)(s - k) };
			f->tag = key_tag(k, f->key.n);
			v = ++s;
			/* "ptr=  (null)": padding before (null) */
			if (s < e && *s == ' ') {
				while (s < e && *s == ' ')
					s++;
				if (s == e || *s != '(')
					s = v;
			}
			/* values end at a space (the kernel separates fields
			 * with one; a tab would make the value malformed) */
			s = memchr(s, ' ', (size_t)(e - s));
			if (!s)
				s = e;
			f->val = (struct span){ v, (size_t)(s - v) };
			if (f->val.n && v[0] == ' ') {
				while (*f->val.s == ' ') {
					f->val.s++;
					f->val.n--;
				}
			}
			continue;
		}
		if (s > k && s + 1 < e && *s == ':' && s[1] == ' ') {
			struct field *f = &p->f[p->nf++];

			f->key = (struct span){ k, (size_t)(s - k) };
			f->tag = key_tag(k, f->key.n);
			s += 2;
			while (s < e && *s == ' ')
				s++;
			v = s;
			while (s < e && !is_space(*s) && *s != ',' && *s != ')')
				s++;
			f->val = (struct span){ v, (size_t)(s - v) };
			continue;
		}
		/* not a field: skip the token */
		while (s < e && !is_space(*s))
			s++;
	}
}

static inline const struct span *field(struct kmt_parser *p,
				       const char *key)
{
	size_t n = strlen(key);
	uint32_t tag = key_tag(key, n);

	for (int i = 0; i < p->nf; i++)
		if (p->f[i].tag == tag && !memcmp(p->f[i].key.s, key, n))
			return &p->f[i].val;
	return NULL;
}

static inline int need(struct kmt_parser *p, const char *key,
		       const struct span **v)
{
	*v = field(p, key);
	if (!*v)
		return bad(p, KMT_SKIP_MISSING_FIELD, "missing field %s=", key,
			   strlen(key));
	if (!(*v)->n)
		return bad(p, KMT_SKIP_TRUNCATED, "empty value of %s=", key,
			   strlen(key));
	return 0;
}

static inline int get_u64(struct kmt_parser *p, const char *key, bool hex,
		   bool required, uint64_t *out)
{
	const struct span *v;

	if (!required && !field(p, key))
		return 1;
	if (need(p, key, &v))
		return -1;
	if (!parse_u64(*v, hex, out)) {
		bad(p, KMT_SKIP_BAD_NUMBER, "%s", "", 0);
		snprintf(p->msg, sizeof(p->msg), "%s= is not a number: '%.*s'",
			 key, (int)(v->n > 40 ? 40 : v->n), v->s);
		return -1;
	}
	return 0;
}

static int get_u32(struct kmt_parser *p, const char *key, bool required,
		   uint32_t *out)
{
	uint64_t x;
	int r = get_u64(p, key, false, required, &x);

	if (r)
		return r;
	if (x > UINT32_MAX)
		return bad(p, KMT_SKIP_OUT_OF_RANGE, "%s= is too large", key,
			   strlen(key));
	*out = (uint32_t)x;
	return 0;
}

static int get_ptr(struct kmt_parser *p, const char *key, uint64_t *out)
{
	const struct span *v;

	if (need(p, key, &v))
		return -1;
	if (!parse_ptr(*v, out)) {
		bad(p, KMT_SKIP_BAD_NUMBER, "%s", "", 0);
		snprintf(p->msg, sizeof(p->msg),
			 "%s= is not a pointer: '%.*s'", key,
			 (int)(v->n > 40 ? 40 : v->n), v->s);
		return -1;
	}
	return 0;
}

/* "ab..yz" and its length mixed: the slot of a small cache */
static inline uint32_t ends_hash(const char *s, size_t n, int bits)
{
	uint64_t a, b;

	memcpy(&a, s, 8);
	memcpy(&b, s + n - 8, 8);
	return (uint32_t)(((a ^ b * 31 ^ n) * 0x9e3779b97f4a7c15ull) >>
			  (64 - bits));
}

/*
 * gfp_flags text into @ev; false with the error in p->msg.  The values
 * met last are cached by their text (a trace has a few dozen of them).
 */
static bool gfp_value(struct kmt_parser *p, struct span v,
		      struct kmt_event *ev)
{
	struct gfp_slot *c = NULL;
	char err[96];
	bool raw;

	if (v.n >= 8 && v.n <= sizeof(c->text)) {
		c = &p->gfp_slot[ends_hash(v.s, v.n, GFP_SLOT_BITS)];
		if (c->n == v.n && bytes_eq(c->text, v.s, v.n)) {
			ev->u.mem.gfp = c->gfp;
			ev->flags |= c->flags;
			return true;
		}
	}
	if (kmt_gfp_lookup(&p->gfp, v.s, v.n, &ev->u.mem.gfp, &raw, err,
			   sizeof(err))) {
		p->why = KMT_SKIP_BAD_GFP;
		snprintf(p->msg, sizeof(p->msg), "gfp_flags: %s", err);
		return false;
	}
	if (raw)
		ev->flags |= KMT_F_GFP_RAW;
	if (c) {
		memcpy(c->text, v.s, v.n);
		c->n = (uint8_t)v.n;
		c->gfp = ev->u.mem.gfp;
		c->flags = raw ? KMT_F_GFP_RAW : 0;
	}
	return true;
}

static int get_gfp(struct kmt_parser *p, struct kmt_event *ev)
{
	const struct span *v;

	if (need(p, "gfp_flags", &v))
		return -1;
	return gfp_value(p, *v, ev) ? 0 : -1;
}

static int get_node(struct kmt_parser *p, struct kmt_event *ev)
{
	const struct span *v = field(p, "node");
	int64_t node;

	ev->u.mem.node = KMT_NODE_NONE;
	if (!v)
		return 0;
	if (!parse_i64(*v, &node))
		return bad(p, KMT_SKIP_BAD_NUMBER, "node= is not a number%s",
			   "", 0);
	if (node < -1 || node > 32767)
		return bad(p, KMT_SKIP_OUT_OF_RANGE, "node= out of range%s",
			   "", 0);
	ev->u.mem.node = (int16_t)node;
	ev->flags |= KMT_F_NODE;
	return 0;
}

static void get_accounted(struct kmt_parser *p, struct kmt_event *ev)
{
	const struct span *v = field(p, "accounted");

	if (v && (span_eq(*v, "true") || span_eq(*v, "(1)") ||
		  span_eq(*v, "1")))
		ev->flags |= KMT_F_ACCOUNTED;
}

/*
 * The string @v's id in p->strs, through a small cache of the strings met
 * last (call sites and cache names repeat) before the table's hash.
 */
static inline uint32_t intern_span(struct kmt_parser *p, struct span v)
{
	struct str_slot *c;

	/* call_site=0 (old perf, lost symbol): no call site */
	if (v.n == 1 && v.s[0] == '0')
		return 0;
	if (v.n < 8)
		return kmt_str_intern(p->strs, v.s, v.n);
	c = &p->str_slot[ends_hash(v.s, v.n, STR_SLOT_BITS)];
	if (c->n == v.n && bytes_eq(c->s, v.s, v.n))
		return c->id;
	c->id = kmt_str_intern(p->strs, v.s, v.n);
	c->s = p->strs->str[c->id];
	c->n = v.n;
	return c->id;
}

static uint32_t intern_field(struct kmt_parser *p, const char *key)
{
	const struct span *v = field(p, key);

	return v ? intern_span(p, *v) : 0;
}

static int get_order(struct kmt_parser *p, struct kmt_event *ev,
		     bool required)
{
	uint64_t order = 0;
	int r = get_u64(p, "order", false, required, &order);

	if (r < 0)
		return -1;
	if (order > KMT_MAX_ORDER)
		return bad(p, KMT_SKIP_OUT_OF_RANGE,
			   "order=%s is out of range (0..16)",
			   field(p, "order")->s, field(p, "order")->n);
	ev->u.mem.order = (uint8_t)order;
	return 0;
}

static uint32_t page_bytes(struct kmt_parser *p, unsigned int order)
{
	uint64_t ps = p->meta->page_size ? p->meta->page_size : 4096;
	uint64_t b = ps << order;

	return b > UINT32_MAX ? UINT32_MAX : (uint32_t)b;
}

/* ---- per-event decoding ---- */

static int decode_slab_alloc(struct kmt_parser *p, struct kmt_rec *r)
{
	struct kmt_event *ev = &r->ev;

	if (need(p, "call_site", &(const struct span *){ NULL }) ||
	    get_ptr(p, "ptr", &r->ptr) ||
	    get_u32(p, "bytes_req", true, &ev->u.mem.bytes_req) ||
	    get_u32(p, "bytes_alloc", true, &ev->u.mem.bytes_alloc) ||
	    get_gfp(p, ev) || get_node(p, ev))
		return -1;
	ev->site = intern_field(p, "call_site");
	ev->u.mem.cache = intern_field(p, "name");
	get_accounted(p, ev);
	if (!r->ptr)
		ev->flags |= KMT_F_FAILED;
	return 0;
}

static int decode_slab_free(struct kmt_parser *p, struct kmt_rec *r)
{
	struct kmt_event *ev = &r->ev;

	if (need(p, "call_site", &(const struct span *){ NULL }) ||
	    get_ptr(p, "ptr", &r->ptr))
		return -1;
	ev->site = intern_field(p, "call_site");
	ev->u.mem.cache = intern_field(p, "name");
	return 0;
}

static int decode_page(struct kmt_parser *p, struct kmt_rec *r)
{
	struct kmt_event *ev = &r->ev;
	bool alloc = ev->type == KMT_EV_MM_PAGE_ALLOC;
	bool order_req = ev->type != KMT_EV_MM_PAGE_FREE_BATCHED &&
			 ev->type != KMT_EV_MM_PAGEVEC_FREE;
	const struct span *page = field(p, "page");
	uint64_t mt = 0;

	if (get_u64(p, "pfn", false, true, &r->ptr) ||
	    get_order(p, ev, order_req))
		return -1;
	ev->u.mem.bytes_alloc = page_bytes(p, ev->u.mem.order);
	if (!alloc)
		return 0;
	if (get_u64(p, "migratetype", false, true, &mt) || get_gfp(p, ev))
		return -1;
	if (mt > 255)
		return bad(p, KMT_SKIP_OUT_OF_RANGE,
			   "migratetype out of range%s", "", 0);
	ev->u.mem.migratetype = (uint8_t)mt;
	ev->u.mem.bytes_req = ev->u.mem.bytes_alloc;
	if (page ? (span_eq(*page, "(nil)") || span_eq(*page, "(null)") ||
		    span_eq(*page, "0"))
		 : r->ptr == 0)
		ev->flags |= KMT_F_FAILED;
	return 0;
}

static int decode_vmap(struct kmt_parser *p, struct kmt_rec *r)
{
	struct kmt_event *ev = &r->ev;
	uint64_t size = 0, failed = 0;

	if (ev->type == KMT_EV_ALLOC_VMAP_AREA) {
		if (get_u64(p, "va_start", false, true, &r->ptr) ||
		    get_u64(p, "size", false, true, &size) ||
		    get_u64(p, "failed", false, false, &failed) < 0)
			return -1;
		if (failed)
			ev->flags |= KMT_F_FAILED;
	} else if (ev->type == KMT_EV_FREE_VMAP_AREA_NOFLUSH) {
		if (get_u64(p, "va_start", true, true, &r->ptr))
			return -1;
	} else {
		/* vmalloc / vfree: not mainline tracepoints; addr= or ptr= */
		const char *key = field(p, "addr") ? "addr" : "ptr";

		if (get_ptr(p, key, &r->ptr) ||
		    get_u64(p, "size", false, false, &size) < 0)
			return -1;
		ev->site = intern_field(p, "call_site");
		if (ev->type == KMT_EV_VMALLOC && !r->ptr)
			ev->flags |= KMT_F_FAILED;
	}
	ev->u.mem.bytes_req = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	ev->u.mem.bytes_alloc = ev->u.mem.bytes_req;
	return 0;
}

static int decode_percpu(struct kmt_parser *p, struct kmt_rec *r)
{
	struct kmt_event *ev = &r->ev;
	uint32_t align = 0, reserved = 0;

	if (get_ptr(p, "ptr", &r->ptr))
		return -1;
	ev->site = intern_field(p, "call_site");
	if (ev->type == KMT_EV_PERCPU_FREE_PERCPU)
		return 0;
	if (get_u32(p, "size", true, &ev->u.mem.bytes_req) ||
	    get_u32(p, "align", false, &align) < 0 ||
	    get_u32(p, "reserved", false, &reserved) < 0)
		return -1;
	if (align & (align - 1))
		return bad(p, KMT_SKIP_OUT_OF_RANGE,
			   "align= is not a power of two%s", "", 0);
	ev->u.mem.order = align ? (uint8_t)__builtin_ctz(align) : 0;
	ev->u.mem.migratetype = reserved ? 1 : 0;
	ev->u.mem.bytes_alloc = ev->u.mem.bytes_req;
	if (get_u32(p, "bytes_alloc", false, &ev->u.mem.bytes_alloc) < 0)
		return -1;
	if (field(p, "gfp_flags") && get_gfp(p, ev))
		return -1;
	if (!r->ptr)
		ev->flags |= KMT_F_FAILED;
	return 0;
}

/* Syscall arguments are hex (ftrace "%lx", trace-cmd "0x%08lx"). */
static int sc_arg(struct kmt_parser *p, const char *key, uint64_t *out)
{
	return get_u64(p, key, true, true, out);
}

static int decode_vm(struct kmt_parser *p, struct kmt_rec *r,
		     const char *ret, const char *end)
{
	struct kmt_event *ev = &r->ev;
	uint64_t a = 0, b = 0, c = 0;
	int64_t sv;

	switch (ev->type) {
	case KMT_EV_SYS_ENTER_MMAP:
		if (sc_arg(p, "addr", &ev->u.vm.addr) ||
		    sc_arg(p, "len", &ev->u.vm.len) || sc_arg(p, "prot", &a) ||
		    sc_arg(p, "flags", &b))
			return -1;
		ev->u.vm.arg = kmt_mmap_arg(a, b, -1);
		/* fd and off: a file mapping (optional: older sources) */
		if (get_u64(p, "fd", true, false, &c) == 0 &&
		    (int32_t)(uint32_t)c >= 0) {
			uint64_t off = 0;

			if (get_u64(p, "off", true, false, &off) < 0)
				return -1;
			ev->u.vm.arg = kmt_mmap_arg(a, b, (int32_t)(uint32_t)c);
			off >>= 12;
			ev->obj = off < KMT_OBJ_NONE ? (uint32_t)off
						     : KMT_OBJ_NONE - 1;
		}
		return 0;
	case KMT_EV_SYS_ENTER_MUNMAP:
		return sc_arg(p, "addr", &ev->u.vm.addr) ||
		       sc_arg(p, "len", &ev->u.vm.len) ? -1 : 0;
	case KMT_EV_SYS_ENTER_BRK:
		return sc_arg(p, "brk", &ev->u.vm.addr);
	case KMT_EV_SYS_ENTER_MPROTECT:
		return sc_arg(p, "start", &ev->u.vm.addr) ||
		       sc_arg(p, "len", &ev->u.vm.len) ||
		       sc_arg(p, "prot", &ev->u.vm.arg) ? -1 : 0;
	case KMT_EV_SYS_ENTER_MREMAP:
		return sc_arg(p, "addr", &ev->u.vm.addr) ||
		       sc_arg(p, "old_len", &ev->u.vm.len) ||
		       sc_arg(p, "new_len", &ev->u.vm.arg) ? -1 : 0;
	case KMT_EV_SYS_EXIT_MMAP:
	case KMT_EV_SYS_EXIT_MUNMAP:
	case KMT_EV_SYS_EXIT_BRK:
	case KMT_EV_SYS_EXIT_MPROTECT:
	case KMT_EV_SYS_EXIT_MREMAP: {
		/* "sys_mmap -> 0x7f..": @ret; "sys_exit_mmap: 0x7f..": fields */
		struct span v;

		if (!ret) {
			return bad(p, KMT_SKIP_MISSING_FIELD,
				   "missing return value%s", "", 0);
		}
		while (ret < end && is_space(*ret))
			ret++;
		v.s = ret;
		while (ret < end && !is_space(*ret))
			ret++;
		v.n = (size_t)(ret - v.s);
		if (v.n && v.s[0] == '-') {
			if (!parse_i64(v, &sv))
				return bad(p, KMT_SKIP_BAD_NUMBER,
					   "bad return value '%s'", v.s, v.n);
			ev->u.vm.addr = (uint64_t)sv;
		} else if (!parse_u64(v, true, &ev->u.vm.addr)) {
			return bad(p, KMT_SKIP_BAD_NUMBER,
				   "bad return value '%s'", v.s, v.n);
		}
		return 0;
	}
	case KMT_EV_PAGE_FAULT_USER:
		if (get_u64(p, "address", true, true, &ev->u.vm.addr) ||
		    get_u64(p, "ip", true, true, &ev->u.vm.len) ||
		    get_u64(p, "error_code", true, true, &ev->u.vm.arg))
			return -1;
		return 0;
	case KMT_EV_SCHED_PROCESS_FORK:
		if (get_u64(p, "pid", false, true, &a) ||
		    get_u64(p, "child_pid", false, true, &c))
			return -1;
		ev->u.vm.addr = a;
		ev->u.vm.arg = c;
		return 0;
	case KMT_EV_SCHED_PROCESS_EXEC:
		if (get_u64(p, "pid", false, true, &a) ||
		    get_u64(p, "old_pid", false, false, &c) < 0)
			return -1;
		ev->u.vm.addr = a;
		ev->u.vm.arg = c;
		return 0;
	case KMT_EV_SCHED_PROCESS_EXIT:
		return get_u64(p, "pid", false, true, &ev->u.vm.addr);
	case KMT_EV_EXIT_MMAP:
		return 0;
	case KMT_EV_RSS_STAT: {
		const struct span *sz = field(p, "size");
		const struct span *ty = field(p, "type");
		struct span v;

		if (get_u64(p, "mm_id", false, false, &ev->u.vm.addr) < 0)
			return -1;
		if (!sz)
			return bad(p, KMT_SKIP_MISSING_FIELD,
				   "missing field size=%s", "", 0);
		v = *sz;
		if (v.n && v.s[v.n - 1] == 'B')
			v.n--;
		if (!parse_i64(v, &sv))
			return bad(p, KMT_SKIP_BAD_NUMBER,
				   "size= is not a number: '%s'", sz->s,
				   sz->n);
		ev->u.vm.len = (uint64_t)sv;
		if (ty) {
			static const char *const t[] = {
				"MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS",
				"MM_SHMEMPAGES",
			};

			for (unsigned int i = 0; i < 4; i++)
				if (span_eq(*ty, t[i]))
					ev->u.vm.arg = i;
		} else if (get_u64(p, "member", false, false,
				   &ev->u.vm.arg) < 0) {
			return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- the fast path: the kmem lines as today's kernels print them ---- */

/*
 * The commonest events, in the form and field order of current kernels
 * (kmalloc, kmem_cache_alloc, kfree, kmem_cache_free, mm_page_alloc,
 * mm_page_free, mm_page_free_batched; see docs/trace-format.md), are read
 * in one pass over the fields, without the field table.  A line in any
 * other form -- another field order, a missing or extra field, two blanks,
 * a value that is not plainly well formed -- makes the fast path give up
 * (FAST_NO), and the general path reads it and reports what is wrong.
 * Before it can give up, the fast path writes only fields that the
 * general path sets again (never the flags, the strings or the counts).  Values mean exactly what the general path makes
 * of them: the same helpers read them.  kmt_fuzz_text() and the unit
 * tests parse every input both ways and compare.
 */
enum { FAST_OK = 0, FAST_NO = 1 };

/* Is @key (a literal, with its '=') at *@s?  Moves past it. */
#define FAST_KEY(s, e, key) \
	((size_t)((e) - (s)) > sizeof(key) - 1 && \
	 bytes_eq((s), key, sizeof(key) - 1) && \
	 ((s) += sizeof(key) - 1, true))

/*
 * Does a value end at @q: at the end of the line if @last, else at a
 * single blank before the next field?  Then *@s moves to that field.
 */
static inline bool fast_end(const char **s, const char *q, const char *e,
			    bool last)
{
	if (last ? q != e : (e - q < 2 || *q != ' ' || q[1] == ' '))
		return false;
	*s = last ? q : q + 1;
	return true;
}

/*
 * The value at @s: up to the next blank, which must be followed by
 * another field (or, for the last field, up to the end of the line).
 * Empty values and padded ones ("ptr=  (null)") are the general path's.
 */
static inline bool fast_val(const char **s, const char *e, bool last,
			    struct span *v)
{
	const char *b = *s, *q = find_char(b, e, ' ');

	if (last ? q != NULL : q == NULL)
		return false;
	if (last)
		q = e;
	if (q == b || !fast_end(s, q, e, last))
		return false;
	*v = (struct span){ b, (size_t)(q - b) };
	return true;
}

/* A decimal value of at most 19 digits (no overflow to check). */
static inline bool fast_dec(const char **s, const char *e, bool last,
			    uint64_t *out)
{
	const char *q = *s;
	uint64_t x = 0;

	while (q < e && is_digit(*q) && q - *s < 19)
		x = x * 10 + (uint64_t)(*q++ - '0');
	if (q == *s || !fast_end(s, q, e, last))
		return false;
	*out = x;
	return true;
}

/* A decimal value below 2^32. */
static inline bool fast_u32(const char **s, const char *e, bool last,
			    uint32_t *out)
{
	const char *b = *s;
	uint64_t x;

	if (!fast_dec(s, e, last, &x) || x > UINT32_MAX) {
		*s = b;
		return false;
	}
	*out = (uint32_t)x;
	return true;
}

/*
 * A hex value of at most 16 digits; a "0x" before it is allowed if
 * @prefix (a pointer; pfn= has its "0x" in the key).
 */
static inline bool fast_hex(const char **s, const char *e, bool prefix,
			    bool last, uint64_t *out)
{
	const char *q = *s, *d;
	unsigned int bad = 0;
	uint64_t x = 0;
	int h;

	if (prefix && e - q > 2 && q[0] == '0' && q[1] == 'x' &&
	    hexval(q[2]) >= 0)
		q += 2;
	if (e - q >= 16 && (q + 16 == e || q[16] == ' ')) {
		/* a 64-bit pointer: 16 digits, without a branch per digit */
		for (int i = 0; i < 16; i++) {
			unsigned int c = cclass[(unsigned char)q[i]] & C_HEXV;

			bad |= c == 0;
			x = x << 4 | (uint64_t)((c - 1) & 15);
		}
		q += 16;
	} else {
		for (d = q; q < e && (h = hexval(*q)) >= 0 && q - d < 16; q++)
			x = x << 4 | (uint64_t)h;
		if (q == d)
			return false;
	}
	if (bad || !fast_end(s, q, e, last))
		return false;
	*out = x;
	return true;
}

/*
 * kmalloc:          call_site=S ptr=P bytes_req=N bytes_alloc=N
 *                   gfp_flags=G node=N accounted=B
 * kmem_cache_alloc: call_site=S ptr=P name=C bytes_req=N ...
 * kfree:            call_site=S ptr=P
 * kmem_cache_free:  call_site=S ptr=P name=C
 */
static int fast_slab(struct kmt_parser *p, struct kmt_rec *r, const char *s,
		     const char *e)
{
	struct kmt_event *ev = &r->ev;
	bool alloc = ev->type == KMT_EV_KMALLOC ||
		     ev->type == KMT_EV_KMEM_CACHE_ALLOC;
	bool named = ev->type == KMT_EV_KMEM_CACHE_ALLOC ||
		     ev->type == KMT_EV_KMEM_CACHE_FREE;
	struct span site, name = { NULL, 0 }, gfp, v;
	uint32_t node;

	if (!FAST_KEY(s, e, "call_site=") || !fast_val(&s, e, false, &site) ||
	    !FAST_KEY(s, e, "ptr="))
		return FAST_NO;
	if (!fast_hex(&s, e, true, !alloc && !named, &r->ptr))
		return FAST_NO;
	if (named && (!FAST_KEY(s, e, "name=") ||
		      !fast_val(&s, e, !alloc, &name)))
		return FAST_NO;
	if (alloc) {
		if (!FAST_KEY(s, e, "bytes_req=") ||
		    !fast_u32(&s, e, false, &ev->u.mem.bytes_req) ||
		    !FAST_KEY(s, e, "bytes_alloc=") ||
		    !fast_u32(&s, e, false, &ev->u.mem.bytes_alloc) ||
		    !FAST_KEY(s, e, "gfp_flags=") ||
		    !fast_val(&s, e, false, &gfp) || !FAST_KEY(s, e, "node="))
			return FAST_NO;
		/* node=-1 (NUMA_NO_NODE) or a node number */
		if (e - s > 2 && s[0] == '-' && s[1] == '1' && s[2] == ' ') {
			ev->u.mem.node = -1;
			s += 3;
		} else if (fast_u32(&s, e, false, &node) && node <= 32767) {
			ev->u.mem.node = (int16_t)node;
		} else {
			return FAST_NO;
		}
		if (!FAST_KEY(s, e, "accounted=") || find_char(s, e, ' ') ||
		    !gfp_value(p, gfp, ev))
			return FAST_NO;
		ev->flags |= KMT_F_NODE;
		v = (struct span){ s, (size_t)(e - s) };
		if (span_eq(v, "true") || span_eq(v, "(1)") || span_eq(v, "1"))
			ev->flags |= KMT_F_ACCOUNTED;
		if (!r->ptr)
			ev->flags |= KMT_F_FAILED;
	}
	ev->site = intern_span(p, site);
	if (named)
		ev->u.mem.cache = intern_span(p, name);
	return FAST_OK;
}

/*
 * mm_page_alloc:        page=P pfn=0xN order=N migratetype=N gfp_flags=G
 * mm_page_free:         page=P pfn=0xN order=N
 * mm_page_free_batched: page=P pfn=0xN order=0
 */
static int fast_page(struct kmt_parser *p, struct kmt_rec *r, const char *s,
		     const char *e)
{
	struct kmt_event *ev = &r->ev;
	bool alloc = ev->type == KMT_EV_MM_PAGE_ALLOC;
	struct span page, gfp;
	uint32_t order, mt;

	if (!FAST_KEY(s, e, "page=") || !fast_val(&s, e, false, &page) ||
	    !FAST_KEY(s, e, "pfn=0x") || !fast_hex(&s, e, false, false, &r->ptr) ||
	    !FAST_KEY(s, e, "order=") ||
	    !fast_u32(&s, e, !alloc, &order) || order > KMT_MAX_ORDER)
		return FAST_NO;
	ev->u.mem.order = (uint8_t)order;
	ev->u.mem.bytes_alloc = page_bytes(p, order);
	if (alloc) {
		if (!FAST_KEY(s, e, "migratetype=") ||
		    !fast_u32(&s, e, false, &mt) || mt > 255 ||
		    !FAST_KEY(s, e, "gfp_flags=") ||
		    !fast_val(&s, e, true, &gfp) || !gfp_value(p, gfp, ev))
			return FAST_NO;
		ev->u.mem.migratetype = (uint8_t)mt;
		ev->u.mem.bytes_req = ev->u.mem.bytes_alloc;
		if (span_eq(page, "(nil)") || span_eq(page, "(null)") ||
		    span_eq(page, "0"))
			ev->flags |= KMT_F_FAILED;
	}
	return FAST_OK;
}

/*
 * page_fault_user: address=0xN ip=0xN error_code=0xN
 * rss_stat:        mm_id=N curr=N type=MM_X size=NB
 */
static int fast_vm(struct kmt_rec *r, const char *s, const char *e)
{
	static const char *const member[] = {
		"MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES",
	};
	struct kmt_event *ev = &r->ev;
	struct span curr, type;
	uint64_t size;

	if (ev->type == KMT_EV_PAGE_FAULT_USER)
		return FAST_KEY(s, e, "address=") &&
		       fast_hex(&s, e, true, false, &ev->u.vm.addr) &&
		       FAST_KEY(s, e, "ip=") &&
		       fast_hex(&s, e, true, false, &ev->u.vm.len) &&
		       FAST_KEY(s, e, "error_code=") &&
		       fast_hex(&s, e, true, true, &ev->u.vm.arg) ? FAST_OK
								  : FAST_NO;
	if (!FAST_KEY(s, e, "mm_id=") ||
	    !fast_dec(&s, e, false, &ev->u.vm.addr) ||
	    !FAST_KEY(s, e, "curr=") || !fast_val(&s, e, false, &curr) ||
	    !FAST_KEY(s, e, "type=") || !fast_val(&s, e, false, &type) ||
	    !FAST_KEY(s, e, "size=") || e[-1] != 'B' ||
	    !fast_dec(&s, e - 1, true, &size) || size > INT64_MAX)
		return FAST_NO;
	ev->u.vm.len = size;
	ev->u.vm.arg = 0;
	for (unsigned int i = 0; i < 4; i++)
		if (span_eq(type, member[i]))
			ev->u.vm.arg = i;
	return FAST_OK;
}

static int decode_event(struct kmt_parser *p, struct kmt_rec *r,
			const char *fs, const char *fe, const char *ret)
{
	struct kmt_event *ev = &r->ev;

	switch (ev->type) {
	case KMT_EV_PAGE_FAULT_USER:
	case KMT_EV_RSS_STAT:
		if (!p->generic && fs < fe && *fs == ' ' &&
		    fast_vm(r, fs + 1, fe) == FAST_OK)
			return 0;
		break;
	case KMT_EV_KMALLOC:
	case KMT_EV_KMEM_CACHE_ALLOC:
	case KMT_EV_KFREE:
	case KMT_EV_KMEM_CACHE_FREE:
		if (!p->generic && fs < fe && *fs == ' ' &&
		    fast_slab(p, r, fs + 1, fe) == FAST_OK)
			return 0;
		break;
	case KMT_EV_MM_PAGE_ALLOC:
	case KMT_EV_MM_PAGE_FREE:
	case KMT_EV_MM_PAGE_FREE_BATCHED:
		if (!p->generic && fs < fe && *fs == ' ' &&
		    fast_page(p, r, fs + 1, fe) == FAST_OK)
			return 0;
		break;
	default:
		break;
	}
	scan_fields(p, fs, fe);
	switch (ev->type) {
	case KMT_EV_KMALLOC:
	case KMT_EV_KMALLOC_NODE:
	case KMT_EV_KMEM_CACHE_ALLOC:
	case KMT_EV_KMEM_CACHE_ALLOC_NODE:
		return decode_slab_alloc(p, r);
	case KMT_EV_KFREE:
	case KMT_EV_KMEM_CACHE_FREE:
		return decode_slab_free(p, r);
	case KMT_EV_MM_PAGE_ALLOC:
	case KMT_EV_MM_PAGE_FREE:
	case KMT_EV_MM_PAGE_FREE_BATCHED:
	case KMT_EV_MM_PAGE_FREE_DIRECT:
	case KMT_EV_MM_PAGEVEC_FREE:
		return decode_page(p, r);
	case KMT_EV_ALLOC_VMAP_AREA:
	case KMT_EV_FREE_VMAP_AREA_NOFLUSH:
	case KMT_EV_VMALLOC:
	case KMT_EV_VFREE:
		return decode_vmap(p, r);
	case KMT_EV_PERCPU_ALLOC_PERCPU:
	case KMT_EV_PERCPU_FREE_PERCPU:
		return decode_percpu(p, r);
	default:
		return decode_vm(p, r, ret, fe);
	}
}

/* ---- line structure ---- */

/* "123.456789:" at @s: ns in @ts, returns the end (past ':') or NULL. */
static const char *parse_ts_slow(const char *s, const char *e, uint64_t *ts)
{
	uint64_t sec = 0, frac = 0;
	int fd = 0;
	const char *b = s;

	while (s < e && is_digit(*s)) {
		if (sec > UINT64_MAX / 10 / 1000000000ull)
			return NULL;
		sec = sec * 10 + (uint64_t)(*s++ - '0');
	}
	if (s == b)
		return NULL;
	if (s < e && *s == '.') {
		s++;
		while (s < e && is_digit(*s)) {
			if (fd < 9) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				fd++;
			}
			s++;
		}
		if (!fd)
			return NULL;
		while (fd < 9) {
			frac *= 10;
			fd++;
		}
		*ts = sec * 1000000000ull + frac;
	} else {
		/* trace_clock counter / ns without a dot */
		*ts = sec;
	}
	if (s >= e || *s != ':')
		return NULL;
	return s + 1;
}

/*
 * The same for the usual form, seconds of at most 10 digits (no overflow
 * in ns) and a fraction of at most 9; anything else goes the slow way.
 */
static inline const char *parse_ts(const char *s, const char *e,
				   uint64_t *ts)
{
	static const uint64_t scale[10] = {
		1000000000, 100000000, 10000000, 1000000, 100000, 10000,
		1000, 100, 10, 1,
	};
	const char *b = s, *f;
	uint64_t sec = 0, frac = 0;

	while (s < e && is_digit(*s) && s - b < 10)
		sec = sec * 10 + (uint64_t)(*s++ - '0');
	if (s == b || s >= e || *s != '.')
		return parse_ts_slow(b, e, ts);
	f = ++s;
	if (e - s > 6 && s[6] == ':') {
		/* microseconds, as ftrace prints them: no loop */
		unsigned int d[6], bad = 0;

		for (int i = 0; i < 6; i++) {
			d[i] = (unsigned char)s[i] - '0';
			bad |= d[i] > 9;
		}
		/* in pairs: a shorter chain of multiplications */
		frac = (d[0] * 10 + d[1]) * 10000 + (d[2] * 10 + d[3]) * 100 +
		       d[4] * 10 + d[5];
		if (!bad) {
			*ts = sec * 1000000000ull + frac * 1000;
			return s + 7;
		}
		frac = 0;
	}
	while (s < e && is_digit(*s) && s - f < 9)
		frac = frac * 10 + (uint64_t)(*s++ - '0');
	if (s == f || s >= e || *s != ':')
		return parse_ts_slow(b, e, ts);
	*ts = sec * 1000000000ull + frac * scale[s - f];
	return s + 1;
}

/* "[NNN]" at @s?  CPU in @cpu, returns past ']' or NULL. */
static const char *parse_cpu(const char *s, const char *e, uint64_t *cpu)
{
	const char *d = ++s;
	uint64_t c = 0;

	while (s < e && is_digit(*s) && s - d < 6)
		c = c * 10 + (uint64_t)(*s++ - '0');
	if (s == d || s >= e || *s != ']')
		return NULL;
	*cpu = c;
	return s + 1;
}

/* PID at the end of "comm-pid", "comm pid", "comm pid/tid", "c-pid (tgid)" */
static uint32_t parse_pid(const char *s, const char *e)
{
	uint64_t pid = 0;
	const char *d;

	while (e > s && is_space(e[-1]))
		e--;
	if (e > s && e[-1] == ')') {
		/* TGID column: "(  1234)" or "(-----)" */
		const char *o = e - 1;

		while (o > s && *o != '(')
			o--;
		e = o;
		while (e > s && is_space(e[-1]))
			e--;
	}
	/* perf's "pid/tid": take the tid; at most 10 digits */
	for (d = e; d > s && is_digit(d[-1]) && e - d < 10; d--)
		;
	for (; d < e; d++)
		pid = pid * 10 + (uint64_t)(*d - '0');
	return pid > UINT32_MAX ? 0 : (uint32_t)pid;
}

static void meta_line(struct kmt_parser *p, const char *s, const char *e)
{
	struct kmt_meta *m = p->meta;
	const char *eq = memchr(s, '=', (size_t)(e - s));
	struct span k, v;
	char **str = NULL;
	uint64_t x;

	if (!eq)
		return;
	k = (struct span){ s, (size_t)(eq - s) };
	v = (struct span){ eq + 1, (size_t)(e - eq - 1) };
	if (span_eq(k, "kernel"))
		str = &m->kernel;
	else if (span_eq(k, "hostname"))
		str = &m->hostname;
	else if (span_eq(k, "events"))
		str = &m->events;
	else if (span_eq(k, "command"))
		str = &m->command;
	else if (span_eq(k, "format"))
		str = &m->format;
	if (str) {
		free(*str);
		*str = strndup(v.s, v.n);
		return;
	}
	if (span_eq(k, "hashed_ptrs")) {
		m->hashed_ptrs = span_eq(v, "1") || span_eq(v, "yes") ||
				 span_eq(v, "true");
		return;
	}
	if (span_eq(k, "start_time") && v.n < 64) {
		/* unix seconds, or ISO 8601 UTC "2026-11-22T01:23:39Z" */
		char buf[64];
		struct tm tm = { 0 };
		const char *end;

		memcpy(buf, v.s, v.n);
		buf[v.n] = '\0';
		end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
		if (end && (*end == 'Z' || !*end)) {
			m->start_time = (uint64_t)timegm(&tm);
			return;
		}
	}
	if (!parse_u64(v, false, &x))
		return;
	if (span_eq(k, "cpus") && x <= KMT_MAX_CPU + 1)
		m->cpus = (uint32_t)x;
	else if (span_eq(k, "page_size") && x <= (1u << 20) && x)
		m->page_size = (uint32_t)x;
	else if (span_eq(k, "start_time"))
		m->start_time = x;
	else if (k.n > 15 && !memcmp(k.s, "lost_events_cpu", 15)) {
		uint64_t cpu;
		struct span c = { k.s + 15, k.n - 15 };

		if (parse_u64(c, false, &cpu) && cpu <= KMT_MAX_CPU)
			kmt_meta_add_lost(m, (uint32_t)cpu, x);
	}
}

void kmt_meta_add_lost(struct kmt_meta *m, uint32_t cpu, uint64_t n)
{
	if (cpu >= m->nr_lost_cpus) {
		m->lost_events = kmb_xrealloc(m->lost_events,
					      (cpu + 1) * sizeof(uint64_t));
		memset(m->lost_events + m->nr_lost_cpus, 0,
		       (cpu + 1 - m->nr_lost_cpus) * sizeof(uint64_t));
		m->nr_lost_cpus = cpu + 1;
	}
	m->lost_events[cpu] += n;
}

/* "CPU:3 [LOST 120 EVENTS]" (trace file, trace-cmd report) */
static bool lost_line(struct kmt_parser *p, const char *s, const char *e)
{
	uint64_t cpu = 0, n = 0;
	const char *q;

	if (e - s < 18 || memcmp(s, "CPU:", 4))
		return false;
	for (q = s + 4; q < e && is_digit(*q); q++)
		cpu = cpu * 10 + (uint64_t)(*q - '0');
	while (q < e && is_space(*q))
		q++;
	if (e - q < 7 || memcmp(q, "[LOST ", 6))
		return false;
	for (q += 6; q < e && is_digit(*q); q++)
		n = n * 10 + (uint64_t)(*q - '0');
	if (cpu <= KMT_MAX_CPU)
		kmt_meta_add_lost(p->meta, (uint32_t)cpu, n);
	return true;
}

static bool has_control(const char *s, const char *e)
{
	for (; s < e; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/*
 * function_graph output carries events as comments, " 3)   |  /-*
 * mm_page_alloc: page=... *-/" (without the dashes).  Returns where
 * the event starts (CPU in @cpu, end moved before the comment's end), or
 * @s when the line is not one.
 */
static const char *graph_comment(const char *s, const char *e, uint64_t *cpu,
				 const char **end)
{
	const char *q = s, *c;
	uint64_t n = 0;

	while (q < e && is_digit(*q))
		n = n * 10 + (uint64_t)(*q++ - '0');
	if (q == s || q >= e || *q != ')' || n > KMT_MAX_CPU)
		return s;
	c = memchr(q, '/', (size_t)(e - q));
	if (!c || e - c < 5 || c[1] != '*' || e[-1] != '/' || e[-2] != '*')
		return s;
	*cpu = n;
	*end = e - 2;
	return c + 2;
}

/*
 * One line: 1 = event in @r, 0 = not an event (ignored/unknown), -1 =
 * malformed (p->why, p->msg).
 */
static int parse_line(struct kmt_parser *p, const char *s, const char *e,
		      struct kmt_rec *r)
{
	const char *b, *q, *ne, *ret = NULL;
	uint64_t cpu = 0, ts = p->last_ts;
	bool header = false;
	enum kmt_event_type type;

	while (e > s && (is_space(e[-1]) || e[-1] == '\r'))
		e--;
	s = skip_blanks(s, e);
	if (s == e)
		return 0;
	if (*s == '#') {
		if (e - s > 15 && !memcmp(s, "# kmbench-meta: ", 16))
			meta_line(p, s + 16, e);
		return 0;
	}
	memset(r, 0, sizeof(*r));
	/* the "[CPU]" bracket: the first '[' followed by digits and ']' */
	for (b = s; (b = find_char(b, e, '[')); b++) {
		q = parse_cpu(b, e, &cpu);
		if (q && (q == e || is_space(*q))) {
			header = true;
			break;
		}
	}
	if (header) {
		r->ev.pid = parse_pid(s, b);
		/* q is past the ']' */
		while (q < e && is_space(*q))
			q++;
		ne = parse_ts(q, e, &ts);
		if (!ne) {
			/* the irq-flags column comes first (5 or 4 chars) */
			if (e - q > 5 && q[5] == ' ' && !has_blank(q, 5))
				q += 5;
			while (q < e && !is_space(*q))
				q++;
			while (q < e && is_space(*q))
				q++;
			ne = parse_ts(q, e, &ts);
			if (!ne) {
				if (has_control(s, e))
					return bad(p, KMT_SKIP_GARBAGE,
						   "binary garbage in line%s",
						   "", 0);
				return bad(p, KMT_SKIP_BAD_HEADER,
					   "no timestamp after [CPU]: '%s'",
					   q, (size_t)(e - q));
			}
		}
		q = ne;
		if (cpu > KMT_MAX_CPU)
			return bad(p, KMT_SKIP_OUT_OF_RANGE,
				   "CPU number out of range%s", "", 0);
	} else {
		if (lost_line(p, s, e))
			return 0;
		q = parse_ts(s, e, &ts);
		if (!q)
			q = graph_comment(s, e, &cpu, &e);
	}
	while (q < e && is_space(*q))
		q++;
	/* event name: "kmalloc:", "kmem:kmalloc:", "sys_mmap(", "sys_x ->" */
	b = q;
	ne = find_char(q, e, ':');
	if (ne && e - ne > 1 && ne[1] == ' ' &&
	    (type = name_lookup(b, (size_t)(ne - b))) != KMT_EV_NONE) {
		/* the usual "EVENT: ": a known name is an identifier */
		q = ne + 1;
		goto known;
	}
	while (q < e && is_ident(*q))
		q++;
	ne = q;
	type = KMT_EV_NONE;
	if (q < e && *q == ':') {
		const char *q2 = q + 1;

		while (q2 < e && is_ident(*q2))
			q2++;
		if (q2 > q + 1 && q2 < e && *q2 == ':' &&
		    (q2 + 1 == e || is_space(q2[1]))) {
			b = q + 1;	/* perf: subsystem:event: */
			ne = q2;
			q = q2;
		}
		type = name_lookup(b, (size_t)(ne - b));
		q++;
	} else if (ne - b > 4 && !memcmp(b, "sys_", 4) && q < e &&
		   (*q == '(' || (e - q > 3 && !memcmp(q, " ->", 3)))) {
		type = syscall_lookup(b + 4, (size_t)(ne - b - 4), *q != '(');
		if (*q == '(') {
			q++;
			while (e > q && e[-1] != ')')
				e--;
			if (e > q)
				e--;
			else
				return bad(p, KMT_SKIP_TRUNCATED,
					   "syscall arguments cut short%s",
					   "", 0);
		} else {
			ret = q + 3;
		}
	}
	if (type == KMT_EV_NONE) {
		if (has_control(s, e))
			return bad(p, KMT_SKIP_GARBAGE,
				   "binary garbage in line%s", "", 0);
		/* "<stack trace>", "<user stack trace>" are not events */
		if (header && ne > b)
			p->counts.unknown_events++;
		else
			p->counts.ignored++;
		return 0;
	}
known:
	/* "sys_exit_mmap: 0x7f.." (trace-cmd): the return is the value */
	if (!ret && type >= KMT_EV_SYS_ENTER_MMAP &&
	    type <= KMT_EV_SYS_EXIT_MREMAP &&
	    (type - KMT_EV_SYS_ENTER_MMAP) % 2 == 1)
		ret = q;
	r->ev.type = (uint8_t)type;
	r->ev.cpu = (uint16_t)cpu;
	r->ev.ts = ts;
	r->ev.obj = KMT_OBJ_NONE;
	if (kmt_event_kind(type) != KMT_KIND_VM)
		r->ev.u.mem.node = KMT_NODE_NONE;
	if (decode_event(p, r, q, e, ret))
		return -1;
	p->last_ts = ts;
	return 1;
}

/* ---- public interface ---- */

#if KMT_HAVE_DAT_HOOK
/* The rest of @in's raw bytes into a temporary file @tmp.  0 or -1. */
static int spool_input(struct kmt_input *in, char *tmp, size_t len)
{
	char buf[1 << 16];
	ssize_t n;
	int fd;

	snprintf(tmp, len, "/tmp/kmbench-dat-XXXXXX");
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (write(fd, in->ibuf + in->ipos, in->ilen - in->ipos) < 0)
		goto fail;
	while ((n = read(in->fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			goto fail;
	if (n < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	tmp[0] = '\0';
	return -1;
}
#endif

static struct kmt_parser *parser_new(const struct kmt_opts *opts,
				     struct kmt_strtab *strs,
				     struct kmt_meta *meta)
{
	struct kmt_parser *p = kmb_xcalloc(1, sizeof(*p));

	name_table_init();
	if (opts)
		p->opts = *opts;
	p->opts.name = NULL;
	p->strs = strs;
	p->meta = meta;
	kmt_gfp_cache_init(&p->gfp);
	return p;
}

struct kmt_parser *kmt_parser_from_input(struct kmt_input *in,
					 const char *path,
					 const struct kmt_opts *opts,
					 struct kmt_strtab *strs,
					 struct kmt_meta *meta,
					 struct kmt_error *err)
{
	struct kmt_parser *p = parser_new(opts, strs, meta);

	p->in = *in;
	if (p->in.is_dat) {
#if KMT_HAVE_DAT_HOOK
		char msg[256], spool[64] = "";
		int fd, rc = KMB_EX_SOFTWARE;

		/* libtracecmd reads a file: standard input goes to one */
		if (!strcmp(path, "-") && spool_input(&p->in, spool,
						       sizeof(spool)) == 0)
			path = spool;
		p->dat_tmp = tmpfile();
		if (p->dat_tmp && strcmp(path, "-"))
			rc = trace_dat_to_text(path, p->dat_tmp, msg,
					       sizeof(msg));
		if (spool[0])
			unlink(spool);
		if (rc) {
			memset(err, 0, sizeof(*err));
			err->code = rc == KMB_EX_UNAVAILABLE ? rc
							     : KMB_EX_DATAERR;
			snprintf(err->file, sizeof(err->file), "%s",
				 p->in.name);
			snprintf(err->msg, sizeof(err->msg), "%s",
				 p->dat_tmp ? msg : strerror(errno));
			kmt_parser_close(p);
			return NULL;
		}
		if (!meta->format)
			meta->format = kmb_xstrdup("trace-cmd-dat");
		fflush(p->dat_tmp);
		rewind(p->dat_tmp);
		fd = fileno(p->dat_tmp);
		snprintf(msg, sizeof(msg), "%s", p->in.name);
		kmt_input_close(&p->in);
		snprintf(p->in.name, sizeof(p->in.name), "%s", msg);
		p->in.fd = fd;
		p->in.icap = 1u << 18;
		p->in.ibuf = kmb_xmalloc(p->in.icap);
#else
		memset(err, 0, sizeof(*err));
		err->code = KMB_EX_UNAVAILABLE;
		snprintf(err->file, sizeof(err->file), "%s", p->in.name);
		snprintf(err->msg, sizeof(err->msg),
			 "trace-cmd .dat files need libtracecmd (not built "
			 "in); convert with 'trace-cmd report' first");
		kmt_parser_close(p);
		return NULL;
#endif
	}
	return p;
}

struct kmt_parser *kmt_parser_open(const char *path,
				   const struct kmt_opts *opts,
				   struct kmt_strtab *strs,
				   struct kmt_meta *meta,
				   struct kmt_error *err)
{
	struct kmt_input in;

	if (kmt_input_open(&in, path, opts ? opts->name : NULL, err))
		return NULL;
	return kmt_parser_from_input(&in, path, opts, strs, meta, err);
}

struct kmt_parser *kmt_parser_open_mem(const char *buf, size_t len,
				       const struct kmt_opts *opts,
				       struct kmt_strtab *strs,
				       struct kmt_meta *meta)
{
	struct kmt_parser *p = parser_new(opts, strs, meta);

	kmt_input_open_mem(&p->in, buf, len,
			   opts && opts->name ? opts->name : NULL);
	return p;
}

int kmt_parser_next(struct kmt_parser *p, struct kmt_rec *rec,
		    struct kmt_error *err)
{
	char *line;
	size_t len;
	int r;

	for (;;) {
		r = kmt_input_line(&p->in, &line, &len, err);
		if (r <= 0)
			return r;
		p->lineno++;
		p->counts.lines++;
		r = parse_line(p, line, line + len, rec);
		if (r > 0) {
			rec->line = p->lineno;
			p->counts.events++;
			return 1;
		}
		if (r == 0)
			continue;
		p->counts.skipped[p->why]++;
		if (p->opts.lenient)
			continue;
		memset(err, 0, sizeof(*err));
		err->code = KMB_EX_DATAERR;
		err->line = p->lineno;
		snprintf(err->file, sizeof(err->file), "%s", p->in.name);
		snprintf(err->msg, sizeof(err->msg), "%s", p->msg);
		return -1;
	}
}

void kmt_parser_set_generic(struct kmt_parser *p, bool generic)
{
	p->generic = generic;
}

const struct kmt_counts *kmt_parser_counts(const struct kmt_parser *p)
{
	return &p->counts;
}

void kmt_parser_close(struct kmt_parser *p)
{
	if (!p)
		return;
	kmt_input_close(&p->in);
	if (p->dat_tmp)
		fclose(p->dat_tmp);
	kmt_gfp_cache_free(&p->gfp);
	free(p);
}
