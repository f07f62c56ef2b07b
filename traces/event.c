// SPDX-License-Identifier: GPL-2.0
/*
 * traces/event.c - event-type names and kinds, the string table, errors and
 * metadata helpers shared by the parser, the .kmt reader and writer.
 */
#include <stdlib.h>
#include <string.h>

#include "kmt/kmt.h"
#include "kmt/trace.h"
#include "util.h"

static const struct {
	const char *name;
	unsigned char kind;
} kmt_events[KMT_EV_NR] = {
	[KMT_EV_NONE] = { "none", KMT_KIND_OTHER },
	[KMT_EV_KMALLOC] = { "kmalloc", KMT_KIND_ALLOC },
	[KMT_EV_KMALLOC_NODE] = { "kmalloc_node", KMT_KIND_ALLOC },
	[KMT_EV_KMEM_CACHE_ALLOC] = { "kmem_cache_alloc", KMT_KIND_ALLOC },
	[KMT_EV_KMEM_CACHE_ALLOC_NODE] = { "kmem_cache_alloc_node",
					   KMT_KIND_ALLOC },
	[KMT_EV_KFREE] = { "kfree", KMT_KIND_FREE },
	[KMT_EV_KMEM_CACHE_FREE] = { "kmem_cache_free", KMT_KIND_FREE },
	[KMT_EV_MM_PAGE_ALLOC] = { "mm_page_alloc", KMT_KIND_ALLOC },
	[KMT_EV_MM_PAGE_FREE] = { "mm_page_free", KMT_KIND_FREE },
	[KMT_EV_MM_PAGE_FREE_BATCHED] = { "mm_page_free_batched",
					  KMT_KIND_FREE },
	[KMT_EV_MM_PAGE_FREE_DIRECT] = { "mm_page_free_direct",
					 KMT_KIND_FREE },
	[KMT_EV_MM_PAGEVEC_FREE] = { "mm_pagevec_free", KMT_KIND_FREE },
	[KMT_EV_ALLOC_VMAP_AREA] = { "alloc_vmap_area", KMT_KIND_ALLOC },
	[KMT_EV_FREE_VMAP_AREA_NOFLUSH] = { "free_vmap_area_noflush",
					    KMT_KIND_FREE },
	[KMT_EV_VMALLOC] = { "vmalloc", KMT_KIND_ALLOC },
	[KMT_EV_VFREE] = { "vfree", KMT_KIND_FREE },
	[KMT_EV_PERCPU_ALLOC_PERCPU] = { "percpu_alloc_percpu",
					 KMT_KIND_ALLOC },
	[KMT_EV_PERCPU_FREE_PERCPU] = { "percpu_free_percpu", KMT_KIND_FREE },
	[KMT_EV_SYS_ENTER_MMAP] = { "sys_enter_mmap", KMT_KIND_VM },
	[KMT_EV_SYS_EXIT_MMAP] = { "sys_exit_mmap", KMT_KIND_VM },
	[KMT_EV_SYS_ENTER_MUNMAP] = { "sys_enter_munmap", KMT_KIND_VM },
	[KMT_EV_SYS_EXIT_MUNMAP] = { "sys_exit_munmap", KMT_KIND_VM },
	[KMT_EV_SYS_ENTER_BRK] = { "sys_enter_brk", KMT_KIND_VM },
	[KMT_EV_SYS_EXIT_BRK] = { "sys_exit_brk", KMT_KIND_VM },
	[KMT_EV_SYS_ENTER_MPROTECT] = { "sys_enter_mprotect", KMT_KIND_VM },
	[KMT_EV_SYS_EXIT_MPROTECT] = { "sys_exit_mprotect", KMT_KIND_VM },
	[KMT_EV_SYS_ENTER_MREMAP] = { "sys_enter_mremap", KMT_KIND_VM },
	[KMT_EV_SYS_EXIT_MREMAP] = { "sys_exit_mremap", KMT_KIND_VM },
	[KMT_EV_PAGE_FAULT_USER] = { "page_fault_user", KMT_KIND_VM },
	[KMT_EV_SCHED_PROCESS_FORK] = { "sched_process_fork", KMT_KIND_VM },
	[KMT_EV_SCHED_PROCESS_EXEC] = { "sched_process_exec", KMT_KIND_VM },
	[KMT_EV_SCHED_PROCESS_EXIT] = { "sched_process_exit", KMT_KIND_VM },
	[KMT_EV_EXIT_MMAP] = { "exit_mmap", KMT_KIND_VM },
	[KMT_EV_RSS_STAT] = { "rss_stat", KMT_KIND_VM },
};

const char *kmt_event_name(enum kmt_event_type type)
{
	return (unsigned int)type < KMT_EV_NR ? kmt_events[type].name : "?";
}

enum kmt_event_kind kmt_event_kind(enum kmt_event_type type)
{
	return (unsigned int)type < KMT_EV_NR ? kmt_events[type].kind
					      : KMT_KIND_OTHER;
}

enum kmt_event_type kmt_event_lookup(const char *name, size_t len)
{
	const char *colon = memchr(name, ':', len);

	/* "kmem:kmalloc" (perf) names the subsystem first */
	if (colon) {
		len -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	for (int i = 1; i < KMT_EV_NR; i++) {
		const char *n = kmt_events[i].name;

		if (strlen(n) == len && !memcmp(n, name, len))
			return (enum kmt_event_type)i;
	}
	return KMT_EV_NONE;
}

enum kmt_event_type kmt_free_type_of(enum kmt_event_type alloc)
{
	switch (alloc) {
	case KMT_EV_KMALLOC:
	case KMT_EV_KMALLOC_NODE:
		return KMT_EV_KFREE;
	case KMT_EV_KMEM_CACHE_ALLOC:
	case KMT_EV_KMEM_CACHE_ALLOC_NODE:
		return KMT_EV_KMEM_CACHE_FREE;
	case KMT_EV_MM_PAGE_ALLOC:
		return KMT_EV_MM_PAGE_FREE;
	case KMT_EV_ALLOC_VMAP_AREA:
		return KMT_EV_FREE_VMAP_AREA_NOFLUSH;
	case KMT_EV_VMALLOC:
		return KMT_EV_VFREE;
	case KMT_EV_PERCPU_ALLOC_PERCPU:
		return KMT_EV_PERCPU_FREE_PERCPU;
	default:
		return KMT_EV_NONE;
	}
}

static const char *const skip_names[KMT_SKIP_NR] = {
	[KMT_SKIP_TRUNCATED] = "truncated",
	[KMT_SKIP_MISSING_FIELD] = "missing_field",
	[KMT_SKIP_BAD_NUMBER] = "bad_number",
	[KMT_SKIP_OUT_OF_RANGE] = "out_of_range",
	[KMT_SKIP_BAD_HEADER] = "bad_header",
	[KMT_SKIP_GARBAGE] = "garbage",
	[KMT_SKIP_BAD_GFP] = "bad_gfp",
};

const char *kmt_skip_reason_name(enum kmt_skip_reason r)
{
	return (unsigned int)r < KMT_SKIP_NR ? skip_names[r] : "?";
}

/* ---- string table: FNV-1a hash, open addressing, id 0 = "" ---- */

static uint32_t str_hash(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	size_t i = 0;

	/* 8 bytes at a time: call sites are 20-50 bytes long */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s + i, len - i);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	return (uint32_t)(h ^ (h >> 29));
}

static void strtab_rehash(struct kmt_strtab *st, uint32_t nslots)
{
	free(st->slots);
	st->slots = kmb_xcalloc(nslots, sizeof(*st->slots));
	st->nslots = nslots;
	for (uint32_t id = 1; id < st->nr; id++) {
		uint32_t i = str_hash(st->str[id], st->len[id]) & (nslots - 1);

		while (st->slots[i])
			i = (i + 1) & (nslots - 1);
		st->slots[i] = id;
	}
}

uint32_t kmt_str_find(const struct kmt_strtab *st, const char *s,
		      size_t len)
{
	uint32_t i, id;

	if (!len || !st->nr)
		return 0;
	for (i = str_hash(s, len) & (st->nslots - 1); (id = st->slots[i]);
	     i = (i + 1) & (st->nslots - 1))
		if (st->len[id] == len && !memcmp(st->str[id], s, len))
			return id;
	return 0;
}

uint32_t kmt_str_intern(struct kmt_strtab *st, const char *s, size_t len)
{
	uint32_t h, i, id;

	if (!len)
		return 0;
	if (!st->nr) {
		st->cap = 64;
		st->str = kmb_xmalloc(st->cap * sizeof(*st->str));
		st->len = kmb_xmalloc(st->cap * sizeof(*st->len));
		st->str[0] = kmb_xstrdup("");
		st->len[0] = 0;
		st->nr = 1;
		strtab_rehash(st, 128);
	}
	h = str_hash(s, len);
	for (i = h & (st->nslots - 1); (id = st->slots[i]);
	     i = (i + 1) & (st->nslots - 1))
		if (st->len[id] == len && !memcmp(st->str[id], s, len))
			return id;
	if (st->nr == st->cap) {
		st->cap *= 2;
		st->str = kmb_xrealloc(st->str, st->cap * sizeof(*st->str));
		st->len = kmb_xrealloc(st->len, st->cap * sizeof(*st->len));
	}
	id = st->nr++;
	st->str[id] = kmb_xmalloc(len + 1);
	memcpy(st->str[id], s, len);
	st->str[id][len] = '\0';
	st->len[id] = (uint32_t)len;
	if (st->nr * 2 > st->nslots)
		strtab_rehash(st, st->nslots * 2);
	else
		st->slots[i] = id;
	return id;
}

void kmt_strtab_free(struct kmt_strtab *st)
{
	for (uint32_t i = 0; i < st->nr; i++)
		free(st->str[i]);
	free(st->str);
	free(st->len);
	free(st->slots);
	memset(st, 0, sizeof(*st));
}

void kmt_error_print(const struct kmt_error *err)
{
	if (err->file[0])
		kmb_input_error(err->file, err->line, "%s", err->msg);
	else
		kmb_warn("%s", err->msg);
}

void kmt_meta_free(struct kmt_meta *m)
{
	free(m->kernel);
	free(m->hostname);
	free(m->events);
	free(m->command);
	free(m->format);
	free(m->lost_events);
	memset(m, 0, sizeof(*m));
	m->hashed_ptrs = -1;
}

void kmt_trace_free(struct kmt_trace *t)
{
	kmt_meta_free(&t->meta);
	kmt_strtab_free(&t->strs);
	kmt_free_events(t->ev, t->nr_ev);
	memset(t, 0, sizeof(*t));
}
