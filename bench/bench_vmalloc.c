// SPDX-License-Identifier: GPL-2.0
/*
 * bench/bench_vmalloc.c - `kmbench bench vmalloc [--json]`
 *
 * vmalloc+vfree against kmalloc+kfree and the host's mmap+munmap, sizes
 * 4 KiB .. 4 MiB, on a simulated 1 GiB x86_64 machine (256 MiB and a
 * 4 MiB working set with debug_checks=3):
 *
 *   ns/pair   median over REPS runs of alloc+free pairs (nothing touched)
 *   PTEs      4 KiB page-table entries written per allocation
 *   misses/1k TLB-model misses per 1000 accesses when every byte of a
 *             64 MiB working set of such objects is touched twice, one
 *             access per 64-byte line (so a 4 KiB page is 64 accesses)
 *   walk/1k   page-table entries read by those misses, per 1000 accesses
 *
 * Allocators: "kmalloc" (slab up to 8 KiB, then buddy pages, direct-mapped
 * with 1 GiB/2 MiB pages), "vmalloc" (what a caller gets: pages, PTEs and
 * the host alias that gives real bytes), "vmalloc-sim" (the same without
 * the host alias: the simulated kernel's work only), "vmalloc-huge"
 * (2 MiB mappings, sizes >= 2 MiB), "mmap" (the host kernel's anonymous
 * mmap, 4 KiB user pages in the model, ASID 1).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "commands.h"
#include "json.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/slab.h"
#include "kmm/tlb.h"
#include "kmm/vmalloc.h"
#include "stats.h"
#include "util.h"

#define REPS		7
#if KMM_DEBUG >= 3
/*
 * The expensive checkers walk every vmap area and the whole buddy after
 * each operation: a smaller machine and working set keep that from going
 * quadratic (timings of such a build mean nothing anyway).
 */
#define WORKING_SET	(4UL << 20)
#define BV_MEM_BYTES	(256ULL << 20)
#else
#define WORKING_SET	(64UL << 20)
#define BV_MEM_BYTES	(1ULL << 30)
#endif
#define LINE		64
#define REP_NS		20000000ULL	/* a run stops after 20 ms ... */
#define REP_MAX_PAIRS	20000		/* ... or this many pairs */

enum bv_alloc { BV_KMALLOC, BV_VMALLOC, BV_VMALLOC_SIM, BV_VMALLOC_HUGE,
		BV_MMAP, BV_NR };

static const char *const bv_names[BV_NR] = {
	"kmalloc", "vmalloc", "vmalloc-sim", "vmalloc-huge", "mmap",
};

static const unsigned long bv_sizes[] = {
	4096, 16384, 65536, 262144, 1048576, 4194304,
};

struct bv_result {
	bool valid;
	double ns_median, ns_lo, ns_hi;
	double ratio, ratio_lo, ratio_hi;	/* ns vs kmalloc */
	double ptes;				/* per allocation */
	bool tlb;
	uint64_t accesses, misses, walk_reads;
	double ns[REPS];
};

static void *bv_alloc(enum bv_alloc a, unsigned long size)
{
	void *p;

	switch (a) {
	case BV_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	case BV_VMALLOC:
	case BV_VMALLOC_SIM:
		return vmalloc(size);
	case BV_VMALLOC_HUGE:
		return vmalloc_huge(size, GFP_KERNEL);
	case BV_MMAP:
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	default:
		return NULL;
	}
}

static void bv_free(enum bv_alloc a, void *p, unsigned long size)
{
	switch (a) {
	case BV_KMALLOC:
		kfree(p);
		break;
	case BV_MMAP:
		munmap(p, size);
		break;
	default:
		vfree(p);
		break;
	}
}

static bool bv_applies(enum bv_alloc a, unsigned long size)
{
	return a != BV_VMALLOC_HUGE || size >= (2UL << 20);
}

static int bv_latency(enum bv_alloc a, unsigned long size,
		      struct bv_result *r)
{
	uint64_t mapped0, mapped1, st[NR_VMALLOC_STAT_ITEMS], total = 0;

	vmalloc_stats(st);
	mapped0 = st[VMALLOC_PAGES_MAPPED];
	for (int rep = 0; rep < REPS; rep++) {
		uint64_t t0 = kmb_now_ns(), t1 = t0;
		unsigned long n = 0;

		while (n < REP_MAX_PAIRS && t1 - t0 < REP_NS) {
			/* batches of 8 keep the clock out of the pairs */
			for (int i = 0; i < 8; i++) {
				void *p = bv_alloc(a, size);

				if (!p)
					return -1;
				bv_free(a, p, size);
			}
			n += 8;
			t1 = kmb_now_ns();
		}
		r->ns[rep] = (double)(t1 - t0) / (double)n;
		total += n;
	}
	vmalloc_stats(st);
	mapped1 = st[VMALLOC_PAGES_MAPPED];
	r->ptes = (double)(mapped1 - mapped0) / (double)total;
	r->ns_median = stats_median(r->ns, REPS);
	stats_bootstrap_median(r->ns, REPS, STATS_BOOT_RESAMPLES, 42,
			       &r->ns_lo, &r->ns_hi);
	return 0;
}

/* Touch every line of a working set of objects twice, in the TLB model */
static int bv_tlb(enum bv_alloc a, unsigned long size, struct bv_result *r)
{
	unsigned long n = WORKING_SET / size;
	struct tlb *t = tlb_this_cpu();
	void **obj;
	int ret = 0;

	if (!n)
		n = 1;
	obj = kmb_xcalloc(n, sizeof(*obj));
	for (unsigned long i = 0; i < n; i++) {
		obj[i] = bv_alloc(a, size);
		if (!obj[i]) {
			ret = -1;
			n = i;
			break;
		}
	}
	tlb_flush_all(t);
	tlb_reset_stats(t);
	for (int pass = 0; pass < 2 && !ret; pass++) {
		for (unsigned long i = 0; i < n; i++) {
			if (a == BV_MMAP)
				tlb_access_range(t, (uint64_t)(uintptr_t)obj[i],
						 size, LINE, 1, TLB_PG_4K);
			else
				kmm_tlb_touch(obj[i], size, LINE);
		}
	}
	r->tlb = !ret;
	r->accesses = t->st.accesses;
	r->misses = t->st.misses;
	r->walk_reads = t->st.walk_reads;
	for (unsigned long i = 0; i < n; i++)
		bv_free(a, obj[i], size);
	free(obj);
	vm_unmap_aliases();
	return ret;
}

static int bv_setup(void)
{
	struct kmm_config cfg = { .mem_bytes = BV_MEM_BYTES, .nr_cpus = 1 };
	int ret;

	if (kmm_mem_ready())
		return 0;
	ret = kmm_mem_init(&cfg);
	if (!ret)
		ret = kmem_cache_init();
	if (!ret)
		ret = kmm_kernel_pgtable_init();
	if (!ret)
		ret = tlb_model_init(NULL);
	if (!ret)
		ret = vmalloc_init();
	return ret;
}

static double per_k(uint64_t x, uint64_t accesses)
{
	return accesses ? 1000.0 * (double)x / (double)accesses : NAN;
}

struct bv_claim {
	bool latency, tlb;		/* supported at every size */
	double ratio_min, ratio_max;	/* vmalloc-sim / kmalloc ns */
	double vm_miss_min, km_miss_max;	/* misses per 1000 accesses */
};

static void bv_judge(struct bv_result res[][BV_NR], size_t nsizes,
		     struct bv_claim *c)
{
	*c = (struct bv_claim){ true, true, INFINITY, 0, INFINITY, 0 };
	for (size_t s = 0; s < nsizes; s++) {
		struct bv_result *k = &res[s][BV_KMALLOC];
		struct bv_result *v = &res[s][BV_VMALLOC];
		struct bv_result *sim = &res[s][BV_VMALLOC_SIM];
		double vm = per_k(v->misses, v->accesses);
		double km = per_k(k->misses, k->accesses);

		c->ratio_min = fmin(c->ratio_min, sim->ratio);
		c->ratio_max = fmax(c->ratio_max, sim->ratio);
		c->vm_miss_min = fmin(c->vm_miss_min, vm);
		c->km_miss_max = fmax(c->km_miss_max, km);
		if (!(sim->ratio_lo > 1.0))
			c->latency = false;
		if (!(vm > km))
			c->tlb = false;
	}
}

static void bv_print_table(struct bv_result res[][BV_NR], size_t nsizes)
{
	struct bv_claim c;
	char model[128];

	tlb_config_format(tlb_model_config(), model, sizeof(model));
	printf("vmalloc vs kmalloc vs mmap: alloc+free pairs (median of %d "
	       "runs) and the TLB model\n", REPS);
	printf("TLB model %s; working set %lu MiB touched twice, one access "
	       "per %d-byte line\n\n", model, WORKING_SET >> 20, LINE);
	printf("%8s  %-12s %11s %19s %7s %10s %9s\n", "size", "allocator",
	       "ns/pair", "x kmalloc [95% CI]", "PTEs", "misses/1k",
	       "walk/1k");
	for (size_t s = 0; s < nsizes; s++) {
		for (int a = 0; a < BV_NR; a++) {
			struct bv_result *r = &res[s][a];
			char ratio[32] = "-", tlb1[16] = "-", tlb2[16] = "-";

			if (!r->valid)
				continue;
			if (a != BV_KMALLOC && !isnan(r->ratio))
				snprintf(ratio, sizeof(ratio),
					 "%.1f [%.1f,%.1f]", r->ratio,
					 r->ratio_lo, r->ratio_hi);
			if (r->tlb) {
				snprintf(tlb1, sizeof(tlb1), "%.2f",
					 per_k(r->misses, r->accesses));
				snprintf(tlb2, sizeof(tlb2), "%.2f",
					 per_k(r->walk_reads, r->accesses));
			}
			printf("%7luK  %-12s %11.0f %19s %7.0f %10s %9s\n",
			       bv_sizes[s] >> 10, bv_names[a], r->ns_median,
			       ratio, r->ptes, tlb1, tlb2);
		}
	}
	bv_judge(res, nsizes, &c);
	printf("\nclaim: vmalloc costs page-table work and TLB pressure, "
	       "kmalloc is direct-mapped\n");
	printf("  latency: vmalloc-sim is %.1fx..%.1fx kmalloc (%s at every "
	       "size)\n", c.ratio_min, c.ratio_max,
	       c.latency ? "slower" : "NOT slower");
	printf("  TLB: vmalloc >= %.2f misses per 1000 accesses, kmalloc <= "
	       "%.2f (%s at every size)\n", c.vm_miss_min, c.km_miss_max,
	       c.tlb ? "more" : "NOT more");
	printf("  verdict: %s\n", c.latency && c.tlb ? "supported" :
	       "refuted (see above)");
}

static void bv_print_json(struct bv_result res[][BV_NR], size_t nsizes)
{
	struct bv_claim c;
	struct json_writer w;
	char model[128];

	tlb_config_format(tlb_model_config(), model, sizeof(model));
	json_init(&w, stdout, false);
	json_object_begin(&w);
	json_kv_string(&w, "bench", "vmalloc");
	json_kv_string(&w, "tlb_model", model);
	json_kv_uint(&w, "working_set_bytes", WORKING_SET);
	json_kv_uint(&w, "access_bytes", LINE);
	json_key(&w, "pairs");
	json_array_begin(&w);
	for (size_t s = 0; s < nsizes; s++) {
		for (int a = 0; a < BV_NR; a++) {
			struct bv_result *r = &res[s][a];

			if (!r->valid)
				continue;
			json_object_begin(&w);
			json_kv_string(&w, "allocator", bv_names[a]);
			json_kv_uint(&w, "size", bv_sizes[s]);
			json_kv_double(&w, "ns_per_pair", r->ns_median);
			json_kv_double(&w, "ns_ci_lo", r->ns_lo);
			json_kv_double(&w, "ns_ci_hi", r->ns_hi);
			if (a != BV_KMALLOC && !isnan(r->ratio))
				json_kv_double(&w, "ratio_vs_kmalloc",
					       r->ratio);
			json_kv_double(&w, "ptes_per_alloc", r->ptes);
			if (r->tlb) {
				json_kv_uint(&w, "tlb_accesses", r->accesses);
				json_kv_uint(&w, "tlb_misses", r->misses);
				json_kv_double(&w, "tlb_misses_per_1000",
					       per_k(r->misses, r->accesses));
				json_kv_double(&w, "walk_reads_per_1000",
					       per_k(r->walk_reads,
						     r->accesses));
			}
			json_object_end(&w);
		}
	}
	json_array_end(&w);
	bv_judge(res, nsizes, &c);
	json_key(&w, "claim");
	json_object_begin(&w);
	json_kv_bool(&w, "latency_supported", c.latency);
	json_kv_bool(&w, "tlb_supported", c.tlb);
	json_kv_double(&w, "vmalloc_sim_vs_kmalloc_min", c.ratio_min);
	json_kv_double(&w, "vmalloc_sim_vs_kmalloc_max", c.ratio_max);
	json_kv_double(&w, "vmalloc_misses_per_1000_min", c.vm_miss_min);
	json_kv_double(&w, "kmalloc_misses_per_1000_max", c.km_miss_max);
	json_object_end(&w);
	json_object_end(&w);
	json_finish(&w);
	printf("\n");
}

int bench_vmalloc(bool json)
{
	const size_t nsizes = ARRAY_SIZE(bv_sizes);
	struct bv_result (*res)[BV_NR];
	int ret;

	ret = bv_setup();
	if (ret) {
		kmb_warn("bench vmalloc: cannot set up the machine: %s",
			 strerror(-ret));
		return KMB_EX_SOFTWARE;
	}
	res = kmb_xcalloc(nsizes, sizeof(*res));
	for (size_t s = 0; s < nsizes; s++) {
		for (int a = 0; a < BV_NR; a++) {
			struct bv_result *r = &res[s][a];
			enum bv_alloc al = (enum bv_alloc)a;

			if (!bv_applies(al, bv_sizes[s]))
				continue;
			vmalloc_host_alias = al != BV_VMALLOC_SIM;
			ret = bv_latency(al, bv_sizes[s], r);
			/* the model needs addresses only: no host alias */
			vmalloc_host_alias = false;
			if (!ret && al != BV_VMALLOC_SIM)
				ret = bv_tlb(al, bv_sizes[s], r);
			if (ret) {
				vmalloc_host_alias = true;
				kmb_warn("bench vmalloc: %s of %lu bytes "
					 "failed", bv_names[a], bv_sizes[s]);
				free(res);
				return KMB_EX_SOFTWARE;
			}
			vmalloc_host_alias = true;
			r->valid = true;
		}
		for (int a = 0; a < BV_NR; a++)
			if (res[s][a].valid)
				res[s][a].ratio = stats_ratio(res[s][a].ns,
					REPS, res[s][BV_KMALLOC].ns, REPS,
					&res[s][a].ratio_lo,
					&res[s][a].ratio_hi);
	}
	if (json)
		bv_print_json(res, nsizes);
	else
		bv_print_table(res, nsizes);
	free(res);
	return 0;
}
