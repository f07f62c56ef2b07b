// SPDX-License-Identifier: GPL-2.0
/*
 * slab_common.c - what every slab cache shares: the list of caches, cache
 * merging, creation and destruction, and /proc/slabinfo.  Geometry and the
 * kmalloc size classes are slab_geometry.c; the allocator proper is slub.c.
 *
 * Lock order: slab_mutex (the cache list and alias table), then a cache's
 * node list_lock (slub.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmm/page.h"
#include "kmm/slab.h"
#include "slab_internal.h"

/* ------------------------------------------------------------------ */
/* The cache list, merging, creation                                    */

pthread_mutex_t slab_mutex = PTHREAD_MUTEX_INITIALIZER;
LIST_HEAD(slab_caches);
bool slab_merge = true;
slab_flags_t slab_debug;
bool slab_freelist_random;

struct slab_alias {
	char *name;
	struct kmem_cache *s;
	struct slab_alias *next;
};
static struct slab_alias *slab_aliases;

static bool slab_unmergeable(const struct kmem_cache *s)
{
	return !slab_merge || (s->flags & SLAB_NEVER_MERGE) || s->ctor ||
	       s->usersize || s->refcount < 0 ||
	       (s->sheaf_capacity && !slab_sheaves_all);
}

/* find_mergeable() of mm/slab_common.c; slab_mutex held */
static struct kmem_cache *find_mergeable(unsigned int size, unsigned int align,
					 slab_flags_t flags,
					 const struct kmem_cache_args *args)
{
	struct list_head *cur, *nxt;
	struct kmem_cache *s;

	if (!slab_merge || args->ctor || args->usersize ||
	    (args->sheaf_capacity && !slab_sheaves_all) ||
	    (flags & SLAB_NEVER_MERGE))
		return NULL;
	size = ALIGN(size, (unsigned int)sizeof(void *));
	align = slab_calculate_alignment(flags, align, size);
	size = ALIGN(size, align);

	slab_list_for_each(s, cur, nxt, &slab_caches, struct kmem_cache, list) {
		if (slab_unmergeable(s))
			continue;
		if (size > s->size)
			continue;
		if ((flags & SLAB_MERGE_SAME) != (s->flags & SLAB_MERGE_SAME))
			continue;
		/* the existing cache must keep the new alignment */
		if ((s->size & ~(align - 1)) != s->size)
			continue;
		if (s->size - size >= sizeof(void *))
			continue;
		return s;
	}
	return NULL;
}

/* The kernel's create_unique_id(): ":" [flag letters "-"] size */
void slab_unique_id(const struct kmem_cache *s, char *buf, size_t len)
{
	char *p = buf;

	*p++ = ':';
	if (s->flags & SLAB_CACHE_DMA)
		*p++ = 'd';
	if (s->flags & SLAB_CACHE_DMA32)
		*p++ = 'D';
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		*p++ = 'a';
	if (s->flags & SLAB_CONSISTENCY_CHECKS)
		*p++ = 'F';
	if (s->flags & SLAB_ACCOUNT)
		*p++ = 'A';
	if (p != buf + 1)
		*p++ = '-';
	snprintf(p, len - (size_t)(p - buf), "%07u", s->size);
}

static __cold void slab_create_failed(const char *name, slab_flags_t flags,
				      const char *why)
{
	if (flags & SLAB_PANIC) {
		fprintf(stderr, "kmem_cache_create: Failed to create slab "
			"'%s'. Error %s\n", name ? name : "(null)", why);
		abort();
	}
	fprintf(stderr, "kmem_cache_create(%s) failed: %s\n",
		name ? name : "(null)", why);
}

struct kmem_cache *kmem_cache_create_args(const char *name,
					  unsigned int object_size,
					  const struct kmem_cache_args *args,
					  slab_flags_t flags)
{
	static const struct kmem_cache_args none;
	struct kmem_cache *s;
	struct slab_alias *a;

	if (!args)
		args = &none;
	if (!name || !*name || !object_size ||
	    object_size > KMALLOC_MAX_SIZE ||
	    (args->align & (args->align - 1)) ||
	    (args->use_freeptr_offset &&
	     (!(flags & SLAB_TYPESAFE_BY_RCU) ||
	      args->freeptr_offset > object_size - sizeof(void *) ||
	      !IS_ALIGNED(args->freeptr_offset,
			  (unsigned int)sizeof(void *))))) {
		slab_create_failed(name, flags, "-EINVAL");
		return NULL;
	}
	if (kmem_cache_init()) {
		slab_create_failed(name, flags, "-ENOMEM");
		return NULL;
	}
	flags |= slab_debug;
	if (slab_freelist_random)
		flags |= SLAB_FREELIST_RANDOM;

	pthread_mutex_lock(&slab_mutex);
	s = find_mergeable(object_size, args->align, flags, args);
	if (s) {
		a = malloc(sizeof(*a));
		if (a) {
			a->name = strdup(name);
			a->s = s;
			a->next = slab_aliases;
			slab_aliases = a;
			s->refcount++;
		}
		pthread_mutex_unlock(&slab_mutex);
		if (!a || !a->name) {
			slab_create_failed(name, flags, "-ENOMEM");
			return NULL;
		}
		return s;
	}
	s = __kmem_cache_create(name, object_size, args, flags);
	if (s)
		list_add_tail(&s->list, &slab_caches);
	pthread_mutex_unlock(&slab_mutex);
	if (!s)
		slab_create_failed(name, flags, "-ENOMEM");
	return s;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *))
{
	struct kmem_cache_args args = { .align = align, .ctor = ctor };

	return kmem_cache_create_args(name, size, &args, flags);
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	struct slab_alias **pa;

	if (!s)
		return;
	pthread_mutex_lock(&slab_mutex);
	if (--s->refcount > 0) {
		/* drop the newest alias of this cache */
		for (pa = &slab_aliases; *pa; pa = &(*pa)->next) {
			if ((*pa)->s == s) {
				struct slab_alias *a = *pa;

				*pa = a->next;
				free(a->name);
				free(a);
				break;
			}
		}
		pthread_mutex_unlock(&slab_mutex);
		return;
	}
	if (__kmem_cache_shutdown(s, false)) {
		/* objects remain: reported; the cache stays (kernel too) */
		s->refcount = 1;
		pthread_mutex_unlock(&slab_mutex);
		return;
	}
	list_del(&s->list);
	pthread_mutex_unlock(&slab_mutex);
	__kmem_cache_release(s);
}

struct kmem_cache *slab_find_cache(const char *name)
{
	struct kmem_cache *s, *found = NULL;
	struct list_head *cur, *nxt;

	pthread_mutex_lock(&slab_mutex);
	slab_list_for_each(s, cur, nxt, &slab_caches, struct kmem_cache, list) {
		if (!strcmp(s->name, name)) {
			found = s;
			break;
		}
	}
	for (struct slab_alias *a = slab_aliases; !found && a; a = a->next)
		if (!strcmp(a->name, name))
			found = a->s;
	pthread_mutex_unlock(&slab_mutex);
	return found;
}

int slab_for_each_cache(int (*fn)(struct kmem_cache *s, void *arg),
			void *arg)
{
	struct list_head *cur, *nxt;
	struct kmem_cache *s;
	int ret = 0;

	pthread_mutex_lock(&slab_mutex);
	slab_list_for_each(s, cur, nxt, &slab_caches, struct kmem_cache, list) {
		ret = fn(s, arg);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&slab_mutex);
	return ret;
}

static int add_pages(struct kmem_cache *s, void *arg)
{
	struct slab_cache_info info;

	slab_cache_info(s, &info);
	*(unsigned long *)arg += info.pages;
	return 0;
}

unsigned long slab_total_pages(void)
{
	unsigned long pages = 0;

	slab_for_each_cache(add_pages, &pages);
	return pages;
}

static int print_slabinfo_line(struct kmem_cache *s, void *arg)
{
	struct slab_cache_info i;

	slab_cache_info(s, &i);
	fprintf((FILE *)arg, "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u "
		"%4u : slabdata %6lu %6lu %6lu\n", i.name, i.active_objs,
		i.num_objs, i.size, i.objects_per_slab, 1 << i.order, 0, 0, 0,
		i.active_slabs, i.num_slabs, 0UL);
	return 0;
}

void slab_print_slabinfo(FILE *fp)
{
	fprintf(fp, "slabinfo - version: 2.1\n");
	fprintf(fp, "# name            <active_objs> <num_objs> <objsize> "
		"<objperslab> <pagesperslab> : tunables <limit> <batchcount> "
		"<sharedfactor> : slabdata <active_slabs> <num_slabs> "
		"<sharedavail>\n");
	slab_for_each_cache(print_slabinfo_line, fp);
}

void kmem_cache_exit(void)
{
	struct list_head *cur, *nxt;
	struct kmem_cache *s;

	pthread_mutex_lock(&slab_mutex);
	while (slab_aliases) {
		struct slab_alias *a = slab_aliases;

		slab_aliases = a->next;
		free(a->name);
		free(a);
	}
	slab_list_for_each(s, cur, nxt, &slab_caches, struct kmem_cache, list) {
		list_del(&s->list);
		__kmem_cache_shutdown(s, true);
		__kmem_cache_release(s);
	}
	pthread_mutex_unlock(&slab_mutex);
	kmalloc_exit();
	slab_frame_exit();
}
