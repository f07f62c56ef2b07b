/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common/json.h - a small streaming JSON writer.
 *
 * Commas and nesting are tracked for the caller:
 *
 *	struct json_writer w;
 *	json_init(&w, stdout, true);
 *	json_object_begin(&w);
 *	json_kv_int(&w, "schema", 1);
 *	json_key(&w, "pairs"); json_array_begin(&w); ... json_array_end(&w);
 *	json_object_end(&w);
 *	json_finish(&w);	// newline; returns -1 if the stream failed
 *
 * Non-finite doubles are written as null (JSON has no NaN).
 */
#ifndef KMB_JSON_H
#define KMB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *fp;
	bool pretty;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json_writer *w, FILE *fp, bool pretty);
void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_string_n(struct json_writer *w, const char *s, size_t len);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* key + value shorthands */
void json_kv_string(struct json_writer *w, const char *k, const char *v);
void json_kv_int(struct json_writer *w, const char *k, int64_t v);
void json_kv_uint(struct json_writer *w, const char *k, uint64_t v);
void json_kv_double(struct json_writer *w, const char *k, double v);
void json_kv_bool(struct json_writer *w, const char *k, bool v);

/* Final newline; 0, or -1 when a write failed. */
int json_finish(struct json_writer *w);

#endif /* KMB_JSON_H */
