// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/file.c - simulated files: an identity (dev, ino, path, size)
 * and a page cache mapping page offsets to pages.
 *
 * The page cache is an open-addressing hash (linear probing, deletion by
 * backward shift) of index -> struct page *, so sparse offsets in huge
 * files cost nothing.  Each cached page holds one reference for the cache;
 * the file's last kmm_file_put() drops them (page_cache_truncate()).
 *
 * Invariants: pc_nr entries are used, pc_nr <= pc_cap / 2 (grown before);
 * every used slot's page has mapping == file and index == its key.
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
	free(file->pc_pages);
	free(file->pc_index);
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

static unsigned long pc_hash(unsigned long index, unsigned long cap)
{
	return (unsigned long)((index * 0x9e3779b97f4a7c15ULL) >> 7) &
	       (cap - 1);
}

struct page *page_cache_lookup(struct kmm_file *f, unsigned long index)
{
	unsigned long i;

	if (!f->pc_nr)
		return NULL;
	for (i = pc_hash(index, f->pc_cap); f->pc_pages[i];
	     i = (i + 1) & (f->pc_cap - 1))
		if (f->pc_index[i] == index)
			return f->pc_pages[i];
	return NULL;
}

static int pc_grow(struct kmm_file *f)
{
	unsigned long cap = f->pc_cap ? f->pc_cap * 2 : 64, i, j;
	struct page **pages = calloc(cap, sizeof(*pages));
	unsigned long *index = calloc(cap, sizeof(*index));

	if (!pages || !index) {
		free(pages);
		free(index);
		return -ENOMEM;
	}
	for (i = 0; i < f->pc_cap; i++) {
		if (!f->pc_pages[i])
			continue;
		for (j = pc_hash(f->pc_index[i], cap); pages[j];
		     j = (j + 1) & (cap - 1))
			;
		pages[j] = f->pc_pages[i];
		index[j] = f->pc_index[i];
	}
	free(f->pc_pages);
	free(f->pc_index);
	f->pc_pages = pages;
	f->pc_index = index;
	f->pc_cap = cap;
	return 0;
}

int page_cache_insert(struct kmm_file *f, unsigned long index,
		      struct page *page)
{
	unsigned long i;

	if ((f->pc_nr + 1) * 2 > f->pc_cap && pc_grow(f))
		return -ENOMEM;
	for (i = pc_hash(index, f->pc_cap); f->pc_pages[i];
	     i = (i + 1) & (f->pc_cap - 1))
		;
	f->pc_pages[i] = page;
	f->pc_index[i] = index;
	f->pc_nr++;
	return 0;
}

void page_cache_delete(struct kmm_file *f, unsigned long index)
{
	unsigned long mask = f->pc_cap - 1, i, j, k;

	if (!f->pc_nr)
		return;
	for (i = pc_hash(index, f->pc_cap); f->pc_pages[i]; i = (i + 1) & mask)
		if (f->pc_index[i] == index)
			break;
	if (!f->pc_pages[i])
		return;
	f->pc_pages[i] = NULL;
	f->pc_nr--;
	/* backward shift: move later entries of the run into the hole */
	for (j = (i + 1) & mask; f->pc_pages[j]; j = (j + 1) & mask) {
		k = pc_hash(f->pc_index[j], f->pc_cap);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			f->pc_pages[i] = f->pc_pages[j];
			f->pc_index[i] = f->pc_index[j];
			f->pc_pages[j] = NULL;
			i = j;
		}
	}
}

/* Call @fn on every cached page (the table may not change meanwhile). */
void page_cache_for_each(struct kmm_file *f,
			 void (*fn)(struct kmm_file *, unsigned long,
				    struct page *))
{
	for (unsigned long i = 0; i < f->pc_cap; i++)
		if (f->pc_pages[i])
			fn(f, f->pc_index[i], f->pc_pages[i]);
}
