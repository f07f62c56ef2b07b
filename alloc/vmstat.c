// SPDX-License-Identifier: GPL-2.0
/*
 * vmstat.c - /proc/buddyinfo, /proc/pagetypeinfo and the extfrag debugfs
 * files (unusable_index, extfrag_index) in the kernel's exact formats, and
 * the fragmentation indices of mm/vmstat.c in integer arithmetic.
 */
#include <stdio.h>

#include "buddy_internal.h"

struct contig_page_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};

static void fill_contig_page_info(const unsigned long *nr_free, int nr_orders,
				  unsigned int suitable_order,
				  struct contig_page_info *info)
{
	*info = (struct contig_page_info){ 0 };
	for (int o = 0; o < nr_orders; o++) {
		unsigned long blocks = nr_free[o];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if ((unsigned int)o >= suitable_order)
			info->free_blocks_suitable +=
				blocks << (o - (int)suitable_order);
	}
}

int unusable_index_nr_free(const unsigned long *nr_free, int nr_orders,
			   unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(nr_free, nr_orders, order, &info);
	if (!info.free_pages)
		return 1000;
	return (int)((info.free_pages - (info.free_blocks_suitable << order)) *
		     1000ULL / info.free_pages);
}

int fragmentation_index_nr_free(const unsigned long *nr_free, int nr_orders,
				unsigned int order)
{
	unsigned long requested = 1UL << order;
	struct contig_page_info info;

	fill_contig_page_info(nr_free, nr_orders, order, &info);
	if (!info.free_blocks_total)
		return 0;
	if (info.free_blocks_suitable)
		return -1000;
	return (int)(1000 - ((1000 + info.free_pages * 1000ULL / requested) /
			     info.free_blocks_total));
}

static void zone_nr_free(const struct zone *zone, unsigned long *nr_free)
{
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		nr_free[o] = counter_read(&zone->free_area[o].nr_free);
}

int unusable_index(const struct zone *zone, unsigned int order)
{
	unsigned long nr_free[NR_PAGE_ORDERS];

	zone_nr_free(zone, nr_free);
	return unusable_index_nr_free(nr_free, NR_PAGE_ORDERS, order);
}

int fragmentation_index(const struct zone *zone, unsigned int order)
{
	unsigned long nr_free[NR_PAGE_ORDERS];

	zone_nr_free(zone, nr_free);
	return fragmentation_index_nr_free(nr_free, NR_PAGE_ORDERS, order);
}

void kmm_print_buddyinfo(FILE *fp)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		fprintf(fp, "Node %d, zone %8s ", 0, zone->name);
		for (int o = 0; o < NR_PAGE_ORDERS; o++)
			fprintf(fp, "%6lu ", counter_read(&zone->free_area[o].nr_free));
		fputc('\n', fp);
	}
}

static const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic",
};

void kmm_print_pagetypeinfo(FILE *fp)
{
	struct zone *zone;

	fprintf(fp, "Page block order: %d\n", pageblock_order);
	fprintf(fp, "Pages per block:  %lu\n", pageblock_nr_pages);
	fputc('\n', fp);
	fprintf(fp, "%-43s ", "Free pages count per migrate type at order");
	for (int o = 0; o < NR_PAGE_ORDERS; o++)
		fprintf(fp, "%6d ", o);
	fputc('\n', fp);
	for_each_populated_zone(zone) {
		zone_lock(zone);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			fprintf(fp, "Node %4d, zone %8s, type %12s ", 0,
				zone->name, migratetype_names[mt]);
			for (int o = 0; o < NR_PAGE_ORDERS; o++) {
				unsigned long n = counter_read(
					&zone->free_area[o].nr_free_mt[mt]);

				/* the kernel stops counting at 100000 */
				if (n >= 100000)
					fprintf(fp, ">%6lu ", 100000UL);
				else
					fprintf(fp, "%6lu ", n);
			}
			fputc('\n', fp);
		}
		zone_unlock(zone);
	}
	fprintf(fp, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		fprintf(fp, "%12s ", migratetype_names[mt]);
	fputc('\n', fp);
	for_each_populated_zone(zone) {
		unsigned long count[MIGRATE_TYPES] = { 0 };

		for (unsigned long pfn = zone->zone_start_pfn;
		     pfn < zone_end_pfn(zone); pfn += pageblock_nr_pages)
			count[get_pfnblock_migratetype(pfn)]++;
		fprintf(fp, "Node %d, zone %8s ", 0, zone->name);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			fprintf(fp, "%12lu ", count[mt]);
		fputc('\n', fp);
	}
}

void kmm_print_index_line(FILE *fp, int node, const char *zone_name,
			  const unsigned long *nr_free, int nr_orders,
			  bool extfrag)
{
	fprintf(fp, "Node %d, zone %8s ", node, zone_name);
	for (int o = 0; o < nr_orders; o++) {
		int index = extfrag ?
			fragmentation_index_nr_free(nr_free, nr_orders,
						    (unsigned int)o) :
			unusable_index_nr_free(nr_free, nr_orders,
					       (unsigned int)o);

		fprintf(fp, extfrag ? "%2d.%03d " : "%d.%03d ", index / 1000,
			index % 1000);
	}
	fputc('\n', fp);
}

static void print_index(FILE *fp, bool extfrag)
{
	unsigned long nr_free[NR_PAGE_ORDERS];
	struct zone *zone;

	for_each_populated_zone(zone) {
		zone_nr_free(zone, nr_free);
		kmm_print_index_line(fp, 0, zone->name, nr_free,
				     NR_PAGE_ORDERS, extfrag);
	}
}

/* /sys/kernel/debug/extfrag/unusable_index: "%d.%03d " per order */
void kmm_print_unusable_index(FILE *fp)
{
	print_index(fp, false);
}

/* /sys/kernel/debug/extfrag/extfrag_index: "%2d.%03d " (-1000: -1.000) */
void kmm_print_extfrag_index(FILE *fp)
{
	print_index(fp, true);
}
