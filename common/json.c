// SPDX-License-Identifier: GPL-2.0
/*
 * common/json.c - see json.h.
 */
#include <math.h>
#include <string.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *fp, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->pretty = pretty;
}

static void indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->fp);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->fp);
}

/* Called before every value or key: comma and indentation. */
static void before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->need_comma[w->depth])
			fputc(',', w->fp);
		w->need_comma[w->depth] = true;
		indent(w);
	}
}

static void open_scope(struct json_writer *w, char c)
{
	before_item(w);
	fputc(c, w->fp);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_scope(struct json_writer *w, char c)
{
	bool had_items = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had_items)
		indent(w);
	fputc(c, w->fp);
}

void json_object_begin(struct json_writer *w)
{
	open_scope(w, '{');
}

void json_object_end(struct json_writer *w)
{
	close_scope(w, '}');
}

void json_array_begin(struct json_writer *w)
{
	open_scope(w, '[');
}

void json_array_end(struct json_writer *w)
{
	close_scope(w, ']');
}

static void write_escaped(FILE *fp, const char *s, size_t len)
{
	fputc('"', fp);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(fp, "\\u%04x", c);
			else
				fputc(c, fp);
		}
	}
	fputc('"', fp);
}

void json_key(struct json_writer *w, const char *key)
{
	before_item(w);
	write_escaped(w->fp, key, strlen(key));
	fputs(w->pretty ? ": " : ":", w->fp);
	w->after_key = true;
}

void json_string_n(struct json_writer *w, const char *s, size_t len)
{
	before_item(w);
	write_escaped(w->fp, s, len);
}

void json_string(struct json_writer *w, const char *s)
{
	if (!s) {
		json_null(w);
		return;
	}
	json_string_n(w, s, strlen(s));
}

void json_int(struct json_writer *w, int64_t v)
{
	before_item(w);
	fprintf(w->fp, "%lld", (long long)v);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->fp, "%llu", (unsigned long long)v);
}

void json_double(struct json_writer *w, double v)
{
	before_item(w);
	if (!isfinite(v))
		fputs("null", w->fp);
	else if (v == (double)(long long)v && fabs(v) < 1e15)
		fprintf(w->fp, "%.1f", v);
	else
		fprintf(w->fp, "%.6g", v);
}

void json_bool(struct json_writer *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->fp);
}

void json_null(struct json_writer *w)
{
	before_item(w);
	fputs("null", w->fp);
}

void json_kv_string(struct json_writer *w, const char *k, const char *v)
{
	json_key(w, k);
	json_string(w, v);
}

void json_kv_int(struct json_writer *w, const char *k, int64_t v)
{
	json_key(w, k);
	json_int(w, v);
}

void json_kv_uint(struct json_writer *w, const char *k, uint64_t v)
{
	json_key(w, k);
	json_uint(w, v);
}

void json_kv_double(struct json_writer *w, const char *k, double v)
{
	json_key(w, k);
	json_double(w, v);
}

void json_kv_bool(struct json_writer *w, const char *k, bool v)
{
	json_key(w, k);
	json_bool(w, v);
}

int json_finish(struct json_writer *w)
{
	fputc('\n', w->fp);
	if (fflush(w->fp) != 0 || ferror(w->fp))
		return -1;
	return 0;
}
