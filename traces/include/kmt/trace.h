/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt/trace.h - decoded allocation traces: events, the in-memory trace, the
 * loader and the streaming text parser.
 *
 * Abbreviations: kmt = kmbench trace; ev = event; obj = dense object id;
 * site = call site; str = string-table id.
 *
 * Two levels:
 *
 *  - struct kmt_trace: a whole trace in memory as one array of struct
 *    kmt_event, ordered by timestamp (stable per CPU), with every pointer
 *    already resolved to a dense object id (0 .. nr_objs - 1).  The replay
 *    engine keeps a `void *objs[nr_objs]` and iterates the array: no hash
 *    lookup per event.  kmt_trace_load() reads a .kmt file or any text
 *    format (ftrace trace/trace_pipe, trace-cmd report, perf script,
 *    zstd/gzip compressed, "-" for stdin; trace-cmd .dat when built with
 *    libtracecmd).
 *
 *  - struct kmt_parser: the streaming text parser.  It yields one
 *    struct kmt_rec per event line in file order, with raw pointers (not
 *    yet resolved) and strings as string-table ids.
 *
 * Resolution rules (kmt_trace_load and the .kmt converter):
 *  - an allocation gets a new object id; its free carries the same id;
 *  - a free of an address never seen allocated is a free of an object
 *    allocated before the capture: KMT_F_PRECAPTURE, obj = KMT_OBJ_NONE;
 *  - an allocation of an address still live means its free was lost: a
 *    free event flagged KMT_F_IMPLICIT is inserted just before it;
 *  - a failed allocation (ptr 0 / page=(nil)) is flagged KMT_F_FAILED,
 *    obj = KMT_OBJ_NONE;
 *  - a free on another CPU than its allocation is flagged KMT_F_REMOTE and
 *    mem.alloc_cpu names the allocating CPU (replay: alloc happens before
 *    free);
 *  - object ids are shared by all kinds (slab, page, vmap, percpu); a
 *    free only matches an allocation of its own kind: kfree and
 *    kmem_cache_free match kmalloc* and kmem_cache_alloc*, page frees
 *    match mm_page_alloc by pfn, free_vmap_area_noflush matches
 *    alloc_vmap_area by va_start, vfree matches vmalloc,
 *    percpu_free_percpu matches percpu_alloc_percpu;
 *  - a large kmalloc (bytes_req > 2 pages, kmalloc_large) is traced as
 *    mm_page_alloc from the page allocator inside it, then kmalloc, and
 *    its kfree as kfree, then mm_page_free.  An mm_page_alloc that is the
 *    event just before such a kmalloc on the same CPU, of order
 *    get_order(bytes_alloc) and, where pointers are real, whose pfn agrees
 *    with the kmalloc's pointer, is flagged KMT_F_INNER, and so is the
 *    page free that frees it: the kmalloc and kfree stand for the pair;
 *  - a user page fault is traced as page_fault_user, then the pages the
 *    fault allocates (order 0, a user GFP: anonymous, COW copy, page
 *    cache) as mm_page_alloc on the same CPU and pid, before any event of
 *    that CPU other than page events and rss_stat.  Those allocations and
 *    the page frees that free them are flagged KMT_F_FAULT: a replay of
 *    the fault through a process VM allocates them itself.
 */
#ifndef KMT_TRACE_H
#define KMT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kmm/gfp.h"

/* Event types: the tracepoint each one comes from (kmt_event_name()). */
enum kmt_event_type {
	KMT_EV_NONE = 0,
	/* kmem: slab */
	KMT_EV_KMALLOC,			/* kmalloc */
	KMT_EV_KMALLOC_NODE,		/* kmalloc_node (before 6.1) */
	KMT_EV_KMEM_CACHE_ALLOC,	/* kmem_cache_alloc */
	KMT_EV_KMEM_CACHE_ALLOC_NODE,	/* kmem_cache_alloc_node (< 6.1) */
	KMT_EV_KFREE,			/* kfree */
	KMT_EV_KMEM_CACHE_FREE,		/* kmem_cache_free */
	/* kmem: pages */
	KMT_EV_MM_PAGE_ALLOC,		/* mm_page_alloc */
	KMT_EV_MM_PAGE_FREE,		/* mm_page_free */
	KMT_EV_MM_PAGE_FREE_BATCHED,	/* mm_page_free_batched */
	KMT_EV_MM_PAGE_FREE_DIRECT,	/* mm_page_free_direct (old) */
	KMT_EV_MM_PAGEVEC_FREE,		/* mm_pagevec_free (old) */
	/* vmalloc */
	KMT_EV_ALLOC_VMAP_AREA,		/* alloc_vmap_area */
	KMT_EV_FREE_VMAP_AREA_NOFLUSH,	/* free_vmap_area_noflush */
	KMT_EV_VMALLOC,			/* vmalloc (where a kernel has it) */
	KMT_EV_VFREE,			/* vfree (where a kernel has it) */
	/* percpu */
	KMT_EV_PERCPU_ALLOC_PERCPU,	/* percpu_alloc_percpu */
	KMT_EV_PERCPU_FREE_PERCPU,	/* percpu_free_percpu */
	/* process address spaces (the "vm" event set) */
	KMT_EV_SYS_ENTER_MMAP,
	KMT_EV_SYS_EXIT_MMAP,
	KMT_EV_SYS_ENTER_MUNMAP,
	KMT_EV_SYS_EXIT_MUNMAP,
	KMT_EV_SYS_ENTER_BRK,
	KMT_EV_SYS_EXIT_BRK,
	KMT_EV_SYS_ENTER_MPROTECT,
	KMT_EV_SYS_EXIT_MPROTECT,
	KMT_EV_SYS_ENTER_MREMAP,
	KMT_EV_SYS_EXIT_MREMAP,
	KMT_EV_PAGE_FAULT_USER,		/* exceptions:page_fault_user */
	KMT_EV_SCHED_PROCESS_FORK,
	KMT_EV_SCHED_PROCESS_EXEC,
	KMT_EV_SCHED_PROCESS_EXIT,
	KMT_EV_EXIT_MMAP,		/* mmap:exit_mmap */
	KMT_EV_RSS_STAT,		/* kmem:rss_stat */
	KMT_EV_NR
};

/* What an event does, for consumers that switch on the kind. */
enum kmt_event_kind {
	KMT_KIND_OTHER = 0,
	KMT_KIND_ALLOC,		/* allocates object ev.obj */
	KMT_KIND_FREE,		/* frees object ev.obj */
	KMT_KIND_VM,		/* process address-space event: ev.u.vm */
};

/* Event flags (struct kmt_event.flags) */
#define KMT_F_PRECAPTURE 0x01	/* free of an object allocated before capture */
#define KMT_F_IMPLICIT	 0x02	/* free inserted for a lost free (live addr) */
#define KMT_F_FAILED	 0x04	/* allocation failed (NULL / page=(nil)) */
#define KMT_F_REMOTE	 0x08	/* free on another CPU than the allocation */
#define KMT_F_NODE	 0x10	/* node given (mem.node valid) */
#define KMT_F_ACCOUNTED	 0x20	/* accounted=true (memcg) */
#define KMT_F_GFP_RAW	 0x40	/* gfp printed as a number by the trace */
#define KMT_F_INNER	 0x80	/* pages of a large kmalloc (see below) */
/* Page events: pages of a user page fault (see below).  KMT_F_NODE never
 * comes with page events (mm_page_alloc has no node=), so the pair says it
 * in the same byte; test with kmt_fault_page(). */
#define KMT_F_FAULT	 (KMT_F_INNER | KMT_F_NODE)

#define KMT_OBJ_NONE	UINT32_MAX
#define KMT_NODE_NONE	(-1)

/*
 * One decoded event: 48 bytes.  Which union member is valid depends on the
 * kind: ALLOC/FREE use u.mem, VM uses u.vm.
 *
 * u.mem by event:
 *   kmalloc*, kmem_cache_alloc*: bytes_req, bytes_alloc, gfp, node, cache
 *	(str id of name=, 0 when the kernel did not print it)
 *   kfree, kmem_cache_free: cache (kmem_cache_free name=), alloc_cpu
 *   mm_page_alloc: order, migratetype, gfp; bytes_alloc = page_size << order
 *   mm_page_free*: order, alloc_cpu
 *   alloc_vmap_area: bytes_req = size, bytes_alloc = size (saturated to
 *	UINT32_MAX), align in order as log2
 *   percpu_alloc_percpu: bytes_req = size, bytes_alloc, gfp, align in
 *	order as log2 (0 when not printed), migratetype 1 when reserved=1
 * u.vm by event:
 *   sys_enter_mmap: addr, len, arg = kmt_mmap_arg(prot, flags, fd);
 *	a file mapping (fd >= 0) has its offset in 4 KiB units in obj
 *   sys_exit_*: ret in addr (the mapped address for mmap/mremap)
 *   sys_enter_munmap: addr, len;  sys_enter_brk: addr = brk
 *   sys_enter_mprotect: addr, len, arg = prot
 *   sys_enter_mremap: addr, len = old_len, arg = new_len
 *   page_fault_user: addr = address, len = ip, arg = error_code
 *   sched_process_fork: addr = parent pid, arg = child pid
 *   sched_process_exec: addr = pid, arg = old_pid
 *   sched_process_exit: addr = pid
 *   rss_stat: addr = mm_id, len = size, arg = member
 */
/*
 * sys_enter_mmap's arg: flags in bits 0-31, prot in 32-39, fd + 1 in 40-63
 * (0: no file, or an fd too large to keep).
 */
static inline uint64_t kmt_mmap_arg(uint64_t prot, uint64_t flags, int fd)
{
	uint64_t f = fd >= 0 && fd < (1 << 24) - 1 ? (uint64_t)fd + 1 : 0;

	return (flags & 0xffffffff) | (prot & 0xff) << 32 | f << 40;
}

static inline unsigned int kmt_mmap_prot(uint64_t arg)
{
	return (unsigned int)(arg >> 32) & 0xff;
}

/* The mapped file's descriptor, -1 for none */
static inline int kmt_mmap_fd(uint64_t arg)
{
	return (int)(arg >> 40) - 1;
}

struct kmt_event {
	uint64_t ts;		/* ns since the first event of the trace */
	uint32_t obj;		/* dense object id or KMT_OBJ_NONE */
	uint16_t cpu;		/* CPU that ran the event */
	uint8_t type;		/* enum kmt_event_type */
	uint8_t flags;		/* KMT_F_* */
	uint32_t pid;
	uint32_t site;		/* str id of the call site, 0 = none */
	union {
		struct kmt_mem {
			uint32_t bytes_req;
			uint32_t bytes_alloc;
			gfp_t gfp;
			uint32_t cache;	/* str id of the cache name */
			int16_t node;
			uint16_t alloc_cpu;	/* frees: the allocating CPU */
			uint8_t order;
			uint8_t migratetype;
			uint8_t pad[2];
		} mem;
		struct {
			uint64_t addr;
			uint64_t len;
			uint64_t arg;
		} vm;
	} u;
};

/* Pages allocated by a user page fault, or their free (KMT_F_FAULT) */
static inline bool kmt_fault_page(const struct kmt_event *ev)
{
	return (ev->flags & KMT_F_FAULT) == KMT_F_FAULT;
}

/*
 * String table: id 0 is "", ids are dense.  Cache names, call sites, comms.
 */
struct kmt_strtab {
	char **str;
	uint32_t *len;
	uint32_t nr, cap;
	/* hash index (open addressing) over str */
	uint32_t *slots;
	uint32_t nslots;
};

uint32_t kmt_str_intern(struct kmt_strtab *st, const char *s, size_t len);
/* Id of @s, or 0 when it is not in the table. */
uint32_t kmt_str_find(const struct kmt_strtab *st, const char *s,
		      size_t len);
static inline const char *kmt_str(const struct kmt_strtab *st, uint32_t id)
{
	return id < st->nr ? st->str[id] : "";
}
void kmt_strtab_free(struct kmt_strtab *st);

/* Capture metadata ("# kmbench-meta: key=value" lines, .kmt header). */
struct kmt_meta {
	char *kernel;		/* kernel release, NULL = unknown */
	char *hostname;
	char *events;		/* enabled event list as captured */
	char *command;		/* workload command, if given */
	char *format;		/* source format: ftrace, trace-cmd, perf, kmt */
	uint32_t cpus;		/* 0 = unknown (then: max cpu seen + 1) */
	uint32_t page_size;	/* 0 = unknown (then 4096 is assumed) */
	uint64_t start_time;	/* capture start, unix seconds, 0 = unknown */
	int hashed_ptrs;	/* 1 hashed, 0 real addresses, -1 unknown */
	uint32_t nr_lost_cpus;
	uint64_t *lost_events;	/* [nr_lost_cpus]: events lost per CPU */
};

/* Why a line was skipped (lenient) or rejected (strict). */
enum kmt_skip_reason {
	KMT_SKIP_TRUNCATED = 0,	/* line ends inside the header or a field */
	KMT_SKIP_MISSING_FIELD,	/* a required field= is absent */
	KMT_SKIP_BAD_NUMBER,	/* a field's value is not a number */
	KMT_SKIP_OUT_OF_RANGE,	/* order > 10, cpu > 4095, size too large */
	KMT_SKIP_BAD_HEADER,	/* comm-pid [cpu] ts: part unreadable */
	KMT_SKIP_GARBAGE,	/* binary or unrecognisable line */
	KMT_SKIP_BAD_GFP,	/* gfp_flags unknown */
	KMT_SKIP_NR
};

const char *kmt_skip_reason_name(enum kmt_skip_reason r);

/* Errors: FILE:LINE: msg, with the exit code to use (util.h KMB_EX_*). */
struct kmt_error {
	int code;		/* 0 = no error */
	unsigned long line;	/* 0 = not about a line */
	char file[256];
	char msg[256];
};

/* Print "FILE:LINE: msg" (kmb_input_error) or "kmbench: msg". */
void kmt_error_print(const struct kmt_error *err);

struct kmt_opts {
	bool lenient;		/* count malformed lines instead of failing */
	const char *name;	/* name in messages (default: the path) */
};

/* Counters of a parse/conversion, kept in the trace. */
struct kmt_counts {
	uint64_t lines;			/* lines read */
	uint64_t events;		/* event lines decoded */
	uint64_t ignored;		/* comments, headers, stack traces */
	uint64_t unknown_events;	/* events of other tracepoints */
	uint64_t skipped[KMT_SKIP_NR];	/* lenient: malformed lines */
	uint64_t precapture_frees;
	uint64_t implicit_frees;	/* allocations of a live address */
	uint64_t failed_allocs;
	uint64_t remote_frees;
	uint64_t duplicate_allocs;	/* repeated kmalloc for one large alloc */
	uint64_t reordered;		/* events moved by timestamp ordering */
};

/* A whole trace in memory. */
struct kmt_trace {
	struct kmt_meta meta;
	struct kmt_event *ev;	/* [nr_ev], by ts, stable per CPU */
	size_t nr_ev;
	uint32_t nr_objs;	/* object ids are 0 .. nr_objs - 1 */
	uint32_t nr_cpus;	/* max cpu + 1 over events (>= meta.cpus) */
	uint64_t base_ts;	/* absolute ns of ts 0 in the source */
	struct kmt_strtab strs;
	struct kmt_counts counts;
	uint64_t by_type[KMT_EV_NR];	/* events per type (after resolution) */
};

/*
 * Load a trace (.kmt, or text of any supported format, compressed or not;
 * "-" = stdin) into @t.  Returns 0, or the exit code (KMB_EX_DATAERR for
 * bad data, KMB_EX_USAGE for a missing file, ...) with @err filled.
 * @opts may be NULL (strict).  Free with kmt_trace_free().
 */
int kmt_trace_load(const char *path, const struct kmt_opts *opts,
		   struct kmt_trace *t, struct kmt_error *err);
/* The same from memory (.kmt image or uncompressed text). */
int kmt_trace_load_mem(const char *buf, size_t len,
		       const struct kmt_opts *opts, struct kmt_trace *t,
		       struct kmt_error *err);
void kmt_trace_free(struct kmt_trace *t);

/* Write @t as .kmt to @path atomically.  0 or exit code with @err. */
int kmt_write(const struct kmt_trace *t, const char *path,
	      struct kmt_error *err);

/*
 * Write @t as ftrace text in today's kernel format (`trace cat`), which
 * kmt_trace_load() reads back to the same events.  0, or -1 on a write
 * error.
 */
int kmt_write_text(const struct kmt_trace *t, FILE *fp);

/* @gfp as the kernel prints it ("GFP_KERNEL|__GFP_ZERO"); length. */
size_t kmt_gfp_format(gfp_t gfp, char *buf, size_t len);

/* Tracepoint name of a type ("kmalloc"); kind of a type. */
const char *kmt_event_name(enum kmt_event_type type);
enum kmt_event_kind kmt_event_kind(enum kmt_event_type type);
/* The free event that matches an allocation type (NONE for others). */
enum kmt_event_type kmt_free_type_of(enum kmt_event_type alloc);
/* Type from a tracepoint name (with or without "kmem:" etc.), or NONE. */
enum kmt_event_type kmt_event_lookup(const char *name, size_t len);

/* ---- streaming text parser ---- */

/* One event line, as parsed; pointers raw, strings interned in @strs. */
struct kmt_rec {
	struct kmt_event ev;	/* ev.obj unset, ev.ts absolute ns */
	uint64_t ptr;		/* object address / pfn / va_start; 0 = NULL */
	uint64_t line;		/* line number in the source */
};

struct kmt_parser;

/*
 * Open @path ("-" = stdin; zstd/gzip detected by magic bytes; .dat
 * converted through trace_dat_to_text() when built with libtracecmd).
 * Strings are interned into @strs, metadata lines fill @meta (both owned by
 * the caller).  Returns NULL with @err filled.
 */
struct kmt_parser *kmt_parser_open(const char *path,
				   const struct kmt_opts *opts,
				   struct kmt_strtab *strs,
				   struct kmt_meta *meta,
				   struct kmt_error *err);
/* Parse from memory (fuzzing, tests); @buf must stay valid. */
struct kmt_parser *kmt_parser_open_mem(const char *buf, size_t len,
				       const struct kmt_opts *opts,
				       struct kmt_strtab *strs,
				       struct kmt_meta *meta);
/*
 * Next event: 1 = @rec filled, 0 = end of input, -1 = error (@err; strict
 * mode's first malformed line, or an I/O error).
 */
int kmt_parser_next(struct kmt_parser *p, struct kmt_rec *rec,
		    struct kmt_error *err);
const struct kmt_counts *kmt_parser_counts(const struct kmt_parser *p);
void kmt_parser_close(struct kmt_parser *p);

void kmt_meta_free(struct kmt_meta *m);
/* Add @n lost events on @cpu to @m. */
void kmt_meta_add_lost(struct kmt_meta *m, uint32_t cpu, uint64_t n);

#endif /* KMT_TRACE_H */
