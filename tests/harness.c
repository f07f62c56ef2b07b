// SPDX-License-Identifier: GPL-2.0
/*
 * tests/harness.c - see harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#ifndef TH_SOURCE_ROOT
#define TH_SOURCE_ROOT "."
#endif

#define TH_MAX_TESTS 1024

static struct th_test {
	const char *name;
	th_fn fn;
	const char *file;
	int line;
} tests[TH_MAX_TESTS];
static int nr_tests;
static int cur_failures;
static char cur_skip[256];

void th_register(const char *name, th_fn fn, const char *file, int line)
{
	if (nr_tests == TH_MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(99);
	}
	tests[nr_tests].name = name;
	tests[nr_tests].fn = fn;
	tests[nr_tests].file = file;
	tests[nr_tests].line = line;
	nr_tests++;
}

void th_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cur_failures++;
	fflush(stdout);
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void th_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur_skip, sizeof(cur_skip), fmt, ap);
	va_end(ap);
}

int th_failures(void)
{
	return cur_failures;
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

static size_t read_all(int fd, char *out, size_t outlen)
{
	size_t n = 0;
	char sink[512];

	for (;;) {
		ssize_t r;

		if (n + 1 < outlen)
			r = read(fd, out + n, outlen - 1 - n);
		else
			r = read(fd, sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < outlen)
			n += (size_t)r;
	}
	if (outlen)
		out[n] = '\0';
	return n;
}

bool th_expect_death(void (*fn)(void *), void *arg, const char *expect,
		     char *out, size_t outlen)
{
	char local[8192];
	int pipefd[2], status;
	pid_t pid;
	bool died;

	if (!out) {
		out = local;
		outlen = sizeof(local);
	}
	fflush(stdout);
	fflush(stderr);
	if (pipe(pipefd))
		return false;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], 2);
		/* no core files, no ASan noise on purpose-made aborts */
		fn(arg);
		fflush(stderr);
		_exit(0);
	}
	close(pipefd[1]);
	read_all(pipefd[0], out, outlen);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	died = WIFSIGNALED(status) ||
	       (WIFEXITED(status) && WEXITSTATUS(status) != 0);
	if (!died)
		return false;
	return !expect || strstr(out, expect) != NULL;
}

size_t th_capture_stderr(void (*fn)(void *), void *arg, char *out,
			 size_t outlen)
{
	char path[] = "/tmp/kmbench-test-stderr-XXXXXX";
	int fd = mkstemp(path), saved;
	size_t n;

	if (fd < 0)
		return 0;
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read_all(fd, out, outlen);
	close(fd);
	return n;
}

const char *th_srcpath(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", TH_SOURCE_ROOT, rel);
	return buf;
}

uint64_t th_seed(void)
{
	const char *s = getenv("KMB_TEST_SEED");

	return s ? strtoull(s, NULL, 0) : 12345;
}

static int by_source_order(const void *a, const void *b)
{
	const struct th_test *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c)
		return c;
	return (x->line > y->line) - (x->line < y->line);
}

int main(int argc, char **argv)
{
	int run = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	qsort(tests, (size_t)nr_tests, sizeof(tests[0]), by_source_order);
	for (int i = 0; i < nr_tests; i++)
		if (selected(tests[i].name, argc, argv))
			run++;
	printf("1..%d\n", run);
	run = 0;
	for (int i = 0; i < nr_tests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		cur_failures = 0;
		cur_skip[0] = '\0';
		tests[i].fn();
		run++;
		if (cur_failures) {
			failed++;
			printf("not ok %d - %s\n", run, tests[i].name);
		} else if (cur_skip[0]) {
			printf("ok %d - %s # SKIP %s\n", run, tests[i].name,
			       cur_skip);
		} else {
			printf("ok %d - %s\n", run, tests[i].name);
		}
	}
	return failed ? 1 : 0;
}
