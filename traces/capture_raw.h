/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traces/capture_raw.h - `trace capture --raw`: the ring buffer's binary
 * pages spooled per CPU while tracing, formatted into ftrace text after it.
 * Internal to traces/capture.c; needs libtracefs and libtraceevent.
 */
#ifndef KMT_CAPTURE_RAW_H
#define KMT_CAPTURE_RAW_H

#include <stdint.h>
#include <stdio.h>

struct tracefs_instance;
struct capture_raw;

/* Open trace_pipe_raw of each CPU of @inst; NULL (errno set) on failure. */
struct capture_raw *capture_raw_open(struct tracefs_instance *inst,
				     int nr_cpus);

/*
 * Copy the full pages the CPUs have now into the spools, at most @max bytes
 * or until the monotonic clock passes @deadline (0: none).  With @flush,
 * also the partly filled pages (tracing must be off).  0, or -1 on a read
 * error, -2 on a spool write error (errno set).
 */
int capture_raw_drain(struct capture_raw *r, uint64_t max, uint64_t deadline,
		      int flush);

/*
 * Format the spooled events, all CPUs merged by timestamp, as ftrace text
 * lines on @out (libtraceevent's formats, symbols from /proc/kallsyms,
 * command names from saved_cmdlines; "CPU:N [LOST M EVENTS]" at gaps).
 * Adds to *@lines and *@bytes.  0, or -1 after a message.
 */
int capture_raw_format(struct capture_raw *r, FILE *out, uint64_t *lines,
		       uint64_t *bytes);

/* Bytes of ring-buffer pages spooled so far. */
uint64_t capture_raw_spooled(const struct capture_raw *r);

void capture_raw_close(struct capture_raw *r);

#endif /* KMT_CAPTURE_RAW_H */
