// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev mmap tests: data sharing between the creator, a forked child and
 * an exec'd unrelated process (same physical frames, checked through
 * /proc/self/pagemap), mapping bounds, populating (MAP_POPULATE,
 * MADV_POPULATE_WRITE, and mlock()/mlockall(), which lock nothing),
 * mremap, read-only attachments, MAP_PRIVATE copy-on-write, lifetime
 * after DESTROY/close, VMA counting and process-shared futexes / pthread
 * objects inside a region.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <linux/futex.h>

#include "shmdev_common.h"

#define NPAGES	16

FIXTURE(map) {
	int fd;
	__u64 id;
	size_t size;
	long long regions0;
	long long bytes0;
	char name[SHMDEV_NAME_MAX];
};

FIXTURE_SETUP(map)
{
	self->regions0 = sd_regions();
	self->bytes0 = sd_bytes_in_use();
	ASSERT_GE(self->regions0, 0);
	ASSERT_GE(self->bytes0, 0);
	self->size = NPAGES * page_size();
	shmdev_name(self->name, "map");
	self->fd = sd_new_region(self->name, self->size, 2, 0600, &self->id);
	ASSERT_GE(self->fd, 0);
}

/* In the harness parent: also cleans up after tests that die by a signal. */
FIXTURE_TEARDOWN_PARENT(map)
{
	int fd = shmdev_open(O_RDWR);

	if (fd >= 0) {
		sd_destroy_id(fd, self->id);
		close(fd);
	}
}

static void *map_fd(int fd, size_t len, int prot, int flags, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

static void *map_rw(FIXTURE_DATA(map) *self)
{
	return map_fd(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
}

static int nr_mappings(int fd)
{
	struct shmdev_info info;

	if (sd_info(fd, &info))
		return -1;
	return info.nr_mappings;
}

/* A new region reads as zeros; data written through one mapping is read through another, at any page offset. */
TEST_F(map, write_read_through_mapping)
{
	char *p, *q;
	size_t i;

	p = map_rw(self);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < self->size; i++)
		ASSERT_EQ(0, p[i]);
	fill_pattern(p, self->size, 1);
	ASSERT_EQ(0, munmap(p, self->size));

	p = map_fd(self->fd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pattern(p, self->size, 1));
	q = map_fd(self->fd, 2 * page_size(), PROT_READ, MAP_SHARED, 3 * page_size());
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, memcmp(q, p + 3 * page_size(), 2 * page_size()));
	munmap(q, 2 * page_size());
	munmap(p, self->size);
}

/* Parent and forked child see each other's writes. */
TEST_F(map, fork_child_shares_data)
{
	int status;
	pid_t pid;
	char *p = map_rw(self);

	ASSERT_NE(MAP_FAILED, p);
	fill_pattern(p, self->size, 2);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (check_pattern(p, self->size, 2) != -1)
			_exit(1);
		fill_pattern(p, self->size, 3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	EXPECT_EQ(-1, check_pattern(p, self->size, 3));
}

/* Every page has the same PFN in the parent and in a forked child. */
TEST_F(map, fork_child_same_pfns)
{
	uint64_t mine[NPAGES], theirs[NPAGES];
	int pfd[2], status, i, j;
	pid_t pid;
	char *p = map_rw(self);

	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < NPAGES; i++) {
		mine[i] = pfn_of(p + i * page_size());
		ASSERT_NE(0ULL, mine[i]) TH_LOG("no PFN for page %d (root needed)", i);
		for (j = 0; j < i; j++)
			ASSERT_NE(mine[j], mine[i]);
	}
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (i = 0; i < NPAGES; i++)
			theirs[i] = pfn_of(p + i * page_size());
		_exit(write(pfd[1], theirs, sizeof(theirs)) == sizeof(theirs) ? 0 : 1);
	}
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(theirs), read(pfd[0], theirs, sizeof(theirs)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	for (i = 0; i < NPAGES; i++)
		EXPECT_EQ(mine[i], theirs[i]) TH_LOG("page %d", i);
}

/* An exec'd process attaching by name sees our data, we see its writes, and every page has the same PFN. */
TEST_F(map, exec_helper_shares_data_and_pfns)
{
	char out[4096], npages[16], *line, *save = NULL;
	const char *args[] = { "check", self->name, npages, "4", NULL };
	uint64_t mine[NPAGES];
	int i;
	char *p = map_rw(self);

	ASSERT_NE(MAP_FAILED, p);
	snprintf(npages, sizeof(npages), "%d", NPAGES);
	fill_pattern(p, self->size, 4);
	for (i = 0; i < NPAGES; i++) {
		mine[i] = pfn_of(p + i * page_size());
		ASSERT_NE(0ULL, mine[i]);
	}
	ASSERT_EQ(0, run_helper(args, out, sizeof(out)))
		TH_LOG("helper output: %s", out);
	EXPECT_EQ(-1, check_pattern(p, self->size, 5));
	line = strtok_r(out, "\n", &save);
	for (i = 0; i < NPAGES; i++) {
		ASSERT_NE(NULL, line) TH_LOG("helper printed only %d PFNs", i);
		EXPECT_EQ(mine[i], strtoull(line, NULL, 16)) TH_LOG("page %d", i);
		line = strtok_r(NULL, "\n", &save);
	}
	EXPECT_EQ(NULL, line);
}

/* Find the /proc/self/maps line of @addr; fills perms, offset and path. */
static int maps_line(void *addr, char perms[8], unsigned long long *off, char *path)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		int n = 0;

		if (sscanf(line, "%lx-%lx %7s %llx %*s %*s%n", &start, &end,
			   perms, off, &n) < 4)
			continue;
		if (start != (uintptr_t)addr)
			continue;
		while (line[n] == ' ')
			n++;
		strcpy(path, line + n);
		path[strcspn(path, "\n")] = 0;
		found = 1;
		break;
	}
	fclose(f);
	return found;
}

/* The path /proc/PID/maps shows for a mapping of region @name with id @id. */
static void region_path(char *buf, size_t len, const char *name, __u64 id)
{
	snprintf(buf, len, "/shmdev:%s (id %llu) (deleted)", name,
		 (unsigned long long)id);
}

/* /proc/self/maps shows a shared rw mapping named after the region, with the right file offset. */
TEST_F(map, proc_maps_shows_shared_mapping)
{
	char perms[8], path[512], want[256];
	unsigned long long off;
	char *p = map_rw(self);
	char *q = map_fd(self->fd, page_size(), PROT_READ, MAP_SHARED, 2 * page_size());

	region_path(want, sizeof(want), self->name, self->id);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_TRUE(maps_line(p, perms, &off, path));
	EXPECT_STREQ("rw-s", perms);
	EXPECT_EQ(0ULL, off);
	EXPECT_STREQ(want, path);
	ASSERT_TRUE(maps_line(q, perms, &off, path));
	EXPECT_STREQ("r--s", perms);
	EXPECT_EQ((unsigned long long)(2 * page_size()), off);
	EXPECT_STREQ(want, path);
}

/* The inode number /proc/self/maps gives for the mapping at @addr, or 0. */
static unsigned long maps_inode(void *addr)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long ino = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, inode;

		if (sscanf(line, "%lx-%lx %*s %*x %*s %lu", &start, &end,
			   &inode) == 3 && start == (uintptr_t)addr) {
			ino = inode;
			break;
		}
	}
	fclose(f);
	return ino;
}

/* Two regions: two inode numbers and two names in maps; two attaches of one region (one read-only): one inode; map_files links name the region too. */
TEST_F(map, proc_maps_tells_regions_apart)
{
	char name2[SHMDEV_NAME_MAX], perms[8], path[512], want[256];
	char link[64], target[512];
	unsigned long long off;
	__u64 id2 = 0;
	ssize_t n;
	int fd2 = -1, rofd;
	char *p, *q, *r;

	shmdev_name(name2, "map2");
	fd2 = sd_new_region(name2, self->size, 1, 0600, &id2);
	ASSERT_GE(fd2, 0);
	rofd = shmdev_open(O_RDWR);
	ASSERT_GE(rofd, 0);
	ASSERT_EQ(0, sd_attach_id(rofd, self->id, SHMDEV_ATTACH_RDONLY));
	p = map_rw(self);
	q = map_fd(fd2, self->size, PROT_READ, MAP_SHARED, 0);
	r = map_fd(rofd, self->size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_NE(MAP_FAILED, r);

	EXPECT_NE(0UL, maps_inode(p));
	EXPECT_NE(maps_inode(p), maps_inode(q));
	EXPECT_EQ(maps_inode(p), maps_inode(r));
	ASSERT_TRUE(maps_line(q, perms, &off, path));
	region_path(want, sizeof(want), name2, id2);
	EXPECT_STREQ(want, path);
	ASSERT_TRUE(maps_line(r, perms, &off, path));
	region_path(want, sizeof(want), self->name, self->id);
	EXPECT_STREQ(want, path);

	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)q, (unsigned long)q + self->size);
	n = readlink(link, target, sizeof(target) - 1);
	ASSERT_GT(n, 0);
	target[n] = 0;
	region_path(want, sizeof(want), name2, id2);
	EXPECT_STREQ(want, target);

	/* DESTROY removes the name from the registry, not from the mapping. */
	ASSERT_EQ(0, sd_destroy_id(fd2, id2));
	ASSERT_TRUE(maps_line(q, perms, &off, path));
	EXPECT_STREQ(want, path);
	close(fd2);
	close(rofd);
}

/* mmap of an unattached fd fails with ENXIO. */
TEST_F(map, mmap_unattached_enxio)
{
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(MAP_FAILED, map_fd(fd, page_size(), PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(ENXIO, errno);
	close(fd);
}

/* mmap with the offset at or past the region's end fails with ENXIO. */
TEST_F(map, mmap_offset_past_end_enxio)
{
	EXPECT_EQ(MAP_FAILED, map_fd(self->fd, page_size(), PROT_READ, MAP_SHARED,
				     self->size));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, map_fd(self->fd, page_size(), PROT_READ, MAP_SHARED,
				     self->size + 4 * page_size()));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(0, nr_mappings(self->fd));
}

/* mmap whose length runs past the region's end fails with ENXIO. */
TEST_F(map, mmap_length_past_end_enxio)
{
	EXPECT_EQ(MAP_FAILED, map_fd(self->fd, self->size + page_size(),
				     PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(MAP_FAILED, map_fd(self->fd, 2 * page_size(), PROT_READ,
				     MAP_SHARED, self->size - page_size()));
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(0, nr_mappings(self->fd));
}

/* The last page alone can be mapped and shows the region's last page. */
TEST_F(map, mmap_last_page_ok)
{
	char *p = map_rw(self);
	char *q = map_fd(self->fd, page_size(), PROT_READ, MAP_SHARED,
			 self->size - page_size());

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	fill_pattern(p, self->size, 9);
	EXPECT_EQ(0, memcmp(q, p + self->size - page_size(), page_size()));
}

/* An offset whose sum with the length overflows a signed 64-bit value fails with ENXIO. */
TEST_F(map, mmap_offset_overflow_enxio)
{
	long off = LONG_MAX & ~(page_size() - 1);
	void *p;

	p = (void *)syscall(SYS_mmap, NULL, 2 * page_size(), PROT_READ,
			    MAP_SHARED, self->fd, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENXIO, errno);
	p = (void *)syscall(SYS_mmap, NULL, page_size(), PROT_READ,
			    MAP_SHARED, self->fd, off);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(ENXIO, errno);
	EXPECT_EQ(0, nr_mappings(self->fd));
}

/* An offset that wraps past 2^64 with the length is refused (ENXIO, or EOVERFLOW from the mm core). */
TEST_F(map, mmap_offset_wrap_refused)
{
	void *p;

	p = (void *)syscall(SYS_mmap, NULL, page_size(), PROT_READ, MAP_SHARED,
			    self->fd, -page_size());
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_TRUE(errno == ENXIO || errno == EOVERFLOW) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, nr_mappings(self->fd));
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

/* Pages of [@p, @p + @len) present in this process's page tables, without touching them. */
static long pages_present(const void *p, size_t len)
{
	long ps = page_size(), n = 0;
	size_t i, npages = len / ps;
	uint64_t ent;
	int fd;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (i = 0; i < npages; i++) {
		off_t off = ((uintptr_t)p / ps + i) * sizeof(ent);

		if (pread(fd, &ent, sizeof(ent), off) != sizeof(ent)) {
			n = -1;
			break;
		}
		n += !!(ent & (1ULL << 63));
	}
	close(fd);
	return n;
}

/* The documented ways to fault a region in up front: MAP_POPULATE and MADV_POPULATE_WRITE. */
TEST_F(map, populate_maps_every_page)
{
	char *p, *q;

	p = map_fd(self->fd, self->size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(NPAGES, pages_present(p, self->size));

	q = map_rw(self);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, pages_present(q, self->size));
	ASSERT_EQ(0, madvise(q, self->size, MADV_POPULATE_WRITE));
	EXPECT_EQ(NPAGES, pages_present(q, self->size));
	EXPECT_EQ(pfn_of(p + self->size - 1), pfn_of(q + self->size - 1));
	munmap(q, self->size);
	munmap(p, self->size);
}

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT	0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT	4
#endif

/* Field @field ("Locked:") in kB of the smaps entry of the VMA starting at @addr; -1 if none. */
static long smaps_kb(const void *addr, const char *field)
{
	unsigned long start, end;
	bool in = false;
	long kb = -1;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* a VMA's header line; no field name is hex digits and a '-' */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start == (uintptr_t)addr;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field))) {
			kb = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* VmLck of this process in kB, or -1. */
static long vmlck_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * Lock the unpopulated region mapping @p with @lock (mlock(), mlock2() or
 * mlockall(); @lock returns 0 or -1): every page gets mapped, none locked.
 */
static void lock_maps_unlocked(struct __test_metadata *_metadata,
			       FIXTURE_DATA(map) *self, char *p,
			       int (*lock)(void *p, size_t len))
{
	long vmlck = vmlck_kb();

	ASSERT_GE(vmlck, 0);
	ASSERT_EQ(0, pages_present(p, self->size));
	ASSERT_EQ(0, lock(p, self->size)) TH_LOG("errno %d", errno);
	EXPECT_EQ(NPAGES, pages_present(p, self->size));
	EXPECT_EQ(0, smaps_kb(p, "Locked:"));
	EXPECT_EQ(vmlck, vmlck_kb());
	EXPECT_EQ(0, munlockall());
	munmap(p, self->size);
}

static int do_mlock(void *p, size_t len)
{
	return mlock(p, len);
}

static int do_mlock2_onfault(void *p, size_t len)
{
	return syscall(SYS_mlock2, p, len, MLOCK_ONFAULT);
}

/* mlock() maps every page of a region mapping but locks none: Locked: 0 kB, VmLck unchanged. */
TEST_F(map, mlock_maps_every_page_unlocked)
{
	char *p = map_rw(self);

	ASSERT_NE(MAP_FAILED, p);
	lock_maps_unlocked(_metadata, self, p, do_mlock);
}

/* mlock2(MLOCK_ONFAULT) maps every page of a region mapping too, and locks none. */
TEST_F(map, mlock2_onfault_maps_every_page_unlocked)
{
	char *p = map_rw(self);

	ASSERT_NE(MAP_FAILED, p);
	lock_maps_unlocked(_metadata, self, p, do_mlock2_onfault);
}

/*
 * mlockall(@flags) maps every page of an existing region mapping but does
 * not lock it, where it locks an ordinary anonymous page (VmLck grows by
 * the process's other mappings, so only the VMAs are compared).
 */
static void mlockall_maps_unlocked(struct __test_metadata *_metadata,
				   FIXTURE_DATA(map) *self, int flags)
{
	char *p = map_rw(self);
	char *anon = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, anon);
	ASSERT_EQ(0, pages_present(p, self->size));
	ASSERT_EQ(0, mlockall(flags)) TH_LOG("errno %d", errno);
	EXPECT_EQ(NPAGES, pages_present(p, self->size));
	EXPECT_EQ(0, smaps_kb(p, "Locked:"));
	EXPECT_EQ(page_size() / 1024, smaps_kb(anon, "Locked:"));
	EXPECT_EQ(0, munlockall());
	munmap(anon, page_size());
	munmap(p, self->size);
}

/* mlockall(MCL_CURRENT) maps every page of a region mapping and locks none. */
TEST_F(map, mlockall_current_maps_every_page_unlocked)
{
	mlockall_maps_unlocked(_metadata, self, MCL_CURRENT);
}

/* mlockall(MCL_CURRENT | MCL_ONFAULT) also maps every page of a region mapping and locks none. */
TEST_F(map, mlockall_onfault_maps_every_page_unlocked)
{
	mlockall_maps_unlocked(_metadata, self, MCL_CURRENT | MCL_ONFAULT);
}

/* After mlockall(MCL_FUTURE), mmap() of a region maps every page but locks none. */
TEST_F(map, mlockall_future_maps_every_page_unlocked)
{
	long vmlck;
	char *p;

	ASSERT_EQ(0, mlockall(MCL_FUTURE));
	vmlck = vmlck_kb();
	ASSERT_GE(vmlck, 0);
	p = map_rw(self);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(NPAGES, pages_present(p, self->size));
	EXPECT_EQ(0, smaps_kb(p, "Locked:"));
	EXPECT_EQ(vmlck, vmlck_kb());
	EXPECT_EQ(0, munlockall());
	munmap(p, self->size);
}

/* mremap cannot grow a mapping (EFAULT, VM_DONTEXPAND) and the original stays intact. */
TEST_F(map, mremap_grow_efault)
{
	char *p = map_rw(self);

	ASSERT_NE(MAP_FAILED, p);
	fill_pattern(p, self->size, 10);
	EXPECT_EQ(MAP_FAILED, mremap(p, self->size, self->size + page_size(),
				     MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(MAP_FAILED, mremap(p, self->size, self->size + page_size(), 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, check_pattern(p, self->size, 10));
	EXPECT_EQ(1, nr_mappings(self->fd));
}

/* mremap moving a mapping at the same size works; the new address shares the region. */
TEST_F(map, mremap_move_same_size)
{
	char *p = map_rw(self), *q, *r;
	char *other = map_fd(self->fd, self->size, PROT_READ, MAP_SHARED, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, other);
	fill_pattern(p, self->size, 11);
	q = mmap(NULL, self->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, q);
	r = mremap(p, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	ASSERT_EQ(q, r);
	EXPECT_EQ(-1, check_pattern(r, self->size, 11));
	fill_pattern(r, self->size, 12);
	EXPECT_EQ(-1, check_pattern(other, self->size, 12));
	EXPECT_EQ(2, nr_mappings(self->fd));
}

static int rdonly_fd(struct __test_metadata *_metadata, FIXTURE_DATA(map) *self)
{
	int fd = shmdev_open(O_RDWR);

	EXPECT_GE(fd, 0);
	EXPECT_EQ(0, sd_attach_name(fd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	return fd;
}

/* Read-only attach: a writable shared mapping fails with EACCES, even on an O_RDWR fd. */
TEST_F(map, rdonly_attach_mmap_write_eacces)
{
	int fd = rdonly_fd(_metadata, self);

	EXPECT_EQ(MAP_FAILED, map_fd(fd, self->size, PROT_READ | PROT_WRITE,
				     MAP_SHARED, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, map_fd(fd, page_size(), PROT_WRITE, MAP_SHARED, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, nr_mappings(self->fd));
	close(fd);
}

/* Read-only attach: the read mapping sees the data and mprotect(PROT_WRITE) fails with EACCES. */
TEST_F(map, rdonly_attach_mprotect_eacces)
{
	int fd = rdonly_fd(_metadata, self);
	char *w = map_rw(self);
	char *p = map_fd(fd, self->size, PROT_READ, MAP_SHARED, 0);

	ASSERT_NE(MAP_FAILED, w);
	ASSERT_NE(MAP_FAILED, p);
	fill_pattern(w, self->size, 13);
	EXPECT_EQ(-1, check_pattern(p, self->size, 13));
	EXPECT_EQ(-1, mprotect(p, self->size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p + page_size(), page_size(), PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	close(fd);
}

/* Read-only attach: writing through the read-only mapping raises SIGSEGV. */
TEST_F_SIGNAL(map, rdonly_attach_write_segv, SIGSEGV)
{
	int fd = rdonly_fd(_metadata, self);
	volatile char *p = map_fd(fd, self->size, PROT_READ, MAP_SHARED, 0);

	ASSERT_NE(MAP_FAILED, (void *)p);
	ASSERT_EQ(0, p[0]);
	p[0] = 1;	/* must fault */
	TH_LOG("write through a read-only attachment did not fault");
}

/* MAP_PRIVATE: reads see the region, a write makes a private copy (new PFN) nobody else sees. */
TEST_F(map, private_mapping_cow)
{
	uint64_t *s = map_rw(self), *pv, *check, pfn_s, pfn_p;
	size_t w = page_size() / 8;	/* u64 words per page */
	int fd;

	ASSERT_NE(MAP_FAILED, s);
	fill_pattern(s, self->size, 14);
	pv = map_fd(self->fd, self->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, pv);
	EXPECT_EQ(-1, check_pattern(pv, self->size, 14));

	pfn_s = pfn_of(s);
	ASSERT_NE(0ULL, pfn_s);
	pv[0] = 0x1122334455667788ULL;		/* COW page 0 */
	pfn_p = pfn_of(pv);
	ASSERT_NE(0ULL, pfn_p);
	EXPECT_NE(pfn_s, pfn_p);
	EXPECT_EQ(pfn_s, pfn_of(s));
	EXPECT_EQ(pattern(14, 0), s[0]);	/* region unchanged */
	EXPECT_EQ(pattern(14, 8), pv[1]);	/* copy holds the old contents */

	/* our copy no longer follows the region; untouched pages still do */
	s[2] = 42;
	s[w + 2] = 43;
	EXPECT_EQ(pattern(14, 16), pv[2]);
	EXPECT_EQ(43ULL, pv[w + 2]);

	/* another attachment of the region sees no trace of the private write */
	fd = shmdev_open(O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, sd_attach_id(fd, self->id, SHMDEV_ATTACH_RDONLY));
	check = map_fd(fd, page_size(), PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, check);
	EXPECT_EQ(pattern(14, 0), check[0]);
	EXPECT_EQ(42ULL, check[2]);
	close(fd);
}

/* After DESTROY and close the mapping still works; the memory is freed only at the last munmap. */
TEST_F(map, destroy_while_mapped)
{
	char *p = map_rw(self);
	char *q = map_fd(self->fd, page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
			 page_size());
	int fd;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	fill_pattern(p, self->size, 15);
	EXPECT_EQ(self->regions0 + 1, sd_regions());
	EXPECT_EQ(self->bytes0 + (long long)self->size, sd_bytes_in_use());

	ASSERT_EQ(0, sd_destroy_id(self->fd, self->id));
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENOENT, sd_attach_name(fd, self->name, 0, NULL));
	close(fd);
	EXPECT_EQ(-1, check_pattern(p, self->size, 15));
	fill_pattern(p, self->size, 16);
	EXPECT_EQ(0, memcmp(q, p + page_size(), page_size()));

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(-1, check_pattern(p, self->size, 16));
	fill_pattern(p, self->size, 17);
	EXPECT_EQ(-1, check_pattern(p, self->size, 17));
	EXPECT_EQ(0, memcmp(q, p + page_size(), page_size()));
	EXPECT_EQ(self->regions0 + 1, sd_regions());
	EXPECT_EQ(self->bytes0 + (long long)self->size, sd_bytes_in_use());

	ASSERT_EQ(0, munmap(q, page_size()));
	usleep(50000);
	EXPECT_EQ(self->regions0 + 1, sd_regions());
	EXPECT_EQ(self->bytes0 + (long long)self->size, sd_bytes_in_use());
	EXPECT_EQ(-1, check_pattern(p, self->size, 17));

	ASSERT_EQ(0, munmap(p, self->size));
	EXPECT_EQ(self->regions0, sysfs_settle(sd_regions, self->regions0));
	EXPECT_EQ(self->bytes0, sysfs_settle(sd_bytes_in_use, self->bytes0));
}

/* INFO nr_mappings counts VMAs: mmap, munmap, fork (+1) and a split (+1 per piece). */
TEST_F(map, nr_mappings_counts_vmas)
{
	int pfd[2], status;
	char *a, *b, c;
	pid_t pid;

	EXPECT_EQ(0, nr_mappings(self->fd));
	a = map_fd(self->fd, 3 * page_size(), PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, a);
	EXPECT_EQ(1, nr_mappings(self->fd));
	b = map_fd(self->fd, page_size(), PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, b);
	EXPECT_EQ(2, nr_mappings(self->fd));
	ASSERT_EQ(0, munmap(b, page_size()));
	EXPECT_EQ(1, nr_mappings(self->fd));

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(pfd[1]);
		_exit(read(pfd[0], &c, 1) == 0 ? 0 : 1);	/* wait for EOF */
	}
	close(pfd[0]);
	EXPECT_EQ(2, nr_mappings(self->fd));
	close(pfd[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, nr_mappings(self->fd));

	/* splitting the 3-page VMA in three */
	ASSERT_EQ(0, mprotect(a + page_size(), page_size(), PROT_READ));
	EXPECT_EQ(3, nr_mappings(self->fd));
	ASSERT_EQ(0, munmap(a, 3 * page_size()));
	EXPECT_EQ(0, nr_mappings(self->fd));
}

/* Child: attach by name, map, return the mapping (or NULL). */
static void *child_map(const char *name, size_t size)
{
	int fd = shmdev_open(O_RDWR);
	void *p;

	if (fd < 0 || sd_attach_name(fd, name, 0, NULL))
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* A shared FUTEX_WAKE on our mapping wakes a FUTEX_WAIT done through another process's own mapping. */
TEST_F(map, futex_wake_across_processes)
{
	uint32_t *word = map_rw(self);
	uint64_t start;
	int status;
	long woken = 0;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, word);
	word[0] = 0;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint32_t *w = child_map(self->name, self->size);
		struct timespec ts = { .tv_sec = 20 };

		if (!w)
			_exit(2);
		munmap(word, self->size);	/* only the child's own mapping remains */
		while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0) {
			if (syscall(SYS_futex, w, FUTEX_WAIT, 0, &ts, NULL, 0) &&
			    errno != EAGAIN && errno != EINTR)
				_exit(3);
		}
		_exit(w[0] == 1 ? 0 : 4);
	}
	/* keep waking until the waiter is really woken by us (or 20 s) */
	start = now_ns();
	while (woken == 0 && now_ns() - start < 20000000000ULL) {
		usleep(10000);
		woken = syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	__atomic_store_n(&word[0], 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, woken);
}

struct mutex_area {
	pthread_mutex_t lock;
	unsigned long counter;
};

#define MUTEX_PROCS	4
#define MUTEX_LOOPS	100000

/* 4 processes each increment a counter 100000 times under a pshared mutex: the total is exactly 400000. */
TEST_F_TIMEOUT(map, pshared_mutex_counter, 240)
{
	struct mutex_area *m = map_rw(self);
	pthread_mutexattr_t attr;
	pid_t pids[MUTEX_PROCS];
	int i, status;

	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, pthread_mutexattr_init(&attr));
	ASSERT_EQ(0, pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED));
	ASSERT_EQ(0, pthread_mutex_init(&m->lock, &attr));
	m->counter = 0;
	for (i = 0; i < MUTEX_PROCS; i++) {
		pids[i] = fork();
		ASSERT_GE(pids[i], 0);
		if (pids[i] == 0) {
			struct mutex_area *c = child_map(self->name, self->size);
			int k;

			if (!c)
				_exit(2);
			for (k = 0; k < MUTEX_LOOPS; k++) {
				if (pthread_mutex_lock(&c->lock))
					_exit(3);
				c->counter++;
				if (pthread_mutex_unlock(&c->lock))
					_exit(4);
			}
			_exit(0);
		}
	}
	for (i = 0; i < MUTEX_PROCS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, status) TH_LOG("child %d", i);
	}
	EXPECT_EQ((unsigned long)MUTEX_PROCS * MUTEX_LOOPS, m->counter);
}

struct sem_area {
	sem_t ping, pong;
	unsigned long pings, pongs;
	unsigned long errors;
};

#define SEM_ROUNDS	10000

/* sem_init(pshared=1) ping-pong over 10000 rounds between two processes ends with exact counts. */
TEST_F_TIMEOUT(map, pshared_sem_pingpong, 120)
{
	struct sem_area *s = map_rw(self);
	int i, status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, s);
	ASSERT_EQ(0, sem_init(&s->ping, 1, 0));
	ASSERT_EQ(0, sem_init(&s->pong, 1, 0));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct sem_area *c = child_map(self->name, self->size);

		if (!c)
			_exit(2);
		for (i = 0; i < SEM_ROUNDS; i++) {
			while (sem_wait(&c->ping))
				if (errno != EINTR)
					_exit(3);
			if (c->pings != c->pongs + 1)
				c->errors++;
			c->pongs++;
			sem_post(&c->pong);
		}
		_exit(0);
	}
	for (i = 0; i < SEM_ROUNDS; i++) {
		s->pings++;
		ASSERT_EQ(0, sem_post(&s->ping));
		while (sem_wait(&s->pong))
			ASSERT_EQ(EINTR, errno);
		ASSERT_EQ(s->pings, s->pongs);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ((unsigned long)SEM_ROUNDS, s->pings);
	EXPECT_EQ((unsigned long)SEM_ROUNDS, s->pongs);
	EXPECT_EQ(0UL, s->errors);
}

struct cond_area {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int turn;
	unsigned long count[2];
};

#define COND_ROUNDS	2000

static int cond_player(struct cond_area *c, int me)
{
	int i;

	for (i = 0; i < COND_ROUNDS; i++) {
		if (pthread_mutex_lock(&c->lock))
			return 1;
		while (c->turn != me)
			if (pthread_cond_wait(&c->cond, &c->lock))
				return 2;
		c->count[me]++;
		c->turn = !me;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
	return 0;
}

/* A pshared mutex + condition variable in the region hand a turn back and forth 2000 times. */
TEST_F_TIMEOUT(map, pshared_condvar_turns, 120)
{
	struct cond_area *c = map_rw(self);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, c);
	ASSERT_EQ(0, pthread_mutexattr_init(&ma));
	ASSERT_EQ(0, pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED));
	ASSERT_EQ(0, pthread_condattr_init(&ca));
	ASSERT_EQ(0, pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED));
	ASSERT_EQ(0, pthread_mutex_init(&c->lock, &ma));
	ASSERT_EQ(0, pthread_cond_init(&c->cond, &ca));
	c->turn = 0;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct cond_area *cc = child_map(self->name, self->size);

		_exit(cc ? cond_player(cc, 1) : 3);
	}
	EXPECT_EQ(0, cond_player(c, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ((unsigned long)COND_ROUNDS, c->count[0]);
	EXPECT_EQ((unsigned long)COND_ROUNDS, c->count[1]);
	EXPECT_EQ(0, c->turn);
}

SHMDEV_HARNESS_MAIN
