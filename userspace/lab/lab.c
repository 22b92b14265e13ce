// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-lab - run one experiment of docs/page-tables.md, or drive one
 * that runs in the background:
 *
 *   shmdev-lab EXPERIMENT &   set it up; it pauses after each step
 *   shmdev-lab wait           wait until it reached its first pause
 *   shmdev-lab next           end the current pause, wait for the next
 *
 * Exit status: 0 done, 1 a step failed, 2 usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static const struct experiment experiments[] = {
	{ "share", exp_share, "two unrelated processes share the region's frames" },
	{ "fault", exp_fault, "a first read maps a page and its neighbours; a write dirties it" },
	{ "fork", exp_fork, "a forked child has no entries until it touches the region" },
	{ "rdonly", exp_rdonly, "a read-only attach maps without RW; mprotect cannot add it" },
	{ "private", exp_private, "MAP_PRIVATE: shared frame, copy on write, MADV_DONTNEED" },
	{ "huge", exp_huge, "a 2 MiB region: PMD leaf, misaligned PTEs, a split PMD" },
	{ "softdirty", exp_softdirty, "clear_refs resets soft-dirty; a write sets it again" },
	{ "destroy", exp_destroy, "destroy while mapped keeps the entries until the last unmap" },
	{ "share-peer", exp_share_peer, NULL },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: shmdev-lab EXPERIMENT [&]\n"
		"       shmdev-lab wait | next\n\n"
		"The experiments of docs/page-tables.md.  Each one pauses after\n"
		"every step: look with 'shmdevctl map NAME' (another shell, or run\n"
		"the experiment in the background with &), then press Enter or run\n"
		"'shmdev-lab next'.  'shmdev-lab wait' waits for the first pause.\n\n"
		"Experiments:\n");
	for (i = 0; i < sizeof(experiments) / sizeof(experiments[0]); i++)
		if (experiments[i].summary)
			fprintf(f, "  %-10s %s\n", experiments[i].name,
				experiments[i].summary);
}

static int read_int(const char *path, long *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%ld", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static void nap(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Steps of the running experiments; @n of them found. */
static int scan(long *pid, long *step, int max)
{
	DIR *d = opendir(LAB_DIR);
	struct dirent *e;
	char path[512];
	int n = 0;

	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".pid"))
			continue;
		snprintf(path, sizeof(path), LAB_DIR "/%s", e->d_name);
		if (read_int(path, &pid[n]) < 0 || kill((pid_t)pid[n], 0) < 0)
			continue;
		snprintf(path, sizeof(path), LAB_DIR "/%.*s.step",
			 (int)(len - 4), e->d_name);
		if (read_int(path, &step[n]) < 0)
			step[n] = 0;
		n++;
	}
	closedir(d);
	return n;
}

/* Wait until an experiment paused (step >= 1), 60 s at most. */
static int cmd_wait(void)
{
	long pid[8], step[8];
	int i, n, t;

	for (t = 0; t < 1200; t++) {
		n = scan(pid, step, 8);
		for (i = 0; i < n; i++)
			if (step[i] >= 1)
				return 0;
		nap();
	}
	fprintf(stderr, "shmdev-lab: wait: no experiment paused within 60 s "
		"(start one with 'shmdev-lab EXPERIMENT &')\n");
	return 1;
}

/* End the pause of every running experiment; wait for its next one. */
static int cmd_next(void)
{
	long pid[8], step[8], p2[8], s2[8];
	int i, j, n, n2, t, moved;

	n = scan(pid, step, 8);
	if (!n) {
		fprintf(stderr, "shmdev-lab: next: no experiment is running "
			"(start one with 'shmdev-lab EXPERIMENT &')\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		kill((pid_t)pid[i], SIGUSR1);
	for (t = 0; t < 1200; t++) {
		nap();
		n2 = scan(p2, s2, 8);
		for (i = 0, moved = 0; i < n; i++) {
			bool alive = false;

			for (j = 0; j < n2; j++)
				if (p2[j] == pid[i]) {
					alive = true;
					moved += s2[j] > step[i];
				}
			moved += !alive;
		}
		if (moved == n)
			return 0;
	}
	fprintf(stderr, "shmdev-lab: next: the experiment did not reach its "
		"next step within 60 s\n");
	return 1;
}

int main(int argc, char **argv)
{
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "wait"))
		return cmd_wait();
	if (!strcmp(argv[1], "next"))
		return cmd_next();
	for (i = 0; i < sizeof(experiments) / sizeof(experiments[0]); i++)
		if (!strcmp(argv[1], experiments[i].name)) {
			if (experiments[i].summary)
				lab_begin(experiments[i].name);
			return experiments[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "shmdev-lab: unknown experiment '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
