// SPDX-License-Identifier: GPL-2.0
/*
 * traces/text_out.c - a trace back to ftrace text (`kmbench trace cat`),
 * in today's kernel format, which the parser reads again.
 *
 * Object ids become addresses again: object N of a space prints as a
 * fixed address of that space (slab 0xffff888000000000 + 64 (N + 1),
 * pages pfn N + 1, ...), and a free of an object allocated before the
 * capture as an address no allocation uses, so reading the text back
 * gives the same objects, pre-capture frees and failed allocations.  An
 * implicit free (of a lost free) is printed as a plain free.
 */
#include <inttypes.h>
#include <string.h>

#include "gfp_text.h"
#include "kmt/kmt.h"
#include "kmt/trace.h"
#include "util.h"

#define SLAB_BASE	0xffff888000000000ull
#define SLAB_PRE	0xffffa00000000000ull
#define VMAP_BASE	0xffffc90000000000ull
#define VMAP_PRE	0xffffe90000000000ull
#define PFN_PRE		0x1000000000ull

static uint64_t obj_addr(const struct kmt_event *ev, uint64_t *pre)
{
	uint64_t n = ev->obj == KMT_OBJ_NONE ? 0 : (uint64_t)ev->obj + 1;
	bool is_pre = ev->flags & KMT_F_PRECAPTURE;

	if (ev->obj == KMT_OBJ_NONE && !is_pre)
		return 0;	/* failed allocation, free of NULL */
	if (is_pre)
		n = ++*pre;
	switch (ev->type) {
	case KMT_EV_MM_PAGE_ALLOC:
	case KMT_EV_MM_PAGE_FREE:
	case KMT_EV_MM_PAGE_FREE_BATCHED:
	case KMT_EV_MM_PAGE_FREE_DIRECT:
	case KMT_EV_MM_PAGEVEC_FREE:
		return (is_pre ? PFN_PRE : 0) + n;
	case KMT_EV_ALLOC_VMAP_AREA:
	case KMT_EV_FREE_VMAP_AREA_NOFLUSH:
	case KMT_EV_VMALLOC:
	case KMT_EV_VFREE:
		return (is_pre ? VMAP_PRE : VMAP_BASE) + (n << 12);
	default:
		return (is_pre ? SLAB_PRE : SLAB_BASE) + (n << 6);
	}
}

static const char *site(const struct kmt_trace *t, const struct kmt_event *ev)
{
	const char *s = kmt_str(&t->strs, ev->site);

	return *s ? s : "0";
}

static void print_fields(const struct kmt_trace *t,
			 const struct kmt_event *ev, uint64_t addr, FILE *fp)
{
	char gfp[256];
	const char *cache = kmt_str(&t->strs, ev->u.mem.cache);

	kmt_gfp_format(ev->u.mem.gfp, gfp, sizeof(gfp));
	switch (ev->type) {
	case KMT_EV_KMALLOC:
	case KMT_EV_KMALLOC_NODE:
	case KMT_EV_KMEM_CACHE_ALLOC:
	case KMT_EV_KMEM_CACHE_ALLOC_NODE:
		fprintf(fp, "call_site=%s ptr=%#" PRIx64 " ", site(t, ev),
			addr);
		if (*cache)
			fprintf(fp, "name=%s ", cache);
		fprintf(fp, "bytes_req=%u bytes_alloc=%u gfp_flags=%s",
			ev->u.mem.bytes_req, ev->u.mem.bytes_alloc, gfp);
		if (ev->flags & KMT_F_NODE)
			fprintf(fp, " node=%d", ev->u.mem.node);
		fprintf(fp, " accounted=%s",
			ev->flags & KMT_F_ACCOUNTED ? "true" : "false");
		break;
	case KMT_EV_KFREE:
	case KMT_EV_KMEM_CACHE_FREE:
		fprintf(fp, "call_site=%s ptr=%#" PRIx64, site(t, ev), addr);
		if (*cache)
			fprintf(fp, " name=%s", cache);
		break;
	case KMT_EV_MM_PAGE_ALLOC:
		if (addr)
			fprintf(fp, "page=%#" PRIx64 " ",
				(uint64_t)(0xffffea0000000000ull + addr * 64));
		else
			fprintf(fp, "page=(nil) ");
		fprintf(fp, "pfn=%#" PRIx64 " order=%u migratetype=%u "
			"gfp_flags=%s", addr, ev->u.mem.order,
			ev->u.mem.migratetype, gfp);
		break;
	case KMT_EV_MM_PAGE_FREE:
	case KMT_EV_MM_PAGE_FREE_BATCHED:
	case KMT_EV_MM_PAGE_FREE_DIRECT:
	case KMT_EV_MM_PAGEVEC_FREE:
		fprintf(fp, "page=%#" PRIx64 " pfn=%#" PRIx64 " order=%u",
			(uint64_t)(0xffffea0000000000ull + addr * 64), addr,
			ev->u.mem.order);
		break;
	case KMT_EV_ALLOC_VMAP_AREA:
		fprintf(fp, "va_start=%" PRIu64 " size=%u align=4096 "
			"vstart=%#llx vend=%#llx failed=%d", addr,
			ev->u.mem.bytes_req, VMAP_BASE,
			0xffffe8ffffffffffull,
			ev->flags & KMT_F_FAILED ? 1 : 0);
		break;
	case KMT_EV_FREE_VMAP_AREA_NOFLUSH:
		fprintf(fp, "va_start=%#" PRIx64 " nr_lazy=0 nr_lazy_max=0",
			addr);
		break;
	case KMT_EV_VMALLOC:
		fprintf(fp, "call_site=%s addr=%#" PRIx64 " size=%u",
			site(t, ev), addr, ev->u.mem.bytes_req);
		break;
	case KMT_EV_VFREE:
		fprintf(fp, "call_site=%s addr=%#" PRIx64, site(t, ev), addr);
		break;
	case KMT_EV_PERCPU_ALLOC_PERCPU:
		/* align as log2 in order (0: not known, print 8) */
		fprintf(fp, "call_site=%s reserved=%d is_atomic=%d size=%u "
			"align=%u base_addr=0x0 off=0 ptr=%#" PRIx64
			" bytes_alloc=%u gfp_flags=%s", site(t, ev),
			ev->u.mem.migratetype ? 1 : 0,
			(ev->u.mem.gfp & GFP_KERNEL) != GFP_KERNEL,
			ev->u.mem.bytes_req,
			ev->u.mem.order ? 1u << ev->u.mem.order : 8u, addr,
			ev->u.mem.bytes_alloc, gfp);
		break;
	case KMT_EV_PERCPU_FREE_PERCPU:
		fprintf(fp, "base_addr=0x0 off=0 ptr=%#" PRIx64, addr);
		break;
	case KMT_EV_SYS_ENTER_MMAP:
		fprintf(fp, "addr: %#" PRIx64 ", len: %#" PRIx64
			", prot: %#x, flags: %#" PRIx64, ev->u.vm.addr,
			ev->u.vm.len, kmt_mmap_prot(ev->u.vm.arg),
			ev->u.vm.arg & 0xffffffff);
		if (kmt_mmap_fd(ev->u.vm.arg) >= 0)
			fprintf(fp, ", fd: %#x, off: %#" PRIx64,
				kmt_mmap_fd(ev->u.vm.arg),
				(uint64_t)(ev->obj == KMT_OBJ_NONE ? 0 : ev->obj)
					<< 12);
		else
			fprintf(fp, ", fd: 0xffffffffffffffff, off: 0x0");
		break;
	case KMT_EV_SYS_ENTER_MUNMAP:
		fprintf(fp, "addr: %#" PRIx64 ", len: %#" PRIx64,
			ev->u.vm.addr, ev->u.vm.len);
		break;
	case KMT_EV_SYS_ENTER_BRK:
		fprintf(fp, "brk: %#" PRIx64, ev->u.vm.addr);
		break;
	case KMT_EV_SYS_ENTER_MPROTECT:
		fprintf(fp, "start: %#" PRIx64 ", len: %#" PRIx64
			", prot: %#" PRIx64, ev->u.vm.addr, ev->u.vm.len,
			ev->u.vm.arg);
		break;
	case KMT_EV_SYS_ENTER_MREMAP:
		fprintf(fp, "addr: %#" PRIx64 ", old_len: %#" PRIx64
			", new_len: %#" PRIx64 ", flags: 0x0, new_addr: 0x0",
			ev->u.vm.addr, ev->u.vm.len, ev->u.vm.arg);
		break;
	case KMT_EV_SYS_EXIT_MMAP:
	case KMT_EV_SYS_EXIT_MUNMAP:
	case KMT_EV_SYS_EXIT_BRK:
	case KMT_EV_SYS_EXIT_MPROTECT:
	case KMT_EV_SYS_EXIT_MREMAP:
		fprintf(fp, "%#" PRIx64, ev->u.vm.addr);
		break;
	case KMT_EV_PAGE_FAULT_USER:
		fprintf(fp, "address=%#" PRIx64 " ip=%#" PRIx64
			" error_code=%#" PRIx64, ev->u.vm.addr, ev->u.vm.len,
			ev->u.vm.arg);
		break;
	case KMT_EV_SCHED_PROCESS_FORK:
		fprintf(fp, "comm=task pid=%" PRIu64 " child_comm=task "
			"child_pid=%" PRIu64, ev->u.vm.addr, ev->u.vm.arg);
		break;
	case KMT_EV_SCHED_PROCESS_EXEC:
		fprintf(fp, "filename=/bin/task pid=%" PRIu64
			" old_pid=%" PRIu64, ev->u.vm.addr, ev->u.vm.arg);
		break;
	case KMT_EV_SCHED_PROCESS_EXIT:
		fprintf(fp, "comm=task pid=%" PRIu64 " prio=120",
			ev->u.vm.addr);
		break;
	case KMT_EV_RSS_STAT:
		fprintf(fp, "mm_id=%" PRIu64 " curr=1 member=%" PRIu64
			" size=%" PRId64 "B", ev->u.vm.addr, ev->u.vm.arg,
			(int64_t)ev->u.vm.len);
		break;
	default:
		break;
	}
}

static void print_meta(const struct kmt_meta *m, FILE *fp)
{
	const char *p = "# kmbench-meta: ";

	if (m->kernel)
		fprintf(fp, "%skernel=%s\n", p, m->kernel);
	if (m->cpus)
		fprintf(fp, "%scpus=%u\n", p, m->cpus);
	if (m->page_size)
		fprintf(fp, "%spage_size=%u\n", p, m->page_size);
	if (m->hostname)
		fprintf(fp, "%shostname=%s\n", p, m->hostname);
	if (m->events)
		fprintf(fp, "%sevents=%s\n", p, m->events);
	if (m->command)
		fprintf(fp, "%scommand=%s\n", p, m->command);
	if (m->start_time)
		fprintf(fp, "%sstart_time=%" PRIu64 "\n", p, m->start_time);
	if (m->hashed_ptrs >= 0)
		fprintf(fp, "%shashed_ptrs=%d\n", p, m->hashed_ptrs);
	for (uint32_t c = 0; c < m->nr_lost_cpus; c++)
		if (m->lost_events[c])
			fprintf(fp, "%slost_events_cpu%u=%" PRIu64 "\n", p, c,
				m->lost_events[c]);
}

int kmt_write_text(const struct kmt_trace *t, FILE *fp)
{
	uint64_t pre = 0;

	print_meta(&t->meta, fp);
	fprintf(fp, "# tracer: nop\n#\n"
		"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
		"#              | |         |   |||||     |         |\n");
	for (size_t i = 0; i < t->nr_ev; i++) {
		const struct kmt_event *ev = &t->ev[i];
		uint64_t ts = t->base_ts + ev->ts;
		uint64_t addr = obj_addr(ev, &pre);

		fprintf(fp, "%16s-%-7u [%03u] ..... %5" PRIu64 ".%09" PRIu64
			": %s: ", "kmt", ev->pid, ev->cpu, ts / 1000000000u,
			ts % 1000000000u, kmt_event_name(ev->type));
		print_fields(t, ev, addr, fp);
		if (fputc('\n', fp) == EOF)
			return -1;
	}
	return ferror(fp) ? -1 : 0;
}
