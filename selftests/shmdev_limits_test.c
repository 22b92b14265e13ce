// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev accounting tests: per-user limits (RLIMIT_MEMLOCK and the
 * max_user_bytes parameter, CAP_IPC_LOCK exemption, separate budgets per
 * uid), module-wide and per-user limits under concurrent CREATEs, and
 * memory cgroup charging (charge/uncharge, memory.max without OOM kill).
 *
 * Children report through exit codes or shared memory; the harness
 * asserts only in the test process.  Parameters are restored by the
 * harness parent even if a test dies.
 */
#define _GNU_SOURCE
#include <sys/mount.h>
#include <sys/resource.h>

#include "shmdev_common.h"

#define NR_NAMES	32

/*
 * Uids of their own (not UID_A/UID_B of the other tests), so that a region
 * another test program leaked cannot eat into the budgets measured here.
 */
#define LIM_UID_A	5151
#define LIM_UID_B	5252
#define NR_RACERS	16

FIXTURE(lim) {
	long long max_user, max_total, max_regions;
	char names[NR_NAMES][SHMDEV_NAME_MAX];
	int fd;			/* open O_RDWR, never attached */
	long count0;
	long long regions0, bytes0;
	char cg[256];		/* memory cgroup made by the test, or "" */
};

FIXTURE_SETUP(lim)
{
	int i;

	self->max_user = sd_param("max_user_bytes");
	self->max_total = sd_param("max_total_bytes");
	self->max_regions = sd_param("max_regions");
	ASSERT_GT(self->max_user, 0);
	ASSERT_GT(self->max_total, 0);
	ASSERT_GT(self->max_regions, 0);
	for (i = 0; i < NR_NAMES; i++)
		shmdev_name(self->names[i], "lim");
	self->cg[0] = 0;
	self->fd = shmdev_open(O_RDWR);
	ASSERT_GE(self->fd, 0);
	self->count0 = sd_list_count(self->fd);
	self->regions0 = sd_regions();
	self->bytes0 = sd_bytes_in_use();
	ASSERT_GE(self->count0, 0);
	ASSERT_GE(self->regions0, 0);
	ASSERT_GE(self->bytes0, 0);
}

/* Runs in the harness parent: limits restored, names and cgroup removed even after a crash. */
FIXTURE_TEARDOWN_PARENT(lim)
{
	int i;

	sd_set_param("max_user_bytes", self->max_user);
	sd_set_param("max_total_bytes", self->max_total);
	sd_set_param("max_regions", self->max_regions);
	for (i = 0; i < NR_NAMES; i++)
		sd_cleanup_name(self->names[i]);
	for (i = 0; self->cg[0] && i < 100 && rmdir(self->cg) && errno == EBUSY; i++)
		usleep(20000);
}

/* Nothing was left behind: LIST, sysfs regions and bytes_in_use are back where they started. */
#define ASSERT_BACK_TO_START() do {					\
	ASSERT_EQ(self->count0, sd_list_count(self->fd));		\
	ASSERT_EQ(self->regions0, sysfs_settle(sd_regions, self->regions0)); \
	ASSERT_EQ(self->bytes0, sysfs_settle(sd_bytes_in_use, self->bytes0)); \
} while (0)

static int set_memlock(rlim_t bytes)
{
	struct rlimit rl = { bytes, bytes };

	return setrlimit(RLIMIT_MEMLOCK, &rl) ? -errno : 0;
}

static void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Create with a fresh fd; returns the fd or -errno. */
static int create_fd(const char *name, long pages)
{
	return sd_new_region(name, pages * page_size(), 1, 0600, NULL);
}

/* CREATE, retrying for up to ~2 s while it fails with @busy (a free still finishing). */
static int create_fd_settle(const char *name, long pages, int busy)
{
	int fd, i;

	for (i = 0; i < 200; i++) {
		fd = create_fd(name, pages);
		if (fd != busy)
			break;
		usleep(10000);
	}
	return fd;
}

struct lim_arg {
	char names[NR_NAMES][SHMDEV_NAME_MAX];
	rlim_t memlock;
	long pages;
};

/* ==================================================== per-user limits */

/* Child (uid A): RLIMIT_MEMLOCK 0: EPERM. */
static int memlock_zero(int fd, void *p)
{
	struct lim_arg *a = p;

	if (set_memlock(0))
		return 100;
	return -sd_create(fd, a->names[0], page_size(), 1, 0600, NULL);
}

/* Unprivileged, RLIMIT_MEMLOCK 0: CREATE fails with EPERM and leaves nothing (LIST, sysfs, name free); with CAP_IPC_LOCK it works. */
TEST_F(lim, memlock_zero_eperm)
{
	struct lim_arg a;
	int fd;

	memcpy(a.names, self->names, sizeof(a.names));
	EXPECT_EQ(EPERM, run_as(LIM_UID_A, 0, memlock_zero, &a));
	ASSERT_BACK_TO_START();
	EXPECT_EQ(-ENOENT, sd_attach_name(self->fd, a.names[0], SHMDEV_ATTACH_RDONLY, NULL));
	fd = create_fd(a.names[0], 1);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(0, sd_destroy_name(self->fd, a.names[0]));
	close(fd);
	ASSERT_BACK_TO_START();

	EXPECT_EQ(0, run_as(LIM_UID_A, 1ULL << CAP_IPC_LOCK, memlock_zero, &a));
	EXPECT_EQ(0, sd_destroy_name(self->fd, a.names[0]));
	ASSERT_BACK_TO_START();
}

/* Child (uid A, RLIMIT_MEMLOCK 0): CREATE|OPEN of names[0] (exists), then of names[1] (new). */
static int memlock_zero_open(int fd, void *p)
{
	struct lim_arg *a = p;
	struct shmdev_create c;
	int fd2, ret;

	if (set_memlock(0))
		return 100;
	ret = sd_create_full(fd, a->names[0], page_size(), 1, 0600,
			     SHMDEV_CREATE_OPEN, &c);
	if (ret)
		return 110 + (-ret & 0x3f);
	if (c.result_flags)
		return 101;
	fd2 = shmdev_open(O_RDWR);
	if (fd2 < 0)
		return 102;
	return -sd_create_full(fd2, a->names[1], page_size(), 1, 0600,
			       SHMDEV_CREATE_OPEN, NULL);
}

/*
 * RLIMIT_MEMLOCK 0 refuses only the CREATEs that make a region: CREATE|OPEN
 * of an existing region charges nothing and succeeds, of a new name EPERM.
 */
TEST_F(lim, memlock_zero_open_existing_allowed)
{
	struct lim_arg a;
	long long bytes;
	int fd;

	memcpy(a.names, self->names, sizeof(a.names));
	fd = sd_new_region(a.names[0], page_size(), 1, 0666, NULL);
	ASSERT_GE(fd, 0);
	bytes = sd_bytes_in_use();
	EXPECT_EQ(EPERM, run_as(LIM_UID_A, 0, memlock_zero_open, &a));
	EXPECT_EQ(bytes, sd_bytes_in_use());
	EXPECT_EQ(-ENOENT, sd_attach_name(self->fd, a.names[1], SHMDEV_ATTACH_RDONLY, NULL));
	EXPECT_EQ(0, sd_destroy_name(self->fd, a.names[0]));
	close(fd);
	ASSERT_BACK_TO_START();
}

/* Child (uid A, RLIMIT_MEMLOCK 16 pages): step through the budget; returns the failed step. */
static int memlock_16_pages(int fd0, void *p)
{
	struct lim_arg *a = p;
	long ps = page_size();
	char *m;
	int fd, fd2;

	close(fd0);
	if (set_memlock(16 * ps))
		return 100;
	fd = create_fd(a->names[0], 16);
	if (fd < 0)
		return 1;
	if (create_fd(a->names[1], 1) != -ENOMEM)
		return 2;
	/* exactly at the limit is fine, one byte past is not */
	m = mmap(NULL, 16 * ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 3;
	m[0] = 1;
	/* destroyed and closed but still mapped: still charged */
	if (sd_destroy_name(fd, a->names[0]))
		return 4;
	close(fd);
	if (create_fd(a->names[1], 1) != -ENOMEM)
		return 5;
	munmap(m, 16 * ps);
	/* freed: the budget is back */
	fd = create_fd_settle(a->names[1], 16, -ENOMEM);
	if (fd < 0)
		return 6;
	/* destroyed but attached: still charged */
	if (sd_destroy_name(fd, a->names[1]))
		return 7;
	if (create_fd(a->names[2], 1) != -ENOMEM)
		return 8;
	close(fd);
	fd2 = create_fd_settle(a->names[2], 1, -ENOMEM);
	if (fd2 < 0)
		return 9;
	/* 1 + 15 = 16 pages: allowed; then full */
	fd = create_fd(a->names[3], 15);
	if (fd < 0)
		return 10;
	if (create_fd(a->names[4], 1) != -ENOMEM)
		return 11;
	if (sd_destroy_name(fd, a->names[3]) || sd_destroy_name(fd, a->names[2]))
		return 12;
	close(fd);
	close(fd2);
	return 0;
}

/* RLIMIT_MEMLOCK of 16 pages: a 16-page region works, one more page fails ENOMEM until the first region is freed (destroyed-but-mapped and destroyed-but-attached still count). */
TEST_F(lim, memlock_budget_released_on_free)
{
	struct lim_arg a;

	memcpy(a.names, self->names, sizeof(a.names));
	EXPECT_EQ(0, run_as(LIM_UID_A, 0, memlock_16_pages, &a));
	ASSERT_BACK_TO_START();
}

/* Child (uid A, RLIMIT_MEMLOCK a->memlock): create regions of a->pages until failure; returns how many worked, or 100 + errno-ish. */
static int fill_budget(int fd0, void *p)
{
	struct lim_arg *a = p;
	int fds[NR_NAMES], n, ret, i;

	close(fd0);
	if (a->memlock && set_memlock(a->memlock))
		return 200;
	for (n = 0; n < NR_NAMES; n++) {
		fds[n] = create_fd(a->names[n], a->pages);
		if (fds[n] < 0)
			break;
	}
	ret = n;
	if (n == NR_NAMES)
		ret = 250;
	else if (fds[n] != -ENOMEM)
		ret = 100 + (-fds[n] & 0x7f);
	for (i = 0; i < n; i++)
		close(fds[i]);
	/* the regions stay (not destroyed): the test destroys them */
	return ret;
}

static void destroy_names(char names[][SHMDEV_NAME_MAX])
{
	int i;

	for (i = 0; i < NR_NAMES; i++)
		sd_cleanup_name(names[i]);
}

/* max_user_bytes lowered below RLIMIT_MEMLOCK: ENOMEM past max_user_bytes (8 pages: 4 regions of 2 pages, the 5th fails). */
TEST_F(lim, max_user_bytes_below_memlock)
{
	struct lim_arg a;

	memcpy(a.names, self->names, sizeof(a.names));
	ASSERT_EQ(0, sd_set_param("max_user_bytes", 8 * page_size()));
	a.memlock = 64 * page_size();
	a.pages = 2;
	EXPECT_EQ(4, run_as(LIM_UID_A, 0, fill_budget, &a));
	EXPECT_EQ(self->regions0 + 4, sd_regions());
	EXPECT_EQ(self->bytes0 + 8 * page_size(), sd_bytes_in_use());
	destroy_names(a.names);
	ASSERT_BACK_TO_START();

	/* RLIMIT_MEMLOCK below max_user_bytes: the smaller one wins */
	a.memlock = 4 * page_size();
	EXPECT_EQ(2, run_as(LIM_UID_A, 0, fill_budget, &a));
	destroy_names(a.names);
	ASSERT_BACK_TO_START();
}

/* With CAP_IPC_LOCK neither RLIMIT_MEMLOCK nor max_user_bytes applies (the regions still count in bytes_in_use). */
TEST_F(lim, cap_ipc_lock_exempt)
{
	struct lim_arg a;

	memcpy(a.names, self->names, sizeof(a.names));
	ASSERT_EQ(0, sd_set_param("max_user_bytes", 2 * page_size()));
	ASSERT_EQ(0, sd_set_param("max_regions", self->regions0 + 6));
	a.memlock = page_size();
	a.pages = 4;
	/* stopped by max_regions (ENOSPC), not by the per-user limits */
	EXPECT_EQ(100 + ENOSPC, run_as(LIM_UID_A, 1ULL << CAP_IPC_LOCK, fill_budget, &a));
	EXPECT_EQ(self->regions0 + 6, sd_regions());
	EXPECT_EQ(self->bytes0 + 24 * page_size(), sd_bytes_in_use());
	destroy_names(a.names);
	ASSERT_BACK_TO_START();
	/* without it: the same user gets nothing of 4 pages */
	EXPECT_EQ(0, run_as(LIM_UID_A, 0, fill_budget, &a));
	ASSERT_BACK_TO_START();
}

/* Two uids have separate budgets: each fills its own RLIMIT_MEMLOCK of 8 pages, and each is then refused. */
TEST_F(lim, separate_budget_per_uid)
{
	struct lim_arg a, b;
	int i;

	for (i = 0; i < NR_NAMES / 2; i++) {
		memcpy(a.names[i], self->names[i], SHMDEV_NAME_MAX);
		memcpy(b.names[i], self->names[NR_NAMES / 2 + i], SHMDEV_NAME_MAX);
	}
	for (; i < NR_NAMES; i++) {	/* never reached: 8 pages of 2 */
		memcpy(a.names[i], self->names[0], SHMDEV_NAME_MAX);
		memcpy(b.names[i], self->names[NR_NAMES / 2], SHMDEV_NAME_MAX);
	}
	a.memlock = b.memlock = 8 * page_size();
	a.pages = b.pages = 2;
	EXPECT_EQ(4, run_as(LIM_UID_A, 0, fill_budget, &a));
	EXPECT_EQ(4, run_as(LIM_UID_B, 0, fill_budget, &b));
	/* both full now: one more page each fails */
	a.pages = b.pages = 1;
	memcpy(a.names[0], self->names[5], SHMDEV_NAME_MAX);
	memcpy(b.names[0], self->names[NR_NAMES / 2 + 5], SHMDEV_NAME_MAX);
	EXPECT_EQ(0, run_as(LIM_UID_A, 0, fill_budget, &a));
	EXPECT_EQ(0, run_as(LIM_UID_B, 0, fill_budget, &b));
	EXPECT_EQ(self->regions0 + 8, sd_regions());
	for (i = 0; i < NR_NAMES; i++)
		sd_cleanup_name(self->names[i]);
	ASSERT_BACK_TO_START();
}

/* ==================================================== concurrency */

struct race {
	int result[NR_RACERS];	/* 0 or -errno */
	long long max_bytes, max_regions;	/* highest sysfs values seen */
};

struct racer_cfg {
	uid_t uid;		/* 0: stay root */
	rlim_t memlock;		/* 0: leave alone */
	long pages;
};

/*
 * Run NR_RACERS processes that block on @go, then each CREATE a region
 * (name i) at once, report, and keep it until @release closes.  The test
 * samples the sysfs counters while they run.  Returns 0 or -1.
 */
static int race_create(struct race *r, char names[][SHMDEV_NAME_MAX],
		       const struct racer_cfg *cfg)
{
	int go[2], done[2], rel[2], i, ret = 0;
	pid_t pids[NR_RACERS];
	char c;

	if (pipe(go) || pipe(done) || pipe(rel))
		return -1;
	for (i = 0; i < NR_RACERS; i++) {
		r->result[i] = 1;
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			int fd;

			close(go[1]);
			close(rel[1]);
			close(done[0]);
			if (cfg->memlock && set_memlock(cfg->memlock))
				_exit(2);
			if (cfg->uid && (setgroups(0, NULL) ||
					 setresgid(cfg->uid, cfg->uid, cfg->uid) ||
					 setresuid(cfg->uid, cfg->uid, cfg->uid)))
				_exit(3);
			fd = shmdev_open(O_RDWR);
			if (fd < 0)
				_exit(4);
			if (read(go[0], &c, 1) != 0)	/* EOF is the start signal */
				_exit(5);
			r->result[i] = sd_create(fd, names[i], cfg->pages * page_size(),
						 1, 0600, NULL);
			if (write(done[1], "d", 1) != 1)
				_exit(6);
			if (read(rel[0], &c, 1) != 0)
				_exit(7);
			close(fd);
			_exit(0);
		}
	}
	close(go[0]);
	close(rel[0]);
	close(done[1]);
	r->max_bytes = sd_bytes_in_use();
	r->max_regions = sd_regions();
	close(go[1]);		/* start */
	for (i = 0; i < NR_RACERS; ) {
		struct timespec ts = { 0, 200000 };
		long long b = sd_bytes_in_use(), n = sd_regions();
		ssize_t got;
		int fl;

		if (b > r->max_bytes)
			r->max_bytes = b;
		if (n > r->max_regions)
			r->max_regions = n;
		fl = fcntl(done[0], F_GETFL);
		fcntl(done[0], F_SETFL, fl | O_NONBLOCK);
		got = read(done[0], &c, 1);
		fcntl(done[0], F_SETFL, fl);
		if (got == 1)
			i++;
		else if (got == 0)
			break;
		else
			nanosleep(&ts, NULL);
	}
	if (i != NR_RACERS)
		ret = -1;
	close(rel[1]);		/* release */
	close(done[0]);
	for (i = 0; i < NR_RACERS; i++)
		if (reap(pids[i]) != 0)
			ret = -1;
	return ret;
}

static int count_result(const struct race *r, int want)
{
	int i, n = 0;

	for (i = 0; i < NR_RACERS; i++)
		n += r->result[i] == want;
	return n;
}

/* 16 processes CREATE at once against max_regions = current + 5: exactly 5 succeed, 11 fail ENOSPC, the count never passes the limit (10 rounds). */
TEST_F(lim, concurrent_max_regions)
{
	struct racer_cfg cfg = { .pages = 1 };
	struct race *r = shared_alloc(sizeof(*r));
	int round;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, sd_set_param("max_regions", self->regions0 + 5));
	for (round = 0; round < 10; round++) {
		ASSERT_EQ(0, race_create(r, self->names, &cfg));
		EXPECT_EQ(5, count_result(r, 0));
		EXPECT_EQ(11, count_result(r, -ENOSPC));
		EXPECT_LE(r->max_regions, self->regions0 + 5);
		destroy_names(self->names);
		ASSERT_BACK_TO_START();
	}
}

/* 16 processes CREATE 2 pages at once against max_total_bytes = current + 11 pages: exactly 5 succeed, 11 fail ENOSPC, bytes_in_use never passes the limit. */
TEST_F(lim, concurrent_max_total_bytes)
{
	struct racer_cfg cfg = { .pages = 2 };
	struct race *r = shared_alloc(sizeof(*r));
	long long limit = self->bytes0 + 11 * page_size();
	int round;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, sd_set_param("max_total_bytes", limit));
	for (round = 0; round < 10; round++) {
		ASSERT_EQ(0, race_create(r, self->names, &cfg));
		EXPECT_EQ(5, count_result(r, 0));
		EXPECT_EQ(11, count_result(r, -ENOSPC));
		EXPECT_LE(r->max_bytes, limit);
		destroy_names(self->names);
		ASSERT_BACK_TO_START();
	}
}

/* 16 processes of uid A (RLIMIT_MEMLOCK 5 pages each) CREATE 1 page at once: exactly 5 succeed, 11 fail ENOMEM; then max_user_bytes 7 pages: exactly 7. */
TEST_F(lim, concurrent_per_user_limits)
{
	struct racer_cfg cfg = { .uid = LIM_UID_A, .pages = 1 };
	struct race *r = shared_alloc(sizeof(*r));
	int round;

	ASSERT_NE(NULL, r);
	cfg.memlock = 5 * page_size();
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, race_create(r, self->names, &cfg));
		EXPECT_EQ(5, count_result(r, 0));
		EXPECT_EQ(11, count_result(r, -ENOMEM));
		EXPECT_LE(r->max_bytes, self->bytes0 + 5 * page_size());
		destroy_names(self->names);
		ASSERT_BACK_TO_START();
	}
	cfg.memlock = 64 * page_size();
	ASSERT_EQ(0, sd_set_param("max_user_bytes", 7 * page_size()));
	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, race_create(r, self->names, &cfg));
		EXPECT_EQ(7, count_result(r, 0));
		EXPECT_EQ(9, count_result(r, -ENOMEM));
		EXPECT_LE(r->max_bytes, self->bytes0 + 7 * page_size());
		destroy_names(self->names);
		ASSERT_BACK_TO_START();
	}
}

/* ==================================================== memory cgroups */

#define CG_ROOT	"/sys/fs/cgroup"
#define MiB	(1024LL * 1024)

static long long cg_read(const char *cg, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return sysfs_read_ll(path);
}

/* The value of @key in a flat-keyed file such as memory.events, or -1. */
static long long cg_read_key(const char *cg, const char *file, const char *key)
{
	char path[512], line[256];
	long long v = -1;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ')
			v = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return v;
}

static int cg_write(const char *cg, const char *file, const char *val)
{
	char path[512];
	int fd, ret = 0;
	ssize_t len = strlen(val);

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Make a child memory cgroup in @cg; NULL or the reason it is unavailable. */
static const char *cg_setup(char *cg, size_t len)
{
	static char why[128];
	char buf[256];
	int fd;
	ssize_t n;

	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL)) {
			snprintf(why, sizeof(why), "cannot mount cgroup2: %s",
				 strerror(errno));
			return why;
		}
	}
	fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "no cgroup2 hierarchy at " CG_ROOT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (!strstr(buf, "memory"))
		return "memory controller not available in cgroup2";
	if (cg_write(CG_ROOT, "cgroup.subtree_control", "+memory"))
		return "cannot enable +memory in cgroup.subtree_control";
	snprintf(cg, len, CG_ROOT "/shmdev-lim-%d", (int)getpid());
	if (mkdir(cg, 0755) && errno != EEXIST) {
		snprintf(why, sizeof(why), "mkdir %s: %s", cg, strerror(errno));
		cg[0] = 0;
		return why;
	}
	if (cg_read(cg, "memory.current") < 0)
		return "no memory.current in the child cgroup";
	return NULL;
}

/* Shared between the test and its child in the cgroup. */
struct cg_child {
	int p2c[2], c2p[2];
	char name[SHMDEV_NAME_MAX];
	long long size;
	__u32 flags;		/* CREATE's flags */
	int result;		/* CREATE's result */
	__u64 id;
};

static bool sig_send(int fd)
{
	return write(fd, "s", 1) == 1;
}

static bool sig_recv(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/*
 * Fork a child that joins @cg, then on each signal: CREATE (result in
 * c->result), DESTROY + close, exit.  It acknowledges every step.
 */
static pid_t cg_spawn(const char *cg, struct cg_child *c)
{
	pid_t pid;

	if (pipe(c->p2c) || pipe(c->c2p))
		return -1;
	pid = fork();
	if (pid != 0)
		return pid;
	{
		char me[32];
		int fd;

		snprintf(me, sizeof(me), "%d", (int)getpid());
		if (cg_write(cg, "cgroup.procs", me))
			_exit(10);
		fd = shmdev_open(O_RDWR);
		if (fd < 0)
			_exit(11);
		if (!sig_send(c->c2p[1]) || !sig_recv(c->p2c[0]))
			_exit(12);
		{
			struct shmdev_create cr;

			c->result = sd_create_full(fd, c->name, c->size, 1, 0600,
						   c->flags, &cr);
			c->id = cr.id;
		}
		if (!sig_send(c->c2p[1]) || !sig_recv(c->p2c[0]))
			_exit(13);
		if (!c->result && sd_destroy_name(fd, c->name))
			_exit(14);
		close(fd);
		if (!sig_send(c->c2p[1]) || !sig_recv(c->p2c[0]))
			_exit(15);
		_exit(0);
	}
}

/* memory.current, after letting per-cpu charge caches settle a little. */
static long long cg_current(const char *cg)
{
	usleep(50000);
	return cg_read(cg, "memory.current");
}

/* A 16 MiB region is charged to its creator's cgroup (memory.current +16 MiB) until it is freed: still charged while another process maps it after DESTROY and close, back to the baseline after that unmap. */
TEST_F(lim, memcg_charge_follows_region_lifetime)
{
	struct cg_child *c = shared_alloc(sizeof(*c));
	long long cur0, cur1, cur2, cur3;
	const char *why;
	char *m;
	pid_t pid;
	int fd, i;

	ASSERT_NE(NULL, c);
	why = cg_setup(self->cg, sizeof(self->cg));
	if (why)
		SKIP(return, "%s", why);
	memcpy(c->name, self->names[0], SHMDEV_NAME_MAX);
	c->size = 16 * MiB;
	pid = cg_spawn(self->cg, c);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	cur0 = cg_current(self->cg);
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* create */
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_EQ(0, c->result);
	cur1 = cg_current(self->cg);
	/* a second attach and mapping, by a process outside the cgroup */
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_id(fd, c->id, 0));
	m = mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	close(fd);
	for (i = 0; i < c->size; i += page_size())
		m[i] = 1;
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* destroy + close */
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	cur2 = cg_current(self->cg);
	munmap(m, c->size);
	cur3 = cg_current(self->cg);
	for (i = 0; i < 40 && cur3 - cur0 > MiB; i++)
		cur3 = cg_current(self->cg);
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* exit */
	EXPECT_EQ(0, reap(pid));
	TH_LOG("memory.current: before %lld, after CREATE %+lld, destroyed+mapped %+lld, freed %+lld (KiB vs before)",
	       cur0 / 1024, (cur1 - cur0) / 1024, (cur2 - cur0) / 1024,
	       (cur3 - cur0) / 1024);
	EXPECT_GE(cur1 - cur0, 16 * MiB - MiB / 4);
	EXPECT_LE(cur1 - cur0, 16 * MiB + 2 * MiB);
	EXPECT_GE(cur2 - cur0, 16 * MiB - MiB / 4);
	EXPECT_LE(cur3 - cur0, MiB);
	EXPECT_GE(cur3 - cur0, -MiB);
	ASSERT_BACK_TO_START();
}

/* A 1-byte huge region is charged as one whole 2 MiB folio to its creator's cgroup and uncharged when freed; 16 MiB of huge folios against memory.max 8M fails with ENOMEM, no OOM kill. */
TEST_F(lim, memcg_huge_whole_folios)
{
	struct cg_child *c = shared_alloc(sizeof(*c));
	long long cur0, cur1, cur2, oom0;
	const char *why;
	pid_t pid;
	int i;

	ASSERT_NE(NULL, c);
	why = cg_setup(self->cg, sizeof(self->cg));
	if (why)
		SKIP(return, "%s", why);
	memcpy(c->name, self->names[0], SHMDEV_NAME_MAX);
	c->size = 1;
	c->flags = SHMDEV_CREATE_HUGE;
	pid = cg_spawn(self->cg, c);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	cur0 = cg_current(self->cg);
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* create */
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_EQ(0, c->result);
	cur1 = cg_current(self->cg);
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* destroy + close */
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	cur2 = cg_current(self->cg);
	for (i = 0; i < 40 && cur2 - cur0 > MiB; i++)
		cur2 = cg_current(self->cg);
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* exit */
	EXPECT_EQ(0, reap(pid));
	TH_LOG("memory.current: CREATE of 1 byte, huge: %+lld KiB, freed: %+lld KiB",
	       (cur1 - cur0) / 1024, (cur2 - cur0) / 1024);
	EXPECT_GE(cur1 - cur0, 2 * MiB);
	EXPECT_LE(cur1 - cur0, 2 * MiB + MiB);
	EXPECT_LE(cur2 - cur0, MiB / 2);

	ASSERT_EQ(0, cg_write(self->cg, "memory.max", "8M"));
	oom0 = cg_read_key(self->cg, "memory.events", "oom_kill");
	memcpy(c->name, self->names[1], SHMDEV_NAME_MAX);
	c->size = 16 * MiB;
	c->result = 1;
	pid = cg_spawn(self->cg, c);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_TRUE(sig_send(c->p2c[1]));
	ASSERT_TRUE(sig_recv(c->c2p[0])) TH_LOG("the creator died");
	EXPECT_EQ(-ENOMEM, c->result);
	ASSERT_TRUE(sig_send(c->p2c[1]));
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_TRUE(sig_send(c->p2c[1]));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(oom0, cg_read_key(self->cg, "memory.events", "oom_kill"));
	EXPECT_EQ(-ENOENT, sd_attach_name(self->fd, c->name, SHMDEV_ATTACH_RDONLY, NULL));
	ASSERT_BACK_TO_START();
}

/* A 32 MiB region in a cgroup with memory.max 8M: CREATE fails ENOMEM, the creator is not OOM-killed (alive, oom_kill unchanged), nothing is left; a 4 MiB region then fits. */
TEST_F(lim, memcg_over_max_enomem_no_oom)
{
	struct cg_child *c = shared_alloc(sizeof(*c));
	long long oom0, ooms0, cur0, cur1;
	const char *why;
	pid_t pid;

	ASSERT_NE(NULL, c);
	why = cg_setup(self->cg, sizeof(self->cg));
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, cg_write(self->cg, "memory.max", "8M"));
	oom0 = cg_read_key(self->cg, "memory.events", "oom_kill");
	ooms0 = cg_read_key(self->cg, "memory.events", "oom");
	ASSERT_GE(oom0, 0);
	memcpy(c->name, self->names[0], SHMDEV_NAME_MAX);
	c->size = 32 * MiB;
	c->result = 1;
	pid = cg_spawn(self->cg, c);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	cur0 = cg_current(self->cg);
	ASSERT_TRUE(sig_send(c->p2c[1]));	/* create */
	ASSERT_TRUE(sig_recv(c->c2p[0])) TH_LOG("the creator died");
	EXPECT_EQ(-ENOMEM, c->result);
	cur1 = cg_current(self->cg);
	/* nothing left, name free */
	EXPECT_EQ(self->count0, sd_list_count(self->fd));
	EXPECT_EQ(self->regions0, sd_regions());
	EXPECT_EQ(self->bytes0, sd_bytes_in_use());
	EXPECT_EQ(-ENOENT, sd_attach_name(self->fd, c->name, SHMDEV_ATTACH_RDONLY, NULL));
	ASSERT_TRUE(sig_send(c->p2c[1]));
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_TRUE(sig_send(c->p2c[1]));
	EXPECT_EQ(0, reap(pid));
	TH_LOG("memory.max 8M: CREATE 32M -> %d; memory.current %lld KiB -> %lld KiB; oom %lld -> %lld, oom_kill %lld -> %lld, max events %lld",
	       c->result, cur0 / 1024, cur1 / 1024, ooms0,
	       cg_read_key(self->cg, "memory.events", "oom"), oom0,
	       cg_read_key(self->cg, "memory.events", "oom_kill"),
	       cg_read_key(self->cg, "memory.events", "max"));
	EXPECT_EQ(oom0, cg_read_key(self->cg, "memory.events", "oom_kill"));
	EXPECT_LE(cur1 - cur0, MiB);

	/* the cgroup still works: 4 MiB fits under 8M */
	memcpy(c->name, self->names[1], SHMDEV_NAME_MAX);
	c->size = 4 * MiB;
	c->result = 1;
	pid = cg_spawn(self->cg, c);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_TRUE(sig_send(c->p2c[1]));
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	EXPECT_EQ(0, c->result);
	ASSERT_TRUE(sig_send(c->p2c[1]));
	ASSERT_TRUE(sig_recv(c->c2p[0]));
	ASSERT_TRUE(sig_send(c->p2c[1]));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(oom0, cg_read_key(self->cg, "memory.events", "oom_kill"));
	ASSERT_BACK_TO_START();
}

/* Start N processes at once, each doing CREATE|OPEN of one name; store each errno. */
static int open_race(const char *name, long size, int *res, int n)
{
	int go[2], i, st;
	pid_t pids[16];
	char c;

	if (n > 16 || pipe(go))
		return -1;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int fd = shmdev_open(O_RDWR);

			close(go[1]);
			if (read(go[0], &c, 1) != 0)
				_exit(250);
			_exit(-sd_create_full(fd, name, size, 1, 0600,
					      SHMDEV_CREATE_OPEN, NULL));
		}
	}
	close(go[0]);
	close(go[1]);	/* EOF releases them all at once */
	for (i = 0; i < n; i++) {
		waitpid(pids[i], &st, 0);
		res[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 251;
	}
	return 0;
}

/*
 * Concurrent CREATE|OPEN of one name all succeed (one creates, the others
 * open) even when only one more region fits: a creator in progress must not
 * make the others fail with the limit it is holding.
 */
TEST_F(lim, concurrent_open_of_one_name_at_limit)
{
	char name[SHMDEV_NAME_MAX];
	int res[16], round, i, bad = 0;

	ASSERT_EQ(0, sd_set_param("max_regions", sd_regions() + 1));
	for (round = 0; round < 10; round++) {
		shmdev_name(name, "orace");
		ASSERT_EQ(0, open_race(name, 8 << 20, res, 16));
		for (i = 0; i < 16; i++) {
			if (res[i]) {
				bad++;
				TH_LOG("round %d: CREATE|OPEN: %s", round,
				       strerror(res[i]));
			}
		}
		sd_cleanup_name(name);
	}
	EXPECT_EQ(0, bad);
}

SHMDEV_HARNESS_MAIN
