// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev huge regions (SHMDEV_CREATE_HUGE): order-9 folios mapped with PMD
 * entries where the kernel can (smaps FilePmdMapped, 512 consecutive PFNs
 * in pagemap), page-size PTEs into the same folios where it cannot
 * (PREEMPT_RT, misaligned MAP_FIXED, MADV_NOHUGEPAGE, partial mprotect),
 * and the core promises (fork, futexes, read-only attach, destroy while
 * mapped, whole-folio accounting) for small and huge regions alike.
 * A last test prints what CREATE plus first touch of a 64 MiB huge region
 * costs against memfd and anonymous THP in the same boot.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "shmdev_common.h"

/* PAGEMAP_SCAN (6.7+); Debian 12's uapi headers predate it. */
#ifndef PAGEMAP_SCAN
struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#define PAGEMAP_SCAN	_IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_HUGE	(1 << 6)
#endif

#define HUGE_SZ		(2UL << 20)
#define REGION_SZ	(2 * HUGE_SZ)
#define PAGES_PER_HUGE	(HUGE_SZ / 4096)

#ifndef PR_SET_THP_DISABLE
#define PR_SET_THP_DISABLE	41
#endif

/* Does this kernel map file folios with PMDs at all (no THP on PREEMPT_RT)? */
static bool kernel_has_thp(void)
{
	return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
}

/* 6.12 refuses PMD mappings under MADV_NOHUGEPAGE/PR_SET_THP_DISABLE; 6.1 ignores both. */
static bool kernel_honours_nohugepage(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 12);
}

/* A field (in kB) of this process's smaps entry of the VMA at @addr, or -1. */
static long smaps_kb(const void *addr, const char *field)
{
	return smaps_field_kb(0, (uintptr_t)addr, field);
}

static long pmd_kb(const void *addr)
{
	return smaps_kb(addr, "FilePmdMapped");
}

/* Touch every page of [p, p + len): read, and write too if @write. */
static void touch(volatile char *p, size_t len, bool write)
{
	size_t off;

	for (off = 0; off < len; off += 4096) {
		if (write)
			p[off] = (char)(off >> 12);
		else
			(void)p[off];
	}
}

/* 0 if each 2 MiB of [p, p + len) is 512 consecutive PFNs, the first aligned to 512. */
static int check_huge_pfns(const char *p, size_t len)
{
	size_t off, i;

	for (off = 0; off < len; off += HUGE_SZ) {
		uint64_t first = pfn_of(p + off);

		if (!first)
			return 1;
		if (first % PAGES_PER_HUGE)
			return 2;
		for (i = 1; i < PAGES_PER_HUGE; i++)
			if (pfn_of(p + off + i * 4096) != first + i)
				return 3;
	}
	return 0;
}

/* 6.10 lets a mapping forbid splitting its folios (a minimum folio order). */
static bool kernel_keeps_folio_order(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 10);
}

/* A 2 MiB-aligned address range of @len bytes no one uses (reserved, then freed). */
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

FIXTURE(huge) {
	int fd;		/* the creator's file, read-write */
	int mfd;	/* the file mappings are made through */
	__u64 id;
	long long bytes0;
	char name[SHMDEV_NAME_MAX];
};

FIXTURE_VARIANT(huge) {
	__u32 create_flags;
	bool rdonly;	/* map through a read-only attach */
};

FIXTURE_VARIANT_ADD(huge, small) {
	.create_flags = 0,
	.rdonly = false,
};

FIXTURE_VARIANT_ADD(huge, huge) {
	.create_flags = SHMDEV_CREATE_HUGE,
	.rdonly = false,
};

FIXTURE_VARIANT_ADD(huge, huge_ro) {
	.create_flags = SHMDEV_CREATE_HUGE,
	.rdonly = true,
};

FIXTURE_SETUP(huge)
{
	self->bytes0 = sd_bytes_in_use();
	ASSERT_GE(self->bytes0, 0);
	shmdev_name(self->name, "huge");
	ASSERT_EQ(0, sd_variant_region(self->name, REGION_SZ,
				       variant->create_flags, variant->rdonly,
				       &self->fd, &self->mfd, &self->id));
}

FIXTURE_TEARDOWN_PARENT(huge)
{
	sd_cleanup_name(self->name);
}

static int map_prot(const FIXTURE_VARIANT(huge) *variant)
{
	return variant->rdonly ? PROT_READ : PROT_READ | PROT_WRITE;
}

static char *map_region(FIXTURE_DATA(huge) *self,
			const FIXTURE_VARIANT(huge) *variant, size_t len,
			off_t off)
{
	char *p = mmap(NULL, len, map_prot(variant), MAP_SHARED, self->mfd, off);

	return p == MAP_FAILED ? NULL : p;
}

static bool is_huge(const FIXTURE_VARIANT(huge) *variant)
{
	return variant->create_flags & SHMDEV_CREATE_HUGE;
}

/* The region's size is whole folios, INFO says HUGE, bytes_in_use counts them. */
TEST_F(huge, info_and_accounting)
{
	struct shmdev_info info;

	ASSERT_EQ(0, sd_info(self->mfd, &info));
	EXPECT_EQ((__u64)REGION_SZ, info.size);
	EXPECT_EQ(is_huge(variant), !!(info.region_flags & SHMDEV_REGION_HUGE));
	EXPECT_EQ(self->bytes0 + (long long)REGION_SZ, sd_bytes_in_use());
}

/* A mapping at the kernel's address is PMD-mapped in full for a huge region where THP exists, else not at all. */
TEST_F(huge, smaps_file_pmd_mapped)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	long want = is_huge(variant) && kernel_has_thp() ? REGION_SZ / 1024 : 0;

	ASSERT_NE(NULL, p);
	/* Without THP the kernel has no 2 MiB placement, nor need of it. */
	if (is_huge(variant) && kernel_has_thp())
		EXPECT_EQ(0UL, (uintptr_t)p % HUGE_SZ);
	touch(p, REGION_SZ, !variant->rdonly);
	EXPECT_EQ(want, pmd_kb(p));
	TH_LOG("FilePmdMapped %ld kB of %lu kB", pmd_kb(p), REGION_SZ / 1024);
	munmap(p, REGION_SZ);
}

/* pagemap: each 2 MiB of a huge region is 512 consecutive PFNs starting at a multiple of 512 (PMD or PTE mapped). */
TEST_F(huge, pagemap_consecutive_pfns)
{
	char *p = map_region(self, variant, REGION_SZ, 0);

	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	if (is_huge(variant)) {
		EXPECT_EQ(0, check_huge_pfns(p, REGION_SZ));
	} else {
		EXPECT_NE(0ULL, (unsigned long long)pfn_of(p));
	}
	munmap(p, REGION_SZ);
}

/*
 * Bytes of [p, p + len) that PAGEMAP_SCAN reports as PAGE_IS_HUGE, or
 * -errno (ENOTTY/EINVAL where the kernel lacks PAGEMAP_SCAN).
 */
static long scan_huge_bytes(const char *p, size_t len)
{
	struct page_region vec[16];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (uintptr_t)p,
		.end = (uintptr_t)p + len,
		.vec = (uintptr_t)vec,
		.vec_len = 16,
		.category_mask = PAGE_IS_HUGE,
		.return_mask = PAGE_IS_HUGE,
	};
	long n, i, bytes = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = ioctl(fd, PAGEMAP_SCAN, &arg);
	if (n < 0)
		n = -errno;
	close(fd);
	for (i = 0; i < n; i++)
		bytes += vec[i].end - vec[i].start;
	return n < 0 ? n : bytes;
}

/* PAGEMAP_SCAN (6.7+) reports every page of a PMD-mapped huge region as PAGE_IS_HUGE, none of a 4 KiB region's. */
TEST_F(huge, pagemap_scan_page_is_huge)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	long bytes;

	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	bytes = scan_huge_bytes(p, REGION_SZ);
	if (bytes == -ENOTTY || bytes == -EINVAL) {
		munmap(p, REGION_SZ);
		SKIP(return, "no PAGEMAP_SCAN on this kernel");
	}
	EXPECT_EQ(is_huge(variant) && kernel_has_thp() ? (long)REGION_SZ : 0, bytes);
	munmap(p, REGION_SZ);
}

/* mmap offsets of a huge region must be multiples of 2 MiB (EINVAL); 2 MiB itself works. */
TEST_F(huge, offset_alignment)
{
	char *p;

	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->mfd, 4096);
	if (is_huge(variant)) {
		EXPECT_EQ(MAP_FAILED, p);
		EXPECT_EQ(EINVAL, errno);
	} else {
		EXPECT_NE(MAP_FAILED, p);
		munmap(p, 4096);
	}
	p = map_region(self, variant, HUGE_SZ, HUGE_SZ);
	ASSERT_NE(NULL, p);
	touch(p, HUGE_SZ, false);
	EXPECT_EQ(is_huge(variant) && kernel_has_thp() ? (long)(HUGE_SZ / 1024) : 0,
		  pmd_kb(p));
	munmap(p, HUGE_SZ);
}

/* A MAP_FIXED address not 2 MiB aligned maps the same folios with PTEs: same data, same PFNs, FilePmdMapped 0. */
TEST_F(huge, misaligned_fixed_falls_back_to_ptes)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	char *hole = aligned_hole(REGION_SZ + HUGE_SZ);
	char *q;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, hole);
	q = mmap(hole + 4096, REGION_SZ, PROT_READ, MAP_SHARED | MAP_FIXED,
		 self->mfd, 0);
	ASSERT_EQ(hole + 4096, q);
	touch(p, REGION_SZ, !variant->rdonly);
	touch(q, REGION_SZ, false);
	EXPECT_EQ(0, pmd_kb(q));
	EXPECT_EQ(0, memcmp(p, q, REGION_SZ));
	EXPECT_EQ(pfn_of(p + HUGE_SZ + 12345), pfn_of(q + HUGE_SZ + 12345));
	munmap(q, REGION_SZ);
	munmap(p, REGION_SZ);
}

/* MADV_NOHUGEPAGE before the first touch: PTEs on kernels that honour it (6.12), data and PFNs unchanged; EINVAL without THP. */
TEST_F(huge, madv_nohugepage_falls_back_to_ptes)
{
	char *p = map_region(self, variant, REGION_SZ, 0);

	ASSERT_NE(NULL, p);
	if (kernel_has_thp()) {
		ASSERT_EQ(0, madvise(p, REGION_SZ, MADV_NOHUGEPAGE));
	} else {
		EXPECT_EQ(-1, madvise(p, REGION_SZ, MADV_NOHUGEPAGE));
		EXPECT_EQ(EINVAL, errno);
	}
	touch(p, REGION_SZ, !variant->rdonly);
	if (kernel_honours_nohugepage() || !is_huge(variant) || !kernel_has_thp()) {
		EXPECT_EQ(0, pmd_kb(p));
	} else {
		TH_LOG("this kernel ignores MADV_NOHUGEPAGE: FilePmdMapped %ld kB",
		       pmd_kb(p));
	}
	if (is_huge(variant))
		EXPECT_EQ(0, check_huge_pfns(p, REGION_SZ));
	munmap(p, REGION_SZ);
}

/* PR_SET_THP_DISABLE in a child: its mapping uses PTEs on 6.12 and still shares the data. */
TEST_F(huge, prctl_thp_disable_falls_back_to_ptes)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	pid_t pid;

	ASSERT_NE(NULL, p);
	if (!variant->rdonly)
		memset(p, 0x5a, REGION_SZ);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *q;

		if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			_exit(1);
		q = mmap(NULL, REGION_SZ, PROT_READ, MAP_SHARED, self->mfd, 0);
		if (q == MAP_FAILED)
			_exit(2);
		touch(q, REGION_SZ, false);
		if (memcmp(p, q, REGION_SZ))
			_exit(3);
		if (kernel_honours_nohugepage() && pmd_kb(q) != 0)
			_exit(4);
		if (is_huge(variant) && check_huge_pfns(q, REGION_SZ))
			_exit(5);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	munmap(p, REGION_SZ);
}

/* mprotect() of one page splits that folio's PMD only; the data stays. */
TEST_F(huge, partial_mprotect_splits_one_pmd)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	long full = is_huge(variant) && kernel_has_thp() ? REGION_SZ / 1024 : 0;
	long after;

	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, !variant->rdonly);
	EXPECT_EQ(full, pmd_kb(p));
	ASSERT_EQ(0, mprotect(p, 4096, PROT_NONE));
	touch(p + 4096, REGION_SZ - 4096, false);
	/* two VMAs now: [p, p+4K) and [p+4K, p+4M), whose first folio is PTE-mapped */
	after = pmd_kb(p + 4096);
	EXPECT_EQ(full / 2, after);
	EXPECT_EQ(0, pmd_kb(p));
	if (is_huge(variant))
		EXPECT_EQ(0, check_huge_pfns(p + HUGE_SZ, HUGE_SZ));
	munmap(p, REGION_SZ);
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/* MADV_PAGEOUT of part of a folio leaves the data, the PFNs and (6.10+: the folio is never split) a PMD mapping on the next map. */
TEST_F(huge, partial_pageout_keeps_folios)
{
	char *w = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	char *p = map_region(self, variant, REGION_SZ, 0);
	uint64_t pfn;
	long pmd;
	int ret;

	ASSERT_NE(MAP_FAILED, w);
	ASSERT_NE(NULL, p);
	fill_pattern(w, REGION_SZ, 9);
	touch(p, REGION_SZ, false);
	pfn = pfn_of(p + 4096 * 3);
	ret = madvise(p + 4096, 8 * 4096, MADV_PAGEOUT);
	ASSERT_TRUE(ret == 0 || errno == EINVAL) TH_LOG("MADV_PAGEOUT: %s", strerror(errno));
	munmap(p, REGION_SZ);
	munmap(w, REGION_SZ);
	p = map_region(self, variant, REGION_SZ, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-1, check_pattern(p, REGION_SZ, 9));
	EXPECT_EQ(pfn, pfn_of(p + 4096 * 3));
	if (is_huge(variant))
		EXPECT_EQ(0, check_huge_pfns(p, REGION_SZ));
	pmd = pmd_kb(p);
	if (!is_huge(variant) || !kernel_has_thp()) {
		EXPECT_EQ(0, pmd);
	} else if (kernel_keeps_folio_order()) {
		EXPECT_EQ((long)(REGION_SZ / 1024), pmd);
	} else {
		TH_LOG("FilePmdMapped after a partial MADV_PAGEOUT: %ld kB (this kernel may split folios)",
		       pmd);
	}
	munmap(p, REGION_SZ);
}

/* A write to a MAP_PRIVATE mapping copies one page: the region is unchanged, Anonymous is 4 kB. */
TEST_F(huge, private_write_copies_one_page)
{
	char *shared = mmap(NULL, REGION_SZ, PROT_READ, MAP_SHARED, self->fd, 0);
	char *priv = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			  self->mfd, 0);

	ASSERT_NE(MAP_FAILED, shared);
	ASSERT_NE(MAP_FAILED, priv);
	touch(priv, REGION_SZ, false);
	priv[HUGE_SZ + 100] = 0x77;
	EXPECT_EQ(0, shared[HUGE_SZ + 100]);
	EXPECT_EQ(0x77, priv[HUGE_SZ + 100]);
	EXPECT_EQ(4, smaps_kb(priv, "Anonymous"));
	EXPECT_EQ(0, memcmp(shared, priv, HUGE_SZ));
	munmap(priv, REGION_SZ);
	munmap(shared, REGION_SZ);
}

/* fork: the child sees the parent's data and PFNs, and its own mapping is PMD-mapped too where THP exists. */
TEST_F(huge, fork_shares_folios)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	uint64_t pfn;
	pid_t pid;

	ASSERT_NE(NULL, p);
	if (!variant->rdonly)
		memset(p, 0x3c, REGION_SZ);
	touch(p, REGION_SZ, false);
	pfn = pfn_of(p + HUGE_SZ + 4096 * 7);
	ASSERT_NE(0ULL, (unsigned long long)pfn);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		touch(p, REGION_SZ, false);
		if (pfn_of(p + HUGE_SZ + 4096 * 7) != pfn)
			_exit(1);
		if (!variant->rdonly && p[REGION_SZ - 1] != 0x3c)
			_exit(2);
		if (pmd_kb(p) != (is_huge(variant) && kernel_has_thp() ?
				  (long)(REGION_SZ / 1024) : 0))
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	munmap(p, REGION_SZ);
}

/* FUTEX_WAKE through one process's PMD mapping wakes FUTEX_WAIT through another's, in the second folio. */
TEST_F(huge, futex_across_processes)
{
	char *p = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	uint32_t *word;
	pid_t pid;
	int i;

	ASSERT_NE(MAP_FAILED, p);
	touch(p, REGION_SZ, false);
	word = (uint32_t *)(p + HUGE_SZ + 64);
	*word = 0;
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char *q = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE,
			       MAP_SHARED, self->fd, 0);
		uint32_t *w;

		if (q == MAP_FAILED)
			_exit(1);
		w = (uint32_t *)(q + HUGE_SZ + 64);
		while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0)
			syscall(SYS_futex, w, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(*w == 1 ? 0 : 2);
	}
	for (i = 0; i < 50; i++)
		usleep(2000);
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	EXPECT_GE(syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	EXPECT_EQ(0, reap(pid));
	munmap(p, REGION_SZ);
}

/* A read-only attach cannot map shared-writable nor gain write by mprotect, huge or not. */
TEST_F(huge, rdonly_attach_stays_read_only)
{
	char *p;

	if (!variant->rdonly)
		SKIP(return, "read-only variant only");
	p = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->mfd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EACCES, errno);
	p = map_region(self, variant, REGION_SZ, 0);
	ASSERT_NE(NULL, p);
	touch(p, REGION_SZ, false);
	EXPECT_EQ(-1, mprotect(p, REGION_SZ, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, REGION_SZ);
}

/* DESTROY and close while mapped: the folios stay, still PMD-mapped, until the last unmap frees them. */
TEST_F(huge, destroy_while_mapped)
{
	char *p = map_region(self, variant, REGION_SZ, 0);
	char *w = mmap(NULL, REGION_SZ, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	uint64_t pfn;

	ASSERT_NE(NULL, p);
	ASSERT_NE(MAP_FAILED, w);
	memset(w, 0x42, REGION_SZ);
	touch(p, REGION_SZ, false);
	pfn = pfn_of(p + HUGE_SZ);
	ASSERT_EQ(0, sd_destroy_name(self->fd, self->name));
	close(self->fd);
	if (self->mfd != self->fd)
		close(self->mfd);
	munmap(w, REGION_SZ);
	EXPECT_EQ(self->bytes0 + (long long)REGION_SZ, sd_bytes_in_use());
	EXPECT_EQ(0x42, p[REGION_SZ - 1]);
	EXPECT_EQ(pfn, pfn_of(p + HUGE_SZ));
	EXPECT_EQ(is_huge(variant) && kernel_has_thp() ? (long)(REGION_SZ / 1024) : 0,
		  pmd_kb(p));
	munmap(p, REGION_SZ);
	EXPECT_EQ(self->bytes0, sysfs_settle(sd_bytes_in_use, self->bytes0));
}

/* ------------------------------------------------------ without a region */

FIXTURE(misc) {
	int unused;
};

FIXTURE_SETUP(misc)
{
}

FIXTURE_TEARDOWN(misc)
{
}

/* API reports SHMDEV_CREATE_HUGE and a 2 MiB huge page size; the first version's struct still works. */
TEST_F(misc, api_reports_huge)
{
	struct shmdev_api api;
	unsigned char v0[SHMDEV_API_SIZE_VER0 + 8];
	int fd = shmdev_open(O_RDWR);
	unsigned long cmd;

	ASSERT_GE(fd, 0);
	memset(&api, 0, sizeof(api));
	ASSERT_EQ(0, ret_errno(ioctl(fd, SHMDEV_IOC_API, &api)));
	EXPECT_NE(0ULL, api.create_flags & SHMDEV_CREATE_HUGE);
	EXPECT_EQ((__u64)HUGE_SZ, api.huge_page_size);

	memset(v0, 0xee, sizeof(v0));
	memset(v0, 0, SHMDEV_API_SIZE_VER0);
	cmd = _IOC(_IOC_READ | _IOC_WRITE, SHMDEV_IOC_MAGIC,
		   _IOC_NR(SHMDEV_IOC_API), SHMDEV_API_SIZE_VER0);
	ASSERT_EQ(0, ret_errno(ioctl(fd, cmd, v0)));
	EXPECT_EQ(0, memcmp(v0, &api, SHMDEV_API_SIZE_VER0));
	EXPECT_EQ(0xee, v0[SHMDEV_API_SIZE_VER0]);
	close(fd);
}

/* A 1-byte huge region is 2 MiB and charged as such; past max_region_bytes after rounding: E2BIG. */
TEST_F(misc, huge_size_rounding_and_limits)
{
	char name[SHMDEV_NAME_MAX];
	long long max = sd_param("max_region_bytes");
	long long bytes0 = sd_bytes_in_use();
	struct shmdev_create c;
	struct shmdev_info info;
	int fd = shmdev_open(O_RDWR);

	ASSERT_GE(fd, 0);
	shmdev_name(name, "hround");
	ASSERT_EQ(0, sd_create_full(fd, name, 1, 1, 0600, SHMDEV_CREATE_HUGE, &c));
	ASSERT_EQ(0, sd_info(fd, &info));
	EXPECT_EQ((__u64)HUGE_SZ, info.size);
	EXPECT_EQ(bytes0 + (long long)HUGE_SZ, sd_bytes_in_use());
	EXPECT_EQ(0, sd_destroy_name(fd, name));
	close(fd);
	EXPECT_EQ(bytes0, sysfs_settle(sd_bytes_in_use, bytes0));

	ASSERT_EQ(0, sd_set_param("max_region_bytes", HUGE_SZ + 4096));
	fd = shmdev_open(O_RDWR);
	ASSERT_GE(fd, 0);
	shmdev_name(name, "hround");
	EXPECT_EQ(-E2BIG, sd_create_full(fd, name, HUGE_SZ + 1, 1, 0600,
					 SHMDEV_CREATE_HUGE, NULL));
	EXPECT_EQ(0, sd_create_full(fd, name, HUGE_SZ + 1, 1, 0600, 0, NULL));
	sd_destroy_name(fd, name);
	close(fd);
	ASSERT_EQ(0, sd_set_param("max_region_bytes", max));
}

static int create_huge_small_rlimit(int fd, void *arg)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };
	char name[SHMDEV_NAME_MAX];
	int ret;

	(void)arg;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 100;
	shmdev_name(name, "hlim");
	/* 4 KiB asked, 2 MiB charged: past a 1 MiB RLIMIT_MEMLOCK */
	ret = sd_create_full(fd, name, 4096, 1, 0600, SHMDEV_CREATE_HUGE, NULL);
	if (ret != -ENOMEM)
		return 101;
	ret = sd_create_full(fd, name, 4096, 1, 0600, 0, NULL);
	if (ret)
		return 102;
	sd_destroy_name(fd, name);
	return 0;
}

/* Per-user limits count whole folios: 4 KiB asked as HUGE is 2 MiB, past a 1 MiB RLIMIT_MEMLOCK (ENOMEM). */
TEST_F(misc, huge_charged_in_whole_folios)
{
	EXPECT_EQ(0, run_as(UID_A, 0, create_huge_small_rlimit, NULL));
}

/* ------------------------------------------------------------ benchmark */

static double elapsed_ms(uint64_t t0)
{
	return (now_ns() - t0) / 1e6;
}

/* Create (or allocate) 64 MiB and write one byte per 4 KiB page; ms, or -1. */
static double cost_shmdev(__u32 flags)
{
	const size_t len = 64UL << 20;
	char name[SHMDEV_NAME_MAX];
	uint64_t t0 = now_ns();
	double ms;
	char *p;
	int fd = shmdev_open(O_RDWR);

	if (fd < 0)
		return -1;
	shmdev_name(name, "bench");
	if (sd_create_full(fd, name, len, 1, 0600, flags, NULL)) {
		close(fd);
		return -1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		touch(p, len, true);
	ms = elapsed_ms(t0);
	if (p != MAP_FAILED)
		munmap(p, len);
	sd_destroy_name(fd, name);
	close(fd);
	return p == MAP_FAILED ? -1 : ms;
}

static double cost_memfd(void)
{
	const size_t len = 64UL << 20;
	uint64_t t0 = now_ns();
	double ms;
	char *p;
	int fd = memfd_create("bench", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		touch(p, len, true);
	ms = elapsed_ms(t0);
	if (p != MAP_FAILED)
		munmap(p, len);
	close(fd);
	return p == MAP_FAILED ? -1 : ms;
}

static double cost_anon_thp(void)
{
	const size_t len = 64UL << 20;
	uint64_t t0 = now_ns();
	char *p = aligned_hole(len);
	double ms;

	if (!p)
		return -1;
	p = mmap(p, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, len, MADV_HUGEPAGE);
	touch(p, len, true);
	ms = elapsed_ms(t0);
	munmap(p, len);
	return ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define BENCH_REPS	5

/* Median of BENCH_REPS runs of @fn(@arg). */
static double median_cost(double (*fn)(__u32), __u32 arg)
{
	double v[BENCH_REPS];
	int i;

	for (i = 0; i < BENCH_REPS; i++) {
		v[i] = fn(arg);
		if (v[i] < 0)
			return -1;
	}
	qsort(v, BENCH_REPS, sizeof(v[0]), cmp_double);
	return v[BENCH_REPS / 2];
}

static double memfd_fn(__u32 unused)
{
	(void)unused;
	return cost_memfd();
}

static double anon_fn(__u32 unused)
{
	(void)unused;
	return cost_anon_thp();
}

/* CREATE + first touch of 64 MiB: huge region against a 4 KiB one, memfd and anonymous THP (medians of 5, ratios printed). */
TEST_F_TIMEOUT(misc, bench_create_first_touch, 600)
{
	double huge, small, memfd, anon;

	huge = median_cost(cost_shmdev, SHMDEV_CREATE_HUGE);
	small = median_cost(cost_shmdev, 0);
	memfd = median_cost(memfd_fn, 0);
	anon = median_cost(anon_fn, 0);
	ASSERT_GT(huge, 0);
	ASSERT_GT(small, 0);
	ASSERT_GT(memfd, 0);
	ASSERT_GT(anon, 0);
	TH_LOG("64 MiB create+first touch (median ms): huge %.1f, 4k region %.1f, memfd %.1f, anon THP %.1f",
	       huge, small, memfd, anon);
	TH_LOG("ratios: huge/4k %.2f, huge/memfd %.2f, huge/anon-THP %.2f",
	       huge / small, huge / memfd, huge / anon);
}

SHMDEV_HARNESS_MAIN
