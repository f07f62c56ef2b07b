/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traces/include/kmt/dat.h - reading trace-cmd .dat files.
 *
 * A .dat file (trace-cmd record / extract) holds the raw per-CPU ring
 * buffer pages and the event formats.  trace_dat_to_text() reads it with
 * libtracecmd/libtraceevent and writes its events, in timestamp order, as
 * ftrace text lines that the text parser reads:
 *
 *	comm-pid [cpu] flags ts: event: fields
 *
 * Built only with libtracecmd (config.h HAVE_TRACECMD).
 */
#ifndef KMT_DAT_H
#define KMT_DAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The first bytes of a trace-cmd .dat file: "\x17\x08\x44tracing". */
#define KMT_DAT_MAGIC "\x17\x08\x44tracing"
#define KMT_DAT_MAGIC_LEN 10

/* True if the @len bytes at @buf start like a trace-cmd .dat file. */
bool trace_dat_is_dat(const void *buf, size_t len);

/*
 * Convert the .dat file at @path into ftrace text lines on @out.
 * Returns an exit code (util.h KMB_EX_*): 0 on success; 65 when the file is
 * not a readable .dat, 74 when @out cannot be written, 69 when kmbench was
 * built without libtracecmd; then @err (of @errlen bytes) holds a one-line
 * message starting with @path.
 */
int trace_dat_to_text(const char *path, FILE *out, char *err, size_t errlen);

#endif /* KMT_DAT_H */
