// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl list and limits: the regions, and the limits with their usage,
 * as lsipc(1) shows SysV segments and their limits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ctl.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Output options shared by list and limits. */
struct out_opts {
	const char *spec;
	enum table_mode mode;
	bool headings;
	bool bytes;
};

static const struct option out_long[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'J' },
	{ "raw", no_argument, NULL, 'r' },
	{ "noheadings", no_argument, NULL, 'n' },
	{ "bytes", no_argument, NULL, 'b' },
	{ NULL, 0, NULL, 0 },
};

static void out_mode(struct out_opts *o, enum table_mode mode)
{
	/* As lsipc: one output format. */
	if (o->mode != TABLE_TEXT && o->mode != mode)
		usage_error("--raw and --json are mutually exclusive");
	o->mode = mode;
}

static void parse_out_opts(int argc, char **argv, struct out_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->headings = true;
	reset_getopt();
	while ((c = getopt_long(argc, argv, "o:Jrnb", out_long, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->spec = optarg;
			break;
		case 'J':
			out_mode(o, TABLE_JSON);
			break;
		case 'r':
			out_mode(o, TABLE_RAW);
			break;
		case 'n':
			o->headings = false;
			break;
		case 'b':
			o->bytes = true;
			break;
		default:
			bad_option(argv);
		}
	}
	if (optind != argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}

static void size_cell(struct table *t, const char *col, uint64_t v, bool bytes)
{
	char h[32];

	if (bytes)
		table_cell(t, col, "%" PRIu64, v);
	else
		table_cell(t, col, "%s", human_size(v, h, sizeof(h)));
}

/* ------------------------------------------------------------------ */
/* list                                                                */

static const struct col list_cols[] = {
	{ "ID",       COL_NUM, "region id (never reused)" },
	{ "NAME",     COL_STR, "region name" },
	{ "SIZE",     COL_NUM, "size (human-readable unless --bytes)" },
	{ "OWNER",    COL_STR, "owner's user name" },
	{ "UID",      COL_NUM, "owner's user id" },
	{ "USER",     COL_STR, "owner's user name (same as OWNER)" },
	{ "GID",      COL_NUM, "owner's group id" },
	{ "GROUP",    COL_STR, "owner's group name" },
	{ "CUID",     COL_NUM, "creator's user id" },
	{ "CUSER",    COL_STR, "creator's user name" },
	{ "CGID",     COL_NUM, "creator's group id" },
	{ "CGROUP",   COL_STR, "creator's group name" },
	{ "PERMS",    COL_STR, "permissions as rwx bits" },
	{ "MODE",     COL_STR, "permissions in octal" },
	{ "ATTACHED", COL_NUM, "files attached now (lsipc's NATTCH)" },
	{ "MAPPINGS", COL_NUM, "mappings (VMAs) now" },
	{ "CHANNELS", COL_NUM, "notification channels" },
	{ "STATUS",   COL_STR, "'destroyed' once the name is removed (LIST shows live regions only)" },
	{ "CPID",     COL_NUM, "creator's pid (0: not in your pid namespace)" },
	{ "LPID",     COL_NUM, "pid of the last attach or detach" },
	{ "COMMAND",  COL_STR, "creator's command, while it runs" },
	{ "CTIME",    COL_STR, "creation time (ISO 8601)" },
	{ "ATIME",    COL_STR, "last attach time" },
	{ "DTIME",    COL_STR, "last detach time (empty: none yet)" },
};

#define LIST_DEFAULT "ID,NAME,OWNER,PERMS,SIZE,ATTACHED,MAPPINGS,CHANNELS"

const char help_list[] =
"Usage: shmdevctl list [options]\n"
"\n"
"List the live regions visible in your user namespace, as lsipc(1) lists\n"
"SysV shared memory.\n"
"\n"
"Options:\n"
"  -o, --output COLS   columns to show, comma-separated; '+COLS' adds to\n"
"                      the default (" LIST_DEFAULT ")\n"
"  -b, --bytes         sizes in bytes rather than human-readable (1.5M)\n"
"  -n, --noheadings    do not print the heading line\n"
"  -r, --raw           raw output: one space between columns, no alignment\n"
"  -J, --json          JSON output\n"
"  -h, --help          show this help\n"
"\n"
"Columns:\n";

static void time_cell(struct table *t, const char *col, int64_t sec)
{
	char buf[40];

	if (iso_time(sec, buf, sizeof(buf)))
		table_cell(t, col, "%s", buf);
}

void list_print_columns(void)
{
	print_columns(list_cols, ARRAY_SIZE(list_cols));
}

int cmd_list(int argc, char **argv)
{
	struct shmdev_info info;
	struct out_opts o;
	struct table *t;
	uint64_t *ids;
	uint32_t n, i;
	char b1[64], b2[64];
	int fd;

	parse_out_opts(argc, argv, &o);
	t = table_new(list_cols, ARRAY_SIZE(list_cols), o.spec, LIST_DEFAULT);
	table_set_mode(t, o.mode, o.headings, "regions");

	fd = open_dev(O_RDONLY);
	if (fd < 0) {
		table_free(t);
		return EXIT_FAILURE;
	}
	if (shmdev_list_all(fd, &ids, &n) < 0) {
		fail(OP_LIST, "list", NULL);
		table_free(t);
		close(fd);
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++) {
		if (shmdev_info_id(fd, ids[i], &info) < 0) {
			if (errno == ENOENT)
				continue;	/* destroyed since LIST */
			snprintf(b1, sizeof(b1), "%" PRIu64, ids[i]);
			fail(OP_INFO, "info of region id", b1);
			free(ids);
			table_free(t);
			close(fd);
			return EXIT_FAILURE;
		}
		table_new_row(t);
		table_cell(t, "ID", "%" PRIu64, (uint64_t)info.id);
		table_cell(t, "NAME", "%s", info_name(&info));
		size_cell(t, "SIZE", info.size, o.bytes);
		table_cell(t, "OWNER", "%s", user_name(info.uid, b1, sizeof(b1)));
		table_cell(t, "USER", "%s", b1);
		table_cell(t, "UID", "%" PRIu32, info.uid);
		table_cell(t, "GID", "%" PRIu32, info.gid);
		table_cell(t, "GROUP", "%s", group_name(info.gid, b1, sizeof(b1)));
		table_cell(t, "CUID", "%" PRIu32, info.cuid);
		table_cell(t, "CUSER", "%s", user_name(info.cuid, b1, sizeof(b1)));
		table_cell(t, "CGID", "%" PRIu32, info.cgid);
		table_cell(t, "CGROUP", "%s",
			   group_name(info.cgid, b1, sizeof(b1)));
		table_cell(t, "PERMS", "%s", perms_str(info.mode, b2, sizeof(b2)));
		table_cell(t, "MODE", "%04o", info.mode);
		table_cell(t, "ATTACHED", "%" PRIu32, info.nr_attached);
		table_cell(t, "MAPPINGS", "%" PRIu32, info.nr_mappings);
		table_cell(t, "CHANNELS", "%" PRIu32, info.nr_channels);
		if (info.region_flags & SHMDEV_REGION_DESTROYED)
			table_cell(t, "STATUS", "destroyed");
		table_cell(t, "CPID", "%" PRIu32, info.cpid);
		table_cell(t, "LPID", "%" PRIu32, info.lpid);
		if (proc_comm(info.cpid, b1, sizeof(b1)))
			table_cell(t, "COMMAND", "%s", b1);
		time_cell(t, "CTIME", info.ctime);
		time_cell(t, "ATIME", info.atime);
		time_cell(t, "DTIME", info.dtime);
	}
	free(ids);
	close(fd);
	table_print(t);
	table_free(t);
	return EXIT_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* limits                                                              */

static const struct col limit_cols[] = {
	{ "RESOURCE",    COL_STR, "the limit's name" },
	{ "DESCRIPTION", COL_STR, "what it limits" },
	{ "LIMIT",       COL_NUM, "its value (max: none)" },
	{ "USED",        COL_NUM, "current usage, where known" },
	{ "USE%",        COL_NUM, "usage in percent of the limit" },
	{ "SOURCE",      COL_STR, "where the values come from" },
};

#define LIMITS_DEFAULT "RESOURCE,DESCRIPTION,LIMIT,USED,USE%"

const char help_limits[] =
"Usage: shmdevctl limits [options]\n"
"\n"
"Show the limits on regions and their current usage, as 'lsipc -g' and\n"
"'ipcs -l -u' do for SysV IPC: the module-wide limits (module parameters,\n"
"root may write them in " SYSFS_PARAMS "/), the module-wide\n"
"usage (" SYSFS_CLASS "/), your uid's limits (max_user_bytes and\n"
"RLIMIT_MEMLOCK, against the regions your uid created that you can see;\n"
"a region removed while still mapped counts until its last unmap but is\n"
"no longer seen) and your memory cgroup's limit, where readable.  Needs\n"
"no device access.\n"
"\n"
"Options:\n"
"  -o, --output COLS   columns to show; '+COLS' adds to the default\n"
"                      (" LIMITS_DEFAULT ")\n"
"  -b, --bytes         sizes in bytes rather than human-readable\n"
"  -n, --noheadings    do not print the heading line\n"
"  -r, --raw           raw output\n"
"  -J, --json          JSON output\n"
"  -h, --help          show this help\n"
"\n"
"Columns:\n";

void limits_print_columns(void)
{
	print_columns(limit_cols, ARRAY_SIZE(limit_cols));
}

/* One row; @limit/@used < 0: unknown; @limit == UINT64_MAX: no limit. */
static void limit_row(struct table *t, const struct out_opts *o,
		      const char *res, const char *desc, int have_limit,
		      uint64_t limit, int have_used, uint64_t used,
		      bool is_bytes, const char *source)
{
	table_new_row(t);
	table_cell(t, "RESOURCE", "%s", res);
	table_cell(t, "DESCRIPTION", "%s", desc);
	table_cell(t, "SOURCE", "%s", source);
	if (have_limit && limit == UINT64_MAX)
		table_cell(t, "LIMIT", "max");
	else if (have_limit && is_bytes)
		size_cell(t, "LIMIT", limit, o->bytes);
	else if (have_limit)
		table_cell(t, "LIMIT", "%" PRIu64, limit);
	if (have_used && is_bytes)
		size_cell(t, "USED", used, o->bytes);
	else if (have_used)
		table_cell(t, "USED", "%" PRIu64, used);
	if (have_limit && have_used && limit && limit != UINT64_MAX)
		table_cell(t, "USE%", "%.2f", 100.0 * (double)used /
			   (double)limit);
}

/* "0::/user.slice/..." from /proc/self/cgroup: the cgroup v2 path. */
static int memcg_file(const char *file, char *path, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, len, "/sys/fs/cgroup%s/%s",
			 strcmp(line + 3, "/") ? line + 3 : "", file);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int read_max_file(const char *path, uint64_t *v)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, sizeof(buf), f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	if (!strncmp(buf, "max", 3)) {
		*v = UINT64_MAX;
		return 0;
	}
	return read_u64_file(path, v);
}

/* Bytes of the live regions that @uid created, as far as LIST shows them. */
static int user_bytes(uint32_t uid, uint64_t *bytes)
{
	struct shmdev_info info;
	uint64_t *ids, sum = 0;
	uint32_t n, i;
	int fd = shmdev_open_path(device, O_RDONLY);

	if (fd < 0)
		return -1;
	if (shmdev_list_all(fd, &ids, &n) < 0) {
		close(fd);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (shmdev_info_id(fd, ids[i], &info) == 0 && info.cuid == uid)
			sum += info.size;
	free(ids);
	close(fd);
	*bytes = sum;
	return 0;
}

int cmd_limits(int argc, char **argv)
{
	struct out_opts o;
	struct table *t;
	struct rlimit rl;
	uint64_t lim = 0, used = 0, ub = 0;
	int hl, hu, have_ub;
	char path[4200];
	bool loaded;

	parse_out_opts(argc, argv, &o);
	t = table_new(limit_cols, ARRAY_SIZE(limit_cols), o.spec,
		      LIMITS_DEFAULT);
	table_set_mode(t, o.mode, o.headings, "limits");

	loaded = access(SYSFS_PARAMS, F_OK) == 0;
	hl = read_u64_file(SYSFS_PARAMS "/max_region_bytes", &lim) == 0;
	limit_row(t, &o, "max_region_bytes", "largest region", hl, lim, 0, 0,
		  true, SYSFS_PARAMS);
	hl = read_u64_file(SYSFS_PARAMS "/max_total_bytes", &lim) == 0;
	hu = read_u64_file(SYSFS_CLASS "/bytes_in_use", &used) == 0;
	limit_row(t, &o, "max_total_bytes", "bytes of all regions", hl, lim,
		  hu, used, true, SYSFS_CLASS "/bytes_in_use");
	hl = read_u64_file(SYSFS_PARAMS "/max_regions", &lim) == 0;
	hu = read_u64_file(SYSFS_CLASS "/regions", &used) == 0;
	limit_row(t, &o, "max_regions", "number of regions", hl, lim, hu, used,
		  false, SYSFS_CLASS "/regions");

	have_ub = user_bytes((uint32_t)geteuid(), &ub) == 0;
	hl = read_u64_file(SYSFS_PARAMS "/max_user_bytes", &lim) == 0;
	limit_row(t, &o, "max_user_bytes", "bytes of the regions your uid created",
		  hl, lim, have_ub, ub, true, SYSFS_PARAMS);
	hl = getrlimit(RLIMIT_MEMLOCK, &rl) == 0;
	limit_row(t, &o, "RLIMIT_MEMLOCK",
		  "the same, per process (ulimit -l; 0 refuses all)", hl,
		  rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX :
						  (uint64_t)rl.rlim_cur,
		  have_ub, ub, true, "getrlimit(2)");
	if (memcg_file("memory.max", path, sizeof(path)) == 0) {
		hl = read_max_file(path, &lim) == 0;
		memcg_file("memory.current", path, sizeof(path));
		hu = read_u64_file(path, &used) == 0;
		memcg_file("", path, sizeof(path));
		if (hl || hu)
			limit_row(t, &o, "memory.max",
				  "your memory cgroup (all its memory)", hl, lim,
				  hu, used, true, path);
	}
	table_print(t);
	table_free(t);
	if (!loaded)
		fprintf(stderr, "%s: note: the shmdev module is not loaded "
			"(no %s): its limits are unknown; load it with 'sudo "
			"modprobe shmdev'\n", prog, SYSFS_PARAMS);
	return EXIT_SUCCESS;
}
