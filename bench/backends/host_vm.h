/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/backends/host_vm.h - the baselines' replay of process events
 * (mmap, munmap, brk, mprotect, mremap, fault, fork, exec, exit) through
 * the host kernel: one table per traced pid of its mappings, each a traced
 * range backed by a host mapping of its own.  See host_vm.c.
 *
 * Abbreviations: hvm = host VM; task = a traced pid's table.
 */
#ifndef KMB_HOST_VM_H
#define KMB_HOST_VM_H

#include <stdint.h>

#include "backend.h"
#include "replay.h"

/* Map the task table (harness memory); 0 or -ENOMEM */
int host_vm_init(void);

/* Unmap every task's host mappings and the table */
void host_vm_exit(void);

/*
 * Replay process event @e (op >= ROP_MMAP) with its record @v: 0, or
 * -errno when the event fails here (a fault the mapping does not permit,
 * a host mapping the host refused ...).  Any thread may call it: each
 * event takes its pid's lock (fork both pids'), so events of one pid are
 * serialised here; their order is the caller's (replay's sync edges).
 */
int host_vm_event(const struct replay_ev *e, const struct replay_vm *v);

/* Totals so far (all tasks, alive or exited) */
void host_vm_totals(struct replay_host_vm *out);

/*
 * The host address of traced address @addr of @pid and its PROT_* bits
 * in *@prot; NULL when @addr is not mapped there (tests).
 */
void *host_vm_translate(uint32_t pid, uint64_t addr, unsigned int *prot);

#endif /* KMB_HOST_VM_H */
