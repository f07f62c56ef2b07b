// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/slab_shim.c - see slab_shim.h.  Not an allocator: calloc/free
 * behind the kmem_cache_* names, removed when the slab allocator lands.
 */
#include <stdlib.h>

#include "slab_shim.h"

struct kmem_cache {
	const char *name;
	unsigned int size;
	long live;
};

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *))
{
	struct kmem_cache *s = calloc(1, sizeof(*s));

	if (s) {
		s->name = name;
		s->size = size;
	}
	return s;
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	free(s);
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	void *p = calloc(1, s->size);

	if (p)
		__atomic_fetch_add(&s->live, 1, __ATOMIC_RELAXED);
	return p;
}

void kmem_cache_free(struct kmem_cache *s, void *obj)
{
	if (!obj)
		return;
	__atomic_fetch_sub(&s->live, 1, __ATOMIC_RELAXED);
	free(obj);
}

long kmm_shim_cache_live(const struct kmem_cache *s)
{
	return __atomic_load_n(&s->live, __ATOMIC_RELAXED);
}
