// SPDX-License-Identifier: GPL-2.0
/*
 * bench/replay_helper.c - both sides of a replay in a helper process.  See
 * replay_helper.h.  The helper's side allocates only with mmap().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay_engine.h"
#include "replay_helper.h"
#include "util.h"

uint64_t replay_rss_bytes(void)
{
	char buf[128], *s;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	strtoull(buf, &s, 10);
	return strtoull(s, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE);
}

int replay_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_hists(int fd, const struct replay_run *run)
{
	static struct hist_pair pairs[HIST_BUCKETS];

	for (int op = 0; op < ROP_NR; op++)
		for (int c = 0; c < RCLASS_NR; c++)
			for (int p = 0; p < RPATH_NR; p++) {
				const struct hist *h = run->h[op][c][p];
				struct replay_hist_rec r;
				uint32_t nnz = 0;

				if (!h || !h->count)
					continue;
				for (uint32_t i = 0; i < HIST_BUCKETS; i++)
					if (h->b[i]) {
						pairs[nnz].idx = i;
						pairs[nnz].pad = 0;
						pairs[nnz++].count = h->b[i];
					}
				memset(&r, 0, sizeof(r));
				r.op = (uint16_t)op;
				r.cls = (uint16_t)c;
				r.path = (uint16_t)p;
				r.nnz = nnz;
				r.count = h->count;
				r.sum = h->sum;
				r.min = h->min;
				r.max = h->max;
				if (replay_write_all(fd, &r, sizeof(r)) ||
				    replay_write_all(fd, pairs, nnz * sizeof(pairs[0])))
					return -1;
			}
	return 0;
}

static bool parse_opts(char **argv, struct replay_opts *o)
{
	uint64_t v;

	memset(o, 0, sizeof(*o));
	if (!strcmp(argv[0], "percpu"))
		o->percpu = true;
	else if (strcmp(argv[0], "1"))
		return false;
	if (!strcmp(argv[1], "first"))
		o->touch = TOUCH_FIRST;
	else if (!strcmp(argv[1], "all"))
		o->touch = TOUCH_ALL;
	else if (strcmp(argv[1], "none"))
		return false;
	o->untimed = !strcmp(argv[2], "1");
	o->verify = !strcmp(argv[3], "1");
	if (!kmb_parse_u64(argv[4], &v, false))
		return false;
	o->timeline = v;
	return true;
}

int replay_helper_main(int argc, char **argv, replay_runner_fn runner)
{
	uint64_t in_fd, out_fd;
	struct replay_image *im;
	struct replay_opts o;
	struct replay_run run;
	struct stat st;
	int ret;

	if (argc != 9 || !kmb_parse_u64(argv[2], &in_fd, false) ||
	    !kmb_parse_u64(argv[3], &out_fd, false) ||
	    !parse_opts(argv + 4, &o)) {
		fprintf(stderr, "usage: %s replay IMAGE_FD RESULT_FD "
			"percpu|1 none|first|all UNTIMED VERIFY TIMELINE\n",
			argv[0]);
		return KMB_EX_USAGE;
	}
	if (fstat((int)in_fd, &st) || (size_t)st.st_size < sizeof(*im)) {
		fprintf(stderr, "%s: no replay image on fd %d\n", argv[0],
			(int)in_fd);
		return KMB_EX_USAGE;
	}
	im = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, (int)in_fd,
		  0);
	if (im == MAP_FAILED || im->magic != REPLAY_MAGIC ||
	    im->bytes != (uint64_t)st.st_size) {
		fprintf(stderr, "%s: fd %d holds no replay image\n", argv[0],
			(int)in_fd);
		return KMB_EX_SOFTWARE;
	}
	if (replay_run_init(&run))
		return KMB_EX_SOFTWARE;
	ret = runner(im, &o, &run);
	if (ret)
		return ret;
	run.res->magic = REPLAY_MAGIC ^ sizeof(*run.res);
	if (replay_write_all((int)out_fd, run.res, sizeof(*run.res)) ||
	    replay_write_all((int)out_fd, run.samples,
		      run.res->nr_samples * sizeof(*run.samples)) ||
	    write_hists((int)out_fd, &run)) {
		fprintf(stderr, "%s: cannot write the results\n", argv[0]);
		return KMB_EX_SOFTWARE;
	}
	return 0;
}

