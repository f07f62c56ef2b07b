// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of bench/counters.c: the perf_event_attr of every hardware
 * counter (libpfm4's encoding against the kernel's generic events it must
 * equal), libpfm4 knowing every model-specific name tried, and the JSON
 * when perf_event_open refuses the hardware events (no PMU) but not the
 * software ones.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "counters.h"
#include "harness.h"
#include "json.h"
#include "jsonr.h"

#if HAVE_PFM
#include <perfmon/pfmlib_perf_event.h>
#endif

enum { HW_CYCLES, HW_INSTRUCTIONS, HW_DTLB, HW_WALKS, HW_LLC };

static const uint64_t cache_read_miss =
	(PERF_COUNT_HW_CACHE_OP_READ << 8) |
	(PERF_COUNT_HW_CACHE_RESULT_MISS << 16);

TEST(names_in_order)
{
	CHECK_STR_EQ(counters_hw_names[HW_CYCLES], "cycles");
	CHECK_STR_EQ(counters_hw_names[HW_INSTRUCTIONS], "instructions");
	CHECK_STR_EQ(counters_hw_names[HW_DTLB], "dtlb_load_misses");
	CHECK_STR_EQ(counters_hw_names[HW_WALKS], "page_walks");
	CHECK_STR_EQ(counters_hw_names[HW_LLC], "llc_misses");
}

/* The events the kernel has generic encodings of: exactly those */
TEST(generic_events_encode_to_the_kernels_types)
{
	static const struct {
		int i;
		uint32_t type;
		uint64_t config;
	} want[] = {
		{ HW_CYCLES, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
		{ HW_INSTRUCTIONS, PERF_TYPE_HARDWARE,
		  PERF_COUNT_HW_INSTRUCTIONS },
		{ HW_DTLB, PERF_TYPE_HW_CACHE,
		  PERF_COUNT_HW_CACHE_DTLB | cache_read_miss },
		{ HW_LLC, PERF_TYPE_HW_CACHE,
		  PERF_COUNT_HW_CACHE_LL | cache_read_miss },
	};

	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		struct perf_event_attr a;

		memset(&a, 0xff, sizeof(a));
		if (!counters_encode(want[k].i, &a)) {
			th_fail(__FILE__, __LINE__, "%s: not encoded",
				counters_hw_names[want[k].i]);
			continue;
		}
		CHECK_EQ(a.type, want[k].type);
		CHECK_UEQ(a.config, want[k].config);
		CHECK_UEQ(a.config1, 0);
		CHECK_EQ(a.sample_period, 0);
		CHECK_EQ(a.exclude_user, 0);
	}
}

#if HAVE_PFM
/* Is @name (EVENT[:UMASK...]) in the tables of some PMU libpfm4 knows,
 * present on this machine or not? */
static bool pfm_knows(const char *name)
{
	char buf[256], *tok, *save = NULL, *umask[8];
	int nu = 0;

	snprintf(buf, sizeof(buf), "%s", name);
	tok = strtok_r(buf, ":", &save);
	while (nu < 8 && (umask[nu] = strtok_r(NULL, ":", &save)))
		nu++;
	for (int p = 0; p < PFM_PMU_MAX; p++) {
		pfm_pmu_info_t pi;

		memset(&pi, 0, sizeof(pi));
		pi.size = sizeof(pi);
		if (pfm_get_pmu_info((pfm_pmu_t)p, &pi) != PFM_SUCCESS)
			continue;
		for (int e = pi.first_event; e != -1;
		     e = pfm_get_event_next(e)) {
			pfm_event_info_t ei;
			int found = 0;

			memset(&ei, 0, sizeof(ei));
			ei.size = sizeof(ei);
			if (pfm_get_event_info(e, PFM_OS_NONE, &ei) !=
			    PFM_SUCCESS)
				break;
			if (strcasecmp(ei.name, tok))
				continue;
			for (int u = 0; u < nu; u++)
				for (int k = 0; k < ei.nattrs; k++) {
					pfm_event_attr_info_t ai;

					memset(&ai, 0, sizeof(ai));
					ai.size = sizeof(ai);
					if (pfm_get_event_attr_info(e, k,
							PFM_OS_NONE, &ai) ==
						    PFM_SUCCESS &&
					    ai.type == PFM_ATTR_UMASK &&
					    !strcasecmp(ai.name, umask[u])) {
						found++;
						break;
					}
				}
			if (found == nu)
				return true;
		}
	}
	return false;
}

/*
 * libpfm4's generic "perf" PMU is there without a hardware PMU: each
 * perf:: name encodes, to the kernel's generic event; the model-specific
 * names (page walks) are in libpfm4's tables, and encode to a raw event
 * of this machine's PMU when it has one.
 */
TEST(every_libpfm4_name_is_known)
{
	REQUIRE(pfm_initialize() == PFM_SUCCESS);
	for (int i = 0; i < CNT_HW_NR; i++) {
		for (int k = 0; counters_pfm_names[i][k]; k++) {
			const char *name = counters_pfm_names[i][k];
			struct perf_event_attr a;
			pfm_perf_encode_arg_t arg;
			int ret;

			memset(&a, 0, sizeof(a));
			memset(&arg, 0, sizeof(arg));
			arg.attr = &a;
			arg.size = sizeof(arg);
			ret = pfm_get_os_event_encoding(name, PFM_PLM3,
							PFM_OS_PERF_EVENT,
							&arg);
			if (!strncmp(name, "perf::", 6)) {
				if (ret != PFM_SUCCESS)
					th_fail(__FILE__, __LINE__,
						"%s: %s", name,
						pfm_strerror(ret));
				CHECK(a.type == PERF_TYPE_HARDWARE ||
				      a.type == PERF_TYPE_HW_CACHE);
				CHECK_EQ(a.exclude_kernel, 1);
			} else if (!pfm_knows(name)) {
				th_fail(__FILE__, __LINE__,
					"%s: libpfm4 has no such event", name);
			} else if (ret == PFM_SUCCESS) {
				printf("# %s: type %u config %#llx\n", name,
				       a.type, (unsigned long long)a.config);
				CHECK(a.type != PERF_TYPE_HARDWARE &&
				      a.type != PERF_TYPE_HW_CACHE);
			}
		}
	}
}
#endif

/* Page walks: a raw event of this machine's PMU, or nothing (no
 * generic one) */
TEST(page_walks_are_model_specific)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	if (counters_encode(HW_WALKS, &a)) {
		CHECK(a.type != PERF_TYPE_HARDWARE &&
		      a.type != PERF_TYPE_HW_CACHE &&
		      a.type != PERF_TYPE_SOFTWARE);
		CHECK(a.config != 0);
	} else {
		printf("# page walks: no event on this machine\n");
	}
}

static int opens, hw_opens;
static struct perf_event_attr last;

/* perf_event_open on a machine without a PMU: ENOENT for hardware */
static int open_no_pmu(struct perf_event_attr *a)
{
	opens++;
	last = *a;
	if (a->type != PERF_TYPE_SOFTWARE) {
		hw_opens++;
		errno = ENOENT;
		return -1;
	}
	return (int)syscall(SYS_perf_event_open, a, 0, -1, -1, 0);
}

static int open_denied(struct perf_event_attr *a)
{
	(void)a;
	errno = EACCES;
	return -1;
}

static struct jv *counters_doc(const struct counters_result *r)
{
	struct json_writer w;
	char *text = NULL, err[128];
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	struct jv *v;

	if (!fp)
		return NULL;
	json_init(&w, fp, false);
	json_object_begin(&w);
	counters_json(&w, r);
	json_object_end(&w);
	fclose(fp);
	v = jv_parse(text, len, err, sizeof(err));
	if (!v)
		th_fail(__FILE__, __LINE__, "bad JSON: %s: %s", err, text);
	free(text);
	return v;
}

TEST(no_pmu_gives_one_string_and_the_software_events)
{
	int (*real)(struct perf_event_attr *) = counters_open;
	struct counters c;
	struct counters_result r;
	struct perf_event_attr a;
	bool walks = counters_encode(HW_WALKS, &a);
	const struct jv *sw;
	struct jv *v;
	volatile unsigned long spin = 0;

	counters_open = open_no_pmu;
	counters_start(&c, &r);
	for (unsigned long i = 0; i < 1000000; i++)
		spin += i;
	counters_stop(&c, &r);
	counters_open = real;
	CHECK_EQ(hw_opens, CNT_HW_NR - (walks ? 0 : 1));
	CHECK_EQ(opens, hw_opens + CNT_SW_NR);
	/* what every counter asks for: user space, times for scaling */
	CHECK_EQ(last.exclude_kernel, 1);
	CHECK_EQ(last.inherit, 1);
	CHECK_UEQ(last.read_format, PERF_FORMAT_TOTAL_TIME_ENABLED |
				    PERF_FORMAT_TOTAL_TIME_RUNNING);
	for (int i = 0; i < CNT_HW_NR; i++)
		CHECK(!r.hw_ok[i]);
	CHECK_STR_EQ(r.hw_reason, "unavailable: perf_event_open(cycles): "
		     "No such file or directory (no hardware PMU, e.g. a "
		     "virtual machine)");
	v = counters_doc(&r);
	REQUIRE(v);
	CHECK_STR_EQ(jv_str(jv_path(v, "counters.hardware"), ""), r.hw_reason);
	sw = jv_path(v, "counters.software");
	REQUIRE(sw);
	if (r.sw_ok[0]) {
		/* perf events allowed here: the three software counts */
		CHECK_EQ(sw->type, JV_OBJ);
		CHECK_EQ(sw->n, CNT_SW_NR);
		CHECK(jv_num(jv_path(sw, "task_clock_ns"), 0) > 0);
		CHECK(jv_num(jv_path(sw, "page_faults"), -1) >= 0);
		CHECK(jv_num(jv_path(sw, "context_switches"), -1) >= 0);
	} else {
		CHECK_EQ(sw->type, JV_STR);
		printf("# software: %s\n", jv_str(sw, ""));
	}
	jv_free(v);

	/* perf events not allowed at all: two strings saying why */
	counters_open = open_denied;
	counters_start(&c, &r);
	counters_stop(&c, &r);
	counters_open = real;
	CHECK_STR_EQ(r.hw_reason, "unavailable: perf_event_open(cycles): "
		     "Permission denied (see "
		     "/proc/sys/kernel/perf_event_paranoid)");
	v = counters_doc(&r);
	REQUIRE(v);
	CHECK_STR_EQ(jv_str(jv_path(v, "counters.hardware"), ""), r.hw_reason);
	CHECK_STR_EQ(jv_str(jv_path(v, "counters.software"), ""),
		     "unavailable: perf_event_open(task-clock): Permission "
		     "denied (see /proc/sys/kernel/perf_event_paranoid)");
	jv_free(v);
}
