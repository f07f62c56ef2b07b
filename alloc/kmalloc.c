// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc.c - the kmalloc family on top of the slab caches.
 *
 * Sizes 1..8192 go to the kmalloc caches (kmalloc-8 ... kmalloc-8k with
 * kmalloc-96 and kmalloc-192; kmalloc-rcl-* for __GFP_RECLAIMABLE,
 * dma-kmalloc-* for __GFP_DMA); larger sizes up to KMALLOC_MAX_SIZE (4 MiB)
 * are compound pages straight from the page allocator (kmalloc_large).
 * kmalloc(0) is ZERO_SIZE_PTR.  The fast paths are kmalloc()/kfree() in
 * kmm/slab.h; this file is everything that is not constant-folded there.
 *
 * No lock of its own: creation happens once in kmem_cache_init().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmm/page.h"
#include "kmm/slab.h"
#include "slab_internal.h"

struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_INDEX_MAX];

static const char *const kmalloc_type_prefix[NR_KMALLOC_TYPES] = {
	[KMALLOC_NORMAL] = "kmalloc-",
	[KMALLOC_RECLAIM] = "kmalloc-rcl-",
	[KMALLOC_DMA] = "dma-kmalloc-",
};

static const slab_flags_t kmalloc_type_flags[NR_KMALLOC_TYPES] = {
	[KMALLOC_NORMAL] = 0,
	[KMALLOC_RECLAIM] = SLAB_RECLAIM_ACCOUNT,
	[KMALLOC_DMA] = SLAB_CACHE_DMA,
};

/* The kernel's kmalloc cache names: kmalloc-8 ... kmalloc-512, -1k ... */
static void kmalloc_cache_name(char *buf, size_t len,
			       enum kmalloc_cache_type type,
			       unsigned int size)
{
	if (size >= 1024)
		snprintf(buf, len, "%s%uk", kmalloc_type_prefix[type],
			 size / 1024);
	else
		snprintf(buf, len, "%s%u", kmalloc_type_prefix[type], size);
}

int kmalloc_init(void)
{
	char name[32];

	for (int type = 0; type < NR_KMALLOC_TYPES; type++) {
		for (unsigned int i = 1; i < KMALLOC_INDEX_MAX; i++) {
			unsigned int size = kmalloc_index_size(i);

			if (!size || kmalloc_caches[type][i])
				continue;
			kmalloc_cache_name(name, sizeof(name), type, size);
			kmalloc_caches[type][i] = kmem_cache_create(name, size,
				0, SLAB_KMALLOC | kmalloc_type_flags[type],
				NULL);
			if (!kmalloc_caches[type][i])
				return -ENOMEM;
		}
	}
	return 0;
}

void kmalloc_exit(void)
{
	memset(kmalloc_caches, 0, sizeof(kmalloc_caches));
}

static inline enum kmalloc_cache_type kmalloc_type(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return KMALLOC_DMA;
	if (gfp & __GFP_RECLAIMABLE)
		return KMALLOC_RECLAIM;
	return KMALLOC_NORMAL;
}

struct kmem_cache *kmalloc_slab(size_t size, gfp_t gfp)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	if (kmem_cache_init())
		return NULL;
	return kmalloc_caches[kmalloc_type(gfp)][kmalloc_index(size)];
}

void *kmalloc_large(size_t size, gfp_t gfp)
{
	struct page *page;

	kmm_last_alloc_path = SLAB_PATH_PAGE;
	if (unlikely(size > KMALLOC_MAX_SIZE)) {
		if (!(gfp & __GFP_NOWARN))
			fprintf(stderr, "WARNING: kmalloc: request of %zu bytes "
				"exceeds KMALLOC_MAX_SIZE (%lu)\n", size,
				(unsigned long)KMALLOC_MAX_SIZE);
		return NULL;
	}
	page = alloc_pages(gfp | __GFP_COMP, get_order(size));
	return page ? page_address(page) : NULL;
}

void *__kmalloc(size_t size, gfp_t gfp)
{
	struct kmem_cache *s;
	void *x;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return kmalloc_large(size, gfp);
	s = kmalloc_slab(size, gfp);
	if (unlikely(!s))
		return NULL;
	x = slab_alloc_fast(s, gfp);
	if (x && (gfp & __GFP_ZERO))
		memset(x, 0, s->object_size);
	return x;
}

void __kfree_slow(const void *x)
{
	struct page *page;

	if (ZERO_OR_NULL_PTR(x))
		return;
	if (unlikely(!virt_addr_valid(x))) {
		slab_report(NULL, x, "kfree: invalid pointer 0x%p (not "
			    "kmalloc memory)", x);
		return;
	}
	page = compound_head(virt_to_page(x));
	if (unlikely(PageSlab(page) || page_address(page) != x ||
		     !page_count(page))) {
		slab_report(NULL, x, "kfree: pointer 0x%p is no kmalloc "
			    "object", x);
		return;
	}
	__free_pages(page, compound_order(page));
}

static inline size_t slab_ksize(const struct kmem_cache *s)
{
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & SLAB_STORE_USER)
		return s->inuse;
	return s->size;
}

size_t ksize(const void *p)
{
	struct kmem_cache *s;
	struct page *page;

	if (ZERO_OR_NULL_PTR(p) || !virt_addr_valid(p))
		return 0;
	s = slab_cache_of(p);
	if (s != slab_no_cache)
		return slab_ksize(s);
	page = compound_head(virt_to_page(p));
	return PAGE_SIZE << compound_order(page);
}

void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc(bytes, gfp);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return kmalloc_array(n, size, gfp | __GFP_ZERO);
}

void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks = 0;
	void *ret;

	if (unlikely(!new_size)) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	if (!ZERO_OR_NULL_PTR(p))
		ks = ksize(p);
	if (ks >= new_size) {
		/* fits: keep it (zero the grown tail for __GFP_ZERO) */
		return (void *)p;
	}
	ret = kmalloc(new_size, gfp);
	if (ret && ks) {
		memcpy(ret, p, ks);
		kfree(p);
	}
	return ret;
}

void kfree_sensitive(const void *p)
{
	size_t ks = ksize(p);

	if (ks)
		memset((void *)p, 0, ks);
	kfree(p);
}
