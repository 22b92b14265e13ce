// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl - inspect and drive shmdev regions from the shell.
 *
 * Exit status: 0 success, 1 operational failure, 2 usage error,
 * 3 "wait" timed out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shmdev.h"

#define EXIT_USAGE	2
#define EXIT_TIMEDOUT	3

static const char *prog = "shmdevctl";
static const char *device = SHMDEV_DEVICE_PATH;

static const char usage_text[] =
"Usage: shmdevctl [--device PATH] COMMAND [ARGS...]\n"
"       shmdevctl -h | --help\n"
"\n"
"Manage shmdev shared-memory regions (/dev/shmdev).\n"
"\n"
"Commands:\n"
"  api [--json]                     show what the loaded module supports\n"
"  create NAME SIZE [--channels N] [--mode OCTAL] [--open] [--huge]\n"
"                                   create a region and print its id;\n"
"                                   SIZE in bytes, or with a K, M or G\n"
"                                   suffix (powers of 1024); defaults:\n"
"                                   1 channel, mode 0600; --open opens an\n"
"                                   existing region instead of failing;\n"
"                                   --huge backs it with 2 MiB folios\n"
"  info NAME|--id ID [--json]       show a region's metadata and channel\n"
"                                   sequences (does not attach to it)\n"
"  list [--json]                    list the live regions\n"
"  rm NAME... | rm --id ID...       remove regions' names; the memory stays\n"
"                                   until the last user unmaps it\n"
"  notify NAME [--channel N]        advance a channel, print its new\n"
"                                   sequence (default channel 0)\n"
"  wait NAME [--channel N] [--seq S] [--timeout MS]\n"
"                                   wait until the channel's sequence\n"
"                                   differs from S (default: its current\n"
"                                   value, i.e. wait for the next notify),\n"
"                                   print the new sequence; no --timeout\n"
"                                   waits forever\n"
"  frames NAME [--json] [--hold]    map the region read-only, touch every\n"
"                                   page and print its virtual address and\n"
"                                   physical frame number (PFN; needs\n"
"                                   CAP_SYS_ADMIN, otherwise shown as\n"
"                                   \"hidden\"); --hold keeps the mapping\n"
"                                   until SIGINT/SIGTERM\n"
"\n"
"Options:\n"
"  -d, --device PATH   device node to use (default " SHMDEV_DEVICE_PATH ")\n"
"  -h, --help          show this help and exit\n"
"\n"
"Exit status:\n"
"  0  success\n"
"  1  the operation failed (message on stderr)\n"
"  2  usage error\n"
"  3  wait: timed out\n";

static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	exit(EXIT_USAGE);
}

/* "shmdevctl: <what> '<name>': <strerror>" */
static int fail(const char *what, const char *name)
{
	fprintf(stderr, "%s: %s '%s': %s\n", prog, what, name, strerror(errno));
	return EXIT_FAILURE;
}

/* ------------------------------------------------------------------ */
/* Argument parsing helpers                                            */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static uint64_t arg_u64(const char *what, const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0)
		usage_error("invalid %s '%s'", what, s);
	return v;
}

static uint32_t arg_u32(const char *what, const char *s)
{
	uint64_t v = arg_u64(what, s);

	if (v > UINT32_MAX)
		usage_error("invalid %s '%s'", what, s);
	return (uint32_t)v;
}

/* SIZE: decimal bytes, optionally followed by K, M or G (x1024^n). */
static uint64_t arg_size(const char *s)
{
	unsigned int shift = 0;
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		usage_error("invalid size '%s'", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		usage_error("invalid size '%s'", s);
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		usage_error("invalid size '%s'", s);
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		usage_error("invalid size '%s'", s);
	return (uint64_t)v << shift;
}

static unsigned int arg_mode(const char *s)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '7')
		usage_error("invalid mode '%s' (octal, 0 to 0777)", s);
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 0777)
		usage_error("invalid mode '%s' (octal, 0 to 0777)", s);
	return (unsigned int)v;
}

/* Reset getopt for a subcommand's argv (argv[0] is the command name). */
static void reset_getopt(void)
{
	optind = 0;
	opterr = 0;
}

static void bad_option(const char *cmd, char **argv)
{
	/* optind was moved past the offending word. */
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	if (*cmd)
		usage_error("%s: invalid option '%s' or missing argument", cmd,
			    opt);
	usage_error("invalid option '%s' or missing argument", opt);
}

static int open_dev(int flags)
{
	int fd = shmdev_open_path(device, flags);

	if (fd < 0)
		fail("open", device);
	return fd;
}

/* ------------------------------------------------------------------ */
/* Output helpers                                                      */

/* Print @s as a JSON string literal. */
static void json_str(const char *s, size_t max)
{
	size_t i;

	putchar('"');
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *region_flags_str(uint32_t f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s",
		 f & SHMDEV_REGION_DESTROYED ? "destroyed" : "",
		 (f & SHMDEV_REGION_DESTROYED) && (f & SHMDEV_REGION_RDONLY) ?
			"," : "",
		 f & SHMDEV_REGION_RDONLY ? "rdonly" : "");
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

/* The name field is NUL-terminated by the kernel; never trust it blindly. */
static const char *info_name(struct shmdev_info *i)
{
	i->name[SHMDEV_NAME_MAX - 1] = '\0';
	return i->name;
}

/* ------------------------------------------------------------------ */
/* api                                                                 */

static const char *const ioctl_names[] = {
	"API", "CREATE", "ATTACH", "INFO", "DESTROY", "LIST", "NOTIFY",
	"WAIT", "ACK",
};
#define NR_IOCTL_NAMES (sizeof(ioctl_names) / sizeof(ioctl_names[0]))

static int cmd_api(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmdev_api api;
	int json = 0, c, fd;
	unsigned int n;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			bad_option("api", argv);
	}
	if (optind != argc)
		usage_error("api: unexpected argument '%s'", argv[optind]);

	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_api(fd, &api) < 0) {
		fail("api", device);
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
		       ", \"page_size\": %" PRIu32 "}\n",
		       (uint64_t)api.create_flags, (uint64_t)api.attach_flags,
		       (uint64_t)api.wait_flags, (uint64_t)api.max_region_size,
		       api.max_channels, api.page_size);
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
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* create                                                              */

static int cmd_create(int argc, char **argv)
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
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			channels = arg_u32("channel count", optarg);
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
			bad_option("create", argv);
		}
	}
	if (argc - optind != 2)
		usage_error("create: expected NAME and SIZE");
	size = arg_size(argv[optind + 1]);

	fd = open_dev(O_RDWR);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_create(fd, argv[optind], size, channels, mode, flags, &id,
			  &created) < 0) {
		fail("create", argv[optind]);
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
 * Find a live region by name without attaching to it (attaching would
 * show up in nr_attached): list the ids and look at each one's name.
 */
static int find_by_name(int fd, const char *name, struct shmdev_info *out)
{
	uint64_t *ids;
	uint32_t n, i;

	if (strnlen(name, SHMDEV_NAME_MAX) >= SHMDEV_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (shmdev_list_all(fd, &ids, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (shmdev_info_id(fd, ids[i], out) < 0)
			continue;	/* ENOENT: it went away meanwhile */
		if (!(out->region_flags & SHMDEV_REGION_DESTROYED) &&
		    strcmp(info_name(out), name) == 0) {
			free(ids);
			return 0;
		}
	}
	free(ids);
	errno = ENOENT;
	return -1;
}

static void print_info_json(struct shmdev_info *i)
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
	printf("]}");
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmdev_info info;
	const char *idstr = NULL, *name;
	uint64_t id = 0;
	int json = 0, c, fd, r;
	char fl[32];
	uint32_t ch;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			idstr = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			bad_option("info", argv);
		}
	}
	if (idstr ? argc != optind : argc - optind != 1)
		usage_error("info: expected NAME or --id ID");
	name = idstr ? idstr : argv[optind];
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
		fail(idstr ? "info id" : "info", name);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);

	if (json) {
		print_info_json(&info);
		putchar('\n');
		return EXIT_SUCCESS;
	}
	printf("id:          %" PRIu64 "\n", (uint64_t)info.id);
	printf("name:        %s\n", info_name(&info));
	printf("size:        %" PRIu64 " bytes\n", (uint64_t)info.size);
	printf("mode:        %04o\n", info.mode);
	printf("owner:       uid %" PRIu32 " gid %" PRIu32 "\n",
	       info.uid, info.gid);
	printf("creator:     uid %" PRIu32 " gid %" PRIu32 "\n",
	       info.cuid, info.cgid);
	printf("attached:    %" PRIu32 " file(s)\n", info.nr_attached);
	printf("mappings:    %" PRIu32 "\n", info.nr_mappings);
	printf("flags:       %s\n",
	       region_flags_str(info.region_flags, fl, sizeof(fl)));
	printf("channels:    %" PRIu32 "\n", info.nr_channels);
	for (ch = 0; ch < info.nr_channels && ch < SHMDEV_MAX_CHANNELS; ch++)
		printf("  channel %-3" PRIu32 " seq %" PRIu64 "\n", ch,
		       (uint64_t)info.seq[ch]);
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* list                                                                */

static int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct shmdev_info info;
	uint64_t *ids;
	uint32_t n, i;
	int json = 0, c, fd, shown = 0;
	char fl[32];

	reset_getopt();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else
			bad_option("list", argv);
	}
	if (optind != argc)
		usage_error("list: unexpected argument '%s'", argv[optind]);

	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_list_all(fd, &ids, &n) < 0) {
		fail("list", device);
		close(fd);
		return EXIT_FAILURE;
	}

	if (json)
		printf("[");
	else
		printf("%-6s %-24s %12s %5s %6s %6s %8s %8s %s\n", "ID", "NAME",
		       "SIZE", "MODE", "UID", "GID", "ATTACHED", "MAPPINGS",
		       "FLAGS");
	for (i = 0; i < n; i++) {
		if (shmdev_info_id(fd, ids[i], &info) < 0) {
			if (errno == ENOENT)
				continue;	/* destroyed since LIST */
			fprintf(stderr, "%s: info id '%" PRIu64 "': %s\n",
				prog, ids[i], strerror(errno));
			free(ids);
			close(fd);
			if (json)
				printf("]\n");
			return EXIT_FAILURE;
		}
		if (json) {
			printf("%s", shown ? ",\n " : "");
			print_info_json(&info);
		} else {
			printf("%-6" PRIu64 " %-24s %12" PRIu64 " %5.4o %6" PRIu32
			       " %6" PRIu32 " %8" PRIu32 " %8" PRIu32 " %s\n",
			       (uint64_t)info.id, info_name(&info),
			       (uint64_t)info.size, info.mode, info.uid,
			       info.gid, info.nr_attached, info.nr_mappings,
			       region_flags_str(info.region_flags, fl,
						sizeof(fl)));
		}
		shown++;
	}
	if (json)
		printf("]\n");
	free(ids);
	close(fd);
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* rm                                                                  */

static int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "id", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int by_id = 0, c, fd, i, ret = EXIT_SUCCESS;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i')
			by_id = 1;
		else
			bad_option("rm", argv);
	}
	if (optind == argc)
		usage_error("rm: expected NAME... or --id ID...");
	if (by_id)	/* check every id before removing anything */
		for (i = optind; i < argc; i++)
			arg_u64("id", argv[i]);

	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return EXIT_FAILURE;
	for (i = optind; i < argc; i++) {
		int r = by_id ? shmdev_destroy_id(fd, arg_u64("id", argv[i]))
			      : shmdev_destroy_name(fd, argv[i]);

		if (r < 0)
			ret = fail(by_id ? "rm id" : "rm", argv[i]);
	}
	close(fd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* notify, wait                                                        */

/* Open the device and attach read-only by name (NOTIFY/WAIT need it). */
static int attach_ro(const char *what, const char *name)
{
	int fd = open_dev(O_RDONLY);

	if (fd < 0)
		return -1;
	if (shmdev_attach_name(fd, name, SHMDEV_ATTACH_RDONLY, NULL) < 0) {
		fail(what, name);
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_notify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "channel", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t channel = 0;
	uint64_t seq;
	int c, fd;

	reset_getopt();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			channel = arg_u32("channel", optarg);
		else
			bad_option("notify", argv);
	}
	if (argc - optind != 1)
		usage_error("notify: expected NAME");

	fd = attach_ro("notify", argv[optind]);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_notify(fd, channel, &seq) < 0) {
		fail("notify", argv[optind]);
		close(fd);
		return EXIT_FAILURE;
	}
	close(fd);
	printf("%" PRIu64 "\n", seq);
	return EXIT_SUCCESS;
}

static int cmd_wait(int argc, char **argv)
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
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
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
			bad_option("wait", argv);
		}
	}
	if (argc - optind != 1)
		usage_error("wait: expected NAME");
	name = argv[optind];

	fd = attach_ro("wait", name);
	if (fd < 0)
		return EXIT_FAILURE;
	/*
	 * Without --seq, wait for the next notification: take the current
	 * sequence now; a NOTIFY landing before WAIT starts still counts.
	 */
	if (!have_seq && shmdev_seq(fd, channel, &expected) < 0) {
		fail("wait", name);
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
			fail("wait", name);
		}
		close(fd);
		return ret;
	}
	close(fd);
	printf("%" PRIu64 "\n", seq);
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* frames                                                              */

static volatile sig_atomic_t stop_holding;

static void on_stop(int sig)
{
	(void)sig;
	stop_holding = 1;
}

static int cmd_frames(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
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
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'H':
			hold = 1;
			break;
		default:
			bad_option("frames", argv);
		}
	}
	if (argc - optind != 1)
		usage_error("frames: expected NAME");
	name = argv[optind];

	fd = attach_ro("frames", name);
	if (fd < 0)
		return EXIT_FAILURE;
	if (shmdev_info(fd, &info) < 0) {
		fail("frames", name);
		close(fd);
		return EXIT_FAILURE;
	}
	addr = shmdev_map(fd, (size_t)info.size, PROT_READ);
	if (addr == MAP_FAILED) {
		fail("frames: mmap", name);
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
			fail("frames: read /proc/self/pagemap", name);
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

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "api", cmd_api },
	{ "create", cmd_create },
	{ "info", cmd_info },
	{ "list", cmd_list },
	{ "rm", cmd_rm },
	{ "notify", cmd_notify },
	{ "wait", cmd_wait },
	{ "frames", cmd_frames },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	/* "+": stop at the command name; its options are parsed later. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		default:
			bad_option("", argv);
		}
	}
	if (optind == argc)
		usage_error("missing command");

	/* "shmdevctl COMMAND --help" also prints the help. */
	for (c = optind + 1; c < argc; c++) {
		if (!strcmp(argv[c], "--"))
			break;
		if (!strcmp(argv[c], "--help") || !strcmp(argv[c], "-h")) {
			fputs(usage_text, stdout);
			return EXIT_SUCCESS;
		}
	}

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	usage_error("unknown command '%s'", argv[optind]);
	return EXIT_USAGE;
}
