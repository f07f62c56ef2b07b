/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc/slab_internal.h - what slab_common.c, slub.c and kmalloc.c share
 * and nothing else uses.
 */
#ifndef KMM_SLAB_INTERNAL_H
#define KMM_SLAB_INTERNAL_H

#include <pthread.h>

#include "kmm/list.h"
#include "kmm/slab.h"

/*
 * list_for_each_entry_safe() that never forms an entry pointer for the
 * list head itself: struct page and struct kmem_cache are 64-byte aligned,
 * and UBSan rightly flags a misaligned container pointer.
 */
#define slab_list_for_each(pos, cur, nxt, head, type, member)		\
	for (cur = (head)->next, nxt = cur->next;			\
	     cur != (head) && ((pos) = list_entry(cur, type, member), 1); \
	     cur = nxt, nxt = cur->next)

extern pthread_mutex_t slab_mutex;	/* the cache list, aliases */
extern struct list_head slab_caches;

/* slub.c: a new cache with its geometry, CPU and node parts; NULL on
 * failure.  slab_mutex held. */
struct kmem_cache *__kmem_cache_create(const char *name,
				       unsigned int object_size,
				       const struct kmem_cache_args *args,
				       slab_flags_t flags);
/* Free every empty slab; reports (unless @quiet) and returns -EBUSY if
 * objects remain. */
int __kmem_cache_shutdown(struct kmem_cache *s, bool quiet);
/* Release the cache structure itself. */
void __kmem_cache_release(struct kmem_cache *s);
void slab_frame_exit(void);

/* kmalloc.c */
int kmalloc_init(void);
void kmalloc_exit(void);

/* Print a report (BUG NAME: WHAT) through slab_report_hook. */
void slab_report(struct kmem_cache *s, const void *object, const char *fmt,
		 ...) __printf(3, 4);

#endif /* KMM_SLAB_INTERNAL_H */
