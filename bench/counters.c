// SPDX-License-Identifier: GPL-2.0
/*
 * bench/counters.c - perf_event_open counters, encoded by libpfm4.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"

#if HAVE_PFM
#include <perfmon/pfmlib_perf_event.h>
#endif

const char *const counters_hw_names[CNT_HW_NR] = {
	"cycles", "instructions", "dtlb_load_misses", "page_walks",
	"llc_misses",
};

const char *const counters_sw_names[CNT_SW_NR] = {
	"task_clock_ns", "page_faults", "context_switches",
};

/* libpfm4 names per event: generic first, then Intel and AMD walk events */
static const char *const pfm_names[CNT_HW_NR][3] = {
	{ "perf::CYCLES", NULL, NULL },
	{ "perf::INSTRUCTIONS", NULL, NULL },
	{ "perf::DTLB-LOAD-MISSES", NULL, NULL },
	{ "DTLB_LOAD_MISSES:WALK_COMPLETED", "ls_tablewalker:dside", NULL },
	{ "perf::LLC-LOAD-MISSES", NULL, NULL },
};

static int perf_open(struct perf_event_attr *a)
{
	a->size = sizeof(*a);
	a->disabled = 1;
	a->inherit = 1;
	a->exclude_kernel = 1;
	a->exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, a, 0, -1, -1, 0);
}

/* Fallback encodings when libpfm4 is not built in */
static bool generic_attr(int i, struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	switch (i) {
	case 0:
		a->type = PERF_TYPE_HARDWARE;
		a->config = PERF_COUNT_HW_CPU_CYCLES;
		return true;
	case 1:
		a->type = PERF_TYPE_HARDWARE;
		a->config = PERF_COUNT_HW_INSTRUCTIONS;
		return true;
	case 2:
		a->type = PERF_TYPE_HW_CACHE;
		a->config = PERF_COUNT_HW_CACHE_DTLB |
			    (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			    (PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
		return true;
	case 4:
		a->type = PERF_TYPE_HW_CACHE;
		a->config = PERF_COUNT_HW_CACHE_LL |
			    (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			    (PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
		return true;
	}
	return false;
}

static bool encode(int i, struct perf_event_attr *a)
{
#if HAVE_PFM
	static int pfm_state;	/* 0 untried, 1 ok, -1 failed */

	if (!pfm_state)
		pfm_state = pfm_initialize() == PFM_SUCCESS ? 1 : -1;
	if (pfm_state > 0) {
		for (int k = 0; k < 3 && pfm_names[i][k]; k++) {
			pfm_perf_encode_arg_t arg;

			memset(a, 0, sizeof(*a));
			memset(&arg, 0, sizeof(arg));
			arg.attr = a;
			arg.size = sizeof(arg);
			if (pfm_get_os_event_encoding(pfm_names[i][k],
						      PFM_PLM3, PFM_OS_PERF_EVENT,
						      &arg) == PFM_SUCCESS)
				return true;
		}
	}
#endif
	return generic_attr(i, a);
}

void counters_start(struct counters *c, struct counters_result *r)
{
	static const unsigned long long sw_cfg[CNT_SW_NR] = {
		PERF_COUNT_SW_TASK_CLOCK, PERF_COUNT_SW_PAGE_FAULTS,
		PERF_COUNT_SW_CONTEXT_SWITCHES,
	};
	struct perf_event_attr a;
	int nhw = 0, nsw = 0, first_err = 0;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < CNT_HW_NR; i++) {
		c->hw_fd[i] = -1;
		if (!encode(i, &a))
			continue;
		c->hw_fd[i] = perf_open(&a);
		if (c->hw_fd[i] >= 0)
			nhw++;
		else if (!first_err)
			first_err = errno;
	}
	if (!nhw)
		snprintf(r->hw_reason, sizeof(r->hw_reason),
			 "unavailable: perf_event_open(cycles): %s%s",
			 strerror(first_err ? first_err : ENOENT),
			 first_err == ENOENT || first_err == EOPNOTSUPP ?
			 " (no hardware PMU, e.g. a virtual machine)" : "");
	first_err = 0;
	for (int i = 0; i < CNT_SW_NR; i++) {
		memset(&a, 0, sizeof(a));
		a.type = PERF_TYPE_SOFTWARE;
		a.config = sw_cfg[i];
		c->sw_fd[i] = perf_open(&a);
		if (c->sw_fd[i] >= 0)
			nsw++;
		else if (!first_err)
			first_err = errno;
	}
	if (!nsw)
		snprintf(r->sw_reason, sizeof(r->sw_reason),
			 "unavailable: perf_event_open(task-clock): %s%s",
			 strerror(first_err),
			 first_err == EACCES || first_err == EPERM ?
			 " (see /proc/sys/kernel/perf_event_paranoid)" : "");
	for (int i = 0; i < CNT_HW_NR; i++)
		if (c->hw_fd[i] >= 0)
			ioctl(c->hw_fd[i], PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < CNT_SW_NR; i++)
		if (c->sw_fd[i] >= 0)
			ioctl(c->sw_fd[i], PERF_EVENT_IOC_ENABLE, 0);
}

static bool read_close(int fd, uint64_t *v)
{
	bool ok;

	if (fd < 0)
		return false;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	ok = read(fd, v, sizeof(*v)) == sizeof(*v);
	close(fd);
	return ok;
}

void counters_stop(struct counters *c, struct counters_result *r)
{
	for (int i = 0; i < CNT_HW_NR; i++)
		r->hw_ok[i] = read_close(c->hw_fd[i], &r->hw[i]);
	for (int i = 0; i < CNT_SW_NR; i++)
		r->sw_ok[i] = read_close(c->sw_fd[i], &r->sw[i]);
}
