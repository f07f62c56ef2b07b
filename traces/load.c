// SPDX-License-Identifier: GPL-2.0
/*
 * traces/load.c - kmt_trace_load(): a whole trace into memory.
 */
#include <stdio.h>
#include <string.h>

#include "kmt/trace.h"
#include "util.h"

int kmt_trace_load(const char *path, const struct kmt_opts *opts,
		   struct kmt_trace *t, struct kmt_error *err)
{
	memset(t, 0, sizeof(*t));
	t->meta.hashed_ptrs = -1;
	memset(err, 0, sizeof(*err));
	err->code = KMB_EX_UNAVAILABLE;
	snprintf(err->msg, sizeof(err->msg),
		 "%s: trace loading is not built yet", path);
	return err->code;
}
