// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl - argument parsing, error messages and formatting helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

const char *prog = "shmdevctl";
const char *device = SHMDEV_DEVICE_PATH;
const char *current_cmd;
uint64_t report_size;

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	if (current_cmd)
		fprintf(stderr, "%s: ", current_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (current_cmd)
		fprintf(stderr, "\nTry '%s %s --help' for more information.\n",
			prog, current_cmd);
	else
		fprintf(stderr, "\nTry '%s --help' for more information.\n",
			prog);
	exit(EXIT_USAGE);
}

/* ------------------------------------------------------------------ */
/* Error messages                                                      */

int read_u64_file(const char *path, uint64_t *v)
{
	unsigned long long x;
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu", &x);
	fclose(f);
	if (n != 1)
		return -1;
	*v = x;
	return 0;
}

/* ", NAME = VALUE (HUMAN)" for a module parameter, or "" if unreadable. */
static const char *param_str(const char *param, char *buf, size_t len)
{
	char path[256], h[32];
	uint64_t v;

	snprintf(path, sizeof(path), SYSFS_PARAMS "/%s", param);
	if (read_u64_file(path, &v) < 0) {
		snprintf(buf, len, "%s (not readable in %s)", param,
			 SYSFS_PARAMS);
		return buf;
	}
	if (strstr(param, "bytes"))
		snprintf(buf, len, "%s = %" PRIu64 " (%s)", param, v,
			 human_size(v, h, sizeof(h)));
	else
		snprintf(buf, len, "%s = %" PRIu64, param, v);
	return buf;
}

static const char *memlock_str(char *buf, size_t len)
{
	struct rlimit rl;
	char h[32];

	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		snprintf(buf, len, "RLIMIT_MEMLOCK unknown");
	else if (rl.rlim_cur == RLIM_INFINITY)
		snprintf(buf, len, "RLIMIT_MEMLOCK = unlimited");
	else
		snprintf(buf, len, "RLIMIT_MEMLOCK (ulimit -l) = %llu (%s)",
			 (unsigned long long)rl.rlim_cur,
			 human_size((uint64_t)rl.rlim_cur, h, sizeof(h)));
	return buf;
}

static void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hint(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: hint: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void open_hint(int err)
{
	struct stat st;
	char u[64], g[64];

	switch (err) {
	case ENODEV:
		hint("is the shmdev module loaded? Load it with "
		     "'sudo modprobe shmdev' (lsmod | grep shmdev shows it)");
		break;
	case EACCES:
		if (stat(device, &st) < 0)
			break;
		user_name(st.st_uid, u, sizeof(u));
		group_name(st.st_gid, g, sizeof(g));
		/* Joining the group helps only if the group may read and write. */
		if ((st.st_mode & 0060) == 0060)
			hint("%s is mode %04o, owner %s, group %s; members of "
			     "that group may use it (sudo adduser $USER %s, "
			     "then log in again)", device,
			     (unsigned int)st.st_mode & 07777, u, g, g);
		else
			hint("%s is mode %04o, owner %s, group %s: only its "
			     "owner may use it; the packages' udev rule makes "
			     "it mode 0660, group shmdev (or: sudo chmod 0660 "
			     "%s, for members of group %s)", device,
			     (unsigned int)st.st_mode & 07777, u, g, device, g);
		break;
	case ENOTTY:
		hint("%s is not a shmdev device (-d names one; the default "
		     "is /dev/shmdev)", device);
		break;
	default:
		break;
	}
}

int report(enum op op, const char *what, const char *name, int err)
{
	char why[640] = "", b1[128], b2[128], sz[96] = "";

	switch (op) {
	case OP_OPEN:
		if (err == ENODEV)
			snprintf(why, sizeof(why), "no such device (no %s)",
				 device);
		break;
	case OP_CREATE:
		switch (err) {
		case E2BIG:
			if (report_size)
				snprintf(sz, sizeof(sz), " %" PRIu64 " (%s)",
					 report_size, human_size(report_size,
								 b2, sizeof(b2)));
			snprintf(why, sizeof(why), "size%s too large: it is past "
				 "the module's %s after rounding up to pages", sz,
				 param_str("max_region_bytes", b1, sizeof(b1)));
			break;
		case ENOSPC:
			snprintf(why, sizeof(why), "module-wide limit reached: "
				 "%s, %s (shmdevctl limits shows the usage)",
				 param_str("max_total_bytes", b1, sizeof(b1)),
				 param_str("max_regions", b2, sizeof(b2)));
			break;
		case ENOMEM:
			snprintf(why, sizeof(why), "out of memory for your "
				 "regions: the bytes of the regions your uid "
				 "created may exceed neither %s nor %s, nor your "
				 "memory cgroup's memory.max (shmdevctl limits "
				 "shows them; a removed region counts until its "
				 "last unmap)",
				 param_str("max_user_bytes", b1, sizeof(b1)),
				 memlock_str(b2, sizeof(b2)));
			break;
		case EPERM:
			snprintf(why, sizeof(why), "not permitted: %s, which "
				 "refuses every new region (raise it in "
				 "/etc/security/limits.conf)",
				 memlock_str(b1, sizeof(b1)));
			break;
		case EEXIST:
			snprintf(why, sizeof(why), "a region of that name "
				 "exists (--open opens it; '%s rm NAME' removes "
				 "it)", prog);
			break;
		case EINVAL:
			snprintf(why, sizeof(why), "invalid argument: a name is "
				 "1 to 63 printable ASCII characters without "
				 "'/', 1 to %d channels, a size of at least 1 "
				 "byte; with --open an existing region must be "
				 "at least as large and have as many channels",
				 SHMDEV_MAX_CHANNELS);
			break;
		case EBADF:
			snprintf(why, sizeof(why), "%s is not open for writing",
				 device);
			break;
		case EACCES:
			snprintf(why, sizeof(why), "permission denied by the "
				 "existing region's owner and mode ('%s info %s' "
				 "shows them)", prog, name ? name : "NAME");
			break;
		default:
			break;
		}
		break;
	case OP_ATTACH:
		if (err == EACCES)
			snprintf(why, sizeof(why), "permission denied by the "
				 "region's owner and mode ('%s info %s' shows "
				 "them)", prog, name ? name : "NAME");
		break;
	case OP_DESTROY:
		if (err == EPERM)
			snprintf(why, sizeof(why), "not permitted: only the "
				 "region's owner, its creator or root "
				 "(CAP_SYS_ADMIN) may remove it");
		break;
	case OP_NOTIFY:
	case OP_WAIT:
		if (err == EINVAL)
			snprintf(why, sizeof(why), "no such channel: the "
				 "channel must be below the region's channel "
				 "count ('%s info %s' shows it)", prog,
				 name ? name : "NAME");
		break;
	case OP_WAITV:
		if (err == ENOTTY)
			snprintf(why, sizeof(why), "the loaded module cannot "
				 "wait on several channels (SHMDEV_IOC_WAITV "
				 "came with shmdev 0.3.0): wait on one channel");
		else if (err == EINVAL)
			snprintf(why, sizeof(why), "no such channel: every "
				 "channel must be below the region's channel "
				 "count ('%s info %s' shows it)", prog,
				 name ? name : "NAME");
		break;
	case OP_CTL:
		if (err == EOPNOTSUPP)
			snprintf(why, sizeof(why), "the loaded module has no "
				 "control page (it came with shmdev 0.3.0)");
		break;
	case OP_MAP:
		if (err == ENOTTY || err == EINVAL)
			snprintf(why, sizeof(why), "the loaded module does not "
				 "know SHMDEV_IOC_MAP (%s); load the module of "
				 "this shmdevctl's version ('%s --version' shows "
				 "both)", strerror(err), prog);
		else if (err == EACCES)
			snprintf(why, sizeof(why), "permission denied: you may "
				 "look only at regions you may attach ('%s info "
				 "%s' shows the owner and mode)", prog,
				 name ? name : "NAME");
		else if (err == EAGAIN)
			snprintf(why, sizeof(why), "the mappings kept changing "
				 "while being read; try again");
		break;
	case OP_FD:
		if (err == ENOTTY || err == EBADF)
			snprintf(why, sizeof(why), "not an open descriptor of "
				 "/dev/shmdev (%s)", strerror(err));
		else if (err == ENXIO)
			snprintf(why, sizeof(why), "not attached to a region");
		break;
	default:
		break;
	}
	if (!why[0] && err == ENOENT && op != OP_OPEN && op != OP_PAGEMAP)
		snprintf(why, sizeof(why), "no such region ('%s list' shows "
			 "the regions)", prog);
	if (!why[0] && err == ENAMETOOLONG)
		snprintf(why, sizeof(why), "name too long (at most %d bytes)",
			 SHMDEV_NAME_MAX - 1);
	if (!why[0])
		snprintf(why, sizeof(why), "%s", strerror(err));

	if (name)
		fprintf(stderr, "%s: %s '%s': %s\n", prog, what, name, why);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, what, why);
	/* ENOTTY from a command every shmdev knows: not a shmdev at all. */
	if (op == OP_OPEN || err == ENODEV || (err == ENOTTY && op <= OP_WAIT))
		open_hint(err);
	return EXIT_FAILURE;
}

int fail(enum op op, const char *what, const char *name)
{
	return report(op, what, name, errno);
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

uint64_t arg_u64(const char *what, const char *s)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0)
		usage_error("invalid %s '%s'", what, s);
	return v;
}

uint32_t arg_u32(const char *what, const char *s)
{
	uint64_t v = arg_u64(what, s);

	if (v > UINT32_MAX)
		usage_error("invalid %s '%s'", what, s);
	return (uint32_t)v;
}

/*
 * NAME: what the module accepts, so that a name no region can have is a
 * usage error (exit 2) like any other bad argument.
 */
const char *arg_name(const char *s)
{
	size_t len = strnlen(s, SHMDEV_NAME_MAX), i;

	if (len == 0 || len == SHMDEV_NAME_MAX)
		usage_error("invalid name '%s': a name is 1 to %d characters",
			    s, SHMDEV_NAME_MAX - 1);
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '/')
			usage_error("invalid name '%s': a name is printable "
				    "ASCII without spaces or '/'", s);
	return s;
}

/* SIZE: decimal bytes, optionally followed by K, M or G (x1024^n). */
uint64_t arg_size(const char *s)
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
		usage_error("invalid size '%s' (bytes, or with K, M or G)", s);
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		usage_error("invalid size '%s' (bytes, or with K, M or G)", s);
	return (uint64_t)v << shift;
}

unsigned int arg_mode(const char *s)
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
void reset_getopt(void)
{
	optind = 0;
	opterr = 0;
}

void bad_option(char **argv)
{
	/* optind was moved past the offending word. */
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	usage_error("invalid option '%s' or missing argument", opt);
}

/* ------------------------------------------------------------------ */
/* Device and regions                                                  */

int open_dev(int flags)
{
	int fd = shmdev_open_path(device, flags);

	if (fd < 0)
		fail(OP_OPEN, "cannot open", device);
	return fd;
}

int attach_ro(const char *what, const char *name)
{
	int fd;

	arg_name(name);
	fd = open_dev(O_RDONLY);
	if (fd < 0)
		return -1;
	if (shmdev_attach_name(fd, name, SHMDEV_ATTACH_RDONLY, NULL) < 0) {
		fail(OP_ATTACH, what, name);
		close(fd);
		return -1;
	}
	return fd;
}

/* The name field is NUL-terminated by the kernel; never trust it blindly. */
const char *info_name(struct shmdev_info *i)
{
	i->name[SHMDEV_NAME_MAX - 1] = '\0';
	return i->name;
}

/*
 * Find a live region by name without attaching to it (attaching would
 * show up in nr_attached): list the ids and look at each one's name.
 * @name has passed arg_name().
 */
int find_by_name(int fd, const char *name, struct shmdev_info *out)
{
	uint64_t *ids;
	uint32_t n, i;

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

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

/*
 * A size exactly, in the largest unit that divides it: the page-table
 * views count pages, and 4092K must not read as 4M.
 */
const char *exact_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned int u = 0;

	while (u + 1 < sizeof(units) - 1 && bytes && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
	return buf;
}

const char *human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned int u = 0;
	uint64_t div = 1;

	while (u + 1 < sizeof(units) - 1 && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (u == 0 || bytes % div == 0) {
		snprintf(buf, len, "%" PRIu64 "%c", bytes / div, units[u]);
	} else {
		/* One decimal, rounded; 1023.95K is shown as 1M. */
		uint64_t tenths = (bytes * 10 + div / 2) / div;

		if (bytes > UINT64_MAX / 10)
			tenths = bytes / div * 10 + (bytes % div) / (div / 10);
		if (tenths % 10 == 0)
			snprintf(buf, len, "%" PRIu64 "%c", tenths / 10,
				 units[u]);
		else
			snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c",
				 tenths / 10, tenths % 10, units[u]);
	}
	return buf;
}

const char *iso_time(int64_t sec, char *buf, size_t len)
{
	time_t tt = (time_t)sec;
	struct tm tm;

	if (!sec || !localtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm))
		return NULL;
	return buf;
}

const char *proc_comm(uint32_t pid, char *buf, size_t len)
{
	char path[64];
	const char *ret = NULL;
	FILE *f;

	if (!pid)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = buf;
	}
	fclose(f);
	return ret;
}

const char *perms_str(unsigned int mode, char *buf, size_t len)
{
	static const char rwx[] = "rwxrwxrwx";
	size_t i;

	if (len < 10) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	for (i = 0; i < 9; i++)
		buf[i] = mode & (0400u >> i) ? rwx[i] : '-';
	buf[9] = '\0';
	return buf;
}

/*
 * A static glibc can call NSS (getpwuid) only with the shared NSS modules
 * of its own version at run time; a static build (the guest's) reads
 * /etc/passwd and /etc/group directly instead.
 */
#ifdef SHMDEV_STATIC
static const char *file_name(const char *path, uint32_t id, bool group,
			     char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool found = false;

	if (f) {
		if (group) {
			struct group *gr;

			while (!found && (gr = fgetgrent(f)))
				if (gr->gr_gid == (gid_t)id) {
					snprintf(buf, len, "%s", gr->gr_name);
					found = true;
				}
		} else {
			struct passwd *pw;

			while (!found && (pw = fgetpwent(f)))
				if (pw->pw_uid == (uid_t)id) {
					snprintf(buf, len, "%s", pw->pw_name);
					found = true;
				}
		}
		fclose(f);
	}
	if (!found)
		snprintf(buf, len, "%" PRIu32, id);
	return buf;
}

const char *user_name(uint32_t uid, char *buf, size_t len)
{
	return file_name("/etc/passwd", uid, false, buf, len);
}

const char *group_name(uint32_t gid, char *buf, size_t len)
{
	return file_name("/etc/group", gid, true, buf, len);
}
#else
const char *user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid((uid_t)uid);

	if (pw)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%" PRIu32, uid);
	return buf;
}

const char *group_name(uint32_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid((gid_t)gid);

	if (gr)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%" PRIu32, gid);
	return buf;
}
#endif

/* Print @s as a JSON string literal. */
void json_str(const char *s, size_t max)
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
