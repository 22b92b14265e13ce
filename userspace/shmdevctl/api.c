// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl api: what the loaded module supports.
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
/* api                                                                 */

static const char *const ioctl_names[] = {
	"API", "CREATE", "ATTACH", "INFO", "DESTROY", "LIST", "NOTIFY",
	"WAIT", "ACK", "MAP", "POST", "WAKE", "WAITV", "POLL_MASK",
};
#define NR_IOCTL_NAMES (sizeof(ioctl_names) / sizeof(ioctl_names[0]))

int cmd_api(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmdev_api api;
	int json = 0, c, fd;
	unsigned int n;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "J", opts, NULL)) != -1) {
		if (c == 'J')
			json = 1;
		else
			bad_option(argv);
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);

	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_api(fd, &api) < 0) {
		fail(OP_API, "api", device);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);

	if (json) {
		const char *sep = "";

		printf("{\"version\": %" PRIu32 ", \"flags\": %" PRIu32
		       ", \"ioctls\": %" PRIu64 ", \"ioctl_names\": [",
		       api.version, api.flags, (uint64_t)api.ioctls);
		for (n = 0; n < 64; n++) {
			if (!(api.ioctls & (1ULL << n)))
				continue;
			if (n < NR_IOCTL_NAMES)
				printf("%s\"%s\"", sep, ioctl_names[n]);
			else
				printf("%s\"0x%02x\"", sep, n);
			sep = ", ";
		}
		printf("], \"create_flags\": %" PRIu64
		       ", \"attach_flags\": %" PRIu64
		       ", \"wait_flags\": %" PRIu64
		       ", \"max_region_size\": %" PRIu64
		       ", \"max_channels\": %" PRIu32
		       ", \"page_size\": %" PRIu32
		       ", \"huge_page_size\": %" PRIu64
		       ", \"ctl_offset\": %" PRIu64
		       ", \"ctl_size\": %" PRIu32
		       ", \"ctl_channel_size\": %" PRIu32 "}\n",
		       (uint64_t)api.create_flags, (uint64_t)api.attach_flags,
		       (uint64_t)api.wait_flags, (uint64_t)api.max_region_size,
		       api.max_channels, api.page_size,
		       (uint64_t)api.huge_page_size, (uint64_t)api.ctl_offset,
		       api.ctl_size, api.ctl_channel_size);
		return EXIT_SUCCESS;
	}

	printf("device:          %s\n", device);
	printf("api version:     %" PRIu32 "\n", api.version);
	printf("ioctls:          0x%" PRIx64 " (", (uint64_t)api.ioctls);
	for (n = 0, c = 0; n < 64; n++) {
		if (!(api.ioctls & (1ULL << n)))
			continue;
		if (n < NR_IOCTL_NAMES)
			printf("%s%s", c++ ? " " : "", ioctl_names[n]);
		else
			printf("%s0x%02x", c++ ? " " : "", n);
	}
	printf(")\n");
	printf("create flags:    0x%" PRIx64 "%s%s\n", (uint64_t)api.create_flags,
	       api.create_flags & SHMDEV_CREATE_OPEN ? " (OPEN)" : "",
	       api.create_flags & SHMDEV_CREATE_HUGE ? " (HUGE)" : "");
	printf("attach flags:    0x%" PRIx64 "%s%s%s%s\n",
	       (uint64_t)api.attach_flags,
	       api.attach_flags & SHMDEV_ATTACH_FLAGS_MASK ? " (" : "",
	       api.attach_flags & SHMDEV_ATTACH_BY_ID ? "BY_ID" : "",
	       (api.attach_flags & SHMDEV_ATTACH_FLAGS_MASK) ==
		       SHMDEV_ATTACH_FLAGS_MASK ? " RDONLY" :
	       api.attach_flags & SHMDEV_ATTACH_RDONLY ? "RDONLY" : "",
	       api.attach_flags & SHMDEV_ATTACH_FLAGS_MASK ? ")" : "");
	printf("wait flags:      0x%" PRIx64 "%s\n", (uint64_t)api.wait_flags,
	       api.wait_flags & SHMDEV_WAIT_ABSTIME ? " (ABSTIME)" : "");
	printf("max region size: %" PRIu64 " bytes\n",
	       (uint64_t)api.max_region_size);
	printf("max channels:    %" PRIu32 "\n", api.max_channels);
	printf("page size:       %" PRIu32 " bytes\n", api.page_size);
	if (api.huge_page_size)
		printf("huge page size:  %" PRIu64 " bytes\n",
		       (uint64_t)api.huge_page_size);
	/* A module before 0.3.0 leaves these zero: it has no control page. */
	if (api.ctl_offset)
		printf("control page:    offset 0x%" PRIx64 ", %" PRIu32
		       " bytes, %" PRIu32 " bytes a channel\n",
		       (uint64_t)api.ctl_offset, api.ctl_size,
		       api.ctl_channel_size);
	else
		printf("control page:    none (module before 0.3.0)\n");
	return EXIT_SUCCESS;
}

