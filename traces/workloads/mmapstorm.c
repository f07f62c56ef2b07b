// SPDX-License-Identifier: GPL-2.0
/*
 * mmapstorm - the corpus's mmap-heavy workload: anonymous and file mappings
 * of mixed sizes, touched, partly unmapped, re-protected and grown with
 * mremap, with a deterministic pseudo-random sequence.
 *
 *	cc -O2 -o mmapstorm mmapstorm.c && ./mmapstorm [ROUNDS]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 64

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 2000;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *map[SLOTS] = { 0 };
	size_t len[SLOTS] = { 0 };
	char file[SLOTS] = { 0 };
	int fd = open("/proc/self/exe", O_RDONLY);
	unsigned long sum = 0;

	for (long r = 0; r < rounds; r++) {
		int s = (int)(next() % SLOTS);
		size_t pages = 1 + next() % 512;

		if (map[s]) {
			switch (next() % 4) {
			case 0: {	/* grow */
				void *p = mremap(map[s], len[s], len[s] * 2,
						 MREMAP_MAYMOVE);
				if (p != MAP_FAILED) {
					map[s] = p;
					len[s] *= 2;
					if (!file[s])
						((char *)p)[len[s] - 1] = 1;
				}
				break;
			}
			case 1:		/* read-only, then back */
				mprotect(map[s], len[s], PROT_READ);
				sum += ((char *)map[s])[0];
				if (!file[s])
					mprotect(map[s], len[s],
						 PROT_READ | PROT_WRITE);
				break;
			case 2:		/* punch a hole, drop the rest */
				if (len[s] > 2 * pg)
					munmap((char *)map[s] + pg, pg);
				munmap(map[s], len[s]);
				map[s] = NULL;
				break;
			default:
				munmap(map[s], len[s]);
				map[s] = NULL;
				break;
			}
			continue;
		}
		len[s] = pages * pg;
		file[s] = 0;
		if (fd >= 0 && next() % 8 == 0) {
			len[s] = pg * (1 + next() % 4);
			map[s] = mmap(NULL, len[s], PROT_READ, MAP_PRIVATE,
				      fd, 0);
			file[s] = 1;
			if (map[s] == MAP_FAILED)
				map[s] = NULL;
			else
				sum += ((unsigned char *)map[s])[0];
			continue;
		}
		map[s] = mmap(NULL, len[s], PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map[s] == MAP_FAILED) {
			map[s] = NULL;
			continue;
		}
		/* touch every fourth page */
		for (size_t off = 0; off < len[s]; off += 4 * pg)
			((char *)map[s])[off] = (char)r;
	}
	for (int s = 0; s < SLOTS; s++)
		if (map[s])
			munmap(map[s], len[s]);
	printf("%lu\n", sum);
	return 0;
}
