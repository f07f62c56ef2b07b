// SPDX-License-Identifier: GPL-2.0
/*
 * bench/bench_slab.c - `kmbench bench slab [--json]`: the slab fast path
 * (warm alloc+free pairs, sizes 8..4096) and producer/consumer remote
 * frees, kmm side by side with glibc, jemalloc, tcmalloc and mimalloc (each
 * in its own helper process, bench/baseline.h), with ratios; then the
 * instructions per pair under callgrind when valgrind is installed.
 *
 * kmm variants: "kmm" is kmalloc+kfree (the API the baselines' malloc+free
 * compare with); "kmem_cache" is kmem_cache_alloc+free on a cache of the
 * size; "cmpxchg" is the same with SLUB's double-word cmpxchg of
 * (freelist, tid) instead of plain per-CPU stores (docs/slab.md).
 *
 * KMB_SLAB_INSCOUNT="VARIANT SIZE ITERS" makes this benchmark run only
 * that loop and exit: the callgrind child.  KMB_BENCH_SLAB_SCALE=N divides
 * the iteration counts by N and KMB_BENCH_SLAB_CALLGRIND=0 skips callgrind
 * (tests).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"
#include "commands.h"
#include "json.h"
#include "kmm/kmm.h"
#include "kmm/slab.h"
#include "util.h"

#define SLAB_BENCH_ITERS	1000000ULL
#define SLAB_BENCH_REPS		11
#define REMOTE_ITERS		100000ULL
#define REMOTE_REPS		3

static const size_t bench_sizes[] = {
	8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096,
};
#define NR_SIZES ARRAY_SIZE(bench_sizes)
static const size_t remote_sizes[] = { 64, 256, 1024 };
#define NR_REMOTE ARRAY_SIZE(remote_sizes)

enum variant { V_KMALLOC, V_CACHE, V_CAS, V_SHEAVES, NR_VARIANTS,
	       V_EMPTY = NR_VARIANTS };
static const char *const variant_names[NR_VARIANTS + 1] = {
	"kmm", "kmem_cache", "cmpxchg", "sheaves", "loop",
};

/* Every object escapes through here, so no compiler elides a pair. */
static void *volatile slab_sink;

/* Iterations divided by $KMB_BENCH_SLAB_SCALE */
static uint64_t scaled(uint64_t iters)
{
	const char *env = getenv("KMB_BENCH_SLAB_SCALE");
	uint64_t div;

	if (!env || !kmb_parse_u64(env, &div, false) || !div)
		return iters;
	return iters / div ? iters / div : 1;
}

static uint64_t bench_now(void)
{
	return kmb_now_ns();
}

static int slab_bench_setup(void)
{
	if (!kmm_mem_ready()) {
		struct kmm_config cfg = { .mem_bytes = 256ULL << 20,
					  .nr_cpus = 2 };

		if (kmm_mem_init(&cfg))
			return -1;
	}
	kmm_set_cpu(0);
	return kmem_cache_init();
}

/* A cache of @size; @sheaves: with per-CPU sheaves of the kernel's
 * capacity for that size */
static struct kmem_cache *bench_cache(size_t size, bool sheaves)
{
	char name[32];
	struct kmem_cache *s;

	snprintf(name, sizeof(name), "bench-%s%zu", sheaves ? "sheaves-" : "",
		 size);
	s = slab_find_cache(name);
	if (!s) {
		struct kmem_cache_args args = {
			.sheaf_capacity = sheaves ?
				slab_sheaf_capacity((unsigned int)size) : 0,
		};

		s = kmem_cache_create_args(name, (unsigned int)size, &args,
					   SLAB_NO_MERGE);
	}
	return s;
}

/* kmalloc(sizeof(...)): the size is a constant, as in kernel code */
#define KMALLOC_LOOP(sz)						\
	case sz:							\
		for (uint64_t i = 0; i < iters; i++) {			\
			void *p = kmalloc(sz, GFP_KERNEL);		\
									\
			slab_sink = p;					\
			kfree(p);					\
		}							\
		break

static __noinline void loop_kmalloc(size_t size, uint64_t iters)
{
	switch (size) {
	KMALLOC_LOOP(8);
	KMALLOC_LOOP(16);
	KMALLOC_LOOP(32);
	KMALLOC_LOOP(64);
	KMALLOC_LOOP(128);
	KMALLOC_LOOP(256);
	KMALLOC_LOOP(512);
	KMALLOC_LOOP(1024);
	KMALLOC_LOOP(2048);
	KMALLOC_LOOP(4096);
	default:
		for (uint64_t i = 0; i < iters; i++) {
			void *p = kmalloc(size, GFP_KERNEL);

			slab_sink = p;
			kfree(p);
		}
	}
}

/* The loop alone, for the instruction count's baseline */
static __noinline void loop_empty(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		slab_sink = (void *)(uintptr_t)i;
}

static __noinline void loop_cache(struct kmem_cache *s, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		void *p = kmem_cache_alloc(s, GFP_KERNEL);

		slab_sink = p;
		kmem_cache_free(s, p);
	}
}

static __noinline void loop_cas(struct kmem_cache *s, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		void *p = kmem_cache_alloc_cas(s, GFP_KERNEL);

		slab_sink = p;
		kmem_cache_free_cas(s, p);
	}
}

static void run_variant(enum variant v, size_t size, uint64_t iters)
{
	struct kmem_cache *s = v == V_KMALLOC || v == V_EMPTY ? NULL :
			       bench_cache(size, v == V_SHEAVES);

	if (v == V_EMPTY)
		loop_empty(iters);
	else if (v == V_KMALLOC)
		loop_kmalloc(size, iters);
	else if (v == V_CACHE || v == V_SHEAVES)
		loop_cache(s, iters);
	else
		loop_cas(s, iters);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double kmm_pairs(enum variant v, size_t size)
{
	double runs[SLAB_BENCH_REPS];

	uint64_t iters = scaled(SLAB_BENCH_ITERS);

	run_variant(v, size, iters / 10 + 1);	/* warm up */
	for (int r = 0; r < SLAB_BENCH_REPS; r++) {
		uint64_t t0 = bench_now();

		run_variant(v, size, iters);
		runs[r] = (double)(bench_now() - t0) / (double)iters;
	}
	return median(runs, SLAB_BENCH_REPS);
}

/* Producer/consumer through a ring, as the baseline helpers do it. */
#define RING 1024
struct slab_ring {
	void *slot[RING];
	_Alignas(64) uint64_t head;
	_Alignas(64) uint64_t tail;
	uint64_t iters;
};

static void *remote_consumer(void *arg)
{
	struct slab_ring *r = arg;

	kmm_set_cpu(1);
	for (uint64_t i = 0; i < r->iters; i++) {
		while (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == i)
			;
		kfree(r->slot[i & (RING - 1)]);
		__atomic_store_n(&r->tail, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static double kmm_remote_once(size_t size, uint64_t iters)
{
	static struct slab_ring r;
	pthread_t t;
	uint64_t t0;

	memset(&r, 0, sizeof(r));
	r.iters = iters;
	t0 = bench_now();
	if (pthread_create(&t, NULL, remote_consumer, &r))
		return -1;
	for (uint64_t i = 0; i < iters; i++) {
		while (i - __atomic_load_n(&r.tail, __ATOMIC_ACQUIRE) >= RING)
			;
		r.slot[i & (RING - 1)] = kmalloc(size, GFP_KERNEL);
		__atomic_store_n(&r.head, i + 1, __ATOMIC_RELEASE);
	}
	pthread_join(t, NULL);
	return (double)(bench_now() - t0) / (double)iters;
}

/*
 * Fill and empty: allocate FILL_OBJS objects of 64 bytes, then free them,
 * from a fresh cache, so slabs are made and shuffled.  ns per object, for a
 * plain cache and one with SLAB_FREELIST_RANDOM.
 */
#define FILL_OBJS	100000
static double kmm_fill(bool randomized)
{
	static void *objs[FILL_OBJS];
	double runs[REMOTE_REPS];

	for (int r = 0; r < REMOTE_REPS; r++) {
		struct kmem_cache *s = kmem_cache_create(randomized ?
			"bench-fill-random" : "bench-fill", 64, 0,
			SLAB_NO_MERGE | (randomized ? SLAB_FREELIST_RANDOM : 0),
			NULL);
		uint64_t t0;

		if (!s)
			return -1;
		t0 = bench_now();
		for (int i = 0; i < FILL_OBJS; i++) {
			objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
			memset(objs[i], 1, 64);
		}
		for (int i = 0; i < FILL_OBJS; i++)
			kmem_cache_free(s, objs[i]);
		runs[r] = (double)(bench_now() - t0) / FILL_OBJS;
		kmem_cache_destroy(s);
	}
	return median(runs, REMOTE_REPS);
}

static double kmm_remote(size_t size)
{
	double runs[REMOTE_REPS];

	if (kmm_nr_cpus() < 2)
		return -1;
	for (int r = 0; r < REMOTE_REPS; r++)
		runs[r] = kmm_remote_once(size, scaled(REMOTE_ITERS));
	return median(runs, REMOTE_REPS);
}

/* ---- instructions per pair under callgrind ---- */

static int inscount_child(const char *spec)
{
	char vname[32];
	size_t size;
	unsigned long long iters;
	int v;

	if (sscanf(spec, "%31s %zu %llu", vname, &size, &iters) != 3)
		return KMB_EX_USAGE;
	for (v = 0; v <= V_EMPTY; v++)
		if (!strcmp(vname, variant_names[v]))
			break;
	if (v > V_EMPTY || slab_bench_setup())
		return KMB_EX_SOFTWARE;
	run_variant((enum variant)v, size, 1000);	/* warm: same work */
	run_variant((enum variant)v, size, iters);
	return 0;
}

/* Instructions callgrind counts for one child run; -1 if unavailable. */
static double callgrind_count(enum variant v, size_t size, uint64_t iters)
{
	char spec[96], exe[4096], buf[4096];
	ssize_t n;
	size_t len = 0;
	int pipefd[2], status;
	pid_t pid;
	char *p;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || pipe(pipefd))
		return -1;
	exe[n] = '\0';
	snprintf(spec, sizeof(spec), "%s %zu %llu", variant_names[v], size,
		 (unsigned long long)iters);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		setenv("KMB_SLAB_INSCOUNT", spec, 1);
		execlp("valgrind", "valgrind", "--tool=callgrind",
		       "--callgrind-out-file=/dev/null", exe, "bench", "slab",
		       (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		if (len >= sizeof(buf) - 1) {
			/* keep the tail: the summary is at the end */
			memmove(buf, buf + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	buf[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	p = strstr(buf, "Collected : ");
	return p ? strtod(p + 12, NULL) : -1;
}

static const char no_callgrind[] =
	"unavailable: no valgrind (or KMB_BENCH_SLAB_CALLGRIND=0)";

static bool have_valgrind(void)
{
	const char *env = getenv("KMB_BENCH_SLAB_CALLGRIND");

	if (env && !strcmp(env, "0"))
		return false;
	return system("valgrind --version >/dev/null 2>&1") == 0;
}

/* (count(2N) - count(N)) / N: setup cancels out. */
static double inscount(enum variant v, size_t size)
{
	const uint64_t n = 100000;
	double a = callgrind_count(v, size, n);
	double b = callgrind_count(v, size, 2 * n);

	return a < 0 || b < 0 ? -1 : (b - a) / (double)n;
}

/* ---- report ---- */

struct slab_results {
	double kmm[NR_VARIANTS][NR_SIZES];
	double base[BASELINE_NR][NR_SIZES];	/* -1: unavailable */
	double remote_kmm[NR_REMOTE];
	double fill[2];				/* plain, randomized */
	double remote_base[BASELINE_NR][NR_REMOTE];
	double ins[NR_VARIANTS];		/* -1: unavailable */
	double ins_loop;			/* the loop's own share */
	bool valgrind;
};

static double best_baseline(const struct slab_results *r, size_t i)
{
	double best = -1;

	for (int b = 0; b < BASELINE_NR; b++)
		if (r->base[b][i] > 0 && (best < 0 || r->base[b][i] < best))
			best = r->base[b][i];
	return best;
}

static bool fast_goal_met(const struct slab_results *r, int *nbase)
{
	bool met = true;

	*nbase = 0;
	for (int b = 0; b < BASELINE_NR; b++)
		*nbase += r->base[b][0] > 0;
	for (size_t i = 0; i < NR_SIZES; i++) {
		double best = best_baseline(r, i);

		if (best > 0 && r->kmm[V_KMALLOC][i] >= best)
			met = false;
	}
	return met && *nbase > 0;
}

static void print_table(const struct slab_results *r)
{
	int nbase;

	printf("slab fast path: alloc+free pairs, warm cache, ns per pair "
	       "(median of %d runs of %llu)\n", SLAB_BENCH_REPS,
	       SLAB_BENCH_ITERS);
	printf("%6s %8s %10s %8s", "size", "kmm", "kmem_cache", "cmpxchg");
	for (int b = 0; b < BASELINE_NR; b++)
		printf(" %9s", baseline_names[b]);
	printf(" %13s\n", "best/kmm");
	for (size_t i = 0; i < NR_SIZES; i++) {
		double best = best_baseline(r, i);

		printf("%6zu %8.2f %10.2f %8.2f", bench_sizes[i],
		       r->kmm[V_KMALLOC][i], r->kmm[V_CACHE][i],
		       r->kmm[V_CAS][i]);
		for (int b = 0; b < BASELINE_NR; b++) {
			if (r->base[b][i] > 0)
				printf(" %9.2f", r->base[b][i]);
			else
				printf(" %9s", "-");
		}
		if (best > 0)
			printf(" %12.2fx\n", best / r->kmm[V_KMALLOC][i]);
		else
			printf(" %13s\n", "-");
	}
	printf("kmem_cache with per-CPU sheaves (the kernel's capacity for "
	       "the size), ns per pair:\n");
	for (size_t i = 0; i < NR_SIZES; i++)
		printf("%s %5zu: %6.2f%s", i % 5 ? "" : " ", bench_sizes[i],
		       r->kmm[V_SHEAVES][i],
		       i % 5 == 4 || i + 1 == NR_SIZES ? "\n" : "");
	printf("\nremote frees: producer CPU allocates, consumer CPU frees, "
	       "ns per object (median of %d runs of %llu)\n", REMOTE_REPS,
	       REMOTE_ITERS);
	printf("%6s %8s", "size", "kmm");
	for (int b = 0; b < BASELINE_NR; b++)
		printf(" %9s", baseline_names[b]);
	printf("\n");
	for (size_t i = 0; i < NR_REMOTE; i++) {
		printf("%6zu %8.2f", remote_sizes[i], r->remote_kmm[i]);
		for (int b = 0; b < BASELINE_NR; b++) {
			if (r->remote_base[b][i] > 0)
				printf(" %9.2f", r->remote_base[b][i]);
			else
				printf(" %9s", "-");
		}
		printf("\n");
	}
	printf("\nfill and empty a fresh 64-byte cache (%d objects, new slabs "
	       "each time): %.2f ns per object, %.2f with "
	       "SLAB_FREELIST_RANDOM\nfreelist pointer hardening: %s in this "
	       "build (KMM_SLAB_HARDENED)\n", FILL_OBJS, r->fill[0],
	       r->fill[1], KMM_SLAB_HARDENED ? "on" : "off");
	printf("\ninstructions per alloc+free pair (callgrind, 64 bytes, "
	       "the benchmark loop's %.0f subtracted):", r->ins_loop);
	if (!r->valgrind) {
		printf(" %s\n", no_callgrind);
	} else {
		for (int v = 0; v < NR_VARIANTS; v++)
			printf("%s %s %.1f%s", v % 2 ? "" : "\n ",
			       variant_names[v], r->ins[v],
			       v + 1 < NR_VARIANTS ? "," : "\n");
	}
	printf("\ngoal: kmm (kmalloc+kfree) faster than every baseline at "
	       "every size: %s\n", fast_goal_met(r, &nbase) ? "met" :
	       nbase ? "NOT met" : "unknown (no baseline built)");
	if (r->valgrind)
		printf("goal: at most 25 instructions per pair: kmalloc+kfree "
		       "%s (%.1f), kmem_cache_alloc+free %s (%.1f)\n",
		       r->ins[V_KMALLOC] <= 25 ? "met" : "NOT met",
		       r->ins[V_KMALLOC], r->ins[V_CACHE] <= 25 ? "met" :
		       "NOT met", r->ins[V_CACHE]);
}

static void json_pair(struct json_writer *w, const char *alloc, size_t size,
		      double ns)
{
	json_object_begin(w);
	json_kv_string(w, "allocator", alloc);
	json_kv_uint(w, "size", size);
	json_kv_double(w, "ns_per_pair", ns);
	json_object_end(w);
}

static void print_json(const struct slab_results *r)
{
	struct json_writer w;
	int nbase;

	json_init(&w, stdout, false);
	json_object_begin(&w);
	json_kv_string(&w, "bench", "slab");
	json_key(&w, "pairs");
	json_array_begin(&w);
	for (size_t i = 0; i < NR_SIZES; i++) {
		json_pair(&w, "kmm", bench_sizes[i], r->kmm[V_KMALLOC][i]);
		for (int b = 0; b < BASELINE_NR; b++)
			if (r->base[b][i] > 0)
				json_pair(&w, baseline_names[b], bench_sizes[i],
					  r->base[b][i]);
	}
	json_array_end(&w);
	json_key(&w, "kmm_variants");
	json_array_begin(&w);
	for (int v = V_CACHE; v < NR_VARIANTS; v++)
		for (size_t i = 0; i < NR_SIZES; i++)
			json_pair(&w, variant_names[v], bench_sizes[i],
				  r->kmm[v][i]);
	json_array_end(&w);
	json_key(&w, "remote");
	json_array_begin(&w);
	for (size_t i = 0; i < NR_REMOTE; i++) {
		json_pair(&w, "kmm", remote_sizes[i], r->remote_kmm[i]);
		for (int b = 0; b < BASELINE_NR; b++)
			if (r->remote_base[b][i] > 0)
				json_pair(&w, baseline_names[b],
					  remote_sizes[i],
					  r->remote_base[b][i]);
	}
	json_array_end(&w);
	json_key(&w, "fill_ns_per_object");
	json_object_begin(&w);
	json_kv_double(&w, "plain", r->fill[0]);
	json_kv_double(&w, "freelist_random", r->fill[1]);
	json_object_end(&w);
	json_kv_bool(&w, "freelist_hardened", KMM_SLAB_HARDENED);
	json_key(&w, "instructions_per_pair");
	if (r->valgrind) {
		json_object_begin(&w);
		for (int v = 0; v < NR_VARIANTS; v++)
			json_kv_double(&w, variant_names[v], r->ins[v]);
		json_kv_double(&w, "loop_subtracted", r->ins_loop);
		json_object_end(&w);
	} else {
		json_string(&w, no_callgrind);
	}
	json_key(&w, "goals");
	json_object_begin(&w);
	json_kv_bool(&w, "faster_than_every_baseline",
		     fast_goal_met(r, &nbase));
	if (r->valgrind)
		json_kv_bool(&w, "at_most_25_instructions",
			     r->ins[V_KMALLOC] <= 25);
	json_object_end(&w);
	json_object_end(&w);
	json_finish(&w);
	fputc('\n', stdout);
}

int bench_slab(bool json)
{
	const char *child = getenv("KMB_SLAB_INSCOUNT");
	static struct slab_results r;

	if (child)
		return inscount_child(child);
	if (slab_bench_setup()) {
		kmb_warn("bench slab: cannot set up the simulated machine");
		return KMB_EX_SOFTWARE;
	}
	for (size_t i = 0; i < NR_SIZES; i++) {
		for (int v = 0; v < NR_VARIANTS; v++)
			r.kmm[v][i] = kmm_pairs((enum variant)v,
						bench_sizes[i]);
		for (int b = 0; b < BASELINE_NR; b++) {
			r.base[b][i] = -1;
			if (baseline_available(baseline_names[b]) &&
			    baseline_pairs(baseline_names[b], bench_sizes[i], 0,
					   scaled(SLAB_BENCH_ITERS),
					   SLAB_BENCH_REPS, &r.base[b][i]))
				r.base[b][i] = -1;
		}
	}
	for (size_t i = 0; i < NR_REMOTE; i++) {
		r.remote_kmm[i] = kmm_remote(remote_sizes[i]);
		for (int b = 0; b < BASELINE_NR; b++) {
			r.remote_base[b][i] = -1;
			if (baseline_available(baseline_names[b]) &&
			    baseline_remote_pairs(baseline_names[b],
						  remote_sizes[i],
						  scaled(REMOTE_ITERS), REMOTE_REPS,
						  &r.remote_base[b][i]))
				r.remote_base[b][i] = -1;
		}
	}
	r.fill[0] = kmm_fill(false);
	r.fill[1] = kmm_fill(true);
	r.valgrind = have_valgrind();
	r.ins_loop = r.valgrind ? inscount(V_EMPTY, 64) : -1;
	for (int v = 0; v < NR_VARIANTS; v++)
		r.ins[v] = r.valgrind && r.ins_loop >= 0 ?
			   inscount((enum variant)v, 64) - r.ins_loop : -1;
	if (r.valgrind && (r.ins_loop < 0 || r.ins[V_KMALLOC] < 0)) {
		kmb_warn("bench slab: callgrind did not run; no instruction "
			 "counts");
		r.valgrind = false;
	}
	if (json)
		print_json(&r);
	else
		print_table(&r);
	return 0;
}
