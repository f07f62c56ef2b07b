// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_trace.c - `kmbench trace SUBCOMMAND`: capture, convert, cat,
 * info, stat, synth, bench.
 *
 * Every subcommand that reads a trace takes any format kmt_trace_load()
 * reads (text of any kind, compressed, "-" for stdin, .kmt) and
 * --lenient (skip malformed lines, count them by reason).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "json.h"
#include "kmt/kmt.h"
#include "kmt/stat.h"
#include "kmt/synth.h"
#include "kmt/trace.h"
#include "util.h"

#if __has_include("kmt/capture.h")
#include "kmt/capture.h"
#define HAVE_CAPTURE_HOOK 1
#else
#define HAVE_CAPTURE_HOOK 0
#endif

struct sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *what;
};

static const struct sub *find_sub(const char *name);

static int sub_usage(const struct sub *s, FILE *fp)
{
	fprintf(fp, "usage: kmbench trace %s %s\n\n%s\n", s->name, s->usage,
		s->what);
	return fp == stdout ? 0 : KMB_EX_USAGE;
}

/*
 * Common option parsing: --lenient, --help; positional args into @pos
 * (at most @maxpos).  Unknown options go to @extra (may be NULL).
 * Returns -1 on --help (printed), -2 on a usage error, else the number of
 * positional arguments.
 */
static int common_args(const struct sub *s, int argc, char **argv,
		       struct kmt_opts *opts, const char **pos, int maxpos,
		       int (*extra)(void *ctx, int argc, char **argv, int *i),
		       void *ctx)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			sub_usage(s, stdout);
			return -1;
		}
		if (!strcmp(a, "--lenient")) {
			opts->lenient = true;
			continue;
		}
		if (a[0] == '-' && a[1]) {
			if (extra) {
				int r = extra(ctx, argc, argv, &i);

				if (r == 0)
					continue;
				if (r < 0)
					return -2;
			}
			kmb_warn("trace %s: unknown option '%s'", s->name, a);
			sub_usage(s, stderr);
			return -2;
		}
		if (n == maxpos) {
			kmb_warn("trace %s: too many arguments", s->name);
			sub_usage(s, stderr);
			return -2;
		}
		pos[n++] = a;
	}
	return n;
}

/*
 * Arguments of a subcommand that takes exactly @want positional ones.
 * Returns true to go on; false with the exit code in @rc (0 after --help).
 */
static bool args_exact(const struct sub *s, int argc, char **argv,
		       struct kmt_opts *opts, const char **pos, int want,
		       int (*extra)(void *ctx, int argc, char **argv, int *i),
		       void *ctx, int *rc)
{
	int n = common_args(s, argc, argv, opts, pos, want, extra, ctx);

	*rc = n == -1 ? 0 : n == -2 ? KMB_EX_USAGE : 0;
	if (n < 0)
		return false;
	if (n != want) {
		*rc = sub_usage(s, stderr);
		return false;
	}
	return true;
}

static int load(const char *path, const struct kmt_opts *opts,
		struct kmt_trace *t)
{
	struct kmt_error err;
	int rc = kmt_trace_load(path, opts, t, &err);

	if (rc)
		kmt_error_print(&err);
	return rc;
}

static void print_skipped(const struct kmt_counts *c)
{
	uint64_t total = 0;

	for (int i = 0; i < KMT_SKIP_NR; i++)
		total += c->skipped[i];
	if (!total)
		return;
	fprintf(stderr, "kmbench: skipped %" PRIu64 " malformed lines:",
		total);
	for (int i = 0; i < KMT_SKIP_NR; i++)
		if (c->skipped[i])
			fprintf(stderr, " %s=%" PRIu64,
				kmt_skip_reason_name((enum kmt_skip_reason)i),
				c->skipped[i]);
	fputc('\n', stderr);
}

/* ---- convert ---- */

static int trace_convert(int argc, char **argv)
{
	const struct sub *s = find_sub("convert");
	struct kmt_opts opts = { 0 };
	const char *pos[2];
	struct kmt_trace t;
	struct kmt_error err;
	int rc;

	if (!args_exact(s, argc, argv, &opts, pos, 2, NULL, NULL, &rc))
		return rc;
	rc = load(pos[0], &opts, &t);
	if (rc)
		return rc;
	print_skipped(&t.counts);
	rc = kmt_write(&t, pos[1], &err);
	if (rc)
		kmt_error_print(&err);
	else
		fprintf(stderr, "kmbench: %zu events, %u objects -> %s "
			"(%.2f bytes/event before compression)\n", t.nr_ev,
			t.nr_objs, pos[1],
			t.nr_ev ? (double)kmt_raw_event_bytes(&t) /
					  (double)t.nr_ev
				: 0.0);
	kmt_trace_free(&t);
	return rc;
}

/* ---- cat ---- */

/*
 * `trace NAME [options] FILE`: parse the arguments and load FILE (its name
 * in *path).  False with the exit code in *rc when either fails.
 */
static bool load_sole_arg(const char *name, int argc, char **argv,
			  struct kmt_trace *t, const char **path, int *rc)
{
	struct kmt_opts opts = { 0 };

	if (!args_exact(find_sub(name), argc, argv, &opts, path, 1, NULL,
			NULL, rc))
		return false;
	*rc = load(*path, &opts, t);
	return *rc == 0;
}

static int trace_cat(int argc, char **argv)
{
	struct kmt_trace t;
	const char *path;
	int rc;

	if (!load_sole_arg("cat", argc, argv, &t, &path, &rc))
		return rc;
	print_skipped(&t.counts);
	if (kmt_write_text(&t, stdout) || fflush(stdout)) {
		kmb_warn("trace cat: write error");
		rc = KMB_EX_IOERR;
	}
	kmt_trace_free(&t);
	return rc;
}

/* ---- info ---- */

static int trace_info(int argc, char **argv)
{
	struct kmt_trace t;
	const struct kmt_meta *m = &t.meta;
	uint64_t lost = 0;
	const char *path;
	int rc;

	if (!load_sole_arg("info", argc, argv, &t, &path, &rc))
		return rc;
	for (uint32_t c = 0; c < m->nr_lost_cpus; c++)
		lost += m->lost_events[c];
	printf("trace:          %s\n", path);
	printf("format:         %s\n", m->format ? m->format : "?");
	printf("kernel:         %s\n", m->kernel ? m->kernel : "unknown");
	printf("hostname:       %s\n", m->hostname ? m->hostname : "unknown");
	printf("cpus:           %u%s\n", t.nr_cpus,
	       m->cpus ? "" : " (seen in events)");
	printf("page size:      %u\n", m->page_size);
	printf("pointers:       %s\n", m->hashed_ptrs < 0 ? "unknown" :
	       m->hashed_ptrs ? "hashed" : "real");
	if (m->events)
		printf("events enabled: %s\n", m->events);
	if (m->command)
		printf("command:        %s\n", m->command);
	printf("events:         %zu\n", t.nr_ev);
	printf("duration:       %.6f s\n",
	       t.nr_ev ? (double)t.ev[t.nr_ev - 1].ts / 1e9 : 0.0);
	printf("objects:        %u\n", t.nr_objs);
	printf("lost events:    %" PRIu64 "%s\n", lost,
	       lost ? " (WARNING: the trace is incomplete)" : "");
	for (uint32_t c = 0; lost && c < m->nr_lost_cpus; c++)
		if (m->lost_events[c])
			printf("  cpu %-4u %" PRIu64 " lost\n", c,
			       m->lost_events[c]);
	printf("unknown events: %" PRIu64 "\n", t.counts.unknown_events);
	printf("pre-capture frees: %" PRIu64 ", implicit frees: %" PRIu64
	       ", failed allocations: %" PRIu64 ", remote frees: %" PRIu64
	       "\n", t.counts.precapture_frees, t.counts.implicit_frees,
	       t.counts.failed_allocs, t.counts.remote_frees);
	for (int i = 1; i < KMT_EV_NR; i++)
		if (t.by_type[i])
			printf("  %-24s %" PRIu64 "\n",
			       kmt_event_name((enum kmt_event_type)i),
			       t.by_type[i]);
	print_skipped(&t.counts);
	kmt_trace_free(&t);
	return 0;
}

/* ---- stat ---- */

struct stat_ctx {
	bool json;
	enum kmt_stat_by by;
};

static int stat_opt(void *ctx, int argc, char **argv, int *i)
{
	struct stat_ctx *c = ctx;

	if (!strcmp(argv[*i], "--json")) {
		c->json = true;
		return 0;
	}
	if (!strcmp(argv[*i], "--by")) {
		if (*i + 1 >= argc ||
		    kmt_stat_by_parse(argv[*i + 1], &c->by)) {
			kmb_warn("trace stat: --by takes callsite, cache, "
				 "size or order");
			return -1;
		}
		(*i)++;
		return 0;
	}
	return 1;
}

static int trace_stat(int argc, char **argv)
{
	const struct sub *s = find_sub("stat");
	struct kmt_opts opts = { 0 };
	struct stat_ctx ctx = { .by = KMT_BY_NONE };
	const char *pos[1];
	struct kmt_trace t;
	struct kmt_stats st;
	int rc;

	if (!args_exact(s, argc, argv, &opts, pos, 1, stat_opt, &ctx, &rc))
		return rc;
	rc = load(pos[0], &opts, &t);
	if (rc)
		return rc;
	kmt_stats_compute(&t, &st);
	if (ctx.json)
		rc = kmt_stats_print_json(&t, &st, ctx.by, stdout);
	else
		rc = kmt_stats_print(&t, &st, ctx.by, stdout);
	if (rc || fflush(stdout)) {
		kmb_warn("trace stat: write error");
		rc = KMB_EX_IOERR;
	}
	kmt_stats_free(&st);
	kmt_trace_free(&t);
	return rc;
}

/* ---- synth ---- */

struct synth_ctx {
	const char *like, *out;
	uint64_t events, seed;
};

static int synth_opt(void *ctx, int argc, char **argv, int *i)
{
	struct synth_ctx *c = ctx;
	const char *a = argv[*i];

	if (strcmp(a, "--like") && strcmp(a, "--events") && strcmp(a, "-o") &&
	    strcmp(a, "--seed"))
		return 1;
	if (*i + 1 >= argc) {
		kmb_warn("trace synth: %s needs a value", a);
		return -1;
	}
	(*i)++;
	if (!strcmp(a, "--like")) {
		c->like = argv[*i];
	} else if (!strcmp(a, "-o")) {
		c->out = argv[*i];
	} else if (!kmb_parse_u64(argv[*i], !strcmp(a, "--events") ?
				  &c->events : &c->seed, true)) {
		kmb_warn("trace synth: %s: not a number: '%s'", a, argv[*i]);
		return -1;
	}
	return 0;
}

static int trace_synth(int argc, char **argv)
{
	const struct sub *s = find_sub("synth");
	struct kmt_opts opts = { 0 };
	struct synth_ctx ctx = { .seed = 1 };
	struct kmt_trace like, out;
	struct kmt_error err;
	const char *pos[1];
	int n = common_args(s, argc, argv, &opts, pos, 0, synth_opt, &ctx);
	int rc;

	if (n == -1)
		return 0;
	if (n == -2)
		return KMB_EX_USAGE;
	if (!ctx.like || !ctx.out || !ctx.events) {
		kmb_warn("trace synth: --like, --events and -o are needed");
		return sub_usage(s, stderr);
	}
	if (ctx.events > UINT32_MAX) {
		kmb_warn("trace synth: at most %u events", UINT32_MAX);
		return KMB_EX_USAGE;
	}
	rc = load(ctx.like, &opts, &like);
	if (rc)
		return rc;
	rc = kmt_synth(&like, ctx.events, ctx.seed, &out, &err);
	if (!rc) {
		rc = kmt_write(&out, ctx.out, &err);
		kmt_trace_free(&out);
	}
	if (rc)
		kmt_error_print(&err);
	else
		fprintf(stderr, "kmbench: %" PRIu64 " events like %s -> %s\n",
			ctx.events, ctx.like, ctx.out);
	kmt_trace_free(&like);
	return rc;
}

/* ---- bench: parse and decode speed ---- */

static int trace_bench(int argc, char **argv)
{
	const struct sub *s = find_sub("bench");
	struct kmt_opts opts = { 0 };
	const char *pos[1];
	int rc;

	if (!args_exact(s, argc, argv, &opts, pos, 1, NULL, NULL, &rc))
		return rc;
	return kmt_bench(pos[0], &opts, stdout);
}

/* ---- capture ---- */

static int trace_capture(int argc, char **argv)
{
#if HAVE_CAPTURE_HOOK
	return trace_capture_main(argc, argv);
#else
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return sub_usage(find_sub("capture"), stdout);
	kmb_warn("'trace capture' is not built yet: live capture is still "
		 "to come");
	return KMB_EX_UNAVAILABLE;
#endif
}

static const struct sub subs[] = {
	{ "capture", trace_capture,
	  "[-o FILE] [--events LIST] [--duration S] [-- CMD...]",
	  "Record the allocation tracepoints of the running kernel." },
	{ "convert", trace_convert, "[--lenient] IN OUT.kmt",
	  "Convert a trace (any text format, compressed or not, - for "
	  "stdin) to .kmt." },
	{ "cat", trace_cat, "[--lenient] FILE",
	  "Print a trace as ftrace text (the parser reads it back)." },
	{ "info", trace_info, "[--lenient] FILE",
	  "Metadata and event counts of a trace." },
	{ "stat", trace_stat,
	  "[--lenient] [--json] [--by callsite|cache|size|order] FILE",
	  "Statistics: counts per event, bytes requested and allocated,\n"
	  "internal fragmentation, cross-CPU frees, lifetimes, live bytes,\n"
	  "size histogram, pages by order x migratetype x GFP, unmatched\n"
	  "allocations and frees, lost events." },
	{ "synth", trace_synth,
	  "--like FILE --events N -o OUT.kmt [--seed S]",
	  "A synthetic trace of any length with the size, lifetime and\n"
	  "per-CPU statistics of a real one." },
	{ "bench", trace_bench, "[--lenient] FILE",
	  "Parsing speed against `wc -l` on the same file, .kmt size and\n"
	  "decoding speed." },
	{ NULL, NULL, NULL, NULL },
};

static const struct sub *find_sub(const char *name)
{
	for (const struct sub *s = subs; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static void trace_usage(FILE *fp)
{
	fprintf(fp, "usage: kmbench trace SUBCOMMAND [ARGS...]\n\n"
		"subcommands:\n");
	for (const struct sub *s = subs; s->name; s++)
		fprintf(fp, "  %-8s %s\n", s->name, s->usage);
	fprintf(fp, "\nTraces: ftrace text (trace, trace_pipe), trace-cmd "
		"report, perf script,\n.kmt; zstd or gzip compressed; - for "
		"standard input.  Strict by default:\nthe first malformed "
		"line stops with FILE:LINE: and exit 65.\n");
}

int cmd_trace(int argc, char **argv)
{
	const struct sub *s;

	if (argc < 2) {
		trace_usage(stderr);
		return KMB_EX_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		trace_usage(stdout);
		return 0;
	}
	s = find_sub(argv[1]);
	if (!s) {
		kmb_warn("trace: unknown subcommand '%s'", argv[1]);
		trace_usage(stderr);
		return KMB_EX_USAGE;
	}
	return s->fn(argc - 1, argv + 1);
}
