/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/replay.h - the replay engine: a decoded trace through one allocator.
 *
 * Abbreviations: rev = replay event; op = operation kind (replay_op);
 * class = size class of a histogram (kmalloc class, page order, ...);
 * path = which path of kmm served an allocation (fast, slow, ...).
 *
 * A trace is first turned into a replay image (struct replay_image): one
 * contiguous, pointer-free block holding the replayable events as 24-byte
 * records in timestamp order, the per-CPU index arrays for --threads
 * percpu, the cache table and every count that does not depend on the
 * allocator (events, skipped by reason, peak live bytes).  The image can be
 * mapped by another process unchanged: the baseline backends run in helper
 * executables of their own (bench/backends/) and map it from a memfd.
 *
 * The engine (replay.c) walks the image, calls the backend for each event,
 * and fills a struct replay_stats per thread: counts, latency histograms
 * per op x class x path, failures, TLB and verify results.  Every piece of
 * harness memory comes from mmap(), never from malloc(), so the measured
 * allocator serves only the replayed events.
 *
 * Invariants:
 *	image.total == image.nr_ev + sum(image.skipped[])
 *	a free's rev carries the size, order and cache of its allocation
 *	slot[obj] is NULL before the allocation, non-NULL after it
 */
#ifndef KMB_REPLAY_H
#define KMB_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

enum replay_op {
	ROP_KMALLOC,
	ROP_KFREE,
	ROP_KMEM_CACHE_ALLOC,
	ROP_KMEM_CACHE_FREE,
	ROP_PAGE_ALLOC,
	ROP_PAGE_FREE,
	ROP_VMALLOC,
	ROP_VFREE,
	ROP_PERCPU_ALLOC,
	ROP_PERCPU_FREE,
	ROP_MMAP,
	ROP_MUNMAP,
	ROP_BRK,
	ROP_MPROTECT,
	ROP_MREMAP,
	ROP_FAULT,
	ROP_FORK,
	ROP_EXIT,
	ROP_EXEC,
	ROP_NR
};

/* Allocating ops are even, their frees the next odd value. */
static inline bool rop_is_alloc(unsigned int op)
{
	return op < ROP_MMAP && !(op & 1);
}

static inline bool rop_is_free(unsigned int op)
{
	return op < ROP_MMAP && (op & 1);
}

extern const char *const replay_op_names[ROP_NR];

/* Why an event is not replayed (events.skipped in the results). */
enum replay_skip {
	RSKIP_UNKNOWN_OBJECT,	/* free of an object allocated before capture */
	RSKIP_FAILED,		/* allocation that failed in the traced kernel */
	RSKIP_UNSUPPORTED,	/* no part of the stack replays it yet */
	RSKIP_INFO,		/* informational event (rss_stat, sys_exit_*) */
	RSKIP_NO_EXIT,		/* sys_enter_* whose sys_exit_* is missing */
	RSKIP_INNER,		/* pages of a large kmalloc (its kmalloc/kfree
				 * replays them) */
	RSKIP_FAULT_PAGES,	/* pages of a user page fault (its replay
				 * allocates them) */
	RSKIP_NR
};

extern const char *const replay_skip_names[RSKIP_NR];

/* kmm paths (the slab tells which one served an allocation) */
enum replay_path {
	RPATH_NONE,		/* baselines, frees, non-slab ops */
	RPATH_FAST,
	RPATH_SLOW,
	RPATH_NEW_SLAB,
	RPATH_PAGE,
	RPATH_NR
};

extern const char *const replay_path_names[RPATH_NR];

/* Histogram classes: kmalloc classes 8..8k and large for object ops,
 * orders 0..10 for pages, log2 of pages for vmalloc. */
#define RCLASS_NR	16

/* Name of class @cls of op @op into @buf ("kmalloc-64", "order-3"). */
const char *replay_class_name(unsigned int op, unsigned int cls, char *buf,
			      size_t len);

/* The kmalloc size class index for @size: 0 = 8 .. 12 = 8192, 13 = large */
unsigned int replay_kmalloc_class(uint32_t size);
uint32_t replay_kmalloc_class_size(unsigned int cls);

#define REV_F_REMOTE	0x01	/* free on another CPU than its allocation */
#define REV_F_IMPLICIT	0x02	/* free inserted for a lost free */
#define REV_F_NOFREE	0x04	/* allocation never freed in the trace */
#define REV_F_RESERVED	0x08	/* percpu: from the reserved chunk */

struct replay_ev {
	uint8_t op;		/* enum replay_op */
	uint8_t flags;		/* REV_F_* */
	uint8_t order;		/* page ops: order; percpu: log2 align */
	uint8_t cls;		/* histogram class */
	uint32_t obj;		/* object id: index into the slot array */
	uint32_t size;		/* bytes requested (a free: its allocation's) */
	uint32_t size_alloc;	/* bytes the traced kernel gave */
	uint32_t gfp;		/* gfp_t */
	uint16_t cache;		/* index in the cache table, 0 = none */
	uint16_t cpu;		/* traced CPU */
};

_Static_assert(sizeof(struct replay_ev) == 24, "replay_ev is 24 bytes");

/* A kmem_cache seen in the trace (kmem_cache_alloc's name=). */
struct replay_cache {
	char name[48];
	uint32_t object_size;	/* max bytes_req seen */
	uint32_t size;		/* bytes_alloc: the kernel's s->size */
	uint64_t allocs;
};

/*
 * A process address-space event (op >= ROP_MMAP): its rev's obj is a slot
 * of its own (set when it has run) and its size the index of this record.
 *	mmap: addr = the traced result, len, arg = kmt_mmap_arg(prot,
 *	flags, fd) (kmt/trace.h), ret = the file offset of a file mapping
 *	munmap: addr, len;  brk: addr = requested break;  mprotect: addr,
 *	len, arg = prot;  mremap: addr, len = old length, arg = new length,
 *	ret = the traced result;  fault: addr, arg = error code;
 *	fork: addr = parent pid, arg = child pid;  exec, exit: addr = pid
 * @prev is the slot of the previous event of the same process (or of the
 * fork that created it), REPLAY_NO_SLOT for its first: percpu replay waits
 * for it, so one process's events keep their order across threads.
 */
struct replay_vm {
	uint64_t addr, len, arg, ret;
	uint32_t pid;
	uint32_t prev;
};

#define REPLAY_NO_SLOT	UINT32_MAX

#define REPLAY_MAGIC	0x32796c706572626bULL	/* "kbreply2" */
#define REPLAY_MAX_CACHES 4096

/*
 * The replay image: this header, then ev[nr_ev], then cpu_idx (all CPUs'
 * index arrays, CPU c's at cpu_off[c] with cpu_len[c] entries), then the
 * cache table.  Offsets are from the start of the image.
 */
struct replay_image {
	uint64_t magic;
	uint64_t bytes;			/* whole image */
	char trace_name[256];
	uint64_t total;			/* events in the trace */
	uint64_t skipped[RSKIP_NR];
	uint64_t nr_ev;			/* replayable events */
	uint64_t nr_objs;		/* slot array length */
	uint32_t nr_cpus;		/* traced CPUs (max cpu + 1) */
	uint32_t nr_caches;		/* entries of the cache table */
	uint64_t nr_vm;			/* entries of the vm table */
	uint64_t ev_off, idx_off, cache_off, vm_off;
	uint64_t cpu_off[256], cpu_len[256];
	/* allocator-independent answers, from the trace in timestamp order */
	uint64_t peak_live_bytes;	/* requested bytes live at peak */
	uint64_t end_live_bytes;	/* requested bytes never freed */
	uint64_t bytes_req, bytes_alloc;	/* slab events, as traced */
	uint64_t remote_frees;
};

static inline const struct replay_ev *replay_events(const struct replay_image *im)
{
	return (const struct replay_ev *)((const char *)im + im->ev_off);
}

static inline const uint32_t *replay_cpu_index(const struct replay_image *im,
					       unsigned int cpu)
{
	return (const uint32_t *)((const char *)im + im->idx_off) +
	       im->cpu_off[cpu];
}

static inline const struct replay_cache *replay_caches(const struct replay_image *im)
{
	return (const struct replay_cache *)((const char *)im + im->cache_off);
}

static inline const struct replay_vm *replay_vms(const struct replay_image *im)
{
	return (const struct replay_vm *)((const char *)im + im->vm_off);
}

/* ---- building an image ---- */

struct kmt_trace;
struct kmt_ctrace;

/*
 * Build the replay image of @c (the compact decoded form, kmt/kmt.h) into
 * memory from mmap() (replay_image_free).  Returns NULL with a message on
 * stderr when the trace cannot be replayed.
 */
struct replay_image *replay_image_build_compact(const struct kmt_ctrace *c,
						const char *name);

/* The same from a trace in the full form (encoded and decoded first). */
struct replay_image *replay_image_build(const struct kmt_trace *t,
					const char *name);

/* An image from events given directly (tests, synthetic traces). */
struct replay_image *replay_image_from(const struct replay_ev *ev, size_t n,
				       uint64_t total,
				       const uint64_t skipped[RSKIP_NR],
				       const struct replay_cache *caches,
				       unsigned int nr_caches,
				       const char *name);
/* The same with a vm table (process events) */
struct replay_image *replay_image_from_vm(const struct replay_ev *ev, size_t n,
					  uint64_t total,
					  const uint64_t skipped[RSKIP_NR],
					  const struct replay_cache *caches,
					  unsigned int nr_caches,
					  const struct replay_vm *vm,
					  size_t nr_vm, const char *name);

void replay_image_free(struct replay_image *im);

/*
 * Lay out an image from @n events (modified in place: each free gets its
 * allocation's size, order, cache and class; remote frees are flagged).
 * NULL with a message when a free has no earlier allocation of its kind.
 */
struct replay_image *replay_assemble(struct replay_ev *ev, size_t n,
				     uint64_t total,
				     const uint64_t skipped[RSKIP_NR],
				     const struct replay_cache *caches,
				     unsigned int nr_caches,
				     const struct replay_vm *vm, size_t nr_vm,
				     const char *name);

/* ---- mmap-backed harness memory ---- */

void *replay_map(size_t bytes);
void replay_unmap(void *p, size_t bytes);
/* The same, faulted in now (memory used on every event) */
void *replay_map_populate(size_t bytes);

#endif /* KMB_REPLAY_H */
