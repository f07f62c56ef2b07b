// SPDX-License-Identifier: GPL-2.0
/*
 * common/jsonr.c - see jsonr.h.  A recursive-descent parser over a byte
 * buffer; strict RFC 8259 (no comments, no trailing commas).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"
#include "util.h"

struct jr {
	const char *p, *end, *start;
	char *err;
	size_t errlen;
	bool failed;
};

static unsigned long jr_line(const struct jr *r)
{
	unsigned long line = 1;

	for (const char *q = r->start; q < r->p && q < r->end; q++)
		line += *q == '\n';
	return line;
}

__attribute__((format(printf, 2, 3)))
static void jr_fail(struct jr *r, const char *fmt, ...)
{
	char msg[96];
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->err && r->errlen)
		snprintf(r->err, r->errlen, "line %lu: %s", jr_line(r), msg);
}

static void skip_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static struct jv *new_value(enum jv_type type)
{
	struct jv *v = kmb_xcalloc(1, sizeof(*v));

	v->type = type;
	return v;
}

static void push_item(struct jv *v, char *key, struct jv *item, size_t *cap)
{
	if (v->n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		v->items = kmb_xrealloc(v->items, *cap * sizeof(*v->items));
		if (v->type == JV_OBJ)
			v->keys = kmb_xrealloc(v->keys, *cap * sizeof(*v->keys));
	}
	if (v->type == JV_OBJ)
		v->keys[v->n] = key;
	v->items[v->n++] = item;
}

static int hex4(struct jr *r, unsigned int *out)
{
	unsigned int v = 0;

	if (r->end - r->p < 4) {
		jr_fail(r, "short \\u escape");
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned int)(c - 'A' + 10);
		else {
			jr_fail(r, "bad hex digit in \\u escape");
			return -1;
		}
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static int parse_escape(struct jr *r, char *o, size_t *k)
{
	unsigned int cp, lo;
	char c;

	if (r->p >= r->end) {
		jr_fail(r, "unterminated string");
		return -1;
	}
	c = *r->p++;
	switch (c) {
	case '"': case '\\': case '/': o[(*k)++] = c; return 0;
	case 'b': o[(*k)++] = '\b'; return 0;
	case 'f': o[(*k)++] = '\f'; return 0;
	case 'n': o[(*k)++] = '\n'; return 0;
	case 'r': o[(*k)++] = '\r'; return 0;
	case 't': o[(*k)++] = '\t'; return 0;
	case 'u':
		break;
	default:
		jr_fail(r, "bad escape '\\%c'", c);
		return -1;
	}
	if (hex4(r, &cp))
		return -1;
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u') {
			jr_fail(r, "lone surrogate in \\u escape");
			return -1;
		}
		r->p += 2;
		if (hex4(r, &lo))
			return -1;
		if (lo < 0xdc00 || lo >= 0xe000) {
			jr_fail(r, "bad surrogate pair");
			return -1;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp < 0xe000) {
		jr_fail(r, "lone surrogate in \\u escape");
		return -1;
	}
	*k += put_utf8(o + *k, cp);
	return 0;
}

/* At the opening quote; returns a malloc'ed string or NULL. */
static char *parse_string(struct jr *r)
{
	const char *q = ++r->p;
	size_t k = 0;
	char *o;

	/* An escape never decodes longer than its source text. */
	while (q < r->end && *q != '"')
		q += (*q == '\\' && q + 1 < r->end) ? 2 : 1;
	o = kmb_xmalloc((size_t)(q - r->p) + 1);
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = (unsigned char)*r->p;

		if (c < 0x20) {
			jr_fail(r, "control character in string");
			goto fail;
		}
		r->p++;
		if (c == '\\') {
			if (parse_escape(r, o, &k))
				goto fail;
		} else {
			o[k++] = (char)c;
		}
	}
	if (r->p >= r->end) {
		jr_fail(r, "unterminated string");
		goto fail;
	}
	r->p++;
	o[k] = '\0';
	return o;
fail:
	free(o);
	return NULL;
}

static struct jv *parse_number(struct jr *r)
{
	const char *s = r->p;
	char buf[64];
	struct jv *v;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		goto bad;
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			goto bad;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			goto bad;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if ((size_t)(r->p - s) >= sizeof(buf)) {
		jr_fail(r, "number too long");
		return NULL;
	}
	memcpy(buf, s, (size_t)(r->p - s));
	buf[r->p - s] = '\0';
	v = new_value(JV_NUM);
	v->num = strtod(buf, NULL);
	return v;
bad:
	jr_fail(r, "bad number");
	return NULL;
}

static bool literal(struct jr *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, word, n)) {
		r->p += n;
		return true;
	}
	return false;
}

static struct jv *parse_value(struct jr *r, int depth);

static struct jv *parse_container(struct jr *r, int depth, bool obj)
{
	struct jv *v = new_value(obj ? JV_OBJ : JV_ARR);
	char close = obj ? '}' : ']';
	size_t cap = 0;

	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		struct jv *item;

		skip_ws(r);
		if (obj) {
			if (r->p >= r->end || *r->p != '"') {
				jr_fail(r, "expected a string key");
				goto fail;
			}
			key = parse_string(r);
			if (!key)
				goto fail;
			skip_ws(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				jr_fail(r, "expected ':' after key");
				goto fail;
			}
			r->p++;
		}
		item = parse_value(r, depth + 1);
		if (!item) {
			free(key);
			goto fail;
		}
		push_item(v, key, item, &cap);
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return v;
		}
		jr_fail(r, "expected ',' or '%c'", close);
		goto fail;
	}
fail:
	jv_free(v);
	return NULL;
}

static struct jv *parse_value(struct jr *r, int depth)
{
	struct jv *v;

	if (depth > JV_MAX_DEPTH) {
		jr_fail(r, "nested deeper than %d levels", JV_MAX_DEPTH);
		return NULL;
	}
	skip_ws(r);
	if (r->p >= r->end) {
		jr_fail(r, "unexpected end of input");
		return NULL;
	}
	switch (*r->p) {
	case '{':
		return parse_container(r, depth, true);
	case '[':
		return parse_container(r, depth, false);
	case '"': {
		char *s = parse_string(r);

		if (!s)
			return NULL;
		v = new_value(JV_STR);
		v->str = s;
		return v;
	}
	case 't':
	case 'f':
		if (literal(r, "true") || literal(r, "false")) {
			v = new_value(JV_BOOL);
			v->b = r->p[-1] == 'e' && r->p[-2] == 'u';
			return v;
		}
		break;
	case 'n':
		if (literal(r, "null"))
			return new_value(JV_NULL);
		break;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
			return parse_number(r);
	}
	jr_fail(r, "unexpected character '%c'", *r->p);
	return NULL;
}

struct jv *jv_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jr r = { text, text + len, text, err, errlen, false };
	struct jv *v = parse_value(&r, 0);

	if (!v)
		return NULL;
	skip_ws(&r);
	if (r.p != r.end) {
		jr_fail(&r, "trailing data after the JSON value");
		jv_free(v);
		return NULL;
	}
	return v;
}

void jv_free(struct jv *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		jv_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->str);
	free(v);
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	if (!obj || obj->type != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

const struct jv *jv_path(const struct jv *v, const char *path)
{
	char key[128];

	while (v && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		v = jv_get(v, key);
		path += n + (dot != NULL);
	}
	return v;
}

double jv_num(const struct jv *v, double def)
{
	return v && v->type == JV_NUM ? v->num : def;
}

const char *jv_str(const struct jv *v, const char *def)
{
	return v && v->type == JV_STR ? v->str : def;
}
