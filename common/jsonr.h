/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common/jsonr.h - a small JSON reader: parses a whole document into a
 * tree of values.
 *
 *	char err[128];
 *	struct jv *doc = jv_parse(text, len, err, sizeof(err));
 *	if (!doc) { kmb_input_error(file, 0, "%s", err); ... }
 *	double mean = jv_num(jv_path(doc, "ops.kmalloc.ns.mean"), NAN);
 *	jv_free(doc);
 *
 * Objects keep their keys in document order.  Numbers are doubles.  Strings
 * are NUL-terminated UTF-8 (\u escapes are decoded, surrogate pairs too).
 * Nesting deeper than JV_MAX_DEPTH is an error, so hostile input cannot
 * exhaust the stack.
 */
#ifndef KMB_JSONR_H
#define KMB_JSONR_H

#include <stdbool.h>
#include <stddef.h>

#define JV_MAX_DEPTH 64

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	double num;
	char *str;		/* JV_STR */
	size_t n;		/* JV_ARR, JV_OBJ: number of items */
	char **keys;		/* JV_OBJ: n keys */
	struct jv **items;	/* JV_ARR, JV_OBJ: n values */
};

/*
 * Parse @len bytes of @text (one JSON value, surrounded by white space
 * only).  NULL on error, with "line N: what is wrong" in @err.
 */
struct jv *jv_parse(const char *text, size_t len, char *err, size_t errlen);
void jv_free(struct jv *v);

/* Member @key of object @obj; NULL when @obj is no object or lacks it. */
const struct jv *jv_get(const struct jv *obj, const char *key);

/* Follow a dotted path of object keys ("a.b.c"); NULL when missing. */
const struct jv *jv_path(const struct jv *v, const char *path);

/* The value as a number / string, or @def when it is not one. */
double jv_num(const struct jv *v, double def);
const char *jv_str(const struct jv *v, const char *def);

#endif /* KMB_JSONR_H */
