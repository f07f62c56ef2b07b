// SPDX-License-Identifier: GPL-2.0
/*
 * bench/baseline.c - run the baseline helper executables (see baseline.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "baseline.h"
#include "util.h"

#ifndef KMB_BACKEND_DIR
#define KMB_BACKEND_DIR "."
#endif

const char *const baseline_names[] = {
	"glibc", "jemalloc", "tcmalloc", "mimalloc", NULL
};

static bool known(const char *alloc)
{
	for (int i = 0; baseline_names[i]; i++)
		if (!strcmp(baseline_names[i], alloc))
			return true;
	return false;
}

/*
 * In $KMBENCH_BACKEND_DIR alone when it is set; else next to the running
 * program first (an installed or moved build), then in the build tree this
 * library was compiled for (tests run from elsewhere).
 */
const char *baseline_exe_path(const char *alloc, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;

	if (!known(alloc))
		return NULL;
	if (getenv("KMBENCH_BACKEND_DIR")) {	/* only there (tests) */
		snprintf(buf, len, "%s/kmbench-backend-%s",
			 getenv("KMBENCH_BACKEND_DIR"), alloc);
		return buf;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/backends/kmbench-backend-%s",
				 self, alloc);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	snprintf(buf, len, "%s/kmbench-backend-%s", KMB_BACKEND_DIR, alloc);
	return buf;
}

bool baseline_available(const char *alloc)
{
	char path[PATH_MAX];

	return baseline_exe_path(alloc, path, sizeof(path)) &&
	       access(path, X_OK) == 0;
}

int baseline_run(const char *alloc, char *const argv[], char **out)
{
	char path[PATH_MAX];
	size_t cap = 4096, len = 0;
	char *buf;
	int pipefd[2], status, argc = 0;
	char **args;
	pid_t pid;

	*out = NULL;
	if (!baseline_exe_path(alloc, path, sizeof(path))) {
		kmb_warn("unknown baseline allocator '%s'", alloc);
		return -1;
	}
	if (access(path, X_OK) != 0) {
		kmb_warn("baseline '%s' is not built (%s missing)", alloc,
			 path);
		return -1;
	}
	while (argv[argc])
		argc++;
	args = kmb_xcalloc((size_t)argc + 1, sizeof(*args));
	args[0] = path;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	if (pipe(pipefd) != 0) {
		free(args);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		free(args);
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		close(pipefd[1]);
		execv(path, args);
		fprintf(stderr, "kmbench: cannot run %s: %s\n", path,
			strerror(errno));
		_exit(127);
	}
	free(args);
	close(pipefd[1]);
	buf = kmb_xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			cap *= 2;
			buf = kmb_xrealloc(buf, cap);
		}
		r = read(pipefd[0], buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	*out = buf;
	if (WIFSIGNALED(status)) {
		kmb_warn("baseline '%s' died of signal %d", alloc,
			 WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

/* Read "ns_per_pair X" from a helper's output. */
static int read_result(const char *alloc, const char *out, double *ns)
{
	const char *p = out ? strstr(out, "ns_per_pair ") : NULL;
	char *end;

	if (!p) {
		kmb_warn("baseline '%s' gave no result", alloc);
		return -1;
	}
	*ns = strtod(p + 12, &end);
	if (end == p + 12 || *ns <= 0) {
		kmb_warn("baseline '%s' gave a bad result", alloc);
		return -1;
	}
	return 0;
}

static int run_mode(const char *alloc, const char *mode, size_t size,
		    size_t align, uint64_t iters, int reps, double *ns)
{
	char s_size[32], s_align[32], s_iters[32], s_reps[32];
	char *argv[] = { "backend", (char *)mode, s_size, s_align, s_iters,
			 s_reps, NULL };
	char *out;
	int ret;

	snprintf(s_size, sizeof(s_size), "%zu", size);
	snprintf(s_align, sizeof(s_align), "%zu", align);
	snprintf(s_iters, sizeof(s_iters), "%llu", (unsigned long long)iters);
	snprintf(s_reps, sizeof(s_reps), "%d", reps);
	ret = baseline_run(alloc, argv, &out);
	if (ret == 0)
		ret = read_result(alloc, out, ns);
	else if (ret > 0)
		kmb_warn("baseline '%s' %s failed (exit %d)", alloc, mode, ret);
	free(out);
	return ret ? -1 : 0;
}

int baseline_pairs(const char *alloc, size_t size, size_t align,
		   uint64_t iters, int reps, double *ns_per_pair)
{
	return run_mode(alloc, "pairs", size, align, iters, reps, ns_per_pair);
}

int baseline_remote_pairs(const char *alloc, size_t size, uint64_t iters,
			  int reps, double *ns_per_pair)
{
	return run_mode(alloc, "remote", size, 0, iters, reps, ns_per_pair);
}
