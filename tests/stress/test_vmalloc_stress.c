// SPDX-License-Identifier: GPL-2.0
/*
 * vmalloc stress in the spirit of the kernel's lib/test_vmalloc.c: each
 * phase runs on two threads (two simulated CPUs) at once; between phases
 * no areas overlap and every mapped page translates to the page allocated
 * for it (vmalloc_check); at the end, with everything freed and purged,
 * the free tree is one area again and the buddy allocator is back where
 * it started.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmm/cpu.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"
#include "kmm/tlb.h"
#include "kmm/vmalloc.h"

#define NR_THREADS	2

static unsigned long free0;
static pthread_barrier_t barrier;

static void setup(void)
{
	struct kmm_config cfg = { .mem_bytes = 256 << 20,
				  .nr_cpus = NR_THREADS };

	if (kmm_mem_ready())
		return;
	if (kmm_mem_init(&cfg) || kmm_kernel_pgtable_init() ||
	    tlb_model_init(NULL) || vmalloc_init())
		abort();
	free0 = buddy_total_free_pages();
}

struct rnd {
	uint64_t s;
};

static uint64_t rnd(struct rnd *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

struct worker {
	int cpu;
	int errors;
	struct rnd r;
};

/* Write a pattern into every page and read it back through the frame */
static int fill_and_verify(char *p, unsigned long size, char tag)
{
	struct vm_struct *vm = find_vm_area(p);

	if (!vm)
		return 1;
	for (unsigned long off = 0; off < size; off += PAGE_SIZE)
		p[off] = tag;
	for (unsigned int i = 0; i < vm->nr_pages; i++)
		if (((char *)kmm_frame_address(vm->pages[i]))[0] != tag)
			return 1;
	kmm_tlb_touch(p, size, 256);
	return 0;
}

static void fix_size_alloc(struct worker *w)
{
	for (int i = 0; i < 2000; i++) {
		char *p = vmalloc(3 * PAGE_SIZE);

		if (!p || fill_and_verify(p, 3 * PAGE_SIZE, (char)i)) {
			w->errors++;
			return;
		}
		vfree(p);
	}
}

static void random_size_alloc(struct worker *w)
{
	for (int i = 0; i < 2000; i++) {
		unsigned long n = 1 + rnd(&w->r) % 100;
		char *p = vmalloc(n * PAGE_SIZE);

		if (!p || fill_and_verify(p, n * PAGE_SIZE, 'r')) {
			w->errors++;
			return;
		}
		vfree(p);
	}
}

static void align_shift_alloc(struct worker *w)
{
	/* every alignment the space can hold succeeds, larger ones fail */
	for (int shift = PAGE_SHIFT; shift < 48; shift++) {
		unsigned long align = 1UL << shift;
		char *p = __vmalloc_node(PAGE_SIZE, align, GFP_KERNEL, 0,
					 NULL);
		bool fits = align <= vmalloc_host_size / 4;

		if (fits && (!p || (kmm_kva_of(p, NULL) & (align - 1)))) {
			w->errors++;
		} else if (!fits && p) {
			/* may fit when the space is big enough: check it */
			if (kmm_kva_of(p, NULL) & (align - 1))
				w->errors++;
		}
		vfree(p);
	}
}

static void random_size_align_alloc(struct worker *w)
{
	for (int i = 0; i < 2000; i++) {
		unsigned long align = PAGE_SIZE << (rnd(&w->r) % 8);
		unsigned long size = (1 + rnd(&w->r) % 16) * PAGE_SIZE;
		char *p = __vmalloc_node(size, align, GFP_KERNEL, 0, NULL);

		if (!p || (kmm_kva_of(p, NULL) & (align - 1)) ||
		    fill_and_verify(p, size, 'a')) {
			w->errors++;
			return;
		}
		vfree(p);
	}
}

static void full_fit_alloc(struct worker *w)
{
	enum { N = 1000 };
	char **junk = calloc(N, sizeof(*junk));
	char **tiny = calloc(N, sizeof(*tiny));

	if (!junk || !tiny) {
		w->errors++;
		goto out;
	}
	/* junk + tiny pairs, then free junk: the tiny ones keep holes */
	for (int i = 0; i < N; i++) {
		junk[i] = vmalloc(PAGE_SIZE);
		tiny[i] = vmalloc(PAGE_SIZE);
		if (!junk[i] || !tiny[i])
			w->errors++;
	}
	for (int i = 0; i < N; i++)
		vfree(junk[i]);
	vm_unmap_aliases();
	/* a one-page area plus its guard fills each two-page hole exactly */
	for (int i = 0; i < N; i++) {
		junk[i] = vmalloc(PAGE_SIZE);
		if (!junk[i] || fill_and_verify(junk[i], PAGE_SIZE, 'f'))
			w->errors++;
	}
	for (int i = 0; i < N; i++) {
		vfree(junk[i]);
		vfree(tiny[i]);
	}
out:
	free(junk);
	free(tiny);
}

static void long_busy_list_alloc(struct worker *w)
{
	enum { BUSY = 4000 };
	char **busy = calloc(BUSY, sizeof(*busy));

	if (!busy) {
		w->errors++;
		return;
	}
	for (int i = 0; i < BUSY; i++)
		if (!(busy[i] = vmalloc(PAGE_SIZE)))
			w->errors++;
	fix_size_alloc(w);
	for (int i = 0; i < BUSY; i++)
		vfree(busy[i]);
	free(busy);
}

static void vmap_pages(struct worker *w)
{
	enum { NP = 16 };
	struct page *pages[NP];

	for (int round = 0; round < 300; round++) {
		char *v;

		for (int i = 0; i < NP; i++) {
			pages[i] = alloc_page(GFP_KERNEL);
			if (!pages[i]) {
				w->errors++;
				return;
			}
		}
		v = vmap(pages, NP, VM_MAP, PAGE_KERNEL);
		if (!v) {
			w->errors++;
			return;
		}
		for (int i = 0; i < NP; i++) {
			v[i * PAGE_SIZE] = (char)round;
			if (vmalloc_to_page(v + i * PAGE_SIZE) != pages[i] ||
			    *(char *)page_address(pages[i]) != (char)round)
				w->errors++;
		}
		vunmap(v);
		for (int i = 0; i < NP; i++)
			__free_page(pages[i]);
	}
}

static void (*const phases[])(struct worker *) = {
	fix_size_alloc, random_size_alloc, align_shift_alloc,
	random_size_align_alloc, full_fit_alloc, long_busy_list_alloc,
	vmap_pages,
};

static int check_errors;

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	kmm_set_cpu(w->cpu);
	for (size_t i = 0; i < ARRAY_SIZE(phases); i++) {
		phases[i](w);
		pthread_barrier_wait(&barrier);
		/* one thread checks while the others wait */
		if (w->cpu == 0 && vmalloc_check(stderr))
			check_errors++;
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

TEST(vmalloc_phases_on_two_cpus)
{
	struct worker w[NR_THREADS];
	pthread_t t[NR_THREADS];

	setup();
	pthread_barrier_init(&barrier, NULL, NR_THREADS);
	for (int i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ .cpu = i,
					.r = { th_seed() * 2 + 1 + i } };
		REQUIRE(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
	}
	for (int i = 0; i < NR_THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(w[i].errors, 0);
	}
	CHECK_EQ(check_errors, 0);
	pthread_barrier_destroy(&barrier);

	vm_unmap_aliases();
	CHECK_EQ(vmalloc_space()->nr_busy, 0);
	CHECK_EQ(vmalloc_space()->nr_free, 1);
	CHECK_UEQ(vmap_largest_free(vmalloc_space()), vmalloc_host_size);
	CHECK_EQ(init_pgtable.nr_mapped[TLB_PG_4K], 0);
	CHECK_EQ(buddy_total_free_pages(), free0);
	CHECK_EQ(buddy_check(stderr), 0);
	CHECK_EQ(vmalloc_check(stderr), 0);
	for (int cpu = 0; cpu < NR_THREADS; cpu++)
		CHECK_EQ(tlb_check(tlb_cpu(cpu), stderr), 0);
}
