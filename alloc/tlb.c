// SPDX-License-Identifier: GPL-2.0
/*
 * tlb.c - software TLB model (see kmm/tlb.h).
 *
 * Lock order: a TLB is owned by one thread (its CPU) and takes no lock on
 * the access path; only its mailbox has a mutex (mbox->lock), taken by
 * senders and by the owner when it drains the mailbox.  No other lock is
 * held while it is taken.
 *
 * Entry states: INVALID (key 0) -> VALID (filled after a miss at this level)
 * -> INVALID (flush) or replaced (LRU victim of its set).
 *
 * Lookup of an access mapped by page size ps: for each level L in order,
 * the array lookup[L][ps] (if any) is searched in set (vpn & set_mask).  A
 * hit at L refreshes its LRU stamp and fills the levels above L; a miss in
 * every level is a page walk that reads walk_levels - ps entries and fills
 * every level.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kmm/cpu.h"
#include "kmm/tlb.h"

const struct tlb_config tlb_default_config = {
	.name = "x86-goldencove",
	.nr_levels = 2,
	.level = {
		{ .nr_structs = 3, .s = {
			{ TLB_PGSIZE_MASK(TLB_PG_4K), 64, 4 },
			{ TLB_PGSIZE_MASK(TLB_PG_2M), 32, 4 },
			{ TLB_PGSIZE_MASK(TLB_PG_1G), 8, 8 },
		} },
		{ .nr_structs = 2, .s = {
			{ TLB_PGSIZE_MASK(TLB_PG_4K) |
			  TLB_PGSIZE_MASK(TLB_PG_2M), 2048, 16 },
			{ TLB_PGSIZE_MASK(TLB_PG_1G), 16, 4 },
		} },
	},
	.walk_levels = 4,
};

#define TLB_MBOX_SLOTS	16

enum tlb_req_kind { TLB_REQ_RANGE, TLB_REQ_ASID, TLB_REQ_ALL };

struct tlb_req {
	enum tlb_req_kind kind;
	unsigned int asid;
	uint64_t start, end;
};

struct tlb_mailbox {
	pthread_mutex_t lock;
	unsigned int nr;
	bool overflow;			/* too many requests: flush all */
	struct tlb_req req[TLB_MBOX_SLOTS];
};

static const char *const pgsize_names[TLB_NR_PGSIZES] = { "4k", "2m", "1g" };

/* ---- configuration ---- */

int tlb_config_validate(const struct tlb_config *cfg, char *err, size_t errlen)
{
	if (cfg->nr_levels < 1 || cfg->nr_levels > TLB_MAX_LEVELS) {
		snprintf(err, errlen, "need 1..%d levels", TLB_MAX_LEVELS);
		return -1;
	}
	if (cfg->walk_levels < 3 || cfg->walk_levels > 5) {
		snprintf(err, errlen, "walk levels must be 3..5");
		return -1;
	}
	for (unsigned int l = 0; l < cfg->nr_levels; l++) {
		const struct tlb_level_config *lc = &cfg->level[l];
		unsigned int seen = 0;

		if (lc->nr_structs < 1 || lc->nr_structs > TLB_MAX_STRUCTS) {
			snprintf(err, errlen, "level %u: need 1..%d arrays",
				 l + 1, TLB_MAX_STRUCTS);
			return -1;
		}
		for (unsigned int i = 0; i < lc->nr_structs; i++) {
			const struct tlb_struct_config *s = &lc->s[i];

			if (!s->pgsizes || s->pgsizes >> TLB_NR_PGSIZES ||
			    (s->pgsizes & seen)) {
				snprintf(err, errlen,
					 "level %u: page sizes missing or in "
					 "two arrays", l + 1);
				return -1;
			}
			seen |= s->pgsizes;
			if (!s->entries || !s->ways || s->entries % s->ways ||
			    !is_power_of_2(s->entries / s->ways)) {
				snprintf(err, errlen,
					 "level %u: %u entries / %u ways must "
					 "give a power-of-two number of sets",
					 l + 1, s->entries, s->ways);
				return -1;
			}
		}
	}
	return 0;
}

static int parse_uint(const char **p, unsigned int *out)
{
	char *end;
	unsigned long v = strtoul(*p, &end, 10);

	if (end == *p || v > 1u << 24)
		return -1;
	*out = (unsigned int)v;
	*p = end;
	return 0;
}

/* "4k+2m=2048/16" */
static int parse_struct(const char **p, struct tlb_struct_config *s)
{
	s->pgsizes = 0;
	for (;;) {
		int ps;

		for (ps = 0; ps < TLB_NR_PGSIZES; ps++)
			if (!strncmp(*p, pgsize_names[ps], 2))
				break;
		if (ps == TLB_NR_PGSIZES)
			return -1;
		s->pgsizes |= TLB_PGSIZE_MASK(ps);
		*p += 2;
		if (**p != '+')
			break;
		(*p)++;
	}
	if (*(*p)++ != '=' || parse_uint(p, &s->entries))
		return -1;
	s->ways = s->entries;
	if (**p == '/') {
		(*p)++;
		if (parse_uint(p, &s->ways))
			return -1;
	}
	return 0;
}

int tlb_config_parse(const char *text, struct tlb_config *cfg, char *err,
		     size_t errlen)
{
	const char *p = text;

	if (!strcmp(text, "default")) {
		*cfg = tlb_default_config;
		return 0;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->name = "custom";
	cfg->walk_levels = 4;
	while (*p) {
		unsigned int l;

		if (!strncmp(p, "walk=", 5)) {
			p += 5;
			if (parse_uint(&p, &cfg->walk_levels))
				goto bad;
		} else if (p[0] == 'l' && p[1] >= '1' && p[1] <= '3' &&
			   p[2] == ':') {
			struct tlb_level_config *lc;

			l = (unsigned int)(p[1] - '1');
			if (l != cfg->nr_levels)
				goto bad;
			lc = &cfg->level[l];
			cfg->nr_levels++;
			p += 3;
			for (;;) {
				if (lc->nr_structs == TLB_MAX_STRUCTS ||
				    parse_struct(&p, &lc->s[lc->nr_structs]))
					goto bad;
				lc->nr_structs++;
				if (*p != ',')
					break;
				p++;
			}
		} else {
			goto bad;
		}
		if (*p == ';')
			p++;
		else if (*p)
			goto bad;
	}
	return tlb_config_validate(cfg, err, errlen);
bad:
	snprintf(err, errlen, "bad TLB model at '%.20s' (expected e.g. "
		 "l1:4k=64/4,2m=32/4;l2:4k+2m=2048/16;walk=4)", p);
	return -1;
}

size_t tlb_config_format(const struct tlb_config *cfg, char *buf, size_t len)
{
	size_t n = 0;

#define OUT(...) do {							\
		int r_ = snprintf(buf + n, n < len ? len - n : 0,	\
				  __VA_ARGS__);				\
		if (r_ > 0)						\
			n += (size_t)r_;				\
	} while (0)
	for (unsigned int l = 0; l < cfg->nr_levels; l++) {
		OUT("l%u:", l + 1);
		for (unsigned int i = 0; i < cfg->level[l].nr_structs; i++) {
			const struct tlb_struct_config *s = &cfg->level[l].s[i];
			bool first = true;

			for (int ps = 0; ps < TLB_NR_PGSIZES; ps++) {
				if (!(s->pgsizes & TLB_PGSIZE_MASK(ps)))
					continue;
				OUT("%s%s", first ? "" : "+", pgsize_names[ps]);
				first = false;
			}
			OUT("=%u/%u%s", s->entries, s->ways,
			    i + 1 < cfg->level[l].nr_structs ? "," : "");
		}
		OUT(";");
	}
	OUT("walk=%u", cfg->walk_levels);
#undef OUT
	return n;
}

/* ---- one TLB ---- */

struct tlb *tlb_create(const struct tlb_config *cfg)
{
	char err[128];
	struct tlb *tlb;

	if (!cfg)
		cfg = &tlb_default_config;
	if (tlb_config_validate(cfg, err, sizeof(err)))
		return NULL;
	tlb = calloc(1, sizeof(*tlb));
	if (!tlb)
		return NULL;
	tlb->nr_levels = cfg->nr_levels;
	tlb->walk_levels = cfg->walk_levels;
	snprintf(tlb->name, sizeof(tlb->name), "%s", cfg->name ? cfg->name :
		 "custom");
	for (unsigned int l = 0; l < cfg->nr_levels; l++) {
		for (unsigned int i = 0; i < cfg->level[l].nr_structs; i++) {
			const struct tlb_struct_config *s = &cfg->level[l].s[i];
			struct tlb_array *a = &tlb->arrays[tlb->nr_arrays++];

			a->pgsizes = s->pgsizes;
			a->ways = s->ways;
			a->set_mask = s->entries / s->ways - 1;
			a->e = calloc(s->entries, sizeof(*a->e));
			if (!a->e) {
				tlb_destroy(tlb);
				return NULL;
			}
			for (int ps = 0; ps < TLB_NR_PGSIZES; ps++)
				if (s->pgsizes & TLB_PGSIZE_MASK(ps))
					tlb->lookup[l][ps] = a;
		}
	}
	tlb->mbox = calloc(1, sizeof(*tlb->mbox));
	if (!tlb->mbox) {
		tlb_destroy(tlb);
		return NULL;
	}
	pthread_mutex_init(&tlb->mbox->lock, NULL);
	return tlb;
}

void tlb_destroy(struct tlb *tlb)
{
	if (!tlb)
		return;
	for (unsigned int i = 0; i < tlb->nr_arrays; i++)
		free(tlb->arrays[i].e);
	if (tlb->mbox) {
		pthread_mutex_destroy(&tlb->mbox->lock);
		free(tlb->mbox);
	}
	free(tlb);
}

static inline struct tlb_entry *tlb_set(const struct tlb_array *a, uint64_t key)
{
	/* the VPN starts at bit 16 of the key */
	return a->e + ((key >> 16) & a->set_mask) * a->ways;
}

static struct tlb_entry *array_find(const struct tlb_array *a, uint64_t key)
{
	struct tlb_entry *set = tlb_set(a, key);

	for (unsigned int w = 0; w < a->ways; w++)
		if (set[w].key == key)
			return &set[w];
	return NULL;
}

static void array_fill(struct tlb *tlb, struct tlb_array *a, uint64_t key)
{
	struct tlb_entry *set = tlb_set(a, key), *victim = &set[0];

	for (unsigned int w = 0; w < a->ways; w++) {
		if (!set[w].key) {
			victim = &set[w];
			goto fill;
		}
		if (set[w].stamp < victim->stamp)
			victim = &set[w];
	}
	tlb->st.evictions++;
fill:
	victim->key = key;
	victim->stamp = ++tlb->clock;
}

int __tlb_access(struct tlb *tlb, uint64_t key, uint64_t vaddr,
		 enum tlb_pgsize ps)
{
	unsigned int l, hit = 0;

	(void)vaddr;
	if (__atomic_load_n(&tlb->pending, __ATOMIC_ACQUIRE))
		tlb_process_mailbox(tlb);
	tlb_fold_stats(tlb);
	tlb->st.accesses++;
	for (l = 0; l < tlb->nr_levels; l++) {
		struct tlb_array *a = tlb->lookup[l][ps];
		struct tlb_entry *e;

		if (!a)
			continue;
		e = array_find(a, key);
		if (e) {
			e->stamp = ++tlb->clock;
			hit = l + 1;
			break;
		}
	}
	if (hit) {
		tlb->st.hits[hit - 1]++;
	} else {
		tlb->st.misses++;
		tlb->st.misses_by_size[ps]++;
		tlb->st.walk_reads += tlb->walk_levels - (unsigned int)ps;
	}
	/* fill every level above the one that hit (all after a walk) */
	for (l = 0; l < (hit ? hit - 1 : tlb->nr_levels); l++)
		if (tlb->lookup[l][ps])
			array_fill(tlb, tlb->lookup[l][ps], key);
	tlb->last_key = key;
	return (int)hit;
}

void tlb_access_range(struct tlb *tlb, uint64_t vaddr, uint64_t len,
		      unsigned int stride, unsigned int asid,
		      enum tlb_pgsize ps)
{
	uint64_t end = vaddr + len;

	if (!stride)
		stride = 64;
	for (uint64_t a = vaddr; a < end; a += stride)
		tlb_access(tlb, a, asid, ps);
	tlb_fold_stats(tlb);
}

/* ---- flushes ---- */

static void invalidate_if(struct tlb *tlb, bool (*match)(uint64_t key,
			  const void *arg), const void *arg)
{
	for (unsigned int i = 0; i < tlb->nr_arrays; i++) {
		struct tlb_array *a = &tlb->arrays[i];
		uint64_t n = (a->set_mask + 1) * a->ways;

		for (uint64_t j = 0; j < n; j++)
			if (a->e[j].key && match(a->e[j].key, arg))
				a->e[j].key = 0;
	}
	tlb->last_key = 0;
}

static void flush_one_page(struct tlb *tlb, uint64_t vaddr, unsigned int asid)
{
	/* INVLPG drops the entry of every page size that maps vaddr */
	for (int ps = 0; ps < TLB_NR_PGSIZES; ps++) {
		uint64_t key = tlb_key(vaddr, asid, (enum tlb_pgsize)ps);

		for (unsigned int l = 0; l < tlb->nr_levels; l++) {
			struct tlb_array *a = tlb->lookup[l][ps];
			struct tlb_entry *e = a ? array_find(a, key) : NULL;

			if (e)
				e->key = 0;
		}
	}
	tlb->last_key = 0;
}

void tlb_flush_page(struct tlb *tlb, uint64_t vaddr, unsigned int asid)
{
	tlb->st.flush_page++;
	flush_one_page(tlb, vaddr, asid);
}

static bool match_asid(uint64_t key, const void *arg)
{
	return ((key >> 4) & TLB_MAX_ASID) == *(const unsigned int *)arg;
}

static bool match_any(uint64_t key, const void *arg)
{
	(void)key;
	(void)arg;
	return true;
}

void tlb_flush_asid(struct tlb *tlb, unsigned int asid)
{
	tlb->st.flush_asid++;
	asid &= TLB_MAX_ASID;
	invalidate_if(tlb, match_asid, &asid);
}

void tlb_flush_all(struct tlb *tlb)
{
	tlb->st.flush_all++;
	invalidate_if(tlb, match_any, NULL);
}

void tlb_flush_range(struct tlb *tlb, uint64_t start, uint64_t end,
		     unsigned int asid)
{
	uint64_t pages = (end - start + 4095) >> 12;

	if (end <= start)
		return;
	if (pages > TLB_SINGLE_PAGE_FLUSH_CEILING) {
		/* as x86: a long range flushes everything (the kernel) or
		 * the whole address space */
		if (asid == TLB_ASID_KERNEL)
			tlb_flush_all(tlb);
		else
			tlb_flush_asid(tlb, asid);
		return;
	}
	tlb->st.flush_range++;
	for (uint64_t a = start & ~4095ULL; a < end; a += 4096)
		flush_one_page(tlb, a, asid);
}

/* ---- queries ---- */

unsigned long tlb_nr_valid(const struct tlb *tlb)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < tlb->nr_arrays; i++) {
		const struct tlb_array *a = &tlb->arrays[i];
		uint64_t m = (a->set_mask + 1) * a->ways;

		for (uint64_t j = 0; j < m; j++)
			n += a->e[j].key != 0;
	}
	return n;
}

bool tlb_probe(const struct tlb *tlb, unsigned int level, uint64_t vaddr,
	       unsigned int asid, enum tlb_pgsize ps)
{
	const struct tlb_array *a;

	if (level < 1 || level > tlb->nr_levels)
		return false;
	a = tlb->lookup[level - 1][ps];
	return a && array_find(a, tlb_key(vaddr, asid, ps));
}

void tlb_reset_stats(struct tlb *tlb)
{
	memset(&tlb->st, 0, sizeof(tlb->st));
	tlb->fast_hits = 0;
}

int tlb_check(const struct tlb *tlb, FILE *fp)
{
	uint64_t hits = 0;

	for (unsigned int i = 0; i < tlb->nr_arrays; i++) {
		const struct tlb_array *a = &tlb->arrays[i];

		for (uint64_t s = 0; s <= a->set_mask; s++) {
			const struct tlb_entry *set = a->e + s * a->ways;

			for (unsigned int w = 0; w < a->ways; w++) {
				uint64_t k = set[w].key;

				if (!k)
					continue;
				if (((k >> 16) & a->set_mask) != s ||
				    !(a->pgsizes &
				      TLB_PGSIZE_MASK((k >> 1) & 7))) {
					fprintf(fp, "tlb: entry %#llx in wrong "
						"set %llu of array %u\n",
						(unsigned long long)k,
						(unsigned long long)s, i);
					return -1;
				}
				for (unsigned int v = w + 1; v < a->ways; v++) {
					if (set[v].key == k ||
					    (set[v].key &&
					     set[v].stamp == set[w].stamp)) {
						fprintf(fp, "tlb: duplicate "
							"key or stamp in set "
							"%llu\n",
							(unsigned long long)s);
						return -1;
					}
				}
			}
		}
	}
	for (unsigned int l = 0; l < TLB_MAX_LEVELS; l++)
		hits += tlb->st.hits[l];
	if (hits + tlb->st.misses != tlb->st.accesses) {
		fprintf(fp, "tlb: %llu hits + %llu misses != %llu accesses\n",
			(unsigned long long)hits,
			(unsigned long long)tlb->st.misses,
			(unsigned long long)tlb->st.accesses);
		return -1;
	}
	return 0;
}

/* ---- per-CPU model and shootdowns ---- */

static struct tlb *model_tlbs[KMM_MAX_CPUS];
static int model_nr;
static struct tlb_config model_cfg;

int tlb_model_init(const struct tlb_config *cfg)
{
	tlb_model_exit();
	model_cfg = cfg ? *cfg : tlb_default_config;
	for (int cpu = 0; cpu < kmm_nr_cpus(); cpu++) {
		model_tlbs[cpu] = tlb_create(&model_cfg);
		if (!model_tlbs[cpu]) {
			model_nr = cpu;
			tlb_model_exit();
			return -ENOMEM;
		}
		model_tlbs[cpu]->cpu = cpu;
	}
	__atomic_store_n(&model_nr, kmm_nr_cpus(), __ATOMIC_RELEASE);
	return 0;
}

void tlb_model_exit(void)
{
	for (int cpu = 0; cpu < model_nr; cpu++) {
		tlb_destroy(model_tlbs[cpu]);
		model_tlbs[cpu] = NULL;
	}
	model_nr = 0;
}

bool tlb_model_active(void)
{
	return __atomic_load_n(&model_nr, __ATOMIC_ACQUIRE) > 0;
}

const struct tlb_config *tlb_model_config(void)
{
	return tlb_model_active() ? &model_cfg : NULL;
}

struct tlb *tlb_cpu(int cpu)
{
	return cpu >= 0 && cpu < model_nr ? model_tlbs[cpu] : NULL;
}

struct tlb *tlb_this_cpu(void)
{
	return tlb_cpu(smp_processor_id());
}

static void apply_req(struct tlb *tlb, const struct tlb_req *r)
{
	switch (r->kind) {
	case TLB_REQ_RANGE:
		tlb_flush_range(tlb, r->start, r->end, r->asid);
		break;
	case TLB_REQ_ASID:
		tlb_flush_asid(tlb, r->asid);
		break;
	case TLB_REQ_ALL:
		tlb_flush_all(tlb);
		break;
	}
}

void tlb_process_mailbox(struct tlb *tlb)
{
	struct tlb_mailbox *mb = tlb->mbox;
	struct tlb_req req[TLB_MBOX_SLOTS];
	unsigned int nr;
	bool overflow;

	pthread_mutex_lock(&mb->lock);
	nr = mb->nr;
	overflow = mb->overflow;
	memcpy(req, mb->req, nr * sizeof(req[0]));
	mb->nr = 0;
	mb->overflow = false;
	__atomic_store_n(&tlb->pending, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&mb->lock);
	tlb->st.shootdowns += nr + overflow;
	if (overflow) {
		tlb_flush_all(tlb);
		return;
	}
	for (unsigned int i = 0; i < nr; i++)
		apply_req(tlb, &req[i]);
}

static void shootdown(const struct tlb_req *r)
{
	int self = smp_processor_id();

	for (int cpu = 0; cpu < model_nr; cpu++) {
		struct tlb *tlb = model_tlbs[cpu];
		struct tlb_mailbox *mb = tlb->mbox;

		if (cpu == self) {
			apply_req(tlb, r);
			continue;
		}
		pthread_mutex_lock(&mb->lock);
		if (mb->nr < TLB_MBOX_SLOTS)
			mb->req[mb->nr++] = *r;
		else
			mb->overflow = true;
		__atomic_store_n(&tlb->pending, 1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&mb->lock);
	}
}

void tlb_shootdown_range(uint64_t start, uint64_t end, unsigned int asid)
{
	struct tlb_req r = { TLB_REQ_RANGE, asid, start, end };

	shootdown(&r);
}

void tlb_shootdown_asid(unsigned int asid)
{
	struct tlb_req r = { TLB_REQ_ASID, asid, 0, 0 };

	shootdown(&r);
}

void tlb_shootdown_all(void)
{
	struct tlb_req r = { TLB_REQ_ALL, 0, 0, 0 };

	shootdown(&r);
}

void tlb_model_stats(struct tlb_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int cpu = 0; cpu < model_nr; cpu++) {
		const uint64_t *src = (const uint64_t *)&model_tlbs[cpu]->st;
		uint64_t *dst = (uint64_t *)out;

		for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			dst[i] += src[i];
		out->accesses += model_tlbs[cpu]->fast_hits;
		out->hits[0] += model_tlbs[cpu]->fast_hits;
	}
}
