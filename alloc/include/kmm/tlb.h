/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/tlb.h - software TLB model.
 *
 * Abbreviations: TLB translation lookaside buffer; STLB second-level
 * (shared) TLB; ASID address-space id (x86 PCID); VPN virtual page number
 * (vaddr >> page shift); walk = page-table walk after a miss in every level.
 *
 * A struct tlb is one CPU's TLB hierarchy: up to TLB_MAX_LEVELS levels, each
 * made of one or more set-associative arrays ("structures").  A structure
 * holds entries of the page sizes in its mask (a shared L2 holds 4 KiB and
 * 2 MiB entries side by side).  Replacement is LRU within a set.  Entries are
 * tagged with an ASID; the kernel's own mappings use TLB_ASID_KERNEL.
 *
 * tlb_access() is told the page size that maps the address (kmm_kva_of() in
 * pgtable.h, or pgtable_translate()); it looks the levels up in order, fills
 * every level that missed, and returns the level that hit (1 = first level)
 * or 0 for a miss that needed a page walk.  Its fast path (same page as the
 * previous access) is a compare and two increments.
 *
 * Per-CPU TLBs: tlb_model_init() creates one struct tlb per simulated CPU
 * (kmm/cpu.h); tlb_this_cpu() is the caller's.  Only the owning thread
 * touches a TLB; flushes for other CPUs (tlb_shootdown_*) are queued in that
 * CPU's mailbox and applied at its next access, as an IPI would be.
 *
 * Invariants (tlb_check()): every valid entry sits in the set its VPN
 * indexes; no key appears twice in one structure; LRU stamps in a set are
 * distinct; counters: accesses == sum(hits[]) + misses.
 */
#ifndef KMM_TLB_H
#define KMM_TLB_H

#include <stdint.h>
#include <stdio.h>

#include "compiler.h"

enum tlb_pgsize {
	TLB_PG_4K,
	TLB_PG_2M,
	TLB_PG_1G,
	TLB_NR_PGSIZES
};

#define TLB_PGSIZE_MASK(ps)	(1u << (ps))
#define TLB_MAX_LEVELS		3
#define TLB_MAX_STRUCTS		3	/* per level */
#define TLB_ASID_KERNEL		0
#define TLB_MAX_ASID		4095	/* 12-bit PCID */
/* x86 flush_tlb_kernel_range(): above this many pages, flush everything */
#define TLB_SINGLE_PAGE_FLUSH_CEILING	33

static inline unsigned int tlb_pgshift(enum tlb_pgsize ps)
{
	return 12 + 9 * (unsigned int)ps;
}

static inline uint64_t tlb_pgsize_bytes(enum tlb_pgsize ps)
{
	return 1ULL << tlb_pgshift(ps);
}

/* One set-associative array: @entries / @ways sets (a power of two). */
struct tlb_struct_config {
	unsigned int pgsizes;	/* TLB_PGSIZE_MASK() bits it holds */
	unsigned int entries;
	unsigned int ways;	/* == entries: fully associative */
};

struct tlb_level_config {
	unsigned int nr_structs;
	struct tlb_struct_config s[TLB_MAX_STRUCTS];
};

struct tlb_config {
	const char *name;
	unsigned int nr_levels;
	struct tlb_level_config level[TLB_MAX_LEVELS];
	/* page-table levels a 4 KiB walk reads (4, or 5 with LA57) */
	unsigned int walk_levels;
};

/*
 * The default: a current x86 core (Intel Golden Cove class).  L1 DTLB: 64
 * entries 4-way for 4 KiB, 32 entries 4-way for 2 MiB, 8 fully associative
 * for 1 GiB; STLB: 2048 entries 16-way shared by 4 KiB and 2 MiB, 16 entries
 * 4-way for 1 GiB.  Four-level page tables.
 */
extern const struct tlb_config tlb_default_config;

/*
 * Parse a model description into @cfg, e.g.
 *   "l1:4k=64/4,2m=32/4,1g=8/8;l2:4k+2m=2048/16,1g=16/4;walk=4"
 * (ENTRIES/WAYS per structure; "default" gives tlb_default_config).
 * Returns 0, or -1 with a message in @err.
 */
int tlb_config_parse(const char *text, struct tlb_config *cfg, char *err,
		     size_t errlen);
/* Check a configuration; 0 or -1 with a message in @err. */
int tlb_config_validate(const struct tlb_config *cfg, char *err,
			size_t errlen);
/* Print @cfg in the form tlb_config_parse() reads. */
size_t tlb_config_format(const struct tlb_config *cfg, char *buf, size_t len);

/* Statistics of one TLB (all counters only grow until tlb_reset_stats) */
struct tlb_stats {
	uint64_t accesses;
	uint64_t hits[TLB_MAX_LEVELS];	/* hits[0] = first level */
	uint64_t misses;		/* == page walks */
	uint64_t walk_reads;		/* page-table entries read by walks */
	uint64_t misses_by_size[TLB_NR_PGSIZES];
	uint64_t evictions;		/* valid entries replaced */
	uint64_t flush_page;		/* single-page invalidations */
	uint64_t flush_range;
	uint64_t flush_asid;
	uint64_t flush_all;
	uint64_t shootdowns;		/* flushes received from other CPUs */
};

struct tlb_entry {
	uint64_t key;		/* 0 = invalid; see tlb_key() */
	uint64_t stamp;		/* LRU: larger = more recent */
};

struct tlb_array {
	unsigned int pgsizes;
	unsigned int ways;
	uint64_t set_mask;	/* sets - 1 */
	struct tlb_entry *e;	/* sets * ways */
};

struct tlb_mailbox;

struct tlb {
	/* hot: the fast path reads these */
	uint64_t last_key;	/* key of the last access, 0 after a flush */
	/*
	 * First-level hits of the fast path not yet added to st.accesses and
	 * st.hits[0]: one counter, so the fast path is one increment (two
	 * adjacent ones get merged into a vector add that stalls on store
	 * forwarding).  tlb_fold_stats() adds them; the slow path,
	 * tlb_access_range() and kmm_tlb_touch() do it for the caller.
	 */
	uint64_t fast_hits;
	int pending;		/* mailbox has requests (atomic) */
	struct tlb_stats st;
	/* cold */
	uint64_t clock;		/* LRU stamp source */
	unsigned int nr_levels;
	unsigned int walk_levels;
	/* per level and page size: the array that holds it, or NULL */
	struct tlb_array *lookup[TLB_MAX_LEVELS][TLB_NR_PGSIZES];
	unsigned int nr_arrays;
	struct tlb_array arrays[TLB_MAX_LEVELS * TLB_MAX_STRUCTS];
	struct tlb_mailbox *mbox;
	int cpu;
	char name[64];
};

/*
 * Key of an entry: VPN, ASID and page size, with bit 0 set so that no valid
 * key is 0.  VPNs of 57-bit addresses take at most 45 bits.
 */
static inline uint64_t tlb_key(uint64_t vaddr, unsigned int asid,
			       enum tlb_pgsize ps)
{
	return ((vaddr >> tlb_pgshift(ps)) << 16) |
	       ((uint64_t)(asid & TLB_MAX_ASID) << 4) | ((uint64_t)ps << 1) | 1;
}

/* Create / free a standalone TLB (the per-CPU ones come from tlb_model_init) */
struct tlb *tlb_create(const struct tlb_config *cfg);
void tlb_destroy(struct tlb *tlb);

/* Slow path of tlb_access(); returns the level that hit or 0. */
int __tlb_access(struct tlb *tlb, uint64_t key, uint64_t vaddr,
		 enum tlb_pgsize ps);

/*
 * One data access at @vaddr in address space @asid, mapped by a page of size
 * @ps.  Returns the level that hit (1..nr_levels) or 0 after a page walk.
 * Read tlb->st after tlb_fold_stats() (see fast_hits).
 */
static __always_inline int tlb_access(struct tlb *tlb, uint64_t vaddr,
				      unsigned int asid, enum tlb_pgsize ps)
{
	uint64_t key = tlb_key(vaddr, asid, ps);

	if (likely(key == tlb->last_key &&
		   !__atomic_load_n(&tlb->pending, __ATOMIC_RELAXED))) {
		tlb->fast_hits++;
		return 1;
	}
	return __tlb_access(tlb, key, vaddr, ps);
}

/* Bring st up to date with the fast path's hits (owner thread only). */
static inline void tlb_fold_stats(struct tlb *tlb)
{
	tlb->st.accesses += tlb->fast_hits;
	tlb->st.hits[0] += tlb->fast_hits;
	tlb->fast_hits = 0;
}

/* Accesses to every @stride-th byte of [vaddr, vaddr + len) */
void tlb_access_range(struct tlb *tlb, uint64_t vaddr, uint64_t len,
		      unsigned int stride, unsigned int asid,
		      enum tlb_pgsize ps);

/* Local flushes (INVLPG, range, one ASID, everything) */
void tlb_flush_page(struct tlb *tlb, uint64_t vaddr, unsigned int asid);
/* Pages [start, end): single pages up to the ceiling, else the whole ASID
 * (TLB_ASID_KERNEL: everything) */
void tlb_flush_range(struct tlb *tlb, uint64_t start, uint64_t end,
		     unsigned int asid);
void tlb_flush_asid(struct tlb *tlb, unsigned int asid);
void tlb_flush_all(struct tlb *tlb);

/* Number of valid entries (all levels) for tests */
unsigned long tlb_nr_valid(const struct tlb *tlb);
/* Is @vaddr cached at level @level (1-based) for @asid/@ps? */
bool tlb_probe(const struct tlb *tlb, unsigned int level, uint64_t vaddr,
	       unsigned int asid, enum tlb_pgsize ps);
void tlb_reset_stats(struct tlb *tlb);
/* Invariant checker: 0, or -1 with the first violation printed to @fp */
int tlb_check(const struct tlb *tlb, FILE *fp);

/*
 * Per-CPU model.  tlb_model_init() makes kmm_nr_cpus() TLBs from @cfg (NULL:
 * the default); call it again to reconfigure, tlb_model_exit() to free them.
 */
int tlb_model_init(const struct tlb_config *cfg);
void tlb_model_exit(void);
bool tlb_model_active(void);
const struct tlb_config *tlb_model_config(void);
struct tlb *tlb_cpu(int cpu);
struct tlb *tlb_this_cpu(void);

/*
 * Flush on every CPU: the caller's TLB at once, the others through their
 * mailboxes.  No-ops when the model is not initialised.
 */
void tlb_shootdown_range(uint64_t start, uint64_t end, unsigned int asid);
void tlb_shootdown_asid(unsigned int asid);
void tlb_shootdown_all(void);
/* Apply queued flushes now (the owning thread; tlb_access does it too) */
void tlb_process_mailbox(struct tlb *tlb);

/* Sum of every CPU's statistics (fast-path hits included) into @out */
void tlb_model_stats(struct tlb_stats *out);

#endif /* KMM_TLB_H */
