// SPDX-License-Identifier: GPL-2.0
/*
 * traces/kmt.c - the .kmt binary trace format: encoder and decoder.
 *
 * Layout (all integers little-endian; docs/trace-format.md):
 *
 *	magic "\x89KMT\r\n\x1a\n", u32 version, u32 header bytes
 *	header: u32 meta bytes, meta ("key=value\n" lines: capture metadata,
 *		base_ts, nr_objs, counters), u32 strings (id 0 = "" not
 *		stored), then u32 length + bytes per string
 *	blocks: u32 events, u32 raw bytes, u32 stored bytes, u8 codec (0 raw,
 *		1 zstd), u8 ts unit (0: 1 ns, 1: 1000 ns), u16 0,
 *		u64 first ts, u32 first new object id, then the stored bytes
 *	index:	u32 blocks, then u64 offset + u64 first ts + u32 events each
 *	trailer: u64 index offset, "KMTEND\0\0"
 *
 * One event in a block's raw stream (docs/trace-format.md has it all):
 *
 *	u8	type (31: a u8 type follows) | T0 << 5 | X << 6 | P << 7
 *	[u8	X: 1 cpu, 2 pid, 4 flags (vm), 8 site, 16 alloc_cpu, 32 obj;
 *		or 128 | cpu when only the CPU changed (cpu < 128)]
 *	[v cpu] [v pid] [u8 flags]
 *	(the pid is relative to the CPU: X&2 when it differs from the last
 *	pid seen on that CPU in this block)
 *	[v	zigzag ts delta in units, absent when T0 (delta 0)]
 *	[v	obj + 1 (0 = none) when X&32]
 *	memory events:
 *	  obj: allocations: implied (the next new id) unless X&32; frees:
 *		 v (0 = none, else next id - obj) unless X&32
 *	  [v site]: absent for a free whose site is predicted (the last free
 *		 site of objects from the same allocation site, for objects
 *		 allocated in this block) unless X&8
 *	  if !P: u8 mask of the fields that differ from the predicted
 *		 record, then those: u8 flags, v bytes_req, zigzag bytes_alloc
 *		 - bytes_req, v gfp, v cache, v node + 1, u8 order, u8 mt
 *	  [v alloc_cpu when X&16; without it a matched free's allocating
 *		 CPU is its own CPU, anything else's 0]
 *	vm events: addr, len, arg as zigzag differences from a guess: the
 *		 last value of the same type in the block plus its last step
 *
 * The predicted record: flags, sizes, gfp, cache, node, order and
 * migratetype of the last event of the same call site, kind and address
 * space in this block (or a blank one); P: all the same.  Blocks decode on
 * their own.
 *
 * Every length is checked against what is left: a truncated or corrupted
 * file is an error (exit 65), never a crash.
 */
#include <errno.h>
#include <stdatomic.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/mman.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kmm/compiler.h"
#include "kmt/kmt.h"
#include "util.h"

#if HAVE_ZSTD
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_c_literalCompressionMode */
#include <zstd.h>
#endif

#define B0_ESCAPE	31	/* type >= 31: a u8 type follows */
#define B0_T0		0x20	/* no time delta (0) */
#define B0_X		0x40
#define B0_P		0x80
#define X_CPU		0x01
#define X_PID		0x02
#define X_FLAGS		0x04
#define X_SITE		0x08
#define X_ACPU		0x10
#define X_OBJ		0x20
#define X_CPU_INLINE	0x80	/* only the CPU changed: bits 0-6 hold it */
#define MAX_CPUS	65536
#define VMH_BITS	13	/* vm_slot() table: 8192 slots */
#define VMH_PROBES	8	/* then the type's last event */
#define TRAILER_MAGIC	"KMTEND\0\0"
#define MAX_STRINGS	(1u << 26)

/* ---- growable byte buffer ---- */

struct bbuf {
	uint8_t *p;
	size_t len, cap;
};

static void bb_reserve(struct bbuf *b, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->cap ? b->cap : 256;
		while (b->len + n > b->cap)
			b->cap *= 2;
		b->p = kmb_xrealloc(b->p, b->cap);
	}
}

static void bb_put(struct bbuf *b, const void *d, size_t n)
{
	if (!n)
		return;
	bb_reserve(b, n);
	memcpy(b->p + b->len, d, n);
	b->len += n;
}

static void bb_u8(struct bbuf *b, unsigned int v)
{
	bb_reserve(b, 1);
	b->p[b->len++] = (uint8_t)v;
}

static void bb_u16(struct bbuf *b, unsigned int v)
{
	bb_u8(b, v & 0xff);
	bb_u8(b, (v >> 8) & 0xff);
}

static void bb_u32(struct bbuf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		bb_u8(b, (v >> (8 * i)) & 0xff);
}

static void bb_u64(struct bbuf *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		bb_u8(b, (unsigned int)(v >> (8 * i)) & 0xff);
}

static inline void bb_var(struct bbuf *b, uint64_t v)
{
	bb_reserve(b, 10);
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

static inline uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- reader ---- */

struct rd {
	const uint8_t *p, *e;
	bool bad;
};

static inline uint8_t rd_u8(struct rd *r)
{
	if (r->p >= r->e) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static uint32_t rd_u32(struct rd *r)
{
	uint32_t v = 0;

	if (r->e - r->p < 4) {
		r->bad = true;
		r->p = r->e;
		return 0;
	}
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)r->p[i] << (8 * i);
	r->p += 4;
	return v;
}

static uint64_t rd_u64(struct rd *r)
{
	uint64_t lo = rd_u32(r);

	return lo | (uint64_t)rd_u32(r) << 32;
}

static inline uint64_t rd_var(struct rd *r)
{
	uint64_t v = 0;

	for (unsigned int s = 0; s < 64; s += 7) {
		uint8_t c;

		if (r->p >= r->e) {
			r->bad = true;
			return 0;
		}
		c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

/* ---- predictors: last memory record per (site, kind, space) ---- */

/* the event's own record (alloc_cpu unused), so it is copied whole */
struct pred {
	__typeof__(((struct kmt_event *)0)->u.mem) m;
	uint8_t flags;
	uint32_t gen;		/* block number + 1 it belongs to */
};

/* kmt_event_kind() as a table the hot loops can inline */
static uint8_t kind_tab[KMT_EV_NR];

static void kind_tab_fill(void)
{
	for (int i = 0; i < KMT_EV_NR; i++)
		kind_tab[i] = (uint8_t)kmt_event_kind((enum kmt_event_type)i);
}

/* (encodes and decodes may run in several threads at once) */
static void kind_tab_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, kind_tab_fill);
}

static inline unsigned int kind_of(unsigned int type)
{
	return type < KMT_EV_NR ? kind_tab[type] : KMT_KIND_OTHER;
}

static inline bool is_mem(unsigned int type)
{
	return type >= KMT_EV_KMALLOC && type <= KMT_EV_PERCPU_FREE_PERCPU;
}

static unsigned int space_bits(unsigned int type)
{
	unsigned int sp = type <= KMT_EV_KMEM_CACHE_FREE ? 0 :
			  type <= KMT_EV_MM_PAGEVEC_FREE ? 1 :
			  type <= KMT_EV_VFREE ? 2 : 3;

	return sp << 1 | (kind_of(type) == KMT_KIND_FREE);
}

static inline struct pred *pred_of(struct pred *tab, uint32_t nstr,
				   const struct kmt_event *ev)
{
	uint32_t site = ev->site < nstr ? ev->site : 0;

	return &tab[(size_t)site * 8 + space_bits(ev->type)];
}

/* flags carried in the predicted record (the rest are derived) */
#define PRED_FLAGS (KMT_F_PRECAPTURE | KMT_F_IMPLICIT | KMT_F_FAILED | \
		    KMT_F_REMOTE | KMT_F_NODE | KMT_F_ACCOUNTED | KMT_F_GFP_RAW)

/* The record a memory event is coded against: its predictor, if set in
 * this block, else a blank one (no flags, sizes 0, node none). */
static struct pred pred_base(const struct pred *p, uint32_t gen)
{
	struct pred b = { .m.node = KMT_NODE_NONE };

	return p->gen == gen ? *p : b;
}

/* Which fields of @ev differ from @b (REC_* bits; 0 = all the same). */
#define REC_FLAGS	0x01
#define REC_REQ		0x02
#define REC_ALLOC	0x04
#define REC_GFP		0x08
#define REC_CACHE	0x10
#define REC_NODE	0x20
#define REC_ORDER	0x40
#define REC_MT		0x80

static unsigned int rec_diff(const struct pred *b, const struct kmt_event *ev)
{
	return (b->flags != ev->flags ? REC_FLAGS : 0) |
	       (b->m.bytes_req != ev->u.mem.bytes_req ? REC_REQ : 0) |
	       (b->m.bytes_alloc != ev->u.mem.bytes_alloc ? REC_ALLOC : 0) |
	       (b->m.gfp != ev->u.mem.gfp ? REC_GFP : 0) |
	       (b->m.cache != ev->u.mem.cache ? REC_CACHE : 0) |
	       (b->m.node != ev->u.mem.node ? REC_NODE : 0) |
	       (b->m.order != ev->u.mem.order ? REC_ORDER : 0) |
	       (b->m.migratetype != ev->u.mem.migratetype ? REC_MT : 0);
}

static void pred_set(struct pred *p, uint32_t gen, const struct kmt_event *ev)
{
	p->gen = gen;
	p->flags = ev->flags;
	p->m = ev->u.mem;
	p->m.alloc_cpu = 0;
	memset(p->m.pad, 0, sizeof(p->m.pad));
}

/* A free's allocating CPU as the decoder assumes it when not given. */
static uint16_t default_acpu(const struct kmt_event *ev)
{
	if (kind_of(ev->type) != KMT_KIND_FREE ||
	    ev->obj == KMT_OBJ_NONE)
		return 0;
	return ev->cpu;
}

/* ---- encoder ---- */

static const int64_t unit_ns[2] = { 1, 1000 };

/* coder state; the pid of each CPU is kept per block (gen) */
struct cstate {
	uint16_t cpu;
	uint32_t pid;
	uint64_t ts;
	uint32_t next_obj;
	uint32_t first_obj;		/* first new object of the block */
	uint32_t gen;			/* block number + 1 */
	uint32_t nstr;
	uint32_t *cpu_pid, *cpu_gen;	/* [ncpu] */
	uint32_t ncpu;
	uint32_t *bsite, *bsite_gen;	/* [obj - first_obj]: alloc site */
	uint32_t nbsite;
	uint32_t *fsite, *fsite_gen;	/* [alloc site]: last free site */
	uint32_t *succ, *succ_gen;	/* [site]: the next event's site */
	uint32_t last_site, last_gen;	/* the last memory event's site */
	struct vm_last {
		uint32_t gen, n;	/* n: a value is known */
		uint64_t key;
		uint64_t v[3], d[3];	/* last addr, len, arg; their deltas */
	} vm[KMT_EV_NR],		/* last vm event of each type */
	  *vmh;				/* per pid (and member): vm_slot() */
};

static void cstate_init(struct cstate *s, uint32_t nstr)
{
	memset(s, 0, sizeof(*s));
	s->nstr = nstr;
	s->fsite = kmb_xcalloc(nstr, sizeof(*s->fsite));
	s->fsite_gen = kmb_xcalloc(nstr, sizeof(*s->fsite_gen));
	s->succ = kmb_xcalloc(nstr, sizeof(*s->succ));
	s->succ_gen = kmb_xcalloc(nstr, sizeof(*s->succ_gen));
	s->vmh = kmb_xcalloc(1u << VMH_BITS, sizeof(*s->vmh));
}

static void cstate_free(struct cstate *s)
{
	free(s->cpu_pid);
	free(s->cpu_gen);
	free(s->bsite);
	free(s->bsite_gen);
	free(s->fsite);
	free(s->fsite_gen);
	free(s->succ);
	free(s->succ_gen);
	free(s->vmh);
}

static uint32_t *grow0(uint32_t *a, uint32_t old, uint32_t n)
{
	a = kmb_xrealloc(a, n * sizeof(*a));
	memset(a + old, 0, (n - old) * sizeof(*a));
	return a;
}

/*
 * Start a block: everything relative to @ts, CPU 0, nothing known; @n:
 * the most events of any block up to this one (the sites of objects new
 * in the block are kept for ids up to first_obj + @n).
 */
static void cstate_block(struct cstate *s, uint64_t ts, uint32_t n)
{
	if (n > s->nbsite) {
		s->bsite = grow0(s->bsite, s->nbsite, n);
		s->bsite_gen = grow0(s->bsite_gen, s->nbsite, n);
		s->nbsite = n;
	}
	s->gen++;
	s->ts = ts;
	s->cpu = 0;
	s->pid = 0;
	s->first_obj = s->next_obj;
}

static inline uint32_t cpu_last_pid(const struct cstate *s, uint16_t cpu)
{
	return cpu < s->ncpu && s->cpu_gen[cpu] == s->gen ? s->cpu_pid[cpu]
							   : 0;
}

static inline void cpu_set_pid(struct cstate *s, uint16_t cpu, uint32_t pid)
{
	if (cpu >= s->ncpu) {
		uint32_t n = s->ncpu ? s->ncpu : 16;

		while (n <= cpu)
			n *= 2;
		s->cpu_pid = grow0(s->cpu_pid, s->ncpu, n);
		s->cpu_gen = grow0(s->cpu_gen, s->ncpu, n);
		s->ncpu = n;
	}
	s->cpu_gen[cpu] = s->gen;
	s->cpu_pid[cpu] = pid;
}

/*
 * vm events are coded against the last event of the same type and pid in
 * the block (page faults of one process walk its address space; its
 * rss_stat sizes grow by pages), found in a small hash table of per-block
 * slots; rss_stat's address and size are kept per (pid, member), its
 * member coded first.  A pid not seen yet in the block starts from the
 * last event of the type.  Guess: last value plus last step.  Collisions
 * and a full table only make guesses worse, the same way on both sides.
 */

static inline void vm_known(struct vm_last *l, uint32_t gen)
{
	if (l->gen != gen) {
		l->gen = gen;
		l->n = 0;
	}
}

/* the key of a slot: type and pid, and @sub (rss_stat: member + 1) */
static inline uint64_t vm_key(unsigned int type, uint32_t pid, uint64_t sub)
{
	return ((uint64_t)pid << 8 | type) ^ sub * 0xff51afd7ed558ccdull;
}

/* The slot of @key in table @vmh for block @gen (NULL: table full). */
static inline struct vm_last *vm_find(struct vm_last *vmh, uint32_t gen,
				      uint64_t key)
{
	uint64_t h = (key * 0x9e3779b97f4a7c15ull) >> (64 - VMH_BITS);

	for (unsigned int i = 0; i < VMH_PROBES; i++) {
		struct vm_last *l = &vmh[(h + i) & ((1u << VMH_BITS) - 1)];

		if (l->gen != gen) {
			l->gen = gen;
			l->n = 0;
			l->key = key;
			return l;
		}
		if (l->key == key)
			return l;
	}
	return NULL;
}

static struct vm_last *vm_slot(struct cstate *s, unsigned int type,
			       uint32_t pid, uint64_t sub)
{
	return vm_find(s->vmh, s->gen, vm_key(type, pid, sub));
}

/* The guess for field @f from slot @l (or the type's last event). */
static inline uint64_t vm_guess(const struct cstate *s, unsigned int type,
				const struct vm_last *l, int f)
{
	if (l && l->n)
		return l->v[f] + l->d[f];
	l = &s->vm[type];
	return l->gen == s->gen && l->n ? l->v[f] : 0;
}

static inline void vm_note1(struct vm_last *l, uint32_t gen,
			    const uint64_t v[3])
{
	vm_known(l, gen);
	for (int f = 0; f < 3; f++) {
		l->d[f] = l->n ? v[f] - l->v[f] : 0;
		l->v[f] = v[f];
	}
	l->n = 1;
}

/*
 * The slot a vm event's address and size (and, but for rss_stat, arg) are
 * coded against: per (pid, @member) for rss_stat, else @a (per pid).
 */
static struct vm_last *vm_member(struct cstate *s, unsigned int type,
				 uint32_t pid, struct vm_last *a,
				 uint64_t member)
{
	return type == KMT_EV_RSS_STAT ? vm_slot(s, type, pid, member + 1)
				       : a;
}

/*
 * after a vm event: remember it in its slots and as its type's last (whose
 * steps are never read: a guess from it is its last value)
 */
static inline void vm_done(struct cstate *s, unsigned int type,
			   struct vm_last *a, struct vm_last *l,
			   const uint64_t v[3])
{
	struct vm_last *last = &s->vm[type];

	if (a)
		vm_note1(a, s->gen, v);
	if (l && l != a)
		vm_note1(l, s->gen, v);
	last->gen = s->gen;
	last->n = 1;
	memcpy(last->v, v, sizeof(last->v));
}

/*
 * The call site a free is predicted to have: the site of the last free of
 * an object from the same allocation site, when the object was allocated
 * in this block.  Returns false when there is no prediction.
 */
static bool free_site_pred(const struct cstate *s, uint32_t obj,
			   uint32_t *site)
{
	uint32_t i, as;

	if (obj == KMT_OBJ_NONE || obj < s->first_obj || obj >= s->next_obj)
		return false;
	i = obj - s->first_obj;
	if (i >= s->nbsite || s->bsite_gen[i] != s->gen)
		return false;
	as = s->bsite[i];
	if (as >= s->nstr || s->fsite_gen[as] != s->gen)
		return false;
	*site = s->fsite[as];
	return true;
}

/*
 * The call site a memory event is predicted to have: a free's from
 * free_site_pred(), else the site that followed the previous memory
 * event's site the last time that site was seen in this block (kernel
 * paths repeat: getname, d_alloc, kfree(NULL), ...).
 */
static bool site_pred(const struct cstate *s, unsigned int kind,
		      uint32_t obj, uint32_t *site)
{
	if (kind == KMT_KIND_FREE && free_site_pred(s, obj, site))
		return true;
	if (s->last_gen != s->gen || s->last_site >= s->nstr ||
	    s->succ_gen[s->last_site] != s->gen)
		return false;
	*site = s->succ[s->last_site];
	return true;
}

/* after an event: remember allocation sites and free sites */
static void note_sites(struct cstate *s, const struct kmt_event *ev,
		       unsigned int kind)
{
	uint32_t i;

	if (s->last_gen == s->gen && s->last_site < s->nstr) {
		s->succ[s->last_site] = ev->site;
		s->succ_gen[s->last_site] = s->gen;
	}
	s->last_site = ev->site;
	s->last_gen = s->gen;
	if (ev->obj == KMT_OBJ_NONE || ev->obj < s->first_obj)
		return;
	i = ev->obj - s->first_obj;
	if (i >= s->nbsite)
		return;
	if (kind == KMT_KIND_ALLOC) {
		s->bsite[i] = ev->site;
		s->bsite_gen[i] = s->gen;
	} else if (kind == KMT_KIND_FREE && s->bsite_gen[i] == s->gen &&
		   s->bsite[i] < s->nstr) {
		s->fsite[s->bsite[i]] = ev->site;
		s->fsite_gen[s->bsite[i]] = s->gen;
	}
}

static void encode_event(struct bbuf *b, struct cstate *s,
			 struct pred *tab, const struct kmt_event *ev,
			 unsigned int unit)
{
	unsigned int x = 0, kind = kind_of(ev->type);
	bool mem = is_mem(ev->type), p = false, obj_x, site_known = false;
	uint32_t psite = 0;
	struct pred *pr = NULL, base;
	unsigned int diff = 0;
	int64_t dt = (int64_t)(ev->ts - s->ts) / unit_ns[unit];
	uint64_t v[3] = { ev->u.vm.addr, ev->u.vm.len, ev->u.vm.arg }, g[3];
	struct vm_last *va = NULL, *vl = NULL;

	if (ev->cpu != s->cpu)
		x |= X_CPU;
	if (ev->pid != cpu_last_pid(s, ev->cpu))
		x |= X_PID;
	if (!mem && ev->flags)
		x |= X_FLAGS;
	if (mem && kind == KMT_KIND_ALLOC)
		obj_x = ev->obj != ((ev->flags & KMT_F_FAILED) ? KMT_OBJ_NONE
							       : s->next_obj);
	else if (mem && kind == KMT_KIND_FREE)
		obj_x = ev->obj != KMT_OBJ_NONE && ev->obj >= s->next_obj;
	else
		obj_x = ev->obj != KMT_OBJ_NONE;
	if (obj_x)
		x |= X_OBJ;
	if (mem) {
		pr = pred_of(tab, s->nstr, ev);
		base = pred_base(pr, s->gen);
		diff = rec_diff(&base, ev);
		p = !diff;
		if (ev->u.mem.alloc_cpu != default_acpu(ev))
			x |= X_ACPU;
		site_known = site_pred(s, kind, ev->obj, &psite);
		if (site_known && psite != ev->site)
			x |= X_SITE;
	} else {
		/* the same calls in the same order as the decoder */
		va = vm_slot(s, ev->type, ev->pid, 0);
		g[2] = vm_guess(s, ev->type, va, 2);
		vl = vm_member(s, ev->type, ev->pid, va, v[2]);
		g[0] = vm_guess(s, ev->type, vl, 0);
		g[1] = vm_guess(s, ev->type, vl, 1);
		for (int f = 0; f < 3; f++)
			diff |= (v[f] != g[f]) << f;
		p = !diff;
	}
	bb_u8(b, (ev->type < B0_ESCAPE ? ev->type : B0_ESCAPE) |
		 (dt ? 0 : B0_T0) | (x ? B0_X : 0) | (p ? B0_P : 0));
	if (ev->type >= B0_ESCAPE)
		bb_u8(b, ev->type);
	if (x == X_CPU && ev->cpu < 128) {
		bb_u8(b, X_CPU_INLINE | ev->cpu);
		x = 0;
	} else if (x) {
		bb_u8(b, x);
	}
	if (x & X_CPU)
		bb_var(b, ev->cpu);
	if (x & X_PID)
		bb_var(b, ev->pid);
	if (x & X_FLAGS)
		bb_u8(b, ev->flags);
	if (dt)
		bb_var(b, zigzag(dt));
	s->cpu = ev->cpu;
	cpu_set_pid(s, ev->cpu, ev->pid);
	s->ts = ev->ts;
	if (obj_x)
		bb_var(b, ev->obj == KMT_OBJ_NONE ? 0 : (uint64_t)ev->obj + 1);
	if (mem) {
		if (!obj_x && kind == KMT_KIND_FREE) {
			bb_var(b, ev->obj == KMT_OBJ_NONE ?
				  0 : (uint64_t)(s->next_obj - ev->obj));
		}
		if (!site_known || (x & X_SITE))
			bb_var(b, ev->site);
		if (!p) {
			bb_u8(b, diff);
			if (diff & REC_FLAGS)
				bb_u8(b, ev->flags);
			if (diff & REC_REQ)
				bb_var(b, ev->u.mem.bytes_req);
			if (diff & REC_ALLOC)
				bb_var(b, zigzag((int64_t)ev->u.mem.bytes_alloc -
						 (int64_t)ev->u.mem.bytes_req));
			if (diff & REC_GFP)
				bb_var(b, ev->u.mem.gfp);
			if (diff & REC_CACHE)
				bb_var(b, ev->u.mem.cache);
			if (diff & REC_NODE)
				bb_var(b, (uint16_t)(ev->u.mem.node + 1));
			if (diff & REC_ORDER)
				bb_u8(b, ev->u.mem.order);
			if (diff & REC_MT)
				bb_u8(b, ev->u.mem.migratetype);
		}
		pred_set(pr, s->gen, ev);
		if (x & X_ACPU)
			bb_var(b, ev->u.mem.alloc_cpu);
	} else {
		bool rss = ev->type == KMT_EV_RSS_STAT;

		if (!p)
			bb_u8(b, diff);
		for (int i = 0; i < 3; i++) {
			int f = rss ? (i + 2) % 3 : i;	/* rss: member first */

			if (diff & (1u << f))
				bb_var(b, zigzag((int64_t)(v[f] - g[f])));
		}
		vm_done(s, ev->type, va, vl, v);
	}
	if (ev->obj != KMT_OBJ_NONE && ev->obj >= s->next_obj &&
	    kind == KMT_KIND_ALLOC)
		s->next_obj = ev->obj + 1;
	if (mem)
		note_sites(s, ev, kind);
}

/* ts unit of a block: 1 (1000 ns) when every delta is whole microseconds */
static unsigned int block_unit(const struct kmt_event *ev, size_t n,
			       uint64_t first)
{
	uint64_t prev = first;

	for (size_t i = 0; i < n; i++) {
		if ((ev[i].ts - prev) % 1000)
			return 0;
		prev = ev[i].ts;
	}
	return 1;
}


static void encode_meta(const struct kmt_trace *t, struct bbuf *m)
{
	const struct kmt_meta *mt = &t->meta;
	const struct kmt_counts *c = &t->counts;
	char line[600];
	int n;

#define META_S(k, v)							\
	do {								\
		if (v) {	/* any length: no line buffer */	\
			bb_put(m, k "=", strlen(k "="));		\
			bb_put(m, v, strcspn(v, "\n"));		\
			bb_put(m, "\n", 1);				\
		}							\
	} while (0)
#define META_U(k, v)							\
	do {								\
		n = snprintf(line, sizeof(line), "%s=%" PRIu64 "\n", k,	\
			     (uint64_t)(v));				\
		bb_put(m, line, (size_t)n);				\
	} while (0)
	META_S("kernel", mt->kernel);
	META_S("hostname", mt->hostname);
	META_S("events", mt->events);
	META_S("command", mt->command);
	META_S("format", mt->format);
	META_U("cpus", mt->cpus);
	META_U("page_size", mt->page_size);
	META_U("start_time", mt->start_time);
	META_U("hashed_ptrs", (uint64_t)(int64_t)mt->hashed_ptrs);
	for (uint32_t i = 0; i < mt->nr_lost_cpus; i++)
		if (mt->lost_events[i]) {
			n = snprintf(line, sizeof(line),
				     "lost_events_cpu%u=%" PRIu64 "\n", i,
				     mt->lost_events[i]);
			bb_put(m, line, (size_t)n);
		}
	META_U("base_ts", t->base_ts);
	META_U("nr_objs", t->nr_objs);
	META_U("nr_events", t->nr_ev);
	META_U("count.lines", c->lines);
	META_U("count.events", c->events);
	META_U("count.ignored", c->ignored);
	META_U("count.unknown_events", c->unknown_events);
	for (int i = 0; i < KMT_SKIP_NR; i++) {
		n = snprintf(line, sizeof(line), "count.skipped.%s=%" PRIu64
			     "\n", kmt_skip_reason_name((enum kmt_skip_reason)i),
			     c->skipped[i]);
		bb_put(m, line, (size_t)n);
	}
	META_U("count.precapture_frees", c->precapture_frees);
	META_U("count.implicit_frees", c->implicit_frees);
	META_U("count.failed_allocs", c->failed_allocs);
	META_U("count.remote_frees", c->remote_frees);
	META_U("count.duplicate_allocs", c->duplicate_allocs);
	META_U("count.reordered", c->reordered);
#undef META_S
#undef META_U
}

/*
 * Encode @t into @out; with @compress false the blocks stay raw (for the
 * bytes/event figure).
 */
static int encode(const struct kmt_trace *t, bool compress, struct bbuf *out,
		  size_t *raw_total, struct kmt_error *err)
{
	struct bbuf meta = { 0 }, raw = { 0 }, idx = { 0 };
	uint32_t nstr = t->strs.nr ? t->strs.nr : 1;
	struct pred *tab = kmb_xcalloc((size_t)nstr * 8, sizeof(*tab));
	struct cstate s;
	uint32_t nblocks = 0;
	size_t hdr_start;
	void *zbuf = NULL;
	size_t zcap = 0;
#if HAVE_ZSTD
	ZSTD_CCtx *zc = compress ? ZSTD_createCCtx() : NULL;

	/*
	 * Literals stored as they are: the raw stream is varints with few
	 * repeats, and decoding its literals' Huffman code was a fifth of
	 * a decode's instructions; files grow by 11-16%.  (A library that
	 * does not know the parameter compresses them; either way the
	 * blocks are plain zstd frames.)
	 */
	if (zc) {
		ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, 3);
		ZSTD_CCtx_setParameter(zc, ZSTD_c_literalCompressionMode,
				       ZSTD_ps_disable);
	}
#endif

	*raw_total = 0;
	kind_tab_init();
	cstate_init(&s, nstr);
	bb_put(out, KMT_MAGIC, KMT_MAGIC_LEN);
	bb_u32(out, KMT_VERSION);
	hdr_start = out->len;
	bb_u32(out, 0);		/* header bytes, patched below */
	encode_meta(t, &meta);
	bb_u32(out, (uint32_t)meta.len);
	bb_put(out, meta.p, meta.len);
	bb_u32(out, nstr);
	for (uint32_t i = 1; i < t->strs.nr; i++) {
		bb_u32(out, t->strs.len[i]);
		bb_put(out, t->strs.str[i], t->strs.len[i]);
	}
	{
		uint32_t h = (uint32_t)(out->len - hdr_start - 4);

		for (int i = 0; i < 4; i++)
			out->p[hdr_start + i] = (uint8_t)(h >> (8 * i));
	}
	for (size_t i = 0; i < t->nr_ev; i += KMT_ENC_BLOCK_EVENTS) {
		size_t n = t->nr_ev - i < KMT_ENC_BLOCK_EVENTS ?
			   t->nr_ev - i : KMT_ENC_BLOCK_EVENTS;
		const struct kmt_event *ev = t->ev + i;
		unsigned int unit = block_unit(ev, n, ev[0].ts);
		uint32_t first_obj = s.next_obj;
		uint8_t codec = 0;
		const void *payload;
		size_t plen;

		raw.len = 0;
		cstate_block(&s, ev[0].ts, (uint32_t)n);
		for (size_t j = 0; j < n; j++)
			encode_event(&raw, &s, tab, &ev[j], unit);
		*raw_total += raw.len;
		payload = raw.p;
		plen = raw.len;
#if HAVE_ZSTD
		if (compress) {
			size_t bound = ZSTD_compressBound(raw.len), r;

			if (bound > zcap) {
				zcap = bound;
				zbuf = kmb_xrealloc(zbuf, zcap);
			}
			r = zc ? ZSTD_compress2(zc, zbuf, zcap, raw.p, raw.len)
			       : ZSTD_compress(zbuf, zcap, raw.p, raw.len, 3);
			if (!ZSTD_isError(r) && r < raw.len) {
				payload = zbuf;
				plen = r;
				codec = 1;
			}
		}
#endif
		bb_u64(&idx, out->len);
		bb_u64(&idx, ev[0].ts);
		bb_u32(&idx, (uint32_t)n);
		bb_u32(out, (uint32_t)n);
		bb_u32(out, (uint32_t)raw.len);
		bb_u32(out, (uint32_t)plen);
		bb_u8(out, codec);
		bb_u8(out, unit);
		bb_u16(out, 0);
		bb_u64(out, ev[0].ts);
		bb_u32(out, first_obj);
		bb_put(out, payload, plen);
		nblocks++;
	}
	{
		uint64_t index_off = out->len;

		bb_u32(out, nblocks);
		bb_put(out, idx.p, idx.len);
		bb_u64(out, index_off);
		bb_put(out, TRAILER_MAGIC, 8);
	}
	cstate_free(&s);
	free(meta.p);
	free(raw.p);
	free(idx.p);
	free(tab);
	free(zbuf);
#if HAVE_ZSTD
	ZSTD_freeCCtx(zc);
#endif
	(void)err;
	return 0;
}

int kmt_encode(const struct kmt_trace *t, void **out, size_t *outlen,
	       struct kmt_error *err)
{
	struct bbuf b = { 0 };
	size_t raw;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = encode(t, true, &b, &raw, err);
	*out = b.p;
	*outlen = b.len;
	return rc;
}

size_t kmt_raw_event_bytes(const struct kmt_trace *t)
{
	struct bbuf b = { 0 };
	struct kmt_error err;
	size_t raw = 0;

	encode(t, false, &b, &raw, &err);
	free(b.p);
	return raw;
}

int kmt_write(const struct kmt_trace *t, const char *path,
	      struct kmt_error *err)
{
	void *img;
	size_t len;
	int rc = kmt_encode(t, &img, &len, err);

	if (rc)
		return rc;
	if (!strcmp(path, "-")) {
		if (fwrite(img, 1, len, stdout) != len || fflush(stdout))
			rc = -EIO;
	} else {
		rc = kmb_write_file_atomic(path, img, len);
	}
	free(img);
	if (rc) {
		memset(err, 0, sizeof(*err));
		err->code = KMB_EX_IOERR;
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "cannot write: %s",
			 strerror(-rc));
		return err->code;
	}
	return 0;
}

/* ---- decoder ---- */

/*
 * The event array of a large trace: 2 MiB aligned and advised to use huge
 * pages, so filling it does not fault once per 4 KiB.  Freed with free()
 * or, better, kmt_free_events().
 *
 * The last large array freed through kmt_free_events() is kept (one slot)
 * and handed out again by the next kmt_alloc_events() it is big enough
 * for: a trace decoded again (replays, matrix runs, trace bench) reuses
 * pages that are already mapped instead of having the kernel fault in and
 * zero fresh ones, which cost more than the decoding itself.
 */
#define EV_LARGE	(2u << 20)
#define EV_SPARES	2	/* a full and a compact array */

static struct {
	pthread_mutex_t lock;
	struct {
		void *p;
		size_t bytes;
	} s[EV_SPARES];
} ev_spare = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * @bytes of memory for decoded events (see above), in huge pages with
 * @huge (for arrays that are written whole); big_free() frees it.
 */
static void *big_alloc(size_t bytes, bool huge)
{
	void *p = NULL;
	int best = -1;

	if (bytes < EV_LARGE)
		return kmb_xmalloc(bytes ? bytes : 1);
	pthread_mutex_lock(&ev_spare.lock);
	for (int i = 0; i < EV_SPARES; i++)
		if (ev_spare.s[i].p && ev_spare.s[i].bytes >= bytes &&
		    (best < 0 || ev_spare.s[i].bytes < ev_spare.s[best].bytes))
			best = i;
	if (best >= 0) {
		p = ev_spare.s[best].p;
		ev_spare.s[best].p = NULL;
	}
	pthread_mutex_unlock(&ev_spare.lock);
	if (p)
		return p;
	bytes = (bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
	p = aligned_alloc(2u << 20, bytes);
	if (!p)
		return kmb_xmalloc(bytes);
	if (huge)
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/* Free @p of @bytes, keeping the EV_SPARES largest for reuse. */
static void big_free(void *p, size_t bytes)
{
	void *old = p;

	if (p && bytes >= EV_LARGE) {
		int k = 0;

		pthread_mutex_lock(&ev_spare.lock);
		for (int i = 1; i < EV_SPARES; i++)
			if (!ev_spare.s[i].p ||
			    (ev_spare.s[k].p &&
			     ev_spare.s[i].bytes < ev_spare.s[k].bytes))
				k = i;
		if (!ev_spare.s[k].p || ev_spare.s[k].bytes < bytes) {
			old = ev_spare.s[k].p;
			ev_spare.s[k].p = p;
			ev_spare.s[k].bytes = bytes;
		}
		pthread_mutex_unlock(&ev_spare.lock);
	}
	free(old);
}

struct kmt_event *kmt_alloc_events(size_t n)
{
	return big_alloc((n ? n : 1) * sizeof(struct kmt_event), true);
}

void kmt_free_events(struct kmt_event *ev, size_t n)
{
	big_free(ev, n * sizeof(*ev));
}

bool kmt_is_kmt(const void *buf, size_t len)
{
	return len >= KMT_MAGIC_LEN && !memcmp(buf, KMT_MAGIC, KMT_MAGIC_LEN);
}

static int fail(struct kmt_error *err, const char *name, const char *what)
{
	memset(err, 0, sizeof(*err));
	err->code = KMB_EX_DATAERR;
	snprintf(err->file, sizeof(err->file), "%s", name);
	snprintf(err->msg, sizeof(err->msg), "corrupt .kmt file: %s", what);
	return err->code;
}

static void meta_kv(struct kmt_trace *t, const char *k, size_t kn,
		    const char *v, size_t vn)
{
	struct kmt_meta *m = &t->meta;
	struct kmt_counts *c = &t->counts;
	char key[64], val[32];
	uint64_t x = 0;
	bool num;

	if (kn >= sizeof(key))
		return;
	memcpy(key, k, kn);
	key[kn] = '\0';
#define STR(name, field)						\
	if (!strcmp(key, name)) {					\
		free(m->field);						\
		m->field = strndup(v, vn);				\
		return;							\
	}
	STR("kernel", kernel);
	STR("hostname", hostname);
	STR("events", events);
	STR("command", command);
	STR("format", format);
#undef STR
	if (vn >= sizeof(val))
		return;
	memcpy(val, v, vn);
	val[vn] = '\0';
	num = kmb_parse_u64(val, &x, false);
	if (!strcmp(key, "hashed_ptrs")) {
		m->hashed_ptrs = num && x <= 1 ? (int)x : -1;
		return;
	}
	if (!num)
		return;
	if (!strcmp(key, "cpus") && x <= 65536)
		m->cpus = (uint32_t)x;
	else if (!strcmp(key, "page_size") && x <= (1u << 20))
		m->page_size = (uint32_t)x;
	else if (!strcmp(key, "start_time"))
		m->start_time = x;
	else if (!strncmp(key, "lost_events_cpu", 15)) {
		uint64_t cpu;

		if (kmb_parse_u64(key + 15, &cpu, false) && cpu < 4096)
			kmt_meta_add_lost(m, (uint32_t)cpu, x);
	} else if (!strcmp(key, "base_ts"))
		t->base_ts = x;
	else if (!strcmp(key, "count.lines"))
		c->lines = x;
	else if (!strcmp(key, "count.events"))
		c->events = x;
	else if (!strcmp(key, "count.ignored"))
		c->ignored = x;
	else if (!strcmp(key, "count.unknown_events"))
		c->unknown_events = x;
	else if (!strcmp(key, "count.precapture_frees"))
		c->precapture_frees = x;
	else if (!strcmp(key, "count.implicit_frees"))
		c->implicit_frees = x;
	else if (!strcmp(key, "count.failed_allocs"))
		c->failed_allocs = x;
	else if (!strcmp(key, "count.remote_frees"))
		c->remote_frees = x;
	else if (!strcmp(key, "count.duplicate_allocs"))
		c->duplicate_allocs = x;
	else if (!strcmp(key, "count.reordered"))
		c->reordered = x;
	else if (!strncmp(key, "count.skipped.", 14))
		for (int i = 0; i < KMT_SKIP_NR; i++)
			if (!strcmp(key + 14, kmt_skip_reason_name(
					      (enum kmt_skip_reason)i)))
				c->skipped[i] = x;
}

static void decode_meta(struct kmt_trace *t, const char *p, size_t n)
{
	const char *e = p + n;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *eq;

		if (!nl)
			nl = e;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq)
			meta_kv(t, p, (size_t)(eq - p), eq + 1,
				(size_t)(nl - eq - 1));
		p = nl + 1;
	}
}

/*
 * Blocks decode on their own, so a large trace is decoded by several
 * threads at once: the blocks' headers are read and checked first, one
 * after the other (each block's place in the event array follows from
 * the counts before it), then each thread takes the next block not yet
 * taken, with its own coder state, predictor table and decompression
 * buffer.  That each block's first new object id is where the previous
 * block's ids ended is checked after all are decoded; the first bad
 * block in file order names the error, as a single thread would.
 */
enum blk_err { BLK_OK, BLK_BAD_ZSTD, BLK_BAD_DATA, BLK_NO_ZSTD };

struct blk {
	const uint8_t *payload;
	size_t out;			/* index of its first event */
	uint64_t first_ts;
	uint32_t n, raw_len, plen;
	uint32_t first_obj, end_obj;	/* end_obj: next new id after it */
	uint32_t lim;			/* most events of a block up to it */
	uint8_t codec, unit;
	uint8_t err;			/* enum blk_err */
};

struct dec_job;

/*
 * The decoder reads a block's raw stream from its own buffer, followed by
 * RD_PAD zero bytes, without a bounds check per byte or per event: a read
 * past the end of the stream lands in the padding, where a varint ends at
 * its first byte, so an event that runs past the end (at most 20 reads,
 * or a varint of more than 10 bytes, which ends just past the end) stays
 * inside the padding.  The next event then starts with a zero byte, type
 * 0, which is refused; after the last one the stream must end exactly at
 * its end.  (Such an event may still be written and update the
 * predictions: every value it reads is checked like any other.)
 */
#define RD_PAD	64

struct fv_res {
	uint64_t v;
	const uint8_t *p;
};

/*
 * A varint of three bytes or more at @p, and where it ends.  One of more
 * than 10 bytes is corrupt: it ends "just past @e", so the event's check
 * fails (the stream pointer is passed by value and returned, so that it
 * stays in a register in the decoding loop).
 */
static struct fv_res __attribute__((noinline)) fv_slow(const uint8_t *p,
							const uint8_t *e)
{
	uint64_t v = 0;

	for (unsigned int s = 0; s < 64; s += 7) {
		uint8_t c = *p++;

		v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return (struct fv_res){ v, p };
	}
	return (struct fv_res){ 0, e + 1 };
}

/* an unsigned varint: up to two bytes inline, longer ones out of line */
static inline uint64_t fv(const uint8_t **pp, const uint8_t *e)
{
	const uint8_t *p = *pp;
	struct fv_res r;

	if (likely(p[0] < 0x80)) {
		*pp = p + 1;
		return p[0];
	}
	if (likely(p[1] < 0x80)) {
		*pp = p + 2;
		return (p[0] & 0x7fu) | (uint64_t)p[1] << 7;
	}
	r = fv_slow(p, e);
	*pp = r.p;
	return r.v;
}

/* per type, for the decoder: kind, memory event, predictor slot */
#define TI_KIND		0x03
#define TI_MEM		0x04
#define TI_SPACE(ti)	((ti) >> 3)

/* a call site's predictions in a block (gen: block they belong to) */
struct dsite {
	uint32_t fgen, fsite;	/* site of the last free of its objects */
	uint32_t sgen, succ;	/* site of the memory event after it */
};

/* allocation site of a block's new object, by id - first_obj */
struct dobj {
	uint32_t gen, site;
};

/* last pid on a CPU in the block */
struct dcpu {
	uint32_t gen, pid;
};

/* the predicted record of a (site, space): an index in dec.rec */
struct dpred {
	uint32_t gen, rec;
};

/*
 * One decoder's state.  Decoders are kept in a pool and reused by later
 * decodes: their tables are warm, and a table entry belongs to the block
 * whose number (gen, never reset) it carries.
 */
struct dec {
	struct cstate s;	/* gen, and the vm events' predictions */
	uint32_t nstr;		/* strings the tables below have room for */
	struct dpred *tab;	/* [nstr * 8] */
	struct dsite *site;	/* [nstr + 1] */
	struct dobj *obj;	/* [KMT_BLOCK_EVENTS] */
	struct dcpu *cpu;	/* [MAX_CPUS] */
	struct kmt_crec *rec;	/* [KMT_BLOCK_EVENTS]: records (full form) */
	uint8_t *zbuf;		/* the raw stream, RD_PAD zeros after it */
	size_t zcap;
#if HAVE_ZSTD
	ZSTD_DCtx *zctx;
#endif
	uint32_t max_cpu;
	uint8_t tinfo[KMT_EV_NR];
	uint8_t fast[256];	/* by first byte: tinfo of the common shape */
	uint64_t by_type[KMT_EV_NR];
};

/* where a block's events go: the full or the compact form */
struct dec_out {
	struct kmt_event *ev;	/* full form, or NULL */
	struct kmt_cev *cev;	/* compact form */
	uint64_t *ts;		/* compact form's timestamps, or NULL */
	struct kmt_crec *rec;	/* records (compact: the trace's) */
	_Atomic uint32_t *rec_next;	/* compact: the next free chunk */
};

/*
 * The compact form's records are packed in the trace's array: a decoding
 * thread takes REC_CHUNK slots at a time for the block it decodes (a
 * block wastes less than one chunk).
 */
#define REC_CHUNK	1024

/*
 * Write memory event @i (its record: @rec[@ri]) in the form asked (@o: a
 * copy in the caller's locals, as the stores here may alias anything).
 */
static __attribute__((always_inline)) inline void
emit_mem(const struct dec_out o, uint32_t i, uint64_t ts, uint32_t obj,
	 uint16_t cpu, unsigned int type, unsigned int flags, uint32_t pid,
	 uint32_t site, const struct kmt_crec *rec, uint32_t ri,
	 unsigned int acpu, const bool compact)
{
	if (compact) {
		struct kmt_cev *ce = &o.cev[i];

		ce->obj = obj;
		ce->rec = ri;
		ce->cpu = cpu;
		ce->type = (uint8_t)type;
		ce->flags = (uint8_t)flags;
		ce->alloc_cpu = (uint16_t)acpu;
		ce->reserved = 0;
		if (o.ts)
			o.ts[i] = ts;
	} else {
		struct kmt_event *ev = &o.ev[i];

		ev->ts = ts;
		ev->obj = obj;
		ev->cpu = cpu;
		ev->type = (uint8_t)type;
		ev->flags = (uint8_t)flags;
		ev->pid = pid;
		ev->site = site;
		ev->u.mem = rec[ri].mem.m;
		ev->u.mem.alloc_cpu = (uint16_t)acpu;
	}
}

/*
 * note_sites(): after memory event (@kind, @obj, @site), the successor
 * of the last site and what an object of the block was allocated at or
 * freed from.  *@last_site is the previous memory event's site, or nstr
 * (the table's spare entry) at the start of a block.
 */
static __attribute__((always_inline)) inline void
note_mem(struct dsite *dsite, struct dobj *dobj, uint32_t *last_site,
	 uint32_t site, uint32_t obj, unsigned int kind, uint32_t first_obj,
	 uint32_t lim, uint32_t gen)
{
	uint32_t k;

	dsite[*last_site].succ = site;
	dsite[*last_site].sgen = gen;
	*last_site = site;
	if (obj != KMT_OBJ_NONE && obj >= first_obj &&
	    (k = obj - first_obj) < lim) {
		if (kind == KMT_KIND_ALLOC) {
			dobj[k] = (struct dobj){ gen, site };
		} else if (kind == KMT_KIND_FREE && dobj[k].gen == gen) {
			struct dsite *ds = &dsite[dobj[k].site];

			ds->fsite = site;
			ds->fgen = gen;
		}
	}
}

/*
 * The values of vm event @type of @pid (@b0's P bit: all as guessed) from
 * the stream at *@pp, with the guesses encode_event() coded them against.
 * 0, or -1 when the stream is inconsistent.
 */
static __attribute__((always_inline)) inline int
dec_vm(struct cstate *s, unsigned int type, uint32_t pid, unsigned int b0,
       const uint8_t **pp, const uint8_t *e, uint64_t vv[3])
{
	const uint8_t *p = *pp;
	unsigned int diff = (b0 & B0_P) ? 0 : *p++;
	struct vm_last *const vmh = s->vmh, *const last = &s->vm[type];
	struct vm_last *va, *vl;
	const uint32_t gen = s->gen;
	const uint64_t key = vm_key(type, pid, 0);
	const bool rss = type == KMT_EV_RSS_STAT;
	/* the guesses of vm_guess(), with the table and block in locals */
	const bool lk = last->gen == gen && last->n;
#define GUESS(l, f)	((l) && (l)->n ? (l)->v[f] + (l)->d[f] :	\
			 lk ? last->v[f] : 0)

	if ((!(b0 & B0_P) && !diff) || diff > 7)
		return -1;
	va = vm_find(vmh, gen, key);
	vv[2] = GUESS(va, 2);
	if (rss && (diff & 4))
		vv[2] += (uint64_t)unzigzag(fv(&p, e));
	/* vm_member() */
	vl = rss ? vm_find(vmh, gen, key ^ (vv[2] + 1) * 0xff51afd7ed558ccdull)
		 : va;
	vv[0] = GUESS(vl, 0);
	if (diff & 1)
		vv[0] += (uint64_t)unzigzag(fv(&p, e));
	vv[1] = GUESS(vl, 1);
	if (diff & 2)
		vv[1] += (uint64_t)unzigzag(fv(&p, e));
	if (!rss && (diff & 4))
		vv[2] += (uint64_t)unzigzag(fv(&p, e));
#undef GUESS
	vm_done(s, type, va, vl, vv);
	*pp = p;
	return 0;
}

/* the decoding loop's state that the fast path changes */
struct dloop {
	const uint8_t *p;
	uint64_t ts;
	uint32_t next_obj, last_site;
	uint32_t nrec, rec_end;	/* the next record, the end of its chunk */
};

static uint32_t __attribute__((noinline))
rec_refill(const struct dec_out *o, uint32_t *end)
{
	uint32_t at = atomic_fetch_add_explicit(o->rec_next, REC_CHUNK,
						memory_order_relaxed);

	*end = at + REC_CHUNK;
	return at;
}

/* Index of a new record (full form: in the decoder's own array). */
static inline uint32_t rec_new(struct dloop *L, const struct dec_out *o)
{
	if (unlikely(L->nrec == L->rec_end))
		L->nrec = rec_refill(o, &L->rec_end);
	return L->nrec++;
}

/* Write vm event @i (values @vv) in the form asked. */
static __attribute__((always_inline)) inline void
emit_vm(struct dloop *L, const struct dec_out o, uint32_t i, uint32_t obj,
	uint16_t cpu, unsigned int type, unsigned int flags, uint32_t pid,
	const uint64_t vv[3], const bool compact)
{
	if (!compact) {
		o.ev[i] = (struct kmt_event){
			.ts = L->ts, .obj = obj, .cpu = cpu,
			.type = (uint8_t)type, .flags = (uint8_t)flags,
			.pid = pid, .u.vm = { vv[0], vv[1], vv[2] },
		};
	} else {
		uint32_t ri = rec_new(L, &o);

		o.rec[ri] = (struct kmt_crec){
			.vm = { vv[0], vv[1], vv[2], pid } };
		emit_mem(o, i, L->ts, obj, cpu, type, flags, pid, 0, o.rec,
			 ri, 0, true);
	}
}

/* and what it reads */
struct dctx {
	const uint8_t *e;
	uint64_t mul;
	uint32_t gen, nstr, first_obj, lim;
	struct dpred *tab;
	struct dsite *dsite;
	struct dobj *dobj;
	struct kmt_crec *rec;
	uint64_t *by_type;
	struct dec_out o;
};

/*
 * The fast path of decode_block_t(): memory event @i (first byte @b0,
 * fast[b0] @ti) whose record is as predicted, with no X byte (@xs 0) or
 * one with only X_SITE and X_ACPU (@xs, already read).  Inlined twice, so
 * an event without the X byte tests none of its bits.  0, or -1 when the
 * stream is inconsistent.
 */
static __attribute__((always_inline)) inline int
fast_mem(struct dloop *L, const struct dctx *C, unsigned int b0,
	 unsigned int ti, unsigned int xs, uint32_t i, uint16_t cpu,
	 uint32_t pid, const bool compact)
{
	const uint8_t *p = L->p, *const e = C->e;
	const uint32_t gen = C->gen, first_obj = C->first_obj;
	struct dsite *const dsite = C->dsite;
	struct dobj *const dobj = C->dobj;
	struct kmt_crec *const rec = C->rec;
	unsigned int type = b0 & B0_ESCAPE, kind = ti & TI_KIND, flags;
	unsigned int acpu = 0;
	uint32_t obj = KMT_OBJ_NONE, site = 0, k, ri;
	uint64_t v;
	bool known = false;

	if (!(b0 & B0_T0))
		L->ts += (uint64_t)unzigzag(fv(&p, e)) * C->mul;
	if (kind == KMT_KIND_FREE) {
		v = fv(&p, e);
		if (v > L->next_obj)
			return -1;
		if (v) {
			obj = L->next_obj - (uint32_t)v;
			if (!(xs & X_SITE) && obj >= first_obj &&
			    (k = obj - first_obj) < C->lim &&
			    dobj[k].gen == gen &&
			    dsite[dobj[k].site].fgen == gen) {
				site = dsite[dobj[k].site].fsite;
				known = true;
			}
		}
	}
	if (!known) {
		if (!(xs & X_SITE) && dsite[L->last_site].sgen == gen) {
			site = dsite[L->last_site].succ;
		} else {
			v = fv(&p, e);
			if (v >= C->nstr)
				return -1;
			site = (uint32_t)v;
		}
	}
	{
		struct dpred *pr = &C->tab[(size_t)site * 8 + TI_SPACE(ti)];

		if (unlikely(pr->gen != gen)) {
			/* predicted, but nothing known: blank */
			uint32_t r = rec_new(L, &C->o);

			rec[r] = (struct kmt_crec){
				.mem.m.node = KMT_NODE_NONE, .mem.site = site };
			*pr = (struct dpred){ gen, r };
		}
		ri = pr->rec;
	}
	flags = rec[ri].mem.flags;
	if (kind == KMT_KIND_ALLOC && !(flags & KMT_F_FAILED)) {
		obj = L->next_obj;
		if (obj == UINT32_MAX - 1)
			return -1;
		L->next_obj++;
	}
	if (xs & X_ACPU) {
		v = fv(&p, e);
		if (v > 0xffff)
			return -1;
		acpu = (unsigned int)v;
	} else if (kind == KMT_KIND_FREE && obj != KMT_OBJ_NONE) {
		acpu = cpu;
	}
	emit_mem(C->o, i, L->ts, obj, cpu, type, flags, pid, site, rec, ri,
		 acpu, compact);
	note_mem(dsite, dobj, &L->last_site, site, obj, kind, first_obj,
		 C->lim, gen);
	C->by_type[type]++;
	L->p = p;
	return 0;
}

/*
 * Decode block @b's raw stream [@p, @e) (RD_PAD zero bytes after @e) into
 * @o (@compact: which form; a constant, so each form gets its own copy of
 * the loop); @b->end_obj is the next new object id after it, @o->rec[0,
 * *nrec) its records.  0, or -1 when the stream is inconsistent.  The same
 * predictions as encode_event()'s, with the decoder's own tables.
 *
 * A memory event's record is its predicted record (the table entry of
 * its site and space), or, when the event says which fields differ, a
 * new record made from that one; a record is made blank for a predictor
 * not set yet in the block.  Every event adds at most one record.
 */
static __attribute__((always_inline)) inline int
decode_block_t(struct dec *d, const uint8_t *p, const uint8_t *e,
	       struct blk *b, const struct dec_out *po, uint32_t *nrec_out,
	       const bool compact)
{
	const struct dec_out o = *po;
	struct cstate *s = &d->s;
	const uint32_t gen = s->gen, nstr = s->nstr;
	const uint32_t first_obj = b->first_obj, lim = b->lim;
	const uint64_t mul = (uint64_t)unit_ns[b->unit];
	struct kmt_crec *rec = o.rec;
	const uint32_t n = b->n;
	/* the tables in locals: the byte stores below may alias anything,
	 * and the loop would load them again after each */
	struct dpred *const tab = d->tab;
	struct dsite *const dsite = d->site;
	struct dobj *const dobj = d->obj;
	struct dcpu *const dcpu = d->cpu;
	const uint8_t *const tinfo = d->tinfo, *const fast = d->fast;
	uint64_t *const by_type = d->by_type;
	uint64_t v;
	uint32_t pid = 0;
	uint32_t max_cpu = d->max_cpu > 1 ? d->max_cpu : 1;
	uint16_t cpu = 0;
	struct dloop L = { .p = p, .ts = b->first_ts, .next_obj = first_obj,
			   .last_site = nstr,
			   /* (full form: the decoder's array has room for
			    * a record an event; compact: chunks) */
			   .rec_end = compact ? 0 : KMT_BLOCK_EVENTS };
	const struct dctx C = {
		.e = e, .mul = mul, .gen = gen, .nstr = nstr,
		.first_obj = first_obj, .lim = lim, .tab = tab, .dsite = dsite,
		.dobj = dobj, .rec = rec, .by_type = by_type, .o = o };

	for (uint32_t i = 0; i < n; i++) {
		unsigned int b0 = *p++, type = b0 & B0_ESCAPE, x = 0;
		unsigned int ti = fast[b0], kind, flags = 0, acpu = 0;
		uint32_t obj = KMT_OBJ_NONE, ri = 0;

		/*
		 * The common shape first: a memory event of a type < 31
		 * without a record of its own, with no X byte or one that
		 * gives only the site or the allocating CPU (the general
		 * path below does the same for these).
		 */
		if (likely(ti)) {
			int rc;

			if (!(b0 & B0_X)) {
				L.p = p;
				rc = fast_mem(&L, &C, b0, ti, 0, i, cpu, pid,
					      compact);
			} else {
				unsigned int xs = *p;

				/* only the site or the allocating CPU */
				if (xs & ~(X_SITE | X_ACPU))
					goto general;
				L.p = ++p;
				rc = fast_mem(&L, &C, b0, ti, xs, i, cpu, pid,
					      compact);
			}
			if (rc)
				return -1;
			p = L.p;
			continue;
		}
general:
		if (unlikely(type == B0_ESCAPE))
			type = *p++;
		if (unlikely(type == KMT_EV_NONE || type >= KMT_EV_NR))
			return -1;
		ti = tinfo[type];
		kind = ti & TI_KIND;
		if (b0 & B0_X) {
			x = *p++;
			if (x & X_CPU_INLINE) {
				cpu = x & 0x7f;
				pid = dcpu[cpu].gen == gen ? dcpu[cpu].pid : 0;
				x = 0;
			} else if (x & X_CPU) {
				v = fv(&p, e);
				if (v >= MAX_CPUS)
					return -1;
				cpu = (uint16_t)v;
				pid = dcpu[cpu].gen == gen ? dcpu[cpu].pid : 0;
			}
			if (cpu >= max_cpu)
				max_cpu = cpu + 1u;
			if (x & X_PID) {
				v = fv(&p, e);
				if (v > UINT32_MAX)
					return -1;
				pid = (uint32_t)v;
				dcpu[cpu] = (struct dcpu){ gen, pid };
			}
			if (x & X_FLAGS)
				flags = *p++;
		}
		if (!(b0 & B0_T0))
			L.ts += (uint64_t)unzigzag(fv(&p, e)) * mul;
		if (x & X_OBJ) {
			v = fv(&p, e);
			if (v > UINT32_MAX)
				return -1;
			obj = v ? (uint32_t)(v - 1) : KMT_OBJ_NONE;
		}
		if (ti & TI_MEM) {
			struct dpred *pr;
			uint32_t site = 0, k;
			bool known = false;

			if (kind == KMT_KIND_FREE && !(x & X_OBJ)) {
				v = fv(&p, e);
				if (v > L.next_obj)
					return -1;
				if (v)
					obj = L.next_obj - (uint32_t)v;
			}
			/* site_pred(): the free site of its allocation site */
			if (kind == KMT_KIND_FREE && obj != KMT_OBJ_NONE &&
			    obj >= first_obj && obj < L.next_obj &&
			    (k = obj - first_obj) < lim &&
			    dobj[k].gen == gen) {
				const struct dsite *ds = &dsite[dobj[k].site];

				if (ds->fgen == gen) {
					site = ds->fsite;
					known = true;
				}
			}
			/* ... else what followed the last site */
			if (!known && dsite[L.last_site].sgen == gen) {
				site = dsite[L.last_site].succ;
				known = true;
			}
			if (!known || (x & X_SITE)) {
				v = fv(&p, e);
				if (v >= nstr)
					return -1;
				site = (uint32_t)v;
			}
			pr = &tab[(size_t)site * 8 + TI_SPACE(ti)];
			ri = pr->gen == gen ? pr->rec : UINT32_MAX;
			if (!(b0 & B0_P)) {
				unsigned int diff = *p++;
				struct kmt_crec base;

				if (!diff)
					return -1;
				if (ri != UINT32_MAX)
					base = rec[ri];
				else
					base = (struct kmt_crec){
						.mem.m.node = KMT_NODE_NONE,
						.mem.site = site };
				if (diff & REC_FLAGS)
					base.mem.flags = *p++;
				if (diff & REC_REQ) {
					v = fv(&p, e);
					if (v > UINT32_MAX)
						return -1;
					base.mem.m.bytes_req = (uint32_t)v;
				}
				if (diff & REC_ALLOC) {
					int64_t a = (int64_t)base.mem.m.bytes_req
						    + unzigzag(fv(&p, e));

					if (a < 0 || a > (int64_t)UINT32_MAX)
						return -1;
					base.mem.m.bytes_alloc = (uint32_t)a;
				}
				if (diff & REC_GFP) {
					v = fv(&p, e);
					if (v > UINT32_MAX)
						return -1;
					base.mem.m.gfp = (uint32_t)v;
				}
				if (diff & REC_CACHE) {
					v = fv(&p, e);
					if (v >= nstr)
						return -1;
					base.mem.m.cache = (uint32_t)v;
				}
				if (diff & REC_NODE) {
					v = fv(&p, e);
					if (v > 0xffff)
						return -1;
					base.mem.m.node =
						(int16_t)((uint16_t)v - 1);
				}
				if (diff & REC_ORDER)
					base.mem.m.order = *p++;
				if (diff & REC_MT)
					base.mem.m.migratetype = *p++;
				ri = rec_new(&L, &o);
				rec[ri] = base;
				*pr = (struct dpred){ gen, ri };
			} else if (unlikely(ri == UINT32_MAX)) {
				/* predicted, but nothing known: blank */
				ri = rec_new(&L, &o);
				rec[ri] = (struct kmt_crec){
					.mem.m.node = KMT_NODE_NONE,
					.mem.site = site };
				*pr = (struct dpred){ gen, ri };
			}
			flags = rec[ri].mem.flags;
			if (kind == KMT_KIND_ALLOC && !(x & X_OBJ) &&
			    !(flags & KMT_F_FAILED))
				obj = L.next_obj;
			if (x & X_ACPU) {
				v = fv(&p, e);
				if (v > 0xffff)
					return -1;
				acpu = (unsigned int)v;
			} else {
				acpu = kind == KMT_KIND_FREE &&
				       obj != KMT_OBJ_NONE ? cpu : 0;
			}
			emit_mem(o, i, L.ts, obj, cpu, type, flags, pid, site,
				 rec, ri, acpu, compact);
			note_mem(dsite, dobj, &L.last_site, site, obj, kind,
				 first_obj, lim, gen);
		} else {
			uint64_t vv[3];

			if (dec_vm(s, type, pid, b0, &p, e, vv))
				return -1;
			emit_vm(&L, o, i, obj, cpu, type, flags, pid, vv,
				compact);
		}
		/* (a vm event's obj is a payload: an mmap's file offset) */
		if (obj != KMT_OBJ_NONE && obj >= L.next_obj) {
			if (kind == KMT_KIND_FREE)
				return -1;	/* freed before allocated */
			if (kind == KMT_KIND_ALLOC) {
				if (obj == UINT32_MAX - 1)
					return -1;
				L.next_obj = obj + 1;
			}
		}
		/* what kmt_trace_finish() counts, without a second pass (a
		 * run past the end of the stream: see RD_PAD) */
		by_type[type]++;
	}
	if (p != e)
		return -1;
	b->end_obj = L.next_obj;
	if (b->n)
		d->max_cpu = max_cpu;
	*nrec_out = L.nrec;	/* (full form: the records made) */
	return 0;
}

static int __attribute__((noinline))
decode_block_full(struct dec *d, const uint8_t *p, const uint8_t *e,
		  struct blk *b, const struct dec_out *o, uint32_t *nrec)
{
	return decode_block_t(d, p, e, b, o, nrec, false);
}

static int __attribute__((noinline))
decode_block_compact(struct dec *d, const uint8_t *p, const uint8_t *e,
		     struct blk *b, const struct dec_out *o, uint32_t *nrec)
{
	return decode_block_t(d, p, e, b, o, nrec, true);
}

struct dec_job {
	struct blk *blk;
	uint32_t nblk, nstr;
	struct kmt_event *ev;		/* the full form, or */
	struct kmt_cev *cev;		/* the compact one */
	uint64_t *ts;			/* (compact, when asked) */
	struct kmt_crec *rec;		/* (compact) */
	_Atomic uint32_t rec_next;	/* (compact) next free record */
	_Atomic uint32_t next;		/* next block to take */
	_Atomic uint32_t first_bad;	/* lowest failed block (or nblk) */
};

static unsigned int decode_threads_set;	/* 0: as many as CPUs online */

void kmt_set_decode_threads(unsigned int n)
{
	decode_threads_set = n;
}

/*
 * Threads for @nblk blocks: kmt_set_decode_threads()'s number, else
 * $KMBENCH_DECODE_THREADS, else one per CPU; at most one per block and 16.
 */
static unsigned int decode_threads(uint32_t nblk)
{
	unsigned int n = decode_threads_set;
	const char *env = getenv("KMBENCH_DECODE_THREADS");
	uint64_t e;

	if (!n && env && kmb_parse_u64(env, &e, false) && e && e <= 16)
		n = (unsigned int)e;
	if (!n) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		n = c > 0 ? (unsigned int)c : 1;
	}
	if (n > 16)
		n = 16;
	return n < nblk ? n : (nblk ? nblk : 1);
}

static enum blk_err decode_one(struct dec *d, struct dec_job *job,
			       struct blk *b)
{
	struct dec_out o = { 0 };
	uint32_t nrec = 0;
	int rc;

	if (b->raw_len + RD_PAD > d->zcap) {
		d->zcap = b->raw_len + RD_PAD;
		free(d->zbuf);
		d->zbuf = kmb_xmalloc(d->zcap);
	}
	if (b->codec == 1) {
#if HAVE_ZSTD
		size_t got = ZSTD_decompressDCtx(d->zctx, d->zbuf, b->raw_len,
						 b->payload, b->plen);

		if (ZSTD_isError(got) || got != b->raw_len)
			return BLK_BAD_ZSTD;
#else
		return BLK_NO_ZSTD;
#endif
	} else {
		memcpy(d->zbuf, b->payload, b->raw_len);
	}
	memset(d->zbuf + b->raw_len, 0, RD_PAD);
	/* a new block: what the tables knew is stale (b->lim slots for the
	 * sites of new objects, as the encoder's table then had) */
	d->s.gen++;
	if (job->ev) {
		/* records only as the predictions' store */
		o.ev = job->ev + b->out;
		o.rec = d->rec;
		rc = decode_block_full(d, d->zbuf, d->zbuf + b->raw_len, b,
				       &o, &nrec);
	} else {
		o.cev = job->cev + b->out;
		o.ts = job->ts ? job->ts + b->out : NULL;
		o.rec = job->rec;
		o.rec_next = &job->rec_next;
		rc = decode_block_compact(d, d->zbuf, d->zbuf + b->raw_len,
					  b, &o, &nrec);
	}
	return rc ? BLK_BAD_DATA : BLK_OK;
}

/* ---- the pool of decoders ---- */

static struct {
	pthread_mutex_t lock;
	struct dec *d[16];
	unsigned int nr;
} dec_pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* A decoder from the pool (or a new one) with tables for @nstr strings. */
static struct dec *dec_get(uint32_t nstr)
{
	struct dec *d = NULL;

	pthread_mutex_lock(&dec_pool.lock);
	if (dec_pool.nr)
		d = dec_pool.d[--dec_pool.nr];
	pthread_mutex_unlock(&dec_pool.lock);
	if (!d) {
		d = kmb_xcalloc(1, sizeof(*d));
		d->obj = kmb_xcalloc(KMT_BLOCK_EVENTS, sizeof(*d->obj));
		d->cpu = kmb_xcalloc(MAX_CPUS, sizeof(*d->cpu));
		d->rec = kmb_xmalloc(KMT_BLOCK_EVENTS * sizeof(*d->rec));
		d->s.vmh = kmb_xcalloc(1u << VMH_BITS, sizeof(*d->s.vmh));
#if HAVE_ZSTD
		d->zctx = ZSTD_createDCtx();
		if (!d->zctx)
			kmb_die(KMB_EX_SOFTWARE, "out of memory (zstd context)");
#endif
		/* (kind_of() and space_bits() read kind_tab: set up before) */
		for (unsigned int t = 0; t < KMT_EV_NR; t++)
			d->tinfo[t] = (uint8_t)(kind_of(t) |
						(is_mem(t) ? TI_MEM : 0) |
						space_bits(t) << 3);
		/* a memory event, no escape, record predicted (and an X
		 * byte that the fast path may take) */
		for (unsigned int b0 = 0; b0 < 256; b0++) {
			unsigned int t = b0 & B0_ESCAPE;

			if (t < B0_ESCAPE && t < KMT_EV_NR && is_mem(t) &&
			    (b0 & B0_P))
				d->fast[b0] = d->tinfo[t];
		}
	}
	if (nstr > d->nstr) {
		/* new entries have gen 0: no block's */
		free(d->tab);
		free(d->site);
		d->tab = kmb_xcalloc((size_t)nstr * 8, sizeof(*d->tab));
		/* (and a spare entry: the last site at a block's start) */
		d->site = kmb_xcalloc(nstr + 1, sizeof(*d->site));
		d->nstr = nstr;
	}
	/* (the vm predictions need only gen, vm and vmh of the state) */
	d->s.nstr = nstr;
	d->max_cpu = 0;
	memset(d->by_type, 0, sizeof(d->by_type));
	return d;
}

static void dec_destroy(struct dec *d)
{
	free(d->tab);
	free(d->site);
	free(d->obj);
	free(d->cpu);
	free(d->rec);
	free(d->s.vmh);
	free(d->zbuf);
#if HAVE_ZSTD
	ZSTD_freeDCtx(d->zctx);
#endif
	free(d);
}

static void dec_put(struct dec *d)
{
	pthread_mutex_lock(&dec_pool.lock);
	if (dec_pool.nr < 16) {
		dec_pool.d[dec_pool.nr++] = d;
		d = NULL;
	}
	pthread_mutex_unlock(&dec_pool.lock);
	if (d)
		dec_destroy(d);
}

void kmt_decode_release(void)
{
	struct dec *d[16];
	unsigned int n;

	pthread_mutex_lock(&dec_pool.lock);
	n = dec_pool.nr;
	memcpy(d, dec_pool.d, n * sizeof(d[0]));
	dec_pool.nr = 0;
	pthread_mutex_unlock(&dec_pool.lock);
	while (n)
		dec_destroy(d[--n]);
	pthread_mutex_lock(&ev_spare.lock);
	for (int k = 0; k < EV_SPARES; k++) {
		free(ev_spare.s[k].p);
		ev_spare.s[k].p = NULL;
	}
	pthread_mutex_unlock(&ev_spare.lock);
}

struct dec_thread {
	struct dec_job *job;
	struct dec *d;
};

static void *decode_worker(void *arg)
{
	struct dec_thread *w = arg;
	struct dec_job *job = w->job;

	for (;;) {
		uint32_t i = atomic_fetch_add_explicit(&job->next, 1,
						       memory_order_relaxed);
		struct blk *b;
		uint32_t bad;

		/* blocks after a bad one need not be decoded */
		if (i >= atomic_load_explicit(&job->first_bad,
					      memory_order_relaxed))
			break;
		b = &job->blk[i];
		b->err = (uint8_t)decode_one(w->d, job, b);
		if (!b->err)
			continue;
		bad = atomic_load_explicit(&job->first_bad,
					   memory_order_relaxed);
		while (i < bad &&
		       !atomic_compare_exchange_weak_explicit(
			       &job->first_bad, &bad, i, memory_order_relaxed,
			       memory_order_relaxed))
			;
	}
	return NULL;
}

/*
 * Decode every block of @job on @nthr threads (this one included); their
 * counts go to @by_type and @max_cpu.
 */
static void decode_all(struct dec_job *job, unsigned int nthr,
		       uint64_t *by_type, uint32_t *max_cpu)
{
	pthread_t tid[16];
	struct dec_thread w[16];
	unsigned int started = 1;

	for (unsigned int i = 0; i < nthr; i++)
		w[i] = (struct dec_thread){ job, dec_get(job->nstr) };
	for (unsigned int i = 1; i < nthr; i++) {
		if (pthread_create(&tid[i], NULL, decode_worker, &w[i]))
			break;	/* fewer threads: the rest is done here */
		started++;
	}
	decode_worker(&w[0]);
	for (unsigned int i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	for (unsigned int i = 0; i < nthr; i++) {
		for (int k = 0; k < KMT_EV_NR; k++)
			by_type[k] += w[i].d->by_type[k];
		if (w[i].d->max_cpu > *max_cpu)
			*max_cpu = w[i].d->max_cpu;
		dec_put(w[i].d);
	}
}

/*
 * Decode image @buf into @t: the full form into t->ev, or, with @c, the
 * compact form into @c (t is &c->t then; @cflags: KMT_C_*).
 */
static int decode(const void *buf, size_t len, const char *name,
		  struct kmt_trace *t, struct kmt_ctrace *c,
		  unsigned int cflags, struct kmt_error *err)
{
	struct rd r = { buf, (const uint8_t *)buf + len, false };
	struct rd h;
	uint32_t version, hlen, mlen, nstr;
	const uint8_t *blocks_end;
	uint64_t index_off;
	struct dec_job job = { 0 };
	size_t cap = 0;
	uint32_t nblk = 0, max_cpu = 0, next_obj = 0, lim = 0;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->meta.hashed_ptrs = -1;
	memset(err, 0, sizeof(*err));
	if (!kmt_is_kmt(buf, len))
		return fail(err, name, "no .kmt magic");
	kind_tab_init();
	r.p += KMT_MAGIC_LEN;
	version = rd_u32(&r);
	if (r.bad)
		return fail(err, name, "truncated header");
	if (version != KMT_VERSION) {
		fail(err, name, "");
		snprintf(err->msg, sizeof(err->msg),
			 ".kmt version %u is not supported (this is %u)",
			 version, KMT_VERSION);
		return err->code;
	}
	hlen = rd_u32(&r);
	if (r.bad || hlen > (size_t)(r.e - r.p))
		return fail(err, name, "truncated header");
	h = (struct rd){ r.p, r.p + hlen, false };
	r.p += hlen;
	mlen = rd_u32(&h);
	if (h.bad || mlen > (size_t)(h.e - h.p))
		return fail(err, name, "bad metadata length");
	decode_meta(t, (const char *)h.p, mlen);
	h.p += mlen;
	nstr = rd_u32(&h);
	if (h.bad || nstr == 0 || nstr > MAX_STRINGS ||
	    (nstr - 1) > (size_t)(h.e - h.p) / 4) {
		rc = fail(err, name, "bad string table");
		goto out;
	}
	for (uint32_t i = 1; i < nstr; i++) {
		uint32_t n = rd_u32(&h);

		if (h.bad || n == 0 || n > (size_t)(h.e - h.p)) {
			rc = fail(err, name, "bad string table");
			goto out;
		}
		if (kmt_str_intern(&t->strs, (const char *)h.p, n) != i) {
			rc = fail(err, name, "duplicate string");
			goto out;
		}
		h.p += n;
	}
	/* the trailer names where the blocks end */
	{
		const uint8_t *e = (const uint8_t *)buf + len;
		struct rd tr;

		if (e - r.p < 20 || memcmp(e - 8, TRAILER_MAGIC, 8)) {
			rc = fail(err, name, "no trailer (truncated?)");
			goto out;
		}
		tr = (struct rd){ e - 16, e - 8, false };
		index_off = rd_u64(&tr);
		if (index_off < (uint64_t)(r.p - (const uint8_t *)buf) ||
		    index_off > len - 20) {
			rc = fail(err, name, "bad index offset");
			goto out;
		}
		blocks_end = (const uint8_t *)buf + index_off;
	}
	/* the index says how many events: one allocation for them all */
	{
		struct rd ix = { blocks_end, r.e - 16, false };
		uint32_t nb = rd_u32(&ix);
		uint64_t total = 0;

		if (ix.bad || (size_t)(ix.e - ix.p) != (size_t)nb * 20 ||
		    nb > (size_t)(blocks_end - r.p) / 28) {
			rc = fail(err, name, "bad index");
			goto out;
		}
		for (uint32_t i = 0; i < nb; i++) {
			uint32_t n;

			rd_u64(&ix);
			rd_u64(&ix);
			n = rd_u32(&ix);
			if (n == 0 || n > KMT_BLOCK_EVENTS) {
				rc = fail(err, name, "bad index");
				goto out;
			}
			total += n;
		}
		cap = (size_t)total;
		nblk = nb;
		if (!c) {
			t->ev = kmt_alloc_events(cap);
		} else if (cap + (uint64_t)nb * REC_CHUNK > UINT32_MAX) {
			rc = fail(err, name, "too many events for the "
				  "compact form");
			goto out;
		} else {
			c->ev = big_alloc((cap ? cap : 1) * sizeof(*c->ev),
					  true);
			/* at most a record an event, and part of a chunk
			 * a block */
			c->rec_cap = cap + (size_t)nb * REC_CHUNK;
			c->rec = big_alloc(c->rec_cap * sizeof(*c->rec),
					   true);
			if (cflags & KMT_C_TS)
				c->ts = big_alloc((cap ? cap : 1) *
						  sizeof(*c->ts), true);
			c->cap = cap;
		}
	}
	/* the blocks' headers, in file order */
	job.blk = kmb_xcalloc(nblk ? nblk : 1, sizeof(*job.blk));
	while (r.p < blocks_end) {
		struct blk *b;

		if (job.nblk == nblk) {
			rc = fail(err, name, "more blocks than the index says");
			goto out;
		}
		b = &job.blk[job.nblk];
		b->n = rd_u32(&r);
		b->raw_len = rd_u32(&r);
		b->plen = rd_u32(&r);
		b->codec = rd_u8(&r);
		b->unit = rd_u8(&r);
		rd_u8(&r);
		rd_u8(&r);
		b->first_ts = rd_u64(&r);
		b->first_obj = rd_u32(&r);
		if (r.bad || b->n == 0 || b->n > KMT_BLOCK_EVENTS ||
		    b->plen > (size_t)(blocks_end - r.p) || b->unit > 1 ||
		    b->codec > 1 || b->raw_len > (size_t)b->n * 64 ||
		    (job.nblk == 0 && b->first_obj != 0)) {
			rc = fail(err, name, "bad block header (truncated?)");
			goto out;
		}
		if (b->codec == 0 && b->plen != b->raw_len) {
			rc = fail(err, name, "bad block length");
			goto out;
		}
		if (t->nr_ev + b->n > cap) {
			rc = fail(err, name, "more events than the index says");
			goto out;
		}
		b->payload = r.p;
		b->out = t->nr_ev;
		b->lim = b->n > lim ? b->n : lim;
		lim = b->lim;
		r.p += b->plen;
		t->nr_ev += b->n;
		job.nblk++;
	}
	if (job.nblk != nblk) {
		rc = fail(err, name, "bad index");
		goto out;
	}
	job.nstr = nstr;
	job.ev = t->ev;
	if (c) {
		job.cev = c->ev;
		job.ts = c->ts;
		job.rec = c->rec;
	}
	job.first_bad = nblk;
	decode_all(&job, decode_threads(nblk), t->by_type, &max_cpu);
	for (uint32_t i = 0; i < nblk; i++) {
		const struct blk *b = &job.blk[i];

		if (b->err == BLK_BAD_ZSTD) {
			rc = fail(err, name, "bad compressed block");
			goto out;
		}
		if (b->err == BLK_NO_ZSTD) {
			fail(err, name, "zstd-compressed blocks need libzstd");
			err->code = KMB_EX_UNAVAILABLE;
			rc = err->code;
			goto out;
		}
		if (b->err == BLK_BAD_DATA) {
			rc = fail(err, name, "bad event data");
			goto out;
		}
		if (b->first_obj != next_obj) {
			rc = fail(err, name, "bad block header (truncated?)");
			goto out;
		}
		next_obj = b->end_obj;
	}
	t->nr_objs = next_obj;
	if (c)
		c->nr_rec = job.rec_next;
	free(t->meta.format);
	t->meta.format = kmb_xstrdup("kmt");
	kmt_trace_finish_counted(t, max_cpu);
out:
	free(job.blk);
	if (rc) {
		if (c)
			kmt_ctrace_free(c);
		else
			kmt_trace_free(t);
	}
	return rc;
}

int kmt_decode(const void *buf, size_t len, const char *name,
	       struct kmt_trace *t, struct kmt_error *err)
{
	return decode(buf, len, name, t, NULL, 0, err);
}

int kmt_decode_compact(const void *buf, size_t len, const char *name,
		       unsigned int flags, struct kmt_ctrace *c,
		       struct kmt_error *err)
{
	memset(c, 0, sizeof(*c));
	return decode(buf, len, name, &c->t, c, flags, err);
}

void kmt_ctrace_free(struct kmt_ctrace *c)
{
	size_t cap = c->cap ? c->cap : 1;

	if (c->ev)
		big_free(c->ev, cap * sizeof(*c->ev));
	if (c->rec)
		big_free(c->rec, c->rec_cap * sizeof(*c->rec));
	if (c->ts)
		big_free(c->ts, cap * sizeof(*c->ts));
	kmt_trace_free(&c->t);
	memset(c, 0, sizeof(*c));
}

int kmt_ctrace_from(const struct kmt_trace *t, unsigned int flags,
		    struct kmt_ctrace *c, struct kmt_error *err)
{
	struct bbuf b = { 0 };
	size_t raw;
	int rc;

	/* (an image decoded at once: its blocks stay uncompressed) */
	memset(err, 0, sizeof(*err));
	memset(c, 0, sizeof(*c));
	rc = encode(t, false, &b, &raw, err);
	if (rc) {
		free(b.p);
		return rc;
	}
	rc = kmt_decode_compact(b.p, b.len, "<memory>", flags, c, err);
	free(b.p);
	if (!rc) {
		/* the source's own counts and format, not the image's */
		c->t.counts = t->counts;
		free(c->t.meta.format);
		c->t.meta.format = kmb_xstrdup(t->meta.format ?
					       t->meta.format : "text");
	}
	return rc;
}

void kmt_cev_expand(const struct kmt_ctrace *c, size_t i,
		    struct kmt_event *out)
{
	const struct kmt_cev *e = &c->ev[i];
	const struct kmt_crec *r = kmt_cev_rec(c, e);

	memset(out, 0, sizeof(*out));
	out->ts = c->ts ? c->ts[i] : 0;
	out->obj = e->obj;
	out->cpu = e->cpu;
	out->type = e->type;
	out->flags = e->flags;
	if (!is_mem(e->type)) {
		out->pid = r->vm.pid;
		out->u.vm.addr = r->vm.addr;
		out->u.vm.len = r->vm.len;
		out->u.vm.arg = r->vm.arg;
	} else {
		out->site = r->mem.site;
		out->u.mem = r->mem.m;
		out->u.mem.alloc_cpu = e->alloc_cpu;
	}
}

size_t kmt_ctrace_diff(const struct kmt_trace *t, const struct kmt_ctrace *c)
{
	if (t->nr_ev != c->t.nr_ev || t->nr_objs != c->t.nr_objs)
		return 0;
	for (size_t i = 0; i < t->nr_ev; i++) {
		struct kmt_event want = t->ev[i], got;

		kmt_cev_expand(c, i, &got);
		if (is_mem(want.type))
			want.pid = 0;
		if (!c->ts)
			want.ts = 0;
		if (memcmp(&want, &got, sizeof(want)))
			return i;
		/* a memory event's flags are its record's */
		if (is_mem(want.type) &&
		    kmt_cev_rec(c, &c->ev[i])->mem.flags != c->ev[i].flags)
			return i;
	}
	return t->nr_ev;
}
