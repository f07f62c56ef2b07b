// SPDX-License-Identifier: GPL-2.0
/*
 * bench/replay_engine.c - threads, measurements and results of a replay.
 *
 * Everything here allocates with mmap() (replay_map), never malloc(): in a
 * baseline's helper process malloc is the allocator being measured.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kmm/gfp.h"
#include "kmm/tlb.h"
#include "replay_engine.h"
#include "replay_helper.h"
#include "replay_loop.h"
#include "tsc.h"
#include "util.h"

#define FOOTPRINT_STRIDE 65536	/* events between footprint samples */

struct replay_shared {
	struct replay_thread *threads;
	unsigned int nr_threads;
	struct replay_run *run;
	uint64_t start_ns;
	uint64_t peak_footprint;
	uint64_t timeline;
	uint64_t next_timeline;
	unsigned int warm_ready;	/* threads done warming (atomic) */
	bool go;			/* the clock runs: replay (atomic) */
};

bool replay_lean(const struct replay_thread *t)
{
	return t->o->untimed && t->o->touch == TOUCH_NONE && !t->o->verify &&
	       !t->o->timeline;
}

/* Count a size disagreement in table @tab; false when the table is full */
static bool fid_add(struct replay_fid_entry *tab, uint32_t op1, uint32_t size,
		    uint32_t ours, uint32_t theirs, uint64_t count)
{
	uint32_t h = (size * 2654435761u) ^ (ours * 40503u) ^ op1;

	for (unsigned int i = 0; i < 16; i++) {
		struct replay_fid_entry *f = &tab[(h + i) & (REPLAY_FID_SLOTS - 1)];

		if (!f->op) {
			f->op = op1;
			f->size = size;
			f->ours = ours;
			f->theirs = theirs;
		}
		if (f->op == op1 && f->size == size && f->ours == ours &&
		    f->theirs == theirs) {
			f->count += count;
			return true;
		}
	}
	return false;
}

void replay_count_ops(struct replay_thread *t)
{
	const struct replay_ev *ev = replay_events(t->im);

	for (uint64_t i = 0; i < t->n; i++)
		t->count[ev[t->idx ? t->idx[i] : i].op]++;
}

static void fid_note(struct replay_thread *t, const struct replay_ev *e,
		     uint32_t ours)
{
	if (!fid_add(t->fid, e->op + 1u, e->size, ours, e->size_alloc, 1))
		t->fid_other++;
}

/* --verify: an allocation the kernel zeroed (__GFP_ZERO) is all zero */
static void replay_verify_zeroed(struct replay_thread *t,
				 const struct replay_ev *e, const void *p)
{
	const uint8_t *b = p;

	t->verify_checked++;
	for (size_t i = 0; i < e->size; i++) {
		if (b[i]) {
			if (!t->verify_bad)
				kmb_warn("verify: %s of object %u (%u bytes, "
					 "__GFP_ZERO): byte %zu is %#x",
					 replay_op_names[e->op], e->obj,
					 e->size, i, b[i]);
			t->verify_bad++;
			return;
		}
	}
}

void replay_after_alloc(const struct backend *b, struct replay_thread *t,
			const struct replay_ev *e, void *p)
{
	uint64_t usable = b->usable ? b->usable(p, e) : e->size;
	int fk = e->op == ROP_KMALLOC ? 0 : e->op == ROP_KMEM_CACHE_ALLOC ? 1 :
		 e->op == ROP_PAGE_ALLOC ? 2 : e->op == ROP_PERCPU_ALLOC ? 3 :
		 -1;

	if (e->op == ROP_KMALLOC || e->op == ROP_KMEM_CACHE_ALLOC) {
		/* perf kmem's internal fragmentation: slab events only */
		t->bytes_req += e->size;
		t->bytes_usable += usable;
	}
	if (e->op == ROP_KMALLOC) {
		t->cls_req[e->cls] += e->size;
		t->cls_usable[e->cls] += usable;
	} else if (e->op == ROP_KMEM_CACHE_ALLOC &&
		   e->cache < REPLAY_MAX_SLAB_INFO) {
		t->cache_req[e->cache] += e->size;
		t->cache_usable[e->cache] += usable;
	}
	if (fk >= 0 && e->size_alloc) {
		t->fid_total[fk]++;
		if (usable == e->size_alloc)
			t->fid_agree[fk]++;
		else
			fid_note(t, e, (uint32_t)usable);
	}
	if (t->o->verify && b->verifiable && (e->gfp & __GFP_ZERO) &&
	    e->op != ROP_VMALLOC)
		replay_verify_zeroed(t, e, p);
	if (t->o->touch != TOUCH_NONE && b->verifiable) {
		size_t len = t->o->touch == TOUCH_ALL ? e->size :
			     e->size < 64 ? e->size : 64;

		memset(p, replay_pattern(e->obj), len);
		t->touched++;
		if (b->tlb_touch) {
			b->tlb_touch(p, len);
		} else if (t->tlb) {
			uint64_t a = t->tlb->st.accesses, m = t->tlb->st.misses;

			tlb_access_range(t->tlb, (uintptr_t)p, len, 64, 1,
					 TLB_PG_4K);
			t->tlb_accesses += t->tlb->st.accesses - a;
			t->tlb_misses += t->tlb->st.misses - m;
		}
	}
}

void replay_verify(struct replay_thread *t, const struct replay_ev *e,
		   const void *p)
{
	size_t len = t->o->touch == TOUCH_ALL ? e->size :
		     e->size < 64 ? e->size : 64;
	const uint8_t *b = p;
	uint8_t v = replay_pattern(e->obj);

	t->verify_checked++;
	for (size_t i = 0; i < len; i++) {
		if (b[i] != v) {
			if (!t->verify_bad)
				kmb_warn("verify: %s of object %u (%u bytes): "
					 "byte %zu is %#x, written %#x",
					 replay_op_names[e->op], e->obj,
					 e->size, i, b[i], v);
			t->verify_bad++;
			return;
		}
	}
}

void replay_record_slow(struct replay_thread *t, unsigned int op,
			unsigned int cls, unsigned int path, uint64_t ticks)
{
	struct hist *h = replay_map(sizeof(*h));

	if (!h)
		kmb_die(KMB_EX_SOFTWARE, "replay: out of memory");
	hist_init(h);
	t->h[op][cls][path] = h;
	hist_add(h, ticks);
}

static int64_t live_now(const struct replay_shared *sh)
{
	int64_t live = 0;

	for (unsigned int i = 0; i < sh->nr_threads; i++)
		live += __atomic_load_n(&sh->threads[i].live, __ATOMIC_RELAXED);
	return live;
}

static uint64_t replayed_now(const struct replay_shared *sh)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < sh->nr_threads; i++)
		for (int op = 0; op < ROP_NR; op++)
			n += __atomic_load_n(&sh->threads[i].count[op],
					     __ATOMIC_RELAXED);
	return n;
}

void replay_sample(const struct backend *b, struct replay_thread *t,
		   uint64_t k)
{
	struct replay_shared *sh = t->sh;
	struct replay_run *run = sh->run;
	uint64_t fp = b->footprint ? b->footprint() : 0;

	if (fp > sh->peak_footprint)
		sh->peak_footprint = fp;
	if (b->check && t->o->verify && !t->o->percpu && k) {
		int problems = b->check();

		if (problems && run->res->check_problems <= 0)
			kmb_warn("%s: invariant check after event %llu: %d "
				 "problems", b->name, (unsigned long long)k,
				 problems);
		run->res->check_problems += problems;
		run->res->checks_run++;
	}
	if (sh->timeline && k >= sh->next_timeline &&
	    run->res->nr_samples < REPLAY_MAX_SAMPLES) {
		struct replay_sample *s = &run->samples[run->res->nr_samples++];
		uint64_t tlb = 0;

		for (unsigned int i = 0; i < sh->nr_threads; i++)
			tlb += sh->threads[i].tlb_misses;
		s->index = replayed_now(sh);
		s->ns = kmb_now_ns() - sh->start_ns;
		s->live_bytes = live_now(sh);
		s->footprint = fp;
		s->unusable3 = -1;
		s->unusable9 = -1;
		s->tlb_misses = tlb;
		if (b->unusable) {
			s->unusable3 = b->unusable(3);
			s->unusable9 = b->unusable(9);
		}
		sh->next_timeline = (k / sh->timeline + 1) * sh->timeline;
	}
	t->next_sample = (k / FOOTPRINT_STRIDE + 1) * FOOTPRINT_STRIDE;
	if (sh->timeline && sh->next_timeline < t->next_sample)
		t->next_sample = sh->next_timeline;
}

int replay_run_init(struct replay_run *run)
{
	memset(run, 0, sizeof(*run));
	run->res = replay_map(sizeof(*run->res));
	run->samples = replay_map(REPLAY_MAX_SAMPLES * sizeof(*run->samples));
	if (!run->res || !run->samples)
		return -1;
	memset(run->res, 0, sizeof(*run->res));
	return 0;
}

void replay_run_free(struct replay_run *run)
{
	for (int op = 0; op < ROP_NR; op++)
		for (int c = 0; c < RCLASS_NR; c++)
			for (int p = 0; p < RPATH_NR; p++)
				replay_unmap(run->h[op][c][p],
					     sizeof(struct hist));
	replay_unmap(run->res, sizeof(*run->res));
	replay_unmap(run->samples,
		     REPLAY_MAX_SAMPLES * sizeof(*run->samples));
	memset(run, 0, sizeof(*run));
}

struct thread_arg {
	void (*fn)(struct replay_thread *t);
	struct replay_thread *t;
	bool pin;
	bool prepared;		/* pinned, initialised and warmed already */
	bool wait_go;		/* after warming, wait for the clock */
};

/*
 * The warm start: before the clock runs, each thread allocates and frees
 * one object like the first allocation of every kmalloc size class and
 * every kmem_cache in its share of the trace (per traced CPU), through
 * the backend under test.  No allocator then pays inside the measurement
 * for creating its first slab, span or run of a class, which the traced
 * kernel had long before the capture started.  --cold skips it.
 */
static void replay_warm_up(struct replay_thread *t)
{
	const struct backend *b = t->b;
	const struct replay_ev *ev = replay_events(t->im);
	const size_t kinds = RCLASS_NR + 65536;
	/* percpu: this thread plays one CPU; else every traced CPU */
	unsigned int ncpu = t->idx || !t->im->nr_cpus ? 1 : t->im->nr_cpus;
	size_t bytes = ((size_t)ncpu * kinds + 7) / 8;
	uint8_t *seen = replay_map(bytes);

	if (!seen)
		return;
	for (uint64_t i = 0; i < t->n; i++) {
		const struct replay_ev *e = &ev[t->idx ? t->idx[i] : i];
		struct replay_ev f;
		size_t key;
		void *p;

		if (e->op != ROP_KMALLOC && e->op != ROP_KMEM_CACHE_ALLOC)
			continue;
		key = (size_t)(e->cpu % ncpu) * kinds +
		      (e->op == ROP_KMALLOC ? e->cls : RCLASS_NR + e->cache);
		if (seen[key / 8] & (1u << (key % 8)))
			continue;
		seen[key / 8] |= (uint8_t)(1u << (key % 8));
		if (!t->idx && b->set_cpu)
			b->set_cpu(e->cpu);
		p = b->alloc(e);
		if (!p)
			continue;
		f = *e;
		f.op++;
		b->free(p, &f);
	}
	replay_unmap(seen, bytes);
}

static void thread_prepare(struct thread_arg *a)
{
	struct replay_thread *t = a->t;

	if (a->pin) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(t->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (t->b->thread_init)
		t->b->thread_init(t->cpu);
	if (!t->o->cold)
		replay_warm_up(t);
	a->prepared = true;
}

static void *thread_main(void *arg)
{
	struct thread_arg *a = arg;
	struct replay_thread *t = a->t;

	if (!a->prepared)
		thread_prepare(a);
	if (a->wait_go) {
		__atomic_fetch_add(&t->sh->warm_ready, 1, __ATOMIC_RELEASE);
		while (!__atomic_load_n(&t->sh->go, __ATOMIC_ACQUIRE))
			sched_yield();
	}
	a->fn(t);
	return NULL;
}

/* Free what the trace left live, as the kernel would at shutdown */
static void free_leftovers(const struct backend *b, struct replay_thread *t0,
			   struct replay_result *res)
{
	const struct replay_ev *ev = replay_events(t0->im);

	if (b->thread_init)
		b->thread_init(0);
	for (uint64_t i = 0; i < t0->im->nr_ev; i++) {
		struct replay_ev f = ev[i];
		void *p;

		if (!rop_is_alloc(f.op))
			continue;
		p = t0->slots[f.obj];
		if (!SLOT_LIVE(p))
			continue;
		res->end_live_objects++;
		res->end_live_bytes += f.size;
		f.op++;
		b->free(p, &f);
		t0->slots[f.obj] = SLOT_FREED;
	}
}

static void merge_thread(struct replay_run *run, struct replay_thread *t)
{
	struct replay_result *r = run->res;

	for (int op = 0; op < ROP_NR; op++) {
		r->count[op] += t->count[op];
		r->failed[op] += t->failed[op];
		r->replayed += t->count[op];
	}
	r->bytes_req += t->bytes_req;
	r->bytes_usable += t->bytes_usable;
	for (int c = 0; c < RCLASS_NR; c++) {
		r->cls_req[c] += t->cls_req[c];
		r->cls_usable[c] += t->cls_usable[c];
	}
	for (int c = 0; c < REPLAY_MAX_SLAB_INFO; c++) {
		r->cache_req[c] += t->cache_req[c];
		r->cache_usable[c] += t->cache_usable[c];
	}
	for (int k = 0; k < REPLAY_FID_NR; k++) {
		r->fid_agree[k] += t->fid_agree[k];
		r->fid_total[k] += t->fid_total[k];
	}
	r->fid_other += t->fid_other;
	r->touched += t->touched;
	r->verify_checked += t->verify_checked;
	r->verify_bad += t->verify_bad;
	r->tlb_accesses += t->tlb_accesses;
	r->tlb_misses += t->tlb_misses;
	for (int op = 0; op < ROP_NR; op++)
		for (int c = 0; c < RCLASS_NR; c++)
			for (int p = 0; p < RPATH_NR; p++) {
				struct hist *h = t->h[op][c][p];

				if (!h)
					continue;
				if (!run->h[op][c][p]) {
					run->h[op][c][p] = h;
				} else {
					hist_merge(run->h[op][c][p], h);
					replay_unmap(h, sizeof(*h));
				}
				t->h[op][c][p] = NULL;
			}
	for (unsigned int i = 0; i < REPLAY_FID_SLOTS; i++) {
		struct replay_fid_entry *f = &t->fid[i];

		if (f->op && !fid_add(r->fid, f->op, f->size, f->ours,
				      f->theirs, f->count))
			r->fid_other += f->count;
	}
}

int replay_engine_run(const struct backend *b,
		      void (*thread_fn)(struct replay_thread *t),
		      const struct replay_image *im,
		      const struct replay_opts *o, struct replay_run *run)
{
	struct replay_result *res = run->res;
	struct replay_shared sh;
	struct replay_thread *th;
	struct thread_arg *args;
	pthread_t *tids;
	struct counters cnt;
	unsigned int nt = 0, ncpu = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	size_t thbytes = 256 * (sizeof(*th) + sizeof(*args) + sizeof(*tids));
	char err[256] = "";
	void **slots;
	uint64_t t0, t1;
	int ret;

	snprintf(res->allocator, sizeof(res->allocator), "%s", b->name);
	if (b->version)
		snprintf(res->version, sizeof(res->version), "%s",
			 b->version());
	if (!o->untimed && !tsc_global.overhead)
		tsc_calibrate(&tsc_global);
	res->ns_per_tick = tsc_global.ns_per_tick;
	res->overhead_ns = tsc_global.overhead_ns;
	res->tsc = tsc_global.tsc;
	ret = b->init ? b->init(im, o, err, sizeof(err)) : 0;
	if (ret) {
		kmb_warn("%s: %s", b->name, err[0] ? err : "cannot start");
		return ret;
	}
	slots = replay_map_populate(im->nr_objs * sizeof(void *));
	th = replay_map(thbytes);
	if (!slots || !th)
		kmb_die(KMB_EX_SOFTWARE, "replay: out of memory");
	args = (struct thread_arg *)(th + 256);
	tids = (pthread_t *)(args + 256);
	memset(&sh, 0, sizeof(sh));
	sh.threads = th;
	sh.run = run;
	sh.timeline = o->timeline;
	for (unsigned int c = 0; c < (o->percpu ? im->nr_cpus : 1); c++) {
		struct replay_thread *t = &th[nt];

		if (o->percpu && !im->cpu_len[c])
			continue;
		memset(t, 0, sizeof(*t));
		t->b = b;
		t->im = im;
		t->o = o;
		t->sh = &sh;
		t->slots = slots;
		t->cpu = c;
		t->idx = o->percpu ? replay_cpu_index(im, c) : NULL;
		t->n = o->percpu ? im->cpu_len[c] : im->nr_ev;
		t->next_sample = nt ? UINT64_MAX : 0;
		t->fid = replay_map(REPLAY_FID_SLOTS * sizeof(*t->fid));
		if (!t->fid)
			kmb_die(KMB_EX_SOFTWARE, "replay: out of memory");
		if (o->touch != TOUCH_NONE && b->verifiable && !b->tlb_touch)
			t->tlb = tlb_create(&tlb_default_config);
		args[nt].fn = thread_fn;
		args[nt].t = t;
		nt++;
	}
	sh.nr_threads = nt;
	if (nt == 1 || !o->percpu) {
		thread_prepare(&args[0]);
		res->rss_start_kb = replay_rss_bytes() / 1024;
		counters_start(&cnt, &res->counters);
		sh.start_ns = t0 = kmb_now_ns();
		thread_main(&args[0]);
	} else {
		/* counters first: their inherit flag covers threads created
		 * after; they count the warm start too (a few ops per class) */
		res->rss_start_kb = replay_rss_bytes() / 1024;
		counters_start(&cnt, &res->counters);
		for (unsigned int i = 0; i < nt; i++) {
			args[i].pin = nt <= ncpu && th[i].cpu < ncpu;
			args[i].wait_go = true;
			if (pthread_create(&tids[i], NULL, thread_main, &args[i]))
				kmb_die(KMB_EX_SOFTWARE,
					"replay: cannot create a thread");
		}
		while (__atomic_load_n(&sh.warm_ready, __ATOMIC_ACQUIRE) < nt)
			sched_yield();
		sh.start_ns = t0 = kmb_now_ns();
		__atomic_store_n(&sh.go, true, __ATOMIC_RELEASE);
		for (unsigned int i = 0; i < nt; i++)
			pthread_join(tids[i], NULL);
	}
	t1 = kmb_now_ns();
	counters_stop(&cnt, &res->counters);
	res->wall_ns = t1 - t0;
	for (unsigned int i = 0; i < nt; i++)
		if (replay_lean(&th[i]))	/* the lean loop counts nothing */
			replay_count_ops(&th[i]);
	if (b->footprint) {
		res->end_footprint = b->footprint();
		if (res->end_footprint > sh.peak_footprint)
			sh.peak_footprint = res->end_footprint;
	}
	res->peak_footprint = sh.peak_footprint;
	if (b->snapshot)
		b->snapshot(res);
	if (b->check) {
		res->check_problems += b->check();
		res->checks_run++;
	} else {
		res->check_problems = -1;
	}
	if (nt)
		free_leftovers(b, &th[0], res);
	if (b->leaks) {
		b->leaks(&res->leak_objects, &res->leak_bytes);
		res->leaks_known = true;
	}
	if (b->check) {
		res->check_problems += b->check();
		res->checks_run++;
	}
	{
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			res->rss_peak_kb = (uint64_t)ru.ru_maxrss;
	}
	if (b->tlb_totals) {
		b->tlb_totals(&res->tlb_accesses, &res->tlb_misses);
		snprintf(res->tlb_model, sizeof(res->tlb_model),
			 "kmm per-CPU TLBs (%s), kernel page sizes",
			 tlb_model_config() ? tlb_model_config()->name : "?");
	} else if (o->touch != TOUCH_NONE && b->verifiable) {
		snprintf(res->tlb_model, sizeof(res->tlb_model),
			 "%s per thread, 4 KiB pages",
			 tlb_default_config.name);
	} else {
		snprintf(res->tlb_model, sizeof(res->tlb_model), "none "
			 "(objects are not touched: --touch first|all)");
	}
	for (unsigned int i = 0; i < nt; i++) {
		if (th[i].tlb)
			tlb_destroy(th[i].tlb);
		merge_thread(run, &th[i]);
		replay_unmap(th[i].fid, REPLAY_FID_SLOTS * sizeof(*th[i].fid));
	}
	if (b->exit)
		b->exit();
	replay_unmap(slots, im->nr_objs * sizeof(void *));
	replay_unmap(th, thbytes);
	return 0;
}
