// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_frag.c - `kmbench frag [FILE|-]`
 *
 * Reads /proc/buddyinfo-format text ("Node 0, zone   Normal  n0 n1 ...",
 * one line per zone, any number of orders as long as every line has the
 * same) and prints what the kernel's /sys/kernel/debug/extfrag/unusable_index
 * and extfrag_index would print for it: first every zone's unusable_index
 * line, then every zone's extfrag_index line.  Bad input is reported as
 * FILE:LINE: and exits 65.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "kmm/mmzone.h"
#include "util.h"

#define FRAG_MAX_ORDERS	32
#define FRAG_DEFAULT	"/proc/buddyinfo"

struct frag_zone {
	long node;
	char name[32];
	unsigned long nr_free[FRAG_MAX_ORDERS];
};

struct frag_input {
	const char *file;
	unsigned long line;
	struct frag_zone *zones;
	size_t nr, cap;
	int nr_orders;
};

static void frag_usage(FILE *fp)
{
	fprintf(fp,
		"usage: kmbench frag [FILE|-]\n\n"
		"Reads /proc/buddyinfo-format text (default " FRAG_DEFAULT
		", - for standard\ninput) and prints the unusable free space "
		"index, then the external\nfragmentation index, of every zone "
		"and order, exactly as the kernel's\n"
		"/sys/kernel/debug/extfrag/{unusable_index,extfrag_index} "
		"print them.\n");
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Parse a decimal number ending at a space, tab, comma or end of line. */
static bool parse_number(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s && *s != ' ' && *s != '\t' && *s != ',')
		return false;
	*sp = s;
	*out = v;
	return true;
}

static int frag_error(struct frag_input *in, const char *msg, const char *at)
{
	if (at && *at)
		kmb_input_error(in->file, in->line, "%s at '%.20s'", msg, at);
	else
		kmb_input_error(in->file, in->line, "%s", msg);
	return -1;
}

static int parse_line(struct frag_input *in, const char *s)
{
	struct frag_zone z = { 0 };
	uint64_t v, pages = 0;
	size_t len;
	int n = 0;

	if (strncmp(s, "Node ", 5))
		return frag_error(in, "expected 'Node N, zone NAME COUNTS...'",
				  s);
	s = skip_spaces(s + 5);
	if (!parse_number(&s, &v) || *s != ',' || v > 1 << 20)
		return frag_error(in, "bad node number", s);
	z.node = (long)v;
	s = skip_spaces(s + 1);
	if (strncmp(s, "zone", 4) || (s[4] != ' ' && s[4] != '\t'))
		return frag_error(in, "expected 'zone' after the node", s);
	s = skip_spaces(s + 4);
	len = strcspn(s, " \t");
	if (!len || len >= sizeof(z.name))
		return frag_error(in, "bad zone name", s);
	memcpy(z.name, s, len);
	s = skip_spaces(s + len);
	while (*s) {
		if (n == FRAG_MAX_ORDERS)
			return frag_error(in, "too many orders", s);
		if (!parse_number(&s, &v) || *s == ',')
			return frag_error(in, "bad free block count", s);
		/* the page count must fit: count << order, summed */
		if (v > (UINT64_MAX >> 1) >> n ||
		    __builtin_add_overflow(pages, v << n, &pages) ||
		    pages > (UINT64_MAX >> 1) / 1000)
			return frag_error(in, "free block count too large",
					  NULL);
		z.nr_free[n++] = (unsigned long)v;
		s = skip_spaces(s);
	}
	if (!n)
		return frag_error(in, "no free block counts", NULL);
	if (in->nr && n != in->nr_orders) {
		kmb_input_error(in->file, in->line,
				"%d orders, but earlier lines have %d", n,
				in->nr_orders);
		return -1;
	}
	in->nr_orders = n;
	if (in->nr == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 8;
		in->zones = kmb_xrealloc(in->zones,
					 in->cap * sizeof(*in->zones));
	}
	in->zones[in->nr++] = z;
	return 0;
}

static int read_buddyinfo(FILE *fp, struct frag_input *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &cap, fp)) >= 0) {
		in->line++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((size_t)len != strlen(line)) {
			ret = frag_error(in, "NUL byte in line", NULL);
			break;
		}
		ret = parse_line(in, line);
		if (ret)
			break;
	}
	if (!ret && ferror(fp)) {
		kmb_input_error(in->file, 0, "read error: %s", strerror(errno));
		ret = -1;
	}
	if (!ret && !in->nr) {
		kmb_input_error(in->file, 0, "no zone lines");
		ret = -1;
	}
	free(line);
	return ret;
}

static void print_indices(const struct frag_input *in, bool extfrag)
{
	for (size_t i = 0; i < in->nr; i++)
		kmm_print_index_line(stdout, (int)in->zones[i].node,
				     in->zones[i].name, in->zones[i].nr_free,
				     in->nr_orders, extfrag);
}

int cmd_frag(int argc, char **argv)
{
	struct frag_input in = { .file = NULL };
	const char *path = NULL;
	FILE *fp;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			frag_usage(stdout);
			return 0;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			kmb_warn("frag: unknown option '%s'", argv[i]);
			frag_usage(stderr);
			return KMB_EX_USAGE;
		}
		if (path) {
			kmb_warn("frag: one input only");
			frag_usage(stderr);
			return KMB_EX_USAGE;
		}
		path = argv[i];
	}
	if (path && !strcmp(path, "-")) {
		fp = stdin;
		in.file = "<stdin>";
	} else {
		in.file = path ? path : FRAG_DEFAULT;
		fp = fopen(in.file, "r");
		if (!fp) {
			kmb_input_error(in.file, 0, "cannot open: %s",
					strerror(errno));
			return path ? KMB_EX_DATAERR : KMB_EX_UNAVAILABLE;
		}
	}
	ret = read_buddyinfo(fp, &in);
	if (fp != stdin)
		fclose(fp);
	if (!ret) {
		print_indices(&in, false);
		print_indices(&in, true);
		if (fflush(stdout) || ferror(stdout)) {
			kmb_warn("frag: cannot write output");
			ret = KMB_EX_IOERR;
		}
	} else {
		ret = KMB_EX_DATAERR;
	}
	free(in.zones);
	return ret;
}
