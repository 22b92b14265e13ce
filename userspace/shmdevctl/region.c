// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl create, info and rm: a region's life.
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

static const char *region_flags_str(uint32_t f, char *buf, size_t len)
{
	/* A comma before each name; the first is skipped on return. */
	snprintf(buf, len, "%s%s%s",
		 f & SHMDEV_REGION_DESTROYED ? ",destroyed" : "",
		 f & SHMDEV_REGION_RDONLY ? ",rdonly" : "",
		 f & SHMDEV_REGION_HUGE ? ",huge" : "");
	if (!buf[0])
		return "-";
	return buf + 1;
}

/* ------------------------------------------------------------------ */
/* create                                                              */

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "channels", required_argument, NULL, 'c' },
		{ "mode", required_argument, NULL, 'm' },
		{ "open", no_argument, NULL, 'o' },
		{ "huge", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t channels = 1;
	unsigned int mode = 0600, flags = 0;
	uint64_t size, id;
	bool created;
	int c, fd;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "c:m:oH", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			channels = arg_u32("channel count", optarg);
			if (channels < 1 || channels > SHMDEV_MAX_CHANNELS)
				usage_error("invalid channel count '%s' (1 to %d)",
					    optarg, SHMDEV_MAX_CHANNELS);
			break;
		case 'm':
			mode = arg_mode(optarg);
			break;
		case 'o':
			flags |= SHMDEV_CREATE_OPEN;
			break;
		case 'H':
			flags |= SHMDEV_CREATE_HUGE;
			break;
		default:
			bad_option(argv);
		}
	}
	if (argc - optind != 2)
		usage_error("expected NAME and SIZE");
	arg_name(argv[optind]);
	size = arg_size(argv[optind + 1]);
	if (!size)
		usage_error("invalid size '%s': at least 1 byte",
			    argv[optind + 1]);

	fd = open_dev(O_RDWR);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_create(fd, argv[optind], size, channels, mode, flags, &id,
			  &created) < 0) {
		report_size = size;
		fail(OP_CREATE, "create", argv[optind]);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);	/* the region keeps its name until "rm" */
	printf("%" PRIu64 "\n", id);
	if (!created)
		fprintf(stderr, "%s: opened existing region '%s'\n", prog,
			argv[optind]);
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* info                                                                */

/*
 * The waiters of each channel, from the control page: it is mapped
 * through an attachment, so attach read-only (by id: the name may be
 * reused meanwhile) after INFO was taken, and detach again.
 */
static int read_waiters(uint64_t id, const char *name,
			uint32_t waiters[SHMDEV_MAX_CHANNELS])
{
	struct shmdev_ctl ctl;
	uint32_t ch;
	int fd = open_dev(O_RDONLY);

	if (fd < 0)
		return -1;
	if (shmdev_attach_id(fd, id, SHMDEV_ATTACH_RDONLY) < 0) {
		fail(OP_ATTACH, "info", name);
		close(fd);
		return -1;
	}
	if (shmdev_ctl_map(fd, &ctl) < 0) {
		fail(OP_CTL, "info --waiters", name);
		close(fd);
		return -1;
	}
	for (ch = 0; ch < ctl.nr_channels && ch < SHMDEV_MAX_CHANNELS; ch++)
		waiters[ch] = __atomic_load_n(&ctl.page->channel[ch].waiters,
					      __ATOMIC_RELAXED);
	shmdev_ctl_unmap(&ctl);
	close(fd);
	return 0;
}

static void print_info_json(struct shmdev_info *i, const uint32_t *waiters)
{
	uint32_t ch;

	printf("{\"id\": %" PRIu64 ", \"name\": ", (uint64_t)i->id);
	json_str(info_name(i), SHMDEV_NAME_MAX);
	printf(", \"size\": %" PRIu64 ", \"mode\": \"%04o\""
	       ", \"uid\": %" PRIu32 ", \"gid\": %" PRIu32
	       ", \"cuid\": %" PRIu32 ", \"cgid\": %" PRIu32
	       ", \"nr_channels\": %" PRIu32 ", \"nr_attached\": %" PRIu32
	       ", \"nr_mappings\": %" PRIu32 ", \"region_flags\": %" PRIu32
	       ", \"destroyed\": %s, \"seq\": [",
	       (uint64_t)i->size, i->mode, i->uid, i->gid, i->cuid, i->cgid,
	       i->nr_channels, i->nr_attached, i->nr_mappings,
	       i->region_flags,
	       i->region_flags & SHMDEV_REGION_DESTROYED ? "true" : "false");
	for (ch = 0; ch < i->nr_channels && ch < SHMDEV_MAX_CHANNELS; ch++)
		printf("%s%" PRIu64, ch ? ", " : "", (uint64_t)i->seq[ch]);
	if (waiters) {
		printf("], \"waiters\": [");
		for (ch = 0; ch < i->nr_channels && ch < SHMDEV_MAX_CHANNELS; ch++)
			printf("%s%" PRIu32, ch ? ", " : "", waiters[ch]);
	}
	printf("], \"cpid\": %" PRIu32 ", \"lpid\": %" PRIu32
	       ", \"ctime\": %" PRId64 ", \"atime\": %" PRId64
	       ", \"dtime\": %" PRId64 "}", i->cpid, i->lpid,
	       (int64_t)i->ctime, (int64_t)i->atime, (int64_t)i->dtime);
}

/* Who created the region and last attached or detached, and when. */
static void print_pids_times(const struct shmdev_info *i)
{
	char buf[64];

	printf("creator pid: %" PRIu32, i->cpid);
	if (proc_comm(i->cpid, buf, sizeof(buf)))
		printf(" (%s)", buf);
	printf("\nlast pid:    %" PRIu32 " (last attach or detach)\n", i->lpid);
	printf("created:     %s\n",
	       iso_time(i->ctime, buf, sizeof(buf)) ? buf : "-");
	printf("attach time: %s\n",
	       iso_time(i->atime, buf, sizeof(buf)) ? buf : "-");
	printf("detach time: %s\n",
	       iso_time(i->dtime, buf, sizeof(buf)) ? buf : "-");
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'J' },
		{ "waiters", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t ch, waiters[SHMDEV_MAX_CHANNELS] = { 0 };
	struct shmdev_info info;
	const char *idstr = NULL, *name;
	uint64_t id = 0;
	int json = 0, want_waiters = 0, c, fd, r;
	char fl[32], u[64], g[64];

	reset_getopt();
	while ((c = getopt_long(argc, argv, "i:Jw", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			idstr = optarg;
			break;
		case 'w':
			want_waiters = 1;
			break;
		case 'J':
			json = 1;
			break;
		default:
			bad_option(argv);
		}
	}
	if (idstr ? argc != optind : argc - optind != 1)
		usage_error("expected NAME or --id ID");
	name = idstr ? idstr : arg_name(argv[optind]);
	if (idstr)
		id = arg_u64("id", idstr);

	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	if (idstr)
		r = shmdev_info_id(fd, id, &info);
	else
		r = find_by_name(fd, name, &info);
	if (r < 0) {
		fail(OP_INFO, idstr ? "info of region id" : "info", name);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	if (want_waiters && read_waiters(info.id, name, waiters) < 0)
		return EXIT_FAILURE;

	if (json) {
		print_info_json(&info, want_waiters ? waiters : NULL);
		putchar('\n');
		return EXIT_SUCCESS;
	}
	printf("id:          %" PRIu64 "\n", (uint64_t)info.id);
	printf("name:        %s\n", info_name(&info));
	printf("size:        %" PRIu64 " bytes (%s)\n", (uint64_t)info.size,
	       human_size(info.size, u, sizeof(u)));
	printf("mode:        %04o (%s)\n", info.mode,
	       perms_str(info.mode, u, sizeof(u)));
	printf("owner:       uid %" PRIu32 " (%s) gid %" PRIu32 " (%s)\n",
	       info.uid, user_name(info.uid, u, sizeof(u)), info.gid,
	       group_name(info.gid, g, sizeof(g)));
	printf("creator:     uid %" PRIu32 " (%s) gid %" PRIu32 " (%s)\n",
	       info.cuid, user_name(info.cuid, u, sizeof(u)), info.cgid,
	       group_name(info.cgid, g, sizeof(g)));
	print_pids_times(&info);
	printf("attached:    %" PRIu32 " file(s)\n", info.nr_attached);
	printf("mappings:    %" PRIu32 "\n", info.nr_mappings);
	printf("flags:       %s\n",
	       region_flags_str(info.region_flags, fl, sizeof(fl)));
	printf("channels:    %" PRIu32 "\n", info.nr_channels);
	for (ch = 0; ch < info.nr_channels && ch < SHMDEV_MAX_CHANNELS; ch++) {
		if (want_waiters)
			printf("  channel %-3" PRIu32 " seq %-10" PRIu64
			       " waiters %" PRIu32 "\n", ch,
			       (uint64_t)info.seq[ch], waiters[ch]);
		else
			printf("  channel %-3" PRIu32 " seq %" PRIu64 "\n", ch,
			       (uint64_t)info.seq[ch]);
	}
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* rm                                                                  */

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int by_id = 0, c, fd, i, ret = EXIT_SUCCESS;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "i", opts, NULL)) != -1) {
		if (c == 'i')
			by_id = 1;
		else
			bad_option(argv);
	}
	if (optind == argc)
		usage_error("expected NAME... or --id ID...");
	for (i = optind; i < argc; i++)	/* all checked before any removal */
		if (by_id)
			arg_u64("id", argv[i]);
		else
			arg_name(argv[i]);

	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	for (i = optind; i < argc; i++) {
		int r = by_id ? shmdev_destroy_id(fd, arg_u64("id", argv[i]))
			      : shmdev_destroy_name(fd, argv[i]);

		if (r < 0)
			ret = fail(OP_DESTROY, by_id ? "rm of region id" : "rm", argv[i]);
	}
	close(fd);
	return ret;
}

