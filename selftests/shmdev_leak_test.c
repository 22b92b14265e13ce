// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev leak tests: memory must come back after many region lifetimes
 * and after many module unload/load cycles.
 *
 * Measurement: after `echo 3 > /proc/sys/vm/drop_caches` and a shrink of
 * every slab cache (/sys/kernel/slab/X/shrink, which also drains KASAN's
 * quarantine), /proc/meminfo's MemFree, Slab and SUnreclaim are read,
 * median of 3 reads 50 ms apart, once after a warm-up (the baseline) and
 * once after the cycles.  "MemFree" counts the pages on the per-cpu free
 * lists too (the "count:" lines of /proc/zoneinfo), which 6.12 grows and
 * shrinks on its own by tens of MiB.  A cycle costs at least one region
 * struct, one inode and 1..16 pages, so a leak of any of them over 10,000
 * cycles is tens of MiB; the tolerances (Slab and SUnreclaim may grow by
 * at most 2 MiB, MemFree may drop by at most 4 MiB) leave room for per-cpu
 * caches and lazily freed kernel memory only.
 *
 * Time bounds: each test stops its cycles early if they take longer than
 * CYCLE_BUDGET_S (a very slow debug kernel), prints how many it ran, and
 * still requires a quarter of them; the guest allows 300 s per program.
 *
 * The module cycles unload with delete_module and load $SHMDEV_KO
 * (default /lib/modules/shmdev.ko) with finit_module; each loaded instance
 * gets regions that only the unload frees.  The module is loaded again at
 * the end whatever happens (harness teardown in the parent).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include "shmdev_common.h"

#define SLAB_TOLERANCE_KB	(2 * 1024)
#define MEMFREE_TOLERANCE_KB	(4 * 1024)
#define CYCLE_BUDGET_S		110

struct mem_snap {
	long long memfree_kb, slab_kb, sunreclaim_kb;
};

static long long meminfo_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static int read_meminfo(struct mem_snap *s)
{
	char buf[8192];
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	s->memfree_kb = meminfo_kb(buf, "\nMemFree:");
	s->slab_kb = meminfo_kb(buf, "\nSlab:");
	s->sunreclaim_kb = meminfo_kb(buf, "\nSUnreclaim:");
	if (s->memfree_kb < 0 || s->slab_kb < 0 || s->sunreclaim_kb < 0)
		return -EINVAL;
	return 0;
}

/*
 * Pages on the per-cpu free lists (the "count:" of every pageset in
 * /proc/zoneinfo), in kB: they are free but not in MemFree, and 6.12's
 * auto-tuned lists can hold tens of MiB after a burst of frees.
 */
static long long pcp_free_kb(void)
{
	char line[256];
	long long pages = 0;
	FILE *f = fopen("/proc/zoneinfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (p != line && !strncmp(p, "count:", 6))
			pages += strtoll(p + 6, NULL, 10);
	}
	fclose(f);
	return pages * (page_size() / 1024);
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Shrink every slab cache: frees empty slabs held on per-cpu partial
 * lists and, under KASAN, drains the quarantine of freed objects, which
 * would otherwise still count in Slab.
 */
static void shrink_slabs(void)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/slab");

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || d->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", d->d_name);
		sysfs_write_ll(path, 1);
	}
	closedir(dir);
}

/*
 * Drop caches, give RCU-deferred frees (inodes, kmemleak metadata) time,
 * shrink the slab caches, then the median of three reads of each counter.
 */
static int measure(struct mem_snap *out)
{
	long long f[3], s[3], u[3];
	struct mem_snap m;
	int i, ret;

	sync();
	ret = sysfs_write_ll("/proc/sys/vm/drop_caches", 3);
	if (ret)
		return ret;
	usleep(300000);
	shrink_slabs();
	usleep(200000);
	for (i = 0; i < 3; i++) {
		ret = read_meminfo(&m);
		if (ret)
			return ret;
		f[i] = m.memfree_kb + pcp_free_kb();
		s[i] = m.slab_kb;
		u[i] = m.sunreclaim_kb;
		usleep(50000);
	}
	qsort(f, 3, sizeof(f[0]), cmp_ll);
	qsort(s, 3, sizeof(s[0]), cmp_ll);
	qsort(u, 3, sizeof(u[0]), cmp_ll);
	out->memfree_kb = f[1];
	out->slab_kb = s[1];
	out->sunreclaim_kb = u[1];
	return 0;
}

static int stress_seconds(void)
{
	const char *s = getenv("SHMDEV_STRESS_SECONDS");
	long v = s && *s ? strtol(s, NULL, 10) : 10;

	return v < 1 ? 1 : (int)v;
}

static void print_delta(const char *what, const struct mem_snap *a,
			const struct mem_snap *b)
{
	ksft_print_msg("%s: MemFree+pcp %lld -> %lld kB (%+lld), Slab %lld -> %lld kB (%+lld), SUnreclaim %lld -> %lld kB (%+lld)\n",
		       what, a->memfree_kb, b->memfree_kb, b->memfree_kb - a->memfree_kb,
		       a->slab_kb, b->slab_kb, b->slab_kb - a->slab_kb,
		       a->sunreclaim_kb, b->sunreclaim_kb,
		       b->sunreclaim_kb - a->sunreclaim_kb);
}

/* One lifetime: create, map, touch every page, unmap, close, destroy. */
static int region_cycle(const char *name, unsigned int i)
{
	size_t pages = 1 + (i * 7) % 16;
	size_t len = pages * page_size();
	__u32 channels = 1 + (i * 13) % SHMDEV_MAX_CHANNELS;
	int fd, ret;
	size_t off;
	char *p;

	fd = sd_new_region(name, len, channels, 0600, NULL);
	if (fd < 0)
		return fd;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	for (off = 0; off < len; off += page_size()) {
		if (p[off]) {	/* new regions read as zero */
			ret = -EILSEQ;
			munmap(p, len);
			goto out;
		}
		p[off] = (char)(i | 1);
	}
	ret = munmap(p, len) ? -errno : 0;
	if (!ret && (i & 1))
		ret = sd_notify(fd, channels - 1, NULL);
out:
	close(fd);
	/* alternate DESTROY before and after close: both orders must free */
	fd = shmdev_open(O_RDWR);
	if (fd < 0)
		return ret ? ret : -errno;
	if (sd_destroy_name(fd, name) && !ret)
		ret = -ENOENT;
	close(fd);
	return ret;
}

/* Same, destroying while the file is still attached and mapped. */
static int region_cycle_destroy_first(const char *name, unsigned int i)
{
	size_t len = (1 + (i * 5) % 16) * page_size();
	int fd, ret;
	char *p;

	fd = sd_new_region(name, len, 1 + i % 8, 0600, NULL);
	if (fd < 0)
		return fd;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	memset(p, 0x5a, len);
	ret = sd_destroy_name(fd, name);
	close(fd);
	if (!ret && p[len - 1] != 0x5a)
		ret = -EILSEQ;
	munmap(p, len);
	return ret;
}

static int unload_module(void)
{
	int i, ret = 0;

	/* a file closed by an exiting process may be released a little later */
	for (i = 0; i < 50; i++) {
		ret = syscall(SYS_delete_module, "shmdev", O_NONBLOCK) ? -errno : 0;
		if (ret != -EBUSY && ret != -EAGAIN && ret != -EWOULDBLOCK)
			break;
		usleep(20000);
	}
	return ret;
}

FIXTURE(leak) {
	char name[SHMDEV_NAME_MAX];
};

FIXTURE_SETUP(leak)
{
	if (access("/proc/sys/vm/drop_caches", W_OK))
		SKIP(return, "cannot write /proc/sys/vm/drop_caches (not root?)");
	shmdev_name(self->name, "leak");
}

/* In the harness parent: runs even if the test crashed; the module must be loaded afterwards. */
FIXTURE_TEARDOWN_PARENT(leak)
{
	if (ensure_loaded())
		fprintf(stderr, "# could not reload %s\n", ko_path());
	sd_cleanup_name(self->name);
}

/*
 * 10,000 create/map/touch/unmap/close/destroy cycles (1..16 pages, 1..64
 * channels, destroy before or after close): regions/bytes_in_use return to
 * their values before, Slab and SUnreclaim grow by at most 2 MiB and
 * MemFree drops by at most 4 MiB against a baseline taken after 500
 * warm-up cycles.
 */
TEST_F_TIMEOUT(leak, region_cycles, 280)
{
	long long regions0 = sd_regions(), bytes0 = sd_bytes_in_use();
	struct mem_snap base, after;
	unsigned int i, cycles = 10000;
	uint64_t t0;
	int ret;

	ASSERT_GE(regions0, 0);
	ASSERT_GE(bytes0, 0);
	for (i = 0; i < 500; i++)
		ASSERT_EQ(0, region_cycle(self->name, i)) TH_LOG("warm-up cycle %u", i);
	ASSERT_EQ(0, measure(&base));

	t0 = now_ns();
	for (i = 0; i < cycles; i++) {
		ret = i % 4 == 3 ? region_cycle_destroy_first(self->name, i) :
				   region_cycle(self->name, i);
		ASSERT_EQ(0, ret) TH_LOG("cycle %u", i);
		if (now_ns() - t0 > CYCLE_BUDGET_S * 1000000000ULL) {
			ksft_print_msg("region cycles: time budget of %d s used up after %u cycles\n",
				       CYCLE_BUDGET_S, i + 1);
			ASSERT_GE(i + 1, cycles / 4);
			cycles = i + 1;
		}
	}
	ksft_print_msg("%u region cycles in %.1f s\n", cycles, (now_ns() - t0) / 1e9);
	EXPECT_EQ(regions0, sysfs_settle(sd_regions, regions0));
	EXPECT_EQ(bytes0, sysfs_settle(sd_bytes_in_use, bytes0));
	ASSERT_EQ(0, measure(&after));
	print_delta("region cycles", &base, &after);
	EXPECT_LE(after.slab_kb - base.slab_kb, SLAB_TOLERANCE_KB);
	EXPECT_LE(after.sunreclaim_kb - base.sunreclaim_kb, SLAB_TOLERANCE_KB);
	EXPECT_LE(base.memfree_kb - after.memfree_kb, MEMFREE_TOLERANCE_KB);
}

/*
 * 100 unload/load cycles (20 when SHMDEV_STRESS_SECONDS < 10 asks for a
 * short run), each loaded instance holding 3 live regions (1, 5 and 9
 * pages, one with a notified channel) that only the unload frees: every
 * load starts with LIST empty and regions/bytes_in_use 0, and
 * MemFree/Slab stay within the tolerances above against a baseline taken
 * after 3 warm-up cycles.
 */
TEST_F_TIMEOUT(leak, module_cycles, 280)
{
	unsigned int i, j, cycles = stress_seconds() < 10 ? 20 : 100;
	struct mem_snap base, after;
	char name[SHMDEV_NAME_MAX];
	uint64_t t0 = 0;
	int fd, ret;

	if (access(ko_path(), R_OK))
		SKIP(return, "%s not readable: cannot reload, not unloading", ko_path());
	if (!path_exists(SYS_MODULE_DIR))
		SKIP(return, "shmdev is not a loaded module (built in?)");

	for (i = 0; i < cycles + 3; i++) {
		if (i == 3) {
			ASSERT_EQ(0, measure(&base));
			t0 = now_ns();
		}
		if (i > 0) {
			fd = shmdev_open(O_RDWR);
			ASSERT_GE(fd, 0);
			EXPECT_EQ(0, sd_list_count(fd)) TH_LOG("cycle %u: module not empty after load", i);
			EXPECT_EQ(0, sd_regions());
			EXPECT_EQ(0, sd_bytes_in_use());
			close(fd);
		}
		for (j = 0; j < 3; j++) {
			snprintf(name, sizeof(name), "leak-mod-%u", j);
			fd = sd_new_region(name, (1 + 4 * j) * page_size(), 1 + j, 0600, NULL);
			ASSERT_GE(fd, 0) TH_LOG("cycle %u: CREATE %s: %d", i, name, fd);
			if (j == 0)
				ASSERT_EQ(0, sd_notify(fd, 0, NULL));
			close(fd);
		}
		EXPECT_EQ(3, sd_regions());
		EXPECT_EQ(15 * page_size(), sd_bytes_in_use());
		ret = unload_module();
		ASSERT_EQ(0, ret) TH_LOG("cycle %u: delete_module: %d", i, ret);
		ASSERT_TRUE(wait_path(SYS_MODULE_DIR, false, 5000));
		ret = load_module();
		ASSERT_EQ(0, ret) TH_LOG("cycle %u: finit_module(%s): %d", i, ko_path(), ret);
		if (t0 && now_ns() - t0 > CYCLE_BUDGET_S * 1000000000ULL && i + 1 < cycles + 3) {
			ksft_print_msg("module cycles: time budget of %d s used up after %u cycles\n",
				       CYCLE_BUDGET_S, i - 2);
			ASSERT_GE(i - 2, cycles / 4);
			cycles = i - 2;
		}
	}
	ksft_print_msg("%u module unload/load cycles in %.1f s\n", cycles,
		       (now_ns() - t0) / 1e9);
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, sd_list_count(fd));
	close(fd);
	ASSERT_EQ(0, measure(&after));
	print_delta("module cycles", &base, &after);
	EXPECT_LE(after.slab_kb - base.slab_kb, SLAB_TOLERANCE_KB);
	EXPECT_LE(after.sunreclaim_kb - base.sunreclaim_kb, SLAB_TOLERANCE_KB);
	EXPECT_LE(base.memfree_kb - after.memfree_kb, MEMFREE_TOLERANCE_KB);
}

TEST_HARNESS_MAIN
