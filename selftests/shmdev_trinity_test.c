// SPDX-License-Identifier: GPL-2.0
/*
 * Run Debian's trinity system-call fuzzer against /dev/shmdev.
 *
 * Skipped unless /usr/bin/trinity exists.  trinity refuses to run as
 * root, so the child drops to nobody (65534) in a scratch directory under
 * /tmp, with /dev/shmdev as its only victim file (-V) and the system
 * calls that reach a character device and its mappings (-c).  It runs for
 * SHMDEV_STRESS_SECONDS (default 10): trinity stops itself after an
 * operation cap (-N), gets SIGINT at the deadline and SIGKILL (its whole
 * session) 30 s later.
 *
 * Pass: trinity ran operations (the sum of its --stats "attempted:"
 * counts, or its "iterations" / "exited after N operations" lines, must
 * be above zero), and /dev/shmdev still works afterwards (create, map,
 * write, read, destroy; LIST and the sysfs counters back at the
 * baseline).  Kernel reports are judged by the rig from dmesg.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/resource.h>

#include "shmdev_common.h"

#define TRINITY		"/usr/bin/trinity"
#define NOBODY		65534

static const char *const trinity_syscalls[] = {
	"ioctl", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync",
	"read", "write", "close", "poll", "ppoll", "select",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
};

/* Largest of the operation counts trinity printed, 0 if none. */
static unsigned long long trinity_ops(const char *out)
{
	unsigned long long attempted = 0, best = 0, v;
	const char *p;

	for (p = out; (p = strstr(p, "attempted:")); p++)
		attempted += strtoull(p + 10, NULL, 10);
	for (p = out; (p = strstr(p, " iterations.")); p++) {
		const char *q = p;

		while (q > out && q[-1] >= '0' && q[-1] <= '9')
			q--;
		v = strtoull(q, NULL, 10);
		if (v > best)
			best = v;
	}
	for (p = out; (p = strstr(p, "exited after ")); p++) {
		v = strtoull(p + 13, NULL, 10);
		best += v;
	}
	return attempted > best ? attempted : best;
}

/* Destroy every region that is not in @base (trinity may have made some). */
static int destroy_new_regions(const __u64 *base, __u32 nbase)
{
	__u64 ids[1024];
	__u32 n = 0, i, j;
	int fd = shmdev_open(O_RDWR), extra = 0;

	if (fd < 0)
		return -1;
	if (sd_list(fd, ids, 1024, &n) == 0) {
		for (i = 0; i < n && i < 1024; i++) {
			for (j = 0; j < nbase; j++)
				if (base[j] == ids[i])
					break;
			if (j == nbase) {
				sd_destroy_id(fd, ids[i]);
				extra++;
			}
		}
	}
	close(fd);
	return extra;
}

FIXTURE(trinity) {
	char dir[64];
	pid_t pid;
};

FIXTURE_SETUP(trinity)
{
	self->pid = 0;
	self->dir[0] = 0;
	if (access(TRINITY, X_OK))
		SKIP(return, TRINITY " not installed in this guest");
	strcpy(self->dir, "/tmp/shmdev-trinity.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, chown(self->dir, NOBODY, NOBODY));
}

/* In the parent: whatever happened, no trinity process may survive. */
FIXTURE_TEARDOWN_PARENT(trinity)
{
	char cmd[128];

	if (self->pid > 0) {
		kill(-self->pid, SIGKILL);
		kill(self->pid, SIGKILL);
	}
	if (self->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
		if (system(cmd))
			TH_LOG("could not remove %s", self->dir);
	}
}

/*
 * Debian's trinity (1.9+git20230109) segfaults in its start-up while it
 * builds socket file descriptors (on a first run in a directory, and on
 * every run in some guests); its perf descriptors fail to initialise in
 * the guest.  Neither is what is being fuzzed: the victim is /dev/shmdev.
 */
#define TRINITY_FDS	"--disable-fds=sockets,perf"

/*
 * Run trinity once on a harmless syscall before the real run, so that any
 * per-directory cache it writes exists.  Returns trinity's wait status.
 */
static int trinity_warmup(const char *dir)
{
	char *const argv[] = { TRINITY, "-q", "-N", "20", "-C", "1",
			       "-cgetpid", TRINITY_FDS, NULL };
	char *const envp[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", NULL };
	int status = -1, i;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		setsid();
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (chdir(dir) || setgroups(0, NULL) ||
		    setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(126);
		execve(TRINITY, argv, envp);
		_exit(127);
	}
	for (i = 0; i < 600; i++) {	/* 60 s at most */
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(100000);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

TEST_F_TIMEOUT(trinity, fuzz_shmdev_unprivileged, 900)
{
	const char *env = getenv("SHMDEV_STRESS_SECONDS");
	long secs = env && *env ? strtol(env, NULL, 0) : 10;
	char *argv[64], nops[32], *out;
	size_t outlen = 1 << 20, got = 0;
	unsigned long long ops;
	long long regions0, bytes0;
	__u64 base[1024], id = 0;
	__u32 nbase = 0;
	int pfd[2], status = 0, argc = 0, fd, extra, attempts = 0;
	pid_t pid;
	uint64_t t0, deadline, killtime;
	bool sent_int = false, sent_kill = false;
	unsigned int i;
	char name[SHMDEV_NAME_MAX];
	char *p, *m;

	if (secs < 1)
		secs = 1;
	regions0 = sd_regions();
	bytes0 = sd_bytes_in_use();
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_list(fd, base, 1024, &nbase));
	close(fd);

	/* A generous cap: the deadline is what normally ends the run. */
	snprintf(nops, sizeof(nops), "-N%ld", secs * 50000);
	argv[argc++] = TRINITY;
	argv[argc++] = "-q";
	argv[argc++] = "--stats";
	argv[argc++] = "-loff";
	argv[argc++] = "-V" SHMDEV_DEV;
	argv[argc++] = "-C2";
	argv[argc++] = "--arch=64";
	argv[argc++] = TRINITY_FDS;
	argv[argc++] = nops;
	for (i = 0; i < sizeof(trinity_syscalls) / sizeof(trinity_syscalls[0]); i++) {
		static char buf[32][32];

		snprintf(buf[i], sizeof(buf[i]), "-c%s", trinity_syscalls[i]);
		argv[argc++] = buf[i];
	}
	argv[argc] = NULL;

	status = trinity_warmup(self->dir);
	TH_LOG("trinity warm-up run: wait status %#x", status);

	/* Whatever trinity signals around it, the test itself carries on. */
	signal(SIGINT, SIG_IGN);
	out = calloc(1, outlen);
	ASSERT_NE(NULL, out);
retry:
	got = 0;
	sent_int = false;
	sent_kill = false;
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	t0 = now_ns();
	/*
	 * self is shared with the harness parent (FIXTURE_TEARDOWN_PARENT):
	 * only the parent may store the pid, or the child's 0 lands there.
	 */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *const envp[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", NULL };

		signal(SIGINT, SIG_DFL);
		setsid();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		if (chdir(self->dir) || setgroups(0, NULL) ||
		    setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY)) {
			perror("dropping privileges");
			_exit(126);
		}
		execve(TRINITY, argv, envp);
		perror("exec " TRINITY);
		_exit(127);
	}
	self->pid = pid;
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	deadline = t0 + secs * 1000000000ULL;
	killtime = deadline + 30000000000ULL;
	TH_LOG("trinity as uid %d for %ld s: %s ... (%d syscalls)", NOBODY, secs,
	       nops, (int)(sizeof(trinity_syscalls) / sizeof(trinity_syscalls[0])));

	for (;;) {
		ssize_t n = read(pfd[0], out + got, outlen - 1 - got);
		pid_t w;

		if (n > 0) {
			got += n;
			if (got >= outlen - 1)	/* keep the tail: the stats come last */
				memmove(out, out + outlen / 2, got -= outlen / 2);
			continue;
		}
		w = waitpid(self->pid, &status, WNOHANG);
		if (w == self->pid) {
			/* drain what is left */
			while ((n = read(pfd[0], out + got, outlen - 1 - got)) > 0)
				got += n;
			break;
		}
		if (!sent_int && now_ns() >= deadline) {
			kill(self->pid, SIGINT);
			sent_int = true;
		}
		if (!sent_kill && now_ns() >= killtime) {
			TH_LOG("trinity did not stop 30 s after SIGINT: SIGKILL");
			kill(-self->pid, SIGKILL);
			sent_kill = true;
		}
		usleep(20000);
	}
	close(pfd[0]);
	/* Stray children of trinity, if any. */
	kill(-self->pid, SIGKILL);
	self->pid = 0;
	out[got] = 0;

	ops = trinity_ops(out);
	TH_LOG("trinity ran %.1f s, exit status %#x, %llu operations",
	       (now_ns() - t0) / 1e9, status, ops);
	/*
	 * Debian's trinity sometimes segfaults in its own start-up, while it
	 * opens its victim files, before any system call is fuzzed ("segfault
	 * at 21" in trinity-main): try again rather than blame the module.
	 */
	if (!ops && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV &&
	    ++attempts < 5) {
		TH_LOG("trinity crashed during its start-up; attempt %d", attempts + 1);
		goto retry;
	}
	/* The last lines of its output, for the log. */
	p = out + got;
	for (i = 0; i < 40 && p > out; p--)
		if (*p == '\n')
			i++;
	for (char *line = strtok(p, "\n"); line; line = strtok(NULL, "\n"))
		printf("# trinity: %s\n", line);
	fflush(stdout);
	EXPECT_LT(0ULL, ops) {
		TH_LOG("no operation count found in trinity's output");
	}

	/* Leftovers (regions trinity managed to create) go; count them. */
	extra = destroy_new_regions(base, nbase);
	if (extra)
		TH_LOG("trinity left %d region(s); destroyed", extra);

	/* The module still works. */
	shmdev_name(name, "trinity-after");
	fd = sd_new_region(name, 4 * page_size(), 2, 0600, &id);
	ASSERT_GE(fd, 0);
	m = mmap(NULL, 4 * page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, 4 * page_size(), 7);
	ASSERT_EQ(-1, check_pattern(m, 4 * page_size(), 7));
	ASSERT_EQ(0, sd_notify(fd, 1, NULL));
	ASSERT_EQ(0, munmap(m, 4 * page_size()));
	ASSERT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
	EXPECT_EQ(regions0, sysfs_settle(sd_regions, regions0));
	EXPECT_EQ(bytes0, sysfs_settle(sd_bytes_in_use, bytes0));
	printf("# trinity: seconds=%ld operations=%llu leftover_regions=%d\n", secs, ops, extra);
	fflush(stdout);
	free(out);
}

SHMDEV_HARNESS_MAIN
