/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/replay_engine.h - the engine's per-thread state and the helpers the
 * loop (replay_loop.h) calls off its hot path.
 */
#ifndef KMB_REPLAY_ENGINE_H
#define KMB_REPLAY_ENGINE_H

#include <stdint.h>

#include "backend.h"
#include "kmm/compiler.h"

struct replay_shared;

/* One replaying thread (one traced CPU, or the only thread) */
struct replay_thread {
	const struct backend *b;
	const struct replay_image *im;
	const struct replay_opts *o;
	struct replay_shared *sh;
	void **slots;			/* shared: [im->nr_objs] */
	const uint32_t *idx;		/* percpu: this CPU's events; else NULL */
	uint64_t n;			/* events of this thread */
	unsigned int cpu;
	uint64_t next_sample;		/* event index of the next sample */
	int64_t live;			/* requested bytes live (this thread) */
	uint64_t count[ROP_NR];
	uint64_t failed[ROP_NR];
	uint64_t bytes_req, bytes_usable;
	uint64_t cls_req[RCLASS_NR], cls_usable[RCLASS_NR];	/* kmalloc */
	uint64_t cache_req[REPLAY_MAX_SLAB_INFO];	/* kmem_cache_alloc */
	uint64_t cache_usable[REPLAY_MAX_SLAB_INFO];
	uint64_t fid_agree[REPLAY_FID_NR], fid_total[REPLAY_FID_NR];
	uint64_t fid_other;
	uint64_t touched, verify_checked, verify_bad;
	uint64_t tlb_accesses, tlb_misses;
	struct tlb *tlb;		/* engine TLB (backends without one) */
	struct hist *h[ROP_NR][RCLASS_NR][RPATH_NR];
	struct replay_fid_entry *fid;	/* [REPLAY_FID_SLOTS] */
} ____cacheline_aligned;

static inline void replay_live_add(struct replay_thread *t, int64_t d)
{
	__atomic_store_n(&t->live, t->live + d, __ATOMIC_RELAXED);
}

/* Count the ops of this thread's events into t->count (after the lean
 * loop, outside the measured time) */
void replay_count_ops(struct replay_thread *t);

/* The lean loop applies (untimed, no touch, no verify, no timeline) */
bool replay_lean(const struct replay_thread *t);

/* After a successful allocation: usable size, fidelity, touch, TLB */
void replay_after_alloc(const struct backend *b, struct replay_thread *t,
			const struct replay_ev *e, void *p);

/* Before a free: check the pattern written at allocation */
void replay_verify(struct replay_thread *t, const struct replay_ev *e,
		   const void *p);

/* Add one latency sample (ticks) */
void replay_record_slow(struct replay_thread *t, unsigned int op,
			unsigned int cls, unsigned int path, uint64_t ticks);

static inline void replay_record(struct replay_thread *t, unsigned int op,
				 unsigned int cls, unsigned int path,
				 uint64_t ticks)
{
	struct hist *h = t->h[op][cls][path];

	if (likely(h))
		hist_add(h, ticks);
	else
		replay_record_slow(t, op, cls, path, ticks);
}

/* Timeline and footprint sample at event index @k; sets next_sample */
void replay_sample(const struct backend *b, struct replay_thread *t,
		   uint64_t k);

/* Run every thread with @thread_fn and collect the results into @run */
int replay_engine_run(const struct backend *b,
		      void (*thread_fn)(struct replay_thread *t),
		      const struct replay_image *im,
		      const struct replay_opts *o, struct replay_run *run);


#endif /* KMB_REPLAY_ENGINE_H */
