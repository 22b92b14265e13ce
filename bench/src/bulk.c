// SPDX-License-Identifier: GPL-2.0
/*
 * Bulk transfer: 256 MiB in 1 MiB messages from a producer process (CPU
 * 0) to a consumer (CPU 1) through a double buffer of two 1 MiB slots in
 * shared memory: the producer copies a message in, the consumer copies
 * it out.  The memory is a shmdev region (small pages, and huge), a
 * memfd, a POSIX shm_open() object or a SysV segment.  shmdev signals
 * with its control page (shmdev_ctl_notify/shmdev_ctl_wait); the others,
 * and shmdev-futex (a region's memory), with the same protocol on
 * futexes.  pipe and unix (a socket pair) move 16 MiB the same way with
 * write(2)/read(2).  ns is per MiB; mibs is MiB/s.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MIB	(1u << 20)
#define SLOTS	2

enum { PRODUCED, CONSUMED };

struct bulk_shared {
	uint32_t count[2];	/* futex signalling: messages produced, consumed */
	uint32_t waiting[2];
	uint64_t t0, t1;
	int ready, bad;
};

struct bulk {
	struct bulk_shared *sh;
	char *mem;		/* SLOTS MiB */
	struct bregion r;
	uint64_t base[2];	/* shmdev: sequences at the start */
	int fd[2];		/* pipe or socket pair; fd[1] written */
	int shmid;
	bool stream;		/* pipe/unix: no shared memory */
};

struct bulk_impl {
	const char *name;
	int (*setup)(struct bulk *b);
	void (*teardown)(struct bulk *b);
	bool stream;	/* copies through the kernel: a sixteenth of the bytes */
};

/* Signalling: the shmdev control page, or futexes with waiter flags. */
static void sig_post(struct bulk *b, int which)
{
	if (b->r.ctl.page) {
		shmdev_ctl_notify(&b->r.ctl, (uint32_t)which, NULL);
		return;
	}
	__atomic_add_fetch(&b->sh->count[which], 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&b->sh->waiting[which], __ATOMIC_SEQ_CST))
		futex_wake(&b->sh->count[which], 1);
}

static void sig_wait_ge(struct bulk *b, int which, uint32_t target)
{
	uint32_t *w = &b->sh->count[which], v;
	uint64_t s;

	if (b->r.ctl.page) {
		while ((s = shmdev_ctl_seq(&b->r.ctl, which)) - b->base[which] <
		       target)
			shmdev_ctl_wait(&b->r.ctl, which, s, SHMDEV_WAIT_FOREVER,
					0, NULL);
		return;
	}
	if (__atomic_load_n(w, __ATOMIC_ACQUIRE) >= target)
		return;
	__atomic_store_n(&b->sh->waiting[which], 1, __ATOMIC_SEQ_CST);
	while ((v = __atomic_load_n(w, __ATOMIC_SEQ_CST)) < target)
		futex_wait(w, v);
	__atomic_store_n(&b->sh->waiting[which], 0, __ATOMIC_RELAXED);
}

static int map_fd(struct bulk *b, int fd)
{
	void *p = mmap(NULL, SLOTS * MIB, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	if (p == MAP_FAILED)
		return -1;
	b->mem = p;
	return 0;
}

static int sd_setup_flags(struct bulk *b, unsigned int flags)
{
	if (bregion_create(&b->r, SLOTS * MIB, 2, flags, true, true))
		return -1;
	b->mem = b->r.addr;
	b->base[0] = shmdev_ctl_seq(&b->r.ctl, 0);
	b->base[1] = shmdev_ctl_seq(&b->r.ctl, 1);
	return 0;
}

static int sd_setup(struct bulk *b)
{
	return sd_setup_flags(b, 0);
}

/* The region's memory with the futex signalling of the others: tells the
 * memory's share of a difference from the wake-ups'.
 */
static int sdfx_setup(struct bulk *b)
{
	if (bregion_create(&b->r, SLOTS * MIB, 1, 0, true, false))
		return -1;
	b->mem = b->r.addr;
	return 0;
}

static int sdh_setup(struct bulk *b)
{
	return sd_setup_flags(b, SHMDEV_CREATE_HUGE);
}

static void sd_teardown(struct bulk *b)
{
	bregion_destroy(&b->r);
	b->mem = NULL;
}

static int memfd_setup(struct bulk *b)
{
	int fd = memfd_create("bench", 0), rc;

	if (fd < 0)
		return -1;
	rc = ftruncate(fd, SLOTS * MIB) ? -1 : map_fd(b, fd);
	close(fd);
	return rc;
}

static void unmap_teardown(struct bulk *b)
{
	if (b->mem)
		munmap(b->mem, SLOTS * MIB);
}

static int posix_setup(struct bulk *b)
{
	char name[64];
	int fd, rc;

	unique_name(name, sizeof(name), "shm");
	name[0] = '/';
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	shm_unlink(name);
	rc = ftruncate(fd, SLOTS * MIB) ? -1 : map_fd(b, fd);
	close(fd);
	return rc;
}

static int sysv_setup(struct bulk *b)
{
	void *p;

	b->shmid = shmget(IPC_PRIVATE, SLOTS * MIB, IPC_CREAT | 0600);
	if (b->shmid < 0)
		return -1;
	p = shmat(b->shmid, NULL, 0);
	shmctl(b->shmid, IPC_RMID, NULL);
	if (p == (void *)-1)
		return -1;
	b->mem = p;
	return 0;
}

static void sysv_teardown(struct bulk *b)
{
	shmdt(b->mem);
}

static int pipe_setup(struct bulk *b)
{
	b->stream = true;
	return pipe(b->fd);
}

static int unix_setup(struct bulk *b)
{
	b->stream = true;
	return socketpair(AF_UNIX, SOCK_STREAM, 0, b->fd);
}

static void stream_teardown(struct bulk *b)
{
	close(b->fd[0]);
	close(b->fd[1]);
}

static const struct bulk_impl bulk_impls[] = {
	{ "shmdev", sd_setup, sd_teardown, false },
	{ "shmdev-huge", sdh_setup, sd_teardown, false },
	{ "shmdev-futex", sdfx_setup, sd_teardown, false },
	{ "memfd", memfd_setup, unmap_teardown, false },
	{ "shm_open", posix_setup, unmap_teardown, false },
	{ "sysv-shm", sysv_setup, sysv_teardown, false },
	{ "pipe", pipe_setup, stream_teardown, true },
	{ "unix", unix_setup, stream_teardown, true },
};

#define NR_BULK ((int)ARRAY_SIZE(bulk_impls))

static int full_io(int fd, char *buf, size_t len, bool wr)
{
	ssize_t k;

	while (len) {
		k = wr ? write(fd, buf, len) : read(fd, buf, len);
		if (k <= 0)
			return -1;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

static void bulk_consumer(struct bulk *b, char *dst, uint32_t total, uint32_t warm)
{
	uint32_t i;

	pin_cpu(1);
	__atomic_store_n(&b->sh->ready, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < total; i++) {
		if (b->stream) {
			if (full_io(b->fd[0], dst, MIB, false))
				_exit(1);
		} else {
			sig_wait_ge(b, PRODUCED, i + 1);
			memcpy(dst, b->mem + (i % SLOTS) * MIB, MIB);
			sig_post(b, CONSUMED);
		}
		if (*(uint32_t *)dst != i)
			b->sh->bad = 1;
		if (i + 1 == warm)
			b->sh->t0 = now_ns();
	}
	b->sh->t1 = now_ns();
	_exit(0);
}

static int bulk_producer(struct bulk *b, char *src, uint32_t total)
{
	uint32_t i;

	for (i = 0; i < total; i++) {
		*(uint32_t *)src = i;
		if (b->stream) {
			if (full_io(b->fd[1], src, MIB, true))
				return -1;
			continue;
		}
		if (i >= SLOTS)
			sig_wait_ge(b, CONSUMED, i - SLOTS + 1);
		memcpy(b->mem + (i % SLOTS) * MIB, src, MIB);
		sig_post(b, PRODUCED);
	}
	return 0;
}

static void bulk_one(const struct bench_cfg *cfg, const struct bulk_impl *im,
		     char *src, char *dst, uint32_t n, uint32_t warm)
{
	struct bulk b;
	char why[96], extra[64];
	pid_t pid;
	int st = 0, err = 0;
	double per;

	memset(&b, 0, sizeof(b));
	b.r.fd = b.fd[0] = b.fd[1] = -1;
	b.sh = shared_alloc(sizeof(*b.sh));
	if (im->setup(&b)) {
		snprintf(why, sizeof(why), "setup: %s", strerror(errno));
		skip(cfg, "bulk", im->name, why);
		shared_free(b.sh, sizeof(*b.sh));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		bulk_consumer(&b, dst, n + warm, warm);
	pin_cpu(0);
	if (pid < 0) {
		err = errno;
		goto out;
	}
	while (!__atomic_load_n(&b.sh->ready, __ATOMIC_SEQ_CST))
		sched_yield();
	if (bulk_producer(&b, src, n + warm))
		err = errno ? errno : EIO;
out:
	st = reap_child(pid, err);
	if (!err && (!WIFEXITED(st) || WEXITSTATUS(st) || b.sh->bad))
		err = EPROTO;
	if (err) {
		snprintf(why, sizeof(why), "%s", strerror(err));
		skip(cfg, "bulk", im->name, why);
	} else {
		per = (double)(b.sh->t1 - b.sh->t0) / n;
		snprintf(extra, sizeof(extra), "mibs=%.1f", 1e9 / per);
		report(cfg, "bulk", im->name, n, per, NULL, 0, extra);
	}
	im->teardown(&b);
	shared_free(b.sh, sizeof(*b.sh));
}

static void bulk_run(const struct bench_cfg *cfg)
{
	uint32_t n = (uint32_t)scaled(cfg, 256), warm = 16;
	int idx[NR_BULK], i;
	char *src, *dst;

	if (cfg->ncpus < 2) {
		skip(cfg, "bulk", "all", "needs 2 CPUs");
		return;
	}
	/* Private buffers, touched before any measurement. */
	src = malloc(MIB);
	dst = malloc(MIB);
	if (!src || !dst) {
		skip(cfg, "bulk", "all", "out of memory");
		free(src);
		free(dst);
		return;
	}
	memset(src, 0x5a, MIB);
	memset(dst, 0, MIB);
	order(cfg, idx, NR_BULK);
	for (i = 0; i < NR_BULK; i++) {
		const struct bulk_impl *im = &bulk_impls[idx[i]];

		/* pipe and unix move 64 KiB per wake-up: slow enough under
		 * TCG that fewer bytes give the same per-MiB figure.
		 */
		bulk_one(cfg, im, src, dst, im->stream ? (n + 15) / 16 : n,
			 im->stream ? 2 : warm);
	}
	free(src);
	free(dst);
}

const struct workload wl_bulk = {
	.name = "bulk",
	.what = "256 MiB in 1 MiB messages through a double buffer",
	.run = bulk_run,
};
