/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmm/cpu.h - simulated CPUs.
 *
 * A "CPU" in kmm is a small integer owned by the calling thread.  The replay
 * engine runs one thread per traced CPU and calls kmm_set_cpu() in each; a
 * program that never calls it runs on CPU 0.  Per-CPU data (page lists, slab
 * CPU caches, TLBs) is indexed by smp_processor_id() and is only touched by
 * the thread that owns that id, so it needs no lock: two threads must never
 * claim the same id at the same time.
 *
 * kmm_nr_cpus() is the number of CPUs the simulated machine has (it sizes
 * SLUB geometry and pcp batches); it is set once with kmm_set_nr_cpus()
 * before the allocators are initialised.
 */
#ifndef KMM_CPU_H
#define KMM_CPU_H

#include <pthread.h>

#include "compiler.h"

#define KMM_MAX_CPUS	256

extern __thread int kmm_cpu_id;
extern int kmm_nr_cpu_ids;

static inline int smp_processor_id(void)
{
	return kmm_cpu_id;
}

/* Claim CPU @cpu for the calling thread (0 <= cpu < kmm_nr_cpus()). */
void kmm_set_cpu(int cpu);

static inline int kmm_nr_cpus(void)
{
	return kmm_nr_cpu_ids;
}

/* Set the simulated CPU count (1..KMM_MAX_CPUS); returns 0 or -EINVAL. */
int kmm_set_nr_cpus(int nr);

/*
 * Initialise a lock that the kernel makes a spinlock (zone->lock, a slab
 * node's list_lock, the barn's lock): held for a few hundred nanoseconds,
 * so a waiter spins a while before it sleeps (glibc's adaptive mutex).
 * A plain mutex puts the waiter to sleep at once, and waking it costs tens
 * of microseconds, inside the measured call.
 */
void kmm_spinlock_init(pthread_mutex_t *lock);

#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < kmm_nr_cpu_ids; (cpu)++)

#endif /* KMM_CPU_H */
