// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of shmdev-bench: clock, output, statistics, CPUs,
 * shared memory, futexes and shmdev regions.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_nr_wake, bench_nr_wait;

/*
 * The fast path's inline functions call these only when they enter the
 * kernel: the link wraps them (-Wl,--wrap) so that the fraction of
 * messages that made a system call can be counted without changing the
 * library's code path.
 */
int __real_shmdev_wake(int fd, uint32_t channel);
int __real_shmdev_wait(int fd, uint32_t channel, uint64_t expected,
		       uint64_t timeout_ns, unsigned int flags, uint64_t *seq);
int __wrap_shmdev_wake(int fd, uint32_t channel);
int __wrap_shmdev_wait(int fd, uint32_t channel, uint64_t expected,
		       uint64_t timeout_ns, unsigned int flags, uint64_t *seq);

int __wrap_shmdev_wake(int fd, uint32_t channel)
{
	bench_nr_wake++;
	return __real_shmdev_wake(fd, channel);
}

int __wrap_shmdev_wait(int fd, uint32_t channel, uint64_t expected,
		       uint64_t timeout_ns, unsigned int flags, uint64_t *seq)
{
	bench_nr_wait++;
	return __real_shmdev_wait(fd, channel, expected, timeout_ns, flags, seq);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted values. */
static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

void report(const struct bench_cfg *cfg, const char *wl, const char *impl,
	    uint64_t n, double ns, const double *samples, size_t nsamples,
	    const char *extra)
{
	static const double ps[] = { 1, 10, 25, 50, 75, 90, 99 };
	double *v = NULL;
	size_t i;

	if (nsamples) {
		v = malloc(nsamples * sizeof(*v));
		if (!v)
			nsamples = 0;
		else
			memcpy(v, samples, nsamples * sizeof(*v));
	}
	if (nsamples)
		qsort(v, nsamples, sizeof(*v), cmp_double);
	/* A negative ns asks for the median of the samples. */
	if (ns < 0)
		ns = nsamples ? pct(v, nsamples, 50) : 0;
	printf("BENCH rep=%d wl=%s impl=%s n=%llu ns=%.1f", cfg->rep, wl, impl,
	       (unsigned long long)n, ns);
	for (i = 0; nsamples && i < ARRAY_SIZE(ps); i++)
		printf(" p%g=%.1f", ps[i], pct(v, nsamples, ps[i]));
	free(v);
	if (extra && *extra)
		printf(" %s", extra);
	printf("\n");
	fflush(stdout);
}

void skip(const struct bench_cfg *cfg, const char *wl, const char *impl,
	  const char *why)
{
	char buf[160];
	size_t i;

	/* One word: the report script splits on spaces. */
	snprintf(buf, sizeof(buf), "%s", why);
	for (i = 0; buf[i]; i++)
		if (buf[i] == ' ')
			buf[i] = '_';
	printf("BENCH-SKIP rep=%d wl=%s impl=%s why=%s\n", cfg->rep, wl, impl, buf);
	fflush(stdout);
}

void order(const struct bench_cfg *cfg, int *idx, int n)
{
	int i, rot = n ? cfg->rep % n : 0;

	for (i = 0; i < n; i++)
		idx[i] = (i + rot) % n;
	if (cfg->rep & 1) {
		for (i = 0; i < n / 2; i++) {
			int t = idx[i];

			idx[i] = idx[n - 1 - i];
			idx[n - 1 - i] = t;
		}
	}
}

size_t scaled(const struct bench_cfg *cfg, size_t n)
{
	if (!cfg->quick)
		return n;
	return n / 10 ? n / 10 : 1;
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Anonymous MAP_SHARED memory is shmem: process-shared futexes work in it. */
void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("shmdev-bench: mmap of shared memory");
		exit(1);
	}
	memset(p, 0, len);
	return p;
}

void shared_free(void *p, size_t len)
{
	munmap(p, len);
}

/* Wait for a workload's child (none if @pid <= 0), killed first if the
 * parent failed (@err).  Returns its wait status.
 */
int reap_child(pid_t pid, int err)
{
	int st = 0;

	if (pid > 0) {
		if (err)
			kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return st;
}

void cpu_relax(void)
{
	__builtin_ia32_pause();
}

long futex_wait(uint32_t *word, uint32_t val)
{
	return syscall(SYS_futex, word, FUTEX_WAIT, val, NULL, NULL, 0);
}

long futex_wake(uint32_t *word, int n)
{
	return syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0);
}

void unique_name(char *buf, size_t len, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, len, "bench-%s-%d-%u", tag, (int)getpid(), counter++);
}

static int bregion_map(struct bregion *r, bool map, bool ctl)
{
	if (map) {
		r->addr = shmdev_map(r->fd, r->size, PROT_READ | PROT_WRITE);
		if (r->addr == MAP_FAILED) {
			r->addr = NULL;
			return -1;
		}
	}
	if (ctl && shmdev_ctl_map(r->fd, &r->ctl))
		return -1;
	return 0;
}

int bregion_create(struct bregion *r, size_t size, unsigned int nch,
		   unsigned int flags, bool map, bool ctl)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->size = size;
	unique_name(r->name, sizeof(r->name), "r");
	r->fd = shmdev_open(O_RDWR);
	if (r->fd < 0)
		return -1;
	if (shmdev_create(r->fd, r->name, size, nch, 0600, flags, &r->id, NULL)) {
		err = errno;
		close(r->fd);
		r->fd = -1;
		errno = err;
		return -1;
	}
	if (bregion_map(r, map, ctl)) {
		err = errno;
		bregion_destroy(r);
		errno = err;
		return -1;
	}
	return 0;
}

int bregion_attach(struct bregion *r, const struct bregion *from, bool map,
		   bool ctl)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->size = from->size;
	r->id = from->id;
	r->fd = shmdev_open(O_RDWR);
	if (r->fd < 0)
		return -1;
	if (shmdev_attach_id(r->fd, from->id, 0) || bregion_map(r, map, ctl)) {
		err = errno;
		bregion_close(r);
		errno = err;
		return -1;
	}
	return 0;
}

void bregion_close(struct bregion *r)
{
	if (r->ctl.page)
		shmdev_ctl_unmap(&r->ctl);
	if (r->addr)
		munmap(r->addr, r->size);
	r->addr = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

void bregion_destroy(struct bregion *r)
{
	if (r->fd >= 0 && r->name[0])
		shmdev_destroy_name(r->fd, r->name);
	bregion_close(r);
}
