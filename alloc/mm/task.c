// SPDX-License-Identifier: GPL-2.0
/*
 * alloc/mm/task.c - one address space per simulated process id, for the
 * replay engine: a trace's mmap/munmap/brk/fault events name a pid, its
 * fork/exec/exit events create, replace and drop the pid's mm.
 *
 * Each pid also has a descriptor table (fd -> struct kmm_file), for the
 * file mappings of the trace: the trace has no inodes, so a file is known
 * by the pid and descriptor that mapped it.  Fork copies the table (the
 * child shares its parent's files, so their page cache), exec keeps it,
 * exit drops it.
 *
 * Lock order: task_lock -> mm_big_lock.  The tables map pid -> mm and
 * pid -> fd table; an fd table holds one reference on each of its files.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static pthread_mutex_t task_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kmm_ulmap tasks;
static struct kmm_ulmap fdtabs;		/* pid -> struct kmm_ulmap * */

/* Drop @pid's descriptor table. */
static void fdtab_drop(int pid)
{
	struct kmm_ulmap *t = ulmap_get(&fdtabs, (unsigned long)pid);
	unsigned long i;

	if (!t)
		return;
	ulmap_del(&fdtabs, (unsigned long)pid);
	mm_lock_all();		/* a last put frees the page cache */
	ulmap_for_each(t, i)
		kmm_file_put(t->vals[i]);
	mm_unlock_all();
	ulmap_free(t);
	free(t);
}

/* Give @pid a copy of @ppid's descriptor table (none: none). */
static int fdtab_copy(int ppid, int pid)
{
	struct kmm_ulmap *from = ulmap_get(&fdtabs, (unsigned long)ppid), *t;
	unsigned long i;

	fdtab_drop(pid);
	if (!from)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t || ulmap_put(&fdtabs, (unsigned long)pid, t)) {
		free(t);
		return -ENOMEM;
	}
	ulmap_for_each(from, i) {
		if (ulmap_put(t, from->keys[i], from->vals[i]))
			return -ENOMEM;
		kmm_file_get(from->vals[i]);
	}
	return 0;
}

struct kmm_file *mm_task_file(int pid, int fd, unsigned long size)
{
	struct kmm_ulmap *t;
	struct kmm_file *f = NULL;
	char path[48];

	pthread_mutex_lock(&task_lock);
	t = ulmap_get(&fdtabs, (unsigned long)pid);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t || ulmap_put(&fdtabs, (unsigned long)pid, t)) {
			free(t);
			goto out;
		}
	}
	f = ulmap_get(t, (unsigned long)fd);
	if (!f) {
		snprintf(path, sizeof(path), "trace:%d/fd%d", pid, fd);
		f = kmm_file_create(path, size);
		if (f && ulmap_put(t, (unsigned long)fd, f)) {
			kmm_file_put(f);
			f = NULL;
		}
	}
	if (f) {
		mm_lock_all();		/* faults read f->size */
		if (f->size < size)
			f->size = size;
		mm_unlock_all();
	}
out:
	pthread_mutex_unlock(&task_lock);
	return f;
}

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
	if (!ret)
		ret = fdtab_copy(ppid, pid);
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
	fdtab_drop(pid);
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
	ulmap_for_each(&fdtabs, i) {
		struct kmm_ulmap *t = fdtabs.vals[i];
		unsigned long j;

		mm_lock_all();
		ulmap_for_each(t, j)
			kmm_file_put(t->vals[j]);
		mm_unlock_all();
		ulmap_free(t);
		free(t);
	}
	ulmap_free(&fdtabs);
	pthread_mutex_unlock(&task_lock);
}
