// SPDX-License-Identifier: GPL-2.0
/*
 * semaphore_pc - the bounded-buffer producer/consumer, synchronised the
 * classic way: two POSIX semaphores and a mutex, all living *inside* a
 * shmdev region so that two processes can share them.
 *
 *	usage: semaphore_pc [-n COUNT] NAME                (fork: both roles)
 *	       semaphore_pc [-n COUNT] NAME producer       (one role each, in
 *	       semaphore_pc NAME consumer                   two invocations)
 *
 * "empty" counts the free slots, "full" the filled ones; the mutex
 * protects the ring indices.  The producer does  P(empty) lock put unlock
 * V(full);  the consumer  P(full) lock take unlock V(empty).
 *
 * This works across processes only because
 *  - the region is mapped MAP_SHARED: every process sees the same pages,
 *    so the futex words inside the semaphores and the mutex are the same
 *    physical memory;
 *  - the semaphores are created with pshared = 1 and the mutex with
 *    PTHREAD_PROCESS_SHARED (the default, private kind may assume that
 *    only threads of one process touch it).
 *
 * Whoever creates the region initialises them once and then sets the
 * "ready" flag; whoever merely opened the region waits for that flag with
 * a shmdev notification channel (so nobody uses a half-built semaphore).
 * In fork mode the region is destroyed at the end if this program made
 * it; in two-invocation mode it is left for "shmdevctl rm".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmdev.h"

#define SLOTS		4	/* capacity of the ring buffer */
#define CH_READY	0	/* channel notified when "ready" is set */

struct ring {
	atomic_uint ready;	/* 1 once everything below is initialised */
	pthread_mutex_t lock;	/* protects head, tail and slot[] */
	sem_t empty;		/* number of free slots */
	sem_t full;		/* number of filled slots */
	unsigned int head;	/* next slot to fill */
	unsigned int tail;	/* next slot to empty */
	struct {
		unsigned long number;
		int last;	/* no more messages after this one */
		char text[64];
	} slot[SLOTS];
};

static const char *prog;

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	exit(1);
}

/* Run by the region's creator only, before anyone else may look. */
static void ring_init(struct ring *q)
{
	pthread_mutexattr_t attr;
	int err;

	if ((err = pthread_mutexattr_init(&attr)) ||
	    (err = pthread_mutexattr_setpshared(&attr,
						PTHREAD_PROCESS_SHARED)) ||
	    /* Robust: if a process dies holding the lock, the next locker
	     * gets EOWNERDEAD instead of hanging forever. */
	    (err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) ||
	    (err = pthread_mutex_init(&q->lock, &attr)))
		die("pthread_mutex_init", err);
	pthread_mutexattr_destroy(&attr);

	if (sem_init(&q->empty, 1, SLOTS) < 0 ||	/* pshared = 1 */
	    sem_init(&q->full, 1, 0) < 0)
		die("sem_init", errno);
	q->head = q->tail = 0;
}

/* Wait (at most 10 s) until the creator has set q->ready. */
static void ring_wait_ready(int fd, struct ring *q)
{
	struct timespec now;
	uint64_t seq, deadline;

	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec +
		   10ULL * 1000000000ULL;

	/* Same pattern as msgbox.h: sequence first, then the flag, then WAIT. */
	if (shmdev_seq(fd, CH_READY, &seq) < 0)
		die("read channel sequence", errno);
	while (!atomic_load_explicit(&q->ready, memory_order_acquire)) {
		if (shmdev_wait(fd, CH_READY, seq, deadline,
				SHMDEV_WAIT_ABSTIME, &seq) < 0) {
			if (errno == ETIMEDOUT)
				die("region was never initialised by its creator",
				    errno);
			if (errno != EINTR)
				die("wait for ready", errno);
		}
	}
}

static void sem_wait_nointr(sem_t *s)
{
	while (sem_wait(s) < 0)
		if (errno != EINTR)
			die("sem_wait", errno);
}

static void lock(struct ring *q)
{
	int err = pthread_mutex_lock(&q->lock);

	if (err == EOWNERDEAD) {
		/* The previous owner died inside the critical section; the
		 * indices are only ever updated last, so accept them. */
		fprintf(stderr, "%s: previous lock owner died\n", prog);
		err = pthread_mutex_consistent(&q->lock);
	}
	if (err)
		die("pthread_mutex_lock", err);
}

/* Where the synchronisation objects live in the region, and their values. */
static void describe(const char *name, struct ring *q)
{
	int empty = -1, full = -1;

	sem_getvalue(&q->empty, &empty);
	sem_getvalue(&q->full, &full);
	printf("semaphore_pc: in region '%s': the mutex at byte %zu, "
	       "sem 'empty' at byte %zu = %d, sem 'full' at byte %zu = %d\n",
	       name, offsetof(struct ring, lock), offsetof(struct ring, empty),
	       empty, offsetof(struct ring, full), full);
}

static void producer(struct ring *q, unsigned long count)
{
	unsigned long i;

	for (i = 1; i <= count; i++) {
		sem_wait_nointr(&q->empty);		/* P(empty): a slot is free */
		lock(q);
		q->slot[q->head].number = i;
		q->slot[q->head].last = (i == count);
		snprintf(q->slot[q->head].text, sizeof(q->slot[0].text),
			 "hello %lu", i);
		q->head = (q->head + 1) % SLOTS;
		pthread_mutex_unlock(&q->lock);
		if (sem_post(&q->full) < 0)		/* V(full): one more message */
			die("sem_post", errno);
		printf("semaphore_pc producer[%ld]: sent #%lu \"hello %lu\"\n",
		       (long)getpid(), i, i);
	}
}

static void consumer(struct ring *q)
{
	unsigned long number;
	char text[sizeof(q->slot[0].text)];
	int last;

	do {
		sem_wait_nointr(&q->full);		/* P(full): a message is there */
		lock(q);
		number = q->slot[q->tail].number;
		last = q->slot[q->tail].last;
		memcpy(text, q->slot[q->tail].text, sizeof(text));
		text[sizeof(text) - 1] = '\0';
		q->tail = (q->tail + 1) % SLOTS;
		pthread_mutex_unlock(&q->lock);
		if (sem_post(&q->empty) < 0)		/* V(empty): a slot is free again */
			die("sem_post", errno);
		printf("semaphore_pc consumer[%ld]: got #%lu \"%s\"\n",
		       (long)getpid(), number, text);
	} while (!last);
}

int main(int argc, char **argv)
{
	struct shmdev_region r;
	struct ring *q;
	unsigned long count = 5;
	const char *name, *role = NULL;
	char *end;
	int c, status;
	pid_t pid;

	prog = argv[0];
	while ((c = getopt(argc, argv, "+n:h")) != -1) {
		switch (c) {
		case 'n':
			count = strtoul(optarg, &end, 10);
			if (*end || !count || optarg[0] == '-') {
				fprintf(stderr, "%s: invalid count '%s'\n",
					prog, optarg);
				return 2;
			}
			break;
		case 'h':
			printf("usage: %s [-n COUNT] NAME [producer|consumer]\n",
			       prog);
			return 0;
		default:
			goto usage;
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		goto usage;
	name = argv[optind];
	if (argc - optind == 2) {
		role = argv[optind + 1];
		if (strcmp(role, "producer") && strcmp(role, "consumer"))
			goto usage;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Create the region or open the one the other process created. */
	if (shmdev_region_open(name, sizeof(struct ring), 1, 0600,
			       SHMDEV_REGION_O_CREAT, &r) < 0) {
		fprintf(stderr, "%s: open region '%s': %s\n", prog, name,
			strerror(errno));
		return 1;
	}
	q = r.addr;

	if (r.created) {
		ring_init(q);
		describe(name, q);
		atomic_store_explicit(&q->ready, 1, memory_order_release);
		if (shmdev_notify(r.fd, CH_READY, NULL) < 0)
			die("notify ready", errno);
	} else {
		ring_wait_ready(r.fd, q);
	}

	if (role) {				/* two-invocation mode */
		if (!strcmp(role, "producer")) {
			producer(q, count);
		} else {
			consumer(q);
			describe(name, q);
		}
		shmdev_region_close(&r);
		return 0;
	}

	/* Fork mode: the child inherits the mapping (MAP_SHARED survives fork). */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		consumer(q);
		_exit(0);
	}
	producer(q, count);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid", errno);
	if (r.created) {
		/* Nobody uses them any more; then unlink the name. */
		sem_destroy(&q->empty);
		sem_destroy(&q->full);
		pthread_mutex_destroy(&q->lock);
		if (shmdev_destroy_id(r.fd, r.id) < 0)
			die("destroy region", errno);
	}
	shmdev_region_close(&r);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: consumer failed\n", prog);
		return 1;
	}
	return 0;

usage:
	fprintf(stderr, "usage: %s [-n COUNT] NAME [producer|consumer]\n", prog);
	return 2;
}
