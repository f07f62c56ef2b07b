// SPDX-License-Identifier: GPL-2.0
/*
 * bench/backends/host_vm.c - process events through the host kernel, for
 * the baseline backends: every backend then does comparable work for
 * every event (kmm through its process VM, the baselines through the
 * kernel they run on), and the process ops are timed for both.
 *
 * Each traced pid has a table of its mappings: traced range -> host range.
 * A traced mapping is a host mapping of its own, mmap(NULL, len, prot,
 * MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE) (MAP_SHARED when the traced
 * one was shared); file mappings are anonymous here (the trace has no
 * file contents, and kmm's files are its own model).
 *
 *	mmap		unmap what the traced range covers (MAP_FIXED at the
 *			traced result, as kmm does), host mmap of the length
 *	munmap		host munmap of the parts the range covers (entries
 *			are split at its ends)
 *	mprotect	host mprotect of those parts; the range must be
 *			mapped (-ENOMEM), as in the kernel
 *	mremap		host mremap(MREMAP_MAYMOVE) of the traced range's
 *			own part, entered at the traced result
 *	brk		kmm's do_brk: a break far from an unknown heap starts
 *			it; the heap grows by host mremap of its mapping (or
 *			a new one), shrinks by munmap of the tail
 *	fault		one byte written (error code bit 1) or read at the
 *			host address, when the entry permits it; else the
 *			fault fails (counted as kmm counts SIGSEGVs) and
 *			nothing is touched, so the helper never takes a
 *			signal.  An address in no entry is premapped as kmm
 *			premaps it: the hole around it within its 2 MiB
 *			block, read-write (+exec for an instruction fetch),
 *			widened on an access it lacks, until an mprotect
 *			says what it is
 *	fork		the child gets a copy of every mapping: a new host
 *			mapping with the pages the parent has resident
 *			(mincore) copied, so it holds what the parent wrote;
 *			a shared mapping is mapped again (mremap of length
 *			0), so both see one set of pages.  The kernel copies
 *			page tables and copies pages on a write later: here
 *			the copy happens in the fork, and the child's
 *			write faults find their pages present
 *	exec, exit	every mapping of the pid unmapped
 *
 * Host mappings of 2 MiB or more are madvise(MADV_NOHUGEPAGE): kmm faults
 * 4 KiB pages, and a host with transparent huge pages "always" would
 * otherwise clear (and fork copy) 2 MiB where one page was touched.
 *
 * Locking: each task has a spinlock, taken by every event of that pid
 * (a pid reused after an exit may see the old process's exit on another
 * replay thread); fork takes parent and child in pid order.  Nothing else
 * is shared but the statistics (atomic counters).
 *
 * Invariants of a task's table: entries sorted by start, disjoint, page
 * aligned, start < end; host..host + (end - start) is one host mapping's
 * part, with the entry's prot; sum of all entries' lengths ==
 * stats[HVM_MAPPED].
 *
 * All of this is harness memory from mmap(), never from the measured
 * allocator's malloc.
 */
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "host_vm.h"
#include "kmt/trace.h"

#define HVM_PAGE	4096ULL
#define HVM_PID_MAX	(1U << 22)		/* PID_MAX_LIMIT, 64-bit */
#define HVM_TASK_SIZE	((1ULL << 47) - HVM_PAGE)	/* kmm's TASK_SIZE */
#define HVM_MIN_ADDR	65536ULL		/* KMM_MMAP_MIN_ADDR */
#define HVM_PREMAP	(2ULL << 20)		/* kmm's premap block */
#define HVM_PROT_ALL	(PROT_READ | PROT_WRITE | PROT_EXEC)
#define HVM_MAP_MIN	128U			/* entries of a new table */

static inline uint64_t hvm_page_align(uint64_t x)
{
	return (x + HVM_PAGE - 1) & ~(HVM_PAGE - 1);
}

enum hvm_flags {
	HVM_SHARED = 1,		/* a MAP_SHARED host mapping */
	HVM_PREMAPPED = 2,	/* made by a fault on an unknown address */
	HVM_HEAP = 4,		/* the brk heap's mapping */
};

struct hvm_map {
	uint64_t start, end;	/* traced range */
	char *host;		/* host address of start */
	uint32_t prot;		/* PROT_* of the host mapping */
	uint32_t flags;		/* enum hvm_flags */
};

struct hvm_task {
	int lock;
	bool brk_known;		/* the heap's start is known */
	uint64_t start_brk, brk;
	struct hvm_map *map;	/* sorted by start, disjoint */
	uint32_t nr, cap;
};

enum hvm_stat {
	HVM_MAPPED,
	HVM_PEAK,
	HVM_FAULTS,
	HVM_MAPERR,
	HVM_ACCERR,
	HVM_PREMAPS,
	HVM_WIDENED,
	HVM_FORK_PAGES,
	HVM_HOST_ERRORS,
	HVM_NR_STATS
};

static struct hvm_task *hvm_tasks;	/* indexed by pid */
static uint64_t *hvm_used;		/* bitmap of pids with a task */
static uint64_t hvm_stats[HVM_NR_STATS];

#define HVM_TASKS_BYTES	((size_t)HVM_PID_MAX * sizeof(struct hvm_task))
#define HVM_USED_BYTES	((size_t)HVM_PID_MAX / 8)

static void *hvm_mmap(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static inline void hvm_stat_add(enum hvm_stat s, uint64_t n)
{
	__atomic_fetch_add(&hvm_stats[s], n, __ATOMIC_RELAXED);
}

/* @delta bytes mapped (negative: unmapped), and the peak */
static void hvm_account(int64_t delta)
{
	uint64_t now = __atomic_add_fetch(&hvm_stats[HVM_MAPPED],
					  (uint64_t)delta, __ATOMIC_RELAXED);
	uint64_t peak = __atomic_load_n(&hvm_stats[HVM_PEAK], __ATOMIC_RELAXED);

	while (delta > 0 && now > peak &&
	       !__atomic_compare_exchange_n(&hvm_stats[HVM_PEAK], &peak, now,
					    true, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

static void hvm_lock(struct hvm_task *t)
{
	unsigned int spins = 0;

	while (__atomic_exchange_n(&t->lock, 1, __ATOMIC_ACQUIRE)) {
		if (++spins > 64) {
			sched_yield();
			spins = 0;
		}
	}
}

static void hvm_unlock(struct hvm_task *t)
{
	__atomic_store_n(&t->lock, 0, __ATOMIC_RELEASE);
}

static struct hvm_task *hvm_task(uint64_t pid)
{
	if (pid >= HVM_PID_MAX || !hvm_tasks)
		return NULL;
	if (!(__atomic_load_n(&hvm_used[pid / 64], __ATOMIC_RELAXED) &
	      (1ULL << (pid % 64))))
		__atomic_fetch_or(&hvm_used[pid / 64], 1ULL << (pid % 64),
				  __ATOMIC_RELAXED);
	return &hvm_tasks[pid];
}

int host_vm_init(void)
{
	if (hvm_tasks)
		host_vm_exit();
	hvm_tasks = hvm_mmap(HVM_TASKS_BYTES);
	hvm_used = hvm_mmap(HVM_USED_BYTES);
	memset(hvm_stats, 0, sizeof(hvm_stats));
	if (!hvm_tasks || !hvm_used) {
		host_vm_exit();
		return -ENOMEM;
	}
	return 0;
}

/* ---- a task's table ---- */

/* Index of the first entry ending after @addr (nr when none) */
static uint32_t hvm_find(const struct hvm_task *t, uint64_t addr)
{
	uint32_t lo = 0, hi = t->nr;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->map[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int hvm_reserve(struct hvm_task *t, uint32_t more)
{
	uint32_t cap = t->cap ? t->cap : HVM_MAP_MIN;
	void *p;

	if (t->nr + more <= t->cap)
		return 0;
	while (cap < t->nr + more)
		cap *= 2;
	if (t->map)
		p = mremap(t->map, t->cap * sizeof(*t->map),
			   cap * sizeof(*t->map), MREMAP_MAYMOVE);
	else
		p = mmap(NULL, cap * sizeof(*t->map), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	t->map = p;
	t->cap = cap;
	return 0;
}

static int hvm_insert(struct hvm_task *t, uint32_t i, const struct hvm_map *m)
{
	if (hvm_reserve(t, 1))
		return -ENOMEM;
	memmove(&t->map[i + 1], &t->map[i], (t->nr - i) * sizeof(*m));
	t->map[i] = *m;
	t->nr++;
	return 0;
}

/* Drop entries [i, j) from the table (their host parts are gone) */
static void hvm_remove(struct hvm_task *t, uint32_t i, uint32_t j)
{
	if (i == j)
		return;
	memmove(&t->map[i], &t->map[j], (t->nr - j) * sizeof(*t->map));
	t->nr -= j - i;
}

/* An entry boundary at @addr: split the entry that holds it inside */
static int hvm_split(struct hvm_task *t, uint64_t addr)
{
	uint32_t i = hvm_find(t, addr);
	struct hvm_map tail;

	if (i == t->nr || t->map[i].start >= addr)
		return 0;
	tail = t->map[i];
	tail.host += addr - tail.start;
	tail.start = addr;
	if (hvm_insert(t, i + 1, &tail))
		return -ENOMEM;
	t->map[i].end = addr;
	return 0;
}

static void hvm_host_unmap(const struct hvm_map *m)
{
	munmap(m->host, m->end - m->start);
	hvm_account(-(int64_t)(m->end - m->start));
}

/* Unmap the traced range [start, end) */
static int hvm_unmap(struct hvm_task *t, uint64_t start, uint64_t end)
{
	uint32_t i, j;

	if (hvm_split(t, start) || hvm_split(t, end))
		return -ENOMEM;
	i = hvm_find(t, start);
	for (j = i; j < t->nr && t->map[j].start < end; j++)
		hvm_host_unmap(&t->map[j]);
	hvm_remove(t, i, j);
	return 0;
}

static void hvm_unmap_all(struct hvm_task *t)
{
	for (uint32_t i = 0; i < t->nr; i++)
		hvm_host_unmap(&t->map[i]);
	t->nr = 0;
	t->brk_known = false;
}

/*
 * kmm's process VM maps 4 KiB pages: a host mapping that could hold a
 * transparent huge page (2 MiB or more) is marked not to, so that with THP
 * "always" a fault does not clear 2 MiB, nor fork copy 512 pages at once.
 */
static void hvm_no_thp(void *h, uint64_t len, uint64_t old_len)
{
	if (len >= HVM_PREMAP && old_len < HVM_PREMAP)
		madvise(h, len, MADV_NOHUGEPAGE);
}

static char *hvm_host_map(uint64_t len, unsigned int prot, uint32_t flags)
{
	void *h = mmap(NULL, len, (int)prot,
		       (flags & HVM_SHARED ? MAP_SHARED : MAP_PRIVATE) |
		       MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (h == MAP_FAILED) {
		hvm_stat_add(HVM_HOST_ERRORS, 1);
		return NULL;
	}
	hvm_no_thp(h, len, 0);
	return h;
}

/* A new mapping of [start, start + len) where nothing is mapped */
static int hvm_map_new(struct hvm_task *t, uint64_t start, uint64_t len,
		       unsigned int prot, uint32_t flags)
{
	struct hvm_map m = {
		.start = start, .end = start + len, .prot = prot,
		.flags = flags,
	};

	m.host = hvm_host_map(len, prot, flags);
	if (!m.host)
		return -ENOMEM;
	if (hvm_insert(t, hvm_find(t, start), &m)) {
		munmap(m.host, len);
		return -ENOMEM;
	}
	hvm_account((int64_t)len);
	return 0;
}

static bool hvm_range_ok(uint64_t addr, uint64_t len)
{
	return !(addr & (HVM_PAGE - 1)) && len && addr >= HVM_MIN_ADDR &&
	       addr <= HVM_TASK_SIZE && len <= HVM_TASK_SIZE - addr;
}

/* ---- the events ---- */

static int hvm_do_mmap(struct hvm_task *t, const struct replay_vm *v)
{
	uint64_t len = hvm_page_align(v->len);
	uint32_t flags = v->arg & MAP_SHARED ? HVM_SHARED : 0;
	int err;

	if (!hvm_range_ok(v->addr, len))
		return -EINVAL;
	err = hvm_unmap(t, v->addr, v->addr + len);
	if (!err)
		err = hvm_map_new(t, v->addr, len,
				  kmt_mmap_prot(v->arg) & HVM_PROT_ALL, flags);
	return err;
}

static int hvm_do_munmap(struct hvm_task *t, const struct replay_vm *v)
{
	uint64_t len = hvm_page_align(v->len);

	if (!hvm_range_ok(v->addr, len))
		return -EINVAL;
	return hvm_unmap(t, v->addr, v->addr + len);
}

static int hvm_do_mprotect(struct hvm_task *t, const struct replay_vm *v)
{
	uint64_t start = v->addr, end = start + hvm_page_align(v->len);
	unsigned int prot = (unsigned int)v->arg;
	uint64_t at = start;
	uint32_t i;

	if (start & (HVM_PAGE - 1) || prot & ~HVM_PROT_ALL || end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	/* the whole range mapped, without a hole */
	for (i = hvm_find(t, start); at < end; i++) {
		if (i == t->nr || t->map[i].start > at)
			return -ENOMEM;
		at = t->map[i].end;
	}
	if (hvm_split(t, start) || hvm_split(t, end))
		return -ENOMEM;
	for (i = hvm_find(t, start); i < t->nr && t->map[i].start < end; i++) {
		struct hvm_map *m = &t->map[i];

		if (mprotect(m->host, m->end - m->start, (int)prot)) {
			hvm_stat_add(HVM_HOST_ERRORS, 1);
			return -errno;
		}
		m->prot = prot;
		m->flags &= ~(uint32_t)HVM_PREMAPPED;
	}
	return 0;
}

/* Move entry @i's traced range to [to, to + len) with host part @h */
static int hvm_move(struct hvm_task *t, uint32_t i, uint64_t to, uint64_t len,
		    char *h)
{
	struct hvm_map m = t->map[i];
	int64_t delta = (int64_t)len - (int64_t)(m.end - m.start);
	int err;

	hvm_remove(t, i, i + 1);
	m.host = h;
	m.start = to;
	m.end = to + len;
	hvm_account(delta);
	err = hvm_unmap(t, to, to + len);
	if (!err)
		err = hvm_insert(t, hvm_find(t, to), &m);
	if (err) {
		munmap(h, len);
		hvm_account(-(int64_t)len);
	}
	return err;
}

static int hvm_do_mremap(struct hvm_task *t, const struct replay_vm *v)
{
	uint64_t old = hvm_page_align(v->len), len = hvm_page_align(v->arg);
	uint32_t i;
	void *h;

	if (!hvm_range_ok(v->addr, old) || !hvm_range_ok(v->ret, len))
		return -EINVAL;
	i = hvm_find(t, v->addr);
	if (i == t->nr || t->map[i].start > v->addr ||
	    t->map[i].end < v->addr + old)
		return -EFAULT;		/* not within one mapping */
	if (hvm_split(t, v->addr) || hvm_split(t, v->addr + old))
		return -ENOMEM;
	i = hvm_find(t, v->addr);
	h = mremap(t->map[i].host, old, len, MREMAP_MAYMOVE);
	if (h == MAP_FAILED) {
		hvm_stat_add(HVM_HOST_ERRORS, 1);
		return -ENOMEM;
	}
	hvm_no_thp(h, len, old);
	return hvm_move(t, i, v->ret, len, h);
}

/*
 * kmm's do_brk (alloc/mm/mmap.c): a process whose heap began before the
 * capture asks for a break while its heap is unknown: that break starts
 * it.  Refusals return 0, as kmm's do_brk does (the traced brk()
 * returned the old break).
 */
static int hvm_do_brk(struct hvm_task *t, uint64_t brk)
{
	uint64_t newbrk = hvm_page_align(brk), oldbrk;
	uint32_t i;

	if (!brk || brk > HVM_TASK_SIZE)
		return 0;
	if (!t->brk_known) {
		i = hvm_find(t, brk & ~(HVM_PAGE - 1));
		if (i < t->nr && t->map[i].start < newbrk)
			return 0;	/* inside a mapping */
		t->start_brk = t->brk = brk & ~(HVM_PAGE - 1);
		t->brk_known = true;
	}
	if (brk < t->start_brk)
		return 0;
	oldbrk = hvm_page_align(t->brk);
	if (newbrk == oldbrk) {
		t->brk = brk;
		return 0;
	}
	if (newbrk < oldbrk) {
		t->brk = brk;
		return hvm_unmap(t, newbrk, oldbrk);
	}
	/* grow: nothing mapped up to a page above the new break */
	i = hvm_find(t, oldbrk);
	if (i < t->nr && t->map[i].start < newbrk + HVM_PAGE)
		return 0;
	if (i > 0 && t->map[i - 1].end == oldbrk &&
	    (t->map[i - 1].flags & HVM_HEAP) &&
	    t->map[i - 1].prot == (PROT_READ | PROT_WRITE)) {
		struct hvm_map *m = &t->map[i - 1];
		void *h = mremap(m->host, m->end - m->start,
				 newbrk - m->start, MREMAP_MAYMOVE);

		if (h == MAP_FAILED) {
			hvm_stat_add(HVM_HOST_ERRORS, 1);
			return 0;
		}
		hvm_no_thp(h, newbrk - m->start, m->end - m->start);
		hvm_account((int64_t)(newbrk - oldbrk));
		m->host = h;
		m->end = newbrk;
	} else if (hvm_map_new(t, oldbrk, newbrk - oldbrk,
			       PROT_READ | PROT_WRITE, HVM_HEAP)) {
		return 0;
	}
	t->brk = brk;
	return 0;
}

static bool hvm_permits(unsigned int prot, bool write, bool instr)
{
	if (write)
		return prot & PROT_WRITE;
	if (instr)
		return prot & PROT_EXEC;
	return prot & HVM_PROT_ALL;
}

/* kmm's premap(): the hole around @addr within its 2 MiB block */
static int hvm_premap(struct hvm_task *t, uint32_t i, uint64_t addr,
		      bool instr)
{
	uint64_t start = addr & ~(HVM_PREMAP - 1), end = start + HVM_PREMAP;

	if (i > 0 && t->map[i - 1].end > start)
		start = t->map[i - 1].end;
	if (i < t->nr && t->map[i].start < end)
		end = t->map[i].start;
	if (start < HVM_MIN_ADDR)
		start = HVM_MIN_ADDR;
	if (end > HVM_TASK_SIZE)
		end = HVM_TASK_SIZE;
	if (addr < start || addr >= end)
		return -EFAULT;
	if (hvm_map_new(t, start, end - start, PROT_READ | PROT_WRITE |
			(instr ? PROT_EXEC : 0), HVM_PREMAPPED))
		return -ENOMEM;
	hvm_stat_add(HVM_PREMAPS, 1);
	return 0;
}

/* The access that faulted: one byte at @addr, written or read */
static int hvm_do_fault(struct hvm_task *t, uint64_t addr, uint64_t code)
{
	bool write = code & 2, instr = code & 16;
	uint32_t i = hvm_find(t, addr);
	struct hvm_map *m;
	char *h;

	if (i == t->nr || t->map[i].start > addr) {
		if (addr >= HVM_TASK_SIZE || hvm_premap(t, i, addr, instr)) {
			hvm_stat_add(HVM_MAPERR, 1);
			return -EFAULT;
		}
	}
	m = &t->map[i];
	if (!hvm_permits(m->prot, write, instr)) {
		unsigned int prot = m->prot | PROT_READ |
				    (write ? PROT_WRITE : 0) |
				    (instr ? PROT_EXEC : 0);

		if (!(m->flags & HVM_PREMAPPED) ||
		    mprotect(m->host, m->end - m->start, (int)prot)) {
			hvm_stat_add(HVM_ACCERR, 1);
			return -EFAULT;
		}
		m->prot = prot;
		hvm_stat_add(HVM_WIDENED, 1);
	}
	h = m->host + (addr - m->start);
	/* an instruction fetch reads: x86 lets PROT_EXEC memory be read */
	if (write)
		__atomic_fetch_or((uint8_t *)h, 0, __ATOMIC_RELAXED);
	else
		(void)*(volatile uint8_t *)h;
	hvm_stat_add(HVM_FAULTS, 1);
	return 0;
}

/* Copy @m's resident pages to @to (a fresh private mapping, writable) */
static uint64_t hvm_copy_resident(const struct hvm_map *m, char *to)
{
	unsigned char vec[1024];
	const uint64_t chunk = sizeof(vec) * HVM_PAGE;
	uint64_t len = m->end - m->start, copied = 0;

	for (uint64_t off = 0; off < len; off += chunk) {
		uint64_t n = len - off < chunk ? (len - off) / HVM_PAGE :
			     sizeof(vec);

		if (mincore(m->host + off, n * HVM_PAGE, vec))
			break;
		for (uint64_t p = 0; p < n;) {
			uint64_t q = p;

			while (q < n && (vec[q] & 1))
				q++;
			if (q > p) {
				memcpy(to + off + p * HVM_PAGE,
				       m->host + off + p * HVM_PAGE,
				       (q - p) * HVM_PAGE);
				copied += q - p;
			}
			p = q + 1;
		}
	}
	return copied;
}

/* The child's copy of the parent's mapping @m */
static char *hvm_dup(const struct hvm_map *m)
{
	uint64_t len = m->end - m->start, copied;
	bool ro = !(m->prot & PROT_WRITE);
	char *h;

	if (m->flags & HVM_SHARED) {
		h = mremap(m->host, 0, len, MREMAP_MAYMOVE);
		if (h == MAP_FAILED) {
			hvm_stat_add(HVM_HOST_ERRORS, 1);
			return NULL;
		}
		return h;
	}
	/* PROT_NONE memory cannot be read: the child's is fresh */
	if (!m->prot)
		return hvm_host_map(len, 0, m->flags);
	h = hvm_host_map(len, m->prot | PROT_WRITE, m->flags);
	if (!h)
		return NULL;
	copied = hvm_copy_resident(m, h);
	hvm_stat_add(HVM_FORK_PAGES, copied);
	if (ro && mprotect(h, len, (int)m->prot)) {
		hvm_stat_add(HVM_HOST_ERRORS, 1);
		munmap(h, len);
		return NULL;
	}
	return h;
}

static int hvm_fork_locked(struct hvm_task *p, struct hvm_task *c)
{
	hvm_unmap_all(c);
	if (hvm_reserve(c, p->nr))
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nr; i++) {
		struct hvm_map m = p->map[i];

		m.host = hvm_dup(&p->map[i]);
		if (!m.host)
			return -ENOMEM;
		c->map[c->nr++] = m;
		hvm_account((int64_t)(m.end - m.start));
	}
	c->brk_known = p->brk_known;
	c->start_brk = p->start_brk;
	c->brk = p->brk;
	return 0;
}

static int hvm_fork(uint64_t ppid, uint64_t pid)
{
	struct hvm_task *p = hvm_task(ppid), *c = hvm_task(pid);
	int err;

	if (!p || !c || p == c)
		return -EINVAL;
	hvm_lock(p < c ? p : c);
	hvm_lock(p < c ? c : p);
	err = hvm_fork_locked(p, c);
	hvm_unlock(c);
	hvm_unlock(p);
	return err;
}

static int hvm_exit(uint64_t pid, bool exec)
{
	struct hvm_task *t = hvm_task(pid);

	if (!t)
		return -EINVAL;
	hvm_lock(t);
	hvm_unmap_all(t);
	if (!exec && t->map) {
		munmap(t->map, t->cap * sizeof(*t->map));
		t->map = NULL;
		t->cap = 0;
	}
	hvm_unlock(t);
	return 0;
}

int host_vm_event(const struct replay_ev *e, const struct replay_vm *v)
{
	struct hvm_task *t;
	int err = -EINVAL;

	switch (e->op) {
	case ROP_FORK:
		return hvm_fork(v->addr, v->arg);
	case ROP_EXEC:
		return hvm_exit(v->addr, true);
	case ROP_EXIT:
		return hvm_exit(v->addr, false);
	}
	t = hvm_task(v->pid);
	if (!t)
		return -EINVAL;
	hvm_lock(t);
	switch (e->op) {
	case ROP_MMAP:
		err = hvm_do_mmap(t, v);
		break;
	case ROP_MUNMAP:
		err = hvm_do_munmap(t, v);
		break;
	case ROP_MPROTECT:
		err = hvm_do_mprotect(t, v);
		break;
	case ROP_MREMAP:
		err = hvm_do_mremap(t, v);
		break;
	case ROP_BRK:
		err = hvm_do_brk(t, v->addr);
		break;
	case ROP_FAULT:
		err = hvm_do_fault(t, v->addr, v->arg);
		break;
	}
	hvm_unlock(t);
	return err;
}

void host_vm_totals(struct replay_host_vm *out)
{
	uint64_t s[HVM_NR_STATS];

	for (int i = 0; i < HVM_NR_STATS; i++)
		s[i] = __atomic_load_n(&hvm_stats[i], __ATOMIC_RELAXED);
	memset(out, 0, sizeof(*out));
	out->mapped_bytes = s[HVM_MAPPED];
	out->peak_mapped_bytes = s[HVM_PEAK];
	out->faults = s[HVM_FAULTS];
	out->segv_maperr = s[HVM_MAPERR];
	out->segv_accerr = s[HVM_ACCERR];
	out->premapped = s[HVM_PREMAPS];
	out->premap_widened = s[HVM_WIDENED];
	out->fork_pages_copied = s[HVM_FORK_PAGES];
	out->host_errors = s[HVM_HOST_ERRORS];
}

void *host_vm_translate(uint32_t pid, uint64_t addr, unsigned int *prot)
{
	struct hvm_task *t = hvm_task(pid);
	void *h = NULL;
	uint32_t i;

	if (!t)
		return NULL;
	hvm_lock(t);
	i = hvm_find(t, addr);
	if (i < t->nr && t->map[i].start <= addr) {
		h = t->map[i].host + (addr - t->map[i].start);
		if (prot)
			*prot = t->map[i].prot;
	}
	hvm_unlock(t);
	return h;
}

void host_vm_exit(void)
{
	if (hvm_tasks && hvm_used) {
		for (uint64_t w = 0; w < HVM_PID_MAX / 64; w++) {
			uint64_t bits = hvm_used[w];

			while (bits) {
				uint64_t pid = w * 64 +
					       (uint64_t)__builtin_ctzll(bits);

				bits &= bits - 1;
				hvm_exit(pid, false);
			}
		}
	}
	if (hvm_tasks)
		munmap(hvm_tasks, HVM_TASKS_BYTES);
	if (hvm_used)
		munmap(hvm_used, HVM_USED_BYTES);
	hvm_tasks = NULL;
	hvm_used = NULL;
}
