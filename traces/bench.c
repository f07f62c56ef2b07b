// SPDX-License-Identifier: GPL-2.0
#include "kmt/stat.h"
#include "util.h"

int kmt_bench(const char *path, const struct kmt_opts *opts, FILE *fp)
{
	return KMB_EX_UNAVAILABLE;
}
