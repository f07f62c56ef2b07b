// SPDX-License-Identifier: GPL-2.0
/*
 * tests/stress/replay_percpu.c - the shipped tiny corpus traces replayed
 * through kmm with --threads percpu: one thread per traced CPU, cross-CPU
 * frees as real remote frees (slab) and per-CPU page lists (buddy), process
 * events (fork, exec, mmap, faults) ordered per process across threads.
 *
 * Each trace (all but tar, which ran on one CPU) is replayed once with one
 * thread (the reference) and then three times per CPU with different
 * options (timed or not, touching, verifying the pattern), which changes
 * how the threads interleave.  Every
 * run must replay every event, count the same operations as the reference,
 * see no misuse (double free, wrong order), leave nothing allocated and pass
 * the invariant checkers at the end.  Run under ThreadSanitizer by
 * `./kmbench test`, this is the race test of the whole stack.
 */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "harness.h"
#include "kmm/compiler.h"
#include "kmt/trace.h"
#include "replay.h"

static struct replay_image *load(const char *name)
{
	char rel[128];
	struct kmt_trace t;
	struct kmt_error err;
	struct replay_image *im;

	snprintf(rel, sizeof(rel), "traces/corpus/%s-tiny.trace.zst", name);
	memset(&t, 0, sizeof(t));
	if (kmt_trace_load(th_srcpath(rel), NULL, &t, &err)) {
		th_fail(__FILE__, __LINE__, "%s: cannot load: %s", rel,
			err.msg);
		return NULL;
	}
	im = replay_image_build(&t, rel);
	kmt_trace_free(&t);
	return im;
}

static const struct replay_opts variants[] = {
	{ .percpu = true, .untimed = true },
	{ .percpu = true, .touch = TOUCH_FIRST },
	{ .percpu = true, .untimed = true, .verify = true,
	  .touch = TOUCH_ALL },
};

static unsigned int multi_cpu, with_remote;	/* traces seen so far */

/*
 * One replay through kmm; checks what every run must satisfy.  @ref is the
 * one-thread run (NULL for itself): a percpu run counts the same operations
 * and fails the same ones (allocations never; a fault the replayed process
 * had no right to make, as the traced kernel would have sent it SIGSEGV).
 */
static bool run_once(const char *name, const struct replay_image *im,
		     const struct replay_opts *o, const struct replay_run *ref,
		     struct replay_run *run)
{
	const struct replay_result *r;

	if (replay_image_run("kmm", im, o, run)) {
		th_fail(__FILE__, __LINE__, "%s: replay failed", name);
		return false;
	}
	r = run->res;
	CHECK_EQ(r->replayed, im->nr_ev);
	CHECK_EQ(r->check_problems, 0);
	CHECK(r->checks_run >= 2);
	CHECK_EQ(r->misuse, 0);
	CHECK(r->leaks_known);
	CHECK_EQ(r->leak_objects, 0);
	CHECK_EQ(r->leak_bytes, 0);
	if (o->verify) {
		CHECK(r->verify_checked > 0);
		CHECK_EQ(r->verify_bad, 0);
	}
	for (unsigned int op = 0; op < ROP_NR; op++) {
		uint64_t want_failed = op == ROP_FAULT && ref ?
				       ref->res->failed[op] : 0;

		if (op == ROP_FAULT && !ref)
			continue;
		if (r->failed[op] != want_failed)
			th_fail(__FILE__, __LINE__, "%s: %llu %s failed, "
				"expected %llu", name,
				(unsigned long long)r->failed[op],
				replay_op_names[op],
				(unsigned long long)want_failed);
		if (ref && r->count[op] != ref->res->count[op])
			th_fail(__FILE__, __LINE__, "%s: %llu %s, one thread "
				"%llu", name, (unsigned long long)r->count[op],
				replay_op_names[op],
				(unsigned long long)ref->res->count[op]);
	}
	return true;
}

static void replay_trace(const char *name, bool want_vm)
{
	struct replay_image *im = load(name);
	struct replay_run ref, run;

	REQUIRE(im);
	multi_cpu += im->nr_cpus >= 2;
	with_remote += im->remote_frees > 0;
	if (!run_once(name, im, &(struct replay_opts){ .untimed = true },
		      NULL, &ref)) {
		replay_run_free(&ref);
		replay_image_free(im);
		return;
	}
	if (want_vm) {
		CHECK(im->nr_cpus >= 2);
		CHECK(ref.res->count[ROP_FORK] > 0);
		CHECK(ref.res->count[ROP_EXEC] > 0);
		CHECK(ref.res->count[ROP_MMAP] > 0);
		CHECK(ref.res->count[ROP_FAULT] > 0);
	}
	for (size_t v = 0; v < ARRAY_SIZE(variants); v++) {
		run_once(name, im, &variants[v], &ref, &run);
		replay_run_free(&run);
	}
	replay_run_free(&ref);
	replay_image_free(im);
}

TEST(compile_percpu) { replay_trace("compile", false); }
TEST(network_percpu) { replay_trace("network", false); }
TEST(forkexec_percpu) { replay_trace("forkexec", false); }
TEST(mmap_percpu) { replay_trace("mmap", false); }
/* process events: fork, exec, mmap, faults, exit across threads */
TEST(lifecycle_percpu) { replay_trace("lifecycle", true); }

/* the corpus did exercise several threads and remote frees */
TEST(corpus_has_remote_frees)
{
	CHECK(multi_cpu >= 3);
	CHECK(with_remote >= 2);
}
