// SPDX-License-Identifier: GPL-2.0
/*
 * traces/input.c - reading trace input: a file, stdin or memory, raw or
 * compressed (zstd, gzip; detected by magic bytes), as lines or as one
 * buffer.
 *
 * The raw bytes go through ibuf (so the first bytes can be looked at before
 * the decoder is chosen, also on a pipe); decoded text goes to buf, from
 * which lines are cut in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "input.h"
#include "util.h"

#if HAVE_ZSTD
#include <zstd.h>
#endif
#if HAVE_ZLIB
#include <zlib.h>
#endif

#define IBUF_SIZE (256u << 10)
#define BUF_MIN (1u << 20)

static const unsigned char magic_gzip[2] = { 0x1f, 0x8b };
static const unsigned char magic_zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
static const char magic_dat[10] = "\x17\x08\x44tracing";

static void in_error(struct kmt_input *in, struct kmt_error *err, int code,
		     const char *fmt, const char *arg)
{
	memset(err, 0, sizeof(*err));
	err->code = code;
	snprintf(err->file, sizeof(err->file), "%s", in->name);
	snprintf(err->msg, sizeof(err->msg), fmt, arg);
}

/* Read raw bytes into ibuf; false on a read error. */
static bool raw_fill(struct kmt_input *in)
{
	ssize_t n;

	if (in->ieof || in->fd < 0) {
		in->ieof = true;
		return true;
	}
	if (in->ipos == in->ilen)
		in->ipos = in->ilen = 0;
	if (in->ilen == in->icap) {
		memmove(in->ibuf, in->ibuf + in->ipos, in->ilen - in->ipos);
		in->ilen -= in->ipos;
		in->ipos = 0;
	}
	do
		n = read(in->fd, in->ibuf + in->ilen, in->icap - in->ilen);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		in->read_errno = errno;
		return false;
	}
	if (n == 0)
		in->ieof = true;
	in->ilen += (size_t)n;
	return true;
}

static int detect(struct kmt_input *in, struct kmt_error *err)
{
	/* gather enough bytes to see any magic, even from a slow pipe */
	while (in->ilen < sizeof(magic_dat) && !in->ieof)
		if (!raw_fill(in))
			goto rerr;
	if (in->ilen >= 2 && !memcmp(in->ibuf, magic_gzip, 2))
		in->comp = KMT_COMP_GZIP;
	else if (in->ilen >= 4 && !memcmp(in->ibuf, magic_zstd, 4))
		in->comp = KMT_COMP_ZSTD;
	else
		in->comp = KMT_COMP_NONE;
	in->is_dat = in->ilen >= sizeof(magic_dat) &&
		     !memcmp(in->ibuf, magic_dat, sizeof(magic_dat));
	if (in->comp == KMT_COMP_ZSTD) {
#if HAVE_ZSTD
		in->zds = ZSTD_createDStream();
		ZSTD_initDStream(in->zds);
#else
		in_error(in, err, KMB_EX_UNAVAILABLE,
			 "zstd-compressed input needs libzstd (%s)",
			 "rebuild with libzstd-dev");
		return -1;
#endif
	} else if (in->comp == KMT_COMP_GZIP) {
#if HAVE_ZLIB
		z_stream *zs = kmb_xcalloc(1, sizeof(*zs));

		if (inflateInit2(zs, 15 + 16) != Z_OK) {
			free(zs);
			in_error(in, err, KMB_EX_SOFTWARE, "%s",
				 "zlib initialisation failed");
			return -1;
		}
		in->zs = zs;
#else
		in_error(in, err, KMB_EX_UNAVAILABLE,
			 "gzip-compressed input needs zlib (%s)",
			 "rebuild with zlib1g-dev");
		return -1;
#endif
	}
	return 0;
rerr:
	in_error(in, err, KMB_EX_DATAERR, "read error: %s",
		 strerror(in->read_errno));
	return -1;
}

int kmt_input_open(struct kmt_input *in, const char *path, const char *name,
		   struct kmt_error *err)
{
	const char *shown = name ? name : path;
	struct stat st;

	if (!name && !strcmp(path, "-"))
		shown = "<stdin>";
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	snprintf(in->name, sizeof(in->name), "%s", shown);
	if (!strcmp(path, "-")) {
		in->fd = 0;
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (in->fd < 0) {
			in_error(in, err, KMB_EX_USAGE, "cannot open: %s",
				 strerror(errno));
			return -1;
		}
		in->own_fd = true;
	}
	if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		in_error(in, err, KMB_EX_USAGE, "%s",
			 "is a directory, not a trace file");
		kmt_input_close(in);
		return -1;
	}
	in->icap = IBUF_SIZE;
	in->ibuf = kmb_xmalloc(in->icap);
	if (detect(in, err)) {
		kmt_input_close(in);
		return -1;
	}
	return 0;
}

void kmt_input_open_mem(struct kmt_input *in, const void *buf, size_t len,
			const char *name)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	snprintf(in->name, sizeof(in->name), "%s", name ? name : "<memory>");
	in->mem = buf;
	in->buf = (char *)buf;
	in->len = len;
	in->eof = true;
	in->ieof = true;
}

void kmt_input_close(struct kmt_input *in)
{
	if (in->own_fd && in->fd >= 0)
		close(in->fd);
#if HAVE_ZSTD
	if (in->zds)
		ZSTD_freeDStream(in->zds);
#endif
#if HAVE_ZLIB
	if (in->zs) {
		inflateEnd(in->zs);
		free(in->zs);
	}
#endif
	free(in->ibuf);
	if (!in->mem)
		free(in->buf);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}

/* Decode more raw input into buf[len..cap).  0, or -1 with @err. */
static int decode_more(struct kmt_input *in, struct kmt_error *err)
{
	size_t room = in->cap - in->len;

	if (in->comp != KMT_COMP_NONE && in->ipos == in->ilen && !in->ieof &&
	    !raw_fill(in))
		goto rerr;
	switch (in->comp) {
	case KMT_COMP_NONE: {
		size_t n = in->ilen - in->ipos;

		/* nothing buffered: read straight into the text buffer */
		if (!n && in->fd >= 0 && !in->ieof) {
			ssize_t r;

			do
				r = read(in->fd, in->buf + in->len, room);
			while (r < 0 && errno == EINTR);
			if (r < 0) {
				in->read_errno = errno;
				goto rerr;
			}
			if (r == 0)
				in->ieof = in->eof = true;
			in->len += (size_t)r;
			return 0;
		}

		if (n > room)
			n = room;
		memcpy(in->buf + in->len, in->ibuf + in->ipos, n);
		in->ipos += n;
		in->len += n;
		if (in->ipos == in->ilen && in->ieof)
			in->eof = true;
		return 0;
	}
#if HAVE_ZSTD
	case KMT_COMP_ZSTD: {
		ZSTD_inBuffer ib = { in->ibuf, in->ilen, in->ipos };
		ZSTD_outBuffer ob = { in->buf, in->cap, in->len };
		size_t r = ZSTD_decompressStream(in->zds, &ob, &ib);

		if (ZSTD_isError(r)) {
			in_error(in, err, KMB_EX_DATAERR,
				 "corrupt zstd data: %s", ZSTD_getErrorName(r));
			return -1;
		}
		/* r == 0: a frame ended (with no input, r is meaningless) */
		if (ib.pos > in->ipos || ob.pos > in->len)
			in->zstd_open = r != 0;
		in->ipos = ib.pos;
		in->len = ob.pos;
		if (in->ipos == in->ilen && in->ieof && ob.pos < ob.size) {
			if (in->zstd_open) {
				in_error(in, err, KMB_EX_DATAERR, "%s",
					 "truncated zstd data");
				return -1;
			}
			in->eof = true;
		}
		return 0;
	}
#endif
#if HAVE_ZLIB
	case KMT_COMP_GZIP: {
		z_stream *zs = in->zs;
		int r;

		if (in->gz_end) {
			/* another gzip member follows, or trailing zeros */
			if (in->ipos == in->ilen && in->ieof) {
				in->eof = true;
				return 0;
			}
			inflateReset(zs);
			in->gz_end = false;
		}
		zs->next_in = in->ibuf + in->ipos;
		zs->avail_in = (uInt)(in->ilen - in->ipos);
		zs->next_out = (Bytef *)in->buf + in->len;
		zs->avail_out = (uInt)room;
		r = inflate(zs, Z_NO_FLUSH);
		in->ipos = in->ilen - zs->avail_in;
		in->len = in->cap - zs->avail_out;
		if (r == Z_STREAM_END) {
			in->gz_end = true;
			if (in->ipos == in->ilen && in->ieof)
				in->eof = true;
			return 0;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			in_error(in, err, KMB_EX_DATAERR, "corrupt gzip data: %s",
				 zs->msg ? zs->msg : "inflate failed");
			return -1;
		}
		if (in->ipos == in->ilen && in->ieof &&
		    zs->avail_out == room) {
			in_error(in, err, KMB_EX_DATAERR, "%s",
				 "truncated gzip data");
			return -1;
		}
		return 0;
	}
#endif
	default:
		break;
	}
	in_error(in, err, KMB_EX_SOFTWARE, "%s", "unknown compression");
	return -1;
rerr:
	in_error(in, err, KMB_EX_DATAERR, "read error: %s",
		 strerror(in->read_errno));
	return -1;
}

int kmt_input_line(struct kmt_input *in, char **line, size_t *len,
		   struct kmt_error *err)
{
	for (;;) {
		char *s = in->buf + in->pos;
		size_t avail = in->len - in->pos;
		char *nl = avail ? memchr(s, '\n', avail) : NULL;

		if (nl) {
			*line = s;
			*len = (size_t)(nl - s);
			in->pos += *len + 1;
			return 1;
		}
		if (in->eof) {
			if (!avail)
				return 0;
			*line = s;
			*len = avail;
			in->pos = in->len;
			return 1;
		}
		/* keep the partial line, make room, decode more */
		if (in->pos) {
			memmove(in->buf, s, avail);
			in->len = avail;
			in->pos = 0;
		}
		if (in->len == in->cap) {
			in->cap = in->cap ? in->cap * 2 : BUF_MIN;
			in->buf = kmb_xrealloc(in->buf, in->cap);
		}
		if (decode_more(in, err))
			return -1;
	}
}

int kmt_input_slurp(struct kmt_input *in, char **data, size_t *len,
		    struct kmt_error *err)
{
	/* the whole (decoded) input: grow buf until the end */
	while (!in->eof) {
		if (in->len == in->cap) {
			in->cap = in->cap ? in->cap * 2 : BUF_MIN;
			in->buf = kmb_xrealloc(in->buf, in->cap);
		}
		if (decode_more(in, err))
			return -1;
	}
	*data = in->buf + in->pos;
	*len = in->len - in->pos;
	return 0;
}

const unsigned char *kmt_input_peek(const struct kmt_input *in, size_t *len)
{
	*len = in->ilen - in->ipos;
	return in->ibuf ? in->ibuf + in->ipos : NULL;
}
