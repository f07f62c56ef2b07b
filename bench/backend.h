/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/backend.h - what the replay engine needs from an allocator, and the
 * results one replay produces.
 *
 * A backend is a table of functions.  The engine's loop (replay_loop.h) is
 * instantiated once per backend with that table as a compile-time constant,
 * so the calls are direct and the harness adds no indirect branch per
 * event.
 *
 *	alloc(e)	allocate for replay event @e; NULL on failure
 *	free(p, e)	free @p, allocated for the event that @e frees
 *	last_path()	kmm: which path served the last allocation
 *	vm(e, v)	kmm: a process address-space event (mmap, fault, ...)
 *	usable(p, e)	bytes the allocator really gave (internal fragmentation)
 *	footprint()	bytes the allocator holds from the system now
 *	unusable(o)	kmm: unusable index at order @o, for --timeline
 *	leaks()		what the allocator holds once every object is freed
 */
#ifndef KMB_BACKEND_H
#define KMB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "replay.h"

enum replay_touch { TOUCH_NONE, TOUCH_FIRST, TOUCH_ALL };

/* Fidelity kinds: kmalloc class, cache size, page order, percpu bytes */
#define REPLAY_FID_NR	4

struct replay_opts {
	bool percpu;		/* --threads percpu (else one thread) */
	bool untimed;		/* --untimed: no per-op timing */
	bool verify;		/* --verify */
	enum replay_touch touch;
	uint64_t timeline;	/* --timeline N: a sample every N events, 0 off */
	bool kmm_cpu_slabs;	/* --kmm-slab cpu-slabs: kmm's caches keep
				 * SLUB's CPU slabs (6.18) instead of sheaves */
	bool cold;		/* --cold: no warm start before the clock */
};

struct replay_result;

struct backend {
	const char *name;
	/* 0, or an exit code (KMB_EX_*) with a message in @err */
	int (*init)(const struct replay_image *im, const struct replay_opts *o,
		    char *err, size_t errlen);
	void (*exit)(void);
	void (*thread_init)(unsigned int cpu);
	/* --threads 1: run the next event as traced CPU @cpu (kmm: its
	 * per-CPU caches and TLB), outside the timed window */
	void (*set_cpu)(unsigned int cpu);
	void *(*alloc)(const struct replay_ev *e);
	void (*free)(void *p, const struct replay_ev *e);
	unsigned int (*last_path)(void);
	/* a process address-space event; 0 or -errno.  NULL: the backend
	 * passes over them (counted, not timed) */
	int (*vm)(const struct replay_ev *e, const struct replay_vm *v);
	uint64_t (*usable)(void *p, const struct replay_ev *e);
	uint64_t (*footprint)(void);
	/* kmm: buddy unusable index x1000 at @order (worst zone), or -1 */
	int (*unusable)(unsigned int order);
	/* at the end of the trace, before the leftovers are freed */
	void (*snapshot)(struct replay_result *r);
	/* after every object was freed: what the allocator still holds */
	void (*leaks)(uint64_t *objects, uint64_t *bytes);
	/* --touch: the accesses to [p, p + len) through the backend's own
	 * TLB model (kmm); NULL: a 4 KiB-page TLB per thread in the engine */
	void (*tlb_touch)(void *p, size_t len);
	/* totals of the backend's own TLB model */
	void (*tlb_totals)(uint64_t *accesses, uint64_t *misses);
	/* invariant checkers (no allocation running): problems found */
	int (*check)(void);
	bool verifiable;	/* memory keeps what is written (not null) */
	const char *(*version)(void);
};

/* One --timeline sample */
struct replay_sample {
	uint64_t index;		/* events replayed so far (all threads) */
	uint64_t ns;		/* since the replay started */
	int64_t live_bytes;	/* requested bytes live */
	uint64_t footprint;	/* backend footprint, bytes */
	int32_t unusable3, unusable9;	/* kmm: unusable index x1000, -1 n/a */
	uint64_t tlb_misses;
};

#define REPLAY_MAX_SAMPLES	100000
#define REPLAY_FID_SLOTS	4096
#define REPLAY_MAX_ZONES	4
#define REPLAY_MAX_SLAB_INFO	512
#define REPLAY_FAULT_KINDS	11

/* Names of replay_result.faults[] (struct mm_fault_stats's fields) */
extern const char *const replay_fault_names[REPLAY_FAULT_KINDS];

/*
 * Baselines: the process events replayed through the host kernel
 * (bench/backends/host_vm.c), for the JSON's host_vm.
 */
struct replay_host_vm {
	uint64_t mapped_bytes;		/* host bytes mapped for traced
					 * processes now */
	uint64_t peak_mapped_bytes;	/* ... at most */
	uint64_t faults;		/* faults replayed (the access done) */
	uint64_t segv_maperr;		/* failed: nothing mapped there */
	uint64_t segv_accerr;		/* failed: the mapping forbids it */
	uint64_t premapped;		/* mappings made for addresses mapped
					 * before the capture */
	uint64_t premap_widened;	/* ... given an access they lacked */
	uint64_t fork_pages_copied;	/* pages fork copied to children */
	uint64_t host_errors;		/* host mmap/mremap/mprotect refused */
};

/* kmm: one cache's utilisation at the end of the trace */
struct replay_slab_info {
	char name[48];
	uint32_t object_size, size;
	uint64_t active_objs, num_objs, pages;
};

/* A disagreement of the allocator's size with the traced kernel's */
struct replay_fid_entry {
	uint32_t op;		/* 0 = empty slot */
	uint32_t size;		/* bytes requested */
	uint32_t ours, theirs;	/* bytes given: by us, by the kernel */
	uint64_t count;
};

/*
 * Everything one replay measures, without pointers (a helper process
 * writes it to the parent as bytes).  Histograms travel beside it.
 */
struct replay_result {
	uint64_t magic;
	char allocator[32];
	char version[64];
	uint64_t replayed;
	uint64_t count[ROP_NR];
	uint64_t failed[ROP_NR];	/* allocator returned NULL */
	uint64_t bytes_req;		/* kmalloc/kmem_cache: requested */
	uint64_t bytes_usable;		/* ... and given (backend usable()) */
	/* the same for kmalloc by size class, kmem_cache_alloc by cache */
	uint64_t cls_req[RCLASS_NR], cls_usable[RCLASS_NR];
	uint64_t cache_req[REPLAY_MAX_SLAB_INFO];
	uint64_t cache_usable[REPLAY_MAX_SLAB_INFO];
	/* kmalloc class, cache size, page order, percpu bytes */
	uint64_t fid_agree[REPLAY_FID_NR], fid_total[REPLAY_FID_NR];
	uint64_t fid_other;		/* disagreements not listed */
	uint64_t peak_footprint, end_footprint;
	uint64_t end_live_objects, end_live_bytes;	/* freed at the end */
	uint64_t leak_objects, leak_bytes;
	bool leaks_known;		/* the backend can tell (kmm) */
	uint64_t misuse;		/* kmm: double frees, wrong orders ... */
	int64_t check_problems;		/* invariant checkers; -1 not run */
	uint64_t checks_run;
	/* kmm at the end of the trace: per populated zone and order */
	uint32_t nr_zones;
	char zone_name[REPLAY_MAX_ZONES][16];
	int32_t unusable[REPLAY_MAX_ZONES][11];	/* x1000 */
	int32_t extfrag[REPLAY_MAX_ZONES][11];	/* x1000 */
	uint32_t nr_slab_caches;
	struct replay_slab_info slab[REPLAY_MAX_SLAB_INFO];
	/* kmm: page faults of the replayed processes by outcome */
	bool have_faults;
	uint64_t faults[REPLAY_FAULT_KINDS];
	/* baselines: process events through the host kernel */
	bool have_host_vm;
	struct replay_host_vm host_vm;
	uint64_t touched, verify_checked, verify_bad;
	uint64_t tlb_accesses, tlb_misses;
	char tlb_model[128];
	uint64_t wall_ns;
	uint64_t rss_start_kb, rss_peak_kb;
	double ns_per_tick, overhead_ns;
	bool tsc;
	struct counters_result counters;
	uint32_t nr_samples;
	struct replay_fid_entry fid[REPLAY_FID_SLOTS];
};

/* Per-run state the engine keeps beside the result (not serialized). */
struct replay_run {
	struct replay_result *res;
	struct hist *h[ROP_NR][RCLASS_NR][RPATH_NR];
	struct replay_sample *samples;
};

/* Allocate/free a run's result, histograms and sample array (mmap) */
int replay_run_init(struct replay_run *run);
void replay_run_free(struct replay_run *run);

/*
 * Replay @im through allocator @alloc (kmm and null in this process, the
 * baselines in their helpers) into @run, which is initialised here and
 * freed by the caller with replay_run_free() whatever the outcome.
 * 0 or an exit code, with a message on stderr.
 */
int replay_image_run(const char *alloc, const struct replay_image *im,
		     const struct replay_opts *o, struct replay_run *run);

/* Backends built into the kmbench program */
extern const struct backend backend_null;
int replay_with_null(const struct replay_image *im, const struct replay_opts *o,
		     struct replay_run *run);
extern const struct backend backend_kmm;
int replay_with_kmm(const struct replay_image *im, const struct replay_opts *o,
		    struct replay_run *run);

#endif /* KMB_BACKEND_H */
