// SPDX-License-Identifier: GPL-2.0
/*
 * highmem.c - kmap over the pkmap area, kmap_atomic / kmap_local_page over
 * per-CPU fixmap slots (see kmm/highmem.h).
 *
 * Lock order: kmap_lock -> init_pgtable.lock -> buddy locks; kmap_lock ->
 * TLB mailbox locks (flush_all_zero_pkmaps).  The fixmap slots are per CPU
 * and touched only by the owning thread: no lock.
 *
 * pkmap slot states (pkmap_count[i], as in mm/highmem.c):
 *   0      free: nothing mapped, no TLB entry can exist
 *   1      unused but still mapped (its TLB entries may be live); made 0
 *          by flush_all_zero_pkmaps(), which unmaps and flushes
 *   n > 1  mapped with n - 1 users
 * A high page is mapped in at most one slot; while it is, page->virtual
 * is the slot's host address (page_address() works, as in the kernel).
 *
 * Invariants (highmem_check): slot i has count 0 <=> pkmap_page[i] == NULL
 * and its VA is unmapped; count >= 1 => pkmap_page[i]->virtual is the
 * slot's address and the slot's VA translates to that page.  Per CPU:
 * fixmap slots [0, idx) are mapped, [idx, KM_MAX_IDX) are not.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kmm/cpu.h"
#include "kmm/highmem.h"
#include "kmm/kmm.h"
#include "kmm/pgtable.h"

static pthread_mutex_t kmap_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pkmap_wait = PTHREAD_COND_INITIALIZER;
static int pkmap_count[LAST_PKMAP];
static struct page *pkmap_page[LAST_PKMAP];
static unsigned int last_pkmap_nr;
static unsigned int pkmap_waiters;	/* kmap() callers asleep (kmap_lock) */
static char *pkmap_host;		/* LAST_PKMAP pages */
static char *fixmap_host;		/* KMM_MAX_CPUS * KM_MAX_IDX pages */
static bool highmem_ready;
static uint64_t hstats[NR_HIGHMEM_STAT_ITEMS];

struct kmap_ctrl {
	int idx;
	struct page *page[KM_MAX_IDX];
} ____cacheline_aligned;

static struct kmap_ctrl kmap_ctrl[KMM_MAX_CPUS];

#define hstat(item) do {						\
		if (KMM_STATS)						\
			__atomic_fetch_add(&hstats[item], 1,		\
					   __ATOMIC_RELAXED);		\
	} while (0)

#define PKMAP_BYTES	((size_t)LAST_PKMAP * PAGE_SIZE)
#define FIXMAP_BYTES	((size_t)KMM_MAX_CPUS * KM_MAX_IDX * PAGE_SIZE)

static __cold __noreturn void kmap_bug(const char *what, const void *addr)
{
	fprintf(stderr, "kmm: %s: %p (cpu %d)\n", what, addr,
		smp_processor_id());
	abort();
}

static bool has_highmem(void)
{
	return kmm_kspace.pkmap_base != 0;
}

int kmm_highmem_init(void)
{
	if (highmem_ready)
		return -EBUSY;
	if (!kmm_kernel_pgtable_ready() || kmm_phys_fd < 0)
		return -ENODEV;
	memset(pkmap_count, 0, sizeof(pkmap_count));
	memset(pkmap_page, 0, sizeof(pkmap_page));
	memset(kmap_ctrl, 0, sizeof(kmap_ctrl));
	memset(hstats, 0, sizeof(hstats));
	last_pkmap_nr = 0;
	if (has_highmem()) {
		pkmap_host = mmap(NULL, PKMAP_BYTES + FIXMAP_BYTES, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		if (pkmap_host == MAP_FAILED) {
			pkmap_host = NULL;
			return -ENOMEM;
		}
		fixmap_host = pkmap_host + PKMAP_BYTES;
	}
	highmem_ready = true;
	return 0;
}

void kmm_highmem_exit(void)
{
	if (!highmem_ready)
		return;
	for (int i = 0; i < LAST_PKMAP; i++)
		if (pkmap_page[i])
			pkmap_page[i]->virtual = NULL;
	if (pkmap_host)
		munmap(pkmap_host, PKMAP_BYTES + FIXMAP_BYTES);
	pkmap_host = fixmap_host = NULL;
	highmem_ready = false;
}

static inline uint64_t pkmap_kva(unsigned int slot)
{
	return kmm_kspace.pkmap_base + ((uint64_t)slot << PAGE_SHIFT);
}

/* fixmap slots go down from FIXADDR_TOP, as __fix_to_virt() does */
static inline uint64_t fix_kva(unsigned int slot)
{
	return kmm_kspace.fixaddr_top - ((uint64_t)(slot + 1) << PAGE_SHIFT);
}

static void map_slot(char *host, uint64_t kva, struct page *page)
{
	if (pgtable_map(&init_pgtable, kva, page_to_pfn(page), TLB_PG_4K,
			PAGE_KERNEL))
		kmap_bug("kmap: cannot map page tables", host);
	if (mmap(host, PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, kmm_phys_fd,
		 (off_t)page_to_pfn(page) << PAGE_SHIFT) == MAP_FAILED)
		kmap_bug("kmap: cannot map host page", host);
}

static void unmap_slot(char *host, uint64_t kva)
{
	pgtable_unmap(&init_pgtable, kva, TLB_PG_4K, NULL);
	if (mmap(host, PAGE_SIZE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1,
		 0) == MAP_FAILED)
		kmap_bug("kunmap: cannot unmap host page", host);
}

/* Unmap every slot with count 1, then one flush of the pkmap area */
static void flush_all_zero_pkmaps(void)
{
	bool need_flush = false;

	hstat(HIGHMEM_FLUSH);
	for (unsigned int i = 0; i < LAST_PKMAP; i++) {
		if (pkmap_count[i] != 1)
			continue;
		pkmap_count[i] = 0;
		pkmap_page[i]->virtual = NULL;
		pkmap_page[i] = NULL;
		unmap_slot(pkmap_host + i * PAGE_SIZE, pkmap_kva(i));
		need_flush = true;
	}
	if (need_flush)
		tlb_shootdown_range(pkmap_kva(0), pkmap_kva(LAST_PKMAP),
				    TLB_ASID_KERNEL);
}

/*
 * Find a free slot for @page (kmap_lock held).  Waits when every slot is
 * in use unless @nowait.  Returns the host address or NULL.
 */
static void *map_new_virtual(struct page *page, bool nowait)
{
	unsigned int count;

start:
	count = LAST_PKMAP;
	for (;;) {
		last_pkmap_nr = (last_pkmap_nr + 1) & LAST_PKMAP_MASK;
		if (!last_pkmap_nr) {
			flush_all_zero_pkmaps();
			count = LAST_PKMAP;
		}
		if (!pkmap_count[last_pkmap_nr])
			break;
		if (--count)
			continue;
		/* every slot is in use: sleep until a kunmap */
		if (nowait)
			return NULL;
		hstat(HIGHMEM_KMAP_WAIT);
		pkmap_waiters++;
		pthread_cond_wait(&pkmap_wait, &kmap_lock);
		pkmap_waiters--;
		/* somebody else might have mapped it while we slept */
		if (page->virtual)
			return page->virtual;
		goto start;
	}
	map_slot(pkmap_host + last_pkmap_nr * PAGE_SIZE,
		 pkmap_kva(last_pkmap_nr), page);
	pkmap_count[last_pkmap_nr] = 1;
	pkmap_page[last_pkmap_nr] = page;
	page->virtual = pkmap_host + last_pkmap_nr * PAGE_SIZE;
	return page->virtual;
}

static inline unsigned int pkmap_slot(const void *addr)
{
	return (unsigned int)(((const char *)addr - pkmap_host) >> PAGE_SHIFT);
}

static void *kmap_high(struct page *page, bool nowait)
{
	void *vaddr;

	pthread_mutex_lock(&kmap_lock);
	vaddr = page->virtual;
	if (!vaddr)
		vaddr = map_new_virtual(page, nowait);
	if (vaddr) {
		pkmap_count[pkmap_slot(vaddr)]++;
		hstat(HIGHMEM_KMAP);
	}
	pthread_mutex_unlock(&kmap_lock);
	return vaddr;
}

void *kmap(struct page *page)
{
	if (!PageHighMem(page))
		return page_address(page);
	if (!highmem_ready)
		kmap_bug("kmap: high memory is not initialised", page);
	return kmap_high(page, false);
}

void *kmap_high_get_nowait(struct page *page)
{
	if (!PageHighMem(page))
		return page_address(page);
	if (!highmem_ready)
		return NULL;
	return kmap_high(page, true);
}

void kunmap(struct page *page)
{
	bool wake = false;
	unsigned int slot;

	if (!PageHighMem(page))
		return;
	pthread_mutex_lock(&kmap_lock);
	if (!page->virtual || !pkmap_host ||
	    (char *)page->virtual < pkmap_host ||
	    (char *)page->virtual >= pkmap_host + PKMAP_BYTES) {
		pthread_mutex_unlock(&kmap_lock);
		kmap_bug("kunmap: page is not kmapped", page);
	}
	slot = pkmap_slot(page->virtual);
	switch (--pkmap_count[slot]) {
	case 0:
		pthread_mutex_unlock(&kmap_lock);
		kmap_bug("kunmap: more kunmaps than kmaps", page);
	case 1:
		/* a slot became reusable (after the next flush) */
		wake = true;
		break;
	}
	pthread_mutex_unlock(&kmap_lock);
	if (wake)
		pthread_cond_broadcast(&pkmap_wait);
}

/* ---- kmap_local_page / kmap_atomic ---- */

static inline bool in_fixmap(const void *addr)
{
	return fixmap_host && (const char *)addr >= fixmap_host &&
	       (const char *)addr < fixmap_host + FIXMAP_BYTES;
}

void *kmap_local_page(struct page *page)
{
	struct kmap_ctrl *kc = &kmap_ctrl[smp_processor_id()];
	unsigned int slot;
	char *host;

	if (!PageHighMem(page))
		return page_address(page);
	if (!highmem_ready)
		kmap_bug("kmap_local_page: high memory is not initialised",
			 page);
	if (kc->idx >= KM_MAX_IDX)
		kmap_bug("kmap_local_page: more than KM_MAX_IDX nested "
			 "mappings", page);
	slot = (unsigned int)(smp_processor_id() * KM_MAX_IDX + kc->idx);
	host = fixmap_host + (size_t)slot * PAGE_SIZE;
	map_slot(host, fix_kva(slot), page);
	kc->page[kc->idx++] = page;
	hstat(HIGHMEM_KMAP_ATOMIC);
	return host;
}

void kunmap_local(const void *addr)
{
	struct kmap_ctrl *kc = &kmap_ctrl[smp_processor_id()];
	unsigned int slot, top;
	char *host;

	if (!in_fixmap(addr)) {
		/* a low-memory page: kmap_local_page returned page_address */
		if (virt_addr_valid(addr) &&
		    __pa(addr) < kmm_kspace.lowmem_limit)
			return;
		kmap_bug("kunmap_local: not a kmap_local address", addr);
	}
	slot = (unsigned int)(((const char *)addr - fixmap_host) >>
			      PAGE_SHIFT);
	top = (unsigned int)(smp_processor_id() * KM_MAX_IDX + kc->idx - 1);
	if (kc->idx == 0 || slot != top)
		kmap_bug("kunmap_local: not the most recent mapping of this "
			 "CPU (mappings must be released in reverse order)",
			 addr);
	host = fixmap_host + (size_t)slot * PAGE_SIZE;
	unmap_slot(host, fix_kva(slot));
	kc->page[--kc->idx] = NULL;
	/* the unmapped slot is reused soon: flush it on this CPU */
	if (tlb_this_cpu())
		tlb_flush_page(tlb_this_cpu(), fix_kva(slot), TLB_ASID_KERNEL);
}

void *kmap_atomic(struct page *page)
{
	return kmap_local_page(page);
}

void __kunmap_atomic(const void *addr)
{
	kunmap_local(addr);
}

void clear_highpage(struct page *page)
{
	void *p = kmap_local_page(page);

	memset(p, 0, PAGE_SIZE);
	kunmap_local(p);
}

void copy_highpage(struct page *to, struct page *from)
{
	char *vfrom = kmap_local_page(from);
	char *vto = kmap_local_page(to);

	memcpy(vto, vfrom, PAGE_SIZE);
	kunmap_local(vto);
	kunmap_local(vfrom);
}

struct page *kmap_to_page(const void *addr)
{
	struct page *page = NULL;

	if (pkmap_host && (const char *)addr >= pkmap_host &&
	    (const char *)addr < pkmap_host + PKMAP_BYTES) {
		pthread_mutex_lock(&kmap_lock);
		page = pkmap_page[pkmap_slot(addr)];
		pthread_mutex_unlock(&kmap_lock);
	} else if (in_fixmap(addr)) {
		unsigned int slot = (unsigned int)(((const char *)addr -
						    fixmap_host) >> PAGE_SHIFT);

		page = kmap_ctrl[slot / KM_MAX_IDX].page[slot % KM_MAX_IDX];
	} else if (virt_addr_valid(addr)) {
		page = virt_to_page(addr);
	}
	return page;
}

uint64_t kmm_kmap_kva(const void *addr)
{
	const char *p = addr;

	if (pkmap_host && p >= pkmap_host && p < pkmap_host + PKMAP_BYTES)
		return kmm_kspace.pkmap_base + (uint64_t)(p - pkmap_host);
	if (in_fixmap(addr)) {
		size_t off = (size_t)(p - fixmap_host);

		return fix_kva((unsigned int)(off >> PAGE_SHIFT)) +
		       (off & (PAGE_SIZE - 1));
	}
	return 0;
}

void highmem_stats(uint64_t out[NR_HIGHMEM_STAT_ITEMS])
{
	for (int i = 0; i < NR_HIGHMEM_STAT_ITEMS; i++)
		out[i] = __atomic_load_n(&hstats[i], __ATOMIC_RELAXED);
}

unsigned int pkmap_nr_waiting(void)
{
	unsigned int n;

	pthread_mutex_lock(&kmap_lock);
	n = pkmap_waiters;
	pthread_mutex_unlock(&kmap_lock);
	return n;
}

unsigned int pkmap_nr_used(void)
{
	unsigned int n = 0;

	pthread_mutex_lock(&kmap_lock);
	for (int i = 0; i < LAST_PKMAP; i++)
		n += pkmap_count[i] > 1;
	pthread_mutex_unlock(&kmap_lock);
	return n;
}

int highmem_check(FILE *fp)
{
	int ret = 0;

	if (!highmem_ready || !pkmap_host)
		return 0;
	pthread_mutex_lock(&kmap_lock);
	for (unsigned int i = 0; i < LAST_PKMAP && !ret; i++) {
		struct pgtable_walk w;
		bool mapped = !pgtable_translate(&init_pgtable, pkmap_kva(i),
						 &w);

		if (pkmap_count[i] < 0 || (!pkmap_count[i]) != !pkmap_page[i] ||
		    mapped != !!pkmap_page[i]) {
			fprintf(fp, "highmem: pkmap slot %u: count %d, page "
				"%p, mapped %d\n", i, pkmap_count[i],
				(void *)pkmap_page[i], mapped);
			ret = -1;
		} else if (pkmap_page[i] &&
			   (pkmap_page[i]->virtual !=
			    pkmap_host + i * PAGE_SIZE ||
			    w.pfn != page_to_pfn(pkmap_page[i]))) {
			fprintf(fp, "highmem: pkmap slot %u maps the wrong "
				"page\n", i);
			ret = -1;
		}
	}
	pthread_mutex_unlock(&kmap_lock);
	return ret;
}
