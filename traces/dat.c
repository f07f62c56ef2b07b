// SPDX-License-Identifier: GPL-2.0
/*
 * traces/dat.c - trace-cmd .dat files to ftrace text, through libtracecmd.
 *
 * A .dat holds the ring-buffer pages of each CPU (of the top buffer and of
 * any instances recorded with -B), the event formats and the kernel's
 * symbols.  libtracecmd merges the CPUs (and buffers) in timestamp order;
 * libtraceevent formats each record with the event's own print format, so
 * the lines read like the kernel's trace file:
 *
 *	comm-pid [cpu] flags ts: event: fields
 *
 * with ts in seconds and microseconds, as trace_pipe prints it.  Records
 * after a gap print a "CPU:N [LOST M EVENTS]" line first, as the kernel's
 * trace file does.  Differences from the kernel's text that remain:
 * libtraceevent prints %p as 0x-prefixed hex and %pS symbols without the
 * "/size" suffix.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "util.h"
#include "kmt/dat.h"

#if HAVE_TRACECMD
#include <trace-cmd.h>
#include <event-parse.h>
#include <trace-seq.h>
#endif

bool trace_dat_is_dat(const void *buf, size_t len)
{
	return len >= KMT_DAT_MAGIC_LEN &&
	       memcmp(buf, KMT_DAT_MAGIC, KMT_DAT_MAGIC_LEN) == 0;
}

#if !HAVE_TRACECMD

int trace_dat_to_text(const char *path, FILE *out, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: reading trace-cmd .dat files needs "
		 "libtracecmd: install libtracecmd-dev and rebuild kmbench "
		 "(or convert it with 'trace-cmd report')", path);
	return KMB_EX_UNAVAILABLE;
}

#else /* HAVE_TRACECMD */

struct dat_state {
	FILE *out;
	struct trace_seq seq;
	unsigned long long events;
	bool write_failed;
};

static int dat_print_record(struct tracecmd_input *handle,
			    struct tep_record *record, int cpu, void *arg)
{
	struct dat_state *st = arg;
	struct tep_handle *tep = tracecmd_get_tep(handle);

	if (record->missed_events > 0 &&
	    fprintf(st->out, "CPU:%d [LOST %lld EVENTS]\n", cpu,
		    (long long)record->missed_events) < 0)
		goto write_failed;
	if (record->missed_events < 0 &&
	    fprintf(st->out, "# CPU:%d lost events (number unknown)\n",
		    cpu) < 0)
		goto write_failed;
	trace_seq_reset(&st->seq);
	tep_print_event(tep, &st->seq, record,
			"%s-%d [%03d] %s %6.1000d: %s: %s",
			TEP_PRINT_COMM, TEP_PRINT_PID, TEP_PRINT_CPU,
			TEP_PRINT_LATENCY, TEP_PRINT_TIME, TEP_PRINT_NAME,
			TEP_PRINT_INFO);
	trace_seq_terminate(&st->seq);
	/* an event may print several lines (stack traces): keep them */
	if (fwrite(st->seq.buffer, 1, st->seq.len, st->out) != st->seq.len ||
	    putc('\n', st->out) == EOF)
		goto write_failed;
	st->events++;
	return 0;
write_failed:
	st->write_failed = true;
	return 1;	/* stop iterating */
}

static int dat_check_magic(const char *path, char *err, size_t errlen)
{
	unsigned char magic[KMT_DAT_MAGIC_LEN];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KMB_EX_DATAERR;
	}
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (!trace_dat_is_dat(magic, n)) {
		snprintf(err, errlen, "%s: not a trace-cmd .dat file (no "
			 "tracing magic at the start)", path);
		return KMB_EX_DATAERR;
	}
	return 0;
}

int trace_dat_to_text(const char *path, FILE *out, char *err, size_t errlen)
{
	struct tracecmd_input *handles[64];
	struct dat_state st = { .out = out };
	int nr = 0, nbuf, ret;

	ret = dat_check_magic(path, err, errlen);
	if (ret)
		return ret;
	tracecmd_set_loglevel(TEP_LOG_CRITICAL);
	/*
	 * No plugins: they reformat some events (the kmem plugin puts the
	 * call site before the fields); we want the kernel's own format.
	 */
	handles[0] = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!handles[0]) {
		snprintf(err, errlen, "%s: cannot read this trace-cmd .dat "
			 "file (truncated, corrupted or an unsupported "
			 "version)", path);
		return KMB_EX_DATAERR;
	}
	nr = 1;
	/* buffers recorded from instances (trace-cmd -B NAME) */
	nbuf = tracecmd_buffer_instances(handles[0]);
	for (int i = 0; i < nbuf && nr < 64; i++) {
		struct tracecmd_input *h;

		h = tracecmd_buffer_instance_handle(handles[0], i);
		if (h)
			handles[nr++] = h;
	}
	trace_seq_init(&st.seq);
	if (nr == 1)
		ret = tracecmd_iterate_events(handles[0], NULL, 0,
					      dat_print_record, &st);
	else
		ret = tracecmd_iterate_events_multi(handles, nr,
						    dat_print_record, &st);
	trace_seq_destroy(&st.seq);
	for (int i = nr - 1; i >= 0; i--)
		tracecmd_close(handles[i]);
	if (st.write_failed || fflush(out) != 0) {
		snprintf(err, errlen, "%s: cannot write the converted events: "
			 "%s", path, strerror(errno));
		return KMB_EX_IOERR;
	}
	if (ret < 0) {
		snprintf(err, errlen, "%s: reading the events failed after "
			 "%llu events (truncated or corrupted .dat)", path,
			 st.events);
		return KMB_EX_DATAERR;
	}
	return 0;
}

#endif /* HAVE_TRACECMD */
