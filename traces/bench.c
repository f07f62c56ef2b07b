// SPDX-License-Identifier: GPL-2.0
/*
 * traces/bench.c - `kmbench trace bench FILE`: how fast the trace tools
 * are, side by side in one run (ratios, never absolute thresholds):
 *
 *  - parsing the text against `wc -l` on the same uncompressed bytes
 *    (target: parse speed at least 1/10 of wc -l's);
 *  - loading (parse + order + resolve) in events per second;
 *  - .kmt size in bytes per event before and after compression (target:
 *    at most 4 before) and decoding speed in events per second (target:
 *    200 million per wall second, decoding blocks on every CPU), into the
 *    full form (struct kmt_event) and the compact one (struct kmt_cev,
 *    with and without timestamps), each on one thread and on one per CPU.
 *
 * Each timing is the best of three runs (decodes: of at least three and
 * as many as fit in 0.2 s), in CPU time (user + system: the machine may
 * be shared, and waiting for a CPU is nobody's speed); the decode also in
 * wall time, its target.  The file is read once first so it is in the
 * page cache for every contender.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "kmt/kmt.h"
#include "kmt/stat.h"
#include "util.h"

#define RUNS 3
#define DECODE_RUNS_MAX 100

/* CPU time of this process so far, in ns. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The decoded (decompressed) bytes of @path in a temporary file @tmp. */
static int plain_copy(const char *path, char *tmp, size_t tmplen,
		      struct kmt_error *err)
{
	struct kmt_input in;
	char *data;
	size_t len;
	int fd, rc = -1;

	if (kmt_input_open(&in, path, NULL, err))
		return -1;
	if (kmt_input_slurp(&in, &data, &len, err) == 0) {
		snprintf(tmp, tmplen, "/tmp/kmbench-bench-XXXXXX");
		fd = mkstemp(tmp);
		if (fd >= 0) {
			rc = write(fd, data, len) == (ssize_t)len ? 0 : -1;
			close(fd);
			if (rc)
				unlink(tmp);
		}
	}
	kmt_input_close(&in);
	return rc;
}

/* Best CPU time (user + system) of `wc -l @path`, from wait4(). */
static double best_wc(const char *path)
{
	double best = 1e30;

	for (int r = 0; r < RUNS; r++) {
		struct rusage ru;
		pid_t pid = fork();
		int st;
		double s;

		if (pid < 0)
			return -1;
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0)
				dup2(null, 1);
			execlp("wc", "wc", "-l", path, (char *)NULL);
			_exit(127);
		}
		if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			return -1;
		s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
		if (s < best)
			best = s;
	}
	return best;
}

/* Parse every line of @path, best of RUNS; events in @nev. */
static double best_parse(const char *path, const struct kmt_opts *opts,
			 uint64_t *nev, struct kmt_error *err)
{
	double best = 1e30;

	for (int r = 0; r < RUNS; r++) {
		struct kmt_strtab strs = { 0 };
		struct kmt_meta meta = { .hashed_ptrs = -1 };
		struct kmt_parser *p;
		struct kmt_rec rec;
		uint64_t t0 = cpu_ns(), n = 0;
		int rc;
		double s;

		p = kmt_parser_open(path, opts, &strs, &meta, err);
		if (!p)
			return -1;
		while ((rc = kmt_parser_next(p, &rec, err)) > 0)
			n++;
		kmt_parser_close(p);
		kmt_strtab_free(&strs);
		kmt_meta_free(&meta);
		if (rc < 0)
			return -1;
		s = (double)(cpu_ns() - t0) / 1e9;
		if (s < best)
			best = s;
		*nev = n;
	}
	return best;
}

/* Monotonic wall time in ns. */
static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct decode_time {
	double wall, cpu;	/* best of RUNS each, seconds */
	double first_wall;	/* the first run: its event array is fresh */
};

/* what a decode makes: the full events, or the compact form */
enum decode_form { FORM_FULL, FORM_COMPACT, FORM_COMPACT_TS };

/*
 * Decode the image @img RUNS times into @form (the event array of one
 * decode is reused by the next, as repeated replays do; the first run's
 * is fresh memory, as in a command that decodes once).  0 or the exit
 * code.
 */
static int best_decode(const void *img, size_t len, const char *path,
		       enum decode_form form, struct decode_time *d)
{
	uint64_t start = wall_ns();

	d->wall = d->cpu = 1e30;
	/* at least RUNS, and more for 0.2 s (a small trace decodes in
	 * about a millisecond, and one preemption spoils a run) */
	for (int r = 0; r < RUNS || (r < DECODE_RUNS_MAX &&
				    wall_ns() - start < 200000000); r++) {
		uint64_t c0 = cpu_ns(), w0 = wall_ns(), c1, w1;
		struct kmt_trace u;
		struct kmt_ctrace c;
		struct kmt_error err;
		int rc;

		if (form == FORM_FULL)
			rc = kmt_decode(img, len, path, &u, &err);
		else
			rc = kmt_decode_compact(img, len, path,
						form == FORM_COMPACT_TS ?
						KMT_C_TS : 0, &c, &err);
		c1 = cpu_ns();
		w1 = wall_ns();
		if (rc) {
			kmt_error_print(&err);
			return rc;
		}
		if (form == FORM_FULL)
			kmt_trace_free(&u);
		else
			kmt_ctrace_free(&c);
		if (!r)
			d->first_wall = (double)(w1 - w0 + 1) / 1e9;
		/* at least 1 ns: no division by zero for tiny traces */
		if ((double)(w1 - w0 + 1) / 1e9 < d->wall)
			d->wall = (double)(w1 - w0 + 1) / 1e9;
		if ((double)(c1 - c0 + 1) / 1e9 < d->cpu)
			d->cpu = (double)(c1 - c0 + 1) / 1e9;
	}
	return 0;
}

int kmt_bench(const char *path, const struct kmt_opts *opts, FILE *fp)
{
	struct kmt_trace t;
	struct kmt_error err;
	char tmp[64];
	double wc, parse, load = 1e30;
	long nthr;
	uint64_t nev = 0;
	size_t raw, len;
	void *img;
	int rc;

	/* load first (also checks the input and warms the cache) */
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = cpu_ns();
		double s;

		if (r)
			kmt_trace_free(&t);
		rc = kmt_trace_load(path, opts, &t, &err);
		if (rc) {
			kmt_error_print(&err);
			return rc;
		}
		s = (double)(cpu_ns() - t0) / 1e9;
		if (s < load)
			load = s;
	}
	fprintf(fp, "trace: %s, %zu events\n\n", path, t.nr_ev);
	if (strcmp(t.meta.format, "kmt")) {
		rc = plain_copy(path, tmp, sizeof(tmp), &err);
		if (rc) {
			kmb_warn("trace bench: cannot make a temporary copy");
			kmt_trace_free(&t);
			return KMB_EX_SOFTWARE;
		}
		/* wc's process start is not reading: take it out */
		wc = best_wc(tmp);
		if (wc > 0) {
			double w0 = best_wc("/dev/null");

			if (w0 > 0 && w0 < wc)
				wc -= w0;
		}
		fprintf(fp, "(CPU seconds, best of %d)\n", RUNS);
		parse = best_parse(tmp, opts, &nev, &err);
		unlink(tmp);
		if (parse < 0) {
			kmt_error_print(&err);
			kmt_trace_free(&t);
			return err.code ? err.code : KMB_EX_SOFTWARE;
		}
		fprintf(fp, "%-34s %12s %14s\n", "text", "CPU s",
			"events/s");
		if (wc > 0)
			fprintf(fp, "%-34s %12.4f %14s\n", "wc -l (same bytes)",
				wc, "-");
		fprintf(fp, "%-34s %12.4f %14.0f\n", "parse", parse,
			parse > 0 ? (double)nev / parse : 0.0);
		fprintf(fp, "%-34s %12.4f %14.0f\n",
			"load (parse + order + resolve)", load,
			load > 0 ? (double)t.nr_ev / load : 0.0);
		if (wc > 0 && parse > 0)
			fprintf(fp, "parse speed / wc -l speed: %.3f "
				"(target >= 0.100)\n\n", wc / parse);
	}
	raw = kmt_raw_event_bytes(&t);
	rc = kmt_encode(&t, &img, &len, &err);
	if (rc) {
		kmt_error_print(&err);
		kmt_trace_free(&t);
		return rc;
	}
	fprintf(fp, ".kmt: %.2f bytes/event before compression "
		"(target <= 4), %.2f after (%zu bytes)\n",
		(double)raw / (t.nr_ev ? (double)t.nr_ev : 1.0),
		(double)len / (t.nr_ev ? (double)t.nr_ev : 1.0), len);
	/*
	 * Each form on one thread (CPU cost), then on one per CPU (the
	 * wall-time target).  The full form: 48-byte struct kmt_event with
	 * every field (trace stat, trace cat); the compact form: 16 bytes an
	 * event and a record table per block (replay), with or without the
	 * timestamps.
	 */
	nthr = sysconf(_SC_NPROCESSORS_ONLN);
	nthr = nthr < 1 ? 1 : nthr > 16 ? 16 : nthr;
	fprintf(fp, "%-30s %9s %9s %14s %14s\n", ".kmt decode, best run",
		"wall s", "CPU s", "events/wall s", "events/CPU s");
	for (int f = FORM_FULL; f <= FORM_COMPACT_TS && !rc; f++) {
		static const char *const fname[] = {
			"full", "compact", "compact+ts" };

		for (int i = 0; i < (nthr > 1 ? 2 : 1); i++) {
			long k = i ? nthr : 1;
			struct decode_time d;
			char what[48];

			kmt_set_decode_threads((unsigned int)k);
			rc = best_decode(img, len, path, (enum decode_form)f,
					 &d);
			if (rc)
				break;
			snprintf(what, sizeof(what), "%s, %ld thread%s",
				 fname[f], k, k > 1 ? "s" : "");
			fprintf(fp, "%-30s %9.4f %9.4f %14.0f %14.0f\n",
				what, d.wall, d.cpu, (double)t.nr_ev / d.wall,
				(double)t.nr_ev / d.cpu);
			/* (later rows reuse the array the first run left) */
			if (!i)
				fprintf(fp, "%-30s %9.4f %9s %14.0f %14s\n",
					"  1st run, fresh memory",
					d.first_wall, "-",
					(double)t.nr_ev / d.first_wall, "-");
			if (k == nthr && f != FORM_COMPACT_TS)
				fprintf(fp, ".kmt decode to the %s form: "
					"%.0f events per wall second on %ld "
					"threads (target >= 200000000)\n",
					fname[f], (double)t.nr_ev / d.wall,
					k);
		}
	}
	kmt_set_decode_threads(0);
	free(img);
	kmt_trace_free(&t);
	return rc;
}
