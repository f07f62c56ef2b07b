// SPDX-License-Identifier: GPL-2.0
/*
 * bench/bench_fault.c - `kmbench bench fault [--json]`: page-fault
 * throughput (demand-zero, copy-on-write, swap-in), VMA lookup and
 * fork+exit cost for address spaces of 10 to 100,000 VMAs, kmm side by
 * side with the host kernel doing the same in this process (real faults
 * on real mappings, a real fork).
 *
 * Per row: N VMAs of ceil(F / N) pages, one page apart (so none merge);
 * F faults visit the VMAs in a fixed random order.  find_vma is timed on
 * random addresses; ns per log2(N) staying flat is the logarithmic lookup.
 * fork+exit is timed on the untouched VMAs (the VMA copy), before faults.
 * The host side runs in a fresh kmbench process (KMB_BENCH_FAULT_HOST=N),
 * so its fork copies N VMAs and not this process's simulated machine.
 * The host has no swap and a max_map_count of 65530: those cells are "-".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "json.h"
#include "kmm/kmm.h"
#include "kmm/mm.h"
#include "kmm/slab.h"
#include "util.h"

#define NR_FAULTS	16384UL
#define NR_LOOKUPS	1000000UL
#define BASE_ADDR	0x100000000UL
#define PG		PAGE_SIZE

enum { OP_LOOKUP, OP_ZERO, OP_COW, OP_SWAPIN, OP_FORK, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"find_vma", "demand_zero", "cow", "swap_in", "fork_exit",
};

struct row {
	unsigned long vmas;
	double steps;		/* tree nodes a find_vma visits, mean */
	double kmm[NR_OPS];	/* ns per operation; NAN: not measured */
	double host[NR_OPS];
};

static uint64_t rnd_state;

static unsigned long rnd(unsigned long n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned long)(rnd_state % n);
}

/* Fault addresses: VMA perm[j % N], page j / N of it. */
static unsigned long *fault_addrs(unsigned long n, unsigned long span)
{
	rnd_state = 0x9e3779b97f4a7c15ULL ^ n;	/* same order in both runs */
	unsigned long *perm = kmb_xmalloc(n * sizeof(*perm));
	unsigned long *addr = kmb_xmalloc(NR_FAULTS * sizeof(*addr));

	for (unsigned long i = 0; i < n; i++)
		perm[i] = i;
	for (unsigned long i = n - 1; i > 0; i--) {
		unsigned long j = rnd(i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (unsigned long j = 0; j < NR_FAULTS; j++)
		addr[j] = BASE_ADDR + perm[j % n] * 2 * span + (j / n) * PG;
	free(perm);
	return addr;
}

static double per_op(uint64_t t0, unsigned long n)
{
	return n ? (double)(kmb_now_ns() - t0) / (double)n : NAN;
}

static unsigned long fork_reps(unsigned long n)
{
	return 20000 / n < 3 ? 3 : 20000 / n > 200 ? 200 : 20000 / n;
}

static double kmm_fault_loop(struct mm_struct *mm, const unsigned long *addr,
			     unsigned int flags)
{
	uint64_t t0 = kmb_now_ns();

	for (unsigned long j = 0; j < NR_FAULTS; j++)
		handle_mm_fault(mm, addr[j], flags);
	return per_op(t0, NR_FAULTS);
}

static void bench_kmm(struct row *r, unsigned long span,
		      const unsigned long *addr)
{
	struct mm_struct *mm = mm_exec(0, 0), *child;
	unsigned long n = r->vmas, reps, i, swapped;
	unsigned long *look;
	uint64_t t0;

	if (!mm)
		return;
	mm->limits.max_map_count = 2 * n;	/* sysctl vm.max_map_count */
	for (i = 0; i < n; i++)
		do_mmap(mm, NULL, BASE_ADDR + i * 2 * span, span,
			PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);

	look = kmb_xmalloc(4096 * sizeof(*look));
	for (i = 0; i < 4096; i++)
		look[i] = BASE_ADDR + rnd(n) * 2 * span + rnd(span);
	t0 = kmb_now_ns();
	for (i = 0; i < NR_LOOKUPS; i++)
		if (!find_vma(mm, look[i & 4095]))
			break;
	r->kmm[OP_LOOKUP] = per_op(t0, i);
	r->steps = 0;
	for (i = 0; i < 4096; i++)
		r->steps += find_vma_steps(mm, look[i]);
	r->steps /= 4096;
	free(look);

	reps = fork_reps(n);
	t0 = kmb_now_ns();
	for (i = 0; i < reps; i++)
		mmput(dup_mm(mm));
	r->kmm[OP_FORK] = per_op(t0, reps);

	r->kmm[OP_ZERO] = kmm_fault_loop(mm, addr, FAULT_FLAG_WRITE);
	child = dup_mm(mm);
	if (child) {
		r->kmm[OP_COW] = kmm_fault_loop(child, addr,
						FAULT_FLAG_WRITE);
		mmput(child);
	}
	while (mm_reclaim(NR_FAULTS))
		;
	swapped = (unsigned long)mm->rss_stat[MM_SWAPENTS];
	t0 = kmb_now_ns();
	for (unsigned long j = 0; j < NR_FAULTS; j++)
		handle_mm_fault(mm, addr[j], 0);
	r->kmm[OP_SWAPIN] = swapped == NR_FAULTS ? per_op(t0, swapped) : NAN;
	mmput(mm);
}

/* The same on the host kernel.  Returns -1 if mappings fail. */
static int bench_host(struct row *r, unsigned long span,
		      const unsigned long *addr)
{
	unsigned long n = r->vmas, reps, i, len = n * 2 * span;
	volatile char *p;
	int fds[2];
	uint64_t t0;
	char *base;

	if (n > 60000)
		return -1;
	base = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	for (i = 0; i < n; i++)
		if (mprotect(base + i * 2 * span, span,
			     PROT_READ | PROT_WRITE))
			goto out;

	reps = fork_reps(n);
	t0 = kmb_now_ns();
	for (i = 0; i < reps; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid)
			goto out;
	}
	r->host[OP_FORK] = per_op(t0, reps);

	t0 = kmb_now_ns();
	for (unsigned long j = 0; j < NR_FAULTS; j++) {
		p = base + (addr[j] - BASE_ADDR);
		*p = 1;
	}
	r->host[OP_ZERO] = per_op(t0, NR_FAULTS);

	if (pipe(fds) == 0) {
		pid_t pid = fork();
		double ns = NAN;

		if (pid == 0) {
			t0 = kmb_now_ns();
			for (unsigned long j = 0; j < NR_FAULTS; j++) {
				p = base + (addr[j] - BASE_ADDR);
				*p = 2;
			}
			ns = per_op(t0, NR_FAULTS);
			if (write(fds[1], &ns, sizeof(ns)) != sizeof(ns))
				_exit(1);
			_exit(0);
		}
		if (pid > 0) {
			if (read(fds[0], &ns, sizeof(ns)) == sizeof(ns))
				r->host[OP_COW] = ns;
			waitpid(pid, NULL, 0);
		}
		close(fds[0]);
		close(fds[1]);
	}
out:
	munmap(base, len);
	return 0;
}

/* Run the host side of @r in a fresh kmbench process. */
static void bench_host_fresh(struct row *r)
{
	char exe[4096], cmd[4200];
	double v[NR_OPS];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *fp;

	if (len <= 0)
		return;
	exe[len] = 0;
	snprintf(cmd, sizeof(cmd), "KMB_BENCH_FAULT_HOST=%lu '%s' bench fault",
		 r->vmas, exe);
	fp = popen(cmd, "r");
	if (!fp)
		return;
	if (fscanf(fp, "%la %la %la %la %la", &v[0], &v[1], &v[2], &v[3],
		   &v[4]) == NR_OPS)
		memcpy(r->host, v, sizeof(v));
	pclose(fp);
}

/* The child side: measure one row, print the numbers as hex floats. */
static int bench_host_child(const char *arg)
{
	struct row r = { 0 };
	unsigned long *addr, span;
	uint64_t n;

	if (!kmb_parse_u64(arg, &n, false) || !n)
		return KMB_EX_USAGE;
	r.vmas = n;
	for (int op = 0; op < NR_OPS; op++)
		r.host[op] = NAN;
	span = DIV_ROUND_UP(NR_FAULTS, n) * PG;
	addr = fault_addrs(n, span);
	bench_host(&r, span, addr);
	free(addr);
	for (int op = 0; op < NR_OPS; op++)
		printf("%a ", r.host[op]);
	printf("\n");
	return 0;
}

static void print_cell(double v)
{
	if (isnan(v))
		printf(" %9s", "-");
	else
		printf(" %9.0f", v);
}

static void print_ratio(double kmm, double host)
{
	if (isnan(kmm) || isnan(host) || host <= 0)
		printf(" %6s", "-");
	else
		printf(" %5.2fx", kmm / host);
}

static void print_table(const struct row *rows, int nr)
{
	printf("page faults, %lu per row, ns per operation "
	       "(ratio = kmm / host kernel)\n", NR_FAULTS);
	printf("%7s %6s %9s %9s | %9s %9s %6s | %9s %9s %6s | %9s | "
	       "%9s %9s %6s\n", "VMAs", "steps", "find_vma", "ns/log2n",
	       "zero-kmm", "host", "ratio", "cow-kmm", "host", "ratio",
	       "swap-in", "fork-kmm", "host", "ratio");
	for (int i = 0; i < nr; i++) {
		const struct row *r = &rows[i];

		printf("%7lu %6.1f", r->vmas, r->steps);
		print_cell(r->kmm[OP_LOOKUP]);
		printf(" %9.2f |", r->kmm[OP_LOOKUP] / log2((double)r->vmas));
		print_cell(r->kmm[OP_ZERO]);
		print_cell(r->host[OP_ZERO]);
		print_ratio(r->kmm[OP_ZERO], r->host[OP_ZERO]);
		printf(" |");
		print_cell(r->kmm[OP_COW]);
		print_cell(r->host[OP_COW]);
		print_ratio(r->kmm[OP_COW], r->host[OP_COW]);
		printf(" |");
		print_cell(r->kmm[OP_SWAPIN]);
		printf(" |");
		print_cell(r->kmm[OP_FORK]);
		print_cell(r->host[OP_FORK]);
		print_ratio(r->kmm[OP_FORK], r->host[OP_FORK]);
		printf("\n");
	}
	printf("find_vma %lu -> %lu VMAs: %.1fx the tree steps for %.1fx the "
	       "log2(VMAs) (logarithmic); %.1fx the time (cache misses grow "
	       "with the tree)\n", rows[0].vmas, rows[nr - 1].vmas,
	       rows[nr - 1].steps / rows[0].steps,
	       log2((double)rows[nr - 1].vmas) / log2((double)rows[0].vmas),
	       rows[nr - 1].kmm[OP_LOOKUP] / rows[0].kmm[OP_LOOKUP]);
}

static void json_pair(struct json_writer *w, const char *alloc,
		      const char *op, unsigned long vmas, double ns)
{
	if (isnan(ns))
		return;
	json_object_begin(w);
	json_kv_string(w, "allocator", alloc);
	json_kv_string(w, "op", op);
	json_kv_uint(w, "size", vmas);
	json_kv_double(w, "ns_per_pair", ns);
	json_object_end(w);
}

static void print_json(const struct row *rows, int nr)
{
	struct json_writer w;

	json_init(&w, stdout, false);
	json_object_begin(&w);
	json_kv_string(&w, "bench", "fault");
	json_kv_uint(&w, "faults_per_row", NR_FAULTS);
	json_kv_string(&w, "size", "VMAs in the address space");
	json_key(&w, "pairs");
	json_array_begin(&w);
	for (int i = 0; i < nr; i++) {
		for (int op = 0; op < NR_OPS; op++) {
			json_pair(&w, "kmm", op_names[op], rows[i].vmas,
				  rows[i].kmm[op]);
			json_pair(&w, "host", op_names[op], rows[i].vmas,
				  rows[i].host[op]);
		}
	}
	json_array_end(&w);
	json_key(&w, "lookup");
	json_array_begin(&w);
	for (int i = 0; i < nr; i++) {
		json_object_begin(&w);
		json_kv_uint(&w, "vmas", rows[i].vmas);
		json_kv_double(&w, "steps", rows[i].steps);
		json_kv_double(&w, "ns", rows[i].kmm[OP_LOOKUP]);
		json_kv_double(&w, "ns_per_log2",
			       rows[i].kmm[OP_LOOKUP] /
			       log2((double)rows[i].vmas));
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	json_finish(&w);
}

int bench_fault(bool json)
{
	static const unsigned long counts[] = { 10, 100, 1000, 10000, 100000 };
	struct row rows[ARRAY_SIZE(counts)];
	const char *host_child = getenv("KMB_BENCH_FAULT_HOST");
	bool own_mem = !kmm_mem_ready();
	int nr = (int)ARRAY_SIZE(counts);

	if (host_child)
		return bench_host_child(host_child);
	if (own_mem && kmm_mem_init(NULL)) {
		kmb_warn("bench fault: cannot set up simulated memory");
		return KMB_EX_SOFTWARE;
	}
	if (mm_subsys_init()) {
		kmb_warn("bench fault: cannot set up address spaces");
		return KMB_EX_SOFTWARE;
	}
	for (int i = -1; i < nr; i++) {	/* -1: an untimed warm-up */
		unsigned long n = counts[i < 0 ? 0 : i];
		unsigned long span = DIV_ROUND_UP(NR_FAULTS, n) * PG;
		unsigned long *addr = fault_addrs(n, span);

		struct row *r = &rows[i < 0 ? 0 : i];

		r->vmas = n;
		for (int op = 0; op < NR_OPS; op++)
			r->kmm[op] = r->host[op] = NAN;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "bench fault: %lu VMAs...\n", n);
		bench_kmm(r, span, addr);
		free(addr);
		if (i >= 0)
			bench_host_fresh(r);
	}
	if (json)
		print_json(rows, nr);
	else
		print_table(rows, nr);
	mm_subsys_exit();
	if (own_mem) {
		kmem_cache_exit();
		kmm_mem_exit();
	}
	return 0;
}
