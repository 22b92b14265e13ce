// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map: where a region sits in the page tables of every process
 * that maps it (SHMDEV_IOC_MAP), as a table, JSON or SVG, or what changed
 * since a saved snapshot (--diff) or since the last look (--watch).
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
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "map.h"

struct map_opts {
	const char *target;	/* NAME, or ID with --id */
	int fd;			/* --fd: an attached descriptor, else -1 */
	bool by_id, verbose, json, watch;
	const char *svg, *diff;
	double interval;
	unsigned long count;	/* --watch rounds, 0: until a signal */
};

static volatile sig_atomic_t stop_watch;

static void on_stop(int sig)
{
	(void)sig;
	stop_watch = 1;
}

static double arg_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0.1 && v <= 86400))
		usage_error("invalid interval '%s' (seconds, 0.1 to 86400)", s);
	return v;
}

static void parse(int argc, char **argv, struct map_opts *o)
{
	static const struct option opts[] = {
		{ "id", no_argument, NULL, 'i' },
		{ "fd", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'J' },
		{ "svg", required_argument, NULL, 's' },
		{ "diff", required_argument, NULL, 'D' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->interval = 1;
	o->fd = -1;
	reset_getopt();
	while ((c = getopt_long(argc, argv, "if:vJs:D:wn:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': o->by_id = true; break;
		case 'f': o->fd = (int)arg_u32("descriptor", optarg); break;
		case 'v': o->verbose = true; break;
		case 'J': o->json = true; break;
		case 's': o->svg = optarg; break;
		case 'D': o->diff = optarg; break;
		case 'w': o->watch = true; break;
		case 'n': o->interval = arg_seconds(optarg); break;
		case 'c': o->count = arg_u32("count", optarg); break;
		default: bad_option(argv);
		}
	}
	if (o->fd >= 0 && (o->by_id || argc != optind))
		usage_error("--fd names the region itself: no NAME or --id");
	if (o->fd < 0 && argc - optind != 1)
		usage_error("expected NAME, or ID with --id");
	o->target = o->fd >= 0 ? "--fd" : argv[optind];
	if (o->fd < 0 && !o->by_id)
		arg_name(o->target);
	if (o->json && (o->diff || o->watch))
		usage_error("--json prints a snapshot; it does not combine with "
			    "--diff or --watch");
	if (o->diff && o->watch)
		usage_error("--diff and --watch do not combine");
	if (o->count && !o->watch)
		usage_error("--count needs --watch");
}

/* The region's id and name; 0 or EXIT_FAILURE (reported). */
static int resolve(int fd, const struct map_opts *o, struct mapsnap *s)
{
	struct shmdev_info info;
	uint64_t id;
	char *end;
	int err;

	if (o->fd >= 0) {
		char fdstr[16];

		snprintf(fdstr, sizeof(fdstr), "%d", o->fd);
		if (shmdev_info(o->fd, &info) < 0)
			return fail(OP_FD, "map --fd", fdstr);
		s->pt.hdr.id = info.id;
		snprintf(s->name, sizeof(s->name), "%s", info_name(&info));
		return 0;
	}
	if (!o->by_id) {
		if (find_by_name(fd, o->target, &info) == 0) {
			s->pt.hdr.id = info.id;
			snprintf(s->name, sizeof(s->name), "%s", info_name(&info));
			return 0;
		}
		/* "map 3" with no region called "3": the id. */
		err = errno;
		errno = 0;
		id = strtoull(o->target, &end, 10);
		if (errno || *end || !*o->target || *o->target == '-')
			return report(OP_INFO, "map", o->target, err);
	} else {
		id = arg_u64("id", o->target);
	}
	s->pt.hdr.id = id;
	if (shmdev_info_id(fd, id, &info) == 0)
		snprintf(s->name, sizeof(s->name), "%s", info_name(&info));
	else if (errno == ENOENT)
		return fail(OP_INFO, "map: region id", o->target);
	return 0;
}

/* Take a snapshot into @s (its id and name already set). */
static int snapshot(int fd, const struct map_opts *o, struct mapsnap *s)
{
	char name[SHMDEV_NAME_MAX];
	uint64_t id = s->pt.hdr.id;

	memcpy(name, s->name, sizeof(name));
	if (shmdev_pagetable(o->fd >= 0 ? o->fd : fd, o->fd >= 0 ? 0 : id,
			     (o->fd >= 0 ? 0 : SHMDEV_MAP_BY_ID) |
			     (o->verbose ? SHMDEV_MAP_PER_PAGE : 0), &s->pt) < 0)
		return fail(OP_MAP, "map", o->target);
	memcpy(s->name, name, sizeof(name));
	if (!s->pt.hdr.page_size) {
		fprintf(stderr, "%s: map '%s': the module reported a page size "
			"of 0\n", prog, o->target);
		map_snap_free(s);
		return EXIT_FAILURE;
	}
	return 0;
}

static void sleep_for(double sec)
{
	struct timespec ts = { (time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9) };

	while (!stop_watch && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int watch(int fd, const struct map_opts *o, struct mapsnap *prev)
{
	struct sigaction sa;
	unsigned long round;
	char stamp[32];
	time_t now;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	map_print_text(prev, o->verbose);
	fflush(stdout);
	for (round = 1; !stop_watch && (!o->count || round < o->count); round++) {
		struct mapsnap next = *prev;

		sleep_for(o->interval);
		if (stop_watch)
			break;
		memset(&next.pt, 0, sizeof(next.pt));
		next.pt.hdr.id = prev->pt.hdr.id;
		if (snapshot(fd, o, &next))
			return EXIT_FAILURE;
		now = time(NULL);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime(&now));
		printf("\n--- %s, changes since the last look:\n", stamp);
		map_print_diff(prev, &next);
		fflush(stdout);
		map_snap_free(prev);
		*prev = next;
	}
	return EXIT_SUCCESS;
}

static int show(int fd, const struct map_opts *o, struct mapsnap *s)
{
	struct mapsnap old;
	int ret = EXIT_SUCCESS;

	if (o->diff && map_load_json(o->diff, &old) < 0)
		return EXIT_FAILURE;
	if (o->diff && old.pt.hdr.id != s->pt.hdr.id)
		fprintf(stderr, "%s: map: note: '%s' is a snapshot of region %"
			PRIu64 ", not %" PRIu64 "\n", prog, o->diff,
			(uint64_t)old.pt.hdr.id, (uint64_t)s->pt.hdr.id);
	if (o->svg && map_write_svg(s, o->svg))
		ret = EXIT_FAILURE;
	if (o->diff) {
		map_print_diff(&old, s);
		map_snap_free(&old);
	} else if (o->watch) {
		ret = watch(fd, o, s) ? EXIT_FAILURE : ret;
	} else if (o->json) {
		map_print_json(s, stdout);
	} else {
		map_print_text(s, o->verbose);
	}
	return ret;
}

int cmd_map(int argc, char **argv)
{
	struct map_opts o;
	struct mapsnap s;
	int fd, ret;

	parse(argc, argv, &o);
	memset(&s, 0, sizeof(s));
	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	ret = resolve(fd, &o, &s);
	if (!ret)
		ret = snapshot(fd, &o, &s);
	if (!ret)
		ret = show(fd, &o, &s);
	map_snap_free(&s);
	close(fd);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: map: writing the output: %s\n", prog,
			strerror(errno));
		return EXIT_FAILURE;
	}
	return ret;
}
