/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdevctl - shared declarations of the subcommand files.
 *
 * Exit status: 0 success, 1 operational failure, 2 usage error,
 * 3 "wait" timed out.
 */
#ifndef SHMDEVCTL_CTL_H
#define SHMDEVCTL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmdev.h"

#define EXIT_USAGE	2
#define EXIT_TIMEDOUT	3

#define SYSFS_PARAMS	"/sys/module/shmdev/parameters"
#define SYSFS_CLASS	"/sys/class/misc/shmdev"

extern const char *prog;
extern const char *device;

/* One subcommand: its name, function, one-line summary and full help. */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;
};

extern const struct command commands[];
extern const size_t nr_commands;

/* The subcommand being run, for "Try 'shmdevctl CMD --help'". */
extern const char *current_cmd;

/*
 * What failed, so that the message can explain the errno.  The commands
 * up to OP_WAIT are in every shmdev: ENOTTY there means another device.
 */
enum op {
	OP_OPEN, OP_API, OP_CREATE, OP_ATTACH, OP_INFO, OP_DESTROY, OP_LIST,
	OP_NOTIFY, OP_WAIT, OP_WAITV, OP_CTL, OP_MMAP, OP_PAGEMAP, OP_MAP, OP_SVG,
	OP_FD,
};

__attribute__((noreturn, format(printf, 1, 2)))
void usage_error(const char *fmt, ...);
/*
 * Print "shmdevctl: WHAT 'NAME': <why>" (NAME may be NULL) for errno
 * @err, with the limit and its value and a hint where one applies.
 * Returns EXIT_FAILURE.
 */
int report(enum op op, const char *what, const char *name, int err);
/* report() for the current errno. */
int fail(enum op op, const char *what, const char *name);
/* The size a failed create asked for, for its message (0: none). */
extern uint64_t report_size;

uint64_t arg_u64(const char *what, const char *s);
uint32_t arg_u32(const char *what, const char *s);
const char *arg_name(const char *s);
uint64_t arg_size(const char *s);
unsigned int arg_mode(const char *s);
void reset_getopt(void);
void bad_option(char **argv);

/* Open the device; on failure report it and return -1. */
int open_dev(int flags);
/* Open and attach read-only by name; on failure report it, return -1. */
int attach_ro(const char *what, const char *name);
/* INFO of the live region called @name, without attaching (-1, errno). */
int find_by_name(int fd, const char *name, struct shmdev_info *out);
const char *info_name(struct shmdev_info *i);

/* Read an unsigned number from a sysfs (or any) file; -1 if unreadable. */
int read_u64_file(const char *path, uint64_t *v);
/* "1.5M" style (powers of 1024), as lsblk and lsipc print sizes. */
const char *human_size(uint64_t bytes, char *buf, size_t len);
const char *exact_size(uint64_t bytes, char *buf, size_t len);
/* "rw-r-----" for 0640. */
const char *perms_str(unsigned int mode, char *buf, size_t len);
/* Seconds since the Epoch as local ISO 8601 time; NULL for 0 (never). */
const char *iso_time(int64_t sec, char *buf, size_t len);
/* The command of a running process (/proc/PID/comm); NULL if none. */
const char *proc_comm(uint32_t pid, char *buf, size_t len);
const char *user_name(uint32_t uid, char *buf, size_t len);
const char *group_name(uint32_t gid, char *buf, size_t len);
void json_str(const char *s, size_t max);

/* ---- tables: -o columns, --noheadings, --raw, --json ---- */

enum col_type { COL_STR, COL_NUM };

struct col {
	const char *name;
	enum col_type type;	/* COL_NUM: right-aligned, a JSON number */
	const char *help;
};

struct table;

enum table_mode { TABLE_TEXT, TABLE_RAW, TABLE_JSON };

/*
 * Columns from @spec ("ID,NAME", "+COL,..." to add to @deflt, or NULL
 * for @deflt).  Unknown column names are a usage error.
 */
struct table *table_new(const struct col *cols, size_t ncols,
			const char *spec, const char *deflt);
void table_set_mode(struct table *t, enum table_mode mode, bool headings,
		    const char *json_name);
bool table_has(const struct table *t, const char *colname);
void table_new_row(struct table *t);
/* Set a cell of the current row; NULL or "" prints "-" / JSON null. */
void table_cell(struct table *t, const char *colname, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void table_print(struct table *t);
void table_free(struct table *t);
void print_columns(const struct col *cols, size_t ncols);

/* The column lists printed after help_list and help_limits. */
void list_print_columns(void);
void limits_print_columns(void);

int cmd_api(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_limits(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_frames(int argc, char **argv);
int cmd_map(int argc, char **argv);

extern const char help_api[], help_create[], help_info[], help_list[],
	help_limits[], help_rm[], help_notify[], help_wait[], help_frames[],
	help_map[];

#endif /* SHMDEVCTL_CTL_H */
