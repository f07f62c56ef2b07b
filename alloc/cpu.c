// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.c - simulated CPU ids (see kmm/cpu.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "kmm/cpu.h"

__thread int kmm_cpu_id;
int kmm_nr_cpu_ids = 1;

void kmm_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= kmm_nr_cpu_ids) {
		fprintf(stderr, "kmm: CPU %d out of range (0..%d)\n", cpu,
			kmm_nr_cpu_ids - 1);
		abort();
	}
	kmm_cpu_id = cpu;
}

int kmm_set_nr_cpus(int nr)
{
	if (nr < 1 || nr > KMM_MAX_CPUS)
		return -EINVAL;
	kmm_nr_cpu_ids = nr;
	return 0;
}

void kmm_spinlock_init(pthread_mutex_t *lock)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
#ifdef PTHREAD_MUTEX_ADAPTIVE_NP
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	pthread_mutex_init(lock, &attr);
	pthread_mutexattr_destroy(&attr);
}
