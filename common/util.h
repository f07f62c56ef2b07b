/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common/util.h - helpers every kmbench tool shares: exit codes, error
 * messages in the FILE:LINE: form, checked number parsing, atomic file
 * writes.
 */
#ifndef KMB_UTIL_H
#define KMB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes (sysexits.h values; DESIGN.md's contract) */
enum {
	KMB_EX_OK = 0,
	KMB_EX_USAGE = 64,	/* bad command line */
	KMB_EX_DATAERR = 65,	/* bad input data, FILE:LINE: on stderr */
	KMB_EX_UNAVAILABLE = 69,	/* missing service or permission */
	KMB_EX_SOFTWARE = 70,	/* internal error */
	KMB_EX_IOERR = 74,	/* cannot write output */
};

/* The program name used in messages ("kmbench"). */
extern const char *kmb_progname;

/* "kmbench: message\n" on stderr. */
void kmb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* kmb_warn() then exit(code). */
void kmb_die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* "FILE:LINE: message\n" on stderr (line 0 omits the line). */
void kmb_input_error(const char *file, unsigned long line,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Parse a whole string as an unsigned / signed integer (decimal, or 0x hex),
 * with optional K/M/G suffix when @suffix is true (powers of 1024).
 * Return false on anything else (empty, trailing junk, overflow).
 */
bool kmb_parse_u64(const char *s, uint64_t *out, bool suffix);
bool kmb_parse_i64(const char *s, int64_t *out);
bool kmb_parse_double(const char *s, double *out);

/*
 * Atomic output: kmb_atomic_open() creates "PATH.tmp.PID" next to @path;
 * kmb_atomic_commit() flushes, fsyncs and renames it over @path (and fsyncs
 * the directory); kmb_atomic_abort() removes it.  A reader never sees a
 * half-written @path, and an old @path survives a failure.
 */
struct kmb_atomic_file {
	FILE *fp;
	char *path;
	char *tmp;
};

int kmb_atomic_open(struct kmb_atomic_file *af, const char *path);
int kmb_atomic_commit(struct kmb_atomic_file *af);
void kmb_atomic_abort(struct kmb_atomic_file *af);

/* Write @len bytes of @data to @path atomically.  0 or -errno. */
int kmb_write_file_atomic(const char *path, const void *data, size_t len);

/* mkdir -p; 0 or -errno. */
int kmb_mkdir_p(const char *path, unsigned int mode);

/* Monotonic clock in nanoseconds. */
uint64_t kmb_now_ns(void);

/* Wrappers that abort with a message when memory runs out. */
void *kmb_xmalloc(size_t size);
void *kmb_xcalloc(size_t n, size_t size);
void *kmb_xrealloc(void *p, size_t size);
char *kmb_xstrdup(const char *s);

#endif /* KMB_UTIL_H */
