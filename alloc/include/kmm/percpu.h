/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/percpu.h - the per-CPU area allocator (the kernel's mm/percpu.c).
 *
 * Abbreviations: unit = one CPU's copy of a chunk (unit_size bytes, one
 * per possible CPU, unit u at base + u * unit_size); chunk = nr_units
 * units allocated and populated together; bit = PCPU_MIN_ALLOC_SIZE (4)
 * bytes of a unit, the allocation map's granule; block = one page of a
 * unit's map (PCPU_BITMAP_BLOCK_BITS bits) with its hints (struct
 * pcpu_block_md); md = metadata; populated = the page is backed by a
 * frame in every unit.
 *
 *	int __percpu *cnt = alloc_percpu(int);
 *	(*per_cpu_ptr(cnt, 1))++;		// CPU 1's copy
 *	(*this_cpu_ptr(cnt))++;		// the calling CPU's copy
 *	free_percpu(cnt);
 *
 * A percpu pointer is CPU 0's copy (a host pointer to real bytes);
 * per_cpu_ptr(p, cpu) adds cpu * pcpu_unit_size.  pcpu_init() needs
 * kmm_mem_init() (the frames come from the buddy allocator).
 */
#ifndef KMM_PERCPU_H
#define KMM_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"
#include "cpu.h"
#include "gfp.h"
#include "list.h"
#include "page.h"

#ifndef __percpu
#define __percpu
#endif

#define PCPU_MIN_ALLOC_SHIFT	2
#define PCPU_MIN_ALLOC_SIZE	(1 << PCPU_MIN_ALLOC_SHIFT)
/* largest allocation, and the smallest unit */
#define PCPU_MIN_UNIT_SIZE	(32 << 10)
#define PCPU_BITMAP_BLOCK_SIZE	PAGE_SIZE
#define PCPU_BITMAP_BLOCK_BITS	\
	((int)(PCPU_BITMAP_BLOCK_SIZE >> PCPU_MIN_ALLOC_SHIFT))
/* defaults of the first chunk (x86_64) */
#define PERCPU_MODULE_RESERVE	(8 << 10)
#define PERCPU_DYNAMIC_RESERVE	(28 << 10)
/* empty populated pages kept for atomic allocations */
#define PCPU_EMPTY_POP_PAGES_LOW	2
#define PCPU_EMPTY_POP_PAGES_HIGH	4

/*
 * Hints of one block (or, as chunk_md, of a whole chunk), in bits:
 *   contig_hint: the largest free run, starting at contig_hint_start
 *   scan_hint: 0, or a free run at scan_hint_start before contig_hint_start
 *	that is the largest of the runs starting before its end (allocation
 *	scans may skip to scan_hint_start + scan_hint)
 *   left_free, right_free: free bits at the block's start and end
 *   first_free: no free bit before it
 */
struct pcpu_block_md {
	int scan_hint;
	int scan_hint_start;
	int contig_hint;
	int contig_hint_start;
	int left_free;
	int right_free;
	int first_free;
	int nr_bits;
};

struct pcpu_chunk {
	struct list_head list;		/* in pcpu_chunk_lists[slot] */
	struct list_head all;		/* in the list of every chunk */
	char *base_addr;		/* unit 0's copy of offset 0 */
	int nr_pages;			/* pages per unit */
	int start_offset;		/* bytes hidden at the start */
	int end_offset;			/* bytes hidden at the end */
	int free_bytes;
	struct pcpu_block_md chunk_md;
	struct pcpu_block_md *md_blocks;	/* one per page */
	unsigned long *alloc_map;	/* 1 = allocated bit */
	unsigned long *bound_map;	/* 1 = an area starts (or ends) here */
	unsigned long *populated;	/* 1 = page backed in every unit */
	int nr_populated;
	int nr_empty_pop_pages;		/* populated, no area on them */
	bool immutable;			/* first chunk: fixed */
	bool isolated;			/* reclaiming its empty pages */
	/* frames: pages[unit * nr_pages + page]; first chunks share theirs */
	struct page **pages;
	char *host_reserve;		/* its own host range, or NULL */
	size_t host_len;
	int nr_alloc;			/* areas allocated now */
	int max_alloc_size;
};

/* Geometry of the first chunk; zero fields take the defaults. */
struct pcpu_config {
	size_t static_size;	/* static per-CPU variables (default 0) */
	size_t reserved_size;	/* default PERCPU_MODULE_RESERVE */
	size_t dyn_size;	/* default PERCPU_DYNAMIC_RESERVE */
	int nr_units;		/* possible CPUs >= kmm_nr_cpus(), 0: it */
};

/*
 * Set up the first chunk (static, reserved and dynamic parts, fully
 * populated) with a unit per possible CPU.  0, -EBUSY, -ENODEV (no machine),
 * -EINVAL or -ENOMEM.
 */
int pcpu_init(const struct pcpu_config *cfg);
/* Release every chunk (live areas are leaks and go with them) */
void pcpu_exit(void);
bool pcpu_ready(void);

/* Bytes between two CPUs' copies; set by pcpu_init() */
extern size_t pcpu_unit_size;

void __percpu *__alloc_percpu(size_t size, size_t align);
/* GFP_KERNEL or it may populate; anything less is atomic: it only takes
 * populated space and never creates a chunk */
void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
/* From the reserved part of the first chunk (module static variables) */
void __percpu *__alloc_reserved_percpu(size_t size, size_t align);
void free_percpu(void __percpu *ptr);

#define alloc_percpu(type)						\
	((type __percpu *)__alloc_percpu(sizeof(type), __alignof__(type)))
#define alloc_percpu_gfp(type, gfp)					\
	((type __percpu *)__alloc_percpu_gfp(sizeof(type),		\
					     __alignof__(type), gfp))

#define per_cpu_ptr(ptr, cpu)						\
	((__typeof__(ptr))((char *)(ptr) +				\
			   (size_t)(cpu) * pcpu_unit_size))
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, smp_processor_id())

/* The chunk holding percpu pointer @ptr, or NULL */
struct pcpu_chunk *pcpu_chunk_of(const void __percpu *ptr);
/* What the percpu_alloc_percpu tracepoint reports as bytes_alloc:
 * size rounded to PCPU_MIN_ALLOC_SIZE, times the number of units */
size_t pcpu_obj_full_size(size_t size);
/* Populated pages times units (the kernel's pcpu_nr_pages(), meminfo's
 * Percpu in pages) */
unsigned long pcpu_nr_pages(void);
unsigned long pcpu_nr_chunks(void);
/* Areas allocated now, and their bytes over every unit */
void pcpu_live(uint64_t *areas, uint64_t *bytes);

/* Statistics (counted when KMM_STATS is 1) */
enum pcpu_stat_item {
	PCPU_ALLOC,		/* allocations that succeeded */
	PCPU_ALLOC_RESERVED,	/* ... from the reserved chunk */
	PCPU_ALLOC_ATOMIC,	/* ... that were atomic */
	PCPU_ALLOC_FAIL,	/* allocations that returned NULL */
	PCPU_FREE,		/* free_percpu() of a live area */
	PCPU_CHUNK_CREATE,	/* chunks created */
	PCPU_CHUNK_DESTROY,	/* empty chunks destroyed */
	PCPU_PAGE_POPULATE,	/* pages populated (a frame per unit) */
	PCPU_PAGE_DEPOPULATE,	/* chunk pages given back */
	PCPU_BALANCE,		/* balance passes (refill empty pages) */
	NR_PCPU_STAT_ITEMS
};

/* Misuse, always counted */
enum pcpu_misuse {
	PCPU_MISUSE_DOUBLE_FREE,	/* the area is free */
	PCPU_MISUSE_NOT_START,		/* inside an area */
	PCPU_MISUSE_BAD_ADDRESS,	/* not in any chunk */
	NR_PCPU_MISUSE
};

void pcpu_get_stats(uint64_t out[NR_PCPU_STAT_ITEMS]);
const char *pcpu_stat_name(int item);
unsigned long pcpu_misuse_count(enum pcpu_misuse m);

/* The first chunk's dynamic part and its reserved part (may be NULL) */
extern struct pcpu_chunk *pcpu_first_chunk;
extern struct pcpu_chunk *pcpu_reserved_chunk;

/*
 * Check every invariant (see percpu.c); call it with no allocation
 * running.  Returns the number of problems, each described on @fp.
 */
int pcpu_check(FILE *fp);

/* The percpu_stats debugfs file: allocation info, global and per chunk */
void pcpu_stats_show(FILE *fp);

#endif /* KMM_PERCPU_H */
