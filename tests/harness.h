/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/harness.h - a small TAP test harness.
 *
 *	TEST(buddy_split)
 *	{
 *		struct page *p = alloc_pages(GFP_KERNEL, 3);
 *		CHECK(p != NULL);
 *		CHECK_EQ(page_count(p), 1);
 *	}
 *
 * Tests register themselves; the harness's main() runs them in order (or
 * those named on the command line) and prints TAP ("ok 3 - buddy_split"),
 * which meson reads.  A failed CHECK prints "# FILE:LINE: ..." and marks the
 * test failed but lets it go on; REQUIRE returns from the test at once.
 *
 * th_expect_death() runs a function in a child process and checks that it
 * dies (abort or non-zero exit) with stderr containing a given text: for
 * tests of misuse reports.
 */
#ifndef KMB_TEST_HARNESS_H
#define KMB_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*th_fn)(void);

/*
 * Tests run in source order (file, then line), whatever order the
 * constructors that register them run in (it changes with LTO).
 */
void th_register(const char *name, th_fn fn, const char *file, int line);
void th_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Mark the current test skipped (TAP "# SKIP reason"), e.g. when it needs
 * root; the test should return right after.
 */
void th_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of failed checks in the current test so far. */
int th_failures(void);

#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void th_reg_##name(void)	\
	{								\
		th_register(#name, test_##name, __FILE__, __LINE__);	\
	}								\
	static void test_##name(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			th_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define REQUIRE(cond)							\
	do {								\
		if (!(cond)) {						\
			th_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond); \
			return;						\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long th_a = (long long)(a), th_b = (long long)(b);	\
		if (th_a != th_b)					\
			th_fail(__FILE__, __LINE__,			\
				"CHECK_EQ(%s, %s): %lld != %lld",	\
				#a, #b, th_a, th_b);			\
	} while (0)

#define CHECK_UEQ(a, b)							\
	do {								\
		unsigned long long th_a = (unsigned long long)(a);	\
		unsigned long long th_b = (unsigned long long)(b);	\
		if (th_a != th_b)					\
			th_fail(__FILE__, __LINE__,			\
				"CHECK_UEQ(%s, %s): %#llx != %#llx",	\
				#a, #b, th_a, th_b);			\
	} while (0)

#define CHECK_STR_EQ(a, b)						\
	do {								\
		const char *th_a = (a), *th_b = (b);			\
		if (!th_a || !th_b || strcmp(th_a, th_b))		\
			th_fail(__FILE__, __LINE__,			\
				"CHECK_STR_EQ(%s, %s):\n#   got:      %s\n" \
				"#   expected: %s", #a, #b,		\
				th_a ? th_a : "(null)",			\
				th_b ? th_b : "(null)");		\
	} while (0)

#define CHECK_NEAR(a, b, eps)						\
	do {								\
		double th_a = (a), th_b = (b);				\
		if (!(th_a - th_b <= (eps) && th_b - th_a <= (eps)))	\
			th_fail(__FILE__, __LINE__,			\
				"CHECK_NEAR(%s, %s): %g vs %g",		\
				#a, #b, th_a, th_b);			\
	} while (0)

/*
 * Run @fn(@arg) in a child.  Returns true when the child died (signal or
 * non-zero exit) and its stderr contains @expect (NULL: anything).  The
 * child's stderr is kept in @out (size @outlen) when @out is not NULL.
 */
bool th_expect_death(void (*fn)(void *), void *arg, const char *expect,
		     char *out, size_t outlen);

/*
 * Capture what @fn(@arg) writes to stderr (in this process) into @out.
 * Returns the number of bytes captured.
 */
size_t th_capture_stderr(void (*fn)(void *), void *arg, char *out,
			 size_t outlen);

/* Path of a file in the source tree (tests/data/...); static buffer. */
const char *th_srcpath(const char *rel);

/* A fixed seed for randomized tests: $KMB_TEST_SEED or 12345. */
uint64_t th_seed(void);

#endif /* KMB_TEST_HARNESS_H */
