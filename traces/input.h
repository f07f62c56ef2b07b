/* SPDX-License-Identifier: GPL-2.0 */
/*
 * traces/input.h - trace input (internal to libkmtrace): file, stdin or
 * memory; plain, zstd or gzip, detected by magic bytes.
 */
#ifndef KMT_INPUT_H
#define KMT_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "kmt/trace.h"

enum kmt_comp { KMT_COMP_NONE, KMT_COMP_GZIP, KMT_COMP_ZSTD };

struct kmt_input {
	char name[256];		/* for messages */
	int fd;
	bool own_fd;
	enum kmt_comp comp;
	bool is_dat;		/* trace-cmd .dat magic */
	/* raw bytes */
	unsigned char *ibuf;
	size_t ipos, ilen, icap;
	bool ieof;
	int read_errno;
	/* decoded bytes */
	char *buf;
	size_t pos, len, cap;
	bool eof;
	const void *mem;	/* memory input: buf points here */
	void *zds;		/* ZSTD_DStream */
	void *zs;		/* z_stream */
	bool gz_end;
	bool zstd_open;		/* inside a zstd frame */
};

/* Open @path ("-" = stdin).  0, or -1 with @err (missing, directory...). */
int kmt_input_open(struct kmt_input *in, const char *path, const char *name,
		   struct kmt_error *err);
void kmt_input_open_mem(struct kmt_input *in, const void *buf, size_t len,
			const char *name);
void kmt_input_close(struct kmt_input *in);

/* The first raw bytes (before decompression), for magic checks. */
const unsigned char *kmt_input_peek(const struct kmt_input *in, size_t *len);

/*
 * Next line (without '\n'; a '\r' stays) in place: valid until the next
 * call.  1 = line, 0 = end, -1 = error (@err).
 */
int kmt_input_line(struct kmt_input *in, char **line, size_t *len,
		   struct kmt_error *err);

/* All remaining decoded bytes in one buffer (owned by @in). */
int kmt_input_slurp(struct kmt_input *in, char **data, size_t *len,
		    struct kmt_error *err);

/*
 * A parser reading from @in (taken over: @in's contents move into the
 * parser; @path is for the .dat hook).  NULL with @err filled (and @in
 * closed).
 */
struct kmt_parser *kmt_parser_from_input(struct kmt_input *in,
					 const char *path,
					 const struct kmt_opts *opts,
					 struct kmt_strtab *strs,
					 struct kmt_meta *meta,
					 struct kmt_error *err);

/* Read every line with the general path only (tests compare the two). */
void kmt_parser_set_generic(struct kmt_parser *p, bool generic);

#endif /* KMT_INPUT_H */
