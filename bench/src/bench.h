/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev-bench: shmdev against the kernel's other IPC primitives, in one
 * process tree, interleaved.  Every measurement is one line on stdout:
 *
 *   BENCH rep=R wl=WORKLOAD impl=IMPL n=N ns=X [p1=.. p10=.. p50=.. p90=..
 *         p99=..] [key=value...]
 *
 * ns is the figure ratios are taken of (ns per operation, lower is
 * better); the pN keys are percentiles of the per-operation samples.
 * A measurement that cannot be taken prints BENCH-SKIP with the reason.
 */
#ifndef SHMDEV_BENCH_H
#define SHMDEV_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmdev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* How long each workload runs: the counts are scaled down in quick mode. */
struct bench_cfg {
	int rep;		/* the rep's number, printed in every line */
	bool quick;		/* smoke run: a tenth of the work */
	int ncpus;		/* online CPUs (cross-core needs 2) */
};

/* A workload family: runs every implementation once, in an order that
 * depends on the rep (interleaving), and prints its lines.
 */
struct workload {
	const char *name;
	const char *what;
	void (*run)(const struct bench_cfg *cfg);
};

extern const struct workload wl_micro, wl_pingpong, wl_ring, wl_bulk,
	wl_create, wl_scale;

/* util.c: time, output, statistics */
uint64_t now_ns(void);
void report(const struct bench_cfg *cfg, const char *wl, const char *impl,
	    uint64_t n, double ns, const double *samples, size_t nsamples,
	    const char *extra);
void skip(const struct bench_cfg *cfg, const char *wl, const char *impl,
	  const char *why);
/* Indices 0..n-1 in the rep's order: rotated by rep, reversed every other. */
void order(const struct bench_cfg *cfg, int *idx, int n);
size_t scaled(const struct bench_cfg *cfg, size_t n);

/* util.c: processes, CPUs, shared memory */
int pin_cpu(int cpu);
void *shared_alloc(size_t len);
void shared_free(void *p, size_t len);
int reap_child(pid_t pid, int err);
void cpu_relax(void);

/* util.c: futexes (process-shared: no FUTEX_PRIVATE_FLAG) */
long futex_wait(uint32_t *word, uint32_t val);
long futex_wake(uint32_t *word, int n);

/* util.c: shmdev regions.  The name is made unique per process. */
struct bregion {
	int fd;
	uint64_t id;
	char name[SHMDEV_NAME_MAX];
	void *addr;		/* NULL unless mapped */
	size_t size;
	struct shmdev_ctl ctl;	/* page NULL unless mapped */
};

int bregion_create(struct bregion *r, size_t size, unsigned int nch,
		   unsigned int flags, bool map, bool ctl);
/* Another file attached to the same region (what a second process does). */
int bregion_attach(struct bregion *r, const struct bregion *from, bool map,
		   bool ctl);
void bregion_close(struct bregion *r);
void bregion_destroy(struct bregion *r);
void unique_name(char *buf, size_t len, const char *tag);

/* Counters of the system calls the shmdev fast path made (wrapped). */
extern uint64_t bench_nr_wake, bench_nr_wait;

#endif
