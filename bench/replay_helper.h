/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench/replay_helper.h - replays in a baseline's helper process.
 *
 * The parent writes the replay image into a memfd and starts
 *
 *	kmbench-backend-NAME replay IMAGE_FD RESULT_FD THREADS TOUCH UNTIMED
 *		VERIFY TIMELINE
 *
 * (THREADS percpu|1, TOUCH none|first|all, UNTIMED and VERIFY 0|1,
 * TIMELINE N).  The helper maps the image, replays it through its
 * allocator, and writes to RESULT_FD (another memfd): struct replay_result,
 * nr_samples struct replay_sample, then each non-empty histogram as a
 * struct replay_hist_rec followed by nnz (index, count) pairs.  Both sides
 * are the same build, so the structs need no encoding.
 */
#ifndef KMB_REPLAY_HELPER_H
#define KMB_REPLAY_HELPER_H

#include "backend.h"

typedef int (*replay_runner_fn)(const struct replay_image *im,
				const struct replay_opts *o,
				struct replay_run *run);

/* The helper's side: argv as above (argv[1] == "replay"); an exit code. */
int replay_helper_main(int argc, char **argv, replay_runner_fn runner);

/* The parent's side: replay @im through baseline @alloc into @run. */
int replay_in_helper(const char *alloc, const struct replay_image *im,
		     const struct replay_opts *o, struct replay_run *run);

/* The result stream's histogram record, then @nnz hist_pair */
struct replay_hist_rec {
	uint16_t op, cls, path, pad;
	uint32_t nnz, pad2;
	uint64_t count, sum, min, max;
};

struct hist_pair {
	uint32_t idx, pad;
	uint64_t count;
};

/* write() all of @buf; 0 or -1 */
int replay_write_all(int fd, const void *buf, size_t len);

/* Resident set of this process in bytes (reads /proc, no malloc). */
uint64_t replay_rss_bytes(void);

#endif /* KMB_REPLAY_HELPER_H */
