// SPDX-License-Identifier: GPL-2.0
/*
 * bench/backends/host_vm.c under threads, as percpu replay runs it: each
 * thread replays processes of its own (mmap, faults, fork, exit), and all
 * of them also map, fault and unmap ranges of their own in one shared pid
 * (the pid's lock keeps its table whole).  The mapped bytes add up.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "backends/host_vm.h"
#include "harness.h"
#include "kmt/trace.h"

#define NTHREADS	4
#define ROUNDS		3000
#define PG		4096ULL
#define SHARED_PID	999

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

static int do_mmap(uint32_t pid, uint64_t addr, uint64_t len)
{
	return vm_ev(ROP_MMAP, pid, addr, len,
		     kmt_mmap_arg(PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1), 0);
}

static int errors[NTHREADS];

static void *worker(void *arg)
{
	unsigned int k = (unsigned int)(uintptr_t)arg, seed = 77 + k;
	uint32_t pid = 1000 + k * 2, child = pid + 1;
	uint64_t own = 0x7f0000000000ULL + ((uint64_t)k << 32);
	uint64_t shared = 0x600000000000ULL + ((uint64_t)k << 32);

	for (int r = 0; r < ROUNDS; r++) {
		unsigned int n = 1 + (unsigned int)rand_r(&seed) % 8;
		uint64_t at = own + (uint64_t)(rand_r(&seed) % 64) * PG;

		errors[k] += do_mmap(pid, at, n * PG) != 0;
		errors[k] += vm_ev(ROP_FAULT, pid, at, 0, 6, 0) != 0;
		errors[k] += do_mmap(SHARED_PID, shared, 2 * PG) != 0;
		errors[k] += vm_ev(ROP_FAULT, SHARED_PID, shared + PG, 0, 6,
				   0) != 0;
		errors[k] += !host_vm_translate(SHARED_PID, shared, NULL);
		errors[k] += vm_ev(ROP_MUNMAP, SHARED_PID, shared, 2 * PG, 0,
				   0) != 0;
		if (r % 10 == 9) {
			errors[k] += vm_ev(ROP_FORK, pid, pid, 0, child, 0) != 0;
			errors[k] += vm_ev(ROP_FAULT, child, at, 0, 6, 0) != 0;
			errors[k] += vm_ev(ROP_EXIT, child, child, 0, 0, 0) != 0;
		}
		if (r % 50 == 49)
			errors[k] += vm_ev(ROP_EXEC, pid, pid, 0, pid, 0) != 0;
	}
	errors[k] += vm_ev(ROP_EXIT, pid, pid, 0, 0, 0) != 0;
	return NULL;
}

TEST(threads_replay_their_processes_and_share_one)
{
	pthread_t t[NTHREADS];
	struct replay_host_vm h;

	REQUIRE(host_vm_init() == 0);
	for (unsigned int k = 0; k < NTHREADS; k++)
		REQUIRE(pthread_create(&t[k], NULL, worker,
				       (void *)(uintptr_t)k) == 0);
	for (unsigned int k = 0; k < NTHREADS; k++) {
		pthread_join(t[k], NULL);
		CHECK_EQ(errors[k], 0);
	}
	host_vm_totals(&h);
	CHECK_UEQ(h.mapped_bytes, 0);
	CHECK(h.peak_mapped_bytes > 0);
	CHECK_UEQ(h.faults, NTHREADS * (ROUNDS * 2 + ROUNDS / 10));
	CHECK_UEQ(h.segv_maperr + h.segv_accerr, 0);
	CHECK_UEQ(h.host_errors, 0);
	host_vm_exit();
}
