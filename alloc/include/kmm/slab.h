/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/slab.h - the SLUB-style slab allocator and the kmalloc family.
 *
 * Caches (kmem_cache_create) hand out objects of one size from slabs, page
 * blocks of the buddy allocator.  Each simulated CPU owns a CPU slab whose
 * free objects form a private freelist: the fast paths below pop and push
 * that list with plain loads and stores, no lock and no atomic
 * read-modify-write, because a CPU id is owned by exactly one thread (see
 * kmm/cpu.h and docs/slab.md for the measurement against the double-word
 * cmpxchg design).  Everything else is in slub.c's slow paths.
 *
 * Geometry (slab_calculate_geometry) follows mm/slub.c's calculate_sizes()
 * and calculate_order() exactly; the kmalloc size classes follow
 * mm/slab_common.c.
 *
 * Abbreviations: s = a cache, c = a CPU's part of it, slab = struct page of
 * the head page of a slab, x / object = an object address.
 */
#ifndef KMM_SLAB_H
#define KMM_SLAB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "compiler.h"
#include "cpu.h"
#include "gfp.h"
#include "list.h"
#include "page.h"

typedef unsigned int slab_flags_t;

/* Cache flags: the kernel's bit values (include/linux/slab.h, 6.x) */
#define SLAB_CONSISTENCY_CHECKS	0x00000100u	/* checks on alloc/free */
#define SLAB_RED_ZONE		0x00000400u	/* red zones around objects */
#define SLAB_POISON		0x00000800u	/* poison free objects */
#define SLAB_KMALLOC		0x00001000u	/* a kmalloc cache */
#define SLAB_HWCACHE_ALIGN	0x00002000u	/* align objects to cache lines */
#define SLAB_CACHE_DMA		0x00004000u	/* slabs from ZONE_DMA */
#define SLAB_CACHE_DMA32	0x00008000u	/* slabs from ZONE_DMA32 */
#define SLAB_STORE_USER		0x00010000u	/* record last alloc/free */
#define SLAB_RECLAIM_ACCOUNT	0x00020000u	/* reclaimable slabs */
#define SLAB_PANIC		0x00040000u	/* abort if creation fails */
#define SLAB_TYPESAFE_BY_RCU	0x00080000u	/* free pointer outside object */
#define SLAB_NO_MERGE		0x01000000u	/* never merge this cache */
#define SLAB_ACCOUNT		0x04000000u	/* memcg accounting */
/* kmbench's own: per-cache switches the kernel has as config options */
#define SLAB_FREELIST_RANDOM	0x10000000u	/* shuffle new slabs' lists */

#define SLAB_DEBUG_FLAGS (SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | \
			  SLAB_CONSISTENCY_CHECKS)
/* Flags that forbid merging, and flags merged caches must share */
#define SLAB_NEVER_MERGE (SLAB_DEBUG_FLAGS | SLAB_TYPESAFE_BY_RCU | \
			  SLAB_NO_MERGE)
#define SLAB_MERGE_SAME (SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA | \
			 SLAB_CACHE_DMA32 | SLAB_ACCOUNT)

/* Debug byte values (include/linux/poison.h) */
#define POISON_INUSE		0x5a	/* allocated, never written */
#define POISON_FREE		0x6b	/* free object */
#define POISON_END		0xa5	/* last byte of a poisoned object */
#define SLUB_RED_INACTIVE	0xbb	/* red zone of a free object */
#define SLUB_RED_ACTIVE		0xcc	/* red zone of an allocated object */

/*
 * Freelist pointer hardening (the kernel's CONFIG_SLAB_FREELIST_HARDENED):
 * a build-time switch, because a per-cache test would cost the fast path a
 * branch.  Stored value = pointer ^ s->random ^ bswap(address where stored).
 */
#ifndef KMM_SLAB_HARDENED
#define KMM_SLAB_HARDENED	0
#endif

/* ------------------------------------------------------------------ */
/* Geometry                                                             */

/* One stored alloc/free record with SLAB_STORE_USER (the kernel's struct
 * track with a stack-depot handle: 32 bytes). */
struct slab_track {
	unsigned long addr;	/* caller */
	unsigned int handle;	/* stack id (unused: 0) */
	int cpu;
	int pid;
	unsigned long when;	/* allocation sequence number */
};

struct slab_geometry {
	unsigned int object_size;	/* what the user asked for */
	unsigned int size;		/* slab_size: object + metadata, aligned */
	unsigned int align;
	unsigned int inuse;		/* bytes before the free pointer area */
	unsigned int offset;		/* free pointer offset in the object */
	unsigned int red_left_pad;	/* left red zone (SLAB_RED_ZONE) */
	unsigned int order;		/* slab order */
	unsigned int objects;		/* objects per slab */
	unsigned int min_order;		/* fallback order: get_order(size) */
	unsigned int min_objects;	/* objects at min_order */
};

/* calculate_alignment() of mm/slab_common.c */
unsigned int slab_calculate_alignment(slab_flags_t flags, unsigned int align,
				      unsigned int size);
/* calculate_order() with @nr_cpus CPUs; -1 if no order fits */
int slab_calculate_order(unsigned int size, unsigned int nr_cpus);
/*
 * The whole of calculate_sizes() for a cache of @size bytes aligned @align
 * with @flags (SLAB_*), a constructor or not, on @nr_cpus CPUs.  Returns 0,
 * or -1 when the object is too large for a slab.
 */
int slab_calculate_geometry(struct slab_geometry *g, unsigned int size,
			    unsigned int align, slab_flags_t flags,
			    bool has_ctor, unsigned int nr_cpus);

/* ------------------------------------------------------------------ */
/* kmalloc size classes                                                 */

#define KMALLOC_SHIFT_LOW	3
#define KMALLOC_SHIFT_HIGH	13
#define KMALLOC_MIN_SIZE	(1u << KMALLOC_SHIFT_LOW)
#define KMALLOC_MAX_CACHE_SIZE	(1u << KMALLOC_SHIFT_HIGH)	/* 8 KiB */
#define KMALLOC_MAX_SIZE	(1ul << (MAX_PAGE_ORDER + 12))	/* 4 MiB */
#define KMALLOC_MAX_ORDER	MAX_PAGE_ORDER
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((uintptr_t)(x) <= (uintptr_t)ZERO_SIZE_PTR)

enum kmalloc_cache_type {
	KMALLOC_NORMAL,
	KMALLOC_RECLAIM,	/* kmalloc-rcl-*: __GFP_RECLAIMABLE */
	KMALLOC_DMA,		/* dma-kmalloc-*: __GFP_DMA */
	NR_KMALLOC_TYPES
};

#define KMALLOC_INDEX_MAX	(KMALLOC_SHIFT_HIGH + 1)

extern const unsigned char kmalloc_size_index[24];

/*
 * Index of the kmalloc class for @size (1..KMALLOC_MAX_CACHE_SIZE): 1 is
 * kmalloc-96, 2 is kmalloc-192, n >= 3 is kmalloc-(2^n).
 */
static __always_inline unsigned int kmalloc_index(size_t size)
{
	if (size <= 192)
		return kmalloc_size_index[(size - 1) / 8];
	return (unsigned int)fls64(size - 1);
}

/* Bytes of class @index (0 for an invalid index). */
unsigned int kmalloc_index_size(unsigned int index);

/* The size kmalloc(@size) really provides (0 if @size is too large). */
size_t kmalloc_size_roundup(size_t size);

/* ------------------------------------------------------------------ */
/* Caches                                                               */

/* Statistics per CPU (the kernel's enum stat_item, the ones kmm keeps) */
enum slub_stat_item {
	ALLOC_FASTPATH,		/* from the CPU freelist */
	ALLOC_SLOWPATH,		/* through ___slab_alloc */
	FREE_FASTPATH,		/* to the CPU freelist */
	FREE_SLOWPATH,		/* to a slab's own freelist */
	FREE_REMOTE,		/* slow free of an object another CPU's slab
				   or list holds (lock-free push) */
	FREE_FROZEN,		/* slow free to a frozen (CPU) slab */
	FREE_ADD_PARTIAL,	/* slow free put a slab on the node list */
	FREE_REMOVE_PARTIAL,	/* slow free took an empty slab off it */
	ALLOC_FROM_PARTIAL,	/* CPU slab taken from the node list */
	ALLOC_REFILL,		/* CPU freelist refilled from the CPU slab's
				   remote frees */
	ALLOC_CPU_PARTIAL,	/* CPU slab taken from the CPU partial list */
	ALLOC_SLAB,		/* new slab from the page allocator */
	FREE_SLAB,		/* slab returned to the page allocator */
	CPUSLAB_FLUSH,		/* CPU slab deactivated by a flush */
	DEACTIVATE_FULL,	/* CPU slab deactivated full */
	DEACTIVATE_EMPTY,	/* ... empty */
	CPU_PARTIAL_FREE,	/* slab put on a CPU partial list by a free */
	CPU_PARTIAL_DRAIN,	/* CPU partial list moved to the node list */
	ORDER_FALLBACK,		/* new slab at the minimum order */
	ALLOC_PCS,		/* from this CPU's sheaves */
	FREE_PCS,		/* to this CPU's sheaves */
	SHEAF_REFILL,		/* main sheaf refilled from slabs */
	SHEAF_FLUSH,		/* a sheaf's objects freed to their slabs */
	BARN_GET,		/* full (alloc) or empty (free) sheaf from
				   the barn */
	BARN_PUT,		/* sheaf given to the barn */
	NR_SLUB_STAT_ITEMS
};

#if KMM_STATS
#define slab_stat(c, item)	((c)->stat[item]++)
#define slab_stat_add(c, item, n) ((c)->stat[item] += (n))
#else
#define slab_stat(c, item)	do { } while (0)
#define slab_stat_add(c, item, n) do { (void)(n); } while (0)
#endif

struct page;

/*
 * struct slab_sheaf - an array of free objects of one cache, the per-CPU
 * caching layer of kernels from 6.18 ("sheaves").  A CPU has a main sheaf
 * (allocations pop from it, frees push to it) and a spare; the node's barn
 * keeps further full and empty sheaves.  Objects in a sheaf are allocated
 * as far as their slabs are concerned (counted in inuse).
 */
struct slab_sheaf {
	struct list_head barn_list;	/* on the barn's full, empty or spare
					   list */
	unsigned int capacity;
	unsigned int size;		/* objects[0 .. size) are free objects */
	bool pooled;			/* from the cache's block (not malloc) */
	void *objects[];
};

/* The node's store of sheaves, under its own lock (after list_lock in no
 * path: the barn lock is never held while taking list_lock) */
struct node_barn {
	pthread_mutex_t lock;
	struct list_head full, empty;
	unsigned int nr_full, nr_empty;
	/* sheaves not in use, made (and their memory touched) with the
	 * cache: no host allocation or page fault inside a measured call */
	struct list_head unused;
	void *block;			/* they all live in this one */
};
#define BARN_MAX_FULL	10	/* the kernel's MAX_FULL_SHEAVES */
#define BARN_MAX_EMPTY	10	/* MAX_EMPTY_SHEAVES */

/*
 * struct kmem_cache_cpu - one CPU's part of a cache.  Only the thread that
 * owns the CPU touches it (kmm/cpu.h), except that slab_cpu_flush_all()
 * and slab statistics readers require the CPUs to be quiescent.
 *
 * Layout: freelist and tid must stay adjacent at a 16-byte boundary, for
 * the double-word cmpxchg variant (kmem_cache_alloc_cas) that the
 * benchmark measures against the plain fast path.
 */
struct kmem_cache_cpu {
	void *freelist;		/* next free object of the CPU slab */
	unsigned long tid;	/* changes whenever freelist is replaced */
	char *slab_base;	/* first byte of the CPU slab */
	unsigned long slab_bytes; /* its length; 0 when there is none */
	struct page *slab;	/* the CPU slab (frozen), or NULL */
	struct page *partial;	/* CPU partial slabs, via slab_list.next */
	unsigned int nr_partial; /* slabs on it */
	unsigned int _pad;
	struct slab_sheaf *main; /* caches with sheaves: never NULL; the
				  * CPU slab fields above stay empty */
	struct slab_sheaf *spare; /* empty, full, partly full or NULL */
#if KMM_STATS
	unsigned long stat[NR_SLUB_STAT_ITEMS];
#endif
} __aligned(64);

struct kmem_cache_node {
	pthread_mutex_t list_lock;
	unsigned long nr_partial;
	struct list_head partial;	/* partial slabs, not frozen */
	long nr_slabs;			/* slabs of the cache (atomic) */
	long total_objects;		/* their object capacity (atomic) */
	struct list_head full;		/* full slabs of debug caches */
};

struct kmem_cache {
	/* hot: read by every fast path */
	unsigned int offset;		/* free pointer offset */
	unsigned int size;		/* slab_size */
	unsigned long random;		/* hardening key */
	slab_flags_t flags;
	unsigned int object_size;
	unsigned int align;
	unsigned int inuse;
	unsigned int red_left_pad;
	unsigned int order;		/* preferred slab order */
	unsigned int objects;		/* objects per slab at @order */
	unsigned int min_order;		/* fallback order */
	unsigned int min_objects;
	unsigned int min_partial;	/* empty slabs the node list keeps */
	unsigned int cpu_partial_slabs;	/* CPU partial list limit */
	unsigned int sheaf_capacity;	/* 0: no sheaves, CPU slabs */
	gfp_t allocflags;		/* for the page allocator */
	void (*ctor)(void *);
	const char *name;
	int refcount;			/* merged aliases + 1 */
	unsigned int useroffset, usersize;
	struct list_head list;		/* slab_caches */
	struct kmem_cache_node node;
	struct node_barn barn;		/* with sheaf_capacity only */
	/* &cpu_slab[cpu] for each CPU id (NULL from kmm_nr_cpus() on): one
	 * scaled load finds this CPU's part, where 256-byte entries need a
	 * shift and an add */
	struct kmem_cache_cpu *cpu_ptr[KMM_MAX_CPUS];
	struct kmem_cache_cpu cpu_slab[]; /* kmm_nr_cpus() entries */
};

/* Arguments of the newer kmem_cache_create() form */
struct kmem_cache_args {
	unsigned int align;
	unsigned int useroffset;
	unsigned int usersize;
	unsigned int freeptr_offset;	/* with SLAB_TYPESAFE_BY_RCU */
	bool use_freeptr_offset;
	void (*ctor)(void *);
	unsigned int sheaf_capacity;	/* > 0: per-CPU sheaves (6.18) */
};

/*
 * Create a cache.  Returns NULL on failure (bad arguments, out of memory)
 * or aborts with a message when @flags has SLAB_PANIC.  A compatible
 * existing cache is returned instead when merging is on (slab_merge).
 */
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *));
struct kmem_cache *kmem_cache_create_args(const char *name,
					  unsigned int object_size,
					  const struct kmem_cache_args *args,
					  slab_flags_t flags);
/* Destroy; reports (naming the cache) and keeps it if objects remain. */
void kmem_cache_destroy(struct kmem_cache *s);
/* Flush this CPU's slabs and free the empty slabs; returns 0. */
int kmem_cache_shrink(struct kmem_cache *s);

void *__slab_alloc(struct kmem_cache *s, gfp_t gfp);
void __slab_free(struct kmem_cache *s, void *x);
void slab_bug_double_free(struct kmem_cache *s, void *x);
void *kmem_cache_alloc_cas(struct kmem_cache *s, gfp_t gfp);
void kmem_cache_free_cas(struct kmem_cache *s, void *x);
int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t nr,
			  void **p);
void kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p);

/* Initialise the slab allocator and the kmalloc caches (idempotent);
 * kmm_mem_init() must have run.  0 or -ENOMEM. */
int kmem_cache_init(void);
/* Drop every cache (tests); the caller guarantees no object is live. */
void kmem_cache_exit(void);

/* Switches (set before kmem_cache_init or before creating the caches) */
extern bool slab_merge;			/* merge compatible caches */
extern slab_flags_t slab_debug;		/* debug flags for every cache */
extern bool slab_freelist_random;	/* randomize every cache */
/* Sheaves for every cache without debug flags, as kernels do since the
 * CPU slabs were replaced by sheaves (7.0); false: only for caches created
 * with kmem_cache_args.sheaf_capacity (6.18).  Default false. */
extern bool slab_sheaves_all;
/* The kernel's calculate_sheaf_capacity(): objects per sheaf for a cache
 * of slab size @size when no capacity is asked for */
unsigned int slab_sheaf_capacity(unsigned int size);

/* Which path the last allocation of this thread took, for latency
 * histograms: the slow paths set it; the fast path never writes it, so a
 * caller stores SLAB_PATH_FAST before the call and reads it after. */
enum slab_path {
	SLAB_PATH_FAST,		/* CPU freelist */
	SLAB_PATH_SLOW,		/* refill from the CPU slab or a partial list */
	SLAB_PATH_NEW_SLAB,	/* a new slab from the page allocator */
	SLAB_PATH_PAGE,		/* kmalloc_large: straight to pages */
};
extern __thread enum slab_path kmm_last_alloc_path;

/* Cache of frame @pfn if it belongs to a slab, else slab_no_cache. */
extern struct kmem_cache **slab_frame_cache;
extern struct kmem_cache *const slab_no_cache;
/* (uintptr_t)slab_frame_cache - (kmm_phys_base >> PAGE_SHIFT) * 8: indexed
 * by a direct-map address >> PAGE_SHIFT, it saves kfree a load and a sub */
extern uintptr_t slab_frame_bias;

/*
 * libkmm is linked statically into executables only, so the CPU id is
 * read with the local-exec TLS model: one instruction instead of a
 * __tls_get_addr sequence in position-independent code.
 */
#if defined(__x86_64__) && !defined(KMM_SHARED_LIBRARY)
extern __thread int kmm_cpu_id __attribute__((tls_model("local-exec")));
#endif

/* The cache an object address belongs to, slab_no_cache if none (direct
 * map addresses, and addresses below PAGE_SIZE such as NULL, only) */
static __always_inline struct kmem_cache *slab_cache_of(const void *x)
{
	return *(struct kmem_cache *const *)(slab_frame_bias +
		((uintptr_t)x >> PAGE_SHIFT) * sizeof(struct kmem_cache *));
}

static __always_inline struct kmem_cache_cpu *
slab_this_cpu(struct kmem_cache *s)
{
	return s->cpu_ptr[smp_processor_id()];
}

static __always_inline void *slab_freeptr_decode(const struct kmem_cache *s,
						 void *ptr, uintptr_t addr)
{
#if KMM_SLAB_HARDENED
	return (void *)((uintptr_t)ptr ^ s->random ^ __builtin_bswap64(addr));
#else
	return ptr;
#endif
}

static __always_inline void *get_freepointer(const struct kmem_cache *s,
					     void *object)
{
	uintptr_t addr = (uintptr_t)object + s->offset;

	return slab_freeptr_decode(s, *(void **)addr, addr);
}

static __always_inline void set_freepointer(const struct kmem_cache *s,
					    void *object, void *fp)
{
	uintptr_t addr = (uintptr_t)object + s->offset;

	*(void **)addr = slab_freeptr_decode(s, fp, addr);
}

/* The allocation fast path: one unlikely branch to ___slab_alloc. */
static __always_inline void *slab_alloc_fast(struct kmem_cache *s, gfp_t gfp)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);
	void *object = c->freelist;

	if (unlikely(!object)) {
		/* a cache with sheaves never has a CPU freelist */
		struct slab_sheaf *m = c->main;

		if (m && likely(m->size)) {
			slab_stat(c, ALLOC_PCS);
			return m->objects[--m->size];
		}
		return __slab_alloc(s, gfp);
	}
	c->freelist = get_freepointer(s, object);
	slab_stat(c, ALLOC_FASTPATH);
	return object;
}

/* The free fast path: the object is in this CPU's CPU slab. */
static __always_inline void slab_free_fast(struct kmem_cache *s, void *x)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);

	if (likely((uintptr_t)((char *)x - c->slab_base) < c->slab_bytes)) {
#if KMM_SLAB_HARDENED || KMM_DEBUG >= 1
		/* the kernel's hardened-freelist check: freeing the object
		 * that was freed last */
		if (unlikely(x == c->freelist)) {
			slab_bug_double_free(s, x);
			return;
		}
#endif
		set_freepointer(s, x, c->freelist);
		c->freelist = x;
		slab_stat(c, FREE_FASTPATH);
		return;
	}
#if KMM_DEBUG == 0
	{
		/* sheaves: a push when there is room and the frame table
		 * says @x is of @s (the object is not touched); anything
		 * else, and every check of debug builds, in __slab_free */
		struct slab_sheaf *m = c->main;

		if (m && likely(m->size < m->capacity) &&
		    likely(slab_cache_of(x) == s) &&
		    likely(!m->size || m->objects[m->size - 1] != x)) {
			m->objects[m->size++] = x;
			slab_stat(c, FREE_PCS);
			return;
		}
	}
#endif
	__slab_free(s, x);
}

static __always_inline void *kmem_cache_alloc(struct kmem_cache *s,
					      gfp_t gfp)
{
	void *x = slab_alloc_fast(s, gfp);

	if (unlikely(gfp & __GFP_ZERO) && x)
		memset(x, 0, s->object_size);
	return x;
}

static __always_inline void *kmem_cache_zalloc(struct kmem_cache *s,
					       gfp_t gfp)
{
	return kmem_cache_alloc(s, gfp | __GFP_ZERO);
}

static __always_inline void kmem_cache_free(struct kmem_cache *s, void *x)
{
	slab_free_fast(s, x);
}

/* ------------------------------------------------------------------ */
/* kmalloc                                                              */

extern struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_INDEX_MAX];

void *__kmalloc(size_t size, gfp_t gfp);	/* any size, any flags */
void *kmalloc_large(size_t size, gfp_t gfp);
void __kfree_slow(const void *x);	/* NULL, large or bad pointers */

static __always_inline void *kmalloc(size_t size, gfp_t gfp)
{
	if (unlikely(size - 1 >= KMALLOC_MAX_CACHE_SIZE ||
		     (gfp & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ZERO))))
		return __kmalloc(size, gfp);
	return slab_alloc_fast(kmalloc_caches[KMALLOC_NORMAL]
			       [kmalloc_index(size)], gfp);
}

/*
 * No NULL test: NULL and ZERO_SIZE_PTR index the read-only first word of
 * the frame table (slab_no_cache), whose CPU slabs are empty, so they reach
 * __kfree_slow() through the slow path like large kmallocs do.
 */
static __always_inline void kfree(const void *x)
{
#if KMM_DEBUG >= 1
	if (unlikely(!virt_addr_valid(x))) {
		__kfree_slow(x);	/* NULL, ZERO_SIZE_PTR or a bad pointer */
		return;
	}
#endif
	slab_free_fast(slab_cache_of(x), (void *)x);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp | __GFP_ZERO);
}

void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void *krealloc(const void *p, size_t new_size, gfp_t gfp);
void kfree_sensitive(const void *p);
/* Usable bytes of the object at @p (0 for NULL / ZERO_SIZE_PTR). */
size_t ksize(const void *p);
/* kmalloc cache for @size and @gfp, NULL above KMALLOC_MAX_CACHE_SIZE. */
struct kmem_cache *kmalloc_slab(size_t size, gfp_t gfp);

/* kvmalloc: kmalloc, falling back to vmalloc (vmalloc.c) */
void *kvmalloc(size_t size, gfp_t gfp);
void kvfree(const void *p);

/* ------------------------------------------------------------------ */
/* Introspection                                                        */

struct slab_cache_info {
	const char *name;
	unsigned int object_size, size, objects_per_slab, order;
	unsigned long active_objs, num_objs;	/* allocated, capacity */
	unsigned long active_slabs, num_slabs;
	unsigned long pages;			/* pages held */
	int aliases;
};

/* Counts of @s (the CPUs must be quiescent for exact numbers). */
void slab_cache_info(struct kmem_cache *s, struct slab_cache_info *info);
/* Sum of a statistic over the CPUs */
unsigned long slab_stat_sum(const struct kmem_cache *s,
			    enum slub_stat_item item);
extern const char *const slub_stat_names[NR_SLUB_STAT_ITEMS];

/* Call @fn for every cache (not aliases) in creation order; stops when
 * @fn returns non-zero and returns that value. */
int slab_for_each_cache(int (*fn)(struct kmem_cache *s, void *arg),
			void *arg);
/* Pages held by all caches */
unsigned long slab_total_pages(void);
/* /proc/slabinfo, version 2.1 */
void slab_print_slabinfo(FILE *fp);
/* The kernel's sysfs id of a mergeable cache (":0000024", ":d-0000024") */
void slab_unique_id(const struct kmem_cache *s, char *buf, size_t len);
/* Find a cache or alias by name */
struct kmem_cache *slab_find_cache(const char *name);

/*
 * Check every invariant of @s (see slub.c's header); the CPUs must be
 * quiescent.  Returns 0, or the number of violations (each printed).
 */
int slab_check_cache(struct kmem_cache *s);

/*
 * Debug reports ("BUG kmalloc-64: Redzone overwritten ...") go to this
 * hook, or to stderr while it is NULL; tests set it to capture them.  After
 * a report the allocator aborts if slab_panic_on_report is true (default
 * false: the object is leaked and the call returns, as the kernel does
 * after a report).
 */
extern void (*slab_report_hook)(const char *msg);
extern bool slab_panic_on_report;
extern unsigned long slab_nr_reports;

/* Flush every CPU's slabs of @s (the CPUs must be quiescent). */
void slab_cpu_flush_all(struct kmem_cache *s);

#endif /* KMM_SLAB_H */
