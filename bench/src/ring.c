// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming through a single-producer single-consumer ring in shared
 * memory, producer on CPU 0 and consumer on CPU 1.  The producer signals
 * after every message; how it signals is what is compared:
 *   eventfd        write(2) on an eventfd for every message
 *   shmdev-notify  SHMDEV_IOC_NOTIFY for every message (the struct,
 *                  returning the sequence)
 *   shmdev-post    SHMDEV_IOC_POST for every message (what
 *                  shmdev_notify() makes when not asked for the sequence)
 *   shmdev-fast    libshmdev's shmdev_ctl_notify()/shmdev_ctl_wait():
 *                  the kernel is entered only when the consumer sleeps
 *   futex-fast     the same protocol by hand on a futex: the consumer
 *                  sets a waiter flag before FUTEX_WAIT, the producer
 *                  calls FUTEX_WAKE only when the flag is set, and clears
 *                  it (one wake per sleep)
 * The consumer first polls the empty ring for 50 us (the same for every
 * implementation) and then blocks.  ns is the time per message, from the
 * first measured message sent to the last received; kfrac is the
 * fraction of messages for which either side made a system call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define RING_SLOTS	256
/* How long the consumer polls an empty ring before it blocks: about
 * what a wake-up costs in the guest, so that a consumer that keeps up
 * sleeps only when the producer really pauses.
 */
#define SPIN_NS		50000

struct ring_shared {
	uint32_t head;		/* messages published (futex word) */
	uint32_t cons_waiting;	/* futex-fast: the consumer sleeps */
	char pad0[56];
	uint32_t tail;		/* messages consumed (futex word) */
	uint32_t prod_waiting;	/* the producer waits for space */
	char pad1[56];
	uint64_t t0, t1;	/* first measured message sent, last received */
	uint64_t prod_sys, cons_sys;	/* system calls made by each side */
	uint64_t sum;
	int ready, failed;
	uint64_t slot[RING_SLOTS][8];
};

struct ring {
	struct ring_shared *sh;
	struct bregion r, mine;
	int efd;
	uint64_t seen;
};

struct ring_impl {
	const char *name;
	int (*setup)(struct ring *q);
	int (*attach)(struct ring *q);
	/* Returns the system calls made (0 or 1), or -1. */
	int (*notify)(struct ring *q);
	/* Called with the ring seen empty at @tail; returns the system
	 * calls made, or -1.  May return early: the caller checks again.
	 */
	int (*block)(struct ring *q, uint32_t tail);
	void (*teardown)(struct ring *q);
};

static int none(struct ring *q)
{
	(void)q;
	return 0;
}

static void none_teardown(struct ring *q)
{
	(void)q;
}

static int efd_setup(struct ring *q)
{
	q->efd = eventfd(0, 0);
	return q->efd < 0 ? -1 : 0;
}

static void efd_teardown(struct ring *q)
{
	close(q->efd);
}

static int efd_notify(struct ring *q)
{
	uint64_t one = 1;

	return write(q->efd, &one, 8) == 8 ? 1 : -1;
}

static int efd_block(struct ring *q, uint32_t tail)
{
	uint64_t v;

	(void)tail;
	return read(q->efd, &v, 8) == 8 ? 1 : -1;
}

static int sd_setup(struct ring *q)
{
	return bregion_create(&q->r, 4096, 1, 0, false, false);
}

static int sd_setup_ctl(struct ring *q)
{
	return bregion_create(&q->r, 4096, 1, 0, false, true);
}

static void sd_teardown(struct ring *q)
{
	bregion_destroy(&q->r);
}

static int sd_attach(struct ring *q)
{
	if (bregion_attach(&q->mine, &q->r, false, false))
		return -1;
	return shmdev_seq(q->mine.fd, 0, &q->seen);
}

static int sd_attach_ctl(struct ring *q)
{
	return bregion_attach(&q->mine, &q->r, false, true);
}

/* The NOTIFY struct: asking for the sequence (NULL would be a POST). */
static int sd_notify(struct ring *q)
{
	uint64_t seq;

	return shmdev_notify(q->mine.fd, 0, &seq) ? -1 : 1;
}

static int sd_post(struct ring *q)
{
	return shmdev_post(q->mine.fd, 0) ? -1 : 1;
}

/* seen was taken when the previous wait returned, before the ring was
 * last seen empty: a message published since has advanced the channel.
 */
static int sd_block(struct ring *q, uint32_t tail)
{
	(void)tail;
	return shmdev_wait(q->mine.fd, 0, q->seen, SHMDEV_WAIT_FOREVER, 0,
			   &q->seen) ? -1 : 1;
}

static int sdf_notify(struct ring *q)
{
	uint64_t before = bench_nr_wake;

	if (shmdev_ctl_notify(&q->mine.ctl, 0, NULL))
		return -1;
	return (int)(bench_nr_wake - before);
}

static int sdf_block(struct ring *q, uint32_t tail)
{
	uint64_t before = bench_nr_wait;
	uint64_t s = shmdev_ctl_seq(&q->mine.ctl, 0);

	if (__atomic_load_n(&q->sh->head, __ATOMIC_ACQUIRE) != tail)
		return 0;
	if (shmdev_ctl_wait(&q->mine.ctl, 0, s, SHMDEV_WAIT_FOREVER, 0, NULL))
		return -1;
	return (int)(bench_nr_wait - before);
}

/*
 * head was stored SEQ_CST, and so is the exchange: of this and the
 * consumer's store of the flag followed by its load of head, one sees
 * the other, so a consumer about to sleep is always woken.  Clearing the
 * flag here wakes once per sleep: further messages sent before the
 * consumer runs again make no system call (the consumer sets the flag
 * again before it sleeps again).
 */
static int ffast_notify(struct ring *q)
{
	if (!__atomic_exchange_n(&q->sh->cons_waiting, 0, __ATOMIC_SEQ_CST))
		return 0;
	return futex_wake(&q->sh->head, 1) < 0 ? -1 : 1;
}

static int ffast_block(struct ring *q, uint32_t tail)
{
	int n = 0;

	__atomic_store_n(&q->sh->cons_waiting, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->sh->head, __ATOMIC_SEQ_CST) == tail) {
		futex_wait(&q->sh->head, tail);
		n = 1;
	}
	__atomic_store_n(&q->sh->cons_waiting, 0, __ATOMIC_RELAXED);
	return n;
}

static const struct ring_impl ring_impls[] = {
	{ "eventfd", efd_setup, none, efd_notify, efd_block, efd_teardown },
	{ "shmdev-notify", sd_setup, sd_attach, sd_notify, sd_block,
	  sd_teardown },
	{ "shmdev-post", sd_setup, sd_attach, sd_post, sd_block, sd_teardown },
	{ "shmdev-fast", sd_setup_ctl, sd_attach_ctl, sdf_notify, sdf_block,
	  sd_teardown },
	{ "futex-fast", none, none, ffast_notify, ffast_block, none_teardown },
};

#define NR_RING ((int)ARRAY_SIZE(ring_impls))

/* Space is awaited the same way for every implementation (a futex with a
 * waiter flag): only the data direction is compared.
 */
static void wait_space(struct ring_shared *sh, uint32_t i)
{
	uint32_t t;

	__atomic_store_n(&sh->prod_waiting, 1, __ATOMIC_SEQ_CST);
	while (i - (t = __atomic_load_n(&sh->tail, __ATOMIC_SEQ_CST)) >= RING_SLOTS)
		futex_wait(&sh->tail, t);
	__atomic_store_n(&sh->prod_waiting, 0, __ATOMIC_RELAXED);
}

/* Poll for a message until SPIN_NS have passed; returns the head seen. */
static uint32_t spin(struct ring_shared *sh, uint32_t tail)
{
	uint64_t end = now_ns() + SPIN_NS;
	uint32_t h;
	int k;

	do {
		for (k = 0; k < 64; k++) {
			h = __atomic_load_n(&sh->head, __ATOMIC_ACQUIRE);
			if (h != tail)
				return h;
			cpu_relax();
		}
	} while (now_ns() < end);
	return h;
}

static void consumer(const struct ring_impl *im, struct ring *q, uint32_t total,
		     uint32_t warm)
{
	struct ring_shared *sh = q->sh;
	uint64_t sum = 0, sys = 0;
	uint32_t tail = 0, h;
	int rc;

	pin_cpu(1);
	if (im->attach(q)) {
		__atomic_store_n(&sh->failed, errno ? errno : EIO, __ATOMIC_SEQ_CST);
		_exit(1);
	}
	__atomic_store_n(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (tail < total) {
		h = __atomic_load_n(&sh->head, __ATOMIC_ACQUIRE);
		if (h == tail)
			h = spin(sh, tail);
		if (h == tail) {
			rc = im->block(q, tail);
			if (rc < 0)
				_exit(1);
			if (tail >= warm)
				sys += (uint64_t)rc;
			continue;
		}
		for (; tail != h; tail++)
			sum += sh->slot[tail % RING_SLOTS][0];
		__atomic_store_n(&sh->tail, tail, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&sh->prod_waiting, __ATOMIC_SEQ_CST))
			futex_wake(&sh->tail, 1);
	}
	sh->t1 = now_ns();
	sh->sum = sum;
	sh->cons_sys = sys;
	_exit(0);
}

static int producer(const struct ring_impl *im, struct ring *q, uint32_t total,
		    uint32_t warm)
{
	struct ring_shared *sh = q->sh;
	uint64_t sys = 0;
	uint32_t i;
	int rc;

	for (i = 0; i < total; i++) {
		if (i == warm)
			sh->t0 = now_ns();
		if (i - __atomic_load_n(&sh->tail, __ATOMIC_ACQUIRE) >= RING_SLOTS)
			wait_space(sh, i);
		sh->slot[i % RING_SLOTS][0] = i;
		__atomic_store_n(&sh->head, i + 1, __ATOMIC_SEQ_CST);
		rc = im->notify(q);
		if (rc < 0)
			return -1;
		if (i >= warm)
			sys += (uint64_t)rc;
	}
	sh->prod_sys = sys;
	return 0;
}

static void ring_one(const struct bench_cfg *cfg, const struct ring_impl *im,
		     uint32_t n, uint32_t warm)
{
	const char *wl = "ring";
	struct ring q;
	uint32_t total = n + warm;
	uint64_t want = (uint64_t)total * (total - 1) / 2;
	char why[96], extra[96];
	pid_t pid;
	int st = 0, err = 0;

	memset(&q, 0, sizeof(q));
	q.r.fd = q.mine.fd = q.efd = -1;
	q.sh = shared_alloc(sizeof(*q.sh));
	if (im->setup(&q)) {
		snprintf(why, sizeof(why), "setup: %s", strerror(errno));
		skip(cfg, wl, im->name, why);
		shared_free(q.sh, sizeof(*q.sh));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		consumer(im, &q, total, warm);
	pin_cpu(0);
	bench_nr_wake = bench_nr_wait = 0;
	if (pid < 0 || im->attach(&q)) {
		err = errno;
		goto out;
	}
	while (!__atomic_load_n(&q.sh->ready, __ATOMIC_SEQ_CST)) {
		err = __atomic_load_n(&q.sh->failed, __ATOMIC_SEQ_CST);
		if (err)
			goto out;
		sched_yield();
	}
	if (producer(im, &q, total, warm))
		err = errno ? errno : EIO;
out:
	st = reap_child(pid, err);
	if (!err && (!WIFEXITED(st) || WEXITSTATUS(st)))
		err = EIO;
	if (!err && q.sh->sum != want)
		err = EPROTO;
	if (err) {
		snprintf(why, sizeof(why), "%s", strerror(err));
		skip(cfg, wl, im->name, why);
	} else {
		snprintf(extra, sizeof(extra), "kfrac=%.6f prod_sys=%llu cons_sys=%llu",
			 (double)(q.sh->prod_sys + q.sh->cons_sys) / n,
			 (unsigned long long)q.sh->prod_sys,
			 (unsigned long long)q.sh->cons_sys);
		report(cfg, wl, im->name, n, (double)(q.sh->t1 - q.sh->t0) / n,
		       NULL, 0, extra);
	}
	bregion_close(&q.mine);
	im->teardown(&q);
	shared_free(q.sh, sizeof(*q.sh));
}

static void ring_run(const struct bench_cfg *cfg)
{
	uint32_t n = (uint32_t)scaled(cfg, 20000), warm = n / 10;
	int idx[NR_RING], i;

	if (cfg->ncpus < 2) {
		skip(cfg, "ring", "all", "needs 2 CPUs");
		return;
	}
	order(cfg, idx, NR_RING);
	for (i = 0; i < NR_RING; i++)
		ring_one(cfg, &ring_impls[idx[i]], n, warm);
}

const struct workload wl_ring = {
	.name = "ring",
	.what = "SPSC ring, a signal per message (and the fast path)",
	.run = ring_run,
};
