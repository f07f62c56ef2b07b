/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt/synth.h - synthetic traces that follow a real trace's statistics
 * (`kmbench trace synth`).
 */
#ifndef KMT_SYNTH_H
#define KMT_SYNTH_H

#include <stdint.h>

#include "kmt/trace.h"

/*
 * Build in @out a trace of @nr_events slab and page events whose sizes,
 * call sites, caches, lifetimes (in events), per-CPU shares and
 * cross-CPU free ratio are drawn from @like's, deterministically from
 * @seed.  0, or exit code with @err.
 */
int kmt_synth(const struct kmt_trace *like, uint64_t nr_events,
	      uint64_t seed, struct kmt_trace *out, struct kmt_error *err);

#endif /* KMT_SYNTH_H */
