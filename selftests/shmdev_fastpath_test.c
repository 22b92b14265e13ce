// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev control page and fast path tests: one test per validation rule of
 * the control page's mmap(), and what the page must do: hold the channel
 * sequences themselves (INFO, NOTIFY, POST and a userspace add agree),
 * count the tasks sleeping in WAIT, so that a notify with nobody waiting
 * needs no system call and one with a sleeper wakes it through WAKE, which
 * never advances; wake epoll through the same count; outlive close(),
 * fork() and DESTROY of the region; never be executable nor grow.
 *
 * Each test runs on a plain region, a huge one, and through a read-only
 * attachment of a plain one (FIXTURE_VARIANT).
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <linux/seccomp.h>

#include "shmdev_common.h"

#define NCH	4
#define MS	1000000ULL

FIXTURE(ctl) {
	int fd;		/* the creator's read-write attachment */
	int cfd;	/* the attachment under test: fd, or a read-only one */
	int ufd;	/* open, never attached */
	__u64 id;
	size_t size;	/* of the region's data */
	char name[SHMDEV_NAME_MAX];
	struct shmdev_ctl_page *ctl;	/* mapped through cfd */
};

FIXTURE_VARIANT(ctl) {
	__u32 create_flags;
	bool rdonly;
};

FIXTURE_VARIANT_ADD(ctl, plain) {
	.create_flags = 0,
	.rdonly = false,
};

FIXTURE_VARIANT_ADD(ctl, huge) {
	.create_flags = SHMDEV_CREATE_HUGE,
	.rdonly = false,
};

FIXTURE_VARIANT_ADD(ctl, rdonly) {
	.create_flags = 0,
	.rdonly = true,
};

FIXTURE_SETUP(ctl)
{
	struct shmdev_create c;

	self->size = variant->create_flags & SHMDEV_CREATE_HUGE ?
		     2u << 20 : 2 * page_size();
	self->ufd = shmdev_open(O_RDWR);
	ASSERT_GE(self->ufd, 0);
	self->fd = shmdev_open(O_RDWR);
	ASSERT_GE(self->fd, 0);
	shmdev_name(self->name, "ctl");
	ASSERT_EQ(0, sd_create_full(self->fd, self->name, self->size, NCH,
				    0600, variant->create_flags, &c));
	self->id = c.id;
	self->cfd = self->fd;
	if (variant->rdonly) {
		self->cfd = shmdev_open(O_RDWR);
		ASSERT_GE(self->cfd, 0);
		ASSERT_EQ(0, sd_attach_name(self->cfd, self->name,
					    SHMDEV_ATTACH_RDONLY, NULL));
	}
	self->ctl = sd_ctl_map(self->cfd);
	ASSERT_NE(MAP_FAILED, self->ctl) TH_LOG("mmap ctl: %s", strerror(errno));
}

FIXTURE_TEARDOWN_PARENT(ctl)
{
	sd_cleanup_name(self->name);
}

static __u64 info_seq(int fd, __u32 ch)
{
	struct shmdev_info info;

	if (sd_info(fd, &info))
		return ~0ULL;
	return info.seq[ch];
}

static __u64 ctl_seq(const struct shmdev_ctl_page *ctl, __u32 ch)
{
	return __atomic_load_n(&ctl->channel[ch].seq, __ATOMIC_ACQUIRE);
}

/* mmap() of the control page with the given shape; 0 or -errno. */
static int try_map(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

/* Fork a child that WAITs on @ch from @seq for up to @timeout_ns; its exit code is -errno's value or 0. */
static pid_t wait_child(int fd, __u32 ch, __u64 seq, __u64 timeout_ns)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(-sd_wait(fd, ch, 0, &seq, timeout_ns));
	return pid;
}

/* ------------------------------------------------ mmap() validation */

/* A control page mapped twice as long as ctl_size fails with EINVAL. */
TEST_F(ctl, map_wrong_length_einval)
{
	EXPECT_EQ(-EINVAL, try_map(self->cfd, 2 * page_size(),
				   PROT_READ | PROT_WRITE, MAP_SHARED,
				   (off_t)SHMDEV_CTL_OFFSET));
}

/* Shorter lengths are rounded up to the page, as mmap() does, and work. */
TEST_F(ctl, map_short_length_rounds_up)
{
	EXPECT_EQ(0, try_map(self->cfd, 1, PROT_READ, MAP_SHARED,
			     (off_t)SHMDEV_CTL_OFFSET));
	EXPECT_EQ(0, try_map(self->cfd, page_size() - 1, PROT_READ, MAP_SHARED,
			     (off_t)SHMDEV_CTL_OFFSET));
}

/* A MAP_PRIVATE control page fails with EINVAL: it would never see a notifier's add. */
TEST_F(ctl, map_private_einval)
{
	EXPECT_EQ(-EINVAL, try_map(self->cfd, page_size(), PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, (off_t)SHMDEV_CTL_OFFSET));
	EXPECT_EQ(-EINVAL, try_map(self->cfd, page_size(), PROT_READ,
				   MAP_PRIVATE, (off_t)SHMDEV_CTL_OFFSET));
}

/* An offset past the control page is outside the region: ENXIO. */
TEST_F(ctl, map_offset_past_ctl_enxio)
{
	EXPECT_EQ(-ENXIO, try_map(self->cfd, page_size(), PROT_READ,
				  MAP_SHARED,
				  (off_t)SHMDEV_CTL_OFFSET + page_size()));
}

/* A PROT_EXEC control page fails with EINVAL. */
TEST_F(ctl, map_prot_exec_einval)
{
	EXPECT_EQ(-EINVAL, try_map(self->cfd, page_size(), PROT_READ | PROT_EXEC,
				   MAP_SHARED, (off_t)SHMDEV_CTL_OFFSET));
}

/* mprotect(PROT_EXEC) of a mapped control page fails (EACCES: VM_MAYEXEC is cleared). */
TEST_F(ctl, mprotect_exec_eacces)
{
	EXPECT_EQ(-1, mprotect(self->ctl, page_size(), PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* Still usable as it was. */
	EXPECT_EQ(0ULL, ctl_seq(self->ctl, 0));
}

/* mremap() cannot grow the control page (EFAULT, VM_DONTEXPAND). */
TEST_F(ctl, mremap_grow_efault)
{
	EXPECT_EQ(MAP_FAILED, mremap(self->ctl, page_size(), 2 * page_size(),
				     MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(self->ctl, page_size(), 2 * page_size(), 0));
}

/* Mapping the control page through an unattached file fails with ENXIO. */
TEST_F(ctl, map_unattached_enxio)
{
	EXPECT_EQ(-ENXIO, try_map(self->ufd, page_size(), PROT_READ | PROT_WRITE,
				  MAP_SHARED, (off_t)SHMDEV_CTL_OFFSET));
}

/* A /dev/shmdev opened O_RDONLY maps the page PROT_READ; PROT_WRITE is mmap()'s EACCES. */
TEST_F(ctl, map_from_o_rdonly_file)
{
	int fd = shmdev_open(O_RDONLY);
	struct shmdev_ctl_page *p;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	EXPECT_EQ(-EACCES, try_map(fd, page_size(), PROT_READ | PROT_WRITE,
				   MAP_SHARED, (off_t)SHMDEV_CTL_OFFSET));
	p = mmap(NULL, page_size(), PROT_READ, MAP_SHARED, fd,
		 (off_t)SHMDEV_CTL_OFFSET);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap PROT_READ: %s", strerror(errno));
	ASSERT_EQ(0, sd_notify(self->fd, 2, NULL));
	EXPECT_EQ(1ULL, ctl_seq(p, 2));
	munmap(p, page_size());
	close(fd);
}

/* ------------------------------------------------ the page's contents */

/* A new region's page is all zero: sequences, waiters, reserved words, unused channels. */
TEST_F(ctl, new_page_is_zero)
{
	const unsigned char *b = (const unsigned char *)self->ctl;
	long i;

	for (i = 0; i < page_size(); i++)
		if (b[i])
			break;
	EXPECT_EQ(page_size(), i) TH_LOG("non-zero byte at %ld", i);
}

/* The page holds the sequence INFO reports after NOTIFY, POST and a userspace add. */
TEST_F(ctl, seq_is_infos_seq)
{
	__u64 seq = 0;

	ASSERT_EQ(0, sd_notify(self->cfd, 1, &seq));
	EXPECT_EQ(1ULL, seq);
	EXPECT_EQ(1ULL, ctl_seq(self->ctl, 1));
	ASSERT_EQ(0, sd_post(self->cfd, 1));
	EXPECT_EQ(2ULL, ctl_seq(self->ctl, 1));
	EXPECT_EQ(2ULL, info_seq(self->fd, 1));
	ASSERT_EQ(0, sd_fast_notify(self->cfd, self->ctl, 1, &seq));
	EXPECT_EQ(3ULL, seq);
	EXPECT_EQ(3ULL, info_seq(self->fd, 1));
	ASSERT_EQ(0, sd_notify(self->fd, 1, &seq));
	EXPECT_EQ(4ULL, seq);
	/* The other channels did not move. */
	EXPECT_EQ(0ULL, ctl_seq(self->ctl, 0));
	EXPECT_EQ(0ULL, info_seq(self->fd, 2));
}

/* A WAIT from the sequence a userspace add made returns at once only once it moves on. */
TEST_F(ctl, wait_sees_userspace_add)
{
	__u64 seq = 0;

	ASSERT_EQ(0, sd_fast_notify(self->cfd, self->ctl, 0, NULL));
	EXPECT_EQ(0, sd_wait(self->fd, 0, 0, &seq, 0));
	EXPECT_EQ(1ULL, seq);
	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 0, 0, &seq, 0));
}

/* waiters is 1 while a child sleeps in WAIT, 0 once it has returned. */
TEST_F(ctl, waiters_counts_a_sleeper)
{
	pid_t pid;

	EXPECT_EQ(0u, sd_ctl_waiters(self->ctl, 0));
	pid = wait_child(self->cfd, 0, 0, 10000 * MS);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(1u, sd_ctl_await_waiters(self->ctl, 0, 1, 5000));
	EXPECT_EQ(0u, sd_ctl_waiters(self->ctl, 1));
	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0u, sd_ctl_await_waiters(self->ctl, 0, 0, 1000));
}

/* A WAIT that returns at once (the sequence moved) never counts itself. */
TEST_F(ctl, wait_at_once_not_counted)
{
	__u64 seq = 0;
	int i;

	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	for (i = 0; i < 100; i++) {
		seq = 0;
		ASSERT_EQ(0, sd_wait(self->cfd, 0, 0, &seq, SHMDEV_WAIT_FOREVER));
	}
	EXPECT_EQ(0u, sd_ctl_waiters(self->ctl, 0));
}

/*
 * With nobody waiting, the fast notify and a try-wait that finds the
 * channel moved make no system call: a child under seccomp strict mode,
 * where any call but read/write/exit kills it, does both.  A kernel
 * without CONFIG_SECCOMP (the debug kernel's tinyconfig) cannot show it.
 */
TEST_F(ctl, fast_path_without_waiter_no_syscall)
{
	pid_t pid;

	ASSERT_EQ(0u, sd_ctl_waiters(self->ctl, 3));
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		SKIP(return, "no CONFIG_SECCOMP: cannot prove the absence of system calls");
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		__u64 s;

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT))
			_exit(2);
		if (sd_fast_notify(self->cfd, self->ctl, 3, &s) || s != 1)
			syscall(SYS_exit, 3);
		/* try-wait: the sequence differs from the 0 seen: no WAIT. */
		if (ctl_seq(self->ctl, 3) == 0)
			syscall(SYS_exit, 4);
		syscall(SYS_exit, 0);	/* exit_group is not allowed */
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1ULL, info_seq(self->fd, 3));
}

/* The fast notify wakes a child sleeping in WAIT (through WAKE: waiters was 1). */
TEST_F(ctl, fast_notify_wakes_sleeper)
{
	pid_t pid = wait_child(self->fd, 2, 0, 10000 * MS);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(1u, sd_ctl_await_waiters(self->ctl, 2, 1, 5000));
	usleep(20000);	/* let it get to sleep, not just count itself */
	ASSERT_EQ(0, sd_fast_notify(self->cfd, self->ctl, 2, NULL));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1ULL, info_seq(self->fd, 2));
}

/* WAKE does not advance: the sequence stays, and a sleeper goes back to sleep until its timeout. */
TEST_F(ctl, wake_does_not_advance)
{
	pid_t pid = wait_child(self->fd, 1, 0, 400 * MS);

	ASSERT_GT(pid, 0);
	ASSERT_EQ(1u, sd_ctl_await_waiters(self->ctl, 1, 1, 5000));
	usleep(20000);
	ASSERT_EQ(0, sd_wake(self->cfd, 1));
	EXPECT_EQ(0ULL, ctl_seq(self->ctl, 1));
	EXPECT_EQ(0ULL, info_seq(self->fd, 1));
	EXPECT_EQ(ETIMEDOUT, reap(pid));
	/* With nobody waiting, WAKE is harmless too. */
	EXPECT_EQ(0, sd_wake(self->cfd, 1));
	EXPECT_EQ(0ULL, info_seq(self->fd, 1));
}

/* A child's epoll_wait() counts as a waiter and is woken by the fast notify. */
TEST_F(ctl, epoll_woken_by_fast_notify)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct epoll_event ev = { .events = EPOLLIN };
		int pfd = shmdev_open(O_RDWR), ep = epoll_create1(0);

		if (pfd < 0 || ep < 0 || sd_attach_name(pfd, self->name, 0, NULL) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev))
			_exit(2);
		if (epoll_wait(ep, &ev, 1, 10000) != 1)
			_exit(3);
		_exit(ev.events & EPOLLIN ? 0 : 4);
	}
	/* The poller counts on every channel it selects (all, by default). */
	ASSERT_EQ(1u, sd_ctl_await_waiters(self->ctl, 0, 1, 5000));
	EXPECT_EQ(1u, sd_ctl_await_waiters(self->ctl, NCH - 1, 1, 1000));
	usleep(20000);
	ASSERT_EQ(0, sd_fast_notify(self->cfd, self->ctl, NCH - 1, NULL));
	EXPECT_EQ(0, reap(pid));
	/* Its file is gone: so is its count. */
	EXPECT_EQ(0u, sd_ctl_await_waiters(self->ctl, 0, 0, 2000));
}

/* A read-only attachment maps the control page writable and notifies through it; its data stays read-only. */
TEST_F(ctl, rdonly_attach_ctl_writable_data_not)
{
	int fd = shmdev_open(O_RDWR);
	struct shmdev_ctl_page *p;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	p = sd_ctl_map(fd);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, sd_fast_notify(fd, p, 0, NULL));
	EXPECT_EQ(1ULL, info_seq(self->fd, 0));
	EXPECT_EQ(-EACCES, try_map(fd, self->size, PROT_READ | PROT_WRITE,
				   MAP_SHARED, 0));
	EXPECT_EQ(0, try_map(fd, self->size, PROT_READ, MAP_SHARED, 0));
	munmap(p, page_size());
	close(fd);
}

/* The mapping outlives close() of the file it came from, and stays the live page. */
TEST_F(ctl, survives_close)
{
	struct shmdev_ctl_page *p = sd_ctl_map(self->cfd);
	int fd = shmdev_open(O_RDWR);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, 0, NULL));
	ASSERT_EQ(0, sd_notify(fd, 1, NULL));
	close(fd);
	EXPECT_EQ(1ULL, ctl_seq(p, 1));
	ASSERT_EQ(0, sd_notify(self->fd, 1, NULL));
	EXPECT_EQ(2ULL, ctl_seq(p, 1));
	__atomic_add_fetch(&p->channel[1].seq, 1, __ATOMIC_SEQ_CST);
	EXPECT_EQ(3ULL, info_seq(self->fd, 1));
	munmap(p, page_size());
}

/*
 * The control page maps the /dev/shmdev file itself: after close() that
 * file stays attached (nr_attached) until the unmap, which stamps dtime;
 * nr_mappings counts data mappings only.
 */
TEST_F(ctl, attached_until_unmapped)
{
	struct shmdev_info before, during, after;
	struct shmdev_ctl_page *p;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, 0, NULL));
	p = sd_ctl_map(fd);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, sd_info(self->fd, &before));
	close(fd);
	ASSERT_EQ(0, sd_info(self->fd, &during));
	EXPECT_EQ(before.nr_attached, during.nr_attached);
	EXPECT_EQ(before.nr_mappings, during.nr_mappings);
	EXPECT_EQ(before.dtime, during.dtime);
	ASSERT_EQ(0, munmap(p, page_size()));
	ASSERT_EQ(0, sd_info(self->fd, &after));
	EXPECT_EQ(before.nr_attached - 1, after.nr_attached);
	EXPECT_EQ(before.nr_mappings, after.nr_mappings);
	EXPECT_NE(0, after.dtime);
}

/* The mapping is shared across fork(): the child's fast notify is the parent's sequence. */
TEST_F(ctl, shared_across_fork)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(sd_fast_notify(self->cfd, self->ctl, 2, NULL) ? 1 : 0);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1ULL, ctl_seq(self->ctl, 2));
	EXPECT_EQ(1ULL, info_seq(self->fd, 2));
}

/*
 * A control page mapping keeps its region: close every file, DESTROY it,
 * and the page is still read and written (KASAN, on the debug kernel,
 * would report a use after free); the region, counted in sysfs, goes
 * with the last munmap().
 */
TEST_F(ctl, keeps_region_after_close_and_destroy)
{
	long long regions = sd_regions(), bytes = sd_bytes_in_use();
	int i;

	ASSERT_GE(regions, 1);
	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	if (self->cfd != self->fd)
		close(self->cfd);
	close(self->fd);
	self->fd = self->cfd = -1;
	ASSERT_EQ(0, sd_destroy_id(self->ufd, self->id));
	EXPECT_EQ(regions, sd_regions());
	EXPECT_EQ(bytes, sd_bytes_in_use());
	EXPECT_EQ(1ULL, ctl_seq(self->ctl, 0));
	for (i = 0; i < 1000; i++)
		__atomic_add_fetch(&self->ctl->channel[0].seq, 1, __ATOMIC_SEQ_CST);
	self->ctl->channel[0].waiters = 7;	/* garbage: harmless */
	EXPECT_EQ(1001ULL, ctl_seq(self->ctl, 0));
	ASSERT_EQ(0, munmap(self->ctl, page_size()));
	EXPECT_EQ(regions - 1, sysfs_settle(sd_regions, regions - 1));
	EXPECT_EQ(bytes - (long long)self->size,
		  sysfs_settle(sd_bytes_in_use, bytes - (long long)self->size));
}

/* /proc/self/maps names the control page's mapping /dev/shmdev. */
TEST_F(ctl, proc_maps_shows_dev_shmdev)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx", &a, &b) != 2 || a != (uintptr_t)self->ctl)
			continue;
		found = true;
		EXPECT_EQ((unsigned long)page_size(), b - a);
		EXPECT_NE(NULL, strstr(line, "/dev/shmdev")) TH_LOG("%s", line);
		EXPECT_NE(NULL, strstr(line, " rw-s ")) TH_LOG("%s", line);
	}
	fclose(f);
	EXPECT_TRUE(found);
}

SHMDEV_HARNESS_MAIN
