// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/file.c - simulated files: an identity (dev, ino, path, size)
 * and a page cache mapping page offsets to pages.
 *
 * The page cache is a struct kmm_ulmap, an open-addressing hash (linear
 * probing, deletion by backward shift) of index -> struct page *, so
 * sparse offsets in huge files cost nothing.  Each cached page holds one
 * reference for the cache; the file's last kmm_file_put() drops them
 * (page_cache_truncate()).
 *
 * Invariants: nr slots are used, nr <= cap / 2 (grown before); every
 * cached page has mapping == file and index == its key.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static unsigned long next_ino = 1000;

struct kmm_file *kmm_file_create(const char *path, unsigned long size)
{
	struct kmm_file *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->path = strdup(path ? path : "");
	if (!f->path) {
		free(f);
		return NULL;
	}
	f->dev = (0xfeUL << 8) | 0x01;
	f->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	f->size = size;
	f->refcount = 1;
	return f;
}

struct kmm_file *kmm_file_get(struct kmm_file *file)
{
	__atomic_fetch_add(&file->refcount, 1, __ATOMIC_RELAXED);
	return file;
}

void kmm_file_put(struct kmm_file *file)
{
	if (!file || __atomic_sub_fetch(&file->refcount, 1,
					__ATOMIC_ACQ_REL))
		return;
	page_cache_truncate(file);
	ulmap_free(&file->page_cache);
	free(file->path);
	free(file);
}

unsigned char kmm_file_pattern(const struct kmm_file *file,
			       unsigned long offset)
{
	uint64_t x;

	if (file->zero_fill)
		return 0;
	x = (file->ino * 0x9e3779b97f4a7c15ULL) ^ (offset >> 3);
	x *= 0xbf58476d1ce4e5b9ULL;
	return (unsigned char)((x >> 29) + (offset & 7));
}

static unsigned long ulmap_hash(unsigned long key, unsigned long cap)
{
	return (unsigned long)((key * 0x9e3779b97f4a7c15ULL) >> 7) &
	       (cap - 1);
}

/* Slot of @key, or of the empty slot ending its probe run. */
static unsigned long ulmap_slot(const struct kmm_ulmap *m, unsigned long key)
{
	unsigned long i;

	for (i = ulmap_hash(key, m->cap); m->vals[i];
	     i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			break;
	return i;
}

void *ulmap_get(const struct kmm_ulmap *m, unsigned long key)
{
	return m->nr ? m->vals[ulmap_slot(m, key)] : NULL;
}

static int ulmap_grow(struct kmm_ulmap *m)
{
	struct kmm_ulmap n = { .cap = m->cap ? m->cap * 2 : 64 };
	unsigned long i;

	n.vals = calloc(n.cap, sizeof(*n.vals));
	n.keys = calloc(n.cap, sizeof(*n.keys));
	if (!n.vals || !n.keys) {
		ulmap_free(&n);
		return -ENOMEM;
	}
	ulmap_for_each(m, i) {
		unsigned long j = ulmap_slot(&n, m->keys[i]);

		n.vals[j] = m->vals[i];
		n.keys[j] = m->keys[i];
	}
	n.nr = m->nr;
	ulmap_free(m);
	*m = n;
	return 0;
}

int ulmap_put(struct kmm_ulmap *m, unsigned long key, void *val)
{
	unsigned long i;

	if ((m->nr + 1) * 2 > m->cap && ulmap_grow(m))
		return -ENOMEM;
	i = ulmap_slot(m, key);
	if (!m->vals[i])
		m->nr++;
	m->vals[i] = val;
	m->keys[i] = key;
	return 0;
}

void ulmap_del(struct kmm_ulmap *m, unsigned long key)
{
	unsigned long mask = m->cap - 1, i, j, k;

	if (!m->nr)
		return;
	i = ulmap_slot(m, key);
	if (!m->vals[i])
		return;
	m->vals[i] = NULL;
	m->nr--;
	/* backward shift: move later entries of the run into the hole */
	for (j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		k = ulmap_hash(m->keys[j], m->cap);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			m->vals[i] = m->vals[j];
			m->keys[i] = m->keys[j];
			m->vals[j] = NULL;
			i = j;
		}
	}
}

void ulmap_free(struct kmm_ulmap *m)
{
	free(m->vals);
	free(m->keys);
	m->vals = NULL;
	m->keys = NULL;
	m->cap = m->nr = 0;
}
