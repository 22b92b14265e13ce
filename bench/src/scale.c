// SPDX-License-Identifier: GPL-2.0
/*
 * How costs grow with N (each figure at several N, so the complexity
 * shows):
 *  scale.waiters.N  N threads asleep on one channel (one futex), one
 *                   NOTIFY (FUTEX_WAKE of all): ns is the median time
 *                   from the call until the last waiter runs; wake=
 *                   the time the waking call itself took.  O(N).
 *  scale.epoll.N    N files in one epoll set (N regions, N eventfds);
 *                   one signal on a file chosen at random, epoll_wait,
 *                   ACK (read): ns per round, which should not grow.
 *  scale.create.N   N regions (shm_open objects, SysV segments) made
 *                   one after another, all kept: mean ns per create;
 *  scale.destroy.N  then all destroyed: mean ns per destroy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

/* ---- N waiters on one channel */

struct wctx {
	bool futex;		/* futex peer instead of shmdev */
	int fd, n, rounds;
	uint64_t base;		/* shmdev: the channel's sequence at start */
	uint32_t word;		/* futex */
	int ready, done;
	pid_t *tids;
	uint64_t *woke;
};

struct warg {
	struct wctx *c;
	int i;
};

static void *waiter(void *p)
{
	struct warg *a = p;
	struct wctx *c = a->c;
	int r;

	c->tids[a->i] = (pid_t)syscall(SYS_gettid);
	for (r = 0; r < c->rounds; r++) {
		__atomic_add_fetch(&c->ready, 1, __ATOMIC_SEQ_CST);
		if (c->futex) {
			while (__atomic_load_n(&c->word, __ATOMIC_SEQ_CST) == (uint32_t)r)
				futex_wait(&c->word, (uint32_t)r);
		} else {
			shmdev_wait(c->fd, 0, c->base + (uint64_t)r,
				    SHMDEV_WAIT_FOREVER, 0, NULL);
		}
		c->woke[a->i] = now_ns();
		__atomic_add_fetch(&c->done, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* True when thread @tid sleeps (state S in /proc). */
static bool sleeping(pid_t tid)
{
	char path[64], buf[256], *s;
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k <= 0)
		return false;
	buf[k] = 0;
	s = strrchr(buf, ')');
	return s && s[1] == ' ' && s[2] == 'S';
}

static void all_asleep(struct wctx *c, int target)
{
	int i;

	while (__atomic_load_n(&c->ready, __ATOMIC_SEQ_CST) < target)
		sched_yield();
	for (i = 0; i < c->n; i++)
		while (!c->tids[i] || !sleeping(c->tids[i]))
			sched_yield();
}

static void waiters_one(const struct bench_cfg *cfg, bool futex, int n,
			int rounds)
{
	const char *impl = futex ? "futex" : "shmdev";
	struct wctx c = { .futex = futex, .n = n, .rounds = rounds, .fd = -1 };
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	struct warg *args = calloc((size_t)n, sizeof(*args));
	double samples[64], wake[64];
	struct bregion r = { .fd = -1 };
	char wl[32], extra[64];
	int i, k;
	uint64_t t0, t1, last;

	snprintf(wl, sizeof(wl), "scale.waiters.%d", n);
	c.tids = calloc((size_t)n, sizeof(*c.tids));
	c.woke = calloc((size_t)n, sizeof(*c.woke));
	if (!futex) {
		if (bregion_create(&r, 4096, 1, 0, false, false)) {
			skip(cfg, wl, impl, strerror(errno));
			goto out;
		}
		c.fd = r.fd;
		shmdev_seq(c.fd, 0, &c.base);
	}
	for (i = 0; i < n; i++) {
		args[i].c = &c;
		args[i].i = i;
		pthread_create(&th[i], NULL, waiter, &args[i]);
	}
	for (k = 0; k < rounds; k++) {
		all_asleep(&c, n * (k + 1));
		t0 = now_ns();
		if (futex) {
			__atomic_add_fetch(&c.word, 1, __ATOMIC_SEQ_CST);
			futex_wake(&c.word, INT_MAX);
		} else {
			shmdev_notify(c.fd, 0, NULL);
		}
		t1 = now_ns();
		while (__atomic_load_n(&c.done, __ATOMIC_SEQ_CST) < n * (k + 1))
			sched_yield();
		for (last = t0, i = 0; i < n; i++)
			if (c.woke[i] > last)
				last = c.woke[i];
		samples[k] = (double)(last - t0);
		wake[k] = (double)(t1 - t0);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	{
		double w = 0;

		for (k = 0; k < rounds; k++)
			w += wake[k];
		snprintf(extra, sizeof(extra), "wake=%.1f", w / rounds);
	}
	report(cfg, wl, impl, (uint64_t)rounds, -1, samples, (size_t)rounds, extra);
out:
	bregion_destroy(&r);
	free(th);
	free(args);
	free(c.tids);
	free(c.woke);
}

/* ---- N files in one epoll set */

static void epoll_one(const struct bench_cfg *cfg, bool efd, int n, size_t ops)
{
	const char *impl = efd ? "eventfd" : "shmdev";
	struct bregion *rs = calloc((size_t)n, sizeof(*rs));
	int *fds = calloc((size_t)n, sizeof(*fds));
	double *samples = calloc(ops, sizeof(*samples));
	struct epoll_event ev, out[4];
	char wl[32], why[96];
	int ep = epoll_create1(0), i, made = 0;
	size_t op;
	uint64_t one = 1, v, t0;

	snprintf(wl, sizeof(wl), "scale.epoll.%d", n);
	for (i = 0; i < n; i++, made++) {
		if (efd) {
			fds[i] = eventfd(0, 0);
		} else {
			fds[i] = -1;
			if (bregion_create(&rs[i], 4096, 1, 0, false, false) == 0)
				fds[i] = rs[i].fd;
		}
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (fds[i] < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev)) {
			snprintf(why, sizeof(why), "file %d: %s", i, strerror(errno));
			skip(cfg, wl, impl, why);
			goto out;
		}
	}
	for (op = 0; op < ops + ops / 10; op++) {
		i = (int)((op * 7919u) % (size_t)n);
		t0 = now_ns();
		if (efd ? write(fds[i], &one, 8) != 8 : shmdev_notify(fds[i], 0, NULL) != 0)
			goto fail;
		if (epoll_wait(ep, out, 4, -1) != 1 || out[0].data.u32 != (uint32_t)i)
			goto fail;
		if (efd ? read(fds[i], &v, 8) != 8 : shmdev_ack(fds[i], 1, NULL) != 0)
			goto fail;
		if (op >= ops / 10)
			samples[op - ops / 10] = (double)(now_ns() - t0);
	}
	report(cfg, wl, impl, ops, -1, samples, ops, NULL);
	goto out;
fail:
	snprintf(why, sizeof(why), "round %zu: %s", op, strerror(errno));
	skip(cfg, wl, impl, why);
out:
	for (i = 0; i < made; i++) {
		if (efd)
			close(fds[i]);
		else
			bregion_destroy(&rs[i]);
	}
	close(ep);
	free(rs);
	free(fds);
	free(samples);
}

/* ---- N regions created, then destroyed */

enum { K_SHMDEV, K_POSIX, K_SYSV };

static int mk(int kind, int i, int *ids, char names[][SHMDEV_NAME_MAX])
{
	int fd;

	switch (kind) {
	case K_SHMDEV:
		unique_name(names[i], SHMDEV_NAME_MAX, "s");
		fd = shmdev_open(O_RDWR);
		if (fd < 0)
			return -1;
		if (shmdev_create(fd, names[i], 4096, 1, 0600, 0, NULL, NULL)) {
			close(fd);
			return -1;
		}
		return close(fd);
	case K_POSIX:
		unique_name(names[i], SHMDEV_NAME_MAX, "s");
		names[i][0] = '/';
		fd = shm_open(names[i], O_RDWR | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return -1;
		if (ftruncate(fd, 4096)) {
			close(fd);
			return -1;
		}
		return close(fd);
	default:
		ids[i] = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		return ids[i] < 0 ? -1 : 0;
	}
}

static int rm(int kind, int ctlfd, int i, int *ids, char names[][SHMDEV_NAME_MAX])
{
	switch (kind) {
	case K_SHMDEV:
		return shmdev_destroy_name(ctlfd, names[i]);
	case K_POSIX:
		return shm_unlink(names[i]);
	default:
		return shmctl(ids[i], IPC_RMID, NULL);
	}
}

static void regions_one(const struct bench_cfg *cfg, int kind, int n)
{
	static const char *const names_of[] = { "shmdev", "shm_open", "sysv-shm" };
	const char *impl = names_of[kind];
	char (*names)[SHMDEV_NAME_MAX] = calloc((size_t)n, sizeof(*names));
	int *ids = calloc((size_t)n, sizeof(*ids));
	double *samples = calloc((size_t)n, sizeof(*samples));
	char wl[32], why[96];
	int ctlfd = shmdev_open(O_RDWR), i, made;
	uint64_t t0, total = 0;

	snprintf(wl, sizeof(wl), "scale.create.%d", n);
	for (made = 0; made < n; made++) {
		t0 = now_ns();
		if (mk(kind, made, ids, names)) {
			snprintf(why, sizeof(why), "region %d: %s", made, strerror(errno));
			skip(cfg, wl, impl, why);
			goto out;
		}
		samples[made] = (double)(now_ns() - t0);
		total += (uint64_t)samples[made];
	}
	report(cfg, wl, impl, (uint64_t)n, (double)total / n, samples, (size_t)n, NULL);
out:
	snprintf(wl, sizeof(wl), "scale.destroy.%d", n);
	total = 0;
	for (i = 0; i < made; i++) {
		t0 = now_ns();
		rm(kind, ctlfd, i, ids, names);
		samples[i] = (double)(now_ns() - t0);
		total += (uint64_t)samples[i];
	}
	if (made == n)
		report(cfg, wl, impl, (uint64_t)n, (double)total / n, samples,
		       (size_t)n, NULL);
	if (ctlfd >= 0)
		close(ctlfd);
	free(names);
	free(ids);
	free(samples);
}

/* SysV's default limit is 4096 segments: raise it (we are root in the guest). */
static void raise_shmmni(int n)
{
	FILE *f = fopen("/proc/sys/kernel/shmmni", "w");

	if (f) {
		fprintf(f, "%d\n", n + 1024);
		fclose(f);
	}
}

static void scale_run(const struct bench_cfg *cfg)
{
	static const int nw[] = { 1, 8, 64 }, ne[] = { 10, 100, 1000 },
			 nr[] = { 100, 1000, 10000 };
	int idx[3], i, j, k;

	for (j = 0; j < 3; j++) {
		order(cfg, idx, 2);
		for (i = 0; i < 2; i++)
			waiters_one(cfg, idx[i], nw[j], cfg->quick ? 3 : 10);
	}
	for (j = 0; j < 3; j++) {
		order(cfg, idx, 2);
		for (i = 0; i < 2; i++)
			epoll_one(cfg, idx[i], ne[j], scaled(cfg, 2000));
	}
	raise_shmmni(nr[2]);
	for (j = 0; j < 3; j++) {
		k = cfg->quick ? nr[j] / 10 : nr[j];
		order(cfg, idx, 3);
		for (i = 0; i < 3; i++)
			regions_one(cfg, idx[i], k);
	}
}

const struct workload wl_scale = {
	.name = "scale",
	.what = "64 waiters, 1,000 files in one epoll set, 10,000 regions",
	.run = scale_run,
};
