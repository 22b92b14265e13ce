// SPDX-License-Identifier: GPL-2.0
/*
 * Round trips between two processes, pinned to two CPUs (cross-core) or
 * to one (same-core): side 0 signals side 1 and waits for its answer.
 * Each round trip is timed on its own, so the line carries the latency
 * distribution; ns is the median round trip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* What both processes see (anonymous shared memory). */
struct pp_shared {
	uint32_t word[2];	/* futex counters, one per direction */
	uint32_t waiting[2];	/* futex-fast: a waiter sleeps on word[i] */
	sem_t sem[2];
	pthread_mutex_t mutex;
	pthread_cond_t cond[2];
	uint32_t count[2];	/* condvar counters */
	int ready;
	int failed;
	long child_switches;	/* side 1's context switches, all rounds */
};

/* Per process after fork (each has its own copy). */
struct pp {
	struct pp_shared *sh;
	struct bregion r, mine;	/* r: created by the parent; mine: own file */
	int efd[2], pfd[2][2], sock[2], semid, epfd;
	uint64_t seen;		/* shmdev: last sequence seen of the other side */
	uint32_t useen;		/* futex/condvar: likewise */
};

struct pp_impl {
	const char *name;
	int (*setup)(struct pp *p);		/* before fork */
	int (*attach)(struct pp *p, int side);	/* after fork, each side */
	int (*signal)(struct pp *p, int side);
	int (*wait)(struct pp *p, int side);
	void (*teardown)(struct pp *p);		/* parent, after the child exits */
};

static int nop_attach(struct pp *p, int side)
{
	(void)p;
	(void)side;
	return 0;
}

static void nop_teardown(struct pp *p)
{
	(void)p;
}

/* ---- futex: wake on every signal (raw) and with a waiter flag (fast) */
static int futex_signal(struct pp *p, int side)
{
	__atomic_add_fetch(&p->sh->word[side], 1, __ATOMIC_SEQ_CST);
	return futex_wake(&p->sh->word[side], 1) < 0 ? -1 : 0;
}

static int futex_wait_other(struct pp *p, int side)
{
	uint32_t *w = &p->sh->word[!side], v;

	while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) == p->useen)
		futex_wait(w, v);
	p->useen = v;
	return 0;
}

static int ffast_signal(struct pp *p, int side)
{
	__atomic_add_fetch(&p->sh->word[side], 1, __ATOMIC_SEQ_CST);
	/* The waker clears the flag: one FUTEX_WAKE per sleep (ring.c). */
	if (__atomic_exchange_n(&p->sh->waiting[side], 0, __ATOMIC_SEQ_CST))
		return futex_wake(&p->sh->word[side], 1) < 0 ? -1 : 0;
	return 0;
}

static int ffast_wait(struct pp *p, int side)
{
	uint32_t *w = &p->sh->word[!side], *flag = &p->sh->waiting[!side], v;

	/* The flag is set again before every sleep: a waker may clear it. */
	while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) == p->useen) {
		__atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
		v = __atomic_load_n(w, __ATOMIC_SEQ_CST);
		if (v != p->useen)
			break;
		futex_wait(w, v);
	}
	__atomic_store_n(flag, 0, __ATOMIC_RELAXED);
	p->useen = v;
	return 0;
}

/* ---- shmdev: one region, channel i signalled by side i */
static int sd_setup(struct pp *p)
{
	return bregion_create(&p->r, 4096, 2, 0, false, false);
}

static int sd_setup_ctl(struct pp *p)
{
	return bregion_create(&p->r, 4096, 2, 0, false, true);
}

static int sd_attach(struct pp *p, int side)
{
	if (bregion_attach(&p->mine, &p->r, false, false))
		return -1;
	return shmdev_seq(p->mine.fd, !side, &p->seen);
}

static int sd_attach_ctl(struct pp *p, int side)
{
	if (bregion_attach(&p->mine, &p->r, false, true))
		return -1;
	p->seen = shmdev_ctl_seq(&p->mine.ctl, !side);
	return 0;
}

static void sd_teardown(struct pp *p)
{
	bregion_destroy(&p->r);
}

static int sd_signal(struct pp *p, int side)
{
	return shmdev_notify(p->mine.fd, side, NULL);
}

static int sd_wait(struct pp *p, int side)
{
	uint64_t s = p->seen;

	while (s == p->seen)
		if (shmdev_wait(p->mine.fd, !side, p->seen, SHMDEV_WAIT_FOREVER,
				0, &s))
			return -1;
	p->seen = s;
	return 0;
}

static int sdf_signal(struct pp *p, int side)
{
	return shmdev_ctl_notify(&p->mine.ctl, side, NULL);
}

static int sdf_wait(struct pp *p, int side)
{
	uint64_t s = p->seen;

	while (s == p->seen)
		if (shmdev_ctl_wait(&p->mine.ctl, !side, p->seen,
				    SHMDEV_WAIT_FOREVER, 0, &s))
			return -1;
	p->seen = s;
	return 0;
}

/* shmdev in epoll: each side's file selects only the other's channel. */
static int sde_attach(struct pp *p, int side)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (sd_attach_ctl(p, side))
		return -1;
	if (shmdev_poll_mask(p->mine.fd, 1ull << !side, NULL))
		return -1;
	p->epfd = epoll_create1(0);
	if (p->epfd < 0)
		return -1;
	return epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->mine.fd, &ev);
}

static int sde_wait(struct pp *p, int side)
{
	struct epoll_event ev;

	while (epoll_wait(p->epfd, &ev, 1, -1) != 1)
		if (errno != EINTR)
			return -1;
	return shmdev_ack(p->mine.fd, 1ull << !side, NULL);
}

/* ---- eventfd, plain and in epoll */
static int efd_setup(struct pp *p)
{
	p->efd[0] = eventfd(0, 0);
	p->efd[1] = eventfd(0, 0);
	return p->efd[0] < 0 || p->efd[1] < 0 ? -1 : 0;
}

static void efd_teardown(struct pp *p)
{
	close(p->efd[0]);
	close(p->efd[1]);
}

static int efd_signal(struct pp *p, int side)
{
	uint64_t one = 1;

	return write(p->efd[side], &one, 8) == 8 ? 0 : -1;
}

static int efd_wait(struct pp *p, int side)
{
	uint64_t v;

	return read(p->efd[!side], &v, 8) == 8 ? 0 : -1;
}

static int efde_attach(struct pp *p, int side)
{
	struct epoll_event ev = { .events = EPOLLIN };

	p->epfd = epoll_create1(0);
	if (p->epfd < 0)
		return -1;
	return epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->efd[!side], &ev);
}

static int efde_wait(struct pp *p, int side)
{
	struct epoll_event ev;

	while (epoll_wait(p->epfd, &ev, 1, -1) != 1)
		if (errno != EINTR)
			return -1;
	return efd_wait(p, side);
}

/* ---- pipes and a unix socket pair: one byte each way */
static int pipe_setup(struct pp *p)
{
	return pipe(p->pfd[0]) || pipe(p->pfd[1]) ? -1 : 0;
}

static void pipe_teardown(struct pp *p)
{
	close(p->pfd[0][0]);
	close(p->pfd[0][1]);
	close(p->pfd[1][0]);
	close(p->pfd[1][1]);
}

static int pipe_signal(struct pp *p, int side)
{
	return write(p->pfd[side][1], "x", 1) == 1 ? 0 : -1;
}

static int pipe_wait(struct pp *p, int side)
{
	char c;

	return read(p->pfd[!side][0], &c, 1) == 1 ? 0 : -1;
}

static int unix_setup(struct pp *p)
{
	return socketpair(AF_UNIX, SOCK_STREAM, 0, p->sock);
}

static void unix_teardown(struct pp *p)
{
	close(p->sock[0]);
	close(p->sock[1]);
}

static int unix_signal(struct pp *p, int side)
{
	return write(p->sock[side], "x", 1) == 1 ? 0 : -1;
}

static int unix_wait(struct pp *p, int side)
{
	char c;

	return read(p->sock[side], &c, 1) == 1 ? 0 : -1;
}

/* ---- POSIX and SysV semaphores, a process-shared condition variable */
static int psem_setup(struct pp *p)
{
	return sem_init(&p->sh->sem[0], 1, 0) || sem_init(&p->sh->sem[1], 1, 0);
}

static int psem_signal(struct pp *p, int side)
{
	return sem_post(&p->sh->sem[side]);
}

static int psem_wait(struct pp *p, int side)
{
	while (sem_wait(&p->sh->sem[!side]))
		if (errno != EINTR)
			return -1;
	return 0;
}

static int ssem_setup(struct pp *p)
{
	p->semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	return p->semid < 0 ? -1 : 0;
}

static void ssem_teardown(struct pp *p)
{
	semctl(p->semid, 0, IPC_RMID);
}

static int ssem_signal(struct pp *p, int side)
{
	struct sembuf op = { .sem_num = (unsigned short)side, .sem_op = 1 };

	return semop(p->semid, &op, 1);
}

static int ssem_wait(struct pp *p, int side)
{
	struct sembuf op = { .sem_num = (unsigned short)!side, .sem_op = -1 };

	return semop(p->semid, &op, 1);
}

static int cond_setup(struct pp *p)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	if (pthread_mutex_init(&p->sh->mutex, &ma) ||
	    pthread_cond_init(&p->sh->cond[0], &ca) ||
	    pthread_cond_init(&p->sh->cond[1], &ca))
		return -1;
	return 0;
}

static int cond_signal(struct pp *p, int side)
{
	pthread_mutex_lock(&p->sh->mutex);
	p->sh->count[side]++;
	pthread_cond_signal(&p->sh->cond[side]);
	pthread_mutex_unlock(&p->sh->mutex);
	return 0;
}

static int cond_wait(struct pp *p, int side)
{
	pthread_mutex_lock(&p->sh->mutex);
	while (p->sh->count[!side] == p->useen)
		pthread_cond_wait(&p->sh->cond[!side], &p->sh->mutex);
	p->useen = p->sh->count[!side];
	pthread_mutex_unlock(&p->sh->mutex);
	return 0;
}

static int none_setup(struct pp *p)
{
	(void)p;
	return 0;
}

static const struct pp_impl pp_impls[] = {
	{ "shmdev", sd_setup, sd_attach, sd_signal, sd_wait, sd_teardown },
	{ "shmdev-fast", sd_setup_ctl, sd_attach_ctl, sdf_signal, sdf_wait,
	  sd_teardown },
	{ "shmdev-epoll", sd_setup_ctl, sde_attach, sdf_signal, sde_wait,
	  sd_teardown },
	{ "futex", none_setup, nop_attach, futex_signal, futex_wait_other,
	  nop_teardown },
	{ "futex-fast", none_setup, nop_attach, ffast_signal, ffast_wait,
	  nop_teardown },
	{ "eventfd", efd_setup, nop_attach, efd_signal, efd_wait, efd_teardown },
	{ "eventfd-epoll", efd_setup, efde_attach, efd_signal, efde_wait,
	  efd_teardown },
	{ "pipe", pipe_setup, nop_attach, pipe_signal, pipe_wait, pipe_teardown },
	{ "unix", unix_setup, nop_attach, unix_signal, unix_wait, unix_teardown },
	{ "posix-sem", psem_setup, nop_attach, psem_signal, psem_wait,
	  nop_teardown },
	{ "sysv-sem", ssem_setup, nop_attach, ssem_signal, ssem_wait,
	  ssem_teardown },
	{ "condvar", cond_setup, nop_attach, cond_signal, cond_wait,
	  nop_teardown },
};

#define NR_PP ((int)ARRAY_SIZE(pp_impls))

/* Context switches of this process so far, voluntary or not. */
static long switches(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* Side 1: answer every signal, then exit. */
static void pp_child(const struct pp_impl *im, struct pp *p, int cpu,
		     size_t total)
{
	long sw;
	size_t i;

	pin_cpu(cpu);
	if (im->attach(p, 1)) {
		__atomic_store_n(&p->sh->failed, errno ? errno : EIO,
				 __ATOMIC_SEQ_CST);
		_exit(1);
	}
	__atomic_store_n(&p->sh->ready, 1, __ATOMIC_SEQ_CST);
	sw = switches();
	for (i = 0; i < total; i++)
		if (im->wait(p, 1) || im->signal(p, 1))
			_exit(1);
	p->sh->child_switches = switches() - sw;
	_exit(0);
}

static void pp_one(const struct bench_cfg *cfg, const char *wl,
		   const struct pp_impl *im, int cpu1, size_t n, size_t warm)
{
	struct pp p;
	double *samples = NULL;
	char why[96], extra[48];
	long sw;
	size_t i;
	pid_t pid;
	int err = 0, st;

	memset(&p, 0, sizeof(p));
	p.r.fd = p.mine.fd = p.epfd = -1;
	p.sh = shared_alloc(sizeof(*p.sh));
	if (im->setup(&p)) {
		snprintf(why, sizeof(why), "setup: %s", strerror(errno));
		skip(cfg, wl, im->name, why);
		shared_free(p.sh, sizeof(*p.sh));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		pp_child(im, &p, cpu1, n + warm);
	pin_cpu(0);
	if (pid < 0 || im->attach(&p, 0)) {
		err = errno;
		goto out;
	}
	while (!__atomic_load_n(&p.sh->ready, __ATOMIC_SEQ_CST)) {
		if (__atomic_load_n(&p.sh->failed, __ATOMIC_SEQ_CST)) {
			err = p.sh->failed;
			goto out;
		}
		sched_yield();
	}
	samples = malloc(n * sizeof(*samples));
	for (i = 0; i < warm; i++)
		if (im->signal(&p, 0) || im->wait(&p, 0))
			goto fail;
	sw = switches();
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		if (im->signal(&p, 0) || im->wait(&p, 0))
			goto fail;
		samples[i] = (double)(now_ns() - t0);
	}
	sw = switches() - sw;
	/* The child's count is complete once it has exited. */
	st = reap_child(pid, 0);
	pid = -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		err = EIO;
		goto out;
	}
	/* Both sides' switches per round trip (the child's over all rounds). */
	snprintf(extra, sizeof(extra), "csw=%.2f",
		 (double)sw / n + (double)p.sh->child_switches / (n + warm));
	/* ns < 0: the median of the samples. */
	report(cfg, wl, im->name, n, -1, samples, n, extra);
	goto out;
fail:
	err = errno ? errno : EIO;
out:
	reap_child(pid, err);
	if (err) {
		snprintf(why, sizeof(why), "%s", strerror(err));
		skip(cfg, wl, im->name, why);
	}
	if (p.epfd >= 0)
		close(p.epfd);
	bregion_close(&p.mine);
	im->teardown(&p);
	free(samples);
	shared_free(p.sh, sizeof(*p.sh));
	pin_cpu(0);
}

static void pp_run(const struct bench_cfg *cfg)
{
	size_t n = scaled(cfg, 400), warm = scaled(cfg, 40);
	int idx[NR_PP], i;

	order(cfg, idx, NR_PP);
	if (cfg->ncpus >= 2)
		for (i = 0; i < NR_PP; i++)
			pp_one(cfg, "pingpong.cross", &pp_impls[idx[i]], 1, n, warm);
	for (i = 0; i < NR_PP; i++)
		pp_one(cfg, "pingpong.same", &pp_impls[idx[i]], 0, n, warm);
}

const struct workload wl_pingpong = {
	.name = "pingpong",
	.what = "round trip between two processes, cross-core and same-core",
	.run = pp_run,
};
