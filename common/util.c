// SPDX-License-Identifier: GPL-2.0
/*
 * common/util.c - see util.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *kmb_progname = "kmbench";

static void vwarn_prefixed(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kmb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_prefixed(kmb_progname, fmt, ap);
	va_end(ap);
}

void kmb_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_prefixed(kmb_progname, fmt, ap);
	va_end(ap);
	exit(code);
}

void kmb_input_error(const char *file, unsigned long line, const char *fmt,
		     ...)
{
	va_list ap;

	fflush(stdout);
	if (line)
		fprintf(stderr, "%s:%lu: ", file, line);
	else
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static bool apply_suffix(const char *end, uint64_t *v)
{
	unsigned int shift;

	switch (*end) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	default: return false;
	}
	if (end[1] != '\0' && !((end[1] == 'i' || end[1] == 'B') &&
				(end[2] == '\0' || (end[1] == 'i' &&
				 end[2] == 'B' && end[3] == '\0'))))
		return false;
	if (*v > (UINT64_MAX >> shift))
		return false;
	*v <<= shift;
	return true;
}

bool kmb_parse_u64(const char *s, uint64_t *out, bool suffix)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	*out = v;
	if (*end == '\0')
		return true;
	return suffix && apply_suffix(end, out);
}

bool kmb_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s == ' ')
		return false;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

bool kmb_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || *s == ' ')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

static int fsync_dir_of(const char *path)
{
	char *dup = kmb_xstrdup(path);
	char *slash = strrchr(dup, '/');
	int fd, ret = 0;

	if (slash == dup)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dup, ".");
	fd = open(dup, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		if (fsync(fd) != 0 && errno != EINVAL)
			ret = -errno;
		close(fd);
	}
	free(dup);
	return ret;
}

int kmb_atomic_open(struct kmb_atomic_file *af, const char *path)
{
	size_t n = strlen(path) + 32;
	int fd;

	af->path = kmb_xstrdup(path);
	af->tmp = kmb_xmalloc(n);
	snprintf(af->tmp, n, "%s.tmp.%ld", path, (long)getpid());
	fd = open(af->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	af->fp = fdopen(fd, "w");
	if (!af->fp) {
		close(fd);
		unlink(af->tmp);
		goto fail;
	}
	return 0;
fail:
	n = (size_t)errno;
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->fp = NULL;
	return n ? -(int)n : -EIO;	/* never 0: the caller would use af */
}

int kmb_atomic_commit(struct kmb_atomic_file *af)
{
	int ret = 0;

	if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)))
		ret = -errno;
	if (fclose(af->fp) != 0 && !ret)
		ret = -errno;
	af->fp = NULL;
	if (!ret && rename(af->tmp, af->path) != 0)
		ret = -errno;
	if (ret)
		unlink(af->tmp);
	else
		ret = fsync_dir_of(af->path);
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	return ret ? (ret < 0 ? ret : -EIO) : 0;
}

void kmb_atomic_abort(struct kmb_atomic_file *af)
{
	if (af->fp)
		fclose(af->fp);
	if (af->tmp)
		unlink(af->tmp);
	free(af->path);
	free(af->tmp);
	af->fp = NULL;
	af->path = af->tmp = NULL;
}

int kmb_write_file_atomic(const char *path, const void *data, size_t len)
{
	struct kmb_atomic_file af;
	int ret = kmb_atomic_open(&af, path);

	if (ret)
		return ret;
	if (len && fwrite(data, 1, len, af.fp) != len) {
		ret = -errno;
		kmb_atomic_abort(&af);
		return ret ? ret : -EIO;
	}
	return kmb_atomic_commit(&af);
}

int kmb_mkdir_p(const char *path, unsigned int mode)
{
	char *dup = kmb_xstrdup(path);
	char *p = dup;
	int ret = 0;

	for (;;) {
		p = strchr(p + 1, '/');
		if (p)
			*p = '\0';
		if (*dup && mkdir(dup, mode) != 0 && errno != EEXIST) {
			ret = -errno;
			break;
		}
		if (!p)
			break;
		*p = '/';
	}
	free(dup);
	return ret;
}

uint64_t kmb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *oom(size_t size)
{
	kmb_die(KMB_EX_SOFTWARE, "out of memory (%zu bytes)", size);
}

void *kmb_xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	return p ? p : oom(size);
}

void *kmb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	return p ? p : oom(n * size);
}

void *kmb_xrealloc(void *old, size_t size)
{
	void *p = realloc(old, size ? size : 1);

	return p ? p : oom(size);
}

char *kmb_xstrdup(const char *s)
{
	char *p = strdup(s);

	return p ? p : oom(strlen(s) + 1);
}
