// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-lab huge: a region of 2 MiB folios, mapped by PMD leaves where
 * it can be and by PTEs where it cannot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"

#define HUGE (2 * MiB)

int exp_huge(int argc, char **argv)
{
	size_t len = 2 * HUGE;
	char *a, *res, *b;
	uintptr_t at;
	int fd;

	(void)argc;
	(void)argv;
	fd = lab_create("lab-huge", len, SHMDEV_CREATE_HUGE, NULL);
	a = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	lab_touch(a, len, true);
	lab_pause("pid %ld mapped the 4 MiB region 'lab-huge' at %p (2 MiB "
		  "aligned) and wrote it.\n"
		  "  look: shmdevctl map lab-huge   (two PMD leaves, PSE; "
		  "shmdevctl map -v: no PTE table)", (long)getpid(), (void *)a);
	/* 4 KiB past a 2 MiB boundary: no PMD can map that. */
	res = lab_mmap(NULL, HUGE + HUGE + lab_page(), PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	at = ((uintptr_t)res + HUGE - 1) / HUGE * HUGE + lab_page();
	b = lab_mmap((void *)at, HUGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	lab_touch(b, HUGE, false);
	lab_pause("it mapped the first 2 MiB again at %p, 4 KiB past a 2 MiB "
		  "boundary, and read it.\n"
		  "  look: shmdevctl map lab-huge   (512 PTEs into the same "
		  "order-9 folio, WHY misaligned)", (void *)b);
	if (mprotect(a, lab_page(), PROT_READ) < 0)
		lab_die("mprotect: %s", strerror(errno));
	lab_pause("it made the first 4 KiB at %p read-only with mprotect.\n"
		  "  look: shmdevctl map lab-huge   (the first PMD is gone: "
		  "WHY partial; the second still a PMD leaf)", (void *)a);
	lab_touch(a, HUGE, false);
	lab_pause("it read the first 2 MiB again.\n"
		  "  look: shmdevctl map lab-huge   (512 PTEs where the PMD was, "
		  "WHY partial)");
	return 0;
}
