// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev isolation tests: regions scoped by user namespace (visibility,
 * names, lifetime, id translation, capabilities in the region's
 * namespace), SysV-like permission rules not covered by
 * shmdev_ioctl_test, read-only attachments that must never become
 * writable by any route, and ioctl outputs that carry no stray bytes.
 *
 * Children report through exit codes (0 = as expected, otherwise the
 * number of the failed step); the harness asserts only in the test
 * process itself.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stddef.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "shmdev_common.h"

/* uid/gid 0..NS_COUNT-1 inside a test namespace map to NS_BASE.. outside. */
#define NS_BASE		200000
#define NS_COUNT	16
#define UID_C		4444

/* ---------------------------------------------------------------- helpers */

/* A one-byte signal over a pipe; false on EOF or error. */
static bool sig_send(int fd)
{
	char c = 'x';

	return write(fd, &c, 1) == 1;
}

static bool sig_recv(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/* Two pipes between the test and one child: p2c (parent to child), c2p. */
struct chan {
	int p2c[2];
	int c2p[2];
};

static int chan_init(struct chan *c)
{
	if (pipe(c->p2c) || pipe(c->c2p))
		return -errno;
	return 0;
}

static void chan_close(struct chan *c)
{
	close(c->p2c[0]);
	close(c->p2c[1]);
	close(c->c2p[0]);
	close(c->c2p[1]);
}

/* Write the identity map "0 NS_BASE NS_COUNT" for @pid's user namespace. */
static int map_userns(pid_t pid)
{
	char path[64], map[64];
	int ret;

	snprintf(map, sizeof(map), "0 %d %d\n", NS_BASE, NS_COUNT);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	ret = write_str(path, map);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	return write_str(path, map);
}

/* Become uid/gid 0 of the current (mapped) user namespace, no groups. */
static int become_ns_root(void)
{
	if (setgroups(0, NULL) || setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return -errno;
	return 0;
}

/*
 * Fork a child that enters a new user namespace, in which uids and gids
 * 0..NS_COUNT-1 are NS_BASE.. outside, becomes its uid/gid 0 (all
 * capabilities there, none in the initial namespace) and exits with
 * fn(arg).  RLIMIT_MEMLOCK is lifted first: the child has no
 * CAP_IPC_LOCK in the initial namespace.  Returns the pid or -1.
 */
static pid_t spawn_in_userns(int (*fn)(void *), void *arg)
{
	int s[2], g[2];
	pid_t pid;

	if (pipe2(s, O_CLOEXEC) || pipe2(g, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		close(s[0]);
		close(g[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(210);
		if (unshare(CLONE_NEWUSER))
			_exit(211);
		if (!sig_send(s[1]) || !sig_recv(g[0]))
			_exit(212);
		if (become_ns_root())
			_exit(213);
		_exit(fn(arg) & 0xff);
	}
	close(s[1]);
	close(g[0]);
	if (!sig_recv(s[0]) || map_userns(pid) || !sig_send(g[1])) {
		kill(pid, SIGKILL);
		reap(pid);
		pid = -1;
	}
	close(s[0]);
	close(g[1]);
	return pid;
}

/* Shared (MAP_SHARED|MAP_ANONYMOUS) scratch memory for results from children. */
static void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Whether LIST (capacity 64) of the caller's namespace contains @id. */
static bool list_has(int fd, __u64 id)
{
	__u64 ids[64];
	__u32 count, i;

	if (sd_list(fd, ids, 64, &count))
		return false;
	for (i = 0; i < count && i < 64; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static long long overflowuid(void)
{
	return sysfs_read_ll("/proc/sys/kernel/overflowuid");
}

/* ==================================================== user namespaces */

FIXTURE(userns) {
	int unused;
};

FIXTURE_SETUP(userns)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(userns)
{
}

struct ns_arg {
	char name[SHMDEV_NAME_MAX];
	__u64 id;		/* the parent's region */
	__u64 child_id;		/* out: a region the child made */
	struct chan ch;
	int fd;			/* an fd the child inherits */
	int fd2;
	size_t len;
	void *map;		/* a parent's mapping the child inherits */
	pid_t sibling;
	long long ovf;
	__u32 info_uid, info_gid, info_cuid, info_cgid, ovf_uid, ovf_gid;
};

/* Child: nothing of the parent namespace is visible; the same name creates a new region. */
static int child_sees_nothing(void *p)
{
	struct ns_arg *a = p;
	struct shmdev_create c;
	struct shmdev_info info;
	__u64 ids[8] = { 0 };
	__u32 count = 99;
	int fd = shmdev_open(O_RDWR);

	if (fd < 0)
		return 1;
	if (sd_list(fd, ids, 8, &count) || count != 0 || ids[0] != 0)
		return 2;
	if (sd_attach_name(fd, a->name, SHMDEV_ATTACH_RDONLY, NULL) != -ENOENT)
		return 3;
	if (sd_attach_name(fd, a->name, 0, NULL) != -ENOENT)
		return 4;
	if (sd_attach_id(fd, a->id, SHMDEV_ATTACH_RDONLY) != -ENOENT)
		return 5;
	if (sd_info_id(fd, a->id, &info) != -ENOENT)
		return 6;
	if (sd_destroy_name(fd, a->name) != -ENOENT)
		return 7;
	if (sd_destroy_id(fd, a->id) != -ENOENT)
		return 8;
	/* CREATE|OPEN must create, not open the parent's region. */
	if (sd_create_full(fd, a->name, page_size(), 1, 0600,
			   SHMDEV_CREATE_OPEN, &c))
		return 9;
	if (!(c.result_flags & SHMDEV_CREATE_RESULT_NEW) || c.id == a->id)
		return 10;
	if (sd_list(fd, ids, 8, &count) || count != 1 || ids[0] != c.id)
		return 11;
	if (sd_destroy_id(fd, c.id))
		return 12;
	close(fd);
	return 0;
}

/* A new user namespace sees none of the parent's regions (LIST empty, ENOENT by name and id for ATTACH/INFO/DESTROY). */
TEST_F(userns, userns_parent_regions_invisible)
{
	struct ns_arg a;
	struct shmdev_info info;
	long long regions0;
	int fd;

	memset(&a, 0, sizeof(a));
	shmdev_name(a.name, "nsv");
	fd = sd_new_region(a.name, page_size(), 1, 0666, &a.id);
	ASSERT_GE(fd, 0);
	regions0 = sd_regions();
	EXPECT_EQ(0, reap(spawn_in_userns(child_sees_nothing, &a)));
	/* the parent's region is untouched, the child's one is gone */
	ASSERT_EQ(0, sd_info_id(fd, a.id, &info));
	EXPECT_EQ(0u, info.region_flags & SHMDEV_REGION_DESTROYED);
	EXPECT_EQ(regions0, sysfs_settle(sd_regions, regions0));
	EXPECT_EQ(0, sd_destroy_id(fd, a.id));
	close(fd);
}

/* Child: make a region of the parent's name, check it is new memory, wait, destroy it. */
static int child_same_name(void *p)
{
	struct ns_arg *a = p;
	struct shmdev_create c;
	char *m;
	int fd = shmdev_open(O_RDWR);
	size_t i;

	if (fd < 0)
		return 1;
	if (sd_create_full(fd, a->name, a->len, 2, 0600, 0, &c))
		return 2;
	if (!(c.result_flags & SHMDEV_CREATE_RESULT_NEW) || c.id == a->id)
		return 3;
	a->child_id = c.id;
	m = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 4;
	for (i = 0; i < a->len; i++)
		if (m[i])
			return 5;
	fill_pattern(m, a->len, 2);
	/* the parent's mapping (inherited) still holds the parent's data */
	if (check_pattern(a->map, a->len, 1) != -1)
		return 6;
	if (!sig_send(a->ch.c2p[1]) || !sig_recv(a->ch.p2c[0]))
		return 7;
	if (check_pattern(m, a->len, 2) != -1)
		return 8;
	if (sd_destroy_name(fd, a->name))
		return 9;
	munmap(m, a->len);
	close(fd);
	return 0;
}

/* A child namespace may CREATE a name the parent uses: a different region (new id, zeroed memory), invisible to the parent. */
TEST_F(userns, userns_same_name_is_another_region)
{
	struct ns_arg *a = shared_alloc(sizeof(*a));
	struct shmdev_info info;
	__u64 found = 0;
	pid_t pid;
	int fd, fd2;

	ASSERT_NE(NULL, a);
	shmdev_name(a->name, "nsn");
	a->len = 2 * page_size();
	ASSERT_EQ(0, chan_init(&a->ch));
	fd = sd_new_region(a->name, a->len, 1, 0600, &a->id);
	ASSERT_GE(fd, 0);
	a->map = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a->map);
	fill_pattern(a->map, a->len, 1);

	pid = spawn_in_userns(child_same_name, a);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(a->ch.c2p[0]));
	/* while the child's region exists, the parent cannot reach it */
	EXPECT_NE(0u, a->child_id);
	EXPECT_EQ(-ENOENT, sd_info_id(fd, a->child_id, &info));
	EXPECT_EQ(-ENOENT, sd_destroy_id(fd, a->child_id));
	EXPECT_FALSE(list_has(fd, a->child_id));
	EXPECT_TRUE(list_has(fd, a->id));
	fd2 = shmdev_open(O_RDWR);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-ENOENT, sd_attach_id(fd2, a->child_id, SHMDEV_ATTACH_RDONLY));
	EXPECT_EQ(0, sd_attach_name(fd2, a->name, SHMDEV_ATTACH_RDONLY, &found));
	EXPECT_EQ(a->id, found);
	close(fd2);
	EXPECT_EQ(-1, check_pattern(a->map, a->len, 1));
	ASSERT_TRUE(sig_send(a->ch.p2c[1]));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(-1, check_pattern(a->map, a->len, 1));
	EXPECT_EQ(0, sd_destroy_id(fd, a->id));
	munmap(a->map, a->len);
	close(fd);
	chan_close(&a->ch);
}

/* Child: create a named region, fill it, close the fd and exit when told. */
static int child_create_and_leave(void *p)
{
	struct ns_arg *a = p;
	char *m;
	int fd;

	fd = sd_new_region(a->name, a->len, 1, 0600, &a->child_id);
	if (fd < 0)
		return 1;
	m = mmap(NULL, a->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 2;
	fill_pattern(m, a->len, 3);
	munmap(m, a->len);
	close(fd);
	if (!sig_send(a->ch.c2p[1]) || !sig_recv(a->ch.p2c[0]))
		return 3;
	return 0;
}

/* In the namespace (joined later): attach by name and id, check the data, destroy. */
static int find_check_destroy(struct ns_arg *a)
{
	__u64 id = 0, ids[4];
	__u32 count;
	char *m;
	int fd = shmdev_open(O_RDWR), fd2 = shmdev_open(O_RDWR);

	if (fd < 0 || fd2 < 0)
		return 20;
	if (sd_list(fd, ids, 4, &count) || count != 1 || ids[0] != a->child_id)
		return 21;
	if (sd_attach_name(fd, a->name, 0, &id) || id != a->child_id)
		return 22;
	if (sd_attach_id(fd2, a->child_id, SHMDEV_ATTACH_RDONLY))
		return 23;
	m = mmap(NULL, a->len, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 24;
	if (check_pattern(m, a->len, 3) != -1)
		return 25;
	munmap(m, a->len);
	if (sd_destroy_id(fd, a->child_id))
		return 26;
	close(fd);
	close(fd2);
	return 0;
}

/* A region outlives its creator and its namespace's last process: a process joining the namespace with setns() finds it, the parent never does. */
TEST_F(userns, userns_region_outlives_creator_setns)
{
	struct ns_arg *a = shared_alloc(sizeof(*a));
	long long regions0 = sd_regions();
	char path[64];
	int nsfd, fd;
	pid_t pid;

	ASSERT_NE(NULL, a);
	ASSERT_GE(regions0, 0);
	shmdev_name(a->name, "nsl");
	a->len = 2 * page_size();
	ASSERT_EQ(0, chan_init(&a->ch));
	pid = spawn_in_userns(child_create_and_leave, a);
	ASSERT_GT(pid, 0);
	ASSERT_TRUE(sig_recv(a->ch.c2p[0]));
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(nsfd, 0);
	ASSERT_TRUE(sig_send(a->ch.p2c[1]));
	ASSERT_EQ(0, reap(pid));

	/* no process is left in the namespace; the region still exists */
	EXPECT_EQ(regions0 + 1, sd_regions());
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOENT, sd_attach_name(fd, a->name, SHMDEV_ATTACH_RDONLY, NULL));
	EXPECT_EQ(-ENOENT, sd_attach_id(fd, a->child_id, SHMDEV_ATTACH_RDONLY));
	EXPECT_FALSE(list_has(fd, a->child_id));
	close(fd);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setns(nsfd, CLONE_NEWUSER))
			_exit(10);
		if (become_ns_root())
			_exit(11);
		_exit(find_check_destroy(a));
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(regions0, sysfs_settle(sd_regions, regions0));
	close(nsfd);
	chan_close(&a->ch);
}

/* Grandchild: wait until the creator is gone, then find the region. */
static int sibling_finds(void *p)
{
	struct ns_arg *a = p;

	if (!sig_recv(a->ch.p2c[0]))
		return 30;
	return find_check_destroy(a);
}

/* Child: fork a sibling that stays in the namespace, create a region and exit. */
static int child_fork_sibling_create(void *p)
{
	struct ns_arg *a = p;
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(sibling_finds(a) & 0xff);
	a->sibling = pid;
	fd = sd_new_region(a->name, a->len, 1, 0600, &a->child_id);
	if (fd < 0)
		return 2;
	{
		char *m = mmap(NULL, a->len, PROT_WRITE, MAP_SHARED, fd, 0);

		if (m == MAP_FAILED)
			return 3;
		fill_pattern(m, a->len, 3);
		munmap(m, a->len);
	}
	close(fd);
	return 0;
}

/* After its creator exits, a region stays reachable from a surviving process of its namespace (and not from the parent). */
TEST_F(userns, userns_region_outlives_creator_sibling)
{
	struct ns_arg *a = shared_alloc(sizeof(*a));
	long long regions0 = sd_regions();
	pid_t pid;
	int fd;

	ASSERT_NE(NULL, a);
	shmdev_name(a->name, "nss");
	a->len = page_size();
	ASSERT_EQ(0, chan_init(&a->ch));
	/* the orphaned sibling is reparented to us */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	pid = spawn_in_userns(child_fork_sibling_create, a);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, reap(pid));
	ASSERT_GT(a->sibling, 0);
	EXPECT_EQ(regions0 + 1, sd_regions());
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOENT, sd_attach_name(fd, a->name, 0, NULL));
	EXPECT_EQ(-ENOENT, sd_attach_id(fd, a->child_id, 0));
	close(fd);
	ASSERT_TRUE(sig_send(a->ch.p2c[1]));
	EXPECT_EQ(0, reap(a->sibling));
	EXPECT_EQ(regions0, sysfs_settle(sd_regions, regions0));
	chan_close(&a->ch);
}

/* Child: create on the inherited fd; INFO shows namespace ids; a root-owned region shows the overflow id. */
static int child_info_ids(void *p)
{
	struct ns_arg *a = p;
	struct shmdev_info info;

	if (sd_create(a->fd, a->name, page_size(), 1, 0640, &a->child_id))
		return 1;
	if (sd_info(a->fd, &info))
		return 2;
	a->info_uid = info.uid;
	a->info_gid = info.gid;
	a->info_cuid = info.cuid;
	a->info_cgid = info.cgid;
	if (sd_info_id(a->fd, a->child_id, &info))
		return 3;
	if (info.uid != a->info_uid || info.cgid != a->info_cgid)
		return 4;
	/* a parent region (owned by kuid 0, unmapped here), through an inherited attached fd */
	if (sd_info(a->fd2, &info))
		return 5;
	a->ovf_uid = info.uid;
	a->ovf_gid = info.cgid;
	/* drop the name; the parent's fd keeps the region */
	if (sd_destroy_id(a->fd, a->child_id))
		return 6;
	return 0;
}

/* INFO reports owner ids through the caller's namespace: 0 in the child (uid_map "0 200000 16"), 200000 for the parent on the same file, overflowuid for unmapped ids. */
TEST_F(userns, userns_info_ids_translated)
{
	struct ns_arg *a = shared_alloc(sizeof(*a));
	struct shmdev_info info;
	char rname[SHMDEV_NAME_MAX];
	__u64 pid_region = 0;
	int fd2;

	ASSERT_NE(NULL, a);
	shmdev_name(a->name, "nsi");
	a->fd = shmdev_open(O_RDWR);
	ASSERT_GE(a->fd, 0);
	shmdev_name(rname, "nsi-root");
	fd2 = sd_new_region(rname, page_size(), 1, 0600, &pid_region);
	ASSERT_GE(fd2, 0);
	a->fd2 = fd2;
	ASSERT_EQ(0, reap(spawn_in_userns(child_info_ids, a)));
	EXPECT_EQ(0u, a->info_uid);
	EXPECT_EQ(0u, a->info_gid);
	EXPECT_EQ(0u, a->info_cuid);
	EXPECT_EQ(0u, a->info_cgid);
	EXPECT_EQ((__u32)overflowuid(), a->ovf_uid);
	EXPECT_EQ((__u32)sysfs_read_ll("/proc/sys/kernel/overflowgid"), a->ovf_gid);

	ASSERT_EQ(0, sd_info(a->fd, &info));
	EXPECT_EQ((__u32)NS_BASE, info.uid);
	EXPECT_EQ((__u32)NS_BASE, info.gid);
	EXPECT_EQ((__u32)NS_BASE, info.cuid);
	EXPECT_EQ((__u32)NS_BASE, info.cgid);
	EXPECT_EQ(0640u, info.mode);
	EXPECT_EQ(a->child_id, info.id);
	EXPECT_NE(0u, info.region_flags & SHMDEV_REGION_DESTROYED);
	/* by id, the parent cannot see it */
	EXPECT_EQ(-ENOENT, sd_info_id(fd2, a->child_id, &info));
	EXPECT_EQ(0, sd_destroy_id(fd2, pid_region));
	close(fd2);
	close(a->fd);
}

static int ns_attach_rw(int fd, void *p)
{
	return -sd_attach_name(fd, ((struct ns_arg *)p)->name, 0, NULL);
}

static int ns_attach_ro(int fd, void *p)
{
	return -sd_attach_name(fd, ((struct ns_arg *)p)->name,
			       SHMDEV_ATTACH_RDONLY, NULL);
}

static int ns_destroy(int fd, void *p)
{
	return -sd_destroy_name(fd, ((struct ns_arg *)p)->name);
}

static int ns_create_0600(int fd, void *p)
{
	return -sd_create(fd, ((struct ns_arg *)p)->name, page_size(), 1, 0600, NULL);
}

/* Child (namespace root): uid 1 creates 0600; uid 2 needs CAP_IPC_OWNER / CAP_SYS_ADMIN of this namespace. */
static int child_ns_caps(void *p)
{
	struct ns_arg *a = p;
	struct shmdev_info info;
	int fd, r;

	if ((r = run_as(1, 0, ns_create_0600, a)) != 0)
		return 100 + (r & 0x3f);
	if (run_as(2, 0, ns_attach_rw, a) != EACCES)
		return 2;
	if (run_as(2, 0, ns_attach_ro, a) != EACCES)
		return 3;
	if (run_as(2, 0, ns_destroy, a) != EPERM)
		return 4;
	if (run_as(2, 1ULL << CAP_IPC_OWNER, ns_attach_rw, a) != 0)
		return 5;
	if (run_as(2, 1ULL << CAP_IPC_OWNER, ns_destroy, a) != EPERM)
		return 6;
	/* namespace root: not the owner, but capable in the region's namespace */
	fd = shmdev_open(O_RDWR);
	if (fd < 0 || sd_attach_name(fd, a->name, 0, NULL))
		return 7;
	if (sd_info(fd, &info) || info.uid != 1 || info.gid != 1)
		return 8;
	if (sd_destroy_name(fd, a->name))
		return 9;
	close(fd);
	return 0;
}

/* CAP_IPC_OWNER and CAP_SYS_ADMIN count in the region's namespace: its root may attach and destroy another uid's 0600 region, uid 2 without them may not. */
TEST_F(userns, userns_caps_checked_in_region_ns)
{
	struct ns_arg *a = shared_alloc(sizeof(*a));
	long long regions0 = sd_regions();

	ASSERT_NE(NULL, a);
	shmdev_name(a->name, "nsc");
	EXPECT_EQ(0, reap(spawn_in_userns(child_ns_caps, a)));
	EXPECT_EQ(regions0, sysfs_settle(sd_regions, regions0));
}

/* ==================================================== permissions */

FIXTURE(perm) {
	int unused;
};

FIXTURE_SETUP(perm)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(perm)
{
}

struct perm {
	char name[SHMDEV_NAME_MAX];
	__u32 mode;
	__u64 id;
};

static int p_create(int fd, void *p)
{
	struct perm *a = p;

	return -sd_create(fd, a->name, page_size(), 1, a->mode, NULL);
}

static int p_rw(int fd, void *p)
{
	return -sd_attach_name(fd, ((struct perm *)p)->name, 0, NULL);
}

static int p_ro(int fd, void *p)
{
	return -sd_attach_name(fd, ((struct perm *)p)->name, SHMDEV_ATTACH_RDONLY, NULL);
}

static int p_open(int fd, void *p)
{
	struct perm *a = p;
	struct shmdev_create c;
	int ret = sd_create_full(fd, a->name, page_size(), 1, 0600,
				 SHMDEV_CREATE_OPEN, &c);

	if (ret)
		return -ret;
	return (c.result_flags == 0 && c.id == a->id) ? 0 : 100;
}

static int p_destroy(int fd, void *p)
{
	return -sd_destroy_id(fd, ((struct perm *)p)->id);
}

static const struct creds cr_a = { .uid = UID_A, .gid = UID_A };
/* uid B in A's group through a supplementary group */
static const struct creds cr_b_sup = { .uid = UID_B, .gid = UID_B,
				       .ngroups = 1, .groups = { UID_A } };
/* uid B in A's group as its effective gid */
static const struct creds cr_b_egid = { .uid = UID_B, .gid = UID_A };
/* uid B in no group of A */
static const struct creds cr_b = { .uid = UID_B, .gid = UID_B,
				   .ngroups = 1, .groups = { UID_C } };

/* uid A creates @name with @mode (a->id is then looked up); returns 0 or an errno. */
static int perm_make(struct perm *a, const char *tag, __u32 mode)
{
	int ret, fd;

	memset(a, 0, sizeof(*a));
	shmdev_name(a->name, tag);
	a->mode = mode;
	ret = run_creds(&cr_a, p_create, a);
	if (ret)
		return ret;
	/* the child's a->id is not ours: ask as root */
	fd = shmdev_open(O_RDONLY);
	if (fd < 0)
		return 254;
	ret = -sd_attach_name(fd, a->name, SHMDEV_ATTACH_RDONLY, &a->id);
	close(fd);
	return ret;
}

/* Read access (results of rw, ro attaches) of @cr on a region of uid A with @mode. */
#define EXPECT_ACCESS(cr, mode, want_rw, want_ro) do {			\
	struct perm _p;							\
	ASSERT_EQ(0, perm_make(&_p, "prm", mode));			\
	EXPECT_EQ(want_rw, run_creds(cr, p_rw, &_p)) TH_LOG("rw, mode %o", mode); \
	EXPECT_EQ(want_ro, run_creds(cr, p_ro, &_p)) TH_LOG("ro, mode %o", mode); \
	sd_cleanup_name(_p.name);					\
} while (0)

/* Group bits apply to a member through a supplementary group: 0640 read-only, 0660 read-write, 0604/0606 deny the group what they give others. */
TEST_F(perm, perm_group_bits_supplementary)
{
	EXPECT_ACCESS(&cr_b_sup, 0640, EACCES, 0);
	EXPECT_ACCESS(&cr_b_sup, 0660, 0, 0);
	EXPECT_ACCESS(&cr_b_sup, 0620, EACCES, EACCES);
	EXPECT_ACCESS(&cr_b_sup, 0606, EACCES, EACCES);
	/* not a member: other bits */
	EXPECT_ACCESS(&cr_b, 0660, EACCES, EACCES);
}

/* Group bits apply to a caller whose effective gid is the region's gid. */
TEST_F(perm, perm_group_bits_egid)
{
	EXPECT_ACCESS(&cr_b_egid, 0640, EACCES, 0);
	EXPECT_ACCESS(&cr_b_egid, 0660, 0, 0);
	EXPECT_ACCESS(&cr_b_egid, 0607, EACCES, EACCES);
}

/* The owner's bits apply to the owner even when group/other bits would allow more (0066: owner denied). */
TEST_F(perm, perm_owner_bits_take_precedence)
{
	EXPECT_ACCESS(&cr_a, 0066, EACCES, EACCES);
	EXPECT_ACCESS(&cr_a, 0466, EACCES, 0);
	EXPECT_ACCESS(&cr_b, 0066, 0, 0);
}

/* Other bits: 0606 read-write, 0604 read-only, 0602 (write only) neither, 0 none. */
TEST_F(perm, perm_other_bits)
{
	EXPECT_ACCESS(&cr_b, 0606, 0, 0);
	EXPECT_ACCESS(&cr_b, 0604, EACCES, 0);
	EXPECT_ACCESS(&cr_b, 0602, EACCES, EACCES);
	EXPECT_ACCESS(&cr_b, 0000, EACCES, EACCES);
}

/* CAP_IPC_OWNER overrides every mode, including 0000 and owner-denied 0066 for the owner. */
TEST_F(perm, perm_cap_ipc_owner_overrides)
{
	struct creds b = cr_b, a = cr_a;

	b.caps = 1ULL << CAP_IPC_OWNER;
	a.caps = 1ULL << CAP_IPC_OWNER;
	EXPECT_ACCESS(&b, 0000, 0, 0);
	EXPECT_ACCESS(&b, 0640, 0, 0);
	EXPECT_ACCESS(&a, 0066, 0, 0);
	/* CAP_DAC_OVERRIDE is not what counts */
	b.caps = 1ULL << CAP_DAC_OVERRIDE;
	EXPECT_ACCESS(&b, 0000, EACCES, EACCES);
}

/* DESTROY: a group member with rw access, CAP_IPC_OWNER, CAP_FOWNER and CAP_DAC_OVERRIDE all get EPERM; CAP_SYS_ADMIN and the creator succeed. */
TEST_F(perm, perm_destroy_rules)
{
	struct creds b = cr_b_sup;
	struct perm p;

	ASSERT_EQ(0, perm_make(&p, "prd", 0666));
	EXPECT_EQ(0, run_creds(&b, p_rw, &p));
	EXPECT_EQ(EPERM, run_creds(&b, p_destroy, &p));
	b.caps = (1ULL << CAP_IPC_OWNER) | (1ULL << CAP_FOWNER) |
		 (1ULL << CAP_DAC_OVERRIDE);
	EXPECT_EQ(EPERM, run_creds(&b, p_destroy, &p));
	b.caps = 1ULL << CAP_SYS_ADMIN;
	EXPECT_EQ(0, run_creds(&b, p_destroy, &p));
	EXPECT_EQ(ENOENT, run_creds(&cr_a, p_destroy, &p));

	ASSERT_EQ(0, perm_make(&p, "prd", 0000));
	EXPECT_EQ(0, run_creds(&cr_a, p_destroy, &p));
}

/* CREATE|OPEN of an existing region needs read-write access: 0644 gives other uids EACCES, 0666 opens it (no NEW, same id). */
TEST_F(perm, perm_create_open_needs_rw)
{
	struct perm p;
	long long regions0;

	ASSERT_EQ(0, perm_make(&p, "pro", 0644));
	regions0 = sd_regions();
	EXPECT_EQ(EACCES, run_creds(&cr_b, p_open, &p));
	EXPECT_EQ(EACCES, run_creds(&cr_b_sup, p_open, &p));
	EXPECT_EQ(regions0, sd_regions());
	sd_cleanup_name(p.name);

	ASSERT_EQ(0, perm_make(&p, "pro", 0666));
	EXPECT_EQ(0, run_creds(&cr_b, p_open, &p));
	sd_cleanup_name(p.name);
}

/* ==================================================== read-only attach */

#define RO_PAGES	4
#define RO_SEED		7

FIXTURE(ro) {
	char name[SHMDEV_NAME_MAX];
	__u64 id;
	size_t len;
	int rwfd, rofd;
	char *rw;	/* read-write mapping (the reference view) */
	char *ro;	/* read-only mapping of the read-only attach */
};

FIXTURE_SETUP(ro)
{
	self->len = RO_PAGES * page_size();
	shmdev_name(self->name, "ro");
	self->rofd = -1;
	self->rwfd = sd_new_region(self->name, self->len, 1, 0600, &self->id);
	ASSERT_GE(self->rwfd, 0);
	self->rw = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
			self->rwfd, 0);
	ASSERT_NE(MAP_FAILED, self->rw);
	fill_pattern(self->rw, self->len, RO_SEED);
	/* an O_RDWR file attached read-only: only the attach mode protects */
	self->rofd = shmdev_open(O_RDWR);
	ASSERT_GE(self->rofd, 0);
	ASSERT_EQ(0, sd_attach_id(self->rofd, self->id, SHMDEV_ATTACH_RDONLY));
	self->ro = mmap(NULL, self->len, PROT_READ, MAP_SHARED, self->rofd, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
}

FIXTURE_TEARDOWN(ro)
{
	if (self->rwfd >= 0) {
		sd_destroy_id(self->rwfd, self->id);
		close(self->rwfd);
	}
	if (self->rofd >= 0)
		close(self->rofd);
}

/* The region still holds pattern(RO_SEED) through both views. */
#define ASSERT_REGION_UNCHANGED() do {					\
	ASSERT_EQ(-1, check_pattern(self->rw, self->len, RO_SEED));	\
	ASSERT_EQ(-1, check_pattern(self->ro, self->len, RO_SEED));	\
} while (0)

/* With a read-only mapping in place, a second shared writable mmap of the same file fails EACCES; mprotect of a moved mapping and of a split piece fails EACCES too. */
TEST_F(ro, second_mmap_and_split_mprotect_eacces)
{
	long ps = page_size();
	void *p, *moved;

	p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED, self->rofd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = mmap(NULL, ps, PROT_WRITE, MAP_SHARED, self->rofd, ps);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	/* a moved mapping stays read-only */
	moved = mmap(NULL, self->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, moved);
	moved = mremap(self->ro, self->len, self->len,
		       MREMAP_MAYMOVE | MREMAP_FIXED, moved);
	ASSERT_NE(MAP_FAILED, moved);
	self->ro = moved;
	EXPECT_EQ(-1, mprotect(self->ro, self->len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	/* a single page in the middle: splits the VMA */
	EXPECT_EQ(-1, mprotect(self->ro + ps, ps, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(self->ro + ps, ps, PROT_NONE));
	EXPECT_EQ(-1, mprotect(self->ro + ps, ps, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, mprotect(self->ro + ps, ps, PROT_READ));
	EXPECT_EQ(-1, mprotect(self->ro, self->len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	ASSERT_REGION_UNCHANGED();
}

/* Check that @fd, a reopened /dev/shmdev file, is not attached and cannot map anything. */
static int check_reopened_unattached(int fd, size_t len)
{
	struct shmdev_info info;
	void *p;

	if (sd_info(fd, &info) != -ENXIO)
		return 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		return 2;
	if (errno != ENXIO)
		return 3;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED || errno != ENXIO)
		return 4;
	return 0;
}

/* Open /proc/self/map_files/ of [@addr, @addr + @len) with @flags: an fd or -errno. */
static int open_map_file(void *addr, size_t len, int flags)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)addr, (unsigned long)addr + len);
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* /proc/self/map_files/ of the read-only mapping and of the read-write one cannot be opened at all, not even by root (ashmem's CVE-2020-0009); /proc/self/fd/<rofd> O_RDWR gives a fresh unattached file. */
TEST_F(ro, reopen_via_proc_gives_no_writable_file)
{
	char path[128];
	int fd;

	fd = open_map_file(self->ro, self->len, O_RDWR);
	EXPECT_EQ(-ENXIO, fd);
	fd = open_map_file(self->ro, self->len, O_RDONLY);
	EXPECT_EQ(-ENXIO, fd);
	fd = open_map_file(self->rw, self->len, O_RDWR);
	EXPECT_EQ(-ENXIO, fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", self->rofd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, check_reopened_unattached(fd, self->len));
	close(fd);
	/* the read-only file itself stays read-only */
	{
		struct shmdev_info info;

		ASSERT_EQ(0, sd_info(self->rofd, &info));
		EXPECT_NE(0u, info.region_flags & SHMDEV_REGION_RDONLY);
		EXPECT_EQ(-EBUSY, sd_attach_id(self->rofd, self->id, 0));
	}
	ASSERT_REGION_UNCHANGED();
}

struct map_file_arg {
	void *addr;
	size_t len;
};

/* In a child with other credentials: 0 if map_files O_RDWR and O_RDONLY both fail. */
static int map_file_open_fails(int fd, void *arg)
{
	struct map_file_arg *a = arg;
	int ret;

	close(fd);
	ret = open_map_file(a->addr, a->len, O_RDWR);
	if (ret >= 0)
		return 1;
	ret = open_map_file(a->addr, a->len, O_RDONLY);
	if (ret >= 0)
		return 2;
	return 0;
}

/* Another uid, with or without CAP_SYS_ADMIN (what map_files asks for), cannot open map_files/ of the inherited read-only or read-write mapping. */
TEST_F(ro, map_files_other_uid_refused)
{
	struct map_file_arg ro = { self->ro, self->len };
	struct map_file_arg rw = { self->rw, self->len };
	const uint64_t admin = 1ULL << CAP_SYS_ADMIN;

	EXPECT_EQ(0, run_as(UID_A, 0, map_file_open_fails, &ro));
	EXPECT_EQ(0, run_as(UID_A, admin, map_file_open_fails, &ro));
	EXPECT_EQ(0, run_as(UID_A, admin, map_file_open_fails, &rw));
	ASSERT_REGION_UNCHANGED();
}

/* pwrite() to /proc/@pid/mem at @addr must fail (EIO or EFAULT); returns 0 if it did. */
static int mem_write_fails(pid_t pid, void *addr)
{
	char path[64], buf[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 50;
	memset(buf, 0x5a, sizeof(buf));
	n = pwrite(fd, buf, sizeof(buf), (off_t)(uintptr_t)addr);
	close(fd);
	if (n >= 0)
		return 51;
	return (errno == EIO || errno == EFAULT) ? 0 : 52;
}

/* A FOLL_FORCE write through /proc/self/mem into the read-only mapping (touched and untouched pages) fails and the region is unchanged. */
TEST_F(ro, proc_self_mem_write_fails)
{
	long ps = page_size();
	char *priv;
	char buf[16];
	int fd;

	/* page 0 was read (mapped), the last page never touched */
	(void)*(volatile char *)self->ro;
	EXPECT_EQ(0, mem_write_fails(getpid(), self->ro));
	EXPECT_EQ(0, mem_write_fails(getpid(), self->ro + self->len - ps));
	ASSERT_REGION_UNCHANGED();

	/* a private read-only mapping may get a private copy, never the region's page */
	priv = mmap(NULL, ps, PROT_READ, MAP_PRIVATE, self->rofd, 0);
	ASSERT_NE(MAP_FAILED, priv);
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	memset(buf, 0x5a, sizeof(buf));
	if (pwrite(fd, buf, sizeof(buf), (off_t)(uintptr_t)priv) == sizeof(buf))
		EXPECT_EQ(0x5a, priv[0]);
	close(fd);
	munmap(priv, ps);
	ASSERT_REGION_UNCHANGED();
}

/*
 * As for a file opened O_RDONLY, a MAP_PRIVATE mapping of a read-only
 * attach may be writable (mmap and mprotect): the writes land in private
 * copies and the region is unchanged.
 */
TEST_F(ro, private_writable_mapping_leaves_region_unchanged)
{
	long ps = page_size();
	char *priv;

	priv = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->rofd, 0);
	ASSERT_NE(MAP_FAILED, priv);
	EXPECT_EQ(-1, check_pattern(priv, 2 * ps, RO_SEED));
	memset(priv, 0x5a, ps);
	EXPECT_EQ(0x5a, priv[ps - 1]);
	ASSERT_EQ(0, mprotect(priv, 2 * ps, PROT_READ));
	ASSERT_EQ(0, mprotect(priv, 2 * ps, PROT_READ | PROT_WRITE));
	priv[ps] = 0x5a;
	munmap(priv, 2 * ps);
	ASSERT_REGION_UNCHANGED();
}

/* The kernel copying into the read-only mapping (read() from a pipe) fails with EFAULT and writes nothing. */
TEST_F(ro, kernel_copy_into_mapping_efault)
{
	char buf[64];
	int p[2];

	ASSERT_EQ(0, pipe(p));
	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(buf), write(p[1], buf, sizeof(buf)));
	EXPECT_EQ(-1, read(p[0], self->ro + 8, sizeof(buf)));
	EXPECT_EQ(EFAULT, errno);
	close(p[0]);
	close(p[1]);
	ASSERT_REGION_UNCHANGED();
}

/* Another process cannot write into a process's read-only mapping: process_vm_writev fails EFAULT, /proc/PID/mem fails EIO/EFAULT; nothing changes. */
TEST_F(ro, other_process_writes_fail)
{
	struct chan ch;
	struct iovec local, remote;
	char buf[64];
	void *addr;
	pid_t pid;
	ssize_t n;

	ASSERT_EQ(0, chan_init(&ch));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = shmdev_open(O_RDONLY);
		void *m;

		if (fd < 0 || sd_attach_id(fd, self->id, SHMDEV_ATTACH_RDONLY))
			_exit(1);
		m = mmap(NULL, self->len, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			_exit(2);
		(void)*(volatile char *)m;
		if (write(ch.c2p[1], &m, sizeof(m)) != sizeof(m))
			_exit(3);
		if (!sig_recv(ch.p2c[0]))
			_exit(4);
		_exit(check_pattern(m, self->len, RO_SEED) == -1 ? 0 : 5);
	}
	ASSERT_EQ((ssize_t)sizeof(addr), read(ch.c2p[0], &addr, sizeof(addr)));
	memset(buf, 0x5a, sizeof(buf));
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = addr;
	remote.iov_len = sizeof(buf);
	n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, mem_write_fails(pid, addr));
	ASSERT_TRUE(sig_send(ch.p2c[1]));
	EXPECT_EQ(0, reap(pid));
	chan_close(&ch);
	ASSERT_REGION_UNCHANGED();
}

/* In a process holding a read-only attached @fd and (maybe) its mapping @ro: every route to a writable mapping fails. */
static int ro_child_checks(int fd, char *ro, size_t len)
{
	struct shmdev_info info;
	char *m;

	if (sd_info(fd, &info))
		return 60;
	if (!(info.region_flags & SHMDEV_REGION_RDONLY))
		return 61;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED || errno != EACCES)
		return 62;
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 63;
	if (check_pattern(m, len, RO_SEED) != -1)
		return 64;
	if (mprotect(m, len, PROT_READ | PROT_WRITE) != -1 || errno != EACCES)
		return 65;
	if (mem_write_fails(getpid(), m))
		return 66;
	if (ro && (mprotect(ro, len, PROT_READ | PROT_WRITE) != -1 ||
		   errno != EACCES))
		return 67;
	if (ro && check_pattern(ro, len, RO_SEED) != -1)
		return 68;
	/* re-attaching read-write on this file is refused */
	if (sd_attach_id(fd, info.id, 0) != -EBUSY)
		return 69;
	munmap(m, len);
	return 0;
}

/* A forked child inheriting the read-only fd and mapping cannot map it writable nor mprotect the inherited mapping. */
TEST_F(ro, fork_child_cannot_map_writable)
{
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(ro_child_checks(self->rofd, self->ro, self->len));
	EXPECT_EQ(0, reap(pid));
	ASSERT_REGION_UNCHANGED();
}

#define RO_EXEC_ARG	"--ro-exec-child"

/* An exec'd program given the read-only fd (kept open across exec) cannot map it writable. */
TEST_F(ro, exec_child_cannot_map_writable)
{
	char fdstr[16], lenstr[32];
	int fd;
	pid_t pid;

	fd = dup(self->rofd);	/* no O_CLOEXEC */
	ASSERT_GE(fd, 0);
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	snprintf(lenstr, sizeof(lenstr), "%zu", self->len);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		execl("/proc/self/exe", "shmdev_isolation_test", RO_EXEC_ARG,
		      fdstr, lenstr, (char *)NULL);
		_exit(127);
	}
	close(fd);
	EXPECT_EQ(0, reap(pid));
	ASSERT_REGION_UNCHANGED();
}

/* ==================================================== no stray bytes */

FIXTURE(leak) {
	int unused;
};

FIXTURE_SETUP(leak)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(leak)
{
}

#define POISON	0xA5

/* SHMDEV_IOC_INFO with a struct 64 bytes larger than this uapi's. */
#define INFO_GROWN	_IOC(_IOC_READ | _IOC_WRITE, SHMDEV_IOC_MAGIC,		\
			     _IOC_NR(SHMDEV_IOC_INFO),				\
			     sizeof(struct shmdev_info) + 64)

/*
 * Leave attacker-chosen bytes on the kernel stack (poll() copies the
 * pollfd array onto it), so that a handler copying out an uninitialised
 * stack byte would most likely show 0xA5 rather than a lucky zero.
 */
static void spray_kernel_stack(void)
{
	struct pollfd pfd[24];
	int i;

	for (i = 0; i < 24; i++) {
		pfd[i].fd = -1;
		pfd[i].events = (short)0xA5A5;
		pfd[i].revents = (short)0xA5A5;
	}
	poll(pfd, 24, 0);
}

/* An ioctl argument followed by 64 bytes the kernel must not touch. */
#define GUARDED(type) struct { type s; unsigned char guard[64]; }

static int guarded_ioctl(int fd, unsigned long cmd, void *arg, size_t size)
{
	memset((char *)arg + size, POISON, 64);
	spray_kernel_stack();
	return ret_errno(ioctl(fd, cmd, arg));
}

static bool guard_intact(const void *arg, size_t size)
{
	const unsigned char *g = (const unsigned char *)arg + size;
	int i;

	for (i = 0; i < 64; i++)
		if (g[i] != POISON)
			return false;
	return true;
}

/* Byte offset of the first difference, or -1. */
static long first_diff(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (x[i] != y[i])
			return (long)i;
	return -1;
}

#define EXPECT_SAME_BYTES(exp, got) do {					\
	long _d = first_diff(&(exp), &(got), sizeof(exp));		\
	EXPECT_EQ(-1, _d) TH_LOG("first differing byte at offset %ld", _d); \
} while (0)

/* Every ioctl's output is exactly the expected struct (all padding, reserved and unused bytes zero, name zero-padded, seq[] zero past nr_channels), identical across calls, and nothing is written past it. */
TEST_F(leak, outputs_have_no_stray_bytes)
{
	char name[SHMDEV_NAME_MAX];
	GUARDED(struct shmdev_api) api;
	GUARDED(struct shmdev_create) cr;
	GUARDED(struct shmdev_attach) at;
	GUARDED(struct shmdev_info) in, in2;
	GUARDED(struct shmdev_list) li;
	GUARDED(struct shmdev_notify) no;
	GUARDED(struct shmdev_wait) wa;
	GUARDED(struct shmdev_ack) ac;
	GUARDED(struct shmdev_waitv) wv;
	GUARDED(struct shmdev_poll_mask) pm;
	__u64 wv_seqs[3] = { 0, 0, 0 };
	struct shmdev_api eapi;
	struct shmdev_create ecr;
	struct shmdev_attach eat;
	struct shmdev_info ein;
	struct shmdev_list eli;
	struct shmdev_notify eno;
	struct shmdev_wait ewa;
	struct shmdev_ack eac;
	struct shmdev_waitv ewv;
	struct shmdev_poll_mask epm;
	struct { struct shmdev_info s; unsigned char tail[64];
		 unsigned char guard[64]; } big;
	__u64 *ids, poison;
	__u32 cap;
	bool found = false;
	long count;
	int fd, fd2, fd3, i;

	fd = shmdev_open(O_RDWR);
	fd2 = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_GE(fd2, 0);
	shmdev_name(name, "leak");

	/* API */
	memset(&api, 0, sizeof(api));
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_API, &api, sizeof(api.s)));
	memset(&eapi, 0, sizeof(eapi));
	eapi.version = SHMDEV_API_VERSION;
	eapi.ioctls = 0x3fff;
	eapi.create_flags = SHMDEV_CREATE_FLAGS_MASK;
	eapi.attach_flags = SHMDEV_ATTACH_FLAGS_MASK;
	eapi.wait_flags = SHMDEV_WAIT_FLAGS_MASK;
	eapi.max_region_size = sd_param("max_region_bytes");
	eapi.max_channels = SHMDEV_MAX_CHANNELS;
	eapi.page_size = page_size();
	eapi.huge_page_size = 2u << 20;
	eapi.ctl_offset = SHMDEV_CTL_OFFSET;
	eapi.ctl_size = page_size();
	eapi.ctl_channel_size = sizeof(struct shmdev_ctl_channel);
	EXPECT_SAME_BYTES(eapi, api.s);
	EXPECT_TRUE(guard_intact(&api, sizeof(api.s)));

	/* CREATE: a short name, 3 channels */
	memset(&cr, 0, sizeof(cr));
	cr.s.size = 3 * page_size() - 5;
	cr.s.nr_channels = 3;
	cr.s.mode = 0640;
	copy_name(cr.s.name, name);
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_CREATE, &cr, sizeof(cr.s)));
	ecr = (struct shmdev_create){ .size = 3 * page_size() - 5,
				      .nr_channels = 3, .mode = 0640,
				      .result_flags = SHMDEV_CREATE_RESULT_NEW,
				      .id = cr.s.id };
	copy_name(ecr.name, name);
	EXPECT_NE(0u, cr.s.id);
	EXPECT_SAME_BYTES(ecr, cr.s);
	EXPECT_TRUE(guard_intact(&cr, sizeof(cr.s)));

	/* ATTACH by name (read-only) */
	memset(&at, 0, sizeof(at));
	at.s.flags = SHMDEV_ATTACH_RDONLY;
	copy_name(at.s.name, name);
	ASSERT_EQ(0, guarded_ioctl(fd2, SHMDEV_IOC_ATTACH, &at, sizeof(at.s)));
	memset(&eat, 0, sizeof(eat));
	eat.id = cr.s.id;
	eat.flags = SHMDEV_ATTACH_RDONLY;
	copy_name(eat.name, name);
	EXPECT_SAME_BYTES(eat, at.s);
	EXPECT_TRUE(guard_intact(&at, sizeof(at.s)));

	/* NOTIFY channel 1 twice, channel 2 once */
	for (i = 0; i < 3; i++) {
		memset(&no, 0, sizeof(no));
		no.s.channel = i == 2 ? 2 : 1;
		ASSERT_EQ(0, guarded_ioctl(fd2, SHMDEV_IOC_NOTIFY, &no, sizeof(no.s)));
		memset(&eno, 0, sizeof(eno));
		eno.channel = no.s.channel;
		eno.seq = i == 1 ? 2 : 1;
		EXPECT_SAME_BYTES(eno, no.s);
		EXPECT_TRUE(guard_intact(&no, sizeof(no.s)));
	}

	/* INFO of the attached (read-only) file, then by id, then again */
	memset(&ein, 0, sizeof(ein));
	ein.id = cr.s.id;
	ein.region_flags = SHMDEV_REGION_RDONLY;
	ein.size = 3 * page_size();
	ein.mode = 0640;
	ein.nr_channels = 3;
	ein.nr_attached = 2;
	copy_name(ein.name, name);
	ein.seq[1] = 2;
	ein.seq[2] = 1;
	memset(&in, 0, sizeof(in));
	ASSERT_EQ(0, guarded_ioctl(fd2, SHMDEV_IOC_INFO, &in, sizeof(in.s)));
	/* this process created and last attached; the times are checked elsewhere */
	ein.cpid = getpid();
	ein.lpid = getpid();
	EXPECT_NE(0, in.s.ctime);
	EXPECT_GE(in.s.atime, in.s.ctime);
	ein.ctime = in.s.ctime;
	ein.atime = in.s.atime;
	ein.dtime = in.s.dtime;
	EXPECT_SAME_BYTES(ein, in.s);
	EXPECT_TRUE(guard_intact(&in, sizeof(in.s)));

	memset(&in2, 0, sizeof(in2));
	in2.s.id = cr.s.id;
	in2.s.flags = SHMDEV_INFO_BY_ID;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_INFO, &in2, sizeof(in2.s)));
	ein.flags = SHMDEV_INFO_BY_ID;
	ein.region_flags = 0;
	EXPECT_SAME_BYTES(ein, in2.s);
	EXPECT_TRUE(guard_intact(&in2, sizeof(in2.s)));
	memset(&in, 0, sizeof(in));
	in.s.id = cr.s.id;
	in.s.flags = SHMDEV_INFO_BY_ID;
	ASSERT_EQ(0, guarded_ioctl(fd2, SHMDEV_IOC_INFO, &in, sizeof(in.s)));
	EXPECT_SAME_BYTES(in2.s, in.s);

	/* INFO through a struct grown by 64 zero bytes: same output, tail still zero */
	memset(&big, 0, sizeof(big));
	memset(big.guard, POISON, sizeof(big.guard));
	spray_kernel_stack();
	ASSERT_EQ(0, ret_errno(ioctl(fd, INFO_GROWN, &big)));
	ein.flags = 0;
	EXPECT_SAME_BYTES(ein, big.s);
	for (i = 0; i < 64; i++) {
		EXPECT_EQ(0, big.tail[i]);
		EXPECT_EQ(POISON, big.guard[i]);
	}

	/* ATTACH by id: the struct comes back as it went in */
	fd3 = shmdev_open(O_RDWR);
	ASSERT_GE(fd3, 0);
	memset(&at, 0, sizeof(at));
	at.s.id = cr.s.id;
	at.s.flags = SHMDEV_ATTACH_BY_ID;
	ASSERT_EQ(0, guarded_ioctl(fd3, SHMDEV_IOC_ATTACH, &at, sizeof(at.s)));
	memset(&eat, 0, sizeof(eat));
	eat.id = cr.s.id;
	eat.flags = SHMDEV_ATTACH_BY_ID;
	EXPECT_SAME_BYTES(eat, at.s);
	EXPECT_TRUE(guard_intact(&at, sizeof(at.s)));
	close(fd3);

	/* LIST: only @count ids are written; the rest of the array keeps its poison */
	count = sd_list_count(fd);
	ASSERT_GE(count, 1);
	cap = count + 8;	/* room for 8 more than exist */
	ids = malloc((cap + 8) * sizeof(*ids));
	ASSERT_NE(NULL, ids);
	memset(ids, POISON, (cap + 8) * sizeof(*ids));
	memset(&li, 0, sizeof(li));
	li.s.ids_ptr = (__u64)(uintptr_t)ids;
	li.s.capacity = cap;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_LIST, &li, sizeof(li.s)));
	eli = (struct shmdev_list){ .ids_ptr = (__u64)(uintptr_t)ids,
				    .capacity = cap, .count = count };
	EXPECT_SAME_BYTES(eli, li.s);
	EXPECT_TRUE(guard_intact(&li, sizeof(li.s)));
	memset(&poison, POISON, sizeof(poison));
	for (i = 0; i < count; i++) {
		EXPECT_NE(0u, ids[i]);
		if (i)
			EXPECT_LT(ids[i - 1], ids[i]);
		found |= ids[i] == cr.s.id;
	}
	EXPECT_TRUE(found);
	for (i = count; i < (int)cap + 8; i++)
		EXPECT_EQ(poison, ids[i]) TH_LOG("ids[%d] written", i);
	free(ids);

	/* WAIT returning at once (stale seq), and timing out */
	memset(&wa, 0, sizeof(wa));
	wa.s.channel = 1;
	wa.s.seq = 0;
	wa.s.timeout_ns = 1000;
	ASSERT_EQ(0, guarded_ioctl(fd2, SHMDEV_IOC_WAIT, &wa, sizeof(wa.s)));
	ewa = (struct shmdev_wait){ .channel = 1, .seq = 2, .timeout_ns = 1000 };
	EXPECT_SAME_BYTES(ewa, wa.s);
	EXPECT_TRUE(guard_intact(&wa, sizeof(wa.s)));

	memset(&wa, 0, sizeof(wa));
	wa.s.channel = 0;
	wa.s.seq = 0;
	wa.s.timeout_ns = 0;
	ASSERT_EQ(-ETIMEDOUT, guarded_ioctl(fd2, SHMDEV_IOC_WAIT, &wa, sizeof(wa.s)));
	ewa = (struct shmdev_wait){ .channel = 0, .seq = 0, .timeout_ns = 0 };
	EXPECT_SAME_BYTES(ewa, wa.s);
	EXPECT_TRUE(guard_intact(&wa, sizeof(wa.s)));

	memset(&wa, 0, sizeof(wa));
	wa.s.channel = 2;
	wa.s.seq = 1;
	wa.s.timeout_ns = 1000000;
	ASSERT_EQ(-ETIMEDOUT, guarded_ioctl(fd2, SHMDEV_IOC_WAIT, &wa, sizeof(wa.s)));
	ewa = (struct shmdev_wait){ .channel = 2, .seq = 1, .timeout_ns = 1000000 };
	EXPECT_SAME_BYTES(ewa, wa.s);

	/* ACK: fd (attached before the notifies) has channels 1 and 2 pending */
	memset(&ac, 0, sizeof(ac));
	ac.s.channels = 0x1;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_ACK, &ac, sizeof(ac.s)));
	eac = (struct shmdev_ack){ .channels = 0x1, .pending = 0x6 };
	EXPECT_SAME_BYTES(eac, ac.s);
	EXPECT_TRUE(guard_intact(&ac, sizeof(ac.s)));
	memset(&ac, 0, sizeof(ac));
	ac.s.channels = 0x7;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_ACK, &ac, sizeof(ac.s)));
	eac = (struct shmdev_ack){ .channels = 0x7, .pending = 0x6 };
	EXPECT_SAME_BYTES(eac, ac.s);
	memset(&ac, 0, sizeof(ac));
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_ACK, &ac, sizeof(ac.s)));
	eac = (struct shmdev_ack){ 0 };
	EXPECT_SAME_BYTES(eac, ac.s);

	/* WAITV: channel 1 moved (seq 2), channel 0 did not */
	memset(&wv, 0, sizeof(wv));
	wv.s.channels = 0x3;
	wv.s.seqs_ptr = (uintptr_t)wv_seqs;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_WAITV, &wv, sizeof(wv.s)));
	ewv = (struct shmdev_waitv){ .channels = 0x3,
				     .seqs_ptr = (uintptr_t)wv_seqs,
				     .advanced = 0x2 };
	EXPECT_SAME_BYTES(ewv, wv.s);
	EXPECT_TRUE(guard_intact(&wv, sizeof(wv.s)));
	memset(&wv, 0, sizeof(wv));
	wv.s.channels = 0x1;
	wv.s.seqs_ptr = (uintptr_t)wv_seqs;
	ASSERT_EQ(-ETIMEDOUT, guarded_ioctl(fd, SHMDEV_IOC_WAITV, &wv, sizeof(wv.s)));
	ewv = (struct shmdev_waitv){ .channels = 0x1,
				     .seqs_ptr = (uintptr_t)wv_seqs };
	EXPECT_SAME_BYTES(ewv, wv.s);
	EXPECT_TRUE(guard_intact(&wv, sizeof(wv.s)));

	/* POLL_MASK: the previous mask is all 3 channels, then the new one */
	memset(&pm, 0, sizeof(pm));
	pm.s.channels = 0x1;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_POLL_MASK, &pm, sizeof(pm.s)));
	epm = (struct shmdev_poll_mask){ .channels = 0x1, .previous = 0x7 };
	EXPECT_SAME_BYTES(epm, pm.s);
	EXPECT_TRUE(guard_intact(&pm, sizeof(pm.s)));
	memset(&pm, 0, sizeof(pm));
	pm.s.channels = 0x7;
	ASSERT_EQ(0, guarded_ioctl(fd, SHMDEV_IOC_POLL_MASK, &pm, sizeof(pm.s)));
	epm = (struct shmdev_poll_mask){ .channels = 0x7, .previous = 0x1 };
	EXPECT_SAME_BYTES(epm, pm.s);

	/* a failing call writes nothing back */
	memset(&in, 0, sizeof(in));
	in.s.id = ~0ULL;
	in.s.flags = SHMDEV_INFO_BY_ID;
	ASSERT_EQ(-ENOENT, guarded_ioctl(fd, SHMDEV_IOC_INFO, &in, sizeof(in.s)));
	memset(&ein, 0, sizeof(ein));
	ein.id = ~0ULL;
	ein.flags = SHMDEV_INFO_BY_ID;
	EXPECT_SAME_BYTES(ein, in.s);

	EXPECT_EQ(0, sd_destroy_id(fd, cr.s.id));
	close(fd);
	close(fd2);
}

/* The exec'd side of ro.exec_child_cannot_map_writable. */
static int ro_exec_child(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	return ro_child_checks(atoi(argv[2]), NULL, strtoul(argv[3], NULL, 0));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], RO_EXEC_ARG))
		return ro_exec_child(argc, argv);
	shmdev_require_device(argc, argv);
	return test_harness_run(argc, argv);
}
