/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/mm.h - process address spaces: mm_struct, vm_area_struct, the
 * mmap/munmap/mprotect/mremap/brk/mlock operations, page faults, fork, exec
 * and exit, /proc/PID/maps and the Vm* lines of /proc/PID/status.
 *
 * Abbreviations: mm = one address space (one traced process); vma = one
 * memory region [vm_start, vm_end); pgoff = offset in pages (in the file, or
 * vm_start >> PAGE_SHIFT for anonymous memory, so rmap can find a page's
 * address from page->index); rss = resident pages.
 *
 * Errors follow the kernel: functions returning an address return it, or a
 * negative errno cast to unsigned long (test with IS_ERR_VALUE()); those
 * returning int return 0 or -errno.  Faults never kill the simulator: a bad
 * access returns VM_FAULT_SIGSEGV with the si_code in mm->fault_stats.
 *
 * Locking: every public function takes the address-space lock
 * (mm_lock_all(), one mutex for all mms, as reclaim walks other mms through
 * the anon_vma lists).  Callers may use the API from several threads.
 */
#ifndef KMM_MM_H
#define KMM_MM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "compiler.h"
#include "list.h"
#include "page.h"
#include "pgtable.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE		1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED		2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-MAX_ERRNO)

/* x86_64 4-level user layout */
#define TASK_SIZE		((1UL << 47) - PAGE_SIZE)
#define KMM_MMAP_MIN_ADDR	65536UL
#define DEFAULT_MAX_MAP_COUNT	65530
#define STACK_GUARD_GAP		(256UL << PAGE_SHIFT)
#define KMM_STACK_TOP		TASK_SIZE
#define KMM_MMAP_BASE_GAP	(128UL << 20)	/* mmap_base below stack */
#define TASK_UNMAPPED_BASE	PAGE_ALIGN(TASK_SIZE / 3)	/* bottom-up */

/* vm_flags (include/linux/mm.h values) */
#define VM_NONE		0x00000000UL
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL
#define VM_GROWSDOWN	0x00000100UL
#define VM_PFNMAP	0x00000400UL
#define VM_LOCKED	0x00002000UL
#define VM_IO		0x00004000UL
#define VM_DONTCOPY	0x00020000UL
#define VM_DONTEXPAND	0x00040000UL
#define VM_LOCKONFAULT	0x00080000UL
#define VM_ACCOUNT	0x00100000UL
#define VM_NORESERVE	0x00200000UL
/* kmm's: made by premap() over an address the trace never mapped; its
 * protections are unknown, so an access it does not permit yet widens them */
#define VM_PREMAPPED	0x01000000UL
#define VM_STACK	VM_GROWSDOWN
#define VM_ACCESS_FLAGS	(VM_READ | VM_WRITE | VM_EXEC)
#define VM_LOCKED_MASK	(VM_LOCKED | VM_LOCKONFAULT)
#define VM_DATA_DEFAULT_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | \
			       VM_MAYWRITE | VM_MAYEXEC)
#define VM_STACK_FLAGS	(VM_STACK | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT)

/* Fault flags (FAULT_FLAG_*) and results (VM_FAULT_*) */
#define FAULT_FLAG_WRITE	0x01
#define FAULT_FLAG_INSTRUCTION	0x02	/* instruction fetch */
#define FAULT_FLAG_USER		0x04

typedef unsigned int vm_fault_t;
#define VM_FAULT_OK		0x0000
#define VM_FAULT_OOM		0x0001
#define VM_FAULT_SIGBUS		0x0002	/* beyond the end of the file */
#define VM_FAULT_SIGSEGV	0x0040
#define VM_FAULT_MAJOR		0x0004	/* needed I/O: swap-in or file read */
#define VM_FAULT_NOPAGE		0x0100	/* nothing to do (already mapped) */

/* si_code of a SIGSEGV */
#define KMM_SEGV_MAPERR		1
#define KMM_SEGV_ACCERR		2

/* RSS counters (mm->rss_stat) */
enum {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SWAPENTS,
	MM_SHMEMPAGES,
	NR_MM_COUNTERS
};

/* Per-process fault counts (what the replay engine reports per pid) */
struct mm_fault_stats {
	uint64_t minor;		/* served from memory */
	uint64_t major;		/* needed swap-in or a file read */
	uint64_t cow;		/* write to a shared private page: copied */
	uint64_t cow_reuse;	/* ... last reference: made writable */
	uint64_t zero;		/* read of anonymous memory: zero page */
	uint64_t segv_maperr;	/* no VMA at the address */
	uint64_t segv_accerr;	/* VMA does not allow the access */
	uint64_t stack_grow;	/* VM_GROWSDOWN expansion */
	uint64_t oom;		/* no page could be allocated */
	uint64_t premapped;	/* VMAs made for unknown addresses */
	uint64_t premap_widened;	/* ... given an access they lacked */
};

/* A map of unsigned long -> non-NULL pointer (open addressing). */
struct kmm_ulmap {
	void **vals;
	unsigned long *keys;
	unsigned long cap;		/* power of two, or 0 */
	unsigned long nr;
};

/*
 * A simulated file: identity (dev, ino, path) and its page cache.  Page
 * contents are generated from (ino, index) when a page is first read, so a
 * test can predict the bytes; writes through shared mappings stay in the
 * page cache for as long as the file lives.
 */
struct kmm_file {
	char *path;
	unsigned long dev;		/* (major << 8) | minor */
	unsigned long ino;
	unsigned long size;		/* bytes */
	int refcount;
	bool zero_fill;			/* shared anonymous memory */
	struct kmm_ulmap page_cache;	/* page index -> struct page */
	uint64_t reads;			/* pages read in (major faults) */
};

struct kmm_file *kmm_file_create(const char *path, unsigned long size);
struct kmm_file *kmm_file_get(struct kmm_file *file);
void kmm_file_put(struct kmm_file *file);
/* The byte at @offset of a file's initial contents. */
unsigned char kmm_file_pattern(const struct kmm_file *file,
			       unsigned long offset);

/*
 * anon_vma: all VMAs that may map anonymous pages of one fork family (a
 * process and the children forked from it share it), so reclaim can find
 * every PTE of a page: address = vm_start + ((page->index - vm_pgoff) <<
 * PAGE_SHIFT) for each VMA on the list whose range covers page->index.
 */
struct anon_vma {
	struct list_head vmas;		/* vm_area_struct.anon_vma_node */
	int refcount;			/* VMAs on the list */
};

struct mm_struct;

struct vm_area_struct {
	unsigned long vm_start;		/* first byte */
	unsigned long vm_end;		/* one past the last byte */
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
	unsigned long vm_pgoff;		/* in PAGE_SIZE units */
	struct kmm_file *vm_file;	/* NULL: anonymous */
	struct anon_vma *anon_vma;	/* NULL until the first anon page */
	struct list_head anon_vma_node;
	struct list_head vm_list;	/* mm->vma_list, address order */

	/* augmented AVL tree of the mm (vma_tree.c) */
	struct vm_area_struct *vt_left, *vt_right;
	int vt_height;
	unsigned long vt_first;		/* vm_start of the leftmost in subtree */
	unsigned long vt_last;		/* vm_end of the rightmost in subtree */
	unsigned long vt_gap;		/* largest hole between VMAs in it */
};

struct mm_limits {
	unsigned long max_map_count;	/* vm.max_map_count */
	unsigned long as;		/* RLIMIT_AS, bytes */
	unsigned long data;		/* RLIMIT_DATA, bytes */
	unsigned long memlock;		/* RLIMIT_MEMLOCK, bytes */
	unsigned long stack;		/* RLIMIT_STACK, bytes */
};

struct mm_struct {
	struct vm_area_struct *vma_root;	/* augmented AVL tree */
	struct list_head vma_list;		/* all VMAs, address order */
	int map_count;
	int mm_users;			/* tasks using it */
	int pid;			/* for messages and /proc output */
	unsigned int asid;		/* TLB tag */
	struct pgtable pgt;		/* page tables (pgd = pgt.top) */

	unsigned long mmap_base;	/* top of the top-down mmap area */
	unsigned long task_size;
	unsigned long total_vm;		/* pages mapped */
	unsigned long locked_vm;	/* VM_LOCKED pages */
	unsigned long data_vm;		/* private writable, not stack */
	unsigned long exec_vm;		/* executable, not writable */
	unsigned long stack_vm;		/* VM_STACK */
	unsigned long hiwater_vm;	/* peak total_vm */
	unsigned long hiwater_rss;	/* peak rss */
	long rss_stat[NR_MM_COUNTERS];

	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;

	struct mm_limits limits;
	struct mm_fault_stats fault_stats;
	/*
	 * Trace replay: a fault at an address no VMA covers maps anonymous
	 * memory there (the hole's part within the surrounding 2 MiB) instead
	 * of SEGV_MAPERR, for mappings made before the trace began.
	 */
	bool premap_unknown;
	/*
	 * fork cleared VM_LOCKED on some VMA: neighbours that differed only
	 * in it stay apart, as in the kernel (mm_check allows them).
	 */
	bool unmerged_after_fork;
};

/* Setup: caches for mm_struct and vm_area_struct, the zero page. */
int mm_subsys_init(void);
void mm_subsys_exit(void);

/* Address spaces */
struct mm_struct *mm_alloc(void);		/* empty, one user */
void mmget(struct mm_struct *mm);
void mmput(struct mm_struct *mm);		/* exit_mmap at the last user */
struct mm_struct *dup_mm(struct mm_struct *oldmm);	/* fork */
/*
 * exec: a fresh mm with a stack VMA of @stack_pages pages under
 * KMM_STACK_TOP and the heap starting at @start_brk (0: a default).
 */
struct mm_struct *mm_exec(unsigned long start_brk, unsigned long stack_pages);
unsigned long get_mm_rss(const struct mm_struct *mm);

/*
 * One mm per simulated pid (for trace replay).  mm_task_get() creates an
 * exec'd mm for a pid it has not seen; fork gives @pid a copy of @ppid's
 * mm; exec replaces it; exit drops it.  mm->pid is the pid.
 */
struct mm_struct *mm_task_get(int pid);
/*
 * The file behind descriptor @fd of @pid (the trace names no inode: one
 * file per pid and fd, made on first use, at least @size bytes long).  A
 * fork gives the child its parent's files, exec keeps them, exit drops
 * them.  The pid's table holds the reference; NULL without memory.
 */
struct kmm_file *mm_task_file(int pid, int fd, unsigned long size);
int mm_task_fork(int ppid, int pid);
int mm_task_exec(int pid);
void mm_task_exit(int pid);
void mm_task_exit_all(void);
/*
 * Fault counts summed over every mm that has exited since
 * mm_subsys_init() and every mm of the pid table now.
 */
void mm_task_fault_totals(struct mm_fault_stats *out);
/* Call @fn for every pid's mm until it returns non-zero (that value). */
int mm_task_for_each(int (*fn)(int pid, struct mm_struct *mm, void *arg),
		     void *arg);

/* Lookup (O(log n)) */
/* First VMA with vm_end > @addr, or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
/* First VMA overlapping [@start, @end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm,
					     unsigned long start,
					     unsigned long end);
/* Tree nodes find_vma(@mm, @addr) visits (for benchmarks and tests). */
unsigned int find_vma_steps(struct mm_struct *mm, unsigned long addr);
/* The VMA containing @addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *vma_next(struct mm_struct *mm,
				struct vm_area_struct *vma);
struct vm_area_struct *vma_prev(struct mm_struct *mm,
				struct vm_area_struct *vma);
#define for_each_vma(mm, vma) \
	list_for_each_entry(vma, &(mm)->vma_list, vm_list)

/* Syscall-level operations, with the arguments a trace records */
unsigned long get_unmapped_area(struct mm_struct *mm, struct kmm_file *file,
				unsigned long addr, unsigned long len,
				unsigned long pgoff, unsigned long flags);
unsigned long do_mmap(struct mm_struct *mm, struct kmm_file *file,
		      unsigned long addr, unsigned long len,
		      unsigned long prot, unsigned long flags,
		      unsigned long pgoff);
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len);
int do_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len,
		unsigned long prot);
unsigned long do_mremap(struct mm_struct *mm, unsigned long addr,
			unsigned long old_len, unsigned long new_len,
			unsigned long flags, unsigned long new_addr);
/* brk(2): returns the new break, or the old one on failure. */
unsigned long do_brk(struct mm_struct *mm, unsigned long brk);
int do_mlock(struct mm_struct *mm, unsigned long start, unsigned long len,
	     bool lock);

/* Page faults */
vm_fault_t handle_mm_fault(struct mm_struct *mm, unsigned long address,
			   unsigned int flags);
/*
 * A user access of @len bytes at @addr through the page tables, faulting
 * as the hardware would: copy to / from the simulated pages.  0, or
 * -EFAULT at the first byte that cannot be accessed.
 */
int mm_write(struct mm_struct *mm, unsigned long addr, const void *buf,
	     size_t len);
int mm_read(struct mm_struct *mm, unsigned long addr, void *buf, size_t len);

/*
 * Reclaim and swap (one LRU and one swap area for the machine).  Reclaim
 * runs by itself, kswapd-like, when an allocation for a user page leaves
 * its zone below the low watermark (until it is back above high) and when
 * an allocation fails; mm_reclaim() runs it on demand.
 */
struct mm_reclaim_stats {
	uint64_t pgscan;	/* inactive pages looked at */
	uint64_t pgsteal;	/* ... swapped out */
	uint64_t pgactivate;	/* referenced: second chance */
	uint64_t pgdeactivate;	/* moved from active to inactive */
	uint64_t pswpout;	/* pages written to swap */
	uint64_t pswpin;	/* pages read from swap */
	uint64_t swapcache_hits;	/* swap-ins served by the swap cache */
	uint64_t kswapd_runs;	/* watermark-triggered reclaims */
	uint64_t direct_reclaims;	/* after a failed allocation */
	unsigned long nr_active, nr_inactive;	/* anon LRU sizes */
	unsigned long swap_slots, swap_used;
};
/* Swap area of @nr_slots pages (default, 0: as many as physical pages). */
int mm_swap_init(unsigned long nr_slots);
/* Swap out up to @nr anonymous pages now; returns how many were. */
unsigned long mm_reclaim(unsigned long nr);
void mm_reclaim_get_stats(struct mm_reclaim_stats *out);
/*
 * Objects of the mm_struct, vm_area_struct and anon_vma caches in use
 * (shrinks the caches first, so their empty slabs go back to the buddy).
 */
long mm_objects_in_use(void);

/* Output in the kernel's formats */
void mm_show_maps(struct mm_struct *mm, FILE *fp);	/* /proc/PID/maps */
void mm_show_status(struct mm_struct *mm, FILE *fp);	/* Vm* lines */

/*
 * Invariant checker: tree order, heights, augmented fields, the list
 * matching the tree, no overlap, map_count, total_vm and the other
 * counters recomputed from the VMAs.  0, or -1 after printing what is
 * wrong on stderr.
 */
int mm_check(struct mm_struct *mm);

/* The global address-space lock (see the top of this file). */
void mm_lock_all(void);
void mm_unlock_all(void);

#endif /* KMM_MM_H */
