/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/replay_loop.h - the replay loop, instantiated once per backend.
 *
 * A backend's file defines its `static const struct backend` table and
 *
 *	REPLAY_DEFINE_RUNNER(replay_with_NAME, &backend_NAME)
 *
 * which expands to a runner whose loop calls that backend's functions
 * directly (the table is a compile-time constant).  The loop has two forms:
 * the lean one for --untimed without touching, verifying or sampling (the
 * harness's floor: a load, a call and a store per event), and the full one
 * with a TSC window around each call.
 *
 * Slots: slot[obj] is NULL until obj's allocation ran, then the pointer (or
 * SLOT_FAILED when the allocator returned NULL), then SLOT_FREED.  In
 * percpu mode a remote free spins until its slot is set (a sync edge).
 */
#ifndef KMB_REPLAY_LOOP_H
#define KMB_REPLAY_LOOP_H

#include <sched.h>
#include <string.h>

#include "backend.h"
#include "replay_engine.h"
#include "tsc.h"

#define SLOT_FAILED	((void *)1)
#define SLOT_FREED	((void *)2)
#define SLOT_LIVE(p)	((uintptr_t)(p) > 2)

static inline uint8_t replay_pattern(uint32_t obj)
{
	return (uint8_t)(obj * 31u + 7u) | 1u;
}

static __always_inline void *replay_wait_slot(void **slot)
{
	void *p;
	unsigned int spins = 0;

	while (!(p = __atomic_load_n(slot, __ATOMIC_ACQUIRE))) {
		if (++spins > 256) {
			sched_yield();
			spins = 0;
		} else {
			__builtin_ia32_pause();
		}
	}
	return p;
}

/*
 * A process event: after the previous event of its process (a sync edge in
 * percpu mode), through the backend's vm() when it has one; sets its slot.
 * With @t0 the call is timed into *t0 / *t1.
 */
static __always_inline void replay_vm_event(const struct backend *b,
					    struct replay_thread *t,
					    const struct replay_ev *e,
					    uint64_t *t0, uint64_t *t1)
{
	const struct replay_vm *v = &replay_vms(t->im)[e->size];

	if (t->idx && v->prev != REPLAY_NO_SLOT)
		replay_wait_slot(&t->slots[v->prev]);
	if (b->vm) {
		int err;

		if (t0)
			*t0 = tsc_begin();
		err = b->vm(e, v);
		if (t0)
			*t1 = tsc_end();
		if (err)
			t->failed[e->op]++;
	}
	__atomic_store_n(&t->slots[e->obj], SLOT_FREED, __ATOMIC_RELEASE);
}

static __always_inline void replay_loop_lean(const struct backend *b,
					     struct replay_thread *t)
{
	const struct replay_ev *ev = replay_events(t->im);
	void **slots = t->slots;
	const uint32_t *idx = t->idx;
	const bool percpu = idx != NULL;
	const uint64_t n = t->n;

	for (uint64_t i = 0; i < n; i++) {
		const struct replay_ev *e = &ev[percpu ? idx[i] : i];

		if (!percpu && b->set_cpu)
			b->set_cpu(e->cpu);

		if (rop_is_alloc(e->op)) {
			void *p = b->alloc(e);

			if (unlikely(!p)) {
				t->failed[e->op]++;
				p = SLOT_FAILED;
			}
			if (percpu)
				__atomic_store_n(&slots[e->obj], p,
						 __ATOMIC_RELEASE);
			else
				slots[e->obj] = p;
		} else if (likely(rop_is_free(e->op))) {
			void *p;

			/* a remote free's slot is being written by the
			 * allocating thread: no plain read of it */
			if (percpu && (e->flags & REV_F_REMOTE))
				p = replay_wait_slot(&slots[e->obj]);
			else
				p = slots[e->obj];
			if (likely(SLOT_LIVE(p)))
				b->free(p, e);
			slots[e->obj] = SLOT_FREED;
		} else {
			replay_vm_event(b, t, e, NULL, NULL);
		}
	}
}

static __always_inline void replay_loop_full(const struct backend *b,
					     struct replay_thread *t)
{
	const struct replay_ev *ev = replay_events(t->im);
	void **slots = t->slots;
	const uint32_t *idx = t->idx;
	const bool percpu = idx != NULL;
	const bool timed = !t->o->untimed;
	const enum replay_touch touch = t->o->touch;
	const bool verify = t->o->verify && b->verifiable && touch != TOUCH_NONE;
	const uint64_t ovh = tsc_global.overhead;

	for (uint64_t i = 0; i < t->n; i++) {
		uint64_t k = percpu ? idx[i] : i;
		const struct replay_ev *e = &ev[k];
		uint64_t t0 = 0, t1 = 0;
		unsigned int path = RPATH_NONE;

		if (!percpu && b->set_cpu)
			b->set_cpu(e->cpu);

		if (rop_is_alloc(e->op)) {
			void *p;

			if (timed)
				t0 = tsc_begin();
			p = b->alloc(e);
			if (timed)
				t1 = tsc_end();
			if (b->last_path)
				path = b->last_path();
			if (unlikely(!p)) {
				t->failed[e->op]++;
				p = SLOT_FAILED;
			} else {
				replay_after_alloc(b, t, e, p);
			}
			replay_live_add(t, (int64_t)e->size);
			if (percpu)
				__atomic_store_n(&slots[e->obj], p,
						 __ATOMIC_RELEASE);
			else
				slots[e->obj] = p;
		} else if (likely(rop_is_free(e->op))) {
			void *p;

			/* a remote free's slot is being written by the
			 * allocating thread: no plain read of it */
			if (percpu && (e->flags & REV_F_REMOTE))
				p = replay_wait_slot(&slots[e->obj]);
			else
				p = slots[e->obj];
			if (likely(SLOT_LIVE(p))) {
				if (verify)
					replay_verify(t, e, p);
				if (timed)
					t0 = tsc_begin();
				b->free(p, e);
				if (timed)
					t1 = tsc_end();
			}
			replay_live_add(t, -(int64_t)e->size);
			slots[e->obj] = SLOT_FREED;
		} else {
			replay_vm_event(b, t, e, timed ? &t0 : NULL, &t1);
		}
		t->count[e->op]++;
		if (timed && t1) {
			uint64_t d = t1 - t0;

			replay_record(t, e->op, e->cls, path,
				      d > ovh ? d - ovh : 0);
		}
		if (unlikely(k >= t->next_sample))
			replay_sample(b, t, k);
	}
}

#define REPLAY_DEFINE_RUNNER(fn, backend)				\
static void fn##_thread(struct replay_thread *t)			\
{									\
	if (replay_lean(t))						\
		replay_loop_lean(backend, t);				\
	else								\
		replay_loop_full(backend, t);				\
}									\
int fn(const struct replay_image *im, const struct replay_opts *o,	\
       struct replay_run *run);						\
int fn(const struct replay_image *im, const struct replay_opts *o,	\
       struct replay_run *run)						\
{									\
	return replay_engine_run(backend, fn##_thread, im, o, run);	\
}

#endif /* KMB_REPLAY_LOOP_H */
