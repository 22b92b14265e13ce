// SPDX-License-Identifier: GPL-2.0
/*
 * shmdevctl map --json against real processes: every run it reports for
 * this process and for a forked child agrees with /proc/PID/pagemap
 * (present or not, every PFN, region frame or anonymous copy), its
 * mapped pages with smaps Rss, and for a 2 MiB region its PMD leaf with
 * smaps FilePmdMapped and its misaligned mapping with 512 PTEs.
 *
 * shmdevctl is the staged /usr/bin/shmdevctl (SHMDEVCTL overrides); the
 * test skips without it.  The JSON is read line by line: shmdevctl
 * prints one run per line (schema 1, shmdevctl(1)).
 */
#include "shmdev_common.h"

#include "kselftest_harness.h"

#define HUGE_SZ (2UL << 20)

static const char *ctl_path(void)
{
	const char *p = getenv("SHMDEVCTL");

	return p ? p : "/usr/bin/shmdevctl";
}

/* Run shmdevctl with @args; its stdout into a malloc()ed string. */
static char *run_ctl(const char *const *args, int *status)
{
	const char *argv[12];
	size_t got = 0, cap = 1 << 16;
	char *out = malloc(cap);
	int pfd[2], i;
	pid_t pid;

	argv[0] = ctl_path();
	for (i = 0; args[i] && i < 10; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (!out || pipe2(pfd, O_CLOEXEC))
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n;

		if (got + 1 >= cap) {
			char *t = realloc(out, cap *= 2);

			if (!t)
				break;
			out = t;
		}
		n = read(pfd[0], out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	out[got] = 0;
	close(pfd[0]);
	*status = reap(pid);
	return out;
}

struct jrun {
	pid_t pid;
	uint64_t addr, pages, pfn;
	bool has_pfn;
	char level[8], kind[8], why[16];
};

static bool field_u64(const char *line, const char *key, uint64_t *v, bool *null)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	if (null)
		*null = !strncmp(p, "null", 4);
	if (*p == '"')
		p++;
	*v = strtoull(p, NULL, 0);
	return true;
}

static void field_str(const char *line, const char *key, char *buf, size_t len)
{
	char pat[40];
	const char *p;
	size_t n;

	buf[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	n = strcspn(p, "\"");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

/* The runs of the JSON, with their pids; returns how many. */
static int parse_runs(char *json, struct jrun *runs, int max)
{
	pid_t pid = 0;
	int n = 0;
	char *line, *save;

	for (line = strtok_r(json, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		uint64_t v;
		bool null;

		if (field_u64(line, "pid", &v, NULL))
			pid = (pid_t)v;
		if (!strstr(line, "\"addr\": "))
			continue;
		runs[n].pid = pid;
		field_u64(line, "addr", &runs[n].addr, NULL);
		field_u64(line, "pages", &runs[n].pages, NULL);
		field_u64(line, "pfn", &runs[n].pfn, &null);
		runs[n].has_pfn = !null;
		field_str(line, "level", runs[n].level, sizeof(runs[n].level));
		field_str(line, "kind", runs[n].kind, sizeof(runs[n].kind));
		field_str(line, "why_pte", runs[n].why, sizeof(runs[n].why));
		n++;
	}
	return n;
}

/* Pages of the runs that agree with pagemap; -1 at the first that does not. */
static long check_pagemap(struct __test_metadata *_metadata,
			  const struct jrun *r, int n)
{
	long checked = 0;
	int i;
	uint64_t j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < r[i].pages; j++) {
			uint64_t a = r[i].addr + j * page_size();
			uint64_t pm = pagemap_of(r[i].pid, a);
			bool present = pm & PM_PRESENT;
			bool mapped = strcmp(r[i].level, "none");

			if (present != mapped) {
				TH_LOG("pid %d 0x%llx: map says %s, pagemap %s",
				       r[i].pid, (unsigned long long)a, r[i].level,
				       present ? "present" : "not present");
				return -1;
			}
			if (mapped && (!r[i].has_pfn ||
				       (pm & PM_PFN_MASK) != r[i].pfn + j)) {
				TH_LOG("pid %d 0x%llx: pfn 0x%llx, pagemap 0x%llx",
				       r[i].pid, (unsigned long long)a,
				       (unsigned long long)(r[i].pfn + j),
				       (unsigned long long)(pm & PM_PFN_MASK));
				return -1;
			}
			/* Bit 61: a file page or shared anonymous page. */
			if (mapped && !!(pm & (1ULL << 61)) !=
			    !strcmp(r[i].kind, "region")) {
				TH_LOG("pid %d 0x%llx: kind %s but pagemap bit 61 %d",
				       r[i].pid, (unsigned long long)a, r[i].kind,
				       !!(pm & (1ULL << 61)));
				return -1;
			}
			checked++;
		}
	}
	return checked;
}

/* Mapped pages the runs of @pid report in [start, start + len). */
static long mapped_pages(const struct jrun *r, int n, pid_t pid,
			 uintptr_t start, size_t len)
{
	long pages = 0;
	int i;

	for (i = 0; i < n; i++)
		if (r[i].pid == pid && r[i].addr >= start &&
		    r[i].addr < start + len && strcmp(r[i].level, "none"))
			pages += (long)r[i].pages;
	return pages;
}

FIXTURE(mapctl) {
	char name[SHMDEV_NAME_MAX];
	int fd;
	pid_t child;
};

FIXTURE_SETUP(mapctl)
{
	self->fd = -1;
	self->child = 0;
	if (access(ctl_path(), X_OK))
		SKIP(return, "%s not present (not staged)", ctl_path());
	shmdev_name(self->name, "mapctl");
}

FIXTURE_TEARDOWN(mapctl)
{
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		reap(self->child);
	}
	if (self->fd >= 0)
		close(self->fd);
	sd_cleanup_name(self->name);
}

/* Two processes, shared and private mappings, some pages untouched. */
TEST_F(mapctl, json_agrees_with_pagemap_and_smaps)
{
	const long ps = page_size(), pages = 8;
	const char *args[] = { "map", "--json", self->name, NULL };
	struct jrun runs[64];
	volatile char *p;
	int ready[2], st, n;
	char *out, c;
	long checked;

	self->fd = sd_new_region(self->name, pages * ps, 1, 0600, NULL);
	ASSERT_LE(0, self->fd);
	p = mmap(NULL, pages * ps, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	p[ps] = 2;
	(void)p[5 * ps];
	ASSERT_EQ(0, pipe(ready));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		volatile char *q;

		q = mmap(NULL, pages * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			 self->fd, 0);
		if (q == MAP_FAILED)
			_exit(1);
		(void)q[ps];	/* the region's frame */
		q[2 * ps] = 3;	/* an anonymous copy */
		(void)p[0];
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	out = run_ctl(args, &st);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st) TH_LOG("shmdevctl map --json: status %d", st);
	ASSERT_NE(NULL, strstr(out, "\"schema\": 1,"));
	ASSERT_NE(NULL, strstr(out, "\"raw\": true,"));
	n = parse_runs(out, runs, 64);
	free(out);
	ASSERT_LT(0, n);
	checked = check_pagemap(_metadata, runs, n);
	ASSERT_LE(2 * pages, checked);
	/* Ours: pages 0, 1 and fault-around's neighbours of page 5. */
	EXPECT_EQ(smaps_field_kb(0, (uintptr_t)p, "Rss"),
		  mapped_pages(runs, n, getpid(), (uintptr_t)p, pages * ps) * ps / 1024);
	EXPECT_LE(3, mapped_pages(runs, n, getpid(), (uintptr_t)p, pages * ps));
	/* The child's: at least the shared page 0 and its private pages. */
	EXPECT_LE(3, mapped_pages(runs, n, self->child, 0, UINTPTR_MAX));
	munmap((void *)p, pages * ps);
}

/* A 2 MiB region: a PMD leaf where aligned, 512 PTEs where not. */
TEST_F(mapctl, huge_region_pmd_and_misaligned)
{
	const long ps = page_size();
	const char *args[] = { "map", "--json", self->name, NULL };
	struct jrun runs[64];
	char *a, *res, *b, *out;
	const char *why;
	uintptr_t at;
	int st, n, i, pmd = 0, pte = 0;
	bool no_thp;

	self->fd = shmdev_open(O_RDWR);
	ASSERT_LE(0, self->fd);
	if (sd_create_full(self->fd, self->name, HUGE_SZ, 1, 0600,
			   SHMDEV_CREATE_HUGE, NULL))
		SKIP(return, "no 2 MiB region: %s", strerror(errno));
	a = mmap(NULL, HUGE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	memset(a, 1, HUGE_SZ);
	res = mmap(NULL, 2 * HUGE_SZ + ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	at = ((uintptr_t)res + HUGE_SZ - 1) / HUGE_SZ * HUGE_SZ + ps;
	b = mmap((void *)at, HUGE_SZ, PROT_READ, MAP_SHARED | MAP_FIXED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, b);
	for (i = 0; i < (int)(HUGE_SZ / ps); i++)
		(void)((volatile char *)b)[i * ps];
	out = run_ctl(args, &st);
	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, st);
	/* Without THP (PREEMPT_RT) nothing is a PMD, and that is the reason. */
	no_thp = strstr(out, "\"no_thp\": true,") != NULL;
	why = no_thp ? "no-thp" : "misaligned";
	n = parse_runs(out, runs, 64);
	free(out);
	ASSERT_LT(0, n);
	ASSERT_EQ((long)(2 * HUGE_SZ / ps), check_pagemap(_metadata, runs, n));
	for (i = 0; i < n; i++) {
		if (runs[i].addr == (uintptr_t)a && !strcmp(runs[i].level, "pmd") &&
		    runs[i].pages == HUGE_SZ / ps)
			pmd++;
		if (runs[i].addr >= (uintptr_t)b && runs[i].addr < (uintptr_t)b + HUGE_SZ &&
		    !strcmp(runs[i].level, "pte")) {
			pte += runs[i].pages;
			EXPECT_STREQ(why, runs[i].why);
		}
	}
	if (smaps_field_kb(0, (uintptr_t)a, "FilePmdMapped") == 2048) {
		EXPECT_EQ(1, pmd);
		EXPECT_FALSE(no_thp);
	} else {
		EXPECT_TRUE(no_thp);
		TH_LOG("no PMD mapping here (FilePmdMapped %ld kB)",
		       smaps_field_kb(0, (uintptr_t)a, "FilePmdMapped"));
	}
	EXPECT_EQ((int)(HUGE_SZ / ps), pte);
	munmap(a, HUGE_SZ);
	munmap(res, 2 * HUGE_SZ + ps);
}

SHMDEV_HARNESS_MAIN
