// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-lab - the pause between steps, and the setup every experiment
 * needs (regions, mappings, children), cleaned up at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

static char exp_name[32];
static int step;
static char region[SHMDEV_NAME_MAX];
static int children[4], nr_children;
static volatile sig_atomic_t got_next, got_stop;

void lab_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "shmdev-lab: %s: ", exp_name[0] ? exp_name : "error");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_next = 1;
	else
		got_stop = 1;
}

static void file_path(char *buf, size_t len, const char *ext)
{
	snprintf(buf, len, LAB_DIR "/%s.%s", exp_name, ext);
}

static void write_file(const char *ext, long v)
{
	char path[256], tmp[300];
	FILE *f;

	file_path(path, sizeof(path), ext);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return;
	fprintf(f, "%ld\n", v);
	fclose(f);
	rename(tmp, path);	/* readers never see a half-written file */
}

static void cleanup(void)
{
	char path[256];
	int i, fd;
	const char *owner = getenv("SHMDEV_LAB_PID");

	if (!owner || getpid() != (pid_t)atol(owner))
		return;	/* a forked child exiting */
	for (i = 0; i < nr_children; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	if (region[0]) {
		fd = shmdev_open(O_RDWR);
		if (fd >= 0) {
			shmdev_destroy_name(fd, region);
			close(fd);
		}
	}
	file_path(path, sizeof(path), "step");
	unlink(path);
	file_path(path, sizeof(path), "id");
	unlink(path);
	file_path(path, sizeof(path), "pid");
	unlink(path);
	printf("[%s] done\n", exp_name);
}

void lab_begin(const char *name)
{
	struct sigaction sa;
	sigset_t block;
	char pid[32];

	snprintf(exp_name, sizeof(exp_name), "%s", name);
	mkdir(LAB_DIR, 0777);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Only the pause takes the signals: no step is interrupted. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("SHMDEV_LAB_PID", pid, 1);
	write_file("step", 0);
	write_file("pid", (long)getpid());
	atexit(cleanup);
}

/* In the foreground of a terminal, Enter also ends the pause. */
static bool foreground(void)
{
	return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

void lab_pause(const char *fmt, ...)
{
	struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
	bool fg = foreground();
	sigset_t none;
	va_list ap;
	char line[64];

	printf("[%s step %d, pid %ld] ", exp_name, ++step, (long)getpid());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  %s\n", fg ? "(press Enter for the next step)" :
	       "(look, then run 'shmdev-lab next')");
	fflush(stdout);
	write_file("step", step);
	sigemptyset(&none);
	got_next = 0;
	while (!got_next && !got_stop) {
		if (!fg) {
			sigsuspend(&none);
			continue;
		}
		if (ppoll(&pfd, 1, NULL, &none) > 0) {
			if (!fgets(line, sizeof(line), stdin))
				fg = false;	/* EOF: signals only */
			else
				break;
		}
	}
	if (got_stop)
		exit(0);
}

int lab_attach(const char *name, unsigned int flags)
{
	int fd = shmdev_open(flags & SHMDEV_ATTACH_RDONLY ? O_RDONLY : O_RDWR);

	if (fd < 0)
		lab_die("cannot open /dev/shmdev: %s (is the module loaded?)",
			strerror(errno));
	if (shmdev_attach_name(fd, name, flags, NULL) < 0)
		lab_die("attach '%s': %s", name, strerror(errno));
	return fd;
}

int lab_create(const char *name, size_t size, unsigned int flags, uint64_t *id)
{
	struct shmdev_info info = { 0 };
	int fd = shmdev_open(O_RDWR);

	if (fd < 0)
		lab_die("cannot open /dev/shmdev: %s (is the module loaded?)",
			strerror(errno));
	if (shmdev_create(fd, name, size, 1, 0600, flags, NULL, NULL) < 0)
		lab_die("create '%s' (%zu bytes): %s%s", name, size,
			strerror(errno), errno == EEXIST ?
			" (another experiment runs? 'shmdevctl rm NAME' removes it)" : "");
	snprintf(region, sizeof(region), "%s", name);
	if (shmdev_info(fd, &info) == 0)
		write_file("id", (long)info.id);
	if (id)
		*id = info.id;
	return fd;
}

void *lab_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		lab_die("mmap of %zu bytes: %s", len, strerror(errno));
	return p;
}

void lab_touch(void *p, size_t len, bool write)
{
	volatile char *c = p;
	size_t i;

	for (i = 0; i < len; i += lab_page()) {
		(void)c[i];
		if (write)
			c[i] = (char)(i / lab_page() + 1);
	}
}

size_t lab_page(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

void lab_child(int pid)
{
	if (nr_children < (int)(sizeof(children) / sizeof(children[0])))
		children[nr_children++] = pid;
}
