/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traces/include/kmt/capture.h - live capture of the kernel's allocation
 * tracepoints.
 *
 * `kmbench trace capture` records the kmem (and optionally vmalloc, percpu
 * and process/vm) tracepoints of the running kernel into ftrace text lines
 * (`comm-pid [cpu] flags ts: event: fields`) preceded by metadata comment
 * lines `# kmbench-meta: key=value`.  It uses a tracefs instance of its own
 * (libtracefs), so the global trace buffer is left alone.
 *
 * Built only with libtracefs (config.h HAVE_TRACEFS); without it the command
 * says what is missing and returns 69.
 */
#ifndef KMT_CAPTURE_H
#define KMT_CAPTURE_H

/*
 * The `trace capture` command: argv[0] == "capture".  Returns an exit code
 * (util.h KMB_EX_*): 0, 64 bad usage, 69 no root / no tracefs / no
 * libtracefs, 70 internal, 74 output not writable.
 *
 * The environment variable KMBENCH_TRACEFS names another tracefs mount
 * point (default: the system's, mounted when needed).
 */
int trace_capture_main(int argc, char **argv);

/* Metadata line prefix at the top of a captured trace. */
#define KMT_META_PREFIX "# kmbench-meta: "

#endif /* KMT_CAPTURE_H */
