// SPDX-License-Identifier: GPL-2.0
/*
 * bench/backend_null.c - the null allocator: a bump pointer that never
 * frees.  It measures the harness itself (loop, slot array, timing), and is
 * printed next to every comparison.
 *
 * The bump region is 64 GiB of address space reserved with MAP_NORESERVE,
 * a 256 MiB slice per traced CPU (its bump pointer is only touched by the
 * thread replaying that CPU: no atomics, no thread-local lookups); a
 * pointer wraps around at the end of its slice.  Because of the wrap its
 * memory does not keep what was written, so --touch and --verify do not
 * apply to it (it is never written).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "backend.h"
#include "replay_loop.h"

#define NULL_SLICE	(256UL << 20)
#define NULL_REGION	(256 * NULL_SLICE)

static char *null_base;
static struct {
	size_t next;
} ____cacheline_aligned null_next[256];

static int null_init(const struct replay_image *im,
		     const struct replay_opts *o, char *err, size_t errlen)
{
	void *p = mmap(NULL, NULL_REGION, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED) {
		snprintf(err, errlen, "cannot reserve the bump region");
		return 70;
	}
	null_base = p;
	memset(null_next, 0, sizeof(null_next));
	return 0;
}

static void null_exit(void)
{
	munmap(null_base, NULL_REGION);
	null_base = NULL;
}

static void *null_alloc(const struct replay_ev *e)
{
	size_t cpu = e->cpu & 255, at = null_next[cpu].next;

	null_next[cpu].next = (at + e->size + 15) & (NULL_SLICE - 16);
	return null_base + cpu * NULL_SLICE + at;
}

static void null_free(void *p, const struct replay_ev *e)
{
}

static const char *null_version(void)
{
	return "bump";
}

const struct backend backend_null = {
	.name = "null",
	.init = null_init,
	.exit = null_exit,
	.alloc = null_alloc,
	.free = null_free,
	.verifiable = false,
	.version = null_version,
};

REPLAY_DEFINE_RUNNER(replay_with_null, &backend_null)
