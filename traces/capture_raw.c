// SPDX-License-Identifier: GPL-2.0
/*
 * traces/capture_raw.c - `trace capture --raw`: copy the ring buffer's
 * binary sub-buffers (pages) of each CPU into a spool file while tracing;
 * format them into ftrace text only after tracing stopped.
 *
 * Copying a page costs far less than the kernel's text formatting behind
 * trace_pipe, so on a busy machine fewer events are lost; the price is
 * libtraceevent's formatting instead of the kernel's (pointers with 0x,
 * symbols without /size, mm_page_alloc's page= as a pfn), which the parser
 * reads as well.
 *
 * Formatting merges the CPUs by timestamp: each CPU's spool is a sequence
 * of sub-buffers in ring order, so its events are already in time order;
 * the earliest head among the CPUs is printed next (ties: lower CPU first).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#if HAVE_TRACEFS

#include "util.h"
#include "capture_raw.h"

#include <tracefs.h>
#include <event-parse.h>
#include <kbuffer.h>
#include <trace-seq.h>

struct raw_cpu {
	struct tracefs_cpu *tcpu;	/* NULL: CPU offline */
	FILE *spool;
	/* formatting: the CPU's head event */
	struct kbuffer *kbuf;
	void *page;
	void *data;		/* NULL: no more events */
	unsigned long long ts;
	int missed;		/* a gap before the head event */
};

struct capture_raw {
	int nr_cpus;
	int subbuf;		/* sub-buffer size in bytes */
	void *buf;
	uint64_t spooled;
	struct raw_cpu cpu[];
};

struct capture_raw *capture_raw_open(struct tracefs_instance *inst,
				     int nr_cpus)
{
	struct capture_raw *r;
	int opened = 0;

	r = kmb_xcalloc(1, sizeof(*r) + (size_t)nr_cpus * sizeof(r->cpu[0]));
	r->nr_cpus = nr_cpus;
	for (int i = 0; i < nr_cpus; i++) {
		struct raw_cpu *rc = &r->cpu[i];

		rc->tcpu = tracefs_cpu_open(inst, i, true);
		if (!rc->tcpu)
			continue;	/* offline */
		rc->spool = tmpfile();
		if (!rc->spool)
			goto fail;
		if (!r->subbuf)
			r->subbuf = tracefs_cpu_read_size(rc->tcpu);
		opened++;
	}
	if (!opened || r->subbuf <= 0) {
		errno = opened ? EINVAL : ENOENT;
		goto fail;
	}
	r->buf = kmb_xmalloc((size_t)r->subbuf);
	return r;
fail:
	capture_raw_close(r);
	return NULL;
}

uint64_t capture_raw_spooled(const struct capture_raw *r)
{
	return r->spooled;
}

int capture_raw_drain(struct capture_raw *r, uint64_t max, uint64_t deadline,
		      int flush)
{
	uint64_t done = 0;

	for (int i = 0; i < r->nr_cpus; i++) {
		struct raw_cpu *rc = &r->cpu[i];

		while (rc->tcpu && done < max) {
			int n;

			errno = 0;
			n = flush ? tracefs_cpu_flush(rc->tcpu, r->buf)
				  : tracefs_cpu_read(rc->tcpu, r->buf, true);
			if (n <= 0) {
				if (n < 0 && errno && errno != EAGAIN &&
				    errno != EINTR && errno != ENODATA)
					return -1;
				break;
			}
			/* whole sub-buffers, so the spool can be paged */
			if (n < r->subbuf)
				memset((char *)r->buf + n, 0,
				       (size_t)(r->subbuf - n));
			if (fwrite(r->buf, 1, (size_t)r->subbuf, rc->spool) !=
			    (size_t)r->subbuf)
				return -2;
			done += (uint64_t)r->subbuf;
			r->spooled += (uint64_t)r->subbuf;
			if (deadline && kmb_now_ns() >= deadline)
				return 0;
		}
	}
	return 0;
}

/* ---- formatting -------------------------------------------------------- */

/* Load the next sub-buffer with events; false at the end of the spool. */
static bool raw_next_page(struct capture_raw *r, struct raw_cpu *rc)
{
	while (fread(rc->page, 1, (size_t)r->subbuf, rc->spool) ==
	       (size_t)r->subbuf) {
		if (kbuffer_load_subbuffer(rc->kbuf, rc->page) < 0)
			continue;
		if (kbuffer_missed_events(rc->kbuf))
			rc->missed = kbuffer_missed_events(rc->kbuf);
		rc->data = kbuffer_read_event(rc->kbuf, &rc->ts);
		if (rc->data)
			return true;
	}
	rc->data = NULL;
	return false;
}

static void raw_advance(struct capture_raw *r, struct raw_cpu *rc)
{
	rc->data = kbuffer_next_event(rc->kbuf, &rc->ts);
	if (!rc->data)
		raw_next_page(r, rc);
}

/* /proc/kallsyms into @tep, so %pS call sites print as symbols */
static void raw_load_kallsyms(struct tep_handle *tep)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t len = 0, cap = 1 << 22, n;
	char *buf;

	if (!f)
		return;
	buf = kmb_xmalloc(cap);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			cap *= 2;
			buf = kmb_xrealloc(buf, cap);
		}
	}
	buf[len] = '\0';
	fclose(f);
	tep_parse_kallsyms(tep, buf);
	free(buf);
}

static int raw_print(struct tep_handle *tep, struct trace_seq *seq,
		     struct raw_cpu *rc, int cpu, FILE *out, uint64_t *lines,
		     uint64_t *bytes)
{
	struct tep_record rec = {
		.ts = rc->ts,
		.cpu = cpu,
		.size = kbuffer_event_size(rc->kbuf),
		.data = rc->data,
	};

	trace_seq_reset(seq);
	if (rc->missed) {
		if (rc->missed > 0)
			trace_seq_printf(seq, "CPU:%d [LOST %d EVENTS]\n", cpu,
					 rc->missed);
		else
			trace_seq_printf(seq, "# CPU:%d lost events (number "
					 "unknown)\n", cpu);
		rc->missed = 0;
		(*lines)++;
	}
	tep_print_event(tep, seq, &rec,
			"%16s-%-7d [%03d] %s %6.1000d: %s: %s\n",
			TEP_PRINT_COMM, TEP_PRINT_PID, TEP_PRINT_CPU,
			TEP_PRINT_LATENCY, TEP_PRINT_TIME, TEP_PRINT_NAME,
			TEP_PRINT_INFO);
	trace_seq_terminate(seq);
	if (fwrite(seq->buffer, 1, seq->len, out) != seq->len)
		return -1;
	(*lines)++;
	*bytes += seq->len;
	return 0;
}

int capture_raw_format(struct capture_raw *r, FILE *out, uint64_t *lines,
		       uint64_t *bytes)
{
	enum kbuffer_long_size ls = sizeof(long) == 8 ? KBUFFER_LSIZE_8
						      : KBUFFER_LSIZE_4;
	enum kbuffer_endian end = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				  KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE;
	struct tep_handle *tep;
	struct trace_seq seq;
	int ret = 0;

	tep = tracefs_local_events(NULL);
	if (!tep) {
		kmb_warn("trace capture: --raw: cannot read the event formats "
			 "from tracefs: %s", strerror(errno));
		return -1;
	}
	tracefs_load_cmdlines(NULL, tep);
	raw_load_kallsyms(tep);
	for (int i = 0; i < r->nr_cpus; i++) {
		struct raw_cpu *rc = &r->cpu[i];

		if (!rc->spool)
			continue;
		rewind(rc->spool);
		rc->kbuf = kbuffer_alloc(ls, end);
		rc->page = kmb_xmalloc((size_t)r->subbuf);
		raw_next_page(r, rc);
	}
	trace_seq_init(&seq);
	for (;;) {
		int best = -1;

		for (int i = 0; i < r->nr_cpus; i++)
			if (r->cpu[i].data &&
			    (best < 0 || r->cpu[i].ts < r->cpu[best].ts))
				best = i;
		if (best < 0)
			break;
		if (raw_print(tep, &seq, &r->cpu[best], best, out, lines,
			      bytes) < 0) {
			kmb_warn("trace capture: cannot write the spool file: "
				 "%s", strerror(errno));
			ret = -1;
			break;
		}
		raw_advance(r, &r->cpu[best]);
	}
	trace_seq_destroy(&seq);
	tep_free(tep);
	return ret;
}

void capture_raw_close(struct capture_raw *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nr_cpus; i++) {
		struct raw_cpu *rc = &r->cpu[i];

		if (rc->tcpu)
			tracefs_cpu_close(rc->tcpu);
		if (rc->spool)
			fclose(rc->spool);
		if (rc->kbuf)
			kbuffer_free(rc->kbuf);
		free(rc->page);
	}
	free(r->buf);
	free(r);
}

#endif /* HAVE_TRACEFS */
