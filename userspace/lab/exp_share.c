// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-lab share, fork, destroy: who maps the region's frames, when.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"

#define PAGES 4

/* Two unrelated processes: this one writes, an exec'd peer reads. */
int exp_share(int argc, char **argv)
{
	size_t len = PAGES * lab_page();
	char *p;
	char c, self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;
	int fd, ready[2];

	(void)argc;
	if (n <= 0)
		lab_die("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	fd = lab_create("lab", len, 0, NULL);
	p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	lab_touch(p, len, true);
	if (pipe(ready) < 0)
		lab_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		lab_die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* A new program: nothing shared but the region's name. */
		dup2(ready[1], 3);
		execl(self, argv[0], "share-peer", (char *)NULL);
		_exit(127);
	}
	lab_child(pid);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		lab_die("the peer process failed");
	close(ready[0]);
	lab_pause("pid %ld wrote all %d pages of 'lab' at %p; pid %ld (exec'd, "
		  "unrelated) read them at another address.\n"
		  "  look: shmdevctl map lab   (same PFN in both, ALL *)",
		  (long)getpid(), PAGES, (void *)p, (long)pid);
	return 0;
}

int exp_share_peer(int argc, char **argv)
{
	size_t len = PAGES * lab_page();
	void *pad, *p;
	int fd;

	(void)argc;
	(void)argv;
	/* Some address space first, so that the region lands elsewhere. */
	pad = lab_mmap(NULL, 64 * lab_page(), PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	(void)pad;
	fd = lab_attach("lab", SHMDEV_ATTACH_RDONLY);
	p = lab_mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	lab_touch(p, len, false);
	if (write(3, "x", 1) != 1)
		return 1;
	close(3);
	pause();	/* until the experiment kills it */
	return 0;
}

static void wait_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		lab_die("the child process failed");
}

/* After fork the child has the VMA but no entries until it touches. */
int exp_fork(int argc, char **argv)
{
	size_t len = PAGES * lab_page();
	int fd, go[2], done[2];
	char *p;
	pid_t pid;

	(void)argc;
	(void)argv;
	fd = lab_create("lab", len, 0, NULL);
	p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	lab_touch(p, len, true);
	if (pipe(go) < 0 || pipe(done) < 0)
		lab_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		lab_die("fork: %s", strerror(errno));
	if (pid == 0) {
		wait_byte(go[0]);
		lab_touch(p, len, false);
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	lab_child(pid);
	lab_pause("pid %ld wrote all %d pages of 'lab', then forked pid %ld.\n"
		  "  look: shmdevctl map lab   (the child has the VMA, no entries)",
		  (long)getpid(), PAGES, (long)pid);
	if (write(go[1], "x", 1) != 1)
		lab_die("cannot wake the child");
	wait_byte(done[0]);
	lab_pause("the child pid %ld read every page.\n"
		  "  look: shmdevctl map lab   (now both map the same frames)",
		  (long)pid);
	return 0;
}

/* Show the region of @fd with 'shmdevctl map --fd 3' and this process's maps line. */
static void show_through(int fd, const void *p)
{
	char line[512];
	FILE *f;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* dup2() onto itself would keep O_CLOEXEC. */
		if (fd == 3)
			fcntl(fd, F_SETFD, 0);
		else
			dup2(fd, 3);
		execlp("shmdevctl", "shmdevctl", "map", "--fd", "3", (char *)NULL);
		fprintf(stderr, "shmdev-lab: cannot run shmdevctl: %s\n",
			strerror(errno));
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	f = fopen("/proc/self/maps", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strtoul(line, NULL, 16) == (unsigned long)(uintptr_t)p)
			printf("/proc/%ld/maps: %s", (long)getpid(), line);
	if (f)
		fclose(f);
}

/* The name goes at once; the memory and the entries at the last unmap. */
int exp_destroy(int argc, char **argv)
{
	size_t len = PAGES * lab_page();
	uint64_t id;
	char *p;
	int fd;

	(void)argc;
	(void)argv;
	fd = lab_create("lab", len, 0, &id);
	p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	lab_touch(p, len, true);
	if (shmdev_destroy_name(fd, "lab") < 0)
		lab_die("destroy 'lab': %s", strerror(errno));
	printf("[destroy] pid %ld destroyed 'lab' (id %llu) while it maps it; "
	       "through its attached file:\n", (long)getpid(),
	       (unsigned long long)id);
	show_through(fd, p);
	lab_pause("the name is gone, the memory and the entries are not.\n"
		  "  look: shmdevctl map lab; shmdevctl map --id %llu (neither "
		  "finds it: no name, not live); shmdevctl list",
		  (unsigned long long)id);
	munmap(p, len);
	close(fd);
	lab_pause("pid %ld unmapped it and closed its file: the last user is "
		  "gone, the region is freed.\n"
		  "  look: grep shmdev_free /sys/kernel/tracing/trace",
		  (long)getpid());
	return 0;
}
