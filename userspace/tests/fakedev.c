// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD shim for testing shmdevctl's error messages on a host
 * without the module: open() of /dev/shmdev gives a descriptor of
 * /dev/null, every ioctl on it fails with errno $FAKE_ERRNO, and fopen()
 * of /sys/module/shmdev/... or /sys/class/misc/shmdev/... reads
 * $FAKE_SYSFS/... instead.  Without $FAKE_ERRNO, LIST and INFO by id
 * describe two made-up regions (for the table output).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/shmdev.h>

static int fake_fd = -1;

int open(const char *path, int flags, ...)
{
	static int (*real_open)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!strcmp(path, "/dev/shmdev")) {
		fake_fd = real_open("/dev/null", O_RDONLY | O_CLOEXEC);
		return fake_fd;
	}
	return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real_ioctl)(int, unsigned long, ...);
	const char *e = getenv("FAKE_ERRNO");
	va_list ap;
	void *arg;

	if (!real_ioctl)
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == fake_fd && fd >= 0) {
		if (!e && req == SHMDEV_IOC_LIST) {
			struct shmdev_list *l = arg;
			uint64_t *ids = (uint64_t *)(uintptr_t)l->ids_ptr;

			if (l->capacity >= 2) {
				ids[0] = 3;
				ids[1] = 7;
			}
			l->count = 2;
			return 0;
		}
		if (!e && req == SHMDEV_IOC_INFO) {
			struct shmdev_info *i = arg;
			int big = i->id == 7;

			i->size = big ? 1610612736ULL : 8192;
			i->uid = i->cuid = 0;
			i->gid = i->cgid = 0;
			i->mode = big ? 0640 : 0600;
			i->nr_channels = big ? 64 : 2;
			i->nr_attached = big;
			i->nr_mappings = 2 * big;
			i->region_flags = big ? SHMDEV_REGION_DESTROYED : 0;
			strcpy(i->name, big ? "frames" : "mailbox");
			i->seq[0] = 42;
			i->cpid = 4242;
			i->lpid = 4343;
			i->ctime = 1700000000;
			i->atime = 1700000060;
			return 0;
		}
		errno = e ? atoi(e) : ENOTTY;
		return -1;
	}
	return real_ioctl(fd, req, arg);
}

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real_fopen)(const char *, const char *);
	const char *root = getenv("FAKE_SYSFS");
	char buf[4096];

	if (!real_fopen)
		real_fopen = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	if (root && (!strncmp(path, "/sys/module/shmdev/", 19) ||
		     !strncmp(path, "/sys/class/misc/shmdev/", 23))) {
		snprintf(buf, sizeof(buf), "%s%s", root, path);
		return real_fopen(buf, mode);
	}
	return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
	__attribute__((alias("fopen")));
