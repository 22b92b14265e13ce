/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the shmdev selftests.  Every helper returns 0 or a
 * negative errno so tests can assert the exact error with ASSERT_EQ().
 */
#ifndef SHMDEV_COMMON_H
#define SHMDEV_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include <linux/shmdev.h>

#ifndef SHMDEV_NO_HARNESS
/*
 * The harness is built for -Wall only: under -Wextra its signal handler has
 * an unused parameter and its TEST_F wrappers trip -Wclobbered (setjmp in
 * the macro).  Silence exactly those two, for the harness's sake.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wclobbered"
#endif
#endif

#define SHMDEV_DEV		"/dev/shmdev"
#define SHMDEV_PARAM_DIR	"/sys/module/shmdev/parameters/"
#define SHMDEV_CLASS_DIR	"/sys/class/misc/shmdev/"
#define SHMDEV_HELPER		"shmdev_helper"

/* Unprivileged ids used when a test drops root. */
#define UID_A	4242
#define UID_B	4343

static inline long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static inline int shmdev_open(int flags)
{
	return open(SHMDEV_DEV, flags | O_CLOEXEC);
}

/* Unique region name for this process: "st-<tag>-<pid>-<n>". */
static inline void shmdev_name(char name[SHMDEV_NAME_MAX], const char *tag)
{
	static unsigned int counter;

	memset(name, 0, SHMDEV_NAME_MAX);
	snprintf(name, SHMDEV_NAME_MAX, "st-%s-%d-%u", tag, (int)getpid(),
		 counter++);
}

/* Copy a C string into a zeroed name field (at most 64 bytes). */
static inline void copy_name(char *dst, const char *name)
{
	memcpy(dst, name, strnlen(name, SHMDEV_NAME_MAX));
}

static inline int ret_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

static inline int sd_create_full(int fd, const char *name, __u64 size,
				 __u32 nr_channels, __u32 mode, __u32 flags,
				 struct shmdev_create *out)
{
	struct shmdev_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.nr_channels = nr_channels;
	c.mode = mode;
	c.flags = flags;
	copy_name(c.name, name);
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_CREATE, &c));
	if (out)
		*out = c;
	return ret;
}

static inline int sd_create(int fd, const char *name, __u64 size,
			    __u32 nr_channels, __u32 mode, __u64 *id)
{
	struct shmdev_create c;
	int ret;

	ret = sd_create_full(fd, name, size, nr_channels, mode, 0, &c);
	if (!ret && id)
		*id = c.id;
	return ret;
}

static inline int sd_attach_name(int fd, const char *name, __u32 flags,
				 __u64 *id)
{
	struct shmdev_attach a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.flags = flags;
	copy_name(a.name, name);
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_ATTACH, &a));
	if (!ret && id)
		*id = a.id;
	return ret;
}

static inline int sd_attach_id(int fd, __u64 id, __u32 flags)
{
	struct shmdev_attach a;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.flags = flags | SHMDEV_ATTACH_BY_ID;
	return ret_errno(ioctl(fd, SHMDEV_IOC_ATTACH, &a));
}

static inline int sd_info(int fd, struct shmdev_info *info)
{
	memset(info, 0, sizeof(*info));
	return ret_errno(ioctl(fd, SHMDEV_IOC_INFO, info));
}

static inline int sd_info_id(int fd, __u64 id, struct shmdev_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	info->flags = SHMDEV_INFO_BY_ID;
	return ret_errno(ioctl(fd, SHMDEV_IOC_INFO, info));
}

static inline int sd_destroy_name(int fd, const char *name)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	copy_name(d.name, name);
	return ret_errno(ioctl(fd, SHMDEV_IOC_DESTROY, &d));
}

static inline int sd_destroy_id(int fd, __u64 id)
{
	struct shmdev_destroy d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.flags = SHMDEV_DESTROY_BY_ID;
	return ret_errno(ioctl(fd, SHMDEV_IOC_DESTROY, &d));
}

static inline int sd_list(int fd, __u64 *ids, __u32 capacity, __u32 *count)
{
	struct shmdev_list l;
	int ret;

	memset(&l, 0, sizeof(l));
	l.ids_ptr = (__u64)(uintptr_t)ids;
	l.capacity = capacity;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_LIST, &l));
	if (!ret && count)
		*count = l.count;
	return ret;
}

/* Number of live regions according to LIST, or a negative errno. */
static inline long sd_list_count(int fd)
{
	__u32 count;
	int ret = sd_list(fd, NULL, 0, &count);

	return ret ? ret : (long)count;
}

static inline int sd_notify(int fd, __u32 channel, __u64 *seq)
{
	struct shmdev_notify n;
	int ret;

	memset(&n, 0, sizeof(n));
	n.channel = channel;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, &n));
	if (!ret && seq)
		*seq = n.seq;
	return ret;
}

/* WAIT; *seq is in/out and is updated whatever the result. */
static inline int sd_wait(int fd, __u32 channel, __u32 flags, __u64 *seq,
			  __u64 timeout_ns)
{
	struct shmdev_wait w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.channel = channel;
	w.flags = flags;
	w.seq = *seq;
	w.timeout_ns = timeout_ns;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_WAIT, &w));
	*seq = w.seq;
	return ret;
}

static inline int sd_ack(int fd, __u64 channels, __u64 *pending)
{
	struct shmdev_ack a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.channels = channels;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_ACK, &a));
	if (!ret && pending)
		*pending = a.pending;
	return ret;
}

/* Open a fresh fd and create a region on it; returns the fd or -errno. */
static inline int sd_new_region(const char *name, __u64 size, __u32 nr_channels,
				__u32 mode, __u64 *id)
{
	int fd = shmdev_open(O_RDWR);
	int ret;

	if (fd < 0)
		return -errno;
	ret = sd_create(fd, name, size, nr_channels, mode, id);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * A region for a FIXTURE_VARIANT: created read-write through a new file
 * (*@fd), and mapped through *@mfd: the same file, or with @rdonly a
 * second one attached read-only (its id in *@id).  0 or -errno.
 */
static inline int sd_variant_region(const char *name, __u64 size,
				    __u32 create_flags, bool rdonly, int *fd,
				    int *mfd, __u64 *id)
{
	int ret;

	*fd = shmdev_open(O_RDWR);
	if (*fd < 0)
		return -errno;
	ret = sd_create_full(*fd, name, size, 1, 0600, create_flags, NULL);
	if (ret)
		return ret;
	*mfd = *fd;
	if (!rdonly)
		return 0;
	*mfd = shmdev_open(O_RDWR);
	if (*mfd < 0)
		return -errno;
	return sd_attach_name(*mfd, name, SHMDEV_ATTACH_RDONLY, id);
}

/* Best-effort removal of a region by name (cleanup paths). */
static inline void sd_cleanup_name(const char *name)
{
	int fd = shmdev_open(O_RDWR);

	if (fd >= 0) {
		sd_destroy_name(fd, name);
		close(fd);
	}
}

static inline long long sysfs_read_ll(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtoll(buf, NULL, 0);
}

static inline int sysfs_write_ll(const char *path, long long val)
{
	char buf[64];
	int fd, len, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lld\n", val);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write @s to the file @path (procfs, sysfs); 0, or -errno (-EIO if short). */
static inline int write_str(const char *path, const char *s)
{
	ssize_t len = (ssize_t)strlen(s), n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, len);
	if (n != len)
		ret = n < 0 ? -errno : -EIO;
	close(fd);
	return ret;
}

static inline long long sd_param(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), SHMDEV_PARAM_DIR "%s", name);
	return sysfs_read_ll(path);
}

static inline int sd_set_param(const char *name, long long val)
{
	char path[256];

	snprintf(path, sizeof(path), SHMDEV_PARAM_DIR "%s", name);
	return sysfs_write_ll(path, val);
}

static inline long long sd_bytes_in_use(void)
{
	return sysfs_read_ll(SHMDEV_CLASS_DIR "bytes_in_use");
}

static inline long long sd_regions(void)
{
	return sysfs_read_ll(SHMDEV_CLASS_DIR "regions");
}

/*
 * Wait up to ~2 s for a sysfs counter to reach @want (frees might be
 * finished from a deferred context); returns the last value read.
 */
static inline long long sysfs_settle(long long (*get)(void), long long want)
{
	long long v = get();
	int i;

	for (i = 0; i < 200 && v != want; i++) {
		usleep(10000);
		v = get();
	}
	return v;
}

/* Physical frame of the page at @addr (touching it first); 0 if unknown. */
static inline uint64_t pfn_of(const void *addr)
{
	uint64_t ent = 0;
	off_t off = ((uintptr_t)addr / page_size()) * sizeof(ent);
	int fd;

	(void)*(volatile const char *)addr;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent & (1ULL << 63)))
		return 0;
	return ent & ((1ULL << 55) - 1);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Deterministic content for byte offset @off under @seed. */
static inline uint64_t pattern(uint64_t seed, uint64_t off)
{
	return (seed * 0x9E3779B97F4A7C15ULL) ^ (off * 0xff51afd7ed558ccdULL);
}

static inline void fill_pattern(void *p, size_t len, uint64_t seed)
{
	uint64_t *q = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		q[i] = pattern(seed, i * 8);
}

/* Returns the byte offset of the first mismatch, or -1 if all matches. */
static inline long check_pattern(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *q = p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (q[i] != pattern(seed, i * 8))
			return (long)(i * 8);
	return -1;
}

/* Path of a sibling binary (same directory as /proc/self/exe). */
static inline int sibling_path(const char *name, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return -EINVAL;
	*slash = 0;
	if ((size_t)snprintf(buf, len, "%s/%s", self, name) >= len)
		return -ENAMETOOLONG;
	return access(buf, X_OK) ? -errno : 0;
}

/*
 * Run the exec'd helper with arguments @args (NULL-terminated, without
 * argv[0]), collecting its stdout into @out.  Returns its exit status,
 * or a negative errno / -1000 - signal.
 */
static inline int run_helper(const char *const *args, char *out, size_t outlen)
{
	char path[PATH_MAX];
	const char *argv[16];
	int pfd[2], status, i, ret;
	size_t got = 0;
	pid_t pid;

	ret = sibling_path(SHMDEV_HELPER, path, sizeof(path));
	if (ret)
		return ret;
	argv[0] = path;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], out + got, outlen - 1 - got);

		if (n <= 0)
			break;
		got += n;
		if (got == outlen - 1)
			break;
	}
	out[got] = 0;
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (WIFSIGNALED(status))
		return -1000 - WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Set the capability sets of the calling thread to exactly @mask (effective
 * and permitted; inheritable cleared), with raw capset.
 */
static inline int set_caps(uint64_t mask)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (__u32)mask;
	data[1].effective = data[1].permitted = (__u32)(mask >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

#ifndef SHMDEV_NO_HARNESS
/*
 * main() for every test binary: skip the whole program (exit 4) unless
 * running as root with /dev/shmdev present; "-h"/"-l" work anywhere.
 */
static inline void shmdev_require_device(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			return;
	if (geteuid() != 0) {
		ksft_print_header();
		ksft_exit_skip("shmdev selftests must run as root\n");
	}
	if (access(SHMDEV_DEV, F_OK)) {
		ksft_print_header();
		ksft_exit_skip(SHMDEV_DEV " not present (module not loaded?)\n");
	}
}

#define SHMDEV_HARNESS_MAIN					\
	int main(int argc, char **argv)				\
	{							\
		shmdev_require_device(argc, argv);		\
		return test_harness_run(argc, argv);		\
	}

#endif /* SHMDEV_NO_HARNESS */

/* ------------------------------------------------- processes and the module */

/* Exit code of @pid: its status, or 300 + signal, or -1. */
static inline int reap(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 300 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Credentials for run_creds(): at most 4 supplementary groups. */
struct creds {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[4];
	uint64_t caps;
};

/*
 * In a forked child: open a fresh /dev/shmdev fd (O_RDWR) as root, then
 * take the credentials @cr (groups, gid, uid, then capability set) and
 * run fn(fd, arg).  The child's exit status is fn's return value (an
 * errno, 0 for success) or 200+ for setup failures.  Returns reap()'s
 * result.
 */
static inline int run_creds(const struct creds *cr,
			    int (*fn)(int fd, void *arg), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = shmdev_open(O_RDWR);

		if (fd < 0)
			_exit(200);
		if (prctl(PR_SET_KEEPCAPS, cr->caps ? 1 : 0, 0, 0, 0))
			_exit(201);
		if (setgroups(cr->ngroups, cr->groups))
			_exit(202);
		if (setresgid(cr->gid, cr->gid, cr->gid))
			_exit(203);
		if (setresuid(cr->uid, cr->uid, cr->uid))
			_exit(204);
		if (set_caps(cr->caps))
			_exit(205);
		_exit(fn(fd, arg) & 0xff);
	}
	return reap(pid);
}

/* run_creds() as @uid/@uid, no supplementary groups, capabilities @caps. */
static inline int run_as(uid_t uid, uint64_t caps,
			 int (*fn)(int fd, void *arg), void *arg)
{
	const struct creds cr = { .uid = uid, .gid = uid, .caps = caps };

	return run_creds(&cr, fn, arg);
}

#define SHMDEV_KO_DEFAULT	"/lib/modules/shmdev.ko"
#define SYS_MODULE_DIR		"/sys/module/shmdev"

/* The module file to (re)load: $SHMDEV_KO or the guest's default. */
static inline const char *ko_path(void)
{
	const char *p = getenv("SHMDEV_KO");

	return p && *p ? p : SHMDEV_KO_DEFAULT;
}

static inline bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Wait up to @ms for @path to (dis)appear; returns whether it is in the wanted state. */
static inline bool wait_path(const char *path, bool present, int ms)
{
	int i;

	for (i = 0; i <= ms / 10; i++) {
		if (path_exists(path) == present)
			return true;
		usleep(10000);
	}
	return false;
}

/* finit_module() of ko_path(), then wait for the device node. */
static inline int load_module(void)
{
	int fd = open(ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	if (!ret && !wait_path(SHMDEV_DEV, true, 5000))
		ret = -ENODEV;
	return ret;
}

/* Load the module if it is gone and wait for its device node. */
static inline int ensure_loaded(void)
{
	int ret = 0;

	if (!path_exists(SYS_MODULE_DIR)) {
		ret = load_module();
		if (ret == -EEXIST)
			ret = 0;
	}
	if (!ret && !wait_path(SHMDEV_DEV, true, 5000))
		ret = -ENODEV;
	return ret;
}


/* ------------------------------------------------ page tables (SHMDEV_IOC_MAP) */

/* One MAP call: the argument as returned, and the arrays it filled. */
struct sd_snap {
	struct shmdev_map m;
	struct shmdev_map_vma *vmas;
	struct shmdev_map_run *runs;
};

/* A raw MAP call with caller-provided arrays; returns 0 or -errno. */
static inline int sd_map(int fd, __u32 flags, __u64 id,
			 struct shmdev_map_vma *vmas, __u32 vcap,
			 struct shmdev_map_run *runs, __u32 rcap,
			 struct shmdev_map *out)
{
	struct shmdev_map m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.flags = flags;
	m.id = id;
	m.vmas_ptr = (__u64)(uintptr_t)vmas;
	m.runs_ptr = (__u64)(uintptr_t)runs;
	m.vma_size = sizeof(*vmas);
	m.run_size = sizeof(*runs);
	m.vma_capacity = vcap;
	m.run_capacity = rcap;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_MAP, &m));
	if (out)
		*out = m;
	return ret;
}

static inline void sd_snap_free(struct sd_snap *s)
{
	free(s->vmas);
	free(s->runs);
	memset(s, 0, sizeof(*s));
}

/*
 * A whole snapshot: ask for the counts, then for the records with some
 * room to spare (retried if processes mapped more meanwhile).
 */
static inline int sd_snap_take(int fd, __u32 flags, __u64 id, struct sd_snap *s)
{
	struct shmdev_map m;
	int ret, tries;

	memset(s, 0, sizeof(*s));
	ret = sd_map(fd, flags, id, NULL, 0, NULL, 0, &m);
	for (tries = 0; !ret && tries < 8; tries++) {
		__u32 vcap = m.nr_vmas + 4, rcap = m.nr_runs + 64;

		free(s->vmas);
		free(s->runs);
		s->vmas = calloc(vcap, sizeof(*s->vmas));
		s->runs = calloc(rcap, sizeof(*s->runs));
		if (!s->vmas || !s->runs)
			return -ENOMEM;
		ret = sd_map(fd, flags, id, s->vmas, vcap, s->runs, rcap, &s->m);
		if (!ret && !(s->m.result_flags & SHMDEV_MAP_RESULT_TRUNCATED))
			return 0;
		m = s->m;
	}
	return ret ? ret : -EAGAIN;
}

/* The VMA record of @pid covering @addr, or NULL. */
static inline const struct shmdev_map_vma *
sd_snap_vma(const struct sd_snap *s, pid_t pid, uintptr_t addr)
{
	__u32 i;

	for (i = 0; i < s->m.nr_vmas; i++)
		if (s->vmas[i].pid == (__u32)pid && s->vmas[i].start <= addr &&
		    addr < s->vmas[i].end)
			return &s->vmas[i];
	return NULL;
}

/*
 * The run of @pid covering @addr, or NULL; *pfn (if given) is that page's
 * own frame, from the run's first.
 */
static inline const struct shmdev_map_run *
sd_snap_run(const struct sd_snap *s, pid_t pid, uintptr_t addr, uint64_t *pfn)
{
	const struct shmdev_map_vma *v = sd_snap_vma(s, pid, addr);
	__u32 i;

	if (!v)
		return NULL;
	for (i = v->first_run; i < v->first_run + v->nr_runs; i++) {
		const struct shmdev_map_run *r = &s->runs[i];

		if (r->addr <= addr && addr < r->addr + r->nr_pages * page_size()) {
			if (pfn)
				*pfn = r->pfn ? r->pfn + (addr - r->addr) / page_size() : 0;
			return r;
		}
	}
	return NULL;
}

/* The /proc/PID/pagemap entry of @addr in @pid (0: self), or 0. */
static inline uint64_t pagemap_of(pid_t pid, uintptr_t addr)
{
	char path[64];
	uint64_t ent = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid ? pid : getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), addr / page_size() * sizeof(ent)) !=
	    sizeof(ent))
		ent = 0;
	close(fd);
	return ent;
}

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_SOFT_DIRTY	(1ULL << 55)

/* /proc/kpageflags of @pfn, or ~0 if unreadable. */
static inline uint64_t kpageflags_of(uint64_t pfn)
{
	uint64_t flags = ~0ULL;
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return flags;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags))
		flags = ~0ULL;
	close(fd);
	return flags;
}

#define KPF_COMPOUND_HEAD	15
#define KPF_UNEVICTABLE		18
#define KPF_THP			22

/* A field (kB) of the smaps entry of @pid's VMA starting at @start, or -1. */
static inline long smaps_field_kb(pid_t pid, uintptr_t start, const char *field)
{
	char path[64], line[512];
	size_t flen = strlen(field);
	bool in = false;
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid ? pid : getpid());
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = a == start;
			continue;
		}
		if (in && !strncmp(line, field, flen) && line[flen] == ':') {
			val = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* -------------------------------------- the control page and its ioctls */

/* POST and WAKE: the channel index is the argument itself. */
static inline int sd_post(int fd, unsigned long channel)
{
	return ret_errno(ioctl(fd, SHMDEV_IOC_POST, channel));
}

static inline int sd_wake(int fd, unsigned long channel)
{
	return ret_errno(ioctl(fd, SHMDEV_IOC_WAKE, channel));
}

/* WAITV on @channels with the seen sequences @seqs (indexed by channel). */
static inline int sd_waitv(int fd, __u64 channels, const __u64 *seqs,
			   __u64 timeout_ns, __u64 *advanced)
{
	struct shmdev_waitv w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.channels = channels;
	w.seqs_ptr = (uintptr_t)seqs;
	w.timeout_ns = timeout_ns;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_WAITV, &w));
	if (advanced)
		*advanced = w.advanced;
	return ret;
}

static inline int sd_poll_mask(int fd, __u64 channels, __u64 *previous)
{
	struct shmdev_poll_mask m;
	int ret;

	memset(&m, 0, sizeof(m));
	m.channels = channels;
	ret = ret_errno(ioctl(fd, SHMDEV_IOC_POLL_MASK, &m));
	if (!ret && previous)
		*previous = m.previous;
	return ret;
}

/* Map the control page of @fd's region read-write; MAP_FAILED with errno. */
static inline struct shmdev_ctl_page *sd_ctl_map(int fd)
{
	return mmap(NULL, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    (off_t)SHMDEV_CTL_OFFSET);
}

/* The fast-path notify of DOC: control page: add, then WAKE only if needed. */
static inline int sd_fast_notify(int fd, struct shmdev_ctl_page *ctl,
				 __u32 ch, __u64 *seq)
{
	__u64 s = __atomic_add_fetch(&ctl->channel[ch].seq, 1, __ATOMIC_SEQ_CST);

	if (seq)
		*seq = s;
	if (__atomic_load_n(&ctl->channel[ch].waiters, __ATOMIC_SEQ_CST))
		return sd_wake(fd, ch);
	return 0;
}

static inline __u32 sd_ctl_waiters(const struct shmdev_ctl_page *ctl, __u32 ch)
{
	return __atomic_load_n(&ctl->channel[ch].waiters, __ATOMIC_ACQUIRE);
}

/*
 * Wait up to @ms for the control page to record @want waiters on @ch: the
 * kernel counts a task before it sleeps, so this is how a test knows that
 * a child is (about to be) asleep.  Returns the last count seen.
 */
static inline __u32 sd_ctl_await_waiters(const struct shmdev_ctl_page *ctl,
					 __u32 ch, __u32 want, int ms)
{
	__u32 n = sd_ctl_waiters(ctl, ch);

	while (n != want && ms-- > 0) {
		usleep(1000);
		n = sd_ctl_waiters(ctl, ch);
	}
	return n;
}

#endif /* SHMDEV_COMMON_H */
