// SPDX-License-Identifier: GPL-2.0
/*
 * libshmdev's control-page calls against the fake device (fakedev.c with
 * FAKE_CTL=1): what they return, and which ioctls they make, the point of
 * the fast path being the ones they do not make.  Run by host-test.sh;
 * exits 0 when every check passes, else 1 after naming each failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <shmdev.h>

static unsigned long *calls;	/* fakedev's ioctl counts, by _IOC_NR */
static int failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "ctl-test: line %d: %s failed (errno %s)\n", \
			__LINE__, #cond, strerror(errno));		\
		failed = 1;						\
	}								\
} while (0)

#define NCALLS(cmd) calls[_IOC_NR(cmd)]

/* Fast notify: the ioctl WAKE only when the page records a waiter. */
static void test_notify(struct shmdev_ctl *c)
{
	unsigned long wakes = NCALLS(SHMDEV_IOC_WAKE);
	uint64_t seq = 0;

	CHECK(shmdev_ctl_notify(c, 1, &seq) == 0 && seq == 1);
	CHECK(NCALLS(SHMDEV_IOC_WAKE) == wakes);
	c->page->channel[1].waiters = 1;	/* the kernel's word, faked */
	CHECK(shmdev_ctl_notify(c, 1, &seq) == 0 && seq == 2);
	CHECK(NCALLS(SHMDEV_IOC_WAKE) == wakes + 1);
	c->page->channel[1].waiters = 0;
	CHECK(shmdev_ctl_seq(c, 1) == 2 && shmdev_ctl_seq(c, 0) == 0);
	errno = 0;
	CHECK(shmdev_ctl_notify(c, 2, NULL) == -1 && errno == EINVAL);
	CHECK(NCALLS(SHMDEV_IOC_WAKE) == wakes + 1);
}

/* trywait and wait: no system call once the channel has moved. */
static void test_wait(struct shmdev_ctl *c)
{
	unsigned long waits = NCALLS(SHMDEV_IOC_WAIT);
	uint64_t seq = 0;

	errno = 0;
	seq = 77;	/* outputs are written only on success */
	CHECK(shmdev_ctl_trywait(c, 0, 0, &seq) == -1 && errno == EAGAIN);
	CHECK(seq == 77);
	CHECK(shmdev_ctl_trywait(c, 1, 0, &seq) == 0 && seq == 2);
	/* Bad flags fail as WAIT's do, even with nothing to wait for. */
	errno = 0;
	seq = 77;
	CHECK(shmdev_ctl_wait(c, 1, 0, 0, 8, &seq) == -1 && errno == EINVAL);
	CHECK(seq == 77 && NCALLS(SHMDEV_IOC_WAIT) == waits);
	errno = 0;
	CHECK(shmdev_ctl_trywait(c, 5, 0, NULL) == -1 && errno == EINVAL);
	CHECK(shmdev_ctl_wait(c, 1, 0, SHMDEV_WAIT_FOREVER, 0, &seq) == 0);
	CHECK(NCALLS(SHMDEV_IOC_WAIT) == waits);
	/* Not moved: it is shmdev_wait(), and errno stays untouched. */
	errno = 1234;
	CHECK(shmdev_ctl_wait(c, 1, 2, 0, 0, &seq) == 0 && errno == 1234);
	CHECK(NCALLS(SHMDEV_IOC_WAIT) == waits + 1);
}

static void test_ioctls(struct shmdev_ctl *c)
{
	uint64_t seqs[2] = { 0, 2 }, adv = 99, prev = 0;

	CHECK(shmdev_post(c->fd, 0) == 0 && shmdev_ctl_seq(c, 0) == 1);
	errno = 0;
	CHECK(shmdev_post(c->fd, 2) == -1 && errno == EINVAL);
	CHECK(shmdev_wake(c->fd, 0) == 0 && shmdev_ctl_seq(c, 0) == 1);
	CHECK(NCALLS(SHMDEV_IOC_POST) == 2);
	CHECK(shmdev_waitv(c->fd, 3, seqs, 0, 0, &adv) == 0 && adv == 1);
	seqs[0] = 1;
	adv = 99;
	errno = 0;
	CHECK(shmdev_waitv(c->fd, 3, seqs, 0, 0, &adv) == -1 &&
	      errno == ETIMEDOUT && adv == 0);
	errno = 0;
	CHECK(shmdev_waitv(c->fd, 0, seqs, 0, 0, &adv) == -1 && errno == EINVAL);
	CHECK(shmdev_poll_mask(c->fd, 2, &prev) == 0 && prev == 3);
	CHECK(shmdev_poll_mask(c->fd, 3, &prev) == 0 && prev == 2);
	errno = 0;
	CHECK(shmdev_poll_mask(c->fd, 4, NULL) == -1 && errno == EINVAL);
}

/* Through an O_RDONLY file the page is read-only, and notify is a POST. */
static void test_rdonly(void)
{
	unsigned long posts = NCALLS(SHMDEV_IOC_POST);
	int fd = shmdev_open(O_RDONLY);
	struct shmdev_ctl c;
	uint64_t seq = 0, before;

	CHECK(fd >= 0 && shmdev_ctl_map(fd, &c) == 0);
	if (failed)
		return;
	CHECK(c.rdonly);
	before = shmdev_ctl_seq(&c, 0);
	CHECK(shmdev_ctl_notify(&c, 0, &seq) == 0 && seq == before + 1);
	CHECK(NCALLS(SHMDEV_IOC_POST) == posts + 1);
	CHECK(shmdev_ctl_unmap(&c) == 0);
	close(fd);
}

/*
 * shmdev_notify() without a sequence to return is a POST; with one, the
 * NOTIFY struct.  On a module without POST (@old) the first call learns
 * that from ENOTTY and NOTIFYs, and later ones go to NOTIFY at once.
 */
static void test_notify_post(int fd, int old)
{
	unsigned long posts = NCALLS(SHMDEV_IOC_POST);
	unsigned long notifies = NCALLS(SHMDEV_IOC_NOTIFY);
	uint64_t seq = 0, before = 0;

	CHECK(shmdev_notify(fd, 0, &before) == 0);
	CHECK(NCALLS(SHMDEV_IOC_NOTIFY) == notifies + 1);
	errno = 0;
	CHECK(shmdev_notify(fd, 0, NULL) == 0 && errno == 0);
	CHECK(NCALLS(SHMDEV_IOC_POST) == posts + 1);
	CHECK(NCALLS(SHMDEV_IOC_NOTIFY) == notifies + 1 + old);
	CHECK(shmdev_notify(fd, 0, NULL) == 0);
	CHECK(NCALLS(SHMDEV_IOC_POST) == posts + 1 + !old);
	CHECK(NCALLS(SHMDEV_IOC_NOTIFY) == notifies + 1 + 2 * old);
	CHECK(shmdev_notify(fd, 0, &seq) == 0 && seq == before + 3);
	errno = 0;
	CHECK(shmdev_notify(fd, 2, NULL) == -1 && errno == EINVAL);
}

int main(int argc, char **argv)
{
	struct shmdev_ctl c, c2;
	int fd = shmdev_open(O_RDWR);

	calls = dlsym(RTLD_DEFAULT, "fake_calls");
	if (fd < 0 || !calls) {
		fprintf(stderr, "ctl-test: run with LD_PRELOAD=fakedev.so FAKE_CTL=1\n");
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "old")) {
		/* A module before 0.3.0: no control page. */
		errno = 0;
		CHECK(shmdev_ctl_map(fd, &c) == -1 && errno == EOPNOTSUPP);
		test_notify_post(fd, 1);
		return failed;
	}
	CHECK(shmdev_ctl_map(fd, &c) == 0);
	if (failed)
		return 1;
	CHECK(c.fd == fd && c.nr_channels == 2 && !c.rdonly);
	CHECK(shmdev_ctl_map(fd, &c2) == 0);
	test_notify(&c);
	/* A second mapping is a view of the same page. */
	CHECK(shmdev_ctl_seq(&c2, 1) == 2);
	test_wait(&c);
	test_ioctls(&c);
	CHECK(shmdev_ctl_unmap(&c) == 0 && c.page == NULL);
	errno = 0;
	CHECK(shmdev_ctl_unmap(&c) == -1 && errno == EINVAL);
	CHECK(shmdev_ctl_unmap(&c2) == 0);
	test_notify_post(fd, 0);
	test_rdonly();	/* last: its own open takes over the fake device */
	return failed;
}
