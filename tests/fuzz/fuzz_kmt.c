// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: the .kmt reader. */
#include "kmt/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return kmt_fuzz_kmt(data, size);
}
