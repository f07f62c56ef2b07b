// SPDX-License-Identifier: GPL-2.0
/*
 * `kmbench replay` end to end: the crafted trace's known answers, the same
 * events counts through every allocator and mode, every shipped trace
 * through every backend, and clear errors (missing backend, bad input).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baseline.h"
#include "harness.h"
#include "jsonr.h"

static const char *const allocs[] = {
	"kmm", "null", "glibc", "jemalloc", "tcmalloc", "mimalloc", NULL,
};

/* Run a shell command; its stdout in a malloc'd string, exit status in *rc */
static char *run(const char *cmd, int *rc)
{
	size_t cap = 1 << 16, len = 0, n;
	char *out = malloc(cap);
	FILE *fp = popen(cmd, "r");
	int st;

	if (!fp || !out) {
		*rc = -1;
		return out;
	}
	while ((n = fread(out + len, 1, cap - len - 1, fp)) > 0) {
		len += n;
		if (cap - len < 4096)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	st = pclose(fp);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

static struct jv *replay_json(const char *trace, const char *alloc,
			      const char *extra, int *rc)
{
	char cmd[4096], err[128];
	struct jv *v;
	char *out;

	snprintf(cmd, sizeof(cmd), "\"%s\" replay '%s' --alloc %s --json %s",
		 getenv("KMBENCH"), trace, alloc, extra);
	out = run(cmd, rc);
	v = *rc == 0 ? jv_parse(out, strlen(out), err, sizeof(err)) : NULL;
	if (*rc == 0 && !v)
		th_fail(__FILE__, __LINE__, "%s: bad JSON: %s", cmd, err);
	free(out);
	return v;
}

static double num(const struct jv *v, const char *path)
{
	return jv_num(jv_path(v, path), NAN);
}

/* events.total == replayed + sum(skipped), and the same as @ref */
static void check_events(const struct jv *v, const struct jv *ref,
			 const char *what)
{
	const struct jv *sk = jv_path(v, "events.skipped");
	double sum = 0;

	REQUIRE(sk && sk->type == JV_OBJ);
	for (size_t i = 0; i < sk->n; i++)
		sum += jv_num(sk->items[i], NAN);
	if (num(v, "events.total") != num(v, "events.replayed") + sum)
		th_fail(__FILE__, __LINE__, "%s: total != replayed + skipped",
			what);
	if (!ref)
		return;
	if (num(v, "events.total") != num(ref, "events.total") ||
	    num(v, "events.replayed") != num(ref, "events.replayed") ||
	    sk->n != jv_path(ref, "events.skipped")->n)
		th_fail(__FILE__, __LINE__, "%s: events differ from kmm's",
			what);
	for (size_t i = 0; i < sk->n; i++)
		if (jv_num(sk->items[i], -1) !=
		    num(jv_path(ref, "events.skipped"), sk->keys[i]))
			th_fail(__FILE__, __LINE__, "%s: skipped '%s' differs",
				what, sk->keys[i]);
}

static bool usable(const char *alloc)
{
	return !strcmp(alloc, "kmm") || !strcmp(alloc, "null") ||
	       baseline_available(alloc);
}

TEST(crafted_trace_gives_the_known_answers)
{
	int rc;
	struct jv *v = replay_json(th_srcpath("tests/data/replay/crafted.txt"),
				   "kmm", "--threads 1 --touch all --verify",
				   &rc);

	CHECK_EQ(rc, 0);
	REQUIRE(v);
	CHECK_EQ(num(v, "schema"), 1);
	CHECK_STR_EQ(jv_str(jv_path(v, "allocator"), ""), "kmm");
	CHECK_EQ(num(v, "events.total"), 11);
	CHECK_EQ(num(v, "events.replayed"), 9);
	CHECK_EQ(num(v, "events.skipped.free of unknown object"), 1);
	CHECK_EQ(num(v, "events.skipped.failed in the traced kernel"), 1);
	CHECK_EQ(num(v, "events.remote_frees"), 1);
	CHECK_EQ(num(v, "ops.kmalloc.count"), 3);
	CHECK_EQ(num(v, "ops.kfree.count"), 2);
	CHECK_EQ(num(v, "ops.kmem_cache_alloc.count"), 1);
	CHECK_EQ(num(v, "ops.page_alloc.count"), 1);
	CHECK_EQ(num(v, "fragmentation.peak_live_bytes"), 8692);
	CHECK_EQ(num(v, "fragmentation.end_live_bytes"), 200);
	/* kmalloc classes 128 + 256 + 64 and the 256-byte cache */
	CHECK_EQ(num(v, "fragmentation.bytes_requested"), 550);
	CHECK_EQ(num(v, "fragmentation.bytes_allocated"), 704);
	CHECK_NEAR(num(v, "fragmentation.internal_pct"), 21.875, 1e-9);
	CHECK_NEAR(num(v, "fragmentation.trace_internal_pct"), 21.875, 1e-9);
	CHECK_EQ(num(v, "fidelity.kmalloc_class.agree"), 3);
	CHECK_EQ(num(v, "fidelity.cache_size.agree"), 1);
	CHECK_EQ(num(v, "leaks.objects"), 0);
	CHECK_EQ(num(v, "leaks.live_at_end_objects"), 1);
	CHECK_EQ(num(v, "invariants.problems"), 0);
	CHECK_EQ(num(v, "verify.checked"), 4);
	CHECK_EQ(num(v, "verify.bad"), 0);
	CHECK(num(v, "tlb.accesses") > 0);
	CHECK(num(v, "ops.kmalloc.ns.p50") <= num(v, "ops.kmalloc.ns.p99"));
	CHECK(jv_path(v, "counters.hardware") != NULL);
	CHECK(jv_path(v, "counters.software") != NULL);
	jv_free(v);
}

/*
 * @trace gives the events of @ref through every backend, and through kmm
 * once converted to .kmt (the loader's flags survive the conversion).
 */
static void check_every_backend_and_kmt(const char *trace,
					const struct jv *ref)
{
	char kmt[] = "/tmp/kmb-pairs-XXXXXX", cmd[4096];
	struct jv *v;
	int fd, rc;

	for (int a = 0; allocs[a]; a++) {
		if (!usable(allocs[a]))
			continue;
		v = replay_json(trace, allocs[a], "", &rc);
		if (rc)
			th_fail(__FILE__, __LINE__, "%s: exit %d", allocs[a],
				rc);
		if (!v)
			continue;
		check_events(v, ref, allocs[a]);
		jv_free(v);
	}
	fd = mkstemp(kmt);
	REQUIRE(fd >= 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "\"%s\" trace convert '%s' '%s' >/dev/null",
		 getenv("KMBENCH"), trace, kmt);
	CHECK_EQ(system(cmd), 0);
	v = replay_json(kmt, "kmm", "--threads 1", &rc);
	CHECK_EQ(rc, 0);
	if (v)
		check_events(v, ref, ".kmt");
	jv_free(v);
	unlink(kmt);
}

/* A large kmalloc's own page events are replayed once, by its kmalloc */
TEST(large_kmalloc_pages_are_replayed_once)
{
	const char *trace = th_srcpath("tests/data/replay/large-kmalloc.txt");
	struct jv *ref;
	int rc;

	ref = replay_json(trace, "kmm", "--threads 1 --verify", &rc);
	CHECK_EQ(rc, 0);
	REQUIRE(ref);
	CHECK_EQ(num(ref, "events.total"), 16);
	CHECK_EQ(num(ref, "events.replayed"), 14);
	CHECK_EQ(num(ref, "events.skipped.pages of a large kmalloc"), 2);
	CHECK_EQ(num(ref, "ops.kmalloc.count"), 4);
	CHECK_EQ(num(ref, "ops.kfree.count"), 4);
	CHECK_EQ(num(ref, "ops.page_alloc.count"), 3);
	CHECK_EQ(num(ref, "ops.page_free.count"), 3);
	CHECK_EQ(num(ref, "fragmentation.peak_live_bytes"), 108344);
	CHECK_EQ(num(ref, "leaks.objects"), 0);
	CHECK_EQ(num(ref, "invariants.problems"), 0);
	check_every_backend_and_kmt(trace, ref);
	jv_free(ref);
}

/* The pages a user page fault allocates are replayed once, by the fault */
TEST(fault_pages_are_replayed_once)
{
	const char *trace = th_srcpath("tests/data/replay/fault-pages.txt");
	struct jv *ref;
	int rc;

	ref = replay_json(trace, "kmm", "--threads 1 --verify", &rc);
	CHECK_EQ(rc, 0);
	REQUIRE(ref);
	CHECK_EQ(num(ref, "events.total"), 22);
	CHECK_EQ(num(ref, "events.replayed"), 15);
	CHECK_EQ(num(ref, "events.skipped.informational"), 3);
	CHECK_EQ(num(ref, "events.skipped.pages of a replayed fault"), 4);
	CHECK_EQ(num(ref, "ops.fault.count"), 4);
	CHECK_EQ(num(ref, "ops.page_alloc.count"), 5);
	CHECK_EQ(num(ref, "ops.page_free.count"), 2);
	CHECK_EQ(num(ref, "leaks.objects"), 0);
	CHECK_EQ(num(ref, "invariants.problems"), 0);
	check_every_backend_and_kmt(trace, ref);
	jv_free(ref);
}

TEST(every_allocator_and_mode_counts_the_same_events)
{
	const char *trace = th_srcpath("tests/data/replay/crafted.txt");
	static const char *const modes[] = {
		"--threads 1", "--threads percpu", "--untimed",
		"--touch first --timeline 2",
	};
	struct jv *ref;
	int rc;

	ref = replay_json(trace, "kmm", "", &rc);
	REQUIRE(ref);
	for (int a = 0; allocs[a]; a++) {
		if (!usable(allocs[a]))
			continue;
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			char what[128];
			struct jv *v = replay_json(trace, allocs[a], modes[m],
						   &rc);

			snprintf(what, sizeof(what), "%s %s", allocs[a],
				 modes[m]);
			if (rc)
				th_fail(__FILE__, __LINE__, "%s: exit %d",
					what, rc);
			if (!v)
				continue;
			check_events(v, ref, what);
			CHECK_EQ(num(v, "fragmentation.peak_live_bytes"), 8692);
			jv_free(v);
		}
	}
	jv_free(ref);
}

TEST(process_events_replay_through_kmm_and_count_alike)
{
	const char *trace = th_srcpath("tests/data/replay/vm.txt");
	struct jv *ref;
	int rc;

	ref = replay_json(trace, "kmm", "--threads percpu", &rc);
	CHECK_EQ(rc, 0);
	REQUIRE(ref);
	CHECK_EQ(num(ref, "events.total"), 9);
	CHECK_EQ(num(ref, "events.replayed"), 6);
	CHECK_EQ(num(ref, "events.skipped.informational"), 2);
	CHECK_EQ(num(ref, "events.skipped.no matching sys_exit"), 1);
	CHECK_EQ(num(ref, "ops.fault.count"), 2);
	CHECK_EQ(num(ref, "ops.fault.failed"), 0);
	CHECK_EQ(num(ref, "ops.mmap.failed"), 0);
	CHECK_EQ(num(ref, "ops.munmap.failed"), 0);
	CHECK_EQ(num(ref, "ops.fork.failed"), 0);
	CHECK(num(ref, "ops.fault.ns.max") >= 0);
	/* the child's write to the page it shares with its parent: a copy,
	 * or a reuse when the parent's munmap (another process, so on its
	 * own thread in percpu mode) ran first */
	CHECK_EQ(num(ref, "faults.cow") + num(ref, "faults.cow_reuse"), 1);
	CHECK_EQ(num(ref, "faults.segv_maperr"), 0);
	CHECK_EQ(num(ref, "leaks.objects"), 0);
	CHECK_EQ(num(ref, "invariants.problems"), 0);
	for (int a = 1; allocs[a]; a++) {
		struct jv *v;

		if (!usable(allocs[a]))
			continue;
		v = replay_json(trace, allocs[a], "--threads 1", &rc);
		CHECK_EQ(rc, 0);
		if (v)
			check_events(v, ref, allocs[a]);
		jv_free(v);
	}
	jv_free(ref);
}

/* An mmap with an fd maps a file (one per traced pid and fd, inherited by
 * fork): its faults go through the page cache */
TEST(file_mappings_go_through_the_page_cache)
{
	const char *trace = th_srcpath("tests/data/replay/files.txt");
	char cmd[4096], *out;
	struct jv *ref;
	int rc;

	ref = replay_json(trace, "kmm", "--threads 1", &rc);
	CHECK_EQ(rc, 0);
	REQUIRE(ref);
	CHECK_EQ(num(ref, "events.total"), 13);
	CHECK_EQ(num(ref, "events.replayed"), 9);
	CHECK_EQ(num(ref, "ops.mmap.failed"), 0);
	CHECK_EQ(num(ref, "ops.fault.failed"), 0);
	/* pid 200 and pid 300 read their files; 201 finds 200's page; the
	 * anonymous write is minor too; no zero page (files are not) */
	CHECK_EQ(num(ref, "faults.major"), 2);
	CHECK_EQ(num(ref, "faults.minor"), 2);
	CHECK_EQ(num(ref, "faults.zero"), 0);
	CHECK_EQ(num(ref, "leaks.objects"), 0);
	CHECK_EQ(num(ref, "invariants.problems"), 0);
	for (int a = 1; allocs[a]; a++) {
		struct jv *v;

		if (!usable(allocs[a]))
			continue;
		v = replay_json(trace, allocs[a], "--threads 1", &rc);
		CHECK_EQ(rc, 0);
		if (v)
			check_events(v, ref, allocs[a]);
		jv_free(v);
	}
	jv_free(ref);
	/* the fd and offset survive the trace's own text output */
	snprintf(cmd, sizeof(cmd), "\"%s\" trace cat '%s'", getenv("KMBENCH"),
		 trace);
	out = run(cmd, &rc);
	CHECK_EQ(rc, 0);
	CHECK(strstr(out, "prot: 0x1, flags: 0x2, fd: 0x3, off: 0x4000"));
	free(out);
}

/*
 * A baseline's process events went through the host kernel as kmm's went
 * through its process VM (@ref): every fault accounted for, and none
 * failed that kmm served.  Both premap an unknown address by the same rule,
 * so they premap alike; kmm grows stacks (VM_GROWSDOWN) where the host
 * table has no such mapping, so a fault kmm served by growing a stack may
 * fail here: that, and kmm's own SIGSEGVs, is the margin.
 */
static void check_host_vm(const struct jv *v, const struct jv *ref,
			  const char *trace, const char *alloc)
{
	double faults = num(v, "ops.fault.count");
	double failed = num(v, "ops.fault.failed");
	double margin = num(ref, "faults.segv_maperr") +
			num(ref, "faults.segv_accerr") +
			num(ref, "faults.stack_grow");

	if (isnan(faults))
		faults = 0, failed = 0;
	if (failed > margin)
		th_fail(__FILE__, __LINE__, "%s via %s: %g faults failed, "
			"kmm: %g SIGSEGV + %g stack growths", trace, alloc,
			failed, num(ref, "faults.segv_maperr") +
			num(ref, "faults.segv_accerr"),
			num(ref, "faults.stack_grow"));
	if (num(v, "host_vm.faults") + num(v, "host_vm.segv_maperr") +
	    num(v, "host_vm.segv_accerr") != faults ||
	    num(v, "host_vm.segv_maperr") + num(v, "host_vm.segv_accerr") !=
	    failed)
		th_fail(__FILE__, __LINE__, "%s via %s: host_vm does not add "
			"up to the %g faults", trace, alloc, faults);
	if (num(v, "host_vm.premapped") != num(ref, "faults.premapped"))
		th_fail(__FILE__, __LINE__, "%s via %s: %g premapped, kmm %g",
			trace, alloc, num(v, "host_vm.premapped"),
			num(ref, "faults.premapped"));
	if (num(v, "host_vm.host_errors") != 0)
		th_fail(__FILE__, __LINE__, "%s via %s: %g host errors", trace,
			alloc, num(v, "host_vm.host_errors"));
}

/*
 * tests/data/replay/hostvm.txt (its comment has the story): the same
 * answers from kmm's process VM and from every baseline's host kernel
 */
TEST(process_events_give_known_answers_on_every_backend)
{
	const char *trace = th_srcpath("tests/data/replay/hostvm.txt");
	static const char *const ops[] = {
		"mmap", "munmap", "brk", "mprotect", "mremap", "fork", "exit",
		"exec",
	};
	struct jv *ref;
	int rc;

	ref = replay_json(trace, "kmm", "--threads 1", &rc);
	CHECK_EQ(rc, 0);
	REQUIRE(ref);
	CHECK_EQ(num(ref, "ops.fault.count"), 10);
	CHECK_EQ(num(ref, "ops.fault.failed"), 3);
	CHECK_EQ(num(ref, "faults.segv_accerr"), 2);
	CHECK_EQ(num(ref, "faults.segv_maperr"), 1);
	CHECK_EQ(num(ref, "faults.premapped"), 1);
	for (int a = 2; allocs[a]; a++) {
		for (int m = 0; m < 2; m++) {
			struct jv *v;

			if (!usable(allocs[a]))
				continue;
			v = replay_json(trace, allocs[a], m ? "--threads percpu"
					: "--threads 1", &rc);
			CHECK_EQ(rc, 0);
			if (!v)
				continue;
			check_events(v, ref, allocs[a]);
			CHECK_EQ(num(v, "ops.fault.count"), 10);
			CHECK_EQ(num(v, "ops.fault.failed"), 3);
			CHECK(num(v, "ops.fault.ns.mean") > 0);
			for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]);
			     i++) {
				char key[64];

				snprintf(key, sizeof(key), "ops.%s.failed",
					 ops[i]);
				CHECK_EQ(num(v, key), 0);
				snprintf(key, sizeof(key), "ops.%s.ns.max",
					 ops[i]);
				CHECK(num(v, key) > 0);
			}
			CHECK_EQ(num(v, "host_vm.faults"), 7);
			CHECK_EQ(num(v, "host_vm.segv_accerr"), 2);
			CHECK_EQ(num(v, "host_vm.segv_maperr"), 1);
			CHECK_EQ(num(v, "host_vm.premapped"), 1);
			CHECK_EQ(num(v, "host_vm.premap_widened"), 0);
			CHECK_EQ(num(v, "host_vm.fork_pages_copied"), 4);
			CHECK_EQ(num(v, "host_vm.mapped_bytes_peak"), 65536);
			CHECK_EQ(num(v, "host_vm.mapped_bytes_end"), 0);
			CHECK_EQ(num(v, "host_vm.host_errors"), 0);
			jv_free(v);
		}
	}
	jv_free(ref);
}

TEST(every_shipped_trace_replays_through_every_backend)
{
	const char *dir = th_srcpath("traces/corpus");
	char path[4096];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int traces = 0;

	if (!dp) {
		printf("# no traces/corpus yet\n");
		return;
	}
	while ((d = readdir(dp))) {
		struct jv *ref = NULL;
		int rc;

		if (d->d_name[0] == '.' || strstr(d->d_name, ".md") ||
		    strstr(d->d_name, "README"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		traces++;
		for (int a = 0; allocs[a]; a++) {
			struct jv *v;

			if (!usable(allocs[a]))
				continue;
			v = replay_json(path, allocs[a], "--untimed", &rc);
			if (rc)
				th_fail(__FILE__, __LINE__, "%s via %s: exit %d",
					d->d_name, allocs[a], rc);
			if (!v)
				continue;
			check_events(v, ref, path);
			/* every captured command exited 0: no process of
			 * the trace got SIGSEGV, so none may in kmm's */
			if (!strcmp(allocs[a], "kmm") &&
			    (num(v, "faults.segv_maperr") != 0 ||
			     num(v, "faults.segv_accerr") != 0))
				th_fail(__FILE__, __LINE__,
					"%s: %g + %g SIGSEGV faults", d->d_name,
					num(v, "faults.segv_maperr"),
					num(v, "faults.segv_accerr"));
			if (ref && jv_path(v, "host_vm"))
				check_host_vm(v, ref, d->d_name, allocs[a]);
			if (!ref)
				ref = v;
			else
				jv_free(v);
		}
		jv_free(ref);
	}
	closedir(dp);
	printf("# %d shipped traces\n", traces);
}

TEST(a_backend_that_is_not_installed_is_reported)
{
	char cmd[4096];
	char *out;
	int rc;

	snprintf(cmd, sizeof(cmd), "KMBENCH_BACKEND_DIR=/nonexistent \"%s\" "
		 "replay '%s' --alloc jemalloc 2>&1", getenv("KMBENCH"),
		 th_srcpath("tests/data/replay/crafted.txt"));
	out = run(cmd, &rc);
	CHECK_EQ(rc, 69);
	CHECK(out && strstr(out, "jemalloc") && strstr(out, "not installed"));
	free(out);
}

TEST(bad_usage_and_bad_input_are_clear_errors)
{
	char cmd[4096], bad[64];
	char *out;
	int rc;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "\"%s\" replay --help", getenv("KMBENCH"));
	free(run(cmd, &rc));
	CHECK_EQ(rc, 0);
	snprintf(cmd, sizeof(cmd), "\"%s\" replay 2>/dev/null",
		 getenv("KMBENCH"));
	free(run(cmd, &rc));
	CHECK_EQ(rc, 64);
	snprintf(cmd, sizeof(cmd), "\"%s\" replay x --alloc nosuch 2>/dev/null",
		 getenv("KMBENCH"));
	free(run(cmd, &rc));
	CHECK_EQ(rc, 64);
	snprintf(cmd, sizeof(cmd), "\"%s\" replay x --threads 3 2>/dev/null",
		 getenv("KMBENCH"));
	free(run(cmd, &rc));
	CHECK_EQ(rc, 64);
	/* a malformed event line: FILE:LINE: and exit 65 */
	snprintf(bad, sizeof(bad), "/tmp/kmb-replay-bad-%d.txt", (int)getpid());
	fp = fopen(bad, "w");
	REQUIRE(fp);
	fprintf(fp, "  init-1 [000] ..... 1.0: kmalloc: call_site=a ptr=0x10 "
		"bytes_req=zz bytes_alloc=8 gfp_flags=GFP_KERNEL\n");
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "\"%s\" replay %s 2>&1", getenv("KMBENCH"),
		 bad);
	out = run(cmd, &rc);
	CHECK_EQ(rc, 65);
	CHECK(out && strstr(out, bad) && strstr(out, ":1:"));
	free(out);
	remove(bad);
	/* a truncated .kmt: its name, "corrupt .kmt", exit 65 */
	snprintf(bad, sizeof(bad), "/tmp/kmb-replay-bad-%d.kmt", (int)getpid());
	snprintf(cmd, sizeof(cmd), "\"%s\" trace convert %s %s 2>/dev/null && "
		 "truncate -s -100 %s", getenv("KMBENCH"),
		 th_srcpath("traces/corpus/compile-tiny.trace.zst"), bad, bad);
	free(run(cmd, &rc));
	REQUIRE(rc == 0);
	snprintf(cmd, sizeof(cmd), "\"%s\" replay %s --alloc null 2>&1",
		 getenv("KMBENCH"), bad);
	out = run(cmd, &rc);
	CHECK_EQ(rc, 65);
	CHECK(out && strstr(out, bad) && strstr(out, "corrupt .kmt"));
	free(out);
	remove(bad);
}

TEST(text_traces_are_converted_once_into_the_cache)
{
	char dir[64], cmd[4096], *out;
	struct dirent *d;
	struct jv *a, *b;
	int rc, files = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "/tmp/kmb-replay-cache-%d", (int)getpid());
	setenv("KMBENCH_CACHE_DIR", dir, 1);
	a = replay_json(th_srcpath("tests/data/replay/crafted.txt"), "null",
			"", &rc);
	CHECK_EQ(rc, 0);
	dp = opendir(dir);
	REQUIRE(dp);
	while ((d = readdir(dp)))
		files += strstr(d->d_name, ".kmt") != NULL;
	closedir(dp);
	CHECK_EQ(files, 1);
	b = replay_json(th_srcpath("tests/data/replay/crafted.txt"), "null",
			"", &rc);
	CHECK_EQ(rc, 0);
	if (a && b)
		check_events(b, a, "from the cache");
	jv_free(b);
	/* a damaged cache file is converted again */
	snprintf(cmd, sizeof(cmd), "for f in '%s'/*.kmt; do "
		 "truncate -s -30 \"$f\"; done", dir);
	free(run(cmd, &rc));
	CHECK_EQ(rc, 0);
	b = replay_json(th_srcpath("tests/data/replay/crafted.txt"), "null",
			"", &rc);
	CHECK_EQ(rc, 0);
	if (a && b)
		check_events(b, a, "after a damaged cache file");
	jv_free(a);
	jv_free(b);
	unsetenv("KMBENCH_CACHE_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	out = run(cmd, &rc);
	free(out);
}
