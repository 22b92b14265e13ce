// SPDX-License-Identifier: GPL-2.0
/*
 * Region memory under memory pressure: never swapped, never moved.
 *
 * Sets up swap on zram (loads /lib/modules/extra/zram.ko when zram is not
 * built in, sizes zram0, writes the swap header itself and calls swapon),
 * skipping when that is impossible.  Then creates a region (64 MiB, less
 * in a small guest), fills it with a pattern, records every page's PFN
 * (pagemap), and drives the guest into reclaim with a child that touches
 * anonymous memory past MemAvailable (same-filled pages, which zram
 * stores without using memory, so swap relieves the pressure and nothing
 * is OOM-killed) until swapping is seen in /proc/vmstat pswpout, for at
 * least SHMDEV_STRESS_SECONDS.  Afterwards: content intact, every PFN
 * unchanged, "Swap: 0 kB" in /proc/self/smaps for the mapping, and
 * /proc/meminfo Unevictable still covers the region.
 *
 * stress-ng, if present, is not used as the hog: its page contents are
 * not all compressible, so swap on zram would not relieve the pressure
 * and the OOM killer (which prints a call trace the rig counts as a
 * kernel report) could fire.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/swap.h>
#include <sys/utsname.h>

#include "shmdev_common.h"

#define ZRAM_SYS	"/sys/block/zram0"
#define ZRAM_DEV	"/dev/zram0"
#define ZRAM_KO		"/lib/modules/extra/zram.ko"

/* A field of /proc/meminfo (kB) or /proc/vmstat, -1 if absent. */
static long long proc_field(const char *file, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen(file, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && (line[klen] == ':' || line[klen] == ' ')) {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static long long meminfo_kb(const char *key)
{
	return proc_field("/proc/meminfo", key);
}

static long long vmstat(const char *key)
{
	return proc_field("/proc/vmstat", key);
}

static void set_oom_adj(const char *v)
{
	write_str("/proc/self/oom_score_adj", v);
}

/* mkswap: a version 1 swap header in the first page. */
static int make_swap(const char *dev, unsigned long long bytes)
{
	long psz = page_size();
	unsigned char *hdr = calloc(1, psz);
	uint32_t *info;
	int fd, ret = 0;

	if (!hdr)
		return -ENOMEM;
	info = (uint32_t *)(hdr + 1024);
	info[0] = 1;				/* version */
	info[1] = bytes / psz - 1;		/* last_page */
	info[2] = 0;				/* nr_badpages */
	memcpy(hdr + psz - 10, "SWAPSPACE2", 10);
	fd = open(dev, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		if (pwrite(fd, hdr, psz, 0) != psz)
			ret = -errno;
		fsync(fd);
		close(fd);
	}
	free(hdr);
	return ret;
}

/* Load every other module in /lib/modules/extra (zram's dependencies). */
static void load_extra_modules(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir("/lib/modules/extra");
	int pass, fd;

	if (!d)
		return;
	/* Two passes: a dependency may itself need another one. */
	for (pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((de = readdir(d))) {
			size_t len = strlen(de->d_name);

			if (len < 4 || strcmp(de->d_name + len - 3, ".ko") ||
			    !strcmp(de->d_name, "zram.ko"))
				continue;
			snprintf(path, sizeof(path), "/lib/modules/extra/%s", de->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			syscall(SYS_finit_module, fd, "", 0);
			close(fd);
		}
	}
	closedir(d);
}

FIXTURE(pressure) {
	bool loaded_zram;
	bool sized;
	bool swap_on;
	pid_t hog;
	char why[160];
};

/* Returns 0, or fills self->why and returns -1 (skip). */
static int setup_swap(FIXTURE_DATA(pressure) *self, unsigned long long bytes)
{
	char buf[32];
	int fd, ret;

	if (access(ZRAM_SYS, F_OK)) {
		fd = open(ZRAM_KO, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(self->why, sizeof(self->why),
				 "no zram: not built in and no " ZRAM_KO);
			return -1;
		}
		ret = syscall(SYS_finit_module, fd, "num_devices=1", 0);
		if (ret && errno == ENOENT) {
			/* Unknown symbols: load its neighbours (lz4...) first. */
			load_extra_modules();
			ret = syscall(SYS_finit_module, fd, "num_devices=1", 0);
		}
		close(fd);
		if (ret && errno != EEXIST) {
			snprintf(self->why, sizeof(self->why), "loading " ZRAM_KO ": %s",
				 strerror(errno));
			return -1;
		}
		self->loaded_zram = true;
		for (ret = 0; ret < 100 && (access(ZRAM_SYS, F_OK) || access(ZRAM_DEV, F_OK)); ret++)
			usleep(20000);
	}
	if (access(ZRAM_SYS, F_OK) || access(ZRAM_DEV, F_OK)) {
		snprintf(self->why, sizeof(self->why), ZRAM_SYS " or " ZRAM_DEV " missing");
		return -1;
	}
	if (sysfs_read_ll(ZRAM_SYS "/disksize") > 0) {
		snprintf(self->why, sizeof(self->why), "zram0 already in use");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%llu", bytes);
	if (write_str(ZRAM_SYS "/disksize", buf)) {
		snprintf(self->why, sizeof(self->why), "cannot size zram0");
		return -1;
	}
	self->sized = true;
	if (make_swap(ZRAM_DEV, bytes)) {
		snprintf(self->why, sizeof(self->why), "cannot write a swap header");
		return -1;
	}
	if (swapon(ZRAM_DEV, 0)) {
		snprintf(self->why, sizeof(self->why), "swapon " ZRAM_DEV ": %s",
			 strerror(errno));
		return -1;
	}
	self->swap_on = true;
	return 0;
}

static void teardown_swap(FIXTURE_DATA(pressure) *self)
{
	if (self->hog > 0) {
		kill(self->hog, SIGKILL);
		waitpid(self->hog, NULL, 0);
		self->hog = 0;
	}
	if (self->swap_on) {
		if (swapoff(ZRAM_DEV))
			fprintf(stderr, "# swapoff: %s\n", strerror(errno));
		self->swap_on = false;
	}
	/* Only a zram0 this test sized is reset. */
	if (self->sized) {
		write_str(ZRAM_SYS "/reset", "1");
		self->sized = false;
	}
	if (self->loaded_zram) {
		syscall(SYS_delete_module, "zram", O_NONBLOCK);
		self->loaded_zram = false;
	}
}

FIXTURE_SETUP(pressure)
{
	self->loaded_zram = self->swap_on = self->sized = false;
	self->hog = 0;
	self->why[0] = 0;
	if (setup_swap(self, 512ULL << 20))
		SKIP(return, "%s", self->why);
}

FIXTURE_TEARDOWN_PARENT(pressure)
{
	teardown_swap(self);
}

/*
 * The hog: grows anonymous memory in 4 MiB steps (each page filled with
 * one repeated value) up to @limit bytes, then keeps re-touching it so
 * reclaim keeps running, until killed.
 */
static void hog(unsigned long long limit)
{
	const size_t step = 4 << 20;
	long psz = page_size();
	unsigned long long have = 0;
	char *chunks[1024];
	int n = 0, i;

	set_oom_adj("1000");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		if (have < limit && n < 1024 && meminfo_kb("SwapFree") > 64 * 1024) {
			char *p = mmap(NULL, step, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			size_t off;

			if (p == MAP_FAILED) {
				usleep(100000);
				continue;
			}
			for (off = 0; off < step; off += psz) {
				uint64_t *q = (uint64_t *)(p + off), v = 0x0101010101010101ULL * (n & 0xff);
				size_t k;

				for (k = 0; k < (size_t)psz / 8; k++)
					q[k] = v | 1;
			}
			chunks[n++] = p;
			have += step;
			continue;
		}
		/* Hold the pressure: touch a random chunk again. */
		if (n) {
			i = rand() % n;
			for (size_t off = 0; off < step; off += psz)
				(void)*(volatile char *)(chunks[i] + off);
		}
		usleep(1000);
	}
}

static long long smaps_swap_kb(void *addr)
{
	char line[256], want[32];
	bool in = false;
	long long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strncmp(line, want, strlen(want)) == 0) {
			in = true;
			continue;
		}
		if (in && !strncmp(line, "Swap:", 5)) {
			kb = strtoll(line + 5, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

TEST_F_TIMEOUT(pressure, region_not_swapped_or_moved, 600)
{
	const char *env = getenv("SHMDEV_STRESS_SECONDS");
	long secs = env && *env ? strtol(env, NULL, 0) : 10;
	long psz = page_size();
	long long memtotal = meminfo_kb("MemTotal"), avail, unevict0, unevict1, unevict2;
	long long swpout0, swpout1, swapfree_min;
	unsigned long long size, limit;
	uint64_t *pfns, t0, deadline, hardcap;
	size_t npages, i, moved = 0;
	char name[SHMDEV_NAME_MAX];
	long bad;
	int hst = 0;
	pid_t hogpid;
	char *m;
	__u64 id = 0;
	int fd;

	if (secs < 1)
		secs = 1;
	ASSERT_GT(memtotal, 0);
	set_oom_adj("-1000");
	/* 64 MiB in a 1 GiB guest; a sixteenth of memory in smaller ones. */
	size = (unsigned long long)memtotal * 1024 / 16;
	if (size > (64ULL << 20))
		size = 64ULL << 20;
	size &= ~(unsigned long long)(psz - 1);
	npages = size / psz;

	unevict0 = meminfo_kb("Unevictable");
	shmdev_name(name, "pressure");
	fd = sd_new_region(name, size, 1, 0600, &id);
	ASSERT_GE(fd, 0);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	fill_pattern(m, size, 0x5eed);
	pfns = calloc(npages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	for (i = 0; i < npages; i++) {
		pfns[i] = pfn_of(m + i * psz);
		ASSERT_NE(0UL, pfns[i]) TH_LOG("no PFN for page %zu", i);
	}
	unevict1 = meminfo_kb("Unevictable");
	EXPECT_GE(unevict1 - unevict0, (long long)(size / 1024) * 9 / 10) {
		TH_LOG("Unevictable grew by %lld kB for a %llu kB region",
		       unevict1 - unevict0, size / 1024);
	}

	avail = meminfo_kb("MemAvailable");
	swpout0 = vmstat("pswpout");
	ASSERT_GE(swpout0, 0);
	/* Past what is available by a third of the swap (same-filled: cheap). */
	limit = (unsigned long long)avail * 1024 + (170ULL << 20);
	TH_LOG("region %llu MiB, MemTotal %lld MiB, MemAvailable %lld MiB, hog up to %llu MiB",
	       size >> 20, memtotal >> 10, avail >> 10, limit >> 20);
	/* self is shared with the harness parent: only the parent stores the pid. */
	hogpid = fork();
	ASSERT_GE(hogpid, 0);
	if (hogpid == 0) {
		hog(limit);
		_exit(0);
	}
	self->hog = hogpid;
	t0 = now_ns();
	deadline = t0 + secs * 1000000000ULL;
	hardcap = t0 + (secs + 120) * 1000000000ULL;
	swapfree_min = meminfo_kb("SwapFree");
	for (;;) {
		long long sf = meminfo_kb("SwapFree");

		if (sf >= 0 && sf < swapfree_min)
			swapfree_min = sf;
		swpout1 = vmstat("pswpout");
		if (now_ns() >= hardcap)
			break;
		/* Enough: the time budget is over and a good amount was swapped. */
		if (now_ns() >= deadline && swpout1 - swpout0 >= (long long)(32 << 20) / psz)
			break;
		if (waitpid(self->hog, &hst, WNOHANG) == self->hog) {
			TH_LOG("the hog ended early (status %#x)", hst);
			self->hog = 0;
			break;
		}
		usleep(200000);
	}
	if (self->hog > 0) {
		kill(self->hog, SIGKILL);
		waitpid(self->hog, NULL, 0);
		self->hog = 0;
	}
	swpout1 = vmstat("pswpout");
	TH_LOG("after %.1f s: pswpout +%lld pages (%lld MiB), swap used at most %lld MiB",
	       (now_ns() - t0) / 1e9, swpout1 - swpout0,
	       (swpout1 - swpout0) * psz >> 20, (512LL * 1024 - swapfree_min) >> 10);
	ASSERT_GT(swpout1 - swpout0, 0) TH_LOG("no swapping happened: no pressure");

	/* The region: same frames, same content, nothing swapped, unevictable. */
	for (i = 0; i < npages; i++)
		if (pfn_of(m + i * psz) != pfns[i])
			moved++;
	EXPECT_EQ(0UL, moved) TH_LOG("%zu of %zu pages changed frames", moved, npages);
	bad = check_pattern(m, size, 0x5eed);
	EXPECT_EQ(-1, bad) TH_LOG("content differs at offset %ld", bad);
	EXPECT_EQ(0, smaps_swap_kb(m));
	unevict2 = meminfo_kb("Unevictable");
	EXPECT_GE(unevict2 - unevict0, (long long)(size / 1024) * 9 / 10) {
		TH_LOG("Unevictable %lld kB (was %lld before the region)", unevict2, unevict0);
	}
	printf("# pressure: region_bytes=%llu pswpout_pages=%lld swap_used_max_kb=%lld moved_pages=%zu unevictable_delta_kb=%lld\n",
	       size, swpout1 - swpout0, 512LL * 1024 - swapfree_min, moved,
	       unevict2 - unevict0);
	fflush(stdout);

	ASSERT_EQ(0, munmap(m, size));
	ASSERT_EQ(0, sd_destroy_id(fd, id));
	close(fd);
	free(pfns);
	teardown_swap(self);
}

SHMDEV_HARNESS_MAIN
