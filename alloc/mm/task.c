// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/task.c - one address space per simulated process id, for the
 * replay engine: a trace's mmap/munmap/brk/fault events name a pid, its
 * fork/exec/exit events create, replace and drop the pid's mm.
 *
 * Lock order: task_lock -> mm_big_lock.  The table maps pid -> mm.
 */
#include <pthread.h>

#include "internal.h"

static pthread_mutex_t task_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmm_ulmap tasks;

/* Give @pid the mm @mm (NULL: none), dropping the old one. */
static int set_mm(int pid, struct mm_struct *mm)
{
	struct mm_struct *old = ulmap_get(&tasks, (unsigned long)pid);

	if (old) {
		ulmap_del(&tasks, (unsigned long)pid);
		mmput(old);
	}
	if (!mm)
		return 0;
	mm->pid = pid;
	if (ulmap_put(&tasks, (unsigned long)pid, mm)) {
		mmput(mm);
		return -ENOMEM;
	}
	return 0;
}

struct mm_struct *mm_task_get(int pid)
{
	struct mm_struct *mm;

	pthread_mutex_lock(&task_lock);
	mm = ulmap_get(&tasks, (unsigned long)pid);
	if (!mm) {
		mm = mm_exec(0, 0);
		if (mm && set_mm(pid, mm))
			mm = NULL;
	}
	pthread_mutex_unlock(&task_lock);
	return mm;
}

int mm_task_fork(int ppid, int pid)
{
	struct mm_struct *parent = mm_task_get(ppid), *child;
	int ret = -ENOMEM;

	if (!parent)
		return ret;
	pthread_mutex_lock(&task_lock);
	child = dup_mm(parent);
	if (child)
		ret = set_mm(pid, child);
	pthread_mutex_unlock(&task_lock);
	return ret;
}

int mm_task_exec(int pid)
{
	struct mm_struct *mm = mm_exec(0, 0);
	int ret;

	if (!mm)
		return -ENOMEM;
	pthread_mutex_lock(&task_lock);
	ret = set_mm(pid, mm);
	pthread_mutex_unlock(&task_lock);
	return ret;
}

void mm_task_exit(int pid)
{
	pthread_mutex_lock(&task_lock);
	set_mm(pid, NULL);
	pthread_mutex_unlock(&task_lock);
}

void mm_task_fault_totals(struct mm_fault_stats *out)
{
	unsigned long i;

	pthread_mutex_lock(&task_lock);
	mm_lock_all();
	*out = exited_fault_stats;
	ulmap_for_each(&tasks, i)
		fault_stats_add(out, &((struct mm_struct *)tasks.vals[i])->
				fault_stats);
	mm_unlock_all();
	pthread_mutex_unlock(&task_lock);
}

int mm_task_for_each(int (*fn)(int pid, struct mm_struct *mm, void *arg),
		     void *arg)
{
	unsigned long i;
	int ret = 0;

	pthread_mutex_lock(&task_lock);
	ulmap_for_each(&tasks, i) {
		ret = fn((int)tasks.keys[i], tasks.vals[i], arg);
		if (ret)
			break;
	}
	pthread_mutex_unlock(&task_lock);
	return ret;
}

void mm_task_exit_all(void)
{
	unsigned long i;

	pthread_mutex_lock(&task_lock);
	ulmap_for_each(&tasks, i)
		mmput(tasks.vals[i]);
	ulmap_free(&tasks);
	pthread_mutex_unlock(&task_lock);
}
