/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc/mm/slab_shim.h - temporary stand-in for kmm/slab.h: the kernel's
 * kmem_cache_* names over calloc, until the slab allocator is in libkmm.
 * Counts live objects so the leak tests can check them.
 */
#ifndef KMM_MM_SLAB_SHIM_H
#define KMM_MM_SLAB_SHIM_H

#include "kmm/gfp.h"

/*
 * libkmm now has the slab allocator (kmm/slab.h) under the kernel names;
 * until mm/ moves to it, the shim's functions carry names of their own so
 * the two do not collide at link time.
 */
#define kmem_cache_create	mm_shim_cache_create
#define kmem_cache_destroy	mm_shim_cache_destroy
#define kmem_cache_alloc	mm_shim_cache_alloc
#define kmem_cache_free		mm_shim_cache_free
#define kmem_cache		mm_shim_cache

struct kmem_cache;

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, unsigned int flags,
				     void (*ctor)(void *));
void kmem_cache_destroy(struct kmem_cache *s);
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *s, void *obj);
/* Objects allocated and not freed. */
long kmm_shim_cache_live(const struct kmem_cache *s);

#endif /* KMM_MM_SLAB_SHIM_H */
