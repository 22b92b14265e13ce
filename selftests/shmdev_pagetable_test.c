// SPDX-License-Identifier: GPL-2.0
/*
 * SHMDEV_IOC_MAP: a region's page-table entries in every process mapping
 * it.  Every validation failure of the ioctl; who may see what, as an
 * unprivileged uid; and each experiment of the page-table lab, asserted on
 * MAP's output and cross-checked page by page against /proc/PID/pagemap
 * (every frame), smaps (Rss, FilePmdMapped) and /proc/kpageflags
 * (unevictable, compound head, THP).  On kernels without transparent huge
 * pages (PREEMPT_RT) the PMD expectations become PTEs with WHY_NO_THP.
 * A last test watches the module's tracepoints through tracefs.
 */
#define _GNU_SOURCE
#include <sys/mount.h>

#include "shmdev_common.h"

/* The harness compares int literals with the uapi's unsigned fields. */
#pragma GCC diagnostic ignored "-Wsign-compare"

#define HUGE_SZ		(2UL << 20)
#define REGION_SZ	(2 * HUGE_SZ)
#define PG		4096UL
#define NR_PAGES	(REGION_SZ / PG)

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE	41
#endif

static bool kernel_has_thp(void)
{
	return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
}

/* A 2 MiB-aligned range of @len bytes that nothing uses. */
static char *aligned_hole(size_t len)
{
	char *p = mmap(NULL, len + HUGE_SZ, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + HUGE_SZ - 1) & ~(HUGE_SZ - 1));
	munmap(p, len + HUGE_SZ);
	return a;
}

/*
 * Folios still in a per-CPU LRU batch have no PG_unevictable yet: drain
 * them.  Before a snapshot only: compaction (which drains on every kernel;
 * mlock() does on some) may move anonymous copies, never region folios.
 */
static void drain_lru(void)
{
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	sysfs_write_ll("/proc/sys/vm/compact_memory", 1);
	if (p != MAP_FAILED) {
		/* mlock() starts with lru_add_drain_all(). */
		if (!mlock(p, PG))
			munlock(p, PG);
		munmap(p, PG);
	}
}

/*
 * Every page of every VMA of @pid in @s against /proc: present in pagemap
 * exactly when MAP shows a level, with the same frame; kpageflags of the
 * region's frames unevictable, order-9 heads compound heads (and THP where
 * the kernel has it); smaps Rss and FilePmdMapped equal to MAP's counts.
 * Returns 0, or a code naming the first mismatch (printed).
 */
static int verify_pid(const struct sd_snap *s, pid_t pid)
{
	__u32 i, j;
	int seen = 0;

	for (i = 0; i < s->m.nr_vmas; i++) {
		const struct shmdev_map_vma *v = &s->vmas[i];
		unsigned long rss = 0, pmd = 0;

		if (v->pid != (__u32)pid)
			continue;
		seen++;
		for (j = v->first_run; j < v->first_run + v->nr_runs; j++) {
			const struct shmdev_map_run *r = &s->runs[j];
			__u64 k;

			for (k = 0; k < r->nr_pages; k++) {
				uintptr_t a = r->addr + k * PG;
				uint64_t pm = pagemap_of(pid, a);
				uint64_t pfn = r->pfn + k, kf;
				bool mapped = r->level != SHMDEV_LEVEL_NONE;

				if (mapped != !!(pm & PM_PRESENT)) {
					printf("# %d 0x%lx: level %u, pagemap %#llx\n",
					       pid, (long)a, r->level,
					       (unsigned long long)pm);
					return 1;
				}
				if (!mapped)
					continue;
				rss++;
				pmd += r->level == SHMDEV_LEVEL_PMD;
				if ((pm & PM_PFN_MASK) != pfn) {
					printf("# %d 0x%lx: pfn %#llx, pagemap %#llx\n",
					       pid, (long)a, (unsigned long long)pfn,
					       (unsigned long long)pm);
					return 2;
				}
				/* Older kernels flag the folio's head page only. */
				kf = kpageflags_of(pfn & ~((1ULL << r->folio_order) - 1));
				if (r->kind == SHMDEV_PAGE_REGION &&
				    !(kf & (1ULL << KPF_UNEVICTABLE))) {
					printf("# pfn %#llx kpageflags %#llx: not unevictable\n",
					       (unsigned long long)pfn,
					       (unsigned long long)kf);
					return 3;
				}
				kf = kpageflags_of(pfn);
				if (r->folio_order == 9 && pfn % 512 == 0 &&
				    (!(kf & (1ULL << KPF_COMPOUND_HEAD)) ||
				     (kernel_has_thp() && !(kf & (1ULL << KPF_THP))))) {
					printf("# pfn %#llx kpageflags %#llx: no THP head\n",
					       (unsigned long long)pfn,
					       (unsigned long long)kf);
					return 4;
				}
			}
		}
		if (smaps_field_kb(pid, v->start, "Rss") != (long)(rss * 4)) {
			printf("# %d VMA 0x%llx: Rss %ld kB, MAP %lu pages\n", pid,
			       (unsigned long long)v->start,
			       smaps_field_kb(pid, v->start, "Rss"), rss);
			return 5;
		}
		if (smaps_field_kb(pid, v->start, "FilePmdMapped") != (long)(pmd * 4)) {
			printf("# %d VMA 0x%llx: FilePmdMapped %ld kB, MAP %lu pages\n",
			       pid, (unsigned long long)v->start,
			       smaps_field_kb(pid, v->start, "FilePmdMapped"), pmd);
			return 6;
		}
	}
	return seen ? 0 : 7;
}

/* ----------------------------------------------------------- validation */

FIXTURE(mapval) {
	int fd;
	__u64 id;
	char name[SHMDEV_NAME_MAX];
	struct shmdev_map_vma vmas[4];
	struct shmdev_map_run runs[64];
};

FIXTURE_SETUP(mapval)
{
	shmdev_name(self->name, "ptv");
	self->fd = sd_new_region(self->name, 4 * PG, 1, 0600, &self->id);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(mapval)
{
	sd_cleanup_name(self->name);
	close(self->fd);
}

/* A valid argument with room for a few records. */
static void good_arg(FIXTURE_DATA(mapval) *self, struct shmdev_map *m)
{
	memset(m, 0, sizeof(*m));
	m->vmas_ptr = (uintptr_t)self->vmas;
	m->runs_ptr = (uintptr_t)self->runs;
	m->vma_size = sizeof(self->vmas[0]);
	m->run_size = sizeof(self->runs[0]);
	m->vma_capacity = 4;
	m->run_capacity = 64;
}

static int map_ioctl(int fd, struct shmdev_map *m)
{
	return ret_errno(ioctl(fd, SHMDEV_IOC_MAP, m));
}

/* API lists MAP; a valid call describes the attached region. */
TEST_F(mapval, api_and_valid_call)
{
	struct shmdev_api api;
	struct shmdev_map m;

	memset(&api, 0, sizeof(api));
	ASSERT_EQ(0, ret_errno(ioctl(self->fd, SHMDEV_IOC_API, &api)));
	EXPECT_TRUE(api.ioctls & (1ULL << _IOC_NR(SHMDEV_IOC_MAP)));
	good_arg(self, &m);
	ASSERT_EQ(0, map_ioctl(self->fd, &m));
	EXPECT_EQ(self->id, m.id);
	EXPECT_EQ(4, m.region_pages);
	EXPECT_EQ(PG, m.page_size);
	EXPECT_EQ(0, m.nr_vmas);
	EXPECT_EQ(0, m.nr_runs);
	EXPECT_TRUE(m.levels == 4 || m.levels == 5);
	EXPECT_TRUE(m.result_flags & SHMDEV_MAP_RESULT_RAW);
	EXPECT_EQ(!kernel_has_thp(), !!(m.result_flags & SHMDEV_MAP_RESULT_NO_THP));
	EXPECT_EQ(kernel_has_thp() ? HUGE_SZ : 0, m.huge_page_size);
}

/* Every flag bit MAP does not define: EINVAL. */
TEST_F(mapval, unknown_flags_einval)
{
	struct shmdev_map m;
	int bit;

	for (bit = 0; bit < 32; bit++) {
		if ((1U << bit) & SHMDEV_MAP_FLAGS_MASK)
			continue;
		good_arg(self, &m);
		m.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m));
	}
}

/* Non-zero result_flags on input: EINVAL. */
TEST_F(mapval, result_flags_einval)
{
	struct shmdev_map m;

	good_arg(self, &m);
	m.result_flags = SHMDEV_MAP_RESULT_RAW;
	EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m));
}

/* Each output, padding and reserved field non-zero on input: EINVAL. */
TEST_F(mapval, output_fields_einval)
{
	const size_t first = offsetof(struct shmdev_map, nr_vmas);
	struct shmdev_map m;
	size_t off;

	for (off = first; off < sizeof(m); off += 4) {
		good_arg(self, &m);
		*(__u32 *)((char *)&m + off) = 1;
		EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m)) TH_LOG("offset %zu", off);
	}
}

/* An id without SHMDEV_MAP_BY_ID: EINVAL. */
TEST_F(mapval, id_without_by_id_einval)
{
	struct shmdev_map m;

	good_arg(self, &m);
	m.id = self->id;
	EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m));
}

/* Record sizes below VER0, not multiples of 8, or past RECORD_MAX: EINVAL. */
TEST_F(mapval, record_sizes_einval)
{
	const __u32 vbad[] = { 0, SHMDEV_MAP_VMA_SIZE_VER0 - 8, 60,
			       SHMDEV_MAP_RECORD_MAX + 8 };
	const __u32 rbad[] = { 0, SHMDEV_MAP_RUN_SIZE_VER0 - 8, 116,
			       SHMDEV_MAP_RECORD_MAX + 8 };
	struct shmdev_map m;
	size_t i;

	for (i = 0; i < 4; i++) {
		good_arg(self, &m);
		m.vma_size = vbad[i];
		EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m)) TH_LOG("vma %u", vbad[i]);
		good_arg(self, &m);
		m.run_size = rbad[i];
		EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m)) TH_LOG("run %u", rbad[i]);
	}
}

/* A capacity without a pointer: EINVAL. */
TEST_F(mapval, capacity_without_pointer_einval)
{
	struct shmdev_map m;

	good_arg(self, &m);
	m.vmas_ptr = 0;
	EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m));
	good_arg(self, &m);
	m.runs_ptr = 0;
	EXPECT_EQ(-EINVAL, map_ioctl(self->fd, &m));
}

/* An unknown id, and the id of a destroyed region: ENOENT. */
TEST_F(mapval, unknown_or_destroyed_id_enoent)
{
	struct shmdev_map m;

	good_arg(self, &m);
	m.flags = SHMDEV_MAP_BY_ID;
	m.id = ~0ULL;
	EXPECT_EQ(-ENOENT, map_ioctl(self->fd, &m));
	ASSERT_EQ(0, sd_destroy_id(self->fd, self->id));
	good_arg(self, &m);
	m.flags = SHMDEV_MAP_BY_ID;
	m.id = self->id;
	EXPECT_EQ(-ENOENT, map_ioctl(self->fd, &m));
	/* Still described through the attached file. */
	good_arg(self, &m);
	EXPECT_EQ(0, map_ioctl(self->fd, &m));
}

/* An unattached file without BY_ID: ENXIO. */
TEST_F(mapval, unattached_enxio)
{
	int fd = shmdev_open(O_RDWR);
	struct shmdev_map m;

	ASSERT_GE(fd, 0);
	good_arg(self, &m);
	EXPECT_EQ(-ENXIO, map_ioctl(fd, &m));
	good_arg(self, &m);
	m.flags = SHMDEV_MAP_BY_ID;
	m.id = self->id;
	EXPECT_EQ(0, map_ioctl(fd, &m));
	close(fd);
}

static int map_by_id_as_user(int fd, void *arg)
{
	struct shmdev_map m;
	int ret = sd_map(fd, SHMDEV_MAP_BY_ID, *(__u64 *)arg, NULL, 0, NULL, 0, &m);

	return ret < 0 ? -ret : 0;
}

/* By id, a region the caller may not attach (mode 0600, another uid): EACCES. */
TEST_F(mapval, no_attach_permission_eacces)
{
	EXPECT_EQ(EACCES, run_as(UID_A, 0, map_by_id_as_user, &self->id));
}

/* A wrong direction or a short struct: ENOTTY; non-zero bytes past ours: E2BIG. */
TEST_F(mapval, wrong_size_or_direction)
{
	struct { struct shmdev_map m; __u64 extra; } big;
	struct shmdev_map m;

	good_arg(self, &m);
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOW(SHMDEV_IOC_MAGIC, 0x09, struct shmdev_map), &m)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOC(_IOC_READ | _IOC_WRITE, SHMDEV_IOC_MAGIC, 0x09,
		     sizeof(m) - 8), &m)));
	good_arg(self, &big.m);
	big.extra = 1;
	EXPECT_EQ(-E2BIG, ret_errno(ioctl(self->fd,
		_IOWR(SHMDEV_IOC_MAGIC, 0x09, big), &big)));
	big.extra = 0;
	EXPECT_EQ(0, ret_errno(ioctl(self->fd,
		_IOWR(SHMDEV_IOC_MAGIC, 0x09, big), &big)));
}

/* Unwritable arrays: EFAULT. */
TEST_F(mapval, bad_pointer_efault)
{
	char *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, self->fd, 0);
	struct shmdev_map m;

	ASSERT_NE(MAP_FAILED, p);
	(void)*(volatile char *)p;
	good_arg(self, &m);
	m.runs_ptr = 8;
	EXPECT_EQ(-EFAULT, map_ioctl(self->fd, &m));
	good_arg(self, &m);
	m.vmas_ptr = (uintptr_t)p;	/* read-only */
	EXPECT_EQ(-EFAULT, map_ioctl(self->fd, &m));
	munmap(p, PG);
}

/* Counts with capacity 0; TRUNCATED with too little room; bigger records zero-filled. */
TEST_F(mapval, counts_truncation_and_record_size)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, self->fd, 0);
	char *q = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, self->fd, 0);
	struct shmdev_map_run runs[8];
	struct shmdev_map m;
	unsigned char big[2][SHMDEV_MAP_VMA_SIZE_VER0 + 16];

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, sd_map(self->fd, 0, 0, NULL, 0, NULL, 0, &m));
	EXPECT_EQ(2, m.nr_vmas);
	EXPECT_EQ(2, m.nr_runs);	/* one NONE run per VMA */
	EXPECT_TRUE(m.result_flags & SHMDEV_MAP_RESULT_TRUNCATED);
	ASSERT_EQ(0, sd_map(self->fd, SHMDEV_MAP_PER_PAGE, 0, self->vmas, 1,
			    runs, 8, &m));
	EXPECT_EQ(8, m.nr_runs);
	EXPECT_TRUE(m.result_flags & SHMDEV_MAP_RESULT_TRUNCATED);
	memset(big, 0xff, sizeof(big));
	memset(&m, 0, sizeof(m));
	m.vmas_ptr = (uintptr_t)big;
	m.vma_size = sizeof(big[0]);
	m.vma_capacity = 2;
	m.run_size = sizeof(runs[0]);
	ASSERT_EQ(0, map_ioctl(self->fd, &m));
	EXPECT_EQ(0, big[0][sizeof(big[0]) - 1]);
	EXPECT_EQ(0, big[1][SHMDEV_MAP_VMA_SIZE_VER0]);
	EXPECT_EQ(getpid(), ((struct shmdev_map_vma *)big[1])->pid);
	munmap(p, 4 * PG);
	munmap(q, 4 * PG);
}

/* ----------------------------------------------------------- privileges */

struct priv_arg {
	char name[SHMDEV_NAME_MAX];
};

/* As an unprivileged uid: own VMA seen without frames, root's hidden. */
static int unpriv_map(int fd, void *arg)
{
	struct priv_arg *pa = arg;
	struct sd_snap s;
	char *p;
	__u32 i;

	if (sd_attach_name(fd, pa->name, SHMDEV_ATTACH_RDONLY, NULL))
		return 10;
	p = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 11;
	(void)*(volatile char *)p;
	if (sd_snap_take(fd, SHMDEV_MAP_PER_PAGE, 0, &s))
		return 12;
	if (s.m.result_flags & SHMDEV_MAP_RESULT_RAW)
		return 13;
	/* Its own mapping and the one inherited from root's test process. */
	if (s.m.nr_vmas != 2 || s.vmas[0].pid != (__u32)getpid() ||
	    s.vmas[1].pid != (__u32)getpid())
		return 14;
	if (s.m.nr_hidden < 1)
		return 15;
	for (i = 0; i < s.m.nr_runs; i++)
		if (s.runs[i].pfn || s.runs[i].entry || s.runs[i].table[0] ||
		    s.runs[i].table[3] || s.runs[i].folio_refcount ||
		    s.runs[i].mapcount)
			return 16;
	if (sd_snap_run(&s, getpid(), (uintptr_t)p, NULL)->level == SHMDEV_LEVEL_NONE ||
	    !(sd_snap_run(&s, getpid(), (uintptr_t)p, NULL)->bits & SHMDEV_BIT_PRESENT))
		return 17;
	sd_snap_free(&s);
	return 0;
}

/* Without CAP_SYS_ADMIN: no frames, entries or counts; another uid's VMAs hidden. */
TEST_F(mapval, unprivileged_no_raw_others_hidden)
{
	struct priv_arg pa;
	char *p;
	int fd;

	shmdev_name(pa.name, "ptp");
	fd = sd_new_region(pa.name, 4 * PG, 1, 0644, NULL);
	ASSERT_GE(fd, 0);
	p = mmap(NULL, 4 * PG, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)*(volatile char *)p;
	EXPECT_EQ(0, run_as(UID_A, 0, unpriv_map, &pa));
	munmap(p, 4 * PG);
	sd_destroy_name(fd, pa.name);
	close(fd);
}

/* A peer as @uid: maps the region, then waits; returns its pid. */
static pid_t peer_as(uid_t uid, const char *name, int *done_w, bool undumpable)
{
	int go[2], done[2];
	pid_t pid;
	char c;

	if (pipe(go) || pipe(done))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = shmdev_open(O_RDWR);
		char *p;

		close(go[0]);
		close(done[1]);
		if (fd < 0 || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(1);
		/* A uid change made it undumpable (suid_dumpable 0): choose. */
		if (prctl(PR_SET_DUMPABLE, undumpable ? 0 : 1, 0, 0, 0))
			_exit(6);
		if (sd_attach_name(fd, name, SHMDEV_ATTACH_RDONLY, NULL))
			_exit(2);
		p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(3);
		(void)*(volatile char *)p;
		if (write(go[1], "g", 1) != 1)
			_exit(4);
		if (read(done[0], &c, 1) < 0)
			_exit(5);
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	if (pid < 0 || read(go[0], &c, 1) != 1)
		pid = -1;
	close(go[0]);
	*done_w = done[1];
	return pid;
}

struct seen_arg {
	const char *name;
	pid_t pid;
};

/* Exit 0 if MAP (as this uid) shows @pid's VMA, 1 if it is hidden. */
static int sees_pid(int fd, void *arg)
{
	struct seen_arg *sa = arg;
	struct sd_snap s;
	__u32 i;
	int ret = 1;

	if (sd_attach_name(fd, sa->name, SHMDEV_ATTACH_RDONLY, NULL))
		return 10;
	if (sd_snap_take(fd, 0, 0, &s))
		return 11;
	for (i = 0; i < s.m.nr_vmas; i++)
		if (s.vmas[i].pid == (__u32)sa->pid)
			ret = 0;
	if (ret && !s.m.nr_hidden)
		ret = 12;
	sd_snap_free(&s);
	return ret;
}

/* Same uid and dumpable: seen; another uid, or not dumpable: hidden. */
TEST_F(mapval, maps_read_rule)
{
	char name[SHMDEV_NAME_MAX];
	struct seen_arg sa = { .name = name };
	int fd, rfd, done, done2;
	pid_t pid, pid2;

	shmdev_name(name, "ptr");
	fd = sd_new_region(name, 4 * PG, 1, 0644, NULL);
	ASSERT_GE(fd, 0);
	pid = peer_as(UID_A, name, &done, false);
	ASSERT_GT(pid, 0);
	pid2 = peer_as(UID_A, name, &done2, true);
	ASSERT_GT(pid2, 0);
	sa.pid = pid;
	EXPECT_EQ(0, run_as(UID_A, 0, sees_pid, &sa));
	EXPECT_EQ(1, run_as(UID_B, 0, sees_pid, &sa));
	EXPECT_EQ(0, run_as(UID_B, 1ULL << CAP_SYS_PTRACE, sees_pid, &sa));
	sa.pid = pid2;
	EXPECT_EQ(1, run_as(UID_A, 0, sees_pid, &sa));
	/* Root (CAP_SYS_PTRACE) sees both. */
	sa.pid = pid2;
	rfd = shmdev_open(O_RDWR);
	ASSERT_GE(rfd, 0);
	EXPECT_EQ(0, sees_pid(rfd, &sa));
	close(rfd);
	close(done);
	close(done2);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, reap(pid2));
	sd_destroy_name(fd, name);
	close(fd);
}

/* ------------------------------------------------------------ the lab */

FIXTURE(pt) {
	int fd;		/* the creator's file */
	int mfd;	/* the file mappings go through */
	__u64 id;
	char name[SHMDEV_NAME_MAX];
	struct sd_snap s;
};

FIXTURE_VARIANT(pt) {
	__u32 create_flags;
	bool rdonly;
};

FIXTURE_VARIANT_ADD(pt, small) {
	.create_flags = 0,
};

FIXTURE_VARIANT_ADD(pt, huge) {
	.create_flags = SHMDEV_CREATE_HUGE,
};

FIXTURE_VARIANT_ADD(pt, huge_ro) {
	.create_flags = SHMDEV_CREATE_HUGE,
	.rdonly = true,
};

FIXTURE_SETUP(pt)
{
	shmdev_name(self->name, "pt");
	ASSERT_EQ(0, sd_variant_region(self->name, REGION_SZ,
				       variant->create_flags, variant->rdonly,
				       &self->fd, &self->mfd, &self->id));
}

FIXTURE_TEARDOWN(pt)
{
	sd_snap_free(&self->s);
	sd_cleanup_name(self->name);
	if (self->mfd != self->fd)
		close(self->mfd);
	close(self->fd);
}

static bool huge(const FIXTURE_VARIANT(pt) *variant)
{
	return variant->create_flags & SHMDEV_CREATE_HUGE;
}

static int prot(const FIXTURE_VARIANT(pt) *variant)
{
	return variant->rdonly ? PROT_READ : PROT_READ | PROT_WRITE;
}

static char *map_at(FIXTURE_DATA(pt) *self, const FIXTURE_VARIANT(pt) *variant,
		    void *addr, int flags)
{
	char *p = mmap(addr, REGION_SZ, prot(variant),
		       MAP_SHARED | flags, self->mfd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void touch(volatile char *p, size_t len, bool write)
{
	size_t off;

	for (off = 0; off < len; off += PG) {
		if (write)
			p[off] = 1;
		else
			(void)p[off];
	}
}

/* The level a whole folio of this region takes when nothing stands in the way. */
static __u32 best_level(const FIXTURE_VARIANT(pt) *variant)
{
	return huge(variant) && kernel_has_thp() ? SHMDEV_LEVEL_PMD
						 : SHMDEV_LEVEL_PTE;
}

static int snap(FIXTURE_DATA(pt) *self)
{
	drain_lru();
	sd_snap_free(&self->s);
	return sd_snap_take(self->fd, SHMDEV_MAP_PER_PAGE, 0, &self->s);
}

static const struct shmdev_map_run *page_at(FIXTURE_DATA(pt) *self,
					    pid_t pid, const void *addr)
{
	return sd_snap_run(&self->s, pid, (uintptr_t)addr, NULL);
}

/* Two processes map the region at different addresses: the same frames. */
TEST_F(pt, two_processes_share_frames)
{
	char *p = map_at(self, variant, NULL, 0);
	int go[2], done[2];
	uintptr_t qaddr;
	pid_t pid;
	char c;
	size_t off;

	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = shmdev_open(O_RDWR);
		char *hole = aligned_hole(3 * REGION_SZ), *q;

		close(go[0]);
		close(done[1]);	/* or the read below never sees EOF */

		if (fd < 0 || !hole ||
		    sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL))
			_exit(1);
		munmap(p, REGION_SZ);
		q = mmap(hole + REGION_SZ, REGION_SZ, PROT_READ,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		if (q == MAP_FAILED)
			_exit(2);
		touch(q, REGION_SZ, false);
		qaddr = (uintptr_t)q;
		if (write(go[1], &qaddr, sizeof(qaddr)) != sizeof(qaddr))
			_exit(3);
		if (read(done[0], &c, 1) < 0)
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(sizeof(qaddr), read(go[0], &qaddr, sizeof(qaddr)));
	ASSERT_EQ(0, snap(self));
	EXPECT_NE((uintptr_t)p, qaddr);
	EXPECT_EQ(2, self->s.m.nr_vmas);
	for (off = 0; off < REGION_SZ; off += PG) {
		const struct shmdev_map_run *a = page_at(self, getpid(), p + off);
		const struct shmdev_map_run *b = page_at(self, pid, (void *)(qaddr + off));

		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		ASSERT_EQ(SHMDEV_PAGE_REGION, a->kind);
		ASSERT_EQ(a->pfn, b->pfn);
		ASSERT_NE(0, a->pfn);
		ASSERT_EQ(off / PG, a->pgoff);
		ASSERT_EQ(best_level(variant), a->level);
		ASSERT_EQ(best_level(variant), b->level);
		ASSERT_LE(2, a->mapcount);
	}
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	EXPECT_EQ(0, verify_pid(&self->s, pid));
	close(done[1]);
	EXPECT_EQ(0, reap(pid));
	munmap(p, REGION_SZ);
}

/* A first read maps that page (fault-around its neighbours, or the whole PMD). */
TEST_F(pt, first_read_maps_page_and_neighbours)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_run *r;
	unsigned long i, mapped = 0;

	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + 20 * PG);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(SHMDEV_LEVEL_NONE, r->level);
	EXPECT_EQ(huge(variant) ? (kernel_has_thp() ? SHMDEV_WHY_NOT_FAULTED
						    : SHMDEV_WHY_NO_THP)
				: SHMDEV_WHY_NONE, r->why_pte);

	(void)*(volatile char *)(p + 20 * PG);
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + 20 * PG);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(best_level(variant), r->level);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_PRESENT);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_USER);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_ACCESSED);
	EXPECT_EQ(SHMDEV_PAGE_REGION, r->kind);
	EXPECT_EQ(huge(variant) ? 9 : 0, r->folio_order);
	for (i = 0; i < NR_PAGES; i++)
		mapped += page_at(self, getpid(), p + i * PG)->level !=
			  SHMDEV_LEVEL_NONE;
	/* Fault-around maps neighbours; nothing maps the far half. */
	EXPECT_LT(1, mapped);
	EXPECT_GE(NR_PAGES / 2, mapped);
	EXPECT_EQ(SHMDEV_LEVEL_NONE, page_at(self, getpid(), p + HUGE_SZ + 100 * PG)->level);
	if (best_level(variant) == SHMDEV_LEVEL_PMD)
		EXPECT_EQ(512, mapped);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
}

/* A write sets the dirty bit of the entry (PTE or PMD); read-only: no RW, no write. */
TEST_F(pt, write_sets_dirty)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_run *r;

	ASSERT_NE(NULL, p);
	(void)*(volatile char *)(p + 3 * PG);
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + 3 * PG);
	if (variant->rdonly || !(r->bits & SHMDEV_BIT_RW)) {
		EXPECT_FALSE(r->bits & SHMDEV_BIT_DIRTY);
	} else if (r->bits & SHMDEV_BIT_DIRTY) {
		TH_LOG("this kernel maps a dirty folio writable and dirty at once");
	}
	if (variant->rdonly) {
		EXPECT_FALSE(r->bits & SHMDEV_BIT_RW);
	} else {
		p[3 * PG] = 1;
		ASSERT_EQ(0, snap(self));
		r = page_at(self, getpid(), p + 3 * PG);
		EXPECT_TRUE(r->bits & SHMDEV_BIT_DIRTY);
		EXPECT_TRUE(r->bits & SHMDEV_BIT_RW);
		EXPECT_EQ(best_level(variant), r->level);
	}
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
}

/* After fork the child's mapping has no entries until it touches a page. */
TEST_F(pt, fork_child_has_no_entries_until_touch)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_run *r;
	int go[2], done[2];
	unsigned long i;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(go[0]);
		close(done[1]);
		if (write(go[1], "1", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		(void)*(volatile char *)(p + 7 * PG);
		if (write(go[1], "2", 1) != 1 || read(done[0], &c, 1) < 0)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(go[0], &c, 1));
	ASSERT_EQ(0, snap(self));
	for (i = 0; i < NR_PAGES; i++)
		ASSERT_EQ(SHMDEV_LEVEL_NONE, page_at(self, pid, p + i * PG)->level);
	EXPECT_EQ(0, verify_pid(&self->s, pid));
	ASSERT_EQ(1, write(done[1], "t", 1));
	ASSERT_EQ(1, read(go[0], &c, 1));
	ASSERT_EQ(0, snap(self));
	r = page_at(self, pid, p + 7 * PG);
	EXPECT_EQ(best_level(variant), r->level);
	EXPECT_EQ(page_at(self, getpid(), p + 7 * PG)->pfn, r->pfn);
	EXPECT_EQ(0, verify_pid(&self->s, pid));
	close(done[1]);
	EXPECT_EQ(0, reap(pid));
	munmap(p, REGION_SZ);
}

/* A read-only attach maps without RW, and mprotect() cannot add it. */
TEST_F(pt, rdonly_attach_maps_without_rw)
{
	int fd = shmdev_open(O_RDWR);
	const struct shmdev_map_vma *v;
	const struct shmdev_map_run *r;
	char *p;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	p = mmap(NULL, REGION_SZ, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	touch(p, REGION_SZ, false);
	EXPECT_EQ(-1, mprotect(p, REGION_SZ, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	ASSERT_EQ(0, snap(self));
	v = sd_snap_vma(&self->s, getpid(), (uintptr_t)p);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(v->vma_flags & SHMDEV_VMA_RDONLY_ATTACH);
	EXPECT_TRUE(v->vma_flags & SHMDEV_VMA_SHARED);
	EXPECT_FALSE(v->vma_flags & (SHMDEV_VMA_WRITE | SHMDEV_VMA_MAYWRITE));
	r = page_at(self, getpid(), p + 5 * PG);
	EXPECT_EQ(best_level(variant), r->level);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_PRESENT);
	EXPECT_FALSE(r->bits & SHMDEV_BIT_RW);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
	close(fd);
}

/* MAP_PRIVATE: a read shares the region's frame, a write makes an anonymous copy, MADV_DONTNEED goes back. */
TEST_F(pt, private_copy_on_write)
{
	char *s = map_at(self, variant, NULL, 0);
	char *p = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		       self->mfd, 0);
	const struct shmdev_map_run *r, *other;
	uint64_t region_pfn;

	ASSERT_NE(NULL, s);
	ASSERT_NE(MAP_FAILED, p);
	touch(s, REGION_SZ, false);
	(void)*(volatile char *)(p + 9 * PG);
	ASSERT_EQ(0, snap(self));
	region_pfn = page_at(self, getpid(), s + 9 * PG)->pfn;
	r = page_at(self, getpid(), p + 9 * PG);
	EXPECT_EQ(SHMDEV_PAGE_REGION, r->kind);
	EXPECT_EQ(region_pfn, r->pfn);
	EXPECT_FALSE(sd_snap_vma(&self->s, getpid(), (uintptr_t)p)->vma_flags &
		     SHMDEV_VMA_SHARED);

	p[9 * PG] = 42;
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + 9 * PG);
	EXPECT_EQ(SHMDEV_PAGE_ANON_COPY, r->kind);
	EXPECT_EQ(SHMDEV_LEVEL_PTE, r->level);
	EXPECT_NE(region_pfn, r->pfn);
	EXPECT_EQ(0, r->folio_order);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_DIRTY);
	if (huge(variant)) {
		other = page_at(self, getpid(), p + 10 * PG);
		if (other->level != SHMDEV_LEVEL_NONE)
			EXPECT_EQ(kernel_has_thp() ? SHMDEV_WHY_COPIED
						   : SHMDEV_WHY_NO_THP,
				  other->why_pte);
		EXPECT_EQ(kernel_has_thp() ? SHMDEV_WHY_COPIED : SHMDEV_WHY_NO_THP,
			  r->why_pte);
	}
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));

	ASSERT_EQ(0, madvise(p + 9 * PG, PG, MADV_DONTNEED));
	ASSERT_EQ(0, snap(self));
	EXPECT_EQ(SHMDEV_LEVEL_NONE, page_at(self, getpid(), p + 9 * PG)->level);
	(void)*(volatile char *)(p + 9 * PG);
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + 9 * PG);
	EXPECT_EQ(SHMDEV_PAGE_REGION, r->kind);
	EXPECT_EQ(region_pfn, r->pfn);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
	munmap(s, REGION_SZ);
}

/* A 2 MiB region is one PMD leaf with PSE per folio and no PTE table; without THP, PTEs with WHY_NO_THP. */
TEST_F(pt, huge_region_is_one_pmd_leaf)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_run *r;
	struct sd_snap merged;

	if (!huge(variant))
		SKIP(return, "a 4 KiB region has no PMD leaves to show");
	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + 77 * PG);
	EXPECT_EQ(9, r->folio_order);
	if (kernel_has_thp()) {
		EXPECT_EQ(SHMDEV_LEVEL_PMD, r->level);
		EXPECT_TRUE(r->bits & SHMDEV_BIT_PSE);
		EXPECT_EQ(r->entry, r->table[3]);
		EXPECT_EQ(SHMDEV_WHY_NONE, r->why_pte);
		EXPECT_EQ(77, r->index[4]);
	} else {
		EXPECT_TRUE(self->s.m.result_flags & SHMDEV_MAP_RESULT_NO_THP);
		EXPECT_EQ(SHMDEV_LEVEL_PTE, r->level);
		EXPECT_FALSE(r->bits & SHMDEV_BIT_PSE);
		EXPECT_EQ(SHMDEV_WHY_NO_THP, r->why_pte);
	}
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	/* Merged: one run per folio (frames contiguous, equal attributes). */
	ASSERT_EQ(0, sd_snap_take(self->fd, 0, 0, &merged));
	EXPECT_EQ(1, merged.m.nr_vmas);
	EXPECT_GE(2, merged.m.nr_runs);	/* 1 if the folios are adjacent */
	EXPECT_EQ(0, merged.runs[0].nr_pages % 512);
	EXPECT_EQ(0, merged.runs[0].pfn % 512);
	sd_snap_free(&merged);
	munmap(p, REGION_SZ);
}

/* A misaligned 2 MiB mapping is 512 PTEs per order-9 folio, WHY_MISALIGNED. */
TEST_F(pt, misaligned_mapping_is_ptes_into_one_folio)
{
	char *hole = aligned_hole(2 * REGION_SZ);
	const struct shmdev_map_run *r;
	uint64_t pfn0;
	char *p;
	int i;

	if (!huge(variant))
		SKIP(return, "a 4 KiB region is always mapped by PTEs");
	ASSERT_NE(NULL, hole);
	p = map_at(self, variant, hole + PG, MAP_FIXED);
	ASSERT_EQ(hole + PG, p);
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, snap(self));
	pfn0 = page_at(self, getpid(), p)->pfn;
	EXPECT_EQ(0, pfn0 % 512);
	for (i = 0; i < 512; i++) {
		r = page_at(self, getpid(), p + i * PG);
		ASSERT_EQ(SHMDEV_LEVEL_PTE, r->level);
		ASSERT_EQ(9, r->folio_order);
		ASSERT_EQ(pfn0 + i, r->pfn);
		ASSERT_EQ(kernel_has_thp() ? SHMDEV_WHY_MISALIGNED
					   : SHMDEV_WHY_NO_THP, r->why_pte);
	}
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
}

/* mprotect() of 4 KiB splits that folio's PMD: PTEs with WHY_PARTIAL, the other folio stays a PMD. */
TEST_F(pt, partial_mprotect_splits_pmd)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_run *r;

	if (!huge(variant))
		SKIP(return, "a 4 KiB region has no PMD to split");
	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, mprotect(p, PG, PROT_NONE));
	touch(p + PG, REGION_SZ - PG, false);
	ASSERT_EQ(0, snap(self));
	EXPECT_EQ(2, self->s.m.nr_vmas);
	r = page_at(self, getpid(), p + 8 * PG);
	EXPECT_EQ(SHMDEV_LEVEL_PTE, r->level);
	EXPECT_EQ(kernel_has_thp() ? SHMDEV_WHY_PARTIAL : SHMDEV_WHY_NO_THP,
		  r->why_pte);
	EXPECT_EQ(kernel_has_thp() ? SHMDEV_WHY_PARTIAL : SHMDEV_WHY_NO_THP,
		  page_at(self, getpid(), p)->why_pte);
	r = page_at(self, getpid(), p + HUGE_SZ + 8 * PG);
	EXPECT_EQ(best_level(variant), r->level);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
}

/* MADV_NOHUGEPAGE and PR_SET_THP_DISABLE show in the VMA flags and, where honoured, as the reason. */
TEST_F(pt, nohugepage_and_thp_disable_reasons)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_vma *v;
	const struct shmdev_map_run *r;

	ASSERT_NE(NULL, p);
	if (!kernel_has_thp())
		SKIP(munmap(p, REGION_SZ); return,
		     "MADV_NOHUGEPAGE fails without THP (WHY_NO_THP is tested elsewhere)");
	ASSERT_EQ(0, madvise(p, REGION_SZ, MADV_NOHUGEPAGE));
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, snap(self));
	v = sd_snap_vma(&self->s, getpid(), (uintptr_t)p);
	EXPECT_TRUE(v->vma_flags & SHMDEV_VMA_NOHUGEPAGE);
	r = page_at(self, getpid(), p + 3 * PG);
	if (huge(variant) && r->level == SHMDEV_LEVEL_PTE)
		EXPECT_EQ(SHMDEV_WHY_NOHUGEPAGE, r->why_pte);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
}

/* clear_refs 4 resets soft-dirty; a write sets it again (where the kernel has soft-dirty). */
TEST_F(pt, clear_refs_resets_soft_dirty)
{
	char *p = map_at(self, variant, NULL, 0);
	const struct shmdev_map_run *r;

	ASSERT_NE(NULL, p);
	if (variant->rdonly)
		SKIP(munmap(p, REGION_SZ); return, "a read-only attach cannot write");
	p[PG] = 1;
	ASSERT_EQ(0, snap(self));
	if (!(self->s.m.result_flags & SHMDEV_MAP_RESULT_SOFT_DIRTY))
		SKIP(munmap(p, REGION_SZ); return,
		     "this kernel has no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY)");
	r = page_at(self, getpid(), p + PG);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_SOFT_DIRTY);
	EXPECT_TRUE(pagemap_of(0, (uintptr_t)p + PG) & PM_SOFT_DIRTY);
	ASSERT_EQ(0, sysfs_write_ll("/proc/self/clear_refs", 4));
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + PG);
	EXPECT_FALSE(r->bits & SHMDEV_BIT_SOFT_DIRTY);
	EXPECT_FALSE(r->bits & SHMDEV_BIT_RW);	/* write-protected to catch the next write */
	EXPECT_FALSE(pagemap_of(0, (uintptr_t)p + PG) & PM_SOFT_DIRTY);
	p[PG] = 2;
	ASSERT_EQ(0, snap(self));
	r = page_at(self, getpid(), p + PG);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_SOFT_DIRTY);
	EXPECT_TRUE(r->bits & SHMDEV_BIT_RW);
	EXPECT_TRUE(pagemap_of(0, (uintptr_t)p + PG) & PM_SOFT_DIRTY);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
}

/* DESTROY while mapped keeps the entries; the last munmap removes them. */
TEST_F(pt, destroy_while_mapped_keeps_entries)
{
	char *p = map_at(self, variant, NULL, 0);
	uint64_t pfn;

	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	ASSERT_EQ(0, snap(self));
	pfn = page_at(self, getpid(), p + 2 * PG)->pfn;
	ASSERT_EQ(0, sd_destroy_name(self->fd, self->name));
	EXPECT_EQ(-ENOENT, sd_map(self->fd, SHMDEV_MAP_BY_ID, self->s.m.id,
				  NULL, 0, NULL, 0, NULL));
	ASSERT_EQ(0, snap(self));
	EXPECT_EQ(1, self->s.m.nr_vmas);
	EXPECT_EQ(best_level(variant), page_at(self, getpid(), p + 2 * PG)->level);
	EXPECT_EQ(pfn, page_at(self, getpid(), p + 2 * PG)->pfn);
	EXPECT_EQ(0, verify_pid(&self->s, getpid()));
	munmap(p, REGION_SZ);
	ASSERT_EQ(0, snap(self));
	EXPECT_EQ(0, self->s.m.nr_vmas);
	EXPECT_EQ(0, self->s.m.nr_runs);
}

/* -------------------------------------------------------------- tracing */

static const char *tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	char path[128];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/shmdev", dirs[i]);
		if (!access(path, F_OK))
			return dirs[i];
	}
	if (!mount("nodev", dirs[0], "tracefs", 0, NULL) &&
	    !access("/sys/kernel/tracing/events/shmdev", F_OK))
		return dirs[0];
	return NULL;
}

/* O_TRUNC: an empty write to "trace" clears the buffer. */
static int tracefs_write(const char *dir, const char *file, const char *s)
{
	char path[256];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* Touching a page shows a shmdev_fault (write) and shmdev_map_pages (read) event for its address. */
TEST_F(mapval, tracepoints_show_faults)
{
	const char *dir = tracefs();
	char name[SHMDEV_NAME_MAX], want[64], path[256], *buf;
	ssize_t n, got = 0;
	int fd, tfd;
	char *p;

	if (!dir && access("/sys/kernel/tracing", F_OK) &&
	    access("/sys/kernel/debug/tracing", F_OK))
		SKIP(return, "this kernel has no tracefs (built without tracing)");
	ASSERT_NE(NULL, dir);
	ASSERT_EQ(0, tracefs_write(dir, "events/shmdev/enable", "1"));
	ASSERT_EQ(0, tracefs_write(dir, "trace", ""));
	shmdev_name(name, "ptt");
	fd = sd_new_region(name, 64 * PG, 1, 0600, NULL);
	ASSERT_GE(fd, 0);
	p = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[5 * PG] = 1;			/* a write fault: ->fault */
	(void)*(volatile char *)(p + 40 * PG);	/* a read: fault-around */
	ASSERT_EQ(0, tracefs_write(dir, "events/shmdev/enable", "0"));
	buf = calloc(1, 1 << 20);
	ASSERT_NE(NULL, buf);
	snprintf(path, sizeof(path), "%s/trace", dir);
	tfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(tfd, 0);
	while ((n = read(tfd, buf + got, (1 << 20) - 1 - got)) > 0)
		got += n;
	close(tfd);
	snprintf(want, sizeof(want), "va=0x%lx ", (unsigned long)(p + 5 * PG));
	EXPECT_NE(NULL, strstr(buf, "shmdev_create:"));
	EXPECT_NE(NULL, strstr(buf, "shmdev_mmap:"));
	EXPECT_NE(NULL, strstr(buf, "shmdev_fault:"));
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no event for %s", want);
	/* Its address is the window's start on some kernels (6.1). */
	EXPECT_NE(NULL, strstr(buf, "shmdev_map_pages:"));
	free(buf);
	munmap(p, 64 * PG);
	sd_destroy_name(fd, name);
	close(fd);
}

SHMDEV_HARNESS_MAIN
