// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl notify and wait: the notification channels.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
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

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * What an event loop does: poll() the descriptor until it is readable,
 * ACK every channel so that it stops being readable, and look whether
 * this channel moved past @expected.  @seq gets the channel's sequence
 * (also on ETIMEDOUT).
 */
static int wait_poll(int fd, uint32_t channel, uint64_t expected,
		     uint64_t timeout_ns, uint64_t *seq)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t start = mono_ms(), limit = timeout_ns / 1000000, left;
	struct shmdev_info info;
	uint64_t all;
	int n;

	if (shmdev_info(fd, &info) < 0)
		return -1;
	all = info.nr_channels >= 64 ? ~0ULL : (1ULL << info.nr_channels) - 1;
	for (;;) {
		if (shmdev_seq(fd, channel, seq) < 0)
			return -1;
		if (*seq != expected)
			return 0;
		left = limit - (mono_ms() - start);
		if (timeout_ns != SHMDEV_WAIT_FOREVER && mono_ms() - start >= limit) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, timeout_ns == SHMDEV_WAIT_FOREVER ? -1 :
			 (int)(left > INT_MAX ? INT_MAX : left));
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && shmdev_ack(fd, all, NULL) < 0)
			return -1;
	}
}

/*
 * Add the channels of @s ("N" or "N,M,...", -c may also repeat) to
 * @mask; *@last gets the last one, the channel of a one-channel wait.
 */
static void add_channels(const char *s, uint64_t *mask, uint32_t *last)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		usage_error("invalid channel list '%s'", s);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		*last = arg_u32("channel", tok);
		if (*last >= SHMDEV_MAX_CHANNELS)
			usage_error("invalid channel '%s' (0 to %d)", tok,
				    SHMDEV_MAX_CHANNELS - 1);
		*mask |= 1ULL << *last;
	}
	if (!*mask)
		usage_error("invalid channel list '%s'", s);
}

/*
 * Several channels: one WAITV from the current sequences; print
 * "CHANNEL SEQUENCE" for each channel that moved.
 */
static int wait_many(int fd, const char *name, uint64_t mask,
		     uint64_t timeout_ns)
{
	uint64_t seqs[SHMDEV_MAX_CHANNELS], adv = 0;
	struct shmdev_info info;
	unsigned int ch;

	if (shmdev_info(fd, &info) < 0)
		return fail(OP_WAIT, "wait", name);
	for (ch = 0; ch < SHMDEV_MAX_CHANNELS; ch++)
		seqs[ch] = info.seq[ch];
	if (shmdev_waitv(fd, mask, seqs, timeout_ns, 0, &adv) < 0) {
		if (errno != ETIMEDOUT)
			return fail(OP_WAITV, "wait", name);
		fprintf(stderr, "%s: wait '%s': timed out after %" PRIu64
			" ms (no channel of 0x%" PRIx64 " moved)\n", prog, name,
			timeout_ns / 1000000, mask);
		return EXIT_TIMEDOUT;
	}
	if (shmdev_info(fd, &info) < 0)
		return fail(OP_WAIT, "wait", name);
	for (ch = 0; ch < SHMDEV_MAX_CHANNELS; ch++)
		if (adv & (1ULL << ch))
			printf("%u %" PRIu64 "\n", ch, (uint64_t)info.seq[ch]);
	return EXIT_SUCCESS;
}

int cmd_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ "seq", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "poll", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t channel = 0;
	uint64_t expected = 0, seq, timeout_ns = SHMDEV_WAIT_FOREVER, ms;
	uint64_t mask = 0;
	int have_seq = 0, use_poll = 0, c, fd, ret;
	const char *name;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "c:s:t:p", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			add_channels(optarg, &mask, &channel);
			break;
		case 'p':
			use_poll = 1;
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
	if (mask & (mask - 1)) {
		if (have_seq || use_poll)
			usage_error("%s takes one channel", have_seq ?
				    "--seq" : "--poll");
	}

	fd = attach_ro("wait", name);
	if (fd < 0)
		return EXIT_FAILURE;
	if (mask & (mask - 1)) {
		ret = wait_many(fd, name, mask, timeout_ns);
		close(fd);
		return ret;
	}
	/*
	 * Without --seq, wait for the next notification: take the current
	 * sequence now; a NOTIFY landing before WAIT starts still counts.
	 */
	if (!have_seq && shmdev_seq(fd, channel, &expected) < 0) {
		fail(OP_WAIT, "wait", name);
		close(fd);
		return EXIT_FAILURE;
	}
	if (use_poll)
		ret = wait_poll(fd, channel, expected, timeout_ns, &seq);
	else
		ret = shmdev_wait(fd, channel, expected, timeout_ns, 0, &seq);
	if (ret < 0) {
		ret = EXIT_FAILURE;
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

