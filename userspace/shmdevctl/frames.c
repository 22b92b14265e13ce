// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl frames: the physical page frames behind a region.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctl.h"

/* ------------------------------------------------------------------ */
/* frames                                                              */

static volatile sig_atomic_t stop_holding;

static void on_stop(int sig)
{
	(void)sig;
	stop_holding = 1;
}

int cmd_frames(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmdev_info info;
	struct sigaction sa;
	sigset_t block, old;
	int json = 0, hold = 0, hidden = 0, c, fd, ret = EXIT_SUCCESS;
	const char *name;
	long psz = sysconf(_SC_PAGESIZE);
	size_t pages, p;
	char *addr;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "JH", opts, NULL)) != -1) {
		switch (c) {
		case 'J':
			json = 1;
			break;
		case 'H':
			hold = 1;
			break;
		default:
			bad_option(argv);
		}
	}
	if (argc - optind != 1)
		usage_error("expected NAME");
	name = argv[optind];

	fd = attach_ro("frames", name);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_info(fd, &info) < 0) {
		fail(OP_INFO, "frames", name);
		close(fd);
		return EXIT_FAILURE;
	}
	addr = shmdev_map(fd, (size_t)info.size, PROT_READ);
	if (addr == MAP_FAILED) {
		fail(OP_MMAP, "frames: mmap of", name);
		close(fd);
		return EXIT_FAILURE;
	}
	pages = (size_t)info.size / (size_t)psz;

	if (json) {
		printf("{\"id\": %" PRIu64 ", \"name\": ", (uint64_t)info.id);
		json_str(info_name(&info), SHMDEV_NAME_MAX);
		printf(", \"size\": %" PRIu64 ", \"page_size\": %ld"
		       ", \"pid\": %ld, \"frames\": [",
		       (uint64_t)info.size, psz, (long)getpid());
	} else {
		printf("%-5s %-18s %s\n", "PAGE", "VADDR", "PFN");
	}
	for (p = 0; p < pages; p++) {
		const volatile char *page = addr + p * (size_t)psz;
		uint64_t pfn;
		int present;

		(void)*page;	/* touch: fault the page into our page table */
		present = shmdev_pfn((const void *)page, &pfn);
		if (present < 0) {
			fail(OP_PAGEMAP, "frames: reading /proc/self/pagemap for", name);
			ret = EXIT_FAILURE;
			break;
		}
		if (present && !pfn)
			hidden = 1;
		if (json) {
			printf("%s{\"page\": %zu, \"vaddr\": \"%p\", "
			       "\"present\": %s, \"pfn\": ", p ? ", " : "", p,
			       (const void *)page, present ? "true" : "false");
			if (present && pfn)
				printf("%" PRIu64 "}", pfn);
			else
				printf("null}");
		} else {
			printf("%-5zu 0x%016" PRIxPTR " ", p, (uintptr_t)page);
			if (!present)
				printf("not-present\n");
			else if (!pfn)
				printf("hidden\n");
			else
				printf("0x%" PRIx64 "\n", pfn);
		}
	}
	if (json)
		printf("], \"pfn_hidden\": %s}\n", hidden ? "true" : "false");
	if (hidden)
		fprintf(stderr, "%s: note: PFNs read as 0 without "
			"CAP_SYS_ADMIN; run as root to see them\n", prog);
	fflush(stdout);

	if (hold && ret == EXIT_SUCCESS) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigprocmask(SIG_BLOCK, &block, &old);
		fprintf(stderr, "%s: pid %ld holding the mapping of '%s' at %p; "
			"send SIGTERM to release it\n", prog, (long)getpid(),
			name, (void *)addr);
		while (!stop_holding)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	munmap(addr, (size_t)info.size);
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */
