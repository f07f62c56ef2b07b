// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzz targets' seed corpus (tests/fuzz/seeds) through the same entry
 * points with the normal compiler, plus a short deterministic mutation
 * run: every truncation of each seed and random byte changes.  A bug
 * shows as a crash, a sanitizer report or abort() in the entry point.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kmt/fuzz.h"
#include "util.h"

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int run_dir(const char *rel, int (*fn)(const uint8_t *, size_t),
		   int mutations)
{
	char path[4096];
	DIR *d = opendir(th_srcpath(rel));
	struct dirent *de;
	int files = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		uint8_t *buf, *m;
		size_t len;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", th_srcpath(rel),
			 de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		buf = kmb_xmalloc(1 << 20);
		len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		files++;
		fn(buf, len);
		/* every truncation (heap copies, so ASan sees overreads) */
		for (size_t n = 0; n < len; n += 1 + len / 512) {
			m = kmb_xmalloc(n ? n : 1);
			memcpy(m, buf, n);
			fn(m, n);
			free(m);
		}
		for (int i = 0; i < mutations; i++) {
			int k = 1 + (int)(next() % 4);

			m = kmb_xmalloc(len ? len : 1);
			memcpy(m, buf, len);
			while (len && k--)
				m[next() % len] = (uint8_t)next();
			fn(m, len);
			free(m);
		}
		free(buf);
	}
	closedir(d);
	return files;
}

TEST(text_seeds)
{
	rng = th_seed() | 1;
	CHECK(run_dir("tests/fuzz/seeds/text", kmt_fuzz_text, 300) > 0);
}

TEST(kmt_seeds)
{
	rng = th_seed() | 1;
	CHECK(run_dir("tests/fuzz/seeds/kmt", kmt_fuzz_kmt, 3000) > 0);
}
