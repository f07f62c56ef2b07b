// SPDX-License-Identifier: GPL-2.0
/*
 * zone.c - the simulated machine's physical memory: the memfd behind it,
 * mem_map, the zones, their watermarks, lowmem_reserve and per-CPU list
 * geometry, and the gfp_zone() table.
 *
 * Layout (x86 conventions):
 *	64-bit: DMA [0, 16 MiB)  DMA32 [16 MiB, 4 GiB)  Normal [4 GiB, end)
 *	32-bit: DMA [0, 16 MiB)  Normal [16 MiB, 896 MiB)  HighMem [896 MiB, end)
 * Every boundary is a multiple of the max-order block (4 MiB), and memory
 * is rounded down to one, so no buddy block ever crosses a zone.
 *
 * Set-up follows the kernel's boot: every pageblock starts MIGRATE_MOVABLE,
 * all memory is freed in max-order blocks, then watermarks
 * (__setup_per_zone_wmarks), lowmem_reserve
 * (setup_per_zone_lowmem_reserve) and pcp batch/high (zone_batchsize,
 * zone_highsize) are computed from the managed page counts.
 *
 * Frames, mem_map and struct pages come on first use (host page faults,
 * deferred struct page set-up), unless kmm_config.prefault_bytes asks
 * for them at set-up: then mem_map is populated, every struct page set
 * up, and that many bytes of frames populated in the order the buddy
 * allocator hands out max-order blocks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buddy_internal.h"

struct page *mem_map;
unsigned long max_pfn;
char *kmm_phys_base;
int kmm_phys_fd = -1;

struct zone kmm_zones[MAX_NR_ZONES];
uint8_t *buddy_alloc_order;
uint8_t *buddy_pageblock_mt;
uint8_t *buddy_block_ready;

/* kmm_zonelist[hz] = populated zones hz, hz-1, ..., 0, then -1 */
int kmm_zonelist[MAX_NR_ZONES][MAX_NR_ZONES + 1];
struct zone *kmm_preferred_zone[MAX_NR_ZONES];
signed char kmm_gfp_zone_table[GFP_ZONEMASK + 1];

static struct kmm_config kmm_cfg;
static bool kmm_ready;
static size_t mem_map_bytes, shadow_bytes;

static const char *const zone_names[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "HighMem"
};

/* sysctl_lowmem_reserve_ratio: 0 means no reserve against upper zones */
static const int lowmem_reserve_ratio[MAX_NR_ZONES] = { 256, 256, 32, 0 };

#define WATERMARK_SCALE_FACTOR	10
#define SWAP_CLUSTER_MAX	32UL
#define MAX_MEM_BYTES		(1ULL << 40)
#define MAX_MEM_BYTES_32BIT	(64ULL << 30)	/* PAE */

static unsigned long int_sqrt(unsigned long x)
{
	unsigned long r = 0, bit = 1UL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

static bool is_highmem_idx(int idx)
{
	return idx == ZONE_HIGHMEM;
}

int zone_batchsize(unsigned long managed_pages)
{
	long batch = (long)min_t(unsigned long, managed_pages >> 10,
				 (1UL << 20) / PAGE_SIZE);

	batch /= 4;		/* we effectively *= 4 below */
	if (batch < 1)
		batch = 1;
	/* clamp to 2^n - 1 so batches do not alias cache colours */
	return (int)rounddown_pow_of_two((unsigned long)(batch + batch / 2)) - 1;
}

int zone_highsize(unsigned long low_wmark, int batch, int nr_cpus)
{
	long high = (long)(low_wmark / (unsigned long)(nr_cpus ? nr_cpus : 1));

	return (int)max_t(long, high, (long)batch << 2);
}

static void setup_per_zone_wmarks(void)
{
	unsigned long lowmem_pages = 0, lowmem_kbytes, min_free_kbytes;
	unsigned long pages_min;
	struct zone *zone;

	for_each_populated_zone(zone)
		if (!is_highmem_idx(zone->idx))
			lowmem_pages += zone->managed_pages;
	/* calculate_min_free_kbytes(), at boot (no high watermark yet) */
	lowmem_kbytes = lowmem_pages * (PAGE_SIZE >> 10);
	min_free_kbytes = int_sqrt(lowmem_kbytes * 16);
	if (min_free_kbytes < 128)
		min_free_kbytes = 128;
	if (min_free_kbytes > 262144)
		min_free_kbytes = 262144;
	pages_min = min_free_kbytes >> (PAGE_SHIFT - 10);

	for_each_populated_zone(zone) {
		uint64_t tmp = (uint64_t)pages_min * zone->managed_pages /
			       lowmem_pages;
		uint64_t scaled = (uint64_t)zone->managed_pages *
				  WATERMARK_SCALE_FACTOR / 10000;

		if (is_highmem_idx(zone->idx)) {
			unsigned long min_pages = zone->managed_pages / 1024;

			if (min_pages < SWAP_CLUSTER_MAX)
				min_pages = SWAP_CLUSTER_MAX;
			if (min_pages > 128)
				min_pages = 128;
			zone->_watermark[WMARK_MIN] = min_pages;
		} else {
			zone->_watermark[WMARK_MIN] = tmp;
		}
		tmp = max_t(uint64_t, tmp >> 2, scaled);
		zone->_watermark[WMARK_LOW] = zone->_watermark[WMARK_MIN] + tmp;
		zone->_watermark[WMARK_HIGH] = zone->_watermark[WMARK_LOW] + tmp;
	}
}

static void setup_per_zone_lowmem_reserve(void)
{
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zone = &kmm_zones[i];
		int ratio = lowmem_reserve_ratio[i];
		bool clear = !ratio || !zone->managed_pages;
		unsigned long upper = 0;

		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			upper += kmm_zones[j].managed_pages;
			zone->lowmem_reserve[j] = clear ? 0 :
				(long)(upper / (unsigned long)ratio);
		}
	}
}

/*
 * Lists for every possible CPU id (KMM_MAX_CPUS, 64 KiB per zone), so a
 * later kmm_set_nr_cpus() cannot index past them; batch and high follow
 * the CPU count at set-up.
 */
static int setup_pcp(struct zone *zone)
{
	int batch, high;

	zone->pcp = aligned_alloc(SMP_CACHE_BYTES,
				  sizeof(*zone->pcp) * KMM_MAX_CPUS);
	if (!zone->pcp)
		return -ENOMEM;
	batch = max_t(int, 1, zone_batchsize(zone->managed_pages));
	high = zone_highsize(low_wmark_pages(zone), batch, kmm_nr_cpus());
	for (int cpu = 0; cpu < KMM_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &zone->pcp[cpu];

		memset(pcp, 0, sizeof(*pcp));
		pcp->batch = batch;
		pcp->high = high;
		for (int i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
	}
	return 0;
}

static void build_gfp_zone_table(enum kmm_layout layout)
{
	int opt_dma32 = layout == KMM_LAYOUT_64BIT ? ZONE_DMA32 : ZONE_NORMAL;
	int opt_highmem = layout == KMM_LAYOUT_32BIT ? ZONE_HIGHMEM
						       : ZONE_NORMAL;
	signed char *t = kmm_gfp_zone_table;

	memset(t, -1, GFP_ZONEMASK + 1);	/* the GFP_ZONE_BAD combinations */
	t[0] = ZONE_NORMAL;
	t[__GFP_DMA] = ZONE_DMA;
	t[__GFP_HIGHMEM] = (signed char)opt_highmem;
	t[__GFP_DMA32] = (signed char)opt_dma32;
	t[__GFP_MOVABLE] = ZONE_NORMAL;
	t[__GFP_MOVABLE | __GFP_DMA] = ZONE_DMA;
	/* ZONE_MOVABLE is not populated: its fallback is the highest zone */
	t[__GFP_MOVABLE | __GFP_HIGHMEM] = (signed char)opt_highmem;
	t[__GFP_MOVABLE | __GFP_DMA32] = (signed char)opt_dma32;
}

int gfp_zone(gfp_t gfp)
{
	return kmm_gfp_zone_table[gfp & GFP_ZONEMASK];
}

static void build_zonelists(void)
{
	for (int hz = 0; hz < MAX_NR_ZONES; hz++) {
		int n = 0;

		for (int z = hz; z >= 0; z--)
			if (populated_zone(&kmm_zones[z]))
				kmm_zonelist[hz][n++] = z;
		kmm_zonelist[hz][n] = -1;
		kmm_preferred_zone[hz] = &kmm_zones[kmm_zonelist[hz][0]];
	}
}

static void init_one_page(struct page *page, unsigned long pfn, int zid)
{
	page->flags = (unsigned long)zid << ZONES_PGSHIFT;
	if (zid == ZONE_HIGHMEM) {
		page->flags |= 1UL << PG_highmem;
		page->virtual = NULL;
	} else {
		page->virtual = kmm_phys_base + (pfn << PAGE_SHIFT);
	}
	page->_mapcount = -1;
	page->_refcount = 0;
}

void buddy_init_block_pages(unsigned long pfn)
{
	int zid = page_zonenum(pfn_to_page(pfn));

	for (unsigned long i = 1; i < (1UL << MAX_PAGE_ORDER); i++)
		init_one_page(pfn_to_page(pfn + i), pfn + i, zid);
	__atomic_store_n(&buddy_block_ready[pfn >> MAX_PAGE_ORDER], 1,
			 __ATOMIC_RELAXED);
}

static void zone_boundaries(enum kmm_layout layout, unsigned long end,
			    unsigned long start[MAX_NR_ZONES],
			    unsigned long stop[MAX_NR_ZONES])
{
	const unsigned long mib = (1UL << 20) >> PAGE_SHIFT;
	unsigned long b[MAX_NR_ZONES + 1];

	b[0] = 0;
	b[1] = 16 * mib;
	if (layout == KMM_LAYOUT_64BIT) {
		b[2] = 4096 * mib;
		b[3] = b[4] = ~0UL;
	} else {
		b[2] = 16 * mib;	/* no DMA32 */
		b[3] = 896 * mib;
		b[4] = ~0UL;
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		start[z] = min_t(unsigned long, b[z], end);
		stop[z] = min_t(unsigned long, b[z + 1], end);
	}
}

static void *map_noreserve(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int map_physical_memory(uint64_t bytes)
{
	void *p;

	kmm_phys_fd = memfd_create("kmm-physical-memory", MFD_CLOEXEC);
	if (kmm_phys_fd < 0)
		return -errno;
	if (ftruncate(kmm_phys_fd, (off_t)bytes))
		return -errno;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, kmm_phys_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	kmm_phys_base = p;
	mem_map_bytes = max_pfn * sizeof(struct page);
	shadow_bytes = max_pfn;
	mem_map = map_noreserve(mem_map_bytes);
	buddy_alloc_order = map_noreserve(shadow_bytes);
	buddy_pageblock_mt = calloc((max_pfn >> pageblock_order) + 1, 1);
	buddy_block_ready = calloc((max_pfn >> MAX_PAGE_ORDER) + 1, 1);
	if (!mem_map || !buddy_alloc_order || !buddy_pageblock_mt ||
	    !buddy_block_ready)
		return -ENOMEM;
	return 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#endif

/* Make [p, p + bytes) present and writable in the host. */
static void populate(void *p, size_t bytes)
{
	volatile char *c = p;

	if (!bytes || !madvise(p, bytes, MADV_POPULATE_WRITE))
		return;
	/* older host kernel: one write fault per page */
	for (size_t off = 0; off < bytes; off += (size_t)getpagesize())
		c[off] = 0;
}

/*
 * kmm_config.prefault_bytes: mem_map and the shadow present, every
 * struct page set up, and @bytes of frames present, in the order
 * __rmqueue_smallest() takes max-order blocks (list head first, the
 * highest zone first).
 */
static void prefault_memory(uint64_t bytes)
{
	const uint64_t block = PAGE_SIZE << MAX_PAGE_ORDER;

	populate(mem_map, mem_map_bytes);
	populate(buddy_alloc_order, shadow_bytes);
	for (unsigned long pfn = 0; pfn < max_pfn;
	     pfn += 1UL << MAX_PAGE_ORDER)
		buddy_init_block_pages(pfn);
	if (bytes >= (uint64_t)max_pfn << PAGE_SHIFT) {
		populate(kmm_phys_base, max_pfn << PAGE_SHIFT);
		return;
	}
	for (int z = MAX_NR_ZONES - 1; z >= 0 && bytes; z--) {
		struct list_head *head, *l;

		head = &kmm_zones[z].free_area[MAX_PAGE_ORDER]
				.free_list[MIGRATE_MOVABLE];
		for (l = head->next; l != head && bytes; l = l->next) {
			struct page *page = list_entry(l, struct page, lru);

			populate(kmm_phys_base +
				 (page_to_pfn(page) << PAGE_SHIFT), block);
			bytes -= min_t(uint64_t, bytes, block);
		}
	}
}

static void free_zone_memory(struct zone *zone)
{
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
	     pfn += 1UL << MAX_PAGE_ORDER) {
		init_one_page(pfn_to_page(pfn), pfn, zone->idx);
		__free_one_page(zone, pfn, MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	}
}

int kmm_mem_init(const struct kmm_config *cfg)
{
	unsigned long start[MAX_NR_ZONES], stop[MAX_NR_ZONES];
	struct kmm_config c = cfg ? *cfg : (struct kmm_config){ 0 };
	uint64_t limit;
	int ret;

	if (kmm_ready)
		return -EBUSY;
	if (!c.mem_bytes)
		c.mem_bytes = KMM_DEFAULT_MEM_BYTES;
	c.mem_bytes &= ~((PAGE_SIZE << MAX_PAGE_ORDER) - 1);
	limit = c.layout == KMM_LAYOUT_32BIT ? MAX_MEM_BYTES_32BIT
					     : MAX_MEM_BYTES;
	if ((c.layout != KMM_LAYOUT_64BIT && c.layout != KMM_LAYOUT_32BIT) ||
	    !c.mem_bytes || c.mem_bytes > limit || c.nr_cpus < 0)
		return -EINVAL;
	if (c.nr_cpus && kmm_set_nr_cpus(c.nr_cpus))
		return -EINVAL;
	c.nr_cpus = kmm_nr_cpus();
	kmm_cfg = c;
	max_pfn = (unsigned long)(c.mem_bytes >> PAGE_SHIFT);
	memset(kmm_zones, 0, sizeof(kmm_zones));
	memset(buddy_cpu_stats, 0, sizeof(buddy_cpu_stats));
	buddy_reset_stats();
	ret = map_physical_memory(c.mem_bytes);
	if (ret)
		goto fail;

	zone_boundaries(c.layout, max_pfn, start, stop);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zone = &kmm_zones[z];

		zone->idx = z;
		zone->name = zone_names[z];
		zone->zone_start_pfn = start[z];
		zone->spanned_pages = stop[z] - start[z];
		zone->managed_pages = zone->spanned_pages;
		kmm_spinlock_init(&zone->lock);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	}
	for (unsigned long pb = 0; pb < (max_pfn >> pageblock_order); pb++)
		buddy_pageblock_mt[pb] = MIGRATE_MOVABLE;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		free_zone_memory(&kmm_zones[z]);
	if (c.prefault_bytes)
		prefault_memory(c.prefault_bytes);
	setup_per_zone_wmarks();
	setup_per_zone_lowmem_reserve();
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		ret = setup_pcp(&kmm_zones[z]);
		if (ret)
			goto fail;
	}
	build_zonelists();
	build_gfp_zone_table(c.layout);
	kmm_ready = true;
	return 0;
fail:
	kmm_ready = true;
	kmm_mem_exit();
	return ret;
}

void kmm_mem_exit(void)
{
	if (!kmm_ready)
		return;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		free(kmm_zones[z].pcp);
		if (kmm_zones[z].name)
			pthread_mutex_destroy(&kmm_zones[z].lock);
	}
	memset(kmm_zones, 0, sizeof(kmm_zones));
	if (mem_map)
		munmap(mem_map, mem_map_bytes);
	if (buddy_alloc_order)
		munmap(buddy_alloc_order, shadow_bytes);
	if (kmm_phys_base)
		munmap(kmm_phys_base, max_pfn << PAGE_SHIFT);
	if (kmm_phys_fd >= 0)
		close(kmm_phys_fd);
	free(buddy_pageblock_mt);
	free(buddy_block_ready);
	mem_map = NULL;
	buddy_alloc_order = NULL;
	buddy_pageblock_mt = NULL;
	buddy_block_ready = NULL;
	kmm_phys_base = NULL;
	kmm_phys_fd = -1;
	max_pfn = 0;
	kmm_ready = false;
}

bool kmm_mem_ready(void)
{
	return kmm_ready;
}

const struct kmm_config *kmm_mem_config(void)
{
	return &kmm_cfg;
}
