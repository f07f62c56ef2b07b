// SPDX-License-Identifier: GPL-2.0
/*
 * slub.c - a SLUB-style slab allocator on top of the buddy allocator.
 *
 * Lock order:
 *   slab_mutex (slab_common.c: the cache list)
 *     kmem_cache->barn.lock (the node's full and empty sheaves; never held
 *     while taking list_lock)
 *     kmem_cache_node->list_lock (the node partial list, debug full list)
 *       slab->freelist/counters (double-word cmpxchg, no lock)
 *   A CPU's kmem_cache_cpu (and its sheaves) is touched only by the thread
 *   owning that CPU.
 *
 * Caches with sheaves (s->sheaf_capacity > 0: kmem_cache_args, or every
 * non-debug cache with slab_sheaves_all) have no CPU slab, CPU freelist or
 * CPU partial list: each CPU has a main sheaf (never NULL) and maybe a
 * spare, arrays of free objects; allocations pop main, frees push to it.
 * Objects in a sheaf count as allocated in their slab (inuse).  A slab of
 * such a cache is node partial, full (on no list), or off every list
 * while a refill takes objects from it; a free to a full slab puts it on
 * the node list.  Invariants (slab_check_cache): sheaf sizes within the
 * capacity, the barn's counts match its lists (full sheaves full, empty
 * ones empty, at most BARN_MAX_* each), and every sheaf object is an
 * object start of a slab of the cache, on no freelist and in no other
 * sheaf.
 *
 * Slab states (slab = head struct page of a block of 2^order pages):
 *   frozen     the CPU slab of exactly one CPU (c->slab).  The owner
 *              allocates from c->freelist (private); others push frees onto
 *              slab->freelist with a cmpxchg of (freelist, counters).
 *   cpu partial  not frozen, on one CPU's c->partial list, has free objects
 *              (may be empty), PG_active clear.
 *   node partial not frozen, on node->partial, PG_active set ("on node
 *              partial" bit), has free objects.
 *   full       not frozen, on no list (debug caches: on node->full),
 *              slab->freelist == NULL.
 *   A free to a full slab puts it on the freeing CPU's partial list; a
 *   free that empties a node-partial slab frees it to the buddy allocator
 *   when the node keeps min_partial slabs already.
 *
 * Object states: allocated, on c->freelist (frozen slab only), or on its
 * slab's slab->freelist.  Invariants (slab_check_cache):
 *   for a frozen slab:  inuse == objects - |slab->freelist| (remote frees
 *                       decrement it; taking them back resets it) and
 *                       objects == allocated + |slab->freelist| + |c->freelist|
 *   otherwise:          inuse == allocated == objects - |slab->freelist|
 *   every object is on at most one freelist, once; partial lists hold only
 *   slabs with a free object; node->nr_partial == |node->partial|;
 *   node->nr_slabs and total_objects count the cache's slabs;
 *   s->cpu_ptr[cpu] == &s->cpu_slab[cpu] for every CPU; the frame table maps
 *   every page of a slab to its cache, other pages (and addresses below
 *   PAGE_SIZE: NULL, ZERO_SIZE_PTR) to slab_no_cache.
 *
 * Debug caches (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER,
 * SLAB_CONSISTENCY_CHECKS) never have a CPU slab: every operation takes the
 * node lock and checks the object, as the kernel's debug caches do.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmm/cpu.h"
#include "kmm/page.h"
#include "kmm/slab.h"
#include "slab_internal.h"

/* cmpxchg16b inline rather than a libatomic call (x86_64 has had it since
 * the first generations; the kernel requires it for SLUB's fast path) */
#if defined(__x86_64__)
#pragma GCC target("cx16")
#endif

__thread enum slab_path kmm_last_alloc_path;
bool slab_sheaves_all;
struct kmem_cache **slab_frame_cache;
uintptr_t slab_frame_bias;

/* Frames of no slab map to this cache: it never has a CPU slab, so kfree's
 * fast path needs no NULL test and every such free takes the slow path. */
static struct {
	struct kmem_cache s;
	struct kmem_cache_cpu cpu[KMM_MAX_CPUS];
} slab_none_storage = { .s = { .name = "(no slab)" } };
struct kmem_cache *const slab_no_cache = &slab_none_storage.s;
static unsigned long slab_frame_pfns;
static size_t slab_frame_bytes;		/* the reservation, from: */
static void *slab_frame_zero;		/* read-only page holding the bias */

const char *const slub_stat_names[NR_SLUB_STAT_ITEMS] = {
	"alloc_fastpath", "alloc_slowpath", "free_fastpath", "free_slowpath",
	"free_remote", "free_frozen", "free_add_partial",
	"free_remove_partial", "alloc_from_partial", "alloc_refill",
	"alloc_cpu_partial", "alloc_slab", "free_slab", "cpuslab_flush",
	"deactivate_full", "deactivate_empty", "cpu_partial_free",
	"cpu_partial_drain", "order_fallback", "alloc_cpu_sheaf",
	"free_cpu_sheaf", "sheaf_refill", "sheaf_flush", "barn_get",
	"barn_put",
};

/* ------------------------------------------------------------------ */
/* Reports                                                              */

void (*slab_report_hook)(const char *msg);
bool slab_panic_on_report;
unsigned long slab_nr_reports;

static const char rule_eq[] =
	"======================================================================"
	"=======";
static const char rule_dash[] =
	"----------------------------------------------------------------------"
	"-------";

void slab_report(struct kmem_cache *s, const void *object, const char *fmt,
		 ...)
{
	char what[256], msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%.77s\nBUG %s: %s\n%.77s\n"
		 "Object 0x%p cache %s object_size %u slab_size %u\n",
		 rule_eq, s ? s->name : "(unknown)", what, rule_dash, object,
		 s ? s->name : "(unknown)", s ? s->object_size : 0,
		 s ? s->size : 0);
	__atomic_fetch_add(&slab_nr_reports, 1, __ATOMIC_RELAXED);
	if (slab_report_hook)
		slab_report_hook(msg);
	else
		fputs(msg, stderr);
	if (slab_panic_on_report)
		abort();
}

/* ------------------------------------------------------------------ */
/* Slab words: (freelist, counters) read and swapped together           */

union slab_counters {
	unsigned long counters;
	struct {
		unsigned inuse : 16;
		unsigned objects : 15;
		unsigned frozen : 1;
	};
};

static inline void *slab_read_freelist(struct page *slab)
{
	return __atomic_load_n(&slab->freelist, __ATOMIC_ACQUIRE);
}

static inline unsigned long slab_read_counters(struct page *slab)
{
	return __atomic_load_n(&slab->counters, __ATOMIC_ACQUIRE);
}

/* Swap the 16-byte-aligned word pair at @p from (o1, o2) to (n1, n2). */
static inline bool cmpxchg_double(void *p, uintptr_t o1, unsigned long o2,
				  uintptr_t n1, unsigned long n2, int order)
{
	unsigned __int128 old = ((unsigned __int128)o2 << 64) | o1;
	unsigned __int128 new = ((unsigned __int128)n2 << 64) | n1;

#if defined(__x86_64__)
	(void)order;	/* lock cmpxchg16b is a full barrier */
	return __sync_bool_compare_and_swap((unsigned __int128 *)p, old, new);
#else
	return __atomic_compare_exchange_n((unsigned __int128 *)p, &old, new,
					   false, order, __ATOMIC_RELAXED);
#endif
}

static inline bool slab_cmpxchg(struct page *slab, void *old_fl,
				unsigned long old_cnt, void *new_fl,
				unsigned long new_cnt)
{
	return cmpxchg_double(&slab->freelist, (uintptr_t)old_fl, old_cnt,
			      (uintptr_t)new_fl, new_cnt, __ATOMIC_ACQ_REL);
}

_Static_assert(offsetof(struct page, counters) ==
	       offsetof(struct page, freelist) + sizeof(void *),
	       "freelist and counters must be adjacent");
_Static_assert(offsetof(struct page, freelist) % 16 == 0,
	       "freelist must be 16-byte aligned for cmpxchg16b");
_Static_assert(offsetof(struct kmem_cache_cpu, freelist) % 16 == 0 &&
	       offsetof(struct kmem_cache_cpu, tid) ==
	       offsetof(struct kmem_cache_cpu, freelist) + sizeof(void *),
	       "freelist and tid must be adjacent");

static inline unsigned int slab_order(const struct page *slab)
{
	return compound_order(slab);
}

static inline char *slab_address(const struct page *slab)
{
	return page_address(slab);
}

static inline bool slab_debug_cache(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_FLAGS;
}

static inline bool object_poisoned(const struct kmem_cache *s)
{
	return (s->flags & SLAB_POISON) && !(s->flags & SLAB_TYPESAFE_BY_RCU) &&
	       !s->ctor;
}

/* The node's "slab is on my partial list" bit (the kernel's
 * PG_workingset use); changed under list_lock. */
static inline bool slab_on_node_partial(const struct page *slab)
{
	return PageActive(slab);
}

static inline void add_partial(struct kmem_cache_node *n, struct page *slab,
			       bool tail)
{
	if (tail)
		list_add_tail(&slab->slab_list, &n->partial);
	else
		list_add(&slab->slab_list, &n->partial);
	SetPageActive(slab);
	__atomic_store_n(&n->nr_partial, n->nr_partial + 1, __ATOMIC_RELAXED);
}

static inline void remove_partial(struct kmem_cache_node *n,
				  struct page *slab)
{
	list_del(&slab->slab_list);
	ClearPageActive(slab);
	__atomic_store_n(&n->nr_partial, n->nr_partial - 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Debug: red zones, poison, tracks                                     */

static inline unsigned int info_end(const struct kmem_cache *s)
{
	return s->offset >= s->inuse ? s->inuse + (unsigned int)sizeof(void *)
				     : s->inuse;
}

static struct slab_track *get_track(struct kmem_cache *s, void *object,
				    int which)
{
	return (struct slab_track *)((char *)object + info_end(s)) + which;
}

static unsigned long slab_track_seq;

static void set_track(struct kmem_cache *s, void *object, int which,
		      unsigned long addr)
{
	struct slab_track *t;

	if (!(s->flags & SLAB_STORE_USER))
		return;
	t = get_track(s, object, which);
	t->addr = addr;
	t->handle = 0;
	t->cpu = smp_processor_id();
	t->pid = (int)getpid();
	t->when = __atomic_add_fetch(&slab_track_seq, 1, __ATOMIC_RELAXED);
}

/* After a report: the object's last allocation and free (STORE_USER) */
static void report_tracks(struct kmem_cache *s, void *object)
{
	static const char *const what[2] = { "Allocated", "Freed" };
	char msg[256];

	if (!(s->flags & SLAB_STORE_USER))
		return;
	for (int i = 0; i < 2; i++) {
		struct slab_track *t = get_track(s, object, i);

		if (!t->addr)
			continue;
		snprintf(msg, sizeof(msg), "INFO: %s by 0x%lx seq=%lu cpu=%d "
			 "pid=%d\n", what[i], t->addr, t->when, t->cpu, t->pid);
		if (slab_report_hook)
			slab_report_hook(msg);
		else
			fputs(msg, stderr);
	}
}

/* Fill the object's debug areas: red zones with @val, poison if free. */
static void init_object(struct kmem_cache *s, void *object, uint8_t val)
{
	uint8_t *p = object;

	if (s->flags & SLAB_RED_ZONE) {
		memset(p - s->red_left_pad, val, s->red_left_pad);
		memset(p + s->object_size, val, s->inuse - s->object_size);
	}
	if (object_poisoned(s) && val == SLUB_RED_INACTIVE) {
		memset(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
}

static const uint8_t *first_mismatch(const uint8_t *p, uint8_t val,
				     size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != val)
			return p + i;
	return NULL;
}

/* Check red zones (expecting @val) and poison; report; false if bad. */
static bool check_object(struct kmem_cache *s, void *object, uint8_t val)
{
	uint8_t *p = object;
	const uint8_t *bad;

	if (s->flags & SLAB_RED_ZONE) {
		bad = first_mismatch(p - s->red_left_pad, val, s->red_left_pad);
		if (bad) {
			slab_report(s, object, "Left Redzone overwritten "
				    "(0x%02x at offset %td, expected 0x%02x)",
				    *bad, bad - p, val);
			return false;
		}
		bad = first_mismatch(p + s->object_size, val,
				     s->inuse - s->object_size);
		if (bad) {
			slab_report(s, object, "Right Redzone overwritten "
				    "(0x%02x at offset %td, expected 0x%02x)",
				    *bad, bad - p, val);
			return false;
		}
	}
	if (object_poisoned(s) && val == SLUB_RED_INACTIVE) {
		bad = first_mismatch(p, POISON_FREE, s->object_size - 1);
		if (!bad && p[s->object_size - 1] != POISON_END)
			bad = p + s->object_size - 1;
		if (bad) {
			slab_report(s, object, "Poison overwritten "
				    "(0x%02x at offset %td): use after free",
				    *bad, bad - p);
			return false;
		}
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Objects in a slab                                                    */

static inline void *slab_object(struct kmem_cache *s, char *base,
				unsigned int i)
{
	return base + s->red_left_pad + (size_t)i * s->size;
}

static inline unsigned int slab_objects(struct page *slab)
{
	union slab_counters c = { .counters = slab_read_counters(slab) };

	return c.objects;
}

/* Index of @x in @slab, or -1 if it is no object start. */
static long object_index(struct kmem_cache *s, struct page *slab,
			 const void *x)
{
	const char *base = slab_address(slab);
	uintptr_t off;

	if ((const char *)x < base + s->red_left_pad)
		return -1;
	off = (uintptr_t)((const char *)x - base - s->red_left_pad);
	if (off % s->size || off / s->size >= slab_objects(slab))
		return -1;
	return (long)(off / s->size);
}

static uint64_t slab_rand(void)
{
	static __thread uint64_t x;

	if (!x)
		x = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&x;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/*
 * Link the objects of a new slab into its freelist, from object @first on
 * (the ones before are handed out at once); run constructors.
 */
static void *build_freelist(struct kmem_cache *s, char *base,
			    unsigned int first, unsigned int objects)
{
	unsigned int order_buf[64], *order = order_buf;
	void *head = NULL;

	for (unsigned int i = 0; i < objects; i++) {
		void *p = slab_object(s, base, i);

		if (slab_debug_cache(s))
			init_object(s, p, SLUB_RED_INACTIVE);
		if (s->flags & SLAB_STORE_USER)
			memset(get_track(s, p, 0), 0,
			       2 * sizeof(struct slab_track));
		if (s->ctor)
			s->ctor(p);
	}
	if (s->flags & SLAB_FREELIST_RANDOM) {
		if (objects > ARRAY_SIZE(order_buf)) {
			order = malloc(objects * sizeof(*order));
			if (!order)
				goto sequential;
		}
		for (unsigned int i = 0; i < objects; i++)
			order[i] = i;
		for (unsigned int i = objects - 1; i > 0; i--) {
			unsigned int j = (unsigned int)(slab_rand() % (i + 1));
			unsigned int t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (unsigned int i = objects; i-- > 0;) {
			void *p = slab_object(s, base, order[i]);

			set_freepointer(s, p, head);
			head = p;
		}
		if (order != order_buf)
			free(order);
		return head;
	}
sequential:
	for (unsigned int i = objects; i-- > first;) {
		void *p = slab_object(s, base, i);

		set_freepointer(s, p, head);
		head = p;
	}
	return head;
}

/*
 * A new slab, not on any list, not frozen.  With @sh (a sheaf with room,
 * sequential freelists only) its first objects go straight into @sh, as
 * the kernel's refill from a new slab does: only the rest are linked into
 * the freelist.  Otherwise all objects are free.
 */
static struct page *new_slab_take(struct kmem_cache *s, gfp_t gfp,
				  struct slab_sheaf *sh)
{
	gfp_t flags = (gfp & ~(GFP_ZONEMASK | __GFP_ZERO | __GFP_COMP)) |
		      s->allocflags;
	unsigned int order = s->order, objects = s->objects, take = 0;
	union slab_counters cnt = { .counters = 0 };
	struct page *slab;
	unsigned long pfn;

	slab = alloc_pages(order > s->min_order ?
			   flags | __GFP_NOWARN | __GFP_NORETRY : flags, order);
	if (!slab && order > s->min_order) {
		order = s->min_order;
		objects = s->min_objects;
		slab = alloc_pages(flags, order);
		if (slab)
			slab_stat(slab_this_cpu(s), ORDER_FALLBACK);
	}
	if (!slab)
		return NULL;
	slab->slab_cache = s;
	if (sh && !(s->flags & SLAB_FREELIST_RANDOM)) {
		take = min_t(unsigned int, objects, sh->capacity - sh->size);
		for (unsigned int i = 0; i < take; i++)
			sh->objects[sh->size++] =
				slab_object(s, slab_address(slab), i);
	}
	cnt.objects = objects;
	cnt.inuse = take;
	cnt.frozen = 0;
	__atomic_store_n(&slab->counters, cnt.counters, __ATOMIC_RELAXED);
	__atomic_store_n(&slab->freelist,
			 build_freelist(s, slab_address(slab), take, objects),
			 __ATOMIC_RELAXED);
	INIT_LIST_HEAD(&slab->slab_list);
	SetPageSlab(slab);
	pfn = page_to_pfn(slab);
	for (unsigned long i = 0; i < (1UL << order); i++)
		__atomic_store_n(&slab_frame_cache[pfn + i], s,
				 __ATOMIC_RELEASE);
	__atomic_fetch_add(&s->node.nr_slabs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->node.total_objects, (long)objects,
			   __ATOMIC_RELAXED);
	slab_stat(slab_this_cpu(s), ALLOC_SLAB);
	kmm_last_alloc_path = SLAB_PATH_NEW_SLAB;
	return slab;
}

static struct page *new_slab(struct kmem_cache *s, gfp_t gfp)
{
	return new_slab_take(s, gfp, NULL);
}

static void discard_slab(struct kmem_cache *s, struct page *slab)
{
	unsigned int order = slab_order(slab);
	unsigned long pfn = page_to_pfn(slab);

	__atomic_fetch_sub(&s->node.nr_slabs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&s->node.total_objects, (long)slab_objects(slab),
			   __ATOMIC_RELAXED);
	for (unsigned long i = 0; i < (1UL << order); i++)
		__atomic_store_n(&slab_frame_cache[pfn + i], slab_no_cache,
				 __ATOMIC_RELAXED);
	ClearPageSlab(slab);
	ClearPageActive(slab);
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	INIT_LIST_HEAD(&slab->slab_list);
	list_set_next(&slab->slab_list, NULL);
	slab->slab_list.prev = NULL;
	__free_pages(slab, order);
	slab_stat(slab_this_cpu(s), FREE_SLAB);
}

/* ------------------------------------------------------------------ */
/* CPU slab and partial lists                                           */

/* Take a not-frozen slab's whole freelist and freeze it; NULL if full. */
static void *freeze_slab(struct page *slab)
{
	union slab_counters old, new;
	void *fl;

	do {
		fl = slab_read_freelist(slab);
		old.counters = slab_read_counters(slab);
		if (!fl)
			return NULL;
		new.counters = old.counters;
		new.inuse = new.objects;
		new.frozen = 1;
	} while (!slab_cmpxchg(slab, fl, old.counters, NULL, new.counters));
	return fl;
}

/* Take the remote frees of the frozen CPU slab; unfreeze it when none. */
static void *get_freelist(struct page *slab)
{
	union slab_counters old, new;
	void *fl;

	do {
		fl = slab_read_freelist(slab);
		old.counters = slab_read_counters(slab);
		new.counters = old.counters;
		new.inuse = new.objects;
		new.frozen = fl != NULL;
	} while (!slab_cmpxchg(slab, fl, old.counters, NULL, new.counters));
	return fl;
}

static inline void set_cpu_slab(struct kmem_cache_cpu *c, struct page *slab)
{
	c->slab = slab;
	c->slab_base = slab ? slab_address(slab) : NULL;
	c->slab_bytes = slab ? PAGE_SIZE << slab_order(slab) : 0;
}

/* Move the CPU partial list to the node list, freeing surplus empties. */
static void put_partials(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct kmem_cache_node *n = &s->node;
	struct page *slab, *next, *discard = NULL;

	if (!c->partial)
		return;
	pthread_mutex_lock(&n->list_lock);
	for (slab = c->partial; slab; slab = next) {
		union slab_counters cnt;

		next = (struct page *)slab->slab_list.next;
		cnt.counters = slab_read_counters(slab);
		if (!cnt.inuse && n->nr_partial >= s->min_partial) {
			list_set_next(&slab->slab_list,
				      (struct list_head *)discard);
			discard = slab;
		} else {
			add_partial(n, slab, true);
		}
	}
	pthread_mutex_unlock(&n->list_lock);
	c->partial = NULL;
	c->nr_partial = 0;
	slab_stat(c, CPU_PARTIAL_DRAIN);
	for (slab = discard; slab; slab = next) {
		next = (struct page *)slab->slab_list.next;
		discard_slab(s, slab);
	}
}

static void put_cpu_partial(struct kmem_cache *s, struct page *slab)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);

	if (c->nr_partial >= s->cpu_partial_slabs)
		put_partials(s, c);
	list_set_next(&slab->slab_list, (struct list_head *)c->partial);
	slab->slab_list.prev = NULL;
	c->partial = slab;
	c->nr_partial++;
}

/*
 * Give the CPU slab back: splice c->freelist into slab->freelist and
 * unfreeze; then free it, put it on the node list, or leave it full.
 */
static void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct kmem_cache_node *n = &s->node;
	struct page *slab = c->slab;
	void *freelist = c->freelist, *tail = NULL, *p, *old_fl, *fl;
	union slab_counters old, new;
	unsigned int free_delta = 0;

	if (!slab)
		return;
	for (p = freelist; p; p = get_freepointer(s, p)) {
		tail = p;
		free_delta++;
	}
	do {
		old_fl = slab_read_freelist(slab);
		old.counters = slab_read_counters(slab);
		new.counters = old.counters;
		new.frozen = 0;
		fl = old_fl;
		if (tail) {
			new.inuse -= free_delta;
			set_freepointer(s, tail, old_fl);
			fl = freelist;
		}
	} while (!slab_cmpxchg(slab, old_fl, old.counters, fl, new.counters));
	set_cpu_slab(c, NULL);
	c->freelist = NULL;
	c->tid++;
	if (!new.inuse && __atomic_load_n(&n->nr_partial, __ATOMIC_RELAXED) >=
	    s->min_partial) {
		slab_stat(c, DEACTIVATE_EMPTY);
		discard_slab(s, slab);
	} else if (fl) {
		pthread_mutex_lock(&n->list_lock);
		add_partial(n, slab, true);
		pthread_mutex_unlock(&n->list_lock);
	} else {
		slab_stat(c, DEACTIVATE_FULL);
	}
}

/* Take a slab off the node list, and more for the CPU partial list. */
static struct page *get_partial_node(struct kmem_cache *s,
				     struct kmem_cache_cpu *c)
{
	struct kmem_cache_node *n = &s->node;
	struct page *slab, *first = NULL;
	struct list_head *cur, *nxt;

	if (!__atomic_load_n(&n->nr_partial, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&n->list_lock);
	slab_list_for_each(slab, cur, nxt, &n->partial, struct page, slab_list) {
		remove_partial(n, slab);
		if (!first) {
			first = slab;
		} else {
			list_set_next(&slab->slab_list,
				      (struct list_head *)c->partial);
			slab->slab_list.prev = NULL;
			c->partial = slab;
			c->nr_partial++;
		}
		if (c->nr_partial > s->cpu_partial_slabs / 2)
			break;
	}
	pthread_mutex_unlock(&n->list_lock);
	return first;
}

static __cold void slab_out_of_memory(struct kmem_cache *s, gfp_t gfp)
{
	if (gfp & __GFP_NOWARN)
		return;
	fprintf(stderr, "SLUB: Unable to allocate memory on node -1, "
		"gfp=%#x\n  cache: %s, object size: %u, buffer size: %u, "
		"default order: %u, min order: %u\n", gfp, s->name,
		s->object_size, s->size, s->order, s->min_order);
}

/* ------------------------------------------------------------------ */
/* Debug caches: everything under the node lock                         */

static void *alloc_debug(struct kmem_cache *s, gfp_t gfp)
{
	struct kmem_cache_node *n = &s->node;
	union slab_counters cnt;
	struct page *slab;
	void *object;

	pthread_mutex_lock(&n->list_lock);
	if (list_empty(&n->partial)) {
		pthread_mutex_unlock(&n->list_lock);
		slab = new_slab(s, gfp);
		if (!slab) {
			slab_out_of_memory(s, gfp);
			return NULL;
		}
		pthread_mutex_lock(&n->list_lock);
		add_partial(n, slab, false);
	}
	slab = list_first_entry(&n->partial, struct page, slab_list);
	object = slab->freelist;
	slab->freelist = get_freepointer(s, object);
	cnt.counters = slab->counters;
	cnt.inuse++;
	slab->counters = cnt.counters;
	if (!slab->freelist) {
		remove_partial(n, slab);
		list_add(&slab->slab_list, &n->full);
	}
	pthread_mutex_unlock(&n->list_lock);

	if (!check_object(s, object, SLUB_RED_INACTIVE)) {
		/* corrupted: leak it (as the kernel does) and try another */
		report_tracks(s, object);
		return alloc_debug(s, gfp);
	}
	init_object(s, object, SLUB_RED_ACTIVE);
	set_track(s, object, 0, (unsigned long)__builtin_return_address(0));
	return object;
}

static bool on_freelist(struct kmem_cache *s, struct page *slab, void *x)
{
	unsigned int n = 0, max = slab_objects(slab);

	for (void *p = slab->freelist; p && n <= max;
	     p = get_freepointer(s, p), n++)
		if (p == x)
			return true;
	return false;
}

static void free_debug(struct kmem_cache *s, struct page *slab, void *x)
{
	struct kmem_cache_node *n = &s->node;
	union slab_counters cnt;
	bool was_full;

	pthread_mutex_lock(&n->list_lock);
	if (on_freelist(s, slab, x)) {
		pthread_mutex_unlock(&n->list_lock);
		slab_report(s, x, "Object already free (double free)");
		report_tracks(s, x);
		return;
	}
	if (!check_object(s, x, SLUB_RED_ACTIVE)) {
		pthread_mutex_unlock(&n->list_lock);
		report_tracks(s, x);
		return;
	}
	set_track(s, x, 1, (unsigned long)__builtin_return_address(0));
	init_object(s, x, SLUB_RED_INACTIVE);
	was_full = !slab->freelist;
	set_freepointer(s, x, slab->freelist);
	slab->freelist = x;
	cnt.counters = slab->counters;
	cnt.inuse--;
	slab->counters = cnt.counters;
	if (was_full) {
		list_del(&slab->slab_list);
		add_partial(n, slab, true);
	}
	if (!cnt.inuse && n->nr_partial > s->min_partial) {
		remove_partial(n, slab);
		pthread_mutex_unlock(&n->list_lock);
		discard_slab(s, slab);
		return;
	}
	pthread_mutex_unlock(&n->list_lock);
}

__cold void slab_bug_double_free(struct kmem_cache *s, void *x)
{
	slab_report(s, x, "double free or corruption (object 0x%p)", x);
}

/* KMM_DEBUG >= 3 on a one-CPU machine: the checker after every slow-path
 * operation (it needs the other CPUs quiescent, so not with more) */
static inline void slab_debug_check(struct kmem_cache *s)
{
#if KMM_DEBUG >= 3
	if (kmm_nr_cpus() == 1 && slab_check_cache(s))
		slab_report(s, NULL, "invariant checker failed");
#else
	(void)s;
#endif
}

/* ------------------------------------------------------------------ */
/* Slow paths                                                           */

/* ___slab_alloc: the CPU freelist is empty. */
/* ------------------------------------------------------------------ */
/* Sheaves: per-CPU arrays of free objects, and the node's barn         */

static void do_slab_free(struct kmem_cache *s, struct page *slab, void *x,
			 void *tail, unsigned int cnt);

/* The kernel's struct slab_sheaf header is 32 bytes on 64-bit; capacities
 * are rounded up so that a sheaf fills a kmalloc size class exactly. */
#define SHEAF_HEADER_BYTES	32u

unsigned int slab_sheaf_capacity(unsigned int size)
{
	unsigned int cap;
	size_t bytes;

	if (size >= PAGE_SIZE)
		cap = 4;
	else if (size >= 1024)
		cap = 12;
	else if (size >= 256)
		cap = 26;
	else
		cap = 60;
	bytes = kmalloc_size_roundup(SHEAF_HEADER_BYTES + cap * sizeof(void *));
	return (unsigned int)((bytes - SHEAF_HEADER_BYTES) / sizeof(void *));
}

/*
 * Sheaves live in host memory, not in the simulated machine's: a block
 * made with the cache holds as many as can be in use at once (main, spare
 * and one in hand per CPU, a full barn); malloc only past that.
 */
static size_t sheaf_bytes(const struct kmem_cache *s)
{
	return ALIGN(sizeof(struct slab_sheaf) +
		     s->sheaf_capacity * sizeof(void *), (size_t)64);
}

static void sheaf_init(struct kmem_cache *s, struct slab_sheaf *sh,
		       bool pooled)
{
	INIT_LIST_HEAD(&sh->barn_list);
	sh->capacity = s->sheaf_capacity;
	sh->size = 0;
	sh->pooled = pooled;
}

static int sheaf_pool_init(struct kmem_cache *s, int nr_cpus)
{
	size_t n = 3 * (size_t)nr_cpus + BARN_MAX_FULL + BARN_MAX_EMPTY;
	size_t bytes = sheaf_bytes(s);
	char *block = aligned_alloc(64, n * bytes);

	s->barn.block = block;
	if (!block)
		return -ENOMEM;
	memset(block, 0, n * bytes);		/* present before any use */
	for (size_t i = 0; i < n; i++) {
		struct slab_sheaf *sh = (struct slab_sheaf *)(block + i * bytes);

		sheaf_init(s, sh, true);
		list_add_tail(&sh->barn_list, &s->barn.unused);
	}
	return 0;
}

static struct slab_sheaf *sheaf_new(struct kmem_cache *s)
{
	struct slab_sheaf *sh = NULL;

	pthread_mutex_lock(&s->barn.lock);
	if (!list_empty(&s->barn.unused)) {
		sh = list_entry(s->barn.unused.next, struct slab_sheaf,
				barn_list);
		list_del(&sh->barn_list);
	}
	pthread_mutex_unlock(&s->barn.lock);
	if (sh) {
		sheaf_init(s, sh, true);
		return sh;
	}
	sh = malloc(sheaf_bytes(s));
	if (sh)
		sheaf_init(s, sh, false);
	return sh;
}

/* An empty sheaf no longer used */
static void sheaf_put(struct kmem_cache *s, struct slab_sheaf *sh)
{
	if (!sh)
		return;
	if (!sh->pooled) {
		free(sh);
		return;
	}
	pthread_mutex_lock(&s->barn.lock);
	list_add(&sh->barn_list, &s->barn.unused);
	pthread_mutex_unlock(&s->barn.lock);
}

/*
 * Free every object of @sh to its slab, as the kernel's bulk free does:
 * the objects of one slab (found looking back through the array, giving
 * up after 3 of other slabs) are linked into a detached freelist first,
 * then given to the slab with one cmpxchg.  The links are plain stores
 * that overlap their cache misses; a cmpxchg per object would wait for
 * each.
 */
static void sheaf_flush(struct kmem_cache *s, struct slab_sheaf *sh)
{
	void **v;

	if (!sh || !sh->size)
		return;
	slab_stat(slab_this_cpu(s), SHEAF_FLUSH);
	v = sh->objects;
	for (int i = (int)sh->size - 1; i >= 0; i--) {
		void *head = v[i], *tail = v[i];
		struct page *slab;
		char *base;
		size_t bytes;
		unsigned int cnt = 1, misses = 0;

		if (!head)
			continue;
		slab = compound_head(virt_to_page(head));
		base = slab_address(slab);
		bytes = PAGE_SIZE << slab_order(slab);
		for (int j = i - 1; j >= 0 && misses < 3; j--) {
			void *x = v[j];

			if (!x)
				continue;
			if ((uintptr_t)((char *)x - base) >= bytes) {
				misses++;
				continue;
			}
			set_freepointer(s, x, head);
			head = x;
			v[j] = NULL;
			cnt++;
		}
		do_slab_free(s, slab, head, tail, cnt);
	}
	sh->size = 0;
}

/* Give the barn sheaf @sh (full or empty); false when that list is full */
static bool barn_put(struct kmem_cache *s, struct slab_sheaf *sh)
{
	struct node_barn *b = &s->barn;
	bool full = sh->size == sh->capacity, ok;

	pthread_mutex_lock(&b->lock);
	ok = full ? b->nr_full < BARN_MAX_FULL : b->nr_empty < BARN_MAX_EMPTY;
	/* the counts are read without the lock (barn_get's quick test) */
	if (ok && full) {
		list_add(&sh->barn_list, &b->full);
		__atomic_store_n(&b->nr_full, b->nr_full + 1, __ATOMIC_RELAXED);
	} else if (ok) {
		list_add(&sh->barn_list, &b->empty);
		__atomic_store_n(&b->nr_empty, b->nr_empty + 1,
				 __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&b->lock);
	if (ok)
		slab_stat(slab_this_cpu(s), BARN_PUT);
	return ok;
}

/* A full (@full) or empty sheaf from the barn, or NULL */
static struct slab_sheaf *barn_get(struct kmem_cache *s, bool full)
{
	struct node_barn *b = &s->barn;
	struct list_head *head = full ? &b->full : &b->empty;
	struct slab_sheaf *sh = NULL;

	if (!__atomic_load_n(full ? &b->nr_full : &b->nr_empty,
			     __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&b->lock);
	if (!list_empty(head)) {
		sh = list_entry(head->next, struct slab_sheaf, barn_list);
		list_del(&sh->barn_list);
		if (full)
			__atomic_store_n(&b->nr_full, b->nr_full - 1,
					 __ATOMIC_RELAXED);
		else
			__atomic_store_n(&b->nr_empty, b->nr_empty - 1,
					 __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&b->lock);
	if (sh)
		slab_stat(slab_this_cpu(s), BARN_GET);
	return sh;
}

/*
 * Take up to @room free objects of @slab (off every list, not frozen) into
 * @sh; a slab left with free objects goes back on the node list.
 */
static void sheaf_take(struct kmem_cache *s, struct page *slab,
		       struct slab_sheaf *sh, unsigned int room)
{
	union slab_counters old, new;
	unsigned int k;
	void *fl, *last, *rest;

	do {
		fl = slab_read_freelist(slab);
		old.counters = slab_read_counters(slab);
		if (!fl)
			return;
		last = fl;
		for (k = 1; k < room; k++) {
			void *nx = get_freepointer(s, last);

			if (!nx)
				break;
			last = nx;
		}
		rest = get_freepointer(s, last);
		new.counters = old.counters;
		new.inuse += k;
	} while (!slab_cmpxchg(slab, fl, old.counters, rest, new.counters));
	for (void *p = fl;; p = get_freepointer(s, p)) {
		sh->objects[sh->size++] = p;
		if (!--k)
			break;
	}
	if (rest) {
		pthread_mutex_lock(&s->node.list_lock);
		add_partial(&s->node, slab, false);
		pthread_mutex_unlock(&s->node.list_lock);
	}
}

/*
 * Fill @sh from the node's partial slabs, then new slabs.  Returns false
 * when not one object could be had.
 */
static bool sheaf_refill(struct kmem_cache *s, struct slab_sheaf *sh,
			 gfp_t gfp)
{
	struct kmem_cache_node *n = &s->node;

	kmm_last_alloc_path = SLAB_PATH_SLOW;
	slab_stat(slab_this_cpu(s), SHEAF_REFILL);
	while (sh->size < sh->capacity) {
		struct page *slab = NULL;

		if (__atomic_load_n(&n->nr_partial, __ATOMIC_RELAXED)) {
			pthread_mutex_lock(&n->list_lock);
			if (!list_empty(&n->partial)) {
				slab = list_entry(n->partial.next, struct page,
						  slab_list);
				remove_partial(n, slab);
			}
			pthread_mutex_unlock(&n->list_lock);
			if (slab)
				slab_stat(slab_this_cpu(s), ALLOC_FROM_PARTIAL);
		}
		if (!slab) {
			unsigned int had = sh->size;

			slab = new_slab_take(s, gfp, sh);
			if (!slab)
				break;
			if (sh->size > had) {
				/* objects taken at creation: the rest, if
				 * any, go on the node list */
				if (slab_read_freelist(slab)) {
					pthread_mutex_lock(&n->list_lock);
					add_partial(n, slab, false);
					pthread_mutex_unlock(&n->list_lock);
				}
				continue;
			}
		}
		sheaf_take(s, slab, sh, sh->capacity - sh->size);
	}
	return sh->size > 0;
}

/* Allocation when the cache has sheaves (its CPU freelist is always empty,
 * so the inline fast path sends every allocation here). */
static __noinline void *sheaf_alloc(struct kmem_cache *s,
				    struct kmem_cache_cpu *c, gfp_t gfp)
{
	struct slab_sheaf *m = c->main;

	if (unlikely(!m->size)) {
		struct slab_sheaf *full;

		if (c->spare && c->spare->size) {
			c->main = c->spare;
			c->spare = m;
		} else if ((full = barn_get(s, true))) {
			/* the empty main goes to the barn or becomes spare */
			if (!c->spare)
				c->spare = m;
			else if (!barn_put(s, m))
				sheaf_put(s, m);
			c->main = full;
		} else if (!sheaf_refill(s, m, gfp)) {
			slab_out_of_memory(s, gfp);
			return NULL;
		}
		m = c->main;
	}
	slab_stat(c, ALLOC_PCS);
	return m->objects[--m->size];
}

/* A free to a cache with sheaves: @x is checked to be an object of @s. */
static __noinline void sheaf_free(struct kmem_cache *s,
				  struct kmem_cache_cpu *c, void *x)
{
	struct slab_sheaf *m = c->main;

	/* the hardened-freelist check, on the sheaf: freeing the object
	 * freed last */
	if (unlikely(m->size && m->objects[m->size - 1] == x)) {
		slab_bug_double_free(s, x);
		return;
	}
	if (unlikely(m->size == m->capacity)) {
		struct slab_sheaf *empty;

		if (c->spare && !c->spare->size) {
			c->main = c->spare;
			c->spare = m;
		} else {
			empty = barn_get(s, false);
			if (!empty)
				empty = sheaf_new(s);
			if (!empty) {
				sheaf_flush(s, m);	/* no memory: main stays */
			} else if (!c->spare) {
				c->spare = m;		/* full spare */
				c->main = empty;
			} else if (barn_put(s, m)) {
				c->main = empty;
			} else {
				/* the barn has its fill of full sheaves */
				sheaf_flush(s, m);
				if (!barn_put(s, empty))
					sheaf_put(s, empty);
			}
		}
		m = c->main;
	}
	m->objects[m->size++] = x;
	slab_stat(c, FREE_PCS);
}

void *__slab_alloc(struct kmem_cache *s, gfp_t gfp)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);
	struct page *slab;
	void *freelist;

	if (c->main)
		return sheaf_alloc(s, c, gfp);
	kmm_last_alloc_path = SLAB_PATH_SLOW;
	slab_stat(c, ALLOC_SLOWPATH);
	if (slab_debug_cache(s))
		return alloc_debug(s, gfp);

	slab = c->slab;
	if (slab) {
		freelist = get_freelist(slab);
		if (freelist) {
			slab_stat(c, ALLOC_REFILL);
			goto load_freelist;
		}
		/* full and now unfrozen: on no list */
		set_cpu_slab(c, NULL);
		slab_stat(c, DEACTIVATE_FULL);
	}
	while (c->partial) {
		slab = c->partial;
		c->partial = (struct page *)slab->slab_list.next;
		c->nr_partial--;
		freelist = freeze_slab(slab);
		if (freelist) {
			slab_stat(c, ALLOC_CPU_PARTIAL);
			goto new_cpu_slab;
		}
	}
	while ((slab = get_partial_node(s, c))) {
		freelist = freeze_slab(slab);
		if (freelist) {
			slab_stat(c, ALLOC_FROM_PARTIAL);
			goto new_cpu_slab;
		}
	}
	/* rechecks the CPU partial list the node list may have filled */
	while (c->partial) {
		slab = c->partial;
		c->partial = (struct page *)slab->slab_list.next;
		c->nr_partial--;
		freelist = freeze_slab(slab);
		if (freelist)
			goto new_cpu_slab;
	}

	slab = new_slab(s, gfp);
	if (unlikely(!slab)) {
		slab_out_of_memory(s, gfp);
		return NULL;
	}
	freelist = freeze_slab(slab);

new_cpu_slab:
	set_cpu_slab(c, slab);
load_freelist:
	c->freelist = get_freepointer(s, freelist);
	c->tid++;
	slab_debug_check(s);
	return freelist;
}

static __cold void bad_free(struct kmem_cache *s, const void *x,
			    struct page *slab)
{
	struct kmem_cache *owner = slab && PageSlab(slab) ?
				   slab->slab_cache : NULL;

	if (!owner)
		slab_report(s, x, "Invalid object pointer 0x%p: not in a slab",
			    x);
	else if (owner != s)
		slab_report(s, x, "Wrong slab cache. %s but object is from %s",
			    s->name, owner->name);
	else
		slab_report(s, x, "Invalid object pointer 0x%p: not an "
			    "object start", x);
}

/* __slab_free: @x is not in this CPU's CPU slab. */
void __slab_free(struct kmem_cache *s, void *x)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);
	struct page *slab;

	if (s == slab_no_cache) {
		__kfree_slow(x);		/* kfree of no slab object */
		return;
	}
	if (unlikely(!virt_addr_valid(x))) {
		bad_free(s, x, NULL);
		return;
	}
	slab = compound_head(virt_to_page(x));
	if (unlikely(!PageSlab(slab) || slab->slab_cache != s ||
		     object_index(s, slab, x) < 0)) {
		bad_free(s, x, slab);
		return;
	}
	if (c->main) {
		sheaf_free(s, c, x);
		return;
	}
	slab_stat(c, FREE_SLOWPATH);
	if (slab_debug_cache(s)) {
		free_debug(s, slab, x);
		return;
	}
	do_slab_free(s, slab, x, x, 1);
}

/* Free @x (checked) to its slab @slab, which is not this CPU's CPU slab. */
/*
 * Free @cnt objects of @slab, linked from @x to @tail (@x alone when
 * @cnt is 1), to the slab's freelist; @slab is not this CPU's CPU slab.
 */
static void do_slab_free(struct kmem_cache *s, struct page *slab, void *x,
			 void *tail, unsigned int cnt)
{
	struct kmem_cache_cpu *c __maybe_unused = slab_this_cpu(s);
	struct kmem_cache_node *n = &s->node;
	union slab_counters old, new;
	bool was_frozen, locked, on_node_partial = false;
	void *prior;

	do {
		prior = slab_read_freelist(slab);
		old.counters = slab_read_counters(slab);
		set_freepointer(s, tail, prior);
		new.counters = old.counters;
		was_frozen = new.frozen;
		if (KMM_DEBUG >= 2 && unlikely(new.inuse < cnt)) {
			/* fewer objects of the slab are allocated */
			slab_bug_double_free(s, x);
			return;
		}
		new.inuse -= cnt;
		/* with sheaves there are no CPU partial lists: a full slab
		 * that gets a free object goes to the node list */
		locked = (!new.inuse && prior && !was_frozen) ||
			 (!prior && s->sheaf_capacity);
		if (locked) {
			pthread_mutex_lock(&n->list_lock);
			on_node_partial = slab_on_node_partial(slab);
		}
		if (slab_cmpxchg(slab, prior, old.counters, x, new.counters))
			break;
		if (locked)
			pthread_mutex_unlock(&n->list_lock);
	} while (1);

	if (likely(!locked)) {
		if (was_frozen) {
			/* the CPU slab of another CPU */
			slab_stat(c, FREE_REMOTE);
			slab_stat(c, FREE_FROZEN);
		} else if (!prior) {
			/* was full: now ours to allocate from */
			put_cpu_partial(s, slab);
			slab_stat(c, CPU_PARTIAL_FREE);
		}
		return;
	}
	if (!prior) {
		/* a full slab of a cache with sheaves */
		if (!new.inuse && n->nr_partial >= s->min_partial) {
			pthread_mutex_unlock(&n->list_lock);
			discard_slab(s, slab);
			return;
		}
		add_partial(n, slab, true);
		pthread_mutex_unlock(&n->list_lock);
		slab_stat(c, FREE_ADD_PARTIAL);
		return;
	}
	/* the slab became empty */
	if (!on_node_partial ||
	    n->nr_partial < s->min_partial) {
		/* on a CPU partial list (its owner frees it), or kept */
		pthread_mutex_unlock(&n->list_lock);
		return;
	}
	remove_partial(n, slab);
	pthread_mutex_unlock(&n->list_lock);
	slab_stat(c, FREE_REMOVE_PARTIAL);
	discard_slab(s, slab);
	slab_debug_check(s);
}

/*
 * The double-word cmpxchg fast paths, as SLUB does it under preemption:
 * (freelist, tid) swapped together.  Kept for the benchmark's comparison
 * (docs/slab.md); kmem_cache_alloc/free use the plain fast paths.
 */
static inline bool cpu_cmpxchg(struct kmem_cache_cpu *c, void *old_fl,
			       unsigned long old_tid, void *new_fl,
			       unsigned long new_tid)
{
	return cmpxchg_double(&c->freelist, (uintptr_t)old_fl, old_tid,
			      (uintptr_t)new_fl, new_tid, __ATOMIC_RELAXED);
}

void *kmem_cache_alloc_cas(struct kmem_cache *s, gfp_t gfp)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);
	unsigned long tid;
	void *object;

	do {
		tid = READ_ONCE(c->tid);
		object = READ_ONCE(c->freelist);
		if (unlikely(!object))
			return __slab_alloc(s, gfp);
	} while (!cpu_cmpxchg(c, object, tid, get_freepointer(s, object),
			      tid + 1));
	slab_stat(c, ALLOC_FASTPATH);
	return object;
}

void kmem_cache_free_cas(struct kmem_cache *s, void *x)
{
	struct kmem_cache_cpu *c = slab_this_cpu(s);
	unsigned long tid;
	void *fl;

	if (unlikely((uintptr_t)((char *)x - c->slab_base) >= c->slab_bytes)) {
		__slab_free(s, x);
		return;
	}
	do {
		tid = READ_ONCE(c->tid);
		fl = READ_ONCE(c->freelist);
		set_freepointer(s, x, fl);
	} while (!cpu_cmpxchg(c, fl, tid, x, tid + 1));
	slab_stat(c, FREE_FASTPATH);
}

int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t nr,
			  void **p)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		p[i] = kmem_cache_alloc(s, gfp);
		if (unlikely(!p[i])) {
			kmem_cache_free_bulk(s, i, p);
			return 0;
		}
	}
	return (int)nr;
}

void kmem_cache_free_bulk(struct kmem_cache *s, size_t nr, void **p)
{
	for (size_t i = 0; i < nr; i++)
		kmem_cache_free(s, p[i]);
}

/* ------------------------------------------------------------------ */
/* Creation, flush, shrink, shutdown                                    */

static unsigned int cpu_partial_objects(unsigned int size)
{
	if (size >= PAGE_SIZE)
		return 6;
	if (size >= 1024)
		return 24;
	if (size >= 256)
		return 52;
	return 120;
}

struct kmem_cache *__kmem_cache_create(const char *name,
				       unsigned int object_size,
				       const struct kmem_cache_args *args,
				       slab_flags_t flags)
{
	int nr_cpus = kmm_nr_cpus();
	struct slab_geometry g;
	struct kmem_cache *s;
	size_t bytes;

	/* an explicit free pointer offset keeps the pointer inside: lay the
	 * cache out as if it had no SLAB_TYPESAFE_BY_RCU */
	if (slab_calculate_geometry(&g, object_size, args->align,
				    args->use_freeptr_offset ?
				    flags & ~SLAB_TYPESAFE_BY_RCU : flags,
				    args->ctor != NULL, (unsigned int)nr_cpus))
		return NULL;
	bytes = sizeof(*s) + (size_t)nr_cpus * sizeof(struct kmem_cache_cpu);
	s = aligned_alloc(64, ALIGN(bytes, (size_t)64));
	if (!s)
		return NULL;
	memset(s, 0, bytes);
	for (int cpu = 0; cpu < nr_cpus; cpu++)
		s->cpu_ptr[cpu] = &s->cpu_slab[cpu];
	s->name = strdup(name);
	if (!s->name) {
		free(s);
		return NULL;
	}
	s->flags = flags;
	s->object_size = g.object_size;
	s->size = g.size;
	s->align = g.align;
	s->inuse = g.inuse;
	s->offset = g.offset;
	if ((flags & SLAB_TYPESAFE_BY_RCU) && args->use_freeptr_offset &&
	    !(flags & SLAB_POISON) && !args->ctor)
		s->offset = args->freeptr_offset;
	s->red_left_pad = g.red_left_pad;
	s->order = g.order;
	s->objects = g.objects;
	s->min_order = g.min_order;
	s->min_objects = g.min_objects;
	s->ctor = args->ctor;
	s->useroffset = args->useroffset;
	s->usersize = args->usersize;
	s->refcount = 1;
	s->random = slab_rand() | 1;
	s->allocflags = __GFP_COMP;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= __GFP_DMA;
	if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= __GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	/* set_min_partial(): ilog2(size) / 2 clamped to [5, 10] */
	s->min_partial = (unsigned int)ilog2_u64(s->size) / 2;
	if (s->min_partial < 5)
		s->min_partial = 5;
	if (s->min_partial > 10)
		s->min_partial = 10;
	s->cpu_partial_slabs = DIV_ROUND_UP(cpu_partial_objects(s->size) * 2,
					    s->objects);
	if (slab_debug_cache(s))
		s->cpu_partial_slabs = 0;
	if (!slab_debug_cache(s))
		s->sheaf_capacity = args->sheaf_capacity ? args->sheaf_capacity :
				    slab_sheaves_all ?
				    slab_sheaf_capacity(s->size) : 0;
	kmm_spinlock_init(&s->barn.lock);
	INIT_LIST_HEAD(&s->barn.full);
	INIT_LIST_HEAD(&s->barn.empty);
	INIT_LIST_HEAD(&s->barn.unused);
	if (s->sheaf_capacity) {
		if (sheaf_pool_init(s, nr_cpus)) {
			free((void *)s->name);
			free(s);
			return NULL;
		}
		for (int cpu = 0; cpu < nr_cpus; cpu++)
			s->cpu_slab[cpu].main = sheaf_new(s);
	}
	kmm_spinlock_init(&s->node.list_lock);
	INIT_LIST_HEAD(&s->node.partial);
	INIT_LIST_HEAD(&s->node.full);
	INIT_LIST_HEAD(&s->list);
	return s;
}

static void flush_cpu(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	if (c->main) {
		sheaf_flush(s, c->main);
		sheaf_flush(s, c->spare);
		sheaf_put(s, c->spare);
		c->spare = NULL;
	}
	if (c->slab) {
		slab_stat(c, CPUSLAB_FLUSH);
		deactivate_slab(s, c);
	}
	put_partials(s, c);
}

void slab_cpu_flush_all(struct kmem_cache *s)
{
	int cpu;

	for_each_possible_cpu(cpu)
		flush_cpu(s, &s->cpu_slab[cpu]);
	/* the barn: objects of its full sheaves to their slabs; no sheaf
	 * kept */
	for (;;) {
		struct slab_sheaf *sh = barn_get(s, true);

		if (!sh)
			sh = barn_get(s, false);
		if (!sh)
			break;
		sheaf_flush(s, sh);
		sheaf_put(s, sh);
	}
}

/* Free every empty slab on the node list (min_partial ignored). */
static void discard_empty_partials(struct kmem_cache *s)
{
	struct kmem_cache_node *n = &s->node;
	struct list_head *cur, *nxt;
	struct page *slab;
	LIST_HEAD(discard);

	pthread_mutex_lock(&n->list_lock);
	slab_list_for_each(slab, cur, nxt, &n->partial, struct page, slab_list) {
		union slab_counters cnt = {
			.counters = slab_read_counters(slab) };

		if (!cnt.inuse) {
			remove_partial(n, slab);
			list_add(&slab->slab_list, &discard);
		}
	}
	pthread_mutex_unlock(&n->list_lock);
	slab_list_for_each(slab, cur, nxt, &discard, struct page, slab_list)
		discard_slab(s, slab);
}

int kmem_cache_shrink(struct kmem_cache *s)
{
	slab_cpu_flush_all(s);
	discard_empty_partials(s);
	return 0;
}

int __kmem_cache_shutdown(struct kmem_cache *s, bool quiet)
{
	long left;

	kmem_cache_shrink(s);
	left = __atomic_load_n(&s->node.nr_slabs, __ATOMIC_RELAXED);
	if (left && !quiet) {
		struct slab_cache_info info;

		slab_cache_info(s, &info);
		slab_report(s, NULL, "Objects remaining in %s on "
			    "__kmem_cache_shutdown(): %lu objects in %ld slabs",
			    s->name, info.active_objs, left);
		fprintf(stderr, "kmem_cache_destroy %s: Slab cache still has "
			"objects when called from kmem_cache_destroy\n",
			s->name);
		return -EBUSY;
	}
	return 0;
}

void __kmem_cache_release(struct kmem_cache *s)
{
	int cpu;

	slab_cpu_flush_all(s);		/* frees spares and the barn's */
	for_each_possible_cpu(cpu)
		sheaf_put(s, s->cpu_slab[cpu].main);
	free(s->barn.block);
	pthread_mutex_destroy(&s->barn.lock);
	pthread_mutex_destroy(&s->node.list_lock);
	free((void *)s->name);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Initialisation                                                       */

static pthread_mutex_t slab_init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool slab_up;

/*
 * The frame table, indexed by a direct-map address >> PAGE_SHIFT from
 * slab_frame_bias.  Addresses below PAGE_SIZE (NULL, ZERO_SIZE_PTR) give
 * index 0, the word at slab_frame_bias itself: a read-only page of
 * slab_no_cache entries sits there, so kfree() needs no NULL test.  One
 * PROT_NONE reservation holds both, the table 8 * (base >> 12) bytes above
 * that page (about 16 GiB of address space, no memory, for a direct map
 * near the top of the address space); only the two parts are accessible.
 */
static void slab_frame_unmap(void)
{
	if (slab_frame_zero)
		munmap(slab_frame_zero, slab_frame_bytes);
	slab_frame_cache = NULL;
	slab_frame_zero = NULL;
	slab_frame_bias = 0;
	slab_frame_pfns = 0;
}

static int slab_frame_map(void)
{
	size_t below = ((uintptr_t)kmm_phys_base >> PAGE_SHIFT) *
		       sizeof(*slab_frame_cache);
	size_t lead = (PAGE_SIZE - (below & (PAGE_SIZE - 1))) &
		      (PAGE_SIZE - 1);	/* zero page start .. bias */
	size_t bytes = PAGE_ALIGN(max_pfn * sizeof(*slab_frame_cache));
	size_t span = lead + below + bytes;
	struct kmem_cache **e;
	char *r;

	if (below < PAGE_SIZE)		/* a direct map in the first 2 MiB */
		return -ENOMEM;
	r = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(r, PAGE_SIZE, PROT_READ | PROT_WRITE) ||
	    mprotect(r + lead + below, bytes, PROT_READ | PROT_WRITE)) {
		munmap(r, span);
		return -ENOMEM;
	}
	e = (struct kmem_cache **)r;
	for (size_t i = 0; i < PAGE_SIZE / sizeof(*e); i++)
		e[i] = slab_no_cache;
	mprotect(r, PAGE_SIZE, PROT_READ);
	slab_frame_zero = r;
	slab_frame_bytes = span;
	slab_frame_cache = (struct kmem_cache **)(r + lead + below);
	for (unsigned long pfn = 0; pfn < max_pfn; pfn++)
		slab_frame_cache[pfn] = slab_no_cache;
	slab_frame_pfns = max_pfn;
	slab_frame_bias = (uintptr_t)r + lead;
	return 0;
}

int kmem_cache_init(void)
{
	int ret = 0;

	if (__atomic_load_n(&slab_up, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&slab_init_lock);
	if (slab_up)
		goto out;
	if (!max_pfn || !mem_map) {
		fprintf(stderr, "kmem_cache_init: no memory (kmm_mem_init "
			"first)\n");
		ret = -ENOMEM;
		goto out;
	}
	ret = slab_frame_map();
	if (ret)
		goto out;
	for (int cpu = 0; cpu < KMM_MAX_CPUS; cpu++)
		slab_no_cache->cpu_ptr[cpu] = &slab_none_storage.cpu[cpu];
	__atomic_store_n(&slab_up, true, __ATOMIC_RELEASE);
	ret = kmalloc_init();
	if (ret)
		__atomic_store_n(&slab_up, false, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&slab_init_lock);
	return ret;
}

void slab_frame_exit(void)
{
	pthread_mutex_lock(&slab_init_lock);
	slab_frame_unmap();
	__atomic_store_n(&slab_up, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&slab_init_lock);
}

/* ------------------------------------------------------------------ */
/* Introspection and the invariant checker                              */

unsigned long slab_stat_sum(const struct kmem_cache *s,
			    enum slub_stat_item item)
{
	unsigned long sum = 0;
#if KMM_STATS
	int cpu;

	for_each_possible_cpu(cpu)
		sum += s->cpu_slab[cpu].stat[item];
#endif
	return sum;
}

static unsigned long list_len(struct kmem_cache *s, void *p,
			      unsigned long max)
{
	unsigned long n = 0;

	for (; p && n <= max; p = get_freepointer(s, p))
		n++;
	return n;
}

void slab_cache_info(struct kmem_cache *s, struct slab_cache_info *info)
{
	struct kmem_cache_node *n = &s->node;
	unsigned long free_objs = 0;
	struct list_head *cur, *nxt;
	struct page *slab;
	int cpu;

	memset(info, 0, sizeof(*info));
	info->name = s->name;
	info->object_size = s->object_size;
	info->size = s->size;
	info->objects_per_slab = s->objects;
	info->order = s->order;
	info->aliases = s->refcount - 1;
	info->num_slabs = (unsigned long)__atomic_load_n(&n->nr_slabs,
							  __ATOMIC_RELAXED);
	info->active_slabs = info->num_slabs;
	info->num_objs = (unsigned long)__atomic_load_n(&n->total_objects,
							 __ATOMIC_RELAXED);
	pthread_mutex_lock(&n->list_lock);
	slab_list_for_each(slab, cur, nxt, &n->partial, struct page, slab_list)
		free_objs += list_len(s, slab_read_freelist(slab),
				      slab_objects(slab));
	pthread_mutex_unlock(&n->list_lock);
	for_each_possible_cpu(cpu) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];

		if (c->slab) {
			free_objs += list_len(s, c->freelist, s->objects);
			free_objs += list_len(s, slab_read_freelist(c->slab),
					      s->objects);
		}
		for (slab = c->partial; slab;
		     slab = (struct page *)slab->slab_list.next)
			free_objs += list_len(s, slab_read_freelist(slab),
					      slab_objects(slab));
	}
	info->active_objs = info->num_objs > free_objs ?
			    info->num_objs - free_objs : 0;
	if (s->order == s->min_order) {
		info->pages = info->num_slabs << s->order;
	} else {
		/* slabs may have the fallback order: count exactly */
		for (unsigned long pfn = 0; pfn < slab_frame_pfns; pfn++)
			if (slab_frame_cache[pfn] == s)
				info->pages++;
	}
}

#define CHECK_FAIL(...)							\
	do {								\
		fprintf(stderr, "slab_check_cache: %s: ", s->name);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		bad++;							\
	} while (0)

/* Mark the objects of a freelist in @seen; count violations. */
static int check_freelist(struct kmem_cache *s, struct page *slab, void *p,
			  unsigned char *seen, unsigned long *len)
{
	unsigned int max = slab_objects(slab);
	int bad = 0;

	*len = 0;
	for (; p; p = get_freepointer(s, p)) {
		long i = object_index(s, slab, p);

		if (i < 0) {
			CHECK_FAIL("freelist of slab %p holds %p, no object "
				   "of it", (void *)slab, p);
			break;
		}
		if (seen[i]) {
			CHECK_FAIL("object %p is twice on freelists", p);
			break;
		}
		seen[i] = 1;
		if (++*len > max)
			break;
	}
	return bad;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* Append @sh's objects to @v (room for them checked by the caller) */
static int check_sheaf(struct kmem_cache *s, struct slab_sheaf *sh,
		       const char *what, int cpu, void **v, size_t *nv)
{
	int bad = 0;

	if (sh->capacity != s->sheaf_capacity || sh->size > sh->capacity) {
		CHECK_FAIL("%s sheaf of CPU %d: size %u, capacity %u (cache "
			   "%u)", what, cpu, sh->size, sh->capacity,
			   s->sheaf_capacity);
		return bad;
	}
	for (unsigned int i = 0; i < sh->size; i++)
		v[(*nv)++] = sh->objects[i];
	return bad;
}

/*
 * The sheaves' objects, sorted, in *@out (NULL when the cache has none):
 * each CPU has a main sheaf and no CPU slab; the barn's counts match its
 * lists; full barn sheaves are full, empty ones empty; no object twice.
 */
static int check_sheaves(struct kmem_cache *s, void ***out, size_t *nout)
{
	struct node_barn *b = &s->barn;
	unsigned int nfull = 0, nempty = 0;
	struct list_head *l;
	size_t nv = 0, room;
	void **v;
	int bad = 0, cpu;

	*out = NULL;
	*nout = 0;
	for_each_possible_cpu(cpu) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];

		if (!s->sheaf_capacity && (c->main || c->spare))
			CHECK_FAIL("CPU %d has sheaves, the cache none", cpu);
		if (s->sheaf_capacity && (!c->main || c->slab ||
					  c->freelist || c->partial))
			CHECK_FAIL("CPU %d: main sheaf %p, CPU slab %p, "
				   "freelist %p, partial %p", cpu,
				   (void *)c->main, (void *)c->slab,
				   c->freelist, (void *)c->partial);
	}
	if (!s->sheaf_capacity)
		return bad;
	pthread_mutex_lock(&b->lock);
	for (l = b->full.next; l != &b->full; l = l->next)
		nfull++;
	for (l = b->empty.next; l != &b->empty; l = l->next)
		nempty++;
	room = ((size_t)kmm_nr_cpus() * 2 + nfull) * s->sheaf_capacity + 1;
	v = malloc(room * sizeof(*v));
	if (!v) {
		pthread_mutex_unlock(&b->lock);
		return bad + 1;
	}
	if (nfull != b->nr_full || nempty != b->nr_empty ||
	    nfull > BARN_MAX_FULL || nempty > BARN_MAX_EMPTY)
		CHECK_FAIL("barn: nr_full %u nr_empty %u, listed %u and %u",
			   b->nr_full, b->nr_empty, nfull, nempty);
	for (l = b->full.next; l != &b->full; l = l->next) {
		struct slab_sheaf *sh = list_entry(l, struct slab_sheaf,
						   barn_list);

		if (sh->size != sh->capacity)
			CHECK_FAIL("barn: full sheaf with %u of %u", sh->size,
				   sh->capacity);
		bad += check_sheaf(s, sh, "barn", -1, v, &nv);
	}
	for (l = b->empty.next; l != &b->empty; l = l->next)
		if (list_entry(l, struct slab_sheaf, barn_list)->size)
			CHECK_FAIL("barn: empty sheaf holds objects");
	pthread_mutex_unlock(&b->lock);
	for_each_possible_cpu(cpu) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];

		if (c->main)
			bad += check_sheaf(s, c->main, "main", cpu, v, &nv);
		if (c->spare)
			bad += check_sheaf(s, c->spare, "spare", cpu, v, &nv);
	}
	qsort(v, nv, sizeof(*v), cmp_ptr);
	for (size_t i = 1; i < nv; i++)
		if (v[i] == v[i - 1])
			CHECK_FAIL("object %p is twice in sheaves", v[i]);
	*out = v;
	*nout = nv;
	return bad;
}

int slab_check_cache(struct kmem_cache *s)
{
	struct kmem_cache_node *n = &s->node;
	unsigned long slabs = 0, objects = 0, nr_partial = 0;
	struct list_head *cur, *nxt;
	unsigned char *seen;
	struct page *slab;
	int bad = 0, cpu;
	void **shv;
	size_t nshv, shv_found = 0;

	seen = malloc(32768);
	if (!seen)
		return 1;
	bad += check_sheaves(s, &shv, &nshv);
	pthread_mutex_lock(&n->list_lock);
	/* partial lists hold only partial, unfrozen slabs */
	slab_list_for_each(slab, cur, nxt, &n->partial, struct page, slab_list) {
		union slab_counters cnt = {
			.counters = slab_read_counters(slab) };

		nr_partial++;
		if (cnt.frozen || !slab_read_freelist(slab) ||
		    !slab_on_node_partial(slab) || slab->slab_cache != s)
			CHECK_FAIL("node partial slab %p: frozen %u, "
				   "freelist %p, flag %d", (void *)slab,
				   cnt.frozen, slab_read_freelist(slab),
				   slab_on_node_partial(slab));
	}
	if (nr_partial != n->nr_partial)
		CHECK_FAIL("nr_partial %lu but %lu on the list",
			   n->nr_partial, nr_partial);
	pthread_mutex_unlock(&n->list_lock);
	for_each_possible_cpu(cpu) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		unsigned int np = 0;

		if (s->cpu_ptr[cpu] != c)
			CHECK_FAIL("cpu_ptr[%d] is %p, not &cpu_slab[%d]", cpu,
				   (void *)s->cpu_ptr[cpu], cpu);

		for (slab = c->partial; slab;
		     slab = (struct page *)slab->slab_list.next) {
			union slab_counters cnt = {
				.counters = slab_read_counters(slab) };

			np++;
			if (cnt.frozen || !slab_read_freelist(slab) ||
			    slab_on_node_partial(slab))
				CHECK_FAIL("CPU %d partial slab %p is not "
					   "partial", cpu, (void *)slab);
		}
		if (np != c->nr_partial)
			CHECK_FAIL("CPU %d nr_partial %u but %u listed", cpu,
				   c->nr_partial, np);
		if (c->slab) {
			union slab_counters cnt = {
				.counters = slab_read_counters(c->slab) };

			if (!cnt.frozen || c->slab->slab_cache != s)
				CHECK_FAIL("CPU %d slab %p is not frozen",
					   cpu, (void *)c->slab);
			if (c->slab_base != slab_address(c->slab))
				CHECK_FAIL("CPU %d slab_base is stale", cpu);
		} else if (c->freelist) {
			CHECK_FAIL("CPU %d has a freelist but no slab", cpu);
		}
	}

	/* every slab: walk the frame table for head pages of @s */
	for (unsigned long pfn = 0; pfn < slab_frame_pfns; pfn++) {
		unsigned long on_slab, on_cpu = 0;
		struct kmem_cache_cpu *owner = NULL;
		union slab_counters cnt;

		if (slab_frame_cache[pfn] != s)
			continue;
		slab = pfn_to_page(pfn);
		if (PageTail(slab))
			continue;
		slabs++;
		cnt.counters = slab_read_counters(slab);
		objects += cnt.objects;
		if (!PageSlab(slab) || slab->slab_cache != s) {
			CHECK_FAIL("frame %lu: not a slab of the cache", pfn);
			continue;
		}
		if (cnt.objects != s->objects && cnt.objects != s->min_objects)
			CHECK_FAIL("slab %p has %u objects", (void *)slab,
				   cnt.objects);
		memset(seen, 0, cnt.objects);
		bad += check_freelist(s, slab, slab_read_freelist(slab), seen,
				      &on_slab);
		for_each_possible_cpu(cpu)
			if (s->cpu_slab[cpu].slab == slab) {
				if (owner)
					CHECK_FAIL("slab %p is the CPU slab "
						   "of two CPUs", (void *)slab);
				owner = &s->cpu_slab[cpu];
			}
		if (cnt.frozen) {
			if (!owner)
				CHECK_FAIL("slab %p is frozen but no CPU's",
					   (void *)slab);
			else
				bad += check_freelist(s, slab, owner->freelist,
						      seen, &on_cpu);
		} else if (owner) {
			CHECK_FAIL("CPU slab %p is not frozen", (void *)slab);
		}
		/* sheaf objects: object starts of the slab, on no freelist */
		if (nshv) {
			uintptr_t lo = (uintptr_t)slab_address(slab);
			uintptr_t hi = lo + (PAGE_SIZE << slab_order(slab));
			size_t a = 0, z = nshv;

			while (a < z) {
				size_t mid = a + (z - a) / 2;

				if ((uintptr_t)shv[mid] < lo)
					a = mid + 1;
				else
					z = mid;
			}
			for (; a < nshv && (uintptr_t)shv[a] < hi; a++) {
				long i = object_index(s, slab, shv[a]);

				shv_found++;
				if (i < 0)
					CHECK_FAIL("sheaf holds %p, no object "
						   "start", shv[a]);
				else if (seen[i])
					CHECK_FAIL("object %p is in a sheaf and "
						   "on a freelist", shv[a]);
			}
		}
		{
			if (cnt.inuse + on_slab != cnt.objects)
				CHECK_FAIL("slab %p: inuse %u + free %lu != "
					   "objects %u", (void *)slab,
					   cnt.inuse, on_slab, cnt.objects);
		}
		/* debug caches: free objects keep their red zones/poison */
		if (slab_debug_cache(s)) {
			for (unsigned int i = 0; i < cnt.objects; i++) {
				void *p = slab_object(s, slab_address(slab),
						      i);

				if (seen[i] && !check_object(s, p,
						SLUB_RED_INACTIVE))
					CHECK_FAIL("free object %p corrupted",
						   p);
			}
		}
	}
	if ((long)slabs != n->nr_slabs)
		CHECK_FAIL("nr_slabs %ld but %lu slabs", n->nr_slabs, slabs);
	if ((long)objects != n->total_objects)
		CHECK_FAIL("total_objects %ld but %lu", n->total_objects,
			   objects);
	if (shv_found != nshv)
		CHECK_FAIL("%zu sheaf objects lie in no slab of the cache",
			   nshv - shv_found);
	free(shv);
	free(seen);
	return bad;
}
