// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev notification tests: NOTIFY/WAIT sequence semantics, timeouts
 * (relative, absolute, zero), signals (EINTR, SA_RESTART with an absolute
 * deadline, SIGSTOP/SIGCONT), a waiter outliving DESTROY and close() of
 * its fd, a 100000-round two-process ping-pong with no lost wakeup,
 * poll()/epoll readiness with ACK; WAITV on several channels and the
 * channels POLL_MASK selects for poll().
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "shmdev_common.h"

#define NCH		4
#define MS		1000000ULL
#define SEC		1000000000ULL

FIXTURE(notify) {
	int fd;		/* read-write attachment made by CREATE */
	__u64 id;
	char name[SHMDEV_NAME_MAX];
};

FIXTURE_SETUP(notify)
{
	shmdev_name(self->name, "ntf");
	self->fd = sd_new_region(self->name, page_size(), NCH, 0600, &self->id);
	ASSERT_GE(self->fd, 0);
}

/* In the harness parent, so the region goes away even if the test was killed. */
FIXTURE_TEARDOWN_PARENT(notify)
{
	int fd = shmdev_open(O_RDWR);

	if (fd >= 0) {
		sd_destroy_id(fd, self->id);
		close(fd);
	}
}

static __u64 cur_seq(int fd, __u32 ch)
{
	struct shmdev_info info;

	if (sd_info(fd, &info))
		return ~0ULL;
	return info.seq[ch];
}

/* Another attachment of the fixture's region, read-write. */
static int other_fd(FIXTURE_DATA(notify) *self)
{
	int fd = shmdev_open(O_RDWR);

	if (fd < 0)
		return -1;
	if (sd_attach_name(fd, self->name, 0, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Fork a child that attaches on its own, sleeps @delay_ms and NOTIFYs @ch; returns its pid. */
static pid_t notify_later(FIXTURE_DATA(notify) *self, __u32 ch, int delay_ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = other_fd(self);

		if (fd < 0)
			_exit(2);
		usleep(delay_ms * 1000);
		_exit(sd_notify(fd, ch, NULL) ? 3 : 0);
	}
	return pid;
}

/* The raw wait status of @pid, or -1. */
static int reap_status(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

/* NOTIFY returns the channel's incremented sequence and touches no other channel. */
TEST_F(notify, notify_returns_incremented_seq)
{
	struct shmdev_info before, after;
	__u64 seq;
	int ch;

	ASSERT_EQ(0, sd_info(self->fd, &before));
	ASSERT_EQ(0, sd_notify(self->fd, 2, &seq));
	EXPECT_EQ(before.seq[2] + 1, seq);
	ASSERT_EQ(0, sd_notify(self->fd, 2, &seq));
	EXPECT_EQ(before.seq[2] + 2, seq);
	ASSERT_EQ(0, sd_info(self->fd, &after));
	for (ch = 0; ch < NCH; ch++)
		EXPECT_EQ(before.seq[ch] + (ch == 2 ? 2 : 0), after.seq[ch]);
}

/* NOTIFY on a channel >= nr_channels fails with EINVAL and advances nothing. */
TEST_F(notify, notify_bad_channel_einval)
{
	static const __u32 bad[] = { NCH, NCH + 1, 63, 64, UINT32_MAX };
	struct shmdev_info before, after;
	size_t i;

	ASSERT_EQ(0, sd_info(self->fd, &before));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, sd_notify(self->fd, bad[i], NULL)) TH_LOG("channel %u", bad[i]);
	ASSERT_EQ(0, sd_info(self->fd, &after));
	EXPECT_EQ(0, memcmp(before.seq, after.seq, sizeof(before.seq)));
}

/* A read-only attachment may NOTIFY. */
TEST_F(notify, notify_from_read_only_attach)
{
	__u64 seq, before = cur_seq(self->fd, 1);
	int fd = shmdev_open(O_RDONLY);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	ASSERT_EQ(0, sd_notify(fd, 1, &seq));
	EXPECT_EQ(before + 1, seq);
	EXPECT_EQ(before + 1, cur_seq(self->fd, 1));
	close(fd);
}

/* WAIT returns 0 at once, with the current seq, when the given seq is stale. */
TEST_F(notify, wait_returns_at_once_if_seq_differs)
{
	__u64 old = cur_seq(self->fd, 0), now, seq;
	uint64_t t0;

	ASSERT_EQ(0, sd_notify(self->fd, 0, &now));
	t0 = now_ns();
	seq = old;
	ASSERT_EQ(0, sd_wait(self->fd, 0, 0, &seq, SHMDEV_WAIT_FOREVER));
	EXPECT_EQ(now, seq);
	seq = now + 12345;	/* any differing value, even "from the future" */
	ASSERT_EQ(0, sd_wait(self->fd, 0, 0, &seq, SHMDEV_WAIT_FOREVER));
	EXPECT_EQ(now, seq);
	EXPECT_LT(now_ns() - t0, 1 * SEC);
}

/* WAIT with timeout 0 on the current seq fails with ETIMEDOUT at once and reports the seq. */
TEST_F(notify, wait_zero_timeout_etimedout)
{
	__u64 cur = cur_seq(self->fd, 3), seq = cur;
	uint64_t t0 = now_ns();

	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 3, 0, &seq, 0));
	EXPECT_EQ(cur, seq);
	EXPECT_LT(now_ns() - t0, 1 * SEC);
}

/* Voluntary context switches of this thread so far. */
static long nvcsw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return -1;
	return ru.ru_nvcsw;
}

/*
 * "0: do not sleep": 100 WAITs with timeout 0, and 100 with a deadline
 * already past, must not block: the thread makes (almost) no voluntary
 * context switch, where sleeping even briefly makes one per call.
 */
TEST_F(notify, wait_expired_timeout_does_not_sleep)
{
	__u64 cur = cur_seq(self->fd, 2), seq;
	long before = nvcsw();
	int i;

	ASSERT_GE(before, 0);
	for (i = 0; i < 100; i++) {
		seq = cur;
		ASSERT_EQ(-ETIMEDOUT, sd_wait(self->fd, 2, 0, &seq, 0));
		seq = cur;
		ASSERT_EQ(-ETIMEDOUT, sd_wait(self->fd, 2, SHMDEV_WAIT_ABSTIME, &seq, 1));
	}
	EXPECT_LT(nvcsw() - before, 10);
}

/* A relative timeout expires with ETIMEDOUT after (not before) the duration. */
TEST_F(notify, wait_relative_timeout)
{
	__u64 cur = cur_seq(self->fd, 0), seq = cur;
	uint64_t t0 = now_ns(), el;

	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 0, 0, &seq, 200 * MS));
	el = now_ns() - t0;
	EXPECT_EQ(cur, seq);
	EXPECT_GE(el, 200 * MS);
	EXPECT_LT(el, 3 * SEC);
}

/* An absolute deadline in the past fails with ETIMEDOUT at once. */
TEST_F(notify, wait_abstime_past_etimedout)
{
	__u64 cur = cur_seq(self->fd, 0), seq = cur;
	uint64_t t0 = now_ns();

	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 0, SHMDEV_WAIT_ABSTIME, &seq, t0 - 10 * MS));
	EXPECT_EQ(cur, seq);
	seq = cur;
	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 0, SHMDEV_WAIT_ABSTIME, &seq, 1));
	EXPECT_LT(now_ns() - t0, 1 * SEC);
}

/* An absolute CLOCK_MONOTONIC deadline expires with ETIMEDOUT at, not before, the deadline. */
TEST_F(notify, wait_abstime_deadline)
{
	__u64 seq = cur_seq(self->fd, 1);
	uint64_t deadline = now_ns() + 250 * MS, end;

	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 1, SHMDEV_WAIT_ABSTIME, &seq, deadline));
	end = now_ns();
	EXPECT_GE(end, deadline);
	EXPECT_LT(end - deadline, 3 * SEC);
}

/* WAIT on a channel >= nr_channels fails with EINVAL (without sleeping). */
TEST_F(notify, wait_bad_channel_einval)
{
	__u64 seq = 0;
	uint64_t t0 = now_ns();

	EXPECT_EQ(-EINVAL, sd_wait(self->fd, NCH, 0, &seq, 500 * MS));
	seq = 0;
	EXPECT_EQ(-EINVAL, sd_wait(self->fd, UINT32_MAX, 0, &seq, 500 * MS));
	EXPECT_LT(now_ns() - t0, 400 * MS);
}

/* A sleeping WAIT is woken by another process's NOTIFY and returns the new seq. */
TEST_F(notify, wait_woken_by_other_process)
{
	__u64 cur = cur_seq(self->fd, 1), seq = cur;
	uint64_t t0 = now_ns();
	pid_t pid = notify_later(self, 1, 200);

	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, sd_wait(self->fd, 1, 0, &seq, 20 * SEC));
	EXPECT_EQ(cur + 1, seq);
	EXPECT_GE(now_ns() - t0, 100 * MS);
	EXPECT_EQ(0, reap_status(pid));
}

/* A sleeping WAIT is woken by an unrelated exec'd process that attached read-only by name. */
TEST_F(notify, wait_woken_by_exec_helper)
{
	__u64 cur = cur_seq(self->fd, 2), seq = cur;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		const char *args[] = { "notify", self->name, "2", NULL };
		char out[64];

		usleep(200000);
		_exit(run_helper(args, out, sizeof(out)) ? 1 : 0);
	}
	EXPECT_EQ(0, sd_wait(self->fd, 2, 0, &seq, 20 * SEC));
	EXPECT_EQ(cur + 1, seq);
	EXPECT_EQ(0, reap_status(pid));
}

/* A NOTIFY on another channel does not end a WAIT. */
TEST_F(notify, wait_ignores_other_channels)
{
	__u64 cur = cur_seq(self->fd, 0), seq = cur;
	pid_t pid = notify_later(self, 3, 50);

	ASSERT_GT(pid, 0);
	EXPECT_EQ(-ETIMEDOUT, sd_wait(self->fd, 0, 0, &seq, 500 * MS));
	EXPECT_EQ(cur, seq);
	EXPECT_EQ(0, reap_status(pid));
}

static volatile sig_atomic_t signals_seen;

static void on_alarm(int sig)
{
	(void)sig;
	signals_seen++;
}

/* Install the SIGALRM handler and an itimer (first after @first_ms, then every @every_ms). */
static int arm_alarm(bool restart, int first_ms, int every_ms)
{
	struct sigaction sa;
	struct itimerval it = {
		.it_value = { first_ms / 1000, (first_ms % 1000) * 1000 },
		.it_interval = { every_ms / 1000, (every_ms % 1000) * 1000 },
	};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	signals_seen = 0;
	if (sigaction(SIGALRM, &sa, NULL))
		return -errno;
	return setitimer(ITIMER_REAL, &it, NULL) ? -errno : 0;
}

static void disarm_alarm(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_IGN);
}

/* A relative WAIT interrupted by a handler without SA_RESTART fails with EINTR. */
TEST_F(notify, wait_relative_eintr)
{
	__u64 seq = cur_seq(self->fd, 0);
	uint64_t t0;
	int ret;

	ASSERT_EQ(0, arm_alarm(false, 100, 0));
	t0 = now_ns();
	ret = sd_wait(self->fd, 0, 0, &seq, 10 * SEC);
	disarm_alarm();
	EXPECT_EQ(-EINTR, ret);
	EXPECT_EQ(1, signals_seen);
	EXPECT_LT(now_ns() - t0, 5 * SEC);
}

/* A relative WAIT fails with EINTR even when the handler has SA_RESTART. */
TEST_F(notify, wait_relative_eintr_sa_restart)
{
	__u64 seq = cur_seq(self->fd, 0);
	uint64_t t0;
	int ret;

	ASSERT_EQ(0, arm_alarm(true, 100, 0));
	t0 = now_ns();
	ret = sd_wait(self->fd, 0, 0, &seq, 10 * SEC);
	disarm_alarm();
	EXPECT_EQ(-EINTR, ret);
	EXPECT_EQ(1, signals_seen);
	EXPECT_LT(now_ns() - t0, 5 * SEC);
}

/* An absolute WAIT interrupted by a handler without SA_RESTART fails with EINTR. */
TEST_F(notify, wait_abstime_eintr_without_restart)
{
	__u64 seq = cur_seq(self->fd, 0);
	uint64_t deadline;
	int ret;

	ASSERT_EQ(0, arm_alarm(false, 100, 0));
	deadline = now_ns() + 10 * SEC;
	ret = sd_wait(self->fd, 0, SHMDEV_WAIT_ABSTIME, &seq, deadline);
	disarm_alarm();
	EXPECT_EQ(-EINTR, ret);
	EXPECT_EQ(1, signals_seen);
	EXPECT_LT(now_ns() + 5 * SEC, deadline);
}

/*
 * An absolute WAIT with SA_RESTART signals arriving every 50 ms is
 * restarted and still fails with ETIMEDOUT at its original deadline.
 */
TEST_F(notify, wait_abstime_sa_restart_keeps_deadline)
{
	__u64 cur = cur_seq(self->fd, 0), seq = cur;
	uint64_t deadline, end;
	int ret;

	ASSERT_EQ(0, arm_alarm(true, 50, 50));
	deadline = now_ns() + 600 * MS;
	ret = sd_wait(self->fd, 0, SHMDEV_WAIT_ABSTIME, &seq, deadline);
	end = now_ns();
	disarm_alarm();
	EXPECT_EQ(-ETIMEDOUT, ret);
	EXPECT_EQ(cur, seq);
	EXPECT_GE(signals_seen, 3);
	EXPECT_GE(end, deadline);
	/* restarting must not push the deadline out */
	EXPECT_LT(end - deadline, 450 * MS) TH_LOG("woke %llu ms late",
		(unsigned long long)((end - deadline) / MS));
}

/* Read a /proc file of thread @tid of @pid into @buf; its length or -1. */
static int read_task_file(pid_t pid, pid_t tid, const char *file,
			  char *buf, size_t len)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)pid, (int)tid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/*
 * Whether thread @tid of @pid sleeps in WAIT: state S (interruptible
 * sleep) in /proc/PID/task/TID/stat, with a function of the module as its
 * wchan (which one depends on the compiler's inlining).  @how receives
 * "state wchan" for the log.
 */
static bool asleep_in_wait(pid_t pid, pid_t tid, char how[96])
{
	char stat[512], wchan[64] = "?";
	const char *paren;
	char state = '?';

	if (read_task_file(pid, tid, "stat", stat, sizeof(stat)) > 0) {
		paren = strrchr(stat, ')');
		if (paren && paren[1] == ' ')
			state = paren[2];
	}
	read_task_file(pid, tid, "wchan", wchan, sizeof(wchan));
	snprintf(how, 96, "%c %s", state, wchan);
	return state == 'S' && !strncmp(wchan, "shmdev_", 7);
}

/* Poll (10 s at most) until thread @tid of @pid sleeps in WAIT. */
static bool wait_until_asleep(pid_t pid, pid_t tid, char how[96])
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (asleep_in_wait(pid, tid, how))
			return true;
		usleep(10000);
	}
	return false;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * Fork a child that WAITs on channel @ch of @fd (an attached file it
 * inherits) for @seq to change, and exits with the result: 0, or 100 +
 * errno; 90 if the sequence it reports is not @want.  With @usr1, the
 * child first installs a SIGUSR1 handler with SA_RESTART; otherwise it
 * has no handler at all.
 */
static pid_t wait_in_child(int fd, __u32 ch, __u32 flags, __u64 seq,
			   __u64 timeout_ns, __u64 want, bool usr1)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	pid_t pid = fork();
	int ret;

	if (pid == 0) {
		sigemptyset(&sa.sa_mask);
		if (usr1 && sigaction(SIGUSR1, &sa, NULL))
			_exit(91);
		ret = sd_wait(fd, ch, flags, &seq, timeout_ns);
		if (ret)
			_exit(100 - ret);
		_exit(seq == want ? 0 : 90);
	}
	return pid;
}

/*
 * DESTROY only removes the name: a WAIT sleeping on the region sleeps
 * on, and a NOTIFY through another file attached before the DESTROY
 * ends it with the new sequence.
 */
TEST_F(notify, wait_sleeps_on_after_destroy)
{
	__u64 cur = cur_seq(self->fd, 1), seq;
	int fd2 = other_fd(self);
	char how[96];
	pid_t pid;

	ASSERT_GE(fd2, 0);
	pid = wait_in_child(self->fd, 1, 0, cur, 60 * SEC, cur + 1, false);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(wait_until_asleep(pid, pid, how)) TH_LOG("waiter: %s", how);
	ASSERT_EQ(0, sd_destroy_id(fd2, self->id));
	EXPECT_TRUE(asleep_in_wait(pid, pid, how)) TH_LOG("after DESTROY: %s", how);
	EXPECT_EQ(0, waitpid(pid, NULL, WNOHANG));
	ASSERT_EQ(0, sd_notify(fd2, 1, &seq));
	EXPECT_EQ(cur + 1, seq);
	EXPECT_EQ(0, reap(pid));
	close(fd2);
}

struct closed_wait {
	int fd;
	__u64 seq;
	__u64 timeout_ns;
	pid_t tid;
	int ret;
};

static void *closed_wait_thread(void *arg)
{
	struct closed_wait *w = arg;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	w->ret = sd_wait(w->fd, 0, 0, &w->seq, w->timeout_ns);
	return NULL;
}

static __u32 nr_attached(int fd)
{
	struct shmdev_info info;

	return sd_info(fd, &info) ? ~0U : info.nr_attached;
}

/*
 * close() of the fd a thread WAITs on, from another thread, does not
 * interrupt the WAIT: the call holds its own reference to the file
 * (still attached until it returns), and it ends at its timeout with
 * ETIMEDOUT and the unchanged sequence.
 */
TEST_F(notify, wait_survives_close_of_its_fd)
{
	struct closed_wait w = { .timeout_ns = 3 * SEC };
	int fd2 = other_fd(self);
	pthread_t thread;
	uint64_t t0;
	char how[96];
	pid_t tid;
	int i;

	ASSERT_GE(fd2, 0);
	w.fd = shmdev_open(O_RDWR);
	ASSERT_GE(w.fd, 0);
	ASSERT_EQ(0, sd_attach_name(w.fd, self->name, 0, NULL));
	w.seq = cur_seq(fd2, 0);
	ASSERT_EQ(3U, nr_attached(fd2));
	t0 = now_ns();
	ASSERT_EQ(0, pthread_create(&thread, NULL, closed_wait_thread, &w));
	for (i = 0; i < 1000 && !__atomic_load_n(&w.tid, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	tid = __atomic_load_n(&w.tid, __ATOMIC_ACQUIRE);
	ASSERT_GT(tid, 0);
	ASSERT_TRUE(wait_until_asleep(getpid(), tid, how)) TH_LOG("waiter: %s", how);
	EXPECT_EQ(0, close(w.fd));
	EXPECT_TRUE(asleep_in_wait(getpid(), tid, how)) TH_LOG("after close: %s", how);
	EXPECT_EQ(3U, nr_attached(fd2));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(-ETIMEDOUT, w.ret);
	EXPECT_EQ(cur_seq(fd2, 0), w.seq);
	EXPECT_GE(now_ns() - t0, w.timeout_ns);
	EXPECT_EQ(2U, nr_attached(fd2));
	close(fd2);
}

/* voluntary_ctxt_switches of process @pid's main thread, or -1. */
static long task_nvcsw(pid_t pid)
{
	char buf[2048], *p;

	if (read_task_file(pid, pid, "status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nvoluntary_ctxt_switches:");
	return p ? strtol(p + 25, NULL, 10) : -1;
}

/*
 * Interrupt a process sleeping in a WAIT with the given timeout: with
 * SIGSTOP, stop it and continue it (SIGCONT), with no handler installed;
 * with SIGUSR1, signal its SA_RESTART handler.  If it goes back to sleep
 * in WAIT, NOTIFY the channel from this process.  Returns the waiter's
 * exit code (see wait_in_child()).
 */
static int interrupt_waiter(struct __test_metadata *_metadata,
			    FIXTURE_DATA(notify) *self, __u32 flags,
			    __u64 timeout_ns, int sig)
{
	__u64 cur = cur_seq(self->fd, 2);
	int status = 0, i;
	long nvcsw = -1;
	char how[96];
	pid_t pid;

	pid = wait_in_child(self->fd, 2, flags, cur, timeout_ns, cur + 1,
			    sig == SIGUSR1);
	EXPECT_GT(pid, 0);
	if (pid <= 0)
		return -1;
	EXPECT_TRUE(wait_until_asleep(pid, pid, how)) TH_LOG("waiter: %s", how);
	if (sig == SIGSTOP) {
		EXPECT_EQ(0, kill(pid, SIGSTOP));
		EXPECT_EQ(pid, waitpid(pid, &status, WUNTRACED));
		EXPECT_TRUE(WIFSTOPPED(status));
		EXPECT_EQ(0, kill(pid, SIGCONT));
	} else {
		nvcsw = task_nvcsw(pid);
		EXPECT_EQ(0, kill(pid, sig));
	}
	/*
	 * Wait until it has returned, or sleeps in WAIT again (a new sleep:
	 * after a stop, or with more voluntary switches than before).
	 */
	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (asleep_in_wait(pid, pid, how) && task_nvcsw(pid) > nvcsw)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, sd_notify(self->fd, 2, NULL));
	return reap(pid);
}

/* A relative WAIT whose process is stopped and continued fails with EINTR. */
TEST_F(notify, wait_relative_eintr_on_stop_cont)
{
	EXPECT_EQ(100 + EINTR, interrupt_waiter(_metadata, self, 0, 60 * SEC, SIGSTOP));
}

/* An absolute WAIT is restarted across a stop and continue, then woken by NOTIFY. */
TEST_F(notify, wait_abstime_restarts_after_stop_cont)
{
	EXPECT_EQ(0, interrupt_waiter(_metadata, self, SHMDEV_WAIT_ABSTIME,
				      now_ns() + 60 * SEC, SIGSTOP));
}

/* A WAIT without limit is restarted across a stop and continue, then woken by NOTIFY. */
TEST_F(notify, wait_forever_restarts_after_stop_cont)
{
	EXPECT_EQ(0, interrupt_waiter(_metadata, self, 0, SHMDEV_WAIT_FOREVER, SIGSTOP));
}

/* A WAIT without limit is restarted after an SA_RESTART handler, then woken by NOTIFY. */
TEST_F(notify, wait_forever_sa_restart_restarted)
{
	EXPECT_EQ(0, interrupt_waiter(_metadata, self, 0, SHMDEV_WAIT_FOREVER, SIGUSR1));
}

#define PINGPONG_ROUNDS	100000

/*
 * Side @me NOTIFYs channel @me and then WAITs for channel !me to advance,
 * @rounds times (the ponger waits first).  Each wait must see the peer's
 * sequence advance by exactly one.  Returns 0 or a failure code.
 */
static int pingpong(int fd, int me, __u64 base_mine, __u64 base_peer, int rounds)
{
	__u64 peer = base_peer, seq;
	int i, ret;

	for (i = 0; i < rounds; i++) {
		if (me == 1) {
			do {
				seq = peer;
				ret = sd_wait(fd, 0, 0, &seq, 30 * SEC);
			} while (ret == -EINTR);
			if (ret)
				return 10;
			if (seq != peer + 1)
				return 11;
			peer = seq;
		}
		ret = sd_notify(fd, me, &seq);
		if (ret)
			return 12;
		if (seq != base_mine + i + 1)
			return 13;
		if (me == 0) {
			do {
				seq = peer;
				ret = sd_wait(fd, 1, 0, &seq, 30 * SEC);
			} while (ret == -EINTR);
			if (ret)
				return 14;
			if (seq != peer + 1)
				return 15;
			peer = seq;
		}
	}
	return 0;
}

/* 100000 NOTIFY/WAIT ping-pong rounds between two processes lose no wakeup; both seqs end at +100000. */
TEST_F_TIMEOUT(notify, pingpong_no_lost_wakeups, 300)
{
	struct shmdev_info info;
	__u64 base0, base1;
	uint64_t t0 = now_ns();
	pid_t pid;

	base0 = cur_seq(self->fd, 0);
	base1 = cur_seq(self->fd, 1);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = other_fd(self);

		_exit(fd < 0 ? 2 : pingpong(fd, 1, base1, base0, PINGPONG_ROUNDS));
	}
	EXPECT_EQ(0, pingpong(self->fd, 0, base0, base1, PINGPONG_ROUNDS));
	EXPECT_EQ(0, reap_status(pid));
	ASSERT_EQ(0, sd_info(self->fd, &info));
	EXPECT_EQ(base0 + PINGPONG_ROUNDS, info.seq[0]);
	EXPECT_EQ(base1 + PINGPONG_ROUNDS, info.seq[1]);
	EXPECT_EQ(0ULL, base0);
	EXPECT_EQ(0ULL, base1);
	TH_LOG("%d rounds in %llu ms", PINGPONG_ROUNDS,
	       (unsigned long long)((now_ns() - t0) / MS));
}

/* A freshly attached fd is not readable even when channels have advanced before; the notifier's fd is. */
TEST_F(notify, poll_fresh_attach_not_readable)
{
	int fd2;

	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	ASSERT_EQ(0, sd_notify(self->fd, 3, NULL));
	fd2 = other_fd(self);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, readable(fd2, 0));
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);
	close(fd2);
}

/* A fresh region's creator fd is not readable. */
TEST_F(notify, poll_new_region_not_readable)
{
	EXPECT_EQ(0, readable(self->fd, 0));
}

/* After another process NOTIFYs, poll reports POLLIN; ACK of that channel clears it. */
TEST_F(notify, poll_readable_after_other_process_notify)
{
	__u64 pending = 0;

	ASSERT_EQ(0, readable(self->fd, 0));
	ASSERT_EQ(0, reap_status(notify_later(self, 3, 0)));
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);
	ASSERT_EQ(0, sd_ack(self->fd, 1ULL << 3, &pending));
	EXPECT_EQ(1ULL << 3, pending);
	EXPECT_EQ(0, readable(self->fd, 0));
}

/* ACK's pending mask lists every advanced channel; only ACKed channels stop counting. */
TEST_F(notify, ack_pending_mask)
{
	__u64 pending = ~0ULL;
	int fd2 = other_fd(self);

	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, sd_notify(fd2, 1, NULL));
	ASSERT_EQ(0, sd_notify(fd2, 1, NULL));
	ASSERT_EQ(0, sd_notify(fd2, 2, NULL));

	ASSERT_EQ(0, sd_ack(self->fd, 0, &pending));	/* acknowledges nothing */
	EXPECT_EQ((1ULL << 1) | (1ULL << 2), pending);
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);

	ASSERT_EQ(0, sd_ack(self->fd, 1ULL << 1, &pending));
	EXPECT_EQ((1ULL << 1) | (1ULL << 2), pending);
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);

	ASSERT_EQ(0, sd_ack(self->fd, 1ULL << 2, &pending));
	EXPECT_EQ(1ULL << 2, pending);
	EXPECT_EQ(0, readable(self->fd, 0));

	ASSERT_EQ(0, sd_ack(self->fd, 0xf, &pending));
	EXPECT_EQ(0ULL, pending);
	/* the notifier's own fd is still readable: ACK state is per file */
	EXPECT_EQ(POLLIN, readable(fd2, 0) & POLLIN);
	close(fd2);
}

/* ACK with bits at or above nr_channels fails with EINVAL and acknowledges nothing. */
TEST_F(notify, ack_bits_beyond_channels_einval)
{
	static const __u64 bad[] = { 1ULL << NCH, (1ULL << NCH) | 1, 1ULL << 63, ~0ULL };
	__u64 pending;
	size_t i;

	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(-EINVAL, sd_ack(self->fd, bad[i], NULL)) TH_LOG("mask 0x%llx",
			(unsigned long long)bad[i]);
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);
	ASSERT_EQ(0, sd_ack(self->fd, 1, &pending));
	EXPECT_EQ(1ULL, pending);
}

/* With 64 channels every ACK bit is valid. */
TEST_F(notify, ack_all_64_channels)
{
	char name[SHMDEV_NAME_MAX];
	__u64 pending = 0, id = 0;
	int fd;

	shmdev_name(name, "ack64");
	fd = sd_new_region(name, page_size(), 64, 0600, &id);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_notify(fd, 63, NULL));
	ASSERT_EQ(0, sd_notify(fd, 0, NULL));
	EXPECT_EQ(0, sd_ack(fd, ~0ULL, &pending));
	EXPECT_EQ((1ULL << 63) | 1, pending);
	EXPECT_EQ(0, readable(fd, 0));
	EXPECT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
}

/* A NOTIFY after ACK makes the fd readable again. */
TEST_F(notify, notify_after_ack_readable_again)
{
	__u64 pending;

	ASSERT_EQ(0, sd_notify(self->fd, 2, NULL));
	ASSERT_EQ(0, sd_ack(self->fd, 0xf, &pending));
	EXPECT_EQ(0, readable(self->fd, 0));
	ASSERT_EQ(0, reap_status(notify_later(self, 2, 0)));
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);
	ASSERT_EQ(0, sd_ack(self->fd, 0xf, &pending));
	EXPECT_EQ(1ULL << 2, pending);
}

/* A blocking poll() sleeps until another process NOTIFYs. */
TEST_F(notify, poll_blocks_until_notify)
{
	uint64_t t0 = now_ns();
	pid_t pid = notify_later(self, 1, 200);

	ASSERT_GT(pid, 0);
	EXPECT_EQ(POLLIN, readable(self->fd, 20000) & POLLIN);
	EXPECT_GE(now_ns() - t0, 100 * MS);
	EXPECT_EQ(0, reap_status(pid));
}

static int epoll_events(int ep, int timeout_ms, uint32_t *events)
{
	struct epoll_event ev[2];
	int n = epoll_wait(ep, ev, 2, timeout_ms);

	if (n > 0)
		*events = ev[0].events;
	return n;
}

/* Level-triggered epoll reports EPOLLIN until the channel is ACKed. */
TEST_F(notify, epoll_level_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN };
	uint32_t events = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	pid_t pid;

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	EXPECT_EQ(0, epoll_events(ep, 0, &events));
	pid = notify_later(self, 0, 100);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(1, epoll_events(ep, 20000, &events));
	EXPECT_EQ((uint32_t)EPOLLIN, events & EPOLLIN);
	EXPECT_EQ(0, reap_status(pid));
	EXPECT_EQ(1, epoll_events(ep, 0, &events));	/* still pending */
	ASSERT_EQ(0, sd_ack(self->fd, 1, NULL));
	EXPECT_EQ(0, epoll_events(ep, 0, &events));
	close(ep);
}

/* Edge-triggered epoll reports each NOTIFY once. */
TEST_F(notify, epoll_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	uint32_t events = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	pid_t pid;

	ASSERT_GE(ep, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->fd, &ev));
	pid = notify_later(self, 1, 100);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(1, epoll_events(ep, 20000, &events));
	EXPECT_EQ((uint32_t)EPOLLIN, events & EPOLLIN);
	EXPECT_EQ(0, reap_status(pid));
	EXPECT_EQ(0, epoll_events(ep, 0, &events));	/* edge already consumed */
	ASSERT_EQ(0, reap_status(notify_later(self, 1, 0)));
	EXPECT_EQ(1, epoll_events(ep, 0, &events));
	EXPECT_EQ(0, epoll_events(ep, 0, &events));
	close(ep);
}

/*
 * epoll queues on a file once, at EPOLL_CTL_ADD.  A file added before it
 * is attached reports EPOLLERR, and after ATTACH a blocking epoll_wait()
 * must still be woken by another process's NOTIFY.
 */
TEST_F(notify, epoll_added_before_attach_woken_by_notify)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int fd = shmdev_open(O_RDWR);
	uint32_t events = 0;
	pid_t pid;

	ASSERT_GE(ep, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(1, epoll_events(ep, 0, &events));
	EXPECT_EQ((uint32_t)EPOLLERR, events);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, 0, NULL));
	EXPECT_EQ(0, epoll_events(ep, 0, &events));
	pid = notify_later(self, 2, 200);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(1, epoll_events(ep, 20000, &events));
	EXPECT_EQ((uint32_t)EPOLLIN, events & EPOLLIN);
	EXPECT_EQ(0, reap_status(pid));
	close(ep);
	close(fd);
}

/* The same for poll(): a file polled before ATTACH, then after it. */
TEST_F(notify, poll_before_attach_then_woken_by_notify)
{
	int fd = shmdev_open(O_RDWR);
	pid_t pid;

	ASSERT_GE(fd, 0);
	EXPECT_EQ(POLLERR, readable(fd, 0));
	ASSERT_EQ(0, sd_attach_name(fd, self->name, 0, NULL));
	EXPECT_EQ(0, readable(fd, 0));
	pid = notify_later(self, 3, 200);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(POLLIN, readable(fd, 20000) & POLLIN);
	EXPECT_EQ(0, reap_status(pid));
	close(fd);
}

/* ------------------------------------------------ WAITV */

/* WAITV returns at once with exactly the mask's channels that moved past the caller's sequences. */
TEST_F(notify, waitv_advanced_mask_at_once)
{
	__u64 seqs[NCH] = { 0 }, adv = 0;

	ASSERT_EQ(0, sd_notify(self->fd, 1, NULL));
	ASSERT_EQ(0, sd_notify(self->fd, 3, NULL));
	EXPECT_EQ(0, sd_waitv(self->fd, 0xf, seqs, SHMDEV_WAIT_FOREVER, &adv));
	EXPECT_EQ(0xaULL, adv);
	EXPECT_EQ(0, sd_waitv(self->fd, 0x3, seqs, SHMDEV_WAIT_FOREVER, &adv));
	EXPECT_EQ(0x2ULL, adv);
	seqs[1] = 1;
	EXPECT_EQ(0, sd_waitv(self->fd, 0xf, seqs, 0, &adv));
	EXPECT_EQ(0x8ULL, adv);
}

/* WAITV with no channel moved and timeout 0 fails with ETIMEDOUT, advanced written as 0. */
TEST_F(notify, waitv_zero_timeout_etimedout)
{
	__u64 seqs[NCH] = { 0 }, adv = 99;

	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	EXPECT_EQ(-ETIMEDOUT, sd_waitv(self->fd, 0xe, seqs, 0, &adv));
	EXPECT_EQ(0ULL, adv);
}

/* WAITV with an absolute deadline in the past fails with ETIMEDOUT at once. */
TEST_F(notify, waitv_abstime_past_etimedout)
{
	__u64 seqs[NCH] = { 0 };
	struct shmdev_waitv w;

	memset(&w, 0, sizeof(w));
	w.channels = 0x3;
	w.seqs_ptr = (uintptr_t)seqs;
	w.flags = SHMDEV_WAIT_ABSTIME;
	w.timeout_ns = now_ns() - 1;
	EXPECT_EQ(-ETIMEDOUT, ret_errno(ioctl(self->fd, SHMDEV_IOC_WAITV, &w)));
	EXPECT_EQ(0ULL, w.advanced);
}

/* A WAITV sleeping on channels 1 and 2 is woken by another process's NOTIFY of channel 2. */
TEST_F(notify, waitv_woken_by_any_mask_channel)
{
	__u64 seqs[NCH] = { 0 }, adv = 0;
	uint64_t t0 = now_ns();
	pid_t pid = notify_later(self, 2, 200);

	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, sd_waitv(self->fd, 0x6, seqs, 20000 * MS, &adv));
	EXPECT_EQ(0x4ULL, adv);
	EXPECT_GE(now_ns() - t0, 100 * MS);
	EXPECT_EQ(0, reap_status(pid));
}

/* A NOTIFY of a channel outside the mask does not end a WAITV: it times out. */
TEST_F(notify, waitv_ignores_other_channels)
{
	__u64 seqs[NCH] = { 0 }, adv = 99;
	uint64_t t0 = now_ns();
	pid_t pid = notify_later(self, 0, 50);

	ASSERT_GT(pid, 0);
	EXPECT_EQ(-ETIMEDOUT, sd_waitv(self->fd, 0xe, seqs, 400 * MS, &adv));
	EXPECT_EQ(0ULL, adv);
	EXPECT_GE(now_ns() - t0, 300 * MS);
	EXPECT_EQ(0, reap_status(pid));
	EXPECT_EQ(1ULL, cur_seq(self->fd, 0));
}

/* A sleeping WAITV counts once in waiters of each channel of its mask, and of no other. */
TEST_F(notify, waitv_counts_in_each_mask_channel)
{
	struct shmdev_ctl_page *ctl = sd_ctl_map(self->fd);
	pid_t pid;

	ASSERT_NE(MAP_FAILED, ctl);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		__u64 seqs[NCH] = { 0 }, adv = 0;

		if (sd_waitv(self->fd, 0x5, seqs, 20000 * MS, &adv))
			_exit(1);
		_exit(adv == 0x1 ? 0 : 2);
	}
	EXPECT_EQ(1u, sd_ctl_await_waiters(ctl, 0, 1, 5000));
	EXPECT_EQ(1u, sd_ctl_await_waiters(ctl, 2, 1, 1000));
	EXPECT_EQ(0u, sd_ctl_waiters(ctl, 1));
	EXPECT_EQ(0u, sd_ctl_waiters(ctl, 3));
	ASSERT_EQ(0, sd_post(self->fd, 0));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0u, sd_ctl_await_waiters(ctl, 0, 0, 1000));
	EXPECT_EQ(0u, sd_ctl_await_waiters(ctl, 2, 0, 1000));
	munmap(ctl, page_size());
}

/* ------------------------------------------------ POLL_MASK */

/* A file starts with every channel selected; POLL_MASK reports the mask it replaces. */
TEST_F(notify, poll_mask_default_all_previous)
{
	__u64 prev = 0;

	ASSERT_EQ(0, sd_poll_mask(self->fd, 0x2, &prev));
	EXPECT_EQ((1ULL << NCH) - 1, prev);
	ASSERT_EQ(0, sd_poll_mask(self->fd, 0, &prev));
	EXPECT_EQ(0x2ULL, prev);
	ASSERT_EQ(0, sd_poll_mask(self->fd, 0x9, &prev));
	EXPECT_EQ(0ULL, prev);
}

/* The file's own NOTIFY of an unselected channel leaves it unreadable; of a selected one, readable. */
TEST_F(notify, poll_mask_own_notify_unselected)
{
	ASSERT_EQ(0, sd_poll_mask(self->fd, 0x2, NULL));
	ASSERT_EQ(0, sd_notify(self->fd, 0, NULL));
	ASSERT_EQ(0, sd_post(self->fd, 3));
	EXPECT_EQ(0, readable(self->fd, 0));
	ASSERT_EQ(0, sd_notify(self->fd, 1, NULL));
	EXPECT_EQ(POLLIN, readable(self->fd, 0) & POLLIN);
}

/* A poller blocked on an unselected channel is not woken by its NOTIFY; a selected one wakes it. */
TEST_F(notify, poll_mask_sleeping_poller)
{
	pid_t pid;

	ASSERT_EQ(0, sd_poll_mask(self->fd, 0x2, NULL));
	pid = notify_later(self, 0, 50);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, readable(self->fd, 400));
	EXPECT_EQ(0, reap_status(pid));
	pid = notify_later(self, 1, 100);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(POLLIN, readable(self->fd, 20000) & POLLIN);
	EXPECT_EQ(0, reap_status(pid));
}

/* With mask 0 a file never polls readable, and ACK still reports every advanced channel. */
TEST_F(notify, poll_mask_zero_never_readable_ack_unchanged)
{
	__u64 pending = 0;
	int ch;

	ASSERT_EQ(0, sd_poll_mask(self->fd, 0, NULL));
	for (ch = 0; ch < NCH; ch++)
		ASSERT_EQ(0, sd_notify(self->fd, ch, NULL));
	EXPECT_EQ(0, readable(self->fd, 0));
	ASSERT_EQ(0, sd_ack(self->fd, (1ULL << NCH) - 1, &pending));
	EXPECT_EQ((1ULL << NCH) - 1, pending);
}

/* A polled file counts in waiters of its selected channels only, and follows a new mask. */
TEST_F(notify, poll_mask_waiters_follow_mask)
{
	struct shmdev_ctl_page *ctl = sd_ctl_map(self->fd);
	int fd2 = other_fd(self);

	ASSERT_NE(MAP_FAILED, ctl);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, sd_poll_mask(fd2, 0x2, NULL));
	EXPECT_EQ(0u, sd_ctl_waiters(ctl, 1));	/* not polled yet */
	EXPECT_EQ(0, readable(fd2, 0));
	EXPECT_EQ(1u, sd_ctl_waiters(ctl, 1));
	EXPECT_EQ(0u, sd_ctl_waiters(ctl, 0));
	ASSERT_EQ(0, sd_poll_mask(fd2, 0x1, NULL));
	EXPECT_EQ(0u, sd_ctl_waiters(ctl, 1));
	EXPECT_EQ(1u, sd_ctl_waiters(ctl, 0));
	close(fd2);
	EXPECT_EQ(0u, sd_ctl_await_waiters(ctl, 0, 0, 1000));
	munmap(ctl, page_size());
}

SHMDEV_HARNESS_MAIN
