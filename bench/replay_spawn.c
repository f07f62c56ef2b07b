// SPDX-License-Identifier: GPL-2.0
/*
 * bench/replay_spawn.c - the parent's side of a replay in a baseline's
 * helper process (see replay_helper.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baseline.h"
#include "replay_helper.h"
#include "util.h"

static int read_results(int fd, struct replay_run *run)
{
	struct stat st;
	const char *p, *end;
	char *map;
	int ret = -1;

	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*run->res))
		return -1;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	p = map;
	end = map + st.st_size;
	memcpy(run->res, p, sizeof(*run->res));
	p += sizeof(*run->res);
	if (run->res->magic != (REPLAY_MAGIC ^ sizeof(*run->res)) ||
	    run->res->nr_samples > REPLAY_MAX_SAMPLES ||
	    (size_t)(end - p) < run->res->nr_samples * sizeof(*run->samples))
		goto out;
	memcpy(run->samples, p, run->res->nr_samples * sizeof(*run->samples));
	p += run->res->nr_samples * sizeof(*run->samples);
	while (p < end) {
		struct replay_hist_rec r;
		const struct hist_pair *pairs;
		struct hist *h;

		if ((size_t)(end - p) < sizeof(r))
			goto out;
		memcpy(&r, p, sizeof(r));
		p += sizeof(r);
		if (r.op >= ROP_NR || r.cls >= RCLASS_NR ||
		    r.path >= RPATH_NR || r.nnz > HIST_BUCKETS ||
		    (size_t)(end - p) < r.nnz * sizeof(*pairs))
			goto out;
		pairs = (const struct hist_pair *)p;
		p += r.nnz * sizeof(*pairs);
		h = run->h[r.op][r.cls][r.path];
		if (!h) {
			h = replay_map(sizeof(*h));
			if (!h)
				goto out;
			hist_init(h);
			run->h[r.op][r.cls][r.path] = h;
		}
		h->count += r.count;
		h->sum += r.sum;
		if (r.min < h->min)
			h->min = r.min;
		if (r.max > h->max)
			h->max = r.max;
		for (uint32_t i = 0; i < r.nnz; i++) {
			if (pairs[i].idx >= HIST_BUCKETS)
				goto out;
			h->b[pairs[i].idx] += pairs[i].count;
		}
	}
	ret = 0;
out:
	munmap(map, (size_t)st.st_size);
	return ret;
}

int replay_in_helper(const char *alloc, const struct replay_image *im,
		     const struct replay_opts *o, struct replay_run *run)
{
	char path[PATH_MAX], fds[2][16], tl[24];
	static const char *const touch[] = { "none", "first", "all" };
	int in_fd, out_fd, status, ret = KMB_EX_SOFTWARE;
	const char *exe;
	pid_t pid;

	exe = baseline_exe_path(alloc, path, sizeof(path));
	if (!exe || access(exe, X_OK)) {
		kmb_warn("replay: allocator '%s' is not installed: %s was not "
			 "built (its library was missing when kmbench was "
			 "configured)", alloc, exe ? exe : alloc);
		return KMB_EX_UNAVAILABLE;
	}
	in_fd = memfd_create("kmbench-replay-image", 0);
	out_fd = memfd_create("kmbench-replay-result", 0);
	if (in_fd < 0 || out_fd < 0) {
		kmb_warn("replay: memfd_create: %s", strerror(errno));
		goto out;
	}
	if (replay_write_all(in_fd, im, im->bytes)) {
		kmb_warn("replay: cannot write the replay image: %s",
			 strerror(errno));
		goto out;
	}
	snprintf(fds[0], sizeof(fds[0]), "%d", in_fd);
	snprintf(fds[1], sizeof(fds[1]), "%d", out_fd);
	snprintf(tl, sizeof(tl), "%llu", (unsigned long long)o->timeline);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		kmb_warn("replay: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		execl(exe, exe, "replay", fds[0], fds[1],
		      o->percpu ? "percpu" : "1", touch[o->touch],
		      o->untimed ? "1" : "0", o->verify ? "1" : "0", tl,
		      (char *)NULL);
		fprintf(stderr, "kmbench: cannot run %s: %s\n", exe,
			strerror(errno));
		_exit(KMB_EX_UNAVAILABLE);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		kmb_warn("replay: the %s helper died of signal %d", alloc,
			 WTERMSIG(status));
		goto out;
	}
	if (WEXITSTATUS(status)) {
		ret = WEXITSTATUS(status);
		kmb_warn("replay: the %s helper failed (exit %d)", alloc, ret);
		goto out;
	}
	if (read_results(out_fd, run)) {
		kmb_warn("replay: the %s helper's results are unreadable",
			 alloc);
		goto out;
	}
	ret = 0;
out:
	if (in_fd >= 0)
		close(in_fd);
	if (out_fd >= 0)
		close(out_fd);
	return ret;
}
