// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of one operation that never sleeps, in a loop: NOTIFY with no
 * waiter (struct NOTIFY, POST, the fast-path notify) against FUTEX_WAKE
 * with no waiter on a shared futex and an eventfd write(2) that wakes
 * nobody (the ring's per-message peer), and an ioctl the module rejects
 * at once (ENOTTY: what every command pays to reach the module); a WAIT that returns at once (the
 * ioctl, the fast-path trywait) against FUTEX_WAIT with a value mismatch;
 * getppid() as the null system call for scale.  The loop is cut into
 * batches; ns and the percentiles are of the batches' per-operation
 * means.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define BATCHES 20

struct micro_env {
	struct bregion r;
	uint32_t *futex;	/* in shared (shmem) memory */
	uint64_t seq;		/* current sequence of channel 0 */
	int efd;		/* an eventfd nobody reads or polls */
};

typedef int (*micro_fn)(struct micro_env *e);

/* With a sequence to return: the NOTIFY struct (NULL would be a POST). */
static int op_notify(struct micro_env *e)
{
	uint64_t seq;

	return shmdev_notify(e->r.fd, 0, &seq);
}

static int op_post(struct micro_env *e)
{
	return shmdev_post(e->r.fd, 0);
}

static int op_fast_notify(struct micro_env *e)
{
	return shmdev_ctl_notify(&e->r.ctl, 0, NULL);
}

static int op_futex_wake(struct micro_env *e)
{
	return futex_wake(e->futex, 1) < 0 ? -1 : 0;
}

static int op_efd_write(struct micro_env *e)
{
	uint64_t one = 1;

	return write(e->efd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

/* An ioctl this module does not know: the floor of any command. */
static int op_null_ioctl(struct micro_env *e)
{
	if (ioctl(e->r.fd, _IO(SHMDEV_IOC_MAGIC, 0xff)) == 0 || errno != ENOTTY)
		return -1;
	return 0;
}

static int op_getppid(struct micro_env *e)
{
	(void)e;
	return syscall(SYS_getppid) < 0 ? -1 : 0;
}

/* expected differs from the sequence: the ioctl returns at once. */
static int op_wait(struct micro_env *e)
{
	return shmdev_wait(e->r.fd, 0, e->seq + 1, SHMDEV_WAIT_FOREVER, 0, NULL);
}

static int op_trywait(struct micro_env *e)
{
	return shmdev_ctl_trywait(&e->r.ctl, 0, e->seq + 1, NULL);
}

/* The word holds 0: waiting for 1 fails with EAGAIN at once. */
static int op_futex_wait(struct micro_env *e)
{
	if (futex_wait(e->futex, 1) == 0 || errno != EAGAIN)
		return -1;
	return 0;
}

struct micro_impl {
	const char *name;
	micro_fn fn;
	bool ctl;	/* needs the control page */
};

static const struct micro_impl notify_impls[] = {
	{ "shmdev-notify", op_notify, false },
	{ "shmdev-post", op_post, false },
	{ "shmdev-fast", op_fast_notify, true },
	{ "futex-wake", op_futex_wake, false },
	{ "eventfd-write", op_efd_write, false },
	{ "shmdev-null-ioctl", op_null_ioctl, false },
	{ "getppid", op_getppid, false },
};

static const struct micro_impl wait_impls[] = {
	{ "shmdev-wait", op_wait, false },
	{ "shmdev-trywait", op_trywait, true },
	{ "futex-wait", op_futex_wait, false },
	{ "getppid", op_getppid, false },
};

static void micro_one(const struct bench_cfg *cfg, const char *wl,
		      const struct micro_impl *im, struct micro_env *e,
		      size_t n)
{
	double samples[BATCHES];
	size_t per = n / BATCHES, i, b;
	uint64_t t0, t1, total = 0;
	char why[96];

	if (im->ctl && !e->r.ctl.page) {
		skip(cfg, wl, im->name, "no control page");
		return;
	}
	if (strncmp(im->name, "shmdev", 6) == 0 && e->r.fd < 0) {
		skip(cfg, wl, im->name, "no shmdev region");
		return;
	}
	/* Warm up (caches, the futex hash bucket, the page's mapping). */
	for (i = 0; i < per; i++) {
		if (im->fn(e)) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			skip(cfg, wl, im->name, why);
			return;
		}
	}
	for (b = 0; b < BATCHES; b++) {
		t0 = now_ns();
		for (i = 0; i < per; i++)
			im->fn(e);
		t1 = now_ns();
		samples[b] = (double)(t1 - t0) / (double)per;
		total += t1 - t0;
	}
	/* ns: the median batch, which an interrupt or a preemption in one
	 * batch does not move; mean= keeps the plain average.
	 */
	snprintf(why, sizeof(why), "mean=%.1f", (double)total / (double)(per * BATCHES));
	report(cfg, wl, im->name, per * BATCHES, -1, samples, BATCHES, why);
}

static void micro_set(const struct bench_cfg *cfg, const char *wl,
		      const struct micro_impl *set, int nset,
		      struct micro_env *e, size_t n)
{
	int idx[8], i;

	order(cfg, idx, nset);
	for (i = 0; i < nset; i++)
		micro_one(cfg, wl, &set[idx[i]], e, n);
}

static void micro_run(const struct bench_cfg *cfg)
{
	struct micro_env e;
	size_t n = scaled(cfg, 20000);

	memset(&e, 0, sizeof(e));
	e.futex = shared_alloc(4096);
	e.efd = eventfd(0, 0);
	if (bregion_create(&e.r, 4096, 2, 0, false, true)) {
		/* Without a control page, the ioctls can still be measured. */
		if (errno == EOPNOTSUPP || errno == ENODEV || errno == EINVAL ||
		    errno == ENOTTY)
			bregion_create(&e.r, 4096, 2, 0, false, false);
		if (e.r.fd < 0)
			fprintf(stderr, "shmdev-bench: micro: cannot create a region: %s (is the module loaded?)\n",
				strerror(errno));
	}
	if (e.r.fd >= 0)
		shmdev_seq(e.r.fd, 0, &e.seq);
	micro_set(cfg, "micro.notify", notify_impls,
		  ARRAY_SIZE(notify_impls), &e, n);
	/* The notifies above moved the sequence. */
	if (e.r.fd >= 0)
		shmdev_seq(e.r.fd, 0, &e.seq);
	micro_set(cfg, "micro.wait", wait_impls,
		  ARRAY_SIZE(wait_impls), &e, n);
	bregion_destroy(&e.r);
	if (e.efd >= 0)
		close(e.efd);
	shared_free(e.futex, 4096);
}

const struct workload wl_micro = {
	.name = "micro",
	.what = "one NOTIFY / WAIT that does not sleep vs futex and getppid",
	.run = micro_run,
};
