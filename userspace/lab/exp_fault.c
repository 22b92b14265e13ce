// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-lab fault, rdonly, private, softdirty: how entries appear and
 * what their bits say.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"

/* A read fault maps the page, and fault-around its neighbours. */
int exp_fault(int argc, char **argv)
{
	size_t len = 64 * lab_page(), pg = lab_page();
	volatile char *p;
	int fd;

	(void)argc;
	(void)argv;
	fd = lab_create("lab", len, 0, NULL);
	p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	lab_pause("pid %ld mapped the 64 pages of 'lab' at %p and touched "
		  "nothing.\n  look: shmdevctl map lab   (one run, level none)",
		  (long)getpid(), (void *)p);
	(void)p[20 * pg];
	lab_pause("it read one byte of page 20.\n"
		  "  look: shmdevctl map lab   (page 20 and its neighbours mapped: "
		  "fault-around; RW already, no D)");
	p[20 * pg] = 1;
	lab_pause("it wrote one byte of page 20.\n"
		  "  look: shmdevctl map lab   (page 20 alone gets D)");
	return 0;
}

/* A read-only attach: no RW in the entries, and mprotect cannot add it. */
int exp_rdonly(int argc, char **argv)
{
	size_t len = 4 * lab_page();
	char *p;
	int fd, ro, r;

	(void)argc;
	(void)argv;
	fd = lab_create("lab", len, 0, NULL);
	ro = lab_attach("lab", SHMDEV_ATTACH_RDONLY);
	p = lab_mmap(NULL, len, PROT_READ, MAP_SHARED, ro, 0);
	lab_touch(p, len, false);
	r = mprotect(p, len, PROT_READ | PROT_WRITE);
	lab_pause("pid %ld attached 'lab' read-only, mapped it at %p and read "
		  "every page; mprotect(PROT_WRITE) %s.\n"
		  "  look: shmdevctl map lab   (rdonly-attach, no maywrite; entries "
		  "without RW)", (long)getpid(), (void *)p,
		  r ? strerror(errno) : "succeeded (unexpected!)");
	close(fd);
	return 0;
}

/* MAP_PRIVATE: the region's frame until a write copies the page. */
int exp_private(int argc, char **argv)
{
	size_t len = 4 * lab_page();
	volatile char *p;
	int fd;

	(void)argc;
	(void)argv;
	fd = lab_create("lab", len, 0, NULL);
	p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	(void)p[0];
	lab_pause("pid %ld mapped 'lab' MAP_PRIVATE at %p and read page 0.\n"
		  "  look: shmdevctl map lab   (page 0: the region's frame, no RW)",
		  (long)getpid(), (void *)p);
	p[0] = 1;
	lab_pause("it wrote page 0.\n"
		  "  look: shmdevctl map lab   (page 0: kind anon, a new frame, RW, D)");
	if (madvise((void *)p, lab_page(), MADV_DONTNEED) < 0)
		lab_die("madvise(MADV_DONTNEED): %s", strerror(errno));
	(void)p[0];
	lab_pause("it dropped page 0 with MADV_DONTNEED and read it again.\n"
		  "  look: shmdevctl map lab   (page 0: the region's frame again; "
		  "the write is lost)");
	return 0;
}

static void clear_refs(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "4", 1) != 1)
		lab_die("echo 4 > /proc/self/clear_refs: %s", strerror(errno));
	close(fd);
}

/* Soft-dirty: cleared by clear_refs, set again by the next write. */
int exp_softdirty(int argc, char **argv)
{
	size_t len = 4 * lab_page();
	volatile char *p;
	int fd;

	(void)argc;
	(void)argv;
	fd = lab_create("lab", len, 0, NULL);
	p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	lab_touch((void *)p, len, true);
	lab_pause("pid %ld mapped 'lab' at %p and wrote every page.\n"
		  "  look: shmdevctl map lab   (D from the CPU; no SD: no write "
		  "fault)",
		  (long)getpid(), (void *)p);
	clear_refs();
	lab_pause("it wrote 4 to /proc/self/clear_refs.\n"
		  "  look: shmdevctl map lab   (RW gone, so that the next write "
		  "faults; D moved aside with it)");
	p[lab_page()] = 2;
	lab_pause("it wrote page 1.\n"
		  "  look: shmdevctl map lab   (page 1: SD and RW again)");
	return 0;
}
