// SPDX-License-Identifier: GPL-2.0
/*
 * tests/unit/trace_dat.c - trace-cmd .dat files to ftrace text.
 *
 * tests/data/dat/kmem.dat was saved by `trace-cmd extract`; kmem.report is
 * `trace-cmd report -N` of it.  The converted text must hold the same
 * events, field for field, in the same order, with the lost-event gaps as
 * "CPU:N [LOST M EVENTS]" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "util.h"
#include "kmt/dat.h"

#define MAX_TOK 64

/* Split @line on blanks into at most MAX_TOK tokens; returns the count. */
static int split(char *line, char **tok)
{
	int n = 0;

	for (char *s = strtok(line, " \t\r\n"); s && n < MAX_TOK;
	     s = strtok(NULL, " \t\r\n"))
		tok[n++] = s;
	return n;
}

static char *slurp(FILE *f, size_t *len)
{
	char *buf;
	long n;

	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = kmb_xmalloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	return buf;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t len;
	char *s;

	if (!f)
		return NULL;
	s = slurp(f, &len);
	fclose(f);
	return s;
}

/* Next line of @*s (NUL-terminated in place), or NULL at the end. */
static char *next_line(char **s)
{
	char *line = *s, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*s = nl + 1;
	} else {
		*s = line + strlen(line);
	}
	return line;
}

static int convert(const char *path, char **text, char *err, size_t errlen)
{
	FILE *out = tmpfile();
	size_t len;
	int rc;

	if (!out)
		return -1;
	rc = trace_dat_to_text(path, out, err, errlen);
	*text = slurp(out, &len);
	fclose(out);
	return rc;
}

TEST(dat_magic)
{
	CHECK(trace_dat_is_dat("\x17\x08\x44tracing6\0\0", 12));
	CHECK(!trace_dat_is_dat("\x17\x08\x44tracin", 9));
	CHECK(!trace_dat_is_dat("# tracer: nop\n", 14));
	CHECK(!trace_dat_is_dat("", 0));
}

#if HAVE_TRACECMD

TEST(dat_matches_trace_cmd_report)
{
	char err[512] = "", *text = NULL, *ref, *rp, *tp, *rl, *tl;
	char *rt[MAX_TOK], *tt[MAX_TOK];
	int rc, events = 0, lost_lines = 0;

	rc = convert(th_srcpath("tests/data/dat/kmem.dat"), &text, err,
		     sizeof(err));
	CHECK_EQ(rc, 0);
	ref = read_file(th_srcpath("tests/data/dat/kmem.report"));
	REQUIRE(ref && text);
	rp = ref;
	tp = text;
	while ((rl = next_line(&rp))) {
		int rn, tn;

		if (!strncmp(rl, "cpus=", 5) || !*rl)
			continue;
		tl = next_line(&tp);
		REQUIRE(tl != NULL);
		rn = split(rl, rt);
		tn = split(tl, tt);
		if (rn == 4 && !strcmp(rt[3], "DROPPED]")) {
			/* "CPU:0 [868 EVENTS DROPPED]" vs
			 * "CPU:0 [LOST 868 EVENTS]" */
			REQUIRE(tn == 4);
			CHECK_STR_EQ(tt[0], rt[0]);
			CHECK_STR_EQ(tt[1], "[LOST");
			CHECK_STR_EQ(tt[2], rt[1] + 1);
			lost_lines++;
			continue;
		}
		/* ours has the irq-flags column after [cpu] */
		REQUIRE(tn == rn + 1);
		CHECK_STR_EQ(tt[0], rt[0]);
		CHECK_STR_EQ(tt[1], rt[1]);
		CHECK(strspn(tt[2], ".dDbBnNhHsz0123456789") == strlen(tt[2]));
		for (int i = 2; i < rn; i++)
			if (strcmp(tt[i + 1], rt[i])) {
				th_fail(__FILE__, __LINE__,
					"event %d field %d: %s != %s", events,
					i, tt[i + 1], rt[i]);
				break;
			}
		events++;
	}
	CHECK(next_line(&tp) == NULL);
	CHECK_EQ(events, 674);
	CHECK_EQ(lost_lines, 2);
	free(ref);
	free(text);
}

TEST(dat_not_a_dat)
{
	char err[512] = "", *text = NULL;
	const char *path = th_srcpath("tests/data/dat/kmem.report");

	CHECK_EQ(convert(path, &text, err, sizeof(err)), KMB_EX_DATAERR);
	CHECK(strstr(err, path) != NULL);
	CHECK(strstr(err, "not a trace-cmd .dat") != NULL);
	CHECK_STR_EQ(text, "");
	free(text);
}

TEST(dat_missing_file)
{
	char err[512] = "", *text = NULL;

	CHECK_EQ(convert("/nonexistent/x.dat", &text, err, sizeof(err)),
		 KMB_EX_DATAERR);
	CHECK(strstr(err, "/nonexistent/x.dat: ") == err);
	free(text);
}

/* A .dat cut short at several places: an error or fewer events, no crash */
TEST(dat_truncated)
{
	const char *src = th_srcpath("tests/data/dat/kmem.dat");
	static const long cuts[] = { 10, 100, 4096, 50000, 120000, -4096 };
	char path[] = "/tmp/kmb-dat-XXXXXX";
	FILE *in = fopen(src, "rb");
	size_t len;
	char *whole;
	int fd;

	REQUIRE(in != NULL);
	whole = slurp(in, &len);
	fclose(in);
	fd = mkstemp(path);
	REQUIRE(fd >= 0);
	close(fd);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t n = cuts[i] > 0 ? (size_t)cuts[i] : len + cuts[i];
		char err[512] = "", *text = NULL;
		FILE *f = fopen(path, "wb");
		int rc;

		REQUIRE(f != NULL);
		fwrite(whole, 1, n < len ? n : len, f);
		fclose(f);
		rc = convert(path, &text, err, sizeof(err));
		CHECK(rc == 0 || rc == KMB_EX_DATAERR);
		if (rc)
			CHECK(strstr(err, path) == err);
		free(text);
	}
	unlink(path);
	free(whole);
}

#else

TEST(dat_without_libtracecmd)
{
	char err[512] = "", *text = NULL;

	CHECK_EQ(convert(th_srcpath("tests/data/dat/kmem.dat"), &text, err,
			 sizeof(err)), KMB_EX_UNAVAILABLE);
	CHECK(strstr(err, "libtracecmd") != NULL);
	free(text);
}

#endif
