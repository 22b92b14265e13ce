// SPDX-License-Identifier: GPL-2.0
/*
 * Unrelated process for the shmdev selftests (exec'd, shares nothing with
 * the test but the region name):
 *
 *   shmdev_helper check NAME PAGES SEED
 *	attach NAME read-write, map PAGES pages, verify the whole mapping
 *	holds pattern(SEED), print each page's PFN (hex, one per line),
 *	then fill it with pattern(SEED + 1).
 *   shmdev_helper notify NAME CHANNEL
 *	attach NAME read-only and NOTIFY CHANNEL; print the new sequence.
 *
 * Exit status: 0 success, 2 usage, 3 open, 4 attach, 5 mmap, 6 data
 * mismatch, 7 pagemap, 8 notify.
 */
#define SHMDEV_NO_HARNESS
#include "shmdev_common.h"

static int do_check(const char *name, long pages, uint64_t seed)
{
	size_t len = pages * page_size();
	char *p;
	long i;
	int fd;

	fd = shmdev_open(O_RDWR);
	if (fd < 0)
		return 3;
	if (sd_attach_name(fd, name, 0, NULL))
		return 4;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 5;
	if (check_pattern(p, len, seed) != -1)
		return 6;
	for (i = 0; i < pages; i++) {
		uint64_t pfn = pfn_of(p + i * page_size());

		if (!pfn)
			return 7;
		printf("%" PRIx64 "\n", pfn);
	}
	fflush(stdout);
	fill_pattern(p, len, seed + 1);
	munmap(p, len);
	close(fd);
	return 0;
}

static int do_notify(const char *name, unsigned int channel)
{
	__u64 seq;
	int fd;

	fd = shmdev_open(O_RDONLY);
	if (fd < 0)
		return 3;
	if (sd_attach_name(fd, name, SHMDEV_ATTACH_RDONLY, NULL))
		return 4;
	if (sd_notify(fd, channel, &seq))
		return 8;
	printf("%llu\n", (unsigned long long)seq);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "check"))
		return do_check(argv[2], strtol(argv[3], NULL, 0),
				strtoull(argv[4], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "notify"))
		return do_notify(argv[2], strtoul(argv[3], NULL, 0));
	fprintf(stderr, "usage: %s check NAME PAGES SEED | notify NAME CHANNEL\n",
		argv[0]);
	return 2;
}
