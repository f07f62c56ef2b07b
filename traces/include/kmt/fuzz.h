/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt/fuzz.h - fuzz entry points (tests/fuzz, and the seed-replay test).
 * Both return 0; a bug shows as a crash, a sanitizer report or abort().
 */
#ifndef KMT_FUZZ_H
#define KMT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int kmt_fuzz_text(const uint8_t *data, size_t size);
int kmt_fuzz_kmt(const uint8_t *data, size_t size);

#endif /* KMT_FUZZ_H */
