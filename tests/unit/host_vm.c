// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for bench/backends/host_vm.c, the baselines' replay of process
 * events through the host kernel: the table of each traced pid's mappings
 * against a page-by-page model, what the host memory holds after fork,
 * mremap and munmap, failed faults that touch nothing, premapping as kmm
 * premaps, brk, and exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/host_vm.h"
#include "harness.h"
#include "kmt/trace.h"

#define PG	4096ULL
#define BASE	0x7f0000000000ULL

static int vm_ev(unsigned int op, uint32_t pid, uint64_t addr, uint64_t len,
		 uint64_t arg, uint64_t ret)
{
	struct replay_ev e = { .op = (uint8_t)op };
	struct replay_vm v = {
		.addr = addr, .len = len, .arg = arg, .ret = ret, .pid = pid,
		.prev = REPLAY_NO_SLOT,
	};

	return host_vm_event(&e, &v);
}

static int do_mmap(uint32_t pid, uint64_t addr, uint64_t len,
		   unsigned int prot, unsigned int flags)
{
	return vm_ev(ROP_MMAP, pid, addr, len, kmt_mmap_arg(prot, flags, -1),
		     0);
}

static int fault(uint32_t pid, uint64_t addr, bool write)
{
	return vm_ev(ROP_FAULT, pid, addr, 0, write ? 6 : 4, 0);
}

static uint8_t *host(uint32_t pid, uint64_t addr)
{
	return host_vm_translate(pid, addr, NULL);
}

static struct replay_host_vm totals(void)
{
	struct replay_host_vm h;

	host_vm_totals(&h);
	return h;
}

#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)
#define RW	(PROT_READ | PROT_WRITE)

TEST(a_fault_writes_the_mapping_and_a_forbidden_one_fails)
{
	REQUIRE(host_vm_init() == 0);
	CHECK_EQ(do_mmap(1, BASE, 4 * PG, RW, ANON), 0);
	CHECK_UEQ(totals().mapped_bytes, 4 * PG);
	CHECK_EQ(fault(1, BASE + PG, true), 0);
	REQUIRE(host(1, BASE + PG));
	host(1, BASE + PG)[7] = 0x5a;
	CHECK_EQ(vm_ev(ROP_MPROTECT, 1, BASE, 2 * PG, PROT_READ, 0), 0);
	/* a write to read-only memory fails without touching it */
	CHECK_EQ(fault(1, BASE + PG, true), -EFAULT);
	CHECK_EQ(fault(1, BASE + PG, false), 0);
	CHECK_EQ(host(1, BASE + PG)[7], 0x5a);
	/* below mmap_min_addr nothing is premapped */
	CHECK_EQ(fault(1, 0x1000, false), -EFAULT);
	CHECK_UEQ(totals().faults, 2);
	CHECK_UEQ(totals().segv_accerr, 1);
	CHECK_UEQ(totals().segv_maperr, 1);
	/* mprotect of a range with a hole fails, as the kernel's */
	CHECK_EQ(vm_ev(ROP_MPROTECT, 1, BASE, 8 * PG, PROT_READ, 0), -ENOMEM);
	host_vm_exit();
}

TEST(munmap_in_the_middle_splits_and_keeps_both_ends)
{
	REQUIRE(host_vm_init() == 0);
	CHECK_EQ(do_mmap(2, BASE, 3 * PG, RW, ANON), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(fault(2, BASE + i * PG, true), 0);
		host(2, BASE + i * PG)[0] = (uint8_t)(10 + i);
	}
	CHECK_EQ(vm_ev(ROP_MUNMAP, 2, BASE + PG, PG, 0, 0), 0);
	CHECK(host(2, BASE + PG) == NULL);
	CHECK_EQ(host(2, BASE)[0], 10);
	CHECK_EQ(host(2, BASE + 2 * PG)[0], 12);
	CHECK_UEQ(totals().mapped_bytes, 2 * PG);
	/* a fault in the hole premaps it anew (the hole only): fresh memory */
	CHECK_EQ(fault(2, BASE + PG, true), 0);
	CHECK_UEQ(totals().premapped, 1);
	CHECK_UEQ(totals().mapped_bytes, 3 * PG);
	CHECK_EQ(host(2, BASE + PG)[0], 0);
	CHECK_EQ(host(2, BASE)[0], 10);
	/* premapped memory takes an instruction fetch: widened to exec */
	CHECK_EQ(vm_ev(ROP_FAULT, 2, BASE + PG, 0, 0x14, 0), 0);
	CHECK_UEQ(totals().premap_widened, 1);
	/* ... until an mprotect says what it is */
	CHECK_EQ(vm_ev(ROP_MPROTECT, 2, BASE + PG, PG, PROT_READ, 0), 0);
	CHECK_EQ(fault(2, BASE + PG, true), -EFAULT);
	CHECK_UEQ(totals().premap_widened, 1);
	host_vm_exit();
}

TEST(fork_copies_private_memory_and_shares_shared_memory)
{
	unsigned int prot = 0;

	REQUIRE(host_vm_init() == 0);
	CHECK_EQ(do_mmap(3, BASE, 64 * PG, RW, ANON), 0);
	CHECK_EQ(do_mmap(3, BASE + 0x100000, PG, RW,
			 MAP_SHARED | MAP_ANONYMOUS), 0);
	CHECK_EQ(do_mmap(3, BASE + 0x200000, 2 * PG, PROT_READ, ANON), 0);
	CHECK_EQ(fault(3, BASE + 5 * PG, true), 0);
	CHECK_EQ(fault(3, BASE + 9 * PG, true), 0);
	host(3, BASE + 5 * PG)[1] = 55;
	host(3, BASE + 9 * PG)[2] = 99;
	CHECK_EQ(fault(3, BASE + 0x100000, true), 0);
	host(3, BASE + 0x100000)[0] = 1;
	CHECK_EQ(fault(3, BASE + 0x200000, false), 0);
	CHECK_EQ(vm_ev(ROP_FORK, 3, 3, 0, 4, 0), 0);
	/* the pages the parent touched, and nothing else, were copied */
	CHECK_UEQ(totals().fork_pages_copied, 3);
	CHECK_UEQ(totals().mapped_bytes, 2 * (64 + 1 + 2) * PG);
	CHECK_EQ(host(4, BASE + 5 * PG)[1], 55);
	CHECK_EQ(host(4, BASE + 9 * PG)[2], 99);
	CHECK(host(4, BASE + 5 * PG) != host(3, BASE + 5 * PG));
	CHECK(host_vm_translate(4, BASE + 0x200000, &prot));
	CHECK_EQ(prot, PROT_READ);
	CHECK_EQ(fault(4, BASE + 0x200000, true), -EFAULT);
	/* private: the child's write stays its own */
	CHECK_EQ(fault(4, BASE + 5 * PG, true), 0);
	host(4, BASE + 5 * PG)[1] = 66;
	CHECK_EQ(host(3, BASE + 5 * PG)[1], 55);
	/* shared: one set of pages */
	CHECK_EQ(host(4, BASE + 0x100000)[0], 1);
	host(4, BASE + 0x100000)[0] = 2;
	CHECK_EQ(host(3, BASE + 0x100000)[0], 2);
	/* exit: the child's mappings are gone, the parent's stay */
	CHECK_EQ(vm_ev(ROP_EXIT, 4, 4, 0, 0, 0), 0);
	CHECK(host(4, BASE + 5 * PG) == NULL);
	CHECK_UEQ(totals().mapped_bytes, (64 + 1 + 2) * PG);
	CHECK_EQ(host(3, BASE + 0x100000)[0], 2);
	/* exec: the parent's too */
	CHECK_EQ(vm_ev(ROP_EXEC, 3, 3, 0, 3, 0), 0);
	CHECK(host(3, BASE) == NULL);
	CHECK_UEQ(totals().mapped_bytes, 0);
	CHECK_UEQ(totals().peak_mapped_bytes, 2 * (64 + 1 + 2) * PG);
	host_vm_exit();
}

TEST(mremap_moves_the_contents_and_brk_grows_and_shrinks_the_heap)
{
	const uint64_t heap = 0x555555560000ULL;

	REQUIRE(host_vm_init() == 0);
	CHECK_EQ(do_mmap(5, BASE, 4 * PG, RW, ANON), 0);
	CHECK_EQ(fault(5, BASE + 2 * PG, true), 0);
	host(5, BASE + 2 * PG)[3] = 33;
	/* pages 2-3 move elsewhere and grow to 6 pages */
	CHECK_EQ(vm_ev(ROP_MREMAP, 5, BASE + 2 * PG, 2 * PG, 6 * PG,
		       BASE + 0x300000), 0);
	CHECK(host(5, BASE + 2 * PG) == NULL);
	CHECK(host(5, BASE + PG) != NULL);
	CHECK_EQ(host(5, BASE + 0x300000)[3], 33);
	CHECK(host(5, BASE + 0x300000 + 5 * PG) != NULL);
	CHECK_UEQ(totals().mapped_bytes, 8 * PG);
	/* an old range across two mappings fails */
	CHECK_EQ(vm_ev(ROP_MREMAP, 5, BASE, 4 * PG, 4 * PG, BASE), -EFAULT);

	CHECK_EQ(vm_ev(ROP_BRK, 5, 0, 0, 0, 0), 0);
	CHECK_EQ(vm_ev(ROP_BRK, 5, heap + 100, 0, 0, 0), 0);
	CHECK_UEQ(totals().mapped_bytes, 9 * PG);	/* [heap, heap + 100] */
	CHECK_EQ(vm_ev(ROP_BRK, 5, heap + 5 * PG, 0, 0, 0), 0);
	CHECK_UEQ(totals().mapped_bytes, 13 * PG);
	CHECK_EQ(fault(5, heap + 4 * PG, true), 0);
	host(5, heap + 4 * PG)[0] = 44;
	CHECK_EQ(fault(5, heap, true), 0);
	host(5, heap)[0] = 45;
	CHECK_EQ(vm_ev(ROP_BRK, 5, heap + 8 * PG, 0, 0, 0), 0);
	CHECK_EQ(host(5, heap + 4 * PG)[0], 44);	/* grown by mremap */
	CHECK_EQ(host(5, heap)[0], 45);
	CHECK_UEQ(totals().mapped_bytes, 16 * PG);
	CHECK_EQ(vm_ev(ROP_BRK, 5, heap + PG + 1, 0, 0, 0), 0);
	CHECK_UEQ(totals().mapped_bytes, 10 * PG);
	CHECK(host(5, heap + 2 * PG) == NULL);
	CHECK_EQ(host(5, heap)[0], 45);
	/* below the heap's start: refused, nothing changes */
	CHECK_EQ(vm_ev(ROP_BRK, 5, heap - PG, 0, 0, 0), 0);
	CHECK_UEQ(totals().mapped_bytes, 10 * PG);
	CHECK_EQ(vm_ev(ROP_EXIT, 5, 5, 0, 0, 0), 0);
	CHECK_UEQ(totals().mapped_bytes, 0);
	CHECK_UEQ(totals().host_errors, 0);
	host_vm_exit();
}

/* The VmFlags of the host mapping that holds @h has "nh" (no THP) */
static bool no_thp(const void *h)
{
	FILE *fp = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false, nh = false;

	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long lo, hi;

		/* a mapping's first line: "lo-hi perms ..." */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = (uintptr_t)h >= lo && (uintptr_t)h < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8))
			nh = strstr(line, " nh") != NULL;
	}
	fclose(fp);
	return nh;
}

/* kmm faults 4 KiB pages: no host mapping of 2 MiB or more may take a
 * transparent huge page (a host with THP "always" would clear 2 MiB) */
TEST(large_host_mappings_take_no_huge_pages)
{
	const uint64_t heap = 0x555555600000ULL, mib = 1ULL << 20;

	if (access("/sys/kernel/mm/transparent_hugepage", F_OK)) {
		th_skip("this kernel has no transparent huge pages");
		return;
	}
	REQUIRE(host_vm_init() == 0);
	CHECK_EQ(do_mmap(7, BASE, 4 * mib, RW, ANON), 0);
	CHECK_EQ(fault(7, BASE, true), 0);
	CHECK(no_thp(host(7, BASE)));
	CHECK_EQ(do_mmap(7, BASE + 8 * mib, mib, RW, ANON), 0);
	CHECK_EQ(vm_ev(ROP_MREMAP, 7, BASE + 8 * mib, mib, 3 * mib,
		       BASE + 16 * mib), 0);
	CHECK(no_thp(host(7, BASE + 16 * mib)));
	CHECK_EQ(vm_ev(ROP_BRK, 7, heap, 0, 0, 0), 0);
	CHECK_EQ(vm_ev(ROP_BRK, 7, heap + PG, 0, 0, 0), 0);
	CHECK_EQ(vm_ev(ROP_BRK, 7, heap + 3 * mib, 0, 0, 0), 0);
	CHECK(no_thp(host(7, heap + 2 * mib)));
	/* a premapped 2 MiB block, and a fork's copy */
	CHECK_EQ(fault(7, BASE + 64 * mib + 5, true), 0);
	CHECK(no_thp(host(7, BASE + 64 * mib)));
	CHECK_EQ(vm_ev(ROP_FORK, 7, 7, 0, 8, 0), 0);
	CHECK(no_thp(host(8, BASE)));
	host_vm_exit();
}

/*
 * Random mmap/munmap/mprotect/fault over 48 pages, against a model of
 * each page: mapped or not, its protection and the byte last written.
 */
TEST(random_operations_agree_with_a_page_model)
{
	enum { NP = 48 };
	struct { bool mapped; unsigned int prot; uint8_t tag; } m[NP];
	static const unsigned int prots[] = {
		PROT_NONE, PROT_READ, RW, PROT_READ | PROT_EXEC,
	};
	uint64_t mapped = 0;
	unsigned int seed = 12345;

	REQUIRE(host_vm_init() == 0);
	memset(m, 0, sizeof(m));
	for (int step = 0; step < 20000; step++) {
		unsigned int r = (unsigned int)rand_r(&seed);
		unsigned int a = r % NP, n = 1 + (r >> 8) % 6;
		unsigned int prot = prots[(r >> 12) % 4];
		uint64_t addr = BASE + a * PG;

		if (a + n > NP)
			n = NP - a;
		switch ((r >> 16) % 4) {
		case 0:
			REQUIRE(do_mmap(6, addr, n * PG, prot, ANON) == 0);
			for (unsigned int i = a; i < a + n; i++) {
				mapped += !m[i].mapped;
				m[i].mapped = true;
				m[i].prot = prot;
				m[i].tag = 0;
			}
			break;
		case 1:
			REQUIRE(vm_ev(ROP_MUNMAP, 6, addr, n * PG, 0, 0) == 0);
			for (unsigned int i = a; i < a + n; i++) {
				mapped -= m[i].mapped;
				m[i].mapped = false;
			}
			break;
		case 2: {
			bool whole = true;

			for (unsigned int i = a; i < a + n; i++)
				whole &= m[i].mapped;
			CHECK_EQ(vm_ev(ROP_MPROTECT, 6, addr, n * PG, prot,
				       0), whole ? 0 : -ENOMEM);
			for (unsigned int i = a; whole && i < a + n; i++)
				m[i].prot = prot;
			break;
		}
		default:
			if (!m[a].mapped)
				break;
			if (!(m[a].prot & PROT_WRITE)) {
				CHECK_EQ(fault(6, addr, true), -EFAULT);
				break;
			}
			REQUIRE(fault(6, addr, true) == 0);
			m[a].tag = (uint8_t)(r >> 24);
			host(6, addr)[a] = m[a].tag;
		}
		CHECK_UEQ(totals().mapped_bytes, mapped * PG);
		for (unsigned int i = 0; i < NP; i++) {
			unsigned int p = ~0U;
			uint8_t *h = host_vm_translate(6, BASE + i * PG, &p);

			if (!m[i].mapped) {
				if (h)
					th_fail(__FILE__, __LINE__,
						"step %d: page %u mapped", step,
						i);
				continue;
			}
			if (!h || p != m[i].prot) {
				th_fail(__FILE__, __LINE__, "step %d: page %u:"
					" %p prot %u, want %u", step, i,
					(void *)h, p, m[i].prot);
				goto out;
			}
			if (p && h[i] != m[i].tag) {
				th_fail(__FILE__, __LINE__, "step %d: page %u "
					"holds %u, want %u", step, i, h[i],
					m[i].tag);
				goto out;
			}
		}
	}
out:
	CHECK_UEQ(totals().segv_maperr, 0);
	CHECK_UEQ(totals().host_errors, 0);
	host_vm_exit();
}
