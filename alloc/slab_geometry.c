// SPDX-License-Identifier: GPL-2.0
/*
 * slab_geometry.c - the arithmetic of a slab cache, exactly as SLUB does it:
 * calculate_alignment() (mm/slab_common.c), calculate_sizes() and
 * calculate_order() (mm/slub.c, Linux 6.7 and later), and the kmalloc size
 * classes.  Pure functions: no state, no lock.
 */
#include <string.h>

#include "kmm/page.h"
#include "kmm/slab.h"

/* ------------------------------------------------------------------ */
/* kmalloc size classes                                                 */

/* size_index[(size - 1) / 8] for sizes 1..192 (mm/slab_common.c) */
const unsigned char kmalloc_size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6,		/* 8 16 32 32 64 64 64 64 */
	1, 1, 1, 1, 7, 7, 7, 7,		/* 96 96 96 96 128 128 128 128 */
	2, 2, 2, 2, 2, 2, 2, 2,		/* 192 ... */
};

unsigned int kmalloc_index_size(unsigned int index)
{
	if (index == 1)
		return 96;
	if (index == 2)
		return 192;
	if (index < KMALLOC_SHIFT_LOW || index > KMALLOC_SHIFT_HIGH)
		return 0;
	return 1u << index;
}

size_t kmalloc_size_roundup(size_t size)
{
	if (size && size <= KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_index_size(kmalloc_index(size));
	if (size > KMALLOC_MAX_SIZE)
		return 0;
	if (!size)
		return 0;
	return PAGE_SIZE << get_order(size);
}

/* ------------------------------------------------------------------ */
/* Geometry                                                             */

#define SLUB_MAX_ORDER		PAGE_ALLOC_COSTLY_ORDER	/* slub_max_order */
#define MAX_OBJS_PER_PAGE	32767	/* the 15-bit objects field */

unsigned int slab_calculate_alignment(slab_flags_t flags, unsigned int align,
				      unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = SMP_CACHE_BYTES;

		while (size <= ralign / 2)
			ralign /= 2;
		align = align > ralign ? align : ralign;
	}
	if (align < sizeof(void *))
		align = sizeof(void *);
	return ALIGN(align, (unsigned int)sizeof(void *));
}

static unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

/* Smallest order in [min_order, max_order] that wastes at most 1/fract. */
static unsigned int calc_slab_order(unsigned int size, unsigned int min_order,
				    unsigned int max_order, unsigned int fract)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract)
			break;
	}
	return order;
}

int slab_calculate_order(unsigned int size, unsigned int nr_cpus)
{
	unsigned int min_objects, max_objects, min_order, order;

	if (!size)
		return -1;
	if (nr_cpus < 1)
		nr_cpus = 1;
	min_objects = 4 * ((unsigned int)fls(nr_cpus) + 1);
	max_objects = order_objects(SLUB_MAX_ORDER, size);
	if (max_objects < 1)
		max_objects = 1;
	if (min_objects > max_objects)
		min_objects = max_objects;
	min_order = get_order((unsigned long)min_objects * size);
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)get_order((unsigned long)size *
				      MAX_OBJS_PER_PAGE) - 1;
	for (unsigned int fract = 16; fract > 1; fract /= 2) {
		order = calc_slab_order(size, min_order, SLUB_MAX_ORDER, fract);
		if (order <= SLUB_MAX_ORDER)
			return (int)order;
	}
	order = get_order(size);
	if (order <= MAX_PAGE_ORDER)
		return (int)order;
	return -1;
}

int slab_calculate_geometry(struct slab_geometry *g, unsigned int object_size,
			    unsigned int align, slab_flags_t flags,
			    bool has_ctor, unsigned int nr_cpus)
{
	unsigned int size;
	int order;

	memset(g, 0, sizeof(*g));
	if (!object_size || object_size > KMALLOC_MAX_SIZE ||
	    (align & (align - 1)))
		return -1;
	g->object_size = object_size;
	if (flags & SLAB_KMALLOC) {
		/* kmalloc caches: at least the size's largest power-of-two
		 * divisor (create_boot_cache) */
		unsigned int pow2 = object_size & -object_size;

		if (align < pow2)
			align = pow2;
	}
	g->align = slab_calculate_alignment(flags, align, object_size);

	size = ALIGN(object_size, (unsigned int)sizeof(void *));
	/* red zone: make room after the object if there is none */
	if ((flags & SLAB_RED_ZONE) && size == object_size)
		size += sizeof(void *);
	g->inuse = size;

	if (((flags & SLAB_KMALLOC) && (flags & SLAB_STORE_USER) &&
	     (flags & SLAB_RED_ZONE)) ||
	    (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) ||
	    ((flags & SLAB_RED_ZONE) && object_size < sizeof(void *)) ||
	    has_ctor) {
		/* the object's bytes must survive a free: pointer after it */
		g->offset = size;
		size += sizeof(void *);
	} else {
		/* middle of the object, away from small over/underflows */
		g->offset = ALIGN_DOWN(object_size / 2,
				       (unsigned int)sizeof(void *));
	}
	if (flags & SLAB_STORE_USER) {
		size += 2 * sizeof(struct slab_track);
		if (flags & SLAB_KMALLOC)
			size += sizeof(unsigned int);	/* original size */
	}
	if (flags & SLAB_RED_ZONE) {
		size += sizeof(void *);			/* padding */
		g->red_left_pad = ALIGN((unsigned int)sizeof(void *),
					g->align);
		size += g->red_left_pad;
	}
	size = ALIGN(size, g->align);
	g->size = size;

	order = slab_calculate_order(size, nr_cpus);
	if (order < 0)
		return -1;
	g->order = (unsigned int)order;
	g->objects = order_objects(g->order, size);
	g->min_order = get_order(size);
	g->min_objects = order_objects(g->min_order, size);
	return g->objects ? 0 : -1;
}

