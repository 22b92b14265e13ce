// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-bench: measure shmdev against futex, eventfd, pipes, sockets,
 * semaphores, condition variables, memfd, shm_open and SysV shm, in one
 * run, interleaved (the order of the implementations changes with the
 * rep).  See bench/README.md; scripts/bench.sh runs it in QEMU guests.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static const struct workload *const workloads[] = {
	&wl_micro, &wl_pingpong, &wl_ring, &wl_bulk, &wl_create, &wl_scale,
};

#define NR_WL ((int)ARRAY_SIZE(workloads))

static void usage(FILE *f)
{
	int i;

	fprintf(f,
		"Usage: shmdev-bench [--rep N] [--reps N] [--quick] [WORKLOAD...]\n"
		"Measure shmdev against the kernel's other IPC primitives.  Prints one\n"
		"line per measurement: BENCH rep=R wl=W impl=I n=N ns=X [pN=..] [k=v].\n"
		"  --rep N    number of the first rep (default 0)\n"
		"  --reps N   reps to run (default 1)\n"
		"  --quick    a tenth of the work (smoke test)\n"
		"  --help     this text\n"
		"Workloads (default all):\n");
	for (i = 0; i < NR_WL; i++)
		fprintf(f, "  %-10s %s\n", workloads[i]->name, workloads[i]->what);
}

static const struct workload *find(const char *name)
{
	int i;

	for (i = 0; i < NR_WL; i++)
		if (!strcmp(workloads[i]->name, name))
			return workloads[i];
	return NULL;
}

/* 10,000 regions and 1,000 epoll files need more descriptors. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static int parse_int(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < 0 || v > 1000000) {
		fprintf(stderr, "shmdev-bench: %s: not a count: '%s' (see --help)\n",
			what, s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rep", required_argument, NULL, 'r' },
		{ "reps", required_argument, NULL, 'n' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct workload *run[NR_WL];
	struct bench_cfg cfg = { 0 };
	int nrun = 0, first = 0, reps = 1, c, i, r;
	struct utsname u;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			first = parse_int(optarg, "--rep");
			break;
		case 'n':
			reps = parse_int(optarg, "--reps");
			break;
		case 'q':
			cfg.quick = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	for (i = optind; i < argc; i++) {
		const struct workload *w = find(argv[i]);

		if (!w || nrun == NR_WL) {
			fprintf(stderr, "shmdev-bench: no workload '%s' (see --help)\n",
				argv[i]);
			return 2;
		}
		run[nrun++] = w;
	}
	if (!nrun)
		for (nrun = 0; nrun < NR_WL; nrun++)
			run[nrun] = workloads[nrun];
	raise_nofile();
	cfg.ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	uname(&u);
	printf("BENCH-INFO kernel=%s cpus=%d quick=%d\n", u.release, cfg.ncpus,
	       cfg.quick);
	for (r = first; r < first + reps; r++) {
		cfg.rep = r;
		for (i = 0; i < nrun; i++)
			run[i]->run(&cfg);
	}
	return 0;
}
