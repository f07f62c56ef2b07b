// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/jsonr.c - the JSON reader (common/jsonr.c).
 */
#include <string.h>

#include "harness.h"
#include "jsonr.h"

static struct jv *parse(const char *s, char *err, size_t errlen)
{
	return jv_parse(s, strlen(s), err, errlen);
}

TEST(parse_replay_like)
{
	const char *s = "{ \"schema\": 1, \"trace\": \"a\\u00e9\\n\",\n"
		"  \"ops\": { \"kmalloc\": { \"count\": 3, \"ns\": "
		"{ \"mean\": 12.5e0, \"p50\": -0.25 } } },\n"
		"  \"list\": [1, [2, 3], {}, [], true, false, null] }";
	char err[128] = "";
	struct jv *v = parse(s, err, sizeof(err));
	const struct jv *l;

	REQUIRE(v != NULL);
	CHECK_EQ(v->type, JV_OBJ);
	CHECK_EQ(v->n, 4);
	CHECK_NEAR(jv_num(jv_get(v, "schema"), -1), 1, 0);
	CHECK_STR_EQ(jv_str(jv_get(v, "trace"), NULL), "a\xc3\xa9\n");
	CHECK_NEAR(jv_num(jv_path(v, "ops.kmalloc.ns.mean"), -1), 12.5, 0);
	CHECK_NEAR(jv_num(jv_path(v, "ops.kmalloc.ns.p50"), -1), -0.25, 0);
	CHECK(jv_path(v, "ops.kfree") == NULL);
	CHECK(jv_path(v, "schema.x") == NULL);
	l = jv_get(v, "list");
	REQUIRE(l && l->type == JV_ARR && l->n == 7);
	CHECK_EQ(l->items[1]->n, 2);
	CHECK_EQ(l->items[2]->type, JV_OBJ);
	CHECK(l->items[4]->type == JV_BOOL && l->items[4]->b);
	CHECK(l->items[5]->type == JV_BOOL && !l->items[5]->b);
	CHECK_EQ(l->items[6]->type, JV_NULL);
	jv_free(v);
}

TEST(surrogate_pair)
{
	char err[128];
	struct jv *v = parse("\"\\ud83d\\ude00\"", err, sizeof(err));

	REQUIRE(v);
	CHECK_STR_EQ(v->str, "\xf0\x9f\x98\x80");
	jv_free(v);
}

TEST(errors_name_the_line)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-",
		"\"abc", "\"\\x\"", "tru", "[1] 2", "{1:2}", "\"\\ud800\"",
		"\"a\tb\"", "nul",
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		struct jv *v = parse(bad[i], err, sizeof(err));

		CHECK(v == NULL);
		CHECK(!strncmp(err, "line ", 5));
		jv_free(v);
	}
	CHECK(parse("{\n\"a\": 1,\n\n\"b\": x}", err, sizeof(err)) == NULL);
	CHECK_STR_EQ(err, "line 4: unexpected character 'x'");
}

TEST(depth_limit)
{
	char deep[JV_MAX_DEPTH * 2 + 16];
	char err[128];
	size_t n = JV_MAX_DEPTH + 5;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	CHECK(parse(deep, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "nested") != NULL);
}
