// SPDX-License-Identifier: GPL-2.0
/*
 * First touch by writes: a write fault on a shared writable mapping of a
 * 4 KiB region also maps the neighbouring pages (the module's
 * write-around, a 16-page aligned window within the VMA), so that a
 * region first touched by writes takes one fault per 64 KiB, not one per
 * page.  Checked from outside with minor-fault counts (getrusage) and
 * /proc/self/pagemap; and that nothing else changed: private mappings
 * still copy only the written page, read-only mappings stay read-only,
 * moved and offset mappings map the right pages, soft-dirty still tells
 * written pages from their neighbours.  A benchmark case prints the
 * faults and time of a 64 MiB first touch by writes beside a memfd's.
 */
#include "shmdev_common.h"

#include <sys/resource.h>

#define PG		((size_t)page_size())
#define WINDOW		16	/* pages: SHMDEV_WRITE_AROUND in backing.c */
#define REGION_PAGES	256

static long minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_minflt;
}

static bool present(const void *p)
{
	return pagemap_of(0, (uintptr_t)p) & PM_PRESENT;
}

static bool soft_dirty(const void *p)
{
	return pagemap_of(0, (uintptr_t)p) & PM_SOFT_DIRTY;
}

/* The first page of @p..@p+@len that starts an aligned window with a window after it. */
static char *window_start(char *p, size_t len)
{
	uintptr_t w = WINDOW * PG;
	uintptr_t a = ((uintptr_t)p + w - 1) & ~(w - 1);

	return a + 2 * w <= (uintptr_t)p + len ? (char *)a : NULL;
}

/*
 * Writes to @n pages from @p, one byte each; the minor faults they took.
 * The first getrusage() is the warm-up: writing its result can itself
 * fault (a stack page still copy-on-write after the harness's fork, or
 * write-protected by clear_refs), and that fault is not the region's.
 */
static long write_pages(char *p, size_t n, char val)
{
	long before;
	size_t i;

	minflt();
	before = minflt();

	for (i = 0; i < n; i++)
		((volatile char *)p)[i * PG] = val;
	return minflt() - before;
}

/* Does writing one byte at @p kill a child with SIGSEGV? */
static bool write_segfaults(char *p)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		*(volatile char *)p = 1;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

FIXTURE(touch) {
	char name[SHMDEV_NAME_MAX];
	int fd;
	size_t len;
	char *p;	/* the whole region, shared and writable */
};

FIXTURE_SETUP(touch)
{
	shmdev_name(self->name, "tch");
	self->len = REGION_PAGES * PG;
	self->fd = sd_new_region(self->name, self->len, 1, 0600, NULL);
	ASSERT_GE(self->fd, 0);
	self->p = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->p);
}

FIXTURE_TEARDOWN(touch)
{
	munmap(self->p, self->len);
	sd_destroy_name(self->fd, self->name);
	close(self->fd);
}

/* One write maps its whole aligned window, and the neighbours take writes without faulting. */
TEST_F(touch, write_maps_window_writable)
{
	char *w = window_start(self->p, self->len);
	int i;

	ASSERT_NE(NULL, w);
	ASSERT_EQ(1, write_pages(w + 5 * PG, 1, 7));
	for (i = 0; i < WINDOW; i++)
		EXPECT_TRUE(present(w + i * PG)) TH_LOG("page %d of the window", i);
	/* No more than the window: untouched memory stays unmapped. */
	if (w > self->p)
		EXPECT_FALSE(present(w - PG));
	EXPECT_FALSE(present(w + WINDOW * PG));
	EXPECT_EQ(0, write_pages(w, WINDOW, 9));
	for (i = 0; i < WINDOW; i++)
		EXPECT_EQ(9, w[i * PG]);
}

/* First touch of a whole region by writes: one fault per window, not per page. */
TEST_F(touch, first_touch_faults_per_window)
{
	long faults = write_pages(self->p, REGION_PAGES, 1);

	/* An unaligned start splits at most one more window. */
	EXPECT_LE(faults, REGION_PAGES / WINDOW + 1);
	EXPECT_GE(faults, REGION_PAGES / WINDOW);
	EXPECT_EQ(0, write_pages(self->p, REGION_PAGES, 2));
}

/* A private mapping copies the written page only and maps no neighbour. */
TEST_F(touch, private_copies_only_the_written_page)
{
	char *q = mmap(NULL, self->len, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		       self->fd, 0);
	char *w = window_start(q, self->len);
	size_t off;

	ASSERT_NE(MAP_FAILED, q);
	ASSERT_NE(NULL, w);
	off = w - q;
	EXPECT_EQ(1, write_pages(w + 5 * PG, 1, 3));
	EXPECT_FALSE(present(w + 4 * PG));
	EXPECT_FALSE(present(w + 6 * PG));
	/* Each further page is its own copy-on-write fault. */
	EXPECT_EQ(1, write_pages(w + 6 * PG, 1, 4));
	/* The region never sees a private write. */
	EXPECT_EQ(0, self->p[off + 5 * PG]);
	EXPECT_EQ(0, self->p[off + 6 * PG]);
	EXPECT_EQ(3, w[5 * PG]);
	munmap(q, self->len);
}

/* A read-only attach's mapping stays read-only beside a written window of the same region. */
TEST_F(touch, read_only_mapping_stays_read_only)
{
	int rfd = shmdev_open(O_RDWR);
	char *r, *w = window_start(self->p, self->len);
	size_t off;

	ASSERT_GE(rfd, 0);
	ASSERT_EQ(0, sd_attach_name(rfd, self->name, SHMDEV_ATTACH_RDONLY, NULL));
	r = mmap(NULL, self->len, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, r);
	ASSERT_NE(NULL, w);
	off = w - self->p;
	ASSERT_EQ(1, write_pages(w + 5 * PG, 1, 5));
	EXPECT_EQ(5, r[off + 5 * PG]);	/* a read fault maps r's window */
	EXPECT_TRUE(write_segfaults(r + off + 5 * PG));
	EXPECT_TRUE(write_segfaults(r + off + 6 * PG));
	EXPECT_EQ(-1, mprotect(r, self->len, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(r, self->len);
	close(rfd);
}

/*
 * A small mapping moved by mremap and one at an offset: the window stays
 * inside each VMA and maps the pages at the right offsets.
 */
TEST_F(touch, moved_and_offset_mappings_map_right_pages)
{
	size_t hole_len = 4 * WINDOW * PG, i;
	char *hole, *small, *off8;

	/*
	 * Pages 40-43 of the region, moved into the middle of a window of a
	 * reserved hole: the rest of the window is another VMA.
	 */
	hole = mmap(NULL, hole_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_NE(NULL, window_start(hole, hole_len));
	small = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		     self->fd, 40 * PG);
	ASSERT_NE(MAP_FAILED, small);
	small = mremap(small, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
		       window_start(hole, hole_len) + 6 * PG);
	ASSERT_NE(MAP_FAILED, small);
	EXPECT_EQ(1, write_pages(small + PG, 1, 11));
	EXPECT_EQ(0, write_pages(small, 4, 12));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(12, self->p[(40 + i) * PG]) TH_LOG("page %zu", 40 + i);
	EXPECT_EQ(0, self->p[39 * PG]);
	EXPECT_EQ(0, self->p[44 * PG]);

	/* A mapping from page 8 on: writes land at 8 + i. */
	off8 = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->fd, 8 * PG);
	ASSERT_NE(MAP_FAILED, off8);
	EXPECT_EQ(1, write_pages(off8 + 20 * PG, 1, 1));
	for (i = 0; i < 64; i++)
		off8[i * PG] = (char)(i + 1);
	for (i = 0; i < 64; i++)
		EXPECT_EQ((char)(i + 1), self->p[(8 + i) * PG]) TH_LOG("page %zu", 8 + i);
	munmap(off8, 64 * PG);
	munmap(small, 4 * PG);
	munmap(hole, hole_len);
}

/*
 * With soft-dirty tracking on, the neighbours are mapped clean and
 * read-only: only written pages read as soft-dirty, and a neighbour's
 * first write still faults (and then reads soft-dirty).
 */
TEST_F(touch, soft_dirty_marks_written_pages_only)
{
	char *w = window_start(self->p, self->len);

	ASSERT_NE(NULL, w);
	if (write_str("/proc/self/clear_refs", "4"))
		SKIP(return, "no soft-dirty tracking (clear_refs 4 refused)");
	/* Not counted: clear_refs also write-protected this test's stack. */
	write_pages(w + 5 * PG, 1, 1);
	if (!soft_dirty(w + 5 * PG))
		SKIP(return, "this kernel does not track soft-dirty pages");
	ASSERT_TRUE(present(w + 6 * PG));
	EXPECT_FALSE(soft_dirty(w + 6 * PG));
	EXPECT_EQ(1, write_pages(w + 6 * PG, 1, 1));
	EXPECT_TRUE(soft_dirty(w + 6 * PG));
	EXPECT_FALSE(soft_dirty(w + 7 * PG));
}

#define BENCH_SIZE	(64UL << 20)
#define BENCH_REPS	5

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Milliseconds to write one byte per page of @p (BENCH_SIZE); faults in *@f. */
static double write_ms(char *p, long *f)
{
	uint64_t t0 = now_ns();

	*f = write_pages(p, BENCH_SIZE / PG, 1);
	return (now_ns() - t0) / 1e6;
}

/* A 64 MiB 4 KiB region's first touch by writes; -1 on failure. */
static double shmdev_first_write(long *f)
{
	char name[SHMDEV_NAME_MAX];
	double ms = -1;
	int fd;
	char *p;

	shmdev_name(name, "tchb");
	fd = sd_new_region(name, BENCH_SIZE, 1, 0600, NULL);
	if (fd < 0)
		return -1;
	p = mmap(NULL, BENCH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		ms = write_ms(p, f);
		munmap(p, BENCH_SIZE);
	}
	sd_destroy_name(fd, name);
	close(fd);
	return ms;
}

/* The same for a memfd whose pages fallocate() made beforehand, as CREATE does. */
static double memfd_first_write(long *f)
{
	int fd = memfd_create("tchb", MFD_CLOEXEC);
	double ms = -1;
	char *p;

	if (fd < 0)
		return -1;
	if (!ftruncate(fd, BENCH_SIZE) && !fallocate(fd, 0, 0, BENCH_SIZE)) {
		p = mmap(NULL, BENCH_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd, 0);
		if (p != MAP_FAILED) {
			ms = write_ms(p, f);
			munmap(p, BENCH_SIZE);
		}
	}
	close(fd);
	return ms;
}

/*
 * First touch of 64 MiB by writes: faults (one per window, where a memfd
 * takes one per page) and time, paired with a memfd in each repetition
 * (medians printed; the times are for comparison within one run only).
 */
TEST_F_TIMEOUT(touch, bench_first_touch_by_writes, 300)
{
	double sd[BENCH_REPS], mf[BENCH_REPS], ratio[BENCH_REPS];
	long sd_faults = 0, mf_faults = 0;
	int i;

	for (i = 0; i < BENCH_REPS; i++) {
		sd[i] = shmdev_first_write(&sd_faults);
		mf[i] = memfd_first_write(&mf_faults);
		ASSERT_GT(sd[i], 0);
		ASSERT_GT(mf[i], 0);
		ratio[i] = sd[i] / mf[i];
		EXPECT_LE(sd_faults, (long)(BENCH_SIZE / PG / WINDOW) + 1);
	}
	qsort(sd, BENCH_REPS, sizeof(sd[0]), cmp_double);
	qsort(mf, BENCH_REPS, sizeof(mf[0]), cmp_double);
	qsort(ratio, BENCH_REPS, sizeof(ratio[0]), cmp_double);
	TH_LOG("64 MiB first touch by writes (median ms, faults): 4k region %.1f, %ld; memfd %.1f, %ld; paired ratio %.2f",
	       sd[BENCH_REPS / 2], sd_faults, mf[BENCH_REPS / 2], mf_faults,
	       ratio[BENCH_REPS / 2]);
}

SHMDEV_HARNESS_MAIN
