// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl notify and wait: the notification channels.
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
/* notify, wait                                                        */

int cmd_notify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t channel = 0;
	uint64_t seq;
	int c, fd;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		if (c == 'c')
			channel = arg_u32("channel", optarg);
		else
			bad_option(argv);
	}
	if (argc - optind != 1)
		usage_error("expected NAME");

	fd = attach_ro("notify", argv[optind]);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_notify(fd, channel, &seq) < 0) {
		fail(OP_NOTIFY, "notify", argv[optind]);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	printf("%" PRIu64 "\n", seq);
	return EXIT_SUCCESS;
}

int cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "seq", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t channel = 0;
	uint64_t expected = 0, seq, timeout_ns = SHMDEV_WAIT_FOREVER, ms;
	int have_seq = 0, c, fd;
	const char *name;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "c:s:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			channel = arg_u32("channel", optarg);
			break;
		case 's':
			expected = arg_u64("sequence", optarg);
			have_seq = 1;
			break;
		case 't':
			ms = arg_u64("timeout", optarg);
			if (ms > (UINT64_MAX - 1) / 1000000)
				usage_error("invalid timeout '%s'", optarg);
			timeout_ns = ms * 1000000;
			break;
		default:
			bad_option(argv);
		}
	}
	if (argc - optind != 1)
		usage_error("expected NAME");
	name = argv[optind];

	fd = attach_ro("wait", name);
	if (fd < 0)
		return EXIT_FAILURE;
	/*
	 * Without --seq, wait for the next notification: take the current
	 * sequence now; a NOTIFY landing before WAIT starts still counts.
	 */
	if (!have_seq && shmdev_seq(fd, channel, &expected) < 0) {
		fail(OP_WAIT, "wait", name);
		close(fd);
		return EXIT_FAILURE;
	}
	if (shmdev_wait(fd, channel, expected, timeout_ns, 0, &seq) < 0) {
		int ret = EXIT_FAILURE;

		if (errno == ETIMEDOUT) {
			fprintf(stderr, "%s: wait '%s': timed out after %" PRIu64
				" ms (channel %" PRIu32 " still at sequence %"
				PRIu64 ")\n", prog, name, timeout_ns / 1000000,
				channel, seq);
			ret = EXIT_TIMEDOUT;
		} else {
			fail(OP_WAIT, "wait", name);
		}
		close(fd);
		return ret;
	}
	close(fd);
	printf("%" PRIu64 "\n", seq);
	return EXIT_SUCCESS;
}

