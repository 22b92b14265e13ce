// SPDX-License-Identifier: GPL-2.0
/*
 * Create a region and touch every page of it once (a write per 4 KiB),
 * as a program setting up shared memory does: open + create + mmap +
 * first touch is timed, the teardown is not.  Sizes 4 KiB and 2 MiB;
 * shmdev (small pages; huge, for 2 MiB) against memfd, shm_open() and
 * SysV shm.  ns is the median per region.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "bench.h"

struct made {
	void *addr;
	size_t size;
	int fd, shmid;
	char name[SHMDEV_NAME_MAX];
};

static void touch(char *p, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += 4096)
		p[off] = 1;
}

static int mk_shmdev_flags(struct made *m, unsigned int flags)
{
	m->fd = shmdev_open(O_RDWR);
	if (m->fd < 0)
		return -1;
	unique_name(m->name, sizeof(m->name), "c");
	if (shmdev_create(m->fd, m->name, m->size, 1, 0600, flags, NULL, NULL))
		return -1;
	m->addr = shmdev_map(m->fd, m->size, PROT_READ | PROT_WRITE);
	return m->addr == MAP_FAILED ? -1 : 0;
}

static int mk_shmdev(struct made *m)
{
	return mk_shmdev_flags(m, 0);
}

static int mk_shmdev_huge(struct made *m)
{
	return mk_shmdev_flags(m, SHMDEV_CREATE_HUGE);
}

static void rm_shmdev(struct made *m)
{
	if (m->addr && m->addr != MAP_FAILED)
		munmap(m->addr, m->size);
	if (m->fd >= 0) {
		shmdev_destroy_name(m->fd, m->name);
		close(m->fd);
	}
}

static int map_fd(struct made *m)
{
	if (ftruncate(m->fd, (off_t)m->size))
		return -1;
	m->addr = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	return m->addr == MAP_FAILED ? -1 : 0;
}

static int mk_memfd(struct made *m)
{
	m->fd = memfd_create("bench", 0);
	return m->fd < 0 ? -1 : map_fd(m);
}

static int mk_posix(struct made *m)
{
	unique_name(m->name, sizeof(m->name), "c");
	m->name[0] = '/';
	m->fd = shm_open(m->name, O_RDWR | O_CREAT | O_EXCL, 0600);
	return m->fd < 0 ? -1 : map_fd(m);
}

static void rm_fd(struct made *m)
{
	if (m->addr && m->addr != MAP_FAILED)
		munmap(m->addr, m->size);
	if (m->fd >= 0)
		close(m->fd);
	if (m->name[0] == '/')
		shm_unlink(m->name);
}

static int mk_sysv(struct made *m)
{
	m->shmid = shmget(IPC_PRIVATE, m->size, IPC_CREAT | 0600);
	if (m->shmid < 0)
		return -1;
	m->addr = shmat(m->shmid, NULL, 0);
	return m->addr == (void *)-1 ? -1 : 0;
}

static void rm_sysv(struct made *m)
{
	if (m->addr && m->addr != (void *)-1)
		shmdt(m->addr);
	if (m->shmid >= 0)
		shmctl(m->shmid, IPC_RMID, NULL);
}

struct create_impl {
	const char *name;
	int (*make)(struct made *m);
	void (*remove)(struct made *m);
	bool huge_only;
};

static const struct create_impl create_impls[] = {
	{ "shmdev", mk_shmdev, rm_shmdev, false },
	{ "shmdev-huge", mk_shmdev_huge, rm_shmdev, true },
	{ "memfd", mk_memfd, rm_fd, false },
	{ "shm_open", mk_posix, rm_fd, false },
	{ "sysv-shm", mk_sysv, rm_sysv, false },
};

#define NR_CREATE ((int)ARRAY_SIZE(create_impls))

static void create_one(const struct bench_cfg *cfg, const char *wl,
		       const struct create_impl *im, size_t size, size_t n)
{
	size_t warm = n / 10 + 1, i;
	double *samples = malloc(n * sizeof(*samples));
	char why[96];
	struct made m;
	uint64_t t0;

	for (i = 0; samples && i < warm + n; i++) {
		memset(&m, 0, sizeof(m));
		m.fd = m.shmid = -1;
		m.size = size;
		t0 = now_ns();
		if (im->make(&m)) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			im->remove(&m);
			skip(cfg, wl, im->name, why);
			free(samples);
			return;
		}
		touch(m.addr, size);
		if (i >= warm)
			samples[i - warm] = (double)(now_ns() - t0);
		im->remove(&m);
	}
	if (samples)
		report(cfg, wl, im->name, n, -1, samples, n, NULL);
	free(samples);
}

static void create_run(const struct bench_cfg *cfg)
{
	int idx[NR_CREATE], i;

	order(cfg, idx, NR_CREATE);
	for (i = 0; i < NR_CREATE; i++)
		if (!create_impls[idx[i]].huge_only)
			create_one(cfg, "create.4k", &create_impls[idx[i]], 4096,
				   scaled(cfg, 300));
	for (i = 0; i < NR_CREATE; i++)
		create_one(cfg, "create.2m", &create_impls[idx[i]], 2u << 20,
			   scaled(cfg, 30));
}

const struct workload wl_create = {
	.name = "create",
	.what = "create + map + first touch of a 4 KiB and a 2 MiB region",
	.run = create_run,
};
