// SPDX-License-Identifier: GPL-2.0
/* traces/kmt.c - the .kmt binary format (placeholder until the codec). */
#include <string.h>

#include "kmt/kmt.h"
#include "util.h"

bool kmt_is_kmt(const void *buf, size_t len)
{
	return len >= KMT_MAGIC_LEN && !memcmp(buf, KMT_MAGIC, KMT_MAGIC_LEN);
}

int kmt_decode(const void *buf, size_t len, const char *name,
	       struct kmt_trace *t, struct kmt_error *err)
{
	memset(err, 0, sizeof(*err));
	err->code = KMB_EX_DATAERR;
	snprintf(err->file, sizeof(err->file), "%s", name);
	snprintf(err->msg, sizeof(err->msg), "%s", ".kmt not supported yet");
	return err->code;
}

size_t kmt_raw_event_bytes(const struct kmt_trace *t)
{
	return 0;
}

int kmt_write(const struct kmt_trace *t, const char *path,
	      struct kmt_error *err)
{
	memset(err, 0, sizeof(*err));
	err->code = KMB_EX_SOFTWARE;
	snprintf(err->msg, sizeof(err->msg), "%s", ".kmt not supported yet");
	return err->code;
}
