// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "kmt/synth.h"
#include "util.h"

int kmt_synth(const struct kmt_trace *like, uint64_t nr_events,
	      uint64_t seed, struct kmt_trace *out, struct kmt_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	err->code = KMB_EX_SOFTWARE;
	snprintf(err->msg, sizeof(err->msg), "synth: not built yet");
	return err->code;
}
