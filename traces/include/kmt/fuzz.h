/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmt/fuzz.h - fuzz entry points (tests/fuzz, and the seed-replay test).
 * Both return 0; a bug shows as a crash, a sanitizer report or abort().
 */
#ifndef KMT_FUZZ_H
#define KMT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int kmt_fuzz_text(const uint8_t *data, size_t size);
int kmt_fuzz_kmt(const uint8_t *data, size_t size);

/*
 * Parse @path (or, if NULL, @data) twice: with the parser's fast path and
 * with its general path only, strict or @lenient.  0 when both give the
 * same records, counts, strings and error; else the line where they
 * first differ (the number of lines + 1 for a difference at the end).
 */
uint64_t kmt_text_paths_differ(const char *path, const uint8_t *data,
			       size_t size, bool lenient);

#endif /* KMT_FUZZ_H */
