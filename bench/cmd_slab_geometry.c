// SPDX-License-Identifier: GPL-2.0
/*
 * bench/cmd_slab_geometry.c - `kmbench slab-geometry --cpus N
 * SIZE[:ALIGN[:FLAGS]]...`: what SLUB makes of a cache on an N-CPU machine,
 * one line per spec: object_size slab_size objs_per_slab order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "kmm/cpu.h"
#include "kmm/slab.h"
#include "util.h"

static const struct {
	const char *name;
	slab_flags_t flag;
} geometry_flags[] = {
	{ "hwcache_align", SLAB_HWCACHE_ALIGN },
	{ "poison", SLAB_POISON },
	{ "red_zone", SLAB_RED_ZONE },
	{ "store_user", SLAB_STORE_USER },
	{ "typesafe_by_rcu", SLAB_TYPESAFE_BY_RCU },
	{ "kmalloc", SLAB_KMALLOC },
	{ "ctor", 0 },
};

static void geometry_usage(FILE *fp)
{
	fprintf(fp,
		"usage: kmbench slab-geometry [--cpus N] SIZE[:ALIGN[:FLAGS]]...\n"
		"\n"
		"Prints what SLUB (Linux 6.7+, x86_64, 4 KiB pages) makes of a "
		"cache of\nSIZE-byte objects aligned to ALIGN on an N-CPU "
		"machine, one line per spec:\n"
		"  object_size slab_size objs_per_slab order\n\n"
		"  --cpus N   CPUs of the machine (default: this machine's, "
		"1..%d)\n"
		"  FLAGS      comma-separated: hwcache_align poison red_zone "
		"store_user ctor\n"
		"             typesafe_by_rcu kmalloc\n\n"
		"example: kmbench slab-geometry --cpus 2 256 344 5840:64\n",
		KMM_MAX_CPUS);
}

/* Parse FLAGS (comma-separated names); false with a message if bad. */
static bool parse_flags(const char *spec, char *s, slab_flags_t *flags,
			bool *ctor)
{
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(geometry_flags); i++)
			if (!strcmp(tok, geometry_flags[i].name))
				break;
		if (i == ARRAY_SIZE(geometry_flags)) {
			kmb_warn("slab-geometry: '%s': unknown flag '%s'",
				 spec, tok);
			return false;
		}
		*flags |= geometry_flags[i].flag;
		if (!strcmp(tok, "ctor"))
			*ctor = true;
	}
	return true;
}

/* SIZE[:ALIGN[:FLAGS]] -> one output line; false if the spec is bad. */
static bool geometry_spec(const char *spec, unsigned int nr_cpus)
{
	char buf[256], *size_s, *align_s, *flags_s = NULL;
	uint64_t size, align = 0;
	slab_flags_t flags = 0;
	struct slab_geometry g;
	bool ctor = false;

	if (strlen(spec) >= sizeof(buf)) {
		kmb_warn("slab-geometry: spec too long");
		return false;
	}
	strcpy(buf, spec);
	size_s = buf;
	align_s = strchr(buf, ':');
	if (align_s) {
		*align_s++ = '\0';
		flags_s = strchr(align_s, ':');
		if (flags_s)
			*flags_s++ = '\0';
	}
	if (!kmb_parse_u64(size_s, &size, true) || !size ||
	    size > KMALLOC_MAX_SIZE) {
		kmb_warn("slab-geometry: '%s': SIZE must be 1..%lu", spec,
			 (unsigned long)KMALLOC_MAX_SIZE);
		return false;
	}
	if (align_s && *align_s &&
	    (!kmb_parse_u64(align_s, &align, true) ||
	     (align & (align - 1)) || align > PAGE_SIZE)) {
		kmb_warn("slab-geometry: '%s': ALIGN must be a power of two "
			 "up to %lu", spec, PAGE_SIZE);
		return false;
	}
	if (flags_s && *flags_s && !parse_flags(spec, flags_s, &flags, &ctor))
		return false;
	if (slab_calculate_geometry(&g, (unsigned int)size,
				    (unsigned int)align, flags, ctor,
				    nr_cpus)) {
		kmb_warn("slab-geometry: '%s': too large for a slab", spec);
		return false;
	}
	printf("%u %u %u %u\n", g.object_size, g.size, g.objects, g.order);
	return true;
}

int cmd_slab_geometry(int argc, char **argv)
{
	long host = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int nr_cpus = host > 0 && host <= KMM_MAX_CPUS ?
			       (unsigned int)host : 1;
	int i, nspecs = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			geometry_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--cpus") ||
		    !strncmp(argv[i], "--cpus=", 7)) {
			const char *v = argv[i][6] == '=' ? argv[i] + 7 :
					argv[++i];
			uint64_t n;

			if (!v || !kmb_parse_u64(v, &n, false) || n < 1 ||
			    n > KMM_MAX_CPUS) {
				kmb_warn("slab-geometry: --cpus needs a number "
					 "1..%d", KMM_MAX_CPUS);
				return KMB_EX_USAGE;
			}
			nr_cpus = (unsigned int)n;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			kmb_warn("slab-geometry: unknown option '%s'", argv[i]);
			geometry_usage(stderr);
			return KMB_EX_USAGE;
		} else {
			nspecs++;
		}
	}
	if (!nspecs) {
		geometry_usage(stderr);
		return KMB_EX_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpus")) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		if (!geometry_spec(argv[i], nr_cpus))
			return KMB_EX_USAGE;
	}
	return 0;
}
