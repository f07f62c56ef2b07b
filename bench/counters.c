// SPDX-License-Identifier: GPL-2.0
/*
 * bench/counters.c - perf_event_open counters, encoded by libpfm4.
 *
 * Every counter counts user space only, in the opening thread and the
 * threads it creates later (inherit), and is read with its enabled and
 * running times, so that a counter the kernel multiplexed with others is
 * scaled to the whole interval.
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
#include "json.h"

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

/*
 * libpfm4 names per event: libpfm4's generic "perf" PMU for the events the
 * kernel has generic encodings of; page walks are model-specific: Intel's
 * completed data-side walks (Sandy Bridge on), AMD Zen 2-4's L1 dTLB
 * misses that also missed the L2 dTLB (each one starts a walk), Zen 1's
 * data-side table walker allocations.
 */
const char *const counters_pfm_names[CNT_HW_NR][4] = {
	{ "perf::CYCLES", NULL },
	{ "perf::INSTRUCTIONS", NULL },
	{ "perf::DTLB-LOAD-MISSES", NULL },
	{ "DTLB_LOAD_MISSES:WALK_COMPLETED",
	  "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_2M_L2_MISS:"
	  "TLB_RELOAD_1G_L2_MISS:TLB_RELOAD_COALESCED_PAGE_MISS",
	  "TABLEWALKER_ALLOCATION:ALLOC_DSIDE0:ALLOC_DSIDE1", NULL },
	{ "perf::LLC-LOAD-MISSES", NULL },
};

static int perf_open_syscall(struct perf_event_attr *a)
{
	return (int)syscall(SYS_perf_event_open, a, 0, -1, -1, 0);
}

int (*counters_open)(struct perf_event_attr *a) = perf_open_syscall;

static int perf_open(struct perf_event_attr *a)
{
	a->size = sizeof(*a);
	a->disabled = 1;
	a->inherit = 1;
	a->exclude_kernel = 1;
	a->exclude_hv = 1;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			 PERF_FORMAT_TOTAL_TIME_RUNNING;
	return counters_open(a);
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

bool counters_encode(int i, struct perf_event_attr *a)
{
#if HAVE_PFM
	static int pfm_state;	/* 0 untried, 1 ok, -1 failed */

	if (!pfm_state)
		pfm_state = pfm_initialize() == PFM_SUCCESS ? 1 : -1;
	if (pfm_state > 0) {
		for (int k = 0; counters_pfm_names[i][k]; k++) {
			pfm_perf_encode_arg_t arg;

			memset(a, 0, sizeof(*a));
			memset(&arg, 0, sizeof(arg));
			arg.attr = a;
			arg.size = sizeof(arg);
			if (pfm_get_os_event_encoding(counters_pfm_names[i][k],
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
		if (!counters_encode(i, &a))
			continue;
		c->hw_fd[i] = perf_open(&a);
		if (c->hw_fd[i] >= 0)
			nhw++;
		else if (!first_err)
			first_err = errno;
	}
	if (!first_err)
		first_err = ENOENT;	/* nothing could even be encoded */
	if (!nhw)
		snprintf(r->hw_reason, sizeof(r->hw_reason),
			 "unavailable: perf_event_open(cycles): %s%s",
			 strerror(first_err),
			 first_err == ENOENT || first_err == EOPNOTSUPP ?
			 " (no hardware PMU, e.g. a virtual machine)" :
			 first_err == EACCES || first_err == EPERM ?
			 " (see /proc/sys/kernel/perf_event_paranoid)" : "");
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
			 strerror(first_err ? first_err : ENOENT),
			 first_err == EACCES || first_err == EPERM ?
			 " (see /proc/sys/kernel/perf_event_paranoid)" : "");
	for (int i = 0; i < CNT_HW_NR; i++)
		if (c->hw_fd[i] >= 0)
			ioctl(c->hw_fd[i], PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < CNT_SW_NR; i++)
		if (c->sw_fd[i] >= 0)
			ioctl(c->sw_fd[i], PERF_EVENT_IOC_ENABLE, 0);
}

/* value, time enabled, time running (read_format of perf_open) */
static bool read_close(int fd, uint64_t *v)
{
	uint64_t buf[3];
	bool ok;

	if (fd < 0)
		return false;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	ok = read(fd, buf, sizeof(buf)) == sizeof(buf) && buf[2];
	close(fd);
	if (!ok)
		return false;
	*v = buf[2] >= buf[1] ? buf[0] :
	     (uint64_t)((double)buf[0] * (double)buf[1] / (double)buf[2]);
	return true;
}

void counters_stop(struct counters *c, struct counters_result *r)
{
	for (int i = 0; i < CNT_HW_NR; i++)
		r->hw_ok[i] = read_close(c->hw_fd[i], &r->hw[i]);
	for (int i = 0; i < CNT_SW_NR; i++)
		r->sw_ok[i] = read_close(c->sw_fd[i], &r->sw[i]);
}

void counters_json(struct json_writer *w, const struct counters_result *c)
{
	bool any = false;

	json_key(w, "counters");
	json_object_begin(w);
	for (int i = 0; i < CNT_HW_NR; i++)
		any |= c->hw_ok[i];
	if (!any) {
		json_kv_string(w, "hardware", c->hw_reason[0] ? c->hw_reason :
			       "unavailable: no hardware event could be read");
	} else {
		json_key(w, "hardware");
		json_object_begin(w);
		for (int i = 0; i < CNT_HW_NR; i++)
			if (c->hw_ok[i])
				json_kv_uint(w, counters_hw_names[i], c->hw[i]);
			else
				json_kv_string(w, counters_hw_names[i],
					       "unavailable");
		json_object_end(w);
	}
	any = false;
	for (int i = 0; i < CNT_SW_NR; i++)
		any |= c->sw_ok[i];
	if (!any) {
		json_kv_string(w, "software", c->sw_reason[0] ? c->sw_reason :
			       "unavailable: no software event could be read");
	} else {
		json_key(w, "software");
		json_object_begin(w);
		for (int i = 0; i < CNT_SW_NR; i++)
			if (c->sw_ok[i])
				json_kv_uint(w, counters_sw_names[i], c->sw[i]);
		json_object_end(w);
	}
	json_object_end(w);
}
